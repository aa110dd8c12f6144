/* transcript: stream reassembly at the sender and a dialogue parser per direction. */
#include "transcript.h"

#include <string.h>

#include "sim/sim_trace.h"

typedef struct {
    bool client;         /* sent by the client */
    guint pair;          /* index of its connection's pair of hosts in `pairs` */
    sim_time_t sent;     /* first byte left the sender */
    uint64_t last_pkt;   /* the packet that carried its last byte so far */
    char *head;          /* start line and headers */
    uint64_t body;
    bool done;
} message;

typedef struct {
    bool client;
    guint pair;
    bool started;
    uint32_t next;       /* next expected sequence number */
    const app_dialogue *dlg;
    void *p;             /* the dialogue's parser; NULL: not followed */
    gint current;        /* index of the message being read, -1 none */
    char *reverse_key;
} direction;

/* Two hosts that had a connection: its client (the SYN's sender) and server. */
typedef struct {
    uint32_t client, server;
} host_pair;

struct transcript {
    net_t *net;
    uint32_t hosts[APP_TIMELINE_MAX_COLUMNS];
    guint n_hosts;
    uint64_t host_bits;  /* bit (address mod 64) set for each followed host: a first, cheap filter */
    GArray *pairs;       /* of host_pair, in order of their first connection */
    guint max;
    bool detached;       /* the run is over: records are ignored */
    GHashTable *dirs;    /* "src:sport>dst:dport" -> direction*; lookup only */
    GArray *msgs;        /* of message, in order of first byte sent */
    GHashTable *arrived; /* packet id -> arrival time; lookup only */
    GHashTable *wanted;  /* packet ids whose arrival matters */
    transcript_dialogue_fn dialogue_at;
    void *ud;
};

static char *key_of(uint32_t s, uint16_t sp, uint32_t d, uint16_t dp)
{
    return g_strdup_printf("%u:%u>%u:%u", s, sp, d, dp);
}

static void direction_free(gpointer p)
{
    direction *d = p;
    if (d->p)
        d->dlg->free(d->p);
    g_free(d->reverse_key);
    g_free(d);
}

/* Whether a direction's first packet comes from the connection's client:
 * a SYN without ACK does; a SYN-ACK does not; otherwise the opposite of
 * the reverse direction, else the first followed host is the client. */
static bool sent_by_client(const transcript *t, const pkt_t *p, const direction *rev)
{
    if (p->tcp_flags & PKT_SYN)
        return !(p->tcp_flags & PKT_ACK);
    if (rev)
        return !rev->client;
    return p->src == t->hosts[0];
}

static guint pair_of(transcript *t, uint32_t client, uint32_t server)
{
    for (guint i = 0; i < t->pairs->len; i++) {
        const host_pair *hp = &g_array_index(t->pairs, host_pair, i);
        if (hp->client == client && hp->server == server)
            return i;
    }
    host_pair hp = {client, server};
    g_array_append_val(t->pairs, hp);
    return t->pairs->len - 1;
}

static direction *direction_for(transcript *t, const pkt_t *p)
{
    char *k = key_of(p->src, p->sport, p->dst, p->dport);
    direction *d = g_hash_table_lookup(t->dirs, k);
    if (!d) {
        d = g_new0(direction, 1);
        d->reverse_key = key_of(p->dst, p->dport, p->src, p->sport);
        d->client = sent_by_client(t, p, g_hash_table_lookup(t->dirs, d->reverse_key));
        d->pair = d->client ? pair_of(t, p->src, p->dst) : pair_of(t, p->dst, p->src);
        d->dlg = t->dialogue_at(t->ud, d->client ? p->dport : p->sport);
        d->p = d->dlg ? d->dlg->new(d->client) : NULL;
        d->current = -1;
        g_hash_table_insert(t->dirs, k, d);
    } else {
        g_free(k);
    }
    return d;
}

/* Feeds one packet's new bytes to its direction's parser. */
static void feed(transcript *t, direction *d, const pkt_t *p, sim_time_t now)
{
    size_t off = 0, len = p->len;
    const uint8_t *data = p->data;
    while (d->p && (off < len || d->current >= 0)) {
        app_dlg_event ev = {0};
        off += d->dlg->feed(d->p, data ? data + off : NULL, len - off, &ev);
        if (ev.kind == APP_DLG_NEED_MORE || ev.kind == APP_DLG_ERROR)
            return;
        if (ev.kind == APP_DLG_HEAD) {
            if (t->msgs->len >= t->max) {
                g_free(ev.head);
                return;
            }
            message m = {0};
            m.client = d->client;
            m.pair = d->pair;
            m.sent = now;
            m.last_pkt = p->id;
            m.head = ev.head;
            g_array_append_val(t->msgs, m);
            d->current = (gint)t->msgs->len - 1;
            if (d->client && d->dlg->answering) { /* the server's parser must know what answers what */
                direction *rev = g_hash_table_lookup(t->dirs, d->reverse_key);
                if (rev && rev->p)
                    d->dlg->answering(rev->p, d->p);
            }
        } else if (ev.kind == APP_DLG_BODY && d->current >= 0) {
            message *m = &g_array_index(t->msgs, message, d->current);
            m->body += ev.body;
            m->last_pkt = p->id;
        } else if (ev.kind == APP_DLG_END && d->current >= 0) {
            message *m = &g_array_index(t->msgs, message, d->current);
            m->last_pkt = p->id;
            m->done = true;
            d->current = -1;
        }
        guint64 *id = g_new(guint64, 1);
        *id = p->id;
        g_hash_table_add(t->wanted, id);
    }
}

static bool endpoint(const transcript *t, uint32_t a)
{
    if (!(t->host_bits >> (a & 63) & 1))
        return false;
    for (guint i = 0; i < t->n_hosts; i++)
        if (t->hosts[i] == a)
            return true;
    return false;
}

bool transcript_follows(const transcript *t, uint32_t addr) { return endpoint(t, addr); }

/* A TCP packet between two followed hosts. Apart from transcript_rec, and
 * not inlined, so that the records of all other packets leave it without
 * its frame. */
static void __attribute__((noinline)) on_followed(transcript *t, const sim_trace_rec *rec, const pkt_t *p)
{
    /* which end of which link: the sender's first hop, the receiver's last */
    link_dir_t *ld = net_link_dir_by_trace_source(t->net, rec->source);
    if (!ld)
        return;
    if (rec->kind == SIM_TR_TX_START && node_addr(link_dir_src(ld)) == p->src) {
        direction *d = direction_for(t, p);
        if (p->tcp_flags & PKT_SYN) {
            d->started = true;
            d->next = p->seq + 1;
        } else if (d->started && p->len > 0 && p->seq == d->next) {
            d->next += p->len;
            feed(t, d, p, rec->time);
        }
    } else if (rec->kind == SIM_TR_RX && node_addr(link_dir_dst(ld)) == p->dst) {
        guint64 id = p->id;
        if (g_hash_table_contains(t->wanted, &id) && !g_hash_table_contains(t->arrived, &id)) {
            guint64 *k2 = g_new(guint64, 1);
            *k2 = id;
            g_hash_table_insert(t->arrived, k2, g_memdup2(&rec->time, sizeof rec->time));
        }
    }
}

void transcript_rec(transcript *t, const sim_trace_rec *rec)
{
    if (t->detached || (rec->kind != SIM_TR_TX_START && rec->kind != SIM_TR_RX))
        return;
    const pkt_t *p = rec->obj;
    if (p && p->proto == PKT_PROTO_TCP && endpoint(t, p->src) && endpoint(t, p->dst))
        on_followed(t, rec, p);
}

transcript *transcript_new(net_t *net, node_t *const *hosts, guint n_hosts, guint max_messages,
                           transcript_dialogue_fn dialogue_at, void *ud)
{
    transcript *t = g_new0(transcript, 1);
    t->dialogue_at = dialogue_at;
    t->ud = ud;
    t->net = net;
    t->n_hosts = MIN(n_hosts, (guint)APP_TIMELINE_MAX_COLUMNS);
    for (guint i = 0; i < t->n_hosts; i++) {
        t->hosts[i] = node_addr(hosts[i]);
        t->host_bits |= UINT64_C(1) << (t->hosts[i] & 63);
    }
    t->pairs = g_array_new(FALSE, FALSE, sizeof(host_pair));
    t->max = max_messages;
    t->dirs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, direction_free);
    t->msgs = g_array_new(FALSE, TRUE, sizeof(message));
    t->arrived = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
    t->wanted = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
    return t;
}

void transcript_detach(transcript *t)
{
    if (t)
        t->detached = true;
}

static const char *pair_host_name(const transcript *t, uint32_t addr)
{
    node_t *n = net_node_by_addr(t->net, addr);
    return n ? node_name(n) : "?";
}

/* "a <-> b" for the first connection's hosts (its client first), then
 * ", c <-> d" for each further pair; "" when none was seen. */
char *transcript_pairs(const transcript *t)
{
    GString *s = g_string_new("");
    for (guint i = 0; i < t->pairs->len; i++) {
        const host_pair *hp = &g_array_index(t->pairs, host_pair, i);
        g_string_append_printf(s, "%s%s <-> %s", i ? ", " : "", pair_host_name(t, hp->client), pair_host_name(t, hp->server));
    }
    return g_string_free(s, FALSE);
}

char *transcript_text(const transcript *t, const char *title)
{
    GString *s = g_string_new("");
    g_string_append_printf(s, "# %s\n# C: client, S: server; [sent -> arrived] in ms of simulated time\n", title);
    bool several = t->pairs->len > 1;
    for (guint i = 0; i < t->msgs->len; i++) {
        const message *m = &g_array_index(t->msgs, message, i);
        guint64 id = m->last_pkt;
        const sim_time_t *arr = g_hash_table_lookup(t->arrived, &id);
        char who = m->client ? 'C' : 'S';
        g_string_append_printf(s, "\n%c: [%10.3f -> ", who, sim_time_to_ms(m->sent));
        if (arr)
            g_string_append_printf(s, "%10.3f]", sim_time_to_ms(*arr));
        else
            g_string_append(s, "  (in flight)]");
        if (several) { /* which connection: sender -> receiver */
            const host_pair *hp = &g_array_index(t->pairs, host_pair, m->pair);
            g_string_append_printf(s, " %s -> %s", pair_host_name(t, m->client ? hp->client : hp->server),
                                   pair_host_name(t, m->client ? hp->server : hp->client));
        }
        g_string_append_c(s, '\n');
        gchar **lines = g_strsplit(m->head, "\r\n", -1);
        for (gchar **l = lines; *l; l++) {
            if (!**l && !l[1])
                break; /* the split's empty tail */
            g_string_append_printf(s, "%c: %s\n", who, *l);
        }
        g_strfreev(lines);
        if (m->body)
            g_string_append_printf(s, "%c: [%" G_GUINT64_FORMAT " bytes]\n", who, m->body);
    }
    return g_string_free(s, FALSE);
}

void transcript_free(transcript *t)
{
    if (!t)
        return;
    transcript_detach(t);
    g_hash_table_destroy(t->dirs);
    for (guint i = 0; i < t->msgs->len; i++)
        g_free(g_array_index(t->msgs, message, i).head);
    g_array_free(t->msgs, TRUE);
    g_hash_table_destroy(t->arrived);
    g_hash_table_destroy(t->wanted);
    g_array_free(t->pairs, TRUE);
    g_free(t);
}

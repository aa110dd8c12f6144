/*
 * world_trace: what a run's trace records give — the fingerprint (a
 * 256-bit digest of every record's values, packet id and text,
 * sim/sim_digest.h, so that two runs can be compared record for record)
 * and the timeline of the followed hosts (one arrow per packet, TCP
 * segment or UDP datagram, sent from one followed host to another: from
 * its send time at its source host, where it starts its first hop, to its
 * arrival at its destination host, the end of its last hop, labelled by
 * the application type that listens on one of its ports).
 *
 * The fingerprint's subscriber also feeds the packet log of the time
 * breakdown (world_path.c) while it is on, and the transcript
 * (transcript.c) the records of the link directions it may need.
 *
 * Cost: each transmission start and arrival record while the timeline is
 * on is matched against at most APP_TIMELINE_MAX_COLUMNS hosts, then, for
 * a packet between two of them, its link direction is found by trace
 * source in O(1).
 */
#include <string.h>

#include "sim/sim_digest.h"
#include "sim/sim_trace.h"
#include "transcript.h"
#include "world_priv.h"

/* Whether the transcript takes the records of this source (the link
 * directions that leave or reach one of its hosts). */
static inline bool transcript_source(const app_world *w, uint32_t source)
{
    return source < w->tr_nsrc && w->tr_src[source];
}

/* A packet record for the packet log of the time breakdown while it is on
 * (world_path.c), and for the transcript when `tr`. */
G_GNUC_NO_INLINE static void feed_more(app_world *w, const sim_trace_rec *rec, bool tr)
{
    if (w->pathlog_on)
        world_pathlog_rec(w->pathlog, rec);
    if (tr)
        transcript_rec(w->tr, rec);
}

/* Records that are not of packets, or that do not pack into three words
 * (sim_digest.h): the rare case of digest_rec, apart so that the usual
 * one needs no frame. */
G_GNUC_NO_INLINE static void digest_other(app_world *w, const sim_trace_rec *rec, const pkt_t *p)
{
    sim_digest_trace_escaped(&w->fingerprint, rec, p != NULL, p ? p->id : 0);
    if (p)
        feed_more(w, rec, transcript_source(w, rec->source));
}

/* The fingerprint, the packet log of the time breakdown while it is on
 * and the transcript's records: one subscriber for all, as the fingerprint
 * takes every record (a second subscriber would cost each record of its
 * kinds the bus's loop over two calls); the two others are one call,
 * without a frame here, for the records they take. */
static void digest_rec(void *ctx, const sim_trace_rec *rec)
{
    app_world *w = ctx;
    /* Packets' kinds are those below SIM_TR_APP; testing that (rather than
     * kind != SIM_TR_APP) lets the compiler drop the kind's test of
     * sim_digest_fits. */
    const pkt_t *p = (unsigned)rec->kind < SIM_TR_APP ? rec->obj : NULL;
    if (!p || !sim_digest_trace_packed(&w->fingerprint, rec, true, p->id)) {
        digest_other(w, rec, p);
        return;
    }
    bool tr = transcript_source(w, rec->source);
    if (w->pathlog_on || tr)
        feed_more(w, rec, tr);
}

void world_transcript_start(app_world *w, transcript *tr)
{
    world_transcript_stop(w);
    uint32_t n = sim_trace_source_count(sim_trace(w->sim));
    uint8_t *takes = g_new0(uint8_t, n + 1);
    bool any = false;
    for (uint32_t i = 0; i < net_link_count(w->net); i++) {
        link_t *l = net_link_at(w->net, i);
        for (int d = 0; d < 2; d++) {
            const link_dir_t *ld = link_dir(l, d);
            uint32_t src = link_dir_trace_source(ld);
            if (src < n && (transcript_follows(tr, node_addr(link_dir_src(ld))) ||
                            transcript_follows(tr, node_addr(link_dir_dst(ld))))) {
                takes[src] = 1;
                any = true;
            }
        }
    }
    w->tr = tr;
    w->tr_src = takes;
    w->tr_nsrc = any ? n : 0;
}

void world_transcript_stop(app_world *w)
{
    g_free(w->tr_src);
    w->tr_src = NULL;
    w->tr_nsrc = 0;
    w->tr = NULL;
}

void world_fingerprint_start(app_world *w)
{
    sim_digest_init(&w->fingerprint);
    w->digest_sub = sim_trace_subscribe(sim_trace(w->sim), SIM_TR_ALL, digest_rec, w);
}

char *world_fingerprint_finish(app_world *w)
{
    if (w->digest_sub)
        sim_trace_unsubscribe(sim_trace(w->sim), w->digest_sub);
    w->digest_sub = 0;
    char hex[65];
    sim_digest_hex(&w->fingerprint, hex);
    return g_strdup(hex);
}

/* The label the type listening on one of the packet's ports (the
 * destination's first) gives its payload, or NULL. */
static char *payload_label(const app_world *w, const pkt_t *p)
{
    const app_type *t = world_type_at_port(w, p->dport);
    if (!t)
        t = world_type_at_port(w, p->sport);
    return t && t->label && p->data ? t->label(p->data, p->len) : NULL;
}

/* A TCP segment: "SYN", "SYN-ACK", "FIN", "ACK", then the payload's
 * label: the listening type's, or "data [N B]". A UDP datagram: the
 * listening type's label, or "UDP [N B]". Anything else: "packet [N B]". */
static char *packet_label(const app_world *w, const pkt_t *p)
{
    GString *s = g_string_new("");
    if (p->proto == PKT_PROTO_UDP) {
        char *label = payload_label(w, p);
        g_string_append_printf(s, "%s [%u B]", label ? label : "UDP", p->len);
        g_free(label);
        return g_string_free(s, FALSE);
    }
    if (p->proto != PKT_PROTO_TCP) {
        g_string_append_printf(s, "packet [%u B]", p->len);
        return g_string_free(s, FALSE);
    }
    uint8_t f = p->tcp_flags;
    if (f & PKT_SYN)
        g_string_append(s, (f & PKT_ACK) ? "SYN-ACK" : "SYN");
    else if (f & PKT_RST)
        g_string_append(s, "RST");
    else if (f & PKT_FIN)
        g_string_append(s, "FIN");
    if (p->len > 0) {
        char *label = payload_label(w, p);
        if (s->len)
            g_string_append_c(s, ' ');
        if (label)
            g_string_append_printf(s, "%s [%u B]", label, p->len);
        else
            g_string_append_printf(s, "data [%u B]", p->len);
        g_free(label);
    } else if (!s->len) {
        g_string_append(s, "ACK");
    }
    return g_string_free(s, FALSE);
}

/* The column of the host at node address `addr`, or -1 when it is not
 * followed. O(columns). */
static int timeline_column(const app_world *w, uint32_t addr)
{
    for (guint i = 0; i < w->tl_n; i++)
        if (w->tl_addr[i] == addr)
            return (int)i;
    return -1;
}

static void timeline_rec(void *ctx, const sim_trace_rec *rec)
{
    app_world *w = ctx;
    if (w->timeline_done || !rec->obj)
        return;
    const pkt_t *p = rec->obj;
    int from = timeline_column(w, p->src), to = timeline_column(w, p->dst);
    if (from < 0 || to < 0 || from == to)
        return;
    /* Which link direction: sent when it leaves its source host, arrived
     * when it reaches its destination host. */
    link_dir_t *ld = net_link_dir_by_trace_source(w->net, rec->source);
    if (!ld)
        return;
    if (rec->kind == SIM_TR_TX_START && node_addr(link_dir_src(ld)) == p->src) {
        guint64 *key = g_new(guint64, 1);
        *key = p->id;
        g_hash_table_replace(w->tl_sent, key, g_memdup2(&rec->time, sizeof rec->time));
    } else if (rec->kind == SIM_TR_RX && node_addr(link_dir_dst(ld)) == p->dst) {
        guint64 key = p->id;
        sim_time_t *sent = g_hash_table_lookup(w->tl_sent, &key);
        if (sent) {
            run_arrow a;
            a.t_send = sim_time_to_s(*sent);
            a.t_recv = sim_time_to_s(rec->time);
            a.from = from;
            a.to = to;
            a.label = packet_label(w, p);
            g_array_append_val(w->arrows, a);
            g_hash_table_remove(w->tl_sent, &key);
        }
    }
}

static void arrow_clear(gpointer p) { g_free(((run_arrow *)p)->label); }

void world_timeline_start(app_world *w, node_t *const *hosts, guint n)
{
    w->tl_n = MIN(n, (guint)APP_TIMELINE_MAX_COLUMNS);
    for (guint i = 0; i < w->tl_n; i++)
        w->tl_addr[i] = node_addr(hosts[i]);
    w->tl_sent = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
    w->arrows = g_array_new(FALSE, FALSE, sizeof(run_arrow));
    g_array_set_clear_func(w->arrows, arrow_clear);
    w->timeline_sub = sim_trace_subscribe(sim_trace(w->sim), SIM_TR_MASK(SIM_TR_TX_START) | SIM_TR_MASK(SIM_TR_RX),
                                          timeline_rec, w);
}

void world_timeline_stop(app_world *w)
{
    if (w->timeline_sub)
        sim_trace_unsubscribe(sim_trace(w->sim), w->timeline_sub);
    w->timeline_sub = 0;
}

/*
 * bt_tracker: the HTTP tracker's query and response formats and the
 * tracker's state (see bt_tracker.h for the rules and limits).
 */
#include "protocols/bt/bt_tracker.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "protocols/bt/bencode.h"
#include "protocols/bt/bt_rng.h"

G_DEFINE_QUARK(bt-tracker-error-quark, bt_tracker_error)

#define DEFAULT_INTERVAL_S 1800
#define DEFAULT_MAX_SWARMS 1024
#define DEFAULT_MAX_PEERS 10000
#define NS_PER_S INT64_C(1000000000)

const char *bt_event_name(bt_event e)
{
    switch (e) {
    case BT_EVENT_STARTED:
        return "started";
    case BT_EVENT_COMPLETED:
        return "completed";
    case BT_EVENT_STOPPED:
        return "stopped";
    case BT_EVENT_NONE:
        break;
    }
    return "";
}

void bt_peer_addr_format(const bt_peer_addr *p, char buf[BT_PEER_ADDR_STRLEN])
{
    snprintf(buf, BT_PEER_ADDR_STRLEN, "%u.%u.%u.%u:%u", p->ip[0], p->ip[1], p->ip[2], p->ip[3], p->port);
}

bool bt_parse_ipv4(const char *s, size_t len, uint8_t out[4])
{
    size_t i = 0;
    for (int part = 0; part < 4; part++) {
        if (part > 0) {
            if (i >= len || s[i] != '.')
                return false;
            i++;
        }
        size_t start = i;
        unsigned v = 0;
        while (i < len && s[i] >= '0' && s[i] <= '9' && i - start < 3) {
            v = v * 10 + (unsigned)(s[i] - '0');
            i++;
        }
        if (i == start || v > 255 || (s[start] == '0' && i - start > 1))
            return false;
        out[part] = (uint8_t)v;
    }
    return i == len;
}

/* ---- the announce query ---- */

static void put_escaped(GString *s, const uint8_t *b, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        uint8_t c = b[i];
        if (g_ascii_isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
            g_string_append_c(s, (char)c);
        } else {
            g_string_append_c(s, '%');
            g_string_append_c(s, hex[c >> 4]);
            g_string_append_c(s, hex[c & 15]);
        }
    }
}

char *bt_announce_query(const bt_announce *a)
{
    GString *s = g_string_new("info_hash=");
    put_escaped(s, a->info_hash, BT_ID_LEN);
    g_string_append(s, "&peer_id=");
    put_escaped(s, a->peer_id, BT_ID_LEN);
    g_string_append_printf(s, "&port=%u&uploaded=%" PRIu64 "&downloaded=%" PRIu64 "&left=%" PRIu64 "&compact=%d",
                           a->port, a->uploaded, a->downloaded, a->left, a->compact ? 1 : 0);
    if (a->event != BT_EVENT_NONE)
        g_string_append_printf(s, "&event=%s", bt_event_name(a->event));
    g_string_append_printf(s, "&numwant=%u", a->numwant);
    return g_string_free(s, FALSE);
}

/* Unescapes s[0, n) into out (at most cap bytes); the count, or -1 for a
 * bad escape or more than cap bytes. */
static long unescape(const char *s, size_t n, uint8_t *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = (uint8_t)s[i];
        if (c == '%') {
            if (i + 2 >= n)
                return -1;
            int hi = g_ascii_xdigit_value((char)s[i + 1]), lo = g_ascii_xdigit_value((char)s[i + 2]);
            if (hi < 0 || lo < 0)
                return -1;
            c = (uint8_t)(hi * 16 + lo);
            i += 2;
        } else if (c == '+') {
            c = ' ';
        }
        if (o >= cap)
            return -1;
        out[o++] = c;
    }
    return (long)o;
}

static bool query_error(GError **error, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static bool query_error(GError **error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error_literal(error, BT_TRACKER_ERROR, BT_TRACKER_ERROR_QUERY, msg);
    g_free(msg);
    return false;
}

/* A decimal number of s[0, n) at most max. */
static bool parse_u64(const char *s, size_t n, uint64_t max, uint64_t *out)
{
    if (n == 0 || n > 20)
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        uint64_t d = (uint64_t)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    if (v > max)
        return false;
    *out = v;
    return true;
}

enum {
    K_INFO_HASH,
    K_PEER_ID,
    K_PORT,
    K_UPLOADED,
    K_DOWNLOADED,
    K_LEFT,
    K_COMPACT,
    K_EVENT,
    K_NUMWANT,
    K_COUNT,
    K_REQUIRED = 6, /* the first six */
};

static const char *const key_names[K_COUNT] = {"info_hash", "peer_id", "port",  "uploaded", "downloaded",
                                               "left",      "compact", "event", "numwant"};

bool bt_announce_parse(const char *query, size_t len, bt_announce *out, GError **error)
{
    if (len > BT_QUERY_MAX)
        return query_error(error, "query of %zu bytes, over the limit of %d", len, BT_QUERY_MAX);
    bt_announce a = {.numwant = BT_NUMWANT_DEFAULT};
    bool seen[K_COUNT] = {false};
    size_t params = 0;
    size_t i = 0;
    while (i < len) {
        size_t end = i;
        while (end < len && query[end] != '&')
            end++;
        if (end > i) {
            if (++params > BT_QUERY_MAX_PARAMS)
                return query_error(error, "more than %d parameters", BT_QUERY_MAX_PARAMS);
            const char *eq = memchr(query + i, '=', end - i);
            size_t klen = eq ? (size_t)(eq - (query + i)) : end - i;
            const char *val = eq ? eq + 1 : query + end;
            size_t vlen = eq ? (size_t)(query + end - val) : 0;
            int k = -1;
            for (int j = 0; j < K_COUNT; j++)
                if (strlen(key_names[j]) == klen && memcmp(key_names[j], query + i, klen) == 0)
                    k = j;
            if (k >= 0) {
                if (seen[k])
                    return query_error(error, "%s given twice", key_names[k]);
                seen[k] = true;
                uint8_t buf[BT_ID_LEN];
                uint64_t num = 0;
                bool ok = true;
                switch (k) {
                case K_INFO_HASH:
                case K_PEER_ID:
                    if (unescape(val, vlen, buf, BT_ID_LEN) != BT_ID_LEN)
                        return query_error(error, "%s is not 20 bytes, percent-encoded", key_names[k]);
                    memcpy(k == K_INFO_HASH ? a.info_hash : a.peer_id, buf, BT_ID_LEN);
                    break;
                case K_PORT:
                    ok = parse_u64(val, vlen, 65535, &num) && num > 0;
                    a.port = (uint16_t)num;
                    break;
                case K_UPLOADED:
                case K_DOWNLOADED:
                case K_LEFT:
                    ok = parse_u64(val, vlen, (uint64_t)INT64_MAX, &num);
                    *(k == K_UPLOADED ? &a.uploaded : k == K_DOWNLOADED ? &a.downloaded : &a.left) = num;
                    break;
                case K_COMPACT:
                    ok = parse_u64(val, vlen, 1, &num);
                    a.compact = num == 1;
                    break;
                case K_EVENT:
                    if (vlen == 7 && memcmp(val, "started", 7) == 0)
                        a.event = BT_EVENT_STARTED;
                    else if (vlen == 9 && memcmp(val, "completed", 9) == 0)
                        a.event = BT_EVENT_COMPLETED;
                    else if (vlen == 7 && memcmp(val, "stopped", 7) == 0)
                        a.event = BT_EVENT_STOPPED;
                    else if (vlen == 5 && memcmp(val, "empty", 5) == 0)
                        a.event = BT_EVENT_NONE;
                    else
                        ok = vlen == 0;
                    break;
                case K_NUMWANT:
                    ok = parse_u64(val, vlen, UINT32_MAX, &num);
                    a.numwant = (uint32_t)MIN(num, (uint64_t)BT_NUMWANT_MAX);
                    break;
                }
                if (!ok)
                    return query_error(error, "%s has a bad value \"%.*s\"", key_names[k], (int)MIN(vlen, 40),
                                       val);
            }
        }
        i = end + 1;
    }
    for (int k = 0; k < K_REQUIRED; k++)
        if (!seen[k])
            return query_error(error, "%s is missing", key_names[k]);
    *out = a;
    return true;
}

bool bt_announce_equal(const bt_announce *a, const bt_announce *b)
{
    return memcmp(a->info_hash, b->info_hash, BT_ID_LEN) == 0 && memcmp(a->peer_id, b->peer_id, BT_ID_LEN) == 0 &&
           a->port == b->port && a->uploaded == b->uploaded && a->downloaded == b->downloaded && a->left == b->left &&
           a->compact == b->compact && a->event == b->event && a->numwant == b->numwant;
}

/* ---- responses ---- */

GByteArray *bt_response_encode(int64_t interval, int64_t complete, int64_t incomplete, const bt_peer_addr *peers,
                               size_t n, bool compact)
{
    /* Keys in ascending order: complete, incomplete, interval, peers. */
    GByteArray *out = g_byte_array_new();
    benc_put_dict_start(out);
    benc_put_cstr(out, "complete");
    benc_put_int(out, complete);
    benc_put_cstr(out, "incomplete");
    benc_put_int(out, incomplete);
    benc_put_cstr(out, "interval");
    benc_put_int(out, interval);
    benc_put_cstr(out, "peers");
    if (compact) {
        uint8_t *buf = g_malloc(n * 6 + 1);
        for (size_t i = 0; i < n; i++) {
            memcpy(buf + i * 6, peers[i].ip, 4);
            buf[i * 6 + 4] = (uint8_t)(peers[i].port >> 8);
            buf[i * 6 + 5] = (uint8_t)(peers[i].port & 0xff);
        }
        benc_put_str(out, buf, n * 6);
        g_free(buf);
    } else {
        benc_put_list_start(out);
        for (size_t i = 0; i < n; i++) {
            char ip[BT_PEER_ADDR_STRLEN];
            snprintf(ip, sizeof ip, "%u.%u.%u.%u", peers[i].ip[0], peers[i].ip[1], peers[i].ip[2], peers[i].ip[3]);
            /* ip < peer id < port */
            benc_put_dict_start(out);
            benc_put_cstr(out, "ip");
            benc_put_cstr(out, ip);
            if (peers[i].has_peer_id) {
                benc_put_cstr(out, "peer id");
                benc_put_str(out, peers[i].peer_id, BT_ID_LEN);
            }
            benc_put_cstr(out, "port");
            benc_put_int(out, peers[i].port);
            benc_put_end(out);
        }
        benc_put_end(out);
    }
    benc_put_end(out);
    return out;
}

GByteArray *bt_response_encode_failure(const char *reason)
{
    GByteArray *out = g_byte_array_new();
    benc_put_dict_start(out);
    benc_put_cstr(out, "failure reason");
    benc_put_cstr(out, reason);
    benc_put_end(out);
    return out;
}

static bool response_error(GError **error, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static bool response_error(GError **error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error_literal(error, BT_TRACKER_ERROR, BT_TRACKER_ERROR_RESPONSE, msg);
    g_free(msg);
    return false;
}

/* An optional integer key in [0, 2^31 - 1]; *out stays -1 when absent. */
static bool opt_count(const benc_value *dict, const char *key, int64_t *out, GError **error)
{
    const benc_value *v = benc_dict_get(dict, key);
    *out = -1;
    if (!v)
        return true;
    int64_t n;
    if (!benc_get_int(v, &n) || n < 0 || n > G_MAXINT32)
        return response_error(error, "\"%s\" is not an integer from 0 to %d", key, G_MAXINT32);
    *out = n;
    return true;
}

static bool parse_peer_dict(const benc_value *p, bt_response *r, GError **error)
{
    if (benc_type_of(p) != BENC_DICT)
        return response_error(error, "a peer (offset %zu) is of type %s, not dictionary", benc_offset(p),
                              benc_type_name(benc_type_of(p)));
    const benc_value *ip = benc_dict_get(p, "ip");
    const benc_value *port = benc_dict_get(p, "port");
    const benc_value *id = benc_dict_get(p, "peer id");
    size_t iplen = 0, idlen = 0;
    const uint8_t *ipstr = ip ? benc_get_str(ip, &iplen) : NULL;
    int64_t portv;
    if (!ipstr || !port || !benc_get_int(port, &portv))
        return response_error(error, "a peer (offset %zu) lacks an \"ip\" string or a \"port\" integer",
                              benc_offset(p));
    if (portv < 1 || portv > 65535)
        return response_error(error, "a peer's port %" PRId64 " is out of range (1 to 65535)", portv);
    const uint8_t *idstr = NULL;
    if (id && (!(idstr = benc_get_str(id, &idlen)) || idlen != BT_ID_LEN))
        return response_error(error, "a peer's \"peer id\" (offset %zu) is not 20 bytes", benc_offset(id));
    bt_peer_addr a = {.port = (uint16_t)portv};
    if (!bt_parse_ipv4((const char *)ipstr, iplen, a.ip)) {
        r->skipped++;
        return true;
    }
    if (idstr) {
        a.has_peer_id = true;
        memcpy(a.peer_id, idstr, BT_ID_LEN);
    }
    r->peers[r->npeers++] = a;
    return true;
}

static bool parse_response(const benc_value *root, bt_response *r, GError **error)
{
    if (benc_type_of(root) != BENC_DICT)
        return response_error(error, "the response is of type %s, not dictionary", benc_type_name(benc_type_of(root)));
    const benc_value *fail = benc_dict_get(root, "failure reason");
    if (fail) {
        size_t n;
        const uint8_t *s = benc_get_str(fail, &n);
        if (!s)
            return response_error(error, "\"failure reason\" is not a byte string");
        r->failure = g_strndup((const char *)s, MIN(n, (size_t)BT_FAILURE_MAX));
        return true;
    }
    const benc_value *iv = benc_dict_get(root, "interval");
    if (!iv || !benc_get_int(iv, &r->interval) || r->interval < 0 || r->interval > G_MAXINT32)
        return response_error(error, "\"interval\" is missing or not an integer from 0 to %d", G_MAXINT32);
    if (!opt_count(root, "min interval", &r->min_interval, error) ||
        !opt_count(root, "complete", &r->complete, error) || !opt_count(root, "incomplete", &r->incomplete, error))
        return false;
    const benc_value *peers = benc_dict_get(root, "peers");
    if (!peers)
        return response_error(error, "\"peers\" is missing");
    size_t n;
    const uint8_t *s = benc_get_str(peers, &n);
    if (s) {
        if (n % 6 != 0)
            return response_error(error, "compact \"peers\" has %zu bytes, not a multiple of 6", n);
        if (n / 6 > BT_RESPONSE_MAX_PEERS)
            return response_error(error, "%zu peers, over the limit of %d", n / 6, BT_RESPONSE_MAX_PEERS);
        r->peers = g_new0(bt_peer_addr, n / 6 + 1);
        for (size_t i = 0; i < n / 6; i++) {
            bt_peer_addr *a = &r->peers[r->npeers];
            memcpy(a->ip, s + i * 6, 4);
            a->port = (uint16_t)(s[i * 6 + 4] << 8 | s[i * 6 + 5]);
            if (a->port == 0)
                return response_error(error, "compact peer %zu has port 0", i);
            r->npeers++;
        }
        return true;
    }
    if (benc_type_of(peers) != BENC_LIST)
        return response_error(error, "\"peers\" is of type %s, not byte string or list",
                              benc_type_name(benc_type_of(peers)));
    size_t count = benc_count(peers);
    if (count > BT_RESPONSE_MAX_PEERS)
        return response_error(error, "%zu peers, over the limit of %d", count, BT_RESPONSE_MAX_PEERS);
    r->peers = g_new0(bt_peer_addr, count + 1);
    for (size_t i = 0; i < count; i++)
        if (!parse_peer_dict(benc_list_at(peers, i), r, error))
            return false;
    return true;
}

bt_response *bt_response_parse(const uint8_t *data, size_t len, GError **error)
{
    benc_limits lim = {.max_input = BT_RESPONSE_MAX_SIZE, .max_depth = 8, .max_values = 4 * BT_RESPONSE_MAX_PEERS + 64};
    GError *err = NULL;
    benc_doc *doc = benc_decode(data, len, &lim, &err);
    if (!doc) {
        response_error(error, "not a valid tracker response: %s", err->message);
        g_error_free(err);
        return NULL;
    }
    bt_response *r = g_new0(bt_response, 1);
    r->min_interval = r->complete = r->incomplete = -1;
    if (!parse_response(benc_doc_root(doc), r, error)) {
        bt_response_free(r);
        r = NULL;
    }
    benc_doc_free(doc);
    return r;
}

void bt_response_free(bt_response *r)
{
    if (!r)
        return;
    g_free(r->failure);
    g_free(r->peers);
    g_free(r);
}

/* ---- tracker state ---- */

typedef struct {
    uint8_t peer_id[BT_ID_LEN];
    uint8_t ip[4];
    uint16_t port;
    uint64_t left;
    int64_t last_seen_ns;
} peer_entry;

typedef struct {
    uint8_t info_hash[BT_ID_LEN];
    GArray *peers; /* peer_entry, in the order they joined */
    uint64_t downloaded;
} swarm;

struct bt_tracker {
    bt_tracker_config cfg;
    GTree *swarms; /* info_hash -> swarm, sorted by memcmp */
    uint64_t rng;  /* splitmix64 state */
};

static int hash_cmp(gconstpointer a, gconstpointer b, gpointer unused)
{
    (void)unused;
    return memcmp(a, b, BT_ID_LEN);
}

static void swarm_free(gpointer p)
{
    swarm *s = p;
    g_array_free(s->peers, TRUE);
    g_free(s);
}

bt_tracker *bt_tracker_new(const bt_tracker_config *cfg)
{
    bt_tracker *t = g_new0(bt_tracker, 1);
    if (cfg)
        t->cfg = *cfg;
    if (t->cfg.interval_s <= 0)
        t->cfg.interval_s = DEFAULT_INTERVAL_S;
    if (t->cfg.peer_timeout_s <= 0)
        t->cfg.peer_timeout_s = 2 * t->cfg.interval_s;
    if (t->cfg.max_swarms == 0)
        t->cfg.max_swarms = DEFAULT_MAX_SWARMS;
    if (t->cfg.max_peers == 0)
        t->cfg.max_peers = DEFAULT_MAX_PEERS;
    t->rng = t->cfg.seed;
    t->swarms = g_tree_new_full(hash_cmp, NULL, NULL, swarm_free);
    return t;
}

void bt_tracker_free(bt_tracker *t)
{
    if (!t)
        return;
    g_tree_destroy(t->swarms);
    g_free(t);
}

/* Drops the swarm's peers last seen before now - timeout, keeping order. */
static void expire_swarm(const bt_tracker *t, swarm *s, int64_t now_ns)
{
    int64_t timeout_ns = t->cfg.peer_timeout_s > INT64_MAX / NS_PER_S ? INT64_MAX : t->cfg.peer_timeout_s * NS_PER_S;
    guint kept = 0;
    for (guint i = 0; i < s->peers->len; i++) {
        peer_entry *p = &g_array_index(s->peers, peer_entry, i);
        bool alive = now_ns < p->last_seen_ns || now_ns - p->last_seen_ns < timeout_ns;
        if (alive)
            g_array_index(s->peers, peer_entry, kept++) = *p;
    }
    g_array_set_size(s->peers, kept);
}

static void counts_of(const swarm *s, size_t *seeds, size_t *leechers)
{
    *seeds = *leechers = 0;
    for (guint i = 0; i < s->peers->len; i++) {
        if (g_array_index(s->peers, peer_entry, i).left == 0)
            (*seeds)++;
        else
            (*leechers)++;
    }
}

GByteArray *bt_tracker_announce(bt_tracker *t, const bt_announce *a, const uint8_t ip[4], int64_t now_ns)
{
    swarm *s = g_tree_lookup(t->swarms, a->info_hash);
    if (!s) {
        if (a->event == BT_EVENT_STOPPED)
            return bt_response_encode(t->cfg.interval_s, 0, 0, NULL, 0, a->compact);
        if ((size_t)g_tree_nnodes(t->swarms) >= t->cfg.max_swarms)
            return bt_response_encode_failure("tracker full: too many torrents");
        s = g_new0(swarm, 1);
        memcpy(s->info_hash, a->info_hash, BT_ID_LEN);
        s->peers = g_array_new(FALSE, FALSE, sizeof(peer_entry));
        g_tree_insert(t->swarms, s->info_hash, s);
    }
    expire_swarm(t, s, now_ns);
    guint self = s->peers->len;
    for (guint i = 0; i < s->peers->len; i++)
        if (memcmp(g_array_index(s->peers, peer_entry, i).peer_id, a->peer_id, BT_ID_LEN) == 0)
            self = i;
    if (a->event == BT_EVENT_STOPPED) {
        if (self < s->peers->len)
            g_array_remove_index(s->peers, self);
        size_t seeds, leechers;
        counts_of(s, &seeds, &leechers);
        GByteArray *out = bt_response_encode(t->cfg.interval_s, (int64_t)seeds, (int64_t)leechers, NULL, 0,
                                             a->compact);
        if (s->peers->len == 0)
            g_tree_remove(t->swarms, a->info_hash);
        return out;
    }
    if (self == s->peers->len) {
        if (s->peers->len >= t->cfg.max_peers)
            return bt_response_encode_failure("tracker full: too many peers in this torrent");
        peer_entry e = {0};
        memcpy(e.peer_id, a->peer_id, BT_ID_LEN);
        g_array_append_val(s->peers, e);
    }
    peer_entry *me = &g_array_index(s->peers, peer_entry, self);
    memcpy(me->ip, ip, 4);
    me->port = a->port;
    me->left = a->left;
    me->last_seen_ns = now_ns;
    if (a->event == BT_EVENT_COMPLETED)
        s->downloaded++;

    /* The others, in joining order; then numwant of them. */
    size_t nothers = s->peers->len - 1;
    bt_peer_addr *cand = g_new0(bt_peer_addr, nothers + 1);
    size_t n = 0;
    for (guint i = 0; i < s->peers->len; i++) {
        if (i == self)
            continue;
        const peer_entry *p = &g_array_index(s->peers, peer_entry, i);
        bt_peer_addr *c = &cand[n++];
        memcpy(c->ip, p->ip, 4);
        c->port = p->port;
        c->has_peer_id = true;
        memcpy(c->peer_id, p->peer_id, BT_ID_LEN);
    }
    size_t want = MIN((size_t)a->numwant, (size_t)BT_NUMWANT_MAX);
    if (n > want) {
        for (size_t i = 0; i < want; i++) {
            size_t j = i + (size_t)bt_rng_below(&t->rng, n - i);
            bt_peer_addr tmp = cand[i];
            cand[i] = cand[j];
            cand[j] = tmp;
        }
        n = want;
    }
    size_t seeds, leechers;
    counts_of(s, &seeds, &leechers);
    GByteArray *out = bt_response_encode(t->cfg.interval_s, (int64_t)seeds, (int64_t)leechers, cand, n, a->compact);
    g_free(cand);
    return out;
}

GByteArray *bt_tracker_handle_query(bt_tracker *t, const char *query, size_t len, const uint8_t ip[4],
                                    int64_t now_ns)
{
    bt_announce a;
    GError *err = NULL;
    if (!bt_announce_parse(query, len, &a, &err)) {
        GByteArray *out = bt_response_encode_failure(err->message);
        g_error_free(err);
        return out;
    }
    return bt_tracker_announce(t, &a, ip, now_ns);
}

typedef struct {
    const bt_tracker *t;
    int64_t now_ns;
    GPtrArray *empty;
} expire_ctx;

static gboolean expire_one(gpointer key, gpointer value, gpointer data)
{
    (void)key;
    expire_ctx *c = data;
    swarm *s = value;
    expire_swarm(c->t, s, c->now_ns);
    if (s->peers->len == 0)
        g_ptr_array_add(c->empty, s->info_hash);
    return FALSE;
}

void bt_tracker_expire(bt_tracker *t, int64_t now_ns)
{
    expire_ctx c = {.t = t, .now_ns = now_ns, .empty = g_ptr_array_new()};
    g_tree_foreach(t->swarms, expire_one, &c);
    for (guint i = 0; i < c.empty->len; i++)
        g_tree_remove(t->swarms, g_ptr_array_index(c.empty, i));
    g_ptr_array_free(c.empty, TRUE);
}

bool bt_tracker_counts(const bt_tracker *t, const uint8_t info_hash[BT_ID_LEN], size_t *seeds, size_t *leechers,
                       uint64_t *downloaded)
{
    swarm *s = g_tree_lookup(t->swarms, info_hash);
    if (!s)
        return false;
    counts_of(s, seeds, leechers);
    if (downloaded)
        *downloaded = s->downloaded;
    return true;
}

size_t bt_tracker_swarm_count(const bt_tracker *t)
{
    return (size_t)g_tree_nnodes(t->swarms);
}

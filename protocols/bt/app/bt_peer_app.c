/*
 * bt_peer_app: the "bt-peer" application type, a group of identical
 * BitTorrent peers of one torrent, one on each of its hosts (`host`, then
 * `more_hosts`; the first `count` run), on bt_conn's peer.
 *
 * The torrent: `file_size` bytes of synthetic content (a function of the
 * torrent's name, bt_storage's synthetic store) cut in `piece_length`
 * pieces; its piece hashes and info-hash are computed once per group from
 * that content and the metainfo bt_metainfo_build writes, so every group
 * of the same name, size and piece length is in the same swarm. A seed
 * starts with every piece; a leecher checks every piece it receives with
 * SHA-1 against the hashes.
 *
 * Results (every group of a run together): bt.csv, one row per peer;
 * bt.distribution_time_s, the last leecher's completion from the first
 * peer's start; bt.mean_completion_s, each leecher's completion from its
 * own start, averaged; bytes uploaded by seeds and by leechers. Formulas
 * "p2p-bound" and "p2p-cs-bound" (see their comment).
 */
#include <math.h>
#include <string.h>

#include "bt_apps.h"
#include "protocols/bt/bt_conn.h"
#include "protocols/bt/bt_metainfo.h"

/* ---- keys ---------------------------------------------------------------------- */

typedef struct {
    char *tracker;
    int64_t tracker_port;
    GPtrArray *more_hosts; /* of char*, or NULL */
    int64_t count;         /* 0: every host */
    uint64_t file_size;
    uint64_t piece_length;
    char *torrent;
    bool seed;
    int64_t start;         /* ns */
    int after;             /* 0: stay and seed, 1: leave */
    int64_t upload_slots;
    int64_t pipeline;
    int64_t max_connect;
    int64_t port;
    bool free_rider;
    uint64_t max_upload_rate; /* bit/s; 0: no limit */
} bt_peer_spec;

static const char *const afters[] = {"seed", "leave", NULL};

static void read_hosts(app_reader *r, const char *key, void *field)
{
    app_reader_hosts(r, key, "[\"peer2\", \"peer3\"]", field);
}

#define PS_OFF(f) offsetof(bt_peer_spec, f)

static const app_key peer_keys[] = {
    {.name = "tracker", .kind = APP_KEY_NODE, .offset = PS_OFF(tracker), .required = true},
    {.name = "tracker_port", .kind = APP_KEY_INT, .offset = PS_OFF(tracker_port), .def = 6969, .lo = 1,
     .hi = 65535, .expected = "a port from 1 to 65535"},
    {.name = "more_hosts", .kind = APP_KEY_CUSTOM, .offset = PS_OFF(more_hosts), .read = read_hosts},
    {.name = "count", .kind = APP_KEY_INT, .offset = PS_OFF(count), .def = 0, .lo = 0, .hi = 1000,
     .expected = "how many of the hosts run a peer: 0 (all) to 1000"},
    {.name = "file_size", .kind = APP_KEY_SIZE, .offset = PS_OFF(file_size), .def = 10e6, .lo = 1, .hi = 4e9},
    {.name = "piece_length", .kind = APP_KEY_SIZE, .offset = PS_OFF(piece_length), .def = 262144, .lo = 1,
     .hi = 67108864},
    {.name = "torrent", .kind = APP_KEY_STRING, .offset = PS_OFF(torrent), .def_text = "file"},
    {.name = "seed", .kind = APP_KEY_BOOL, .offset = PS_OFF(seed), .def = 0},
    {.name = "start", .kind = APP_KEY_TIME, .offset = PS_OFF(start), .def = 0},
    {.name = "after", .kind = APP_KEY_CHOICE, .offset = PS_OFF(after), .def = 0, .choices = afters,
     .expected = "\"seed\" (stay and upload) or \"leave\" (leave the swarm once complete)"},
    {.name = "upload_slots", .kind = APP_KEY_INT, .offset = PS_OFF(upload_slots), .def = 4, .lo = 1, .hi = 100,
     .expected = "a whole number of regular unchokes from 1 to 100"},
    {.name = "pipeline", .kind = APP_KEY_INT, .offset = PS_OFF(pipeline), .def = 8, .lo = 1, .hi = BT_MAX_PIPELINE,
     .expected = "requests outstanding per connection, 1 to 64"},
    {.name = "max_connect", .kind = APP_KEY_INT, .offset = PS_OFF(max_connect), .def = 40, .lo = 1, .hi = 200,
     .expected = "connections to open to the tracker's peers, 1 to 200"},
    {.name = "port", .kind = APP_KEY_INT, .offset = PS_OFF(port), .def = 6881, .lo = 1, .hi = 65535,
     .expected = "a port from 1 to 65535"},
    {.name = "free_rider", .kind = APP_KEY_BOOL, .offset = PS_OFF(free_rider), .def = 0},
    {.name = "max_upload_rate", .kind = APP_KEY_RATE, .offset = PS_OFF(max_upload_rate), .def = 0, .lo = 8,
     .hi = 1e12, .expected = "a rate of at least 8bps (a byte per second), e.g. \"3.2Mbps\""},
    {0}};

static guint host_count(const app_spec *a)
{
    const bt_peer_spec *s = a->cfg;
    guint all = 1 + (s->more_hosts ? s->more_hosts->len : 0);
    return s->count > 0 && (guint)s->count < all ? (guint)s->count : all;
}

static const char *host_at(const app_spec *a, guint i)
{
    const bt_peer_spec *s = a->cfg;
    return i == 0 ? a->host : g_ptr_array_index(s->more_hosts, i - 1);
}

static void peer_check(app_reader *r, void *cfg)
{
    bt_peer_spec *s = cfg;
    uint64_t pieces = (s->file_size + s->piece_length - 1) / s->piece_length;
    if (pieces > BT_MAX_PIECES)
        app_reader_fail(r, "piece_length",
                        "%" G_GUINT64_FORMAT " pieces: a torrent has at most %" G_GUINT64_FORMAT
                        " (make the pieces longer)", pieces, (uint64_t)BT_MAX_PIECES);
    guint all = 1 + (s->more_hosts ? s->more_hosts->len : 0);
    if (!app_reader_failed(r) && s->count > (int64_t)all)
        app_reader_fail(r, "count", "%" G_GINT64_FORMAT " peers asked for, but only %u hosts are given "
                        "(\"host\" and \"more_hosts\")", s->count, all);
    if (!app_reader_failed(r) && s->seed && s->free_rider)
        app_reader_fail(r, "free_rider", "a seed that uploads nothing serves nobody: a free rider is a leecher");
    for (guint i = 0; s->more_hosts && i < s->more_hosts->len && !app_reader_failed(r); i++)
        for (guint k = 0; k < i; k++)
            if (!strcmp(g_ptr_array_index(s->more_hosts, i), g_ptr_array_index(s->more_hosts, k)))
                app_reader_fail(r, "more_hosts", "host \"%s\" is listed twice",
                                (const char *)g_ptr_array_index(s->more_hosts, i));
}

static void peer_clear(void *cfg)
{
    bt_peer_spec *s = cfg;
    if (s->more_hosts)
        g_ptr_array_free(s->more_hosts, TRUE);
}

/* The hosts of the group after `host` that run a peer (the first `count`). */
static const char *peer_extra_host(const void *cfg, size_t i)
{
    const bt_peer_spec *s = cfg;
    size_t more = s->more_hosts ? s->more_hosts->len : 0;
    if (s->count > 0 && (size_t)s->count - 1 < more)
        more = (size_t)s->count - 1;
    return i < more ? g_ptr_array_index(s->more_hosts, i) : NULL;
}

/* ---- running ------------------------------------------------------------------- */

typedef struct group group;

typedef struct {
    group *g;
    guint index;
    const char *host;
    host_env *env;
    bt_storage *store;
    bt_conn_peer *p;
    host_timer_id timer;
    int64_t started, completed; /* ns; -1 until then */
} slot;

struct group {
    app_world *w;
    const app_spec *a;
    const bt_peer_spec *s;
    uint64_t content_seed;
    uint8_t *hashes;
    uint32_t n_pieces;
    uint8_t info_hash[20];
    slot *slots;
    guint n;
    guint waiting;         /* leechers not complete (nor failed to start) */
    char *why;             /* the first peer that could not start */
    host_timer_id done_timer;
    /* The peer wire bytes the group's peers received, per second since
     * `origin` (the swarm's first start: the earliest "start" of the
     * run's bt-peer groups), for bt-upload.csv: bins[k] holds [k, k + 1) s.
     * Grows by 8 bytes per second of the run. */
    int64_t origin;
    GArray *bins;          /* of uint64_t */
    int64_t last_rx;       /* ns: the last arrival; -1: none */
};

static uint64_t name_seed(const char *name)
{
    uint64_t h = UINT64_C(14695981039346656037);
    for (const char *c = name; *c; c++)
        h = (h ^ (uint8_t)*c) * UINT64_C(1099511628211);
    return h;
}

static void group_one_done(group *g)
{
    if (g->waiting && --g->waiting == 0)
        app_world_done(g->w);
}

static void peer_complete(void *ud, bt_conn_peer *p)
{
    (void)p;
    slot *sl = ud;
    if (sl->completed >= 0 || sl->g->s->seed)
        return;
    sl->completed = host_now(sl->env);
    group_one_done(sl->g);
}

static void peer_received(void *ud, bt_conn_peer *p, size_t bytes)
{
    (void)p;
    slot *sl = ud;
    group *g = sl->g;
    int64_t now = host_now(sl->env);
    if (now < g->origin)
        return;
    guint k = (guint)((now - g->origin) / 1000000000);
    if (k >= g->bins->len)
        g_array_set_size(g->bins, k + 1);
    g_array_index(g->bins, uint64_t, k) += bytes;
    g->last_rx = now;
}

static const bt_conn_peer_handler peer_handler = {.complete = peer_complete, .received = peer_received};

static void slot_go(void *ud)
{
    slot *sl = ud;
    group *g = sl->g;
    const bt_peer_spec *s = g->s;
    sl->timer = 0;
    sl->started = host_now(sl->env);
    sl->store = bt_storage_synthetic_new(s->file_size, (uint32_t)s->piece_length, g->content_seed, -1);
    bt_conn_peer_options o = {
        .peer = {.hashes = g->hashes, .n_pieces = g->n_pieces, .piece_length = (uint32_t)s->piece_length,
                 .total_length = s->file_size, .seed = s->seed, .storage = bt_storage_ops_of(sl->store),
                 .storage_ud = sl->store, .pipeline = (unsigned)s->pipeline,
                 .upload_slots = (unsigned)s->upload_slots, .free_rider = s->free_rider,
                 .max_upload_rate = s->max_upload_rate / 8},
        .listen_port = (uint16_t)s->port,
        .tracker_host = s->tracker,
        .tracker_port = (uint16_t)s->tracker_port,
        .max_connect = (unsigned)s->max_connect,
        .leave_on_complete = s->after == 1,
        .addr = bt_app_node_ip,
        .addr_ud = g->w,
    };
    memcpy(o.peer.info_hash, g->info_hash, 20);
    char id[21];
    g_snprintf(id, sizeof id, "-AS0001-%06u%06u", g->a->index % 1000000, sl->index % 1000000);
    memcpy(o.peer.peer_id, id, 20);
    uint64_t k = ((uint64_t)g->a->index << 32) | sl->index;
    o.peer.seed_rng = app_world_seed(g->w) ^ (k * UINT64_C(0x9E3779B97F4A7C15) + UINT64_C(0x2545F4914F6CDD1D));
    GError *err = NULL;
    sl->p = bt_conn_peer_new(sl->env, &o, &peer_handler, sl, &err);
    if (!sl->p) {
        if (!g->why)
            g->why = g_strdup_printf("bt peer \"%s\" on %s could not start: %s", g->a->name, sl->host,
                                     err ? err->message : "?");
        g_clear_error(&err);
        if (!s->seed)
            group_one_done(g);
    }
}

static void group_done_now(void *ud)
{
    group *g = ud;
    g->done_timer = 0;
    app_world_done(g->w);
}

/* The piece hashes and the info-hash of the group's torrent. */
static bool group_torrent(group *g, GError **err)
{
    const bt_peer_spec *s = g->s;
    bt_storage *st = bt_storage_synthetic_new(s->file_size, (uint32_t)s->piece_length, g->content_seed, -1);
    g->hashes = bt_storage_piece_hashes(bt_storage_ops_of(st), st, s->file_size, (uint32_t)s->piece_length);
    bt_storage_free(st);
    g->n_pieces = (uint32_t)((s->file_size + s->piece_length - 1) / s->piece_length);
    char *url = g_strdup_printf("http://%s:%" G_GINT64_FORMAT "/announce", s->tracker, s->tracker_port);
    GByteArray *mi = g->hashes ? bt_metainfo_build(s->torrent, s->file_size, s->piece_length, g->hashes, url, err)
                               : NULL;
    g_free(url);
    if (!mi)
        return false;
    bt_metainfo *m = bt_metainfo_parse(mi->data, mi->len, err);
    g_byte_array_unref(mi);
    if (!m)
        return false;
    memcpy(g->info_hash, m->info_hash, 20);
    bt_metainfo_free(m);
    return true;
}

static void peer_free(void *p);

static void *peer_start(app_world *w, const app_spec *a, GError **err)
{
    group *g = g_new0(group, 1);
    g->w = w;
    g->a = a;
    g->s = a->cfg;
    g->content_seed = name_seed(g->s->torrent);
    g->n = host_count(a);
    g->slots = g_new0(slot, g->n);
    g->bins = g_array_new(FALSE, TRUE, sizeof(uint64_t));
    g->last_rx = -1;
    g->origin = g->s->start;
    for (guint i = 0; app_world_app(w, i); i++)
        if (app_world_app(w, i)->type == &bt_peer_app)
            g->origin = MIN(g->origin, ((const bt_peer_spec *)app_world_app(w, i)->cfg)->start);
    if (!group_torrent(g, err)) {
        peer_free(g);
        return NULL;
    }
    for (guint i = 0; i < g->n; i++) {
        slot *sl = &g->slots[i];
        sl->g = g;
        sl->index = i;
        sl->host = host_at(a, i);
        sl->env = app_world_host(w, sl->host);
        sl->started = sl->completed = -1;
        sl->timer = host_timer(sl->env, g->s->start, slot_go, sl);
    }
    g->waiting = g->s->seed ? 0 : g->n;
    if (!g->waiting)
        g->done_timer = host_timer(app_world_host(w, a->host), 0, group_done_now, g);
    return g;
}

static void peer_free(void *p)
{
    group *g = p;
    for (guint i = 0; i < g->n; i++) {
        slot *sl = &g->slots[i];
        if (sl->env)
            host_timer_cancel(sl->env, sl->timer);
        bt_conn_peer_free(sl->p);
        if (sl->store)
            bt_storage_free(sl->store);
    }
    if (g->done_timer)
        host_timer_cancel(app_world_host(g->w, g->a->host), g->done_timer);
    g_free(g->slots);
    if (g->bins)
        g_array_free(g->bins, TRUE);
    g_free(g->hashes);
    g_free(g->why);
    g_free(g);
}

/* ---- results ------------------------------------------------------------------- */

static double ns_s(int64_t ns) { return (double)ns / 1e9; }

static double p2p_bound(const app_world *w, const app_spec *a, const app_view *m);
static double cs_bound(const app_world *w, const app_spec *a, const app_view *m);
static double upload_capacity(const app_world *w);

/* bt-upload.csv: per second since the swarm's first start, up to `end`
 * (ns: the last completion, else the last arrival), the peer wire bytes
 * the swarm's peers received (what their peers' uplinks delivered) as a
 * rate, against the uplinks' capacity; the last bin is shorter when `end`
 * falls inside it. Returns the bytes counted. O(groups x seconds). */
static uint64_t upload_rows(void *const *insts, size_t n, int64_t end, double capacity, app_collect *out)
{
    if (!n)
        return 0;
    const group *g0 = insts[0];
    guint bins = 0;
    for (size_t i = 0; i < n; i++)
        bins = MAX(bins, ((const group *)insts[i])->bins->len);
    uint64_t total = 0;
    for (guint k = 0; k < bins && end > g0->origin; k++) {
        int64_t from = g0->origin + (int64_t)k * 1000000000;
        if (from >= end)
            break;
        double width = ns_s(MIN(end - from, (int64_t)1000000000));
        uint64_t bytes = 0;
        for (size_t i = 0; i < n; i++) {
            const group *g = insts[i];
            bytes += k < g->bins->len ? g_array_index(g->bins, uint64_t, k) : 0;
        }
        total += bytes;
        double bps = 8.0 * (double)bytes / width;
        app_table_row(out, 0, "%u,%.9f,%.0f,%.0f,%.6f", k, width, bps, capacity, bps / capacity);
    }
    return total;
}

static void peer_collect(const app_world *w, void *const *insts, const app_spec *const *specs, size_t n,
                         app_collect *out)
{
    int64_t first_start = INT64_MAX, last_done = -1, last_rx = -1;
    uint64_t leechers = 0, seeds = 0, completed = 0, up_seeds = 0, up_leechers = 0, down = 0, hashfails = 0, wasted = 0;
    double sum_completion = 0;
    bool all = true;
    for (size_t i = 0; i < n; i++) {
        const group *g = insts[i];
        if (g->why)
            app_run_failed(out, g->why);
        last_rx = MAX(last_rx, g->last_rx);
        for (guint k = 0; k < g->n; k++) {
            const slot *sl = &g->slots[k];
            bt_conn_peer_stats st = {.completed_at = -1};
            if (sl->p) {
                bt_conn_peer_get_stats(sl->p, &st);
                const bt_peer_stats *ps = bt_peer_get_stats(bt_conn_peer_core(sl->p));
                hashfails += ps->hash_failures;
                wasted += ps->blocks_wasted;
            }
            if (sl->started >= 0 && sl->started < first_start)
                first_start = sl->started;
            /* A seed has the file from its start: its completion does not
             * apply ("n/a", which outputs.cdf leaves out). */
            char started[32] = "", done[32] = "", took[32] = "";
            if (sl->started >= 0)
                g_snprintf(started, sizeof started, "%.6f", ns_s(sl->started));
            if (g->s->seed) {
                g_strlcpy(done, "n/a", sizeof done);
                g_strlcpy(took, "n/a", sizeof took);
            } else if (sl->completed >= 0) {
                g_snprintf(done, sizeof done, "%.6f", ns_s(sl->completed));
                g_snprintf(took, sizeof took, "%.6f", ns_s(sl->completed - sl->started));
            }
            app_row(out, "%s,%s,%s,%s,%s,%" G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT ",%s", specs[i]->name, sl->host,
                    g->s->seed ? "seed" : g->s->free_rider ? "free-rider" : "leecher", started, done,
                    st.payload_down, st.payload_up, took);
            down += st.payload_down;
            if (g->s->seed) {
                seeds++;
                up_seeds += st.payload_up;
                continue;
            }
            leechers++;
            up_leechers += st.payload_up;
            if (sl->completed < 0) {
                all = false;
                continue;
            }
            completed++;
            sum_completion += ns_s(sl->completed - sl->started);
            if (sl->completed > last_done)
                last_done = sl->completed;
        }
    }
    if (!n)
        return;
    app_metric(out, "bt.distribution_time_s", all && last_done >= 0 ? ns_s(last_done - first_start) : NAN);
    app_metric(out, "bt.mean_completion_s", completed ? sum_completion / (double)completed : NAN);
    double p2p = p2p_bound(w, NULL, NULL), dist = all && last_done >= 0 ? ns_s(last_done - first_start) : NAN;
    app_metric(out, "bt.p2p_bound_s", p2p);
    app_metric(out, "bt.cs_bound_s", cs_bound(w, NULL, NULL));
    app_metric(out, "bt.bound_ratio", dist / p2p);
    double capacity = upload_capacity(w);
    int64_t end = all && last_done >= 0 ? last_done : last_rx;
    uint64_t wire = isfinite(capacity) && end >= 0 ? upload_rows(insts, n, end, capacity, out) : 0;
    app_metric(out, "bt.upload_capacity_bps", capacity);
    app_metric_count(out, "bt.wire_received", wire);
    app_metric(out, "bt.upload_utilisation",
               end > first_start ? 8.0 * (double)wire / (capacity * ns_s(end - first_start)) : NAN);
    app_metric_count(out, "bt.leechers", leechers);
    app_metric_count(out, "bt.seeds", seeds);
    app_metric_count(out, "bt.completed", completed);
    app_metric_count(out, "bt.uploaded_by_seeds", up_seeds);
    app_metric_count(out, "bt.uploaded_by_leechers", up_leechers);
    app_metric_count(out, "bt.downloaded", down);
    app_metric_count(out, "bt.hash_failures", hashfails);
    app_metric_count(out, "bt.blocks_wasted", wasted);
    if (!all) {
        char *why = g_strdup_printf("%" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
                                    " leechers did not complete before the run stopped",
                                    leechers - completed, leechers);
        app_run_failed(out, why);
        g_free(why);
    }
}

/* ---- formulas ------------------------------------------------------------------ */

/* The textbook's quantities of the run's swarm: every bt-peer host that
 * runs (the first `count` of each group). */
typedef struct {
    double f_bits; /* F: the file, bits (payload only) */
    double u_s;    /* the seeds' uplinks summed, bit/s */
    double sum_u;  /* the leechers' uplinks summed (0 for a free rider), bit/s */
    double d_min;  /* the slowest leecher downlink, bit/s */
    double all_up; /* every peer's uplink summed (free riders' too), bit/s */
    double n;      /* N: leechers */
} swarm_rates;

typedef struct {
    const char *host;
    const bt_peer_spec *s;
} swarm_host;

/* A host's access rates: the first hop of its path to `other` (uplink)
 * and the last hop of the way back (downlink). */
static bool access_rates(const app_world *w, const char *host, const char *other, double *up, double *down)
{
    app_path p;
    if (!app_world_path(w, host, other, &p) || p.n < 1)
        return false;
    *up = (double)p.hops[0].rate_bps;
    if (!app_world_path(w, other, host, &p) || p.n < 1)
        return false;
    *down = (double)p.hops[p.n - 1].rate_bps;
    return true;
}

static bool swarm_rates_of(const app_world *w, swarm_rates *r)
{
    GArray *hosts = g_array_new(FALSE, FALSE, sizeof(swarm_host));
    const bt_peer_spec *first = NULL;
    bool ok = true;
    for (guint i = 0; app_world_app(w, i); i++) {
        const app_spec *a = app_world_app(w, i);
        if (a->type != &bt_peer_app)
            continue;
        const bt_peer_spec *s = a->cfg;
        if (!first)
            first = s;
        else if (s->file_size != first->file_size || strcmp(s->torrent, first->torrent))
            ok = false; /* two torrents: no single bound */
        for (guint k = 0; k < host_count(a); k++) {
            swarm_host h = {host_at(a, k), s};
            g_array_append_val(hosts, h);
        }
    }
    *r = (swarm_rates){.d_min = INFINITY};
    ok = ok && first && hosts->len >= 2;
    for (guint i = 0; ok && i < hosts->len; i++) {
        const swarm_host *h = &g_array_index(hosts, swarm_host, i);
        const char *other = g_array_index(hosts, swarm_host, i ? 0 : 1).host;
        double up, down;
        if (!access_rates(w, h->host, other, &up, &down)) {
            ok = false;
            break;
        }
        r->all_up += up;
        if (h->s->seed) {
            r->u_s += up;
            continue;
        }
        r->n += 1;
        r->sum_u += h->s->free_rider ? 0 : up;
        r->d_min = fmin(r->d_min, down);
    }
    g_array_free(hosts, TRUE);
    if (!ok || r->n < 1 || r->u_s <= 0)
        return false;
    r->f_bits = 8.0 * (double)first->file_size;
    return true;
}

/* The swarm's upload capacity: every peer's uplink (the first hop of
 * its path to another peer, as the bounds read u_s and u_i), summed;
 * NaN when the rates cannot be read. */
static double upload_capacity(const app_world *w)
{
    swarm_rates r;
    return swarm_rates_of(w, &r) && r.all_up > 0 ? r.all_up : NAN;
}

/* "p2p-bound": the least time to distribute F bits to N peers with the
 * help of their uplinks (Kurose and Ross, 2.5): the seeds must send every
 * bit once (F / u_s), the slowest peer must receive it (F / d_min), and
 * N F bits must be received in all, at most u_s + sum u_i per second:
 *     max(F / u_s, F / d_min, N F / (u_s + sum u_i)).
 * Payload only (see docs/p2p.md). NaN without a seed or leecher. */
static double p2p_bound(const app_world *w, const app_spec *a, const app_view *m)
{
    (void)a;
    (void)m;
    swarm_rates r;
    if (!swarm_rates_of(w, &r))
        return NAN;
    return fmax(fmax(r.f_bits / r.u_s, r.f_bits / r.d_min), r.n * r.f_bits / (r.u_s + r.sum_u));
}

/* "p2p-cs-bound": the same file from the seeds alone (client-server): they
 * send N copies, the slowest peer receives one: max(N F / u_s, F / d_min). */
static double cs_bound(const app_world *w, const app_spec *a, const app_view *m)
{
    (void)a;
    (void)m;
    swarm_rates r;
    if (!swarm_rates_of(w, &r))
        return NAN;
    return fmax(r.n * r.f_bits / r.u_s, r.f_bits / r.d_min);
}

static const app_formula peer_formulas[] = {{"p2p-bound", p2p_bound}, {"p2p-cs-bound", cs_bound}, {NULL, NULL}};
/* "p2p-bound" goes beside the swarm's own headline, so that a scenario
 * that also has browsers (whose "distribution_time" wins, app.h) draws
 * each bound beside its own curve; "p2p-cs-bound" beside
 * "distribution_time": the browsers' there, the swarm's otherwise. */
static const app_prediction peer_predictions[] = {
    {"p2p-bound", "swarm_distribution_time"}, {"p2p-cs-bound", "distribution_time"}, {NULL, NULL}};

static const app_headline peer_headlines[] = {
    {"distribution_time", "distribution time (s)", "bt.distribution_time_s", true},
    {"swarm_distribution_time", "swarm distribution time (s)", "bt.distribution_time_s", true},
    {"mean_completion", "mean completion time (s)", "bt.mean_completion_s", true},
    {"cs_bound", "client-server bound (s)", "bt.cs_bound_s", true},
    {"bound_ratio", "distribution time / P2P bound", "bt.bound_ratio", false},
    {"upload_utilisation", "swarm upload utilisation", "bt.upload_utilisation", false},
    {NULL, NULL, NULL, false}};

/* The bounds are closed forms of the links' rates: never "simulated". */
static const app_legend peer_legends[] = {
    {"distribution_time", "BitTorrent swarm", false},
    {"swarm_distribution_time", "BitTorrent swarm", false},
    {"mean_completion", "BitTorrent swarm, mean completion", false},
    {"cs_bound", "client-server lower bound", true},
    {"p2p-bound", "P2P lower bound", false},
    {"p2p-cs-bound", "client-server lower bound", false},
    {NULL, NULL, false}};

static const app_table peer_tables[] = {
    {"bt-upload.csv", "time_s,width_s,upload_bps,capacity_bps,utilisation"}, {NULL, NULL}};

static bool peer_endpoints(const app_spec *a, char **server)
{
    *server = g_strdup(((const bt_peer_spec *)a->cfg)->tracker);
    return true;
}

static void peer_report(const app_view *m, app_report_style style, GString *out)
{
    double d = app_view_metric(m, "bt.distribution_time_s"), mean = app_view_metric(m, "bt.mean_completion_s"),
           n = app_view_metric(m, "bt.leechers"), done = app_view_metric(m, "bt.completed");
    if (!isfinite(n))
        return;
    if (style == APP_REPORT_ROW) {
        g_string_append_printf(out, "distribution %.3f s, mean completion %.3f s, %.0f/%.0f complete", d, mean,
                               done, n);
        return;
    }
    g_string_append_printf(out, "%sswarm: %.0f of %.0f leechers complete; distribution time %.3f s, mean completion "
                           "%.3f s; uploaded by seeds %.0f B, by leechers %.0f B\n",
                           style == APP_REPORT_CASE ? "    " : "  ", done, n, d, mean,
                           app_view_metric(m, "bt.uploaded_by_seeds"), app_view_metric(m, "bt.uploaded_by_leechers"));
}

const app_type bt_peer_app = {
    .type = "bt-peer",
    .doc = "BitTorrent peers of one torrent (seeds or leechers), one per host, announcing to a bt-tracker",
    .config_size = sizeof(bt_peer_spec),
    .keys = peer_keys,
    .check = peer_check,
    .config_clear = peer_clear,
    .port_key = "port",
    .extra_host = peer_extra_host,
    .extra_hosts_key = "more_hosts",
    .hold = APP_HOLD_UNTIL_DONE,
    .start = peer_start,
    .free = peer_free,
    .collect = peer_collect,
    .csv_file = "bt.csv",
    .csv_header = "app,host,role,started_s,completed_s,bytes_down,bytes_up,completion_s",
    .tables = peer_tables,
    .headlines = peer_headlines,
    .formulas = peer_formulas,
    .predictions = peer_predictions,
    .legends = peer_legends,
    .endpoints = peer_endpoints,
    .timeline_title = "the first peer's announces to the tracker",
    .report = peer_report,
    .report_rows_title = "the swarm",
};

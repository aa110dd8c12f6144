/*
 * swarm: bt_peer cores wired together in-process (see swarm.h).
 */
#include "swarm.h"

#include <stdio.h>
#include <string.h>

#define CHUNK 1024

typedef struct {
    size_t a, b;       /* nodes, a < b */
    uint32_t ca, cb;   /* the connection's id in a's core and in b's */
    bool open;
} sw_link;

typedef struct {
    swarm_node_spec spec;
    bt_peer *core;
    bt_storage *store;
    bool joined;
    int64_t completed;
    GArray *events;    /* bt_peer_event */
} sw_node;

struct swarm {
    swarm_spec spec;
    sw_node *nodes;
    GArray *links;     /* sw_link */
    uint8_t *content;  /* memory content, or NULL */
    uint8_t *hashes;
    GString *log;
    GChecksum *digest;
    int64_t now;
    size_t rr;
};

static void drain(swarm *w, size_t i);

static sw_link *link_of(swarm *w, size_t node, uint32_t conn)
{
    for (guint k = 0; k < w->links->len; k++) {
        sw_link *l = &g_array_index(w->links, sw_link, k);
        if ((l->a == node && l->ca == conn) || (l->b == node && l->cb == conn))
            return l;
    }
    return NULL;
}

static void drain(swarm *w, size_t i)
{
    bt_peer_event ev;
    while (bt_peer_next_event(w->nodes[i].core, &ev)) {
        g_array_append_val(w->nodes[i].events, ev);
        g_string_append_printf(w->log, "%" G_GINT64_FORMAT " %zu %s %u %u %s\n", ev.time, i,
                               bt_peer_event_name(ev.kind), ev.conn, ev.piece,
                               ev.kind == BT_PEER_EV_DROPPED ? ev.why : "");
        if (ev.kind == BT_PEER_EV_COMPLETE && w->nodes[i].completed < 0)
            w->nodes[i].completed = ev.time;
        if (ev.kind == BT_PEER_EV_DROPPED) {
            sw_link *l = link_of(w, i, ev.conn);
            if (l && l->open) {
                l->open = false;
                size_t other = l->a == i ? l->b : l->a;
                uint32_t oc = l->a == i ? l->cb : l->ca;
                bt_peer_conn_closed(w->nodes[other].core, oc, w->now);
                drain(w, other);
            }
        }
    }
}

swarm *swarm_new(const swarm_spec *spec)
{
    swarm *w = g_new0(swarm, 1);
    w->spec = *spec;
    if (!w->spec.step_ns)
        w->spec.step_ns = INT64_C(50000000);
    uint32_t n_pieces = (uint32_t)((spec->total + spec->piece_length - 1) / spec->piece_length);
    bt_storage *ref;
    if (spec->synthetic) {
        ref = bt_storage_synthetic_new(spec->total, spec->piece_length, spec->seed, -1);
    } else {
        w->content = g_malloc(spec->total);
        bt_synthetic_fill(spec->seed + 1000, 0, w->content, spec->total);
        ref = bt_storage_memory_new(spec->total, spec->piece_length, w->content);
    }
    w->hashes = bt_storage_piece_hashes(bt_storage_ops_of(ref), ref, spec->total, spec->piece_length);
    bt_storage_free(ref);
    w->nodes = g_new0(sw_node, spec->n_nodes);
    w->links = g_array_new(FALSE, TRUE, sizeof(sw_link));
    w->log = g_string_new(NULL);
    w->digest = g_checksum_new(G_CHECKSUM_SHA256);
    for (size_t i = 0; i < spec->n_nodes; i++) {
        sw_node *nd = &w->nodes[i];
        nd->spec = spec->nodes[i];
        nd->completed = -1;
        nd->events = g_array_new(FALSE, TRUE, sizeof(bt_peer_event));
        if (spec->synthetic)
            nd->store = bt_storage_synthetic_new(spec->total, spec->piece_length, spec->seed,
                                                 nd->spec.corrupt_piece);
        else
            nd->store = bt_storage_memory_new(spec->total, spec->piece_length,
                                              nd->spec.seed ? w->content : NULL);
        bt_peer_config cfg;
        memset(&cfg, 0, sizeof cfg);
        cfg.hashes = w->hashes;
        cfg.n_pieces = n_pieces;
        cfg.piece_length = spec->piece_length;
        cfg.total_length = spec->total;
        memset(cfg.info_hash, 0xA5, 20);
        char id[21];
        snprintf(id, sizeof id, "-AS0001-%012u", (unsigned)i);
        memcpy(cfg.peer_id, id, 20);
        cfg.seed = nd->spec.seed;
        cfg.storage = bt_storage_ops_of(nd->store);
        cfg.storage_ud = nd->store;
        cfg.seed_rng = spec->seed * 1000003u + i;
        cfg.pipeline = nd->spec.pipeline;
        cfg.free_rider = nd->spec.free_rider;
        nd->core = bt_peer_new(&cfg, 0, NULL);
        g_assert(nd->core);
        if (nd->spec.seed)
            nd->completed = 0;
    }
    return w;
}

void swarm_free(swarm *w)
{
    if (!w)
        return;
    for (size_t i = 0; i < w->spec.n_nodes; i++) {
        bt_peer_free(w->nodes[i].core);
        bt_storage_free(w->nodes[i].store);
        g_array_free(w->nodes[i].events, TRUE);
    }
    g_free(w->nodes);
    g_array_free(w->links, TRUE);
    g_free(w->content);
    g_free(w->hashes);
    g_string_free(w->log, TRUE);
    g_checksum_free(w->digest);
    g_free(w);
}

static void join(swarm *w, size_t i)
{
    w->nodes[i].joined = true;
    for (size_t j = 0; j < w->spec.n_nodes; j++) {
        if (j == i || !w->nodes[j].joined)
            continue;
        if ((w->nodes[i].spec.avoid_seeds && w->nodes[j].spec.seed)
            || (w->nodes[j].spec.avoid_seeds && w->nodes[i].spec.seed))
            continue;
        sw_link l = {MIN(i, j), MAX(i, j), 0, 0, true};
        l.ca = bt_peer_add_conn(w->nodes[l.a].core, w->now);
        l.cb = bt_peer_add_conn(w->nodes[l.b].core, w->now);
        g_array_append_val(w->links, l);
        drain(w, l.a);
        drain(w, l.b);
    }
}

/* Moves up to `max` bytes from node i over link l; returns how many. */
static size_t move(swarm *w, size_t i, sw_link *l, size_t max)
{
    if (!l->open)
        return 0;
    bool from_a = l->a == i;
    size_t other = from_a ? l->b : l->a;
    uint32_t mine = from_a ? l->ca : l->cb, theirs = from_a ? l->cb : l->ca;
    size_t len;
    const uint8_t *out = bt_peer_output(w->nodes[i].core, mine, &len);
    size_t n = MIN(len, max);
    if (!n)
        return 0;
    uint8_t tag[3] = {(uint8_t)i, (uint8_t)other, 0};
    g_checksum_update(w->digest, tag, sizeof tag);
    g_checksum_update(w->digest, out, n);
    bt_peer_feed(w->nodes[other].core, theirs, out, n, w->now);
    bt_peer_consume(w->nodes[i].core, mine, n, w->now);
    drain(w, other);
    drain(w, i);
    return n;
}

static void send_node(swarm *w, size_t i)
{
    sw_node *nd = &w->nodes[i];
    uint64_t budget = nd->spec.up_rate ? nd->spec.up_rate * (uint64_t)w->spec.step_ns / 1000000000u
                                       : UINT64_MAX;
    guint nl = w->links->len;
    if (!nl)
        return;
    bool progress = true;
    while (budget && progress) {
        progress = false;
        for (guint k = 0; k < nl && budget; k++) {
            sw_link *l = &g_array_index(w->links, sw_link, (k + w->rr) % nl);
            if (l->a != i && l->b != i)
                continue;
            size_t n = move(w, i, l, (size_t)MIN(budget, (uint64_t)CHUNK));
            budget -= n;
            if (n)
                progress = true;
        }
    }
}

int64_t swarm_run(swarm *w)
{
    for (w->now = 0; w->now <= w->spec.max_ns; w->now += w->spec.step_ns) {
        for (size_t i = 0; i < w->spec.n_nodes; i++)
            if (!w->nodes[i].joined && w->nodes[i].spec.join_ns <= w->now)
                join(w, i);
        for (size_t i = 0; i < w->spec.n_nodes; i++) {
            if (!w->nodes[i].joined)
                continue;
            if (bt_peer_next_deadline(w->nodes[i].core) <= w->now)
                bt_peer_tick(w->nodes[i].core, w->now);
            drain(w, i);
        }
        for (size_t i = 0; i < w->spec.n_nodes; i++)
            if (w->nodes[i].joined)
                send_node(w, i);
        w->rr++;
        bool all = true;
        for (size_t i = 0; i < w->spec.n_nodes; i++)
            all = all && w->nodes[i].completed >= 0;
        if (all)
            break;
    }
    return w->now;
}

bt_peer *swarm_core(swarm *w, size_t node)
{
    return w->nodes[node].core;
}

int64_t swarm_completed_at(swarm *w, size_t node)
{
    return w->nodes[node].completed;
}

const char *swarm_log(swarm *w)
{
    return w->log->str;
}

char *swarm_digest(swarm *w)
{
    return g_strdup(g_checksum_get_string(w->digest));
}

unsigned swarm_count(swarm *w, size_t node, bt_peer_event_kind kind, bt_drop_reason reason)
{
    unsigned k = 0;
    GArray *evs = w->nodes[node].events;
    for (guint i = 0; i < evs->len; i++) {
        const bt_peer_event *ev = &g_array_index(evs, bt_peer_event, i);
        if (ev->kind == kind && (reason == BT_DROP_NONE || ev->reason == reason))
            k++;
    }
    return k;
}

const uint8_t *swarm_content(swarm *w)
{
    return w->content;
}

const uint8_t *swarm_bytes(swarm *w, size_t node)
{
    return w->content ? bt_storage_memory_bytes(w->nodes[node].store) : NULL;
}

const uint8_t *swarm_hashes(swarm *w)
{
    return w->hashes;
}

/*
 * world_path: where the time went. When an application asks
 * (app_world_trace_packets), the world keeps every packet's hops from the
 * trace bus — when it entered each link queue, began and ended its
 * transmission, and arrived at the far end — with the reason its sender
 * released it (pkt_t.cause, set by models/tcp.c). app_world_explain then
 * splits an interval of a host's view into parts that add up exactly, by
 * walking the critical path backwards from the packet whose arrival ends
 * the interval:
 *
 * - a hop of a packet: its propagation and transmission are the packet's
 *   own part (connect for SYN and SYN-ACK, request for the host's data,
 *   response for data to the host); time waiting in the queue behind a
 *   packet of the same flow goes on through that packet (its transmission
 *   is what the waiting one waited for), behind any other packet it is
 *   queueing;
 * - before its first hop, its release: data the application wrote at that
 *   instant goes back to the last packet with data (or SYN, FIN) the
 *   sender received on that connection, and the time between is the peer
 *   application's (server processing) or, at the host itself, other; data
 *   that waited for the window goes back to the end of the flow's previous
 *   transmission, and the idle time between is slow start (the part the
 *   peer's delayed-ACK timer held the releasing ACK is delayed ACK); a
 *   retransmission goes back to the first sending of the same bytes, the
 *   time between is retransmission; an ACK goes back to what it
 *   acknowledged (delayed ACK when its timer sent it); a SYN-ACK to its SYN;
 * - whatever the walk cannot explain, and the rest of the interval once it
 *   stops (at a SYN, say), is other.
 *
 * The cursor only ever moves back in time and stops at the interval's
 * start, so the parts add up to the interval to the nanosecond whatever
 * the walk finds. Cost: the log is O(packets + hops) memory (48 bytes a
 * packet, 32 a hop); the first explain indexes it in O(packets + hops)
 * time and about a third as much memory again (each packet numbered with its flow,
 * and what the searches in a flow read of it copied flow after flow, 32
 * bytes a packet: flow_pkt; each destination's arrivals of data in id
 * order, 12 bytes a packet with data; each hop given the hop a wait in its
 * queue leads to, 4 bytes), in passes that read the log in order and
 * write few places at a time, as the log is far larger than the caches;
 * each explain is O(steps of its path) times O(log n) for the searches in
 * a flow, a wait in a queue one step whatever its length (on a link whose
 * record is irregular, one step a packet ahead: walk_queue).
 */
#include <string.h>

#include "sim/sim_trace.h"
#include "world_priv.h"

/* One hop of one packet as the log keeps it (32 bytes): when it entered
 * the link's queue, and when it began and ended its transmission and
 * arrived as ns after that, HOP_NONE for what did not happen, HOP_WIDE for
 * what 32 bits do not hold (4.29 s or more after), kept in the log's
 * `wide` table instead. */
typedef struct {
    int64_t enq;
    uint32_t txs, txe, rx;
    uint32_t pkt;    /* the packet's id (the log stops before ids reach PATHLOG_MAX_ID) */
    uint32_t link;   /* the link direction's trace source */
    int32_t prev;    /* the packet's previous hop (index in hops), -1 for the first */
} hop_store;

#define HOP_NONE UINT32_MAX
#define HOP_WIDE (UINT32_MAX - 1)

/* A hop as the walks read it (hop_at); -1 for what did not happen. */
typedef struct {
    bool valid;      /* false: no such hop */
    int64_t enq, txs, txe, rx;
    uint32_t pkt, link;
    int32_t prev;
} hop_rec;

/* A packet as the log keeps it (48 bytes, in this order without padding). */
typedef struct {
    bool seen;
    bool dropped;    /* lost, or its next hop refused once the log was full */
    uint8_t flags, cause;
    uint32_t src, dst;
    uint16_t sport, dport;
    uint32_t seq, len;
    int32_t first;   /* the first hop (index in hops), -1 for none */
    int32_t last;    /* the latest hop (index in hops), -1 for none */
    int64_t created;
    union {
        /* While the log records: when its latest hop entered the queue
         * (hops[last].enq), so that the hop's later times are set without
         * reading the hop (a cache miss, the most of a record's cost). */
        int64_t last_enq;
        struct {          /* once indexed (the log stopped) */
            uint32_t flow; /* 1 + its flow's index (flow_off); 0 for a packet not seen */
            uint32_t pos;  /* its place in flow_pkts */
        };
    };
} pkt_rec;
G_STATIC_ASSERT(sizeof(pkt_rec) == 48);

/* A packet as the searches in its flow read it (latest_arrival,
 * previous_in_flow), and walk_release of the packet they find: the index
 * keeps these flow after flow, each flow's in creation order, so that a
 * search reads a few neighbouring records rather than a packet record and
 * a hop scattered over the log for each packet it looks at (a cache miss
 * each, most of a walk's time). 32 bytes. */
typedef struct {
    int64_t created;
    int64_t arrival; /* arrival(), -1 for none */
    uint32_t id;
    uint32_t seq;
    uint8_t what;    /* FP_* */
    uint8_t cause;   /* pkt_rec.cause */
} flow_pkt;

enum {
    FP_DATA = 0x01,    /* carries data or FIN */
    FP_CARRIES = 0x02, /* carries data, SYN or FIN */
    FP_SYN = 0x04,
};

/* A direction of a connection. */
typedef struct {
    uint32_t src, dst;
    uint16_t sport, dport;
} flow_key;

/* Hops the log keeps at most (32 MB, and the packets'); past it the log stops, and
 * intervals that end after that instant are not explained. */
#define PATHLOG_MAX_HOPS 1000000
/* Packet ids the log takes (below it): hops and flow lists keep them in
 * 32 bits. A run reaches it only after billions of packets; the log stops
 * there as it does at PATHLOG_MAX_HOPS. */
#define PATHLOG_MAX_ID UINT32_MAX

/* An index from (a node or link, an instant) to a 32-bit value above 0:
 * open addressing with linear probing, the keys inline (16 bytes an entry,
 * at most half full), so that indexing a million hops allocates two arrays
 * rather than a million keys. Lookup only, never iterated. */
typedef struct {
    int64_t t;
    uint32_t a; /* a node address or a link direction's trace source */
    uint32_t v; /* 0: an empty slot */
} time_slot;

typedef struct {
    time_slot *slots;
    uint64_t mask; /* slots - 1, a power of two minus one */
} time_index;

/* The arrays are grown by hand (doubling) rather than GArrays: the log
 * takes most packet records of a run, and a call to GLib for each append
 * was a third of its cost. */
typedef struct world_pathlog {
    int64_t cutoff;      /* when the log stopped for its size; INT64_MAX while it goes on */
    pkt_rec *pkts;       /* indexed by packet id, below n_pkts */
    uint64_t n_pkts, cap_pkts; /* 1 + the highest id seen; allocated */
    hop_store *hops;
    guint n_hops, cap_hops;
    GHashTable *wide;    /* 1 + 3 x hop index + field (0 txs, 1 txe, 2 rx) -> int64_t*, the HOP_WIDE times */
    int32_t *ahead;      /* once indexed, per hop: the previous hop of the same flow the link transmitted in
                          * the same busy period (transmissions back to back), -1 for none; see walk_queue */
    bool indexed;
    /* The packets with data that arrived, by destination (a node address;
     * addresses are node indices, models/net.c, so these are as long as
     * the node list): address a has the arrival times dst_at[dst_off[a] ..
     * dst_off[a] + dst_n[a]) and ids dst_id[...], in id order. In a run
     * those times never go down (a destination's packets from one sender
     * take one path first in, first out), so a lookup is a binary search;
     * a destination whose times do go down somewhere (two senders at other
     * distances) has its packets in `arrivals` instead. */
    uint32_t n_dsts;     /* 1 + the highest destination of a packet with data */
    uint32_t *dst_off, *dst_n;
    int64_t *dst_at;
    uint32_t *dst_id;
    bool *dst_hashed;    /* per destination: its packets are in `arrivals` */
    time_index arrivals; /* (dst, arrival time) -> 1 + id of the last data packet, for dst_hashed */
    time_index txends;   /* (link, transmission end) -> 1 + hop index, for the stepwise links only */
    uint32_t n_flows;
    uint32_t *flow_off;  /* flow f (1 + its index) has the packets flow_pkts[flow_off[f - 1] .. flow_off[f]) */
    flow_pkt *flow_pkts; /* the packets of each flow in creation (id) order, flow after flow */
    uint32_t *flow_back; /* per 1 + flow index, 1 + the index of the opposite direction; 0 for none */
    uint32_t n_links;    /* 1 + the highest trace source of a hop */
    bool *stepwise;      /* per link direction: its queue is walked step by step (walk_queue) */
} world_pathlog;

/* Tests only (world_pathlog_test_stepwise): every link walked step by step. */
static _Thread_local bool all_stepwise; /* per thread: a sweep's workers never see a test's setting */

void world_pathlog_test_stepwise(bool on) { all_stepwise = on; }

/* Tests only (world_pathlog_test_logs): the logs started on this thread. */
static _Thread_local guint logs_started;

guint world_pathlog_test_logs(void)
{
    guint n = logs_started;
    logs_started = 0;
    return n;
}

/* Tests only (world_pathlog_test_hashed): every destination's arrivals in
 * the hash index; the destinations looked up there in the indexes this
 * thread built since the last call. */
static _Thread_local bool all_hashed;
static _Thread_local guint hashed_dsts;

guint world_pathlog_test_hashed(bool on)
{
    guint n = hashed_dsts;
    all_hashed = on;
    hashed_dsts = 0;
    return n;
}

/* The hops the log keeps (world_pathlog_test_max_hops: smaller in tests). */
static _Thread_local guint max_hops = PATHLOG_MAX_HOPS;

void world_pathlog_test_max_hops(guint n) { max_hops = n ? MIN(n, (guint)PATHLOG_MAX_HOPS) : PATHLOG_MAX_HOPS; }

const char *app_time_part_name(app_time_part part)
{
    static const char *const names[] = {"dns",      "connect",    "request",     "server",
                                        "response", "queueing",   "slow_start",  "delayed_ack",
                                        "retransmission", "other"};
    G_STATIC_ASSERT(G_N_ELEMENTS(names) == APP_TIME__COUNT);
    return part < APP_TIME__COUNT ? names[part] : "?";
}

/* ---- the log -------------------------------------------------------------------- */

/* Makes room for packet ids below `n` (> n_pkts), the new records zeroed
 * (not seen). Only those are written: zeroing the whole new capacity
 * would touch memory the log may never use. */
static void grow_pkts(world_pathlog *L, uint64_t n)
{
    if (n > L->cap_pkts) {
        L->cap_pkts = MAX(MAX(2 * L->cap_pkts, n), (uint64_t)1024);
        L->pkts = g_renew(pkt_rec, L->pkts, L->cap_pkts);
    }
    memset(L->pkts + L->n_pkts, 0, (n - L->n_pkts) * sizeof(pkt_rec));
    L->n_pkts = n;
}

/* Sets time `field` (0 txs, 1 txe, 2 rx) of the latest hop of `r` to `t`. */
static void hop_set(world_pathlog *L, const pkt_rec *r, int field, int64_t t)
{
    int32_t i = r->last;
    hop_store *h = &L->hops[i];
    int64_t d = t - r->last_enq;
    uint32_t v = d >= 0 && d < HOP_WIDE ? (uint32_t)d : HOP_WIDE;
    if (v == HOP_WIDE) {
        if (!L->wide)
            L->wide = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
        int64_t *at = g_new(int64_t, 1);
        *at = t;
        g_hash_table_replace(L->wide, GUINT_TO_POINTER(1 + 3 * (guint)i + (guint)field), at);
    }
    if (field == 0)
        h->txs = v;
    else if (field == 1)
        h->txe = v;
    else
        h->rx = v;
}

/* world_pathlog_rec for a record the log takes. Apart, so that the
 * records it leaves out (most of a long run's, once it has stopped) pass
 * through a function without a frame. */
G_GNUC_NO_INLINE static void pathlog_add(world_pathlog *L, const sim_trace_rec *rec, const pkt_t *p)
{
    if (p->id >= PATHLOG_MAX_ID) {
        L->cutoff = MIN(L->cutoff, rec->time);
        return;
    }
    if (p->id >= L->n_pkts)
        grow_pkts(L, p->id + 1);
    pkt_rec *r = &L->pkts[p->id];
    if (!r->seen) {
        *r = (pkt_rec){.seen = true, .src = p->src, .dst = p->dst, .sport = p->sport, .dport = p->dport,
                       .flags = p->tcp_flags, .cause = p->cause, .seq = p->seq, .len = p->len,
                       .created = p->created, .first = -1, .last = -1};
    }
    if (rec->kind == SIM_TR_DROP) {
        r->dropped = true;
        return;
    }
    if (rec->kind == SIM_TR_ENQUEUE) {
        if (L->n_hops >= max_hops) {
            /* The packet's later records would land on the hop before
             * (another link's): it counts as lost from here, its earlier
             * hops kept as they were. */
            L->cutoff = MIN(L->cutoff, rec->time);
            r->dropped = true;
            return;
        }
        if (L->n_hops == L->cap_hops) {
            L->cap_hops = MAX(2 * L->cap_hops, 1024u);
            L->hops = g_renew(hop_store, L->hops, L->cap_hops);
        }
        L->hops[L->n_hops] = (hop_store){.enq = rec->time, .txs = HOP_NONE, .txe = HOP_NONE, .rx = HOP_NONE,
                                         .pkt = (uint32_t)p->id, .link = rec->source, .prev = r->last};
        if (r->last < 0)
            r->first = (int32_t)L->n_hops;
        r->last = (int32_t)L->n_hops++;
        r->last_enq = rec->time;
        L->n_links = MAX(L->n_links, rec->source + 1);
        return;
    }
    if (r->last < 0 || r->dropped)
        return;
    if (rec->kind == SIM_TR_TX_START)
        hop_set(L, r, 0, rec->time);
    else if (rec->kind == SIM_TR_TX)
        hop_set(L, r, 1, rec->time);
    else if (rec->kind == SIM_TR_RX)
        hop_set(L, r, 2, rec->time);
}

void world_pathlog_rec(world_pathlog *L, const sim_trace_rec *rec)
{
    const pkt_t *p = rec->obj;
    /* Once the log has stopped, packets created at or after the cutoff are
     * left out: explained intervals end before it, and a walk only reaches
     * packets created before its cursor (ids grow with creation times), so
     * none needs them; kept, they would grow the table by a record a packet
     * for the rest of the run. */
    if (L->cutoff != INT64_MAX && p->created >= L->cutoff &&
        (p->id >= L->n_pkts || !L->pkts[p->id].seen))
        return;
    pathlog_add(L, rec, p);
}

void app_world_trace_packets(app_world *w)
{
    if (w->pathlog)
        return;
    world_pathlog *L = g_new0(world_pathlog, 1);
    L->cutoff = INT64_MAX;
    logs_started++;
    w->pathlog = L;
    w->pathlog_on = true; /* fed by the fingerprint's subscriber (world_trace.c) */
}

void world_pathlog_stop(app_world *w) { w->pathlog_on = false; }

void world_pathlog_free(app_world *w)
{
    world_pathlog *L = w->pathlog;
    if (!L)
        return;
    world_pathlog_stop(w);
    g_free(L->pkts);
    g_free(L->hops);
    if (L->wide)
        g_hash_table_destroy(L->wide);
    if (L->indexed) {
        g_free(L->ahead);
        g_free(L->dst_off);
        g_free(L->dst_n);
        g_free(L->dst_at);
        g_free(L->dst_id);
        g_free(L->dst_hashed);
        g_free(L->arrivals.slots);
        g_free(L->txends.slots);
        g_free(L->flow_off);
        g_free(L->flow_pkts);
        g_free(L->flow_back);
        g_free(L->stepwise);
    }
    g_free(L);
    w->pathlog = NULL;
}

/* ---- the indexes ------------------------------------------------------------------- */

static bool flow_equal(const flow_key *a, const flow_key *b)
{
    return a->src == b->src && a->dst == b->dst && a->sport == b->sport && a->dport == b->dport;
}

/* The flows while the index is built: key -> 1 + flow index, open
 * addressing with linear probing and the keys inline (16 bytes an entry,
 * at most half full), without a GHashTable's calls through its functions
 * for each packet of the log. Lookup only, never iterated. */
typedef struct {
    flow_key k;
    uint32_t f; /* 0: an empty slot */
} flow_slot;

typedef struct {
    flow_slot *slots;
    guint mask, used;
} flow_table;

static guint flow_slot_of(const flow_table *x, const flow_key *k)
{
    uint64_t a = ((uint64_t)k->src << 32) ^ k->dst;
    a ^= (((uint64_t)k->sport << 16) | k->dport) * UINT64_C(0x9E3779B97F4A7C15);
    a ^= a >> 29;
    guint i = (guint)(a & x->mask);
    while (x->slots[i].f && !flow_equal(&x->slots[i].k, k))
        i = (i + 1) & x->mask;
    return i;
}

/* The flow of `k`, 0 for none. */
static uint32_t flow_table_get(const flow_table *x, const flow_key *k) { return x->slots[flow_slot_of(x, k)].f; }

/* Adds `k` (not in the table) as flow `f` (> 0). */
static void flow_table_add(flow_table *x, const flow_key *k, uint32_t f)
{
    if (2 * (x->used + 1) > x->mask + 1) {
        flow_table y = {.slots = g_new0(flow_slot, 2 * ((gsize)x->mask + 1)), .mask = 2 * x->mask + 1};
        for (guint i = 0; i <= x->mask; i++)
            if (x->slots[i].f)
                y.slots[flow_slot_of(&y, &x->slots[i].k)] = x->slots[i];
        g_free(x->slots);
        x->slots = y.slots;
        x->mask = y.mask;
    }
    x->slots[flow_slot_of(x, k)] = (flow_slot){.k = *k, .f = f};
    x->used++;
}

/* An empty index with room for `n` keys. */
static void time_index_init(time_index *x, guint n)
{
    uint64_t size = 16;
    while (size < 2 * (uint64_t)n)
        size *= 2;
    x->slots = g_new0(time_slot, size);
    x->mask = size - 1;
}

static uint64_t time_hash(uint32_t a, int64_t t)
{
    uint64_t v = (a * UINT64_C(0x9E3779B97F4A7C15)) ^ (uint64_t)t;
    v ^= v >> 31;
    v *= UINT64_C(0xBF58476D1CE4E5B9);
    return v ^ (v >> 29);
}

/* Sets (a, t) to v (> 0), replacing an earlier value. */
static void time_index_put(time_index *x, uint32_t a, int64_t t, uint32_t v)
{
    uint64_t i = time_hash(a, t) & x->mask;
    while (x->slots[i].v && (x->slots[i].a != a || x->slots[i].t != t))
        i = (i + 1) & x->mask;
    x->slots[i] = (time_slot){.t = t, .a = a, .v = v};
}

/* The value of (a, t), 0 for none. */
static uint32_t time_index_get(const time_index *x, uint32_t a, int64_t t)
{
    if (!x->slots)
        return 0;
    for (uint64_t i = time_hash(a, t) & x->mask; x->slots[i].v; i = (i + 1) & x->mask)
        if (x->slots[i].a == a && x->slots[i].t == t)
            return x->slots[i].v;
    return 0;
}

static const pkt_rec *pkt_at(const world_pathlog *L, uint64_t id)
{
    return id < L->n_pkts ? &L->pkts[id] : NULL;
}

static int64_t hop_time(const world_pathlog *L, int32_t i, int field, uint32_t v)
{
    if (v == HOP_NONE)
        return -1;
    if (v != HOP_WIDE)
        return L->hops[i].enq + v;
    const int64_t *t = g_hash_table_lookup(L->wide, GUINT_TO_POINTER(1 + 3 * (guint)i + (guint)field));
    return *t;
}

static hop_rec hop_at(const world_pathlog *L, int32_t i)
{
    if (i < 0 || (guint)i >= L->n_hops)
        return (hop_rec){.valid = false, .enq = -1, .txs = -1, .txe = -1, .rx = -1, .prev = -1};
    const hop_store *h = &L->hops[i];
    return (hop_rec){.valid = true, .enq = h->enq, .txs = hop_time(L, i, 0, h->txs), .txe = hop_time(L, i, 1, h->txe),
                     .rx = hop_time(L, i, 2, h->rx), .pkt = h->pkt, .link = h->link, .prev = h->prev};
}

/* A packet arrived when its last hop has an arrival and it was not dropped. */
static int64_t arrival(const world_pathlog *L, const pkt_rec *p)
{
    if (!p->seen || p->dropped || p->last < 0 || (guint)p->last >= L->n_hops)
        return -1;
    return hop_time(L, p->last, 2, L->hops[p->last].rx);
}

static flow_key key_of(const pkt_rec *p)
{
    return (flow_key){.src = p->src, .dst = p->dst, .sport = p->sport, .dport = p->dport};
}

/* The shortcuts of walk_queue (hop_rec.ahead). The stepwise walk
 * (walk_queue_stepwise) goes from a hop h to the hop whose transmission
 * ended when h's began (txends), and on from that one, until it meets a
 * packet of h's flow or a transmission that ended by the time h entered
 * the queue. On a link whose record is regular (below) that hop is the one
 * the link transmitted just before h, so the steps stay in a busy period
 * (transmissions back to back) and stop at the first hop of h's flow in
 * it: the hop's `ahead`. A link with a record outside those rules (never seen from
 * models/link.c, but the walk must give the same parts whatever the log
 * holds) is marked stepwise. Regular, the link's hops with a transmission
 * end taken in the order of the log: each has enq <= txs <= txe and starts
 * no earlier than the previous one ended, and a transmission of no time
 * neither waited in the queue nor has one starting at its end (txends
 * keeps one hop per (link, end): the stepwise walk would go round in a
 * circle). One pass over the hops in the order of the log, with a small
 * table of each (flow, link)'s latest hop. */
typedef struct {
    uint32_t flow, link; /* flow 0: an empty slot */
    uint32_t busy;       /* the busy period of the latest hop */
    int32_t hop;         /* that hop */
} flow_link;

typedef struct {
    flow_link *slots;
    guint mask, used;
} flow_link_table;

/* The slot of (flow, link) in `x`, or the empty one where it goes. */
static inline guint flow_link_slot(const flow_link_table *x, uint32_t flow, uint32_t link)
{
    uint32_t v = flow * UINT32_C(0x9E3779B1) ^ link * UINT32_C(0x85EBCA77);
    guint i = (v ^ v >> 15) & x->mask;
    while (x->slots[i].flow && (x->slots[i].flow != flow || x->slots[i].link != link))
        i = (i + 1) & x->mask;
    return i;
}

/* Doubles the table (apart, so that flow_link_at inlines: it runs for
 * every hop of the log). */
G_GNUC_NO_INLINE static void flow_link_grow(flow_link_table *x)
{
    flow_link_table y = {.slots = g_new0(flow_link, 2 * ((gsize)x->mask + 1)), .mask = 2 * x->mask + 1};
    for (guint i = 0; i <= x->mask; i++)
        if (x->slots[i].flow)
            y.slots[flow_link_slot(&y, x->slots[i].flow, x->slots[i].link)] = x->slots[i];
    g_free(x->slots);
    x->slots = y.slots;
    x->mask = y.mask;
}

static inline flow_link *flow_link_at(flow_link_table *x, uint32_t flow, uint32_t link)
{
    guint i = flow_link_slot(x, flow, link);
    if (!x->slots[i].flow) {
        if (2 * (x->used + 1) > x->mask + 1) { /* at most half full */
            flow_link_grow(x);
            i = flow_link_slot(x, flow, link);
        }
        x->slots[i] = (flow_link){.flow = flow, .link = link, .busy = 0, .hop = -1};
        x->used++;
    }
    return &x->slots[i];
}

static void queue_shortcuts(world_pathlog *L)
{
    guint nl = L->n_links;
    L->stepwise = g_new0(bool, MAX(nl, 1u));
    /* Per link, what the pass needs of it in one place: its latest hop with
     * a transmission end (its times), its current busy period, and how many
     * such hops it had (the size of txends, if it turns out stepwise). */
    struct link_state {
        int64_t txs, txe; /* the latest hop's, once `any` */
        uint32_t busy;    /* the number of its current busy period */
        uint32_t ended;   /* its hops with a transmission end so far */
        bool any;
    } *ls = g_new0(struct link_state, MAX(nl, 1u));
    uint32_t periods = 0;
    flow_link_table fl = {.slots = g_new0(flow_link, 1024), .mask = 1023};
    for (guint l = 0; l < nl; l++)
        L->stepwise[l] = all_stepwise;
    guint stepwise_hops = 0;
    L->ahead = g_new(int32_t, MAX(L->n_hops, 1u));
    for (guint i = 0; i < L->n_hops; i++) {
        const hop_store *h = &L->hops[i];
        L->ahead[i] = -1;
        if (h->txe == HOP_NONE)
            continue;
        int64_t txs = hop_time(L, (int32_t)i, 0, h->txs), txe = hop_time(L, (int32_t)i, 1, h->txe);
        uint32_t l = h->link;
        struct link_state *s = &ls[l];
        bool r = s->any; /* the link's previous hop: s->txs, s->txe */
        if (txs < h->enq || txs > txe || (r && txs < s->txe) || (txs == txe && txs > h->enq) ||
            (r && s->txs == s->txe && txs == s->txe))
            L->stepwise[l] = true;
        if (!r || s->txe != txs)
            s->busy = ++periods;
        *s = (struct link_state){.txs = txs, .txe = txe, .busy = s->busy, .ended = s->ended + 1, .any = true};
        flow_link *e = flow_link_at(&fl, L->pkts[h->pkt].flow, l);
        L->ahead[i] = e->busy == s->busy ? e->hop : -1;
        e->busy = s->busy;
        e->hop = (int32_t)i;
    }
    for (guint l = 0; l < nl; l++)
        stepwise_hops += L->stepwise[l] ? ls[l].ended : 0;
    g_free(ls);
    if (stepwise_hops) {
        time_index_init(&L->txends, stepwise_hops);
        for (guint i = 0; i < L->n_hops; i++) {
            hop_rec h = hop_at(L, (int32_t)i);
            if (h.txe >= 0 && L->stepwise[h.link])
                time_index_put(&L->txends, h.link, h.txe, i + 1);
        }
    }
    g_free(fl.slots);
}

static void build_index(world_pathlog *L)
{
    flow_table flows = {.slots = g_new0(flow_slot, 256), .mask = 255};
    GArray *count = g_array_new(FALSE, FALSE, sizeof(uint32_t)); /* packets per flow */
    GArray *dst_count = g_array_new(FALSE, TRUE, sizeof(uint32_t)); /* packets with data per destination */
    guint seen = 0, f = 0;
    flow_key prev = {0};
    for (guint id = 0; id < L->n_pkts; id++) {
        const pkt_rec *p = pkt_at(L, id);
        if (!p->seen)
            continue;
        seen++;
        if (p->len > 0) {
            if (p->dst >= dst_count->len)
                g_array_set_size(dst_count, p->dst + 1);
            g_array_index(dst_count, uint32_t, p->dst)++;
        }
        flow_key fk = key_of(p);
        if (!f || !flow_equal(&fk, &prev)) /* runs of one flow's packets are common */
            f = flow_table_get(&flows, &fk);
        prev = fk;
        if (!f) {
            uint32_t zero = 0;
            g_array_append_val(count, zero);
            f = count->len;
            flow_table_add(&flows, &fk, f);
        }
        L->pkts[id].flow = f;
        g_array_index(count, uint32_t, f - 1)++;
    }
    /* Each flow's packets in one array, in id (creation) order. */
    L->n_flows = count->len;
    L->flow_off = g_new(uint32_t, L->n_flows + 1);
    L->flow_off[0] = 0;
    for (guint f = 1; f <= L->n_flows; f++)
        L->flow_off[f] = L->flow_off[f - 1] + g_array_index(count, uint32_t, f - 1);
    for (guint f = 0; f < L->n_flows; f++) /* now the next free place of each flow */
        g_array_index(count, uint32_t, f) = L->flow_off[f];
    L->flow_pkts = g_new(flow_pkt, MAX(seen, 1u));
    guint nd = L->n_dsts = dst_count->len, with_data = 0;
    L->dst_off = g_new(uint32_t, MAX(nd, 1u));
    L->dst_n = g_new0(uint32_t, MAX(nd, 1u));
    L->dst_hashed = g_new0(bool, MAX(nd, 1u));
    for (guint a = 0; a < nd; a++) {
        L->dst_off[a] = with_data;
        with_data += g_array_index(dst_count, uint32_t, a);
        L->dst_hashed[a] = all_hashed;
    }
    g_array_free(dst_count, TRUE);
    L->dst_at = g_new(int64_t, MAX(with_data, 1u));
    L->dst_id = g_new(uint32_t, MAX(with_data, 1u));
    for (guint id = 0; id < L->n_pkts; id++) {
        const pkt_rec *p = &L->pkts[id];
        if (!p->seen)
            continue;
        uint8_t what = (p->len > 0 || (p->flags & PKT_FIN) ? FP_DATA : 0) |
                       (p->len > 0 || (p->flags & (PKT_SYN | PKT_FIN)) ? FP_CARRIES : 0) |
                       (p->flags & PKT_SYN ? FP_SYN : 0);
        uint32_t pos = g_array_index(count, uint32_t, p->flow - 1)++;
        int64_t at = arrival(L, p);
        L->pkts[id].pos = pos;
        L->flow_pkts[pos] =
            (flow_pkt){.created = p->created, .arrival = at, .id = id, .seq = p->seq, .what = what, .cause = p->cause};
        if (p->len > 0 && at >= 0) {
            guint i = L->dst_off[p->dst] + L->dst_n[p->dst]++;
            if (L->dst_n[p->dst] > 1 && at < L->dst_at[i - 1])
                L->dst_hashed[p->dst] = true;
            L->dst_at[i] = at;
            L->dst_id[i] = id;
        }
    }
    g_array_free(count, TRUE);
    guint hashed = 0;
    for (guint a = 0; a < nd; a++)
        hashed += L->dst_hashed[a] ? L->dst_n[a] : 0;
    if (hashed) {
        time_index_init(&L->arrivals, hashed);
        for (guint a = 0; a < nd; a++)
            for (guint i = L->dst_off[a]; L->dst_hashed[a] && i < L->dst_off[a] + L->dst_n[a]; i++)
                time_index_put(&L->arrivals, a, L->dst_at[i], L->dst_id[i] + 1); /* in id order: the last put stays */
    }
    for (guint a = 0; a < nd; a++)
        hashed_dsts += L->dst_hashed[a] && L->dst_n[a];
    /* The walks go from a packet to its own flow and to the opposite one by
     * these numbers, without hashing a key at every step. */
    L->flow_back = g_new0(uint32_t, L->n_flows + 1);
    for (guint f = 1; f <= L->n_flows; f++) {
        const pkt_rec *p = pkt_at(L, L->flow_pkts[L->flow_off[f - 1]].id);
        flow_key back = {.src = p->dst, .dst = p->src, .sport = p->dport, .dport = p->sport};
        L->flow_back[f] = flow_table_get(&flows, &back);
    }
    g_free(flows.slots);

    queue_shortcuts(L);
    L->indexed = true;
}

/* The packets of flow `f` (1 + its index): *n of them; none for 0. */
static const flow_pkt *flow_list(const world_pathlog *L, uint32_t f, guint *n)
{
    *n = f ? L->flow_off[f] - L->flow_off[f - 1] : 0;
    return f ? L->flow_pkts + L->flow_off[f - 1] : NULL;
}

/* The packet of flow `f` (1 + its index) created last at or
 * before `t` that arrived by `t`, and carries data, SYN or FIN unless
 * `any`; NULL for none. Links are first in, first out, so the latest sent is
 * the latest arrived. */
static const flow_pkt *latest_arrival(const world_pathlog *L, uint32_t f, int64_t t, bool any)
{
    guint n;
    const flow_pkt *list = flow_list(L, f, &n);
    guint lo = 0, hi = n; /* the first created after t */
    while (lo < hi) {
        guint mid = (lo + hi) / 2;
        if (list[mid].created <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (guint i = lo; i-- > 0;) {
        const flow_pkt *q = &list[i];
        if (q->arrival >= 0 && q->arrival <= t && (any || (q->what & FP_CARRIES)))
            return q;
    }
    return NULL;
}

/* The flow's packet before `id` that carried data (or FIN), or with the
 * same sequence number when `same_seq`; -1 for none. */
static int64_t previous_in_flow(const world_pathlog *L, uint64_t id, bool same_seq)
{
    const pkt_rec *p = pkt_at(L, id);
    if (!p || !p->flow) /* not indexed (never seen): nothing before it */
        return -1;
    const flow_pkt *list = L->flow_pkts + L->flow_off[p->flow - 1];
    for (guint i = p->pos - L->flow_off[p->flow - 1]; i-- > 0;) {
        const flow_pkt *q = &list[i];
        if (same_seq ? (q->seq == p->seq && !(q->what & FP_SYN) == !(p->flags & PKT_SYN)) : (q->what & FP_DATA))
            return (int64_t)q->id;
    }
    return -1;
}

/* 1 + the id of the last packet with data (the highest id) that arrived
 * at address `a` at `t`, 0 for none. */
static uint32_t arrived_at(const world_pathlog *L, uint32_t a, int64_t t)
{
    if (a >= L->n_dsts)
        return 0;
    if (L->dst_hashed[a])
        return time_index_get(&L->arrivals, a, t);
    const int64_t *at = L->dst_at + L->dst_off[a];
    guint lo = 0, hi = L->dst_n[a]; /* the first that arrived after t */
    while (lo < hi) {
        guint mid = (lo + hi) / 2;
        if (at[mid] <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo > 0 && at[lo - 1] == t ? L->dst_id[L->dst_off[a] + lo - 1] + 1 : 0;
}

/* ---- the walk ------------------------------------------------------------------- */

typedef struct {
    const world_pathlog *L;
    uint32_t host;
    int64_t start, t; /* the interval's start; the cursor, moving back */
    int64_t *parts;
} walk;

/* Moves the cursor back to `to` (not below the start), charging `part`. */
static void charge(walk *k, app_time_part part, int64_t to)
{
    if (to < k->start)
        to = k->start;
    if (to >= k->t)
        return;
    k->parts[part] += k->t - to;
    k->t = to;
}

static app_time_part part_of(const walk *k, const pkt_rec *p)
{
    if (p->flags & PKT_SYN)
        return APP_TIME_CONNECT;
    return p->src == k->host ? APP_TIME_REQUEST : APP_TIME_RESPONSE;
}

/* A position on the path: packet `id` at the end of hop `hop`'s
 * transmission (`at_rx` false) or at its arrival (true). */
typedef struct {
    uint64_t id;
    int32_t hop;
    bool at_rx;
} spot;

/* walk_queue step by step: from the hop whose transmission ended when h's
 * began back to the one before it, and so on (txends). */
static bool walk_queue_stepwise(walk *k, uint64_t id, const hop_rec *h, spot *next)
{
    const pkt_rec *p = pkt_at(k->L, id);
    int64_t txs = h->txs;
    while (txs > h->enq && k->t > k->start) {
        uint32_t v = time_index_get(&k->L->txends, h->link, txs);
        if (!v)
            break;
        int32_t qh = (int32_t)v - 1;
        uint64_t qid = k->L->hops[qh].pkt;
        const pkt_rec *q = pkt_at(k->L, qid);
        if (q->flow == p->flow) { /* the same flow (the same key) */
            *next = (spot){.id = qid, .hop = qh, .at_rx = false};
            return true;
        }
        hop_rec qr = hop_at(k->L, qh);
        charge(k, APP_TIME_QUEUEING, MAX(qr.txs, h->enq));
        txs = qr.txs;
    }
    charge(k, APP_TIME_QUEUEING, h->enq);
    return false;
}

/* The time the link spent on the packets ahead of `h` (a hop of packet
 * `id`) while it waited: behind the same flow the walk goes on through that
 * packet (returns true, *next set), behind others it is queueing. The
 * packets it waited for are those of its busy period whose transmissions
 * ended after it entered the queue; the latest of its flow among them, if
 * any, is its `ahead` (queue_shortcuts): queueing down to the end of that
 * one's transmission, then on through it. Step by step (one hop after the
 * other, charging each, until one of the flow) the parts are the same, as
 * charges of one part down to decreasing instants add up to one charge
 * down to the last; test_breakdown compares the two. */
static bool walk_queue(walk *k, uint64_t id, int32_t hi, const hop_rec *h, spot *next)
{
    const world_pathlog *L = k->L;
    if (L->stepwise[h->link])
        return walk_queue_stepwise(k, id, h, next);
    hop_rec q = hop_at(L, L->ahead[hi]);
    if (q.valid && q.txe > h->enq) {
        charge(k, APP_TIME_QUEUEING, q.txe);
        *next = (spot){.id = q.pkt, .hop = L->ahead[hi], .at_rx = false};
        return true;
    }
    charge(k, APP_TIME_QUEUEING, h->enq);
    return false;
}

/* Walks a packet's hops back from `s`; returns false at its release
 * (cursor at its creation), true with *next when it jumped to a packet
 * ahead of it in a queue. */
static bool walk_hops(walk *k, spot s, spot *next)
{
    const pkt_rec *p = pkt_at(k->L, s.id);
    app_time_part part = part_of(k, p);
    for (int32_t hi = s.hop; hi >= 0 && k->t > k->start;) {
        hop_rec h = hop_at(k->L, hi);
        if (h.txs < 0 || h.txe < 0)
            break;
        if (s.at_rx)
            charge(k, part, h.txe);
        s.at_rx = true;
        charge(k, part, h.txs);
        if (walk_queue(k, s.id, hi, &h, next))
            return true;
        if (h.prev >= 0)
            charge(k, APP_TIME_OTHER, hop_at(k->L, h.prev).rx);
        hi = h.prev;
    }
    charge(k, APP_TIME_OTHER, p->created); /* send jitter */
    return false;
}

/* What released packet `id` (the cursor at its creation): returns true with
 * the spot to go on from, false where the walk ends. */
static bool walk_release(walk *k, uint64_t id, spot *next)
{
    const world_pathlog *L = k->L;
    for (int guard = 0; guard < 64; guard++) {
        const pkt_rec *p = pkt_at(L, id);
        uint32_t back = p->flow ? L->flow_back[p->flow] : 0; /* the opposite direction */
        const flow_pkt *q = NULL;
        switch ((pkt_cause)p->cause) {
        case PKT_CAUSE_HANDSHAKE:
            if (!(p->flags & PKT_ACK))
                return false; /* a SYN: the connection's start */
            q = latest_arrival(L, back, p->created, false);
            charge(k, APP_TIME_CONNECT, q ? q->arrival : k->start);
            break;
        case PKT_CAUSE_APP:
            q = latest_arrival(L, back, p->created, false);
            charge(k, p->src == k->host ? APP_TIME_OTHER : APP_TIME_PEER, q ? q->arrival : k->start);
            break;
        case PKT_CAUSE_ACK:
        case PKT_CAUSE_DELACK:
            q = latest_arrival(L, back, p->created, true);
            charge(k, p->cause == PKT_CAUSE_DELACK ? APP_TIME_DELACK : APP_TIME_OTHER, q ? q->arrival : k->start);
            break;
        case PKT_CAUSE_RTO:
        case PKT_CAUSE_FAST_RETX: {
            int64_t o = previous_in_flow(L, id, true);
            if (o < 0)
                return false;
            charge(k, APP_TIME_RETX, pkt_at(L, (uint64_t)o)->created);
            id = (uint64_t)o;
            continue; /* why the first sending left when it did */
        }
        case PKT_CAUSE_WINDOW: {
            int64_t o = previous_in_flow(L, id, false);
            if (o < 0)
                return false;
            hop_rec h0 = hop_at(L, pkt_at(L, (uint64_t)o)->first);
            if (!h0.valid || h0.txe < 0 || h0.txe > k->t) {
                /* The flow's previous packet was still on its way out (or
                 * lost on the first link) when this one was released: both
                 * left on the same opening of the window, so the walk goes
                 * on with that packet's release. */
                charge(k, APP_TIME_WINDOW, pkt_at(L, (uint64_t)o)->created);
                id = (uint64_t)o;
                continue;
            }
            /* The ACK that opened the window, and how long the peer's timer held it. */
            const flow_pkt *ack = latest_arrival(L, back, p->created, true);
            int64_t held = 0;
            if (ack && ack->cause == PKT_CAUSE_DELACK) {
                const flow_pkt *d = latest_arrival(L, p->flow, ack->created, true);
                held = d ? ack->created - d->arrival : 0;
            }
            charge(k, APP_TIME_DELACK, MAX(k->t - held, h0.txe));
            charge(k, APP_TIME_WINDOW, h0.txe);
            *next = (spot){.id = (uint64_t)o, .hop = pkt_at(L, (uint64_t)o)->first, .at_rx = false};
            return true;
        }
        default:
            return false;
        }
        if (!q)
            return false;
        *next = (spot){.id = q->id, .hop = pkt_at(L, q->id)->last, .at_rx = true};
        return true;
    }
    return false;
}

bool app_world_explain(const app_world *w, const char *host, int64_t start, int64_t end,
                       int64_t parts[APP_TIME__COUNT])
{
    memset(parts, 0, sizeof(int64_t) * APP_TIME__COUNT);
    int64_t span = end > start ? end - start : 0;
    world_pathlog *L = w->pathlog;
    node_t *node = net_node_by_name(w->net, host);
    uint32_t v = 0;
    /* The index is built once, from the log as it is: only once the log has
     * stopped (the run is over), or a walk could meet hops added since. */
    if (L && node && end < L->cutoff && !w->pathlog_on) {
        if (!L->indexed)
            build_index(L);
        v = arrived_at(L, node_addr(node), end);
    }
    if (!v || span == 0) {
        parts[APP_TIME_OTHER] = span;
        return v != 0;
    }
    walk k = {.L = L, .host = node_addr(node), .start = start, .t = end, .parts = parts};
    spot s = {.id = (uint64_t)v - 1, .at_rx = true};
    s.hop = pkt_at(L, s.id)->last;
    /* Each step moves the cursor back or to an earlier packet; the bound is
     * a guard against a log the walk does not understand. */
    for (int steps = 0; steps < 1000000 && k.t > k.start; steps++) {
        spot next;
        if (walk_hops(&k, s, &next)) {
            s = next;
            continue;
        }
        if (!walk_release(&k, s.id, &next))
            break;
        s = next;
    }
    charge(&k, APP_TIME_OTHER, start);
    return true;
}

/*
 * bt_peer: one BitTorrent client's logic for one torrent (see bt_peer.h).
 *
 * State: a byte per piece (missing, in progress, verified), the number of
 * connected peers that have each piece, the pieces in progress in the
 * order they were started (each with a state and a sender per block), and
 * the connections in the order they were added. A connection the core
 * drops is marked dead at once (its requests released, its pieces taken
 * out of the availability) and freed at the end of the public call, so
 * loops over the connections never lose their place.
 */
#include "bt_peer.h"
#include "bt_rng.h"

#include <string.h>

enum { PIECE_MISSING = 0, PIECE_ACTIVE = 1, PIECE_HAVE = 2 };
enum { BLOCK_FREE = 0, BLOCK_REQUESTED = 1, BLOCK_RECEIVED = 2 };

typedef struct {
    uint32_t piece, begin, len;
    int64_t at; /* when it was sent */
} bt_req;

typedef struct {
    uint32_t id;
    bt_decoder *dec;
    GByteArray *out;
    bool handshaken;
    bool first_done;  /* a message after the handshake was read (bitfield no longer allowed) */
    bool dead;
    bool am_choking, am_interested, peer_choking, peer_interested, optimistic;
    bool snubbed;     /* a request to it timed out: asked nothing until it sends a block or unchokes again */
    uint8_t peer_id[20];
    uint8_t *bits;    /* the peer's pieces, ceil(n / 8) bytes */
    uint32_t peer_pieces;
    uint32_t wanted;  /* pieces the peer has that we lack */
    bt_req *reqs;     /* ours outstanding, at most pipeline */
    uint32_t nreqs;
    GArray *queue;    /* bt_req: its requests to answer, at most max_queue */
    uint64_t bytes_in, bytes_out, payload_in, payload_out;
    uint64_t mark_in;  /* payload_in at the last choke round */
    uint64_t rate_in;  /* payload bytes received over the last round */
    int64_t unchoked_at; /* when we last unchoked it */
    uint64_t opt_turn; /* its place in the optimistic rotation: the lowest goes next (0: the front) */
    uint32_t hashfails;
    int64_t added, last_recv, last_sent;
} bt_conn;

typedef struct {
    uint32_t index;
    uint32_t nblocks;
    uint32_t received;
    uint8_t *state;  /* BLOCK_* per block */
    uint32_t *from;  /* the connection that sent each received block */
    bool single;     /* failed with several senders: one connection only */
    uint32_t owner;  /* with single: that connection (0: the next to ask) */
} bt_active;

struct bt_peer {
    bt_peer_config cfg;
    uint8_t *hashes;
    uint32_t n;
    uint32_t bitfield_bytes;
    uint8_t *have;      /* PIECE_* per piece */
    uint32_t *avail;    /* connected peers that have each piece */
    GPtrArray *active;  /* bt_active, in the order started */
    GPtrArray *conns;   /* bt_conn, in the order added */
    GArray *events;     /* bt_peer_event */
    guint ev_head;
    uint32_t next_id;
    uint64_t rng;
    int64_t now;
    int64_t next_round;
    uint64_t rounds;
    uint64_t opt_seq;   /* the last place given in the optimistic rotation */
    int64_t up_next;    /* with max_upload_rate: when the next piece message may go */
    uint32_t up_last;   /* with max_upload_rate: the connection served last */
    bt_peer_stats stats;
    uint8_t *scratch;   /* a block, for hash checks */
    GChecksum *sha1;
};

static const char *const drop_texts[] = {
#define BT_DROP_TEXT(name, text) text,
    BT_DROP_REASONS(BT_DROP_TEXT)
#undef BT_DROP_TEXT
};

const char *bt_drop_reason_text(bt_drop_reason r)
{
    if ((size_t)r >= G_N_ELEMENTS(drop_texts))
        return "unknown";
    return drop_texts[r];
}

const char *bt_peer_event_name(bt_peer_event_kind k)
{
    switch (k) {
    case BT_PEER_EV_CONNECTED: return "connected";
    case BT_PEER_EV_DROPPED: return "dropped";
    case BT_PEER_EV_CLOSED: return "closed";
    case BT_PEER_EV_PIECE_VERIFIED: return "piece-verified";
    case BT_PEER_EV_HASH_FAILED: return "hash-failed";
    case BT_PEER_EV_COMPLETE: return "complete";
    case BT_PEER_EV_CHOKED: return "choked";
    case BT_PEER_EV_UNCHOKED: return "unchoked";
    case BT_PEER_EV_PEER_CHOKED: return "peer-choked";
    case BT_PEER_EV_PEER_UNCHOKED: return "peer-unchoked";
    case BT_PEER_EV_HAVE: return "have";
    }
    return "unknown";
}

static bool bit_get(const uint8_t *bits, uint32_t i)
{
    return (bits[i >> 3] >> (7 - (i & 7))) & 1u;
}

static void bit_set(uint8_t *bits, uint32_t i)
{
    bits[i >> 3] |= (uint8_t)(0x80u >> (i & 7));
}

static uint32_t piece_size(const bt_peer *p, uint32_t i)
{
    uint64_t start = (uint64_t)i * p->cfg.piece_length;
    return (uint32_t)MIN((uint64_t)p->cfg.piece_length, p->cfg.total_length - start);
}

static uint32_t block_len(const bt_peer *p, uint32_t piece, uint32_t b)
{
    uint32_t size = piece_size(p, piece);
    uint32_t begin = b * BT_BLOCK_SIZE;
    return MIN((uint32_t)BT_BLOCK_SIZE, size - begin);
}

static void emit(bt_peer *p, bt_peer_event_kind kind, uint32_t conn, uint32_t piece)
{
    bt_peer_event ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = kind;
    ev.time = p->now;
    ev.conn = conn;
    ev.piece = piece;
    g_array_append_val(p->events, ev);
}

static bt_conn *conn_find(const bt_peer *p, uint32_t id)
{
    for (guint i = 0; i < p->conns->len; i++) {
        bt_conn *c = g_ptr_array_index(p->conns, i);
        if (c->id == id)
            return c->dead ? NULL : c;
    }
    return NULL;
}

static bt_active *active_find(const bt_peer *p, uint32_t piece)
{
    for (guint i = 0; i < p->active->len; i++) {
        bt_active *a = g_ptr_array_index(p->active, i);
        if (a->index == piece)
            return a;
    }
    return NULL;
}

static void active_free(gpointer data)
{
    bt_active *a = data;
    g_free(a->state);
    g_free(a->from);
    g_free(a);
}

/* ---- output ---- */

static void sent(bt_peer *p, bt_conn *c)
{
    c->last_sent = p->now;
}

static void send_simple(bt_peer *p, bt_conn *c, bt_msg_kind k)
{
    bt_wire_put_simple(c->out, k);
    sent(p, c);
}

static void set_interest(bt_peer *p, bt_conn *c)
{
    bool want = c->wanted > 0;
    if (c->dead || !c->handshaken || want == c->am_interested)
        return;
    c->am_interested = want;
    send_simple(p, c, want ? BT_MSG_INTERESTED : BT_MSG_NOT_INTERESTED);
}

static void do_choke(bt_peer *p, bt_conn *c)
{
    if (c->am_choking)
        return;
    c->am_choking = true;
    g_array_set_size(c->queue, 0);
    send_simple(p, c, BT_MSG_CHOKE);
    emit(p, BT_PEER_EV_CHOKED, c->id, 0);
}

static void do_unchoke(bt_peer *p, bt_conn *c)
{
    if (!c->am_choking)
        return;
    c->am_choking = false;
    c->unchoked_at = p->now;
    send_simple(p, c, BT_MSG_UNCHOKE);
    emit(p, BT_PEER_EV_UNCHOKED, c->id, 0);
}

/* ---- requests ---- */

/* Whether a live connection other than `except` has this block out. */
static bool requested_elsewhere(const bt_peer *p, const bt_conn *except, uint32_t piece, uint32_t begin)
{
    for (guint i = 0; i < p->conns->len; i++) {
        const bt_conn *o = g_ptr_array_index(p->conns, i);
        if (o == except || o->dead)
            continue;
        for (uint32_t r = 0; r < o->nreqs; r++)
            if (o->reqs[r].piece == piece && o->reqs[r].begin == begin)
                return true;
    }
    return false;
}

/* Takes request r off c's list; the block is free again unless another
 * connection has it out or it was received. */
static void release_req(bt_peer *p, bt_conn *c, uint32_t r, bool cancel)
{
    bt_req q = c->reqs[r];
    c->reqs[r] = c->reqs[--c->nreqs];
    if (cancel && !c->dead) {
        bt_wire_put_cancel(c->out, q.piece, q.begin, q.len);
        sent(p, c);
        p->stats.cancels_sent++;
    }
    bt_active *a = active_find(p, q.piece);
    if (!a)
        return;
    uint32_t b = q.begin / BT_BLOCK_SIZE;
    if (a->state[b] == BLOCK_REQUESTED && !requested_elsewhere(p, c, q.piece, q.begin))
        a->state[b] = BLOCK_FREE;
}

static void release_all(bt_peer *p, bt_conn *c)
{
    while (c->nreqs)
        release_req(p, c, c->nreqs - 1, false);
    for (guint i = 0; i < p->active->len; i++) {
        bt_active *a = g_ptr_array_index(p->active, i);
        if (a->single && a->owner == c->id)
            a->owner = 0;
    }
}

static bool conn_has_req(const bt_conn *c, uint32_t piece, uint32_t begin)
{
    for (uint32_t r = 0; r < c->nreqs; r++)
        if (c->reqs[r].piece == piece && c->reqs[r].begin == begin)
            return true;
    return false;
}

/* How many live connections have this block out. O(connections x pipeline). */
static uint32_t requesters(const bt_peer *p, uint32_t piece, uint32_t begin)
{
    uint32_t k = 0;
    for (guint i = 0; i < p->conns->len; i++) {
        const bt_conn *o = g_ptr_array_index(p->conns, i);
        if (!o->dead && conn_has_req(o, piece, begin))
            k++;
    }
    return k;
}

/* A free block of an active piece the peer has, or of a new piece. */
static bool pick_block(bt_peer *p, bt_conn *c, uint32_t *piece, uint32_t *block)
{
    bool any_free = false;
    for (guint i = 0; i < p->active->len; i++) {
        bt_active *a = g_ptr_array_index(p->active, i);
        bool allowed = bit_get(c->bits, a->index) && !(a->single && a->owner && a->owner != c->id);
        for (uint32_t b = 0; b < a->nblocks; b++) {
            if (a->state[b] != BLOCK_FREE)
                continue;
            any_free = true;
            if (!allowed)
                break;
            if (a->single)
                a->owner = c->id;
            *piece = a->index;
            *block = b;
            return true;
        }
    }
    /* A new piece: random until the first is verified, then rarest first
     * (random among equally rare). */
    uint32_t count = 0, best = UINT32_MAX;
    bool unstarted = false;
    for (uint32_t i = 0; i < p->n; i++) {
        if (p->have[i] != PIECE_MISSING)
            continue;
        unstarted = true;
        if (!bit_get(c->bits, i))
            continue;
        if (p->stats.verified == 0) {
            count++;
        } else if (p->avail[i] < best) {
            best = p->avail[i];
            count = 1;
        } else if (p->avail[i] == best) {
            count++;
        }
    }
    if (count) {
        uint64_t k = bt_rng_below(&p->rng, count);
        for (uint32_t i = 0; i < p->n; i++) {
            if (p->have[i] != PIECE_MISSING || !bit_get(c->bits, i))
                continue;
            if (p->stats.verified != 0 && p->avail[i] != best)
                continue;
            if (k-- != 0)
                continue;
            bt_active *a = g_new0(bt_active, 1);
            a->index = i;
            a->nblocks = (piece_size(p, i) + BT_BLOCK_SIZE - 1) / BT_BLOCK_SIZE;
            a->state = g_malloc0(a->nblocks);
            a->from = g_new0(uint32_t, a->nblocks);
            g_ptr_array_add(p->active, a);
            p->have[i] = PIECE_ACTIVE;
            *piece = i;
            *block = 0;
            return true;
        }
    }
    if (unstarted || any_free)
        return false;
    /* Endgame: every block we lack is requested; ask this peer too, for a
     * block asked of one connection only (at most two copies of a block
     * are ever on their way: each copy beyond the first is upload spent
     * for nothing when the cancel comes after the block left). */
    for (guint i = 0; i < p->active->len; i++) {
        bt_active *a = g_ptr_array_index(p->active, i);
        if (a->single || !bit_get(c->bits, a->index))
            continue;
        for (uint32_t b = 0; b < a->nblocks; b++) {
            if (a->state[b] == BLOCK_REQUESTED && !conn_has_req(c, a->index, b * BT_BLOCK_SIZE)
                && requesters(p, a->index, b * BT_BLOCK_SIZE) < BT_ENDGAME_COPIES) {
                p->stats.endgame = true;
                *piece = a->index;
                *block = b;
                return true;
            }
        }
    }
    return false;
}

static void fill_requests(bt_peer *p, bt_conn *c)
{
    if (c->dead || !c->handshaken || c->peer_choking || !c->am_interested || c->snubbed)
        return;
    while (c->nreqs < p->cfg.pipeline) {
        uint32_t piece, b;
        if (!pick_block(p, c, &piece, &b))
            break;
        bt_active *a = active_find(p, piece);
        a->state[b] = BLOCK_REQUESTED;
        bt_req *q = &c->reqs[c->nreqs++];
        q->piece = piece;
        q->begin = b * BT_BLOCK_SIZE;
        q->len = block_len(p, piece, b);
        q->at = p->now;
        bt_wire_put_request(c->out, q->piece, q->begin, q->len);
        sent(p, c);
        p->stats.requests_sent++;
    }
}

static void fill_all(bt_peer *p)
{
    for (guint i = 0; i < p->conns->len; i++)
        fill_requests(p, g_ptr_array_index(p->conns, i));
}

static void rechoke_between(bt_peer *p);

/* ---- dropping ---- */

static void drop(bt_peer *p, bt_conn *c, bt_drop_reason reason, const char *why)
{
    if (c->dead)
        return;
    c->dead = true;
    release_all(p, c);
    if (c->handshaken) {
        for (uint32_t i = 0; i < p->n; i++)
            if (bit_get(c->bits, i))
                p->avail[i]--;
    }
    emit(p, reason == BT_DROP_NONE ? BT_PEER_EV_CLOSED : BT_PEER_EV_DROPPED, c->id, 0);
    bt_peer_event *ev = &g_array_index(p->events, bt_peer_event, p->events->len - 1);
    ev->reason = reason;
    ev->why = why ? why : bt_drop_reason_text(reason);
}

static void conn_free(bt_conn *c)
{
    bt_decoder_free(c->dec);
    g_byte_array_unref(c->out);
    g_array_unref(c->queue);
    g_free(c->bits);
    g_free(c->reqs);
    g_free(c);
}

/* Frees the connections dropped during this call; their requests may be
 * asked of others now. */
static void reap(bt_peer *p)
{
    bool any = false;
    size_t cap = BT_OUTPUT_MAX + (size_t)p->n * 9;
    for (guint i = 0; i < p->conns->len; i++) {
        bt_conn *c = g_ptr_array_index(p->conns, i);
        if (!c->dead && c->out->len > cap)
            drop(p, c, BT_DROP_OUTPUT, NULL);
    }
    for (guint i = 0; i < p->conns->len;) {
        bt_conn *c = g_ptr_array_index(p->conns, i);
        if (c->dead) {
            g_ptr_array_remove_index(p->conns, i);
            conn_free(c);
            any = true;
        } else {
            i++;
        }
    }
    if (any) {
        rechoke_between(p);
        fill_all(p);
    }
}

/* ---- serving ---- */

static bool servable(const bt_conn *c)
{
    return !c->dead && !c->am_choking && c->queue->len && c->out->len < BT_OUTPUT_LOW;
}

/* Writes the first queued block of `c` to its output; false when it was
 * dropped (the store could not read). */
static bool serve_one(bt_peer *p, bt_conn *c)
{
    bt_req q = g_array_index(c->queue, bt_req, 0);
    g_array_remove_index(c->queue, 0);
    bt_wire_put_piece_header(c->out, q.piece, q.begin, q.len);
    guint at = c->out->len;
    g_byte_array_set_size(c->out, at + q.len);
    if (!p->cfg.storage->read(p->cfg.storage_ud, q.piece, q.begin, c->out->data + at, q.len)) {
        g_byte_array_set_size(c->out, at - 13);
        drop(p, c, BT_DROP_STORAGE, NULL);
        return false;
    }
    c->payload_out += q.len;
    sent(p, c);
    uint64_t rate = p->cfg.max_upload_rate;
    if (rate) {
        /* 13 + 16384 bytes at most: the product stays far below 2^63. */
        uint64_t cost = ((uint64_t)(13 + q.len) * UINT64_C(1000000000) + rate - 1) / rate;
        p->up_next = MAX(p->up_next, p->now) + (int64_t)cost;
        p->up_last = c->id;
    }
    return true;
}

/* With an upload limit: while the limiter allows, one message to each
 * servable connection in turn, from the one after the last served. */
static void serve_limited(bt_peer *p)
{
    bool any = true;
    while (any && p->up_next <= p->now) {
        any = false;
        guint n = p->conns->len, start = 0;
        while (start < n && ((bt_conn *)g_ptr_array_index(p->conns, start))->id <= p->up_last)
            start++;
        for (guint k = 0; k < n && p->up_next <= p->now; k++) {
            bt_conn *c = g_ptr_array_index(p->conns, (start + k) % n);
            if (servable(c) && serve_one(p, c))
                any = true;
        }
    }
}

static void serve(bt_peer *p, bt_conn *c)
{
    if (p->cfg.max_upload_rate) {
        serve_limited(p);
        return;
    }
    while (servable(c) && serve_one(p, c)) {
    }
}

/* ---- unchoking ---- */

/* Why the choker runs: a peer's interest changed or a connection went
 * (between rounds), a round, or a round that also rotates the optimistic
 * unchoke (every BT_OPTIMISTIC_ROUNDS). */
typedef enum { RECHOKE_BETWEEN, RECHOKE_ROUND, RECHOKE_ROTATE } rechoke_why;

/* Downloading: by the rate at which the peer sent us blocks over the last
 * round (higher first); equal rates by all it ever sent us (more first),
 * so a peer that never sent us anything is never preferred to one that
 * did when both sent nothing in the last round; then the older (lower
 * id) first. */
static gint by_rate(gconstpointer a, gconstpointer b)
{
    const bt_conn *x = *(bt_conn *const *)a;
    const bt_conn *y = *(bt_conn *const *)b;
    if (x->rate_in != y->rate_in)
        return x->rate_in > y->rate_in ? -1 : 1;
    if (x->payload_in != y->payload_in)
        return x->payload_in > y->payload_in ? -1 : 1;
    return x->id < y->id ? -1 : (x->id > y->id ? 1 : 0);
}

/* Seeding: the unchoked first, the most recently unchoked first; then the
 * choked; equal ones by age (older first). */
static gint by_unchoke_time(gconstpointer a, gconstpointer b)
{
    const bt_conn *x = *(bt_conn *const *)a;
    const bt_conn *y = *(bt_conn *const *)b;
    if (x->am_choking != y->am_choking)
        return x->am_choking ? 1 : -1;
    if (!x->am_choking && x->unchoked_at != y->unchoked_at)
        return x->unchoked_at > y->unchoked_at ? -1 : 1;
    return x->id < y->id ? -1 : (x->id > y->id ? 1 : 0);
}

/* Draws one of cand not yet picked (and choked, when `choked_only`), a
 * connection younger than BT_NEW_CONN_NS weighing 3, the others 1; NULL
 * when none is left. O(candidates). */
static bt_conn *draw(bt_peer *p, GPtrArray *cand, const bool *picked, bool choked_only)
{
    uint64_t total = 0;
    for (guint i = 0; i < cand->len; i++) {
        bt_conn *c = g_ptr_array_index(cand, i);
        if (!picked[i] && (!choked_only || c->am_choking))
            total += p->now - c->added < BT_NEW_CONN_NS ? 3 : 1;
    }
    if (!total)
        return NULL;
    uint64_t k = bt_rng_below(&p->rng, total);
    for (guint i = 0; i < cand->len; i++) {
        bt_conn *c = g_ptr_array_index(cand, i);
        if (picked[i] || (choked_only && !c->am_choking))
            continue;
        uint64_t w = p->now - c->added < BT_NEW_CONN_NS ? 3 : 1;
        if (k < w)
            return c;
        k -= w;
    }
    return NULL;
}

/* The optimistic rotation (BEP 3: "which peer is optimistically unchoked
 * rotates every 30 seconds"): among cand[from..], the one whose turn came
 * longest ago (never: its place when it connected), ties (at the front)
 * to the older; NULL when there is none. O(candidates). */
static bt_conn *next_optimistic(GPtrArray *cand, guint from)
{
    bt_conn *best = NULL;
    for (guint i = from; i < cand->len; i++) {
        bt_conn *c = g_ptr_array_index(cand, i);
        if (!best || c->opt_turn < best->opt_turn || (c->opt_turn == best->opt_turn && c->id < best->id))
            best = c;
    }
    return best;
}

/* Leaves unchoked exactly the connections marked in `picked` (indices of
 * cand); every other connection is choked. `opt` is the optimistic
 * unchoke; one that stops being it goes to the back of the rotation. */
static void apply_choke(bt_peer *p, GPtrArray *cand, const bool *picked, const bt_conn *opt)
{
    for (guint i = 0; i < p->conns->len; i++) {
        bt_conn *c = g_ptr_array_index(p->conns, i);
        if (c->dead)
            continue;
        bool up = false;
        for (guint j = 0; j < cand->len && !up; j++)
            up = picked[j] && g_ptr_array_index(cand, j) == c;
        if (c->optimistic && c != opt)
            c->opt_turn = ++p->opt_seq; /* its turn is over: to the back of the rotation */
        c->optimistic = c == opt;
        if (up)
            do_unchoke(p, c);
        else
            do_choke(p, c);
    }
}

static guint index_of(GPtrArray *cand, const bt_conn *c)
{
    for (guint i = 0; i < cand->len; i++)
        if (g_ptr_array_index(cand, i) == c)
            return i;
    return cand->len;
}

/* The seeding choker (BitTorrent mainline from 4.0, described by Legout
 * et al., "Rarest first and choke algorithms are enough", IMC 2006; the
 * default of libtorrent's seed_choking_algorithm, round_robin): the
 * interested peers take turns, whatever their rates. At a round, the
 * unchoked are ordered by when they were unchoked, the most recent first;
 * in two rounds of three the first `upload_slots` are kept and one more
 * is drawn among the choked (among the others when none is choked) (as the optimistic unchoke is), in the third
 * the first upload_slots + 1 are kept. So the peer unchoked longest gives
 * its place to a new one in two rounds of three. Between rounds the
 * unchoked that are still interested are kept, and free places (of
 * upload_slots + 1) drawn among the others. */
static void rechoke_seeding(bt_peer *p, GPtrArray *cand, rechoke_why why)
{
    g_ptr_array_sort(cand, by_unchoke_time);
    guint places = p->cfg.upload_slots + 1;
    guint keep = why == RECHOKE_ROUND ? p->cfg.upload_slots : places;
    bool *picked = g_new0(bool, cand->len + 1);
    guint n = 0;
    for (guint i = 0; i < cand->len && n < keep; i++) {
        bt_conn *c = g_ptr_array_index(cand, i);
        if (c->am_choking)
            break;
        picked[i] = true;
        n++;
    }
    bt_conn *opt = NULL;
    for (; n < places; n++) {
        bt_conn *c = draw(p, cand, picked, true);
        if (!c)
            c = draw(p, cand, picked, false);
        if (!c)
            break;
        picked[index_of(cand, c)] = true;
        if (c->am_choking)
            opt = c;
    }
    apply_choke(p, cand, picked, opt);
    g_free(picked);
}

/* The choker: downloading, the upload_slots interested peers with the best
 * rate of the last round (by_rate) are unchoked, and one optimistic
 * unchoke among the other interested peers, drawn anew at a rotating round
 * or when the current one is gone, no longer interested or now among the
 * best; seeding, rechoke_seeding. Everyone else is choked. */
static void rechoke(bt_peer *p, rechoke_why why)
{
    if (p->cfg.free_rider)
        return;
    GPtrArray *cand = g_ptr_array_new();
    bt_conn *opt = NULL;
    for (guint i = 0; i < p->conns->len; i++) {
        bt_conn *c = g_ptr_array_index(p->conns, i);
        if (c->dead || !c->handshaken || !c->peer_interested)
            continue;
        g_ptr_array_add(cand, c);
        if (c->optimistic)
            opt = c;
    }
    if (p->stats.verified == p->n) {
        rechoke_seeding(p, cand, why);
        g_ptr_array_free(cand, TRUE);
        return;
    }
    g_ptr_array_sort(cand, by_rate);
    guint slots = MIN(cand->len, (guint)p->cfg.upload_slots);
    bool *picked = g_new0(bool, cand->len + 1);
    for (guint i = 0; i < slots; i++) {
        picked[i] = true;
        if (g_ptr_array_index(cand, i) == opt)
            opt = NULL;
    }
    if (opt && why == RECHOKE_ROTATE)
        opt->opt_turn = ++p->opt_seq; /* its turn is over: to the back */
    if (!opt || why == RECHOKE_ROTATE)
        opt = next_optimistic(cand, slots);
    if (opt)
        picked[index_of(cand, opt)] = true;
    apply_choke(p, cand, picked, opt);
    g_free(picked);
    g_ptr_array_free(cand, TRUE);
}

/* The choker between rounds (interest changed, a connection went): the
 * last round's rates, the optimistic unchoke kept. */
static void rechoke_between(bt_peer *p)
{
    rechoke(p, RECHOKE_BETWEEN);
}

/* A round every BT_CHOKE_INTERVAL_NS: the rates of the round just ended,
 * then the choker, rotating the optimistic unchoke every third round. */
static void choke_round(bt_peer *p)
{
    p->rounds++;
    for (guint i = 0; i < p->conns->len; i++) {
        bt_conn *c = g_ptr_array_index(p->conns, i);
        c->rate_in = c->payload_in - c->mark_in;
        c->mark_in = c->payload_in;
    }
    rechoke(p, p->rounds % BT_OPTIMISTIC_ROUNDS == 0 ? RECHOKE_ROTATE : RECHOKE_ROUND);
}

/* ---- pieces ---- */

static void piece_verified(bt_peer *p, bt_active *a)
{
    uint32_t i = a->index;
    p->have[i] = PIECE_HAVE;
    p->stats.verified++;
    g_ptr_array_remove(p->active, a);
    emit(p, BT_PEER_EV_PIECE_VERIFIED, 0, i);
    for (guint k = 0; k < p->conns->len; k++) {
        bt_conn *c = g_ptr_array_index(p->conns, k);
        if (c->dead)
            continue;
        /* Also before its handshake: the bitfield it was sent is older. */
        if (c->handshaken && bit_get(c->bits, i))
            c->wanted--;
        bt_wire_put_have(c->out, i);
        sent(p, c);
        set_interest(p, c);
    }
    if (p->stats.verified == p->n) {
        p->stats.completed_at = p->now;
        emit(p, BT_PEER_EV_COMPLETE, 0, 0);
    }
}

static void check_piece(bt_peer *p, bt_active *a)
{
    uint32_t i = a->index;
    uint32_t size = piece_size(p, i);
    bool ok = true;
    g_checksum_reset(p->sha1);
    for (uint32_t b = 0; b < size && ok; b += BT_BLOCK_SIZE) {
        uint32_t n = MIN((uint32_t)BT_BLOCK_SIZE, size - b);
        ok = p->cfg.storage->read(p->cfg.storage_ud, i, b, p->scratch, n);
        g_checksum_update(p->sha1, p->scratch, n);
    }
    uint8_t digest[20];
    gsize dlen = sizeof digest;
    g_checksum_get_digest(p->sha1, digest, &dlen);
    if (ok && memcmp(digest, p->hashes + (size_t)i * 20, 20) == 0) {
        piece_verified(p, a);
        return;
    }
    p->stats.hash_failures++;
    if (p->cfg.storage->discard)
        p->cfg.storage->discard(p->cfg.storage_ud, i);
    emit(p, BT_PEER_EV_HASH_FAILED, 0, i);
    uint32_t sender = a->from[0];
    bool one = true;
    for (uint32_t b = 1; b < a->nblocks; b++)
        if (a->from[b] != sender)
            one = false;
    memset(a->state, BLOCK_FREE, a->nblocks);
    memset(a->from, 0, a->nblocks * sizeof *a->from);
    a->received = 0;
    a->owner = 0;
    a->single = !one;
    if (one) {
        bt_conn *c = conn_find(p, sender);
        if (c && ++c->hashfails >= p->cfg.max_hashfails)
            drop(p, c, BT_DROP_HASHFAILS, NULL);
    }
    fill_all(p);
}

static void got_block(bt_peer *p, bt_conn *c, const bt_msg *m)
{
    c->snubbed = false;
    uint32_t r = 0;
    while (r < c->nreqs && !(c->reqs[r].piece == m->index && c->reqs[r].begin == m->begin
                             && c->reqs[r].len == m->length))
        r++;
    /* A block we asked of this connection, or one we asked of it before
     * it choked us or we gave the request up (cancel, timeout): still
     * useful while that block of the piece in progress has not come, so
     * it is kept rather than uploaded for nothing (a block may have left
     * before the choke or the cancel). It must be one whole block of
     * ours, and a piece that failed its check takes only what it asked. */
    bt_active *a = active_find(p, m->index);
    uint32_t b = m->begin / BT_BLOCK_SIZE;
    bool ours = r < c->nreqs;
    bool fits = a && m->begin % BT_BLOCK_SIZE == 0 && b < a->nblocks && m->length == block_len(p, m->index, b)
                && (ours || !a->single);
    if (!fits || a->state[b] == BLOCK_RECEIVED) {
        /* Unrequested and not ours to take, or already received from another. */
        if (ours)
            c->reqs[r] = c->reqs[--c->nreqs];
        p->stats.blocks_wasted++;
        return;
    }
    if (ours)
        c->reqs[r] = c->reqs[--c->nreqs];
    else
        p->stats.blocks_late++;
    c->payload_in += m->length;
    if (!p->cfg.storage->write(p->cfg.storage_ud, m->index, m->begin, m->data, m->length)) {
        if (!requested_elsewhere(p, c, m->index, m->begin))
            a->state[b] = BLOCK_FREE;
        p->stats.blocks_wasted++;
        return;
    }
    p->stats.blocks_received++;
    a->state[b] = BLOCK_RECEIVED;
    a->from[b] = c->id;
    a->received++;
    /* Endgame: the others asked for this block are told it came. */
    for (guint k = 0; k < p->conns->len; k++) {
        bt_conn *o = g_ptr_array_index(p->conns, k);
        if (o == c || o->dead)
            continue;
        for (uint32_t q = 0; q < o->nreqs; q++) {
            if (o->reqs[q].piece == m->index && o->reqs[q].begin == m->begin) {
                release_req(p, o, q, true);
                break;
            }
        }
    }
    if (a->received == a->nblocks)
        check_piece(p, a);
}

/* ---- messages ---- */

static void got_handshake(bt_peer *p, bt_conn *c, const bt_msg *m)
{
    if (memcmp(m->info_hash, p->cfg.info_hash, 20) != 0) {
        drop(p, c, BT_DROP_INFO_HASH, NULL);
        return;
    }
    if (memcmp(m->peer_id, p->cfg.peer_id, 20) == 0) {
        drop(p, c, BT_DROP_SELF, NULL);
        return;
    }
    for (guint i = 0; i < p->conns->len; i++) {
        bt_conn *o = g_ptr_array_index(p->conns, i);
        if (o != c && !o->dead && o->handshaken && memcmp(o->peer_id, m->peer_id, 20) == 0) {
            drop(p, c, BT_DROP_DUPLICATE, NULL);
            return;
        }
    }
    c->handshaken = true;
    memcpy(c->peer_id, m->peer_id, 20);
    emit(p, BT_PEER_EV_CONNECTED, c->id, 0);
    memcpy(g_array_index(p->events, bt_peer_event, p->events->len - 1).peer_id, m->peer_id, 20);
}

static void got_have(bt_peer *p, bt_conn *c, uint32_t i)
{
    if (bit_get(c->bits, i))
        return;
    bit_set(c->bits, i);
    c->peer_pieces++;
    p->avail[i]++;
    if (p->have[i] != PIECE_HAVE)
        c->wanted++;
    emit(p, BT_PEER_EV_HAVE, c->id, i);
    set_interest(p, c);
}

static void got_request(bt_peer *p, bt_conn *c, const bt_msg *m)
{
    if (c->am_choking)
        return;
    if (p->have[m->index] != PIECE_HAVE) {
        drop(p, c, BT_DROP_NOT_HAVE, NULL);
        return;
    }
    uint32_t size = piece_size(p, m->index);
    if (m->length == 0 || m->length > BT_BLOCK_SIZE || m->begin > size || m->length > size - m->begin) {
        drop(p, c, BT_DROP_BAD_REQUEST, NULL);
        return;
    }
    if (c->queue->len >= p->cfg.max_queue)
        return;
    for (guint i = 0; i < c->queue->len; i++) {
        const bt_req *q = &g_array_index(c->queue, bt_req, i);
        if (q->piece == m->index && q->begin == m->begin && q->len == m->length)
            return;
    }
    bt_req q = {m->index, m->begin, m->length, p->now};
    g_array_append_val(c->queue, q);
}

static void got_cancel(bt_conn *c, const bt_msg *m)
{
    for (guint i = 0; i < c->queue->len; i++) {
        const bt_req *q = &g_array_index(c->queue, bt_req, i);
        if (q->piece == m->index && q->begin == m->begin && q->len == m->length) {
            g_array_remove_index(c->queue, i);
            return;
        }
    }
}

static void got_message(bt_peer *p, bt_conn *c, const bt_msg *m)
{
    if (m->kind == BT_MSG_HANDSHAKE) {
        got_handshake(p, c, m);
        return;
    }
    if (m->kind == BT_MSG_KEEPALIVE)
        return;
    bool first = !c->first_done;
    c->first_done = true;
    switch (m->kind) {
    case BT_MSG_BITFIELD:
        /* BEP 3 wants it first; a later one is taken as haves when it keeps
         * every piece the peer announced (aria2 sends a bitfield instead of
         * several haves), and drops the peer when it takes one back. O(pieces). */
        if (!first) {
            for (uint32_t i = 0; i < p->n; i++)
                if (bit_get(c->bits, i) && !bit_get(m->data, i)) {
                    drop(p, c, BT_DROP_BITFIELD_LATE, NULL);
                    return;
                }
        }
        for (uint32_t i = 0; i < p->n; i++)
            if (bit_get(m->data, i))
                got_have(p, c, i);
        break;
    case BT_MSG_HAVE:
        got_have(p, c, m->index);
        break;
    case BT_MSG_CHOKE:
        if (!c->peer_choking) {
            c->peer_choking = true;
            release_all(p, c);
            emit(p, BT_PEER_EV_PEER_CHOKED, c->id, 0);
            fill_all(p);
        }
        break;
    case BT_MSG_UNCHOKE:
        if (c->peer_choking) {
            c->peer_choking = false;
            c->snubbed = false;
            emit(p, BT_PEER_EV_PEER_UNCHOKED, c->id, 0);
        }
        break;
    case BT_MSG_INTERESTED:
    case BT_MSG_NOT_INTERESTED:
        if (c->peer_interested != (m->kind == BT_MSG_INTERESTED)) {
            c->peer_interested = m->kind == BT_MSG_INTERESTED;
            rechoke_between(p);
        }
        break;
    case BT_MSG_REQUEST:
        got_request(p, c, m);
        break;
    case BT_MSG_PIECE:
        got_block(p, c, m);
        break;
    case BT_MSG_CANCEL:
        got_cancel(c, m);
        break;
    default:
        break; /* port: ignored */
    }
}

/* ---- public ---- */

G_DEFINE_QUARK(bt-peer-error-quark, bt_peer_error)

bt_peer *bt_peer_new(const bt_peer_config *cfg, int64_t now, GError **err)
{
    if (!cfg || !cfg->hashes || !cfg->storage || !cfg->storage->read || !cfg->storage->write
        || cfg->piece_length == 0 || cfg->piece_length > (1u << 26) || cfg->total_length == 0) {
        g_set_error(err, BT_PEER_ERROR, BT_PEER_ERROR_CONFIG,
                    "bt_peer: hashes, a store and sizes (piece length 1 to 2^26 bytes) are needed");
        return NULL;
    }
    uint64_t pieces = (cfg->total_length + cfg->piece_length - 1) / cfg->piece_length;
    if (pieces != cfg->n_pieces || pieces > BT_WIRE_MAX_PIECES) {
        g_set_error(err, BT_PEER_ERROR, BT_PEER_ERROR_CONFIG,
                    "bt_peer: %u piece hashes for %" G_GUINT64_FORMAT " pieces (at most %u)",
                    cfg->n_pieces, pieces, BT_WIRE_MAX_PIECES);
        return NULL;
    }
    bt_peer *p = g_new0(bt_peer, 1);
    p->cfg = *cfg;
    if (!p->cfg.pipeline)
        p->cfg.pipeline = BT_DEFAULT_PIPELINE;
    p->cfg.pipeline = MIN(p->cfg.pipeline, (unsigned)BT_MAX_PIPELINE);
    if (!p->cfg.upload_slots)
        p->cfg.upload_slots = BT_DEFAULT_UPLOAD_SLOTS;
    if (!p->cfg.max_queue)
        p->cfg.max_queue = BT_DEFAULT_MAX_QUEUE;
    p->cfg.max_queue = MIN(p->cfg.max_queue, (unsigned)BT_MAX_QUEUE);
    if (!p->cfg.max_hashfails)
        p->cfg.max_hashfails = BT_DEFAULT_MAX_HASHFAILS;
    if (!p->cfg.max_conns)
        p->cfg.max_conns = BT_DEFAULT_MAX_CONNS;
    if (p->cfg.idle_timeout_ns <= 0)
        p->cfg.idle_timeout_ns = BT_DEFAULT_IDLE_NS;
    p->n = cfg->n_pieces;
    p->bitfield_bytes = (p->n + 7) / 8;
    p->hashes = g_memdup2(cfg->hashes, (gsize)p->n * 20);
    p->cfg.hashes = p->hashes;
    p->have = g_malloc0(p->n);
    p->avail = g_new0(uint32_t, p->n);
    if (cfg->seed) {
        memset(p->have, PIECE_HAVE, p->n);
        p->stats.verified = p->n;
    }
    p->stats.completed_at = cfg->seed ? now : -1;
    p->active = g_ptr_array_new_with_free_func(active_free);
    p->conns = g_ptr_array_new();
    p->events = g_array_new(FALSE, TRUE, sizeof(bt_peer_event));
    p->next_id = 1;
    p->rng = cfg->seed_rng;
    p->now = now;
    p->next_round = now + BT_CHOKE_INTERVAL_NS;
    p->scratch = g_malloc(BT_BLOCK_SIZE);
    p->sha1 = g_checksum_new(G_CHECKSUM_SHA1);
    return p;
}

void bt_peer_free(bt_peer *p)
{
    if (!p)
        return;
    for (guint i = 0; i < p->conns->len; i++)
        conn_free(g_ptr_array_index(p->conns, i));
    g_ptr_array_free(p->conns, TRUE);
    g_ptr_array_free(p->active, TRUE);
    g_array_free(p->events, TRUE);
    g_checksum_free(p->sha1);
    g_free(p->scratch);
    g_free(p->hashes);
    g_free(p->have);
    g_free(p->avail);
    g_free(p);
}

uint32_t bt_peer_add_conn(bt_peer *p, int64_t now)
{
    p->now = now;
    if (p->conns->len >= p->cfg.max_conns || p->next_id == UINT32_MAX)
        return 0;
    bt_conn *c = g_new0(bt_conn, 1);
    c->id = p->next_id++;
    c->dec = bt_decoder_new(p->n, BT_BLOCK_SIZE);
    c->out = g_byte_array_new();
    c->queue = g_array_new(FALSE, FALSE, sizeof(bt_req));
    c->bits = g_malloc0(p->bitfield_bytes);
    c->reqs = g_new0(bt_req, p->cfg.pipeline);
    c->am_choking = true;
    c->peer_choking = true;
    c->added = c->last_recv = c->last_sent = now;
    /* BEP 3: a new connection is three times as likely to start as the
     * current optimistic unchoke as anywhere else in the rotation (the
     * front, or the back behind every connection already there). */
    uint64_t open = 0;
    for (guint i = 0; i < p->conns->len; i++)
        open += !((bt_conn *)g_ptr_array_index(p->conns, i))->dead;
    c->opt_turn = bt_rng_below(&p->rng, open + 3) < 3 ? 0 : ++p->opt_seq;
    g_ptr_array_add(p->conns, c);
    bt_wire_put_handshake(c->out, NULL, p->cfg.info_hash, p->cfg.peer_id);
    if (p->stats.verified > 0) {
        uint8_t *bits = g_malloc0(p->bitfield_bytes);
        for (uint32_t i = 0; i < p->n; i++)
            if (p->have[i] == PIECE_HAVE)
                bit_set(bits, i);
        bt_wire_put_bitfield(c->out, bits, p->bitfield_bytes);
        g_free(bits);
    }
    return c->id;
}

void bt_peer_feed(bt_peer *p, uint32_t conn, const uint8_t *data, size_t len, int64_t now)
{
    p->now = now;
    bt_conn *c = conn_find(p, conn);
    if (!c || !data)
        return;
    c->bytes_in += len;
    if (len)
        c->last_recv = now;
    size_t off = 0;
    while (off < len && !c->dead) {
        bt_msg m;
        bt_wire_status st;
        off += bt_decoder_feed(c->dec, data + off, len - off, &m, &st);
        if (st == BT_WIRE_ERROR) {
            drop(p, c, BT_DROP_WIRE, bt_wire_error_text(bt_decoder_error(c->dec)));
            break;
        }
        if (st == BT_WIRE_MESSAGE)
            got_message(p, c, &m);
    }
    fill_requests(p, c);
    serve(p, c);
    reap(p);
}

const uint8_t *bt_peer_output(const bt_peer *p, uint32_t conn, size_t *len)
{
    bt_conn *c = conn_find(p, conn);
    *len = c ? c->out->len : 0;
    return c && c->out->len ? c->out->data : NULL;
}

void bt_peer_consume(bt_peer *p, uint32_t conn, size_t n, int64_t now)
{
    p->now = now;
    bt_conn *c = conn_find(p, conn);
    if (!c)
        return;
    n = MIN(n, (size_t)c->out->len);
    g_byte_array_remove_range(c->out, 0, (guint)n);
    c->bytes_out += n;
    serve(p, c);
    reap(p);
}

void bt_peer_conn_closed(bt_peer *p, uint32_t conn, int64_t now)
{
    p->now = now;
    bt_conn *c = conn_find(p, conn);
    if (!c)
        return;
    drop(p, c, BT_DROP_NONE, "closed");
    reap(p);
}

void bt_peer_tick(bt_peer *p, int64_t now)
{
    p->now = now;
    for (guint i = 0; i < p->conns->len; i++) {
        bt_conn *c = g_ptr_array_index(p->conns, i);
        if (c->dead)
            continue;
        if (now - c->last_recv >= p->cfg.idle_timeout_ns) {
            drop(p, c, BT_DROP_IDLE, NULL);
            continue;
        }
        bool expired = false;
        for (uint32_t r = 0; r < c->nreqs;) {
            if (now - c->reqs[r].at >= BT_REQUEST_TIMEOUT_NS) {
                release_req(p, c, r, true);
                c->snubbed = true;
                expired = true;
            } else {
                r++;
            }
        }
        if (expired)
            fill_all(p);
    }
    if (now >= p->next_round) {
        choke_round(p);
        p->next_round += BT_CHOKE_INTERVAL_NS;
        if (p->next_round <= now)
            p->next_round = now + BT_CHOKE_INTERVAL_NS;
    }
    for (guint i = 0; i < p->conns->len; i++) {
        bt_conn *c = g_ptr_array_index(p->conns, i);
        if (!c->dead && now - c->last_sent >= BT_KEEPALIVE_NS) {
            bt_wire_put_keepalive(c->out);
            sent(p, c);
        }
        if (!p->cfg.max_upload_rate)
            serve(p, c);
    }
    if (p->cfg.max_upload_rate)
        serve_limited(p);
    reap(p);
}

int64_t bt_peer_next_deadline(const bt_peer *p)
{
    int64_t t = p->next_round;
    for (guint i = 0; i < p->conns->len; i++) {
        const bt_conn *c = g_ptr_array_index(p->conns, i);
        if (c->dead)
            continue;
        if (p->cfg.max_upload_rate && servable(c))
            t = MIN(t, MAX(p->up_next, p->now));
        t = MIN(t, c->last_recv + p->cfg.idle_timeout_ns);
        t = MIN(t, c->last_sent + BT_KEEPALIVE_NS);
        for (uint32_t r = 0; r < c->nreqs; r++)
            t = MIN(t, c->reqs[r].at + BT_REQUEST_TIMEOUT_NS);
    }
    return t;
}

bool bt_peer_next_event(bt_peer *p, bt_peer_event *ev)
{
    if (p->ev_head >= p->events->len) {
        g_array_set_size(p->events, 0);
        p->ev_head = 0;
        return false;
    }
    *ev = g_array_index(p->events, bt_peer_event, p->ev_head++);
    return true;
}

bool bt_peer_complete(const bt_peer *p)
{
    return p->stats.verified == p->n;
}

bool bt_peer_has_piece(const bt_peer *p, uint32_t piece)
{
    return piece < p->n && p->have[piece] == PIECE_HAVE;
}

const bt_peer_stats *bt_peer_get_stats(const bt_peer *p)
{
    return &p->stats;
}

bool bt_peer_conn_info(const bt_peer *p, uint32_t conn, bt_conn_info *info)
{
    const bt_conn *c = conn_find(p, conn);
    if (!c)
        return false;
    memset(info, 0, sizeof *info);
    info->handshaken = c->handshaken;
    info->am_choking = c->am_choking;
    info->am_interested = c->am_interested;
    info->peer_choking = c->peer_choking;
    info->peer_interested = c->peer_interested;
    info->optimistic = c->optimistic;
    info->peer_pieces = c->peer_pieces;
    info->outstanding = c->nreqs;
    info->queued = c->queue->len;
    info->bytes_in = c->bytes_in;
    info->bytes_out = c->bytes_out;
    info->payload_in = c->payload_in;
    info->payload_out = c->payload_out;
    info->hashfails = c->hashfails;
    info->added = c->added;
    return true;
}

size_t bt_peer_conns(const bt_peer *p, uint32_t *ids, size_t max)
{
    size_t k = 0;
    for (guint i = 0; i < p->conns->len && k < max; i++) {
        const bt_conn *c = g_ptr_array_index(p->conns, i);
        if (!c->dead)
            ids[k++] = c->id;
    }
    return k;
}

uint32_t bt_peer_availability(const bt_peer *p, uint32_t piece)
{
    return piece < p->n ? p->avail[piece] : 0;
}

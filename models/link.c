/*
 * link: one direction of a point-to-point link — a drop-tail queue in front
 * of a transmitter, then a wire with a propagation delay.
 *
 * A packet handed to a direction is queued (or dropped when the queue is
 * full); when the transmitter is free it takes the head of the queue and
 * holds it for L/R, the transmission time of its wire bytes. When the last
 * bit is sent the packet is lost if the link is down at that instant or if
 * a random draw says so; otherwise it arrives at the far node `delay`
 * later. Each step is its own event: tx end, then arrival.
 *
 * The queue limit counts waiting packets (and bytes), not the one being
 * transmitted: a limit of K-1 makes the direction an M/M/1/K system.
 */
#include "net_private.h"

#include <string.h>

#include "sim/sim_trace.h"

/* Emits one record about packet `p` at `now`, the current time (every
 * caller has it already: four records per hop, so the clock is read once
 * per event rather than once per record). */
static void trace_pkt(link_dir_t *d, sim_trace_kind kind, const pkt_t *p, uint32_t reason, sim_time_t now)
{
    sim_trace_t *bus = d->bus;
    if (!sim_trace_wants(bus, kind))
        return;
    sim_trace_rec rec = {.kind = kind,
                         .time = now,
                         .source = d->trace_src,
                         .reason = reason,
                         .bytes = pkt_wire_bytes(p),
                         .obj = p};
    sim_trace_emit(bus, &rec);
}

void link_dir_init(link_dir_t *d, net_t *net, link_t *link, node_t *src, node_t *dst,
                   const link_params_t *p)
{
    memset(d, 0, sizeof *d);
    d->net = net;
    d->link = link;
    d->src = src;
    d->dst = dst;
    d->p = *p;
    char *name = g_strdup_printf("%s:%s->%s", link->name, src->name, dst->name);
    d->bus = sim_trace(net->sim);
    d->trace_src = sim_trace_source(d->bus, name);
    if (d->trace_src >= net->dir_by_source->len)
        g_ptr_array_set_size(net->dir_by_source, (gint)d->trace_src + 1);
    g_ptr_array_index(net->dir_by_source, d->trace_src) = d;
    char *stream = g_strdup_printf("link:%s:loss", name);
    sim_rng_init(&d->rng, sim_seed(net->sim), stream);
    g_free(stream);
    g_free(name);
}

void link_dir_clear(link_dir_t *d)
{
    /* Queued packets belong to the pool, which the net clears. */
    d->head = d->tail = NULL;
    d->qlen = 0;
}

bool link_is_down(const link_t *link, sim_time_t t)
{
    if (!link->down)
        return false;
    for (guint i = 0; i < link->down->len; i++) {
        const down_interval *iv = &g_array_index(link->down, down_interval, i);
        if (t < iv->start)
            return false;
        if (t < iv->end)
            return true;
    }
    return false;
}

static void queue_account(link_dir_t *d, sim_time_t now)
{
    d->q_area += (double)d->qlen * (double)(now - d->q_last);
    d->q_last = now;
}

static void arrive(sim_t *sim, void *ctx, void *arg);
static void tx_end(sim_t *sim, void *ctx, void *arg);

static void start_tx(link_dir_t *d, pkt_t *p, sim_time_t now)
{
    sim_t *sim = d->net->sim;
    d->busy = true;
    d->busy_since = now;
    d->st.waits++;
    d->wait_sum += now - p->enqueued;
    trace_pkt(d, SIM_TR_TX_START, p, 0, now);
    sim_schedule_in(sim, sim_tx_time(pkt_wire_bytes(p), d->p.rate_bps), tx_end, d, p);
}

static void tx_end(sim_t *sim, void *ctx, void *arg)
{
    link_dir_t *d = ctx;
    pkt_t *p = arg;
    sim_time_t now = sim_now(sim);
    d->busy = false;
    d->st.busy += now - MAX(d->busy_since, d->stats_start);
    d->st.tx_pkts++;
    d->st.tx_bytes += pkt_wire_bytes(p);
    trace_pkt(d, SIM_TR_TX, p, 0, now);

    if (link_is_down(d->link, now)) {
        d->st.drops_down++;
        trace_pkt(d, SIM_TR_DROP, p, NET_DROP_DOWN, now);
        pkt_release(&d->net->pool, p);
    } else if (d->p.loss > 0 && sim_rng_bernoulli(&d->rng, d->p.loss)) {
        d->st.drops_loss++;
        trace_pkt(d, SIM_TR_DROP, p, NET_DROP_LOSS, now);
        pkt_release(&d->net->pool, p);
    } else {
        sim_schedule_in(sim, d->p.delay, arrive, d, p);
    }

    if (d->head) {
        queue_account(d, now);
        pkt_t *next = d->head;
        d->head = next->next;
        if (!d->head)
            d->tail = NULL;
        next->next = NULL;
        d->qlen--;
        d->qbytes -= pkt_wire_bytes(next);
        start_tx(d, next, now);
    }
}

static void arrive(sim_t *sim, void *ctx, void *arg)
{
    link_dir_t *d = ctx;
    pkt_t *p = arg;
    d->st.rx_pkts++;
    d->st.rx_bytes += pkt_wire_bytes(p);
    trace_pkt(d, SIM_TR_RX, p, 0, sim_now(sim));
    net_node_receive(d->net, d->dst, p);
}

void link_dir_send(link_dir_t *d, pkt_t *p)
{
    uint64_t bytes = pkt_wire_bytes(p);
    sim_time_t now = sim_now(d->net->sim);
    p->enqueued = now;
    p->next = NULL;
    if (d->busy && ((d->p.queue_pkts && d->qlen >= d->p.queue_pkts) ||
                    (d->p.queue_bytes && d->qbytes + bytes > d->p.queue_bytes))) {
        d->st.drops_queue++;
        trace_pkt(d, SIM_TR_DROP, p, NET_DROP_QUEUE, now);
        pkt_release(&d->net->pool, p);
        return;
    }
    trace_pkt(d, SIM_TR_ENQUEUE, p, 0, now);
    if (!d->busy) {
        start_tx(d, p, now);
        return;
    }
    queue_account(d, now);
    if (d->tail)
        d->tail->next = p;
    else
        d->head = p;
    d->tail = p;
    d->qlen++;
    d->qbytes += bytes;
    if (d->qlen > d->st.max_queue_pkts)
        d->st.max_queue_pkts = d->qlen;
    if (d->qbytes > d->st.max_queue_bytes)
        d->st.max_queue_bytes = d->qbytes;
}

void link_dir_stats(const link_dir_t *d, link_stats_t *out)
{
    sim_time_t now = sim_now(d->net->sim);
    *out = d->st;
    out->elapsed = now - d->stats_start;
    if (d->busy)
        out->busy += now - MAX(d->busy_since, d->stats_start);
    double area = d->q_area + (double)d->qlen * (double)(now - d->q_last);
    out->utilisation = out->elapsed > 0 ? (double)out->busy / (double)out->elapsed : 0;
    out->mean_queue_pkts = out->elapsed > 0 ? area / (double)out->elapsed : 0;
    out->mean_wait_s = d->st.waits ? sim_time_to_s(d->wait_sum) / (double)d->st.waits : 0;
}

void link_dir_reset_stats(link_dir_t *d)
{
    sim_time_t now = sim_now(d->net->sim);
    memset(&d->st, 0, sizeof d->st);
    d->stats_start = now;
    d->q_last = now;
    d->q_area = 0;
    d->wait_sum = 0;
    d->st.max_queue_pkts = d->qlen;
    d->st.max_queue_bytes = d->qbytes;
}

const link_params_t *link_dir_params(const link_dir_t *d) { return &d->p; }
node_t *link_dir_src(const link_dir_t *d) { return d->src; }
node_t *link_dir_dst(const link_dir_t *d) { return d->dst; }
uint32_t link_dir_trace_source(const link_dir_t *d) { return d->trace_src; }
uint32_t link_dir_queue_pkts(const link_dir_t *d) { return d->qlen; }

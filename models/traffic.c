/* traffic: the Poisson packet source and the delay-recording sink. */
#include "traffic.h"

#include <math.h>

#include "sim/sim_rng.h"

struct traffic_src {
    net_t *net;
    node_t *from;
    uint32_t dst;
    traffic_poisson_params p;
    double pareto_xm;
    sim_rng_t gaps, sizes;
    sim_event_id next;
    uint64_t sent;
};

static uint32_t draw_size(traffic_src_t *s)
{
    double x;
    switch (s->p.sizes) {
    case TRAFFIC_SIZE_EXPONENTIAL: x = sim_rng_exponential(&s->sizes, s->p.mean_bytes); break;
    case TRAFFIC_SIZE_PARETO: x = sim_rng_pareto(&s->sizes, s->p.pareto_alpha, s->pareto_xm); break;
    case TRAFFIC_SIZE_UNIFORM: x = sim_rng_uniform(&s->sizes, 0, 2 * s->p.mean_bytes); break;
    case TRAFFIC_SIZE_FIXED:
    default: x = s->p.mean_bytes; break;
    }
    x = nearbyint(x);
    if (x < 1)
        x = 1;
    if (x > UINT32_MAX)
        x = UINT32_MAX;
    return (uint32_t)x;
}

static void emit(sim_t *sim, void *ctx, void *arg)
{
    (void)arg;
    traffic_src_t *s = ctx;
    s->next = SIM_EVENT_NONE;
    sim_time_t now = sim_now(sim);
    if ((s->p.stop && now >= s->p.stop) || (s->p.max_packets && s->sent >= s->p.max_packets))
        return;
    pkt_t *p = pkt_alloc(net_pool(s->net), now);
    p->proto = PKT_PROTO_RAW;
    p->dst = s->dst;
    p->hdr_bytes = s->p.hdr_bytes;
    pkt_set_payload(p, NULL, draw_size(s));
    s->sent++;
    net_send(s->net, s->from, p);
    double gap = sim_rng_exponential(&s->gaps, 1e9 / s->p.rate_pps);
    s->next = sim_schedule_in(sim, (sim_time_t)llround(gap), emit, s, NULL);
}

traffic_src_t *traffic_poisson_new(net_t *net, node_t *from, node_t *to,
                                   const traffic_poisson_params *p, const char *name, GError **err)
{
    if (!(p->rate_pps > 0) || !(p->mean_bytes >= 1) ||
        (p->sizes == TRAFFIC_SIZE_PARETO && !(p->pareto_alpha > 1))) {
        g_set_error(err, NET_ERROR, NET_ERROR_INVALID,
                    "traffic \"%s\": need rate > 0, mean size >= 1 byte and, for Pareto, shape > 1",
                    name);
        return NULL;
    }
    if (!from || !to || net_node_by_addr(net, node_addr(from)) != from ||
        net_node_by_addr(net, node_addr(to)) != to) {
        g_set_error(err, NET_ERROR, NET_ERROR_NOT_FOUND,
                    "traffic \"%s\": both ends must be nodes of this network", name);
        return NULL;
    }
    traffic_src_t *s = g_new0(traffic_src_t, 1);
    s->net = net;
    s->from = from;
    s->dst = node_addr(to);
    s->p = *p;
    s->pareto_xm = p->mean_bytes * (p->pareto_alpha - 1) / p->pareto_alpha;
    uint64_t seed = sim_seed(net_sim(net));
    char *stream = g_strdup_printf("traffic:%s:gaps", name);
    sim_rng_init(&s->gaps, seed, stream);
    g_free(stream);
    stream = g_strdup_printf("traffic:%s:sizes", name);
    sim_rng_init(&s->sizes, seed, stream);
    g_free(stream);
    s->next = sim_schedule_in(net_sim(net), 0, emit, s, NULL);
    return s;
}

void traffic_src_free(traffic_src_t *s)
{
    if (!s)
        return;
    sim_cancel(net_sim(s->net), s->next);
    g_free(s);
}

uint64_t traffic_src_sent(const traffic_src_t *s) { return s->sent; }

struct traffic_sink {
    net_t *net;
    sim_time_t warmup;
    traffic_sink_stats_t st;
    double m2; /* Welford's running sum of squared deviations */
};

static void sink_receive(void *ctx, node_t *host, pkt_t *pkt)
{
    (void)host;
    traffic_sink_t *k = ctx;
    if (pkt->created >= k->warmup) {
        double x = sim_time_to_s(sim_now(net_sim(k->net)) - pkt->created);
        k->st.packets++;
        k->st.bytes += pkt->len;
        double delta = x - k->st.mean_s;
        k->st.mean_s += delta / (double)k->st.packets;
        k->m2 += delta * (x - k->st.mean_s);
        if (x > k->st.max_s)
            k->st.max_s = x;
    }
    pkt_release(net_pool(k->net), pkt);
}

traffic_sink_t *traffic_sink_new(net_t *net)
{
    traffic_sink_t *k = g_new0(traffic_sink_t, 1);
    k->net = net;
    net_set_handler(net, PKT_PROTO_RAW, sink_receive, k);
    return k;
}

void traffic_sink_free(traffic_sink_t *k)
{
    if (!k)
        return;
    net_set_handler(k->net, PKT_PROTO_RAW, NULL, NULL);
    g_free(k);
}

void traffic_sink_set_warmup(traffic_sink_t *k, sim_time_t t) { k->warmup = t; }

void traffic_sink_stats(const traffic_sink_t *k, traffic_sink_stats_t *out)
{
    *out = k->st;
    out->var_s2 = k->st.packets > 1 ? k->m2 / (double)(k->st.packets - 1) : 0;
}

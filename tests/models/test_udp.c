/* Tests of models/udp: binding, delivery with real bytes, ports, closing. */
#include <glib.h>
#include <string.h>

#include "models/udp.h"
#include "sim/sim_trace.h"
#include "test_util.h"

typedef struct {
    sim_t *sim;
    int count;
    char data[64];
    uint32_t len, src;
    uint16_t sport;
    bool length_only;
    sim_time_t at, sent;
    udp_sock_t *echo; /* when set, sends every datagram back */
} inbox;

static void on_recv(void *ctx, udp_sock_t *sock, const udp_dgram_t *d)
{
    (void)sock;
    inbox *in = ctx;
    in->count++;
    in->len = d->len;
    in->src = d->src;
    in->sport = d->sport;
    in->sent = d->sent;
    in->at = sim_now(in->sim);
    in->length_only = d->data == NULL;
    if (d->data && d->len < sizeof in->data) {
        memcpy(in->data, d->data, d->len);
        in->data[d->len] = 0;
    }
    if (in->echo)
        udp_sendto(in->echo, d->src, d->sport, d->data, d->len);
}

typedef struct {
    sim_t *sim;
    net_t *net;
    udp_stack_t *udp;
    node_t *client, *server;
} world;

/* client --(1 Mbps, 10 ms)-- router --(1 Mbps, 10 ms)-- server */
static world make_world(void)
{
    world w;
    w.sim = sim_new(1);
    w.net = net_new(w.sim);
    w.client = net_add_host(w.net, "client", NULL);
    w.server = net_add_host(w.net, "server", NULL);
    node_t *r = net_add_router(w.net, "r", NULL);
    link_params_t p = {.rate_bps = 1000000, .delay = SIM_MS(10)};
    net_link(w.net, "c-r", w.client, r, &p, NULL, NULL);
    net_link(w.net, "r-s", r, w.server, &p, NULL, NULL);
    w.udp = udp_stack_new(w.net);
    return w;
}

static void free_world(world *w)
{
    udp_stack_free(w->udp);
    net_free(w->net);
    sim_free(w->sim);
}

static void test_datagram_round_trip(void)
{
    world w = make_world();
    inbox at_server = {.sim = w.sim}, at_client = {.sim = w.sim};
    GError *err = NULL;
    udp_sock_t *srv = udp_open(w.udp, w.server, 53, on_recv, &at_server, &err);
    udp_sock_t *cli = udp_open(w.udp, w.client, 0, on_recv, &at_client, &err);
    CU_ASSERT_PTR_NULL_FATAL(err);
    at_server.echo = srv;
    CU_ASSERT_EQUAL(udp_sock_port(cli), 49152);
    CU_ASSERT_TRUE(udp_sendto(cli, node_addr(w.server), 53, "query", 5));
    sim_run(w.sim);
    CU_ASSERT_EQUAL(at_server.count, 1);
    CU_ASSERT_STRING_EQUAL(at_server.data, "query");
    CU_ASSERT_EQUAL(at_server.src, node_addr(w.client));
    CU_ASSERT_EQUAL(at_server.sport, 49152);
    /* 5 + 28 bytes = 264 us per hop at 1 Mbps, plus 10 ms, over 2 hops */
    CU_ASSERT_EQUAL(at_server.at, 2 * (SIM_US(264) + SIM_MS(10)));
    CU_ASSERT_EQUAL(at_client.count, 1);
    CU_ASSERT_STRING_EQUAL(at_client.data, "query");
    CU_ASSERT_EQUAL(at_client.at, 4 * (SIM_US(264) + SIM_MS(10)));
    CU_ASSERT_EQUAL(at_client.sent, at_server.at);
    free_world(&w);
}

static void test_length_only_payload(void)
{
    world w = make_world();
    inbox in = {.sim = w.sim};
    udp_sock_t *srv = udp_open(w.udp, w.server, 9, on_recv, &in, NULL);
    udp_sock_t *cli = udp_open(w.udp, w.client, 0, on_recv, NULL, NULL);
    (void)srv;
    udp_sendto(cli, node_addr(w.server), 9, NULL, 100000);
    sim_run(w.sim);
    CU_ASSERT_EQUAL(in.count, 1);
    CU_ASSERT_EQUAL(in.len, 100000);
    CU_ASSERT_TRUE(in.length_only);
    free_world(&w);
}

static void count_drops(void *ctx, const sim_trace_rec *rec)
{
    if (rec->reason == NET_DROP_NO_HANDLER)
        (*(int *)ctx)++;
}

static void test_ports_and_close(void)
{
    world w = make_world();
    inbox in = {.sim = w.sim};
    GError *err = NULL;
    udp_sock_t *s = udp_open(w.udp, w.server, 7, on_recv, &in, &err);
    CU_ASSERT_PTR_NULL(udp_open(w.udp, w.server, 7, on_recv, &in, &err));
    CU_ASSERT_TRUE(g_error_matches(err, NET_ERROR, NET_ERROR_EXISTS));
    g_clear_error(&err);
    udp_sock_t *other = udp_open(w.udp, w.client, 7, on_recv, &in, &err); /* other host: fine */
    CU_ASSERT_PTR_NOT_NULL(other);
    int drops = 0;
    sim_trace_subscribe(sim_trace(w.sim), SIM_TR_MASK(SIM_TR_DROP), count_drops, &drops);
    udp_sendto(other, node_addr(w.server), 8, "x", 1); /* nobody on 8 */
    udp_sendto(other, node_addr(w.server), 7, "y", 1);
    /* Close the receiver while the second datagram is in flight. */
    sim_run_until(w.sim, SIM_MS(5));
    udp_close(s);
    sim_run(w.sim);
    CU_ASSERT_EQUAL(in.count, 0);
    CU_ASSERT_EQUAL(drops, 2);
    /* The port is free again. */
    s = udp_open(w.udp, w.server, 7, on_recv, &in, &err);
    CU_ASSERT_PTR_NOT_NULL(s);
    free_world(&w);
}

int main(void)
{
    static const test_case tests[] = {
        TEST(test_datagram_round_trip),
        TEST(test_length_only_payload),
        TEST(test_ports_and_close),
    };
    return test_main("models/udp", tests, G_N_ELEMENTS(tests));
}

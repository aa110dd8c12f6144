/*
 * test_server: the authoritative DNS server application (dns_server.h) in
 * the simulator: a client host speaks encoded DNS to it by datagram and
 * over TCP.
 */
#include <string.h>

#include "models/sim_host.h"
#include "protocols/dns/dns_server.h"
#include "test_util.h"

#define RATE 10000000u
#define DELAY SIM_MS(5)

static const char zone_text[] = "$ORIGIN example.com.\n"
                                "$TTL 3600\n"
                                "@ SOA ns hostmaster 1 7200 1800 604800 300\n"
                                "  NS ns\n"
                                "ns A 192.0.2.1\n"
                                "www A 192.0.2.80\n";

/* ---- a world of hosts joined through one router ---------------------------- */

typedef struct {
    sim_t *sim;
    net_t *net;
    tcp_stack_t *tcp;
    udp_stack_t *udp;
    node_t *router;
    sim_host_t *hosts[8];
    const char *names[8];
    int n;
} world;

/* Hosts joined by one link each to a router (or, for two hosts without
 * a router, to each other). */
static void world_init(world *w, const char *const *names, int n, bool star)
{
    memset(w, 0, sizeof *w);
    w->sim = sim_new(1);
    w->net = net_new(w->sim);
    link_params_t lp = {.rate_bps = RATE, .delay = DELAY};
    node_t *nodes[8];
    for (int i = 0; i < n; i++)
        nodes[i] = net_add_host(w->net, names[i], NULL);
    if (star) {
        w->router = net_add_router(w->net, "r", NULL);
        for (int i = 0; i < n; i++) {
            char *ln = g_strdup_printf("l%d", i);
            net_link(w->net, ln, nodes[i], w->router, &lp, NULL, NULL);
            g_free(ln);
        }
    } else {
        net_link(w->net, "l", nodes[0], nodes[1], &lp, NULL, NULL);
    }
    w->tcp = tcp_stack_new(w->net, NULL);
    w->udp = udp_stack_new(w->net);
    for (int i = 0; i < n; i++) {
        w->hosts[i] = sim_host_new(w->tcp, nodes[i], NULL);
        sim_host_set_udp(w->hosts[i], w->udp);
        w->names[i] = names[i];
    }
    w->n = n;
}

static host_env *env_of(world *w, int i) { return sim_host_env(w->hosts[i]); }

static void world_clear(world *w)
{
    for (int i = 0; i < w->n; i++)
        sim_host_free(w->hosts[i]);
    udp_stack_free(w->udp);
    tcp_stack_free(w->tcp);
    net_free(w->net);
    sim_free(w->sim);
}

static dns_auth *auth_of(const char *text, const char *origin)
{
    dns_auth *a = dns_auth_new();
    GError *err = NULL;
    dns_zone *z = dns_zone_parse(text, strlen(text), origin, origin, &err);
    if (err)
        printf("\n%s\n", err->message);
    CU_ASSERT_PTR_NOT_NULL_FATAL(z);
    CU_ASSERT_TRUE_FATAL(dns_auth_add_zone(a, z, NULL));
    return a;
}

/* ---- a datagram client ----------------------------------------------------- */

typedef struct {
    sim_t *sim;
    host_env *env;
    host_dgram *sock;
    GPtrArray *replies; /* of GBytes* */
    GArray *times;      /* sim_time_t of each */
} udp_client;

static void on_reply(void *ud, host_dgram *s, const host_datagram *d)
{
    (void)s;
    udp_client *c = ud;
    g_ptr_array_add(c->replies, g_bytes_new(d->data, d->data ? d->len : 0));
    sim_time_t t = sim_now(c->sim);
    g_array_append_val(c->times, t);
}

static void udp_client_init(udp_client *c, world *w, int host)
{
    c->sim = w->sim;
    c->env = env_of(w, host);
    c->sock = host_dgram_open(c->env, 0, on_reply, c, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c->sock);
    c->replies = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
    c->times = g_array_new(FALSE, FALSE, sizeof(sim_time_t));
}

static void udp_client_clear(udp_client *c)
{
    host_dgram_close(c->env, c->sock);
    g_ptr_array_unref(c->replies);
    g_array_unref(c->times);
}

/* The wire form of a query (new array). */
static GByteArray *query_wire(uint16_t id, const char *name, uint16_t type, bool rd, int edns_size)
{
    dns_msg q;
    dns_msg_init(&q);
    q.id = id;
    q.rd = rd;
    dns_msg_set_question(&q, name, type, DNS_CLASS_IN);
    if (edns_size > 0) {
        q.edns = true;
        q.edns_udp_size = (uint16_t)edns_size;
    }
    GByteArray *b = g_byte_array_new();
    CU_ASSERT_EQUAL(dns_msg_encode(&q, DNS_MSG_MAX, b, NULL), DNS_OK);
    dns_msg_clear(&q);
    return b;
}

static void send_raw(udp_client *c, const char *to, const void *data, size_t len)
{
    CU_ASSERT_TRUE(host_dgram_send(c->env, c->sock, to, DNS_PORT, data, len, 0, NULL));
}

static void send_query(udp_client *c, const char *to, uint16_t id, const char *name, uint16_t type,
                       bool rd, int edns_size, size_t *len)
{
    GByteArray *b = query_wire(id, name, type, rd, edns_size);
    send_raw(c, to, b->data, b->len);
    if (len)
        *len = b->len;
    g_byte_array_unref(b);
}

/* Decodes reply i into m; the reply's length in *len. */
static void reply_msg(udp_client *c, guint i, dns_msg *m, size_t *len)
{
    CU_ASSERT_FATAL(i < c->replies->len);
    gsize n;
    const uint8_t *p = g_bytes_get_data(g_ptr_array_index(c->replies, i), &n);
    CU_ASSERT_EQUAL(dns_msg_decode(p, n, m), DNS_OK);
    if (len)
        *len = n;
}

/* The world of most tests: "client" (node 0) and "ns" (node 1) on one
 * link. */
static void pair_init(world *w)
{
    static const char *const names[] = {"client", "ns"};
    world_init(w, names, 2, false);
}

/* Frees a test's server, its zone data and its world, in that order. */
static void server_end(world *w, dns_auth *a, dns_server *srv)
{
    dns_server_free(srv);
    dns_auth_free(a);
    world_clear(w);
}

/* ---- UDP: an answer, and its timing ------------------------------------------- */

static void test_udp_answer_timing(void)
{
    world w;
    pair_init(&w);
    dns_auth *a = auth_of(zone_text, "example.com");
    dns_server *srv = dns_server_new(env_of(&w, 1), a, NULL, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(srv);
    CU_ASSERT_EQUAL(dns_server_port(srv), 53);
    udp_client c;
    udp_client_init(&c, &w, 0);
    size_t qlen;
    send_query(&c, "ns", 0xbeef, "www.example.com", DNS_T_A, true, 0, &qlen);
    sim_run_until(w.sim, SIM_S(1));
    CU_ASSERT_EQUAL_FATAL(c.replies->len, 1);
    dns_msg m;
    dns_msg_init(&m);
    size_t alen;
    reply_msg(&c, 0, &m, &alen);
    CU_ASSERT_EQUAL(m.id, 0xbeef);
    CU_ASSERT_TRUE(m.qr);
    CU_ASSERT_TRUE(m.aa);
    CU_ASSERT_TRUE(m.rd);
    CU_ASSERT_FALSE(m.ra);
    CU_ASSERT_FALSE(m.tc);
    CU_ASSERT_FALSE(m.edns);
    CU_ASSERT_EQUAL(m.rcode, DNS_RCODE_NOERROR);
    CU_ASSERT_EQUAL_FATAL(dns_msg_count(&m, DNS_SEC_ANSWER), 1);
    CU_ASSERT_EQUAL(memcmp(dns_msg_rr(&m, DNS_SEC_ANSWER, 0)->addr, "\xc0\0\2\x50", 4), 0);
    /* One round trip plus the two transmissions, UDP/IP headers included. */
    uint16_t hdr = net_header_bytes(w.net, PKT_PROTO_UDP);
    sim_time_t expect = 2 * DELAY + sim_tx_time(qlen + hdr, RATE) + sim_tx_time(alen + hdr, RATE);
    CU_ASSERT_EQUAL(g_array_index(c.times, sim_time_t, 0), expect);

    /* EDNS is echoed with the server's size; NXDOMAIN is counted. */
    send_query(&c, "ns", 2, "nope.example.com", DNS_T_A, false, 4096, NULL);
    send_query(&c, "ns", 3, "www.example.org", DNS_T_A, false, 0, NULL);
    sim_run_until(w.sim, SIM_S(2));
    CU_ASSERT_EQUAL_FATAL(c.replies->len, 3);
    reply_msg(&c, 1, &m, NULL);
    CU_ASSERT_EQUAL(m.rcode, DNS_RCODE_NXDOMAIN);
    CU_ASSERT_TRUE(m.edns);
    CU_ASSERT_EQUAL(m.edns_udp_size, 1232);
    CU_ASSERT_EQUAL(dns_msg_count(&m, DNS_SEC_AUTHORITY), 1);
    reply_msg(&c, 2, &m, NULL);
    CU_ASSERT_EQUAL(m.rcode, DNS_RCODE_REFUSED);
    const dns_server_stats *st = dns_server_get_stats(srv);
    CU_ASSERT_EQUAL(st->queries_udp, 3);
    CU_ASSERT_EQUAL(st->answers[DNS_RCODE_NOERROR], 1);
    CU_ASSERT_EQUAL(st->answers[DNS_RCODE_NXDOMAIN], 1);
    CU_ASSERT_EQUAL(st->answers[DNS_RCODE_REFUSED], 1);
    CU_ASSERT_EQUAL(st->dropped, 0);
    dns_msg_clear(&m);
    udp_client_clear(&c);
    server_end(&w, a, srv);
}

/* Records: off by default, one per answer when asked for. */
typedef struct {
    GPtrArray *rows;
} sink;

static void on_record(void *ud, const char *host, int64_t now, const char *kind, const char *text)
{
    (void)now;
    sink *s = ud;
    g_ptr_array_add(s->rows, g_strdup_printf("%s %s %s", host, kind, text));
}

/* Records of the server "ns" into `s` (a new list), and a default
 * configuration with records on into `cfg`. */
static void records_on(world *w, sink *s, dns_server_config *cfg)
{
    s->rows = g_ptr_array_new_with_free_func(g_free);
    sim_host_set_record_sink(w->hosts[1], on_record, s);
    dns_server_config_default(cfg);
    cfg->records = true;
}

static void test_records_and_port(void)
{
    world w;
    pair_init(&w);
    sink s;
    dns_server_config cfg;
    records_on(&w, &s, &cfg);
    cfg.port = 0;
    dns_auth *a = auth_of(zone_text, "example.com");
    dns_server *srv = dns_server_new(env_of(&w, 1), a, &cfg, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(srv);
    uint16_t port = dns_server_port(srv);
    CU_ASSERT_TRUE(port >= 49152);
    /* A second server on the same port cannot start. */
    cfg.port = port;
    GError *err = NULL;
    CU_ASSERT_PTR_NULL(dns_server_new(env_of(&w, 1), a, &cfg, &err));
    CU_ASSERT_PTR_NOT_NULL(err);
    g_clear_error(&err);
    udp_client c;
    udp_client_init(&c, &w, 0);
    GByteArray *q = query_wire(1, "www.example.com", DNS_T_A, false, 0);
    CU_ASSERT_TRUE(host_dgram_send(c.env, c.sock, "ns", port, q->data, q->len, 0, NULL));
    g_byte_array_unref(q);
    sim_run_until(w.sim, SIM_S(1));
    CU_ASSERT_EQUAL(c.replies->len, 1);
    CU_ASSERT_EQUAL_FATAL(s.rows->len, 1);
    const char *row = g_ptr_array_index(s.rows, 0);
    CU_ASSERT_TRUE(g_str_has_prefix(row, "ns dns-query udp "));
    CU_ASSERT_TRUE(g_str_has_suffix(row, " www.example.com A NOERROR 1"));
    udp_client_clear(&c);
    server_end(&w, a, srv);
    g_ptr_array_unref(s.rows);
}

/* ---- garbage ---------------------------------------------------------------------- */

static void test_garbage(void)
{
    world w;
    pair_init(&w);
    dns_auth *a = auth_of(zone_text, "example.com");
    dns_server *srv = dns_server_new(env_of(&w, 1), a, NULL, NULL);
    udp_client c;
    udp_client_init(&c, &w, 0);
    /* Too short for a header: nothing. */
    send_raw(&c, "ns", "hello", 5);
    sim_run_until(w.sim, SIM_MS(100));
    CU_ASSERT_EQUAL(c.replies->len, 0);
    /* A header, then nonsense: FORMERR with the id and rd. */
    static const uint8_t bad[] = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 0xff, 0xff};
    send_raw(&c, "ns", bad, sizeof bad);
    sim_run_until(w.sim, SIM_MS(200));
    CU_ASSERT_EQUAL_FATAL(c.replies->len, 1);
    dns_msg m;
    dns_msg_init(&m);
    reply_msg(&c, 0, &m, NULL);
    CU_ASSERT_EQUAL(m.id, 0x1234);
    CU_ASSERT_TRUE(m.qr);
    CU_ASSERT_TRUE(m.rd);
    CU_ASSERT_EQUAL(m.rcode, DNS_RCODE_FORMERR);
    /* A response (qr set), and a length-only datagram: nothing. */
    static const uint8_t resp[] = {0x12, 0x35, 0x81, 0x00, 0, 0, 0, 0, 0, 0, 0, 0};
    send_raw(&c, "ns", resp, sizeof resp);
    CU_ASSERT_TRUE(host_dgram_send(c.env, c.sock, "ns", DNS_PORT, NULL, 40, 0, NULL));
    sim_run_until(w.sim, SIM_MS(300));
    CU_ASSERT_EQUAL(c.replies->len, 1);
    const dns_server_stats *st = dns_server_get_stats(srv);
    CU_ASSERT_EQUAL(st->formerr, 1);
    CU_ASSERT_EQUAL(st->dropped, 3);
    /* Random datagrams (a fixed seed): every reply is a response that
     * decodes, and every datagram is either answered or dropped. */
    GRand *rnd = g_rand_new_with_seed(42);
    int sent = 0;
    for (int i = 0; i < 300; i++) {
        uint8_t buf[64];
        size_t len = (size_t)g_rand_int_range(rnd, 0, sizeof buf + 1);
        for (size_t k = 0; k < len; k++)
            buf[k] = (uint8_t)g_rand_int_range(rnd, 0, 256);
        if (i % 3 == 0 && len >= 12) {
            /* Mostly valid headers: a query with one question. */
            buf[2] &= 0x7f;
            buf[4] = 0;
            buf[5] = 1;
        }
        if (len == 0)
            continue;
        send_raw(&c, "ns", buf, len);
        sent++;
    }
    g_rand_free(rnd);
    sim_run_until(w.sim, SIM_S(5));
    uint64_t answered = 0;
    for (int k = 0; k < DNS_SERVER_RCODES; k++)
        answered += st->answers[k];
    CU_ASSERT_EQUAL(st->queries_udp, (uint64_t)sent + 4);
    CU_ASSERT_EQUAL(answered + st->dropped, st->queries_udp);
    CU_ASSERT_EQUAL(c.replies->len, answered);
    CU_ASSERT_TRUE(st->formerr > 10);
    for (guint i = 0; i < c.replies->len; i++) {
        reply_msg(&c, i, &m, NULL);
        CU_ASSERT_TRUE(m.qr);
    }
    dns_msg_clear(&m);
    udp_client_clear(&c);
    server_end(&w, a, srv);
}

/* ---- TCP clients ---------------------------------------------------------------------- */

typedef struct {
    world *w;
    stream_t *s;
    GByteArray *send; /* written on connect */
    dns_tcp_reader rd;
    GPtrArray *msgs; /* of GBytes* */
    bool closed, failed;
    bool no_read; /* stop reading once connected */
    sim_time_t closed_at;
} tcp_client;

static void tc_connected(void *ud, stream_t *s)
{
    tcp_client *c = ud;
    if (c->send->len)
        CU_ASSERT_EQUAL(stream_write(s, c->send->data, c->send->len), c->send->len);
    if (c->no_read)
        stream_set_reading(s, false);
}

static void tc_data(void *ud, stream_t *s, const uint8_t *data, size_t len)
{
    (void)s;
    tcp_client *c = ud;
    CU_ASSERT_PTR_NOT_NULL_FATAL(data);
    while (len > 0) {
        size_t took = dns_tcp_reader_feed(&c->rd, data, len);
        data += took;
        len -= took;
        const uint8_t *m;
        size_t n;
        while (dns_tcp_reader_next(&c->rd, &m, &n))
            g_ptr_array_add(c->msgs, g_bytes_new(m, n));
        if (took == 0)
            break;
    }
}

static void tc_peer_closed(void *ud, stream_t *s)
{
    tcp_client *c = ud;
    c->closed = true;
    c->closed_at = sim_now(c->w->sim);
    stream_close(s);
}

static void tc_error(void *ud, stream_t *s, stream_err e)
{
    (void)s;
    (void)e;
    tcp_client *c = ud;
    c->failed = true;
    c->closed_at = sim_now(c->w->sim);
}

static const stream_handler tc_handler = {
    .connected = tc_connected, .data = tc_data, .peer_closed = tc_peer_closed, .error = tc_error};

static void tcp_client_start(tcp_client *c, world *w, int host, const char *to)
{
    memset(c, 0, sizeof *c);
    c->w = w;
    c->send = g_byte_array_new();
    dns_tcp_reader_init(&c->rd);
    c->msgs = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
    c->closed_at = -1;
    c->s = host_connect(env_of(w, host), to, DNS_PORT, &tc_handler, c, NULL);
    CU_ASSERT_PTR_NOT_NULL(c->s);
}

static void tcp_client_add(tcp_client *c, uint16_t id, const char *name, uint16_t type)
{
    dns_msg q;
    dns_msg_init(&q);
    q.id = id;
    dns_msg_set_question(&q, name, type, DNS_CLASS_IN);
    CU_ASSERT_EQUAL(dns_msg_encode_tcp(&q, c->send), DNS_OK);
    dns_msg_clear(&q);
}

static void tcp_client_clear(tcp_client *c)
{
    g_byte_array_unref(c->send);
    dns_tcp_reader_clear(&c->rd);
    g_ptr_array_unref(c->msgs);
}

static void tcp_msg(tcp_client *c, guint i, dns_msg *m)
{
    CU_ASSERT_FATAL(i < c->msgs->len);
    gsize n;
    const uint8_t *p = g_bytes_get_data(g_ptr_array_index(c->msgs, i), &n);
    CU_ASSERT_EQUAL(dns_msg_decode(p, n, m), DNS_OK);
}

/* A zone with a large RRset: 40 A records at big.example.com. */
static dns_auth *big_auth(void)
{
    GString *t = g_string_new(zone_text);
    for (int i = 0; i < 40; i++)
        g_string_append_printf(t, "big A 198.51.100.%d\n", i + 1);
    dns_auth *a = auth_of(t->str, "example.com");
    g_string_free(t, TRUE);
    return a;
}

static void test_truncation_then_tcp(void)
{
    world w;
    pair_init(&w);
    dns_auth *a = big_auth();
    dns_server *srv = dns_server_new(env_of(&w, 1), a, NULL, NULL);
    udp_client c;
    udp_client_init(&c, &w, 0);
    send_query(&c, "ns", 10, "big.example.com", DNS_T_A, false, 0, NULL);
    send_query(&c, "ns", 11, "big.example.com", DNS_T_A, false, 4096, NULL);
    sim_run_until(w.sim, SIM_S(1));
    CU_ASSERT_EQUAL_FATAL(c.replies->len, 2);
    dns_msg m;
    dns_msg_init(&m);
    size_t len;
    reply_msg(&c, 0, &m, &len);
    CU_ASSERT_EQUAL(m.id, 10);
    CU_ASSERT_TRUE(m.tc);
    CU_ASSERT_TRUE(len <= 512);
    CU_ASSERT_TRUE(dns_msg_count(&m, DNS_SEC_ANSWER) < 40);
    reply_msg(&c, 1, &m, &len); /* EDNS: up to 1232 bytes, all of it fits */
    CU_ASSERT_FALSE(m.tc);
    CU_ASSERT_TRUE(len > 512 && len <= 1232);
    CU_ASSERT_EQUAL(dns_msg_count(&m, DNS_SEC_ANSWER), 40);
    CU_ASSERT_EQUAL(dns_server_get_stats(srv)->truncated, 1);

    /* The same query over TCP: whole. */
    tcp_client t;
    tcp_client_start(&t, &w, 0, "ns");
    tcp_client_add(&t, 12, "big.example.com", DNS_T_A);
    sim_run_until(w.sim, SIM_S(2));
    CU_ASSERT_EQUAL_FATAL(t.msgs->len, 1);
    tcp_msg(&t, 0, &m);
    CU_ASSERT_EQUAL(m.id, 12);
    CU_ASSERT_FALSE(m.tc);
    CU_ASSERT_EQUAL(dns_msg_count(&m, DNS_SEC_ANSWER), 40);
    CU_ASSERT_EQUAL(dns_server_get_stats(srv)->queries_tcp, 1);
    CU_ASSERT_FALSE(t.closed); /* the connection stays open */
    dns_msg_clear(&m);
    tcp_client_clear(&t);
    udp_client_clear(&c);
    server_end(&w, a, srv);
}

static void test_tcp_pipelined_and_idle(void)
{
    world w;
    pair_init(&w);
    dns_auth *a = big_auth();
    dns_server *srv = dns_server_new(env_of(&w, 1), a, NULL, NULL);
    /* Two queries in one write, answered in order on one connection. */
    tcp_client t;
    tcp_client_start(&t, &w, 0, "ns");
    tcp_client_add(&t, 21, "big.example.com", DNS_T_A);
    tcp_client_add(&t, 22, "www.example.com", DNS_T_A);
    tcp_client_add(&t, 23, "nope.example.com", DNS_T_A);
    /* A silent connection. */
    tcp_client idle;
    tcp_client_start(&idle, &w, 0, "ns");
    sim_run_until(w.sim, SIM_S(1));
    CU_ASSERT_EQUAL_FATAL(t.msgs->len, 3);
    dns_msg m;
    dns_msg_init(&m);
    tcp_msg(&t, 0, &m);
    CU_ASSERT_EQUAL(m.id, 21);
    CU_ASSERT_EQUAL(dns_msg_count(&m, DNS_SEC_ANSWER), 40);
    tcp_msg(&t, 1, &m);
    CU_ASSERT_EQUAL(m.id, 22);
    CU_ASSERT_EQUAL(dns_msg_count(&m, DNS_SEC_ANSWER), 1);
    tcp_msg(&t, 2, &m);
    CU_ASSERT_EQUAL(m.id, 23);
    CU_ASSERT_EQUAL(m.rcode, DNS_RCODE_NXDOMAIN);
    const dns_server_stats *st = dns_server_get_stats(srv);
    CU_ASSERT_EQUAL(st->connections, 2);
    CU_ASSERT_EQUAL(st->queries_tcp, 3);
    /* Both connections fall silent: closed after the idle timeout (10 s
     * from their last byte), not before. */
    sim_run_until(w.sim, SIM_S(10));
    CU_ASSERT_FALSE(idle.closed);
    sim_run_until(w.sim, SIM_S(12));
    CU_ASSERT_TRUE(idle.closed);
    CU_ASSERT_TRUE(t.closed);
    CU_ASSERT_TRUE(idle.closed_at > SIM_S(10) && idle.closed_at < SIM_S(10) + SIM_MS(50));
    CU_ASSERT_EQUAL(st->idle_closed, 2);
    dns_msg_clear(&m);
    tcp_client_clear(&t);
    tcp_client_clear(&idle);
    server_end(&w, a, srv);
}

/* The connection limit, and a broken length prefix. */
static void test_tcp_limits(void)
{
    world w;
    pair_init(&w);
    dns_auth *a = auth_of(zone_text, "example.com");
    dns_server_config cfg;
    dns_server_config_default(&cfg);
    cfg.max_connections = 2;
    dns_server *srv = dns_server_new(env_of(&w, 1), a, &cfg, NULL);
    tcp_client t[3];
    for (int i = 0; i < 3; i++) {
        tcp_client_start(&t[i], &w, 0, "ns");
        tcp_client_add(&t[i], (uint16_t)(30 + i), "www.example.com", DNS_T_A);
    }
    sim_run_until(w.sim, SIM_S(1));
    CU_ASSERT_EQUAL(t[0].msgs->len, 1);
    CU_ASSERT_EQUAL(t[1].msgs->len, 1);
    CU_ASSERT_EQUAL(t[2].msgs->len, 0);
    CU_ASSERT_TRUE(t[2].closed || t[2].failed);
    CU_ASSERT_EQUAL(dns_server_get_stats(srv)->refused, 1);
    /* A length prefix of 5: the stream is unusable, the connection is
     * closed (after the first connections leave, there is room). */
    sim_run_until(w.sim, SIM_S(12));
    tcp_client b;
    tcp_client_start(&b, &w, 0, "ns");
    static const uint8_t broken[] = {0, 5, 1, 2, 3, 4, 5};
    g_byte_array_append(b.send, broken, sizeof broken);
    sim_run_until(w.sim, SIM_S(13));
    CU_ASSERT_TRUE(b.closed || b.failed);
    CU_ASSERT_TRUE(b.closed_at < SIM_MS(12100));
    CU_ASSERT_EQUAL(b.msgs->len, 0);
    for (int i = 0; i < 3; i++)
        tcp_client_clear(&t[i]);
    tcp_client_clear(&b);
    server_end(&w, a, srv);
}

/* A record of a TCP query names the transport and the client. */
static void test_tcp_record(void)
{
    world w;
    pair_init(&w);
    sink s;
    dns_server_config cfg;
    records_on(&w, &s, &cfg);
    dns_auth *a = auth_of(zone_text, "example.com");
    dns_server *srv = dns_server_new(env_of(&w, 1), a, &cfg, NULL);
    tcp_client t;
    tcp_client_start(&t, &w, 0, "ns");
    tcp_client_add(&t, 5, "", DNS_T_NS);
    tcp_client_add(&t, 6, "example.com", DNS_T_SOA);
    sim_run_until(w.sim, SIM_S(1));
    CU_ASSERT_EQUAL(t.msgs->len, 2);
    CU_ASSERT_EQUAL_FATAL(s.rows->len, 2);
    const char *r0 = g_ptr_array_index(s.rows, 0), *r1 = g_ptr_array_index(s.rows, 1);
    CU_ASSERT_TRUE(g_str_has_prefix(r0, "ns dns-query tcp "));
    CU_ASSERT_FALSE(g_str_has_prefix(r0, "ns dns-query tcp ? "));
    CU_ASSERT_TRUE(g_str_has_suffix(r0, " . NS REFUSED 0"));
    CU_ASSERT_TRUE(g_str_has_suffix(r1, " example.com SOA NOERROR 1"));
    tcp_client_clear(&t);
    server_end(&w, a, srv);
    g_ptr_array_unref(s.rows);
}

/* Back-pressure: a client that does not read its answers makes the
 * server stop reading its queries; what the server holds stays bounded,
 * and once the client reads, every answer comes, in order. */
static void test_tcp_backpressure(void)
{
    world w;
    pair_init(&w);
    dns_auth *a = big_auth();
    dns_server *srv = dns_server_new(env_of(&w, 1), a, NULL, NULL);
    tcp_client t;
    tcp_client_start(&t, &w, 0, "ns");
    t.no_read = true;
    enum { N = 400 };
    for (int i = 0; i < N; i++)
        tcp_client_add(&t, (uint16_t)i, "big.example.com", DNS_T_A);
    sim_run_until(w.sim, SIM_S(5));
    const dns_server_stats *st = dns_server_get_stats(srv);
    CU_ASSERT_EQUAL(t.msgs->len, 0);
    CU_ASSERT_TRUE(st->queries_tcp > 10 && st->queries_tcp < N); /* it stopped reading */
    CU_ASSERT_TRUE(st->tcp_buffered > 0);
    CU_ASSERT_TRUE(st->tcp_buffered_peak <= (64u << 10) + DNS_SERVER_PIPELINE * 2000u);
    stream_set_reading(t.s, true);
    sim_run_until(w.sim, SIM_S(9)); /* within the idle timeout of the last byte */
    CU_ASSERT_EQUAL_FATAL(t.msgs->len, N);
    dns_msg m;
    dns_msg_init(&m);
    for (int i = 0; i < N; i++) {
        tcp_msg(&t, (guint)i, &m);
        CU_ASSERT_EQUAL(m.id, i);
        CU_ASSERT_EQUAL(dns_msg_count(&m, DNS_SEC_ANSWER), 40);
    }
    CU_ASSERT_EQUAL(st->queries_tcp, N);
    CU_ASSERT_EQUAL(st->tcp_buffered, 0);
    CU_ASSERT_FALSE(t.closed);
    dns_msg_clear(&m);
    tcp_client_clear(&t);
    server_end(&w, a, srv);
}

/* ---- recurse_referrals: the textbook's recursive query ---------------------------------- */

/* The hosts in creation order; their addresses follow it (10.0.0.1 up)
 * where the host takes address literals, else the relay falls back to
 * the name server's name, which is the host's name. */
static const char *const chain_names[] = {"cse.nyu.edu", "dns.nyu.edu", "a.root-servers.net",
                                          "a.edu-servers.net", "dns.umass.edu"};

static void test_recurse_referrals(void)
{
    world w;
    world_init(&w, chain_names, 5, true);
    /* The local server knows where the root server is (its hints, as a
     * delegation of edu to it); root, TLD and authoritative zones. */
    static const char local_zone[] = "$TTL 60\n@ SOA dns.nyu.edu. hm.nyu.edu. 1 2 3 4 5\n"
                                     "  NS dns.nyu.edu.\n"
                                     "dns.nyu.edu. A 10.0.0.2\n"
                                     "edu. NS a.root-servers.net.\n"
                                     "a.root-servers.net. A 10.0.0.3\n";
    static const char root_zone[] = "$TTL 60\n@ SOA a.root-servers.net. hm.nic. 1 2 3 4 5\n"
                                    "  NS a.root-servers.net.\n"
                                    "a.root-servers.net. A 10.0.0.3\n"
                                    "edu. NS a.edu-servers.net.\n"
                                    "a.edu-servers.net. A 10.0.0.4\n";
    static const char tld_zone[] = "$TTL 60\n@ SOA a.edu-servers.net. hm.nic. 1 2 3 4 5\n"
                                   "  NS a.edu-servers.net.\n"
                                   "umass NS dns.umass.edu.\n"
                                   "dns.umass A 10.0.0.5\n";
    static const char auth_zone[] = "$TTL 60\n@ SOA dns hm 1 2 3 4 5\n"
                                    "  NS dns\n"
                                    "dns A 10.0.0.5\n"
                                    "gaia.cs A 128.119.245.12\n";
    dns_auth *auths[4] = {auth_of(local_zone, "."), auth_of(root_zone, "."), auth_of(tld_zone, "edu"),
                          auth_of(auth_zone, "umass.edu")};
    dns_server *srv[4];
    dns_server_config cfg;
    dns_server_config_default(&cfg);
    cfg.recurse_referrals = true;
    for (int i = 0; i < 4; i++) {
        cfg.seed = (uint64_t)i + 100;
        srv[i] = dns_server_new(env_of(&w, i + 1), auths[i], &cfg, NULL);
        CU_ASSERT_PTR_NOT_NULL_FATAL(srv[i]);
    }
    udp_client c;
    udp_client_init(&c, &w, 0);
    send_query(&c, "dns.nyu.edu", 0x4242, "gaia.cs.umass.edu", DNS_T_A, true, 0, NULL);
    sim_run_until(w.sim, SIM_S(5));
    CU_ASSERT_EQUAL_FATAL(c.replies->len, 1);
    dns_msg m;
    dns_msg_init(&m);
    reply_msg(&c, 0, &m, NULL);
    CU_ASSERT_EQUAL(m.id, 0x4242);
    CU_ASSERT_TRUE(m.qr);
    CU_ASSERT_TRUE(m.rd);
    CU_ASSERT_TRUE(m.ra);
    CU_ASSERT_TRUE(m.aa); /* the authoritative server's answer, relayed */
    CU_ASSERT_FALSE(m.edns); /* the client sent none */
    CU_ASSERT_EQUAL(m.rcode, DNS_RCODE_NOERROR);
    CU_ASSERT_EQUAL_FATAL(dns_msg_count(&m, DNS_SEC_ANSWER), 1);
    CU_ASSERT_EQUAL(memcmp(dns_msg_rr(&m, DNS_SEC_ANSWER, 0)->addr, "\x80\x77\xf5\x0c", 4), 0);
    /* Eight messages: the client's query, three relayed queries, four
     * answers; no retransmission. */
    uint64_t msgs = 1;
    for (int i = 0; i < 4; i++) {
        const dns_server_stats *st = dns_server_get_stats(srv[i]);
        msgs += st->relayed + st->relay_retries;
        for (int k = 0; k < DNS_SERVER_RCODES; k++)
            msgs += st->answers[k];
        CU_ASSERT_EQUAL(st->relay_retries, 0);
        CU_ASSERT_EQUAL(st->relay_failures, 0);
        CU_ASSERT_EQUAL(st->relayed, i < 3 ? 1 : 0);
    }
    CU_ASSERT_EQUAL(msgs, 8);
    /* Eight one-way trips, each over two links of 5 ms. */
    sim_time_t at = g_array_index(c.times, sim_time_t, 0);
    CU_ASSERT_TRUE(at > 8 * 2 * DELAY && at < 8 * 2 * DELAY + SIM_MS(10));

    /* Without RD, the local server answers with its referral. */
    send_query(&c, "dns.nyu.edu", 0x4243, "gaia.cs.umass.edu", DNS_T_A, false, 0, NULL);
    sim_run_until(w.sim, SIM_MS(5100));
    CU_ASSERT_EQUAL_FATAL(c.replies->len, 2);
    reply_msg(&c, 1, &m, NULL);
    CU_ASSERT_FALSE(m.aa);
    CU_ASSERT_FALSE(m.ra);
    CU_ASSERT_EQUAL(dns_msg_count(&m, DNS_SEC_ANSWER), 0);
    CU_ASSERT_EQUAL(dns_msg_count(&m, DNS_SEC_AUTHORITY), 1);

    /* Over TCP, a relayed answer and a direct one pipelined behind it
     * keep their order. */
    tcp_client t;
    tcp_client_start(&t, &w, 0, "dns.nyu.edu");
    dns_msg q;
    dns_msg_init(&q);
    q.id = 77;
    q.rd = true;
    dns_msg_set_question(&q, "gaia.cs.umass.edu", DNS_T_A, DNS_CLASS_IN);
    CU_ASSERT_EQUAL(dns_msg_encode_tcp(&q, t.send), DNS_OK);
    q.id = 78;
    dns_msg_set_question(&q, "", DNS_T_SOA, DNS_CLASS_IN);
    CU_ASSERT_EQUAL(dns_msg_encode_tcp(&q, t.send), DNS_OK);
    dns_msg_clear(&q);
    sim_run_until(w.sim, SIM_MS(5500));
    CU_ASSERT_EQUAL_FATAL(t.msgs->len, 2);
    tcp_msg(&t, 0, &m);
    CU_ASSERT_EQUAL(m.id, 77);
    CU_ASSERT_TRUE(m.ra);
    CU_ASSERT_EQUAL(dns_msg_count(&m, DNS_SEC_ANSWER), 1);
    tcp_msg(&t, 1, &m);
    CU_ASSERT_EQUAL(m.id, 78);
    CU_ASSERT_TRUE(m.aa);
    CU_ASSERT_EQUAL(dns_msg_count(&m, DNS_SEC_ANSWER), 1);
    stream_close(t.s);
    tcp_client_clear(&t);

    /* A silent next server: three sends a second apart, then SERVFAIL. */
    dns_server_free(srv[1]);
    srv[1] = NULL;
    send_query(&c, "dns.nyu.edu", 0x4244, "gaia.cs.umass.edu", DNS_T_A, true, 0, NULL);
    sim_run_until(w.sim, SIM_S(20));
    CU_ASSERT_EQUAL_FATAL(c.replies->len, 3);
    reply_msg(&c, 2, &m, NULL);
    CU_ASSERT_EQUAL(m.id, 0x4244);
    CU_ASSERT_EQUAL(m.rcode, DNS_RCODE_SERVFAIL);
    CU_ASSERT_TRUE(m.ra);
    sim_time_t sent_at = SIM_MS(5500);
    sim_time_t got = g_array_index(c.times, sim_time_t, 2);
    CU_ASSERT_TRUE(got > sent_at + SIM_S(3) && got < sent_at + SIM_S(3) + SIM_MS(50));
    const dns_server_stats *ls = dns_server_get_stats(srv[0]);
    CU_ASSERT_EQUAL(ls->relay_retries, 2);
    CU_ASSERT_EQUAL(ls->relay_failures, 1);
    CU_ASSERT_EQUAL(ls->answers[DNS_RCODE_SERVFAIL], 1);
    dns_msg_clear(&m);
    udp_client_clear(&c);
    for (int i = 0; i < 4; i++) {
        dns_server_free(srv[i]);
        dns_auth_free(auths[i]);
    }
    world_clear(&w);
}

int main(void)
{
    static const test_case tests[] = {
        TEST(test_udp_answer_timing),   TEST(test_records_and_port),
        TEST(test_garbage),             TEST(test_truncation_then_tcp),
        TEST(test_tcp_pipelined_and_idle), TEST(test_tcp_limits),
        TEST(test_tcp_backpressure),    TEST(test_tcp_record),
        TEST(test_recurse_referrals),
    };
    return test_main("protocols/dns/server", tests, G_N_ELEMENTS(tests));
}

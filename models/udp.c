/* udp: port demultiplexing and datagram delivery. */
#include "udp.h"

#include "net_private.h"

struct udp_stack {
    net_t *net;
    GHashTable *socks; /* (addr << 16 | port) -> udp_sock_t*; lookup only */
};

struct udp_sock {
    udp_stack_t *stack;
    node_t *host;
    uint16_t port;
    udp_recv_fn fn;
    void *ctx;
};

static guint64 key_of(uint32_t addr, uint16_t port) { return ((guint64)addr << 16) | port; }

static void deliver(sim_t *sim, void *ctx, void *arg)
{
    (void)sim;
    udp_stack_t *st = ctx;
    pkt_t *p = arg;
    guint64 key = key_of(p->dst, p->dport);
    udp_sock_t *s = g_hash_table_lookup(st->socks, &key);
    if (!s) {
        net_drop(st->net, net_node_by_addr(st->net, p->dst), p, NET_DROP_NO_HANDLER);
        return;
    }
    udp_dgram_t d = {.src = p->src,
                     .dst = p->dst,
                     .sport = p->sport,
                     .dport = p->dport,
                     .data = p->data,
                     .len = p->len,
                     .sent = p->created,
                     .tag = p->tx_echo};
    s->fn(s->ctx, s, &d);
    pkt_release(&st->net->pool, p);
}

static void on_packet(void *ctx, node_t *host, pkt_t *pkt)
{
    (void)host;
    udp_stack_t *st = ctx;
    sim_schedule_in(st->net->sim, 0, deliver, st, pkt);
}

udp_stack_t *udp_stack_new(net_t *net)
{
    udp_stack_t *st = g_new0(udp_stack_t, 1);
    st->net = net;
    st->socks = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
    net_set_handler(net, PKT_PROTO_UDP, on_packet, st);
    return st;
}

void udp_stack_free(udp_stack_t *st)
{
    if (!st)
        return;
    net_set_handler(st->net, PKT_PROTO_UDP, NULL, NULL);
    g_hash_table_destroy(st->socks);
    g_free(st);
}

udp_sock_t *udp_open(udp_stack_t *st, node_t *host, uint16_t port, udp_recv_fn fn, void *ctx,
                     GError **err)
{
    if (!host || net_node_by_addr(st->net, node_addr(host)) != host) {
        g_set_error(err, NET_ERROR, NET_ERROR_NOT_FOUND, "udp: the host is not in this network");
        return NULL;
    }
    if (port == 0) {
        for (uint32_t p = 49152; p <= 65535; p++) {
            guint64 k = key_of(node_addr(host), (uint16_t)p);
            if (!g_hash_table_contains(st->socks, &k)) {
                port = (uint16_t)p;
                break;
            }
        }
        if (port == 0) {
            g_set_error(err, NET_ERROR, NET_ERROR_EXISTS, "udp: no free port on \"%s\"",
                        node_name(host));
            return NULL;
        }
    }
    guint64 key = key_of(node_addr(host), port);
    if (g_hash_table_contains(st->socks, &key)) {
        g_set_error(err, NET_ERROR, NET_ERROR_EXISTS, "udp: port %u on \"%s\" is already bound",
                    port, node_name(host));
        return NULL;
    }
    udp_sock_t *s = g_new0(udp_sock_t, 1);
    s->stack = st;
    s->host = host;
    s->port = port;
    s->fn = fn;
    s->ctx = ctx;
    g_hash_table_insert(st->socks, g_memdup2(&key, sizeof key), s);
    return s;
}

void udp_close(udp_sock_t *s)
{
    if (!s)
        return;
    guint64 key = key_of(node_addr(s->host), s->port);
    g_hash_table_remove(s->stack->socks, &key); /* frees s */
}

uint16_t udp_sock_port(const udp_sock_t *s) { return s->port; }
node_t *udp_sock_host(const udp_sock_t *s) { return s->host; }

bool udp_sendto(udp_sock_t *s, uint32_t dst, uint16_t dport, const void *data, uint32_t len)
{
    return udp_sendto_tagged(s, dst, dport, data, len, 0);
}

bool udp_sendto_tagged(udp_sock_t *s, uint32_t dst, uint16_t dport, const void *data, uint32_t len,
                       uint64_t tag)
{
    net_t *net = s->stack->net;
    pkt_t *p = pkt_alloc(&net->pool, sim_now(net->sim));
    p->proto = PKT_PROTO_UDP;
    p->dst = dst;
    p->sport = s->port;
    p->dport = dport;
    p->hdr_bytes = net->hdr_udp;
    p->tx_echo = tag;
    pkt_set_payload(p, data, len);
    return net_send(net, s->host, p);
}

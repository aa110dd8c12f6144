/* server_world: a simulated client and server for the server suites. */
#include "server_world.h"

#include <string.h>

void sw_world_init(sw_world *w, http_store *store, const http_server_config *c)
{
    memset(w, 0, sizeof *w);
    w->sim = sim_new(1);
    w->net = net_new(w->sim);
    node_t *cn = net_add_host(w->net, "client", NULL), *sn = net_add_host(w->net, "server", NULL);
    link_params_t lp = {.rate_bps = 100000000, .delay = SIM_MS(5)};
    net_link(w->net, "link", cn, sn, &lp, NULL, NULL);
    w->tcp = tcp_stack_new(w->net, NULL);
    w->ch = sim_host_new(w->tcp, cn, NULL);
    w->sh = sim_host_new(w->tcp, sn, NULL);
    w->store = store;
    if (!w->store) {
        w->store = http_store_new();
        http_store_add(w->store, "/index.html", 11, "text/html", "<p>hi</p>\r\n", SIM_HOST_EPOCH - 3600,
                       SIM_HOST_EPOCH + 3600);
        http_store_add(w->store, "/big.bin", 100000, NULL, NULL, SIM_HOST_EPOCH - 3600, 0);
    }
    w->server = http_server_new(sim_host_env(w->sh), w->store, c, NULL);
}

void sw_world_clear(sw_world *w)
{
    http_server_free(w->server);
    http_store_free(w->store);
    sim_host_free(w->ch);
    sim_host_free(w->sh);
    tcp_stack_free(w->tcp);
    net_free(w->net);
    sim_free(w->sim);
}

static void pace(void *ud)
{
    sw_client *c = ud;
    c->pacer = 0;
    if (c->closed || c->failed || c->body_off >= c->body_len)
        return;
    size_t n = MIN(c->piece, c->body_len - c->body_off);
    c->body_off += stream_write(c->s, c->body + c->body_off, n);
    if (c->body_off < c->body_len)
        c->pacer = host_timer(sim_host_env(c->w->ch), c->interval, pace, c);
}

static void on_connected(void *ud, stream_t *s)
{
    sw_client *c = ud;
    stream_write(s, c->request, c->request_len);
    if (c->no_read)
        stream_set_reading(s, false);
    if (c->body)
        c->pacer = host_timer(sim_host_env(c->w->ch), c->interval, pace, c);
}

static void on_data(void *ud, stream_t *s, const uint8_t *d, size_t len)
{
    (void)s;
    sw_client *c = ud;
    if (c->first_byte < 0)
        c->first_byte = sim_now(c->w->sim);
    for (size_t i = 0; i < len; i++)
        g_string_append_c(c->reply, d && d[i] ? (char)d[i] : '.');
}

static void on_peer_closed(void *ud, stream_t *s)
{
    sw_client *c = ud;
    c->closed = true;
    c->closed_at = sim_now(c->w->sim);
    stream_close(s);
}

static void on_error(void *ud, stream_t *s, stream_err err)
{
    (void)s;
    (void)err;
    sw_client *c = ud;
    c->failed = true;
    c->closed_at = sim_now(c->w->sim);
}

static const stream_handler client_handler = {
    .connected = on_connected, .data = on_data, .peer_closed = on_peer_closed, .error = on_error};

void sw_client_start(sw_client *c, sw_world *w, const char *request)
{
    memset(c, 0, sizeof *c);
    c->w = w;
    c->request = request;
    c->request_len = strlen(request);
    c->reply = g_string_new("");
    c->first_byte = -1;
    c->closed_at = -1;
    c->piece = 1;
    c->interval = SIM_MS(100);
    c->s = host_connect(sim_host_env(w->ch), "server", 80, &client_handler, c, NULL);
}

void sw_client_clear(sw_client *c)
{
    g_string_free(c->reply, TRUE);
    c->reply = NULL;
}

char *sw_exchange(const char *request, const http_server_config *cfg, bool *closed)
{
    sw_world w;
    sw_world_init(&w, NULL, cfg);
    sw_client c;
    sw_client_start(&c, &w, request);
    sim_run_until(w.sim, SIM_S(20));
    if (closed)
        *closed = c.closed && c.closed_at < SIM_S(1);
    sw_world_clear(&w);
    return g_string_free(c.reply, FALSE);
}

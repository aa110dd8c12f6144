/* fake_host: a stream and a host for tests of protocol glue (see fake_host.h). */
#include "fake_host.h"

#include <string.h>

static size_t fs_write(stream_t *s, const void *data, size_t len)
{
    fake_stream *f = (fake_stream *)s;
    size_t n = MIN(len, f->space);
    g_string_append_len(f->written, data, (gssize)n);
    f->space -= n;
    return n;
}
static size_t fs_space(const stream_t *s) { return ((const fake_stream *)s)->space; }
static void fs_close(stream_t *s) { ((fake_stream *)s)->closed = true; }
static void fs_abort(stream_t *s) { ((fake_stream *)s)->aborted = true; }
static void fs_reading(stream_t *s, bool on) { ((fake_stream *)s)->reading = on; }

static bool fs_address(const stream_t *s, bool peer, stream_addr *out)
{
    const fake_stream *f = (const fake_stream *)s;
    if (!peer || !f->peer_host)
        return false;
    g_strlcpy(out->host, f->peer_host, sizeof out->host);
    out->port = f->peer_port;
    return true;
}

static const stream_ops fs_ops = {.write = fs_write, .write_space = fs_space, .shutdown_write = fs_close,
                                  .close = fs_close, .abort = fs_abort, .set_reading = fs_reading,
                                  .address = fs_address};

void fake_stream_init(fake_stream *f)
{
    memset(f, 0, sizeof *f);
    f->base.ops = &fs_ops;
    f->written = g_string_new(NULL);
    f->space = SIZE_MAX;
    f->reading = true;
}

void fake_stream_clear(fake_stream *f)
{
    if (f->written)
        g_string_free(f->written, TRUE);
    f->written = NULL;
}

void fake_stream_deliver(fake_stream *f, const char *text, size_t piece)
{
    size_t len = strlen(text);
    for (size_t off = 0; off < len; off += piece)
        f->base.handler->data(f->base.ud, &f->base, (const uint8_t *)text + off, MIN(piece, len - off));
}

static int64_t fh_now(const host_env *e) { return ((const fake_host *)e)->now; }

static host_timer_id fh_timer(host_env *e, int64_t delay, host_timer_fn fn, void *ud)
{
    fake_host *h = (fake_host *)e;
    fake_timer t = {h->now + delay, fn, ud, true};
    g_array_append_val(h->timers, t);
    return h->timers->len;
}

static void fh_cancel(host_env *e, host_timer_id id)
{
    fake_host *h = (fake_host *)e;
    if (id >= 1 && id <= h->timers->len)
        g_array_index(h->timers, fake_timer, id - 1).live = false;
}

static stream_t *fh_connect(host_env *e, const char *host, uint16_t port, const stream_handler *hd, void *ud,
                            GError **err)
{
    fake_host *h = (fake_host *)e;
    fake_stream *f = h->connect_fn ? h->connect_fn(h->connect_ud, host, port) : h->connect;
    if (!f) {
        g_set_error(err, g_quark_from_static_string("fake-host"), 1, "connection to %s:%u refused", host, port);
        return NULL;
    }
    stream_set_handler(&f->base, hd, ud);
    return &f->base;
}

static host_listener *fh_listen(host_env *e, uint16_t port, stream_accept_fn accept, void *ud, GError **err)
{
    fake_host *h = (fake_host *)e;
    if (h->refuse_listen || h->listening) {
        g_set_error(err, g_quark_from_static_string("fake-host"), 2, "port %u is busy", port);
        return NULL;
    }
    h->accept = accept;
    h->accept_ud = ud;
    h->listen_port = port;
    h->listening = true;
    return (host_listener *)h;
}

static void fh_unlisten(host_env *e, host_listener *l)
{
    (void)l;
    ((fake_host *)e)->listening = false;
}

static uint16_t fh_listener_port(const host_env *e, const host_listener *l)
{
    (void)l;
    return ((const fake_host *)e)->listen_port;
}

static const host_ops fh_ops = {.now = fh_now, .timer = fh_timer, .timer_cancel = fh_cancel, .connect = fh_connect,
                                .listen = fh_listen, .unlisten = fh_unlisten, .listener_port = fh_listener_port};

void fake_host_accept(fake_host *h, fake_stream *f)
{
    g_assert(h->listening);
    h->accept(h->accept_ud, &f->base);
}

void fake_host_init(fake_host *h)
{
    memset(h, 0, sizeof *h);
    h->base.ops = &fh_ops;
    h->timers = g_array_new(FALSE, TRUE, sizeof(fake_timer));
}

void fake_host_clear(fake_host *h)
{
    if (h->timers)
        g_array_free(h->timers, TRUE);
    h->timers = NULL;
}

void fake_host_advance(fake_host *h, int64_t to)
{
    for (;;) {
        guint best = 0; /* index + 1 of the earliest live timer due */
        for (guint i = 1; i <= h->timers->len; i++) {
            const fake_timer *t = &g_array_index(h->timers, fake_timer, i - 1);
            if (t->live && t->at <= to && (!best || t->at < g_array_index(h->timers, fake_timer, best - 1).at))
                best = i;
        }
        if (!best)
            break;
        /* The callback may set timers (the array may move): copy first. */
        fake_timer t = g_array_index(h->timers, fake_timer, best - 1);
        g_array_index(h->timers, fake_timer, best - 1).live = false;
        h->now = t.at;
        t.fn(t.ud);
    }
    h->now = to;
}

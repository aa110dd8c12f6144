/* core_client: a sans-IO client core on a stream (see core_client.h). */
#include "core_client.h"

struct core_client {
    host_env *env;
    stream_t *s; /* NULL once closed or failed */
    void *core;
    const core_client_ops *ops;
    void *owner;
    int64_t idle_ns;
    host_timer_id timer;
    uint64_t bytes_in, bytes_out;
    bool done;     /* the core said so: close once the output is written */
    bool reported; /* closed() was called */
};

static void idle(void *ud);

static void arm(core_client *c)
{
    c->timer = host_timer_rearm(c->env, c->timer, c->idle_ns, idle, c); /* mostly later: moved */
}

static void pump(core_client *c)
{
    if (c->reported)
        return;
    size_t n;
    const uint8_t *o = c->ops->output(c->core, &n);
    if (n && c->s) {
        size_t k = stream_write(c->s, o, n);
        c->bytes_out += k;
        c->ops->consume(c->core, k);
    }
    if (c->ops->events(c->owner))
        c->done = true;
    c->ops->output(c->core, &n);
    if (c->done && (n == 0 || !c->s)) {
        if (c->s)
            stream_close(c->s);
        c->s = NULL;
        c->reported = true;
        host_timer_cancel(c->env, c->timer);
        c->timer = 0;
        c->ops->closed(c->owner); /* last: the owner may free c */
    }
}

/* The connection ends under the core: `abort_stream` resets it (the idle
 * timeout), otherwise it is closed. */
static void end(core_client *c, const char *why, bool abort_stream)
{
    c->ops->ended(c->core, why);
    if (c->s) {
        if (abort_stream)
            stream_abort(c->s);
        else
            stream_close(c->s);
    }
    c->s = NULL;
    pump(c);
}

static void idle(void *ud)
{
    core_client *c = ud;
    c->timer = 0;
    end(c, "no answer from the server (idle timeout)", true);
}

static void on_data(void *ud, stream_t *s, const uint8_t *data, size_t len)
{
    (void)s;
    core_client *c = ud;
    if (c->reported)
        return;
    c->bytes_in += len;
    arm(c);
    if (data) {
        c->ops->feed(c->core, data, len);
    } else {
        uint8_t *zeros = g_malloc0(len);
        c->ops->feed(c->core, zeros, len);
        g_free(zeros);
    }
    pump(c);
}

static void on_writable(void *ud, stream_t *s)
{
    (void)s;
    pump(ud);
}

static void on_peer_closed(void *ud, stream_t *s)
{
    (void)s;
    end(ud, "the server closed the connection", false);
}

static void on_error(void *ud, stream_t *s, stream_err err)
{
    (void)s;
    core_client *c = ud;
    c->s = NULL; /* gone: not to be touched again */
    end(c, stream_err_text(err), false);
}

static const stream_handler handler = {
    .data = on_data, .writable = on_writable, .peer_closed = on_peer_closed, .error = on_error};

core_client *core_client_new(host_env *env, const char *host, uint16_t port, void *core, const core_client_ops *ops,
                             void *owner, int64_t idle_ns, GError **err)
{
    core_client *c = g_new0(core_client, 1);
    c->env = env;
    c->core = core;
    c->ops = ops;
    c->owner = owner;
    c->idle_ns = idle_ns;
    c->s = host_connect(env, host, port, &handler, c, err);
    if (!c->s) {
        g_free(c);
        return NULL;
    }
    arm(c);
    return c;
}

uint64_t core_client_bytes_in(const core_client *c) { return c->bytes_in; }
uint64_t core_client_bytes_out(const core_client *c) { return c->bytes_out; }

void core_client_free(core_client *c)
{
    if (!c)
        return;
    host_timer_cancel(c->env, c->timer);
    if (c->s)
        stream_close(c->s);
    g_free(c);
}

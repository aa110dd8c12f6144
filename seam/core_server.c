/* core_server: the common part of a server connection (see core_server.h). */
#include "core_server.h"

static void idle_fired(void *ud)
{
    core_server *cs = ud;
    cs->timer = 0;
    cs->on_idle(cs->owner);
}

void core_server_init(core_server *cs, host_env *env, stream_t *s, int64_t idle_ns, const core_input_ops *in_ops,
                      const stream_handler *h, host_timer_fn on_idle, void *owner)
{
    cs->env = env;
    cs->s = s;
    cs->idle_ns = idle_ns;
    cs->timer = 0;
    cs->on_idle = on_idle;
    cs->owner = owner;
    cs->reported = false;
    core_input_init(&cs->in, in_ops, owner);
    stream_set_handler(s, h, owner);
    core_server_arm(cs);
}

void core_server_arm(core_server *cs)
{
    cs->timer = host_timer_rearm(cs->env, cs->timer, cs->idle_ns, idle_fired, cs); /* mostly later: moved */
}

void core_server_deliver(core_server *cs, const uint8_t *data, size_t len)
{
    core_server_arm(cs);
    core_input_deliver(&cs->in, cs->s, data, len);
}

bool core_server_resume(core_server *cs, size_t left, bool closing, size_t *fed)
{
    if (left || closing || !core_input_waiting(&cs->in))
        return false;
    size_t k = core_input_resume(&cs->in, cs->s);
    if (fed)
        *fed = k;
    return true;
}

void core_server_close(core_server *cs, bool abort)
{
    if (cs->s) {
        if (abort)
            stream_abort(cs->s);
        else
            stream_close(cs->s);
    }
    cs->s = NULL;
}

bool core_server_report(core_server *cs)
{
    if (cs->reported)
        return false;
    cs->reported = true;
    host_timer_cancel(cs->env, cs->timer);
    cs->timer = 0;
    return true;
}

void core_server_clear(core_server *cs)
{
    host_timer_cancel(cs->env, cs->timer);
    cs->timer = 0;
    core_server_close(cs, false);
    core_input_clear(&cs->in);
}

/* core_input: the paused input of a server core (see core_input.h). */
#include "core_input.h"

void core_input_init(core_input *in, const core_input_ops *ops, void *owner)
{
    in->pending = g_byte_array_new();
    in->ops = ops;
    in->owner = owner;
}

void core_input_clear(core_input *in)
{
    if (in->pending)
        g_byte_array_free(in->pending, TRUE);
    in->pending = NULL;
}

void core_input_discard(core_input *in) { g_byte_array_set_size(in->pending, 0); }

static bool over(const core_input *in) { return in->ops->over && in->ops->over(in->owner); }

void core_input_deliver(core_input *in, stream_t *s, const uint8_t *data, size_t len)
{
    uint8_t *zeros = data ? NULL : g_malloc0(len);
    const uint8_t *d = data ? data : zeros;
    if (in->pending->len) {
        g_byte_array_append(in->pending, d, (guint)len);
    } else {
        size_t k = 0;
        for (;;) {
            k += in->ops->feed(in->owner, d + k, len - k);
            if (k == len || over(in) || !in->ops->drain || !in->ops->drain(in->owner))
                break;
        }
        if (k < len && !over(in))
            g_byte_array_append(in->pending, d + k, (guint)(len - k));
    }
    g_free(zeros);
    if (in->pending->len && s)
        stream_set_reading(s, false);
}

size_t core_input_resume(core_input *in, stream_t *s)
{
    if (!in->pending->len)
        return 0;
    size_t k = in->ops->feed(in->owner, in->pending->data, in->pending->len);
    g_byte_array_remove_range(in->pending, 0, (guint)k);
    if (in->pending->len == 0 && s)
        stream_set_reading(s, true);
    return k;
}

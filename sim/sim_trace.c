/* sim_trace: subscription lists and emission for the trace bus. */
#include "sim_trace_private.h"

#include <stdarg.h>
#include <string.h>

static const char *const kind_names[SIM_TR__COUNT] = {
    [SIM_TR_ENQUEUE] = "enqueue", [SIM_TR_DROP] = "drop", [SIM_TR_TX_START] = "tx_start",
    [SIM_TR_TX] = "tx",           [SIM_TR_RX] = "rx",     [SIM_TR_APP] = "app",
};

const char *sim_trace_kind_name(sim_trace_kind kind)
{
    return (unsigned)kind < SIM_TR__COUNT ? kind_names[kind] : "?";
}

void sim_trace_init(sim_trace_t *bus)
{
    memset(&bus->head, 0, sizeof bus->head);
    bus->subs = g_array_new(FALSE, FALSE, sizeof(sim_trace_sub));
    for (int k = 0; k < SIM_TR__COUNT; k++)
        bus->calls[k] = g_array_new(FALSE, FALSE, sizeof(sim_trace_call));
    bus->names = g_ptr_array_new_with_free_func(g_free);
    bus->next_sub = 1;
}

void sim_trace_clear(sim_trace_t *bus)
{
    g_array_free(bus->subs, TRUE);
    for (int k = 0; k < SIM_TR__COUNT; k++)
        g_array_free(bus->calls[k], TRUE);
    g_ptr_array_free(bus->names, TRUE);
}

uint32_t sim_trace_source(sim_trace_t *bus, const char *name)
{
    g_ptr_array_add(bus->names, g_strdup(name));
    return bus->names->len - 1;
}

const char *sim_trace_source_name(const sim_trace_t *bus, uint32_t source)
{
    return source < bus->names->len ? g_ptr_array_index(bus->names, source) : NULL;
}

uint32_t sim_trace_source_count(const sim_trace_t *bus) { return bus->names->len; }

/* The mask and the per-kind calls from the subscriptions. O(subscribers).
 * The arrays are refilled in place, so an emission that is running reads
 * valid (possibly new) entries. */
static void recompute(sim_trace_t *bus)
{
    bus->head.mask = 0;
    for (int k = 0; k < SIM_TR__COUNT; k++)
        g_array_set_size(bus->calls[k], 0);
    for (guint i = 0; i < bus->subs->len; i++) {
        const sim_trace_sub *s = &g_array_index(bus->subs, sim_trace_sub, i);
        bus->head.mask |= s->mask;
        sim_trace_call c = {.fn = s->fn, .ctx = s->ctx, .id = s->id};
        for (int k = 0; k < SIM_TR__COUNT; k++)
            if (s->mask & SIM_TR_MASK(k))
                g_array_append_val(bus->calls[k], c);
    }
    for (int k = 0; k < SIM_TR__COUNT; k++) {
        const GArray *calls = bus->calls[k];
        const sim_trace_call *c = calls->len == 1 ? &g_array_index(calls, sim_trace_call, 0) : NULL;
        bus->head.one[k].fn = c ? c->fn : NULL;
        bus->head.one[k].ctx = c ? c->ctx : NULL;
    }
}

unsigned sim_trace_subscribe(sim_trace_t *bus, uint32_t mask, sim_trace_fn fn, void *ctx)
{
    sim_trace_sub s = {.id = bus->next_sub++, .mask = mask & SIM_TR_ALL, .fn = fn, .ctx = ctx};
    g_array_append_val(bus->subs, s);
    recompute(bus);
    return s.id;
}

void sim_trace_unsubscribe(sim_trace_t *bus, unsigned subscription)
{
    for (guint i = 0; i < bus->subs->len; i++) {
        if (g_array_index(bus->subs, sim_trace_sub, i).id == subscription) {
            g_array_remove_index(bus->subs, i);
            break;
        }
    }
    recompute(bus);
}

static bool subscribed(const sim_trace_t *bus, unsigned id)
{
    for (guint i = 0; i < bus->subs->len; i++)
        if (g_array_index(bus->subs, sim_trace_sub, i).id == id)
            return true;
    return false;
}

/* Every call of the kind's list (sim_trace_emit, with several): the
 * subscribers of the moment the record is emitted, in order, from a copy
 * of the list, since a subscriber may (un)subscribe, which refills it. One
 * that leaves before its turn (from an earlier one's call) is not called;
 * one that joins meanwhile has the next record first, as with a single
 * subscriber. */
G_GNUC_NO_INLINE static void emit_each(const sim_trace_t *bus, const GArray *calls, const sim_trace_rec *rec)
{
    sim_trace_call few[8];
    guint n = calls->len;
    sim_trace_call *snap = n <= G_N_ELEMENTS(few) ? few : g_new(sim_trace_call, n);
    if (n)
        memcpy(snap, calls->data, n * sizeof *snap);
    for (guint i = 0; i < n; i++)
        if (i == 0 || subscribed(bus, snap[i].id))
            snap[i].fn(snap[i].ctx, rec);
    if (snap != few)
        g_free(snap);
}

void sim_trace_emit(sim_trace_t *bus, const sim_trace_rec *rec)
{
    /* No mask test: emitters have tested sim_trace_wants, and a kind
     * nobody wants has no single call and an empty list. */
    unsigned k = (unsigned)rec->kind;
    if (k >= SIM_TR__COUNT)
        return;
    /* One subscriber, the usual case (a run's fingerprint takes every
     * kind): a tail call, without the loop's frame. */
    if (bus->head.one[k].fn) {
        bus->head.one[k].fn(bus->head.one[k].ctx, rec);
        return;
    }
    emit_each(bus, bus->calls[k], rec);
}

void sim_trace_app(sim_trace_t *bus, sim_time_t now, uint32_t source, const char *fmt, ...)
{
    if (!sim_trace_wants(bus, SIM_TR_APP))
        return;
    va_list ap;
    va_start(ap, fmt);
    char *text = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    sim_trace_rec rec = {.kind = SIM_TR_APP, .time = now, .source = source, .text = text};
    sim_trace_emit(bus, &rec);
    g_free(text);
}

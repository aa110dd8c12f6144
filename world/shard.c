/* shard: a run's result as a group of a key file, and back (shard.h). */
#include "shard.h"

#include <math.h>
#include <string.h>

G_DEFINE_QUARK(appsim-shard-error-quark, shard_error)

char *shard_run_group(guint k) { return g_strdup_printf("run %04u", k); }

char *shard_escape(const char *s)
{
    char *e = g_strescape(s, NULL);
    GString *out = g_string_sized_new(strlen(e) + 8);
    for (const char *p = e; *p; p++) {
        if (*p == ' ')
            g_string_append(out, "\\040");
        else
            g_string_append_c(out, *p);
    }
    g_free(e);
    return g_string_free(out, FALSE);
}

char *shard_unescape(const char *s) { return g_strcompress(s); }

/* ---- writing ------------------------------------------------------------------ */

typedef struct {
    GKeyFile *kf;
    char *group;
} put_ctx;

static void put_str(put_ctx *c, const char *key, const char *v)
{
    if (!v)
        return;
    char *e = shard_escape(v);
    g_key_file_set_value(c->kf, c->group, key, e);
    g_free(e);
}

static void put_u64(put_ctx *c, const char *key, uint64_t v)
{
    char b[32];
    g_snprintf(b, sizeof b, "%" G_GUINT64_FORMAT, v);
    g_key_file_set_value(c->kf, c->group, key, b);
}

static void put_i64(put_ctx *c, const char *key, int64_t v)
{
    char b[32];
    g_snprintf(b, sizeof b, "%" G_GINT64_FORMAT, v);
    g_key_file_set_value(c->kf, c->group, key, b);
}

/* 17 significant digits: the same double when read back. */
static void put_dbl(put_ctx *c, const char *key, double v)
{
    char b[G_ASCII_DTOSTR_BUF_SIZE];
    if (isnan(v))
        g_strlcpy(b, "nan", sizeof b);
    else
        g_ascii_formatd(b, sizeof b, "%.17g", v);
    g_key_file_set_value(c->kf, c->group, key, b);
}

/* A key "<what>.<i>.<field>" (a new string). */
static char *item_key(const char *what, guint i, const char *field)
{
    return g_strdup_printf("%s.%u.%s", what, i, field);
}

#define PUT_ITEM(fn, what, i, field, v)                                                                        \
    do {                                                                                                       \
        char *k_ = item_key(what, i, field);                                                                   \
        fn(c, k_, v);                                                                                          \
        g_free(k_);                                                                                            \
    } while (0)

static void put_tables(put_ctx *c, const run_result *res)
{
    guint nf = res->formulas ? res->formulas->len : 0;
    put_u64(c, "formulas", nf);
    for (guint i = 0; i < nf; i++) {
        const run_formula *f = &g_array_index(res->formulas, run_formula, i);
        PUT_ITEM(put_str, "formula", i, "expr", f->expr);
        PUT_ITEM(put_str, "formula", i, "predicts", f->predicts);
        PUT_ITEM(put_dbl, "formula", i, "value", f->value);
    }
    put_u64(c, "metrics", res->metrics->len);
    for (guint i = 0; i < res->metrics->len; i++) {
        const run_metric *m = &g_array_index(res->metrics, run_metric, i);
        PUT_ITEM(put_str, "metric", i, "key", m->key);
        PUT_ITEM(put_u64, "metric", i, "kind", (uint64_t)m->kind);
        PUT_ITEM(put_dbl, "metric", i, "value", m->value);
    }
    put_u64(c, "csvs", res->csvs->len);
    for (guint i = 0; i < res->csvs->len; i++) {
        const run_csv *v = g_ptr_array_index(res->csvs, i);
        PUT_ITEM(put_str, "csv", i, "file", v->file);
        PUT_ITEM(put_str, "csv", i, "header", v->header);
        PUT_ITEM(put_u64, "csv", i, "owned", v->owned_header != NULL);
        PUT_ITEM(put_str, "csv", i, "rows", v->rows->str);
    }
    put_u64(c, "links", res->links->len);
    for (guint i = 0; i < res->links->len; i++) {
        const link_row *l = &g_array_index(res->links, link_row, i);
        PUT_ITEM(put_str, "link", i, "link", l->link);
        PUT_ITEM(put_str, "link", i, "from", l->from);
        PUT_ITEM(put_str, "link", i, "to", l->to);
        PUT_ITEM(put_u64, "link", i, "bytes", l->bytes);
        PUT_ITEM(put_u64, "link", i, "packets", l->packets);
        PUT_ITEM(put_u64, "link", i, "drops", l->drops);
        PUT_ITEM(put_dbl, "link", i, "utilisation", l->utilisation);
        PUT_ITEM(put_dbl, "link", i, "mean_queue", l->mean_queue);
        PUT_ITEM(put_dbl, "link", i, "mean_wait_s", l->mean_wait_s);
        PUT_ITEM(put_u64, "link", i, "max_queue", l->max_queue);
    }
}

static void put_timeline(put_ctx *c, const run_result *res)
{
    if (res->arrows) {
        put_u64(c, "arrows", res->arrows->len);
        for (guint i = 0; i < res->arrows->len; i++) {
            const run_arrow *a = &g_array_index(res->arrows, run_arrow, i);
            PUT_ITEM(put_dbl, "arrow", i, "t_send", a->t_send);
            PUT_ITEM(put_dbl, "arrow", i, "t_recv", a->t_recv);
            PUT_ITEM(put_i64, "arrow", i, "from", a->from);
            PUT_ITEM(put_i64, "arrow", i, "to", a->to);
            PUT_ITEM(put_str, "arrow", i, "label", a->label);
        }
    }
    if (res->columns) {
        put_u64(c, "columns", res->columns->len);
        for (guint i = 0; i < res->columns->len; i++)
            PUT_ITEM(put_str, "column", i, "name", (const char *)g_ptr_array_index(res->columns, i));
    }
    put_str(c, "timeline_title", res->timeline_title);
}

void shard_run_put(GKeyFile *kf, const run_result *res)
{
    put_ctx c = {kf, shard_run_group(res->index)};
    put_u64(&c, "seed", res->seed);
    put_i64(&c, "end", res->end);
    put_u64(&c, "events", res->events);
    put_dbl(&c, "formula_s", res->formula_s);
    put_dbl(&c, "rtt_s", res->rtt_s);
    put_dbl(&c, "bottleneck_bps", res->bottleneck_bps);
    put_tables(&c, res);
    put_str(&c, "fingerprint", res->fingerprint);
    put_timeline(&c, res);
    put_str(&c, "transcript", res->transcript);
    put_str(&c, "failed", res->failed);
    put_u64(&c, "unfinished_apps", res->unfinished_apps);
    put_u64(&c, "max_time_reached", res->max_time_reached);
    g_free(c.group);
}

/* ---- reading ------------------------------------------------------------------ */

/* The first error sticks; later reads give zeros. */
typedef struct {
    GKeyFile *kf;
    char *group;
    GError *err;
} get_ctx;

static void bad(get_ctx *c, const char *key, const char *what)
{
    if (!c->err)
        g_set_error(&c->err, SHARD_ERROR, SHARD_ERROR_BAD, "[%s] %s: %s", c->group, key, what);
}

/* The raw value; NULL (with the error unless `optional`) when absent. */
static char *get_raw(get_ctx *c, const char *key, bool optional)
{
    if (c->err)
        return NULL;
    char *v = g_key_file_get_value(c->kf, c->group, key, NULL);
    if (!v && !optional)
        bad(c, key, "missing");
    return v;
}

static char *get_str(get_ctx *c, const char *key, bool optional)
{
    char *v = get_raw(c, key, optional), *s = v ? shard_unescape(v) : NULL;
    g_free(v);
    return s;
}

static uint64_t get_u64(get_ctx *c, const char *key, uint64_t max)
{
    char *v = get_raw(c, key, false);
    guint64 n = 0;
    if (v && (!g_ascii_string_to_unsigned(v, 10, 0, max, &n, NULL)))
        bad(c, key, "not a whole number in range");
    g_free(v);
    return n;
}

static int64_t get_i64(get_ctx *c, const char *key)
{
    char *v = get_raw(c, key, false);
    gint64 n = 0;
    if (v && !g_ascii_string_to_signed(v, 10, G_MININT64, G_MAXINT64, &n, NULL))
        bad(c, key, "not a whole number");
    g_free(v);
    return n;
}

static double get_dbl(get_ctx *c, const char *key)
{
    char *v = get_raw(c, key, false), *end = NULL;
    double d = 0;
    if (v && !strcmp(v, "nan"))
        d = NAN;
    else if (v) {
        d = g_ascii_strtod(v, &end);
        if (end == v || *end)
            bad(c, key, "not a number");
    }
    g_free(v);
    return d;
}

/* Static text of a run: an interned string (shard.h), NULL when absent. */
static const char *get_static(get_ctx *c, const char *key, bool optional)
{
    char *s = get_str(c, key, optional);
    const char *r = s ? g_intern_string(s) : NULL;
    g_free(s);
    return r;
}

/* A count of items, at most `max` (a bound against a corrupt file). */
#define SHARD_MAX_ITEMS 100000000u

static void get_formulas(get_ctx *c, run_result *res)
{
    guint n = (guint)get_u64(c, "formulas", SHARD_MAX_ITEMS);
    res->formulas = g_array_new(FALSE, TRUE, sizeof(run_formula));
    res->formula_text = g_string_chunk_new(64);
    for (guint i = 0; i < n && !c->err; i++) {
        char *k = item_key("formula", i, "expr");
        char *expr = get_str(c, k, false);
        g_free(k);
        k = item_key("formula", i, "predicts");
        run_formula f = {expr ? g_string_chunk_insert(res->formula_text, expr) : NULL, get_static(c, k, true), NAN};
        g_free(k);
        g_free(expr);
        k = item_key("formula", i, "value");
        f.value = get_dbl(c, k);
        g_free(k);
        g_array_append_val(res->formulas, f);
    }
}

static void get_metrics(get_ctx *c, run_result *res)
{
    guint n = (guint)get_u64(c, "metrics", SHARD_MAX_ITEMS);
    res->metrics = g_array_new(FALSE, TRUE, sizeof(run_metric));
    for (guint i = 0; i < n && !c->err; i++) {
        char *k = item_key("metric", i, "key");
        run_metric m = {get_str(c, k, false), RUN_METRIC_NUMBER, NAN};
        g_free(k);
        k = item_key("metric", i, "kind");
        m.kind = (run_metric_kind)get_u64(c, k, RUN_METRIC_FLAG);
        g_free(k);
        k = item_key("metric", i, "value");
        m.value = get_dbl(c, k);
        g_free(k);
        if (!m.key)
            break;
        g_array_append_val(res->metrics, m);
    }
}

static void get_csvs(get_ctx *c, run_result *res)
{
    guint n = (guint)get_u64(c, "csvs", SHARD_MAX_ITEMS);
    res->csvs = g_ptr_array_new_with_free_func(run_csv_free);
    for (guint i = 0; i < n && !c->err; i++) {
        run_csv *v = g_new0(run_csv, 1);
        char *k = item_key("csv", i, "file");
        v->file = get_static(c, k, false);
        g_free(k);
        k = item_key("csv", i, "owned");
        bool owned = get_u64(c, k, 1);
        g_free(k);
        k = item_key("csv", i, "header");
        if (owned)
            v->header = v->owned_header = get_str(c, k, false);
        else
            v->header = get_static(c, k, false);
        g_free(k);
        k = item_key("csv", i, "rows");
        char *rows = get_str(c, k, false);
        g_free(k);
        v->rows = g_string_new(rows ? rows : "");
        g_free(rows);
        g_ptr_array_add(res->csvs, v);
    }
}

static void get_links(get_ctx *c, run_result *res)
{
    guint n = (guint)get_u64(c, "links", SHARD_MAX_ITEMS);
    res->links = g_array_new(FALSE, TRUE, sizeof(link_row));
    for (guint i = 0; i < n && !c->err; i++) {
        link_row l = {0};
        char *k;
#define LINK_FIELD(field, expr)                                                                                \
    k = item_key("link", i, #field);                                                                           \
    l.field = expr;                                                                                            \
    g_free(k);
        LINK_FIELD(link, get_str(c, k, false))
        LINK_FIELD(from, get_str(c, k, false))
        LINK_FIELD(to, get_str(c, k, false))
        LINK_FIELD(bytes, get_u64(c, k, G_MAXUINT64))
        LINK_FIELD(packets, get_u64(c, k, G_MAXUINT64))
        LINK_FIELD(drops, get_u64(c, k, G_MAXUINT64))
        LINK_FIELD(utilisation, get_dbl(c, k))
        LINK_FIELD(mean_queue, get_dbl(c, k))
        LINK_FIELD(mean_wait_s, get_dbl(c, k))
        LINK_FIELD(max_queue, (uint32_t)get_u64(c, k, G_MAXUINT32))
#undef LINK_FIELD
        g_array_append_val(res->links, l); /* freed with the result, even when incomplete */
    }
}

static void arrow_clear(gpointer p) { g_free(((run_arrow *)p)->label); }

static void get_timeline(get_ctx *c, run_result *res)
{
    char *has = get_raw(c, "arrows", true);
    if (has) {
        guint n = (guint)get_u64(c, "arrows", SHARD_MAX_ITEMS);
        res->arrows = g_array_new(FALSE, TRUE, sizeof(run_arrow));
        g_array_set_clear_func(res->arrows, arrow_clear);
        for (guint i = 0; i < n && !c->err; i++) {
            run_arrow a = {0};
            char *k = item_key("arrow", i, "t_send");
            a.t_send = get_dbl(c, k);
            g_free(k);
            k = item_key("arrow", i, "t_recv");
            a.t_recv = get_dbl(c, k);
            g_free(k);
            k = item_key("arrow", i, "from");
            a.from = (int)get_i64(c, k);
            g_free(k);
            k = item_key("arrow", i, "to");
            a.to = (int)get_i64(c, k);
            g_free(k);
            k = item_key("arrow", i, "label");
            a.label = get_str(c, k, false);
            g_free(k);
            g_array_append_val(res->arrows, a);
        }
    }
    g_free(has);
    has = get_raw(c, "columns", true);
    if (has) {
        guint n = (guint)get_u64(c, "columns", SHARD_MAX_ITEMS);
        res->columns = g_ptr_array_new_with_free_func(g_free);
        for (guint i = 0; i < n && !c->err; i++) {
            char *k = item_key("column", i, "name");
            char *s = get_str(c, k, false);
            g_free(k);
            if (s)
                g_ptr_array_add(res->columns, s);
        }
    }
    g_free(has);
    res->timeline_title = get_static(c, "timeline_title", true);
}

run_result *shard_run_get(GKeyFile *kf, guint k, GError **err)
{
    get_ctx c = {kf, shard_run_group(k), NULL};
    run_result *res = g_new0(run_result, 1);
    res->index = k;
    if (!g_key_file_has_group(kf, c.group))
        g_set_error(&c.err, SHARD_ERROR, SHARD_ERROR_BAD, "run %u is missing ([%s])", k, c.group);
    res->seed = get_u64(&c, "seed", G_MAXUINT64);
    res->end = get_i64(&c, "end");
    res->events = get_u64(&c, "events", G_MAXUINT64);
    res->formula_s = get_dbl(&c, "formula_s");
    res->rtt_s = get_dbl(&c, "rtt_s");
    res->bottleneck_bps = get_dbl(&c, "bottleneck_bps");
    get_formulas(&c, res);
    get_metrics(&c, res);
    get_csvs(&c, res);
    get_links(&c, res);
    res->fingerprint = get_str(&c, "fingerprint", false);
    get_timeline(&c, res);
    res->transcript = get_str(&c, "transcript", true);
    res->failed = get_str(&c, "failed", true);
    res->unfinished_apps = (guint)get_u64(&c, "unfinished_apps", G_MAXUINT);
    res->max_time_reached = get_u64(&c, "max_time_reached", 1);
    g_free(c.group);
    if (c.err) {
        g_propagate_error(err, c.err);
        run_result_free(res);
        return NULL;
    }
    return res;
}

/*
 * scenario: JSON loading with errors that say where and what, the run
 * plan of sweeps, and setting values by path.
 *
 * The checker walks the JSON tree with a path stack ("$.links[2].rate") so
 * that every message names the offending value. Objects are checked
 * against their table of keys; an unknown key gets the closest known key
 * (edit distance) as a suggestion.
 */
#include "scenario.h"

#include <math.h>
#include <string.h>

#include "app_reader.h"
#include "scn_read.h"
#include "sim/sim_rng.h"
#include "units.h"

G_DEFINE_QUARK(appsim-scenario-error-quark, scn_error)

struct scenario {
    char *file;
    const app_registry *reg;
    cJSON *root;    /* the scenario as run (after --set), without its sweep */
    uint64_t seed;
    GPtrArray *axes; /* of scn_axis* */
    scn_axis *compare;
    char *name, *description;
    char *full_json; /* the file as run (after --set), sweep included */
};

/* ---- sections -------------------------------------------------------------- */

static const char *const top_keys[] = {"name", "description", "seed", "stop", "max_time", "tcp",
                                       "nodes", "links", "apps", "sweep", "compare", "outputs", NULL};
static const char *const tcp_keys[] = {"cc", "mss", "init_cwnd", "delayed_ack", "sndbuf", "rcvbuf",
                                       "header", "rto_min", "time_wait", "send_jitter", NULL};
static const char *const node_keys[] = {"name", "type", NULL};
static const char *const link_keys[] = {"name", "from", "to", "rate", "delay", "queue",
                                        "queue_bytes", "loss", "down", "reverse", NULL};
static const char *const dir_keys[] = {"rate", "delay", "queue", "queue_bytes", "loss", NULL};
static const char *const out_keys[] = {"metric", "formula", "title", "timeline", NULL};

static void parse_tcp(scn_ctx *c, const cJSON *t, scn_run *r)
{
    tcp_params_default(&r->tcp);
    r->tcp_header = 40;
    if (!t)
        return;
    gsize m = scn_push_key(c, "tcp");
    if (scn_check_keys(c, t, tcp_keys)) {
        char *cc = scn_get_string(c, t, "cc", "reno", false);
        if (cc && !tcp_cc_parse(cc, &r->tcp.cc)) {
            gsize k = scn_push_key(c, "cc");
            scn_fail_expected(c, scn_get(t, "cc"), "\"reno\", \"newreno\" or \"ideal\"");
            scn_pop(c, k);
        }
        g_free(cc);
        r->tcp.mss = (uint32_t)scn_get_number(c, t, "mss", 1460, 1, 65495, true, "a whole number of bytes from 1 to 65495");
        r->tcp.init_cwnd = (uint32_t)scn_get_number(c, t, "init_cwnd", 10, 1, 1000, true, "a whole number of segments from 1 to 1000");
        r->tcp.delayed_ack = scn_get_bool(c, t, "delayed_ack", false);
        r->tcp.sndbuf = (uint32_t)MIN(scn_get_size(c, t, "sndbuf", r->tcp.sndbuf), UINT32_MAX);
        r->tcp.rcvbuf = (uint32_t)MIN(scn_get_size(c, t, "rcvbuf", r->tcp.rcvbuf), UINT32_MAX);
        r->tcp_header = (uint16_t)scn_get_number(c, t, "header", 40, 0, 1000, true, "a whole number of bytes from 0 to 1000");
        r->tcp.rto_min = scn_get_time(c, t, "rto_min", r->tcp.rto_min);
        r->tcp.time_wait = scn_get_time(c, t, "time_wait", r->tcp.time_wait);
        r->tcp.send_jitter = scn_get_time(c, t, "send_jitter", 0);
        GError *e = NULL;
        if (!c->failed && !tcp_params_check(&r->tcp, &e)) {
            scn_fail(c, "%s", e->message);
            g_error_free(e);
        }
    }
    scn_pop(c, m);
}

static void parse_dir(scn_ctx *c, const cJSON *o, link_params_t *p, bool need_rate)
{
    p->rate_bps = scn_get_rate(c, o, "rate", p->rate_bps, need_rate);
    p->delay = scn_get_time(c, o, "delay", p->delay);
    p->queue_pkts = (uint32_t)scn_get_number(c, o, "queue", p->queue_pkts, 0, 1e9, true, "a whole number of packets (0: no limit)");
    p->queue_bytes = scn_get_size(c, o, "queue_bytes", p->queue_bytes);
    p->loss = scn_get_number(c, o, "loss", p->loss, 0, 1, false, "a probability from 0 to 1");
}

static void parse_nodes(scn_ctx *c, const cJSON *nodes, scn_run *r)
{
    gsize m = scn_push_key(c, "nodes");
    if (!cJSON_IsArray(nodes) || cJSON_GetArraySize(nodes) == 0) {
        scn_fail_expected(c, nodes, "a list of nodes like [{\"name\": \"client\", \"type\": \"host\"}]");
        scn_pop(c, m);
        return;
    }
    int i = 0;
    const cJSON *n;
    cJSON_ArrayForEach(n, nodes)
    {
        gsize k = scn_push_index(c, i++);
        if (scn_check_keys(c, n, node_keys)) {
            scn_node nd = {0};
            nd.name = scn_get_string(c, n, "name", NULL, true);
            char *type = scn_get_string(c, n, "type", "host", false);
            if (type && strcmp(type, "host") && strcmp(type, "router")) {
                gsize t = scn_push_key(c, "type");
                scn_fail_expected(c, scn_get(n, "type"), "\"host\" or \"router\"");
                scn_pop(c, t);
            }
            nd.router = type && !strcmp(type, "router");
            g_free(type);
            if (nd.name && scn_has_node(r, nd.name)) {
                gsize t = scn_push_key(c, "name");
                scn_fail(c, "a second node named \"%s\"", nd.name);
                scn_pop(c, t);
            }
            g_array_append_val(r->nodes, nd);
        }
        scn_pop(c, k);
        if (c->failed)
            break;
    }
    scn_pop(c, m);
}

static void parse_links(scn_ctx *c, const cJSON *links, scn_run *r)
{
    gsize m = scn_push_key(c, "links");
    if (!cJSON_IsArray(links)) {
        scn_fail_expected(c, links, "a list of links");
        scn_pop(c, m);
        return;
    }
    int i = 0;
    const cJSON *l;
    cJSON_ArrayForEach(l, links)
    {
        gsize k = scn_push_index(c, i++);
        if (scn_check_keys(c, l, link_keys)) {
            scn_link ln = {0};
            ln.down = g_array_new(FALSE, FALSE, sizeof(sim_time_t));
            ln.from = scn_get_string(c, l, "from", NULL, true);
            ln.to = scn_get_string(c, l, "to", NULL, true);
            ln.name = scn_get_string(c, l, "name", NULL, false);
            if (!ln.name && ln.from && ln.to)
                ln.name = g_strdup_printf("%s-%s", ln.from, ln.to);
            for (int e = 0; e < 2 && !c->failed; e++) {
                const char *end = e ? ln.to : ln.from;
                if (end && !scn_has_node(r, end)) {
                    gsize t = scn_push_key(c, e ? "to" : "from");
                    scn_fail_no_node(c, r, end);
                    scn_pop(c, t);
                }
            }
            if (!c->failed && ln.from && ln.to && !strcmp(ln.from, ln.to))
                scn_fail(c, "a link cannot join node \"%s\" to itself", ln.from);
            parse_dir(c, l, &ln.ab, true);
            ln.ba = ln.ab;
            const cJSON *rev = scn_get(l, "reverse");
            if (rev && !c->failed) {
                gsize t = scn_push_key(c, "reverse");
                if (scn_check_keys(c, rev, dir_keys))
                    parse_dir(c, rev, &ln.ba, false);
                scn_pop(c, t);
            }
            const cJSON *down = scn_get(l, "down");
            if (down && !c->failed) {
                gsize t = scn_push_key(c, "down");
                const cJSON *iv;
                int j = 0;
                if (!cJSON_IsArray(down))
                    scn_fail_expected(c, down, "a list of intervals like [[\"1s\", \"4s\"]]");
                cJSON_ArrayForEach(iv, down)
                {
                    gsize u = scn_push_index(c, j++);
                    double a, b;
                    if (!cJSON_IsArray(iv) || cJSON_GetArraySize(iv) != 2)
                        scn_fail_expected(c, iv, "an interval [start, end] like [\"1s\", \"4s\"]");
                    else if (scn_quantity(c, cJSON_GetArrayItem(iv, 0), 1, &a) &&
                             scn_quantity(c, cJSON_GetArrayItem(iv, 1), 1, &b)) {
                        if (b <= a)
                            scn_fail(c, "the end of a down interval must come after its start");
                        sim_time_t pair[2] = {(sim_time_t)llround(a), (sim_time_t)llround(b)};
                        g_array_append_vals(ln.down, pair, 2);
                    }
                    scn_pop(c, u);
                    if (c->failed)
                        break;
                }
                scn_pop(c, t);
            }
            g_array_append_val(r->links, ln);
        }
        scn_pop(c, k);
        if (c->failed)
            break;
    }
    scn_pop(c, m);
}

/* "a", "b" or "c" from a list of names, for "expected ..." */
static char *either_of(GPtrArray *names)
{
    GString *s = g_string_new("");
    for (guint i = 0; i < names->len; i++)
        g_string_append_printf(s, "%s\"%s\"", i == 0 ? "" : i + 1 == names->len ? " or " : ", ",
                               (const char *)g_ptr_array_index(names, i));
    return g_string_free(s, FALSE);
}

static void fail_unknown_type(scn_ctx *c, const cJSON *a, const app_registry *reg)
{
    GPtrArray *names = g_ptr_array_new();
    for (size_t i = 0; i < reg->n; i++)
        g_ptr_array_add(names, (gpointer)reg->types[i]->type);
    char *exp = either_of(names);
    gsize t = scn_push_key(c, "type");
    scn_fail_expected(c, scn_get(a, "type"), exp);
    scn_pop(c, t);
    g_free(exp);
    g_ptr_array_free(names, TRUE);
}

static void app_spec_clear(app_spec *a)
{
    if (a->type)
        app_config_clear(a->type, a->cfg);
    g_free(a->cfg);
    g_free(a->name);
    g_free(a->host);
}

static const char *const app_common_keys[] = {"name", "type", "host", NULL};

/* One application: its common keys, then its type's table and check. */
static void parse_app(scn_ctx *c, const cJSON *a, scn_run *r, const app_registry *reg, app_spec *app)
{
    char *type = scn_get_string(c, a, "type", NULL, true);
    app->host = scn_get_string(c, a, "host", NULL, true);
    app->name = scn_get_string(c, a, "name", type, false);
    app->type = type ? app_registry_find(reg, type) : NULL;
    if (type && !app->type)
        fail_unknown_type(c, a, reg);
    g_free(type);
    if (app->type) {
        app->cfg = g_malloc0(app->type->config_size);
        app_reader rd;
        app_reader_init(&rd, c, a, r);
        if (app_reader_table(&rd, app_common_keys, app->type->keys, app->cfg) && app->type->check)
            app->type->check(&rd, app->cfg);
    }
    if (!c->failed && app->host && !scn_has_node(r, app->host)) {
        gsize t = scn_push_key(c, "host");
        scn_fail_no_node(c, r, app->host);
        scn_pop(c, t);
    }
    for (guint j = 0; j < r->apps->len && !c->failed; j++)
        if (app->name && !strcmp(g_array_index(r->apps, app_spec, j).name, app->name)) {
            gsize t = scn_push_key(c, "name");
            scn_fail(c, "a second application named \"%s\"", app->name);
            scn_pop(c, t);
        }
}

static void parse_apps(scn_ctx *c, const cJSON *apps, scn_run *r, const app_registry *reg)
{
    gsize m = scn_push_key(c, "apps");
    if (!cJSON_IsArray(apps)) {
        scn_fail_expected(c, apps, "a list of applications");
        scn_pop(c, m);
        return;
    }
    int i = 0;
    const cJSON *a;
    cJSON_ArrayForEach(a, apps)
    {
        gsize k = scn_push_index(c, i);
        app_spec app = {0};
        app.index = (guint)i++;
        if (!cJSON_IsObject(a))
            scn_fail_expected(c, a, "an application object");
        else
            parse_app(c, a, r, reg, &app);
        g_array_append_val(r->apps, app);
        scn_pop(c, k);
        if (c->failed)
            break;
    }
    scn_pop(c, m);
}

/* Two applications of one host may not listen on the same port. */
static void check_ports(scn_ctx *c, const scn_run *r)
{
    for (guint i = 0; i < r->apps->len && !c->failed; i++) {
        const app_spec *a = &g_array_index(r->apps, app_spec, i);
        uint16_t pa[16];
        size_t na = a->type->listens ? a->type->listens(a->cfg, pa, G_N_ELEMENTS(pa)) : 0;
        for (guint j = 0; j < i && !c->failed; j++) {
            const app_spec *b = &g_array_index(r->apps, app_spec, j);
            uint16_t pb[16];
            size_t nb = b->type->listens ? b->type->listens(b->cfg, pb, G_N_ELEMENTS(pb)) : 0;
            for (size_t x = 0; x < na && strcmp(a->host, b->host) == 0; x++)
                for (size_t y = 0; y < nb; y++)
                    if (pa[x] == pb[y] && !c->failed) {
                        gsize m = scn_push_key(c, "apps");
                        gsize k = scn_push_index(c, (int)i);
                        scn_fail(c, "port %u of host \"%s\" is taken by application \"%s\"", pa[x], a->host,
                                 b->name);
                        scn_pop(c, k);
                        scn_pop(c, m);
                    }
        }
    }
}

/* The names outputs.metric and outputs.formula may take. */
static GPtrArray *metric_names(const app_registry *reg)
{
    GPtrArray *names = g_ptr_array_new();
    for (size_t i = 0; i < reg->n; i++)
        for (const app_headline *h = reg->types[i]->headlines; h && h->name; h++)
            g_ptr_array_add(names, (gpointer)h->name);
    g_ptr_array_add(names, (gpointer)"link_utilisation");
    return names;
}

static GPtrArray *formula_names(const app_registry *reg)
{
    GPtrArray *names = g_ptr_array_new();
    for (size_t i = 0; i < reg->n; i++)
        for (const app_formula *f = reg->types[i]->formulas; f && f->name; f++)
            g_ptr_array_add(names, (gpointer)f->name);
    return names;
}

static bool listed(GPtrArray *names, const char *s)
{
    for (guint i = 0; i < names->len; i++)
        if (!strcmp(g_ptr_array_index(names, i), s))
            return true;
    return false;
}

/* Reads outputs.<key> (a string) and checks it is one of `names`. */
static char *get_named(scn_ctx *c, const cJSON *o, const char *key, GPtrArray *names)
{
    char *v = scn_get_string(c, o, key, NULL, false);
    if (v && !listed(names, v)) {
        char *exp = either_of(names);
        gsize t = scn_push_key(c, key);
        scn_fail_expected(c, scn_get(o, key), exp);
        scn_pop(c, t);
        g_free(exp);
    }
    return v;
}

/* Without outputs.metric: the first headline of the first application
 * that has one, else the busiest link's utilisation. */
static char *default_metric(const scn_run *r)
{
    for (guint i = 0; i < r->apps->len; i++) {
        const app_type *t = g_array_index(r->apps, app_spec, i).type;
        if (t->headlines && t->headlines[0].name)
            return g_strdup(t->headlines[0].name);
    }
    return g_strdup("link_utilisation");
}

static void parse_outputs(scn_ctx *c, const cJSON *o, scn_run *r, const app_registry *reg)
{
    scn_outputs *out = &r->out;
    if (o) {
        gsize m = scn_push_key(c, "outputs");
        if (scn_check_keys(c, o, out_keys)) {
            GPtrArray *metrics = metric_names(reg), *formulas = formula_names(reg);
            out->metric = get_named(c, o, "metric", metrics);
            out->formula = get_named(c, o, "formula", formulas);
            out->title = scn_get_string(c, o, "title", NULL, false);
            out->timeline = scn_get_bool(c, o, "timeline", false);
            g_ptr_array_free(metrics, TRUE);
            g_ptr_array_free(formulas, TRUE);
        }
        scn_pop(c, m);
    }
    if (!out->metric)
        out->metric = default_metric(r);
}

void scn_run_free(scn_run *r)
{
    if (!r)
        return;
    g_free(r->name);
    g_free(r->description);
    for (guint i = 0; i < r->nodes->len; i++)
        g_free(g_array_index(r->nodes, scn_node, i).name);
    g_array_free(r->nodes, TRUE);
    for (guint i = 0; i < r->links->len; i++) {
        scn_link *l = &g_array_index(r->links, scn_link, i);
        g_free(l->name);
        g_free(l->from);
        g_free(l->to);
        if (l->down)
            g_array_free(l->down, TRUE);
    }
    g_array_free(r->links, TRUE);
    for (guint i = 0; i < r->apps->len; i++)
        app_spec_clear(&g_array_index(r->apps, app_spec, i));
    g_array_free(r->apps, TRUE);
    g_free(r->out.metric);
    g_free(r->out.formula);
    g_free(r->out.title);
    g_free(r);
}

/* Checks a whole scenario tree (its sweep keys aside) into a run. */
static scn_run *parse_run(const char *file, const cJSON *root, uint64_t seed, const app_registry *reg,
                          GError **err)
{
    scn_ctx c = {file, g_string_new("$"), err, false};
    scn_run *r = g_new0(scn_run, 1);
    r->nodes = g_array_new(FALSE, TRUE, sizeof(scn_node));
    r->links = g_array_new(FALSE, TRUE, sizeof(scn_link));
    r->apps = g_array_new(FALSE, TRUE, sizeof(app_spec));
    r->seed = seed;
    if (scn_check_keys(&c, root, top_keys)) {
        r->name = scn_get_string(&c, root, "name", NULL, true);
        r->description = scn_get_string(&c, root, "description", "", false);
        const cJSON *stop = scn_get(root, "stop");
        if (stop && !(cJSON_IsString(stop) && !strcmp(stop->valuestring, "done"))) {
            gsize m = scn_push_key(&c, "stop");
            double t;
            if (scn_quantity(&c, stop, 1, &t))
                r->stop_time = (sim_time_t)llround(t);
            scn_pop(&c, m);
        }
        r->max_time = scn_get_time(&c, root, "max_time", SIM_S(3600));
        parse_tcp(&c, scn_get(root, "tcp"), r);
        if (!c.failed) {
            const cJSON *nodes = scn_get(root, "nodes");
            if (!nodes)
                scn_fail(&c, "missing key \"nodes\"");
            else
                parse_nodes(&c, nodes, r);
        }
        if (!c.failed)
            parse_links(&c, scn_get(root, "links"), r);
        if (!c.failed && scn_get(root, "apps"))
            parse_apps(&c, scn_get(root, "apps"), r, reg);
        if (!c.failed)
            check_ports(&c, r);
        if (!c.failed)
            parse_outputs(&c, scn_get(root, "outputs"), r, reg);
    }
    g_string_free(c.path, TRUE);
    if (c.failed) {
        scn_run_free(r);
        return NULL;
    }
    return r;
}

/* ---- paths ------------------------------------------------------------------- */

bool scn_json_set(cJSON *root, const char *path, const cJSON *value, GError **err)
{
    gchar **seg = g_strsplit(path, ".", -1);
    guint n = g_strv_length(seg);
    cJSON *at = root;
    bool ok = true;
    guint i = 0;
    if (n >= 3 && (!strcmp(seg[0], "links") || !strcmp(seg[0], "apps") || !strcmp(seg[0], "nodes"))) {
        cJSON *list = cJSON_GetObjectItemCaseSensitive(root, seg[0]), *found = NULL, *it;
        cJSON_ArrayForEach(it, list)
        {
            const cJSON *nm = cJSON_GetObjectItemCaseSensitive(it, "name");
            if (cJSON_IsString(nm) && !strcmp(nm->valuestring, seg[1]))
                found = it;
        }
        if (!found) {
            g_set_error(err, SCN_ERROR, SCN_ERROR_INVALID, "%s: there is no %s named \"%s\"", path,
                        !strcmp(seg[0], "links") ? "link" : !strcmp(seg[0], "apps") ? "application" : "node",
                        seg[1]);
            ok = false;
        }
        at = found;
        i = 2;
    } else if (n >= 1 && (!strcmp(seg[0], "links") || !strcmp(seg[0], "apps") || !strcmp(seg[0], "nodes"))) {
        g_set_error(err, SCN_ERROR, SCN_ERROR_INVALID, "%s: name the element, as in %s.NAME.KEY", path, seg[0]);
        ok = false;
    }
    for (; ok && i + 1 < n; i++) {
        if (cJSON_IsArray(at)) { /* a list element by its index: objects.0.size */
            char *end;
            guint64 idx = g_ascii_strtoull(seg[i], &end, 10);
            cJSON *el = *end || end == seg[i] ? NULL : cJSON_GetArrayItem(at, (int)idx);
            if (!el) {
                g_set_error(err, SCN_ERROR, SCN_ERROR_INVALID, "%s: \"%s\" is not an index of that list", path, seg[i]);
                ok = false;
            }
            at = el;
            continue;
        }
        cJSON *next = cJSON_GetObjectItemCaseSensitive(at, seg[i]);
        if (!next) {
            next = cJSON_CreateObject();
            cJSON_AddItemToObject(at, seg[i], next);
        }
        if (!cJSON_IsObject(next) && !cJSON_IsArray(next)) {
            g_set_error(err, SCN_ERROR, SCN_ERROR_INVALID, "%s: \"%s\" is not an object or a list", path, seg[i]);
            ok = false;
        }
        at = next;
    }
    if (ok && n > 0) {
        cJSON *copy = cJSON_Duplicate(value, true);
        if (cJSON_GetObjectItemCaseSensitive(at, seg[n - 1]))
            cJSON_ReplaceItemInObjectCaseSensitive(at, seg[n - 1], copy);
        else
            cJSON_AddItemToObject(at, seg[n - 1], copy);
    }
    g_strfreev(seg);
    return ok;
}

/* ---- loading ------------------------------------------------------------------ */

static void axis_free(gpointer p)
{
    scn_axis *a = p;
    if (!a)
        return;
    g_free(a->path);
    for (guint i = 0; i < a->values->len; i++)
        cJSON_Delete(g_ptr_array_index(a->values, i));
    g_ptr_array_free(a->values, TRUE);
    g_ptr_array_free(a->labels, TRUE);
    if (a->notes)
        g_ptr_array_free(a->notes, TRUE);
    g_free(a);
}

static char *label_of(const cJSON *v)
{
    if (cJSON_IsString(v))
        return g_strdup(v->valuestring);
    char *s = cJSON_PrintUnformatted(v);
    char *r = g_strdup(s);
    cJSON_free(s);
    return r;
}

/* "values": [...] or "range": {"from": X, "to": Y, "step": Z} (numbers, or
 * quantities with the same unit). */
static scn_axis *parse_axis(scn_ctx *c, const cJSON *o)
{
    static const char *const keys[] = {"path", "values", "range", "cases", NULL};
    static const char *const case_keys[] = {"label", "note", "set", NULL};
    const cJSON *cases = cJSON_IsObject(o) ? scn_get(o, "cases") : NULL;
    if (cases) {
        if (!scn_check_keys(c, o, keys))
            return NULL;
        scn_axis *a = g_new0(scn_axis, 1);
        a->cases = true;
        a->path = g_strdup("case");
        a->values = g_ptr_array_new();
        a->labels = g_ptr_array_new_with_free_func(g_free);
        a->notes = g_ptr_array_new_with_free_func(g_free);
        gsize m = scn_push_key(c, "cases");
        if (!cJSON_IsArray(cases) || cJSON_GetArraySize(cases) == 0)
            scn_fail_expected(c, cases, "a list of cases like [{\"label\": \"...\", \"set\": {\"links.access.rate\": \"15.4Mbps\"}}]");
        int i = 0;
        const cJSON *cs;
        cJSON_ArrayForEach(cs, cases)
        {
            gsize k = scn_push_index(c, i++);
            if (scn_check_keys(c, cs, case_keys)) {
                char *label = scn_get_string(c, cs, "label", NULL, true);
                char *note = scn_get_string(c, cs, "note", "", false);
                const cJSON *set = scn_get(cs, "set");
                if (!cJSON_IsObject(set)) {
                    gsize t = scn_push_key(c, "set");
                    scn_fail_expected(c, set, "an object of \"path\": value pairs");
                    scn_pop(c, t);
                }
                g_ptr_array_add(a->values, cJSON_Duplicate(set, true));
                g_ptr_array_add(a->labels, label ? label : g_strdup(""));
                g_ptr_array_add(a->notes, note ? note : g_strdup(""));
            }
            scn_pop(c, k);
            if (c->failed)
                break;
        }
        scn_pop(c, m);
        if (c->failed) {
            axis_free(a);
            return NULL;
        }
        return a;
    }
    static const char *const range_keys[] = {"from", "to", "step", NULL};
    if (!scn_check_keys(c, o, keys))
        return NULL;
    scn_axis *a = g_new0(scn_axis, 1);
    a->values = g_ptr_array_new();
    a->labels = g_ptr_array_new_with_free_func(g_free);
    a->path = scn_get_string(c, o, "path", NULL, true);
    const cJSON *vals = scn_get(o, "values"), *range = scn_get(o, "range");
    if (vals) {
        gsize m = scn_push_key(c, "values");
        if (!cJSON_IsArray(vals) || cJSON_GetArraySize(vals) == 0)
            scn_fail_expected(c, vals, "a non-empty list of values");
        const cJSON *v;
        cJSON_ArrayForEach(v, vals)
        {
            g_ptr_array_add(a->values, cJSON_Duplicate(v, true));
            g_ptr_array_add(a->labels, label_of(v));
        }
        scn_pop(c, m);
    } else if (range) {
        gsize m = scn_push_key(c, "range");
        if (scn_check_keys(c, range, range_keys)) {
            const cJSON *f = scn_get(range, "from"), *t = scn_get(range, "to"), *s = scn_get(range, "step");
            if (!cJSON_IsNumber(f) || !cJSON_IsNumber(t) || !cJSON_IsNumber(s) || s->valuedouble <= 0 ||
                t->valuedouble < f->valuedouble)
                scn_fail(c, "expected numbers {\"from\": A, \"to\": B, \"step\": S} with S > 0 and B >= A");
            else {
                int count = (int)floor((t->valuedouble - f->valuedouble) / s->valuedouble + 1e-9) + 1;
                if (count > 10000)
                    scn_fail(c, "a range of %d values is too long (at most 10000)", count);
                for (int i = 0; i < count && !c->failed; i++) {
                    cJSON *v = cJSON_CreateNumber(f->valuedouble + i * s->valuedouble);
                    g_ptr_array_add(a->values, v);
                    g_ptr_array_add(a->labels, label_of(v));
                }
            }
        }
        scn_pop(c, m);
    } else {
        scn_fail(c, "a sweep needs \"values\": [...] or \"range\": {\"from\", \"to\", \"step\"}");
    }
    if (c->failed) {
        axis_free(a);
        return NULL;
    }
    return a;
}

/* Line and column of a byte offset, for syntax errors. */
static void line_col(const char *text, size_t off, int *line, int *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < off && text[i]; i++) {
        if (text[i] == '\n') {
            (*line)++;
            *col = 1;
        } else {
            (*col)++;
        }
    }
}

static const char *syntax_hint(const char *at)
{
    while (*at == ' ' || *at == '\t' || *at == '\r' || *at == '\n')
        at++;
    if (!*at)
        return "the file ends too early: a '}' or ']' is missing";
    if (*at == '}' || *at == ']')
        return "a value is missing (a trailing comma before it?)";
    if (*at == '\'')
        return "strings take double quotes \"...\"";
    if (*at == '"')
        return "expected ',' or a closing bracket: is a comma missing before this?";
    if (*at == '/')
        return "JSON has no comments";
    if (g_ascii_isalpha(*at))
        return "expected a value: strings need double quotes (true, false and null are the only words)";
    return "expected a value, ',' or a closing bracket";
}

/* The file as a JSON tree, or a syntax error at file:line:column. */
static cJSON *read_json(const char *file, GError **err)
{
    gchar *text = NULL;
    gsize len = 0;
    GError *e = NULL;
    if (!g_file_get_contents(file, &text, &len, &e)) {
        g_set_error(err, SCN_ERROR, SCN_ERROR_IO, "%s: cannot read: %s", file, e->message);
        g_error_free(e);
        return NULL;
    }
    const char *end = NULL;
    cJSON *root = strlen(text) == len ? cJSON_ParseWithOpts(text, &end, true) : NULL;
    if (!root) {
        size_t off = end ? (size_t)(end - text) : 0;
        const char *perr = cJSON_GetErrorPtr();
        if (perr && perr >= text && perr <= text + len)
            off = (size_t)(perr - text);
        if (off > 0 && (text[off - 1] == '\'' || text[off - 1] == '/'))
            off--; /* cJSON stops one past a quote or slash it cannot take */
        int line, col;
        line_col(text, off, &line, &col);
        g_set_error(err, SCN_ERROR, SCN_ERROR_SYNTAX, "%s:%d:%d: syntax error: %s", file, line, col,
                    syntax_hint(text + off));
    }
    g_free(text);
    return root;
}

/* Applies --set PATH=VALUE overrides to the tree. */
static bool apply_sets(cJSON *root, const char *const *sets, GError **err)
{
    for (const char *const *s = sets; s && *s; s++) {
        const char *eq = strchr(*s, '=');
        if (!eq || eq == *s) {
            g_set_error(err, SCN_ERROR, SCN_ERROR_INVALID, "--set %s: expected PATH=VALUE", *s);
            return false;
        }
        char *path = g_strndup(*s, (gsize)(eq - *s));
        /* JSON if the whole value is JSON (50, true, "x", [1,2]); else a
         * bare string (50ms, reno) */
        cJSON *v = cJSON_ParseWithOpts(eq + 1, NULL, true);
        if (!v)
            v = cJSON_CreateString(eq + 1);
        bool ok = scn_json_set(root, path, v, err);
        cJSON_Delete(v);
        g_free(path);
        if (!ok) {
            g_prefix_error(err, "--set: ");
            return false;
        }
    }
    return true;
}

/* The most sweep axes a scenario may have: a run's coordinates, the compare
 * axis's last, are kept in arrays of 64 (scenario_run, results.c). */
#define SCN_MAX_SWEEPS 63
/* The most runs a plan may have, as many as the values of one range: every
 * run is checked when the scenario loads, before anything runs. */
#define SCN_MAX_RUNS 10000

/* The seed, the sweep axes and the compare axis. */
static bool parse_plan(scenario *sc, GError **err)
{
    scn_ctx c = {sc->file, g_string_new("$"), err, false};
    const cJSON *root = sc->root;
    sc->seed = (uint64_t)scn_get_number(&c, root, "seed", 1, 0, 9007199254740992.0, true, "a whole number from 0 to 2^53");
    const cJSON *sweep = scn_get(root, "sweep"), *cmp = scn_get(root, "compare");
    if (sweep && !c.failed) {
        gsize m = scn_push_key(&c, "sweep");
        if (!cJSON_IsArray(sweep))
            scn_fail_expected(&c, sweep, "a list of sweeps like [{\"path\": \"links.access.delay\", \"values\": [\"10ms\", \"50ms\"]}]");
        else if (cJSON_GetArraySize(sweep) > SCN_MAX_SWEEPS)
            scn_fail(&c, "%d sweeps; at most %d", cJSON_GetArraySize(sweep), SCN_MAX_SWEEPS);
        int i = 0;
        const cJSON *a;
        cJSON_ArrayForEach(a, sweep)
        {
            gsize k = scn_push_index(&c, i++);
            scn_axis *ax = parse_axis(&c, a);
            if (ax)
                g_ptr_array_add(sc->axes, ax);
            scn_pop(&c, k);
            if (c.failed)
                break;
        }
        scn_pop(&c, m);
    }
    if (cmp && !c.failed) {
        gsize m = scn_push_key(&c, "compare");
        sc->compare = parse_axis(&c, cmp);
        scn_pop(&c, m);
    }
    uint64_t runs = 1; /* stops growing past the limit, so it cannot overflow */
    for (guint i = 0; i < sc->axes->len && runs <= SCN_MAX_RUNS; i++)
        runs *= ((scn_axis *)g_ptr_array_index(sc->axes, i))->values->len;
    if (sc->compare && runs <= SCN_MAX_RUNS)
        runs *= sc->compare->values->len;
    if (runs > SCN_MAX_RUNS && !c.failed) {
        gsize m = scn_push_key(&c, sweep ? "sweep" : "compare");
        scn_fail(&c, "every combination of values is one run, and these make more than %d", SCN_MAX_RUNS);
        scn_pop(&c, m);
    }
    g_string_free(c.path, TRUE);
    return !c.failed;
}

scenario *scenario_load(const char *file, const char *const *sets, const app_registry *reg, GError **err)
{
    cJSON *root = read_json(file, err);
    if (!root)
        return NULL;
    if (!apply_sets(root, sets, err)) {
        cJSON_Delete(root);
        return NULL;
    }
    scenario *sc = g_new0(scenario, 1);
    sc->file = g_strdup(file);
    sc->reg = reg;
    sc->root = root;
    sc->axes = g_ptr_array_new_with_free_func(axis_free);
    if (!parse_plan(sc, err)) {
        scenario_free(sc);
        return NULL;
    }
    char *full = cJSON_Print(root);
    sc->full_json = g_strdup(full);
    cJSON_free(full);
    cJSON_DeleteItemFromObjectCaseSensitive(root, "sweep");
    cJSON_DeleteItemFromObjectCaseSensitive(root, "compare");
    /* Check every run now, so that `appsim check` finds an error in any
     * sweep value before anything runs. */
    guint runs = scenario_run_count(sc);
    for (guint k = 0; k < runs; k++) {
        scn_run *r = scenario_run(sc, k, err);
        if (!r) {
            scenario_free(sc);
            return NULL;
        }
        if (k == 0) {
            sc->name = g_strdup(r->name);
            sc->description = g_strdup(r->description);
        }
        scn_run_free(r);
    }
    return sc;
}

void scenario_free(scenario *s)
{
    if (!s)
        return;
    cJSON_Delete(s->root);
    g_ptr_array_free(s->axes, TRUE);
    axis_free(s->compare);
    g_free(s->file);
    g_free(s->name);
    g_free(s->description);
    g_free(s->full_json);
    g_free(s);
}

const char *scenario_name(const scenario *s) { return s->name; }
const app_registry *scenario_registry(const scenario *s) { return s->reg; }
const char *scenario_description(const scenario *s) { return s->description; }
uint64_t scenario_seed(const scenario *s) { return s->seed; }
void scenario_set_seed(scenario *s, uint64_t seed) { s->seed = seed; }
guint scenario_axes(const scenario *s) { return s->axes->len; }
const scn_axis *scenario_axis(const scenario *s, guint i) { return g_ptr_array_index(s->axes, i); }
const scn_axis *scenario_compare(const scenario *s) { return s->compare; }

guint scenario_run_count(const scenario *s)
{
    guint n = 1;
    for (guint i = 0; i < s->axes->len; i++)
        n *= ((scn_axis *)g_ptr_array_index(s->axes, i))->values->len;
    if (s->compare)
        n *= s->compare->values->len;
    return n;
}

void scenario_run_coords(const scenario *s, guint k, guint *coords)
{
    /* compare varies slowest, then axis 0, ..., the last axis fastest */
    guint nax = s->axes->len;
    for (guint i = nax; i-- > 0;) {
        guint len = ((scn_axis *)g_ptr_array_index(s->axes, i))->values->len;
        coords[i] = k % len;
        k /= len;
    }
    if (s->compare)
        coords[nax] = k % s->compare->values->len;
}

scn_run *scenario_run(const scenario *s, guint k, GError **err)
{
    guint coords[64];
    guint nax = MIN(s->axes->len, 63u);
    scenario_run_coords(s, k, coords);
    cJSON *tree = cJSON_Duplicate(s->root, true);
    bool ok = true;
    for (guint i = 0; i < nax && ok; i++) {
        const scn_axis *a = g_ptr_array_index(s->axes, i);
        if (a->cases) {
            const cJSON *set = g_ptr_array_index(a->values, coords[i]), *kv;
            cJSON_ArrayForEach(kv, set)
            {
                if (ok && !(ok = scn_json_set(tree, kv->string, kv, err)))
                    g_prefix_error(err, "%s: $.sweep[%u].cases[%u].set: ", s->file, i, coords[i]);
            }
            continue;
        }
        ok = scn_json_set(tree, a->path, g_ptr_array_index(a->values, coords[i]), err);
        if (!ok)
            g_prefix_error(err, "%s: $.sweep[%u].path: ", s->file, i);
    }
    if (ok && s->compare && s->compare->cases) {
        const cJSON *set = g_ptr_array_index(s->compare->values, coords[nax]), *kv;
        cJSON_ArrayForEach(kv, set)
        {
            if (ok && !(ok = scn_json_set(tree, kv->string, kv, err)))
                g_prefix_error(err, "%s: $.compare.cases[%u].set: ", s->file, coords[nax]);
        }
    } else if (ok && s->compare) {
        ok = scn_json_set(tree, s->compare->path, g_ptr_array_index(s->compare->values, coords[nax]), err);
        if (!ok)
            g_prefix_error(err, "%s: $.compare.path: ", s->file);
    }
    char *runname = g_strdup_printf("run:%u", k);
    uint64_t seed = scenario_run_count(s) == 1 ? s->seed : sim_seed_derive(s->seed, runname);
    g_free(runname);
    scn_run *r = ok ? parse_run(s->file, tree, seed, s->reg, err) : NULL;
    if (!r && ok && err && *err && (s->axes->len || s->compare)) {
        GString *where = g_string_new("");
        for (guint i = 0; i < nax; i++) {
            const scn_axis *a = g_ptr_array_index(s->axes, i);
            g_string_append_printf(where, "%s%s = %s", i ? ", " : "", a->path,
                                   (const char *)g_ptr_array_index(a->labels, coords[i]));
        }
        if (s->compare)
            g_string_append_printf(where, "%s%s = %s", nax ? ", " : "", s->compare->path,
                                   (const char *)g_ptr_array_index(s->compare->labels, coords[nax]));
        char *msg = g_strdup_printf("%s (in the sweep run with %s)", (*err)->message, where->str);
        g_free((*err)->message);
        (*err)->message = msg;
        g_string_free(where, TRUE);
    }
    cJSON_Delete(tree);
    return r;
}

char *scenario_json(const scenario *s) { return g_strdup(s->full_json); }

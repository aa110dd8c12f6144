/*
 * scn_run: one run's scenario tree checked into a scn_run — the top level
 * (name, stop rule and budgets), tcp, nodes, links, applications (each
 * through its type's key table, app.h) and outputs.
 *
 * Names are looked up through hash tables (node and link names in the
 * scn_run, application names and listening ports while checking), so
 * checking a topology of n nodes and links costs O(n), not O(n^2).
 */
#include <math.h>
#include <string.h>

#include "app_reader.h"
#include "scn_priv.h"
#include "scn_read.h"

static const char *const top_keys[] = {"name", "description", "seed", "stop", "max_time", "max_events",
                                       "max_wall", "tcp", "nodes", "links", "apps", "sweep", "compare",
                                       "outputs", NULL};
static const char *const tcp_keys[] = {"preset", "cc", "mss", "init_cwnd", "delayed_ack", "sndbuf", "rcvbuf",
                                       "header", "rto_min", "time_wait", "send_jitter", "init_ssthresh",
                                       "abc_limit", "delack_segments", "delack_timeout", "rto_initial",
                                       "rto_max", "max_retries", "syn_retries", "timestamps", "sack", "prr",
                                       "limited_transmit", "hystart", NULL};
static const char *const node_keys[] = {"name", "type", "inbound", NULL};
static const char *const link_keys[] = {"name", "from", "to", "rate", "delay", "queue",
                                        "queue_bytes", "loss", "down", "reverse", NULL};
static const char *const dir_keys[] = {"rate", "delay", "queue", "queue_bytes", "loss", NULL};
static const char *const out_keys[] = {"metric", "formula", "title", "timeline", "cdf", "cdf_by", "lines", "formats",
                                       NULL};

const scn_node *scn_run_node(const scn_run *r, const char *name)
{
    guint i = name && r->node_index ? GPOINTER_TO_UINT(g_hash_table_lookup(r->node_index, name)) : 0;
    return i ? &g_array_index(r->nodes, scn_node, i - 1) : NULL;
}

/* ---- the top level ------------------------------------------------------------- */

/* name, description, the stop rule and the budgets. */
static void parse_top(scn_ctx *c, const cJSON *root, scn_run *r)
{
    r->name = scn_get_name(c, root, "name", NULL, true, true);
    r->description = scn_get_text(c, root, "description", "", false, SCN_MAX_TEXT);
    const cJSON *stop = scn_get(root, "stop");
    bool by_time = stop && !(cJSON_IsString(stop) && !strcmp(stop->valuestring, "done"));
    if (by_time)
        r->stop_time = (sim_time_t)scn_get_quantity(c, root, "stop", SCN_Q_TIME, 0, 1, 0, false);
    r->max_time = (sim_time_t)scn_get_quantity(c, root, "max_time", SCN_Q_TIME, 3600e9, 1, 0, false);
    if (!c->failed && r->stop_time > r->max_time) {
        gsize m = scn_push_key(c, "stop");
        scn_fail(c, "the run stops at %gs, after max_time (%gs): raise max_time", sim_time_to_s(r->stop_time),
                 sim_time_to_s(r->max_time));
        scn_pop(c, m);
    }
    r->max_events = (uint64_t)scn_get_number(c, root, "max_events", 0, 0, SCN_MAX_EVENTS, true,
                                             "a whole number of events from 0 (no limit) to 1e15");
    r->max_wall = (sim_time_t)scn_get_quantity(c, root, "max_wall", SCN_Q_TIME, 0, 0, 0, false);
}

/* The parameters docs/tcp.md lists beyond the common ones. */
static void parse_tcp_more(scn_ctx *c, const cJSON *t, tcp_params_t *p)
{
    p->init_ssthresh = (uint32_t)scn_get_quantity(c, t, "init_ssthresh", SCN_Q_SIZE, p->init_ssthresh, 0,
                                                  UINT32_MAX, false);
    p->abc_limit = (uint32_t)scn_get_number(c, t, "abc_limit", p->abc_limit, 1, 1000, true,
                                            "a whole number of segments from 1 to 1000");
    p->delack_segments = (uint32_t)scn_get_number(c, t, "delack_segments", p->delack_segments, 1, 1000, true,
                                                  "a whole number of segments from 1 to 1000");
    p->delack_timeout = scn_get_time(c, t, "delack_timeout", p->delack_timeout);
    p->rto_initial = scn_get_time(c, t, "rto_initial", p->rto_initial);
    p->rto_max = scn_get_time(c, t, "rto_max", p->rto_max);
    p->max_retries = (uint32_t)scn_get_number(c, t, "max_retries", p->max_retries, 1, 100, true,
                                              "a whole number of timeouts from 1 to 100");
    p->syn_retries = (uint32_t)scn_get_number(c, t, "syn_retries", p->syn_retries, 1, 100, true,
                                              "a whole number of timeouts from 1 to 100");
    p->timestamps = scn_get_bool(c, t, "timestamps", p->timestamps);
    p->sack = scn_get_bool(c, t, "sack", p->sack);
    p->prr = scn_get_bool(c, t, "prr", p->prr);
    p->limited_transmit = scn_get_bool(c, t, "limited_transmit", p->limited_transmit);
    p->hystart = scn_get_bool(c, t, "hystart", p->hystart);
}

static void parse_tcp(scn_ctx *c, const cJSON *t, scn_run *r)
{
    tcp_params_default(&r->tcp);
    r->tcp_header = 40;
    if (!t)
        return;
    gsize m = scn_push_key(c, "tcp");
    if (scn_check_keys(c, t, tcp_keys)) {
        /* A preset first: the keys beside it override its values. */
        char *preset = scn_get_string(c, t, "preset", NULL, false);
        if (preset && !tcp_params_preset(preset, &r->tcp)) {
            gsize k = scn_push_key(c, "preset");
            scn_fail_expected(c, scn_get(t, "preset"), "\"linux\"");
            scn_pop(c, k);
        }
        g_free(preset);
        char *cc = scn_get_string(c, t, "cc", NULL, false);
        if (cc && !tcp_cc_parse(cc, &r->tcp.cc)) {
            gsize k = scn_push_key(c, "cc");
            scn_fail_expected(c, scn_get(t, "cc"), "\"reno\", \"newreno\", \"cubic\" or \"ideal\"");
            scn_pop(c, k);
        }
        g_free(cc);
        r->tcp.mss = (uint32_t)scn_get_quantity(c, t, "mss", SCN_Q_SIZE, r->tcp.mss, 1, 65495, false);
        r->tcp.init_cwnd = (uint32_t)scn_get_number(c, t, "init_cwnd", r->tcp.init_cwnd, 1, 1000, true,
                                                    "a whole number of segments from 1 to 1000");
        r->tcp.delayed_ack = scn_get_bool(c, t, "delayed_ack", r->tcp.delayed_ack);
        r->tcp.sndbuf = (uint32_t)scn_get_quantity(c, t, "sndbuf", SCN_Q_SIZE, r->tcp.sndbuf, 0, UINT32_MAX, false);
        r->tcp.rcvbuf = (uint32_t)scn_get_quantity(c, t, "rcvbuf", SCN_Q_SIZE, r->tcp.rcvbuf, 0, UINT32_MAX, false);
        /* TCP/IP header bytes counted on the wire per segment */
        r->tcp_header = (uint16_t)scn_get_quantity(c, t, "header", SCN_Q_SIZE, 40, 0, 1000, false);
        r->tcp.rto_min = scn_get_time(c, t, "rto_min", r->tcp.rto_min);
        r->tcp.time_wait = scn_get_time(c, t, "time_wait", r->tcp.time_wait);
        r->tcp.send_jitter = scn_get_time(c, t, "send_jitter", 0);
        parse_tcp_more(c, t, &r->tcp);
        GError *e = NULL;
        if (!c->failed && !tcp_params_check(&r->tcp, &e)) {
            scn_fail(c, "%s", e->message);
            g_error_free(e);
        }
    }
    scn_pop(c, m);
}

/* ---- nodes and links ------------------------------------------------------------- */

/* "inbound": "accept" (the default), "refuse" or "drop", hosts only. */
static void parse_inbound(scn_ctx *c, const cJSON *n, scn_node *nd)
{
    if (!scn_get(n, "inbound"))
        return;
    gsize t = scn_push_key(c, "inbound");
    const cJSON *v = scn_get(n, "inbound");
    if (!cJSON_IsString(v) || !node_inbound_parse(v->valuestring, &nd->inbound))
        scn_fail_expected(c, v, "\"accept\", \"refuse\" (answer connection requests with a reset) or \"drop\"");
    else if (nd->router && nd->inbound != NODE_INBOUND_ACCEPT)
        scn_fail(c, "only a host has an inbound rule (this node is a router)");
    scn_pop(c, t);
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
            nd.name = scn_get_name(c, n, "name", NULL, true, false);
            char *type = scn_get_string(c, n, "type", "host", false);
            if (type && strcmp(type, "host") && strcmp(type, "router")) {
                gsize t = scn_push_key(c, "type");
                scn_fail_expected(c, scn_get(n, "type"), "\"host\" or \"router\"");
                scn_pop(c, t);
            }
            nd.router = type && !strcmp(type, "router");
            g_free(type);
            parse_inbound(c, n, &nd);
            if (nd.name && scn_has_node(r, nd.name)) {
                gsize t = scn_push_key(c, "name");
                scn_fail(c, "a second node named \"%s\"", nd.name);
                scn_pop(c, t);
            }
            g_array_append_val(r->nodes, nd);
            if (nd.name && !c->failed)
                g_hash_table_insert(r->node_index, nd.name, GUINT_TO_POINTER(r->nodes->len));
        }
        scn_pop(c, k);
        if (c->failed)
            break;
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

/* End e (0 start, 1 end) of a down interval, located at its index. */
static bool interval_end(scn_ctx *c, const cJSON *iv, int e, double *out)
{
    gsize m = scn_push_index(c, e);
    bool ok = scn_quantity(c, cJSON_GetArrayItem(iv, e), SCN_Q_TIME, out);
    scn_pop(c, m);
    return ok;
}

/* "down": [[start, end], ...], each time within the kind's range. */
static void parse_down(scn_ctx *c, const cJSON *down, scn_link *ln)
{
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
        else if (interval_end(c, iv, 0, &a) && interval_end(c, iv, 1, &b)) {
            if (b <= a)
                scn_fail(c, "the end of a down interval must come after its start");
            sim_time_t pair[2] = {(sim_time_t)a, (sim_time_t)b};
            g_array_append_vals(ln->down, pair, 2);
        }
        scn_pop(c, u);
        if (c->failed)
            break;
    }
    scn_pop(c, t);
}

/* The link's name (given, or "<from>-<to>"), unique among the links. */
static void link_name_of(scn_ctx *c, const cJSON *l, scn_link *ln, const scn_run *r)
{
    ln->name = scn_get_name(c, l, "name", NULL, false, false);
    bool given = ln->name != NULL;
    if (!ln->name && ln->from && ln->to && !c->failed)
        ln->name = g_strdup_printf("%s-%s", ln->from, ln->to);
    if (ln->name && !c->failed && scn_has_link(r, ln->name)) {
        gsize t = given ? scn_push_key(c, "name") : c->path->len;
        scn_fail(c, "a second link named \"%s\"%s", ln->name, given ? "" : " (give one of them a \"name\")");
        scn_pop(c, t);
    }
}

static void parse_link(scn_ctx *c, const cJSON *l, scn_run *r)
{
    scn_link ln = {0};
    ln.down = g_array_new(FALSE, FALSE, sizeof(sim_time_t));
    ln.from = scn_get_string(c, l, "from", NULL, true);
    ln.to = scn_get_string(c, l, "to", NULL, true);
    for (int e = 0; e < 2 && !c->failed; e++) {
        const char *end = e ? ln.to : ln.from;
        if (end && !scn_has_node(r, end)) {
            gsize t = scn_push_key(c, e ? "to" : "from");
            scn_fail_no_node(c, r, end);
            scn_pop(c, t);
        }
    }
    link_name_of(c, l, &ln, r);
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
    if (down && !c->failed)
        parse_down(c, down, &ln);
    g_array_append_val(r->links, ln);
    if (!c->failed)
        g_hash_table_insert(r->link_index, ln.name, GUINT_TO_POINTER(r->links->len));
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
        if (scn_check_keys(c, l, link_keys))
            parse_link(c, l, r);
        scn_pop(c, k);
        if (c->failed)
            break;
    }
    scn_pop(c, m);
}

/* ---- applications ------------------------------------------------------------------ */

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

/* One application: its common keys, then its type's table and check.
 * `names` holds the names of the applications before it. */
static void parse_app(scn_ctx *c, const cJSON *a, scn_run *r, const app_registry *reg, app_spec *app,
                      GHashTable *names)
{
    char *type = scn_get_string(c, a, "type", NULL, true);
    app->host = scn_get_string(c, a, "host", NULL, true);
    app->type = type ? app_registry_find(reg, type) : NULL;
    app->name = scn_get_name(c, a, "name", app->type ? type : NULL, false, false);
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
    if (!c->failed && app->host) {
        gsize t = scn_push_key(c, "host");
        scn_check_host(c, r, app->host);
        scn_pop(c, t);
    }
    if (!c->failed && app->name && !g_hash_table_add(names, app->name)) {
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
    GHashTable *names = g_hash_table_new(g_str_hash, g_str_equal);
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
            parse_app(c, a, r, reg, &app, names);
        g_array_append_val(r->apps, app);
        scn_pop(c, k);
        if (c->failed)
            break;
    }
    g_hash_table_destroy(names);
    scn_pop(c, m);
}

/* Two applications of one host may not listen on the same port, on any
 * host of a group either (app_type.extra_host): an error located at the
 * application, or at the entry of its list of hosts that conflicts.
 * O(ports x hosts). */
static void check_ports(scn_ctx *c, const scn_run *r)
{
    GHashTable *taken = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    for (guint i = 0; i < r->apps->len && !c->failed; i++) {
        const app_spec *a = &g_array_index(r->apps, app_spec, i);
        uint16_t pa[16];
        size_t na = app_type_listens(a->type, a->cfg, pa, G_N_ELEMENTS(pa));
        const char *host = a->host;
        for (size_t h = 0; na && host && !c->failed; h++) {
            for (size_t x = 0; x < na && !c->failed; x++) {
                char *key = g_strdup_printf("%u %s", pa[x], host);
                const app_spec *b = g_hash_table_lookup(taken, key);
                if (!b) {
                    g_hash_table_insert(taken, key, (gpointer)a);
                    continue;
                }
                g_free(key);
                gsize m = scn_push_key(c, "apps");
                gsize k = scn_push_index(c, (int)i);
                gsize l = 0, e = 0;
                if (h > 0 && a->type->extra_hosts_key) {
                    l = scn_push_key(c, a->type->extra_hosts_key);
                    e = scn_push_index(c, (int)(h - 1));
                }
                if (b == a)
                    scn_fail(c, "port %u of host \"%s\" is taken twice by this application", pa[x], host);
                else
                    scn_fail(c, "port %u of host \"%s\" is taken by application \"%s\"", pa[x], host, b->name);
                if (h > 0 && a->type->extra_hosts_key) {
                    scn_pop(c, e);
                    scn_pop(c, l);
                }
                scn_pop(c, k);
                scn_pop(c, m);
            }
            host = a->type->extra_host ? a->type->extra_host(a->cfg, h) : NULL;
        }
    }
    g_hash_table_destroy(taken);
}

/* ---- outputs -------------------------------------------------------------------------- */

static bool listed(GPtrArray *names, const char *s)
{
    for (guint i = 0; i < names->len; i++)
        if (!strcmp(g_ptr_array_index(names, i), s))
            return true;
    return false;
}

/* The names outputs.metric and outputs.formula may take. */
static GPtrArray *metric_names(const app_registry *reg)
{
    GPtrArray *names = g_ptr_array_new();
    for (size_t i = 0; i < reg->n; i++)
        for (const app_headline *h = reg->types[i]->headlines; h && h->name; h++)
            if (!listed(names, h->name)) /* a headline several types share is named once */
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

/* The headline formula `name` predicts (its type's app_prediction), NULL
 * when its type names none (a formula in seconds). O(types x formulas). */
static const char *formula_predicts(const app_registry *reg, const char *name)
{
    for (size_t i = 0; i < reg->n; i++) {
        const app_type *t = reg->types[i];
        for (const app_formula *f = t->formulas; f && f->name; f++) {
            if (strcmp(f->name, name))
                continue;
            for (const app_prediction *p = t->predictions; p && p->formula; p++)
                if (!strcmp(p->formula, name))
                    return p->headline;
            return NULL;
        }
    }
    return NULL;
}

/* `text` as one formula's name or a sum ("dns-lookup + http-page"): 1 to
 * SCN_MAX_FORMULAS names of `names` joined by "+", blanks around them
 * ignored. Returns the names joined by "+" without blanks, or NULL when
 * `text` is not of that form. */
static char *formula_expr(const char *text, GPtrArray *names)
{
    gchar **terms = g_strsplit(text, "+", 0);
    GString *norm = g_string_new(NULL);
    bool ok = terms[0] != NULL && g_strv_length(terms) <= SCN_MAX_FORMULAS;
    for (int i = 0; ok && terms[i]; i++) {
        char *t = g_strstrip(terms[i]);
        if (!listed(names, t))
            ok = false;
        else
            g_string_append_printf(norm, "%s%s", i ? "+" : "", t);
    }
    g_strfreev(terms);
    return g_string_free(norm, !ok);
}

/* Reads one entry of outputs.formula (the current path is its place) and
 * appends it to out->formulas: a string of the form formula_expr takes,
 * listed once, and predicting a headline no earlier entry predicts (at
 * most one entry names no headline: it predicts every time the others do
 * not). O(entries). */
static void add_formula(scn_ctx *c, const cJSON *v, GPtrArray *names, const app_registry *reg, scn_outputs *out)
{
    char *expr = cJSON_IsString(v) ? formula_expr(v->valuestring, names) : NULL;
    if (!expr) {
        char *exp = either_of(names);
        char *full = g_strdup_printf("%s, or at most %d of them joined by \"+\" (their sum)", exp, SCN_MAX_FORMULAS);
        scn_fail_expected(c, v, full);
        g_free(full);
        g_free(exp);
        return;
    }
    char *first = g_strndup(expr, strcspn(expr, "+"));
    scn_formula f = {expr, formula_predicts(reg, first)};
    g_free(first);
    for (guint i = 0; i < out->formulas->len; i++) {
        const scn_formula *e = &g_array_index(out->formulas, scn_formula, i);
        if (!strcmp(e->expr, expr)) {
            scn_fail(c, "\"%s\" is listed twice: list each formula once", expr);
        } else if (e->predicts && f.predicts && !strcmp(e->predicts, f.predicts)) {
            scn_fail(c, "\"%s\" predicts \"%s\" as \"%s\" (at [%u]) does: list one formula per headline", expr,
                     f.predicts, e->expr, i);
        } else if (!e->predicts && !f.predicts) {
            scn_fail(c,
                     "\"%s\" and \"%s\" (at [%u]) both predict any time (neither names the one headline it "
                     "predicts): list at most one such formula",
                     expr, e->expr, i);
        }
        if (c->failed) {
            g_free(expr);
            return;
        }
    }
    g_array_append_val(out->formulas, f);
}

/* Reads outputs.formula: one entry (a string), or a list of 1 to
 * SCN_MAX_FORMULAS entries, each drawn beside the headline it predicts;
 * each entry's mistake is located ($.outputs.formula[1]). */
static void get_formulas(scn_ctx *c, const cJSON *o, GPtrArray *names, const app_registry *reg, scn_outputs *out)
{
    const cJSON *v = scn_get(o, "formula");
    if (!v)
        return;
    gsize t = scn_push_key(c, "formula");
    if (!cJSON_IsArray(v)) {
        add_formula(c, v, names, reg, out);
        scn_pop(c, t);
        return;
    }
    out->formula_list = true;
    int n = cJSON_GetArraySize(v);
    if (n < 1 || n > SCN_MAX_FORMULAS) {
        char *found = n ? g_strdup_printf("a list of %d entries", n) : g_strdup("an empty list");
        scn_fail(c, "found %s, expected a formula's name (or a sum) or a list of 1 to %d of them", found,
                 SCN_MAX_FORMULAS);
        g_free(found);
    }
    int i = 0;
    for (const cJSON *e = v->child; e && !c->failed; e = e->next, i++) {
        gsize ti = scn_push_index(c, i);
        add_formula(c, e, names, reg, out);
        scn_pop(c, ti);
    }
    scn_pop(c, t);
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

/* Reads outputs.metric as a list: 1 to SCN_MAX_METRICS different
 * headlines, each one of `names`; the first becomes out->metric, the
 * others out->more_metrics. Each element's mistake is located
 * ($.outputs.metric[1]). O(list x (names + list)). */
static void get_metric_list(scn_ctx *c, const cJSON *list, GPtrArray *names, scn_outputs *out)
{
    gsize t = scn_push_key(c, "metric");
    int n = cJSON_GetArraySize(list);
    if (n < 1 || n > SCN_MAX_METRICS) {
        char *found = n ? g_strdup_printf("a list of %d names", n) : g_strdup("an empty list");
        scn_fail(c, "found %s, expected a headline's name or a list of 1 to %d of them", found, SCN_MAX_METRICS);
        g_free(found);
        scn_pop(c, t);
        return;
    }
    char *exp = either_of(names);
    int i = 0;
    for (const cJSON *e = list->child; e && !c->failed; e = e->next, i++) {
        gsize ti = scn_push_index(c, i);
        if (!cJSON_IsString(e) || !listed(names, e->valuestring)) {
            scn_fail_expected(c, e, exp);
        } else if (i > 0 && (!strcmp(out->metric, e->valuestring) || listed(out->more_metrics, e->valuestring))) {
            scn_fail(c, "\"%s\" is named twice in the list: name each headline once", e->valuestring);
        } else if (i == 0) {
            out->metric = g_strdup(e->valuestring);
        } else {
            g_ptr_array_add(out->more_metrics, g_strdup(e->valuestring));
        }
        scn_pop(c, ti);
    }
    g_free(exp);
    scn_pop(c, t);
}

/* Whether `column` is one of the comma-separated names of `header`. */
static bool header_has(const char *header, const char *column)
{
    size_t n = strlen(column);
    for (const char *p = header; p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
        if (!strncmp(p, column, n) && (p[n] == ',' || p[n] == 0))
            return true;
    return false;
}

/* How many tables of records type `t` has. */
static int records_of(const app_type *t)
{
    int n = 0;
    while (t->records && t->records[n].kind)
        n++;
    return n;
}

/* The header of the CSV file `file` the run's applications write (a
 * type's own file, one of its further tables, or a table of records: "host,time_s," and its
 * columns), into `out` (a new string); NULL when none writes it. The
 * files' names are listed in `names` ("requests.csv", ...). */
static char *csv_header_of(const scn_run *r, const char *file, GString *names)
{
    char *found = NULL;
    for (guint i = 0; i < r->apps->len; i++) {
        const app_type *t = g_array_index(r->apps, app_spec, i).type;
        for (int k = -1; t; k++) {
            const char *f = NULL, *h = NULL, *pre = "";
            if (k < 0) {
                f = t->csv_file;
                h = t->csv_header;
            } else if (t->records && t->records[k].kind) {
                f = t->records[k].csv_file;
                h = t->records[k].csv_header;
                pre = "host,time_s,";
            } else if (t->tables && t->tables[k - records_of(t)].csv_file) {
                f = t->tables[k - records_of(t)].csv_file;
                h = t->tables[k - records_of(t)].csv_header;
            } else {
                break;
            }
            if (!f || !h)
                continue;
            if (!found && !strcmp(f, file))
                found = g_strconcat(pre, h, NULL);
            char *quoted = g_strdup_printf("\"%s\"", f);
            if (!strstr(names->str, quoted))
                g_string_append_printf(names, "%s%s", names->len ? ", " : "", quoted);
            g_free(quoted);
        }
    }
    return found;
}

/* outputs.cdf: "<csv file>:<column>", a column of a CSV file the
 * scenario's applications write. */
static void get_cdf(scn_ctx *c, const cJSON *o, scn_run *r)
{
    const cJSON *v = scn_get(o, "cdf");
    if (!v) {
        if (scn_get(o, "cdf_by")) {
            gsize tb = scn_push_key(c, "cdf_by");
            scn_fail(c, "cdf_by needs outputs.cdf (the CSV file and the column to draw)");
            scn_pop(c, tb);
        }
        return;
    }
    gsize t = scn_push_key(c, "cdf");
    const char *colon = cJSON_IsString(v) ? strrchr(v->valuestring, ':') : NULL;
    if (!colon || colon == v->valuestring || !colon[1] || strlen(v->valuestring) > 1000) {
        scn_fail_expected(c, v, "\"<csv file>:<column>\", like \"requests.csv:last_byte_s\"");
        scn_pop(c, t);
        return;
    }
    char *file = g_strndup(v->valuestring, (gsize)(colon - v->valuestring));
    GString *names = g_string_new("");
    char *header = csv_header_of(r, file, names);
    if (!header) {
        char *f = scn_cut(file);
        scn_fail(c, "no application of the scenario writes \"%s\" (the CSV files: %s)", f,
                 names->len ? names->str : "none");
        g_free(f);
    } else if (!header_has(header, colon + 1) || !strcmp(colon + 1, "run")) {
        char *col = scn_cut(colon + 1);
        scn_fail(c, "\"%s\" has no column \"%s\" (its columns: %s)", file, col, header);
        g_free(col);
    } else {
        r->out.cdf_file = file;
        r->out.cdf_column = g_strdup(colon + 1);
        file = NULL;
    }
    scn_pop(c, t);
    const cJSON *by = scn_get(o, "cdf_by");
    if (by && r->out.cdf_file) {
        gsize tb = scn_push_key(c, "cdf_by");
        if (!cJSON_IsString(by) || !by->valuestring[0] || strchr(by->valuestring, ',') ||
            strlen(by->valuestring) > 1000) {
            scn_fail_expected(c, by, "\"<column>\" of the cdf's file, like \"app\"");
        } else if (!header_has(header, by->valuestring) || !strcmp(by->valuestring, "run")) {
            char *col = scn_cut(by->valuestring);
            scn_fail(c, "\"%s\" has no column \"%s\" (its columns: %s)", r->out.cdf_file, col, header);
            g_free(col);
        } else {
            r->out.cdf_by = g_strdup(by->valuestring);
        }
        scn_pop(c, tb);
    }
    g_free(header);
    g_free(file);
    g_string_free(names, TRUE);
}

/* outputs.lines: "<csv file>:<x column>:<y column>", two columns of a CSV
 * file the scenario's applications write. */
static void get_lines(scn_ctx *c, const cJSON *o, scn_run *r)
{
    const cJSON *v = scn_get(o, "lines");
    if (!v)
        return;
    gsize t = scn_push_key(c, "lines");
    gchar **parts = cJSON_IsString(v) && strlen(v->valuestring) <= 1000 ? g_strsplit(v->valuestring, ":", 4) : NULL;
    if (!parts || g_strv_length(parts) != 3 || !*parts[0] || !*parts[1] || !*parts[2]) {
        scn_fail_expected(c, v, "\"<csv file>:<x column>:<y column>\", like \"bt-upload.csv:time_s:utilisation\"");
        g_strfreev(parts);
        scn_pop(c, t);
        return;
    }
    GString *names = g_string_new("");
    char *header = csv_header_of(r, parts[0], names);
    if (!header) {
        char *f = scn_cut(parts[0]);
        scn_fail(c, "no application of the scenario writes \"%s\" (the CSV files: %s)", f,
                 names->len ? names->str : "none");
        g_free(f);
    } else {
        for (int i = 1; i <= 2 && !c->failed; i++)
            if (!header_has(header, parts[i]) || !strcmp(parts[i], "run")) {
                char *col = scn_cut(parts[i]);
                scn_fail(c, "\"%s\" has no column \"%s\" (its columns: %s)", parts[0], col, header);
                g_free(col);
            }
    }
    if (!c->failed) {
        r->out.lines_file = g_strdup(parts[0]);
        r->out.lines_x = g_strdup(parts[1]);
        r->out.lines_y = g_strdup(parts[2]);
    }
    g_free(header);
    g_strfreev(parts);
    g_string_free(names, TRUE);
    scn_pop(c, t);
}

/* The bit of format `name` ("png", "svg"), 0 when it names none. */
static unsigned format_bit(const char *name)
{
    return !strcmp(name, "png") ? SCN_FORMAT_PNG : !strcmp(name, "svg") ? SCN_FORMAT_SVG : 0;
}

/* outputs.formats: the images of the figures, a list of one or both of
 * "png" and "svg", each once (one of them alone may be a string); both
 * when absent. Each element's mistake is located ($.outputs.formats[1]). */
static void get_formats(scn_ctx *c, const cJSON *o, scn_outputs *out)
{
    static const char expected[] = "a list of \"png\" and/or \"svg\", like [\"svg\"] or [\"png\", \"svg\"]";
    const cJSON *v = scn_get(o, "formats");
    out->formats = SCN_FORMATS_ALL;
    if (!v)
        return;
    gsize t = scn_push_key(c, "formats");
    unsigned bits = 0;
    if (cJSON_IsString(v) && format_bit(v->valuestring)) {
        bits = format_bit(v->valuestring);
    } else if (!cJSON_IsArray(v)) {
        scn_fail_expected(c, v, expected);
    } else if (!v->child) {
        scn_fail(c, "found an empty list, expected %s", expected);
    } else {
        int i = 0;
        for (const cJSON *e = v->child; e && !c->failed; e = e->next, i++) {
            gsize ti = scn_push_index(c, i);
            unsigned b = cJSON_IsString(e) ? format_bit(e->valuestring) : 0;
            if (!b)
                scn_fail_expected(c, e, "\"png\" or \"svg\"");
            else if (bits & b)
                scn_fail(c, "\"%s\" is named twice in the list: name each format once", e->valuestring);
            bits |= b;
            scn_pop(c, ti);
        }
    }
    if (!c->failed)
        out->formats = bits;
    scn_pop(c, t);
}

static void parse_outputs(scn_ctx *c, const cJSON *o, scn_run *r, const app_registry *reg)
{
    scn_outputs *out = &r->out;
    out->more_metrics = g_ptr_array_new_with_free_func(g_free);
    out->formulas = g_array_new(FALSE, TRUE, sizeof(scn_formula));
    out->formats = SCN_FORMATS_ALL;
    if (o) {
        gsize m = scn_push_key(c, "outputs");
        if (scn_check_keys(c, o, out_keys)) {
            GPtrArray *metrics = metric_names(reg), *formulas = formula_names(reg);
            const cJSON *mv = scn_get(o, "metric");
            if (cJSON_IsArray(mv))
                get_metric_list(c, mv, metrics, out);
            else
                out->metric = get_named(c, o, "metric", metrics);
            get_formulas(c, o, formulas, reg, out);
            out->title = scn_get_string(c, o, "title", NULL, false);
            out->timeline = scn_get_bool(c, o, "timeline", false);
            if (!c->failed)
                get_cdf(c, o, r);
            if (!c->failed)
                get_lines(c, o, r);
            if (!c->failed)
                get_formats(c, o, out);
            g_ptr_array_free(metrics, TRUE);
            g_ptr_array_free(formulas, TRUE);
        }
        scn_pop(c, m);
    }
    if (!out->metric)
        out->metric = default_metric(r);
}

/* ---- the run ---------------------------------------------------------------------------- */

void scn_run_free(scn_run *r)
{
    if (!r)
        return;
    g_free(r->name);
    g_free(r->description);
    if (r->node_index)
        g_hash_table_destroy(r->node_index);
    if (r->link_index)
        g_hash_table_destroy(r->link_index);
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
    if (r->out.more_metrics)
        g_ptr_array_free(r->out.more_metrics, TRUE);
    for (guint i = 0; r->out.formulas && i < r->out.formulas->len; i++)
        g_free(g_array_index(r->out.formulas, scn_formula, i).expr);
    if (r->out.formulas)
        g_array_free(r->out.formulas, TRUE);
    g_free(r->out.title);
    g_free(r->out.cdf_file);
    g_free(r->out.cdf_column);
    g_free(r->out.cdf_by);
    g_free(r->out.lines_file);
    g_free(r->out.lines_x);
    g_free(r->out.lines_y);
    g_free(r);
}

/* The sections after the top level, each once the ones before it passed. */
static void parse_sections(scn_ctx *c, const cJSON *root, scn_run *r, const app_registry *reg)
{
    parse_tcp(c, scn_get(root, "tcp"), r);
    if (!c->failed) {
        const cJSON *nodes = scn_get(root, "nodes");
        if (!nodes)
            scn_fail(c, "missing key \"nodes\"");
        else
            parse_nodes(c, nodes, r);
    }
    if (!c->failed)
        parse_links(c, scn_get(root, "links"), r);
    if (!c->failed && scn_get(root, "apps"))
        parse_apps(c, scn_get(root, "apps"), r, reg);
    if (!c->failed)
        check_ports(c, r);
    if (!c->failed)
        parse_outputs(c, scn_get(root, "outputs"), r, reg);
}

scn_run *scn_run_parse(const char *file, const cJSON *root, uint64_t seed, const app_registry *reg, GError **err)
{
    scn_ctx c = {file, g_string_new("$"), err, false};
    scn_run *r = g_new0(scn_run, 1);
    r->nodes = g_array_new(FALSE, TRUE, sizeof(scn_node));
    r->links = g_array_new(FALSE, TRUE, sizeof(scn_link));
    r->apps = g_array_new(FALSE, TRUE, sizeof(app_spec));
    r->node_index = g_hash_table_new(g_str_hash, g_str_equal);
    r->link_index = g_hash_table_new(g_str_hash, g_str_equal);
    r->seed = seed;
    if (scn_check_keys(&c, root, top_keys)) {
        parse_top(&c, root, r);
        if (!c.failed)
            parse_sections(&c, root, r, reg);
    }
    g_string_free(c.path, TRUE);
    if (c.failed) {
        scn_run_free(r);
        return NULL;
    }
    return r;
}

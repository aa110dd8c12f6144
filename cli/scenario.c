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

#include "sim/sim_rng.h"
#include "protocols/http/http_cache.h"
#include "units.h"

G_DEFINE_QUARK(appsim-scenario-error-quark, scn_error)

struct scenario {
    char *file;
    cJSON *root;    /* the scenario as run (after --set), without its sweep */
    uint64_t seed;
    GPtrArray *axes; /* of scn_axis* */
    scn_axis *compare;
    char *name, *description;
    char *full_json; /* the file as run (after --set), sweep included */
};

/* ---- error context ------------------------------------------------------ */

typedef struct {
    const char *file;
    GString *path;
    GError **err;
    bool failed;
} ctx_t;

static void fail(ctx_t *c, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void fail(ctx_t *c, const char *fmt, ...)
{
    if (c->failed)
        return;
    va_list ap;
    va_start(ap, fmt);
    char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error(c->err, SCN_ERROR, SCN_ERROR_INVALID, "%s: %s: %s", c->file, c->path->str, msg);
    g_free(msg);
    c->failed = true;
}

static gsize push_key(ctx_t *c, const char *key)
{
    gsize mark = c->path->len;
    g_string_append_printf(c->path, ".%s", key);
    return mark;
}

static gsize push_index(ctx_t *c, int i)
{
    gsize mark = c->path->len;
    g_string_append_printf(c->path, "[%d]", i);
    return mark;
}

static void pop(ctx_t *c, gsize mark) { g_string_truncate(c->path, mark); }

/* What a JSON value looks like, for "found ..." */
static char *found_text(const cJSON *v)
{
    if (!v)
        return g_strdup("nothing");
    if (cJSON_IsString(v))
        return g_strdup_printf("\"%s\"", v->valuestring);
    if (cJSON_IsNumber(v))
        return g_strdup_printf("%g", v->valuedouble);
    if (cJSON_IsBool(v))
        return g_strdup(cJSON_IsTrue(v) ? "true" : "false");
    if (cJSON_IsNull(v))
        return g_strdup("null");
    if (cJSON_IsArray(v))
        return g_strdup("a list");
    return g_strdup("an object");
}

static void fail_expected(ctx_t *c, const cJSON *v, const char *expected)
{
    char *f = found_text(v);
    fail(c, "found %s, expected %s", f, expected);
    g_free(f);
}

/* ---- keys ---------------------------------------------------------------- */

static guint edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    guint *row = g_new(guint, lb + 1);
    for (size_t j = 0; j <= lb; j++)
        row[j] = (guint)j;
    for (size_t i = 1; i <= la; i++) {
        guint diag = row[0];
        row[0] = (guint)i;
        for (size_t j = 1; j <= lb; j++) {
            guint up = row[j];
            guint cost = g_ascii_tolower(a[i - 1]) == g_ascii_tolower(b[j - 1]) ? 0 : 1;
            row[j] = MIN(MIN(row[j] + 1, row[j - 1] + 1), diag + cost);
            diag = up;
        }
    }
    guint d = row[lb];
    g_free(row);
    return d;
}

/* Checks that `obj` is an object with only `keys` (NULL-terminated). */
static bool check_keys(ctx_t *c, const cJSON *obj, const char *const *keys)
{
    if (!cJSON_IsObject(obj)) {
        fail_expected(c, obj, "an object { ... }");
        return false;
    }
    const cJSON *it;
    cJSON_ArrayForEach(it, obj)
    {
        bool known = false;
        for (const char *const *k = keys; *k && !known; k++)
            known = !strcmp(*k, it->string);
        if (known)
            continue;
        const char *best = NULL;
        guint bd = G_MAXUINT;
        for (const char *const *k = keys; *k; k++) {
            guint d = edit_distance(it->string, *k);
            if (d < bd) {
                bd = d;
                best = *k;
            }
        }
        gsize m = push_key(c, it->string);
        if (best && bd <= MAX(2u, (guint)strlen(it->string) / 3))
            fail(c, "unknown key; did you mean \"%s\"?", best);
        else {
            GString *all = g_string_new("");
            for (const char *const *k = keys; *k; k++)
                g_string_append_printf(all, "%s%s", all->len ? ", " : "", *k);
            fail(c, "unknown key; known keys here: %s", all->str);
            g_string_free(all, TRUE);
        }
        pop(c, m);
        return false;
    }
    return true;
}

/* ---- typed getters --------------------------------------------------------- */

static const cJSON *get(const cJSON *obj, const char *key) { return cJSON_GetObjectItemCaseSensitive(obj, key); }

static char *get_string(ctx_t *c, const cJSON *obj, const char *key, const char *def, bool required)
{
    const cJSON *v = get(obj, key);
    if (!v) {
        if (required) {
            fail(c, "missing key \"%s\"", key);
            return NULL;
        }
        return def ? g_strdup(def) : NULL;
    }
    gsize m = push_key(c, key);
    char *r = NULL;
    if (cJSON_IsString(v) && *v->valuestring)
        r = g_strdup(v->valuestring);
    else
        fail_expected(c, v, "a non-empty string");
    pop(c, m);
    return r;
}

static double get_number(ctx_t *c, const cJSON *obj, const char *key, double def, double lo,
                         double hi, bool integer, const char *what)
{
    const cJSON *v = get(obj, key);
    if (!v)
        return def;
    gsize m = push_key(c, key);
    double r = def;
    if (!cJSON_IsNumber(v) || v->valuedouble < lo || v->valuedouble > hi ||
        (integer && v->valuedouble != floor(v->valuedouble)))
        fail_expected(c, v, what);
    else
        r = v->valuedouble;
    pop(c, m);
    return r;
}

static bool get_bool(ctx_t *c, const cJSON *obj, const char *key, bool def)
{
    const cJSON *v = get(obj, key);
    if (!v)
        return def;
    if (cJSON_IsBool(v))
        return cJSON_IsTrue(v);
    gsize m = push_key(c, key);
    fail_expected(c, v, "true or false");
    pop(c, m);
    return def;
}

/* A quantity: a string with a unit, or a plain number in the base unit. */
static bool quantity(ctx_t *c, const cJSON *v, int kind, double *out)
{
    static const char *const forms[] = {UNITS_RATE_FORM, UNITS_TIME_FORM, UNITS_SIZE_FORM};
    if (cJSON_IsNumber(v) && v->valuedouble >= 0) {
        *out = kind == 1 ? v->valuedouble * 1e9 : v->valuedouble;
        return true;
    }
    if (cJSON_IsString(v)) {
        uint64_t u;
        sim_time_t t;
        if (kind == 0 && units_rate(v->valuestring, &u)) {
            *out = (double)u;
            return true;
        }
        if (kind == 1 && units_time(v->valuestring, &t)) {
            *out = (double)t;
            return true;
        }
        if (kind == 2 && units_size(v->valuestring, &u)) {
            *out = (double)u;
            return true;
        }
    }
    fail_expected(c, v, forms[kind]);
    return false;
}

static uint64_t get_rate(ctx_t *c, const cJSON *obj, const char *key, uint64_t def, bool required)
{
    const cJSON *v = get(obj, key);
    if (!v) {
        if (required)
            fail(c, "missing key \"%s\" (%s)", key, UNITS_RATE_FORM);
        return def;
    }
    gsize m = push_key(c, key);
    double d = (double)def;
    if (quantity(c, v, 0, &d) && d < 1)
        fail_expected(c, v, "a rate above 0");
    pop(c, m);
    return (uint64_t)d;
}

static sim_time_t get_time(ctx_t *c, const cJSON *obj, const char *key, sim_time_t def)
{
    const cJSON *v = get(obj, key);
    if (!v)
        return def;
    gsize m = push_key(c, key);
    double d = (double)def;
    quantity(c, v, 1, &d);
    pop(c, m);
    return (sim_time_t)llround(d);
}

static uint64_t get_size(ctx_t *c, const cJSON *obj, const char *key, uint64_t def)
{
    const cJSON *v = get(obj, key);
    if (!v)
        return def;
    gsize m = push_key(c, key);
    double d = (double)def;
    quantity(c, v, 2, &d);
    pop(c, m);
    return (uint64_t)llround(d);
}

/* ---- sections -------------------------------------------------------------- */

static const char *const top_keys[] = {"name", "description", "seed", "stop", "max_time", "tcp",
                                       "nodes", "links", "apps", "sweep", "compare", "outputs", NULL};
static const char *const tcp_keys[] = {"cc", "mss", "init_cwnd", "delayed_ack", "sndbuf", "rcvbuf",
                                       "header", "rto_min", "time_wait", "send_jitter", NULL};
static const char *const node_keys[] = {"name", "type", NULL};
static const char *const link_keys[] = {"name", "from", "to", "rate", "delay", "queue",
                                        "queue_bytes", "loss", "down", "reverse", NULL};
static const char *const dir_keys[] = {"rate", "delay", "queue", "queue_bytes", "loss", NULL};
static const char *const server_keys[] = {"name", "type", "host", "port", "proc_time", "pages",
                                          "objects", NULL};
static const char *const browser_keys[] = {"name", "type", "host", "mode", "parallel", "http",
                                           "pages", "repeat", "start", "think", "cache", NULL};
static const char *const workload_keys[] = {"name", "type", "host", "cache", "origin", "access_link",
                                            "rate", "sizes", "mean_size", "pareto_alpha",
                                            "hit_probability", "zipf", "objects", "capacity",
                                            "policy", "request_size", "warmup", "duration",
                                            "transport", NULL};
static const char *const page_keys[] = {"path", "objects", "object_size", NULL};
static const char *const object_keys[] = {"path", "size", NULL};
static const char *const out_keys[] = {"metric", "formula", "title", "timeline", NULL};

static void parse_tcp(ctx_t *c, const cJSON *t, scn_run *r)
{
    tcp_params_default(&r->tcp);
    r->tcp_header = 40;
    if (!t)
        return;
    gsize m = push_key(c, "tcp");
    if (check_keys(c, t, tcp_keys)) {
        char *cc = get_string(c, t, "cc", "reno", false);
        if (cc && !tcp_cc_parse(cc, &r->tcp.cc)) {
            gsize k = push_key(c, "cc");
            fail_expected(c, get(t, "cc"), "\"reno\", \"newreno\" or \"ideal\"");
            pop(c, k);
        }
        g_free(cc);
        r->tcp.mss = (uint32_t)get_number(c, t, "mss", 1460, 1, 65495, true, "a whole number of bytes from 1 to 65495");
        r->tcp.init_cwnd = (uint32_t)get_number(c, t, "init_cwnd", 10, 1, 1000, true, "a whole number of segments from 1 to 1000");
        r->tcp.delayed_ack = get_bool(c, t, "delayed_ack", false);
        r->tcp.sndbuf = (uint32_t)MIN(get_size(c, t, "sndbuf", r->tcp.sndbuf), UINT32_MAX);
        r->tcp.rcvbuf = (uint32_t)MIN(get_size(c, t, "rcvbuf", r->tcp.rcvbuf), UINT32_MAX);
        r->tcp_header = (uint16_t)get_number(c, t, "header", 40, 0, 1000, true, "a whole number of bytes from 0 to 1000");
        r->tcp.rto_min = get_time(c, t, "rto_min", r->tcp.rto_min);
        r->tcp.time_wait = get_time(c, t, "time_wait", r->tcp.time_wait);
        r->tcp.send_jitter = get_time(c, t, "send_jitter", 0);
        GError *e = NULL;
        if (!c->failed && !tcp_params_check(&r->tcp, &e)) {
            fail(c, "%s", e->message);
            g_error_free(e);
        }
    }
    pop(c, m);
}

static void parse_dir(ctx_t *c, const cJSON *o, link_params_t *p, bool need_rate)
{
    p->rate_bps = get_rate(c, o, "rate", p->rate_bps, need_rate);
    p->delay = get_time(c, o, "delay", p->delay);
    p->queue_pkts = (uint32_t)get_number(c, o, "queue", p->queue_pkts, 0, 1e9, true, "a whole number of packets (0: no limit)");
    p->queue_bytes = get_size(c, o, "queue_bytes", p->queue_bytes);
    p->loss = get_number(c, o, "loss", p->loss, 0, 1, false, "a probability from 0 to 1");
}

static bool has_node(const scn_run *r, const char *name)
{
    for (guint i = 0; i < r->nodes->len; i++)
        if (!strcmp(g_array_index(r->nodes, scn_node, i).name, name))
            return true;
    return false;
}

static void fail_no_node(ctx_t *c, const scn_run *r, const char *name)
{
    GString *all = g_string_new("");
    for (guint i = 0; i < r->nodes->len; i++)
        g_string_append_printf(all, "%s%s", i ? ", " : "", g_array_index(r->nodes, scn_node, i).name);
    fail(c, "no node named \"%s\" (nodes: %s)", name, all->str);
    g_string_free(all, TRUE);
}

static void parse_nodes(ctx_t *c, const cJSON *nodes, scn_run *r)
{
    gsize m = push_key(c, "nodes");
    if (!cJSON_IsArray(nodes) || cJSON_GetArraySize(nodes) == 0) {
        fail_expected(c, nodes, "a list of nodes like [{\"name\": \"client\", \"type\": \"host\"}]");
        pop(c, m);
        return;
    }
    int i = 0;
    const cJSON *n;
    cJSON_ArrayForEach(n, nodes)
    {
        gsize k = push_index(c, i++);
        if (check_keys(c, n, node_keys)) {
            scn_node nd = {0};
            nd.name = get_string(c, n, "name", NULL, true);
            char *type = get_string(c, n, "type", "host", false);
            if (type && strcmp(type, "host") && strcmp(type, "router")) {
                gsize t = push_key(c, "type");
                fail_expected(c, get(n, "type"), "\"host\" or \"router\"");
                pop(c, t);
            }
            nd.router = type && !strcmp(type, "router");
            g_free(type);
            if (nd.name && has_node(r, nd.name)) {
                gsize t = push_key(c, "name");
                fail(c, "a second node named \"%s\"", nd.name);
                pop(c, t);
            }
            g_array_append_val(r->nodes, nd);
        }
        pop(c, k);
        if (c->failed)
            break;
    }
    pop(c, m);
}

static void parse_links(ctx_t *c, const cJSON *links, scn_run *r)
{
    gsize m = push_key(c, "links");
    if (!cJSON_IsArray(links)) {
        fail_expected(c, links, "a list of links");
        pop(c, m);
        return;
    }
    int i = 0;
    const cJSON *l;
    cJSON_ArrayForEach(l, links)
    {
        gsize k = push_index(c, i++);
        if (check_keys(c, l, link_keys)) {
            scn_link ln = {0};
            ln.down = g_array_new(FALSE, FALSE, sizeof(sim_time_t));
            ln.from = get_string(c, l, "from", NULL, true);
            ln.to = get_string(c, l, "to", NULL, true);
            ln.name = get_string(c, l, "name", NULL, false);
            if (!ln.name && ln.from && ln.to)
                ln.name = g_strdup_printf("%s-%s", ln.from, ln.to);
            for (int e = 0; e < 2 && !c->failed; e++) {
                const char *end = e ? ln.to : ln.from;
                if (end && !has_node(r, end)) {
                    gsize t = push_key(c, e ? "to" : "from");
                    fail_no_node(c, r, end);
                    pop(c, t);
                }
            }
            if (!c->failed && ln.from && ln.to && !strcmp(ln.from, ln.to))
                fail(c, "a link cannot join node \"%s\" to itself", ln.from);
            parse_dir(c, l, &ln.ab, true);
            ln.ba = ln.ab;
            const cJSON *rev = get(l, "reverse");
            if (rev && !c->failed) {
                gsize t = push_key(c, "reverse");
                if (check_keys(c, rev, dir_keys))
                    parse_dir(c, rev, &ln.ba, false);
                pop(c, t);
            }
            const cJSON *down = get(l, "down");
            if (down && !c->failed) {
                gsize t = push_key(c, "down");
                const cJSON *iv;
                int j = 0;
                if (!cJSON_IsArray(down))
                    fail_expected(c, down, "a list of intervals like [[\"1s\", \"4s\"]]");
                cJSON_ArrayForEach(iv, down)
                {
                    gsize u = push_index(c, j++);
                    double a, b;
                    if (!cJSON_IsArray(iv) || cJSON_GetArraySize(iv) != 2)
                        fail_expected(c, iv, "an interval [start, end] like [\"1s\", \"4s\"]");
                    else if (quantity(c, cJSON_GetArrayItem(iv, 0), 1, &a) &&
                             quantity(c, cJSON_GetArrayItem(iv, 1), 1, &b)) {
                        if (b <= a)
                            fail(c, "the end of a down interval must come after its start");
                        sim_time_t pair[2] = {(sim_time_t)llround(a), (sim_time_t)llround(b)};
                        g_array_append_vals(ln.down, pair, 2);
                    }
                    pop(c, u);
                    if (c->failed)
                        break;
                }
                pop(c, t);
            }
            g_array_append_val(r->links, ln);
        }
        pop(c, k);
        if (c->failed)
            break;
    }
    pop(c, m);
}

static void parse_server(ctx_t *c, const cJSON *a, scn_app *app)
{
    if (!check_keys(c, a, server_keys))
        return;
    app->port = (uint16_t)get_number(c, a, "port", 80, 1, 65535, true, "a port from 1 to 65535");
    app->proc_time = get_time(c, a, "proc_time", 0);
    app->pages = g_array_new(FALSE, TRUE, sizeof(scn_page));
    app->objects = g_array_new(FALSE, TRUE, sizeof(scn_object));
    const cJSON *pages = get(a, "pages"), *objs = get(a, "objects");
    if (pages) {
        gsize m = push_key(c, "pages");
        if (!cJSON_IsArray(pages))
            fail_expected(c, pages, "a list of pages like [{\"path\": \"/index.html\", \"objects\": 10, \"object_size\": \"10KB\"}]");
        int i = 0;
        const cJSON *p;
        cJSON_ArrayForEach(p, pages)
        {
            gsize k = push_index(c, i++);
            if (check_keys(c, p, page_keys)) {
                scn_page pg = {0};
                pg.path = get_string(c, p, "path", "/index.html", false);
                if (pg.path && pg.path[0] != '/') {
                    gsize t = push_key(c, "path");
                    fail_expected(c, get(p, "path"), "a path starting with \"/\"");
                    pop(c, t);
                }
                pg.objects = (uint32_t)get_number(c, p, "objects", 0, 0, 10000, true, "a whole number of objects from 0 to 10000");
                pg.object_size = get_size(c, p, "object_size", 10000);
                g_array_append_val(app->pages, pg);
            }
            pop(c, k);
            if (c->failed)
                break;
        }
        pop(c, m);
    }
    if (objs && !c->failed) {
        gsize m = push_key(c, "objects");
        if (!cJSON_IsArray(objs))
            fail_expected(c, objs, "a list of objects like [{\"path\": \"/video.mp4\", \"size\": \"10MB\"}]");
        int i = 0;
        const cJSON *o;
        cJSON_ArrayForEach(o, objs)
        {
            gsize k = push_index(c, i++);
            if (check_keys(c, o, object_keys)) {
                scn_object ob = {0};
                ob.path = get_string(c, o, "path", NULL, true);
                ob.size = get_size(c, o, "size", 1000);
                g_array_append_val(app->objects, ob);
            }
            pop(c, k);
            if (c->failed)
                break;
        }
        pop(c, m);
    }
}

static void parse_browser(ctx_t *c, const cJSON *a, scn_app *app)
{
    if (!check_keys(c, a, browser_keys))
        return;
    char *mode = get_string(c, a, "mode", "persistent", false);
    if (mode && !browser_mode_parse(mode, &app->mode)) {
        gsize t = push_key(c, "mode");
        fail_expected(c, get(a, "mode"), "\"nonpersistent\", \"nonpersistent-parallel\", \"persistent\", \"pipelined\" or \"persistent-parallel\"");
        pop(c, t);
    }
    g_free(mode);
    app->parallel = (uint32_t)get_number(c, a, "parallel", 5, 1, 1000, true, "a whole number of connections from 1 to 1000");
    const cJSON *http = get(a, "http");
    app->version = 0;
    if (http) {
        gsize t = push_key(c, "http");
        if (cJSON_IsString(http) && !strcmp(http->valuestring, "1.0"))
            app->version = 10;
        else if (cJSON_IsString(http) && !strcmp(http->valuestring, "1.1"))
            app->version = 11;
        else
            fail_expected(c, http, "\"1.0\" or \"1.1\"");
        pop(c, t);
    }
    app->repeat = (uint32_t)get_number(c, a, "repeat", 1, 1, 1e6, true, "a whole number of loads from 1 to 1000000");
    app->start = get_time(c, a, "start", 0);
    app->think = get_time(c, a, "think", 0);
    app->cache = get_bool(c, a, "cache", true);
    app->urls = g_ptr_array_new_with_free_func(g_free);
    const cJSON *pages = get(a, "pages");
    gsize m = push_key(c, "pages");
    if (!pages)
        fail(c, "missing: a browser needs \"pages\", a list of URLs like [\"http://server/index.html\"]");
    else if (!cJSON_IsArray(pages) || cJSON_GetArraySize(pages) == 0)
        fail_expected(c, pages, "a list of URLs like [\"http://server/index.html\"]");
    int i = 0;
    const cJSON *u;
    cJSON_ArrayForEach(u, pages)
    {
        gsize k = push_index(c, i++);
        if (!cJSON_IsString(u) || g_ascii_strncasecmp(u->valuestring, "http://", 7))
            fail_expected(c, u, "a URL like \"http://server/index.html\"");
        else
            g_ptr_array_add(app->urls, g_strdup(u->valuestring));
        pop(c, k);
        if (c->failed)
            break;
    }
    pop(c, m);
}

static void parse_workload(ctx_t *c, const cJSON *a, scn_app *app, const scn_run *r)
{
    if (!check_keys(c, a, workload_keys))
        return;
    app->cache_node = get_string(c, a, "cache", NULL, false);
    app->origin = get_string(c, a, "origin", NULL, true);
    app->access_link = get_string(c, a, "access_link", NULL, true);
    const char *nodes[2] = {app->cache_node, app->origin};
    const char *keys[2] = {"cache", "origin"};
    for (int i = 0; i < 2 && !c->failed; i++)
        if (nodes[i] && !has_node(r, nodes[i])) {
            gsize t = push_key(c, keys[i]);
            fail_no_node(c, r, nodes[i]);
            pop(c, t);
        }
    bool link_found = false;
    for (guint i = 0; app->access_link && i < r->links->len; i++)
        link_found |= !strcmp(g_array_index(r->links, scn_link, i).name, app->access_link);
    if (!c->failed && app->access_link && !link_found) {
        gsize t = push_key(c, "access_link");
        fail(c, "no link named \"%s\"", app->access_link);
        pop(c, t);
    }
    app->rate = get_number(c, a, "rate", 15, 1e-6, 1e7, false, "a rate of requests per second above 0");
    char *sizes = get_string(c, a, "sizes", "fixed", false);
    app->sizes = sizes && !strcmp(sizes, "exponential") ? 1 : sizes && !strcmp(sizes, "pareto") ? 2 : 0;
    if (sizes && strcmp(sizes, "fixed") && strcmp(sizes, "exponential") && strcmp(sizes, "pareto")) {
        gsize t = push_key(c, "sizes");
        fail_expected(c, get(a, "sizes"), "\"fixed\", \"exponential\" or \"pareto\"");
        pop(c, t);
    }
    g_free(sizes);
    app->mean_size = get_size(c, a, "mean_size", 125000);
    app->pareto_alpha = get_number(c, a, "pareto_alpha", 1.5, 1.0000001, 100, false, "a Pareto shape above 1");
    const cJSON *h = get(a, "hit_probability");
    app->forced = h != NULL;
    app->hit_probability = get_number(c, a, "hit_probability", 0, 0, 1, false, "a probability from 0 to 1");
    app->zipf_alpha = get_number(c, a, "zipf", 0.8, 0, 10, false, "a Zipf exponent from 0 to 10");
    app->objects_n = (uint64_t)get_number(c, a, "objects", 10000, 1, 1e7, true, "a whole number of objects from 1 to 10000000");
    app->capacity = get_size(c, a, "capacity", 0);
    char *pol = get_string(c, a, "policy", "lru", false);
    cache_policy cp = CACHE_LRU;
    if (pol && !cache_policy_parse(pol, &cp)) {
        gsize t = push_key(c, "policy");
        fail_expected(c, get(a, "policy"), "\"lru\", \"lfu\" or \"fifo\"");
        pop(c, t);
    }
    app->policy = (int)cp;
    g_free(pol);
    app->request_size = get_size(c, a, "request_size", 100);
    app->warmup = get_time(c, a, "warmup", SIM_S(20));
    app->duration = get_time(c, a, "duration", SIM_S(300));
    char *tr = get_string(c, a, "transport", "message", false);
    app->tcp_transport = tr && !strcmp(tr, "tcp");
    if (tr && strcmp(tr, "message") && strcmp(tr, "tcp")) {
        gsize t = push_key(c, "transport");
        fail_expected(c, get(a, "transport"), "\"message\" or \"tcp\"");
        pop(c, t);
    }
    g_free(tr);
    if (!c->failed && app->duration <= app->warmup)
        fail(c, "the duration must be longer than the warm-up");
}

static void parse_apps(ctx_t *c, const cJSON *apps, scn_run *r)
{
    gsize m = push_key(c, "apps");
    if (!cJSON_IsArray(apps)) {
        fail_expected(c, apps, "a list of applications");
        pop(c, m);
        return;
    }
    int i = 0;
    const cJSON *a;
    cJSON_ArrayForEach(a, apps)
    {
        gsize k = push_index(c, i++);
        scn_app app = {0};
        if (!cJSON_IsObject(a)) {
            fail_expected(c, a, "an application object");
        } else {
            char *type = get_string(c, a, "type", NULL, true);
            app.host = get_string(c, a, "host", NULL, true);
            app.name = get_string(c, a, "name", type, false);
            if (type && !strcmp(type, "http-server")) {
                app.kind = SCN_APP_SERVER;
                parse_server(c, a, &app);
            } else if (type && !strcmp(type, "browser")) {
                app.kind = SCN_APP_BROWSER;
                parse_browser(c, a, &app);
            } else if (type && !strcmp(type, "cache-workload")) {
                app.kind = SCN_APP_CACHE_WORKLOAD;
                parse_workload(c, a, &app, r);
            } else if (type) {
                gsize t = push_key(c, "type");
                fail_expected(c, get(a, "type"), "\"http-server\", \"browser\" or \"cache-workload\"");
                pop(c, t);
            }
            g_free(type);
            if (!c->failed && app.host && !has_node(r, app.host)) {
                gsize t = push_key(c, "host");
                fail_no_node(c, r, app.host);
                pop(c, t);
            }
            for (guint j = 0; j < r->apps->len && !c->failed; j++)
                if (app.name && !strcmp(g_array_index(r->apps, scn_app, j).name, app.name)) {
                    gsize t = push_key(c, "name");
                    fail(c, "a second application named \"%s\"", app.name);
                    pop(c, t);
                }
        }
        g_array_append_val(r->apps, app);
        pop(c, k);
        if (c->failed)
            break;
    }
    pop(c, m);
}

static void parse_outputs(ctx_t *c, const cJSON *o, scn_outputs *out)
{
    out->metric = g_strdup("page_load_time");
    if (!o)
        return;
    gsize m = push_key(c, "outputs");
    if (check_keys(c, o, out_keys)) {
        g_free(out->metric);
        out->metric = get_string(c, o, "metric", "page_load_time", false);
        if (out->metric && strcmp(out->metric, "page_load_time") && strcmp(out->metric, "link_utilisation") &&
            strcmp(out->metric, "response_time") && strcmp(out->metric, "hit_rate")) {
            gsize t = push_key(c, "metric");
            fail_expected(c, get(o, "metric"), "\"page_load_time\", \"link_utilisation\", \"response_time\" or \"hit_rate\"");
            pop(c, t);
        }
        out->formula = get_string(c, o, "formula", NULL, false);
        if (out->formula && strcmp(out->formula, "http-page") && strcmp(out->formula, "single-object") &&
            strcmp(out->formula, "slow-start") && strcmp(out->formula, "cache-access")) {
            gsize t = push_key(c, "formula");
            fail_expected(c, get(o, "formula"), "\"http-page\", \"single-object\", \"slow-start\" or \"cache-access\"");
            pop(c, t);
        }
        out->title = get_string(c, o, "title", NULL, false);
        out->timeline = get_bool(c, o, "timeline", false);
    }
    pop(c, m);
}

static void app_clear(scn_app *a)
{
    g_free(a->name);
    g_free(a->host);
    if (a->pages) {
        for (guint i = 0; i < a->pages->len; i++)
            g_free(g_array_index(a->pages, scn_page, i).path);
        g_array_free(a->pages, TRUE);
    }
    if (a->objects) {
        for (guint i = 0; i < a->objects->len; i++)
            g_free(g_array_index(a->objects, scn_object, i).path);
        g_array_free(a->objects, TRUE);
    }
    if (a->urls)
        g_ptr_array_unref(a->urls);
    g_free(a->cache_node);
    g_free(a->origin);
    g_free(a->access_link);
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
        app_clear(&g_array_index(r->apps, scn_app, i));
    g_array_free(r->apps, TRUE);
    g_free(r->out.metric);
    g_free(r->out.formula);
    g_free(r->out.title);
    g_free(r);
}

/* Checks a whole scenario tree (its sweep keys aside) into a run. */
static scn_run *parse_run(const char *file, const cJSON *root, uint64_t seed, GError **err)
{
    ctx_t c = {file, g_string_new("$"), err, false};
    scn_run *r = g_new0(scn_run, 1);
    r->nodes = g_array_new(FALSE, TRUE, sizeof(scn_node));
    r->links = g_array_new(FALSE, TRUE, sizeof(scn_link));
    r->apps = g_array_new(FALSE, TRUE, sizeof(scn_app));
    r->seed = seed;
    if (check_keys(&c, root, top_keys)) {
        r->name = get_string(&c, root, "name", NULL, true);
        r->description = get_string(&c, root, "description", "", false);
        const cJSON *stop = get(root, "stop");
        if (stop && !(cJSON_IsString(stop) && !strcmp(stop->valuestring, "done"))) {
            gsize m = push_key(&c, "stop");
            double t;
            if (quantity(&c, stop, 1, &t))
                r->stop_time = (sim_time_t)llround(t);
            pop(&c, m);
        }
        r->max_time = get_time(&c, root, "max_time", SIM_S(3600));
        parse_tcp(&c, get(root, "tcp"), r);
        if (!c.failed) {
            const cJSON *nodes = get(root, "nodes");
            if (!nodes)
                fail(&c, "missing key \"nodes\"");
            else
                parse_nodes(&c, nodes, r);
        }
        if (!c.failed)
            parse_links(&c, get(root, "links"), r);
        if (!c.failed && get(root, "apps"))
            parse_apps(&c, get(root, "apps"), r);
        if (!c.failed)
            parse_outputs(&c, get(root, "outputs"), &r->out);
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
static scn_axis *parse_axis(ctx_t *c, const cJSON *o)
{
    static const char *const keys[] = {"path", "values", "range", "cases", NULL};
    static const char *const case_keys[] = {"label", "note", "set", NULL};
    const cJSON *cases = cJSON_IsObject(o) ? get(o, "cases") : NULL;
    if (cases) {
        if (!check_keys(c, o, keys))
            return NULL;
        scn_axis *a = g_new0(scn_axis, 1);
        a->cases = true;
        a->path = g_strdup("case");
        a->values = g_ptr_array_new();
        a->labels = g_ptr_array_new_with_free_func(g_free);
        a->notes = g_ptr_array_new_with_free_func(g_free);
        gsize m = push_key(c, "cases");
        if (!cJSON_IsArray(cases) || cJSON_GetArraySize(cases) == 0)
            fail_expected(c, cases, "a list of cases like [{\"label\": \"...\", \"set\": {\"links.access.rate\": \"15.4Mbps\"}}]");
        int i = 0;
        const cJSON *cs;
        cJSON_ArrayForEach(cs, cases)
        {
            gsize k = push_index(c, i++);
            if (check_keys(c, cs, case_keys)) {
                char *label = get_string(c, cs, "label", NULL, true);
                char *note = get_string(c, cs, "note", "", false);
                const cJSON *set = get(cs, "set");
                if (!cJSON_IsObject(set)) {
                    gsize t = push_key(c, "set");
                    fail_expected(c, set, "an object of \"path\": value pairs");
                    pop(c, t);
                }
                g_ptr_array_add(a->values, cJSON_Duplicate(set, true));
                g_ptr_array_add(a->labels, label ? label : g_strdup(""));
                g_ptr_array_add(a->notes, note ? note : g_strdup(""));
            }
            pop(c, k);
            if (c->failed)
                break;
        }
        pop(c, m);
        if (c->failed) {
            axis_free(a);
            return NULL;
        }
        return a;
    }
    static const char *const range_keys[] = {"from", "to", "step", NULL};
    if (!check_keys(c, o, keys))
        return NULL;
    scn_axis *a = g_new0(scn_axis, 1);
    a->values = g_ptr_array_new();
    a->labels = g_ptr_array_new_with_free_func(g_free);
    a->path = get_string(c, o, "path", NULL, true);
    const cJSON *vals = get(o, "values"), *range = get(o, "range");
    if (vals) {
        gsize m = push_key(c, "values");
        if (!cJSON_IsArray(vals) || cJSON_GetArraySize(vals) == 0)
            fail_expected(c, vals, "a non-empty list of values");
        const cJSON *v;
        cJSON_ArrayForEach(v, vals)
        {
            g_ptr_array_add(a->values, cJSON_Duplicate(v, true));
            g_ptr_array_add(a->labels, label_of(v));
        }
        pop(c, m);
    } else if (range) {
        gsize m = push_key(c, "range");
        if (check_keys(c, range, range_keys)) {
            const cJSON *f = get(range, "from"), *t = get(range, "to"), *s = get(range, "step");
            if (!cJSON_IsNumber(f) || !cJSON_IsNumber(t) || !cJSON_IsNumber(s) || s->valuedouble <= 0 ||
                t->valuedouble < f->valuedouble)
                fail(c, "expected numbers {\"from\": A, \"to\": B, \"step\": S} with S > 0 and B >= A");
            else {
                int count = (int)floor((t->valuedouble - f->valuedouble) / s->valuedouble + 1e-9) + 1;
                if (count > 10000)
                    fail(c, "a range of %d values is too long (at most 10000)", count);
                for (int i = 0; i < count && !c->failed; i++) {
                    cJSON *v = cJSON_CreateNumber(f->valuedouble + i * s->valuedouble);
                    g_ptr_array_add(a->values, v);
                    g_ptr_array_add(a->labels, label_of(v));
                }
            }
        }
        pop(c, m);
    } else {
        fail(c, "a sweep needs \"values\": [...] or \"range\": {\"from\", \"to\", \"step\"}");
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

scenario *scenario_load(const char *file, const char *const *sets, GError **err)
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
        g_free(text);
        return NULL;
    }
    g_free(text);
    for (const char *const *s = sets; s && *s; s++) {
        const char *eq = strchr(*s, '=');
        if (!eq || eq == *s) {
            g_set_error(err, SCN_ERROR, SCN_ERROR_INVALID, "--set %s: expected PATH=VALUE", *s);
            cJSON_Delete(root);
            return NULL;
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
            cJSON_Delete(root);
            return NULL;
        }
    }
    scenario *sc = g_new0(scenario, 1);
    sc->file = g_strdup(file);
    sc->root = root;
    sc->axes = g_ptr_array_new_with_free_func(axis_free);
    ctx_t c = {file, g_string_new("$"), err, false};
    sc->seed = (uint64_t)get_number(&c, root, "seed", 1, 0, 9007199254740992.0, true, "a whole number from 0 to 2^53");
    const cJSON *sweep = get(root, "sweep"), *cmp = get(root, "compare");
    if (sweep && !c.failed) {
        gsize m = push_key(&c, "sweep");
        if (!cJSON_IsArray(sweep))
            fail_expected(&c, sweep, "a list of sweeps like [{\"path\": \"links.access.delay\", \"values\": [\"10ms\", \"50ms\"]}]");
        int i = 0;
        const cJSON *a;
        cJSON_ArrayForEach(a, sweep)
        {
            gsize k = push_index(&c, i++);
            scn_axis *ax = parse_axis(&c, a);
            if (ax)
                g_ptr_array_add(sc->axes, ax);
            pop(&c, k);
            if (c.failed)
                break;
        }
        pop(&c, m);
    }
    if (cmp && !c.failed) {
        gsize m = push_key(&c, "compare");
        sc->compare = parse_axis(&c, cmp);
        pop(&c, m);
    }
    g_string_free(c.path, TRUE);
    if (c.failed) {
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
    scn_run *r = ok ? parse_run(s->file, tree, seed, err) : NULL;
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

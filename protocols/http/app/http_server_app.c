/*
 * http_server_app: the "http-server" application type — its keys, its
 * generated content, and the HTTP dialogue and packet labels of its port.
 */
#include <string.h>

#include "http_apps.h"
#include "protocols/http/http_parser.h"
#include "protocols/http/http_server.h"
#include "protocols/http/http_store.h"

/* ---- keys ---------------------------------------------------------------------- */

static const app_key page_keys[] = {
    {.name = "path", .kind = APP_KEY_STRING, .offset = offsetof(http_page_spec, path), .def_text = "/index.html"},
    {.name = "objects", .kind = APP_KEY_INT, .offset = offsetof(http_page_spec, objects), .lo = 0, .hi = 10000,
     .expected = "a whole number of objects from 0 to 10000"},
    {.name = "object_size", .kind = APP_KEY_SIZE, .offset = offsetof(http_page_spec, object_size), .def = 10000},
    {0}};

static const app_key object_keys[] = {
    {.name = "path", .kind = APP_KEY_STRING, .offset = offsetof(http_object_spec, path), .required = true},
    {.name = "size", .kind = APP_KEY_SIZE, .offset = offsetof(http_object_spec, size), .def = 1000},
    {0}};

/* Reads a list of objects of one table into a GArray of `size`-byte items. */
static GArray *read_list(app_reader *r, const char *key, const char *expected, const app_key *keys, size_t size)
{
    GArray *out = g_array_new(FALSE, TRUE, (guint)size);
    int n = app_reader_enter_list(r, key, expected);
    if (n < 0)
        return out;
    for (int i = 0; i < n && !app_reader_failed(r); i++) {
        app_reader_enter_item(r, i);
        g_array_set_size(out, out->len + 1);
        app_reader_table(r, NULL, keys, out->data + (out->len - 1) * size);
        app_reader_leave(r);
    }
    app_reader_leave(r);
    return out;
}

static void read_pages(app_reader *r, const char *key, void *field)
{
    GArray *pages = read_list(r, key,
                              "a list of pages like [{\"path\": \"/index.html\", \"objects\": 10, "
                              "\"object_size\": \"10KB\"}]",
                              page_keys, sizeof(http_page_spec));
    *(GArray **)field = pages;
    for (guint i = 0; i < pages->len && !app_reader_failed(r); i++) {
        const char *p = g_array_index(pages, http_page_spec, i).path;
        if (p && p[0] != '/') {
            app_reader_enter_list(r, key, "");
            app_reader_enter_item(r, (int)i);
            app_reader_fail_expected(r, "path", "a path starting with \"/\"");
            app_reader_leave(r);
            app_reader_leave(r);
        }
    }
}

static void read_objects(app_reader *r, const char *key, void *field)
{
    *(GArray **)field = read_list(r, key, "a list of objects like [{\"path\": \"/video.mp4\", \"size\": \"10MB\"}]",
                                  object_keys, sizeof(http_object_spec));
}

static const app_key server_keys[] = {
    {.name = "port", .kind = APP_KEY_INT, .offset = offsetof(http_server_spec, port), .def = 80, .lo = 1,
     .hi = 65535, .expected = "a port from 1 to 65535"},
    {.name = "proc_time", .kind = APP_KEY_TIME, .offset = offsetof(http_server_spec, proc_time)},
    {.name = "pages", .kind = APP_KEY_CUSTOM, .offset = offsetof(http_server_spec, pages), .read = read_pages},
    {.name = "objects", .kind = APP_KEY_CUSTOM, .offset = offsetof(http_server_spec, objects), .read = read_objects},
    {0}};

static void server_clear(void *cfg)
{
    http_server_spec *s = cfg;
    for (guint i = 0; s->pages && i < s->pages->len; i++)
        g_free(g_array_index(s->pages, http_page_spec, i).path);
    for (guint i = 0; s->objects && i < s->objects->len; i++)
        g_free(g_array_index(s->objects, http_object_spec, i).path);
    if (s->pages)
        g_array_free(s->pages, TRUE);
    if (s->objects)
        g_array_free(s->objects, TRUE);
}

/* ---- running ------------------------------------------------------------------- */

typedef struct {
    http_store *store;
    http_server *server;
    const app_world *w;
    const char *node;
} server_inst;

/* A Host naming this server's node by another name (its DNS names in
 * the scenario, its address) is this server. */
static bool names_this_node(void *ud, const char *name)
{
    const server_inst *in = ud;
    const char *node = app_world_node_named(in->w, name);
    return node && !strcmp(node, in->node);
}

/* The object path of page p's i-th image: "/index.html" -> "/index/img3.gif". */
static char *object_path(const char *page, int64_t i)
{
    const char *slash = strrchr(page, '/');
    const char *dot = strrchr(page, '.');
    size_t stem = dot && dot > slash ? (size_t)(dot - page) : strlen(page);
    return g_strdup_printf("%.*s/img%" G_GINT64_FORMAT ".gif", (int)stem, page, i);
}

/* The pages (base HTML referring to its images) and objects, all last
 * modified a day before the run starts. */
static http_store *build_store(const http_server_spec *s, int64_t modified)
{
    http_store *st = http_store_new();
    for (guint i = 0; i < s->pages->len; i++) {
        const http_page_spec *pg = &g_array_index(s->pages, http_page_spec, i);
        GString *html = g_string_new("<html><head><title>appsim</title></head><body>\n");
        for (int64_t k = 0; k < pg->objects; k++) {
            char *op = object_path(pg->path, k);
            g_string_append_printf(html, "<img src=\"%s\">\n", op);
            http_store_add(st, op, pg->object_size, "image/gif", NULL, modified, 0);
            g_free(op);
        }
        g_string_append(html, "</body></html>\n");
        http_store_add(st, pg->path, html->len, "text/html", html->str, modified, 0);
        g_string_free(html, TRUE);
    }
    for (guint i = 0; i < s->objects->len; i++) {
        const http_object_spec *o = &g_array_index(s->objects, http_object_spec, i);
        http_store_add(st, o->path, o->size, NULL, NULL, modified, 0);
    }
    return st;
}

static void *server_start(app_world *w, const app_spec *a, GError **err)
{
    const http_server_spec *s = a->cfg;
    host_env *env = app_world_host(w, a->host);
    server_inst *in = g_new0(server_inst, 1);
    in->store = build_store(s, host_wall_s(env) - 86400);
    http_server_config c;
    http_server_config_default(&c);
    c.port = (uint16_t)s->port;
    c.proc_time = s->proc_time;
    in->w = w;
    in->node = a->host;
    c.host_ok = names_this_node;
    c.host_ok_ud = in;
    in->server = http_server_new(env, in->store, &c, err);
    if (!in->server) {
        http_store_free(in->store);
        g_free(in);
        return NULL;
    }
    return in;
}

static void server_free(void *p)
{
    server_inst *in = p;
    http_server_free(in->server);
    http_store_free(in->store);
    g_free(in);
}

/* ---- the dialogue and labels of HTTP ------------------------------------------------- */

static void *dlg_new(bool from_client) { return http_parser_new(from_client, NULL); }
static void dlg_free(void *p) { http_parser_free(p); }

static size_t dlg_feed(void *p, const uint8_t *data, size_t len, app_dlg_event *ev)
{
    http_event e;
    size_t n = http_parser_feed(p, data, len, &e);
    switch (e.kind) {
    case HTTP_EV_NEED_MORE: ev->kind = APP_DLG_NEED_MORE; break;
    case HTTP_EV_ERROR: ev->kind = APP_DLG_ERROR; break;
    case HTTP_EV_HEAD: {
        GString *h = g_string_new("");
        http_msg_serialize(http_parser_msg(p), h);
        ev->kind = APP_DLG_HEAD;
        ev->head = g_string_free(h, FALSE);
        break;
    }
    case HTTP_EV_BODY:
        ev->kind = APP_DLG_BODY;
        ev->body = e.len;
        break;
    default: ev->kind = APP_DLG_END; break;
    }
    return n;
}

static void dlg_answering(void *server_side, const void *client_side)
{
    http_parser_expect(server_side, http_parser_msg(client_side)->method);
}

const app_dialogue http_app_dialogue = {dlg_new, dlg_free, dlg_feed, dlg_answering};

/* A request's or a response's start line (at most 40 characters). */
char *http_app_label(const uint8_t *d, size_t len)
{
    if (len < 5 || (memcmp(d, "GET ", 4) && memcmp(d, "HTTP/", 5) && memcmp(d, "HEAD ", 5) && memcmp(d, "POST ", 5)))
        return NULL;
    size_t n = 0;
    while (n < len && n < 40 && d[n] != '\r' && d[n] != '\n')
        n++;
    return g_strndup((const char *)d, n);
}

const app_type http_server_app = {
    .type = "http-server",
    .doc = "an HTTP server with generated pages and objects",
    .config_size = sizeof(http_server_spec),
    .keys = server_keys,
    .config_clear = server_clear,
    .port_key = "port",
    .hold = APP_HOLD_NONE,
    .start = server_start,
    .free = server_free,
    .dialogue = &http_app_dialogue,
    .label = http_app_label,
};

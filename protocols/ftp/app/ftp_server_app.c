/*
 * ftp_server_app: the "ftp-server" application type — an FTP server on
 * its node's port (21), over a memory store holding the scenario's files
 * (deterministic bytes), every control connection on ftp_conn. Results:
 * the sessions it accepted and those that ended, per server
 * (ftp_server.<name>.*) and summed (ftp_server.*).
 */
#include <string.h>

#include "ftp_apps.h"
#include "protocols/ftp/ftp_conn.h"

/* ---- keys ---------------------------------------------------------------------- */

typedef struct {
    int64_t count;
    uint64_t size;
    char *prefix;
} files_gen;

static const app_key gen_keys[] = {
    {.name = "count", .kind = APP_KEY_INT, .offset = offsetof(files_gen, count), .required = true, .lo = 0,
     .hi = 10000, .expected = "a count from 0 to 10000"},
    {.name = "size", .kind = APP_KEY_SIZE, .offset = offsetof(files_gen, size), .def = 10000, .hi = 64e6},
    {.name = "prefix", .kind = APP_KEY_STRING, .offset = offsetof(files_gen, prefix), .def_text = "file"},
    {0}};

static const app_key file_keys[] = {
    {.name = "name", .kind = APP_KEY_STRING, .offset = offsetof(ftp_file_spec, name), .required = true},
    {.name = "size", .kind = APP_KEY_SIZE, .offset = offsetof(ftp_file_spec, size), .def = 10000, .hi = 64e6},
    {0}};

#define FILES_EXPECTED                                                                                         \
    "a list of files like [{\"name\": \"file1\", \"size\": \"10KB\"}] or a generator like {\"count\": 10, " \
    "\"size\": \"10KB\"}"

static bool bad_name(const char *n)
{
    return !n || !*n || strpbrk(n, "/\r\n\t ") || !strcmp(n, ".") || !strcmp(n, "..");
}

static void read_file_list(app_reader *r, const char *key, GArray *out)
{
    int n = app_reader_enter_list(r, key, FILES_EXPECTED);
    for (int i = 0; i < n && !app_reader_failed(r); i++) {
        app_reader_enter_item(r, i);
        ftp_file_spec f = {0};
        app_reader_table(r, NULL, file_keys, &f);
        if (f.name && !app_reader_failed(r) && bad_name(f.name))
            app_reader_fail(r, "name", "\"%s\" is not a file name here (no '/', spaces or line ends)", f.name);
        for (guint k = 0; f.name && !app_reader_failed(r) && k < out->len; k++)
            if (!strcmp(g_array_index(out, ftp_file_spec, k).name, f.name))
                app_reader_fail(r, "name", "a second file named \"%s\"", f.name);
        g_array_append_val(out, f);
        app_reader_leave(r);
    }
    app_reader_leave(r);
}

static void read_files(app_reader *r, const char *key, void *field)
{
    GArray *out = g_array_new(FALSE, TRUE, sizeof(ftp_file_spec));
    *(GArray **)field = out;
    if (!app_reader_has(r, key))
        return;
    if (app_reader_has_list(r, key)) {
        read_file_list(r, key, out);
        return;
    }
    if (!app_reader_enter_object(r, key, FILES_EXPECTED))
        return;
    files_gen g = {0};
    app_reader_table(r, NULL, gen_keys, &g);
    if (!app_reader_failed(r) && bad_name(g.prefix))
        app_reader_fail(r, "prefix", "\"%s\" cannot start a file name (no '/', spaces or line ends)", g.prefix);
    for (int64_t i = 1; !app_reader_failed(r) && i <= g.count; i++) {
        ftp_file_spec f = {g_strdup_printf("%s%" G_GINT64_FORMAT, g.prefix, i), g.size};
        g_array_append_val(out, f);
    }
    g_free(g.prefix);
    app_reader_leave(r);
}

static void read_users(app_reader *r, const char *key, void *field)
{
    app_reader_credentials(r, key, "{\"alice\": \"secret\"}", " \t\r\n", "no spaces or line ends", field);
}

static const app_key server_keys[] = {
    {.name = "port", .kind = APP_KEY_INT, .offset = offsetof(ftp_server_spec, port), .def = 21, .lo = 1, .hi = 65535,
     .expected = "a port from 1 to 65535"},
    {.name = "files", .kind = APP_KEY_CUSTOM, .offset = offsetof(ftp_server_spec, files), .read = read_files},
    {.name = "users", .kind = APP_KEY_CUSTOM, .offset = offsetof(ftp_server_spec, users), .read = read_users},
    {.name = "anonymous", .kind = APP_KEY_BOOL, .offset = offsetof(ftp_server_spec, anonymous), .def = 1},
    {.name = "read_only", .kind = APP_KEY_BOOL, .offset = offsetof(ftp_server_spec, read_only), .def = 0},
    {.name = "data_timeout", .kind = APP_KEY_TIME, .offset = offsetof(ftp_server_spec, data_timeout), .def = 30e9,
     .lo = 1e6, .hi = 3600e9},
    {.name = "idle_timeout", .kind = APP_KEY_TIME, .offset = offsetof(ftp_server_spec, idle_timeout), .def = 300e9,
     .lo = 1e6, .hi = 86400e9},
    {.name = "data_port", .kind = APP_KEY_INT, .offset = offsetof(ftp_server_spec, data_port), .def = 0, .lo = -1,
     .hi = 65535, .expected = "0 (the control port - 1, RFC 959's L-1), -1 (an ephemeral port) or a port to 65535"},
    {0}};

static void server_check(app_reader *r, void *cfg)
{
    const ftp_server_spec *s = cfg;
    if (!s->anonymous && s->users->len == 0)
        app_reader_fail(r, "anonymous", "nobody could log in: give \"users\" or leave \"anonymous\" true");
}

static void server_clear(void *cfg)
{
    ftp_server_spec *s = cfg;
    for (guint i = 0; s->files && i < s->files->len; i++)
        g_free(g_array_index(s->files, ftp_file_spec, i).name);
    if (s->files)
        g_array_free(s->files, TRUE);
    if (s->users)
        g_ptr_array_free(s->users, TRUE);
}

GBytes *ftp_server_file_bytes(const ftp_file_spec *f, size_t i)
{
    uint8_t *b = g_malloc(f->size ? f->size : 1);
    uint32_t x = 2166136261u ^ (uint32_t)i;
    for (uint64_t k = 0; k < f->size; k++) {
        x = x * 1664525u + 1013904223u;
        b[k] = (uint8_t)(x >> 24);
    }
    return g_bytes_new_take(b, f->size);
}

/* ---- running ------------------------------------------------------------------- */

typedef struct {
    app_world *w;
    const ftp_server_spec *s;
    host_env *env;
    ftp_fs *fs;
    host_listener *l;
    GPtrArray *conns; /* of ftp_server_conn*, open */
    uint64_t sessions, ended;
} server_inst;

static bool check_user(void *ud, const char *user, const char *password)
{
    const ftp_server_spec *s = ud;
    for (guint i = 0; i + 1 < s->users->len; i += 2)
        if (!strcmp(g_ptr_array_index(s->users, i), user))
            return !strcmp(g_ptr_array_index(s->users, i + 1), password);
    return false;
}

/* A node's name to its address literal (the cores need literals). */
static bool node_literal(void *ud, const char *host, char out[46])
{
    char lit[16];
    if (!app_world_node_address(ud, host, lit))
        return false;
    g_strlcpy(out, lit, 46);
    return true;
}

static void conn_closed(void *ud, ftp_server_conn *c, const char *why)
{
    (void)why;
    server_inst *in = ud;
    in->ended++;
    g_ptr_array_remove_fast(in->conns, c);
    ftp_server_conn_free(c);
}

static const ftp_server_conn_handler conn_handler = {.closed = conn_closed};

static void server_accept(void *ud, stream_t *st)
{
    server_inst *in = ud;
    const ftp_server_spec *s = in->s;
    ftp_server_config cfg = {.check = s->users->len ? check_user : NULL, .check_ud = (void *)s,
                             .anonymous = s->anonymous, .anonymous_write = !s->read_only};
    ftp_conn_options o = {.idle_timeout_ns = s->idle_timeout, .data_timeout_ns = s->data_timeout,
                          .data_port = (int32_t)s->data_port, .addr = node_literal, .addr_ud = in->w};
    in->sessions++;
    g_ptr_array_add(in->conns, ftp_server_conn_new(in->env, st, &cfg, in->fs, &o, &conn_handler, in));
}

static void *server_start(app_world *w, const app_spec *a, GError **err)
{
    const ftp_server_spec *s = a->cfg;
    server_inst *in = g_new0(server_inst, 1);
    in->w = w;
    in->s = s;
    in->env = app_world_host(w, a->host);
    in->fs = ftp_fs_new_memory(s->read_only);
    in->conns = g_ptr_array_new();
    int64_t mtime = host_wall_s(in->env) - 86400; /* a day before the run */
    for (guint i = 0; i < s->files->len; i++) {
        const ftp_file_spec *f = &g_array_index(s->files, ftp_file_spec, i);
        GBytes *b = ftp_server_file_bytes(f, i);
        char *path = g_strdup_printf("/%s", f->name);
        ftp_fs_memory_put(in->fs, path, g_bytes_get_data(b, NULL), g_bytes_get_size(b), mtime, NULL);
        g_free(path);
        g_bytes_unref(b);
    }
    in->l = host_listen(in->env, (uint16_t)s->port, server_accept, in, err);
    if (!in->l) {
        ftp_fs_free(in->fs);
        g_ptr_array_free(in->conns, TRUE);
        g_free(in);
        return NULL;
    }
    return in;
}

static void server_free(void *p)
{
    server_inst *in = p;
    host_unlisten(in->env, in->l);
    for (guint i = 0; i < in->conns->len; i++)
        ftp_server_conn_free(g_ptr_array_index(in->conns, i));
    g_ptr_array_free(in->conns, TRUE);
    ftp_fs_free(in->fs);
    g_free(in);
}

static void server_collect(const app_world *w, void *const *insts, const app_spec *const *specs, size_t n,
                           app_collect *out)
{
    (void)w;
    uint64_t sessions = 0, ended = 0;
    char key[300];
    for (size_t i = 0; i < n; i++) {
        const server_inst *in = insts[i];
        g_snprintf(key, sizeof key, "ftp_server.%s.sessions", specs[i]->name);
        app_metric_count(out, key, in->sessions);
        g_snprintf(key, sizeof key, "ftp_server.%s.files", specs[i]->name);
        app_metric_count(out, key, in->s->files->len);
        sessions += in->sessions;
        ended += in->ended;
    }
    if (n) {
        app_metric_count(out, "ftp_server.sessions", sessions);
        app_metric_count(out, "ftp_server.sessions_ended", ended);
    }
}

const app_type ftp_server_app = {
    .type = "ftp-server",
    .doc = "an FTP server: a control connection on port 21, a new data connection per file, active or passive",
    .config_size = sizeof(ftp_server_spec),
    .keys = server_keys,
    .check = server_check,
    .config_clear = server_clear,
    .port_key = "port",
    .hold = APP_HOLD_NONE,
    .start = server_start,
    .free = server_free,
    .collect = server_collect,
    .dialogue = &ftp_app_dialogue,
    .label = ftp_app_label,
};

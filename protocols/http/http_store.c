/* http_store: an in-memory content model, or a folder read on demand. */
#include "http_store.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#define MAX_FILE_BYTES (256u << 20)

struct http_store {
    char *root;         /* NULL: in memory */
    GHashTable *objects; /* path -> http_object*; lookup only */
};

void http_object_free(http_object *o)
{
    if (!o)
        return;
    g_free(o->path);
    g_free(o->type);
    if (o->body)
        g_bytes_unref(o->body);
    g_free(o->etag);
    g_free(o);
}

static http_object *object_copy(const http_object *o)
{
    http_object *c = g_new0(http_object, 1);
    *c = *o;
    c->path = g_strdup(o->path);
    c->type = g_strdup(o->type);
    c->body = o->body ? g_bytes_ref(o->body) : NULL;
    c->etag = g_strdup(o->etag);
    return c;
}

static const struct {
    const char *ext, *type;
} types[] = {
    {".html", "text/html"},       {".htm", "text/html"},         {".txt", "text/plain"},
    {".css", "text/css"},         {".js", "application/javascript"}, {".json", "application/json"},
    {".gif", "image/gif"},        {".jpg", "image/jpeg"},        {".jpeg", "image/jpeg"},
    {".png", "image/png"},        {".svg", "image/svg+xml"},     {".ico", "image/x-icon"},
    {".pdf", "application/pdf"},  {".mp4", "video/mp4"},         {".mp3", "audio/mpeg"},
};

const char *http_guess_type(const char *path)
{
    const char *dot = path ? strrchr(path, '.') : NULL;
    if (dot && !strchr(dot, '/'))
        for (size_t i = 0; i < G_N_ELEMENTS(types); i++)
            if (!g_ascii_strcasecmp(dot, types[i].ext))
                return types[i].type;
    return "application/octet-stream";
}

static char *make_etag(uint64_t size, int64_t mtime)
{
    return g_strdup_printf("\"%" G_GINT64_MODIFIER "x-%" G_GINT64_MODIFIER "x\"", (gint64)size,
                           (gint64)mtime);
}

http_store *http_store_new(void)
{
    http_store *s = g_new0(http_store, 1);
    s->objects = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
                                       (GDestroyNotify)http_object_free);
    return s;
}

http_store *http_store_new_dir(const char *root, GError **err)
{
    if (!root || !g_file_test(root, G_FILE_TEST_IS_DIR)) {
        g_set_error(err, G_FILE_ERROR, G_FILE_ERROR_NOENT, "%s: not a folder", root ? root : "");
        return NULL;
    }
    http_store *s = http_store_new();
    s->root = g_canonicalize_filename(root, NULL);
    return s;
}

void http_store_free(http_store *s)
{
    if (!s)
        return;
    g_hash_table_destroy(s->objects);
    g_free(s->root);
    g_free(s);
}

/* The path without its query. */
static char *clean_path(const char *path)
{
    size_t n = strcspn(path, "?#");
    return g_strndup(path, n);
}

void http_store_add(http_store *s, const char *path, uint64_t size, const char *type,
                    const void *body, int64_t last_modified, int64_t expires)
{
    http_object *o = g_new0(http_object, 1);
    o->path = clean_path(path);
    o->type = g_strdup(type ? type : http_guess_type(path));
    o->size = size;
    o->body = body ? g_bytes_new(body, size) : NULL;
    o->last_modified = last_modified;
    o->expires = expires;
    o->etag = make_etag(size, last_modified);
    g_hash_table_replace(s->objects, o->path, o);
}

/* Maps a URL path to a file under root; NULL when it tries to escape. */
static char *file_for(const http_store *s, const char *path)
{
    char *p = clean_path(path);
    char *unescaped = g_uri_unescape_string(p, "/");
    g_free(p);
    if (!unescaped)
        return NULL;
    gchar **segs = g_strsplit(unescaped, "/", -1);
    bool bad = false;
    for (gchar **seg = segs; *seg; seg++)
        if (!strcmp(*seg, "..") || strchr(*seg, '\\'))
            bad = true;
    g_strfreev(segs);
    if (bad || unescaped[0] != '/') {
        g_free(unescaped);
        return NULL;
    }
    char *file = g_build_filename(s->root, unescaped, NULL);
    g_free(unescaped);
    if (g_file_test(file, G_FILE_TEST_IS_DIR)) {
        char *index = g_build_filename(file, "index.html", NULL);
        g_free(file);
        file = index;
    }
    return file;
}

http_object *http_store_get(http_store *s, const char *path, bool *forbidden)
{
    *forbidden = false;
    if (!s->root) {
        char *p = clean_path(path);
        const http_object *o = g_hash_table_lookup(s->objects, p);
        if (!o && !strcmp(p, "/"))
            o = g_hash_table_lookup(s->objects, "/index.html");
        g_free(p);
        return o ? object_copy(o) : NULL;
    }
    char *file = file_for(s, path);
    if (!file) {
        *forbidden = true;
        return NULL;
    }
    GStatBuf st;
    if (g_stat(file, &st) != 0 || !S_ISREG(st.st_mode)) {
        g_free(file);
        return NULL;
    }
    if ((uint64_t)st.st_size > MAX_FILE_BYTES) {
        *forbidden = true;
        g_free(file);
        return NULL;
    }
    gchar *data;
    gsize len;
    if (!g_file_get_contents(file, &data, &len, NULL)) {
        *forbidden = true;
        g_free(file);
        return NULL;
    }
    http_object *o = g_new0(http_object, 1);
    o->path = clean_path(path);
    o->type = g_strdup(http_guess_type(file));
    o->size = len;
    o->body = g_bytes_new_take(data, len);
    o->last_modified = (int64_t)st.st_mtime;
    o->etag = make_etag(len, o->last_modified);
    g_free(file);
    return o;
}

bool http_store_put(http_store *s, const char *path, const void *data, size_t len,
                    const char *type, int64_t now_s, bool *created, GError **err)
{
    *created = false;
    if (!s->root) {
        char *p = clean_path(path);
        *created = !g_hash_table_contains(s->objects, p);
        http_store_add(s, p, len, type, data, now_s, 0);
        g_free(p);
        return true;
    }
    char *file = file_for(s, path);
    if (!file || !data) {
        g_set_error(err, G_FILE_ERROR, G_FILE_ERROR_ACCES, "cannot store %s", path);
        g_free(file);
        return false;
    }
    *created = !g_file_test(file, G_FILE_TEST_EXISTS);
    char *dir = g_path_get_dirname(file);
    g_mkdir_with_parents(dir, 0755);
    g_free(dir);
    bool ok = g_file_set_contents(file, data, (gssize)len, err);
    g_free(file);
    return ok;
}

bool http_store_delete(http_store *s, const char *path)
{
    if (!s->root) {
        char *p = clean_path(path);
        bool ok = g_hash_table_remove(s->objects, p);
        g_free(p);
        return ok;
    }
    char *file = file_for(s, path);
    bool ok = file && g_file_test(file, G_FILE_TEST_IS_REGULAR) && g_unlink(file) == 0;
    g_free(file);
    return ok;
}

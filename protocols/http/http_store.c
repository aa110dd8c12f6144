/*
 * http_store: an in-memory content model, or a folder reached beneath an
 * open handle of its root.
 *
 * Every path of a folder's store is checked and split into segments
 * (split_path), then walked from the root's handle one openat() at a time
 * with O_NOFOLLOW (open_parent), so that no symbolic link, however placed,
 * is ever followed: the kernel refuses it with ELOOP and we answer
 * FORBIDDEN. The same walk serves reading, uploading and deleting. Costs:
 * one openat() per segment, O(length of the path).
 */
#define _POSIX_C_SOURCE 200809L

#include "http_store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define UPLOAD_PREFIX ".appsim-upload-"
#define INDEX_NAME "index.html"

struct http_store {
    int rootfd;          /* the root folder, or -1: in memory */
    GHashTable *objects; /* path -> http_object*; lookup only */
    uint32_t uploads;    /* uploads begun, for temporary names */
};

struct http_upload {
    http_store *store;
    char *path;      /* the URL path without its query (in memory) */
    char *type;      /* media type (in memory) */
    GByteArray *mem; /* the body (in memory); NULL once length-only */
    uint64_t len;    /* bytes written */
    int dirfd;       /* the target's folder (on disk), or -1 */
    int fd;          /* the temporary file (on disk), or -1 */
    char *name;      /* the target's name in dirfd (on disk) */
    char *tmp;       /* the temporary file's name in dirfd (on disk) */
    bool failed;     /* a write failed */
};

void http_object_free(http_object *o)
{
    if (!o)
        return;
    g_free(o->path);
    g_free(o->type);
    if (o->body)
        g_bytes_unref(o->body);
    if (o->fd >= 0)
        close(o->fd);
    g_free(o->etag);
    g_free(o);
}

size_t http_object_read(const http_object *o, uint64_t off, void *buf, size_t len)
{
    if (o->fd < 0 || off > (uint64_t)INT64_MAX)
        return 0;
    ssize_t n;
    do
        n = pread(o->fd, buf, len, (off_t)off);
    while (n < 0 && errno == EINTR);
    return n > 0 ? (size_t)n : 0;
}

static http_object *object_copy(const http_object *o)
{
    http_object *c = g_new0(http_object, 1);
    *c = *o;
    c->path = g_strdup(o->path);
    c->type = g_strdup(o->type);
    c->body = o->body ? g_bytes_ref(o->body) : NULL;
    c->fd = -1;
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
    s->rootfd = -1;
    s->objects = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
                                       (GDestroyNotify)http_object_free);
    return s;
}

http_store *http_store_new_dir(const char *root, GError **err)
{
    int fd = root ? open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    if (fd < 0) {
        int e = root ? errno : ENOENT;
        g_set_error(err, G_FILE_ERROR, g_file_error_from_errno(e), "%s: not a folder we can open (%s)",
                    root ? root : "", g_strerror(e));
        return NULL;
    }
    http_store *s = http_store_new();
    s->rootfd = fd;
    return s;
}

void http_store_free(http_store *s)
{
    if (!s)
        return;
    g_hash_table_destroy(s->objects);
    if (s->rootfd >= 0)
        close(s->rootfd);
    g_free(s);
}

bool http_store_on_disk(const http_store *s) { return s->rootfd >= 0; }

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
    o->fd = -1;
    o->last_modified = last_modified;
    o->expires = expires;
    o->etag = make_etag(size, last_modified);
    g_hash_table_replace(s->objects, o->path, o);
}

/* ---- paths beneath the root -------------------------------------------------- */

/* The segments of a URL path, decoded: empty and "." segments dropped;
 * NULL when the path does not start with "/" or has a "..", a backslash,
 * an encoded "/" or an encoded NUL. */
static GPtrArray *split_path(const char *path)
{
    char *p = clean_path(path);
    char *plain = p[0] == '/' ? g_uri_unescape_string(p, "/") : NULL;
    g_free(p);
    if (!plain)
        return NULL;
    GPtrArray *segs = g_ptr_array_new_with_free_func(g_free);
    gchar **parts = g_strsplit(plain, "/", -1);
    bool bad = false;
    for (gchar **part = parts; *part && !bad; part++) {
        if (!**part || !strcmp(*part, "."))
            continue;
        if (!strcmp(*part, "..") || strchr(*part, '\\'))
            bad = true;
        else
            g_ptr_array_add(segs, g_strdup(*part));
    }
    g_strfreev(parts);
    g_free(plain);
    if (bad) {
        g_ptr_array_free(segs, TRUE);
        return NULL;
    }
    return segs;
}

static http_store_status status_of_errno(int e)
{
    switch (e) {
    case ENOENT:
    case ENOTDIR:
        return HTTP_STORE_NOT_FOUND;
    case ELOOP:  /* a symbolic link, refused by O_NOFOLLOW */
    case EACCES:
    case EPERM:
    case EISDIR:
    case EEXIST:
        return HTTP_STORE_FORBIDDEN;
    default:
        return HTTP_STORE_FAILED;
    }
}

/* Opens the folder that holds the last of `segs` (the root when there is
 * one segment or none), walking the segments before it one openat() at a
 * time beneath the root, never following a symbolic link; `create` makes
 * missing folders. Returns its handle (the caller closes it), or -1 with
 * the reason in *st. */
static int open_parent(const http_store *s, const GPtrArray *segs, bool create, http_store_status *st)
{
    int dir = openat(s->rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    for (guint i = 0; dir >= 0 && i + 1 < segs->len; i++) {
        const char *seg = g_ptr_array_index(segs, i);
        int next = openat(dir, seg, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (next < 0 && errno == ENOENT && create && (mkdirat(dir, seg, 0755) == 0 || errno == EEXIST))
            next = openat(dir, seg, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        int e = errno;
        struct stat sb; /* a link refused with O_DIRECTORY says ENOTDIR: tell it apart */
        if (next < 0 && e == ENOTDIR && fstatat(dir, seg, &sb, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(sb.st_mode))
            e = ELOOP;
        close(dir);
        dir = next;
        errno = e;
    }
    if (dir < 0)
        *st = status_of_errno(errno);
    return dir;
}

/* Opens a regular file `name` in `dir` without following a link: a folder
 * gives its index.html instead. -1 with the reason in *st otherwise. */
static int open_file(int dir, const char *name, struct stat *sb, bool *index, http_store_status *st)
{
    int fd = openat(dir, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd >= 0 && fstat(fd, sb) == 0 && S_ISDIR(sb->st_mode)) {
        int idx = openat(fd, INDEX_NAME, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        int e = errno;
        close(fd);
        fd = idx;
        errno = e;
        *index = true;
        if (fd >= 0 && fstat(fd, sb) != 0) {
            close(fd);
            fd = -1;
        }
    }
    if (fd < 0) {
        *st = status_of_errno(errno);
        return -1;
    }
    if (!S_ISREG(sb->st_mode)) { /* a FIFO, a device, a socket */
        close(fd);
        *st = HTTP_STORE_FORBIDDEN;
        return -1;
    }
    return fd;
}

static http_object *get_from_dir(http_store *s, const char *path, http_store_status *st)
{
    GPtrArray *segs = split_path(path);
    if (!segs) {
        *st = HTTP_STORE_FORBIDDEN;
        return NULL;
    }
    int fd = -1, dir = open_parent(s, segs, false, st);
    struct stat sb;
    bool index = segs->len == 0;
    if (dir >= 0) {
        const char *name = segs->len ? g_ptr_array_index(segs, segs->len - 1) : ".";
        fd = open_file(dir, name, &sb, &index, st);
        close(dir);
    }
    http_object *o = NULL;
    if (fd >= 0) {
        o = g_new0(http_object, 1);
        o->path = clean_path(path);
        o->type = g_strdup(http_guess_type(index ? INDEX_NAME : g_ptr_array_index(segs, segs->len - 1)));
        o->size = (uint64_t)sb.st_size;
        o->fd = fd;
        o->last_modified = (int64_t)sb.st_mtime;
        o->etag = make_etag(o->size, o->last_modified);
    }
    g_ptr_array_free(segs, TRUE);
    return o;
}

http_object *http_store_get(http_store *s, const char *path, http_store_status *st)
{
    *st = HTTP_STORE_OK;
    if (s->rootfd >= 0)
        return get_from_dir(s, path, st);
    char *p = clean_path(path);
    const http_object *o = g_hash_table_lookup(s->objects, p);
    if (!o && !strcmp(p, "/"))
        o = g_hash_table_lookup(s->objects, "/index.html");
    g_free(p);
    if (!o)
        *st = HTTP_STORE_NOT_FOUND;
    return o ? object_copy(o) : NULL;
}

/* ---- uploads ------------------------------------------------------------------- */

/* Refuses a target that exists and is not a regular file (a folder, a
 * symbolic link); sets *exists. */
static http_store_status check_target(int dir, const char *name, bool *exists)
{
    struct stat sb;
    *exists = fstatat(dir, name, &sb, AT_SYMLINK_NOFOLLOW) == 0;
    if (!*exists)
        return errno == ENOENT ? HTTP_STORE_OK : status_of_errno(errno);
    return S_ISREG(sb.st_mode) ? HTTP_STORE_OK : HTTP_STORE_FORBIDDEN;
}

/* Creates the temporary file of an upload in u->dirfd, named after the
 * process and a counter (a name left by an earlier process is skipped). */
static http_store_status create_temp(http_upload *u)
{
    for (int attempt = 0; attempt < 64; attempt++) {
        u->tmp = g_strdup_printf(UPLOAD_PREFIX "%ld-%u", (long)getpid(), ++u->store->uploads);
        u->fd = openat(u->dirfd, u->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (u->fd >= 0)
            return HTTP_STORE_OK;
        int e = errno;
        g_clear_pointer(&u->tmp, g_free);
        if (e != EEXIST)
            return status_of_errno(e);
    }
    return HTTP_STORE_FAILED;
}

static http_upload *upload_begin_dir(http_store *s, const char *path, http_store_status *st)
{
    GPtrArray *segs = split_path(path);
    if (!segs || segs->len == 0) {
        *st = HTTP_STORE_FORBIDDEN;
        if (segs)
            g_ptr_array_free(segs, TRUE);
        return NULL;
    }
    http_upload *u = g_new0(http_upload, 1);
    u->store = s;
    u->fd = -1;
    u->name = g_strdup(g_ptr_array_index(segs, segs->len - 1));
    u->dirfd = open_parent(s, segs, true, st);
    g_ptr_array_free(segs, TRUE);
    bool exists;
    if (u->dirfd >= 0 && (*st = check_target(u->dirfd, u->name, &exists)) == HTTP_STORE_OK)
        *st = create_temp(u);
    if (*st != HTTP_STORE_OK) {
        http_upload_abort(u);
        return NULL;
    }
    return u;
}

http_upload *http_store_upload_begin(http_store *s, const char *path, const char *type,
                                     http_store_status *st)
{
    *st = HTTP_STORE_OK;
    if (s->rootfd >= 0)
        return upload_begin_dir(s, path, st);
    http_upload *u = g_new0(http_upload, 1);
    u->store = s;
    u->path = clean_path(path);
    u->type = g_strdup(type ? type : http_guess_type(u->path));
    u->mem = g_byte_array_new();
    u->dirfd = u->fd = -1;
    return u;
}

/* Writes all of `len` bytes to a file, zeros when `data` is NULL. */
static bool write_all(int fd, const uint8_t *data, size_t len)
{
    static const uint8_t zeros[4096];
    while (len > 0) {
        size_t n = data ? len : MIN(len, sizeof zeros);
        ssize_t w = write(fd, data ? data : zeros, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        len -= (size_t)w;
        if (data)
            data += w;
    }
    return true;
}

bool http_upload_write(http_upload *u, const void *data, size_t len)
{
    if (u->failed)
        return false;
    u->len += len;
    if (u->fd >= 0) {
        u->failed = !write_all(u->fd, data, len);
    } else if (!data) {
        g_clear_pointer(&u->mem, g_byte_array_unref); /* length-only from now on */
    } else if (u->mem) {
        g_byte_array_append(u->mem, data, (guint)len);
    }
    return !u->failed;
}

static http_store_status commit_dir(http_upload *u, bool *created)
{
    bool exists = false;
    http_store_status st = u->failed ? HTTP_STORE_FAILED : check_target(u->dirfd, u->name, &exists);
    if (st == HTTP_STORE_OK && close(u->fd) != 0)
        st = HTTP_STORE_FAILED;
    else if (st != HTTP_STORE_OK)
        close(u->fd);
    u->fd = -1;
    if (st == HTTP_STORE_OK && renameat(u->dirfd, u->tmp, u->dirfd, u->name) != 0)
        st = status_of_errno(errno);
    if (st == HTTP_STORE_OK) {
        g_clear_pointer(&u->tmp, g_free); /* renamed: nothing to remove */
        *created = !exists;
    }
    return st;
}

http_store_status http_upload_commit(http_upload *u, int64_t now_s, bool *created)
{
    *created = false;
    http_store_status st = HTTP_STORE_OK;
    if (u->dirfd >= 0) {
        st = commit_dir(u, created);
    } else {
        *created = !g_hash_table_contains(u->store->objects, u->path);
        const void *body = u->mem ? (u->mem->len ? (const void *)u->mem->data : (const void *)"") : NULL;
        http_store_add(u->store, u->path, u->len, u->type, body, now_s, 0);
    }
    http_upload_abort(u);
    return st;
}

void http_upload_abort(http_upload *u)
{
    if (!u)
        return;
    if (u->fd >= 0)
        close(u->fd);
    if (u->tmp && u->dirfd >= 0)
        unlinkat(u->dirfd, u->tmp, 0);
    if (u->dirfd >= 0)
        close(u->dirfd);
    if (u->mem)
        g_byte_array_unref(u->mem);
    g_free(u->path);
    g_free(u->type);
    g_free(u->name);
    g_free(u->tmp);
    g_free(u);
}

http_store_status http_store_put(http_store *s, const char *path, const void *data, size_t len,
                                 const char *type, int64_t now_s, bool *created)
{
    *created = false;
    http_store_status st;
    http_upload *u = http_store_upload_begin(s, path, type, &st);
    if (!u)
        return st;
    http_upload_write(u, data, len);
    return http_upload_commit(u, now_s, created);
}

http_store_status http_store_delete(http_store *s, const char *path)
{
    if (s->rootfd < 0) {
        char *p = clean_path(path);
        bool ok = g_hash_table_remove(s->objects, p);
        g_free(p);
        return ok ? HTTP_STORE_OK : HTTP_STORE_NOT_FOUND;
    }
    GPtrArray *segs = split_path(path);
    if (!segs || segs->len == 0) {
        if (segs)
            g_ptr_array_free(segs, TRUE);
        return HTTP_STORE_FORBIDDEN;
    }
    http_store_status st = HTTP_STORE_OK;
    int dir = open_parent(s, segs, false, &st);
    if (dir >= 0) {
        const char *name = g_ptr_array_index(segs, segs->len - 1);
        bool exists;
        st = check_target(dir, name, &exists);
        if (st == HTTP_STORE_OK && !exists)
            st = HTTP_STORE_NOT_FOUND;
        if (st == HTTP_STORE_OK && unlinkat(dir, name, 0) != 0)
            st = status_of_errno(errno);
        close(dir);
    }
    g_ptr_array_free(segs, TRUE);
    return st;
}

/*
 * ftp_fs: the FTP server's file store (see ftp_fs.h). Two back ends behind
 * the same functions: a tree of reference-counted nodes in memory (a file
 * handle holds its node, so deleting an open file is safe), and a folder
 * on disk reached only through the *at() calls from an O_DIRECTORY
 * handle of the root, with O_NOFOLLOW at every component.
 */
#define _GNU_SOURCE
#include "ftp_fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

G_DEFINE_QUARK(ftp-fs-error-quark, ftp_fs_error)

typedef struct mnode mnode;
struct mnode {
    char *name;
    bool is_dir;
    int refs;
    int64_t mtime;
    GByteArray *data;  /* files */
    GPtrArray *kids;   /* folders: of mnode *, insertion order */
    mnode *parent;     /* NULL for the root and for detached nodes */
};

struct ftp_fs {
    bool read_only;
    mnode *root;  /* memory */
    int root_fd;  /* disk, else -1 */
};

struct ftp_fs_file {
    ftp_fs *fs;
    mnode *node;  /* memory */
    int fd;       /* disk, else -1 */
    uint64_t pos; /* memory: read position */
    bool failed;
};

static void set_err(GError **err, ftp_fs_error code, const char *path, const char *what)
{
    g_set_error(err, FTP_FS_ERROR, code, "%s: %s", path, what);
}

/* ---- paths --------------------------------------------------------------- */

char *ftp_fs_resolve(const char *cwd, const char *path)
{
    GPtrArray *parts = g_ptr_array_new();
    gchar **c = g_strsplit(cwd ? cwd : "/", "/", -1);
    gchar **p = g_strsplit(path ? path : "", "/", -1);
    gchar **lists[2] = {(path && path[0] == '/') ? NULL : c, p};
    for (int l = 0; l < 2; l++) {
        for (gchar **s = lists[l]; s && *s; s++) {
            if (**s == '\0' || strcmp(*s, ".") == 0)
                continue;
            if (strcmp(*s, "..") == 0) {
                if (parts->len > 0)
                    g_ptr_array_set_size(parts, parts->len - 1);
                continue;
            }
            g_ptr_array_add(parts, *s);
        }
    }
    GString *out = g_string_new(NULL);
    for (guint i = 0; i < parts->len; i++)
        g_string_append_printf(out, "/%s", (const char *)g_ptr_array_index(parts, i));
    if (out->len == 0)
        g_string_append_c(out, '/');
    g_ptr_array_free(parts, TRUE);
    g_strfreev(c);
    g_strfreev(p);
    if (out->len > FTP_FS_MAX_PATH) {
        g_string_free(out, TRUE);
        return NULL;
    }
    return g_string_free(out, FALSE);
}

/* The components of a normalised path (a new vector; empty for "/"); NULL
 * with `err` when the path is not normalised or a name is too long. */
static gchar **split_path(const char *path, GError **err)
{
    if (!path || path[0] != '/' || strlen(path) > FTP_FS_MAX_PATH) {
        set_err(err, FTP_FS_ERROR_INVALID, path ? path : "(null)", "not a normalised path");
        return NULL;
    }
    gchar **v = g_strsplit(path + 1, "/", -1);
    if (path[1] == '\0') {
        g_strfreev(v);
        return g_new0(gchar *, 1);
    }
    for (gchar **s = v; *s; s++) {
        if (**s == '\0' || strcmp(*s, ".") == 0 || strcmp(*s, "..") == 0 || strlen(*s) > FTP_FS_MAX_NAME) {
            set_err(err, FTP_FS_ERROR_INVALID, path, "not a normalised path");
            g_strfreev(v);
            return NULL;
        }
    }
    return v;
}

static bool writable(ftp_fs *fs, const char *path, GError **err)
{
    if (fs->read_only) {
        set_err(err, FTP_FS_ERROR_READ_ONLY, path, "the store is read-only");
        return false;
    }
    return true;
}

static int entry_cmp(gconstpointer a, gconstpointer b)
{
    const ftp_fs_entry *x = *(ftp_fs_entry *const *)a, *y = *(ftp_fs_entry *const *)b;
    return strcmp(x->name, y->name);
}

static void entry_free(gpointer p)
{
    ftp_fs_entry *e = p;
    g_free(e->name);
    g_free(e);
}

/* ---- memory -------------------------------------------------------------- */

static mnode *mnode_new(const char *name, bool is_dir, int64_t mtime)
{
    mnode *n = g_new0(mnode, 1);
    n->name = g_strdup(name);
    n->is_dir = is_dir;
    n->refs = 1;
    n->mtime = mtime;
    if (is_dir)
        n->kids = g_ptr_array_new();
    else
        n->data = g_byte_array_new();
    return n;
}

static void mnode_unref(mnode *n)
{
    if (!n || --n->refs > 0)
        return;
    if (n->kids) {
        for (guint i = 0; i < n->kids->len; i++) {
            mnode *k = g_ptr_array_index(n->kids, i);
            k->parent = NULL;
            mnode_unref(k);
        }
        g_ptr_array_free(n->kids, TRUE);
    }
    if (n->data)
        g_byte_array_unref(n->data);
    g_free(n->name);
    g_free(n);
}

static mnode *mnode_child(const mnode *dir, const char *name)
{
    for (guint i = 0; dir->kids && i < dir->kids->len; i++) {
        mnode *k = g_ptr_array_index(dir->kids, i);
        if (strcmp(k->name, name) == 0)
            return k;
    }
    return NULL;
}

static void mnode_detach(mnode *n)
{
    if (n->parent)
        g_ptr_array_remove(n->parent->kids, n);
    n->parent = NULL;
}

static void mnode_attach(mnode *dir, mnode *n)
{
    n->parent = dir;
    g_ptr_array_add(dir->kids, n);
}

/* The folder holding the path's last component (*last points into v), or
 * the node itself when want_node; NULL with `err`. */
static mnode *mem_walk(ftp_fs *fs, const char *path, gchar **v, bool want_node, GError **err)
{
    mnode *cur = fs->root;
    guint n = g_strv_length(v);
    guint stop = want_node ? n : (n > 0 ? n - 1 : 0);
    for (guint i = 0; i < stop; i++) {
        if (!cur->is_dir) {
            set_err(err, FTP_FS_ERROR_NOT_DIR, path, "not a folder");
            return NULL;
        }
        cur = mnode_child(cur, v[i]);
        if (!cur) {
            set_err(err, FTP_FS_ERROR_NOT_FOUND, path, "no such file or folder");
            return NULL;
        }
    }
    if (!want_node && !cur->is_dir) {
        set_err(err, FTP_FS_ERROR_NOT_DIR, path, "not a folder");
        return NULL;
    }
    return cur;
}

static mnode *mem_lookup(ftp_fs *fs, const char *path, GError **err)
{
    gchar **v = split_path(path, err);
    if (!v)
        return NULL;
    mnode *n = mem_walk(fs, path, v, true, err);
    g_strfreev(v);
    return n;
}

/* The parent folder of a path that is not "/" and its last name (new). */
static mnode *mem_parent(ftp_fs *fs, const char *path, char **last, GError **err)
{
    gchar **v = split_path(path, err);
    if (!v)
        return NULL;
    guint n = g_strv_length(v);
    mnode *dir = NULL;
    if (n == 0)
        set_err(err, FTP_FS_ERROR_DENIED, path, "the root folder itself");
    else if ((dir = mem_walk(fs, path, v, false, err)) != NULL)
        *last = g_strdup(v[n - 1]);
    g_strfreev(v);
    return dir;
}

bool ftp_fs_memory_put(ftp_fs *fs, const char *path, const void *data, size_t len, int64_t mtime,
                       GError **err)
{
    if (!fs->root) {
        set_err(err, FTP_FS_ERROR_INVALID, path, "not a memory store");
        return false;
    }
    gchar **v = split_path(path, err);
    if (!v)
        return false;
    mnode *cur = fs->root;
    bool ok = v[0] != NULL;
    if (!ok)
        set_err(err, FTP_FS_ERROR_IS_DIR, path, "the root folder itself");
    for (guint i = 0; ok && v[i]; i++) {
        bool leaf = v[i + 1] == NULL;
        mnode *k = mnode_child(cur, v[i]);
        if (!k) {
            k = mnode_new(v[i], !leaf, mtime);
            mnode_attach(cur, k);
        }
        if (k->is_dir == leaf) {
            set_err(err, leaf ? FTP_FS_ERROR_IS_DIR : FTP_FS_ERROR_NOT_DIR, path, "wrong kind of entry");
            ok = false;
        } else if (leaf) {
            g_byte_array_set_size(k->data, 0);
            g_byte_array_append(k->data, data, (guint)len);
            k->mtime = mtime;
        }
        cur = k;
    }
    g_strfreev(v);
    return ok;
}

static void mem_stat(const mnode *n, ftp_fs_stat *out)
{
    out->is_dir = n->is_dir;
    out->size = n->is_dir ? 0 : n->data->len;
    out->mtime = n->mtime;
}

/* ---- disk ---------------------------------------------------------------- */

static void errno_err(GError **err, int e, const char *path)
{
    ftp_fs_error code = FTP_FS_ERROR_IO;
    switch (e) {
    case ENOENT: code = FTP_FS_ERROR_NOT_FOUND; break;
    case EEXIST: code = FTP_FS_ERROR_EXISTS; break;
    case ENOTEMPTY: code = FTP_FS_ERROR_NOT_EMPTY; break;
    case ENOTDIR: code = FTP_FS_ERROR_NOT_DIR; break;
    case EISDIR: code = FTP_FS_ERROR_IS_DIR; break;
    case EROFS: code = FTP_FS_ERROR_READ_ONLY; break;
    case ENOSPC:
    case EDQUOT: code = FTP_FS_ERROR_NO_SPACE; break;
    case ENAMETOOLONG: code = FTP_FS_ERROR_INVALID; break;
    case ELOOP:
    case EACCES:
    case EPERM:
    case ENXIO:
    case EINVAL: code = FTP_FS_ERROR_DENIED; break;
    default: break;
    }
    g_set_error(err, FTP_FS_ERROR, code, "%s: %s", path, e == ELOOP ? "a symbolic link" : g_strerror(e));
}

/* Opens the folder holding the path's last component (or the path itself
 * when want_self) by walking from the root handle with O_NOFOLLOW; -1 with
 * `err`. *last is set to the last component (borrowed from v) or NULL. */
static int disk_walk(ftp_fs *fs, const char *path, gchar **v, bool want_self, const char **last,
                     GError **err)
{
    guint n = g_strv_length(v);
    guint stop = want_self ? n : (n > 0 ? n - 1 : 0);
    int fd = dup(fs->root_fd);
    if (fd < 0) {
        errno_err(err, errno, path);
        return -1;
    }
    for (guint i = 0; i < stop; i++) {
        int next = openat(fd, v[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        int e = errno;
        struct stat st;
        if (next < 0 && e == ENOTDIR && fstatat(fd, v[i], &st, AT_SYMLINK_NOFOLLOW) == 0 &&
            S_ISLNK(st.st_mode))
            e = ELOOP; /* a symbolic link, not a file */
        close(fd);
        if (next < 0) {
            errno_err(err, e, path);
            return -1;
        }
        fd = next;
    }
    *last = (!want_self && n > 0) ? v[n - 1] : NULL;
    return fd;
}

/* The parent folder's handle and the last name of a path other than "/". */
static int disk_parent(ftp_fs *fs, const char *path, gchar ***v, const char **last, GError **err)
{
    *v = split_path(path, err);
    if (!*v)
        return -1;
    if (!(*v)[0]) {
        set_err(err, FTP_FS_ERROR_DENIED, path, "the root folder itself");
        g_strfreev(*v);
        *v = NULL;
        return -1;
    }
    int fd = disk_walk(fs, path, *v, false, last, err);
    if (fd < 0) {
        g_strfreev(*v);
        *v = NULL;
    }
    return fd;
}

/* fstatat without following; symbolic links and special files refused. */
static bool disk_stat_at(int dir, const char *name, const char *path, ftp_fs_stat *out, GError **err)
{
    struct stat st;
    if (fstatat(dir, name ? name : "", &st, AT_SYMLINK_NOFOLLOW | (name ? 0 : AT_EMPTY_PATH)) != 0) {
        errno_err(err, errno, path);
        return false;
    }
    if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
        set_err(err, FTP_FS_ERROR_DENIED, path, S_ISLNK(st.st_mode) ? "a symbolic link" : "a special file");
        return false;
    }
    out->is_dir = S_ISDIR(st.st_mode);
    out->size = out->is_dir ? 0 : (uint64_t)st.st_size;
    out->mtime = (int64_t)st.st_mtime;
    return true;
}

static GPtrArray *disk_list(ftp_fs *fs, const char *path, size_t max, GError **err)
{
    gchar **v = split_path(path, err);
    if (!v)
        return NULL;
    const char *last;
    int fd = disk_walk(fs, path, v, true, &last, err);
    g_strfreev(v);
    if (fd < 0)
        return NULL;
    /* A new open file description: a dup() would share the root handle's
     * read position with every listing of "/". */
    int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
    if (!d) {
        errno_err(err, errno, path);
        if (dfd >= 0)
            close(dfd);
        close(fd);
        return NULL;
    }
    GPtrArray *out = g_ptr_array_new_with_free_func(entry_free);
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        ftp_fs_stat st;
        if (!disk_stat_at(fd, de->d_name, path, &st, NULL))
            continue; /* symbolic links, special files, races */
        if (max && out->len >= max) {
            set_err(err, FTP_FS_ERROR_TOO_MANY, path, "more entries than a listing may hold");
            g_ptr_array_unref(out);
            out = NULL;
            break;
        }
        ftp_fs_entry *e = g_new0(ftp_fs_entry, 1);
        e->name = g_strdup(de->d_name);
        e->st = st;
        g_ptr_array_add(out, e);
    }
    closedir(d);
    close(fd);
    if (!out)
        return NULL;
    g_ptr_array_sort(out, entry_cmp);
    return out;
}

/* ---- the store ----------------------------------------------------------- */

ftp_fs *ftp_fs_new_memory(bool read_only)
{
    ftp_fs *fs = g_new0(ftp_fs, 1);
    fs->read_only = read_only;
    fs->root = mnode_new("", true, 0);
    fs->root_fd = -1;
    return fs;
}

ftp_fs *ftp_fs_new_disk(const char *root, bool read_only, GError **err)
{
    int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        errno_err(err, errno, root);
        return NULL;
    }
    ftp_fs *fs = g_new0(ftp_fs, 1);
    fs->read_only = read_only;
    fs->root_fd = fd;
    return fs;
}

void ftp_fs_free(ftp_fs *fs)
{
    if (!fs)
        return;
    mnode_unref(fs->root);
    if (fs->root_fd >= 0)
        close(fs->root_fd);
    g_free(fs);
}

bool ftp_fs_is_read_only(const ftp_fs *fs) { return fs->read_only; }

bool ftp_fs_stat_path(ftp_fs *fs, const char *path, ftp_fs_stat *out, GError **err)
{
    if (fs->root) {
        mnode *n = mem_lookup(fs, path, err);
        if (n)
            mem_stat(n, out);
        return n != NULL;
    }
    gchar **v = split_path(path, err);
    if (!v)
        return false;
    const char *last;
    int fd = disk_walk(fs, path, v, false, &last, err);
    bool ok = fd >= 0 && disk_stat_at(fd, last, path, out, err);
    if (fd >= 0)
        close(fd);
    g_strfreev(v);
    return ok;
}

GPtrArray *ftp_fs_list(ftp_fs *fs, const char *path, size_t max, GError **err)
{
    if (!fs->root)
        return disk_list(fs, path, max, err);
    mnode *n = mem_lookup(fs, path, err);
    if (!n)
        return NULL;
    if (!n->is_dir) {
        set_err(err, FTP_FS_ERROR_NOT_DIR, path, "not a folder");
        return NULL;
    }
    if (max && n->kids->len > max) {
        set_err(err, FTP_FS_ERROR_TOO_MANY, path, "more entries than a listing may hold");
        return NULL;
    }
    GPtrArray *out = g_ptr_array_new_with_free_func(entry_free);
    for (guint i = 0; i < n->kids->len; i++) {
        mnode *k = g_ptr_array_index(n->kids, i);
        ftp_fs_entry *e = g_new0(ftp_fs_entry, 1);
        e->name = g_strdup(k->name);
        mem_stat(k, &e->st);
        g_ptr_array_add(out, e);
    }
    g_ptr_array_sort(out, entry_cmp);
    return out;
}

/* Runs one *at() change on the parent folder of `path`. */
typedef enum { OP_MKDIR, OP_RMDIR, OP_DELETE } disk_op;

static bool disk_change(ftp_fs *fs, const char *path, disk_op op, GError **err)
{
    gchar **v;
    const char *last;
    int fd = disk_parent(fs, path, &v, &last, err);
    if (fd < 0)
        return false;
    int rc;
    if (op == OP_MKDIR) {
        rc = mkdirat(fd, last, 0755);
    } else {
        /* unlinkat never follows the last component; check its kind so
         * that DELE refuses folders and RMD files with clear errors. */
        struct stat st;
        rc = fstatat(fd, last, &st, AT_SYMLINK_NOFOLLOW);
        if (rc == 0 && op == OP_RMDIR && !S_ISDIR(st.st_mode)) {
            rc = -1;
            errno = ENOTDIR;
        } else if (rc == 0 && op == OP_DELETE && S_ISDIR(st.st_mode)) {
            rc = -1;
            errno = EISDIR;
        } else if (rc == 0) {
            rc = unlinkat(fd, last, op == OP_RMDIR ? AT_REMOVEDIR : 0);
        }
    }
    int e = errno;
    close(fd);
    g_strfreev(v);
    if (rc != 0)
        errno_err(err, e == EEXIST && op == OP_RMDIR ? ENOTEMPTY : e, path);
    return rc == 0;
}

bool ftp_fs_mkdir(ftp_fs *fs, const char *path, int64_t mtime, GError **err)
{
    if (!writable(fs, path, err))
        return false;
    if (!fs->root)
        return disk_change(fs, path, OP_MKDIR, err);
    char *last = NULL;
    mnode *dir = mem_parent(fs, path, &last, err);
    bool ok = dir != NULL;
    if (ok && mnode_child(dir, last)) {
        set_err(err, FTP_FS_ERROR_EXISTS, path, "the name is taken");
        ok = false;
    } else if (ok) {
        mnode_attach(dir, mnode_new(last, true, mtime));
    }
    g_free(last);
    return ok;
}

static bool mem_remove(ftp_fs *fs, const char *path, bool want_dir, GError **err)
{
    char *last = NULL;
    mnode *dir = mem_parent(fs, path, &last, err);
    mnode *n = dir ? mnode_child(dir, last) : NULL;
    g_free(last);
    if (!dir)
        return false;
    if (!n)
        set_err(err, FTP_FS_ERROR_NOT_FOUND, path, "no such file or folder");
    else if (n->is_dir != want_dir)
        set_err(err, want_dir ? FTP_FS_ERROR_NOT_DIR : FTP_FS_ERROR_IS_DIR, path, "wrong kind of entry");
    else if (want_dir && n->kids->len > 0)
        set_err(err, FTP_FS_ERROR_NOT_EMPTY, path, "the folder is not empty");
    else {
        mnode_detach(n);
        mnode_unref(n);
        return true;
    }
    return false;
}

bool ftp_fs_rmdir(ftp_fs *fs, const char *path, GError **err)
{
    if (!writable(fs, path, err))
        return false;
    return fs->root ? mem_remove(fs, path, true, err) : disk_change(fs, path, OP_RMDIR, err);
}

bool ftp_fs_delete(ftp_fs *fs, const char *path, GError **err)
{
    if (!writable(fs, path, err))
        return false;
    return fs->root ? mem_remove(fs, path, false, err) : disk_change(fs, path, OP_DELETE, err);
}

static bool mem_rename(ftp_fs *fs, const char *from, const char *to, int64_t mtime, GError **err)
{
    char *a = NULL, *b = NULL;
    mnode *da = mem_parent(fs, from, &a, err);
    mnode *db = da ? mem_parent(fs, to, &b, err) : NULL;
    mnode *n = db ? mnode_child(da, a) : NULL;
    mnode *old = n ? mnode_child(db, b) : NULL;
    bool ok = false;
    size_t fl = strlen(from);
    if (!db) {
        /* err set */
    } else if (!n) {
        set_err(err, FTP_FS_ERROR_NOT_FOUND, from, "no such file or folder");
    } else if (strncmp(to, from, fl) == 0 && (to[fl] == '/' || to[fl] == '\0')) {
        if (to[fl] == '\0')
            ok = true; /* the same name: nothing to do */
        else
            set_err(err, FTP_FS_ERROR_DENIED, to, "a folder cannot move beneath itself");
    } else if (old && (old->is_dir || n->is_dir)) {
        set_err(err, FTP_FS_ERROR_EXISTS, to, "the name is taken");
    } else {
        if (old) {
            mnode_detach(old);
            mnode_unref(old);
        }
        mnode_detach(n);
        g_free(n->name);
        n->name = g_strdup(b);
        (void)mtime; /* a rename keeps the entry's modification time */
        mnode_attach(db, n);
        ok = true;
    }
    g_free(a);
    g_free(b);
    return ok;
}

bool ftp_fs_rename(ftp_fs *fs, const char *from, const char *to, int64_t mtime, GError **err)
{
    if (!writable(fs, from, err))
        return false;
    if (fs->root)
        return mem_rename(fs, from, to, mtime, err);
    gchar **va = NULL, **vb = NULL;
    const char *a, *b;
    int fa = disk_parent(fs, from, &va, &a, err);
    int fb = fa >= 0 ? disk_parent(fs, to, &vb, &b, err) : -1;
    bool ok = false;
    if (fb >= 0) {
        struct stat sa, sb;
        if (fstatat(fa, a, &sa, AT_SYMLINK_NOFOLLOW) != 0) {
            errno_err(err, errno, from);
        } else if (S_ISLNK(sa.st_mode)) {
            set_err(err, FTP_FS_ERROR_DENIED, from, "a symbolic link");
        } else if (fstatat(fb, b, &sb, AT_SYMLINK_NOFOLLOW) == 0 && (S_ISDIR(sb.st_mode) || S_ISDIR(sa.st_mode))) {
            set_err(err, FTP_FS_ERROR_EXISTS, to, "the name is taken");
        } else if (renameat(fa, a, fb, b) != 0) {
            errno_err(err, errno, to);
        } else {
            ok = true;
        }
    }
    if (fa >= 0)
        close(fa);
    if (fb >= 0)
        close(fb);
    g_strfreev(va);
    g_strfreev(vb);
    return ok;
}

/* ---- files --------------------------------------------------------------- */

static ftp_fs_file *file_new(ftp_fs *fs, mnode *node, int fd, uint64_t pos)
{
    ftp_fs_file *f = g_new0(ftp_fs_file, 1);
    f->fs = fs;
    f->node = node;
    f->fd = fd;
    f->pos = pos;
    return f;
}

/* Opens the last component on disk with `flags` plus O_NOFOLLOW and
 * O_NONBLOCK; only regular files are kept. */
static int disk_open(ftp_fs *fs, const char *path, int flags, GError **err)
{
    gchar **v;
    const char *last;
    int dir = disk_parent(fs, path, &v, &last, err);
    if (dir < 0)
        return -1;
    int fd = openat(dir, last, flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0644);
    int e = errno;
    close(dir);
    g_strfreev(v);
    if (fd < 0) {
        errno_err(err, e, path);
        return -1;
    }
    struct stat st;
    bool known = fstat(fd, &st) == 0;
    if (!known || !S_ISREG(st.st_mode)) {
        set_err(err, known && S_ISDIR(st.st_mode) ? FTP_FS_ERROR_IS_DIR : FTP_FS_ERROR_DENIED, path,
                "not a regular file");
        close(fd);
        return -1;
    }
    return fd;
}

ftp_fs_file *ftp_fs_open_read(ftp_fs *fs, const char *path, uint64_t offset, GError **err)
{
    if (fs->root) {
        mnode *n = mem_lookup(fs, path, err);
        if (!n)
            return NULL;
        if (n->is_dir) {
            set_err(err, FTP_FS_ERROR_IS_DIR, path, "a folder");
            return NULL;
        }
        n->refs++;
        return file_new(fs, n, -1, offset);
    }
    int fd = disk_open(fs, path, O_RDONLY, err);
    if (fd < 0)
        return NULL;
    if (offset > (uint64_t)INT64_MAX || lseek(fd, (off_t)offset, SEEK_SET) < 0) {
        errno_err(err, EINVAL, path);
        close(fd);
        return NULL;
    }
    return file_new(fs, NULL, fd, offset);
}

ftp_fs_file *ftp_fs_open_write(ftp_fs *fs, const char *path, bool append, int64_t mtime, GError **err)
{
    if (!writable(fs, path, err))
        return NULL;
    if (!fs->root) {
        int fd = disk_open(fs, path, O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC), err);
        return fd < 0 ? NULL : file_new(fs, NULL, fd, 0);
    }
    char *last = NULL;
    mnode *dir = mem_parent(fs, path, &last, err);
    if (!dir)
        return NULL;
    mnode *n = mnode_child(dir, last);
    if (n && n->is_dir) {
        set_err(err, FTP_FS_ERROR_IS_DIR, path, "a folder");
        g_free(last);
        return NULL;
    }
    if (!n) {
        n = mnode_new(last, false, mtime);
        mnode_attach(dir, n);
    } else if (!append) {
        g_byte_array_set_size(n->data, 0);
    }
    g_free(last);
    n->mtime = mtime;
    n->refs++;
    return file_new(fs, n, -1, 0);
}

gssize ftp_fs_read(ftp_fs_file *f, void *buf, size_t len, GError **err)
{
    if (f->node) {
        guint size = f->node->data->len;
        if (f->pos >= size)
            return 0;
        size_t n = MIN(len, (size_t)(size - f->pos));
        n = MIN(n, (size_t)G_MAXSSIZE);
        memcpy(buf, f->node->data->data + f->pos, n);
        f->pos += n;
        return (gssize)n;
    }
    for (;;) {
        ssize_t n = read(f->fd, buf, len);
        if (n >= 0)
            return (gssize)n;
        if (errno != EINTR) {
            errno_err(err, errno, "read");
            return -1;
        }
    }
}

bool ftp_fs_write(ftp_fs_file *f, const void *data, size_t len, GError **err)
{
    if (f->node) {
        if (len > G_MAXUINT - f->node->data->len) {
            set_err(err, FTP_FS_ERROR_NO_SPACE, f->node->name, "the file is too large");
            f->failed = true;
            return false;
        }
        g_byte_array_append(f->node->data, data, (guint)len);
        return true;
    }
    const uint8_t *p = data;
    while (len > 0) {
        ssize_t n = write(f->fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            errno_err(err, n < 0 ? errno : EIO, "write");
            f->failed = true;
            return false;
        }
        p += n;
        len -= (size_t)n;
    }
    return true;
}

bool ftp_fs_file_close(ftp_fs_file *f, GError **err)
{
    if (!f)
        return true;
    bool ok = !f->failed;
    if (f->node)
        mnode_unref(f->node);
    if (f->fd >= 0 && close(f->fd) != 0 && ok) {
        errno_err(err, errno, "close");
        ok = false;
    }
    g_free(f);
    return ok;
}

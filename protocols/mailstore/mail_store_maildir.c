/*
 * mail_store_maildir: the Maildir backend of mail_store (the layout is in
 * mail_store.h). Every file and directory is reached beneath the open
 * handle of the root, one openat() per name with O_NOFOLLOW (names never
 * hold '/', so no symbolic link anywhere beneath the root is followed);
 * renames and unlinks are renameat()/unlinkat() between such handles.
 *
 * Writes: a message goes to tmp/<unique> (fsync), then by rename to new/
 * (or to cur/ with its flags when it has some), then gets its UID in the
 * folder's uidlist under the folder's lock (mail_store_uidlist.c); if
 * that last step fails the file is removed again, so an append either
 * happens whole or not at all. Flags are renames within or into cur/;
 * removal is an unlink. Folder create, delete and rename are mkdirat,
 * a rename out of sight then removal, and renameat.
 */
#define _DEFAULT_SOURCE
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdarg.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "protocols/mailstore/mail_store_priv.h"

/* ---- helpers ---- */

int md_open_dir(int at, const char *name)
{
    return openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

void md_io_error(GError **err, int errnum, const char *fmt, ...)
{
    if (!err)
        return;
    va_list ap;
    va_start(ap, fmt);
    char *what = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error(err, MAIL_STORE_ERROR, MAIL_STORE_ERROR_IO, "%s: %s", what, g_strerror(errnum));
    g_free(what);
}

uint32_t md_new_uidvalidity(void)
{
    static GMutex lock;
    static uint32_t last;
    g_mutex_lock(&lock);
    uint32_t now = (uint32_t)(g_get_real_time() / G_USEC_PER_SEC);
    last = now > last ? now : last + 1;
    uint32_t v = last;
    g_mutex_unlock(&lock);
    return v;
}

char *md_unique_name(void)
{
    static gint counter;
    gint64 us = g_get_real_time();
    guint n = (guint)g_atomic_int_add(&counter, 1);
    return g_strdup_printf("%" G_GINT64_FORMAT ".M%06dP%ldQ%u.appsim", us / G_USEC_PER_SEC,
                           (int)(us % G_USEC_PER_SEC), (long)getpid(), n);
}

bool md_write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        p += n;
        len -= (size_t)n;
    }
    return true;
}

char *md_cur_name(const char *base, unsigned flags)
{
    char letters[6];
    size_t n = 0;
    if (flags & MAIL_FLAG_DRAFT)
        letters[n++] = 'D';
    if (flags & MAIL_FLAG_FLAGGED)
        letters[n++] = 'F';
    if (flags & MAIL_FLAG_ANSWERED)
        letters[n++] = 'R';
    if (flags & MAIL_FLAG_SEEN)
        letters[n++] = 'S';
    if (flags & MAIL_FLAG_DELETED)
        letters[n++] = 'T';
    letters[n] = '\0';
    return g_strconcat(base, ":2,", letters, NULL);
}

char *md_folder_dir(const char *folder)
{
    if (strcmp(ms_canon(folder), MAIL_STORE_INBOX) == 0)
        return g_strdup(".");
    char *d = g_strconcat(".", folder, NULL);
    g_strdelimit(d + 1, "/", '.');
    return d;
}

/* The folder a directory of the user's is ("A/b" for ".A.b"), or NULL. */
static char *folder_of_dir(const char *dir)
{
    if (dir[0] != '.')
        return NULL;
    char *name = g_strdup(dir + 1);
    g_strdelimit(name, ".", '/');
    if (!ms_valid_folder(name, true) || g_ascii_strcasecmp(name, MAIL_STORE_INBOX) == 0) {
        g_free(name);
        return NULL;
    }
    return name;
}

int md_open_folder(const mail_store *st, const char *user, const char *folder, GError **err)
{
    int ufd = md_open_dir(st->root_fd, user);
    if (ufd < 0) {
        md_io_error(err, errno, "cannot open the directory of user \"%s\"", user);
        return -1;
    }
    char *dir = md_folder_dir(folder);
    int fd = md_open_dir(ufd, dir);
    int e = errno;
    close(ufd);
    g_free(dir);
    if (fd < 0)
        md_io_error(err, e, "cannot open folder \"%s\" of \"%s\"", folder, user);
    return fd;
}

/* Creates tmp/, new/ and cur/ in dirfd (those missing). */
static bool make_subdirs(int dirfd, const char *where, GError **err)
{
    static const char *const subs[] = {"tmp", "new", "cur"};
    for (guint i = 0; i < G_N_ELEMENTS(subs); i++) {
        if (mkdirat(dirfd, subs[i], 0700) != 0 && errno != EEXIST) {
            md_io_error(err, errno, "cannot create %s/ of %s", subs[i], where);
            return false;
        }
    }
    return true;
}

static int by_name(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in dirfd (not "." nor ".."), sorted; directories only or
 * non-directories only (never following a symbolic link to decide). */
static GPtrArray *list_dir(int dirfd, bool dirs)
{
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd < 0 ? NULL : fdopendir(fd);
    if (!d) {
        if (fd >= 0)
            close(fd);
        return names;
    }
    struct dirent *de;
    while ((de = readdir(d))) {
        struct stat sb;
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
            fstatat(fd, de->d_name, &sb, AT_SYMLINK_NOFOLLOW) != 0 || (S_ISDIR(sb.st_mode) != dirs))
            continue;
        g_ptr_array_add(names, g_strdup(de->d_name));
    }
    closedir(d);
    g_ptr_array_sort(names, by_name);
    return names;
}

/* ---- the store and its users ---- */

bool md_open(mail_store *st, const char *root, GError **err)
{
    int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        md_io_error(err, errno, "cannot open the Maildir root %s", root);
        return false;
    }
    st->root_fd = fd;
    st->root = g_strdup(root);
    /* A user whose directory cannot be read is left out (or partly read). */
    GPtrArray *names = list_dir(fd, true);
    for (guint i = 0; i < names->len; i++)
        if (ms_valid_user(names->pdata[i]))
            md_refresh_user(st, names->pdata[i], NULL);
    g_ptr_array_free(names, TRUE);
    return true;
}

void md_close(mail_store *st)
{
    close(st->root_fd);
    st->root_fd = -1;
}

ms_user *md_add_user(mail_store *st, const char *user, const char *password, GError **err)
{
    if (mkdirat(st->root_fd, user, 0700) != 0 && errno != EEXIST) {
        md_io_error(err, errno, "cannot create the directory of user \"%s\" in %s", user, st->root);
        return NULL;
    }
    int ufd = md_open_dir(st->root_fd, user);
    if (ufd < 0) {
        md_io_error(err, errno, "cannot open the directory of user \"%s\" in %s", user, st->root);
        return NULL;
    }
    char *where = g_strdup_printf("user \"%s\"", user);
    bool ok = make_subdirs(ufd, where, err);
    g_free(where);
    close(ufd);
    if (!ok || !md_refresh_user(st, user, err))
        return NULL;
    ms_user *u = ms_user_find(st, user);
    g_free(u->password);
    u->password = g_strdup(password);
    return u;
}

/* The user's folders on disk: INBOX, then every ".F" directory with a
 * valid name, in name order. */
static GPtrArray *folders_on_disk(int ufd)
{
    GPtrArray *dirs = list_dir(ufd, true);
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(names, g_strdup(MAIL_STORE_INBOX));
    for (guint i = 0; i < dirs->len; i++) {
        char *name = folder_of_dir(dirs->pdata[i]);
        if (name)
            g_ptr_array_add(names, name);
    }
    g_ptr_array_free(dirs, TRUE);
    return names;
}

typedef struct {
    GHashTable *seen; /* names on disk (lookups only) */
    GPtrArray *missing;
} vanished_walk;

static gboolean collect_missing(gpointer key, gpointer value, gpointer data)
{
    (void)value;
    vanished_walk *w = data;
    if (!g_hash_table_contains(w->seen, key))
        g_ptr_array_add(w->missing, g_strdup(key));
    return FALSE;
}

/* Drops the model's folders that `seen` (names on disk) lacks. */
static void drop_vanished(ms_user *u, GHashTable *seen)
{
    vanished_walk w = {seen, g_ptr_array_new_with_free_func(g_free)};
    g_tree_foreach(u->folders, collect_missing, &w);
    for (guint i = 0; i < w.missing->len; i++)
        ms_folder_drop(u, w.missing->pdata[i]);
    g_ptr_array_free(w.missing, TRUE);
}

bool md_refresh_user(mail_store *st, const char *user, GError **err)
{
    int ufd = md_open_dir(st->root_fd, user);
    if (ufd < 0) {
        int e = errno;
        if (ms_user_find(st, user))
            ms_user_remove(st, user);
        if (e == ENOENT || e == ENOTDIR || e == ELOOP)
            g_set_error(err, MAIL_STORE_ERROR, MAIL_STORE_ERROR_NO_USER, "no user \"%s\" in %s (%s)", user,
                        st->root, g_strerror(e));
        else
            md_io_error(err, e, "cannot open the directory of user \"%s\" in %s", user, st->root);
        return false;
    }
    ms_user *u = ms_user_find(st, user);
    if (!u)
        u = ms_user_add(st, user, NULL);
    GPtrArray *names = folders_on_disk(ufd);
    GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
    bool ok = true;
    for (guint i = 0; i < names->len; i++) {
        char *dir = md_folder_dir(names->pdata[i]);
        int fd = md_open_dir(ufd, dir);
        g_free(dir);
        if (fd < 0)
            continue; /* vanished meanwhile */
        /* A folder that cannot be read now keeps its old picture. */
        g_hash_table_add(seen, names->pdata[i]);
        if (!md_refresh_folder(st, u, names->pdata[i], fd, ok ? err : NULL))
            ok = false;
        close(fd);
    }
    drop_vanished(u, seen);
    g_hash_table_destroy(seen);
    g_ptr_array_free(names, TRUE);
    close(ufd);
    return ok;
}

/* ---- folders ---- */

mail_folder *md_folder_create(mail_store *st, ms_user *u, const char *name, GError **err)
{
    int ufd = md_open_dir(st->root_fd, u->name);
    if (ufd < 0) {
        md_io_error(err, errno, "cannot open the directory of user \"%s\"", u->name);
        return NULL;
    }
    char *dir = md_folder_dir(name);
    char *where = g_strdup_printf("folder \"%s\" of \"%s\"", name, u->name);
    mail_folder *f = NULL;
    int fd = -1;
    if (mkdirat(ufd, dir, 0700) != 0) {
        if (errno == EEXIST)
            g_set_error(err, MAIL_STORE_ERROR, MAIL_STORE_ERROR_EXISTS, "%s exists on disk (%s)", where, dir);
        else
            md_io_error(err, errno, "cannot create %s", where);
    } else if ((fd = md_open_dir(ufd, dir)) < 0) {
        md_io_error(err, errno, "cannot open %s", where);
    } else if (make_subdirs(fd, where, err) && md_refresh_folder(st, u, name, fd, err)) {
        f = ms_folder_find(u, name);
    }
    if (fd >= 0)
        close(fd);
    close(ufd);
    g_free(where);
    g_free(dir);
    return f;
}

/* Unlinks every entry of dirfd that is not a directory. */
static void unlink_files(int dirfd)
{
    GPtrArray *files = list_dir(dirfd, false);
    for (guint i = 0; i < files->len; i++)
        unlinkat(dirfd, files->pdata[i], 0);
    g_ptr_array_free(files, TRUE);
}

/* Removes a folder directory moved out of sight (`dir` beneath ufd):
 * the files of tmp/, new/, cur/ and of itself, then the directories.
 * What cannot be removed (something unexpected inside) stays there,
 * invisible to the store. */
static void remove_folder_dir(int ufd, const char *dir)
{
    int fd = md_open_dir(ufd, dir);
    if (fd < 0)
        return;
    static const char *const subs[] = {"tmp", "new", "cur"};
    for (guint i = 0; i < G_N_ELEMENTS(subs); i++) {
        int sfd = md_open_dir(fd, subs[i]);
        if (sfd >= 0) {
            unlink_files(sfd);
            close(sfd);
            unlinkat(fd, subs[i], AT_REMOVEDIR);
        }
    }
    unlink_files(fd);
    close(fd);
    unlinkat(ufd, dir, AT_REMOVEDIR);
}

bool md_folder_delete(mail_store *st, ms_user *u, mail_folder *f, GError **err)
{
    int ufd = md_open_dir(st->root_fd, u->name);
    if (ufd < 0) {
        md_io_error(err, errno, "cannot open the directory of user \"%s\"", u->name);
        return false;
    }
    char *dir = md_folder_dir(f->name);
    char *uniq = md_unique_name();
    /* "..x" is no folder's directory: out of every store's sight at once. */
    char *gone = g_strconcat("..deleted.", uniq, NULL);
    bool ok = renameat(ufd, dir, ufd, gone) == 0;
    if (ok)
        remove_folder_dir(ufd, gone);
    else
        md_io_error(err, errno, "cannot delete folder \"%s\" of \"%s\"", f->name, u->name);
    g_free(gone);
    g_free(uniq);
    g_free(dir);
    close(ufd);
    return ok;
}

bool md_folder_rename(mail_store *st, ms_user *u, const char *from, const char *to, GError **err)
{
    int ufd = md_open_dir(st->root_fd, u->name);
    if (ufd < 0) {
        md_io_error(err, errno, "cannot open the directory of user \"%s\"", u->name);
        return false;
    }
    char *fdir = md_folder_dir(from), *tdir = md_folder_dir(to);
    struct stat sb;
    bool ok = false;
    if (fstatat(ufd, tdir, &sb, AT_SYMLINK_NOFOLLOW) == 0)
        g_set_error(err, MAIL_STORE_ERROR, MAIL_STORE_ERROR_EXISTS, "folder \"%s\" of \"%s\" exists on disk", to,
                    u->name);
    else if (renameat(ufd, fdir, ufd, tdir) != 0)
        md_io_error(err, errno, "cannot rename folder \"%s\" of \"%s\" to \"%s\"", from, u->name, to);
    else
        ok = true;
    g_free(fdir);
    g_free(tdir);
    close(ufd);
    return ok;
}

/* Moves the regular files of from/sub to to/sub, names unchanged. */
static bool move_files(int from, int to, const char *sub)
{
    int s = md_open_dir(from, sub), d = md_open_dir(to, sub);
    bool ok = s >= 0 && d >= 0;
    GPtrArray *files = ok ? list_dir(s, false) : NULL;
    for (guint i = 0; files && i < files->len; i++) {
        struct stat sb;
        const char *n = files->pdata[i];
        if (n[0] == '.' || fstatat(s, n, &sb, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(sb.st_mode))
            continue;
        if (renameat(s, n, d, n) != 0)
            ok = false;
    }
    if (files)
        g_ptr_array_free(files, TRUE);
    if (s >= 0)
        close(s);
    if (d >= 0)
        close(d);
    return ok;
}

/* With INBOX (ifd) and the new folder (tfd) locked: the new folder gets
 * INBOX's files and uidlist, INBOX an empty list with a new UIDVALIDITY. */
static bool inbox_move(int ifd, int tfd, const char *where, GError **err)
{
    md_uidlist ul, fresh;
    md_uidlist_init(&ul);
    md_uidlist_init(&fresh);
    int r = md_uidlist_read(ifd, &ul, where, err);
    bool ok = r >= 0;
    if (ok && r == 0)
        ul.v = md_new_uidvalidity();
    if (ok && !(move_files(ifd, tfd, "new") && move_files(ifd, tfd, "cur"))) {
        md_io_error(err, errno, "cannot move every message of %s", where);
        ok = false;
    }
    /* Even after a partial move the lists are written: the rescan of
     * each folder then finds its files, with their UIDs or new ones. */
    if (r >= 0) {
        fresh.v = md_new_uidvalidity();
        ok = md_uidlist_write(tfd, &ul, where, ok ? err : NULL) && ok;
        ok = md_uidlist_write(ifd, &fresh, where, ok ? err : NULL) && ok;
    }
    md_uidlist_clear(&ul);
    md_uidlist_clear(&fresh);
    return ok;
}

bool md_inbox_rename(mail_store *st, ms_user *u, const char *to, GError **err)
{
    char *where = g_strdup_printf("INBOX of \"%s\"", u->name);
    int ifd = md_open_folder(st, u->name, MAIL_STORE_INBOX, err);
    int ufd = ifd < 0 ? -1 : md_open_dir(st->root_fd, u->name);
    char *tdir = md_folder_dir(to);
    int tfd = -1;
    bool ok = false;
    if (ifd < 0 || ufd < 0) {
        if (ifd >= 0)
            md_io_error(err, errno, "cannot open the directory of user \"%s\"", u->name);
    } else if (mkdirat(ufd, tdir, 0700) != 0) {
        if (errno == EEXIST)
            g_set_error(err, MAIL_STORE_ERROR, MAIL_STORE_ERROR_EXISTS, "folder \"%s\" of \"%s\" exists on disk", to,
                        u->name);
        else
            md_io_error(err, errno, "cannot create folder \"%s\" of \"%s\"", to, u->name);
    } else if ((tfd = md_open_dir(ufd, tdir)) < 0 || !make_subdirs(tfd, where, err)) {
        if (tfd < 0)
            md_io_error(err, errno, "cannot open folder \"%s\" of \"%s\"", to, u->name);
    } else if (flock(ifd, LOCK_EX) != 0 || flock(tfd, LOCK_EX) != 0) {
        md_io_error(err, errno, "cannot lock %s", where);
    } else {
        ok = inbox_move(ifd, tfd, where, err);
    }
    /* Closing the handles releases the locks. */
    if (tfd >= 0)
        close(tfd);
    if (ufd >= 0)
        close(ufd);
    if (ifd >= 0)
        close(ifd);
    g_free(tdir);
    g_free(where);
    return ok;
}

/* ---- messages ---- */

/* Writes data to tmp/<base> and fsyncs it; its mtime in *mtime_ns. */
static bool write_tmp(int tfd, const char *base, GBytes *data, int64_t *mtime_ns)
{
    int fd = openat(tfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return false;
    gsize len;
    const void *p = g_bytes_get_data(data, &len);
    struct stat sb;
    bool ok = md_write_all(fd, p, len) && fsync(fd) == 0 && fstat(fd, &sb) == 0;
    int e = errno;
    if (close(fd) != 0 && ok) {
        ok = false;
        e = errno;
    }
    if (ok)
        *mtime_ns = (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec;
    else
        unlinkat(tfd, base, 0);
    errno = e;
    return ok;
}

/* Under the folder's lock: the next UID of the uidlist for `base`. */
static uint32_t take_uid(int fd, const char *base, uint32_t *uidvalidity, const char *where, GError **err)
{
    if (flock(fd, LOCK_EX) != 0) {
        md_io_error(err, errno, "cannot lock %s", where);
        return 0;
    }
    md_uidlist ul;
    md_uidlist_init(&ul);
    int r = md_uidlist_read(fd, &ul, where, err);
    uint32_t uid = 0;
    if (r == 0)
        ul.v = md_new_uidvalidity();
    if (r >= 0 && ul.next == UINT32_MAX) {
        md_io_error(err, EOVERFLOW, "%s has used every UID", where);
    } else if (r >= 0) {
        md_line l = {ul.next++, g_strdup(base)};
        g_array_append_val(ul.lines, l);
        if (md_uidlist_write(fd, &ul, where, err)) {
            uid = l.uid;
            *uidvalidity = ul.v;
        }
    }
    flock(fd, LOCK_UN);
    md_uidlist_clear(&ul);
    return uid;
}

/* The message's file: in tmp/, then new/ (or cur/ with its flags). The
 * name in its directory, or NULL with err. */
static char *place_file(int fd, const char *base, GBytes *data, unsigned flags, int64_t *mtime_ns,
                        const char *where, GError **err)
{
    bool to_cur = (flags & ~(unsigned)MAIL_FLAG_RECENT) != 0;
    int tfd = md_open_dir(fd, "tmp");
    int dfd = md_open_dir(fd, to_cur ? "cur" : "new");
    char *name = to_cur ? md_cur_name(base, flags) : g_strdup(base);
    bool ok = false;
    if (tfd < 0 || dfd < 0) {
        md_io_error(err, errno, "cannot open tmp/ or %s/ of %s", to_cur ? "cur" : "new", where);
    } else if (!write_tmp(tfd, base, data, mtime_ns)) {
        md_io_error(err, errno, "cannot write tmp/%s of %s", base, where);
    } else if (renameat(tfd, base, dfd, name) != 0) {
        md_io_error(err, errno, "cannot move tmp/%s of %s into place", base, where);
        unlinkat(tfd, base, 0);
    } else {
        fsync(dfd); /* the directory entry too; some file systems refuse: harmless */
        ok = true;
    }
    if (tfd >= 0)
        close(tfd);
    if (dfd >= 0)
        close(dfd);
    if (!ok) {
        g_free(name);
        return NULL;
    }
    return name;
}

uint32_t md_append(mail_folder *f, GBytes *data, unsigned flags, GError **err)
{
    mail_store *st = f->st;
    int fd = md_open_folder(st, f->user->name, f->name, err);
    if (fd < 0)
        return 0;
    char *where = g_strdup_printf("folder \"%s\" of \"%s\"", f->name, f->user->name);
    char *base = md_unique_name();
    int64_t mtime = 0;
    uint32_t uid = 0, uidvalidity = 0;
    char *name = place_file(fd, base, data, flags, &mtime, where, err);
    if (name) {
        uid = take_uid(fd, base, &uidvalidity, where, err);
        if (uid == 0) {
            /* No UID, no message: the file goes, so nothing half-done stays. */
            int dfd = md_open_dir(fd, name[strlen(base)] == ':' ? "cur" : "new");
            if (dfd >= 0) {
                unlinkat(dfd, name, 0);
                close(dfd);
            }
        }
    }
    if (uid && uidvalidity == f->uidvalidity && uid >= f->uidnext) {
        ms_entry *e = ms_entry_new(uid, data, flags, mtime);
        e->base = base;
        e->file = name;
        e->in_cur = name[strlen(base)] == ':';
        base = name = NULL;
        ms_folder_push(f, e);
    } else if (uid) {
        /* The folder changed under us (another process recreated it):
         * the rescan draws it as it is, this message included. */
        md_refresh_folder(st, f->user, f->name, fd, NULL);
    }
    g_free(name);
    g_free(base);
    g_free(where);
    close(fd);
    return uid;
}

bool md_set_flags(mail_folder *f, ms_entry *e, unsigned flags, GError **err)
{
    bool to_cur = e->in_cur || (flags & ~(unsigned)MAIL_FLAG_RECENT) != 0;
    char *name = to_cur ? md_cur_name(e->base, flags) : NULL;
    if (!to_cur || (e->in_cur && strcmp(name, e->file) == 0)) {
        e->m.flags = flags;
        g_free(name);
        return true;
    }
    int fd = md_open_folder(f->st, f->user->name, f->name, err);
    int sfd = fd < 0 ? -1 : md_open_dir(fd, e->in_cur ? "cur" : "new");
    int dfd = fd < 0 ? -1 : md_open_dir(fd, "cur");
    bool ok = sfd >= 0 && dfd >= 0 && renameat(sfd, e->file, dfd, name) == 0;
    if (!ok && fd >= 0)
        md_io_error(err, errno, "cannot set the flags of message UID %u (%s) in folder \"%s\" of \"%s\"",
                    e->m.uid, e->file, f->name, f->user->name);
    if (ok) {
        g_free(e->file);
        e->file = name;
        name = NULL;
        e->in_cur = true;
        e->m.flags = flags;
    }
    for (int k = 0; k < 3; k++) {
        int x = k == 0 ? fd : k == 1 ? sfd : dfd;
        if (x >= 0)
            close(x);
    }
    g_free(name);
    return ok;
}

bool md_remove(mail_folder *f, ms_entry *e, GError **err)
{
    int fd = md_open_folder(f->st, f->user->name, f->name, err);
    if (fd < 0)
        return false;
    int sfd = md_open_dir(fd, e->in_cur ? "cur" : "new");
    /* A file another process removed already is as good as removed. */
    bool ok = sfd >= 0 && (unlinkat(sfd, e->file, 0) == 0 || errno == ENOENT);
    if (!ok)
        md_io_error(err, errno, "cannot remove message UID %u (%s) of folder \"%s\" of \"%s\"", e->m.uid, e->file,
                    f->name, f->user->name);
    if (sfd >= 0)
        close(sfd);
    close(fd);
    return ok;
}

/*
 * mail_store_uidlist: a Maildir folder's UIDs and its rescan.
 *
 * Every folder directory holds MS_UIDLIST: a first line
 * "V<uidvalidity> N<uidnext>", then one line "<uid> <base name>" per
 * message in ascending UID order (the base name is the file's name up to
 * ":2,", so setting flags never touches the list). It is rewritten whole
 * (a temporary file, fsync, rename), so a reader sees the old list or the
 * new one. Every change of it is made under flock() of the folder's
 * directory, so two processes never give one file two UIDs or one UID
 * two files.
 *
 * A rescan (md_refresh_folder) reads the list and new/ and cur/: files
 * listed keep their UIDs, files not listed get the next UIDs in the
 * order of their base names, listed files that vanished are dropped;
 * the model's folder is then redrawn, keeping the messages it already
 * had (same UID and base name) and reading only new files. Costs
 * O(files x log files) plus reading the new files.
 */
#define _DEFAULT_SOURCE
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "protocols/mailstore/mail_store_priv.h"

/* Largest uidlist read: a line per message, far below this. */
#define MD_MAX_UIDLIST (UINT64_C(64) * 1024 * 1024)

void md_uidlist_init(md_uidlist *ul)
{
    ul->v = 0;
    ul->next = 1;
    ul->lines = g_array_new(FALSE, FALSE, sizeof(md_line));
}

void md_uidlist_clear(md_uidlist *ul)
{
    if (!ul->lines)
        return;
    for (guint i = 0; i < ul->lines->len; i++)
        g_free(g_array_index(ul->lines, md_line, i).base);
    g_array_free(ul->lines, TRUE);
    ul->lines = NULL;
}

static bool parse_u32(const char *s, char **end, uint32_t *out)
{
    if (*s < '0' || *s > '9')
        return false;
    errno = 0;
    unsigned long long v = strtoull(s, end, 10);
    if (errno || v > UINT32_MAX)
        return false;
    *out = (uint32_t)v;
    return true;
}

bool md_valid_base(const char *b)
{
    if (!*b || *b == '.')
        return false;
    for (; *b; b++)
        if (*b == '/' || *b == ':' || (unsigned char)*b < 0x20)
            return false;
    return true;
}

void md_uidlist_parse(char *text, md_uidlist *ul)
{
    char *save = NULL;
    char *line = strtok_r(text, "\n", &save);
    char *end;
    if (!line || line[0] != 'V' || !parse_u32(line + 1, &end, &ul->v) || strncmp(end, " N", 2) != 0 ||
        !parse_u32(end + 2, &end, &ul->next))
        ul->v = 0;
    uint32_t last = 0;
    while ((line = strtok_r(NULL, "\n", &save))) {
        md_line l;
        if (!parse_u32(line, &end, &l.uid) || *end != ' ' || l.uid <= last || l.uid == UINT32_MAX ||
            !md_valid_base(end + 1))
            continue;
        l.base = g_strdup(end + 1);
        g_array_append_val(ul->lines, l);
        last = l.uid;
        if (l.uid >= ul->next)
            ul->next = l.uid + 1;
    }
    if (ul->next == 0)
        ul->next = 1;
    if (ul->v == 0) {
        /* Not ours or damaged by hand: as if there were none. */
        for (guint i = 0; i < ul->lines->len; i++)
            g_free(g_array_index(ul->lines, md_line, i).base);
        g_array_set_size(ul->lines, 0);
        ul->next = 1;
    }
}

int md_uidlist_read(int dirfd, md_uidlist *ul, const char *where, GError **err)
{
    int fd = openat(dirfd, MS_UIDLIST, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT)
        return 0;
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || (uint64_t)sb.st_size > MD_MAX_UIDLIST) {
        int e = fd < 0 ? errno : (uint64_t)sb.st_size > MD_MAX_UIDLIST ? EFBIG : EINVAL;
        md_io_error(err, e, "cannot read the uidlist of %s", where);
        if (fd >= 0)
            close(fd);
        return -1;
    }
    char *text = g_malloc((size_t)sb.st_size + 1);
    size_t got = 0;
    while (got < (size_t)sb.st_size) {
        ssize_t n = read(fd, text + got, (size_t)sb.st_size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    text[got] = '\0';
    md_uidlist_parse(text, ul);
    g_free(text);
    /* A damaged list counts as none: the folder gets a new UIDVALIDITY
     * and its files new UIDs. */
    return ul->v == 0 ? 0 : 1;
}

GString *md_uidlist_format(const md_uidlist *ul)
{
    GString *s = g_string_new(NULL);
    g_string_append_printf(s, "V%u N%u\n", ul->v, ul->next);
    for (guint i = 0; i < ul->lines->len; i++) {
        const md_line *l = &g_array_index(ul->lines, md_line, i);
        g_string_append_printf(s, "%u %s\n", l->uid, l->base);
    }
    return s;
}

bool md_uidlist_write(int dirfd, const md_uidlist *ul, const char *where, GError **err)
{
    GString *s = md_uidlist_format(ul);
    char *u = md_unique_name();
    char *tmp = g_strconcat("." MS_UIDLIST ".", u, NULL);
    g_free(u);
    int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    bool ok = fd >= 0 && md_write_all(fd, s->str, s->len) && fsync(fd) == 0;
    int e = errno;
    if (fd >= 0 && close(fd) != 0 && ok) {
        ok = false;
        e = errno;
    }
    if (ok && renameat(dirfd, tmp, dirfd, MS_UIDLIST) != 0) {
        ok = false;
        e = errno;
    }
    if (!ok) {
        if (fd >= 0)
            unlinkat(dirfd, tmp, 0);
        md_io_error(err, e, "cannot write the uidlist of %s", where);
    }
    g_free(tmp);
    g_string_free(s, TRUE);
    return ok;
}

/* ---- reading a message ---- */

/* The text with every bare LF made CRLF (takes `buf`). */
static GBytes *to_crlf(char *buf, size_t len)
{
    size_t bare = 0;
    for (size_t i = 0; i < len; i++)
        if (buf[i] == '\n' && (i == 0 || buf[i - 1] != '\r'))
            bare++;
    if (bare == 0)
        return g_bytes_new_take(buf, len);
    char *out = g_malloc(len + bare);
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        if (buf[i] == '\n' && (i == 0 || buf[i - 1] != '\r'))
            out[o++] = '\r';
        out[o++] = buf[i];
    }
    g_free(buf);
    return g_bytes_new_take(out, o);
}

int md_read_msg(mail_store *st, int subfd, const char *file, GBytes **data, int64_t *mtime_ns)
{
    int fd = openat(subfd, file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT || errno == ELOOP ? 0 : -1;
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || (uint64_t)sb.st_size > MS_MAX_FILE) {
        if (S_ISREG(sb.st_mode) && (uint64_t)sb.st_size > MS_MAX_FILE)
            st->skipped++;
        close(fd);
        return 0;
    }
    size_t size = (size_t)sb.st_size, got = 0;
    char *buf = g_malloc(size ? size : 1);
    while (got < size) {
        ssize_t n = read(fd, buf + got, size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            g_free(buf);
            close(fd);
            errno = e;
            return -1;
        }
        if (n == 0)
            break; /* shortened meanwhile: what is there */
        got += (size_t)n;
    }
    close(fd);
    *data = to_crlf(buf, got);
    *mtime_ns = (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec;
    return 1;
}

/* ---- the scan ---- */

typedef struct {
    char *base;
    char *file;
    bool in_cur;
    bool used;
    unsigned flags;
    uint32_t uid;
} md_found;

static void found_free(gpointer p)
{
    md_found *m = p;
    g_free(m->base);
    g_free(m->file);
    g_free(m);
}

unsigned md_flags_of(const char *file)
{
    const char *info = strstr(file, ":2,");
    unsigned f = 0;
    for (const char *p = info ? info + 3 : ""; *p; p++) {
        switch (*p) {
        case 'D': f |= MAIL_FLAG_DRAFT; break;
        case 'F': f |= MAIL_FLAG_FLAGGED; break;
        case 'R': f |= MAIL_FLAG_ANSWERED; break;
        case 'S': f |= MAIL_FLAG_SEEN; break;
        case 'T': f |= MAIL_FLAG_DELETED; break;
        default: break;
        }
    }
    return f;
}

/* Adds the regular files of dirfd/sub to `found` (by base name; a base
 * seen already, in cur/ first, is ignored) and `all`. */
static bool scan_sub(int dirfd, const char *sub, bool in_cur, GHashTable *found, GPtrArray *all, const char *where,
                     GError **err)
{
    int fd = md_open_dir(dirfd, sub);
    if (fd < 0 && errno == ENOENT)
        return true;
    DIR *d = fd < 0 ? NULL : fdopendir(fd);
    if (!d) {
        md_io_error(err, errno, "cannot read %s/ of %s", sub, where);
        if (fd >= 0)
            close(fd);
        return false;
    }
    struct dirent *de;
    while ((de = readdir(d))) {
        const char *name = de->d_name;
        struct stat sb;
        if (name[0] == '.' || fstatat(fd, name, &sb, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(sb.st_mode))
            continue;
        char *base = g_strndup(name, strcspn(name, ":"));
        if (!md_valid_base(base) || g_hash_table_contains(found, base)) {
            g_free(base);
            continue;
        }
        md_found *m = g_new0(md_found, 1);
        m->base = base;
        m->file = g_strdup(name);
        m->in_cur = in_cur;
        m->flags = md_flags_of(name);
        g_hash_table_insert(found, m->base, m);
        g_ptr_array_add(all, m);
    }
    closedir(d);
    return true;
}

static int found_by_base(gconstpointer a, gconstpointer b)
{
    const md_found *x = *(md_found *const *)a, *y = *(md_found *const *)b;
    return strcmp(x->base, y->base);
}

static int found_by_uid(gconstpointer a, gconstpointer b)
{
    const md_found *x = *(md_found *const *)a, *y = *(md_found *const *)b;
    return x->uid < y->uid ? -1 : x->uid > y->uid;
}

/* Matches the list with the files found: `out` gets the files in UID
 * order (listed ones keep their UIDs, others get new ones in name
 * order); the list is rewritten to match. True when it changed. */
static bool match(md_uidlist *ul, GHashTable *found, GPtrArray *all, GPtrArray *out)
{
    bool changed = false;
    GArray *kept = g_array_new(FALSE, FALSE, sizeof(md_line));
    for (guint i = 0; i < ul->lines->len; i++) {
        md_line *l = &g_array_index(ul->lines, md_line, i);
        md_found *m = g_hash_table_lookup(found, l->base);
        if (!m || m->used) {
            g_free(l->base);
            changed = true;
            continue;
        }
        m->used = true;
        m->uid = l->uid;
        g_ptr_array_add(out, m);
        g_array_append_val(kept, *l);
    }
    g_array_free(ul->lines, TRUE);
    ul->lines = kept;
    g_ptr_array_sort(all, found_by_base);
    for (guint i = 0; i < all->len && ul->next < UINT32_MAX; i++) {
        md_found *m = all->pdata[i];
        if (m->used)
            continue;
        m->used = true;
        m->uid = ul->next++;
        md_line l = {m->uid, g_strdup(m->base)};
        g_array_append_val(ul->lines, l);
        g_ptr_array_add(out, m);
        changed = true;
    }
    g_ptr_array_sort(out, found_by_uid);
    return changed;
}

/* A new entry for a file found, read from disk; NULL when skipped. */
static ms_entry *entry_read(mail_store *st, int subfd, const md_found *m)
{
    GBytes *data = NULL;
    int64_t mtime = 0;
    if (subfd < 0 || md_read_msg(st, subfd, m->file, &data, &mtime) != 1)
        return NULL;
    ms_entry *e = ms_entry_new(m->uid, data, m->flags | (m->in_cur ? 0 : MAIL_FLAG_RECENT), mtime);
    g_bytes_unref(data);
    e->base = g_strdup(m->base);
    e->file = g_strdup(m->file);
    e->in_cur = m->in_cur;
    return e;
}

/* Redraws the model's folder from the files found (in UID order): the
 * entries it had with the same UID and base name stay (flags and place
 * from the names; RECENT kept in cur/, set in new/), others are read. */
static void redraw(mail_store *st, ms_user *u, const char *name, int dirfd, const md_uidlist *ul, GPtrArray *files)
{
    mail_folder *f = ms_folder_find(u, name);
    if (!f)
        f = ms_folder_add(u, st, name, ul->v);
    if (f->uidvalidity != ul->v) {
        ms_folder_clear(f);
        f->uidvalidity = ul->v;
        f->uidnext = 1;
    }
    int subfd[2] = {md_open_dir(dirfd, "new"), md_open_dir(dirfd, "cur")};
    GPtrArray *old = f->msgs;
    f->msgs = g_ptr_array_new_with_free_func(ms_entry_free);
    f->bytes = 0;
    guint j = 0;
    for (guint i = 0; i < files->len; i++) {
        const md_found *m = files->pdata[i];
        while (j < old->len && ((ms_entry *)old->pdata[j])->m.uid < m->uid)
            j++;
        ms_entry *e = j < old->len ? old->pdata[j] : NULL;
        if (e && e->m.uid == m->uid && e->base && strcmp(e->base, m->base) == 0) {
            old->pdata[j++] = NULL;
            unsigned recent = m->in_cur ? (e->m.flags & MAIL_FLAG_RECENT) : MAIL_FLAG_RECENT;
            e->m.flags = m->flags | recent;
            g_free(e->file);
            e->file = g_strdup(m->file);
            e->in_cur = m->in_cur;
        } else {
            e = entry_read(st, subfd[m->in_cur], m);
        }
        if (e)
            ms_folder_push(f, e);
    }
    g_ptr_array_free(old, TRUE);
    if (ul->next > f->uidnext)
        f->uidnext = ul->next;
    for (int k = 0; k < 2; k++)
        if (subfd[k] >= 0)
            close(subfd[k]);
}

bool md_refresh_folder(mail_store *st, ms_user *u, const char *name, int dirfd, GError **err)
{
    char *where = g_strdup_printf("folder \"%s\" of \"%s\"", name, u->name);
    if (flock(dirfd, LOCK_EX) != 0) {
        md_io_error(err, errno, "cannot lock %s", where);
        g_free(where);
        return false;
    }
    md_uidlist ul;
    md_uidlist_init(&ul);
    GHashTable *found = g_hash_table_new(g_str_hash, g_str_equal); /* lookups only */
    GPtrArray *all = g_ptr_array_new_with_free_func(found_free);
    GPtrArray *files = g_ptr_array_new();
    int r = md_uidlist_read(dirfd, &ul, where, err);
    bool ok = r >= 0 && scan_sub(dirfd, "cur", true, found, all, where, err) &&
              scan_sub(dirfd, "new", false, found, all, where, err);
    if (ok && r == 0) {
        ul.v = md_new_uidvalidity();
        ul.next = 1;
    }
    if (ok) {
        bool changed = match(&ul, found, all, files);
        if (changed || r == 0)
            ok = md_uidlist_write(dirfd, &ul, where, err);
    }
    flock(dirfd, LOCK_UN);
    if (ok)
        redraw(st, u, name, dirfd, &ul, files);
    g_ptr_array_free(files, TRUE);
    g_ptr_array_free(all, TRUE);
    g_hash_table_destroy(found);
    md_uidlist_clear(&ul);
    g_free(where);
    return ok;
}

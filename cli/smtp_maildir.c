/* smtp_maildir: Maildir delivery beneath an open handle of the root. */
#define _GNU_SOURCE /* renameat, openat, mkdirat, fdopendir in every libc we build with */

#include "smtp_maildir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct smtp_maildir {
    int root_fd;
    char host[64];  /* this machine's name for unique file names, '/' and ':' replaced */
    unsigned serial; /* deliveries by this process */
};

static void set_errno_error(GError **err, const char *what, const char *name)
{
    int e = errno;
    g_set_error(err, G_IO_ERROR, g_io_error_from_errno(e), "%s %s: %s", what, name, g_strerror(e));
}

smtp_maildir *smtp_maildir_open(const char *root, GError **err)
{
    int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        set_errno_error(err, "cannot open the Maildir folder", root);
        return NULL;
    }
    smtp_maildir *md = g_new0(smtp_maildir, 1);
    md->root_fd = fd;
    g_strlcpy(md->host, g_get_host_name(), sizeof md->host);
    for (char *p = md->host; *p; p++)
        if (*p == '/' || *p == ':' || *p == '.' || (unsigned char)*p < 33 || (unsigned char)*p > 126)
            *p = '_';
    return md;
}

void smtp_maildir_free(smtp_maildir *md)
{
    if (!md)
        return;
    close(md->root_fd);
    g_free(md);
}

bool smtp_maildir_name_ok(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > 255 || name[0] == '.')
        return false;
    for (const char *p = name; *p; p++)
        if (*p == '/' || (unsigned char)*p < 32 || *p == 127)
            return false;
    return true;
}

/* A directory beneath `dir_fd`, never through a symbolic link; -1. */
static int open_dir(int dir_fd, const char *name)
{
    return openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

char **smtp_maildir_users(smtp_maildir *md)
{
    GPtrArray *users = g_ptr_array_new();
    int fd = dup(md->root_fd);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d && fd >= 0)
        close(fd);
    if (d) {
        rewinddir(d);
        struct dirent *de;
        while ((de = readdir(d)) != NULL) {
            struct stat sb;
            if (!smtp_maildir_name_ok(de->d_name) ||
                fstatat(md->root_fd, de->d_name, &sb, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(sb.st_mode))
                continue;
            g_ptr_array_add(users, g_strdup(de->d_name));
        }
        closedir(d);
    }
    if (users->len > 1)
        qsort(users->pdata, users->len, sizeof(gpointer), cmp_str);
    g_ptr_array_add(users, NULL);
    return (char **)g_ptr_array_free(users, FALSE);
}

bool smtp_maildir_add_user(smtp_maildir *md, const char *user, GError **err)
{
    if (!smtp_maildir_name_ok(user)) {
        g_set_error(err, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "\"%s\" cannot be a user (no '/', no leading '.', no control characters, 1 to 255 bytes)", user);
        return false;
    }
    if (mkdirat(md->root_fd, user, 0700) != 0 && errno != EEXIST) {
        set_errno_error(err, "cannot create the folder of", user);
        return false;
    }
    int ufd = open_dir(md->root_fd, user);
    if (ufd < 0) {
        set_errno_error(err, "cannot open the folder of", user);
        return false;
    }
    static const char *const subs[] = {"tmp", "new", "cur"};
    bool ok = true;
    for (size_t i = 0; i < G_N_ELEMENTS(subs) && ok; i++)
        if (mkdirat(ufd, subs[i], 0700) != 0 && errno != EEXIST) {
            set_errno_error(err, "cannot create a Maildir folder of", user);
            ok = false;
        }
    close(ufd);
    return ok;
}

/* Writes all of data to fd; false with errno set. */
static bool write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        data += n;
        len -= (size_t)n;
    }
    return true;
}

/* Creates a file of a unique name in tmp_fd (name written into `name`);
 * its descriptor, or -1. */
static int create_unique(smtp_maildir *md, int tmp_fd, char *name, size_t size)
{
    for (int tries = 0; tries < 100; tries++) {
        gint64 us = g_get_real_time();
        g_snprintf(name, size, "%" G_GINT64_FORMAT ".M%06dP%dQ%u.%s", us / G_USEC_PER_SEC,
                   (int)(us % G_USEC_PER_SEC), (int)getpid(), ++md->serial, md->host);
        int fd = openat(tmp_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd >= 0 || errno != EEXIST)
            return fd;
    }
    return -1;
}

bool smtp_maildir_deliver(smtp_maildir *md, const char *user, const void *data, size_t len, GError **err)
{
    if (!smtp_maildir_name_ok(user)) {
        g_set_error(err, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "\"%s\" cannot be a user", user);
        return false;
    }
    int ufd = open_dir(md->root_fd, user);
    int tmp_fd = ufd >= 0 ? open_dir(ufd, "tmp") : -1;
    int new_fd = ufd >= 0 ? open_dir(ufd, "new") : -1;
    bool ok = false;
    char name[160];
    if (tmp_fd < 0 || new_fd < 0) {
        set_errno_error(err, "no Maildir (tmp/ and new/) for", user);
    } else {
        int fd = create_unique(md, tmp_fd, name, sizeof name);
        if (fd < 0) {
            set_errno_error(err, "cannot create a message file for", user);
        } else {
            ok = write_all(fd, data, len) && fsync(fd) == 0;
            if (!ok)
                set_errno_error(err, "cannot write a message for", user);
            if (close(fd) != 0 && ok) {
                set_errno_error(err, "cannot write a message for", user);
                ok = false;
            }
            if (ok && renameat(tmp_fd, name, new_fd, name) != 0) {
                set_errno_error(err, "cannot move a message into new/ for", user);
                ok = false;
            }
            if (!ok)
                unlinkat(tmp_fd, name, 0);
        }
    }
    if (tmp_fd >= 0)
        close(tmp_fd);
    if (new_fd >= 0)
        close(new_fd);
    if (ufd >= 0)
        close(ufd);
    return ok;
}

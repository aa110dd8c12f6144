/*
 * ftp_fs: the file store an FTP server serves, in memory or on a folder
 * beneath a root.
 *
 * Paths: every operation takes an absolute, normalised path ("/", "/a/b")
 * as ftp_fs_resolve() makes it from the session's current folder and the
 * client's argument: "." and empty components drop, ".." goes up but
 * never above "/", so no path names anything outside the store.
 *
 * On disk (ftp_fs_new_disk), the root is opened once as an O_DIRECTORY
 * handle; every operation walks the path's components from that handle
 * with openat(O_DIRECTORY | O_NOFOLLOW) and acts on the last one with the
 * *at() calls (openat, mkdirat, unlinkat, renameat, fstatat with
 * AT_SYMLINK_NOFOLLOW). A symbolic link anywhere on the path is refused
 * (FTP_FS_ERROR_DENIED), whether it points inside or outside the root;
 * listings leave symbolic links and special files out; files are opened
 * with O_NONBLOCK and must be regular files (a FIFO never blocks the
 * server). Modification times are the file system's.
 *
 * In memory (ftp_fs_new_memory), files and folders live in a tree; the
 * caller gives every modification time (seconds since 1970 UTC), so a
 * simulated server stays deterministic. Lookups cost O(entries of each
 * folder on the path).
 *
 * Read-only stores refuse every change with FTP_FS_ERROR_READ_ONLY.
 * Listings are sorted by name (strcmp order), whatever the store.
 *
 * Limits: a path at most FTP_FS_MAX_PATH bytes, a component at most
 * FTP_FS_MAX_NAME bytes (FTP_FS_ERROR_INVALID beyond).
 *
 * Ownership: ftp_fs_new_*()/ftp_fs_free(); a file handle from
 * ftp_fs_open_read()/ftp_fs_open_write() is closed (and freed) by
 * ftp_fs_file_close(), before the store is freed; listings are
 * GPtrArray of ftp_fs_entry, freed with g_ptr_array_unref. Paths are
 * borrowed. Errors are GError in the FTP_FS_ERROR domain.
 */
#ifndef APPSIM_FTP_FS_H
#define APPSIM_FTP_FS_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#define FTP_FS_MAX_PATH 1024 /* bytes of a normalised path */
#define FTP_FS_MAX_NAME 255  /* bytes of one component */

#define FTP_FS_ERROR (ftp_fs_error_quark())
GQuark ftp_fs_error_quark(void);

typedef enum {
    FTP_FS_ERROR_NOT_FOUND,  /* no such file or folder (550) */
    FTP_FS_ERROR_EXISTS,     /* the name is taken (550) */
    FTP_FS_ERROR_NOT_DIR,    /* a folder was needed (550) */
    FTP_FS_ERROR_IS_DIR,     /* a file was needed (550) */
    FTP_FS_ERROR_NOT_EMPTY,  /* RMD of a folder with entries (550) */
    FTP_FS_ERROR_READ_ONLY,  /* the store is read-only (550) */
    FTP_FS_ERROR_DENIED,     /* a symbolic link, a special file, permissions, the root itself (550) */
    FTP_FS_ERROR_INVALID,    /* a path or name too long (553) */
    FTP_FS_ERROR_NO_SPACE,   /* the disk is full (452) */
    FTP_FS_ERROR_IO,         /* any other failure (451) */
    FTP_FS_ERROR_TOO_MANY,   /* a folder with more entries than a listing may hold (451) */
} ftp_fs_error;

typedef struct {
    bool is_dir;
    uint64_t size;  /* bytes; 0 for folders */
    int64_t mtime;  /* seconds since 1970-01-01 UTC */
} ftp_fs_stat;

typedef struct {
    char *name;
    ftp_fs_stat st;
} ftp_fs_entry;

typedef struct ftp_fs ftp_fs;
typedef struct ftp_fs_file ftp_fs_file;

ftp_fs *ftp_fs_new_memory(bool read_only);
/* A store on the folder `root` (opened once here); NULL and `err` when it
 * cannot be opened as a folder. */
ftp_fs *ftp_fs_new_disk(const char *root, bool read_only, GError **err);
void ftp_fs_free(ftp_fs *fs);
bool ftp_fs_is_read_only(const ftp_fs *fs);

/* The normalised absolute path of `path` seen from the folder `cwd` (itself
 * normalised); NULL when the result would be longer than FTP_FS_MAX_PATH.
 * A new string. */
char *ftp_fs_resolve(const char *cwd, const char *path);

/* Fills a memory store regardless of read-only (the server's content),
 * making missing parent folders with the same mtime. */
bool ftp_fs_memory_put(ftp_fs *fs, const char *path, const void *data, size_t len, int64_t mtime,
                       GError **err);

bool ftp_fs_stat_path(ftp_fs *fs, const char *path, ftp_fs_stat *out, GError **err);
/* The folder's entries sorted by name; NULL and `err` on failure, and
 * FTP_FS_ERROR_TOO_MANY when it has more than `max` entries (0: no
 * limit): reading stops at entry max + 1, so memory stays O(max).
 * Cost: O(n log n) for n entries, one fstatat each on disk. */
GPtrArray *ftp_fs_list(ftp_fs *fs, const char *path, size_t max, GError **err);

/* mtime: the time to record in a memory store (ignored on disk). */
bool ftp_fs_mkdir(ftp_fs *fs, const char *path, int64_t mtime, GError **err);
bool ftp_fs_rmdir(ftp_fs *fs, const char *path, GError **err);
bool ftp_fs_delete(ftp_fs *fs, const char *path, GError **err);
/* Renames a file or folder; an existing file at `to` is replaced, an
 * existing folder is not; a folder cannot move beneath itself. */
bool ftp_fs_rename(ftp_fs *fs, const char *from, const char *to, int64_t mtime, GError **err);

/* Opens a regular file for reading from byte `offset` (REST); an offset
 * past the end reads nothing. */
ftp_fs_file *ftp_fs_open_read(ftp_fs *fs, const char *path, uint64_t offset, GError **err);
/* Creates or truncates (append false) or appends to (append true) a file. */
ftp_fs_file *ftp_fs_open_write(ftp_fs *fs, const char *path, bool append, int64_t mtime, GError **err);
/* Up to `len` bytes into buf: the count, 0 at the end, -1 with `err`. */
gssize ftp_fs_read(ftp_fs_file *f, void *buf, size_t len, GError **err);
/* Writes all `len` bytes; false with `err`. */
bool ftp_fs_write(ftp_fs_file *f, const void *data, size_t len, GError **err);
/* Closes and frees the handle (NULL: no-op); false with `err` when the
 * last writes failed. */
bool ftp_fs_file_close(ftp_fs_file *f, GError **err);

#endif

/*
 * http_store: the objects a web server serves.
 *
 * Either a content model held in memory (what the simulator's servers use:
 * a path, a size, a media type, Last-Modified, optional Expires, and a body
 * that is real bytes or length-only), or a folder on disk (what
 * `appsim http serve --root DIR` uses: files are opened when requested, so
 * a changed file is seen at once; "/" and folders map to index.html).
 *
 * Confinement of a folder: the store opens the root folder once and
 * reaches every file relative to that handle, one path segment at a time,
 * with openat(O_NOFOLLOW). A symbolic link anywhere in a path (pointing
 * inside the root or out of it), a ".." segment, an encoded slash or NUL,
 * a backslash, or anything that is not a folder or a regular file is
 * refused (HTTP_STORE_FORBIDDEN), for reading, writing and deleting alike.
 * Hard links cannot be told apart from files and are served; whoever can
 * make them in the root can read the file anyway.
 *
 * Bodies of a folder's files are not read into memory: a found object
 * carries an open file (`fd`) and the server reads it in bounded chunks.
 * Uploads (PUT) are written as they arrive into a temporary file beside
 * the target (".appsim-upload-..."), which replaces the target when the
 * upload is committed and is removed when it is aborted; missing folders
 * on the way are created when the upload begins.
 *
 * Ownership: http_store_new or http_store_new_dir, then http_store_free.
 * Objects returned by http_store_get are the caller's (http_object_free
 * closes their file); in-memory bodies are GBytes, shared by reference.
 * An http_upload is the caller's until http_upload_commit or
 * http_upload_abort, which free it; it must not outlive its store.
 */
#ifndef APPSIM_HTTP_STORE_H
#define APPSIM_HTTP_STORE_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct {
    char *path;
    char *type;            /* media type, e.g. "text/html" */
    uint64_t size;         /* body bytes */
    GBytes *body;          /* in memory; NULL: length-only, or in `fd` */
    int fd;                /* a folder's file holding the body (owned), or -1 */
    int64_t last_modified; /* seconds since the epoch */
    int64_t expires;       /* seconds since the epoch; 0: no Expires header */
    char *etag;            /* quoted, e.g. "\"1a2b-65f0c3\"" */
} http_object;

void http_object_free(http_object *o);
/* Reads up to `len` bytes of the body from offset `off` of an object whose
 * body is a file (fd >= 0); returns how many, 0 at the end of the file or
 * on an error. */
size_t http_object_read(const http_object *o, uint64_t off, void *buf, size_t len);

/* What a lookup, an upload or a removal came to. */
typedef enum {
    HTTP_STORE_OK,
    HTTP_STORE_NOT_FOUND,
    HTTP_STORE_FORBIDDEN, /* leaves the root, crosses a symbolic link, not a regular file */
    HTTP_STORE_FAILED,    /* the system failed (disk full, I/O error) */
} http_store_status;

typedef struct http_store http_store;

http_store *http_store_new(void);
/* A store backed by the folder `root` (which must exist; it stays open). */
http_store *http_store_new_dir(const char *root, GError **err);
void http_store_free(http_store *s);
/* True for a folder's store (bodies on disk), false for one in memory. */
bool http_store_on_disk(const http_store *s);

/* Adds or replaces an in-memory object. `body` (len == size) is copied;
 * NULL makes it length-only. `type` NULL guesses from the extension. */
void http_store_add(http_store *s, const char *path, uint64_t size, const char *type,
                    const void *body, int64_t last_modified, int64_t expires);

/* The object at `path` (query ignored), or NULL with the reason in *st. */
http_object *http_store_get(http_store *s, const char *path, http_store_status *st);

/* An upload in progress (PUT). */
typedef struct http_upload http_upload;

/* Starts creating or replacing `path`; NULL with the reason in *st (a
 * path naming the root, a folder or a symbolic link is FORBIDDEN). `type`
 * NULL guesses from the extension. */
http_upload *http_store_upload_begin(http_store *s, const char *path, const char *type,
                                     http_store_status *st);
/* Appends `len` bytes (`data` NULL: length-only in memory, zeros on disk).
 * False once writing has failed (the commit then fails too). */
bool http_upload_write(http_upload *u, const void *data, size_t len);
/* Makes the upload the object at its path, stamped `now_s`; *created says
 * whether there was none before. Frees `u`, whatever the outcome. */
http_store_status http_upload_commit(http_upload *u, int64_t now_s, bool *created);
/* Forgets the upload (removes its temporary file) and frees it. NULL is a
 * no-op. */
void http_upload_abort(http_upload *u);

/* An upload in one call: begin, write `len` bytes, commit. */
http_store_status http_store_put(http_store *s, const char *path, const void *data, size_t len,
                                 const char *type, int64_t now_s, bool *created);
/* Removes the regular file (or in-memory object) at `path`. */
http_store_status http_store_delete(http_store *s, const char *path);

/* The media type for a file name's extension ("application/octet-stream"
 * when unknown). */
const char *http_guess_type(const char *path);

#endif

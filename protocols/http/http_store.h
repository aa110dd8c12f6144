/*
 * http_store: the objects a web server serves.
 *
 * Either a content model held in memory (what the simulator's servers use:
 * a path, a size, a media type, Last-Modified, optional Expires, and a body
 * that is real bytes or length-only), or a folder on disk (what
 * `appsim http serve --root DIR` uses: files are read when requested, so a
 * changed file is seen at once; "/" and folders map to index.html).
 *
 * Ownership: http_store_new or http_store_new_dir, then http_store_free. Objects returned by
 * http_store_get are the caller's (http_object_free); bodies are GBytes,
 * shared by reference.
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
    GBytes *body;          /* NULL: length-only */
    int64_t last_modified; /* seconds since the epoch */
    int64_t expires;       /* seconds since the epoch; 0: no Expires header */
    char *etag;            /* quoted, e.g. "\"1a2b-65f0c3\"" */
} http_object;

void http_object_free(http_object *o);

typedef struct http_store http_store;

http_store *http_store_new(void);
/* A store backed by the folder `root` (which must exist). */
http_store *http_store_new_dir(const char *root, GError **err);
void http_store_free(http_store *s);

/* Adds or replaces an in-memory object. `body` (len == size) is copied;
 * NULL makes it length-only. `type` NULL guesses from the extension. */
void http_store_add(http_store *s, const char *path, uint64_t size, const char *type,
                    const void *body, int64_t last_modified, int64_t expires);

/* The object at `path` (query ignored), or NULL. *forbidden is set when the
 * path tries to leave the folder ("..") or names something unreadable. */
http_object *http_store_get(http_store *s, const char *path, bool *forbidden);
/* Creates or replaces `path` with `len` bytes (NULL data: length-only, in
 * memory only). Sets *created when it did not exist. */
bool http_store_put(http_store *s, const char *path, const void *data, size_t len,
                    const char *type, int64_t now_s, bool *created, GError **err);
/* Removes `path`; false when there was nothing to remove. */
bool http_store_delete(http_store *s, const char *path);

/* The media type for a file name's extension ("application/octet-stream"
 * when unknown). */
const char *http_guess_type(const char *path);

#endif

/*
 * http_server_impl: the server's private types, shared by its two source
 * files: http_server.c (connections, input and output, timers, the
 * worker, the handler interface) and http_server_resp.c (what a request
 * is answered with: routing, the store's methods, cookies, dates).
 *
 * Not for use outside protocols/http/http_server*.c.
 */
#ifndef APPSIM_HTTP_SERVER_IMPL_H
#define APPSIM_HTTP_SERVER_IMPL_H

#include "http_server.h"

typedef struct session session;

/* What becomes of a request body as it arrives. */
typedef enum {
    SINK_DISCARD, /* counted only (GET, POST, refused requests) */
    SINK_MEMORY,  /* kept in `body` for a handler (a proxy) */
    SINK_UPLOAD,  /* written to the store's upload (PUT) */
} body_sink;

/* A response body to send: bytes in memory (`bytes`, NULL for
 * length-only) from `off`, or a file object (`file`) from offset `off`;
 * `len` bytes either way. */
typedef struct {
    GBytes *bytes;
    http_object *file;
    uint64_t off, len;
    bool owned; /* `bytes` were made for this response (counted as held);
                 * a streamed span (http_server_job_write) is owned and
                 * counted by its length even when length-only, as it
                 * stands for the copy a real handler's bytes are */
} body_ref;

typedef struct {
    session *ss;
    http_server *srv;
    http_msg *req;        /* NULL for a parser error */
    char *path;           /* the target's path (origin form), or NULL */
    int early;            /* a status decided from the head alone, 0: none */
    int rule;             /* the index of the rule behind `early`, or -1 */
    body_sink sink;
    GByteArray *body;     /* SINK_MEMORY: the body's real bytes */
    http_upload *upload;  /* SINK_UPLOAD */
    uint64_t body_len;
    uint64_t body_mem;    /* body bytes held in memory (the server's budget) */
    size_t head_mem;      /* the request head's size, counted as held */
    bool body_virtual;    /* some body bytes were length-only */
    int error_status;     /* answer this (parser error, 413, 503) */
    bool must_close;      /* close after answering (the body was not read) */
    bool ready, in_worker;
    GString *head;        /* the prepared response head */
    body_ref body_out;    /* the prepared response body */
    bool close_after;
    /* A streaming answer (http_server_job_stream): the body comes in
     * pieces from the handler, and the job stays at the head of its
     * session's queue until http_server_job_end. */
    bool streaming, chunked, no_body;
    bool ended, cut_short; /* http_server_job_end was called; not complete */
    bool want_drain;       /* a write returned HTTP_SERVER_STREAM_HIGH or more */
    GQueue pend;           /* of body_ref*, written before the job's turn */
    uint64_t pend_bytes;   /* their length, counted as held by the session */
    http_server_drain_fn drained;
    void *drained_ud;
    host_timer_id drain_timer; /* the drain notice, scheduled */
} job;

typedef struct {
    char *prefix, *realm, *credentials; /* credentials: base64 of user:password */
} rule;

/* A remembered cookie ID. */
typedef struct {
    uint64_t id, visits;
    int64_t last_seen; /* host_now() of the last visit */
    GList link;        /* in the server's cookie_lru, data = this */
} cookie_entry;

struct http_server {
    host_env *env;
    http_store *store;
    http_server_config c;
    char *name;
    char *host; /* the configured name (c.host), owned */
    host_listener *listener;
    GArray *protect, *redirects, *forbid, *fail; /* of rule */
    GQueue worker_queue;                          /* of job* */
    bool worker_busy;
    host_timer_id worker_timer;
    job *working;
    uint64_t cookie_next;   /* the last ID handed out */
    GHashTable *cookies;    /* id (uint64_t*) -> cookie_entry*; lookup only */
    GQueue cookie_lru;      /* of cookie_entry, least recently seen first */
    GPtrArray *sessions;    /* live sessions, for teardown */
    http_server_handler handler; /* NULL: serve the store */
    bool tearing_down;           /* in http_server_free */
    void *handler_ud;
    http_server_stats stats;
};

/* http_server_resp.c */

/* Decides what can be decided from a request head alone: the target's
 * path, the Host check, the method and the rules (sets j->path, j->early
 * and j->rule). Only for a server serving its store. */
void job_route(job *j);
/* Builds the response of a job (head and body) and marks it ready. */
void job_respond(job *j);
/* Completes a job's response (persistence headers, no body where none may
 * go, the head serialised) and marks it ready. Takes `r`. */
void job_finish(job *j, http_msg *r, bool keep);
/* Sets an error page as the response body. */
void job_error_body(job *j, http_msg *r, int status);
/* A response with Date and Server. */
http_msg *job_response(job *j, int status, int version);
/* Frees the cookie table. */
void cookies_clear(http_server *srv);

/* http_server.c */

/* Counts `delta` bytes more (or fewer) held by a session. */
void session_hold(session *ss, int64_t delta);
/* Lets go of a body's references (and closes its file). */
void body_ref_clear(body_ref *b);

#endif

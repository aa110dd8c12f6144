/*
 * http_server: an HTTP/1.0 and 1.1 origin server application.
 *
 * Runs on any host_env (a simulated host or a real one), serving an
 * http_store. Per connection it parses requests (pipelined ones too) and
 * answers them in order:
 *
 * - GET and HEAD: 200 with Date, Server, Last-Modified, ETag, Content-Type,
 *   Content-Length and, when the object has one, Expires; 304 for a
 *   conditional GET (If-Modified-Since not older than Last-Modified, or a
 *   matching If-None-Match); 206 with Content-Range for a satisfiable
 *   "Range: bytes=" request (one range), 416 for an unsatisfiable one;
 *   404 when there is no such object.
 * - POST: 200 with a short text body saying what was received.
 * - PUT: 201 (created) or 204 (replaced); DELETE: 204 or 404.
 * - OPTIONS: 204 with Allow; TRACE: 200 with the request echoed as
 *   message/http.
 * - 301 with Location for configured redirects; 401 with
 *   WWW-Authenticate: Basic for protected prefixes without the right
 *   credentials; 403 for forbidden prefixes (and paths leaving the
 *   folder); 500 for configured failing paths; 501 for methods it does
 *   not know; 503 with Retry-After when the request queue is full; and
 *   the parser's 400, 413, 414, 431 and 505, after which it closes.
 *
 * Persistence follows the versions: 1.1 keeps the connection unless
 * "Connection: close"; 1.0 closes unless the client asked for keep-alive;
 * an idle connection is closed after `idle_timeout`.
 *
 * Cookies, as in the slides: a request without the server's cookie gets a
 * new ID (1, 2, ... in order of first visit), stored in the server's
 * back-end table and sent with Set-Cookie; later requests carrying it are
 * counted as visits of that ID.
 *
 * Load: every request takes `proc_time` of a single worker, first come
 * first served across all connections (an M/G/1 server), so the response
 * time grows with the load.
 *
 * Ownership: http_server_new/http_server_free; the store and the host
 * environment are borrowed and must outlive the server.
 */
#ifndef APPSIM_HTTP_SERVER_H
#define APPSIM_HTTP_SERVER_H

#include "http_parser.h"
#include "http_store.h"
#include "seam/host.h"

typedef struct {
    uint16_t port;           /* default 80 */
    const char *name;        /* the Server header; default "appsim/<version>" */
    int64_t proc_time;       /* ns of work per request; default 0 */
    int64_t idle_timeout;    /* ns; default 15 s */
    uint32_t max_queue;      /* requests waiting for the worker; 0: no limit */
    bool cookies;            /* hand out and count cookie IDs; default true */
    http_limits limits;
} http_server_config;

void http_server_config_default(http_server_config *c);

typedef struct http_server http_server;

typedef struct {
    uint64_t connections;
    uint64_t requests;
    uint64_t responses[6];   /* by class: [1] 1xx ... [5] 5xx */
    uint64_t bytes_sent;     /* body bytes */
    uint64_t not_modified;   /* 304 answers */
} http_server_stats;

http_server *http_server_new(host_env *env, http_store *store, const http_server_config *c,
                             GError **err);
void http_server_free(http_server *s);

/* Requests under `prefix` need Basic credentials user:password. */
void http_server_protect(http_server *s, const char *prefix, const char *realm, const char *user,
                         const char *password);
/* Requests for exactly `from` are answered 301 with Location `to`. */
void http_server_redirect(http_server *s, const char *from, const char *to);
/* Requests under `prefix` are answered 403. */
void http_server_forbid(http_server *s, const char *prefix);
/* Requests under `prefix` are answered 500 (a failing script). */
void http_server_fail(http_server *s, const char *prefix);

const http_server_stats *http_server_get_stats(const http_server *s);
/* The server's listener (to ask a real host which port it got). */
host_listener *http_server_listener(const http_server *s);
/* The cookie table: visits by ID (index 0 is ID 1), in order of first visit. */
uint32_t http_server_cookie_count(const http_server *s);
uint64_t http_server_cookie_visits(const http_server *s, uint32_t id);

/* Asynchronous handling (what a proxy does): with a handler set, the server
 * no longer serves its store; every complete request goes to the handler,
 * which answers it now or later with http_server_job_reply. Responses still
 * leave in request order, and persistence, HEAD and 0.9 rules still apply.
 * `body` is the request body (NULL when length-only or empty), borrowed. */
typedef struct http_server_job http_server_job;
typedef void (*http_server_handler)(void *ud, http_server_job *job, const http_msg *req,
                                    const uint8_t *body, uint64_t body_len);
void http_server_set_handler(http_server *s, http_server_handler fn, void *ud);
/* A response with Date and Server, in the request's version. */
http_msg *http_server_job_response(http_server_job *job, int status);
/* Answers a job (takes `resp`; refs `body`, NULL for length-only, sending
 * `len` bytes from `off`). After this the job is gone. If the client went
 * away meanwhile, the answer is dropped. */
void http_server_job_reply(http_server_job *job, http_msg *resp, GBytes *body, size_t off,
                           uint64_t len);
/* False once the client's connection is gone (the reply will be dropped). */
bool http_server_job_alive(const http_server_job *job);

/* Streaming answers (a proxy passing a response through as it arrives):
 * http_server_job_stream sends `resp` (taken) when the job's turn comes,
 * framing the body that follows: `len` >= 0 sets Content-Length: len;
 * -1 (unknown) makes it chunked for a 1.1 client, and close-delimited
 * (Connection: close) for 1.0. HEAD, 204 and 304 carry no body: writes are
 * dropped. http_server_job_write copies a span (`data` NULL: length-only)
 * and returns the bytes of this job not yet taken by the connection;
 * once a write returns HTTP_SERVER_STREAM_HIGH or more, `drained` is
 * called (from a timer of its own, never from inside a call) when they
 * fall to HTTP_SERVER_STREAM_LOW or below, or when the client goes away:
 * stop producing in between. http_server_job_end finishes the job (after
 * it the job is gone): `complete` false means the body is cut short, and
 * the client's connection is reset once the bytes before are out, so the
 * client sees an error and not a shorter message. */
#define HTTP_SERVER_STREAM_HIGH (256u * 1024)
#define HTTP_SERVER_STREAM_LOW (64u * 1024)
typedef void (*http_server_drain_fn)(void *ud, http_server_job *job);
void http_server_job_stream(http_server_job *job, http_msg *resp, int64_t len,
                            http_server_drain_fn drained, void *ud);
uint64_t http_server_job_write(http_server_job *job, const uint8_t *data, size_t len);
void http_server_job_end(http_server_job *job, bool complete);

/* Formats an HTTP date (RFC 9110 IMF-fixdate) of epoch seconds into buf[30]. */
void http_format_date(int64_t epoch_s, char buf[30]);
/* Parses the three date formats of RFC 9110; -1 when it is none of them. */
int64_t http_parse_date(const char *s);

#endif

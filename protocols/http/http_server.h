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
 * - POST: 200 with a short text body saying what was received (the body
 *   is counted, not kept).
 * - PUT: 201 (created) or 204 (replaced); DELETE: 204 or 404 — only when
 *   the configuration says `writable`, else 405 with Allow. An upload goes
 *   to the store as it arrives (to disk for a folder), and becomes the
 *   object when the request is answered.
 * - OPTIONS: 204 with Allow; TRACE: 200 with the request echoed as
 *   message/http, without Authorization, Proxy-Authorization and Cookie.
 * - 301 with Location for configured redirects; 401 with
 *   WWW-Authenticate: Basic for protected prefixes without the right
 *   credentials (every method, writes included); 403 for forbidden
 *   prefixes and for paths the store refuses (leaving the folder, symbolic
 *   links); 500 for configured failing paths; 501 for methods it does not
 *   know; 503 with Retry-After when the request queue is full; and the
 *   parser's 400, 413, 414, 431 and 505, after which it closes.
 * - Targets (RFC 9112 3.2): origin form "/p"; absolute form
 *   "http://host/p", whose host then stands for the Host header; "*" only
 *   with OPTIONS; anything else is 400.
 * - With `check_host`, a request whose Host is not a loopback name or the
 *   configured one is 421 (a page loaded from another name, as in DNS
 *   rebinding, cannot use the server); a 1.1 request without Host is 400.
 *
 * Persistence follows the versions: 1.1 keeps the connection unless
 * "Connection: close"; 1.0 closes unless the client asked for keep-alive.
 *
 * Limits (all in http_server_config): a connection waiting for its client
 * closes after `idle_timeout` without a byte in or out; a request head must
 * be complete within `header_timeout`; a connection whose output the peer
 * does not take for `drain_timeout` is reset. Responses are written as the
 * connection takes them: files in chunks of HTTP_SERVER_CHUNK, read only
 * when there is room. While a connection's output waits (more than
 * `max_conn_buffer` bytes the server made, HTTP_SERVER_FILES_PER_CONN file
 * responses, or `max_pipeline` requests unanswered), the server reads no
 * further request from it; beyond HTTP_SERVER_INPUT_MAX unparsed bytes it
 * stops reading the socket. Request bodies held in memory are bounded per
 * request (`max_body_memory`, 413) and for the whole server
 * (`max_server_memory`, 503). http_server_get_stats counts what is held.
 *
 * Cookies, as in the slides: a request without the server's cookie gets a
 * new ID (1, 2, ... in order of first visit), stored in the server's
 * back-end table and sent with Set-Cookie; later requests carrying it are
 * counted as visits of that ID. The table remembers at most `cookie_cap`
 * IDs, each for `cookie_ttl` after its last visit.
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
    uint32_t max_queue;      /* requests waiting for the worker; 0: no limit */
    bool cookies;            /* hand out and count cookie IDs; default true */

    /* Safety (see "Security and limits" in docs/http.md). */
    bool writable;           /* PUT and DELETE change the store; default false: 405 */
    bool check_host;         /* answer 421 unless the Host (or an absolute
                              * target's host) names this server; default true */
    const char *host;        /* the name this server answers to besides
                              * localhost, 127.0.0.1 and [::1] (any port);
                              * NULL: the host's own name (a node's name in
                              * the simulator) */
    /* Optional: further names this server answers to (the names DNS gives
     * its node in the simulator): called with the Host's name (no port);
     * true accepts it. */
    bool (*host_ok)(void *ud, const char *name);
    void *host_ok_ud;

    /* Time limits, in ns. */
    int64_t idle_timeout;    /* no byte in or out while waiting for the client
                              * (between requests, or during a head or a body)
                              * closes the connection; default 15 s */
    int64_t header_timeout;  /* from the first byte of a request head to its
                              * end; default 20 s (slow heads, "slowloris") */
    int64_t drain_timeout;   /* output waiting and none taken by the peer
                              * resets the connection; default 30 s */

    /* Buffer limits. */
    uint32_t max_connections;  /* open at once; over it a new connection gets
                                * 503 and is closed; 0: no limit (default) */
    uint32_t max_pipeline;     /* requests read ahead of their answers, per
                                * connection; default 32 */
    size_t max_conn_buffer;    /* response heads and bodies the server made,
                                * file chunks and held request heads, per
                                * connection, before reading pauses; default
                                * 256 KiB */
    uint64_t max_body_memory;  /* a request body held in memory (a handler's
                                * or an in-memory store's PUT); over it 413;
                                * default 8 MiB */
    uint64_t max_server_memory; /* request bodies held in memory by the whole
                                 * server; over it 503; default 64 MiB */
    uint32_t cookie_cap;       /* cookie IDs remembered; the least recently
                                * seen is forgotten first; default 4096 */
    int64_t cookie_ttl;        /* ns an ID is remembered after its last visit;
                                * default 24 h */
    http_limits limits;
} http_server_config;

/* Fixed limits: file bodies are read in chunks of HTTP_SERVER_CHUNK bytes;
 * a connection keeps at most HTTP_SERVER_INPUT_MAX bytes of input it has
 * not parsed yet (reading pauses beyond) and at most
 * HTTP_SERVER_FILES_PER_CONN file responses waiting to be sent. */
#define HTTP_SERVER_CHUNK ((size_t)64 << 10)
#define HTTP_SERVER_INPUT_MAX ((size_t)64 << 10)
#define HTTP_SERVER_FILES_PER_CONN 4u

void http_server_config_default(http_server_config *c);

typedef struct http_server http_server;

typedef struct {
    uint64_t connections;
    uint64_t requests;
    uint64_t responses[6];   /* by class: [1] 1xx ... [5] 5xx */
    uint64_t bytes_sent;     /* body bytes */
    uint64_t not_modified;   /* 304 answers */
    uint64_t buffered;       /* bytes held now: unparsed input, request heads
                              * and bodies in memory, output the server made,
                              * file chunks (store bodies shared by reference
                              * and transport buffers not included) */
    uint64_t buffered_peak;  /* the most `buffered` has been */
    uint64_t body_memory;    /* request body bytes in memory now (in `buffered`) */
    uint64_t refused;        /* connections refused (max_connections) */
    uint64_t idle_closed;    /* connections closed by idle_timeout */
    uint64_t header_timeouts; /* connections closed by header_timeout */
    uint64_t drain_timeouts; /* connections reset by drain_timeout */
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
/* The cookie table. IDs are handed out 1, 2, ... in order of first visit;
 * cookie_count is the number handed out so far, cookie_live the number
 * remembered now (at most cookie_cap), cookie_visits the visits of a
 * remembered ID (0 for one forgotten or never handed out). */
uint64_t http_server_cookie_count(const http_server *s);
uint32_t http_server_cookie_live(const http_server *s);
uint64_t http_server_cookie_visits(const http_server *s, uint64_t id);

/* Asynchronous handling (what a proxy does): with a handler set, the server
 * no longer serves its store; every complete request goes to the handler,
 * which answers it now or later with http_server_job_reply. Responses still
 * leave in request order, and persistence, HEAD and 0.9 rules still apply.
 * The target, Host and method checks of a store's server (`check_host`,
 * `writable`, the rules) are the handler's to make; the time and buffer
 * limits still apply, request bodies being held in memory for the handler
 * (`max_body_memory`, `max_server_memory`).
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
 * and returns the bytes the server holds for the client's connection: its
 * output not yet taken by the connection (this job's bytes and any
 * before them) once the job's turn has come, else the job's own bytes
 * waiting for it. Once a write returns HTTP_SERVER_STREAM_HIGH or more,
 * `drained` is called (from a timer of its own, never from inside a call)
 * when they fall to HTTP_SERVER_STREAM_LOW or below, or when the client
 * goes away: stop producing in between. Streamed bytes are held like any
 * output the server made (stats `buffered`; a length-only span counts by
 * its length, standing for a real handler's copy): past `max_conn_buffer`
 * no further request is read from the connection, and a client that
 * takes none of them for `drain_timeout` is reset (the producer hears it
 * as above). http_server_job_end finishes the job (after it the job is
 * gone): `complete` false means the body is cut short, and the client's
 * connection is reset once the bytes before are handed to the transport
 * (even where the end of the connection would have ended the body), so
 * the client sees an error and not a shorter message. */
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

/*
 * http_proxy: the cache logic on top of the server's asynchronous handler,
 * and the upstream fetches.
 *
 * An upstream fetch is one connection to an origin carrying one request
 * (its body written as the connection takes it). When the response head
 * arrives the fetch chooses how to answer:
 *   - gather: the response will be stored (storable, known length within
 *     the object limit) or has no body to speak of (an answer to HEAD, a
 *     304 to a revalidation): the body is gathered, and the job is answered
 *     when the response is complete, as before streaming existed;
 *   - stream: anything else. The head goes to the client at once and body
 *     spans follow as they arrive (http_server_job_stream); reading from
 *     the origin pauses while the client's connection is full. A storable
 *     response of unknown length is also gathered on the side ("tee") while
 *     it stays within the limit.
 * A gathering fetch whose client has gone still completes, so the cache
 * still learns; a streaming one is dropped with its client.
 *
 * Every fetch has one timer: it fires `upstream_timeout` after the last
 * byte from the origin (connecting counts), re-arming itself for what is
 * left when bytes came meanwhile, so a fetch costs one timer event per
 * timeout period rather than one per segment.
 *
 * Counting: every request ends in exactly one of hits, misses,
 * revalidated_304, revalidated_200, passed, failed or refused.
 */
#include "http_proxy.h"

#include <stdlib.h>
#include <string.h>

#include "http_parser.h"
#include "http_url.h"

typedef enum { UP_MISS, UP_REVALIDATE, UP_PASS, UP_HEAD } up_kind;

typedef struct upstream upstream;

struct http_proxy {
    host_env *env;
    http_proxy_config c;
    http_server *server;
    http_cache *cache;
    GPtrArray *ups; /* live upstream fetches, for teardown */
    http_proxy_stats st;
};

struct upstream {
    http_proxy *p;
    http_server_job *job; /* NULL once the client's answer is settled */
    up_kind kind;
    char *url;            /* absolute, the cache key */
    http_msg *client_req; /* a copy of the client's request head (Vary, storability) */
    http_msg *req;        /* what goes to the origin */
    GBytes *req_body;     /* the request body to forward (NULL: length-only or none) */
    uint64_t req_body_len, req_body_sent;
    stream_t *s;
    http_parser *parser;
    http_msg *resp;
    bool streaming;       /* the client is answered as bytes arrive */
    bool collect;         /* the body is gathered (to answer or to store) */
    bool storable;        /* the response may be stored when complete */
    bool paused;          /* reading from the origin stopped: the client is full */
    GByteArray *body;     /* gathered real bytes; at most the object limit */
    uint64_t body_len;
    bool virtual_body;    /* some spans were length-only */
    int64_t last_byte;    /* host_now of the last sign of life from the origin */
    host_timer_id timer;
};

void http_proxy_config_default(http_proxy_config *c)
{
    memset(c, 0, sizeof *c);
    c->port = 3128;
    c->capacity = 100u * 1000 * 1000;
    c->policy = CACHE_LRU;
    c->max_object = HTTP_PROXY_MAX_OBJECT;
    c->upstream_timeout = HTTP_PROXY_UPSTREAM_TIMEOUT;
    c->allow = NULL;
}

const http_proxy_stats *http_proxy_get_stats(const http_proxy *p) { return &p->st; }
const http_cache *http_proxy_cache(const http_proxy *p) { return p->cache; }
host_listener *http_proxy_listener(const http_proxy *p) { return http_server_listener(p->server); }

static int64_t now_s(const http_proxy *p) { return host_wall_s(p->env); }

/* The most the proxy gathers of one body: the object limit, or the whole
 * capacity when that is smaller. */
static uint64_t object_limit(const http_proxy *p)
{
    return MIN(p->c.max_object, p->c.capacity);
}

/* ---- the allow-list ------------------------------------------------------------- */

/* Splits an allow-list entry into its host span and port (0: any). False
 * when it is malformed. */
static bool allow_split(const char *entry, size_t *host_len, unsigned long *port)
{
    if (!entry || !*entry)
        return false;
    const char *colon = strrchr(entry, ':');
    *port = 0;
    *host_len = colon ? (size_t)(colon - entry) : strlen(entry);
    if (*host_len == 0 || strcspn(entry, "/ \t") < *host_len)
        return false;
    if (colon) {
        char *end;
        if (!g_ascii_isdigit(colon[1]))
            return false;
        *port = strtoul(colon + 1, &end, 10);
        if (*end || *port == 0 || *port > 65535)
            return false;
    }
    return true;
}

bool http_proxy_allow_valid(const char *entry)
{
    size_t n;
    unsigned long port;
    return allow_split(entry, &n, &port);
}

static bool allowed(const http_proxy *p, const http_url *u)
{
    if (!p->c.allow)
        return true;
    for (const char *const *a = p->c.allow; *a; a++) {
        size_t n;
        unsigned long port;
        if (!allow_split(*a, &n, &port) || (port && port != u->port))
            continue;
        if ((n == 1 && (*a)[0] == '*') ||
            (strlen(u->host) == n && g_ascii_strncasecmp(*a, u->host, n) == 0))
            return true;
    }
    return false;
}

/* ---- answers ------------------------------------------------------------------------ */

/* A deep copy of a request head. */
static http_msg *request_copy(const http_msg *m)
{
    const char *method = m->method_str ? m->method_str : http_method_name(m->method);
    http_msg *c = http_msg_new_request_len(method, strlen(method), m->target, strlen(m->target),
                                           m->version);
    c->method = m->method;
    for (guint i = 0; i < m->headers->len; i++) {
        const http_header *h = &g_array_index(m->headers, http_header, i);
        http_msg_add(c, h->name, h->value);
    }
    return c;
}

/* Copies the headers a cached answer replays from a stored response. */
static void copy_entity_headers(http_msg *to, const http_msg *from)
{
    static const char *const keep[] = {"Content-Type", "Last-Modified", "ETag", "Expires",
                                       "Cache-Control", "Vary"};
    for (size_t i = 0; i < G_N_ELEMENTS(keep); i++) {
        const char *v = http_msg_get(from, keep[i]);
        if (v)
            http_msg_set(to, keep[i], v);
    }
}

/* Whether a header is the connection's own (RFC 9110 section 7.6.1), or
 * one the proxy sets itself: never passed on as it came. */
static bool hop_by_hop(const http_msg *m, const char *name)
{
    static const char *const hop[] = {"Connection", "Proxy-Connection", "Keep-Alive",
                                      "Transfer-Encoding", "Content-Length", "TE", "Trailer",
                                      "Upgrade", "Proxy-Authorization", "Proxy-Authenticate",
                                      "Date", "Server", "X-Cache"};
    for (size_t k = 0; k < G_N_ELEMENTS(hop); k++)
        if (!g_ascii_strcasecmp(name, hop[k]))
            return true;
    return http_msg_has_token(m, "Connection", name);
}

/* Answers a job from a cached entry (`ims`: the client's If-Modified-Since). */
static void reply_from_cache(http_proxy *p, http_server_job *job, const char *ims_text, bool head,
                             const http_cached *e, const char *outcome)
{
    int64_t ims = http_parse_date(ims_text);
    int64_t lm = http_parse_date(http_msg_get(e->head, "Last-Modified"));
    bool not_modified = ims >= 0 && lm >= 0 && lm <= ims;
    http_msg *r = http_server_job_response(job, not_modified ? 304 : 200);
    copy_entity_headers(r, e->head);
    http_msg_addf(r, "Age", "%" G_GINT64_FORMAT, MAX(now_s(p) - e->stored, (int64_t)0));
    http_msg_add(r, "X-Cache", outcome);
    if (not_modified) {
        http_server_job_reply(job, r, NULL, 0, 0);
        return;
    }
    http_msg_addf(r, "Content-Length", "%" G_GUINT64_FORMAT, e->size);
    if (!head)
        p->st.bytes_from_cache += e->size;
    http_server_job_reply(job, r, e->body, 0, e->size);
}

/* Answers a job with an error of the proxy's own. */
static void reply_error(http_server_job *job, int status, const char *outcome)
{
    http_msg *r = http_server_job_response(job, status);
    http_msg_add(r, "X-Cache", outcome);
    http_server_job_reply(job, r, NULL, 0, 0);
}

/* ---- fetches: life and death ------------------------------------------------------------- */

static void upstream_free(upstream *u)
{
    g_ptr_array_remove_fast(u->p->ups, u);
    host_timer_cancel(u->p->env, u->timer);
    if (u->s)
        stream_close(u->s);
    http_parser_free(u->parser);
    http_msg_free(u->client_req);
    http_msg_free(u->req);
    http_msg_free(u->resp);
    if (u->body)
        g_byte_array_unref(u->body);
    if (u->req_body)
        g_bytes_unref(u->req_body);
    g_free(u->url);
    g_free(u);
}

/* The fetch failed (`status` 502 or 504): the client gets that status, or,
 * when its answer is already streaming, a connection cut short. */
static void upstream_fail(upstream *u, int status)
{
    http_proxy *p = u->p;
    p->st.failed++;
    if (status == 504)
        p->st.timed_out++;
    if (u->job && u->streaming)
        http_server_job_end(u->job, false);
    else if (u->job)
        reply_error(u->job, status, "ERROR");
    u->job = NULL;
    upstream_free(u);
}

static void up_timer(void *ud)
{
    upstream *u = ud;
    http_proxy *p = u->p;
    u->timer = 0;
    int64_t idle = host_now(p->env) - u->last_byte;
    if (idle < p->c.upstream_timeout) {
        u->timer = host_timer(p->env, p->c.upstream_timeout - idle, up_timer, u);
        return;
    }
    if (u->s)
        stream_abort(u->s);
    u->s = NULL;
    upstream_fail(u, 504);
}

/* ---- fetches: the response ------------------------------------------------------------------ */

/* Counts a completed fetch under its outcome and names it for X-Cache. */
static const char *count_outcome(upstream *u, int status)
{
    http_proxy *p = u->p;
    switch (u->kind) {
    case UP_MISS:
        p->st.misses++;
        return "MISS";
    case UP_REVALIDATE:
        if (status == 304) {
            p->st.revalidated_304++;
            return "REVALIDATED";
        }
        p->st.revalidated_200++;
        return "REFRESHED";
    case UP_PASS:
    case UP_HEAD:
    default:
        p->st.passed++;
        return "PASS";
    }
}

/* The head of a response that is passed on as it is: every end-to-end
 * header of the origin's (the proxy's own Date and Server stay). */
static http_msg *passed_head(upstream *u, const char *outcome)
{
    http_msg *r = http_server_job_response(u->job, u->resp->status);
    for (guint i = 0; i < u->resp->headers->len; i++) {
        const http_header *h = &g_array_index(u->resp->headers, http_header, i);
        if (!hop_by_hop(u->resp, h->name))
            http_msg_add(r, h->name, h->value);
    }
    http_msg_add(r, "X-Cache", outcome);
    return r;
}

/* Stores a complete body when the response may be kept. A 200 to a GET
 * that is not kept supersedes whatever the cache held for the URL. */
static void maybe_store(upstream *u, GBytes *body)
{
    http_proxy *p = u->p;
    if (u->kind != UP_MISS && u->kind != UP_REVALIDATE)
        return;
    if (u->resp->status != 200 || u->req->method != HTTP_M_GET)
        return;
    if (!u->storable || !u->collect ||
        !http_cache_store_variant(p->cache, u->url, u->client_req, u->resp, body, u->body_len,
                                  now_s(p))) {
        p->st.not_stored++;
        http_cache_remove(p->cache, u->url);
    }
}

/* A 304 answered a revalidation: the entry is fresh again, and answers. */
static void finish_revalidated(upstream *u)
{
    http_proxy *p = u->p;
    http_cache_refresh(p->cache, u->url, u->resp, now_s(p));
    const http_cached *e = http_cache_peek(p->cache, u->url); /* not a second use */
    count_outcome(u, 304);
    if (u->job && e)
        reply_from_cache(p, u->job, http_msg_get(u->client_req, "If-Modified-Since"),
                         u->client_req->method == HTTP_M_HEAD, e, "REVALIDATED");
    else if (u->job)
        reply_error(u->job, 502, "ERROR"); /* evicted meanwhile: nothing to answer with */
    u->job = NULL;
    upstream_free(u);
}

/* Answers a gathered response: the headers a hit would replay, and the
 * body whole (the simulator's figures rest on these exact bytes). */
static void reply_gathered(upstream *u, GBytes *body, const char *outcome)
{
    int status = u->resp->status;
    http_msg *r = http_server_job_response(u->job, status);
    copy_entity_headers(r, u->resp);
    const char *loc = http_msg_get(u->resp, "Location");
    if (loc)
        http_msg_set(r, "Location", loc);
    const char *auth = http_msg_get(u->resp, "WWW-Authenticate");
    if (auth)
        http_msg_set(r, "WWW-Authenticate", auth);
    http_msg_add(r, "X-Cache", outcome);
    bool bodyless = status == 204 || status == 304 || status / 100 == 1;
    /* An empty error gets the server's own page (and its length). */
    if (!bodyless && (u->body_len || status < 400))
        http_msg_addf(r, "Content-Length", "%" G_GUINT64_FORMAT, u->body_len);
    http_server_job_reply(u->job, r, body, 0, bodyless ? 0 : u->body_len);
}

/* A gathered response is complete: store it when it may be, and answer. */
static void finish_gathered(upstream *u)
{
    http_proxy *p = u->p;
    int status = u->resp->status;
    p->st.bytes_from_origin += u->body_len;
    if (u->kind == UP_REVALIDATE && status == 304) {
        finish_revalidated(u);
        return;
    }
    GBytes *body = u->virtual_body || !u->body ? NULL : g_bytes_new(u->body->data, u->body->len);
    maybe_store(u, body);
    const char *outcome = count_outcome(u, status);
    if (u->job && u->kind == UP_HEAD) {
        /* The origin's Content-Length says what a GET would bring. */
        const char *cl = http_msg_get(u->resp, "Content-Length");
        int64_t len = cl && g_ascii_isdigit(*cl) ? g_ascii_strtoll(cl, NULL, 10) : -1;
        http_server_job_stream(u->job, passed_head(u, outcome), len, NULL, NULL);
        http_server_job_end(u->job, true);
    } else if (u->job) {
        reply_gathered(u, body, outcome);
    }
    u->job = NULL;
    if (body)
        g_bytes_unref(body);
    upstream_free(u);
}

/* A streamed response is complete. */
static void finish_streamed(upstream *u)
{
    GBytes *body = u->virtual_body || !u->body ? NULL : g_bytes_new(u->body->data, u->body->len);
    maybe_store(u, body);
    count_outcome(u, u->resp->status);
    if (u->job)
        http_server_job_end(u->job, true);
    u->job = NULL;
    if (body)
        g_bytes_unref(body);
    upstream_free(u);
}

static void up_drained(void *ud, http_server_job *job);

/* The response head arrived: gather or stream (see the file's header). */
static void on_head(upstream *u)
{
    http_proxy *p = u->p;
    int64_t len = http_parser_body_length(u->parser);
    u->storable = (u->kind == UP_MISS || u->kind == UP_REVALIDATE) &&
                  http_cache_storable(u->client_req, u->resp, NULL);
    bool revalidated = u->kind == UP_REVALIDATE && u->resp->status == 304;
    uint64_t limit = object_limit(p);
    if (revalidated || u->kind == UP_HEAD || !u->job ||
        (u->storable && len >= 0 && (uint64_t)len <= limit)) {
        u->collect = true;
        return;
    }
    u->collect = u->storable && len < 0; /* kept while it stays within the limit */
    u->streaming = true;
    http_msg *r = passed_head(u, u->kind == UP_MISS ? "MISS" : u->kind == UP_REVALIDATE ? "REFRESHED" : "PASS");
    http_server_job_stream(u->job, r, len, up_drained, u);
}

/* A span of the response body. False when the fetch was dropped. */
static bool on_body(upstream *u, const uint8_t *data, size_t len)
{
    http_proxy *p = u->p;
    u->body_len += len;
    if (u->collect && u->body_len > object_limit(p)) {
        /* Over the limit: it will not be kept, and only a stream needs it. */
        u->collect = false;
        if (u->body)
            g_byte_array_set_size(u->body, 0);
    } else if (u->collect && !data) {
        u->virtual_body = true;
    } else if (u->collect && !u->virtual_body) {
        if (!u->body)
            u->body = g_byte_array_new();
        g_byte_array_append(u->body, data, (guint)len);
    }
    if (!u->streaming && !u->collect) {
        /* Gathered for nobody (the client left) and too long to keep. */
        upstream_fail(u, 502);
        return false;
    }
    if (!u->streaming)
        return true;
    p->st.bytes_from_origin += len;
    if (!http_server_job_alive(u->job)) {
        up_drained(u, u->job); /* the client went: drop the fetch */
        return false;
    }
    if (http_server_job_write(u->job, data, len) >= HTTP_SERVER_STREAM_HIGH && u->s && !u->paused) {
        u->paused = true;
        stream_set_reading(u->s, false);
    }
    return true;
}

/* The client's connection drained (or went away). */
static void up_drained(void *ud, http_server_job *job)
{
    upstream *u = ud;
    (void)job;
    if (u->job && !http_server_job_alive(u->job)) {
        http_server_job_end(u->job, false);
        u->job = NULL;
        u->p->st.failed++;
        upstream_free(u);
        return;
    }
    if (u->paused && u->s) {
        u->paused = false;
        stream_set_reading(u->s, true);
    }
}

/* Feeds bytes from the origin (or its end) to the response parser. */
static void up_read(upstream *u, const uint8_t *data, size_t len, bool eof)
{
    size_t off = 0;
    u->last_byte = host_now(u->p->env);
    for (;;) {
        http_event ev;
        if (off < len)
            off += http_parser_feed(u->parser, data ? data + off : NULL, len - off, &ev);
        else if (eof)
            http_parser_finish(u->parser, &ev);
        else if (len > 0)
            return; /* all used: nothing is pending (the parser would have held a byte back) */
        else
            http_parser_feed(u->parser, NULL, 0, &ev);
        switch (ev.kind) {
        case HTTP_EV_NEED_MORE:
            if (eof)
                upstream_fail(u, 502); /* closed mid-response */
            return;
        case HTTP_EV_HEAD:
            http_msg_free(u->resp);
            u->resp = http_parser_take_msg(u->parser);
            if (u->resp->status / 100 == 1) {
                http_msg_free(u->resp); /* an interim answer: the final one follows */
                u->resp = NULL;
                break;
            }
            on_head(u);
            break;
        case HTTP_EV_BODY:
            if (!on_body(u, ev.data, ev.len))
                return;
            break;
        case HTTP_EV_DONE:
            if (u->streaming)
                finish_streamed(u);
            else
                finish_gathered(u);
            return;
        case HTTP_EV_ERROR:
            upstream_fail(u, 502);
            return;
        }
    }
}

/* ---- fetches: the connection ------------------------------------------------------------ */

/* Writes as much of the request body as the connection takes. */
static void up_write_body(upstream *u)
{
    while (u->s && u->req_body_sent < u->req_body_len) {
        const uint8_t *d = u->req_body ? (const uint8_t *)g_bytes_get_data(u->req_body, NULL) : NULL;
        uint64_t left = u->req_body_len - u->req_body_sent;
        size_t n = stream_write(u->s, d ? d + u->req_body_sent : NULL, (size_t)MIN(left, (uint64_t)SIZE_MAX));
        if (n == 0)
            return; /* writable() calls again */
        u->req_body_sent += n;
        u->last_byte = host_now(u->p->env);
    }
}

static void up_connected(void *ud, stream_t *s)
{
    upstream *u = ud;
    GString *out = g_string_new("");
    http_msg_serialize(u->req, out);
    stream_write(s, out->str, out->len);
    g_string_free(out, TRUE);
    u->last_byte = host_now(u->p->env);
    http_parser_expect(u->parser, u->req->method);
    up_write_body(u);
}

static void up_writable(void *ud, stream_t *s)
{
    (void)s;
    up_write_body(ud);
}

static void up_data(void *ud, stream_t *s, const uint8_t *data, size_t len)
{
    (void)s;
    up_read(ud, data, len, false);
}

static void up_peer_closed(void *ud, stream_t *s)
{
    (void)s;
    up_read(ud, NULL, 0, true);
}

static void up_error(void *ud, stream_t *s, stream_err err)
{
    (void)s;
    upstream *u = ud;
    u->s = NULL; /* gone */
    upstream_fail(u, err == STREAM_ERR_TIMEOUT ? 504 : 502);
}

static const stream_handler up_handler = {.connected = up_connected,
                                          .data = up_data,
                                          .writable = up_writable,
                                          .peer_closed = up_peer_closed,
                                          .error = up_error};

/* ---- requests ---------------------------------------------------------------------------- */

/* The request to the origin: origin form, Host from the URI's authority
 * (the client's Host is ignored, RFC 9112 section 3.2.2), the client's
 * end-to-end headers except the conditionals the proxy decides itself. */
static http_msg *origin_request(const http_msg *req, const http_url *u, up_kind kind,
                                const http_cached *stale)
{
    http_msg *out = http_msg_new_request(req->method, u->path, 11);
    char *authority = http_url_authority(u);
    http_msg_set(out, "Host", authority);
    g_free(authority);
    for (guint i = 0; i < req->headers->len; i++) {
        const http_header *h = &g_array_index(req->headers, http_header, i);
        static const char *const skip[] = {"Host", "If-Modified-Since", "If-None-Match", "Expect",
                                           "Via"};
        bool drop = hop_by_hop(req, h->name);
        for (size_t k = 0; k < G_N_ELEMENTS(skip) && !drop; k++)
            drop = !g_ascii_strcasecmp(h->name, skip[k]);
        if (!drop)
            http_msg_add(out, h->name, h->value);
    }
    if (kind == UP_REVALIDATE && stale) {
        const char *lm = http_msg_get(stale->head, "Last-Modified");
        if (lm)
            http_msg_set(out, "If-Modified-Since", lm);
    } else if (kind == UP_PASS || kind == UP_HEAD) {
        const char *ims = http_msg_get(req, "If-Modified-Since");
        if (ims)
            http_msg_set(out, "If-Modified-Since", ims);
    }
    return out;
}

/* Sends `req` (the client's, rewritten to origin form) to the origin. */
static void forward(http_proxy *p, http_server_job *job, const http_msg *req, const http_url *u,
                    const char *url, up_kind kind, const http_cached *stale, const uint8_t *body,
                    uint64_t body_len)
{
    upstream *up = g_new0(upstream, 1);
    up->p = p;
    up->job = job;
    up->kind = kind;
    up->url = g_strdup(url);
    up->parser = http_parser_new(false, NULL);
    up->client_req = request_copy(req);
    up->req = origin_request(req, u, kind, stale);
    if (body_len) {
        http_msg_addf(up->req, "Content-Length", "%" G_GUINT64_FORMAT, body_len);
        up->req_body = body ? g_bytes_new(body, (gsize)body_len) : NULL;
        up->req_body_len = body_len;
    }
    http_msg_add(up->req, "Via", "1.1 appsim-proxy");
    http_msg_set(up->req, "Connection", "close");
    g_ptr_array_add(p->ups, up);
    up->last_byte = host_now(p->env);
    up->timer = host_timer(p->env, p->c.upstream_timeout, up_timer, up);
    GError *err = NULL;
    up->s = host_connect(p->env, u->host, u->port, &up_handler, up, &err);
    if (!up->s) {
        g_clear_error(&err);
        upstream_fail(up, 502);
    }
}

/* A GET or HEAD: from the cache when a fresh matching copy is held, else
 * forwarded (revalidating a stale copy that has a Last-Modified). */
static void handle_cacheable(http_proxy *p, http_server_job *job, const http_msg *req,
                             const http_url *u, const char *url)
{
    bool head = req->method == HTTP_M_HEAD;
    const http_cached *e = NULL;
    cache_state st = http_cache_lookup(p->cache, url, now_s(p), &e);
    if (st != CACHE_MISS && !http_cache_variant_matches(e, req))
        st = CACHE_MISS; /* another variant: fetched, and it replaces this one */
    if (st == CACHE_FRESH && http_cache_request_no_cache(req))
        st = CACHE_STALE;
    if (st == CACHE_FRESH) {
        p->st.hits++;
        reply_from_cache(p, job, http_msg_get(req, "If-Modified-Since"), head, e, "HIT");
    } else if (head) {
        forward(p, job, req, u, url, UP_HEAD, NULL, NULL, 0);
    } else if (st == CACHE_STALE && http_msg_get(e->head, "Last-Modified")) {
        forward(p, job, req, u, url, UP_REVALIDATE, e, NULL, 0);
    } else {
        forward(p, job, req, u, url, UP_MISS, NULL, NULL, 0);
    }
}

static void handle(void *ud, http_server_job *job, const http_msg *req, const uint8_t *body,
                   uint64_t body_len)
{
    http_proxy *p = ud;
    p->st.requests++;
    http_url u;
    if (!http_url_parse(req->target, &u)) {
        /* not an absolute URI: this is not a request for a proxy */
        p->st.refused++;
        reply_error(job, 400, "ERROR");
        return;
    }
    if (!allowed(p, &u)) {
        p->st.refused++;
        reply_error(job, 403, "DENIED");
        http_url_clear(&u);
        return;
    }
    char *url = http_url_format(&u);
    if (req->method == HTTP_M_GET || req->method == HTTP_M_HEAD)
        handle_cacheable(p, job, req, &u, url);
    else
        forward(p, job, req, &u, url, UP_PASS, NULL, body, body_len);
    g_free(url);
    http_url_clear(&u);
}

http_proxy *http_proxy_new(host_env *env, const http_proxy_config *c, GError **err)
{
    http_proxy *p = g_new0(http_proxy, 1);
    p->env = env;
    if (c)
        p->c = *c;
    else
        http_proxy_config_default(&p->c);
    p->c.max_object = MIN(p->c.max_object, HTTP_PROXY_MAX_OBJECT_LIMIT);
    if (p->c.upstream_timeout <= 0)
        p->c.upstream_timeout = HTTP_PROXY_UPSTREAM_TIMEOUT;
    p->cache = http_cache_new(p->c.capacity, p->c.policy);
    http_cache_set_cost(p->cache, CACHE_COST_ENTRY);
    p->ups = g_ptr_array_new();
    http_server_config sc;
    http_server_config_default(&sc);
    sc.port = p->c.port;
    sc.name = "appsim-proxy";
    sc.cookies = false;
    /* Request bodies are forwarded whole, so each is held in memory up to
     * the parser's request body limit (64 MiB, else 413) rather than the
     * server's 8 MiB default; together they stay within the server's
     * max_server_memory (64 MiB, else 503). */
    sc.max_body_memory = sc.limits.max_body;
    p->server = http_server_new(env, NULL, &sc, err);
    if (!p->server) {
        http_proxy_free(p);
        return NULL;
    }
    http_server_set_handler(p->server, handle, p);
    return p;
}

void http_proxy_free(http_proxy *p)
{
    if (!p)
        return;
    while (p->ups->len) {
        upstream *u = g_ptr_array_index(p->ups, p->ups->len - 1);
        u->job = NULL;
        upstream_free(u); /* its job is freed with the server */
    }
    http_server_free(p->server);
    http_cache_free(p->cache);
    g_ptr_array_free(p->ups, TRUE);
    g_free(p);
}

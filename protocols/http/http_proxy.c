/*
 * http_proxy: the cache logic on top of the server's asynchronous handler,
 * and the upstream fetches.
 *
 * An upstream fetch is one connection to an origin carrying one request; it
 * gathers the response head and body (real bytes, or a count when the body
 * is length-only) and then answers the job it was made for. A fetch whose
 * job's client has gone still completes, so the cache still learns.
 */
#include "http_proxy.h"

#include <string.h>

#include "http_parser.h"
#include "http_url.h"

typedef enum { UP_MISS, UP_REVALIDATE, UP_PASS } up_kind;

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
    http_server_job *job;
    up_kind kind;
    char *url;           /* absolute, the cache key */
    http_msg *req;       /* what goes to the origin */
    GBytes *req_body;    /* the request body to forward (NULL: length-only or none) */
    uint64_t req_body_len;
    char *client_ims;    /* the client's If-Modified-Since, for answering from the cache */
    bool client_head;    /* the client asked with HEAD */
    stream_t *s;
    http_parser *parser;
    http_msg *resp;
    GByteArray *body;
    uint64_t body_len;
    bool virtual_body;
    bool done;
};

void http_proxy_config_default(http_proxy_config *c)
{
    memset(c, 0, sizeof *c);
    c->port = 3128;
    c->capacity = 100u * 1000 * 1000;
    c->policy = CACHE_LRU;
}

const http_proxy_stats *http_proxy_get_stats(const http_proxy *p) { return &p->st; }
const http_cache *http_proxy_cache(const http_proxy *p) { return p->cache; }
host_listener *http_proxy_listener(const http_proxy *p) { return http_server_listener(p->server); }

static int64_t now_s(const http_proxy *p) { return host_wall_s(p->env); }

/* Copies the headers a cached answer replays from a stored response. */
static void copy_entity_headers(http_msg *to, const http_msg *from)
{
    static const char *const keep[] = {"Content-Type", "Last-Modified", "ETag", "Expires",
                                       "Cache-Control"};
    for (size_t i = 0; i < G_N_ELEMENTS(keep); i++) {
        const char *v = http_msg_get(from, keep[i]);
        if (v)
            http_msg_set(to, keep[i], v);
    }
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

static void upstream_free(upstream *u)
{
    g_ptr_array_remove_fast(u->p->ups, u);
    if (u->s)
        stream_close(u->s);
    http_parser_free(u->parser);
    http_msg_free(u->req);
    http_msg_free(u->resp);
    if (u->body)
        g_byte_array_unref(u->body);
    if (u->req_body)
        g_bytes_unref(u->req_body);
    g_free(u->client_ims);
    g_free(u->url);
    g_free(u);
}

/* The upstream answer is complete (or failed: resp NULL). */
static void upstream_finish(upstream *u)
{
    http_proxy *p = u->p;
    http_server_job *job = u->job;
    u->done = true;
    if (!u->resp) {
        p->st.failed++;
        http_msg *r = http_server_job_response(job, 502);
        http_msg_add(r, "X-Cache", "ERROR");
        http_server_job_reply(job, r, NULL, 0, 0);
        upstream_free(u);
        return;
    }
    GBytes *body = u->virtual_body || !u->body ? NULL
                                               : g_bytes_new(u->body->data, u->body->len);
    int status = u->resp->status;
    p->st.bytes_from_origin += u->body_len;
    const char *outcome = "PASS";
    if (u->kind == UP_REVALIDATE && status == 304) {
        http_cache_refresh(p->cache, u->url, u->resp, now_s(p));
        p->st.revalidated_304++;
        const http_cached *e = http_cache_peek(p->cache, u->url); /* not a second use */
        if (e) {
            reply_from_cache(p, job, u->client_ims, u->client_head, e, "REVALIDATED");
            if (body)
                g_bytes_unref(body);
            upstream_free(u);
            return;
        }
    }
    if (u->kind != UP_PASS && status == 200) {
        http_cache_store(p->cache, u->url, u->resp, body, u->body_len, now_s(p));
        outcome = u->kind == UP_REVALIDATE ? "REFRESHED" : "MISS";
        if (u->kind == UP_REVALIDATE)
            p->st.revalidated_200++;
        else
            p->st.misses++;
    } else if (u->kind == UP_MISS) {
        p->st.misses++;
        outcome = "MISS";
    } else if (u->kind == UP_REVALIDATE) {
        p->st.revalidated_200++;
        outcome = "REFRESHED";
    }
    http_msg *r = http_server_job_response(job, status);
    copy_entity_headers(r, u->resp);
    const char *loc = http_msg_get(u->resp, "Location");
    if (loc)
        http_msg_set(r, "Location", loc);
    const char *auth = http_msg_get(u->resp, "WWW-Authenticate");
    if (auth)
        http_msg_set(r, "WWW-Authenticate", auth);
    http_msg_add(r, "X-Cache", outcome);
    bool bodyless = status == 204 || status == 304 || status / 100 == 1;
    if (!bodyless)
        http_msg_addf(r, "Content-Length", "%" G_GUINT64_FORMAT, u->body_len);
    http_server_job_reply(job, r, body, 0, bodyless ? 0 : u->body_len);
    if (body)
        g_bytes_unref(body);
    upstream_free(u);
}

static void up_connected(void *ud, stream_t *s)
{
    upstream *u = ud;
    GString *out = g_string_new("");
    http_msg_serialize(u->req, out);
    stream_write(s, out->str, out->len);
    g_string_free(out, TRUE);
    /* the request body (a PUT or POST): small enough for the send buffer */
    if (u->req_body_len)
        stream_write(s, u->req_body ? g_bytes_get_data(u->req_body, NULL) : NULL, (size_t)u->req_body_len);
    http_parser_expect(u->parser, u->req->method);
}

static void up_read(upstream *u, const uint8_t *data, size_t len, bool eof)
{
    size_t off = 0;
    for (;;) {
        http_event ev;
        if (off < len)
            off += http_parser_feed(u->parser, data ? data + off : NULL, len - off, &ev);
        else if (eof)
            http_parser_finish(u->parser, &ev);
        else
            http_parser_feed(u->parser, NULL, 0, &ev);
        switch (ev.kind) {
        case HTTP_EV_NEED_MORE:
            if (eof && !u->done) {
                http_msg_free(u->resp);
                u->resp = NULL; /* closed mid-response */
                upstream_finish(u);
            }
            return;
        case HTTP_EV_HEAD:
            http_msg_free(u->resp);
            u->resp = http_parser_take_msg(u->parser);
            break;
        case HTTP_EV_BODY:
            u->body_len += ev.len;
            if (!ev.data) {
                u->virtual_body = true;
            } else if (!u->virtual_body) {
                if (!u->body)
                    u->body = g_byte_array_new();
                g_byte_array_append(u->body, ev.data, (guint)ev.len);
            }
            break;
        case HTTP_EV_DONE:
            upstream_finish(u);
            return;
        case HTTP_EV_ERROR:
            http_msg_free(u->resp);
            u->resp = NULL;
            upstream_finish(u);
            return;
        }
    }
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
    (void)err;
    upstream *u = ud;
    u->s = NULL; /* gone */
    http_msg_free(u->resp);
    u->resp = NULL;
    upstream_finish(u);
}

static const stream_handler up_handler = {
    .connected = up_connected, .data = up_data, .peer_closed = up_peer_closed, .error = up_error};

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
    up->req = http_msg_new_request(req->method, u->path, 11);
    http_msg_set(up->req, "Host", http_msg_get(req, "Host") ? http_msg_get(req, "Host") : u->host);
    for (guint i = 0; i < req->headers->len; i++) {
        const http_header *h = &g_array_index(req->headers, http_header, i);
        static const char *const hop[] = {"Host", "Connection", "Proxy-Connection", "Keep-Alive",
                                          "If-Modified-Since", "If-None-Match", "Content-Length",
                                          "Transfer-Encoding"};
        bool skip = false;
        for (size_t k = 0; k < G_N_ELEMENTS(hop) && !skip; k++)
            skip = !g_ascii_strcasecmp(h->name, hop[k]);
        if (!skip)
            http_msg_add(up->req, h->name, h->value);
    }
    if (kind == UP_REVALIDATE && stale) {
        const char *lm = http_msg_get(stale->head, "Last-Modified");
        if (lm)
            http_msg_set(up->req, "If-Modified-Since", lm);
    } else if (kind == UP_PASS) {
        const char *ims = http_msg_get(req, "If-Modified-Since");
        if (ims)
            http_msg_set(up->req, "If-Modified-Since", ims);
    }
    if (body_len) {
        http_msg_addf(up->req, "Content-Length", "%" G_GUINT64_FORMAT, body_len);
        up->req_body = body ? g_bytes_new(body, (gsize)body_len) : NULL;
        up->req_body_len = body_len;
    }
    up->client_ims = g_strdup(http_msg_get(req, "If-Modified-Since"));
    up->client_head = req->method == HTTP_M_HEAD;
    http_msg_add(up->req, "Via", "1.1 appsim-proxy");
    http_msg_set(up->req, "Connection", "close");
    g_ptr_array_add(p->ups, up);
    GError *err = NULL;
    up->s = host_connect(p->env, u->host, u->port, &up_handler, up, &err);
    if (!up->s) {
        g_clear_error(&err);
        upstream_finish(up);
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
        http_msg *r = http_server_job_response(job, 400);
        http_msg_add(r, "X-Cache", "ERROR");
        http_server_job_reply(job, r, NULL, 0, 0);
        return;
    }
    char *url = http_url_format(&u);
    bool cacheable = req->method == HTTP_M_GET || req->method == HTTP_M_HEAD;
    if (!cacheable) {
        p->st.passed++;
        forward(p, job, req, &u, url, UP_PASS, NULL, body, body_len);
    } else {
        const http_cached *e = NULL;
        cache_state st = http_cache_lookup(p->cache, url, now_s(p), &e);
        if (st == CACHE_FRESH) {
            p->st.hits++;
            reply_from_cache(p, job, http_msg_get(req, "If-Modified-Since"), req->method == HTTP_M_HEAD,
                             e, "HIT");
        } else if (st == CACHE_STALE && http_msg_get(e->head, "Last-Modified")) {
            forward(p, job, req, &u, url, UP_REVALIDATE, e, NULL, 0);
        } else {
            forward(p, job, req, &u, url, UP_MISS, NULL, NULL, 0);
        }
    }
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
    p->cache = http_cache_new(p->c.capacity, p->c.policy);
    p->ups = g_ptr_array_new();
    http_server_config sc;
    http_server_config_default(&sc);
    sc.port = p->c.port;
    sc.name = "appsim-proxy";
    sc.cookies = false;
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

/*
 * http_browser: fetches, connections and the scheduling of the modes.
 *
 * A fetch is one object to get (its record is created when the fetch is
 * made). Fetches wait in `pending` until a connection can take them: an
 * open connection to the same place with room (none, one or any number of
 * requests in flight, by mode), or a new connection when fewer than the
 * mode's maximum are open. A connection sends its assigned requests as
 * soon as it is connected, and matches responses to requests in order.
 * When a connection closes with requests unanswered (a server closing a
 * pipelined connection), those go back to `pending` once.
 *
 * A connection begins with a name lookup when the host has a resolver
 * (conn_open): it is in `conns` from the start, takes fetches into
 * `assigned` like a connection still connecting, and connects to the
 * answer's literal from the lookup's callback (on_lookup). Dropping it
 * cancels the lookup, so no callback reaches a freed connection.
 */
#include "http_browser.h"

#include <string.h>

#include "html_links.h"
#include "http_parser.h"
#include "http_url.h"

#ifndef APPSIM_VERSION
#define APPSIM_VERSION "0.1.0"
#endif

#define MAX_BASE_BYTES (16u << 20)
#define MAX_REDIRECTS 5

typedef struct fetch fetch;
typedef struct bconn bconn;

struct fetch {
    uint32_t rec;        /* index of its record */
    http_url url;
    char *url_s;
    bool is_base;
    GByteArray *body;    /* the base page's HTML */
    http_msg *resp;      /* the response head */
    int auth_tries, redirects, retries;
};

struct bconn {
    http_browser *b;
    stream_t *s;         /* NULL while its lookup runs */
    char *host;          /* the name it was opened for (a URL's host or the proxy) */
    uint16_t port;
    uint64_t lookup;     /* the lookup in flight, or 0 */
    int64_t lookup_start, lookup_end; /* ns; -1 without a lookup */
    int64_t connect_start;
    bool connected, dead, closing;
    http_parser *parser;
    GQueue assigned;     /* fetches waiting for the connection to be up */
    GQueue inflight;     /* requests sent, in order */
    uint32_t carried;    /* requests assigned over its life */
    uint32_t answered;   /* responses received */
};

typedef struct {
    char *last_modified;
    uint64_t size;
} cache_entry;

struct http_browser {
    host_env *env;
    browser_config c;
    char *ua, *user, *password, *proxy_host;
    GArray *records;     /* of http_record */
    GArray *pages;       /* of http_page */
    GQueue pending;      /* of fetch* */
    GPtrArray *conns;    /* of bconn*, open ones, in creation order */
    GHashTable *cache;   /* url -> cache_entry*; lookup only */
    GHashTable *cookies; /* host -> "name=value; ..."; lookup only */
    GHashTable *authed;  /* hosts that accepted our Basic credentials (a set); lookup only */
    GHashTable *no_keep; /* "host:port" of servers that closed after a response */
    bool loading;
    http_page page;
    uint32_t outstanding;
    browser_done_fn done;
    void *done_ud;
};

static const char *const mode_names[] = {
    [BROWSER_NP_SERIAL] = "nonpersistent", [BROWSER_NP_PARALLEL] = "nonpersistent-parallel",
    [BROWSER_P_SERIAL] = "persistent",     [BROWSER_P_PIPELINE] = "pipelined",
    [BROWSER_P_PARALLEL] = "persistent-parallel",
};

const char *browser_mode_name(browser_mode m)
{
    return (unsigned)m < G_N_ELEMENTS(mode_names) ? mode_names[m] : "?";
}

bool browser_mode_parse(const char *s, browser_mode *out)
{
    for (unsigned i = 0; s && i < G_N_ELEMENTS(mode_names); i++) {
        if (!strcmp(s, mode_names[i])) {
            *out = (browser_mode)i;
            return true;
        }
    }
    return false;
}

void browser_config_default(browser_config *c)
{
    memset(c, 0, sizeof *c);
    c->mode = BROWSER_P_SERIAL;
    c->parallel = 5;
    c->cache = true;
}

static bool persistent(const http_browser *b)
{
    return b->c.mode == BROWSER_P_SERIAL || b->c.mode == BROWSER_P_PIPELINE ||
           b->c.mode == BROWSER_P_PARALLEL;
}

static int wire_version(const http_browser *b)
{
    return b->c.version ? b->c.version : persistent(b) ? 11 : 10;
}

static uint32_t max_conns(const http_browser *b)
{
    bool par = b->c.mode == BROWSER_NP_PARALLEL || b->c.mode == BROWSER_P_PARALLEL;
    return par ? MAX(b->c.parallel, 1u) : 1u;
}

static http_record *rec_of(http_browser *b, const fetch *f)
{
    return &g_array_index(b->records, http_record, f->rec);
}

static void fetch_free(fetch *f)
{
    if (!f)
        return;
    http_url_clear(&f->url);
    g_free(f->url_s);
    if (f->body)
        g_byte_array_unref(f->body);
    http_msg_free(f->resp);
    g_free(f);
}

/* ---- page bookkeeping ---------------------------------------------------- */

static void pump(http_browser *b);

static void page_maybe_done(http_browser *b)
{
    if (!b->loading || b->outstanding > 0)
        return;
    b->loading = false;
    b->page.end = host_now(b->env);
    g_array_append_val(b->pages, b->page);
    memset(&b->page, 0, sizeof b->page);
    const http_page *pg = &g_array_index(b->pages, http_page, b->pages->len - 1);
    if (b->done)
        b->done(b->done_ud, b, pg);
}

static fetch *fetch_new(http_browser *b, const char *url, uint32_t index, bool is_base)
{
    fetch *f = g_new0(fetch, 1);
    if (!http_url_parse(url, &f->url)) {
        g_free(f);
        return NULL;
    }
    f->url_s = http_url_format(&f->url);
    f->is_base = is_base;
    http_record r = {0};
    r.page = b->pages->len;
    r.index = index;
    r.url = g_strdup(f->url_s);
    r.dns_start = r.dns_end = r.connect_start = r.request_sent = r.first_byte = r.last_byte = -1;
    g_array_append_val(b->records, r);
    f->rec = b->records->len - 1;
    b->outstanding++;
    return f;
}

/* A fetch is over (answered or failed). */
static void fetch_finish(http_browser *b, fetch *f, const char *error)
{
    http_record *r = rec_of(b, f);
    if (error) {
        g_free(r->error_text);
        r->error_text = g_strdup(error);
        r->error = r->error_text;
        r->status = 0;
        b->page.failures++;
    }
    if (!f->is_base)
        b->page.objects++;
    b->page.bytes += r->bytes;
    fetch_free(f);
    b->outstanding--;
    page_maybe_done(b);
}

/* The base page is in: queue the objects it refers to. */
static void queue_objects(http_browser *b, fetch *base)
{
    if (!base->body || rec_of(b, base)->status != 200)
        return;
    GPtrArray *refs = html_find_objects((const char *)base->body->data, base->body->len);
    uint32_t index = 1;
    for (guint i = 0; i < refs->len; i++) {
        char *abs = http_url_resolve(&base->url, g_ptr_array_index(refs, i));
        fetch *f = abs ? fetch_new(b, abs, index, false) : NULL;
        if (f) {
            g_queue_push_tail(&b->pending, f);
            index++;
        }
        g_free(abs);
    }
    g_ptr_array_unref(refs);
}

/* ---- requests ------------------------------------------------------------- */

static void send_request(bconn *c, fetch *f)
{
    http_browser *b = c->b;
    int version = wire_version(b);
    char *target = b->proxy_host ? g_strdup(f->url_s) : g_strdup(f->url.path);
    http_msg *req = http_msg_new_request(HTTP_M_GET, target, version);
    g_free(target);
    char *authority = http_url_authority(&f->url);
    http_msg_add(req, "Host", authority);
    g_free(authority);
    http_msg_add(req, "User-Agent", b->ua);
    http_msg_add(req, "Accept", "*/*");
    if (version == 10 && persistent(b))
        http_msg_add(req, "Connection", "keep-alive");
    else if (version == 11 && !persistent(b))
        http_msg_add(req, "Connection", "close");
    const char *cookie = g_hash_table_lookup(b->cookies, f->url.host);
    if (cookie)
        http_msg_add(req, "Cookie", cookie);
    const cache_entry *ce = b->c.cache ? g_hash_table_lookup(b->cache, f->url_s) : NULL;
    if (ce && ce->last_modified && !f->is_base)
        http_msg_add(req, "If-Modified-Since", ce->last_modified);
    if (b->user && (f->auth_tries > 0 || g_hash_table_contains(b->authed, f->url.host))) {
        char *pair = g_strdup_printf("%s:%s", b->user, b->password ? b->password : "");
        char *b64 = g_base64_encode((const guchar *)pair, strlen(pair));
        http_msg_addf(req, "Authorization", "Basic %s", b64);
        g_free(b64);
        g_free(pair);
    }
    GString *out = g_string_new("");
    http_msg_serialize(req, out);
    http_msg_free(req);
    size_t n = stream_write(c->s, out->str, out->len);
    g_string_free(out, TRUE);
    (void)n; /* requests are small: the send buffer always takes them whole */
    http_parser_expect(c->parser, HTTP_M_GET);
    http_record *r = rec_of(b, f);
    r->conn = c->s->id;
    r->reused = c->carried > 1 || g_queue_get_length(&c->inflight) > 0;
    r->dns_start = c->lookup_start;
    r->dns_end = c->lookup_end;
    r->connect_start = c->connect_start;
    r->request_sent = host_now(b->env);
    r->first_byte = r->last_byte = -1;
    r->bytes = 0;
    r->from_cache = false;
    r->cache = NULL;
    g_queue_push_tail(&c->inflight, f);
}

/* ---- connections ---------------------------------------------------------- */

static void conn_drop(bconn *c, const char *why);

static void conn_send_assigned(bconn *c)
{
    fetch *f;
    while ((f = g_queue_pop_head(&c->assigned)))
        send_request(c, f);
}

static void on_connected(void *ud, stream_t *s)
{
    (void)s;
    bconn *c = ud;
    c->connected = true;
    conn_send_assigned(c);
}

static void handle_response(bconn *c, fetch *f)
{
    http_browser *b = c->b;
    http_record *r = rec_of(b, f);
    const http_msg *resp = f->resp;
    r->last_byte = host_now(b->env);
    r->status = resp ? resp->status : 0;
    const char *xc = resp ? http_msg_get(resp, "X-Cache") : NULL;
    static const char *const verdicts[] = {"HIT", "MISS", "REVALIDATED", "REFRESHED", "PASS", "ERROR"};
    r->cache = NULL;
    for (size_t i = 0; xc && i < G_N_ELEMENTS(verdicts); i++)
        if (!g_ascii_strcasecmp(xc, verdicts[i]))
            r->cache = verdicts[i];

    const char *setc = resp ? http_msg_get(resp, "Set-Cookie") : NULL;
    if (setc) {
        char *pair = g_strndup(setc, strcspn(setc, ";"));
        g_hash_table_replace(b->cookies, g_strdup(f->url.host), pair);
    }
    if (f->auth_tries > 0 && r->status > 0 && r->status < 400 && !g_hash_table_contains(b->authed, f->url.host))
        g_hash_table_add(b->authed, g_strdup(f->url.host));
    if (r->status == 401 && b->user && f->auth_tries == 0) {
        f->auth_tries++;
        g_queue_push_head(&b->pending, f);
        return;
    }
    const char *loc = resp ? http_msg_get(resp, "Location") : NULL;
    if ((r->status == 301 || r->status == 302 || r->status == 303 || r->status == 307) && loc &&
        f->redirects < MAX_REDIRECTS) {
        char *abs = http_url_resolve(&f->url, loc);
        http_url u;
        if (abs && http_url_parse(abs, &u)) {
            http_url_clear(&f->url);
            f->url = u;
            g_free(f->url_s);
            f->url_s = http_url_format(&f->url);
            f->redirects++;
            g_free(abs);
            g_queue_push_head(&b->pending, f);
            return;
        }
        g_free(abs);
    }
    if (r->status == 304) {
        const cache_entry *ce = g_hash_table_lookup(b->cache, f->url_s);
        r->from_cache = true;
        r->bytes = ce ? ce->size : 0;
    } else if (r->status == 200 && b->c.cache) {
        const char *lm = http_msg_get(resp, "Last-Modified");
        if (lm) {
            cache_entry *ce = g_new(cache_entry, 1);
            ce->last_modified = g_strdup(lm);
            ce->size = r->bytes;
            g_hash_table_replace(b->cache, g_strdup(f->url_s), ce);
        }
    }
    if (f->is_base)
        queue_objects(b, f);
    fetch_finish(b, f, NULL);
}

/* Feeds response bytes to the parser and settles completed responses. */
static void conn_read(bconn *c, const uint8_t *data, size_t len, bool eof)
{
    http_browser *b = c->b;
    size_t off = 0;
    for (;;) {
        fetch *f = g_queue_peek_head(&c->inflight);
        if (f && off < len && rec_of(b, f)->first_byte < 0)
            rec_of(b, f)->first_byte = host_now(b->env);
        http_event ev;
        if (off < len)
            off += http_parser_feed(c->parser, data ? data + off : NULL, len - off, &ev);
        else if (eof)
            http_parser_finish(c->parser, &ev);
        else if (len > 0)
            return; /* all used: nothing is pending (the parser would have held a byte back) */
        else
            http_parser_feed(c->parser, NULL, 0, &ev);
        if (ev.kind == HTTP_EV_NEED_MORE)
            return;
        if (!f) { /* a response nobody asked for */
            conn_drop(c, "unexpected response");
            return;
        }
        if (ev.kind == HTTP_EV_HEAD) {
            http_msg_free(f->resp);
            f->resp = http_parser_take_msg(c->parser);
        } else if (ev.kind == HTTP_EV_BODY) {
            rec_of(b, f)->bytes += ev.len;
            if (f->is_base && rec_of(b, f)->bytes <= MAX_BASE_BYTES) {
                if (!f->body)
                    f->body = g_byte_array_new();
                if (ev.data)
                    g_byte_array_append(f->body, ev.data, (guint)ev.len);
            }
        } else if (ev.kind == HTTP_EV_DONE) {
            g_queue_pop_head(&c->inflight);
            c->answered++;
            bool keep = f->resp && persistent(b) && http_msg_keep_alive(f->resp, NULL);
            if (persistent(b) && !keep) /* this server will not keep connections: stop asking */
                g_hash_table_add(b->no_keep, g_strdup_printf("%s:%u", c->host, c->port));
            handle_response(c, f);
            if (!keep) {
                conn_drop(c, NULL);
                pump(b);
                return;
            }
            pump(b);
            if (c->dead)
                return;
            if (eof)
                return;
        } else if (ev.kind == HTTP_EV_ERROR) {
            conn_drop(c, "malformed response");
            pump(b);
            return;
        }
    }
}

static void on_data(void *ud, stream_t *s, const uint8_t *data, size_t len)
{
    (void)s;
    conn_read(ud, data, len, false);
}

static void on_peer_closed(void *ud, stream_t *s)
{
    (void)s;
    bconn *c = ud;
    http_browser *b = c->b;
    if (!g_queue_is_empty(&c->inflight))
        conn_read(c, NULL, 0, true);
    if (!c->dead) {
        conn_drop(c, NULL);
        pump(b);
    }
}

static void on_error(void *ud, stream_t *s, stream_err err)
{
    (void)s;
    bconn *c = ud;
    http_browser *b = c->b;
    c->s = NULL; /* gone: do not close it */
    conn_drop(c, stream_err_text(err));
    pump(b);
}

static const stream_handler conn_handler = {
    .connected = on_connected,
    .data = on_data,
    .peer_closed = on_peer_closed,
    .error = on_error,
};

/* Takes a connection out of service. Unanswered requests go back to the
 * queue (why == NULL: the server closed it) or fail (why given). A request
 * goes back any number of times while connections make progress, but only
 * once after a connection that answered nothing. */
static void conn_drop(bconn *c, const char *why)
{
    http_browser *b = c->b;
    if (c->dead)
        return;
    c->dead = true;
    host_lookup_cancel(b->env, c->lookup); /* its callback must not find c freed */
    c->lookup = 0;
    GQueue *qs[] = {&c->inflight, &c->assigned};
    for (int k = 0; k < 2; k++) {
        fetch *f;
        while ((f = g_queue_pop_tail(qs[k]))) {
            if (!why && (c->answered > 0 || f->retries == 0)) {
                if (c->answered == 0)
                    f->retries++;
                g_queue_push_head(&b->pending, f);
            } else {
                fetch_finish(b, f, why ? why : "connection closed");
            }
        }
    }
    if (c->s)
        stream_close(c->s);
    c->s = NULL;
    g_ptr_array_remove(b->conns, c);
    http_parser_free(c->parser);
    g_free(c->host);
    g_free(c);
}

/* Starts the connection's TCP connect to `target` (its name, or the
 * literal its lookup gave). False when the host cannot even try. */
static bool conn_connect(bconn *c, const char *target)
{
    http_browser *b = c->b;
    c->connect_start = host_now(b->env);
    GError *err = NULL;
    c->s = host_connect(b->env, target, c->port, &conn_handler, c, &err);
    if (!c->s) {
        host_logf(b->env, "browser: cannot connect to %s port %u: %s", target, c->port, err ? err->message : "?");
        g_clear_error(&err);
        return false;
    }
    b->page.connections++;
    return true;
}

/* The lookup's answer, from the resolver's own event: connect to the
 * literal, or fail the connection's fetches with the resolver's reason. */
static void on_lookup(void *ud, const char *address, const GError *err)
{
    bconn *c = ud;
    http_browser *b = c->b;
    c->lookup = 0;
    c->lookup_end = host_now(b->env);
    for (GList *l = c->assigned.head; l; l = l->next) {
        http_record *r = rec_of(b, l->data);
        r->dns_start = c->lookup_start;
        r->dns_end = c->lookup_end;
    }
    if (address && conn_connect(c, address))
        return;
    char *why = address ? g_strdup("cannot connect")
                        : g_strdup_printf(HTTP_BROWSER_DNS_ERROR "%s",
                                          err && err->message && *err->message ? err->message : c->host);
    host_logf(b->env, "browser: %s", why);
    conn_drop(c, why);
    g_free(why);
    pump(b);
}

/* Opens a connection to (host, port): at once by the name when the host
 * has no resolver, else after a lookup (NULL when it cannot connect). */
static bconn *conn_open(http_browser *b, const char *host, uint16_t port)
{
    bconn *c = g_new0(bconn, 1);
    c->b = b;
    c->host = g_strdup(host);
    c->port = port;
    c->parser = http_parser_new(false, NULL);
    g_queue_init(&c->assigned);
    g_queue_init(&c->inflight);
    c->lookup_start = c->lookup_end = c->connect_start = -1;
    int64_t now = host_now(b->env);
    c->lookup = host_lookup(b->env, host, on_lookup, c);
    if (c->lookup) {
        c->lookup_start = now;
        b->page.lookups++;
    } else if (!conn_connect(c, host)) {
        http_parser_free(c->parser);
        g_free(c->host);
        g_free(c);
        return NULL;
    }
    g_ptr_array_add(b->conns, c);
    return c;
}

/* Can connection c take one more request now? */
static bool conn_has_room(const http_browser *b, const bconn *c)
{
    if (c->dead || c->closing)
        return false;
    if (g_hash_table_size(b->no_keep) > 0) { /* mostly empty: no key to format */
        char key[300];
        g_snprintf(key, sizeof key, "%s:%u", c->host, c->port);
        if (g_hash_table_contains(b->no_keep, key))
            return c->carried == 0;
    }
    guint busy = c->assigned.length + c->inflight.length;
    switch (b->c.mode) {
    case BROWSER_NP_SERIAL:
    case BROWSER_NP_PARALLEL: return c->carried == 0;
    case BROWSER_P_PIPELINE: return true;
    default: return busy == 0;
    }
}

static void assign(bconn *c, fetch *f)
{
    c->carried++;
    if (c->connected)
        send_request(c, f);
    else
        g_queue_push_tail(&c->assigned, f);
}

/* Gives waiting fetches to connections, opening new ones as the mode allows. */
static void pump(http_browser *b)
{
    while (!g_queue_is_empty(&b->pending)) {
        fetch *f = g_queue_peek_head(&b->pending);
        const char *host = b->proxy_host ? b->proxy_host : f->url.host;
        uint16_t port = b->proxy_host ? b->c.proxy_port : f->url.port;
        bconn *use = NULL;
        for (guint i = 0; i < b->conns->len && !use; i++) {
            bconn *c = g_ptr_array_index(b->conns, i);
            if (c->port == port && !strcmp(c->host, host) && conn_has_room(b, c))
                use = c;
        }
        if (!use && b->conns->len < max_conns(b)) {
            use = conn_open(b, host, port);
            if (!use) {
                g_queue_pop_head(&b->pending);
                fetch_finish(b, f, "cannot connect");
                continue;
            }
        }
        if (!use)
            return;
        g_queue_pop_head(&b->pending);
        assign(use, f);
    }
}

/* ---- the API ---------------------------------------------------------------- */

static void cache_entry_free(gpointer p)
{
    cache_entry *e = p;
    g_free(e->last_modified);
    g_free(e);
}

static void record_clear(gpointer p)
{
    http_record *r = p;
    g_free(r->url);
    g_free(r->error_text);
}

static void page_clear(gpointer p)
{
    http_page *pg = p;
    g_free(pg->url);
}

http_browser *http_browser_new(host_env *env, const browser_config *c, GError **err)
{
    (void)err;
    http_browser *b = g_new0(http_browser, 1);
    b->env = env;
    if (c)
        b->c = *c;
    else
        browser_config_default(&b->c);
    b->ua = g_strdup(b->c.user_agent ? b->c.user_agent : "appsim-browser/" APPSIM_VERSION);
    b->user = g_strdup(b->c.user);
    b->password = g_strdup(b->c.password);
    b->proxy_host = g_strdup(b->c.proxy_host);
    b->c.user_agent = b->ua;
    b->c.user = b->user;
    b->c.password = b->password;
    b->c.proxy_host = b->proxy_host;
    b->records = g_array_new(FALSE, TRUE, sizeof(http_record));
    g_array_set_clear_func(b->records, record_clear);
    b->pages = g_array_new(FALSE, TRUE, sizeof(http_page));
    g_array_set_clear_func(b->pages, page_clear);
    g_queue_init(&b->pending);
    b->conns = g_ptr_array_new();
    b->cache = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, cache_entry_free);
    b->cookies = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    b->authed = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    b->no_keep = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    return b;
}

void http_browser_free(http_browser *b)
{
    if (!b)
        return;
    b->loading = false; /* no callbacks while tearing down */
    while (b->conns->len)
        conn_drop(g_ptr_array_index(b->conns, 0), "browser closed");
    fetch *f;
    while ((f = g_queue_pop_head(&b->pending)))
        fetch_free(f);
    g_free(b->page.url);
    g_ptr_array_free(b->conns, TRUE);
    g_array_free(b->records, TRUE);
    g_array_free(b->pages, TRUE);
    g_hash_table_destroy(b->cache);
    g_hash_table_destroy(b->cookies);
    g_hash_table_destroy(b->authed);
    g_hash_table_destroy(b->no_keep);
    g_free(b->ua);
    g_free(b->user);
    g_free(b->password);
    g_free(b->proxy_host);
    g_free(b);
}

static bool start_page(http_browser *b, const char *url, browser_done_fn done, void *ud)
{
    if (b->loading)
        return false;
    http_url u;
    if (!http_url_parse(url, &u))
        return false;
    http_url_clear(&u);
    b->loading = true;
    b->done = done;
    b->done_ud = ud;
    memset(&b->page, 0, sizeof b->page);
    b->page.url = g_strdup(url);
    b->page.start = host_now(b->env);
    return true;
}

bool http_browser_load(http_browser *b, const char *url, browser_done_fn done, void *ud)
{
    if (!start_page(b, url, done, ud))
        return false;
    fetch *f = fetch_new(b, url, 0, true);
    g_queue_push_tail(&b->pending, f);
    pump(b);
    return true;
}

bool http_browser_fetch(http_browser *b, const char *const *urls, guint n, browser_done_fn done,
                        void *ud)
{
    if (n == 0 || !start_page(b, urls[0], done, ud))
        return false;
    for (guint i = 0; i < n; i++) {
        fetch *f = fetch_new(b, urls[i], i, false);
        if (f)
            g_queue_push_tail(&b->pending, f);
    }
    pump(b);
    page_maybe_done(b);
    return true;
}

const GArray *http_browser_records(const http_browser *b) { return b->records; }
const GArray *http_browser_pages(const http_browser *b) { return b->pages; }

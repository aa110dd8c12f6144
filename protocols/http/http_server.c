/*
 * http_server: sessions, the worker queue, routing and response building.
 *
 * A session is one connection. Complete requests become jobs, queued on the
 * session in arrival order. Each job is answered by the single worker
 * (server-wide, first come first served; immediately when proc_time is 0),
 * which prepares the response and marks the job ready; the session writes
 * ready jobs strictly from the head of its queue, so pipelined responses
 * keep their order whatever the worker does. Output is a queue of spans
 * (real bytes or length-only), written as the stream accepts them.
 *
 * A session is freed once its stream is closed (or failed) and no job of
 * it is still waiting for the worker — from a timer of its own, never
 * under the callback that closed it.
 */
#include "http_server.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#ifndef APPSIM_VERSION
#define APPSIM_VERSION "0.1.0"
#endif

typedef struct session session;

typedef struct {
    GBytes *bytes; /* NULL: length-only */
    size_t off, len;
} out_span;

typedef struct {
    session *ss;
    http_msg *req;       /* NULL for a parser error */
    GByteArray *body;    /* request body, real bytes */
    uint64_t body_len;
    bool body_virtual;   /* some body bytes were length-only */
    int error_status;    /* parser error: answer this and close */
    bool ready, in_worker;
    GString *head;       /* the prepared response head */
    out_span body_out;   /* the prepared response body */
    bool close_after;
    /* A streaming answer (http_server_job_stream): the body comes in pieces. */
    bool streaming, chunked, no_body;
    bool ended, cut_short; /* http_server_job_end was called; not complete */
    bool want_drain;       /* a write returned HTTP_SERVER_STREAM_HIGH or more */
    GQueue pend;           /* of out_span*, written before the job's turn */
    uint64_t pend_bytes;
    http_server_drain_fn drained;
    void *drained_ud;
    host_timer_id drain_timer;
} job;

struct session {
    http_server *srv;
    stream_t *s;
    http_parser *parser;
    job *reading;        /* the request whose body is arriving */
    GQueue jobs;         /* of job*, in arrival order */
    GQueue out;          /* of out_span*, to write */
    uint64_t out_bytes;  /* the bytes in `out` */
    uint32_t in_worker;  /* jobs of this session queued at the worker */
    bool closing;        /* close once the output is written */
    bool gone;           /* the stream is closed or failed */
    bool stop_parsing;
    host_timer_id idle;
    host_timer_id reap; /* the deferred free, once gone */
};

typedef struct {
    char *prefix, *realm, *credentials; /* credentials: base64 of user:password */
} rule;

struct http_server {
    host_env *env;
    http_store *store;
    http_server_config c;
    char *name;
    host_listener *listener;
    GArray *protect, *redirects, *forbid, *fail; /* of rule */
    GQueue worker_queue;                          /* of job* */
    bool worker_busy;
    host_timer_id worker_timer;
    job *working;
    GArray *cookie_visits;                        /* uint64_t, index id-1 */
    GPtrArray *sessions;                          /* live sessions, for teardown */
    http_server_handler handler;                  /* NULL: serve the store */
    bool tearing_down;                            /* in http_server_free */
    void *handler_ud;
    http_server_stats stats;
};

/* ---- dates ------------------------------------------------------------ */

static const char *const wdays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* Days since 1970-01-01 of a proleptic Gregorian date, and back: pure
 * arithmetic over 400-year eras (146097 days each), no time-zone database
 * and no lock, so that runs on several threads never wait for each other. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;                                /* [0, 399] */
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1; /* [0, 365] */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;        /* [0, 146096] */
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

void http_format_date(int64_t epoch_s, char buf[30])
{
    int64_t days = epoch_s >= 0 ? epoch_s / 86400 : (epoch_s - 86399) / 86400;
    int64_t secs = epoch_s - days * 86400;
    int64_t y;
    int m, d;
    civil_from_days(days, &y, &m, &d);
    int wday = (int)(((days % 7) + 11) % 7); /* 1970-01-01 was a Thursday */
    g_snprintf(buf, 30, "%s, %02d %s %04d %02d:%02d:%02d GMT", wdays[wday], d, months[m - 1],
               (int)y, (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
}

static int month_of(const char *m)
{
    for (int i = 0; i < 12; i++)
        if (!g_ascii_strncasecmp(m, months[i], 3))
            return i + 1;
    return 0;
}

static int64_t epoch_of(int64_t y, int mon, int d, int hh, int mm, int ss)
{
    if (mon < 1 || mon > 12 || d < 1 || d > 31 || hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 ||
        ss > 60)
        return -1;
    return days_from_civil(y, mon, d) * 86400 + hh * 3600 + mm * 60 + ss;
}

int64_t http_parse_date(const char *s)
{
    if (!s)
        return -1;
    char wd[16], mon[8];
    int d, y, hh, mm, ss;
    /* Every number has a width: a longer one would overflow its int (which
     * sscanf leaves undefined), and a year of more than four digits would
     * not fit the 29 characters http_format_date writes. */
    /* IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT */
    if (sscanf(s, "%15[A-Za-z], %2d %3s %4d %2d:%2d:%2d GMT", wd, &d, mon, &y, &hh, &mm, &ss) == 7 &&
        month_of(mon))
        return epoch_of(y, month_of(mon), d, hh, mm, ss);
    /* RFC 850: Sunday, 06-Nov-94 08:49:37 GMT */
    if (sscanf(s, "%15[A-Za-z], %2d-%3s-%4d %2d:%2d:%2d GMT", wd, &d, mon, &y, &hh, &mm, &ss) == 7 &&
        month_of(mon))
        return epoch_of(y < 70 ? 2000 + y : y < 100 ? 1900 + y : y, month_of(mon), d, hh, mm, ss);
    /* asctime: Sun Nov  6 08:49:37 1994 (the year last: no fifth digit) */
    int end = 0;
    if (sscanf(s, "%15s %3s %2d %2d:%2d:%2d %4d%n", wd, mon, &d, &hh, &mm, &ss, &y, &end) == 7 &&
        month_of(mon) && !g_ascii_isdigit(s[end]))
        return epoch_of(y, month_of(mon), d, hh, mm, ss);
    return -1;
}

/* ---- configuration ------------------------------------------------------ */

void http_server_config_default(http_server_config *c)
{
    memset(c, 0, sizeof *c);
    c->port = 80;
    c->name = NULL;
    c->proc_time = 0;
    c->idle_timeout = 15 * INT64_C(1000000000);
    c->max_queue = 0;
    c->cookies = true;
    http_limits_default(&c->limits);
}

static void rule_clear(gpointer p)
{
    rule *r = p;
    g_free(r->prefix);
    g_free(r->realm);
    g_free(r->credentials);
}

static GArray *rules_new(void)
{
    GArray *a = g_array_new(FALSE, TRUE, sizeof(rule));
    g_array_set_clear_func(a, rule_clear);
    return a;
}

static void add_rule(GArray *a, const char *prefix, const char *realm, const char *cred)
{
    rule r = {g_strdup(prefix), g_strdup(realm), g_strdup(cred)};
    g_array_append_val(a, r);
}

void http_server_protect(http_server *s, const char *prefix, const char *realm, const char *user,
                         const char *password)
{
    char *pair = g_strdup_printf("%s:%s", user, password);
    char *b64 = g_base64_encode((const guchar *)pair, strlen(pair));
    add_rule(s->protect, prefix, realm, b64);
    g_free(b64);
    g_free(pair);
}

void http_server_redirect(http_server *s, const char *from, const char *to)
{
    add_rule(s->redirects, from, NULL, to);
}

void http_server_forbid(http_server *s, const char *prefix) { add_rule(s->forbid, prefix, NULL, NULL); }
void http_server_fail(http_server *s, const char *prefix) { add_rule(s->fail, prefix, NULL, NULL); }

static const rule *match_prefix(const GArray *a, const char *path)
{
    for (guint i = 0; i < a->len; i++) {
        const rule *r = &g_array_index(a, rule, i);
        if (g_str_has_prefix(path, r->prefix))
            return r;
    }
    return NULL;
}

static const rule *match_exact(const GArray *a, const char *path)
{
    for (guint i = 0; i < a->len; i++) {
        const rule *r = &g_array_index(a, rule, i);
        if (!strcmp(path, r->prefix))
            return r;
    }
    return NULL;
}

const http_server_stats *http_server_get_stats(const http_server *s) { return &s->stats; }
host_listener *http_server_listener(const http_server *s) { return s->listener; }
uint32_t http_server_cookie_count(const http_server *s) { return s->cookie_visits->len; }

uint64_t http_server_cookie_visits(const http_server *s, uint32_t id)
{
    return id >= 1 && id <= s->cookie_visits->len ? g_array_index(s->cookie_visits, uint64_t, id - 1)
                                                  : 0;
}

/* ---- output --------------------------------------------------------------- */

static void session_maybe_free(session *ss);
static void session_emit_ready(session *ss);
static void stream_check_drained(session *ss);
static void stream_notify_gone(session *ss);
static void session_read_more(session *ss, const uint8_t *data, size_t len);

static void out_push(session *ss, GBytes *bytes, size_t off, size_t len)
{
    if (len == 0)
        return;
    out_span *o = g_new(out_span, 1);
    o->bytes = bytes ? g_bytes_ref(bytes) : NULL;
    o->off = off;
    o->len = len;
    g_queue_push_tail(&ss->out, o);
    ss->out_bytes += len;
}

static void out_free(gpointer p)
{
    out_span *o = p;
    if (o->bytes)
        g_bytes_unref(o->bytes);
    g_free(o);
}

static void idle_fire(void *ud);

static void arm_idle(session *ss)
{
    host_timer_cancel(ss->srv->env, ss->idle);
    ss->idle = host_timer(ss->srv->env, ss->srv->c.idle_timeout, idle_fire, ss);
}

static void session_close(session *ss)
{
    if (ss->gone)
        return;
    ss->gone = true;
    stream_notify_gone(ss);
    host_timer_cancel(ss->srv->env, ss->idle);
    ss->idle = 0;
    stream_close(ss->s);
    session_maybe_free(ss);
}

/* ---- streaming answers: the drain notice ---------------------------------------- */

static void drain_fire(void *ud)
{
    job *j = ud;
    j->drain_timer = 0;
    if (j->drained && !j->ended)
        j->drained(j->drained_ud, (http_server_job *)j);
}

static void drain_schedule(job *j)
{
    j->want_drain = false;
    if (!j->drain_timer)
        j->drain_timer = host_timer(j->ss->srv->env, 0, drain_fire, j);
}

/* The streaming job whose head is out and whose body is being written. */
static job *stream_current(session *ss)
{
    job *j = g_queue_peek_head(&ss->jobs);
    return j && j->streaming && j->ready && !j->head ? j : NULL;
}

/* Tells the current streaming job, when it asked, that its bytes drained. */
static void stream_check_drained(session *ss)
{
    job *j = stream_current(ss);
    if (j && j->want_drain && ss->out_bytes <= HTTP_SERVER_STREAM_LOW)
        drain_schedule(j);
}

/* The client is gone: every streaming job still producing hears it. */
static void stream_notify_gone(session *ss)
{
    for (GList *l = ss->jobs.head; l; l = l->next) {
        job *j = l->data;
        if (j->streaming && !j->ended)
            drain_schedule(j);
    }
}

/* Writes what the stream accepts; closes when done and asked to. */
static void session_flush(session *ss)
{
    while (!ss->gone && !g_queue_is_empty(&ss->out)) {
        out_span *o = g_queue_peek_head(&ss->out);
        const uint8_t *p = o->bytes ? (const uint8_t *)g_bytes_get_data(o->bytes, NULL) + o->off : NULL;
        size_t n = stream_write(ss->s, p, o->len);
        o->off += n;
        o->len -= n;
        ss->out_bytes -= n;
        if (o->len > 0)
            return; /* writable() calls again */
        out_free(g_queue_pop_head(&ss->out));
    }
    if (ss->gone)
        return;
    stream_check_drained(ss);
    if (ss->closing) {
        session_close(ss);
        return;
    }
    if (g_queue_is_empty(&ss->jobs))
        arm_idle(ss);
}

/* ---- responses -------------------------------------------------------------- */

static void job_free(job *j)
{
    if (!j)
        return;
    if (j->drain_timer)
        host_timer_cancel(j->ss->srv->env, j->drain_timer);
    g_queue_clear_full(&j->pend, out_free);
    http_msg_free(j->req);
    if (j->body)
        g_byte_array_unref(j->body);
    if (j->head)
        g_string_free(j->head, TRUE);
    if (j->body_out.bytes)
        g_bytes_unref(j->body_out.bytes);
    g_free(j);
}

static http_msg *response_for(job *j, int status, int version)
{
    http_server *srv = j->ss->srv;
    http_msg *r = http_msg_new_response(status, NULL, version);
    char date[30];
    http_format_date(host_wall_s(srv->env), date);
    http_msg_add(r, "Date", date);
    http_msg_add(r, "Server", srv->name);
    return r;
}

static void set_text_body(job *j, http_msg *r, const char *type, const char *text)
{
    size_t n = strlen(text);
    http_msg_add(r, "Content-Type", type);
    http_msg_addf(r, "Content-Length", "%zu", n);
    j->body_out.bytes = g_bytes_new(text, n);
    j->body_out.off = 0;
    j->body_out.len = n;
}

static void set_error_body(job *j, http_msg *r, int status)
{
    char *html = g_strdup_printf("<html><head><title>%d %s</title></head>"
                                 "<body><h1>%d %s</h1></body></html>\n",
                                 status, http_reason(status), status, http_reason(status));
    set_text_body(j, r, "text/html", html);
    g_free(html);
}

/* Parses "bytes=a-b", "bytes=a-", "bytes=-n" (one range). Returns 1 with the
 * range, 0 when it should be ignored, -1 when unsatisfiable. */
static int parse_range(const char *h, uint64_t size, uint64_t *first, uint64_t *last)
{
    if (!h || g_ascii_strncasecmp(h, "bytes=", 6) != 0 || strchr(h, ','))
        return 0;
    const char *p = h + 6;
    char *end;
    if (*p == '-') {
        if (!g_ascii_isdigit(p[1]))
            return 0;
        guint64 n = g_ascii_strtoull(p + 1, &end, 10);
        if (*end)
            return 0;
        if (n == 0 || size == 0)
            return -1;
        *first = n >= size ? 0 : size - n;
        *last = size - 1;
        return 1;
    }
    if (!g_ascii_isdigit(*p))
        return 0;
    guint64 a = g_ascii_strtoull(p, &end, 10);
    if (*end != '-')
        return 0;
    p = end + 1;
    guint64 b = size ? size - 1 : 0;
    if (*p) {
        if (!g_ascii_isdigit(*p))
            return 0;
        b = g_ascii_strtoull(p, &end, 10);
        if (*end || b < a)
            return 0;
        if (b >= size)
            b = size - 1;
    }
    if (a >= size)
        return -1;
    *first = a;
    *last = b;
    return 1;
}

static bool not_modified(const http_msg *req, const http_object *o)
{
    const char *inm = http_msg_get(req, "If-None-Match");
    if (inm)
        return strstr(inm, o->etag) != NULL || !strcmp(inm, "*");
    int64_t ims = http_parse_date(http_msg_get(req, "If-Modified-Since"));
    return ims >= 0 && o->last_modified <= ims;
}

static void handle_cookie(job *j, http_msg *r)
{
    http_server *srv = j->ss->srv;
    if (!srv->c.cookies)
        return;
    const char *cookie = http_msg_get(j->req, "Cookie");
    const char *at = cookie ? strstr(cookie, "appsim-id=") : NULL;
    guint64 id = at ? g_ascii_strtoull(at + 10, NULL, 10) : 0;
    if (id >= 1 && id <= srv->cookie_visits->len) {
        g_array_index(srv->cookie_visits, uint64_t, id - 1)++;
        return;
    }
    uint64_t one = 1;
    g_array_append_val(srv->cookie_visits, one);
    http_msg_addf(r, "Set-Cookie", "appsim-id=%u; Path=/", srv->cookie_visits->len);
}

static bool authorized(const http_msg *req, const rule *r)
{
    const char *a = http_msg_get(req, "Authorization");
    if (!a || g_ascii_strncasecmp(a, "Basic ", 6) != 0)
        return false;
    const char *cred = a + 6;
    while (*cred == ' ')
        cred++;
    return !strcmp(cred, r->credentials);
}

static void serve_object(job *j, http_msg **rp, int version)
{
    http_server *srv = j->ss->srv;
    const http_msg *req = j->req;
    bool forbidden;
    http_object *o = http_store_get(srv->store, req->target, &forbidden);
    if (!o) {
        int status = forbidden ? 403 : 404;
        *rp = response_for(j, status, version);
        set_error_body(j, *rp, status);
        return;
    }
    char lm[30];
    http_format_date(o->last_modified, lm);
    if (not_modified(req, o)) {
        http_msg *r = *rp = response_for(j, 304, version);
        http_msg_add(r, "Last-Modified", lm);
        http_msg_add(r, "ETag", o->etag);
        srv->stats.not_modified++;
        http_object_free(o);
        return;
    }
    uint64_t first = 0, last = o->size ? o->size - 1 : 0;
    int range = req->method == HTTP_M_GET ? parse_range(http_msg_get(req, "Range"), o->size, &first, &last) : 0;
    if (range < 0) {
        http_msg *r = *rp = response_for(j, 416, version);
        http_msg_addf(r, "Content-Range", "bytes */%" G_GUINT64_FORMAT, o->size);
        set_error_body(j, r, 416);
        http_object_free(o);
        return;
    }
    http_msg *r = *rp = response_for(j, range ? 206 : 200, version);
    http_msg_add(r, "Last-Modified", lm);
    http_msg_add(r, "ETag", o->etag);
    http_msg_add(r, "Accept-Ranges", "bytes");
    if (o->expires) {
        char ex[30];
        http_format_date(o->expires, ex);
        http_msg_add(r, "Expires", ex);
    }
    uint64_t n = o->size ? last - first + 1 : 0;
    if (range)
        http_msg_addf(r, "Content-Range", "bytes %" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT,
                      first, last, o->size);
    http_msg_add(r, "Content-Type", o->type);
    http_msg_addf(r, "Content-Length", "%" G_GUINT64_FORMAT, n);
    if (req->method == HTTP_M_GET) {
        j->body_out.bytes = o->body ? g_bytes_ref(o->body) : NULL;
        j->body_out.off = (size_t)first;
        j->body_out.len = (size_t)n;
    }
    http_object_free(o);
}

/* Completes a job's response: the version's persistence headers, no body
 * where none may go, the head serialised; the job becomes ready. Takes `r`. */
static void job_finish(job *j, http_msg *r, bool keep)
{
    http_server *srv = j->ss->srv;
    const http_msg *req = j->req;
    int version = req && req->version >= 11 ? 11 : 10;
    if (req && req->version == 9) {
        keep = false; /* a 0.9 answer is the body alone */
        j->head = g_string_new("");
        r->version = 9;
    }
    if (r->status == 204 || r->status == 304)
        j->body_out.len = 0;
    if (req && req->method == HTTP_M_HEAD) {
        if (j->body_out.bytes)
            g_bytes_unref(j->body_out.bytes);
        j->body_out.bytes = NULL;
        j->body_out.len = 0;
    }
    if (!keep) {
        http_msg_set(r, "Connection", "close");
    } else if (version == 10) {
        http_msg_set(r, "Connection", "keep-alive");
        http_msg_addf(r, "Keep-Alive", "timeout=%d", (int)(srv->c.idle_timeout / 1000000000));
    }
    if (!j->head) {
        j->head = g_string_new("");
        http_msg_serialize(r, j->head);
    }
    j->close_after = !keep;
    srv->stats.responses[r->status / 100 < 6 ? r->status / 100 : 5]++;
    srv->stats.bytes_sent += j->body_out.len;
    http_msg_free(r);
    j->ready = true;
}

/* Builds the response of a job (head and body), marks it ready. */
static void job_respond(job *j)
{
    session *ss = j->ss;
    http_server *srv = ss->srv;
    http_msg *r = NULL;
    const http_msg *req = j->req;
    int version = req && req->version >= 11 ? 11 : 10;
    bool keep = req && http_msg_keep_alive(req, NULL);

    if (!req) {
        r = response_for(j, j->error_status, 11);
        set_error_body(j, r, j->error_status);
        keep = false;
    } else if (j->error_status == 503) {
        r = response_for(j, 503, version);
        http_msg_add(r, "Retry-After", "1");
        set_error_body(j, r, 503);
    } else {
        const rule *rl;
        const char *path = req->target;
        if (req->method == HTTP_M_UNKNOWN) {
            r = response_for(j, 501, version);
            set_error_body(j, r, 501);
        } else if (req->method == HTTP_M_CONNECT) {
            r = response_for(j, 405, version);
            http_msg_add(r, "Allow", "GET, HEAD, POST, PUT, DELETE, OPTIONS, TRACE");
            set_error_body(j, r, 405);
        } else if ((rl = match_exact(srv->redirects, path))) {
            r = response_for(j, 301, version);
            http_msg_add(r, "Location", rl->credentials);
            set_error_body(j, r, 301);
        } else if ((rl = match_prefix(srv->forbid, path))) {
            r = response_for(j, 403, version);
            set_error_body(j, r, 403);
        } else if ((rl = match_prefix(srv->fail, path))) {
            r = response_for(j, 500, version);
            set_error_body(j, r, 500);
        } else if ((rl = match_prefix(srv->protect, path)) && !authorized(req, rl)) {
            r = response_for(j, 401, version);
            http_msg_addf(r, "WWW-Authenticate", "Basic realm=\"%s\"", rl->realm);
            set_error_body(j, r, 401);
        } else {
            switch (req->method) {
            case HTTP_M_GET:
            case HTTP_M_HEAD: serve_object(j, &r, version); break;
            case HTTP_M_POST: {
                r = response_for(j, 200, version);
                char *text = g_strdup_printf("received %" G_GUINT64_FORMAT " bytes for %s\n",
                                             j->body_len, path);
                set_text_body(j, r, "text/plain", text);
                g_free(text);
                break;
            }
            case HTTP_M_PUT: {
                bool created = false;
                const void *data = j->body_virtual ? NULL : j->body ? (const void *)j->body->data : (const void *)"";
                GError *err = NULL;
                if (http_store_put(srv->store, path, data, (size_t)j->body_len,
                                   http_msg_get(req, "Content-Type"), host_wall_s(srv->env),
                                   &created, &err)) {
                    r = response_for(j, created ? 201 : 204, version);
                    if (created) {
                        http_msg_add(r, "Location", path);
                        set_text_body(j, r, "text/plain", "created\n");
                    }
                } else {
                    r = response_for(j, 403, version);
                    set_error_body(j, r, 403);
                }
                g_clear_error(&err);
                break;
            }
            case HTTP_M_DELETE:
                if (http_store_delete(srv->store, path)) {
                    r = response_for(j, 204, version);
                } else {
                    r = response_for(j, 404, version);
                    set_error_body(j, r, 404);
                }
                break;
            case HTTP_M_OPTIONS:
                r = response_for(j, 204, version);
                http_msg_add(r, "Allow", "GET, HEAD, POST, PUT, DELETE, OPTIONS, TRACE");
                break;
            case HTTP_M_TRACE: {
                r = response_for(j, 200, version);
                GString *echo = g_string_new("");
                http_msg_serialize(req, echo);
                http_msg_add(r, "Content-Type", "message/http");
                http_msg_addf(r, "Content-Length", "%zu", echo->len);
                j->body_out.len = echo->len;
                j->body_out.bytes = g_string_free_to_bytes(echo);
                break;
            }
            default:
                r = response_for(j, 501, version);
                set_error_body(j, r, 501);
                break;
            }
        }
        handle_cookie(j, r);
    }
    job_finish(j, r, keep);
}

/* A streamed answer was cut short: writes what is queued, then resets the
 * connection so that the client sees an error. */
static void stream_abort_after_flush(session *ss)
{
    session_flush(ss);
    if (ss->gone)
        return;
    ss->gone = true;
    stream_notify_gone(ss);
    host_timer_cancel(ss->srv->env, ss->idle);
    ss->idle = 0;
    stream_abort(ss->s);
    session_maybe_free(ss);
}

/* Writes the ready jobs at the head of the session's queue. */
static void session_emit_ready(session *ss)
{
    while (!ss->gone && !ss->closing && !g_queue_is_empty(&ss->jobs)) {
        job *j = g_queue_peek_head(&ss->jobs);
        if (!j->ready)
            break;
        if (j->head) {
            GBytes *head = g_string_free_to_bytes(j->head);
            j->head = NULL;
            out_push(ss, head, 0, g_bytes_get_size(head));
            g_bytes_unref(head);
        }
        if (j->streaming) {
            /* What was written before the job's turn goes out now. */
            out_span *o;
            while ((o = g_queue_pop_head(&j->pend))) {
                out_push(ss, o->bytes, o->off, o->len);
                out_free(o);
            }
            j->pend_bytes = 0;
            if (!j->ended)
                break;
        } else {
            out_push(ss, j->body_out.bytes, j->body_out.off, j->body_out.len);
        }
        g_queue_pop_head(&ss->jobs);
        if (j->close_after)
            ss->closing = true;
        bool cut_short = j->cut_short;
        job_free(j);
        if (cut_short) {
            stream_abort_after_flush(ss);
            return;
        }
    }
    session_flush(ss);
}

/* ---- the worker ----------------------------------------------------------------- */

static void worker_next(http_server *srv);

static void worker_done(void *ud)
{
    http_server *srv = ud;
    srv->worker_timer = 0;
    job *j = srv->working;
    srv->working = NULL;
    srv->worker_busy = false;
    session *ss = j->ss;
    ss->in_worker--;
    j->in_worker = false;
    if (!ss->gone) {
        job_respond(j);
        session_emit_ready(ss);
    }
    session_maybe_free(ss);
    worker_next(srv);
}

static void worker_next(http_server *srv)
{
    while (!srv->worker_busy && !g_queue_is_empty(&srv->worker_queue)) {
        job *j = g_queue_pop_head(&srv->worker_queue);
        srv->worker_busy = true;
        srv->working = j;
        srv->worker_timer = host_timer(srv->env, srv->c.proc_time, worker_done, srv);
    }
}

static void job_submit(session *ss, job *j)
{
    http_server *srv = ss->srv;
    g_queue_push_tail(&ss->jobs, j);
    srv->stats.requests++;
    host_timer_cancel(srv->env, ss->idle);
    ss->idle = 0;
    if (j->req && srv->handler) { /* answered later, by http_server_job_reply */
        j->in_worker = true;
        ss->in_worker++;
        srv->handler(srv->handler_ud, (http_server_job *)j, j->req, j->body ? j->body->data : NULL,
                     j->body_len);
        return;
    }
    if (j->req == NULL || srv->c.proc_time <= 0) {
        job_respond(j);
        session_emit_ready(ss);
        return;
    }
    if (srv->c.max_queue && g_queue_get_length(&srv->worker_queue) >= srv->c.max_queue) {
        j->error_status = 503;
        job_respond(j);
        session_emit_ready(ss);
        return;
    }
    j->in_worker = true;
    ss->in_worker++;
    g_queue_push_tail(&srv->worker_queue, j);
    worker_next(srv);
}

/* ---- reading requests ------------------------------------------------------------ */

static void session_read_more(session *ss, const uint8_t *data, size_t len)
{
    size_t off = 0;
    while (!ss->gone && !ss->stop_parsing) {
        http_event ev;
        off += http_parser_feed(ss->parser, data ? data + off : NULL, len - off, &ev);
        if (ev.kind == HTTP_EV_NEED_MORE)
            break;
        if (ev.kind == HTTP_EV_HEAD) {
            job *j = g_new0(job, 1);
            j->ss = ss;
            j->req = http_parser_take_msg(ss->parser);
            ss->reading = j;
        } else if (ev.kind == HTTP_EV_BODY) {
            job *j = ss->reading;
            if (j) {
                j->body_len += ev.len;
                if (!ev.data) {
                    j->body_virtual = true;
                } else if (!j->body_virtual) {
                    if (!j->body)
                        j->body = g_byte_array_new();
                    g_byte_array_append(j->body, ev.data, (guint)ev.len);
                }
            }
        } else if (ev.kind == HTTP_EV_DONE) {
            job *j = ss->reading;
            ss->reading = NULL;
            if (j)
                job_submit(ss, j);
        } else if (ev.kind == HTTP_EV_ERROR) {
            job_free(ss->reading);
            ss->reading = NULL;
            ss->stop_parsing = true;
            job *j = g_new0(job, 1);
            j->ss = ss;
            j->error_status = ev.status ? ev.status : 400;
            job_submit(ss, j);
            break;
        }
        if (off >= len && ev.kind != HTTP_EV_HEAD && ev.kind != HTTP_EV_DONE)
            break;
    }
}

static void on_data(void *ud, stream_t *s, const uint8_t *data, size_t len)
{
    (void)s;
    session_read_more(ud, data, len);
}

static void on_writable(void *ud, stream_t *s)
{
    (void)s;
    session_flush(ud);
}

static void on_peer_closed(void *ud, stream_t *s)
{
    (void)s;
    session *ss = ud;
    /* No more requests will come: answer those asked, then close. */
    if (!g_queue_is_empty(&ss->jobs))
        ((job *)g_queue_peek_tail(&ss->jobs))->close_after = true;
    else if (!g_queue_is_empty(&ss->out))
        ss->closing = true;
    else
        session_close(ss);
}

static void on_error(void *ud, stream_t *s, stream_err err)
{
    (void)s;
    (void)err;
    session *ss = ud;
    ss->gone = true;
    stream_notify_gone(ss);
    host_timer_cancel(ss->srv->env, ss->idle);
    ss->idle = 0;
    session_maybe_free(ss);
}

static const stream_handler session_handler = {
    .data = on_data,
    .writable = on_writable,
    .peer_closed = on_peer_closed,
    .error = on_error,
};

static void idle_fire(void *ud)
{
    session *ss = ud;
    ss->idle = 0;
    session_close(ss);
}

static void session_destroy(session *ss)
{
    host_timer_cancel(ss->srv->env, ss->reap);
    ss->reap = 0;
    job *j;
    while ((j = g_queue_pop_head(&ss->jobs))) {
        if (j->in_worker && !ss->srv->tearing_down)
            continue; /* the worker (or the handler) still holds it */
        job_free(j);
    }
    g_queue_clear_full(&ss->out, out_free);
    job_free(ss->reading);
    http_parser_free(ss->parser);
    g_ptr_array_remove_fast(ss->srv->sessions, ss);
    g_free(ss);
}

static void session_reap(void *ud)
{
    session *ss = ud;
    ss->reap = 0;
    session_destroy(ss);
}

static void session_maybe_free(session *ss)
{
    if (ss->gone && ss->in_worker == 0 && !ss->reap)
        ss->reap = host_timer(ss->srv->env, 0, session_reap, ss);
}

static void on_accept(void *ud, stream_t *s)
{
    http_server *srv = ud;
    session *ss = g_new0(session, 1);
    ss->srv = srv;
    ss->s = s;
    ss->parser = http_parser_new(true, &srv->c.limits);
    g_queue_init(&ss->jobs);
    g_queue_init(&ss->out);
    g_ptr_array_add(srv->sessions, ss);
    srv->stats.connections++;
    stream_set_handler(s, &session_handler, ss);
    arm_idle(ss);
}

/* ---- lifecycle ---------------------------------------------------------------------- */

http_server *http_server_new(host_env *env, http_store *store, const http_server_config *c,
                             GError **err)
{
    http_server *srv = g_new0(http_server, 1);
    srv->env = env;
    srv->store = store;
    if (c)
        srv->c = *c;
    else
        http_server_config_default(&srv->c);
    srv->name = g_strdup(srv->c.name ? srv->c.name : "appsim/" APPSIM_VERSION);
    srv->c.name = srv->name;
    srv->protect = rules_new();
    srv->redirects = rules_new();
    srv->forbid = rules_new();
    srv->fail = rules_new();
    srv->cookie_visits = g_array_new(FALSE, FALSE, sizeof(uint64_t));
    srv->sessions = g_ptr_array_new();
    g_queue_init(&srv->worker_queue);
    srv->listener = host_listen(env, srv->c.port, on_accept, srv, err);
    if (!srv->listener) {
        http_server_free(srv);
        return NULL;
    }
    return srv;
}

void http_server_free(http_server *srv)
{
    if (!srv)
        return;
    srv->tearing_down = true;
    host_unlisten(srv->env, srv->listener);
    host_timer_cancel(srv->env, srv->worker_timer);
    if (srv->working) {
        srv->working->ss->in_worker--;
        srv->working->in_worker = false;
        g_queue_remove(&srv->working->ss->jobs, srv->working);
        job_free(srv->working);
    }
    job *j;
    while ((j = g_queue_pop_head(&srv->worker_queue))) {
        j->ss->in_worker--;
        g_queue_remove(&j->ss->jobs, j);
        job_free(j);
    }
    while (srv->sessions->len) {
        session *ss = g_ptr_array_index(srv->sessions, srv->sessions->len - 1);
        if (!ss->gone) {
            ss->gone = true;
            host_timer_cancel(srv->env, ss->idle);
            stream_abort(ss->s);
        }
        ss->in_worker = 0;
        session_destroy(ss);
    }
    g_ptr_array_free(srv->sessions, TRUE);
    g_array_free(srv->protect, TRUE);
    g_array_free(srv->redirects, TRUE);
    g_array_free(srv->forbid, TRUE);
    g_array_free(srv->fail, TRUE);
    g_array_free(srv->cookie_visits, TRUE);
    g_free(srv->name);
    g_free(srv);
}

/* ---- asynchronous handlers (a proxy) ---------------------------------------------- */

void http_server_set_handler(http_server *s, http_server_handler fn, void *ud)
{
    s->handler = fn;
    s->handler_ud = ud;
}

bool http_server_job_alive(const http_server_job *hj)
{
    const job *j = (const job *)hj;
    return !j->ss->gone;
}

http_msg *http_server_job_response(http_server_job *hj, int status)
{
    job *j = (job *)hj;
    return response_for(j, status, j->req && j->req->version >= 11 ? 11 : 10);
}

void http_server_job_reply(http_server_job *hj, http_msg *resp, GBytes *body, size_t off, uint64_t len)
{
    job *j = (job *)hj;
    session *ss = j->ss;
    ss->in_worker--;
    j->in_worker = false;
    if (ss->gone) {
        http_msg_free(resp);
        g_queue_remove(&ss->jobs, j);
        job_free(j);
        session_maybe_free(ss);
        return;
    }
    j->body_out.bytes = body ? g_bytes_ref(body) : NULL;
    j->body_out.off = off;
    j->body_out.len = (size_t)len;
    if (resp->status >= 400 && !j->body_out.len && !body)
        set_error_body(j, resp, resp->status);
    job_finish(j, resp, http_msg_keep_alive(j->req, NULL));
    session_emit_ready(ss);
}

/* ---- streaming answers ---------------------------------------------------------------- */

void http_server_job_stream(http_server_job *hj, http_msg *resp, int64_t len,
                            http_server_drain_fn drained, void *ud)
{
    job *j = (job *)hj;
    session *ss = j->ss;
    j->streaming = true;
    j->drained = drained;
    j->drained_ud = ud;
    bool keep = http_msg_keep_alive(j->req, NULL);
    int st = resp->status;
    /* An HTTP/0.9 answer is the body alone, ended by the close (job_finish). */
    j->no_body = j->req->method == HTTP_M_HEAD || st == 204 || st == 304 || st / 100 == 1;
    if (len >= 0) {
        http_msg_remove(resp, "Transfer-Encoding");
        if (!(st == 204 || st == 304 || st / 100 == 1)) {
            char n[24];
            g_snprintf(n, sizeof n, "%" G_GINT64_FORMAT, len);
            http_msg_set(resp, "Content-Length", n);
        }
    } else if (!j->no_body && j->req->version >= 11) {
        http_msg_remove(resp, "Content-Length");
        http_msg_set(resp, "Transfer-Encoding", "chunked");
        j->chunked = true;
    } else if (!j->no_body) {
        http_msg_remove(resp, "Content-Length");
        keep = false; /* the end of the connection ends the body */
    }
    if (ss->gone) {
        http_msg_free(resp);
        return; /* the job waits for http_server_job_end */
    }
    job_finish(j, resp, keep);
    session_emit_ready(ss);
}

/* Queues a span of a streaming job: into the connection's output when the
 * job is writing, else into the job's own queue until its turn. */
static void stream_push(job *j, GBytes *bytes, size_t len)
{
    session *ss = j->ss;
    if (stream_current(ss) == j) {
        out_push(ss, bytes, 0, len);
        return;
    }
    out_span *o = g_new(out_span, 1);
    o->bytes = bytes ? g_bytes_ref(bytes) : NULL;
    o->off = 0;
    o->len = len;
    g_queue_push_tail(&j->pend, o);
    j->pend_bytes += len;
}

static void stream_push_text(job *j, const char *text)
{
    GBytes *b = g_bytes_new(text, strlen(text));
    stream_push(j, b, strlen(text));
    g_bytes_unref(b);
}

uint64_t http_server_job_write(http_server_job *hj, const uint8_t *data, size_t len)
{
    job *j = (job *)hj;
    session *ss = j->ss;
    if (ss->gone || j->ended || j->no_body || len == 0)
        return 0;
    if (j->chunked) {
        char size[32];
        g_snprintf(size, sizeof size, "%zx\r\n", len);
        stream_push_text(j, size);
    }
    GBytes *b = data ? g_bytes_new(data, len) : NULL;
    stream_push(j, b, len);
    if (b)
        g_bytes_unref(b);
    if (j->chunked)
        stream_push_text(j, "\r\n");
    ss->srv->stats.bytes_sent += len;
    if (stream_current(ss) == j)
        session_flush(ss);
    if (ss->gone)
        return 0;
    uint64_t queued = stream_current(ss) == j ? ss->out_bytes : j->pend_bytes;
    if (queued >= HTTP_SERVER_STREAM_HIGH)
        j->want_drain = true;
    return queued;
}

void http_server_job_end(http_server_job *hj, bool complete)
{
    job *j = (job *)hj;
    session *ss = j->ss;
    j->ended = true;
    ss->in_worker--;
    j->in_worker = false;
    if (j->drain_timer) {
        host_timer_cancel(ss->srv->env, j->drain_timer);
        j->drain_timer = 0;
    }
    if (ss->gone || !j->ready) {
        g_queue_remove(&ss->jobs, j);
        job_free(j);
        session_maybe_free(ss);
        return;
    }
    if (!complete)
        j->cut_short = true;
    else if (j->chunked)
        stream_push_text(j, "0\r\n\r\n");
    session_emit_ready(ss);
}

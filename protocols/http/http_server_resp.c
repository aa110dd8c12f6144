/*
 * http_server_resp: what the server answers — the route of a request
 * (target form, Host check, method, rules), the store's methods, cookies,
 * and HTTP dates. Connections, input and output are in http_server.c.
 */
#include "http_server_impl.h"

#include <stdio.h>
#include <string.h>

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
    if (y < 0 || y > 9999) { /* not a four-digit year: printf's way, as before */
        g_snprintf(buf, 30, "%s, %02d %s %04d %02d:%02d:%02d GMT", wdays[wday], d, months[m - 1], (int)y,
                   (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
        return;
    }
    /* "Sun, 06 Nov 1994 08:49:37 GMT", written by hand: a server dates
     * every response, and snprintf cost ten times as much. */
    int yy = (int)y, hh = (int)(secs / 3600), mi = (int)(secs / 60 % 60), ss = (int)(secs % 60);
    memcpy(buf, wdays[wday], 3);
    buf[3] = ',';
    buf[4] = ' ';
    buf[5] = (char)('0' + d / 10);
    buf[6] = (char)('0' + d % 10);
    buf[7] = ' ';
    memcpy(buf + 8, months[m - 1], 3);
    buf[11] = ' ';
    buf[12] = (char)('0' + yy / 1000);
    buf[13] = (char)('0' + yy / 100 % 10);
    buf[14] = (char)('0' + yy / 10 % 10);
    buf[15] = (char)('0' + yy % 10);
    buf[16] = ' ';
    buf[17] = (char)('0' + hh / 10);
    buf[18] = (char)('0' + hh % 10);
    buf[19] = ':';
    buf[20] = (char)('0' + mi / 10);
    buf[21] = (char)('0' + mi % 10);
    buf[22] = ':';
    buf[23] = (char)('0' + ss / 10);
    buf[24] = (char)('0' + ss % 10);
    memcpy(buf + 25, " GMT", 5); /* with the NUL */
}

static int month_of(const char *m)
{
    for (int i = 0; i < 12; i++)
        if (!g_ascii_strncasecmp(m, months[i], 3))
            return i + 1;
    return 0;
}

/* Days in month `mon` (1 to 12) of year `y`, the Gregorian leap rule. */
static int days_in_month(int64_t y, int mon)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    return days[mon - 1] + (mon == 2 && leap);
}

/* The seconds since the epoch, or -1 for a date that does not exist (the
 * 31st of February, the 29th in a year that is no leap year): RFC 9110
 * has such a header ignored, not moved to another day. */
static int64_t epoch_of(int64_t y, int mon, int d, int hh, int mm, int ss)
{
    if (mon < 1 || mon > 12 || d < 1 || d > days_in_month(y, mon) || hh < 0 || hh > 23 || mm < 0 || mm > 59 ||
        ss < 0 || ss > 60)
        return -1;
    int64_t t = days_from_civil(y, mon, d) * 86400 + hh * 3600 + mm * 60 + ss;
    /* A leap second (:60) on the last day of 9999 falls in the year 10000,
     * which no HTTP-date can name: refused, like any other impossible date. */
    return t > INT64_C(253402300799) ? -1 : t;
}

/* Whether s[0..n) are all ASCII digits. */
static bool digits_at(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!g_ascii_isdigit(s[i]))
            return false;
    return true;
}

static int two_digits(const char *s) { return (s[0] - '0') * 10 + (s[1] - '0'); }

int64_t http_parse_date(const char *s)
{
    if (!s)
        return -1;
    /* The common case first, without sscanf: an IMF-fixdate laid out
     * exactly as http_format_date writes it, " GMT" and nothing after it.
     * It gives what the first sscanf below gives for the same text;
     * anything else goes there. The tests run left to right and each
     * fails on the NUL, so none reads past the end of a shorter string. */
    if (g_ascii_isalpha(s[0]) && g_ascii_isalpha(s[1]) && g_ascii_isalpha(s[2]) && s[3] == ',' && s[4] == ' ' &&
        digits_at(s + 5, 2) && s[7] == ' ' && g_ascii_isalpha(s[8]) && g_ascii_isalpha(s[9]) &&
        g_ascii_isalpha(s[10]) && s[11] == ' ' && digits_at(s + 12, 4) && s[16] == ' ' && digits_at(s + 17, 2) &&
        s[19] == ':' && digits_at(s + 20, 2) && s[22] == ':' && digits_at(s + 23, 2) && !strcmp(s + 25, " GMT")) {
        int fm = month_of(s + 8);
        if (fm)
            return epoch_of(two_digits(s + 12) * 100 + two_digits(s + 14), fm, two_digits(s + 5), two_digits(s + 17),
                            two_digits(s + 20), two_digits(s + 23));
    }
    char wd[16], mon[8];
    int d, y, hh, mm, ss, end = 0;
    /* The first two forms end in " GMT" and nothing more: sscanf counts
     * the conversions before a literal that does not match, so `end`
     * (%n after it) tells whether the literal was there. */
    /* IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT */
    /* Every number has a width: a longer one would overflow its int (which
     * sscanf leaves undefined), and a year of more than four digits would
     * not fit the 29 characters http_format_date writes. */
    if (sscanf(s, "%15[A-Za-z], %2d %3s %4d %2d:%2d:%2d GMT%n", wd, &d, mon, &y, &hh, &mm, &ss, &end) == 7 &&
        end && !s[end] && month_of(mon))
        return epoch_of(y, month_of(mon), d, hh, mm, ss);
    /* RFC 850: Sunday, 06-Nov-94 08:49:37 GMT */
    end = 0;
    if (sscanf(s, "%15[A-Za-z], %2d-%3s-%4d %2d:%2d:%2d GMT%n", wd, &d, mon, &y, &hh, &mm, &ss, &end) == 7 &&
        end && !s[end] && month_of(mon))
        return epoch_of(y < 70 ? 2000 + y : y < 100 ? 1900 + y : y, month_of(mon), d, hh, mm, ss);
    /* asctime: Sun Nov  6 08:49:37 1994 */
    end = 0; /* asctime: the year last, with no fifth digit */
    if (sscanf(s, "%15s %3s %2d %2d:%2d:%2d %4d%n", wd, mon, &d, &hh, &mm, &ss, &y, &end) == 7 &&
        month_of(mon) && !g_ascii_isdigit(s[end]))
        return epoch_of(y, month_of(mon), d, hh, mm, ss);
    return -1;
}

/* ---- rules and the route ------------------------------------------------------ */

static int match_prefix(const GArray *a, const char *path)
{
    for (guint i = 0; i < a->len; i++)
        if (g_str_has_prefix(path, g_array_index(a, rule, i).prefix))
            return (int)i;
    return -1;
}

static int match_exact(const GArray *a, const char *path)
{
    for (guint i = 0; i < a->len; i++)
        if (!strcmp(path, g_array_index(a, rule, i).prefix))
            return (int)i;
    return -1;
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

/* The methods a server allows, for Allow headers. */
static const char *allowed_methods(const http_server *srv)
{
    return srv->c.writable ? "GET, HEAD, POST, PUT, DELETE, OPTIONS, TRACE" : "GET, HEAD, POST, OPTIONS, TRACE";
}

/* Whether `authority` (a Host value, or an absolute target's host and
 * port) names this server: localhost, 127.0.0.1, [::1] or the configured
 * name, in any case, with or without a port. */
static bool host_allowed(const http_server *srv, const char *authority)
{
    size_t n = strlen(authority);
    const char *colon = authority[0] == '[' ? strstr(authority, "]:") : strrchr(authority, ':');
    if (colon && authority[0] == '[')
        colon++;
    if (colon) {
        for (const char *p = colon + 1; *p; p++)
            if (!g_ascii_isdigit(*p))
                return false;
        n = (size_t)(colon - authority);
    }
    static const char *const loopback[] = {"localhost", "127.0.0.1", "[::1]"};
    for (size_t i = 0; i < G_N_ELEMENTS(loopback); i++)
        if (strlen(loopback[i]) == n && !g_ascii_strncasecmp(authority, loopback[i], n))
            return true;
    if (srv->host && strlen(srv->host) == n && !g_ascii_strncasecmp(authority, srv->host, n))
        return true;
    if (!srv->c.host_ok)
        return false;
    char *name = g_strndup(authority, n);
    bool ok = srv->c.host_ok(srv->c.host_ok_ud, name);
    g_free(name);
    return ok;
}

/* The path of a request's target (RFC 9112 3.2): origin form as it is,
 * absolute form "http://authority/path" reduced to its path (with its
 * authority in *authority, a new string), "*" only for OPTIONS. 0, or 400
 * for any other target. */
static int target_path(const http_msg *req, char **path, char **authority)
{
    const char *t = req->target;
    *path = *authority = NULL;
    if (t[0] == '/') {
        *path = g_strdup(t);
    } else if (!strcmp(t, "*")) {
        if (req->method != HTTP_M_OPTIONS)
            return 400;
        *path = g_strdup(t);
    } else if (!g_ascii_strncasecmp(t, "http://", 7)) {
        const char *a = t + 7;
        size_t an = strcspn(a, "/?#");
        if (an == 0 || memchr(a, '@', an))
            return 400;
        *authority = g_strndup(a, an);
        *path = a[an] == '/' ? g_strdup(a + an) : g_strdup_printf("/%s", a + an);
    } else {
        return 400;
    }
    return 0;
}

void job_route(job *j)
{
    http_server *srv = j->srv;
    const http_msg *req = j->req;
    char *authority = NULL;
    if (req->method == HTTP_M_CONNECT) {
        j->early = 405;
        return;
    }
    j->early = target_path(req, &j->path, &authority);
    const char *host = authority ? authority : http_msg_get(req, "Host");
    if (!j->early && srv->c.check_host && host && !host_allowed(srv, host))
        j->early = 421;
    g_free(authority);
    if (j->early)
        return;
    const char *path = j->path;
    if (req->method == HTTP_M_UNKNOWN)
        j->early = 501;
    else if ((req->method == HTTP_M_PUT || req->method == HTTP_M_DELETE) && !srv->c.writable)
        j->early = 405;
    else if ((j->rule = match_exact(srv->redirects, path)) >= 0)
        j->early = 301;
    else if (match_prefix(srv->forbid, path) >= 0)
        j->early = 403;
    else if (match_prefix(srv->fail, path) >= 0)
        j->early = 500;
    else if ((j->rule = match_prefix(srv->protect, path)) >= 0 &&
             !authorized(req, &g_array_index(srv->protect, rule, j->rule)))
        j->early = 401;
    else
        j->rule = -1;
}

/* ---- responses -------------------------------------------------------------- */

http_msg *job_response(job *j, int status, int version)
{
    http_server *srv = j->srv;
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
    j->body_out.owned = true;
}

void job_error_body(job *j, http_msg *r, int status)
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

/* ---- cookies ------------------------------------------------------------------ */

static void cookie_forget(http_server *srv, cookie_entry *e)
{
    g_queue_unlink(&srv->cookie_lru, &e->link);
    g_hash_table_remove(srv->cookies, &e->id); /* frees e */
}

void cookies_clear(http_server *srv)
{
    g_queue_init(&srv->cookie_lru);
    g_hash_table_destroy(srv->cookies);
    srv->cookies = NULL;
}

/* Counts a visit of the request's ID, or hands out a new one. Forgets IDs
 * unseen for cookie_ttl, and the least recently seen beyond cookie_cap:
 * O(1) per request, amortised. */
static void handle_cookie(job *j, http_msg *r)
{
    http_server *srv = j->srv;
    if (!srv->c.cookies)
        return;
    int64_t now = host_now(srv->env);
    cookie_entry *e;
    while ((e = g_queue_peek_head(&srv->cookie_lru)) && now - e->last_seen >= srv->c.cookie_ttl)
        cookie_forget(srv, e);
    const char *cookie = http_msg_get(j->req, "Cookie");
    const char *at = cookie ? strstr(cookie, "appsim-id=") : NULL;
    guint64 id = at ? g_ascii_strtoull(at + 10, NULL, 10) : 0;
    e = id ? g_hash_table_lookup(srv->cookies, &id) : NULL;
    if (e) {
        e->visits++;
        e->last_seen = now;
        g_queue_unlink(&srv->cookie_lru, &e->link);
        g_queue_push_tail_link(&srv->cookie_lru, &e->link);
        return;
    }
    if (g_queue_get_length(&srv->cookie_lru) >= srv->c.cookie_cap)
        cookie_forget(srv, g_queue_peek_head(&srv->cookie_lru));
    e = g_new0(cookie_entry, 1);
    e->id = ++srv->cookie_next;
    e->visits = 1;
    e->last_seen = now;
    e->link.data = e;
    g_hash_table_insert(srv->cookies, &e->id, e);
    g_queue_push_tail_link(&srv->cookie_lru, &e->link);
    http_msg_addf(r, "Set-Cookie", "appsim-id=%" G_GUINT64_FORMAT "; Path=/", e->id);
}

uint64_t http_server_cookie_count(const http_server *s) { return s->cookie_next; }
uint32_t http_server_cookie_live(const http_server *s) { return g_queue_get_length((GQueue *)&s->cookie_lru); }

uint64_t http_server_cookie_visits(const http_server *s, uint64_t id)
{
    const cookie_entry *e = g_hash_table_lookup(s->cookies, &id);
    return e ? e->visits : 0;
}

/* ---- the store's methods ----------------------------------------------------------- */

static int status_of_store(http_store_status st)
{
    return st == HTTP_STORE_NOT_FOUND ? 404 : st == HTTP_STORE_FORBIDDEN ? 403 : 500;
}

/* The headers of a found object, and its body from `first` (`n` bytes);
 * takes `o`. */
static void object_response(job *j, http_msg *r, http_object *o, int range, uint64_t first, uint64_t n)
{
    char lm[30];
    http_format_date(o->last_modified, lm);
    http_msg_add(r, "Last-Modified", lm);
    http_msg_add(r, "ETag", o->etag);
    http_msg_add(r, "Accept-Ranges", "bytes");
    if (o->expires) {
        char ex[30];
        http_format_date(o->expires, ex);
        http_msg_add(r, "Expires", ex);
    }
    if (range)
        http_msg_addf(r, "Content-Range", "bytes %" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT,
                      first, first + n - 1, o->size);
    http_msg_add(r, "Content-Type", o->type);
    http_msg_addf(r, "Content-Length", "%" G_GUINT64_FORMAT, n);
    if (j->req->method == HTTP_M_GET) {
        j->body_out.off = first;
        j->body_out.len = n;
        if (o->fd >= 0) {
            j->body_out.file = o; /* read in chunks as the connection takes them */
            return;
        }
        j->body_out.bytes = o->body ? g_bytes_ref(o->body) : NULL;
    }
    http_object_free(o);
}

static http_msg *serve_object(job *j, int version)
{
    http_server *srv = j->srv;
    const http_msg *req = j->req;
    http_store_status st;
    http_object *o = http_store_get(srv->store, j->path, &st);
    if (!o) {
        int status = status_of_store(st);
        http_msg *r = job_response(j, status, version);
        job_error_body(j, r, status);
        return r;
    }
    if (not_modified(req, o)) {
        char lm[30];
        http_format_date(o->last_modified, lm);
        http_msg *r = job_response(j, 304, version);
        http_msg_add(r, "Last-Modified", lm);
        http_msg_add(r, "ETag", o->etag);
        srv->stats.not_modified++;
        http_object_free(o);
        return r;
    }
    uint64_t first = 0, last = o->size ? o->size - 1 : 0;
    int range = req->method == HTTP_M_GET ? parse_range(http_msg_get(req, "Range"), o->size, &first, &last) : 0;
    if (range < 0) {
        http_msg *r = job_response(j, 416, version);
        http_msg_addf(r, "Content-Range", "bytes */%" G_GUINT64_FORMAT, o->size);
        job_error_body(j, r, 416);
        http_object_free(o);
        return r;
    }
    http_msg *r = job_response(j, range ? 206 : 200, version);
    object_response(j, r, o, range, first, o->size ? last - first + 1 : 0);
    return r;
}

static http_msg *put_object(job *j, int version)
{
    http_server *srv = j->srv;
    bool created = false;
    http_store_status st = http_upload_commit(j->upload, host_wall_s(srv->env), &created);
    j->upload = NULL;
    if (st != HTTP_STORE_OK) {
        int status = status_of_store(st) == 404 ? 403 : status_of_store(st);
        http_msg *r = job_response(j, status, version);
        job_error_body(j, r, status);
        return r;
    }
    http_msg *r = job_response(j, created ? 201 : 204, version);
    if (created) {
        http_msg_add(r, "Location", j->path);
        set_text_body(j, r, "text/plain", "created\n");
    }
    return r;
}

static http_msg *delete_object(job *j, int version)
{
    http_store_status st = http_store_delete(j->srv->store, j->path);
    if (st == HTTP_STORE_OK)
        return job_response(j, 204, version);
    int status = status_of_store(st);
    http_msg *r = job_response(j, status, version);
    job_error_body(j, r, status);
    return r;
}

/* TRACE: the request echoed as message/http, without the credentials and
 * cookies it carried (RFC 9110 9.3.8). */
static http_msg *trace_echo(job *j, int version)
{
    static const char *const secret[] = {"Authorization", "Proxy-Authorization", "Cookie"};
    const http_msg *req = j->req;
    http_msg *copy = http_msg_new_request_len(req->method_str, strlen(req->method_str), req->target,
                                              strlen(req->target), req->version);
    for (guint i = 0; i < req->headers->len; i++) {
        const http_header *h = &g_array_index(req->headers, http_header, i);
        bool hide = false;
        for (size_t k = 0; k < G_N_ELEMENTS(secret); k++)
            hide = hide || !g_ascii_strcasecmp(h->name, secret[k]);
        if (!hide)
            http_msg_add(copy, h->name, h->value);
    }
    GString *echo = g_string_new("");
    http_msg_serialize(copy, echo);
    http_msg_free(copy);
    http_msg *r = job_response(j, 200, version);
    http_msg_add(r, "Content-Type", "message/http");
    http_msg_addf(r, "Content-Length", "%zu", echo->len);
    j->body_out.len = echo->len;
    j->body_out.bytes = g_string_free_to_bytes(echo);
    j->body_out.owned = true;
    return r;
}

/* The answer decided from the head alone (job_route). */
static http_msg *early_response(job *j, int version)
{
    http_server *srv = j->srv;
    http_msg *r = job_response(j, j->early, version);
    if (j->early == 301)
        http_msg_add(r, "Location", g_array_index(srv->redirects, rule, j->rule).credentials);
    else if (j->early == 401)
        http_msg_addf(r, "WWW-Authenticate", "Basic realm=\"%s\"", g_array_index(srv->protect, rule, j->rule).realm);
    else if (j->early == 405)
        http_msg_add(r, "Allow", allowed_methods(srv));
    job_error_body(j, r, j->early);
    return r;
}

static http_msg *method_response(job *j, int version)
{
    const http_msg *req = j->req;
    http_msg *r;
    switch (req->method) {
    case HTTP_M_GET:
    case HTTP_M_HEAD: return serve_object(j, version);
    case HTTP_M_POST: {
        r = job_response(j, 200, version);
        char *text = g_strdup_printf("received %" G_GUINT64_FORMAT " bytes for %s\n", j->body_len, j->path);
        set_text_body(j, r, "text/plain", text);
        g_free(text);
        return r;
    }
    case HTTP_M_PUT: return put_object(j, version);
    case HTTP_M_DELETE: return delete_object(j, version);
    case HTTP_M_OPTIONS:
        r = job_response(j, 204, version);
        http_msg_add(r, "Allow", allowed_methods(j->srv));
        return r;
    case HTTP_M_TRACE: return trace_echo(j, version);
    default:
        r = job_response(j, 501, version);
        job_error_body(j, r, 501);
        return r;
    }
}

void job_finish(job *j, http_msg *r, bool keep)
{
    http_server *srv = j->srv;
    const http_msg *req = j->req;
    int version = req && req->version >= 11 ? 11 : 10;
    if (req && req->version == 9) {
        keep = false; /* a 0.9 answer is the body alone */
        j->head = g_string_new("");
        r->version = 9;
    }
    if (r->status == 204 || r->status == 304 || (req && req->method == HTTP_M_HEAD))
        body_ref_clear(&j->body_out);
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
    j->close_after = j->close_after || !keep;
    srv->stats.responses[r->status / 100 < 6 ? r->status / 100 : 5]++;
    srv->stats.bytes_sent += j->body_out.len;
    http_msg_free(r);
    j->ready = true;
}

void job_respond(job *j)
{
    const http_msg *req = j->req;
    int version = req && req->version >= 11 ? 11 : 10;
    bool keep = req && !j->must_close && http_msg_keep_alive(req, NULL);
    http_msg *r;
    if (!req) {
        r = job_response(j, j->error_status, 11);
        job_error_body(j, r, j->error_status);
    } else if (j->error_status) {
        r = job_response(j, j->error_status, version);
        if (j->error_status == 503)
            http_msg_add(r, "Retry-After", "1");
        job_error_body(j, r, j->error_status);
    } else {
        r = j->early ? early_response(j, version) : method_response(j, version);
        handle_cookie(j, r);
    }
    job_finish(j, r, keep);
}

/*
 * http_msg: HTTP/1.x message heads, their header lists and their wire form.
 *
 * A message is a start line (request line or status line) and an ordered
 * list of headers. Every string a message holds is its own copy, freed by
 * http_msg_free(). Header names keep the spelling they were given, and the
 * list keeps the order it was built in, so that a message the parser read
 * serialises back to the bytes it came from (when those used one space
 * after each colon and CRLF line endings, as every sender ought to).
 *
 * Costs: lookups, http_msg_set(), http_msg_remove() and
 * http_msg_has_token() scan the whole header list, O(number of headers);
 * messages have tens of headers, so nothing cleverer pays for itself.
 */
#include "http_msg.h"

#include <stdarg.h>
#include <string.h>

/* ---- methods and reason phrases -------------------------------------- */

static const char *const method_names[] = {
    [HTTP_M_UNKNOWN] = "?",       [HTTP_M_GET] = "GET",     [HTTP_M_HEAD] = "HEAD",
    [HTTP_M_POST] = "POST",       [HTTP_M_PUT] = "PUT",     [HTTP_M_DELETE] = "DELETE",
    [HTTP_M_OPTIONS] = "OPTIONS", [HTTP_M_TRACE] = "TRACE", [HTTP_M_CONNECT] = "CONNECT",
};

const char *http_method_name(http_method m)
{
    if ((unsigned)m >= G_N_ELEMENTS(method_names))
        return method_names[HTTP_M_UNKNOWN];
    return method_names[m];
}

http_method http_method_parse(const char *token)
{
    if (!token)
        return HTTP_M_UNKNOWN;
    /* Method names are case-sensitive (RFC 9110 section 9.1): "get" is a
     * different, unknown method. */
    for (unsigned i = HTTP_M_GET; i < G_N_ELEMENTS(method_names); i++)
        if (strcmp(token, method_names[i]) == 0)
            return (http_method)i;
    return HTTP_M_UNKNOWN;
}

typedef struct {
    int status;
    const char *reason;
} reason_entry;

/* The reason phrases of RFC 9110 section 15, sorted by status. */
static const reason_entry reasons[] = {
    {100, "Continue"},
    {101, "Switching Protocols"},
    {200, "OK"},
    {201, "Created"},
    {202, "Accepted"},
    {203, "Non-Authoritative Information"},
    {204, "No Content"},
    {205, "Reset Content"},
    {206, "Partial Content"},
    {300, "Multiple Choices"},
    {301, "Moved Permanently"},
    {302, "Found"},
    {303, "See Other"},
    {304, "Not Modified"},
    {305, "Use Proxy"},
    {307, "Temporary Redirect"},
    {308, "Permanent Redirect"},
    {400, "Bad Request"},
    {401, "Unauthorized"},
    {402, "Payment Required"},
    {403, "Forbidden"},
    {404, "Not Found"},
    {405, "Method Not Allowed"},
    {406, "Not Acceptable"},
    {407, "Proxy Authentication Required"},
    {408, "Request Timeout"},
    {409, "Conflict"},
    {410, "Gone"},
    {411, "Length Required"},
    {412, "Precondition Failed"},
    {413, "Content Too Large"},
    {414, "URI Too Long"},
    {415, "Unsupported Media Type"},
    {416, "Range Not Satisfiable"},
    {417, "Expectation Failed"},
    {421, "Misdirected Request"},
    {422, "Unprocessable Content"},
    {426, "Upgrade Required"},
    {428, "Precondition Required"},
    {429, "Too Many Requests"},
    {431, "Request Header Fields Too Large"},
    {500, "Internal Server Error"},
    {501, "Not Implemented"},
    {502, "Bad Gateway"},
    {503, "Service Unavailable"},
    {504, "Gateway Timeout"},
    {505, "HTTP Version Not Supported"},
};

const char *http_reason(int status)
{
    /* Binary search over the sorted table: O(log n). */
    size_t lo = 0, hi = G_N_ELEMENTS(reasons);
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (reasons[mid].status == status)
            return reasons[mid].reason;
        if (reasons[mid].status < status)
            lo = mid + 1;
        else
            hi = mid;
    }
    return "Unknown";
}

/* ---- construction ----------------------------------------------------- */

/* The clear function of the header array: frees one header's strings
 * (one block, see header_make) whenever the array drops it (removal or
 * free). */
static void header_clear(gpointer data)
{
    http_header *h = data;
    g_free(h->name);
}

/* The length of a span up to its first NUL, as g_strndup would copy it. */
static size_t span_len(const char *s, size_t n)
{
    const char *nul = memchr(s, '\0', n);
    return nul ? (size_t)(nul - s) : n;
}

/* A header whose name and value are copied into one block: the name, its
 * NUL, the value, its NUL. One allocation and one free a header instead
 * of two. Like g_strndup, a copy stops at a NUL within its span, so the
 * value always starts right after the name's NUL (http_msg_serialize
 * relies on it). */
static http_header header_make(const char *name, size_t name_len, const char *value, size_t value_len)
{
    name_len = span_len(name, name_len);
    value_len = span_len(value, value_len);
    char *block = g_malloc(name_len + value_len + 2);
    memcpy(block, name, name_len);
    block[name_len] = '\0';
    memcpy(block + name_len + 1, value, value_len);
    block[name_len + 1 + value_len] = '\0';
    return (http_header){block, block + name_len + 1};
}

static http_msg *msg_alloc(bool is_request, int version)
{
    http_msg *m = g_new0(http_msg, 1);
    m->is_request = is_request;
    m->version = version;
    /* Room for a typical browser request's headers without regrowing. */
    m->headers = g_array_sized_new(FALSE, FALSE, sizeof(http_header), 16);
    g_array_set_clear_func(m->headers, header_clear);
    return m;
}

http_msg *http_msg_new_request(http_method method, const char *target, int version)
{
    http_msg *m = msg_alloc(true, version);
    m->method = method;
    m->method_str = g_strdup(http_method_name(method));
    m->target = g_strdup(target ? target : "/");
    return m;
}

http_msg *http_msg_new_request_len(const char *method, size_t method_len, const char *target,
                                   size_t target_len, int version)
{
    http_msg *m = msg_alloc(true, version);
    m->method_str = g_strndup(method, method_len);
    m->method = http_method_parse(m->method_str);
    m->target = g_strndup(target, target_len);
    return m;
}

http_msg *http_msg_new_response(int status, const char *reason, int version)
{
    http_msg *m = msg_alloc(false, version);
    m->status = status;
    m->reason = g_strdup(reason ? reason : http_reason(status));
    return m;
}

void http_msg_free(http_msg *m)
{
    if (!m)
        return;
    g_free(m->method_str);
    g_free(m->target);
    g_free(m->reason);
    g_array_free(m->headers, TRUE);
    g_free(m);
}

/* ---- headers ---------------------------------------------------------- */

void http_msg_add_len(http_msg *m, const char *name, size_t name_len, const char *value,
                      size_t value_len)
{
    http_header h = header_make(name, name_len, value, value_len);
    g_array_append_val(m->headers, h);
}

void http_msg_add(http_msg *m, const char *name, const char *value)
{
    if (!value)
        value = "";
    http_header h = header_make(name, strlen(name), value, strlen(value));
    g_array_append_val(m->headers, h);
}

void http_msg_addf(http_msg *m, const char *name, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *value = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    http_msg_add(m, name, value);
    g_free(value);
}

static inline char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c + ('a' - 'A')) : c; }

/* Whether two header names are equal ignoring ASCII case. The first
 * letters are compared here, which settles most of a lookup's
 * comparisons without a call. */
static inline bool name_is(const char *a, const char *b)
{
    return ascii_lower(a[0]) == ascii_lower(b[0]) && g_ascii_strcasecmp(a, b) == 0;
}

static http_header *header_at(const http_msg *m, guint i)
{
    return &g_array_index(m->headers, http_header, i);
}

void http_msg_set(http_msg *m, const char *name, const char *value)
{
    /* The first occurrence takes the new value in place, so the header
     * keeps its position; later occurrences go. */
    bool kept = false;
    for (guint i = 0; i < m->headers->len;) {
        http_header *h = header_at(m, i);
        if (!name_is(h->name, name)) {
            i++;
        } else if (!kept) {
            const char *v = value ? value : "";
            http_header nh = header_make(h->name, strlen(h->name), v, strlen(v));
            g_free(h->name);
            *h = nh;
            name = h->name; /* `name` may have pointed into the block just freed */
            kept = true;
            i++;
        } else {
            g_array_remove_index(m->headers, i);
        }
    }
    if (!kept)
        http_msg_add(m, name, value);
}

void http_msg_remove(http_msg *m, const char *name)
{
    for (guint i = 0; i < m->headers->len;) {
        if (name_is(header_at(m, i)->name, name))
            g_array_remove_index(m->headers, i); /* keeps the order of the rest */
        else
            i++;
    }
}

const char *http_msg_get(const http_msg *m, const char *name)
{
    for (guint i = 0; i < m->headers->len; i++) {
        const http_header *h = header_at(m, i);
        if (name_is(h->name, name))
            return h->value;
    }
    return NULL;
}

static bool is_ows(char c) { return c == ' ' || c == '\t'; }

/* Whether the comma-separated list `list` has an element equal to `token`
 * (case-insensitive), ignoring optional whitespace around elements and
 * empty elements, as RFC 9110 section 5.6.1 asks of recipients. */
static bool list_has_token(const char *list, const char *token)
{
    size_t tlen = strlen(token);
    const char *p = list;
    for (;;) {
        while (is_ows(*p))
            p++;
        const char *start = p;
        while (*p && *p != ',')
            p++;
        const char *end = p;
        while (end > start && is_ows(end[-1]))
            end--;
        if ((size_t)(end - start) == tlen && g_ascii_strncasecmp(start, token, tlen) == 0)
            return true;
        if (!*p)
            return false;
        p++; /* past the comma */
    }
}

bool http_msg_has_token(const http_msg *m, const char *name, const char *token)
{
    for (guint i = 0; i < m->headers->len; i++) {
        const http_header *h = header_at(m, i);
        if (name_is(h->name, name) && list_has_token(h->value, token))
            return true;
    }
    return false;
}

/* The keep-alive rule of RFC 9112 section 9.3 for one message on its own:
 * "close" always wins; 1.1 persists by default; 1.0 only when it asks for
 * "keep-alive" (the RFC 2068 convention the 1.0 world used). */
static bool own_keep_alive(const http_msg *m)
{
    if (m->version < 10)
        return false;
    if (http_msg_has_token(m, "Connection", "close"))
        return false;
    if (m->version == 10)
        return http_msg_has_token(m, "Connection", "keep-alive");
    return true;
}

bool http_msg_keep_alive(const http_msg *m, const http_msg *request)
{
    if (!own_keep_alive(m))
        return false;
    return request == NULL || own_keep_alive(request);
}

/* ---- wire form -------------------------------------------------------- */

/* "HTTP/d.d": versions are 10 and 11 (0.9 has no version on the wire);
 * any other value is written digit for digit all the same. */
static void append_version(GString *out, int version)
{
    if (version >= 0 && version < 100) {
        char v[8] = {'H', 'T', 'T', 'P', '/', (char)('0' + version / 10), '.', (char)('0' + version % 10)};
        g_string_append_len(out, v, sizeof v);
    } else {
        g_string_append_printf(out, "HTTP/%d.%d", version / 10, version % 10);
    }
}

/* Appends "name: value\r\n" in one growth of `out`. */
static void append_field(GString *out, const char *name, size_t nl, const char *value)
{
    size_t vl = strlen(value);
    gsize at = out->len;
    g_string_set_size(out, at + nl + vl + 4);
    char *p = out->str + at;
    memcpy(p, name, nl);
    p[nl] = ':';
    p[nl + 1] = ' ';
    memcpy(p + nl + 2, value, vl);
    p[nl + 2 + vl] = '\r';
    p[nl + 3 + vl] = '\n';
}

/* Appends a NUL-terminated string whose length is not known. */
static void append_str(GString *out, const char *s) { g_string_append_len(out, s, (gssize)strlen(s)); }

/* " 200 ": the status with three digits at least, as "%03d" writes it. */
static void append_status(GString *out, int status)
{
    if (status >= 0 && status <= 999) {
        char st[5] = {' ', (char)('0' + status / 100), (char)('0' + status / 10 % 10), (char)('0' + status % 10),
                      ' '};
        g_string_append_len(out, st, sizeof st);
    } else {
        g_string_append_printf(out, " %03d ", status);
    }
}

void http_msg_serialize(const http_msg *m, GString *out)
{
    if (m->is_request) {
        const char *method = m->method_str ? m->method_str : http_method_name(m->method);
        append_str(out, method);
        g_string_append_c(out, ' ');
        append_str(out, m->target ? m->target : "/");
        if (m->version < 10) {
            /* An HTTP/0.9 simple request is its request line, nothing more. */
            g_string_append_len(out, "\r\n", 2);
            return;
        }
        g_string_append_c(out, ' ');
        append_version(out, m->version);
    } else {
        if (m->version < 10)
            return; /* an HTTP/0.9 response is the body alone */
        append_version(out, m->version);
        append_status(out, m->status);
        append_str(out, m->reason ? m->reason : http_reason(m->status));
    }
    g_string_append_len(out, "\r\n", 2);
    for (guint i = 0; i < m->headers->len; i++) {
        const http_header *h = header_at(m, i);
        /* The value follows the name's NUL in the same block (header_make). */
        size_t nl = (size_t)(h->value - h->name) - 1;
        append_field(out, h->name, nl, h->value);
    }
    g_string_append_len(out, "\r\n", 2);
}

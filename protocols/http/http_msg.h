/*
 * http_msg: an HTTP/1.x message (request or response head) and its
 * serializer.
 *
 * A message keeps its headers in the order they came, with the names as
 * written (lookups ignore case), so that a parsed message serialises back
 * to the same bytes. Versions are numbers: 9 for HTTP/0.9, 10 for 1.0,
 * 11 for 1.1.
 *
 * Ownership: http_msg_new/http_msg_free; strings passed in are copied.
 */
#ifndef APPSIM_HTTP_MSG_H
#define APPSIM_HTTP_MSG_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    HTTP_M_UNKNOWN = 0, /* a syntactically valid token we do not implement */
    HTTP_M_GET,
    HTTP_M_HEAD,
    HTTP_M_POST,
    HTTP_M_PUT,
    HTTP_M_DELETE,
    HTTP_M_OPTIONS,
    HTTP_M_TRACE,
    HTTP_M_CONNECT,
} http_method;

const char *http_method_name(http_method m); /* "GET"...; "?" for unknown */
http_method http_method_parse(const char *token); /* case-sensitive, as RFC 9110 says */
/* The standard reason phrase of a status code ("OK", "Not Modified"...). */
const char *http_reason(int status);

/* One header. `name` and `value` share one allocation (the value follows
 * the name's NUL), owned by the message: read them, never free or
 * reassign them; change a message's headers through the functions
 * below. */
typedef struct {
    char *name;
    char *value;
} http_header;

typedef struct {
    bool is_request;
    /* request line */
    http_method method;
    char *method_str; /* as written */
    char *target;     /* as written: origin form "/a/b?q", absolute form "http://h/p", "*" */
    /* status line */
    int status;
    char *reason;
    int version;      /* 9, 10 or 11 */
    GArray *headers;  /* of http_header, in order */
} http_msg;

http_msg *http_msg_new_request(http_method m, const char *target, int version);
http_msg *http_msg_new_response(int status, const char *reason /* NULL: standard */, int version);
/* A request from two spans that need not be NUL-terminated (what a parser
 * has): the method as written, which also gives `method` (by
 * http_method_parse), and the target. Both are copied. */
http_msg *http_msg_new_request_len(const char *method, size_t method_len, const char *target,
                                   size_t target_len, int version);
void http_msg_free(http_msg *m);

/* Appends a header (name and value copied; no validation). */
void http_msg_add(http_msg *m, const char *name, const char *value);
void http_msg_addf(http_msg *m, const char *name, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
/* Appends a header from two spans that need not be NUL-terminated (what a
 * parser has); both are copied, no validation. */
void http_msg_add_len(http_msg *m, const char *name, size_t name_len, const char *value,
                      size_t value_len);
/* Replaces every header `name` by one with `value` (appends if absent).
 * `name` and `value` may point into `m` (a header's own name or value). */
void http_msg_set(http_msg *m, const char *name, const char *value);
void http_msg_remove(http_msg *m, const char *name);
/* The first value of `name` (case-insensitive), or NULL. */
const char *http_msg_get(const http_msg *m, const char *name);
/* True if a comma-separated header (Connection, Transfer-Encoding...) has
 * `token` among its elements, in any of its occurrences (case-insensitive). */
bool http_msg_has_token(const http_msg *m, const char *name, const char *token);

/* Whether the connection stays open after this message, by the rules of
 * its version: 1.1 unless "Connection: close"; 1.0 only with
 * "Connection: keep-alive"; 0.9 never. For a response the request's view
 * counts too: pass the request, or NULL. */
bool http_msg_keep_alive(const http_msg *m, const http_msg *request);

/* Appends the start line and headers, then the empty line, to `out`
 * ("Name: value\r\n" each). An HTTP/0.9 response has no head: nothing. */
void http_msg_serialize(const http_msg *m, GString *out);

#endif

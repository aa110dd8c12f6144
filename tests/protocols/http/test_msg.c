/* Tests of protocols/http/http_msg: methods, reasons, header lists,
 * keep-alive rules and the wire form. */
#include <glib.h>
#include <string.h>

#include "protocols/http/http_msg.h"
#include "test_util.h"

static void test_methods(void)
{
    static const struct {
        http_method m;
        const char *name;
    } known[] = {
        {HTTP_M_GET, "GET"},     {HTTP_M_HEAD, "HEAD"},       {HTTP_M_POST, "POST"},
        {HTTP_M_PUT, "PUT"},     {HTTP_M_DELETE, "DELETE"},   {HTTP_M_OPTIONS, "OPTIONS"},
        {HTTP_M_TRACE, "TRACE"}, {HTTP_M_CONNECT, "CONNECT"},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(known); i++) {
        CU_ASSERT_STRING_EQUAL(http_method_name(known[i].m), known[i].name);
        CU_ASSERT_EQUAL(http_method_parse(known[i].name), known[i].m);
    }
    CU_ASSERT_STRING_EQUAL(http_method_name(HTTP_M_UNKNOWN), "?");
    CU_ASSERT_STRING_EQUAL(http_method_name((http_method)99), "?");
    CU_ASSERT_EQUAL(http_method_parse("get"), HTTP_M_UNKNOWN); /* case-sensitive */
    CU_ASSERT_EQUAL(http_method_parse("PATCH"), HTTP_M_UNKNOWN);
    CU_ASSERT_EQUAL(http_method_parse(""), HTTP_M_UNKNOWN);
    CU_ASSERT_EQUAL(http_method_parse("?"), HTTP_M_UNKNOWN);
    CU_ASSERT_EQUAL(http_method_parse(NULL), HTTP_M_UNKNOWN);
}

static void test_reasons(void)
{
    /* The codes the slides list, with RFC 9110's phrases. */
    static const struct {
        int status;
        const char *reason;
    } table[] = {
        {100, "Continue"},
        {200, "OK"},
        {206, "Partial Content"},
        {301, "Moved Permanently"},
        {304, "Not Modified"},
        {400, "Bad Request"},
        {401, "Unauthorized"},
        {403, "Forbidden"},
        {404, "Not Found"},
        {413, "Content Too Large"},
        {414, "URI Too Long"},
        {431, "Request Header Fields Too Large"},
        {500, "Internal Server Error"},
        {501, "Not Implemented"},
        {505, "HTTP Version Not Supported"},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(table); i++)
        CU_ASSERT_STRING_EQUAL(http_reason(table[i].status), table[i].reason);
    CU_ASSERT_STRING_EQUAL(http_reason(299), "Unknown");
    CU_ASSERT_STRING_EQUAL(http_reason(0), "Unknown");
    CU_ASSERT_STRING_EQUAL(http_reason(-1), "Unknown");
    CU_ASSERT_STRING_EQUAL(http_reason(1000), "Unknown");
}

static char *serialize(const http_msg *m)
{
    GString *out = g_string_new(NULL);
    http_msg_serialize(m, out);
    return g_string_free(out, FALSE);
}

static void test_headers(void)
{
    http_msg *m = http_msg_new_request(HTTP_M_GET, "/x", 11);
    http_msg_add(m, "Host", "example.com");
    http_msg_add(m, "Accept", "text/html");
    http_msg_add(m, "accept", "image/png");
    http_msg_addf(m, "Content-Length", "%d", 42);
    http_msg_add_len(m, "X-Spanxx", 6, "value!!", 5);
    CU_ASSERT_EQUAL(m->headers->len, 5);
    CU_ASSERT_STRING_EQUAL(http_msg_get(m, "HOST"), "example.com");
    CU_ASSERT_STRING_EQUAL(http_msg_get(m, "Accept"), "text/html"); /* the first */
    CU_ASSERT_STRING_EQUAL(http_msg_get(m, "content-length"), "42");
    CU_ASSERT_STRING_EQUAL(http_msg_get(m, "x-span"), "value");
    CU_ASSERT_PTR_NULL(http_msg_get(m, "Cookie"));

    /* set: replaces every occurrence, keeping the first one's place. */
    http_msg_set(m, "ACCEPT", "*/*");
    CU_ASSERT_EQUAL(m->headers->len, 4);
    char *s = serialize(m);
    CU_ASSERT_STRING_EQUAL(s, "GET /x HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n"
                              "Content-Length: 42\r\nX-Span: value\r\n\r\n");
    g_free(s);
    /* set of a header that is not there appends it. */
    http_msg_set(m, "Connection", "close");
    CU_ASSERT_STRING_EQUAL(g_array_index(m->headers, http_header, 4).name, "Connection");

    /* remove: every occurrence, the order of the rest kept. */
    http_msg_add(m, "accept", "again");
    http_msg_remove(m, "Accept");
    http_msg_remove(m, "Not-There");
    s = serialize(m);
    CU_ASSERT_STRING_EQUAL(s, "GET /x HTTP/1.1\r\nHost: example.com\r\nContent-Length: 42\r\n"
                              "X-Span: value\r\nConnection: close\r\n\r\n");
    g_free(s);

    /* set with a name and a value that point into the message itself:
     * the first occurrence's block is replaced before the later ones are
     * compared (the name read after it is the new block's). */
    http_msg_add(m, "x-span", "second");
    http_msg_set(m, g_array_index(m->headers, http_header, 2).name, g_array_index(m->headers, http_header, 4).value);
    s = serialize(m);
    CU_ASSERT_STRING_EQUAL(s, "GET /x HTTP/1.1\r\nHost: example.com\r\nContent-Length: 42\r\n"
                              "X-Span: second\r\nConnection: close\r\n\r\n");
    g_free(s);
    http_msg_free(m);
    http_msg_free(NULL);
}

static void test_has_token(void)
{
    http_msg *m = http_msg_new_response(200, NULL, 11);
    http_msg_add(m, "Connection", "Keep-Alive, Upgrade");
    http_msg_add(m, "Transfer-Encoding", "gzip ,\tchunked");
    http_msg_add(m, "connection", " ,, TE ,");
    CU_ASSERT_TRUE(http_msg_has_token(m, "connection", "keep-alive"));
    CU_ASSERT_TRUE(http_msg_has_token(m, "Connection", "upgrade"));
    CU_ASSERT_TRUE(http_msg_has_token(m, "Connection", "te")); /* the second occurrence */
    CU_ASSERT_FALSE(http_msg_has_token(m, "Connection", "close"));
    CU_ASSERT_FALSE(http_msg_has_token(m, "Connection", "keep")); /* whole elements only */
    CU_ASSERT_TRUE(http_msg_has_token(m, "Transfer-Encoding", "chunked"));
    CU_ASSERT_TRUE(http_msg_has_token(m, "Transfer-Encoding", "GZIP"));
    CU_ASSERT_FALSE(http_msg_has_token(m, "Content-Encoding", "gzip"));
    http_msg_free(m);
}

/* http_msg_keep_alive by version and Connection header, for a request on
 * its own and for a response together with its request. */
static void test_keep_alive(void)
{
    static const struct {
        int version;
        const char *connection; /* NULL: no Connection header */
        bool keep;
    } alone[] = {
        {11, NULL, true},
        {11, "close", false},
        {11, "Close", false},
        {11, "keep-alive", true},
        {11, "Upgrade, close", false},
        {10, NULL, false},
        {10, "keep-alive", true},
        {10, "Keep-Alive", true},
        {10, "close", false},
        {10, "keep-alive, close", false},
        {9, NULL, false},
        {9, "keep-alive", false},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(alone); i++) {
        http_msg *req = http_msg_new_request(HTTP_M_GET, "/", alone[i].version);
        http_msg *resp = http_msg_new_response(200, NULL, alone[i].version);
        if (alone[i].connection) {
            http_msg_add(req, "Connection", alone[i].connection);
            http_msg_add(resp, "Connection", alone[i].connection);
        }
        CU_ASSERT_EQUAL(http_msg_keep_alive(req, NULL), alone[i].keep);
        CU_ASSERT_EQUAL(http_msg_keep_alive(resp, NULL), alone[i].keep);
        http_msg_free(req);
        http_msg_free(resp);
    }

    /* A response persists only if its request allows it too. */
    static const struct {
        int req_version;
        const char *req_connection;
        int resp_version;
        const char *resp_connection;
        bool keep;
    } pairs[] = {
        {11, NULL, 11, NULL, true},          {11, "close", 11, NULL, false},
        {11, NULL, 11, "close", false},      {10, NULL, 11, NULL, false},
        {10, "keep-alive", 11, NULL, true},  {10, "keep-alive", 10, "keep-alive", true},
        {10, "keep-alive", 10, NULL, false}, {11, NULL, 10, NULL, false},
        {11, NULL, 10, "Keep-Alive", true},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(pairs); i++) {
        http_msg *req = http_msg_new_request(HTTP_M_GET, "/", pairs[i].req_version);
        http_msg *resp = http_msg_new_response(200, NULL, pairs[i].resp_version);
        if (pairs[i].req_connection)
            http_msg_add(req, "Connection", pairs[i].req_connection);
        if (pairs[i].resp_connection)
            http_msg_add(resp, "Connection", pairs[i].resp_connection);
        CU_ASSERT_EQUAL(http_msg_keep_alive(resp, req), pairs[i].keep);
        http_msg_free(req);
        http_msg_free(resp);
    }
}

static void test_serialize(void)
{
    http_msg *m = http_msg_new_response(404, NULL, 10);
    http_msg_add(m, "Content-Length", "0");
    char *s = serialize(m);
    CU_ASSERT_STRING_EQUAL(s, "HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n");
    g_free(s);
    http_msg_free(m);

    m = http_msg_new_response(299, "Custom Thing", 11);
    s = serialize(m);
    CU_ASSERT_STRING_EQUAL(s, "HTTP/1.1 299 Custom Thing\r\n\r\n");
    g_free(s);
    http_msg_free(m);

    /* An HTTP/0.9 response has no head; a 0.9 request is its line. */
    m = http_msg_new_response(200, NULL, 9);
    s = serialize(m);
    CU_ASSERT_STRING_EQUAL(s, "");
    g_free(s);
    http_msg_free(m);
    m = http_msg_new_request(HTTP_M_GET, "/old", 9);
    s = serialize(m);
    CU_ASSERT_STRING_EQUAL(s, "GET /old\r\n");
    g_free(s);
    http_msg_free(m);

    /* Requests: the method as written, absolute-form targets as given. */
    m = http_msg_new_request(HTTP_M_HEAD, "http://www.someschool.edu/x.gif", 11);
    CU_ASSERT_STRING_EQUAL(m->method_str, "HEAD");
    http_msg_add(m, "Host", "www.someschool.edu");
    s = serialize(m);
    CU_ASSERT_STRING_EQUAL(s, "HEAD http://www.someschool.edu/x.gif HTTP/1.1\r\n"
                              "Host: www.someschool.edu\r\n\r\n");
    g_free(s);
    g_free(m->method_str);
    m->method_str = g_strdup("BREW");
    m->method = HTTP_M_UNKNOWN;
    s = serialize(m);
    CU_ASSERT_TRUE(g_str_has_prefix(s, "BREW http://"));
    g_free(s);
    http_msg_free(m);

    /* serialize appends. */
    GString *out = g_string_new("before|");
    m = http_msg_new_response(204, NULL, 11);
    http_msg_serialize(m, out);
    CU_ASSERT_STRING_EQUAL(out->str, "before|HTTP/1.1 204 No Content\r\n\r\n");
    g_string_free(out, TRUE);
    http_msg_free(m);
}

int main(void)
{
    static const test_case tests[] = {
        TEST(test_methods),   TEST(test_reasons),    TEST(test_headers),
        TEST(test_has_token), TEST(test_keep_alive), TEST(test_serialize),
    };
    return test_main("protocols/http/msg", tests, G_N_ELEMENTS(tests));
}

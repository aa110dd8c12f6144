/*
 * Fuzz target webmail: the web-mail front end (protocols/webmail/)
 * answering any request: its target, its credentials and its form body.
 *
 * Input: the first byte picks the method (even GET, odd POST, a multiple
 * of 5 HEAD); then up to the first newline the request target, up to the
 * second the Authorization header's value, and the rest is the body (sent
 * as a form). The store, made once, holds bob's mailbox (password
 * "hunter2") with a plain message, a multipart with an attachment and a
 * message whose subject and body carry <script>.
 *
 * Invariants:
 *   - every answer has a status among those webmail.h lists and a body;
 *   - a 401 carries WWW-Authenticate, a 405 Allow, a 303 Location;
 *   - no HTML page of the site holds "<script" (everything from messages
 *     and requests is escaped); a message's part, served as it is, always
 *     goes as an attachment with nosniff;
 *   - form decoding either fails or gives valid UTF-8 names and values;
 *   - the whole input escaped (seam/html_escape.h, the escaper of every
 *     page) is valid UTF-8 with no < > " ' and no control byte but tab,
 *     LF and CR, and every & starts a character reference.
 */
#include <glib.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/fuzz_check.h"
#include "protocols/webmail/webmail.h"
#include "protocols/webmail/webmail_form.h"
#include "seam/html_escape.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const messages[] = {
    "From: alice@crepes.fr\r\nSubject: Lunch\r\n\r\nShall we?\r\n",
    "From: alice@crepes.fr\r\nSubject: Photos\r\nMIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"XX\"\r\n\r\n--XX\r\nContent-Type: text/plain\r\n\r\nSee.\r\n"
    "--XX\r\nContent-Type: text/html\r\nContent-Disposition: attachment; filename=\"<script>.html\"\r\n\r\n"
    "<script>x()</script>\r\n--XX--\r\n",
    "From: \"<script>\" <eve@evil.example>\r\nSubject: <script>alert(1)</script>\r\n\r\n<script>y()</script>\r\n",
};

static mail_store *store_once(void)
{
    static mail_store *st;
    if (!st) {
        st = mail_store_new();
        mail_store_add_user(st, "bob", "hunter2", NULL);
        for (size_t i = 0; i < G_N_ELEMENTS(messages); i++) {
            GBytes *b = g_bytes_new_static(messages[i], strlen(messages[i]));
            mail_store_deliver(st, "bob", b, 0, NULL);
            g_bytes_unref(b);
        }
    }
    return st;
}

static bool take(void *ud, const char *from, const char *const *to, GBytes *msg)
{
    (void)ud;
    (void)from;
    (void)msg;
    return to[0] != NULL;
}

static void check_form(const uint8_t *body, size_t len)
{
    GHashTable *t = webmail_form_decode((const char *)body, len);
    if (!t)
        return;
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init(&it, t);
    while (g_hash_table_iter_next(&it, &k, &v))
        FUZZ_CHECK(g_utf8_validate(k, -1, NULL) && g_utf8_validate(v, -1, NULL), "a field that is not UTF-8");
    g_hash_table_unref(t);
}

static void check_escape(const uint8_t *data, size_t size)
{
    GString *e = g_string_new("");
    html_escape_append(e, (const char *)data, (gssize)size);
    FUZZ_CHECK(g_utf8_validate(e->str, (gssize)e->len, NULL), "escaped text that is not UTF-8");
    for (gsize i = 0; i < e->len; i++) {
        unsigned char c = (unsigned char)e->str[i];
        FUZZ_CHECK(!strchr("<>\"'", c) || !c, "an unescaped %c", c);
        FUZZ_CHECK(c >= 0x20 ? c != 0x7f : c == '\t' || c == '\n' || c == '\r', "a control byte %#x", c);
        if (c == '&') {
            const char *semi = memchr(e->str + i, ';', MIN(e->len - i, (gsize)6));
            FUZZ_CHECK(semi != NULL, "a bare &");
        }
    }
    g_string_free(e, TRUE);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    http_method m = data[0] % 5 == 0 ? HTTP_M_HEAD : data[0] % 2 ? HTTP_M_POST : HTTP_M_GET;
    const uint8_t *p = data + 1, *end = data + size;
    const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
    char *target = fuzz_cstring(p, nl ? (size_t)(nl - p) : (size_t)(end - p));
    p = nl ? nl + 1 : end;
    nl = memchr(p, '\n', (size_t)(end - p));
    char *auth = fuzz_cstring(p, nl ? (size_t)(nl - p) : (size_t)(end - p));
    p = nl ? nl + 1 : end;
    http_msg *req = http_msg_new_request(m, target, 11);
    http_msg_add(req, "Authorization", auth);
    http_msg_add(req, "Content-Type", "application/x-www-form-urlencoded");
    webmail_config c;
    webmail_config_default(&c);
    c.page_size = 2;
    webmail_response r;
    webmail_handle(&c, store_once(), req, p, (uint64_t)(end - p), 1796000000, take, NULL, &r);
    static const int ok[] = {200, 303, 400, 401, 404, 405, 413, 415, 503};
    bool known = false;
    for (size_t i = 0; i < G_N_ELEMENTS(ok); i++)
        known = known || r.status == ok[i];
    FUZZ_CHECK(known, "status %d", r.status);
    FUZZ_CHECK(r.body != NULL, "no body");
    FUZZ_CHECK(r.status != 401 || r.www_authenticate, "401 without WWW-Authenticate");
    FUZZ_CHECK(r.status != 405 || r.allow, "405 without Allow");
    FUZZ_CHECK(r.status != 303 || r.location, "303 without Location");
    FUZZ_CHECK(!r.disposition || (r.nosniff && !strcmp(r.disposition, "attachment")),
               "a part served without attachment and nosniff");
    if (r.content_type && g_str_has_prefix(r.content_type, "text/html") && !r.disposition) {
        gsize n;
        const char *b = g_bytes_get_data(r.body, &n);
        FUZZ_CHECK(!fuzz_contains(b, n, "<script", 7), "a page with <script");
    }
    check_form(p, (size_t)(end - p));
    check_escape(data, size);
    webmail_response_clear(&r);
    http_msg_free(req);
    g_free(target);
    g_free(auth);
    return 0;
}

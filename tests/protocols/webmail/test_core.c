/*
 * The web-mail core (protocols/webmail/webmail.h) alone, without a
 * network: a store with bob's mail (plain text, quoted-printable, a
 * multipart with a base64 attachment, a subject with <script>, a message
 * that does not parse), then every page and every error status.
 *
 * - The inbox lists every message newest first, escaped (no "<script>"
 *   survives), with one link per message, as HTML5; paging splits it.
 * - A message page decodes its text (QP), lists its attachment with its
 *   decoded size, and marks the message \Seen; the part page gives the
 *   attachment's decoded bytes with its type, as an attachment.
 * - Authentication: no header, another scheme, bad base64, no colon, a
 *   wrong password and an unknown user all get the same 401.
 * - Forms: percent-escapes, '+', bad escapes, NUL, not UTF-8; a send
 *   builds an RFC 5322 message that MIME parses back.
 * - 400, 404, 405, 413, 415, 503 where due.
 */
#include <glib.h>
#include <string.h>

#include "protocols/mime/mime_codec.h"
#include "protocols/mime/mime_msg.h"
#include "protocols/webmail/webmail.h"
#include "protocols/webmail/webmail_form.h"
#include "seam/html_escape.h"
#include "test_util.h"

static const char plain_msg[] = "From: Alice <alice@crepes.fr>\r\nTo: bob@hamburger.edu\r\n"
                                "Subject: Lunch\r\nDate: Sun, 29 Nov 2026 10:00:00 +0000\r\n\r\n"
                                "Shall we?\r\n";
static const char qp_msg[] = "From: carol@example.org\r\nSubject: =?UTF-8?Q?caf=C3=A9?=\r\n"
                             "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
                             "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
                             "Un caf=C3=A9 & <b>un</b> th=C3=A9=\r\n, merci.\r\n";
static const char hostile_msg[] = "From: \"<img src=x onerror=alert(1)>\" <eve@evil.example>\r\n"
                                  "Subject: <script>alert('hi')</script>\r\n\r\n"
                                  "</pre><script>steal()</script>\r\n";
static const char multi_msg[] = "From: alice@crepes.fr\r\nSubject: Photos\r\nMIME-Version: 1.0\r\n"
                                "Content-Type: multipart/mixed; boundary=\"XX\"\r\n\r\n"
                                "--XX\r\nContent-Type: text/plain\r\n\r\nSee the photo.\r\n"
                                "--XX\r\nContent-Type: image/jpeg\r\nContent-Transfer-Encoding: base64\r\n"
                                "Content-Disposition: attachment; filename=\"a<b>.jpg\"\r\n\r\n"
                                "AAECAwQFBgcICQ==\r\n--XX--\r\n";
static const char broken_msg[] = "no colon in this header line\r\n\r\nbody <here>\r\n";

static mail_store *store;
static GPtrArray *sent; /* of GBytes, what the send callback was handed */
static GPtrArray *sent_to;

static void add(const char *m)
{
    GBytes *b = g_bytes_new(m, strlen(m));
    mail_store_deliver(store, "bob", b, 0, NULL);
    g_bytes_unref(b);
}

static int setup(void)
{
    store = mail_store_new();
    mail_store_add_user(store, "bob", "hunter2", NULL);
    mail_store_add_user(store, "alice", "secret", NULL);
    add(plain_msg);   /* uid 1 */
    add(qp_msg);      /* uid 2 */
    add(hostile_msg); /* uid 3 */
    add(multi_msg);   /* uid 4 */
    add(broken_msg);  /* uid 5 */
    sent = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
    sent_to = g_ptr_array_new_with_free_func(g_free);
    return 0;
}

static bool take(void *ud, const char *from, const char *const *to, GBytes *msg)
{
    (void)from;
    if (ud)
        return false;
    g_ptr_array_add(sent, g_bytes_ref(msg));
    for (int i = 0; to[i]; i++)
        g_ptr_array_add(sent_to, g_strdup(to[i]));
    return true;
}

static char *basic(const char *user_pass)
{
    char *b64 = g_base64_encode((const guchar *)user_pass, strlen(user_pass));
    char *h = g_strdup_printf("Basic %s", b64);
    g_free(b64);
    return h;
}

/* Runs one request; `auth` "user:password" or NULL; `ctype` and `body`
 * for a POST. The body, NUL-terminated, in *page. */
static int run_req(const webmail_config *c, http_method m, const char *target, const char *auth, const char *ctype,
                   const char *body, void *ud, webmail_response *r)
{
    http_msg *req = http_msg_new_request(m, target, 11);
    if (auth) {
        char *h = basic(auth);
        http_msg_add(req, "Authorization", h);
        g_free(h);
    }
    if (ctype)
        http_msg_add(req, "Content-Type", ctype);
    webmail_handle(c, store, req, (const uint8_t *)body, body ? strlen(body) : 0, 1796000000, take, ud, r);
    http_msg_free(req);
    return r->status;
}

static char *text_of(const webmail_response *r)
{
    gsize n;
    const char *p = g_bytes_get_data(r->body, &n);
    return g_strndup(p ? p : "", n);
}

static int get(const char *target, const char *auth, char **page)
{
    webmail_config c;
    webmail_config_default(&c);
    webmail_response r;
    int st = run_req(&c, HTTP_M_GET, target, auth, NULL, NULL, NULL, &r);
    if (page)
        *page = text_of(&r);
    webmail_response_clear(&r);
    return st;
}

static guint count_of(const char *hay, const char *needle)
{
    guint n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

static void test_inbox(void)
{
    char *page = NULL;
    CU_ASSERT_EQUAL(get("/mail/", "bob:hunter2", &page), 200);
    CU_ASSERT(g_str_has_prefix(page, "<!DOCTYPE html>\n<html lang=\"en\">"));
    CU_ASSERT(g_str_has_suffix(page, "</html>\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(page, "<meta charset=\"utf-8\">"));
    CU_ASSERT_EQUAL(count_of(page, "<a href=\"/mail/msg/"), 5);
    /* newest first */
    CU_ASSERT(strstr(page, "/mail/msg/5\"") < strstr(page, "/mail/msg/1\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(page, "Alice &lt;alice@crepes.fr&gt;"));
    CU_ASSERT_PTR_NOT_NULL(strstr(page, "café"));
    CU_ASSERT_PTR_NOT_NULL(strstr(page, "&lt;script&gt;alert(&#39;hi&#39;)&lt;/script&gt;"));
    CU_ASSERT_PTR_NULL(strstr(page, "<script"));
    CU_ASSERT_PTR_NULL(strstr(page, "<img"));
    CU_ASSERT_PTR_NOT_NULL(strstr(page, "<form method=\"post\" action=\"/mail/send\">"));
    CU_ASSERT_PTR_NOT_NULL(strstr(page, "5 messages"));
    g_free(page);
    CU_ASSERT_EQUAL(get("/mail", "bob:hunter2", NULL), 200);
    CU_ASSERT_EQUAL(get("/mail/inbox?page=1", "bob:hunter2", NULL), 200);
    CU_ASSERT_EQUAL(get("http://mail.example/mail/inbox", "bob:hunter2", NULL), 200);
    /* alice's empty mailbox */
    CU_ASSERT_EQUAL(get("/mail/inbox", "alice:secret", &page), 200);
    CU_ASSERT_EQUAL(count_of(page, "/mail/msg/"), 0);
    g_free(page);
}

static void test_paging(void)
{
    webmail_config c;
    webmail_config_default(&c);
    c.page_size = 2;
    webmail_response r;
    CU_ASSERT_EQUAL(run_req(&c, HTTP_M_GET, "/mail/inbox?page=2", "bob:hunter2", NULL, NULL, NULL, &r), 200);
    char *page = text_of(&r);
    CU_ASSERT_EQUAL(count_of(page, "<td><a href=\"/mail/msg/"), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(page, "/mail/msg/3\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(page, "/mail/msg/2\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(page, "?page=1\">newer"));
    CU_ASSERT_PTR_NOT_NULL(strstr(page, "?page=3\">older"));
    g_free(page);
    webmail_response_clear(&r);
    CU_ASSERT_EQUAL(run_req(&c, HTTP_M_GET, "/mail/inbox?page=3", "bob:hunter2", NULL, NULL, NULL, &r), 200);
    page = text_of(&r);
    CU_ASSERT_EQUAL(count_of(page, "<td><a href=\"/mail/msg/"), 1);
    CU_ASSERT_PTR_NULL(strstr(page, "older"));
    g_free(page);
    webmail_response_clear(&r);
    CU_ASSERT_EQUAL(run_req(&c, HTTP_M_GET, "/mail/inbox?page=4", "bob:hunter2", NULL, NULL, NULL, &r), 404);
    webmail_response_clear(&r);
    const char *bad[] = {"/mail/inbox?page=0", "/mail/inbox?page=x", "/mail/inbox?page=", "/mail/inbox?page=-1",
                         "/mail/inbox?page=99999999"};
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        CU_ASSERT_EQUAL(run_req(&c, HTTP_M_GET, bad[i], "bob:hunter2", NULL, NULL, NULL, &r), 400);
        webmail_response_clear(&r);
    }
}

static void test_message_pages(void)
{
    char *page = NULL;
    GError *err = NULL;
    mail_folder *f = mail_store_folder(store, "bob", "INBOX", &err);
    CU_ASSERT_FALSE(mail_folder_msg(f, 1)->flags & MAIL_FLAG_SEEN);
    CU_ASSERT_EQUAL(get("/mail/msg/2", "bob:hunter2", &page), 200);
    CU_ASSERT(mail_folder_msg(f, 1)->flags & MAIL_FLAG_SEEN);
    CU_ASSERT_PTR_NOT_NULL(strstr(page, "Un café &amp; &lt;b&gt;un&lt;/b&gt; thé, merci."));
    CU_ASSERT_PTR_NOT_NULL(strstr(page, "<th>Subject</th><td>café</td>"));
    g_free(page);
    CU_ASSERT_EQUAL(get("/mail/msg/3", "bob:hunter2", &page), 200);
    CU_ASSERT_PTR_NULL(strstr(page, "<script"));
    CU_ASSERT_PTR_NULL(strstr(page, "<img"));
    CU_ASSERT_PTR_NOT_NULL(strstr(page, "&lt;/pre&gt;&lt;script&gt;steal()"));
    g_free(page);
    CU_ASSERT_EQUAL(get("/mail/msg/4", "bob:hunter2", &page), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(page, "See the photo."));
    CU_ASSERT_PTR_NOT_NULL(strstr(page, "<a href=\"/mail/msg/4/part/2\">a&lt;b&gt;.jpg</a> image/jpeg, 10 bytes"));
    g_free(page);
    CU_ASSERT_EQUAL(get("/mail/msg/5", "bob:hunter2", &page), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(page, "body &lt;here&gt;"));
    g_free(page);
    /* the attachment's bytes */
    webmail_config c;
    webmail_config_default(&c);
    webmail_response r;
    CU_ASSERT_EQUAL(run_req(&c, HTTP_M_GET, "/mail/msg/4/part/2", "bob:hunter2", NULL, NULL, NULL, &r), 200);
    CU_ASSERT_STRING_EQUAL(r.content_type, "image/jpeg");
    CU_ASSERT_STRING_EQUAL(r.disposition, "attachment");
    CU_ASSERT(r.nosniff);
    static const uint8_t want[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    gsize n;
    const uint8_t *p = g_bytes_get_data(r.body, &n);
    CU_ASSERT_EQUAL(n, 10);
    CU_ASSERT(n == 10 && !memcmp(p, want, 10));
    webmail_response_clear(&r);
    CU_ASSERT_EQUAL(get("/mail/msg/4/part/1", "bob:hunter2", NULL), 200);
    const char *missing[] = {"/mail/msg/4/part/3", "/mail/msg/4/part/0", "/mail/msg/4/part/", "/mail/msg/4/x",
                             "/mail/msg/99",       "/mail/msg/0",        "/mail/msg/abc",      "/mail/msg/",
                             "/mail/msg/5/part/1", "/mail/msg/99999999999", "/mail/other", "/index.html",
                             "/mailbox"};
    for (size_t i = 0; i < G_N_ELEMENTS(missing); i++) {
        int st = get(missing[i], "bob:hunter2", NULL);
        if (st != 404)
            printf("\n    %s: %d\n", missing[i], st);
        CU_ASSERT_EQUAL(st, 404);
    }
    g_clear_error(&err);
}

static void test_auth(void)
{
    char *first = NULL;
    webmail_config c;
    webmail_config_default(&c);
    webmail_response r;
    CU_ASSERT_EQUAL(run_req(&c, HTTP_M_GET, "/mail/", NULL, NULL, NULL, NULL, &r), 401);
    CU_ASSERT_STRING_EQUAL(r.www_authenticate, "Basic realm=\"appsim web mail\", charset=\"UTF-8\"");
    first = text_of(&r);
    webmail_response_clear(&r);
    const char *creds[] = {"bob:wrong", "mallory:hunter2", "bob", "bob:", ":hunter2", "bob:hunter2x"};
    for (size_t i = 0; i < G_N_ELEMENTS(creds); i++) {
        CU_ASSERT_EQUAL(run_req(&c, HTTP_M_GET, "/mail/", creds[i], NULL, NULL, NULL, &r), 401);
        char *page = text_of(&r);
        CU_ASSERT_STRING_EQUAL(page, first); /* the same answer every time */
        CU_ASSERT_PTR_NOT_NULL(r.www_authenticate);
        g_free(page);
        webmail_response_clear(&r);
    }
    /* "Basic \r\r" decodes to nothing at all (found by fuzz_webmail) */
    const char *headers[] = {"Bearer abc", "Basic", "Basic !!!!", "Basicx Ym9iOmh1bnRlcjI=", "Basic Ym9i", "Basic \r\r"};
    for (size_t i = 0; i < G_N_ELEMENTS(headers); i++) {
        http_msg *req = http_msg_new_request(HTTP_M_GET, "/mail/", 11);
        http_msg_add(req, "Authorization", headers[i]);
        webmail_handle(&c, store, req, NULL, 0, 0, NULL, NULL, &r);
        CU_ASSERT_EQUAL(r.status, 401);
        webmail_response_clear(&r);
        http_msg_free(req);
    }
    /* the scheme's name in any case, and the account served alone */
    http_msg *req = http_msg_new_request(HTTP_M_GET, "/mail/", 11);
    http_msg_add(req, "Authorization", "bAsIc   Ym9iOmh1bnRlcjI=  ");
    webmail_handle(&c, store, req, NULL, 0, 0, NULL, NULL, &r);
    CU_ASSERT_EQUAL(r.status, 200);
    CU_ASSERT_STRING_EQUAL(r.user, "bob");
    webmail_response_clear(&r);
    http_msg_free(req);
    c.user = "bob";
    CU_ASSERT_EQUAL(run_req(&c, HTTP_M_GET, "/mail/", "alice:secret", NULL, NULL, NULL, &r), 401);
    webmail_response_clear(&r);
    /* no store at all */
    req = http_msg_new_request(HTTP_M_GET, "/mail/", 11);
    webmail_handle(&c, NULL, req, NULL, 0, 0, NULL, NULL, &r);
    CU_ASSERT_EQUAL(r.status, 401);
    webmail_response_clear(&r);
    http_msg_free(req);
    g_free(first);
}

static void form_is(const char *body, const char *name, const char *value)
{
    GHashTable *t = webmail_form_decode(body, strlen(body));
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    const char *v = g_hash_table_lookup(t, name);
    CU_ASSERT_PTR_NOT_NULL(v);
    if (v && strcmp(v, value))
        printf("\n    %s: \"%s\", expected \"%s\"\n", name, v, value);
    CU_ASSERT(v && !strcmp(v, value));
    g_hash_table_unref(t);
}

static void test_form(void)
{
    form_is("to=bob%40hamburger.edu&subject=Hi+there", "to", "bob@hamburger.edu");
    form_is("to=bob%40hamburger.edu&subject=Hi+there", "subject", "Hi there");
    form_is("a=%2B%25%26%3D&b=1", "a", "+%&=");
    form_is("a=caf%C3%A9", "a", "café");
    form_is("a=1&a=2", "a", "1");
    form_is("&&a&b=", "a", "");
    form_is("x=a=b", "x", "a=b");
    form_is("%41=%62", "A", "b");
    const char *bad[] = {"a=%", "a=%4", "a=%zz", "a=%4g", "a=%00", "a=%C3", "%=1", "a=%FF%FE"};
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        GHashTable *t = webmail_form_decode(bad[i], strlen(bad[i]));
        if (t)
            printf("\n    accepted \"%s\"\n", bad[i]);
        CU_ASSERT_PTR_NULL(t);
        if (t)
            g_hash_table_unref(t);
    }
    GString *many = g_string_new(NULL);
    for (int i = 0; i <= WEBMAIL_FORM_MAX_FIELDS; i++)
        g_string_append_printf(many, "f%d=1&", i);
    CU_ASSERT_PTR_NULL(webmail_form_decode(many->str, many->len));
    g_string_free(many, TRUE);
    GHashTable *t = webmail_form_decode("", 0);
    CU_ASSERT_EQUAL(g_hash_table_size(t), 0);
    g_hash_table_unref(t);
    GString *e = g_string_new(NULL);
    html_escape_append(e, "a<b>&\"'\x01\x7f\xff", 10);
    CU_ASSERT_STRING_EQUAL(e->str, "a&lt;b&gt;&amp;&quot;&#39;??\xef\xbf\xbd");
    g_string_free(e, TRUE);
}

static void test_send(void)
{
    webmail_config c;
    webmail_config_default(&c);
    c.domain = "hamburger.edu";
    webmail_response r;
    const char *form = "to=alice%40crepes.fr%2C+carol%40example.org&subject=Re%3A+Lunch%0D%0ABcc%3A+x%40y.z"
                       "&body=Yes%21%0D%0ASee+you+at+noon.";
    CU_ASSERT_EQUAL(run_req(&c, HTTP_M_POST, "/mail/send", "bob:hunter2", "application/x-www-form-urlencoded", form,
                            NULL, &r),
                    303);
    CU_ASSERT_STRING_EQUAL(r.location, "/mail/inbox");
    webmail_response_clear(&r);
    CU_ASSERT_EQUAL_FATAL(sent->len, 1);
    CU_ASSERT_EQUAL(sent_to->len, 2);
    CU_ASSERT_STRING_EQUAL(g_ptr_array_index(sent_to, 0), "alice@crepes.fr");
    CU_ASSERT_STRING_EQUAL(g_ptr_array_index(sent_to, 1), "carol@example.org");
    gsize n;
    const uint8_t *p = g_bytes_get_data(g_ptr_array_index(sent, 0), &n);
    mime_msg *m = NULL;
    CU_ASSERT_EQUAL_FATAL(mime_msg_parse(p, n, &m, NULL), MIME_OK);
    CU_ASSERT_STRING_EQUAL(mime_part_header(m->root, "From"), "bob@hamburger.edu");
    CU_ASSERT_PTR_NOT_NULL(strstr(mime_part_header(m->root, "To"), "carol@example.org"));
    CU_ASSERT_STRING_EQUAL(mime_part_header(m->root, "Subject"), "Re: Lunch  Bcc: x@y.z"); /* no injection */
    CU_ASSERT_PTR_NULL(mime_part_header(m->root, "Bcc"));
    CU_ASSERT_PTR_NOT_NULL(mime_part_header(m->root, "Date"));
    CU_ASSERT_PTR_NOT_NULL(mime_part_header(m->root, "Message-ID"));
    GByteArray *dec = g_byte_array_new();
    mime_part_decode(m->root, dec, NULL);
    CU_ASSERT(dec->len >= 22 && !memcmp(dec->data, "Yes!\r\nSee you at noon.", 22));
    g_byte_array_unref(dec);
    mime_msg_free(m);

    /* the errors of a send */
    struct {
        http_method m;
        const char *ctype, *body;
        int status;
    } cases[] = {
        {HTTP_M_GET, NULL, NULL, 405},
        {HTTP_M_POST, NULL, "to=a%40b.c", 415},
        {HTTP_M_POST, "text/plain", "to=a%40b.c", 415},
        {HTTP_M_POST, "application/x-www-form-urlencodedX", "to=a%40b.c", 415},
        {HTTP_M_POST, "application/x-www-form-urlencoded", "to=a%4", 400},
        {HTTP_M_POST, "application/x-www-form-urlencoded", "subject=x", 400},
        {HTTP_M_POST, "application/x-www-form-urlencoded", "to=", 400},
        {HTTP_M_POST, "application/x-www-form-urlencoded", "to=nobody", 400},
        {HTTP_M_POST, "application/x-www-form-urlencoded", "to=a%40b.c%0D%0ARCPT", 400},
        {HTTP_M_POST, "application/x-www-form-urlencoded", "to=a%40b.c&body=%FF", 400},
        {HTTP_M_POST, "Application/X-WWW-Form-Urlencoded; charset=UTF-8", "to=a%40b.c", 303},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        int st = run_req(&c, cases[i].m, "/mail/send", "bob:hunter2", cases[i].ctype, cases[i].body, NULL, &r);
        if (st != cases[i].status)
            printf("\n    case %zu: %d, expected %d\n", i, st, cases[i].status);
        CU_ASSERT_EQUAL(st, cases[i].status);
        if (st == 405)
            CU_ASSERT_STRING_EQUAL(r.allow, "POST");
        webmail_response_clear(&r);
    }
    /* a form over the limit; a refused hand-over */
    c.max_form = 16;
    CU_ASSERT_EQUAL(run_req(&c, HTTP_M_POST, "/mail/send", "bob:hunter2", "application/x-www-form-urlencoded",
                            "to=a%40b.c&body=0123456789", NULL, &r),
                    413);
    webmail_response_clear(&r);
    c.max_form = WEBMAIL_MAX_FORM;
    CU_ASSERT_EQUAL(run_req(&c, HTTP_M_POST, "/mail/send", "bob:hunter2", "application/x-www-form-urlencoded",
                            "to=a%40b.c", (void *)1, &r),
                    503);
    webmail_response_clear(&r);
    /* no credentials: 401 before anything else */
    CU_ASSERT_EQUAL(run_req(&c, HTTP_M_POST, "/mail/send", NULL, "application/x-www-form-urlencoded", "to=a%40b.c",
                            NULL, &r),
                    401);
    webmail_response_clear(&r);
}

static void test_methods(void)
{
    webmail_config c;
    webmail_config_default(&c);
    webmail_response r;
    http_method ms[] = {HTTP_M_POST, HTTP_M_PUT, HTTP_M_DELETE};
    const char *paths[] = {"/mail/", "/mail/inbox", "/mail/msg/1", "/mail/msg/4/part/2"};
    for (size_t i = 0; i < G_N_ELEMENTS(ms); i++)
        for (size_t j = 0; j < G_N_ELEMENTS(paths); j++) {
            CU_ASSERT_EQUAL(run_req(&c, ms[i], paths[j], "bob:hunter2", NULL, NULL, NULL, &r), 405);
            CU_ASSERT_STRING_EQUAL(r.allow, "GET, HEAD");
            webmail_response_clear(&r);
        }
    CU_ASSERT_EQUAL(run_req(&c, HTTP_M_HEAD, "/mail/msg/1", "bob:hunter2", NULL, NULL, NULL, &r), 200);
    webmail_response_clear(&r);
    /* a mailbox the user does not have */
    c.mailbox = "Archive";
    CU_ASSERT_EQUAL(run_req(&c, HTTP_M_GET, "/mail/", "bob:hunter2", NULL, NULL, NULL, &r), 503);
    webmail_response_clear(&r);
}

/* Requests of random bytes in the target and the credentials never crash
 * and always get a status. */
static void test_hostile_requests(void)
{
    webmail_config c;
    webmail_config_default(&c);
    GRand *rng = g_rand_new_with_seed(7);
    for (int i = 0; i < 2000; i++) {
        char target[64], cred[48];
        static const char *const starts[] = {"/mail/msg/", "/mail/", "/mail/msg/4/part/", "/mail/inbox?"};
        size_t k = g_snprintf(target, sizeof target, "%s", starts[i % 4]);
        for (; k < sizeof target - 1; k++)
            target[k] = (char)g_rand_int_range(rng, 1, 256);
        target[sizeof target - 1] = '\0';
        target[g_rand_int_range(rng, 10, (gint32)sizeof target)] = '\0';
        for (size_t j = 0; j < sizeof cred - 1; j++)
            cred[j] = (char)g_rand_int_range(rng, 1, 256);
        cred[sizeof cred - 1] = '\0';
        http_msg *req = http_msg_new_request(i % 3 ? HTTP_M_GET : HTTP_M_POST, target, 11);
        http_msg_add(req, "Authorization", i % 2 ? "Basic Ym9iOmh1bnRlcjI=" : cred);
        http_msg_add(req, "Content-Type", "application/x-www-form-urlencoded");
        webmail_response r;
        webmail_handle(&c, store, req, (const uint8_t *)cred, sizeof cred - 1, 0, take, NULL, &r);
        CU_ASSERT(r.status >= 200 && r.status < 600);
        CU_ASSERT_PTR_NOT_NULL(r.body);
        webmail_response_clear(&r);
        http_msg_free(req);
    }
    g_rand_free(rng);
}

int main(void)
{
    setup();
    static const test_case tests[] = {TEST(test_inbox),  TEST(test_paging), TEST(test_message_pages),
                                      TEST(test_auth),   TEST(test_form),   TEST(test_send),
                                      TEST(test_methods), TEST(test_hostile_requests)};
    int rc = test_main("protocols/webmail/core", tests, G_N_ELEMENTS(tests));
    g_ptr_array_unref(sent);
    g_ptr_array_unref(sent_to);
    mail_store_free(store);
    return rc;
}

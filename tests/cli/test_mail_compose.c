/*
 * mail_compose, the message builder of `appsim mail send`: addresses as
 * users type them (and those refused), content types by extension, the
 * encodings' names, and the message itself: its headers, its parts read
 * back with mime_msg, the same bytes for the same input.
 */
#include <glib.h>
#include <string.h>

#include "cli/mail_compose.h"
#include "test_util.h"

static void test_addresses(void)
{
    static const struct {
        const char *text, *display, *addr;
    } good[] = {
        {"bob@example.com", NULL, "bob@example.com"},
        {"  <bob@example.com> ", NULL, "bob@example.com"},
        {"Bob <bob@example.com>", "Bob", "bob@example.com"},
        {"\"Bob, Jr.\" <bob@example.com>", "Bob, Jr.", "bob@example.com"},
        {"J\xc3\xbcrgen <j@example.de>", "J\xc3\xbcrgen", "j@example.de"},
        {"postmaster@[127.0.0.1]", NULL, "postmaster@[127.0.0.1]"},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(good); i++) {
        char *d = NULL, *a = NULL;
        GError *err = NULL;
        CU_ASSERT_TRUE(mail_address_parse(good[i].text, &d, &a, &err));
        CU_ASSERT_STRING_EQUAL(a ? a : "", good[i].addr);
        if (good[i].display) {
            CU_ASSERT_STRING_EQUAL(d ? d : "", good[i].display);
        } else {
            CU_ASSERT_PTR_NULL(d);
        }
        CU_ASSERT_PTR_NULL(err);
        g_free(d);
        g_free(a);
    }
    static const char *const bad[] = {
        "", "bob", "@example.com", "bob@", "bob@a@b", "bob smith@example.com", "Bob <bob@example.com",
        "<bob@example.com> trailing", "bob@example.com\r\nRCPT TO:<x@y>", "a,b@example.com", "Bo\nb <b@example.com>",
        "\"q\"@example.com", "b\xc3\xbc" "b@example.com", "bob@ex\xff" "ample.com",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        char *d = (char *)"x", *a = (char *)"x";
        GError *err = NULL;
        CU_ASSERT_FALSE(mail_address_parse(bad[i], &d, &a, &err));
        CU_ASSERT_PTR_NULL(d);
        CU_ASSERT_PTR_NULL(a);
        CU_ASSERT_PTR_NOT_NULL(err);
        g_clear_error(&err);
    }
    char *local = g_strnfill(250, 'a'), *longaddr = g_strdup_printf("%s@example.com", local);
    char *d, *a;
    CU_ASSERT_FALSE(mail_address_parse(longaddr, &d, &a, NULL));
    g_free(longaddr);
    g_free(local);
}

static void test_types_and_encodings(void)
{
    CU_ASSERT_STRING_EQUAL(mail_content_type_guess("photo.PNG"), "image/png");
    CU_ASSERT_STRING_EQUAL(mail_content_type_guess("notes.txt"), "text/plain");
    CU_ASSERT_STRING_EQUAL(mail_content_type_guess("a.tar.gz"), "application/gzip");
    CU_ASSERT_STRING_EQUAL(mail_content_type_guess("report.pdf"), "application/pdf");
    CU_ASSERT_STRING_EQUAL(mail_content_type_guess("Makefile"), "application/octet-stream");
    CU_ASSERT_STRING_EQUAL(mail_content_type_guess("x."), "application/octet-stream");
    CU_ASSERT_STRING_EQUAL(mail_content_type_guess("x.unknownext"), "application/octet-stream");
    CU_ASSERT_STRING_EQUAL(mail_content_type_guess(NULL), "application/octet-stream");
    mime_cte c;
    CU_ASSERT_TRUE(mail_encoding_parse("auto", &c) && c == MIME_CTE_UNKNOWN);
    CU_ASSERT_TRUE(mail_encoding_parse("QP", &c) && c == MIME_CTE_QP);
    CU_ASSERT_TRUE(mail_encoding_parse("quoted-printable", &c) && c == MIME_CTE_QP);
    CU_ASSERT_TRUE(mail_encoding_parse("base64", &c) && c == MIME_CTE_BASE64);
    CU_ASSERT_TRUE(mail_encoding_parse("8bit", &c) && c == MIME_CTE_8BIT);
    CU_ASSERT_TRUE(mail_encoding_parse("7bit", &c) && c == MIME_CTE_7BIT);
    CU_ASSERT_FALSE(mail_encoding_parse("binary", &c));
    CU_ASSERT_FALSE(mail_encoding_parse("uuencode", &c));
}

static const char *header(const mime_part *p, const char *name)
{
    for (guint i = 0; i < p->fields->len; i++) {
        const mime_field *f = g_ptr_array_index(p->fields, i);
        if (g_ascii_strcasecmp(f->name, name) == 0)
            return f->value;
    }
    return NULL;
}

static void test_message(void)
{
    static const uint8_t blob[] = {0, 1, 2, 255, 254, '\r', '\n', '.', 13};
    const char *to[] = {"Bob <bob@hamburger.edu>", "carol@hamburger.edu", NULL};
    const char *cc[] = {"dave@hamburger.edu", NULL};
    mail_attachment att[] = {{"blob.bin", NULL, blob, sizeof blob}, {"pic.jpg", NULL, blob, 3}};
    mail_compose_input in = {.from = "Alice <alice@crepes.fr>", .to = to, .cc = cc, .subject = "Hello",
                             .body = "Do you like ketchup?\n", .body_len = 21, .encoding = MIME_CTE_UNKNOWN,
                             .attach = att, .n_attach = 2, .date_unix_s = 1795987200, .tz_minutes = 60,
                             .id_seed = 42};
    GError *err = NULL;
    GByteArray *m1 = mail_compose_build(&in, &err), *m2 = mail_compose_build(&in, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m2);
    CU_ASSERT_TRUE(m1->len == m2->len && memcmp(m1->data, m2->data, m1->len) == 0);
    mime_msg *msg = NULL;
    CU_ASSERT_EQUAL_FATAL(mime_msg_parse(m1->data, m1->len, &msg, NULL), MIME_OK);
    const mime_part *top = msg->root;
    CU_ASSERT_STRING_EQUAL(top->type, "multipart");
    CU_ASSERT_STRING_EQUAL(top->subtype, "mixed");
    CU_ASSERT_STRING_EQUAL(header(top, "From"), "Alice <alice@crepes.fr>");
    CU_ASSERT_STRING_EQUAL(header(top, "To"), "Bob <bob@hamburger.edu>, carol@hamburger.edu");
    CU_ASSERT_STRING_EQUAL(header(top, "Cc"), "dave@hamburger.edu");
    CU_ASSERT_STRING_EQUAL(header(top, "Subject"), "Hello");
    CU_ASSERT_STRING_EQUAL(header(top, "Date"), "Sun, 29 Nov 2026 22:20:00 +0100");
    CU_ASSERT_TRUE(g_str_has_suffix(header(top, "Message-ID"), "@crepes.fr>"));
    CU_ASSERT_STRING_EQUAL(header(top, "MIME-Version"), "1.0");
    CU_ASSERT_EQUAL_FATAL(top->parts->len, 3);
    const mime_part *text = g_ptr_array_index(top->parts, 0), *a1 = g_ptr_array_index(top->parts, 1),
                    *a2 = g_ptr_array_index(top->parts, 2);
    CU_ASSERT_STRING_EQUAL(text->subtype, "plain");
    CU_ASSERT_EQUAL(text->cte, MIME_CTE_7BIT);
    CU_ASSERT_STRING_EQUAL(a1->filename, "blob.bin");
    CU_ASSERT_STRING_EQUAL(a1->subtype, "octet-stream");
    CU_ASSERT_STRING_EQUAL(a2->type, "image");
    CU_ASSERT_STRING_EQUAL(a2->subtype, "jpeg");
    GByteArray *d = g_byte_array_new();
    CU_ASSERT_EQUAL(mime_part_decode(a1, d, NULL), MIME_OK);
    CU_ASSERT_TRUE(d->len == sizeof blob && memcmp(d->data, blob, sizeof blob) == 0);
    g_byte_array_free(d, TRUE);
    mime_msg_free(msg);
    g_byte_array_free(m1, TRUE);
    g_byte_array_free(m2, TRUE);

    /* Without attachments the text is the message; a body 7bit cannot
     * carry is refused with that encoding; a bad To is refused. */
    in.n_attach = 0;
    in.body = "Gr\xc3\xbc\xc3\x9f";
    in.body_len = 6;
    in.encoding = MIME_CTE_7BIT;
    CU_ASSERT_PTR_NULL(mail_compose_build(&in, &err));
    CU_ASSERT_PTR_NOT_NULL(err);
    g_clear_error(&err);
    in.encoding = MIME_CTE_BASE64;
    GByteArray *m3 = mail_compose_build(&in, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m3);
    CU_ASSERT_EQUAL_FATAL(mime_msg_parse(m3->data, m3->len, &msg, NULL), MIME_OK);
    CU_ASSERT_STRING_EQUAL(msg->root->type, "text");
    CU_ASSERT_EQUAL(msg->root->cte, MIME_CTE_BASE64);
    mime_msg_free(msg);
    g_byte_array_free(m3, TRUE);
    const char *bad_to[] = {"bob@hamburger.edu\r\nBcc: x@y.z", NULL};
    in.to = bad_to;
    CU_ASSERT_PTR_NULL(mail_compose_build(&in, &err));
    CU_ASSERT_PTR_NOT_NULL(err);
    g_clear_error(&err);
}

int main(void)
{
    static const test_case tests[] = {
        TEST(test_addresses),
        TEST(test_types_and_encodings),
        TEST(test_message),
    };
    return test_main("mail_compose", tests, (int)G_N_ELEMENTS(tests));
}

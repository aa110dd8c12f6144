/*
 * Fuzz target mail_compose: what `appsim mail send` makes of what a user
 * types (cli/mail_compose.c): the addresses, then the message built from
 * them.
 *
 * Input: lines (up to the first NUL): the sender, a recipient, the
 * subject, and the rest the body. For example:
 *
 *     "Alice" <alice@crepes.fr>
 *     bob@hamburger.edu
 *     Ketchup?
 *     Do you like ketchup?
 *
 * Invariants:
 *   - every line parses or is refused with a message; an address
 *     accepted is local@domain in ASCII, at most 254 bytes, without white
 *     space, control bytes, '<', '>', ',', '"' or '\\' (so it cannot break out of
 *     an SMTP command or a header); a display name accepted is UTF-8
 *     without CR, LF, '<' or '>';
 *   - when the sender and the recipient parse, the message builds (with
 *     the body as given, with an attachment of the whole input, at every
 *     encoding that accepts the body), parses again with mime_msg_parse,
 *     has no line over 998 bytes, carries the sender's address in From
 *     and decodes back to the body and the attachment.
 */
#include <glib.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cli/mail_compose.h"
#include "lib/fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_address(const char *text)
{
    char *display = NULL, *addr = NULL;
    GError *err = NULL;
    bool ok = mail_address_parse(text, &display, &addr, &err);
    FUZZ_CHECK(ok == (err == NULL), "an error exactly when refused");
    if (ok) {
        size_t n = strlen(addr);
        FUZZ_CHECK(n > 0 && n <= 254 && strchr(addr, '@'), "an address of the form local@domain");
        for (const char *p = addr; *p; p++)
            FUZZ_CHECK((unsigned char)*p > 32 && (unsigned char)*p < 127 && !strchr("<>,\"\\", *p),
                       "a byte of an address");
        FUZZ_CHECK(!display || (g_utf8_validate(display, -1, NULL) && !strpbrk(display, "\r\n<>")),
                   "a display name");
    } else {
        FUZZ_CHECK(!display && !addr, "nothing kept when refused");
    }
    g_clear_error(&err);
    g_free(display);
    g_free(addr);
}

/* The part's decoded bytes equal data[0, len). */
static void check_decoded(const mime_part *p, const void *data, size_t len)
{
    GByteArray *d = g_byte_array_new();
    FUZZ_CHECK(mime_part_decode(p, d, NULL) == MIME_OK, "the part decodes");
    FUZZ_CHECK(d->len == len && (len == 0 || memcmp(d->data, data, len) == 0), "decoded bytes as given");
    g_byte_array_free(d, TRUE);
}

static void check_message(const mail_compose_input *in, const char *from_addr, const char *body, size_t body_len)
{
    GError *err = NULL;
    GByteArray *m = mail_compose_build(in, &err);
    if (!m) {
        FUZZ_CHECK(err && (in->encoding == MIME_CTE_7BIT || in->encoding == MIME_CTE_8BIT),
                   "only 7bit and 8bit may refuse a body");
        g_clear_error(&err);
        return;
    }
    size_t col = 0;
    for (guint i = 0; i < m->len; i++) {
        col = m->data[i] == '\n' ? 0 : col + 1;
        FUZZ_CHECK(col <= 1000, "no line over 998 bytes");
    }
    mime_msg *msg = NULL;
    FUZZ_CHECK(mime_msg_parse(m->data, m->len, &msg, NULL) == MIME_OK, "the message parses");
    const mime_part *top = msg->root, *text = top->parts ? g_ptr_array_index(top->parts, 0) : top;
    bool from_seen = false;
    for (guint i = 0; i < top->fields->len; i++) {
        const mime_field *f = g_ptr_array_index(top->fields, i);
        if (g_ascii_strcasecmp(f->name, "From") == 0)
            from_seen = strstr(f->value, from_addr) != NULL;
    }
    FUZZ_CHECK(from_seen, "From carries the sender's address");
    /* Line ends become CRLF: compare with the body so normalised. */
    GString *want = g_string_new(NULL);
    for (size_t i = 0; i < body_len; i++) {
        if (body[i] == '\r' || body[i] == '\n') {
            g_string_append(want, "\r\n");
            if (body[i] == '\r' && i + 1 < body_len && body[i + 1] == '\n')
                i++;
        } else {
            g_string_append_c(want, body[i]);
        }
    }
    check_decoded(text, want->str, want->len);
    if (in->n_attach)
        check_decoded(g_ptr_array_index(top->parts, 1), in->attach[0].data, in->attach[0].len);
    g_string_free(want, TRUE);
    mime_msg_free(msg);
    g_byte_array_free(m, TRUE);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_cstring(data, size);
    char **lines = g_strsplit(text, "\n", 4);
    for (char **l = lines; *l; l++)
        check_address(*l);
    char *d1 = NULL, *from = NULL, *d2 = NULL, *to = NULL;
    if (lines[0] && lines[1] && mail_address_parse(lines[0], &d1, &from, NULL) &&
        mail_address_parse(lines[1], &d2, &to, NULL)) {
        const char *tos[] = {lines[1], NULL};
        const char *subject = lines[2] && g_utf8_validate(lines[2], -1, NULL) ? lines[2] : NULL;
        const char *body = lines[2] && lines[3] ? lines[3] : "";
        mail_attachment att = {"input.bin", NULL, data, size};
        static const mime_cte ctes[] = {MIME_CTE_UNKNOWN, MIME_CTE_7BIT, MIME_CTE_8BIT, MIME_CTE_QP, MIME_CTE_BASE64};
        for (size_t i = 0; i < G_N_ELEMENTS(ctes); i++) {
            mail_compose_input in = {.from = lines[0], .to = tos, .subject = subject, .body = body,
                                     .body_len = strlen(body), .encoding = ctes[i], .attach = &att,
                                     .n_attach = i % 2, .date_unix_s = 1795987200, .id_seed = size};
            check_message(&in, from, body, strlen(body));
        }
    }
    g_free(d1);
    g_free(from);
    g_free(d2);
    g_free(to);
    g_strfreev(lines);
    g_free(text);
    return 0;
}

/*
 * Tests of protocols/mime/mime_msg: parsing the lecture slides' message
 * and RFC 2046 5.1.1's multipart example (preamble, a part without
 * headers, epilogue), folding, parameters (quoted strings, comments, case,
 * RFC 2231), transport padding, nesting, lone LF line ends; malformed
 * messages (bad base64, unterminated multipart, no boundary, nesting past
 * the limit, too many parts, header lines without a colon) refused with
 * their offset; re-serialising a parsed message; the builder (headers,
 * folding, 7bit or quoted-printable, attachments, boundaries, dates,
 * Message-IDs, determinism) read back by the parser.
 */
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "protocols/mime/mime_msg.h"
#include "test_util.h"

static mime_msg *parse_ok(const char *text)
{
    size_t len = strlen(text);
    uint8_t *copy = g_malloc(len ? len : 1);
    memcpy(copy, text, len);
    mime_msg *m = NULL;
    size_t at = 0;
    mime_status st = mime_msg_parse(copy, len, &m, &at);
    g_free(copy);
    if (st != MIME_OK)
        fprintf(stderr, "parse: %s at %zu\n", mime_status_name(st), at);
    CU_ASSERT_EQUAL_FATAL(st, MIME_OK);
    return m;
}

static void parse_fails(const char *text, size_t len, mime_status want, size_t want_at)
{
    uint8_t *copy = g_malloc(len ? len : 1);
    memcpy(copy, text, len);
    mime_msg *m = (mime_msg *)1;
    size_t at = 0;
    mime_status st = mime_msg_parse(copy, len, &m, &at);
    g_free(copy);
    if (st != want || at != want_at)
        fprintf(stderr, "parse: %s at %zu, want %s at %zu\n", mime_status_name(st), at, mime_status_name(want),
                want_at);
    CU_ASSERT_EQUAL(st, want);
    CU_ASSERT_EQUAL(at, want_at);
    CU_ASSERT_PTR_NULL(m);
}

static mime_part *child(const mime_part *p, guint i)
{
    CU_ASSERT_PTR_NOT_NULL_FATAL(p->parts);
    CU_ASSERT_TRUE_FATAL(i < p->parts->len);
    return g_ptr_array_index(p->parts, i);
}

static void assert_decoded(const mime_part *p, const char *want, size_t want_len)
{
    GByteArray *d = g_byte_array_new();
    CU_ASSERT_EQUAL(mime_part_decode(p, d, NULL), MIME_OK);
    if (d->len != want_len || (want_len > 0 && memcmp(d->data, want, want_len) != 0))
        fprintf(stderr, "decoded [%.*s] want [%.*s]\n", (int)d->len, d->data, (int)want_len, want);
    CU_ASSERT_EQUAL(d->len, want_len);
    CU_ASSERT_TRUE(d->len == want_len && (want_len == 0 || memcmp(d->data, want, want_len) == 0));
    g_byte_array_free(d, TRUE);
}
#define ASSERT_DECODED(p, s) assert_decoded((p), (s), sizeof(s) - 1)

/* Parses the message's serialised form again and asserts the same tree. */
static void assert_same_tree(const mime_part *a, const mime_part *b)
{
    CU_ASSERT_STRING_EQUAL(a->type, b->type);
    CU_ASSERT_STRING_EQUAL(a->subtype, b->subtype);
    CU_ASSERT_EQUAL(a->cte, b->cte);
    CU_ASSERT_EQUAL_FATAL(a->fields->len, b->fields->len);
    for (guint i = 0; i < a->fields->len; i++) {
        const mime_field *fa = g_ptr_array_index(a->fields, i), *fb = g_ptr_array_index(b->fields, i);
        CU_ASSERT_STRING_EQUAL(fa->name, fb->name);
        CU_ASSERT_STRING_EQUAL(fa->value, fb->value);
    }
    CU_ASSERT_EQUAL_FATAL(a->parts == NULL, b->parts == NULL);
    if (!a->parts) {
        GByteArray *da = g_byte_array_new(), *db = g_byte_array_new();
        mime_status sa = mime_part_decode(a, da, NULL), sb = mime_part_decode(b, db, NULL);
        CU_ASSERT_EQUAL(sa, sb);
        CU_ASSERT_TRUE(da->len == db->len && (da->len == 0 || memcmp(da->data, db->data, da->len) == 0));
        g_byte_array_free(da, TRUE);
        g_byte_array_free(db, TRUE);
        return;
    }
    CU_ASSERT_EQUAL(a->preamble == NULL, b->preamble == NULL);
    CU_ASSERT_EQUAL(a->preamble_len, b->preamble_len);
    CU_ASSERT_EQUAL(a->epilogue == NULL, b->epilogue == NULL);
    CU_ASSERT_EQUAL(a->epilogue_len, b->epilogue_len);
    CU_ASSERT_EQUAL_FATAL(a->parts->len, b->parts->len);
    for (guint i = 0; i < a->parts->len; i++)
        assert_same_tree(g_ptr_array_index(a->parts, i), g_ptr_array_index(b->parts, i));
}

static void assert_reserialises(const mime_msg *m)
{
    GByteArray *out = mime_msg_serialise(m);
    mime_msg *again = NULL;
    CU_ASSERT_EQUAL_FATAL(mime_msg_parse(out->data, out->len, &again, NULL), MIME_OK);
    assert_same_tree(m->root, again->root);
    mime_msg_free(again);
    g_byte_array_free(out, TRUE);
}

/* The lecture slides' multipart message (with real base64 data). */
static const char slides_msg[] =
    "From: alice@crepes.fr\r\n"
    "To: bob@hamburger.edu\r\n"
    "Subject: Picture of yummy crepe.\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=98766789\r\n"
    "\r\n"
    "--98766789\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "Dear Bob,\r\n"
    "Please find a picture of a cr=C3=AApe.\r\n"
    "--98766789\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "Content-Type: image/jpeg\r\n"
    "\r\n"
    "/9j/4AAQSkZJRgABAQ==\r\n"
    "--98766789--\r\n";

static void test_slides_message(void)
{
    mime_msg *m = parse_ok(slides_msg);
    mime_part *r = m->root;
    CU_ASSERT_EQUAL(r->fields->len, 5);
    CU_ASSERT_STRING_EQUAL(mime_part_header(r, "from"), "alice@crepes.fr");
    CU_ASSERT_STRING_EQUAL(mime_part_header(r, "SUBJECT"), "Picture of yummy crepe.");
    CU_ASSERT_STRING_EQUAL(mime_part_header(r, "mime-version"), "1.0");
    CU_ASSERT_STRING_EQUAL(r->type, "multipart");
    CU_ASSERT_STRING_EQUAL(r->subtype, "mixed");
    CU_ASSERT_STRING_EQUAL(r->boundary, "98766789");
    CU_ASSERT_TRUE(mime_part_is_multipart(r));
    CU_ASSERT_EQUAL(r->parts->len, 2);
    CU_ASSERT_PTR_NULL(r->preamble);
    CU_ASSERT_EQUAL(r->epilogue_len, 0);
    CU_ASSERT_PTR_NOT_NULL(r->epilogue);
    mime_part *t = child(r, 0), *img = child(r, 1);
    CU_ASSERT_EQUAL(t->cte, MIME_CTE_QP);
    CU_ASSERT_STRING_EQUAL(t->subtype, "plain");
    ASSERT_DECODED(t, "Dear Bob,\r\nPlease find a picture of a cr\xc3\xaape.");
    CU_ASSERT_EQUAL(img->cte, MIME_CTE_BASE64);
    CU_ASSERT_STRING_EQUAL(img->type, "image");
    CU_ASSERT_STRING_EQUAL(img->subtype, "jpeg");
    ASSERT_DECODED(img, "\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01");
    CU_ASSERT_EQUAL(t->depth, 1);
    CU_ASSERT_EQUAL(m->part_count, 3);
    assert_reserialises(m);
    mime_msg_free(m);
}

/* RFC 2046 5.1.1's example, byte for byte (CRLF line ends). */
static const char rfc2046_msg[] =
    "From: Nathaniel Borenstein <nsb@bellcore.com>\r\n"
    "To: Ned Freed <ned@innosoft.com>\r\n"
    "Date: Sun, 21 Mar 1993 23:56:48 -0800 (PST)\r\n"
    "Subject: Sample message\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-type: multipart/mixed; boundary=\"simple boundary\"\r\n"
    "\r\n"
    "This is the preamble.  It is to be ignored, though it\r\n"
    "is a handy place for composition agents to include an\r\n"
    "explanatory note to non-MIME conformant readers.\r\n"
    "\r\n"
    "--simple boundary\r\n"
    "\r\n"
    "This is implicitly typed plain US-ASCII text.\r\n"
    "It does NOT end with a linebreak.\r\n"
    "--simple boundary\r\n"
    "Content-type: text/plain; charset=us-ascii\r\n"
    "\r\n"
    "This is explicitly typed plain US-ASCII text.\r\n"
    "It DOES end with a linebreak.\r\n"
    "\r\n"
    "--simple boundary--\r\n"
    "\r\n"
    "This is the epilogue.  It is also to be ignored.\r\n";

static void test_rfc2046_example(void)
{
    mime_msg *m = parse_ok(rfc2046_msg);
    mime_part *r = m->root;
    CU_ASSERT_STRING_EQUAL(r->boundary, "simple boundary");
    const char pre[] = "This is the preamble.  It is to be ignored, though it\r\n"
                       "is a handy place for composition agents to include an\r\n"
                       "explanatory note to non-MIME conformant readers.\r\n";
    CU_ASSERT_EQUAL(r->preamble_len, sizeof pre - 1);
    CU_ASSERT_TRUE(memcmp(r->preamble, pre, sizeof pre - 1) == 0);
    const char epi[] = "\r\nThis is the epilogue.  It is also to be ignored.\r\n";
    CU_ASSERT_EQUAL(r->epilogue_len, sizeof epi - 1);
    CU_ASSERT_TRUE(memcmp(r->epilogue, epi, sizeof epi - 1) == 0);
    CU_ASSERT_EQUAL_FATAL(r->parts->len, 2);
    mime_part *a = child(r, 0), *b = child(r, 1);
    CU_ASSERT_EQUAL(a->fields->len, 0);
    CU_ASSERT_STRING_EQUAL(a->type, "text");
    CU_ASSERT_STRING_EQUAL(a->subtype, "plain");
    CU_ASSERT_STRING_EQUAL(mime_part_param(a, "charset"), "us-ascii");
    ASSERT_DECODED(a, "This is implicitly typed plain US-ASCII text.\r\nIt does NOT end with a linebreak.");
    ASSERT_DECODED(b, "This is explicitly typed plain US-ASCII text.\r\nIt DOES end with a linebreak.\r\n");
    CU_ASSERT_STRING_EQUAL(mime_part_header(r, "Date"), "Sun, 21 Mar 1993 23:56:48 -0800 (PST)");
    assert_reserialises(m);
    /* The same with lone LF line ends: read the same way. */
    char *lf = g_strdup(rfc2046_msg);
    char *w = lf;
    for (const char *p = rfc2046_msg; *p; p++)
        if (*p != '\r')
            *w++ = *p;
    *w = 0;
    mime_msg *m2 = parse_ok(lf);
    CU_ASSERT_EQUAL_FATAL(m2->root->parts->len, 2);
    ASSERT_DECODED(child(m2->root, 0), "This is implicitly typed plain US-ASCII text.\nIt does NOT end with a linebreak.");
    CU_ASSERT_EQUAL(m2->root->epilogue_len, strlen("\nThis is the epilogue.  It is also to be ignored.\n"));
    assert_reserialises(m2);
    mime_msg_free(m2);
    g_free(lf);
    mime_msg_free(m);
}

static void test_headers(void)
{
    mime_msg *m = parse_ok("Subject: This\r\n is a\r\n\t folded  line  \r\n"
                           "X-Empty:\r\n"
                           "x-lower: b\r\n"
                           "Obs-Space : c\r\n"
                           "Content-Type: Text/HTML (a comment) ; CHARSET=\"utf-8\" ; Name=\"a \\\"q\\\" b.html\"; "
                           "format=flowed\r\n"
                           "Content-Transfer-Encoding: 8BIT\r\n"
                           "Content-Disposition: INLINE; filename*=utf-8''na%C3%AFve%20file.txt\r\n"
                           "Subject: second\r\n"
                           "\r\n"
                           "body\r\n");
    mime_part *r = m->root;
    CU_ASSERT_EQUAL_FATAL(r->fields->len, 8);
    const mime_field *f = g_ptr_array_index(r->fields, 0);
    CU_ASSERT_STRING_EQUAL(f->name, "Subject");
    CU_ASSERT_STRING_EQUAL(f->value, "This is a\t folded  line  ");
    CU_ASSERT_STRING_EQUAL(f->raw, "Subject: This\r\n is a\r\n\t folded  line  ");
    CU_ASSERT_STRING_EQUAL(mime_part_header(r, "subject"), "This is a\t folded  line  "); /* the first */
    CU_ASSERT_STRING_EQUAL(mime_part_header(r, "x-empty"), "");
    CU_ASSERT_STRING_EQUAL(((mime_field *)g_ptr_array_index(r->fields, 2))->name, "x-lower");
    CU_ASSERT_STRING_EQUAL(mime_part_header(r, "obs-space"), "c");
    CU_ASSERT_STRING_EQUAL(r->type, "text");
    CU_ASSERT_STRING_EQUAL(r->subtype, "html");
    CU_ASSERT_STRING_EQUAL(mime_part_param(r, "charset"), "utf-8");
    CU_ASSERT_STRING_EQUAL(mime_part_param(r, "name"), "a \"q\" b.html");
    CU_ASSERT_STRING_EQUAL(mime_part_param(r, "format"), "flowed");
    CU_ASSERT_EQUAL(r->cte, MIME_CTE_8BIT);
    CU_ASSERT_STRING_EQUAL(r->disposition, "inline");
    CU_ASSERT_STRING_EQUAL(r->filename, "na\xc3\xafve file.txt");
    ASSERT_DECODED(r, "body\r\n");
    CU_ASSERT_PTR_NULL(mime_part_header(r, "missing"));
    assert_reserialises(m);
    mime_msg_free(m);
    /* RFC 2231 continuations, mixed plain and encoded sections; an
     * encoded word in a filename; an unknown encoding. */
    m = parse_ok("Content-Type: application/octet-stream; name*0*=utf-8''%C3%A9t%C3%A9; name*1=\" long\";\r\n"
                 " name*2*=%20name\r\n"
                 "Content-Transfer-Encoding: x-uuencode\r\n"
                 "\r\n"
                 "raw");
    CU_ASSERT_STRING_EQUAL(m->root->filename, "\xc3\xa9t\xc3\xa9 long name");
    CU_ASSERT_EQUAL(m->root->cte, MIME_CTE_UNKNOWN);
    GByteArray *d = g_byte_array_new();
    CU_ASSERT_EQUAL(mime_part_decode(m->root, d, NULL), MIME_E_ENCODING);
    CU_ASSERT_EQUAL(d->len, 3);
    g_byte_array_free(d, TRUE);
    mime_msg_free(m);
    m = parse_ok("Content-Disposition: attachment; filename=\"=?utf-8?Q?cr=C3=AApe.jpg?=\"\r\n\r\n");
    CU_ASSERT_STRING_EQUAL(m->root->filename, "cr\xc3\xaape.jpg");
    CU_ASSERT_EQUAL(m->root->body_len, 0);
    mime_msg_free(m);
    /* Many parameters cost linear time (a table per name): 20,000 plain
     * and 20,000 RFC 2231 ones, repeated names keeping the first. */
    GString *many = g_string_new("Content-Type: text/plain");
    for (int i = 0; i < 20000; i++)
        g_string_append_printf(many, ";\r\n p%d=v%d; q%d*=utf-8''%%C3%%A9%d; p%d=again", i, i, i, i, i);
    g_string_append(many, "\r\n\r\n");
    m = parse_ok(many->str);
    CU_ASSERT_EQUAL(m->root->params->len, 40000);
    CU_ASSERT_STRING_EQUAL(mime_part_param(m->root, "p19999"), "v19999");
    CU_ASSERT_STRING_EQUAL(mime_part_param(m->root, "q7"), "\xc3\xa9" "7");
    mime_msg_free(m);
    g_string_free(many, TRUE);
    /* A message of headers only, and an empty message. */
    m = parse_ok("Subject: no body");
    CU_ASSERT_EQUAL(m->root->fields->len, 1);
    CU_ASSERT_EQUAL(m->root->body_len, 0);
    mime_msg_free(m);
    m = parse_ok("");
    CU_ASSERT_EQUAL(m->root->fields->len, 0);
    mime_msg_free(m);
    /* A Content-Type that cannot be read is text/plain (RFC 2045 5.2). */
    m = parse_ok("Content-Type: garbage\r\n\r\nx");
    CU_ASSERT_STRING_EQUAL(m->root->type, "text");
    CU_ASSERT_STRING_EQUAL(mime_part_param(m->root, "charset"), "us-ascii");
    mime_msg_free(m);
}

static void test_nesting_and_padding(void)
{
    mime_msg *m = parse_ok("Content-Type: multipart/mixed; boundary=outer\r\n"
                           "\r\n"
                           "--outer  \t\r\n"
                           "Content-Type: multipart/alternative; boundary=\"inner\"\r\n"
                           "\r\n"
                           "--inner\r\n"
                           "Content-Type: text/plain\r\n"
                           "\r\n"
                           "plain\r\n"
                           "--innerX is not a delimiter\r\n"
                           "--inner \r\n"
                           "Content-Type: text/html\r\n"
                           "\r\n"
                           "<p>html</p>\r\n"
                           "--inner--\r\n"
                           "--outer\r\n"
                           "Content-Type: multipart/digest; boundary=d\r\n"
                           "\r\n"
                           "--d\r\n"
                           "\r\n"
                           "Subject: inside\r\n"
                           "\r\n"
                           "--d--\r\n"
                           "--outer--  ");
    mime_part *r = m->root;
    CU_ASSERT_EQUAL_FATAL(r->parts->len, 2);
    mime_part *alt = child(r, 0);
    CU_ASSERT_STRING_EQUAL(alt->subtype, "alternative");
    CU_ASSERT_EQUAL_FATAL(alt->parts->len, 2);
    ASSERT_DECODED(child(alt, 0), "plain\r\n--innerX is not a delimiter");
    ASSERT_DECODED(child(alt, 1), "<p>html</p>");
    CU_ASSERT_EQUAL(child(alt, 1)->depth, 2);
    mime_part *dig = child(r, 1);
    CU_ASSERT_STRING_EQUAL(child(dig, 0)->type, "message");
    CU_ASSERT_STRING_EQUAL(child(dig, 0)->subtype, "rfc822");
    ASSERT_DECODED(child(dig, 0), "Subject: inside\r\n");
    CU_ASSERT_PTR_NULL(r->epilogue);
    CU_ASSERT_EQUAL(m->part_count, 6);
    assert_reserialises(m);
    mime_msg_free(m);
    /* Empty parts between delimiters. */
    m = parse_ok("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n--b\r\n\r\n--b--");
    CU_ASSERT_EQUAL(m->root->parts->len, 2);
    CU_ASSERT_EQUAL(child(m->root, 0)->body_len, 0);
    CU_ASSERT_EQUAL(child(m->root, 1)->body_len, 0);
    assert_reserialises(m);
    mime_msg_free(m);
}

/* A message of `levels` nested multiparts, the innermost holding text. */
static char *nested(int levels)
{
    GString *s = g_string_new(NULL);
    for (int i = 0; i < levels; i++)
        g_string_append_printf(s, "Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n", i, i);
    g_string_append(s, "\r\ndeep");
    for (int i = levels - 1; i >= 0; i--)
        g_string_append_printf(s, "\r\n--b%d--", i);
    return g_string_free(s, FALSE);
}

static void test_malformed(void)
{
    const char *t;
    t = "Subject: ok\r\nno colon here\r\n\r\n";
    parse_fails(t, strlen(t), MIME_E_HEADER, 13);
    t = " continued first\r\n\r\n";
    parse_fails(t, strlen(t), MIME_E_HEADER, 0);
    t = ": empty name\r\n\r\n";
    parse_fails(t, strlen(t), MIME_E_HEADER, 0);
    t = "Bad Name: x\r\n\r\n";
    parse_fails(t, strlen(t), MIME_E_HEADER, 0);
    parse_fails("Subject: a\0b\r\n\r\n", 15, MIME_E_HEADER, 10);
    t = "Content-Type: multipart/mixed\r\n\r\n--x\r\n\r\na\r\n--x--\r\n";
    parse_fails(t, strlen(t), MIME_E_NO_BOUNDARY, 0);
    t = "Content-Type: multipart/mixed; boundary=\"\"\r\n\r\n";
    parse_fails(t, strlen(t), MIME_E_NO_BOUNDARY, 0);
    t = "Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n\r\nno close\r\n";
    parse_fails(t, strlen(t), MIME_E_UNTERMINATED, strlen(t));
    t = "Content-Type: multipart/mixed; boundary=x\r\n\r\nno delimiter at all\r\n";
    parse_fails(t, strlen(t), MIME_E_UNTERMINATED, strlen(t));
    t = "Content-Type: multipart/mixed; boundary=x\r\n\r\n--x--\r\n";
    parse_fails(t, strlen(t), MIME_E_UNTERMINATED, 45);
    /* A bad header inside a part is found at its offset in the message. */
    t = "Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nbroken\r\n\r\nbody\r\n--x--\r\n";
    parse_fails(t, strlen(t), MIME_E_HEADER, 50);
    /* 16 levels are read, 17 are refused. */
    char *ok = nested(16), *deep = nested(17);
    mime_msg *m = parse_ok(ok);
    mime_part *p = m->root;
    while (p->parts)
        p = child(p, 0);
    CU_ASSERT_EQUAL(p->depth, 16);
    ASSERT_DECODED(p, "deep");
    mime_msg_free(m);
    size_t at17 = (size_t)(strstr(deep, "--b16\r\n") - deep) + 7;
    parse_fails(deep, strlen(deep), MIME_E_DEPTH, at17);
    g_free(ok);
    g_free(deep);
    /* 999 parts and the top one are read, one more is refused. */
    for (int n = 999; n <= 1000; n++) {
        GString *s = g_string_new("Content-Type: multipart/mixed; boundary=b\r\n\r\n");
        for (int i = 0; i < n; i++)
            g_string_append(s, "--b\r\n\r\nx\r\n");
        g_string_append(s, "--b--\r\n");
        if (n == 999) {
            m = parse_ok(s->str);
            CU_ASSERT_EQUAL(m->part_count, 1000);
            mime_msg_free(m);
        } else {
            parse_fails(s->str, s->len, MIME_E_TOO_MANY_PARTS, s->len - 7 - 10 + 5);
        }
        g_string_free(s, TRUE);
    }
    /* Bad base64 in a part: the structure parses, decoding says where. */
    m = parse_ok("Content-Transfer-Encoding: base64\r\n\r\nZm9v\r\nZm9v!\r\n");
    GByteArray *d = g_byte_array_new();
    size_t at = 0;
    CU_ASSERT_EQUAL(mime_part_decode(m->root, d, &at), MIME_E_BASE64_CHAR);
    CU_ASSERT_EQUAL(at, 10);
    g_byte_array_free(d, TRUE);
    mime_msg_free(m);
}

/* Every line ends in CRLF and holds at most `max` characters. */
static void assert_crlf_lines(const GByteArray *b, size_t max)
{
    size_t col = 0;
    for (guint i = 0; i < b->len; i++) {
        if (b->data[i] == '\r') {
            CU_ASSERT_TRUE_FATAL(i + 1 < b->len && b->data[i + 1] == '\n');
            i++;
            col = 0;
        } else {
            CU_ASSERT_NOT_EQUAL_FATAL(b->data[i], '\n');
            CU_ASSERT_TRUE_FATAL(++col <= max);
        }
    }
}

static mime_out *build_sample(void)
{
    mime_out *top = mime_out_multipart_new("mixed");
    mime_out_address(top, "From", "Alice \xc3\x9cnic\xc3\xb8" "de", "alice@crepes.fr");
    mime_out_address(top, "To", "Bob", "bob@hamburger.edu");
    mime_out_address(top, "To", "Carol \"C\" Smith", "carol@example.org");
    mime_out_address(top, "Cc", NULL, "dave@example.net");
    mime_out_header(top, "Subject", "Picture of yummy cr\xc3\xaape \xe2\x80\x93 with a subject long enough to be "
                                    "folded over several lines of at most 78 characters");
    mime_out_date(top, 1796500507, 60);
    mime_out_message_id(top, 42, "crepes.fr");
    mime_out *alt = mime_out_multipart_new("alternative");
    const char text[] = "Dear Bob,\nPlease find a picture of a cr\xc3\xaape.\n";
    mime_out_add(alt, mime_out_text_new("plain", text, sizeof text - 1));
    const char html[] = "<p>Dear Bob,</p>\r\n<p>a crepe</p>\r\n";
    mime_out_add(alt, mime_out_text_new("html", html, sizeof html - 1));
    mime_out_add(top, alt);
    uint8_t img[3000];
    for (size_t i = 0; i < sizeof img; i++)
        img[i] = (uint8_t)(i * 7 + i / 256);
    mime_out_add(top, mime_out_attachment_new("image/jpeg", "cr\xc3\xaape photo.jpg", img, sizeof img));
    mime_out_add(top, mime_out_attachment_new("application/octet-stream",
                                              "a very long file name \xc3\xa9 that needs RFC 2231 continuations "
                                              "to stay on short lines.bin",
                                              img, 10));
    return top;
}

static void test_builder(void)
{
    mime_out *top = build_sample();
    GByteArray *b = mime_out_serialise(top);
    if (g_getenv("MIME_DUMP"))
        fwrite(b->data, 1, b->len, stderr);
    GByteArray *b2 = mime_out_serialise(top);
    CU_ASSERT_TRUE(b->len == b2->len && memcmp(b->data, b2->data, b->len) == 0); /* deterministic */
    g_byte_array_free(b2, TRUE);
    assert_crlf_lines(b, 78); /* all headers fold under 78 here; base64 lines are 76 */
    CU_ASSERT_FALSE(memchr(b->data, 0x80, b->len) != NULL);
    for (guint i = 0; i < b->len; i++)
        CU_ASSERT_TRUE_FATAL(b->data[i] < 128);
    mime_msg *m = NULL;
    CU_ASSERT_EQUAL_FATAL(mime_msg_parse(b->data, b->len, &m, NULL), MIME_OK);
    mime_part *r = m->root;
    char *s = mime_part_header_decoded(r, "Subject");
    CU_ASSERT_STRING_EQUAL(s, "Picture of yummy cr\xc3\xaape \xe2\x80\x93 with a subject long enough to be "
                              "folded over several lines of at most 78 characters");
    g_free(s);
    s = mime_part_header_decoded(r, "From");
    CU_ASSERT_STRING_EQUAL(s, "Alice \xc3\x9cnic\xc3\xb8" "de <alice@crepes.fr>");
    g_free(s);
    CU_ASSERT_STRING_EQUAL(mime_part_header(r, "To"), "Bob <bob@hamburger.edu>, \"Carol \\\"C\\\" Smith\" <carol@example.org>");
    CU_ASSERT_STRING_EQUAL(mime_part_header(r, "Cc"), "dave@example.net");
    CU_ASSERT_STRING_EQUAL(mime_part_header(r, "Date"), "Sat, 5 Dec 2026 20:55:07 +0100");
    CU_ASSERT_STRING_EQUAL(mime_part_header(r, "MIME-Version"), "1.0");
    const char *id = mime_part_header(r, "Message-ID");
    CU_ASSERT_TRUE(g_str_has_prefix(id, "<") && g_str_has_suffix(id, "@crepes.fr>") && strlen(id) == 37);
    CU_ASSERT_EQUAL_FATAL(r->parts->len, 3);
    mime_part *alt = child(r, 0);
    CU_ASSERT_STRING_EQUAL(alt->subtype, "alternative");
    CU_ASSERT_EQUAL(child(alt, 0)->cte, MIME_CTE_QP);
    CU_ASSERT_STRING_EQUAL(mime_part_param(child(alt, 0), "charset"), "utf-8");
    ASSERT_DECODED(child(alt, 0), "Dear Bob,\r\nPlease find a picture of a cr\xc3\xaape.\r\n");
    CU_ASSERT_EQUAL(child(alt, 1)->cte, MIME_CTE_7BIT);
    CU_ASSERT_STRING_EQUAL(mime_part_param(child(alt, 1), "charset"), "us-ascii");
    ASSERT_DECODED(child(alt, 1), "<p>Dear Bob,</p>\r\n<p>a crepe</p>\r\n");
    mime_part *img = child(r, 1);
    CU_ASSERT_EQUAL(img->cte, MIME_CTE_BASE64);
    CU_ASSERT_STRING_EQUAL(img->disposition, "attachment");
    CU_ASSERT_STRING_EQUAL(img->filename, "cr\xc3\xaape photo.jpg");
    GByteArray *d = g_byte_array_new();
    CU_ASSERT_EQUAL(mime_part_decode(img, d, NULL), MIME_OK);
    CU_ASSERT_EQUAL_FATAL(d->len, 3000);
    for (guint i = 0; i < d->len; i++)
        CU_ASSERT_EQUAL_FATAL(d->data[i], (uint8_t)(i * 7 + i / 256));
    g_byte_array_free(d, TRUE);
    CU_ASSERT_STRING_EQUAL(child(r, 2)->filename, "a very long file name \xc3\xa9 that needs RFC 2231 continuations "
                                                  "to stay on short lines.bin");
    /* The boundaries occur nowhere else. */
    char *delim = g_strconcat("--", r->boundary, NULL);
    size_t count = 0;
    for (guint i = 0; i + strlen(delim) <= b->len; i++)
        if (memcmp(b->data + i, delim, strlen(delim)) == 0)
            count++;
    CU_ASSERT_EQUAL(count, 4);
    CU_ASSERT_TRUE(g_str_has_prefix(r->boundary, "=_appsim_"));
    CU_ASSERT_STRING_NOT_EQUAL(r->boundary, alt->boundary);
    g_free(delim);
    mime_msg_free(m);
    g_byte_array_free(b, TRUE);
    mime_out_free(top);
}

static void test_builder_text_choices(void)
{
    /* A 7-bit text with a line over 998 characters goes quoted-printable. */
    GString *t = g_string_new(NULL);
    for (int i = 0; i < 1200; i++)
        g_string_append_c(t, (char)('a' + i % 26));
    g_string_append(t, "\nshort\n");
    mime_out *o = mime_out_text_new("plain", t->str, t->len);
    mime_out_header(o, "Subject", "plain");
    GByteArray *b = mime_out_serialise(o);
    assert_crlf_lines(b, 998);
    mime_msg *m = NULL;
    CU_ASSERT_EQUAL_FATAL(mime_msg_parse(b->data, b->len, &m, NULL), MIME_OK);
    CU_ASSERT_EQUAL(m->root->cte, MIME_CTE_QP);
    GByteArray *d = g_byte_array_new();
    mime_part_decode(m->root, d, NULL);
    CU_ASSERT_EQUAL(d->len, 1200 + 2 + 5 + 2);
    g_byte_array_free(d, TRUE);
    mime_msg_free(m);
    g_byte_array_free(b, TRUE);
    mime_out_free(o);
    g_string_free(t, TRUE);
    /* A header with a word too long to fold, and one with a line break,
     * are encoded; adding to a leaf fails. */
    o = mime_out_text_new("plain", "x", 1);
    char *longword = g_strnfill(950, 'w');
    mime_out_header(o, "X-Long", longword);
    mime_out_header(o, "X-Inject", "a\r\nBcc: evil@example.com");
    CU_ASSERT_FALSE(mime_out_add(o, mime_out_text_new("plain", "y", 1)));
    b = mime_out_serialise(o);
    assert_crlf_lines(b, 998);
    CU_ASSERT_EQUAL_FATAL(mime_msg_parse(b->data, b->len, &m, NULL), MIME_OK);
    char *v = mime_part_header_decoded(m->root, "X-Long");
    CU_ASSERT_STRING_EQUAL(v, longword);
    g_free(v);
    CU_ASSERT_PTR_NULL(mime_part_header(m->root, "Bcc"));
    CU_ASSERT_STRING_EQUAL(m->root->subtype, "plain");
    mime_out *bad = mime_out_attachment_new("no slash", NULL, (const uint8_t *)"z", 1);
    char *huge = g_strnfill(3000, 'n');
    mime_out_header(bad, huge, "v");
    mime_out_address(bad, "To", NULL, huge);
    GByteArray *bb = mime_out_serialise(bad);
    assert_crlf_lines(bb, 998);
    mime_msg *mb = NULL;
    CU_ASSERT_EQUAL_FATAL(mime_msg_parse(bb->data, bb->len, &mb, NULL), MIME_OK);
    CU_ASSERT_STRING_EQUAL(mb->root->type, "application");
    CU_ASSERT_STRING_EQUAL(mb->root->subtype, "octet-stream");
    CU_ASSERT_EQUAL(strlen(((mime_field *)g_ptr_array_index(mb->root->fields, 0))->name), MIME_NAME_MAX);
    CU_ASSERT_EQUAL(strlen(mime_part_header(mb->root, "To")), MIME_ADDR_MAX);
    mime_msg_free(mb);
    g_byte_array_free(bb, TRUE);
    mime_out_free(bad);
    g_free(huge);
    v = mime_part_header_decoded(m->root, "X-Inject");
    CU_ASSERT_STRING_EQUAL(v, "a\r\nBcc: evil@example.com");
    g_free(v);
    mime_msg_free(m);
    g_byte_array_free(b, TRUE);
    mime_out_free(o);
    g_free(longword);
}

static void test_dates_and_ids(void)
{
    char buf[64];
    CU_ASSERT_TRUE(mime_format_date(0, 0, buf, sizeof buf));
    CU_ASSERT_STRING_EQUAL(buf, "Thu, 1 Jan 1970 00:00:00 +0000");
    CU_ASSERT_TRUE(mime_format_date(1700000000, 0, buf, sizeof buf));
    CU_ASSERT_STRING_EQUAL(buf, "Tue, 14 Nov 2023 22:13:20 +0000");
    CU_ASSERT_TRUE(mime_format_date(1700000000, -480, buf, sizeof buf));
    CU_ASSERT_STRING_EQUAL(buf, "Tue, 14 Nov 2023 14:13:20 -0800");
    CU_ASSERT_TRUE(mime_format_date(951782400, 330, buf, sizeof buf));
    CU_ASSERT_STRING_EQUAL(buf, "Tue, 29 Feb 2000 05:30:00 +0530");
    CU_ASSERT_TRUE(mime_format_date(-1, 0, buf, sizeof buf));
    CU_ASSERT_STRING_EQUAL(buf, "Wed, 31 Dec 1969 23:59:59 +0000");
    CU_ASSERT_TRUE(mime_format_date(-62135596800LL, 0, buf, sizeof buf));
    CU_ASSERT_STRING_EQUAL(buf, "Mon, 1 Jan 0001 00:00:00 +0000");
    CU_ASSERT_TRUE(mime_format_date(253402300799LL, 0, buf, sizeof buf));
    CU_ASSERT_STRING_EQUAL(buf, "Fri, 31 Dec 9999 23:59:59 +0000");
    CU_ASSERT_FALSE(mime_format_date(253402300800LL, 0, buf, sizeof buf));
    CU_ASSERT_FALSE(mime_format_date(-62135596801LL, 0, buf, sizeof buf));
    CU_ASSERT_FALSE(mime_format_date(0, 1440, buf, sizeof buf));
    CU_ASSERT_FALSE(mime_format_date(INT64_MAX, 0, buf, sizeof buf));
    /* Message-IDs: the same seed gives the same id, another seed another. */
    mime_out *a = mime_out_text_new("plain", "", 0), *b = mime_out_text_new("plain", "", 0);
    mime_out_message_id(a, 7, "example.com");
    mime_out_message_id(a, 7, "example.com");
    mime_out_message_id(b, 8, "example.com");
    GByteArray *sa = mime_out_serialise(a), *sb = mime_out_serialise(b);
    mime_msg *ma = NULL, *mb = NULL;
    CU_ASSERT_EQUAL_FATAL(mime_msg_parse(sa->data, sa->len, &ma, NULL), MIME_OK);
    CU_ASSERT_EQUAL_FATAL(mime_msg_parse(sb->data, sb->len, &mb, NULL), MIME_OK);
    const mime_field *f1 = g_ptr_array_index(ma->root->fields, 0), *f2 = g_ptr_array_index(ma->root->fields, 1);
    CU_ASSERT_STRING_EQUAL(f1->value, f2->value);
    CU_ASSERT_STRING_NOT_EQUAL(f1->value, mime_part_header(mb->root, "Message-ID"));
    mime_msg_free(ma);
    mime_msg_free(mb);
    g_byte_array_free(sa, TRUE);
    g_byte_array_free(sb, TRUE);
    mime_out_free(a);
    mime_out_free(b);
}

/* A text body with each encoding forced decodes to the same bytes; the
 * encodings that cannot carry a text are refused. */
static void test_builder_text_encoding(void)
{
    static const char text[] = "Gr\xc3\xbc\xc3\x9f Gott,\r\n.dot line\r\nend\r\n";
    const mime_cte forced[] = {MIME_CTE_8BIT, MIME_CTE_QP, MIME_CTE_BASE64, MIME_CTE_UNKNOWN};
    const mime_cte seen[] = {MIME_CTE_8BIT, MIME_CTE_QP, MIME_CTE_BASE64, MIME_CTE_QP};
    for (size_t i = 0; i < G_N_ELEMENTS(forced); i++) {
        mime_out *o = mime_out_text_new("plain", text, sizeof text - 1);
        CU_ASSERT_FALSE(mime_out_text_set_encoding(o, MIME_CTE_7BIT));
        CU_ASSERT_TRUE(mime_out_text_set_encoding(o, forced[i]));
        GByteArray *b = mime_out_serialise(o);
        mime_msg *m = NULL;
        CU_ASSERT_EQUAL_FATAL(mime_msg_parse(b->data, b->len, &m, NULL), MIME_OK);
        CU_ASSERT_EQUAL(m->root->cte, seen[i]);
        GByteArray *d = g_byte_array_new();
        mime_part_decode(m->root, d, NULL);
        CU_ASSERT_EQUAL(d->len, sizeof text - 1);
        CU_ASSERT_EQUAL(memcmp(d->data, text, sizeof text - 1), 0);
        g_byte_array_free(d, TRUE);
        mime_msg_free(m);
        g_byte_array_free(b, TRUE);
        mime_out_free(o);
    }
    char *nul = g_strdup("a");
    mime_out *o = mime_out_text_new("plain", nul, 2); /* the NUL included */
    CU_ASSERT_FALSE(mime_out_text_set_encoding(o, MIME_CTE_8BIT));
    CU_ASSERT_TRUE(mime_out_text_set_encoding(o, MIME_CTE_BASE64));
    mime_out_free(o);
    g_free(nul);
    mime_out *a = mime_out_attachment_new("image/png", "x.png", (const uint8_t *)"x", 1);
    CU_ASSERT_FALSE(mime_out_text_set_encoding(a, MIME_CTE_QP));
    mime_out_free(a);
}

int main(void)
{
    static const test_case tests[] = {
        TEST(test_slides_message), TEST(test_rfc2046_example), TEST(test_headers),
        TEST(test_nesting_and_padding), TEST(test_malformed), TEST(test_builder),
        TEST(test_builder_text_choices), TEST(test_builder_text_encoding), TEST(test_dates_and_ids),
    };
    return test_main("mime_msg", tests, (int)G_N_ELEMENTS(tests));
}

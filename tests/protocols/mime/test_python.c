/*
 * Interop of protocols/mime with Python's email package (the standard
 * library of /usr/bin/python3), run as a child process bounded by an
 * alarm of 60 s:
 *  (a) Python builds a message (text and HTML alternative, the text
 *      quoted-printable, two attachments with non-ASCII names, a
 *      non-ASCII subject and sender, the alternative nested in a mixed),
 *      writes it with CRLF line ends and describes what it parses back:
 *      every part in order, its type, encoding, filename and decoded
 *      bytes, and the headers. appsim's parser must give the same
 *      description.
 *  (b) appsim builds a message; Python parses it with
 *      email.policy.default and describes it; the description must be
 *      exactly what appsim put in (written out here from the inputs, not
 *      from appsim's parser).
 * The test is skipped (a failure under CI) only when /usr/bin/python3 is
 * missing.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "protocols/mime/mime_msg.h"
#include "test_util.h"

#define PYTHON "/usr/bin/python3"

/* The description: a line per header asked for and per part, byte
 * strings in hex. */
static const char py_script[] =
    "import signal, sys, email, email.policy\n"
    "from email.message import EmailMessage\n"
    "signal.alarm(60)\n"
    "def hx(b):\n"
    "    return (b.encode('utf-8') if isinstance(b, str) else b).hex() or '-'\n"
    "def describe(m):\n"
    "    out = []\n"
    "    out.append('subject ' + hx(str(m['Subject'])))\n"
    "    a = m['From'].addresses[0]\n"
    "    out.append('from ' + hx(a.display_name) + ' ' + a.addr_spec)\n"
    "    for h in ('To', 'Cc'):\n"
    "        if m[h] is not None:\n"
    "            for a in m[h].addresses:\n"
    "                out.append(h.lower() + ' ' + hx(a.display_name) + ' ' + a.addr_spec)\n"
    "    if m['Date'] is not None:\n"
    "        out.append('date %d' % int(m['Date'].datetime.timestamp()))\n"
    "    if m['Message-ID'] is not None:\n"
    "        out.append('message-id ' + str(m['Message-ID']))\n"
    "    for p in m.walk():\n"
    "        cte = str(p.get('Content-Transfer-Encoding', '7bit')).strip().lower()\n"
    "        if p.is_multipart():\n"
    "            out.append('multi %s %d' % (p.get_content_type(), len(p.get_payload())))\n"
    "        else:\n"
    "            out.append('part %s %s %s %s' % (p.get_content_type(), cte, hx(p.get_filename() or ''),\n"
    "                                           hx(p.get_payload(decode=True))))\n"
    "    return '\\n'.join(out) + '\\n'\n"
    "mode, path = sys.argv[1], sys.argv[2]\n"
    "if mode == 'build':\n"
    "    m = EmailMessage()\n"
    "    m['From'] = 'Alic\\u00e9 \\u00dcnicode <alice@crepes.fr>'\n"
    "    m['To'] = 'Bob <bob@hamburger.edu>, carol@example.org'\n"
    "    m['Subject'] = 'Photo de cr\\u00eape \\u2013 \\u00e7a va? ' + 'encore ' * 12\n"
    "    m.set_content('Dear Bob,\\nPlease find a picture of a cr\\u00eape.\\n' + 'x' * 100 + ' \\n',\n"
    "                  cte='quoted-printable')\n"
    "    m.add_alternative('<html><body><p>Dear Bob, a cr\\u00eape!</p></body></html>\\n', subtype='html')\n"
    "    m.add_attachment(bytes(range(256)) * 8, maintype='application', subtype='octet-stream',\n"
    "                     filename='donn\\u00e9es.bin')\n"
    "    m.add_attachment(bytes((i * 7 + i // 256) % 256 for i in range(3000)), maintype='image',\n"
    "                     subtype='png', filename='cr\\u00eape photo with a rather long name, to be folded.png')\n"
    "    data = m.as_bytes(policy=email.policy.SMTP)\n"
    "    open(path, 'wb').write(data)\n"
    "data = open(path, 'rb').read()\n"
    "sys.stdout.write(describe(email.message_from_bytes(data, policy=email.policy.default)))\n";

static bool have_python(void)
{
    if (g_file_test(PYTHON, G_FILE_TEST_IS_EXECUTABLE))
        return true;
    test_skip("%s is not installed (make test installs python3)", PYTHON);
    return false;
}

/* Runs the script in `mode` on `path`; its output (new string) or NULL. */
static char *run_python(const char *mode, const char *path)
{
    const char *argv[] = {PYTHON, "-c", py_script, mode, path, NULL};
    char *out = NULL, *err = NULL;
    int st = test_spawn(NULL, argv, &out, &err);
    if (st != 0)
        fprintf(stderr, "python exited %d: %s\n", st, err ? err : "");
    CU_ASSERT_EQUAL(st, 0);
    g_free(err);
    if (st != 0) {
        g_free(out);
        return NULL;
    }
    return out;
}

static void hex(GString *out, const void *data, size_t len)
{
    const uint8_t *b = data;
    if (len == 0)
        g_string_append_c(out, '-');
    for (size_t i = 0; i < len; i++)
        g_string_append_printf(out, "%02x", b[i]);
}
static void hexs(GString *out, const char *s) { hex(out, s, s ? strlen(s) : 0); }

/* Splits a decoded mailbox "Name <addr>" or "addr" (display unquoted). */
static void mailbox(GString *out, const char *tag, const char *mb)
{
    char *s = g_strstrip(g_strdup(mb));
    char *lt = strrchr(s, '<');
    g_string_append_printf(out, "%s ", tag);
    if (lt) {
        char *addr = g_strndup(lt + 1, strcspn(lt + 1, ">"));
        *lt = 0;
        char *name = g_strstrip(s);
        GString *un = g_string_new(NULL);
        for (const char *p = name; *p; p++) {
            if (*p == '"')
                continue;
            if (*p == '\\' && p[1])
                p++;
            g_string_append_c(un, *p);
        }
        hexs(out, un->str);
        g_string_append_printf(out, " %s\n", addr);
        g_string_free(un, TRUE);
        g_free(addr);
    } else {
        g_string_append_printf(out, "- %s\n", s);
    }
    g_free(s);
}

/* Mailboxes of an address list, split at commas outside quotes. */
static void mailboxes(GString *out, const char *tag, const char *list)
{
    bool q = false;
    const char *start = list;
    for (const char *p = list;; p++) {
        if (*p == '"')
            q = !q;
        if (*p == '\\' && p[1]) {
            p++;
            continue;
        }
        if ((*p == ',' && !q) || !*p) {
            char *one = g_strndup(start, (gsize)(p - start));
            mailbox(out, tag, one);
            g_free(one);
            start = p + 1;
        }
        if (!*p)
            break;
    }
}

static void describe_part(GString *out, const mime_part *p)
{
    if (p->parts) {
        g_string_append_printf(out, "multi %s/%s %u\n", p->type, p->subtype, p->parts->len);
        for (guint i = 0; i < p->parts->len; i++)
            describe_part(out, g_ptr_array_index(p->parts, i));
        return;
    }
    GByteArray *d = g_byte_array_new();
    CU_ASSERT_EQUAL(mime_part_decode(p, d, NULL), MIME_OK);
    g_string_append_printf(out, "part %s/%s %s ", p->type, p->subtype, mime_cte_name(p->cte));
    hexs(out, p->filename);
    g_string_append_c(out, ' ');
    hex(out, d->data, d->len);
    g_string_append_c(out, '\n');
    g_byte_array_free(d, TRUE);
}

/* appsim's description of a parsed message, in the script's form. */
static char *describe(const mime_msg *m)
{
    GString *out = g_string_new("subject ");
    char *s = mime_part_header_decoded(m->root, "Subject");
    hexs(out, s);
    g_string_append_c(out, '\n');
    g_free(s);
    s = mime_part_header_decoded(m->root, "From");
    mailbox(out, "from", s);
    g_free(s);
    static const char *const lists[] = {"To", "Cc"};
    for (int i = 0; i < 2; i++) {
        s = mime_part_header_decoded(m->root, lists[i]);
        if (s) {
            char *tag = g_ascii_strdown(lists[i], -1);
            mailboxes(out, tag, s);
            g_free(tag);
        }
        g_free(s);
    }
    describe_part(out, m->root);
    return g_string_free(out, FALSE);
}

static char *temp_path(void)
{
    char *path = NULL;
    int fd = g_file_open_tmp("appsim-mime-XXXXXX.eml", &path, NULL);
    CU_ASSERT_TRUE_FATAL(fd >= 0);
    g_close(fd, NULL);
    return path;
}

static void test_python_builds(void)
{
    if (!have_python())
        return;
    char *path = temp_path();
    char *want = run_python("build", path);
    CU_ASSERT_PTR_NOT_NULL_FATAL(want);
    char *data = NULL;
    gsize len = 0;
    CU_ASSERT_TRUE_FATAL(g_file_get_contents(path, &data, &len, NULL));
    mime_msg *m = NULL;
    size_t at = 0;
    mime_status st = mime_msg_parse((const uint8_t *)data, len, &m, &at);
    CU_ASSERT_EQUAL_FATAL(st, MIME_OK);
    char *got = describe(m);
    if (strcmp(got, want) != 0)
        fprintf(stderr, "python:\n%s\nappsim:\n%s\n", want, got);
    CU_ASSERT_STRING_EQUAL(got, want);
    /* What Python wrote has the shape asked for. */
    CU_ASSERT_PTR_NOT_NULL(strstr(want, "multi multipart/mixed 3\nmulti multipart/alternative 2\n"
                                        "part text/plain quoted-printable"));
    CU_ASSERT_PTR_NOT_NULL(strstr(want, "part text/html"));
    CU_ASSERT_PTR_NOT_NULL(strstr(want, "part image/png base64"));
    g_free(got);
    mime_msg_free(m);
    g_free(data);
    g_free(want);
    g_unlink(path);
    g_free(path);
}

static void test_python_parses(void)
{
    if (!have_python())
        return;
    const char subject[] = "Photo de cr\xc3\xaape \xe2\x80\x93 \xc3\xa7" "a va? with a subject long enough to fold "
                           "twice over, at least, in seventy-eight columns";
    const char from_name[] = "Alic\xc3\xa9 \xc3\x9cnicode";
    const char text[] = "Dear Bob,\r\nPlease find a picture of a cr\xc3\xaape.\r\ntrailing space \r\n=equals=\r\n";
    const char html[] = "<html><body><p>Dear Bob</p></body></html>\r\n";
    const char name1[] = "r\xc3\xa9sum\xc3\xa9.pdf";
    const char name2[] = "a very long file name \xc3\xa9 with spaces, that goes on past sixty characters.png";
    uint8_t bin[4099];
    for (size_t i = 0; i < sizeof bin; i++)
        bin[i] = (uint8_t)((i * 2654435761u) >> 13);
    GString *long_line = g_string_new(NULL);
    for (int i = 0; i < 1100; i++)
        g_string_append_c(long_line, (char)('a' + i % 26));
    g_string_append(long_line, "\r\n");

    mime_out *top = mime_out_multipart_new("mixed");
    mime_out_address(top, "From", from_name, "alice@crepes.fr");
    mime_out_address(top, "To", "Bob", "bob@hamburger.edu");
    mime_out_address(top, "To", "\xc3\x87\x61rol, \"the\" \xc3\xa9" "diteur", "carol@example.org");
    mime_out_address(top, "Cc", NULL, "dave@example.net");
    mime_out_header(top, "Subject", subject);
    mime_out_date(top, 1796500507, -300);
    mime_out_message_id(top, 2026, "crepes.fr");
    mime_out *alt = mime_out_multipart_new("alternative");
    mime_out_add(alt, mime_out_text_new("plain", text, sizeof text - 1));
    mime_out_add(alt, mime_out_text_new("html", html, sizeof html - 1));
    mime_out_add(top, alt);
    mime_out_add(top, mime_out_attachment_new("application/pdf", name1, bin, sizeof bin));
    mime_out *inner = mime_out_multipart_new("mixed");
    mime_out_add(inner, mime_out_attachment_new("image/png", name2, bin, 100));
    mime_out_add(inner, mime_out_text_new("plain", long_line->str, long_line->len));
    mime_out_add(top, inner);
    GByteArray *b = mime_out_serialise(top);
    char *path = temp_path();
    CU_ASSERT_TRUE_FATAL(g_file_set_contents(path, (const char *)b->data, (gssize)b->len, NULL));
    char *got = run_python("read", path);
    CU_ASSERT_PTR_NOT_NULL_FATAL(got);

    GString *want = g_string_new("subject ");
    hexs(want, subject);
    g_string_append(want, "\nfrom ");
    hexs(want, from_name);
    g_string_append(want, " alice@crepes.fr\nto ");
    hexs(want, "Bob");
    g_string_append(want, " bob@hamburger.edu\nto ");
    hexs(want, "\xc3\x87\x61rol, \"the\" \xc3\xa9" "diteur");
    g_string_append(want, " carol@example.org\ncc - dave@example.net\n");
    g_string_append(want, "date 1796500507\n");
    g_string_append(want, "message-id ");
    char *id = NULL;
    {
        mime_msg *m = NULL;
        CU_ASSERT_EQUAL_FATAL(mime_msg_parse(b->data, b->len, &m, NULL), MIME_OK);
        id = g_strdup(mime_part_header(m->root, "Message-ID"));
        mime_msg_free(m);
    }
    g_string_append_printf(want, "%s\n", id);
    g_string_append(want, "multi multipart/mixed 3\nmulti multipart/alternative 2\npart text/plain quoted-printable - ");
    hexs(want, text);
    g_string_append(want, "\npart text/html 7bit - ");
    hexs(want, html);
    g_string_append(want, "\npart application/pdf base64 ");
    hexs(want, name1);
    g_string_append_c(want, ' ');
    hex(want, bin, sizeof bin);
    g_string_append(want, "\nmulti multipart/mixed 2\npart image/png base64 ");
    hexs(want, name2);
    g_string_append_c(want, ' ');
    hex(want, bin, 100);
    g_string_append(want, "\npart text/plain quoted-printable - ");
    hexs(want, long_line->str);
    g_string_append_c(want, '\n');
    if (strcmp(got, want->str) != 0)
        fprintf(stderr, "python:\n%s\nwanted:\n%s\n", got, want->str);
    CU_ASSERT_STRING_EQUAL(got, want->str);
    g_free(id);
    g_string_free(want, TRUE);
    g_string_free(long_line, TRUE);
    g_free(got);
    g_unlink(path);
    g_free(path);
    g_byte_array_free(b, TRUE);
    mime_out_free(top);
}

int main(void)
{
    static const test_case tests[] = {TEST(test_python_builds), TEST(test_python_parses)};
    return test_main("mime_python", tests, (int)G_N_ELEMENTS(tests));
}

/*
 * Interop of protocols/imap with Python's imaplib (the standard library of
 * /usr/bin/python3) as the client. The suite's program doubles as the
 * server: run with --stdio it serves one IMAP session on its standard
 * input and output over the fixture's store (fixture.h), which is what
 * imaplib.IMAP4_stream() talks to. The Python script logs in, selects,
 * fetches (flags, sizes, body sections, the structure), searches,
 * stores, appends with a date, copies, expunges, lists and logs out, and
 * prints what imaplib parsed; that must be exactly what this file
 * expects. A child bounded by an alarm of 60 s. Skipped (a failure under
 * CI) only when /usr/bin/python3 is missing.
 */
#include <glib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fixture.h"
#include "test_util.h"

#define PYTHON "/usr/bin/python3"
#define SELF APPSIM_BINARY_DIR "/test_protocols_imap_imaplib"

static const char py_script[] =
    "import imaplib, signal, sys\n"
    "signal.alarm(60)\n"
    "M = imaplib.IMAP4_stream(sys.argv[1])\n"
    "out = ['caps ' + ' '.join(sorted(M.capabilities))]\n"
    "def show(name, r):\n"
    "    typ, data = r\n"
    "    parts = []\n"
    "    for d in data:\n"
    "        if isinstance(d, tuple):\n"
    "            parts.append('[' + d[0].decode() + '|' + d[1].decode() + ']')\n"
    "        elif d is not None:\n"
    "            parts.append(d.decode() if isinstance(d, bytes) else str(d))\n"
    "    out.append(name + ' ' + typ + ' ' + ' '.join(parts))\n"
    "show('login', M.login('alice', 'wonderland'))\n"
    "show('select', M.select('INBOX'))\n"
    "out.append('uidvalidity ' + M.response('UIDVALIDITY')[1][0].decode())\n"
    "show('fetch', M.fetch('1:3', '(UID FLAGS RFC822.SIZE)'))\n"
    "show('peek', M.fetch('2', '(BODY.PEEK[1] BODY.PEEK[HEADER.FIELDS (SUBJECT)])'))\n"
    "show('structure', M.fetch('2', '(BODYSTRUCTURE)'))\n"
    "show('search', M.search(None, 'FROM', '\"bob\"'))\n"
    "show('search2', M.search(None, 'OR', 'SEEN', 'FLAGGED'))\n"
    "show('store', M.store('2', '+FLAGS', '(\\\\Flagged)'))\n"
    "show('append', M.append('Archive', '(\\\\Seen)', '\"05-Nov-2026 12:00:00 +0100\"', b'Subject: py\\r\\n\\r\\nhi\\r\\n'))\n"
    "show('copy', M.copy('1:2', 'Archive'))\n"
    "show('status', M.status('Archive', '(MESSAGES UIDNEXT)'))\n"
    "show('list', M.list())\n"
    "show('uid', M.uid('FETCH', '2:*', '(FLAGS)'))\n"
    "show('delete', M.store('1', '+FLAGS.SILENT', '(\\\\Deleted)'))\n"
    "show('expunge', M.expunge())\n"
    "show('close', M.close())\n"
    "show('logout', M.logout())\n"
    "sys.stdout.write('\\n'.join(out) + '\\n')\n";

static const char expected[] =
    "caps IMAP4REV1 LITERAL+ MOVE UIDPLUS UNSELECT\n"
    "login OK LOGIN completed\n"
    "select OK 3\n"
    "uidvalidity 1\n"
    "fetch OK 1 (UID 1 FLAGS (\\Seen) RFC822.SIZE 171) 2 (UID 2 FLAGS (\\Recent) RFC822.SIZE 471) "
    "3 (UID 3 FLAGS (\\Flagged \\Recent) RFC822.SIZE 59)\n"
    "peek OK [2 (BODY[1] {13}|See attached.] [ BODY[HEADER.FIELDS (SUBJECT)] {19}|Subject: Report\r\n\r\n] )\n"
    "structure OK 2 (BODYSTRUCTURE ((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"utf-8\") NIL NIL \"7BIT\" 13 1 NIL NIL NIL NIL)"
    "(\"APPLICATION\" \"PDF\" (\"NAME\" \"r.pdf\") NIL NIL \"BASE64\" 12 NIL (\"ATTACHMENT\" (\"FILENAME\" \"r.pdf\")) "
    "NIL NIL) \"MIXED\" (\"BOUNDARY\" \"XX\") NIL NIL NIL))\n"
    "search OK 2\n"
    "search2 OK 1 3\n"
    "store OK 2 (FLAGS (\\Flagged \\Recent))\n"
    "append OK [APPENDUID 3 1] APPEND completed\n"
    "copy OK [COPYUID 3 1:2 2:3] COPY completed\n"
    "status OK \"Archive\" (MESSAGES 3 UIDNEXT 4)\n"
    "list OK () \"/\" \"INBOX\" () \"/\" \"Archive\" (\\Noselect) \"/\" \"Work\" () \"/\" \"Work/Projects\"\n"
    "uid OK 2 (UID 2 FLAGS (\\Flagged \\Recent)) 3 (UID 3 FLAGS (\\Flagged \\Recent))\n"
    "delete OK \n"
    "expunge OK 1\n"
    "close OK CLOSE completed\n"
    "logout BYE IMAP4rev1 server logging out\n";

/* One session on standard input and output. */
static int serve_stdio(void)
{
    mail_store *st = fixture_store();
    imap_server_core *s = imap_server_core_new(NULL, st);
    uint8_t buf[4096];
    bool eof = false;
    while (!imap_server_core_closed(s) || !eof) {
        size_t n;
        const uint8_t *o = imap_server_core_output(s, &n);
        while (n > 0) {
            ssize_t w = write(1, o, n);
            if (w <= 0)
                goto done;
            imap_server_core_consume(s, (size_t)w);
            o = imap_server_core_output(s, &n);
        }
        if (imap_server_core_closed(s) || eof)
            break;
        ssize_t r = read(0, buf, sizeof buf);
        if (r <= 0) {
            eof = true;
            continue;
        }
        for (size_t off = 0; off < (size_t)r;) {
            off += imap_server_core_feed(s, buf + off, (size_t)r - off);
            o = imap_server_core_output(s, &n);
            while (n > 0) {
                ssize_t w = write(1, o, n);
                if (w <= 0)
                    goto done;
                imap_server_core_consume(s, (size_t)w);
                o = imap_server_core_output(s, &n);
            }
        }
    }
done:
    imap_server_core_free(s);
    mail_store_free(st);
    return 0;
}

static void test_imaplib_session(void)
{
    if (!g_file_test(PYTHON, G_FILE_TEST_IS_EXECUTABLE)) {
        test_skip("%s is not installed (make test installs python3)", PYTHON);
        return;
    }
    char *cmd = g_strdup_printf("'%s' --stdio", SELF);
    const char *argv[] = {PYTHON, "-c", py_script, cmd, NULL};
    char *out = NULL, *err = NULL;
    int st = test_spawn(NULL, argv, &out, &err);
    if (st != 0 || g_strcmp0(out, expected) != 0)
        fprintf(stderr, "python exited %d\nstderr: %s\noutput:\n%s\nexpected:\n%s\n", st, err ? err : "",
                out ? out : "", expected);
    CU_ASSERT_EQUAL(st, 0);
    CU_ASSERT_STRING_EQUAL(out ? out : "", expected);
    g_free(out);
    g_free(err);
    g_free(cmd);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--stdio") == 0)
        return serve_stdio();
    static const test_case tests[] = {
        TEST(test_imaplib_session),
    };
    return test_main("protocols/imap/imaplib", tests, G_N_ELEMENTS(tests));
}

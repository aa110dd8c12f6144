/*
 * appsim's mail commands on real sockets against peers nobody here wrote
 * (issue 13): Python's smtplib and curl send to `appsim smtp serve`, and
 * Python's email package reads what it stored in the Maildir; `appsim
 * mail send` submits to Python's aiosmtpd (python3-aiosmtpd) and to
 * `appsim smtp serve`, and the email package decodes what arrived (text
 * and attachments byte for byte); relaying is refused unless
 * --relay-loopback, and then goes to the --route; the connection cap; the
 * exit statuses. Loopback only; every server gets --timeout (aiosmtpd's
 * script stops itself too) and is stopped by its test; every client runs
 * under timeout(1).
 */
#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "http_procs.h"
#include "test_util.h"

/* The Debian interpreter, which has python3-aiosmtpd (a python3 earlier
 * on the PATH may be another one). */
#define PYTHON "/usr/bin/python3"

static char *tmp_dir;

/* A path in the suite's folder (new string). */
static char *tmp_path(const char *name)
{
    if (!tmp_dir)
        tmp_dir = g_dir_make_tmp("appsim-smtp-XXXXXX", NULL);
    return g_build_filename(tmp_dir, name, NULL);
}

/* Writes a file of the suite's folder; its path (new). */
static char *put_file(const char *name, const void *data, gssize len)
{
    char *path = tmp_path(name);
    CU_ASSERT_TRUE(g_file_set_contents(path, data, len, NULL));
    return path;
}

/* A fresh folder of the suite's folder; its path (new). */
static char *make_dir(const char *name)
{
    char *path = tmp_path(name);
    CU_ASSERT_EQUAL(g_mkdir_with_parents(path, 0700), 0);
    return path;
}

/* Runs argv (NULL-terminated) under timeout(1) 60 s; its stdout (new),
 * its exit status in *code (-1 when it did not exit). */
static char *run(const char *const *args, int *code)
{
    GPtrArray *argv = g_ptr_array_new();
    g_ptr_array_add(argv, "timeout");
    g_ptr_array_add(argv, "60");
    for (const char *const *a = args; *a; a++)
        g_ptr_array_add(argv, (gpointer)*a);
    g_ptr_array_add(argv, NULL);
    char *out = NULL, *err = NULL;
    int st = 0;
    *code = -1;
    if (g_spawn_sync(NULL, (char **)argv->pdata, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err, &st, NULL)) {
        if (WIFEXITED(st))
            *code = WEXITSTATUS(st);
        if (err && *err)
            fprintf(stderr, "[%s stderr] %s", args[0], err);
    } else {
        out = g_strdup("");
    }
    g_free(err);
    g_ptr_array_free(argv, TRUE);
    return out;
}

static bool has(const char *out, const char *what)
{
    bool ok = strstr(out, what) != NULL;
    if (!ok)
        fprintf(stderr, "\nexpected \"%s\" in:\n%s\n", what, out);
    return ok;
}

/* Starts `appsim smtp serve --port 0 --timeout 120` with `args`
 * (NULL-terminated); stderr to the suite's folder. */
static bool smtp_serve(const char *const *args, hp_server *sp)
{
    GPtrArray *argv = g_ptr_array_new();
    const char *base[] = {APPSIM, "smtp", "serve", "--port", "0", "--timeout", "120"};
    for (size_t i = 0; i < G_N_ELEMENTS(base); i++)
        g_ptr_array_add(argv, (gpointer)base[i]);
    for (const char *const *a = args; *a; a++)
        g_ptr_array_add(argv, (gpointer)*a);
    g_ptr_array_add(argv, NULL);
    char *err_path = tmp_path("serve.err");
    bool ok = hp_start((char **)argv->pdata, err_path, sp);
    g_free(err_path);
    g_ptr_array_free(argv, TRUE);
    return ok;
}

/* Waits (at most 10 s) until DIR/new holds `n` files; their paths, sorted
 * (NULL-terminated, g_strfreev). */
static char **wait_maildir(const char *maildir, const char *user, guint n)
{
    char *dir = g_build_filename(maildir, user, "new", NULL);
    GPtrArray *files = NULL;
    for (int i = 0; i < 100; i++) {
        if (files)
            g_ptr_array_free(files, TRUE);
        files = g_ptr_array_new_with_free_func(g_free);
        GDir *d = g_dir_open(dir, 0, NULL);
        const char *name;
        while (d && (name = g_dir_read_name(d)) != NULL)
            g_ptr_array_add(files, g_build_filename(dir, name, NULL));
        if (d)
            g_dir_close(d);
        if (files->len >= n)
            break;
        g_usleep(100000);
    }
    g_free(dir);
    g_ptr_array_sort(files, (GCompareFunc)g_strcmp0);
    CU_ASSERT_EQUAL(files->len, n);
    g_ptr_array_set_free_func(files, NULL);
    g_ptr_array_add(files, NULL);
    return (char **)g_ptr_array_free(files, FALSE);
}

/* ---- the Python side ------------------------------------------------- */

/* check.py EML BODY [ATTACHMENT...]: the message parses with the email
 * package; its first leaf is the text/plain body, whose decoded bytes are
 * BODY's; the other leaves are the attachments, with their file names,
 * types and bytes. Prints "OK n attachments" or what differs. */
static const char check_py[] =
    "import email, email.policy, mimetypes, os, sys\n"
    "msg = email.message_from_bytes(open(sys.argv[1], 'rb').read(), policy=email.policy.default)\n"
    "body = open(sys.argv[2], 'rb').read()\n"
    "atts = sys.argv[3:]\n"
    "errs = []\n"
    "for h in ('From', 'To', 'Date', 'Message-ID', 'MIME-Version', 'Subject'):\n"
    "    if msg[h] is None: errs.append('no ' + h)\n"
    "if msg.defects: errs.append('defects: %r' % msg.defects)\n"
    "leaves = [p for p in msg.walk() if not p.is_multipart()]\n"
    "if atts and msg.get_content_type() != 'multipart/mixed': errs.append('not multipart/mixed')\n"
    "if leaves[0].get_content_type() != 'text/plain': errs.append('first part not text/plain')\n"
    "if leaves[0].get_payload(decode=True) != body:\n"
    "    errs.append('body differs: %r' % leaves[0].get_payload(decode=True)[:200])\n"
    "if len(leaves) - 1 != len(atts): errs.append('%d attachments' % (len(leaves) - 1))\n"
    "for p, path in zip(leaves[1:], atts):\n"
    "    if p.get_filename() != os.path.basename(path): errs.append('filename %r' % p.get_filename())\n"
    "    if p.get_payload(decode=True) != open(path, 'rb').read(): errs.append('bytes of ' + path)\n"
    "    print('part', p.get_filename(), p.get_content_type(), p['Content-Transfer-Encoding'])\n"
    "print('text', leaves[0]['Content-Transfer-Encoding'], 'subject', msg['Subject'])\n"
    "if errs: print('\\n'.join(errs)); sys.exit(1)\n"
    "print('OK %d attachments' % len(atts))\n";

/* send_with_smtplib.py PORT MAILDIR: Python's smtplib sends one message with an
 * attachment to three recipients, one unknown; then the email package
 * reads the Maildir files of bob and carol and compares them with what
 * was sent. */
static const char smtplib_py[] =
    "import email, email.policy, glob, os, smtplib, sys, time\n"
    "from email.message import EmailMessage\n"
    "port, maildir = int(sys.argv[1]), sys.argv[2]\n"
    "text = 'Hello Bob,\\n.a line with a leading dot\\nGr\\u00fc\\u00dfe, Alice\\n'\n"
    "blob = bytes(range(256)) * 40\n"
    "m = EmailMessage()\n"
    "m['From'] = 'Alice <alice@crepes.fr>'\n"
    "m['To'] = 'bob@example.com, carol@example.com, nobody@example.com'\n"
    "m['Subject'] = 'smtplib to appsim'\n"
    "m.set_content(text)\n"
    "m.add_attachment(blob, maintype='application', subtype='octet-stream', filename='data.bin')\n"
    "with smtplib.SMTP('127.0.0.1', port, timeout=10) as s:\n"
    "    code, _ = s.ehlo('python.test')\n"
    "    print('ehlo', code, ' '.join(sorted(s.esmtp_features)))\n"
    "    refused = s.send_message(m, 'alice@crepes.fr', ['bob@example.com', 'carol@example.com',\n"
    "                             'nobody@example.com'])\n"
    "    print('refused', ' '.join('%s=%d' % (k, v[0]) for k, v in sorted(refused.items())))\n"
    "ok = 0\n"
    "for user in ('bob', 'carol'):\n"
    "    files = []\n"
    "    for _ in range(100):\n"
    "        files = glob.glob(os.path.join(maildir, user, 'new', '*'))\n"
    "        if files: break\n"
    "        time.sleep(0.1)\n"
    "    if len(files) != 1: print(user, 'has', len(files), 'messages'); continue\n"
    "    got = email.message_from_bytes(open(files[0], 'rb').read(), policy=email.policy.default)\n"
    "    parts = [p for p in got.walk() if not p.is_multipart()]\n"
    "    same_text = parts[0].get_content().replace('\\r\\n', '\\n') == text\n"
    "    same_blob = parts[1].get_payload(decode=True) == blob and parts[1].get_filename() == 'data.bin'\n"
    "    same_subject = got['Subject'] == 'smtplib to appsim'\n"
    "    print(user, 'text', same_text, 'attachment', same_blob, 'subject', same_subject)\n"
    "    ok += same_text and same_blob and same_subject\n"
    "print('stored', ok)\n";

/* aiosmtpd_server.py OUTDIR: aiosmtpd on 127.0.0.1 and a free port; each
 * message's bytes go to OUTDIR/msg-N.eml and its envelope to
 * OUTDIR/msg-N.env. Prints "listening on 127.0.0.1:PORT"; stops on
 * SIGTERM or after 120 s. */
static const char aiosmtpd_py[] =
    "import os, signal, socket, sys, threading\n"
    "from aiosmtpd.controller import Controller\n"
    "out = sys.argv[1]\n"
    "class Saver:\n"
    "    n = 0\n"
    "    async def handle_DATA(self, server, session, envelope):\n"
    "        Saver.n += 1\n"
    "        base = os.path.join(out, 'msg-%d' % Saver.n)\n"
    "        with open(base + '.env', 'w') as f:\n"
    "            f.write(envelope.mail_from + '\\n' + '\\n'.join(envelope.rcpt_tos) + '\\n')\n"
    "        with open(base + '.eml.tmp', 'wb') as f:\n"
    "            f.write(envelope.content)\n"
    "        os.rename(base + '.eml.tmp', base + '.eml')\n"
    "        return '250 Saved as %d' % Saver.n\n"
    "s = socket.socket(); s.bind(('127.0.0.1', 0)); port = s.getsockname()[1]; s.close()\n"
    "c = Controller(Saver(), hostname='127.0.0.1', port=port)\n"
    "c.start()\n"
    "print('listening on 127.0.0.1:%d' % port, flush=True)\n"
    "done = threading.Event()\n"
    "signal.signal(signal.SIGTERM, lambda *a: done.set())\n"
    "done.wait(120)\n"
    "c.stop()\n";

/* Whether Debian's Python is there; when it is not, records a skip. */
static bool have_python(void)
{
    bool ok = g_file_test(PYTHON, G_FILE_TEST_IS_EXECUTABLE);
    if (!ok)
        test_skip("%s is not installed (make test installs python3)", PYTHON);
    return ok;
}

/* Runs check.py on a stored message; its output (new), *code its status. */
static char *check_message(const char *eml, const char *body, const char *const *atts, int *code)
{
    char *script = put_file("check.py", check_py, -1);
    const char *argv[12] = {PYTHON, script, eml, body};
    int n = 4;
    for (const char *const *a = atts; a && *a && n < 11; a++)
        argv[n++] = *a;
    argv[n] = NULL;
    char *out = run(argv, code);
    g_free(script);
    return out;
}

/* The files `appsim mail send` attaches and the body it sends: a text
 * with CRLF line ends, a line that starts with a dot and UTF-8; a binary
 * file of every byte value; a small text file. Paths new. */
typedef struct {
    char *body, *bin, *txt;
} send_files;

static void make_send_files(send_files *f)
{
    static const char body[] = "Dear Bob,\r\n.this line starts with a dot\r\nGr\xc3\xbc\xc3\x9f"
                               "e aus Paris\r\n\r\nAlice\r\n";
    f->body = put_file("body.txt", body, sizeof body - 1);
    GByteArray *b = g_byte_array_new();
    for (int i = 0; i < 5000; i++) {
        uint8_t c = (uint8_t)((i * 7 + i / 256) & 0xff);
        g_byte_array_append(b, &c, 1);
    }
    f->bin = put_file("photo.png", b->data, (gssize)b->len);
    g_byte_array_free(b, TRUE);
    f->txt = put_file("notes.txt", "first line\nsecond line\n", -1);
}

static void send_files_clear(send_files *f)
{
    g_free(f->body);
    g_free(f->bin);
    g_free(f->txt);
}

/* (a) Python's smtplib to `appsim smtp serve`: EHLO, three recipients
 * with one refused (550), a message with an attachment; the Maildir
 * files parse and hold what was sent. */
static void test_smtplib_to_serve(void)
{
    if (!have_python())
        return;
    char *md = make_dir("a-maildir");
    const char *args[] = {"--domain", "example.com", "--maildir", md, "--user", "bob", "--user", "carol", NULL};
    hp_server sp;
    CU_ASSERT_TRUE_FATAL(smtp_serve(args, &sp));
    char *script = put_file("send_with_smtplib.py", smtplib_py, -1);
    char port[16];
    g_snprintf(port, sizeof port, "%d", sp.port);
    const char *argv[] = {PYTHON, script, port, md, NULL};
    int code;
    char *out = run(argv, &code);
    CU_ASSERT_EQUAL(code, 0);
    CU_ASSERT_TRUE(has(out, "ehlo 250 "));
    CU_ASSERT_TRUE(has(out, "8bitmime pipelining size"));
    CU_ASSERT_TRUE(has(out, "refused nobody@example.com=550\n"));
    CU_ASSERT_TRUE(has(out, "bob text True attachment True subject True"));
    CU_ASSERT_TRUE(has(out, "carol text True attachment True subject True"));
    CU_ASSERT_TRUE(has(out, "stored 2\n"));
    CU_ASSERT_EQUAL(hp_stop(&sp), 0);
    g_free(out);
    g_free(script);
    g_free(md);
}

/* (b) curl's SMTP client (--mail-from, --mail-rcpt, -T) delivers a file,
 * stored byte for byte; an unknown recipient makes curl fail. */
static void test_curl_to_serve(void)
{
    if (!hp_have("curl"))
        return;
    char *md = make_dir("b-maildir");
    const char *args[] = {"--domain", "example.com", "--maildir", md, "--user", "bob", NULL};
    hp_server sp;
    CU_ASSERT_TRUE_FATAL(smtp_serve(args, &sp));
    static const char eml[] = "From: Alice <alice@crepes.fr>\r\nTo: bob@example.com\r\nSubject: from curl\r\n"
                              "\r\nDo you like ketchup?\r\n.How about pickles?\r\n";
    char *file = put_file("curl.eml", eml, sizeof eml - 1);
    char *url = g_strdup_printf("smtp://127.0.0.1:%d/crepes.fr", sp.port);
    const char *argv[] = {"curl", "-sS", "--max-time", "20", url, "--mail-from", "alice@crepes.fr",
                          "--mail-rcpt", "bob@example.com", "-T", file, NULL};
    int code;
    g_free(run(argv, &code));
    CU_ASSERT_EQUAL(code, 0);
    char **files = wait_maildir(md, "bob", 1);
    if (files[0]) {
        char *got = NULL;
        gsize len = 0;
        CU_ASSERT_TRUE(g_file_get_contents(files[0], &got, &len, NULL));
        CU_ASSERT_EQUAL(len, sizeof eml - 1);
        CU_ASSERT_TRUE(got && len == sizeof eml - 1 && memcmp(got, eml, len) == 0);
        g_free(got);
    }
    g_strfreev(files);
    const char *argv2[] = {"curl", "-sS", "--max-time", "20", url, "--mail-from", "alice@crepes.fr",
                           "--mail-rcpt", "nobody@example.com", "-T", file, NULL};
    g_free(run(argv2, &code));
    CU_ASSERT_EQUAL(code, 55); /* CURLE_SEND_ERROR: the recipient was refused */
    CU_ASSERT_EQUAL(hp_stop(&sp), 0);
    g_free(url);
    g_free(file);
    g_free(md);
}

/* `appsim mail send` of the test files to 127.0.0.1:port with `extra`
 * options (NULL-terminated); its stdout (new), *code its status. */
static char *mail_send(int port, const send_files *f, const char *const *extra, int *code)
{
    char server[32];
    g_snprintf(server, sizeof server, "127.0.0.1:%d", port);
    GPtrArray *argv = g_ptr_array_new();
    const char *base[] = {APPSIM, "mail", "send", "--server", server, "--timeout", "10",
                          "--from", "Alice <alice@crepes.fr>", "--subject", "Gr\xc3\xbc\xc3\x9f" "e, two files",
                          "--body-file", f->body, "--attach", f->bin, "--attach", f->txt, "--helo", "crepes.fr"};
    for (size_t i = 0; i < G_N_ELEMENTS(base); i++)
        g_ptr_array_add(argv, (gpointer)base[i]);
    for (const char *const *a = extra; *a; a++)
        g_ptr_array_add(argv, (gpointer)*a);
    g_ptr_array_add(argv, NULL);
    char *out = run((const char *const *)argv->pdata, code);
    g_ptr_array_free(argv, TRUE);
    return out;
}

/* (c) `appsim mail send` with two attachments (one binary) to aiosmtpd,
 * with each text encoding: the email package decodes the body and both
 * files byte for byte. */
static void test_send_to_aiosmtpd(void)
{
    if (!have_python())
        return;
    char *dir = make_dir("c-aiosmtpd");
    char *script = put_file("aiosmtpd_server.py", aiosmtpd_py, -1);
    char *argv[] = {PYTHON, script, dir, NULL};
    char *err_path = tmp_path("aiosmtpd.err");
    hp_server sp;
    bool started = hp_start(argv, err_path, &sp);
    if (!started)
        test_skip("aiosmtpd did not start (python3-aiosmtpd; scripts/install-deps.sh installs it)");
    send_files f;
    make_send_files(&f);
    const char *encodings[] = {"auto", "base64", "8bit", "quoted-printable"};
    for (size_t i = 0; started && i < G_N_ELEMENTS(encodings); i++) {
        const char *extra[] = {"--to", "Bob <bob@hamburger.edu>", "--cc", "carol@hamburger.edu",
                               "--bcc", "dave@hamburger.edu", "--encoding", encodings[i], NULL};
        int code;
        char *out = mail_send(sp.port, &f, extra, &code);
        CU_ASSERT_EQUAL(code, 0);
        CU_ASSERT_TRUE(has(out, "rcpt bob@hamburger.edu: accepted 250"));
        CU_ASSERT_TRUE(has(out, "rcpt dave@hamburger.edu: accepted 250"));
        CU_ASSERT_TRUE(has(out, "message: delivered 250 Saved as"));
        g_free(out);
        char name[32];
        g_snprintf(name, sizeof name, "msg-%zu.eml", i + 1);
        char *eml = g_build_filename(dir, name, NULL);
        for (int k = 0; k < 50 && !g_file_test(eml, G_FILE_TEST_EXISTS); k++)
            g_usleep(100000);
        const char *atts[] = {f.bin, f.txt, NULL};
        out = check_message(eml, f.body, atts, &code);
        CU_ASSERT_EQUAL(code, 0);
        CU_ASSERT_TRUE(has(out, "part photo.png image/png base64"));
        CU_ASSERT_TRUE(has(out, "part notes.txt text/plain base64"));
        CU_ASSERT_TRUE(has(out, "OK 2 attachments"));
        if (i > 0) {
            char want[64];
            g_snprintf(want, sizeof want, "text %s ", encodings[i]);
            CU_ASSERT_TRUE(has(out, want));
        }
        g_free(out);
        g_free(eml);
    }
    /* The envelope: Bcc is a recipient but no header. */
    char *env_path = g_build_filename(dir, "msg-1.env", NULL), *env = NULL;
    if (started && g_file_get_contents(env_path, &env, NULL, NULL)) {
        CU_ASSERT_TRUE(has(env, "alice@crepes.fr\nbob@hamburger.edu\ncarol@hamburger.edu\ndave@hamburger.edu\n"));
        g_free(env);
    }
    if (started)
        hp_stop(&sp);
    g_free(env_path);
    send_files_clear(&f);
    g_free(err_path);
    g_free(script);
    g_free(dir);
}

/* (d) `appsim mail send` to `appsim smtp serve`: two attachments stored
 * and decoded; a second message with an unknown user exits 1. */
static void test_send_to_serve(void)
{
    if (!have_python())
        return;
    char *md = make_dir("d-maildir");
    /* A user by its Maildir alone, and a folder that is no Maildir. */
    char *bob = g_build_filename(md, "bob", NULL);
    const char *const subs[] = {"tmp", "new", "cur", "../plain"};
    for (size_t i = 0; i < G_N_ELEMENTS(subs); i++) {
        char *sub = g_build_filename(bob, subs[i], NULL);
        CU_ASSERT_EQUAL(g_mkdir_with_parents(sub, 0700), 0);
        g_free(sub);
    }
    /* A symbolic link in the tree is no user: its target stays empty. */
    char *elsewhere = make_dir("d-elsewhere/new");
    char *target = g_path_get_dirname(elsewhere), *link = g_build_filename(md, "mallory", NULL);
    CU_ASSERT_EQUAL(symlink(target, link), 0);
    const char *args[] = {"--domain", "hamburger.edu", "--domain", "example.com", "--maildir", md, NULL};
    hp_server sp;
    CU_ASSERT_TRUE_FATAL(smtp_serve(args, &sp));
    send_files f;
    make_send_files(&f);
    const char *extra[] = {"--to", "bob@hamburger.edu", NULL};
    int code;
    char *out = mail_send(sp.port, &f, extra, &code);
    CU_ASSERT_EQUAL(code, 0);
    CU_ASSERT_TRUE(has(out, "rcpt bob@hamburger.edu: accepted 250"));
    CU_ASSERT_TRUE(has(out, "message: delivered 250"));
    g_free(out);
    char **files = wait_maildir(md, "bob", 1);
    const char *atts[] = {f.bin, f.txt, NULL};
    if (files[0]) {
        out = check_message(files[0], f.body, atts, &code);
        CU_ASSERT_EQUAL(code, 0);
        CU_ASSERT_TRUE(has(out, "OK 2 attachments"));
        g_free(out);
    }
    g_strfreev(files);
    const char *extra2[] = {"--to", "bob@example.com", "--to", "nobody@hamburger.edu", "--cc",
                            "mallory@hamburger.edu", NULL};
    out = mail_send(sp.port, &f, extra2, &code);
    CU_ASSERT_EQUAL(code, 1);
    CU_ASSERT_TRUE(has(out, "rcpt nobody@hamburger.edu: refused 550 No such user here"));
    CU_ASSERT_TRUE(has(out, "rcpt mallory@hamburger.edu: refused 550 No such user here"));
    CU_ASSERT_TRUE(has(out, "message: delivered 250"));
    g_free(out);
    /* A folder that is no Maildir: the store cannot write there, so the
     * message is answered 451 (its client keeps it) and nothing is lost. */
    const char *extra3[] = {"--to", "plain@hamburger.edu", NULL};
    out = mail_send(sp.port, &f, extra3, &code);
    CU_ASSERT_EQUAL(code, 1);
    CU_ASSERT_TRUE(has(out, "message: temporary-failure 451"));
    g_free(out);
    files = wait_maildir(md, "bob", 2);
    g_strfreev(files);
    GDir *d = g_dir_open(elsewhere, 0, NULL);
    CU_ASSERT_PTR_NOT_NULL(d);
    CU_ASSERT_PTR_NULL(d ? g_dir_read_name(d) : NULL);
    if (d)
        g_dir_close(d);
    g_free(elsewhere);
    g_free(target);
    g_free(link);
    CU_ASSERT_EQUAL(hp_stop(&sp), 0);
    send_files_clear(&f);
    g_free(bob);
    g_free(md);
}

/* (e) Relaying: refused (550) by a server without --relay-loopback; with
 * it, mail for another domain from this machine goes to the --route (a
 * second `appsim smtp serve`), which stores it. */
static void test_relay(void)
{
    if (!have_python())
        return;
    char *md_a = make_dir("e-maildir-a"), *md_b = make_dir("e-maildir-b");
    const char *args_b[] = {"--domain", "hamburger.edu", "--maildir", md_b, "--user", "bob", NULL};
    hp_server b, a;
    CU_ASSERT_TRUE_FATAL(smtp_serve(args_b, &b));
    const char *args_a[] = {"--domain", "crepes.fr", "--maildir", md_a, "--user", "alice", NULL};
    CU_ASSERT_TRUE_FATAL(smtp_serve(args_a, &a));
    send_files f;
    make_send_files(&f);
    const char *extra[] = {"--to", "bob@hamburger.edu", NULL};
    int code;
    char *out = mail_send(a.port, &f, extra, &code);
    CU_ASSERT_EQUAL(code, 1);
    CU_ASSERT_TRUE(has(out, "rcpt bob@hamburger.edu: refused 550 Relay denied"));
    CU_ASSERT_TRUE(has(out, "message: permanent-failure 550"));
    g_free(out);
    CU_ASSERT_EQUAL(hp_stop(&a), 0);

    char route[64];
    g_snprintf(route, sizeof route, "hamburger.edu=127.0.0.1:%d", b.port);
    const char *args_r[] = {"--domain", "crepes.fr", "--maildir", md_a, "--relay-loopback", "--route", route, NULL};
    CU_ASSERT_TRUE_FATAL(smtp_serve(args_r, &a));
    out = mail_send(a.port, &f, extra, &code);
    CU_ASSERT_EQUAL(code, 0);
    CU_ASSERT_TRUE(has(out, "rcpt bob@hamburger.edu: accepted 250"));
    g_free(out);
    char **files = wait_maildir(md_b, "bob", 1);
    const char *atts[] = {f.bin, f.txt, NULL};
    if (files[0]) {
        out = check_message(files[0], f.body, atts, &code);
        CU_ASSERT_EQUAL(code, 0);
        CU_ASSERT_TRUE(has(out, "OK 2 attachments"));
        g_free(out);
    }
    g_strfreev(files);
    CU_ASSERT_EQUAL(hp_stop(&a), 0);
    CU_ASSERT_EQUAL(hp_stop(&b), 0);
    send_files_clear(&f);
    g_free(md_a);
    g_free(md_b);
}

/* Reads one line from fd within `seconds` into line (NUL-terminated). */
static void read_line(int fd, char *line, size_t size, int seconds)
{
    size_t n = 0;
    int64_t deadline = g_get_monotonic_time() + seconds * G_USEC_PER_SEC;
    while (n < size - 1 && g_get_monotonic_time() < deadline) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 100) <= 0)
            continue;
        ssize_t r = read(fd, line + n, 1);
        if (r <= 0 || line[n] == '\n')
            break;
        n++;
    }
    line[n] = '\0';
}

/* A TCP connection to 127.0.0.1:port and its first line (at most 2 s);
 * the socket, or -1. */
static int connect_and_read(int port, char *line, size_t size)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    line[0] = '\0';
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    read_line(fd, line, size, 2);
    return fd;
}

/* --max-connections: beyond the cap a client gets 421 and is closed; a
 * place freed is taken again. --session-limit: a client that keeps
 * sending gets 421 when its time is up. */
static void test_connection_cap(void)
{
    char *md = make_dir("f-maildir");
    const char *args[] = {"--domain", "example.com", "--maildir", md, "--max-connections", "2", NULL};
    hp_server sp;
    CU_ASSERT_TRUE_FATAL(smtp_serve(args, &sp));
    char line[256];
    int c1 = connect_and_read(sp.port, line, sizeof line);
    CU_ASSERT_TRUE(has(line, "220 example.com"));
    int c2 = connect_and_read(sp.port, line, sizeof line);
    CU_ASSERT_TRUE(has(line, "220 example.com"));
    int c3 = connect_and_read(sp.port, line, sizeof line);
    CU_ASSERT_TRUE(has(line, "421 example.com Too many connections"));
    close(c3);
    close(c1);
    g_usleep(300000);
    int c4 = connect_and_read(sp.port, line, sizeof line);
    CU_ASSERT_TRUE(has(line, "220 example.com"));
    close(c4);
    close(c2);
    CU_ASSERT_EQUAL(hp_stop(&sp), 0);
    const char *args2[] = {"--domain", "example.com", "--maildir", md, "--session-limit", "1", NULL};
    CU_ASSERT_TRUE_FATAL(smtp_serve(args2, &sp));
    int c5 = connect_and_read(sp.port, line, sizeof line);
    CU_ASSERT_TRUE(has(line, "220 example.com"));
    int64_t t0 = g_get_monotonic_time();
    for (int i = 0; i < 3; i++) { /* NOOPs keep it from being idle */
        CU_ASSERT_EQUAL(write(c5, "NOOP\r\n", 6), 6);
        read_line(c5, line, sizeof line, 2);
        CU_ASSERT_TRUE(has(line, "250"));
        g_usleep(200000);
    }
    read_line(c5, line, sizeof line, 3);
    CU_ASSERT_TRUE(has(line, "421 example.com"));
    int64_t waited = g_get_monotonic_time() - t0;
    CU_ASSERT_TRUE(waited < 3 * G_USEC_PER_SEC);
    close(c5);
    CU_ASSERT_EQUAL(hp_stop(&sp), 0);
    g_free(md);
}

/* Exit statuses and the refusals of the options. */
static void test_usage(void)
{
    char *md = make_dir("g-maildir");
    struct {
        const char *args[16];
        int code;
        const char *out; /* expected in stdout, or NULL */
    } cases[] = {
        {{APPSIM, "mail", "send", "--to", "bob@example.com", NULL}, 2, NULL},
        {{APPSIM, "mail", "send", "--from", "alice", "--to", "bob@example.com", "--dry-run", NULL}, 2, NULL},
        {{APPSIM, "mail", "send", "--from", "a@b.c", "--to", "bob@example.com", "--helo", "x\r\nRSET", NULL}, 2,
         NULL},
        {{APPSIM, "mail", "send", "--from", "a@b.c", "--to", "b@c.d", "--body", "\xc3\xbc", "--encoding", "7bit",
          "--dry-run", NULL}, 2, NULL},
        {{APPSIM, "mail", "send", "--from", "a@b.c", "--to", "b@c.d", "--attach", "/nonexistent/x", "--dry-run",
          NULL}, 2, NULL},
        {{APPSIM, "mail", "send", "--from", "Al <a@b.c>", "--to", "b@c.d", "--subject", "hi", "--body", "x",
          "--dry-run", NULL}, 0, "Subject: hi\r\n"},
        /* Nothing listens on port 1: the connection fails, status 1. */
        {{APPSIM, "mail", "send", "--from", "a@b.c", "--to", "b@c.d", "--server", "127.0.0.1:1", NULL}, 1,
         "message: temporary-failure 0"},
        {{APPSIM, "smtp", "serve", "--maildir", md, NULL}, 2, NULL},
        {{APPSIM, "smtp", "serve", "--domain", "x.org", "--maildir", md, "--bind", "0.0.0.0", NULL}, 2, NULL},
        {{APPSIM, "smtp", "serve", "--domain", "x.org", "--maildir", md, "--bind", "localhost", "--allow-remote",
          "--timeout", "5", NULL}, 2, NULL},
        {{APPSIM, "smtp", "serve", "--domain", "x.org", "--maildir", md, "--allow-remote", NULL}, 2, NULL},
        {{APPSIM, "smtp", "serve", "--domain", "x.org", "--maildir", md, "--route", "y.org=127.0.0.1:1", NULL}, 2,
         NULL},
        {{APPSIM, "smtp", "serve", "--domain", "x.org", "--maildir", md, "--user", "../evil", NULL}, 2, NULL},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        int code;
        char *out = run(cases[i].args, &code);
        if (code != cases[i].code)
            fprintf(stderr, "\ncase %zu: status %d, expected %d\n", i, code, cases[i].code);
        CU_ASSERT_EQUAL(code, cases[i].code);
        if (cases[i].out)
            CU_ASSERT_TRUE(has(out, cases[i].out));
        g_free(out);
    }
    char *evil = g_build_filename(tmp_dir, "evil", NULL);
    CU_ASSERT_FALSE(g_file_test(evil, G_FILE_TEST_EXISTS));
    g_free(evil);
    g_free(md);
}

static void remove_tree(const char *path)
{
    const char *argv[] = {"rm", "-rf", path, NULL};
    int code;
    g_free(run(argv, &code));
}

int main(void)
{
    static const test_case tests[] = {
        TEST(test_smtplib_to_serve), TEST(test_curl_to_serve), TEST(test_send_to_aiosmtpd),
        TEST(test_send_to_serve),    TEST(test_relay),         TEST(test_connection_cap),
        TEST(test_usage),
    };
    int rc = test_main("smtp_real", tests, (int)G_N_ELEMENTS(tests));
    if (tmp_dir)
        remove_tree(tmp_dir);
    g_free(tmp_dir);
    return rc;
}

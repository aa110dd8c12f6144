/*
 * `appsim pop3 serve` (and the mail reader) on real sockets against peers
 * nobody here wrote (issue 14): Python's poplib and curl's pop3:// read a
 * Maildir tree through appsim's server; a dropped connection deletes
 * nothing; the user file's rules; Python's smtplib delivers through
 * `appsim smtp serve` into the tree the POP3 server reads, when that
 * command is present (else Python's mailbox module writes the Maildir);
 * `appsim mail read` against Dovecot's POP3 and IMAP
 * servers and against appsim's own. Loopback only; every server gets --timeout and is
 * stopped by its test; every client runs under timeout(1).
 */
#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "http_procs.h"
#include "test_util.h"

/* The Debian interpreter (a python3 earlier on the PATH may be another). */
#define PYTHON "/usr/bin/python3"

static char *tmp_dir;

static char *tmp_path(const char *name)
{
    if (!tmp_dir)
        tmp_dir = g_dir_make_tmp("appsim-access-XXXXXX", NULL);
    return g_build_filename(tmp_dir, name, NULL);
}

/* Runs argv under timeout(1) 60 s; its stdout (new), its exit status in
 * *code (-1 when it did not exit). */
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
    bool ok = out && strstr(out, what) != NULL;
    if (!ok)
        fprintf(stderr, "\nexpected \"%s\" in:\n%s\n", what, out ? out : "(null)");
    return ok;
}

static bool have_python(void)
{
    if (g_file_test(PYTHON, G_FILE_TEST_IS_EXECUTABLE))
        return true;
    test_skip("%s is not installed (make test installs python3)", PYTHON);
    return false;
}

/* A Maildir tree `name` with user bob and `n` messages in bob/new; its
 * path (new). */
static char *make_tree(const char *name, int n)
{
    char *root = tmp_path(name);
    static const char *const subs[] = {"tmp", "new", "cur"};
    for (size_t i = 0; i < G_N_ELEMENTS(subs); i++) {
        char *d = g_build_filename(root, "bob", subs[i], NULL);
        CU_ASSERT_EQUAL(g_mkdir_with_parents(d, 0700), 0);
        g_free(d);
    }
    for (int i = 1; i <= n; i++) {
        char *file = g_strdup_printf("%d.M%dP1.test", 1000000 + i, i);
        char *path = g_build_filename(root, "bob", "new", file, NULL);
        char *text = g_strdup_printf("From: alice@example.com\r\nTo: bob@example.com\r\nSubject: note %d\r\n"
                                     "\r\nline one of %d\r\nline two\r\nline three\r\n", i, i);
        CU_ASSERT_TRUE(g_file_set_contents(path, text, -1, NULL));
        g_free(text);
        g_free(path);
        g_free(file);
    }
    return root;
}

/* The user file "bob:hungry" with `mode`; its path (new). */
static char *make_users(const char *name, int mode)
{
    char *path = tmp_path(name);
    CU_ASSERT_TRUE(g_file_set_contents(path, "# users\nbob:hungry\r\n\nalice:secret\n", -1, NULL));
    CU_ASSERT_EQUAL(g_chmod(path, mode), 0);
    return path;
}

/* Starts `appsim PROTO serve --port 0 --timeout 120 --maildir M --users U`. */
static bool serve(const char *proto, const char *maildir, const char *users, hp_server *sp)
{
    const char *argv[] = {APPSIM, proto, "serve", "--port", "0", "--timeout", "120", "--maildir", maildir,
                          "--users", users, NULL};
    char *err_path = tmp_path("serve.err");
    bool ok = hp_start((char **)argv, err_path, sp);
    g_free(err_path);
    return ok;
}

/* Runs a Python script with the port as its argument; its stdout (new). */
static char *python(const char *script, int port, int *code)
{
    char *p = g_strdup_printf("%d", port);
    const char *argv[] = {PYTHON, "-c", script, p, NULL};
    char *out = run(argv, code);
    g_free(p);
    return out;
}

/* Files in DIR/bob/new and DIR/bob/cur. */
static int count_messages(const char *root)
{
    int n = 0;
    static const char *const subs[] = {"new", "cur"};
    for (size_t i = 0; i < G_N_ELEMENTS(subs); i++) {
        char *d = g_build_filename(root, "bob", subs[i], NULL);
        GDir *dir = g_dir_open(d, 0, NULL);
        for (const char *e; dir && (e = g_dir_read_name(dir));)
            n++;
        if (dir)
            g_dir_close(dir);
        g_free(d);
    }
    return n;
}

static const char poplib_session[] =
    "import poplib, sys\n"
    "p = poplib.POP3('127.0.0.1', int(sys.argv[1]), timeout=10)\n"
    "print('greeting', p.getwelcome().decode())\n"
    "print('capa', sorted(p.capa().keys()))\n"
    "p.user('bob'); print('pass', p.pass_('hungry').decode())\n"
    "print('stat', p.stat())\n"
    "r, lines, n = p.list(); print('list', [l.decode() for l in lines])\n"
    "r, lines, n = p.retr(2); print('retr', lines[2].decode(), lines[-1].decode())\n"
    "r, lines, n = p.top(3, 1); print('top', len(lines), lines[-1].decode())\n"
    "r, lines, n = p.uidl(); print('uidl', len(lines))\n"
    "print('dele', p.dele(1).decode())\n"
    "print('rset', p.rset().decode())\n"
    "print('stat2', p.stat())\n"
    "print('dele', p.dele(3).decode())\n"
    "print('quit', p.quit().decode())\n";

static const char poplib_drop[] =
    "import poplib, sys\n"
    "p = poplib.POP3('127.0.0.1', int(sys.argv[1]), timeout=10)\n"
    "p.user('bob'); p.pass_('hungry')\n"
    "print('dele', p.dele(1).decode(), p.dele(2).decode())\n"
    "p.sock.close()\n"
    "q = poplib.POP3('127.0.0.1', int(sys.argv[1]), timeout=10)\n"
    "q.user('bob')\n"
    "try:\n"
    "    q.pass_('wrong')\n"
    "except poplib.error_proto as e:\n"
    "    print('bad password', e)\n"
    "q.quit()\n";

/* poplib's commands against appsim pop3 serve; QUIT deletes message 3. */
static void test_poplib_session(void)
{
    if (!have_python())
        return;
    char *root = make_tree("pop-session", 3), *users = make_users("users1", 0600);
    hp_server sp;
    CU_ASSERT_TRUE_FATAL(serve("pop3", root, users, &sp));
    int code;
    char *o = python(poplib_session, sp.port, &code);
    CU_ASSERT_EQUAL(code, 0);
    CU_ASSERT_TRUE(has(o, "greeting +OK POP3 server ready"));
    CU_ASSERT_TRUE(has(o, "'UIDL'"));
    CU_ASSERT_TRUE(has(o, "'USER'")); /* a loopback client may log in in plain text */
    CU_ASSERT_TRUE(has(o, "pass +OK user successfully logged on"));
    CU_ASSERT_TRUE(has(o, "stat (3, "));
    CU_ASSERT_TRUE(has(o, "list ['1 "));
    CU_ASSERT_TRUE(has(o, "retr Subject: note 2 line three"));
    CU_ASSERT_TRUE(has(o, "top 5 line one of 3"));
    CU_ASSERT_TRUE(has(o, "uidl 3"));
    CU_ASSERT_TRUE(has(o, "dele +OK message 1 deleted"));
    CU_ASSERT_TRUE(has(o, "rset +OK maildrop has 3 messages"));
    CU_ASSERT_TRUE(has(o, "stat2 (3, "));
    CU_ASSERT_TRUE(has(o, "quit +OK POP3 server signing off"));
    g_free(o);
    CU_ASSERT_EQUAL(count_messages(root), 2);
    CU_ASSERT_EQUAL(hp_stop(&sp), 0);
    g_free(root);
    g_free(users);
}

/* A connection dropped after DELE deletes nothing; a wrong password fails. */
static void test_poplib_drop(void)
{
    if (!have_python())
        return;
    char *root = make_tree("pop-drop", 2), *users = make_users("users2", 0600);
    hp_server sp;
    CU_ASSERT_TRUE_FATAL(serve("pop3", root, users, &sp));
    int code;
    char *o = python(poplib_drop, sp.port, &code);
    CU_ASSERT_EQUAL(code, 0);
    CU_ASSERT_TRUE(has(o, "dele +OK message 1 deleted +OK message 2 deleted"));
    CU_ASSERT_TRUE(has(o, "bad password b'-ERR [AUTH] invalid user name or password'"));
    g_free(o);
    CU_ASSERT_EQUAL(hp_stop(&sp), 0);
    CU_ASSERT_EQUAL(count_messages(root), 2);
    g_free(root);
    g_free(users);
}

/* curl's pop3://: the list, one message, and a deletion. */
static void test_curl_pop3(void)
{
    if (!hp_have("curl"))
        return;
    char *root = make_tree("pop-curl", 2), *users = make_users("users3", 0600);
    hp_server sp;
    CU_ASSERT_TRUE_FATAL(serve("pop3", root, users, &sp));
    char *base = g_strdup_printf("pop3://127.0.0.1:%d/", sp.port), *one = g_strdup_printf("%s1", base);
    int code;
    const char *list[] = {"curl", "-s", "--max-time", "10", "-u", "bob:hungry", base, NULL};
    char *o = run(list, &code);
    CU_ASSERT_EQUAL(code, 0);
    CU_ASSERT_TRUE(has(o, "1 "));
    CU_ASSERT_TRUE(has(o, "2 "));
    g_free(o);
    const char *retr[] = {"curl", "-s", "--max-time", "10", "-u", "bob:hungry", one, NULL};
    o = run(retr, &code);
    CU_ASSERT_EQUAL(code, 0);
    CU_ASSERT_TRUE(has(o, "Subject: note 1"));
    g_free(o);
    const char *dele[] = {"curl", "-s", "--max-time", "10", "-u", "bob:hungry", "-X", "DELE", "-I", one, NULL};
    o = run(dele, &code);
    CU_ASSERT_EQUAL(code, 0);
    g_free(o);
    CU_ASSERT_EQUAL(count_messages(root), 1);
    CU_ASSERT_EQUAL(hp_stop(&sp), 0);
    g_free(base);
    g_free(one);
    g_free(root);
    g_free(users);
}

/* A user file others may read is refused (exit 2), as is a bad line. */
static void test_user_file_rules(void)
{
    char *root = make_tree("pop-rules", 0), *open_users = make_users("users-open", 0644);
    char *bad = tmp_path("users-bad");
    CU_ASSERT_TRUE(g_file_set_contents(bad, "bob\n", -1, NULL));
    CU_ASSERT_EQUAL(g_chmod(bad, 0600), 0);
    char *err = NULL;
    const char *a1[] = {APPSIM, "pop3", "serve", "--port", "0", "--maildir", root, "--users", open_users, NULL};
    CU_ASSERT_EQUAL(test_spawn(NULL, a1, NULL, &err), 2);
    CU_ASSERT_TRUE(has(err, "group or others may read or write it"));
    g_free(err);
    const char *a2[] = {APPSIM, "pop3", "serve", "--port", "0", "--maildir", root, "--users", bad, NULL};
    CU_ASSERT_EQUAL(test_spawn(NULL, a2, NULL, &err), 2);
    CU_ASSERT_TRUE(has(err, ":1: expected user:password"));
    g_free(err);
    const char *a3[] = {APPSIM, "pop3", "serve", "--maildir", root, NULL};
    CU_ASSERT_EQUAL(test_spawn(NULL, a3, NULL, &err), 2);
    CU_ASSERT_TRUE(has(err, "--users FILE is required"));
    g_free(err);
    g_free(root);
    g_free(open_users);
    g_free(bad);
}

static const char two_connections[] =
    "import poplib, sys\n"
    "p = poplib.POP3('127.0.0.1', int(sys.argv[1]), timeout=10)\n"
    "try:\n"
    "    q = poplib.POP3('127.0.0.1', int(sys.argv[1]), timeout=10)\n"
    "except poplib.error_proto as e:\n"
    "    print('second', e)\n"
    "print('first', p.quit().decode())\n";

/* Over --max-connections a client is turned away with a -ERR greeting. */
static void test_connection_cap(void)
{
    if (!have_python())
        return;
    char *root = make_tree("pop-cap", 1), *users = make_users("users8", 0600);
    const char *argv[] = {APPSIM, "pop3", "serve", "--port", "0", "--timeout", "120", "--maildir", root,
                          "--users", users, "--max-connections", "1", NULL};
    char *err_path = tmp_path("cap.err");
    hp_server sp;
    CU_ASSERT_TRUE_FATAL(hp_start((char **)argv, err_path, &sp));
    int code;
    char *o = python(two_connections, sp.port, &code);
    CU_ASSERT_EQUAL(code, 0);
    CU_ASSERT_TRUE(has(o, "second b'-ERR [SYS/TEMP] too many connections, try again later'"));
    CU_ASSERT_TRUE(has(o, "first +OK"));
    g_free(o);
    CU_ASSERT_EQUAL(hp_stop(&sp), 0);
    char *log = NULL;
    CU_ASSERT_TRUE(g_file_get_contents(err_path, &log, NULL, NULL));
    CU_ASSERT_TRUE(has(log, "2 connections (1 refused over the cap)"));
    g_free(log);
    g_free(err_path);
    g_free(root);
    g_free(users);
}

/* ---- IMAP ---- */

static const char imaplib_session[] =
    "import imaplib, sys\n"
    "port = int(sys.argv[1])\n"
    "m = imaplib.IMAP4('127.0.0.1', port, timeout=10)\n"
    "print('login', m.login('bob', 'hungry')[0])\n"
    "print('create', m.create('Archive')[0])\n"
    "print('list', [l.decode() for l in m.list()[1]])\n"
    "t, d = m.select('INBOX'); print('select', t, d[0].decode())\n"
    "t, d = m.fetch('2', '(BODY.PEEK[HEADER.FIELDS (SUBJECT)])'); print('fetch', d[0][1].decode().strip())\n"
    "t, d = m.uid('FETCH', '1:*', '(UID FLAGS)'); print('uids', len(d))\n"
    "print('store', m.store('1', '+FLAGS', '(\\\\Flagged \\\\Seen)')[1][0].decode())\n"
    "print('copy', m.copy('3', 'Archive')[0])\n"
    "print('search', m.search(None, 'SUBJECT', 'note 3')[1][0].decode())\n"
    "m.store('2', '+FLAGS', '(\\\\Deleted)')\n"
    "print('expunge', [x.decode() for x in m.expunge()[1]])\n"
    "print('append', m.append('INBOX', None, None, b'Subject: appended\\r\\n\\r\\nhi\\r\\n')[0])\n"
    "print('logout', m.logout()[0])\n"
    "n = imaplib.IMAP4('127.0.0.1', port, timeout=10)\n"
    "n.login('bob', 'hungry')\n"
    "t, d = n.select('INBOX'); print('again', d[0].decode())\n"
    "print('flagged', n.search(None, 'FLAGGED')[1][0].decode())\n"
    "print('found', n.search(None, 'SUBJECT', 'appended')[1][0].decode())\n"
    "t, d = n.select('Archive'); print('archive', d[0].decode())\n"
    "n.logout()\n";

/* imaplib's commands against appsim imap serve; flags outlive the session. */
static void test_imaplib_session(void)
{
    if (!have_python())
        return;
    char *root = make_tree("imap-session", 3), *users = make_users("users4", 0600);
    hp_server sp;
    CU_ASSERT_TRUE_FATAL(serve("imap", root, users, &sp));
    int code;
    char *o = python(imaplib_session, sp.port, &code);
    CU_ASSERT_EQUAL(code, 0);
    CU_ASSERT_TRUE(has(o, "login OK"));
    CU_ASSERT_TRUE(has(o, "create OK"));
    CU_ASSERT_TRUE(has(o, "\"/\" \"Archive\""));
    CU_ASSERT_TRUE(has(o, "select OK 3"));
    CU_ASSERT_TRUE(has(o, "fetch Subject: note 2"));
    CU_ASSERT_TRUE(has(o, "uids 3"));
    CU_ASSERT_TRUE(has(o, "\\Flagged"));
    CU_ASSERT_TRUE(has(o, "copy OK"));
    CU_ASSERT_TRUE(has(o, "search 3"));
    CU_ASSERT_TRUE(has(o, "expunge ['2']"));
    CU_ASSERT_TRUE(has(o, "append OK"));
    CU_ASSERT_TRUE(has(o, "logout BYE"));
    CU_ASSERT_TRUE(has(o, "again 3"));
    CU_ASSERT_TRUE(has(o, "flagged 1"));
    CU_ASSERT_TRUE(has(o, "found 3"));
    CU_ASSERT_TRUE(has(o, "archive 1"));
    g_free(o);
    CU_ASSERT_EQUAL(hp_stop(&sp), 0);
    CU_ASSERT_EQUAL(count_messages(root), 3);
    g_free(root);
    g_free(users);
}

/* curl's imap://: the folders, one message, a deletion. */
static void test_curl_imap(void)
{
    if (!hp_have("curl"))
        return;
    char *root = make_tree("imap-curl", 2), *users = make_users("users5", 0600);
    hp_server sp;
    CU_ASSERT_TRUE_FATAL(serve("imap", root, users, &sp));
    char *base = g_strdup_printf("imap://127.0.0.1:%d/", sp.port);
    char *inbox = g_strdup_printf("%sINBOX", base), *one = g_strdup_printf("%sINBOX;UID=1", base);
    int code;
    const char *list[] = {"curl", "-s", "--max-time", "10", "-u", "bob:hungry", base, NULL};
    char *o = run(list, &code);
    CU_ASSERT_EQUAL(code, 0);
    CU_ASSERT_TRUE(has(o, "INBOX"));
    g_free(o);
    const char *fetch[] = {"curl", "-s", "--max-time", "10", "-u", "bob:hungry", one, NULL};
    o = run(fetch, &code);
    CU_ASSERT_EQUAL(code, 0);
    CU_ASSERT_TRUE(has(o, "Subject: note 1"));
    g_free(o);
    const char *store[] = {"curl", "-s", "--max-time", "10", "-u", "bob:hungry", "-X", "STORE 1 +FLAGS (\\Deleted)",
                           inbox, NULL};
    o = run(store, &code);
    CU_ASSERT_EQUAL(code, 0);
    g_free(o);
    const char *expunge[] = {"curl", "-s", "--max-time", "10", "-u", "bob:hungry", "-X", "EXPUNGE", inbox, NULL};
    o = run(expunge, &code);
    CU_ASSERT_EQUAL(code, 0);
    g_free(o);
    CU_ASSERT_EQUAL(count_messages(root), 1);
    CU_ASSERT_EQUAL(hp_stop(&sp), 0);
    g_free(base);
    g_free(inbox);
    g_free(one);
    g_free(root);
    g_free(users);
}

/* ---- appsim mail read ---- */

/* Runs `appsim mail read URL [extra...]` with the password in a private
 * file; its stdout (new) and exit status. */
static char *mail_read(const char *url, const char *const *extra, int *code)
{
    char *pw = tmp_path("password");
    CU_ASSERT_TRUE(g_file_set_contents(pw, "hungry\n", -1, NULL));
    CU_ASSERT_EQUAL(g_chmod(pw, 0600), 0);
    GPtrArray *argv = g_ptr_array_new();
    const char *base[] = {APPSIM, "mail", "read", url, "--password-file", pw};
    for (size_t i = 0; i < G_N_ELEMENTS(base); i++)
        g_ptr_array_add(argv, (gpointer)base[i]);
    for (const char *const *a = extra; a && *a; a++)
        g_ptr_array_add(argv, (gpointer)*a);
    g_ptr_array_add(argv, NULL);
    char *out = run((const char *const *)argv->pdata, code);
    g_ptr_array_free(argv, TRUE);
    g_free(pw);
    return out;
}

/* The reader against appsim's own servers: --out, --known, --delete, a
 * refused login (exit 3). */
static void test_reader_own_servers(void)
{
    char *root = make_tree("read-own", 2), *users = make_users("users6", 0600);
    char *out = tmp_path("read-own-out"), *known = tmp_path("read-own-known");
    CU_ASSERT_EQUAL(g_mkdir(out, 0700), 0);
    hp_server pop, imap;
    CU_ASSERT_TRUE_FATAL(serve("pop3", root, users, &pop));
    CU_ASSERT_TRUE_FATAL(serve("imap", root, users, &imap));
    char *pop_url = g_strdup_printf("pop3://bob@127.0.0.1:%d", pop.port);
    char *imap_url = g_strdup_printf("imap://bob@127.0.0.1:%d/INBOX", imap.port);
    char *bad_url = g_strdup_printf("pop3://alice@127.0.0.1:%d", pop.port);
    int code;
    const char *imap_args[] = {NULL};
    char *o = mail_read(imap_url, imap_args, &code);
    CU_ASSERT_EQUAL(code, 0);
    CU_ASSERT_TRUE(has(o, "message 2 uid 2: "));
    CU_ASSERT_TRUE(has(o, "Subject: note 2"));
    g_free(o);
    const char *keep[] = {"--out", out, "--known", known, NULL};
    o = mail_read(pop_url, keep, &code);
    CU_ASSERT_EQUAL(code, 0);
    CU_ASSERT_TRUE(has(o, "Subject: note 1"));
    g_free(o);
    o = mail_read(pop_url, (const char *const[]){"--out", out, "--known", known, "--delete", NULL}, &code);
    CU_ASSERT_EQUAL(code, 0);
    CU_ASSERT_TRUE(has(o, ": known"));
    CU_ASSERT_TRUE(has(o, "deleted 2"));
    g_free(o);
    CU_ASSERT_EQUAL(count_messages(root), 0);
    o = mail_read(bad_url, NULL, &code); /* alice's password is not "hungry" */
    CU_ASSERT_EQUAL(code, 3);
    g_free(o);
    GDir *d = g_dir_open(out, 0, NULL);
    int files = 0;
    for (const char *e; d && (e = g_dir_read_name(d));)
        files += g_str_has_suffix(e, ".eml");
    if (d)
        g_dir_close(d);
    CU_ASSERT_EQUAL(files, 2);
    CU_ASSERT_EQUAL(hp_stop(&pop), 0);
    CU_ASSERT_EQUAL(hp_stop(&imap), 0);
    g_free(pop_url);
    g_free(imap_url);
    g_free(bad_url);
    g_free(out);
    g_free(known);
    g_free(root);
    g_free(users);
}

/* ---- Dovecot ---- */

#define DOVECOT "/usr/sbin/dovecot"

/* A port nobody listens on now (the kernel's choice; taken back at once,
 * so another program might take it before Dovecot: unlikely on a test
 * machine). 0 when none. */
static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    int port = 0;
    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

/* Whether something accepts on 127.0.0.1:port within 10 s. */
static bool wait_listening(int port)
{
    for (int i = 0; i < 100; i++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                                .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        bool ok = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
        if (fd >= 0)
            close(fd);
        if (ok)
            return true;
        g_usleep(100000);
    }
    return false;
}

/* The configuration: as root, the mail is nobody's (Dovecot's login
 * processes must not run as root, and its mail processes refuse root);
 * otherwise every process runs as the current user. */
static char *dovecot_conf(const char *dir, int pop_port, int imap_port)
{
    bool root = geteuid() == 0;
    char *user_lines = root ? g_strdup("") :
                              g_strdup_printf("default_internal_user = %s\ndefault_login_user = %s\n",
                                              g_get_user_name(), g_get_user_name());
    char *ids = root ? g_strdup("uid=nobody gid=nogroup") : g_strdup_printf("uid=%u gid=%u", (unsigned)getuid(),
                                                                                (unsigned)getgid());
    char *conf = g_strdup_printf(
        "protocols = imap pop3\nlisten = 127.0.0.1\nbase_dir = %s/run\nstate_dir = %s/state\n"
        "log_path = %s/dovecot.log\nssl = no\ndisable_plaintext_auth = no\nauth_mechanisms = plain\n%s"
        "mail_location = maildir:%s/mail/%%u\n"
        "passdb {\n  driver = passwd-file\n  args = scheme=PLAIN username_format=%%u %s/users\n}\n"
        "userdb {\n  driver = static\n  args = %s home=%s/mail/%%u\n}\n"
        "service imap-login {\n  inet_listener imap {\n    port = %d\n  }\n  inet_listener imaps {\n    port = 0\n  }\n}\n"
        "service pop3-login {\n  inet_listener pop3 {\n    port = %d\n  }\n  inet_listener pop3s {\n    port = 0\n  }\n}\n",
        dir, dir, dir, user_lines, dir, dir, ids, dir, imap_port, pop_port);
    g_free(user_lines);
    g_free(ids);
    return conf;
}

/* Makes Dovecot's folder (bob's Maildir with `n` messages) and starts it
 * under timeout(1); false (a skip recorded) when it cannot run. */
static bool dovecot_start(const char *dir, int n, GPid *pid, int *pop_port, int *imap_port)
{
    *pop_port = free_port();
    *imap_port = free_port();
    char *mail = g_build_filename(dir, "mail", NULL);
    char *tree = make_tree("dovecot/mail", n); /* tmp_path: dir is tmp_dir/dovecot */
    g_free(tree);
    CU_ASSERT_EQUAL(g_chmod(dir, 0755), 0);
    CU_ASSERT_EQUAL(g_chmod(tmp_dir, 0755), 0);
    if (geteuid() == 0) {
        const char *chown_argv[] = {"chown", "-R", "nobody:nogroup", mail, NULL};
        int code;
        g_free(run(chown_argv, &code));
        CU_ASSERT_EQUAL(code, 0);
    }
    char *users = g_build_filename(dir, "users", NULL);
    CU_ASSERT_TRUE(g_file_set_contents(users, "bob:{PLAIN}hungry\n", -1, NULL));
    char *conf = dovecot_conf(dir, *pop_port, *imap_port), *conf_path = g_build_filename(dir, "dovecot.conf", NULL);
    CU_ASSERT_TRUE(g_file_set_contents(conf_path, conf, -1, NULL));
    const char *argv[] = {"timeout", "120", DOVECOT, "-F", "-c", conf_path, NULL};
    bool ok = g_spawn_async(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD |
                            G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, pid, NULL);
    if (ok && !(wait_listening(*pop_port) && wait_listening(*imap_port))) {
        kill(*pid, SIGTERM);
        waitpid(*pid, NULL, 0);
        ok = false;
    }
    if (!ok)
        test_skip("Dovecot did not start (as %s; see its log in the test folder): %s",
                  geteuid() == 0 ? "root, mail as nobody" : "the current user", conf_path);
    g_free(mail);
    g_free(users);
    g_free(conf);
    g_free(conf_path);
    return ok;
}

/* appsim mail read against Dovecot's POP3 and IMAP servers. */
static void test_reader_dovecot(void)
{
    if (!g_file_test(DOVECOT, G_FILE_TEST_IS_EXECUTABLE)) {
        test_skip("Dovecot is not installed (dovecot-pop3d and dovecot-imapd; make test installs them)");
        return;
    }
    char *dir = tmp_path("dovecot");
    CU_ASSERT_EQUAL(g_mkdir_with_parents(dir, 0755), 0);
    GPid pid;
    int pop_port, imap_port;
    if (!dovecot_start(dir, 3, &pid, &pop_port, &imap_port)) {
        g_free(dir);
        return;
    }
    char *imap_url = g_strdup_printf("imap://bob@127.0.0.1:%d", imap_port);
    char *pop_url = g_strdup_printf("pop3://bob@127.0.0.1:%d", pop_port);
    int code;
    char *o = mail_read(imap_url, NULL, &code);
    CU_ASSERT_EQUAL(code, 0);
    CU_ASSERT_TRUE(has(o, "Subject: note 1"));
    CU_ASSERT_TRUE(has(o, "Subject: note 3"));
    CU_ASSERT_TRUE(has(o, "done: ok"));
    g_free(o);
    o = mail_read(pop_url, (const char *const[]){"--delete", NULL}, &code);
    CU_ASSERT_EQUAL(code, 0);
    CU_ASSERT_TRUE(has(o, "Subject: note 2"));
    CU_ASSERT_TRUE(has(o, "deleted 3"));
    g_free(o);
    o = mail_read(pop_url, NULL, &code);
    CU_ASSERT_EQUAL(code, 0);
    CU_ASSERT_FALSE(strstr(o, "message 1") != NULL); /* the deletions were done */
    g_free(o);
    char *bad = g_strdup_printf("pop3://alice@127.0.0.1:%d", pop_port);
    o = mail_read(bad, NULL, &code);
    CU_ASSERT_EQUAL(code, 3);
    g_free(o);
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    g_spawn_close_pid(pid);
    g_free(bad);
    g_free(imap_url);
    g_free(pop_url);
    g_free(dir);
}

/* ---- end to end ---- */

static const char smtplib_send[] =
    "import smtplib, sys\n"
    "s = smtplib.SMTP('127.0.0.1', int(sys.argv[1]), timeout=10)\n"
    "s.sendmail('alice@example.com', ['bob@example.com'],\n"
    "           'From: alice@example.com\\r\\nTo: bob@example.com\\r\\nSubject: through smtp\\r\\n\\r\\nhello bob\\r\\n')\n"
    "print('sent', s.quit()[0])\n";

static const char poplib_read[] =
    "import poplib, sys\n"
    "p = poplib.POP3('127.0.0.1', int(sys.argv[1]), timeout=10)\n"
    "p.user('bob'); p.pass_('hungry')\n"
    "r, lines, n = p.retr(1); print('pop3', [l.decode() for l in lines if l.startswith(b'Subject')])\n"
    "p.quit()\n";

static const char imaplib_read[] =
    "import imaplib, sys\n"
    "m = imaplib.IMAP4('127.0.0.1', int(sys.argv[1]), timeout=10)\n"
    "m.login('bob', 'hungry'); t, d = m.select('INBOX')\n"
    "t, d = m.fetch('1', '(BODY.PEEK[HEADER.FIELDS (SUBJECT)])'); print('imap', d[0][1].decode().strip())\n"
    "m.logout()\n";

static const char mailbox_deliver[] =
    "import mailbox, sys\n"
    "md = mailbox.Maildir(sys.argv[1], create=False)\n"
    "key = md.add(b'From: alice@example.com\\r\\nTo: bob@example.com\\r\\nSubject: through smtp\\r\\n\\r\\nhello bob\\r\\n')\n"
    "print('stored', key)\n";

/* Whether this build has `appsim smtp serve` (branch smtpreal). */
static bool have_smtp_serve(void)
{
    char *out = NULL, *err = NULL;
    const char *probe[] = {APPSIM, "smtp", "--help", NULL};
    int rc = test_spawn(NULL, probe, &out, &err);
    g_free(out);
    g_free(err);
    return rc == 0;
}

/* Delivers to bob: Python's smtplib, then `appsim mail send`, through
 * `appsim smtp serve` on the tree, or (one message) in a build without that command, Python's
 * mailbox module writing into bob's Maildir (another program sharing
 * the tree while the servers run). */
static void deliver(const char *root)
{
    int code;
    char *o;
    if (have_smtp_serve()) {
        hp_server smtp;
        const char *argv[] = {APPSIM, "smtp", "serve", "--port", "0", "--timeout", "120", "--domain",
                              "example.com", "--maildir", root, NULL};
        char *err_path = tmp_path("smtp.err");
        CU_ASSERT_TRUE_FATAL(hp_start((char **)argv, err_path, &smtp));
        g_free(err_path);
        o = python(smtplib_send, smtp.port, &code);
        CU_ASSERT_TRUE(has(o, "sent 221"));
        CU_ASSERT_EQUAL(code, 0);
        g_free(o);
        char *server = g_strdup_printf("127.0.0.1:%d", smtp.port);
        const char *send[] = {APPSIM, "mail", "send", "--server", server, "--from", "alice@example.com", "--to",
                              "bob@example.com", "--subject", "sent by appsim", "--body", "hi bob", NULL};
        o = run(send, &code);
        g_free(server);
        CU_ASSERT_EQUAL(hp_stop(&smtp), 0);
    } else {
        char *bob = g_build_filename(root, "bob", NULL);
        const char *argv[] = {PYTHON, "-c", mailbox_deliver, bob, NULL};
        fprintf(stderr, "(no appsim smtp serve in this build: Python's mailbox module delivers)\n");
        o = run(argv, &code);
        CU_ASSERT_TRUE(has(o, "stored "));
        g_free(bob);
    }
    CU_ASSERT_EQUAL(code, 0);
    g_free(o);
}

/* A message delivered while appsim pop3 serve and appsim imap serve run
 * on the same tree; poplib and imaplib read it through them. */
static void test_smtp_to_pop3_and_imap(void)
{
    if (!have_python())
        return;
    char *root = make_tree("e2e", 0), *users = make_users("users7", 0600);
    hp_server pop, imap;
    CU_ASSERT_TRUE_FATAL(serve("pop3", root, users, &pop));
    CU_ASSERT_TRUE_FATAL(serve("imap", root, users, &imap));
    deliver(root);
    int code;
    char *o;
    if (have_smtp_serve()) { /* appsim mail send's message, through appsim's reader */
        char *url = g_strdup_printf("pop3://bob@127.0.0.1:%d", pop.port);
        o = mail_read(url, NULL, &code);
        CU_ASSERT_EQUAL(code, 0);
        CU_ASSERT_TRUE(has(o, "message 2 uid "));
        CU_ASSERT_TRUE(has(o, "Subject: sent by appsim"));
        g_free(o);
        g_free(url);
    }
    o = python(poplib_read, pop.port, &code);
    CU_ASSERT_EQUAL(code, 0);
    CU_ASSERT_TRUE(has(o, "pop3 ['Subject: through smtp']"));
    g_free(o);
    o = python(imaplib_read, imap.port, &code);
    CU_ASSERT_EQUAL(code, 0);
    CU_ASSERT_TRUE(has(o, "imap Subject: through smtp"));
    g_free(o);
    CU_ASSERT_EQUAL(hp_stop(&pop), 0);
    CU_ASSERT_EQUAL(hp_stop(&imap), 0);
    g_free(root);
    g_free(users);
}

int main(void)
{
    static const test_case tests[] = {
        TEST(test_poplib_session), TEST(test_poplib_drop), TEST(test_curl_pop3), TEST(test_user_file_rules), TEST(test_connection_cap),
        TEST(test_imaplib_session), TEST(test_curl_imap), TEST(test_reader_own_servers),
        TEST(test_reader_dovecot), TEST(test_smtp_to_pop3_and_imap),
    };
    int rc = test_main("mail_access_real", tests, (int)G_N_ELEMENTS(tests));
    if (tmp_dir)
        test_remove_tree(tmp_dir);
    g_free(tmp_dir);
    return rc;
}

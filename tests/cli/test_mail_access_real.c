/*
 * `appsim pop3 serve` (and the mail reader) on real sockets against peers
 * nobody here wrote (issue 14): Python's poplib and curl's pop3:// read a
 * Maildir tree through appsim's server; a dropped connection deletes
 * nothing; the user file's rules; Python's smtplib delivers through
 * `appsim smtp serve` into the tree the POP3 server reads, when that
 * command is present. Loopback only; every server gets --timeout and is
 * stopped by its test; every client runs under timeout(1).
 */
#define _POSIX_C_SOURCE 200809L

#include <glib.h>
#include <glib/gstdio.h>
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

int main(void)
{
    static const test_case tests[] = {
        TEST(test_poplib_session), TEST(test_poplib_drop), TEST(test_curl_pop3), TEST(test_user_file_rules),
    };
    int rc = test_main("mail_access_real", tests, (int)G_N_ELEMENTS(tests));
    if (tmp_dir)
        test_remove_tree(tmp_dir);
    g_free(tmp_dir);
    return rc;
}

/*
 * FTP on real sockets, loopback only: Python's ftplib and curl against
 * `appsim ftp serve` (passive and active, binary and ASCII, listings,
 * SIZE, MDTM, REST, uploads with a user file and --write, rename,
 * delete, and the refusals: anonymous writes, paths out of the root,
 * PORT to another host, the connection cap, unsafe options), and
 * `appsim ftp get/put/ls` against pyftpdlib (python3-pyftpdlib) with its
 * exit statuses; the port active data connections come from (the
 * control port - 1, and the fallback when that cannot be bound). Every
 * server gets --timeout (pyftpdlib a timer of its own) and is stopped by
 * its test; every client runs under timeout(1).
 */
#include <glib.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "http_procs.h"
#include "test_util.h"

/* The Debian interpreter, which has python3-pyftpdlib. */
#define PYTHON "/usr/bin/python3"

static char *tmp_dir;

static char *tmp_path(const char *name)
{
    if (!tmp_dir)
        tmp_dir = g_dir_make_tmp("appsim-ftp-XXXXXX", NULL);
    return g_build_filename(tmp_dir, name, NULL);
}

static char *put_file(const char *name, const char *text, int mode)
{
    char *path = tmp_path(name);
    CU_ASSERT_TRUE(g_file_set_contents(path, text, -1, NULL));
    CU_ASSERT_EQUAL(g_chmod(path, mode), 0);
    return path;
}

/* A served folder: a.txt (text with LF ends), b.bin (binary), sub/c.txt;
 * and next to it secret.txt, which no client may reach. */
static char *make_root(const char *name)
{
    char *root = tmp_path(name);
    char *sub = g_build_filename(root, "sub", NULL);
    CU_ASSERT_EQUAL(g_mkdir_with_parents(sub, 0700), 0);
    char *p = g_build_filename(root, "a.txt", NULL);
    CU_ASSERT_TRUE(g_file_set_contents(p, "line one\nline two\n", -1, NULL));
    g_free(p);
    p = g_build_filename(root, "b.bin", NULL);
    char bin[4096];
    for (size_t i = 0; i < sizeof bin; i++)
        bin[i] = (char)(i * 7 + 3);
    CU_ASSERT_TRUE(g_file_set_contents(p, bin, sizeof bin, NULL));
    g_free(p);
    p = g_build_filename(sub, "c.txt", NULL);
    CU_ASSERT_TRUE(g_file_set_contents(p, "in sub\n", -1, NULL));
    g_free(p);
    g_free(sub);
    g_free(put_file("secret.txt", "not for clients\n", 0600));
    return root;
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

static bool have_python(const char *module)
{
    char *check = g_strdup_printf("import %s", module);
    const char *argv[] = {PYTHON, "-c", check, NULL};
    int code;
    g_free(run(argv, &code));
    g_free(check);
    if (code != 0)
        test_skip("%s with %s is not installed (scripts/install-deps.sh installs it)", PYTHON, module);
    return code == 0;
}

/* Starts `appsim ftp serve` on a free loopback port with `extra`
 * options (NULL-terminated). */
static bool start_serve(const char *root, const char *const *extra, hp_server *sp)
{
    GPtrArray *argv = g_ptr_array_new();
    const char *base[] = {APPSIM, "ftp", "serve", "--root", root, "--port", "0", "--timeout", "60",
                          "--data-timeout", "5"};
    for (size_t i = 0; i < G_N_ELEMENTS(base); i++)
        g_ptr_array_add(argv, (gpointer)base[i]);
    for (const char *const *a = extra; a && *a; a++)
        g_ptr_array_add(argv, (gpointer)*a);
    g_ptr_array_add(argv, NULL);
    char *err_path = tmp_path("serve.err");
    bool ok = hp_start((char **)argv->pdata, err_path, sp);
    g_free(err_path);
    g_ptr_array_free(argv, TRUE);
    CU_ASSERT_TRUE(ok);
    return ok;
}

/* Runs a Python script (text) with the port as its argument and the
 * given extra argument; its stdout, and asserts it ended well. */
static char *run_python(const char *name, const char *script, int port, const char *arg)
{
    char *path = put_file(name, script, 0600);
    char *port_s = g_strdup_printf("%d", port);
    const char *argv[] = {PYTHON, path, port_s, arg ? arg : "", NULL};
    int code;
    char *out = run(argv, &code);
    CU_ASSERT_EQUAL(code, 0);
    if (code != 0)
        fprintf(stderr, "%s printed:\n%s\n", name, out);
    g_free(port_s);
    g_free(path);
    return out;
}

/* ftplib, anonymous, against a read-only server. */
static const char ftplib_anon_py[] =
    "import ftplib, io, sys\n"
    "port = int(sys.argv[1])\n"
    "f = ftplib.FTP(timeout=10)\n"
    "f.connect('127.0.0.1', port)\n"
    "f.login()\n"
    "want = bytes((i * 7 + 3) & 255 for i in range(4096))\n"
    "for pasv in (True, False):\n"
    "    f.set_pasv(pasv)\n"
    "    b = io.BytesIO(); f.retrbinary('RETR b.bin', b.write)\n"
    "    assert b.getvalue() == want, pasv\n"
    "    lines = []; f.retrlines('RETR a.txt', lines.append)\n"
    "    assert lines == ['line one', 'line two'], lines\n"
    "    print('retr', 'passive' if pasv else 'active', 'ok')\n"
    "f.set_pasv(True)\n"
    "raw = []\n"
    "f.voidcmd('TYPE A')\n"
    "with f.transfercmd('RETR a.txt') as c:\n"
    "    while True:\n"
    "        d = c.recv(4096)\n"
    "        if not d: break\n"
    "        raw.append(d)\n"
    "f.voidresp()\n"
    "assert b''.join(raw) == b'line one\\r\\nline two\\r\\n', raw\n"
    "print('ascii crlf ok')\n"
    "b = io.BytesIO(); f.retrbinary('RETR b.bin', b.write, rest=1000)\n"
    "assert b.getvalue() == want[1000:]\n"
    "print('rest ok')\n"
    "assert f.size('b.bin') == 4096\n"
    "assert f.sendcmd('MDTM a.txt').startswith('213 ')\n"
    "print('size mdtm ok')\n"
    "names = sorted(f.nlst())\n"
    "assert names == ['a.txt', 'b.bin', 'sub'], names\n"
    "lst = []; f.retrlines('LIST', lst.append)\n"
    "assert len(lst) == 3 and any(l.endswith(' sub') and l.startswith('d') for l in lst), lst\n"
    "f.set_pasv(False); lst = []; f.retrlines('LIST sub', lst.append); f.set_pasv(True)\n"
    "assert len(lst) == 1 and lst[0].endswith('c.txt'), lst\n"
    "print('list ok')\n"
    "ents = dict(f.mlsd('', ['type', 'size', 'modify', 'perm']))\n"
    "assert ents['b.bin']['type'] == 'file' and ents['b.bin']['size'] == '4096', ents\n"
    "assert ents['sub']['type'] == 'dir' and ents['sub']['perm'] == 'el', ents\n"
    "assert ents['a.txt']['perm'] == 'r' and len(ents['a.txt']['modify']) == 14, ents\n"
    "ents = dict(f.mlsd('sub', ['type']))\n"
    "assert ents == {'c.txt': {'type': 'file'}}, ents\n"
    "assert f.sendcmd('OPTS MLST type;size;') == '200 MLST OPTS type;size;'\n"
    "r = f.sendcmd('MLST b.bin')\n"
    "assert r == '250-Listing /b.bin\\n type=file;size=4096; /b.bin\\n250 End', r\n"
    "assert 'MLST type*;size*;modify*;perm*;' in f.sendcmd('FEAT'), 'feat'\n"
    "print('mlsd mlst ok')\n"
    "def refused(fn, *a):\n"
    "    try:\n"
    "        fn(*a)\n"
    "    except ftplib.error_perm as e:\n"
    "        return str(e)\n"
    "    raise AssertionError('not refused: %r' % (a,))\n"
    "print('stor', refused(f.storbinary, 'STOR new.txt', io.BytesIO(b'x'))[:3])\n"
    "print('dele', refused(f.delete, 'a.txt')[:3])\n"
    "print('mkd', refused(f.mkd, 'd')[:3])\n"
    "print('escape', refused(f.retrbinary, 'RETR ../secret.txt', print)[:3])\n"
    "f.cwd('/../..'); assert f.pwd() == '/', f.pwd()\n"
    "print('cwd stays', f.pwd())\n"
    "print('port', refused(f.sendcmd, 'PORT 10,1,2,3,4,5')[:3])\n"
    "print('eprt', refused(f.sendcmd, 'EPRT |1|192.0.2.1|1025|')[:3])\n"
    "f.quit()\n";

static void test_ftplib_anonymous(void)
{
    if (!have_python("ftplib"))
        return;
    char *root = make_root("root-anon");
    hp_server sp;
    if (start_serve(root, NULL, &sp)) {
        char *out = run_python("anon.py", ftplib_anon_py, sp.port, NULL);
        static const char *const want[] = {"retr passive ok", "retr active ok", "ascii crlf ok", "rest ok",
                                           "size mdtm ok", "list ok", "mlsd mlst ok", "stor 550", "dele 550", "mkd 550",
                                           "escape 550", "cwd stays /", "port 5", "eprt 5"};
        for (size_t i = 0; i < G_N_ELEMENTS(want); i++)
            if (!strstr(out, want[i])) {
                CU_FAIL("ftplib anonymous");
                fprintf(stderr, "missing \"%s\" in:\n%s\n", want[i], out);
            }
        g_free(out);
        CU_ASSERT_EQUAL(hp_stop(&sp), 0);
    }
    char *p = g_build_filename(root, "new.txt", NULL);
    CU_ASSERT_FALSE(g_file_test(p, G_FILE_TEST_EXISTS));
    g_free(p);
    g_free(root);
}

/* ftplib as a user of the user file, against a server with --write
 * (and --anonymous, whose sessions stay read-only). */
static const char ftplib_user_py[] =
    "import ftplib, io, sys\n"
    "port = int(sys.argv[1])\n"
    "def refused(fn, *a):\n"
    "    try:\n"
    "        fn(*a)\n"
    "    except ftplib.error_perm as e:\n"
    "        return str(e)\n"
    "    raise AssertionError('not refused: %r' % (a,))\n"
    "f = ftplib.FTP(timeout=10); f.connect('127.0.0.1', port)\n"
    "print('bad password', refused(f.login, 'alice', 'wrong')[:3])\n"
    "f.close()\n"
    "f = ftplib.FTP(timeout=10); f.connect('127.0.0.1', port)\n"
    "f.login('alice', 's3cret')\n"
    "data = bytes(range(256)) * 40\n"
    "f.storbinary('STOR up.bin', io.BytesIO(data))\n"
    "f.set_pasv(False)\n"
    "f.storlines('STOR up.txt', io.BytesIO(b'first\\nsecond\\n'))\n"
    "f.set_pasv(True)\n"
    "f.storbinary('APPE up.bin', io.BytesIO(b'tail'))\n"
    "assert f.size('up.bin') == len(data) + 4\n"
    "print('upload ok')\n"
    "f.rename('up.txt', 'moved.txt')\n"
    "f.mkd('newdir'); f.rmd('newdir')\n"
    "f.delete('a.txt')\n"
    "print('rename delete ok')\n"
    "f.storbinary('STOR ../outside.txt', io.BytesIO(b'x'))\n"
    "assert f.size('/outside.txt') == 1\n"
    "print('escape kept inside')\n"
    "f.quit()\n"
    "g = ftplib.FTP(timeout=10); g.connect('127.0.0.1', port); g.login()\n"
    "print('anonymous stor', refused(g.storbinary, 'STOR anon.txt', io.BytesIO(b'x'))[:3])\n"
    "g.quit()\n";

static void test_ftplib_user_write(void)
{
    if (!have_python("ftplib"))
        return;
    char *root = make_root("root-user");
    char *users = put_file("users", "# test users\nalice:s3cret\n", 0600);
    const char *extra[] = {"--users", users, "--write", "--anonymous", NULL};
    hp_server sp;
    if (start_serve(root, extra, &sp)) {
        char *out = run_python("user.py", ftplib_user_py, sp.port, NULL);
        static const char *const want[] = {"bad password 530", "upload ok", "rename delete ok", "escape kept inside",
                                           "anonymous stor 550"};
        for (size_t i = 0; i < G_N_ELEMENTS(want); i++)
            if (!strstr(out, want[i])) {
                CU_FAIL("ftplib user");
                fprintf(stderr, "missing \"%s\" in:\n%s\n", want[i], out);
            }
        g_free(out);
        CU_ASSERT_EQUAL(hp_stop(&sp), 0);
    }
    char *p = g_build_filename(root, "moved.txt", NULL), *text = NULL;
    CU_ASSERT_TRUE(g_file_get_contents(p, &text, NULL, NULL));
    CU_ASSERT_STRING_EQUAL(text ? text : "", "first\nsecond\n"); /* CRLF of TYPE A stored as LF */
    g_free(text);
    g_free(p);
    gsize n = 0;
    p = g_build_filename(root, "up.bin", NULL);
    CU_ASSERT_TRUE(g_file_get_contents(p, &text, &n, NULL));
    CU_ASSERT_EQUAL(n, 256 * 40 + 4);
    g_free(text);
    g_free(p);
    p = g_build_filename(root, "a.txt", NULL);
    CU_ASSERT_FALSE(g_file_test(p, G_FILE_TEST_EXISTS));
    g_free(p);
    p = tmp_path("outside.txt"); /* "../outside.txt" from the root */
    CU_ASSERT_FALSE(g_file_test(p, G_FILE_TEST_EXISTS));
    g_free(p);
    p = g_build_filename(root, "outside.txt", NULL);
    CU_ASSERT_TRUE(g_file_test(p, G_FILE_TEST_EXISTS));
    g_free(p);
    g_free(users);
    g_free(root);
}

static void test_curl(void)
{
    if (!hp_have("curl"))
        return;
    char *root = make_root("root-curl");
    char *users = put_file("users-curl", "bob:pw\n", 0600);
    const char *extra[] = {"--users", users, "--write", "--anonymous", NULL};
    hp_server sp;
    if (start_serve(root, extra, &sp)) {
        char *url = g_strdup_printf("ftp://127.0.0.1:%d/sub/c.txt", sp.port);
        char *up = g_strdup_printf("ftp://bob:pw@127.0.0.1:%d/from-curl.txt", sp.port);
        char *upfile = put_file("curl-up.txt", "uploaded by curl\n", 0600);
        int code;
        const char *pasv[] = {"curl", "-sS", "--ftp-pasv", url, NULL};
        char *out = run(pasv, &code);
        CU_ASSERT_EQUAL(code, 0);
        CU_ASSERT_STRING_EQUAL(out, "in sub\n");
        g_free(out);
        const char *active[] = {"curl", "-sS", "--ftp-port", "127.0.0.1", url, NULL};
        out = run(active, &code);
        CU_ASSERT_EQUAL(code, 0);
        CU_ASSERT_STRING_EQUAL(out, "in sub\n");
        g_free(out);
        const char *put[] = {"curl", "-sS", "-T", upfile, up, NULL};
        g_free(run(put, &code));
        CU_ASSERT_EQUAL(code, 0);
        char *anon = g_strdup_printf("ftp://127.0.0.1:%d/anon.txt", sp.port);
        const char *put_anon[] = {"curl", "-sS", "-T", upfile, anon, NULL};
        g_free(run(put_anon, &code));
        CU_ASSERT_NOT_EQUAL(code, 0); /* anonymous: 550 */
        g_free(anon);
        g_free(url);
        g_free(up);
        g_free(upfile);
        CU_ASSERT_EQUAL(hp_stop(&sp), 0);
    }
    char *p = g_build_filename(root, "from-curl.txt", NULL), *text = NULL;
    CU_ASSERT_TRUE(g_file_get_contents(p, &text, NULL, NULL));
    CU_ASSERT_STRING_EQUAL(text ? text : "", "uploaded by curl\n");
    g_free(text);
    g_free(p);
    p = g_build_filename(root, "anon.txt", NULL);
    CU_ASSERT_FALSE(g_file_test(p, G_FILE_TEST_EXISTS));
    g_free(p);
    g_free(users);
    g_free(root);
}

/* Options refused before anything listens, and the connection cap. */
static void test_serve_refusals(void)
{
    char *root = make_root("root-refusals");
    char *open_users = put_file("users-open", "a:b\n", 0644);
    const char *bad[][12] = {
        {APPSIM, "ftp", "serve", "--root", root, "--bind", "192.0.2.1", NULL},
        {APPSIM, "ftp", "serve", "--root", root, "--write", NULL},
        {APPSIM, "ftp", "serve", "--root", root, "--users", open_users, NULL},
        {APPSIM, "ftp", "serve", "--root", "/nonexistent-appsim-root", NULL},
        {APPSIM, "ftp", "serve", "--port", "0", NULL},
        {APPSIM, "ftp", "get", "http://127.0.0.1/x", NULL},
        {APPSIM, "ftp", "get", "ftp://127.0.0.1/a%0d%0aDELE%20x", NULL},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        int code;
        g_free(run(bad[i], &code));
        CU_ASSERT_EQUAL(code, 2);
    }
    if (have_python("ftplib")) {
        const char *extra[] = {"--max-connections", "1", NULL};
        hp_server sp;
        if (start_serve(root, extra, &sp)) {
            static const char cap_py[] =
                "import ftplib, sys\n"
                "port = int(sys.argv[1])\n"
                "f = ftplib.FTP(timeout=10); f.connect('127.0.0.1', port); f.login()\n"
                "try:\n"
                "    g = ftplib.FTP(timeout=10); g.connect('127.0.0.1', port)\n"
                "    print('second connection welcomed')\n"
                "except ftplib.error_temp as e:\n"
                "    print('cap', str(e)[:3])\n"
                "f.quit()\n";
            char *out = run_python("cap.py", cap_py, sp.port, NULL);
            CU_ASSERT_PTR_NOT_NULL(strstr(out, "cap 421"));
            g_free(out);
            CU_ASSERT_EQUAL(hp_stop(&sp), 0);
        }
    }
    g_free(open_users);
    g_free(root);
}

/* pyftpdlib on 127.0.0.1 and a free port over ROOT: user USER with
 * PASSWORD (every permission) and anonymous (read-only); it closes
 * everything after LIMIT seconds. */
static const char pyftpdlib_py[] =
    "import logging, sys, threading\n"
    "from pyftpdlib.authorizers import DummyAuthorizer\n"
    "from pyftpdlib.handlers import FTPHandler\n"
    "from pyftpdlib.servers import FTPServer\n"
    "logging.basicConfig(level=logging.WARNING)\n"
    "root, user, password, limit = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])\n"
    "auth = DummyAuthorizer()\n"
    "auth.add_user(user, password, root, perm='elradfmwMT')\n"
    "auth.add_anonymous(root)\n"
    "FTPHandler.authorizer = auth\n"
    "server = FTPServer(('127.0.0.1', 0), FTPHandler)\n"
    "print('pyftpdlib listening on port %d' % server.address[1], flush=True)\n"
    "threading.Timer(limit, server.close_all).start()\n"
    "server.serve_forever(timeout=0.2)\n";

/* Runs appsim ftp with `args` (NULL-terminated); the exit status, the
 * stdout in *out (new) when out is not NULL. */
static int appsim_ftp(const char *const *args, char **out)
{
    GPtrArray *argv = g_ptr_array_new();
    g_ptr_array_add(argv, APPSIM);
    g_ptr_array_add(argv, "ftp");
    for (const char *const *a = args; *a; a++)
        g_ptr_array_add(argv, (gpointer)*a);
    g_ptr_array_add(argv, NULL);
    int code;
    char *o = run((const char *const *)argv->pdata, &code);
    g_ptr_array_free(argv, TRUE);
    if (out)
        *out = o;
    else
        g_free(o);
    return code;
}

static void check_same_file(const char *a, const char *b)
{
    char *x = NULL, *y = NULL;
    gsize nx = 0, ny = 0;
    CU_ASSERT_TRUE(g_file_get_contents(a, &x, &nx, NULL));
    CU_ASSERT_TRUE(g_file_get_contents(b, &y, &ny, NULL));
    CU_ASSERT_TRUE(x && y && nx == ny && !memcmp(x, y, nx));
    g_free(x);
    g_free(y);
}

/* The client commands' transfers against pyftpdlib at `port`. */
static void client_transfers(int port, const char *root)
{
    char *base = g_strdup_printf("ftp://127.0.0.1:%d/", port);
    char *bin_url = g_strconcat(base, "b.bin", NULL), *txt_url = g_strconcat(base, "a.txt", NULL);
    char *served_bin = g_build_filename(root, "b.bin", NULL);
    char *got = tmp_path("got.bin"), *out = NULL;
    const char *ls[] = {"ls", base, NULL}, *ls_active[] = {"ls", "--active", "--names", base, NULL};
    CU_ASSERT_EQUAL(appsim_ftp(ls, &out), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "b.bin"));
    g_free(out);
    CU_ASSERT_EQUAL(appsim_ftp(ls_active, &out), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "a.txt\r\n"));
    g_free(out);
    /* MLSD: pyftpdlib's facts, "type=file;size=4096;... b.bin". */
    const char *ls_machine[] = {"ls", "--machine", base, NULL};
    CU_ASSERT_EQUAL(appsim_ftp(ls_machine, &out), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "size=4096;"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, " b.bin\r\n"));
    g_free(out);
    for (int active = 0; active < 2; active++) {
        g_unlink(got);
        const char *get[] = {"get", bin_url, "-o", got, active ? "--active" : NULL, NULL};
        CU_ASSERT_EQUAL(appsim_ftp(get, NULL), 0);
        check_same_file(got, served_bin);
    }
    char *head = NULL;
    gsize n = 0;
    CU_ASSERT_TRUE(g_file_get_contents(served_bin, &head, &n, NULL));
    CU_ASSERT_TRUE(g_file_set_contents(got, head, 1000, NULL)); /* a partial file */
    g_free(head);
    const char *resume[] = {"get", "--resume", bin_url, "-o", got, NULL};
    CU_ASSERT_EQUAL(appsim_ftp(resume, NULL), 0);
    check_same_file(got, served_bin);
    const char *ascii[] = {"get", "--ascii", txt_url, "-o", "-", NULL};
    CU_ASSERT_EQUAL(appsim_ftp(ascii, &out), 0);
    CU_ASSERT_STRING_EQUAL(out, "line one\nline two\n");
    g_free(out);
    char *missing = g_strconcat(base, "no-such-file", NULL);
    const char *get_missing[] = {"get", missing, "-o", got, NULL};
    CU_ASSERT_EQUAL(appsim_ftp(get_missing, NULL), 4);
    g_free(missing);
    g_free(got);
    g_free(served_bin);
    g_free(bin_url);
    g_free(txt_url);
    g_free(base);
}

/* Uploads as the user (password in the URL, then from a file) and a
 * wrong password. */
static void client_uploads(int port, const char *root)
{
    char *local = put_file("local-up.txt", "from appsim\n", 0600);
    char *pwfile = put_file("pw", "pw9\n", 0600);
    char *url = g_strdup_printf("ftp://carol:pw9@127.0.0.1:%d/", port);
    char *url2 = g_strdup_printf("ftp://carol@127.0.0.1:%d/local-up.txt", port);
    char *bad = g_strdup_printf("ftp://carol:nope@127.0.0.1:%d/", port);
    const char *put[] = {"put", local, url, NULL};
    CU_ASSERT_EQUAL(appsim_ftp(put, NULL), 0);
    const char *append[] = {"put", "--append", "--active", "--password-file", pwfile, local, url2, NULL};
    CU_ASSERT_EQUAL(appsim_ftp(append, NULL), 0);
    char *p = g_build_filename(root, "local-up.txt", NULL), *text = NULL;
    CU_ASSERT_TRUE(g_file_get_contents(p, &text, NULL, NULL));
    CU_ASSERT_STRING_EQUAL(text ? text : "", "from appsim\nfrom appsim\n");
    g_free(text);
    g_free(p);
    const char *wrong[] = {"put", local, bad, NULL};
    CU_ASSERT_EQUAL(appsim_ftp(wrong, NULL), 3);
    g_free(local);
    g_free(pwfile);
    g_free(url);
    g_free(url2);
    g_free(bad);
}

static void test_client_pyftpdlib(void)
{
    if (!have_python("pyftpdlib"))
        return;
    char *root = make_root("root-pyftpdlib");
    char *script = put_file("pyftpdlib_server.py", pyftpdlib_py, 0600);
    char *argv[] = {PYTHON, script, root, "carol", "pw9", "60", NULL};
    char *err_path = tmp_path("pyftpdlib.err");
    hp_server sp;
    if (!hp_start(argv, err_path, &sp)) {
        CU_FAIL("pyftpdlib did not start");
    } else {
        client_transfers(sp.port, root);
        client_uploads(sp.port, root);
        hp_stop(&sp);
    }
    g_free(err_path);
    g_free(script);
    g_free(root);
}

/* ---- the active data connection's source port ----------------------- */

/* Two loopback ports P-1 and P free a moment ago (P above 1025): P, or
 * 0 when none was found in 50 tries. */
static int free_port_pair(void)
{
    for (int tries = 0; tries < 50; tries++) {
        GSocket *a = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
        GSocketAddress *any = g_inet_socket_address_new_from_string("127.0.0.1", 0);
        int port = 0;
        if (a && g_socket_bind(a, any, TRUE, NULL)) {
            GSocketAddress *got = g_socket_get_local_address(a, NULL);
            if (got)
                port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(got));
            g_clear_object(&got);
        }
        g_object_unref(any);
        bool ok = false;
        if (port > 1025) {
            GSocket *b = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
            GSocketAddress *below = g_inet_socket_address_new_from_string("0.0.0.0", (guint)(port - 1));
            ok = b && g_socket_bind(b, below, TRUE, NULL);
            g_object_unref(below);
            if (b) {
                g_socket_close(b, NULL);
                g_object_unref(b);
            }
        }
        if (a) {
            g_socket_close(a, NULL);
            g_object_unref(a);
        }
        if (ok)
            return port;
    }
    return 0;
}

/* ftplib in active mode, a RETR and a LIST: prints the port each data
 * connection came from, as the accepting end saw it. */
static const char ftplib_from_py[] =
    "import ftplib, sys\n"
    "f = ftplib.FTP(timeout=10)\n"
    "f.connect('127.0.0.1', int(sys.argv[1]))\n"
    "f.login()\n"
    "f.set_pasv(False)\n"
    "seen = []\n"
    "for cmd in ('RETR b.bin', 'LIST'):\n"
    "    c = f.transfercmd(cmd)\n"
    "    seen.append(c.getpeername()[1])\n"
    "    n = 0\n"
    "    while True:\n"
    "        d = c.recv(65536)\n"
    "        if not d: break\n"
    "        n += len(d)\n"
    "    c.close()\n"
    "    f.voidresp()\n"
    "    assert n > 0, cmd\n"
    "print('from', seen[0], seen[1])\n"
    "f.quit()\n";

/* Serves `root` on control port `port` with `extra` options, prefixed
 * by `prefix` (a program that runs appsim, e.g. setpriv; may be NULL);
 * runs the script; the two source ports in from[], the server's stderr
 * in *err_text (new). */
static bool active_from(const char *const *prefix, const char *root, int port, const char *const *extra, int from[2],
                        char **err_text)
{
    GPtrArray *argv = g_ptr_array_new_with_free_func(g_free);
    for (const char *const *a = prefix; a && *a; a++)
        g_ptr_array_add(argv, g_strdup(*a));
    const char *base[] = {APPSIM, "ftp", "serve", "--root", root, "--timeout", "60", "--data-timeout", "5"};
    for (size_t i = 0; i < G_N_ELEMENTS(base); i++)
        g_ptr_array_add(argv, g_strdup(base[i]));
    g_ptr_array_add(argv, g_strdup("--port"));
    g_ptr_array_add(argv, g_strdup_printf("%d", port));
    for (const char *const *a = extra; a && *a; a++)
        g_ptr_array_add(argv, g_strdup(*a));
    g_ptr_array_add(argv, NULL);
    char *err_path = tmp_path("serve-from.err");
    hp_server sp;
    bool ok = hp_start((char **)argv->pdata, err_path, &sp);
    CU_ASSERT_TRUE(ok);
    from[0] = from[1] = -1;
    if (ok) {
        char *out = run_python("from.py", ftplib_from_py, sp.port, NULL);
        ok = sscanf(out, "from %d %d", &from[0], &from[1]) == 2;
        CU_ASSERT_TRUE(ok);
        g_free(out);
        hp_stop(&sp);
    }
    *err_text = NULL;
    if (!g_file_get_contents(err_path, err_text, NULL, NULL))
        *err_text = g_strdup("");
    g_free(err_path);
    g_ptr_array_free(argv, TRUE);
    return ok;
}

static int count_of(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* RFC 959's L-1: by default the active data connections come from the
 * control port minus one (a free high pair, so that no test needs 21 and
 * 20). A data port the server cannot bind falls back to an ephemeral
 * port, logged once for both transfers: the control port itself (busy,
 * whoever runs the test), and port 20 for a process that is not root
 * (the server runs as nobody through setpriv when the test is root). */
static void test_active_source_port(void)
{
    if (!have_python("ftplib"))
        return;
    char *root = make_root("root-from");
    CU_ASSERT_EQUAL(g_chmod(tmp_dir, 0755), 0);
    CU_ASSERT_EQUAL(g_chmod(root, 0755), 0);
    int port = free_port_pair();
    CU_ASSERT_FATAL(port > 1025);
    int from[2];
    char *err = NULL;
    if (active_from(NULL, root, port, NULL, from, &err)) {
        CU_ASSERT_EQUAL(from[0], port - 1);
        CU_ASSERT_EQUAL(from[1], port - 1);
        printf("\n    control port %d: active data connections from %d and %d", port, from[0], from[1]);
        CU_ASSERT_EQUAL(count_of(err, "cannot bind"), 0);
    }
    g_free(err);

    char *busy = g_strdup_printf("%d", port);
    const char *busy_opts[] = {"--data-port", busy, NULL};
    if (active_from(NULL, root, port, busy_opts, from, &err)) {
        CU_ASSERT_NOT_EQUAL(from[0], port);
        CU_ASSERT_NOT_EQUAL(from[1], port);
        CU_ASSERT_TRUE(from[0] > 1024 && from[1] > 1024);
        CU_ASSERT_EQUAL(count_of(err, "cannot bind port"), 1);
        printf("\n    --data-port %d (busy): from %d and %d", port, from[0], from[1]);
    }
    g_free(err);
    g_free(busy);

    static const char *const as_nobody[] = {"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", NULL};
    const char *low_opts[] = {"--data-port", "20", NULL};
    if (active_from(geteuid() == 0 ? as_nobody : NULL, root, port, low_opts, from, &err)) {
        CU_ASSERT_TRUE(from[0] > 1024 && from[1] > 1024);
        CU_ASSERT_EQUAL(count_of(err, "cannot bind port 20"), 1);
        printf("\n    --data-port 20, not root: from %d and %d", from[0], from[1]);
    }
    g_free(err);
    g_free(root);
}

int main(void)
{
    static const test_case tests[] = {
        TEST(test_ftplib_anonymous), TEST(test_ftplib_user_write), TEST(test_curl),
        TEST(test_serve_refusals),   TEST(test_client_pyftpdlib), TEST(test_active_source_port),
    };
    int rc = test_main("ftp_real", tests, (int)G_N_ELEMENTS(tests));
    if (tmp_dir) {
        test_remove_tree(tmp_dir);
        g_free(tmp_dir);
    }
    return rc;
}

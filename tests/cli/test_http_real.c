/*
 * appsim's HTTP applications on real sockets, against peers nobody here
 * wrote: curl and Python's http.client against `appsim http serve`, and
 * `appsim http get` against Python's http.server; what `serve` must refuse
 * (issue 10: symbolic links out of the root, writes unless --writable,
 * foreign Host names, odd targets, credentials in TRACE). Loopback only;
 * every process is bounded in time (servers get --timeout, clients
 * --max-time) and killed at the end of its test.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <utime.h>
#include <unistd.h>

#include "http_procs.h"
#include "test_util.h"

static char *root_dir;

/* appsim's server quits cleanly on SIGTERM (under ASan: with no leak). */
static void stop_appsim(hp_server *sp) { CU_ASSERT_EQUAL(hp_stop(sp), 0); }

static void make_root(void)
{
    root_dir = g_dir_make_tmp("appsim-http-XXXXXX", NULL);
    char *f = g_build_filename(root_dir, "index.html", NULL);
    g_file_set_contents(f,
                        "<html><body><img src=\"a.gif\"><img src=\"/b.gif\">"
                        "<script src=\"js/c.js\"></script></body></html>\n",
                        -1, NULL);
    g_free(f);
    f = g_build_filename(root_dir, "a.gif", NULL);
    g_file_set_contents(f, "GIF89a-aaaaaaaaaaaaaaaaaaaa", -1, NULL);
    g_free(f);
    f = g_build_filename(root_dir, "b.gif", NULL);
    g_file_set_contents(f, "GIF89a-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", -1, NULL);
    g_free(f);
    char *d = g_build_filename(root_dir, "js", NULL);
    g_mkdir(d, 0755);
    f = g_build_filename(d, "c.js", NULL);
    g_file_set_contents(f, "console.log('c');\n", -1, NULL);
    g_free(f);
    g_free(d);
    d = g_build_filename(root_dir, "private", NULL);
    g_mkdir(d, 0755);
    f = g_build_filename(d, "secret.txt", NULL);
    g_file_set_contents(f, "the secret\n", -1, NULL);
    g_free(f);
    g_free(d);
}

/* Starts `appsim http serve` on root_dir with /private/ protected, and
 * the options in `extra` (NULL-terminated, or NULL). */
static bool serve_with(hp_server *sp, const char *const *extra)
{
    const char *base[] = {APPSIM, "http", "serve", "--root", root_dir, "--port", "0", "--timeout", "120",
                          "--protect", "/private/=alice:wonderland"};
    GPtrArray *argv = g_ptr_array_new();
    for (size_t i = 0; i < G_N_ELEMENTS(base); i++)
        g_ptr_array_add(argv, (gpointer)base[i]);
    for (const char *const *e = extra; e && *e; e++)
        g_ptr_array_add(argv, (gpointer)*e);
    g_ptr_array_add(argv, NULL);
    bool ok = hp_start((char **)argv->pdata, NULL, sp);
    g_ptr_array_free(argv, TRUE);
    return ok;
}

static bool serve(hp_server *sp) { return serve_with(sp, NULL); }

static char *url(const hp_server *sp, const char *path) { return hp_url(sp, path); }

static void test_curl_basics(void)
{
    if (!hp_have("curl")) return;
    hp_server sp;
    CU_ASSERT_TRUE_FATAL(serve(&sp));
    char *u = url(&sp, "/index.html");
    int st;
    /* HTTP/1.1 and 1.0 GET */
    const char *a1[] = {"curl", "-s", "--max-time", "10", "-w", "%{http_code} %{http_version}", "-o",
                        "/dev/null", u, NULL};
    char *o = hp_run(a1, &st);
    CU_ASSERT_STRING_EQUAL(o, "200 1.1");
    g_free(o);
    const char *a2[] = {"curl", "-s", "-i", "--http1.0", "--max-time", "10", u, NULL};
    o = hp_run(a2, &st);
    CU_ASSERT_TRUE(g_str_has_prefix(o, "HTTP/1.0 200 OK\r\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(o, "Connection: close\r\n"));
    g_free(o);
    /* Several URLs in one command: one connection (the second needs no connect). */
    char *u2 = url(&sp, "/a.gif"), *u3 = url(&sp, "/b.gif");
    const char *a3[] = {"curl", "-s", "--max-time", "10", "-w", "%{num_connects}", "-o", "/dev/null",
                        "-o", "/dev/null", "-o", "/dev/null", u, u2, u3, NULL};
    o = hp_run(a3, &st);
    CU_ASSERT_STRING_EQUAL(o, "100");
    g_free(o);
    /* HEAD */
    const char *a4[] = {"curl", "-s", "-I", "--max-time", "10", u2, NULL};
    o = hp_run(a4, &st);
    CU_ASSERT_PTR_NOT_NULL(strstr(o, "HTTP/1.1 200 OK"));
    CU_ASSERT_PTR_NOT_NULL(strstr(o, "Content-Length: 27"));
    CU_ASSERT_PTR_NOT_NULL(strstr(o, "Last-Modified: "));
    CU_ASSERT_PTR_NOT_NULL(strstr(o, "ETag: "));
    g_free(o);
    /* POST */
    char *form = url(&sp, "/form");
    const char *a5[] = {"curl", "-s", "--max-time", "10", "-d", "hello", form, NULL};
    o = hp_run(a5, &st);
    CU_ASSERT_STRING_EQUAL(o, "received 5 bytes for /form\n");
    g_free(o);
    /* If-Modified-Since in the future of the file: 304 */
    const char *a6[] = {"curl", "-s", "--max-time", "10", "-w", "%{http_code}", "-o", "/dev/null", "-z",
                        "Fri, 01 Jan 2100 00:00:00 GMT", u2, NULL};
    o = hp_run(a6, &st);
    CU_ASSERT_STRING_EQUAL(o, "304");
    g_free(o);
    /* Range: 206 with the right bytes */
    const char *a7[] = {"curl", "-s", "--max-time", "10", "-r", "0-5", "-w", " %{http_code}", u2, NULL};
    o = hp_run(a7, &st);
    CU_ASSERT_STRING_EQUAL(o, "GIF89a 206");
    g_free(o);
    /* Protected: 401 without, 200 with -u */
    char *sec = url(&sp, "/private/secret.txt");
    const char *a8[] = {"curl", "-s", "--max-time", "10", "-w", "%{http_code}", "-o", "/dev/null", sec, NULL};
    o = hp_run(a8, &st);
    CU_ASSERT_STRING_EQUAL(o, "401");
    g_free(o);
    const char *a9[] = {"curl", "-s", "--max-time", "10", "-u", "alice:wonderland", sec, NULL};
    o = hp_run(a9, &st);
    CU_ASSERT_STRING_EQUAL(o, "the secret\n");
    g_free(o);
    /* 404 */
    char *missing = url(&sp, "/nothing-here");
    const char *a10[] = {"curl", "-s", "--max-time", "10", "-w", "%{http_code}", "-o", "/dev/null", missing, NULL};
    o = hp_run(a10, &st);
    CU_ASSERT_STRING_EQUAL(o, "404");
    g_free(o);
    g_free(missing);
    g_free(sec);
    g_free(form);
    g_free(u2);
    g_free(u3);
    g_free(u);
    stop_appsim(&sp);
}

static void test_curl_put_get_delete(void)
{
    if (!hp_have("curl")) return;
    hp_server sp;
    const char *const writable[] = {"--writable", NULL};
    CU_ASSERT_TRUE_FATAL(serve_with(&sp, writable));
    char *u = url(&sp, "/uploads/note.txt");
    char *file = g_build_filename(root_dir, "upload-source.txt", NULL);
    g_file_set_contents(file, "a note from curl\n", -1, NULL);
    int st;
    const char *a1[] = {"curl", "-s", "--max-time", "10", "-w", "%{http_code}", "-o", "/dev/null", "-T", file, u, NULL};
    char *o = hp_run(a1, &st);
    CU_ASSERT_STRING_EQUAL(o, "201");
    g_free(o);
    const char *a2[] = {"curl", "-s", "--max-time", "10", u, NULL};
    o = hp_run(a2, &st);
    CU_ASSERT_STRING_EQUAL(o, "a note from curl\n");
    g_free(o);
    const char *a3[] = {"curl", "-s", "--max-time", "10", "-w", "%{http_code}", "-o", "/dev/null", "-X", "DELETE", u, NULL};
    o = hp_run(a3, &st);
    CU_ASSERT_STRING_EQUAL(o, "204");
    g_free(o);
    const char *a4[] = {"curl", "-s", "--max-time", "10", "-w", "%{http_code}", "-o", "/dev/null", u, NULL};
    o = hp_run(a4, &st);
    CU_ASSERT_STRING_EQUAL(o, "404");
    g_free(o);
    g_free(file);
    g_free(u);
    stop_appsim(&sp);
}

static const char *python_client =
    "import http.client, sys\n"
    "c = http.client.HTTPConnection('127.0.0.1', int(sys.argv[1]), timeout=10)\n"
    "out = []\n"
    "for path in ['/index.html', '/a.gif', '/b.gif']:\n"
    "    c.request('GET', path)\n"
    "    r = c.getresponse(); body = r.read()\n"
    "    out.append('%d %d' % (r.status, len(body)))\n"
    "sock1 = c.sock\n"
    "c.request('HEAD', '/a.gif'); r = c.getresponse(); r.read()\n"
    "out.append('%d %s' % (r.status, r.getheader('Content-Length')))\n"
    "c.request('GET', '/b.gif', headers={'Range': 'bytes=7-9'}); r = c.getresponse()\n"
    "out.append('%d %s' % (r.status, r.read().decode()))\n"
    "c.request('GET', '/private/secret.txt'); r = c.getresponse(); r.read()\n"
    "out.append('%d %s' % (r.status, r.getheader('WWW-Authenticate')))\n"
    "import base64\n"
    "c.request('GET', '/private/secret.txt', headers={'Authorization': 'Basic ' + "
    "base64.b64encode(b'alice:wonderland').decode()})\n"
    "r = c.getresponse(); out.append('%d %s' % (r.status, r.read().decode().strip()))\n"
    "out.append('same-connection' if c.sock is sock1 else 'new-connection')\n"
    "print('|'.join(out))\n";

static void test_python_client_keep_alive(void)
{
    if (!hp_have("python3")) return;
    hp_server sp;
    CU_ASSERT_TRUE_FATAL(serve(&sp));
    char port[16];
    g_snprintf(port, sizeof port, "%d", sp.port);
    const char *argv[] = {"python3", "-c", python_client, port, NULL};
    int st;
    char *o = hp_run(argv, &st);
    g_strchomp(o);
    CU_ASSERT_EQUAL(st, 0);
    CU_ASSERT_STRING_EQUAL(o, "200 93|200 27|200 48|200 27|206 bbb|401 Basic realm=\"appsim\"|200 the "
                              "secret|same-connection");
    printf("\n    python: %s", o);
    g_free(o);
    stop_appsim(&sp);
}

static void test_get_against_python_server(void)
{
    if (!hp_have("python3")) return;
    hp_server sp;
    char *argv[] = {"python3", "-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory",
                    root_dir, NULL};
    CU_ASSERT_TRUE_FATAL(hp_start(argv, NULL, &sp));
    char *u = url(&sp, "/index.html");
    int st;
    for (int mode = 0; mode < 3; mode++) {
        const char *flag = mode == 0 ? "--http1.0" : mode == 1 ? "--persistent" : "--pipeline";
        const char *a[] = {APPSIM, "http", "get", flag, "--timeout", "20", u, NULL};
        char *o = hp_run(a, &st);
        CU_ASSERT_EQUAL(st, 0);
        CU_ASSERT_PTR_NOT_NULL(strstr(o, "page: 3 objects"));
        CU_ASSERT_PTR_NOT_NULL(strstr(o, "/js/c.js"));
        if (mode == 0)
            printf("\n%s", o);
        g_free(o);
    }
    g_free(u);
    hp_stop(&sp);
}

static void test_get_against_appsim_server(void)
{
    hp_server sp;
    CU_ASSERT_TRUE_FATAL(serve(&sp));
    char *u = url(&sp, "/index.html");
    int st;
    const char *a[] = {APPSIM, "http", "get", "--pipeline", "--timeout", "20", u, NULL};
    char *o = hp_run(a, &st);
    CU_ASSERT_EQUAL(st, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(o, "page: 3 objects, 1 connections"));
    g_free(o);
    const char *b[] = {APPSIM, "http", "get", "--nonpersistent", "--parallel", "3", "--timeout", "20", u, NULL};
    o = hp_run(b, &st);
    CU_ASSERT_EQUAL(st, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(o, "page: 3 objects, 4 connections"));
    g_free(o);
    g_free(u);
    stop_appsim(&sp);
}

/* The proxy between curl and appsim's server: a second fetch of an old
 * object is a hit; a just-changed object is revalidated (304), and after a
 * change the new copy is fetched (200). */
static void test_curl_through_proxy(void)
{
    if (!hp_have("curl")) return;
    hp_server origin, proxy;
    CU_ASSERT_TRUE_FATAL(serve(&origin));
    char *pargv[] = {APPSIM, "http", "proxy", "--port", "0", "--timeout", "120", "--capacity", "10MB", NULL};
    CU_ASSERT_TRUE_FATAL(hp_start(pargv, NULL, &proxy));
    char *px = g_strdup_printf("127.0.0.1:%d", proxy.port);
    /* an object last modified ten days ago: fresh for a day (heuristic) */
    char *old = g_build_filename(root_dir, "a.gif", NULL);
    struct utimbuf ut = {time(NULL) - 10 * 86400, time(NULL) - 10 * 86400};
    utime(old, &ut);
    char *u = url(&origin, "/a.gif");
    int st;
    const char *a[] = {"curl", "-s", "--max-time", "10", "-x", px, "-o", "/dev/null", "-w",
                       "%{http_code} %header{x-cache}", u, NULL};
    char *o = hp_run(a, &st);
    CU_ASSERT_STRING_EQUAL(o, "200 MISS");
    g_free(o);
    o = hp_run(a, &st);
    CU_ASSERT_STRING_EQUAL(o, "200 HIT");
    g_free(o);
    /* an object modified just now: stale at once, so revalidated */
    char *fresh = g_build_filename(root_dir, "news.txt", NULL);
    g_file_set_contents(fresh, "first edition\n", -1, NULL);
    char *nu = url(&origin, "/news.txt");
    const char *b[] = {"curl", "-s", "--max-time", "10", "-x", px, "-w", " %header{x-cache}", nu, NULL};
    o = hp_run(b, &st);
    CU_ASSERT_STRING_EQUAL(o, "first edition\n MISS");
    g_free(o);
    o = hp_run(b, &st);
    CU_ASSERT_STRING_EQUAL(o, "first edition\n REVALIDATED");
    g_free(o);
    g_file_set_contents(fresh, "second edition\n", -1, NULL);
    struct utimbuf later = {time(NULL) + 5, time(NULL) + 5};
    utime(fresh, &later);
    o = hp_run(b, &st);
    CU_ASSERT_STRING_EQUAL(o, "second edition\n REFRESHED");
    g_free(o);
    g_free(nu);
    g_free(fresh);
    g_free(u);
    g_free(old);
    g_free(px);
    stop_appsim(&proxy);
    stop_appsim(&origin);
}


/* Runs `curl -s --max-time 10` with `args` (NULL-terminated); its stdout. */
static char *curl(const char *const *args)
{
    GPtrArray *argv = g_ptr_array_new();
    const char *base[] = {"curl", "-s", "--max-time", "10"};
    for (size_t i = 0; i < G_N_ELEMENTS(base); i++)
        g_ptr_array_add(argv, (gpointer)base[i]);
    for (const char *const *a = args; *a; a++)
        g_ptr_array_add(argv, (gpointer)*a);
    g_ptr_array_add(argv, NULL);
    int st;
    char *out = hp_run((const char *const *)argv->pdata, &st);
    g_ptr_array_free(argv, TRUE);
    return out;
}

/* Asserts that curl with `args` answers "%{http_code}" == `code`. */
#define EXPECT_CODE(code, ...)                                                                     \
    do {                                                                                           \
        const char *a_[] = {"-o", "/dev/null", "-w", "%{http_code}", __VA_ARGS__, NULL};           \
        char *o_ = curl(a_);                                                                       \
        if (strcmp(o_, code))                                                                      \
            printf("\n    line %d: got %s, expected %s", __LINE__, o_, code);                       \
        CU_ASSERT_STRING_EQUAL(o_, code);                                                          \
        g_free(o_);                                                                                \
    } while (0)

static bool in_root(const char *dir, const char *name)
{
    char *p = g_build_filename(dir, name, NULL);
    bool e = g_file_test(p, G_FILE_TEST_EXISTS);
    g_free(p);
    return e;
}

/* An HTTP/0.9 request on a raw socket; what came back. */
static char *simple_request(const hp_server *sp, const char *path)
{
    static const char *py = "import socket, sys\n"
                            "s = socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=10)\n"
                            "s.sendall(b'GET ' + sys.argv[2].encode() + b'\\r\\n')\n"
                            "d = b''\n"
                            "while True:\n"
                            "    b = s.recv(65536)\n"
                            "    if not b: break\n"
                            "    d += b\n"
                            "sys.stdout.write(d.decode('latin-1'))\n";
    char port[16];
    g_snprintf(port, sizeof port, "%d", sp->port);
    const char *argv[] = {"python3", "-c", py, port, path, NULL};
    int st;
    return hp_run(argv, &st);
}

/* Issue 10, item 1: symbolic links in the root lead nowhere, for any
 * method and any version: site/passwd-link -> /etc/passwd and
 * site/outdir -> a folder outside. */
static void test_symlinks_lead_nowhere(void)
{
    if (!hp_have("curl") || !hp_have("python3")) return;
    char *outside = g_dir_make_tmp("appsim-outside-XXXXXX", NULL);
    char *secret = g_build_filename(outside, "secret.txt", NULL), *victim = g_build_filename(outside, "victim.txt", NULL);
    g_file_set_contents(secret, "outside secret\n", -1, NULL);
    g_file_set_contents(victim, "do not delete\n", -1, NULL);
    char *plink = g_build_filename(root_dir, "passwd-link", NULL), *olink = g_build_filename(root_dir, "outdir", NULL);
    CU_ASSERT_EQUAL(symlink("/etc/passwd", plink), 0);
    CU_ASSERT_EQUAL(symlink(outside, olink), 0);
    char *src = g_build_filename(root_dir, "upload-source.txt", NULL);
    g_file_set_contents(src, "pwned\n", -1, NULL);
    hp_server sp;
    const char *const writable[] = {"--writable", NULL};
    bool started = serve_with(&sp, writable);
    CU_ASSERT_TRUE(started);
    if (!started)
        goto out;
    char *up = url(&sp, "/passwd-link"), *os = url(&sp, "/outdir/secret.txt"), *op = url(&sp, "/outdir/pwned.txt");
    char *deep = url(&sp, "/outdir/a/b/c.txt"), *ov = url(&sp, "/outdir/victim.txt");
    EXPECT_CODE("403", up);
    EXPECT_CODE("403", "-r", "0-100", up);
    EXPECT_CODE("403", "--http1.0", up);
    char *o = simple_request(&sp, "/passwd-link");
    CU_ASSERT_PTR_NULL(strstr(o, "root:"));
    CU_ASSERT_PTR_NOT_NULL(strstr(o, "403"));
    g_free(o);
    o = simple_request(&sp, "/outdir/secret.txt");
    CU_ASSERT_PTR_NULL(strstr(o, "outside secret"));
    g_free(o);
    EXPECT_CODE("403", os);
    EXPECT_CODE("403", "-T", src, op);
    EXPECT_CODE("403", "-T", src, deep);
    EXPECT_CODE("403", "-X", "DELETE", ov);
    CU_ASSERT_FALSE(in_root(outside, "pwned.txt"));
    CU_ASSERT_FALSE(in_root(outside, "a"));
    CU_ASSERT_TRUE(in_root(outside, "victim.txt"));
    stop_appsim(&sp);
    g_free(up), g_free(os), g_free(op), g_free(deep), g_free(ov);
out:
    g_unlink(plink);
    g_unlink(olink);
    g_unlink(src);
    test_remove_tree(outside);
    g_free(plink), g_free(olink), g_free(src), g_free(secret), g_free(victim), g_free(outside);
}

/* Issue 10, item 2: read-only unless --writable; Host must be a loopback
 * name or --name (421, or 400 without Host in 1.1); --protect covers PUT. */
static void test_read_only_and_host_check(void)
{
    if (!hp_have("curl")) return;
    char *src = g_build_filename(root_dir, "upload-source.txt", NULL);
    g_file_set_contents(src, "a note\n", -1, NULL);
    hp_server sp;
    CU_ASSERT_TRUE_FATAL(serve(&sp));
    char *put = url(&sp, "/note.txt"), *a = url(&sp, "/a.gif");
    char *local = g_strdup_printf("Host: localhost:%d", sp.port), *v6 = g_strdup_printf("Host: [::1]:%d", sp.port);
    EXPECT_CODE("405", "-T", src, put);
    EXPECT_CODE("405", "-X", "DELETE", a);
    CU_ASSERT_FALSE(in_root(root_dir, "note.txt"));
    CU_ASSERT_TRUE(in_root(root_dir, "a.gif"));
    EXPECT_CODE("421", "-H", "Host: evil.example", a);
    EXPECT_CODE("421", "-H", "Host: evil.example:8080", a);
    EXPECT_CODE("400", "-H", "Host:", a);
    EXPECT_CODE("200", "-H", local, a);
    EXPECT_CODE("200", "-H", v6, a);
    stop_appsim(&sp);
    const char *const named[] = {"--name", "lab.example", "--writable", "--protect", "/up/=bob:builder", NULL};
    CU_ASSERT_TRUE_FATAL(serve_with(&sp, named));
    char *lab = g_strdup_printf("Host: lab.example:%d", sp.port), *a2 = url(&sp, "/a.gif"), *up = url(&sp, "/up/n.txt");
    EXPECT_CODE("200", "-H", lab, a2);
    EXPECT_CODE("421", "-H", "Host: evil.example", a2);
    EXPECT_CODE("401", "-T", src, up);
    CU_ASSERT_FALSE(in_root(root_dir, "up/n.txt"));
    EXPECT_CODE("201", "-u", "bob:builder", "-T", src, up);
    CU_ASSERT_TRUE(in_root(root_dir, "up/n.txt"));
    stop_appsim(&sp);
    char *updir = g_build_filename(root_dir, "up", NULL);
    test_remove_tree(updir);
    g_unlink(src);
    g_free(updir), g_free(lab), g_free(a2), g_free(up), g_free(local), g_free(v6), g_free(put), g_free(a), g_free(src);
}

/* Issue 10, item 7: the absolute form is accepted, "*" only with OPTIONS,
 * and TRACE does not echo credentials or cookies. */
static void test_targets_and_trace(void)
{
    if (!hp_have("curl")) return;
    hp_server sp;
    CU_ASSERT_TRUE_FATAL(serve(&sp));
    char *a = url(&sp, "/a.gif"), *root = url(&sp, "/");
    const char *abs_args[] = {"--request-target", a, a, NULL};
    char *o = curl(abs_args);
    CU_ASSERT_STRING_EQUAL(o, "GIF89a-aaaaaaaaaaaaaaaaaaaa");
    g_free(o);
    EXPECT_CODE("204", "-X", "OPTIONS", "--request-target", "*", root);
    EXPECT_CODE("400", "--request-target", "*", root);
    const char *trace[] = {"-X", "TRACE", "-H", "Authorization: Basic c2VjcmV0", "-H", "Cookie: session=s3cr3t",
                           "-H", "X-Trace: yes", a, NULL};
    o = curl(trace);
    CU_ASSERT_PTR_NOT_NULL(strstr(o, "X-Trace: yes"));
    CU_ASSERT_PTR_NULL(strstr(o, "c2VjcmV0"));
    CU_ASSERT_PTR_NULL(strstr(o, "s3cr3t"));
    g_free(o);
    stop_appsim(&sp);
    g_free(a);
    g_free(root);
}

int main(void)
{
    make_root();
    static const test_case tests[] = {
        TEST(test_curl_basics),
        TEST(test_curl_put_get_delete),
        TEST(test_python_client_keep_alive),
        TEST(test_get_against_python_server),
        TEST(test_get_against_appsim_server),
        TEST(test_curl_through_proxy),
        TEST(test_symlinks_lead_nowhere),
        TEST(test_read_only_and_host_check),
        TEST(test_targets_and_trace),
    };
    int rc = test_main("cli/http_real", tests, G_N_ELEMENTS(tests));
    test_remove_tree(root_dir);
    g_free(root_dir);
    return rc;
}

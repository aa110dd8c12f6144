/*
 * appsim's HTTP applications on real sockets, against peers nobody here
 * wrote: curl and Python's http.client against `appsim http serve`, and
 * `appsim http get` against Python's http.server. Loopback only; every
 * process is bounded in time (servers get --timeout, clients --max-time)
 * and killed at the end of its test.
 */
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

#include "test_util.h"

#define APPSIM APPSIM_BINARY_DIR "/appsim"

typedef struct {
    GPid pid;
    int out_fd;
    int port;
} server_proc;

static char *root_dir;

/* Reads the first line the server prints (within 10 s) and finds the port
 * in it: "... 127.0.0.1:PORT/" or "... port PORT ...". */
static bool start_server(char **argv, server_proc *sp)
{
    GError *err = NULL;
    memset(sp, 0, sizeof *sp);
    if (!g_spawn_async_with_pipes(NULL, argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDERR_TO_DEV_NULL,
                                  NULL, NULL, &sp->pid, NULL, &sp->out_fd, NULL, &err)) {
        fprintf(stderr, "spawn %s: %s\n", argv[0], err->message);
        g_error_free(err);
        return false;
    }
    char line[512];
    size_t n = 0;
    int64_t deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
    while (n < sizeof line - 1 && g_get_monotonic_time() < deadline) {
        struct pollfd pfd = {sp->out_fd, POLLIN, 0};
        if (poll(&pfd, 1, 200) <= 0)
            continue;
        ssize_t r = read(sp->out_fd, line + n, 1);
        if (r <= 0)
            break;
        if (line[n] == '\n')
            break;
        n++;
    }
    line[n] = 0;
    const char *p = strstr(line, "127.0.0.1:");
    if (p)
        sp->port = atoi(p + 10);
    else if ((p = strstr(line, "port ")))
        sp->port = atoi(p + 5);
    if (sp->port <= 0)
        fprintf(stderr, "server said: \"%s\"\n", line);
    return sp->port > 0;
}

/* Stops a server with SIGTERM (SIGKILL after 5 s). Returns its exit
 * status, or -1 when it did not exit by itself. */
static int stop_server(server_proc *sp)
{
    int code = -1;
    if (sp->pid > 0) {
        kill(sp->pid, SIGTERM);
        int status = 0;
        pid_t r = 0;
        for (int i = 0; i < 50 && (r = waitpid(sp->pid, &status, WNOHANG)) == 0; i++)
            g_usleep(100000);
        if (r == 0) {
            kill(sp->pid, SIGKILL);
            waitpid(sp->pid, &status, 0);
        } else if (WIFEXITED(status)) {
            code = WEXITSTATUS(status);
        }
        g_spawn_close_pid(sp->pid);
    }
    if (sp->out_fd > 0)
        close(sp->out_fd);
    sp->pid = 0;
    return code;
}

/* appsim's server quits cleanly on SIGTERM (under ASan: with no leak). */
static void stop_appsim(server_proc *sp) { CU_ASSERT_EQUAL(stop_server(sp), 0); }

/* Runs a command; returns its stdout (and exit status in *status). */
static char *run(const char *const *argv, int *status)
{
    char *out = NULL, *err = NULL;
    GError *e = NULL;
    int st = -1;
    if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err, &st,
                      &e)) {
        fprintf(stderr, "spawn %s: %s\n", argv[0], e->message);
        g_error_free(e);
        *status = -1;
        return g_strdup("");
    }
    *status = g_spawn_check_wait_status(st, NULL) ? 0 : 1;
    if (*status && err && *err)
        fprintf(stderr, "%s: %s\n", argv[0], err);
    g_free(err);
    return out;
}

static bool have(const char *prog)
{
    char *p = g_find_program_in_path(prog);
    bool ok = p != NULL;
    g_free(p);
    return ok;
}

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

static bool serve(server_proc *sp)
{
    char *argv[] = {APPSIM, "http", "serve", "--root", root_dir, "--port", "0", "--timeout", "120",
                    "--protect", "/private/=alice:wonderland", NULL};
    return start_server(argv, sp);
}

static char *url(const server_proc *sp, const char *path)
{
    return g_strdup_printf("http://127.0.0.1:%d%s", sp->port, path);
}

static void test_curl_basics(void)
{
    if (!have("curl")) {
        test_skip("curl is not installed (make test installs it)");
        return;
    }
    server_proc sp;
    CU_ASSERT_TRUE_FATAL(serve(&sp));
    char *u = url(&sp, "/index.html");
    int st;
    /* HTTP/1.1 and 1.0 GET */
    const char *a1[] = {"curl", "-s", "--max-time", "10", "-w", "%{http_code} %{http_version}", "-o",
                        "/dev/null", u, NULL};
    char *o = run(a1, &st);
    CU_ASSERT_STRING_EQUAL(o, "200 1.1");
    g_free(o);
    const char *a2[] = {"curl", "-s", "-i", "--http1.0", "--max-time", "10", u, NULL};
    o = run(a2, &st);
    CU_ASSERT_TRUE(g_str_has_prefix(o, "HTTP/1.0 200 OK\r\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(o, "Connection: close\r\n"));
    g_free(o);
    /* Several URLs in one command: one connection (the second needs no connect). */
    char *u2 = url(&sp, "/a.gif"), *u3 = url(&sp, "/b.gif");
    const char *a3[] = {"curl", "-s", "--max-time", "10", "-w", "%{num_connects}", "-o", "/dev/null",
                        "-o", "/dev/null", "-o", "/dev/null", u, u2, u3, NULL};
    o = run(a3, &st);
    CU_ASSERT_STRING_EQUAL(o, "100");
    g_free(o);
    /* HEAD */
    const char *a4[] = {"curl", "-s", "-I", "--max-time", "10", u2, NULL};
    o = run(a4, &st);
    CU_ASSERT_PTR_NOT_NULL(strstr(o, "HTTP/1.1 200 OK"));
    CU_ASSERT_PTR_NOT_NULL(strstr(o, "Content-Length: 27"));
    CU_ASSERT_PTR_NOT_NULL(strstr(o, "Last-Modified: "));
    CU_ASSERT_PTR_NOT_NULL(strstr(o, "ETag: "));
    g_free(o);
    /* POST */
    char *form = url(&sp, "/form");
    const char *a5[] = {"curl", "-s", "--max-time", "10", "-d", "hello", form, NULL};
    o = run(a5, &st);
    CU_ASSERT_STRING_EQUAL(o, "received 5 bytes for /form\n");
    g_free(o);
    /* If-Modified-Since in the future of the file: 304 */
    const char *a6[] = {"curl", "-s", "--max-time", "10", "-w", "%{http_code}", "-o", "/dev/null", "-z",
                        "Fri, 01 Jan 2100 00:00:00 GMT", u2, NULL};
    o = run(a6, &st);
    CU_ASSERT_STRING_EQUAL(o, "304");
    g_free(o);
    /* Range: 206 with the right bytes */
    const char *a7[] = {"curl", "-s", "--max-time", "10", "-r", "0-5", "-w", " %{http_code}", u2, NULL};
    o = run(a7, &st);
    CU_ASSERT_STRING_EQUAL(o, "GIF89a 206");
    g_free(o);
    /* Protected: 401 without, 200 with -u */
    char *sec = url(&sp, "/private/secret.txt");
    const char *a8[] = {"curl", "-s", "--max-time", "10", "-w", "%{http_code}", "-o", "/dev/null", sec, NULL};
    o = run(a8, &st);
    CU_ASSERT_STRING_EQUAL(o, "401");
    g_free(o);
    const char *a9[] = {"curl", "-s", "--max-time", "10", "-u", "alice:wonderland", sec, NULL};
    o = run(a9, &st);
    CU_ASSERT_STRING_EQUAL(o, "the secret\n");
    g_free(o);
    /* 404 */
    char *missing = url(&sp, "/nothing-here");
    const char *a10[] = {"curl", "-s", "--max-time", "10", "-w", "%{http_code}", "-o", "/dev/null", missing, NULL};
    o = run(a10, &st);
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
    if (!have("curl")) {
        test_skip("curl is not installed (make test installs it)");
        return;
    }
    server_proc sp;
    CU_ASSERT_TRUE_FATAL(serve(&sp));
    char *u = url(&sp, "/uploads/note.txt");
    char *file = g_build_filename(root_dir, "upload-source.txt", NULL);
    g_file_set_contents(file, "a note from curl\n", -1, NULL);
    int st;
    const char *a1[] = {"curl", "-s", "--max-time", "10", "-w", "%{http_code}", "-o", "/dev/null", "-T", file, u, NULL};
    char *o = run(a1, &st);
    CU_ASSERT_STRING_EQUAL(o, "201");
    g_free(o);
    const char *a2[] = {"curl", "-s", "--max-time", "10", u, NULL};
    o = run(a2, &st);
    CU_ASSERT_STRING_EQUAL(o, "a note from curl\n");
    g_free(o);
    const char *a3[] = {"curl", "-s", "--max-time", "10", "-w", "%{http_code}", "-o", "/dev/null", "-X", "DELETE", u, NULL};
    o = run(a3, &st);
    CU_ASSERT_STRING_EQUAL(o, "204");
    g_free(o);
    const char *a4[] = {"curl", "-s", "--max-time", "10", "-w", "%{http_code}", "-o", "/dev/null", u, NULL};
    o = run(a4, &st);
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
    if (!have("python3")) {
        test_skip("python3 is not installed (make test installs it)");
        return;
    }
    server_proc sp;
    CU_ASSERT_TRUE_FATAL(serve(&sp));
    char port[16];
    g_snprintf(port, sizeof port, "%d", sp.port);
    const char *argv[] = {"python3", "-c", python_client, port, NULL};
    int st;
    char *o = run(argv, &st);
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
    if (!have("python3")) {
        test_skip("python3 is not installed (make test installs it)");
        return;
    }
    server_proc sp;
    char *argv[] = {"python3", "-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory",
                    root_dir, NULL};
    CU_ASSERT_TRUE_FATAL(start_server(argv, &sp));
    char *u = url(&sp, "/index.html");
    int st;
    for (int mode = 0; mode < 3; mode++) {
        const char *flag = mode == 0 ? "--http1.0" : mode == 1 ? "--persistent" : "--pipeline";
        const char *a[] = {APPSIM, "http", "get", flag, "--timeout", "20", u, NULL};
        char *o = run(a, &st);
        CU_ASSERT_EQUAL(st, 0);
        CU_ASSERT_PTR_NOT_NULL(strstr(o, "page: 3 objects"));
        CU_ASSERT_PTR_NOT_NULL(strstr(o, "/js/c.js"));
        if (mode == 0)
            printf("\n%s", o);
        g_free(o);
    }
    g_free(u);
    stop_server(&sp);
}

static void test_get_against_appsim_server(void)
{
    server_proc sp;
    CU_ASSERT_TRUE_FATAL(serve(&sp));
    char *u = url(&sp, "/index.html");
    int st;
    const char *a[] = {APPSIM, "http", "get", "--pipeline", "--timeout", "20", u, NULL};
    char *o = run(a, &st);
    CU_ASSERT_EQUAL(st, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(o, "page: 3 objects, 1 connections"));
    g_free(o);
    const char *b[] = {APPSIM, "http", "get", "--nonpersistent", "--parallel", "3", "--timeout", "20", u, NULL};
    o = run(b, &st);
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
    if (!have("curl")) {
        test_skip("curl is not installed (make test installs it)");
        return;
    }
    server_proc origin, proxy;
    CU_ASSERT_TRUE_FATAL(serve(&origin));
    char *pargv[] = {APPSIM, "http", "proxy", "--port", "0", "--timeout", "120", "--capacity", "10MB", NULL};
    CU_ASSERT_TRUE_FATAL(start_server(pargv, &proxy));
    char *px = g_strdup_printf("127.0.0.1:%d", proxy.port);
    /* an object last modified ten days ago: fresh for a day (heuristic) */
    char *old = g_build_filename(root_dir, "a.gif", NULL);
    struct utimbuf ut = {time(NULL) - 10 * 86400, time(NULL) - 10 * 86400};
    utime(old, &ut);
    char *u = url(&origin, "/a.gif");
    int st;
    const char *a[] = {"curl", "-s", "--max-time", "10", "-x", px, "-o", "/dev/null", "-w",
                       "%{http_code} %header{x-cache}", u, NULL};
    char *o = run(a, &st);
    CU_ASSERT_STRING_EQUAL(o, "200 MISS");
    g_free(o);
    o = run(a, &st);
    CU_ASSERT_STRING_EQUAL(o, "200 HIT");
    g_free(o);
    /* an object modified just now: stale at once, so revalidated */
    char *fresh = g_build_filename(root_dir, "news.txt", NULL);
    g_file_set_contents(fresh, "first edition\n", -1, NULL);
    char *nu = url(&origin, "/news.txt");
    const char *b[] = {"curl", "-s", "--max-time", "10", "-x", px, "-w", " %header{x-cache}", nu, NULL};
    o = run(b, &st);
    CU_ASSERT_STRING_EQUAL(o, "first edition\n MISS");
    g_free(o);
    o = run(b, &st);
    CU_ASSERT_STRING_EQUAL(o, "first edition\n REVALIDATED");
    g_free(o);
    g_file_set_contents(fresh, "second edition\n", -1, NULL);
    struct utimbuf later = {time(NULL) + 5, time(NULL) + 5};
    utime(fresh, &later);
    o = run(b, &st);
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
    };
    int rc = test_main("cli/http_real", tests, G_N_ELEMENTS(tests));
    test_remove_tree(root_dir);
    g_free(root_dir);
    return rc;
}

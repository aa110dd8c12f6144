/*
 * BitTorrent on real sockets, loopback only: `appsim p2p tracker`, `p2p
 * seed` and `p2p get` with aria2c (Debian package aria2) as the other
 * peer, a 1 MiB file in 32 KiB pieces each way:
 * (a) appsim's tracker and seed, aria2c downloads;
 * (b) aria2c seeds the file it checked (-V), `appsim p2p get` downloads;
 * (c) appsim seed to appsim get;
 * --max-upload-rate applied by a seed and by a get that seeds after it
 * completes (a get from it no faster than the rate allows);
 * and the refusals of bad options and a malformed .torrent. aria2c runs
 * with DHT, peer exchange and local peer discovery off, so appsim's
 * tracker is its only source of peers. Every file received is compared
 * with the original byte for byte. Every appsim server has --timeout,
 * every client runs under timeout(1), and every process started is
 * stopped by its test (SIGTERM, then SIGKILL). Without aria2c the suite
 * is skipped (77), which CI counts as a failure.
 */
#include <fcntl.h>
#include <gio/gio.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "http_procs.h"
#include "protocols/bt/bt_metainfo.h"
#include "test_util.h"

#define FILE_SIZE (1024 * 1024)
#define PIECE "32768"
#define CLIENT_LIMIT "90" /* seconds a client may run (timeout(1)) */
#define SERVER_LIMIT "150" /* seconds an appsim server runs at most (--timeout) */

static char *tmp_dir;
static char *timeout_bin; /* timeout(1), found on the PATH */

static char *tmp_path(const char *name)
{
    if (!tmp_dir)
        tmp_dir = g_dir_make_tmp("appsim-bt-XXXXXX", NULL);
    return g_build_filename(tmp_dir, name, NULL);
}

/* A loopback port nothing listens on at the moment (the kernel's choice;
 * the sockets are closed before the ports are used). */
static void free_ports(int *ports, int n)
{
    GSocket *s[8];
    g_assert(n <= 8);
    for (int i = 0; i < n; i++) {
        s[i] = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
        GInetAddress *lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
        GSocketAddress *a = g_inet_socket_address_new(lo, 0);
        ports[i] = 0;
        if (s[i] && g_socket_bind(s[i], a, FALSE, NULL)) {
            GSocketAddress *got = g_socket_get_local_address(s[i], NULL);
            ports[i] = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(got));
            g_object_unref(got);
        }
        g_object_unref(a);
        g_object_unref(lo);
    }
    for (int i = 0; i < n; i++)
        if (s[i])
            g_object_unref(s[i]);
}

/* `size` bytes of content (a fixed pseudo-random sequence) written to `path`. */
static GBytes *make_content_of(const char *path, size_t size)
{
    guint8 *d = g_malloc(size);
    guint32 x = 2463534242u;
    for (size_t i = 0; i < size; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        d[i] = (guint8)x;
    }
    CU_ASSERT_TRUE(g_file_set_contents(path, (const char *)d, (gssize)size, NULL));
    return g_bytes_new_take(d, size);
}

/* The 1 MiB content. */
static GBytes *make_content(const char *path) { return make_content_of(path, FILE_SIZE); }

/* Whether `path` holds exactly `want`. */
static bool same_bytes(const char *path, GBytes *want)
{
    char *data = NULL;
    gsize n = 0;
    bool same = g_file_get_contents(path, &data, &n, NULL) && n == g_bytes_get_size(want) &&
                !memcmp(data, g_bytes_get_data(want, NULL), n);
    if (!same)
        fprintf(stderr, "%s: %s\n", path, data ? "differs from the original" : "missing");
    g_free(data);
    return same;
}

/* Starts argv in the background, its stdout and stderr to `log_path`. */
static bool start_bg(const char *const *argv, const char *log_path, hp_server *sp)
{
    memset(sp, 0, sizeof *sp);
    sp->out_fd = -1;
    int fd = g_open(log_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    GError *e = NULL;
    bool ok = fd >= 0 && g_spawn_async_with_fds(NULL, (char **)argv, NULL,
                                                G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                                                &sp->pid, -1, fd, fd, &e);
    if (!ok)
        fprintf(stderr, "spawn %s: %s\n", argv[0], e ? e->message : "cannot open the log");
    g_clear_error(&e);
    if (fd >= 0)
        close(fd);
    return ok;
}

/* Prints a log file of a process (on a failure). */
static void show_log(const char *what, const char *path)
{
    char *text = NULL;
    if (g_file_get_contents(path, &text, NULL, NULL))
        fprintf(stderr, "---- %s ----\n%s\n", what, text);
    g_free(text);
}

/* `appsim p2p tracker` on a free port, announces every second (any_port:
 * given --port 0, its port read from what it prints). */
static bool start_tracker(hp_server *tr, char **url, bool any_port)
{
    int port = 0;
    if (!any_port)
        free_ports(&port, 1);
    char *ps = g_strdup_printf("%d", port);
    char *err_path = tmp_path("tracker.err");
    char *argv[] = {APPSIM, "p2p", "tracker", "--port", ps, "--interval", "1", "--timeout", SERVER_LIMIT, NULL};
    bool ok = hp_start(argv, err_path, tr);
    CU_ASSERT_TRUE(ok);
    CU_ASSERT(any_port ? tr->port > 0 && tr->port <= 65535 : tr->port == port);
    *url = g_strdup_printf("http://127.0.0.1:%d/announce", tr->port);
    g_free(ps);
    g_free(err_path);
    return ok;
}

/* `appsim p2p seed FILE` with its .torrent written to `torrent` (any_port:
 * --port 0; rate: its --max-upload-rate, NULL for none). */
static bool start_seed_rate(const char *file, const char *url, const char *torrent, hp_server *sd, bool any_port,
                            const char *rate)
{
    int port = 0;
    if (!any_port)
        free_ports(&port, 1);
    char *ps = g_strdup_printf("%d", port);
    char *err_path = tmp_path("seed.err");
    char *argv[] = {APPSIM, "p2p", "seed", (char *)file, "--tracker", (char *)url, "--port", ps, "-o",
                    (char *)torrent, "--piece-length", PIECE, "--timeout", SERVER_LIMIT,
                    rate ? "--max-upload-rate" : NULL, (char *)rate, NULL};
    bool ok = hp_start(argv, err_path, sd);
    CU_ASSERT_TRUE(ok);
    CU_ASSERT(any_port ? sd->port > 0 && sd->port <= 65535 : sd->port == port);
    if (!ok)
        show_log("appsim p2p seed", err_path);
    g_free(ps);
    g_free(err_path);
    return ok;
}

static bool start_seed(const char *file, const char *url, const char *torrent, hp_server *sd, bool any_port)
{
    return start_seed_rate(file, url, torrent, sd, any_port, NULL);
}

/* aria2c's options that keep it to appsim's tracker on loopback. */
#define ARIA2_COMMON                                                                                               \
    "--no-conf=true", "--enable-dht=false", "--enable-dht6=false", "--enable-peer-exchange=false",                  \
        "--bt-enable-lpd=false", "--disable-ipv6=true", "--file-allocation=none", "--summary-interval=0",           \
        "--console-log-level=notice", "--auto-save-interval=0"

/* Runs `appsim p2p get TORRENT -o DIR` (any_port: --port 0; rate: its
 * --max-upload-rate, NULL for none); its exit status, and in *secs (when
 * not NULL) the wall-clock seconds it ran. */
static int run_get_rate(const char *torrent, const char *dir, const char *log_name, bool any_port, const char *rate,
                        double *secs)
{
    int port = 0;
    if (!any_port)
        free_ports(&port, 1);
    char *ps = g_strdup_printf("%d", port);
    const char *argv[] = {timeout_bin, CLIENT_LIMIT, APPSIM, "p2p", "get", torrent, "-o", dir, "--port", ps,
                          "--timeout", "60", rate ? "--max-upload-rate" : NULL, rate, NULL};
    char *out = NULL, *err = NULL;
    gint64 t0 = g_get_monotonic_time();
    int code = test_spawn(NULL, argv, &out, &err);
    if (secs)
        *secs = (double)(g_get_monotonic_time() - t0) / 1e6;
    if (any_port) {
        /* The port it took, said on stderr, is a real one. */
        const char *said = err ? strstr(err, "listening on port ") : NULL;
        CU_ASSERT_PTR_NOT_NULL(said);
        CU_ASSERT(said && atoi(said + 18) > 0 && atoi(said + 18) <= 65535);
    }
    char *log = tmp_path(log_name);
    g_file_set_contents(log, err ? err : "", -1, NULL);
    if (code != 0)
        show_log("appsim p2p get", log);
    else
        printf("\n    %s", err && strstr(err, "got ") ? strstr(err, "got ") : "");
    g_free(log);
    g_free(out);
    g_free(err);
    g_free(ps);
    return code;
}

static int run_get(const char *torrent, const char *dir, const char *log_name, bool any_port)
{
    return run_get_rate(torrent, dir, log_name, any_port, NULL, NULL);
}

static void stop_all(hp_server *a, hp_server *b)
{
    if (b && b->pid)
        hp_stop(b);
    if (a && a->pid)
        hp_stop(a);
}

/* (a) appsim's tracker and seed; aria2c downloads and exits. */
static void test_aria2_downloads(void)
{
    if (!hp_have("aria2c"))
        return;
    char *file = tmp_path("a.bin"), *torrent = tmp_path("a.torrent"), *dir = tmp_path("aria2-got");
    g_mkdir_with_parents(dir, 0700);
    GBytes *want = make_content(file);
    hp_server tr = {0}, sd = {0};
    char *url = NULL;
    if (start_tracker(&tr, &url, false) && start_seed(file, url, torrent, &sd, false)) {
        int port;
        free_ports(&port, 1);
        char *lp = g_strdup_printf("--listen-port=%d", port);
        char *dopt = g_strdup_printf("--dir=%s", dir);
        const char *argv[] = {timeout_bin, CLIENT_LIMIT, "aria2c", ARIA2_COMMON, "--seed-time=0", lp, dopt, torrent,
                              NULL};
        char *out = NULL, *err = NULL;
        int code = test_spawn(NULL, argv, &out, &err);
        CU_ASSERT_EQUAL(code, 0);
        if (code != 0)
            fprintf(stderr, "aria2c (%d):\n%s\n%s\n", code, out ? out : "", err ? err : "");
        char *got = g_build_filename(dir, "a.bin", NULL);
        CU_ASSERT_TRUE(same_bytes(got, want));
        g_free(got);
        g_free(out);
        g_free(err);
        g_free(lp);
        g_free(dopt);
    }
    stop_all(&tr, &sd);
    char *seed_err = tmp_path("seed.err");
    if (CU_get_number_of_failures())
        show_log("appsim p2p seed", seed_err);
    g_free(seed_err);
    g_bytes_unref(want);
    g_free(url);
    g_free(file);
    g_free(torrent);
    g_free(dir);
}

/* (b) aria2c seeds the file (checked with -V); appsim p2p get downloads. */
static void test_appsim_gets_from_aria2(void)
{
    if (!hp_have("aria2c"))
        return;
    char *sdir = tmp_path("aria2-seeds"), *gdir = tmp_path("appsim-got");
    g_mkdir_with_parents(sdir, 0700);
    g_mkdir_with_parents(gdir, 0700);
    char *file = g_build_filename(sdir, "b.bin", NULL), *torrent = tmp_path("b.torrent");
    GBytes *want = make_content(file);
    hp_server tr = {0}, ar = {0};
    char *url = NULL;
    if (start_tracker(&tr, &url, false)) {
        GError *e = NULL;
        GByteArray *t = bt_metainfo_build_from_data("b.bin", g_bytes_get_data(want, NULL), FILE_SIZE, 32768, url, &e);
        CU_ASSERT_PTR_NOT_NULL(t);
        g_clear_error(&e);
        CU_ASSERT_TRUE(t && g_file_set_contents(torrent, (const char *)t->data, (gssize)t->len, NULL));
        if (t)
            g_byte_array_unref(t);
        int port;
        free_ports(&port, 1);
        char *lp = g_strdup_printf("--listen-port=%d", port);
        char *dopt = g_strdup_printf("--dir=%s", sdir);
        char *log = tmp_path("aria2-seed.log");
        const char *argv[] = {timeout_bin, CLIENT_LIMIT, "aria2c", ARIA2_COMMON, "-V", "--seed-ratio=0.0",
                              "--seed-time=2", lp, dopt, torrent, NULL};
        if (start_bg(argv, log, &ar)) {
            CU_ASSERT_EQUAL(run_get(torrent, gdir, "get-b.err", false), 0);
            char *got = g_build_filename(gdir, "b.bin", NULL);
            CU_ASSERT_TRUE(same_bytes(got, want));
            char *part = g_strconcat(got, ".part", NULL);
            CU_ASSERT_FALSE(g_file_test(part, G_FILE_TEST_EXISTS));
            g_free(part);
            g_free(got);
        }
        stop_all(&tr, &ar);
        if (CU_get_number_of_failures())
            show_log("aria2c seeding", log);
        g_free(log);
        g_free(lp);
        g_free(dopt);
    }
    stop_all(&tr, NULL);
    g_bytes_unref(want);
    g_free(url);
    g_free(file);
    g_free(torrent);
    g_free(sdir);
    g_free(gdir);
}

/* ---- --max-upload-rate ---- */

/* The limited transfers: 6 pieces of 32 KiB, each two piece messages of
 * 13 + 16384 bytes, at 0.8 Mbps (100,000 bytes per second). */
#define LIMITED_SIZE (6 * 32768)
#define LIMITED_RATE "0.8Mbps"
#define LIMITED_BYTES_PER_S 100000.0
#define LIMITED_MSG (13.0 + 16384.0)

/* A peer limited to a rate writes at most rate x W + one message over any
 * interval W (the core's token bucket, docs/p2p.md "Upload limit"), so
 * the last of the file's 12 piece messages leaves at least 11 messages'
 * worth after the first: 11 x 16397 / 100000 = 1.80 s, a time a get from
 * that peer alone cannot beat (without a limit the same get of 1 MiB
 * takes well under a second here). The get's wall-clock time, measured
 * around the whole process, is asserted to be at least 99% of that (1%:
 * two processes read the clock) and at most twice it plus 3 s (a tracker
 * round of 1 s, connecting, a loaded machine): a limit 8 times too high
 * or too low (bits taken for bytes) fails either way. */
static void check_limited_time(double secs)
{
    double bound = (2.0 * LIMITED_SIZE / 32768 - 1) * LIMITED_MSG / LIMITED_BYTES_PER_S;
    printf("\n    limited get: %.2f s (bound %.2f s)", secs, bound);
    CU_ASSERT(secs >= 0.99 * bound);
    CU_ASSERT(secs <= 2 * bound + 3);
}

/* appsim seed to appsim get, the files named after `tag`; any_port: the
 * tracker, the seed and the getter all given --port 0 (the tracker and
 * the seed print the ports they took, the seed announces its own to the
 * tracker at the printed address); rate: the seed and the get given
 * --max-upload-rate LIMITED_RATE, the file LIMITED_SIZE bytes and the
 * get's time checked (check_limited_time), else 1 MiB without a limit. */
static void appsim_to_appsim(const char *tag, bool any_port, bool rate)
{
    char *name = g_strdup_printf("%s.bin", tag), *tname = g_strdup_printf("%s.torrent", tag);
    char *gname = g_strdup_printf("appsim-got-%s", tag), *log = g_strdup_printf("get-%s.err", tag);
    char *file = tmp_path(name), *torrent = tmp_path(tname), *dir = tmp_path(gname);
    g_mkdir_with_parents(dir, 0700);
    GBytes *want = make_content_of(file, rate ? LIMITED_SIZE : FILE_SIZE);
    const char *limit = rate ? LIMITED_RATE : NULL;
    hp_server tr = {0}, sd = {0};
    char *url = NULL;
    if (start_tracker(&tr, &url, any_port) && start_seed_rate(file, url, torrent, &sd, any_port, limit)) {
        CU_ASSERT_NOT_EQUAL(tr.port, sd.port);
        double secs = 0;
        CU_ASSERT_EQUAL(run_get_rate(torrent, dir, log, any_port, limit, &secs), 0);
        if (rate)
            check_limited_time(secs);
        char *got = g_build_filename(dir, name, NULL);
        CU_ASSERT_TRUE(same_bytes(got, want));
        g_free(got);
        /* Stopped by SIGTERM, the seed and the tracker exit 0. */
        CU_ASSERT_EQUAL(hp_stop(&sd), 0);
        CU_ASSERT_EQUAL(hp_stop(&tr), 0);
    }
    stop_all(&tr, &sd);
    g_bytes_unref(want);
    g_free(url);
    g_free(file);
    g_free(torrent);
    g_free(dir);
    g_free(name);
    g_free(tname);
    g_free(gname);
    g_free(log);
}

/* (c) appsim seed to appsim get. */
static void test_appsim_to_appsim(void) { appsim_to_appsim("c", false, false); }

/* --port 0 everywhere. */
static void test_port_zero(void) { appsim_to_appsim("z", true, false); }

/* A seed given --max-upload-rate serves a get no faster than the rate;
 * the get takes the option too (it uploads nothing here). */
static void test_seed_upload_limit(void) { appsim_to_appsim("l", false, true); }

/* A get given --max-upload-rate, seeding after completion (--seed-after)
 * once the seed has left, serves a second get no faster than the rate. */
static void test_get_upload_limit(void)
{
    char *file = tmp_path("m.bin"), *torrent = tmp_path("m.torrent");
    char *dir1 = tmp_path("appsim-got-m1"), *dir2 = tmp_path("appsim-got-m2"), *log1 = tmp_path("get-m1.err");
    g_mkdir_with_parents(dir1, 0700);
    g_mkdir_with_parents(dir2, 0700);
    GBytes *want = make_content_of(file, LIMITED_SIZE);
    hp_server tr = {0}, sd = {0}, g1 = {0};
    char *url = NULL;
    if (start_tracker(&tr, &url, false) && start_seed(file, url, torrent, &sd, false)) {
        int port;
        free_ports(&port, 1);
        char *ps = g_strdup_printf("%d", port);
        const char *argv[] = {APPSIM, "p2p", "get", torrent, "-o", dir1, "--port", ps, "--timeout", "60",
                              "--seed-after", "60", "--max-upload-rate", LIMITED_RATE, NULL};
        char *got1 = g_build_filename(dir1, "m.bin", NULL);
        bool started = start_bg(argv, log1, &g1);
        CU_ASSERT_TRUE(started);
        /* The first get completes from the seed (at most 20 s), then the seed leaves. */
        for (int i = 0; started && i < 200 && !g_file_test(got1, G_FILE_TEST_EXISTS); i++)
            g_usleep(100000);
        CU_ASSERT_TRUE(same_bytes(got1, want));
        CU_ASSERT_EQUAL(hp_stop(&sd), 0);
        double secs = 0;
        CU_ASSERT_EQUAL(run_get_rate(torrent, dir2, "get-m2.err", false, NULL, &secs), 0);
        check_limited_time(secs);
        char *got2 = g_build_filename(dir2, "m.bin", NULL);
        CU_ASSERT_TRUE(same_bytes(got2, want));
        CU_ASSERT_EQUAL(hp_stop(&g1), 0);
        if (CU_get_number_of_failures())
            show_log("appsim p2p get --seed-after", log1);
        g_free(got2);
        g_free(got1);
        g_free(ps);
    }
    stop_all(&tr, &sd);
    stop_all(&g1, NULL);
    g_bytes_unref(want);
    g_free(url);
    g_free(file);
    g_free(torrent);
    g_free(dir1);
    g_free(dir2);
    g_free(log1);
}

/* Bad options and input: exit 2 with a message, nothing started. */
static void test_refusals(void)
{
    char *bad = tmp_path("bad.torrent"), *file = tmp_path("r.bin");
    CU_ASSERT_TRUE(g_file_set_contents(bad, "d8:announce3:abce", -1, NULL));
    CU_ASSERT_TRUE(g_file_set_contents(file, "x", -1, NULL));
    const char *const cases[][12] = {
        {APPSIM, "p2p", "tracker", "--bind", "192.0.2.1", NULL},
        {APPSIM, "p2p", "tracker", "--port", "65536", NULL},
        {APPSIM, "p2p", "tracker", "--port", "-1", NULL},
        {APPSIM, "p2p", "tracker", "--interval", "0", NULL},
        {APPSIM, "p2p", "seed", file, NULL},
        {APPSIM, "p2p", "seed", file, "--tracker", "ftp://127.0.0.1/announce", NULL},
        {APPSIM, "p2p", "seed", file, "--tracker", "http://127.0.0.1:1/a", "--piece-length", "1000", NULL},
        {APPSIM, "p2p", "seed", file, "--tracker", "http://127.0.0.1:1/a", "-o", file, NULL},
        {APPSIM, "p2p", "get", bad, "--timeout", "5", NULL},
        {APPSIM, "p2p", "seed", file, "--tracker", "http://127.0.0.1:1/a", "--max-upload-rate", "4bps", NULL},
        {APPSIM, "p2p", "seed", file, "--tracker", "http://127.0.0.1:1/a", "--max-upload-rate", "0", NULL},
        {APPSIM, "p2p", "seed", file, "--tracker", "http://127.0.0.1:1/a", "--max-upload-rate", "2Tbps", NULL},
        {APPSIM, "p2p", "get", bad, "--max-upload-rate", "fast", NULL},
        {APPSIM, "p2p", "get", bad, "--max-upload-rate", "", NULL},
        {APPSIM, "p2p", "get", NULL},
        {APPSIM, "p2p", "frobnicate", NULL},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        char *out = NULL, *err = NULL;
        int code = test_spawn(NULL, cases[i], &out, &err);
        CU_ASSERT_EQUAL(code, 2);
        CU_ASSERT_TRUE(err && strstr(err, "appsim p2p"));
        if (code != 2)
            fprintf(stderr, "case %zu: exit %d: %s\n", i, code, err ? err : "");
        g_free(out);
        g_free(err);
    }
    const char *help[] = {APPSIM, "p2p", "get", "--help", NULL};
    char *out = NULL;
    CU_ASSERT_EQUAL(test_spawn(NULL, help, &out, NULL), 0);
    CU_ASSERT_TRUE(out && strstr(out, "--seed-after") && strstr(out, "--max-upload-rate"));
    g_free(out);
    g_free(bad);
    g_free(file);
}

int main(void)
{
    timeout_bin = g_find_program_in_path("timeout");
    if (!timeout_bin) {
        fprintf(stderr, "timeout(1) is not on the PATH (coreutils)\n");
        return 1;
    }
    static const test_case tests[] = {
        TEST(test_refusals),
        TEST(test_appsim_to_appsim),
        TEST(test_port_zero),
        TEST(test_seed_upload_limit),
        TEST(test_get_upload_limit),
        TEST(test_aria2_downloads),
        TEST(test_appsim_gets_from_aria2),
    };
    int rc = test_main("bt_real", tests, (int)G_N_ELEMENTS(tests));
    if (tmp_dir) {
        test_remove_tree(tmp_dir);
        g_free(tmp_dir);
    }
    g_free(timeout_bin);
    return rc;
}

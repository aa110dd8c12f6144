/*
 * `appsim http serve` under the attacks of issue 10 (items 3, 4 and 5), on
 * real sockets: one connection pipelining 20 GETs of a 100 MiB file and
 * never reading; eight connections each sending 6 MB of a POST announced
 * as 64 MiB and never finishing; an upload slower than the idle timeout.
 *
 * The assertions bound the server's own counter of what it holds (the
 * "peak buffered" it prints on stderr when it stops), never wall-clock
 * time; the resident size of the server (VmHWM) is printed for the record
 * (bench/http_serve_attack.py measures it properly). Loopback only; every
 * process is bounded in time and stopped by its test.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_procs.h"
#include "protocols/http/http_server.h"
#include "test_util.h"

static char *root_dir, *err_file;

/* Starts the server on root_dir with stderr to err_file and `extra`. */
static bool serve(hp_server *sp, const char *extra)
{
    char *argv[] = {APPSIM, "http", "serve", "--root", root_dir, "--port", "0", "--timeout", "60",
                    (char *)extra, NULL};
    return hp_start(argv, err_file, sp);
}

/* Stops the server; returns the peak it held, from its last words. */
static uint64_t stop_and_peak(hp_server *sp)
{
    CU_ASSERT_EQUAL(hp_stop(sp), 0);
    char *text = NULL;
    g_file_get_contents(err_file, &text, NULL, NULL);
    const char *at = text ? strstr(text, "peak buffered ") : NULL;
    uint64_t peak = at ? g_ascii_strtoull(at + 14, NULL, 10) : UINT64_MAX;
    if (!at)
        printf("\n    the server said: %s", text ? text : "(nothing)");
    g_free(text);
    return peak;
}

/* The attacks, in Python: argv[1] the port, argv[2] the server's pid,
 * argv[3] "pipeline" or "uploads". Prints the server's VmHWM (KiB) after
 * holding the attack for 3 s, and what was sent. */
static const char *attack_py =
    "import socket, sys, threading, time\n"
    "port, pid, kind = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]\n"
    "def hwm():\n"
    "    for line in open('/proc/%d/status' % pid):\n"
    "        if line.startswith('VmHWM:'): return int(line.split()[1])\n"
    "    return 0\n"
    "socks, sent = [], [0] * 8\n"
    "if kind == 'pipeline':\n"
    "    s = socket.create_connection(('127.0.0.1', port), timeout=10)\n"
    "    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)\n"
    "    s.sendall(b'GET /100m.bin HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\n\\r\\n' * 20)\n"
    "    socks.append(s)\n"
    "else:\n"
    "    def up(i):\n"
    "        s = socket.create_connection(('127.0.0.1', port), timeout=10)\n"
    "        socks.append(s)\n"
    "        s.sendall(b'POST /upload HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\nContent-Length: 67108864\\r\\n\\r\\n')\n"
    "        block = b'x' * 65536\n"
    "        while sent[i] < 6000000:\n"
    "            s.sendall(block); sent[i] += len(block)\n"
    "    ts = [threading.Thread(target=up, args=(i,)) for i in range(8)]\n"
    "    for t in ts: t.start()\n"
    "    for t in ts: t.join(20)\n"
    "time.sleep(3)\n"
    "print('server VmHWM %d KiB, sent %d bytes' % (hwm(), sum(sent)))\n"
    "for s in socks: s.close()\n";

static char *attack(const hp_server *sp, const char *kind)
{
    char port[16], pid[16];
    g_snprintf(port, sizeof port, "%d", sp->port);
    g_snprintf(pid, sizeof pid, "%d", (int)sp->pid);
    const char *argv[] = {"timeout", "40", "python3", "-c", attack_py, port, pid, kind, NULL};
    int st;
    char *out = hp_run(argv, &st);
    CU_ASSERT_EQUAL(st, 0);
    return g_strchomp(out);
}

/* Item 3: pipelined GETs of a big file that are never read. */
static void test_pipeline_never_read(void)
{
    if (!hp_have("python3")) return;
    hp_server sp;
    CU_ASSERT_TRUE_FATAL(serve(&sp, NULL));
    char *o = attack(&sp, "pipeline");
    uint64_t peak = stop_and_peak(&sp);
    printf("\n    20 pipelined GET /100m.bin, never read: %s; peak held %" G_GUINT64_FORMAT " bytes", o, peak);
    CU_ASSERT_TRUE(peak <= HTTP_SERVER_CHUNK + 16384);
    g_free(o);
}

/* Item 4: unfinished uploads. */
static void test_unfinished_posts(void)
{
    if (!hp_have("python3")) return;
    hp_server sp;
    CU_ASSERT_TRUE_FATAL(serve(&sp, NULL));
    char *o = attack(&sp, "uploads");
    uint64_t peak = stop_and_peak(&sp);
    printf("\n    8 x 6 MB of a 64 MiB POST, unfinished: %s; peak held %" G_GUINT64_FORMAT " bytes", o, peak);
    CU_ASSERT_PTR_NOT_NULL(strstr(o, "sent 48234496 bytes"));
    CU_ASSERT_TRUE(peak <= 65536);
    g_free(o);
}

/* Item 5: an upload slower than the idle timeout (250 kB at 50 kB/s, about
 * 5 s, against --idle-timeout 2) arrives whole. */
static void test_slow_upload(void)
{
    if (!hp_have("curl")) return;
    char *src = g_build_filename(root_dir, "slow-source.bin", NULL);
    char *data = g_malloc(250000);
    memset(data, 's', 250000);
    g_file_set_contents(src, data, 250000, NULL);
    hp_server sp;
    char *argv[] = {APPSIM, "http", "serve", "--root", root_dir, "--port", "0", "--timeout", "60",
                    "--writable", "--idle-timeout", "2", NULL};
    CU_ASSERT_TRUE_FATAL(hp_start(argv, err_file, &sp));
    char *u = hp_url(&sp, "/slow.bin");
    const char *a[] = {"curl", "-s", "--max-time", "30", "--limit-rate", "50k", "-o", "/dev/null", "-w",
                       "%{http_code}", "-T", src, u, NULL};
    int st;
    char *o = hp_run(a, &st);
    CU_ASSERT_STRING_EQUAL(o, "201");
    char *dst = g_build_filename(root_dir, "slow.bin", NULL), *got = NULL;
    gsize len = 0;
    CU_ASSERT_TRUE(g_file_get_contents(dst, &got, &len, NULL) && len == 250000 && !memcmp(got, data, len));
    stop_and_peak(&sp);
    g_free(got), g_free(dst), g_free(o), g_free(u), g_free(data), g_free(src);
}

int main(void)
{
    root_dir = g_dir_make_tmp("appsim-serve-limits-XXXXXX", NULL);
    char *big = g_build_filename(root_dir, "100m.bin", NULL);
    FILE *f = fopen(big, "wb"); /* sparse: 100 MiB of zeros that take no disk */
    if (f) {
        fseek(f, (100L << 20) - 1, SEEK_SET);
        fputc(0, f);
        fclose(f);
    }
    g_free(big);
    char *err_dir = g_dir_make_tmp("appsim-serve-err-XXXXXX", NULL);
    err_file = g_build_filename(err_dir, "stderr.txt", NULL);
    static const test_case tests[] = {
        TEST(test_pipeline_never_read),
        TEST(test_unfinished_posts),
        TEST(test_slow_upload),
    };
    int rc = test_main("cli/http_serve_limits", tests, G_N_ELEMENTS(tests));
    test_remove_tree(root_dir);
    test_remove_tree(err_dir);
    g_free(root_dir);
    g_free(err_dir);
    g_free(err_file);
    return rc;
}

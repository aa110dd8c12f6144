/*
 * appsim's DNS applications on real sockets, against peers nobody here
 * wrote (issue 12): dig and dnspython against `appsim dns serve`
 * (answers, negative answers, referrals, truncation, malformed
 * datagrams), appsim's resolver over a hierarchy of `appsim dns serve`
 * processes on 127.0.0.2, .3 and .4 (the cache, REFUSED for a client not
 * allowed), the same resolver and `appsim dns query` against NSD, and the
 * commands' exit statuses. Loopback only; every server gets --timeout
 * (NSD runs under timeout(1)), every client is run under timeout(1) with
 * its own bounds, and each test stops what it started.
 */
#define _POSIX_C_SOURCE 200809L

#include <gio/gio.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_procs.h"
#include "test_util.h"

/* The Debian interpreter, which has python3-dnspython (a python3 earlier
 * on the PATH may be another one). */
#define PYTHON "/usr/bin/python3"

static char *tmp_dir;

/* example.com: an A record, an MX with its address, a delegated child
 * (sub) with glue, and a TXT RRset too large for a 512-byte answer. */
static const char example_zone[] =
    "$ORIGIN example.com.\n"
    "$TTL 3600\n"
    "@       IN SOA ns1.example.com. admin.example.com. 1 7200 900 1209600 300\n"
    "@       IN NS  ns1.example.com.\n"
    "ns1     IN A   127.0.0.4\n"
    "www     IN A   192.0.2.80\n"
    "mail    IN A   192.0.2.25\n"
    "@       IN MX  10 mail.example.com.\n"
    "sub     IN NS  ns.sub.example.com.\n"
    "ns.sub  IN A   192.0.2.53\n";

/* The root zone on 127.0.0.2, delegating com. to 127.0.0.3. */
static const char root_zone[] = ". 3600 IN SOA a.root. admin.root. 1 7200 900 1209600 300\n"
                                ". 3600 IN NS a.root.\n"
                                "a.root. 3600 IN A 127.0.0.2\n"
                                "com. 3600 IN NS a.gtld.com.\n"
                                "a.gtld.com. 3600 IN A 127.0.0.3\n";

/* com. on 127.0.0.3, delegating example.com. to 127.0.0.4. */
static const char com_zone[] = "com. 3600 IN SOA a.gtld.com. admin.gtld.com. 1 7200 900 1209600 300\n"
                               "com. 3600 IN NS a.gtld.com.\n"
                               "a.gtld.com. 3600 IN A 127.0.0.3\n"
                               "example.com. 3600 IN NS ns1.example.com.\n"
                               "ns1.example.com. 3600 IN A 127.0.0.4\n";

static const char root_hints[] = "; the root of the test hierarchy, as in named.root\n"
                                 ".        3600000  NS  a.root.\n"
                                 "a.root.  3600000  A   127.0.0.2\n";

#define BIG_TXT_RECORDS 12

/* A file of the test folder (new string), written with `text`. */
static char *put_file(const char *name, const char *text)
{
    if (!tmp_dir)
        tmp_dir = g_dir_make_tmp("appsim-dns-XXXXXX", NULL);
    char *path = g_build_filename(tmp_dir, name, NULL);
    CU_ASSERT_TRUE(g_file_set_contents(path, text, -1, NULL));
    return path;
}

/* The example zone with its big TXT RRset (twelve 200-byte strings). */
static char *example_zone_text(void)
{
    GString *s = g_string_new(example_zone);
    for (int i = 0; i < BIG_TXT_RECORDS; i++) {
        g_string_append_printf(s, "big IN TXT \"%02d", i);
        for (int k = 0; k < 198; k++)
            g_string_append_c(s, (char)('a' + (i + k) % 26));
        g_string_append(s, "\"\n");
    }
    return g_string_free(s, FALSE);
}

/* Starts `appsim dns serve` with `args` (NULL-terminated) and --timeout
 * 120; stderr to `err_path` when not NULL. */
static bool dns_serve(const char *const *args, const char *err_path, hp_server *sp)
{
    GPtrArray *argv = g_ptr_array_new();
    const char *base[] = {APPSIM, "dns", "serve", "--timeout", "120"};
    for (size_t i = 0; i < G_N_ELEMENTS(base); i++)
        g_ptr_array_add(argv, (gpointer)base[i]);
    for (const char *const *a = args; *a; a++)
        g_ptr_array_add(argv, (gpointer)*a);
    g_ptr_array_add(argv, NULL);
    bool ok = hp_start((char **)argv->pdata, err_path, sp);
    g_ptr_array_free(argv, TRUE);
    return ok;
}

/* Starts the authoritative server of the example zone on 127.0.0.1. */
static bool serve_example(hp_server *sp)
{
    char *text = example_zone_text();
    char *zone = put_file("example.zone", text);
    const char *args[] = {"--zone", zone, "--port", "0", NULL};
    bool ok = dns_serve(args, NULL, sp);
    g_free(zone);
    g_free(text);
    return ok;
}

/* Runs dig on 127.0.0.N (a string) and port, with its options (at most
 * 8, NULL-terminated), bounded: 2 tries of 2 s, and timeout(1). */
static char *dig(const char *addr, int port, const char *const *opts)
{
    char at[64], p[16];
    g_snprintf(at, sizeof at, "@%s", addr);
    g_snprintf(p, sizeof p, "%d", port);
    const char *argv[20] = {"timeout", "20", "dig", at, "-p", p, "+time=2", "+tries=2"};
    int n = 8;
    for (const char *const *o = opts; *o && n < 19; o++)
        argv[n++] = *o;
    argv[n] = NULL;
    int st;
    return hp_run(argv, &st);
}

static bool has(const char *out, const char *what)
{
    bool ok = strstr(out, what) != NULL;
    if (!ok)
        fprintf(stderr, "\nexpected \"%s\" in:\n%s\n", what, out);
    return ok;
}

/* (a) dig against `appsim dns serve`, each case over UDP and TCP. */
static void test_dig_auth(void)
{
    if (!hp_have("dig"))
        return;
    hp_server sp;
    CU_ASSERT_TRUE_FATAL(serve_example(&sp));
    const char *transports[] = {"+notcp", "+tcp"};
    for (int t = 0; t < 2; t++) {
        const char *tr = transports[t];
        const char *a1[] = {tr, "+norec", "www.example.com", "A", NULL};
        char *o = dig("127.0.0.1", sp.port, a1);
        CU_ASSERT_TRUE(has(o, "status: NOERROR"));
        CU_ASSERT_TRUE(has(o, "flags: qr aa;"));
        CU_ASSERT_TRUE(has(o, "www.example.com.\t3600\tIN\tA\t192.0.2.80"));
        g_free(o);
        const char *a2[] = {tr, "nope.example.com", "A", NULL};
        o = dig("127.0.0.1", sp.port, a2);
        CU_ASSERT_TRUE(has(o, "status: NXDOMAIN"));
        CU_ASSERT_TRUE(has(o, "flags: qr aa rd;"));
        CU_ASSERT_TRUE(has(o, "ANSWER: 0, AUTHORITY: 1"));
        /* The negative TTL: min(SOA TTL, MINIMUM) (RFC 2308). */
        CU_ASSERT_TRUE(has(o, "example.com.\t\t300\tIN\tSOA\tns1.example.com. admin.example.com. 1 7200"));
        g_free(o);
        const char *a3[] = {tr, "www.example.com", "AAAA", NULL};
        o = dig("127.0.0.1", sp.port, a3);
        CU_ASSERT_TRUE(has(o, "status: NOERROR"));
        CU_ASSERT_TRUE(has(o, "ANSWER: 0, AUTHORITY: 1"));
        CU_ASSERT_TRUE(has(o, "IN\tSOA"));
        g_free(o);
        const char *a4[] = {tr, "example.com", "MX", NULL};
        o = dig("127.0.0.1", sp.port, a4);
        CU_ASSERT_TRUE(has(o, "example.com.\t\t3600\tIN\tMX\t10 mail.example.com."));
        CU_ASSERT_TRUE(has(o, ";; ADDITIONAL SECTION:\nmail.example.com.\t3600\tIN\tA\t192.0.2.25"));
        g_free(o);
        const char *a5[] = {tr, "+norec", "www.sub.example.com", "A", NULL};
        o = dig("127.0.0.1", sp.port, a5);
        CU_ASSERT_TRUE(has(o, "status: NOERROR"));
        CU_ASSERT_TRUE(has(o, "flags: qr;")); /* a referral: no aa */
        CU_ASSERT_TRUE(has(o, "ANSWER: 0, AUTHORITY: 1, ADDITIONAL: 2"));
        CU_ASSERT_TRUE(has(o, "sub.example.com.\t3600\tIN\tNS\tns.sub.example.com."));
        CU_ASSERT_TRUE(has(o, "ns.sub.example.com.\t3600\tIN\tA\t192.0.2.53"));
        g_free(o);
    }
    /* The big TXT RRset: TC over UDP with 512 bytes, whole over TCP. */
    const char *a6[] = {"+ignore", "+bufsize=512", "big.example.com", "TXT", NULL};
    char *o = dig("127.0.0.1", sp.port, a6);
    CU_ASSERT_TRUE(has(o, "flags: qr aa tc rd;"));
    g_free(o);
    const char *a7[] = {"+ignore", "+noedns", "big.example.com", "TXT", NULL};
    o = dig("127.0.0.1", sp.port, a7);
    CU_ASSERT_TRUE(has(o, "flags: qr aa tc rd;"));
    g_free(o);
    const char *a8[] = {"+tcp", "big.example.com", "TXT", NULL};
    o = dig("127.0.0.1", sp.port, a8);
    CU_ASSERT_TRUE(has(o, "flags: qr aa rd;"));
    CU_ASSERT_TRUE(has(o, "ANSWER: 12,"));
    CU_ASSERT_TRUE(has(o, "\"11"));
    g_free(o);
    CU_ASSERT_EQUAL(hp_stop(&sp), 0);
}

/* `appsim dns query` against `appsim dns serve`: an answer, the TCP
 * retry on TC, and --tcp. */
static void test_query_auth(void)
{
    hp_server sp;
    CU_ASSERT_TRUE_FATAL(serve_example(&sp));
    char port[16];
    g_snprintf(port, sizeof port, "%d", sp.port);
    int st;
    const char *a1[] = {"timeout", "30", APPSIM, "dns", "query", "www.example.com", "@127.0.0.1", "-p", port, NULL};
    char *o = hp_run(a1, &st);
    CU_ASSERT_EQUAL(st, 0);
    CU_ASSERT_TRUE(has(o, "status: NOERROR"));
    CU_ASSERT_TRUE(has(o, "www.example.com. 3600 IN A 192.0.2.80"));
    CU_ASSERT_TRUE(has(o, "(UDP)"));
    g_free(o);
    const char *a2[] = {"timeout", "30", APPSIM, "dns", "query", "big.example.com", "TXT", "@127.0.0.1", "-p", port,
                        NULL};
    o = hp_run(a2, &st);
    CU_ASSERT_EQUAL(st, 0);
    CU_ASSERT_TRUE(has(o, ";; Truncated, retrying in TCP mode."));
    CU_ASSERT_TRUE(has(o, "ANSWER: 12,"));
    CU_ASSERT_TRUE(has(o, "(TCP)"));
    g_free(o);
    const char *a3[] = {"timeout", "30", APPSIM, "dns", "query", "nope.example.com", "MX", "@127.0.0.1", "-p", port,
                        "--tcp", "--norecurse", NULL};
    o = hp_run(a3, &st);
    CU_ASSERT_EQUAL(st, 0); /* an answer, whatever its rcode */
    CU_ASSERT_TRUE(has(o, "status: NXDOMAIN"));
    CU_ASSERT_TRUE(has(o, "flags: qr aa;"));
    CU_ASSERT_TRUE(has(o, "(TCP)"));
    g_free(o);
    CU_ASSERT_EQUAL(hp_stop(&sp), 0);
}

/* Whether /usr/bin/python3 has dnspython; a skip when not. */
static bool have_dnspython(void)
{
    const char *argv[] = {"timeout", "20", PYTHON, "-c", "import dns.message, dns.query", NULL};
    int st;
    g_free(hp_run(argv, &st));
    if (st != 0)
        test_skip("%s with dnspython is not installed (make test installs python3-dnspython)", PYTHON);
    return st == 0;
}

/* dnspython's queries and three malformed datagrams, each answered
 * FORMERR or not at all; the server answers afterwards. */
static const char dnspython_script[] =
    "import random, socket, sys\n"
    "import dns.flags, dns.message, dns.query, dns.rcode\n"
    "h, p = sys.argv[1], int(sys.argv[2])\n"
    "q = dns.message.make_query('www.example.com', 'A')\n"
    "r = dns.query.udp(q, h, port=p, timeout=3)\n"
    "print('udp', dns.rcode.to_text(r.rcode()), bool(r.flags & dns.flags.AA), r.answer[0][0].address)\n"
    "r = dns.query.tcp(dns.message.make_query('example.com', 'MX'), h, port=p, timeout=3)\n"
    "print('tcp', dns.rcode.to_text(r.rcode()), r.answer[0][0].exchange, r.additional[0][0].address)\n"
    "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
    "s.settimeout(1)\n"
    "def bad(name, data):\n"
    "    s.sendto(data, (h, p))\n"
    "    try:\n"
    "        a = s.recv(65535)\n"
    "        ok = len(a) >= 12 and a[:2] == data[:2] and a[2] & 0x80 and a[3] & 15 == 1\n"
    "        print(name, 'FORMERR' if ok else 'other')\n"
    "    except socket.timeout:\n"
    "        print(name, 'silence')\n"
    "rnd = random.Random(12)\n"
    "junk = [rnd.randrange(256) for _ in range(40)]\n"
    "junk[2] &= 0x7f\n"
    "bad('random', bytes(junk))\n"
    "bad('short', b'\\x12\\x34\\x01\\x00\\x00')\n"
    "bad('loop', b'\\xab\\xcd\\x01\\x00\\x00\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\xc0\\x0c\\x00\\x01\\x00\\x01')\n"
    "r = dns.query.udp(q, h, port=p, timeout=3)\n"
    "print('after', dns.rcode.to_text(r.rcode()), r.answer[0][0].address)\n";

/* (b) dnspython against `appsim dns serve`. */
static void test_dnspython_auth(void)
{
    if (!have_dnspython())
        return;
    hp_server sp;
    CU_ASSERT_TRUE_FATAL(serve_example(&sp));
    char port[16];
    g_snprintf(port, sizeof port, "%d", sp.port);
    const char *argv[] = {"timeout", "30", PYTHON, "-c", dnspython_script, "127.0.0.1", port, NULL};
    int st;
    char *o = hp_run(argv, &st);
    CU_ASSERT_EQUAL(st, 0);
    CU_ASSERT_TRUE(has(o, "udp NOERROR True 192.0.2.80\n"));
    CU_ASSERT_TRUE(has(o, "tcp NOERROR mail.example.com. 192.0.2.25\n"));
    /* Random bytes (QR cleared) decode to nothing: FORMERR, since the
     * header was read; too short for a header: no answer; a compression
     * pointer to itself: FORMERR. */
    CU_ASSERT_TRUE(has(o, "random FORMERR\n"));
    CU_ASSERT_TRUE(has(o, "short silence\n"));
    CU_ASSERT_TRUE(has(o, "loop FORMERR\n"));
    CU_ASSERT_TRUE(has(o, "after NOERROR 192.0.2.80\n"));
    g_free(o);
    CU_ASSERT_EQUAL(hp_stop(&sp), 0); /* alive, and stops cleanly */
}

/* The root and com servers of the test hierarchy on 127.0.0.2 and .3,
 * the root on a free port which the others then share. */
static bool start_upper(hp_server *root, hp_server *com)
{
    char *rz = put_file("root.zone", root_zone), *cz = put_file("com.zone", com_zone);
    const char *a1[] = {"--zone", rz, "--bind", "127.0.0.2", "--port", "0", NULL};
    bool ok = dns_serve(a1, NULL, root);
    if (ok) {
        char port[16];
        g_snprintf(port, sizeof port, "%d", root->port);
        const char *a2[] = {"--zone", cz, "--bind", "127.0.0.3", "--port", port, NULL};
        ok = dns_serve(a2, NULL, com);
        if (!ok)
            hp_stop(root);
    }
    g_free(rz);
    g_free(cz);
    return ok;
}

/* Starts the resolver on 127.0.0.1, allowing 127.0.0.1 only, asking
 * servers on `server_port`, its lookups logged to `log`. */
static bool start_resolver(int server_port, const char *log, hp_server *sp)
{
    char *hints = put_file("root.hints", root_hints);
    char port[16];
    g_snprintf(port, sizeof port, "%d", server_port);
    const char *args[] = {"--recursive", "--root-hints", hints, "--server-port", port, "--port", "0",
                          "--allow", "127.0.0.1", "--log", NULL};
    bool ok = dns_serve(args, log, sp);
    g_free(hints);
    return ok;
}

/* A query with RD from a socket bound to 127.0.0.5: its rcode. */
static const char refused_script[] =
    "import socket, sys\n"
    "import dns.message, dns.rcode\n"
    "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
    "s.bind(('127.0.0.5', 0))\n"
    "s.settimeout(3)\n"
    "s.sendto(dns.message.make_query('www.example.com', 'A').to_wire(), ('127.0.0.1', int(sys.argv[1])))\n"
    "print('rcode', dns.rcode.to_text(dns.message.from_wire(s.recv(4096)).rcode()))\n";

/* The lines of the resolver's log that are lookups (without the header). */
static gchar **lookup_lines(const char *log)
{
    char *text = NULL;
    g_file_get_contents(log, &text, NULL, NULL);
    GPtrArray *out = g_ptr_array_new();
    gchar **lines = g_strsplit(text ? text : "", "\n", -1);
    for (gchar **l = lines; *l; l++)
        if (g_str_has_prefix(*l, "dns-lookup ") && !strstr(*l, "from_cache"))
            g_ptr_array_add(out, g_strdup(*l + strlen("dns-lookup ")));
    g_ptr_array_add(out, NULL);
    g_strfreev(lines);
    g_free(text);
    return (gchar **)g_ptr_array_free(out, FALSE);
}

/* (c) appsim's resolver over root, TLD and authoritative `appsim dns
 * serve` processes on 127.0.0.2, .3 and .4. */
static void test_resolver_hierarchy(void)
{
    if (!hp_have("dig") || !have_dnspython())
        return;
    hp_server root, com, ex, res;
    CU_ASSERT_TRUE_FATAL(start_upper(&root, &com));
    char port[16];
    g_snprintf(port, sizeof port, "%d", root.port);
    char *text = example_zone_text();
    char *zone = put_file("example.zone", text);
    const char *a3[] = {"--zone", zone, "--bind", "127.0.0.4", "--port", port, NULL};
    bool ok = dns_serve(a3, NULL, &ex);
    CU_ASSERT_TRUE(ok);
    char *log = g_build_filename(tmp_dir, "resolver.log", NULL);
    CU_ASSERT_TRUE(ok && start_resolver(root.port, log, &res));
    if (ok && res.port > 0) {
        const char *q[] = {"www.example.com", "A", NULL};
        for (int i = 0; i < 2; i++) {
            char *o = dig("127.0.0.1", res.port, q);
            CU_ASSERT_TRUE(has(o, "status: NOERROR"));
            CU_ASSERT_TRUE(has(o, "flags: qr rd ra;"));
            CU_ASSERT_TRUE(has(o, "IN\tA\t192.0.2.80"));
            g_free(o);
        }
        const char *nx[] = {"nope.example.com", "A", NULL};
        char *o = dig("127.0.0.1", res.port, nx);
        CU_ASSERT_TRUE(has(o, "status: NXDOMAIN"));
        g_free(o);
        char rport[16];
        g_snprintf(rport, sizeof rport, "%d", res.port);
        const char *argv[] = {"timeout", "20", PYTHON, "-c", refused_script, rport, NULL};
        int st;
        o = hp_run(argv, &st);
        CU_ASSERT_TRUE(has(o, "rcode REFUSED"));
        g_free(o);
        CU_ASSERT_EQUAL(hp_stop(&res), 0);
        /* The log's rows (DNS_RESOLVER_RECORD_HEADER): the first lookup
         * went root, TLD, authoritative (3 queries, not from the cache);
         * the second was answered from the cache with no query; the
         * NXDOMAIN asked the authoritative server alone (its NS set was
         * cached). The REFUSED query was not a lookup. */
        gchar **rows = lookup_lines(log);
        CU_ASSERT_EQUAL_FATAL(g_strv_length(rows), 3);
        CU_ASSERT_TRUE(g_str_has_prefix(rows[0], "www.example.com,A,NOERROR,0,3,a.root;a.gtld.com;ns1.example.com,"));
        CU_ASSERT_TRUE(g_str_has_prefix(rows[1], "www.example.com,A,NOERROR,1,0,,"));
        CU_ASSERT_TRUE(g_str_has_prefix(rows[2], "nope.example.com,A,NXDOMAIN,0,1,ns1.example.com,"));
        g_strfreev(rows);
    }
    CU_ASSERT_EQUAL(hp_stop(&ex), 0);
    CU_ASSERT_EQUAL(hp_stop(&com), 0);
    CU_ASSERT_EQUAL(hp_stop(&root), 0);
    g_free(log);
    g_free(zone);
    g_free(text);
}

/* NSD's program: on the PATH, or where Debian puts it. */
static char *nsd_path(void)
{
    char *p = g_find_program_in_path("nsd");
    if (!p && g_file_test("/usr/sbin/nsd", G_FILE_TEST_IS_EXECUTABLE))
        p = g_strdup("/usr/sbin/nsd");
    if (!p)
        test_skip("nsd is not installed (make test installs it)");
    return p;
}

/* Waits up to `seconds` for a TCP listener on (addr, port). */
static bool wait_tcp(const char *addr, int port, int seconds)
{
    gint64 deadline = g_get_monotonic_time() + seconds * G_USEC_PER_SEC;
    GSocketClient *cl = g_socket_client_new();
    g_socket_client_set_timeout(cl, 1);
    bool ok = false;
    while (!ok && g_get_monotonic_time() < deadline) {
        GSocketConnection *c = g_socket_client_connect_to_host(cl, addr, (guint16)port, NULL, NULL);
        ok = c != NULL;
        if (c) {
            g_io_stream_close(G_IO_STREAM(c), NULL, NULL);
            g_object_unref(c);
        } else {
            g_usleep(100000);
        }
    }
    g_object_unref(cl);
    return ok;
}

/* Starts NSD for the example zone on (addr, port), unprivileged, with a
 * throw-away configuration in its own folder, under timeout(1). */
static bool start_nsd(const char *nsd, const char *addr, int port, hp_server *sp)
{
    memset(sp, 0, sizeof *sp);
    char *dir = g_build_filename(tmp_dir, "nsd", NULL);
    g_mkdir(dir, 0700);
    char *text = example_zone_text();
    char *zone = g_build_filename(dir, "example.zone", NULL);
    g_file_set_contents(zone, text, -1, NULL);
    char *conf = g_strdup_printf("server:\n"
                                 "  ip-address: %s@%d\n"
                                 "  port: %d\n"
                                 "  server-count: 1\n"
                                 "  username: \"\"\n"
                                 "  chroot: \"\"\n"
                                 "  database: \"\"\n"
                                 "  zonesdir: \"%s\"\n"
                                 "  pidfile: \"%s/nsd.pid\"\n"
                                 "  xfrdfile: \"%s/xfrd.state\"\n"
                                 "  zonelistfile: \"%s/zone.list\"\n"
                                 "  logfile: \"%s/nsd.log\"\n"
                                 "remote-control:\n"
                                 "  control-enable: no\n"
                                 "zone:\n"
                                 "  name: example.com\n"
                                 "  zonefile: example.zone\n",
                                 addr, port, port, dir, dir, dir, dir, dir);
    char *conf_path = g_build_filename(dir, "nsd.conf", NULL);
    g_file_set_contents(conf_path, conf, -1, NULL);
    const char *argv[] = {"timeout", "120", nsd, "-d", "-c", conf_path, NULL};
    GError *err = NULL;
    bool ok = g_spawn_async(NULL, (char **)argv, NULL,
                            G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL |
                                G_SPAWN_STDERR_TO_DEV_NULL,
                            NULL, NULL, &sp->pid, &err);
    if (!ok) {
        fprintf(stderr, "spawn nsd: %s\n", err->message);
        g_error_free(err);
    }
    sp->out_fd = -1;
    sp->port = port;
    ok = ok && wait_tcp(addr, port, 15);
    if (!ok) {
        char *log = g_build_filename(dir, "nsd.log", NULL), *t = NULL;
        g_file_get_contents(log, &t, NULL, NULL);
        fprintf(stderr, "nsd did not start; its log:\n%s\n", t ? t : "(none)");
        g_free(t);
        g_free(log);
    }
    g_free(conf_path);
    g_free(conf);
    g_free(zone);
    g_free(text);
    g_free(dir);
    return ok;
}

/* (d) appsim's resolver and `appsim dns query` against NSD, the
 * authoritative server of example.com. on 127.0.0.4. */
static void test_nsd(void)
{
    char *nsd = nsd_path();
    if (!nsd || !hp_have("dig")) {
        g_free(nsd);
        return;
    }
    hp_server root, com, ns, res;
    CU_ASSERT_TRUE_FATAL(start_upper(&root, &com));
    bool ok = start_nsd(nsd, "127.0.0.4", root.port, &ns);
    CU_ASSERT_TRUE(ok);
    char *log = g_build_filename(tmp_dir, "resolver-nsd.log", NULL);
    bool rok = ok && start_resolver(root.port, log, &res);
    CU_ASSERT_TRUE(!ok || rok);
    if (rok) {
        const char *q[] = {"www.example.com", "A", NULL};
        char *o = dig("127.0.0.1", res.port, q);
        CU_ASSERT_TRUE(has(o, "status: NOERROR"));
        CU_ASSERT_TRUE(has(o, "IN\tA\t192.0.2.80"));
        g_free(o);
        const char *mx[] = {"example.com", "MX", NULL};
        o = dig("127.0.0.1", res.port, mx);
        CU_ASSERT_TRUE(has(o, "IN\tMX\t10 mail.example.com."));
        g_free(o);
        const char *nx[] = {"nope.example.com", "A", NULL};
        o = dig("127.0.0.1", res.port, nx);
        CU_ASSERT_TRUE(has(o, "status: NXDOMAIN"));
        g_free(o);
        CU_ASSERT_EQUAL(hp_stop(&res), 0);
        gchar **rows = lookup_lines(log);
        CU_ASSERT_EQUAL(g_strv_length(rows), 3);
        CU_ASSERT_TRUE(rows[0] && g_str_has_prefix(rows[0], "www.example.com,A,NOERROR,0,3,"));
        g_strfreev(rows);
    }
    if (ok) {
        /* appsim dns query to NSD: UDP, TCP, NXDOMAIN, and TC then TCP. */
        char port[16];
        g_snprintf(port, sizeof port, "%d", root.port);
        int st;
        const char *a1[] = {"timeout", "30", APPSIM, "dns", "query", "www.example.com", "@127.0.0.4", "-p", port,
                            "--norecurse", NULL};
        char *o = hp_run(a1, &st);
        CU_ASSERT_EQUAL(st, 0);
        CU_ASSERT_TRUE(has(o, "flags: qr aa;"));
        CU_ASSERT_TRUE(has(o, "www.example.com. 3600 IN A 192.0.2.80"));
        CU_ASSERT_TRUE(has(o, "(UDP)"));
        g_free(o);
        const char *a2[] = {"timeout", "30", APPSIM, "dns", "query", "example.com", "MX", "@127.0.0.4", "-p", port,
                            "--tcp", NULL};
        o = hp_run(a2, &st);
        CU_ASSERT_EQUAL(st, 0);
        CU_ASSERT_TRUE(has(o, "example.com. 3600 IN MX 10 mail.example.com."));
        CU_ASSERT_TRUE(has(o, "mail.example.com. 3600 IN A 192.0.2.25"));
        CU_ASSERT_TRUE(has(o, "(TCP)"));
        g_free(o);
        const char *a3[] = {"timeout", "30", APPSIM, "dns", "query", "nope.example.com", "@127.0.0.4", "-p", port, NULL};
        o = hp_run(a3, &st);
        CU_ASSERT_EQUAL(st, 0);
        CU_ASSERT_TRUE(has(o, "status: NXDOMAIN"));
        g_free(o);
        const char *a4[] = {"timeout", "30", APPSIM, "dns", "query", "big.example.com", "TXT", "@127.0.0.4", "-p", port,
                            "--bufsize", "512", NULL};
        o = hp_run(a4, &st);
        CU_ASSERT_EQUAL(st, 0);
        CU_ASSERT_TRUE(has(o, ";; Truncated, retrying in TCP mode."));
        CU_ASSERT_TRUE(has(o, "ANSWER: 12,"));
        g_free(o);
        hp_stop(&ns); /* NSD's own exit status is not ours to check */
    }
    CU_ASSERT_EQUAL(hp_stop(&com), 0);
    CU_ASSERT_EQUAL(hp_stop(&root), 0);
    g_free(log);
    g_free(nsd);
}

/* Exit statuses: a zone file error (2, file:line:column), a public
 * address without --public (2), a --bind that is no address (2), bad query
 * arguments (2), no answer (1). */
static void test_exit_statuses(void)
{
    char *bad = put_file("bad.zone", "$ORIGIN example.com.\n"
                                     "@ 3600 IN SOA ns1 admin 1 2 3 4 5\n"
                                     "www 3600 IN A 192.0.2.300\n");
    char *out = NULL, *err = NULL;
    const char *a1[] = {APPSIM, "dns", "serve", "--zone", bad, "--port", "0", "--timeout", "5", NULL};
    CU_ASSERT_EQUAL(test_spawn(NULL, a1, &out, &err), 2);
    char *where = g_strdup_printf("%s:3:", bad);
    CU_ASSERT_TRUE(err && has(err, where));
    g_free(where);
    g_free(out);
    g_free(err);
    char *good = example_zone_text();
    char *zone = put_file("example.zone", good);
    const char *a2[] = {APPSIM, "dns", "serve", "--zone", zone, "--bind", "0.0.0.0", "--port", "0", "--timeout", "5",
                        NULL};
    CU_ASSERT_EQUAL(test_spawn(NULL, a2, &out, &err), 2);
    CU_ASSERT_TRUE(err && has(err, "--public"));
    g_free(out);
    g_free(err);
    /* --bind takes an address literal, not a name (the check cli_serve shares). */
    const char *a2n[] = {APPSIM, "dns", "serve", "--zone", zone, "--bind", "localhost", "--port", "0", "--timeout",
                         "5", NULL};
    CU_ASSERT_EQUAL(test_spawn(NULL, a2n, &out, &err), 2);
    CU_ASSERT_TRUE(err && has(err, "appsim dns serve: --bind: ") && has(err, "\"localhost\""));
    g_free(out);
    g_free(err);
    const char *a3[] = {APPSIM, "dns", "serve", "--recursive", "--root-hints", zone, "--port", "0", "--timeout", "5",
                        NULL};
    CU_ASSERT_EQUAL(test_spawn(NULL, a3, &out, &err), 2); /* a zone file is not root hints */
    CU_ASSERT_TRUE(err && has(err, "example.zone:1:"));
    g_free(out);
    g_free(err);
    const char *a4[] = {APPSIM, "dns", "query", "www.example.com", "BOGUS", NULL};
    CU_ASSERT_EQUAL(test_spawn(NULL, a4, &out, &err), 2);
    g_free(out);
    g_free(err);
    const char *a5[] = {APPSIM, "dns", "query", "www..example.com", NULL};
    CU_ASSERT_EQUAL(test_spawn(NULL, a5, &out, &err), 2);
    g_free(out);
    g_free(err);
    /* Nobody on the port: three tries of two seconds, then 1. */
    GSocket *s = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, NULL);
    GSocketAddress *sa = g_inet_socket_address_new_from_string("127.0.0.1", 0);
    CU_ASSERT_TRUE_FATAL(g_socket_bind(s, sa, FALSE, NULL));
    GSocketAddress *la = g_socket_get_local_address(s, NULL);
    char port[16];
    g_snprintf(port, sizeof port, "%u", g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(la)));
    const char *a6[] = {APPSIM, "dns", "query", "www.example.com", "@127.0.0.1", "-p", port, NULL};
    gint64 t0 = g_get_monotonic_time();
    CU_ASSERT_EQUAL(test_spawn(NULL, a6, &out, &err), 1); /* the socket reads nothing */
    double took = (double)(g_get_monotonic_time() - t0) / 1e6;
    CU_ASSERT_TRUE(took >= 5.9 && took < 15);
    CU_ASSERT_TRUE(err && has(err, "after 3 tries over UDP, 2 s each"));
    g_free(out);
    g_free(err);
    g_object_unref(la);
    g_object_unref(sa);
    g_socket_close(s, NULL);
    g_object_unref(s);
    g_free(zone);
    g_free(good);
    g_free(bad);
}

int main(void)
{
    static const test_case tests[] = {
        TEST(test_dig_auth),      TEST(test_query_auth), TEST(test_dnspython_auth), TEST(test_resolver_hierarchy),
        TEST(test_nsd),           TEST(test_exit_statuses),
    };
    int rc = test_main("dns_real", tests, (int)G_N_ELEMENTS(tests));
    if (tmp_dir)
        test_remove_tree(tmp_dir);
    g_free(tmp_dir);
    return rc;
}

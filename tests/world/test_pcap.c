/*
 * pcap_out: the byte layout of the file header and of UDP, TCP and raw
 * records, read back and checked field by field (checksums recomputed
 * here); then a simulated browser loading a page of several objects (some
 * length-only, some real) in non-persistent and persistent modes, whose
 * capture tshark must read without a malformed packet or a bad checksum,
 * seeing exactly the HTTP requests the simulation counted. The same run
 * twice gives the same bytes.
 *
 * tshark runs with -n (no name look-ups), bounded by coreutils `timeout`
 * (60 s). Without tshark the simulation-side checks still run and the
 * tshark checks are skipped with a message.
 */
#include "world/pcap_out.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "models/sim_host.h"
#include "protocols/http/http_browser.h"
#include "protocols/http/http_server.h"
#include "test_util.h"

#define TSHARK_TIMEOUT "60"

/* ---- helpers -------------------------------------------------------- */

static uint16_t be16(const uint8_t *b) { return (uint16_t)(b[0] << 8 | b[1]); }
static uint32_t be32(const uint8_t *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}
static uint32_t le32(const uint8_t *b)
{
    return (uint32_t)b[3] << 24 | (uint32_t)b[2] << 16 | (uint32_t)b[1] << 8 | b[0];
}

/* The one's-complement sum of 16-bit words, folded (written apart from the
 * module's, bytes taken in pairs from an explicit index). */
static uint32_t ones_sum(uint32_t acc, const uint8_t *b, size_t len)
{
    for (size_t i = 0; i < len; i++)
        acc += (i % 2 == 0) ? (uint32_t)b[i] << 8 : b[i];
    while (acc > 0xffff)
        acc = (acc & 0xffff) + (acc >> 16);
    return acc;
}

/* True when the transport checksum of the IPv4 datagram at `ip` verifies
 * over the `present` transport bytes captured (bytes not captured are
 * zeros, which add nothing). */
static bool l4_checksum_ok(const uint8_t *ip, size_t present)
{
    uint8_t pseudo[12];
    memcpy(pseudo, ip + 12, 8);
    pseudo[8] = 0;
    pseudo[9] = ip[9];
    uint16_t l4len = (uint16_t)(be16(ip + 2) - 20);
    pseudo[10] = (uint8_t)(l4len >> 8);
    pseudo[11] = (uint8_t)l4len;
    uint32_t s = ones_sum(0, pseudo, sizeof pseudo);
    s = ones_sum(s, ip + 20, present);
    return s == 0xffff;
}

typedef struct {
    uint32_t sec, usec, caplen, orig;
    const uint8_t *frame;
} rec_view;

/* Walks the records of a pcap image; returns the count, or -1 when the
 * image is not a well-formed little-endian microsecond pcap. */
static int pcap_records(const uint8_t *b, size_t len, rec_view *out, int max)
{
    if (len < 24 || le32(b) != 0xa1b2c3d4u)
        return -1;
    size_t at = 24;
    int n = 0;
    uint64_t last = 0;
    while (at < len) {
        if (len - at < 16)
            return -1;
        rec_view r = {le32(b + at), le32(b + at + 4), le32(b + at + 8), le32(b + at + 12),
                      b + at + 16};
        if (r.caplen > r.orig || r.usec >= 1000000 || len - at - 16 < r.caplen)
            return -1;
        uint64_t t = (uint64_t)r.sec * 1000000 + r.usec;
        if (t < last)
            return -1; /* out of time order */
        last = t;
        if (n < max)
            out[n] = r;
        n++;
        at += 16 + r.caplen;
    }
    return n;
}

/* ---- tshark --------------------------------------------------------- */

static char *tshark_bin;   /* NULL: not found */
static char *timeout_bin;  /* coreutils timeout, or NULL */
static bool skip_noted;

/* Runs tshark -n -r FILE ARGS...; returns its standard output, or NULL
 * (printing why) when it failed or ran out of time. */
static char *tshark(const char *file, const char *const *args)
{
    GPtrArray *argv = g_ptr_array_new();
    if (timeout_bin) {
        g_ptr_array_add(argv, timeout_bin);
        g_ptr_array_add(argv, (char *)"-k");
        g_ptr_array_add(argv, (char *)"5");
        g_ptr_array_add(argv, (char *)TSHARK_TIMEOUT);
    }
    g_ptr_array_add(argv, tshark_bin);
    g_ptr_array_add(argv, (char *)"-n");
    g_ptr_array_add(argv, (char *)"-r");
    g_ptr_array_add(argv, (char *)file);
    for (; *args; args++)
        g_ptr_array_add(argv, (char *)*args);
    g_ptr_array_add(argv, NULL);
    char *out = NULL, *errout = NULL;
    int status = 0;
    GError *err = NULL;
    bool ok = g_spawn_sync(NULL, (char **)argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out,
                           &errout, &status, &err) &&
              g_spawn_check_wait_status(status, &err);
    if (!ok) {
        printf("\n    tshark on %s failed: %s\n%s", file, err ? err->message : "?",
               errout ? errout : "");
        g_clear_error(&err);
        g_clear_pointer(&out, g_free);
    }
    g_free(errout);
    g_ptr_array_free(argv, TRUE);
    return out;
}

/* Non-empty lines of `s`; with `values`, comma-separated values on them
 * (tshark joins a field's occurrences in one frame with commas). */
static int count_lines(const char *s, bool values)
{
    int n = 0;
    char **lines = g_strsplit(s ? s : "", "\n", -1);
    for (char **l = lines; *l; l++) {
        if (!**l)
            continue;
        if (!values) {
            n++;
            continue;
        }
        char **v = g_strsplit(*l, ",", -1);
        n += (int)g_strv_length(v);
        g_strfreev(v);
    }
    g_strfreev(lines);
    return n;
}

/* False (saying so once) when tshark is not installed. */
static bool have_tshark(void)
{
    if (!tshark_bin && !skip_noted)
        test_skip("tshark not found in PATH; the tshark checks of pcap files do not run "
                  "(scripts/install-deps.sh installs it)");
    skip_noted = true;
    return tshark_bin != NULL;
}

static int tshark_count(const char *file, const char *const *args, bool values)
{
    char *out = tshark(file, args);
    CU_ASSERT_PTR_NOT_NULL(out);
    int n = out ? count_lines(out, values) : -1;
    g_free(out);
    return n;
}

/* ---- the layout ------------------------------------------------------- */

static void release_handler(void *ctx, node_t *host, pkt_t *pkt)
{
    (void)host;
    pkt_release(net_pool(ctx), pkt);
}

typedef struct {
    net_t *net;
    node_t *from;
    pkt_t *pkt;
} pending_send;

static void ev_send(sim_t *sim, void *ctx, void *arg)
{
    (void)sim;
    (void)arg;
    pending_send *ps = ctx;
    net_send(ps->net, ps->from, ps->pkt);
}

static char *make_tmp_dir(void)
{
    GError *err = NULL;
    char *dir = g_dir_make_tmp("appsim-pcap-XXXXXX", &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    return dir;
}

/* Removes the folder and its files; APPSIM_KEEP_PCAP=1 in the environment
 * keeps them (and prints where) for a look in Wireshark. */
static void remove_dir(char *dir)
{
    if (g_getenv("APPSIM_KEEP_PCAP")) {
        printf("\n    kept %s", dir);
        g_free(dir);
        return;
    }
    GDir *d = g_dir_open(dir, 0, NULL);
    if (d) {
        const char *name;
        while ((name = g_dir_read_name(d))) {
            char *path = g_build_filename(dir, name, NULL);
            g_unlink(path);
            g_free(path);
        }
        g_dir_close(d);
    }
    g_rmdir(dir);
    g_free(dir);
}

static void test_file_header_and_record_layout(void)
{
    char *dir = make_tmp_dir();
    sim_t *sim = sim_new(1);
    net_t *net = net_new(sim);
    node_t *a = net_add_host(net, "a", NULL), *b = net_add_host(net, "b", NULL);
    node_t *c = net_add_host(net, "c", NULL);
    link_params_t lp = {.rate_bps = 10000000, .delay = SIM_MS(1)};
    CU_ASSERT_PTR_NOT_NULL_FATAL(net_link(net, "wire", a, b, &lp, NULL, NULL));
    CU_ASSERT_PTR_NOT_NULL_FATAL(net_link(net, "odd/name", b, c, &lp, NULL, NULL));
    net_set_handler(net, PKT_PROTO_UDP, release_handler, net);
    net_set_handler(net, PKT_PROTO_TCP, release_handler, net);
    net_set_handler(net, PKT_PROTO_RAW, release_handler, net);

    GError *err = NULL;
    pcap_out *po = pcap_out_new(net, dir, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(po);
    CU_ASSERT_EQUAL(pcap_out_packets(po), 0);

    /* UDP a -> b with 5 real bytes, at 1.500250 ms */
    pkt_t *u = pkt_alloc(net_pool(net), 0);
    u->proto = PKT_PROTO_UDP;
    u->dst = node_addr(b);
    u->sport = 40000; /* ports without a dissector: "hello" is no DNS */
    u->dport = 40001;
    u->hdr_bytes = 28;
    pkt_set_payload(u, "hello", 5);
    uint64_t u_id = u->id;
    /* TCP b -> a, SYN+ACK, 1000 length-only bytes, a window above 65535 */
    pkt_t *t = pkt_alloc(net_pool(net), 0);
    t->proto = PKT_PROTO_TCP;
    t->dst = node_addr(a);
    t->sport = 80;
    t->dport = 49152;
    t->hdr_bytes = 40;
    t->seq = 1000;
    t->ack = 2001;
    t->wnd = 100000;
    t->tcp_flags = PKT_SYN | PKT_ACK;
    pkt_set_payload(t, NULL, 1000);
    /* TCP a -> b, bare SYN whose ack field must not be written */
    pkt_t *s = pkt_alloc(net_pool(net), 0);
    s->proto = PKT_PROTO_TCP;
    s->dst = node_addr(b);
    s->sport = 49152;
    s->dport = 80;
    s->hdr_bytes = 40;
    s->seq = 77;
    s->ack = 12345;
    s->wnd = 4000;
    s->tcp_flags = PKT_SYN;
    /* raw a -> b, 200 length-only bytes */
    pkt_t *r = pkt_alloc(net_pool(net), 0);
    r->proto = PKT_PROTO_RAW;
    r->dst = node_addr(b);
    r->hdr_bytes = 20;
    pkt_set_payload(r, NULL, 200);
    /* TCP a -> b mixing 5 real bytes and 4 length-only ones (zeros) */
    pkt_t *m = pkt_alloc(net_pool(net), 0);
    m->proto = PKT_PROTO_TCP;
    m->dst = node_addr(b);
    m->sport = 49152;
    m->dport = 80;
    m->hdr_bytes = 40;
    m->seq = 78;
    m->wnd = 1000;
    m->tcp_flags = PKT_ACK | PKT_PSH;
    pkt_set_payload(m, "GET /\0\0\0\0", 9);

    /* raw a -> b, too long for one IPv4 datagram: cut to 65535 */
    pkt_t *big = pkt_alloc(net_pool(net), 0);
    big->proto = PKT_PROTO_RAW;
    big->dst = node_addr(b);
    pkt_set_payload(big, NULL, 100000);

    pending_send ps[] = {{net, a, u}, {net, b, t}, {net, a, s},
                         {net, a, r}, {net, a, m}, {net, a, big}};
    sim_schedule_at(sim, SIM_US(1500) + 250, ev_send, &ps[0], NULL);
    sim_schedule_at(sim, SIM_MS(3), ev_send, &ps[1], NULL);
    sim_schedule_at(sim, SIM_S(2) + SIM_US(7), ev_send, &ps[2], NULL);
    sim_schedule_at(sim, SIM_S(3), ev_send, &ps[3], NULL);
    sim_schedule_at(sim, SIM_S(4), ev_send, &ps[4], NULL);
    sim_schedule_at(sim, SIM_S(5), ev_send, &ps[5], NULL);
    sim_run(sim);
    CU_ASSERT_EQUAL(pcap_out_packets(po), 6);
    CU_ASSERT_TRUE(pcap_out_flush(po, &err));
    pcap_out_free(po);
    net_free(net);
    sim_free(sim);

    char *path = g_build_filename(dir, "wire.pcap", NULL), *data = NULL;
    gsize len = 0;
    CU_ASSERT_TRUE_FATAL(g_file_get_contents(path, &data, &len, NULL));
    g_free(path);
    const uint8_t *f = (const uint8_t *)data;
    static const uint8_t header[24] = {0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0,
                                       0,    0,    0,    0,    0, 0, 4, 0, 1, 0, 0, 0};
    CU_ASSERT_TRUE_FATAL(len >= 24);
    CU_ASSERT_EQUAL(memcmp(f, header, 24), 0);
    rec_view rv[8];
    CU_ASSERT_EQUAL_FATAL(pcap_records(f, len, rv, 8), 6);

    /* UDP */
    const uint8_t *e = rv[0].frame;
    CU_ASSERT_EQUAL(rv[0].sec, 0);
    CU_ASSERT_EQUAL(rv[0].usec, 1500);
    CU_ASSERT_EQUAL(rv[0].caplen, 14 + 20 + 8 + 5);
    CU_ASSERT_EQUAL(rv[0].orig, 14 + 20 + 8 + 5);
    static const uint8_t eth_ab[14] = {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 0, 0x08, 0x00};
    CU_ASSERT_EQUAL(memcmp(e, eth_ab, 14), 0);
    const uint8_t *ip = e + 14;
    CU_ASSERT_EQUAL(ip[0], 0x45);
    CU_ASSERT_EQUAL(be16(ip + 2), 20 + 8 + 5);
    CU_ASSERT_EQUAL(be16(ip + 4), (uint16_t)u_id);
    CU_ASSERT_EQUAL(be16(ip + 6), 0x4000);
    CU_ASSERT_EQUAL(ip[8], 64);
    CU_ASSERT_EQUAL(ip[9], 17);
    CU_ASSERT_EQUAL(be32(ip + 12), 0x0a000001u); /* node 0 */
    CU_ASSERT_EQUAL(be32(ip + 16), 0x0a000002u); /* node 1 */
    CU_ASSERT_EQUAL(ones_sum(0, ip, 20), 0xffff);
    CU_ASSERT_EQUAL(be16(ip + 20), 40000);
    CU_ASSERT_EQUAL(be16(ip + 22), 40001);
    CU_ASSERT_EQUAL(be16(ip + 24), 8 + 5);
    CU_ASSERT_NOT_EQUAL(be16(ip + 26), 0);
    CU_ASSERT_TRUE(l4_checksum_ok(ip, 8 + 5));
    CU_ASSERT_EQUAL(memcmp(ip + 28, "hello", 5), 0);

    /* TCP SYN+ACK, truncated after its headers */
    e = rv[1].frame;
    CU_ASSERT_EQUAL(rv[1].sec, 0);
    CU_ASSERT_EQUAL(rv[1].usec, 3000);
    CU_ASSERT_EQUAL(rv[1].caplen, 14 + 20 + 20);
    CU_ASSERT_EQUAL(rv[1].orig, 14 + 20 + 20 + 1000);
    static const uint8_t eth_ba[14] = {2, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 1, 0x08, 0x00};
    CU_ASSERT_EQUAL(memcmp(e, eth_ba, 14), 0);
    ip = e + 14;
    CU_ASSERT_EQUAL(be16(ip + 2), 20 + 20 + 1000);
    CU_ASSERT_EQUAL(ip[9], 6);
    CU_ASSERT_EQUAL(be32(ip + 12), 0x0a000002u);
    CU_ASSERT_EQUAL(be32(ip + 16), 0x0a000001u);
    CU_ASSERT_EQUAL(ones_sum(0, ip, 20), 0xffff);
    const uint8_t *tcp = ip + 20;
    CU_ASSERT_EQUAL(be16(tcp), 80);
    CU_ASSERT_EQUAL(be16(tcp + 2), 49152);
    CU_ASSERT_EQUAL(be32(tcp + 4), 1000);
    CU_ASSERT_EQUAL(be32(tcp + 8), 2001);
    CU_ASSERT_EQUAL(tcp[12], 0x50);
    CU_ASSERT_EQUAL(tcp[13], 0x12);
    CU_ASSERT_EQUAL(be16(tcp + 14), 65535);
    CU_ASSERT_EQUAL(be16(tcp + 18), 0);
    CU_ASSERT_TRUE(l4_checksum_ok(ip, 20)); /* the 1000 absent bytes are zeros */

    /* bare SYN: no acknowledgement number; seconds roll over */
    tcp = rv[2].frame + 34;
    CU_ASSERT_EQUAL(rv[2].sec, 2);
    CU_ASSERT_EQUAL(rv[2].usec, 7);
    CU_ASSERT_EQUAL(rv[2].caplen, 54);
    CU_ASSERT_EQUAL(rv[2].orig, 54);
    CU_ASSERT_EQUAL(be32(tcp + 4), 77);
    CU_ASSERT_EQUAL(be32(tcp + 8), 0);
    CU_ASSERT_EQUAL(tcp[13], 0x02);
    CU_ASSERT_EQUAL(be16(tcp + 14), 4000);
    CU_ASSERT_TRUE(l4_checksum_ok(rv[2].frame + 14, 20));

    /* raw: IPv4 protocol 253, payload length-only */
    ip = rv[3].frame + 14;
    CU_ASSERT_EQUAL(rv[3].caplen, 14 + 20);
    CU_ASSERT_EQUAL(rv[3].orig, 14 + 20 + 200);
    CU_ASSERT_EQUAL(ip[9], 253);
    CU_ASSERT_EQUAL(be16(ip + 2), 220);
    CU_ASSERT_EQUAL(ones_sum(0, ip, 20), 0xffff);

    /* mixed: the trailing zeros are not captured, and count as zeros */
    ip = rv[4].frame + 14;
    CU_ASSERT_EQUAL(rv[4].caplen, 14 + 20 + 20 + 5);
    CU_ASSERT_EQUAL(rv[4].orig, 14 + 20 + 20 + 9);
    CU_ASSERT_EQUAL(be16(ip + 2), 20 + 20 + 9);
    CU_ASSERT_EQUAL(ip[20 + 13], 0x18);
    CU_ASSERT_EQUAL(memcmp(ip + 40, "GET /", 5), 0);
    CU_ASSERT_TRUE(l4_checksum_ok(ip, 20 + 5));

    ip = rv[5].frame + 14;
    CU_ASSERT_EQUAL(rv[5].caplen, 14 + 20);
    CU_ASSERT_EQUAL(rv[5].orig, 14 + 65535);
    CU_ASSERT_EQUAL(be16(ip + 2), 65535);
    CU_ASSERT_EQUAL(ones_sum(0, ip, 20), 0xffff);
    g_free(data);

    /* tshark agrees: every checksum it can verify is good, nothing is
     * malformed, and it sees all six frames */
    path = g_build_filename(dir, "wire.pcap", NULL);
    if (have_tshark()) {
        static const char *const bad[] = {
            "-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE",
            "-o", "udp.check_checksum:TRUE", "-Y",
            "ip.checksum.status != 1 || tcp.checksum.status == 0 || udp.checksum.status != 1 || "
            "_ws.malformed || _ws.expert.severity >= warning",
            NULL};
        static const char *const good[] = {
            "-o", "tcp.check_checksum:TRUE", "-Y", "tcp.checksum.status == 1", NULL};
        static const char *const frames[] = {"-T", "fields", "-e", "frame.number", NULL};
        CU_ASSERT_EQUAL(tshark_count(path, bad, false), 0);
        CU_ASSERT_EQUAL(tshark_count(path, good, false), 1); /* the bare SYN */
        CU_ASSERT_EQUAL(tshark_count(path, frames, false), 6);
    }
    g_free(path);

    /* the other link's file: the name sanitised, a header and nothing else */
    path = g_build_filename(dir, "odd_name.pcap", NULL);
    CU_ASSERT_TRUE(g_file_get_contents(path, &data, &len, NULL));
    CU_ASSERT_EQUAL(len, 24);
    CU_ASSERT_TRUE(len == 24 && memcmp(data, header, 24) == 0);
    g_free(data);
    g_free(path);
    remove_dir(dir);
}

static void test_errors(void)
{
    sim_t *sim = sim_new(1);
    net_t *net = net_new(sim);
    node_t *a = net_add_host(net, "a", NULL), *b = net_add_host(net, "b", NULL);
    link_params_t lp = {.rate_bps = 10000000, .delay = SIM_MS(1)};
    net_link(net, "x/y", a, b, &lp, NULL, NULL);
    GError *err = NULL;
    CU_ASSERT_PTR_NULL(pcap_out_new(net, "/nonexistent-appsim-dir/sub", &err));
    CU_ASSERT_TRUE(err && err->domain == G_FILE_ERROR);
    g_clear_error(&err);

    /* "x/y" and "x_y" would both be x_y.pcap */
    node_t *c = net_add_host(net, "c", NULL);
    net_link(net, "x_y", b, c, &lp, NULL, NULL);
    char *dir = make_tmp_dir();
    CU_ASSERT_PTR_NULL(pcap_out_new(net, dir, &err));
    CU_ASSERT_TRUE(err && g_error_matches(err, G_FILE_ERROR, G_FILE_ERROR_EXIST));
    g_clear_error(&err);
    remove_dir(dir);
    net_free(net);
    sim_free(sim);
    pcap_out_free(NULL);
}

/* ---- HTTP through tshark --------------------------------------------- */

typedef struct {
    sim_t *sim;
    net_t *net;
    tcp_stack_t *tcp;
    sim_host_t *client_host, *server_host;
    http_store *store;
    http_server *server;
    http_browser *browser;
    pcap_out *pcap;
    bool done;
} world;

typedef struct {
    uint64_t packets;    /* pcap_out_packets */
    uint64_t requests;   /* the server's count */
    uint32_t records;    /* the browser's */
    uint32_t ok;         /* records with status 200 */
} run_result;

static void fill(char *buf, size_t n, const char *line)
{
    size_t l = strlen(line);
    for (size_t i = 0; i < n; i++)
        buf[i] = line[i % l];
}

/* The page: a base page (real), two real text objects and three
 * length-only images, one of them larger than a window. */
static void add_site(http_store *st)
{
    static const char html[] =
        "<html><head><title>pcap</title>\n"
        "<link rel=\"stylesheet\" href=\"style.css\">\n"
        "<script src=\"app.js\"></script></head><body>\n"
        "<img src=\"logo.png\"> <img src=\"photo.jpg\"> <img src=\"dot.gif\">\n"
        "</body></html>\n";
    int64_t lm = SIM_HOST_EPOCH - 86400;
    http_store_add(st, "/index.html", sizeof html - 1, "text/html", html, lm, 0);
    char css[2500], js[600];
    fill(css, sizeof css, "body { color: #333; }\n");
    fill(js, sizeof js, "console.log('appsim');\n");
    http_store_add(st, "/style.css", sizeof css, "text/css", css, lm, 0);
    http_store_add(st, "/app.js", sizeof js, "application/javascript", js, lm, 0);
    http_store_add(st, "/logo.png", 30000, "image/png", NULL, lm, 0);
    http_store_add(st, "/photo.jpg", 8000, "image/jpeg", NULL, lm, 0);
    http_store_add(st, "/dot.gif", 43, "image/gif", NULL, lm, 0);
}

static void on_done(void *ud, http_browser *b, const http_page *pg)
{
    (void)b;
    (void)pg;
    ((world *)ud)->done = true;
}

static run_result run_http(browser_mode mode, const char *dir)
{
    run_result res = {0};
    world w = {0};
    w.sim = sim_new(7);
    w.net = net_new(w.sim);
    node_t *c = net_add_host(w.net, "client", NULL), *s = net_add_host(w.net, "server", NULL);
    link_params_t lp = {.rate_bps = 10000000, .delay = SIM_MS(10)};
    net_link(w.net, "access", c, s, &lp, NULL, NULL);
    w.tcp = tcp_stack_new(w.net, NULL);
    w.client_host = sim_host_new(w.tcp, c, NULL);
    w.server_host = sim_host_new(w.tcp, s, NULL);
    w.store = http_store_new();
    add_site(w.store);
    GError *err = NULL;
    w.server = http_server_new(sim_host_env(w.server_host), w.store, NULL, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w.server);
    browser_config bc;
    browser_config_default(&bc);
    bc.mode = mode;
    bc.parallel = 3;
    w.browser = http_browser_new(sim_host_env(w.client_host), &bc, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w.browser);
    w.pcap = pcap_out_new(w.net, dir, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w.pcap);

    CU_ASSERT_TRUE_FATAL(http_browser_load(w.browser, "http://server/index.html", on_done, &w));
    sim_run(w.sim);
    CU_ASSERT_TRUE(w.done);

    res.packets = pcap_out_packets(w.pcap);
    res.requests = http_server_get_stats(w.server)->requests;
    const GArray *recs = http_browser_records(w.browser);
    res.records = recs->len;
    for (guint i = 0; i < recs->len; i++)
        res.ok += g_array_index(recs, http_record, i).status == 200;
    CU_ASSERT_TRUE(pcap_out_flush(w.pcap, &err));
    pcap_out_free(w.pcap);
    http_browser_free(w.browser);
    http_server_free(w.server);
    http_store_free(w.store);
    sim_host_free(w.client_host);
    sim_host_free(w.server_host);
    tcp_stack_free(w.tcp);
    net_free(w.net);
    sim_free(w.sim);
    return res;
}

/* The simulation-side checks and, with tshark, the dissector's view. */
static void check_mode(browser_mode mode)
{
    char *dir = make_tmp_dir();
    run_result r = run_http(mode, dir);
    const char *name = browser_mode_name(mode);
    CU_ASSERT_EQUAL(r.records, 6);
    CU_ASSERT_EQUAL(r.ok, 6);
    CU_ASSERT_EQUAL(r.requests, r.records);
    CU_ASSERT_TRUE(r.packets > 20);

    char *file = g_build_filename(dir, "access.pcap", NULL), *data = NULL;
    gsize len = 0;
    CU_ASSERT_TRUE_FATAL(g_file_get_contents(file, &data, &len, NULL));
    int n = pcap_records((const uint8_t *)data, len, NULL, 0);
    CU_ASSERT_EQUAL(n, (int)r.packets);
    g_free(data);

    if (have_tshark()) {
        static const char *const frames[] = {"-T", "fields", "-e", "frame.number", NULL};
        static const char *const reqs[] = {"-Y", "http.request", "-T", "fields",
                                           "-e", "http.request.method", NULL};
        static const char *const resps[] = {"-Y", "http.response", "-T", "fields",
                                            "-e", "http.response.code", NULL};
        static const char *const malformed[] = {"-Y", "_ws.malformed", NULL};
        static const char *const warnings[] = {"-Y", "_ws.expert.severity >= warning", NULL};
        static const char *const bad_sum[] = {
            "-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE",
            "-Y", "ip.checksum.status == 0 || tcp.checksum.status == 0", NULL};
        static const char *const good_sum[] = {
            "-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE",
            "-Y", "tcp.checksum.status == 1", NULL};
        static const char *const analysis[] = {
            "-Y", "tcp.analysis.flags && !tcp.analysis.window_update", "-T", "fields",
            "-e", "frame.number", "-e", "_ws.expert.message", NULL};
        int nf = tshark_count(file, frames, false);
        int nreq = tshark_count(file, reqs, true);
        int nresp = tshark_count(file, resps, true);
        int nmal = tshark_count(file, malformed, false);
        int nwarn = tshark_count(file, warnings, false);
        int nbad = tshark_count(file, bad_sum, false);
        int ngood = tshark_count(file, good_sum, false);
        char *an = tshark(file, analysis);
        int nan = an ? count_lines(an, false) : -1;
        printf("\n    %-22s packets %d, tshark: frames %d, requests %d (simulation "
               "%" G_GUINT64_FORMAT "), responses %d, malformed %d, expert warnings %d, bad checksums %d, verified "
               "TCP checksums %d, TCP analysis flags %d",
               name, (int)r.packets, nf, nreq, r.requests, nresp, nmal, nwarn, nbad, ngood, nan);
        if (nan > 0)
            printf(":\n%s", an);
        g_free(an);
        CU_ASSERT_EQUAL(nf, (int)r.packets);
        CU_ASSERT_EQUAL(nreq, (int)r.requests);
        CU_ASSERT_EQUAL(nmal, 0);
        CU_ASSERT_EQUAL(nwarn, 0);
        /* Pipelined responses share segments: one that ends in a segment
         * whose tail is length-only (written truncated) cannot be
         * reassembled by tshark, so it sees only some of them. */
        if (mode != BROWSER_P_PIPELINE)
            CU_ASSERT_EQUAL(nresp, (int)r.requests);
        CU_ASSERT_EQUAL(nbad, 0);
        CU_ASSERT_TRUE(ngood > 0);
    }
    g_free(file);
    remove_dir(dir);
}

static void test_http_nonpersistent(void)
{
    check_mode(BROWSER_NP_SERIAL);
    check_mode(BROWSER_NP_PARALLEL);
}

static void test_http_persistent(void)
{
    check_mode(BROWSER_P_SERIAL);
    check_mode(BROWSER_P_PIPELINE);
}

static void test_same_run_same_bytes(void)
{
    char *d1 = make_tmp_dir(), *d2 = make_tmp_dir();
    run_result r1 = run_http(BROWSER_P_PARALLEL, d1);
    run_result r2 = run_http(BROWSER_P_PARALLEL, d2);
    CU_ASSERT_EQUAL(r1.packets, r2.packets);
    char *f1 = g_build_filename(d1, "access.pcap", NULL);
    char *f2 = g_build_filename(d2, "access.pcap", NULL);
    char *b1 = NULL, *b2 = NULL;
    gsize l1 = 0, l2 = 0;
    CU_ASSERT_TRUE(g_file_get_contents(f1, &b1, &l1, NULL));
    CU_ASSERT_TRUE(g_file_get_contents(f2, &b2, &l2, NULL));
    CU_ASSERT_TRUE(l1 > 24 && l1 == l2 && memcmp(b1, b2, l1) == 0);
    g_free(b1);
    g_free(b2);
    g_free(f1);
    g_free(f2);
    remove_dir(d1);
    remove_dir(d2);
}

int main(void)
{
    tshark_bin = g_find_program_in_path("tshark");
    timeout_bin = g_find_program_in_path("timeout");
    static const test_case tests[] = {
        TEST(test_file_header_and_record_layout),
        TEST(test_errors),
        TEST(test_http_nonpersistent),
        TEST(test_http_persistent),
        TEST(test_same_run_same_bytes),
    };
    int rc = test_main("world/pcap", tests, G_N_ELEMENTS(tests));
    g_free(tshark_bin);
    g_free(timeout_bin);
    return rc;
}

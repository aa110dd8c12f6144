/*
 * p2p_cmd: `appsim p2p tracker`, `p2p seed` and `p2p get`, the BitTorrent
 * cores (protocols/bt) on real sockets through their glue (bt_conn.h).
 *
 *   appsim p2p tracker [--port P] [--bind ADDR [--allow-remote]] [--interval S]
 *                      [--max-swarms N] [--max-peers N] [--timeout S]
 *   appsim p2p seed FILE --tracker URL [--port P] [-o FILE.torrent]
 *                   [--piece-length N] [--bind ADDR [--allow-remote]] [--timeout S]
 *                   [--max-upload-rate BPS]
 *   appsim p2p get TORRENT [-o DIR] [--port P] [--seed-after S]
 *                  [--bind ADDR [--allow-remote]] [--timeout S] [--max-upload-rate BPS]
 *
 * The tracker answers GET /announce (bt_conn_tracker: its limits). The
 * seed maps FILE, writes its .torrent (bt_metainfo_build_from_data), and
 * serves the file from disk through a file store (pread). get writes the
 * blocks it receives into DIR/NAME.part (pwrite, the file sized at once),
 * the core checks each piece's SHA-1 as it completes; at completion every
 * piece is read back and checked again, and the file is renamed to
 * DIR/NAME. Listeners bind loopback unless --bind (another address only
 * with --allow-remote); --port 0 takes any free port, and the port bound
 * is what is printed (tracker, seed: on stdout; get: on stderr) and
 * announced. --max-upload-rate limits the piece messages a peer writes
 * (the core's token bucket, the bt-peer key max_upload_rate: the same
 * forms and range, bits per second, handed to the core in bytes per
 * second). Exit statuses: p2p_cmd.h.
 */
#define _POSIX_C_SOURCE 200809L

#include "p2p_cmd.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_serve.h"
#include "hostio/real_host.h"
#include "protocols/bt/bt_conn.h"
#include "protocols/bt/bt_metainfo.h"
#include "world/units.h"

#define P2P_TRACKER_DEFAULT_PORT 6969
#define P2P_SEED_DEFAULT_PORT 6881
#define P2P_GET_DEFAULT_PORT 6882 /* not the seed's, so both run on one machine as they are */
#define P2P_DEFAULT_INTERVAL_S 120
#define P2P_DEFAULT_MAX_SWARMS 64
#define P2P_DEFAULT_MAX_PEERS 200
#define P2P_DEFAULT_PIECE_LENGTH (256 * 1024)
#define P2P_GET_DEFAULT_TIMEOUT_S 600
#define P2P_LEAVE_NS (5 * INT64_C(1000000000)) /* at most this long for the stopped announce */
#define P2P_MAX_URL 2048

/* ---- the file store: a bt_storage_ops over a file descriptor ---- */

typedef struct {
    int fd;
    uint64_t piece_length, length;
} file_store;

static bool store_span(const file_store *fs, uint32_t piece, uint32_t begin, uint32_t len, off_t *off)
{
    uint64_t o = (uint64_t)piece * fs->piece_length + begin;
    if (begin >= fs->piece_length || o > fs->length || len > fs->length - o)
        return false;
    *off = (off_t)o;
    return true;
}

static bool store_read(void *ud, uint32_t piece, uint32_t begin, uint8_t *buf, uint32_t len)
{
    const file_store *fs = ud;
    off_t off;
    if (!store_span(fs, piece, begin, len, &off))
        return false;
    while (len) {
        ssize_t r = pread(fs->fd, buf, len, off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return false;
        buf += r;
        off += r;
        len -= (uint32_t)r;
    }
    return true;
}

static bool store_write(void *ud, uint32_t piece, uint32_t begin, const uint8_t *data, uint32_t len)
{
    const file_store *fs = ud;
    off_t off;
    if (!store_span(fs, piece, begin, len, &off))
        return false;
    while (len) {
        ssize_t w = pwrite(fs->fd, data, len, off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        data += w;
        off += w;
        len -= (uint32_t)w;
    }
    return true;
}

static const bt_storage_ops file_store_ops = {.read = store_read, .write = store_write, .discard = NULL};

/* ---- tracker URL ---- */

typedef struct {
    char *host, *path;
    uint16_t port;
} tracker_url;

/* http://HOST[:PORT][/PATH], HOST a name or an IPv4 literal; false with a
 * message. */
static bool parse_tracker_url(const char *url, tracker_url *u)
{
    memset(u, 0, sizeof *u);
    if (strlen(url) > P2P_MAX_URL || g_ascii_strncasecmp(url, "http://", 7)) {
        fprintf(stderr, "appsim p2p: the tracker URL must be http://HOST[:PORT][/PATH]\n");
        return false;
    }
    const char *h = url + 7;
    size_t hl = strcspn(h, ":/?#");
    bool ok = hl > 0;
    for (size_t i = 0; i < hl && ok; i++)
        ok = g_ascii_isalnum(h[i]) || h[i] == '.' || h[i] == '-';
    const char *rest = h + hl;
    long port = 80;
    if (ok && *rest == ':') {
        char *end;
        errno = 0;
        port = strtol(rest + 1, &end, 10);
        ok = end != rest + 1 && errno == 0 && port >= 1 && port <= 65535 && (*end == '/' || !*end);
        rest = end;
    }
    if (ok && *rest && *rest != '/')
        ok = false;
    for (const char *c = rest; ok && *c; c++)
        ok = *c > 0x20 && *c < 0x7f && *c != '?' && *c != '#';
    if (!ok) {
        fprintf(stderr, "appsim p2p: %s: not http://HOST[:PORT][/PATH] (a name or an IPv4 address, no query)\n",
                url);
        return false;
    }
    u->host = g_strndup(h, hl);
    u->port = (uint16_t)port;
    u->path = g_strdup(*rest ? rest : "/announce");
    return true;
}

static void tracker_url_clear(tracker_url *u)
{
    g_free(u->host);
    g_free(u->path);
}

/* ---- tracker ---- */

typedef struct {
    gchar *bind;
    gint port, interval_s, max_swarms, max_peers, timeout_s;
    gboolean allow_remote;
} tracker_opts;

static int run_tracker(const tracker_opts *o)
{
    real_host_t *rh = real_host_new(NULL, "bt-tracker");
    int rc = CLI_EXIT_USAGE;
    if (cli_set_bind(rh, "p2p tracker", o->bind)) {
        bt_tracker_config cfg = {.interval_s = o->interval_s, .max_swarms = (size_t)o->max_swarms,
                                 .max_peers = (size_t)o->max_peers, .seed = g_random_int()};
        GError *err = NULL;
        bt_conn_tracker *t = bt_conn_tracker_new(real_host_env(rh), (uint16_t)o->port, &cfg, NULL, NULL, NULL, &err);
        if (!t) {
            fprintf(stderr, "appsim p2p tracker: cannot listen on %s:%d: %s\n", o->bind ? o->bind : "127.0.0.1",
                    o->port, err ? err->message : "failed");
            g_clear_error(&err);
            rc = CLI_EXIT_RUN;
        } else {
            char *at = cli_host_port(o->bind, bt_conn_tracker_port(t));
            printf("listening on %s (bittorrent tracker: http://%s/announce; interval %d s)\n", at, at,
                   o->interval_s);
            fflush(stdout);
            g_free(at);
            cli_serve_until_stopped(o->timeout_s);
            bt_conn_tracker_stats st;
            bt_conn_tracker_get_stats(t, &st);
            fprintf(stderr, "tracker: %" G_GUINT64_FORMAT " requests, %" G_GUINT64_FORMAT " announces, %"
                    G_GUINT64_FORMAT " refused\n", st.requests, st.announces, st.errors);
            bt_conn_tracker_free(t);
            real_host_run_until_idle(rh, 2 * INT64_C(1000000000));
            rc = CLI_EXIT_OK;
        }
    }
    real_host_free(rh);
    return rc;
}

/* What the options alone can tell; NULL when usable. */
static const char *check_tracker(const tracker_opts *o, int argc)
{
    if (argc > 1)
        return "unexpected argument";
    if (o->interval_s < 1 || o->interval_s > 86400)
        return "--interval expects 1 to 86400 seconds";
    if (o->max_swarms < 1 || o->max_swarms > 100000 || o->max_peers < 1 || o->max_peers > 100000)
        return "--max-swarms and --max-peers expect 1 to 100000";
    return cli_check_serve(o->port, o->timeout_s, o->bind, o->allow_remote);
}

static int tracker_command(int argc, char **argv)
{
    tracker_opts o = {.port = P2P_TRACKER_DEFAULT_PORT, .interval_s = P2P_DEFAULT_INTERVAL_S,
                      .max_swarms = P2P_DEFAULT_MAX_SWARMS, .max_peers = P2P_DEFAULT_MAX_PEERS};
    GOptionEntry entries[] = {
        {"port", 'p', 0, G_OPTION_ARG_INT, &o.port, "Listen on this port (0: any free one; default 6969)", "P"},
        {"bind", 0, 0, G_OPTION_ARG_STRING, &o.bind,
         "Listen on this address (default 127.0.0.1); not loopback: with --allow-remote", "ADDR"},
        {"allow-remote", 0, 0, G_OPTION_ARG_NONE, &o.allow_remote,
         "Let --bind name an address other hosts reach", NULL},
        {"interval", 'i', 0, G_OPTION_ARG_INT, &o.interval_s,
         "Seconds between a peer's announces, as answered (1 to 86400; default 120)", "S"},
        {"max-swarms", 0, 0, G_OPTION_ARG_INT, &o.max_swarms, "Torrents tracked at once (1 to 100000; default 64)",
         "N"},
        {"max-peers", 0, 0, G_OPTION_ARG_INT, &o.max_peers, "Peers per torrent (1 to 100000; default 200)", "N"},
        {"timeout", 't', 0, G_OPTION_ARG_INT, &o.timeout_s, "Stop after S seconds (0: run until interrupted)", "S"},
        {NULL, 0, 0, 0, NULL, NULL, NULL}};
    GOptionContext *ctx = g_option_context_new("- a BitTorrent tracker (HTTP announce, BEP 3 and 23)");
    g_option_context_set_description(
        ctx, "Answers GET /announce with compact or dictionary peer lists; a peer silent for twice the\n"
             "interval is forgotten. Limits: request 4 KiB + the query, headers 8 KiB, one request per\n"
             "connection, 30 s per request, 1024 connections at once, --max-swarms, --max-peers.\n"
             "SIGINT/SIGTERM stop it. Exit statuses: 0 stopped, 1 cannot listen, 2 usage.");
    g_option_context_add_main_entries(ctx, entries, NULL);
    int rc;
    if (cli_parse(ctx, "p2p tracker", &argc, &argv, &rc) &&
        cli_checked(ctx, "p2p tracker", check_tracker(&o, argc), &rc))
        rc = run_tracker(&o);
    g_free(o.bind);
    return rc;
}

/* ---- peers: what seed and get share ---- */

typedef struct {
    gchar *bind, *out, *tracker, *upload_rate;
    gint port, piece_length, timeout_s, seed_after_s;
    gboolean allow_remote;
    uint64_t upload_bps; /* --max-upload-rate in bit/s; 0: no limit */
} peer_opts;

/* One peer's run. */
typedef struct {
    const char *cmd; /* "p2p seed" or "p2p get" */
    const peer_opts *o;
    real_host_t *rh;
    GMainLoop *loop;
    bt_conn_peer *peer;
    const bt_metainfo *m;
    file_store fs;
    char *part, *final; /* get: the file being written and its name once complete */
    bool complete, finished, left, failed;
    guint leave_src;      /* get: the timer or idle source that leaves once complete */
    guint leave_deadline; /* get: quits the loop when the stopped announce takes too long */
    int64_t started;
} peer_run;

/* Removes the main-context source `id` unless it has run to its end. */
static void remove_source(guint id)
{
    if (id && g_main_context_find_source_by_id(NULL, id))
        g_source_remove(id);
}

/* "-AS0100-" and 12 random digits. */
static void make_peer_id(uint8_t id[BT_ID_LEN])
{
    memcpy(id, "-AS0100-", 8);
    for (int i = 8; i < BT_ID_LEN; i++)
        id[i] = (uint8_t)('0' + g_random_int_range(0, 10));
}

static gboolean on_deadline(gpointer ud)
{
    peer_run *r = ud;
    g_main_loop_quit(r->loop);
    return G_SOURCE_REMOVE;
}

static gboolean leave_now(gpointer ud)
{
    peer_run *r = ud;
    r->leave_src = 0;
    if (r->peer && !r->left) {
        bt_conn_peer_leave(r->peer);
        if (!r->left && !r->leave_deadline)
            r->leave_deadline = g_timeout_add((guint)(P2P_LEAVE_NS / 1000000), on_deadline, r);
    }
    return G_SOURCE_REMOVE;
}

/* get: every piece read back from the file and checked; then the file
 * takes its name. false with a message. */
static bool finish_file(peer_run *r)
{
    const bt_metainfo *m = r->m;
    uint8_t *h = bt_storage_piece_hashes(&file_store_ops, &r->fs, m->length, (uint32_t)m->piece_length);
    bool ok = h && !memcmp(h, m->pieces, (size_t)m->piece_count * BT_SHA1_LEN);
    g_free(h);
    if (!ok) {
        fprintf(stderr, "appsim p2p get: %s: a piece read back does not match its hash\n", r->part);
        return false;
    }
    if (fsync(r->fs.fd) != 0 || rename(r->part, r->final) != 0) {
        fprintf(stderr, "appsim p2p get: %s: %s\n", r->final, g_strerror(errno));
        return false;
    }
    g_free(r->part);
    r->part = NULL;
    return true;
}

static void on_complete(void *ud, bt_conn_peer *p)
{
    peer_run *r = ud;
    (void)p;
    if (r->complete || !r->final)
        return;
    r->complete = true;
    if (!finish_file(r)) {
        r->failed = true;
        r->leave_src = g_idle_add(leave_now, r);
        return;
    }
    r->finished = true;
    double s = (double)(host_now(real_host_env(r->rh)) - r->started) / 1e9;
    fprintf(stderr, "got %s: %" G_GUINT64_FORMAT " bytes, %u pieces checked, in %.2f s\n", r->final, r->m->length,
            r->m->piece_count, s);
    if (r->o->seed_after_s > 0)
        r->leave_src = g_timeout_add_seconds((guint)r->o->seed_after_s, leave_now, r);
    else
        r->leave_src = g_idle_add(leave_now, r);
}

static void on_left(void *ud, bt_conn_peer *p)
{
    peer_run *r = ud;
    (void)p;
    r->left = true;
    if (r->loop)
        g_main_loop_quit(r->loop);
}


/* Starts the peer of `r->m` over r->fs (seed: every piece present). */
static bool start_peer(peer_run *r, const tracker_url *u, bool seed)
{
    const bt_metainfo *m = r->m;
    static const bt_conn_peer_handler h = {.complete = on_complete, .left = on_left};
    bt_conn_peer_options po = {
        .peer = {.hashes = m->pieces, .n_pieces = m->piece_count, .piece_length = (uint32_t)m->piece_length,
                 .total_length = m->length, .seed = seed, .storage = &file_store_ops, .storage_ud = &r->fs,
                 .seed_rng = ((uint64_t)g_random_int() << 32) | g_random_int(),
                 .max_upload_rate = r->o->upload_bps / 8},
        .listen_port = (uint16_t)r->o->port,
        .tracker_host = u->host,
        .tracker_port = u->port,
        .announce_path = u->path,
        .compact = true};
    memcpy(po.peer.info_hash, m->info_hash, BT_SHA1_LEN);
    make_peer_id(po.peer.peer_id);
    GError *err = NULL;
    r->started = host_now(real_host_env(r->rh));
    r->peer = bt_conn_peer_new(real_host_env(r->rh), &po, &h, r, &err);
    if (!r->peer) {
        fprintf(stderr, "appsim %s: cannot start the peer on port %d: %s\n", r->cmd, r->o->port,
                err ? err->message : "failed");
        g_clear_error(&err);
        return false;
    }
    return true;
}

/* Leaves the swarm (the stopped announce, at most P2P_LEAVE_NS) and frees
 * the peer. */
static void stop_peer(peer_run *r)
{
    remove_source(r->leave_src);
    remove_source(r->leave_deadline);
    r->leave_src = r->leave_deadline = 0;
    if (!r->peer)
        return;
    if (!r->left) {
        bt_conn_peer_leave(r->peer);
        guint t = g_timeout_add((guint)(P2P_LEAVE_NS / 1000000), on_deadline, r);
        if (!r->left)
            g_main_loop_run(r->loop);
        remove_source(t);
    }
    bt_conn_peer_stats st;
    bt_conn_peer_get_stats(r->peer, &st);
    fprintf(stderr, "%s: %" G_GUINT64_FORMAT " bytes down, %" G_GUINT64_FORMAT " up, %" G_GUINT64_FORMAT
            " connections made, %" G_GUINT64_FORMAT " accepted, %" G_GUINT64_FORMAT " announces (%" G_GUINT64_FORMAT
            " failed)\n", r->cmd, st.payload_down, st.payload_up, st.conns_made, st.conns_accepted, st.announces,
            st.announce_failures);
    bt_conn_peer_free(r->peer);
    r->peer = NULL;
    real_host_run_until_idle(r->rh, 2 * INT64_C(1000000000));
}

/* ---- seed ---- */

static int run_seed(const peer_opts *o, const char *path)
{
    tracker_url u;
    if (!parse_tracker_url(o->tracker, &u))
        return P2P_EXIT_USAGE;
    int rc = P2P_EXIT_FAILED;
    GError *err = NULL;
    peer_run r = {.cmd = "p2p seed", .o = o, .fs = {.fd = -1}};
    GMappedFile *mf = g_mapped_file_new(path, FALSE, &err);
    GByteArray *torrent = NULL;
    bt_metainfo *m = NULL;
    char *base = g_path_get_basename(path);
    char *tpath = o->out ? g_strdup(o->out) : g_strconcat(path, ".torrent", NULL);
    if (!mf) {
        fprintf(stderr, "appsim p2p seed: %s\n", err->message);
        goto out;
    }
    torrent = bt_metainfo_build_from_data(base, (const uint8_t *)g_mapped_file_get_contents(mf),
                                          g_mapped_file_get_length(mf), (uint64_t)o->piece_length, o->tracker, &err);
    if (!torrent || !(m = bt_metainfo_parse(torrent->data, torrent->len, &err))) {
        fprintf(stderr, "appsim p2p seed: %s: %s\n", path, err->message);
        rc = P2P_EXIT_USAGE;
        goto out;
    }
    struct stat fsb, tsb;
    if (stat(path, &fsb) == 0 && stat(tpath, &tsb) == 0 && fsb.st_dev == tsb.st_dev && fsb.st_ino == tsb.st_ino) {
        fprintf(stderr, "appsim p2p seed: -o %s names the file to seed\n", tpath);
        rc = P2P_EXIT_USAGE;
        goto out;
    }
    if (!g_file_set_contents(tpath, (const char *)torrent->data, (gssize)torrent->len, &err)) {
        fprintf(stderr, "appsim p2p seed: %s\n", err->message);
        goto out;
    }
    r.m = m;
    r.fs = (file_store){.piece_length = m->piece_length, .length = m->length};
    r.fs.fd = open(path, O_RDONLY | O_CLOEXEC);
    if (r.fs.fd < 0) {
        fprintf(stderr, "appsim p2p seed: %s: %s\n", path, g_strerror(errno));
        goto out;
    }
    r.rh = real_host_new(NULL, "bt-seed");
    r.loop = g_main_loop_new(NULL, FALSE);
    if (!cli_set_bind(r.rh, r.cmd, o->bind)) {
        rc = P2P_EXIT_USAGE;
    } else if (start_peer(&r, &u, true)) {
        char *at = cli_host_port(o->bind, bt_conn_peer_port(r.peer));
        printf("seeding %s (%" G_GUINT64_FORMAT " bytes, %u pieces of %" G_GUINT64_FORMAT ") on %s; torrent %s\n",
               base, m->length, m->piece_count, m->piece_length, at, tpath);
        fflush(stdout);
        g_free(at);
        cli_serve_until_stopped(o->timeout_s);
        stop_peer(&r);
        rc = P2P_EXIT_OK;
    }
    g_main_loop_unref(r.loop);
    real_host_free(r.rh);
    close(r.fs.fd);
out:
    g_clear_error(&err);
    bt_metainfo_free(m);
    if (torrent)
        g_byte_array_unref(torrent);
    if (mf)
        g_mapped_file_unref(mf);
    g_free(base);
    g_free(tpath);
    tracker_url_clear(&u);
    return rc;
}

/* ---- get ---- */

static bt_metainfo *read_torrent(const char *path)
{
    struct stat sb;
    if (stat(path, &sb) == 0 && (uint64_t)sb.st_size > BT_METAINFO_MAX_SIZE) {
        fprintf(stderr, "appsim p2p get: %s: larger than %zu bytes\n", path, BT_METAINFO_MAX_SIZE);
        return NULL;
    }
    char *data = NULL;
    gsize n = 0;
    GError *err = NULL;
    bt_metainfo *m = NULL;
    if (g_file_get_contents(path, &data, &n, &err))
        m = bt_metainfo_parse((const uint8_t *)data, n, &err);
    if (!m)
        fprintf(stderr, "appsim p2p get: %s: %s\n", path, err->message);
    g_clear_error(&err);
    g_free(data);
    return m;
}

static int run_get(const peer_opts *o, const char *torrent)
{
    bt_metainfo *m = read_torrent(torrent);
    if (!m)
        return P2P_EXIT_USAGE;
    tracker_url u;
    if (!parse_tracker_url(m->announce, &u)) {
        bt_metainfo_free(m);
        return P2P_EXIT_USAGE;
    }
    int rc = P2P_EXIT_FAILED;
    const char *dir = o->out ? o->out : ".";
    peer_run r = {.cmd = "p2p get", .o = o, .m = m, .fs = {.fd = -1, .piece_length = m->piece_length,
                                                           .length = m->length}};
    r.final = g_build_filename(dir, m->name, NULL);
    r.part = g_strconcat(r.final, ".part", NULL);
    r.fs.fd = open(r.part, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (r.fs.fd < 0 || ftruncate(r.fs.fd, (off_t)m->length) != 0) {
        fprintf(stderr, "appsim p2p get: %s: %s\n", r.part, g_strerror(errno));
    } else {
        r.rh = real_host_new(NULL, "bt-get");
        r.loop = g_main_loop_new(NULL, FALSE);
        if (!cli_set_bind(r.rh, r.cmd, o->bind)) {
            rc = P2P_EXIT_USAGE;
        } else if (start_peer(&r, &u, false)) {
            fprintf(stderr, "getting %s (%" G_GUINT64_FORMAT " bytes, %u pieces) from the swarm of %s; "
                    "listening on port %u\n", m->name, m->length, m->piece_count, m->announce,
                    bt_conn_peer_port(r.peer));
            guint t = g_timeout_add_seconds((guint)o->timeout_s, on_deadline, &r);
            guint s1 = g_unix_signal_add(SIGINT, cli_quit_loop, r.loop);
            guint s2 = g_unix_signal_add(SIGTERM, cli_quit_loop, r.loop);
            g_main_loop_run(r.loop);
            remove_source(t);
            g_source_remove(s1);
            g_source_remove(s2);
            if (!r.complete)
                fprintf(stderr, "appsim p2p get: %s not complete (%u of %u pieces) when it stopped (--timeout %d)\n",
                        m->name, bt_peer_get_stats(bt_conn_peer_core(r.peer))->verified, m->piece_count,
                        o->timeout_s);
            stop_peer(&r);
            rc = r.finished && !r.failed ? P2P_EXIT_OK : P2P_EXIT_FAILED;
        }
        g_main_loop_unref(r.loop);
        real_host_free(r.rh);
    }
    if (r.fs.fd >= 0)
        close(r.fs.fd);
    if (r.part)
        unlink(r.part);
    g_free(r.part);
    g_free(r.final);
    tracker_url_clear(&u);
    bt_metainfo_free(m);
    return rc;
}

/* --max-upload-rate as the bt-peer key max_upload_rate takes it: a rate
 * ("3.2Mbps", "100KBps", "800kbit") or a plain number of bits per second,
 * from 8 bps (a byte per second) to 10^12; false when it is none. */
static bool parse_upload_rate(const char *text, uint64_t *bps)
{
    char *end;
    double v = g_ascii_strtod(text, &end);
    if ((end == text || *end) && !units_value(text, UNITS_RATE, &v))
        return false;
    if (!(v >= 8 && v <= 1e12))
        return false;
    *bps = (uint64_t)v;
    return true;
}

/* What the options alone can tell (o->upload_bps set); NULL when usable. */
static const char *check_peer(peer_opts *o, bool seed, int argc)
{
    unsigned pl = (unsigned)o->piece_length;
    if (argc != 2)
        return argc < 2 ? "missing argument" : "unexpected argument";
    if (seed && !o->tracker)
        return "--tracker URL is required";
    if (seed && (o->piece_length < 16384 || o->piece_length > (1 << 26) || (pl & (pl - 1))))
        return "--piece-length expects a power of two from 16384 to 67108864";
    if (!seed && o->timeout_s < 1)
        return "--timeout expects at least 1 second";
    if (o->seed_after_s < 0)
        return "--seed-after must not be negative";
    if (o->upload_rate && !parse_upload_rate(o->upload_rate, &o->upload_bps))
        return "--max-upload-rate expects a rate from 8bps (a byte per second) to 1Tbps, like \"3.2Mbps\" or "
               "\"100KBps\" (a plain number: bits per second)";
    return cli_check_serve(o->port, o->timeout_s, o->bind, o->allow_remote);
}

static int peer_command(bool seed, int argc, char **argv)
{
    const char *name = seed ? "p2p seed" : "p2p get";
    peer_opts o = {.port = seed ? P2P_SEED_DEFAULT_PORT : P2P_GET_DEFAULT_PORT,
                   .piece_length = P2P_DEFAULT_PIECE_LENGTH,
                   .timeout_s = seed ? 0 : P2P_GET_DEFAULT_TIMEOUT_S};
    GOptionEntry common[] = {
        {"port", 'p', 0, G_OPTION_ARG_INT, &o.port,
         seed ? "Listen for peers on this port (0: any free one; default 6881)"
              : "Listen for peers on this port (0: any free one; default 6882)", "P"},
        {"bind", 0, 0, G_OPTION_ARG_STRING, &o.bind,
         "Listen on this address (default 127.0.0.1); not loopback: with --allow-remote", "ADDR"},
        {"allow-remote", 0, 0, G_OPTION_ARG_NONE, &o.allow_remote,
         "Let --bind name an address other hosts reach", NULL},
        {"max-upload-rate", 0, 0, G_OPTION_ARG_STRING, &o.upload_rate,
         "Upload piece messages at most this fast: a rate like 3.2Mbps or 100KBps, or bits per second; "
         "at least 8bps (default: no limit)", "BPS"},
        {NULL, 0, 0, 0, NULL, NULL, NULL}};
    GOptionEntry seed_e[] = {
        {"tracker", 'T', 0, G_OPTION_ARG_STRING, &o.tracker, "The announce URL: http://HOST[:PORT][/PATH] (required)",
         "URL"},
        {"output", 'o', 0, G_OPTION_ARG_FILENAME, &o.out, "Write the .torrent here (default FILE.torrent)",
         "FILE.torrent"},
        {"piece-length", 'l', 0, G_OPTION_ARG_INT, &o.piece_length,
         "Bytes per piece: a power of two from 16384 to 67108864 (default 262144)", "N"},
        {"timeout", 't', 0, G_OPTION_ARG_INT, &o.timeout_s, "Stop after S seconds (0: seed until interrupted)", "S"},
        {NULL, 0, 0, 0, NULL, NULL, NULL}};
    GOptionEntry get_e[] = {
        {"output", 'o', 0, G_OPTION_ARG_FILENAME, &o.out, "Write the file into this folder (default: here)", "DIR"},
        {"seed-after", 0, 0, G_OPTION_ARG_INT, &o.seed_after_s, "Seed for S seconds once complete (default 0)", "S"},
        {"timeout", 't', 0, G_OPTION_ARG_INT, &o.timeout_s,
         "Give up when not complete after S seconds (default 600)", "S"},
        {NULL, 0, 0, 0, NULL, NULL, NULL}};
    GOptionContext *ctx = g_option_context_new(seed ? "FILE - make FILE's .torrent and seed it"
                                                    : "TORRENT - download a torrent's file");
    g_option_context_set_description(
        ctx, seed ? "Writes the .torrent (single file, announce URL --tracker), announces to the tracker and\n"
                    "serves the file's pieces from disk until SIGINT/SIGTERM or --timeout.\n"
                    "Exit statuses: 0 stopped, 1 cannot listen or read/write a file, 2 usage."
                  : "Announces to the torrent's tracker, downloads from the peers it lists, checks every piece's\n"
                    "SHA-1, writes DIR/NAME.part and renames it DIR/NAME once every piece is read back and checked.\n"
                    "Exit statuses: 0 complete, 1 not complete (--timeout, cannot listen, a file not written),\n"
                    "2 usage (options, a .torrent not readable or malformed).");
    g_option_context_add_main_entries(ctx, common, NULL);
    g_option_context_add_main_entries(ctx, seed ? seed_e : get_e, NULL);
    int rc;
    if (cli_parse(ctx, name, &argc, &argv, &rc) && cli_checked(ctx, name, check_peer(&o, seed, argc), &rc))
        rc = seed ? run_seed(&o, argv[1]) : run_get(&o, argv[1]);
    g_free(o.bind);
    g_free(o.out);
    g_free(o.tracker);
    g_free(o.upload_rate);
    return rc;
}

int cmd_p2p(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fprintf(argc < 2 ? stderr : stdout,
                "usage: appsim p2p tracker [--port P] [--bind ADDR] [--interval S]\n"
                "       appsim p2p seed FILE --tracker URL [--port P] [-o FILE.torrent] [--piece-length N]\n"
                "                       [--max-upload-rate BPS]\n"
                "       appsim p2p get TORRENT [-o DIR] [--port P] [--seed-after S] [--timeout S]\n"
                "                      [--max-upload-rate BPS]\n"
                "appsim p2p COMMAND --help lists the options.\n");
        return argc < 2 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
    }
    if (!strcmp(argv[1], "tracker"))
        return tracker_command(argc - 1, argv + 1);
    if (!strcmp(argv[1], "seed"))
        return peer_command(true, argc - 1, argv + 1);
    if (!strcmp(argv[1], "get"))
        return peer_command(false, argc - 1, argv + 1);
    fprintf(stderr, "appsim p2p: unknown command \"%s\" (tracker, seed, get)\n", argv[1]);
    return CLI_EXIT_USAGE;
}

/*
 * dns_cmd: the real-socket front ends of the DNS applications.
 *
 *   appsim dns serve --zone FILE [--zone FILE]... [--origin NAME]
 *                    [--port P] [--bind ADDR [--public]] [--udp-size N]
 *                    [--log] [--timeout S]
 *   appsim dns serve --recursive --root-hints FILE [--server-port P]
 *                    [--allow PREFIX]... [--port P] [--bind ADDR [--public]]
 *                    [--log] [--timeout S]
 *   appsim dns query NAME [TYPE] [@ADDR] [-p PORT] [--tcp] [--norecurse]
 *                    [--bufsize N]
 *
 * serve, authoritative: the dns_server application (protocols/dns) over a
 * real_host, answering from the zones of the master files, over UDP and
 * TCP on one port. serve --recursive: the dns_resolver application in
 * ITERATIVE mode from the root hints, answering clients over UDP. Both
 * bind 127.0.0.1 unless --bind names another address; an address that is
 * not loopback needs --public as well and is announced on stderr. Once
 * ready, serve prints one line on stdout,
 *   appsim dns: serving ORIGINS on ADDR port P (udp and tcp)
 *   appsim dns: resolving from N root server(s) on ADDR port P (udp)
 * and runs until SIGINT or SIGTERM (or --timeout), then prints its
 * counters on stderr and exits 0.
 *
 * The resolver answers only clients whose address starts with one of the
 * --allow prefixes (default "127." and "::1": this machine), so it is
 * never an open resolver by default; its query ids come from a seed drawn
 * from the kernel's random source (getrandom), and every query it sends
 * leaves from a fresh socket on a port the kernel picks (RFC 5452).
 *
 * query: one question over UDP (QUERY_UDP_TRIES sends, waiting
 * QUERY_UDP_WAIT_S seconds after each), asked again over TCP when the
 * answer has TC, or over TCP at once with --tcp (one connection, at most
 * QUERY_TCP_WAIT_S seconds for the connection and the answer). The
 * answer is printed in dns_msg_to_text's dig-like form, followed by the
 * server, the transport and the size. Only an answer from the server's
 * address and port, with the question's id and question, is taken.
 *
 * Exit statuses: 0 served and stopped / an answer (whatever its rcode);
 * 1 a failure while running (a port in use, no answer); 2 bad usage or
 * input (an option, a zone file with its file:line:column error, a root
 * hints file).
 */
#include "dns_cmd.h"

#include <gio/gio.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "cli_serve.h"
#include "hostio/real_host.h"
#include "protocols/dns/dns_auth.h"
#include "protocols/dns/dns_msg.h"
#include "protocols/dns/dns_resolver.h"
#include "protocols/dns/dns_server.h"
#include "protocols/dns/dns_zone.h"

enum { EXIT_OK = CLI_EXIT_OK, EXIT_RUN = CLI_EXIT_RUN, EXIT_USAGE = CLI_EXIT_USAGE };

/* The default port of `serve` (53 needs root) and of `query` (the port
 * of every DNS server). */
#define SERVE_PORT_DEFAULT 5353
/* The largest root hints file read (bytes) and the most servers taken
 * from it. */
#define HINTS_MAX_BYTES ((gsize)1 << 20)
#define HINTS_MAX_SERVERS 64u
/* query: UDP sends and the wait after each (s); the bound on a TCP
 * exchange (connection and answer, s). */
#define QUERY_UDP_TRIES 3
#define QUERY_UDP_WAIT_S 2
#define QUERY_TCP_WAIT_S 5
/* The EDNS size query advertises unless --bufsize says otherwise. */
#define QUERY_BUFSIZE_DEFAULT 1232

static int usage_error(GOptionContext *ctx, const char *msg) { return cli_usage_error(ctx, "dns", msg); }

/* 64 random bits from the kernel (getrandom), never from the clock. */
static uint64_t random_seed(void)
{
    uint64_t v = 0;
    if (getrandom(&v, sizeof v, 0) != (ssize_t)sizeof v) {
        /* getrandom(2) is missing or interrupted: GLib seeds its generator
         * from /dev/urandom. */
        v = (uint64_t)g_random_int() << 32 | g_random_int();
    }
    return v;
}

/* ---- serve ------------------------------------------------------------ */

/* Prints each application record on stderr, one line: "KIND TEXT". */
static void record_to_stderr(void *ud, const char *host, int64_t now_ns, const char *kind, const char *text)
{
    (void)ud;
    (void)host;
    (void)now_ns;
    fprintf(stderr, "%s %s\n", kind, text);
    fflush(stderr);
}

/* What both kinds of server share. */
typedef struct {
    gint port, timeout_s;
    char *bind;
    gboolean is_public, log;
} serve_common;

/* Binds the host to --bind (cli_set_bind: an address literal) and checks
 * --public: an address other than loopback needs it, and is announced.
 * Returns 0 or an exit status. */
static int set_bind(real_host_t *rh, const serve_common *o)
{
    const char *addr = o->bind ? o->bind : "127.0.0.1";
    if (!cli_set_bind(rh, "dns serve", addr))
        return EXIT_USAGE;
    bool loop = cli_is_loopback(addr);
    if (!loop && !o->is_public) {
        fprintf(stderr, "appsim dns serve: %s is not a loopback address: add --public to serve other "
                        "machines\n", addr);
        return EXIT_USAGE;
    }
    if (!loop)
        fprintf(stderr, "appsim dns serve: warning: serving beyond this machine on %s (--public)\n", addr);
    return 0;
}

/* Reads a whole file of at most `max` bytes; NULL with a message. */
static char *read_file(const char *path, gsize max, gsize *len)
{
    GStatBuf st;
    if (g_stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
        fprintf(stderr, "appsim dns serve: %s: not a readable file\n", path);
        return NULL;
    }
    if ((guint64)st.st_size > max) {
        fprintf(stderr, "appsim dns serve: %s: larger than %" G_GSIZE_FORMAT " bytes\n", path, max);
        return NULL;
    }
    char *text = NULL;
    GError *err = NULL;
    if (!g_file_get_contents(path, &text, len, &err)) {
        fprintf(stderr, "appsim dns serve: %s\n", err->message);
        g_error_free(err);
        return NULL;
    }
    return text;
}

static void print_server_stats(const dns_server *srv)
{
    const dns_server_stats *st = dns_server_get_stats(srv);
    uint64_t answers = 0;
    for (int i = 0; i < DNS_SERVER_RCODES; i++)
        answers += st->answers[i];
    fprintf(stderr,
            "server: %" G_GUINT64_FORMAT " queries over udp, %" G_GUINT64_FORMAT " over tcp, %" G_GUINT64_FORMAT
            " answers (%" G_GUINT64_FORMAT " NXDOMAIN, %" G_GUINT64_FORMAT " REFUSED, %" G_GUINT64_FORMAT
            " truncated), %" G_GUINT64_FORMAT " FORMERR, %" G_GUINT64_FORMAT " dropped, %" G_GUINT64_FORMAT
            " tcp connections (%" G_GUINT64_FORMAT " refused, %" G_GUINT64_FORMAT " closed idle)\n",
            st->queries_udp, st->queries_tcp, answers, st->answers[DNS_RCODE_NXDOMAIN],
            st->answers[DNS_RCODE_REFUSED], st->truncated, st->formerr, st->dropped, st->connections,
            st->refused, st->idle_closed);
}

/* The authoritative server. */
static int serve_auth(const serve_common *o, gchar **zones, const char *origin, gint udp_size)
{
    dns_auth *auth = dns_auth_new();
    dns_auth_set_udp_size(auth, (uint16_t)udp_size);
    GString *origins = g_string_new(NULL);
    int rc = EXIT_OK;
    for (gchar **f = zones; *f && rc == EXIT_OK; f++) {
        gsize len = 0;
        char *text = read_file(*f, DNS_ZONE_MAX_TEXT, &len);
        if (!text) {
            rc = EXIT_USAGE;
            break;
        }
        GError *err = NULL;
        dns_zone *z = dns_zone_parse(text, len, *f, origin, &err);
        g_free(text);
        if (z && !dns_auth_add_zone(auth, z, &err)) {
            g_prefix_error(&err, "%s: ", *f);
            dns_zone_free(z);
            z = NULL;
        }
        if (!z) {
            fprintf(stderr, "appsim dns serve: %s\n", err->message);
            g_error_free(err);
            rc = EXIT_USAGE;
            break;
        }
        const char *name = dns_zone_origin(z);
        g_string_append_printf(origins, "%s%s.", origins->len ? ", " : "", name); /* root: "." */
    }
    real_host_t *rh = NULL;
    dns_server *srv = NULL;
    if (rc == EXIT_OK) {
        rh = real_host_new(NULL, "dns-server");
        real_host_set_record_sink(rh, record_to_stderr, NULL);
        rc = set_bind(rh, o);
    }
    if (rc == EXIT_OK) {
        dns_server_config c;
        dns_server_config_default(&c);
        c.port = (uint16_t)o->port;
        c.udp_size = (uint16_t)udp_size;
        c.records = o->log;
        GError *err = NULL;
        srv = dns_server_new(real_host_env(rh), auth, &c, &err);
        if (!srv) {
            fprintf(stderr, "appsim dns serve: %s\n", err->message);
            g_error_free(err);
            rc = EXIT_RUN;
        }
    }
    if (rc == EXIT_OK) {
        printf("appsim dns: serving %s on %s port %u (udp and tcp)\n", origins->str,
               o->bind ? o->bind : "127.0.0.1", dns_server_port(srv));
        fflush(stdout);
        cli_serve_until_stopped(o->timeout_s);
        print_server_stats(srv);
    }
    dns_server_free(srv);
    if (rh) {
        real_host_run_until_idle(rh, 2 * INT64_C(1000000000));
        real_host_free(rh);
    }
    dns_auth_free(auth);
    g_string_free(origins, TRUE);
    return rc;
}

/* Root hints: owned names and addresses. */
typedef struct {
    GPtrArray *strings;  /* owns every string below */
    GArray *hints;       /* of dns_server_hint */
} root_hints;

static void root_hints_clear(root_hints *h)
{
    if (h->strings)
        g_ptr_array_unref(h->strings);
    if (h->hints)
        g_array_unref(h->hints);
}

/* Reads root hints in the form of the root zone's hints file (named.root):
 * master-file records, one per line, "OWNER [TTL] [IN] TYPE DATA", of
 * which ". NS NAME" names a root server and "NAME A ADDRESS" (or AAAA)
 * gives its address; ";" starts a comment; other lines and types are
 * errors. Every root server needs an address (no lookup can find it
 * before there is a root to ask). The hints are the servers in the order
 * of their NS records, each with its addresses in order. False with a
 * "file:line: what" message. */
static bool hints_parse(const char *path, const char *text, root_hints *out, char **msg)
{
    out->strings = g_ptr_array_new_with_free_func(g_free);
    out->hints = g_array_new(FALSE, TRUE, sizeof(dns_server_hint));
    GPtrArray *ns = g_ptr_array_new_with_free_func(g_free);   /* root server names, canonical */
    GPtrArray *addr = g_ptr_array_new_with_free_func(g_free); /* pairs: name, address */
    gchar **lines = g_strsplit(text, "\n", -1);
    bool ok = true;
    for (int ln = 0; lines[ln] && ok; ln++) {
        char *semi = strchr(lines[ln], ';');
        if (semi)
            *semi = 0;
        gchar **tok = g_strsplit_set(g_strstrip(lines[ln]), " \t", -1);
        GPtrArray *w = g_ptr_array_new();
        for (gchar **t = tok; *t; t++)
            if (**t)
                g_ptr_array_add(w, *t);
        guint i = 1;
        if (w->len > 0) {
            /* The TTL and the class may come in either order. */
            for (int k = 0; k < 2 && i < w->len; k++) {
                const char *t = g_ptr_array_index(w, i);
                if (g_ascii_isdigit(t[0]) || !g_ascii_strcasecmp(t, "IN"))
                    i++;
            }
            uint16_t type = i + 2 == w->len ? dns_type_parse(g_ptr_array_index(w, i)) : 0;
            GError *err = NULL;
            char *owner = dns_name_canon(g_ptr_array_index(w, 0), &err);
            char *data = NULL;
            if (owner && type == DNS_T_NS && !*owner) {
                data = dns_name_canon(g_ptr_array_index(w, i + 1), &err);
                if (data)
                    g_ptr_array_add(ns, data);
            } else if (owner && (type == DNS_T_A || type == DNS_T_AAAA)) {
                const char *a = g_ptr_array_index(w, i + 1);
                uint8_t bin[16];
                if (type == DNS_T_A ? dns_parse_ipv4(a, strlen(a), bin) : dns_parse_ipv6(a, strlen(a), bin)) {
                    g_ptr_array_add(addr, g_strdup(owner));
                    g_ptr_array_add(addr, g_strdup(a));
                    data = owner;
                }
            }
            if (!data) {
                *msg = g_strdup_printf("%s:%d: expected \". NS NAME\" or \"NAME A|AAAA ADDRESS\"%s%s", path,
                                       ln + 1, err ? ": " : "", err ? err->message : "");
                ok = false;
            }
            g_clear_error(&err);
            g_free(owner);
        }
        g_ptr_array_unref(w);
        g_strfreev(tok);
    }
    g_strfreev(lines);
    for (guint n = 0; ok && n < ns->len; n++) {
        const char *name = g_ptr_array_index(ns, n);
        bool found = false;
        for (guint k = 0; k < addr->len; k += 2) {
            if (!dns_name_eq(name, g_ptr_array_index(addr, k)))
                continue;
            found = true;
            if (out->hints->len >= HINTS_MAX_SERVERS)
                break;
            dns_server_hint h = {g_strdup(name), g_strdup(g_ptr_array_index(addr, k + 1))};
            g_ptr_array_add(out->strings, (char *)h.name);
            g_ptr_array_add(out->strings, (char *)h.address);
            g_array_append_val(out->hints, h);
        }
        if (!found) {
            *msg = g_strdup_printf("%s: the root server %s. has no A or AAAA record", path, name);
            ok = false;
        }
    }
    if (ok && out->hints->len == 0) {
        *msg = g_strdup_printf("%s: no root server (\". NS NAME\" and \"NAME A ADDRESS\")", path);
        ok = false;
    }
    g_ptr_array_unref(ns);
    g_ptr_array_unref(addr);
    return ok;
}

/* A free UDP port of `addr` at this moment (the resolver's API takes a
 * port, and does not tell which one port 0 gave); 0 when none is found. */
static uint16_t free_udp_port(const char *addr)
{
    GInetAddress *ia = g_inet_address_new_from_string(addr);
    GSocket *s = ia ? g_socket_new(g_inet_address_get_family(ia), G_SOCKET_TYPE_DATAGRAM,
                                   G_SOCKET_PROTOCOL_UDP, NULL)
                    : NULL;
    uint16_t port = 0;
    if (s) {
        GSocketAddress *sa = g_inet_socket_address_new(ia, 0);
        if (g_socket_bind(s, sa, FALSE, NULL)) {
            GSocketAddress *local = g_socket_get_local_address(s, NULL);
            if (local)
                port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(local));
            g_clear_object(&local);
        }
        g_object_unref(sa);
        g_socket_close(s, NULL);
        g_object_unref(s);
    }
    g_clear_object(&ia);
    return port;
}

/* The resolver. */
static int serve_resolver(const serve_common *o, const char *hints_path, gint server_port, gchar **allow)
{
    gsize len = 0;
    char *text = read_file(hints_path, HINTS_MAX_BYTES, &len);
    if (!text)
        return EXIT_USAGE;
    root_hints h = {0};
    char *msg = NULL;
    bool ok = hints_parse(hints_path, text, &h, &msg);
    g_free(text);
    if (!ok) {
        fprintf(stderr, "appsim dns serve: %s\n", msg);
        g_free(msg);
        root_hints_clear(&h);
        return EXIT_USAGE;
    }
    real_host_t *rh = real_host_new(NULL, "dns-resolver");
    real_host_set_record_sink(rh, record_to_stderr, NULL);
    int rc = set_bind(rh, o);
    dns_resolver *r = NULL;
    uint16_t port = (uint16_t)o->port;
    if (rc == EXIT_OK) {
        dns_resolver_config c = {0};
        c.mode = DNS_RESOLVER_ITERATIVE;
        c.roots = (const dns_server_hint *)(void *)h.hints->data;
        c.n_roots = h.hints->len;
        c.server_port = (uint16_t)server_port;
        c.seed = random_seed();
        c.port_per_query = true;
        c.record = o->log;
        guint n_allow = allow ? g_strv_length(allow) : 0;
        c.allow = n_allow ? (const char *const *)allow : NULL;
        c.n_allow = n_allow;
        GError *err = NULL;
        r = dns_resolver_new(real_host_env(rh), &c, &err);
        /* Port 0: a port free now; another try if it is taken meanwhile. */
        for (int tries = 0; r && !err && tries < 10; tries++) {
            if (o->port == 0 && !(port = free_udp_port(o->bind ? o->bind : "127.0.0.1")))
                break;
            if (dns_resolver_serve(r, port, &err))
                break;
            if (o->port != 0 || tries == 9)
                break;
            g_clear_error(&err);
        }
        if (!r || err || port == 0) {
            fprintf(stderr, "appsim dns serve: %s\n", err ? err->message : "no free port");
            g_clear_error(&err);
            rc = EXIT_RUN;
        }
    }
    if (rc == EXIT_OK) {
        if (o->log)
            fprintf(stderr, "dns-lookup %s\n", DNS_RESOLVER_RECORD_HEADER);
        printf("appsim dns: resolving from %u root server%s on %s port %u (udp)\n", h.hints->len,
               h.hints->len == 1 ? "" : "s", o->bind ? o->bind : "127.0.0.1", port);
        fflush(stdout);
        cli_serve_until_stopped(o->timeout_s);
        dns_resolver_stats st;
        dns_resolver_get_stats(r, &st);
        fprintf(stderr,
                "resolver: %" G_GUINT64_FORMAT " lookups, %" G_GUINT64_FORMAT " queries sent (%" G_GUINT64_FORMAT
                " retransmitted, %" G_GUINT64_FORMAT " over tcp), %" G_GUINT64_FORMAT " clients answered, %"
                G_GUINT64_FORMAT " refused, %" G_GUINT64_FORMAT " dropped, %" G_GUINT64_FORMAT " ignored\n",
                st.lookups, st.queries, st.retransmissions, st.tcp_queries, st.served, st.refused, st.dropped,
                st.ignored);
    }
    dns_resolver_free(r);
    real_host_run_until_idle(rh, 2 * INT64_C(1000000000));
    real_host_free(rh);
    root_hints_clear(&h);
    return rc;
}

static int cmd_serve(int argc, char **argv)
{
    serve_common o = {.port = SERVE_PORT_DEFAULT};
    gchar **zones = NULL, **allow = NULL;
    char *origin = NULL, *hints = NULL;
    gboolean recursive = FALSE;
    gint server_port = DNS_PORT, udp_size = DNS_AUTH_UDP_SIZE;
    GOptionEntry entries[] = {
        {"zone", 'z', 0, G_OPTION_ARG_FILENAME_ARRAY, &zones, "Serve the zone of this master file (repeatable)",
         "FILE"},
        {"origin", 0, 0, G_OPTION_ARG_STRING, &origin,
         "The zone's origin (with one --zone; default: the owner of its first record, the SOA)", "NAME"},
        {"recursive", 0, 0, G_OPTION_ARG_NONE, &recursive,
         "Be a resolver (iterative from the root hints) instead of an authoritative server", NULL},
        {"root-hints", 0, 0, G_OPTION_ARG_FILENAME, &hints,
         "Root servers, as in named.root: \". NS NAME\" and \"NAME A ADDRESS\" lines", "FILE"},
        {"server-port", 0, 0, G_OPTION_ARG_INT, &server_port,
         "Port of the servers the resolver asks (default 53)", "P"},
        {"allow", 'a', 0, G_OPTION_ARG_STRING_ARRAY, &allow,
         "Resolver clients allowed: address prefix, as text (repeatable; default 127. and ::1)", "PREFIX"},
        {"port", 'p', 0, G_OPTION_ARG_INT, &o.port, "Port (0: a free one; default 5353)", "P"},
        {"bind", 'b', 0, G_OPTION_ARG_STRING, &o.bind, "Address to bind (default 127.0.0.1)", "ADDR"},
        {"public", 0, 0, G_OPTION_ARG_NONE, &o.is_public, "Allow a --bind address that is not loopback", NULL},
        {"udp-size", 0, 0, G_OPTION_ARG_INT, &udp_size,
         "Largest UDP answer to an EDNS query, 512 to 65535 (default 1232)", "N"},
        {"log", 'l', 0, G_OPTION_ARG_NONE, &o.log, "One line per query (server) or lookup (resolver) on stderr",
         NULL},
        {"timeout", 't', 0, G_OPTION_ARG_INT, &o.timeout_s, "Stop after S seconds (0: run until interrupted)",
         "S"},
        {NULL, 0, 0, 0, NULL, NULL, NULL}};
    GOptionContext *ctx = g_option_context_new("- an authoritative DNS server, or a resolver");
    g_option_context_set_description(ctx, "Binds 127.0.0.1 unless told otherwise. Limits and defaults: "
                                          "docs/dns.md, \"Real sockets\".");
    g_option_context_add_main_entries(ctx, entries, NULL);
    int rc;
    if (!cli_parse(ctx, "dns", &argc, &argv, &rc))
        goto out;
    if (argc > 1) {
        rc = usage_error(ctx, "unexpected argument");
    } else if (o.port < 0 || o.port > 65535 || server_port < 1 || server_port > 65535 || o.timeout_s < 0 ||
               udp_size < 512 || udp_size > 65535) {
        rc = usage_error(ctx, "--port must be 0 to 65535, --server-port 1 to 65535, --udp-size 512 to 65535; "
                              "--timeout not negative");
    } else if (recursive ? (!hints || zones || origin) : (!zones || hints || allow)) {
        rc = usage_error(ctx, recursive ? "--recursive needs --root-hints FILE and takes no --zone"
                                        : "--zone FILE is required (or --recursive --root-hints FILE); "
                                          "--allow is for --recursive");
    } else if (origin && g_strv_length(zones) != 1) {
        rc = usage_error(ctx, "--origin goes with one --zone");
    } else {
        g_option_context_free(ctx);
        rc = recursive ? serve_resolver(&o, hints, server_port, allow) : serve_auth(&o, zones, origin, udp_size);
    }
out:
    g_strfreev(zones);
    g_strfreev(allow);
    g_free(origin);
    g_free(hints);
    g_free(o.bind);
    return rc;
}

/* ---- query ------------------------------------------------------------ */

typedef struct {
    const char *name; /* canonical */
    uint16_t type, id;
    GInetAddress *server;
    uint16_t port;
} query_target;

/* True when `m` answers our question: id, QR and the question. */
static bool answers(const dns_msg *m, const query_target *q)
{
    return m->qr && m->id == q->id && m->has_question && dns_name_eq(m->qname, q->name) &&
           m->qtype == q->type && m->qclass == DNS_CLASS_IN;
}

/* Sends over UDP and waits; 1 with *resp filled, 0 when nothing came, -1
 * on a socket error (message printed). */
static int query_udp(const query_target *q, const GByteArray *wire, dns_msg *resp, size_t *size)
{
    GError *err = NULL;
    GSocket *s = g_socket_new(g_inet_address_get_family(q->server), G_SOCKET_TYPE_DATAGRAM,
                              G_SOCKET_PROTOCOL_UDP, &err);
    if (!s) {
        fprintf(stderr, "appsim dns query: %s\n", err->message);
        g_error_free(err);
        return -1;
    }
    GSocketAddress *to = g_inet_socket_address_new(q->server, q->port);
    uint8_t *buf = g_malloc(DNS_MSG_MAX);
    int got = 0;
    for (int t = 0; t < QUERY_UDP_TRIES && got == 0; t++) {
        if (g_socket_send_to(s, to, (const gchar *)wire->data, wire->len, NULL, &err) < 0) {
            fprintf(stderr, "appsim dns query: %s\n", err->message);
            g_clear_error(&err);
            got = -1;
            break;
        }
        gint64 deadline = g_get_monotonic_time() + QUERY_UDP_WAIT_S * G_USEC_PER_SEC;
        while (got == 0) {
            gint64 left = deadline - g_get_monotonic_time();
            if (left <= 0 || !g_socket_condition_timed_wait(s, G_IO_IN, left, NULL, NULL))
                break;
            GSocketAddress *from = NULL;
            gssize n = g_socket_receive_from(s, &from, (gchar *)buf, DNS_MSG_MAX, NULL, &err);
            bool same = from && g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(from)) == q->port &&
                        g_inet_address_equal(g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(from)),
                                             q->server);
            g_clear_object(&from);
            if (n < 0) {
                /* An ICMP port unreachable shows as an error here: keep
                 * waiting out the try, as a lost datagram. */
                g_clear_error(&err);
                g_usleep(10000);
                continue;
            }
            if (same && dns_msg_decode(buf, (size_t)n, resp) == DNS_OK && answers(resp, q)) {
                *size = (size_t)n;
                got = 1;
            }
        }
    }
    g_free(buf);
    g_object_unref(to);
    g_socket_close(s, NULL);
    g_object_unref(s);
    return got;
}

/* Asks over TCP; true with *resp filled. */
static bool query_tcp(const query_target *q, const GByteArray *framed, dns_msg *resp, size_t *size)
{
    GError *err = NULL;
    GSocketClient *cl = g_socket_client_new();
    g_socket_client_set_timeout(cl, QUERY_TCP_WAIT_S);
    g_socket_client_set_enable_proxy(cl, FALSE);
    GSocketAddress *to = g_inet_socket_address_new(q->server, q->port);
    GSocketConnection *conn = g_socket_client_connect(cl, G_SOCKET_CONNECTABLE(to), NULL, &err);
    g_object_unref(to);
    g_object_unref(cl);
    bool ok = false;
    if (conn) {
        GSocket *s = g_socket_connection_get_socket(conn);
        gint64 deadline = g_get_monotonic_time() + QUERY_TCP_WAIT_S * G_USEC_PER_SEC;
        g_socket_set_timeout(s, QUERY_TCP_WAIT_S);
        gsize sent = 0;
        ok = g_output_stream_write_all(g_io_stream_get_output_stream(G_IO_STREAM(conn)), framed->data,
                                       framed->len, &sent, NULL, &err);
        dns_tcp_reader rd;
        dns_tcp_reader_init(&rd);
        uint8_t buf[4096];
        bool done = false;
        while (ok && !done && g_get_monotonic_time() < deadline) {
            gssize n = g_socket_receive(s, (gchar *)buf, sizeof buf, NULL, &err);
            if (n <= 0) {
                ok = false;
                break;
            }
            size_t off = 0;
            while (!done && off < (size_t)n) {
                off += dns_tcp_reader_feed(&rd, buf + off, (size_t)n - off);
                const uint8_t *msg;
                size_t len;
                if (dns_tcp_reader_failed(&rd)) {
                    ok = false;
                    break;
                }
                if (dns_tcp_reader_next(&rd, &msg, &len) && dns_msg_decode(msg, len, resp) == DNS_OK &&
                    answers(resp, q)) {
                    *size = len;
                    done = true;
                }
            }
        }
        ok = ok && done;
        dns_tcp_reader_clear(&rd);
        g_io_stream_close(G_IO_STREAM(conn), NULL, NULL);
        g_object_unref(conn);
    }
    if (err) {
        fprintf(stderr, "appsim dns query: tcp: %s\n", err->message);
        g_error_free(err);
    } else if (!ok) {
        fprintf(stderr, "appsim dns query: tcp: no answer within %d s\n", QUERY_TCP_WAIT_S);
    }
    return ok;
}

static int cmd_query(int argc, char **argv)
{
    gint port = DNS_PORT, bufsize = QUERY_BUFSIZE_DEFAULT;
    gboolean tcp = FALSE, norecurse = FALSE;
    GOptionEntry entries[] = {
        {"port", 'p', 0, G_OPTION_ARG_INT, &port, "The server's port (default 53; appsim dns serve: 5353)", "P"},
        {"tcp", 0, 0, G_OPTION_ARG_NONE, &tcp, "Ask over TCP at once (default: UDP, then TCP on TC)", NULL},
        {"norecurse", 0, 0, G_OPTION_ARG_NONE, &norecurse, "Clear RD (recursion desired)", NULL},
        {"bufsize", 0, 0, G_OPTION_ARG_INT, &bufsize,
         "EDNS UDP size to advertise, 512 to 65535; 0: no EDNS (default 1232)", "N"},
        {NULL, 0, 0, 0, NULL, NULL, NULL}};
    GOptionContext *ctx = g_option_context_new("NAME [TYPE] [@ADDR] - ask a DNS server one question");
    g_option_context_set_description(ctx, "ADDR is an IPv4 or IPv6 address or localhost (default 127.0.0.1); "
                                          "TYPE A, AAAA, NS, MX, TXT, SOA, CNAME, PTR, ANY (default A).\n"
                                          "Exit status: 0 an answer (any rcode), 1 no answer, 2 bad usage.");
    g_option_context_add_main_entries(ctx, entries, NULL);
    int rc;
    if (!cli_parse(ctx, "dns", &argc, &argv, &rc))
        return rc;
    const char *name = NULL, *type_text = NULL, *server = "127.0.0.1";
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] == '@')
            server = argv[i] + 1;
        else if (!name)
            name = argv[i];
        else if (!type_text)
            type_text = argv[i];
        else
            return usage_error(ctx, "unexpected argument");
    }
    if (!name)
        return usage_error(ctx, "a NAME is needed");
    if (port < 1 || port > 65535 || (bufsize != 0 && (bufsize < 512 || bufsize > 65535)))
        return usage_error(ctx, "--port must be 1 to 65535, --bufsize 0 or 512 to 65535");
    query_target q = {.port = (uint16_t)port};
    q.type = type_text ? dns_type_parse(type_text) : DNS_T_A;
    if (!q.type || q.type == DNS_T_OPT)
        return usage_error(ctx, "unknown TYPE (A, AAAA, NS, MX, TXT, SOA, CNAME, PTR, ANY or TYPEn)");
    q.server = !g_ascii_strcasecmp(server, "localhost") ? g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4)
                                                          : g_inet_address_new_from_string(server);
    if (!q.server)
        return usage_error(ctx, "@ADDR expects an IPv4 or IPv6 address or localhost");
    GError *err = NULL;
    char *canon = dns_name_canon(name, &err);
    if (!canon) {
        char *m = g_strdup_printf("NAME: %s", err->message);
        g_error_free(err);
        g_object_unref(q.server);
        rc = usage_error(ctx, m);
        g_free(m);
        return rc;
    }
    g_option_context_free(ctx);
    q.name = canon;
    q.id = (uint16_t)(random_seed() >> 48);

    dns_msg m;
    dns_msg_init(&m);
    m.id = q.id;
    m.rd = !norecurse;
    m.opcode = DNS_OPCODE_QUERY;
    dns_msg_set_question(&m, canon, q.type, DNS_CLASS_IN);
    if (bufsize) {
        m.edns = true;
        m.edns_udp_size = (uint16_t)bufsize;
    }
    GByteArray *wire = g_byte_array_new(), *framed = g_byte_array_new();
    dns_status st = dns_msg_encode(&m, DNS_MSG_MAX, wire, NULL);
    if (st == DNS_OK)
        st = dns_msg_encode_tcp(&m, framed);
    dns_msg_clear(&m);

    dns_msg resp;
    dns_msg_init(&resp);
    size_t size = 0;
    const char *via = tcp ? "TCP" : "UDP";
    bool got = false;
    if (st != DNS_OK) {
        fprintf(stderr, "appsim dns query: cannot encode the question (%s)\n", dns_status_name(st));
    } else if (tcp) {
        got = query_tcp(&q, framed, &resp, &size);
    } else {
        int r = query_udp(&q, wire, &resp, &size);
        got = r == 1;
        if (got && resp.tc) {
            printf(";; Truncated, retrying in TCP mode.\n");
            via = "TCP";
            dns_msg_clear(&resp);
            got = query_tcp(&q, framed, &resp, &size);
        } else if (r == 0) {
            fprintf(stderr, "appsim dns query: no answer from %s port %d after %d tries over UDP, %d s each\n",
                    server, port, QUERY_UDP_TRIES, QUERY_UDP_WAIT_S);
        }
    }
    rc = got ? EXIT_OK : EXIT_RUN;
    if (got) {
        char *text = dns_msg_to_text(&resp);
        char *addr = g_inet_address_to_string(q.server);
        printf("%s", text);
        printf("\n;; SERVER: %s#%d(%s) (%s)\n;; MSG SIZE  rcvd: %zu\n", addr, port, addr, via, size);
        g_free(addr);
        g_free(text);
    }
    dns_msg_clear(&resp);
    g_byte_array_unref(wire);
    g_byte_array_unref(framed);
    g_object_unref(q.server);
    g_free(canon);
    return rc;
}

int cmd_dns(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fprintf(argc < 2 ? stderr : stdout,
                "usage: appsim dns serve --zone FILE [--zone FILE]... [--origin NAME] [--port P] [--bind ADDR]\n"
                "       appsim dns serve --recursive --root-hints FILE [--server-port P] [--allow PREFIX]...\n"
                "       appsim dns query NAME [TYPE] [@ADDR] [-p PORT] [--tcp] [--norecurse]\n"
                "appsim dns serve --help and query --help list the options.\n");
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    if (!strcmp(argv[1], "serve"))
        return cmd_serve(argc - 1, argv + 1);
    if (!strcmp(argv[1], "query"))
        return cmd_query(argc - 1, argv + 1);
    fprintf(stderr, "appsim dns: unknown command \"%s\" (serve, query)\n", argv[1]);
    return EXIT_USAGE;
}

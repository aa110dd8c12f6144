/*
 * http_cmd: the real-socket front ends of the HTTP applications.
 *
 *   appsim http serve --root DIR [--port P] [--proc-time MS] [--writable]
 *                     [--name HOST] [--protect PREFIX=USER:PASSWORD]
 *                     [--redirect FROM=TO] [--idle-timeout S] [--timeout S]
 *   appsim http get [--http1.0] [--nonpersistent|--persistent|--pipeline]
 *                   [--parallel N] [--user USER:PASSWORD] [--proxy HOST:PORT]
 *                   URL...
 *
 *   appsim http proxy [--port P] [--capacity SIZE] [--policy lru|lfu|fifo]
 *                     [--max-object SIZE] [--upstream-timeout S]
 *                     [--allow HOST[:PORT]]... [--timeout S]
 *
 * serve prints "listening on http://127.0.0.1:PORT/" once it listens and
 * runs until interrupted (SIGINT, SIGTERM) or for --timeout seconds, then
 * prints its counters on stderr. It listens on loopback only, is read-only
 * unless --writable, answers only requests whose Host is a loopback name or
 * --name, and never leaves the root (docs/http.md, "Security and limits").
 * get loads one page (and the objects its HTML refers to) or, with several
 * URLs, fetches them as one page; it prints one line per object with the
 * same timings the simulator records, then the page load time.
 * proxy runs the caching proxy (protocols/http/http_proxy.h) on loopback;
 * without --allow it reaches only localhost and 127.0.0.1 (any port).
 */
#include "http_cmd.h"

#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_serve.h"
#include "hostio/real_host.h"
#include "world/units.h"
#include "protocols/http/http_browser.h"
#include "protocols/http/http_proxy.h"
#include "protocols/http/http_server.h"
#include "protocols/http/http_store.h"

enum { EXIT_OK = CLI_EXIT_OK, EXIT_RUN = CLI_EXIT_RUN, EXIT_USAGE = CLI_EXIT_USAGE };

static bool split_pair(const char *s, char sep, char **a, char **b)
{
    const char *at = s ? strchr(s, sep) : NULL;
    if (!at || at == s)
        return false;
    *a = g_strndup(s, (gsize)(at - s));
    *b = g_strdup(at + 1);
    return true;
}

static int usage_error(GOptionContext *ctx, const char *msg) { return cli_usage_error(ctx, "http", msg); }

/* The most connections `serve` keeps open at once, and the transport's
 * send buffer per connection (bytes). */
#define SERVE_MAX_CONNECTIONS 256u
#define SERVE_SEND_BUFFER ((size_t)256 << 10)

/* Adds the --protect and --redirect rules; false (and a message) when one
 * is malformed. */
static bool add_rules(http_server *srv, gchar **protect, gchar **redirect)
{
    for (gchar **p = protect; p && *p; p++) {
        char *prefix, *cred, *user, *pass;
        if (!split_pair(*p, '=', &prefix, &cred)) {
            fprintf(stderr, "appsim http serve: --protect expects PREFIX=USER:PASSWORD, got \"%s\"\n", *p);
            return false;
        }
        bool ok = split_pair(cred, ':', &user, &pass);
        if (ok) {
            http_server_protect(srv, prefix, "appsim", user, pass);
            g_free(user);
            g_free(pass);
        } else {
            fprintf(stderr, "appsim http serve: --protect expects PREFIX=USER:PASSWORD, got \"%s\"\n", *p);
        }
        g_free(prefix);
        g_free(cred);
        if (!ok)
            return false;
    }
    for (gchar **p = redirect; p && *p; p++) {
        char *from, *to;
        if (!split_pair(*p, '=', &from, &to)) {
            fprintf(stderr, "appsim http serve: --redirect expects FROM=TO, got \"%s\"\n", *p);
            return false;
        }
        http_server_redirect(srv, from, to);
        g_free(from);
        g_free(to);
    }
    return true;
}

/* The server's counters, on stderr, when it stops. */
static void print_serve_stats(const http_server *srv)
{
    const http_server_stats *st = http_server_get_stats(srv);
    fprintf(stderr,
            "server: %" G_GUINT64_FORMAT " connections (%" G_GUINT64_FORMAT " refused), %" G_GUINT64_FORMAT
            " requests, peak buffered %" G_GUINT64_FORMAT " bytes, closed idle %" G_GUINT64_FORMAT
            ", slow heads %" G_GUINT64_FORMAT ", not draining %" G_GUINT64_FORMAT "\n",
            st->connections, st->refused, st->requests, st->buffered_peak, st->idle_closed,
            st->header_timeouts, st->drain_timeouts);
}

static int cmd_serve(int argc, char **argv)
{
    char *root = NULL, *name = NULL;
    gint port = 8080, timeout_s = 0, idle_s = 15;
    gdouble proc_ms = 0;
    gboolean writable = FALSE;
    gchar **protect = NULL, **redirect = NULL;
    GOptionEntry entries[] = {
        {"root", 'r', 0, G_OPTION_ARG_FILENAME, &root, "Serve the files of this folder (nothing outside it)", "DIR"},
        {"port", 'p', 0, G_OPTION_ARG_INT, &port, "Port on 127.0.0.1 and ::1 (0: any; default 8080)", "P"},
        {"proc-time", 0, 0, G_OPTION_ARG_DOUBLE, &proc_ms, "Processing time per request", "MS"},
        {"writable", 'w', 0, G_OPTION_ARG_NONE, &writable,
         "Let PUT and DELETE change files under the root (default: read-only, 405)", NULL},
        {"name", 0, 0, G_OPTION_ARG_STRING, &name,
         "Also answer requests for this host name (default: localhost, 127.0.0.1, [::1] only; others 421)", "HOST"},
        {"protect", 0, 0, G_OPTION_ARG_STRING_ARRAY, &protect,
         "Require Basic credentials under a prefix, for every method (writes too)", "PREFIX=USER:PASSWORD"},
        {"redirect", 0, 0, G_OPTION_ARG_STRING_ARRAY, &redirect, "Answer 301 for a path", "FROM=TO"},
        {"idle-timeout", 0, 0, G_OPTION_ARG_INT, &idle_s,
         "Close a connection after S seconds without a byte in or out (default 15)", "S"},
        {"timeout", 't', 0, G_OPTION_ARG_INT, &timeout_s, "Stop after S seconds (0: run until interrupted)", "S"},
        {NULL, 0, 0, 0, NULL, NULL, NULL}};
    GOptionContext *ctx = g_option_context_new("- serve a folder over HTTP/1.0 and 1.1");
    g_option_context_set_description(ctx, "Listens on loopback only. Limits and defaults: docs/http.md, "
                                          "\"Security and limits\".");
    g_option_context_add_main_entries(ctx, entries, NULL);
    GError *err = NULL;
    int prc;
    if (!cli_parse(ctx, "http", &argc, &argv, &prc))
        return prc;
    if (!root)
        return usage_error(ctx, "--root DIR is required");
    if (argc > 1)
        return usage_error(ctx, "unexpected argument");
    if (port < 0 || port > 65535 || proc_ms < 0 || timeout_s < 0 || idle_s <= 0)
        return usage_error(ctx, "--port must be 0 to 65535; --proc-time and --timeout not negative; "
                                "--idle-timeout positive");
    g_option_context_free(ctx);

    int rc = EXIT_OK;
    http_store *store = http_store_new_dir(root, &err);
    real_host_t *rh = real_host_new(NULL, "server");
    real_host_set_send_buffer(rh, SERVE_SEND_BUFFER);
    http_server *srv = NULL;
    if (store) {
        http_server_config c;
        http_server_config_default(&c);
        c.port = (uint16_t)port;
        c.proc_time = (int64_t)(proc_ms * 1e6);
        c.writable = writable;
        c.host = name ? name : "localhost";
        c.idle_timeout = idle_s * INT64_C(1000000000);
        c.max_connections = SERVE_MAX_CONNECTIONS;
        srv = http_server_new(real_host_env(rh), store, &c, &err);
    }
    if (!srv) {
        fprintf(stderr, "appsim http serve: %s\n", err ? err->message : "cannot start");
        g_clear_error(&err);
        rc = EXIT_RUN;
    } else if (!add_rules(srv, protect, redirect)) {
        rc = EXIT_USAGE;
    } else {
        printf("listening on http://127.0.0.1:%u/ (root %s, %s)\n",
               real_host_listener_port(http_server_listener(srv)), root, writable ? "writable" : "read-only");
        fflush(stdout);
        cli_serve_until_stopped(timeout_s);
        print_serve_stats(srv);
    }
    http_server_free(srv);
    real_host_free(rh);
    http_store_free(store);
    g_free(root);
    g_free(name);
    g_strfreev(protect);
    g_strfreev(redirect);
    return rc;
}

/* The origins `appsim http proxy` reaches when no --allow is given: this
 * machine only. */
static const char *const proxy_default_allow[] = {"localhost", "127.0.0.1", NULL};

/* Reads the proxy's options into pc (allow-list strings borrowed from
 * `allow`). Returns 0, or the usage error's exit code. */
static int proxy_options(GOptionContext *ctx, const char *capacity, const char *policy,
                         const char *max_object, gdouble timeout_up, gchar **allow,
                         http_proxy_config *pc)
{
    if (capacity && !units_size(capacity, &pc->capacity))
        return usage_error(ctx, "--capacity expects " UNITS_SIZE_FORM);
    if (policy && !cache_policy_parse(policy, &pc->policy))
        return usage_error(ctx, "--policy expects lru, lfu or fifo");
    if (max_object && (!units_size(max_object, &pc->max_object) ||
                       pc->max_object > HTTP_PROXY_MAX_OBJECT_LIMIT))
        return usage_error(ctx, "--max-object expects a size up to 1GiB, like \"16MiB\"");
    if (!(timeout_up > 0 && timeout_up <= 86400))
        return usage_error(ctx, "--upstream-timeout expects seconds above 0, at most 86400");
    pc->upstream_timeout = (int64_t)(timeout_up * 1e9);
    for (gchar **a = allow; a && *a; a++)
        if (!http_proxy_allow_valid(*a))
            return usage_error(ctx, "--allow expects HOST, HOST:PORT, * or *:PORT");
    pc->allow = allow && *allow ? (const char *const *)allow : proxy_default_allow;
    return 0;
}

static int cmd_proxy(int argc, char **argv)
{
    gint port = 3128, timeout_s = 0;
    gdouble timeout_up = (double)HTTP_PROXY_UPSTREAM_TIMEOUT / 1e9;
    char *capacity = NULL, *policy = NULL, *max_object = NULL;
    gchar **allow = NULL;
    GOptionEntry entries[] = {
        {"port", 'p', 0, G_OPTION_ARG_INT, &port, "Port on 127.0.0.1 and ::1 (0: any; default 3128)", "P"},
        {"capacity", 'c', 0, G_OPTION_ARG_STRING, &capacity,
         "Cache size, counting each entry's body, URL, headers and bookkeeping (default 100MB)", "SIZE"},
        {"policy", 0, 0, G_OPTION_ARG_STRING, &policy, "Replacement: lru (default), lfu or fifo", "P"},
        {"max-object", 0, 0, G_OPTION_ARG_STRING, &max_object,
         "Largest body stored (default 16MiB, at most 1GiB); larger ones are streamed, not kept", "SIZE"},
        {"upstream-timeout", 0, 0, G_OPTION_ARG_DOUBLE, &timeout_up,
         "Answer 504 after S seconds without a byte from the origin (default 60)", "S"},
        {"allow", 'a', 0, G_OPTION_ARG_STRING_ARRAY, &allow,
         "Origins it may reach, repeatable: HOST, HOST:PORT, * (any host) or *:PORT. "
         "Default: localhost and 127.0.0.1 only, any port; others get 403", "HOST[:PORT]"},
        {"timeout", 't', 0, G_OPTION_ARG_INT, &timeout_s, "Stop after S seconds (0: run until interrupted)", "S"},
        {NULL, 0, 0, 0, NULL, NULL, NULL}};
    GOptionContext *ctx = g_option_context_new("- a caching web proxy (browsers use it with curl -x)");
    g_option_context_set_description(
        ctx, "It listens on loopback only, so only this machine's users can use it, and reaches\n"
             "only the origins --allow names (by default this machine's own servers). Requests\n"
             "with Authorization, private or no-store answers and Vary: * are not cached.\n"
             "Request bodies up to 64 MiB are forwarded whole (larger: 413).\n");
    g_option_context_add_main_entries(ctx, entries, NULL);
    GError *err = NULL;
    int prc;
    if (!cli_parse(ctx, "http", &argc, &argv, &prc))
        return prc;
    http_proxy_config pc;
    http_proxy_config_default(&pc);
    int rc = EXIT_OK;
    real_host_t *rh = NULL;
    http_proxy *px = NULL;
    if (argc > 1 || port < 0 || port > 65535 || timeout_s < 0)
        rc = usage_error(ctx, "usage: appsim http proxy [--port P] [--capacity SIZE] [--policy lru|lfu|fifo] "
                              "[--max-object SIZE] [--upstream-timeout S] [--allow HOST[:PORT]]...");
    else
        rc = proxy_options(ctx, capacity, policy, max_object, timeout_up, allow, &pc);
    if (rc != EXIT_OK)
        goto out; /* usage_error freed ctx */
    g_option_context_free(ctx);
    pc.port = (uint16_t)port;
    rh = real_host_new(NULL, "proxy");
    px = http_proxy_new(real_host_env(rh), &pc, &err);
    if (!px) {
        fprintf(stderr, "appsim http proxy: %s\n", err->message);
        g_error_free(err);
        rc = EXIT_RUN;
    } else {
        char *origins = g_strjoinv(", ", (gchar **)pc.allow);
        printf("listening on http://127.0.0.1:%u/ (proxy, %s cache of %" G_GUINT64_FORMAT " bytes, origins: %s)\n",
               real_host_listener_port(http_proxy_listener(px)), cache_policy_name(pc.policy), pc.capacity,
               origins);
        g_free(origins);
        fflush(stdout);
        cli_serve_until_stopped(timeout_s);
        const http_proxy_stats *st = http_proxy_get_stats(px);
        fprintf(stderr, "proxy: %" G_GUINT64_FORMAT " requests, %" G_GUINT64_FORMAT " hits, %" G_GUINT64_FORMAT
                " misses, %" G_GUINT64_FORMAT " revalidated (304), %" G_GUINT64_FORMAT " refreshed (200), %"
                G_GUINT64_FORMAT " passed, %" G_GUINT64_FORMAT " failed, %" G_GUINT64_FORMAT " refused\n",
                st->requests, st->hits, st->misses, st->revalidated_304, st->revalidated_200, st->passed,
                st->failed, st->refused);
    }
out:
    http_proxy_free(px);
    if (rh)
        real_host_free(rh);
    g_free(capacity);
    g_free(policy);
    g_free(max_object);
    g_strfreev(allow);
    return rc;
}

typedef struct {
    GMainLoop *loop;
    bool done;
} get_state;

static void page_done(void *ud, http_browser *b, const http_page *pg)
{
    (void)b;
    (void)pg;
    get_state *st = ud;
    st->done = true;
    g_main_loop_quit(st->loop);
}

static double ms_of(int64_t t, int64_t origin) { return t < 0 ? -1 : (double)(t - origin) / 1e6; }

static int cmd_get(int argc, char **argv)
{
    gboolean http10 = FALSE, nonpersistent = FALSE, persistent = FALSE, pipeline = FALSE;
    gint parallel = 0, timeout_s = 60;
    char *user = NULL, *proxy = NULL;
    GOptionEntry entries[] = {
        {"http1.0", '0', 0, G_OPTION_ARG_NONE, &http10, "Speak HTTP/1.0 (non-persistent unless --persistent)", NULL},
        {"nonpersistent", 'n', 0, G_OPTION_ARG_NONE, &nonpersistent, "One connection per object", NULL},
        {"persistent", 'k', 0, G_OPTION_ARG_NONE, &persistent, "Reuse connections (the default with 1.1)", NULL},
        {"pipeline", 'P', 0, G_OPTION_ARG_NONE, &pipeline, "Send all object requests at once on one connection", NULL},
        {"parallel", 'j', 0, G_OPTION_ARG_INT, &parallel, "Use up to N connections at once", "N"},
        {"user", 'u', 0, G_OPTION_ARG_STRING, &user, "Basic credentials", "USER:PASSWORD"},
        {"proxy", 'x', 0, G_OPTION_ARG_STRING, &proxy, "Send every request through this proxy", "HOST:PORT"},
        {"timeout", 't', 0, G_OPTION_ARG_INT, &timeout_s, "Give up after S seconds (default 60)", "S"},
        {NULL, 0, 0, 0, NULL, NULL, NULL}};
    GOptionContext *ctx = g_option_context_new("URL... - load a page (or fetch URLs) and print timings");
    g_option_context_add_main_entries(ctx, entries, NULL);
    int prc;
    if (!cli_parse(ctx, "http", &argc, &argv, &prc))
        return prc;
    if (argc < 2)
        return usage_error(ctx, "at least one URL is needed");
    if (parallel < 0 || timeout_s <= 0 || (nonpersistent + persistent + pipeline) > 1)
        return usage_error(ctx, "choose at most one of --nonpersistent, --persistent, --pipeline; "
                                "--parallel and --timeout must be positive");
    browser_config bc;
    browser_config_default(&bc);
    bool np = nonpersistent || (http10 && !persistent && !pipeline);
    if (pipeline)
        bc.mode = BROWSER_P_PIPELINE;
    else if (np)
        bc.mode = parallel > 1 ? BROWSER_NP_PARALLEL : BROWSER_NP_SERIAL;
    else
        bc.mode = parallel > 1 ? BROWSER_P_PARALLEL : BROWSER_P_SERIAL;
    bc.parallel = parallel > 1 ? (uint32_t)parallel : 1;
    bc.version = http10 ? 10 : 11;
    char *u = NULL, *pw = NULL, *ph = NULL, *pp = NULL;
    if (user && !split_pair(user, ':', &u, &pw))
        return usage_error(ctx, "--user expects USER:PASSWORD");
    if (proxy) {
        if (!split_pair(proxy, ':', &ph, &pp) || atoi(pp) <= 0 || atoi(pp) > 65535)
            return usage_error(ctx, "--proxy expects HOST:PORT");
        bc.proxy_host = ph;
        bc.proxy_port = (uint16_t)atoi(pp);
    }
    bc.user = u;
    bc.password = pw;
    g_option_context_free(ctx);

    real_host_t *rh = real_host_new(NULL, "browser");
    http_browser *b = http_browser_new(real_host_env(rh), &bc, NULL);
    get_state st = {g_main_loop_new(NULL, FALSE), false};
    bool ok = argc == 2 ? http_browser_load(b, argv[1], page_done, &st)
                        : http_browser_fetch(b, (const char *const *)argv + 1, (guint)argc - 1,
                                             page_done, &st);
    int rc = EXIT_OK;
    if (!ok) {
        fprintf(stderr, "appsim http get: not an http:// URL: %s\n", argv[1]);
        rc = EXIT_USAGE;
    } else {
        guint to = g_timeout_add_seconds((guint)timeout_s, cli_quit_loop, st.loop);
        if (!st.done)
            g_main_loop_run(st.loop);
        g_source_remove(to);
        const GArray *recs = http_browser_records(b);
        const GArray *pages = http_browser_pages(b);
        int64_t origin = pages->len ? g_array_index(pages, http_page, 0).start : 0;
        printf("%-3s %-6s %10s %5s %-6s %10s %10s %10s %10s  %s\n", "#", "status", "bytes", "conn",
               "reused", "connect_ms", "sent_ms", "first_ms", "last_ms", "url");
        for (guint i = 0; i < recs->len; i++) {
            const http_record *r = &g_array_index(recs, http_record, i);
            printf("%-3u %-6d %10" G_GUINT64_FORMAT " %5" G_GUINT64_FORMAT " %-6s %10.3f %10.3f "
                   "%10.3f %10.3f  %s%s%s\n",
                   r->index, r->status, r->bytes, r->conn, r->reused ? "yes" : "no",
                   ms_of(r->connect_start, origin), ms_of(r->request_sent, origin),
                   ms_of(r->first_byte, origin), ms_of(r->last_byte, origin), r->url,
                   r->error ? "  error: " : "", r->error ? r->error : "");
            if (r->status == 0 || r->status >= 400)
                rc = EXIT_RUN;
        }
        if (!st.done) {
            fprintf(stderr, "appsim http get: timed out after %d s\n", timeout_s);
            rc = EXIT_RUN;
        } else {
            const http_page *pg = &g_array_index(pages, http_page, 0);
            printf("page: %u objects, %u connections, %" G_GUINT64_FORMAT " bytes, loaded in %.3f ms (%s, HTTP/1.%d)\n",
                   pg->objects, pg->connections, pg->bytes, ms_of(pg->end, pg->start),
                   browser_mode_name(bc.mode), bc.version == 10 ? 0 : 1);
        }
    }
    http_browser_free(b);
    real_host_run_until_idle(rh, 2 * INT64_C(1000000000)); /* let closes finish */
    real_host_free(rh);
    g_main_loop_unref(st.loop);
    g_free(user);
    g_free(proxy);
    g_free(u);
    g_free(pw);
    g_free(ph);
    g_free(pp);
    return rc;
}

int cmd_http(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fprintf(argc < 2 ? stderr : stdout,
                "usage: appsim http serve --root DIR [--port P] [--writable] [--name HOST] ...\n"
                "       appsim http get [--http1.0] [--persistent|--pipeline] [--parallel N] URL...\n"
                "       appsim http proxy [--port P] [--capacity SIZE] [--policy lru|lfu|fifo]\n"
                "                         [--max-object SIZE] [--upstream-timeout S] [--allow HOST[:PORT]]...\n"
                "appsim http serve --help, get --help and proxy --help list the options.\n");
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    if (!strcmp(argv[1], "serve"))
        return cmd_serve(argc - 1, argv + 1);
    if (!strcmp(argv[1], "get"))
        return cmd_get(argc - 1, argv + 1);
    if (!strcmp(argv[1], "proxy"))
        return cmd_proxy(argc - 1, argv + 1);
    fprintf(stderr, "appsim http: unknown command \"%s\" (serve, get, proxy)\n", argv[1]);
    return EXIT_USAGE;
}

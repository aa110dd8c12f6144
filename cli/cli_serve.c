/* cli_serve: what the commands serving on real sockets share
 * (cli_serve.h). */
#include "cli_serve.h"

#include <gio/gio.h>
#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

const char *cli_check_serve(int port, int timeout_s, const char *bind, gboolean allow_remote)
{
    if (port < 0 || port > 65535)
        return "--port expects 0 (any free port) to 65535";
    if (timeout_s < 0)
        return "--timeout must not be negative";
    return cli_check_bind(bind, allow_remote);
}

bool cli_is_loopback(const char *addr)
{
    GInetAddress *a = g_inet_address_new_from_string(addr);
    bool lo = a && g_inet_address_get_is_loopback(a);
    if (a)
        g_object_unref(a);
    return lo;
}

bool cli_peer_is_loopback(stream_t *s)
{
    stream_addr a;
    return stream_peer_addr(s, &a) && cli_is_loopback(a.host);
}

const char *cli_check_bind(const char *bind, gboolean allow_remote)
{
    if (bind && !allow_remote && !cli_is_loopback(bind))
        return "--bind to an address other than loopback needs --allow-remote as well";
    if (allow_remote && !bind)
        return "--allow-remote goes with --bind ADDR";
    return NULL;
}

bool cli_set_bind(real_host_t *rh, const char *cmd, const char *bind)
{
    GError *err = NULL;
    if (real_host_set_bind_address(rh, bind ? bind : "127.0.0.1", &err))
        return true;
    fprintf(stderr, "appsim %s: --bind: %s\n", cmd, err->message);
    g_error_free(err);
    return false;
}

int cli_listen(real_host_t *rh, const char *cmd, const char *bind, int port, stream_accept_fn accept, void *ud,
               host_listener **out)
{
    *out = NULL;
    if (!cli_set_bind(rh, cmd, bind))
        return CLI_EXIT_USAGE;
    GError *err = NULL;
    *out = host_listen(real_host_env(rh), (uint16_t)port, accept, ud, &err);
    if (*out)
        return CLI_EXIT_OK;
    fprintf(stderr, "appsim %s: cannot listen on %s:%d: %s\n", cmd, bind ? bind : "127.0.0.1", port,
            err ? err->message : "failed");
    g_clear_error(&err);
    return CLI_EXIT_RUN;
}

void cli_turn_away(stream_t *s, const char *line)
{
    stream_set_handler(s, NULL, NULL);
    stream_write(s, line, strlen(line));
    stream_close(s);
}

void cli_shutdown_all(GPtrArray *conns, real_host_t *rh, void (*shutdown)(void *conn), void (*release)(void *conn))
{
    GPtrArray *all = g_ptr_array_copy(conns, NULL, NULL);
    for (guint i = 0; i < all->len; i++) {
        void *c = g_ptr_array_index(all, i);
        if (g_ptr_array_find(conns, c, NULL)) /* not freed by an earlier shutdown */
            shutdown(c);
    }
    g_ptr_array_free(all, TRUE);
    if (conns->len)
        real_host_run_until_idle(rh, 2 * INT64_C(1000000000));
    while (conns->len)
        release(g_ptr_array_index(conns, conns->len - 1));
}

char *cli_host_port(const char *bind, unsigned port)
{
    const char *addr = bind ? bind : "127.0.0.1";
    bool v6 = strchr(addr, ':') != NULL;
    return g_strdup_printf("%s%s%s:%u", v6 ? "[" : "", addr, v6 ? "]" : "", port);
}

gboolean cli_quit_loop(gpointer ud)
{
    g_main_loop_quit(ud);
    return G_SOURCE_CONTINUE;
}

void cli_serve_until_stopped(int timeout_s)
{
    GMainLoop *loop = g_main_loop_new(NULL, FALSE);
    guint s1 = g_unix_signal_add(SIGINT, cli_quit_loop, loop);
    guint s2 = g_unix_signal_add(SIGTERM, cli_quit_loop, loop);
    guint s3 = timeout_s > 0 ? g_timeout_add_seconds((guint)timeout_s, cli_quit_loop, loop) : 0;
    g_main_loop_run(loop);
    g_source_remove(s1);
    g_source_remove(s2);
    if (s3)
        g_source_remove(s3);
    g_main_loop_unref(loop);
}

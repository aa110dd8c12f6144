/*
 * mail_cmd: `appsim mail send`, a user agent on real sockets (Alice's, in
 * Kurose & Ross 2.3): it builds one MIME message (mail_compose.h) and
 * submits it over SMTP (smtp_conn.h on hostio/real_host) to one server,
 * then prints the server's reply to each recipient and to the message.
 *
 *   appsim mail send --from ADDR --to ADDR [--to ADDR]... [--cc ADDR]...
 *                    [--bcc ADDR]... [--subject TEXT]
 *                    [--body TEXT | --body-file FILE] [--attach FILE]...
 *                    [--encoding auto|7bit|8bit|quoted-printable|base64]
 *                    [--server HOST[:PORT]] [--helo NAME] [--timeout S]
 *                    [--dry-run | --output FILE]
 *
 * Exit status: 0 the message was accepted for every recipient; 1 a
 * recipient or the message was refused, or the connection failed or timed
 * out; 2 bad usage (an option, an address, a file that cannot be read).
 * docs/mail.md, "appsim mail send".
 */
#include "mail_cmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_serve.h"
#include "hostio/real_host.h"
#include "mail_compose.h"
#include "mail_read.h"
#include "protocols/smtp/smtp_conn.h"

enum { EXIT_OK = CLI_EXIT_OK, EXIT_RUN = CLI_EXIT_RUN, EXIT_USAGE = CLI_EXIT_USAGE };

/* The most bytes `send` reads from files (the body and the attachments
 * together): a bound on its memory, well above the 10 MB most servers take. */
#define SEND_MAX_INPUT ((gsize)64 << 20)

typedef struct {
    gchar *from, *subject, *body, *body_file, *encoding, *server, *helo, *output;
    gchar **to, **cc, **bcc, **attach;
    gint timeout_s;
    gboolean dry_run;
} send_opts;

static void send_opts_clear(send_opts *o)
{
    g_free(o->from);
    g_free(o->subject);
    g_free(o->body);
    g_free(o->body_file);
    g_free(o->encoding);
    g_free(o->server);
    g_free(o->helo);
    g_free(o->output);
    g_strfreev(o->to);
    g_strfreev(o->cc);
    g_strfreev(o->bcc);
    g_strfreev(o->attach);
}

/* "host", "host:port", "[v6]" or "[v6]:port" into host (new) and port. */
static bool parse_server(const char *s, char **host, uint16_t *port)
{
    const char *colon = NULL, *h = s, *hend;
    if (s[0] == '[') {
        const char *rb = strchr(s, ']');
        if (!rb || (rb[1] && rb[1] != ':'))
            return false;
        h = s + 1;
        hend = rb;
        colon = rb[1] ? rb + 1 : NULL;
    } else {
        colon = strrchr(s, ':');
        if (colon && strchr(s, ':') != colon)
            return false; /* a bare IPv6 literal needs its brackets */
        hend = colon ? colon : s + strlen(s);
    }
    if (hend == h)
        return false;
    *port = 25;
    if (colon) {
        char *end = NULL;
        long p = strtol(colon + 1, &end, 10);
        if (!colon[1] || *end || p < 1 || p > 65535)
            return false;
        *port = (uint16_t)p;
    }
    *host = g_strndup(h, (gsize)(hend - h));
    return true;
}

/* Reads a file of at most `room` bytes; false with a message. */
static bool read_input(const char *path, gchar **data, gsize *len, gsize *room)
{
    GError *err = NULL;
    if (!g_file_get_contents(path, data, len, &err)) {
        fprintf(stderr, "appsim mail send: %s\n", err->message);
        g_error_free(err);
        return false;
    }
    if (*len > *room) {
        fprintf(stderr, "appsim mail send: %s: the files together exceed %" G_GSIZE_FORMAT " bytes\n", path,
                SEND_MAX_INPUT);
        g_free(*data);
        *data = NULL;
        return false;
    }
    *room -= *len;
    return true;
}

/* Builds the message from the options (files read here); NULL after a
 * message on stderr. */
static GByteArray *build_message(const send_opts *o, mime_cte cte)
{
    gsize room = SEND_MAX_INPUT;
    gchar *body = NULL;
    gsize body_len = 0;
    if (o->body_file && !read_input(o->body_file, &body, &body_len, &room))
        return NULL;
    guint n = o->attach ? g_strv_length(o->attach) : 0;
    mail_attachment *att = g_new0(mail_attachment, n + 1);
    gchar **blobs = g_new0(gchar *, n + 1);
    gchar **names = g_new0(gchar *, n + 1);
    bool ok = true;
    for (guint i = 0; i < n && ok; i++) {
        gsize len = 0;
        ok = read_input(o->attach[i], &blobs[i], &len, &room);
        names[i] = g_path_get_basename(o->attach[i]);
        att[i] = (mail_attachment){names[i], NULL, (const uint8_t *)blobs[i], len};
    }
    GByteArray *msg = NULL;
    if (ok) {
        GDateTime *now = g_date_time_new_now_local();
        mail_compose_input in = {
            .from = o->from, .to = (const char *const *)o->to, .cc = (const char *const *)o->cc,
            .subject = o->subject, .body = o->body_file ? body : o->body,
            .body_len = o->body_file ? body_len : (o->body ? strlen(o->body) : 0), .encoding = cte,
            .attach = att, .n_attach = n, .date_unix_s = g_date_time_to_unix(now),
            .tz_minutes = (int)(g_date_time_get_utc_offset(now) / G_TIME_SPAN_MINUTE),
            .id_seed = ((uint64_t)g_random_int() << 32) ^ (uint64_t)g_get_real_time()};
        g_date_time_unref(now);
        GError *err = NULL;
        msg = mail_compose_build(&in, &err);
        if (!msg) {
            fprintf(stderr, "appsim mail send: %s\n", err->message);
            g_error_free(err);
        }
    }
    g_strfreev(blobs);
    g_strfreev(names);
    g_free(att);
    g_free(body);
    return msg;
}

/* The envelope: the sender's address, every To, Cc and Bcc address. */
static smtp_envelope *make_envelope(const send_opts *o)
{
    char *display, *addr;
    if (!mail_address_parse(o->from, &display, &addr, NULL))
        return NULL;
    smtp_envelope *env = smtp_envelope_new(addr);
    g_free(display);
    g_free(addr);
    gchar **lists[] = {o->to, o->cc, o->bcc};
    for (size_t k = 0; k < G_N_ELEMENTS(lists); k++)
        for (gchar **p = lists[k]; p && *p; p++) {
            if (!mail_address_parse(*p, &display, &addr, NULL)) {
                smtp_envelope_free(env);
                return NULL;
            }
            smtp_envelope_add_rcpt(env, addr);
            g_free(display);
            g_free(addr);
        }
    return env;
}

typedef struct {
    GMainLoop *loop;
    const smtp_envelope *env;
    unsigned refused;      /* recipients refused */
    bool have_result, closed;
    smtp_result result;
} send_state;

/* A reply's lines joined with "\n", printed on one line. */
static void print_text(const char *text)
{
    for (const char *p = text ? text : ""; *p; p++)
        putchar(*p == '\n' || *p == '\r' ? ' ' : *p);
    putchar('\n');
}

static void on_event(void *ud, smtp_client_conn *c, const smtp_client_event *ev)
{
    (void)c;
    send_state *st = ud;
    if (ev->kind == SMTP_CLIENT_EV_RCPT) {
        const char *rcpt = ev->rcpt < st->env->forward_paths->len
                               ? g_ptr_array_index(st->env->forward_paths, ev->rcpt) : "?";
        if (ev->result != SMTP_RESULT_DELIVERED)
            st->refused++;
        printf("rcpt %s: %s %d ", rcpt, ev->result == SMTP_RESULT_DELIVERED ? "accepted" : "refused", ev->code);
        print_text(ev->text);
    } else if (ev->kind == SMTP_CLIENT_EV_MESSAGE) {
        st->have_result = true;
        st->result = ev->result;
        printf("message: %s %d ", smtp_result_name(ev->result), ev->code);
        print_text(ev->text);
    }
}

static void on_closed(void *ud, smtp_client_conn *c)
{
    (void)c;
    send_state *st = ud;
    st->closed = true;
    g_main_loop_quit(st->loop);
}

static const smtp_client_conn_handler send_handler = {.event = on_event, .closed = on_closed};

/* Submits the message; the exit status. */
static int submit(const send_opts *o, const char *host, uint16_t port, GByteArray *msg)
{
    smtp_envelope *env = make_envelope(o);
    smtp_envelope_set_data(env, msg->data, msg->len);
    real_host_t *rh = real_host_new(NULL, "mail-agent");
    real_host_set_connect_timeout(rh, (int64_t)o->timeout_s * 1000000000);
    send_state st = {.loop = g_main_loop_new(NULL, FALSE), .env = env};
    smtp_client_config cc = {.helo_domain = o->helo ? o->helo : "localhost"};
    GError *err = NULL;
    smtp_client_conn *conn = smtp_client_conn_new(real_host_env(rh), host, port, &cc, &send_handler, &st,
                                                  (int64_t)o->timeout_s * 1000000000, &err);
    int rc = EXIT_RUN;
    if (!conn) {
        fprintf(stderr, "appsim mail send: %s\n", err ? err->message : "cannot connect");
        g_clear_error(&err);
    } else {
        smtp_client_conn_add_message(conn, env);
        guint to = g_timeout_add_seconds((guint)o->timeout_s * 2, cli_quit_loop, st.loop);
        if (!st.closed)
            g_main_loop_run(st.loop);
        g_source_remove(to);
        if (!st.have_result)
            fprintf(stderr, "appsim mail send: no result from %s:%u within %d s\n", host, port, o->timeout_s * 2);
        else if (st.result == SMTP_RESULT_DELIVERED && st.refused == 0)
            rc = EXIT_OK;
        smtp_client_conn_free(conn);
        real_host_run_until_idle(rh, 2 * INT64_C(1000000000));
    }
    real_host_free(rh);
    g_main_loop_unref(st.loop);
    smtp_envelope_free(env);
    return rc;
}

/* Writes the message to --output ("-": stdout). */
static int write_message(const char *path, const GByteArray *msg)
{
    if (!path || strcmp(path, "-") == 0) {
        fwrite(msg->data, 1, msg->len, stdout);
        return fflush(stdout) == 0 ? EXIT_OK : EXIT_RUN;
    }
    GError *err = NULL;
    if (!g_file_set_contents(path, (const char *)msg->data, (gssize)msg->len, &err)) {
        fprintf(stderr, "appsim mail send: %s\n", err->message);
        g_error_free(err);
        return EXIT_RUN;
    }
    return EXIT_OK;
}

/* Checks what the options alone can tell; NULL when they are usable,
 * else the problem. */
static const char *check_opts(const send_opts *o, int argc, mime_cte *cte, char **host, uint16_t *port)
{
    if (argc > 1)
        return "unexpected argument (recipients are given with --to, --cc, --bcc)";
    if (!o->from)
        return "--from ADDR is required";
    if (!(o->to && o->to[0]) && !(o->cc && o->cc[0]) && !(o->bcc && o->bcc[0]))
        return "at least one recipient is needed (--to, --cc or --bcc)";
    if (o->body && o->body_file)
        return "give --body or --body-file, not both";
    if ((o->subject && !g_utf8_validate(o->subject, -1, NULL)) || (o->body && !g_utf8_validate(o->body, -1, NULL)))
        return "--subject and --body must be UTF-8";
    if (o->dry_run && o->output)
        return "give --dry-run or --output, not both";
    if (o->encoding && !mail_encoding_parse(o->encoding, cte))
        return "--encoding expects auto, 7bit, 8bit, quoted-printable or base64";
    for (const char *p = o->helo; p && *p; p++)
        if (!g_ascii_isalnum(*p) && !strchr(".-[]:_", *p))
            return "--helo expects a domain name or an address literal";
    if (o->helo && (!o->helo[0] || strlen(o->helo) > 255))
        return "--helo expects a domain name of 1 to 255 characters";
    if (o->timeout_s <= 0 || o->timeout_s > 3600)
        return "--timeout expects seconds from 1 to 3600";
    if (!parse_server(o->server ? o->server : "127.0.0.1:25", host, port))
        return "--server expects HOST, HOST:PORT or [IPv6]:PORT";
    return NULL;
}

/* Every address typed parses (the builder checks To and Cc again). */
static bool check_addresses(const send_opts *o)
{
    gchar *from1[] = {o->from, NULL};
    gchar **lists[] = {from1, o->to, o->cc, o->bcc};
    for (size_t k = 0; k < G_N_ELEMENTS(lists); k++)
        for (gchar **p = lists[k]; p && *p; p++) {
            char *d, *a;
            GError *err = NULL;
            if (!mail_address_parse(*p, &d, &a, &err)) {
                fprintf(stderr, "appsim mail send: %s\n", err->message);
                g_error_free(err);
                return false;
            }
            g_free(d);
            g_free(a);
        }
    return true;
}

static int cmd_send(int argc, char **argv)
{
    send_opts o = {.timeout_s = 60};
    /* Texts are taken as FILENAME arguments: as typed, without GLib's
     * conversion from the locale's charset (which fails on UTF-8 in the C
     * locale); the builder checks they are UTF-8. */
    GOptionEntry entries[] = {
        {"from", 'f', 0, G_OPTION_ARG_FILENAME, &o.from, "The sender: From and MAIL FROM", "ADDR"},
        {"to", 't', 0, G_OPTION_ARG_FILENAME_ARRAY, &o.to, "A recipient (repeatable)", "ADDR"},
        {"cc", 'c', 0, G_OPTION_ARG_FILENAME_ARRAY, &o.cc, "A copy recipient, listed in Cc (repeatable)", "ADDR"},
        {"bcc", 'b', 0, G_OPTION_ARG_FILENAME_ARRAY, &o.bcc, "A blind copy recipient, in the envelope only (repeatable)",
         "ADDR"},
        {"subject", 's', 0, G_OPTION_ARG_FILENAME, &o.subject, "The Subject (UTF-8)", "TEXT"},
        {"body", 0, 0, G_OPTION_ARG_FILENAME, &o.body, "The text of the message (UTF-8)", "TEXT"},
        {"body-file", 0, 0, G_OPTION_ARG_FILENAME, &o.body_file, "Read the text of the message from a file", "FILE"},
        {"attach", 'a', 0, G_OPTION_ARG_FILENAME_ARRAY, &o.attach,
         "Attach a file in base64, its type from its extension (repeatable)", "FILE"},
        {"encoding", 'e', 0, G_OPTION_ARG_STRING, &o.encoding,
         "The text's transfer encoding: auto (default: 7bit, or quoted-printable when needed), 7bit, 8bit, "
         "quoted-printable, base64", "E"},
        {"server", 'S', 0, G_OPTION_ARG_STRING, &o.server, "The SMTP server (default 127.0.0.1:25)", "HOST[:PORT]"},
        {"helo", 0, 0, G_OPTION_ARG_STRING, &o.helo, "The name given in EHLO (default localhost)", "NAME"},
        {"timeout", 0, 0, G_OPTION_ARG_INT, &o.timeout_s,
         "Give up on a server silent for S seconds; the whole submission gets 2 x S (default 60)", "S"},
        {"dry-run", 'n', 0, G_OPTION_ARG_NONE, &o.dry_run, "Print the message instead of sending it", NULL},
        {"output", 'o', 0, G_OPTION_ARG_FILENAME, &o.output, "Write the message to FILE instead of sending it",
         "FILE"},
        {NULL, 0, 0, 0, NULL, NULL, NULL}};
    GOptionContext *ctx = g_option_context_new("- build a MIME message and submit it over SMTP");
    g_option_context_set_description(
        ctx, "Exit status: 0 every recipient and the message accepted; 1 a refusal, or the connection\n"
             "failed or timed out; 2 bad usage. docs/mail.md, \"appsim mail send\".\n");
    g_option_context_add_main_entries(ctx, entries, NULL);
    int rc;
    if (!cli_parse(ctx, "mail send", &argc, &argv, &rc)) {
        send_opts_clear(&o);
        return rc;
    }
    mime_cte cte = MIME_CTE_UNKNOWN;
    char *host = NULL;
    uint16_t port = 25;
    const char *problem = check_opts(&o, argc, &cte, &host, &port);
    if (problem) {
        rc = cli_usage_error(ctx, "mail send", problem);
        send_opts_clear(&o);
        return rc;
    }
    g_option_context_free(ctx);
    GByteArray *msg = check_addresses(&o) ? build_message(&o, cte) : NULL;
    if (!msg)
        rc = EXIT_USAGE;
    else if (o.dry_run || o.output)
        rc = write_message(o.output, msg);
    else
        rc = submit(&o, host, port, msg);
    if (msg)
        g_byte_array_free(msg, TRUE);
    g_free(host);
    send_opts_clear(&o);
    return rc;
}

int cmd_mail(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fprintf(argc < 2 ? stderr : stdout,
                "usage: appsim mail send --from ADDR --to ADDR... [--cc ADDR]... [--subject TEXT]\n"
                "                        [--body TEXT | --body-file FILE] [--attach FILE]...\n"
                "                        [--server HOST[:PORT]] [--dry-run | --output FILE]\n"
                "       appsim mail read pop3://USER@HOST[:PORT] | imap://USER@HOST[:PORT][/FOLDER] [OPTIONS]\n"
                "appsim mail send --help and appsim mail read --help list the options.\n");
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    if (!strcmp(argv[1], "send"))
        return cmd_send(argc - 1, argv + 1);
    if (!strcmp(argv[1], "read"))
        return cmd_mail_read(argc - 1, argv + 1);
    fprintf(stderr, "appsim mail: unknown command \"%s\" (send, read)\n", argv[1]);
    return EXIT_USAGE;
}

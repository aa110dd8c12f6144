/*
 * Fuzz target ftp_server: the FTP server core
 * (protocols/ftp/ftp_server_core.c) over an in-memory store, on whatever a
 * client may send on the control connection.
 *
 * Input: one setup byte, then the client's bytes. The setup byte's low
 * bit chooses the login rules (0: anonymous read-only; 1: anonymous may
 * write), its high four bits plus 2 the size of the pieces of the third
 * replay. A scripted glue answers every action at once: a listener on
 * 10.0.0.1 port 5001 that is connected to at once, active connections
 * that succeed, data pulled as soon as it is offered, and after every
 * command the bytes "ab\r\ncd" then the end of the data connection (so
 * STOR and APPE complete). The peer is 10.0.0.2; user "bob" has password
 * "secret".
 *
 * Pieces never span a line end (a real client cannot know when the server
 * has finished a transfer, so where a command lands relative to a
 * transfer is the glue's timing, not the parser's): the input is replayed
 * a line per call, a byte per call, and in pieces cut at line ends.
 *
 * Invariants, beyond "no crash, no leak, no undefined behaviour":
 *  - the replies, actions and data bytes are the same in all three;
 *  - everything written parses as well-formed FTP replies (ftp_codec),
 *    the first being 220;
 *  - after CLOSE nothing more is written.
 */
#include <glib.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/fuzz_check.h"
#include "protocols/ftp/ftp_codec.h"
#include "protocols/ftp/ftp_server_core.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool check_user(void *ud, const char *user, const char *pass)
{
    (void)ud;
    return strcmp(user, "bob") == 0 && strcmp(pass, "secret") == 0;
}

typedef struct {
    ftp_server_core *s;
    GString *log;
    bool closed;
} session;

static void take_output(session *x)
{
    size_t len;
    const uint8_t *o = ftp_server_core_output(x->s, &len);
    FUZZ_CHECK(!x->closed || len == 0, "output after CLOSE");
    g_string_append_len(x->log, (const char *)o, (gssize)len);
    ftp_server_core_consume(x->s, len);
}

/* Answers every action the way the scripted glue does. */
static void actions(session *x)
{
    ftp_server_action a;
    for (int guard = 0; guard < 1000 && ftp_server_core_next_action(x->s, &a); guard++) {
        take_output(x);
        g_string_append_printf(x->log, "<A%d>", (int)a.kind);
        if (a.kind == FTP_SERVER_DATA_LISTEN) {
            ftp_hostport hp = {.host = "10.0.0.1", .port = 5001, .family = 1};
            ftp_server_core_data_listening(x->s, &hp);
            ftp_server_core_data_connected(x->s);
        } else if (a.kind == FTP_SERVER_DATA_CONNECT) {
            ftp_server_core_data_connected(x->s);
        } else if (a.kind == FTP_SERVER_DATA_SEND) {
            size_t len;
            const uint8_t *p;
            for (int g2 = 0; g2 < 100000 && (p = ftp_server_core_data_output(x->s, &len), len > 0); g2++) {
                g_string_append(x->log, "<D>");
                g_string_append_len(x->log, (const char *)p, (gssize)len);
                ftp_server_core_data_consume(x->s, len);
            }
        } else if (a.kind == FTP_SERVER_CLOSE) {
            take_output(x);
            x->closed = true;
        }
    }
    take_output(x);
}

/* One call's worth of bytes; the glue's round after a line end. */
static void feed(session *x, const uint8_t *p, size_t n)
{
    size_t off = 0;
    for (int guard = 0; off < n && guard < 100; guard++) {
        off += ftp_server_core_feed(x->s, p + off, n - off);
        take_output(x);
        actions(x);
        if (n > 0 && p[n - 1] == '\n') {
            ftp_server_core_data_received(x->s, (const uint8_t *)"ab\r\ncd", 6);
            ftp_server_core_data_eof(x->s);
            take_output(x);
            actions(x);
        }
    }
}

static char *replay(uint8_t setup, const uint8_t *data, size_t size, size_t piece)
{
    ftp_fs *fs = ftp_fs_new_memory(false);
    ftp_fs_memory_put(fs, "/pub/hello.txt", "hello\nworld\n", 12, 1700000000, NULL);
    ftp_fs_memory_put(fs, "/readme", "read me", 7, 1600000000, NULL);
    ftp_server_config cfg = {.check = check_user, .check_ud = NULL, .anonymous = true,
                             .anonymous_write = (setup & 1u) != 0, .max_bad = 0};
    session x = {.s = ftp_server_core_new(&cfg, fs, "10.0.0.2", 1700086400), .log = g_string_new(NULL)};
    take_output(&x);
    size_t off = 0;
    while (off < size) {
        size_t n = 0;
        while (off + n < size && (piece == 0 || n < piece)) {
            n++;
            if (data[off + n - 1] == '\n')
                break;
        }
        feed(&x, data + off, n);
        off += n;
    }
    ftp_server_core_closed(x.s);
    actions(&x);
    ftp_server_core_free(x.s);
    ftp_fs_free(fs);
    return g_string_free(x.log, FALSE);
}

/* The control bytes of a log (actions and data left out) parse as replies. */
static void check_replies(const char *log)
{
    GString *ctl = g_string_new(NULL);
    for (const char *p = log; *p;) {
        if (p[0] == '<' && (p[1] == 'A' || p[1] == 'D')) {
            const char *e = strchr(p, '>');
            if (p[1] == 'D') { /* data runs to the next marker */
                const char *n = e ? strstr(e + 1, "<A") : NULL;
                p = n ? n : p + strlen(p);
                continue;
            }
            p = e ? e + 1 : p + strlen(p);
            continue;
        }
        g_string_append_c(ctl, *p++);
    }
    ftp_reply_parser *rp = ftp_reply_parser_new();
    size_t off = 0;
    bool first = true;
    while (off < ctl->len) {
        ftp_reply_status st;
        off += ftp_reply_parser_feed(rp, (const uint8_t *)ctl->str + off, ctl->len - off, &st);
        FUZZ_CHECK(st != FTP_REPLY_ERROR, "server wrote a malformed reply: %s", ftp_reply_parser_error(rp));
        if (st == FTP_REPLY_COMPLETE && first) {
            FUZZ_CHECK(ftp_reply_parser_reply(rp)->code == 220, "first reply is not 220");
            first = false;
        }
    }
    ftp_reply_parser_free(rp);
    g_string_free(ctl, TRUE);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 8192)
        return 0;
    uint8_t setup = data[0];
    size_t piece = (size_t)(setup >> 4) + 2;
    data++;
    size--;
    char *lines = replay(setup, data, size, 0);
    char *bytes = replay(setup, data, size, 1);
    char *pieces = replay(setup, data, size, piece);
    FUZZ_CHECK(strcmp(lines, bytes) == 0, "a line per call and a byte per call differ");
    FUZZ_CHECK(strcmp(lines, pieces) == 0, "a line per call and pieces differ");
    if (!strstr(lines, "<D>"))
        check_replies(lines);
    g_free(lines);
    g_free(bytes);
    g_free(pieces);
    return 0;
}

/*
 * Fuzz target ftp_client: the FTP client core
 * (protocols/ftp/ftp_client_core.c) on whatever a server may send on the
 * control connection, with a glue that answers every action at once.
 *
 * Input: one setup byte, then the bytes the server sends. The setup
 * byte's bits: 0 active mode (else passive), 1 TYPE A with CRLF to LF,
 * 2 every data connection fails, 3 a file limit of 4 bytes, 4 the get
 * restarts at byte 10; bits 5 to 7 the size of the third replay's
 * pieces (2 to 9). The operations are one of each kind.
 *
 * The glue: DATA_CONNECT and DATA_LISTEN are answered (connected, or
 * listening at 10.0.0.1:6000 and connected) and the data connection then
 * brings "hello\r\nworld\r\n" and its end; DATA_SEND is written in full.
 * When the glue answers depends on how the control bytes were split, so
 * the log compares what does not: the commands, each operation's start,
 * preliminary and final codes, and the session's result.
 *
 * Invariants, beyond "no crash, no leak, no undefined behaviour":
 *  - the commands and that log are the same fed whole, one byte per
 *    call, and in pieces;
 *  - every command written is a line of printable bytes ending CRLF;
 *  - no file delivered is over the limit;
 *  - exactly one DONE event after ftp_client_core_closed(), and nothing
 *    written after it.
 */
#include <glib.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/fuzz_check.h"
#include "protocols/ftp/ftp_client_core.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct {
    GString *out, *log;
    int done;
    bool fail_data;
    uint64_t max;
} replay_log;

static const char payload[] = "hello\r\nworld\r\n";

static void glue(ftp_client_core *c, replay_log *r)
{
    ftp_client_action a;
    while (ftp_client_core_next_action(c, &a)) {
        if (a.kind == FTP_CLIENT_ACT_DATA_SEND) {
            size_t n;
            while (ftp_client_core_data_out(c, &n), n > 0)
                ftp_client_core_data_written(c, MIN(n, 3));
            continue;
        }
        if (a.kind == FTP_CLIENT_ACT_DATA_CLOSE)
            continue;
        if (r->fail_data) {
            ftp_client_core_data_failed(c, "refused");
            continue;
        }
        if (a.kind == FTP_CLIENT_ACT_DATA_LISTEN)
            ftp_client_core_data_listening(c, "10.0.0.1", 6000);
        ftp_client_core_data_connected(c);
        ftp_client_core_data_received(c, (const uint8_t *)payload, sizeof payload - 1);
        ftp_client_core_data_eof(c);
    }
}

static void drain(ftp_client_core *c, replay_log *r)
{
    glue(c, r);
    size_t n;
    const uint8_t *o = ftp_client_core_output(c, &n);
    if (r->done)
        FUZZ_CHECK(n == 0, "output after DONE");
    g_string_append_len(r->out, (const char *)o, (gssize)n);
    ftp_client_core_consume(c, n);
    ftp_client_event ev;
    while (ftp_client_core_next_event(c, &ev)) {
        switch (ev.kind) {
        case FTP_CLIENT_EV_OP_STARTED: g_string_append_printf(r->log, "s%zu;", ev.op); break;
        case FTP_CLIENT_EV_OP_PRELIM: g_string_append_printf(r->log, "p%d;", ev.code); break;
        case FTP_CLIENT_EV_OP_COMPLETED:
        case FTP_CLIENT_EV_OP_FAILED:
            g_string_append_printf(r->log, "%c%d;", ev.kind == FTP_CLIENT_EV_OP_COMPLETED ? 'c' : 'f', ev.code);
            if (ev.data && ev.op_kind == FTP_OP_GET) /* a listing has its own limit */
                FUZZ_CHECK(g_bytes_get_size(ev.data) <= r->max, "a file over the limit");
            break;
        case FTP_CLIENT_EV_DONE:
            r->done++;
            g_string_append_printf(r->log, "done:%s:%s", ftp_client_result_name(ev.result),
                                   ev.text && strstr(ev.text, "ahead") ? "ahead" : "");
            break;
        default: break;
        }
        ftp_client_event_clear(&ev);
    }
}

static void replay(const uint8_t *data, size_t size, size_t piece, const ftp_client_config *cfg, replay_log *r)
{
    r->out = g_string_new(NULL);
    r->log = g_string_new(NULL);
    r->done = 0;
    ftp_client_core *c = ftp_client_core_new(cfg);
    ftp_client_core_set_peer(c, "10.0.0.2");
    drain(c, r);
    for (size_t off = 0; off < size; off += piece) {
        size_t n = MIN(piece, size - off);
        uint8_t *copy = g_memdup2(data + off, n);
        FUZZ_CHECK(ftp_client_core_feed(c, copy, n) == n, "not all consumed");
        g_free(copy);
        drain(c, r);
    }
    ftp_client_core_closed(c, "end of input");
    drain(c, r);
    FUZZ_CHECK(r->done == 1, "%d DONE events", r->done);
    FUZZ_CHECK(ftp_client_core_done(c), "not done after closed()");
    ftp_client_core_free(c);
}

static void check_commands(const GString *out)
{
    for (size_t i = 0; i < out->len; i++) {
        unsigned char ch = (unsigned char)out->str[i];
        if (ch == '\r') {
            FUZZ_CHECK(i + 1 < out->len && out->str[i + 1] == '\n', "a bare CR in a command");
            i++;
            continue;
        }
        FUZZ_CHECK(ch >= 0x20 && ch < 0x7f, "byte %u in a command", ch);
    }
    FUZZ_CHECK(out->len == 0 || g_str_has_suffix(out->str, "\r\n"), "a command without CRLF");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t b = data[0];
    static const uint8_t up[] = "put data\r\n";
    ftp_client_op ops[] = {
        {.kind = FTP_OP_GET, .path = "f", .offset = (b & 16) ? 10 : 0},
        {.kind = FTP_OP_PUT, .path = "up", .data = up, .size = sizeof up - 1},
        {.kind = FTP_OP_PUT, .path = "log", .size = 5, .append = true},
        {.kind = FTP_OP_LIST, .path = "/pub"},
        {.kind = FTP_OP_LIST, .names = true},
        {.kind = FTP_OP_SIZE, .path = "f"},
        {.kind = FTP_OP_MDTM, .path = "f"},
        {.kind = FTP_OP_CWD, .path = "pub"},
        {.kind = FTP_OP_PWD},
        {.kind = FTP_OP_MKD, .path = "d"},
        {.kind = FTP_OP_RMD, .path = "d"},
        {.kind = FTP_OP_DELE, .path = "x"},
        {.kind = FTP_OP_RENAME, .path = "a", .path2 = "b"},
        {.kind = FTP_OP_NOOP},
    };
    ftp_client_config cfg = {.user = "bob", .password = "secret", .active = (b & 1) != 0, .ascii = (b & 2) != 0,
                             .ascii_to_lf = true, .max_file_size = (b & 8) ? 4 : 0, .ops = ops,
                             .n_ops = G_N_ELEMENTS(ops)};
    size_t piece = 2 + (b >> 5);
    data++;
    size--;
    replay_log whole = {.fail_data = (b & 4) != 0, .max = (b & 8) ? 4 : FTP_CLIENT_DEFAULT_MAX_FILE};
    replay_log bytes = whole, pieces = whole;
    replay(data, size, MAX(size, 1), &cfg, &whole);
    replay(data, size, 1, &cfg, &bytes);
    replay(data, size, piece, &cfg, &pieces);
    /* Replies ahead of their commands beyond the bound fail the session
     * only when they arrive together: that one outcome depends on the
     * split. */
    bool ahead = strstr(whole.log->str, "ahead") || strstr(bytes.log->str, "ahead") ||
                 strstr(pieces.log->str, "ahead");
    if (!ahead)
        FUZZ_CHECK(g_string_equal(whole.out, bytes.out) && g_string_equal(whole.log, bytes.log),
               "whole and byte by byte differ:\n%s\n%s", whole.log->str, bytes.log->str);
    if (!ahead)
        FUZZ_CHECK(g_string_equal(whole.out, pieces.out) && g_string_equal(whole.log, pieces.log),
               "whole and pieces of %zu differ", piece);
    check_commands(whole.out);
    replay_log *all[] = {&whole, &bytes, &pieces};
    for (size_t i = 0; i < 3; i++) {
        g_string_free(all[i]->out, TRUE);
        g_string_free(all[i]->log, TRUE);
    }
    return 0;
}

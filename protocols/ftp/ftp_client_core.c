/*
 * ftp_client_core: the FTP client session (see ftp_client_core.h for the
 * dialogue, the actions, the events and the limits).
 *
 * Structure. The server's bytes go through the codec's reply parser;
 * every complete reply is queued (at most FTP_CLIENT_MAX_PENDING) and
 * handed to the handler of the state only while a command awaits its
 * answer, so that replies sent ahead (or while the glue sets up a data
 * connection) are read in order. A transfer keeps three facts apart: the
 * preliminary reply, the final reply and the data connection's end;
 * check_xfer ends the operation once the last of them has come. A reply
 * the parser rejects is queued too, as a failure in its place. Every
 * public entry point ends with pump(), which hands out queued replies;
 * handlers never call pump, so nothing recurses.
 */
#include "ftp_client_core.h"

#include <stdarg.h>
#include <string.h>

#include "ftp_codec.h"

#define FTP_CLIENT_STATES(X)                                                                       \
    X(W_GREET, "GREET")   /* the greeting */                                                       \
    X(W_USER, "USER")                                                                              \
    X(W_PASS, "PASS")                                                                              \
    X(W_TYPE, "TYPE")                                                                              \
    X(W_EPSV, "EPSV")                                                                              \
    X(W_PASV, "PASV")                                                                              \
    X(W_EPRT, "EPRT")                                                                              \
    X(W_PORT, "PORT")                                                                              \
    X(W_REST, "REST")                                                                              \
    X(W_XFER, "XFER")     /* RETR, STOR, APPE, LIST, NLST */                                       \
    X(W_SIMPLE, "SIMPLE") /* one command, one reply */                                             \
    X(W_RNFR, "RNFR")                                                                              \
    X(W_RNTO, "RNTO")                                                                              \
    X(W_QUIT, "QUIT")                                                                              \
    X(W_GLUE, "GLUE")     /* no command out: the glue sets up a data connection */                 \
    X(W_DONE, "DONE")

typedef enum {
#define FTP_CLIENT_STATE_ENUM(name, text) name,
    FTP_CLIENT_STATES(FTP_CLIENT_STATE_ENUM)
#undef FTP_CLIENT_STATE_ENUM
} client_state;

/* The data connection of the running operation. */
typedef enum {
    D_NONE,       /* none wanted */
    D_CONNECTING, /* DATA_CONNECT given */
    D_LISTENING,  /* DATA_LISTEN given, address not yet known */
    D_LISTENED,   /* the listener's address is known */
    D_OPEN,       /* connected */
    D_DONE,       /* ended: eof, failed, or closed by us */
} data_state;

typedef struct {
    int code;
    char *text;
} pending_reply;

static const char *const op_names[] = {"get", "put", "list", "size", "mdtm", "cwd",
                                       "pwd", "mkd", "rmd",  "dele", "rename", "noop"};
static const char *const result_names[] = {"ok", "auth", "error", "protocol", "closed"};

struct ftp_client_core {
    char *user, *password;
    bool ascii, to_lf, active;
    uint64_t max_file;
    ftp_client_op *ops; /* copies; strings owned */
    size_t n_ops;
    char peer[46];

    client_state state;
    GByteArray *out;
    GQueue events;  /* of ftp_client_event * */
    GQueue actions; /* of ftp_client_action * */
    ftp_reply_parser *parser;
    GQueue pending; /* of pending_reply * */
    bool no_epsv, no_eprt;
    bool input_failed; /* the parser failed: the rest of the input is ignored */

    size_t cur; /* the running operation */
    ftp_client_op_stats st;
    bool prelim;
    int final_code; /* 0 until the transfer's final reply */
    char *final_text;
    data_state data;
    bool data_failed, sending, pending_cr, length_only;
    char *fail_why; /* the operation failed locally; awaiting the final reply */
    GByteArray *buf; /* what a get or list received */
    uint64_t received, put_off;
    ftp_hostport listen_hp;

    bool have_result;
    ftp_client_result result;
    char *result_text;
};

const char *ftp_client_op_name(ftp_client_op_kind k)
{
    return (unsigned)k < G_N_ELEMENTS(op_names) ? op_names[k] : "?";
}

const char *ftp_client_result_name(ftp_client_result r)
{
    return (unsigned)r < G_N_ELEMENTS(result_names) ? result_names[r] : "?";
}

static bool printable(const char *s)
{
    for (; s && *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return false;
    return true;
}

static const ftp_client_op *op(const ftp_client_core *c)
{
    return c->cur < c->n_ops ? &c->ops[c->cur] : NULL;
}

static void push_action(ftp_client_core *c, ftp_client_action_kind k, const char *host, uint16_t port)
{
    ftp_client_action *a = g_new0(ftp_client_action, 1);
    a->kind = k;
    if (host)
        g_strlcpy(a->host, host, sizeof a->host);
    a->port = port;
    g_queue_push_tail(&c->actions, a);
}

static ftp_client_event *push_event(ftp_client_core *c, ftp_client_event_kind k, int code, const char *text)
{
    ftp_client_event *e = g_new0(ftp_client_event, 1);
    e->kind = k;
    e->op = c->cur;
    e->op_kind = op(c) ? op(c)->kind : FTP_OP_NOOP;
    e->code = code;
    e->text = text ? g_strdup(text) : NULL;
    g_queue_push_tail(&c->events, e);
    return e;
}

static void send_cmd(ftp_client_core *c, client_state next, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
static void send_cmd(ftp_client_core *c, client_state next, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_byte_array_append(c->out, (const guint8 *)s, (guint)strlen(s));
    g_byte_array_append(c->out, (const guint8 *)"\r\n", 2);
    g_free(s);
    c->state = next;
}

static void close_data(ftp_client_core *c)
{
    if (c->data == D_LISTENED || c->data == D_OPEN || c->data == D_CONNECTING || c->data == D_LISTENING)
        push_action(c, FTP_CLIENT_ACT_DATA_CLOSE, NULL, 0);
    c->data = D_DONE;
}

static void reset_xfer(ftp_client_core *c)
{
    memset(&c->st, 0, sizeof c->st);
    c->prelim = false;
    c->final_code = 0;
    g_clear_pointer(&c->final_text, g_free);
    g_clear_pointer(&c->fail_why, g_free);
    c->data = D_NONE;
    c->data_failed = c->sending = c->pending_cr = c->length_only = false;
    if (c->buf)
        g_byte_array_set_size(c->buf, 0);
    c->received = c->put_off = 0;
}

static void finish(ftp_client_core *c, ftp_client_result r, const char *text)
{
    if (c->state == W_DONE)
        return;
    if (c->data != D_NONE && c->data != D_DONE)
        close_data(c);
    c->state = W_DONE;
    ftp_client_event *e = push_event(c, FTP_CLIENT_EV_DONE, 0, text);
    e->result = r;
    while (!g_queue_is_empty(&c->pending)) {
        pending_reply *p = g_queue_pop_head(&c->pending);
        g_free(p->text);
        g_free(p);
    }
}

/* The session's outcome is decided; QUIT is sent and its answer ends it. */
static void quit_with(ftp_client_core *c, ftp_client_result r, const char *text)
{
    if (!c->have_result) {
        c->have_result = true;
        c->result = r;
        c->result_text = g_strdup(text);
    }
    send_cmd(c, W_QUIT, "QUIT");
}

static void start_op(ftp_client_core *c);

static void op_end(ftp_client_core *c, bool ok, int code, const char *text)
{
    if (c->data != D_NONE && c->data != D_DONE)
        close_data(c);
    ftp_client_event *e = push_event(c, ok ? FTP_CLIENT_EV_OP_COMPLETED : FTP_CLIENT_EV_OP_FAILED, code, text);
    e->stats = c->st;
    const ftp_client_op *o = op(c);
    if (ok && o && (o->kind == FTP_OP_GET || o->kind == FTP_OP_LIST) && !c->length_only) {
        if (c->pending_cr)
            g_byte_array_append(c->buf, (const guint8 *)"\r", 1);
        e->data = g_bytes_new(c->buf->data, c->buf->len);
    }
    reset_xfer(c);
    c->cur++;
    start_op(c);
}

static bool has_data(const ftp_client_op *o)
{
    return o->kind == FTP_OP_GET || o->kind == FTP_OP_PUT || o->kind == FTP_OP_LIST;
}

/* The data connection is on its way: REST when asked for, else the
 * transfer command. */
static void send_transfer(ftp_client_core *c)
{
    const ftp_client_op *o = op(c);
    if (c->data_failed) {
        op_end(c, false, 0, "data connection failed");
        return;
    }
    if (o->kind == FTP_OP_GET && o->offset > 0 && c->state != W_REST) {
        send_cmd(c, W_REST, "REST %" G_GUINT64_FORMAT, o->offset);
        return;
    }
    if (o->kind == FTP_OP_GET)
        send_cmd(c, W_XFER, "RETR %s", o->path);
    else if (o->kind == FTP_OP_PUT)
        send_cmd(c, W_XFER, "%s %s", o->append ? "APPE" : "STOR", o->path);
    else if (o->path && *o->path)
        send_cmd(c, W_XFER, "%s %s", o->machine ? "MLSD" : o->names ? "NLST" : "LIST", o->path);
    else
        send_cmd(c, W_XFER, "%s", o->machine ? "MLSD" : o->names ? "NLST" : "LIST");
}

static void begin_data(ftp_client_core *c)
{
    if (c->active) {
        c->data = D_LISTENING;
        c->state = W_GLUE;
        push_action(c, FTP_CLIENT_ACT_DATA_LISTEN, NULL, 0);
    } else if (!c->no_epsv) {
        send_cmd(c, W_EPSV, "EPSV");
    } else {
        send_cmd(c, W_PASV, "PASV");
    }
}

static void start_op(ftp_client_core *c)
{
    const ftp_client_op *o = op(c);
    if (!o) {
        quit_with(c, FTP_CLIENT_OK, NULL);
        return;
    }
    push_event(c, FTP_CLIENT_EV_OP_STARTED, 0, NULL);
    bool need_path = !(o->kind == FTP_OP_PWD || o->kind == FTP_OP_NOOP || o->kind == FTP_OP_LIST);
    if ((need_path && (!o->path || !*o->path)) || !printable(o->path) || !printable(o->path2) ||
        (o->kind == FTP_OP_RENAME && (!o->path2 || !*o->path2))) {
        op_end(c, false, 0, "bad path");
        return;
    }
    if (has_data(o)) {
        begin_data(c);
        return;
    }
    switch (o->kind) {
    case FTP_OP_SIZE: send_cmd(c, W_SIMPLE, "SIZE %s", o->path); break;
    case FTP_OP_MDTM: send_cmd(c, W_SIMPLE, "MDTM %s", o->path); break;
    case FTP_OP_CWD: send_cmd(c, W_SIMPLE, "CWD %s", o->path); break;
    case FTP_OP_PWD: send_cmd(c, W_SIMPLE, "PWD"); break;
    case FTP_OP_MKD: send_cmd(c, W_SIMPLE, "MKD %s", o->path); break;
    case FTP_OP_RMD: send_cmd(c, W_SIMPLE, "RMD %s", o->path); break;
    case FTP_OP_DELE: send_cmd(c, W_SIMPLE, "DELE %s", o->path); break;
    case FTP_OP_RENAME: send_cmd(c, W_RNFR, "RNFR %s", o->path); break;
    default: send_cmd(c, W_SIMPLE, "NOOP"); break;
    }
}

/* Ends the transfer once its final reply and its data end have come. */
static void check_xfer(ftp_client_core *c)
{
    if (c->state != W_XFER || c->final_code == 0)
        return;
    const ftp_client_op *o = op(c);
    char *text = g_strdup(c->final_text);
    int code = c->final_code;
    if (ftp_reply_class(code) != 2)
        op_end(c, false, code, c->fail_why ? c->fail_why : text);
    else if (c->fail_why)
        op_end(c, false, code, c->fail_why);
    else if (c->data_failed)
        op_end(c, false, code, "data connection failed");
    else if (c->data == D_DONE || o->kind == FTP_OP_PUT) /* a put's 2xx: the server has what it wants */
        op_end(c, true, code, text);
    g_free(text);
}

static void maybe_send(ftp_client_core *c)
{
    const ftp_client_op *o = op(c);
    if (!o || o->kind != FTP_OP_PUT || c->sending || c->data != D_OPEN || !c->prelim)
        return;
    c->sending = true;
    if (o->size == 0) {
        close_data(c);
        check_xfer(c);
    } else {
        push_action(c, FTP_CLIENT_ACT_DATA_SEND, NULL, 0);
    }
}

static void on_xfer(ftp_client_core *c, int code, const char *text)
{
    if (ftp_reply_class(code) == 1) {
        if (!c->prelim) {
            c->prelim = true;
            push_event(c, FTP_CLIENT_EV_OP_PRELIM, code, text);
            maybe_send(c);
        }
        return;
    }
    c->st.round_trips++;
    c->final_code = code;
    c->final_text = g_strdup(text);
    if (ftp_reply_class(code) != 2 && c->data != D_NONE && c->data != D_DONE)
        close_data(c);
    check_xfer(c);
}

static void on_login(ftp_client_core *c, int code, const char *text)
{
    int cls = ftp_reply_class(code);
    switch (c->state) {
    case W_GREET:
        if (cls == 1)
            return;
        if (cls != 2) {
            finish(c, FTP_CLIENT_ERROR, text);
            return;
        }
        send_cmd(c, W_USER, "USER %s", c->user);
        return;
    case W_USER:
    case W_PASS:
        if (c->state == W_USER && code == 331) {
            send_cmd(c, W_PASS, "PASS %s", c->password);
        } else if (cls == 2) {
            send_cmd(c, W_TYPE, "TYPE %c", c->ascii ? 'A' : 'I');
        } else {
            quit_with(c, FTP_CLIENT_AUTH, text);
        }
        return;
    default: /* W_TYPE */
        if (cls == 2)
            start_op(c);
        else
            quit_with(c, FTP_CLIENT_ERROR, text);
        return;
    }
}

static void on_data_setup(ftp_client_core *c, int code, const char *text)
{
    c->st.round_trips++;
    bool fallback = code == 500 || code == 501 || code == 502;
    ftp_hostport hp;
    switch (c->state) {
    case W_EPSV:
        if (code == 229) {
            memset(&hp, 0, sizeof hp);
            if (!ftp_parse_229(text, &hp.port)) {
                finish(c, FTP_CLIENT_PROTOCOL, "malformed 229 reply");
                return;
            }
            c->data = D_CONNECTING;
            c->state = W_GLUE;
            push_action(c, FTP_CLIENT_ACT_DATA_CONNECT, c->peer, hp.port);
        } else if (fallback) {
            c->no_epsv = true;
            send_cmd(c, W_PASV, "PASV");
        } else {
            op_end(c, false, code, text);
        }
        return;
    case W_PASV:
        if (code == 227) {
            if (!ftp_parse_227(text, &hp)) {
                finish(c, FTP_CLIENT_PROTOCOL, "malformed 227 reply");
                return;
            }
            c->data = D_CONNECTING;
            c->state = W_GLUE;
            push_action(c, FTP_CLIENT_ACT_DATA_CONNECT, hp.host, hp.port);
        } else {
            op_end(c, false, code, text);
        }
        return;
    default: /* W_EPRT, W_PORT */
        if (ftp_reply_class(code) == 2) {
            send_transfer(c);
        } else if (c->state == W_EPRT && fallback) {
            c->no_eprt = true;
            char *arg = ftp_format_port(&c->listen_hp);
            if (arg)
                send_cmd(c, W_PORT, "PORT %s", arg);
            else
                op_end(c, false, code, "PORT needs an IPv4 address");
            g_free(arg);
        } else {
            op_end(c, false, code, text);
        }
        return;
    }
}

static void on_reply(ftp_client_core *c, int code, const char *text)
{
    if (code == 421) {
        finish(c, FTP_CLIENT_CLOSED, text);
        return;
    }
    if (ftp_reply_class(code) == 1 && c->state != W_XFER && c->state != W_GREET) {
        finish(c, FTP_CLIENT_PROTOCOL, "unexpected preliminary reply");
        return;
    }
    int cls = ftp_reply_class(code);
    switch (c->state) {
    case W_GREET:
    case W_USER:
    case W_PASS:
    case W_TYPE: on_login(c, code, text); return;
    case W_EPSV:
    case W_PASV:
    case W_EPRT:
    case W_PORT: on_data_setup(c, code, text); return;
    case W_REST:
        c->st.round_trips++;
        if (code == 350)
            send_transfer(c);
        else
            op_end(c, false, code, text);
        return;
    case W_XFER: on_xfer(c, code, text); return;
    case W_SIMPLE:
        c->st.round_trips++;
        op_end(c, cls == 2, code, text);
        return;
    case W_RNFR:
        c->st.round_trips++;
        if (code == 350)
            send_cmd(c, W_RNTO, "RNTO %s", op(c)->path2);
        else
            op_end(c, false, code, text);
        return;
    case W_RNTO:
        c->st.round_trips++;
        op_end(c, cls == 2, code, text);
        return;
    case W_QUIT:
        finish(c, c->have_result ? c->result : FTP_CLIENT_OK, c->have_result ? c->result_text : text);
        return;
    default: finish(c, FTP_CLIENT_PROTOCOL, "reply where none was expected"); return;
    }
}

/* Hands queued replies to the state while a command awaits one. */
static void pump(ftp_client_core *c)
{
    while (!g_queue_is_empty(&c->pending) && c->state != W_DONE && c->state != W_GLUE &&
           !(c->state == W_XFER && c->final_code != 0)) {
        pending_reply *p = g_queue_pop_head(&c->pending);
        if (p->code < 0)
            finish(c, FTP_CLIENT_PROTOCOL, p->text);
        else
            on_reply(c, p->code, p->text);
        g_free(p->text);
        g_free(p);
    }
}

static char *join_reply(const ftp_reply *r)
{
    GString *s = g_string_new(NULL);
    for (guint i = 0; i < r->lines->len && s->len < FTP_CLIENT_MAX_TEXT; i++) {
        if (i)
            g_string_append_c(s, '\n');
        g_string_append(s, g_ptr_array_index(r->lines, i));
    }
    if (s->len > FTP_CLIENT_MAX_TEXT)
        g_string_truncate(s, FTP_CLIENT_MAX_TEXT);
    return g_string_free(s, FALSE);
}

size_t ftp_client_core_feed(ftp_client_core *c, const uint8_t *data, size_t len)
{
    size_t off = 0;
    while (off < len && c->state != W_DONE && !c->input_failed) {
        ftp_reply_status st = FTP_REPLY_NEED_MORE;
        size_t n = ftp_reply_parser_feed(c->parser, data + off, len - off, &st);
        off += n;
        if (st == FTP_REPLY_ERROR) {
            /* In its place among the replies, so that what came before
             * is still answered whatever the split. */
            const char *why = ftp_reply_parser_error(c->parser);
            pending_reply *p = g_new0(pending_reply, 1);
            p->code = -1;
            p->text = g_strdup(why ? why : "malformed reply");
            g_queue_push_tail(&c->pending, p);
            c->input_failed = true;
            pump(c);
            break;
        }
        if (st == FTP_REPLY_COMPLETE) {
            const ftp_reply *r = ftp_reply_parser_reply(c->parser);
            if (g_queue_get_length(&c->pending) >= FTP_CLIENT_MAX_PENDING) {
                finish(c, FTP_CLIENT_PROTOCOL, "too many replies ahead of their commands");
                break;
            }
            pending_reply *p = g_new0(pending_reply, 1);
            p->code = r->code;
            p->text = join_reply(r);
            g_queue_push_tail(&c->pending, p);
            pump(c);
        } else if (n == 0) {
            break; /* the parser took nothing: never loop */
        }
    }
    return len;
}

void ftp_client_core_closed(ftp_client_core *c, const char *why)
{
    pump(c);
    if (c->state == W_DONE)
        return;
    if (c->state == W_QUIT) {
        finish(c, c->have_result ? c->result : FTP_CLIENT_OK, c->have_result ? c->result_text : why);
        return;
    }
    if (op(c) && c->state != W_GREET && c->state != W_USER && c->state != W_PASS && c->state != W_TYPE) {
        if (c->data != D_NONE && c->data != D_DONE)
            close_data(c);
        ftp_client_event *e = push_event(c, FTP_CLIENT_EV_OP_FAILED, 0, "control connection closed");
        e->stats = c->st;
    }
    finish(c, c->have_result ? c->result : FTP_CLIENT_CLOSED, why ? why : "closed");
}

void ftp_client_core_data_listening(ftp_client_core *c, const char *host, uint16_t port)
{
    if (c->state != W_GLUE || c->data != D_LISTENING)
        return;
    memset(&c->listen_hp, 0, sizeof c->listen_hp);
    g_strlcpy(c->listen_hp.host, host ? host : "", sizeof c->listen_hp.host);
    c->listen_hp.port = port;
    c->listen_hp.family = strchr(c->listen_hp.host, ':') ? 2 : 1;
    c->data = D_LISTENED;
    char *arg = c->no_eprt ? ftp_format_port(&c->listen_hp) : ftp_format_eprt(&c->listen_hp);
    if (!arg || !printable(arg))
        op_end(c, false, 0, "cannot name the listener's address");
    else if (c->no_eprt)
        send_cmd(c, W_PORT, "PORT %s", arg);
    else
        send_cmd(c, W_EPRT, "EPRT %s", arg);
    g_free(arg);
    pump(c);
}

void ftp_client_core_data_connected(ftp_client_core *c)
{
    if (c->data == D_CONNECTING && c->state == W_GLUE) {
        c->data = D_OPEN;
        c->st.data_setups++;
        push_event(c, FTP_CLIENT_EV_OP_DATA_CONNECTED, 0, NULL);
        send_transfer(c);
    } else if (c->data == D_LISTENED && c->state != W_DONE) {
        c->data = D_OPEN;
        c->st.data_setups++;
        push_event(c, FTP_CLIENT_EV_OP_DATA_CONNECTED, 0, NULL);
        maybe_send(c);
    }
    pump(c);
}

void ftp_client_core_data_failed(ftp_client_core *c, const char *why)
{
    if (c->state == W_GLUE && (c->data == D_CONNECTING || c->data == D_LISTENING)) {
        c->data = D_DONE;
        op_end(c, false, 0, why ? why : "data connection failed");
    } else if (c->data == D_LISTENED || c->data == D_OPEN) {
        c->data = D_DONE;
        c->data_failed = true;
        check_xfer(c);
    }
    pump(c);
}

static bool receiving(const ftp_client_core *c)
{
    const ftp_client_op *o = op(c);
    return c->state != W_DONE && c->data == D_OPEN && o && (o->kind == FTP_OP_GET || o->kind == FTP_OP_LIST);
}

static void store(ftp_client_core *c, const uint8_t *data, size_t len)
{
    if (!c->ascii || !c->to_lf) {
        g_byte_array_append(c->buf, data, (guint)len);
        return;
    }
    for (size_t i = 0; i < len; i++) {
        if (c->pending_cr) {
            c->pending_cr = false;
            if (data[i] != '\n')
                g_byte_array_append(c->buf, (const guint8 *)"\r", 1);
        }
        if (data[i] == '\r')
            c->pending_cr = true;
        else
            g_byte_array_append(c->buf, &data[i], 1);
    }
}

void ftp_client_core_data_received(ftp_client_core *c, const uint8_t *data, size_t len)
{
    if (!receiving(c) || len == 0)
        return;
    uint64_t max = op(c)->kind == FTP_OP_LIST ? FTP_CLIENT_MAX_LISTING : c->max_file;
    c->received += len;
    c->st.bytes += len;
    ftp_client_event *e = push_event(c, FTP_CLIENT_EV_OP_BYTES, 0, NULL);
    e->bytes = len;
    if (c->received > max) {
        c->fail_why = g_strdup(op(c)->kind == FTP_OP_LIST ? "listing too large" : "file too large");
        close_data(c);
        check_xfer(c);
    } else if (!data) {
        c->length_only = true;
    } else if (!c->length_only) {
        store(c, data, len);
    }
    pump(c);
}

void ftp_client_core_data_eof(ftp_client_core *c)
{
    if (!receiving(c))
        return;
    c->data = D_DONE;
    check_xfer(c);
    pump(c);
}

const uint8_t *ftp_client_core_data_out(const ftp_client_core *c, size_t *len)
{
    const ftp_client_op *o = op(c);
    *len = 0;
    if (!o || o->kind != FTP_OP_PUT || !c->sending || c->data != D_OPEN || c->state == W_DONE)
        return NULL;
    uint64_t left = o->size - c->put_off;
    *len = left > G_MAXSIZE / 2 ? G_MAXSIZE / 2 : (size_t)left;
    return o->data ? o->data + c->put_off : NULL;
}

void ftp_client_core_data_written(ftp_client_core *c, size_t n)
{
    size_t left;
    ftp_client_core_data_out(c, &left);
    if (left == 0 || n == 0)
        return;
    if (n > left)
        n = left;
    c->put_off += n;
    c->st.bytes += n;
    ftp_client_event *e = push_event(c, FTP_CLIENT_EV_OP_BYTES, 0, NULL);
    e->bytes = n;
    if (c->put_off == op(c)->size) {
        close_data(c);
        check_xfer(c);
    }
    pump(c);
}

ftp_client_core *ftp_client_core_new(const ftp_client_config *cfg)
{
    ftp_client_core *c = g_new0(ftp_client_core, 1);
    bool anon = !cfg->user || strcmp(cfg->user, "anonymous") == 0;
    c->user = g_strdup(anon ? "anonymous" : cfg->user);
    c->password = g_strdup(cfg->password ? cfg->password : "guest@");
    c->ascii = cfg->ascii;
    c->to_lf = cfg->ascii_to_lf;
    c->active = cfg->active;
    c->max_file = cfg->max_file_size ? cfg->max_file_size : FTP_CLIENT_DEFAULT_MAX_FILE;
    c->n_ops = cfg->ops ? cfg->n_ops : 0;
    c->ops = g_new0(ftp_client_op, c->n_ops ? c->n_ops : 1);
    for (size_t i = 0; i < c->n_ops; i++) {
        c->ops[i] = cfg->ops[i];
        c->ops[i].path = g_strdup(cfg->ops[i].path);
        c->ops[i].path2 = g_strdup(cfg->ops[i].path2);
    }
    c->out = g_byte_array_new();
    c->buf = g_byte_array_new();
    c->parser = ftp_reply_parser_new();
    g_queue_init(&c->events);
    g_queue_init(&c->actions);
    g_queue_init(&c->pending);
    c->state = W_GREET;
    if (!printable(c->user) || !printable(c->password) || !*c->user)
        finish(c, FTP_CLIENT_ERROR, "bad user name or password");
    return c;
}

void ftp_client_event_clear(ftp_client_event *ev)
{
    g_clear_pointer(&ev->text, g_free);
    g_clear_pointer(&ev->data, g_bytes_unref);
}

static void free_event(gpointer p)
{
    ftp_client_event_clear(p);
    g_free(p);
}

static void free_pending(gpointer p)
{
    g_free(((pending_reply *)p)->text);
    g_free(p);
}

void ftp_client_core_free(ftp_client_core *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n_ops; i++) {
        g_free((char *)c->ops[i].path);
        g_free((char *)c->ops[i].path2);
    }
    g_free(c->ops);
    g_free(c->user);
    g_free(c->password);
    g_byte_array_unref(c->out);
    g_byte_array_unref(c->buf);
    ftp_reply_parser_free(c->parser);
    g_queue_clear_full(&c->events, free_event);
    g_queue_clear_full(&c->actions, g_free);
    g_queue_clear_full(&c->pending, free_pending);
    g_free(c->final_text);
    g_free(c->fail_why);
    g_free(c->result_text);
    g_free(c);
}

void ftp_client_core_set_peer(ftp_client_core *c, const char *host)
{
    g_strlcpy(c->peer, host ? host : "", sizeof c->peer);
}

const uint8_t *ftp_client_core_output(const ftp_client_core *c, size_t *len)
{
    *len = c->out->len;
    return c->out->data;
}

void ftp_client_core_consume(ftp_client_core *c, size_t n)
{
    g_byte_array_remove_range(c->out, 0, (guint)MIN(n, (size_t)c->out->len));
}

bool ftp_client_core_next_action(ftp_client_core *c, ftp_client_action *a)
{
    ftp_client_action *p = g_queue_pop_head(&c->actions);
    if (!p)
        return false;
    *a = *p;
    g_free(p);
    return true;
}

bool ftp_client_core_next_event(ftp_client_core *c, ftp_client_event *ev)
{
    ftp_client_event *p = g_queue_pop_head(&c->events);
    if (!p)
        return false;
    *ev = *p;
    g_free(p);
    return true;
}

bool ftp_client_core_done(const ftp_client_core *c)
{
    return c->state == W_DONE;
}

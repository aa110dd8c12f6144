/*
 * http_server: connections, input and output, timers, the worker, and the
 * handler interface. What a request is answered with is in
 * http_server_resp.c; the shared types are in http_server_impl.h.
 *
 * A session is one connection. Input goes to the parser as it arrives;
 * a request head becomes a job, whose body (if any) is counted, written to
 * an upload, or kept for a handler as it arrives; a complete request is
 * queued on the session in arrival order. Each job is answered by the
 * single worker (server-wide, first come first served; immediately when
 * proc_time is 0), which prepares the response and marks the job ready;
 * the session moves ready jobs strictly from the head of its queue to its
 * output, so pipelined responses keep their order whatever the worker
 * does. Output is a queue of spans (bytes in memory, length-only bytes, or
 * a file read in chunks of HTTP_SERVER_CHUNK only when the stream has
 * room), written as the stream accepts them.
 *
 * Back-pressure: while the session is blocked (session_blocked: too many
 * requests unanswered, too many bytes or files waiting in its output) no
 * further input is parsed; input that arrives meanwhile is kept (up to
 * HTTP_SERVER_INPUT_MAX bytes, then the stream stops reading) and parsed
 * once the output has drained (session_pump).
 *
 * Streaming answers (a proxy's, http_server_job_stream): the head is
 * prepared at once, but the job stays at the head of its session's queue
 * while the handler writes the body. Its spans go straight to the output
 * when it is the job being written (stream_current), else wait in the job
 * (`pend`) until its turn. Streamed bytes are held like any output the
 * server made: counted in out_held (or, while waiting their turn, in
 * jobs_held), in the session's `held` and in stats.buffered; they pause
 * reading past max_conn_buffer and arm the drain timeout. The handler
 * hears when the output has fallen to HTTP_SERVER_STREAM_LOW, or when the
 * client has gone, through a drain notice: a timer of the job's own, never
 * a call from inside one of its calls. A stream cut short
 * (http_server_job_end with complete false) resets the connection once
 * the bytes before it are handed to the transport, so that the client
 * sees an error rather than a shorter message.
 *
 * Timers: one per session, armed for the earliest deadline of its state
 * (session_wait): output waiting -> drain_timeout since the last progress;
 * a request with the worker or a handler -> none; otherwise idle_timeout
 * since the last byte in or out, and header_timeout since the first byte
 * of an unfinished head. It is re-armed whenever its deadline moves (data
 * in, output taken), so it only fires when the connection times out.
 *
 * A session is freed once its stream is closed (or failed) and no job of
 * it is still with the worker or a handler (a streaming job stays with its
 * handler until http_server_job_end) — from a timer of its own, never
 * under the callback that closed it.
 */
#include "http_server_impl.h"

#include <string.h>

#ifndef APPSIM_VERSION
#define APPSIM_VERSION "0.1.0"
#endif

/* An output span: what is left of a response body or head (`b`), and for
 * a file the chunk read from it but not yet written. */
typedef struct {
    body_ref b;
    uint8_t *chunk;
    size_t chunk_cap, chunk_off, chunk_len;
    size_t held; /* bytes counted as held for this span */
} out_span;

/* Input not parsed yet. */
typedef struct {
    GBytes *bytes; /* NULL: length-only */
    size_t off, len;
} in_span;

/* What a session waits for, and so which deadline applies. */
typedef enum {
    WAIT_NONE,  /* the worker or a handler: no deadline of ours */
    WAIT_DRAIN, /* the peer to take our output */
    WAIT_HEAD,  /* the rest of a request head */
    WAIT_IDLE,  /* anything from the client */
} wait_kind;

struct session {
    http_server *srv;
    stream_t *s;
    http_parser *parser;
    job *reading;        /* the request whose body is arriving */
    GQueue jobs;         /* of job*, in arrival order */
    GQueue out;          /* of out_span*, to write */
    GQueue in;           /* of in_span*, received and not parsed yet */
    size_t in_real;      /* real bytes in `in` */
    size_t out_held;     /* bytes held by `out` */
    size_t jobs_held;    /* request heads of the jobs in `jobs`, and the
                          * streamed bytes waiting for their turn */
    uint64_t held;       /* all this session holds (its share of stats.buffered) */
    uint32_t files;      /* file spans in `out` */
    uint32_t in_worker;  /* jobs of this session queued at the worker */
    bool closing;        /* close once the output is written */
    bool reset_after;    /* reset once the output is written (a stream was cut short) */
    bool gone;           /* the stream is closed or failed */
    bool stop_parsing;   /* after a parser error or a refused body */
    bool pumping;        /* in session_pump or a direct feed */
    bool reading_on;     /* what we last told stream_set_reading */
    bool peer_eof, eof_done;
    int64_t last_activity; /* host_now() of the last byte in or out */
    int64_t last_progress; /* host_now() of the last output taken */
    int64_t head_start;    /* host_now() of an unfinished head's first byte, or -1 */
    host_timer_id timer;
    int64_t timer_at;
    host_timer_id reap; /* the deferred free, once gone */
};

/* ---- configuration ------------------------------------------------------ */

void http_server_config_default(http_server_config *c)
{
    memset(c, 0, sizeof *c);
    c->port = 80;
    c->name = NULL;
    c->proc_time = 0;
    c->max_queue = 0;
    c->cookies = true;
    c->writable = false;
    c->check_host = true;
    c->host = NULL;
    c->idle_timeout = 15 * INT64_C(1000000000);
    c->header_timeout = 20 * INT64_C(1000000000);
    c->drain_timeout = 30 * INT64_C(1000000000);
    c->max_connections = 0;
    c->max_pipeline = 32;
    c->max_conn_buffer = (size_t)256 << 10;
    c->max_body_memory = UINT64_C(8) << 20;
    c->max_server_memory = UINT64_C(64) << 20;
    c->cookie_cap = 4096;
    c->cookie_ttl = 24 * 3600 * INT64_C(1000000000);
    http_limits_default(&c->limits);
}

static void rule_clear(gpointer p)
{
    rule *r = p;
    g_free(r->prefix);
    g_free(r->realm);
    g_free(r->credentials);
}

static GArray *rules_new(void)
{
    GArray *a = g_array_new(FALSE, TRUE, sizeof(rule));
    g_array_set_clear_func(a, rule_clear);
    return a;
}

static void add_rule(GArray *a, const char *prefix, const char *realm, const char *cred)
{
    rule r = {g_strdup(prefix), g_strdup(realm), g_strdup(cred)};
    g_array_append_val(a, r);
}

void http_server_protect(http_server *s, const char *prefix, const char *realm, const char *user,
                         const char *password)
{
    char *pair = g_strdup_printf("%s:%s", user, password);
    char *b64 = g_base64_encode((const guchar *)pair, strlen(pair));
    add_rule(s->protect, prefix, realm, b64);
    g_free(b64);
    g_free(pair);
}

void http_server_redirect(http_server *s, const char *from, const char *to)
{
    add_rule(s->redirects, from, NULL, to);
}

void http_server_forbid(http_server *s, const char *prefix) { add_rule(s->forbid, prefix, NULL, NULL); }
void http_server_fail(http_server *s, const char *prefix) { add_rule(s->fail, prefix, NULL, NULL); }

const http_server_stats *http_server_get_stats(const http_server *s) { return &s->stats; }
host_listener *http_server_listener(const http_server *s) { return s->listener; }

/* ---- what a session holds ------------------------------------------------ */

void session_hold(session *ss, int64_t delta)
{
    http_server_stats *st = &ss->srv->stats;
    ss->held = (uint64_t)((int64_t)ss->held + delta);
    st->buffered = (uint64_t)((int64_t)st->buffered + delta);
    if (st->buffered > st->buffered_peak)
        st->buffered_peak = st->buffered;
}

/* Counts `delta` body bytes more (or fewer) held in memory by a job. */
static void job_hold_body(job *j, int64_t delta)
{
    j->body_mem = (uint64_t)((int64_t)j->body_mem + delta);
    j->ss->srv->stats.body_memory = (uint64_t)((int64_t)j->ss->srv->stats.body_memory + delta);
    session_hold(j->ss, delta);
}

/* The size of a request head, roughly as it came on the wire. O(headers). */
static size_t msg_size(const http_msg *m)
{
    size_t n = strlen(m->method_str ? m->method_str : "") + strlen(m->target) + 12;
    for (guint i = 0; i < m->headers->len; i++) {
        const http_header *h = &g_array_index(m->headers, http_header, i);
        n += strlen(h->name) + strlen(h->value) + 4;
    }
    return n;
}

void body_ref_clear(body_ref *b)
{
    if (b->bytes)
        g_bytes_unref(b->bytes);
    http_object_free(b->file);
    memset(b, 0, sizeof *b);
}

static void pend_release(job *j, bool to_out);

static void job_free(job *j)
{
    if (!j)
        return;
    host_timer_cancel(j->ss->srv->env, j->drain_timer);
    pend_release(j, false);
    session_hold(j->ss, -(int64_t)j->head_mem);
    job_hold_body(j, -(int64_t)j->body_mem);
    http_msg_free(j->req);
    g_free(j->path);
    if (j->body)
        g_byte_array_unref(j->body);
    http_upload_abort(j->upload);
    if (j->head)
        g_string_free(j->head, TRUE);
    body_ref_clear(&j->body_out);
    g_free(j);
}

/* ---- timers ----------------------------------------------------------------- */

static void session_close(session *ss);
static void session_abort(session *ss);
static void session_pump(session *ss);

static wait_kind session_wait(const session *ss, int64_t *deadline)
{
    const http_server_config *c = &ss->srv->c;
    if (ss->gone)
        return WAIT_NONE;
    if (ss->out.length > 0) {
        *deadline = ss->last_progress + c->drain_timeout;
        return WAIT_DRAIN;
    }
    if (ss->jobs.length > 0)
        return WAIT_NONE;
    *deadline = ss->last_activity + c->idle_timeout;
    if (ss->head_start >= 0 && ss->head_start + c->header_timeout < *deadline) {
        *deadline = ss->head_start + c->header_timeout;
        return WAIT_HEAD;
    }
    return WAIT_IDLE;
}

static void session_timer_fire(void *ud);

/* Arms the timer for the current deadline, or cancels it when none
 * applies. Called after every change of what the deadline depends on, so
 * that the timer fires only when a connection really times out. */
static void session_schedule(session *ss)
{
    host_env *env = ss->srv->env;
    int64_t d;
    if (session_wait(ss, &d) == WAIT_NONE) {
        host_timer_cancel(env, ss->timer);
        ss->timer = 0;
        return;
    }
    if (ss->timer && ss->timer_at == d)
        return;
    /* Mostly a later deadline (output taken, data in): moved, not
     * cancelled and armed again (host_timer_rearm). */
    int64_t now = host_now(env);
    ss->timer_at = d;
    ss->timer = host_timer_rearm(env, ss->timer, d > now ? d - now : 0, session_timer_fire, ss);
}

static void session_timer_fire(void *ud)
{
    session *ss = ud;
    ss->timer = 0;
    int64_t d;
    wait_kind k = session_wait(ss, &d);
    if (k == WAIT_NONE)
        return;
    if (host_now(ss->srv->env) < d) {
        session_schedule(ss);
        return;
    }
    http_server_stats *st = &ss->srv->stats;
    if (k == WAIT_DRAIN) {
        st->drain_timeouts++;
        session_abort(ss);
    } else {
        if (k == WAIT_HEAD)
            st->header_timeouts++;
        else
            st->idle_closed++;
        session_close(ss);
    }
}

/* ---- output --------------------------------------------------------------- */

/* Queues a body or head for writing; takes the references in `b`. */
static void out_push(session *ss, body_ref *b)
{
    if (b->len == 0) {
        body_ref_clear(b);
        return;
    }
    out_span *o = g_new0(out_span, 1);
    o->b = *b;
    memset(b, 0, sizeof *b);
    if (o->b.owned)
        o->held = o->b.bytes ? g_bytes_get_size(o->b.bytes) : o->b.len;
    if (o->b.file)
        ss->files++;
    if (g_queue_is_empty(&ss->out))
        ss->last_progress = host_now(ss->srv->env);
    ss->out_held += o->held;
    session_hold(ss, (int64_t)o->held);
    g_queue_push_tail(&ss->out, o);
}

static void out_free(session *ss, out_span *o)
{
    ss->out_held -= o->held;
    session_hold(ss, -(int64_t)(o->held + o->chunk_cap));
    if (o->b.file)
        ss->files--;
    body_ref_clear(&o->b);
    g_free(o->chunk);
    g_free(o);
}

/* Reads the next chunk of a file span; false when the file ended early
 * (it shrank) or could not be read. */
static bool span_fill(session *ss, out_span *o)
{
    size_t want = (size_t)MIN(o->b.len, (uint64_t)HTTP_SERVER_CHUNK);
    if (!o->chunk) {
        o->chunk = g_malloc(want);
        o->chunk_cap = want;
        session_hold(ss, (int64_t)want);
    }
    size_t got = http_object_read(o->b.file, o->b.off, o->chunk, MIN(want, o->chunk_cap));
    o->b.off += got;
    o->chunk_off = 0;
    o->chunk_len = got;
    return got > 0;
}

static void stream_check_drained(session *ss);

/* Writes what the stream accepts; closes (or resets) when done and asked
 * to; then parses waiting input if the output no longer blocks it. */
static void session_flush(session *ss)
{
    int64_t now = host_now(ss->srv->env);
    while (!ss->gone && !g_queue_is_empty(&ss->out)) {
        out_span *o = g_queue_peek_head(&ss->out);
        const uint8_t *p;
        size_t n;
        if (o->b.file) {
            if (o->chunk_off == o->chunk_len && !span_fill(ss, o)) {
                session_abort(ss); /* the promised length cannot be sent */
                return;
            }
            p = o->chunk + o->chunk_off;
            n = o->chunk_len - o->chunk_off;
        } else {
            p = o->b.bytes ? (const uint8_t *)g_bytes_get_data(o->b.bytes, NULL) + o->b.off : NULL;
            n = (size_t)MIN(o->b.len, (uint64_t)SIZE_MAX);
        }
        size_t w = stream_write(ss->s, p, n);
        if (w > 0)
            ss->last_progress = ss->last_activity = now;
        if (o->b.file)
            o->chunk_off += w;
        else
            o->b.off += w;
        o->b.len -= w;
        if (o->b.len == 0)
            out_free(ss, g_queue_pop_head(&ss->out));
        else if (w < n)
            break; /* writable() calls again */
    }
    if (ss->gone)
        return;
    stream_check_drained(ss);
    if (ss->reset_after && g_queue_is_empty(&ss->out)) {
        session_abort(ss);
        return;
    }
    if (ss->closing && g_queue_is_empty(&ss->out)) {
        session_close(ss);
        return;
    }
    session_pump(ss);
    session_schedule(ss);
}

/* Moves the ready jobs at the head of the session's queue to its output.
 * A streaming job's head goes out with what it wrote so far, and the job
 * stays at the head of the queue, its later writes going straight to the
 * output, until it ends. */
static void session_emit_ready(session *ss)
{
    while (!ss->gone && !ss->closing && !ss->reset_after && !g_queue_is_empty(&ss->jobs)) {
        job *j = g_queue_peek_head(&ss->jobs);
        if (!j->ready)
            break;
        if (j->head) {
            body_ref head = {.bytes = g_string_free_to_bytes(j->head), .owned = true};
            j->head = NULL;
            head.len = g_bytes_get_size(head.bytes);
            out_push(ss, &head);
        }
        if (j->streaming) {
            pend_release(j, true);
            if (!j->ended)
                break;
        } else {
            out_push(ss, &j->body_out);
        }
        g_queue_pop_head(&ss->jobs);
        ss->jobs_held -= j->head_mem;
        if (j->cut_short) {
            /* The client must see an error, not a shorter message. */
            ss->reset_after = true;
            ss->stop_parsing = true;
        } else if (j->close_after) {
            ss->closing = true;
        }
        job_free(j);
    }
    session_flush(ss);
}

/* ---- the worker ----------------------------------------------------------------- */

static void session_maybe_free(session *ss);
static void worker_next(http_server *srv);

static void worker_done(void *ud)
{
    http_server *srv = ud;
    srv->worker_timer = 0;
    job *j = srv->working;
    srv->working = NULL;
    srv->worker_busy = false;
    session *ss = j->ss;
    ss->in_worker--;
    j->in_worker = false;
    if (!ss->gone) {
        job_respond(j);
        session_emit_ready(ss);
    }
    session_maybe_free(ss);
    worker_next(srv);
}

static void worker_next(http_server *srv)
{
    while (!srv->worker_busy && !g_queue_is_empty(&srv->worker_queue)) {
        job *j = g_queue_pop_head(&srv->worker_queue);
        srv->worker_busy = true;
        srv->working = j;
        srv->worker_timer = host_timer(srv->env, srv->c.proc_time, worker_done, srv);
    }
}

static void job_submit(session *ss, job *j)
{
    http_server *srv = ss->srv;
    g_queue_push_tail(&ss->jobs, j);
    ss->jobs_held += j->head_mem;
    srv->stats.requests++;
    if (j->req && srv->handler && !j->error_status) { /* answered later, by http_server_job_reply */
        j->in_worker = true;
        ss->in_worker++;
        srv->handler(srv->handler_ud, (http_server_job *)j, j->req, j->body ? j->body->data : NULL,
                     j->body_len);
        session_schedule(ss);
        return;
    }
    if (j->req == NULL || j->error_status || srv->c.proc_time <= 0) {
        job_respond(j);
        session_emit_ready(ss);
        return;
    }
    if (srv->c.max_queue && g_queue_get_length(&srv->worker_queue) >= srv->c.max_queue) {
        j->error_status = 503;
        job_respond(j);
        session_emit_ready(ss);
        return;
    }
    j->in_worker = true;
    ss->in_worker++;
    g_queue_push_tail(&srv->worker_queue, j);
    worker_next(srv);
    session_schedule(ss);
}

/* ---- reading requests ------------------------------------------------------------ */

/* True while the session must not take another request: too many
 * unanswered, or too much output waiting. */
static bool session_blocked(const session *ss)
{
    const http_server_config *c = &ss->srv->c;
    return ss->jobs.length >= c->max_pipeline ||
           ss->out_held + ss->jobs_held >= c->max_conn_buffer || ss->files >= HTTP_SERVER_FILES_PER_CONN;
}

/* Answers `j` (the request being read, or a new one) with `status` at once
 * and stops reading requests: its body is not read (413, 503). */
static void session_refuse(session *ss, job *j, int status)
{
    if (ss->reading == j)
        ss->reading = NULL;
    ss->stop_parsing = true;
    j->error_status = status;
    j->must_close = true;
    if (j->body)
        g_byte_array_unref(j->body);
    j->body = NULL;
    http_upload_abort(j->upload);
    j->upload = NULL;
    job_hold_body(j, -(int64_t)j->body_mem);
    job_submit(ss, j);
}

/* True when the body of `j` would be held in memory. */
static bool body_in_memory(const job *j)
{
    return j->sink == SINK_MEMORY || (j->sink == SINK_UPLOAD && !http_store_on_disk(j->ss->srv->store));
}

/* A request head is complete: a new job, its route, and where its body goes. */
static void job_begin(session *ss)
{
    http_server *srv = ss->srv;
    job *j = g_new0(job, 1);
    j->ss = ss;
    j->srv = ss->srv;
    j->rule = -1;
    j->req = http_parser_take_msg(ss->parser);
    j->head_mem = msg_size(j->req);
    session_hold(ss, (int64_t)j->head_mem);
    ss->reading = j;
    if (srv->handler) {
        j->sink = SINK_MEMORY;
    } else {
        job_route(j);
        if (!j->early && j->req->method == HTTP_M_PUT) {
            http_store_status st;
            j->upload = http_store_upload_begin(srv->store, j->path, http_msg_get(j->req, "Content-Type"), &st);
            if (j->upload)
                j->sink = SINK_UPLOAD;
            else
                j->early = st == HTTP_STORE_FAILED ? 500 : 403;
        }
    }
    int64_t framed = http_parser_body_length(ss->parser);
    if (body_in_memory(j) && framed > 0 && (uint64_t)framed > srv->c.max_body_memory)
        session_refuse(ss, j, 413);
}

/* Body bytes of the request being read. False when they were refused. */
static bool job_body(session *ss, job *j, const uint8_t *data, size_t len)
{
    http_server *srv = ss->srv;
    j->body_len += len;
    if (!data)
        j->body_virtual = true;
    if (j->sink == SINK_UPLOAD) {
        http_upload_write(j->upload, data, len);
        if (data && body_in_memory(j))
            job_hold_body(j, (int64_t)len);
    } else if (j->sink == SINK_MEMORY && data && !j->body_virtual) {
        if (!j->body)
            j->body = g_byte_array_new();
        g_byte_array_append(j->body, data, (guint)len);
        job_hold_body(j, (int64_t)len);
    }
    if (j->body_mem > srv->c.max_body_memory)
        session_refuse(ss, j, 413);
    else if (j->body_mem > 0 && srv->stats.body_memory > srv->c.max_server_memory)
        session_refuse(ss, j, 503);
    return !ss->stop_parsing;
}

/* Feeds the parser from `data` until it needs more, the session is
 * blocked, or parsing stopped; returns the bytes it consumed. */
static size_t session_feed(session *ss, const uint8_t *data, size_t len)
{
    size_t off = 0;
    while (!ss->gone && !ss->stop_parsing && !session_blocked(ss)) {
        http_event ev;
        size_t used = http_parser_feed(ss->parser, data ? data + off : NULL, len - off, &ev);
        off += used;
        if (ev.kind == HTTP_EV_NEED_MORE) {
            if (used > 0 && !ss->reading && ss->head_start < 0)
                ss->head_start = host_now(ss->srv->env);
            break;
        }
        if (ev.kind == HTTP_EV_HEAD) {
            ss->head_start = -1;
            job_begin(ss);
        } else if (ev.kind == HTTP_EV_BODY) {
            if (ss->reading && !job_body(ss, ss->reading, ev.data, ev.len))
                break;
        } else if (ev.kind == HTTP_EV_DONE) {
            job *j = ss->reading;
            ss->reading = NULL;
            if (j)
                job_submit(ss, j);
        } else if (ev.kind == HTTP_EV_ERROR) {
            job_free(ss->reading);
            ss->reading = NULL;
            ss->stop_parsing = true;
            job *j = g_new0(job, 1);
            j->ss = ss;
            j->srv = ss->srv;
            j->rule = -1;
            j->error_status = ev.status ? ev.status : 400;
            job_submit(ss, j);
            break;
        }
        if (off >= len && ev.kind != HTTP_EV_HEAD && ev.kind != HTTP_EV_DONE)
            break;
    }
    return off;
}

static void in_push(session *ss, const uint8_t *data, size_t len)
{
    in_span *sp = g_new0(in_span, 1);
    sp->bytes = data ? g_bytes_new(data, len) : NULL;
    sp->len = len;
    if (data) {
        ss->in_real += len;
        session_hold(ss, (int64_t)len);
    }
    g_queue_push_tail(&ss->in, sp);
}

/* Drops `n` bytes from the front of the first waiting input span. */
static void in_consume(session *ss, in_span *sp, size_t n)
{
    sp->off += n;
    sp->len -= n;
    if (sp->bytes) {
        ss->in_real -= n;
        session_hold(ss, -(int64_t)n);
    }
    if (sp->len == 0) {
        g_queue_pop_head(&ss->in);
        if (sp->bytes)
            g_bytes_unref(sp->bytes);
        g_free(sp);
    }
}

static void in_clear(session *ss)
{
    in_span *sp;
    while ((sp = g_queue_peek_head(&ss->in)))
        in_consume(ss, sp, sp->len);
}

/* Reads the socket while little input waits, stops beyond the limit. */
static void session_update_reading(session *ss)
{
    if (ss->gone)
        return;
    bool want = ss->in_real < HTTP_SERVER_INPUT_MAX;
    if (want != ss->reading_on) {
        ss->reading_on = want;
        stream_set_reading(ss->s, want);
    }
}

/* The peer has closed and all its input is parsed: answer what was asked,
 * then close. */
static void session_check_eof(session *ss)
{
    if (!ss->peer_eof || ss->eof_done || ss->gone || ss->pumping || !g_queue_is_empty(&ss->in))
        return;
    ss->eof_done = true;
    if (!g_queue_is_empty(&ss->jobs))
        ((job *)g_queue_peek_tail(&ss->jobs))->close_after = true;
    else if (!g_queue_is_empty(&ss->out))
        ss->closing = true;
    else
        session_close(ss);
}

/* Parses waiting input while the session is not blocked. */
static void session_pump(session *ss)
{
    if (ss->pumping)
        return;
    ss->pumping = true;
    while (!ss->gone && !ss->stop_parsing && !g_queue_is_empty(&ss->in) && !session_blocked(ss)) {
        in_span *sp = g_queue_peek_head(&ss->in);
        const uint8_t *p = sp->bytes ? (const uint8_t *)g_bytes_get_data(sp->bytes, NULL) + sp->off : NULL;
        size_t len = sp->len, used = session_feed(ss, p, len);
        in_consume(ss, sp, used);
        if (used < len)
            break; /* blocked, stopped or gone */
    }
    if (ss->stop_parsing || ss->gone)
        in_clear(ss);
    ss->pumping = false;
    session_update_reading(ss);
    session_check_eof(ss);
}

static void on_data(void *ud, stream_t *s, const uint8_t *data, size_t len)
{
    (void)s;
    session *ss = ud;
    ss->last_activity = host_now(ss->srv->env);
    if (ss->stop_parsing)
        return; /* after an error, input is dropped */
    if (g_queue_is_empty(&ss->in) && !ss->pumping) {
        ss->pumping = true;
        size_t used = session_feed(ss, data, len);
        ss->pumping = false;
        if (used < len && !ss->gone && !ss->stop_parsing)
            in_push(ss, data ? data + used : NULL, len - used);
    } else {
        in_push(ss, data, len);
    }
    session_pump(ss);
    session_schedule(ss);
}

static void on_writable(void *ud, stream_t *s)
{
    (void)s;
    session_flush(ud);
}

static void on_peer_closed(void *ud, stream_t *s)
{
    (void)s;
    session *ss = ud;
    ss->peer_eof = true;
    session_check_eof(ss);
}

static void session_gone(session *ss);

static void on_error(void *ud, stream_t *s, stream_err err)
{
    (void)s;
    (void)err;
    session *ss = ud;
    session_gone(ss);
    session_maybe_free(ss);
}

static const stream_handler session_handler = {
    .data = on_data,
    .writable = on_writable,
    .peer_closed = on_peer_closed,
    .error = on_error,
};

/* ---- sessions ------------------------------------------------------------------------ */

static void stream_notify_gone(session *ss);

/* The stream is closed or failed: no deadline is left, and every
 * streaming job still producing hears of it. */
static void session_gone(session *ss)
{
    ss->gone = true;
    host_timer_cancel(ss->srv->env, ss->timer);
    ss->timer = 0;
    stream_notify_gone(ss);
}

static void session_close(session *ss)
{
    if (ss->gone)
        return;
    session_gone(ss);
    stream_close(ss->s);
    session_maybe_free(ss);
}

static void session_abort(session *ss)
{
    if (ss->gone)
        return;
    session_gone(ss);
    stream_abort(ss->s);
    session_maybe_free(ss);
}

static void session_destroy(session *ss)
{
    host_timer_cancel(ss->srv->env, ss->reap);
    ss->reap = 0;
    host_timer_cancel(ss->srv->env, ss->timer);
    ss->timer = 0;
    job *j;
    while ((j = g_queue_pop_head(&ss->jobs))) {
        if (j->in_worker && !ss->srv->tearing_down)
            continue; /* the worker (or the handler) still holds it */
        job_free(j);
    }
    out_span *o;
    while ((o = g_queue_pop_head(&ss->out)))
        out_free(ss, o);
    in_clear(ss);
    job_free(ss->reading);
    http_parser_free(ss->parser);
    g_ptr_array_remove_fast(ss->srv->sessions, ss);
    g_free(ss);
}

static void session_reap(void *ud)
{
    session *ss = ud;
    ss->reap = 0;
    session_destroy(ss);
}

static void session_maybe_free(session *ss)
{
    if (ss->gone && ss->in_worker == 0 && !ss->reap)
        ss->reap = host_timer(ss->srv->env, 0, session_reap, ss);
}

static void on_accept(void *ud, stream_t *s)
{
    http_server *srv = ud;
    if (srv->c.max_connections && srv->sessions->len >= srv->c.max_connections) {
        static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\n"
                                   "Content-Length: 0\r\nConnection: close\r\n\r\n";
        srv->stats.refused++;
        stream_write(s, busy, sizeof busy - 1);
        stream_close(s);
        return;
    }
    session *ss = g_new0(session, 1);
    ss->srv = srv;
    ss->s = s;
    ss->parser = http_parser_new(true, &srv->c.limits);
    g_queue_init(&ss->jobs);
    g_queue_init(&ss->out);
    g_queue_init(&ss->in);
    ss->reading_on = true;
    ss->head_start = -1;
    ss->last_activity = ss->last_progress = host_now(srv->env);
    g_ptr_array_add(srv->sessions, ss);
    srv->stats.connections++;
    stream_set_handler(s, &session_handler, ss);
    session_schedule(ss);
}

/* ---- lifecycle ---------------------------------------------------------------------- */

http_server *http_server_new(host_env *env, http_store *store, const http_server_config *c,
                             GError **err)
{
    http_server *srv = g_new0(http_server, 1);
    srv->env = env;
    srv->store = store;
    if (c)
        srv->c = *c;
    else
        http_server_config_default(&srv->c);
    srv->name = g_strdup(srv->c.name ? srv->c.name : "appsim/" APPSIM_VERSION);
    srv->c.name = srv->name;
    srv->host = g_strdup(srv->c.host ? srv->c.host : host_name(env));
    srv->c.host = srv->host;
    srv->c.max_pipeline = MAX(srv->c.max_pipeline, 1);
    srv->c.max_conn_buffer = MAX(srv->c.max_conn_buffer, 1);
    srv->c.cookie_cap = MAX(srv->c.cookie_cap, 1);
    srv->protect = rules_new();
    srv->redirects = rules_new();
    srv->forbid = rules_new();
    srv->fail = rules_new();
    srv->cookies = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, g_free);
    g_queue_init(&srv->cookie_lru);
    srv->sessions = g_ptr_array_new();
    g_queue_init(&srv->worker_queue);
    srv->listener = host_listen(env, srv->c.port, on_accept, srv, err);
    if (!srv->listener) {
        http_server_free(srv);
        return NULL;
    }
    return srv;
}

void http_server_free(http_server *srv)
{
    if (!srv)
        return;
    srv->tearing_down = true;
    host_unlisten(srv->env, srv->listener);
    host_timer_cancel(srv->env, srv->worker_timer);
    if (srv->working) {
        srv->working->ss->in_worker--;
        srv->working->in_worker = false;
        g_queue_remove(&srv->working->ss->jobs, srv->working);
        job_free(srv->working);
    }
    job *j;
    while ((j = g_queue_pop_head(&srv->worker_queue))) {
        j->ss->in_worker--;
        g_queue_remove(&j->ss->jobs, j);
        job_free(j);
    }
    while (srv->sessions->len) {
        session *ss = g_ptr_array_index(srv->sessions, srv->sessions->len - 1);
        if (!ss->gone) {
            session_gone(ss);
            stream_abort(ss->s);
        }
        ss->in_worker = 0;
        session_destroy(ss);
    }
    g_ptr_array_free(srv->sessions, TRUE);
    g_array_free(srv->protect, TRUE);
    g_array_free(srv->redirects, TRUE);
    g_array_free(srv->forbid, TRUE);
    g_array_free(srv->fail, TRUE);
    cookies_clear(srv);
    g_free(srv->name);
    g_free(srv->host);
    g_free(srv);
}

/* ---- asynchronous handlers (a proxy) ---------------------------------------------- */

void http_server_set_handler(http_server *s, http_server_handler fn, void *ud)
{
    s->handler = fn;
    s->handler_ud = ud;
}

bool http_server_job_alive(const http_server_job *hj)
{
    const job *j = (const job *)hj;
    return !j->ss->gone;
}

http_msg *http_server_job_response(http_server_job *hj, int status)
{
    job *j = (job *)hj;
    return job_response(j, status, j->req && j->req->version >= 11 ? 11 : 10);
}

/* Takes `j` off its session's queue with the request head it counted
 * there (its streamed bytes waiting their turn are let go by job_free).
 * O(jobs queued). */
static void jobs_remove(session *ss, job *j)
{
    if (g_queue_remove(&ss->jobs, j))
        ss->jobs_held -= j->head_mem;
}

void http_server_job_reply(http_server_job *hj, http_msg *resp, GBytes *body, size_t off, uint64_t len)
{
    job *j = (job *)hj;
    session *ss = j->ss;
    ss->in_worker--;
    j->in_worker = false;
    if (ss->gone) {
        http_msg_free(resp);
        jobs_remove(ss, j);
        job_free(j);
        session_maybe_free(ss);
        return;
    }
    j->body_out.bytes = body ? g_bytes_ref(body) : NULL;
    j->body_out.off = off;
    j->body_out.len = len;
    if (resp->status >= 400 && !j->body_out.len && !body)
        job_error_body(j, resp, resp->status);
    job_finish(j, resp, http_msg_keep_alive(j->req, NULL));
    session_emit_ready(ss);
}

/* ---- streaming answers ---------------------------------------------------------------- */

/* The drain notice, from its own timer: tells the producer, unless its
 * job has ended meanwhile. */
static void drain_fire(void *ud)
{
    job *j = ud;
    j->drain_timer = 0;
    if (j->drained && !j->ended)
        j->drained(j->drained_ud, (http_server_job *)j);
}

/* Schedules the drain notice of a streaming job (once). */
static void drain_schedule(job *j)
{
    j->want_drain = false;
    if (!j->drain_timer)
        j->drain_timer = host_timer(j->srv->env, 0, drain_fire, j);
}

/* The streaming job whose head is out and whose body is being written. */
static job *stream_current(session *ss)
{
    job *j = g_queue_peek_head(&ss->jobs);
    return j && j->streaming && j->ready && !j->head ? j : NULL;
}

/* Tells the current streaming job, when it asked, that the output drained. */
static void stream_check_drained(session *ss)
{
    job *j = stream_current(ss);
    if (j && j->want_drain && ss->out_held <= HTTP_SERVER_STREAM_LOW)
        drain_schedule(j);
}

/* The client is gone: every streaming job still producing hears it.
 * O(jobs queued). */
static void stream_notify_gone(session *ss)
{
    for (GList *l = ss->jobs.head; l; l = l->next) {
        job *j = l->data;
        if (j->streaming && !j->ended)
            drain_schedule(j);
    }
}

/* Lets go of the spans a streaming job wrote before its turn: to the
 * session's output (`to_out`), or freed. */
static void pend_release(job *j, bool to_out)
{
    j->ss->jobs_held -= j->pend_bytes;
    session_hold(j->ss, -(int64_t)j->pend_bytes);
    j->pend_bytes = 0;
    body_ref *b;
    while ((b = g_queue_pop_head(&j->pend))) {
        if (to_out)
            out_push(j->ss, b);
        else
            body_ref_clear(b);
        g_free(b);
    }
}

void http_server_job_stream(http_server_job *hj, http_msg *resp, int64_t len,
                            http_server_drain_fn drained, void *ud)
{
    job *j = (job *)hj;
    session *ss = j->ss;
    j->streaming = true;
    j->drained = drained;
    j->drained_ud = ud;
    bool keep = http_msg_keep_alive(j->req, NULL);
    int st = resp->status;
    bool bodiless_status = st == 204 || st == 304 || st / 100 == 1;
    /* An HTTP/0.9 answer is the body alone, ended by the close (job_finish). */
    j->no_body = j->req->method == HTTP_M_HEAD || bodiless_status;
    if (len >= 0) {
        http_msg_remove(resp, "Transfer-Encoding");
        if (!bodiless_status) {
            char n[24];
            g_snprintf(n, sizeof n, "%" G_GINT64_FORMAT, len);
            http_msg_set(resp, "Content-Length", n);
        }
    } else if (!j->no_body && j->req->version >= 11) {
        http_msg_remove(resp, "Content-Length");
        http_msg_set(resp, "Transfer-Encoding", "chunked");
        j->chunked = true;
    } else if (!j->no_body) {
        http_msg_remove(resp, "Content-Length");
        keep = false; /* the end of the connection ends the body */
    }
    if (ss->gone) {
        http_msg_free(resp);
        return; /* the job waits for http_server_job_end */
    }
    job_finish(j, resp, keep);
    session_emit_ready(ss);
}

/* Queues a span of a streaming job (takes a reference to `bytes`, NULL for
 * length-only): into the connection's output when the job is being
 * written, else into the job's own queue until its turn. */
static void stream_push(job *j, GBytes *bytes, size_t len)
{
    session *ss = j->ss;
    body_ref b = {.bytes = bytes ? g_bytes_ref(bytes) : NULL, .len = len, .owned = true};
    if (stream_current(ss) == j) {
        out_push(ss, &b);
        return;
    }
    g_queue_push_tail(&j->pend, g_memdup2(&b, sizeof b));
    j->pend_bytes += len;
    ss->jobs_held += len;
    session_hold(ss, (int64_t)len);
}

static void stream_push_text(job *j, const char *text)
{
    GBytes *b = g_bytes_new(text, strlen(text));
    stream_push(j, b, strlen(text));
    g_bytes_unref(b);
}

uint64_t http_server_job_write(http_server_job *hj, const uint8_t *data, size_t len)
{
    job *j = (job *)hj;
    session *ss = j->ss;
    if (ss->gone || !j->streaming || j->ended || j->no_body || len == 0)
        return 0;
    if (j->chunked) {
        char size[32];
        g_snprintf(size, sizeof size, "%zx\r\n", len);
        stream_push_text(j, size);
    }
    GBytes *b = data ? g_bytes_new(data, len) : NULL;
    stream_push(j, b, len);
    if (b)
        g_bytes_unref(b);
    if (j->chunked)
        stream_push_text(j, "\r\n");
    ss->srv->stats.bytes_sent += len;
    if (stream_current(ss) == j)
        session_flush(ss);
    if (ss->gone)
        return 0;
    uint64_t queued = stream_current(ss) == j ? ss->out_held : j->pend_bytes;
    if (queued >= HTTP_SERVER_STREAM_HIGH)
        j->want_drain = true;
    return queued;
}

void http_server_job_end(http_server_job *hj, bool complete)
{
    job *j = (job *)hj;
    session *ss = j->ss;
    j->ended = true;
    ss->in_worker--;
    j->in_worker = false;
    host_timer_cancel(ss->srv->env, j->drain_timer);
    j->drain_timer = 0;
    if (ss->gone || !j->ready) {
        jobs_remove(ss, j);
        job_free(j);
        session_maybe_free(ss);
        return;
    }
    if (!complete)
        j->cut_short = true;
    else if (j->chunked)
        stream_push_text(j, "0\r\n\r\n");
    session_emit_ready(ss);
}

/*
 * ftp_dataconn: the data connection both FTP ends share (ftp_dataconn.h).
 */
#include "ftp_dataconn.h"

void ftp_dataconn_init(ftp_dataconn *dc, host_env *env, const ftp_dataconn_ops *ops, void *owner, int64_t timeout_ns)
{
    *dc = (ftp_dataconn){.env = env, .ops = ops, .owner = owner, .timeout_ns = timeout_ns};
}

void ftp_dataconn_drop(ftp_dataconn *dc)
{
    host_timer_cancel(dc->env, dc->timer);
    dc->timer = 0;
    host_unlisten(dc->env, dc->l);
    dc->l = NULL;
    if (dc->d)
        stream_close(dc->d);
    dc->d = NULL;
    dc->up = false;
}

void ftp_dataconn_push(ftp_dataconn *dc)
{
    size_t len;
    while (dc->d && dc->up) {
        const uint8_t *p = dc->ops->out(dc->owner, &len);
        if (len == 0)
            return;
        size_t k = stream_write(dc->d, p, len);
        dc->ops->written(dc->owner, k);
        if (k < len)
            return;
    }
}

static void dc_timeout(void *ud)
{
    ftp_dataconn *dc = ud;
    dc->timer = 0;
    ftp_dataconn_drop(dc);
    dc->ops->timeout(dc->owner);
    dc->ops->pump(dc->owner);
}

static void dc_connected(void *ud, stream_t *s)
{
    (void)s;
    ftp_dataconn *dc = ud;
    host_timer_cancel(dc->env, dc->timer);
    dc->timer = 0;
    dc->up = true;
    dc->ops->connected(dc->owner);
    dc->ops->pump(dc->owner);
}

static void dc_data(void *ud, stream_t *s, const uint8_t *data, size_t len)
{
    (void)s;
    ftp_dataconn *dc = ud;
    dc->ops->activity(dc->owner);
    dc->ops->received(dc->owner, data, len);
    dc->ops->pump(dc->owner);
}

static void dc_writable(void *ud, stream_t *s)
{
    (void)s;
    ftp_dataconn *dc = ud;
    dc->ops->activity(dc->owner);
    ftp_dataconn_push(dc);
    dc->ops->pump(dc->owner);
}

static void dc_peer_closed(void *ud, stream_t *s)
{
    (void)s;
    ftp_dataconn *dc = ud;
    dc->ops->eof(dc->owner);
    dc->ops->pump(dc->owner);
}

static void dc_error(void *ud, stream_t *s, stream_err err)
{
    (void)s;
    ftp_dataconn *dc = ud;
    bool was_up = dc->up;
    dc->d = NULL; /* gone */
    dc->up = false;
    host_timer_cancel(dc->env, dc->timer);
    dc->timer = 0;
    dc->ops->failed(dc->owner, was_up, err);
    dc->ops->pump(dc->owner);
}

static const stream_handler dc_handler = {.connected = dc_connected,
                                          .data = dc_data,
                                          .writable = dc_writable,
                                          .peer_closed = dc_peer_closed,
                                          .error = dc_error};

static void dc_accept(void *ud, stream_t *s)
{
    ftp_dataconn *dc = ud;
    if (dc->d || dc->refusing) {
        stream_abort(s); /* one data connection per listener */
        return;
    }
    dc->d = s;
    stream_set_handler(s, &dc_handler, dc);
    dc_connected(dc, s);
}

uint16_t ftp_dataconn_listen(ftp_dataconn *dc)
{
    ftp_dataconn_drop(dc);
    dc->l = host_listen(dc->env, 0, dc_accept, dc, NULL);
    return dc->l ? host_listener_port(dc->env, dc->l) : 0;
}

void ftp_dataconn_arm(ftp_dataconn *dc)
{
    host_timer_cancel(dc->env, dc->timer);
    dc->timer = host_timer(dc->env, dc->timeout_ns, dc_timeout, dc);
}

bool ftp_dataconn_connect(ftp_dataconn *dc, uint16_t local_port, const char *host, uint16_t port)
{
    ftp_dataconn_drop(dc);
    dc->d = host_connect_from(dc->env, local_port, host, port, &dc_handler, dc, NULL);
    if (!dc->d)
        return false;
    ftp_dataconn_arm(dc);
    return true;
}

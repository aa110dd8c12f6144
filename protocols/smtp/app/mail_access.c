/*
 * mail_access: the POP3 and IMAP servers of a "mail-server" (the slides'
 * access protocols), over the same mail store SMTP delivers into, and
 * what its ports show in timelines and transcripts (smtp_apps.h).
 *
 * Each access server is a listener on the mail-server's host; every
 * connection it accepts gets a pop3_server_conn or imap_server_conn
 * (their autologout timers, flow control and closing rules), kept until
 * the server is freed so that its counters can be summed at the end.
 * The preload puts deterministic messages into a mailbox before anything
 * else runs. Costs: O(connections) memory for the run.
 */
#include <string.h>

#include "protocols/imap/app/imap_app.h"
#include "protocols/imap/imap_conn.h"
#include "protocols/pop3/app/pop3_app.h"
#include "protocols/pop3/pop3_conn.h"
#include "smtp_apps.h"

struct mail_access {
    host_env *env;
    mail_store *store; /* borrowed: the mail server's */
    host_listener *pop3_l, *imap_l;
    GPtrArray *pop3, *imap; /* of pop3_server_conn / imap_server_conn, in accept order */
    uint64_t pop3_logins;
};

static void pop3_login(void *ud, pop3_server_conn *c, const char *user, bool ok)
{
    (void)c;
    (void)user;
    if (ok)
        ((mail_access *)ud)->pop3_logins++;
}

static void pop3_closed(void *ud, pop3_server_conn *c, const char *why)
{
    (void)ud;
    (void)c;
    (void)why; /* kept for the counters; freed with the server */
}

static const pop3_server_conn_handler pop3_handler = {pop3_login, pop3_closed};

static void pop3_accept(void *ud, stream_t *s)
{
    mail_access *a = ud;
    g_ptr_array_add(a->pop3, pop3_server_conn_new(a->env, s, NULL, a->store, &pop3_handler, a, 0));
}

static void imap_closed(void *ud, imap_server_conn *c, const char *why)
{
    (void)ud;
    (void)c;
    (void)why;
}

static const imap_server_conn_handler imap_handler = {imap_closed};

static void imap_accept(void *ud, stream_t *s)
{
    mail_access *a = ud;
    /* The simulated network is the lab's own: LOGIN is allowed. */
    g_ptr_array_add(a->imap, imap_server_conn_new(a->env, s, NULL, a->store, &imap_handler, a, 0));
}

mail_access *mail_access_new(host_env *env, const mail_server_spec *s, mail_store *store, GError **err)
{
    mail_access *a = g_new0(mail_access, 1);
    a->env = env;
    a->store = store;
    a->pop3 = g_ptr_array_new_with_free_func((GDestroyNotify)pop3_server_conn_free);
    a->imap = g_ptr_array_new_with_free_func((GDestroyNotify)imap_server_conn_free);
    if ((s->pop3 && !(a->pop3_l = host_listen(env, (uint16_t)s->pop3_port, pop3_accept, a, err))) ||
        (s->imap && !(a->imap_l = host_listen(env, (uint16_t)s->imap_port, imap_accept, a, err)))) {
        mail_access_free(a);
        return NULL;
    }
    return a;
}

void mail_access_free(mail_access *a)
{
    if (!a)
        return;
    if (a->pop3_l)
        host_unlisten(a->env, a->pop3_l);
    if (a->imap_l)
        host_unlisten(a->env, a->imap_l);
    g_ptr_array_free(a->pop3, TRUE);
    g_ptr_array_free(a->imap, TRUE);
    g_free(a);
}

void mail_access_counters_get(const mail_access *a, bool imap, mail_access_counters *out)
{
    memset(out, 0, sizeof *out);
    if (!a)
        return;
    if (imap) {
        out->sessions = a->imap->len;
        for (guint i = 0; i < a->imap->len; i++) {
            const imap_server_conn *c = g_ptr_array_index(a->imap, i);
            out->bytes_in += imap_server_conn_bytes_in(c);
            out->bytes_out += imap_server_conn_bytes_out(c);
        }
        return;
    }
    out->sessions = a->pop3->len;
    out->logins = a->pop3_logins;
    for (guint i = 0; i < a->pop3->len; i++) {
        const pop3_server_stats *st = pop3_server_conn_stats(g_ptr_array_index(a->pop3, i));
        out->retrieved += st->retrieved;
        out->deleted += st->deleted;
        out->bytes_in += st->bytes_in;
        out->bytes_out += st->bytes_out;
    }
}

/* ---- preload ------------------------------------------------------------------- */

GBytes *mail_access_preload_message(const mail_server_spec *s, int64_t i)
{
    const char *dom = g_ptr_array_index(s->domains, 0);
    GString *m = g_string_new(NULL);
    if (s->preload.from)
        g_string_append_printf(m, "From: %s\r\n", s->preload.from);
    else
        g_string_append_printf(m, "From: sender@%s\r\n", dom);
    g_string_append_printf(m,
                           "To: %s@%s\r\nSubject: Message %" G_GINT64_FORMAT "\r\n"
                           "Date: Thu, 01 Jan 1970 00:00:00 +0000\r\n"
                           "Message-ID: <preload.%" G_GINT64_FORMAT "@%s>\r\n\r\n",
                           s->preload.mailbox, dom, i, i, dom);
    /* The body: lines of at most 78 letters and CRLF, making the message
     * exactly `size` bytes (the header alone when `size` leaves no room
     * for a line of one letter). */
    static const char abc[] = "abcdefghijklmnopqrstuvwxyz";
    for (uint64_t r = s->preload.size > m->len ? s->preload.size - m->len : 0; r >= 3;) {
        uint64_t piece = r <= 80 ? r : MIN((uint64_t)80, r - 3);
        for (uint64_t k = 0; k + 2 < piece; k++)
            g_string_append_c(m, abc[(k + (uint64_t)i) % 26]);
        g_string_append(m, "\r\n");
        r -= piece;
    }
    size_t n = m->len;
    return g_bytes_new_take(g_string_free(m, FALSE), n);
}

bool mail_access_preload(mail_store *store, const mail_server_spec *s, GError **err)
{
    for (int64_t i = 1; s->preload.mailbox && i <= s->preload.count; i++) {
        GBytes *b = mail_access_preload_message(s, i);
        uint32_t uid = mail_store_deliver(store, s->preload.mailbox, b, 0, err);
        g_bytes_unref(b);
        if (!uid)
            return false;
    }
    return true;
}

/* ---- what its ports show ---------------------------------------------------------- */

/* One direction of a connection to a mail-server: which protocol it
 * speaks is told by its first line (SMTP's "220" or EHLO, POP3's "+OK"
 * or USER, IMAP's "* OK" or a tagged command); until then its bytes are
 * kept (at most MUX_SNIFF_MAX), then replayed to that protocol's parser. */
#define MUX_SNIFF_MAX 64

typedef struct {
    bool client;
    const app_dialogue *sub; /* NULL: not told yet */
    void *p;
    GByteArray *pre; /* the first bytes, replayed */
    size_t off;      /* of pre, replayed so far */
} mux_dlg;

static void *mux_new(bool from_client)
{
    mux_dlg *m = g_new0(mux_dlg, 1);
    m->client = from_client;
    m->pre = g_byte_array_new();
    return m;
}

static void mux_free(void *p)
{
    mux_dlg *m = p;
    if (m->sub)
        m->sub->free(m->p);
    g_byte_array_free(m->pre, TRUE);
    g_free(m);
}

static bool smtp_first(const uint8_t *d, size_t len)
{
    static const char *const verbs[] = {"EHLO", "HELO", "MAIL", "RCPT", "DATA", NULL};
    if (len >= 3 && g_ascii_isdigit(d[0]) && g_ascii_isdigit(d[1]) && g_ascii_isdigit(d[2]))
        return true;
    for (int i = 0; verbs[i]; i++)
        if (len >= 4 && !g_ascii_strncasecmp((const char *)d, verbs[i], 4))
            return true;
    return false;
}

static const app_dialogue *mux_tell(const uint8_t *d, size_t len)
{
    if (!d || smtp_first(d, len))
        return &smtp_app_dialogue;
    if (pop3_app_sniff(d, len))
        return &pop3_app_dialogue;
    if (imap_app_sniff(d, len))
        return &imap_app_dialogue;
    return &smtp_app_dialogue;
}

static size_t mux_feed(void *p, const uint8_t *data, size_t len, app_dlg_event *ev)
{
    mux_dlg *m = p;
    size_t taken = 0;
    if (!m->sub) {
        if (data)
            g_byte_array_append(m->pre, data, (guint)len);
        bool line = memchr(m->pre->data, '\n', m->pre->len) != NULL;
        if (data && !line && m->pre->len < MUX_SNIFF_MAX) {
            ev->kind = APP_DLG_NEED_MORE;
            return len;
        }
        m->sub = mux_tell(m->pre->len ? m->pre->data : NULL, m->pre->len);
        m->p = m->sub->new(m->client);
        taken = data ? len : 0;
    }
    while (m->off < m->pre->len) {
        size_t k = m->sub->feed(m->p, m->pre->data + m->off, m->pre->len - m->off, ev);
        m->off += k;
        if (ev->kind != APP_DLG_NEED_MORE)
            return taken;
        if (k == 0)
            break;
    }
    if (taken == len && taken) {
        ev->kind = APP_DLG_NEED_MORE;
        return taken;
    }
    return taken + m->sub->feed(m->p, data ? data + taken : NULL, len - taken, ev);
}

static void mux_answering(void *server_side, const void *client_side)
{
    mux_dlg *s = server_side;
    const mux_dlg *c = client_side;
    if (s->sub && s->sub == c->sub && s->sub->answering)
        s->sub->answering(s->p, c->p);
}

const app_dialogue mail_access_dialogue = {mux_new, mux_free, mux_feed, mux_answering};

char *mail_access_label(const uint8_t *d, size_t len)
{
    if (d && !smtp_first(d, len)) {
        if (pop3_app_sniff(d, len))
            return pop3_app_label(d, len);
        if (imap_app_sniff(d, len))
            return imap_app_label(d, len);
    }
    return smtp_app_label(d, len);
}

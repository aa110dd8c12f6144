/*
 * mail_formulas: the mail-agent's textbook formulas (smtp_apps.h), for
 * the textbook's ideal TCP (no slow start) on idle paths.
 *
 * An SMTP session, from the client's connect, is (RTT the path's round
 * trip, every message's transmission counted on every hop):
 *
 *   SYN, SYN-ACK, ACK (1.5 RTT: the server accepts on the ACK)
 *   220 greeting                      (0.5 RTT)   -> 2 RTT
 *   EHLO, its 250 reply               (1 RTT)
 *   MAIL, RCPT x n, DATA pipelined; 250, 250 x n, 354   (1 RTT)
 *   the message and its "." line      (0.5 RTT + its transmission)
 *   the 250 after the data            (0.5 RTT)
 *
 * so a submission takes 5 RTT plus transmissions ("smtp-submit"); the
 * message is stored 4.5 RTT plus transmissions after the connect. The
 * end-to-end delivery ("mail-delivery") is the submission's 4.5 RTT to
 * Alice's server, its lookups of the exchanger (MX then A: the clients'
 * lookup time that dns.csv measured, 0 without a resolver), then the
 * relay's 4.5 RTT to Bob's server, with transmissions. Both are about the
 * first message, sent alone; NaN for a HELO greeting (helo not set) or
 * without a path.
 */
#include <math.h>
#include <string.h>

#include "smtp_apps.h"

/* One direction of a path, for a burst of bytes written at once. */
typedef struct {
    app_path p;
    double hdr;           /* header bytes per segment */
    double mss;
} leg;

static bool leg_init(const app_world *w, const char *from, const char *to, leg *l)
{
    app_tcp_info tcp;
    app_world_tcp(w, &tcp);
    if (!tcp.ideal || !app_world_path(w, from, to, &l->p) || l->p.n < 0)
        return false;
    l->hdr = app_world_header_bytes(w, false);
    l->mss = tcp.mss;
    return true;
}

/* The time the last of `bytes` bytes arrives, written at once: the first
 * segment crosses the path, the others follow it at the bottleneck's
 * pace (cost O(hops)). */
static double burst_s(const leg *l, double bytes)
{
    if (bytes <= 0)
        return app_path_datagram_s(&l->p, (uint64_t)l->hdr);
    double k = ceil(bytes / l->mss);
    double first = MIN(bytes, l->mss);
    double t = app_path_datagram_s(&l->p, (uint64_t)(first + l->hdr));
    return t + ((bytes - first) + (k - 1) * l->hdr) * 8.0 / l->p.bottleneck_bps;
}

/* What a session carries, in bytes, as the SMTP cores write it. */
typedef struct {
    double greet, ehlo, ehlo_reply, envelope, envelope_reply, data;
} session_bytes;

static void session_sizes(const char *greeting, const char *helo, const char *from, const GPtrArray *to,
                          double message, session_bytes *b)
{
    size_t g = strlen(greeting), h = strlen(helo);
    b->greet = 4 + g + 2;
    b->ehlo = 5 + h + 2;
    b->ehlo_reply = (4 + g + 7 + h + 22 + 2) + 19 + 14 + 16;
    char size[32];
    g_snprintf(size, sizeof size, " SIZE=%.0f", message);
    b->envelope = 11 + strlen(from) + 1 + strlen(size) + 2 + 6;
    b->envelope_reply = 4 + strlen(from) + 12 + 2 + 54;
    for (guint i = 0; i < to->len; i++) {
        size_t t = strlen(g_ptr_array_index(to, i));
        b->envelope += 9 + t + 1 + 2;
        b->envelope_reply += 4 + t + 17 + 2;
    }
    b->data = message + 3; /* the final ".\r\n"; no line of ours starts with a dot */
}

/* From a connect to the data's arrival at the server. */
static double session_to_stored(const leg *fwd, const leg *rev, const session_bytes *b)
{
    return burst_s(fwd, 0) + burst_s(rev, 0) + burst_s(fwd, 0) + burst_s(rev, b->greet) + burst_s(fwd, b->ehlo) +
           burst_s(rev, b->ehlo_reply) + burst_s(fwd, b->envelope) + burst_s(rev, b->envelope_reply) +
           burst_s(fwd, b->data);
}

/* The few keys of the agent the formulas need. */
typedef struct {
    const char *server, *from, *helo;
    const GPtrArray *to;
} agent_view;

static bool view_of(const app_spec *a, agent_view *v)
{
    smtp_app_agent_view(a, &v->server, &v->from, &v->helo, &v->to);
    return v->helo != NULL;
}

/* The greeting domain of the mail-server on `node`, or NULL. */
static const char *greeting_of(const app_world *w, const char *node, const app_spec **ms)
{
    *ms = app_world_find(w, "mail-server", node);
    if (!*ms)
        return NULL;
    const mail_server_spec *s = (*ms)->cfg;
    return s->greeting ? s->greeting : g_ptr_array_index(s->domains, 0);
}

/* The agent's first submission, as far as the message stored at its
 * server: what both formulas start from. */
typedef struct {
    agent_view v;
    const app_spec *ms; /* the agent's mail-server */
    const char *greet;  /* its greeting domain */
    double size;        /* the message's bytes */
    leg rev;            /* the path from the server back to the agent */
} submission;

/* The time from the agent's connect to its message stored at its server
 * (filling `s`), or NaN for a HELO greeting, no size or no path. */
static double submission_s(const app_world *w, const app_spec *a, const app_view *m, submission *s)
{
    s->size = app_view_metric(m, "mail_agent.message_bytes");
    s->greet = view_of(a, &s->v) ? greeting_of(w, s->v.server, &s->ms) : NULL;
    leg fwd;
    if (!s->greet || !isfinite(s->size) || !leg_init(w, a->host, s->v.server, &fwd) ||
        !leg_init(w, s->v.server, a->host, &s->rev))
        return NAN;
    session_bytes b;
    session_sizes(s->greet, s->v.helo, s->v.from, s->v.to, s->size, &b);
    return session_to_stored(&fwd, &s->rev, &b);
}

double smtp_submit_formula(const app_world *w, const app_spec *a, const app_view *m)
{
    submission s;
    double t = submission_s(w, a, m, &s);
    return isnan(t) ? NAN : t + burst_s(&s.rev, 35);
}

double mail_delivery_formula(const app_world *w, const app_spec *a, const app_view *m)
{
    submission s;
    double t = submission_s(w, a, m, &s);
    if (isnan(t))
        return NAN;
    const app_spec *dest_ms;
    const char *dest = smtp_app_route(w, s.ms, strrchr(g_ptr_array_index(s.v.to, 0), '@') + 1);
    const char *dest_greet = dest ? greeting_of(w, dest, &dest_ms) : NULL;
    leg fwd, rev;
    if (!dest_greet || !leg_init(w, s.v.server, dest, &fwd) || !leg_init(w, dest, s.v.server, &rev))
        return NAN;
    /* the relay's session: Alice's server says EHLO with its greeting domain */
    session_bytes b;
    session_sizes(dest_greet, s.greet, s.v.from, s.v.to, s.size, &b);
    double lookups = app_view_metric(m, "dns.lookups"), mean = app_view_metric(m, "dns.mean_lookup_time_s");
    if (isfinite(lookups) && lookups > 0 && isfinite(mean))
        t += lookups * mean;
    return t + session_to_stored(&fwd, &rev, &b);
}

/*
 * Tests of protocols/smtp/mail_server and mail_agent over the simulator:
 * Alice's agent submits to crepes.fr's server, which relays to
 * hamburger.edu's server (static routes, or MX through a scripted
 * resolver), which stores the message in bob's mailbox. Unknown
 * mailboxes and 5xx bounce at once, an outage is retried every 30
 * minutes, a give-up time bounces, strangers are refused relaying, and
 * the counters' invariant holds after each test.
 */
#define _DEFAULT_SOURCE
#define _POSIX_C_SOURCE 200809L

#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "models/net.h"
#include "models/sim_host.h"
#include "models/tcp.h"
#include "protocols/mailstore/mail_store.h"
#include "protocols/smtp/mail_agent.h"
#include "protocols/smtp/mail_server.h"
#include "sim/sim.h"
#include "test_util.h"

#define MIN_NS(m) ((int64_t)(m) * 60 * 1000000000)

typedef struct {
    char *host;
    int64_t t;
    char *row;
} rec;

typedef struct {
    sim_t *sim;
    net_t *net;
    tcp_stack_t *tcp;
    link_t *hlink;
    sim_host_t *alice, *crepes, *hamburger, *stranger, *deadmx;
    mail_server *cs, *hs;
    GPtrArray *recs; /* rec *, in order */
    mail_agent *agent;
    int agent_done;
} mw;

static void rec_free(gpointer p)
{
    rec *r = p;
    g_free(r->host);
    g_free(r->row);
    g_free(r);
}

static void sink(void *ud, const char *host, int64_t now, const char *kind, const char *text)
{
    mw *w = ud;
    if (strcmp(kind, "mail") != 0)
        return;
    rec *r = g_new0(rec, 1);
    r->host = g_strdup(host);
    r->t = now;
    r->row = g_strdup(text);
    g_ptr_array_add(w->recs, r);
}

static sim_host_t *add_host(mw *w, const char *name, node_t *router)
{
    node_t *n = net_add_host(w->net, name, NULL);
    link_params_t lp = {.rate_bps = 10000000, .delay = SIM_MS(10)};
    char *ln = g_strdup_printf("%s-r", name);
    link_t *l = net_link(w->net, ln, n, router, &lp, NULL, NULL);
    if (strcmp(name, "hamburger") == 0)
        w->hlink = l;
    g_free(ln);
    sim_host_t *h = sim_host_new(w->tcp, n, NULL);
    sim_host_set_record_sink(h, sink, w);
    return h;
}

static const char *const crepes_domains[] = {"crepes.fr", NULL};
static const char *const crepes_boxes[] = {"alice", NULL};
static const char *const crepes_relay[] = {"alice", NULL};
static const mail_route crepes_routes[] = {{"hamburger.edu", "hamburger", 0}, {0}};
static const char *const ham_domains[] = {"hamburger.edu", NULL};
static const char *const ham_boxes[] = {"bob", "carol", NULL};
static const mail_route ham_routes[] = {{"crepes.fr", "crepes", 0}, {0}};

/* The world; hamburger's server delivers into `hstore` (borrowed) or,
 * when NULL, a store of its own. */
static void mw_init_store(mw *w, int64_t down_until, int64_t give_up, bool ham_listens, mail_store *hstore)
{
    memset(w, 0, sizeof *w);
    w->recs = g_ptr_array_new_with_free_func(rec_free);
    w->sim = sim_new(1);
    w->net = net_new(w->sim);
    node_t *r = net_add_router(w->net, "r", NULL);
    w->tcp = tcp_stack_new(w->net, NULL);
    w->alice = add_host(w, "alice", r);
    w->crepes = add_host(w, "crepes", r);
    w->hamburger = add_host(w, "hamburger", r);
    w->stranger = add_host(w, "stranger", r);
    w->deadmx = add_host(w, "deadmx", r);
    if (down_until > 0)
        CU_ASSERT_TRUE(link_add_down_interval(w->hlink, 0, down_until, NULL));
    mail_server_config cc = {.domains = crepes_domains, .mailboxes = crepes_boxes, .relay_clients = crepes_relay,
                             .routes = crepes_routes, .give_up_ns = give_up};
    GError *err = NULL;
    w->cs = mail_server_new(sim_host_env(w->crepes), &cc, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w->cs);
    if (ham_listens) {
        mail_server_config hc = {.domains = ham_domains, .mailboxes = ham_boxes, .routes = ham_routes,
                                 .store = hstore};
        w->hs = mail_server_new(sim_host_env(w->hamburger), &hc, &err);
        CU_ASSERT_PTR_NOT_NULL_FATAL(w->hs);
    }
}

static void mw_init(mw *w, int64_t down_until, int64_t give_up, bool ham_listens)
{
    mw_init_store(w, down_until, give_up, ham_listens, NULL);
}

/* The number of messages in a user's INBOX in a server's store (-1: no such user). */
static int box_count(const mail_server *ms, const char *user)
{
    mail_folder *f = mail_store_folder(mail_server_store(ms), user, MAIL_STORE_INBOX, NULL);
    return f ? (int)mail_folder_count(f) : -1;
}

static const mail_store_msg *box_get(const mail_server *ms, const char *user, guint i)
{
    mail_folder *f = mail_store_folder(mail_server_store(ms), user, MAIL_STORE_INBOX, NULL);
    return f ? mail_folder_msg(f, i) : NULL;
}

static void check_invariant(const mail_server *ms)
{
    if (!ms)
        return;
    const mail_server_counters *c = mail_server_counters_get(ms);
    CU_ASSERT_EQUAL(c->accepted, c->delivered_local + c->relayed + c->bounced + c->queued);
}

static void mw_clear(mw *w)
{
    check_invariant(w->cs);
    check_invariant(w->hs);
    mail_agent_free(w->agent);
    mail_server_free(w->cs);
    mail_server_free(w->hs);
    sim_host_free(w->alice);
    sim_host_free(w->crepes);
    sim_host_free(w->hamburger);
    sim_host_free(w->stranger);
    sim_host_free(w->deadmx);
    tcp_stack_free(w->tcp);
    net_free(w->net);
    sim_free(w->sim);
    g_ptr_array_free(w->recs, TRUE);
}

static void agent_done(void *ud, mail_agent *a)
{
    (void)a;
    ((mw *)ud)->agent_done++;
}

static const char msg_text[] = "From: alice@crepes.fr\r\nTo: bob@hamburger.edu\r\nSubject: hi\r\n\r\n"
                               "Do you like ketchup?\r\nHow about pickles?\r\n";

/* Alice (or a stranger) submits one message to `server`. */
static void submit(mw *w, sim_host_t *from, const char *server, const char *sender, const char *rcpt)
{
    w->agent = mail_agent_new(sim_host_env(from), server, 25, "crepes.fr", agent_done, w);
    smtp_envelope *e = smtp_envelope_new(sender);
    smtp_envelope_add_rcpt(e, rcpt);
    smtp_envelope_set_data(e, msg_text, strlen(msg_text));
    mail_agent_add(w->agent, e);
    smtp_envelope_free(e);
    CU_ASSERT_TRUE(mail_agent_start(w->agent, NULL));
}

/* The time of the first record on `host` whose row starts with `prefix`
 * (-1: none), and how many there are. */
static int64_t rec_time(const mw *w, const char *host, const char *prefix, int *count)
{
    int64_t t = -1;
    int n = 0;
    for (guint i = 0; i < w->recs->len; i++) {
        const rec *r = g_ptr_array_index(w->recs, i);
        if (strcmp(r->host, host) == 0 && g_str_has_prefix(r->row, prefix)) {
            if (t < 0)
                t = r->t;
            n++;
        }
    }
    if (count)
        *count = n;
    return t;
}

/* The first record row on `host` starting with `prefix`, or "". */
static const char *rec_row(const mw *w, const char *host, const char *prefix)
{
    for (guint i = 0; i < w->recs->len; i++) {
        const rec *r = g_ptr_array_index(w->recs, i);
        if (strcmp(r->host, host) == 0 && g_str_has_prefix(r->row, prefix))
            return r->row;
    }
    return "";
}

static void test_alice_to_bob(void)
{
    mw w;
    mw_init(&w, 0, 0, true);
    submit(&w, w.alice, "crepes", "alice@crepes.fr", "bob@hamburger.edu");
    sim_run_until(w.sim, SIM_S(60));
    CU_ASSERT_EQUAL(w.agent_done, 1);
    const mail_agent_result *r = mail_agent_result_get(w.agent, 0);
    CU_ASSERT_EQUAL(r->result, SMTP_RESULT_DELIVERED);
    CU_ASSERT_EQUAL(r->code, 250);
    CU_ASSERT_TRUE(r->end_ns > r->start_ns);
    CU_ASSERT_EQUAL(box_count(w.hs, "bob"), 1);
    const mail_store_msg *st = box_get(w.hs, "bob", 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(st);
    CU_ASSERT_EQUAL(st->uid, 1);
    CU_ASSERT_EQUAL(st->flags, MAIL_FLAG_RECENT);
    CU_ASSERT_PTR_NOT_NULL(strstr(rec_row(&w, "hamburger", "local,"), ",alice@crepes.fr,bob@hamburger.edu,"));
    CU_ASSERT_EQUAL(g_bytes_get_size(st->data), strlen(msg_text));
    CU_ASSERT_EQUAL(memcmp(g_bytes_get_data(st->data, NULL), msg_text, strlen(msg_text)), 0);
    /* The steps in time order: received, queued, attempt, delivered at
     * crepes; stored at hamburger before crepes hears 250. */
    int64_t t_recv = rec_time(&w, "crepes", "received,", NULL), t_q = rec_time(&w, "crepes", "queued,", NULL),
            t_att = rec_time(&w, "crepes", "attempt,", NULL), t_del = rec_time(&w, "crepes", "delivered,", NULL),
            t_local = rec_time(&w, "hamburger", "local,", NULL);
    CU_ASSERT_TRUE(t_recv > 0 && t_recv <= t_q && t_q <= t_att && t_att < t_local && t_local < t_del);
    CU_ASSERT_TRUE(t_del < SIM_S(2));
    CU_ASSERT_EQUAL(st->internal_ns, t_local);
    const mail_server_counters *c = mail_server_counters_get(w.cs);
    CU_ASSERT_EQUAL(c->accepted, 1);
    CU_ASSERT_EQUAL(c->relayed, 1);
    CU_ASSERT_EQUAL(c->queued, 0);
    CU_ASSERT_EQUAL(c->deferred, 0);
    CU_ASSERT_EQUAL(mail_server_counters_get(w.hs)->delivered_local, 1);
    /* Mailbox access through the store: delete, then empty; unknown mailbox. */
    CU_ASSERT_EQUAL(box_count(w.hs, "dave"), -1);
    mail_folder *inbox = mail_store_folder(mail_server_store(w.hs), "bob", MAIL_STORE_INBOX, NULL);
    CU_ASSERT_FALSE(mail_folder_remove(inbox, 1, NULL));
    CU_ASSERT_TRUE(mail_folder_remove(inbox, 0, NULL));
    CU_ASSERT_EQUAL(box_count(w.hs, "bob"), 0);
    mw_clear(&w);
}

/* An unknown mailbox at hamburger.edu: 550 at RCPT, bounced at once into
 * alice's mailbox at crepes.fr, from MAILER-DAEMON, with the headers. */
static void test_unknown_mailbox_bounces(void)
{
    mw w;
    mw_init(&w, 0, 0, true);
    submit(&w, w.alice, "crepes", "alice@crepes.fr", "nobody@hamburger.edu");
    sim_run_until(w.sim, SIM_S(60));
    CU_ASSERT_EQUAL(mail_agent_result_get(w.agent, 0)->result, SMTP_RESULT_DELIVERED); /* accepted by crepes */
    CU_ASSERT_EQUAL(box_count(w.cs, "alice"), 1);
    const mail_store_msg *st = box_get(w.cs, "alice", 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(st);
    CU_ASSERT_TRUE(g_str_has_prefix(rec_row(&w, "crepes", "local,"), "local,2,,alice@crepes.fr,"));
    char *text = g_strndup(g_bytes_get_data(st->data, NULL), g_bytes_get_size(st->data));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "From: MAILER-DAEMON@crepes.fr\r\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "<nobody@hamburger.edu>"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "No such user here"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "Subject: hi\r\n"));
    CU_ASSERT_PTR_NULL(strstr(text, "ketchup")); /* headers only */
    g_free(text);
    int64_t t_b = rec_time(&w, "crepes", "bounced,", NULL);
    CU_ASSERT_TRUE(t_b > 0 && t_b < SIM_S(2)); /* at once */
    const mail_server_counters *c = mail_server_counters_get(w.cs);
    CU_ASSERT_EQUAL(c->accepted, 2); /* the message and the bounce */
    CU_ASSERT_EQUAL(c->bounced, 1);
    CU_ASSERT_EQUAL(c->delivered_local, 1);
    CU_ASSERT_EQUAL(c->deferred, 0);
    CU_ASSERT_EQUAL(mail_server_counters_get(w.hs)->accepted, 0);
    mw_clear(&w);
}

/* hamburger.edu unreachable for 2 hours, retry every 30 minutes: the
 * attempts at 0, 30, 60 and 90 minutes fail, the one at 120 delivers. */
static void test_outage_retried(void)
{
    mw w;
    mw_init(&w, MIN_NS(120), 0, true);
    submit(&w, w.alice, "crepes", "alice@crepes.fr", "bob@hamburger.edu");
    sim_run_until(w.sim, MIN_NS(180));
    int64_t t_q = rec_time(&w, "crepes", "queued,", NULL);
    int attempts = 0, deferred = 0;
    rec_time(&w, "crepes", "attempt,", &attempts);
    rec_time(&w, "crepes", "deferred,", &deferred);
    CU_ASSERT_EQUAL(attempts, 5);
    CU_ASSERT_EQUAL(deferred, 4);
    int64_t t_del = rec_time(&w, "crepes", "delivered,", NULL);
    CU_ASSERT_TRUE(t_del >= t_q + MIN_NS(120) && t_del < t_q + MIN_NS(120) + SIM_S(2));
    CU_ASSERT_EQUAL(box_count(w.hs, "bob"), 1);
    const mail_server_counters *c = mail_server_counters_get(w.cs);
    CU_ASSERT_EQUAL(c->deferred, 4);
    CU_ASSERT_EQUAL(c->relayed, 1);
    CU_ASSERT_EQUAL(c->queued, 0);
    mw_clear(&w);
}

/* The same outage with a give-up time of 1 hour: bounced at the first
 * failed attempt past 1 hour (the one at 60 minutes). */
static void test_outage_gives_up(void)
{
    mw w;
    mw_init(&w, MIN_NS(120), MIN_NS(60), true);
    submit(&w, w.alice, "crepes", "alice@crepes.fr", "bob@hamburger.edu");
    /* Halfway: still queued, the invariant holds with it. */
    sim_run_until(w.sim, MIN_NS(45));
    CU_ASSERT_EQUAL(mail_server_counters_get(w.cs)->queued, 1);
    check_invariant(w.cs);
    sim_run_until(w.sim, MIN_NS(180));
    int attempts = 0;
    rec_time(&w, "crepes", "attempt,", &attempts);
    CU_ASSERT_EQUAL(attempts, 3);
    int64_t t_q = rec_time(&w, "crepes", "queued,", NULL), t_b = rec_time(&w, "crepes", "bounced,", NULL);
    CU_ASSERT_TRUE(t_b >= t_q + MIN_NS(60) && t_b <= t_q + MIN_NS(66));
    CU_ASSERT_EQUAL(box_count(w.cs, "alice"), 1);
    CU_ASSERT_EQUAL(box_count(w.hs, "bob"), 0);
    const mail_server_counters *c = mail_server_counters_get(w.cs);
    CU_ASSERT_EQUAL(c->bounced, 1);
    CU_ASSERT_EQUAL(c->deferred, 3);
    CU_ASSERT_EQUAL(c->queued, 0);
    mw_clear(&w);
}

/* A stranger cannot relay through hamburger.edu: 550 relay denied, and
 * nothing is accepted; crepes.fr refuses it as well. */
static void test_open_relay_refused(void)
{
    mw w;
    mw_init(&w, 0, 0, true);
    submit(&w, w.stranger, "hamburger", "spam@else.org", "victim@crepes.fr");
    sim_run_until(w.sim, SIM_S(60));
    const mail_agent_result *r = mail_agent_result_get(w.agent, 0);
    CU_ASSERT_EQUAL(r->result, SMTP_RESULT_PERM_FAILURE);
    CU_ASSERT_EQUAL(r->code, 550);
    mail_agent_free(w.agent);
    w.agent = NULL;
    submit(&w, w.stranger, "crepes", "spam@else.org", "bob@hamburger.edu");
    sim_run_until(w.sim, SIM_S(120));
    CU_ASSERT_EQUAL(mail_agent_result_get(w.agent, 0)->code, 550);
    CU_ASSERT_EQUAL(mail_server_counters_get(w.hs)->accepted, 0);
    CU_ASSERT_EQUAL(mail_server_counters_get(w.cs)->accepted, 0);
    CU_ASSERT_EQUAL(box_count(w.cs, "alice"), 0);
    mw_clear(&w);
}

/* A stranger may still send to a local mailbox (that is not relaying). */
static void test_stranger_to_local(void)
{
    mw w;
    mw_init(&w, 0, 0, true);
    submit(&w, w.stranger, "hamburger", "friend@else.org", "bob@hamburger.edu");
    sim_run_until(w.sim, SIM_S(60));
    CU_ASSERT_EQUAL(mail_agent_result_get(w.agent, 0)->result, SMTP_RESULT_DELIVERED);
    CU_ASSERT_EQUAL(box_count(w.hs, "bob"), 1);
    mw_clear(&w);
}

/* Three recipients: two on hamburger.edu go together in one transaction
 * (one attempt), one local one goes to alice's mailbox; counted per
 * recipient. */
static void test_recipients_grouped(void)
{
    mw w;
    mw_init(&w, 0, 0, true);
    w.agent = mail_agent_new(sim_host_env(w.alice), "crepes", 25, "crepes.fr", agent_done, &w);
    smtp_envelope *e = smtp_envelope_new("alice@crepes.fr");
    smtp_envelope_add_rcpt(e, "bob@hamburger.edu");
    smtp_envelope_add_rcpt(e, "alice@crepes.fr");
    smtp_envelope_add_rcpt(e, "carol@hamburger.edu");
    smtp_envelope_set_data(e, msg_text, strlen(msg_text));
    mail_agent_add(w.agent, e);
    smtp_envelope_free(e);
    CU_ASSERT_TRUE(mail_agent_start(w.agent, NULL));
    sim_run_until(w.sim, SIM_S(60));
    int attempts = 0;
    rec_time(&w, "crepes", "attempt,", &attempts);
    CU_ASSERT_EQUAL(attempts, 1);
    CU_ASSERT_EQUAL(box_count(w.hs, "bob"), 1);
    CU_ASSERT_EQUAL(box_count(w.hs, "carol"), 1);
    CU_ASSERT_EQUAL(box_count(w.cs, "alice"), 1);
    const mail_server_counters *c = mail_server_counters_get(w.cs);
    CU_ASSERT_EQUAL(c->accepted, 3);
    CU_ASSERT_EQUAL(c->relayed, 2);
    CU_ASSERT_EQUAL(c->delivered_local, 1);
    CU_ASSERT_EQUAL(mail_server_counters_get(w.hs)->accepted, 2);
    CU_ASSERT_TRUE(g_bytes_equal(box_get(w.hs, "carol", 0)->data, box_get(w.hs, "bob", 0)->data));
    int locals = 0;
    rec_time(&w, "hamburger", "local,1,", &locals); /* one message (id 1 there), two copies */
    CU_ASSERT_EQUAL(locals, 2);
    mw_clear(&w);
}

/* The outage story twice: the same records at the same times. */
static char *outage_log(void)
{
    mw w;
    mw_init(&w, MIN_NS(120), 0, true);
    submit(&w, w.alice, "crepes", "alice@crepes.fr", "bob@hamburger.edu");
    sim_run_until(w.sim, MIN_NS(180));
    GString *s = g_string_new("");
    for (guint i = 0; i < w.recs->len; i++) {
        const rec *r = g_ptr_array_index(w.recs, i);
        g_string_append_printf(s, "%s %" G_GINT64_FORMAT " %s\n", r->host, r->t, r->row);
    }
    mw_clear(&w);
    return g_string_free(s, FALSE);
}

static void test_deterministic(void)
{
    char *a = outage_log(), *b = outage_log();
    CU_ASSERT_TRUE(strlen(a) > 100);
    CU_ASSERT_STRING_EQUAL(a, b);
    g_free(a);
    g_free(b);
}

/* ---- MX through a scripted resolver ----------------------------------- */

typedef struct {
    host_resolver base;
    host_env *env;
    const char *const *mx; /* answer to MX */
    size_t n;
    host_records_fn rfn;
    host_lookup_fn afn;
    void *ud;
    char name[64];
    int mx_lookups, a_lookups;
} script_resolver;

static void answer_mx(void *ud)
{
    script_resolver *r = ud;
    r->rfn(r->ud, r->mx, r->n, NULL);
}

static void answer_a(void *ud)
{
    script_resolver *r = ud;
    r->afn(r->ud, r->name, NULL); /* a node name is as good as its address here */
}

static uint64_t sr_lookup(host_resolver *base, const char *name, host_lookup_fn fn, void *ud)
{
    script_resolver *r = (script_resolver *)base;
    r->afn = fn;
    r->ud = ud;
    g_strlcpy(r->name, name, sizeof r->name);
    r->a_lookups++;
    host_timer(r->env, SIM_MS(1), answer_a, r);
    return (uint64_t)r->a_lookups;
}

static uint64_t sr_records(host_resolver *base, const char *name, const char *type, host_records_fn fn, void *ud)
{
    script_resolver *r = (script_resolver *)base;
    CU_ASSERT_STRING_EQUAL(name, "hamburger.edu");
    CU_ASSERT_STRING_EQUAL(type, "MX");
    r->rfn = fn;
    r->ud = ud;
    r->mx_lookups++;
    host_timer(r->env, SIM_MS(1), answer_mx, r);
    return 1000 + (uint64_t)r->mx_lookups;
}

static void sr_cancel(host_resolver *r, uint64_t id)
{
    (void)r;
    (void)id;
}

static void test_mx_order_and_fallback(void)
{
    static const char *const mx[] = {"20 hamburger.", "10 deadmx."};
    mw w;
    mw_init(&w, 0, 0, true);
    script_resolver sr = {.base = {sr_lookup, sr_records, sr_cancel}, .env = sim_host_env(w.crepes), .mx = mx, .n = 2};
    host_set_resolver(sim_host_env(w.crepes), &sr.base);
    submit(&w, w.alice, "crepes", "alice@crepes.fr", "bob@hamburger.edu");
    sim_run_until(w.sim, SIM_S(60));
    /* deadmx (preference 10) first: refused (no listener), then hamburger. */
    GPtrArray *servers = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < w.recs->len; i++) {
        const rec *r = g_ptr_array_index(w.recs, i);
        if (strcmp(r->host, "crepes") == 0 && g_str_has_prefix(r->row, "attempt,")) {
            char **f = g_strsplit(r->row, ",", -1);
            g_ptr_array_add(servers, g_strdup(f[4]));
            g_strfreev(f);
        }
    }
    CU_ASSERT_EQUAL_FATAL(servers->len, 2);
    CU_ASSERT_STRING_EQUAL(g_ptr_array_index(servers, 0), "deadmx");
    CU_ASSERT_STRING_EQUAL(g_ptr_array_index(servers, 1), "hamburger");
    g_ptr_array_free(servers, TRUE);
    CU_ASSERT_EQUAL(sr.mx_lookups, 1);
    CU_ASSERT_EQUAL(sr.a_lookups, 2);
    CU_ASSERT_EQUAL(box_count(w.hs, "bob"), 1);
    CU_ASSERT_EQUAL(mail_server_counters_get(w.cs)->deferred, 0);
    host_set_resolver(sim_host_env(w.crepes), NULL);
    mw_clear(&w);
}

/* A route with its own port: crepes relays to hamburger on 2525. */
static void test_route_port(void)
{
    mw w;
    mw_init(&w, 0, 0, false);
    mail_server_free(w.cs);
    static const mail_route routes[] = {{"hamburger.edu", "hamburger", 2525}, {0}};
    mail_server_config cc = {.domains = crepes_domains, .mailboxes = crepes_boxes, .relay_clients = crepes_relay,
                             .routes = routes};
    w.cs = mail_server_new(sim_host_env(w.crepes), &cc, NULL);
    mail_server_config hc = {.domains = ham_domains, .mailboxes = ham_boxes, .port = 2525};
    w.hs = mail_server_new(sim_host_env(w.hamburger), &hc, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w.cs);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w.hs);
    CU_ASSERT_EQUAL(mail_server_port(w.hs), 2525);
    submit(&w, w.alice, "crepes", "alice@crepes.fr", "bob@hamburger.edu");
    sim_run_until(w.sim, SIM_S(60));
    CU_ASSERT_EQUAL(mail_server_counters_get(w.cs)->relayed, 1);
    CU_ASSERT_EQUAL(box_count(w.hs, "bob"), 1);
    mw_clear(&w);
}

/* max_connections 1: of two clients at once, one is served and the
 * other gets 421 (a temporary failure) and is counted. */
static void test_connection_cap(void)
{
    mw w;
    mw_init(&w, 0, 0, false);
    mail_server_config hc = {.domains = ham_domains, .mailboxes = ham_boxes, .max_connections = 1};
    w.hs = mail_server_new(sim_host_env(w.hamburger), &hc, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w.hs);
    submit(&w, w.alice, "hamburger", "alice@crepes.fr", "bob@hamburger.edu");
    mail_agent *second = mail_agent_new(sim_host_env(w.stranger), "hamburger", 25, "stranger", agent_done, &w);
    smtp_envelope *e = smtp_envelope_new("eve@stranger.org");
    smtp_envelope_add_rcpt(e, "carol@hamburger.edu");
    smtp_envelope_set_data(e, msg_text, strlen(msg_text));
    mail_agent_add(second, e);
    smtp_envelope_free(e);
    CU_ASSERT_TRUE(mail_agent_start(second, NULL));
    sim_run_until(w.sim, SIM_S(60));
    CU_ASSERT_EQUAL(w.agent_done, 2);
    const mail_agent_result *r1 = mail_agent_result_get(w.agent, 0), *r2 = mail_agent_result_get(second, 0);
    const mail_agent_result *ok = r1->result == SMTP_RESULT_DELIVERED ? r1 : r2, *no = ok == r1 ? r2 : r1;
    CU_ASSERT_EQUAL(ok->result, SMTP_RESULT_DELIVERED);
    CU_ASSERT_EQUAL(no->result, SMTP_RESULT_TEMP_FAILURE);
    CU_ASSERT_EQUAL(no->code, 421);
    const mail_server_counters *c = mail_server_counters_get(w.hs);
    CU_ASSERT_EQUAL(c->connections, 1);
    CU_ASSERT_EQUAL(c->connections_refused, 1);
    CU_ASSERT_EQUAL(c->delivered_local, 1);
    mail_agent_free(second);
    mw_clear(&w);
}

/* A stranger submits one message with two recipients to hamburger. */
static void submit_two(mw *w, const char *r1, const char *r2)
{
    mail_agent_free(w->agent);
    w->agent = mail_agent_new(sim_host_env(w->stranger), "hamburger", 25, "else.org", agent_done, w);
    smtp_envelope *e = smtp_envelope_new("friend@else.org");
    smtp_envelope_add_rcpt(e, r1);
    smtp_envelope_add_rcpt(e, r2);
    smtp_envelope_set_data(e, msg_text, strlen(msg_text));
    mail_agent_add(w->agent, e);
    smtp_envelope_free(e);
    CU_ASSERT_TRUE(mail_agent_start(w->agent, NULL));
}

/* hamburger's server on a Maildir store: the configured mailboxes become
 * user directories, a user another process adds is accepted, a message
 * lands in new/; when a mailbox cannot be written the message is
 * answered 451 as a whole and the copy stored for the other recipient is
 * removed again, so the retry makes no duplicate. */
static void test_maildir_store(void)
{
    char *root = g_dir_make_tmp("appsim-mailsrv-XXXXXX", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(root);
    mail_store *store = mail_store_open_maildir(root, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(store);
    mw w;
    mw_init_store(&w, 0, 0, true, store);
    CU_ASSERT_PTR_EQUAL(mail_server_store(w.hs), store);
    CU_ASSERT_TRUE(mail_store_has_user(store, "bob") && mail_store_has_user(store, "carol"));
    /* Another process adds dave. */
    mail_store *other = mail_store_open_maildir(root, NULL);
    CU_ASSERT_TRUE(mail_store_add_user(other, "dave", NULL, NULL));
    mail_store_free(other);
    submit(&w, w.stranger, "hamburger", "friend@else.org", "dave@hamburger.edu");
    sim_run_until(w.sim, SIM_S(60));
    CU_ASSERT_EQUAL(mail_agent_result_get(w.agent, 0)->result, SMTP_RESULT_DELIVERED);
    CU_ASSERT_EQUAL(box_count(w.hs, "dave"), 1);
    char *dave_new = g_build_filename(root, "dave", "new", NULL);
    GDir *d = g_dir_open(dave_new, 0, NULL);
    const char *name = d ? g_dir_read_name(d) : NULL;
    CU_ASSERT_PTR_NOT_NULL(name);
    if (name) {
        char *p = g_build_filename(dave_new, name, NULL), *text = NULL;
        gsize len = 0;
        CU_ASSERT_TRUE(g_file_get_contents(p, &text, &len, NULL));
        CU_ASSERT_TRUE(len == strlen(msg_text) && memcmp(text, msg_text, len) == 0);
        g_free(text);
        g_free(p);
    }
    if (d)
        g_dir_close(d);
    g_free(dave_new);
    /* bob's new/ becomes a symbolic link: the store refuses to write there. */
    char *bob_new = g_build_filename(root, "bob", "new", NULL);
    CU_ASSERT_EQUAL(g_rmdir(bob_new), 0);
    CU_ASSERT_EQUAL(symlink(root, bob_new), 0);
    submit_two(&w, "carol@hamburger.edu", "bob@hamburger.edu");
    sim_run_until(w.sim, SIM_S(120));
    const mail_agent_result *r = mail_agent_result_get(w.agent, 0);
    CU_ASSERT_EQUAL(r->result, SMTP_RESULT_TEMP_FAILURE);
    CU_ASSERT_EQUAL(r->code, 451);
    CU_ASSERT_EQUAL(box_count(w.hs, "carol"), 0);
    CU_ASSERT_EQUAL(box_count(w.hs, "bob"), 0);
    CU_ASSERT_EQUAL(mail_server_counters_get(w.hs)->accepted, 1);
    int received = 0;
    rec_time(&w, "hamburger", "received,", &received);
    CU_ASSERT_EQUAL(received, 1);
    /* Repaired, the retry is delivered once to each. */
    CU_ASSERT_EQUAL(unlink(bob_new), 0);
    CU_ASSERT_EQUAL(g_mkdir(bob_new, 0700), 0);
    submit_two(&w, "carol@hamburger.edu", "bob@hamburger.edu");
    sim_run_until(w.sim, SIM_S(180));
    CU_ASSERT_EQUAL(mail_agent_result_get(w.agent, 0)->result, SMTP_RESULT_DELIVERED);
    CU_ASSERT_EQUAL(box_count(w.hs, "carol"), 1);
    CU_ASSERT_EQUAL(box_count(w.hs, "bob"), 1);
    CU_ASSERT_EQUAL(mail_server_counters_get(w.hs)->delivered_local, 3);
    g_free(bob_new);
    mw_clear(&w);
    mail_store_free(store);
    test_remove_tree(root);
    g_free(root);
}

/* A mailbox name the store refuses is a configuration error. */
static void test_bad_mailbox_name(void)
{
    mw w;
    mw_init(&w, 0, 0, false);
    static const char *const boxes[] = {"ok", "../etc", NULL};
    mail_server_config c = {.domains = ham_domains, .mailboxes = boxes};
    GError *err = NULL;
    CU_ASSERT_PTR_NULL(mail_server_new(sim_host_env(w.hamburger), &c, &err));
    CU_ASSERT_PTR_NOT_NULL(err && strstr(err->message, "../etc"));
    g_clear_error(&err);
    mw_clear(&w);
}

static void test_config_errors(void)
{
    GError *err = NULL;
    mail_server_config c = {0};
    CU_ASSERT_PTR_NULL(mail_server_new(NULL, &c, &err));
    CU_ASSERT_PTR_NOT_NULL(err);
    g_clear_error(&err);
}

int main(void)
{
    static const test_case tests[] = {
        TEST(test_alice_to_bob),       TEST(test_unknown_mailbox_bounces), TEST(test_outage_retried),
        TEST(test_outage_gives_up),    TEST(test_open_relay_refused),      TEST(test_stranger_to_local),
        TEST(test_mx_order_and_fallback), TEST(test_config_errors), TEST(test_recipients_grouped),
        TEST(test_route_port), TEST(test_connection_cap), TEST(test_deterministic),
        TEST(test_maildir_store), TEST(test_bad_mailbox_name),
    };
    return test_main("mail_server", tests, (int)G_N_ELEMENTS(tests));
}

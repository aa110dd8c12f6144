/*
 * mail_agent: the user agent's submission over smtp_conn (see
 * mail_agent.h). The results are an array indexed like the messages.
 */
#include "mail_agent.h"

#include "smtp_conn.h"

struct mail_agent {
    host_env *env;
    char *server, *helo;
    uint16_t port;
    GPtrArray *messages;  /* smtp_envelope *, owned */
    GArray *results;      /* mail_agent_result */
    smtp_client_conn *conn;
    mail_agent_done_fn done;
    void *ud;
};

mail_agent *mail_agent_new(host_env *env, const char *server, uint16_t port, const char *helo_domain,
                           mail_agent_done_fn done, void *ud)
{
    mail_agent *a = g_new0(mail_agent, 1);
    a->env = env;
    a->server = g_strdup(server);
    a->helo = g_strdup(helo_domain);
    a->port = port ? port : 25;
    a->messages = g_ptr_array_new_with_free_func((GDestroyNotify)smtp_envelope_free);
    a->results = g_array_new(FALSE, TRUE, sizeof(mail_agent_result));
    a->done = done;
    a->ud = ud;
    return a;
}

void mail_agent_free(mail_agent *a)
{
    if (!a)
        return;
    if (a->conn)
        smtp_client_conn_free(a->conn);
    g_ptr_array_free(a->messages, TRUE);
    g_array_free(a->results, TRUE);
    g_free(a->server);
    g_free(a->helo);
    g_free(a);
}

void mail_agent_add(mail_agent *a, const smtp_envelope *env)
{
    g_ptr_array_add(a->messages, smtp_envelope_copy(env));
    mail_agent_result r = {.result = SMTP_RESULT_TEMP_FAILURE, .start_ns = -1, .end_ns = -1};
    g_array_append_val(a->results, r);
}

static void agent_event(void *ud, smtp_client_conn *c, const smtp_client_event *ev)
{
    (void)c;
    mail_agent *a = ud;
    if (ev->kind != SMTP_CLIENT_EV_MESSAGE || ev->message >= a->results->len)
        return;
    mail_agent_result *r = &g_array_index(a->results, mail_agent_result, ev->message);
    r->result = ev->result;
    r->code = ev->code;
    r->end_ns = host_now(a->env);
    char row[160];
    g_snprintf(row, sizeof row, "%zu,%s,%d,%.9f,%.9f", ev->message, smtp_result_name(ev->result), ev->code,
               (double)r->start_ns / 1e9, (double)r->end_ns / 1e9);
    host_record(a->env, "mail-agent", row);
}

static void agent_closed(void *ud, smtp_client_conn *c)
{
    mail_agent *a = ud;
    smtp_client_conn_free(c);
    a->conn = NULL;
    if (a->done)
        a->done(a->ud, a);
}

static const smtp_client_conn_handler agent_handler = {.event = agent_event, .closed = agent_closed};

gboolean mail_agent_start(mail_agent *a, GError **err)
{
    smtp_client_config cc = {.helo_domain = a->helo};
    a->conn = smtp_client_conn_new(a->env, a->server, a->port, &cc, &agent_handler, a, 0, err);
    if (!a->conn)
        return FALSE;
    int64_t now = host_now(a->env);
    for (guint i = 0; i < a->messages->len; i++) {
        g_array_index(a->results, mail_agent_result, i).start_ns = now;
        smtp_client_conn_add_message(a->conn, g_ptr_array_index(a->messages, i));
    }
    return TRUE;
}

size_t mail_agent_count(const mail_agent *a) { return a->results->len; }

const mail_agent_result *mail_agent_result_get(const mail_agent *a, size_t i)
{
    return i < a->results->len ? &g_array_index(a->results, mail_agent_result, i) : NULL;
}

/*
 * mail_agent: a user agent's sending side (Alice's agent): it submits
 * messages (envelope and data) to its own mail server over one SMTP
 * connection and reports each message's result and times.
 *
 * Usage: mail_agent_new(env, server host, port, helo), mail_agent_add()
 * for each message, mail_agent_start(); the `done` callback runs once
 * every message has its result (from the host's own event). Results are
 * then read with mail_agent_result(), in the order added.
 *
 * Records: host_record(env, "mail-agent", row) per message, columns
 * `index,result,code,submitted_s,finished_s`.
 *
 * Limits: one connection; messages added after start fail (TEMP, 0).
 * Ownership: mail_agent_new/mail_agent_free; envelopes added are copied.
 */
#ifndef APPSIM_MAIL_AGENT_H
#define APPSIM_MAIL_AGENT_H

#include <glib.h>
#include <stdint.h>

#include "seam/host.h"
#include "smtp_client_core.h"
#include "smtp_envelope.h"

typedef struct {
    smtp_result result;
    int code;          /* the deciding reply; 0: none */
    int64_t start_ns;  /* when the connection was started */
    int64_t end_ns;    /* when the result came; -1: none yet */
} mail_agent_result;

typedef struct mail_agent mail_agent;
typedef void (*mail_agent_done_fn)(void *ud, mail_agent *a);

mail_agent *mail_agent_new(host_env *env, const char *server, uint16_t port, const char *helo_domain,
                           mail_agent_done_fn done, void *ud);
void mail_agent_free(mail_agent *a);
void mail_agent_add(mail_agent *a, const smtp_envelope *env);
/* Connects and submits; false with `err` when the connection cannot start. */
gboolean mail_agent_start(mail_agent *a, GError **err);
size_t mail_agent_count(const mail_agent *a);
const mail_agent_result *mail_agent_result_get(const mail_agent *a, size_t i);

#endif

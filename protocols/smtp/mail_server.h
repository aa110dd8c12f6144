/*
 * mail_server: a mail server (MTA) on the host seam: it accepts mail over
 * SMTP (smtp_conn server connections on its listener), stores mail for
 * its own domains in a mail store (protocols/mailstore: in memory, or a
 * Maildir tree shared with POP3 and IMAP servers), queues mail for other domains
 * (only from its relay clients: never an open relay) and delivers the
 * queue to the receiving servers with the SMTP client core, retrying
 * temporary failures and bouncing permanent ones (RFC 5321 4.5.4, 6.1;
 * RFC 3464 in its simple form).
 *
 * Usage:
 *     mail_server_config cfg = {.domains = {"hamburger.edu", NULL}, ...};
 *     mail_server *ms = mail_server_new(env, &cfg, &err);
 *     ... the host runs; mailboxes are read through mail_server_store(ms);
 *     mail_server_free(ms);
 *
 * Mailboxes: the store's users (`store`, or a store of its own in memory
 * when NULL); every name of `mailboxes` is added to it (no password)
 * when it lacks that user.
 *
 * Accepting: RCPT TO for one of its domains is 250 when the store has the
 * user (the local part, compared exactly; a Maildir store rescans for a
 * user it does not know yet), else 550; for any other domain it
 * is 250 when the client (the stream's peer host) is in `relay_clients`,
 * else 550 "relay denied". A message received is split by domain: local
 * recipients get a copy in their INBOX at once (mail_store_deliver, with
 * host_now() as its internal date; stored before the 250 is sent); the
 * others go to the queue, one queue entry per (message, destination
 * domain), whose recipients travel together in one transaction.
 *
 * A store that cannot be written (an IO error of a Maildir) while a
 * message from a client is stored: the message is answered 451 as a
 * whole (SMTP has one reply for the data; the copies already stored for
 * its other local recipients are removed again), nothing is recorded,
 * and the client tries again later. A message the server makes itself
 * (a bounce) that cannot be stored is bounced (451, "the mailbox could
 * not be written"; a bounce's bounce is only counted and recorded), so
 * no message is lost without a record.
 *
 * Delivering an entry: MX lookup (host_lookup_records "MX"), exchangers
 * tried in order of preference (ties in answer order); no MX record: the
 * domain itself (RFC 5321 5.1); each exchanger's address by host_lookup.
 * When the host has no resolver, the static `routes` table names the host
 * (and the port, else `remote_port`) to connect to (a domain not in it:
 * the domain's name itself). One
 * connection per entry and attempt. Outcomes per recipient: 2xx
 * delivered (relayed); 5xx bounced at once; 4xx, no answer, connection
 * refused or timed out, lookup failure: deferred (after every exchanger
 * was tried, for a connection failure). A deferred entry is tried again
 * `retry_interval_ns` after its previous attempt started (attempts at 0,
 * 30, 60... minutes), or bounced when the failure came
 * `give_up_ns` or more after the message arrived.
 *
 * Bounces: a plain-text message from MAILER-DAEMON@<first domain> with
 * the null reverse-path, to the original sender, naming the failed
 * recipients, the reply or reason and the original headers; it is routed
 * like any message (a local mailbox, or the queue). A message with the
 * null reverse-path is never bounced (counted bounced, nothing is sent).
 *
 * Counters are per recipient: accepted (recipients of messages received
 * and of bounces generated) = delivered_local + relayed + bounced +
 * queued (recipients in the queue now), at every instant between events.
 *
 * Records: host_record(env, "mail", row), row columns
 * `event,msg_id,from,recipients,server,code,detail` (recipients joined
 * with ' '; code 0 when none): events received (detail: the size, the
 * client and the message's Message-ID when it has one), local (stored in a
 * mailbox), queued, attempt, delivered, deferred, bounced, dsn (a bounce
 * generated, msg_id the new message's).
 *
 * Limits: the SMTP server core's (message size 10 MB, 100 recipients);
 * `max_connections` SMTP connections at once when it is set (a client
 * beyond it gets "421 <greeting> Too many connections" and is closed);
 * `session_limit_ns` per connection when it is set (then 421 and close,
 * whatever the client is doing: a client trickling bytes cannot hold a
 * place for ever);
 * at most MAIL_SERVER_MAX_EXCHANGERS exchangers per domain; the queue is
 * in memory, without a bound beyond what is accepted; the store's own
 * limits (mail_store.h).
 *
 * Costs: routing a message is O(recipients x domains) plus a store
 * lookup (O(log users)) and a delivery per local recipient.
 *
 * Ownership: mail_server_new/mail_server_free (the config is copied; a
 * `store` given is borrowed and must outlive the server; a store of its
 * own is freed with it).
 */
#ifndef APPSIM_MAIL_SERVER_H
#define APPSIM_MAIL_SERVER_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "seam/host.h"

#define MAIL_SERVER_DEFAULT_PORT 25
#define MAIL_SERVER_DEFAULT_RETRY_NS (INT64_C(30) * 60 * 1000000000)        /* 30 minutes */
#define MAIL_SERVER_DEFAULT_GIVE_UP_NS (INT64_C(5) * 24 * 3600 * 1000000000) /* 5 days */
#define MAIL_SERVER_MAX_EXCHANGERS 16

GQuark mail_server_error_quark(void);
#define MAIL_SERVER_ERROR (mail_server_error_quark())

typedef struct {
    const char *domain; /* a destination domain */
    const char *host;   /* the host to connect to for it */
    uint16_t port;      /* its port; 0: the config's remote_port */
} mail_route;

typedef struct mail_store mail_store;

typedef struct {
    const char *const *domains;       /* its own domains, NULL-terminated; at least one */
    mail_store *store;                /* its mailboxes (borrowed); NULL: a store of its own in memory */
    const char *const *mailboxes;     /* users added to the store when missing, NULL-terminated (or NULL) */
    const char *const *relay_clients; /* peer hosts it relays for, NULL-terminated (or NULL) */
    const mail_route *routes;         /* static table ({0}-terminated, or NULL) */
    const char *greeting;             /* SMTP greeting domain; NULL: the first domain */
    uint16_t port;                    /* 0: 25 */
    bool any_port;                    /* listen on a port the host picks (port ignored; mail_server_port) */
    uint16_t remote_port;             /* port of the servers it delivers to; 0: 25 */
    int64_t retry_interval_ns;        /* 0: 30 minutes */
    int64_t give_up_ns;               /* 0: 5 days */
    unsigned max_connections;         /* SMTP connections open at once; 0: no cap. Beyond it: 421 and close */
    int64_t session_limit_ns;         /* the longest an SMTP connection may last (421 then); 0: no limit */
} mail_server_config;

typedef struct {
    uint64_t accepted, delivered_local, relayed, deferred, bounced, queued;
    uint64_t connections, connections_refused; /* SMTP connections accepted, and refused over the cap */
} mail_server_counters;

typedef struct mail_server mail_server;

mail_server *mail_server_new(host_env *env, const mail_server_config *cfg, GError **err);
void mail_server_free(mail_server *ms);

const mail_server_counters *mail_server_counters_get(const mail_server *ms);
/* The listener's port (useful with port 0 on real sockets). */
uint16_t mail_server_port(const mail_server *ms);

/* The store it delivers into (the one configured, or its own): users'
 * INBOXes hold the messages in arrival order. Borrowed. */
mail_store *mail_server_store(const mail_server *ms);

#endif

/*
 * smtp_apps: the e-mail application types of a scenario (world/app.h),
 * and what they share.
 *
 * - "mail-server" (mail_server_app.c): a mail server (mail_server.h) on
 *   its host: its domains, mailboxes, the nodes it relays for, static
 *   routes when no resolver serves the host; the counters as metrics
 *   (mail.*), the `mail` records as mail.csv, the SMTP dialogue and
 *   packet labels of its port.
 * - "mail-agent" (mail_agent_app.c): Alice's user agent: it builds
 *   messages with the MIME builder (an attachment of pseudo-random bytes
 *   from the run's seed, encoded 7bit, quoted-printable or base64) and
 *   submits them to its server (mail_agent.h); it holds the run until no
 *   event is left, so that every message is delivered or bounced end to
 *   end; its metrics and messages.csv follow each message by its
 *   Message-ID through the `mail` records of every server.
 *
 * - "mail-reader" (mail_reader_app.c): Bob reading his mailbox with POP3
 *   (download-and-delete or download-and-keep) or IMAP (headers first,
 *   then `bodies` messages) from one of his machines; readers.csv, mail_reader.* metrics, the "mail-read" formula.
 *
 * docs/mail.md lists their keys.
 */
#ifndef APPSIM_SMTP_APPS_H
#define APPSIM_SMTP_APPS_H

#include <stddef.h>
#include <stdint.h>

#include "protocols/mailstore/mail_store.h"
#include "world/app.h"

extern const app_type mail_server_app;
extern const app_type mail_agent_app;
extern const app_type mail_reader_app;

/* "preload": `count` messages of `size` bytes put into `mailbox` at time 0. */
typedef struct {
    char *mailbox;  /* NULL: no preload */
    int64_t count;
    uint64_t size;  /* bytes */
    char *from;     /* NULL: "sender@" the first domain */
} mail_preload_spec;

/* The scenario's configuration of a mail-server. */
typedef struct {
    GPtrArray *domains;   /* of char*: its own domains (at least one) */
    GPtrArray *mailboxes; /* of char*: local parts */
    GPtrArray *relay_for; /* of char*: node names of its relay clients */
    GPtrArray *routes;    /* of char*: domain, node, domain, node... (file order) */
    int64_t port, remote_port;
    int64_t retry_interval, give_up; /* ns */
    char *greeting;       /* NULL: the first domain */
    GPtrArray *accounts;  /* of char*: user, password, user, password... (file order) */
    bool pop3, imap;      /* also a POP3 / IMAP server on the same mailboxes */
    int64_t pop3_port, imap_port;
    mail_preload_spec preload;
} mail_server_spec;

/* Whether `user` is one of the spec's accounts, and its password (borrowed). */
bool mail_server_spec_has_account(const mail_server_spec *s, const char *user, const char **password);

/* The POP3 and IMAP servers of a mail-server (mail_access.c): listeners
 * on its host over the server's store, their counters. */
typedef struct mail_access mail_access;
mail_access *mail_access_new(host_env *env, const mail_server_spec *s, mail_store *store, GError **err);
void mail_access_free(mail_access *a);
/* Counters summed over the connections, closed or not. */
typedef struct {
    uint64_t sessions, logins, retrieved, deleted, bytes_in, bytes_out;
} mail_access_counters;
void mail_access_counters_get(const mail_access *a, bool imap, mail_access_counters *out);
/* The preload's messages (RFC 5322, deterministic) into the store. */
bool mail_access_preload(mail_store *store, const mail_server_spec *s, GError **err);
/* One preloaded message, i from 1 (new bytes). */
GBytes *mail_access_preload_message(const mail_server_spec *s, int64_t i);

/* The labels and dialogue of every port of a mail-server: SMTP, POP3 or
 * IMAP, told apart by their first bytes (mail_access.c). */
extern const app_dialogue mail_access_dialogue;
char *mail_access_label(const uint8_t *data, size_t len);

/* Reads a list of strings at `key` into a new GPtrArray of char* (empty
 * when absent); `nodes`: each must be a host of the topology. */
GPtrArray *smtp_app_read_strings(app_reader *r, const char *key, const char *expected, bool nodes);

/* The SMTP dialogue (transcripts: commands, replies, a message's header
 * section with its body summarised) and the label of an SMTP segment for
 * timelines ("EHLO crepes.fr", "250 PIPELINING (4 lines)", "MAIL FROM:...
 * +2", "message data 1460 B"). */
extern const app_dialogue smtp_app_dialogue;
char *smtp_app_label(const uint8_t *data, size_t len);

/* The destination of `domain` as a mail-server of the world sees it: the
 * node its static route names, or the node of the mail-server that serves
 * the domain; NULL when neither. Borrowed. */
const char *smtp_app_route(const app_world *w, const app_spec *server, const char *domain);

/* The mail-agent's formulas (mail_formulas.c), for ideal TCP: the
 * submission of one message ("smtp-submit") and its end-to-end delivery
 * over static routes ("mail-delivery"); NaN where they do not apply. */
/* A mail-agent's server node, sender, EHLO name (its `helo`, else the
 * sender's domain) and recipients (borrowed from its configuration). */
void smtp_app_agent_view(const app_spec *a, const char **server, const char **from, const char **helo,
                         const GPtrArray **to);
double smtp_submit_formula(const app_world *w, const app_spec *a, const app_view *m);
double mail_delivery_formula(const app_world *w, const app_spec *a, const app_view *m);

#endif

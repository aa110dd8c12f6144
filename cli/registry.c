/* registry: the application types, in the order docs and errors list them. */
#include "registry.h"

#include "protocols/bt/app/bt_apps.h"
#include "protocols/dns/app/dns_apps.h"
#include "protocols/ftp/app/ftp_apps.h"
#include "protocols/http/app/http_apps.h"
#include "protocols/smtp/app/smtp_apps.h"
#include "protocols/webmail/app/webmail_apps.h"

static const app_type *const types[] = {
    &http_server_app,
    &http_browser_app,
    &cache_workload_app,
    &dns_server_app,
    &dns_resolver_app,
    &dns_workload_app,
    &mail_server_app,
    &mail_agent_app,
    &mail_reader_app,
    &webmail_app,
    &ftp_server_app,
    &ftp_client_app,
    &bt_tracker_app,
    &bt_peer_app,
};

static const app_registry registry = {types, G_N_ELEMENTS(types)};

const app_registry *appsim_registry(void) { return &registry; }

/*
 * dns_server_app: the "dns-server" application type — an authoritative
 * name server with the scenario's zones (dns_app_zone.c), its counters,
 * and the labels of DNS messages in timelines.
 */
#include <string.h>

#include "dns_apps.h"
#include "protocols/dns/dns_auth.h"
#include "protocols/dns/dns_server.h"

static const app_key server_keys[] = {
    {.name = "port", .kind = APP_KEY_INT, .offset = offsetof(dns_server_spec, port), .def = 53, .lo = 1,
     .hi = 65535, .expected = "a port from 1 to 65535"},
    {.name = "zones", .kind = APP_KEY_CUSTOM, .offset = offsetof(dns_server_spec, zones), .read = dns_app_read_zones},
    {.name = "udp_size", .kind = APP_KEY_INT, .offset = offsetof(dns_server_spec, udp_size), .def = 1232, .lo = 512,
     .hi = 4096, .expected = "a size in bytes from 512 to 4096"},
    {.name = "recurse_referrals", .kind = APP_KEY_BOOL, .offset = offsetof(dns_server_spec, recurse_referrals)},
    {0}};

/* At load time, nodes have no addresses yet: a placeholder stands in. */
static bool placeholder_addr(void *ud, const char *node, char out[16])
{
    if (!app_reader_has_node(ud, node))
        return false;
    g_strlcpy(out, "10.255.255.254", 16);
    return true;
}

static void server_check(app_reader *r, void *cfg)
{
    dns_server_spec *s = cfg;
    for (guint i = 0; s->zones && i < s->zones->len && !app_reader_failed(r); i++) {
        int line = -1;
        GError *e = NULL;
        dns_zone *z = dns_app_build_zone(&g_array_index(s->zones, dns_zone_spec, i), NULL, placeholder_addr, r,
                                         &line, &e);
        if (z) {
            dns_zone_free(z);
            continue;
        }
        app_reader_enter_list(r, "zones", "");
        app_reader_enter_item(r, (int)i);
        if (line >= 0) {
            app_reader_enter_list(r, "records", "");
            app_reader_enter_item(r, line);
            app_reader_fail(r, NULL, "%s", e->message);
            app_reader_leave(r);
            app_reader_leave(r);
        } else {
            app_reader_fail(r, NULL, "%s", e->message);
        }
        app_reader_leave(r);
        app_reader_leave(r);
        g_error_free(e);
    }
}

static void server_clear(void *cfg) { dns_app_zones_clear(((dns_server_spec *)cfg)->zones); }

/* ---- running ------------------------------------------------------------------------ */

typedef struct {
    dns_auth *auth;
    dns_server *server;
} server_inst;

static bool world_addr(void *ud, const char *node, char out[16])
{
    return app_world_node_address(ud, node, out);
}

/* The zones of server `a`, built with the world's addresses. */
static dns_auth *build_auth(const app_world *w, const app_spec *a, GError **err)
{
    const dns_server_spec *s = a->cfg;
    dns_auth *auth = dns_auth_new();
    for (guint i = 0; i < s->zones->len; i++) {
        dns_zone *z = dns_app_build_zone(&g_array_index(s->zones, dns_zone_spec, i), a->host, world_addr,
                                         (void *)w, NULL, err);
        if (!z || !dns_auth_add_zone(auth, z, err)) {
            if (z)
                dns_zone_free(z);
            g_prefix_error(err, "zones[%u]: ", i);
            dns_auth_free(auth);
            return NULL;
        }
    }
    dns_auth_set_udp_size(auth, (uint16_t)s->udp_size);
    return auth;
}

dns_auth *dns_app_server_auth(const app_world *w, const app_spec *a, GError **err)
{
    return build_auth(w, a, err);
}

/* The names its zones give to nodes: every A record pointing at one. */
static void server_names(const app_world *w, const app_spec *a, app_name_fn add, void *ctx)
{
    dns_auth *auth = build_auth(w, a, NULL);
    for (guint i = 0; auth && i < dns_auth_zone_count(auth); i++) {
        const dns_zone *z = dns_auth_zone_at(auth, i);
        for (guint k = 0; k < dns_zone_owners(z); k++) {
            const char *owner;
            guint n;
            const dns_rr *rr = dns_zone_owner_at(z, k, &owner, &n);
            for (guint j = 0; j < n; j++) {
                if (rr[j].type != DNS_T_A)
                    continue;
                char *ip = dns_rr_addr_text(&rr[j]);
                const char *node = app_world_node_of_address(w, ip);
                if (node)
                    add(ctx, owner, node);
                g_free(ip);
            }
        }
    }
    if (auth)
        dns_auth_free(auth);
}

static void *server_start(app_world *w, const app_spec *a, GError **err)
{
    const dns_server_spec *s = a->cfg;
    server_inst *in = g_new0(server_inst, 1);
    in->auth = build_auth(w, a, err);
    if (!in->auth) {
        g_free(in);
        return NULL;
    }
    dns_server_config c;
    dns_server_config_default(&c);
    c.port = (uint16_t)s->port;
    c.udp_size = (uint16_t)s->udp_size;
    c.recurse_referrals = s->recurse_referrals;
    c.records = true; /* "dns-query" records: the resolver counts the messages from them */
    c.seed = app_world_seed(w) ^ (UINT64_C(0x9e3779b97f4a7c15) * (a->index + 1));
    in->server = dns_server_new(app_world_host(w, a->host), in->auth, &c, err);
    if (!in->server) {
        dns_auth_free(in->auth);
        g_free(in);
        return NULL;
    }
    return in;
}

static void server_free(void *p)
{
    server_inst *in = p;
    dns_server_free(in->server);
    dns_auth_free(in->auth);
    g_free(in);
}

static void server_collect(const app_world *w, void *const *insts, const app_spec *const *specs, size_t n,
                           app_collect *out)
{
    (void)w;
    dns_server_stats sum = {0};
    for (size_t i = 0; i < n; i++) {
        const dns_server_stats st = *dns_server_get_stats(((server_inst *)insts[i])->server);
        app_row(out, "%s,%s,%" G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT
                     ",%" G_GUINT64_FORMAT,
                specs[i]->name, specs[i]->host, st.queries_udp, st.queries_tcp, st.truncated, st.formerr,
                st.relayed);
        sum.queries_udp += st.queries_udp;
        sum.queries_tcp += st.queries_tcp;
        sum.truncated += st.truncated;
        sum.relayed += st.relayed;
    }
    app_metric_count(out, "dns_server.queries", sum.queries_udp + sum.queries_tcp);
    app_metric_count(out, "dns_server.queries_tcp", sum.queries_tcp);
    app_metric_count(out, "dns_server.truncated", sum.truncated);
    app_metric_count(out, "dns_server.relayed", sum.relayed);
}

/* ---- labels ----------------------------------------------------------------------- */

char *dns_app_label(const uint8_t *data, size_t len)
{
    dns_msg m;
    dns_msg_init(&m);
    dns_status st = dns_msg_decode(data, len, &m);
    if (st != DNS_OK && len > 2 && (size_t)((data[0] << 8) | data[1]) == len - 2)
        st = dns_msg_decode(data + 2, len - 2, &m); /* DNS over TCP: the length prefix */
    char *out = NULL;
    if (st == DNS_OK && m.has_question) {
        const char *qn = m.qname[0] ? m.qname : ".";
        const char *qt = dns_type_name(m.qtype) ? dns_type_name(m.qtype) : "?";
        if (!m.qr) {
            out = g_strdup_printf("query %s %s%s", qn, qt, m.rd ? " (RD)" : "");
        } else if (m.rcode != DNS_RCODE_NOERROR) {
            const char *rc = dns_rcode_name(m.rcode);
            out = g_strdup_printf("%s %s", rc ? rc : "error", qn);
        } else if (dns_msg_count(&m, DNS_SEC_ANSWER) > 0) {
            const dns_rr *rr = dns_msg_rr(&m, DNS_SEC_ANSWER, dns_msg_count(&m, DNS_SEC_ANSWER) - 1);
            char *data_text = (rr->type == DNS_T_A || rr->type == DNS_T_AAAA) ? dns_rr_addr_text(rr)
                              : g_strdup(rr->target ? rr->target : "");
            out = g_strdup_printf("answer %s %s %s", qn, qt, data_text);
            g_free(data_text);
        } else if (!m.aa && dns_msg_count(&m, DNS_SEC_AUTHORITY) > 0 &&
                   dns_msg_rr(&m, DNS_SEC_AUTHORITY, 0)->type == DNS_T_NS) {
            const char *zone = dns_msg_rr(&m, DNS_SEC_AUTHORITY, 0)->name;
            out = g_strdup_printf("referral to %s NS", zone[0] ? zone : ".");
        } else {
            out = g_strdup_printf("NODATA %s %s", qn, qt);
        }
        if (strlen(out) > 48) {
            out[45] = out[46] = out[47] = '.';
            out[48] = '\0';
        }
    }
    dns_msg_clear(&m);
    return out;
}

const app_type dns_server_app = {
    .type = "dns-server",
    .doc = "an authoritative name server with the scenario's zones",
    .config_size = sizeof(dns_server_spec),
    .keys = server_keys,
    .check = server_check,
    .config_clear = server_clear,
    .port_key = "port",
    .hold = APP_HOLD_NONE,
    .start = server_start,
    .free = server_free,
    .collect = server_collect,
    .names = server_names,
    .csv_file = "dns-servers.csv",
    .csv_header = "server,host,queries_udp,queries_tcp,truncated,formerr,relayed",
    .label = dns_app_label,
};

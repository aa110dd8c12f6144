/*
 * dns_app_zone: the zones a scenario writes for a "dns-server", read and
 * built (see dns_apps.h and docs/dns.md, "dns-server").
 *
 * A zone is written as master-file lines relative to its origin; they are
 * joined under "$ORIGIN" and "$TTL" lines and read by dns_zone_parse, so
 * the scenario takes exactly the master-file syntax of real zone files.
 * Two conveniences for students: the data of an A record may be a node's
 * name (it stands for the node's address), and a zone without an SOA or
 * without NS records gets generated ones (the SOA's MINIMUM is the zone's
 * negative_ttl; the NS is "ns.<origin>", an address of the server's own
 * node). Errors point at the record: "$.apps[0].zones[1].records[3]:
 * column 5: ...".
 */
#include <stdio.h>
#include <string.h>

#include "dns_apps.h"

static const app_key gen_keys[] = {
    {.name = "prefix", .kind = APP_KEY_STRING, .offset = offsetof(dns_zone_spec, gen_prefix), .def_text = "n"},
    {.name = "count", .kind = APP_KEY_INT, .offset = offsetof(dns_zone_spec, gen_count), .required = true,
     .lo = 1, .hi = 1000000, .expected = "a whole number of names from 1 to 1000000"},
    {.name = "node", .kind = APP_KEY_NODE, .offset = offsetof(dns_zone_spec, gen_node), .required = true},
    {0}};

static void read_records(app_reader *r, const char *key, void *field)
{
    GPtrArray *recs = g_ptr_array_new_with_free_func(g_free);
    *(GPtrArray **)field = recs;
    int n = app_reader_enter_list(r, key, "a list of master-file lines like [\"www A web\", \"@ NS ns1\"]");
    if (n < 0)
        return;
    for (int i = 0; i < n && !app_reader_failed(r); i++) {
        app_reader_enter_item(r, i);
        const char *s = app_reader_string(r);
        if (!s || !*s || strlen(s) > 4000 || strchr(s, '\n'))
            app_reader_fail_expected(r, NULL, "one master-file line like \"www 3600 A web\" (at most 4000 bytes)");
        else
            g_ptr_array_add(recs, g_strdup(s));
        app_reader_leave(r);
    }
    app_reader_leave(r);
}

static const app_key zone_keys[] = {
    {.name = "origin", .kind = APP_KEY_STRING, .offset = offsetof(dns_zone_spec, origin), .def_text = "."},
    {.name = "ttl", .kind = APP_KEY_TIME, .offset = offsetof(dns_zone_spec, ttl), .def = 3600e9, .lo = 0,
     .hi = 2147483647e9},
    {.name = "negative_ttl", .kind = APP_KEY_TIME, .offset = offsetof(dns_zone_spec, negative_ttl), .def = 300e9,
     .lo = 0, .hi = 2147483647e9},
    {.name = "records", .kind = APP_KEY_CUSTOM, .offset = offsetof(dns_zone_spec, records), .read = read_records},
    {0}};

static const char *const zone_common[] = {"generate", NULL};

void dns_app_read_zones(app_reader *r, const char *key, void *field)
{
    GArray *zones = g_array_new(FALSE, TRUE, sizeof(dns_zone_spec));
    *(GArray **)field = zones;
    int n = app_reader_enter_list(r, key,
                                  "a list of zones like [{\"origin\": \"example.com\", \"records\": [\"www A web\"]}]");
    if (n < 0) {
        app_reader_fail(r, key, "missing: a dns-server needs \"zones\", a list of zones like "
                                "[{\"origin\": \"example.com\", \"records\": [\"www A web\"]}]");
        return;
    }
    if (n == 0 || n > 64)
        app_reader_fail_expected(r, NULL, "a list of 1 to 64 zones");
    for (int i = 0; i < n && !app_reader_failed(r); i++) {
        app_reader_enter_item(r, i);
        g_array_set_size(zones, zones->len + 1);
        dns_zone_spec *z = &g_array_index(zones, dns_zone_spec, zones->len - 1);
        app_reader_table(r, zone_common, zone_keys, z);
        if (!app_reader_failed(r) &&
            app_reader_enter_object(r, "generate",
                                    "an object like {\"prefix\": \"n\", \"count\": 1000, \"node\": \"web\"}")) {
            app_reader_table(r, NULL, gen_keys, z);
            app_reader_leave(r);
        }
        if (!app_reader_failed(r)) {
            GError *e = NULL;
            char *o = dns_name_canon(z->origin, &e);
            if (!o) {
                app_reader_fail(r, "origin", "%s", e->message);
                g_error_free(e);
            }
            g_free(o);
        }
        if (!app_reader_failed(r) && !z->records && !z->gen_count)
            app_reader_fail(r, "records", "missing: a zone needs \"records\" (or \"generate\")");
        app_reader_leave(r);
    }
    app_reader_leave(r);
}

void dns_app_zones_clear(GArray *zones)
{
    if (!zones)
        return;
    for (guint i = 0; i < zones->len; i++) {
        dns_zone_spec *z = &g_array_index(zones, dns_zone_spec, i);
        g_free(z->origin);
        if (z->records)
            g_ptr_array_free(z->records, TRUE);
        g_free(z->gen_prefix);
        g_free(z->gen_node);
    }
    g_array_free(zones, TRUE);
}

/* ---- building ---------------------------------------------------------------------- */

static bool is_ipv4(const char *s)
{
    uint8_t b[4];
    return dns_parse_ipv4(s, strlen(s), b);
}

/* Appends one record line, a node's name in an A record's data replaced
 * by its address; false when the node has none. */
static void append_line(GString *text, const char *line, dns_app_addr_fn addr, void *ud)
{
    gchar **tok = g_strsplit_set(line, " \t", 0);
    guint n = 0, a_at = G_MAXUINT;
    for (guint i = 0; tok[i]; i++)
        if (*tok[i]) {
            if (!g_ascii_strcasecmp(tok[i], "A") && i > 0)
                a_at = i;
            n = i;
        }
    if (a_at != G_MAXUINT && n == a_at + 1 && !is_ipv4(tok[n]) && !strchr(tok[n], ';')) {
        char ip[16];
        if (addr(ud, tok[n], ip)) {
            g_free(tok[n]);
            tok[n] = g_strdup(ip);
        }
    }
    char *joined = g_strjoinv(" ", tok);
    g_string_append_printf(text, "%s\n", joined);
    g_free(joined);
    g_strfreev(tok);
}

/* True when some line has `type` as a whole word (apex_only: and its
 * owner is the apex, "@" or the origin written out). */
static bool has_type(const dns_zone_spec *z, const char *origin, const char *type, bool apex_only)
{
    for (guint i = 0; z->records && i < z->records->len; i++) {
        gchar **tok = g_strsplit_set(g_ptr_array_index(z->records, i), " \t", 0);
        bool hit = false;
        for (guint k = 1; tok[k] && !hit; k++)
            hit = !g_ascii_strcasecmp(tok[k], type);
        if (hit && apex_only) {
            char *owner = tok[0][0] && strcmp(tok[0], "@") ? dns_name_canon(tok[0], NULL) : g_strdup(origin);
            hit = owner && dns_name_eq(owner, origin);
            g_free(owner);
        }
        g_strfreev(tok);
        if (hit)
            return true;
    }
    return false;
}

/* The number of header lines before the first record line. */
#define HEAD_LINES 2

dns_zone *dns_app_build_zone(const dns_zone_spec *z, const char *self, dns_app_addr_fn addr, void *ud,
                             int *line, GError **err)
{
    if (line)
        *line = -1;
    char *origin = dns_name_canon(z->origin, err);
    if (!origin)
        return NULL;
    GString *text = g_string_new(NULL);
    g_string_append_printf(text, "$ORIGIN %s.\n$TTL %" G_GINT64_FORMAT "\n", origin,
                           z->ttl / 1000000000);
    guint nrec = z->records ? z->records->len : 0;
    for (guint i = 0; i < nrec; i++)
        append_line(text, g_ptr_array_index(z->records, i), addr, ud);
    if (!has_type(z, origin, "SOA", false))
        g_string_append_printf(text, "@ SOA ns.%s%s hostmaster.%s%s 1 3600 600 86400 %" G_GINT64_FORMAT "\n",
                               origin, *origin ? "." : "", origin, *origin ? "." : "",
                               z->negative_ttl / 1000000000);
    if (!has_type(z, origin, "NS", true)) {
        char ip[16];
        g_string_append_printf(text, "@ NS ns.%s%s\n", origin, *origin ? "." : "");
        if (self && addr(ud, self, ip))
            g_string_append_printf(text, "ns A %s\n", ip);
    }
    for (int64_t k = 1; k <= z->gen_count; k++) {
        char ip[16];
        if (!addr(ud, z->gen_node, ip))
            g_strlcpy(ip, "0.0.0.0", sizeof ip);
        g_string_append_printf(text, "%s%" G_GINT64_FORMAT " A %s\n", z->gen_prefix ? z->gen_prefix : "n", k, ip);
    }
    GError *e = NULL;
    dns_zone *zone = dns_zone_parse(text->str, text->len, "zone", origin, &e);
    if (!zone) {
        int ln = 0, col = 0;
        const char *msg = e->message;
        if (sscanf(msg, "zone:%d:%d:", &ln, &col) == 2) {
            const char *rest = strchr(strchr(strchr(msg, ':') + 1, ':') + 1, ':') + 1;
            while (*rest == ' ')
                rest++;
            int idx = ln - 1 - HEAD_LINES;
            if (idx >= 0 && (guint)idx < nrec) {
                if (line)
                    *line = idx;
                g_set_error(err, e->domain, e->code, "column %d: %s", col, rest);
            } else {
                g_set_error(err, e->domain, e->code, "%s", rest);
            }
            g_error_free(e);
        } else {
            g_propagate_error(err, e);
        }
    }
    g_string_free(text, TRUE);
    g_free(origin);
    return zone;
}

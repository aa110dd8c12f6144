/*
 * dns_apps: the DNS application types of a scenario (world/app.h), and
 * what they share.
 *
 * - "dns-server" (dns_server_app.c): an authoritative name server on its
 *   host, with the zones the scenario writes (dns_app_zone.c reads them);
 *   labels and the timeline of DNS datagrams.
 * - "dns-resolver" (dns_resolver_app.c): the local DNS server of Kurose &
 *   Ross, iterative or forwarding, and the stub resolvers of its client
 *   hosts (installed on their host seams: the browsers look names up
 *   through them); lookups in dns.csv; the `dns-lookup` formula.
 * - "dns-workload" (dns_workload_app.c): Poisson lookups of Zipf-popular
 *   names from one host, for cache studies; the `dns-ttl-hit-rate`
 *   formula.
 *
 * docs/dns.md lists their keys.
 */
#ifndef APPSIM_DNS_APPS_H
#define APPSIM_DNS_APPS_H

#include "protocols/dns/dns_zone.h"
#include "world/app.h"

extern const app_type dns_server_app;
extern const app_type dns_resolver_app;
extern const app_type dns_workload_app;

/* One zone as the scenario writes it. */
typedef struct {
    char *origin;         /* as written ("example.com", "." or "" for the root) */
    int64_t ttl;          /* ns: the TTL of records that give none */
    int64_t negative_ttl; /* ns: the generated SOA's MINIMUM */
    GPtrArray *records;   /* of char*: master-file lines relative to the origin */
    char *gen_prefix;     /* generate: names <prefix>1 .. <prefix>N ... */
    int64_t gen_count;    /* ... N of them (0: none) ... */
    char *gen_node;       /* ... with the address of this node */
} dns_zone_spec;

typedef struct {
    int64_t port;
    GArray *zones;        /* of dns_zone_spec */
    int64_t udp_size;
    bool recurse_referrals;
} dns_server_spec;

/* The reader of a server's "zones" key (APP_KEY_CUSTOM), and the clear of
 * what it allocates. */
void dns_app_read_zones(app_reader *r, const char *key, void *field);
void dns_app_zones_clear(GArray *zones);

/* The address (IPv4 text) of a node, for A records written with a node's
 * name. */
typedef bool (*dns_app_addr_fn)(void *ud, const char *node, char out[16]);

/* Builds zone `z` (a node name in an A record's data replaced by
 * addr(node); a generated NS "ns.<origin>" gets the address of node
 * `self`, the server's own, when not NULL), or NULL with `err`; *line (may
 * be NULL) gets the index in `records` of the record the error is about,
 * -1 when it is about the zone as a whole. */
dns_zone *dns_app_build_zone(const dns_zone_spec *z, const char *self, dns_app_addr_fn addr, void *ud,
                             int *line, GError **err);

/* Every zone of every dns-server of the world, built with the world's
 * node addresses, in "apps" order, with the server application each came
 * from (`servers`: borrowed app_spec pointers, may be NULL). */
GPtrArray *dns_app_world_zones(const app_world *w, GPtrArray *servers);

/* The authoritative data of dns-server `a` (its zones built with the
 * world's addresses), new; NULL with err when a zone cannot be built. */
struct dns_auth;
struct dns_auth *dns_app_server_auth(const app_world *w, const app_spec *a, GError **err);

/* A DNS message's label for timelines ("query www.example.com A (RD)",
 * "referral to com NS", "answer www.example.com A 10.0.0.6",
 * "NXDOMAIN nope.example.com"), over UDP or TCP; NULL when the bytes are
 * not one. */
char *dns_app_label(const uint8_t *data, size_t len);

#endif

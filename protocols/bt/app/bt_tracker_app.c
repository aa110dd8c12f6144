/*
 * bt_tracker_app: the "bt-tracker" application type, an HTTP tracker on
 * its node's port (6969) answering GET /announce (bt_conn's tracker over
 * bt_tracker's state). Results: announces answered (bt_tracker.announces)
 * and HTTP requests refused (bt_tracker.errors).
 */
#include <string.h>

#include "bt_apps.h"
#include "protocols/bt/bt_conn.h"

static const app_key tracker_keys[] = {
    {.name = "port", .kind = APP_KEY_INT, .offset = offsetof(bt_tracker_spec, port), .def = 6969, .lo = 1,
     .hi = 65535, .expected = "a port from 1 to 65535"},
    {.name = "interval", .kind = APP_KEY_TIME, .offset = offsetof(bt_tracker_spec, interval), .def = 1800e9,
     .lo = 1e9, .hi = 86400e9},
    {0}};

bool bt_app_node_ip(void *ud, const char *host, uint8_t ip[4])
{
    char lit[16];
    return app_world_node_address(ud, host, lit) && bt_parse_ipv4(lit, strlen(lit), ip);
}

static void *tracker_start(app_world *w, const app_spec *a, GError **err)
{
    const bt_tracker_spec *s = a->cfg;
    bt_tracker_config cfg = {.interval_s = s->interval / 1000000000, .seed = app_world_seed(w) ^ a->index};
    return bt_conn_tracker_new(app_world_host(w, a->host), (uint16_t)s->port, &cfg, NULL, bt_app_node_ip, w, err);
}

static void tracker_free(void *p) { bt_conn_tracker_free(p); }

static void tracker_collect(const app_world *w, void *const *insts, const app_spec *const *specs, size_t n,
                            app_collect *out)
{
    (void)w;
    (void)specs;
    uint64_t announces = 0, errors = 0;
    for (size_t i = 0; i < n; i++) {
        bt_conn_tracker_stats st;
        bt_conn_tracker_get_stats(insts[i], &st);
        announces += st.announces;
        errors += st.errors;
    }
    if (n) {
        app_metric_count(out, "bt_tracker.announces", announces);
        app_metric_count(out, "bt_tracker.errors", errors);
    }
}

/* "GET /announce" (the query left out: it is bytes of hashes) or the
 * status line of the answer; NULL for a segment that starts with neither. */
static char *tracker_label(const uint8_t *data, size_t len)
{
    size_t n = 0;
    while (n < len && n < 80 && data[n] != '\r' && data[n] != '\n' && data[n] != '?' && data[n] >= 0x20 &&
           data[n] < 0x7f)
        n++;
    if ((n >= 4 && !memcmp(data, "GET ", 4)) || (n >= 12 && !memcmp(data, "HTTP/1.", 7)))
        return g_strndup((const char *)data, n);
    return NULL;
}

const app_type bt_tracker_app = {
    .type = "bt-tracker",
    .doc = "a BitTorrent tracker: answers GET /announce over HTTP with the swarm's peers (BEP 3)",
    .config_size = sizeof(bt_tracker_spec),
    .keys = tracker_keys,
    .port_key = "port",
    .hold = APP_HOLD_NONE,
    .start = tracker_start,
    .free = tracker_free,
    .collect = tracker_collect,
    .label = tracker_label,
};

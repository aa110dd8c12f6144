/*
 * world_priv: the state of one run, shared by world.c (building, running,
 * collecting, the application-facing calls of app.h) and world_trace.c
 * (the fingerprint and the timeline). Internal to world/.
 */
#ifndef APPSIM_WORLD_PRIV_H
#define APPSIM_WORLD_PRIV_H

#include "app.h"
#include "models/net.h"
#include "models/sim_host.h"
#include "models/tcp.h"
#include "models/udp.h"
#include "sim/sim.h"
#include "sim/sim_digest.h"
#include "world.h"

struct app_world {
    const scn_run *run;
    const app_registry *reg;
    sim_t *sim;
    net_t *net;
    tcp_stack_t *tcp;
    udp_stack_t *udp;
    GPtrArray *hosts;     /* sim_host_t*, index = node address (NULL if unused) */
    GPtrArray *insts;     /* the applications' instances, in "apps" order */
    GHashTable *port_type; /* port -> const app_type* that listens on it; lookup only */
    guint holding;        /* APP_HOLD_UNTIL_DONE applications not done yet */
    bool quiet;           /* an APP_HOLD_UNTIL_QUIET application runs */
    sim_digest fingerprint;
    unsigned digest_sub;
    /* the timeline of the followed hosts */
    unsigned timeline_sub;
    bool timeline_done;
    uint32_t tl_addr[APP_TIMELINE_MAX_COLUMNS]; /* node address of each column */
    guint tl_n;           /* columns, 2 to APP_TIMELINE_MAX_COLUMNS */
    GHashTable *tl_sent;  /* packet id -> send time (ns), lookup only */
    GArray *arrows;       /* of run_arrow */
    GArray *transport;    /* of app_transport_stats, index = node address (local end) */
    struct world_pathlog *pathlog; /* packets' hop timings (world_path.c), or NULL */
    bool pathlog_on;      /* the fingerprint's subscriber feeds the log its packet records */
    /* the transcript, fed by the fingerprint's subscriber the records of
     * the trace sources marked in tr_src (world_transcript_start) */
    struct transcript *tr;
    uint8_t *tr_src;      /* 1 for the sources it takes, index = trace source id below tr_nsrc */
    uint32_t tr_nsrc;     /* 0: no transcript fed */
    GArray *records;      /* of world_record: the hosts' application records, in order */
    GHashTable *names;    /* lower-case name -> node name (app_type.names); lookup only */
    uint64_t records_dropped; /* records beyond WORLD_MAX_RECORDS */
    GHashTable *services; /* "node\nname" -> pointer (app_world_offer); lookup only */
};

/* One application record (host_record) of a simulated host. */
typedef struct {
    char *host, *kind, *text;
    int64_t t_ns;
} world_record;

/* The most records a run keeps (about 100 bytes each). */
#define WORLD_MAX_RECORDS 2000000u

/* The application type that listens on `port` (NULL: none). */
const app_type *world_type_at_port(const app_world *w, uint16_t port);

void world_fingerprint_start(app_world *w);
/* Stops the fingerprint and returns it in hex (a new string). */
char *world_fingerprint_finish(app_world *w);
/* Follows `n` distinct hosts (2 to APP_TIMELINE_MAX_COLUMNS), column i
 * being hosts[i]: every packet from one to another becomes an arrow. */
void world_timeline_start(app_world *w, node_t *const *hosts, guint n);
void world_timeline_stop(app_world *w);
/* Feeds `tr` (transcript.h) the records of the link directions that leave
 * or reach a host it follows, from the fingerprint's subscriber, until
 * world_transcript_stop (or the fingerprint's finish). */
void world_transcript_start(app_world *w, struct transcript *tr);
void world_transcript_stop(app_world *w);
/* One packet record (any kind but SIM_TR_APP) into the log. The log has
 * no subscription of its own: the fingerprint's subscriber, which sees
 * every record anyway, calls this while w->pathlog_on, so that a record
 * costs one call from the bus for both. */
void world_pathlog_rec(struct world_pathlog *L, const sim_trace_rec *rec);
/* Stops logging packets (the log stays for app_world_explain). */
void world_pathlog_stop(app_world *w);
void world_pathlog_free(app_world *w);
/* Tests only: while on, the logs indexed walk every queue step by step,
 * as before the shortcut of walk_queue (world_path.c), to compare the two. */
void world_pathlog_test_stepwise(bool on);
/* Tests only: while on, the logs indexed look every destination's
 * arrivals up in a hash table, as the index does for a destination whose
 * arrivals are not in id order (world_path.c), to compare the two. Returns
 * the number of destinations with arrivals put in that table by the
 * indexes built on this thread since the previous call. */
guint world_pathlog_test_hashed(bool on);
/* Tests only: the packet logs started (app_world_trace_packets) on this
 * thread since the previous call. */
guint world_pathlog_test_logs(void);
/* Tests only: the log keeps at most `n` hops (0: its usual bound). */
void world_pathlog_test_max_hops(guint n);

#endif

/*
 * runner: one run of a scenario — build the world, run it, measure.
 *
 * The world is built from a checked scn_run: nodes, links (with down
 * intervals), one TCP stack with the scenario's parameters, a simulated
 * host for every node that runs an application, HTTP servers with their
 * generated content, browsers that load their pages in order (`repeat`
 * times, `think` apart, from `start`). The run stops when every browser is
 * done (or at `stop`, or at `max_time`).
 *
 * A run is self-contained (its own sim_t, nothing global), so runs of a
 * sweep can go on different threads and give the same results.
 *
 * Ownership: runner_run returns a run_result the caller frees
 * (run_result_free).
 */
#ifndef APPSIM_RUNNER_H
#define APPSIM_RUNNER_H

#include "cachewl.h"
#include "plot.h"
#include "scenario.h"

typedef struct {
    const char *pcap_dir; /* write pcap files here (NULL: none) */
    bool timeline;        /* collect the first page load's packets */
    bool transcript;      /* collect the HTTP dialogue of browser 0 and its server */
} run_options;

typedef struct {
    char *link, *from, *to;
    uint64_t bytes, packets, drops;
    double utilisation, mean_queue, mean_wait_s;
    uint32_t max_queue;
} link_row;

typedef struct {
    guint index;
    uint64_t seed;
    sim_time_t end;            /* simulated time at the end */
    uint64_t events;
    uint32_t pages, objects, failures;
    double page_load_mean_s;   /* NaN when no page was loaded */
    double page_load_max_s;
    double formula_s;          /* the textbook's value, NaN when none applies */
    double rtt_s;              /* browser 0 to its first server: 2 x propagation */
    double bottleneck_bps;     /* the slowest link on that path */
    GString *requests_csv;     /* rows of requests.csv, without the header */
    GArray *links;             /* of link_row */
    char *fingerprint;         /* SHA-256 of every trace record */
    /* the timeline (when asked): arrows between column 0 (client) and 1 (server) */
    GArray *arrows;            /* of timeline_arrow (labels owned) */
    char *columns[2];
    char *transcript;          /* the dialogue (when asked), or NULL */
    bool has_workload;         /* a cache workload ran: cw is valid */
    cw_result cw;
} run_result;

run_result *runner_run(const scn_run *r, guint index, const run_options *opt, GError **err);
void run_result_free(run_result *res);

#endif

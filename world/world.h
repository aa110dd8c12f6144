/*
 * world: one run of a scenario — build the world, run it, measure.
 *
 * The world is built from a checked scn_run: nodes, links (with down
 * intervals), one TCP stack with the scenario's parameters and one UDP
 * stack, a simulated host for every node an application asks for, and the
 * applications, each started through its type's interface (app.h) in the
 * file's order. Nothing here names a protocol.
 *
 * The stop rule: with `stop` set, the run ends at that time. Otherwise,
 * when an application holds the run until the network is quiet
 * (APP_HOLD_UNTIL_QUIET), the run goes on until no event is left; else,
 * when applications hold it until they are done (APP_HOLD_UNTIL_DONE), it
 * stops at the instant the last one says so; with neither, nothing runs.
 * `max_time` bounds every run.
 *
 * Budgets: a run may also be bounded in events (`max_events`) and in
 * wall-clock time (`max_wall`), from the scenario or from run_options. The
 * run goes in slices of simulated time, each running every event due up
 * to its end exactly as one long run would (so the order of events, the
 * figures and the fingerprint do not depend on the slicing); between
 * slices, about every WORLD_SLICE_EVENTS events, the world looks at the
 * budgets, asks whether it is cancelled and reports its progress. A run
 * over a budget or cancelled is an error (WORLD_ERROR), never a shorter
 * result; whether a run exceeds `max_events` is itself deterministic.
 *
 * Results: the run's figures (simulated time, events, the round trip and
 * bottleneck of the followed pair, the value of every entry of
 * `outputs.formula`), every application type's named metrics and CSV rows,
 * the links table, the trace fingerprint (a 256-bit digest of every
 * trace record, sim/sim_digest.h) and, when asked, the transcript of the pair of hosts the first
 * application with `endpoints` follows and the timeline of the hosts the
 * first application with `columns` or `endpoints` follows (app.h).
 *
 * A run is self-contained (its own sim_t, nothing global), so runs of a
 * sweep can go on different threads and give the same results.
 *
 * Ownership: world_run returns a run_result the caller frees
 * (run_result_free).
 */
#ifndef APPSIM_WORLD_H
#define APPSIM_WORLD_H

#include "app.h"
#include "scenario.h"

#define WORLD_ERROR (world_error_quark())
GQuark world_error_quark(void);
typedef enum {
    WORLD_ERROR_BUDGET,    /* over max_events or max_wall */
    WORLD_ERROR_CANCELLED, /* run_options.cancelled said so */
} world_error_code;

/* Events between two looks at the budgets (about; slices adapt). */
#define WORLD_SLICE_EVENTS 20000

typedef struct {
    const char *pcap_dir; /* write pcap files here (NULL: none) */
    bool timeline;        /* collect the first exchange's packets */
    bool transcript;      /* collect the dialogues between the followed hosts (transcript.h) */
    uint64_t max_events;  /* events the run may execute; 0: the scenario's max_events (0 there: none) */
    double max_wall_s;    /* wall-clock seconds the run may take; 0: the scenario's max_wall (0: none) */
    /* Optional, called between slices (from the run's thread): true stops
     * the run with WORLD_ERROR_CANCELLED. */
    bool (*cancelled)(void *ud);
    /* Optional, called between slices: the events executed so far and the
     * simulated time. */
    void (*tick)(void *ud, uint64_t events, sim_time_t now);
    void *ud;
} run_options;

typedef struct {
    char *link, *from, *to;
    uint64_t bytes, packets, drops;
    double utilisation, mean_queue, mean_wait_s;
    uint32_t max_queue;
} link_row;

/* One packet of the timeline: from its sender's column at its send time
 * to its receiver's column at its arrival (columns: the followed hosts,
 * run_result.columns; for a pair, 0 client and 1 server). */
typedef struct {
    double t_send, t_recv; /* seconds */
    int from, to;
    char *label;           /* "SYN", "GET /index.html HTTP/1.1 [89 B]", ... */
} run_arrow;

typedef enum { RUN_METRIC_NUMBER, RUN_METRIC_COUNT, RUN_METRIC_FLAG } run_metric_kind;

/* One named figure; keys may be dotted ("cache_workload.hit_rate"). */
typedef struct {
    char *key;
    run_metric_kind kind;
    double value;         /* NaN: no value (null in JSON) */
} run_metric;

/* One application type's CSV file of a run: its rows carry the run column. */
typedef struct {
    const char *file, *header; /* static, from the type (header: or owned_header) */
    char *owned_header;        /* a header made for the run, or NULL */
    GString *rows;
} run_csv;

/* Frees a run_csv (run_result.csvs' free function). */
void run_csv_free(gpointer csv);

/* The value of one entry of outputs.formula in a run. */
typedef struct {
    const char *expr;     /* the entry ("dns-lookup+http-page"), borrowed from the result's own copy */
    const char *predicts; /* the headline it predicts (static), NULL: any time no other entry predicts */
    double value;         /* NaN when it does not apply */
} run_formula;

typedef struct {
    guint index;
    uint64_t seed;
    sim_time_t end;            /* simulated time at the end */
    uint64_t events;
    double formula_s;          /* the first entry of outputs.formula's value, NaN when none applies */
    GArray *formulas;          /* of run_formula: every entry of outputs.formula, in its order */
    GStringChunk *formula_text; /* the entries' text */
    double rtt_s;              /* the followed pair: 2 x propagation (0 without one) */
    double bottleneck_bps;     /* the slowest link on that path */
    GArray *metrics;           /* of run_metric: the run's, then each type's, in "apps" order */
    GPtrArray *csvs;           /* of run_csv*, one per type that has one, in "apps" order */
    GArray *links;             /* of link_row */
    char *fingerprint;         /* a 256-bit digest of every trace record (hex) */
    /* the timeline (when asked): arrows between the columns, in order of arrival */
    GArray *arrows;            /* of run_arrow (labels owned) */
    GPtrArray *columns;        /* of char * (owned): the followed hosts, left to right, 2 to
                                  APP_TIMELINE_MAX_COLUMNS; NULL without a timeline */
    const char *timeline_title; /* what the timeline shows: the followed type's timeline_title (static),
                                   NULL: the first exchange (or no timeline) */
    char *transcript;          /* the dialogue (when asked), or NULL */
    char *failed;              /* NULL, or why the run failed as a whole (app_run_failed,
                                  or truncated: max_time came first) */
    guint unfinished_apps;     /* applications holding the run (APP_HOLD_UNTIL_DONE) not done at its end */
    bool max_time_reached;     /* it ended at max_time with applications still holding it */
} run_result;

run_result *world_run(const scn_run *r, const app_registry *reg, guint index, const run_options *opt,
                      GError **err);
void run_result_free(run_result *res);

/* A figure of the run by key; NaN when absent. */
double run_result_metric(const run_result *res, const char *key);
/* The value of a named headline (outputs.metric) or "link_utilisation". */
double run_result_headline(const run_result *res, const app_registry *reg, const char *name);
/* The label ("page load time (s)") of a headline, and whether it is a
 * time (a formula in seconds may be drawn beside it). */
const char *run_headline_label(const app_registry *reg, const char *name, bool *is_time);
/* How a figure's legend names headline `name`'s curve in this run: the
 * legend (app_legend) of the type whose metric run_result_headline reads,
 * NULL when that type gives none or the run has no such metric; `bound`
 * true when that headline is a closed form, not a measurement.
 * O(types x headlines x metrics). */
const char *run_headline_legend(const run_result *res, const app_registry *reg, const char *name, bool *bound);
/* The legend of the formula entry `expr` (run_formula_for's `expr`) when
 * it is one formula that has one; NULL otherwise (a sum, no legend). */
const char *run_formula_legend(const app_registry *reg, const char *expr);
/* The textbook's value to put beside headline `name`: the entry of
 * outputs.formula that predicts it (the one that names it, else, for a
 * time, the one that names no headline), NaN when none does or it has no
 * value. With `fallback` (the scenario's own metric) and a single entry,
 * that entry's value whatever it predicts. `expr`, when not NULL, gets
 * the entry's text (NULL when none). O(entries). */
double run_formula_for(const run_result *res, const app_registry *reg, const char *name, bool fallback,
                       const char **expr);
/* The view formulas and reports read (app.h). */
const app_view *run_result_view(const run_result *res);

#endif

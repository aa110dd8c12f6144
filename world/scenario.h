/*
 * scenario: a scenario file, loaded, checked and turned into a plan of runs.
 *
 * A scenario is JSON (docs/scenarios.md documents every key). Loading
 * checks everything a user can get wrong and says where and what:
 *
 *   file.json:12:5: syntax error: expected ',' or '}' after an object member
 *   file.json: $.links[2].rate: found "10 Mbit", expected a rate like "10Mbps", ...
 *   file.json: $.links[0].dealy: unknown key; did you mean "delay"?
 *   file.json: $.apps[1].host: no node named "clinet" (nodes: client, router, server)
 *
 * Sweeps and --set work on the JSON tree itself: a path like
 * "links.access.delay" names the link whose "name" is "access" and its key
 * "delay"; each run of a sweep is the scenario with its values set, checked
 * again as a whole, so a sweep can change anything a file can say.
 *
 * Limits: everything a file can ask for is bounded (the SCN_MAX_* values
 * below; docs/scenarios.md, "Limits of a plan", lists them). A value
 * beyond a limit is a located loading error, never a silent clamp or an
 * overflow: what `appsim check` accepts, `appsim run` can run.
 *
 * A plan of at most SCN_CHECK_ALL_RUNS runs is checked run by run at
 * load; a larger one is checked value by value (each value of each axis
 * once, with the other axes at their first values), and each of its runs
 * is checked again as it starts (scenario_run), so a mistake that only a
 * combination of values makes is still reported with its location before
 * that run does anything.
 *
 * Ownership: scenario_load/scenario_free; a run_spec is the caller's
 * (scn_run_free).
 */
#ifndef APPSIM_SCENARIO_H
#define APPSIM_SCENARIO_H

#include <cjson/cJSON.h>
#include <glib.h>

#include "models/net.h"
#include "models/tcp.h"
#include "app.h"

/* ---- the limits of a plan ---------------------------------------------------------- */

#define SCN_MAX_AXES 16              /* sweep axes (the compare axis aside) */
#define SCN_MAX_AXIS_VALUES 10000    /* values, range values or cases of one axis */
#define SCN_MAX_RUNS 100000          /* runs of a plan (the product of its axes) */
#define SCN_CHECK_ALL_RUNS 1000      /* larger plans are checked value by value at load */
#define SCN_MAX_NAME 64              /* bytes of a name (scenario, node, link, application) */
#define SCN_MAX_AXIS_UNIT 32         /* bytes of an axis of cases' "unit" ("peers") */
#define SCN_MAX_TEXT 1000            /* bytes of a free text (description, title, label, URL, path) */
#define SCN_MAX_RATE_BPS 1e15        /* a rate: 1 bit/s to 1000 Tbit/s */
#define SCN_MAX_TIME_S 1e6           /* a time: 0 to 1,000,000 s (about 11.6 days) */
#define SCN_MAX_SIZE_B 1e12          /* a size: 0 to 1 TB */
#define SCN_MAX_EVENTS 1e15          /* the largest max_events a file may set */
#define SCN_MAX_METRICS 8            /* headlines a list in outputs.metric may name */
#define SCN_MAX_FORMULAS 8           /* entries of a list outputs.formula, and terms of one sum */

#define SCN_ERROR (scn_error_quark())
GQuark scn_error_quark(void);
typedef enum { SCN_ERROR_SYNTAX, SCN_ERROR_INVALID, SCN_ERROR_IO } scn_error_code;

typedef struct {
    char *name;
    bool router;
    node_inbound inbound; /* "inbound": a host's rule for TCP connection requests */
} scn_node;

typedef struct {
    char *name, *from, *to;
    link_params_t ab, ba;
    GArray *down; /* of sim_time_t pairs [start, end) */
} scn_link;

/* One entry of outputs.formula: a formula of an application type, or a
 * sum of them. Ownership: `expr` is the run's. */
typedef struct {
    char *expr;           /* the names joined by "+" without spaces ("dns-lookup+http-page") */
    const char *predicts; /* the headline its first term predicts (the type's app_prediction, static);
                           * NULL: any headline that is a time and that no other entry predicts */
} scn_formula;

/* The image formats of the figures (bits of scn_outputs.formats). */
#define SCN_FORMAT_PNG 1u
#define SCN_FORMAT_SVG 2u
#define SCN_FORMATS_ALL (SCN_FORMAT_PNG | SCN_FORMAT_SVG)

/* Ownership: the strings and the arrays are the run's (scn_run_free). */
typedef struct {
    char *metric;  /* a headline of an application type, or "link_utilisation": outputs.metric,
                    * or the first name of its list */
    GPtrArray *more_metrics; /* of char *: the other names of a list outputs.metric, in its order
                              * (at most SCN_MAX_METRICS - 1, each once, none the same as
                              * `metric`); empty when it is a string or absent */
    GArray *formulas;   /* of scn_formula: outputs.formula's entries in order (one for a string, 1 to
                         * SCN_MAX_FORMULAS for a list, no two predicting the same headline); empty
                         * when absent */
    bool formula_list;  /* outputs.formula was a list: summary.json names each entry's value */
    char *title;
    bool timeline;
    /* outputs.cdf, "<csv file>:<column>": a column of a CSV file the run's
     * application types write, drawn as an empirical CDF per run (NULL,
     * NULL: none). outputs.cdf_by, "<column>" of the same file: a CDF per
     * value of that column within each run (NULL: one per run). */
    char *cdf_file, *cdf_column, *cdf_by;
    /* outputs.lines, "<csv file>:<x column>:<y column>": one column of a
     * CSV file against another, a line per run (NULL: none). */
    char *lines_file, *lines_x, *lines_y;
    /* outputs.formats: the images every figure is drawn as, SCN_FORMAT_PNG
     * and/or SCN_FORMAT_SVG (never 0); both when absent. */
    unsigned formats;
} scn_outputs;

/* One run: the scenario with the sweep's values set. */
typedef struct {
    char *name, *description;
    uint64_t seed;
    sim_time_t stop_time; /* 0: when every application is done */
    sim_time_t max_time;  /* the safety limit of a run (above 0) */
    uint64_t max_events;  /* the events a run may execute; 0: no limit */
    sim_time_t max_wall;  /* wall-clock ns a run may take; 0: no limit */
    tcp_params_t tcp;
    uint16_t tcp_header;
    GArray *nodes; /* scn_node */
    GArray *links; /* scn_link */
    GArray *apps;  /* app_spec, in the file's order */
    GHashTable *node_index; /* node name -> index + 1 in `nodes` (lookup only) */
    GHashTable *link_index; /* link name -> index + 1 in `links` (lookup only) */
    scn_outputs out;
} scn_run;

/* The node named `name` (NULL: none), in O(1). */
const scn_node *scn_run_node(const scn_run *r, const char *name);

void scn_run_free(scn_run *r);

typedef struct {
    char *path;        /* the path; for an axis of cases its "name", "case" by default */
    char *unit;        /* an axis of cases: its "unit" (at most SCN_MAX_AXIS_UNIT bytes), or NULL */
    GPtrArray *values; /* of cJSON*, owned (detached copies); for cases, their "set" objects */
    GPtrArray *labels; /* the values as text (or the cases' labels), for tables and legends */
    GPtrArray *notes;  /* cases only: their "note" (e.g. the slides' figure), or "" */
    GPtrArray *expects; /* cases only: their "expect" objects (headline name: number), owned
                         * detached copies, NULL where a case has none */
    bool cases;
} scn_axis;

/* The figure case `i` of an axis of cases expects for headline `name`
 * (its "expect" key, e.g. the slides' figure), or NaN when it gives none. */
double scn_axis_expect(const scn_axis *a, guint i, const char *name);
/* The headline names the cases expect figures for, each once, in the
 * order they first appear (borrowed from the axis; free the array only). */
GPtrArray *scn_axis_expect_names(const scn_axis *a);

typedef struct scenario scenario;

/* Reads and checks `file` (with `sets`, NULL-terminated "PATH=VALUE"
 * overrides applied first). Applications are read with the types of
 * `reg`, which must outlive the scenario. */
scenario *scenario_load(const char *file, const char *const *sets, const app_registry *reg, GError **err);
const app_registry *scenario_registry(const scenario *s);
void scenario_free(scenario *s);

const char *scenario_name(const scenario *s);
const char *scenario_description(const scenario *s);
uint64_t scenario_seed(const scenario *s);
void scenario_set_seed(scenario *s, uint64_t seed);
/* The sweep axes (0 for a single run) and the optional compare axis. */
guint scenario_axes(const scenario *s);
const scn_axis *scenario_axis(const scenario *s, guint i);
const scn_axis *scenario_compare(const scenario *s);
/* Runs in the plan: the product of the axes' sizes, times the compare
 * values (at most SCN_MAX_RUNS: a larger plan does not load). Run k's
 * coordinates come from scenario_run_coords. */
guint scenario_run_count(const scenario *s);
/* coords[i] for axis i, then the compare index last (when there is one):
 * `coords` holds SCN_MAX_AXES + 1 entries. */
void scenario_run_coords(const scenario *s, guint k, guint *coords);
/* The checked run k (its seed derived from the scenario seed and k). */
scn_run *scenario_run(const scenario *s, guint k, GError **err);
/* The image formats of the plan's figures: run 0's outputs.formats
 * (SCN_FORMAT_PNG and/or SCN_FORMAT_SVG), kept when the scenario loads. */
unsigned scenario_formats(const scenario *s);
/* The scenario as run (after --set), as JSON text. */
char *scenario_json(const scenario *s);

/* The paths `--set` accepts that the scenario's file holds (after --set):
 * its top-level keys, KEY and SUB.KEY of its objects (tcp.mss, outputs.metric),
 * and links.NAME.KEY, apps.NAME.KEY, nodes.NAME.KEY of its named elements
 * (their "name" itself left out), in the file's order; the sweep and compare
 * are left out. For shell completion. New strings in a new array. */
GPtrArray *scenario_paths(const scenario *s);

/* The JSON text `text` of a scenario file with its top-level "name" set to
 * `name` (which must need no escaping in JSON: letters, digits, . _ -);
 * the rest of the text is kept byte for byte. Without a top-level "name",
 * one is inserted after the opening brace. NULL with an SCN_ERROR when the
 * text is not a JSON object. A new string. */
char *scn_text_rename(const char *text, const char *name, GError **err);

/* Sets `path` (links.NAME.KEY, apps.NAME.KEY, nodes.NAME.KEY, tcp.KEY,
 * seed, stop...) in a JSON tree to `value` (JSON text, or a bare string). */
bool scn_json_set(cJSON *root, const char *path, const cJSON *value, GError **err);

#endif

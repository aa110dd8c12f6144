/*
 * app: the application interface. Every application type of a scenario
 * (an HTTP server, a browser, a cache workload, later mail servers, DNS
 * resolvers, FTP clients...) is one `app_type`, filled in by its protocol
 * folder (protocols/<p>/app/) and listed once in the registry beside the
 * program's main (cli/registry.c). The scenario loader, the world that
 * runs a scenario and the commands never name a protocol: they go through
 * this table.
 *
 * What a type says of itself:
 * - its JSON "type" and its keys, as a table of `app_key` (key, kind,
 *   default, range, offset of the field in the type's configuration
 *   struct) read by one shared reader, so that every key of every type
 *   gets the same located errors ("$.apps[1].rate: found ..., expected
 *   ...", an unknown key with the closest known one); keys the table
 *   cannot express are APP_KEY_CUSTOM and read with the reader below;
 * - a check of the whole configuration against the topology (`check`) and
 *   the ports it listens on (`listens`: two applications of one host may
 *   not share a port, on any host of a group (`extra_host`) either;
 *   packets to these ports are labelled by this type);
 * - how to start it in a world, on its host's host_env (seam/host.h), and
 *   whether it holds the run open (`hold`);
 * - how to collect its results: named metrics (summary.json, the stdout
 *   table, `outputs.metric`) and the rows of its own CSV file;
 * - its textbook formulas, by name (`outputs.formula`, one or a list),
 *   and the headline each predicts;
 * - what the timeline and the transcript need: the pair of hosts a
 *   dialogue goes between (or, for a timeline, up to
 *   APP_TIMELINE_MAX_COLUMNS hosts), what the diagram shows (its title), a
 *   label for a packet's payload, and a parser that turns each direction's
 *   bytes into messages.
 *
 * Layering: this header includes only the seams and GLib. The world
 * (world/) implements the reader, the world handles and the sinks; the
 * protocol's glue uses them and its own protocol; nothing here names a
 * protocol or the simulator's internals.
 *
 * Ownership: a type is static data. A configuration is allocated by the
 * loader (config_size bytes, zeroed, then read), its string fields are
 * g_strdup'ed and freed by the loader; what CUSTOM keys allocate is freed
 * by the type's `config_clear`. An instance returned by `start` is freed
 * by the world with the type's `free` after the run.
 */
#ifndef APPSIM_WORLD_APP_H
#define APPSIM_WORLD_APP_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "seam/host.h"

typedef struct app_type app_type;

/* Errors of applications that cannot start (GError domain). */
#define APP_ERROR (app_error_quark())
GQuark app_error_quark(void);
typedef enum { APP_ERROR_START } app_error_code;

/* ---- reading a type's keys ------------------------------------------------------ */

/* A cursor on one JSON value of the scenario, with its path ("$.apps[1]"),
 * the file name and the topology, for located errors. The first error
 * wins: once the reader has failed, every later call is a no-op that
 * returns a harmless value. */
typedef struct app_reader app_reader;

typedef enum {
    APP_KEY_STRING, /* char *: a non-empty string of at most 1000 bytes */
    APP_KEY_NODE,   /* char *: the name of a host of the topology (not a router) */
    APP_KEY_LINK,   /* char *: the name of a link of the topology */
    APP_KEY_BOOL,   /* bool */
    APP_KEY_INT,    /* int64_t: a whole number in [lo, hi] */
    APP_KEY_NUMBER, /* double: a number in [lo, hi] */
    APP_KEY_TIME,   /* int64_t nanoseconds: "50ms" or seconds; 0 to 1,000,000 s */
    APP_KEY_SIZE,   /* uint64_t bytes: "10KB" or bytes; 0 to 1 TB */
    APP_KEY_RATE,   /* uint64_t bits per second: "10Mbps" or bit/s; 1 bit/s to 1000 Tbit/s */
    APP_KEY_CHOICE, /* int: the index in `choices`; `def` when absent (may be -1) */
    APP_KEY_CUSTOM, /* read by `read`, called whether the key is present or not */
} app_key_kind;

typedef struct {
    const char *name;
    app_key_kind kind;
    size_t offset;              /* of the field in the configuration struct */
    bool required;
    double def;                 /* default: numbers, TIME (ns), SIZE, RATE, BOOL (0/1), CHOICE */
    const char *def_text;       /* default of STRING, NODE, LINK (NULL: none) */
    /* INT and NUMBER: the range. TIME (ns), SIZE (bytes), RATE (bit/s):
     * when hi > 0, a narrower range than the kind's own (docs/scenarios.md,
     * "Limits of a plan"); values outside are located errors, never
     * clamped. */
    double lo, hi;
    const char *expected;       /* INT, NUMBER, CHOICE: the form, for "found X, expected ..." */
    const char *const *choices; /* CHOICE: NULL-terminated */
    void (*read)(app_reader *r, const char *key, void *field); /* CUSTOM */
} app_key;

/* Reads the current value (an object) against `keys` (ended by a NULL
 * name) into `cfg`; `common` lists further known keys the caller reads
 * itself (NULL-terminated, may be NULL), for the unknown-key check. */
bool app_reader_table(app_reader *r, const char *const *common, const app_key *keys, void *cfg);
bool app_reader_failed(const app_reader *r);
bool app_reader_has(const app_reader *r, const char *key);
/* True when `key` is present and its value is a list. */
bool app_reader_has_list(const app_reader *r, const char *key);
/* Fails at `key` of the current object (NULL: the object itself). */
void app_reader_fail(app_reader *r, const char *key, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
/* "found <what is there>, expected <expected>" at `key` (NULL: here). */
void app_reader_fail_expected(app_reader *r, const char *key, const char *expected);
/* Enters the list at `key`: returns its length, or -1 when the key is
 * absent; fails with `expected` when it is not a list. Leave with
 * app_reader_leave. */
int app_reader_enter_list(app_reader *r, const char *key, const char *expected);
/* Enters the object at `key`: false when the key is absent (nothing to
 * leave); otherwise true (fails with `expected` when it is not an object)
 * and leave with app_reader_leave. */
bool app_reader_enter_object(app_reader *r, const char *key, const char *expected);
/* The name of the i-th key of the current object, in the file's order, or
 * NULL past the last (or when the current value is not an object). O(i):
 * visiting every key in order costs O(n^2) for n keys. */
const char *app_reader_key_at(const app_reader *r, int i);
/* Enters the value at `key` of the current object, whatever it is (NULL
 * when absent: app_reader_string then gives NULL). Leave with
 * app_reader_leave. */
void app_reader_enter_key(app_reader *r, const char *key);
/* Enters element i of the current list. Leave with app_reader_leave. */
void app_reader_enter_item(app_reader *r, int i);
void app_reader_leave(app_reader *r);
/* The current value as a string, or NULL when it is not a string. */
const char *app_reader_string(const app_reader *r);
/* Reads the list at `key` of hosts of the topology (`example`, such as
 * ["peer2", "peer3"], shown in the error) into *out: a new array of
 * g_free'd names, left alone (NULL) when the key is absent. */
void app_reader_hosts(app_reader *r, const char *key, const char *example, GPtrArray **out);
/* Reads the object at `key` of user names and passwords (`example`, such
 * as {"alice": "secret"}, shown in the error) into *out: a new array of
 * user, password pairs (g_free'd strings), empty when the key is absent.
 * A user name is 1 to 254 bytes with none of `bad_chars` (`rule` says
 * which in the error); a password 1 to 254 bytes without line ends. */
void app_reader_credentials(app_reader *r, const char *key, const char *example, const char *bad_chars,
                            const char *rule, GPtrArray **out);
bool app_reader_has_node(const app_reader *r, const char *name);
/* Checks that `name` is a host of the topology (a node that is not a
 * router); otherwise fails at `key` (NULL: the current value) with
 * "no node named ..." or "node ... is a router ...". O(1). */
bool app_reader_host(app_reader *r, const char *key, const char *name);

/* ---- the world, as an application sees it ------------------------------------------ */

typedef struct app_world app_world;

/* The most hosts (columns) a timeline follows (app_type.columns). */
#define APP_TIMELINE_MAX_COLUMNS 8

/* One application of a scenario, as loaded. */
typedef struct {
    char *name;           /* unique in the scenario */
    char *host;           /* the node it runs on */
    const app_type *type;
    void *cfg;            /* the type's configuration (config_size bytes) */
    guint index;          /* its place in "apps" */
} app_spec;

/* The host_env of a node (created on first use, one per node, freed by
 * the world after every application). NULL for an unknown node. */
host_env *app_world_host(app_world *w, const char *node);
/* The run's seed, for the application's random streams. */
uint64_t app_world_seed(const app_world *w);
/* An application that holds the run open (APP_HOLD_UNTIL_DONE) calls this
 * once when it is done; the run stops when the last one has. */
void app_world_done(app_world *w);
/* The followed application (the first whose type has `columns` or
 * `endpoints`) calls this when its first exchange is over: the timeline
 * draws that exchange only. */
void app_world_first_exchange_done(app_world *w);
/* The i-th application of the scenario ("apps" order), NULL past the end. */
const app_spec *app_world_app(const app_world *w, guint i);
/* The first application of type `type` on node `host` (NULL host: any). */
const app_spec *app_world_find(const app_world *w, const char *type, const char *host);
/* Services an application offers the others of its node (a mail
 * server's mailboxes to the POP3, IMAP and web-mail servers beside it),
 * by name; `service` stays the offering application's, valid until the
 * instances are freed. Offered from `start`, a service is found by the
 * applications that start after it ("apps" order) and by everyone once
 * the run goes; false when the node already offers that name. O(1). */
bool app_world_offer(app_world *w, const char *node, const char *name, void *service);
/* The service, or NULL when none is offered (yet). */
void *app_world_service(const app_world *w, const char *node, const char *name);
/* A node's IPv4 address literal ("10.0.0.7": 10.0.0.0 | (its index + 1),
 * the address pcap files show and a datagram's `from` carries) into
 * `out`; false (out "") for an unknown node. O(1) on average. */
bool app_world_node_address(const app_world *w, const char *node, char out[16]);
/* The reverse: the name of the node whose address literal is `address`
 * (borrowed from the world, valid for the run), or NULL when it is no
 * node's. O(length of the literal). */
const char *app_world_node_of_address(const app_world *w, const char *address);

/* The node a name stands for: a node's own name, its address literal,
 * or a name an application gave it (app_type.names); NULL when none. */
const char *app_world_node_named(const app_world *w, const char *name);

/* A path across the network, hop by hop. */
typedef struct {
    const char *link, *from, *to; /* borrowed from the world */
    uint64_t rate_bps;
    int64_t delay_ns;
    uint32_t queue_limit_pkts;  /* drop-tail limit of its queue; 0: none */
    uint64_t queue_limit_bytes; /* the same in bytes; 0: none */
    double loss;                /* probability that a packet is lost on the wire */
} app_hop;

typedef struct {
    app_hop hops[64];
    int n;                /* -1: no route */
    double rtt_s;         /* twice the propagation delays */
    double bottleneck_bps;
} app_path;

/* `from` and `to` are taken as app_world_node_named takes them. */
bool app_world_path(const app_world *w, const char *from, const char *to, app_path *out);
/* The time one packet of `bytes` (headers included) takes across an idle
 * path: on every hop its transmission, rounded up to the nanosecond as
 * the links do (ceil(8 L 1e9 / R) ns), and the propagation delay; in
 * seconds. */
double app_path_datagram_s(const app_path *p, uint64_t bytes);

/* One direction of a link (the one leaving `from`), now. */
typedef struct {
    uint64_t rate_bps;
    double utilisation;   /* busy fraction since time 0 */
    uint32_t queue_pkts;  /* waiting now */
} app_link_state;

bool app_world_link_state(const app_world *w, const char *link, const char *from, app_link_state *out);
/* Header bytes the network charges per packet (IPv4 + TCP, IPv4 + UDP);
 * for TCP with the run's timestamps on, their 12 option bytes included. */
uint32_t app_world_header_bytes(const app_world *w, bool udp);

/* The transport parameters formulas need. */
typedef struct {
    uint32_t mss;
    bool ideal;           /* the textbook's ideal TCP: no slow start */
    double rto_min_s;     /* the retransmission timeout's floor, seconds */
    double rto_initial_s; /* the timeout before any round-trip sample (a SYN's), seconds */
} app_tcp_info;

void app_world_tcp(const app_world *w, app_tcp_info *out);

/* Transport statistics summed over the TCP connections a node had, each
 * counted once when it is finished (closed, reset or timed out): what the
 * node sent, and how much of it went twice. Connections still open when
 * the run stops are not counted. */
typedef struct {
    uint64_t connections;
    uint64_t bytes_sent;       /* application bytes acknowledged by the peers */
    uint64_t segments_sent;    /* every segment, retransmissions included */
    uint64_t retransmits;      /* segments sent again (timeouts and fast retransmits) */
    uint64_t timeouts;         /* retransmission timer expiries */
    uint64_t fast_retransmits; /* retransmissions on three duplicate ACKs */
    uint64_t bytes_retransmitted; /* payload bytes of the retransmitted segments */
    uint64_t spurious_timeouts;   /* timeouts whose first copy had arrived (tcp_stats_t) */
} app_transport_stats;

/* Fills `out` (zeros for a node without connections); false for an
 * unknown node. O(1). */
bool app_world_transport_stats(const app_world *w, const char *node, app_transport_stats *out);

/* ---- textbook closed forms, for formulas (models/queueing.h) ------------------------ */

/* Mean time in system (s) of an M/D/1 and an M/M/1 queue with arrival
 * rate lambda and service rate mu (per second); lambda < mu. */
double app_theory_md1_time(double lambda, double mu);
double app_theory_mm1_time(double lambda, double mu);

/* Replacement policies a cache's hit rate has an approximation for. */
typedef enum { APP_CACHE_LRU, APP_CACHE_FIFO } app_cache_policy;

/* The hit rate of a cache holding `c` objects under independent requests
 * with Zipf(alpha) popularity over n objects: Che's approximation for LRU,
 * its FIFO form otherwise (models/queueing.h). O(n) memory, O(100 n) time. */
double app_theory_cache_hit_rate_zipf(app_cache_policy pol, double alpha, uint64_t n, double c);

/* ---- where the time went -------------------------------------------------------- */

/* The parts an interval of a run splits into, seen from one host
 * (app_world_explain). Every nanosecond of the interval lands in exactly
 * one part. */
typedef enum {
    APP_TIME_DNS,      /* waiting for a name lookup's answer before connecting: charged by
                          the application, which knows its lookups (app_world_explain never is) */
    APP_TIME_CONNECT,  /* SYN and SYN-ACK: their transmission and propagation */
    APP_TIME_REQUEST,  /* the host's own data: transmission and propagation */
    APP_TIME_PEER,     /* the peer application, from its request's arrival to its answer (server processing) */
    APP_TIME_RESPONSE, /* data to the host: transmission and propagation */
    APP_TIME_QUEUEING, /* waiting in link queues behind other connections' packets */
    APP_TIME_WINDOW,   /* the sender idle, its data waiting for the window (slow start) */
    APP_TIME_DELACK,   /* the ACK that opened the window held by the peer's delayed-ACK timer */
    APP_TIME_RETX,     /* from a lost packet's first sending to its retransmission (timeouts) */
    APP_TIME_OTHER,    /* the host's own delays (send jitter, the application), what the trace cannot say */
    APP_TIME__COUNT
} app_time_part;

/* "dns", "connect", "request", "server", "response", "queueing",
 * "slow_start", "delayed_ack", "retransmission", "other". */
const char *app_time_part_name(app_time_part part);

/* Asks the world to keep, from now on, every packet's hop timings (queue,
 * transmission, propagation) and its sender's reason, for
 * app_world_explain. Call it from `start`. Costs about 50 bytes per
 * packet hop for the run (at most 1,000,000 hops; an interval that ends
 * after the log is full is not explained), and about a third as much
 * again for the index the first explain builds; changes nothing in the
 * run. */
void app_world_trace_packets(app_world *w);

/* Splits [start, end] of host `host`'s view into parts (nanoseconds,
 * adding up exactly to end - start; every part but APP_TIME_DNS, which
 * the caller adds for the lookups it waited for before `start`), along
 * the critical path of the data
 * that arrived at `host` at `end`: that packet's hops (queue, transmission,
 * propagation), then what its sender waited for (the application's write,
 * the window, a timer, the packet it answered), traced back until `start`.
 * False (every part 0, OTHER = end - start) when packets were not traced,
 * no data arrived at `host` at `end`, `end` came after the log reached
 * its limit (1,000,000 packet hops: a long run explains its first loads),
 * or the run is still going: call it from `collect`. O(length of the
 * path) after a first call that indexes the log in O(packets + hops). */
bool app_world_explain(const app_world *w, const char *host, int64_t start, int64_t end,
                       int64_t parts[APP_TIME__COUNT]);

/* ---- results ---------------------------------------------------------------- */

/* Where a type puts its results. Metric keys may be dotted
 * ("cache_workload.hit_rate"): summary.json nests them. NaN is written as
 * null. */
typedef struct app_collect app_collect;

void app_metric(app_collect *c, const char *key, double v);
void app_metric_count(app_collect *c, const char *key, uint64_t v);
void app_metric_flag(app_collect *c, const char *key, bool v);
/* Says that the run failed as a whole for this type (every page load of
 * every browser failed, no request was answered...): `reason` is one line
 * for the user ("every page load failed: connection refused 3"). The run's
 * results are still written, the report shows the reason, and `appsim run`
 * exits with status 1. The first reason of a run is kept. */
void app_run_failed(app_collect *c, const char *reason);
/* One row of the type's CSV file, without the run column and the newline
 * (the world adds both). */
void app_row(app_collect *c, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* A further CSV file of a type (app_type.tables), beside its own. */
typedef struct {
    const char *csv_file;   /* "bt-upload.csv" */
    const char *csv_header; /* its columns after "run," */
} app_table;

/* One row of the type's further table `table` (an index in its
 * app_type.tables), as app_row. */
void app_table_row(app_collect *c, guint table, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

/* The metrics of a finished run, for formulas and reports. NaN when absent. */
typedef struct app_view app_view;
double app_view_metric(const app_view *v, const char *key);

/* A named figure `outputs.metric` may choose. */
typedef struct {
    const char *name;     /* "page_load_time" */
    const char *label;    /* "page load time (s)" (axis and table) */
    const char *key;      /* the metric it reads */
    bool is_time;         /* seconds: the textbook's formula is drawn beside it */
} app_headline;

/* A textbook formula `outputs.formula` may name. Evaluated after the run
 * for the first application of the type; NaN when it does not apply. */
typedef struct {
    const char *name;
    double (*value)(const app_world *w, const app_spec *a, const app_view *m);
} app_formula;

/* Which headline a formula predicts: its value is drawn beside that
 * headline only. A formula the type does not list here is in seconds and
 * is drawn beside every headline that is a time (when outputs.formula is
 * a list, every time no other entry of the list names). */
typedef struct {
    const char *formula;  /* a name of the type's `formulas` */
    const char *headline; /* a headline's name (of this type or another) */
} app_prediction;

/* How a figure's legend names the curves of a type's headlines and
 * formulas (app_type.legends). A headline's curve is "<legend>
 * (simulated)" ("BitTorrent swarm (simulated)"), its compare value after
 * a comma; a formula's is its legend ("P2P lower bound"). A headline or
 * formula without an entry keeps the names it always had: the headline's
 * name, the compare value or "simulated", and "(textbook)" for a
 * formula. */
typedef struct {
    const char *name;   /* one of the type's headlines or formulas */
    const char *legend; /* "BitTorrent swarm", "P2P lower bound" */
    /* A headline that is a closed form of the network's rates (a lower
     * bound), not a measurement: its curve is named by the legend alone,
     * never "simulated". */
    bool bound;
} app_legend;

/* ---- dialogues: timelines and transcripts --------------------------------------- */

typedef enum { APP_DLG_NEED_MORE, APP_DLG_ERROR, APP_DLG_HEAD, APP_DLG_BODY, APP_DLG_END } app_dlg_kind;

typedef struct {
    app_dlg_kind kind;
    char *head;           /* APP_DLG_HEAD: the message's lines, CRLF-separated (the caller frees) */
    uint64_t body;        /* APP_DLG_BODY: bytes of body */
} app_dlg_event;

/* Turns one direction of a connection into messages, byte by byte. */
typedef struct {
    void *(*new)(bool from_client);
    void (*free)(void *p);
    /* Consumes bytes (data NULL: `len` unmodelled bytes) up to the next
     * event; returns how many it consumed. */
    size_t (*feed)(void *p, const uint8_t *data, size_t len, app_dlg_event *ev);
    /* Called on the server direction's parser when the client's direction
     * has read a message head (HTTP: a HEAD request has no body). */
    void (*answering)(void *server_side, const void *client_side);
} app_dialogue;

/* ---- names of nodes --------------------------------------------------------------------- */

/* Gives `node` the name `name` (a domain name, say); see app_type.names. */
typedef void (*app_name_fn)(void *ctx, const char *name, const char *node);

/* ---- application records ------------------------------------------------------------ */

/* A table of application records a type collects: every host_record()
 * row of `kind` made by any host of the run goes to `csv_file`, whose
 * columns are "run,host,time_s," then `csv_header` (the row's own). */
typedef struct {
    const char *kind;       /* "dns-lookup" */
    const char *csv_file;   /* "dns.csv" */
    const char *csv_header; /* the columns of a row's text */
} app_record_table;

typedef void (*app_record_fn)(void *ud, const char *host, int64_t t_ns, const char *text);

/* Calls `fn` for every record of `kind` made so far by any host of the
 * world, in the order they were made (at most 2,000,000 records a run are
 * kept). O(records). */
void app_world_records(const app_world *w, const char *kind, app_record_fn fn, void *ud);

/* ---- the type ------------------------------------------------------------------- */

typedef enum {
    APP_HOLD_NONE,        /* a server: the run does not wait for it */
    APP_HOLD_UNTIL_DONE,  /* calls app_world_done(); the run stops when all such have */
    APP_HOLD_UNTIL_QUIET, /* the run goes on until no event is left (a workload that drains) */
} app_hold;

/* SINGLE: a run on its own; CASE: one of a list of cases; ROW: one compact
 * line for one run of a sweep's table (no indent, no newline: the report
 * puts the run's coordinates before it and `report_rows_title` above the
 * lines; nothing appended: no line). */
typedef enum { APP_REPORT_SINGLE, APP_REPORT_CASE, APP_REPORT_ROW } app_report_style;

struct app_type {
    const char *type;                 /* the JSON "type" */
    const char *doc;                  /* one line, for docs and errors */
    size_t config_size;
    const app_key *keys;              /* ended by a NULL name */
    /* Optional: checks across keys and against the topology, after the
     * keys are read (use app_reader_fail). */
    void (*check)(app_reader *r, void *cfg);
    /* Optional: frees what CUSTOM keys allocated in cfg. */
    void (*config_clear)(void *cfg);
    /* Optional: the ports it listens on (at most `max`), returns how many;
     * on its host and on every host `extra_host` gives. */
    size_t (*listens)(const void *cfg, uint16_t *ports, size_t max);
    /* Optional, in place of `listens` for a type that listens on one port:
     * the name of its APP_KEY_INT key (in `keys`) that holds the port. */
    const char *port_key;
    /* Optional, for a type that runs on a group of hosts: the i-th host it
     * also runs on besides `host` (from 0; NULL past the last), borrowed
     * from cfg; the i-th comes from the list under the key
     * `extra_hosts_key` at index i (where a conflict is reported). */
    const char *(*extra_host)(const void *cfg, size_t i);
    const char *extra_hosts_key;
    app_hold hold;
    void *(*start)(app_world *w, const app_spec *a, GError **err);
    void (*free)(void *inst);
    /* Collects every instance of the type of one run, in "apps" order. */
    void (*collect)(const app_world *w, void *const *insts, const app_spec *const *specs, size_t n,
                    app_collect *out);
    const app_record_table *records;  /* optional: record tables it writes out (NULL kind ends) */
    /* Optional: the names this application gives to nodes (a DNS server's
     * A records that point at a node): called once for every application
     * when the world is built, before any starts, with `add` for each
     * name. Wherever the world takes a node (app_world_path, the hosts of
     * `endpoints` and `columns`) it also takes such a name (ignoring
     * case) or a node's address literal. */
    void (*names)(const app_world *w, const app_spec *a, app_name_fn add, void *ctx);
    const char *csv_file;             /* optional: its CSV, e.g. "requests.csv" */
    const char *csv_header;           /* its columns after "run," */
    const app_table *tables;          /* optional: further CSV files (NULL csv_file ends), app_table_row */
    const app_headline *headlines;    /* ended by a NULL name; may be NULL */
    const app_formula *formulas;      /* ended by a NULL name; may be NULL */
    const app_prediction *predictions; /* ended by a NULL formula; may be NULL */
    const app_legend *legends;        /* ended by a NULL name; may be NULL */
    /* Optional: the two hosts a timeline and a transcript follow. `server`
     * is a new string. */
    bool (*endpoints)(const app_spec *a, char **server);
    /* Optional: the hosts a timeline follows, left to right, when there
     * are more than the `endpoints` pair (DNS: the requesting host, its
     * local server, root, TLD and authoritative servers). Fills hosts[0..n)
     * with new strings (the world frees them), n <= max (max is
     * APP_TIMELINE_MAX_COLUMNS), and returns n. Called before any
     * application starts, so `w` serves app_world_find and app_world_path
     * only. Names that are not nodes, and repeats, are left out; with fewer
     * than two hosts left, the type's `endpoints` pair is followed if it
     * has one, else the next application. The transcript and the run's
     * `rtt_s` still follow the `endpoints` pair. */
    size_t (*columns)(const app_world *w, const app_spec *a, char **hosts, size_t max);
    /* Optional: what its timeline shows, for the diagram's title ("one
     * page load": "<scenario>: one page load, packet by packet"); NULL:
     * "the first exchange". Say what the diagram ends with (the first
     * exchange app_world_first_exchange_done marks, or the whole run). */
    const char *timeline_title;
    const app_dialogue *dialogue;     /* optional: for connections to its ports */
    /* Optional: a packet's label from its payload, for TCP segments and UDP
     * datagrams to or from a port the type listens on (NULL, or a packet
     * without modelled bytes: "data [N B]" for TCP, "UDP [N B]" for UDP). */
    char *(*label)(const uint8_t *data, size_t len);
    /* Optional: lines for the stdout report of a run (two spaces of indent
     * for SINGLE, four for CASE). */
    void (*report)(const app_view *m, app_report_style style, GString *out);
    /* Optional: the heading above a table's ROW lines, e.g. what they
     * measure and in which unit. */
    const char *report_rows_title;
    /* Optional: a few words on a run for the footnotes of a sweep's table
     * (nothing appended: no note), e.g. that it was unstable. */
    void (*table_note)(const app_view *m, GString *out);
};

/* The ports an application of type `t` with configuration `cfg` listens
 * on (at most `max`), returns how many: its `listens`, else the value of
 * its key `port_key` (one port), else none. O(keys). */
size_t app_type_listens(const app_type *t, const void *cfg, uint16_t *ports, size_t max);

/* The registry: every application type, in the order the docs and the
 * errors list them. Built beside main (cli/registry.c) and handed down. */
typedef struct {
    const app_type *const *types;
    size_t n;
} app_registry;

const app_type *app_registry_find(const app_registry *reg, const char *type);

#endif

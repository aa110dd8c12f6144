/*
 * traffic: packet-level traffic generators and sinks.
 *
 * A Poisson source sends raw packets (protocol PKT_PROTO_RAW) from one host
 * to another, with exponential gaps of mean 1/rate and payload sizes drawn
 * from a chosen distribution (rounded to whole bytes, at least 1). A sink
 * takes every raw packet that reaches its network's hosts and records the
 * time each spent between creation and arrival.
 *
 * These are what the queueing validation drives; workloads of the
 * application issues build on the same random streams.
 *
 * Ownership: traffic_*_new/_free. Free sources and sinks before the net.
 */
#ifndef APPSIM_TRAFFIC_H
#define APPSIM_TRAFFIC_H

#include "net.h"

typedef enum {
    TRAFFIC_SIZE_FIXED,       /* always mean_bytes */
    TRAFFIC_SIZE_EXPONENTIAL, /* exponential with mean mean_bytes */
    TRAFFIC_SIZE_PARETO,      /* Pareto with shape pareto_alpha (> 1) and mean mean_bytes */
    TRAFFIC_SIZE_UNIFORM,     /* uniform on [0, 2 * mean_bytes] */
} traffic_size_dist;

typedef struct {
    double rate_pps;         /* mean packets per second, > 0 */
    traffic_size_dist sizes;
    double mean_bytes;       /* mean payload size, >= 1 */
    double pareto_alpha;     /* TRAFFIC_SIZE_PARETO only */
    uint16_t hdr_bytes;      /* header bytes added to each packet */
    uint64_t max_packets;    /* stop after this many; 0: no limit */
    sim_time_t stop;         /* send nothing at or after this time; 0: never */
} traffic_poisson_params;

typedef struct traffic_src traffic_src_t;
typedef struct traffic_sink traffic_sink_t;

/* Starts a source at the current time. `name` keys its random streams. */
traffic_src_t *traffic_poisson_new(net_t *net, node_t *from, node_t *to,
                                   const traffic_poisson_params *p, const char *name, GError **err);
void traffic_src_free(traffic_src_t *src);
uint64_t traffic_src_sent(const traffic_src_t *src);

typedef struct {
    uint64_t packets;  /* counted packets */
    uint64_t bytes;    /* their payload bytes */
    double mean_s;     /* mean creation-to-arrival time */
    double var_s2;     /* its variance */
    double max_s;
} traffic_sink_stats_t;

/* Registers the sink as its network's raw-packet handler. */
traffic_sink_t *traffic_sink_new(net_t *net);
void traffic_sink_free(traffic_sink_t *sink);
/* Packets created before `t` are received but not counted. */
void traffic_sink_set_warmup(traffic_sink_t *sink, sim_time_t t);
void traffic_sink_stats(const traffic_sink_t *sink, traffic_sink_stats_t *out);

#endif

/*
 * sim_time: simulated time and the unit helpers every layer uses.
 *
 * Simulated time is a signed 64-bit count of nanoseconds (about 292 years of
 * range). Rates are in bits per second and sizes in bytes, both unsigned
 * 64-bit. Conversions from floating point round to the nearest nanosecond;
 * the transmission time of a packet rounds *up* to the next whole
 * nanosecond, so that a link never carries more bits than its rate allows
 * (the error is below 1 ns per packet).
 */
#ifndef APPSIM_SIM_TIME_H
#define APPSIM_SIM_TIME_H

#include <stdint.h>

typedef int64_t sim_time_t;

#define SIM_TIME_MAX INT64_MAX
#define SIM_NS(x) ((sim_time_t)(x))
#define SIM_US(x) ((sim_time_t)(x) * 1000)
#define SIM_MS(x) ((sim_time_t)(x) * 1000000)
#define SIM_S(x) ((sim_time_t)(x) * 1000000000)

/* Rounds a count of nanoseconds to the nearest integer (halves away from
 * zero). Inline: random delays are converted on every event. */
static inline sim_time_t sim_time_round_ns(double ns)
{
    return ns >= 0 ? (sim_time_t)(ns + 0.5) : -(sim_time_t)(-ns + 0.5);
}

/* Conversions from floating point, rounding to the nearest nanosecond. */
static inline sim_time_t sim_time_from_s(double seconds) { return sim_time_round_ns(seconds * 1e9); }
static inline sim_time_t sim_time_from_ms(double ms) { return sim_time_round_ns(ms * 1e6); }
static inline sim_time_t sim_time_from_us(double us) { return sim_time_round_ns(us * 1e3); }

/* Conversions to floating point (exact up to 2^53 ns, about 104 days). */
double sim_time_to_s(sim_time_t t);
double sim_time_to_ms(sim_time_t t);
double sim_time_to_us(sim_time_t t);

/*
 * The time to put `bytes` bytes on a link of `rate_bps` bits per second:
 * ceil(bytes * 8 * 1e9 / rate_bps) nanoseconds, computed exactly in integer
 * arithmetic (no overflow for any 64-bit size and rate). `rate_bps` must be
 * above zero; the result saturates at SIM_TIME_MAX.
 */
sim_time_t sim_tx_time(uint64_t bytes, uint64_t rate_bps);

#endif

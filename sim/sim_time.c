/* sim_time: unit conversions and exact transmission times. */
#include "sim_time.h"

double sim_time_to_s(sim_time_t t) { return (double)t / 1e9; }
double sim_time_to_ms(sim_time_t t) { return (double)t / 1e6; }
double sim_time_to_us(sim_time_t t) { return (double)t / 1e3; }

sim_time_t sim_tx_time(uint64_t bytes, uint64_t rate_bps)
{
    /* Up to 2^31 bytes, bits * 1e9 fits in 64 bits: the usual case, and a
     * 64-bit division is several times cheaper than a 128-bit one. */
    if (bytes <= (UINT64_C(1) << 31)) {
        uint64_t num = bytes * 8u * 1000000000u;
        uint64_t q = num / rate_bps + (num % rate_bps != 0);
        return q > (uint64_t)SIM_TIME_MAX ? SIM_TIME_MAX : (sim_time_t)q;
    }
    /* bits * 1e9 may need up to 64 + 3 + 30 bits: use 128-bit arithmetic. */
    __extension__ typedef unsigned __int128 u128;
    u128 num = (u128)bytes * 8u * 1000000000u;
    u128 q = num / rate_bps;
    if (num % rate_bps)
        q++;
    if (q > (u128)SIM_TIME_MAX)
        return SIM_TIME_MAX;
    return (sim_time_t)q;
}

/* sim_rng: xoshiro256** streams keyed by (seed, name), and distributions. */
#include "sim_rng.h"

#include <glib.h>
#include <math.h>

static void zig_init(void);

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t fnv1a64(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ull;
    }
    return h;
}

uint64_t sim_seed_derive(uint64_t seed, const char *name)
{
    uint64_t x = seed;
    uint64_t a = splitmix64(&x);
    x = fnv1a64(name ? name : "");
    uint64_t b = splitmix64(&x);
    x = a ^ (b * 0x9e3779b97f4a7c15ull);
    return splitmix64(&x);
}

void sim_rng_init(sim_rng_t *rng, uint64_t seed, const char *name)
{
    zig_init();
    uint64_t x = sim_seed_derive(seed, name);
    for (int i = 0; i < 4; i++)
        rng->s[i] = splitmix64(&x);
    if (!(rng->s[0] | rng->s[1] | rng->s[2] | rng->s[3]))
        rng->s[0] = 1; /* the all-zero state is the one fixed point */
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t sim_rng_u64(sim_rng_t *rng)
{
    uint64_t *s = rng->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double sim_rng_unit(sim_rng_t *rng) { return (double)(sim_rng_u64(rng) >> 11) * 0x1.0p-53; }

double sim_rng_uniform(sim_rng_t *rng, double lo, double hi)
{
    return lo + (hi - lo) * sim_rng_unit(rng);
}

uint64_t sim_rng_below(sim_rng_t *rng, uint64_t n)
{
    g_assert(n > 0);
    /* Reject the top partial block so every residue is equally likely. */
    uint64_t limit = UINT64_MAX - (UINT64_MAX % n);
    uint64_t x;
    do
        x = sim_rng_u64(rng);
    while (x >= limit);
    return x % n;
}

bool sim_rng_bernoulli(sim_rng_t *rng, double p)
{
    if (p <= 0)
        return false;
    if (p >= 1)
        return true;
    return sim_rng_unit(rng) < p;
}

/*
 * Exponential variates by the ziggurat method (Marsaglia and Tsang, 2000):
 * the density exp(-x) is covered by 256 horizontal layers of equal area.
 * A draw picks a layer and a point in it; about 99% of draws fall inside
 * the density and cost one multiplication and one comparison. The rest are
 * resolved exactly: the base layer's tail by -log(U) shifted past R, the
 * wedges by comparison with exp(-x). One 64-bit draw gives both the layer
 * (low 8 bits) and the 53-bit position (high bits), which do not overlap.
 * The tables are built once per process and only read afterwards.
 */
#define ZIG_LAYERS 256
#define ZIG_R 7.69711747013104972       /* start of the tail */
#define ZIG_V 3.949659822581572e-3      /* area of each layer */
#define ZIG_SCALE 9007199254740992.0    /* 2^53 */

static uint64_t zig_k[ZIG_LAYERS]; /* accept when position < k[i] */
static double zig_w[ZIG_LAYERS];   /* x = position * w[i] */
static double zig_f[ZIG_LAYERS];   /* exp(-x_i) at each layer's edge */

static void zig_build(void)
{
    double de = ZIG_R, te = ZIG_R;
    double q = ZIG_V / exp(-de);
    zig_k[0] = (uint64_t)((de / q) * ZIG_SCALE);
    zig_k[1] = 0;
    zig_w[0] = q / ZIG_SCALE;
    zig_w[ZIG_LAYERS - 1] = de / ZIG_SCALE;
    zig_f[0] = 1.0;
    zig_f[ZIG_LAYERS - 1] = exp(-de);
    for (int i = ZIG_LAYERS - 2; i >= 1; i--) {
        de = -log(ZIG_V / de + exp(-de));
        zig_k[i + 1] = (uint64_t)((de / te) * ZIG_SCALE);
        te = de;
        zig_f[i] = exp(-de);
        zig_w[i] = de / ZIG_SCALE;
    }
}

static void zig_init(void)
{
    static gsize done = 0;
    if (g_once_init_enter(&done)) {
        zig_build();
        g_once_init_leave(&done, 1);
    }
}

/* A uniform on (0, 1]: the 53-bit grid shifted up by one step. */
static inline double unit_open0(sim_rng_t *rng)
{
    return (double)((sim_rng_u64(rng) >> 11) + 1) * 0x1.0p-53;
}

static double exp_standard(sim_rng_t *rng)
{
    for (;;) {
        uint64_t u = sim_rng_u64(rng);
        unsigned i = (unsigned)(u & (ZIG_LAYERS - 1));
        uint64_t j = u >> 11;
        if (j < zig_k[i])
            return (double)j * zig_w[i];
        if (i == 0)
            return ZIG_R - log(unit_open0(rng));
        double x = (double)j * zig_w[i];
        if (zig_f[i] + sim_rng_unit(rng) * (zig_f[i - 1] - zig_f[i]) < exp(-x))
            return x;
    }
}

double sim_rng_exponential(sim_rng_t *rng, double mean) { return mean * exp_standard(rng); }

double sim_rng_normal(sim_rng_t *rng)
{
    double u1 = 1.0 - sim_rng_unit(rng); /* (0, 1] */
    double u2 = sim_rng_unit(rng);
    return sqrt(-2.0 * log(u1)) * cos(2.0 * G_PI * u2);
}

double sim_rng_lognormal(sim_rng_t *rng, double mu, double sigma)
{
    return exp(mu + sigma * sim_rng_normal(rng));
}

double sim_rng_pareto(sim_rng_t *rng, double alpha, double xm)
{
    double u = 1.0 - sim_rng_unit(rng); /* (0, 1] */
    return xm / pow(u, 1.0 / alpha);
}

struct sim_zipf {
    uint64_t n;
    double *cdf; /* cdf[k-1] = P(rank <= k); cdf[n-1] = 1 */
};

sim_zipf_t *sim_zipf_new(double alpha, uint64_t n)
{
    g_assert(n >= 1 && alpha >= 0);
    sim_zipf_t *z = g_new(sim_zipf_t, 1);
    z->n = n;
    z->cdf = g_new(double, n);
    double sum = 0;
    for (uint64_t k = 1; k <= n; k++) {
        sum += pow((double)k, -alpha);
        z->cdf[k - 1] = sum;
    }
    for (uint64_t k = 0; k < n; k++)
        z->cdf[k] /= sum;
    z->cdf[n - 1] = 1.0;
    return z;
}

void sim_zipf_free(sim_zipf_t *z)
{
    if (!z)
        return;
    g_free(z->cdf);
    g_free(z);
}

uint64_t sim_zipf_sample(const sim_zipf_t *z, sim_rng_t *rng)
{
    double u = sim_rng_unit(rng);
    uint64_t lo = 0, hi = z->n - 1; /* first index with cdf > u */
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (z->cdf[mid] > u)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo + 1;
}

double sim_zipf_pmf(const sim_zipf_t *z, uint64_t k)
{
    if (k < 1 || k > z->n)
        return 0;
    return z->cdf[k - 1] - (k > 1 ? z->cdf[k - 2] : 0.0);
}

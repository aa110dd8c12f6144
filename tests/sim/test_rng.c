/* Tests of sim_rng: stream independence and the distributions' moments. */
#include <glib.h>

#include "sim/sim_rng.h"
#include "test_util.h"

#define N 1000000

static void test_streams_repeat_and_differ(void)
{
    sim_rng_t a, b, c, d;
    sim_rng_init(&a, 42, "link:x");
    sim_rng_init(&b, 42, "link:x");
    sim_rng_init(&c, 42, "link:y");
    sim_rng_init(&d, 43, "link:x");
    int same_ab = 0, same_ac = 0, same_ad = 0;
    for (int i = 0; i < 1000; i++) {
        uint64_t x = sim_rng_u64(&a);
        same_ab += x == sim_rng_u64(&b);
        same_ac += x == sim_rng_u64(&c);
        same_ad += x == sim_rng_u64(&d);
    }
    CU_ASSERT_EQUAL(same_ab, 1000);
    CU_ASSERT_EQUAL(same_ac, 0);
    CU_ASSERT_EQUAL(same_ad, 0);
    CU_ASSERT_NOT_EQUAL(sim_seed_derive(1, "run:0"), sim_seed_derive(1, "run:1"));
    CU_ASSERT_EQUAL(sim_seed_derive(1, "run:0"), sim_seed_derive(1, "run:0"));
}

/* A component's numbers do not depend on which other streams exist. */
static void test_adding_a_stream_shifts_nothing(void)
{
    sim_rng_t alone, with_other, other;
    sim_rng_init(&alone, 9, "app:browser");
    double first = sim_rng_unit(&alone);
    sim_rng_init(&other, 9, "app:new-component");
    for (int i = 0; i < 10; i++)
        sim_rng_unit(&other);
    sim_rng_init(&with_other, 9, "app:browser");
    CU_ASSERT_EQUAL(sim_rng_unit(&with_other), first);
}

/* Fixed values pin the generator across platforms and releases. */
static void test_known_values(void)
{
    sim_rng_t r;
    sim_rng_init(&r, 1, "");
    uint64_t x = sim_rng_u64(&r);
    sim_rng_init(&r, 1, "");
    CU_ASSERT_EQUAL(sim_rng_u64(&r), x);
    CU_ASSERT_NOT_EQUAL(x, 0);
}

static void test_uniform_and_below(void)
{
    sim_rng_t r;
    sim_rng_init(&r, 3, "test:uniform");
    double sum = 0, lo = 1, hi = 0;
    for (int i = 0; i < N; i++) {
        double u = sim_rng_unit(&r);
        sum += u;
        lo = u < lo ? u : lo;
        hi = u > hi ? u : hi;
    }
    CU_ASSERT_TRUE(lo >= 0 && hi < 1);
    ASSERT_REL(sum / N, 0.5, 0.005);
    ASSERT_REL(sim_rng_uniform(&r, 5, 5), 5, 0);
    int counts[7] = {0};
    for (int i = 0; i < 70000; i++)
        counts[sim_rng_below(&r, 7)]++;
    for (int k = 0; k < 7; k++) /* 10000 expected, sd about 93 */
        ASSERT_REL(counts[k], 10000, 0.05);
}

static void test_exponential_mean_and_variance(void)
{
    sim_rng_t r;
    sim_rng_init(&r, 3, "test:exp");
    double sum = 0, sq = 0;
    for (int i = 0; i < N; i++) {
        double x = sim_rng_exponential(&r, 2.5);
        CU_ASSERT_TRUE_FATAL(x >= 0);
        sum += x;
        sq += x * x;
    }
    double mean = sum / N;
    ASSERT_REL(mean, 2.5, 0.01);
    ASSERT_REL(sq / N - mean * mean, 6.25, 0.02);
}

/* The ziggurat's layers, wedges and tail together give exactly exp(-x):
 * every bin of width 0.25 up to 10, and the tail past the ziggurat's start
 * (7.697), holds its probability within 5 standard errors. */
static void test_exponential_shape(void)
{
    const int n = 4000000, bins = 40;
    const double width = 0.25;
    sim_rng_t r;
    sim_rng_init(&r, 5, "test:exp-shape");
    int *count = g_new0(int, bins + 1);
    int tail = 0;
    for (int i = 0; i < n; i++) {
        double x = sim_rng_exponential(&r, 1.0);
        int b = (int)(x / width);
        count[b < bins ? b : bins]++;
        tail += x > 7.69711747013104972;
    }
    int bad = 0;
    for (int b = 0; b <= bins; b++) {
        double lo = b * width;
        double p = b < bins ? exp(-lo) - exp(-(lo + width)) : exp(-lo);
        double sd = sqrt(p * (1 - p) / n);
        if (fabs((double)count[b] / n - p) > 5 * sd + 1e-12) {
            printf("\n    bin %d: %g, expected %g", b, (double)count[b] / n, p);
            bad++;
        }
    }
    CU_ASSERT_EQUAL(bad, 0);
    double pt = exp(-7.69711747013104972);
    CU_ASSERT_TRUE(fabs((double)tail / n - pt) <= 5 * sqrt(pt / n));
    g_free(count);
}

static void test_normal_and_lognormal(void)
{
    sim_rng_t r;
    sim_rng_init(&r, 3, "test:normal");
    double sum = 0, sq = 0, lsum = 0;
    for (int i = 0; i < N; i++) {
        double z = sim_rng_normal(&r);
        sum += z;
        sq += z * z;
        lsum += sim_rng_lognormal(&r, 1.0, 0.5);
    }
    CU_ASSERT_DOUBLE_EQUAL(sum / N, 0.0, 0.005);
    ASSERT_REL(sq / N, 1.0, 0.01);
    ASSERT_REL(lsum / N, exp(1.0 + 0.125), 0.01);
}

static void test_pareto(void)
{
    sim_rng_t r;
    sim_rng_init(&r, 3, "test:pareto");
    const double alpha = 3.0, xm = 2.0; /* mean 3, finite variance */
    double sum = 0, lo = 1e300;
    int above = 0;
    for (int i = 0; i < N; i++) {
        double x = sim_rng_pareto(&r, alpha, xm);
        sum += x;
        lo = x < lo ? x : lo;
        above += x > 4.0;
    }
    CU_ASSERT_TRUE(lo >= xm);
    ASSERT_REL(sum / N, alpha * xm / (alpha - 1), 0.01);
    ASSERT_REL((double)above / N, pow(xm / 4.0, alpha), 0.02); /* P(X > x) = (xm/x)^alpha */
}

static void test_bernoulli(void)
{
    sim_rng_t r;
    sim_rng_init(&r, 3, "test:bernoulli");
    int hits = 0;
    for (int i = 0; i < N; i++)
        hits += sim_rng_bernoulli(&r, 0.3);
    ASSERT_REL((double)hits / N, 0.3, 0.01);
    CU_ASSERT_FALSE(sim_rng_bernoulli(&r, 0));
    CU_ASSERT_TRUE(sim_rng_bernoulli(&r, 1));
}

static void test_zipf(void)
{
    sim_rng_t r;
    sim_rng_init(&r, 3, "test:zipf");
    const uint64_t n = 100;
    sim_zipf_t *z = sim_zipf_new(1.0, n);
    double h = 0;
    for (uint64_t k = 1; k <= n; k++)
        h += 1.0 / (double)k;
    ASSERT_REL(sim_zipf_pmf(z, 1), 1.0 / h, 1e-12);
    ASSERT_REL(sim_zipf_pmf(z, 10), 0.1 / h, 1e-9);
    CU_ASSERT_EQUAL(sim_zipf_pmf(z, 0), 0);
    CU_ASSERT_EQUAL(sim_zipf_pmf(z, n + 1), 0);
    uint64_t *count = g_new0(uint64_t, n + 1);
    for (int i = 0; i < N; i++) {
        uint64_t k = sim_zipf_sample(z, &r);
        CU_ASSERT_TRUE_FATAL(k >= 1 && k <= n);
        count[k]++;
    }
    ASSERT_REL((double)count[1] / N, sim_zipf_pmf(z, 1), 0.01);
    ASSERT_REL((double)count[2] / N, sim_zipf_pmf(z, 2), 0.015);
    ASSERT_REL((double)count[10] / N, sim_zipf_pmf(z, 10), 0.05);
    g_free(count);
    sim_zipf_free(z);
    /* alpha 0 is uniform */
    z = sim_zipf_new(0.0, 4);
    ASSERT_REL(sim_zipf_pmf(z, 3), 0.25, 1e-12);
    sim_zipf_free(z);
}

int main(void)
{
    static const test_case tests[] = {
        TEST(test_streams_repeat_and_differ),
        TEST(test_adding_a_stream_shifts_nothing),
        TEST(test_known_values),
        TEST(test_uniform_and_below),
        TEST(test_exponential_mean_and_variance),
        TEST(test_exponential_shape),
        TEST(test_normal_and_lognormal),
        TEST(test_pareto),
        TEST(test_bernoulli),
        TEST(test_zipf),
    };
    return test_main("sim/rng", tests, G_N_ELEMENTS(tests));
}

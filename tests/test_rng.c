/* Random numbers: PCG32 against the reference generator, and keyed draws. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "rng.h"

/* pcg32-demo of the reference C implementation (pcg-random.org), seeded
 * with initstate 42 and initseq 54, prints these first six outputs. */
static void pcg32_matches_reference_output(void **state)
{
    (void)state;
    pcg32 g;
    pcg32_seed(&g, 42u, 54u);
    const uint32_t expected[6] = { 0xa15c02b7, 0x7b47f409, 0xba1d3330, 0x83d2f293, 0xbfa4784b, 0xcbed606e };
    for (int i = 0; i < 6; i++) assert_int_equal(pcg32_next(&g), expected[i]);
}

/* Bounded draws (the reference's boundedrand) stay in range and are even. */
static void pcg32_bounded_is_uniform_and_in_range(void **state)
{
    (void)state;
    pcg32 g;
    pcg32_seed(&g, 7u, 11u);
    int counts[6] = { 0 };
    for (int i = 0; i < 60000; i++) {
        uint32_t r = pcg32_bounded(&g, 6);
        assert_true(r < 6);
        counts[r]++;
    }
    for (int k = 0; k < 6; k++) assert_in_range(counts[k], 9500, 10500);
    assert_int_equal(pcg32_bounded(&g, 1), 0);
}

static void pcg32_double_in_unit_interval(void **state)
{
    (void)state;
    pcg32 g;
    pcg32_seed(&g, 1u, 2u);
    double sum = 0;
    for (int i = 0; i < 100000; i++) {
        double u = pcg32_double(&g);
        assert_true(u >= 0.0 && u < 1.0);
        sum += u;
    }
    assert_true(fabs(sum / 100000 - 0.5) < 0.005);
}

static void keyed_draw_is_a_pure_function_of_its_key(void **state)
{
    (void)state;
    uint64_t k = rng_key(20261122, 3, 17, RNG_WELLBEING);
    assert_int_equal(k, rng_key(20261122, 3, 17, RNG_WELLBEING));
    /* Drawing other entities in any order, or not at all, changes nothing. */
    uint64_t a = rng_keyed(k, 12345);
    for (uint64_t e = 0; e < 1000; e++) (void)rng_keyed(k, 999 - e);
    assert_int_equal(a, rng_keyed(k, 12345));
}

static void keyed_draws_differ_by_every_part_of_the_key(void **state)
{
    (void)state;
    uint64_t base = rng_keyed(rng_key(1, 0, 0, RNG_WELLBEING), 0);
    assert_int_not_equal(base, rng_keyed(rng_key(2, 0, 0, RNG_WELLBEING), 0));   /* seed */
    assert_int_not_equal(base, rng_keyed(rng_key(1, 1, 0, RNG_WELLBEING), 0));   /* replicate */
    assert_int_not_equal(base, rng_keyed(rng_key(1, 0, 1, RNG_WELLBEING), 0));   /* week */
    assert_int_not_equal(base, rng_keyed(rng_key(1, 0, -1, RNG_WELLBEING), 0));  /* burn-in week */
    assert_int_not_equal(base, rng_keyed(rng_key(1, 0, 0, RNG_JOB), 0));         /* purpose */
    assert_int_not_equal(base, rng_keyed(rng_key(1, 0, 0, RNG_WELLBEING), 1));   /* entity */
    assert_int_not_equal(rng_key(1, 0, 0, RNG_WELLBEING),
                         rng_key(1, RNG_REPLICATE_POPULATION, 0, RNG_WELLBEING));
}

/* Chi-square over 100 bins of a million keyed draws: the 99.9% point of
 * chi-square with 99 degrees of freedom is 148.2. */
static void keyed_draws_are_uniform(void **state)
{
    (void)state;
    enum { N = 1000000, B = 100 };
    static int bins[B];
    uint64_t k = rng_key(42, 0, 5, RNG_WELLBEING);
    for (uint64_t e = 0; e < N; e++) bins[(int)(rng_u01(rng_keyed(k, e)) * B)]++;
    double chi = 0, expect = (double)N / B;
    for (int b = 0; b < B; b++) chi += (bins[b] - expect) * (bins[b] - expect) / expect;
    assert_true(chi < 148.2);
}

/* Adjacent entities, and the same entity in adjacent weeks or purposes,
 * must not be correlated: |r| of 200,000 pairs well under 4 / sqrt(n). */
static double correlation(const double *x, const double *y, int n)
{
    double mx = 0, my = 0, sxy = 0, sxx = 0, syy = 0;
    for (int i = 0; i < n; i++) {
        mx += x[i];
        my += y[i];
    }
    mx /= n;
    my /= n;
    for (int i = 0; i < n; i++) {
        sxy += (x[i] - mx) * (y[i] - my);
        sxx += (x[i] - mx) * (x[i] - mx);
        syy += (y[i] - my) * (y[i] - my);
    }
    return sxy / sqrt(sxx * syy);
}

static void keyed_draws_are_uncorrelated(void **state)
{
    (void)state;
    enum { N = 200000 };
    double *a = malloc(N * sizeof *a), *b = malloc(N * sizeof *b), *c = malloc(N * sizeof *c),
           *d = malloc(N * sizeof *d);
    uint64_t k0 = rng_key(7, 0, 10, RNG_WELLBEING), k1 = rng_key(7, 0, 11, RNG_WELLBEING);
    uint64_t kj = rng_key(7, 0, 10, RNG_JOB);
    for (int i = 0; i < N; i++) {
        a[i] = rng_u01(rng_keyed(k0, (uint64_t)i));
        b[i] = rng_u01(rng_keyed(k0, (uint64_t)i + 1));
        c[i] = rng_u01(rng_keyed(k1, (uint64_t)i));
        d[i] = rng_u01(rng_keyed(kj, (uint64_t)i));
    }
    double limit = 4 / sqrt((double)N);
    assert_true(fabs(correlation(a, b, N)) < limit);
    assert_true(fabs(correlation(a, c, N)) < limit);
    assert_true(fabs(correlation(a, d, N)) < limit);
    free(a);
    free(b);
    free(c);
    free(d);
}

static void thresholds_are_exact_at_the_ends(void **state)
{
    (void)state;
    assert_int_equal(rng_threshold(0), 0);
    assert_int_equal(rng_threshold(-1), 0);
    assert_int_equal(rng_threshold(NAN), 0);
    assert_int_equal(rng_threshold(1), UINT64_C(1) << 53);
    assert_int_equal(rng_threshold(2), UINT64_C(1) << 53);
    /* p = 1 always happens, even for the largest draw; p = 0 never does. */
    assert_true(rng_hit(UINT64_MAX, rng_threshold(1)));
    assert_false(rng_hit(0, rng_threshold(0)));
    /* rng_hit(bits, rng_threshold(p)) is exactly rng_u01(bits) < p */
    uint64_t k = rng_key(3, 0, 0, RNG_DEBT);
    const double ps[] = { 1e-9, 0.003, 0.25, 0.5, 0.999999 };
    for (int j = 0; j < 5; j++)
        for (uint64_t e = 0; e < 20000; e++) {
            uint64_t bits = rng_keyed(k, e);
            assert_int_equal(rng_hit(bits, rng_threshold(ps[j])), rng_u01(bits) < ps[j]);
        }
}

static void event_frequency_matches_probability(void **state)
{
    (void)state;
    uint64_t k = rng_key(99, 2, 3, RNG_LONELY), t = rng_threshold(0.03);
    int hits = 0;
    for (uint64_t e = 0; e < 1000000; e++) hits += rng_hit(rng_keyed(k, e), t);
    /* binomial sd = sqrt(1e6 * 0.03 * 0.97) = 170.6: within 5 sd */
    assert_in_range(hits, 30000 - 853, 30000 + 853);
}

static void streams_for_different_entities_differ(void **state)
{
    (void)state;
    uint64_t k = rng_key(5, RNG_REPLICATE_POPULATION, 0, RNG_POP_HOUSEHOLD);
    pcg32 a, b, a2;
    rng_stream(&a, k, 10);
    rng_stream(&b, k, 11);
    rng_stream(&a2, k, 10);
    int same = 0;
    for (int i = 0; i < 100; i++) {
        uint32_t x = pcg32_next(&a);
        same += x == pcg32_next(&b);
        assert_int_equal(x, pcg32_next(&a2));
    }
    assert_true(same < 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pcg32_matches_reference_output),
        cmocka_unit_test(pcg32_bounded_is_uniform_and_in_range),
        cmocka_unit_test(pcg32_double_in_unit_interval),
        cmocka_unit_test(keyed_draw_is_a_pure_function_of_its_key),
        cmocka_unit_test(keyed_draws_differ_by_every_part_of_the_key),
        cmocka_unit_test(keyed_draws_are_uniform),
        cmocka_unit_test(keyed_draws_are_uncorrelated),
        cmocka_unit_test(thresholds_are_exact_at_the_ends),
        cmocka_unit_test(event_frequency_matches_probability),
        cmocka_unit_test(streams_for_different_entities_differ),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Golden outputs: the shipped scenarios, run small, must write exactly the
 * files recorded in tests/fixtures/golden/. Speed work (issue 6) must
 * leave every output byte-identical; this is the test that says so. When
 * the model changes on purpose, record the files again with
 * `make golden` and say why in the commit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "support.h"

/* Small enough for a test, long enough for services, scripts and a shock
 * to act: a quarter of Example Town, 8 weeks of burn-in, a year. */
#define SMALL "--set population.scale=0.25 --set burn_in_weeks=8 --weeks 52 --replicates 2"

/* Each is run with its two replicates on two threads, and again on six:
 * then each replicate splits its passes over three threads (split.h),
 * which must change nothing either. */
static const char *const threads[] = { "2", "6" };

static const char *const scenarios[] = { "crisis_led", "integrated_teams", "community_led_shock",
                                          "crisis_led_with_library" };
/* What each needs beyond SMALL: the shipped shock starts in week 156,
 * after a year's run (and a shock after the run is refused), so the
 * golden run brings it forward to weeks 20 to 39. `make golden` must record
 * with the same options. */
static const char *const extra[] = { "", "", "--set shocks.cost_of_living.start_week=20 "
                                             "--set shocks.cost_of_living.weeks=20", "" };
static const char *const files[] = { "timeseries.csv", "services.csv", "neighbourhoods.csv" };

/* The first line where a and b differ, for the failure message. */
static int first_difference(const char *a, const char *b)
{
    int line = 1;
    for (; *a && *a == *b; a++, b++)
        if (*a == '\n') line++;
    return line;
}

static void scenario_outputs_match_the_recorded_ones(void **state)
{
    (void)state;
    for (size_t run = 0; run < sizeof scenarios / sizeof scenarios[0] * 2; run++) {
        const size_t k = run / 2;
        const char *t = threads[run % 2];
        char out[256];
        snprintf(out, sizeof out, "%s/golden_%s_%s", ts_tmpdir(), scenarios[k], t);
        ts_cmd c = ts_run("run scenarios/%s.json " SMALL " %s --threads %s --out %s --force --quiet", scenarios[k],
                          extra[k], t, out);
        if (c.status != 0) print_message("%s", c.err);
        assert_int_equal(c.status, 0);
        ts_cmd_free(&c);
        for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
            char got_path[512], want_path[512];
            snprintf(got_path, sizeof got_path, "%s/%s", out, files[f]);
            snprintf(want_path, sizeof want_path, "tests/fixtures/golden/%s/%s", scenarios[k], files[f]);
            char *got = ts_read(got_path), *want = ts_read(want_path);
            assert_non_null(got);
            if (!want) fail_msg("%s is missing; record the golden outputs with make golden", want_path);
            if (strcmp(got, want) != 0) {
                fail_msg("%s differs from %s from line %d: an optimisation changed the outputs (or the model "
                         "changed on purpose: then make golden)",
                         got_path, want_path, first_difference(got, want));
            }
            print_message("%s/%s on %s threads: %zu bytes as recorded\n", scenarios[k], files[f], t, strlen(got));
            free(got);
            free(want);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(scenario_outputs_match_the_recorded_ones),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

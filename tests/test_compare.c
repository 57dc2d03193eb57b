/* Comparisons: paired differences under common random numbers, the
 * derived outcomes, what changed, and the checks that refuse scenarios
 * that cannot be paired. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "compare.h"
#include "placesim.h"
#include "support.h"

/* ------------------------------------------------------------ statistics by hand */

/* d = other - base = {-1, -1.5, -1, -2, -0.5}: mean -1.2, sd sqrt(1.3/4),
 * t(0.975, 4) = 2.776, half width 2.776 * sd / sqrt(5). */
static void paired_interval_matches_a_hand_computation(void **state)
{
    (void)state;
    const double base[5] = { 10, 12, 11, 13, 9 }, other[5] = { 9, 10.5, 10, 11, 8.5 };
    double d[5];
    ps_difference r = { .outcome = "x", .unit = "u" };
    compare_paired(base, other, 5, d, &r);
    const double sd = sqrt(1.3 / 4), half = 2.776 * sd / sqrt(5.0);
    assert_string_equal(r.outcome, "x");
    assert_int_equal(r.n, 5);
    assert_true(fabs(r.mean - -1.2) < 1e-12);
    assert_true(fabs(r.sd - sd) < 1e-12);
    assert_true(fabs(r.ci_low - (-1.2 - half)) < 1e-9);
    assert_true(fabs(r.ci_high - (-1.2 + half)) < 1e-9);
    assert_true(fabs(r.baseline_mean - 11) < 1e-12);
    assert_true(fabs(r.scenario_mean - 9.8) < 1e-12);
    assert_true(fabs(r.relative_change - -1.2 / 11) < 1e-12);
    assert_int_equal(r.separated, 1);
    assert_true(isnan(r.replicates_needed));
    assert_true(d[0] == -1 && d[1] == -1.5 && d[3] == -2);
}

/* The paired interval is far narrower than the two runs' own spreads
 * would suggest when the runs move together, and a pair with a missing
 * value is left out, not counted as zero. */
static void pairing_uses_the_replicates_together(void **state)
{
    (void)state;
    const double base[4] = { 100, 200, 300, NAN }, other[4] = { 101, 201, 301.5, 7 };
    ps_difference r = { 0 };
    compare_paired(base, other, 4, NULL, &r);
    assert_int_equal(r.n, 3);
    assert_true(fabs(r.mean - 3.5 / 3) < 1e-12);
    assert_true(r.ci_high - r.ci_low < 5); /* the runs themselves spread over 200 */
    assert_int_equal(r.separated, 1);
}

/* An outcome only one side has (a service the baseline lacks) cannot be
 * paired, but each side's own mean is still reported. */
static void an_unpaired_outcome_keeps_each_sides_mean(void **state)
{
    (void)state;
    const double base[3] = { NAN, NAN, NAN }, other[3] = { 10, 20, 60 };
    ps_difference r = { 0 };
    compare_paired(base, other, 3, NULL, &r);
    assert_int_equal(r.n, 0);
    assert_true(isnan(r.mean) && isnan(r.ci_low));
    assert_true(isnan(r.baseline_mean));
    assert_true(fabs(r.scenario_mean - 30) < 1e-12);
}

static void replicates_needed_follows_the_effect_size(void **state)
{
    (void)state;
    /* (1.96 + 0.84)^2 * (sd / mean)^2 with t in place of 1.96 */
    double n1 = compare_replicates_needed(1, 2), n2 = compare_replicates_needed(0.5, 2);
    assert_true(n1 >= 32 && n1 <= 36); /* z alone gives 31.4 */
    assert_true(n2 > 3.5 * n1 && n2 < 4.5 * n1); /* half the effect, four times the replicates */
    assert_true(isnan(compare_replicates_needed(0, 1)));
    /* a difference that is not yet clear says how many would tell */
    const double base[3] = { 0, 0, 0 }, other[3] = { 1, -0.5, 0.9 };
    ps_difference r = { 0 };
    compare_paired(base, other, 3, NULL, &r);
    assert_int_equal(r.separated, 0);
    assert_true(r.replicates_needed > 3);
    assert_true(r.replicates_needed >= compare_replicates_needed(r.mean, r.sd));
    assert_true(r.replicates_needed >= r.n + 1); /* the replicates we have did not tell */
}

/* ------------------------------------------------------------ runs */

static char cwd[1024];

/* A small, short Example Town under the crisis-led model, with extra JSON
 * fields (may be ""). */
static const char *scenario_file(const char *name, const char *extra)
{
    char text[8192];
    snprintf(text, sizeof text,
             "{ \"extends\": \"%s/scenarios/crisis_led.json\", \"name\": \"%s\", \"replicates\": 4, \"weeks\": 60,\n"
             "  \"burn_in_weeks\": 20, \"population\": { \"scale\": 0.05 }%s%s }\n",
             cwd, name, *extra ? ",\n  " : "", extra);
    char file[160];
    snprintf(file, sizeof file, "%s.json", name);
    return ts_write(file, text);
}

static ps_results *run(const char *path, ps_scenario **sc, const char *const *sets, size_t nsets)
{
    ps_error err;
    if (ps_scenario_load(path, sets, nsets, sc, &err)) fail_msg("load %s: %s", path, err.message);
    ps_results *res = NULL;
    if (ps_run(*sc, NULL, &res, &err)) fail_msg("run %s: %s", path, err.message);
    return res;
}

/* A scenario compared with itself plus a script that does nothing: every
 * difference is exactly zero with a zero-width interval, and the ratios,
 * which divide by zero, say so with NaN rather than a number. */
static void self_and_a_no_op_intervention_differ_by_exactly_zero(void **state)
{
    (void)state;
    char iv[2048];
    ts_write("noop.lua", "return { week = function(sim, p) end, on = { crisis = function(sim, p, person) end } }\n");
    snprintf(iv, sizeof iv, "\"interventions\": [ { \"script\": \"%s\" } ]", ts_path("noop.lua"));
    ps_scenario *a = NULL, *b = NULL;
    ps_results *ra = run(scenario_file("self", ""), &a, NULL, 0);
    ps_results *rb = run(scenario_file("self_noop", iv), &b, NULL, 0);
    ps_comparison *c = NULL;
    ps_error err;
    assert_int_equal(ps_compare(ra, (const ps_results *const *)&rb, 1, NULL, &c, &err), PS_OK);
    size_t n = ps_comparison_count(c, 0), ratios = 0;
    assert_true(n > 60);
    for (size_t i = 0; i < n; i++) {
        ps_difference d;
        assert_int_equal(ps_comparison_get(c, 0, i, &d), PS_OK);
        if (d.ratio) {
            ratios++;
            assert_true(isnan(d.mean));
            continue;
        }
        if (d.n == 0) continue; /* an outcome neither run defines (no shock) */
        if (d.mean != 0 || d.ci_low != 0 || d.ci_high != 0 || d.sd != 0)
            fail_msg("%s: %g [%g, %g]", d.outcome, d.mean, d.ci_low, d.ci_high);
        assert_int_equal(d.separated, 0);
    }
    assert_int_equal(ratios, 3);
    ps_difference d;
    assert_int_equal(ps_comparison_find(c, 0, "derived.crises_averted", &d), PS_OK);
    assert_true(d.mean == 0 && d.ci_low == 0 && d.ci_high == 0);
    assert_int_equal(ps_comparison_find(c, 0, "no.such.outcome", &d), PS_ERR_ARG);
    /* no crises averted, clearly or not: no price for one, and the note says why */
    assert_int_equal(ps_comparison_find(c, 0, "derived.cost_per_crisis_averted", &d), PS_OK);
    assert_non_null(d.note);
    assert_string_equal(d.note, "crises averted not yet clear");
    assert_true(isnan(d.mean) && isnan(d.ci_low) && isnan(d.ci_high));
    /* what changed: only the intervention */
    assert_true(c->sc[0].nchanges >= 1);
    for (size_t k = 0; k < c->sc[0].nchanges; k++)
        assert_non_null(strstr(c->sc[0].changes[k].path, "interventions"));
    ps_comparison_free(c);
    ps_results_free(ra);
    ps_results_free(rb);
    ps_scenario_free(a);
    ps_scenario_free(b);
}

/* A real policy: the derived outcomes hang together. */
static void derived_outcomes_are_consistent(void **state)
{
    (void)state;
    ps_scenario *a = NULL, *b = NULL;
    const char *more[] = { "services.crisis_team.capacity=200" };
    ps_results *ra = run(scenario_file("base", ""), &a, NULL, 0);
    ps_results *rb = run(scenario_file("base", ""), &b, more, 1);
    ps_comparison *c = NULL;
    ps_error err;
    assert_int_equal(ps_compare(ra, (const ps_results *const *)&rb, 1, NULL, &c, &err), PS_OK);
    ps_difference ep, av, cost, net, q, nmb, per, rpp;
    assert_int_equal(ps_comparison_find(c, 0, "safety_one.crisis_episodes", &ep), PS_OK);
    assert_int_equal(ps_comparison_find(c, 0, "derived.crises_averted", &av), PS_OK);
    assert_int_equal(ps_comparison_find(c, 0, "money.cost_total", &cost), PS_OK);
    assert_int_equal(ps_comparison_find(c, 0, "derived.net_cost", &net), PS_OK);
    assert_int_equal(ps_comparison_find(c, 0, "derived.qalys_gained", &q), PS_OK);
    assert_int_equal(ps_comparison_find(c, 0, "derived.net_monetary_benefit", &nmb), PS_OK);
    assert_int_equal(ps_comparison_find(c, 0, "derived.cost_per_crisis_averted", &per), PS_OK);
    assert_int_equal(ps_comparison_find(c, 0, "derived.return_per_pound", &rpp), PS_OK);
    assert_true(fabs(av.mean + ep.mean) < 1e-9);
    assert_true(fabs(net.mean - cost.mean) < 1e-6 * fabs(cost.mean) + 1e-9);
    assert_true(fabs(nmb.mean - (q.mean * 20000 - net.mean)) < 1e-6 * fabs(nmb.mean) + 1e-6);
    assert_true(cost.mean != 0); /* a bigger crisis team changes what is spent */
    assert_true(per.ratio && rpp.ratio);
    if (av.separated && av.mean > 0) /* a price only for crises clearly averted */
        assert_true(fabs(per.mean - net.mean / av.mean) < 1e-6 * fabs(per.mean));
    else
        assert_true(per.note && isnan(per.mean));
    if (isfinite(per.ci_low)) assert_true(per.ci_low <= per.ci_high);
    /* the bootstrap is deterministic */
    ps_comparison *c2 = NULL;
    assert_int_equal(ps_compare(ra, (const ps_results *const *)&rb, 1, NULL, &c2, &err), PS_OK);
    ps_difference per2;
    assert_int_equal(ps_comparison_find(c2, 0, "derived.cost_per_crisis_averted", &per2), PS_OK);
    assert_true(memcmp(&per.ci_low, &per2.ci_low, sizeof(double)) == 0);
    /* what changed names the key, both values and its description */
    int found = 0;
    for (size_t k = 0; k < c->sc[0].nchanges; k++) {
        const cmp_change *ch = &c->sc[0].changes[k];
        if (strcmp(ch->path, "services[crisis_team].capacity")) continue;
        found = 1;
        assert_string_equal(ch->to, "200");
        assert_non_null(ch->doc);
    }
    assert_true(found);
    ps_comparison_free(c);
    ps_comparison_free(c2);
    ps_results_free(ra);
    ps_results_free(rb);
    ps_scenario_free(a);
    ps_scenario_free(b);
}

/* Scenarios that do not share their households, seed or replicates
 * cannot be paired, and the message says what differs. */
static void scenarios_that_cannot_pair_are_refused(void **state)
{
    (void)state;
    ps_scenario *a = NULL, *b = NULL, *c = NULL;
    ps_error err;
    const char *more_people[] = { "population.mean_household_size=2.6" };
    const char *other_seed[] = { "seed=7" };
    assert_int_equal(ps_scenario_load(scenario_file("base", ""), NULL, 0, &a, &err), PS_OK);
    assert_int_equal(ps_scenario_load(scenario_file("base", ""), more_people, 1, &b, &err), PS_OK);
    assert_int_equal(ps_scenarios_pairable(a, b, &err), PS_ERR_INVALID);
    assert_non_null(strstr(err.message, "households"));
    assert_int_equal(ps_scenario_load(scenario_file("base", ""), other_seed, 1, &c, &err), PS_OK);
    assert_int_equal(ps_scenarios_pairable(a, c, &err), PS_ERR_INVALID);
    assert_non_null(strstr(err.message, "seed"));
    assert_int_equal(ps_scenarios_pairable(a, a, &err), PS_OK);
    ps_scenario_free(a);
    ps_scenario_free(b);
    ps_scenario_free(c);
    /* community assets are policy, not households: they pair */
    const char *assets[] = { "population.hubs_per_1000_households=2" };
    assert_int_equal(ps_scenario_load(scenario_file("base", ""), NULL, 0, &a, &err), PS_OK);
    assert_int_equal(ps_scenario_load(scenario_file("base", ""), assets, 1, &b, &err), PS_OK);
    assert_int_equal(ps_scenarios_pairable(a, b, &err), PS_OK);
    ps_scenario_free(a);
    ps_scenario_free(b);
}

/* Reads the lines of a CSV file whose week column (column index col) is
 * below w, in order, into one string. */
static char *lines_before(const char *path, int col, int w)
{
    char *text = ts_read(path);
    if (!text) fail_msg("cannot read %s", path);
    size_t n = strlen(text), k = 0;
    char *out = calloc(n + 1, 1);
    char *line = strtok(text, "\n");
    line = strtok(NULL, "\n"); /* skip the header */
    while (line) {
        const char *p = line;
        for (int i = 0; i < col && p; i++) {
            p = strchr(p, ',');
            if (p) p++;
        }
        if (p && atoi(p) < w) {
            size_t len = strlen(line);
            memcpy(out + k, line, len);
            k += len;
            out[k++] = '\n';
        }
        line = strtok(NULL, "\n");
    }
    free(text);
    return out;
}

/* Interventions that start in week W change nothing before W: every
 * time series row before W is byte-identical to the baseline's, and
 * something after W differs (so the check can fail). The scripts between
 * them use every kind of hook: setup (debt advice adds a service), week
 * (the benefit uplift spends each week) and events (eviction prevention
 * acts on housing insecurity, the uplift on debt). */
static void an_intervention_from_week_w_leaves_every_earlier_week_identical(void **state)
{
    (void)state;
    const int W = 25;
    char iv[4096];
    snprintf(iv, sizeof iv,
             "\"interventions\": [ { \"script\": \"%s/scripts/debt_advice.lua\", \"start_week\": %d },"
             " { \"script\": \"%s/scripts/benefit_uplift.lua\", \"start_week\": %d },"
             " { \"script\": \"%s/scripts/eviction_prevention.lua\", \"start_week\": %d } ]",
             cwd, W, cwd, W, cwd, W);
    const char *base = scenario_file("before_w_base", "");
    const char *with = scenario_file("before_w_debt", iv);
    char out[1100];
    snprintf(out, sizeof out, "%s", ts_path("before_w_out"));
    ts_cmd r = ts_run("compare %s %s --out %s --quiet", base, with, out);
    if (r.status) fail_msg("compare failed: %s", r.err);
    ts_cmd_free(&r);
    static const struct {
        const char *file;
        int week_col;
    } files[] = { { "timeseries.csv", 1 }, { "services.csv", 1 }, { "neighbourhoods.csv", 0 } };
    for (size_t f = 0; f < 3; f++) {
        char pa[1300], pb[1300];
        snprintf(pa, sizeof pa, "%s/before_w_base/%s", out, files[f].file);
        snprintf(pb, sizeof pb, "%s/before_w_debt/%s", out, files[f].file);
        char *a = lines_before(pa, files[f].week_col, W), *b = lines_before(pb, files[f].week_col, W);
        assert_true(strlen(a) > 100);
        if (strcmp(a, b)) fail_msg("%s differs before week %d", files[f].file, W);
        free(a);
        free(b);
        char *all_a = lines_before(pa, files[f].week_col, 1000), *all_b = lines_before(pb, files[f].week_col, 1000);
        assert_true(strcmp(all_a, all_b) != 0); /* the intervention did something */
        free(all_a);
        free(all_b);
    }
}

/* A sweep names its keys by the shortest ends of their paths that tell
 * them apart, and refuses one key varied twice however it is spelt. */
static void sweep_axes_are_told_apart_and_not_repeated(void **state)
{
    (void)state;
    const char *base = scenario_file("sweep_axes", "");
    const char *two[] = { "services.crisis_team.capacity=40,60", "services[talking_therapies].capacity=200,250",
                          "model.crisis.base=0.0012,0.0014" };
    ps_sweep *sw = NULL;
    ps_error err;
    assert_int_equal(ps_sweep_load(base, NULL, 0, two, 3, &sw, &err), PS_OK);
    assert_int_equal(ps_sweep_axis_count(sw), 3);
    assert_string_equal(ps_sweep_axis_label(sw, 0), "crisis_team.capacity");
    assert_string_equal(ps_sweep_axis_label(sw, 1), "talking_therapies.capacity");
    assert_string_equal(ps_sweep_axis_label(sw, 2), "base");
    assert_null(ps_sweep_axis_label(sw, 3));
    assert_string_equal(ps_sweep_point_value(sw, 7, 1), "250");
    assert_string_equal(ps_sweep_point_label(sw, 7),
                        "crisis_team.capacity=60, talking_therapies.capacity=250, base=0.0014");
    ps_sweep_free(sw);
    const char *same[] = { "services.crisis_team.capacity=1,2", "services[crisis_team].capacity=3,4" };
    assert_int_equal(ps_sweep_load(base, NULL, 0, same, 2, &sw, &err), PS_ERR_ARG);
    assert_null(sw);
    assert_non_null(strstr(err.message, "varied twice"));
    const char *seed[] = { "seed=1,2" };
    assert_int_equal(ps_sweep_load(base, NULL, 0, seed, 1, &sw, &err), PS_ERR_INVALID);
    assert_non_null(strstr(err.message, "changes the seed: a sweep pairs its points"));
}

/* The command line: a folder per scenario, comparison files and a report;
 * a scenario with its own seed runs with the baseline's, and says so. */
static void compare_writes_its_folder_and_pairs_seeds(void **state)
{
    (void)state;
    const char *base = scenario_file("cli_base", "");
    const char *other = scenario_file("cli_other", "\"seed\": 99, \"services\": [ { \"name\": \"crisis_team\", \"capacity\": 60 } ]");
    char out[1100];
    snprintf(out, sizeof out, "%s", ts_path("cli_cmp"));
    ts_cmd r = ts_run("compare %s %s --out %s", base, other, out);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.err, "baseline's seed"));
    assert_non_null(strstr(r.out, "Difference from the baseline"));
    assert_non_null(strstr(r.out, "Crisis episodes averted a year"));
    ts_cmd_free(&r);
    static const char *const files[] = { "comparison.csv", "comparison.json", "report.html",
                                         "cli_base/summary.json", "cli_other/timeseries.csv",
                                         "cli_other/report.html" };
    for (size_t i = 0; i < 6; i++) {
        char p[1300];
        snprintf(p, sizeof p, "%s/%s", out, files[i]);
        if (!ts_exists(p)) fail_msg("missing %s", p);
    }
    char p[1300];
    snprintf(p, sizeof p, "%s/comparison.csv", out);
    char *csv = ts_read(p);
    const char *head = "outcome,scenario,baseline_mean,scenario_mean,diff_mean,diff_ci_low,diff_ci_high,"
                       "relative_change,";
    assert_true(!strncmp(csv, head, strlen(head)));
    assert_non_null(strstr(csv, "\nderived.cost_per_crisis_averted,cli_other,"));
    free(csv);
    snprintf(p, sizeof p, "%s/cli_other/scenario.resolved.json", out);
    char *res = ts_read(p);
    assert_non_null(strstr(res, "\"seed\":\t20261122,"));
    free(res);
    /* the same comparison again gives the same files, report included */
    char out2[1100];
    snprintf(out2, sizeof out2, "%s", ts_path("cli_cmp2"));
    r = ts_run("compare %s %s --out %s --quiet --threads 1", base, other, out2);
    assert_int_equal(r.status, 0);
    ts_cmd_free(&r);
    r = ts_sh("cmp %s/comparison.csv %s/comparison.csv && cmp %s/report.html %s/report.html", out, out2, out, out2);
    if (r.status) fail_msg("not reproducible: %s", r.out);
    ts_cmd_free(&r);
    /* a folder that exists is kept */
    r = ts_run("compare %s %s --out %s --quiet", base, other, out);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "--force"));
    ts_cmd_free(&r);
}

static void compare_refuses_what_cannot_pair_and_writes_nothing(void **state)
{
    (void)state;
    const char *base = scenario_file("np_base", "");
    const char *other = ts_write("np_other.json", "{ \"extends\": \"np_base.json\", \"population\": { \"scale\": 0.06 } }\n");
    char out[1100];
    snprintf(out, sizeof out, "%s", ts_path("np_out"));
    ts_cmd r = ts_run("compare %s %s --out %s --quiet", base, other, out);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "np_other.json"));
    assert_non_null(strstr(r.err, "households"));
    assert_false(ts_exists(out));
    ts_cmd_free(&r);
    r = ts_run("compare %s --quiet", base);
    assert_int_equal(r.status, 2);
    ts_cmd_free(&r);
}

/* A sweep whose point fails says which point, with its values, and
 * writes nothing. */
static void a_failing_sweep_point_is_named(void **state)
{
    (void)state;
    ts_write("fails_big.lua",
             "return { params = { x = 1 }, week = function(sim, p) if p.x > 1 then error(\"too big\") end end }\n");
    char iv[2048];
    snprintf(iv, sizeof iv, "\"interventions\": [ { \"script\": \"%s\", \"params\": { \"x\": 1 } } ]",
             ts_path("fails_big.lua"));
    const char *sc = scenario_file("sweep_fails", iv);
    char out[1100];
    snprintf(out, sizeof out, "%s", ts_path("sweep_fails_out"));
    ts_cmd r = ts_run("sweep %s --vary interventions[fails_big].params.x=1,2 --out %s --quiet", sc, out);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "point-02 (x=2): "));
    assert_non_null(strstr(r.err, "too big"));
    assert_false(ts_exists(out));
    ts_cmd_free(&r);
}

int main(void)
{
    if (!getcwd(cwd, sizeof cwd)) return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(paired_interval_matches_a_hand_computation),
        cmocka_unit_test(pairing_uses_the_replicates_together),
        cmocka_unit_test(an_unpaired_outcome_keeps_each_sides_mean),
        cmocka_unit_test(replicates_needed_follows_the_effect_size),
        cmocka_unit_test(self_and_a_no_op_intervention_differ_by_exactly_zero),
        cmocka_unit_test(derived_outcomes_are_consistent),
        cmocka_unit_test(scenarios_that_cannot_pair_are_refused),
        cmocka_unit_test(an_intervention_from_week_w_leaves_every_earlier_week_identical),
        cmocka_unit_test(sweep_axes_are_told_apart_and_not_repeated),
        cmocka_unit_test(compare_writes_its_folder_and_pairs_seeds),
        cmocka_unit_test(compare_refuses_what_cannot_pair_and_writes_nothing),
        cmocka_unit_test(a_failing_sweep_point_is_named),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* The model: equilibrium of the default place, the crisis pathway, costs,
 * and results that do not depend on threads. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "placesim.h"
#include "support.h"

#define BASELINE "scenarios/crisis_led.json"
#define PATHWAY "tests/fixtures/crisis_pathway_only.json"

/* Loads a scenario file with the given --set overrides (NULL terminated)
 * and runs it; fails the test on any error. */
static ps_results *run_file(const char *file, ps_scenario **sc_out, int threads, va_list ap)
{
    const char *sets[32];
    size_t n = 0;
    for (const char *s; (s = va_arg(ap, const char *)) && n < 32;) sets[n++] = s;
    ps_error err;
    ps_scenario *sc = NULL;
    ps_status st = ps_scenario_load(file, sets, n, &sc, &err);
    if (st) fail_msg("load: %s", err.message);
    ps_run_options o;
    ps_run_options_init(&o);
    o.threads = threads;
    ps_results *res = NULL;
    st = ps_run(sc, &o, &res, &err);
    if (st) fail_msg("run: %s", err.message);
    *sc_out = sc;
    return res;
}

/* The baseline scenario, scenarios/crisis_led.json. */
static ps_results *run_with(ps_scenario **sc_out, int threads, ...)
{
    va_list ap;
    va_start(ap, threads);
    ps_results *res = run_file(BASELINE, sc_out, threads, ap);
    va_end(ap);
    return res;
}

/* Example Town with only the crisis pathway. */
static ps_results *run_pathway(ps_scenario **sc_out, int threads, ...)
{
    va_list ap;
    va_start(ap, threads);
    ps_results *res = run_file(PATHWAY, sc_out, threads, ap);
    va_end(ap);
    return res;
}

static double outcome(const ps_results *res, const char *name)
{
    ps_summary s;
    if (ps_results_find(res, name, &s)) fail_msg("no outcome %s", name);
    return s.mean;
}

static size_t col(const ps_results *res, const char *column)
{
    size_t c = 0;
    while (c < ps_results_column_count(res) && strcmp(ps_results_column_name(res, c), column)) c++;
    if (c == ps_results_column_count(res)) fail_msg("no column %s", column);
    return c;
}

static double column_total(const ps_results *res, const char *column)
{
    size_t c = col(res, column);
    double s = 0;
    for (int r = 0; r < ps_results_replicates(res); r++)
        for (int w = 0; w < ps_results_weeks(res); w++) s += ps_results_value(res, r, w, c);
    return s;
}

static void done(ps_scenario *sc, ps_results *res)
{
    ps_results_free(res);
    ps_scenario_free(sc);
}

/* The default place after burn-in: 15-20% of adults STRUGGLING, CRISIS
 * or RECOVERING and 1-2.5 crisis episodes per 100 adults a year. */
static void default_place_sits_at_its_calibrated_equilibrium(void **state)
{
    (void)state;
    ps_scenario *sc;
    ps_results *res = run_with(&sc, 0, "replicates=2", "weeks=104", NULL);
    double prev = outcome(res, "prevalence.adults_not_well");
    double crisis = outcome(res, "safety_one.crisis_episodes_per_1000_adults_per_year");
    print_message("prevalence %.4f, crisis episodes %.2f per 1,000 adults a year\n", prev, crisis);
    assert_true(prev >= 0.15 && prev <= 0.20);
    assert_true(crisis >= 10 && crisis <= 25);
    /* Equilibrium: the first and last quarter of the run are alike. */
    size_t cs = col(res, "struggling");
    double first = 0, last = 0;
    for (int w = 0; w < 26; w++) {
        first += ps_results_value(res, 0, w, cs);
        last += ps_results_value(res, 0, 78 + w, cs);
    }
    assert_true(fabs(first - last) / first < 0.03);
    done(sc, res);
}

/* Without burn-in the run starts from the synthetic starting states, which
 * are not the model's equilibrium; burn-in removes that transient. */
static void burn_in_removes_the_starting_transient(void **state)
{
    (void)state;
    ps_scenario *sc0, *sc1;
    ps_results *cold = run_with(&sc0, 0, "replicates=1", "weeks=4", "burn_in_weeks=0", NULL);
    ps_results *warm = run_with(&sc1, 0, "replicates=1", "weeks=4", "burn_in_weeks=104", NULL);
    /* Nobody starts in crisis, so the first weeks without burn-in have far
     * fewer people in crisis than the equilibrium. */
    size_t cc = col(cold, "crisis");
    double c0 = ps_results_value(cold, 0, 0, cc), c1 = ps_results_value(warm, 0, 0, cc);
    assert_true(c0 < 0.6 * c1);
    done(sc0, cold);
    done(sc1, warm);
}

/* Determinants are held at the neighbourhood figures they were derived from. */
static void determinants_stay_at_their_targets(void **state)
{
    (void)state;
    ps_scenario *sc;
    ps_results *res = run_with(&sc, 0, "replicates=1", "weeks=52", NULL);
    /* Example Town's household-weighted debt figure and unemployment. */
    double debt = outcome(res, "determinants.households_in_problem_debt");
    double unemp = outcome(res, "safety_two.unemployment_rate");
    double housing = outcome(res, "determinants.renters_housing_insecure");
    double lonely = outcome(res, "safety_two.lonely_share");
    print_message("debt %.4f unemployment %.4f housing %.4f lonely %.4f\n", debt, unemp, housing, lonely);
    /* Example Town leans deprived: debt between the national 9.5% and the
     * decile-1 21%; unemployment between 4.4% and 8%. */
    assert_true(debt > 0.11 && debt < 0.15);
    assert_true(unemp > 0.045 && unemp < 0.065);
    assert_true(fabs(housing - 0.06) < 0.01);
    assert_true(fabs(lonely - 0.065) < 0.01);
    done(sc, res);
}

static void outcomes_are_worse_in_deprived_neighbourhoods(void **state)
{
    (void)state;
    ps_scenario *sc;
    ps_results *res = run_with(&sc, 0, "replicates=2", "weeks=104", NULL);
    assert_true(outcome(res, "equity.crisis_rate_ratio") > 1.5);
    assert_true(outcome(res, "equity.prevalence_ratio") > 1.3);
    done(sc, res);
}

static void a_risk_factor_raises_prevalence(void **state)
{
    (void)state;
    ps_scenario *a, *b;
    ps_results *base = run_with(&a, 0, "replicates=1", "weeks=52", "population.scale=0.5", NULL);
    ps_results *more = run_with(&b, 0, "replicates=1", "weeks=52", "population.scale=0.5",
                                "model.onset.debt=5", NULL);
    assert_true(outcome(more, "prevalence.adults_not_well") > outcome(base, "prevalence.adults_not_well") + 0.01);
    done(a, base);
    done(b, more);
}

/* ---------------------------------------------------------------- crisis pathway */

static void no_crisis_team_sends_every_crisis_to_ae(void **state)
{
    (void)state;
    ps_scenario *sc;
    ps_results *res = run_pathway(&sc, 0, "replicates=2", "weeks=52", "population.scale=0.25",
                               "services.crisis_team.capacity=0", NULL);
    assert_true(outcome(res, "safety_one.crisis_episodes") > 50);
    assert_true(outcome(res, "services.crises_seen_by_crisis_team") == 0);
    assert_true(column_total(res, "ae_attendances") == column_total(res, "crisis_episodes"));
    done(sc, res);
}

static void no_capacity_anywhere_leaves_crises_without_care(void **state)
{
    (void)state;
    ps_scenario *sc;
    ps_results *res = run_pathway(&sc, 0, "replicates=1", "weeks=52", "population.scale=0.25",
                               "services.crisis_team.capacity=0", "services.ae.capacity=0", NULL);
    assert_true(outcome(res, "safety_one.ae_attendances") == 0);
    assert_true(outcome(res, "safety_one.admissions") == 0);
    assert_true(outcome(res, "safety_one.crises_without_care") == outcome(res, "safety_one.crisis_episodes"));
    assert_true(outcome(res, "money.cost_total") == 0);
    done(sc, res);
}

static void no_beds_means_no_admissions_and_all_beds_admit_the_share(void **state)
{
    (void)state;
    ps_scenario *a, *b;
    ps_results *none = run_pathway(&a, 0, "replicates=1", "weeks=52", "population.scale=0.25",
                                "services.beds.capacity=0", NULL);
    assert_true(outcome(none, "safety_one.ae_attendances") > 0);
    assert_true(outcome(none, "safety_one.admissions") == 0);
    assert_true(outcome(none, "safety_one.inpatient_bed_weeks") == 0);
    ps_results *all = run_pathway(&b, 0, "replicates=1", "weeks=52", "population.scale=0.25",
                               "services.beds.capacity=100000", "model.admission_share=1", NULL);
    assert_true(outcome(all, "safety_one.admissions") == outcome(all, "safety_one.ae_attendances"));
    /* each admission stays inpatient_stay_weeks (5), less those still in at the end */
    double adm = outcome(all, "safety_one.admissions"), beds = outcome(all, "safety_one.inpatient_bed_weeks");
    assert_true(beds <= 5 * adm + 5 * 100 && beds >= 5 * adm - 5 * 100);
    done(a, none);
    done(b, all);
}

static void crisis_team_never_exceeds_its_capacity(void **state)
{
    (void)state;
    ps_scenario *sc;
    ps_results *res = run_pathway(&sc, 0, "replicates=1", "weeks=52", "population.scale=0.25",
                               "services.crisis_team.capacity=10", NULL);
    /* capacity 10 x scale 0.25 = 3 concurrent cases (rounded) */
    double util = outcome(res, "services.crisis_team_utilisation");
    assert_true(util > 0.5 && util <= 1.0);
    done(sc, res);
}

/* Costs: per start, per active week and fixed per week, by agency. */
static void costs_add_up_by_agency(void **state)
{
    (void)state;
    ps_scenario *sc;
    ps_results *res = run_pathway(&sc, 0, "replicates=1", "weeks=52", "population.scale=0.25",
                               "services.crisis_team.capacity=0", "services.beds.capacity=0",
                               "services.ae.cost_fixed_per_week=1000", NULL);
    double ae = column_total(res, "ae_attendances");
    /* A&E: 313 per attendance plus 1000 x scale 0.25 a week */
    assert_true(column_total(res, "cost_nhs_acute") == 313 * ae + 250.0 * 52);
    assert_true(column_total(res, "cost_nhs_mental_health") == 0);
    assert_true(column_total(res, "cost_total") == column_total(res, "cost_nhs_acute"));
    done(sc, res);
}

/* ---------------------------------------------------------------- randomness */

static void results_do_not_depend_on_threads(void **state)
{
    (void)state;
    ps_scenario *a, *b;
    ps_results *one = run_with(&a, 1, "replicates=3", "weeks=26", "population.scale=0.25", NULL);
    ps_results *two = run_with(&b, 2, "replicates=3", "weeks=26", "population.scale=0.25", NULL);
    for (int r = 0; r < 3; r++)
        for (int w = 0; w < 26; w++)
            for (size_t c = 0; c < ps_results_column_count(one); c++)
                assert_memory_equal(&(double){ ps_results_value(one, r, w, c) },
                                    &(double){ ps_results_value(two, r, w, c) }, sizeof(double));
    done(a, one);
    done(b, two);
}

/* One replicate and more threads than replicates: the replicate splits
 * its determinants and wellbeing passes over the threads, into three
 * parts, and into one part per neighbourhood (40 threads, 24
 * neighbourhoods), with results bit for bit those of one thread. */
static void one_replicate_split_over_threads_matches_one_thread(void **state)
{
    (void)state;
    ps_scenario *a;
    ps_results *one = run_with(&a, 1, "replicates=1", "weeks=26", "population.scale=0.25", NULL);
    const int many[] = { 3, 40 };
    for (int t = 0; t < 2; t++) {
        ps_scenario *b;
        ps_results *split = run_with(&b, many[t], "replicates=1", "weeks=26", "population.scale=0.25", NULL);
        for (int w = 0; w < 26; w++)
            for (size_t c = 0; c < ps_results_column_count(one); c++)
                assert_memory_equal(&(double){ ps_results_value(one, 0, w, c) },
                                    &(double){ ps_results_value(split, 0, w, c) }, sizeof(double));
        done(b, split);
    }
    done(a, one);
}

static void replicates_differ_and_seeds_differ(void **state)
{
    (void)state;
    ps_scenario *a, *b;
    ps_results *x = run_with(&a, 0, "replicates=2", "weeks=8", "population.scale=0.25", NULL);
    ps_results *y = run_with(&b, 0, "replicates=2", "weeks=8", "population.scale=0.25", "seed=7", NULL);
    int diff_rep = 0, diff_seed = 0;
    size_t c = col(x, "onsets");
    for (int w = 0; w < 8; w++) {
        diff_rep += ps_results_value(x, 0, w, c) != ps_results_value(x, 1, w, c);
        diff_seed += ps_results_value(x, 0, w, c) != ps_results_value(y, 0, w, c);
    }
    assert_true(diff_rep > 0);
    assert_true(diff_seed > 0);
    done(a, x);
    done(b, y);
}

/* Common random numbers: a change that cannot feed back into anyone's life
 * (a price) leaves every count identical. */
static void a_price_change_changes_costs_only(void **state)
{
    (void)state;
    ps_scenario *a, *b;
    ps_results *x = run_with(&a, 0, "replicates=2", "weeks=26", "population.scale=0.25", NULL);
    ps_results *y = run_with(&b, 0, "replicates=2", "weeks=26", "population.scale=0.25",
                             "services.ae.cost_per_start=400", NULL);
    for (size_t c = 0; c < ps_results_column_count(x); c++) {
        const char *name = ps_results_column_name(x, c);
        double tx = 0, ty = 0;
        for (int r = 0; r < 2; r++)
            for (int w = 0; w < 26; w++) {
                tx += ps_results_value(x, r, w, c);
                ty += ps_results_value(y, r, w, c);
            }
        /* only A&E's own agency and the total change */
        if (!strcmp(name, "cost_nhs_acute") || !strcmp(name, "cost_total")) assert_true(ty > tx);
        else assert_true(tx == ty);
    }
    done(a, x);
    done(b, y);
}

static void results_accessors_report_shape(void **state)
{
    (void)state;
    ps_scenario *sc;
    ps_results *res = run_with(&sc, 0, "replicates=2", "weeks=3", "population.scale=0.05", NULL);
    assert_int_equal(ps_results_replicates(res), 2);
    assert_int_equal(ps_results_weeks(res), 3);
    assert_string_equal(ps_results_column_name(res, 0), "population");
    assert_true(isnan(ps_results_value(res, 2, 0, 0)));
    assert_true(isnan(ps_results_value(res, 0, 3, 0)));
    ps_summary s;
    assert_int_equal(ps_results_find(res, "no.such.outcome", &s), PS_ERR_ARG);
    assert_int_equal(ps_results_outcome(res, ps_results_outcome_count(res), &s), PS_ERR_ARG);
    assert_int_equal(ps_results_outcome(res, 0, &s), PS_OK);
    assert_int_equal(s.n, 2);
    assert_true(s.ci_low <= s.mean && s.mean <= s.ci_high);
    done(sc, res);
}

static int cancel_at_once(void *ud, uint64_t done_weeks, uint64_t total)
{
    (void)ud;
    (void)total;
    return done_weeks > 0;
}

static void a_progress_callback_can_cancel(void **state)
{
    (void)state;
    ps_error err;
    ps_scenario *sc = NULL;
    const char *sets[] = { "population.scale=0.05" };
    assert_int_equal(ps_scenario_load("scenarios/crisis_led.json", sets, 1, &sc, &err), PS_OK);
    ps_run_options o;
    ps_run_options_init(&o);
    o.progress = cancel_at_once;
    ps_results *res = NULL;
    assert_int_equal(ps_run(sc, &o, &res, &err), PS_ERR_CANCELLED);
    assert_null(res);
    ps_scenario_free(sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(default_place_sits_at_its_calibrated_equilibrium),
        cmocka_unit_test(burn_in_removes_the_starting_transient),
        cmocka_unit_test(determinants_stay_at_their_targets),
        cmocka_unit_test(outcomes_are_worse_in_deprived_neighbourhoods),
        cmocka_unit_test(a_risk_factor_raises_prevalence),
        cmocka_unit_test(no_crisis_team_sends_every_crisis_to_ae),
        cmocka_unit_test(no_capacity_anywhere_leaves_crises_without_care),
        cmocka_unit_test(no_beds_means_no_admissions_and_all_beds_admit_the_share),
        cmocka_unit_test(crisis_team_never_exceeds_its_capacity),
        cmocka_unit_test(costs_add_up_by_agency),
        cmocka_unit_test(results_do_not_depend_on_threads),
        cmocka_unit_test(one_replicate_split_over_threads_matches_one_thread),
        cmocka_unit_test(replicates_differ_and_seeds_differ),
        cmocka_unit_test(a_price_change_changes_costs_only),
        cmocka_unit_test(results_accessors_report_shape),
        cmocka_unit_test(a_progress_callback_can_cancel),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

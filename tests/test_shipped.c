/*
 * The shipped scenarios keep the promises the issue of service models made
 * for them: the three alternatives plan to spend what the crisis-led model
 * does (within 5%), and each of the four and its shock variant runs and
 * writes a summary.json holding every outcome of MODEL.md section 7 with
 * its 95% interval.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <cJSON.h>

#include "placesim.h"
#include "support.h"

static const char *const models[] = { "crisis_led", "preventative", "integrated_teams", "community_led" };

static void planned_budgets_are_within_five_percent_of_crisis_led(void **state)
{
    (void)state;
    double budget[4];
    for (int i = 0; i < 4; i++) {
        char path[128];
        snprintf(path, sizeof path, "scenarios/%s.json", models[i]);
        ps_error err;
        ps_scenario *sc = NULL;
        if (ps_scenario_load(path, NULL, 0, &sc, &err)) fail_msg("%s", err.message);
        budget[i] = ps_scenario_planned_budget(sc);
        ps_scenario_free(sc);
        print_message("%s: planned weekly budget GBP %.0f (%.1f%% of crisis-led)\n", models[i], budget[i],
                      100 * budget[i] / budget[0]);
        assert_true(budget[i] > 0);
        assert_true(fabs(budget[i] / budget[0] - 1) <= 0.05);
    }
}

/* The outcomes MODEL.md section 7 names that every run has, by group.
 * Per service (referrals, mean wait, drop-out share, utilisation), cost by
 * agency and resilience depend on the scenario and are checked apart. */
static const char *const section7[] = {
    "safety_one.crisis_episodes_per_1000_adults_per_year", "safety_one.person_weeks_in_crisis",
    "safety_one.ae_attendances", "safety_one.admissions", "safety_one.inpatient_bed_weeks",
    "safety_two.weeks_well_per_adult_per_year", "safety_two.qalys", "safety_two.employment_rate",
    "safety_two.lonely_share", "safety_two.social_capital",
    "money.cost_total",
    "equity.crisis_rate_most_deprived_quintile", "equity.crisis_rate_least_deprived_quintile",
    "equity.crisis_rate_ratio", "equity.crisis_rate_gap", "equity.prevalence_most_deprived_quintile",
    "equity.prevalence_least_deprived_quintile", "equity.prevalence_ratio", "equity.prevalence_gap",
};
static const char *const per_service[] = { "referrals", "mean_wait_weeks", "dropout_share", "utilisation" };
static const char *const resilience[] = {
    "resilience.prevalence_baseline", "resilience.prevalence_depth", "resilience.prevalence_recovery_weeks",
    "resilience.prevalence_area", "resilience.crisis_rate_baseline", "resilience.crisis_rate_depth",
    "resilience.crisis_rate_recovery_weeks", "resilience.crisis_rate_area",
};

/* The outcome called name in summary.json's outcomes ("group.name", or
 * "services.<service>.<figure>", one level deeper), or NULL. */
static const cJSON *node_of(const cJSON *outcomes, const char *name)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", name);
    const cJSON *node = outcomes;
    for (char *part = strtok(buf, "."); part && node; part = strtok(NULL, "."))
        node = cJSON_GetObjectItemCaseSensitive(node, part);
    return node;
}

static double mean_of(const cJSON *outcomes, const char *name)
{
    const cJSON *mean = cJSON_GetObjectItemCaseSensitive(node_of(outcomes, name), "mean");
    if (!cJSON_IsNumber(mean)) fail_msg("no mean of %s", name);
    return mean->valuedouble;
}

/* Asserts that summary.json's outcomes hold name with a mean, an sd and a
 * 95% interval, all numbers; recovery weeks may be null (a replicate that
 * did not recover before the run ended), as docs/model.md says. */
static void assert_outcome(const char *scenario, const cJSON *outcomes, const char *name)
{
    const cJSON *node = node_of(outcomes, name);
    if (!node) fail_msg("%s: summary.json has no outcome %s", scenario, name);
    const cJSON *mean = cJSON_GetObjectItemCaseSensitive(node, "mean");
    const cJSON *sd = cJSON_GetObjectItemCaseSensitive(node, "sd");
    const cJSON *ci = cJSON_GetObjectItemCaseSensitive(node, "ci95");
    if (!mean || !sd || cJSON_GetArraySize(ci) != 2) fail_msg("%s: %s lacks a mean, sd or ci95", scenario, name);
    int may_be_null = strstr(name, "_recovery_weeks") != NULL;
    if (may_be_null && cJSON_IsNull(mean)) return;
    if (!cJSON_IsNumber(mean) || !cJSON_IsNumber(sd) || !cJSON_IsNumber(cJSON_GetArrayItem(ci, 0)) ||
        !cJSON_IsNumber(cJSON_GetArrayItem(ci, 1)))
        fail_msg("%s: %s is not a number with a 95%% interval", scenario, name);
}

static cJSON *read_json(const char *dir, const char *file)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    char *text = ts_read(path);
    assert_non_null(text);
    cJSON *j = cJSON_Parse(text);
    free(text);
    assert_non_null(j);
    return j;
}

/* Runs scenario small (a twentieth of the town, all 520 weeks, so the
 * shock at week 156 has time to pass) and checks its summary. */
static void check_shipped(const char *scenario, int shock)
{
    char out[1100];
    snprintf(out, sizeof out, "%s", ts_path(scenario));
    ts_cmd c = ts_run("run scenarios/%s.json --set population.scale=0.05 --set burn_in_weeks=26 --replicates 2 "
                      "--out %s --force --quiet",
                      scenario, out);
    if (c.status) fail_msg("%s: %s", scenario, c.err);
    ts_cmd_free(&c);
    cJSON *sum = read_json(out, "summary.json"), *sc = read_json(out, "scenario.resolved.json");
    const cJSON *outcomes = cJSON_GetObjectItemCaseSensitive(sum, "outcomes");
    size_t n = 0;
    for (size_t i = 0; i < sizeof section7 / sizeof section7[0]; i++, n++) assert_outcome(scenario, outcomes, section7[i]);
    const cJSON *services = cJSON_GetObjectItemCaseSensitive(sc, "services");
    const cJSON *svc;
    cJSON_ArrayForEach(svc, services)
    {
        const char *name = cJSON_GetObjectItemCaseSensitive(svc, "name")->valuestring;
        const char *role = cJSON_GetObjectItemCaseSensitive(svc, "role")->valuestring;
        const char *agency = cJSON_GetObjectItemCaseSensitive(svc, "agency")->valuestring;
        char o[200];
        snprintf(o, sizeof o, "money.cost_%s", agency);
        assert_outcome(scenario, outcomes, o);
        n++;
        for (size_t k = 0; k < sizeof per_service / sizeof per_service[0]; k++, n++) {
            snprintf(o, sizeof o, "services.%s.%s", name, per_service[k]);
            assert_outcome(scenario, outcomes, o);
        }
        if (!strcmp(role, "support")) continue;
        /* the crisis pathway keeps no waiting list: nobody waits or drops out */
        snprintf(o, sizeof o, "services.%s.mean_wait_weeks", name);
        assert_true(mean_of(outcomes, o) == 0);
        snprintf(o, sizeof o, "services.%s.dropout_share", name);
        assert_true(mean_of(outcomes, o) == 0);
    }
    /* and its figures agree with those of Safety One */
    assert_true(mean_of(outcomes, "services.ae.referrals") == mean_of(outcomes, "safety_one.ae_attendances"));
    assert_true(mean_of(outcomes, "services.beds.started") == mean_of(outcomes, "safety_one.admissions"));
    assert_true(mean_of(outcomes, "services.crisis_team.utilisation") ==
                mean_of(outcomes, "services.crisis_team_utilisation"));
    /* community assets are paid by an agency of their own choosing */
    const cJSON *model = cJSON_GetObjectItemCaseSensitive(sc, "model");
    const cJSON *assets = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(model, "social_capital"),
                                                           "agency");
    char o[200];
    snprintf(o, sizeof o, "money.cost_%s", assets->valuestring);
    assert_outcome(scenario, outcomes, o);
    const cJSON *res = cJSON_GetObjectItemCaseSensitive(outcomes, "resilience");
    if (shock) {
        for (size_t i = 0; i < sizeof resilience / sizeof resilience[0]; i++, n++)
            assert_outcome(scenario, outcomes, resilience[i]);
    } else {
        assert_null(res);
    }
    print_message("%s: %zu outcomes of MODEL.md section 7 present, with intervals\n", scenario, n);
    cJSON_Delete(sum);
    cJSON_Delete(sc);
}

static void every_shipped_scenario_reports_every_outcome(void **state)
{
    (void)state;
    for (int i = 0; i < 4; i++) {
        char name[64];
        check_shipped(models[i], 0);
        snprintf(name, sizeof name, "%s_shock", models[i]);
        check_shipped(name, 1);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(planned_budgets_are_within_five_percent_of_crisis_led),
        cmocka_unit_test(every_shipped_scenario_reports_every_outcome),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

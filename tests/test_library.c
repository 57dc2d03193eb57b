/* The intervention library: each script moves its outcome the way it
 * should, against the same scenario without it, on a small place. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "placesim.h"
#include "support.h"

/* A fifth of Example Town under the crisis-led model, long enough for
 * effects to build up; the script (if any) runs from week 0 with its
 * params. Returns the results; the scenario goes to *sc. */
static ps_results *run_with_script(const char *name, const char *script, const char *params, ps_scenario **sc)
{
    static char cwd[1024], iv[4096], text[8192];
    char file[128];
    if (!getcwd(cwd, sizeof cwd)) fail_msg("getcwd");
    iv[0] = '\0';
    if (script)
        snprintf(iv, sizeof iv, "{ \"script\": \"%s/scripts/%s\", \"params\": %s }", cwd, script,
                 params ? params : "{}");
    snprintf(text, sizeof text,
             "{ \"extends\": \"%s/scenarios/crisis_led.json\", \"replicates\": 2, \"weeks\": 156, \"burn_in_weeks\": 52,\n"
             "  \"population\": { \"scale\": 0.2 },\n"
             "  \"interventions\": [ %s ] }\n",
             cwd, iv);
    snprintf(file, sizeof file, "lib_%s.json", name);
    const char *path = ts_write(file, text);
    ps_error err;
    if (ps_scenario_load(path, NULL, 0, sc, &err)) fail_msg("load %s: %s", name, err.message);
    ps_results *res = NULL;
    if (ps_run(*sc, NULL, &res, &err)) fail_msg("run %s: %s", name, err.message);
    return res;
}

static ps_scenario *base_sc;
static ps_results *base_res;

static int setup_base(void **state)
{
    (void)state;
    base_res = run_with_script("none", NULL, NULL, &base_sc);
    return 0;
}

static int teardown_base(void **state)
{
    (void)state;
    ps_results_free(base_res);
    ps_scenario_free(base_sc);
    return 0;
}

static double value_of(const ps_results *res, const char *name)
{
    ps_summary s;
    if (ps_results_find(res, name, &s)) fail_msg("no outcome %s", name);
    return s.mean;
}

/* The script moves outcome down (sign -1) or up (+1) by at least min_change. */
static void expect(const char *script, const char *params, const char *outcome, int sign, double min_change)
{
    ps_scenario *sc;
    ps_results *res = run_with_script(script, script, params, &sc);
    double before = value_of(base_res, outcome), after = value_of(res, outcome);
    print_message("%s: %s %.5g -> %.5g\n", script, outcome, before, after);
    if (sign < 0) assert_true(after < before - min_change);
    else assert_true(after > before + min_change);
    ps_results_free(res);
    ps_scenario_free(sc);
}

/* Doses big enough for the effect to stand clear of chance on a small place:
 * each threshold below is at least 2.5 times the standard deviation of the
 * outcome over seeds (measured: debt share 0.0017, loneliness 0.0004,
 * crisis rate 0.26, prevalence 0.0016, crisis team share 0.007, renters
 * insecure 0.0007, unemployment 0.0012, weeks well 0.08); pairing by
 * common random numbers makes the differences less noisy still. */
#define STRONG_SP "{ \"places\": 6000, \"referrals_per_week\": 1500, \"lonely_resolved\": 0.8 }"

static void debt_advice_lowers_the_share_in_debt(void **state)
{
    (void)state;
    expect("debt_advice.lua", "{ \"capacity\": 400, \"uptake\": 0.05 }", "determinants.households_in_problem_debt", -1, 0.01);
}

static void social_prescribing_lowers_loneliness_and_crises(void **state)
{
    (void)state;
    expect("social_prescribing.lua", STRONG_SP, "safety_two.lonely_share", -1, 0.003);
    expect("social_prescribing.lua", STRONG_SP, "safety_one.crisis_episodes_per_1000_adults_per_year", -1, 0.3);
}

static void integrated_outreach_lowers_prevalence(void **state)
{
    (void)state;
    expect("integrated_outreach.lua", "{ \"capacity\": 1500, \"find_rate\": 0.05 }", "prevalence.adults_not_well", -1, 0.004);
}

static void crisis_team_expansion_sees_more_crises_at_home(void **state)
{
    (void)state;
    expect("crisis_team_expansion.lua", NULL, "services.crises_seen_by_crisis_team", +1, 0.05);
    expect("crisis_team_expansion.lua", NULL, "safety_one.ae_attendances", -1, 50);
}

static void eviction_prevention_keeps_renters_housed(void **state)
{
    (void)state;
    expect("eviction_prevention.lua", NULL, "determinants.renters_housing_insecure", -1, 0.003);
}

static void employment_support_lowers_unemployment(void **state)
{
    (void)state;
    expect("employment_support.lua", "{ \"capacity\": 1500, \"uptake\": 0.05, \"success\": 0.8 }", "safety_two.unemployment_rate", -1, 0.003);
}

static void peer_support_raises_weeks_well(void **state)
{
    (void)state;
    expect("peer_support.lua", "{ \"new_members_per_week\": 600 }", "safety_two.weeks_well_per_adult_per_year", +1, 0.25);
}

static void benefit_uplift_lowers_debt_and_costs_money(void **state)
{
    (void)state;
    expect("benefit_uplift.lua", NULL, "determinants.households_in_problem_debt", -1, 0.004);
    expect("benefit_uplift.lua", NULL, "money.cost_dwp", +1, 1000);
}

/* Params from the scenario reach the script: a debt advice service with no
 * places does nothing. */
static void params_reach_the_script(void **state)
{
    (void)state;
    ps_scenario *sc;
    ps_results *res = run_with_script("debt0", "debt_advice.lua", "{ \"capacity\": 0 }", &sc);
    assert_true(value_of(res, "services.community_debt_advice.started") == 0);
    assert_true(value_of(res, "services.community_debt_advice.referrals") > 0);
    ps_results_free(res);
    ps_scenario_free(sc);
}

/* A script that listens to everything and asks a lot, but changes nothing,
 * leaves every CSV byte-identical: scripts draw no luck of anyone's. */
static void a_script_that_does_nothing_changes_nothing(void **state)
{
    (void)state;
    ts_write("noop.lua", "return {\n"
                         "  params = { n = 3 },\n"
                         "  setup = function(sim, p) sim:log('started') end,\n"
                         "  week = function(sim, p)\n"
                         "    local s = sim:persons{ state = 'struggling', debt = true }\n"
                         "    local few = s:sample(p.n)\n"
                         "    local h = sim:households{ low_income = true }:count()\n"
                         "    local t = sim:service('crisis_team').waiting + sim:rand()\n"
                         "    for _, nb in ipairs(sim:neighbourhoods()) do local x = nb.social_capital end\n"
                         "  end,\n"
                         "  on = { crisis = function(sim, p, person) local a = person.age end,\n"
                         "         onset = function() end, recovery = function() end, job_loss = function() end,\n"
                         "         debt = function(sim, p, household) local x = household.size end,\n"
                         "         housing = function() end, service_start = function() end,\n"
                         "         service_end = function(sim, p, person, service) local n = service.name end },\n"
                         "  finish = function(sim, p) end,\n"
                         "}\n");
    char cwd[1024];
    assert_non_null(getcwd(cwd, sizeof cwd));
    char text[2048];
    snprintf(text, sizeof text,
             "{ \"extends\": \"%s/scenarios/crisis_led.json\", \"replicates\": 2, \"weeks\": 52,\n"
             "  \"population\": { \"scale\": 0.1 } }\n", cwd);
    const char *plain = ts_write("noop_plain.json", text);
    snprintf(text, sizeof text,
             "{ \"extends\": \"noop_plain.json\", \"interventions\": [ { \"script\": \"noop.lua\" } ] }\n");
    const char *with = ts_write("noop_with.json", text);
    char out_a[1100], out_b[1100];
    snprintf(out_a, sizeof out_a, "%s", ts_path("noop_a"));
    snprintf(out_b, sizeof out_b, "%s", ts_path("noop_b"));
    ts_cmd c = ts_run("run %s --out %s --quiet", plain, out_a);
    assert_int_equal(c.status, 0);
    ts_cmd_free(&c);
    c = ts_run("run %s --out %s --quiet", with, out_b);
    assert_int_equal(c.status, 0);
    ts_cmd_free(&c);
    const char *files[] = { "timeseries.csv", "services.csv", "neighbourhoods.csv" };
    for (int i = 0; i < 3; i++) {
        char pa[1200], pb[1200];
        snprintf(pa, sizeof pa, "%s/%s", out_a, files[i]);
        snprintf(pb, sizeof pb, "%s/%s", out_b, files[i]);
        char *a = ts_read(pa), *b = ts_read(pb);
        assert_non_null(a);
        assert_non_null(b);
        if (strcmp(a, b)) fail_msg("%s differs with a script that does nothing", files[i]);
        free(a);
        free(b);
    }
    /* and the script did run: its log is there */
    char pl[1200];
    snprintf(pl, sizeof pl, "%s/log.txt", out_b);
    char *log = ts_read(pl);
    assert_non_null(log);
    assert_non_null(strstr(log, "noop.lua: started"));
    free(log);
}

/* peer_support's lonely_resolved is a share of its lonely new members: with
 * lonely_resolved = 1 the lonely people it helps in a week are its members
 * who are lonely, a few of its 20, not 20 lonely people from anywhere. Two
 * scripts around it count the lonely struggling adults before and after
 * its week hook. */
static void peer_support_resolves_loneliness_among_its_members(void **state)
{
    (void)state;
    ts_write("lonely_count.lua", "return { params = { column = 'x' },\n"
                                 "  week = function(sim, p)\n"
                                 "    sim:record(p.column, sim:persons{ state = 'struggling', lonely = true }:count())\n"
                                 "  end }\n");
    char cwd[1024], text[2048];
    assert_non_null(getcwd(cwd, sizeof cwd));
    snprintf(text, sizeof text,
             "{ \"name\": \"peer lonely\", \"weeks\": 8, \"burn_in_weeks\": 0, \"replicates\": 1,\n"
             "  \"place\": { \"neighbourhoods\": [ { \"name\": \"A\", \"households\": 3000, \"deprivation_decile\": 2 } ] },\n"
             "  \"interventions\": [\n"
             "    { \"name\": \"before\", \"script\": \"lonely_count.lua\", \"params\": { \"column\": \"before\" } },\n"
             "    { \"script\": \"%s/scripts/peer_support.lua\",\n"
             "      \"params\": { \"new_members_per_week\": 20, \"lonely_resolved\": 1 } },\n"
             "    { \"name\": \"after\", \"script\": \"lonely_count.lua\", \"params\": { \"column\": \"after\" } } ] }\n",
             cwd);
    const char *path = ts_write("peer_lonely.json", text);
    char *csv = ts_run_read(path, ts_path("peer_lonely_out"), "timeseries.csv");
    assert_non_null(csv);
    /* the last two columns are before, after (in order of first record) */
    double helped = 0;
    int weeks = 0;
    for (char *line = strchr(csv, '\n') + 1; *line; line = strchr(line, '\n') + 1, weeks++) {
        char *end = strchr(line, '\n');
        *end = '\0';
        char *after = strrchr(line, ',');
        *after = '\0';
        char *before = strrchr(line, ',');
        helped += strtod(before + 1, NULL) - strtod(after + 1, NULL);
        *after = ',';
        *end = '\n';
    }
    free(csv);
    print_message("peer support: %g lonely members helped in %d weeks of 20 new members\n", helped, weeks);
    assert_int_equal(weeks, 8);
    assert_true(helped > 0);
    assert_true(helped < 0.5 * 20 * weeks);
}

static void every_library_script_has_a_header(void **state)
{
    (void)state;
    const char *scripts[] = { "debt_advice", "social_prescribing", "integrated_outreach", "crisis_team_expansion",
                              "eviction_prevention", "employment_support", "peer_support", "benefit_uplift" };
    for (size_t i = 0; i < sizeof scripts / sizeof scripts[0]; i++) {
        char path[256];
        snprintf(path, sizeof path, "scripts/%s.lua", scripts[i]);
        char *text = ts_read(path);
        assert_non_null(text);
        /* what it models, the evidence, and its params */
        if (!strstr(text, "What it models:") || !strstr(text, "Evidence") || !strstr(text, "Params:"))
            fail_msg("%s lacks its header comment", path);
        free(text);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(debt_advice_lowers_the_share_in_debt),
        cmocka_unit_test(social_prescribing_lowers_loneliness_and_crises),
        cmocka_unit_test(integrated_outreach_lowers_prevalence),
        cmocka_unit_test(crisis_team_expansion_sees_more_crises_at_home),
        cmocka_unit_test(eviction_prevention_keeps_renters_housed),
        cmocka_unit_test(employment_support_lowers_unemployment),
        cmocka_unit_test(peer_support_raises_weeks_well),
        cmocka_unit_test(benefit_uplift_lowers_debt_and_costs_money),
        cmocka_unit_test(params_reach_the_script),
        cmocka_unit_test(a_script_that_does_nothing_changes_nothing),
        cmocka_unit_test(peer_support_resolves_loneliness_among_its_members),
        cmocka_unit_test(every_library_script_has_a_header),
    };
    return cmocka_run_group_tests(tests, setup_base, teardown_base);
}

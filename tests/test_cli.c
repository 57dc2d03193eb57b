/* The command line end to end: what a user types and what lands on disk. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cJSON.h>
#include <cmocka.h>

#include "support.h"

/* A small, quick run of the real baseline scenario. */
#define QUICK "scenarios/crisis_led.json --set population.scale=0.05 --weeks 26 --replicates 2"

static void run_writes_the_output_folder(void **state)
{
    (void)state;
    const char *out = ts_path("run1");
    ts_cmd c = ts_run("run " QUICK " --out %s", out);
    assert_int_equal(c.status, 0);
    char p[1200];
    const char *files[] = { "timeseries.csv", "neighbourhoods.csv", "summary.json", "scenario.resolved.json" };
    for (int i = 0; i < 4; i++) {
        snprintf(p, sizeof p, "%s/%s", out, files[i]);
        assert_true(ts_exists(p));
    }
    /* the outcome table on stdout */
    assert_non_null(strstr(c.out, "Example Town: crisis-led services"));
    assert_non_null(strstr(c.out, "Crisis episodes per 1,000 adults a year"));
    assert_non_null(strstr(c.out, "95% interval"));
    ts_cmd_free(&c);

    snprintf(p, sizeof p, "%s/timeseries.csv", out);
    char *ts = ts_read(p);
    const char *header = "replicate,week,population,well,struggling,crisis,recovering,onsets,crisis_episodes,"
                         "ae_attendances,admissions,unemployed,in_debt,housing_insecure,lonely,social_capital,"
                         "cost_total,cost_nhs_mental_health,cost_nhs_acute,cost_nhs_primary_care,cost_council,"
                         "cost_dwp\n";
    assert_memory_equal(ts, header, strlen(header));
    assert_int_equal(ts_count_lines(ts), 1 + 2 * 26);
    free(ts);

    snprintf(p, sizeof p, "%s/neighbourhoods.csv", out);
    char *nb = ts_read(p);
    assert_int_equal(ts_count_lines(nb), 1 + 26 * 24);
    assert_memory_equal(nb, "week,neighbourhood,deprivation_decile,adults,", 44);
    free(nb);

    snprintf(p, sizeof p, "%s/summary.json", out);
    char *sj = ts_read(p);
    cJSON *sum = cJSON_Parse(sj);
    assert_non_null(sum);
    const char *groups[] = { "prevalence", "safety_one", "safety_two", "services", "money", "equity" };
    cJSON *outs = cJSON_GetObjectItem(sum, "outcomes");
    for (int i = 0; i < 6; i++) assert_non_null(cJSON_GetObjectItem(outs, groups[i]));
    cJSON *rate = cJSON_GetObjectItem(cJSON_GetObjectItem(outs, "safety_one"), "crisis_episodes_per_1000_adults_per_year");
    assert_true(cJSON_IsNumber(cJSON_GetObjectItem(rate, "mean")));
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(rate, "ci95")), 2);
    cJSON *prov = cJSON_GetObjectItem(sum, "provenance");
    assert_string_equal(cJSON_GetObjectItem(prov, "version")->valuestring, "0.1.0");
    assert_int_equal(cJSON_GetObjectItem(prov, "replicates")->valueint, 2);
    assert_int_equal(cJSON_GetObjectItem(prov, "seed")->valueint, 20261122);
    assert_int_equal((int)strlen(cJSON_GetObjectItem(prov, "scenario_hash")->valuestring), 16);
    assert_non_null(cJSON_GetObjectItem(cJSON_GetObjectItem(prov, "run"), "wall_seconds"));
    cJSON_Delete(sum);
    free(sj);
}

/* Rerunning scenario.resolved.json reproduces the run exactly. */
static void resolved_scenario_reproduces_the_run(void **state)
{
    (void)state;
    const char *a = ts_path("repro_a"), *b = ts_path("repro_b");
    ts_cmd c = ts_run("run " QUICK " --seed 99 --out %s --quiet", a);
    assert_int_equal(c.status, 0);
    ts_cmd_free(&c);
    c = ts_run("run %s/scenario.resolved.json --out %s --quiet", a, b);
    assert_int_equal(c.status, 0);
    ts_cmd_free(&c);
    char pa[1200], pb[1200];
    const char *files[] = { "timeseries.csv", "neighbourhoods.csv", "scenario.resolved.json" };
    for (int i = 0; i < 3; i++) {
        snprintf(pa, sizeof pa, "%s/%s", a, files[i]);
        snprintf(pb, sizeof pb, "%s/%s", b, files[i]);
        char *x = ts_read(pa), *y = ts_read(pb);
        assert_non_null(x);
        assert_non_null(y);
        assert_string_equal(x, y);
        free(x);
        free(y);
    }
}

static void threads_give_byte_identical_files(void **state)
{
    (void)state;
    const char *a = ts_path("thr1"), *b = ts_path("thr2");
    ts_cmd c = ts_run("run " QUICK " --replicates 4 --threads 1 --out %s --quiet", a);
    assert_int_equal(c.status, 0);
    ts_cmd_free(&c);
    c = ts_run("run " QUICK " --replicates 4 --threads 2 --out %s --quiet", b);
    assert_int_equal(c.status, 0);
    ts_cmd_free(&c);
    char pa[1200], pb[1200];
    const char *files[] = { "timeseries.csv", "neighbourhoods.csv" };
    for (int i = 0; i < 2; i++) {
        snprintf(pa, sizeof pa, "%s/%s", a, files[i]);
        snprintf(pb, sizeof pb, "%s/%s", b, files[i]);
        char *x = ts_read(pa), *y = ts_read(pb);
        assert_string_equal(x, y);
        free(x);
        free(y);
    }
}

static void existing_output_is_kept_unless_forced(void **state)
{
    (void)state;
    const char *out = ts_path("exists");
    ts_cmd c = ts_run("run " QUICK " --out %s --quiet", out);
    assert_int_equal(c.status, 0);
    ts_cmd_free(&c);
    c = ts_run("run " QUICK " --weeks 3 --out %s --quiet", out);
    assert_int_equal(c.status, 1);
    assert_non_null(strstr(c.err, "exists"));
    assert_non_null(strstr(c.err, "--force"));
    ts_cmd_free(&c);
    /* a folder placesim wrote is replaced */
    c = ts_run("run " QUICK " --weeks 3 --out %s --quiet --force", out);
    assert_int_equal(c.status, 0);
    ts_cmd_free(&c);
    char p[1200];
    snprintf(p, sizeof p, "%s/timeseries.csv", out);
    char *ts = ts_read(p);
    assert_int_equal(ts_count_lines(ts), 1 + 2 * 3);
    free(ts);
    /* no temporary or old folders left beside it */
    c = ts_sh("ls %s | grep -c -E 'exists\\.(tmp|old)-' ; true", ts_tmpdir());
    assert_string_equal(c.out, "0\n");
    ts_cmd_free(&c);
}

/* The names of every file under dir with its size, as one string: what a
 * refused --force must leave exactly as it was. */
static char *listing(const char *dir)
{
    ts_cmd c = ts_sh("cd %s && find . | sort | while read -r f; do echo \"$f $(wc -c < \"$f\" 2>/dev/null)\"; done",
                     dir);
    assert_int_equal(c.status, 0);
    char *out = c.out;
    c.out = NULL;
    ts_cmd_free(&c);
    return out;
}

/* --force replaces only a folder placesim wrote: a folder holding a file
 * of the user's, or the scenario being run, is kept whole, the run is
 * refused with one line naming the folder and that file, and nothing is
 * written beside it. (The audit's case: a project folder given as --out.) */
static void force_keeps_a_folder_placesim_did_not_write(void **state)
{
    (void)state;
    const char *proj = ts_path("proj");
    ts_cmd c = ts_sh("mkdir -p %s/sub && cp scenarios/*.json %s/ && echo x > %s/notes.txt", proj, proj, proj);
    assert_int_equal(c.status, 0);
    ts_cmd_free(&c);
    char *before = listing(proj);
    /* the scenario being run is in the folder */
    c = ts_run("run %s/crisis_led.json --set population.scale=0.05 --weeks 4 --replicates 1 --out %s --force",
               proj, proj);
    assert_int_equal(c.status, 1);
    assert_non_null(strstr(c.err, "proj: not replaced: it holds "));
    assert_non_null(strstr(c.err, "proj/crisis_led.json, the scenario being run"));
    assert_int_equal(ts_count_lines(c.err), 1);
    ts_cmd_free(&c);
    /* it is not: the first entry placesim did not write is named */
    c = ts_run("run " QUICK " --out %s --force", proj);
    assert_int_equal(c.status, 1);
    assert_non_null(strstr(c.err, "proj: not replaced: it holds base.json, which placesim did not write"));
    assert_int_equal(ts_count_lines(c.err), 1);
    assert_string_equal(c.out, "");
    ts_cmd_free(&c);
    char *after = listing(proj);
    assert_string_equal(before, after);
    free(before);
    free(after);
    c = ts_sh("ls %s | grep -c -E 'proj\\.(tmp|old)-' ; true", ts_tmpdir());
    assert_string_equal(c.out, "0\n");
    ts_cmd_free(&c);

    /* a run folder with a file of the user's added, an empty folder, or a
     * file in a scenario's folder of a comparison: each is kept */
    const char *out = ts_path("force_mixed");
    c = ts_run("run " QUICK " --weeks 2 --out %s --quiet", out);
    assert_int_equal(c.status, 0);
    ts_cmd_free(&c);
    const char *add[] = { "touch %s/my_notes.md", "mkdir %s/later", "mkdir %s/crisis_led && touch %s/crisis_led/x.csv",
                          "ln -s /tmp %s/tmp" };
    const char *named[] = { "it holds my_notes.md, which", "it holds later/ (an empty folder), which",
                            "it holds crisis_led/x.csv, which", "it holds tmp, which" };
    for (int i = 0; i < 4; i++) {
        c = ts_sh(add[i], out, out);
        assert_int_equal(c.status, 0);
        ts_cmd_free(&c);
        c = ts_run("run " QUICK " --weeks 2 --out %s --quiet --force", out);
        assert_int_equal(c.status, 1);
        if (!strstr(c.err, named[i])) fail_msg("expected \"%s\" in: %s", named[i], c.err);
        ts_cmd_free(&c);
        c = ts_sh("rm -rf %s/my_notes.md %s/later %s/crisis_led %s/tmp", out, out, out, out);
        ts_cmd_free(&c);
    }
    /* a file, or a link, given as --out is not replaced either */
    const char *file = ts_write("force_file.txt", "mine\n");
    c = ts_run("run " QUICK " --out %s --quiet --force", file);
    assert_int_equal(c.status, 1);
    assert_non_null(strstr(c.err, "force_file.txt: not replaced: it is a file"));
    ts_cmd_free(&c);
    char *text = ts_read(file);
    assert_string_equal(text, "mine\n");
    free(text);
    c = ts_sh("ln -s %s %s", out, ts_path("force_link"));
    ts_cmd_free(&c);
    c = ts_run("run " QUICK " --out %s --quiet --force", ts_path("force_link"));
    assert_int_equal(c.status, 1);
    assert_non_null(strstr(c.err, "force_link: not replaced: it is a link"));
    ts_cmd_free(&c);
    /* nor the folder holding a run's scenario.resolved.json being run again */
    c = ts_run("run %s/scenario.resolved.json --out %s --quiet --force", out, out);
    assert_int_equal(c.status, 1);
    assert_non_null(strstr(c.err, "scenario.resolved.json, the scenario being run"));
    ts_cmd_free(&c);
    char p[1200];
    snprintf(p, sizeof p, "%s/scenario.resolved.json", out);
    assert_true(ts_exists(p));
}

/* What compare and sweep write, they may replace with --force, and a run
 * may replace either: every file they write is one placesim knows. */
static void force_replaces_what_placesim_wrote(void **state)
{
    (void)state;
    const char *cmp = ts_path("force_cmp"), *swp = ts_path("force_swp");
    /* each twice, the second over the first; the last run (whose scripts
     * write log.txt) over the comparison */
    const struct { const char *what, *out; } steps[] = {
        { "compare scenarios/crisis_led.json scenarios/preventative.json --replicates 2", cmp },
        { "sweep scenarios/crisis_led.json --vary services.crisis_team.capacity=40,60 --replicates 2 "
          "--neighbourhoods-per-replicate", swp },
        { "run scenarios/crisis_led_with_library.json --replicates 1", cmp },
    };
    for (int i = 0; i < 6; i++) {
        ts_cmd c = ts_run("%s --set population.scale=0.05 --weeks 4 --set burn_in_weeks=2 --quiet --force --out %s",
                          steps[i / 2].what, steps[i / 2].out);
        if (c.status) fail_msg("%s (%d): %s", steps[i / 2].what, i % 2 + 1, c.err);
        ts_cmd_free(&c);
    }
    char p[1200];
    snprintf(p, sizeof p, "%s/comparison.csv", cmp);
    assert_false(ts_exists(p));
    snprintf(p, sizeof p, "%s/summary.json", cmp);
    assert_true(ts_exists(p));
}

static void quiet_prints_nothing(void **state)
{
    (void)state;
    ts_cmd c = ts_run("run " QUICK " --out %s --quiet", ts_path("quiet"));
    assert_int_equal(c.status, 0);
    assert_string_equal(c.out, "");
    assert_string_equal(c.err, "");
    ts_cmd_free(&c);
}

static void neighbourhoods_per_replicate_adds_a_column(void **state)
{
    (void)state;
    const char *out = ts_path("nbrep");
    ts_cmd c = ts_run("run " QUICK " --out %s --quiet --neighbourhoods-per-replicate", out);
    assert_int_equal(c.status, 0);
    ts_cmd_free(&c);
    char p[1200];
    snprintf(p, sizeof p, "%s/neighbourhoods.csv", out);
    char *nb = ts_read(p);
    assert_memory_equal(nb, "replicate,week,neighbourhood,", 29);
    assert_int_equal(ts_count_lines(nb), 1 + 2 * 26 * 24);
    free(nb);
}

static void options_override_the_scenario(void **state)
{
    (void)state;
    const char *out = ts_path("opts");
    ts_cmd c = ts_run("run scenarios/crisis_led.json --set population.scale=0.05 --weeks=5 --replicates=3 "
                      "--seed=12 --set services.crisis_team.capacity=7 --out %s --quiet", out);
    assert_int_equal(c.status, 0);
    ts_cmd_free(&c);
    char p[1200];
    snprintf(p, sizeof p, "%s/scenario.resolved.json", out);
    char *text = ts_read(p);
    cJSON *r = cJSON_Parse(text);
    assert_int_equal(cJSON_GetObjectItem(r, "weeks")->valueint, 5);
    assert_int_equal(cJSON_GetObjectItem(r, "replicates")->valueint, 3);
    assert_int_equal(cJSON_GetObjectItem(r, "seed")->valueint, 12);
    cJSON *svc = cJSON_GetArrayItem(cJSON_GetObjectItem(r, "services"), 0);
    assert_int_equal(cJSON_GetObjectItem(svc, "capacity")->valueint, 7);
    cJSON_Delete(r);
    free(text);
    snprintf(p, sizeof p, "%s/timeseries.csv", out);
    char *ts = ts_read(p);
    assert_int_equal(ts_count_lines(ts), 1 + 3 * 5);
    free(ts);
}

/* Several scenarios in one run: when a later one fails, no folder is left
 * behind for the earlier ones either. */
static void a_failing_scenario_among_several_leaves_no_folder(void **state)
{
    (void)state;
    char cwd[1024], json[2048];
    assert_non_null(getcwd(cwd, sizeof cwd));
    ts_write("multi_boom.lua", "return { week = function(sim) error(\"boom\") end }\n");
    snprintf(json, sizeof json,
             "{ \"extends\": \"%s/scenarios/crisis_led.json\", \"interventions\": [ { \"script\": "
             "\"multi_boom.lua\", \"start_week\": 1 } ] }\n",
             cwd);
    const char *boom = ts_write("multi_boom.json", json);
    const char *out = ts_path("multi_out");
    ts_cmd c = ts_run("run scenarios/crisis_led.json %s --set population.scale=0.05 --weeks 4 --replicates 1 "
                      "--out %s --quiet", boom, out);
    assert_int_equal(c.status, 1);
    assert_non_null(strstr(c.err, "boom"));
    assert_false(ts_exists(out));
    ts_cmd_free(&c);
}

static void default_output_folder_is_named_after_the_scenario(void **state)
{
    (void)state;
    /* run from the temp folder so out/ lands there */
    char cwd[1024], prog[1200];
    assert_non_null(getcwd(cwd, sizeof cwd));
    snprintf(prog, sizeof prog, "%s", ts_program());
    if (prog[0] != '/') snprintf(prog, sizeof prog, "%s/%s", cwd, ts_program());
    ts_cmd c = ts_sh("cd %s && %s run %s/" QUICK " --quiet", ts_tmpdir(), prog, cwd);
    assert_int_equal(c.status, 0);
    ts_cmd_free(&c);
    char p[1200];
    snprintf(p, sizeof p, "%s/out/crisis_led/timeseries.csv", ts_tmpdir());
    assert_true(ts_exists(p));
}

static void check_validates_without_running(void **state)
{
    (void)state;
    ts_cmd c = ts_run("check scenarios/crisis_led.json scenarios/base.json");
    assert_int_equal(c.status, 0);
    assert_non_null(strstr(c.out, "scenarios/crisis_led.json: ok"));
    assert_non_null(strstr(c.out, "scenarios/base.json: ok"));
    ts_cmd_free(&c);
    assert_false(ts_exists("out/base"));
}

/* check takes a place file as a place: every file in scenarios/ passes,
 * and a bad place gets the message a scenario naming it would. */
static void check_validates_a_place_file(void **state)
{
    (void)state;
    ts_cmd c = ts_run("check scenarios/*.json");
    if (c.status) fail_msg("%s", c.err);
    assert_non_null(strstr(c.out, "scenarios/example_town.json: ok (a place file: Example Town; 24 neighbourhoods, "));
    assert_non_null(strstr(c.out, "scenarios/crisis_led.json: ok"));
    ts_cmd_free(&c);
    const char *bad[] = {
        "{ \"neighbourhoods\": [ { \"name\": \"A\", \"households\": 10, \"deprivation_decile\": 11 } ] }\n",
        "{ \"neighbourhoods\": [ { \"name\": \"A\", \"households\": 10 } ] }\n",
        "{ \"neighbourhoods\": [ { \"name\": \"A\", \"households\": 0, \"deprivation_decile\": 2 } ] }\n",
        "{ \"neighbourhoods\": [], \"name\": \"Nowhere\" }\n",
        "{ \"neighbourhoods\": [ { \"name\": \"A\", \"households\": 9, \"deprivation_decile\": 2 } ], \"nbame\": 1 }\n",
    };
    const char *said[] = {
        "bad_place.json: place.neighbourhoods[A].deprivation_decile: expected a whole number from 1 to 10, got 11\n",
        "bad_place.json: place.neighbourhoods[A].deprivation_decile: missing; expected a whole number from 1 to 10",
        "bad_place.json: place.neighbourhoods: expected at least one household\n",
        "bad_place.json: place.neighbourhoods: expected at least one neighbourhood\n",
        "bad_place.json: place.nbame: unknown key",
    };
    for (int i = 0; i < 5; i++) {
        const char *f = ts_write("bad_place.json", bad[i]);
        c = ts_run("check %s", f);
        assert_int_equal(c.status, 1);
        if (!strstr(c.err, said[i])) fail_msg("expected \"%s\" in: %s", said[i], c.err);
        assert_int_equal(ts_count_lines(c.err), 1);
        ts_cmd_free(&c);
    }
    /* a scenario naming the place says the same */
    ts_write("bad_place.json", bad[0]);
    const char *sc = ts_write("uses_bad_place.json", "{ \"place\": \"bad_place.json\" }\n");
    c = ts_run("check %s", sc);
    assert_int_equal(c.status, 1);
    assert_non_null(strstr(c.err, said[0]));
    ts_cmd_free(&c);
}

static void usage_errors_exit_two(void **state)
{
    (void)state;
    ts_cmd c = ts_run("frobnicate");
    assert_int_equal(c.status, 2);
    assert_non_null(strstr(c.err, "unknown command 'frobnicate'"));
    ts_cmd_free(&c);
    c = ts_run("run");
    assert_int_equal(c.status, 2);
    ts_cmd_free(&c);
    c = ts_run("run scenarios/crisis_led.json --threads");
    assert_int_equal(c.status, 2);
    assert_non_null(strstr(c.err, "--threads"));
    ts_cmd_free(&c);
    c = ts_run("run scenarios/crisis_led.json --replicates ten");
    assert_int_equal(c.status, 2);
    ts_cmd_free(&c);
    c = ts_run("run scenarios/crisis_led.json --bogus");
    assert_int_equal(c.status, 2);
    ts_cmd_free(&c);
    c = ts_sh("%s", ts_program());
    assert_int_equal(c.status, 2);
    assert_non_null(strstr(c.err, "usage"));
    ts_cmd_free(&c);
}

static void a_missing_scenario_file_is_an_input_error(void **state)
{
    (void)state;
    ts_cmd c = ts_run("run %s --out %s", ts_path("nope.json"), ts_path("nope_out"));
    assert_int_equal(c.status, 1);
    assert_non_null(strstr(c.err, "nope.json: cannot open"));
    assert_false(ts_exists(ts_path("nope_out")));
    ts_cmd_free(&c);
}

/* A run that would not fit is refused before it starts, with the figure;
 * a bigger place needs more; a bad size is a usage error. */
static void a_run_that_would_not_fit_is_refused(void **state)
{
    (void)state;
    ts_cmd c = ts_run("run scenarios/crisis_led.json --max-memory 20M --out %s", ts_path("mem_out"));
    assert_int_equal(c.status, 1);
    print_message("%s", c.err);
    assert_non_null(strstr(c.err, "scenarios/crisis_led.json: this run needs about "));
    assert_non_null(strstr(c.err, "more than the 20 MB allowed by --max-memory"));
    assert_false(ts_exists(ts_path("mem_out")));
    ts_cmd_free(&c);
    /* the need grows with the place: 8 times the people need more than 30 MB, one does not */
    c = ts_run("run scenarios/crisis_led.json --threads 1 --replicates 1 --weeks 1 --set burn_in_weeks=0 "
               "--max-memory 30M --out %s --quiet", ts_path("mem_ok"));
    assert_int_equal(c.status, 0);
    ts_cmd_free(&c);
    c = ts_run("run scenarios/crisis_led.json --threads 1 --replicates 1 --weeks 1 --set burn_in_weeks=0 "
               "--set population.scale=8 --max-memory 30M --out %s --quiet", ts_path("mem_big"));
    assert_int_equal(c.status, 1);
    assert_false(ts_exists(ts_path("mem_big")));
    ts_cmd_free(&c);
    c = ts_run("run scenarios/crisis_led.json --max-memory lots");
    assert_int_equal(c.status, 2);
    assert_non_null(strstr(c.err, "option '--max-memory' needs a size such as 8G"));
    ts_cmd_free(&c);
}

static void version_help_and_keys(void **state)
{
    (void)state;
    ts_cmd c = ts_run("--version");
    assert_int_equal(c.status, 0);
    assert_string_equal(c.out, "placesim 0.1.0\n");
    ts_cmd_free(&c);
    c = ts_run("--help");
    assert_int_equal(c.status, 0);
    assert_non_null(strstr(c.out, "run SCENARIO.json"));
    ts_cmd_free(&c);
    c = ts_run("help run");
    assert_int_equal(c.status, 0);
    assert_non_null(strstr(c.out, "timeseries.csv"));
    ts_cmd_free(&c);
    /* --help or -h after a command prints that command's help, whatever else is given */
    const char *asks[] = { "run --help", "run -h", "run scenarios/crisis_led.json --bogus --help",
                           "compare --help", "sweep -h", "check --help", "keys --help", "help --help" };
    const char *gives[] = { "placesim run SCENARIO.json", "placesim run SCENARIO.json", "placesim run SCENARIO.json",
                            "placesim compare BASELINE.json", "placesim sweep SCENARIO.json", "placesim check FILE.json",
                            "placesim keys", "usage: placesim COMMAND" };
    for (int i = 0; i < 8; i++) {
        c = ts_run("%s", asks[i]);
        assert_int_equal(c.status, 0);
        if (strncmp(c.out, gives[i], strlen(gives[i]))) fail_msg("placesim %s printed: %s", asks[i], c.out);
        assert_string_equal(c.err, "");
        ts_cmd_free(&c);
    }
    /* a value that looks like --help is still the option's value; an unknown command has no help */
    const char *usage[] = { "run --set --help", "frobnicate --help" };
    for (int i = 0; i < 2; i++) {
        c = ts_run("%s", usage[i]);
        assert_int_equal(c.status, 2);
        ts_cmd_free(&c);
    }
    c = ts_run("keys");
    assert_int_equal(c.status, 0);
    assert_non_null(strstr(c.out, "#### `model.onset`"));
    assert_non_null(strstr(c.out, "| `debt` | number | `2.5` | x |"));
    ts_cmd_free(&c);
}

/* docs/scenarios.md carries the generated key reference: it must match. */
static void scenario_docs_match_the_schema(void **state)
{
    (void)state;
    ts_cmd c = ts_run("keys");
    char *doc = ts_read("docs/scenarios.md");
    assert_non_null(doc);
    if (!strstr(doc, c.out))
        fail_msg("docs/scenarios.md does not contain the output of 'placesim keys'; regenerate it with "
                 "'make docs'");
    free(doc);
    ts_cmd_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(run_writes_the_output_folder),
        cmocka_unit_test(resolved_scenario_reproduces_the_run),
        cmocka_unit_test(threads_give_byte_identical_files),
        cmocka_unit_test(existing_output_is_kept_unless_forced),
        cmocka_unit_test(force_keeps_a_folder_placesim_did_not_write),
        cmocka_unit_test(force_replaces_what_placesim_wrote),
        cmocka_unit_test(quiet_prints_nothing),
        cmocka_unit_test(neighbourhoods_per_replicate_adds_a_column),
        cmocka_unit_test(options_override_the_scenario),
        cmocka_unit_test(a_failing_scenario_among_several_leaves_no_folder),
        cmocka_unit_test(default_output_folder_is_named_after_the_scenario),
        cmocka_unit_test(check_validates_without_running),
        cmocka_unit_test(check_validates_a_place_file),
        cmocka_unit_test(usage_errors_exit_two),
        cmocka_unit_test(a_missing_scenario_file_is_an_input_error),
        cmocka_unit_test(a_run_that_would_not_fit_is_refused),
        cmocka_unit_test(version_help_and_keys),
        cmocka_unit_test(scenario_docs_match_the_schema),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* report.html: number formats, charts that survive any data, and the
 * reports of a run, a comparison and a sweep, each checked in headless
 * Chromium (tests/report/check_report.mjs): it renders, makes no network
 * request, logs no console error and has every section. */
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

#include "placesim.h"
#include "sbuf.h"
#include "support.h"
#include "svg.h"

static char cwd[1024];

static void numbers_read_as_people_expect(void **state)
{
    (void)state;
    static const struct {
        double x;
        fmt_kind k;
        int sign;
        const char *want;
    } cases[] = {
        { 0.1684, FMT_SHARE, 0, "16.8%" },   { -0.0052, FMT_SHARE, 1, "\u22120.520 pp" },
        { 1234567, FMT_GBP, 0, "\u00a31.23m" }, { 45131, FMT_GBP, 0, "\u00a345,100" },
        { 0.237, FMT_GBP, 0, "\u00a30.24" },  { 18.04, FMT_NUMBER, 0, "18.0" },
        { 2202.4, FMT_NUMBER, 0, "2,200" },   { 3.25, FMT_NUMBER, 1, "+3.25" },
        { 0.000512, FMT_NUMBER, 0, "0.000512" }, { 0, FMT_NUMBER, 1, "0" },
        { NAN, FMT_NUMBER, 0, "\u2013" },
    };
    char buf[64];
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        fmt_human(buf, sizeof buf, cases[i].x, cases[i].k, cases[i].sign);
        if (strcmp(buf, cases[i].want)) fail_msg("%g: got '%s', expected '%s'", cases[i].x, buf, cases[i].want);
    }
    fmt_int(buf, sizeof buf, 24154);
    assert_string_equal(buf, "24,154");
    sbuf b = { 0 };
    html_escape(&b, "<a href=\"x\">&'");
    char *s = sb_take(&b);
    assert_string_equal(s, "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
    ps_free(s);
}

/* Charts of degenerate data (constant, huge, all missing, a single
 * point) finish quickly with a small, well-formed SVG. */
static void charts_survive_any_data(void **state)
{
    (void)state;
    double x[3] = { 0, 1, 2 }, big[3] = { 1e15, 1e15, 1e15 }, nan3[3] = { NAN, NAN, NAN }, zero[3] = { 0, 0, 0 };
    const double *ys[4] = { big, nan3, zero, x };
    for (int k = 0; k < 4; k++) {
        sbuf b = { 0 };
        svg_series se = { "s", x, ys[k], ys[k], ys[k], k == 3 ? 1 : 3, 0 };
        svg_frame f = { "t", "x", "y", FMT_NUMBER, 400, 200, k == 2 };
        svg_lines l = { &se, 1, NULL, NULL, NULL, 0, NULL };
        svg_line_chart(&b, &f, &l);
        svg_bar_group g = { "g", ys[k], NULL, NULL, 0 };
        const char *cats[3] = { "a", "b", "c" };
        svg_grouped_bars(&b, &f, cats, 3, &g, 1);
        const char *names[3] = { "n1", "n2", "n3" };
        svg_tiles t = { names, NULL, ys[k], 3, 2, ys[k][0], ys[k][0], k == 2, FMT_SHARE, "legend" };
        svg_tile_grid(&b, &f, &t);
        assert_false(b.failed);
        assert_true(b.len < 40000);
        char *s = sb_take(&b);
        assert_non_null(strstr(s, "</svg>"));
        assert_null(strstr(s, "nan"));
        assert_null(strstr(s, "inf"));
        ps_free(s);
    }
}

/* ------------------------------------------------------------ in the browser */

static void browser_check(const char *report, const char *sections, const char *absent)
{
    ts_cmd r = ts_sh("command -v node >/dev/null || { echo 'node is not installed (make test installs it)'; exit 3; }; "
                     "node tests/report/check_report.mjs %s --sections %s%s%s",
                     report, sections, absent ? " --absent " : "", absent ? absent : "");
    if (r.status) fail_msg("browser check of %s failed:\n%s%s", report, r.out, r.err);
    assert_non_null(strstr(r.out, "no requests, no console errors"));
    ts_cmd_free(&r);
}

/* The text of a report: self-contained, nothing fetched, no script. */
static char *read_report(const char *path)
{
    char *html = ts_read(path);
    if (!html) fail_msg("no report at %s", path);
    assert_null(strstr(html, "http:"));
    assert_null(strstr(html, "https:"));
    assert_null(strstr(html, "<script"));
    assert_null(strstr(html, "@import"));
    assert_null(strstr(html, "url("));
    return html;
}

static const char *small(const char *name, const char *base)
{
    char text[2048], file[160];
    snprintf(text, sizeof text,
             "{ \"extends\": \"%s/scenarios/%s\", \"replicates\": 3, \"weeks\": 260, \"burn_in_weeks\": 26,\n"
             "  \"population\": { \"scale\": 0.05 } }\n",
             cwd, base);
    snprintf(file, sizeof file, "%s.json", name);
    return ts_write(file, text);
}

static void a_run_report_has_every_section(void **state)
{
    (void)state;
    char out[1100], rep[1200];
    snprintf(out, sizeof out, "%s", ts_path("run_shock"));
    ts_cmd r = ts_run("run %s --out %s --quiet", small("run_shock", "crisis_led_shock.json"), out);
    if (r.status) fail_msg("%s", r.err);
    ts_cmd_free(&r);
    snprintf(rep, sizeof rep, "%s/report.html", out);
    char *html = read_report(rep);
    assert_non_null(strstr(html, "id=\"resilience\""));
    assert_non_null(strstr(html, "Resilience: adults not well through the shock"));
    free(html);
    browser_check(rep, "headline,over-time,costs,safety-one,safety-two,equity,services,resilience,neighbourhoods,"
                       "about,provenance",
                  "what-changed");
}

static void a_comparison_report_has_every_section(void **state)
{
    (void)state;
    char out[1100], rep[1200];
    snprintf(out, sizeof out, "%s", ts_path("cmp_shock"));
    const char *a = small("crisis_shock", "crisis_led_shock.json");
    const char *b = small("teams_shock", "integrated_teams_shock.json");
    ts_cmd r = ts_run("compare %s %s --out %s --quiet", a, b, out);
    if (r.status) fail_msg("%s", r.err);
    ts_cmd_free(&r);
    snprintf(rep, sizeof rep, "%s/report.html", out);
    char *html = read_report(rep);
    /* the headline has differences with intervals, and what changed names a service */
    assert_non_null(strstr(html, "Difference from the baseline"));
    assert_non_null(strstr(html, "fewer crisis episodes a year") ? strstr(html, "fewer crisis episodes a year")
                                                                   : strstr(html, "more crisis episodes a year"));
    assert_non_null(strstr(html, "<code>services[neighbourhood_team]</code>"));
    assert_non_null(strstr(html, "NHS mental health")); /* agencies in words, not codes */
    free(html);
    browser_check(rep, "headline,over-time,costs,safety-one,safety-two,equity,services,resilience,neighbourhoods,"
                       "what-changed,about,provenance",
                  NULL);
}

/* Two keys with three values each: nine points, each paired with the
 * first, and a report that shows the 3 x 3 grid. */
static void a_sweep_over_two_keys_shows_the_grid(void **state)
{
    (void)state;
    char out[1100], rep[1200], path[1200];
    snprintf(out, sizeof out, "%s", ts_path("sweep"));
    const char *sc = small("sweep_base", "crisis_led.json");
    ts_cmd r = ts_run("sweep %s --vary services.crisis_team.capacity=40,60,80 --vary model.crisis.base=0.0012,0.0014,0.0016 "
                      "--set weeks=52 --out %s",
                      sc, out);
    if (r.status) fail_msg("%s", r.err);
    assert_non_null(strstr(r.out, "9 points"));
    /* a column per varied key, named by its label, a row per point */
    assert_non_null(strstr(r.out, "capacity"));
    assert_non_null(strstr(r.out, "base"));
    const char *nine = strstr(r.out, "\n    9  ");
    assert_non_null(nine);
    assert_non_null(strstr(nine, "80"));
    assert_true(strstr(nine, "0.0016") && strstr(nine, "0.0016") < strchr(nine + 1, '\n'));
    ts_cmd_free(&r);
    for (int k = 1; k <= 9; k++) {
        snprintf(path, sizeof path, "%s/point-%02d/summary.json", out, k);
        if (!ts_exists(path)) fail_msg("missing %s", path);
    }
    snprintf(path, sizeof path, "%s/sweep.csv", out);
    char *csv = ts_read(path);
    assert_true(!strncmp(csv, "point,services.crisis_team.capacity,model.crisis.base,outcome,mean,", 66));
    int lines = ts_count_lines(csv);
    assert_true(lines > 9 * 50 && (lines - 1) % 9 == 0);
    assert_non_null(strstr(csv, "\n9,80,0.0016,safety_one.crisis_episodes,"));
    /* a higher base crisis rate gives more crises than the first point, paired */
    const char *row = strstr(csv, "\n3,40,0.0016,safety_one.crisis_episodes,");
    assert_non_null(row);
    free(csv);
    snprintf(rep, sizeof rep, "%s/report.html", out);
    char *html = read_report(rep);
    const char *grid = strstr(html, "id=\"sweep-grid\"");
    assert_non_null(grid);
    const char *table = strstr(grid, "<table class=\"grid\">");
    assert_non_null(table);
    const char *end = strstr(table, "</table>");
    int cells = 0;
    for (const char *p = table; p && p < end; p = strstr(p + 1, "<td style=\"background:")) cells += p != table;
    assert_int_equal(cells, 9);
    free(html);
    browser_check(rep, "headline,sweep-charts,sweep-grid,differences,what-varied,provenance", NULL);
    /* a key that changes the households cannot be swept */
    r = ts_run("sweep %s --vary population.scale=0.05,0.06 --out %s/bad --quiet", sc, out);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "households"));
    ts_cmd_free(&r);
    r = ts_run("sweep %s --vary services.crisis_team.capacity --out %s/bad --quiet", sc, out);
    assert_int_equal(r.status, 2);
    ts_cmd_free(&r);
    r = ts_run("sweep %s --vary services.no_such.capacity=1,2 --out %s/bad --quiet", sc, out);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "--vary services.no_such.capacity=1"));
    ts_cmd_free(&r);
    snprintf(path, sizeof path, "%s/bad", out);
    assert_false(ts_exists(path));
}

int main(void)
{
    if (!getcwd(cwd, sizeof cwd)) return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(numbers_read_as_people_expect),
        cmocka_unit_test(charts_survive_any_data),
        cmocka_unit_test(a_run_report_has_every_section),
        cmocka_unit_test(a_comparison_report_has_every_section),
        cmocka_unit_test(a_sweep_over_two_keys_shows_the_grid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

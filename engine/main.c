/*
 * placesim: the command line. A thin layer over libplacesim (placesim.h):
 * it parses arguments, draws the progress bar, prints tables and maps
 * errors to exit statuses (0 success, 1 input or run error, 2 usage error).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "placesim.h"

#define MAX_SETS 256

typedef struct cli {
    const char *command;
    const char *files[MAX_SETS];
    int nfiles;
    const char *out;
    const char *sets[MAX_SETS + 3];
    int nsets;
    char own_sets[3][64];
    int threads;
    int force, quiet, nb_per_rep, markdown;
} cli;

static const char *usage_text =
    "usage: placesim COMMAND [ARGS] [OPTIONS]\n"
    "\n"
    "commands:\n"
    "  run SCENARIO.json        run a scenario and write its output folder\n"
    "  check SCENARIO.json...   validate scenarios (and their place and population files); run nothing\n"
    "  keys                     print every scenario key with its default, unit and range (Markdown)\n"
    "  help [COMMAND]           show help\n"
    "\n"
    "options for run:\n"
    "  --out DIR        output folder (default out/<scenario file name>)\n"
    "  --seed N         random seed (overrides the scenario's)\n"
    "  --replicates N   number of replicates\n"
    "  --weeks N        weeks reported after burn-in\n"
    "  --threads N      worker threads (default: all cores); results do not depend on it\n"
    "  --set PATH=VALUE override a scenario value, e.g. services.crisis_team.capacity=80 (repeatable)\n"
    "  --force          replace an existing output folder\n"
    "  --quiet          no progress bar and no table\n"
    "  --neighbourhoods-per-replicate   one row per replicate in neighbourhoods.csv\n"
    "\n"
    "  --version, --help\n"
    "\n"
    "exit status: 0 success, 1 input or run error, 2 usage error\n";

static const char *help_run =
    "placesim run SCENARIO.json [--out DIR] [--seed N] [--replicates N] [--weeks N]\n"
    "             [--threads N] [--set PATH=VALUE]... [--force] [--quiet]\n"
    "             [--neighbourhoods-per-replicate]\n"
    "\n"
    "Runs every replicate of the scenario and writes, into the output folder:\n"
    "  timeseries.csv          one row per replicate and week, place-wide counts and costs\n"
    "  neighbourhoods.csv      one row per week and neighbourhood, means over replicates\n"
    "  summary.json            every outcome with mean, sd and 95% interval, and provenance\n"
    "  scenario.resolved.json  the scenario after extends and --set: rerunning it reproduces the run\n"
    "The folder is written all at once; an existing folder is kept unless --force.\n"
    "Same seed and scenario give byte-identical files whatever --threads is\n"
    "(summary.json's provenance.run block records threads, wall time and date).\n";

static const char *help_check =
    "placesim check SCENARIO.json... [--set PATH=VALUE]...\n"
    "\n"
    "Loads and validates each scenario with its extends chain, place file and imported\n"
    "population, and reports the first problem in each as FILE: PATH: what was expected.\n"
    "Runs nothing and writes nothing. Exit status 1 if any scenario has a problem.\n";

static const char *help_keys =
    "placesim keys\n"
    "\n"
    "Prints the reference of every scenario key (type, default, unit, range, meaning,\n"
    "source) as Markdown: the key tables of docs/scenarios.md.\n";

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "placesim: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nrun 'placesim --help' for usage\n");
    return 2;
}

static int parse_int(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (!*s || *end || errno || v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

/* Returns 0, or an exit status for a usage error. */
static int parse_args(cli *c, int argc, char **argv)
{
    memset(c, 0, sizeof *c);
    c->command = argv[1];
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        const char *val = NULL;
        char name[64];
        if (a[0] != '-' || a[1] != '-') {
            if (a[0] == '-' && a[1]) return usage_error("unknown option '%s'", a);
            if (c->nfiles >= MAX_SETS) return usage_error("too many files%s", "");
            c->files[c->nfiles++] = a;
            continue;
        }
        const char *eq = strchr(a, '=');
        if (eq && (size_t)(eq - a) < sizeof name) {
            snprintf(name, sizeof name, "%.*s", (int)(eq - a), a);
            val = eq + 1;
        } else {
            snprintf(name, sizeof name, "%s", a);
        }
        int takes = !strcmp(name, "--out") || !strcmp(name, "--seed") || !strcmp(name, "--replicates") ||
                    !strcmp(name, "--weeks") || !strcmp(name, "--threads") || !strcmp(name, "--set");
        if (takes && !val) {
            if (i + 1 >= argc) return usage_error("option '%s' needs a value", name);
            val = argv[++i];
        }
        long v;
        if (!strcmp(name, "--out")) {
            c->out = val;
        } else if (!strcmp(name, "--seed") || !strcmp(name, "--replicates") || !strcmp(name, "--weeks")) {
            const char *key = name + 2;
            if (parse_int(val, 0, 9007199254740991L, &v))
                return usage_error("option '%s' needs a whole number", name);
            int slot = !strcmp(key, "seed") ? 0 : !strcmp(key, "replicates") ? 1 : 2;
            snprintf(c->own_sets[slot], sizeof c->own_sets[slot], "%s=%ld", key, v);
            c->sets[c->nsets++] = c->own_sets[slot];
        } else if (!strcmp(name, "--threads")) {
            if (parse_int(val, 0, 4096, &v)) return usage_error("option '--threads' needs a whole number from 0 to 4096%s", "");
            c->threads = (int)v;
        } else if (!strcmp(name, "--set")) {
            if (c->nsets >= MAX_SETS) return usage_error("too many --set options%s", "");
            if (!strchr(val, '=')) return usage_error("--set needs PATH=VALUE, got '%s'", val);
            c->sets[c->nsets++] = val;
        } else if (!strcmp(name, "--force") && !val) {
            c->force = 1;
        } else if (!strcmp(name, "--quiet") && !val) {
            c->quiet = 1;
        } else if (!strcmp(name, "--neighbourhoods-per-replicate") && !val) {
            c->nb_per_rep = 1;
        } else if (!strcmp(name, "--markdown") && !val) {
            c->markdown = 1;
        } else {
            return usage_error("unknown option '%s'", a);
        }
    }
    return 0;
}

/* ------------------------------------------------------------ progress */

typedef struct bar {
    double last;
    int drawn;
    double start;
} bar;

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int draw_progress(void *ud, uint64_t done, uint64_t total)
{
    bar *b = ud;
    double t = now_seconds();
    if (done < total && t - b->last < 0.1) return 0;
    b->last = t;
    int width = 40, fill = total ? (int)(width * done / total) : width;
    char line[64];
    for (int i = 0; i < width; i++) line[i] = i < fill ? '#' : '.';
    line[width] = '\0';
    double elapsed = t - b->start;
    double eta = done ? elapsed * (double)(total - done) / (double)done : 0;
    fprintf(stderr, "\r[%s] %3d%%  %.0fs left ", line, total ? (int)(100 * done / total) : 100, eta);
    fflush(stderr);
    b->drawn = 1;
    return 0;
}

/* ------------------------------------------------------------ table */

typedef struct row {
    const char *label;
    const char *outcome;
    double scale;   /* shown value = value x scale */
    const char *fmt;
} row;

static const row table_rows[] = {
    { "Adults not well (struggling, crisis, recovering)", "prevalence.adults_not_well", 100, "%.1f%%" },
    { "Crisis episodes per 1,000 adults a year", "safety_one.crisis_episodes_per_1000_adults_per_year", 1, "%.1f" },
    { "Crises seen by the crisis team", "services.crises_seen_by_crisis_team", 100, "%.0f%%" },
    { "Mental-health A&E attendances", "safety_one.ae_attendances", 1, "%.0f" },
    { "Admissions", "safety_one.admissions", 1, "%.0f" },
    { "Weeks well per adult a year", "safety_two.weeks_well_per_adult_per_year", 1, "%.2f" },
    { "QALYs per adult a year", "safety_two.qalys_per_adult_per_year", 1, "%.4f" },
    { "Employment rate", "safety_two.employment_rate", 100, "%.1f%%" },
    { "Lonely adults", "safety_two.lonely_share", 100, "%.1f%%" },
    { "Adults in problem debt", "determinants.adults_in_problem_debt", 100, "%.1f%%" },
    { "Cost per adult a year (GBP)", "money.cost_per_adult_per_year", 1, "%.2f" },
    { "Crisis rate, most / least deprived fifth", "equity.crisis_rate_ratio", 1, "%.2f" },
};

static void print_table(const ps_scenario *sc, const ps_results *res, const char *out, double secs)
{
    printf("%s\n", ps_scenario_name(sc));
    printf("%d replicates x %d weeks, seed %llu, %.1f s\n\n", ps_results_replicates(res),
           ps_results_weeks(res), (unsigned long long)ps_scenario_seed(sc), secs);
    printf("%-50s %12s   %s\n", "outcome", "mean", "95% interval");
    for (size_t i = 0; i < sizeof table_rows / sizeof table_rows[0]; i++) {
        ps_summary s;
        if (ps_results_find(res, table_rows[i].outcome, &s)) continue;
        char m[32], lo[32], hi[32];
        snprintf(m, sizeof m, table_rows[i].fmt, s.mean * table_rows[i].scale);
        if (s.n > 1 && s.ci_low == s.ci_low) {
            snprintf(lo, sizeof lo, table_rows[i].fmt, s.ci_low * table_rows[i].scale);
            snprintf(hi, sizeof hi, table_rows[i].fmt, s.ci_high * table_rows[i].scale);
            printf("%-50s %12s   %s to %s\n", table_rows[i].label, m, lo, hi);
        } else {
            printf("%-50s %12s   (one replicate: no interval)\n", table_rows[i].label, m);
        }
    }
    printf("\nOutputs in %s/ (summary.json has every outcome)\n", out);
}

/* ------------------------------------------------------------ commands */

static void default_out(const char *scenario, char *buf, size_t size)
{
    const char *base = strrchr(scenario, '/');
    base = base ? base + 1 : scenario;
    const char *dot = strrchr(base, '.');
    size_t n = dot && dot != base ? (size_t)(dot - base) : strlen(base);
    snprintf(buf, size, "out/%.*s", (int)n, base);
}

static int cmd_run(cli *c)
{
    if (c->nfiles != 1) return usage_error("run needs exactly one scenario file%s", "");
    char outbuf[4096];
    const char *out = c->out;
    if (!out) {
        default_out(c->files[0], outbuf, sizeof outbuf);
        out = outbuf;
    }
    ps_error err;
    ps_scenario *sc = NULL;
    if (ps_scenario_load(c->files[0], c->sets, (size_t)c->nsets, &sc, &err)) {
        fprintf(stderr, "placesim: %s\n", err.message);
        return 1;
    }
    if (ps_output_check(out, c->force, &err)) {
        fprintf(stderr, "placesim: %s\n", err.message);
        ps_scenario_free(sc);
        return 1;
    }
    ps_run_options opt;
    ps_run_options_init(&opt);
    opt.threads = c->threads;
    bar b = { 0, 0, now_seconds() };
    if (!c->quiet && isatty(STDERR_FILENO)) {
        opt.progress = draw_progress;
        opt.progress_userdata = &b;
    }
    double t0 = now_seconds();
    ps_results *res = NULL;
    ps_status st = ps_run(sc, &opt, &res, &err);
    double secs = now_seconds() - t0;
    if (b.drawn) fprintf(stderr, "\r%60s\r", "");
    if (st) {
        fprintf(stderr, "placesim: %s\n", err.message);
        ps_scenario_free(sc);
        return 1;
    }
    ps_write_options wo = { c->force, c->nb_per_rep, secs, 0 };
    wo.threads = c->threads > 0 ? c->threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (wo.threads > ps_scenario_replicates(sc)) wo.threads = ps_scenario_replicates(sc);
    st = ps_results_write(res, out, &wo, &err);
    if (st) {
        fprintf(stderr, "placesim: %s\n", err.message);
    } else if (!c->quiet) {
        print_table(sc, res, out, secs);
    }
    ps_results_free(res);
    ps_scenario_free(sc);
    return st ? 1 : 0;
}

static int cmd_check(cli *c)
{
    if (c->nfiles < 1) return usage_error("check needs at least one scenario file%s", "");
    int bad = 0;
    for (int i = 0; i < c->nfiles; i++) {
        ps_error err;
        ps_scenario *sc = NULL;
        if (ps_scenario_load(c->files[i], c->sets, (size_t)c->nsets, &sc, &err)) {
            fprintf(stderr, "placesim: %s\n", err.message);
            bad = 1;
            continue;
        }
        if (!c->quiet) printf("%s: ok (%s)\n", c->files[i], ps_scenario_name(sc));
        ps_scenario_free(sc);
    }
    return bad;
}

static int cmd_keys(void)
{
    char *md = ps_scenario_reference_markdown();
    if (!md) {
        fprintf(stderr, "placesim: out of memory\n");
        return 1;
    }
    fputs(md, stdout);
    ps_free(md);
    return 0;
}

static int cmd_help(const char *topic)
{
    if (!topic) fputs(usage_text, stdout);
    else if (!strcmp(topic, "run")) fputs(help_run, stdout);
    else if (!strcmp(topic, "check")) fputs(help_check, stdout);
    else if (!strcmp(topic, "keys")) fputs(help_keys, stdout);
    else return usage_error("no help on '%s'", topic);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage_text, stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) return cmd_help(NULL);
    if (!strcmp(argv[1], "--version")) {
        printf("placesim %s\n", ps_version());
        return 0;
    }
    if (!strcmp(argv[1], "help")) return cmd_help(argc > 2 ? argv[2] : NULL);
    cli c;
    int rc = parse_args(&c, argc, argv);
    if (rc) return rc;
    if (!strcmp(c.command, "run")) return cmd_run(&c);
    if (!strcmp(c.command, "check")) return cmd_check(&c);
    if (!strcmp(c.command, "keys")) return cmd_keys();
    return usage_error("unknown command '%s'", c.command);
}

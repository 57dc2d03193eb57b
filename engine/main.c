/*
 * placesim: the command line. A thin layer over libplacesim (placesim.h):
 * it parses arguments, draws the progress bar, prints tables and maps
 * errors to exit statuses (0 success, 1 input or run error, 2 usage error).
 * Two checks reach past the public header into the library's modules: a
 * place file on its own (schema.h) and whether --out is or holds a scenario
 * being run (output.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "cli.h"
#include "json.h"
#include "output.h"
#include "placesim.h"
#include "schema.h"

#ifdef PS_MPI
#include <mpi.h>
#endif

#define MAX_SETS 256

typedef struct cli {
    const char *command;
    const char *files[MAX_SETS];
    int nfiles;
    const char *out;
    const char *sets[MAX_SETS + 3];
    int nsets;
    const char *vary[MAX_SETS];
    int nvary;
    char own_sets[3][64];
    int threads;
    int force, quiet, nb_per_rep, markdown;
    uint64_t max_memory;    /* --max-memory in bytes; 0: 90% of the machine's */
    int rank;               /* MPI process (0 without MPI): only process 0 prints and writes */
    double qaly_value;      /* --qaly-value; -1 when not given */
} cli;

static const char *usage_text =
    "usage: placesim COMMAND [ARGS] [OPTIONS]\n"
    "\n"
    "commands:\n"
    "  run SCENARIO.json...     run scenarios, write their output folders; several side by side\n"
    "  compare BASE.json OTHER.json...   run and pair scenarios against a baseline; report.html\n"
    "  sweep SCENARIO.json --vary PATH=V1,V2,... [--vary ...]   run every combination of values\n"
    "  check FILE.json...       validate scenarios (and their place and population files) and\n"
    "                           place files; run nothing\n"
    "  keys                     print every scenario key with its default, unit and range (Markdown)\n"
    "  help [COMMAND]           show help\n"
    "\n"
    "options for run, compare and sweep:\n"
    "  --out DIR        output folder (run: out/<scenario file name>, or with several the\n"
    "                   folder holding one per scenario; compare: out/compare_<baseline>;\n"
    "                   sweep: out/sweep_<scenario>)\n"
    "  --seed N         random seed (overrides the scenario's)\n"
    "  --replicates N   number of replicates\n"
    "  --weeks N        weeks reported after burn-in\n"
    "  --threads N      worker threads (default: all cores): replicates run on them, and\n"
    "                   with fewer replicates than threads each splits its weekly\n"
    "                   passes over the rest; results do not depend on it\n"
    "  --max-memory SIZE   refuse a run expected to need more (bytes, or with K, M, G, T;\n"
    "                   default 90% of this machine's memory)\n"
    "  --set PATH=VALUE override a scenario value, e.g. services.crisis_team.capacity=80 (repeatable)\n"
    "  --force          replace an existing output folder, but only one placesim wrote: it\n"
    "                   must hold nothing but placesim's output files and run folders, and\n"
    "                   not the scenario being run; any other is kept and the run refused\n"
    "  --quiet          no progress bar and no table\n"
    "  --neighbourhoods-per-replicate   one row per replicate in neighbourhoods.csv\n"
    "  --qaly-value GBP value of a QALY in a comparison's net monetary benefit (default 20000)\n"
    "  --vary PATH=V1,V2,...   (sweep) a key and its values; repeat for a grid\n"
    "\n"
    "  --version, --help (also after a command: placesim run --help)\n"
    "\n"
    "exit status: 0 success, 1 input or run error, 2 usage error\n";

static const char *help_run =
    "placesim run SCENARIO.json... [--out DIR] [--seed N] [--replicates N] [--weeks N]\n"
    "             [--threads N] [--set PATH=VALUE]... [--force] [--quiet]\n"
    "             [--neighbourhoods-per-replicate]\n"
    "\n"
    "Runs every replicate of each scenario and writes, into its output folder\n"
    "(--out, or out/<scenario file name>; with several scenarios <--out or out>/<name>):\n"
    "  timeseries.csv          one row per replicate and week, place-wide counts and costs\n"
    "  neighbourhoods.csv      one row per week and neighbourhood, means over replicates\n"
    "  services.csv            one row per replicate, week and service: referrals, waits, costs\n"
    "  summary.json            every outcome with mean, sd and 95% interval, and provenance\n"
    "  scenario.resolved.json  the scenario after extends and --set: rerunning it reproduces the run\n"
    "  report.html             the outcomes in words, tables and charts; opens offline, prints on A4\n"
    "  log.txt                 what scripts logged (sim:log, print), when they logged anything\n"
    "The folder is written all at once. An existing folder is kept unless --force,\n"
    "which replaces it only if placesim wrote it: a folder holding nothing but the\n"
    "files above (and, from compare and sweep, their own files and run folders), and\n"
    "not the scenario being run. Otherwise the run is refused, naming the first file\n"
    "placesim did not write, and nothing is touched.\n"
    "With several scenarios every one runs before any folder is written (a failure\n"
    "leaves none) and the main outcomes are printed side by side.\n"
    "Same seed and scenario give byte-identical files whatever --threads is\n"
    "(summary.json's provenance.run block records threads, wall time and date).\n";

static const char *help_compare =
    "placesim compare BASELINE.json OTHER.json... [--out DIR] [--seed N] [--replicates N]\n"
    "                 [--weeks N] [--threads N] [--set PATH=VALUE]... [--qaly-value GBP]\n"
    "                 [--force] [--quiet]\n"
    "\n"
    "Runs every scenario on the same households with the same seed and replicates, so\n"
    "replicate k of each meets the same luck (common random numbers), then pairs each\n"
    "scenario with the baseline replicate by replicate. A scenario whose own seed,\n"
    "replicates, weeks or burn-in differ runs with the baseline's (a note says so);\n"
    "scenarios whose households differ cannot be compared. Writes into --out\n"
    "(default out/compare_<baseline file name>), all at once:\n"
    "  <name>/                 each scenario's run folder, as placesim run writes it\n"
    "  comparison.csv          per scenario and outcome: baseline and scenario means, the\n"
    "                          paired difference with its 95% interval, relative change,\n"
    "                          whether the interval excludes 0 and the replicates it would\n"
    "                          take if not; and crises averted, QALYs gained, net cost,\n"
    "                          cost per crisis averted, return per pound, net monetary benefit\n"
    "  comparison.json         the same, with what changed between the resolved scenarios\n"
    "  report.html             the comparison for a workshop: opens offline, prints on A4\n"
    "Prints the scenarios side by side and their differences from the baseline.\n"
    "--force replaces an existing folder only if placesim wrote it (see placesim help run).\n";

static const char *help_sweep =
    "placesim sweep SCENARIO.json --vary PATH=V1,V2,... [--vary PATH=V1,V2,...]...\n"
    "               [--out DIR] [--seed N] [--replicates N] [--weeks N] [--threads N]\n"
    "               [--set PATH=VALUE]... [--force] [--quiet]\n"
    "\n"
    "Runs the scenario once for every combination of the varied values (the first\n"
    "--vary changes slowest), each point on the same households with the same luck, and\n"
    "pairs every point with the first. PATH is as for --set, e.g.\n"
    "services.crisis_team.capacity or interventions[debt_advice].params.capacity; keys\n"
    "that change the households (population.*) cannot be varied. Writes into --out\n"
    "(default out/sweep_<scenario file name>), all at once:\n"
    "  point-01/ ...           each point's run folder\n"
    "  sweep.csv               per point and outcome: the varied values, mean, sd, 95%\n"
    "                          interval and the paired difference from point 1\n"
    "  report.html             outcomes plotted against the values, and the grid\n"
    "--force replaces an existing folder only if placesim wrote it (see placesim help run).\n";

static const char *help_check =
    "placesim check FILE.json... [--set PATH=VALUE]...\n"
    "\n"
    "Loads and validates each scenario with its extends chain, place file and imported\n"
    "population, and reports the first problem in each as FILE: PATH: what was expected.\n"
    "A place file (one with \"neighbourhoods\" at the top) is validated as the place of a\n"
    "scenario with default settings would be; --set applies to scenarios only.\n"
    "Runs nothing and writes nothing. Exit status 1 if any file has a problem.\n";

static const char *help_keys =
    "placesim keys\n"
    "\n"
    "Prints the reference of every scenario key (type, default, unit, range, meaning,\n"
    "source) as Markdown: the key tables of docs/scenarios.md.\n";

/* Does the option called name take a value (--out DIR or --out=DIR)? */
static int takes_value(const char *name)
{
    static const char *const with[] = { "--out", "--seed", "--replicates", "--weeks", "--threads", "--set",
                                        "--qaly-value", "--vary", "--max-memory", NULL };
    for (int i = 0; with[i]; i++)
        if (!strcmp(name, with[i])) return 1;
    return 0;
}

/* Is --help or -h among a command's arguments (not as an option's value)?
 * Help wins over every other argument, so "placesim run x.json --bad -h"
 * prints run's help rather than an error. */
static int wants_help(int argc, char **argv)
{
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) return 1;
        if (!strncmp(argv[i], "--", 2) && !strchr(argv[i], '=') && takes_value(argv[i])) i++;
    }
    return 0;
}

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

/* A size in bytes, with an optional K, M, G or T (powers of 1024). */
static int parse_size(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || errno || !(v > 0)) return -1;
    double mult = 1;
    switch (*end) {
    case 'K': case 'k': mult = 1024.0; end++; break;
    case 'M': case 'm': mult = 1024.0 * 1024; end++; break;
    case 'G': case 'g': mult = 1024.0 * 1024 * 1024; end++; break;
    case 'T': case 't': mult = 1024.0 * 1024 * 1024 * 1024; end++; break;
    default: break;
    }
    if (*end == 'B' || *end == 'b') end++;
    if (*end || v * mult > 1.8e19) return -1;
    *out = (uint64_t)(v * mult);
    return 0;
}

/* Returns 0, or an exit status for a usage error. */
static int parse_args(cli *c, int argc, char **argv)
{
    memset(c, 0, sizeof *c);
    c->command = argv[1];
    c->qaly_value = -1;
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
        if (takes_value(name) && !val) {
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
        } else if (!strcmp(name, "--max-memory")) {
            if (parse_size(val, &c->max_memory))
                return usage_error("option '--max-memory' needs a size such as 8G, 512M or a number of bytes, got '%s'",
                                   val);
        } else if (!strcmp(name, "--threads")) {
            if (parse_int(val, 0, 4096, &v)) return usage_error("option '--threads' needs a whole number from 0 to 4096%s", "");
            c->threads = (int)v;
        } else if (!strcmp(name, "--set")) {
            if (c->nsets >= MAX_SETS) return usage_error("too many --set options%s", "");
            if (!strchr(val, '=')) return usage_error("--set needs PATH=VALUE, got '%s'", val);
            c->sets[c->nsets++] = val;
        } else if (!strcmp(name, "--vary")) {
            if (c->nvary >= MAX_SETS) return usage_error("too many --vary options%s", "");
            if (!strchr(val, '=')) return usage_error("--vary needs PATH=V1,V2,..., got '%s'", val);
            c->vary[c->nvary++] = val;
        } else if (!strcmp(name, "--qaly-value")) {
            if (parse_int(val, 0, 100000000, &v)) return usage_error("option '--qaly-value' needs whole pounds, got '%s'", val);
            c->qaly_value = (double)v;
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

/* ------------------------------------------------------------ commands */

/* A scenario's short name: its file name without extension, or, for the
 * scenario.resolved.json of an output folder, that folder's name. */
static void stem(const char *path, char *buf, size_t size)
{
    const char *base = strrchr(path, '/');
    if (base && !strcmp(base + 1, "scenario.resolved.json") && base > path) {
        const char *dir = base;
        while (dir > path && dir[-1] != '/') dir--;
        snprintf(buf, size, "%.*s", (int)(base - dir), dir);
        return;
    }
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    size_t n = dot && dot != base ? (size_t)(dot - base) : strlen(base);
    snprintf(buf, size, "%.*s", (int)n, base);
}

/* An error before the run: each process says its own, process 0 plainly,
 * others with their number (a file one node cannot read). */
static void say_local(const cli *c, const char *msg)
{
    if (!msg[0]) return;
    if (c->rank == 0) fprintf(stderr, "placesim: %s\n", msg);
    else fprintf(stderr, "placesim (process %d): %s\n", c->rank, msg);
}

/* Every process learns whether any failed its checks before the run, so
 * none starts a run the others have abandoned. */
static int agree(const cli *c, int rc)
{
    int all = ps_processes_agree(rc);
    if (all && !rc && c->rank == 0) fprintf(stderr, "placesim: another process stopped before the run (see above)\n");
    return all;
}

/* An error of the run itself: every process has the same one. */
static void say(const cli *c, const char *msg)
{
    if (c->rank == 0) fprintf(stderr, "placesim: %s\n", msg);
}

static void human_bytes(char *buf, size_t size, uint64_t b)
{
    if (b >= (uint64_t)1 << 30) snprintf(buf, size, "%.1f GB", (double)b / (1u << 30));
    else snprintf(buf, size, "%.0f MB", (double)b / (1u << 20));
}

/* Refuses, before anything runs, a scenario whose run would need more
 * memory than --max-memory (default 90% of the machine's): failing at
 * the start with the figure beats swapping for hours or being killed. */
static int memory_check(const cli *c, const char *file, const ps_scenario *sc, ps_error *err)
{
    uint64_t limit = c->max_memory;
    if (!limit) {
        long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
        if (pages <= 0 || page <= 0) return 0;
        limit = (uint64_t)((double)pages * (double)page * 0.9);
    }
    uint64_t need = ps_scenario_memory_needed(sc, c->threads);
    if (need <= limit) return 0;
    char n[32], l[32];
    human_bytes(n, sizeof n, need);
    human_bytes(l, sizeof l, limit);
    snprintf(err->message, sizeof err->message,
             "%s: this run needs about %s (its people, one replicate at a time on each thread, and every "
             "replicate's weekly figures), more than the %s allowed%s; use fewer --threads or replicates, a "
             "smaller population.scale, more processes on more machines (mpirun), or --max-memory to allow more",
             file, n, l, c->max_memory ? " by --max-memory" : " (90% of this machine's memory)");
    err->status = PS_ERR_LIMIT;
    return 1;
}

/* Run options from the command line, with a progress bar labelled label
 * on a terminal. */
static void run_setup(const cli *c, const char *label, ps_run_options *opt, cli_bar *b)
{
    ps_run_options_init(opt);
    opt->threads = c->threads;
    cli_bar_init(b, label);
    if (!c->quiet && isatty(STDERR_FILENO)) {
        opt->progress = cli_bar_draw;
        opt->progress_userdata = b;
    }
}

/* Runs one scenario with a progress bar labelled "name (i+1/n)" when
 * there are several. */
static ps_status run_one(const cli *c, const ps_scenario *sc, const char *name, int i, int n, ps_results **res,
                         double *secs, ps_error *err)
{
    ps_run_options opt;
    char label[160];
    snprintf(label, sizeof label, "%s (%d/%d)", name, i + 1, n);
    cli_bar b;
    run_setup(c, n > 1 ? label : NULL, &opt, &b);
    double t0 = cli_now();
    ps_status st = ps_run(sc, &opt, res, err);
    *secs = cli_now() - t0;
    cli_bar_clear(&b);
    return st;
}

/* One scenario: the folder is --out, or out/<stem>. Several: each goes to
 * <--out or out>/<stem>. All scenarios are loaded and every folder checked
 * before anything runs, so bad input writes nothing. */
static int cmd_run(cli *c)
{
    if (c->nfiles < 1) return usage_error("run needs a scenario file%s", "");
    int n = c->nfiles, rc = 0;
    ps_scenario *sc[MAX_SETS] = { 0 };
    ps_results *res[MAX_SETS] = { 0 };
    char names[MAX_SETS][128], outs[MAX_SETS][4096];
    ps_error err;
    for (int i = 0; i < n && !rc; i++) {
        stem(c->files[i], names[i], sizeof names[i]);
        if (n == 1 && c->out) snprintf(outs[i], sizeof outs[i], "%s", c->out);
        else snprintf(outs[i], sizeof outs[i], "%s/%s", c->out ? c->out : "out", names[i]);
        for (int j = 0; j < i; j++)
            if (!strcmp(outs[i], outs[j])) {
                fprintf(stderr, "placesim: %s and %s would both write %s\n", c->files[j], c->files[i], outs[i]);
                rc = 1;
            }
        err.message[0] = '\0';
        if (!rc && ps_scenario_load(c->files[i], c->sets, (size_t)c->nsets, &sc[i], &err)) rc = 1;
        if (!rc && memory_check(c, c->files[i], sc[i], &err)) rc = 1;
        if (!rc && c->rank == 0 &&
            (output_check_inputs(outs[i], c->files, (size_t)n, &err) || ps_output_check(outs[i], c->force, &err)))
            rc = 1;
        if (rc) say_local(c, err.message);
    }
    rc = agree(c, rc);
    /* Every scenario runs before any folder is written, so a failure in a
     * later one leaves no earlier folder behind (a run's results are its
     * weekly figures, small beside its people). */
    double secs[MAX_SETS] = { 0 };
    for (int i = 0; i < n && !rc; i++) {
        if (run_one(c, sc[i], names[i], i, n, &res[i], &secs[i], &err)) {
            say(c, err.message);
            rc = 1;
        }
    }
    for (int i = 0; i < n && !rc; i++) {
        ps_status st = PS_OK;
        if (c->rank == 0) {
            ps_write_options wo = { c->force, c->nb_per_rep, 0, 0 }; /* time and threads as the run measured */
            st = ps_results_write(res[i], outs[i], &wo, &err);
        }
        if (st) {
            say(c, err.message);
            rc = 1;
        } else if (!c->quiet && n == 1) {
            cli_print_table(sc[i], res[i], outs[i], secs[i]);
        } else if (!c->quiet) {
            printf("%-24s %s (%.1f s) -> %s/\n", names[i], ps_scenario_name(sc[i]), secs[i], outs[i]);
        }
    }
    if (!rc && !c->quiet && n > 1) {
        const char *nm[MAX_SETS];
        for (int i = 0; i < n; i++) nm[i] = names[i];
        printf("\n");
        cli_print_side_by_side(nm, (const ps_scenario *const *)sc, (const ps_results *const *)res, n);
    }
    for (int i = 0; i < n; i++) {
        ps_results_free(res[i]);
        ps_scenario_free(sc[i]);
    }
    return rc;
}

/* Loads a scenario to be paired with the baseline: it runs with the
 * baseline's seed, replicates, weeks and burn-in (unless the command line
 * set them for all), so replicate k of each sees the same luck. */
static ps_status load_paired(const cli *c, const char *file, const ps_scenario *base, ps_scenario **out,
                             ps_error *err)
{
    ps_status st = ps_scenario_load(file, c->sets, (size_t)c->nsets, out, err);
    if (st) return st;
    static const char *const what[4] = { "seed", "replicates", "weeks", "burn_in_weeks" };
    long long mine[4] = { (long long)ps_scenario_seed(*out), ps_scenario_replicates(*out), ps_scenario_weeks(*out),
                          ps_scenario_burn_in_weeks(*out) };
    long long theirs[4] = { (long long)ps_scenario_seed(base), ps_scenario_replicates(base), ps_scenario_weeks(base),
                            ps_scenario_burn_in_weeks(base) };
    const char *sets[MAX_SETS + 4];
    char own[4][64];
    size_t n = 0;
    for (int i = 0; i < c->nsets; i++) sets[n++] = c->sets[i];
    int differs = 0;
    for (int k = 0; k < 4; k++) {
        snprintf(own[k], sizeof own[k], "%s=%lld", what[k], theirs[k]);
        sets[n++] = own[k];
        if (mine[k] != theirs[k]) {
            differs = 1;
            if (!c->quiet)
                fprintf(stderr, "placesim: note: %s runs with the baseline's %s %lld (its own is %lld) so that "
                                "replicates pair\n", file, what[k], theirs[k], mine[k]);
        }
    }
    if (!differs) return PS_OK;
    ps_scenario_free(*out);
    return ps_scenario_load(file, sets, n, out, err);
}

/* Runs the baseline and each other scenario under common random numbers,
 * pairs them replicate by replicate, and writes one folder holding a
 * folder per scenario, comparison.csv, comparison.json and report.html. */
static int cmd_compare(cli *c)
{
    if (c->nfiles < 2) return usage_error("compare needs a baseline and at least one other scenario%s", "");
    int n = c->nfiles, rc = 0;
    ps_scenario *sc[MAX_SETS] = { 0 };
    ps_results *res[MAX_SETS] = { 0 };
    char names[MAX_SETS][128], out[4096];
    ps_error err;
    err.message[0] = '\0';
    for (int i = 0; i < n; i++) stem(c->files[i], names[i], sizeof names[i]);
    if (c->out) snprintf(out, sizeof out, "%s", c->out);
    else snprintf(out, sizeof out, "out/compare_%s", names[0]);
    for (int i = 0; i < n && !rc; i++)
        for (int j = 0; j < i && !rc; j++)
            if (!strcmp(names[i], names[j])) {
                fprintf(stderr, "placesim: %s and %s would both be called %s; rename one\n", c->files[j],
                        c->files[i], names[i]);
                rc = 1;
            }
    if (!rc && ps_scenario_load(c->files[0], c->sets, (size_t)c->nsets, &sc[0], &err)) rc = 1;
    for (int i = 1; i < n && !rc; i++)
        if (load_paired(c, c->files[i], sc[0], &sc[i], &err) || ps_scenarios_pairable(sc[0], sc[i], &err)) rc = 1;
    for (int i = 0; i < n && !rc; i++)
        if (memory_check(c, c->files[i], sc[i], &err)) rc = 1;
    if (!rc && c->rank == 0 &&
        (output_check_inputs(out, c->files, (size_t)n, &err) || ps_output_check(out, c->force, &err)))
        rc = 1;
    if (rc) say_local(c, err.message);
    rc = agree(c, rc);
    if (!rc) {
        /* one ensemble, so MPI processes share the replicates of every scenario */
        ps_run_options opt;
        char label[160];
        snprintf(label, sizeof label, "%d scenarios", n);
        cli_bar b;
        run_setup(c, label, &opt, &b);
        double t0 = cli_now();
        ps_status st = ps_run_many((const ps_scenario *const *)sc, (size_t)n, &opt, res, &err);
        cli_bar_clear(&b);
        if (st) {
            say(c, err.message);
            rc = 1;
        } else if (!c->quiet) {
            for (int i = 0; i < n; i++) printf("%-24s %s\n", names[i], ps_scenario_name(sc[i]));
            printf("%d scenarios, %d replicates each, in %.1f s\n", n, ps_results_replicates(res[0]), cli_now() - t0);
        }
    }
    ps_comparison *cmp = NULL;
    if (!rc) {
        ps_compare_options co;
        ps_compare_options_init(&co);
        if (c->qaly_value >= 0) co.qaly_value = c->qaly_value;
        ps_write_options wo = { c->force, c->nb_per_rep, 0, 0 };
        const char *nm[MAX_SETS];
        for (int i = 0; i < n; i++) nm[i] = names[i];
        if (ps_compare(res[0], (const ps_results *const *)res + 1, (size_t)n - 1, &co, &cmp, &err) ||
            (c->rank == 0 && ps_comparison_write(cmp, out, nm, &wo, &err))) {
            say(c, err.message);
            rc = 1;
        } else if (!c->quiet) {
            printf("\n");
            cli_print_side_by_side(nm, (const ps_scenario *const *)sc, (const ps_results *const *)res, n);
            printf("\n");
            cli_print_differences(nm, cmp, n, ps_results_weeks(res[0]));
            printf("\nOutputs in %s/: report.html, comparison.csv, comparison.json and a folder per scenario\n", out);
        }
    }
    ps_comparison_free(cmp);
    for (int i = 0; i < n; i++) {
        ps_results_free(res[i]);
        ps_scenario_free(sc[i]);
    }
    return rc;
}

/* Every combination of the --vary values, run under common random
 * numbers; one folder holding a folder per point, sweep.csv and
 * report.html. */
static int cmd_sweep(cli *c)
{
    if (c->nfiles != 1) return usage_error("sweep needs one scenario file%s", "");
    if (c->nvary < 1) return usage_error("sweep needs at least one --vary PATH=V1,V2,...%s", "");
    char name[128], out[4096];
    stem(c->files[0], name, sizeof name);
    if (c->out) snprintf(out, sizeof out, "%s", c->out);
    else snprintf(out, sizeof out, "out/sweep_%s", name);
    ps_error err;
    ps_sweep *sw = NULL;
    ps_status st = ps_sweep_load(c->files[0], c->sets, (size_t)c->nsets, c->vary, (size_t)c->nvary, &sw, &err);
    if (st == PS_ERR_ARG) {
        if (c->rank == 0) fprintf(stderr, "placesim: %s\nrun 'placesim help sweep' for usage\n", err.message);
        ps_sweep_free(sw);
        return agree(c, 2);
    }
    for (size_t k = 0; !st && k < ps_sweep_point_count(sw); k++)
        if (memory_check(c, c->files[0], ps_sweep_point_scenario(sw, k), &err)) st = PS_ERR_LIMIT;
    if (!st && c->rank == 0) st = output_check_inputs(out, c->files, 1, &err);
    if (!st && c->rank == 0) st = ps_output_check(out, c->force, &err);
    if (st) say_local(c, err.message);
    if (agree(c, st ? 1 : 0)) {
        ps_sweep_free(sw);
        return 1;
    }
    size_t n = ps_sweep_point_count(sw);
    if (!c->quiet) printf("%s: %zu points\n", c->files[0], n);
    ps_run_options opt;
    char label[160];
    snprintf(label, sizeof label, "sweep of %zu points", n);
    cli_bar b;
    run_setup(c, label, &opt, &b);
    double t0 = cli_now();
    ps_write_options wo = { c->force, c->nb_per_rep, 0, 0 };
    st = ps_sweep_run(sw, &opt, out, &wo, &err);
    cli_bar_clear(&b);
    if (st) {
        say(c, err.message);
        ps_sweep_free(sw);
        return 1;
    }
    if (!c->quiet) {
        cli_print_sweep(sw);
        printf("\n%zu points in %.1f s. Outputs in %s/: report.html, sweep.csv and a folder per point\n", n,
               cli_now() - t0, out);
    }
    ps_sweep_free(sw);
    return 0;
}

/* Is the file a place file: an object with "neighbourhoods" and no
 * "place" (the test the scenario loader uses to refuse one)? A file that
 * does not parse is not: the scenario loader reports why. */
static int is_place_file(const char *path)
{
    ps_error err;
    cJSON *tree = NULL;
    if (json_load_file(path, &tree, &err)) return 0;
    int place = cJSON_IsObject(tree) && cJSON_GetObjectItemCaseSensitive(tree, "neighbourhoods") &&
                !cJSON_GetObjectItemCaseSensitive(tree, "place");
    cJSON_Delete(tree);
    return place;
}

/* Validates a place file as a scenario of default settings naming it in
 * "place" would (the same schema, defaults and checks, so the same
 * messages: FILE: place.PATH: ...), and says what the place holds. The
 * library loads places only as part of a scenario, hence the schema
 * calls here rather than a public ps_ function. Returns 0 if it is ok. */
static int check_place(const cli *c, const char *path)
{
    ps_error err;
    err.message[0] = '\0';
    cJSON *tree = NULL, *root = NULL;
    json_origins *origins = json_origins_new();
    ps_status st = origins ? json_load_file(path, &tree, &err) : PS_ERR_NOMEM;
    if (!st && (json_origins_add(origins, tree, path) || !(root = cJSON_CreateObject()))) st = PS_ERR_NOMEM;
    if (!st) {
        cJSON_AddItemToObject(root, "place", tree);
        tree = NULL;
        st = schema_validate(keys_scenario(), root, 1, "", origins, path, &err);
    }
    if (!st) st = schema_fill_defaults(keys_scenario(), root, root, origins, &err);
    if (!st) st = schema_validate(keys_scenario(), root, 0, "", origins, path, &err);
    long households = 0;
    int n = 0;
    const cJSON *place = root ? cJSON_GetObjectItemCaseSensitive(root, "place") : NULL;
    if (!st) {
        /* the checks of a place the scenario loader makes after the schema's */
        const cJSON *list = cJSON_GetObjectItemCaseSensitive(place, "neighbourhoods");
        for (const cJSON *nb = list ? list->child : NULL; nb; nb = nb->next, n++) {
            const cJSON *h = cJSON_GetObjectItemCaseSensitive(nb, "households");
            if (cJSON_IsNumber(h)) households += (long)h->valuedouble;
        }
        const char *want = n == 0 ? "at least one neighbourhood" : n > 65535 ? "at most 65535 neighbourhoods"
                         : households == 0 ? "at least one household" : NULL;
        if (want) {
            snprintf(err.message, sizeof err.message, "%s: place.neighbourhoods: expected %s", path, want);
            st = PS_ERR_INVALID;
        }
    }
    if (st == PS_ERR_NOMEM && !err.message[0]) snprintf(err.message, sizeof err.message, "out of memory");
    if (st) fprintf(stderr, "placesim: %s\n", err.message);
    else if (!c->quiet)
        printf("%s: ok (a place file: %s; %d neighbourhoods, %ld households)\n", path,
               cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(place, "name")), n, households);
    cJSON_Delete(tree);
    cJSON_Delete(root);
    json_origins_free(origins);
    return st ? 1 : 0;
}

static int cmd_check(cli *c)
{
    if (c->nfiles < 1) return usage_error("check needs at least one scenario file%s", "");
    int bad = 0;
    for (int i = 0; i < c->nfiles; i++) {
        ps_error err;
        ps_scenario *sc = NULL;
        if (is_place_file(c->files[i])) {
            bad |= check_place(c, c->files[i]);
            continue;
        }
        if (ps_scenario_load(c->files[i], c->sets, (size_t)c->nsets, &sc, &err)) {
            fprintf(stderr, "placesim: %s\n", err.message);
            bad = 1;
            continue;
        }
        if (!c->quiet)
            printf("%s: ok (%s; planned budget GBP %.0f a week)\n", c->files[i], ps_scenario_name(sc),
                   ps_scenario_planned_budget(sc));
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
    if (!topic || !strcmp(topic, "--help") || !strcmp(topic, "-h")) fputs(usage_text, stdout);
    else if (!strcmp(topic, "run")) fputs(help_run, stdout);
    else if (!strcmp(topic, "check")) fputs(help_check, stdout);
    else if (!strcmp(topic, "compare")) fputs(help_compare, stdout);
    else if (!strcmp(topic, "sweep")) fputs(help_sweep, stdout);
    else if (!strcmp(topic, "keys")) fputs(help_keys, stdout);
    else return usage_error("no help on '%s'", topic);
    return 0;
}

int main(int argc, char **argv)
{
#ifdef __GLIBC__
    /* Scripts' selections are blocks of up to a few megabytes, made and
     * dropped every week. glibc hands a block that size back to the system
     * when it is freed, and the next week's faults its pages in again
     * (a twentieth of what the scripts cost, in the kernel): keep freed memory
     * in the heap instead, for the run. */
    mallopt(M_MMAP_THRESHOLD, 64 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
#endif
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
    if (wants_help(argc, argv)) return cmd_help(argv[1]);
    cli c;
    int rc = parse_args(&c, argc, argv);
    if (rc) return rc;
    if (!strcmp(c.command, "check")) return cmd_check(&c);
    if (!strcmp(c.command, "keys")) return cmd_keys();
    int (*cmd)(cli *) = !strcmp(c.command, "run") ? cmd_run : !strcmp(c.command, "compare") ? cmd_compare
                      : !strcmp(c.command, "sweep") ? cmd_sweep : NULL;
    if (!cmd) return usage_error("unknown command '%s'", c.command);
#ifdef PS_MPI
    /* Only the main thread calls MPI (after the workers have joined). */
    int provided = 0;
    if (MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
        fprintf(stderr, "placesim: MPI could not start\n");
        return 1;
    }
#endif
    c.rank = ps_process_rank();
    if (c.rank != 0) c.quiet = 1; /* process 0 prints */
    rc = cmd(&c);
#ifdef PS_MPI
    MPI_Finalize();
#endif
    return rc;
}

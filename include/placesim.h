/*
 * placesim: a scriptable policy simulation engine for places.
 *
 * This is the one public header of libplacesim. The placesim program is a
 * thin command line over it; anything the command line does, an embedding
 * program can do through these functions.
 *
 * Conventions
 *   - Every name is prefixed ps_ (types, functions) or PS_ (constants).
 *   - Functions that can fail return a ps_status and, when given a non-NULL
 *     ps_error, fill it with a one-line message naming the file, the JSON
 *     path or script line, and what was expected.
 *   - Ownership is stated at each declaration. Objects returned through an
 *     out parameter belong to the caller, who releases them with the
 *     matching _free function. Strings returned as char * are released with
 *     ps_free; strings returned as const char * belong to the object they
 *     came from and live as long as it does.
 *   - The library keeps no global mutable state and prints nothing. Distinct
 *     objects may be used from distinct threads; one object is not to be
 *     used from two threads at once.
 */
#ifndef PLACESIM_H
#define PLACESIM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PS_VERSION_MAJOR 0
#define PS_VERSION_MINOR 1
#define PS_VERSION_PATCH 0
#define PS_VERSION "0.1.0"

/* Returns the library's version string, e.g. "0.1.0". Static storage. */
const char *ps_version(void);

/* ------------------------------------------------------------------ */
/* Errors                                                              */
/* ------------------------------------------------------------------ */

typedef enum ps_status {
    PS_OK = 0,
    PS_ERR_NOMEM,    /* an allocation failed */
    PS_ERR_IO,       /* a file or folder could not be read or written */
    PS_ERR_PARSE,    /* a file is not well-formed JSON or CSV */
    PS_ERR_INVALID,  /* a value in a scenario or population is not allowed */
    PS_ERR_SCRIPT,   /* an intervention script failed or broke a budget */
    PS_ERR_EXISTS,   /* the output folder exists and replacing it was not asked for */
    PS_ERR_ARG,      /* a caller passed an argument the function does not accept */
    PS_ERR_LIMIT,    /* a run would need more memory than it is allowed */
    PS_ERR_CANCELLED /* the caller's progress callback asked to stop */
} ps_status;

/* A short description of a status code. Static storage; never NULL. */
const char *ps_strerror(ps_status status);

#define PS_ERROR_MAX 1024

/* A message buffer filled by a failing call. status repeats the returned code. */
typedef struct ps_error {
    ps_status status;
    char message[PS_ERROR_MAX];
} ps_error;

/* Releases memory handed to the caller as char * (for example by
 * ps_scenario_resolved_json). NULL is ignored. */
void ps_free(void *p);

/* ------------------------------------------------------------------ */
/* Scenarios                                                           */
/* ------------------------------------------------------------------ */

/* A loaded, merged and validated scenario: immutable once loaded. */
typedef struct ps_scenario ps_scenario;

/*
 * Loads the scenario file at path, follows its "extends" chain, resolves a
 * "place" given as a file, applies the overrides in sets (each "PATH=VALUE",
 * PATH as in error messages, e.g. "services.crisis_team.capacity=80"; nsets
 * may be 0), fills every default and validates everything, including any
 * imported population files.
 *
 * On success *out owns a new scenario; free it with ps_scenario_free. On
 * failure *out is NULL and err (if not NULL) names the file, the JSON path
 * and what was expected.
 */
ps_status ps_scenario_load(const char *path, const char *const *sets, size_t nsets,
                           ps_scenario **out, ps_error *err);

/* Releases a scenario. NULL is ignored. */
void ps_scenario_free(ps_scenario *scenario);

/* The scenario's name, and the path it was loaded from. Owned by the scenario. */
const char *ps_scenario_name(const ps_scenario *scenario);
const char *ps_scenario_path(const ps_scenario *scenario);

/* The resolved scenario (after extends, --set and defaults) as indented
 * JSON: loading it reproduces the run exactly. Caller frees with ps_free.
 * Returns NULL only when out of memory. */
char *ps_scenario_resolved_json(const ps_scenario *scenario);

/* Main settings of a resolved scenario. */
uint64_t ps_scenario_seed(const ps_scenario *scenario);
int ps_scenario_weeks(const ps_scenario *scenario);
int ps_scenario_replicates(const ps_scenario *scenario);
int ps_scenario_burn_in_weeks(const ps_scenario *scenario);

/* The planned weekly budget in GBP: every service's fixed weekly cost plus
 * its capacity at its weekly cost, plus community assets, after
 * population.scale. What the place commits to; realised costs then follow
 * demand. */
double ps_scenario_planned_budget(const ps_scenario *scenario);

/*
 * Writes the reference of every scenario key (path, type, default, unit,
 * range, description and source) as Markdown into a new string. This is the
 * text of the key tables in docs/scenarios.md. Caller frees with ps_free.
 */
char *ps_scenario_reference_markdown(void);

/* ------------------------------------------------------------------ */
/* Runs                                                                */
/* ------------------------------------------------------------------ */

/* Called from the running thread as replicates advance; done and total
 * count simulated weeks (burn-in included) over all replicates. Return
 * non-zero to cancel the run (ps_run then returns PS_ERR_CANCELLED). The
 * callback is never called concurrently with itself. */
typedef int (*ps_progress_fn)(void *userdata, uint64_t done, uint64_t total);

typedef struct ps_run_options {
    /* Worker threads; 0 = all cores. Replicates run on them; with fewer
     * replicates (of this process) than threads, each replicate splits
     * its weekly passes over threads / replicates of them. */
    int threads;
    ps_progress_fn progress;  /* may be NULL */
    void *progress_userdata;
} ps_run_options;

/* Fills options with defaults: all cores, no progress callback. */
void ps_run_options_init(ps_run_options *options);

/* The results of a run: every replicate's series and the summaries. */
typedef struct ps_results ps_results;

/*
 * Runs every replicate of scenario. Results depend only on the scenario
 * (seed included), never on the thread count. On success *out owns new
 * results; free them with ps_results_free. The scenario must outlive the
 * results.
 */
ps_status ps_run(const ps_scenario *scenario, const ps_run_options *options,
                 ps_results **out, ps_error *err);

/*
 * Runs several scenarios as one ensemble: out[i] gets scenario i's results,
 * exactly as ps_run would give them. In a placesim built with MPI (make
 * MPI=1) whose program has initialised MPI, the replicates of all the
 * scenarios (scenario 0's first, in order) are dealt to the processes of
 * MPI_COMM_WORLD in turn, each runs its own on its threads, and every
 * process then receives every record: every process ends with the same
 * results, byte for byte, as one process would. Every process must make
 * the same calls. On failure every out[i] is NULL and every process
 * returns the same error.
 */
ps_status ps_run_many(const ps_scenario *const *scenarios, size_t n, const ps_run_options *options,
                      ps_results **out, ps_error *err);

/*
 * Bytes a run of scenario on threads worker threads (0 = all cores) is
 * expected to need at its peak: the population, a replicate's state for
 * each thread at work and every replicate's weekly record. An upper
 * estimate, from the place's households before any person is made, so a
 * caller can refuse a run that would not fit before it starts.
 */
uint64_t ps_scenario_memory_needed(const ps_scenario *scenario, int threads);

/* This process's rank in an MPI job (0 without MPI), and the number of
 * processes (1 without MPI). Only process 0 should write files. */
int ps_process_rank(void);
int ps_process_count(void);

/* The largest of every process's status: lets a check that failed in one
 * process (an output folder, a file it cannot read) stop them all before
 * a run. Every process must call it. Without MPI, returns status. */
int ps_processes_agree(int status);

/* Releases results. NULL is ignored. */
void ps_results_free(ps_results *results);

/*
 * Writes the output folder (timeseries.csv, neighbourhoods.csv,
 * summary.json, scenario.resolved.json): everything goes into a temporary
 * folder beside dir that is renamed into place, so a failure never leaves a
 * half-written result. If dir exists it is kept and PS_ERR_EXISTS returned,
 * unless force is non-zero, in which case it is replaced if placesim wrote
 * it (only placesim's output files and run folders, not a link, not holding
 * the scenario); otherwise PS_ERR_EXISTS names the first other entry. Parent folders
 * are created as needed. wall_seconds and threads go into the provenance.
 */
typedef struct ps_write_options {
    int force;                     /* replace an existing folder */
    int neighbourhoods_per_replicate; /* one row per replicate in neighbourhoods.csv */
    double wall_seconds;           /* recorded in provenance; 0: as ps_run measured it */
    int threads;                   /* recorded in provenance; 0: as ps_run used */
} ps_write_options;
ps_status ps_results_write(const ps_results *results, const char *dir,
                           const ps_write_options *options, ps_error *err);

/* Returns PS_OK if dir does not exist, or if force is non-zero and dir is a
 * folder placesim wrote; otherwise PS_ERR_EXISTS with a message (it exists,
 * or, with force, the first entry placesim did not write). Lets a caller
 * fail before a long run. */
ps_status ps_output_check(const char *dir, int force, ps_error *err);

/* One outcome summarised over replicates. */
typedef struct ps_summary {
    const char *name;   /* e.g. "safety_one.crisis_episodes_per_1000_adults_per_year" */
    const char *unit;
    double mean, sd, ci_low, ci_high; /* 95% interval of the mean (Student t) */
    int n;              /* replicates */
} ps_summary;

/* Number of summarised outcomes, and the i-th one (0-based). The strings in
 * a ps_summary are owned by results. Returns PS_ERR_ARG if i is out of range. */
size_t ps_results_outcome_count(const ps_results *results);
ps_status ps_results_outcome(const ps_results *results, size_t i, ps_summary *out);

/* Looks an outcome up by name; PS_ERR_ARG if there is none of that name. */
ps_status ps_results_find(const ps_results *results, const char *name, ps_summary *out);

/* Shape of the time series: replicates, reported weeks and columns. */
int ps_results_replicates(const ps_results *results);
int ps_results_weeks(const ps_results *results);
size_t ps_results_column_count(const ps_results *results);
/* Name of column i of timeseries.csv after replicate and week; owned by results. */
const char *ps_results_column_name(const ps_results *results, size_t i);
/* Value of a column for one replicate and reported week; NaN when out of range. */
double ps_results_value(const ps_results *results, int replicate, int week, size_t column);

/* ------------------------------------------------------------------ */
/* Comparisons                                                         */
/* ------------------------------------------------------------------ */

/* Several scenarios' results paired, replicate by replicate, against a
 * baseline's. Under common random numbers (the same place, seed and
 * replicates) replicate k of each scenario saw the same households and the
 * same luck, so the difference of replicate k measures the policy, and
 * the spread of the differences is far smaller than that of either run. */
typedef struct ps_comparison ps_comparison;

typedef struct ps_compare_options {
    double qaly_value;    /* GBP per QALY for net monetary benefit (default 20,000: NICE) */
    int bootstrap;        /* resamples for the intervals of ratios (default 2,000) */
} ps_compare_options;
void ps_compare_options_init(ps_compare_options *options);

/*
 * Pairs each of others[0..n-1] against baseline. Every result must come
 * from the same seed, replicates, weeks and burn-in, and the same
 * households and people, or PS_ERR_INVALID names the scenario and what
 * differs (see ps_scenarios_pairable). The
 * results (and their scenarios) must outlive the comparison. On success
 * *out owns a new comparison; free it with ps_comparison_free. options may
 * be NULL for the defaults.
 */
/* Checks, before anything runs, that other can be paired with baseline:
 * the same seed, replicates, weeks and burn-in, and the same households and
 * people (both populations are synthesised, or read, to see). Scenarios may
 * differ in anything else, community assets included. PS_ERR_INVALID
 * names what differs. */
ps_status ps_scenarios_pairable(const ps_scenario *baseline, const ps_scenario *other, ps_error *err);

ps_status ps_compare(const ps_results *baseline, const ps_results *const *others, size_t n,
                     const ps_compare_options *options, ps_comparison **out, ps_error *err);
void ps_comparison_free(ps_comparison *comparison);

/* One paired difference, scenario minus baseline, over replicates. */
typedef struct ps_difference {
    const char *outcome;      /* as in summary.json, e.g. "safety_one.crisis_episodes"; or
                                 "derived.crises_averted" and the like */
    const char *unit;
    double baseline_mean, scenario_mean; /* NaN for derived outcomes */
    double mean, sd, ci_low, ci_high;    /* of the differences; 95% interval (Student t) */
    double relative_change;   /* mean / baseline_mean; NaN when that is 0 or absent */
    int n;                    /* replicates where both values exist */
    int separated;            /* the 95% interval excludes 0 */
    double replicates_needed; /* when not separated: replicates for an 80% chance that the
                                 interval excludes 0 if the true difference is mean; NaN
                                 when mean is 0 or separated */
    int ratio;                /* a ratio of mean differences (cost per crisis averted...):
                                 interval by paired bootstrap; sd, separated and
                                 replicates_needed do not apply */
    const char *note;         /* for a ratio that is no price, why: "crises averted not yet
                                 clear", "averts no crises" (and the QALY forms of both;
                                 mean and interval then NaN), or "saves money as well"
                                 (mean kept); else NULL */
} ps_difference;

/* Number of differences for others[scenario]; 0 if scenario is out of range. */
size_t ps_comparison_count(const ps_comparison *c, size_t scenario);
/* The i-th difference of others[scenario]; strings are owned by c.
 * PS_ERR_ARG if either index is out of range. */
ps_status ps_comparison_get(const ps_comparison *c, size_t scenario, size_t i, ps_difference *out);
/* Looks a difference up by outcome name; PS_ERR_ARG if there is none. */
ps_status ps_comparison_find(const ps_comparison *c, size_t scenario, const char *outcome,
                             ps_difference *out);

/*
 * Writes a comparison's output folder, all or nothing like ps_results_write
 * (options as there; may be NULL): one run folder per scenario, named by
 * labels (baseline first; NULL for the scenario file names), and
 * comparison.csv, comparison.json and report.html.
 */
ps_status ps_comparison_write(const ps_comparison *c, const char *dir, const char *const *labels,
                              const ps_write_options *options, ps_error *err);

/* ------------------------------------------------------------------ */
/* Sweeps                                                              */
/* ------------------------------------------------------------------ */

/* A grid of variants of one scenario: every combination of the values of
 * each varied key. Every point runs with the same seed and replicates on
 * the same households, so points are paired like a comparison's
 * scenarios (against the first point). */
typedef struct ps_sweep ps_sweep;

/*
 * Loads the scenario at path once per point of the grid: sets (as for
 * ps_scenario_load) apply to every point, then one "PATH=VALUE" per axis.
 * vary[i] is "PATH=V1,V2,..." (values as --set takes them, no commas
 * inside a value). The first axis varies slowest. Every point is loaded,
 * validated and checked to pair with the first before anything runs;
 * varying a key that changes the households (population.*) is refused.
 * On success *out owns a new sweep; free it with ps_sweep_free.
 */
ps_status ps_sweep_load(const char *path, const char *const *sets, size_t nsets, const char *const *vary,
                        size_t nvary, ps_sweep **out, ps_error *err);
void ps_sweep_free(ps_sweep *sweep);

size_t ps_sweep_point_count(const ps_sweep *sweep);
/* "crisis_team.capacity=40, uptake=0.01": the point's values, each key
 * named by its axis label; owned by sweep. */
const char *ps_sweep_point_label(const ps_sweep *sweep, size_t point);
/* The number of varied keys (axes), in the order of --vary. */
int ps_sweep_axis_count(const ps_sweep *sweep);
/* Axis a's label: the shortest end of its path that no other axis ends
 * with ("capacity", or "crisis_team.capacity" beside "gp.capacity");
 * owned by sweep; NULL if a is out of range. */
const char *ps_sweep_axis_label(const ps_sweep *sweep, int axis);
/* The value of axis a at point, as given to --vary; owned by sweep; NULL
 * if either is out of range. */
const char *ps_sweep_point_value(const ps_sweep *sweep, size_t point, int axis);
/* The scenario of point (owned by the sweep), or NULL if out of range. */
const ps_scenario *ps_sweep_point_scenario(const ps_sweep *sweep, size_t point);

/*
 * Runs every point in order and writes dir all or nothing (options as
 * ps_results_write; may be NULL): a run folder per point (point-01, ...),
 * sweep.csv (one row per point and outcome, with the paired difference
 * from the first point) and report.html. run may be NULL; its progress
 * callback, if any, counts weeks over the whole grid. Only each point's
 * outcomes are kept in memory once its folder is written.
 */
ps_status ps_sweep_run(ps_sweep *sweep, const ps_run_options *run, const char *dir,
                       const ps_write_options *options, ps_error *err);

/* After ps_sweep_run: the outcome called name at point (mean and interval
 * over replicates); PS_ERR_ARG if there is none. */
ps_status ps_sweep_find(const ps_sweep *sweep, size_t point, const char *name, ps_summary *out);

#ifdef __cplusplus
}
#endif
#endif /* PLACESIM_H */

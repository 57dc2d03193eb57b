/*
 * run: an ensemble of replicates on worker threads (ps_run, ps_run_many),
 * and over MPI processes (ensemble.c).
 *
 * Each replicate is independent: its own world, its own keyed draws, its
 * own record. Workers take the next replicate number from a shared
 * counter and write only that replicate's record, so the results are the
 * same whatever the number of threads or the order replicates finish in.
 * Under MPI each process runs only its own replicates (ensemble_owns) and
 * the records are then shared, so the same holds for processes.
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "ensemble.h"
#include "err.h"
#include "results.h"
#include "scenario.h"
#include "split.h"
#include "world.h"

void ps_run_options_init(ps_run_options *o)
{
    memset(o, 0, sizeof *o);
}

typedef struct pool {
    const model_params *mp;
    ps_results *res;
    const ps_run_options *opt;
    const ensemble *ens;
    long long first_job;   /* job number of replicate 0 */
    int split;             /* threads each replicate's passes are split over (split.h) */
    pthread_mutex_t lock;
    int next;              /* next replicate to start */
    int failed_rep;        /* lowest failed replicate, or R */
    ps_error first_err;
    int cancelled;
    uint64_t *done;        /* simulated weeks of the batch so far, for progress */
    uint64_t total;
} pool;

static int report_progress(pool *p, uint64_t weeks)
{
    int stop = 0;
    pthread_mutex_lock(&p->lock);
    *p->done += weeks;
    if (p->opt->progress && !p->cancelled)
        if (p->opt->progress(p->opt->progress_userdata, *p->done, p->total)) p->cancelled = 1;
    stop = p->cancelled || p->failed_rep < p->res->replicates;
    pthread_mutex_unlock(&p->lock);
    return stop;
}

static void fail(pool *p, int rep, const ps_error *e)
{
    pthread_mutex_lock(&p->lock);
    if (rep < p->failed_rep) {
        p->failed_rep = rep;
        p->first_err = *e;
    }
    pthread_mutex_unlock(&p->lock);
}

static void *worker(void *arg)
{
    pool *p = arg;
    const ps_config *cfg = p->mp->cfg;
    int R = p->res->replicates;
    for (;;) {
        pthread_mutex_lock(&p->lock);
        int r = p->next++;
        while (r < R && !ensemble_owns(p->ens, p->first_job + r)) r = p->next++;
        int stop = p->cancelled || p->failed_rep < R;
        pthread_mutex_unlock(&p->lock);
        if (r >= R || stop) break;
        world w;
        ps_error e;
        err_clear(&e);
        if (world_init(&w, p->mp, (uint64_t)r, &p->res->recs[r], &e)) {
            fail(p, r, &e);
            break;
        }
        if (split_init(&w, p->split, &e)) {
            world_release(&w);
            fail(p, r, &e);
            break;
        }
        int chunk = 0, halted = 0;
        for (int week = -cfg->burn_in_weeks; week < cfg->weeks; week++) {
            if (world_step(&w, week, &p->res->recs[r], &e)) {
                fail(p, r, &e);
                halted = 1;
                break;
            }
            if (++chunk == 8) {
                halted = report_progress(p, (uint64_t)chunk);
                chunk = 0;
                if (halted) break;
            }
        }
        if (!halted && chunk) report_progress(p, (uint64_t)chunk);
        world_release(&w);
        if (halted) break;
    }
    return NULL;
}

static int default_threads(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) * 1e-9;
}

/* One run's part in a batch, before the processes share their records. */
typedef struct part {
    ps_results *res;       /* NULL if setting up failed */
    int failed_rep;        /* lowest failed replicate here (-1: setting up failed), or replicates */
    ps_error err;
    long long first_job;
    int replicates;
    double seconds;        /* running this process's replicates */
} part;

static void part_fail(part *pt, ps_status st, const ps_error *e)
{
    pt->failed_rep = -1;
    pt->err = *e;
    if (!pt->err.status) pt->err.status = st;
}

/* Runs this process's replicates of one scenario. Never returns early
 * without filling pt, so every process reaches the sharing that follows. */
static void run_part(const ps_scenario *scenario, const ps_run_options *options, const ensemble *ens,
                     uint64_t *done, uint64_t total, part *pt)
{
    const ps_config *cfg = scenario_config(scenario);
    ps_error e;
    err_clear(&e);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ps_results *res = ps_calloc(1, sizeof *res);
    if (!res) {
        err_set(&e, PS_ERR_NOMEM, "out of memory");
        part_fail(pt, PS_ERR_NOMEM, &e);
        return;
    }
    pt->res = res;
    res->scenario = scenario;
    res->cfg = cfg;
    res->replicates = cfg->replicates;
    res->processes = ens->size;
    pt->failed_rep = res->replicates;
    ps_status st = PS_OK;
    popdata synth;
    const popdata *pop = scenario_imported(scenario);
    memset(&synth, 0, sizeof synth);
    if (!pop) {
        st = population_synthesise(cfg, &synth, &e);
        if (st) {
            part_fail(pt, st, &e);
            return;
        }
        pop = &synth;
    }
    res->persons = pop->n_persons;
    res->population_hash = population_fingerprint(pop);
    res->households = pop->n_households;
    model_params mp;
    st = model_params_init(&mp, cfg, pop, &e);
    mp.scripts = scenario_scripts(scenario);
    if (st) {
        popdata_release(&synth);
        part_fail(pt, st, &e);
        return;
    }
    res->recs = ps_calloc((size_t)res->replicates, sizeof *res->recs);
    if (!res->recs) st = err_set(&e, PS_ERR_NOMEM, "out of memory");
    for (int r = 0; !st && r < res->replicates; r++)
        if (record_alloc(&res->recs[r], &mp.layout))
            st = err_set(&e, PS_ERR_NOMEM, "out of memory for the results of %d replicates", res->replicates);
    int mine = 0;
    for (int r = 0; r < res->replicates; r++) mine += ensemble_owns(ens, pt->first_job + r);
    /* Replicates take the threads; threads left over when there are fewer
     * replicates here than threads are shared out among the replicates,
     * each splitting its passes over its share. */
    const int asked = options->threads > 0 ? options->threads : default_threads();
    int threads = asked;
    if (threads > mine) threads = mine > 0 ? mine : 1;
    res->threads = threads;
    pool p;
    memset(&p, 0, sizeof p);
    p.mp = &mp;
    p.res = res;
    p.opt = options;
    p.ens = ens;
    p.first_job = pt->first_job;
    p.split = asked / threads;
    p.failed_rep = res->replicates;
    p.done = done;
    p.total = total;
    if (!st) {
        pthread_mutex_init(&p.lock, NULL);
        pthread_t *tids = ps_calloc((size_t)threads, sizeof *tids);
        int started = 0;
        if (!tids) {
            st = err_set(&e, PS_ERR_NOMEM, "out of memory");
        } else if (threads == 1) {
            worker(&p);
        } else {
            for (int t = 0; t < threads; t++) {
                if (pthread_create(&tids[t], NULL, worker, &p) != 0) break;
                started++;
            }
            if (started == 0) worker(&p); /* could not start threads: run here */
            for (int t = 0; t < started; t++) pthread_join(tids[t], NULL);
        }
        ps_free(tids);
        pthread_mutex_destroy(&p.lock);
        if (!st && p.failed_rep < res->replicates) {
            pt->failed_rep = p.failed_rep;
            pt->err = p.first_err;
        } else if (!st && p.cancelled) {
            err_set(&e, PS_ERR_CANCELLED, "the run was cancelled");
            part_fail(pt, PS_ERR_CANCELLED, &e);
        }
    }
    if (st) part_fail(pt, st, &e);
    /* Keep the layout; the population and derived rates are no longer needed. */
    res->layout = mp.layout;
    memset(&mp.layout, 0, sizeof mp.layout);
    model_params_release(&mp);
    popdata_release(&synth);
    pt->seconds = seconds_since(&t0);
}

/* Shares one part's records between the processes and summarises them. */
static ps_status finish_part(const ensemble *ens, part *pt, ps_results **out, ps_error *err)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ps_results *res = pt->res;
    ps_status st = ensemble_share(ens, res ? &res->layout : NULL, res ? res->recs : NULL, pt->replicates,
                                  pt->first_job, pt->failed_rep, &pt->err, err);
    if (!st && metrics_outcomes(res->cfg, &res->layout, res->recs, res->replicates, &res->outcomes))
        st = err_set(err, PS_ERR_NOMEM, "out of memory summarising outcomes");
    if (st) {
        ps_results_free(res);
        pt->res = NULL;
        return st;
    }
    res->wall_seconds = pt->seconds + seconds_since(&t0);
    *out = res;
    pt->res = NULL;
    return PS_OK;
}

ps_status ps_run_many(const ps_scenario *const *scenarios, size_t n, const ps_run_options *options,
                      ps_results **out, ps_error *err)
{
    err_clear(err);
    if ((!scenarios && n) || !out) return err_set(err, PS_ERR_ARG, "ps_run_many: scenarios and out are required");
    for (size_t i = 0; i < n; i++) {
        out[i] = NULL;
        if (!scenarios[i]) return err_set(err, PS_ERR_ARG, "ps_run_many: scenario %zu is NULL", i);
    }
    ps_run_options defaults;
    if (!options) {
        ps_run_options_init(&defaults);
        options = &defaults;
    }
    ensemble ens;
    ensemble_get(&ens);
    part *parts = ps_calloc(n ? n : 1, sizeof *parts);
    if (!parts) return err_set(err, PS_ERR_NOMEM, "out of memory");
    uint64_t done = 0, total = 0;
    long long job = 0;
    for (size_t i = 0; i < n; i++) {
        const ps_config *cfg = scenario_config(scenarios[i]);
        parts[i].first_job = job;
        parts[i].replicates = cfg->replicates;
        for (int r = 0; r < cfg->replicates; r++)
            if (ensemble_owns(&ens, job + r)) total += (uint64_t)(cfg->burn_in_weeks + cfg->weeks);
        job += cfg->replicates;
    }
    for (size_t i = 0; i < n; i++) run_part(scenarios[i], options, &ens, &done, total, &parts[i]);
    /* Every process shares every part, even after a failure, so none waits
     * for a partner that has stopped; the first failure is the answer. */
    ps_status st = PS_OK;
    for (size_t i = 0; i < n; i++) {
        ps_error e;
        ps_status s = finish_part(&ens, &parts[i], &out[i], &e);
        if (s && !st) {
            st = s;
            if (err) *err = e;
        }
    }
    ps_free(parts);
    if (st)
        for (size_t i = 0; i < n; i++) {
            ps_results_free(out[i]);
            out[i] = NULL;
        }
    return st;
}

/* What a run of scenario on threads threads will take at its peak: the
 * population, one world per running replicate and every replicate's
 * record, with a margin for the program itself. Households and people are
 * estimated from the place (mean household size) before any is made. */
uint64_t ps_scenario_memory_needed(const ps_scenario *scenario, int threads)
{
    const ps_config *cfg = scenario_config(scenario);
    const popdata *imported = scenario_imported(scenario);
    uint64_t H = 0, P = 0;
    if (imported) {
        H = imported->n_households;
        P = imported->n_persons;
    } else {
        for (int k = 0; k < cfg->place.n_neighbourhoods; k++) H += population_scaled_households(cfg, k);
        P = (uint64_t)llround((double)H * cfg->population.mean_household_size);
    }
    int nn = cfg->place.n_neighbourhoods;
    if (threads <= 0) threads = default_threads();
    int running = threads < cfg->replicates ? threads : cfg->replicates;
    uint64_t cols = (uint64_t)(TS_FIXED + cfg->n_services + 1) + XS_COUNT + (uint64_t)nn * NB_COUNT +
                    (uint64_t)(cfg->n_services + cfg->limits.added_services + 1) * SV_COUNT;
    uint64_t records = (uint64_t)cfg->replicates * (uint64_t)cfg->weeks * cols * sizeof(double);
    uint64_t base = (uint64_t)16 << 20; /* the program, its libraries and stacks */
    return base + population_bytes(nn, H, P) + model_params_bytes(nn, H, P) +
           (uint64_t)running * world_bytes(nn, H, P, cfg->n_interventions) +
           records;
}

ps_status ps_run(const ps_scenario *scenario, const ps_run_options *options, ps_results **out,
                 ps_error *err)
{
    err_clear(err);
    if (!scenario || !out) return err_set(err, PS_ERR_ARG, "ps_run: scenario and out are required");
    return ps_run_many(&scenario, 1, options, out, err);
}

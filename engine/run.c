/*
 * run: an ensemble of replicates on worker threads (ps_run).
 *
 * Each replicate is independent: its own world, its own keyed draws, its
 * own record. Workers take the next replicate number from a shared
 * counter and write only that replicate's record, so the results are the
 * same whatever the number of threads or the order replicates finish in.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "err.h"
#include "results.h"
#include "scenario.h"
#include "world.h"

void ps_run_options_init(ps_run_options *o)
{
    memset(o, 0, sizeof *o);
}

typedef struct pool {
    const model_params *mp;
    ps_results *res;
    const ps_run_options *opt;
    pthread_mutex_t lock;
    int next;              /* next replicate to start */
    int failed_rep;        /* lowest failed replicate, or R */
    ps_error first_err;
    int cancelled;
    uint64_t done, total;  /* simulated weeks, for progress */
} pool;

static int report_progress(pool *p, uint64_t weeks)
{
    int stop = 0;
    pthread_mutex_lock(&p->lock);
    p->done += weeks;
    if (p->opt->progress && !p->cancelled)
        if (p->opt->progress(p->opt->progress_userdata, p->done, p->total)) p->cancelled = 1;
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

ps_status ps_run(const ps_scenario *scenario, const ps_run_options *options, ps_results **out,
                 ps_error *err)
{
    err_clear(err);
    if (!scenario || !out) return err_set(err, PS_ERR_ARG, "ps_run: scenario and out are required");
    *out = NULL;
    ps_run_options defaults;
    if (!options) {
        ps_run_options_init(&defaults);
        options = &defaults;
    }
    const ps_config *cfg = scenario_config(scenario);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ps_results *res = ps_calloc(1, sizeof *res);
    if (!res) return err_set(err, PS_ERR_NOMEM, "out of memory");
    res->scenario = scenario;
    res->cfg = cfg;
    res->replicates = cfg->replicates;
    ps_status st = PS_OK;
    popdata synth;
    const popdata *pop = scenario_imported(scenario);
    memset(&synth, 0, sizeof synth);
    if (!pop) {
        st = population_synthesise(cfg, &synth, err);
        if (st) {
            ps_results_free(res);
            return st;
        }
        pop = &synth;
    }
    res->persons = pop->n_persons;
    res->population_hash = population_fingerprint(pop);
    res->households = pop->n_households;
    model_params mp;
    st = model_params_init(&mp, cfg, pop, err);
    mp.scripts = scenario_scripts(scenario);
    if (st) {
        popdata_release(&synth);
        ps_results_free(res);
        return st;
    }
    res->recs = ps_calloc((size_t)res->replicates, sizeof *res->recs);
    if (!res->recs) st = err_set(err, PS_ERR_NOMEM, "out of memory");
    for (int r = 0; !st && r < res->replicates; r++)
        if (record_alloc(&res->recs[r], &mp.layout))
            st = err_set(err, PS_ERR_NOMEM, "out of memory for the results of %d replicates", res->replicates);

    int threads = options->threads > 0 ? options->threads : default_threads();
    if (threads > res->replicates) threads = res->replicates;
    res->threads = threads;
    pool p;
    memset(&p, 0, sizeof p);
    p.mp = &mp;
    p.res = res;
    p.opt = options;
    p.failed_rep = res->replicates;
    p.total = (uint64_t)res->replicates * (uint64_t)(cfg->burn_in_weeks + cfg->weeks);
    if (!st) {
        pthread_mutex_init(&p.lock, NULL);
        pthread_t *tids = ps_calloc((size_t)threads, sizeof *tids);
        int started = 0;
        if (!tids) {
            st = err_set(err, PS_ERR_NOMEM, "out of memory");
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
            if (err) *err = p.first_err;
            st = p.first_err.status ? p.first_err.status : PS_ERR_NOMEM;
        } else if (!st && p.cancelled) {
            st = err_set(err, PS_ERR_CANCELLED, "the run was cancelled");
        }
    }
    /* Keep the layout; the population and derived rates are no longer needed. */
    res->layout = mp.layout;
    memset(&mp.layout, 0, sizeof mp.layout);
    model_params_release(&mp);
    popdata_release(&synth);
    if (!st && metrics_outcomes(cfg, &res->layout, res->recs, res->replicates, &res->outcomes))
        st = err_set(err, PS_ERR_NOMEM, "out of memory summarising outcomes");
    if (st) {
        ps_results_free(res);
        return st;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    res->wall_seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
    *out = res;
    return PS_OK;
}

/*
 * model: the run-wide parameters derived from the population, the life
 * cycle of a replicate's world, and the week in the order of DESIGN.md:
 * shocks, determinants, services, wellbeing transitions with the crisis
 * pathway, social capital, metrics.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "err.h"
#include "rng.h"
#include "interventions.h"
#include "split.h"
#include "world.h"

/* ------------------------------------------------------------ helpers */

/* Probability of at least one event in a week at hazard h. */
static double prob_of(double h) { return h > 0 ? -expm1(-h) : 0; }

static double linear_by_decile(double at_decile1, int decile)
{
    return at_decile1 + (1.0 - at_decile1) * (decile - 1) / 9.0;
}

/* Solves mean over classes of p_on / (p_on + p_off) = target for the base
 * onset hazard x, where class c has count[c], onset multiplier mult[c] and
 * off-probability off[c]. The left side increases with x, so bisect. */
static double solve_onset(const double *count, const double *mult, const double *off, int n,
                          double target)
{
    double total = 0;
    for (int c = 0; c < n; c++) total += count[c];
    if (total <= 0 || target <= 0) return 0;
    double lo = 0, hi = 5;
    for (int it = 0; it < 80; it++) {
        double x = 0.5 * (lo + hi), s = 0;
        for (int c = 0; c < n; c++) {
            if (!count[c]) continue;
            double on = prob_of(x * mult[c]);
            s += count[c] * (on + off[c] > 0 ? on / (on + off[c]) : 0);
        }
        if (s / total < target) lo = x;
        else hi = x;
    }
    return 0.5 * (lo + hi);
}

/* ------------------------------------------------------------ run-wide parameters */

/* The adults, the labour force, the count of working-age adults and the
 * renting households of each neighbourhood (world.h). */
static int visit_lists(model_params *mp)
{
    const popdata *pop = mp->pop;
    const int nn = pop->n_nbhd;
    uint32_t na = 0, nl = 0;
    for (uint32_t i = 0; i < pop->n_persons; i++) {
        na += pop->p_state[i] != ST_CHILD;
        nl += pop->p_state[i] != ST_CHILD && (pop->p_flags[i] & (PF_EMPLOYED | PF_UNEMPLOYED));
    }
    mp->adult = ps_malloc(((size_t)na + 1) * sizeof *mp->adult);
    mp->labour = ps_malloc(((size_t)nl + 1) * sizeof *mp->labour);
    mp->nb_adult = ps_malloc(((size_t)nn + 1) * sizeof *mp->nb_adult);
    mp->nb_labour = ps_malloc(((size_t)nn + 1) * sizeof *mp->nb_labour);
    mp->nb_working_age = ps_calloc((size_t)nn + 1, sizeof *mp->nb_working_age);
    uint32_t nr = 0;
    for (uint32_t h = 0; h < pop->n_households; h++) nr += (pop->hh_flags[h] & HF_RENTER) != 0;
    mp->renter = ps_malloc(((size_t)nr + 1) * sizeof *mp->renter);
    mp->nb_renter = ps_malloc(((size_t)nn + 1) * sizeof *mp->nb_renter);
    if (!mp->adult || !mp->labour || !mp->nb_adult || !mp->nb_labour || !mp->nb_working_age || !mp->renter ||
        !mp->nb_renter)
        return -1;
    nr = 0;
    for (int k = 0; k < nn; k++) {
        mp->nb_renter[k] = nr;
        for (uint32_t h = pop->nb_hh[k]; h < pop->nb_hh[k + 1]; h++)
            if (pop->hh_flags[h] & HF_RENTER) mp->renter[nr++] = h;
    }
    mp->nb_renter[nn] = nr;
    na = nl = 0;
    for (int k = 0; k < nn; k++) {
        mp->nb_adult[k] = na;
        mp->nb_labour[k] = nl;
        for (uint32_t i = pop->hh_first[pop->nb_hh[k]]; i < pop->hh_first[pop->nb_hh[k + 1]]; i++) {
            if (pop->p_state[i] == ST_CHILD) continue;
            mp->adult[na++] = i;
            mp->nb_working_age[k] += pop->p_age[i] < mp->cfg->population.retirement_age;
            if (pop->p_flags[i] & (PF_EMPLOYED | PF_UNEMPLOYED)) mp->labour[nl++] = i;
        }
    }
    mp->nb_adult[nn] = na;
    mp->nb_labour[nn] = nl;
    return 0;
}

ps_status model_params_init(model_params *mp, const ps_config *cfg, const popdata *pop, ps_error *err)
{
    memset(mp, 0, sizeof *mp);
    mp->cfg = cfg;
    mp->pop = pop;
    int nn = pop->n_nbhd;
    const cfg_model *m = &cfg->model;
    mp->nb = ps_calloc((size_t)nn, sizeof *mp->nb);
    mp->capacity = ps_calloc((size_t)cfg->n_services + 1, sizeof *mp->capacity);
    mp->fixed_cost = ps_calloc((size_t)cfg->n_services + 1, sizeof *mp->fixed_cost);
    mp->asset_cost = ps_calloc((size_t)nn + 1, sizeof *mp->asset_cost);
    if (!mp->nb || !mp->capacity || !mp->fixed_cost || !mp->asset_cost || metrics_layout_init(&mp->layout, cfg)) {
        model_params_release(mp);
        return err_set(err, PS_ERR_NOMEM, "out of memory preparing the model");
    }
    ps_status st = services_params(mp, err);
    if (!st && visit_lists(mp)) st = err_set(err, PS_ERR_NOMEM, "out of memory preparing the model");
    if (st) {
        model_params_release(mp);
        return st;
    }
    mp->asset_agency = mp->layout.asset_agency;
    for (int r = 0; r < ROLE_COUNT; r++) mp->service_of_role[r] = -1;
    for (int s = 0; s < cfg->n_services; s++) {
        if (cfg->services[s].role != ROLE_SUPPORT) mp->service_of_role[cfg->services[s].role] = s;
        mp->capacity[s] = config_capacity(cfg, s);
        mp->fixed_cost[s] = config_fixed_cost(cfg, s);
    }
    const cfg_model *mm = &cfg->model;
    for (int k = 0; k < nn; k++) {
        const cfg_neighbourhood *nb = &cfg->place.neighbourhoods[k];
        mp->asset_cost[k] = config_asset_cost(cfg, k);
        double per_1000 = nb->households > 0 ? 1000.0 / nb->households : 0;
        mp->nb[k].assets = (mm->social_capital.hub_weight * nb->hubs + mm->social_capital.vcs_weight * nb->vcs_orgs) *
                           per_1000;
    }

    for (int k = 0; k < nn; k++) {
        const cfg_neighbourhood *nb = &cfg->place.neighbourhoods[k];
        nb_params *p = &mp->nb[k];
        p->recovery_mult = linear_by_decile(m->recovery.decile1, nb->decile);
        p->crisis_mult = linear_by_decile(m->crisis.decile1, nb->decile);

        /* Classes at the start: jobs by state and qualifications; debt by
         * worklessness; housing by debt; loneliness by living alone and age. */
        double job_n[ST_COUNT * 2] = { 0 }, job_m[ST_COUNT * 2], job_off[ST_COUNT * 2];
        double debt_n[2] = { 0 }, debt_m[2] = { 1, m->debt.onset_no_worker };
        double hous_n[2] = { 0 }, hous_m[2] = { 1, m->housing.onset_debt };
        double lone_n[4] = { 0 }, lone_m[4];
        for (uint32_t h = pop->nb_hh[k]; h < pop->nb_hh[k + 1]; h++) {
            uint8_t hf = pop->hh_flags[h];
            int workers = 0;
            for (uint32_t i = pop->hh_first[h]; i < pop->hh_first[h + 1]; i++) {
                uint8_t f = pop->p_flags[i];
                workers += (f & PF_EMPLOYED) != 0;
                if (f & (PF_EMPLOYED | PF_UNEMPLOYED))
                    job_n[pop->p_state[i] * 2 + ((f & PF_LOW_QUAL) != 0)] += 1;
                if (pop->p_age[i] >= ADULT_AGE)
                    lone_n[((f & PF_ALONE) != 0) | (pop->p_age[i] < 25) << 1] += 1;
            }
            debt_n[(hf & HF_LABOUR_FORCE) && !workers] += 1;
            if (hf & HF_RENTER) hous_n[(hf & HF_DEBT) != 0] += 1;
        }
        for (int s = 0; s < ST_COUNT; s++)
            for (int q = 0; q < 2; q++) {
                double sm = s == ST_STRUGGLING ? m->jobs.find_struggling : s == ST_CRISIS ? m->jobs.find_crisis : 1;
                double lm = s == ST_STRUGGLING ? m->jobs.loss_struggling : s == ST_CRISIS ? m->jobs.loss_crisis : 1;
                job_m[s * 2 + q] = lm;
                job_off[s * 2 + q] = prob_of(m->jobs.find * (q ? m->jobs.find_low_qualifications : 1) * sm);
            }
        p->loss_base = solve_onset(job_n, job_m, job_off, ST_COUNT * 2, nb->unemployment);
        double debt_off[2] = { prob_of(m->debt.resolution), prob_of(m->debt.resolution) };
        p->debt_onset = solve_onset(debt_n, debt_m, debt_off, 2, nb->debt);
        double hous_off[2] = { prob_of(m->housing.resolution), prob_of(m->housing.resolution) };
        p->housing_onset = solve_onset(hous_n, hous_m, hous_off, 2, nb->housing_insecurity);
        double lres = prob_of(m->loneliness.resolution *
                              (1 + m->loneliness.resolution_social_capital * nb->social_capital));
        double lone_off[4] = { lres, lres, lres, lres };
        for (int c = 0; c < 4; c++)
            lone_m[c] = ((c & 1) ? m->loneliness.onset_living_alone : 1) * ((c & 2) ? m->loneliness.onset_young : 1);
        p->lonely_onset = solve_onset(lone_n, lone_m, lone_off, 4, cfg->population.lonely);
    }
    return PS_OK;
}

void model_params_release(model_params *mp)
{
    if (mp->cfg) services_params_release(mp);
    ps_free(mp->nb);
    ps_free(mp->capacity);
    ps_free(mp->fixed_cost);
    ps_free(mp->asset_cost);
    ps_free(mp->adult);
    ps_free(mp->nb_adult);
    ps_free(mp->labour);
    ps_free(mp->nb_labour);
    ps_free(mp->nb_working_age);
    ps_free(mp->renter);
    ps_free(mp->nb_renter);
    metrics_layout_release(&mp->layout);
    memset(mp, 0, sizeof *mp);
}

uint64_t model_params_bytes(int n_nbhd, uint64_t n_households, uint64_t n_persons)
{
    /* visit_lists: adults and labour force (at most everyone, twice),
     * renters (at most every household), their offsets */
    return n_persons * 2 * sizeof(uint32_t) + n_households * sizeof(uint32_t) +
           (uint64_t)(n_nbhd + 1) * 4 * sizeof(uint32_t);
}

/* ------------------------------------------------------------ world */

/* Kept beside world_init's allocations, so the estimate --max-memory
 * checks cannot drift from what a replicate really takes: 13 bytes a
 * person and 3 a household of columns, 8 more a person for scripts'
 * modifiers and selections, the neighbourhood figures, and a megabyte
 * for each script's Lua state (a typical one; limits.memory_mb caps it). */
uint64_t world_bytes(int n_nbhd, uint64_t n_households, uint64_t n_persons, int n_scripts)
{
    uint64_t b = n_persons * (1 + 1 + 2 + 1 + 1 + 1 + 1 + 1 + 2 + 2) + (n_persons / 8 + 8) * (1 + NEED_COUNT) +
                 n_households * 3 +
                 (uint64_t)n_nbhd * (4 * sizeof(double) + sizeof(shock_mult) + 1 + NB_COUNT * sizeof(double));
    if (n_scripts > 0) b += n_persons * (4 + 4) + (uint64_t)n_scripts * (1u << 20);
    return b;
}

ps_status world_init(world *w, const model_params *mp, uint64_t replicate, replicate_record *rec, ps_error *err)
{
    memset(w, 0, sizeof *w);
    const popdata *pop = mp->pop;
    const ps_config *cfg = mp->cfg;
    w->mp = mp;
    w->seed = cfg->seed;
    w->replicate = replicate;
    size_t np = pop->n_persons, nh = pop->n_households, nn = (size_t)pop->n_nbhd, ns = (size_t)cfg->n_services + 1;
    w->pf = ps_malloc(np);
    w->st = ps_malloc(np);
    w->entered = ps_malloc(np * sizeof *w->entered);
    w->words = (uint32_t)(np / 64 + 1);
    w->unwell = ps_calloc(w->words, sizeof *w->unwell);
    w->need_bits = ps_calloc((size_t)NEED_COUNT * w->words, sizeof *w->need_bits);
    w->care = ps_calloc(np, 1);
    w->svc = ps_calloc(np, 1);
    w->wait = ps_calloc(np, 1);
    w->target = ps_calloc(np, 1);
    w->after = ps_calloc(np, 1);
    w->since = ps_calloc(np, sizeof *w->since);
    w->after_until = ps_calloc(np, sizeof *w->after_until);
    w->hf = ps_malloc(nh);
    w->workers = ps_calloc(nh, 1);
    w->ncrisis = ps_calloc(nh, 1);
    w->social_capital = ps_calloc(nn, sizeof *w->social_capital);
    w->crisis_ema = ps_calloc(nn, sizeof *w->crisis_ema);
    w->volunteers = ps_calloc(nn, sizeof *w->volunteers);
    w->shock = ps_calloc(nn, sizeof *w->shock);
    w->shock_in = ps_calloc(nn, 1);
    w->nb_now = ps_calloc(nn * NB_COUNT, sizeof *w->nb_now);
    w->cap_new = 256;
    w->new_crisis = ps_malloc(w->cap_new * sizeof *w->new_crisis);
    w->order_key = ps_malloc(w->cap_new * sizeof *w->order_key);
    if (!w->pf || !w->st || !w->entered || !w->unwell || !w->need_bits || !w->care || !w->svc || !w->wait ||
        !w->target || !w->after || !w->since || !w->after_until || !w->hf || !w->workers || !w->ncrisis ||
        !w->social_capital || !w->crisis_ema || !w->volunteers || !w->shock || !w->shock_in || !w->nb_now ||
        !w->new_crisis || !w->order_key) {
        world_release(w);
        return err_set(err, PS_ERR_NOMEM, "out of memory for a replicate of %zu people", np);
    }
    ps_status st = services_world_init(w, err);
    if (st) {
        world_release(w);
        return st;
    }
    /* per-service arrays, with room for services scripts add */
    ns = (size_t)w->svt.max + 1;
    w->capacity = ps_calloc(ns, sizeof *w->capacity);
    w->fixed_cost = ps_calloc(ns, sizeof *w->fixed_cost);
    w->cap_mult = ps_calloc(ns, sizeof *w->cap_mult);
    w->active = ps_calloc(ns, sizeof *w->active);
    w->starts = ps_calloc(ns, sizeof *w->starts);
    w->ends = ps_calloc(ns, sizeof *w->ends);
    if (!w->capacity || !w->fixed_cost || !w->cap_mult || !w->active || !w->starts || !w->ends) {
        world_release(w);
        return err_set(err, PS_ERR_NOMEM, "out of memory for a replicate of %zu people", np);
    }
    for (int s = 0; s < cfg->n_services; s++) {
        w->capacity[s] = mp->capacity[s];
        w->fixed_cost[s] = mp->fixed_cost[s];
    }
    st = interventions_world_init(w, rec, err);
    if (st) {
        world_release(w);
        return st;
    }
    w->event_mask_all = w->event_mask;
    memcpy(w->pf, pop->p_flags, np);
    memcpy(w->st, pop->p_state, np);
    for (size_t i = 0; i < np; i++) {
        world_mark_state(w, (uint32_t)i, w->st[i]);
        w->entered[i] = WEEK_CODE(-cfg->burn_in_weeks - 1);
    }
    memcpy(w->hf, pop->hh_flags, nh);
    for (size_t h = 0; h < nh; h++) {
        int n = 0;
        for (uint32_t i = pop->hh_first[h]; i < pop->hh_first[h + 1]; i++) n += (w->pf[i] & PF_EMPLOYED) != 0;
        w->workers[h] = (uint8_t)n;
        world_needs_changed(w, (uint32_t)h);
    }
    for (size_t k = 0; k < nn; k++) {
        w->social_capital[k] = cfg->place.neighbourhoods[k].social_capital;
        w->crisis_ema[k] = cfg->model.social_capital.crisis_baseline;
    }
    /* People the population gives in crisis are seen as untreated until they leave it. */
    for (size_t i = 0; i < np; i++)
        if (w->st[i] == ST_CRISIS) w->ncrisis[pop->p_hh[i]]++;
    return PS_OK;
}

#ifdef PS_CHECK_MARKS
/* The marks world.unwell and world.need_bits are kept by hand wherever a
 * state or a need changes; a sanitizer build (make test SANITIZE=1) checks
 * them against what they mirror every week, so a place that changes one
 * without the other stops the test suite. */
static void check_marks(const world *w, int week)
{
    const popdata *pop = w->mp->pop;
    for (uint32_t i = 0; i < pop->n_persons; i++) {
        const uint8_t s = w->st[i], f = w->pf[i], x = w->hf[pop->p_hh[i]];
        const int adult = s != ST_CHILD;
        const int want[1 + NEED_COUNT] = { adult && s != ST_WELL, adult && (x & HF_DEBT),
                                           adult && (x & HF_HOUSING_INSECURE), adult && (f & PF_UNEMPLOYED),
                                           adult && (f & PF_LONELY) };
        for (int n = 0; n <= NEED_COUNT; n++) {
            const uint64_t *row = n == 0 ? w->unwell : w->need_bits + (size_t)(n - 1) * w->words;
            if ((int)((row[i / 64] >> (i % 64)) & 1u) != (want[n] != 0)) {
                fprintf(stderr, "placesim: week %d: person %u: mark %d is out of step with the state or flags\n",
                        week, (unsigned)i, n);
                abort();
            }
        }
    }
}
#endif

void world_needs_changed(world *w, uint32_t h)
{
    const popdata *pop = w->mp->pop;
    const uint8_t x = w->hf[h];
    const uint64_t debt = -(uint64_t)((x & HF_DEBT) != 0), housing = -(uint64_t)((x & HF_HOUSING_INSECURE) != 0);
    uint64_t *row[NEED_COUNT];
    for (int n = 0; n < NEED_COUNT; n++) row[n] = w->need_bits + (size_t)n * w->words;
    for (uint32_t i = pop->hh_first[h]; i < pop->hh_first[h + 1]; i++) {
        const uint8_t f = w->pf[i];
        const uint64_t bit = UINT64_C(1) << (i % 64);
        const uint64_t mine = bit & -(uint64_t)(pop->p_state[i] != ST_CHILD); /* nobody comes of age in a run */
        const size_t o = i / 64;
        row[NEED_DEBT][o] = (row[NEED_DEBT][o] & ~bit) | (mine & debt);
        row[NEED_HOUSING][o] = (row[NEED_HOUSING][o] & ~bit) | (mine & housing);
        row[NEED_UNEMPLOYED][o] = (row[NEED_UNEMPLOYED][o] & ~bit) | (mine & -(uint64_t)((f & PF_UNEMPLOYED) != 0));
        row[NEED_LONELY][o] = (row[NEED_LONELY][o] & ~bit) | (mine & -(uint64_t)((f & PF_LONELY) != 0));
    }
}

void world_toggle_household_need(world *w, uint32_t h, int n)
{
    const popdata *pop = w->mp->pop;
    uint64_t *row = w->need_bits + (size_t)n * w->words;
    for (uint32_t i = pop->hh_first[h]; i < pop->hh_first[h + 1]; i++)
        world_bits_xor(w, &row[i / 64], (UINT64_C(1) << (i % 64)) & -(uint64_t)(pop->p_state[i] != ST_CHILD));
}

void world_release(world *w)
{
    split_release(w);
    interventions_world_release(w);
    if (w->mp) services_world_release(w);
    ps_free(w->pf);
    ps_free(w->st);
    ps_free(w->entered);
    ps_free(w->unwell);
    ps_free(w->need_bits);
    ps_free(w->care);
    ps_free(w->svc);
    ps_free(w->wait);
    ps_free(w->target);
    ps_free(w->after);
    ps_free(w->since);
    ps_free(w->after_until);
    ps_free(w->hf);
    ps_free(w->workers);
    ps_free(w->ncrisis);
    ps_free(w->social_capital);
    ps_free(w->crisis_ema);
    ps_free(w->volunteers);
    ps_free(w->shock);
    ps_free(w->shock_in);
    ps_free(w->nb_now);
    ps_free(w->capacity);
    ps_free(w->fixed_cost);
    ps_free(w->cap_mult);
    ps_free(w->active);
    ps_free(w->starts);
    ps_free(w->ends);
    ps_free(w->new_crisis);
    ps_free(w->order_key);
    memset(w, 0, sizeof *w);
}

/* ------------------------------------------------------------ the week */

/* The week the first intervention starts (a week past the run if none). */
static int first_start(const ps_config *cfg)
{
    int first = cfg->weeks + 1;
    for (int i = 0; i < cfg->n_interventions; i++)
        if (cfg->interventions[i].start_week < first) first = cfg->interventions[i].start_week;
    return first;
}

/* Adds this week's neighbourhood figures into the place-wide row. */
static void record_week(world *w, int week, replicate_record *rec)
{
    const metrics_layout *L = &w->mp->layout;
    size_t nn = (size_t)L->n_nbhd;
    double *ts = rec->ts + (size_t)week * (size_t)L->n_ts;
    double *xs = rec->xs + (size_t)week * XS_COUNT;
    double *nb = rec->nb + (size_t)week * nn * NB_COUNT;
    memset(ts, 0, (size_t)L->n_ts * sizeof *ts);
    memset(xs, 0, XS_COUNT * sizeof *xs);
    memcpy(nb, w->nb_now, nn * NB_COUNT * sizeof *nb);
    static const struct { int ts, nb; } sums[] = {
        { TS_POPULATION, NB_PEOPLE }, { TS_WELL, NB_WELL }, { TS_STRUGGLING, NB_STRUGGLING },
        { TS_CRISIS, NB_CRISIS }, { TS_RECOVERING, NB_RECOVERING }, { TS_ONSETS, NB_ONSETS },
        { TS_CRISIS_EPISODES, NB_CRISIS_EPISODES }, { TS_UNEMPLOYED, NB_UNEMPLOYED },
        { TS_IN_DEBT, NB_IN_DEBT }, { TS_HOUSING_INSECURE, NB_HOUSING_INSECURE }, { TS_LONELY, NB_LONELY },
    };
    static const struct { int xs, nb; } xsums[] = {
        { XS_ADULTS, NB_ADULTS }, { XS_EMPLOYED, NB_EMPLOYED }, { XS_LABOUR_FORCE, NB_LABOUR_FORCE },
        { XS_QALY, NB_QALY }, { XS_HOUSEHOLDS, NB_HOUSEHOLDS }, { XS_HH_DEBT, NB_HH_DEBT },
        { XS_RENTERS, NB_RENTERS }, { XS_RENTERS_INSECURE, NB_RENTERS_INSECURE },
        { XS_VOLUNTEERS, NB_VOLUNTEERS }, { XS_WORKING_AGE, NB_WORKING_AGE },
    };
    double sc = 0;
    for (size_t k = 0; k < nn; k++) {
        const double *row = w->nb_now + k * NB_COUNT;
        for (size_t j = 0; j < sizeof sums / sizeof sums[0]; j++) ts[sums[j].ts] += row[sums[j].nb];
        for (size_t j = 0; j < sizeof xsums / sizeof xsums[0]; j++) xs[xsums[j].xs] += row[xsums[j].nb];
        sc += row[NB_SOCIAL_CAPITAL] * row[NB_ADULTS];
    }
    ts[TS_SOCIAL_CAPITAL] = xs[XS_ADULTS] > 0 ? sc / xs[XS_ADULTS] : 0;
    services_record(w, ts, xs, rec->sv + (size_t)week * (size_t)L->n_services * SV_COUNT);
    /* what scripts spent this week */
    for (int a = 0; w->base_spend && a < L->n_agencies; a++) ts[TS_FIXED + a] += w->base_spend[a];
    ts[TS_COST_TOTAL] += w->spend_total;
}

ps_status world_step(world *w, int week, replicate_record *rec, ps_error *err)
{
    const ps_config *cfg = w->mp->cfg;
    int recording = rec && week >= 0 && week < w->mp->layout.weeks;
    w->week = week;
    w->rec = recording ? rec : NULL;
    w->spend_total = 0;
    w->transitions_done = 0;
    if (w->base_spend) memset(w->base_spend, 0, (size_t)w->mp->layout.n_agencies * sizeof *w->base_spend);
    /* scripts hear of events only once the first of them has started */
    w->event_mask = week >= first_start(cfg) ? w->event_mask_all : 0;
    services_begin_week(w);
    shocks_apply(w, week);
    ps_status st = interventions_week(w, week, err);
    if (st) return st;
    st = split_determinants(w, week, err);
    if (!st) st = services_week(w, week, err);
    w->n_new = 0; /* the week's new crises: the wellbeing parts add to the list */
    if (!st) st = split_wellbeing(w, week, err);
    if (st) return st;
    w->transitions_done = 1;
    crisis_pathway(w, week);
    st = interventions_events(w, week, err);
    if (st) return st;
    place_social_capital(w);
    st = interventions_finish(w, week, err);
    if (!st && recording) record_week(w, week, rec);
#ifdef PS_CHECK_MARKS
    check_marks(w, week);
#endif
    return st;
}

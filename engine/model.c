/*
 * model: the weekly dynamics of MODEL.md section 6 for one replicate.
 *
 * Each week, neighbourhood by neighbourhood, a table of event thresholds is
 * built from the hazards (one entry per combination of risk factors), and
 * then one pass over the neighbourhood's households and persons applies
 * determinants and wellbeing transitions with keyed draws and table
 * lookups: no allocation and no hazard arithmetic per person.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "err.h"
#include "rng.h"
#include "world.h"

/* ------------------------------------------------------------ helpers */

static double capped(double m, double cap) { return m > cap ? cap : m; }

/* Probability of at least one event in a week at hazard h. */
static double prob_of(double h) { return h > 0 ? -expm1(-h) : 0; }

static uint64_t thr_of(double h) { return rng_threshold(prob_of(h)); }

/* Two competing hazards: thresholds of the first event, and of either. */
static void competing(double h1, double h2, uint64_t out[2])
{
    double H = h1 + h2, p = prob_of(H);
    out[0] = rng_threshold(H > 0 ? p * h1 / H : 0);
    out[1] = rng_threshold(p);
}

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
    if (!mp->nb || !mp->capacity || !mp->fixed_cost || metrics_layout_init(&mp->layout, cfg)) {
        model_params_release(mp);
        return err_set(err, PS_ERR_NOMEM, "out of memory preparing the model");
    }
    for (int r = 0; r < ROLE_COUNT; r++) mp->service_of_role[r] = -1;
    for (int s = 0; s < cfg->n_services; s++) {
        mp->service_of_role[cfg->services[s].role] = s;
        mp->capacity[s] = config_capacity(cfg, s);
        mp->fixed_cost[s] = config_fixed_cost(cfg, s);
    }

    int retire = cfg->population.retirement_age;
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
        (void)retire;
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
    ps_free(mp->nb);
    ps_free(mp->capacity);
    ps_free(mp->fixed_cost);
    metrics_layout_release(&mp->layout);
    memset(mp, 0, sizeof *mp);
}

/* ------------------------------------------------------------ world */

ps_status world_init(world *w, const model_params *mp, uint64_t replicate, ps_error *err)
{
    memset(w, 0, sizeof *w);
    const popdata *pop = mp->pop;
    const ps_config *cfg = mp->cfg;
    w->mp = mp;
    w->seed = cfg->seed;
    w->replicate = replicate;
    size_t np = pop->n_persons, nh = pop->n_households;
    w->pf = ps_malloc(np);
    w->st = ps_malloc(np);
    w->wk = ps_calloc(np, sizeof *w->wk);
    w->care = ps_calloc(np, 1);
    w->hf = ps_malloc(nh);
    w->workers = ps_calloc(nh, 1);
    w->ncrisis = ps_calloc(nh, 1);
    w->social_capital = ps_calloc((size_t)pop->n_nbhd, sizeof *w->social_capital);
    w->active = ps_calloc((size_t)cfg->n_services + 1, sizeof *w->active);
    w->starts = ps_calloc((size_t)cfg->n_services + 1, sizeof *w->starts);
    w->cap_new = 256;
    w->new_crisis = ps_malloc(w->cap_new * sizeof *w->new_crisis);
    w->order_key = ps_malloc(w->cap_new * sizeof *w->order_key);
    if (!w->pf || !w->st || !w->wk || !w->care || !w->hf || !w->workers || !w->ncrisis ||
        !w->social_capital || !w->active || !w->starts || !w->new_crisis || !w->order_key) {
        world_release(w);
        return err_set(err, PS_ERR_NOMEM, "out of memory for a replicate of %zu people", np);
    }
    memcpy(w->pf, pop->p_flags, np);
    memcpy(w->st, pop->p_state, np);
    memcpy(w->hf, pop->hh_flags, nh);
    for (size_t h = 0; h < nh; h++) {
        int n = 0;
        for (uint32_t i = pop->hh_first[h]; i < pop->hh_first[h + 1]; i++) n += (w->pf[i] & PF_EMPLOYED) != 0;
        w->workers[h] = (uint8_t)n;
    }
    for (int k = 0; k < pop->n_nbhd; k++) w->social_capital[k] = cfg->place.neighbourhoods[k].social_capital;
    /* Nobody starts in crisis; those the population gives in crisis are
     * seen as untreated until they leave it. */
    for (size_t i = 0; i < np; i++)
        if (w->st[i] == ST_CRISIS) w->ncrisis[pop->p_hh[i]]++;
    return PS_OK;
}

void world_release(world *w)
{
    ps_free(w->pf);
    ps_free(w->st);
    ps_free(w->wk);
    ps_free(w->care);
    ps_free(w->hf);
    ps_free(w->workers);
    ps_free(w->ncrisis);
    ps_free(w->social_capital);
    ps_free(w->active);
    ps_free(w->starts);
    ps_free(w->new_crisis);
    ps_free(w->order_key);
    memset(w, 0, sizeof *w);
}

/* ------------------------------------------------------------ weekly tables */

static void build_tables(world *w, int k)
{
    const model_params *mp = w->mp;
    const cfg_model *m = &mp->cfg->model;
    const nb_params *p = &mp->nb[k];
    nb_tables *t = &w->tables;
    double cap = m->multiplier_cap, S = w->social_capital[k];
    double protect = 1 - m->onset.social_capital * S;
    if (protect < 0) protect = 0;
    for (int idx = 0; idx < 64; idx++) {
        int unemployed = idx & 1, lonely = (idx >> 1) & 1, disc = (idx >> 2) & 1;
        int debt = (idx >> 3) & 1, housing = (idx >> 4) & 1, low_income = (idx >> 5) & 1;
        double om = (unemployed ? m->onset.unemployed : 1) * (lonely ? m->onset.lonely : 1) *
                    (disc ? m->onset.discriminated : 1) * (debt ? m->onset.debt : 1) *
                    (housing ? m->onset.housing_insecure : 1) * (low_income ? m->onset.low_income : 1);
        om = capped(om * protect, cap);
        double cm = (debt ? m->crisis.debt : 1) * (housing ? m->crisis.housing_insecure : 1) *
                    (lonely ? m->crisis.lonely : 1) * p->crisis_mult;
        cm = capped(cm, cap);
        t->well[idx][0] = t->well[idx][1] = thr_of(m->onset.base * om);
        competing(m->crisis.base * cm, m->recovery.base * capped(p->recovery_mult, cap), t->struggling[idx]);
        competing(m->recovering.relapse * om, m->recovering.to_well, t->recovering[idx]);
    }
    t->crisis_exit[CARE_NONE] = thr_of(m->crisis_exit.untreated);
    t->crisis_exit[CARE_TEAM] = thr_of(m->crisis_exit.crisis_team);
    t->crisis_exit[CARE_BED] = 0;
    for (int s = 0; s < ST_COUNT; s++) {
        double lm = s == ST_STRUGGLING ? m->jobs.loss_struggling : s == ST_CRISIS ? m->jobs.loss_crisis : 1;
        double fm = s == ST_STRUGGLING ? m->jobs.find_struggling : s == ST_CRISIS ? m->jobs.find_crisis : 1;
        t->job_loss[s] = thr_of(p->loss_base * capped(lm, cap));
        t->job_find[s][0] = thr_of(m->jobs.find * capped(fm, cap));
        t->job_find[s][1] = thr_of(m->jobs.find * capped(fm * m->jobs.find_low_qualifications, cap));
    }
    for (int i = 0; i < 4; i++)
        t->debt_onset[i] = thr_of(p->debt_onset * capped(((i & 1) ? m->debt.onset_no_worker : 1) *
                                                             ((i & 2) ? m->debt.onset_crisis : 1), cap));
    t->debt_resolve = thr_of(m->debt.resolution);
    t->housing_onset[0] = thr_of(p->housing_onset);
    t->housing_onset[1] = thr_of(p->housing_onset * capped(m->housing.onset_debt, cap));
    t->housing_resolve = thr_of(m->housing.resolution);
    for (int i = 0; i < 4; i++)
        t->lonely_onset[i] = thr_of(p->lonely_onset * capped(((i & 1) ? m->loneliness.onset_living_alone : 1) *
                                                                 ((i & 2) ? m->loneliness.onset_young : 1), cap));
    t->lonely_resolve = thr_of(m->loneliness.resolution * (1 + m->loneliness.resolution_social_capital * S));
}

/* ------------------------------------------------------------ the week */

static int push_crisis(world *w, uint32_t person)
{
    if (w->n_new == w->cap_new) {
        size_t ncap = w->cap_new * 2;
        uint32_t *a = ps_reallocarray(w->new_crisis, ncap, sizeof *a);
        if (!a) return -1;
        w->new_crisis = a;
        uint64_t *b = ps_reallocarray(w->order_key, ncap, sizeof *b);
        if (!b) return -1;
        w->order_key = b;
        w->cap_new = ncap;
    }
    w->new_crisis[w->n_new++] = person;
    return 0;
}

ps_status world_step(world *w, int week, replicate_record *rec, ps_error *err)
{
    const model_params *mp = w->mp;
    const ps_config *cfg = mp->cfg;
    const popdata *pop = mp->pop;
    const cfg_model *m = &cfg->model;
    const metrics_layout *L = &mp->layout;
    int recording = rec && week >= 0 && week < L->weeks;
    double *ts = recording ? rec->ts + (size_t)week * (size_t)L->n_ts : NULL;
    double *xs = recording ? rec->xs + (size_t)week * XS_COUNT : NULL;
    if (ts) memset(ts, 0, (size_t)L->n_ts * sizeof *ts);
    if (xs) memset(xs, 0, XS_COUNT * sizeof *xs);

    const uint64_t k_well = rng_key(w->seed, w->replicate, week, RNG_WELLBEING);
    const uint64_t k_job = rng_key(w->seed, w->replicate, week, RNG_JOB);
    const uint64_t k_lone = rng_key(w->seed, w->replicate, week, RNG_LONELY);
    const uint64_t k_debt = rng_key(w->seed, w->replicate, week, RNG_DEBT);
    const uint64_t k_hous = rng_key(w->seed, w->replicate, week, RNG_HOUSING);
    const int stay = m->inpatient_stay_weeks;
    const double qw[ST_COUNT] = { 0, m->qaly.well, m->qaly.struggling, m->qaly.crisis, m->qaly.recovering };
    const int team = mp->service_of_role[ROLE_CRISIS_TEAM], bed = mp->service_of_role[ROLE_INPATIENT];
    const nb_tables *t = &w->tables;
    uint8_t *pf = w->pf, *st = w->st, *care = w->care, *hf = w->hf;
    uint16_t *wk = w->wk;
    double sc_weighted = 0, total_adults = 0;

    w->n_new = 0;
    for (int s = 0; s < cfg->n_services; s++) w->starts[s] = 0;

    for (int k = 0; k < pop->n_nbhd; k++) {
        build_tables(w, k);
        long c[NB_COUNT] = { 0 };
        double qaly = 0;
        long employed = 0, households = 0, hh_debt = 0, renters = 0, renters_insecure = 0, people = 0;
        for (uint32_t h = pop->nb_hh[k]; h < pop->nb_hh[k + 1]; h++) {
            const uint32_t a = pop->hh_first[h], b = pop->hh_first[h + 1];
            /* 3a. jobs */
            for (uint32_t i = a; i < b; i++) {
                uint8_t f = pf[i];
                if (f & PF_EMPLOYED) {
                    if (rng_hit(rng_keyed(k_job, i), t->job_loss[st[i]])) {
                        pf[i] = (uint8_t)((f & ~PF_EMPLOYED) | PF_UNEMPLOYED);
                        w->workers[h]--;
                    }
                } else if (f & PF_UNEMPLOYED) {
                    if (rng_hit(rng_keyed(k_job, i), t->job_find[st[i]][(f & PF_LOW_QUAL) != 0])) {
                        pf[i] = (uint8_t)((f & ~PF_UNEMPLOYED) | PF_EMPLOYED);
                        w->workers[h]++;
                    }
                }
            }
            /* 3b. income, debt, housing */
            uint8_t x = hf[h];
            int no_worker = (x & HF_LABOUR_FORCE) && w->workers[h] == 0;
            x = (uint8_t)((x & ~HF_LOW_INCOME) | (((x & HF_LOW_INCOME_BASE) || no_worker) ? HF_LOW_INCOME : 0));
            uint64_t bits = rng_keyed(k_debt, h);
            if (x & HF_DEBT) {
                if (rng_hit(bits, t->debt_resolve)) x &= (uint8_t)~HF_DEBT;
            } else if (rng_hit(bits, t->debt_onset[no_worker | (w->ncrisis[h] > 0) << 1])) {
                x |= HF_DEBT;
            }
            if (x & HF_RENTER) {
                bits = rng_keyed(k_hous, h);
                if (x & HF_HOUSING_INSECURE) {
                    if (rng_hit(bits, t->housing_resolve)) x &= (uint8_t)~HF_HOUSING_INSECURE;
                } else if (rng_hit(bits, t->housing_onset[(x & HF_DEBT) != 0])) {
                    x |= HF_HOUSING_INSECURE;
                }
            }
            hf[h] = x;
            /* 3c. loneliness, 5. wellbeing */
            int adults = 0;
            for (uint32_t i = a; i < b; i++) {
                uint8_t s = st[i];
                if (s == ST_CHILD) continue;
                adults++;
                uint8_t f = pf[i];
                bits = rng_keyed(k_lone, i);
                if (f & PF_LONELY) {
                    if (rng_hit(bits, t->lonely_resolve)) f &= (uint8_t)~PF_LONELY;
                } else if (rng_hit(bits, t->lonely_onset[((f & PF_ALONE) != 0) | (pop->p_age[i] < 25) << 1])) {
                    f |= PF_LONELY;
                }
                pf[i] = f;
                unsigned idx = (f & 7u) | ((x & 7u) << 3);
                uint64_t u = rng_keyed(k_well, i);
                uint8_t ns = s;
                switch (s) {
                case ST_WELL:
                    if (rng_hit(u, t->well[idx][0])) {
                        ns = ST_STRUGGLING;
                        c[NB_ONSETS]++;
                    }
                    break;
                case ST_STRUGGLING:
                    if (rng_hit(u, t->struggling[idx][0])) {
                        if (push_crisis(w, i)) return err_set(err, PS_ERR_NOMEM, "out of memory");
                        ns = ST_CRISIS;
                        care[i] = CARE_NONE;
                        w->ncrisis[h]++;
                        c[NB_CRISIS_EPISODES]++;
                    } else if (rng_hit(u, t->struggling[idx][1])) {
                        ns = ST_WELL;
                    }
                    break;
                case ST_CRISIS: {
                    uint8_t cr = care[i];
                    int leave = cr == CARE_BED ? wk[i] + 1 >= stay : rng_hit(u, t->crisis_exit[cr]);
                    if (leave) {
                        ns = ST_RECOVERING;
                        if (cr == CARE_TEAM && team >= 0) w->active[team]--;
                        if (cr == CARE_BED && bed >= 0) w->active[bed]--;
                        care[i] = CARE_NONE;
                        w->ncrisis[h]--;
                    }
                    break;
                }
                case ST_RECOVERING:
                    if (rng_hit(u, t->recovering[idx][0])) ns = ST_STRUGGLING;
                    else if (rng_hit(u, t->recovering[idx][1])) ns = ST_WELL;
                    break;
                default:
                    break;
                }
                if (ns != s) {
                    st[i] = ns;
                    wk[i] = 0;
                } else if (wk[i] < UINT16_MAX) {
                    wk[i]++;
                }
                c[NB_WELL + ns - ST_WELL]++;
                qaly += qw[ns];
                c[NB_LONELY] += (f & PF_LONELY) != 0;
                c[NB_UNEMPLOYED] += (pf[i] & PF_UNEMPLOYED) != 0;
                employed += (pf[i] & PF_EMPLOYED) != 0;
            }
            c[NB_ADULTS] += adults;
            if (x & HF_DEBT) {
                c[NB_IN_DEBT] += adults;
                hh_debt++;
            }
            if (x & HF_HOUSING_INSECURE) {
                c[NB_HOUSING_INSECURE] += adults;
                renters_insecure++;
            }
            renters += (x & HF_RENTER) != 0;
            households++;
            people += b - a;
        }
        c[NB_LABOUR_FORCE] = employed + c[NB_UNEMPLOYED];
        if (recording) {
            double *row = rec->nb + ((size_t)week * (size_t)L->n_nbhd + (size_t)k) * NB_COUNT;
            for (int j = 0; j < NB_COUNT; j++) row[j] = (double)c[j];
            row[NB_SOCIAL_CAPITAL] = w->social_capital[k];
            ts[TS_POPULATION] += (double)people;
            ts[TS_WELL] += (double)c[NB_WELL];
            ts[TS_STRUGGLING] += (double)c[NB_STRUGGLING];
            ts[TS_CRISIS] += (double)c[NB_CRISIS];
            ts[TS_RECOVERING] += (double)c[NB_RECOVERING];
            ts[TS_ONSETS] += (double)c[NB_ONSETS];
            ts[TS_CRISIS_EPISODES] += (double)c[NB_CRISIS_EPISODES];
            ts[TS_UNEMPLOYED] += (double)c[NB_UNEMPLOYED];
            ts[TS_IN_DEBT] += (double)c[NB_IN_DEBT];
            ts[TS_HOUSING_INSECURE] += (double)c[NB_HOUSING_INSECURE];
            ts[TS_LONELY] += (double)c[NB_LONELY];
            xs[XS_ADULTS] += (double)c[NB_ADULTS];
            xs[XS_EMPLOYED] += (double)employed;
            xs[XS_LABOUR_FORCE] += (double)c[NB_LABOUR_FORCE];
            xs[XS_QALY] += qaly;
            xs[XS_HOUSEHOLDS] += (double)households;
            xs[XS_HH_DEBT] += (double)hh_debt;
            xs[XS_RENTERS] += (double)renters;
            xs[XS_RENTERS_INSECURE] += (double)renters_insecure;
        }
        sc_weighted += w->social_capital[k] * (double)c[NB_ADULTS];
        total_adults += (double)c[NB_ADULTS];
    }

    services_crisis_pathway(w, week, ts, xs);
    if (recording) {
        ts[TS_SOCIAL_CAPITAL] = total_adults > 0 ? sc_weighted / total_adults : 0;
        services_account(w, ts, xs);
    }
    return PS_OK;
}

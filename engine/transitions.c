/*
 * transitions: the weekly determinants and wellbeing transitions of
 * MODEL.md section 6, the hot loops of the engine.
 *
 * Each week, neighbourhood by neighbourhood, a table of event thresholds is
 * built from the hazards (one entry per combination of risk factors), and
 * one pass over the neighbourhood's households and persons applies them
 * with keyed draws and table lookups: no allocation and no hazard
 * arithmetic per person. People whose services change their hazards (an
 * episode, a waiting list, after-effects) take a slower path that
 * multiplies their own hazards.
 */
#include <math.h>
#include <string.h>

#include "err.h"
#include "interventions.h"
#include "rng.h"
#include "world.h"

static double capped(double m, double cap) { return m > cap ? cap : m; }
static double prob_of(double h) { return h > 0 ? -expm1(-h) : 0; }
static uint64_t thr_of(double h) { return rng_threshold(prob_of(h)); }

/* Two competing hazards: thresholds of the first event, and of either. */
static void competing(double h1, double h2, uint64_t out[2])
{
    double H = h1 + h2, p = prob_of(H);
    out[0] = rng_threshold(H > 0 ? p * h1 / H : 0);
    out[1] = rng_threshold(p);
}

/* ------------------------------------------------------------ determinants */

static void determinant_tables(world *w, int k)
{
    const cfg_model *m = &w->mp->cfg->model;
    const nb_params *p = &w->mp->nb[k];
    const shock_mult *sh = &w->shock[k];
    nb_tables *t = &w->tables;
    double cap = m->multiplier_cap, S = w->social_capital[k];
    /* Thresholds as tables indexed by a person's flags, so the loops
     * below draw for everyone and branch only on the rare hit: a branch on
     * whether someone is employed, lonely or a child is a coin toss to the
     * processor, a table lookup is not. Children and the inactive get 0. */
    memset(t->job, 0, sizeof t->job);
    for (int s = ST_WELL; s < ST_COUNT; s++) {
        double lm = s == ST_STRUGGLING ? m->jobs.loss_struggling : s == ST_CRISIS ? m->jobs.loss_crisis : 1;
        double fm = s == ST_STRUGGLING ? m->jobs.find_struggling : s == ST_CRISIS ? m->jobs.find_crisis : 1;
        uint64_t loss = thr_of(p->loss_base * capped(lm * sh->job_loss, cap));
        uint64_t find[2] = { thr_of(m->jobs.find * capped(fm * sh->job_find, cap)),
                             thr_of(m->jobs.find * capped(fm * m->jobs.find_low_qualifications * sh->job_find, cap)) };
        for (unsigned f = 0; f < 32; f++) {
            if (f & PF_EMPLOYED) t->job[s][f] = loss;
            else if (f & PF_UNEMPLOYED) t->job[s][f] = find[(f & PF_LOW_QUAL) != 0];
        }
    }
    for (int i = 0; i < 4; i++)
        t->debt_onset[i] = thr_of(p->debt_onset * capped(((i & 1) ? m->debt.onset_no_worker : 1) *
                                                             ((i & 2) ? m->debt.onset_crisis : 1) * sh->debt_onset,
                                                         cap));
    t->debt_resolve = thr_of(m->debt.resolution);
    t->housing_onset[0] = thr_of(p->housing_onset * capped(sh->housing_onset, cap));
    t->housing_onset[1] = thr_of(p->housing_onset * capped(m->housing.onset_debt * sh->housing_onset, cap));
    t->housing_resolve = thr_of(m->housing.resolution);
    /* lonely[child << 3 | lonely << 2 | young << 1 | alone] */
    const uint64_t resolve = thr_of(m->loneliness.resolution * (1 + m->loneliness.resolution_social_capital * S));
    for (unsigned x = 0; x < 16; x++)
        t->lonely[x] = (x & 8) ? 0
                       : (x & 4) ? resolve
                                 : thr_of(p->lonely_onset * capped(((x & 1) ? m->loneliness.onset_living_alone : 1) *
                                                                       ((x & 2) ? m->loneliness.onset_young : 1) *
                                                                       sh->loneliness_onset,
                                                                   cap));
}

#define JOB_BITS (PF_UNEMPLOYED | PF_EMPLOYED | PF_LOW_QUAL)

typedef struct det_keys {
    uint64_t job, lone, debt, hous;
} det_keys;

/* Persons a..b-1: jobs. */
static int jobs_of(world *w, const det_keys *k, uint32_t a, uint32_t b)
{
    const nb_tables *t = &w->tables;
    const uint32_t *p_hh = w->mp->pop->p_hh;
    uint8_t *pf = w->pf;
    const uint8_t *st = w->st;
    for (uint32_t i = a; i < b; i++) {
        uint8_t f = pf[i];
        if (!rng_hit(rng_keyed(k->job, i), t->job[st[i]][f & JOB_BITS])) continue;
        pf[i] = (uint8_t)(f ^ (PF_EMPLOYED | PF_UNEMPLOYED));
        if (f & PF_EMPLOYED) {
            w->workers[p_hh[i]]--;
            if ((w->event_mask & EVENT_BIT(EV_JOB_LOSS)) && events_push(w, EV_JOB_LOSS, i, 0)) return -1;
        } else {
            w->workers[p_hh[i]]++;
        }
    }
    return 0;
}

/* Households h0..h1-1: income, debt and housing, after their jobs. */
static int households_of(world *w, const det_keys *k, uint32_t h0, uint32_t h1)
{
    const nb_tables *t = &w->tables;
    uint8_t *hf = w->hf;
    for (uint32_t h = h0; h < h1; h++) {
        uint8_t x = hf[h];
        int no_worker = (x & HF_LABOUR_FORCE) && w->workers[h] == 0;
        x = (uint8_t)((x & ~HF_LOW_INCOME) | (((x & HF_LOW_INCOME_BASE) || no_worker) ? HF_LOW_INCOME : 0));
        uint64_t bits = rng_keyed(k->debt, h);
        if (x & HF_DEBT) {
            if (rng_hit(bits, t->debt_resolve)) x &= (uint8_t)~HF_DEBT;
        } else if (rng_hit(bits, t->debt_onset[no_worker | (w->ncrisis[h] > 0) << 1])) {
            x |= HF_DEBT;
            if ((w->event_mask & EVENT_BIT(EV_DEBT)) && events_push(w, EV_DEBT, h, 0)) return -1;
        }
        if (x & HF_RENTER) {
            bits = rng_keyed(k->hous, h);
            if (x & HF_HOUSING_INSECURE) {
                if (rng_hit(bits, t->housing_resolve)) x &= (uint8_t)~HF_HOUSING_INSECURE;
            } else if (rng_hit(bits, t->housing_onset[(x & HF_DEBT) != 0])) {
                x |= HF_HOUSING_INSECURE;
                if ((w->event_mask & EVENT_BIT(EV_HOUSING)) && events_push(w, EV_HOUSING, h, 0)) return -1;
            }
        }
        hf[h] = x;
    }
    return 0;
}

/* Persons a..b-1: loneliness, which nothing else this week touches. */
static void loneliness_of(world *w, const det_keys *k, uint32_t a, uint32_t b)
{
    const nb_tables *t = &w->tables;
    const uint8_t *age = w->mp->pop->p_age, *st = w->st;
    uint8_t *pf = w->pf;
    for (uint32_t i = a; i < b; i++) {
        uint8_t f = pf[i];
        unsigned lx = (unsigned)(st[i] == ST_CHILD) << 3 | (unsigned)((f & PF_LONELY) != 0) << 2 |
                      (unsigned)(age[i] < 25) << 1 | (unsigned)((f & PF_ALONE) != 0);
        unsigned hit = (unsigned)rng_hit(rng_keyed(k->lone, i), t->lonely[lx]);
        pf[i] = (uint8_t)(f ^ (hit * PF_LONELY));
    }
}

/* Puts the events a neighbourhood's flat passes made (from first on) in
 * the order household-by-household stepping makes them: by household,
 * and within one its job losses (by person), then debt, then housing.
 * Each pass made its events in household order, so an insertion sort
 * (stable, and short: a few dozen events) merges them. */
static void events_in_household_order(world *w, size_t first)
{
    const uint32_t *p_hh = w->mp->pop->p_hh;
    for (size_t e = first + 1; e < w->n_ev; e++) {
        uint8_t kind = w->ev_kind[e];
        uint32_t ent = w->ev_entity[e];
        int16_t extra = w->ev_extra[e];
        uint64_t key = (uint64_t)(kind == EV_JOB_LOSS ? p_hh[ent] : ent) << 2 |
                       (kind == EV_JOB_LOSS ? 0u : kind == EV_DEBT ? 1u : 2u);
        size_t j = e;
        for (; j > first; j--) {
            uint8_t pk = w->ev_kind[j - 1];
            uint32_t pe = w->ev_entity[j - 1];
            uint64_t pkey = (uint64_t)(pk == EV_JOB_LOSS ? p_hh[pe] : pe) << 2 |
                            (pk == EV_JOB_LOSS ? 0u : pk == EV_DEBT ? 1u : 2u);
            if (pkey <= key) break;
            w->ev_kind[j] = pk;
            w->ev_entity[j] = pe;
            w->ev_extra[j] = w->ev_extra[j - 1];
        }
        w->ev_kind[j] = kind;
        w->ev_entity[j] = ent;
        w->ev_extra[j] = extra;
    }
}

/* A household's determinants depend only on its own members, so a
 * neighbourhood runs as three flat passes (everyone's jobs, every
 * household's money and housing, everyone's loneliness) rather than
 * household by household: the same results without a mispredicted exit
 * from a loop of two or three people per household. The events the
 * passes make are then put back in household order for the scripts. */
int transitions_determinants(world *w, int week)
{
    const popdata *pop = w->mp->pop;
    const det_keys k = {
        rng_key(w->seed, w->replicate, week, RNG_JOB), rng_key(w->seed, w->replicate, week, RNG_LONELY),
        rng_key(w->seed, w->replicate, week, RNG_DEBT), rng_key(w->seed, w->replicate, week, RNG_HOUSING),
    };
    for (int n = 0; n < pop->n_nbhd; n++) {
        determinant_tables(w, n);
        const uint32_t h0 = pop->nb_hh[n], h1 = pop->nb_hh[n + 1];
        const size_t first = w->n_ev;
        if (jobs_of(w, &k, pop->hh_first[h0], pop->hh_first[h1])) return -1;
        if (households_of(w, &k, h0, h1)) return -1;
        loneliness_of(w, &k, pop->hh_first[h0], pop->hh_first[h1]);
        if (w->n_ev > first + 1) events_in_household_order(w, first);
    }
    return 0;
}

/* ------------------------------------------------------------ wellbeing */

/* The wellbeing part depends on a neighbourhood only through these six
 * numbers; neighbourhoods alike in them (same decile, social capital and
 * shocks) share a table, so it is rebuilt only when they change. */
static void wellbeing_tables(world *w, int k)
{
    const cfg_model *m = &w->mp->cfg->model;
    const nb_params *p = &w->mp->nb[k];
    const shock_mult *sh = &w->shock[k];
    nb_tables *t = &w->tables;
    double cap = m->multiplier_cap, S = w->social_capital[k];
    const double key[6] = { S, p->recovery_mult, p->crisis_mult, sh->onset, sh->crisis, sh->recovery };
    if (t->wellbeing_built && memcmp(key, t->wellbeing_key, sizeof key) == 0) return;
    memcpy(t->wellbeing_key, key, sizeof key);
    t->wellbeing_built = 1;
    double protect = 1 - m->onset.social_capital * S;
    if (protect < 0) protect = 0;
    t->recovery_mult = p->recovery_mult * sh->recovery;
    double rec = m->recovery.base * capped(t->recovery_mult, cap);
    for (int idx = 0; idx < 64; idx++) {
        int unemployed = idx & 1, lonely = (idx >> 1) & 1, disc = (idx >> 2) & 1;
        int debt = (idx >> 3) & 1, housing = (idx >> 4) & 1, low_income = (idx >> 5) & 1;
        double om = (unemployed ? m->onset.unemployed : 1) * (lonely ? m->onset.lonely : 1) *
                    (disc ? m->onset.discriminated : 1) * (debt ? m->onset.debt : 1) *
                    (housing ? m->onset.housing_insecure : 1) * (low_income ? m->onset.low_income : 1) *
                    protect * sh->onset;
        double cm = (debt ? m->crisis.debt : 1) * (housing ? m->crisis.housing_insecure : 1) *
                    (lonely ? m->crisis.lonely : 1) * p->crisis_mult * sh->crisis;
        t->onset_mult[idx] = om;
        t->crisis_mult[idx] = cm;
        /* WELL has one event: both thresholds are onset's */
        t->wellbeing[ST_WELL][idx][0] = t->wellbeing[ST_WELL][idx][1] = thr_of(m->onset.base * capped(om, cap));
        competing(m->crisis.base * capped(cm, cap), rec, t->wellbeing[ST_STRUGGLING][idx]);
        competing(m->recovering.relapse * capped(om, cap), m->recovering.to_well, t->wellbeing[ST_RECOVERING][idx]);
    }
    t->crisis_exit[CARE_NONE] = thr_of(m->crisis_exit.untreated);
    t->crisis_exit[CARE_TEAM] = thr_of(m->crisis_exit.crisis_team);
    t->crisis_exit[CARE_BED] = 0;
}

/* Thresholds for a person whose services multiply their hazards. */
static void person_thresholds(world *w, uint32_t i, uint8_t s, unsigned idx, int week, uint64_t out[2])
{
    const cfg_model *m = &w->mp->cfg->model;
    const nb_tables *t = &w->tables;
    double cap = m->multiplier_cap, om, rm, cm;
    /* Recovery multipliers (deprivation, shocks, services) act on
     * STRUGGLING -> WELL; RECOVERING -> WELL keeps its own rate. */
    services_person_multipliers(w, i, week, &om, &rm, &cm);
    if (s == ST_WELL) {
        out[0] = out[1] = thr_of(m->onset.base * capped(t->onset_mult[idx] * om, cap));
    } else if (s == ST_STRUGGLING) {
        competing(m->crisis.base * capped(t->crisis_mult[idx] * cm, cap),
                  m->recovery.base * capped(t->recovery_mult * rm, cap), out);
    } else {
        competing(m->recovering.relapse * capped(t->onset_mult[idx] * om, cap), m->recovering.to_well, out);
    }
}

ps_status transitions_wellbeing(world *w, int week, ps_error *err)
{
    const model_params *mp = w->mp;
    const popdata *pop = mp->pop;
    const cfg_model *m = &mp->cfg->model;
    const uint64_t k_well = rng_key(w->seed, w->replicate, week, RNG_WELLBEING);
    const int stay = m->inpatient_stay_weeks;
    const int retire = mp->cfg->population.retirement_age;
    const double qw[ST_COUNT] = { 0, m->qaly.well, m->qaly.struggling, m->qaly.crisis, m->qaly.recovering };
    const int team = mp->service_of_role[ROLE_CRISIS_TEAM], bed = mp->service_of_role[ROLE_INPATIENT];
    const nb_tables *t = &w->tables;
    uint8_t *pf = w->pf, *st = w->st, *care = w->care, *hf = w->hf;
    const uint8_t *svc = w->svc, *wait = w->wait, *after = w->after;
    const uint32_t *mod = w->mod;
    uint16_t *wk = w->wk;

    w->n_new = 0;
    const uint32_t *p_hh = pop->p_hh;
    for (int k = 0; k < pop->n_nbhd; k++) {
        wellbeing_tables(w, k);
        long c[NB_COUNT] = { 0 };
        double qaly = 0;
        const uint32_t h0 = pop->nb_hh[k], h1 = pop->nb_hh[k + 1];
        for (uint32_t h = h0; h < h1; h++) {
            const uint8_t x = hf[h];
            c[NB_HH_DEBT] += (x & HF_DEBT) != 0;
            c[NB_RENTERS_INSECURE] += (x & HF_HOUSING_INSECURE) != 0;
            c[NB_RENTERS] += (x & HF_RENTER) != 0;
        }
        c[NB_HOUSEHOLDS] = (long)(h1 - h0);
        c[NB_PEOPLE] = (long)(pop->hh_first[h1] - pop->hh_first[h0]);
        /* one flat pass over the neighbourhood's people, in the order of
         * their households: the same draws, events and sums as household
         * by household (qaly is summed in the same order) */
        for (uint32_t i = pop->hh_first[h0]; i < pop->hh_first[h1]; i++) {
            const uint8_t s = st[i];
            if (s == ST_CHILD) continue;
            const uint32_t h = p_hh[i];
            const uint8_t x = hf[h];
            c[NB_ADULTS]++;
            c[NB_IN_DEBT] += (x & HF_DEBT) != 0;
            c[NB_HOUSING_INSECURE] += (x & HF_HOUSING_INSECURE) != 0;
            const uint8_t f = pf[i];
            const unsigned idx = (f & 7u) | ((x & 7u) << 3);
            const uint64_t u = rng_keyed(k_well, i);
            uint8_t ns = s;
            if (s == ST_CRISIS) {
                uint8_t cr = care[i];
                int leave = cr == CARE_BED ? wk[i] + 1 >= stay : rng_hit(u, t->crisis_exit[cr]);
                if (leave) {
                    ns = ST_RECOVERING;
                    if (cr == CARE_TEAM && team >= 0) {
                        w->active[team]--;
                        w->ends[team]++;
                    }
                    if (cr == CARE_BED && bed >= 0) {
                        w->active[bed]--;
                        w->ends[bed]++;
                    }
                    care[i] = CARE_NONE;
                    w->ncrisis[h]--;
                }
            } else {
                uint64_t own[2];
                const uint64_t *thr = t->wellbeing[s][idx];
                if (svc[i] | wait[i] | after[i] | (mod ? mod[i] : 0)) {
                    person_thresholds(w, i, s, idx, week, own);
                    thr = own;
                }
                if (rng_hit(u, thr[0])) {
                    if (s == ST_WELL) {
                        ns = ST_STRUGGLING;
                        c[NB_ONSETS]++;
                        if ((w->event_mask & EVENT_BIT(EV_ONSET)) && events_push(w, EV_ONSET, i, 0))
                            return err_set(err, PS_ERR_NOMEM, "out of memory");
                    } else if (s == ST_STRUGGLING) {
                        if (crisis_push(w, i)) return err_set(err, PS_ERR_NOMEM, "out of memory");
                        ns = ST_CRISIS;
                        care[i] = CARE_NONE;
                        w->ncrisis[h]++;
                        c[NB_CRISIS_EPISODES]++;
                        if ((w->event_mask & EVENT_BIT(EV_CRISIS)) && events_push(w, EV_CRISIS, i, 0))
                            return err_set(err, PS_ERR_NOMEM, "out of memory");
                    } else {
                        ns = ST_STRUGGLING; /* relapse */
                    }
                } else if (rng_hit(u, thr[1])) { /* WELL's two thresholds are one: never here */
                    ns = ST_WELL;
                    if ((w->event_mask & EVENT_BIT(EV_RECOVERY)) && events_push(w, EV_RECOVERY, i, 0))
                        return err_set(err, PS_ERR_NOMEM, "out of memory");
                }
            }
            st[i] = ns;
            wk[i] = ns != s ? 0 : (uint16_t)(wk[i] + (wk[i] < UINT16_MAX));
            c[NB_WELL + ns - ST_WELL]++;
            qaly += qw[ns];
            c[NB_LONELY] += (f & PF_LONELY) != 0;
            c[NB_UNEMPLOYED] += (f & PF_UNEMPLOYED) != 0;
            c[NB_EMPLOYED] += (f & PF_EMPLOYED) != 0;
            c[NB_WORKING_AGE] += pop->p_age[i] < retire;
        }
        c[NB_LABOUR_FORCE] = c[NB_EMPLOYED] + c[NB_UNEMPLOYED];
        double *row = w->nb_now + (size_t)k * NB_COUNT;
        for (int j = 0; j < NB_COUNT; j++) row[j] = (double)c[j];
        row[NB_QALY] = qaly;
    }
    return PS_OK;
}

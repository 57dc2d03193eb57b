/*
 * transitions: the weekly determinants and wellbeing transitions of
 * MODEL.md section 6, the hot loops of the engine.
 *
 * Each week, neighbourhood by neighbourhood, tables of event thresholds are
 * built from the hazards (one entry per combination of state and risk
 * factors), and flat passes over the neighbourhood's adults, labour force,
 * households and renting households (model_params' lists) apply them with
 * keyed draws and table lookups: no allocation, no hazard arithmetic and
 * no unpredictable branch per person. The few people something happens to
 * take a slower step; those whose services change their hazards (an
 * episode, a waiting list, after-effects, a script's modifier) have their
 * own hazards multiplied there.
 */
#include <math.h>
#include <string.h>

#include "err.h"
#include "interventions.h"
#include "hints.h"
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
        t->debt[i] = thr_of(p->debt_onset * capped(((i & 1) ? m->debt.onset_no_worker : 1) *
                                                       ((i & 2) ? m->debt.onset_crisis : 1) * sh->debt_onset,
                                                   cap));
    for (int i = 4; i < 8; i++) t->debt[i] = thr_of(m->debt.resolution);
    const uint64_t secure[2] = { thr_of(p->housing_onset * capped(sh->housing_onset, cap)),
                                 thr_of(p->housing_onset * capped(m->housing.onset_debt * sh->housing_onset, cap)) };
    for (int i = 0; i < 4; i++) t->housing[i] = (i & 2) ? thr_of(m->housing.resolution) : secure[i & 1];
    /* lonely[young][flags] (adults: children never draw): the flags hold
     * whether they are lonely (then the chance to stop) and live alone */
    const uint64_t resolve = thr_of(m->loneliness.resolution * (1 + m->loneliness.resolution_social_capital * S));
    for (int young = 0; young < 2; young++) {
        const uint64_t onset[2] = {
            thr_of(p->lonely_onset *
                   capped((young ? m->loneliness.onset_young : 1) * sh->loneliness_onset, cap)),
            thr_of(p->lonely_onset * capped(m->loneliness.onset_living_alone *
                                                (young ? m->loneliness.onset_young : 1) * sh->loneliness_onset,
                                            cap)),
        };
        for (unsigned f = 0; f < 256; f++)
            t->lonely[young][f] = (f & PF_LONELY) ? resolve : onset[(f & PF_ALONE) != 0];
    }
}

#define JOB_BITS (PF_UNEMPLOYED | PF_EMPLOYED | PF_LOW_QUAL)

typedef struct det_keys {
    uint64_t job, lone, debt, hous;
} det_keys;

/* Neighbourhood k's people: loneliness for its adults, then jobs for its
 * labour force (model_params' lists: nobody else can change). The
 * thresholds come from tables by state and flags, so the only branch is
 * on the rare job change. */
static int persons_of(world *w, const det_keys *k, int n)
{
    const model_params *mp = w->mp;
    const nb_tables *t = &w->tables;
    const uint32_t *p_hh = mp->pop->p_hh, *adult = mp->adult, *labour = mp->labour;
    const uint8_t *age = mp->pop->p_age, *st = w->st;
    uint8_t *pf = w->pf;
    /* locals, as a store through pf could otherwise be any of these */
    const uint64_t lone = k->lone, job = k->job;
    const uint32_t a1 = mp->nb_adult[n + 1], l1 = mp->nb_labour[n + 1];
    for (uint32_t c = mp->nb_adult[n]; c < a1; c++) {
        const uint32_t i = adult[c];
        const uint8_t f = pf[i];
        const unsigned lonely = (unsigned)rng_hit(rng_keyed(lone, i), t->lonely[age[i] < 25][f]);
        pf[i] = (uint8_t)(f ^ (lonely * PF_LONELY));
        if (lonely) world_toggle_need(w, i, NEED_LONELY);
    }
    for (uint32_t c = mp->nb_labour[n]; c < l1; c++) {
        const uint32_t i = labour[c];
        const uint8_t f = pf[i];
        if (!rng_hit(rng_keyed(job, i), t->job[st[i]][f & JOB_BITS])) continue;
        pf[i] = (uint8_t)(f ^ (PF_EMPLOYED | PF_UNEMPLOYED));
        world_toggle_need(w, i, NEED_UNEMPLOYED);
        if (f & PF_EMPLOYED) {
            w->workers[p_hh[i]]--;
            if ((w->event_mask & EVENT_BIT(EV_JOB_LOSS)) && events_push(w, EV_JOB_LOSS, i, 0)) return -1;
        } else {
            w->workers[p_hh[i]]++;
        }
    }
    return 0;
}

/* A household's need marks are its members' bits, found through
 * hh_first and the members' ages: two reads far from where the household
 * pass is, each a miss to memory. Made at the hit, they cost more than
 * the pass's draws; gathered and made together after it, the misses of
 * one hit overlap those of the next. Marks are bits toggled, so their
 * order changes nothing. */
#define HIT_BATCH 256

typedef struct hh_hits {
    uint32_t h[HIT_BATCH];
    uint8_t need[HIT_BATCH];
    unsigned n;
} hh_hits;

static void hits_flush(world *w, hh_hits *b)
{
    const popdata *pop = w->mp->pop;
    for (unsigned j = 0; j < b->n; j++) __builtin_prefetch(&pop->hh_first[b->h[j]]);
    for (unsigned j = 0; j < b->n; j++) __builtin_prefetch(&pop->p_state[pop->hh_first[b->h[j]]]);
    for (unsigned j = 0; j < b->n; j++) world_toggle_household_need(w, b->h[j], b->need[j]);
    b->n = 0;
}

static inline void hits_add(world *w, hh_hits *b, uint32_t h, int need)
{
    if (b->n == HIT_BATCH) hits_flush(w, b);
    b->h[b->n] = h;
    b->need[b->n++] = (uint8_t)need;
}

/* Neighbourhood n's households: income and debt for every household,
 * after their jobs; then housing for its renters (model_params' list:
 * only renters can lose their home, and nobody's tenure changes), after
 * their debt. Whether a household is in debt or secure picks a threshold
 * from a table, not a branch. */
static int households_of(world *w, const det_keys *k, int n)
{
    const model_params *mp = w->mp;
    const nb_tables *t = &w->tables;
    const uint8_t *workers = w->workers, *ncrisis = w->ncrisis;
    uint8_t *hf = w->hf;
    const int listen_debt = (w->event_mask & EVENT_BIT(EV_DEBT)) != 0;
    const int listen_housing = (w->event_mask & EVENT_BIT(EV_HOUSING)) != 0;
    const uint64_t debt_key = k->debt, housing_key = k->hous;
    const uint32_t *renter = mp->renter;
    hh_hits hits;
    hits.n = 0;
    for (uint32_t h = mp->pop->nb_hh[n], end = mp->pop->nb_hh[n + 1]; h < end; h++) {
        uint8_t x = hf[h];
        const unsigned no_worker = (unsigned)((x & HF_LABOUR_FORCE) != 0) & (unsigned)(workers[h] == 0);
        const unsigned low = (unsigned)((x & HF_LOW_INCOME_BASE) != 0) | no_worker;
        x = (uint8_t)((x & ~HF_LOW_INCOME) | (low * HF_LOW_INCOME));
        const unsigned debt = (x & HF_DEBT) != 0;
        const unsigned hit =
            (unsigned)rng_hit(rng_keyed(debt_key, h), t->debt[debt << 2 | (unsigned)(ncrisis[h] > 0) << 1 | no_worker]);
        hf[h] = (uint8_t)(x ^ (hit * HF_DEBT));
        if (hit) hits_add(w, &hits, h, NEED_DEBT);
        if (hit & !debt & listen_debt && events_push(w, EV_DEBT, h, 0)) return -1;
    }
    for (uint32_t c = mp->nb_renter[n], end = mp->nb_renter[n + 1]; c < end; c++) {
        const uint32_t h = renter[c];
        const uint8_t x = hf[h];
        const unsigned insecure = (x & HF_HOUSING_INSECURE) != 0;
        const unsigned hit =
            (unsigned)rng_hit(rng_keyed(housing_key, h), t->housing[insecure << 1 | ((x & HF_DEBT) != 0)]);
        hf[h] = (uint8_t)(x ^ (hit * HF_HOUSING_INSECURE));
        if (hit) hits_add(w, &hits, h, NEED_HOUSING);
        if (hit & !insecure & listen_housing && events_push(w, EV_HOUSING, h, 0)) return -1;
    }
    hits_flush(w, &hits);
    return 0;
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
int transitions_determinants(world *w, int week, int k0, int k1)
{
    const det_keys k = {
        rng_key(w->seed, w->replicate, week, RNG_JOB), rng_key(w->seed, w->replicate, week, RNG_LONELY),
        rng_key(w->seed, w->replicate, week, RNG_DEBT), rng_key(w->seed, w->replicate, week, RNG_HOUSING),
    };
    for (int n = k0; n < k1; n++) {
        determinant_tables(w, n);
        const size_t first = w->n_ev;
        if (persons_of(w, &k, n)) return -1;
        if (households_of(w, &k, n)) return -1;
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
    t->wellbeing_gen++; /* from 1: the cache of people's thresholds starts empty */
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
        t->any[ST_CRISIS][idx] = UINT64_MAX;
        for (int s = ST_WELL; s < ST_COUNT; s++)
            if (s != ST_CRISIS) t->any[s][idx] = t->wellbeing[s][idx][1];
    }
    t->crisis_exit[CARE_NONE] = thr_of(m->crisis_exit.untreated);
    t->crisis_exit[CARE_TEAM] = thr_of(m->crisis_exit.crisis_team);
    t->crisis_exit[CARE_BED] = 0;
}

/* What the wellbeing step needs that is the same all week. */
typedef struct wb_consts {
    uint64_t key;          /* keyed draws of the week */
    int stay, team, bed;
    double qw[ST_COUNT];   /* QALY weight of a week in each state (child: 0) */
    uint64_t lane[ST_COUNT]; /* a count of one in the state's 16-bit lane (child: none) */
    uint64_t pf_lane[256];     /* by person flags: lonely, unemployed, employed lanes (12 bits each) */
    uint64_t hf_lane[256];     /* by household flags: in debt, housing insecure lanes, above those */
} wb_consts;

/* Adults a block of the wellbeing pass takes at most: its counts are
 * 12-bit lanes. */
#define WB_BLOCK 4095u

/* Thresholds for a person whose services multiply their hazards. */
static void person_thresholds(world *w, uint32_t i, uint8_t s, unsigned idx, int week, uint64_t out[2])
{
    const cfg_model *m = &w->mp->cfg->model;
    const nb_tables *t = &w->tables;
    double cap = m->multiplier_cap, om, rm, cm;
    /* Recovery multipliers (deprivation, shocks, services) act on
     * STRUGGLING -> WELL; RECOVERING -> WELL keeps its own rate. */
    services_person_multipliers(w, i, week, &om, &rm, &cm);
    /* Multipliers of exactly 1 on the hazards of their state (someone
     * well on a waiting list, say) give the table's thresholds bit for
     * bit, without working them out again. */
    if (s == ST_STRUGGLING ? cm == 1 && rm == 1 : om == 1) {
        out[0] = t->wellbeing[s][idx][0];
        out[1] = t->wellbeing[s][idx][1];
        return;
    }
    /* Otherwise the thresholds are a function of (state, index, the
     * state's multipliers), which the many people in the same services
     * share: kept in a small cache, so the exponentials are worked out
     * once for each, the same bits either way. */
    const double m1 = s == ST_STRUGGLING ? cm : om, m2 = s == ST_STRUGGLING ? rm : 1;
    uint64_t b1, b2;
    memcpy(&b1, &m1, sizeof b1);
    memcpy(&b2, &m2, sizeof b2);
    struct person_thr *e = &w->tables.person_thr[rng_mix64(b1 ^ (b2 << 1) ^ ((uint64_t)s << 8 | idx)) & 255u];
    if (e->gen == t->wellbeing_gen && e->s == s && e->idx == idx && e->m1 == m1 && e->m2 == m2) {
        out[0] = e->thr[0];
        out[1] = e->thr[1];
        return;
    }
    if (s == ST_WELL) {
        out[0] = out[1] = thr_of(m->onset.base * capped(t->onset_mult[idx] * om, cap));
    } else if (s == ST_STRUGGLING) {
        competing(m->crisis.base * capped(t->crisis_mult[idx] * cm, cap),
                  m->recovery.base * capped(t->recovery_mult * rm, cap), out);
    } else {
        competing(m->recovering.relapse * capped(t->onset_mult[idx] * om, cap), m->recovering.to_well, out);
    }
    *e = (struct person_thr){ m1, m2, t->wellbeing_gen, s, (uint8_t)idx, { out[0], out[1] } };
}

/* One adult's week in full, for the people the bulk pass picked out.
 * Kept out of line (PS_COLD): inlined, it crowds the registers of the
 * loop that calls it for a few people in a hundred. */
static PS_COLD ps_status wellbeing_person(world *w, uint32_t i, int week, uint64_t u, const wb_consts *wc, long *c)
{
    const nb_tables *t = &w->tables;
    uint8_t *st = w->st, *care = w->care;
    const uint32_t h = w->mp->pop->p_hh[i];
    const uint8_t s = st[i], x = w->hf[h], f = w->pf[i];
    const unsigned idx = (f & 7u) | ((x & 7u) << 3);
    uint8_t ns = s;
    if (s == ST_CRISIS) {
        uint8_t cr = care[i];
        /* a bed is for a fixed stay: out in the week the stay is up */
        int leave = cr == CARE_BED ? week - WEEK_OF(w->entered[i]) >= wc->stay : rng_hit(u, t->crisis_exit[cr]);
        if (leave) {
            ns = ST_RECOVERING;
            if (cr == CARE_TEAM && wc->team >= 0) {
                w->active[wc->team]--;
                w->ends[wc->team]++;
            }
            if (cr == CARE_BED && wc->bed >= 0) {
                w->active[wc->bed]--;
                w->ends[wc->bed]++;
            }
            care[i] = CARE_NONE;
            w->ncrisis[h]--;
        }
    } else {
        uint64_t own[2];
        const uint64_t *thr = t->wellbeing[s][idx];
        if (w->svc[i] | w->wait[i] | w->after[i] | (w->mod ? w->mod[i] : 0)) {
            person_thresholds(w, i, s, idx, week, own);
            thr = own;
        }
        if (rng_hit(u, thr[0])) {
            if (s == ST_WELL) {
                ns = ST_STRUGGLING;
                c[NB_ONSETS]++;
                if ((w->event_mask & EVENT_BIT(EV_ONSET)) && events_push(w, EV_ONSET, i, 0)) return PS_ERR_NOMEM;
            } else if (s == ST_STRUGGLING) {
                if (crisis_push(w, i)) return PS_ERR_NOMEM;
                ns = ST_CRISIS;
                care[i] = CARE_NONE;
                w->ncrisis[h]++;
                c[NB_CRISIS_EPISODES]++;
                if ((w->event_mask & EVENT_BIT(EV_CRISIS)) && events_push(w, EV_CRISIS, i, 0)) return PS_ERR_NOMEM;
            } else {
                ns = ST_STRUGGLING; /* relapse */
            }
        } else if (rng_hit(u, thr[1])) { /* WELL's two thresholds are one: never here */
            ns = ST_WELL;
            if ((w->event_mask & EVENT_BIT(EV_RECOVERY)) && events_push(w, EV_RECOVERY, i, 0)) return PS_ERR_NOMEM;
        }
    }
    st[i] = ns;
    if (ns != s) {
        w->entered[i] = WEEK_CODE(week);
        world_mark_state(w, i, ns);
    }
    return PS_OK;
}

/* A week of wellbeing for the adults adult[a..b-1] (model_params' list:
 * children never draw). Most draw and nothing happens to them; which ones
 * something does happen to is a coin toss to a branch predictor. So the
 * pass is branch-free for everyone but the few picked out: those whose
 * draw hits the threshold of any event (the table any[][] holds those:
 * all for crisis) or whose services change their hazards; those take the
 * full step, in person order, so events, crises and lists come in the
 * order they always did. Counts go into lanes of two words, added from
 * tables by state and flags; the caller keeps blocks within WB_BLOCK
 * adults. QALYs are summed person by person in the same order as ever. */
static PS_HOT_INLINE ps_status wellbeing_block(world *w, uint32_t a, uint32_t b, int week, const wb_consts *wc, long *c,
                                        double *qaly, const int with_mod)
{
    const nb_tables *t = &w->tables;
    const uint32_t *adult = w->mp->adult, *p_hh = w->mp->pop->p_hh;
    const uint8_t *pf = w->pf, *hf = w->hf, *svc = w->svc, *wait = w->wait, *after = w->after;
    const uint32_t *mod = w->mod;
    uint8_t *st = w->st;
    uint64_t states = 0, flags = 0;
    double q = *qaly;
    for (uint32_t n = a; n < b; n++) {
        const uint32_t i = adult[n];
        const uint8_t s = st[i], f = pf[i], x = hf[p_hh[i]];
        const unsigned idx = (f & 7u) | ((x & 7u) << 3);
        const unsigned busy = (unsigned)(svc[i] | wait[i] | after[i]) | (with_mod ? mod[i] : 0);
        const uint64_t u = rng_keyed(wc->key, i);
        flags += wc->pf_lane[f] + wc->hf_lane[x];
        uint8_t ns = s;
        if (rng_hit(u, t->any[s][idx]) | (busy != 0)) {
            ps_status e = wellbeing_person(w, i, week, u, wc, c);
            if (e) return e;
            ns = st[i];
        }
        q += wc->qw[ns];
        states += wc->lane[ns];
    }
    *qaly = q;
    for (int s = ST_WELL; s < ST_COUNT; s++) c[NB_WELL + s - ST_WELL] += (long)(states >> (16 * (s - ST_WELL)) & 0xffff);
    c[NB_LONELY] += (long)(flags & 0xfff);
    c[NB_UNEMPLOYED] += (long)(flags >> 12 & 0xfff);
    c[NB_EMPLOYED] += (long)(flags >> 24 & 0xfff);
    c[NB_IN_DEBT] += (long)(flags >> 36 & 0xfff);
    c[NB_HOUSING_INSECURE] += (long)(flags >> 48 & 0xfff);
    return PS_OK;
}

ps_status transitions_wellbeing(world *w, int week, int k0, int k1, ps_error *err)
{
    const model_params *mp = w->mp;
    const popdata *pop = mp->pop;
    const cfg_model *m = &mp->cfg->model;
    wb_consts wc = {
        .key = rng_key(w->seed, w->replicate, week, RNG_WELLBEING),
        .stay = m->inpatient_stay_weeks,
        .qw = { 0, m->qaly.well, m->qaly.struggling, m->qaly.crisis, m->qaly.recovering },
        .team = mp->service_of_role[ROLE_CRISIS_TEAM],
        .bed = mp->service_of_role[ROLE_INPATIENT],
    };
    for (int s = ST_WELL; s < ST_COUNT; s++) wc.lane[s] = UINT64_C(1) << (16 * (s - ST_WELL));
    for (unsigned v = 0; v < 256; v++) {
        wc.pf_lane[v] = (uint64_t)((v & PF_LONELY) != 0) | (uint64_t)((v & PF_UNEMPLOYED) != 0) << 12 |
                        (uint64_t)((v & PF_EMPLOYED) != 0) << 24;
        wc.hf_lane[v] = (uint64_t)((v & HF_DEBT) != 0) << 36 | (uint64_t)((v & HF_HOUSING_INSECURE) != 0) << 48;
    }
    const uint8_t *hf = w->hf;

    for (int k = k0; k < k1; k++) {
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
        c[NB_ADULTS] = (long)(mp->nb_adult[k + 1] - mp->nb_adult[k]); /* nobody comes of age in a run */
        c[NB_WORKING_AGE] = (long)mp->nb_working_age[k];
        for (uint32_t a = mp->nb_adult[k], end = mp->nb_adult[k + 1]; a < end; a += WB_BLOCK) {
            uint32_t b = end - a > WB_BLOCK ? a + WB_BLOCK : end;
            /* one copy of the loop for runs without scripts' modifiers, so
             * it spends no register on them */
            ps_status e = w->mod ? wellbeing_block(w, a, b, week, &wc, c, &qaly, 1)
                                 : wellbeing_block(w, a, b, week, &wc, c, &qaly, 0);
            if (e) return err_set(err, PS_ERR_NOMEM, "out of memory");
        }
        c[NB_LABOUR_FORCE] = c[NB_EMPLOYED] + c[NB_UNEMPLOYED];
        double *row = w->nb_now + (size_t)k * NB_COUNT;
        for (int j = 0; j < NB_COUNT; j++) row[j] = (double)c[j];
        row[NB_QALY] = qaly;
    }
    return PS_OK;
}

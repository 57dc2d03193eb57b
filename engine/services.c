/*
 * services: support services as data (MODEL.md section 6, "Services").
 *
 * Each week, in this order:
 *   a. episodes end (at 1 / episode_weeks a week), completed or not; a
 *      completed episode has its effects (recovery, resolved needs,
 *      after-effects) and, in a siloed service, refers the person on for
 *      their next need, losing handoff_dropout of them; a gatekeeper's
 *      completed episode puts the person on its target's waiting list;
 *   b. people come forward: eligible people not already waiting or in an
 *      episode join a list at the route's weekly chance (self: uptake x
 *      (0.5 + S); referral: uptake, onto the gatekeeper's list; outreach:
 *      find_rate, and only while the team has a free place for them);
 *   c. waiting lists: people drop out (wait_dropout a week, or no longer
 *      eligible), then the head of each list starts while there is room.
 * A person holds at most one episode and one waiting-list place at a time.
 * Every decision is a keyed draw, so it is the same in every scenario that
 * puts the same person in the same place.
 */
#include <math.h>
#include <string.h>

#include "alloc.h"
#include "err.h"
#include "rng.h"
#include "world.h"

/* ------------------------------------------------------------ run-wide facts */

ps_status services_params(model_params *mp, ps_error *err)
{
    const ps_config *cfg = mp->cfg;
    int nn = cfg->place.n_neighbourhoods, ns = cfg->n_services;
    mp->svc = ps_calloc((size_t)ns + 1, sizeof *mp->svc);
    mp->access = ps_calloc((size_t)ns + 1, sizeof *mp->access);
    for (int n = 0; n <= NEED_COUNT; n++) mp->takers[n] = ps_calloc((size_t)ns + 1, sizeof *mp->takers[n]);
    if (!mp->svc || !mp->access) return err_set(err, PS_ERR_NOMEM, "out of memory");
    for (int n = 0; n <= NEED_COUNT; n++)
        if (!mp->takers[n]) return err_set(err, PS_ERR_NOMEM, "out of memory");
    for (int s = 0; s < ns; s++) {
        const cfg_service *sv = &cfg->services[s];
        svc_static *x = &mp->svc[s];
        x->serves = ps_calloc((size_t)nn, 1);
        if (!x->serves) return err_set(err, PS_ERR_NOMEM, "out of memory");
        for (int k = 0; k < nn; k++) x->serves[k] = sv->n_neighbourhoods == 0;
        for (int j = 0; j < sv->n_neighbourhoods; j++) {
            int k = config_neighbourhood_index(cfg, sv->neighbourhoods[j]);
            if (k >= 0) x->serves[k] = 1;
        }
        x->units = sv->per_neighbourhood ? nn : 1;
        x->access_purpose = rng_purpose_of_name(RNG_SERVICE_ACCESS, sv->name);
        x->min_age = sv->min_age;
        x->max_age = sv->max_age;
        for (unsigned code = 0; code < 64; code++) {
            unsigned st = (code >> 4) + 1, needs = code & 15u;
            int by_state = sv->eligible_states == 0 || ((sv->eligible_states >> (st - 1)) & 1u);
            int by_need = sv->eligible_needs == 0 || (needs & sv->eligible_needs) != 0;
            if (by_state && by_need) x->eligible |= UINT64_C(1) << code;
        }
        x->capacity = config_capacity(cfg, s);
        x->end_thr = rng_threshold(1.0 / sv->episode_weeks);
        x->complete_thr = rng_threshold(sv->completion);
        x->wait_thr = rng_threshold(sv->wait_dropout);
        x->handoff_thr = rng_threshold(sv->handoff_dropout);
        x->referral_thr = rng_threshold(sv->referral_dropout);
        x->recover_thr = rng_threshold(sv->effects.recover_on_completion);
        for (int n = 0; n < NEED_COUNT; n++) x->resolve_thr[n] = rng_threshold(sv->effects.resolve[n]);
        if (sv->role != ROLE_SUPPORT) continue;
        if (sv->route != ROUTE_NONE) mp->access[mp->n_access++] = s;
        /* A gatekeeper (some service's via) meets no need itself: it refers on. */
        int gatekeeper = 0;
        for (int t = 0; t < ns; t++)
            if (cfg->services[t].role == ROLE_SUPPORT && cfg->services[t].via_index == s) gatekeeper = 1;
        x->gatekeeper = gatekeeper;
        /* Hand-offs go only where something can be done about the need: a
         * chance to resolve it, or for being unwell an effect on wellbeing. */
        for (int n = 0; n < NEED_COUNT && !gatekeeper; n++)
            if ((sv->eligible_needs & (1u << n)) && sv->effects.resolve[n] > 0)
                mp->takers[n][mp->n_takers[n]++] = s;
        unsigned unwell = (1u << (ST_STRUGGLING - 1)) | (1u << (ST_CRISIS - 1)) | (1u << (ST_RECOVERING - 1));
        int helps = sv->effects.recovery > 1 || sv->effects.crisis < 1 || sv->effects.onset < 1 ||
                    sv->effects.recover_on_completion > 0;
        if (!gatekeeper && helps && sv->eligible_needs == 0 &&
            (sv->eligible_states == 0 || (sv->eligible_states & unwell)))
            mp->takers[NEED_MENTAL_HEALTH][mp->n_takers[NEED_MENTAL_HEALTH]++] = s;
    }
    for (int j = 0; j < mp->n_access && j < 64; j++)
        for (unsigned code = 0; code < 64; code++)
            if ((mp->svc[mp->access[j]].eligible >> code) & 1u) mp->access_mask[code] |= UINT64_C(1) << j;
    return PS_OK;
}

void services_params_release(model_params *mp)
{
    for (int s = 0; mp->svc && s < mp->cfg->n_services; s++) ps_free(mp->svc[s].serves);
    ps_free(mp->svc);
    ps_free(mp->access);
    for (int n = 0; n <= NEED_COUNT; n++) ps_free(mp->takers[n]);
    mp->svc = NULL;
    mp->access = NULL;
}

ps_status services_world_init(world *w, ps_error *err)
{
    const ps_config *cfg = w->mp->cfg;
    w->sv = ps_calloc((size_t)cfg->n_services + 1, sizeof *w->sv);
    if (!w->sv) return err_set(err, PS_ERR_NOMEM, "out of memory");
    for (int s = 0; s < cfg->n_services; s++) {
        w->sv[s].units = ps_calloc((size_t)w->mp->svc[s].units, sizeof *w->sv[s].units);
        if (!w->sv[s].units) return err_set(err, PS_ERR_NOMEM, "out of memory");
    }
    return PS_OK;
}

void services_world_release(world *w)
{
    for (int s = 0; w->sv && s < w->mp->cfg->n_services; s++) {
        for (int u = 0; w->sv[s].units && u < w->mp->svc[s].units; u++) ps_free(w->sv[s].units[u].q.ids);
        ps_free(w->sv[s].units);
    }
    ps_free(w->sv);
    w->sv = NULL;
}

/* ------------------------------------------------------------ people */

static uint32_t household_of(const world *w, uint32_t i) { return w->mp->pop->p_hh[i]; }
static int nbhd_of(const world *w, uint32_t i) { return w->mp->pop->hh_nbhd[household_of(w, i)]; }

/* The needs of person i in household h, one bit per enum cfg_need. */
static unsigned needs_in(const world *w, uint32_t i, uint32_t h)
{
    uint8_t hf = w->hf[h], pf = w->pf[i];
    return ((hf & HF_DEBT) ? 1u << NEED_DEBT : 0) | ((hf & HF_HOUSING_INSECURE) ? 1u << NEED_HOUSING : 0) |
           ((pf & PF_UNEMPLOYED) ? 1u << NEED_UNEMPLOYED : 0) | ((pf & PF_LONELY) ? 1u << NEED_LONELY : 0);
}

static unsigned needs_of(const world *w, uint32_t i) { return needs_in(w, i, household_of(w, i)); }

/* Eligibility from a person's code ((state - 1) << 4 | needs) and age. */
static int eligible_code(const svc_static *x, unsigned code, int age)
{
    return ((x->eligible >> code) & 1u) && age >= x->min_age && age <= x->max_age;
}

static int eligible(const world *w, uint32_t i, int s)
{
    uint8_t st = w->st[i];
    if (st == ST_CHILD) return 0;
    return eligible_code(&w->mp->svc[s], (unsigned)(st - 1) << 4 | needs_of(w, i), w->mp->pop->p_age[i]);
}

static svc_unit *unit_of(world *w, int s, uint32_t i)
{
    return &w->sv[s].units[w->mp->svc[s].units == 1 ? 0 : nbhd_of(w, i)];
}

static int queue_push(svc_queue *q, uint32_t id)
{
    if (q->len == q->cap) {
        uint32_t ncap = q->cap ? q->cap * 2 : 64;
        uint32_t *ids = ps_reallocarray(NULL, ncap, sizeof *ids);
        if (!ids) return -1;
        for (uint32_t k = 0; k < q->len; k++) ids[k] = q->ids[(q->head + k) % q->cap];
        ps_free(q->ids);
        q->ids = ids;
        q->cap = ncap;
        q->head = 0;
    }
    q->ids[(q->head + q->len) % q->cap] = id;
    q->len++;
    return 0;
}

ps_status services_join(world *w, uint32_t i, int s, int target, int week)
{
    if (queue_push(&unit_of(w, s, i)->q, i)) return PS_ERR_NOMEM;
    w->wait[i] = (uint8_t)(s + 1);
    w->target[i] = (uint8_t)(target + 1);
    w->since[i] = WEEK_CODE(week);
    w->sv[s].referrals++;
    return PS_OK;
}

void services_person_multipliers(const world *w, uint32_t i, int week, double *onset, double *recovery,
                                 double *crisis)
{
    const ps_config *cfg = w->mp->cfg;
    double om = 1, rm = 1, cm = 1;
    if (w->svc[i]) {
        const cfg_service *sv = &cfg->services[w->svc[i] - 1];
        om *= sv->effects.onset;
        rm *= sv->effects.recovery;
        cm *= sv->effects.crisis;
    }
    if (w->after[i] && w->after[i] != w->svc[i] && week < WEEK_OF(w->after_until[i])) {
        const cfg_service *sv = &cfg->services[w->after[i] - 1];
        om *= sv->effects.onset;
        rm *= sv->effects.recovery;
        cm *= sv->effects.crisis;
    }
    if (w->wait[i]) cm *= cfg->model.crisis.waiting;
    *onset = om;
    *recovery = rm;
    *crisis = cm;
}

/* ------------------------------------------------------------ completion */

typedef struct week_keys {
    uint64_t end, complete, wait, handoff, recover, resolve;
} week_keys;

static void resolve_need(world *w, uint32_t i, int need)
{
    uint32_t h = household_of(w, i);
    switch (need) {
    case NEED_DEBT: w->hf[h] &= (uint8_t)~HF_DEBT; break;
    case NEED_HOUSING: w->hf[h] &= (uint8_t)~HF_HOUSING_INSECURE; break;
    case NEED_UNEMPLOYED:
        if (w->pf[i] & PF_UNEMPLOYED) {
            w->pf[i] = (uint8_t)((w->pf[i] & ~PF_UNEMPLOYED) | PF_EMPLOYED);
            w->workers[h]++;
        }
        break;
    case NEED_LONELY: w->pf[i] &= (uint8_t)~PF_LONELY; break;
    default: break;
    }
}

/* Does service s meet need n (the fifth need: being unwell)? */
static int takes_need(const cfg_service *sv, int n)
{
    return n == NEED_MENTAL_HEALTH ? sv->eligible_needs == 0 : (sv->eligible_needs >> n) & 1u;
}

/* A siloed service's onward referral: the person's first remaining need
 * that s does not meet, to the first other service that meets it, serves
 * them and takes them. */
static ps_status hand_off(world *w, uint32_t i, int s, const week_keys *k, int week)
{
    const model_params *mp = w->mp;
    const cfg_service *sv = &mp->cfg->services[s];
    unsigned needs = needs_of(w, i);
    uint8_t st = w->st[i];
    if (st == ST_STRUGGLING || st == ST_CRISIS || st == ST_RECOVERING) needs |= 1u << NEED_MENTAL_HEALTH;
    int k_nb = nbhd_of(w, i);
    for (int n = 0; n <= NEED_COUNT; n++) {
        if (!((needs >> n) & 1u) || takes_need(sv, n)) continue;
        for (int j = 0; j < mp->n_takers[n]; j++) {
            int t = mp->takers[n][j];
            if (t == s || !mp->svc[t].serves[k_nb] || !eligible(w, i, t)) continue;
            if (rng_hit(rng_keyed(k->handoff, i), mp->svc[s].handoff_thr)) {
                w->sv[s].lost++;
                return PS_OK;
            }
            return services_join(w, i, t, -1, week);
        }
    }
    return PS_OK;
}

static ps_status complete(world *w, uint32_t i, int s, const week_keys *k, int week)
{
    const model_params *mp = w->mp;
    const cfg_service *sv = &mp->cfg->services[s];
    const svc_static *x = &mp->svc[s];
    if (w->target[i]) { /* a gatekeeper refers on, losing the referral route's drop-out */
        int t = w->target[i] - 1;
        w->target[i] = 0;
        if (rng_hit(rng_keyed(k->handoff, i), mp->svc[t].referral_thr)) {
            w->sv[s].lost++; /* lost between the gatekeeper and the service */
            return PS_OK;
        }
        if (eligible(w, i, t)) return services_join(w, i, t, -1, week);
        return PS_OK;
    }
    uint8_t st = w->st[i];
    if ((st == ST_STRUGGLING || st == ST_RECOVERING) && rng_hit(rng_keyed(k->recover, i), x->recover_thr)) {
        w->st[i] = ST_WELL;
        w->wk[i] = 0;
    }
    unsigned needs = needs_of(w, i);
    for (int n = 0; n < NEED_COUNT; n++) {
        if (!((needs >> n) & 1u) || !(sv->integrated || ((sv->eligible_needs >> n) & 1u))) continue;
        if (rng_hit(rng_keyed(k->resolve, (uint64_t)i * NEED_COUNT + (uint64_t)n), x->resolve_thr[n]))
            resolve_need(w, i, n);
    }
    if (sv->effects.after_weeks > 0) {
        w->after[i] = (uint8_t)(s + 1);
        w->after_until[i] = WEEK_CODE(week + sv->effects.after_weeks);
    }
    if (!sv->integrated) return hand_off(w, i, s, k, week);
    return PS_OK;
}

/* ------------------------------------------------------------ the week */

/* This week's places of one unit: staffed places plus volunteers' places,
 * times any capacity shock; none in a neighbourhood the service does not
 * serve. Clamped to CONFIG_MAX_CAPACITY before becoming an int. */
static int unit_capacity(const world *w, int s, int u)
{
    const ps_config *cfg = w->mp->cfg;
    const cfg_service *sv = &cfg->services[s];
    const svc_static *x = &w->mp->svc[s];
    if (x->units > 1 && !x->serves[u]) return 0;
    double cap = x->capacity;
    if (sv->volunteer_capacity > 0) {
        double vol = 0;
        if (x->units == 1) {
            for (int k = 0; k < cfg->place.n_neighbourhoods; k++)
                if (x->serves[k]) vol += w->volunteers[k];
        } else {
            vol = w->volunteers[u];
        }
        cap += sv->volunteer_capacity * vol / 100.0;
    }
    return config_clamp_capacity(cap * w->cap_mult[s]);
}

/* People come forward to the services of the access list. */
static ps_status arrivals(world *w, int week)
{
    const model_params *mp = w->mp;
    const ps_config *cfg = mp->cfg;
    const popdata *pop = mp->pop;
    if (mp->n_access == 0) return PS_OK;
    uint64_t key[256], thr[256];
    for (int j = 0; j < mp->n_access; j++)
        key[j] = rng_key(w->seed, w->replicate, week, mp->svc[mp->access[j]].access_purpose);
    const int fast = mp->n_access <= 64; /* else every person tries every service */
    for (int k = 0; k < pop->n_nbhd; k++) {
        double S = w->social_capital[k];
        uint64_t here = 0;
        for (int j = 0; j < mp->n_access; j++) {
            const cfg_service *sv = &cfg->services[mp->access[j]];
            double p = sv->route == ROUTE_SELF ? sv->uptake * (0.5 + S)
                       : sv->route == ROUTE_OUTREACH ? sv->find_rate
                                                     : sv->uptake;
            int open = mp->svc[mp->access[j]].serves[k] &&
                       (sv->route != ROUTE_REFERRAL || mp->svc[sv->via_index].serves[k]);
            thr[j] = open ? rng_threshold(p) : 0;
            if (thr[j] && j < 64) here |= UINT64_C(1) << j;
        }
        if (fast && !here) continue;
        for (uint32_t h = pop->nb_hh[k]; h < pop->nb_hh[k + 1]; h++) {
            for (uint32_t i = pop->hh_first[h]; i < pop->hh_first[h + 1]; i++) {
                uint8_t st = w->st[i];
                if (st == ST_CHILD || w->svc[i] || w->wait[i]) continue;
                unsigned code = (unsigned)(st - 1) << 4 | needs_in(w, i, h);
                uint64_t may = fast ? mp->access_mask[code] & here : ~UINT64_C(0);
                if (!may) continue;
                int age = pop->p_age[i];
                for (int j = 0; j < mp->n_access; j++) {
                    if (fast && !((may >> j) & 1u)) continue;
                    int s = mp->access[j];
                    if (!thr[j] || !eligible_code(&mp->svc[s], code, age)) continue;
                    const cfg_service *sv = &cfg->services[s];
                    if (sv->route == ROUTE_OUTREACH) {
                        /* a team goes out to find people only while it has room to see them */
                        const svc_unit *u = unit_of(w, s, i);
                        if (u->active + (int)u->q.len >= u->capacity) continue;
                    }
                    if (!rng_hit(rng_keyed(key[j], i), thr[j])) continue;
                    ps_status st2 = sv->route == ROUTE_REFERRAL ? services_join(w, i, sv->via_index, s, week)
                                                                : services_join(w, i, s, -1, week);
                    if (st2) return st2;
                    break;
                }
            }
        }
    }
    return PS_OK;
}

/* Drop-outs from one list, then starts from its head while there is room. */
static void serve_queue(world *w, int s, svc_unit *unit, const week_keys *k, int week)
{
    const svc_static *x = &w->mp->svc[s];
    svc_state *ss = &w->sv[s];
    svc_queue *q = &unit->q;
    uint32_t kept = 0;
    for (uint32_t n = 0; n < q->len; n++) {
        uint32_t i = q->ids[(q->head + n) % q->cap];
        int joined_before = WEEK_OF(w->since[i]) < week;
        int for_whom = w->target[i] ? w->target[i] - 1 : s;
        if ((joined_before && rng_hit(rng_keyed(k->wait, i), x->wait_thr)) || !eligible(w, i, for_whom)) {
            w->wait[i] = 0;
            w->target[i] = 0;
            ss->dropped++;
            continue;
        }
        q->ids[(q->head + kept) % q->cap] = i;
        kept++;
    }
    q->len = kept;
    while (q->len > 0 && unit->active < unit->capacity) {
        uint32_t i = q->ids[q->head];
        q->head = (q->head + 1) % q->cap;
        q->len--;
        ss->wait_sum += week - WEEK_OF(w->since[i]);
        w->since[i] = WEEK_CODE(week);
        w->svc[i] = (uint8_t)(s + 1);
        w->wait[i] = 0;
        ss->started++;
        unit->active++;
    }
}

ps_status services_week(world *w, int week, ps_error *err)
{
    const model_params *mp = w->mp;
    const ps_config *cfg = mp->cfg;
    week_keys k = {
        rng_key(w->seed, w->replicate, week, RNG_SERVICE_END),
        rng_key(w->seed, w->replicate, week, RNG_SERVICE_COMPLETE),
        rng_key(w->seed, w->replicate, week, RNG_SERVICE_WAIT),
        rng_key(w->seed, w->replicate, week, RNG_SERVICE_HANDOFF),
        rng_key(w->seed, w->replicate, week, RNG_SERVICE_RECOVER),
        rng_key(w->seed, w->replicate, week, RNG_SERVICE_RESOLVE),
    };
    for (int s = 0; s < cfg->n_services; s++) {
        svc_state *ss = &w->sv[s];
        ss->referrals = ss->started = ss->completed = ss->dropped = ss->lost = 0;
        ss->wait_sum = 0;
        if (cfg->services[s].role != ROLE_SUPPORT) continue;
        for (int u = 0; u < mp->svc[s].units; u++) ss->units[u].capacity = unit_capacity(w, s, u);
    }
    /* a. episodes end; after-effects run out */
    uint32_t np = mp->pop->n_persons;
    for (uint32_t i = 0; i < np; i++) {
        if (!(w->svc[i] | w->after[i])) continue;
        if (w->after[i] && week >= WEEK_OF(w->after_until[i])) w->after[i] = 0;
        if (!w->svc[i]) continue;
        int s = w->svc[i] - 1;
        if (!rng_hit(rng_keyed(k.end, i), mp->svc[s].end_thr)) continue;
        unit_of(w, s, i)->active--;
        w->svc[i] = 0;
        if (rng_hit(rng_keyed(k.complete, i), mp->svc[s].complete_thr)) {
            w->sv[s].completed++;
            if (complete(w, i, s, &k, week)) return err_set(err, PS_ERR_NOMEM, "out of memory");
        } else {
            w->sv[s].dropped++;
            w->target[i] = 0;
        }
    }
    /* b. people come forward */
    if (arrivals(w, week)) return err_set(err, PS_ERR_NOMEM, "out of memory");
    /* c. waiting lists */
    for (int s = 0; s < cfg->n_services; s++) {
        if (cfg->services[s].role != ROLE_SUPPORT) continue;
        for (int u = 0; u < mp->svc[s].units; u++) serve_queue(w, s, &w->sv[s].units[u], &k, week);
    }
    return PS_OK;
}

/* ------------------------------------------------------------ accounting */

void services_record(world *w, double *ts, double *xs, double *rows)
{
    const model_params *mp = w->mp;
    const ps_config *cfg = mp->cfg;
    const metrics_layout *L = &mp->layout;
    int team = mp->service_of_role[ROLE_CRISIS_TEAM], ae = mp->service_of_role[ROLE_EMERGENCY],
        bed = mp->service_of_role[ROLE_INPATIENT];
    double total = 0;
    for (int s = 0; s < cfg->n_services; s++) {
        const cfg_service *sv = &cfg->services[s];
        double *r = rows + (size_t)s * SV_COUNT;
        memset(r, 0, SV_COUNT * sizeof *r);
        if (sv->role == ROLE_SUPPORT) {
            const svc_state *ss = &w->sv[s];
            for (int u = 0; u < mp->svc[s].units; u++) {
                r[SV_WAITING] += ss->units[u].q.len;
                r[SV_ACTIVE] += ss->units[u].active;
                r[SV_CAPACITY] += ss->units[u].capacity;
            }
            r[SV_REFERRALS] = ss->referrals;
            r[SV_STARTED] = ss->started;
            r[SV_COMPLETED] = ss->completed;
            r[SV_DROPPED] = ss->dropped;
            r[SV_WAIT_SUM] = ss->wait_sum;
            r[SV_LOST] = ss->lost;
        } else {
            r[SV_REFERRALS] = s == team ? (double)w->n_new : w->starts[s];
            r[SV_STARTED] = w->starts[s];
            r[SV_ACTIVE] = s == ae ? w->starts[s] : w->active[s];
            r[SV_COMPLETED] = w->ends[s];
            r[SV_CAPACITY] = config_clamp_capacity(mp->capacity[s] * w->cap_mult[s]);
        }
        r[SV_COST] = mp->fixed_cost[s] + sv->cost_per_start * r[SV_STARTED] + sv->cost_per_week * r[SV_ACTIVE];
        ts[TS_FIXED + L->service_agency[s]] += r[SV_COST];
        total += r[SV_COST];
    }
    for (int k = 0; k < cfg->place.n_neighbourhoods; k++) {
        ts[TS_FIXED + mp->asset_agency] += mp->asset_cost[k];
        total += mp->asset_cost[k];
    }
    ts[TS_COST_TOTAL] = total;
    ts[TS_AE] = ae >= 0 ? w->starts[ae] : 0;
    ts[TS_ADMISSIONS] = bed >= 0 ? w->starts[bed] : 0;
    xs[XS_BED_WEEKS] = bed >= 0 ? w->active[bed] : 0;
    xs[XS_TEAM_ACTIVE] = team >= 0 ? w->active[team] : 0;
    xs[XS_TEAM_STARTS] = team >= 0 ? w->starts[team] : 0;
    xs[XS_UNTREATED] = (double)w->n_new - xs[XS_TEAM_STARTS] - ts[TS_AE];
}

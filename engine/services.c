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
#include "hints.h"
#include "rng.h"
#include "interventions.h"
#include "world.h"

/* ------------------------------------------------------------ people */

static uint32_t household_of(const world *w, uint32_t i) { return w->mp->pop->p_hh[i]; }
static int nbhd_of(const world *w, uint32_t i) { return w->mp->pop->hh_nbhd[household_of(w, i)]; }

/* The needs of person i in household h, one bit per enum cfg_need. */
static inline unsigned needs_of_flags(uint8_t hf, uint8_t pf) { return (hf & 3u) | (pf & 3u) << 2; }

static unsigned needs_in(const world *w, uint32_t i, uint32_t h)
{
    /* the flags sit in the needs' order: debt and housing are the
     * household's two low bits, unemployed and lonely the person's */
    _Static_assert(HF_DEBT == 1u << NEED_DEBT && HF_HOUSING_INSECURE == 1u << NEED_HOUSING &&
                       PF_UNEMPLOYED << 2 == 1u << NEED_UNEMPLOYED && PF_LONELY << 2 == 1u << NEED_LONELY,
                   "needs are read from the flags' bits");
    return needs_of_flags(w->hf[h], w->pf[i]);
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
    return eligible_code(&w->svt.sx[s], (unsigned)(st - 1) << 4 | needs_of(w, i), w->mp->pop->p_age[i]);
}

static svc_unit *unit_of(world *w, int s, uint32_t i)
{
    return &w->sv[s].units[w->svt.sx[s].units == 1 ? 0 : nbhd_of(w, i)];
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

int services_refer(world *w, uint32_t i, int s, int week)
{
    if (w->st[i] == ST_CHILD || w->svc[i] || w->wait[i] || !w->svt.sx[s].serves[nbhd_of(w, i)] || !eligible(w, i, s))
        return 0;
    return services_join(w, i, s, -1, week) ? -1 : 1;
}

void services_person_multipliers(world *w, uint32_t i, int week, double *onset, double *recovery,
                                 double *crisis)
{
    double om = 1, rm = 1, cm = 1;
    if (w->svc[i]) {
        const cfg_service *sv = w->svt.def[w->svc[i] - 1];
        om *= sv->effects.onset;
        rm *= sv->effects.recovery;
        cm *= sv->effects.crisis;
    }
    if (w->after[i] && w->after[i] != w->svc[i] && week < WEEK_OF(w->after_until[i])) {
        const cfg_service *sv = w->svt.def[w->after[i] - 1];
        om *= sv->effects.onset;
        rm *= sv->effects.recovery;
        cm *= sv->effects.crisis;
    }
    if (w->wait[i]) cm *= w->mp->cfg->model.crisis.waiting;
    if (w->mod && w->mod[i]) modifiers_apply(w, i, week, &om, &rm, &cm);
    *onset = om;
    *recovery = rm;
    *crisis = cm;
}

/* ------------------------------------------------------------ completion */

typedef struct week_keys {
    uint64_t end, complete, wait, handoff, recover, resolve, resolve_member;
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
    world_needs_changed(w, h);
}

/* An integrated episode meets all of a household's needs (MODEL.md): its
 * debt and housing are the household's already, and each other adult's
 * unemployment and loneliness is resolved at the service's chances too,
 * with a draw of their own (keyed by the member, so the same whoever in
 * the household was seen). */
static void resolve_household(world *w, uint32_t i, const svc_static *x, const week_keys *k)
{
    const popdata *pop = w->mp->pop;
    uint32_t h = household_of(w, i);
    static const int personal[] = { NEED_UNEMPLOYED, NEED_LONELY };
    for (uint32_t m = pop->hh_first[h]; m < pop->hh_first[h + 1]; m++) {
        if (m == i || w->st[m] == ST_CHILD) continue;
        unsigned needs = needs_in(w, m, h);
        for (int j = 0; j < 2; j++) {
            int n = personal[j];
            if (((needs >> n) & 1u) &&
                rng_hit(rng_keyed(k->resolve_member, (uint64_t)m * NEED_COUNT + (uint64_t)n), x->resolve_thr[n]))
                resolve_need(w, m, n);
        }
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
    const svc_table *t = &w->svt;
    const cfg_service *sv = t->def[s];
    unsigned needs = needs_of(w, i);
    uint8_t st = w->st[i];
    if (st == ST_STRUGGLING || st == ST_CRISIS || st == ST_RECOVERING) needs |= 1u << NEED_MENTAL_HEALTH;
    int k_nb = nbhd_of(w, i);
    for (int n = 0; n <= NEED_COUNT; n++) {
        if (!((needs >> n) & 1u) || takes_need(sv, n)) continue;
        for (int j = 0; j < t->n_takers[n]; j++) {
            int to = t->takers[n][j];
            if (to == s || !t->sx[to].serves[k_nb] || !eligible(w, i, to)) continue;
            if (rng_hit(rng_keyed(k->handoff, i), t->sx[s].handoff_thr)) {
                w->sv[s].lost++;
                return PS_OK;
            }
            return services_join(w, i, to, -1, week);
        }
    }
    return PS_OK;
}

static ps_status complete(world *w, uint32_t i, int s, const week_keys *k, int week)
{
    const cfg_service *sv = w->svt.def[s];
    const svc_static *x = &w->svt.sx[s];
    if (w->target[i]) { /* a gatekeeper refers on, losing the referral route's drop-out */
        int t = w->target[i] - 1;
        w->target[i] = 0;
        if (rng_hit(rng_keyed(k->handoff, i), w->svt.sx[t].referral_thr)) {
            w->sv[s].lost++; /* lost between the gatekeeper and the service */
            return PS_OK;
        }
        if (eligible(w, i, t)) return services_join(w, i, t, -1, week);
        return PS_OK;
    }
    uint8_t st = w->st[i];
    if ((st == ST_STRUGGLING || st == ST_RECOVERING) && rng_hit(rng_keyed(k->recover, i), x->recover_thr)) {
        w->st[i] = ST_WELL;
        w->entered[i] = WEEK_CODE(week);
        world_mark_state(w, i, ST_WELL);
        if ((w->event_mask & EVENT_BIT(EV_RECOVERY)) && events_push(w, EV_RECOVERY, i, 0)) return PS_ERR_NOMEM;
    }
    unsigned needs = needs_of(w, i);
    for (int n = 0; n < NEED_COUNT; n++) {
        if (!((needs >> n) & 1u) || !(sv->integrated || ((sv->eligible_needs >> n) & 1u))) continue;
        if (rng_hit(rng_keyed(k->resolve, (uint64_t)i * NEED_COUNT + (uint64_t)n), x->resolve_thr[n]))
            resolve_need(w, i, n);
    }
    if (sv->integrated) resolve_household(w, i, x, k);
    if (sv->effects.after_weeks > 0) {
        w->after[i] = (uint8_t)(s + 1);
        w->after_until[i] = WEEK_CODE(week + sv->effects.after_weeks);
    }
    if (!sv->integrated) return hand_off(w, i, s, k, week);
    return PS_OK;
}

/* ------------------------------------------------------------ the week */

/* Person i, who is in an episode or under its after-effects, this week:
 * the after-effects may run out, the episode may end. */
static ps_status episode_week(world *w, uint32_t i, const week_keys *k, int week)
{
    const svc_table *t = &w->svt;
    if (w->after[i] && week >= WEEK_OF(w->after_until[i])) w->after[i] = 0;
    if (!w->svc[i]) return PS_OK;
    int s = w->svc[i] - 1;
    if (!rng_hit(rng_keyed(k->end, i), t->sx[s].end_thr)) return PS_OK;
    unit_of(w, s, i)->active--;
    w->svc[i] = 0;
    int completed = rng_hit(rng_keyed(k->complete, i), t->sx[s].complete_thr);
    if (w->event_mask & EVENT_BIT(EV_SERVICE_END) && events_push(w, EV_SERVICE_END, i, EV_END_EXTRA(s, completed)))
        return PS_ERR_NOMEM;
    if (completed) {
        w->sv[s].completed++;
        return complete(w, i, s, k, week);
    }
    w->sv[s].dropped++;
    w->target[i] = 0;
    return PS_OK;
}

/* This week's places of one unit: staffed places plus volunteers' places,
 * times any capacity shock (in the unit's neighbourhood, for a team per
 * neighbourhood); none in a neighbourhood the service does not serve.
 * Clamped to CONFIG_MAX_CAPACITY before becoming an int. */
static int unit_capacity(const world *w, int s, int u)
{
    const ps_config *cfg = w->mp->cfg;
    const cfg_service *sv = w->svt.def[s];
    const svc_static *x = &w->svt.sx[s];
    if (x->units > 1 && !x->serves[u]) return 0;
    double cap = w->capacity[s];
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
    return config_clamp_capacity(cap * w->cap_mult[s] * w->sv[s].units[u].shock_mult);
}

/* People come forward to the services of the access list. */
/* One service people come forward to, as it stands this week in one
 * neighbourhood: what trying it takes, without going through its
 * definition for every person. */
typedef struct door {
    uint64_t key, thr;    /* keyed draws of coming forward; threshold (0: closed here) */
    int s, via;           /* the service, and the gatekeeper a referral goes through (or -1) */
    int min_age, max_age;
    int ages;             /* it turns away some adults by age */
    int outreach;         /* the team finds people only while it has room */
} door;

typedef struct arrivals_ctx {
    door doors[256 + 64];
    uint64_t here;        /* bit j: door j is open (j < 64), and not full if it goes out */
    int fast;             /* at most 64 doors: a person's code gives a mask of those to try */
    int ages;             /* some door asks a person's age (else it is not read) */
    int week;
} arrivals_ctx;

/* Person i (of that code and age) tries door j: 1 if they join its list
 * (or its gatekeeper's), 0 if not, -1 out of memory. An outreach team
 * found full is closed for the rest of the neighbourhood, as nothing
 * frees a place while people come forward. Inlined by force
 * (PS_HOT_INLINE): left to itself, the compiler calls it once it grows
 * past a few tests, and a call for each of the week's hundreds of
 * thousands of tries shows in the profile. */
static PS_HOT_INLINE int try_door(world *w, arrivals_ctx *cx, int j, uint32_t i, unsigned code, int age)
{
    const door *d = &cx->doors[j];
    if (!d->thr || (d->ages && (age < d->min_age || age > d->max_age))) return 0;
    if (!cx->fast && !((w->svt.sx[d->s].eligible >> code) & 1u)) return 0; /* else the mask said so */
    if (d->outreach) {
        const svc_unit *u = unit_of(w, d->s, i);
        if (u->active + (int)u->q.len >= u->capacity) {
            if (j < 64) cx->here &= ~(UINT64_C(1) << j);
            return 0;
        }
    }
    if (!rng_hit(rng_keyed(d->key, i), d->thr)) return 0;
    ps_status st = d->via >= 0 ? services_join(w, i, d->via, d->s, cx->week) : services_join(w, i, d->s, -1, cx->week);
    return st ? -1 : 1;
}

/* Adult i, not waiting or in an episode, with that code ((state - 1) <<
 * 4 | needs), tries the doors that take them (the bits of the mask,
 * lowest first, or all of them in order when there are too many for a
 * mask) until one takes them: 0, or -1 out of memory. */
static PS_HOT_INLINE int come_forward(world *w, arrivals_ctx *cx, uint32_t i, unsigned code)
{
    const int age = cx->ages ? w->mp->pop->p_age[i] : ADULT_AGE;
    int joined = 0;
    if (cx->fast)
        for (uint64_t may = w->svt.access_mask[code] & cx->here; may && !joined; may &= may - 1)
            joined = try_door(w, cx, __builtin_ctzll(may), i, code, age);
    else
        for (int j = 0; j < w->svt.n_access && !joined; j++) joined = try_door(w, cx, j, i, code, age);
    return joined < 0 ? -1 : 0;
}

/* Does any of the doors draw person i this week? Which door takes a
 * person depends on their state and needs, read from memory; the draws do
 * not. At the chances people come forward at, most draw nothing from any
 * door that could take someone like them, and a person who draws nothing
 * joins nothing, so testing the draws first passes them over without a
 * read. */
static inline int drawn_by_any(const arrivals_ctx *cx, uint64_t doors, uint32_t i)
{
    for (; doors; doors &= doors - 1) {
        const door *d = &cx->doors[__builtin_ctzll(doors)];
        if (rng_hit(rng_keyed(d->key, i), d->thr)) return 1;
    }
    return 0;
}

/* Neighbourhood k's adults who can come forward when no open service
 * takes the well without a need: those marked unwell and, if services
 * take the well with some needs, those marked with any of them, a word of
 * 64 people at a time, in person order; the well only if one of the
 * doors that take the well draws them (the unwell are fewer, and try
 * more doors: for them the draws would cost more than the reads). 0, or
 * -1 out of memory. */
static int come_forward_marked(world *w, arrivals_ctx *cx, int k)
{
    const popdata *pop = w->mp->pop;
    const uint8_t *st = w->st, *svc = w->svc, *wait = w->wait;
    unsigned well_needs = 0;
    uint64_t well_doors = 0;
    for (unsigned code = 0; code < 16; code++) { /* the well's: (ST_WELL - 1) << 4 | needs */
        const uint64_t doors = w->svt.access_mask[code] & cx->here;
        well_doors |= doors;
        if (doors) well_needs |= code;
    }
    const uint32_t a0 = pop->hh_first[pop->nb_hh[k]], a1 = pop->hh_first[pop->nb_hh[k + 1]];
    for (uint32_t word = a0 / 64; a0 < a1 && word <= (a1 - 1) / 64; word++) {
        /* the lines of the people two words on, asked for now: the
         * loads below wait on memory otherwise */
        const uint32_t ahead = word * 64 + 128 < a1 ? word * 64 + 128 : a1 - 1;
        __builtin_prefetch(st + ahead);
        __builtin_prefetch(svc + ahead);
        __builtin_prefetch(wait + ahead);
        __builtin_prefetch(w->pf + ahead);
        __builtin_prefetch(pop->p_hh + ahead);
        const uint64_t unwell = world_bits_in(w->unwell, word, a0, a1);
        uint64_t well = 0, m = unwell;
        for (int n = 0; n < NEED_COUNT; n++)
            if ((well_needs >> n) & 1u) well |= world_bits_in(w->need_bits + (size_t)n * w->words, word, a0, a1);
        for (well &= ~unwell; well; well &= well - 1) { /* the well: those a door draws */
            const unsigned b = (unsigned)__builtin_ctzll(well);
            m |= (uint64_t)drawn_by_any(cx, well_doors & cx->here, word * 64 + b) << b;
        }
        for (; m; m &= m - 1) {
            const uint32_t i = word * 64 + (uint32_t)__builtin_ctzll(m);
            if (svc[i] | wait[i]) continue;
            if (come_forward(w, cx, i, (unsigned)(st[i] - 1) << 4 | needs_in(w, i, pop->p_hh[i]))) return -1;
        }
    }
    return 0;
}

/* Neighbourhood k's adults in blocks, in household order (as the lists
 * must fill). A first, branch-free pass lists those some service might
 * take (not waiting or in an episode, whose state and needs some open
 * service takes), with their codes: which those are is a coin toss to the
 * processor. Each of them then tries the services that take them, in
 * order; joining one changes only that person, so the list stays true.
 * 0, or -1 out of memory. */
static int come_forward_listed(world *w, arrivals_ctx *cx, int k)
{
    const svc_table *t = &w->svt;
    const uint8_t *st = w->st, *svc = w->svc, *wait = w->wait, *hf = w->hf, *pf = w->pf;
    const uint32_t *p_hh = w->mp->pop->p_hh, *adult = w->mp->adult;
    uint64_t everyone[64]; /* too many doors for a mask: every free adult tries them all */
    if (!cx->fast)
        for (int c = 0; c < 64; c++) everyone[c] = ~UINT64_C(0);
    const uint64_t *mask = cx->fast ? t->access_mask : everyone;
    for (uint32_t a = w->mp->nb_adult[k], end = w->mp->nb_adult[k + 1]; a < end;) {
        uint32_t list[1024], n = 0;
        uint8_t codes[1024];
        const uint32_t b = end - a > 1024 ? a + 1024 : end;
        const uint64_t here = cx->fast ? cx->here : ~UINT64_C(0);
        for (uint32_t c = a; c < b; c++) {
            const uint32_t i = adult[c];
            const unsigned code = ((unsigned)(st[i] - 1) & 3u) << 4 | needs_of_flags(hf[p_hh[i]], pf[i]);
            list[n] = i;
            codes[n] = (uint8_t)code;
            n += (unsigned)((mask[code] & here) != 0) & (unsigned)((svc[i] | wait[i]) == 0);
        }
        a = b;
        for (uint32_t c = 0; c < n; c++)
            if (come_forward(w, cx, list[c], codes[c])) return -1;
    }
    return 0;
}

static ps_status arrivals(world *w, int week)
{
    const svc_table *t = &w->svt;
    const popdata *pop = w->mp->pop;
    if (t->n_access == 0) return PS_OK;
    arrivals_ctx cx;
    cx.fast = t->n_access <= 64; /* else every person tries every service */
    cx.week = week;
    cx.ages = 0;
    for (int j = 0; j < t->n_access; j++) {
        const int s = t->access[j];
        const cfg_service *sv = t->def[s];
        door *d = &cx.doors[j];
        d->key = rng_key(w->seed, w->replicate, week, t->sx[s].access_purpose);
        d->s = s;
        d->via = sv->route == ROUTE_REFERRAL ? sv->via_index : -1;
        d->min_age = t->sx[s].min_age;
        d->max_age = t->sx[s].max_age;
        d->ages = d->min_age > ADULT_AGE || d->max_age < POP_MAX_AGE;
        cx.ages |= d->ages;
        d->outreach = sv->route == ROUTE_OUTREACH;
    }
    for (int k = 0; k < pop->n_nbhd; k++) {
        double S = w->social_capital[k];
        cx.here = 0;
        for (int j = 0; j < t->n_access; j++) {
            const cfg_service *sv = t->def[t->access[j]];
            double p = sv->route == ROUTE_SELF ? sv->uptake * (0.5 + S)
                       : sv->route == ROUTE_OUTREACH ? sv->find_rate
                                                     : sv->uptake;
            int open = t->sx[t->access[j]].serves[k] && (sv->route != ROUTE_REFERRAL || t->sx[sv->via_index].serves[k]);
            cx.doors[j].thr = open ? rng_threshold(p) : 0;
            if (cx.doors[j].thr && j < 64) cx.here |= UINT64_C(1) << j;
        }
        if (cx.fast && !cx.here) continue;
        /* unless some open service takes people who are well with no need,
         * only those marked unwell or with a need such services take */
        int st = cx.fast && !(t->access_mask[0] & cx.here) ? come_forward_marked(w, &cx, k)
                                                            : come_forward_listed(w, &cx, k);
        if (st) return PS_ERR_NOMEM;
    }
    return PS_OK;
}

/* Drop-outs from one list, then starts from its head while there is room. */
static int serve_queue(world *w, int s, svc_unit *unit, const week_keys *k, int week)
{
    const svc_static *x = &w->svt.sx[s];
    svc_state *ss = &w->sv[s];
    svc_queue *q = &unit->q;
    uint32_t kept = 0, at = q->head, to = q->head;
    const uint32_t ahead = 16; /* the people on a list are scattered over memory: ask for them early */
    for (uint32_t n = 0; n < q->len; n++) {
        if (n + ahead < q->len) {
            uint32_t a = q->head + n + ahead;
            const uint32_t later = q->ids[a >= q->cap ? a - q->cap : a];
            __builtin_prefetch(&w->since[later]);
            __builtin_prefetch(&w->target[later]);
            __builtin_prefetch(&w->st[later]);
            __builtin_prefetch(&w->pf[later]);
            __builtin_prefetch(&w->mp->pop->p_hh[later]);
            __builtin_prefetch(&w->mp->pop->p_age[later]);
        }
        uint32_t i = q->ids[at];
        at = at + 1 == q->cap ? 0 : at + 1;
        int joined_before = WEEK_OF(w->since[i]) < week;
        int for_whom = w->target[i] ? w->target[i] - 1 : s;
        if ((joined_before && rng_hit(rng_keyed(k->wait, i), x->wait_thr)) || !eligible(w, i, for_whom)) {
            w->wait[i] = 0;
            w->target[i] = 0;
            ss->dropped++;
            continue;
        }
        q->ids[to] = i;
        to = to + 1 == q->cap ? 0 : to + 1;
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
        if ((w->event_mask & EVENT_BIT(EV_SERVICE_START)) && events_push(w, EV_SERVICE_START, i, s)) return -1;
    }
    return 0;
}

/* The week's counts start at the start of the week, not of the services
 * step, so referrals scripts make in their week hooks count this week. */
void services_begin_week(world *w)
{
    w->n_new = 0; /* the crisis team's referrals (transitions add to it) */
    for (int s = 0; s < w->svt.n; s++) {
        svc_state *ss = &w->sv[s];
        ss->referrals = ss->started = ss->completed = ss->dropped = ss->lost = 0;
        ss->wait_sum = 0;
        w->starts[s] = w->ends[s] = 0;
    }
}

ps_status services_week(world *w, int week, ps_error *err)
{
    const svc_table *t = &w->svt;
    week_keys k = {
        rng_key(w->seed, w->replicate, week, RNG_SERVICE_END),
        rng_key(w->seed, w->replicate, week, RNG_SERVICE_COMPLETE),
        rng_key(w->seed, w->replicate, week, RNG_SERVICE_WAIT),
        rng_key(w->seed, w->replicate, week, RNG_SERVICE_HANDOFF),
        rng_key(w->seed, w->replicate, week, RNG_SERVICE_RECOVER),
        rng_key(w->seed, w->replicate, week, RNG_SERVICE_RESOLVE),
        rng_key(w->seed, w->replicate, week, RNG_SERVICE_RESOLVE_MEMBER),
    };
    for (int s = 0; s < t->n; s++) {
        if (t->def[s]->role != ROLE_SUPPORT) continue;
        for (int u = 0; u < t->sx[s].units; u++) w->sv[s].units[u].capacity = unit_capacity(w, s, u);
    }
    /* a. episodes end; after-effects run out. Few people are in an
     * episode or under its after-effects, so the columns are read eight
     * people at a time and only those with either are visited, in person
     * order (a visit changes only that person's columns). */
    const uint32_t np = w->mp->pop->n_persons;
    for (uint32_t base = 0; base < np; base += 8) {
        uint64_t m = 0;
        if (np - base >= 8) {
            m = world_bytes8(w->svc + base) | world_bytes8(w->after + base);
        } else {
            for (uint32_t j = 0; j < np - base; j++) m |= (uint64_t)(w->svc[base + j] | w->after[base + j]) << (8 * j);
        }
        while (m) {
            const unsigned j = (unsigned)__builtin_ctzll(m) / 8;
            m &= ~(UINT64_C(0xff) << (8 * j));
            if (episode_week(w, base + j, &k, week)) return err_set(err, PS_ERR_NOMEM, "out of memory");
        }
    }
    /* b. people come forward */
    if (arrivals(w, week)) return err_set(err, PS_ERR_NOMEM, "out of memory");
    /* c. waiting lists */
    for (int s = 0; s < t->n; s++) {
        if (t->def[s]->role != ROLE_SUPPORT) continue;
        for (int u = 0; u < t->sx[s].units; u++)
            if (serve_queue(w, s, &w->sv[s].units[u], &k, week)) return err_set(err, PS_ERR_NOMEM, "out of memory");
    }
    return PS_OK;
}

/* ------------------------------------------------------------ accounting */

/* A crisis pathway service keeps no waiting list, so its referrals are
 * what reached it: the week's new crises for the crisis team, who come to
 * it first; attendances for A&E and admissions for beds, who see only
 * those the service before them turned away. */
int services_referrals(const world *w, int s)
{
    if (w->svt.def[s]->role == ROLE_SUPPORT) return w->sv[s].referrals;
    return s == w->mp->service_of_role[ROLE_CRISIS_TEAM] ? (int)w->n_new : w->starts[s];
}

void services_record(world *w, double *ts, double *xs, double *rows)
{
    const model_params *mp = w->mp;
    const svc_table *t = &w->svt;
    const metrics_layout *L = &mp->layout;
    int team = mp->service_of_role[ROLE_CRISIS_TEAM], ae = mp->service_of_role[ROLE_EMERGENCY],
        bed = mp->service_of_role[ROLE_INPATIENT];
    double total = 0;
    for (int s = 0; s < t->n; s++) {
        const cfg_service *sv = t->def[s];
        double *r = rows + (size_t)s * SV_COUNT;
        memset(r, 0, SV_COUNT * sizeof *r);
        if (sv->role == ROLE_SUPPORT) {
            const svc_state *ss = &w->sv[s];
            for (int u = 0; u < t->sx[s].units; u++) {
                r[SV_WAITING] += ss->units[u].q.len;
                r[SV_ACTIVE] += ss->units[u].active;
                r[SV_CAPACITY] += ss->units[u].capacity;
            }
            r[SV_REFERRALS] = services_referrals(w, s);
            r[SV_STARTED] = ss->started;
            r[SV_COMPLETED] = ss->completed;
            r[SV_DROPPED] = ss->dropped;
            r[SV_WAIT_SUM] = ss->wait_sum;
            r[SV_LOST] = ss->lost;
        } else {
            r[SV_REFERRALS] = services_referrals(w, s);
            r[SV_STARTED] = w->starts[s];
            r[SV_ACTIVE] = s == ae ? w->starts[s] : w->active[s];
            r[SV_COMPLETED] = w->ends[s];
            r[SV_CAPACITY] = config_clamp_capacity(w->capacity[s] * w->cap_mult[s]);
        }
        r[SV_COST] = w->fixed_cost[s] + sv->cost_per_start * r[SV_STARTED] + sv->cost_per_week * r[SV_ACTIVE];
        if (s < mp->svt.n) ts[TS_FIXED + L->service_agency[s]] += r[SV_COST];
        else interventions_cost(w, sv->agency, r[SV_COST]);
        total += r[SV_COST];
    }
    for (int k = 0; k < mp->cfg->place.n_neighbourhoods; k++) {
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

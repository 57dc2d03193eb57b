/*
 * crisis: the crisis pathway.
 *
 * A person entering CRISIS is seen by the crisis team if it has room,
 * otherwise attends A&E (while A&E has room that week); a share of A&E
 * attendances are admitted if a bed is free. New crises meet capacity in an
 * order drawn afresh each week from keyed draws, so no neighbourhood or
 * household is always first in the queue, and the order does not depend on
 * how the population was walked.
 */
#include <math.h>

#include "alloc.h"
#include "rng.h"
#include "world.h"

int crisis_push(world *w, uint32_t person)
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

/* Insertion sort of (key, id) pairs: a week brings tens to hundreds of new
 * crises, and qsort has no context argument in C11. */
static void sort_new_crises(world *w)
{
    for (size_t i = 1; i < w->n_new; i++) {
        uint64_t k = w->order_key[i];
        uint32_t id = w->new_crisis[i];
        size_t j = i;
        while (j > 0 && (w->order_key[j - 1] > k || (w->order_key[j - 1] == k && w->new_crisis[j - 1] > id))) {
            w->order_key[j] = w->order_key[j - 1];
            w->new_crisis[j] = w->new_crisis[j - 1];
            j--;
        }
        w->order_key[j] = k;
        w->new_crisis[j] = id;
    }
}

/* This week's capacity of a crisis-pathway service (0 when it is absent). */
static int week_capacity(const world *w, int s)
{
    return s < 0 ? 0 : config_clamp_capacity(w->capacity[s] * w->cap_mult[s]);
}

void crisis_pathway(world *w, int week)
{
    const model_params *mp = w->mp;
    int team = mp->service_of_role[ROLE_CRISIS_TEAM];
    int ae = mp->service_of_role[ROLE_EMERGENCY];
    int bed = mp->service_of_role[ROLE_INPATIENT];
    int team_cap = week_capacity(w, team), ae_cap = week_capacity(w, ae), bed_cap = week_capacity(w, bed);
    uint64_t k_order = rng_key(w->seed, w->replicate, week, RNG_CRISIS_ORDER);
    uint64_t k_admit = rng_key(w->seed, w->replicate, week, RNG_ADMISSION);
    uint64_t admit = rng_threshold(mp->cfg->model.admission_share);
    for (size_t n = 0; n < w->n_new; n++) w->order_key[n] = rng_keyed(k_order, w->new_crisis[n]);
    sort_new_crises(w);
    int attendances = 0;
    for (size_t n = 0; n < w->n_new; n++) {
        uint32_t i = w->new_crisis[n];
        if (team >= 0 && w->active[team] < team_cap) {
            w->care[i] = CARE_TEAM;
            w->active[team]++;
            w->starts[team]++;
            continue;
        }
        if (ae < 0 || attendances >= ae_cap) continue; /* no care */
        attendances++;
        w->starts[ae]++;
        if (bed >= 0 && w->active[bed] < bed_cap && rng_hit(rng_keyed(k_admit, i), admit)) {
            w->care[i] = CARE_BED;
            w->active[bed]++;
            w->starts[bed]++;
        }
    }
    if (ae >= 0) w->ends[ae] += attendances; /* an attendance ends the week it starts */
}

/*
 * services: the crisis pathway and the accounting of services.
 *
 * A person entering CRISIS is seen by the crisis team if it has room,
 * otherwise attends A&E (while A&E has room that week); a share of A&E
 * attendances are admitted if a bed is free. New crises meet capacity in an
 * order drawn afresh each week from keyed draws, so no neighbourhood or
 * household is always first in the queue, and the order does not depend on
 * how the population was walked.
 */
#include <stdlib.h>

#include "rng.h"
#include "world.h"

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

void services_crisis_pathway(world *w, int week, double *ts, double *xs)
{
    const model_params *mp = w->mp;
    const ps_config *cfg = mp->cfg;
    int team = mp->service_of_role[ROLE_CRISIS_TEAM];
    int ae = mp->service_of_role[ROLE_EMERGENCY];
    int bed = mp->service_of_role[ROLE_INPATIENT];
    uint64_t k_order = rng_key(w->seed, w->replicate, week, RNG_CRISIS_ORDER);
    uint64_t k_admit = rng_key(w->seed, w->replicate, week, RNG_ADMISSION);
    uint64_t admit = rng_threshold(cfg->model.admission_share);
    for (size_t n = 0; n < w->n_new; n++) w->order_key[n] = rng_keyed(k_order, w->new_crisis[n]);
    sort_new_crises(w);
    int attendances = 0, admissions = 0, untreated = 0, team_starts = 0;
    for (size_t n = 0; n < w->n_new; n++) {
        uint32_t i = w->new_crisis[n];
        if (team >= 0 && w->active[team] < mp->capacity[team]) {
            w->care[i] = CARE_TEAM;
            w->active[team]++;
            w->starts[team]++;
            team_starts++;
            continue;
        }
        if (ae < 0 || attendances >= mp->capacity[ae]) {
            untreated++;
            continue;
        }
        attendances++;
        w->starts[ae]++;
        if (bed >= 0 && w->active[bed] < mp->capacity[bed] && rng_hit(rng_keyed(k_admit, i), admit)) {
            w->care[i] = CARE_BED;
            w->active[bed]++;
            w->starts[bed]++;
            admissions++;
        }
    }
    if (ts) {
        ts[TS_AE] = attendances;
        ts[TS_ADMISSIONS] = admissions;
    }
    if (xs) {
        xs[XS_TEAM_STARTS] = team_starts;
        xs[XS_UNTREATED] = untreated;
    }
}

void services_account(world *w, double *ts, double *xs)
{
    const model_params *mp = w->mp;
    const ps_config *cfg = mp->cfg;
    const metrics_layout *L = &mp->layout;
    double total = 0;
    for (int s = 0; s < cfg->n_services; s++) {
        const cfg_service *sv = &cfg->services[s];
        /* A&E episodes last the week they start in: its caseload is its attendances. */
        int active = sv->role == ROLE_EMERGENCY ? w->starts[s] : w->active[s];
        double cost = mp->fixed_cost[s] + sv->cost_per_start * w->starts[s] + sv->cost_per_week * active;
        ts[TS_FIXED + L->service_agency[s]] += cost;
        total += cost;
    }
    ts[TS_COST_TOTAL] = total;
    int team = mp->service_of_role[ROLE_CRISIS_TEAM], bed = mp->service_of_role[ROLE_INPATIENT];
    xs[XS_BED_WEEKS] = bed >= 0 ? w->active[bed] : 0;
    xs[XS_TEAM_ACTIVE] = team >= 0 ? w->active[team] : 0;
}

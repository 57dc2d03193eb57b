/*
 * shocks: for each week, the product of the multipliers of the shocks that
 * are on, for each neighbourhood and for each service's capacity. A shock
 * is on from start_week for weeks weeks; shocks never fall in burn-in
 * (start_week >= 0).
 */
#include <string.h>

#include "world.h"

static int listed(char **names, int n, const char *name)
{
    if (n == 0) return 1; /* none listed: all */
    for (int i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0) return 1;
    return 0;
}

void shocks_apply(world *w, int week)
{
    const ps_config *cfg = w->mp->cfg;
    int nn = cfg->place.n_neighbourhoods;
    const shock_mult one = { 1, 1, 1, 1, 1, 1, 1, 1 };
    for (int k = 0; k < nn; k++) w->shock[k] = one;
    for (int s = 0; s < w->svt.n; s++) w->cap_mult[s] = 1;
    for (int j = 0; j < cfg->n_shocks; j++) {
        const cfg_shock *sh = &cfg->shocks[j];
        if (week < sh->start_week || week >= sh->start_week + sh->weeks) continue;
        for (int k = 0; k < nn; k++) {
            if (!listed(sh->neighbourhoods, sh->n_neighbourhoods, cfg->place.neighbourhoods[k].name)) continue;
            shock_mult *m = &w->shock[k];
            m->job_loss *= sh->job_loss;
            m->job_find *= sh->job_find;
            m->debt_onset *= sh->debt_onset;
            m->housing_onset *= sh->housing_onset;
            m->loneliness_onset *= sh->loneliness_onset;
            m->onset *= sh->onset;
            m->crisis *= sh->crisis;
            m->recovery *= sh->recovery;
        }
        for (int s = 0; s < w->svt.n; s++)
            if (listed(sh->services, sh->n_services, w->svt.def[s]->name)) w->cap_mult[s] *= sh->capacity;
    }
}

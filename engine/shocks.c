/*
 * shocks: for each week, the product of the multipliers of the shocks that
 * are on, for each neighbourhood and for each service's capacity. A shock
 * is on from start_week for weeks weeks; shocks never fall in burn-in
 * (start_week >= 0).
 *
 * A capacity multiplier acts where the shock is. A service with a team in
 * each neighbourhood has it in the teams of the shock's neighbourhoods
 * only. A service with one unit for its whole area (the crisis pathway,
 * and support services without per_neighbourhood) loses that share of the
 * cut that its adults in the shock's neighbourhoods are of all the adults
 * it serves: capacity x (1 - w (1 - m)), w that share, so a shock across
 * the whole place cuts it whole and one outside its area leaves it alone.
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

/* The share of the adults service s serves who live where the shock is
 * (w->shock_in); 1 if it serves nobody, so the cut applies as given. */
static double share_hit(const world *w, int s)
{
    const model_params *mp = w->mp;
    const svc_static *x = &w->svt.sx[s];
    double served = 0, hit = 0;
    for (int k = 0; k < mp->cfg->place.n_neighbourhoods; k++) {
        if (!x->serves[k]) continue;
        double adults = mp->nb_adult[k + 1] - mp->nb_adult[k];
        served += adults;
        if (w->shock_in[k]) hit += adults;
    }
    return served > 0 ? hit / served : 1;
}

void shocks_apply(world *w, int week)
{
    const ps_config *cfg = w->mp->cfg;
    int nn = cfg->place.n_neighbourhoods;
    const shock_mult one = { 1, 1, 1, 1, 1, 1, 1, 1 };
    for (int k = 0; k < nn; k++) w->shock[k] = one;
    for (int s = 0; s < w->svt.n; s++) {
        w->cap_mult[s] = 1;
        for (int u = 0; u < w->svt.sx[s].units; u++) w->sv[s].units[u].shock_mult = 1;
    }
    for (int j = 0; j < cfg->n_shocks; j++) {
        const cfg_shock *sh = &cfg->shocks[j];
        if (week < sh->start_week || week >= sh->start_week + sh->weeks) continue;
        for (int k = 0; k < nn; k++) {
            w->shock_in[k] = (uint8_t)listed(sh->neighbourhoods, sh->n_neighbourhoods, cfg->place.neighbourhoods[k].name);
            if (!w->shock_in[k]) continue;
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
        if (sh->capacity == 1) continue;
        for (int s = 0; s < w->svt.n; s++) {
            if (!listed(sh->services, sh->n_services, w->svt.def[s]->name)) continue;
            if (w->svt.sx[s].units > 1) {
                for (int u = 0; u < w->svt.sx[s].units; u++)
                    if (w->shock_in[u]) w->sv[s].units[u].shock_mult *= sh->capacity;
            } else {
                double hit = share_hit(w, s);
                w->cap_mult[s] *= hit == 1 ? sh->capacity : 1 - hit * (1 - sh->capacity);
            }
        }
    }
}

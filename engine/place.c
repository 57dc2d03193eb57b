/*
 * place: social capital of each neighbourhood (MODEL.md, "Social capital").
 *
 * Each week, after the transitions:
 *   S += a x assets x (1 - S) - b x excess x S + c x (S0 - S)
 * where assets = (hub_weight x hubs + vcs_weight x organisations) per 1,000
 * households + volunteer_weight x the share of adults volunteering, the
 * share volunteering is volunteering x (0.5 + S) of WELL adults, and excess
 * is how far the neighbourhood's crisis rate (a moving average with time
 * constant crisis_smoothing_weeks) stands above crisis_baseline, relative to
 * it. Volunteers are counted, not drawn: a deterministic expectation.
 */
#include "world.h"

void place_social_capital(world *w)
{
    const ps_config *cfg = w->mp->cfg;
    const cfg_model *m = &cfg->model;
    double alpha = 1.0 / m->social_capital.crisis_smoothing_weeks;
    double base = m->social_capital.crisis_baseline;
    for (int k = 0; k < cfg->place.n_neighbourhoods; k++) {
        double *row = w->nb_now + (size_t)k * NB_COUNT;
        double adults = row[NB_ADULTS], S = w->social_capital[k];
        double rate = adults > 0 ? row[NB_CRISIS_EPISODES] / adults * 1000 * 52 : 0;
        w->crisis_ema[k] += alpha * (rate - w->crisis_ema[k]);
        double volunteers = m->social_capital.volunteering * row[NB_WELL] * (0.5 + S);
        double share = adults > 0 ? volunteers / adults : 0;
        double assets = w->mp->nb[k].assets + m->social_capital.volunteer_weight * share;
        double excess = base > 0 && w->crisis_ema[k] > base ? (w->crisis_ema[k] - base) / base : 0;
        double S0 = cfg->place.neighbourhoods[k].social_capital;
        S += m->social_capital.growth * assets * (1 - S) - m->social_capital.erosion * excess * S +
             m->social_capital.reversion * (S0 - S);
        S = S < 0 ? 0 : S > 1 ? 1 : S;
        w->social_capital[k] = S;
        w->volunteers[k] = volunteers;
        row[NB_SOCIAL_CAPITAL] = S;
        row[NB_VOLUNTEERS] = volunteers;
    }
}

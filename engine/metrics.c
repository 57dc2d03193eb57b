/* metrics: records, outcomes and their summaries. See metrics.h. */
#include "metrics.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"

const char *const metrics_ts_names[TS_FIXED] = {
    "population", "well", "struggling", "crisis", "recovering", "onsets", "crisis_episodes",
    "ae_attendances", "admissions", "unemployed", "in_debt", "housing_insecure", "lonely",
    "social_capital", "cost_total"
};

const char *const metrics_nb_names[NB_COUNT] = {
    "adults", "well", "struggling", "crisis", "recovering", "onsets", "crisis_episodes",
    "unemployed", "labour_force", "in_debt", "housing_insecure", "lonely", "social_capital"
};

ps_status metrics_layout_init(metrics_layout *l, const ps_config *cfg)
{
    memset(l, 0, sizeof *l);
    l->weeks = cfg->weeks;
    l->n_nbhd = cfg->place.n_neighbourhoods;
    l->n_services = cfg->n_services;
    l->agencies = ps_calloc((size_t)cfg->n_services + 1, sizeof *l->agencies);
    l->service_agency = ps_calloc((size_t)cfg->n_services + 1, sizeof *l->service_agency);
    l->cost_columns = ps_calloc((size_t)cfg->n_services + 1, sizeof *l->cost_columns);
    if (!l->agencies || !l->service_agency || !l->cost_columns) {
        metrics_layout_release(l);
        return PS_ERR_NOMEM;
    }
    for (int s = 0; s < cfg->n_services; s++) {
        const char *a = cfg->services[s].agency;
        int found = -1;
        for (int j = 0; j < l->n_agencies; j++)
            if (strcmp(l->agencies[j], a) == 0) found = j;
        if (found < 0) {
            size_t len = strlen(a) + 6;
            char *col = ps_malloc(len);
            if (col) snprintf(col, len, "cost_%s", a);
            l->cost_columns[l->n_agencies] = col;
            if (!col || !(l->agencies[l->n_agencies] = ps_strdup(a))) {
                l->n_agencies++;
                metrics_layout_release(l);
                return PS_ERR_NOMEM;
            }
            found = l->n_agencies++;
        }
        l->service_agency[s] = found;
    }
    l->n_ts = TS_FIXED + l->n_agencies;
    return PS_OK;
}

void metrics_layout_release(metrics_layout *l)
{
    for (int j = 0; j < l->n_agencies; j++) {
        if (l->agencies) ps_free(l->agencies[j]);
        if (l->cost_columns) ps_free(l->cost_columns[j]);
    }
    ps_free(l->agencies);
    ps_free(l->cost_columns);
    ps_free(l->service_agency);
    memset(l, 0, sizeof *l);
}

ps_status record_alloc(replicate_record *r, const metrics_layout *l)
{
    size_t w = (size_t)l->weeks;
    r->ts = ps_calloc(w * (size_t)l->n_ts, sizeof *r->ts);
    r->xs = ps_calloc(w * XS_COUNT, sizeof *r->xs);
    r->nb = ps_calloc(w * (size_t)l->n_nbhd * NB_COUNT, sizeof *r->nb);
    if (!r->ts || !r->xs || !r->nb) {
        record_release(r);
        return PS_ERR_NOMEM;
    }
    return PS_OK;
}

void record_release(replicate_record *r)
{
    ps_free(r->ts);
    ps_free(r->xs);
    ps_free(r->nb);
    memset(r, 0, sizeof *r);
}

/* ------------------------------------------------------------ statistics */

double stats_t975(int df)
{
    static const double t[] = { 0,      12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306,
                                2.262,  2.228,  2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110,
                                2.101,  2.093,  2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
                                2.052,  2.048,  2.045, 2.042 };
    if (df <= 0) return NAN;
    if (df <= 30) return t[df];
    /* Beyond 30 the quantile is close to 1.96 + 2.4/df (within 0.001 of the exact value). */
    return 1.959964 + 2.37 / df;
}

void stats_summarise(const double *x, int n, double *mean, double *sd, double *lo, double *hi)
{
    double m = 0;
    for (int i = 0; i < n; i++) m += x[i];
    m = n > 0 ? m / n : NAN;
    double ss = 0;
    for (int i = 0; i < n; i++) ss += (x[i] - m) * (x[i] - m);
    double s = n > 1 ? sqrt(ss / (n - 1)) : NAN;
    double half = n > 1 ? stats_t975(n - 1) * s / sqrt((double)n) : NAN;
    *mean = m;
    *sd = s;
    *lo = m - half;
    *hi = m + half;
}

/* ------------------------------------------------------------ outcomes */

static double *add(outcome_set *s, const char *group, const char *name, const char *unit)
{
    if (s->n == s->cap) {
        size_t ncap = s->cap ? s->cap * 2 : 64;
        outcome *ni = ps_reallocarray(s->items, ncap, sizeof *ni);
        if (!ni) return NULL;
        s->items = ni;
        s->cap = ncap;
    }
    outcome *o = &s->items[s->n];
    memset(o, 0, sizeof *o);
    snprintf(o->name, sizeof o->name, "%s.%s", group, name);
    o->group = group;
    o->unit = unit;
    o->values = ps_calloc((size_t)s->replicates, sizeof *o->values);
    if (!o->values) return NULL;
    s->n++;
    return o->values;
}

void outcome_set_release(outcome_set *s)
{
    for (size_t i = 0; i < s->n; i++) ps_free(s->items[i].values);
    ps_free(s->items);
    memset(s, 0, sizeof *s);
}

static double ratio(double a, double b) { return b != 0 ? a / b : NAN; }

static double col_sum(const double *base, int weeks, int stride, int col)
{
    double s = 0;
    for (int w = 0; w < weeks; w++) s += base[(size_t)w * (size_t)stride + (size_t)col];
    return s;
}

/* Sums a neighbourhood column over weeks and the neighbourhoods of one
 * deprivation quintile (1 = deciles 1-2, most deprived). */
static double quintile_sum(const ps_config *cfg, const metrics_layout *l, const double *nb, int q, int col)
{
    double s = 0;
    for (int k = 0; k < l->n_nbhd; k++) {
        if ((cfg->place.neighbourhoods[k].decile + 1) / 2 != q) continue;
        for (int w = 0; w < l->weeks; w++)
            s += nb[((size_t)w * (size_t)l->n_nbhd + (size_t)k) * NB_COUNT + (size_t)col];
    }
    return s;
}

#define ADD(ptr, group, name, unit)                                                                \
    do {                                                                                           \
        if (!((ptr) = add(out, group, name, unit))) goto nomem;                                    \
    } while (0)

ps_status metrics_outcomes(const ps_config *cfg, const metrics_layout *l,
                           const replicate_record *recs, int R, outcome_set *out)
{
    memset(out, 0, sizeof *out);
    out->replicates = R;
    enum { P_PREV, P_ONSETS, S1_RATE, S1_EPIS, S1_CRISIS_WEEKS, S1_AE, S1_ADM, S1_BEDS, S1_UNTREATED,
           S2_WELL, S2_QALY, S2_QALY_RATE, S2_EMPLOY, S2_UNEMP, S2_LONELY, S2_SC,
           D_DEBT_ADULTS, D_DEBT_HH, D_HOUSING,
           SV_TEAM_SHARE, SV_TEAM_UTIL, SV_ADMIT_SHARE,
           M_TOTAL, M_PER_ADULT,
           E_CR1, E_CR5, E_CR_RATIO, E_CR_GAP, E_PV1, E_PV5, E_PV_RATIO, E_PV_GAP, N_OUT };
    double *v[N_OUT];
    ADD(v[P_PREV], "prevalence", "adults_not_well", "share of adults");
    ADD(v[P_ONSETS], "prevalence", "onsets_per_1000_adults_per_year", "per 1,000 adults a year");
    ADD(v[S1_RATE], "safety_one", "crisis_episodes_per_1000_adults_per_year", "per 1,000 adults a year");
    ADD(v[S1_EPIS], "safety_one", "crisis_episodes", "episodes");
    ADD(v[S1_CRISIS_WEEKS], "safety_one", "person_weeks_in_crisis", "person-weeks");
    ADD(v[S1_AE], "safety_one", "ae_attendances", "attendances");
    ADD(v[S1_ADM], "safety_one", "admissions", "admissions");
    ADD(v[S1_BEDS], "safety_one", "inpatient_bed_weeks", "bed-weeks");
    ADD(v[S1_UNTREATED], "safety_one", "crises_without_care", "episodes");
    ADD(v[S2_WELL], "safety_two", "weeks_well_per_adult_per_year", "weeks a year");
    ADD(v[S2_QALY], "safety_two", "qalys", "QALYs");
    ADD(v[S2_QALY_RATE], "safety_two", "qalys_per_adult_per_year", "QALYs a year");
    ADD(v[S2_EMPLOY], "safety_two", "employment_rate", "share of the economically active");
    ADD(v[S2_UNEMP], "safety_two", "unemployment_rate", "share of the economically active");
    ADD(v[S2_LONELY], "safety_two", "lonely_share", "share of adults");
    ADD(v[S2_SC], "safety_two", "social_capital", "index 0-1");
    ADD(v[D_DEBT_ADULTS], "determinants", "adults_in_problem_debt", "share of adults");
    ADD(v[D_DEBT_HH], "determinants", "households_in_problem_debt", "share of households");
    ADD(v[D_HOUSING], "determinants", "renters_housing_insecure", "share of renting households");
    ADD(v[SV_TEAM_SHARE], "services", "crises_seen_by_crisis_team", "share of crisis episodes");
    ADD(v[SV_TEAM_UTIL], "services", "crisis_team_utilisation", "share of capacity");
    ADD(v[SV_ADMIT_SHARE], "services", "ae_attendances_admitted", "share of attendances");
    ADD(v[M_TOTAL], "money", "cost_total", "GBP");
    ADD(v[M_PER_ADULT], "money", "cost_per_adult_per_year", "GBP a year");
    double *agency[64] = { 0 };
    int na = l->n_agencies < 64 ? l->n_agencies : 64;
    for (int a = 0; a < na; a++) {
        char name[96];
        snprintf(name, sizeof name, "cost_%s", l->agencies[a]);
        ADD(agency[a], "money", name, "GBP");
    }
    ADD(v[E_CR1], "equity", "crisis_rate_most_deprived_quintile", "per 1,000 adults a year");
    ADD(v[E_CR5], "equity", "crisis_rate_least_deprived_quintile", "per 1,000 adults a year");
    ADD(v[E_CR_RATIO], "equity", "crisis_rate_ratio", "most / least deprived");
    ADD(v[E_CR_GAP], "equity", "crisis_rate_gap", "per 1,000 adults a year");
    ADD(v[E_PV1], "equity", "prevalence_most_deprived_quintile", "share of adults");
    ADD(v[E_PV5], "equity", "prevalence_least_deprived_quintile", "share of adults");
    ADD(v[E_PV_RATIO], "equity", "prevalence_ratio", "most / least deprived");
    ADD(v[E_PV_GAP], "equity", "prevalence_gap", "share of adults");

    int W = l->weeks, T = l->n_ts;
    double years = W / 52.0;
    int team = -1;
    for (int s = 0; s < cfg->n_services; s++)
        if (cfg->services[s].role == ROLE_CRISIS_TEAM) team = s;
    double team_cap = team >= 0 ? config_capacity(cfg, team) : 0;
    for (int r = 0; r < R; r++) {
        const double *ts = recs[r].ts, *xs = recs[r].xs;
        double adult_weeks = col_sum(xs, W, XS_COUNT, XS_ADULTS);
        double adults = adult_weeks / W;
        double not_well = col_sum(ts, W, T, TS_STRUGGLING) + col_sum(ts, W, T, TS_CRISIS) +
                          col_sum(ts, W, T, TS_RECOVERING);
        double episodes = col_sum(ts, W, T, TS_CRISIS_EPISODES);
        double ae = col_sum(ts, W, T, TS_AE);
        double cost = col_sum(ts, W, T, TS_COST_TOTAL);
        v[P_PREV][r] = ratio(not_well, adult_weeks);
        v[P_ONSETS][r] = ratio(col_sum(ts, W, T, TS_ONSETS) * 1000, adults * years);
        v[S1_RATE][r] = ratio(episodes * 1000, adults * years);
        v[S1_EPIS][r] = episodes;
        v[S1_CRISIS_WEEKS][r] = col_sum(ts, W, T, TS_CRISIS);
        v[S1_AE][r] = ae;
        v[S1_ADM][r] = col_sum(ts, W, T, TS_ADMISSIONS);
        v[S1_BEDS][r] = col_sum(xs, W, XS_COUNT, XS_BED_WEEKS);
        v[S1_UNTREATED][r] = col_sum(xs, W, XS_COUNT, XS_UNTREATED);
        v[S2_WELL][r] = ratio(col_sum(ts, W, T, TS_WELL), adults * years);
        v[S2_QALY][r] = col_sum(xs, W, XS_COUNT, XS_QALY) / 52.0;
        v[S2_QALY_RATE][r] = ratio(col_sum(xs, W, XS_COUNT, XS_QALY) / 52.0, adults * years);
        double lf = col_sum(xs, W, XS_COUNT, XS_LABOUR_FORCE);
        v[S2_EMPLOY][r] = ratio(col_sum(xs, W, XS_COUNT, XS_EMPLOYED), lf);
        v[S2_UNEMP][r] = ratio(col_sum(ts, W, T, TS_UNEMPLOYED), lf);
        v[S2_LONELY][r] = ratio(col_sum(ts, W, T, TS_LONELY), adult_weeks);
        v[S2_SC][r] = col_sum(ts, W, T, TS_SOCIAL_CAPITAL) / W;
        v[D_DEBT_ADULTS][r] = ratio(col_sum(ts, W, T, TS_IN_DEBT), adult_weeks);
        v[D_DEBT_HH][r] = ratio(col_sum(xs, W, XS_COUNT, XS_HH_DEBT), col_sum(xs, W, XS_COUNT, XS_HOUSEHOLDS));
        v[D_HOUSING][r] = ratio(col_sum(xs, W, XS_COUNT, XS_RENTERS_INSECURE), col_sum(xs, W, XS_COUNT, XS_RENTERS));
        v[SV_TEAM_SHARE][r] = ratio(col_sum(xs, W, XS_COUNT, XS_TEAM_STARTS), episodes);
        v[SV_TEAM_UTIL][r] = ratio(col_sum(xs, W, XS_COUNT, XS_TEAM_ACTIVE) / W, team_cap);
        v[SV_ADMIT_SHARE][r] = ratio(col_sum(ts, W, T, TS_ADMISSIONS), ae);
        v[M_TOTAL][r] = cost;
        v[M_PER_ADULT][r] = ratio(cost, adults * years);
        for (int a = 0; a < na; a++) agency[a][r] = col_sum(ts, W, T, TS_FIXED + a);
        const double *nb = recs[r].nb;
        double a1 = quintile_sum(cfg, l, nb, 1, NB_ADULTS), a5 = quintile_sum(cfg, l, nb, 5, NB_ADULTS);
        double cr1 = ratio(quintile_sum(cfg, l, nb, 1, NB_CRISIS_EPISODES) * 1000 * 52, a1);
        double cr5 = ratio(quintile_sum(cfg, l, nb, 5, NB_CRISIS_EPISODES) * 1000 * 52, a5);
        double pv1 = ratio(quintile_sum(cfg, l, nb, 1, NB_STRUGGLING) + quintile_sum(cfg, l, nb, 1, NB_CRISIS) +
                               quintile_sum(cfg, l, nb, 1, NB_RECOVERING), a1);
        double pv5 = ratio(quintile_sum(cfg, l, nb, 5, NB_STRUGGLING) + quintile_sum(cfg, l, nb, 5, NB_CRISIS) +
                               quintile_sum(cfg, l, nb, 5, NB_RECOVERING), a5);
        v[E_CR1][r] = cr1;
        v[E_CR5][r] = cr5;
        v[E_CR_RATIO][r] = ratio(cr1, cr5);
        v[E_CR_GAP][r] = cr1 - cr5;
        v[E_PV1][r] = pv1;
        v[E_PV5][r] = pv5;
        v[E_PV_RATIO][r] = ratio(pv1, pv5);
        v[E_PV_GAP][r] = pv1 - pv5;
    }
    for (size_t i = 0; i < out->n; i++) {
        outcome *o = &out->items[i];
        stats_summarise(o->values, R, &o->mean, &o->sd, &o->ci_low, &o->ci_high);
    }
    return PS_OK;
nomem:
    outcome_set_release(out);
    return PS_ERR_NOMEM;
}

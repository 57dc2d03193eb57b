/*
 * outcomes: the outcomes of MODEL.md section 7, computed for each
 * replicate from its record and summarised over replicates (metrics.h).
 * Groups: prevalence, safety_one, safety_two, determinants, services,
 * money, equity, and resilience when the scenario has a shock.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "metrics.h"

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

static double col_sum(const double *base, int weeks, size_t stride, size_t col)
{
    double s = 0;
    for (int w = 0; w < weeks; w++) s += base[(size_t)w * stride + col];
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

static double quintile_prevalence(const ps_config *cfg, const metrics_layout *l, const double *nb, int q)
{
    return ratio(quintile_sum(cfg, l, nb, q, NB_STRUGGLING) + quintile_sum(cfg, l, nb, q, NB_CRISIS) +
                     quintile_sum(cfg, l, nb, q, NB_RECOVERING),
                 quintile_sum(cfg, l, nb, q, NB_ADULTS));
}

/* ------------------------------------------------------------ what scripts made */

int dyn_names(const replicate_record *recs, int R, int kind, const char **names, int max)
{
    int n = 0;
    for (int r = 0; r < R; r++)
        for (int c = 0; c < recs[r].n_dyn; c++) {
            if (recs[r].dyn[c].kind != kind) continue;
            int seen = 0;
            for (int j = 0; j < n && !seen; j++) seen = !strcmp(names[j], recs[r].dyn[c].name);
            if (!seen && n < max) names[n++] = recs[r].dyn[c].name;
        }
    return n;
}

int dyn_names_added(const replicate_record *recs, int R, const char **names, int max)
{
    int n = 0;
    for (int r = 0; r < R; r++)
        for (int k = 0; k < recs[r].max_added; k++) {
            const char *nm = recs[r].added[k];
            if (!nm) continue;
            int seen = 0;
            for (int j = 0; j < n && !seen; j++) seen = !strcmp(names[j], nm);
            if (!seen && n < max) names[n++] = nm;
        }
    return n;
}

int added_slot(const replicate_record *rec, const char *name, int nbase)
{
    for (int k = 0; k < rec->max_added; k++)
        if (rec->added[k] && !strcmp(rec->added[k], name)) return nbase + k;
    return -1;
}

static double dyn_total(const replicate_record *rec, int kind, const char *name)
{
    for (int c = 0; c < rec->n_dyn; c++)
        if (rec->dyn[c].kind == kind && !strcmp(rec->dyn[c].name, name)) {
            double t = 0;
            for (int w = 0; w < rec->weeks; w++)
                if (rec->dyn[c].v[w] == rec->dyn[c].v[w]) t += rec->dyn[c].v[w];
            return t;
        }
    return 0;
}

/* ------------------------------------------------------------ resilience */

void metrics_resilience(const double *x, int n, int start, int shock_end, int baseline_weeks, int smoothing,
                        double tolerance, int hold, resilience *out)
{
    out->baseline = out->depth = out->recovery_weeks = out->area = NAN;
    if (n <= 0 || start < 1 || start >= n || smoothing < 1 || hold < 1) return;
    double *y = ps_calloc((size_t)n, sizeof *y);
    if (!y) return;
    double run = 0;
    for (int t = 0; t < n; t++) {
        run += x[t];
        if (t >= smoothing) run -= x[t - smoothing];
        y[t] = run / (t + 1 < smoothing ? t + 1 : smoothing);
    }
    int b0 = start - baseline_weeks < 0 ? 0 : start - baseline_weeks;
    double base = 0;
    for (int t = b0; t < start; t++) base += y[t];
    base /= start - b0;
    /* The peak is sought while the shock lasts, for a smoothing window after
     * (its last weeks reach the smoothed series that late), and on for as
     * long as the series stays above the baseline: a rise that outlasts the
     * shock (debt taken on in it weighs for months) keeps going after the
     * shock ends, while a series back at its baseline has had its peak. */
    int stop = shock_end + smoothing;
    if (stop < start + 1) stop = start + 1;
    while (stop < n && y[stop] > base) stop++;
    int peak = start;
    for (int t = start; t < n && t < stop; t++)
        if (y[t] > y[peak]) peak = t;
    out->baseline = base;
    out->depth = y[peak] - base;
    double band = tolerance * fabs(base);
    int end = n;
    for (int t = peak; t + hold <= n; t++) {
        int ok = 1;
        for (int u = t; u < t + hold && ok; u++) ok = fabs(y[u] - base) <= band;
        if (ok) {
            end = t;
            out->recovery_weeks = t - start;
            break;
        }
    }
    double area = 0;
    for (int t = start; t < end; t++) area += y[t] - base;
    out->area = area;
    ps_free(y);
}

/* ------------------------------------------------------------ outcomes */

#define ADD(ptr, group, name, unit)                                                                \
    do {                                                                                           \
        if (!((ptr) = add(out, group, name, unit))) goto nomem;                                    \
    } while (0)

enum {
    P_PREV, P_ONSETS,
    S1_RATE, S1_EPIS, S1_CRISIS_WEEKS, S1_AE, S1_ADM, S1_BEDS, S1_UNTREATED,
    S2_WELL, S2_QALY, S2_QALY_RATE, S2_EMPLOY, S2_UNEMP, S2_LONELY, S2_SC, S2_VOLUNTEERS,
    D_DEBT_ADULTS, D_DEBT_HH, D_HOUSING,
    O_TEAM_SHARE, O_TEAM_UTIL, O_ADMIT_SHARE, O_REFERRALS, O_LOST,
    M_TOTAL, M_PER_ADULT, M_PLANNED,
    E_CR1, E_CR5, E_CR_RATIO, E_CR_GAP, E_PV1, E_PV5, E_PV_RATIO, E_PV_GAP,
    N_OUT
};

enum { PS_REFERRALS, PS_STARTED, PS_WAIT, PS_DROPOUT, PS_UTIL, PS_LOST, PS_N };
enum { R_PV_BASE, R_PV_DEPTH, R_PV_REC, R_PV_AREA, R_CR_BASE, R_CR_DEPTH, R_CR_REC, R_CR_AREA, R_N };

ps_status metrics_outcomes(const ps_config *cfg, const metrics_layout *l, const replicate_record *recs,
                           int R, outcome_set *out)
{
    memset(out, 0, sizeof *out);
    out->replicates = R;
    double **agency = NULL;
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
    ADD(v[S2_EMPLOY], "safety_two", "employment_rate", "share of working-age adults");
    ADD(v[S2_UNEMP], "safety_two", "unemployment_rate", "share of the economically active");
    ADD(v[S2_LONELY], "safety_two", "lonely_share", "share of adults");
    ADD(v[S2_SC], "safety_two", "social_capital", "index 0-1");
    ADD(v[S2_VOLUNTEERS], "safety_two", "volunteers_per_1000_adults", "per 1,000 adults");
    ADD(v[D_DEBT_ADULTS], "determinants", "adults_in_problem_debt", "share of adults");
    ADD(v[D_DEBT_HH], "determinants", "households_in_problem_debt", "share of households");
    ADD(v[D_HOUSING], "determinants", "renters_housing_insecure", "share of renting households");
    ADD(v[O_TEAM_SHARE], "services", "crises_seen_by_crisis_team", "share of crisis episodes");
    ADD(v[O_TEAM_UTIL], "services", "crisis_team_utilisation", "share of capacity");
    ADD(v[O_ADMIT_SHARE], "services", "ae_attendances_admitted", "share of attendances");
    ADD(v[O_REFERRALS], "services", "support_referrals", "referrals");
    ADD(v[O_LOST], "services", "lost_between_services", "people");
    int ns = l->n_services, nbase = l->n_scenario_services;
    /* every service: the scenario's (the crisis pathway's too), then those
     * scripts added (by name, in the order first seen over the replicates).
     * The crisis pathway keeps no waiting list and makes no hand-offs, so
     * its waits and drop-outs are 0 and it has no lost_at_handoff. */
    const char *added[64];
    int nadded = dyn_names_added(recs, R, added, 64);
    double *per[256 + 64][PS_N];
    int nsup = 0, sup[256 + 64], gate[256 + 64], pathway[256 + 64];
    const char *supname[256 + 64];
    for (int s = 0; s < nbase + nadded && nsup < 256 + 64; s++) {
        const char *sn = s < nbase ? cfg->services[s].name : added[s - nbase];
        sup[nsup] = s < nbase ? s : -1;
        supname[nsup] = sn;
        pathway[nsup] = s < nbase && cfg->services[s].role != ROLE_SUPPORT;
        gate[nsup] = 0;
        for (int t = 0; s < nbase && t < nbase; t++)
            if (cfg->services[t].role == ROLE_SUPPORT && cfg->services[t].via_index == s) gate[nsup] = 1;
        char name[96];
        snprintf(name, sizeof name, "%s.referrals", sn);
        ADD(per[nsup][PS_REFERRALS], "services", name, "referrals");
        snprintf(name, sizeof name, "%s.started", sn);
        ADD(per[nsup][PS_STARTED], "services", name, "episodes");
        snprintf(name, sizeof name, "%s.mean_wait_weeks", sn);
        ADD(per[nsup][PS_WAIT], "services", name, "weeks");
        snprintf(name, sizeof name, "%s.dropout_share", sn);
        ADD(per[nsup][PS_DROPOUT], "services", name, "share of those who left");
        snprintf(name, sizeof name, "%s.utilisation", sn);
        ADD(per[nsup][PS_UTIL], "services", name, "share of capacity");
        per[nsup][PS_LOST] = NULL;
        snprintf(name, sizeof name, "%s.lost_at_handoff", sn);
        if (!pathway[nsup]) ADD(per[nsup][PS_LOST], "services", name, "people");
        nsup++;
    }
    ADD(v[M_TOTAL], "money", "cost_total", "GBP");
    ADD(v[M_PER_ADULT], "money", "cost_per_adult_per_year", "GBP a year");
    ADD(v[M_PLANNED], "money", "planned_weekly_budget", "GBP a week");
    int na = l->n_agencies;
    agency = ps_calloc((size_t)na + 1, sizeof *agency);
    if (!agency) goto nomem;
    for (int a = 0; a < na; a++) {
        ADD(agency[a], "money", l->cost_columns[a], "GBP");
        out->items[out->n - 1].agency = 1;
    }
    /* costs of agencies only scripts named, and scripts' spending by label */
    const char *dyn_cost[256], *dyn_spend[256];
    int ncost = dyn_names(recs, R, DYN_COST, dyn_cost, 256), nspend = dyn_names(recs, R, DYN_SPEND, dyn_spend, 256);
    double *vcost[256], *vspend[256];
    for (int a = 0; a < ncost; a++) {
        ADD(vcost[a], "money", dyn_cost[a], "GBP");
        out->items[out->n - 1].agency = 1;
    }
    for (int a = 0; a < nspend; a++) ADD(vspend[a], "interventions", dyn_spend[a], "GBP");
    ADD(v[E_CR1], "equity", "crisis_rate_most_deprived_quintile", "per 1,000 adults a year");
    ADD(v[E_CR5], "equity", "crisis_rate_least_deprived_quintile", "per 1,000 adults a year");
    ADD(v[E_CR_RATIO], "equity", "crisis_rate_ratio", "most / least deprived");
    ADD(v[E_CR_GAP], "equity", "crisis_rate_gap", "per 1,000 adults a year");
    ADD(v[E_PV1], "equity", "prevalence_most_deprived_quintile", "share of adults");
    ADD(v[E_PV5], "equity", "prevalence_least_deprived_quintile", "share of adults");
    ADD(v[E_PV_RATIO], "equity", "prevalence_ratio", "most / least deprived");
    ADD(v[E_PV_GAP], "equity", "prevalence_gap", "share of adults");
    int shock_start = -1, shock_end = 0;
    for (int j = 0; j < cfg->n_shocks; j++) {
        if (shock_start < 0 || cfg->shocks[j].start_week < shock_start) shock_start = cfg->shocks[j].start_week;
        int end = cfg->shocks[j].start_week + cfg->shocks[j].weeks;
        if (end > shock_end) shock_end = end;
    }
    double *res[R_N] = { 0 };
    if (shock_start >= 0) {
        ADD(res[R_PV_BASE], "resilience", "prevalence_baseline", "share of adults");
        ADD(res[R_PV_DEPTH], "resilience", "prevalence_depth", "share of adults");
        ADD(res[R_PV_REC], "resilience", "prevalence_recovery_weeks", "weeks from the shock");
        ADD(res[R_PV_AREA], "resilience", "prevalence_area", "share of adults x weeks");
        ADD(res[R_CR_BASE], "resilience", "crisis_rate_baseline", "per 1,000 adults a year");
        ADD(res[R_CR_DEPTH], "resilience", "crisis_rate_depth", "per 1,000 adults a year");
        ADD(res[R_CR_REC], "resilience", "crisis_rate_recovery_weeks", "weeks from the shock");
        ADD(res[R_CR_AREA], "resilience", "crisis_rate_area", "per 1,000 adults a year x weeks");
    }

    const int W = l->weeks;
    const size_t T = (size_t)l->n_ts, SV = (size_t)ns * SV_COUNT; /* ns: rows include added slots */
    const double years = W / 52.0;
    int team = -1;
    for (int s = 0; s < nbase; s++)
        if (cfg->services[s].role == ROLE_CRISIS_TEAM) team = s;
    double planned = config_planned_budget(cfg);
    double *series_pv = ps_calloc((size_t)W + 1, sizeof *series_pv);
    double *series_cr = ps_calloc((size_t)W + 1, sizeof *series_cr);
    if (!series_pv || !series_cr) {
        ps_free(series_pv);
        ps_free(series_cr);
        goto nomem;
    }
    for (int r = 0; r < R; r++) {
        const double *ts = recs[r].ts, *xs = recs[r].xs, *sv = recs[r].sv, *nb = recs[r].nb;
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
        v[S2_EMPLOY][r] = ratio(col_sum(xs, W, XS_COUNT, XS_EMPLOYED), col_sum(xs, W, XS_COUNT, XS_WORKING_AGE));
        v[S2_UNEMP][r] = ratio(col_sum(ts, W, T, TS_UNEMPLOYED), lf);
        v[S2_LONELY][r] = ratio(col_sum(ts, W, T, TS_LONELY), adult_weeks);
        v[S2_SC][r] = col_sum(ts, W, T, TS_SOCIAL_CAPITAL) / W;
        v[S2_VOLUNTEERS][r] = ratio(col_sum(xs, W, XS_COUNT, XS_VOLUNTEERS) * 1000, adult_weeks);
        v[D_DEBT_ADULTS][r] = ratio(col_sum(ts, W, T, TS_IN_DEBT), adult_weeks);
        v[D_DEBT_HH][r] = ratio(col_sum(xs, W, XS_COUNT, XS_HH_DEBT), col_sum(xs, W, XS_COUNT, XS_HOUSEHOLDS));
        v[D_HOUSING][r] = ratio(col_sum(xs, W, XS_COUNT, XS_RENTERS_INSECURE), col_sum(xs, W, XS_COUNT, XS_RENTERS));
        v[O_TEAM_SHARE][r] = ratio(col_sum(xs, W, XS_COUNT, XS_TEAM_STARTS), episodes);
        v[O_TEAM_UTIL][r] =
            team >= 0 ? ratio(col_sum(sv, W, SV, (size_t)team * SV_COUNT + SV_ACTIVE),
                              col_sum(sv, W, SV, (size_t)team * SV_COUNT + SV_CAPACITY))
                      : NAN;
        v[O_ADMIT_SHARE][r] = ratio(col_sum(ts, W, T, TS_ADMISSIONS), ae);
        double referrals = 0, lost = 0;
        for (int j = 0; j < nsup; j++) {
            int slot = sup[j] >= 0 ? sup[j] : added_slot(&recs[r], supname[j], nbase);
            if (slot < 0) { /* not added in this replicate */
                for (int q = 0; q < PS_N; q++)
                    if (per[j][q]) per[j][q][r] = NAN;
                continue;
            }
            size_t b = (size_t)slot * SV_COUNT;
            double ref = col_sum(sv, W, SV, b + SV_REFERRALS), started = col_sum(sv, W, SV, b + SV_STARTED);
            double done = col_sum(sv, W, SV, b + SV_COMPLETED), dropped = col_sum(sv, W, SV, b + SV_DROPPED);
            double lost_here = col_sum(sv, W, SV, b + SV_LOST);
            per[j][PS_REFERRALS][r] = ref;
            per[j][PS_STARTED][r] = started;
            per[j][PS_WAIT][r] = ratio(col_sum(sv, W, SV, b + SV_WAIT_SUM), started);
            per[j][PS_DROPOUT][r] = ratio(dropped, done + dropped);
            per[j][PS_UTIL][r] = ratio(col_sum(sv, W, SV, b + SV_ACTIVE), col_sum(sv, W, SV, b + SV_CAPACITY));
            if (pathway[j]) continue;
            per[j][PS_LOST][r] = lost_here;
            if (!gate[j]) referrals += ref; /* a gatekeeper's referrals are counted where they lead */
            lost += lost_here;
        }
        v[O_REFERRALS][r] = referrals;
        v[O_LOST][r] = lost;
        v[M_TOTAL][r] = cost;
        v[M_PER_ADULT][r] = ratio(cost, adults * years);
        v[M_PLANNED][r] = planned;
        for (int a = 0; a < na; a++) agency[a][r] = col_sum(ts, W, T, TS_FIXED + (size_t)a);
        for (int a = 0; a < ncost; a++) vcost[a][r] = dyn_total(&recs[r], DYN_COST, dyn_cost[a]);
        for (int a = 0; a < nspend; a++) vspend[a][r] = dyn_total(&recs[r], DYN_SPEND, dyn_spend[a]);
        double cr1 = ratio(quintile_sum(cfg, l, nb, 1, NB_CRISIS_EPISODES) * 1000 * 52,
                           quintile_sum(cfg, l, nb, 1, NB_ADULTS));
        double cr5 = ratio(quintile_sum(cfg, l, nb, 5, NB_CRISIS_EPISODES) * 1000 * 52,
                           quintile_sum(cfg, l, nb, 5, NB_ADULTS));
        double pv1 = quintile_prevalence(cfg, l, nb, 1), pv5 = quintile_prevalence(cfg, l, nb, 5);
        v[E_CR1][r] = cr1;
        v[E_CR5][r] = cr5;
        v[E_CR_RATIO][r] = ratio(cr1, cr5);
        v[E_CR_GAP][r] = cr1 - cr5;
        v[E_PV1][r] = pv1;
        v[E_PV5][r] = pv5;
        v[E_PV_RATIO][r] = ratio(pv1, pv5);
        v[E_PV_GAP][r] = pv1 - pv5;
        if (shock_start >= 0) {
            const cfg_model *m = &cfg->model;
            for (int w = 0; w < W; w++) {
                const double *row = ts + (size_t)w * T;
                double a = xs[(size_t)w * XS_COUNT + XS_ADULTS];
                series_pv[w] = ratio(row[TS_STRUGGLING] + row[TS_CRISIS] + row[TS_RECOVERING], a);
                series_cr[w] = ratio(row[TS_CRISIS_EPISODES] * 1000 * 52, a);
            }
            resilience rp, rc;
            metrics_resilience(series_pv, W, shock_start, shock_end, m->resilience.baseline_weeks,
                               m->resilience.smoothing_weeks, m->resilience.tolerance, m->resilience.hold_weeks, &rp);
            metrics_resilience(series_cr, W, shock_start, shock_end, m->resilience.baseline_weeks,
                               m->resilience.crisis_rate_smoothing_weeks, m->resilience.tolerance,
                               m->resilience.hold_weeks, &rc);
            res[R_PV_BASE][r] = rp.baseline;
            res[R_PV_DEPTH][r] = rp.depth;
            res[R_PV_REC][r] = rp.recovery_weeks;
            res[R_PV_AREA][r] = rp.area;
            res[R_CR_BASE][r] = rc.baseline;
            res[R_CR_DEPTH][r] = rc.depth;
            res[R_CR_REC][r] = rc.recovery_weeks;
            res[R_CR_AREA][r] = rc.area;
        }
    }
    ps_free(series_pv);
    ps_free(series_cr);
    ps_free(agency);
    for (size_t i = 0; i < out->n; i++) {
        outcome *o = &out->items[i];
        stats_summarise(o->values, R, &o->mean, &o->sd, &o->ci_low, &o->ci_high);
    }
    return PS_OK;
nomem:
    ps_free(agency);
    outcome_set_release(out);
    return PS_ERR_NOMEM;
}

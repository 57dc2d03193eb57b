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

const char *const metrics_sv_names[SV_CSV_COUNT] = {
    "referrals", "waiting", "active", "started", "completed", "dropped_out", "cost"
};

const char *const metrics_nb_names[NB_CSV_COUNT] = {
    "adults", "well", "struggling", "crisis", "recovering", "onsets", "crisis_episodes",
    "unemployed", "labour_force", "in_debt", "housing_insecure", "lonely", "social_capital"
};

ps_status metrics_layout_init(metrics_layout *l, const ps_config *cfg)
{
    memset(l, 0, sizeof *l);
    l->weeks = cfg->weeks;
    l->n_nbhd = cfg->place.n_neighbourhoods;
    l->n_scenario_services = cfg->n_services;
    l->n_services = cfg->n_services + (cfg->n_interventions ? cfg->limits.added_services : 0);
    l->max_dyn = cfg->n_interventions ? cfg->limits.columns : 0;
    l->agencies = ps_calloc((size_t)cfg->n_services + 2, sizeof *l->agencies);
    l->service_agency = ps_calloc((size_t)cfg->n_services + 1, sizeof *l->service_agency);
    l->cost_columns = ps_calloc((size_t)cfg->n_services + 2, sizeof *l->cost_columns);
    if (!l->agencies || !l->service_agency || !l->cost_columns) {
        metrics_layout_release(l);
        return PS_ERR_NOMEM;
    }
    for (int s = 0; s <= cfg->n_services; s++) {
        const char *a = s < cfg->n_services ? cfg->services[s].agency : cfg->model.social_capital.agency;
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
        if (s < cfg->n_services) l->service_agency[s] = found;
        else l->asset_agency = found;
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
    r->weeks = l->weeks;
    r->ts = ps_calloc(w * (size_t)l->n_ts, sizeof *r->ts);
    r->xs = ps_calloc(w * XS_COUNT, sizeof *r->xs);
    r->nb = ps_calloc(w * (size_t)l->n_nbhd * NB_COUNT, sizeof *r->nb);
    r->sv = ps_calloc(w * (size_t)(l->n_services ? l->n_services : 1) * SV_COUNT, sizeof *r->sv);
    r->max_dyn = l->max_dyn;
    r->max_added = l->n_services - l->n_scenario_services;
    r->dyn = ps_calloc((size_t)r->max_dyn + 1, sizeof *r->dyn);
    r->added = ps_calloc((size_t)r->max_added + 1, sizeof *r->added);
    r->added_week = ps_calloc((size_t)r->max_added + 1, sizeof *r->added_week);
    if (!r->ts || !r->xs || !r->nb || !r->sv || !r->dyn || !r->added || !r->added_week) {
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
    ps_free(r->sv);
    for (int i = 0; r->dyn && i < r->n_dyn; i++) {
        ps_free(r->dyn[i].name);
        ps_free(r->dyn[i].v);
    }
    ps_free(r->dyn);
    for (int i = 0; r->added && i < r->max_added; i++) ps_free(r->added[i]);
    ps_free(r->added);
    ps_free(r->added_week);
    sb_free(&r->log);
    memset(r, 0, sizeof *r);
}

dyncol *record_dyncol(replicate_record *rec, const char *name, int kind)
{
    for (int i = 0; i < rec->n_dyn; i++)
        if (rec->dyn[i].kind == kind && strcmp(rec->dyn[i].name, name) == 0) return &rec->dyn[i];
    if (rec->n_dyn >= rec->max_dyn) return NULL;
    dyncol *c = &rec->dyn[rec->n_dyn];
    c->name = ps_strdup(name);
    c->kind = kind;
    c->v = ps_calloc((size_t)rec->weeks + 1, sizeof *c->v);
    if (!c->name || !c->v) {
        ps_free(c->name);
        ps_free(c->v);
        c->name = NULL;
        c->v = NULL;
        return NULL;
    }
    for (int w = 0; kind == DYN_RECORD && w < rec->weeks; w++) c->v[w] = NAN;
    rec->n_dyn++;
    return c;
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

/*
 * metrics: what a replicate records each week, and the outcomes of
 * MODEL.md section 7 computed from it.
 *
 * A replicate's record is a few dense arrays indexed [week][column]: the
 * place-wide columns of timeseries.csv (TS_*, then one cost column per
 * agency), extra place-wide series the outcomes need (XS_*), and per
 * neighbourhood series (NB_*). Counts are whole numbers held in doubles,
 * so they are exact.
 */
#ifndef PS_METRICS_H
#define PS_METRICS_H

#include <stddef.h>

#include "config.h"
#include "placesim.h"
#include "sbuf.h"

enum ts_col {
    TS_POPULATION,
    TS_WELL,
    TS_STRUGGLING,
    TS_CRISIS,
    TS_RECOVERING,
    TS_ONSETS,
    TS_CRISIS_EPISODES,
    TS_AE,
    TS_ADMISSIONS,
    TS_UNEMPLOYED,
    TS_IN_DEBT,
    TS_HOUSING_INSECURE,
    TS_LONELY,
    TS_SOCIAL_CAPITAL,
    TS_COST_TOTAL,
    TS_FIXED /* number of fixed columns; cost_<agency> columns follow */
};

enum xs_col {
    XS_ADULTS,
    XS_EMPLOYED,
    XS_LABOUR_FORCE,
    XS_BED_WEEKS,       /* occupied inpatient beds this week */
    XS_TEAM_ACTIVE,     /* crisis team caseload */
    XS_TEAM_STARTS,
    XS_UNTREATED,       /* crises that met neither the team nor A&E capacity */
    XS_QALY,            /* quality-weighted adult-weeks */
    XS_HOUSEHOLDS,
    XS_HH_DEBT,
    XS_RENTERS,
    XS_RENTERS_INSECURE,
    XS_VOLUNTEERS,
    XS_WORKING_AGE,
    XS_COUNT
};

enum nb_col {
    NB_ADULTS,
    NB_WELL,
    NB_STRUGGLING,
    NB_CRISIS,
    NB_RECOVERING,
    NB_ONSETS,
    NB_CRISIS_EPISODES,
    NB_UNEMPLOYED,
    NB_LABOUR_FORCE,
    NB_IN_DEBT,
    NB_HOUSING_INSECURE,
    NB_LONELY,
    NB_SOCIAL_CAPITAL,
    NB_CSV_COUNT,           /* the columns above go to neighbourhoods.csv */
    NB_VOLUNTEERS = NB_CSV_COUNT,
    NB_EMPLOYED,
    NB_PEOPLE,
    NB_HOUSEHOLDS,
    NB_HH_DEBT,
    NB_RENTERS,
    NB_RENTERS_INSECURE,
    NB_QALY,
    NB_WORKING_AGE,
    NB_COUNT
};

/* Per service and week (services.csv has the first seven). */
enum sv_col {
    SV_REFERRALS,
    SV_WAITING,
    SV_ACTIVE,
    SV_STARTED,
    SV_COMPLETED,
    SV_DROPPED,
    SV_COST,
    SV_CSV_COUNT,
    SV_CAPACITY = SV_CSV_COUNT,
    SV_WAIT_SUM,            /* weeks waited by those who started */
    SV_LOST,                /* lost at hand-offs from this service */
    SV_COUNT
};

/* Names of the TS_* and NB_* columns as written in the CSV headers. */
extern const char *const metrics_ts_names[TS_FIXED];
extern const char *const metrics_nb_names[NB_CSV_COUNT];
extern const char *const metrics_sv_names[SV_CSV_COUNT];

typedef struct metrics_layout {
    int weeks;
    int n_nbhd;
    int n_agencies;
    char **agencies;        /* names, in order of first appearance in services */
    char **cost_columns;    /* "cost_<agency>" for each agency */
    int *service_agency;    /* agency index of each service */
    int asset_agency;       /* agency index of community assets' costs */
    int n_services;         /* the scenario's, plus room for services scripts add */
    int n_scenario_services;
    int max_dyn;            /* limits.columns */
    int n_ts;               /* TS_FIXED + n_agencies */
} metrics_layout;

ps_status metrics_layout_init(metrics_layout *l, const ps_config *cfg);
void metrics_layout_release(metrics_layout *l);

/* Columns a replicate makes as it runs: costs of agencies the scenario
 * does not name (DYN_COST), custom columns of sim:record (DYN_RECORD), and
 * scripts' spending by intervention and label (DYN_SPEND). */
enum dyn_kind { DYN_COST, DYN_RECORD, DYN_SPEND };
typedef struct dyncol {
    char *name;
    int kind;
    double *v;    /* [weeks]; NaN where a record was not given */
} dyncol;

typedef struct replicate_record {
    double *ts;   /* [weeks][n_ts] */
    double *xs;   /* [weeks][XS_COUNT] */
    double *nb;   /* [weeks][n_nbhd][NB_COUNT] */
    double *sv;   /* [weeks][n_services][SV_COUNT] */
    int weeks;
    dyncol *dyn;  /* [max_dyn] */
    int n_dyn, max_dyn;
    sbuf log;         /* scripts' log lines (sim:log, print) */
    char **added;     /* names of services scripts added, by slot (NULL if none) */
    int *added_week;  /* week each was added */
    int max_added;
} replicate_record;

/* The column called name of kind in rec, made if it is new; NULL if there
 * is no room (limits.columns) or no memory. */
dyncol *record_dyncol(replicate_record *rec, const char *name, int kind);

ps_status record_alloc(replicate_record *r, const metrics_layout *l);
void record_release(replicate_record *r);

/* One outcome's values over replicates, summarised. */
typedef struct outcome {
    char name[96];
    const char *unit;
    const char *group;   /* safety_one, safety_two, services, money, equity, ... */
    int agency;          /* a cost_<agency> total: one agency's share of cost_total */
    double *values;      /* [replicates] */
    double mean, sd, ci_low, ci_high;
} outcome;

typedef struct outcome_set {
    outcome *items;
    size_t n, cap;
    int replicates;
} outcome_set;

/* Computes every outcome of every replicate and summarises them. */
ps_status metrics_outcomes(const ps_config *cfg, const metrics_layout *l,
                           const replicate_record *recs, int replicates, outcome_set *out);
void outcome_set_release(outcome_set *s);

/* The resilience triangle of a series around a shock starting at week
 * start and (the last shock) ending before week shock_end: the series is
 * first smoothed with a trailing mean of smoothing weeks; the baseline is
 * the mean of the baseline_weeks weeks before start; depth is the largest
 * rise above the baseline from start until the first week, at least a
 * smoothing window after shock_end, when the series is back at or below
 * the baseline (or the end of the run): so a peak that comes long after the
 * shock is found, while noise after the series has come back is not taken
 * for it; recovery is the number of weeks from start to the first week, at
 * or after the peak, that begins hold weeks running within tolerance x
 * baseline of it (NaN if the run ends first); area is the sum of (series -
 * baseline) from start to recovery (or the end). A higher series is worse
 * (prevalence, crises). */
typedef struct resilience {
    double baseline, depth, recovery_weeks, area;
} resilience;
void metrics_resilience(const double *series, int n, int start, int shock_end, int baseline_weeks, int smoothing,
                        double tolerance, int hold, resilience *out);

/* Names of the columns of kind scripts made in any replicate, in the order
 * first seen (replicate by replicate); names of the services they added;
 * and the row of an added service in one replicate (-1 if not added). */
int dyn_names(const replicate_record *recs, int R, int kind, const char **names, int max);
int dyn_names_added(const replicate_record *recs, int R, const char **names, int max);
int added_slot(const replicate_record *rec, const char *name, int n_scenario_services);

/* Mean, sample sd and 95% Student-t interval of x[0..n-1]. */
void stats_summarise(const double *x, int n, double *mean, double *sd, double *lo, double *hi);
/* Two-sided 97.5% quantile of Student's t with df degrees of freedom. */
double stats_t975(int df);

#endif

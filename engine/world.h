/*
 * world: the state of one replicate as it runs, shared by the model
 * (weekly dynamics) and services (the crisis pathway and its capacity).
 *
 * model_params holds what is the same for every replicate of a run: the
 * determinant rates derived from the population at the start, deprivation
 * factors, and scaled capacities. A world holds what changes: every
 * person's and household's dynamic columns, service caseloads, and the
 * buffer of this week's new crises.
 */
#ifndef PS_WORLD_H
#define PS_WORLD_H

#include <stdint.h>

#include "config.h"
#include "metrics.h"
#include "placesim.h"
#include "population.h"

enum care { CARE_NONE = 0, CARE_TEAM, CARE_BED };

typedef struct nb_params {
    double loss_base;      /* job loss hazard before multipliers */
    double debt_onset;     /* debt onset hazard before multipliers */
    double housing_onset;  /* housing insecurity onset before multipliers (renters) */
    double lonely_onset;   /* loneliness onset before multipliers */
    double recovery_mult;  /* deprivation factor on recovery */
    double crisis_mult;    /* deprivation factor on crisis */
} nb_params;

typedef struct model_params {
    const ps_config *cfg;
    const popdata *pop;
    nb_params *nb;
    int service_of_role[ROLE_COUNT]; /* index into cfg->services, or -1 */
    int *capacity;                   /* scaled capacity of each service */
    double *fixed_cost;              /* scaled fixed weekly cost of each service */
    metrics_layout layout;
} model_params;

/* Thresholds (see rng_threshold) of one neighbourhood for one week. */
typedef struct nb_tables {
    uint64_t well[64][2];       /* WELL: onset | unused */
    uint64_t struggling[64][2]; /* crisis, crisis + recovery */
    uint64_t recovering[64][2]; /* relapse, relapse + well */
    uint64_t crisis_exit[3];    /* by care */
    uint64_t job_loss[ST_COUNT];
    uint64_t job_find[ST_COUNT][2];   /* [state][low qualifications] */
    uint64_t debt_onset[4];     /* [no worker | crisis << 1] */
    uint64_t debt_resolve;
    uint64_t housing_onset[2];  /* [in debt] */
    uint64_t housing_resolve;
    uint64_t lonely_onset[4];   /* [alone | young << 1] */
    uint64_t lonely_resolve;
} nb_tables;

typedef struct world {
    const model_params *mp;
    uint64_t seed, replicate;
    /* persons */
    uint8_t *pf;       /* PF_* */
    uint8_t *st;       /* enum wstate */
    uint16_t *wk;      /* weeks in state */
    uint8_t *care;     /* enum care */
    /* households */
    uint8_t *hf;       /* HF_* */
    uint8_t *workers;  /* employed members */
    uint8_t *ncrisis;  /* members in CRISIS */
    /* neighbourhoods */
    double *social_capital;
    nb_tables tables;  /* of the neighbourhood being stepped */
    /* services */
    int *active;       /* caseload of each service */
    int *starts;       /* episodes started this week */
    int ae_this_week;
    /* this week's new crises (person ids) */
    uint32_t *new_crisis;
    uint64_t *order_key;
    size_t n_new, cap_new;
} world;

/* Derives the run-wide parameters (and the metrics layout). */
ps_status model_params_init(model_params *mp, const ps_config *cfg, const popdata *pop, ps_error *err);
void model_params_release(model_params *mp);

/* A world at the start (week -burn_in) of a replicate. */
ps_status world_init(world *w, const model_params *mp, uint64_t replicate, ps_error *err);
void world_release(world *w);

/* Runs one week. When rec is not NULL and week >= 0 the week is recorded
 * at row week of rec. */
ps_status world_step(world *w, int week, replicate_record *rec, ps_error *err);

/* services.c: the crisis pathway for this week's new crises, then each
 * service's costs and caseload into the record rows (NULL when the week is
 * not recorded). */
void services_crisis_pathway(world *w, int week, double *ts_row, double *xs_row);
void services_account(world *w, double *ts_row, double *xs_row);

#endif

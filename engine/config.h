/*
 * config: the validated scenario as plain C structs.
 *
 * Filled from the resolved JSON by the schema (schema.c) through the field
 * offsets in keys.c, so one table decides each key's name, type, default,
 * range, unit, documentation and where it lands here. Rates are per week,
 * multipliers are plain factors, shares are in [0, 1].
 */
#ifndef PS_CONFIG_H
#define PS_CONFIG_H

#include <stdint.h>

typedef struct cfg_neighbourhood {
    char *name;
    int households;
    int decile;               /* 1 = most deprived */
    double unemployment;      /* share of the economically active */
    double debt;              /* share of households in problem debt */
    double housing_insecurity;/* share of renting households */
    double discrimination;    /* share of adults exposed */
    double low_income;        /* share of households on a low income */
    double social_capital;    /* S at the start, in [0, 1] */
    int hubs;                 /* community hubs */
    int vcs_orgs;             /* voluntary and community organisations */
} cfg_neighbourhood;

/* Order matches the "role" choices in keys.c. */
enum cfg_service_role {
    ROLE_CRISIS_TEAM = 0,
    ROLE_EMERGENCY,   /* A&E */
    ROLE_INPATIENT,   /* mental-health beds */
    ROLE_SUPPORT,     /* any other service: eligibility, access, queue, episodes, effects */
    ROLE_COUNT
};

/* Needs a support service can address; order matches keys.c. */
enum cfg_need { NEED_DEBT, NEED_HOUSING, NEED_UNEMPLOYED, NEED_LONELY, NEED_COUNT };

/* Access routes; order matches keys.c. */
enum cfg_route { ROUTE_SELF, ROUTE_REFERRAL, ROUTE_OUTREACH, ROUTE_NONE };

typedef struct cfg_service {
    char *name;
    char *description;
    char *agency;
    int role;                 /* enum cfg_service_role */
    int capacity;             /* concurrent cases (A&E: attendances a week) */
    unsigned eligible_states; /* bit s-1 for wellbeing state s (WELL = bit 0) */
    unsigned eligible_needs;  /* bit per enum cfg_need; 0 = no need required */
    int min_age, max_age;
    int route;                /* enum cfg_route */
    char *via;                /* gatekeeper service of a referral route */
    double uptake;            /* weekly help-seeking (self, referral) */
    double referral_dropout;  /* referral: share the gatekeeper sees who never join this service's list */
    double find_rate;         /* weekly share of the eligible found (outreach) */
    double wait_dropout;      /* weekly drop-out while waiting */
    double episode_weeks;     /* mean episode length */
    double completion;        /* share of episodes completed */
    struct {
        double onset, recovery, crisis; /* hazard multipliers while active and after */
        int after_weeks;
        double recover_on_completion;
        double resolve[NEED_COUNT];
    } effects;
    double cost_per_start;
    double cost_per_week;     /* per active case per week */
    double cost_fixed_per_week;
    char **neighbourhoods;    /* served; none listed = all */
    int n_neighbourhoods;
    int per_neighbourhood;    /* capacity and queue in each neighbourhood served */
    int integrated;           /* one episode meets all needs; no hand-offs */
    double handoff_dropout;   /* share lost at each onward referral (siloed) */
    double volunteer_capacity;/* cases added per 100 volunteers in its neighbourhoods */
    int via_index;            /* resolved from via at load; -1 if none */
} cfg_service;

typedef struct cfg_shock {
    char *name;
    char *description;
    int start_week, weeks;
    char **neighbourhoods;    /* none listed = all */
    int n_neighbourhoods;
    double job_loss, job_find, debt_onset, housing_onset, loneliness_onset;
    double onset, crisis, recovery;
    double capacity;          /* multiplier on the capacity of the services below */
    char **services;          /* none listed = all */
    int n_services;
} cfg_shock;

typedef struct cfg_intervention {
    char *name;
    char *script;             /* absolute path once loaded */
    int start_week;
    int end_week;             /* first week it is no longer active; 0 = runs to the end */
    char *params;             /* compact JSON object */
} cfg_intervention;

typedef struct cfg_limits {
    double instructions;      /* per call into a script */
    double memory_mb;         /* per script state */
    int added_services;       /* services scripts may add, per replicate */
    int columns;              /* custom columns and new agencies scripts may make */
} cfg_limits;

typedef struct cfg_population {
    double scale;
    char *households_csv;     /* NULL: synthesise */
    char *persons_csv;
    double mean_household_size;
    double one_person_share;
    double one_person_65plus;
    double tenure_owned_outright, tenure_mortgage, tenure_private_rent, tenure_social_rent;
    double renting_gradient;
    int retirement_age;
    double inactive_share;
    double no_qualifications;
    double no_qualifications_gradient;
    double unemployment_decile1, unemployment_decile10;
    double debt_decile1, debt_decile10;
    double low_income_decile1, low_income_decile10;
    double housing_insecurity;
    double discrimination;
    double lonely, lonely_young;
    double initial_prevalence, initial_prevalence_ratio;
    double social_capital_start, social_capital_per_decile;
    double hubs_per_1000_households, vcs_per_1000_households;
} cfg_population;

typedef struct cfg_model {
    double multiplier_cap;
    struct {
        double base, debt, unemployed, housing_insecure, lonely, discriminated, low_income,
            social_capital;
    } onset;
    struct { double base, decile1; } recovery;
    struct { double base, debt, housing_insecure, lonely, decile1, waiting; } crisis;
    struct { double untreated, crisis_team; } crisis_exit;
    double admission_share;
    int inpatient_stay_weeks;
    struct { double to_well, relapse; } recovering;
    struct {
        double find, find_low_qualifications, find_struggling, find_crisis, loss_struggling,
            loss_crisis;
    } jobs;
    struct { double resolution, onset_no_worker, onset_crisis; } debt;
    struct { double resolution, onset_debt; } housing;
    struct { double resolution, resolution_social_capital, onset_living_alone, onset_young; } loneliness;
    struct { double well, struggling, crisis, recovering; } qaly;
    struct {
        double growth, erosion, reversion, hub_weight, vcs_weight, volunteering, volunteer_weight;
        double crisis_baseline;
        int crisis_smoothing_weeks;
        double hub_cost_per_week, vcs_grant_per_week;
        char *agency;
    } social_capital;
    struct { int baseline_weeks, smoothing_weeks, crisis_rate_smoothing_weeks, hold_weeks; double tolerance; } resilience;
} cfg_model;

typedef struct ps_config {
    char *name;
    char *description;
    uint64_t seed;
    double seed_number;       /* as read from JSON; seed is its integer value */
    int weeks;
    int burn_in_weeks;
    int replicates;
    cfg_population population;
    struct {
        char *name;
        char *description;
        cfg_neighbourhood *neighbourhoods;
        int n_neighbourhoods;
    } place;
    cfg_model model;
    cfg_service *services;
    int n_services;
    cfg_shock *shocks;
    int n_shocks;
    cfg_intervention *interventions;
    int n_interventions;
    cfg_limits limits;
} ps_config;

/* A service's capacity and fixed weekly cost after population.scale: the
 * place is scaled as a whole, so per-person results stay comparable. */
#define CONFIG_MAX_CAPACITY 1000000000 /* places of one service, after scaling */

int config_capacity(const ps_config *cfg, int service);
/* Rounds a capacity to whole places within 0 .. CONFIG_MAX_CAPACITY. */
int config_clamp_capacity(double places);
double config_fixed_cost(const ps_config *cfg, int service);

/* Weekly cost of a neighbourhood's community assets (hubs and grants to
 * voluntary organisations), after population.scale. */
double config_asset_cost(const ps_config *cfg, int neighbourhood);

/* The planned weekly budget: every service's fixed cost plus its capacity
 * at its weekly cost, plus community assets, after population.scale. What
 * the place commits to spend, before demand decides what is spent. */
double config_planned_budget(const ps_config *cfg);

/* Index of the neighbourhood or service called name, or -1. */
int config_neighbourhood_index(const ps_config *cfg, const char *name);
int config_service_index(const ps_config *cfg, const char *name);

#endif

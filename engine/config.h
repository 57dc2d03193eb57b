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
} cfg_neighbourhood;

/* Order matches the "role" choices in keys.c. */
enum cfg_service_role {
    ROLE_CRISIS_TEAM = 0,
    ROLE_EMERGENCY,   /* A&E */
    ROLE_INPATIENT,   /* mental-health beds */
    ROLE_COUNT
};

typedef struct cfg_service {
    char *name;
    char *description;
    char *agency;
    int role;                 /* enum cfg_service_role */
    int capacity;             /* concurrent cases (A&E: attendances a week) */
    double cost_per_start;
    double cost_per_week;     /* per active case per week */
    double cost_fixed_per_week;
} cfg_service;

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
} cfg_population;

typedef struct cfg_model {
    double multiplier_cap;
    struct {
        double base, debt, unemployed, housing_insecure, lonely, discriminated, low_income,
            social_capital;
    } onset;
    struct { double base, decile1; } recovery;
    struct { double base, debt, housing_insecure, lonely, decile1; } crisis;
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
} ps_config;

/* A service's capacity and fixed weekly cost after population.scale: the
 * place is scaled as a whole, so per-person results stay comparable. */
int config_capacity(const ps_config *cfg, int service);
double config_fixed_cost(const ps_config *cfg, int service);

#endif

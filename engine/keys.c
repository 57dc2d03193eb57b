/*
 * keys: every key a scenario may hold, with its default, unit, range,
 * meaning and source. This table is the single source of truth: the engine
 * validates, fills defaults and compiles from it, and docs/scenarios.md is
 * generated from it (placesim keys --markdown).
 *
 * Sources are those of MODEL.md; "assumption" marks a figure with no
 * published source, "calibrated" one set by the calibration in docs/model.md.
 */
#include <math.h>
#include <stddef.h>

#include "config.h"
#include "schema.h"

#define INF INFINITY

#define LEAF(K, KIND, FIELD, D, LO, HI, U, DOC, SRC, FL)                                            \
    {                                                                                              \
        .key = K, .kind = KIND, .flags = FL, .unit = U, .doc = DOC, .source = SRC, .def = D,       \
        .min = LO, .max = HI, .offset = offsetof(BASE, FIELD)                                      \
    }
#define NUM(K, FIELD, D, LO, HI, U, DOC, SRC, FL) LEAF(K, SK_NUMBER, FIELD, D, LO, HI, U, DOC, SRC, FL)
#define INT(K, FIELD, D, LO, HI, U, DOC, SRC, FL) LEAF(K, SK_INT, FIELD, D, LO, HI, U, DOC, SRC, FL)
#define RATE(K, FIELD, D, DOC, SRC, FL) NUM(K, FIELD, D, 0, 1, "per week", DOC, SRC, FL)
#define MULT(K, FIELD, D, DOC, SRC, FL) NUM(K, FIELD, D, 0, 100, "x", DOC, SRC, FL)
#define SHARE(K, FIELD, D, DOC, SRC, FL) NUM(K, FIELD, D, 0, 1, "share", DOC, SRC, FL)
#define STR(K, FIELD, D, DOC, FL)                                                                  \
    {                                                                                              \
        .key = K, .kind = SK_STRING, .flags = FL, .doc = DOC, .def_str = D,                        \
        .offset = offsetof(BASE, FIELD)                                                            \
    }
#define DYN(K, FIELD, FN, FNDOC, LO, HI, U, DOC, SRC, FL)                                           \
    {                                                                                              \
        .key = K, .kind = SK_NUMBER, .flags = FL, .unit = U, .doc = DOC, .source = SRC, .min = LO, \
        .max = HI, .offset = offsetof(BASE, FIELD), .dyn = FN, .dyn_doc = FNDOC                    \
    }
#define OBJ(K, CHILDREN, DOC) { .key = K, .kind = SK_OBJECT, .doc = DOC, .children = CHILDREN }
#define END { .key = NULL, .kind = SK_END }

/* --------------------------------------------------- computed defaults */

static double root_num(const cJSON *root, const char *section, const char *key, double fallback)
{
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(root, section);
    const cJSON *v = s ? cJSON_GetObjectItemCaseSensitive(s, key) : NULL;
    return cJSON_IsNumber(v) ? v->valuedouble : fallback;
}

static double item_decile(const cJSON *item)
{
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(item, "deprivation_decile");
    double x = cJSON_IsNumber(d) ? d->valuedouble : 5.5;
    return x < 1 ? 1 : x > 10 ? 10 : x;
}

/* Geometric interpolation from the decile-1 figure to the decile-10 figure,
 * so a ratio between the extremes (debt: about 7x) holds at every step. */
static double by_decile(const cJSON *item, const cJSON *root, const char *k1, const char *k10)
{
    double a = root_num(root, "population", k1, 0), b = root_num(root, "population", k10, 0);
    double t = (item_decile(item) - 1) / 9.0;
    if (a <= 0 || b <= 0) return a + (b - a) * t;
    return a * pow(b / a, t);
}

static double dflt_unemployment(const cJSON *o, const cJSON *r)
{
    return by_decile(o, r, "unemployment_decile1", "unemployment_decile10");
}
static double dflt_debt(const cJSON *o, const cJSON *r)
{
    return by_decile(o, r, "debt_decile1", "debt_decile10");
}
static double dflt_low_income(const cJSON *o, const cJSON *r)
{
    return by_decile(o, r, "low_income_decile1", "low_income_decile10");
}
static double dflt_housing(const cJSON *o, const cJSON *r)
{
    (void)o;
    return root_num(r, "population", "housing_insecurity", 0.06);
}
static double dflt_discrimination(const cJSON *o, const cJSON *r)
{
    (void)o;
    return root_num(r, "population", "discrimination", 0.10);
}
static double dflt_social_capital(const cJSON *o, const cJSON *r)
{
    double s = root_num(r, "population", "social_capital_start", 0.35) +
               root_num(r, "population", "social_capital_per_decile", 0.03) * item_decile(o);
    return s < 0 ? 0 : s > 1 ? 1 : s;
}

/* Assets per 1,000 households of the neighbourhood, rounded to whole ones. */
static double per_thousand(const cJSON *item, const cJSON *root, const char *key)
{
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(item, "households");
    double households = cJSON_IsNumber(h) ? h->valuedouble : 0;
    return floor(root_num(root, "population", key, 0) * households / 1000.0 + 0.5);
}
static double dflt_hubs(const cJSON *o, const cJSON *r) { return per_thousand(o, r, "hubs_per_1000_households"); }
static double dflt_vcs(const cJSON *o, const cJSON *r) { return per_thousand(o, r, "vcs_per_1000_households"); }

/* --------------------------------------------------- place */

#define BASE cfg_neighbourhood
static const schema_node neighbourhood_keys[] = {
    STR("name", name, NULL, "Name of the neighbourhood (letters, digits, _ and -), unique in the place.", SF_REQUIRED),
    INT("households", households, 0, 0, 10000000, "households",
        "Number of households (multiplied by population.scale).", "place data", SF_NODEFAULT),
    INT("deprivation_decile", decile, 0, 1, 10, "decile",
        "Index of Multiple Deprivation decile: 1 = most deprived tenth of England.",
        "English Indices of Deprivation", SF_NODEFAULT),
    DYN("unemployment", unemployment, dflt_unemployment,
        "from `population.unemployment_decile1` to `_decile10` by decile (geometric)", 0, 0.9,
        "share", "Unemployed share of the economically active; job loss is set so it holds.",
        "ONS LFS 2024", 0),
    DYN("debt", debt, dflt_debt, "from `population.debt_decile1` to `_decile10` by decile (geometric)",
        0, 0.9, "share", "Share of households in problem debt; debt onset is set so it holds.",
        "FCA Financial Lives 2022-23", 0),
    DYN("housing_insecurity", housing_insecurity, dflt_housing, "`population.housing_insecurity`", 0,
        0.9, "share", "Share of renting households that are housing insecure.", "assumption", 0),
    DYN("discrimination", discrimination, dflt_discrimination, "`population.discrimination`", 0, 1,
        "share", "Share of adults exposed to discrimination.", "assumption", 0),
    DYN("low_income", low_income, dflt_low_income,
        "from `population.low_income_decile1` to `_decile10` by decile (geometric)", 0, 1, "share",
        "Share of households on a low income whatever their work status.", "DWP HBAI (about 20%); spread: assumption", 0),
    DYN("social_capital", social_capital, dflt_social_capital,
        "`population.social_capital_start` + `social_capital_per_decile` x decile", 0, 1, "index 0-1",
        "Social capital S at the start.", "assumption", 0),
    { .key = "hubs", .kind = SK_INT, .unit = "hubs", .min = 0, .max = 10000, .offset = offsetof(BASE, hubs),
      .dyn = dflt_hubs, .dyn_doc = "`population.hubs_per_1000_households` x households / 1000, rounded",
      .doc = "Community hubs: places where people meet, get help and volunteer.", .source = "assumption" },
    { .key = "vcs_orgs", .kind = SK_INT, .unit = "organisations", .min = 0, .max = 100000,
      .offset = offsetof(BASE, vcs_orgs), .dyn = dflt_vcs,
      .dyn_doc = "`population.vcs_per_1000_households` x households / 1000, rounded",
      .doc = "Voluntary and community organisations active in the neighbourhood.", .source = "assumption" },
    END
};
#undef BASE

#define BASE ps_config
static const schema_node place_keys[] = {
    STR("name", place.name, "Unnamed place", "Name of the place.", 0),
    STR("description", place.description, "", "What the place is, in words.", 0),
    { .key = "neighbourhoods", .kind = SK_NAMED_LIST, .flags = SF_NODEFAULT,
      .doc = "The neighbourhoods of the place, each an object with the keys below. Neighbourhoods "
             "merge by `name` across `extends`.",
      .children = neighbourhood_keys, .offset = offsetof(ps_config, place.neighbourhoods),
      .count_offset = offsetof(ps_config, place.n_neighbourhoods),
      .item_size = sizeof(cfg_neighbourhood) },
    END
};

/* --------------------------------------------------- population */

static const schema_node population_keys[] = {
    NUM("scale", population.scale, 1, 0, 1000, "x",
        "Multiplies every neighbourhood's households, and service capacities and fixed costs with "
        "them, so per-person results stay comparable (0.1 for a quick run, 8 for a million people).",
        NULL, SF_MIN_EXCL),
    STR("households_csv", population.households_csv, NULL,
        "A CSV file of households to use instead of synthesis (columns in docs/scenarios.md); "
        "relative to the scenario file.", SF_OPTIONAL | SF_PATH),
    STR("persons_csv", population.persons_csv, NULL,
        "A CSV file of persons, given together with households_csv.", SF_OPTIONAL | SF_PATH),
    NUM("mean_household_size", population.mean_household_size, 2.4, 1.5, 5, "persons",
        "Mean household size of synthesised households.", "ONS Census 2021", 0),
    SHARE("one_person_share", population.one_person_share, 0.30, "Share of one-person households.",
          "ONS Census 2021", 0),
    SHARE("one_person_65plus", population.one_person_65plus, 0.45,
          "Share of one-person households whose member is 65 or over.", "ONS Families and Households 2023 (about 45%)", SF_ASSUMPTION),
    SHARE("tenure_owned_outright", population.tenure_owned_outright, 0.33,
          "Households owning outright (at the national mix of deprivation).", "ONS Census 2021", 0),
    SHARE("tenure_mortgage", population.tenure_mortgage, 0.30, "Households owning with a mortgage.",
          "ONS Census 2021", 0),
    SHARE("tenure_private_rent", population.tenure_private_rent, 0.20, "Households renting privately.",
          "ONS Census 2021", 0),
    SHARE("tenure_social_rent", population.tenure_social_rent, 0.17, "Households renting socially.",
          "ONS Census 2021", 0),
    NUM("renting_gradient", population.renting_gradient, 0.6, 0, 1, "x",
        "Renting share is multiplied by 1 + g in decile 1 and 1 - g in decile 10 (linear between).",
        "assumption", 0),
    INT("retirement_age", population.retirement_age, 66, 50, 90, "years",
        "Adults at or over this age are retired; those from 16 to one below it are of working age.",
        "State Pension age", 0),
    SHARE("inactive_share", population.inactive_share, 0.22,
          "Economically inactive share of working-age adults (students, carers, long-term sick).",
          "ONS LFS 2024", 0),
    SHARE("no_qualifications", population.no_qualifications, 0.18, "Adults with no qualifications.",
          "ONS Census 2021", 0),
    NUM("no_qualifications_gradient", population.no_qualifications_gradient, 0.5, 0, 1, "x",
        "Share with no qualifications is multiplied by 1 + g in decile 1 and 1 - g in decile 10.",
        "assumption", 0),
    SHARE("unemployment_decile1", population.unemployment_decile1, 0.08,
          "Unemployment in the most deprived decile (default of each neighbourhood's unemployment).",
          "ONS LFS 2024 (4.2% nationally); spread: assumption", 0),
    SHARE("unemployment_decile10", population.unemployment_decile10, 0.02,
          "Unemployment in the least deprived decile.", "ONS LFS 2024; spread: assumption", 0),
    SHARE("debt_decile1", population.debt_decile1, 0.21,
          "Problem debt in the most deprived decile (7x decile 10; 9.5% over all deciles).",
          "FCA Financial Lives 2022-23", 0),
    SHARE("debt_decile10", population.debt_decile10, 0.03, "Problem debt in the least deprived decile.",
          "FCA Financial Lives 2022-23", 0),
    SHARE("low_income_decile1", population.low_income_decile1, 0.40,
          "Households on a low income in the most deprived decile.", "DWP HBAI; spread: assumption", 0),
    SHARE("low_income_decile10", population.low_income_decile10, 0.08,
          "Households on a low income in the least deprived decile.", "DWP HBAI; spread: assumption", 0),
    SHARE("housing_insecurity", population.housing_insecurity, 0.06,
          "Renting households that are housing insecure (default of each neighbourhood's figure).",
          "assumption", 0),
    SHARE("discrimination", population.discrimination, 0.10, "Adults exposed to discrimination.",
          "assumption", 0),
    SHARE("lonely", population.lonely, 0.065, "Adults lonely often or always.",
          "ONS Opinions and Lifestyle Survey (5-8%)", 0),
    SHARE("lonely_young", population.lonely_young, 0.10, "Adults aged 16-24 lonely often or always.",
          "ONS Opinions and Lifestyle Survey", 0),
    SHARE("initial_prevalence", population.initial_prevalence, 0.17,
          "Adults not WELL at the start (before burn-in; the model then finds its own level).",
          "APMS 2014", 0),
    NUM("initial_prevalence_ratio", population.initial_prevalence_ratio, 2, 1, 10, "x",
        "Initial prevalence in decile 1 over decile 10.", "APMS 2014 (about 2x in the most deprived fifth)", 0),
    NUM("social_capital_start", population.social_capital_start, 0.35, 0, 1, "index 0-1",
        "Social capital at the start is this plus social_capital_per_decile x decile.", "assumption", 0),
    NUM("social_capital_per_decile", population.social_capital_per_decile, 0.03, 0, 0.1,
        "index per decile", "See social_capital_start.", "assumption", 0),
    NUM("hubs_per_1000_households", population.hubs_per_1000_households, 0.5, 0, 100, "per 1,000 households",
        "Default community hubs of each neighbourhood.", "assumption", 0),
    NUM("vcs_per_1000_households", population.vcs_per_1000_households, 1, 0, 1000, "per 1,000 households",
        "Default voluntary and community organisations of each neighbourhood.", "assumption", 0),
    END
};

/* --------------------------------------------------- model */

static const schema_node onset_keys[] = {
    RATE("base", model.onset.base, 0.0046, "WELL -> STRUGGLING hazard with no risk factor.",
         "APMS 2014; primary-care incidence 79.6 per 1,000 person-years", SF_CALIBRATED),
    MULT("debt", model.onset.debt, 2.5, "Onset multiplier in problem debt (OR 3.24 as a relative risk).",
         "Richardson et al. 2013; Jenkins et al. APMS 2007", 0),
    MULT("unemployed", model.onset.unemployed, 1.9, "Onset multiplier when unemployed.",
         "Paul and Moser 2009", 0),
    MULT("housing_insecure", model.onset.housing_insecure, 1.3,
         "Onset multiplier in an insecurely housed household.", "Pevalin 2009", 0),
    MULT("lonely", model.onset.lonely, 2.0, "Onset multiplier when lonely (OR 2.33).",
         "meta-analysis of loneliness and new-onset depression", 0),
    MULT("discriminated", model.onset.discriminated, 1.6, "Onset multiplier when exposed to discrimination.",
         "Schmitt et al. 2014, converted", 0),
    MULT("low_income", model.onset.low_income, 1.1,
         "Direct onset multiplier of low income (poverty acts mainly through debt).", "Jenkins et al.", 0),
    NUM("social_capital", model.onset.social_capital, 0.3, 0, 1, "fraction",
        "Onset is multiplied by 1 - this x S.", "assumption (Together Through Tough Times)", 0),
    END
};
static const schema_node recovery_keys[] = {
    RATE("base", model.recovery.base, 0.035, "STRUGGLING -> WELL natural recovery (median about 20 weeks).",
         "NEMESIS, NEMESIS-2", 0),
    NUM("decile1", model.recovery.decile1, 0.7, 0, 1, "x",
        "Recovery multiplier in decile 1, rising linearly to 1 in decile 10.",
        "NHS Talking Therapies recovery by deprivation (35-40% vs 55%)", 0),
    END
};
static const schema_node crisis_keys[] = {
    RATE("base", model.crisis.base, 0.0014, "STRUGGLING -> CRISIS hazard with no risk factor.",
         "mental-health A&E attendances about 1.8 per 100 people a year", SF_CALIBRATED),
    MULT("debt", model.crisis.debt, 1.5, "Crisis multiplier in problem debt.", NULL, SF_ASSUMPTION),
    MULT("housing_insecure", model.crisis.housing_insecure, 1.5, "Crisis multiplier when housing insecure.",
         NULL, SF_ASSUMPTION),
    MULT("lonely", model.crisis.lonely, 1.3, "Crisis multiplier when lonely.", NULL, SF_ASSUMPTION),
    NUM("decile1", model.crisis.decile1, 1.5, 1, 10, "x",
        "Crisis multiplier in decile 1, falling linearly to 1 in decile 10.",
        "Birmingham A&E study (60% of attendances from the two most deprived quintiles)", 0),
    MULT("waiting", model.crisis.waiting, 1.2, "Crisis multiplier while waiting for a service.", NULL, SF_ASSUMPTION),
    END
};
static const schema_node crisis_exit_keys[] = {
    RATE("untreated", model.crisis_exit.untreated, 0.15, "CRISIS -> RECOVERING without crisis care.",
         "MHSDS flows", 0),
    RATE("crisis_team", model.crisis_exit.crisis_team, 0.35, "CRISIS -> RECOVERING with the crisis team.",
         "MHSDS flows; King's Fund", 0),
    END
};
static const schema_node recovering_keys[] = {
    RATE("to_well", model.recovering.to_well, 0.04, "RECOVERING -> WELL.", NULL, SF_ASSUMPTION),
    RATE("relapse", model.recovering.relapse, 0.01,
         "RECOVERING -> STRUGGLING, times the onset multipliers.", NULL, SF_ASSUMPTION),
    END
};
static const schema_node jobs_keys[] = {
    RATE("find", model.jobs.find, 0.038, "Job finding when unemployed (mean 26 weeks).", NULL, SF_ASSUMPTION),
    MULT("find_low_qualifications", model.jobs.find_low_qualifications, 0.7,
         "Job-finding multiplier with no qualifications.", NULL, SF_ASSUMPTION),
    MULT("find_struggling", model.jobs.find_struggling, 0.7, "Job-finding multiplier when STRUGGLING.",
         NULL, SF_ASSUMPTION),
    MULT("find_crisis", model.jobs.find_crisis, 0.2, "Job-finding multiplier in CRISIS.", NULL, SF_ASSUMPTION),
    MULT("loss_struggling", model.jobs.loss_struggling, 1.5,
         "Job-loss multiplier when STRUGGLING (job loss is otherwise set so unemployment holds).",
         NULL, SF_ASSUMPTION),
    MULT("loss_crisis", model.jobs.loss_crisis, 3, "Job-loss multiplier in CRISIS.", NULL, SF_ASSUMPTION),
    END
};
static const schema_node debt_keys[] = {
    RATE("resolution", model.debt.resolution, 0.02, "Problem debt resolving without help (about a year).",
         NULL, SF_ASSUMPTION),
    MULT("onset_no_worker", model.debt.onset_no_worker, 3,
         "Debt-onset multiplier when a household with working-age adults has none in work.", NULL,
         SF_ASSUMPTION),
    MULT("onset_crisis", model.debt.onset_crisis, 2, "Debt-onset multiplier when a member is in CRISIS.",
         NULL, SF_ASSUMPTION),
    END
};
static const schema_node housing_keys[] = {
    RATE("resolution", model.housing.resolution, 0.03, "Housing insecurity resolving.", NULL, SF_ASSUMPTION),
    MULT("onset_debt", model.housing.onset_debt, 2.5, "Housing-insecurity onset multiplier in problem debt.",
         NULL, SF_ASSUMPTION),
    END
};
static const schema_node loneliness_keys[] = {
    RATE("resolution", model.loneliness.resolution, 0.05, "Loneliness resolving, times 1 + k x S.", NULL,
         SF_ASSUMPTION),
    NUM("resolution_social_capital", model.loneliness.resolution_social_capital, 1, 0, 10, "k",
        "How much social capital speeds loneliness resolving.", NULL, SF_ASSUMPTION),
    MULT("onset_living_alone", model.loneliness.onset_living_alone, 2, "Loneliness-onset multiplier living alone.",
         NULL, SF_ASSUMPTION),
    MULT("onset_young", model.loneliness.onset_young, 1.6,
         "Loneliness-onset multiplier at 16-24 (gives about 10% at that age).", NULL, SF_ASSUMPTION),
    END
};
static const schema_node qaly_keys[] = {
    NUM("well", model.qaly.well, 1.0, 0, 1, "QALY a year", "Quality weight of a week WELL.", NULL, SF_ASSUMPTION),
    NUM("recovering", model.qaly.recovering, 0.85, 0, 1, "QALY a year", "Quality weight RECOVERING.", NULL, SF_ASSUMPTION),
    NUM("struggling", model.qaly.struggling, 0.75, 0, 1, "QALY a year", "Quality weight STRUGGLING.", NULL, SF_ASSUMPTION),
    NUM("crisis", model.qaly.crisis, 0.45, 0, 1, "QALY a year", "Quality weight in CRISIS.", NULL, SF_ASSUMPTION),
    END
};
#define STRKEY(K, FIELD, D, DOC)                                                                   \
    { .key = K, .kind = SK_STRING, .doc = DOC, .def_str = D, .offset = offsetof(ps_config, FIELD) }
static const schema_node social_capital_keys[] = {
    NUM("growth", model.social_capital.growth, 0.0005, 0, 1, "per asset unit per week",
        "a: S grows by a x assets x (1 - S) each week.", NULL, SF_ASSUMPTION),
    NUM("erosion", model.social_capital.erosion, 0.01, 0, 1, "per week",
        "b: S falls by b x (relative excess of the crisis rate over crisis_baseline) x S.", NULL, SF_ASSUMPTION),
    NUM("reversion", model.social_capital.reversion, 0.01, 0, 1, "per week",
        "c: S moves by c x (S at the start - S) towards its starting value.", NULL, SF_ASSUMPTION),
    NUM("hub_weight", model.social_capital.hub_weight, 1, 0, 100, "asset units per hub per 1,000 households",
        "Weight of a hub in the assets index.", NULL, SF_ASSUMPTION),
    NUM("vcs_weight", model.social_capital.vcs_weight, 0.25, 0, 100,
        "asset units per organisation per 1,000 households", "Weight of a voluntary organisation.", NULL,
        SF_ASSUMPTION),
    NUM("volunteering", model.social_capital.volunteering, 0.05, 0, 1, "share",
        "Share of WELL adults volunteering at S = 0.5 (x (0.5 + S) in general).",
        "Community Life Survey (about 1 in 6 volunteer formally at least monthly)", SF_ASSUMPTION),
    NUM("volunteer_weight", model.social_capital.volunteer_weight, 10, 0, 1000, "asset units per volunteer share",
        "Weight of the share of adults volunteering in the assets index.", NULL, SF_ASSUMPTION),
    NUM("crisis_baseline", model.social_capital.crisis_baseline, 18, 0, 1000, "per 1,000 adults a year",
        "Crisis rate above which a neighbourhood's social capital erodes: the place's own crisis rate "
        "under its current services (18: Example Town's); set it for a place of your own.",
        "calibration", 0),
    INT("crisis_smoothing_weeks", model.social_capital.crisis_smoothing_weeks, 13, 1, 520, "weeks",
        "Time constant of the moving average of a neighbourhood's crisis rate.", NULL, SF_ASSUMPTION),
    NUM("hub_cost_per_week", model.social_capital.hub_cost_per_week, 750, 0, INF, "GBP",
        "Running cost of a community hub (multiplied by population.scale).", NULL, SF_ASSUMPTION),
    NUM("vcs_grant_per_week", model.social_capital.vcs_grant_per_week, 100, 0, INF, "GBP",
        "Grant to each voluntary organisation (multiplied by population.scale).", NULL, SF_ASSUMPTION),
    STRKEY("agency", model.social_capital.agency, "council", "Agency that pays for hubs and grants."),
    END
};
static const schema_node resilience_keys[] = {
    INT("baseline_weeks", model.resilience.baseline_weeks, 13, 1, 520, "weeks",
        "Pre-shock baseline: mean of this many weeks before the first shock.", "MODEL.md", 0),
    INT("smoothing_weeks", model.resilience.smoothing_weeks, 13, 1, 104, "weeks",
        "The prevalence series is smoothed with a trailing moving mean of this many weeks first.", NULL,
        SF_ASSUMPTION),
    INT("crisis_rate_smoothing_weeks", model.resilience.crisis_rate_smoothing_weeks, 52, 1, 104, "weeks",
        "The crisis rate, a count of rare events, is smoothed over this many weeks (52: the rate over the "
        "last year).", NULL, SF_ASSUMPTION),
    NUM("tolerance", model.resilience.tolerance, 0.05, 0, 1, "share of baseline",
        "Recovered when back within this share of the baseline...", "MODEL.md", 0),
    INT("hold_weeks", model.resilience.hold_weeks, 4, 1, 104, "weeks", "...for this many weeks running.",
        "MODEL.md", 0),
    END
};

static const schema_node model_keys[] = {
    NUM("multiplier_cap", model.multiplier_cap, 10, 1, 1000, "x",
        "The product of multipliers on any hazard is capped at this.", "MODEL.md", 0),
    NUM("admission_share", model.admission_share, 0.33, 0, 1, "share",
        "Share of crisis A&E attendances admitted (if a bed is free).", "King's Fund (about a third)", 0),
    INT("inpatient_stay_weeks", model.inpatient_stay_weeks, 5, 1, 104, "weeks",
        "Length of a mental-health admission (33-39 days).", "King's Fund; MHSDS", 0),
    OBJ("onset", onset_keys, "WELL -> STRUGGLING: base x multipliers for each risk factor present."),
    OBJ("recovery", recovery_keys, "STRUGGLING -> WELL without treatment."),
    OBJ("crisis", crisis_keys, "STRUGGLING -> CRISIS: base x multipliers."),
    OBJ("crisis_exit", crisis_exit_keys, "CRISIS -> RECOVERING (inpatients leave after their stay)."),
    OBJ("recovering", recovering_keys, "Leaving RECOVERING."),
    OBJ("jobs", jobs_keys, "Job finding and loss for working-age adults who are not inactive."),
    OBJ("debt", debt_keys, "Household problem debt."),
    OBJ("housing", housing_keys, "Housing insecurity of renting households."),
    OBJ("loneliness", loneliness_keys, "Loneliness of adults."),
    OBJ("qaly", qaly_keys, "Quality-of-life weights of the four states."),
    OBJ("social_capital", social_capital_keys,
        "Social capital S of each neighbourhood: S += a x assets x (1 - S) - b x excess crisis rate x S + "
        "c x (S0 - S), with assets = (hub_weight x hubs + vcs_weight x organisations) per 1,000 "
        "households + volunteer_weight x share of adults volunteering."),
    OBJ("resilience", resilience_keys, "The resilience triangle of a shock (summary.json, resilience)."),
    END
};
#undef BASE

/* --------------------------------------------------- services */

static const char *const role_values[] = { "crisis_team", "emergency", "inpatient", "support", NULL };
static const char *const state_values[] = { "well", "struggling", "crisis", "recovering", NULL };
static const char *const need_values[] = { "debt", "housing_insecure", "unemployed", "lonely", NULL };
static const char *const route_values[] = { "self", "referral", "outreach", "none", NULL };

#define BASE cfg_service
static const schema_node eligible_keys[] = {
    { .key = "states", .kind = SK_ENUM_SET, .values = state_values, .def = 2, /* struggling */
      .offset = offsetof(BASE, eligible_states),
      .doc = "Wellbeing states the service takes (an empty list takes any adult)." },
    { .key = "needs", .kind = SK_ENUM_SET, .values = need_values, .def = 0, .offset = offsetof(BASE, eligible_needs),
      .doc = "Needs of which a person must have at least one (empty: no need required). Debt and "
             "housing insecurity are the household's." },
    INT("min_age", min_age, 16, 16, 120, "years", "Youngest age taken.", NULL, 0),
    INT("max_age", max_age, 120, 16, 120, "years", "Oldest age taken.", NULL, 0),
    END
};
static const schema_node access_keys[] = {
    { .key = "route", .kind = SK_ENUM, .values = route_values, .def_str = "self", .offset = offsetof(BASE, route),
      .doc = "self: eligible people come forward at uptake x (0.5 + S) a week; referral: they go to the "
             "gatekeeper service `via` at uptake a week and join this service's list when its episode "
             "ends; outreach: the service finds find_rate of the eligible a week; none: only by referral "
             "or hand-off from another service." },
    { .key = "via", .kind = SK_STRING, .flags = SF_OPTIONAL, .offset = offsetof(BASE, via),
      .doc = "The gatekeeper service of a referral route (for example a GP service)." },
    RATE("uptake", uptake, 0.01, "Weekly chance that an eligible person seeks this help (self, referral).",
         NULL, SF_ASSUMPTION),
    SHARE("referral_dropout", referral_dropout, 0.1,
          "Referral route: share of the people the gatekeeper sees who never join this service's list.",
          NULL, SF_ASSUMPTION),
    RATE("find_rate", find_rate, 0.05, "Weekly share of eligible people an outreach service finds.", NULL,
         SF_ASSUMPTION),
    END
};
static const schema_node resolve_keys[] = {
    SHARE("debt", effects.resolve[NEED_DEBT], 0, "Chance a completed episode resolves the household's problem debt.",
          "co-located welfare advice study 2017", 0),
    SHARE("housing_insecure", effects.resolve[NEED_HOUSING], 0, "Chance it resolves housing insecurity.", NULL,
          SF_ASSUMPTION),
    SHARE("unemployed", effects.resolve[NEED_UNEMPLOYED], 0, "Chance it finds the person work.",
          "individual placement and support trials", 0),
    SHARE("lonely", effects.resolve[NEED_LONELY], 0, "Chance it resolves loneliness.", NULL, SF_ASSUMPTION),
    END
};
static const schema_node effects_keys[] = {
    MULT("onset", effects.onset, 1, "Onset (and relapse) multiplier while active and for after_weeks after.",
         NULL, 0),
    MULT("recovery", effects.recovery, 1, "Recovery multiplier while active and after.", NULL, 0),
    MULT("crisis", effects.crisis, 1, "Crisis multiplier while active and after.", NULL, 0),
    INT("after_weeks", effects.after_weeks, 0, 0, 520, "weeks", "Weeks the multipliers last after a completed episode.",
        NULL, 0),
    SHARE("recover_on_completion", effects.recover_on_completion, 0,
          "Chance a completer who is STRUGGLING or RECOVERING becomes WELL (beyond natural recovery).",
          "NHS Talking Therapies (48% reliable recovery of completers)", 0),
    OBJ("resolve", resolve_keys,
        "Chances a completed episode resolves each need (a siloed service only resolves the needs it takes, of "
        "the person it sees; an integrated one all it has chances for, of every adult in the household)."),
    END
};
static const schema_node service_keys[] = {
    STR("name", name, NULL, "Name of the service, unique in the scenario.", SF_REQUIRED),
    STR("description", description, "", "What the service is, in words.", 0),
    STR("agency", agency, "nhs", "Agency that pays for it (a column cost_<agency> in timeseries.csv).", 0),
    { .key = "role", .kind = SK_ENUM, .values = role_values, .def_str = "support",
      .doc = "support for any service below; or a place in the crisis pathway: crisis_team sees people "
             "entering CRISIS while it has room, emergency (A&E) sees the rest, inpatient beds admit "
             "model.admission_share of A&E attendances. The crisis pathway takes only name, description, "
             "agency, role, capacity and the three costs: any other key given to it is an error.",
      .offset = offsetof(cfg_service, role) },
    INT("capacity", capacity, 0, 0, 10000000, "cases",
        "Concurrent cases (A&E: attendances a week; beds: beds; per_neighbourhood: in each "
        "neighbourhood). Multiplied by population.scale.", NULL, SF_NODEFAULT),
    OBJ("eligible", eligible_keys, "Who the service takes."),
    OBJ("access", access_keys, "How people reach the service."),
    RATE("wait_dropout", wait_dropout, 0.02, "Weekly chance of leaving the waiting list unseen.", NULL,
         SF_ASSUMPTION),
    NUM("episode_weeks", episode_weeks, 8, 1, 520, "weeks",
        "Mean episode length (episodes end at 1 / episode_weeks a week).", "NHS Talking Therapies: 6.8 sessions", 0),
    SHARE("completion", completion, 0.6, "Share of episodes completed (the rest drop out, without effects after).",
          "Nuffield Trust: 37% of referrals complete Talking Therapies", 0),
    OBJ("effects", effects_keys, "What an episode does."),
    NUM("cost_per_start", cost_per_start, 0, 0, INF, "GBP", "Cost of each episode started.",
        "PSSRU; National Cost Collection", 0),
    NUM("cost_per_week", cost_per_week, 0, 0, INF, "GBP", "Cost of each active case each week.",
        "PSSRU; National Cost Collection", 0),
    NUM("cost_fixed_per_week", cost_fixed_per_week, 0, 0, INF, "GBP",
        "Fixed cost each week whatever the use (multiplied by population.scale).", NULL, 0),
    { .key = "neighbourhoods", .kind = SK_STRING_LIST, .offset = offsetof(BASE, neighbourhoods),
      .count_offset = offsetof(BASE, n_neighbourhoods), .def_str = "all",
      .doc = "Names of the neighbourhoods served (empty: all)." },
    { .key = "per_neighbourhood", .kind = SK_BOOL, .def = 0, .offset = offsetof(BASE, per_neighbourhood),
      .doc = "A team in each neighbourhood served, each with the capacity and its own waiting list." },
    { .key = "integrated", .kind = SK_BOOL, .def = 0, .offset = offsetof(BASE, integrated),
      .doc = "One episode meets all of a person's and household's needs; a siloed service (false) refers "
             "each further need on to the service for it, losing handoff_dropout of people each time." },
    SHARE("handoff_dropout", handoff_dropout, 0.3, "Share of people lost at each onward referral.", "MODEL.md",
          SF_ASSUMPTION),
    NUM("volunteer_capacity", volunteer_capacity, 0, 0, 1000, "cases per 100 volunteers",
        "Capacity added by volunteers living in the neighbourhoods served.", NULL, SF_ASSUMPTION),
    END
};
#undef BASE

#define BASE cfg_shock
static const schema_node shock_keys[] = {
    STR("name", name, NULL, "Name of the shock.", SF_REQUIRED),
    STR("description", description, "", "What the shock is, in words.", 0),
    INT("start_week", start_week, 0, 0, 5200, "week", "First week of the shock (week 0 is the first reported).",
        NULL, SF_NODEFAULT),
    INT("weeks", weeks, 52, 1, 5200, "weeks", "How long it lasts.", NULL, 0),
    { .key = "neighbourhoods", .kind = SK_STRING_LIST, .offset = offsetof(BASE, neighbourhoods),
      .count_offset = offsetof(BASE, n_neighbourhoods), .def_str = "all",
      .doc = "Names of the neighbourhoods hit (empty: all)." },
    MULT("job_loss", job_loss, 1, "Multiplier on job loss.", NULL, 0),
    MULT("job_find", job_find, 1, "Multiplier on job finding.", NULL, 0),
    MULT("debt_onset", debt_onset, 1, "Multiplier on debt onset.", NULL, 0),
    MULT("housing_onset", housing_onset, 1, "Multiplier on housing-insecurity onset.", NULL, 0),
    MULT("loneliness_onset", loneliness_onset, 1, "Multiplier on loneliness onset.", NULL, 0),
    MULT("onset", onset, 1, "Multiplier on WELL -> STRUGGLING (and relapse).", NULL, 0),
    MULT("crisis", crisis, 1, "Multiplier on STRUGGLING -> CRISIS.", NULL, 0),
    MULT("recovery", recovery, 1, "Multiplier on recovery.", NULL, 0),
    MULT("capacity", capacity, 1,
         "Multiplier on the capacity of the services listed, where the shock is: in the teams of its "
         "neighbourhoods; for a service with one unit, weighted by the share of its adults there.",
         NULL, 0),
    { .key = "services", .kind = SK_STRING_LIST, .offset = offsetof(BASE, services),
      .count_offset = offsetof(BASE, n_services), .def_str = "all",
      .doc = "Names of the services whose capacity the shock changes (empty: all)." },
    END
};
#undef BASE

/* --------------------------------------------------- interventions and limits */

#define BASE cfg_intervention
static const schema_node intervention_keys[] = {
    STR("name", name, NULL, "Name of the intervention (defaults to the script's file name without .lua).",
        SF_REQUIRED),
    STR("script", script, NULL, "The Lua script, relative to the scenario file.", SF_PATH | SF_NODEFAULT),
    INT("start_week", start_week, 0, 0, 5200, "week",
        "First week the intervention runs (its setup hook, then week); it must be before the run's end "
        "(below weeks).", NULL, 0),
    INT("end_week", end_week, 0, 0, 5200, "week",
        "First week it no longer runs (0: until the end); its finish hook runs after its last week. An "
        "end_week after the run's last week (e.g. once --weeks shortens the run) means the end of the run, "
        "so finish still runs, after the last week.", NULL, 0),
    { .key = "params", .kind = SK_JSON, .offset = offsetof(BASE, params),
      .doc = "Values for the script's params, each overriding the default the script declares; an unknown "
             "param or one of the wrong type is an error." },
    END
};
#undef BASE

#define BASE ps_config
static const schema_node limits_keys[] = {
    NUM("instructions", limits.instructions, 100000000, 1000, 1e12, "Lua instructions",
        "Budget of one call into a script (a hook); pattern matching counts too. Breaking it ends the run.",
        NULL, 0),
    NUM("memory_mb", limits.memory_mb, 64, 1, 65536, "MB", "Memory budget of each script's Lua state.", NULL, 0),
    INT("added_services", limits.added_services, 4, 0, 64, "services",
        "Services the scripts may add with sim:add_service, in each replicate.", NULL, 0),
    INT("columns", limits.columns, 16, 0, 1024, "columns",
        "Custom columns (sim:record) and new agencies (sim:spend, added services) the scripts may make.",
        NULL, 0),
    END
};
#undef BASE

/* --------------------------------------------------- top level */

#define BASE ps_config
static const schema_node scenario_keys[] = {
    STR("name", name, "Unnamed scenario", "Name shown in tables and reports.", 0),
    STR("description", description, "", "What the scenario represents, in words.", 0),
    { .key = "seed", .kind = SK_UINT64, .unit = "", .def = 20261122, .min = 0,
      .max = 9007199254740991.0, .offset = offsetof(ps_config, seed),
      .doc = "Random seed: the same seed and scenario give byte-identical outputs." },
    INT("weeks", weeks, 520, 1, 5200, "weeks", "Weeks simulated and reported after burn-in.", NULL, 0),
    INT("burn_in_weeks", burn_in_weeks, 104, 0, 5200, "weeks",
        "Weeks simulated before week 0 and not reported, so the baseline starts at equilibrium.",
        "MODEL.md", 0),
    INT("replicates", replicates, 10, 1, 100000, "runs",
        "Independent replicates; outcomes are given as a mean with a 95% interval over them.", NULL, 0),
    OBJ("population", population_keys,
        "Figures the synthetic population is drawn to, and the defaults of neighbourhood figures."),
    { .key = "place", .kind = SK_OBJECT, .flags = SF_PLACE, .children = place_keys,
      .doc = "The place: inline, or the name of a place file (relative to the scenario) holding "
             "this object." },
    OBJ("model", model_keys, "Weekly hazards and multipliers of MODEL.md section 6."),
    { .key = "services", .kind = SK_NAMED_LIST, .children = service_keys,
      .doc = "The place's services: the crisis pathway and support services. Services merge by `name` "
             "across `extends`; `\"remove\": true` drops an inherited one.",
      .offset = offsetof(ps_config, services), .count_offset = offsetof(ps_config, n_services),
      .item_size = sizeof(cfg_service) },
    { .key = "interventions", .kind = SK_NAMED_LIST, .children = intervention_keys,
      .doc = "Lua intervention scripts (docs/lua-api.md), each run from its start week. Interventions merge "
             "by `name`, which defaults to the script's file name.",
      .offset = offsetof(ps_config, interventions), .count_offset = offsetof(ps_config, n_interventions),
      .item_size = sizeof(cfg_intervention) },
    OBJ("limits", limits_keys, "Budgets of the sandbox that runs intervention scripts."),
    { .key = "shocks", .kind = SK_NAMED_LIST, .children = shock_keys,
      .doc = "Shocks: for a time, in some neighbourhoods, multipliers on determinant and wellbeing "
             "hazards and on service capacity. Shocks merge by `name`.",
      .offset = offsetof(ps_config, shocks), .count_offset = offsetof(ps_config, n_shocks),
      .item_size = sizeof(cfg_shock) },
    END
};
#undef BASE

static const schema_node scenario_root = { .key = "", .kind = SK_OBJECT, .children = scenario_keys };
static const schema_node place_root = { .key = "place", .kind = SK_OBJECT, .children = place_keys };

const schema_node *keys_scenario(void) { return &scenario_root; }
const schema_node *keys_service(void) { return schema_child(&scenario_root, "services"); }
const schema_node *keys_place(void) { return &place_root; }

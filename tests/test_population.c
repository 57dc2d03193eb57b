/*
 * Population: synthesis against the figures of MODEL.md section 5, scale,
 * determinism and keying, the invariants every population keeps, and the
 * CSV import with its error messages.
 *
 * Statistical checks use 4 standard errors of the sample size as their
 * tolerance: tight enough to catch a wrong rule, honest about sampling.
 * The measured figures are printed in the test log.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "placesim.h"
#include "popcsv.h"
#include "population.h"
#include "scenario.h"
#include "support.h"

/* ------------------------------------------------------------ helpers */

/* Writes json to name in the test folder and loads it; fails the test on error. */
static ps_scenario *load_json(const char *name, const char *json)
{
    char path[1024];
    snprintf(path, sizeof path, "%s", ts_write(name, json));
    ps_scenario *s = NULL;
    ps_error err;
    ps_status st = ps_scenario_load(path, NULL, 0, &s, &err);
    if (st) fail_msg("loading %s: %s", name, err.message);
    assert_non_null(s);
    return s;
}

/* Synthesises the population of a loaded scenario; fails the test on error. */
static void synthesise(const ps_scenario *s, popdata *pop)
{
    ps_error err;
    ps_status st = population_synthesise(scenario_config(s), pop, &err);
    if (st) fail_msg("population_synthesise: %s", err.message);
}

/* A place of ten neighbourhoods d1..d10, one per decile, hh households each. */
static void ten_decile_json(char *buf, size_t size, int hh, unsigned long long seed, const char *population)
{
    size_t n = (size_t)snprintf(buf, size,
                                "{\"name\": \"ten deciles\", \"seed\": %llu, \"population\": {%s},\n"
                                " \"place\": {\"name\": \"Test\", \"neighbourhoods\": [\n",
                                seed, population);
    for (int d = 1; d <= 10; d++)
        n += (size_t)snprintf(buf + n, size - n, "  {\"name\": \"d%d\", \"households\": %d, \"deprivation_decile\": %d}%s\n",
                              d, hh, d, d < 10 ? "," : "");
    snprintf(buf + n, size - n, "]}}\n");
}

/* Asserts that hits out of n is within 4 standard errors of p, and logs both. */
static void check_share(const char *what, double hits, double n, double p)
{
    assert_true(n > 0);
    double m = hits / n, tol = 4 * sqrt(p * (1 - p) / n);
    print_message("%-44s measured %.4f  target %.4f  (n %.0f, tolerance %.4f)\n", what, m, p, n, tol);
    if (fabs(m - p) > tol) fail_msg("%s: measured %.4f, expected %.4f +/- %.4f", what, m, p, tol);
}

/* Asserts that the ratio a/b of two measured shares (out of na, nb) is
 * within 4 standard errors (delta method) of the expected ratio. */
static void check_ratio(const char *what, double ha, double na, double hb, double nb, double expected)
{
    double pa = ha / na, pb = hb / nb;
    assert_true(pa > 0 && pb > 0);
    double rel = sqrt((1 - pa) / (pa * na) + (1 - pb) / (pb * nb));
    double r = pa / pb, tol = 4 * rel * expected;
    print_message("%-44s measured %.3f  target %.3f  (tolerance %.3f)\n", what, r, expected, tol);
    if (fabs(r - expected) > tol) fail_msg("%s: measured %.3f, expected %.3f +/- %.3f", what, r, expected, tol);
}

static int is_renting(int tenure) { return tenure == TENURE_PRIVATE_RENT || tenure == TENURE_SOCIAL_RENT; }

#define EMPLOYMENT_FLAGS (PF_EMPLOYED | PF_UNEMPLOYED | PF_INACTIVE)

/* Every invariant a population keeps, synthesised or imported. */
static void check_invariants(const ps_config *cfg, const popdata *pop)
{
    int retire = cfg->population.retirement_age;
    assert_int_equal(pop->n_nbhd, cfg->place.n_neighbourhoods);
    /* households grouped by neighbourhood */
    assert_int_equal(pop->nb_hh[0], 0);
    assert_int_equal(pop->nb_hh[pop->n_nbhd], pop->n_households);
    for (int k = 0; k < pop->n_nbhd; k++) {
        assert_true(pop->nb_hh[k] <= pop->nb_hh[k + 1]);
        for (uint32_t h = pop->nb_hh[k]; h < pop->nb_hh[k + 1]; h++) assert_int_equal(pop->hh_nbhd[h], k);
    }
    /* persons grouped by household */
    assert_int_equal(pop->hh_first[0], 0);
    assert_int_equal(pop->hh_first[pop->n_households], pop->n_persons);
    for (uint32_t h = 0; h < pop->n_households; h++) {
        uint32_t a = pop->hh_first[h], b = pop->hh_first[h + 1];
        assert_true(a < b); /* at least one person */
        uint8_t hf = pop->hh_flags[h];
        int adults = 0, labour = 0, working = 0;
        assert_true(pop->hh_tenure[h] <= TENURE_SOCIAL_RENT);
        for (uint32_t i = a; i < b; i++) {
            assert_int_equal(pop->p_hh[i], h);
            int age = pop->p_age[i];
            uint8_t f = pop->p_flags[i];
            assert_true(age <= 120);
            /* PF_ALONE exactly for one-person households */
            assert_int_equal(!!(f & PF_ALONE), b - a == 1);
            /* never both employed and unemployed */
            assert_false((f & PF_EMPLOYED) && (f & PF_UNEMPLOYED));
            if (age < ADULT_AGE) {
                assert_int_equal(pop->p_state[i], ST_CHILD);
                assert_int_equal(f & EMPLOYMENT_FLAGS, 0);
                assert_int_equal(f & (PF_LOW_QUAL | PF_DISCRIMINATED | PF_LONELY | PF_ALONE), 0);
                continue;
            }
            adults++;
            assert_true(pop->p_state[i] > ST_CHILD && pop->p_state[i] < ST_COUNT);
            if (age >= retire) {
                assert_int_equal(f & EMPLOYMENT_FLAGS, 0);
            } else {
                /* working age: exactly one of employed, unemployed, inactive */
                int e = f & EMPLOYMENT_FLAGS;
                assert_true(e == PF_EMPLOYED || e == PF_UNEMPLOYED || e == PF_INACTIVE);
                if (!(f & PF_INACTIVE)) labour = 1;
            }
            if (f & PF_EMPLOYED) working = 1;
        }
        assert_true(adults >= 1);
        assert_int_equal(!!(hf & HF_RENTER), is_renting(pop->hh_tenure[h]));
        if (hf & HF_HOUSING_INSECURE) assert_true(is_renting(pop->hh_tenure[h]));
        assert_int_equal(!!(hf & HF_LABOUR_FORCE), labour);
        assert_int_equal(!!(hf & HF_LOW_INCOME), (hf & HF_LOW_INCOME_BASE) || (labour && !working));
    }
}

/* Compares every array of two populations. */
static int populations_equal(const popdata *a, const popdata *b)
{
    if (a->n_nbhd != b->n_nbhd || a->n_households != b->n_households || a->n_persons != b->n_persons) return 0;
    size_t H = a->n_households, P = a->n_persons;
    return !memcmp(a->nb_hh, b->nb_hh, ((size_t)a->n_nbhd + 1) * sizeof *a->nb_hh) &&
           !memcmp(a->hh_first, b->hh_first, (H + 1) * sizeof *a->hh_first) &&
           !memcmp(a->hh_nbhd, b->hh_nbhd, H * sizeof *a->hh_nbhd) && !memcmp(a->hh_tenure, b->hh_tenure, H) &&
           !memcmp(a->hh_flags, b->hh_flags, H) && !memcmp(a->p_hh, b->p_hh, P * sizeof *a->p_hh) &&
           !memcmp(a->p_age, b->p_age, P) && !memcmp(a->p_flags, b->p_flags, P) &&
           !memcmp(a->p_state, b->p_state, P);
}

/* ------------------------------------------------------------ the ten-decile place */

enum { NB = 10, NB_HH = 4000 };

typedef struct nb_stats {
    double hh, renters, insecure, debt, low_income_base;
    double adults, working_age, inactive, employed, unemployed, no_qual, discriminated, lonely;
    double young, lonely_young, not_well;
} nb_stats;

static struct {
    ps_scenario *scen;
    const ps_config *cfg;
    popdata pop;
    nb_stats nb[NB], all;
    double persons, size_sq, one_person, under16, over65, tenure[4];
} big;

static void add_stats(nb_stats *to, const nb_stats *x)
{
    double *t = (double *)to;
    const double *s = (const double *)x;
    for (size_t i = 0; i < sizeof *to / sizeof(double); i++) t[i] += s[i];
}

static int big_setup(void **state)
{
    (void)state;
    static char json[8192];
    ten_decile_json(json, sizeof json, NB_HH, 20261122ULL, "");
    ps_error err;
    char path[1024];
    snprintf(path, sizeof path, "%s", ts_write("ten_deciles.json", json));
    if (ps_scenario_load(path, NULL, 0, &big.scen, &err)) {
        fprintf(stderr, "ten_deciles.json: %s\n", err.message);
        return -1;
    }
    big.cfg = scenario_config(big.scen);
    if (population_synthesise(big.cfg, &big.pop, &err)) {
        fprintf(stderr, "population_synthesise: %s\n", err.message);
        return -1;
    }
    const popdata *p = &big.pop;
    int retire = big.cfg->population.retirement_age;
    for (int k = 0; k < NB; k++) {
        nb_stats *s = &big.nb[k];
        for (uint32_t h = p->nb_hh[k]; h < p->nb_hh[k + 1]; h++) {
            uint32_t a = p->hh_first[h], b = p->hh_first[h + 1];
            s->hh++;
            big.size_sq += (double)(b - a) * (b - a);
            big.one_person += b - a == 1;
            big.tenure[p->hh_tenure[h]]++;
            if (is_renting(p->hh_tenure[h])) {
                s->renters++;
                s->insecure += !!(p->hh_flags[h] & HF_HOUSING_INSECURE);
            }
            s->debt += !!(p->hh_flags[h] & HF_DEBT);
            s->low_income_base += !!(p->hh_flags[h] & HF_LOW_INCOME_BASE);
            for (uint32_t i = a; i < b; i++) {
                int age = p->p_age[i];
                uint8_t f = p->p_flags[i];
                big.persons++;
                big.under16 += age < 16;
                big.over65 += age >= 65;
                if (age < ADULT_AGE) continue;
                s->adults++;
                if (age < retire) {
                    s->working_age++;
                    s->inactive += !!(f & PF_INACTIVE);
                }
                s->employed += !!(f & PF_EMPLOYED);
                s->unemployed += !!(f & PF_UNEMPLOYED);
                s->no_qual += !!(f & PF_LOW_QUAL);
                s->discriminated += !!(f & PF_DISCRIMINATED);
                s->lonely += !!(f & PF_LONELY);
                if (age < 25) {
                    s->young++;
                    s->lonely_young += !!(f & PF_LONELY);
                }
                s->not_well += p->p_state[i] != ST_WELL;
            }
        }
        add_stats(&big.all, s);
    }
    return 0;
}

static int big_teardown(void **state)
{
    (void)state;
    popdata_release(&big.pop);
    ps_scenario_free(big.scen);
    return 0;
}

/* ------------------------------------------------------------ figures against targets */

static void place_has_one_neighbourhood_per_decile(void **state)
{
    (void)state;
    assert_int_equal(big.cfg->place.n_neighbourhoods, NB);
    for (int k = 0; k < NB; k++) {
        assert_int_equal(big.cfg->place.neighbourhoods[k].decile, k + 1);
        assert_int_equal(big.pop.nb_hh[k + 1] - big.pop.nb_hh[k], NB_HH);
    }
    assert_int_equal(big.pop.n_households, NB * NB_HH);
}

static void mean_household_size_matches_target(void **state)
{
    (void)state;
    double H = big.pop.n_households, mean = big.persons / H;
    double sd = sqrt(big.size_sq / H - mean * mean), tol = 4 * sd / sqrt(H);
    double target = big.cfg->population.mean_household_size;
    print_message("%-44s measured %.4f  target %.4f  (n %.0f, tolerance %.4f)\n", "mean household size", mean,
                  target, H, tol);
    assert_true(fabs(target - 2.4) < 1e-12);
    assert_true(fabs(mean - target) <= tol);
}

static void one_person_share_matches_target(void **state)
{
    (void)state;
    check_share("one-person households", big.one_person, big.pop.n_households, 0.30);
}

static void tenure_shares_match_targets(void **state)
{
    (void)state;
    double H = big.pop.n_households;
    check_share("tenure: owned outright", big.tenure[TENURE_OUTRIGHT], H, 0.33);
    check_share("tenure: mortgage", big.tenure[TENURE_MORTGAGE], H, 0.30);
    check_share("tenure: private rent", big.tenure[TENURE_PRIVATE_RENT], H, 0.20);
    check_share("tenure: social rent", big.tenure[TENURE_SOCIAL_RENT], H, 0.17);
}

static void renting_share_follows_deprivation_gradient(void **state)
{
    (void)state;
    const cfg_population *p = &big.cfg->population;
    /* 1 + g in decile 1, 1 - g in decile 10 */
    assert_true(fabs(population_renting_share(p, 1) - 0.37 * (1 + p->renting_gradient)) < 1e-9);
    assert_true(fabs(population_renting_share(p, 10) - 0.37 * (1 - p->renting_gradient)) < 1e-9);
    for (int k = 0; k < NB; k++) {
        char what[64];
        snprintf(what, sizeof what, "renting share, decile %d", k + 1);
        check_share(what, big.nb[k].renters, big.nb[k].hh, population_renting_share(p, k + 1));
    }
    assert_true(big.nb[0].renters > 2 * big.nb[NB - 1].renters);
}

static void inactive_share_of_working_age_matches_target(void **state)
{
    (void)state;
    check_share("inactive share of working age", big.all.inactive, big.all.working_age, 0.22);
}

static void no_qualifications_share_of_adults_matches_target(void **state)
{
    (void)state;
    check_share("no qualifications, adults", big.all.no_qual, big.all.adults, 0.18);
    const cfg_population *p = &big.cfg->population;
    check_share("no qualifications, decile 1", big.nb[0].no_qual, big.nb[0].adults, population_no_qual_share(p, 1));
    check_share("no qualifications, decile 10", big.nb[NB - 1].no_qual, big.nb[NB - 1].adults,
                population_no_qual_share(p, 10));
}

static void unemployment_matches_each_neighbourhood(void **state)
{
    (void)state;
    for (int k = 0; k < NB; k++) {
        const cfg_neighbourhood *n = &big.cfg->place.neighbourhoods[k];
        /* geometric from 8% in decile 1 to 2% in decile 10 */
        assert_true(fabs(n->unemployment - 0.08 * pow(0.02 / 0.08, k / 9.0)) < 1e-9);
        char what[64];
        snprintf(what, sizeof what, "unemployment, decile %d", k + 1);
        check_share(what, big.nb[k].unemployed, big.nb[k].unemployed + big.nb[k].employed, n->unemployment);
    }
    print_message("%-44s measured %.4f\n", "unemployment, all deciles",
                  big.all.unemployed / (big.all.unemployed + big.all.employed));
}

static void problem_debt_matches_each_neighbourhood(void **state)
{
    (void)state;
    const cfg_neighbourhood *n = big.cfg->place.neighbourhoods;
    assert_true(fabs(n[0].debt / n[NB - 1].debt - 7) < 1e-9);
    for (int k = 0; k < NB; k++) {
        char what[64];
        snprintf(what, sizeof what, "problem debt, decile %d", k + 1);
        check_share(what, big.nb[k].debt, big.nb[k].hh, n[k].debt);
    }
    check_ratio("problem debt, decile 1 / decile 10", big.nb[0].debt, big.nb[0].hh, big.nb[NB - 1].debt,
                big.nb[NB - 1].hh, 7);
    print_message("%-44s measured %.4f\n", "problem debt, all households", big.all.debt / big.all.hh);
}

static void low_income_matches_each_neighbourhood(void **state)
{
    (void)state;
    for (int k = 0; k < NB; k++) {
        char what[64];
        snprintf(what, sizeof what, "low income (base), decile %d", k + 1);
        check_share(what, big.nb[k].low_income_base, big.nb[k].hh, big.cfg->place.neighbourhoods[k].low_income);
    }
}

static void housing_insecurity_is_a_share_of_renters(void **state)
{
    (void)state;
    /* owners never: checked household by household in the invariants */
    for (uint32_t h = 0; h < big.pop.n_households; h++)
        if (big.pop.hh_flags[h] & HF_HOUSING_INSECURE) assert_true(is_renting(big.pop.hh_tenure[h]));
    check_share("housing insecure, renting households", big.all.insecure, big.all.renters, 0.06);
}

static void discrimination_share_of_adults_matches_target(void **state)
{
    (void)state;
    check_share("discriminated, adults", big.all.discriminated, big.all.adults, 0.10);
}

static void loneliness_matches_targets_overall_and_young(void **state)
{
    (void)state;
    /* population.lonely is the share over all adults (the share the model
     * holds), lonely_young the share at 16-24 */
    check_share("lonely, adults 16-24", big.all.lonely_young, big.all.young, 0.10);
    check_share("lonely, all adults", big.all.lonely, big.all.adults, 0.065);
    print_message("%-44s measured %.4f\n", "lonely, adults 25+",
                  (big.all.lonely - big.all.lonely_young) / (big.all.adults - big.all.young));
}

static void initial_prevalence_matches_target_and_gradient(void **state)
{
    (void)state;
    const cfg_population *p = &big.cfg->population;
    check_share("not WELL at start, adults", big.all.not_well, big.all.adults, 0.17);
    for (int k = 0; k < NB; k++) {
        char what[64];
        snprintf(what, sizeof what, "not WELL at start, decile %d", k + 1);
        check_share(what, big.nb[k].not_well, big.nb[k].adults, population_initial_prevalence(p, k + 1));
    }
    check_ratio("not WELL at start, decile 1 / decile 10", big.nb[0].not_well, big.nb[0].adults,
                big.nb[NB - 1].not_well, big.nb[NB - 1].adults, p->initial_prevalence_ratio);
}

static void age_structure_is_plausible(void **state)
{
    (void)state;
    double P = big.persons, u16 = big.under16 / P, o65 = big.over65 / P;
    print_message("%-44s measured %.4f  Census 2021 about 0.19\n", "share of people under 16", u16);
    print_message("%-44s measured %.4f  Census 2021 about 0.18\n", "share of people 65 or over", o65);
    print_message("%-44s measured %.4f\n", "share of adults aged 16-24", big.all.young / big.all.adults);
    /* within 1.5 percentage points of the Census figures */
    assert_true(u16 > 0.175 && u16 < 0.205);
    assert_true(o65 > 0.165 && o65 < 0.195);
}

/* ------------------------------------------------------------ scale */

static void scale_half_halves_households(void **state)
{
    (void)state;
    static char json[8192];
    ten_decile_json(json, sizeof json, NB_HH, 20261122ULL, "\"scale\": 0.5");
    ps_scenario *s = load_json("ten_deciles_half.json", json);
    popdata pop;
    synthesise(s, &pop);
    assert_int_equal(pop.n_households, big.pop.n_households / 2);
    for (int k = 0; k < NB; k++) {
        assert_int_equal(population_scaled_households(scenario_config(s), k), NB_HH / 2);
        assert_int_equal(pop.nb_hh[k + 1] - pop.nb_hh[k], NB_HH / 2);
    }
    /* people in proportion: within 4 standard errors of half */
    double H = pop.n_households, mean = big.persons / big.pop.n_households;
    double sd = sqrt(big.size_sq / big.pop.n_households - mean * mean);
    assert_true(fabs(pop.n_persons / H - mean) < 4 * sd * sqrt(1 / H));
    check_invariants(scenario_config(s), &pop);
    popdata_release(&pop);
    ps_scenario_free(s);
}

static void scale_rounds_each_neighbourhood(void **state)
{
    (void)state;
    const char *fmt = "{\"population\": {\"scale\": %s}, \"place\": {\"neighbourhoods\": ["
                      "{\"name\": \"a\", \"households\": 4001, \"deprivation_decile\": 1},"
                      "{\"name\": \"b\", \"households\": 3, \"deprivation_decile\": 2},"
                      "{\"name\": \"c\", \"households\": 3, \"deprivation_decile\": 3},"
                      "{\"name\": \"d\", \"households\": 3, \"deprivation_decile\": 4},"
                      "{\"name\": \"e\", \"households\": 1, \"deprivation_decile\": 5}]}}";
    char json[1024];
    /* 0.5: 2000.5, 1.5, 1.5, 1.5, 0.5 round half away from zero, each on its own */
    snprintf(json, sizeof json, fmt, "0.5");
    ps_scenario *s = load_json("round_half.json", json);
    popdata pop;
    synthesise(s, &pop);
    const uint32_t want[5] = { 2001, 2, 2, 2, 1 };
    for (int k = 0; k < 5; k++) {
        assert_int_equal(population_scaled_households(scenario_config(s), k), want[k]);
        assert_int_equal(pop.nb_hh[k + 1] - pop.nb_hh[k], want[k]);
    }
    assert_int_equal(pop.n_households, 2008); /* not round(4011 x 0.5) */
    popdata_release(&pop);
    ps_scenario_free(s);
    /* 2 doubles */
    snprintf(json, sizeof json, fmt, "2");
    s = load_json("round_double.json", json);
    synthesise(s, &pop);
    assert_int_equal(pop.n_households, 8022);
    assert_int_equal(pop.nb_hh[1], 8002);
    popdata_release(&pop);
    ps_scenario_free(s);
}

/* ------------------------------------------------------------ determinism and keying */

static void same_scenario_and_seed_give_identical_population(void **state)
{
    (void)state;
    popdata again;
    synthesise(big.scen, &again);
    assert_true(populations_equal(&big.pop, &again));
    popdata_release(&again);
    /* and from a second load of the same file */
    static char json[8192];
    ten_decile_json(json, sizeof json, NB_HH, 20261122ULL, "");
    ps_scenario *s = load_json("ten_deciles_again.json", json);
    synthesise(s, &again);
    assert_true(populations_equal(&big.pop, &again));
    popdata_release(&again);
    ps_scenario_free(s);
}

static void different_seed_gives_different_households(void **state)
{
    (void)state;
    static char json[8192];
    ten_decile_json(json, sizeof json, NB_HH, 20261123ULL, "");
    ps_scenario *s = load_json("ten_deciles_seed.json", json);
    popdata other;
    synthesise(s, &other);
    assert_int_equal(other.n_households, big.pop.n_households);
    /* Independent draws give the same tenure in about sum p^2 = 26% of
     * households and the same size in about 29%; the same seed in all. */
    uint32_t same_tenure = 0, same_size = 0, H = big.pop.n_households;
    for (uint32_t h = 0; h < H; h++) {
        same_tenure += big.pop.hh_tenure[h] == other.hh_tenure[h];
        same_size += big.pop.hh_first[h + 1] - big.pop.hh_first[h] == other.hh_first[h + 1] - other.hh_first[h];
    }
    print_message("different seed: same tenure %.3f, same size %.3f\n", (double)same_tenure / H,
                  (double)same_size / H);
    assert_true(same_tenure < H / 2);
    assert_true(same_size < H / 2);
    popdata_release(&other);
    ps_scenario_free(s);
}

/* The households of neighbourhood ka of a equal those of kb of b. */
static void assert_neighbourhood_equal(const popdata *a, int ka, const popdata *b, int kb)
{
    uint32_t ha = a->nb_hh[ka], hb = b->nb_hh[kb], n = a->nb_hh[ka + 1] - ha;
    assert_int_equal(b->nb_hh[kb + 1] - hb, n);
    assert_true(n > 0);
    for (uint32_t j = 0; j < n; j++) {
        assert_int_equal(a->hh_tenure[ha + j], b->hh_tenure[hb + j]);
        assert_int_equal(a->hh_flags[ha + j], b->hh_flags[hb + j]);
        uint32_t pa = a->hh_first[ha + j], pb = b->hh_first[hb + j], m = a->hh_first[ha + j + 1] - pa;
        assert_int_equal(b->hh_first[hb + j + 1] - pb, m);
        assert_memory_equal(a->p_age + pa, b->p_age + pb, m);
        assert_memory_equal(a->p_flags + pa, b->p_flags + pb, m);
        assert_memory_equal(a->p_state + pa, b->p_state + pb, m);
    }
}

static void neighbourhood_households_do_not_depend_on_other_neighbourhoods(void **state)
{
    (void)state;
    const char *x = "{\"name\": \"riverside\", \"households\": 500, \"deprivation_decile\": 3}";
    const char *y = "{\"name\": \"hilltop\", \"households\": 300, \"deprivation_decile\": 8}";
    char json[1024];
    snprintf(json, sizeof json, "{\"place\": {\"neighbourhoods\": [%s]}}", x);
    ps_scenario *sa = load_json("keyed_alone.json", json);
    snprintf(json, sizeof json, "{\"place\": {\"neighbourhoods\": [%s, %s]}}", y, x);
    ps_scenario *sb = load_json("keyed_after.json", json);
    popdata a, b;
    synthesise(sa, &a);
    synthesise(sb, &b);
    assert_neighbourhood_equal(&a, 0, &b, 1);
    popdata_release(&a);
    popdata_release(&b);
    ps_scenario_free(sa);
    ps_scenario_free(sb);
}

static void renamed_neighbourhood_gets_other_households(void **state)
{
    (void)state;
    /* the key is the name, not the position: the same position under
     * another name draws other households */
    ps_scenario *sa = load_json("named_a.json", "{\"place\": {\"neighbourhoods\": ["
                                                "{\"name\": \"riverside\", \"households\": 400, \"deprivation_decile\": 3}]}}");
    ps_scenario *sb = load_json("named_b.json", "{\"place\": {\"neighbourhoods\": ["
                                                "{\"name\": \"riverside2\", \"households\": 400, \"deprivation_decile\": 3}]}}");
    popdata a, b;
    synthesise(sa, &a);
    synthesise(sb, &b);
    uint32_t same = 0;
    for (uint32_t h = 0; h < 400; h++) same += a.hh_tenure[h] == b.hh_tenure[h];
    assert_true(same < 200);
    popdata_release(&a);
    popdata_release(&b);
    ps_scenario_free(sa);
    ps_scenario_free(sb);
}

/* ------------------------------------------------------------ invariants */

static void synthesised_population_keeps_invariants(void **state)
{
    (void)state;
    check_invariants(big.cfg, &big.pop);
}

static void population_with_extreme_figures_keeps_invariants(void **state)
{
    (void)state;
    ps_scenario *s = load_json(
        "extreme.json",
        "{\"seed\": 7, \"population\": {\"retirement_age\": 50, \"inactive_share\": 0.5,"
        " \"one_person_share\": 0.6, \"mean_household_size\": 2.0, \"one_person_65plus\": 0.9,"
        " \"renting_gradient\": 1, \"lonely\": 0.5, \"lonely_young\": 0.9},"
        " \"place\": {\"neighbourhoods\": ["
        "  {\"name\": \"a\", \"households\": 3000, \"deprivation_decile\": 1, \"unemployment\": 0.9,"
        "   \"housing_insecurity\": 0.9, \"low_income\": 0, \"debt\": 0.9, \"discrimination\": 1},"
        "  {\"name\": \"b\", \"households\": 3000, \"deprivation_decile\": 10, \"unemployment\": 0,"
        "   \"housing_insecurity\": 0, \"low_income\": 1, \"debt\": 0},"
        "  {\"name\": \"c\", \"households\": 0, \"deprivation_decile\": 5}]}}");
    popdata pop;
    synthesise(s, &pop);
    check_invariants(scenario_config(s), &pop);
    /* the extremes are honoured */
    assert_int_equal(pop.nb_hh[2], pop.nb_hh[3]);
    uint32_t insecure = 0, renters = 0;
    for (uint32_t h = pop.nb_hh[1]; h < pop.nb_hh[2]; h++) {
        assert_true(pop.hh_flags[h] & HF_LOW_INCOME);
        assert_false(pop.hh_flags[h] & (HF_DEBT | HF_HOUSING_INSECURE));
        for (uint32_t i = pop.hh_first[h]; i < pop.hh_first[h + 1]; i++) assert_false(pop.p_flags[i] & PF_UNEMPLOYED);
    }
    for (uint32_t h = pop.nb_hh[0]; h < pop.nb_hh[1]; h++) {
        renters += !!(pop.hh_flags[h] & HF_RENTER);
        insecure += !!(pop.hh_flags[h] & HF_HOUSING_INSECURE);
        for (uint32_t i = pop.hh_first[h]; i < pop.hh_first[h + 1]; i++)
            if (pop.p_age[i] >= ADULT_AGE) assert_true(pop.p_flags[i] & PF_DISCRIMINATED);
    }
    check_share("extreme: renting share at decile 1, g = 1", renters, 3000, 0.74);
    check_share("extreme: housing insecure renters at 0.9", insecure, renters, 0.9);
    popdata_release(&pop);
    ps_scenario_free(s);
}

/* ------------------------------------------------------------ CSV import */

static const char *import_place =
    "{\"name\": \"Two\", \"neighbourhoods\": ["
    "{\"name\": \"north\", \"households\": %d, \"deprivation_decile\": 2},"
    "{\"name\": \"south\", \"households\": %d, \"deprivation_decile\": 9}]}";

/* Writes dir/households.csv, dir/persons.csv and dir/scenario.json (with
 * the given population keys, place counts north and south) and loads it. */
static ps_status load_import(const char *dir, const char *households, const char *persons, const char *population,
                             int north, int south, ps_scenario **out, ps_error *err)
{
    char name[256], place[512], json[2048], path[1024];
    if (households) {
        snprintf(name, sizeof name, "%s/households.csv", dir);
        ts_write(name, households);
    }
    if (persons) {
        snprintf(name, sizeof name, "%s/persons.csv", dir);
        ts_write(name, persons);
    }
    snprintf(place, sizeof place, import_place, north, south);
    snprintf(json, sizeof json, "{\"name\": \"%s\", \"population\": {%s}, \"place\": %s}", dir,
             population ? population : "\"households_csv\": \"households.csv\", \"persons_csv\": \"persons.csv\"", place);
    snprintf(name, sizeof name, "%s/scenario.json", dir);
    snprintf(path, sizeof path, "%s", ts_write(name, json));
    return ps_scenario_load(path, NULL, 0, out, err);
}

/* Households in file order s1, n1, s2, n2: imported, they are n1, n2, s1, s2. */
static const char *good_households =
    "household_id,neighbourhood,tenure,low_income,debt,housing_insecure\n"
    "s1,south,owned_outright,0,yes,\n"
    "\"n,1\",north,private_rent,yes,0,1\n"
    "s2,\"south\",social_rent,false,no,false\n"
    "\"n\"\"2\",north,mortgage,true,,0\n";

/* Persons of each household out of order, with CRLF endings, quoted
 * fields (one over two lines) and a blank line. */
static const char *good_persons =
    "person_id,age,household_id,sex,employment,no_qualifications,discriminated,lonely,state\r\n"
    "p1,40,\"n\"\"2\",male,employed,0,0,0,\r\n"
    "p2,70,s1,female,retired,1,0,1,struggling\r\n"
    "p3,30,\"n,1\",M,unemployed,1,,0,crisis\r\n"
    "\r\n"
    "\"p\r\n4\",50,s2,F,unemployed,,1,,well\r\n"
    "p5,10,\"n\"\"2\",f,child,,,,\r\n"
    "p6,28,\"n,1\",,inactive,no,true,yes,recovering\r\n"
    "p7,17,s2,m,unemployed,0,0,0,\r\n"
    "p8,38,\"n\"\"2\",female,inactive,0,0,0,well\r\n"
    "p9,20,s2,male,retired,0,0,0,\r\n"
    "p10,8,\"n\"\"2\",,,0,0,0,\r\n";

static void check_good_import(const popdata *pop)
{
    assert_int_equal(pop->n_nbhd, 2);
    assert_int_equal(pop->n_households, 4);
    assert_int_equal(pop->n_persons, 10);
    /* households regrouped by neighbourhood in place order, file order within */
    const uint32_t nb_hh[3] = { 0, 2, 4 };
    assert_memory_equal(pop->nb_hh, nb_hh, sizeof nb_hh);
    const uint8_t tenure[4] = { TENURE_PRIVATE_RENT, TENURE_MORTGAGE, TENURE_OUTRIGHT, TENURE_SOCIAL_RENT };
    assert_memory_equal(pop->hh_tenure, tenure, 4);
    const uint16_t nbhd[4] = { 0, 0, 1, 1 };
    assert_memory_equal(pop->hh_nbhd, nbhd, sizeof nbhd);
    /* persons grouped by household, file order within */
    const uint32_t first[5] = { 0, 2, 6, 7, 10 };
    assert_memory_equal(pop->hh_first, first, sizeof first);
    const uint8_t age[10] = { 30, 28, 40, 10, 38, 8, 70, 50, 17, 20 };
    assert_memory_equal(pop->p_age, age, 10);
    const uint32_t p_hh[10] = { 0, 0, 1, 1, 1, 1, 2, 3, 3, 3 };
    assert_memory_equal(pop->p_hh, p_hh, sizeof p_hh);
    /* household flags as read, then derived */
    /* n,1: base low income, insecure renter, nobody employed */
    assert_int_equal(pop->hh_flags[0],
                     HF_LOW_INCOME_BASE | HF_HOUSING_INSECURE | HF_RENTER | HF_LOW_INCOME | HF_LABOUR_FORCE);
    /* n"2: base low income, someone employed */
    assert_int_equal(pop->hh_flags[1], HF_LOW_INCOME_BASE | HF_LOW_INCOME | HF_LABOUR_FORCE);
    /* s1: in debt, retired, alone */
    assert_int_equal(pop->hh_flags[2], HF_DEBT);
    /* s2: social renters, nobody employed */
    assert_int_equal(pop->hh_flags[3], HF_RENTER | HF_LOW_INCOME | HF_LABOUR_FORCE);
    /* person flags and states */
    const uint8_t flags[10] = {
        PF_UNEMPLOYED | PF_LOW_QUAL,                                  /* p3 */
        PF_INACTIVE | PF_DISCRIMINATED | PF_LONELY,                   /* p6 */
        PF_EMPLOYED,                                                  /* p1 */
        PF_FEMALE,                                                    /* p5 */
        PF_FEMALE | PF_INACTIVE,                                      /* p8 */
        0,                                                            /* p10 */
        PF_FEMALE | PF_LOW_QUAL | PF_LONELY | PF_ALONE,               /* p2 */
        PF_FEMALE | PF_UNEMPLOYED | PF_DISCRIMINATED,                 /* p4 */
        PF_UNEMPLOYED,                                                /* p7 */
        PF_INACTIVE,                                                  /* p9: retired before retirement age */
    };
    assert_memory_equal(pop->p_flags, flags, 10);
    const uint8_t states[10] = { ST_CRISIS, ST_RECOVERING, ST_WELL, ST_CHILD, ST_WELL,
                                 ST_CHILD, ST_STRUGGLING, ST_WELL, ST_WELL, ST_WELL };
    assert_memory_equal(pop->p_state, states, 10);
}

static void import_reads_counts_order_flags_and_states(void **state)
{
    (void)state;
    ps_scenario *s = NULL;
    ps_error err;
    ps_status st = load_import("import_good", good_households, good_persons, NULL, 2, 2, &s, &err);
    if (st) fail_msg("%s", err.message);
    const popdata *pop = scenario_imported(s);
    assert_non_null(pop);
    check_good_import(pop);
    check_invariants(scenario_config(s), pop);
    ps_scenario_free(s);
}

static void import_accepts_columns_in_any_order_and_lf_endings(void **state)
{
    (void)state;
    /* the same population, every column moved, LF line endings, a UTF-8 byte order mark */
    const char *households = "\xEF\xBB\xBF"
                             "housing_insecure,tenure,debt,household_id,low_income,neighbourhood\n"
                             ",owned_outright,yes,s1,0,south\n"
                             "1,private_rent,0,\"n,1\",yes,north\n"
                             "false,social_rent,no,s2,false,south\n"
                             "0,mortgage,,\"n\"\"2\",true,north\n";
    const char *persons = "state,lonely,discriminated,no_qualifications,employment,sex,household_id,age\n"
                          ",0,0,0,employed,male,\"n\"\"2\",40\n"
                          "struggling,1,0,1,retired,female,s1,70\n"
                          "crisis,0,,1,unemployed,M,\"n,1\",30\n"
                          "well,,1,,unemployed,F,s2,50\n"
                          ",,,,child,f,\"n\"\"2\",10\n"
                          "recovering,yes,true,no,inactive,,\"n,1\",28\n"
                          ",0,0,0,unemployed,m,s2,17\n"
                          "well,0,0,0,inactive,female,\"n\"\"2\",38\n"
                          ",0,0,0,retired,male,s2,20\n"
                          ",0,0,0,,,\"n\"\"2\",8";
    ps_scenario *s = NULL;
    ps_error err;
    ps_status st = load_import("import_order", households, persons, NULL, 2, 2, &s, &err);
    if (st) fail_msg("%s", err.message);
    check_good_import(scenario_imported(s));
    ps_scenario_free(s);
}

static void import_reads_files_with_cr_line_endings(void **state)
{
    (void)state;
    /* 40 households in one neighbourhood, lines ended by CR alone */
    char households[4096] = "household_id,neighbourhood,tenure\r", persons[4096] = "household_id,age,employment\r";
    for (int i = 0; i < 40; i++) {
        size_t n = strlen(households), m = strlen(persons);
        snprintf(households + n, sizeof households - n, "h%d,north,mortgage\r", i);
        snprintf(persons + m, sizeof persons - m, "h%d,%d,employed\r", i, 20 + i);
    }
    ps_scenario *s = NULL;
    ps_error err;
    ps_status st = load_import("import_cr", households, persons, NULL, 40, 0, &s, &err);
    if (st) fail_msg("%s", err.message);
    const popdata *pop = scenario_imported(s);
    assert_int_equal(pop->n_households, 40);
    assert_int_equal(pop->n_persons, 40);
    for (int i = 0; i < 40; i++) assert_int_equal(pop->p_age[i], 20 + i);
    ps_scenario_free(s);
    /* and an error names the right line */
    memcpy(strstr(persons, "h7,27"), "h7,x7", 5);
    st = load_import("import_cr_bad", households, persons, NULL, 40, 0, &s, &err);
    assert_int_equal(st, PS_ERR_INVALID);
    print_message("%s\n", err.message);
    assert_non_null(strstr(err.message, "import_cr_bad/persons.csv:9: age: expected a whole number from 0 to 120, got \"x7\""));
}

static void imported_population_is_used_instead_of_synthesis(void **state)
{
    (void)state;
    ps_scenario *s = load_json("plain.json", "{\"place\": {\"neighbourhoods\": ["
                                             "{\"name\": \"a\", \"households\": 5, \"deprivation_decile\": 3}]}}");
    assert_null(scenario_imported(s));
    ps_scenario_free(s);
}

/* ------------------------------------------------------------ CSV errors */

static const char *base_households =
    "household_id,neighbourhood,tenure,low_income,debt,housing_insecure\n"
    "h1,north,mortgage,0,0,0\n"
    "h2,north,private_rent,0,1,1\n"
    "h3,south,owned_outright,1,0,0\n";

static const char *base_persons =
    "household_id,age,employment,state\n"
    "h1,40,employed,well\n"
    "h2,30,unemployed,struggling\n"
    "h3,70,retired,\n";

/* Loads dir with the given files (NULL: the base file) and asserts that it
 * fails with a message holding "dir/where" and what. */
static void expect_import_error(const char *dir, const char *households, const char *persons, const char *where,
                                const char *what)
{
    ps_scenario *s = NULL;
    ps_error err;
    ps_status st = load_import(dir, households ? households : base_households, persons ? persons : base_persons,
                               NULL, 2, 1, &s, &err);
    assert_null(s);
    assert_int_not_equal(st, PS_OK);
    print_message("%s\n", err.message);
    char want[512];
    snprintf(want, sizeof want, "%s/%s", dir, where);
    if (!strstr(err.message, want)) fail_msg("expected \"%s\" in: %s", want, err.message);
    if (!strstr(err.message, what)) fail_msg("expected \"%s\" in: %s", what, err.message);
}

static void import_base_files_load(void **state)
{
    (void)state;
    /* the files the error tests start from are good */
    ps_scenario *s = NULL;
    ps_error err;
    ps_status st = load_import("import_base", base_households, base_persons, NULL, 2, 1, &s, &err);
    if (st) fail_msg("%s", err.message);
    assert_int_equal(scenario_imported(s)->n_persons, 3);
    ps_scenario_free(s);
}

static void import_rejects_unknown_column_with_suggestion(void **state)
{
    (void)state;
    expect_import_error("err_unknown_column",
                        "household_id,neighbourhood,tenur\nh1,north,mortgage\nh2,north,mortgage\nh3,south,mortgage\n",
                        NULL, "households.csv:1: ", "unknown column \"tenur\" (did you mean \"tenure\"?)");
}

static void import_rejects_missing_required_column(void **state)
{
    (void)state;
    expect_import_error("err_missing_column", NULL, "household_id,employment\nh1,employed\n", "persons.csv:1: ",
                        "missing column \"age\"");
}

static void import_rejects_column_given_twice(void **state)
{
    (void)state;
    expect_import_error("err_twice_column", NULL, "household_id,age,age\nh1,40,40\n", "persons.csv:1: ",
                        "column \"age\" is given twice");
}

static void import_rejects_rows_with_the_wrong_number_of_fields(void **state)
{
    (void)state;
    expect_import_error("err_short_row",
                        "household_id,neighbourhood,tenure,debt\nh1,north,mortgage,0\nh2,north,mortgage\nh3,south,mortgage,0\n",
                        NULL, "households.csv:3: ", "expected 4 fields as in the header, got 3");
    expect_import_error("err_long_row", NULL, "household_id,age,employment\nh1,40,employed\nh2,30,employed,x\nh3,70,\n",
                        "persons.csv:3: ", "expected 3 fields as in the header, got 4");
}

static void import_rejects_duplicate_household_id(void **state)
{
    (void)state;
    expect_import_error("err_duplicate_id",
                        "household_id,neighbourhood,tenure\nh1,north,mortgage\nh2,north,mortgage\nh1,south,mortgage\n",
                        NULL, "households.csv:4: household_id: ", "\"h1\" is used twice (first on line 2)");
}

static void import_rejects_unknown_neighbourhood_with_suggestion(void **state)
{
    (void)state;
    expect_import_error("err_neighbourhood",
                        "household_id,neighbourhood,tenure\nh1,north,mortgage\nh2,nroth,mortgage\nh3,south,mortgage\n",
                        NULL, "households.csv:3: neighbourhood: ",
                        "expected a neighbourhood of the place, got \"nroth\" (did you mean \"north\"?)");
}

static void import_rejects_neighbourhood_unlike_any(void **state)
{
    (void)state;
    expect_import_error("err_neighbourhood_far",
                        "household_id,neighbourhood,tenure\nh1,north,mortgage\nh2,zzzzzzzz,mortgage\nh3,south,mortgage\n",
                        NULL, "households.csv:3: neighbourhood: ",
                        "expected a neighbourhood of the place, got \"zzzzzzzz\"");
}

static void import_rejects_bad_tenure(void **state)
{
    (void)state;
    expect_import_error("err_tenure",
                        "household_id,neighbourhood,tenure\nh1,north,mortgage\nh2,north,rented\nh3,south,mortgage\n",
                        NULL, "households.csv:3: tenure: ",
                        "expected owned_outright, mortgage, private_rent or social_rent, got \"rented\"");
}

static void import_rejects_bad_boolean(void **state)
{
    (void)state;
    expect_import_error("err_boolean",
                        "household_id,neighbourhood,tenure,debt\nh1,north,mortgage,0\nh2,north,mortgage,maybe\n"
                        "h3,south,mortgage,1\n",
                        NULL, "households.csv:3: debt: ", "expected 0 or 1, got \"maybe\"");
    expect_import_error("err_boolean_person", NULL, "household_id,age,employment,lonely\nh1,40,employed,2\n",
                        "persons.csv:2: lonely: ", "expected 0 or 1, got \"2\"");
}

static void import_rejects_housing_insecure_owner(void **state)
{
    (void)state;
    expect_import_error("err_insecure_owner",
                        "household_id,neighbourhood,tenure,housing_insecure\nh1,north,mortgage,0\n"
                        "h2,north,private_rent,1\nh3,south,owned_outright,yes\n",
                        NULL, "households.csv:4: housing_insecure: ",
                        "expected 0 for a household that owns its home, got \"yes\"");
}

static void import_rejects_person_of_unknown_household(void **state)
{
    (void)state;
    expect_import_error("err_person_household", NULL,
                        "household_id,age,employment\nh1,40,employed\nh9,30,employed\nh2,30,employed\nh3,70,\n",
                        "persons.csv:3: household_id: ", "expected a household_id of the households file, got \"h9\"");
}

static void import_rejects_age_out_of_range(void **state)
{
    (void)state;
    expect_import_error("err_age_high", NULL, "household_id,age,employment\nh1,40,employed\nh2,121,\n",
                        "persons.csv:3: age: ", "expected a whole number from 0 to 120, got \"121\"");
    expect_import_error("err_age_negative", NULL, "household_id,age,employment\nh1,-1,\n", "persons.csv:2: age: ",
                        "expected a whole number from 0 to 120, got \"-1\"");
}

static void import_rejects_non_numeric_age(void **state)
{
    (void)state;
    expect_import_error("err_age_text", NULL, "household_id,age,employment\nh1,40,employed\n\nh2,abc,employed\n",
                        "persons.csv:4: age: ", "expected a whole number from 0 to 120, got \"abc\"");
    expect_import_error("err_age_fraction", NULL, "household_id,age,employment\nh1,40.5,employed\n",
                        "persons.csv:2: age: ", "expected a whole number from 0 to 120, got \"40.5\"");
    expect_import_error("err_age_empty", NULL, "household_id,age,employment\nh1,,employed\n", "persons.csv:2: age: ",
                        "expected a whole number from 0 to 120, got \"\"");
}

static void import_rejects_employment_at_retirement_age(void **state)
{
    (void)state;
    expect_import_error("err_retired", NULL,
                        "household_id,age,employment\nh1,40,employed\nh2,30,employed\nh3,66,employed\n",
                        "persons.csv:4: employment: ",
                        "expected retired or empty at age 66 (population.retirement_age is 66), got \"employed\"");
}

static void import_rejects_working_age_without_employment(void **state)
{
    (void)state;
    expect_import_error("err_employment_word", NULL, "household_id,age,employment\nh1,40,working\n",
                        "persons.csv:2: employment: ",
                        "expected employed, unemployed, inactive or retired, got \"working\"");
}

static void import_rejects_child_with_employment(void **state)
{
    (void)state;
    expect_import_error("err_child_employed", NULL,
                        "household_id,age,employment\nh1,40,employed\nh1,12,employed\nh2,30,employed\nh3,70,\n",
                        "persons.csv:3: employment: ", "expected empty or child under 16, got \"employed\"");
}

static void import_rejects_child_with_adult_flag_or_state(void **state)
{
    (void)state;
    expect_import_error("err_child_lonely", NULL, "household_id,age,lonely\nh1,12,1\n", "persons.csv:2: lonely: ",
                        "expected 0 or empty under 16, got \"1\"");
    expect_import_error("err_child_state", NULL, "household_id,age,state\nh1,12,struggling\n",
                        "persons.csv:2: state: ", "expected empty under 16, got \"struggling\"");
}

static void import_rejects_bad_sex_and_state(void **state)
{
    (void)state;
    expect_import_error("err_sex", NULL, "household_id,age,employment,sex\nh1,40,employed,x\n", "persons.csv:2: sex: ",
                        "expected female, male or empty, got \"x\"");
    expect_import_error("err_state", NULL, "household_id,age,employment,state\nh1,40,employed,ill\n",
                        "persons.csv:2: state: ", "expected well, struggling, crisis, recovering or empty, got \"ill\"");
}

static void import_rejects_household_with_no_persons(void **state)
{
    (void)state;
    expect_import_error("err_no_persons", NULL, "household_id,age,employment\nh1,40,employed\nh3,70,\n",
                        "households.csv:3: household_id: ", "\"h2\"");
}

static void import_rejects_household_with_no_adult(void **state)
{
    (void)state;
    expect_import_error("err_no_adult", NULL,
                        "household_id,age,employment\nh1,40,employed\nh2,12,\nh2,9,child\nh3,70,\n",
                        "households.csv:3: household_id: ", "\"h2\"");
}

static void import_rejects_too_few_households_for_neighbourhood(void **state)
{
    (void)state;
    expect_import_error("err_count_few",
                        "household_id,neighbourhood,tenure\nh1,north,mortgage\nh3,south,mortgage\n", NULL,
                        "households.csv:3: neighbourhood: ", "place.neighbourhoods[north].households");
}

static void import_rejects_too_many_households_for_neighbourhood(void **state)
{
    (void)state;
    expect_import_error("err_count_many",
                        "household_id,neighbourhood,tenure\nh1,north,mortgage\nh2,south,mortgage\n"
                        "h3,north,mortgage\nh4,south,mortgage\n",
                        NULL, "households.csv:5: neighbourhood: ", "place.neighbourhoods[south].households");
}

static void import_rejects_malformed_quoted_field(void **state)
{
    (void)state;
    /* text after the closing quote */
    expect_import_error("err_quote_after",
                        "household_id,neighbourhood,tenure\nh1,north,mortgage\nh2,\"north\"x,mortgage\n"
                        "h3,south,mortgage\n",
                        NULL, "households.csv:3: neighbourhood: ", "malformed");
    /* a quote never closed: the record starts on line 4 */
    expect_import_error("err_quote_open", NULL,
                        "household_id,age,employment\nh1,40,employed\nh2,30,employed\nh3,70,\"retired\n",
                        "persons.csv:4: employment: ", "malformed");
}

static void import_error_lines_count_blank_lines_and_quoted_newlines(void **state)
{
    (void)state;
    expect_import_error("err_lines", NULL,
                        "household_id,age,employment\r\n\r\n\"h\r\n1\",40,employed\r\nh1,40,employed\r\n\r\n"
                        "h2,1000,employed\r\n",
                        "persons.csv:3: household_id: ", "got \"h\r\n1\"");
    expect_import_error("err_lines2", NULL,
                        "household_id,age,employment\r\n\r\n\"h1\",40,\"emp\r\nloyed\"\r\n\r\nh2,1000,employed\r\n",
                        "persons.csv:3: employment: ", "got \"emp\r\nloyed\"");
    expect_import_error("err_lines3", NULL,
                        "household_id,age,employment,person_id\r\n\r\nh1,40,employed,\"p\r\n1\"\r\n\r\n"
                        "h2,1000,employed,p2\r\n",
                        "persons.csv:6: age: ", "got \"1000\"");
}

static void import_rejects_empty_households_file(void **state)
{
    (void)state;
    expect_import_error("err_empty", "", NULL, "households.csv:1: ", "expected a header row");
}

static void import_rejects_scale_other_than_one(void **state)
{
    (void)state;
    ps_scenario *s = NULL;
    ps_error err;
    ps_status st = load_import("err_scale", base_households, base_persons,
                               "\"households_csv\": \"households.csv\", \"persons_csv\": \"persons.csv\", \"scale\": 0.5",
                               2, 1, &s, &err);
    assert_int_equal(st, PS_ERR_INVALID);
    assert_null(s);
    print_message("%s\n", err.message);
    assert_non_null(strstr(err.message, "err_scale/scenario.json: population.scale: expected 1 with an imported population, got 0.5"));
}

static void import_rejects_households_without_persons(void **state)
{
    (void)state;
    ps_scenario *s = NULL;
    ps_error err;
    ps_status st = load_import("err_half", base_households, NULL, "\"households_csv\": \"households.csv\"", 2, 1, &s,
                               &err);
    assert_int_equal(st, PS_ERR_INVALID);
    assert_null(s);
    print_message("%s\n", err.message);
    assert_non_null(strstr(err.message, "err_half/scenario.json: population: expected households_csv and persons_csv "
                                        "together, got only households_csv"));
    st = load_import("err_half2", NULL, base_persons, "\"persons_csv\": \"persons.csv\"", 2, 1, &s, &err);
    assert_int_equal(st, PS_ERR_INVALID);
    assert_non_null(strstr(err.message, "got only persons_csv"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(place_has_one_neighbourhood_per_decile),
        cmocka_unit_test(mean_household_size_matches_target),
        cmocka_unit_test(one_person_share_matches_target),
        cmocka_unit_test(tenure_shares_match_targets),
        cmocka_unit_test(renting_share_follows_deprivation_gradient),
        cmocka_unit_test(inactive_share_of_working_age_matches_target),
        cmocka_unit_test(no_qualifications_share_of_adults_matches_target),
        cmocka_unit_test(unemployment_matches_each_neighbourhood),
        cmocka_unit_test(problem_debt_matches_each_neighbourhood),
        cmocka_unit_test(low_income_matches_each_neighbourhood),
        cmocka_unit_test(housing_insecurity_is_a_share_of_renters),
        cmocka_unit_test(discrimination_share_of_adults_matches_target),
        cmocka_unit_test(loneliness_matches_targets_overall_and_young),
        cmocka_unit_test(initial_prevalence_matches_target_and_gradient),
        cmocka_unit_test(age_structure_is_plausible),
        cmocka_unit_test(scale_half_halves_households),
        cmocka_unit_test(scale_rounds_each_neighbourhood),
        cmocka_unit_test(same_scenario_and_seed_give_identical_population),
        cmocka_unit_test(different_seed_gives_different_households),
        cmocka_unit_test(neighbourhood_households_do_not_depend_on_other_neighbourhoods),
        cmocka_unit_test(renamed_neighbourhood_gets_other_households),
        cmocka_unit_test(synthesised_population_keeps_invariants),
        cmocka_unit_test(population_with_extreme_figures_keeps_invariants),
        cmocka_unit_test(import_reads_counts_order_flags_and_states),
        cmocka_unit_test(import_accepts_columns_in_any_order_and_lf_endings),
        cmocka_unit_test(import_reads_files_with_cr_line_endings),
        cmocka_unit_test(imported_population_is_used_instead_of_synthesis),
        cmocka_unit_test(import_base_files_load),
        cmocka_unit_test(import_rejects_unknown_column_with_suggestion),
        cmocka_unit_test(import_rejects_missing_required_column),
        cmocka_unit_test(import_rejects_column_given_twice),
        cmocka_unit_test(import_rejects_rows_with_the_wrong_number_of_fields),
        cmocka_unit_test(import_rejects_duplicate_household_id),
        cmocka_unit_test(import_rejects_unknown_neighbourhood_with_suggestion),
        cmocka_unit_test(import_rejects_neighbourhood_unlike_any),
        cmocka_unit_test(import_rejects_bad_tenure),
        cmocka_unit_test(import_rejects_bad_boolean),
        cmocka_unit_test(import_rejects_housing_insecure_owner),
        cmocka_unit_test(import_rejects_person_of_unknown_household),
        cmocka_unit_test(import_rejects_age_out_of_range),
        cmocka_unit_test(import_rejects_non_numeric_age),
        cmocka_unit_test(import_rejects_employment_at_retirement_age),
        cmocka_unit_test(import_rejects_working_age_without_employment),
        cmocka_unit_test(import_rejects_child_with_employment),
        cmocka_unit_test(import_rejects_child_with_adult_flag_or_state),
        cmocka_unit_test(import_rejects_bad_sex_and_state),
        cmocka_unit_test(import_rejects_household_with_no_persons),
        cmocka_unit_test(import_rejects_household_with_no_adult),
        cmocka_unit_test(import_rejects_too_few_households_for_neighbourhood),
        cmocka_unit_test(import_rejects_too_many_households_for_neighbourhood),
        cmocka_unit_test(import_rejects_malformed_quoted_field),
        cmocka_unit_test(import_error_lines_count_blank_lines_and_quoted_newlines),
        cmocka_unit_test(import_rejects_empty_households_file),
        cmocka_unit_test(import_rejects_scale_other_than_one),
        cmocka_unit_test(import_rejects_households_without_persons),
    };
    return cmocka_run_group_tests(tests, big_setup, big_teardown);
}

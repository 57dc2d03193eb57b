/*
 * population: the households and persons of a place, as struct-of-arrays.
 *
 * A popdata is the population at the start of a run, shared read-only by
 * every replicate: synthesised to the figures of MODEL.md section 5 or
 * imported from CSV files (popcsv.h). Households are grouped by
 * neighbourhood, persons by household, so a neighbourhood's people are one
 * contiguous range and its loops run over plain arrays.
 *
 * The flag bit positions are chosen so that the onset risk factors of a
 * person form a 6-bit table index with two masks and a shift:
 *     (person flags & 7) | (household flags & 7) << 3
 */
#ifndef PS_POPULATION_H
#define PS_POPULATION_H

#include <stdint.h>

#include "config.h"
#include "placesim.h"

/* Person flags. Bits 0-2 are onset risk factors. */
enum {
    PF_UNEMPLOYED = 1u << 0,
    PF_LONELY = 1u << 1,
    PF_DISCRIMINATED = 1u << 2,
    PF_EMPLOYED = 1u << 3,
    PF_LOW_QUAL = 1u << 4,
    PF_INACTIVE = 1u << 5, /* working age, economically inactive */
    PF_FEMALE = 1u << 6,
    PF_ALONE = 1u << 7     /* lives alone */
};

/* Household flags. Bits 0-2 are onset risk factors. */
enum {
    HF_DEBT = 1u << 0,
    HF_HOUSING_INSECURE = 1u << 1,
    HF_LOW_INCOME = 1u << 2,      /* base low income, or no working-age adult in work */
    HF_RENTER = 1u << 3,
    HF_LOW_INCOME_BASE = 1u << 4, /* low income whatever work status */
    HF_LABOUR_FORCE = 1u << 5     /* has a working-age adult who is not inactive */
};

enum tenure { TENURE_OUTRIGHT, TENURE_MORTGAGE, TENURE_PRIVATE_RENT, TENURE_SOCIAL_RENT };

/* Wellbeing states; CHILD for under-16s, who are outside the model. */
enum wstate { ST_CHILD = 0, ST_WELL, ST_STRUGGLING, ST_CRISIS, ST_RECOVERING, ST_COUNT };

#define ADULT_AGE 16
#define POP_MAX_AGE 120 /* no one is older: imports refuse more, synthesis gives less */

typedef struct popdata {
    uint32_t n_persons, n_households;
    int n_nbhd;
    uint32_t *nb_hh;      /* [n_nbhd + 1]: households of neighbourhood k are nb_hh[k] .. nb_hh[k+1]-1 */
    /* households */
    uint32_t *hh_first;   /* [n_households + 1]: persons of h are hh_first[h] .. hh_first[h+1]-1 */
    uint16_t *hh_nbhd;
    uint8_t *hh_tenure;
    uint8_t *hh_flags;    /* HF_* at the start */
    /* persons */
    uint32_t *p_hh;
    uint8_t *p_age;
    uint8_t *p_flags;     /* PF_* at the start */
    uint8_t *p_state;     /* enum wstate at the start */
} popdata;

/* Allocates the arrays of a population of the given size (zeroed). */
ps_status popdata_alloc(popdata *pop, int n_nbhd, uint32_t n_households, uint32_t n_persons);
void popdata_release(popdata *pop);

/* Synthesises the population of cfg's place for its seed: the same seed,
 * neighbourhood name and figures give the same households, whatever the
 * other neighbourhoods. */
ps_status population_synthesise(const ps_config *cfg, popdata *pop, ps_error *err);

/* A hash of every household and person: two populations with the same
 * fingerprint are the same people in the same homes. */
uint64_t population_fingerprint(const popdata *pop);

/* Sets HF_LOW_INCOME, HF_LABOUR_FORCE and PF_ALONE from the other fields. */
void population_derive_flags(const ps_config *cfg, popdata *pop);

/* Households of neighbourhood k after population.scale. */
uint32_t population_scaled_households(const ps_config *cfg, int k);

/* Bytes the population arrays take for the given counts. */
uint64_t population_bytes(int n_nbhd, uint64_t n_households, uint64_t n_persons);

/* Share of households renting, with no qualifications, and the initial
 * prevalence, in a neighbourhood of decile d (the gradients of
 * docs/model.md). */
double population_renting_share(const cfg_population *p, int decile);
double population_no_qual_share(const cfg_population *p, int decile);
double population_initial_prevalence(const cfg_population *p, int decile);

#endif

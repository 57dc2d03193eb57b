/*
 * popcsv: importing a synthetic population from two CSV files.
 *
 * households.csv: household_id, neighbourhood, tenure, and optionally
 *   low_income, debt, housing_insecure (0/1, true/false, yes/no).
 * persons.csv: household_id, age, and optionally person_id, sex,
 *   employment, no_qualifications, discriminated, lonely, state.
 * Columns may come in any order; an unknown column is an error. Every
 * problem is reported as FILE:LINE: column: expected ..., got ...
 * The full contract is in docs/scenarios.md.
 */
#ifndef PS_POPCSV_H
#define PS_POPCSV_H

#include "config.h"
#include "placesim.h"
#include "population.h"

/* Reads both files into a new popdata (free with popcsv_free). */
ps_status popcsv_load(const ps_config *cfg, const char *households_path, const char *persons_path,
                      popdata **out, ps_error *err);
void popcsv_free(popdata *pop);

#endif

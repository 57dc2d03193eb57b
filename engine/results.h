/*
 * results: what a run produced (struct ps_results), shared by run.c, which
 * fills it, and output.c, which writes it. Accessors are in placesim.h.
 */
#ifndef PS_RESULTS_H
#define PS_RESULTS_H

#include <stdint.h>

#include "config.h"
#include "metrics.h"
#include "placesim.h"

struct ps_results {
    const ps_scenario *scenario;
    const ps_config *cfg;
    int replicates;
    int threads;             /* per process */
    int processes;           /* MPI processes that shared the replicates (1 without MPI) */
    double wall_seconds;     /* measured by ps_run */
    uint32_t persons, households;
    uint64_t population_hash; /* population_fingerprint at the start */
    metrics_layout layout;
    replicate_record *recs;  /* [replicates]; NULL once dropped */
    outcome_set outcomes;
};

/* Frees the weekly records, keeping the outcomes (a sweep keeps only
 * what its report needs). Accessors of the time series then give NaN. */
void results_drop_records(ps_results *res);

#endif

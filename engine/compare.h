/*
 * compare: paired differences between scenarios run under common random
 * numbers (ps_compare and friends in placesim.h), the derived outcomes of
 * MODEL.md section 7 (crises averted, cost per crisis averted, QALYs
 * gained, net cost, return per pound), and what changed between the
 * resolved scenarios. compare_write.c writes it; report.c draws it.
 */
#ifndef PS_COMPARE_H
#define PS_COMPARE_H

#include <stddef.h>

#include "placesim.h"
#include "sbuf.h"

/* One outcome compared: its paired differences and their summary. */
typedef struct cmp_item {
    char name[96];
    const char *unit;
    char group[32];
    double *d;            /* [replicates] paired differences; NaN where one side is missing */
    ps_difference s;      /* s.outcome points at name */
} cmp_item;

/* One key of the resolved scenario that differs from the baseline's. */
typedef struct cmp_change {
    char *path;           /* as in error messages: services[gp].capacity */
    char *from, *to;      /* compact JSON; "(none)" when absent */
    const char *doc;      /* the key's description, or NULL */
    const char *unit;
} cmp_change;

typedef struct cmp_scenario {
    cmp_item *items;
    size_t n, cap;
    cmp_change *changes;
    size_t nchanges, capchanges;
} cmp_scenario;

struct ps_comparison {
    const ps_results *base;
    const ps_results **others;
    size_t n;
    ps_compare_options opt;
    cmp_scenario *sc;     /* [n] */
};

/*
 * The paired difference of other - base over n replicates, skipping pairs
 * where either value is NaN: mean, sample sd and 95% Student-t interval
 * of the differences, relative change, whether the interval excludes 0
 * and, if it does not, the replicates likely to be needed for it to.
 * d (may be NULL) receives the n differences.
 */
void compare_paired(const double *base, const double *other, int n, double *d, ps_difference *out);

/* Replicates for an 80% chance that a paired 95% interval excludes 0 when
 * the true mean difference is mean and the sd of differences is sd; NaN if
 * mean is 0 or not finite. At most 1e6. */
double compare_replicates_needed(double mean, double sd);

/* Appends the keys of other's resolved scenario that differ from base's. */
ps_status compare_changes(const ps_scenario *base, const ps_scenario *other, cmp_scenario *out);
void compare_changes_release(cmp_scenario *s);

/* Checks that two runs can be paired: same seed, replicates, weeks,
 * burn-in, place and population. */
ps_status compare_check_pairable(const ps_results *base, const ps_results *other, ps_error *err);

#endif

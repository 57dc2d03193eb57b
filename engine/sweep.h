/*
 * sweep: a grid of variants of one scenario, run under common random
 * numbers and paired against the first point (ps_sweep_* in placesim.h).
 * sweep.c loads, runs and writes it; sweep_report.c draws its report.
 */
#ifndef PS_SWEEP_H
#define PS_SWEEP_H

#include <stddef.h>

#include "placesim.h"

typedef struct sweep_axis {
    char *path;           /* as --set takes it */
    char *label;          /* the shortest end of the path that tells the axes apart */
    char **values;        /* as given */
    double *numbers;      /* each value as a number, NaN when it is not one */
    int n;
    int numeric;          /* every value is a number */
} sweep_axis;

struct ps_sweep {
    sweep_axis *axes;
    int naxes;
    size_t npoints;
    int *idx;             /* [npoints][naxes]: index of each axis's value */
    char **labels;        /* [npoints] "crisis_team.capacity=40, gp.capacity=9" */
    char **folders;       /* [npoints] "point-01" */
    ps_scenario **sc;     /* [npoints] */
    ps_results **res;     /* [npoints], after ps_sweep_run (records dropped) */
    ps_comparison *cmp;   /* points 1.. against point 0 */
};

/* The sweep's report.html (ps_free); NULL when out of memory. */
char *sweep_report_html(const ps_sweep *sw);

#endif

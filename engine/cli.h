/*
 * cli: pieces of the placesim program shared by its commands (not part of
 * libplacesim): progress bar and outcome tables.
 */
#ifndef PS_CLI_H
#define PS_CLI_H

#include <stdint.h>

#include "placesim.h"

double cli_now(void);

/* A progress bar on stderr; label (may be NULL) goes before it. */
typedef struct cli_bar {
    double last, start;
    int drawn;
    const char *label;
} cli_bar;
void cli_bar_init(cli_bar *b, const char *label);
int cli_bar_draw(void *bar, uint64_t done, uint64_t total);  /* a ps_progress_fn */
void cli_bar_clear(cli_bar *b);

/* The main outcomes of one run, mean and 95% interval. */
void cli_print_table(const ps_scenario *sc, const ps_results *res, const char *out, double secs);

/* The main outcomes of several runs side by side (names: column heads). */
void cli_print_side_by_side(const char *const *names, const ps_scenario *const *sc,
                            const ps_results *const *res, int n);

/* Paired differences from the baseline (names[0]) for names[1..n-1];
 * weeks: the runs' length, for totals shown a year. */
void cli_print_differences(const char *const *names, const ps_comparison *cmp, int n, int weeks);

/* The main outcomes of every point of a sweep. */
void cli_print_sweep(const ps_sweep *sw);

#endif

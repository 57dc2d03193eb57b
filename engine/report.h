/*
 * report: report.html, one self-contained page a workshop can open on any
 * laptop and print on A4: inline CSS and SVG, no scripts, no fonts, no
 * network. The same results give the same bytes.
 *
 * report.c builds the page and its tables (headline, findings,
 * provenance); report_changes.c the what-changed section; report_charts.c
 * draws the charts from the
 * replicates' records. A run's report shows one scenario; a comparison's
 * shows every scenario beside the baseline with paired differences; a
 * sweep's (sweep.c) shows outcomes against the varied values.
 */
#ifndef PS_REPORT_H
#define PS_REPORT_H

#include "placesim.h"
#include "sbuf.h"

typedef struct report_ctx {
    sbuf *b;
    const ps_results *const *res; /* [n], baseline first */
    const char *const *labels;    /* [n] short names */
    int n;
    const ps_comparison *cmp;     /* NULL for a single run */
} report_ctx;

/* The whole report of one run (cmp NULL, n 1) or of a comparison. Returns
 * a new string (ps_free), NULL when out of memory. */
char *report_html(const ps_results *const *res, const char *const *labels, int n, const ps_comparison *cmp);

/* Pieces shared with the sweep's report. */
void report_begin(sbuf *b, const char *title, const char *subtitle);
void report_end(sbuf *b);
void report_section(sbuf *b, const char *id, const char *title, const char *intro);
void report_section_end(sbuf *b);
/* The provenance of each run: files, hashes, seed, sizes, and the
 * resolved scenario, folded. */
void report_provenance(sbuf *b, const ps_results *const *res, const char *const *labels, int n);
/* An outcome's mean and 95% interval (times scale) as table cell text,
 * the interval cut at zero when no replicate is below it. */
struct outcome;
void report_outcome_ci(sbuf *b, const struct outcome *o, int replicates, double scale);
/* A value with its 95% interval, as table cell text. */
void report_value_ci(sbuf *b, double mean, double lo, double hi, const char *unit, int sign);

/* A plain-language name for an outcome ("Crisis episodes"), and whether
 * more of it is better (1), worse (-1) or neither (0) (better may be
 * NULL). Names made from a service or agency are written into buf. */
const char *report_outcome_label(const char *outcome, int *better, char *buf, size_t size);

/* The first n characters of s with '_' as spaces, into buf
 * ("nhs_mental_health" -> "nhs mental health"). */
void report_words(char *buf, size_t size, const char *s, size_t n);

/* An agency's name in words ("nhs_mental_health" -> "NHS mental health");
 * one the report does not know is written into buf with spaces for '_'. */
const char *report_agency_words(const char *code, char *buf, size_t size);

/* Is an outcome in unit a total over the run (shown a year in tables)? */
int report_is_total(const char *unit);

/* The charts (report_charts.c). */
void report_over_time(const report_ctx *c);
void report_costs(const report_ctx *c);
void report_safety(const report_ctx *c, int two);
void report_equity(const report_ctx *c);
void report_services(const report_ctx *c);
void report_resilience(const report_ctx *c);
void report_neighbourhoods(const report_ctx *c);
/* What changed from the baseline, scenario by scenario (report_changes.c). */
void report_what_changed(const report_ctx *c);

/* Is there a shock in any of the runs? */
int report_has_shock(const report_ctx *c);

#endif

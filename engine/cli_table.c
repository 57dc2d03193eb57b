/* cli_table: the outcome tables the program prints. See cli.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

double cli_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

void cli_bar_init(cli_bar *b, const char *label)
{
    b->last = 0;
    b->start = cli_now();
    b->drawn = 0;
    b->label = label;
}

int cli_bar_draw(void *ud, uint64_t done, uint64_t total)
{
    cli_bar *b = ud;
    double t = cli_now();
    if (done < total && t - b->last < 0.1) return 0;
    b->last = t;
    int width = 40, fill = total ? (int)(width * done / total) : width;
    char line[64];
    for (int i = 0; i < width; i++) line[i] = i < fill ? '#' : '.';
    line[width] = '\0';
    double elapsed = t - b->start;
    double eta = done ? elapsed * (double)(total - done) / (double)done : 0;
    fprintf(stderr, "\r%s%s[%s] %3d%%  %.0fs left ", b->label ? b->label : "", b->label ? " " : "", line,
            total ? (int)(100 * done / total) : 100, eta);
    fflush(stderr);
    b->drawn = 1;
    return 0;
}

void cli_bar_clear(cli_bar *b)
{
    if (b->drawn) fprintf(stderr, "\r%78s\r", "");
    b->drawn = 0;
}

typedef struct row {
    const char *label;
    const char *outcome;
    double scale;     /* shown value = value x scale */
    const char *fmt;
    int per_year;     /* a total over the run, shown a year (as in the report) */
} row;

static const row rows[] = {
    { "Adults not well (struggling, crisis, recovering)", "prevalence.adults_not_well", 100, "%.1f%%", 0 },
    { "Crisis episodes per 1,000 adults a year", "safety_one.crisis_episodes_per_1000_adults_per_year", 1, "%.1f", 0 },
    { "Crises seen by the crisis team", "services.crises_seen_by_crisis_team", 100, "%.0f%%", 0 },
    { "Mental-health A&E attendances a year", "safety_one.ae_attendances", 1, "%.0f", 1 },
    { "Admissions a year", "safety_one.admissions", 1, "%.0f", 1 },
    { "Weeks well per adult a year", "safety_two.weeks_well_per_adult_per_year", 1, "%.2f", 0 },
    { "QALYs per adult a year", "safety_two.qalys_per_adult_per_year", 1, "%.4f", 0 },
    { "Employment rate", "safety_two.employment_rate", 100, "%.1f%%", 0 },
    { "Lonely adults", "safety_two.lonely_share", 100, "%.1f%%", 0 },
    { "Social capital (0-1)", "safety_two.social_capital", 1, "%.3f", 0 },
    { "Adults in problem debt", "determinants.adults_in_problem_debt", 100, "%.1f%%", 0 },
    { "Referrals to support services a year", "services.support_referrals", 1, "%.0f", 1 },
    { "People lost between services a year", "services.lost_between_services", 1, "%.0f", 1 },
    { "Cost per adult a year (GBP)", "money.cost_per_adult_per_year", 1, "%.2f", 0 },
    { "Planned weekly budget (GBP)", "money.planned_weekly_budget", 1, "%.0f", 0 },
    { "Crisis rate, most / least deprived fifth", "equity.crisis_rate_ratio", 1, "%.2f", 0 },
    { "Shock: rise in adults not well (points)", "resilience.prevalence_depth", 100, "%.2f", 0 },
    { "Shock: weeks until prevalence is back", "resilience.prevalence_recovery_weeks", 1, "%.0f", 0 },
    { "Shock: rise in crisis rate (per 1,000)", "resilience.crisis_rate_depth", 1, "%.1f", 0 },
};
#define NROWS (sizeof rows / sizeof rows[0])

static const row derived_rows[] = {
    { "Crisis episodes averted a year", "derived.crises_averted_per_year", 1, "%.1f", 0 },
    { "QALYs gained (over the run)", "derived.qalys_gained", 1, "%.1f", 0 },
    { "Net cost, all agencies (GBP over the run)", "derived.net_cost", 1, "%.0f", 0 },
    { "Cost per crisis averted (GBP)", "derived.cost_per_crisis_averted", 1, "%.0f", 0 },
    { "Cost per QALY gained (GBP)", "derived.cost_per_qaly_gained", 1, "%.0f", 0 },
    { "Return per pound (GBP saved per GBP spent)", "derived.return_per_pound", 1, "%.2f", 0 },
    { "Net monetary benefit (GBP over the run)", "derived.net_monetary_benefit", 1, "%.0f", 0 },
};
#define NDERIVED (sizeof derived_rows / sizeof derived_rows[0])
#define NALL (NROWS + NDERIVED)

static const row *row_at(size_t k) { return k < NROWS ? &rows[k] : &derived_rows[k - NROWS]; }

static size_t label_width(void)
{
    size_t w = 0;
    for (size_t k = 0; k < NALL; k++)
        if (strlen(row_at(k)->label) > w) w = strlen(row_at(k)->label);
    return w;
}

/* years: the run's length, for rows shown a year */
static void value(char *buf, size_t size, const row *r, double x, double years)
{
    if (x != x) snprintf(buf, size, "-");
    else snprintf(buf, size, r->fmt, x * r->scale / (r->per_year && years > 0 ? years : 1));
}

void cli_print_table(const ps_scenario *sc, const ps_results *res, const char *out, double secs)
{
    double years = ps_results_weeks(res) / 52.0;
    int lw = (int)label_width();
    printf("%s\n", ps_scenario_name(sc));
    printf("%d replicates x %d weeks, seed %llu, %.1f s\n\n", ps_results_replicates(res), ps_results_weeks(res),
           (unsigned long long)ps_scenario_seed(sc), secs);
    printf("%-*s %12s   %s\n", lw, "outcome", "mean", "95% interval");
    for (size_t i = 0; i < NROWS; i++) {
        ps_summary s;
        if (ps_results_find(res, rows[i].outcome, &s)) continue;
        char m[32], lo[32], hi[32];
        value(m, sizeof m, &rows[i], s.mean, years);
        if (s.n > 1 && s.ci_low == s.ci_low && s.sd > 0) {
            value(lo, sizeof lo, &rows[i], s.ci_low, years);
            value(hi, sizeof hi, &rows[i], s.ci_high, years);
            printf("%-*s %12s   %s to %s\n", lw, rows[i].label, m, lo, hi);
        } else {
            printf("%-*s %12s\n", lw, rows[i].label, m);
        }
    }
    if (out) printf("\nOutputs in %s/ (summary.json has every outcome)\n", out);
}

void cli_print_side_by_side(const char *const *names, const ps_scenario *const *sc,
                            const ps_results *const *res, int n)
{
    (void)sc;
    int lw = (int)label_width(), w = 12;
    for (int j = 0; j < n; j++)
        if ((int)strlen(names[j]) > w) w = (int)strlen(names[j]);
    printf("%-*s", lw, "outcome (mean over replicates)");
    for (int j = 0; j < n; j++) printf("  %*s", w, names[j]);
    printf("\n");
    for (size_t i = 0; i < NROWS; i++) {
        int any = 0;
        for (int j = 0; j < n; j++) {
            ps_summary s;
            any |= ps_results_find(res[j], rows[i].outcome, &s) == PS_OK;
        }
        if (!any) continue;
        printf("%-*s", lw, rows[i].label);
        for (int j = 0; j < n; j++) {
            ps_summary s;
            char m[32] = "-";
            if (ps_results_find(res[j], rows[i].outcome, &s) == PS_OK)
                value(m, sizeof m, &rows[i], s.mean, ps_results_weeks(res[j]) / 52.0);
            printf("  %*s", w, m);
        }
        printf("\n");
    }
    printf("\nEach column's summary.json gives every outcome with its 95%% interval.\n");
}

/* A difference as a cell: "-0.33 pp [-0.35, -0.31] -2.1%", with "?" after
 * the interval when it includes no difference; the relative change is
 * against the baseline's mean. */
static void diff_text(char *buf, size_t size, const row *r, const ps_difference *d, double years)
{
    char m[32], lo[32], hi[32];
    row rr = *r, bare = *r;
    if (strstr(r->fmt, "%%")) { /* a difference of shares is in percentage points */
        rr.fmt = "%.2f pp";
        bare.fmt = "%.2f";
    }
    value(m, sizeof m, &rr, d->mean, years);
    int n = snprintf(buf, size, "%s", m);
    if (d->n > 1 && d->ci_low == d->ci_low && d->ci_high == d->ci_high) {
        value(lo, sizeof lo, &bare, d->ci_low, years);
        value(hi, sizeof hi, &bare, d->ci_high, years);
        n += snprintf(buf + n, size - (size_t)n, " [%s, %s]%s", lo, hi, !d->ratio && !d->separated ? "?" : "");
    }
    double rc = 100 * d->relative_change;
    if (!d->ratio && isfinite(rc) && d->mean != 0 && n > 0 && (size_t)n < size)
        snprintf(buf + n, size - (size_t)n, fabs(rc) < 0.995 ? " %+.2f%%" : fabs(rc) < 99.5 ? " %+.1f%%" : " %+.0f%%",
                 rc);
}

/* A difference that is not yet clear, so worth a line on replicates. */
static int unclear(const ps_difference *d)
{
    return !d->ratio && !d->separated && d->n > 1 && !(d->mean == 0 && d->sd == 0);
}

void cli_print_differences(const char *const *names, const ps_comparison *cmp, int n, int weeks)
{
    if (n < 2) return;
    char(*cell)[160] = calloc(NALL * (size_t)n, sizeof *cell);
    if (!cell) return;
    int lw = (int)label_width(), any_unclear = 0;
    int *w = calloc((size_t)n, sizeof *w);
    if (!w) {
        free(cell);
        return;
    }
    int shown[NALL] = { 0 };
    for (size_t k = 0; k < NALL; k++) {
        const row *r = row_at(k);
        for (int j = 1; j < n; j++) {
            ps_difference d;
            char *c = cell[k * (size_t)n + (size_t)j];
            snprintf(c, 160, "-");
            if (ps_comparison_find(cmp, (size_t)j - 1, r->outcome, &d) != PS_OK) continue;
            shown[k] = 1;
            if (d.note && !isfinite(d.mean)) snprintf(c, 160, "%s", d.note);
            else diff_text(c, 160, r, &d, weeks / 52.0);
            any_unclear |= unclear(&d);
        }
    }
    for (int j = 1; j < n; j++) {
        w[j] = (int)strlen(names[j]);
        for (size_t k = 0; k < NALL; k++)
            if (shown[k] && (int)strlen(cell[k * (size_t)n + (size_t)j]) > w[j])
                w[j] = (int)strlen(cell[k * (size_t)n + (size_t)j]);
    }
    printf("Difference from the baseline (%s), paired replicate by replicate:\n"
           "mean [95%% interval] and change relative to the baseline's mean\n\n", names[0]);
    printf("%-*s", lw, "outcome");
    for (int j = 1; j < n; j++) printf("  %*s", w[j], names[j]);
    printf("\n");
    for (size_t k = 0; k < NALL; k++) {
        if (!shown[k]) continue;
        if (k >= NROWS && (k == NROWS || !shown[k - 1])) printf("\n");
        printf("%-*s", lw, row_at(k)->label);
        for (int j = 1; j < n; j++) printf("  %*s", w[j], cell[k * (size_t)n + (size_t)j]);
        printf("\n");
    }
    if (any_unclear) {
        printf("\n? the interval includes no difference: not yet clear. Replicates that would tell, at the\n"
               "  difference seen so far (80%% power):\n");
        int nw = 0;
        for (int j = 1; j < n; j++)
            if ((int)strlen(names[j]) > nw) nw = (int)strlen(names[j]);
        for (size_t k = 0; k < NALL; k++)
            for (int j = 1; j < n; j++) {
                ps_difference d;
                if (ps_comparison_find(cmp, (size_t)j - 1, row_at(k)->outcome, &d) || !unclear(&d)) continue;
                if (d.replicates_needed == d.replicates_needed && d.replicates_needed <= 1000)
                    printf("  %-*s  %-*s  about %.0f\n", nw, names[j], lw, row_at(k)->label, d.replicates_needed);
                else
                    printf("  %-*s  %-*s  over 1,000: no difference to speak of\n", nw, names[j], lw,
                           row_at(k)->label);
            }
    }
    free(cell);
    free(w);
}

void cli_print_sweep(const ps_sweep *sw)
{
    static const struct {
        size_t row;
        const char *head;
    } show[] = { { 1, "crises /1,000/yr" }, { 0, "adults not well" }, { 5, "weeks well /yr" },
                 { 13, "GBP /adult/yr" } };
    size_t n = ps_sweep_point_count(sw);
    int na = ps_sweep_axis_count(sw);
    int aw[16] = { 0 };
    printf("\n%5s", "point");
    for (int a = 0; a < na && a < 16; a++) {
        aw[a] = (int)strlen(ps_sweep_axis_label(sw, a));
        for (size_t k = 0; k < n; k++)
            if ((int)strlen(ps_sweep_point_value(sw, k, a)) > aw[a]) aw[a] = (int)strlen(ps_sweep_point_value(sw, k, a));
        printf("  %*s", aw[a], ps_sweep_axis_label(sw, a));
    }
    for (size_t i = 0; i < sizeof show / sizeof *show; i++) printf("  %16s", show[i].head);
    printf("\n");
    for (size_t k = 0; k < n; k++) {
        printf("%5zu", k + 1);
        for (int a = 0; a < na && a < 16; a++) printf("  %*s", aw[a], ps_sweep_point_value(sw, k, a));
        for (size_t i = 0; i < sizeof show / sizeof *show; i++) {
            ps_summary s;
            const row *r = &rows[show[i].row];
            char m[32] = "-";
            if (!ps_sweep_find(sw, k, r->outcome, &s)) value(m, sizeof m, r, s.mean, 0);
            printf("  %16s", m);
        }
        printf("\n");
    }
}

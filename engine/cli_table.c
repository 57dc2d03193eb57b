/* cli_table: the outcome tables the program prints. See cli.h. */
#include <math.h>
#include <stdio.h>
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
} row;

static const row rows[] = {
    { "Adults not well (struggling, crisis, recovering)", "prevalence.adults_not_well", 100, "%.1f%%" },
    { "Crisis episodes per 1,000 adults a year", "safety_one.crisis_episodes_per_1000_adults_per_year", 1, "%.1f" },
    { "Crises seen by the crisis team", "services.crises_seen_by_crisis_team", 100, "%.0f%%" },
    { "Mental-health A&E attendances", "safety_one.ae_attendances", 1, "%.0f" },
    { "Admissions", "safety_one.admissions", 1, "%.0f" },
    { "Weeks well per adult a year", "safety_two.weeks_well_per_adult_per_year", 1, "%.2f" },
    { "QALYs per adult a year", "safety_two.qalys_per_adult_per_year", 1, "%.4f" },
    { "Employment rate", "safety_two.employment_rate", 100, "%.1f%%" },
    { "Lonely adults", "safety_two.lonely_share", 100, "%.1f%%" },
    { "Social capital (0-1)", "safety_two.social_capital", 1, "%.3f" },
    { "Adults in problem debt", "determinants.adults_in_problem_debt", 100, "%.1f%%" },
    { "Referrals to support services", "services.support_referrals", 1, "%.0f" },
    { "People lost between services", "services.lost_between_services", 1, "%.0f" },
    { "Cost per adult a year (GBP)", "money.cost_per_adult_per_year", 1, "%.2f" },
    { "Planned weekly budget (GBP)", "money.planned_weekly_budget", 1, "%.0f" },
    { "Crisis rate, most / least deprived fifth", "equity.crisis_rate_ratio", 1, "%.2f" },
    { "Shock: rise in adults not well (points)", "resilience.prevalence_depth", 100, "%.2f" },
    { "Shock: weeks until prevalence is back", "resilience.prevalence_recovery_weeks", 1, "%.0f" },
    { "Shock: rise in crisis rate (per 1,000)", "resilience.crisis_rate_depth", 1, "%.1f" },
};
#define NROWS (sizeof rows / sizeof rows[0])

static void value(char *buf, size_t size, const row *r, double x)
{
    if (x != x) snprintf(buf, size, "-");
    else snprintf(buf, size, r->fmt, x * r->scale);
}

void cli_print_table(const ps_scenario *sc, const ps_results *res, const char *out, double secs)
{
    printf("%s\n", ps_scenario_name(sc));
    printf("%d replicates x %d weeks, seed %llu, %.1f s\n\n", ps_results_replicates(res), ps_results_weeks(res),
           (unsigned long long)ps_scenario_seed(sc), secs);
    printf("%-50s %12s   %s\n", "outcome", "mean", "95% interval");
    for (size_t i = 0; i < NROWS; i++) {
        ps_summary s;
        if (ps_results_find(res, rows[i].outcome, &s)) continue;
        char m[32], lo[32], hi[32];
        value(m, sizeof m, &rows[i], s.mean);
        if (s.n > 1 && s.ci_low == s.ci_low && s.sd > 0) {
            value(lo, sizeof lo, &rows[i], s.ci_low);
            value(hi, sizeof hi, &rows[i], s.ci_high);
            printf("%-50s %12s   %s to %s\n", rows[i].label, m, lo, hi);
        } else {
            printf("%-50s %12s\n", rows[i].label, m);
        }
    }
    if (out) printf("\nOutputs in %s/ (summary.json has every outcome)\n", out);
}

void cli_print_side_by_side(const char *const *names, const ps_scenario *const *sc,
                            const ps_results *const *res, int n)
{
    (void)sc;
    const int w = 19;
    printf("%-44s", "outcome (mean over replicates)");
    for (int j = 0; j < n; j++) printf(" %*.*s", w, w, names[j]);
    printf("\n");
    for (size_t i = 0; i < NROWS; i++) {
        int any = 0;
        for (int j = 0; j < n; j++) {
            ps_summary s;
            any |= ps_results_find(res[j], rows[i].outcome, &s) == PS_OK;
        }
        if (!any) continue;
        printf("%-44.44s", rows[i].label);
        for (int j = 0; j < n; j++) {
            ps_summary s;
            char m[32] = "-";
            if (ps_results_find(res[j], rows[i].outcome, &s) == PS_OK) value(m, sizeof m, &rows[i], s.mean);
            printf(" %*s", w, m);
        }
        printf("\n");
    }
    printf("\nEach column's summary.json gives every outcome with its 95%% interval.\n");
}

/* A difference with its interval in a cell of width w: "-62.3 [-74.1, -50.5]". */
static void diff_text(char *buf, size_t size, const row *r, const ps_difference *d, double scale)
{
    char m[32], lo[32], hi[32];
    row rr = *r;
    rr.scale = r->scale * scale;
    if (strstr(r->fmt, "%%")) rr.fmt = "%.2f pp"; /* a difference of shares is in percentage points */
    value(m, sizeof m, &rr, d->mean);
    if (d->n > 1 && d->ci_low == d->ci_low && d->ci_high == d->ci_high) {
        value(lo, sizeof lo, &rr, d->ci_low);
        value(hi, sizeof hi, &rr, d->ci_high);
        snprintf(buf, size, "%s [%s, %s]%s", m, lo, hi, !d->ratio && !d->separated ? "?" : "");
    } else {
        snprintf(buf, size, "%s", m);
    }
}

static const row derived_rows[] = {
    { "Crisis episodes averted a year", "derived.crises_averted_per_year", 1, "%.1f" },
    { "QALYs gained (over the run)", "derived.qalys_gained", 1, "%.1f" },
    { "Net cost, all agencies (GBP over the run)", "derived.net_cost", 1, "%.0f" },
    { "Cost per crisis averted (GBP)", "derived.cost_per_crisis_averted", 1, "%.0f" },
    { "Cost per QALY gained (GBP)", "derived.cost_per_qaly_gained", 1, "%.0f" },
    { "Return per pound (GBP saved per GBP spent)", "derived.return_per_pound", 1, "%.2f" },
    { "Net monetary benefit (GBP over the run)", "derived.net_monetary_benefit", 1, "%.0f" },
};

void cli_print_differences(const char *const *names, const ps_comparison *cmp, int n)
{
    const int w = 28;
    printf("%-44s", "difference from the baseline [95% interval]");
    for (int j = 1; j < n; j++) printf(" %*.*s", w, w, names[j]);
    printf("\n");
    int unclear = 0;
    for (size_t k = 0; k < NROWS + sizeof derived_rows / sizeof *derived_rows; k++) {
        const row *r = k < NROWS ? &rows[k] : &derived_rows[k - NROWS];
        ps_difference d;
        int any = 0;
        for (int j = 1; j < n; j++) any |= ps_comparison_find(cmp, (size_t)j - 1, r->outcome, &d) == PS_OK;
        if (!any) continue;
        if (k == NROWS) printf("%-44s\n", "");
        printf("%-44.44s", r->label);
        for (int j = 1; j < n; j++) {
            char cell[160] = "-";
            if (ps_comparison_find(cmp, (size_t)j - 1, r->outcome, &d) == PS_OK && d.note) {
                snprintf(cell, sizeof cell, "%s", d.note);
            } else if (ps_comparison_find(cmp, (size_t)j - 1, r->outcome, &d) == PS_OK) {
                diff_text(cell, sizeof cell, r, &d, 1);
                unclear |= !d.ratio && !d.separated && d.n > 1 && !(d.mean == 0 && d.sd == 0);
            }
            printf(" %*s", w, cell);
        }
        printf("\n");
    }
    if (unclear) {
        printf("\n? the interval includes no difference: not yet clear. Replicates that would tell, at the\n"
               "  difference seen so far (80%% power):\n");
        for (size_t k = 0; k < NROWS; k++)
            for (int j = 1; j < n; j++) {
                ps_difference d;
                if (ps_comparison_find(cmp, (size_t)j - 1, rows[k].outcome, &d)) continue;
                if (d.ratio || d.separated || d.n < 2 || (d.mean == 0 && d.sd == 0)) continue;
                if (d.replicates_needed == d.replicates_needed && d.replicates_needed <= 1000)
                    printf("  %-20.20s %-44.44s about %.0f\n", names[j], rows[k].label, d.replicates_needed);
                else
                    printf("  %-20.20s %-44.44s over 1,000: no difference to speak of\n", names[j], rows[k].label);
            }
    }
}

void cli_print_sweep(const ps_sweep *sw)
{
    static const size_t show[] = { 1, 0, 5, 13 }; /* rows: crisis rate, prevalence, weeks well, cost */
    size_t n = ps_sweep_point_count(sw);
    printf("\n%-40s", "point");
    for (size_t i = 0; i < sizeof show / sizeof *show; i++) printf(" %16.16s", rows[show[i]].label);
    printf("\n");
    for (size_t k = 0; k < n; k++) {
        printf("%-40.40s", ps_sweep_point_label(sw, k));
        for (size_t i = 0; i < sizeof show / sizeof *show; i++) {
            ps_summary s;
            char m[32] = "-";
            if (!ps_sweep_find(sw, k, rows[show[i]].outcome, &s)) value(m, sizeof m, &rows[show[i]], s.mean);
            printf(" %16s", m);
        }
        printf("\n");
    }
}

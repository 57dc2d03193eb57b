/*
 * report_charts: the charts of report.html, drawn from the replicates'
 * weekly records (see report.h). Every chart shows each scenario in its
 * own colour and dash; intervals are 95% intervals of the mean over
 * replicates, bands over time the middle 90% of replicates.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "metrics.h"
#include "report.h"
#include "results.h"
#include "svg.h"

#define MAX_SCEN 16
#define BIN 4       /* weeks per point on the prevalence chart */
#define BIN_CRISIS 13 /* and on the crisis chart: crises are rarer, so counts need longer to settle */

static const outcome *find(const ps_results *r, const char *name)
{
    for (size_t i = 0; i < r->outcomes.n; i++)
        if (!strcmp(r->outcomes.items[i].name, name)) return &r->outcomes.items[i];
    return NULL;
}

static double years(const ps_results *r) { return r->layout.weeks / 52.0; }

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The p-quantile of v[0..n-1] (sorted in place), interpolated. */
static double quantile(double *v, int n, double p)
{
    if (n <= 0) return NAN;
    qsort(v, (size_t)n, sizeof *v, cmp_d);
    double h = p * (n - 1);
    int i = (int)h;
    return i + 1 < n ? v[i] + (h - i) * (v[i + 1] - v[i]) : v[i];
}

static int nscen(const report_ctx *c) { return c->n < MAX_SCEN ? c->n : MAX_SCEN; }

/* ------------------------------------------------------------ over time */

enum { SER_PREVALENCE, SER_CRISIS_RATE };

/* One replicate's value of a series over weeks [w0, w1). */
static double series_value(const ps_results *r, int rep, int what, int w0, int w1)
{
    const replicate_record *rec = &r->recs[rep];
    size_t T = (size_t)r->layout.n_ts;
    double num = 0, adults = 0;
    for (int w = w0; w < w1; w++) {
        const double *row = rec->ts + (size_t)w * T;
        adults += rec->xs[(size_t)w * XS_COUNT + XS_ADULTS];
        num += what == SER_PREVALENCE ? row[TS_STRUGGLING] + row[TS_CRISIS] + row[TS_RECOVERING]
                                      : row[TS_CRISIS_EPISODES] * 1000 * 52;
    }
    return adults > 0 ? num / adults : NAN;
}

/* Mean and middle-90% band over replicates, in BIN-week periods; x in
 * years at each period's middle. Returns the number of points. */
static int binned(const ps_results *r, int what, double *x, double *y, double *lo, double *hi)
{
    int W = r->layout.weeks, R = r->replicates, n = 0, bin = what == SER_PREVALENCE ? BIN : BIN_CRISIS;
    double *v = ps_calloc((size_t)R, sizeof *v);
    if (!v) return 0;
    for (int w0 = 0; w0 + bin <= W; w0 += bin, n++) {
        double s = 0;
        for (int k = 0; k < R; k++) s += v[k] = series_value(r, k, what, w0, w0 + bin);
        x[n] = (w0 + bin / 2.0) / 52.0;
        y[n] = s / R;
        lo[n] = quantile(v, R, 0.05);
        hi[n] = quantile(v, R, 0.95);
    }
    ps_free(v);
    return n;
}

/* The first shock of the first run that has one, as a span in years. */
static int shock_span(const report_ctx *c, svg_span *sp, char *label, size_t size)
{
    for (int i = 0; i < c->n; i++) {
        const ps_config *cfg = c->res[i]->cfg;
        if (!cfg->n_shocks) continue;
        sp->from = cfg->shocks[0].start_week / 52.0;
        sp->to = (cfg->shocks[0].start_week + cfg->shocks[0].weeks) / 52.0;
        ps_fmt(label, size, "shock: %s", cfg->shocks[0].name);
        sp->label = label;
        return 1;
    }
    return 0;
}

static void time_chart(const report_ctx *c, int what, const char *title, const char *ylabel, fmt_kind kind)
{
    int n = nscen(c), W = c->res[0]->layout.weeks;
    size_t P = (size_t)(W / BIN + 1);
    double *buf = ps_calloc(P * 4 * (size_t)n + 1, sizeof *buf);
    svg_series se[MAX_SCEN];
    if (!buf) return;
    for (int i = 0; i < n; i++) {
        double *x = buf + P * 4 * (size_t)i;
        int np = binned(c->res[i], what, x, x + P, x + 2 * P, x + 3 * P);
        se[i] = (svg_series){ c->labels[i], x, x + P, x + 2 * P, x + 3 * P, np, i };
    }
    char sl[128];
    svg_span sp;
    int has = shock_span(c, &sp, sl, sizeof sl);
    svg_frame f = { title, "Years from the start (after burn-in)", ylabel, kind, 940, 320, 0 };
    svg_lines l = { se, n, has ? &sp : NULL, NULL, NULL, 0, NULL };
    svg_line_chart(c->b, &f, &l);
    ps_free(buf);
}

void report_over_time(const report_ctx *c)
{
    report_section(c->b, "over-time", "Over time",
                   "Each line is the mean over replicates, in four-week periods for adults not well and in "
                   "quarters (13 weeks) for crisis episodes; the shaded band spans the middle 90% of replicates.");
    time_chart(c, SER_PREVALENCE, "Adults not well (struggling, in crisis or recovering)", "Share of adults",
               FMT_SHARE);
    time_chart(c, SER_CRISIS_RATE, "Crisis episodes", "Episodes per 1,000 adults a year", FMT_NUMBER);
    report_section_end(c->b);
}

/* ------------------------------------------------------------ tables of outcomes */

/* A row per outcome of group (or the names given), a column per run:
 * mean with 95% interval; totals over the run shown a year. */
static void outcome_table(const report_ctx *c, const char *const *names, int count)
{
    sbuf *b = c->b;
    int n = nscen(c);
    sb_puts(b, "<table><tr><th>Outcome</th>");
    for (int i = 0; i < n; i++) {
        sb_printf(b, "<th><span class=\"swatch\" style=\"background:%s\"></span>", svg_colour(i));
        html_escape(b, c->labels[i]);
        sb_puts(b, "</th>");
    }
    sb_puts(b, "</tr>\n");
    for (int k = 0; k < count; k++) {
        const outcome *o0 = NULL;
        for (int i = 0; i < n && !o0; i++) o0 = find(c->res[i], names[k]);
        if (!o0) continue;
        int total = report_is_total(o0->unit) && strncmp(names[k], "resilience.", 11) != 0;
        char lbuf[160];
        sb_puts(b, "<tr><td>");
        html_escape(b, report_outcome_label(names[k], NULL, lbuf, sizeof lbuf));
        sb_puts(b, "<span class=\"ci\">");
        html_escape(b, total ? "a year" : o0->unit);
        sb_puts(b, "</span></td>");
        for (int i = 0; i < n; i++) {
            const outcome *o = find(c->res[i], names[k]);
            double s = total ? 1 / years(c->res[i]) : 1;
            sb_puts(b, "<td>");
            if (o) report_outcome_ci(b, o, c->res[i]->replicates, s);
            else if (o0->agency) report_value_ci(b, 0, NAN, NAN, o0->unit, 0); /* that agency spent nothing */
            sb_puts(b, "</td>");
        }
        sb_puts(b, "</tr>\n");
    }
    sb_puts(b, "</table>\n");
}

/* One small chart: an outcome's mean per run with its interval. */
static void small_bars(const report_ctx *c, const char *name, int per_year)
{
    int n = nscen(c);
    double v[MAX_SCEN], lo[MAX_SCEN], hi[MAX_SCEN];
    svg_bar_group g[MAX_SCEN];
    const char *unit = NULL;
    for (int i = 0; i < n; i++) {
        const outcome *o = find(c->res[i], name);
        double s = per_year ? 1 / years(c->res[i]) : 1;
        v[i] = o ? o->mean * s : NAN;
        lo[i] = o ? o->ci_low * s : NAN;
        hi[i] = o ? o->ci_high * s : NAN;
        if (o && !unit) unit = o->unit;
        g[i] = (svg_bar_group){ c->labels[i], &v[i], &lo[i], &hi[i], i };
    }
    if (!unit) return;
    int all_zero = 1; /* an empty chart says nothing: say it in words */
    for (int i = 0; i < n; i++) all_zero &= (v[i] == 0 || isnan(v[i])) && !(hi[i] > 0);
    if (all_zero) {
        char lb[160];
        sb_puts(c->b, "<div class=\"nochart\"><strong>");
        html_escape(c->b, report_outcome_label(name, NULL, lb, sizeof lb));
        sb_puts(c->b, "</strong><p>None, in every scenario and every replicate.</p></div>\n");
        return;
    }
    char ylab[128];
    ps_fmt(ylab, sizeof ylab, "%s%s", unit, per_year ? " a year" : "");
    const char *cat[1] = { "" };
    char lbuf[160];
    svg_frame f = { report_outcome_label(name, NULL, lbuf, sizeof lbuf), "mean and 95% interval", ylab, fmt_kind_of_unit(unit), 460,
                    250, 1 };
    svg_grouped_bars(c->b, &f, cat, 1, g, n);
}

void report_safety(const report_ctx *c, int two)
{
    static const char *const one[] = { "safety_one.crisis_episodes_per_1000_adults_per_year",
                                       "safety_one.ae_attendances", "safety_one.admissions",
                                       "safety_one.inpatient_bed_weeks", "safety_one.person_weeks_in_crisis",
                                       "safety_one.crises_without_care" };
    static const int one_yearly[] = { 0, 1, 1, 1, 1, 1 };
    static const char *const second[] = { "safety_two.weeks_well_per_adult_per_year",
                                          "safety_two.qalys_per_adult_per_year", "safety_two.employment_rate",
                                          "safety_two.lonely_share", "safety_two.social_capital",
                                          "safety_two.volunteers_per_1000_adults" };
    const char *const *names = two ? second : one;
    if (two)
        report_section(c->b, "safety-two", "Safety Two: more going well",
                       "Safety Two counts what goes right: weeks people live well, quality of life, work, "
                       "company and the strength of the community.");
    else
        report_section(c->b, "safety-one", "Safety One: fewer things going wrong",
                       "Safety One counts harm: crises, A&E attendances, admissions and time spent in crisis.");
    sb_puts(c->b, "<div class=\"figs\">\n");
    for (int k = 0; k < 6; k++) small_bars(c, names[k], two ? 0 : one_yearly[k]);
    sb_puts(c->b, "</div>\n");
    outcome_table(c, names, 6);
    report_section_end(c->b);
}

/* ------------------------------------------------------------ costs */

/* The names of the outcomes keep accepts, over every run, in the order
 * first seen: the union of agencies or services the scenarios have. */
static int union_names(const report_ctx *c, int (*keep)(const outcome *), const char **out, int max)
{
    int n = 0;
    for (int i = 0; i < nscen(c); i++)
        for (size_t k = 0; k < c->res[i]->outcomes.n; k++) {
            const outcome *o = &c->res[i]->outcomes.items[k];
            if (!keep(o)) continue;
            int seen = 0;
            for (int j = 0; j < n && !seen; j++) seen = !strcmp(out[j], o->name);
            if (!seen && n < max) out[n++] = o->name;
        }
    return n;
}

static int is_agency(const outcome *o) { return o->agency; }

/* services.<name>.lost_at_handoff names each support service once (the
 * crisis team, A&E and beds have no waiting list and no hand-offs) */
static int is_support_service(const outcome *o)
{
    size_t len = strlen(o->name);
    return !strncmp(o->name, "services.", 9) && len >= 26 && !strcmp(o->name + len - 16, ".lost_at_handoff");
}

void report_costs(const report_ctx *c)
{
    sbuf *b = c->b;
    int n = nscen(c);
    report_section(b, "costs", "Cost by agency",
                   "What each agency spent a year, as services met demand: mean over replicates with 95% "
                   "intervals.");
    const char *agencies[64];
    int na = union_names(c, is_agency, agencies, 64);
    double *v = ps_calloc((size_t)(3 * na * n) + 1, sizeof *v);
    const char *cats[64];
    char catw[64][96];
    svg_bar_group g[MAX_SCEN];
    if (!v) {
        report_section_end(b);
        return;
    }
    for (int a = 0; a < na; a++) cats[a] = report_agency_words(agencies[a] + strlen("money.cost_"), catw[a], 96);
    for (int i = 0; i < n; i++) {
        double *m = v + (size_t)(3 * na * i), *lo = m + na, *hi = m + 2 * na;
        for (int a = 0; a < na; a++) {
            const outcome *o = find(c->res[i], agencies[a]);
            double s = 1 / years(c->res[i]);
            m[a] = o ? o->mean * s : 0;
            lo[a] = o ? o->ci_low * s : NAN;
            hi[a] = o ? o->ci_high * s : NAN;
        }
        g[i] = (svg_bar_group){ c->labels[i], m, lo, hi, i };
    }
    svg_frame f = { "Cost a year by agency", "Agency that pays", "GBP a year", FMT_GBP, 940, 320, 1 };
    svg_grouped_bars(b, &f, cats, na, g, n);
    ps_free(v);
    const char *names[70];
    int k = 0;
    names[k++] = "money.cost_total";
    for (int a = 0; a < na; a++) names[k++] = agencies[a];
    names[k++] = "money.cost_per_adult_per_year";
    outcome_table(c, names, k);
    if (c->cmp) {
        sb_puts(b, "<h3>Net cost by agency compared with the baseline, a year</h3>\n<table><tr><th>Agency</th>");
        for (int i = 1; i < n; i++) {
            sb_puts(b, "<th>");
            html_escape(b, c->labels[i]);
            sb_puts(b, "</th>");
        }
        sb_puts(b, "</tr>\n");
        for (int a = 0; a <= na; a++) {
            const char *nm = a < na ? agencies[a] : "derived.return_per_pound";
            sb_puts(b, "<tr><td>");
            html_escape(b, a < na ? cats[a] : "Saved elsewhere per pound of extra spending");
            sb_puts(b, "</td>");
            for (int i = 1; i < n; i++) {
                ps_difference d;
                sb_puts(b, "<td>");
                if (!ps_comparison_find(c->cmp, (size_t)i - 1, nm, &d)) {
                    double s = a < na ? 1 / years(c->res[0]) : 1;
                    report_value_ci(b, d.mean * s, d.ci_low * s, d.ci_high * s, a < na ? d.unit : "GBP", a < na);
                }
                sb_puts(b, "</td>");
            }
            sb_puts(b, "</tr>\n");
        }
        sb_puts(b, "</table>\n");
    }
    report_section_end(b);
}

/* ------------------------------------------------------------ equity */

/* Prevalence (what 0) or crisis rate (what 1) in deprivation quintile q
 * (1 = most deprived) for one replicate. */
static double quintile_value(const ps_results *r, int rep, int q, int what)
{
    const metrics_layout *L = &r->layout;
    const double *nb = r->recs[rep].nb;
    double num = 0, adults = 0;
    for (int k = 0; k < L->n_nbhd; k++) {
        if ((r->cfg->place.neighbourhoods[k].decile + 1) / 2 != q) continue;
        for (int w = 0; w < L->weeks; w++) {
            const double *v = nb + ((size_t)w * (size_t)L->n_nbhd + (size_t)k) * NB_COUNT;
            adults += v[NB_ADULTS];
            num += what ? v[NB_CRISIS_EPISODES] * 1000 * 52 : v[NB_STRUGGLING] + v[NB_CRISIS] + v[NB_RECOVERING];
        }
    }
    return adults > 0 ? num / adults : NAN;
}

static void quintile_chart(const report_ctx *c, int what)
{
    int n = nscen(c);
    static const char *const cats[5] = { "1 (most deprived)", "2", "3", "4", "5 (least deprived)" };
    double m[MAX_SCEN][5], lo[MAX_SCEN][5], hi[MAX_SCEN][5];
    svg_bar_group g[MAX_SCEN];
    for (int i = 0; i < n; i++) {
        int R = c->res[i]->replicates;
        double *v = ps_calloc((size_t)R, sizeof *v);
        for (int q = 0; q < 5; q++) {
            double sd;
            if (!v) {
                m[i][q] = lo[i][q] = hi[i][q] = NAN;
                continue;
            }
            int k = 0;
            for (int rep = 0; rep < R; rep++) {
                double x = quintile_value(c->res[i], rep, q + 1, what);
                if (!isnan(x)) v[k++] = x;
            }
            stats_summarise(v, k, &m[i][q], &sd, &lo[i][q], &hi[i][q]);
        }
        ps_free(v);
        g[i] = (svg_bar_group){ c->labels[i], m[i], lo[i], hi[i], i };
    }
    svg_frame f = { what ? "Crisis episodes by deprivation fifth" : "Adults not well by deprivation fifth",
                    "Fifth of neighbourhoods by deprivation decile",
                    what ? "Episodes per 1,000 adults a year" : "Share of adults", what ? FMT_NUMBER : FMT_SHARE,
                    940, 300, 1 };
    svg_grouped_bars(c->b, &f, cats, 5, g, n);
}

void report_equity(const report_ctx *c)
{
    report_section(c->b, "equity", "Outcomes by deprivation quintile",
                   "Neighbourhoods grouped into fifths by deprivation decile (1 and 2 the most deprived). A fair "
                   "policy narrows the gap between the first fifth and the fifth.");
    sb_puts(c->b, "<div class=\"figs\">\n");
    quintile_chart(c, 0);
    quintile_chart(c, 1);
    sb_puts(c->b, "</div>\n");
    static const char *const names[] = { "equity.prevalence_most_deprived_quintile",
                                         "equity.prevalence_least_deprived_quintile", "equity.prevalence_ratio",
                                         "equity.prevalence_gap", "equity.crisis_rate_most_deprived_quintile",
                                         "equity.crisis_rate_least_deprived_quintile", "equity.crisis_rate_ratio",
                                         "equity.crisis_rate_gap" };
    outcome_table(c, names, 8);
    report_section_end(c->b);
}

/* ------------------------------------------------------------ services */

void report_services(const report_ctx *c)
{
    sbuf *b = c->b;
    int n = nscen(c);
    report_section(b, "services", "Services: waits and drop-outs",
                   "How long people waited for each support service, how many left before finishing, and how "
                   "full each service ran.");
    const char *svc[128];
    int ns = union_names(c, is_support_service, svc, 128);
    char (*names)[96] = ps_calloc((size_t)ns * 4 + 8, sizeof *names);
    char (*cats)[64] = ps_calloc((size_t)ns + 1, sizeof *cats);
    char (*shown)[64] = ps_calloc((size_t)ns + 1, sizeof *shown); /* in words: "housing advice" */
    const char **catp = ps_calloc((size_t)ns + 1, sizeof *catp);
    double *v = ps_calloc((size_t)(6 * ns * n) + 1, sizeof *v);
    if (!names || !cats || !shown || !catp || !v) goto done;
    for (int s = 0; s < ns; s++) {
        size_t len = strlen(svc[s]) - 9 - 16;
        ps_fmt(cats[s], sizeof cats[s], "%.*s", (int)len, svc[s] + 9);
        report_words(shown[s], sizeof shown[s], cats[s], strlen(cats[s]));
        catp[s] = shown[s];
    }
    static const char *const measure[] = { "mean_wait_weeks", "dropout_share" };
    for (int m = 0; m < 2 && ns; m++) {
        svg_bar_group g[MAX_SCEN];
        for (int i = 0; i < n; i++) {
            double *x = v + (size_t)((3 * m * n + 3 * i) * ns), *lo = x + ns, *hi = lo + ns;
            for (int s = 0; s < ns; s++) {
                char nm[160];
                ps_fmt(nm, sizeof nm, "services.%s.%s", cats[s], measure[m]);
                const outcome *o = find(c->res[i], nm);
                x[s] = o ? o->mean : NAN;
                lo[s] = o ? o->ci_low : NAN;
                hi[s] = o ? o->ci_high : NAN;
            }
            g[i] = (svg_bar_group){ c->labels[i], x, lo, hi, i };
        }
        svg_frame f = { m ? "Share who dropped out before finishing" : "Mean wait to start", "Support service",
                        m ? "Share of those who left" : "Weeks", m ? FMT_SHARE : FMT_NUMBER, 940, 300, 1 };
        svg_grouped_bars(b, &f, catp, ns, g, n);
    }
    int k = 0;
    static const char *const per[] = { "referrals", "mean_wait_weeks", "dropout_share", "utilisation" };
    const char *rows[128 * 4 + 8];
    for (int s = 0; s < ns; s++)
        for (int m = 0; m < 4; m++) {
            ps_fmt(names[k], sizeof names[k], "services.%s.%s", cats[s], per[m]);
            rows[k] = names[k];
            k++;
        }
    rows[k++] = "services.crises_seen_by_crisis_team";
    rows[k++] = "services.crisis_team_utilisation";
    rows[k++] = "services.ae_attendances_admitted";
    rows[k++] = "services.lost_between_services";
    outcome_table(c, rows, k);
done:
    ps_free(names);
    ps_free(cats);
    ps_free(shown);
    ps_free(catp);
    ps_free(v);
    report_section_end(b);
}

/* ------------------------------------------------------------ resilience */

/* The weekly mean over replicates of a series, smoothed as the
 * resilience outcomes are (trailing mean over smoothing_weeks for
 * prevalence, crisis_rate_smoothing_weeks for the crisis rate). */
static void smoothed_mean(const ps_results *r, int what, double *out)
{
    int W = r->layout.weeks, R = r->replicates;
    int sm = what ? r->cfg->model.resilience.crisis_rate_smoothing_weeks : r->cfg->model.resilience.smoothing_weeks;
    if (sm < 1) sm = 1;
    for (int w = 0; w < W; w++) {
        double s = 0;
        for (int k = 0; k < R; k++) s += series_value(r, k, what, w, w + 1);
        out[w] = s / R;
    }
    double run = 0, *raw = ps_calloc((size_t)W, sizeof *raw);
    if (!raw) return;
    memcpy(raw, out, (size_t)W * sizeof *raw);
    for (int w = 0; w < W; w++) {
        run += raw[w];
        if (w >= sm) run -= raw[w - sm];
        out[w] = run / (w + 1 < sm ? w + 1 : sm);
    }
    ps_free(raw);
}

static void resilience_chart(const report_ctx *c, int what)
{
    int n = nscen(c), W = c->res[0]->layout.weeks;
    double *buf = ps_calloc((size_t)W * 2 * (size_t)n + 1, sizeof *buf);
    if (!buf) return;
    svg_series se[MAX_SCEN], fill[MAX_SCEN];
    double ref[MAX_SCEN];
    int refc[MAX_SCEN], m = 0, from = W, to = 0;
    for (int i = 0; i < n; i++) {
        const ps_config *cfg = c->res[i]->cfg;
        if (!cfg->n_shocks) continue;
        int start = cfg->shocks[0].start_week, end = 0;
        for (int j = 0; j < cfg->n_shocks; j++) {
            if (cfg->shocks[j].start_week < start) start = cfg->shocks[j].start_week;
            if (cfg->shocks[j].start_week + cfg->shocks[j].weeks > end) end = cfg->shocks[j].start_week + cfg->shocks[j].weeks;
        }
        const outcome *base = find(c->res[i], what ? "resilience.crisis_rate_baseline" : "resilience.prevalence_baseline");
        const outcome *rec = find(c->res[i], what ? "resilience.crisis_rate_recovery_weeks"
                                                  : "resilience.prevalence_recovery_weeks");
        double *x = buf + (size_t)W * 2 * (size_t)i, *y = x + W;
        smoothed_mean(c->res[i], what, y);
        for (int w = 0; w < W; w++) x[w] = w / 52.0;
        int stop = rec && isfinite(rec->mean) ? start + (int)ceil(rec->mean) : W;
        if (stop > W) stop = W;
        se[m] = (svg_series){ c->labels[i], x, y, NULL, NULL, W, i };
        fill[m] = (svg_series){ c->labels[i], x + start, y + start, NULL, NULL, stop - start, i };
        ref[m] = base ? base->mean : NAN;
        refc[m] = i;
        m++;
        if (start - 26 < from) from = start - 26;
        int t = (stop > end ? stop : end) + 52;
        if (t > to) to = t;
    }
    if (from < 0) from = 0;
    if (to > W) to = W;
    for (int s = 0; s < m; s++) { /* show the window around the shock */
        se[s].x += from;
        se[s].y += from;
        se[s].n = to - from;
    }
    svg_frame f = { what ? "Resilience: crisis episodes through the shock" : "Resilience: adults not well through the shock",
                    "Years from the start (after burn-in)",
                    what ? "Per 1,000 adults a year (smoothed)" : "Share of adults (smoothed)",
                    what ? FMT_NUMBER : FMT_SHARE, 940, 320, 0 };
    char sl[128];
    svg_span sp;
    int has = shock_span(c, &sp, sl, sizeof sl);
    svg_lines l = { se, m, has ? &sp : NULL, ref, refc, m, fill };
    svg_line_chart(c->b, &f, &l);
    ps_free(buf);
}

void report_resilience(const report_ctx *c)
{
    report_section(c->b, "resilience", "Resilience: how the place weathers the shock",
                   "The resilience triangle: how far each measure rose above its level in the 13 weeks before the "
                   "shock (dashed line), how long it took to come back within 5% of that level for four weeks "
                   "running, and the area between (shaded): smaller is more resilient.");
    resilience_chart(c, 0);
    resilience_chart(c, 1);
    static const char *const names[] = { "resilience.prevalence_depth", "resilience.prevalence_recovery_weeks",
                                         "resilience.prevalence_area", "resilience.crisis_rate_depth",
                                         "resilience.crisis_rate_recovery_weeks", "resilience.crisis_rate_area" };
    outcome_table(c, names, 6);
    report_section_end(c->b);
}

/* ------------------------------------------------------------ neighbourhoods */

static double nbhd_prevalence(const ps_results *r, int k)
{
    const metrics_layout *L = &r->layout;
    double num = 0, adults = 0;
    for (int rep = 0; rep < r->replicates; rep++)
        for (int w = 0; w < L->weeks; w++) {
            const double *v = r->recs[rep].nb + ((size_t)w * (size_t)L->n_nbhd + (size_t)k) * NB_COUNT;
            adults += v[NB_ADULTS];
            num += v[NB_STRUGGLING] + v[NB_CRISIS] + v[NB_RECOVERING];
        }
    return adults > 0 ? num / adults : NAN;
}

void report_neighbourhoods(const report_ctx *c)
{
    sbuf *b = c->b;
    int n = nscen(c), K = c->res[0]->layout.n_nbhd;
    report_section(b, "neighbourhoods", "Neighbourhoods",
                   "Each tile is a neighbourhood, most deprived first, coloured by the share of adults not well "
                   "over the run (mean of replicates). The same colour scale serves every scenario.");
    double *v = ps_calloc((size_t)K * (size_t)n + 1, sizeof *v), *d = ps_calloc((size_t)K + 1, sizeof *d);
    int *order = ps_calloc((size_t)K + 1, sizeof *order);
    const char **lab = ps_calloc((size_t)K + 1, sizeof *lab), **sub = ps_calloc((size_t)K + 1, sizeof *sub);
    char (*subs)[32] = ps_calloc((size_t)K + 1, sizeof *subs);
    if (!v || !d || !order || !lab || !sub || !subs) goto done;
    const ps_config *cfg = c->res[0]->cfg;
    int m = 0;
    for (int dec = 1; dec <= 10; dec++) /* most deprived first, in the place's order within a decile */
        for (int k = 0; k < K; k++)
            if (cfg->place.neighbourhoods[k].decile == dec) order[m++] = k;
    double lo = INFINITY, hi = -INFINITY;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < K; j++) {
            double x = v[(size_t)i * (size_t)K + (size_t)j] = nbhd_prevalence(c->res[i], order[j]);
            if (x < lo) lo = x;
            if (x > hi) hi = x;
        }
    for (int j = 0; j < K; j++) {
        lab[j] = cfg->place.neighbourhoods[order[j]].name;
        ps_fmt(subs[j], sizeof subs[j], "decile %d", cfg->place.neighbourhoods[order[j]].decile);
        sub[j] = subs[j];
    }
    for (int i = 0; i < n; i++) {
        char title[256];
        ps_fmt(title, sizeof title, "%s: adults not well by neighbourhood", c->labels[i]);
        svg_tiles t = { lab, sub, v + (size_t)i * (size_t)K, K, 6, lo, hi, 0, FMT_SHARE, "Share of adults not well" };
        svg_frame f = { title, NULL, NULL, FMT_SHARE, 940, 0, 0 };
        svg_tile_grid(b, &f, &t);
    }
    double dl = 0, dh = 0; /* one scale for every scenario's change */
    for (int i = 1; c->cmp && i < n; i++)
        for (int j = 0; j < K; j++) {
            double x = v[(size_t)i * (size_t)K + (size_t)j] - v[(size_t)j];
            if (x < dl) dl = x;
            if (x > dh) dh = x;
        }
    for (int i = 1; c->cmp && i < n; i++) {
        for (int j = 0; j < K; j++) d[j] = v[(size_t)i * (size_t)K + (size_t)j] - v[(size_t)j];
        char title[256];
        ps_fmt(title, sizeof title, "%s minus %s: change in adults not well", c->labels[i], c->labels[0]);
        svg_tiles t = { lab, sub, d, K, 6, dl, dh, 1, FMT_SHARE,
                        "Change in share not well (blue: fewer)" };
        svg_frame f = { title, NULL, NULL, FMT_SHARE, 940, 0, 0 };
        svg_tile_grid(b, &f, &t);
    }
done:
    ps_free(v);
    ps_free(d);
    ps_free(order);
    ps_free(lab);
    ps_free(sub);
    ps_free(subs);
    report_section_end(b);
}

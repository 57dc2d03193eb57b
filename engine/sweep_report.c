/*
 * sweep_report: report.html of a sweep. Outcomes against the varied
 * values as charts (one line per combination of the other keys, with 95%
 * intervals as bands), the grid of the first two keys coloured by each
 * outcome, paired differences from the first point, what was varied, and
 * provenance.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "compare.h"
#include "report.h"
#include "results.h"
#include "svg.h"
#include "sweep.h"

#define MAX_LINES 16

static const char *const outcomes[] = {
    "safety_one.crisis_episodes_per_1000_adults_per_year",
    "prevalence.adults_not_well",
    "safety_two.weeks_well_per_adult_per_year",
    "safety_one.admissions",
    "money.cost_per_adult_per_year",
    "equity.crisis_rate_ratio",
};
#define NOUT (sizeof outcomes / sizeof *outcomes)

static const outcome *find(const ps_results *r, const char *name)
{
    for (size_t i = 0; r && i < r->outcomes.n; i++)
        if (!strcmp(r->outcomes.items[i].name, name)) return &r->outcomes.items[i];
    return NULL;
}

static int value_of(const ps_sweep *sw, size_t k, int a) { return sw->idx[k * (size_t)sw->naxes + (size_t)a]; }

/* Points are grouped into lines by the values of every axis but the
 * first: line = index over axes 1.. (row-major), point along it = axis 0. */
static size_t line_of(const ps_sweep *sw, size_t k)
{
    size_t line = 0;
    for (int a = 1; a < sw->naxes; a++) line = line * (size_t)sw->axes[a].n + (size_t)value_of(sw, k, a);
    return line;
}

/* The values of axes from.. at point k: "uptake=0.01, weeks=4". */
static void line_label(const ps_sweep *sw, size_t k, int from, char *buf, size_t size)
{
    sbuf b = { 0 };
    for (int a = from; a < sw->naxes; a++)
        sb_printf(&b, "%s%s=%s", a > from ? ", " : "", sw->axes[a].label,
                  sw->axes[a].values[value_of(sw, k, a)]);
    char *s = sb_take(&b);
    ps_fmt(buf, size, "%s", s ? s : "all points");
    ps_free(s);
}

static void outcome_chart(sbuf *b, const ps_sweep *sw, const char *name)
{
    const sweep_axis *x = &sw->axes[0];
    size_t lines = sw->npoints / (size_t)x->n;
    if (lines > MAX_LINES) lines = MAX_LINES;
    double *buf = ps_calloc(lines * 4 * (size_t)x->n + 1, sizeof *buf);
    char (*labels)[128] = ps_calloc(lines + 1, sizeof *labels);
    if (!buf || !labels) {
        ps_free(buf);
        ps_free(labels);
        return;
    }
    const char *unit = NULL;
    for (size_t k = 0; k < sw->npoints; k++) {
        size_t l = line_of(sw, k);
        if (l >= lines) continue;
        int i = value_of(sw, k, 0);
        double *xs = buf + l * 4 * (size_t)x->n, *y = xs + x->n, *lo = y + x->n, *hi = lo + x->n;
        const outcome *o = find(sw->res[k], name);
        xs[i] = x->numeric ? x->numbers[i] : i;
        y[i] = o ? o->mean : NAN;
        lo[i] = o ? o->ci_low : NAN;
        hi[i] = o ? o->ci_high : NAN;
        if (o) unit = o->unit;
        line_label(sw, k, 1, labels[l], sizeof labels[l]);
    }
    char title[256], lbuf[160];
    ps_fmt(title, sizeof title, "%s", report_outcome_label(name, NULL, lbuf, sizeof lbuf));
    fmt_kind kind = fmt_kind_of_unit(unit);
    if (x->numeric) {
        svg_series se[MAX_LINES];
        for (size_t l = 0; l < lines; l++) {
            double *xs = buf + l * 4 * (size_t)x->n;
            se[l] = (svg_series){ labels[l], xs, xs + x->n, xs + 2 * x->n, xs + 3 * x->n, x->n, (int)l };
        }
        svg_frame f = { title, x->path, unit ? unit : "", kind, 460, 280, 0 };
        svg_lines ls = { se, (int)lines, NULL, NULL, NULL, 0, NULL };
        svg_line_chart(b, &f, &ls);
    } else {
        svg_bar_group g[MAX_LINES];
        for (size_t l = 0; l < lines; l++) {
            double *xs = buf + l * 4 * (size_t)x->n;
            g[l] = (svg_bar_group){ labels[l], xs + x->n, xs + 2 * x->n, xs + 3 * x->n, (int)l };
        }
        svg_frame f = { title, x->path, unit ? unit : "", kind, 460, 280, 1 };
        svg_grouped_bars(b, &f, (const char *const *)x->values, x->n, g, (int)lines);
    }
    ps_free(buf);
    ps_free(labels);
}

/* The grid of the first two axes (the first down, the second across) for
 * one combination of any others, each cell coloured by the outcome on a
 * scale from the grid's lowest to its highest value. */
static void grid_table(sbuf *b, const ps_sweep *sw, const char *name, size_t first_point)
{
    const sweep_axis *rows = &sw->axes[0], *cols = sw->naxes > 1 ? &sw->axes[1] : NULL;
    int nc = cols ? cols->n : 1;
    size_t stride = sw->npoints / (size_t)rows->n; /* points between successive values of axis 0 */
    double lo = INFINITY, hi = -INFINITY, width = 0;
    int cells = 0;
    const char *unit = NULL;
    for (int r = 0; r < rows->n; r++)
        for (int c = 0; c < nc; c++) {
            size_t k = first_point + (size_t)r * stride + (size_t)c * (stride / (size_t)nc);
            const outcome *o = find(sw->res[k], name);
            if (!o || !isfinite(o->mean)) continue;
            unit = o->unit;
            if (o->mean < lo) lo = o->mean;
            if (o->mean > hi) hi = o->mean;
            if (isfinite(o->ci_high - o->ci_low)) width += o->ci_high - o->ci_low, cells++;
        }
    /* Shades span the grid's lowest to highest mean, but never less than
     * a typical interval's width: differences chance could make look
     * alike, not dark against pale. */
    width = cells ? width / cells : 0;
    if (hi - lo < width) {
        double mid = (lo + hi) / 2;
        lo = mid - width / 2;
        hi = mid + width / 2;
    }
    char lbuf[160], l[64], h[64];
    fmt_kind kind = fmt_kind_of_unit(unit);
    fmt_human(l, sizeof l, lo, kind, 0);
    fmt_human(h, sizeof h, hi, kind, 0);
    sb_puts(b, "<table class=\"grid\"><caption>");
    html_escape(b, report_outcome_label(name, NULL, lbuf, sizeof lbuf));
    if (unit) {
        sb_puts(b, " (");
        html_escape(b, unit);
        sb_puts(b, ")");
    }
    sb_puts(b, "<span class=\"ci\">Darker is higher: shades run from ");
    html_escape(b, l);
    sb_puts(b, " (palest) to ");
    html_escape(b, h);
    sb_puts(b, " (darkest), over at least a typical interval's width, so cells chance could make alike look "
               "alike.</span></caption>\n<tr><th>");
    html_escape(b, rows->label);
    if (cols) {
        sb_puts(b, " \u2193 / ");
        html_escape(b, cols->label);
        sb_puts(b, " \u2192");
    }
    sb_puts(b, "</th>");
    for (int c = 0; c < nc; c++) {
        sb_puts(b, "<th>");
        html_escape(b, cols ? cols->values[c] : "");
        sb_puts(b, "</th>");
    }
    sb_puts(b, "</tr>\n");
    for (int r = 0; r < rows->n; r++) {
        sb_puts(b, "<tr><th>");
        html_escape(b, rows->values[r]);
        sb_puts(b, "</th>");
        for (int c = 0; c < nc; c++) {
            size_t k = first_point + (size_t)r * stride + (size_t)c * (stride / (size_t)nc);
            const outcome *o = find(sw->res[k], name);
            char col[8];
            svg_scale_colour(col, o ? o->mean : NAN, lo, hi, 0);
            sb_printf(b, "<td style=\"background:%s;color:%s\">", col, svg_ink(col));
            if (o) report_outcome_ci(b, o, sw->res[k]->replicates, 1);
            sb_puts(b, "</td>");
        }
        sb_puts(b, "</tr>\n");
    }
    sb_puts(b, "</table>\n");
}

static void differences(sbuf *b, const ps_sweep *sw)
{
    sb_puts(b, "<table><tr><th>Point</th>");
    char lbuf[160];
    for (size_t i = 0; i < NOUT; i++) {
        sb_puts(b, "<th>");
        html_escape(b, report_outcome_label(outcomes[i], NULL, lbuf, sizeof lbuf));
        sb_puts(b, "</th>");
    }
    sb_puts(b, "</tr>\n");
    for (size_t k = 1; k < sw->npoints; k++) {
        sb_puts(b, "<tr><td>");
        html_escape(b, sw->labels[k]);
        sb_puts(b, "</td>");
        for (size_t i = 0; i < NOUT; i++) {
            ps_difference d;
            sb_puts(b, "<td>");
            if (!ps_comparison_find(sw->cmp, k - 1, outcomes[i], &d)) {
                report_value_ci(b, d.mean, d.ci_low, d.ci_high, d.unit, 1);
                if (!d.separated && d.n > 1 && !(d.mean == 0 && d.sd == 0))
                    sb_puts(b, "<span class=\"unclear\">not yet clear</span>");
            }
            sb_puts(b, "</td>");
        }
        sb_puts(b, "</tr>\n");
    }
    sb_puts(b, "</table>\n");
}

char *sweep_report_html(const ps_sweep *sw)
{
    sbuf b = { 0 };
    const ps_results *r0 = sw->res[0];
    char title[512], sub[512], axes[400] = "";
    size_t used = 0;
    for (int a = 0; a < sw->naxes; a++) {
        int n = snprintf(axes + used, sizeof axes - used, "%s%s", a ? " \u00d7 " : "", sw->axes[a].path);
        if (n < 0 || (size_t)n >= sizeof axes - used) break;
        used += (size_t)n;
    }
    ps_fmt(title, sizeof title, "%s: sweep of %s", ps_scenario_name(r0->scenario), axes);
    ps_fmt(sub, sizeof sub, "%zu points \u00b7 %d replicates each on the same households and the same luck "
                            "\u00b7 seed %llu",
           sw->npoints, r0->replicates, (unsigned long long)ps_scenario_seed(r0->scenario));
    report_begin(&b, title, sub);

    report_section(&b, "headline", "The points of the sweep",
                   "Each point is the scenario with the values shown; means over replicates with 95% intervals.");
    sb_puts(&b, "<table><tr><th>Point</th>");
    char lbuf[160];
    for (size_t i = 0; i < NOUT; i++) {
        sb_puts(&b, "<th>");
        html_escape(&b, report_outcome_label(outcomes[i], NULL, lbuf, sizeof lbuf));
        sb_puts(&b, "</th>");
    }
    sb_puts(&b, "</tr>\n");
    for (size_t k = 0; k < sw->npoints; k++) {
        sb_printf(&b, "<tr><td>%s<span class=\"ci\">", sw->folders[k]);
        html_escape(&b, sw->labels[k]);
        sb_puts(&b, "</span></td>");
        for (size_t i = 0; i < NOUT; i++) {
            const outcome *o = find(sw->res[k], outcomes[i]);
            sb_puts(&b, "<td>");
            if (o) report_outcome_ci(&b, o, sw->res[k]->replicates, 1);
            sb_puts(&b, "</td>");
        }
        sb_puts(&b, "</tr>\n");
    }
    sb_puts(&b, "</table>\n");
    report_section_end(&b);

    report_section(&b, "sweep-charts", "Outcomes against the varied values",
                   "Each line joins the points that share the values of the other keys; the band is the 95% "
                   "interval of the mean.");
    sb_puts(&b, "<div class=\"figs\">\n");
    for (size_t i = 0; i < NOUT; i++) outcome_chart(&b, sw, outcomes[i]);
    sb_puts(&b, "</div>\n");
    report_section_end(&b);

    report_section(&b, "sweep-grid", "The grid",
                   sw->naxes > 1 ? "Every combination of the first two keys, coloured by the outcome; other keys "
                                   "varied give one grid each."
                                 : "Every value of the key, coloured by the outcome.");
    size_t per_grid = (size_t)sw->axes[0].n * (size_t)(sw->naxes > 1 ? sw->axes[1].n : 1);
    size_t grids = sw->npoints / per_grid;
    for (size_t gi = 0; gi < grids && gi < 8; gi++) {
        if (grids > 1) {
            char lab[128];
            line_label(sw, gi, 2, lab, sizeof lab);
            sb_puts(&b, "<h3>");
            html_escape(&b, lab);
            sb_puts(&b, "</h3>\n");
        }
        for (size_t i = 0; i < 3; i++) grid_table(&b, sw, outcomes[i], gi);
    }
    report_section_end(&b);

    report_section(&b, "differences", "Differences from the first point, paired replicate by replicate",
                   "Each point against the first, replicate k against replicate k.");
    differences(&b, sw);
    report_section_end(&b);

    report_section(&b, "what-varied", "What was varied", NULL);
    sb_puts(&b, "<table><tr><th>Key</th><th>Values</th></tr>\n");
    for (int a = 0; a < sw->naxes; a++) {
        sb_puts(&b, "<tr><td><code>");
        html_escape(&b, sw->axes[a].path);
        sb_puts(&b, "</code></td><td>");
        for (int v = 0; v < sw->axes[a].n; v++) {
            if (v) sb_puts(&b, ", ");
            html_escape(&b, sw->axes[a].values[v]);
        }
        sb_puts(&b, "</td></tr>\n");
    }
    sb_puts(&b, "</table>\n");
    report_section_end(&b);
    report_provenance(&b, (const ps_results *const *)sw->res, (const char *const *)sw->folders, (int)sw->npoints);
    report_end(&b);
    return sb_take(&b);
}

/*
 * report: the page of report.html and its tables. See report.h.
 *
 * Written for a room of people who are not modellers: plain names for
 * outcomes, numbers rounded to what the replicates can support, every
 * number with its 95% interval, and a plain statement wherever an
 * interval still includes "no difference", with how many replicates would
 * be needed to tell.
 */
#include "report.h"

#include <math.h>
#include <string.h>

#include "alloc.h"
#include "compare.h"
#include "interventions.h"
#include "results.h"
#include "scenario.h"
#include "svg.h"

/* ------------------------------------------------------------ outcome names */

static const struct {
    const char *name, *label;
    int better;
} outcome_labels[] = {
    { "prevalence.adults_not_well", "Adults not well (struggling, in crisis or recovering)", -1 },
    { "prevalence.onsets_per_1000_adults_per_year", "New spells of poor wellbeing, per 1,000 adults a year", -1 },
    { "safety_one.crisis_episodes_per_1000_adults_per_year", "Crisis episodes, per 1,000 adults a year", -1 },
    { "safety_one.crisis_episodes", "Crisis episodes", -1 },
    { "safety_one.person_weeks_in_crisis", "Weeks people spent in crisis", -1 },
    { "safety_one.ae_attendances", "A&E attendances in crisis", -1 },
    { "safety_one.admissions", "Mental-health admissions", -1 },
    { "safety_one.inpatient_bed_weeks", "Inpatient bed-weeks", -1 },
    { "safety_one.crises_without_care", "Crises that met no care", -1 },
    { "safety_two.weeks_well_per_adult_per_year", "Weeks lived well, per adult a year", 1 },
    { "safety_two.qalys", "Quality-adjusted life years (QALYs), all adults", 1 },
    { "safety_two.qalys_per_adult_per_year", "QALYs per adult a year", 1 },
    { "safety_two.employment_rate", "Working-age adults in work", 1 },
    { "safety_two.unemployment_rate", "Unemployment rate", -1 },
    { "safety_two.lonely_share", "Adults who are lonely", -1 },
    { "safety_two.social_capital", "Social capital (index 0 to 1)", 1 },
    { "safety_two.volunteers_per_1000_adults", "Volunteers, per 1,000 adults", 1 },
    { "determinants.adults_in_problem_debt", "Adults in problem debt", -1 },
    { "determinants.households_in_problem_debt", "Households in problem debt", -1 },
    { "determinants.renters_housing_insecure", "Renting households facing housing insecurity", -1 },
    { "services.crises_seen_by_crisis_team", "Crises seen by the crisis team", 1 },
    { "services.crisis_team_utilisation", "Crisis team caseload, share of places", 0 },
    { "services.ae_attendances_admitted", "A&E attendances admitted", 0 },
    { "services.support_referrals", "Referrals to support services", 0 },
    { "services.lost_between_services", "People lost between services", -1 },
    { "money.cost_total", "Cost of services, all agencies", 0 },
    { "money.cost_per_adult_per_year", "Cost per adult a year", 0 },
    { "money.planned_weekly_budget", "Planned weekly budget", 0 },
    { "equity.prevalence_most_deprived_quintile", "Adults not well, most deprived fifth", -1 },
    { "equity.prevalence_least_deprived_quintile", "Adults not well, least deprived fifth", -1 },
    { "equity.crisis_rate_most_deprived_quintile", "Crisis rate, most deprived fifth", -1 },
    { "equity.crisis_rate_least_deprived_quintile", "Crisis rate, least deprived fifth", -1 },
    { "resilience.prevalence_baseline", "Adults not well before the shock", -1 },
    { "resilience.prevalence_depth", "Adults not well: rise above the level before the shock", -1 },
    { "resilience.prevalence_recovery_weeks", "Adults not well: weeks to recover", -1 },
    { "resilience.prevalence_area", "Adults not well: area of the resilience triangle", -1 },
    { "resilience.crisis_rate_baseline", "Crisis rate before the shock", -1 },
    { "resilience.crisis_rate_depth", "Crisis rate: rise above the level before the shock", -1 },
    { "resilience.crisis_rate_recovery_weeks", "Crisis rate: weeks to recover", -1 },
    { "resilience.crisis_rate_area", "Crisis rate: area of the resilience triangle", -1 },
    { "equity.crisis_rate_ratio", "Crisis rate, most / least deprived fifth", -1 },
    { "equity.crisis_rate_gap", "Crisis rate gap, most minus least deprived fifth", -1 },
    { "equity.prevalence_ratio", "Adults not well, most / least deprived fifth", -1 },
    { "equity.prevalence_gap", "Adults not well, gap between most and least deprived fifths", -1 },
    { "derived.crises_averted", "Crisis episodes averted", 1 },
    { "derived.crises_averted_per_year", "Crisis episodes averted a year", 1 },
    { "derived.qalys_gained", "QALYs gained", 1 },
    { "derived.net_cost", "Net cost, all agencies", 0 },
    { "derived.net_monetary_benefit", "Net monetary benefit", 1 },
    { "derived.cost_per_crisis_averted", "Cost per crisis averted", 0 },
    { "derived.cost_per_qaly_gained", "Cost per QALY gained", 0 },
    { "derived.return_per_pound", "Return per pound: saved elsewhere per pound spent", 1 },
};

void report_words(char *buf, size_t size, const char *s, size_t n)
{
    ps_fmt(buf, size, "%.*s", (int)n, s);
    for (char *p = buf; *p; p++)
        if (*p == '_') *p = ' ';
}

const char *report_agency_words(const char *code, char *buf, size_t size)
{
    static const struct {
        const char *code, *words;
    } known[] = {
        { "council", "Council" },
        { "dwp", "DWP (benefits and work)" },
        { "integrated", "Integrated teams (pooled budget)" },
        { "nhs_acute", "NHS hospitals (A&E and beds)" },
        { "nhs_mental_health", "NHS mental health" },
        { "nhs_primary_care", "NHS primary care (GPs)" },
        { "vcse", "Voluntary and community sector" },
        { "local_authority", "Council" },
        { "police", "Police" },
    };
    for (size_t i = 0; i < sizeof known / sizeof *known; i++)
        if (!strcmp(code, known[i].code)) return known[i].words;
    report_words(buf, size, code, strlen(code));
    if (buf[0] >= 'a' && buf[0] <= 'z') buf[0] = (char)(buf[0] - 'a' + 'A');
    return buf;
}

const char *report_outcome_label(const char *name, int *better, char *buf, size_t size)
{
    static const struct {
        const char *suffix, *words;
        int better;
    } per_service[] = { { "referrals", "referrals", 0 },          { "started", "episodes started", 0 },
                        { "mean_wait_weeks", "mean wait", -1 },   { "dropout_share", "share who dropped out", -1 },
                        { "utilisation", "share of places in use", 0 }, { "lost_at_handoff", "lost at hand-offs", -1 } };
    if (better) *better = 0;
    for (size_t i = 0; i < sizeof outcome_labels / sizeof *outcome_labels; i++)
        if (!strcmp(outcome_labels[i].name, name)) {
            if (better) *better = outcome_labels[i].better;
            return outcome_labels[i].label;
        }
    char w[96];
    if (!strncmp(name, "money.cost_", 11)) {
        ps_fmt(buf, size, "Cost to %s", report_agency_words(name + 11, w, sizeof w));
        return buf;
    }
    const char *dot = strrchr(name, '.');
    if (!strncmp(name, "services.", 9) && dot && dot > name + 9) {
        report_words(w, sizeof w, name + 9, (size_t)(dot - name - 9));
        for (size_t i = 0; i < sizeof per_service / sizeof *per_service; i++)
            if (!strcmp(dot + 1, per_service[i].suffix)) {
                if (better) *better = per_service[i].better;
                ps_fmt(buf, size, "%s: %s", w, per_service[i].words);
                return buf;
            }
    }
    if (!strncmp(name, "interventions.", 14) && dot && dot > name + 14) {
        report_words(w, sizeof w, name + 14, (size_t)(dot - name - 14));
        ps_fmt(buf, size, "Spent by %s on %s", w, dot + 1);
        return buf;
    }
    return name;
}

int report_is_total(const char *unit)
{
    static const char *const totals[] = { "episodes", "attendances", "admissions", "bed-weeks", "person-weeks",
                                          "referrals", "people", "GBP", "QALYs" };
    for (size_t i = 0; unit && i < sizeof totals / sizeof *totals; i++)
        if (!strcmp(unit, totals[i])) return 1;
    return 0;
}

/* The headline: what a workshop looks at first. Totals over the run are
 * shown a year (per_year) so runs of any length read the same way. */
static const struct {
    const char *name;
    int per_year;
} headline[] = {
    { "safety_one.crisis_episodes_per_1000_adults_per_year", 0 },
    { "prevalence.adults_not_well", 0 },
    { "safety_one.ae_attendances", 1 },
    { "safety_one.admissions", 1 },
    { "safety_two.weeks_well_per_adult_per_year", 0 },
    { "safety_two.qalys_per_adult_per_year", 0 },
    { "safety_two.employment_rate", 0 },
    { "safety_two.lonely_share", 0 },
    { "determinants.adults_in_problem_debt", 0 },
    { "equity.crisis_rate_ratio", 0 },
    { "money.cost_total", 1 },
};

/* ------------------------------------------------------------ page */

static const char *css =
    ":root{--ink:#1a1a1a;--muted:#5a5a5a;--rule:#d0d0d0;--good:#00684a;--bad:#a33a00;--note:#6b5b00}"
    "*{box-sizing:border-box}"
    "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif;color:var(--ink);"
    "margin:0 auto;max-width:1000px;padding:24px;line-height:1.45;font-size:15px;background:#fff}"
    "h1{font-size:26px;margin:0 0 4px}h2{font-size:20px;margin:28px 0 6px;border-bottom:2px solid var(--ink);"
    "padding-bottom:2px}h3{font-size:16px;margin:16px 0 4px}"
    "p.sub{color:var(--muted);margin:0 0 12px}.intro{color:var(--muted);margin:4px 0 10px}"
    "table{border-collapse:collapse;width:100%;margin:6px 0 12px;font-size:13px}"
    "th,td{border-bottom:1px solid var(--rule);padding:4px 6px;text-align:right;vertical-align:top}"
    "th:first-child,td:first-child{text-align:left}th{background:#f2f2f2;font-weight:600}"
    ".ci{display:block;color:var(--muted);font-size:11px}"
    ".good{color:var(--good);font-weight:600}.bad{color:var(--bad);font-weight:600}"
    ".unclear{color:var(--note);font-style:italic;font-size:11px;display:block}"
    ".figs{display:flex;flex-wrap:wrap;gap:10px}.figs svg{flex:0 0 auto}"
    ".nochart{flex:0 0 auto;align-self:flex-start;width:460px;max-width:100%;border:1px solid var(--rule);padding:10px 12px;"
    "font-size:13px;break-inside:avoid}.nochart p{margin:4px 0 0;color:var(--muted)}"
    "svg.chart{max-width:100%;height:auto;background:#fff;break-inside:avoid;page-break-inside:avoid}"
    "svg text{font-size:11px;fill:var(--ink)}svg text.ct{font-size:13px;font-weight:600}"
    "svg text.tick{fill:var(--muted)}svg text.al{font-size:11.5px}svg text.lg{font-size:11px}"
    "svg text.tl{font-size:11px;font-weight:600}svg text.tv{font-size:10.5px}"
    "svg .grid{stroke:#e6e6e6;stroke-width:1}svg .axis{stroke:#555;stroke-width:1}"
    "svg .line{fill:none;stroke-width:2}svg .band{opacity:.09;stroke:none}svg .tri{opacity:.22;stroke:none}"
    "svg .ref{stroke-width:1.2;stroke-dasharray:5 3}svg .span{fill:#f3e3b5;opacity:.6}"
    "svg .whisker{stroke:#222;stroke-width:1.2;fill:none}"
    "table.grid{width:auto;min-width:50%}table.grid td{text-align:center;min-width:110px}"
    "table.grid .ci{color:inherit;opacity:.85}caption .ci{font-weight:400}caption{text-align:left;"
    "font-weight:600;padding:4px 0}"
    ".finding{border-left:4px solid var(--rule);padding:2px 10px;margin:8px 0}"
    ".finding ul{margin:4px 0;padding-left:20px}"
    "code{font-size:12px;background:#f4f4f4;padding:0 3px}"
    "details pre{font-size:10px;max-height:420px;overflow:auto;background:#f7f7f7;padding:8px}"
    ".swatch{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:-1px}"
    "section{break-before:auto}"
    ".printonly{display:none}"
    "@page{size:A4;margin:14mm 12mm}"
    "@media print{body{max-width:none;padding:0;font-size:10.5pt}h2{break-after:avoid;page-break-after:avoid}"
    "table{font-size:8.5pt}section.chapter{break-before:page;page-break-before:always}"
    "details pre{max-height:none;overflow:visible;white-space:pre-wrap}"
    ".figs{display:block}.figs svg{display:block;margin:0 auto 6px}tr{break-inside:avoid}"
    "h3,.intro,caption{break-after:avoid;page-break-after:avoid}table.grid{break-inside:avoid}"
    "details pre{display:none}.printonly{display:block}}";

void report_begin(sbuf *b, const char *title, const char *subtitle)
{
    sb_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
               "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
               "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
               "img-src data:\">\n<title>");
    html_escape(b, title);
    sb_printf(b, "</title>\n<style>%s</style>\n</head>\n<body>\n<header>\n<h1>", css);
    html_escape(b, title);
    sb_puts(b, "</h1>\n<p class=\"sub\">");
    html_escape(b, subtitle);
    sb_puts(b, "</p>\n</header>\n");
}

void report_end(sbuf *b)
{
    sb_printf(b, "<footer><p class=\"sub\">Made by placesim %s. Every number here can be reproduced from the "
                 "scenario files listed above with the same seed.</p></footer>\n</body>\n</html>\n",
              PS_VERSION);
}

void report_section(sbuf *b, const char *id, const char *title, const char *intro)
{
    sb_printf(b, "<section id=\"%s\">\n<h2>", id);
    html_escape(b, title);
    sb_puts(b, "</h2>\n");
    if (intro) {
        sb_puts(b, "<p class=\"intro\">");
        html_escape(b, intro);
        sb_puts(b, "</p>\n");
    }
}

void report_section_end(sbuf *b) { sb_puts(b, "</section>\n"); }

void report_value_ci(sbuf *b, double mean, double lo, double hi, const char *unit, int sign)
{
    char m[64], l[64], h[64];
    fmt_kind k = fmt_kind_of_unit(unit);
    fmt_human(m, sizeof m, mean, k, sign);
    html_escape(b, m);
    if (isfinite(lo) && isfinite(hi)) {
        fmt_human(l, sizeof l, lo, k, sign);
        fmt_human(h, sizeof h, hi, k, sign);
        sb_puts(b, "<span class=\"ci\">");
        html_escape(b, l);
        sb_puts(b, " to ");
        html_escape(b, h);
        sb_puts(b, "</span>");
    }
}

/* A t interval knows nothing of bounds: a count or share whose replicates
 * are all at or above zero can get a lower end below zero. Shown, that
 * end is cut at zero ("How to read" says so); the files keep it as is. */
void report_outcome_ci(sbuf *b, const outcome *o, int replicates, double scale)
{
    double lo = o->ci_low;
    int nonneg = replicates > 0 && o->values;
    for (int k = 0; nonneg && k < replicates; k++) nonneg = !(o->values[k] < 0);
    if (nonneg && lo < 0) lo = 0;
    report_value_ci(b, o->mean * scale, lo * scale, o->ci_high * scale, o->unit, 0);
}

/* ------------------------------------------------------------ headline */

static const outcome *outcome_of(const ps_results *r, const char *name)
{
    for (size_t i = 0; i < r->outcomes.n; i++)
        if (!strcmp(r->outcomes.items[i].name, name)) return &r->outcomes.items[i];
    return NULL;
}

static double years_of(const ps_results *r) { return r->layout.weeks / 52.0; }

static void header_row(const report_ctx *c, const char *first, int from)
{
    sb_puts(c->b, "<tr><th>");
    html_escape(c->b, first);
    sb_puts(c->b, "</th>");
    for (int i = from; i < c->n; i++) {
        sb_printf(c->b, "<th><span class=\"swatch\" style=\"background:%s\"></span>", svg_colour(i));
        html_escape(c->b, c->labels[i]);
        if (i == 0 && c->cmp) sb_puts(c->b, " (baseline)");
        sb_puts(c->b, "</th>");
    }
    sb_puts(c->b, "</tr>\n");
}

static void row_label(sbuf *b, const char *label, const char *unit_note)
{
    sb_puts(b, "<tr><td>");
    html_escape(b, label);
    if (unit_note) {
        sb_puts(b, "<span class=\"ci\">");
        html_escape(b, unit_note);
        sb_puts(b, "</span>");
    }
    sb_puts(b, "</td>");
}

/* A difference's cell: the value and interval, marked better or worse
 * when the interval excludes zero, or said to be unclear, with the
 * replicates needed, when it does not. */
static void diff_cell(sbuf *b, const ps_difference *d, int better, double scale)
{
    const char *cls = "";
    if (d->separated && better) cls = (d->mean > 0) == (better > 0) ? " class=\"good\"" : " class=\"bad\"";
    sb_printf(b, "<td><span%s>", cls);
    report_value_ci(b, d->mean * scale, d->ci_low * scale, d->ci_high * scale, d->unit, 1);
    sb_puts(b, "</span>");
    double rc = 100 * d->relative_change;
    if (!d->ratio && isfinite(rc) && d->mean != 0)
        sb_printf(b, "<span class=\"ci\">%s%.*f%% on the baseline</span>", rc < 0 ? "\u2212" : "+",
                  fabs(rc) < 0.995 ? 2 : fabs(rc) < 99.5 ? 1 : 0, fabs(rc));
    if (!d->ratio && !d->separated && d->n > 1) {
        sb_puts(b, "<span class=\"unclear\">");
        if (d->mean == 0 && d->sd == 0) sb_puts(b, "no difference in any replicate");
        else if (isfinite(d->replicates_needed) && d->replicates_needed <= 1000)
            sb_printf(b, "not yet clear: about %.0f replicates needed", d->replicates_needed);
        else sb_puts(b, "no clear difference: too small to tell with fewer than 1,000 replicates");
        sb_puts(b, "</span>");
    }
    sb_puts(b, "</td>");
}

static void headline_tables(const report_ctx *c)
{
    sbuf *b = c->b;
    char note[96], lbuf[160];
    sb_puts(b, "<h3>Outcomes by scenario</h3>\n<table>\n");
    header_row(c, "Outcome (mean of replicates, 95% interval beneath)", 0);
    for (size_t h = 0; h < sizeof headline / sizeof *headline; h++) {
        const outcome *o0 = outcome_of(c->res[0], headline[h].name);
        if (!o0) continue;
        ps_fmt(note, sizeof note, "%s%s", headline[h].per_year ? "a year" : o0->unit, "");
        row_label(b, report_outcome_label(headline[h].name, NULL, lbuf, sizeof lbuf), note);
        for (int i = 0; i < c->n; i++) {
            const outcome *o = outcome_of(c->res[i], headline[h].name);
            double s = headline[h].per_year ? 1 / years_of(c->res[i]) : 1;
            sb_puts(b, "<td>");
            if (o) report_outcome_ci(b, o, c->res[i]->replicates, s);
            sb_puts(b, "</td>");
        }
        sb_puts(b, "</tr>\n");
    }
    sb_puts(b, "</table>\n");
    if (!c->cmp) return;
    sb_puts(b, "<h3>Difference from the baseline, paired replicate by replicate</h3>\n<table>\n");
    header_row(c, "Outcome (difference, 95% interval beneath)", 1);
    for (size_t h = 0; h < sizeof headline / sizeof *headline; h++) {
        ps_difference d;
        if (!strcmp(headline[h].name, "money.cost_total")) continue; /* the net cost below */
        if (ps_comparison_find(c->cmp, 0, headline[h].name, &d)) continue;
        int better;
        const char *label = report_outcome_label(headline[h].name, &better, lbuf, sizeof lbuf);
        ps_fmt(note, sizeof note, "%s", headline[h].per_year ? "a year" : d.unit);
        row_label(b, label, note);
        for (int i = 1; i < c->n; i++) {
            if (ps_comparison_find(c->cmp, (size_t)i - 1, headline[h].name, &d)) {
                sb_puts(b, "<td></td>");
                continue;
            }
            diff_cell(b, &d, better, headline[h].per_year ? 1 / years_of(c->res[0]) : 1);
        }
        sb_puts(b, "</tr>\n");
    }
    static const char *const derived[] = { "derived.crises_averted_per_year", "derived.qalys_gained",
                                           "derived.net_cost",
                                           "derived.cost_per_crisis_averted", "derived.cost_per_qaly_gained",
                                           "derived.return_per_pound", "derived.net_monetary_benefit" };
    for (size_t h = 0; h < sizeof derived / sizeof *derived; h++) {
        ps_difference d;
        if (ps_comparison_find(c->cmp, 0, derived[h], &d)) continue;
        int better;
        const char *label = report_outcome_label(derived[h], &better, lbuf, sizeof lbuf);
        int yearly = !strcmp(derived[h], "derived.qalys_gained") || !strcmp(derived[h], "derived.net_cost") ||
                     !strcmp(derived[h], "derived.net_monetary_benefit");
        const char *u = d.unit;
        if (yearly) u = !strcmp(derived[h], "derived.qalys_gained") ? "QALYs a year" : "GBP a year";
        row_label(b, label, d.ratio ? "interval by paired bootstrap" : u);
        for (int i = 1; i < c->n; i++) {
            if (ps_comparison_find(c->cmp, (size_t)i - 1, derived[h], &d)) {
                sb_puts(b, "<td></td>");
                continue;
            }
            if (d.note) sb_printf(b, "<td><span class=\"unclear\">%s</span></td>", d.note);
            else diff_cell(b, &d, better, yearly ? 1 / years_of(c->res[0]) : 1);
        }
        sb_puts(b, "</tr>\n");
    }
    sb_puts(b, "</table>\n");
}

/* The tail of a finding: its interval, and a plain warning when the
 * interval still includes no difference. flip shows a negative
 * difference as its size ("2 more crises" for -2 averted). */
static void finding_tail(sbuf *b, const ps_difference *d, double scale, fmt_kind kind, int flip)
{
    double lo = d->ci_low * scale, hi = d->ci_high * scale;
    if (flip) {
        double t = -lo;
        lo = -hi;
        hi = t;
    }
    if (isfinite(lo) && isfinite(hi)) {
        char l[64], h[64];
        fmt_human(l, sizeof l, lo, kind, 0);
        fmt_human(h, sizeof h, hi, kind, 0);
        sb_puts(b, " (95% interval ");
        html_escape(b, l);
        sb_puts(b, " to ");
        html_escape(b, h);
        sb_puts(b, ")");
    }
    if (!d->ratio && !d->separated && d->n > 1) {
        if (d->mean == 0 && d->sd == 0) sb_puts(b, ": no difference in any replicate");
        else if (isfinite(d->replicates_needed) && d->replicates_needed <= 1000)
            sb_printf(b, ": <em>not yet clear; about %.0f replicates would tell at this size of effect</em>",
                      d->replicates_needed);
        else sb_puts(b, ": <em>no clear difference; too small to tell with fewer than 1,000 replicates</em>");
    }
    sb_puts(b, ".</li>\n");
}

/* "<li>3.25 fewer crisis episodes a year (95% interval ...)": the words
 * for a rise (up) or a fall (down) follow the number's size. */
static void finding(sbuf *b, const ps_comparison *cmp, size_t s, const char *name, double scale, fmt_kind kind,
                    const char *up, const char *down)
{
    ps_difference d;
    if (ps_comparison_find(cmp, s, name, &d) || !isfinite(d.mean)) return;
    int flip = d.mean < 0;
    char m[64];
    fmt_human(m, sizeof m, fabs(d.mean) * scale, kind, 0);
    sb_puts(b, "<li><strong>");
    html_escape(b, m);
    sb_puts(b, "</strong> ");
    html_escape(b, flip ? down : up);
    finding_tail(b, &d, scale, kind, flip);
}

/* Ratios are told only where they mean what they say: a cost per crisis
 * averted when crises are averted at a cost (the note says otherwise). */
static void ratio_finding(sbuf *b, const ps_comparison *cmp, size_t s, const char *name, const char *words,
                          const char *dominant)
{
    ps_difference d;
    if (ps_comparison_find(cmp, s, name, &d)) return;
    if (d.note) {
        if (strcmp(d.note, "saves money as well")) return; /* nothing gained: said above */
        sb_puts(b, "<li>");
        html_escape(b, dominant);
        sb_puts(b, ".</li>\n");
        return;
    }
    if (!isfinite(d.mean)) return;
    char m[64];
    fmt_human(m, sizeof m, d.mean, FMT_GBP, 0);
    sb_puts(b, "<li><strong>");
    html_escape(b, m);
    sb_puts(b, "</strong> ");
    html_escape(b, words);
    finding_tail(b, &d, 1, FMT_GBP, 0);
}

static void findings(const report_ctx *c)
{
    sbuf *b = c->b;
    double y = 1 / years_of(c->res[0]);
    for (int i = 1; i < c->n; i++) {
        size_t s = (size_t)i - 1;
        sb_printf(b, "<div class=\"finding\" style=\"border-color:%s\"><strong>", svg_colour(i));
        html_escape(b, c->labels[i]);
        sb_puts(b, "</strong> compared with <strong>");
        html_escape(b, c->labels[0]);
        sb_puts(b, "</strong>:<ul>\n");
        finding(b, c->cmp, s, "derived.crises_averted_per_year", 1, FMT_NUMBER, "fewer crisis episodes a year",
                "more crisis episodes a year");
        finding(b, c->cmp, s, "safety_two.weeks_well_per_adult_per_year", 7, FMT_NUMBER,
                "more days lived well, per adult a year", "fewer days lived well, per adult a year");
        finding(b, c->cmp, s, "derived.qalys_gained", y, FMT_NUMBER, "quality-adjusted life years gained a year",
                "quality-adjusted life years lost a year");
        finding(b, c->cmp, s, "derived.net_cost", y, FMT_GBP, "a year more spent across all agencies",
                "a year saved across all agencies");
        ratio_finding(b, c->cmp, s, "derived.cost_per_crisis_averted", "for each crisis episode averted",
                      "It averts crises and saves money");
        ratio_finding(b, c->cmp, s, "derived.cost_per_qaly_gained", "for each quality-adjusted life year gained",
                      "It gains QALYs and saves money");
        ps_difference d;
        if (!ps_comparison_find(c->cmp, s, "derived.return_per_pound", &d) && isfinite(d.mean)) {
            char m[64];
            fmt_human(m, sizeof m, d.mean, FMT_GBP, 0);
            sb_puts(b, "<li><strong>");
            html_escape(b, m);
            sb_puts(b, "</strong> saved by the agencies that spend less for each \u00a31 the others spend more");
            finding_tail(b, &d, 1, FMT_GBP, 0);
        }
        sb_puts(b, "</ul></div>\n");
    }
}

/* ------------------------------------------------------------ provenance */

void report_provenance(sbuf *b, const ps_results *const *res, const char *const *labels, int n)
{
    report_section(b, "provenance", "Scenario files and provenance",
                   "What was run, so that anyone can run it again and get the same numbers.");
    sb_puts(b, "<table><tr><th>Scenario</th><th>File</th><th>Scenario hash</th><th>Seed</th><th>Replicates</th>"
               "<th>Weeks (burn-in)</th><th>People</th><th>Households</th></tr>\n");
    for (int i = 0; i < n; i++) {
        const ps_config *cfg = res[i]->cfg;
        sb_puts(b, "<tr><td>");
        html_escape(b, labels[i]);
        sb_puts(b, "<span class=\"ci\">");
        html_escape(b, cfg->name);
        sb_puts(b, "</span></td><td style=\"text-align:left\"><code>");
        html_escape(b, ps_scenario_path(res[i]->scenario));
        char people[32], homes[32];
        fmt_int(people, sizeof people, res[i]->persons);
        fmt_int(homes, sizeof homes, res[i]->households);
        sb_printf(b, "</code></td><td><code>%s</code></td><td>%llu</td><td>%d</td><td>%d (%d)</td><td>%s</td>"
                     "<td>%s</td></tr>\n",
                  scenario_hash(res[i]->scenario), (unsigned long long)cfg->seed, res[i]->replicates, cfg->weeks,
                  cfg->burn_in_weeks, people, homes);
    }
    sb_puts(b, "</table>\n");
    for (int i = 0; i < n; i++) {
        const ps_config *cfg = res[i]->cfg;
        if (cfg->n_interventions) {
            sb_puts(b, "<p>Intervention scripts of ");
            html_escape(b, labels[i]);
            sb_puts(b, ":</p><ul>\n");
            const script_src *src = scenario_scripts(res[i]->scenario);
            for (int k = 0; k < cfg->n_interventions; k++) {
                sb_puts(b, "<li><code>");
                html_escape(b, cfg->interventions[k].name);
                sb_puts(b, "</code>: <code>");
                html_escape(b, src ? src[k].path : cfg->interventions[k].script);
                if (src) sb_printf(b, "</code> (hash <code>%s</code>)", src[k].hash);
                else sb_puts(b, "</code>");
                sb_printf(b, ", weeks %d to %d</li>\n", cfg->interventions[k].start_week,
                          cfg->interventions[k].end_week ? cfg->interventions[k].end_week - 1 : cfg->weeks - 1);
            }
            sb_puts(b, "</ul>\n");
        }
        char *json = ps_scenario_resolved_json(res[i]->scenario);
        sb_puts(b, "<details><summary>Resolved scenario of ");
        html_escape(b, labels[i]);
        sb_puts(b, " (rerunning it reproduces the run exactly)</summary><pre>");
        html_escape(b, json ? json : "(out of memory)");
        sb_puts(b, "</pre></details>\n");
        ps_free(json);
    }
    /* on paper the resolved scenarios would take pages each */
    sb_puts(b, "<p class=\"printonly\">The resolved scenarios are not printed: each is <code>scenario.resolved.json"
               "</code> in its run's folder, beside this report.</p>\n");
    report_section_end(b);
}

static void about(const report_ctx *c)
{
    sbuf *b = c->b;
    report_section(b, "about", "How to read these numbers", NULL);
    sb_puts(b, "<p>placesim simulates every household and person in the place week by week. Chance plays a part "
               "(who loses a job, who reaches crisis), so each scenario is run several times, as "
               "<em>replicates</em>, and the report shows the mean with a <em>95% interval</em>: the range the "
               "mean is likely to lie in, given how much the replicates differ. With few replicates that range "
               "can reach below zero for something that cannot be negative; where no replicate was below zero, "
               "the report cuts it at zero (the CSV and JSON files keep it as computed).</p>\n");
    if (c->cmp)
        sb_puts(b, "<p>Scenarios are compared fairly: replicate 1 of every scenario has the same households and "
                   "the same luck, and so on for each replicate (common random numbers). A difference is worked "
                   "out replicate by replicate, so it measures the policy rather than chance. Where a difference's "
                   "interval still includes zero the report says <em>not yet clear</em> and estimates how many "
                   "replicates would be needed to tell, if the difference is as large as it now seems (or says "
                   "<em>no clear difference</em> when even 1,000 would not). Beneath each difference is its "
                   "size as a share of the baseline's mean. Ratios "
                   "(cost per crisis averted, return per pound) have intervals from a paired bootstrap. QALYs "
                   "are valued at ");
    if (c->cmp) {
        char v[64];
        fmt_human(v, sizeof v, c->cmp->opt.qaly_value, FMT_GBP, 0);
        html_escape(b, v);
        sb_puts(b, " each for the net monetary benefit. Differences in shares are in percentage points (pp).</p>\n");
    }
    sb_puts(b, "<p>Bands on charts over time span the middle 90% of replicates. Costs are what services spent "
               "as demand arose, by the agency that pays. The model, its figures and their sources are in "
               "docs/model.md; every number in this report is in the CSV and JSON files beside it.</p>\n");
    report_section_end(b);
}

/* Who is who: each scenario's short name, colour, title and description. */
static void scenario_list(const report_ctx *c)
{
    sbuf *b = c->b;
    sb_puts(b, "<table><tr><th>Scenario</th><th style=\"text-align:left\">What it is</th></tr>\n");
    for (int i = 0; i < c->n; i++) {
        const ps_config *cfg = c->res[i]->cfg;
        sb_printf(b, "<tr><td style=\"white-space:nowrap\"><span class=\"swatch\" style=\"background:%s\"></span><strong>",
                  svg_colour(i));
        html_escape(b, c->labels[i]);
        sb_puts(b, "</strong>");
        if (i == 0) sb_puts(b, "<span class=\"ci\">the baseline</span>");
        sb_puts(b, "</td><td style=\"text-align:left\"><strong>");
        html_escape(b, cfg->name);
        sb_puts(b, "</strong>");
        if (cfg->description && *cfg->description) {
            sb_puts(b, "<span class=\"ci\">");
            html_escape(b, cfg->description);
            sb_puts(b, "</span>");
        }
        sb_puts(b, "</td></tr>\n");
    }
    sb_puts(b, "</table>\n");
}

/* ------------------------------------------------------------ the page */

int report_has_shock(const report_ctx *c)
{
    for (int i = 0; i < c->n; i++)
        if (c->res[i]->cfg->n_shocks) return 1;
    return 0;
}

char *report_html(const ps_results *const *res, const char *const *labels, int n, const ps_comparison *cmp)
{
    sbuf b = { 0 };
    report_ctx c = { &b, res, labels, n, cmp };
    const ps_config *cfg = res[0]->cfg;
    char title[512], sub[512];
    if (cmp) ps_fmt(title, sizeof title, "%s: %d scenarios compared", cfg->place.name, n);
    else ps_fmt(title, sizeof title, "%s", cfg->name);
    char people[32], homes[32];
    fmt_int(people, sizeof people, res[0]->persons);
    fmt_int(homes, sizeof homes, res[0]->households);
    ps_fmt(sub, sizeof sub, "%s \u00b7 %s people in %s households \u00b7 %d replicates of %.3g years each, after %d "
                            "weeks' burn-in \u00b7 seed %llu",
           cfg->place.name, people, homes, res[0]->replicates, cfg->weeks / 52.0, cfg->burn_in_weeks,
           (unsigned long long)cfg->seed);
    report_begin(&b, title, sub);
    report_section(&b, "headline", cmp ? "Headline: the scenarios side by side" : "Headline outcomes",
                   cmp ? "The main outcomes of each scenario, then how each differs from the baseline."
                       : "The main outcomes of the run: means over replicates, with 95% intervals.");
    if (!cmp && cfg->description && *cfg->description) {
        sb_puts(&b, "<p>");
        html_escape(&b, cfg->description);
        sb_puts(&b, "</p>\n");
    }
    if (cmp) {
        scenario_list(&c);
        findings(&c);
    }
    headline_tables(&c);
    report_section_end(&b);
    report_over_time(&c);
    report_costs(&c);
    report_safety(&c, 0);
    report_safety(&c, 1);
    report_equity(&c);
    report_services(&c);
    if (report_has_shock(&c)) report_resilience(&c);
    report_neighbourhoods(&c);
    if (cmp) report_what_changed(&c);
    about(&c);
    report_provenance(&b, res, labels, n);
    report_end(&b);
    return sb_take(&b);
}

/*
 * compare: paired differences between runs under common random numbers.
 *
 * Replicate k of every scenario in a comparison has the same households
 * and the same luck, so other_k - base_k is the effect of the policy in
 * that replicate, and the differences vary far less than either run does.
 * Intervals are therefore taken over the paired differences (Student t),
 * never by subtracting two runs' intervals. Ratios of differences (cost
 * per crisis averted and the like) have no t interval; theirs come from a
 * paired bootstrap over replicates, with a fixed PCG stream so the same
 * comparison gives the same interval every time.
 */
#include "compare.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "alloc.h"
#include "err.h"
#include "metrics.h"
#include "population.h"
#include "results.h"
#include "rng.h"
#include "scenario.h"

void ps_compare_options_init(ps_compare_options *o)
{
    memset(o, 0, sizeof *o);
    o->qaly_value = 20000;
    o->bootstrap = 2000;
}

/* ------------------------------------------------------------ statistics */

double compare_replicates_needed(double mean, double sd)
{
    if (!isfinite(mean) || !isfinite(sd) || mean == 0) return NAN;
    if (sd == 0) return 2;
    const double z80 = 0.841621; /* one-sided 80% quantile of the normal */
    double k = (sd / mean) * (sd / mean);
    /* the smallest m with (t(m-1) + z80)^2 k <= m; the left side falls and
     * the right rises with m, so a search by halving finds it */
#define ENOUGH(m) ((stats_t975((int)(m) - 1) + z80) * (stats_t975((int)(m) - 1) + z80) * k <= (m))
    double lo = 2, hi = 2;
    while (!ENOUGH(hi) && hi < 1e6) hi *= 2;
    if (!ENOUGH(hi)) return 1e6;
    if (ENOUGH(lo)) return 2;
    while (hi - lo > 1) { /* ENOUGH(hi), !ENOUGH(lo) */
        double mid = floor((lo + hi) / 2);
        if (ENOUGH(mid)) hi = mid;
        else lo = mid;
    }
#undef ENOUGH
    return hi;
}

/* Summary of differences d[0..n-1] (all finite) into out. */
static void summarise_diffs(const double *d, int n, ps_difference *out)
{
    out->n = n;
    if (n == 0) {
        out->mean = out->sd = out->ci_low = out->ci_high = NAN;
        out->separated = 0;
        out->replicates_needed = NAN;
        return;
    }
    stats_summarise(d, n, &out->mean, &out->sd, &out->ci_low, &out->ci_high);
    if (n == 1) out->ci_low = out->ci_high = NAN;
    out->separated = n > 1 && (out->ci_low > 0 || out->ci_high < 0);
    out->replicates_needed = NAN;
    if (!out->separated) { /* what we have did not tell, so at least one more */
        double m = compare_replicates_needed(out->mean, out->sd);
        out->replicates_needed = isnan(m) ? m : m > n ? m : n + 1;
    }
}

void compare_paired(const double *base, const double *other, int n, double *d, ps_difference *out)
{
    const char *name = out->outcome, *unit = out->unit;
    memset(out, 0, sizeof *out);
    out->outcome = name;
    out->unit = unit;
    double local[256] = { 0 }; /* (zeroed only to quiet -O1's maybe-uninitialized) */
    double *x = n <= 256 ? local : ps_calloc((size_t)n, sizeof *x);
    int m = 0;
    double sb = 0, so = 0;
    for (int k = 0; k < n; k++) {
        double v = isnan(base[k]) || isnan(other[k]) ? NAN : other[k] - base[k];
        if (d) d[k] = v;
        if (isnan(v)) continue;
        sb += base[k];
        so += other[k];
        if (x) x[m] = v;
        m++;
    }
    if (!x) m = 0; /* out of memory: report nothing rather than something wrong */
    summarise_diffs(x, m, out);
    if (x != local) ps_free(x);
    out->baseline_mean = m ? sb / m : NAN;
    out->scenario_mean = m ? so / m : NAN;
    if (m == 0 && x) { /* nothing to pair (a service only one side has): each side's own mean */
        int nb = 0, no = 0;
        for (int k = 0; k < n; k++) {
            if (!isnan(base[k])) sb += base[k], nb++;
            if (!isnan(other[k])) so += other[k], no++;
        }
        out->baseline_mean = nb ? sb / nb : NAN;
        out->scenario_mean = no ? so / no : NAN;
    }
    out->relative_change = m && out->baseline_mean != 0 ? out->mean / out->baseline_mean : NAN;
}

/* ------------------------------------------------------------ bootstrap */

/* A statistic of the replicates idx[0..n-1] (a resample, or 0..n-1). */
typedef double (*boot_stat)(const void *ctx, const int *idx, int n);

typedef struct ratio_ctx {
    const double *num, *den;
} ratio_ctx;

static double stat_ratio(const void *vctx, const int *idx, int n)
{
    const ratio_ctx *c = vctx;
    double a = 0, b = 0;
    for (int k = 0; k < n; k++) {
        a += c->num[idx[k]];
        b += c->den[idx[k]];
    }
    return b != 0 ? a / b : NAN;
}

/* Return per pound: what agencies that spend less save, per pound that
 * agencies that spend more put in, from mean differences by agency. */
typedef struct rpp_ctx {
    const double *const *agency; /* [na][R] differences */
    int na;
} rpp_ctx;

static double stat_return_per_pound(const void *vctx, const int *idx, int n)
{
    const rpp_ctx *c = vctx;
    double extra = 0, saved = 0;
    for (int a = 0; a < c->na; a++) {
        double s = 0;
        for (int k = 0; k < n; k++) s += c->agency[a][idx[k]];
        s /= n;
        if (s > 0) extra += s;
        else saved -= s;
    }
    return extra > 0 ? saved / extra : NAN;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Point estimate on all replicates, and the 2.5% and 97.5% quantiles of B
 * resamples (resamples where the statistic is undefined are left out). */
static void bootstrap(boot_stat f, const void *ctx, int n, int B, uint64_t seed, ps_difference *out)
{
    out->ratio = 1;
    out->sd = out->replicates_needed = NAN;
    out->separated = 0;
    out->n = n;
    out->ci_low = out->ci_high = NAN;
    int *idx = ps_calloc((size_t)n, sizeof *idx);
    double *v = ps_calloc((size_t)(B > 0 ? B : 1), sizeof *v);
    if (!idx || !v) {
        out->mean = NAN;
        ps_free(idx);
        ps_free(v);
        return;
    }
    for (int k = 0; k < n; k++) idx[k] = k;
    out->mean = f(ctx, idx, n);
    if (isfinite(out->mean) && n > 1) {
        pcg32 g;
        pcg32_seed(&g, seed, UINT64_C(0xb0075742)); /* the same resamples for every ratio */
        int m = 0;
        for (int b = 0; b < B; b++) {
            for (int k = 0; k < n; k++) idx[k] = (int)pcg32_bounded(&g, (uint32_t)n);
            double x = f(ctx, idx, n);
            if (isfinite(x)) v[m++] = x;
        }
        if (m >= 40) {
            qsort(v, (size_t)m, sizeof *v, cmp_double);
            double lo = 0.025 * (m - 1), hi = 0.975 * (m - 1);
            int l = (int)lo, h = (int)hi;
            out->ci_low = v[l] + (lo - l) * (l + 1 < m ? v[l + 1] - v[l] : 0);
            out->ci_high = v[h] + (hi - h) * (h + 1 < m ? v[h + 1] - v[h] : 0);
        }
    }
    ps_free(idx);
    ps_free(v);
}

/* ------------------------------------------------------------ items */

static const outcome *find_outcome(const ps_results *r, const char *name)
{
    for (size_t i = 0; i < r->outcomes.n; i++)
        if (!strcmp(r->outcomes.items[i].name, name)) return &r->outcomes.items[i];
    return NULL;
}

static cmp_item *new_item(cmp_scenario *s, const char *name, const char *unit, const char *group, int R)
{
    if (s->n == s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 128;
        cmp_item *ni = ps_reallocarray(s->items, nc, sizeof *ni);
        if (!ni) return NULL;
        s->items = ni;
        s->cap = nc;
    }
    cmp_item *it = &s->items[s->n];
    memset(it, 0, sizeof *it);
    ps_fmt(it->name, sizeof it->name, "%s", name);
    ps_fmt(it->group, sizeof it->group, "%s", group);
    it->unit = unit;
    it->d = ps_calloc((size_t)R, sizeof *it->d);
    if (!it->d) return NULL;
    s->n++;
    it->s.outcome = it->name;
    it->s.unit = unit;
    return it;
}

/* Costs absent on one side were not spent there: zero. Anything else
 * absent (a service only one scenario has) cannot be paired: NaN. */
static const double *side_values(const outcome *o, const outcome *other_side, const double *zeros,
                                 const double *nans)
{
    if (o) return o->values;
    return other_side && (other_side->agency || !strcmp(other_side->group, "interventions")) ? zeros : nans;
}

static ps_status pair_outcome(cmp_scenario *s, const outcome *ob, const outcome *oo, int R, const double *zeros,
                              const double *nans)
{
    const outcome *any = ob ? ob : oo;
    cmp_item *it = new_item(s, any->name, any->unit, any->group, R);
    if (!it) return PS_ERR_NOMEM;
    compare_paired(side_values(ob, oo, zeros, nans), side_values(oo, ob, zeros, nans), R, it->d, &it->s);
    return PS_OK;
}

/* A derived outcome from paired differences given per replicate. */
static cmp_item *derived(cmp_scenario *s, const char *name, const char *unit, const double *d, int R)
{
    cmp_item *it = new_item(s, name, unit, "derived", R);
    if (!it) return NULL;
    double *x = ps_calloc((size_t)R, sizeof *x);
    if (!x) return NULL;
    int m = 0;
    for (int k = 0; k < R; k++) {
        it->d[k] = d[k];
        if (!isnan(d[k])) x[m++] = d[k];
    }
    summarise_diffs(x, m, &it->s);
    ps_free(x);
    it->s.baseline_mean = it->s.scenario_mean = it->s.relative_change = NAN;
    return it;
}

static cmp_item *ratio_item(cmp_scenario *s, const char *name, const char *unit, boot_stat f, const void *ctx,
                            int R, const ps_compare_options *o, uint64_t seed)
{
    cmp_item *it = new_item(s, name, unit, "derived", R);
    if (!it) return NULL;
    for (int k = 0; k < R; k++) it->d[k] = NAN;
    bootstrap(f, ctx, R, o->bootstrap, seed, &it->s);
    it->s.baseline_mean = it->s.scenario_mean = it->s.relative_change = NAN;
    return it;
}

static const double *item_d(const cmp_scenario *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->items[i].name, name)) return s->items[i].d;
    return NULL;
}

static int is_agency_item(const cmp_item *it)
{
    return !strncmp(it->name, "money.cost_", 11) && strcmp(it->name, "money.cost_total") &&
           strcmp(it->name, "money.cost_per_adult_per_year");
}

/* Crises averted, QALYs gained, net cost, net monetary benefit, and the
 * ratios: cost per crisis averted, cost per QALY gained, return per pound.
 * (Each item's differences are their own allocation, so the pointers taken
 * here stay valid as items are added.) */
static ps_status add_derived(cmp_scenario *s, const ps_results *base, int R, const ps_compare_options *o)
{
    double *a = ps_calloc((size_t)R * 4, sizeof *a);
    if (!a) return PS_ERR_NOMEM;
    double *averted = a, *per_year = a + R, *nmb = a + 2 * R, *nans = a + 3 * R;
    for (int k = 0; k < R; k++) nans[k] = NAN;
    const double *ep = item_d(s, "safety_one.crisis_episodes");
    const double *q = item_d(s, "safety_two.qalys");
    const double *cost = item_d(s, "money.cost_total");
    if (!ep) ep = nans;
    if (!q) q = nans;
    if (!cost) cost = nans;
    double years = base->layout.weeks / 52.0;
    for (int k = 0; k < R; k++) {
        averted[k] = -ep[k];
        per_year[k] = averted[k] / years;
        nmb[k] = q[k] * o->qaly_value - cost[k];
    }
    ps_status st = PS_OK;
    if (!derived(s, "derived.crises_averted", "episodes over the run", averted, R) ||
        !derived(s, "derived.crises_averted_per_year", "episodes a year", per_year, R) ||
        !derived(s, "derived.qalys_gained", "QALYs over the run", q, R) ||
        !derived(s, "derived.net_cost", "GBP over the run", cost, R) ||
        !derived(s, "derived.net_monetary_benefit", "GBP over the run", nmb, R))
        st = PS_ERR_NOMEM;
    uint64_t seed = ps_scenario_seed(base->scenario);
    ratio_ctx per_crisis = { cost, averted }, per_qaly = { cost, q };
    if (!st && (!ratio_item(s, "derived.cost_per_crisis_averted", "GBP per episode averted", stat_ratio,
                            &per_crisis, R, o, seed) ||
                !ratio_item(s, "derived.cost_per_qaly_gained", "GBP per QALY gained", stat_ratio, &per_qaly, R,
                            o, seed)))
        st = PS_ERR_NOMEM;
    /* A cost per crisis averted is a price only when crises are clearly
     * averted at a cost. While the crises averted are not yet clear their
     * interval reaches zero, so the ratio's runs to infinity: it is not
     * given, and the note says why; nor when the scenario has more crises. */
    ps_difference gain_crises = { 0 }, gain_qalys = { 0 };
    for (size_t i = 0; !st && i < s->n; i++) {
        if (!strcmp(s->items[i].name, "derived.crises_averted")) gain_crises = s->items[i].s;
        if (!strcmp(s->items[i].name, "derived.qalys_gained")) gain_qalys = s->items[i].s;
    }
    for (size_t i = 0; !st && i < s->n; i++) {
        ps_difference *d = &s->items[i].s;
        int crisis = !strcmp(s->items[i].name, "derived.cost_per_crisis_averted");
        if (!crisis && strcmp(s->items[i].name, "derived.cost_per_qaly_gained")) continue;
        const ps_difference *g = crisis ? &gain_crises : &gain_qalys;
        double net = 0;
        for (int k = 0; k < R; k++) net += cost[k];
        if (!g->separated) d->note = crisis ? "crises averted not yet clear" : "QALYs gained not yet clear";
        else if (!(g->mean > 0)) d->note = crisis ? "averts no crises" : "gains no QALYs";
        else if (net <= 0) d->note = "saves money as well";
        if (d->note && strcmp(d->note, "saves money as well")) d->mean = d->ci_low = d->ci_high = NAN;
    }
    /* return per pound across agencies; an agency absent on one side spent nothing there */
    size_t na = 0;
    for (size_t i = 0; i < s->n; i++) na += (size_t)is_agency_item(&s->items[i]);
    double *ag = ps_calloc(na * (size_t)R + 1, sizeof *ag);
    const double **rows = ps_calloc(na + 1, sizeof *rows);
    if (!st && (!ag || !rows)) st = PS_ERR_NOMEM;
    if (!st) {
        size_t j = 0;
        for (size_t i = 0; i < s->n; i++) {
            if (!is_agency_item(&s->items[i])) continue;
            rows[j] = ag + j * (size_t)R;
            for (int k = 0; k < R; k++) ag[j * (size_t)R + (size_t)k] = s->items[i].d[k];
            j++;
        }
        rpp_ctx per_pound = { rows, (int)na };
        if (!ratio_item(s, "derived.return_per_pound", "GBP saved per GBP of extra spending",
                        stat_return_per_pound, &per_pound, R, o, seed))
            st = PS_ERR_NOMEM;
    }
    ps_free(ag);
    ps_free(rows);
    ps_free(a);
    return st;
}

/* ------------------------------------------------------------ checks */

/* The fingerprint of a scenario's population, synthesised or imported. */
static ps_status fingerprint(const ps_scenario *sc, uint64_t *out, ps_error *err)
{
    const popdata *pop = scenario_imported(sc);
    if (pop) {
        *out = population_fingerprint(pop);
        return PS_OK;
    }
    popdata synth;
    memset(&synth, 0, sizeof synth);
    ps_status st = population_synthesise(scenario_config(sc), &synth, err);
    if (!st) *out = population_fingerprint(&synth);
    popdata_release(&synth);
    return st;
}

static ps_status check_pair(const ps_scenario *a, const ps_scenario *b, int reps_a, int reps_b, uint64_t pop_a,
                            uint64_t pop_b, ps_error *err)
{
    const char *fa = ps_scenario_path(a), *fb = ps_scenario_path(b);
    const char *why = "a comparison pairs replicate k of each scenario, so they must share it";
    if (ps_scenario_seed(a) != ps_scenario_seed(b))
        return err_set(err, PS_ERR_INVALID, "%s: seed: expected the baseline's (%s) %llu, got %llu; %s", fb, fa,
                       (unsigned long long)ps_scenario_seed(a), (unsigned long long)ps_scenario_seed(b), why);
    if (reps_a != reps_b)
        return err_set(err, PS_ERR_INVALID, "%s: replicates: expected the baseline's (%s) %d, got %d; %s", fb, fa,
                       reps_a, reps_b, why);
    if (ps_scenario_weeks(a) != ps_scenario_weeks(b))
        return err_set(err, PS_ERR_INVALID, "%s: weeks: expected the baseline's (%s) %d, got %d; %s", fb, fa,
                       ps_scenario_weeks(a), ps_scenario_weeks(b), why);
    if (ps_scenario_burn_in_weeks(a) != ps_scenario_burn_in_weeks(b))
        return err_set(err, PS_ERR_INVALID, "%s: burn_in_weeks: expected the baseline's (%s) %d, got %d; %s", fb, fa,
                       ps_scenario_burn_in_weeks(a), ps_scenario_burn_in_weeks(b), why);
    if (pop_a != pop_b)
        return err_set(err, PS_ERR_INVALID,
                       "%s: its households and people differ from the baseline's (%s): a comparison needs the same "
                       "neighbourhoods and population (population.*, and the neighbourhoods' households, deciles "
                       "and determinant rates), so that replicate k of each scenario has the same households",
                       fb, fa);
    return PS_OK;
}

ps_status ps_scenarios_pairable(const ps_scenario *base, const ps_scenario *other, ps_error *err)
{
    err_clear(err);
    if (!base || !other) return err_set(err, PS_ERR_ARG, "ps_scenarios_pairable: two scenarios are required");
    uint64_t fa = 0, fb = 0;
    ps_status st = fingerprint(base, &fa, err);
    if (!st) st = fingerprint(other, &fb, err);
    if (st) return st;
    return check_pair(base, other, ps_scenario_replicates(base), ps_scenario_replicates(other), fa, fb, err);
}

ps_status compare_check_pairable(const ps_results *base, const ps_results *other, ps_error *err)
{
    return check_pair(base->scenario, other->scenario, base->replicates, other->replicates, base->population_hash,
                      other->population_hash, err);
}

/* ------------------------------------------------------------ ps_compare */

static void release_scenario(cmp_scenario *s)
{
    for (size_t i = 0; i < s->n; i++) ps_free(s->items[i].d);
    ps_free(s->items);
    compare_changes_release(s);
}

void ps_comparison_free(ps_comparison *c)
{
    if (!c) return;
    for (size_t i = 0; c->sc && i < c->n; i++) release_scenario(&c->sc[i]);
    ps_free(c->sc);
    ps_free(c->others);
    ps_free(c);
}

/* Pairs the outcomes of base and other by name: the baseline's in its
 * order, then those only other has. */
static ps_status compare_one(const ps_results *base, const ps_results *other, const ps_compare_options *o,
                             cmp_scenario *s)
{
    int R = base->replicates;
    double *zeros = ps_calloc((size_t)R * 2, sizeof *zeros);
    if (!zeros) return PS_ERR_NOMEM;
    double *nans = zeros + R;
    for (int k = 0; k < R; k++) nans[k] = NAN;
    ps_status st = PS_OK;
    for (size_t i = 0; !st && i < base->outcomes.n; i++) {
        const outcome *ob = &base->outcomes.items[i];
        st = pair_outcome(s, ob, find_outcome(other, ob->name), R, zeros, nans);
    }
    for (size_t i = 0; !st && i < other->outcomes.n; i++) {
        const outcome *oo = &other->outcomes.items[i];
        if (!find_outcome(base, oo->name)) st = pair_outcome(s, NULL, oo, R, zeros, nans);
    }
    ps_free(zeros);
    if (!st) st = add_derived(s, base, R, o);
    if (!st) st = compare_changes(base->scenario, other->scenario, s);
    return st;
}

ps_status ps_compare(const ps_results *base, const ps_results *const *others, size_t n,
                     const ps_compare_options *options, ps_comparison **out, ps_error *err)
{
    err_clear(err);
    if (!base || !out || (n && !others)) return err_set(err, PS_ERR_ARG, "ps_compare: baseline and out are required");
    *out = NULL;
    ps_compare_options defaults;
    if (!options) {
        ps_compare_options_init(&defaults);
        options = &defaults;
    }
    if (options->bootstrap < 0 || !(options->qaly_value >= 0))
        return err_set(err, PS_ERR_ARG, "ps_compare: bootstrap and qaly_value must be >= 0");
    for (size_t i = 0; i < n; i++) {
        ps_status st = compare_check_pairable(base, others[i], err);
        if (st) return st;
    }
    ps_comparison *c = ps_calloc(1, sizeof *c);
    if (!c) return err_set(err, PS_ERR_NOMEM, "out of memory");
    c->base = base;
    c->n = n;
    c->opt = *options;
    c->others = ps_calloc(n ? n : 1, sizeof *c->others);
    c->sc = ps_calloc(n ? n : 1, sizeof *c->sc);
    ps_status st = c->others && c->sc ? PS_OK : PS_ERR_NOMEM;
    for (size_t i = 0; !st && i < n; i++) {
        c->others[i] = others[i];
        st = compare_one(base, others[i], options, &c->sc[i]);
    }
    if (st) {
        ps_comparison_free(c);
        return err_set(err, st, "out of memory comparing scenarios");
    }
    *out = c;
    return PS_OK;
}

size_t ps_comparison_count(const ps_comparison *c, size_t scenario)
{
    return c && scenario < c->n ? c->sc[scenario].n : 0;
}

ps_status ps_comparison_get(const ps_comparison *c, size_t scenario, size_t i, ps_difference *out)
{
    if (!c || !out || scenario >= c->n || i >= c->sc[scenario].n) return PS_ERR_ARG;
    *out = c->sc[scenario].items[i].s;
    return PS_OK;
}

ps_status ps_comparison_find(const ps_comparison *c, size_t scenario, const char *name, ps_difference *out)
{
    if (!c || !out || !name || scenario >= c->n) return PS_ERR_ARG;
    for (size_t i = 0; i < c->sc[scenario].n; i++)
        if (!strcmp(c->sc[scenario].items[i].name, name)) {
            *out = c->sc[scenario].items[i].s;
            return PS_OK;
        }
    return PS_ERR_ARG;
}

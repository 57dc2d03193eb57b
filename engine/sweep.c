/*
 * sweep: load, run and write a grid of variants of one scenario.
 *
 * Every point of the grid is the same scenario with one value per varied
 * key, run with the same seed and replicates on the same households, so
 * the points differ only in what was varied and their differences are
 * paired replicate by replicate, as in a comparison. Points run one after
 * the other; each point's folder is written as soon as it has run, and
 * only its outcomes are kept, so a large grid needs the memory of one run.
 */
#include "sweep.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "alloc.h"
#include "compare.h"
#include "err.h"
#include "output.h"
#include "results.h"
#include "sbuf.h"
#include "scenario.h"

#define SWEEP_MAX_POINTS 1024
#define SWEEP_MAX_AXES 8

void ps_sweep_free(ps_sweep *sw)
{
    if (!sw) return;
    for (int a = 0; a < sw->naxes; a++) {
        ps_free(sw->axes[a].path);
        ps_free(sw->axes[a].label);
        for (int v = 0; v < sw->axes[a].n; v++) ps_free(sw->axes[a].values[v]);
        ps_free(sw->axes[a].values);
        ps_free(sw->axes[a].numbers);
    }
    ps_free(sw->axes);
    for (size_t k = 0; k < sw->npoints; k++) {
        if (sw->labels) ps_free(sw->labels[k]);
        if (sw->folders) ps_free(sw->folders[k]);
        if (sw->res) ps_results_free(sw->res[k]);
        if (sw->sc) ps_scenario_free(sw->sc[k]);
    }
    ps_comparison_free(sw->cmp);
    ps_free(sw->labels);
    ps_free(sw->folders);
    ps_free(sw->res);
    ps_free(sw->sc);
    ps_free(sw->idx);
    ps_free(sw);
}

/* Names each axis by the fewest trailing keys of its path that no other
 * axis ends with ("crisis_team.capacity" beside "gp.capacity", plain
 * "capacity" when only one capacity is varied), so labels tell the axes
 * apart; and refuses one key varied twice, however it was spelt
 * (services.gp.capacity and services[gp].capacity are one key). */
static ps_status name_axes(ps_sweep *sw, const char *const *vary, ps_error *err)
{
    enum { MAXT = 32 };
    char buf[SWEEP_MAX_AXES][600];
    char *tok[SWEEP_MAX_AXES][MAXT];
    int n[SWEEP_MAX_AXES];
    for (int a = 0; a < sw->naxes; a++) {
        n[a] = scenario_split_path(sw->axes[a].path, buf[a], sizeof buf[a], tok[a], MAXT);
        if (n[a] <= 0)
            return err_set(err, PS_ERR_ARG, "--vary %s: malformed path \"%s\"", vary[a], sw->axes[a].path);
    }
    for (int a = 0; a < sw->naxes; a++) {
        for (int b = 0; b < a; b++) {
            int same = n[a] == n[b];
            for (int t = 0; same && t < n[a]; t++) same = !strcmp(tok[a][t], tok[b][t]);
            if (same)
                return err_set(err, PS_ERR_ARG, "--vary %s: %s is varied twice (as %s too)", vary[a],
                               sw->axes[a].path, sw->axes[b].path);
        }
        int take = 1;
        for (; take < n[a]; take++) { /* the last `take` keys of a differ from every other axis's */
            int clash = 0;
            for (int b = 0; !clash && b < sw->naxes; b++) {
                if (b == a || n[b] < take) continue;
                int same = 1;
                for (int t = 1; same && t <= take; t++) same = !strcmp(tok[a][n[a] - t], tok[b][n[b] - t]);
                clash = same;
            }
            if (!clash) break;
        }
        sbuf l = { 0 };
        for (int t = n[a] - take; t < n[a]; t++) sb_printf(&l, "%s%s", t > n[a] - take ? "." : "", tok[a][t]);
        if (!(sw->axes[a].label = sb_take(&l))) return err_set(err, PS_ERR_NOMEM, "out of memory");
    }
    return PS_OK;
}

/* "PATH=V1,V2,..." into an axis; the message says what is wrong. */
static ps_status parse_axis(const char *spec, sweep_axis *ax, ps_error *err)
{
    const char *eq = strchr(spec, '=');
    if (!eq || eq == spec || !eq[1])
        return err_set(err, PS_ERR_ARG, "--vary %s: expected PATH=V1,V2,... (for example "
                                        "services.crisis_team.capacity=40,60,80)", spec);
    ax->path = ps_strndup(spec, (size_t)(eq - spec));
    if (!ax->path) return err_set(err, PS_ERR_NOMEM, "out of memory");
    const char *p = eq + 1;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len == 0)
            return err_set(err, PS_ERR_ARG, "--vary %s: an empty value; expected PATH=V1,V2,...", spec);
        char **nv = ps_reallocarray(ax->values, (size_t)ax->n + 1, sizeof *nv);
        if (!nv) return err_set(err, PS_ERR_NOMEM, "out of memory");
        ax->values = nv;
        if (!(ax->values[ax->n] = ps_strndup(p, len))) return err_set(err, PS_ERR_NOMEM, "out of memory");
        for (int v = 0; v < ax->n; v++)
            if (!strcmp(ax->values[v], ax->values[ax->n]))
                return err_set(err, PS_ERR_ARG, "--vary %s: the value %s is given twice", spec, ax->values[v]);
        ax->n++;
        if (!comma) break;
        p = comma + 1;
    }
    ax->numbers = ps_calloc((size_t)ax->n, sizeof *ax->numbers);
    if (!ax->numbers) return err_set(err, PS_ERR_NOMEM, "out of memory");
    ax->numeric = 1;
    for (int v = 0; v < ax->n; v++) {
        char *end;
        errno = 0;
        double x = strtod(ax->values[v], &end);
        int ok = !*end && !errno && isfinite(x);
        ax->numbers[v] = ok ? x : NAN;
        ax->numeric &= ok;
    }
    return PS_OK;
}

ps_status ps_sweep_load(const char *path, const char *const *sets, size_t nsets, const char *const *vary,
                        size_t nvary, ps_sweep **out, ps_error *err)
{
    err_clear(err);
    if (!path || !out || (nsets && !sets)) return err_set(err, PS_ERR_ARG, "ps_sweep_load: path and out are required");
    *out = NULL;
    if (nvary < 1) return err_set(err, PS_ERR_ARG, "a sweep needs at least one --vary PATH=V1,V2,...");
    if (nvary > SWEEP_MAX_AXES) return err_set(err, PS_ERR_ARG, "a sweep varies at most %d keys", SWEEP_MAX_AXES);
    ps_sweep *sw = ps_calloc(1, sizeof *sw);
    if (!sw) return err_set(err, PS_ERR_NOMEM, "out of memory");
    ps_status st = PS_OK;
    sw->axes = ps_calloc(nvary, sizeof *sw->axes);
    if (!sw->axes) st = err_set(err, PS_ERR_NOMEM, "out of memory");
    size_t points = 1;
    for (size_t a = 0; !st && a < nvary; a++) {
        sw->naxes++;
        st = parse_axis(vary[a], &sw->axes[a], err);
        if (!st) points *= (size_t)sw->axes[a].n;
        if (!st && points > SWEEP_MAX_POINTS)
            st = err_set(err, PS_ERR_ARG, "the grid has more than %d points; vary fewer values", SWEEP_MAX_POINTS);
    }
    if (!st) st = name_axes(sw, vary, err);
    if (!st) {
        sw->npoints = points;
        sw->idx = ps_calloc(points * nvary, sizeof *sw->idx);
        sw->labels = ps_calloc(points, sizeof *sw->labels);
        sw->folders = ps_calloc(points, sizeof *sw->folders);
        sw->sc = ps_calloc(points, sizeof *sw->sc);
        sw->res = ps_calloc(points, sizeof *sw->res);
        if (!sw->idx || !sw->labels || !sw->folders || !sw->sc || !sw->res)
            st = err_set(err, PS_ERR_NOMEM, "out of memory");
    }
    const char **all = st ? NULL : ps_calloc(nsets + nvary + 1, sizeof *all);
    char **own = st ? NULL : ps_calloc(nvary + 1, sizeof *own);
    if (!st && (!all || !own)) st = err_set(err, PS_ERR_NOMEM, "out of memory");
    int width = points >= 100 ? (points >= 1000 ? 4 : 3) : 2;
    for (size_t k = 0; !st && k < points; k++) {
        /* the first axis varies slowest: k = ((i0 * n1) + i1) * n2 + i2 ... */
        size_t rest = k;
        for (int a = sw->naxes - 1; a >= 0; a--) {
            sw->idx[k * nvary + (size_t)a] = (int)(rest % (size_t)sw->axes[a].n);
            rest /= (size_t)sw->axes[a].n;
        }
        sbuf label = { 0 };
        for (size_t i = 0; i < nsets; i++) all[i] = sets[i];
        for (int a = 0; a < sw->naxes; a++) {
            const char *v = sw->axes[a].values[sw->idx[k * nvary + (size_t)a]];
            size_t len = strlen(sw->axes[a].path) + strlen(v) + 2;
            if (!(own[a] = ps_malloc(len))) break;
            snprintf(own[a], len, "%s=%s", sw->axes[a].path, v);
            all[nsets + (size_t)a] = own[a];
            sb_printf(&label, "%s%s=%s", a ? ", " : "", sw->axes[a].label, v);
        }
        sw->labels[k] = sb_take(&label);
        char folder[32];
        snprintf(folder, sizeof folder, "point-%0*zu", width, k + 1);
        sw->folders[k] = ps_strdup(folder);
        int built = sw->labels[k] && sw->folders[k];
        for (int a = 0; a < sw->naxes; a++) built &= own[a] != NULL;
        if (!built) st = err_set(err, PS_ERR_NOMEM, "out of memory");
        if (!st) {
            st = ps_scenario_load(path, all, nsets + nvary, &sw->sc[k], err);
            /* a value from --vary is named as such, not as the --set it becomes */
            for (int a = 0; st && err && a < sw->naxes; a++) {
                size_t pl = strlen(sw->axes[a].path);
                if (!strncmp(err->message, "--set ", 6) && !strncmp(err->message + 6, sw->axes[a].path, pl) &&
                    err->message[6 + pl] == '=') {
                    char m[PS_ERROR_MAX];
                    ps_fmt(m, sizeof m, "--vary %s", err->message + 6);
                    memcpy(err->message, m, sizeof m);
                }
            }
        }
        if (!st && k > 0) st = ps_scenarios_pairable(sw->sc[0], sw->sc[k], err);
        if (st == PS_ERR_INVALID && k > 0) {
            /* say what cannot vary, in a sweep's terms, not a comparison's */
            static const char *const what[] = { "households", "burn_in_weeks", "seed", "replicates", "weeks" };
            const char *w = "households";
            for (size_t i = 0; i < sizeof what / sizeof *what; i++)
                if (strstr(err->message, what[i])) {
                    w = what[i];
                    break;
                }
            err_set(err, PS_ERR_INVALID,
                    "%s: point %s changes the %s: a sweep pairs its points replicate by replicate, so every point "
                    "shares the seed, replicates, weeks, burn-in and households; it cannot vary those or what "
                    "makes the population (population.*, neighbourhoods' households and rates)",
                    path, sw->labels[k], w);
        }
        for (int a = 0; a < sw->naxes; a++) {
            ps_free(own[a]);
            own[a] = NULL;
        }
    }
    ps_free(all);
    ps_free(own);
    if (st) {
        ps_sweep_free(sw);
        return st;
    }
    *out = sw;
    return PS_OK;
}

size_t ps_sweep_point_count(const ps_sweep *sw) { return sw ? sw->npoints : 0; }

const char *ps_sweep_point_label(const ps_sweep *sw, size_t k)
{
    return sw && k < sw->npoints ? sw->labels[k] : NULL;
}

int ps_sweep_axis_count(const ps_sweep *sw) { return sw ? sw->naxes : 0; }

const char *ps_sweep_axis_label(const ps_sweep *sw, int a)
{
    return sw && a >= 0 && a < sw->naxes ? sw->axes[a].label : NULL;
}

const char *ps_sweep_point_value(const ps_sweep *sw, size_t k, int a)
{
    if (!sw || k >= sw->npoints || a < 0 || a >= sw->naxes) return NULL;
    return sw->axes[a].values[sw->idx[k * (size_t)sw->naxes + (size_t)a]];
}

const ps_scenario *ps_sweep_point_scenario(const ps_sweep *sw, size_t k)
{
    return sw && k < sw->npoints ? sw->sc[k] : NULL;
}

ps_status ps_sweep_find(const ps_sweep *sw, size_t k, const char *name, ps_summary *out)
{
    if (!sw || k >= sw->npoints || !sw->res[k]) return PS_ERR_ARG;
    return ps_results_find(sw->res[k], name, out);
}

/* ------------------------------------------------------------ running */

/* Progress over the whole grid: the user's callback sees the weeks of
 * earlier points added to the current point's. */
typedef struct grid_progress {
    const ps_run_options *user;
    uint64_t before, total;
} grid_progress;

static int grid_progress_fn(void *ud, uint64_t done, uint64_t total)
{
    (void)total;
    grid_progress *g = ud;
    return g->user->progress(g->user->progress_userdata, g->before + done, g->total);
}

/* One row of sweep.csv per point and outcome: the axes' values, the
 * outcome's mean and interval, and the paired difference from point 1. */
static char *sweep_csv(const ps_sweep *sw)
{
    sbuf b = { 0 };
    sb_puts(&b, "point");
    for (int a = 0; a < sw->naxes; a++) sb_printf(&b, ",%s", sw->axes[a].path);
    sb_puts(&b, ",outcome,mean,sd,ci_low,ci_high,unit,diff_mean,diff_ci_low,diff_ci_high,separated\n");
    for (size_t k = 0; k < sw->npoints; k++) {
        const ps_results *r = sw->res[k];
        for (size_t i = 0; i < r->outcomes.n; i++) {
            const outcome *o = &r->outcomes.items[i];
            sb_printf(&b, "%zu", k + 1);
            for (int a = 0; a < sw->naxes; a++) {
                sb_puts(&b, ",");
                const char *v = sw->axes[a].values[sw->idx[k * (size_t)sw->naxes + (size_t)a]];
                if (strpbrk(v, ",\"")) {
                    sb_puts(&b, "\"");
                    for (const char *p = v; *p; p++) sb_append(&b, *p == '"' ? "\"\"" : p, *p == '"' ? 2 : 1);
                    sb_puts(&b, "\"");
                } else {
                    sb_puts(&b, v);
                }
            }
            sb_printf(&b, ",%s", o->name);
            double x[4] = { o->mean, o->sd, o->ci_low, o->ci_high };
            for (int j = 0; j < 4; j++) {
                sb_puts(&b, ",");
                output_csv_number(&b, x[j]);
            }
            sb_puts(&b, ",");
            if (strchr(o->unit, ',')) sb_printf(&b, "\"%s\"", o->unit);
            else sb_puts(&b, o->unit);
            ps_difference d;
            if (k == 0) {
                sb_puts(&b, ",0,0,0,0\n");
            } else if (!ps_comparison_find(sw->cmp, k - 1, o->name, &d)) {
                double y[3] = { d.mean, d.ci_low, d.ci_high };
                for (int j = 0; j < 3; j++) {
                    sb_puts(&b, ",");
                    output_csv_number(&b, y[j]);
                }
                sb_printf(&b, ",%d\n", d.separated);
            } else {
                sb_puts(&b, ",,,,\n");
            }
        }
    }
    return sb_take(&b);
}

ps_status ps_sweep_run(ps_sweep *sw, const ps_run_options *run, const char *dir, const ps_write_options *o,
                       ps_error *err)
{
    err_clear(err);
    if (!sw || !dir) return err_set(err, PS_ERR_ARG, "ps_sweep_run: sweep and dir are required");
    int force = o ? o->force : 0;
    char *tmp = NULL;
    ps_status st = ps_process_rank() == 0 ? output_begin(dir, force, &tmp, err) : PS_OK;
    if (st) return st;
    ps_run_options opt;
    if (run) opt = *run;
    else ps_run_options_init(&opt);
    grid_progress g = { run, 0, 0 };
    uint64_t per_point = (uint64_t)ps_scenario_replicates(sw->sc[0]) *
                         (uint64_t)(ps_scenario_burn_in_weeks(sw->sc[0]) + ps_scenario_weeks(sw->sc[0]));
    g.total = per_point * sw->npoints;
    if (run && run->progress) {
        opt.progress = grid_progress_fn;
        opt.progress_userdata = &g;
    }
    /* Points run in batches that give every MPI process a replicate (one
     * point at a time in one process), so many processes share a sweep of
     * few replicates, and a batch's records are written and dropped
     * before the next runs. Only process 0 writes. */
    int reps = ps_scenario_replicates(sw->sc[0]), procs = ps_process_count(), root = ps_process_rank() == 0;
    size_t batch = (size_t)((procs + reps - 1) / reps);
    for (size_t k0 = 0; !st && k0 < sw->npoints; k0 += batch) {
        size_t nb = sw->npoints - k0 < batch ? sw->npoints - k0 : batch;
        for (size_t k = k0; k < k0 + nb; k++) {
            ps_results_free(sw->res[k]);
            sw->res[k] = NULL;
        }
        st = ps_run_many((const ps_scenario *const *)sw->sc + k0, nb, &opt, sw->res + k0, err);
        if (st && err) { /* which point failed: the message alone names only the scenario */
            char m[PS_ERROR_MAX];
            if (nb == 1) ps_fmt(m, sizeof m, "%s (%s): %s", sw->folders[k0], sw->labels[k0], err->message);
            else ps_fmt(m, sizeof m, "%s to %s: %s", sw->folders[k0], sw->folders[k0 + nb - 1], err->message);
            memcpy(err->message, m, sizeof m);
        }
        g.before += per_point * nb;
        for (size_t k = k0; !st && k < k0 + nb; k++) {
            char sub[4096];
            ps_fmt(sub, sizeof sub, "%s/%s", tmp, sw->folders[k]);
            if (root && mkdir(sub, 0777) != 0) st = err_set(err, PS_ERR_IO, "%s: cannot create folder", sub);
            if (!st && root) st = output_run_files(sw->res[k], sub, o, err);
            if (!st) results_drop_records(sw->res[k]);
        }
    }
    ps_comparison_free(sw->cmp);
    sw->cmp = NULL;
    if (!st)
        st = ps_compare(sw->res[0], (const ps_results *const *)sw->res + 1, sw->npoints - 1, NULL, &sw->cmp, err);
    if (!st && root) {
        char *csv = sweep_csv(sw);
        char *html = sweep_report_html(sw);
        if (!csv || !html) st = err_set(err, PS_ERR_NOMEM, "out of memory writing the sweep");
        if (!st) st = output_write_file(tmp, "sweep.csv", csv, strlen(csv), err);
        if (!st) st = output_write_file(tmp, "report.html", html, strlen(html), err);
        ps_free(csv);
        ps_free(html);
    }
    if (!root) {
        /* process 0 writes */
    } else if (st) {
        output_remove_tree(tmp);
    } else {
        st = output_commit(tmp, dir, force, err);
    }
    ps_free(tmp);
    return st;
}

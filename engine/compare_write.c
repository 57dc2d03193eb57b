/*
 * compare_write: a comparison's output folder (ps_comparison_write): one
 * run folder per scenario, comparison.csv, comparison.json and the
 * side-by-side report.html, written all or nothing.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <cJSON.h>

#include "alloc.h"
#include "compare.h"
#include "err.h"
#include "json.h"
#include "output.h"
#include "report.h"
#include "results.h"
#include "scenario.h"

/* A CSV field, quoted when it holds a comma, quote or line break. */
static void csv_text(sbuf *b, const char *s)
{
    if (!strpbrk(s, ",\"\n\r")) {
        sb_puts(b, s);
        return;
    }
    sb_puts(b, "\"");
    for (; *s; s++) {
        if (*s == '"') sb_puts(b, "\"");
        sb_append(b, s, 1);
    }
    sb_puts(b, "\"");
}

static void csv_num(sbuf *b, double x)
{
    sb_puts(b, ",");
    output_csv_number(b, x);
}

/* The columns of DESIGN.md first, then what a researcher needs to judge
 * them: unit, sd of the differences, replicates paired, whether the
 * interval excludes zero, replicates needed, whether it is a ratio, and
 * why a ratio is no price. A service only one side has is not paired
 * (n is 0), but each side's mean is given. */
static char *comparison_csv(const ps_comparison *c, const char *const *labels)
{
    sbuf b = { 0 };
    sb_puts(&b, "outcome,scenario,baseline_mean,scenario_mean,diff_mean,diff_ci_low,diff_ci_high,relative_change,"
                "unit,diff_sd,n,separated,replicates_needed,ratio,note\n");
    for (size_t s = 0; s < c->n; s++)
        for (size_t i = 0; i < c->sc[s].n; i++) {
            const ps_difference *d = &c->sc[s].items[i].s;
            csv_text(&b, d->outcome);
            sb_puts(&b, ",");
            csv_text(&b, labels[s + 1]);
            csv_num(&b, d->baseline_mean);
            csv_num(&b, d->scenario_mean);
            csv_num(&b, d->mean);
            csv_num(&b, d->ci_low);
            csv_num(&b, d->ci_high);
            csv_num(&b, d->relative_change);
            sb_puts(&b, ",");
            csv_text(&b, d->unit ? d->unit : "");
            csv_num(&b, d->sd);
            sb_printf(&b, ",%d,%d", d->n, d->separated);
            csv_num(&b, d->replicates_needed);
            sb_printf(&b, ",%d,", d->ratio);
            csv_text(&b, d->note ? d->note : "");
            sb_puts(&b, "\n");
        }
    return sb_take(&b);
}

static cJSON *scenario_ref(const ps_results *r, const char *label)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "label", label);
    cJSON_AddStringToObject(o, "scenario", ps_scenario_name(r->scenario));
    cJSON_AddStringToObject(o, "file", ps_scenario_path(r->scenario));
    cJSON_AddStringToObject(o, "scenario_hash", scenario_hash(r->scenario));
    return o;
}

static cJSON *comparison_json(const ps_comparison *c, const char *const *labels)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddItemToObject(root, "baseline", scenario_ref(c->base, labels[0]));
    cJSON_AddNumberToObject(root, "seed", (double)ps_scenario_seed(c->base->scenario));
    cJSON_AddNumberToObject(root, "replicates", c->base->replicates);
    cJSON_AddNumberToObject(root, "weeks", c->base->layout.weeks);
    cJSON *opt = cJSON_AddObjectToObject(root, "options");
    cJSON_AddNumberToObject(opt, "qaly_value_gbp", c->opt.qaly_value);
    cJSON_AddNumberToObject(opt, "bootstrap_resamples", c->opt.bootstrap);
    cJSON *arr = cJSON_AddArrayToObject(root, "scenarios");
    for (size_t s = 0; s < c->n; s++) {
        cJSON *one = scenario_ref(c->others[s], labels[s + 1]);
        cJSON *diffs = cJSON_AddObjectToObject(one, "differences");
        for (size_t i = 0; i < c->sc[s].n; i++) {
            const ps_difference *d = &c->sc[s].items[i].s;
            cJSON *x = cJSON_AddObjectToObject(diffs, d->outcome);
            cJSON_AddNumberToObject(x, "baseline_mean", d->baseline_mean);
            cJSON_AddNumberToObject(x, "scenario_mean", d->scenario_mean);
            json_add_summary(x, d->mean, d->sd, d->ci_low, d->ci_high);
            cJSON_AddNumberToObject(x, "relative_change", d->relative_change);
            cJSON_AddNumberToObject(x, "n", d->n);
            cJSON_AddBoolToObject(x, "separated", d->separated);
            cJSON_AddNumberToObject(x, "replicates_needed", d->replicates_needed);
            if (d->ratio) cJSON_AddStringToObject(x, "interval", "paired bootstrap (percentile)");
            if (d->note) cJSON_AddStringToObject(x, "note", d->note);
            cJSON_AddStringToObject(x, "unit", d->unit ? d->unit : "");
        }
        cJSON *ch = cJSON_AddArrayToObject(one, "changes");
        for (size_t k = 0; k < c->sc[s].nchanges; k++) {
            const cmp_change *g = &c->sc[s].changes[k];
            cJSON *x = cJSON_CreateObject();
            cJSON_AddStringToObject(x, "path", g->path);
            cJSON_AddStringToObject(x, "baseline", g->from);
            cJSON_AddStringToObject(x, "scenario", g->to);
            if (g->doc) cJSON_AddStringToObject(x, "description", g->doc);
            if (g->unit) cJSON_AddStringToObject(x, "unit", g->unit);
            cJSON_AddItemToArray(ch, x);
        }
        cJSON_AddItemToArray(arr, one);
    }
    cJSON *prov = cJSON_AddObjectToObject(root, "provenance");
    cJSON_AddStringToObject(prov, "engine", "placesim");
    cJSON_AddStringToObject(prov, "version", PS_VERSION);
    return root;
}

/* A label names a folder: letters, digits, '_', '-' and '.', not only dots. */
static int label_ok(const char *s)
{
    if (!s || !*s || strlen(s) > 120 || !strcmp(s, ".") || !strcmp(s, "..")) return 0;
    for (; *s; s++)
        if (!(*s == '_' || *s == '-' || *s == '.' || (*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z') ||
              (*s >= 'A' && *s <= 'Z')))
            return 0;
    return 1;
}

ps_status ps_comparison_write(const ps_comparison *c, const char *dir, const char *const *labels_in,
                              const ps_write_options *o, ps_error *err)
{
    err_clear(err);
    if (!c || !dir) return err_set(err, PS_ERR_ARG, "ps_comparison_write: comparison and dir are required");
    size_t n = c->n + 1;
    const ps_results **res = ps_calloc(n, sizeof *res);
    const char **labels = ps_calloc(n, sizeof *labels);
    char (*own)[128] = ps_calloc(n, sizeof *own);
    if (!res || !labels || !own) {
        ps_free(res);
        ps_free(labels);
        ps_free(own);
        return err_set(err, PS_ERR_NOMEM, "out of memory");
    }
    ps_status st = PS_OK;
    for (size_t i = 0; i < n; i++) {
        res[i] = i ? c->others[i - 1] : c->base;
        if (labels_in) labels[i] = labels_in[i];
        else {
            output_stem(ps_scenario_path(res[i]->scenario), own[i], sizeof own[i]);
            labels[i] = own[i];
        }
        if (!st && !label_ok(labels[i]))
            st = err_set(err, PS_ERR_ARG, "\"%s\": a scenario's label names its folder: use letters, digits, '_', "
                                          "'-' and '.'", labels[i]);
        for (size_t j = 0; !st && j < i; j++)
            if (!strcmp(labels[i], labels[j]))
                st = err_set(err, PS_ERR_ARG, "two scenarios are both labelled \"%s\" (%s and %s); their folders "
                                              "would clash", labels[i], ps_scenario_path(res[j]->scenario),
                             ps_scenario_path(res[i]->scenario));
    }
    int force = o ? o->force : 0;
    char *tmp = NULL;
    if (!st) st = output_begin(dir, force, &tmp, err);
    for (size_t i = 0; !st && i < n; i++) {
        char sub[4096];
        ps_fmt(sub, sizeof sub, "%s/%s", tmp, labels[i]);
        if (mkdir(sub, 0777) != 0) st = err_set(err, PS_ERR_IO, "%s: cannot create folder", sub);
        else st = output_run_files(res[i], sub, o, err);
    }
    if (!st) {
        char *csv = comparison_csv(c, (const char *const *)labels);
        cJSON *js = comparison_json(c, (const char *const *)labels);
        char *jtext = js ? json_print_exact(js, 1) : NULL;
        char *html = report_html((const ps_results *const *)res, (const char *const *)labels, (int)n, c);
        if (!csv || !jtext || !html) st = err_set(err, PS_ERR_NOMEM, "out of memory writing the comparison");
        if (!st) st = output_write_file(tmp, "comparison.csv", csv, strlen(csv), err);
        if (!st) st = output_write_json(tmp, "comparison.json", jtext, err);
        if (!st) st = output_write_file(tmp, "report.html", html, strlen(html), err);
        ps_free(csv);
        cJSON_free(jtext);
        cJSON_Delete(js);
        ps_free(html);
    }
    if (tmp && st) output_remove_tree(tmp);
    else if (tmp) st = output_commit(tmp, dir, force, err);
    ps_free(tmp);
    ps_free(res);
    ps_free(labels);
    ps_free(own);
    return st;
}

/* results: accessors of ps_results. See placesim.h. */
#include "results.h"

#include <math.h>
#include <string.h>

#include "alloc.h"
#include "metrics.h"

void ps_results_free(ps_results *res)
{
    if (!res) return;
    for (int r = 0; res->recs && r < res->replicates; r++) record_release(&res->recs[r]);
    ps_free(res->recs);
    outcome_set_release(&res->outcomes);
    metrics_layout_release(&res->layout);
    ps_free(res);
}

void results_drop_records(ps_results *res)
{
    for (int r = 0; res->recs && r < res->replicates; r++) record_release(&res->recs[r]);
    ps_free(res->recs);
    res->recs = NULL;
}

size_t ps_results_outcome_count(const ps_results *res) { return res->outcomes.n; }

static void fill(const outcome *o, int n, ps_summary *out)
{
    out->name = o->name;
    out->unit = o->unit;
    out->mean = o->mean;
    out->sd = o->sd;
    out->ci_low = o->ci_low;
    out->ci_high = o->ci_high;
    out->n = n;
}

ps_status ps_results_outcome(const ps_results *res, size_t i, ps_summary *out)
{
    if (!res || !out || i >= res->outcomes.n) return PS_ERR_ARG;
    fill(&res->outcomes.items[i], res->replicates, out);
    return PS_OK;
}

ps_status ps_results_find(const ps_results *res, const char *name, ps_summary *out)
{
    if (!res || !name || !out) return PS_ERR_ARG;
    for (size_t i = 0; i < res->outcomes.n; i++)
        if (strcmp(res->outcomes.items[i].name, name) == 0) {
            fill(&res->outcomes.items[i], res->replicates, out);
            return PS_OK;
        }
    return PS_ERR_ARG;
}

int ps_results_replicates(const ps_results *res) { return res->replicates; }
int ps_results_weeks(const ps_results *res) { return res->layout.weeks; }
size_t ps_results_column_count(const ps_results *res) { return (size_t)res->layout.n_ts; }

const char *ps_results_column_name(const ps_results *res, size_t i)
{
    if (i < TS_FIXED) return metrics_ts_names[i];
    if (i < (size_t)res->layout.n_ts) return res->layout.cost_columns[i - TS_FIXED];
    return NULL;
}

double ps_results_value(const ps_results *res, int replicate, int week, size_t column)
{
    if (!res->recs || replicate < 0 || replicate >= res->replicates || week < 0 || week >= res->layout.weeks ||
        column >= (size_t)res->layout.n_ts)
        return NAN;
    return res->recs[replicate].ts[(size_t)week * (size_t)res->layout.n_ts + column];
}

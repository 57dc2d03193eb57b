/*
 * services_table: the table of a run's services (model_params) and of one
 * replicate's (world, to which scripts may add services): what each
 * service's definition means for the place, the access and hand-off lists
 * derived from them, and the units (one, or a team per neighbourhood).
 * The weekly steps are in services.c.
 */
#include <string.h>

#include "alloc.h"
#include "err.h"
#include "rng.h"
#include "schema.h"
#include "world.h"

/* Facts of service def, given the place. serves is allocated. */
static ps_status static_of(const ps_config *cfg, const cfg_service *sv, svc_static *x, ps_error *err)
{
    int nn = cfg->place.n_neighbourhoods;
    memset(x, 0, sizeof *x);
    x->serves = ps_calloc((size_t)nn, 1);
    if (!x->serves) return err_set(err, PS_ERR_NOMEM, "out of memory");
    x->owns_serves = 1;
    for (int k = 0; k < nn; k++) x->serves[k] = sv->n_neighbourhoods == 0;
    for (int j = 0; j < sv->n_neighbourhoods; j++) {
        int k = config_neighbourhood_index(cfg, sv->neighbourhoods[j]);
        if (k >= 0) x->serves[k] = 1;
    }
    x->units = sv->per_neighbourhood ? nn : 1;
    x->access_purpose = rng_purpose_of_name(RNG_SERVICE_ACCESS, sv->name);
    x->min_age = sv->min_age;
    x->max_age = sv->max_age;
    for (unsigned code = 0; code < 64; code++) {
        unsigned st = (code >> 4) + 1, needs = code & 15u;
        int by_state = sv->eligible_states == 0 || ((sv->eligible_states >> (st - 1)) & 1u);
        int by_need = sv->eligible_needs == 0 || (needs & sv->eligible_needs) != 0;
        if (by_state && by_need) x->eligible |= UINT64_C(1) << code;
    }
    x->end_thr = rng_threshold(1.0 / sv->episode_weeks);
    x->complete_thr = rng_threshold(sv->completion);
    x->wait_thr = rng_threshold(sv->wait_dropout);
    x->handoff_thr = rng_threshold(sv->handoff_dropout);
    x->referral_thr = rng_threshold(sv->referral_dropout);
    x->recover_thr = rng_threshold(sv->effects.recover_on_completion);
    for (int n = 0; n < NEED_COUNT; n++) x->resolve_thr[n] = rng_threshold(sv->effects.resolve[n]);
    return PS_OK;
}

static ps_status table_alloc(svc_table *t, int max, ps_error *err)
{
    memset(t, 0, sizeof *t);
    t->max = max;
    size_t m = (size_t)max + 1;
    t->def = ps_calloc(m, sizeof *t->def);
    t->sx = ps_calloc(m, sizeof *t->sx);
    t->access = ps_calloc(m, sizeof *t->access);
    int ok = t->def && t->sx && t->access;
    for (int n = 0; n <= NEED_COUNT; n++) ok &= (t->takers[n] = ps_calloc(m, sizeof *t->takers[n])) != NULL;
    return ok ? PS_OK : err_set(err, PS_ERR_NOMEM, "out of memory");
}

static void table_release(svc_table *t)
{
    for (int s = 0; t->sx && s < t->n; s++)
        if (t->sx[s].owns_serves) ps_free(t->sx[s].serves);
    ps_free(t->def);
    ps_free(t->sx);
    ps_free(t->access);
    for (int n = 0; n <= NEED_COUNT; n++) ps_free(t->takers[n]);
    memset(t, 0, sizeof *t);
}

/* Derives who is a gatekeeper, the access list and its masks, and where
 * hand-offs for each need may go, from the services in the table. */
static void table_index(svc_table *t)
{
    t->n_access = 0;
    memset(t->n_takers, 0, sizeof t->n_takers);
    memset(t->access_mask, 0, sizeof t->access_mask);
    for (int s = 0; s < t->n; s++) {
        const cfg_service *sv = t->def[s];
        svc_static *x = &t->sx[s];
        x->gatekeeper = 0;
        if (sv->role != ROLE_SUPPORT) continue;
        /* A gatekeeper (some service's via) meets no need itself: it refers on. */
        for (int u = 0; u < t->n; u++)
            if (t->def[u]->role == ROLE_SUPPORT && t->def[u]->via_index == s) x->gatekeeper = 1;
        if (sv->route != ROUTE_NONE) t->access[t->n_access++] = s;
        if (x->gatekeeper) continue;
        /* Hand-offs go only where something can be done about the need: a
         * chance to resolve it, or for being unwell an effect on wellbeing. */
        for (int n = 0; n < NEED_COUNT; n++)
            if ((sv->eligible_needs & (1u << n)) && sv->effects.resolve[n] > 0) t->takers[n][t->n_takers[n]++] = s;
        unsigned unwell = (1u << (ST_STRUGGLING - 1)) | (1u << (ST_CRISIS - 1)) | (1u << (ST_RECOVERING - 1));
        int helps = sv->effects.recovery > 1 || sv->effects.crisis < 1 || sv->effects.onset < 1 ||
                    sv->effects.recover_on_completion > 0;
        if (helps && sv->eligible_needs == 0 && (sv->eligible_states == 0 || (sv->eligible_states & unwell)))
            t->takers[NEED_MENTAL_HEALTH][t->n_takers[NEED_MENTAL_HEALTH]++] = s;
    }
    for (int j = 0; j < t->n_access && j < 64; j++)
        for (unsigned code = 0; code < 64; code++)
            if ((t->sx[t->access[j]].eligible >> code) & 1u) t->access_mask[code] |= UINT64_C(1) << j;
}

ps_status services_params(model_params *mp, ps_error *err)
{
    const ps_config *cfg = mp->cfg;
    ps_status st = table_alloc(&mp->svt, cfg->n_services, err);
    for (int s = 0; !st && s < cfg->n_services; s++) {
        mp->svt.def[s] = &cfg->services[s];
        st = static_of(cfg, &cfg->services[s], &mp->svt.sx[s], err);
        if (!st) mp->svt.n = s + 1;
    }
    if (!st) table_index(&mp->svt);
    return st;
}

void services_params_release(model_params *mp) { table_release(&mp->svt); }

static ps_status add_units(world *w, int s, ps_error *err)
{
    w->sv[s].units = ps_calloc((size_t)w->svt.sx[s].units, sizeof *w->sv[s].units);
    if (!w->sv[s].units) return err_set(err, PS_ERR_NOMEM, "out of memory");
    for (int u = 0; u < w->svt.sx[s].units; u++) w->sv[s].units[u].shock_mult = 1;
    return PS_OK;
}

ps_status services_world_init(world *w, ps_error *err)
{
    const model_params *mp = w->mp;
    int max = mp->svt.n + mp->cfg->limits.added_services;
    ps_status st = table_alloc(&w->svt, max, err);
    if (st) return st;
    w->sv = ps_calloc((size_t)max + 1, sizeof *w->sv);
    w->added = ps_calloc((size_t)mp->cfg->limits.added_services + 1, sizeof *w->added);
    if (!w->sv || !w->added) return err_set(err, PS_ERR_NOMEM, "out of memory");
    for (int s = 0; s < mp->svt.n; s++) {
        w->svt.def[s] = mp->svt.def[s];
        w->svt.sx[s] = mp->svt.sx[s];
        w->svt.sx[s].owns_serves = 0; /* shared with the run */
        w->svt.n = s + 1;
        if ((st = add_units(w, s, err))) return st;
    }
    table_index(&w->svt);
    return PS_OK;
}

void services_world_release(world *w)
{
    for (int s = 0; w->sv && s < w->svt.n; s++) {
        for (int u = 0; w->sv[s].units && u < w->svt.sx[s].units; u++) ps_free(w->sv[s].units[u].q.ids);
        ps_free(w->sv[s].units);
    }
    int added = w->svt.n - w->mp->svt.n;
    for (int k = 0; w->added && k < added; k++) schema_release(keys_service(), &w->added[k]);
    ps_free(w->added);
    ps_free(w->sv);
    table_release(&w->svt);
    w->sv = NULL;
    w->added = NULL;
}

ps_status services_add(world *w, cfg_service *def, int *index, ps_error *err)
{
    if (w->svt.n >= w->svt.max)
        return err_set(err, PS_ERR_SCRIPT, "sim:add_service: no room for another service (limits.added_services is %d)",
                       w->mp->cfg->limits.added_services);
    int s = w->svt.n;
    ps_status st = static_of(w->mp->cfg, def, &w->svt.sx[s], err);
    if (st) return st;
    w->svt.def[s] = def;
    w->svt.n = s + 1;
    w->capacity[s] = config_clamp_capacity(def->capacity * w->mp->cfg->population.scale);
    w->fixed_cost[s] = def->cost_fixed_per_week * w->mp->cfg->population.scale;
    w->cap_mult[s] = 1;
    if ((st = add_units(w, s, err))) return st;
    table_index(&w->svt);
    *index = s;
    return PS_OK;
}

/* interventions: scripts in a scenario and in a replicate. See interventions.h. */
#include "interventions.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cJSON.h>
#include <lauxlib.h>

#include "alloc.h"
#include "err.h"
#include "json.h"
#include "lua_api.h"
#include "lua_host.h"
#include "rng.h"
#include "schema.h"
#include "world.h"

const char *const iv_event_names[EV_COUNT] = {
    "crisis", "onset", "recovery", "job_loss", "debt", "housing", "service_start", "service_end"
};

static const char *const hook_names[] = { "setup", "week", "finish", NULL };
static const char *const top_keys[] = { "name", "description", "params", "setup", "week", "finish", "on", NULL };

static lua_limits limits_of(const ps_config *cfg)
{
    lua_limits l;
    l.instructions = (uint64_t)cfg->limits.instructions;
    l.memory = (size_t)(cfg->limits.memory_mb * 1024 * 1024);
    return l;
}

/* ------------------------------------------------------------ checking a script */

static size_t count_words(const char *const *w)
{
    size_t n = 0;
    while (w[n]) n++;
    return n;
}

/* The script table is on top of the stack. Checks its fields. */
static ps_status check_table(lua_State *L, const char *name, ps_error *err)
{
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) != LUA_TSTRING) {
            lua_pop(L, 1);
            return err_set(err, PS_ERR_SCRIPT, "%s: the returned table has a field that is not a name", name);
        }
        const char *key = lua_tostring(L, -1);
        int known = 0;
        for (const char *const *k = top_keys; *k; k++) known |= strcmp(*k, key) == 0;
        if (!known) {
            const char *s = schema_closest(top_keys, count_words(top_keys), key);
            ps_status st = err_set(err, PS_ERR_SCRIPT, "%s: the returned table has an unknown field \"%s\"%s%s%s", name,
                                   key, s ? " (did you mean \"" : "", s ? s : "", s ? "\"?)" : "");
            lua_pop(L, 1);
            return st;
        }
    }
    static const struct { const char *key; int type; const char *what; } want[] = {
        { "name", LUA_TSTRING, "a string" }, { "description", LUA_TSTRING, "a string" },
        { "params", LUA_TTABLE, "a table of defaults" }, { "setup", LUA_TFUNCTION, "a function" },
        { "week", LUA_TFUNCTION, "a function" }, { "finish", LUA_TFUNCTION, "a function" },
        { "on", LUA_TTABLE, "a table of event hooks" },
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        int t = lua_getfield(L, -1, want[i].key);
        lua_pop(L, 1);
        if (t != LUA_TNIL && t != want[i].type)
            return err_set(err, PS_ERR_SCRIPT, "%s: field \"%s\" of the returned table: expected %s, got a %s", name,
                           want[i].key, want[i].what, lua_typename(L, t));
    }
    if (lua_getfield(L, -1, "on") == LUA_TTABLE) {
        lua_pushnil(L);
        while (lua_next(L, -2)) {
            const char *ev = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "?";
            int known = 0;
            for (int e = 0; e < EV_COUNT; e++) known |= strcmp(ev, iv_event_names[e]) == 0;
            if (!known) {
                const char *s = schema_closest(iv_event_names, EV_COUNT, ev);
                ps_status st = err_set(err, PS_ERR_SCRIPT, "%s: on.%s: unknown event%s%s%s (events: crisis, onset, "
                                       "recovery, job_loss, debt, housing, service_start, service_end)",
                                       name, ev, s ? " (did you mean \"" : "", s ? s : "", s ? "\"?)" : "");
                lua_pop(L, 3);
                return st;
            }
            if (!lua_isfunction(L, -1)) {
                ps_status st = err_set(err, PS_ERR_SCRIPT, "%s: on.%s: expected a function, got a %s", name, ev,
                                       luaL_typename(L, -1));
                lua_pop(L, 3);
                return st;
            }
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
    return PS_OK;
}

static const char *json_kind(const cJSON *v)
{
    if (cJSON_IsNumber(v)) return "number";
    if (cJSON_IsString(v)) return "string";
    if (cJSON_IsBool(v)) return "boolean";
    if (cJSON_IsObject(v) || cJSON_IsArray(v)) return "table";
    return "nil";
}

/* The scenario's params must each be declared by the script, of the same
 * kind as the default. The script table is on top of the stack. */
static ps_status check_params(lua_State *L, const cfg_intervention *iv, const script_src *src, iv_origin_fn at,
                              const void *ud, ps_error *err)
{
    cJSON *params = NULL;
    ps_status st = json_parse_text(iv->params, strlen(iv->params), "params", &params, err);
    if (st) return st;
    char base[300];
    ps_fmt(base, sizeof base, "interventions[%s].params", iv->name);
    lua_getfield(L, -1, "params");
    int has = lua_istable(L, -1);
    for (const cJSON *kv = params->child; kv && !st; kv = kv->next) {
        char path[400];
        ps_fmt(path, sizeof path, "%s.%s", base, kv->string);
        const char *file = at(ud, path); /* the file, or the --set, that gave this param */
        int t = has ? lua_getfield(L, -1, kv->string) : LUA_TNIL;
        if (has) lua_pop(L, 1);
        if (t == LUA_TNIL) {
            /* suggest the closest declared param */
            const char *names[128];
            size_t n = 0;
            if (has) {
                lua_pushnil(L);
                while (n < 128 && lua_next(L, -2)) {
                    if (lua_type(L, -2) == LUA_TSTRING) names[n++] = lua_tostring(L, -2);
                    lua_pop(L, 1);
                }
            }
            const char *s = schema_closest(names, n, kv->string);
            st = err_set(err, PS_ERR_INVALID, "%s: %s: unknown param of %s%s%s%s", file, path, src->shown,
                         s ? " (did you mean \"" : "", s ? s : "", s ? "\"?)" : "");
            continue;
        }
        const char *want = t == LUA_TNUMBER ? "number" : t == LUA_TSTRING ? "string" : t == LUA_TBOOLEAN ? "boolean"
                           : t == LUA_TTABLE ? "table" : "?";
        if (strcmp(want, json_kind(kv)) != 0) {
            char got[96];
            schema_describe_value(kv, got, sizeof got);
            st = err_set(err, PS_ERR_INVALID, "%s: %s: expected a %s, as the default in %s is, got %s", file, path,
                         want, src->shown, got);
        }
    }
    lua_pop(L, 1);
    cJSON_Delete(params);
    return st;
}

/* A path as the user named it: relative to the current folder if under it. */
static char *shown_path(const char *abs)
{
    char cwd[4096];
    if (getcwd(cwd, sizeof cwd)) {
        size_t n = strlen(cwd);
        if (strncmp(abs, cwd, n) == 0 && abs[n] == '/') return ps_strdup(abs + n + 1);
    }
    return ps_strdup(abs);
}

ps_status interventions_load(const ps_config *cfg, iv_origin_fn at, const void *ud, script_src **out,
                             ps_error *err)
{
    *out = NULL;
    if (cfg->n_interventions == 0) return PS_OK;
    script_src *src = ps_calloc((size_t)cfg->n_interventions, sizeof *src);
    if (!src) return err_set(err, PS_ERR_NOMEM, "out of memory");
    ps_status st = PS_OK;
    lua_limits lim = limits_of(cfg);
    for (int i = 0; i < cfg->n_interventions && !st; i++) {
        const cfg_intervention *iv = &cfg->interventions[i];
        script_src *s = &src[i];
        if (!(s->path = ps_strdup(iv->script)) || !(s->shown = shown_path(iv->script))) {
            st = err_set(err, PS_ERR_NOMEM, "out of memory");
            break;
        }
        st = json_read_file(iv->script, &s->text, &s->len, err);
        if (st) break;
        uint64_t h = UINT64_C(1469598103934665603);
        for (size_t k = 0; k < s->len; k++) h = (h ^ (unsigned char)s->text[k]) * UINT64_C(1099511628211);
        snprintf(s->hash, sizeof s->hash, "%016llx", (unsigned long long)h);
        if (iv->start_week >= cfg->weeks) {
            char path[300];
            ps_fmt(path, sizeof path, "interventions[%s].start_week", iv->name);
            st = err_set(err, PS_ERR_INVALID,
                         "%s: %s: expected a week before the end of the run (weeks is %d, so 0 to %d), got %d",
                         at(ud, path), path, cfg->weeks, cfg->weeks - 1, iv->start_week);
            break;
        }
        if (iv->end_week && iv->end_week <= iv->start_week) {
            char path[300];
            ps_fmt(path, sizeof path, "interventions[%s].end_week", iv->name);
            st = err_set(err, PS_ERR_INVALID, "%s: %s: expected a week after start_week (%d) or 0, got %d",
                         at(ud, path), path, iv->start_week, iv->end_week);
            break;
        }
        lua_host *host = NULL;
        st = lua_host_new(s->shown, s->text, s->len, &lim, 0, NULL, NULL, &host, err);
        if (st) break;
        lua_State *L = lua_host_state(host);
        lua_host_push_script(host);
        st = check_table(L, s->shown, err);
        if (!st) st = check_params(L, iv, s, at, ud, err);
        lua_pop(L, 1);
        lua_host_free(host);
    }
    if (st) {
        interventions_free_sources(src, cfg->n_interventions);
        return st;
    }
    *out = src;
    return PS_OK;
}

void interventions_free_sources(script_src *src, int n)
{
    for (int i = 0; src && i < n; i++) {
        ps_free(src[i].path);
        ps_free(src[i].shown);
        ps_free(src[i].text);
    }
    ps_free(src);
}

/* ------------------------------------------------------------ the replicate's scripts */

typedef struct iv_one {
    lua_host *host;
    lua_api_ctx ctx;
    int params_ref;
    int hook_ref[3];        /* setup, week, finish */
    int on_ref[EV_COUNT];
    int start, end;         /* active weeks: start <= week < end */
} iv_one;

struct iv_world {
    iv_one *iv;
    int n;
};

/* Pushes a JSON value as a Lua value. */
static void push_json(lua_State *L, const cJSON *v)
{
    if (cJSON_IsNumber(v)) {
        double x = v->valuedouble;
        if (x == floor(x) && fabs(x) < 9007199254740992.0) lua_pushinteger(L, (lua_Integer)x);
        else lua_pushnumber(L, x);
    } else if (cJSON_IsString(v)) {
        lua_pushstring(L, v->valuestring);
    } else if (cJSON_IsBool(v)) {
        lua_pushboolean(L, cJSON_IsTrue(v));
    } else if (cJSON_IsArray(v)) {
        lua_createtable(L, cJSON_GetArraySize(v), 0);
        int k = 1;
        for (const cJSON *c = v->child; c; c = c->next, k++) {
            push_json(L, c);
            lua_rawseti(L, -2, k);
        }
    } else if (cJSON_IsObject(v)) {
        lua_createtable(L, 0, 4);
        for (const cJSON *c = v->child; c; c = c->next) {
            push_json(L, c);
            lua_setfield(L, -2, c->string);
        }
    } else {
        lua_pushnil(L);
    }
}

static void log_line(void *ud, const char *script, const char *line)
{
    world *w = ud;
    if (!w->rec || w->log_lines >= 1000) return;
    if (w->log_lines == 999) line = "(more lines were left out)";
    char when[32];
    if (w->loading) ps_fmt(when, sizeof when, "loading");
    else ps_fmt(when, sizeof when, "week %d", w->week);
    sb_printf(&w->rec->log, "replicate %llu, %s, %s: %s\n", (unsigned long long)w->replicate, when, script, line);
    w->log_lines++;
}

/* Each intervention's state, with its script loaded, params, hooks and
 * the events it listens to. */
static ps_status load_scripts(world *w, ps_error *err)
{
    const ps_config *cfg = w->mp->cfg;
    if (cfg->n_interventions == 0) return PS_OK;
    struct iv_world *ivw = ps_calloc(1, sizeof *ivw);
    if (!ivw) return err_set(err, PS_ERR_NOMEM, "out of memory");
    w->ivw = ivw;
    ivw->iv = ps_calloc((size_t)cfg->n_interventions, sizeof *ivw->iv);
    w->mod = ps_calloc(w->mp->pop->n_persons, sizeof *w->mod);
    w->scratch = ps_malloc((size_t)w->mp->pop->n_persons * sizeof *w->scratch + 4);
    w->base_spend = ps_calloc((size_t)w->mp->layout.n_agencies + 1, sizeof *w->base_spend);
    if (!ivw->iv || !w->mod || !w->scratch || !w->base_spend) return err_set(err, PS_ERR_NOMEM, "out of memory");
    lua_limits lim = limits_of(cfg);
    for (int i = 0; i < cfg->n_interventions; i++) {
        const cfg_intervention *c = &cfg->interventions[i];
        const script_src *src = &w->mp->scripts[i];
        iv_one *iv = &ivw->iv[i];
        iv->params_ref = LUA_NOREF;
        for (int k = 0; k < 3; k++) iv->hook_ref[k] = LUA_NOREF;
        for (int e = 0; e < EV_COUNT; e++) iv->on_ref[e] = LUA_NOREF;
        /* an end_week after the run is the run's end, so finish still runs */
        iv->start = c->start_week;
        iv->end = c->end_week && c->end_week < cfg->weeks ? c->end_week : cfg->weeks;
        uint64_t key = rng_key(w->seed, w->replicate, 0, rng_purpose_of_name(RNG_SCRIPT, c->name));
        ps_status st = lua_host_new(src->shown, src->text, src->len, &lim, key, log_line, w, &iv->host, err);
        if (st) return st;
        ivw->n = i + 1;
        iv->ctx.w = w;
        iv->ctx.index = i;
        iv->ctx.name = c->name;
        lua_host_set_context(iv->host, &iv->ctx);
        lua_State *L = lua_host_state(iv->host);
        lua_api_open(L);
        /* params: the script's defaults, then the scenario's values */
        lua_host_push_script(iv->host);
        lua_createtable(L, 0, 8);
        if (lua_getfield(L, -2, "params") == LUA_TTABLE) {
            lua_pushnil(L);
            while (lua_next(L, -2)) {
                lua_pushvalue(L, -2);
                lua_insert(L, -2);
                lua_settable(L, -5);
            }
        }
        lua_pop(L, 1);
        cJSON *params = cJSON_Parse(c->params);
        for (const cJSON *kv = params ? params->child : NULL; kv; kv = kv->next) {
            push_json(L, kv);
            lua_setfield(L, -2, kv->string);
        }
        cJSON_Delete(params);
        iv->params_ref = luaL_ref(L, LUA_REGISTRYINDEX);
        for (int k = 0; hook_names[k]; k++) {
            if (lua_getfield(L, -1, hook_names[k]) == LUA_TFUNCTION) iv->hook_ref[k] = luaL_ref(L, LUA_REGISTRYINDEX);
            else lua_pop(L, 1);
        }
        if (lua_getfield(L, -1, "on") == LUA_TTABLE) {
            for (int e = 0; e < EV_COUNT; e++) {
                if (lua_getfield(L, -1, iv_event_names[e]) == LUA_TFUNCTION) {
                    iv->on_ref[e] = luaL_ref(L, LUA_REGISTRYINDEX);
                    w->event_mask |= EVENT_BIT(e);
                } else {
                    lua_pop(L, 1);
                }
            }
        }
        lua_pop(L, 2); /* on, script */
    }
    return PS_OK;
}

/* The scripts load (their top level runs) with the replicate's record rec
 * in place, so what they print then reaches its log. */
ps_status interventions_world_init(world *w, replicate_record *rec, ps_error *err)
{
    w->rec = rec;
    w->loading = 1;
    ps_status st = load_scripts(w, err);
    w->rec = NULL;
    w->loading = 0;
    return st;
}

void interventions_world_release(world *w)
{
    if (w->ivw) {
        for (int i = 0; i < w->ivw->n; i++) lua_host_free(w->ivw->iv[i].host);
        ps_free(w->ivw->iv);
        ps_free(w->ivw);
    }
    ps_free(w->mod);
    ps_free(w->mod_pool);
    ps_free(w->scratch);
    ps_free(w->base_spend);
    ps_free(w->ev_kind);
    ps_free(w->ev_entity);
    ps_free(w->ev_extra);
    w->ivw = NULL;
    w->mod = NULL;
    w->mod_pool = NULL;
    w->scratch = NULL;
    w->base_spend = NULL;
}

/* Calls a hook (a registry reference) with sim, params and extra arguments
 * already pushed after the function. */
static ps_status call_hook(const world *w, iv_one *iv, int ref, int extra_args, const char *prefix, const char *hook,
                           int week, ps_error *err)
{
    lua_State *L = lua_host_state(iv->host);
    lua_rawgeti(L, LUA_REGISTRYINDEX, ref);
    lua_insert(L, -1 - extra_args);
    lua_api_push_sim(L);
    lua_insert(L, -1 - extra_args);
    lua_rawgeti(L, LUA_REGISTRYINDEX, iv->params_ref);
    lua_insert(L, -1 - extra_args);
    const lua_host_when when = { prefix, hook, week, (unsigned long long)w->replicate };
    return lua_host_call(iv->host, 2 + extra_args, &when, err);
}

ps_status interventions_week(world *w, int week, ps_error *err)
{
    if (!w->ivw) return PS_OK;
    for (int i = 0; i < w->ivw->n; i++) {
        iv_one *iv = &w->ivw->iv[i];
        if (week < iv->start || week >= iv->end) continue;
        ps_status st = PS_OK;
        if (week == iv->start && iv->hook_ref[0] != LUA_NOREF)
            st = call_hook(w, iv, iv->hook_ref[0], 0, "", "setup", week, err);
        if (!st && iv->hook_ref[1] != LUA_NOREF) st = call_hook(w, iv, iv->hook_ref[1], 0, "", "week", week, err);
        if (st) return st;
    }
    return PS_OK;
}

ps_status interventions_events(world *w, int week, ps_error *err)
{
    if (!w->ivw) return PS_OK;
    for (size_t e = 0; e < w->n_ev; e++) {
        int kind = w->ev_kind[e];
        for (int i = 0; i < w->ivw->n; i++) {
            iv_one *iv = &w->ivw->iv[i];
            if (iv->on_ref[kind] == LUA_NOREF || week < iv->start || week >= iv->end) continue;
            lua_State *L = lua_host_state(iv->host);
            int household = kind == EV_DEBT || kind == EV_HOUSING;
            lua_api_push_one(L, household, w->ev_entity[e]);
            int extra = 1;
            if (kind == EV_SERVICE_START) {
                lua_api_push_service(L, w->ev_extra[e]);
                extra = 2;
            } else if (kind == EV_SERVICE_END) {
                lua_api_push_service(L, w->ev_extra[e] / 2);
                lua_pushboolean(L, w->ev_extra[e] % 2);
                extra = 3;
            }
            ps_status st = call_hook(w, iv, iv->on_ref[kind], extra, "on.", iv_event_names[kind], week, err);
            if (st) return st;
        }
    }
    w->n_ev = 0;
    return PS_OK;
}

ps_status interventions_finish(world *w, int week, ps_error *err)
{
    if (!w->ivw) return PS_OK;
    for (int i = 0; i < w->ivw->n; i++) {
        iv_one *iv = &w->ivw->iv[i];
        if (week != iv->end - 1 || iv->hook_ref[2] == LUA_NOREF) continue;
        ps_status st = call_hook(w, iv, iv->hook_ref[2], 0, "", "finish", week, err);
        if (st) return st;
    }
    return PS_OK;
}

/* ------------------------------------------------------------ events */

int events_push(world *w, int kind, uint32_t entity, int extra)
{
    if (w->n_ev == w->cap_ev) {
        size_t ncap = w->cap_ev ? w->cap_ev * 2 : 1024;
        uint8_t *k = ps_reallocarray(w->ev_kind, ncap, sizeof *k);
        if (!k) return -1;
        w->ev_kind = k;
        uint32_t *e = ps_reallocarray(w->ev_entity, ncap, sizeof *e);
        if (!e) return -1;
        w->ev_entity = e;
        int16_t *x = ps_reallocarray(w->ev_extra, ncap, sizeof *x);
        if (!x) return -1;
        w->ev_extra = x;
        w->cap_ev = ncap;
    }
    w->ev_kind[w->n_ev] = (uint8_t)kind;
    w->ev_entity[w->n_ev] = entity;
    w->ev_extra[w->n_ev] = (int16_t)extra;
    w->n_ev++;
    return 0;
}

/* ------------------------------------------------------------ modifiers */

void modifiers_apply(world *w, uint32_t i, int week, double *onset, double *recovery, double *crisis)
{
    uint32_t *link = &w->mod[i];
    while (*link) {
        modifier *m = &w->mod_pool[*link];
        if (week >= m->until) { /* ran out: unlink and free */
            uint32_t dead = *link;
            *link = m->next;
            m->next = w->mod_free;
            w->mod_free = dead;
            continue;
        }
        *onset *= m->onset;
        *recovery *= m->recovery;
        *crisis *= m->crisis;
        link = &m->next;
    }
}

int modifiers_add(world *w, uint32_t i, double onset, double recovery, double crisis, int until_week)
{
    uint32_t idx = w->mod_free;
    if (idx) {
        w->mod_free = w->mod_pool[idx].next;
    } else {
        if (w->mod_used + 1 >= w->mod_cap) {
            size_t ncap = w->mod_cap ? w->mod_cap * 2 : 4096;
            if (ncap > UINT32_MAX) return -1;
            modifier *p = ps_reallocarray(w->mod_pool, ncap, sizeof *p);
            if (!p) return -1;
            w->mod_pool = p;
            w->mod_cap = ncap;
        }
        idx = (uint32_t)++w->mod_used; /* index 0 means none */
    }
    modifier *m = &w->mod_pool[idx];
    m->onset = onset;
    m->recovery = recovery;
    m->crisis = crisis;
    m->until = until_week;
    m->next = w->mod[i];
    w->mod[i] = idx;
    return 0;
}

/* ------------------------------------------------------------ costs */

void interventions_cost(world *w, const char *agency, double amount)
{
    const metrics_layout *L = &w->mp->layout;
    if (w->week < 0 || !w->rec) return;
    w->spend_total += amount;
    for (int a = 0; a < L->n_agencies; a++)
        if (strcmp(L->agencies[a], agency) == 0) {
            w->base_spend[a] += amount;
            return;
        }
    char col[96];
    ps_fmt(col, sizeof col, "cost_%s", agency);
    dyncol *c = record_dyncol(w->rec, col, DYN_COST); /* reserved when the agency first appeared */
    if (c) c->v[w->week] += amount;
}

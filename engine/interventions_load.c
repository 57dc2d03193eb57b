/*
 * interventions_load: a scenario's scripts read, hashed and checked
 * before any run (interventions_load in interventions.h): each script is
 * run once in a sandbox of its own, its returned table checked (hooks,
 * events, params, ranges) and the scenario's params checked against it.
 * interventions.c runs them in each replicate.
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cJSON.h>
#include <lauxlib.h>

#include "alloc.h"
#include "err.h"
#include "interventions.h"
#include "interventions_internal.h"
#include "json.h"
#include "lua_host.h"
#include "sbuf.h"
#include "schema.h"

static const char *const top_keys[] = { "name", "description", "params", "ranges", "setup", "week", "finish", "on",
                                        NULL };

static size_t count_words(const char *const *w)
{
    size_t n = 0;
    while (w[n]) n++;
    return n;
}

/* Is the table at idx without a metatable? The engine reads it raw, so a
 * metatable's __index would be ignored: better said than silently not
 * found. */
static ps_status plain_table(lua_State *L, int idx, const char *name, const char *what, ps_error *err)
{
    if (!lua_getmetatable(L, idx)) return PS_OK;
    lua_pop(L, 1);
    return err_set(err, PS_ERR_SCRIPT, "%s: %s has a metatable; return plain tables (the engine reads them as they are, "
                                       "without metamethods)", name, what);
}

/* The script table is on top of the stack. Checks its fields. */
static ps_status check_table(lua_State *L, const char *name, ps_error *err)
{
    ps_status st = plain_table(L, -1, name, "the returned table", err);
    if (st) return st;
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
            st = err_set(err, PS_ERR_SCRIPT, "%s: the returned table has an unknown field \"%s\"%s%s%s", name, key,
                         s ? " (did you mean \"" : "", s ? s : "", s ? "\"?)" : "");
            lua_pop(L, 1);
            return st;
        }
    }
    static const struct { const char *key; int type; const char *what; } want[] = {
        { "name", LUA_TSTRING, "a string" }, { "description", LUA_TSTRING, "a string" },
        { "params", LUA_TTABLE, "a table of defaults" }, { "ranges", LUA_TTABLE, "a table of ranges of params" },
        { "setup", LUA_TFUNCTION, "a function" },
        { "week", LUA_TFUNCTION, "a function" }, { "finish", LUA_TFUNCTION, "a function" },
        { "on", LUA_TTABLE, "a table of event hooks" },
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        int t = iv_raw_field(L, -1, want[i].key);
        lua_pop(L, 1);
        if (t != LUA_TNIL && t != want[i].type)
            return err_set(err, PS_ERR_SCRIPT, "%s: field \"%s\" of the returned table: expected %s, got a %s", name,
                           want[i].key, want[i].what, lua_typename(L, t));
        if (t == LUA_TTABLE) {
            char what[64];
            ps_fmt(what, sizeof what, "field \"%s\" of the returned table", want[i].key);
            iv_raw_field(L, -1, want[i].key);
            st = plain_table(L, -1, name, what, err);
            lua_pop(L, 1);
            if (st) return st;
        }
    }
    if (iv_raw_field(L, -1, "on") == LUA_TTABLE) {
        lua_pushnil(L);
        while (lua_next(L, -2)) {
            const char *ev = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "?";
            int known = 0;
            for (int e = 0; e < EV_COUNT; e++) known |= strcmp(ev, iv_event_names[e]) == 0;
            if (!known) {
                const char *s = schema_closest(iv_event_names, EV_COUNT, ev);
                st = err_set(err, PS_ERR_SCRIPT, "%s: on.%s: unknown event%s%s%s (events: crisis, onset, recovery, "
                             "job_loss, debt, housing, service_start, service_end)",
                             name, ev, s ? " (did you mean \"" : "", s ? s : "", s ? "\"?)" : "");
                lua_pop(L, 3);
                return st;
            }
            if (!lua_isfunction(L, -1)) {
                st = err_set(err, PS_ERR_SCRIPT, "%s: on.%s: expected a function, got a %s", name, ev,
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
static ps_status check_params(lua_State *L, const cfg_intervention *iv, const cJSON *params, const script_src *src,
                              iv_origin_fn at, const void *ud, ps_error *err)
{
    ps_status st = PS_OK;
    char base[300];
    ps_fmt(base, sizeof base, "interventions[%s].params", iv->name);
    int has = iv_raw_field(L, -1, "params") == LUA_TTABLE;
    for (const cJSON *kv = params->child; kv && !st; kv = kv->next) {
        char path[400];
        ps_fmt(path, sizeof path, "%s.%s", base, kv->string);
        const char *file = at(ud, path); /* the file, or the --set, that gave this param */
        int t = has ? iv_raw_field(L, -1, kv->string) : LUA_TNIL;
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
    return st;
}

/* ------------------------------------------------------------ ranges of params */

/* The range a script's ranges table gives a number param. */
typedef struct param_range {
    double lo, hi;
    int whole;
} param_range;

static int in_range(const param_range *r, double v)
{
    return v >= r->lo && v <= r->hi && (!r->whole || v == floor(v));
}

/* "a whole number from 1 to 520", "a number of 0 or more", ... */
static void range_text(const param_range *r, char *buf, size_t size)
{
    char lo[40], hi[40];
    const char *what = r->whole ? "a whole number" : "a number";
    fmt_number(lo, sizeof lo, r->lo);
    fmt_number(hi, sizeof hi, r->hi);
    if (isfinite(r->lo) && isfinite(r->hi)) ps_fmt(buf, size, "%s from %s to %s", what, lo, hi);
    else if (isfinite(r->lo)) ps_fmt(buf, size, "%s of %s or more", what, lo);
    else if (isfinite(r->hi)) ps_fmt(buf, size, "%s of %s or less", what, hi);
    else ps_fmt(buf, size, "%s", what);
}

/* Reads ranges[name], on top of the stack: {min, max}, {min = a},
 * {max = b} or {min = a, max = b}, with whole = true for whole numbers. */
static ps_status read_range(lua_State *L, const char *script, const char *name, param_range *r, ps_error *err)
{
    static const char form[] = "expected {min, max}, {min = a}, {max = b} or {min = a, max = b}, with whole = true "
                               "for whole numbers";
    r->lo = -HUGE_VAL;
    r->hi = HUGE_VAL;
    r->whole = 0;
    if (!lua_istable(L, -1))
        return err_set(err, PS_ERR_SCRIPT, "%s: ranges.%s: %s, got a %s", script, name, form, luaL_typename(L, -1));
    int have_lo = 0, have_hi = 0;
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "";
        lua_Integer i = lua_type(L, -2) == LUA_TNUMBER && lua_isinteger(L, -2) ? lua_tointeger(L, -2) : 0;
        int lo = i == 1 || !strcmp(k, "min"), hi = i == 2 || !strcmp(k, "max");
        const char *bad = NULL;
        if (!strcmp(k, "whole")) {
            if (lua_isboolean(L, -1)) r->whole = lua_toboolean(L, -1);
            else bad = "whole: expected true or false";
        } else if (lo || hi) {
            double v = lua_tonumber(L, -1);
            if (lua_type(L, -1) != LUA_TNUMBER || isnan(v)) bad = "expected numbers as bounds";
            else if (lo ? have_lo : have_hi) bad = "a bound is given twice";
            else if (lo) r->lo = v, have_lo = 1;
            else r->hi = v, have_hi = 1;
        } else {
            bad = form;
        }
        lua_pop(L, 1);
        if (bad) {
            lua_pop(L, 1);
            return err_set(err, PS_ERR_SCRIPT, "%s: ranges.%s: %s", script, name, bad);
        }
    }
    if (!have_lo && !have_hi) return err_set(err, PS_ERR_SCRIPT, "%s: ranges.%s: %s, got {}", script, name, form);
    if (r->lo > r->hi) return err_set(err, PS_ERR_SCRIPT, "%s: ranges.%s: min is above max", script, name);
    return PS_OK;
}

/* The script table is on top of the stack. Each number param the script
 * gives a range (its ranges table) must be in it: the script's default,
 * and the scenario's value. So a library script's params are checked
 * when the scenario loads, by placesim check as well as run, and the
 * message names the file and the JSON path, as for any scenario value. */
static ps_status check_ranges(lua_State *L, const cfg_intervention *iv, const cJSON *params, const script_src *src,
                              iv_origin_fn at, const void *ud, ps_error *err)
{
    if (iv_raw_field(L, -1, "ranges") != LUA_TTABLE) {
        lua_pop(L, 1);
        return PS_OK;
    }
    iv_raw_field(L, -2, "params"); /* script, ranges, params */
    ps_status st = PS_OK;
    lua_pushnil(L);
    while (!st && lua_next(L, -3)) { /* script, ranges, params, name, range */
        if (lua_type(L, -2) != LUA_TSTRING) {
            st = err_set(err, PS_ERR_SCRIPT, "%s: ranges: expected the names of params as keys", src->shown);
            lua_pop(L, 2);
            break;
        }
        const char *name = lua_tostring(L, -2);
        int t = lua_istable(L, -3) ? iv_raw_field(L, -3, name) : (lua_pushnil(L), LUA_TNIL);
        double dflt = lua_tonumber(L, -1);
        lua_pop(L, 1);
        param_range r;
        char text[120], got[40];
        if (t != LUA_TNUMBER)
            st = err_set(err, PS_ERR_SCRIPT, "%s: ranges.%s: expected a param with a number as its default", src->shown,
                         name);
        if (!st) st = read_range(L, src->shown, name, &r, err);
        if (!st) range_text(&r, text, sizeof text);
        if (!st && !in_range(&r, dflt))
            st = err_set(err, PS_ERR_SCRIPT, "%s: params.%s: the default %s is not %s (ranges.%s)", src->shown, name,
                         fmt_number(got, sizeof got, dflt), text, name);
        const cJSON *v = st ? NULL : cJSON_GetObjectItemCaseSensitive(params, name);
        if (v && cJSON_IsNumber(v) && !in_range(&r, v->valuedouble)) {
            char path[400];
            ps_fmt(path, sizeof path, "interventions[%s].params.%s", iv->name, name);
            st = err_set(err, PS_ERR_INVALID, "%s: %s: expected %s (the range %s gives it), got %s", at(ud, path), path,
                         text, src->shown, fmt_number(got, sizeof got, v->valuedouble));
        }
        lua_pop(L, st ? 2 : 1); /* the range, and the name if the loop ends */
    }
    lua_pop(L, 2);
    return st;
}

/* What check_script is given, and what it finds. */
typedef struct script_check {
    const cfg_intervention *iv;
    const script_src *src;
    const cJSON *params;
    iv_origin_fn at;
    const void *ud;
    ps_status st;
    ps_error *err;
} script_check;

/* In a protected call (lua_host_protected): the script's table and the
 * scenario's params against it. */
static int check_script(lua_State *L)
{
    script_check *c = lua_touserdata(L, 1);
    lua_host_push_script(lua_host_of(L));
    c->st = check_table(L, c->src->shown, c->err);
    if (!c->st) c->st = check_params(L, c->iv, c->params, c->src, c->at, c->ud, c->err);
    if (!c->st) c->st = check_ranges(L, c->iv, c->params, c->src, c->at, c->ud, c->err);
    lua_pop(L, 1);
    return 0;
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
    lua_limits lim = iv_limits_of(cfg);
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
        cJSON *params = NULL;
        st = json_parse_text(iv->params, strlen(iv->params), "params", &params, err);
        if (!st) {
            script_check c = { iv, s, params, at, ud, PS_OK, err };
            st = lua_host_protected(host, check_script, &c, err);
            if (!st) st = c.st;
        }
        cJSON_Delete(params);
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

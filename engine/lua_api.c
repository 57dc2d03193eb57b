/* lua_api: the sim object. See lua_api.h and docs/lua-api.md. */
#include "lua_api.h"

#include <math.h>
#include <string.h>

#include <cJSON.h>
#include <lauxlib.h>

#include "interventions.h"
#include "json.h"
#include "lua_api_internal.h"
#include "lua_host.h"
#include "lua_places.h"
#include "lua_select.h"
#include "rng.h"
#include "sbuf.h"
#include "schema.h"
#include "world.h"

/* ------------------------------------------------------------ helpers */

int lua_api_unknown_key(lua_State *L, const char *what, const char *key, const char *const *known)
{
    size_t n = 0;
    while (known[n]) n++;
    const char *s = schema_closest(known, n, key);
    if (s) return luaL_error(L, "%s: unknown %s \"%s\" (did you mean \"%s\"?)", what, "key", key, s);
    return luaL_error(L, "%s: unknown key \"%s\"", what, key);
}

/* ------------------------------------------------------------ money, columns, log, luck */

static int sim_spend(lua_State *L)
{
    world *w = world_of(L);
    lua_api_ctx *c = ctx_of(L);
    const char *agency = luaL_checkstring(L, 2);
    lua_Number amount = luaL_checknumber(L, 3);
    const char *label = luaL_optstring(L, 4, "spend");
    if (!(isfinite(amount) && amount >= 0)) { /* a negative amount would hide costs inside the totals */
        char got[40];
        return luaL_error(L, "sim:spend: amount: expected a finite amount of GBP 0 or more, got %s",
                          fmt_number(got, sizeof got, amount));
    }
    if (!json_valid_name(agency))
        return luaL_error(L, "sim:spend: agency: expected a name of letters, digits, '_' or '-', got \"%s\"", agency);
    if (!lua_api_reserve_agency(w, agency))
        return luaL_error(L, "sim:spend: no room for a column for the new agency \"%s\" (limits.columns is %d)", agency,
                          w->mp->cfg->limits.columns);
    char name[200];
    ps_fmt(name, sizeof name, "%s.%s", c->name, label);
    dyncol *col = w->rec ? record_dyncol(w->rec, name, DYN_SPEND) : NULL;
    if (w->rec && !col)
        return luaL_error(L, "sim:spend: no room to record spending labelled \"%s\" (limits.columns is %d)", label,
                          w->mp->cfg->limits.columns);
    interventions_cost(w, agency, amount);
    if (col && w->week >= 0) col->v[w->week] += amount;
    return 0;
}

/* Is name a column timeseries.csv has or may have: replicate, week, the
 * engine's fixed columns, or a cost column (cost_<agency> for any agency a
 * scenario, an added service or sim:spend may bring)? */
static int engine_column(const char *name)
{
    if (!strcmp(name, "replicate") || !strcmp(name, "week") || !strncmp(name, "cost_", 5)) return 1;
    for (int c = 0; c < TS_FIXED; c++)
        if (!strcmp(metrics_ts_names[c], name)) return 1;
    return 0;
}

static int sim_record(lua_State *L)
{
    world *w = world_of(L);
    const char *metric = luaL_checkstring(L, 2);
    /* a number, not a string that reads as one; and finite: NaN is how a
     * week without a record is kept, and inf would reach the CSV */
    if (lua_type(L, 3) != LUA_TNUMBER)
        return luaL_error(L, "sim:record: value: expected a number, got a %s", luaL_typename(L, 3));
    lua_Number v = lua_tonumber(L, 3);
    if (!isfinite(v)) {
        char got[40];
        return luaL_error(L, "sim:record: value: expected a finite number, got %s", fmt_number(got, sizeof got, v));
    }
    if (!json_valid_name(metric))
        return luaL_error(L, "sim:record: expected a column name of letters, digits, '_' or '-', got \"%s\"", metric);
    if (engine_column(metric))
        return luaL_error(L, "sim:record: \"%s\" is a column of the engine's own (replicate, week, the model's columns "
                             "and every cost_ column are); choose a name of your own", metric);
    if (!w->rec || w->week < 0) return 0;
    dyncol *col = record_dyncol(w->rec, metric, DYN_RECORD);
    if (!col) return luaL_error(L, "sim:record: no room for the column \"%s\" (limits.columns is %d)", metric,
                                w->mp->cfg->limits.columns);
    col->v[w->week] = v;
    return 0;
}

static int sim_log(lua_State *L)
{
    lua_host_log_values(L, 2);
    return 0;
}

static int sim_rand(lua_State *L)
{
    lua_pushnumber(L, lua_host_rand(L));
    return 1;
}

static int sim_rand_int(lua_State *L)
{
    lua_Integer n = luaL_checkinteger(L, 2);
    luaL_argcheck(L, n >= 1 && n <= UINT32_MAX, 2, "expected a whole number from 1");
    lua_pushinteger(L, 1 + (lua_Integer)lua_host_rand_bounded(L, (uint32_t)n));
    return 1;
}

/*
 * rand_for(entity [, label]): the luck of a person or household (a
 * selection of one) for one decision this week, uniform in [0, 1). It is a
 * keyed draw (DESIGN.md, principle 2): a function of the seed, replicate,
 * week, the intervention's name, the label and the entity, and of nothing
 * else, so every scenario that asks it of the same entity in the same week
 * gets the same number, however many draws and events came before. The
 * same arguments in the same week give the same number; another label
 * gives an independent one, for another decision about the same entity.
 */
static int sim_rand_for(lua_State *L)
{
    selection *s = luaL_testudata(L, 2, MT_SEL);
    if (!s || s->n != 1) {
        if (s)
            return luaL_error(L, "sim:rand_for: expected a person or household (a selection of one), got a selection of "
                                 "%d %s", (int)s->n, s->households ? "households" : "persons");
        return luaL_error(L, "sim:rand_for: expected a person or household (a selection of one), got a %s",
                          luaL_typename(L, 2));
    }
    if (!lua_isnoneornil(L, 3) && lua_type(L, 3) != LUA_TSTRING)
        return luaL_error(L, "sim:rand_for: label: expected a string, got a %s", luaL_typename(L, 3));
    const char *label = luaL_optstring(L, 3, "");
    lua_api_ctx *c = ctx_of(L);
    world *w = c->w;
    uint32_t purpose = rng_purpose_of_name(s->households ? RNG_SCRIPT_HOUSEHOLD : RNG_SCRIPT_PERSON, c->name);
    uint64_t key = rng_key(w->seed, w->replicate, w->week, purpose);
    if (*label) key = rng_subkey(key, rng_hash_name(label));
    lua_pushnumber(L, rng_u01(rng_keyed(key, s->ids[0])));
    return 1;
}

static int sim_index(lua_State *L)
{
    const char *key = luaL_checkstring(L, 2);
    if (lua_api_method(L, 2)) return 1;
    world *w = world_of(L);
    if (!strcmp(key, "week")) lua_pushinteger(L, w->week);
    else if (!strcmp(key, "weeks")) lua_pushinteger(L, w->mp->cfg->weeks);
    else if (!strcmp(key, "replicate")) lua_pushinteger(L, (lua_Integer)w->replicate);
    else if (!strcmp(key, "scale")) lua_pushnumber(L, w->mp->cfg->population.scale);
    else {
        static const char *const keys[] = { "week", "weeks", "replicate", "scale", "rand", "rand_int", "rand_for", "persons",
                                            "households", "service", "add_service", "neighbourhoods", "spend",
                                            "record", "log", NULL };
        return lua_api_unknown_key(L, "sim", key, keys);
    }
    return 1;
}

/* ------------------------------------------------------------ opening */

void lua_api_new_type(lua_State *L, const char *name, const luaL_Reg *meta, const luaL_Reg *methods)
{
    luaL_newmetatable(L, name);
    /* the methods are the metamethods' upvalue (lua_api_method) */
    lua_newtable(L);
    if (methods) luaL_setfuncs(L, methods, 0);
    luaL_setfuncs(L, meta, 1);
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable"); /* scripts cannot change or see it */
    lua_pop(L, 1);
}

void lua_api_open(lua_State *L)
{
    static const luaL_Reg sim_meta[] = { { "__index", sim_index }, { NULL, NULL } };
    static const luaL_Reg sim_methods[] = {
        { "rand", sim_rand }, { "rand_int", sim_rand_int }, { "rand_for", sim_rand_for },
        { "persons", lua_select_persons }, { "households", lua_select_households },
        { "service", lua_places_service }, { "add_service", lua_places_add_service },
        { "neighbourhoods", lua_places_neighbourhoods }, { "spend", sim_spend }, { "record", sim_record },
        { "log", sim_log }, { NULL, NULL }
    };
    lua_api_new_type(L, MT_SIM, sim_meta, sim_methods);
    lua_select_open(L);
    lua_places_open(L);
    lua_newuserdatauv(L, 1, 0);
    luaL_setmetatable(L, MT_SIM);
    lua_setfield(L, LUA_REGISTRYINDEX, "placesim.the_sim");
}

void lua_api_push_sim(lua_State *L) { lua_getfield(L, LUA_REGISTRYINDEX, "placesim.the_sim"); }

/* ------------------------------------------------------------ conversions */

/* A Lua table to JSON: a sequence becomes an array, string keys an object. */
cJSON *lua_api_to_json(lua_State *L, int idx, int depth)
{
    idx = lua_absindex(L, idx);
    switch (lua_type(L, idx)) {
    case LUA_TBOOLEAN: return cJSON_CreateBool(lua_toboolean(L, idx));
    case LUA_TNUMBER: return cJSON_CreateNumber(lua_tonumber(L, idx));
    case LUA_TSTRING: return cJSON_CreateString(lua_tostring(L, idx));
    case LUA_TTABLE: break;
    default: return NULL;
    }
    if (depth > 16) return NULL;
    lua_Integer n = (lua_Integer)lua_rawlen(L, idx);
    int keyed = 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) != LUA_TNUMBER) keyed = 1;
    }
    cJSON *out = keyed || n == 0 ? cJSON_CreateObject() : cJSON_CreateArray();
    if (!out) return NULL;
    if (!keyed && n > 0) {
        for (lua_Integer i = 1; i <= n; i++) {
            lua_rawgeti(L, idx, i);
            cJSON *v = lua_api_to_json(L, -1, depth + 1);
            lua_pop(L, 1);
            if (!v) {
                cJSON_Delete(out);
                return NULL;
            }
            cJSON_AddItemToArray(out, v);
        }
        return out;
    }
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        if (lua_type(L, -2) != LUA_TSTRING) {
            lua_pop(L, 2);
            cJSON_Delete(out);
            return NULL;
        }
        cJSON *v = lua_api_to_json(L, -1, depth + 1);
        if (!v) {
            lua_pop(L, 2);
            cJSON_Delete(out);
            return NULL;
        }
        cJSON_AddItemToObject(out, lua_tostring(L, -2), v);
        lua_pop(L, 1);
    }
    return out;
}

/* A Lua table to JSON as the schema expects it: an empty table is an empty
 * list where the schema wants a list, an empty object where it wants one
 * (Lua cannot tell the two apart). */
cJSON *lua_api_to_json_as(lua_State *L, int idx, const schema_node *node, int depth)
{
    idx = lua_absindex(L, idx);
    if (!node || !lua_istable(L, idx)) return lua_api_to_json(L, idx, depth);
    if (node->kind == SK_STRING_LIST || node->kind == SK_ENUM_SET) {
        cJSON *arr = lua_api_to_json(L, idx, depth);
        if (arr && cJSON_IsObject(arr) && !arr->child) {
            cJSON_Delete(arr);
            return cJSON_CreateArray();
        }
        return arr;
    }
    if (node->kind != SK_OBJECT && node->kind != SK_NAMED_LIST) return lua_api_to_json(L, idx, depth);
    cJSON *obj = cJSON_CreateObject();
    if (!obj || depth > 16) {
        cJSON_Delete(obj);
        return NULL;
    }
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        if (lua_type(L, -2) != LUA_TSTRING) {
            lua_pop(L, 2);
            cJSON_Delete(obj);
            return NULL;
        }
        const char *key = lua_tostring(L, -2);
        cJSON *v = lua_api_to_json_as(L, -1, schema_child(node, key), depth + 1);
        lua_pop(L, 1);
        if (!v) {
            lua_pop(L, 1);
            cJSON_Delete(obj);
            return NULL;
        }
        cJSON_AddItemToObject(obj, key, v);
    }
    return obj;
}

/* Makes sure costs of agency have a column: the scenario's own, or a new
 * one in the replicate's record. Returns 0 when there is no room. */
int lua_api_reserve_agency(world *w, const char *agency)
{
    const metrics_layout *L = &w->mp->layout;
    for (int a = 0; a < L->n_agencies; a++)
        if (!strcmp(L->agencies[a], agency)) return 1;
    if (!w->rec) return 1;
    char col[96];
    ps_fmt(col, sizeof col, "cost_%s", agency);
    return record_dyncol(w->rec, col, DYN_COST) != NULL;
}

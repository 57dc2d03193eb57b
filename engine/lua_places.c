/* lua_places: service and neighbourhood handles. See lua_places.h. */
#include "lua_places.h"

#include <string.h>

#include <cJSON.h>
#include <lauxlib.h>

#include "alloc.h"
#include "err.h"
#include "lua_api_internal.h"
#include "sbuf.h"
#include "schema.h"
#include "world.h"

/* ------------------------------------------------------------ names */

/* The names of the services (of the support services only, if
 * support_only) into names[max]; returns how many. */
size_t lua_places_service_names(const world *w, int support_only, const char **names, size_t max)
{
    size_t n = 0;
    for (int s = 0; s < w->svt.n && n < max; s++)
        if (!support_only || w->svt.def[s]->role == ROLE_SUPPORT) names[n++] = w->svt.def[s]->name;
    return n;
}

/* The index of the service called name, or -1. */
int lua_places_service_index(const world *w, const char *name)
{
    for (int s = 0; s < w->svt.n; s++)
        if (strcmp(w->svt.def[s]->name, name) == 0) return s;
    return -1;
}

/* Index of the service called name (or a service handle), else an error. */
int lua_places_service_arg(lua_State *L, int idx, const char *what)
{
    world *w = world_of(L);
    if (lua_isuserdata(L, idx)) {
        int *h = luaL_checkudata(L, idx, MT_SVC);
        return *h;
    }
    const char *name = luaL_checkstring(L, idx);
    int s = lua_places_service_index(w, name);
    if (s >= 0) return s;
    const char *names[512];
    const char *best = schema_closest(names, lua_places_service_names(w, 0, names, 512), name);
    return luaL_error(L, "%s: there is no service named \"%s\"%s%s%s", what, name, best ? " (did you mean \"" : "",
                      best ? best : "", best ? "\"?)" : "");
}

/* The neighbourhood whose name is closest to a misspelt one, or NULL. */
const char *lua_places_closest_neighbourhood(const ps_config *cfg, const char *name)
{
    const char *names[4096];
    size_t n = 0;
    for (int j = 0; j < cfg->place.n_neighbourhoods && n < 4096; j++) names[n++] = cfg->place.neighbourhoods[j].name;
    return schema_closest(names, n, name);
}

/* ------------------------------------------------------------ services */

static int *check_svc(lua_State *L, int idx) { return luaL_checkudata(L, idx, MT_SVC); }

static int svc_tostring(lua_State *L)
{
    lua_pushfstring(L, "service \"%s\"", world_of(L)->svt.def[*check_svc(L, 1)]->name);
    return 1;
}

void lua_api_push_service(lua_State *L, int s)
{
    int *h = lua_newuserdatauv(L, sizeof *h, 0);
    *h = s;
    luaL_setmetatable(L, MT_SVC);
}

static int svc_index(lua_State *L)
{
    int s = *check_svc(L, 1);
    const char *key = luaL_checkstring(L, 2);
    world *w = world_of(L);
    const cfg_service *def = w->svt.def[s];
    static const char *const role_names[ROLE_COUNT] = { "crisis_team", "emergency", "inpatient", "support" };
    int waiting = 0, active = 0;
    if (def->role == ROLE_SUPPORT) {
        for (int u = 0; u < w->svt.sx[s].units; u++) {
            waiting += (int)w->sv[s].units[u].q.len;
            active += w->sv[s].units[u].active;
        }
    } else {
        active = w->active[s];
    }
    if (!strcmp(key, "name")) lua_pushstring(L, def->name);
    else if (!strcmp(key, "role")) lua_pushstring(L, role_names[def->role]);
    else if (!strcmp(key, "agency")) lua_pushstring(L, def->agency);
    else if (!strcmp(key, "capacity")) lua_pushinteger(L, w->capacity[s]);
    else if (!strcmp(key, "waiting")) lua_pushinteger(L, waiting);
    else if (!strcmp(key, "active")) lua_pushinteger(L, active);
    else if (!strcmp(key, "referrals")) lua_pushinteger(L, services_referrals(w, s));
    else {
        static const char *const keys[] = { "name", "role", "agency", "capacity", "waiting", "active", "referrals", NULL };
        return lua_api_unknown_key(L, "service", key, keys);
    }
    return 1;
}

static int svc_newindex(lua_State *L)
{
    int s = *check_svc(L, 1);
    const char *key = luaL_checkstring(L, 2);
    world *w = world_of(L);
    if (strcmp(key, "capacity") != 0)
        return luaL_error(L, "service: only capacity can be set, not \"%s\"", key);
    lua_Number v = luaL_checknumber(L, 3);
    char got[40];
    if (!(v >= 0 && v <= CONFIG_MAX_CAPACITY))
        return luaL_error(L, "service: capacity: expected a number from 0 to %d, got %s", CONFIG_MAX_CAPACITY,
                          fmt_number(got, sizeof got, v));
    w->capacity[s] = config_clamp_capacity(v);
    return 0;
}

int lua_places_service(lua_State *L)
{
    lua_api_push_service(L, lua_places_service_arg(L, 2, "sim:service"));
    return 1;
}

/* add_service{...}: a support service from the same keys as a scenario's. */
int lua_places_add_service(lua_State *L)
{
    luaL_checktype(L, 2, LUA_TTABLE);
    world *w = world_of(L);
    lua_api_ctx *c = ctx_of(L);
    const ps_config *cfg = w->mp->cfg;
    int slot = w->svt.n - w->mp->svt.n;
    if (slot >= cfg->limits.added_services)
        return luaL_error(L, "sim:add_service: no room for another service (limits.added_services is %d)",
                          cfg->limits.added_services);
    /* Lua table -> JSON -> the scenario's checks and defaults. */
    cJSON *item = lua_api_to_json_as(L, 2, keys_service(), 0);
    if (!item || !cJSON_IsObject(item)) {
        cJSON_Delete(item);
        return luaL_error(L, "sim:add_service: expected a table of service keys");
    }
    ps_error err;
    err_clear(&err);
    const char *where = "sim:add_service";
    (void)c;
    const schema_node *svc = keys_service(); /* a service's keys, as in a scenario */
    ps_status st = schema_validate(svc, item, 1, "", NULL, where, &err);
    if (!st) st = schema_fill_defaults(svc, item, item, NULL, &err);
    if (!st) st = schema_validate(svc, item, 0, "", NULL, where, &err);
    cfg_service *def = &w->added[slot];
    memset(def, 0, sizeof *def);
    if (!st) st = schema_compile(svc, item, def, &err);
    cJSON_Delete(item);
    if (!st && def->role != ROLE_SUPPORT) {
        st = err_set(&err, PS_ERR_INVALID, "%s: role: expected \"support\"; a script cannot add to the crisis pathway",
                     where);
    }
    for (int s = 0; !st && s < w->svt.n; s++)
        if (!strcmp(w->svt.def[s]->name, def->name))
            st = err_set(&err, PS_ERR_INVALID, "%s: name: a service named \"%s\" exists already", where, def->name);
    def->via_index = -1;
    if (!st && def->route == ROUTE_REFERRAL) {
        for (int s = 0; s < w->svt.n; s++)
            if (def->via && !strcmp(w->svt.def[s]->name, def->via) && w->svt.def[s]->role == ROLE_SUPPORT) def->via_index = s;
        if (def->via_index < 0)
            st = err_set(&err, PS_ERR_INVALID, "%s: access.via: expected the name of a support service, got \"%s\"", where,
                         def->via ? def->via : "nothing");
    }
    for (int j = 0; !st && j < def->n_neighbourhoods; j++)
        if (config_neighbourhood_index(cfg, def->neighbourhoods[j]) < 0) {
            const char *best = lua_places_closest_neighbourhood(cfg, def->neighbourhoods[j]);
            st = err_set(&err, PS_ERR_INVALID, "%s: neighbourhoods: there is no neighbourhood named \"%s\"%s%s%s", where,
                         def->neighbourhoods[j], best ? " (did you mean \"" : "", best ? best : "", best ? "\"?)" : "");
        }
    int index = -1;
    if (!st && !lua_api_reserve_agency(w, def->agency))
        st = err_set(&err, PS_ERR_LIMIT, "%s: no room for a column for the new agency \"%s\" (limits.columns is %d)",
                     where, def->agency, cfg->limits.columns);
    if (!st) st = services_add(w, def, &index, &err);
    if (st) {
        schema_release(keys_service(), def);
        return luaL_error(L, "%s", err.message);
    }
    if (w->rec) {
        w->rec->added[slot] = ps_strdup(def->name);
        w->rec->added_week[slot] = w->week;
    }
    lua_api_push_service(L, index);
    return 1;
}

/* ------------------------------------------------------------ neighbourhoods */

static int nb_index(lua_State *L)
{
    int k = *(int *)luaL_checkudata(L, 1, MT_NB);
    const char *key = luaL_checkstring(L, 2);
    world *w = world_of(L);
    const cfg_neighbourhood *nb = &w->mp->cfg->place.neighbourhoods[k];
    if (!strcmp(key, "name")) lua_pushstring(L, nb->name);
    else if (!strcmp(key, "index")) lua_pushinteger(L, k + 1);
    else if (!strcmp(key, "deprivation_decile")) lua_pushinteger(L, nb->decile);
    else if (!strcmp(key, "households")) lua_pushinteger(L, w->mp->pop->nb_hh[k + 1] - w->mp->pop->nb_hh[k]);
    else if (!strcmp(key, "adults")) lua_pushinteger(L, (lua_Integer)w->nb_now[(size_t)k * NB_COUNT + NB_ADULTS]);
    else if (!strcmp(key, "social_capital")) lua_pushnumber(L, w->social_capital[k]);
    else if (!strcmp(key, "hubs")) lua_pushinteger(L, nb->hubs);
    else if (!strcmp(key, "vcs_orgs")) lua_pushinteger(L, nb->vcs_orgs);
    else {
        static const char *const keys[] = { "name", "index", "deprivation_decile", "households", "adults",
                                            "social_capital", "hubs", "vcs_orgs", NULL };
        return lua_api_unknown_key(L, "neighbourhood", key, keys);
    }
    return 1;
}

static int nb_tostring(lua_State *L)
{
    int k = *(int *)luaL_checkudata(L, 1, MT_NB);
    lua_pushfstring(L, "neighbourhood \"%s\"", world_of(L)->mp->cfg->place.neighbourhoods[k].name);
    return 1;
}

static int nb_newindex(lua_State *L)
{
    int k = *(int *)luaL_checkudata(L, 1, MT_NB);
    const char *key = luaL_checkstring(L, 2);
    if (strcmp(key, "social_capital") != 0)
        return luaL_error(L, "neighbourhood: only social_capital can be set, not \"%s\"", key);
    lua_Number v = luaL_checknumber(L, 3);
    char got[40];
    if (!(v >= 0 && v <= 1))
        return luaL_error(L, "neighbourhood: social_capital: expected a number from 0 to 1, got %s",
                          fmt_number(got, sizeof got, v));
    world_of(L)->social_capital[k] = v;
    return 0;
}

int lua_places_neighbourhoods(lua_State *L)
{
    world *w = world_of(L);
    int n = w->mp->pop->n_nbhd;
    lua_createtable(L, n, 0);
    for (int k = 0; k < n; k++) {
        int *h = lua_newuserdatauv(L, sizeof *h, 0);
        *h = k;
        luaL_setmetatable(L, MT_NB);
        lua_rawseti(L, -2, k + 1);
    }
    return 1;
}

/* ------------------------------------------------------------ opening */

void lua_places_open(lua_State *L)
{
    static const luaL_Reg svc_meta[] = {
        { "__index", svc_index }, { "__newindex", svc_newindex }, { "__tostring", svc_tostring }, { NULL, NULL }
    };
    static const luaL_Reg nb_meta[] = {
        { "__index", nb_index }, { "__newindex", nb_newindex }, { "__tostring", nb_tostring }, { NULL, NULL }
    };
    lua_api_new_type(L, MT_SVC, svc_meta, NULL);
    lua_api_new_type(L, MT_NB, nb_meta, NULL);
}

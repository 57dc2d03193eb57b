/* lua_filter: filter tables read into a struct filter. See lua_filter.h. */
#include "lua_filter.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

#include "lua_api_internal.h"
#include "lua_places.h"
#include "sbuf.h"
#include "schema.h"
#include "world.h"

const char *const lua_filter_state_names[ST_COUNT] = { "child", "well", "struggling", "crisis", "recovering" };
const char *const lua_filter_tenure_names[] = { "owned_outright", "mortgage", "private_rent", "social_rent", NULL };

/* A bound of a range as an int: open (+-inf) and far bounds clamped to
 * what no field reaches, so the filter's arithmetic cannot overflow. */
static int range_bound(double x)
{
    return x < -1 ? -1 : x > (double)(1 << 30) ? 1 << 30 : (int)x;
}

/*
 * A range bounds a whole-number field (age, deprivation decile, household
 * size). A number n is the range {n, n} and must be whole: no field is ever
 * 40.5, so that can only be a mistake. A table gives the bounds as {min,
 * max}, {min = a}, {max = b} or {a} (a bound left out stays open). A bound
 * stands for an inequality, so a fractional one is rounded inward: a lower
 * bound up, an upper bound down ({30.5, 40} is 31 to 40); +-math.huge is
 * open. Anything else (a string, NaN, another key, an empty table, a bound
 * given twice) is an error naming the key.
 */
static void range_arg(lua_State *L, int idx, int *lo, int *hi, const char *what, const char *key)
{
    if (lua_type(L, idx) == LUA_TNUMBER) {
        lua_Number x = lua_tonumber(L, idx);
        char got[40];
        if (!isfinite(x) || x != floor(x)) /* no one is of age inf or NaN either */
            luaL_error(L, "%s: %s: expected a whole number or {min, max}, got %s", what, key,
                       fmt_number(got, sizeof got, x));
        *lo = *hi = range_bound(x);
        return;
    }
    if (!lua_istable(L, idx))
        luaL_error(L, "%s: %s: expected {min, max} or a whole number, got a %s", what, key, luaL_typename(L, idx));
    int given[2] = { 0, 0 };
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        int upper = -1;
        if (lua_type(L, -2) == LUA_TSTRING) {
            const char *k = lua_tostring(L, -2);
            upper = !strcmp(k, "min") ? 0 : !strcmp(k, "max") ? 1 : -1;
        } else if (lua_isinteger(L, -2)) {
            lua_Integer k = lua_tointeger(L, -2);
            upper = k == 1 ? 0 : k == 2 ? 1 : -1;
        }
        if (upper < 0) {
            int quote = lua_type(L, -2) == LUA_TSTRING;
            lua_pushvalue(L, -2);
            luaL_error(L, "%s: %s: expected {min, max}, {min = a} or {max = b}, got the key %s%s%s", what, key,
                       quote ? "\"" : "", luaL_tolstring(L, -1, NULL), quote ? "\"" : "");
        }
        if (lua_type(L, -1) != LUA_TNUMBER || isnan(lua_tonumber(L, -1)))
            luaL_error(L, "%s: %s: expected a number for the %s bound, got a %s", what, key, upper ? "upper" : "lower",
                       lua_type(L, -1) == LUA_TNUMBER ? "NaN" : luaL_typename(L, -1));
        if (given[upper]++)
            luaL_error(L, "%s: %s: the %s bound is given twice (as [%d] and %s)", what, key, upper ? "upper" : "lower",
                       upper + 1, upper ? "max" : "min");
        lua_Number x = lua_tonumber(L, -1);
        if (upper) *hi = range_bound(floor(x));
        else *lo = range_bound(ceil(x));
        lua_pop(L, 1);
    }
    if (!given[0] && !given[1])
        luaL_error(L, "%s: %s: expected {min, max}, {min = a} or {max = b}, got an empty table", what, key);
}

/* Calls fn for each string in a string or array of strings at idx; fn
 * gets what (the method, for its messages) too. */
typedef void (*name_fn)(lua_State *L, const char *what, const char *name, void *ud);
static void each_name(lua_State *L, int idx, const char *what, const char *key, name_fn fn, void *ud)
{
    if (lua_type(L, idx) == LUA_TSTRING) {
        fn(L, what, lua_tostring(L, idx), ud);
        return;
    }
    if (!lua_istable(L, idx)) luaL_error(L, "%s: %s: expected a name or a list of names, got a %s", what, key,
                                         luaL_typename(L, idx));
    lua_Integer n = luaL_len(L, idx);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_geti(L, idx, i);
        if (lua_type(L, -1) != LUA_TSTRING) luaL_error(L, "%s: %s: expected names in the list", what, key);
        fn(L, what, lua_tostring(L, -1), ud);
        lua_pop(L, 1);
    }
}

/* "a", "b" and "c" (last_sep " and ") into buf, as many names as fit,
 * then "...". */
static const char *quoted_list(const char *const *names, size_t n, const char *last_sep, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        const char *sep = i == 0 ? "" : i + 1 == n ? last_sep : ", ";
        int k = snprintf(buf + used, size - used, "%s\"%s\"", sep, names[i]);
        if (k < 0 || (size_t)k >= size - used - 5) {
            snprintf(buf + used, size - used, ", ...");
            break;
        }
        used += (size_t)k;
    }
    return n ? buf : "none";
}

/* A name that is none of the values key takes (a state, a tenure): the
 * values it does take, and the closest of them. */
static void unknown_value(lua_State *L, const char *what, const char *key, const char *name,
                          const char *const *known, size_t n)
{
    char list[300];
    quoted_list(known, n, " or ", list, sizeof list);
    const char *best = schema_closest(known, n, name);
    luaL_error(L, "%s: %s: unknown value \"%s\"; expected one of %s%s%s%s", what, key, name, list,
               best ? " (did you mean \"" : "", best ? best : "", best ? "\"?)" : "");
}

static void add_state(lua_State *L, const char *what, const char *name, void *ud)
{
    filter *f = ud;
    for (int s = ST_WELL; s < ST_COUNT; s++)
        if (strcmp(lua_filter_state_names[s], name) == 0) {
            f->states |= 1u << s;
            return;
        }
    /* children are never selected, so "child" is no value of the filter */
    unknown_value(L, what, "state", name, lua_filter_state_names + ST_WELL, ST_COUNT - ST_WELL);
}

static void add_nbhd(lua_State *L, const char *what, const char *name, void *ud)
{
    filter *f = ud;
    world *w = world_of(L);
    int k = config_neighbourhood_index(w->mp->cfg, name);
    if (k < 0) {
        const char *best = lua_places_closest_neighbourhood(w->mp->cfg, name);
        luaL_error(L, "%s: neighbourhood: there is no neighbourhood named \"%s\"%s%s%s", what, name,
                   best ? " (did you mean \"" : "", best ? best : "", best ? "\"?)" : "");
    }
    f->nb_ok[k] = 1;
}

static void add_tenure(lua_State *L, const char *what, const char *name, void *ud)
{
    filter *f = ud;
    size_t n = 0;
    for (; lua_filter_tenure_names[n]; n++)
        if (strcmp(lua_filter_tenure_names[n], name) == 0) {
            f->tenures |= 1u << n;
            return;
        }
    unknown_value(L, what, "tenure", name, lua_filter_tenure_names, n);
}

/* A service test of a filter (in_service, waiting_for): true (in or waiting
 * for any support service), false (none), or a support service by name or
 * handle. Only support services have episodes and waiting lists, so any
 * other service, or an unknown name, is an error naming the support
 * services. Returns 1, 0 or 2 + the service. */
static int service_filter(lua_State *L, int idx, const char *what, const char *key)
{
    if (lua_isboolean(L, idx)) return lua_toboolean(L, idx) ? 1 : 0;
    world *w = world_of(L);
    int s;
    const char *name;
    if (lua_type(L, idx) == LUA_TSTRING) {
        name = lua_tostring(L, idx);
        s = lua_places_service_index(w, name);
    } else if (luaL_testudata(L, idx, MT_SVC)) {
        s = *(int *)lua_touserdata(L, idx);
        name = w->svt.def[s]->name;
    } else {
        return luaL_error(L, "%s: %s: expected true, false or the name of a support service, got a %s", what, key,
                          luaL_typename(L, idx));
    }
    if (s >= 0 && w->svt.def[s]->role == ROLE_SUPPORT) return 2 + s;
    const char *names[512];
    size_t n = lua_places_service_names(w, 1, names, 512);
    char list[400];
    quoted_list(names, n, " and ", list, sizeof list);
    if (s >= 0)
        return luaL_error(L, "%s: %s: \"%s\" is not a support service (the crisis pathway keeps no episodes or waiting "
                             "lists; use state = \"crisis\"); support services: %s",
                          what, key, name, n ? list : "none");
    const char *best = schema_closest(names, n, name);
    return luaL_error(L, "%s: %s: there is no support service named \"%s\"%s%s%s; support services: %s", what, key,
                      name, best ? " (did you mean \"" : "", best ? best : "", best ? "\"?)" : "", n ? list : "none");
}

void lua_filter_read(lua_State *L, int idx, int households, filter *f, const char *what, uint8_t *nb_buf)
{
    world *w = world_of(L);
    memset(f, 0, sizeof *f);
    f->states = (1u << ST_WELL) | (1u << ST_STRUGGLING) | (1u << ST_CRISIS) | (1u << ST_RECOVERING);
    f->tenures = (1u << 4) - 1;
    f->age_lo = ADULT_AGE;
    f->age_hi = 255;
    f->dec_lo = 1;
    f->dec_hi = 10;
    f->in_service = f->waiting = f->sex = f->workless = -1;
    f->size_lo = 0;
    f->size_hi = 1 << 30;
    if (lua_isnoneornil(L, idx)) return;
    luaL_checktype(L, idx, LUA_TTABLE);
    static const char *const person_keys[] = { "state", "age", "neighbourhood", "deprivation_decile", "employed",
                                               "unemployed", "debt", "housing_insecure", "lonely", "discriminated",
                                               "low_income", "renter", "no_qualifications", "alone", "in_service",
                                               "waiting_for", "sex", NULL };
    static const char *const household_keys[] = { "neighbourhood", "deprivation_decile", "debt", "housing_insecure",
                                                   "low_income", "renter", "tenure", "size", "workless", NULL };
    const char *const *known = households ? household_keys : person_keys;
    /* A list of names means "any of these", so an empty list passes nobody,
     * whatever the key (state, neighbourhood, tenure). */
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        if (lua_type(L, -2) != LUA_TSTRING) luaL_error(L, "%s: filter keys must be names", what);
        const char *key = lua_tostring(L, -2);
        int v = lua_gettop(L);
        int ok = 0;
        for (const char *const *k = known; *k; k++) ok |= strcmp(*k, key) == 0;
        if (!ok) lua_api_unknown_key(L, what, key, known);
        if (!strcmp(key, "state")) {
            f->states = 0;
            each_name(L, v, what, key, add_state, f);
        } else if (!strcmp(key, "age")) {
            range_arg(L, v, &f->age_lo, &f->age_hi, what, key);
        } else if (!strcmp(key, "deprivation_decile")) {
            range_arg(L, v, &f->dec_lo, &f->dec_hi, what, key);
        } else if (!strcmp(key, "size")) {
            range_arg(L, v, &f->size_lo, &f->size_hi, what, key);
        } else if (!strcmp(key, "neighbourhood")) {
            memset(nb_buf, 0, (size_t)w->mp->pop->n_nbhd);
            f->nb_ok = nb_buf;
            each_name(L, v, what, key, add_nbhd, f);
        } else if (!strcmp(key, "tenure")) {
            f->tenures = 0;
            each_name(L, v, what, key, add_tenure, f);
        } else if (!strcmp(key, "in_service")) {
            f->in_service = service_filter(L, v, what, key);
        } else if (!strcmp(key, "waiting_for")) {
            f->waiting = service_filter(L, v, what, key);
        } else if (!strcmp(key, "sex")) {
            const char *sx = luaL_checkstring(L, v);
            if (strcmp(sx, "female") && strcmp(sx, "male"))
                luaL_error(L, "%s: sex: expected \"female\" or \"male\", got \"%s\"", what, sx);
            f->sex = !strcmp(sx, "female");
        } else {
            if (!lua_isboolean(L, v)) luaL_error(L, "%s: %s: expected true or false, got a %s", what, key,
                                                 luaL_typename(L, v));
            int on = lua_toboolean(L, v);
            static const struct { const char *key; int household; uint8_t bit; } flags[] = {
                { "employed", 0, PF_EMPLOYED }, { "unemployed", 0, PF_UNEMPLOYED }, { "lonely", 0, PF_LONELY },
                { "discriminated", 0, PF_DISCRIMINATED }, { "no_qualifications", 0, PF_LOW_QUAL },
                { "alone", 0, PF_ALONE }, { "debt", 1, HF_DEBT }, { "housing_insecure", 1, HF_HOUSING_INSECURE },
                { "low_income", 1, HF_LOW_INCOME }, { "renter", 1, HF_RENTER },
            };
            if (!strcmp(key, "workless")) f->workless = on;
            for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
                if (strcmp(flags[i].key, key)) continue;
                uint8_t *dst = flags[i].household ? (on ? &f->hf_on : &f->hf_off) : (on ? &f->pf_on : &f->pf_off);
                *dst |= flags[i].bit;
            }
        }
        lua_settop(L, v - 1);
    }
}

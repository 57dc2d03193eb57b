/* lua_api: the sim object. See lua_api.h and docs/lua-api.md. */
#include "lua_api.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>
#include <lauxlib.h>

#include "alloc.h"
#include "err.h"
#include "interventions.h"
#include "json.h"
#include "lua_host.h"
#include "rng.h"
#include "sbuf.h"
#include "schema.h"
#include "world.h"

#define MT_SIM "placesim.sim"
#define MT_SEL "placesim.selection"
#define MT_SVC "placesim.service"
#define MT_NB "placesim.neighbourhood"

typedef struct selection {
    int households;   /* 0: persons */
    uint32_t n;
    uint32_t ids[];   /* ascending */
} selection;

static lua_api_ctx *ctx_of(lua_State *L) { return lua_host_context(L); }
static world *world_of(lua_State *L) { return ctx_of(L)->w; }

static const char *const state_names[ST_COUNT] = { "child", "well", "struggling", "crisis", "recovering" };
static const char *const tenure_names[] = { "owned_outright", "mortgage", "private_rent", "social_rent", NULL };

/* ------------------------------------------------------------ helpers */

static cJSON *to_json_as(lua_State *L, int idx, const schema_node *node, int depth);

static selection *new_selection(lua_State *L, int households, uint32_t n, const uint32_t *ids)
{
    selection *s = lua_newuserdatauv(L, sizeof *s + (size_t)n * sizeof(uint32_t), 0);
    s->households = households;
    s->n = n;
    if (n) memcpy(s->ids, ids, (size_t)n * sizeof(uint32_t));
    luaL_setmetatable(L, MT_SEL);
    return s;
}

static int unknown_key(lua_State *L, const char *what, const char *key, const char *const *known)
{
    size_t n = 0;
    while (known[n]) n++;
    const char *s = schema_closest(known, n, key);
    if (s) return luaL_error(L, "%s: unknown %s \"%s\" (did you mean \"%s\"?)", what, "key", key, s);
    return luaL_error(L, "%s: unknown key \"%s\"", what, key);
}

/* The names of the services (of the support services only, if
 * support_only) into names[max]; returns how many. */
static size_t service_names(const world *w, int support_only, const char **names, size_t max)
{
    size_t n = 0;
    for (int s = 0; s < w->svt.n && n < max; s++)
        if (!support_only || w->svt.def[s]->role == ROLE_SUPPORT) names[n++] = w->svt.def[s]->name;
    return n;
}

/* The index of the service called name, or -1. */
static int service_index(const world *w, const char *name)
{
    for (int s = 0; s < w->svt.n; s++)
        if (strcmp(w->svt.def[s]->name, name) == 0) return s;
    return -1;
}

/* Index of the service called name (or a service handle), else an error. */
static int service_arg(lua_State *L, int idx, const char *what)
{
    world *w = world_of(L);
    if (lua_isuserdata(L, idx)) {
        int *h = luaL_checkudata(L, idx, MT_SVC);
        return *h;
    }
    const char *name = luaL_checkstring(L, idx);
    int s = service_index(w, name);
    if (s >= 0) return s;
    const char *names[512];
    const char *best = schema_closest(names, service_names(w, 0, names, 512), name);
    return luaL_error(L, "%s: there is no service named \"%s\"%s%s%s", what, name, best ? " (did you mean \"" : "",
                      best ? best : "", best ? "\"?)" : "");
}

static double number_field(lua_State *L, int t, const char *key, double dflt, double lo, double hi, const char *what)
{
    double v = dflt;
    if (lua_getfield(L, t, key) != LUA_TNIL) {
        if (!lua_isnumber(L, -1)) luaL_error(L, "%s: %s: expected a number, got a %s", what, key, luaL_typename(L, -1));
        v = lua_tonumber(L, -1);
        if (!(v >= lo && v <= hi)) {
            char range[96], got[40];
            fmt_number(got, sizeof got, v);
            ps_fmt(range, sizeof range, "from %g to %g, got %s", lo, hi, got); /* Lua's formats have no %g */
            luaL_error(L, "%s: %s: expected a number %s", what, key, range);
        }
    }
    lua_pop(L, 1);
    return v;
}

/* A C loop over n entities counts against the script's instruction budget
 * at one instruction per 16 entities, so a script cannot escape its budget
 * by making the engine loop for it. */
static void charge_scan(lua_State *L, uint64_t n)
{
    lua_host_charge(L, (unsigned)(n / 16 + 1));
}

/* ------------------------------------------------------------ filters */

typedef struct filter {
    unsigned states;           /* bit per enum wstate: those that pass */
    int age_lo, age_hi;
    uint8_t *nb_ok;            /* NULL: every neighbourhood */
    int dec_lo, dec_hi;
    uint8_t pf_on, pf_off;     /* person flags that must be set / clear */
    uint8_t hf_on, hf_off;
    int in_service;            /* -1 any; 0 none; 1 some; 2 + s: that service */
    int waiting;
    int sex;                   /* -1 any, 0 male, 1 female */
    unsigned tenures;          /* households: bit per tenure, those that pass */
    int size_lo, size_hi;
    int workless;              /* -1 any */
} filter;

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

static const char *quoted_list(const char *const *names, size_t n, const char *last_sep, char *buf, size_t size);

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
        if (strcmp(state_names[s], name) == 0) {
            f->states |= 1u << s;
            return;
        }
    /* children are never selected, so "child" is no value of the filter */
    unknown_value(L, what, "state", name, state_names + ST_WELL, ST_COUNT - ST_WELL);
}

/* The neighbourhood whose name is closest to a misspelt one, or NULL. */
static const char *closest_neighbourhood(const ps_config *cfg, const char *name)
{
    const char *names[4096];
    size_t n = 0;
    for (int j = 0; j < cfg->place.n_neighbourhoods && n < 4096; j++) names[n++] = cfg->place.neighbourhoods[j].name;
    return schema_closest(names, n, name);
}

static void add_nbhd(lua_State *L, const char *what, const char *name, void *ud)
{
    filter *f = ud;
    world *w = world_of(L);
    int k = config_neighbourhood_index(w->mp->cfg, name);
    if (k < 0) {
        const char *best = closest_neighbourhood(w->mp->cfg, name);
        luaL_error(L, "%s: neighbourhood: there is no neighbourhood named \"%s\"%s%s%s", what, name,
                   best ? " (did you mean \"" : "", best ? best : "", best ? "\"?)" : "");
    }
    f->nb_ok[k] = 1;
}

static void add_tenure(lua_State *L, const char *what, const char *name, void *ud)
{
    filter *f = ud;
    size_t n = 0;
    for (; tenure_names[n]; n++)
        if (strcmp(tenure_names[n], name) == 0) {
            f->tenures |= 1u << n;
            return;
        }
    unknown_value(L, what, "tenure", name, tenure_names, n);
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
        s = service_index(w, name);
    } else if (luaL_testudata(L, idx, MT_SVC)) {
        s = *(int *)lua_touserdata(L, idx);
        name = w->svt.def[s]->name;
    } else {
        return luaL_error(L, "%s: %s: expected true, false or the name of a support service, got a %s", what, key,
                          luaL_typename(L, idx));
    }
    if (s >= 0 && w->svt.def[s]->role == ROLE_SUPPORT) return 2 + s;
    const char *names[512];
    size_t n = service_names(w, 1, names, 512);
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

/* Reads a filter table at idx (may be absent) into f; nb_buf has room for
 * a flag per neighbourhood and lives on the Lua stack while f is used. */
static void read_filter(lua_State *L, int idx, int households, filter *f, const char *what, uint8_t *nb_buf)
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
        if (!ok) unknown_key(L, what, key, known);
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

/* Whether person i passes: branch-free but for the service tests, which
 * are the same for everyone and so predicted. */
static inline unsigned person_passes(const world *w, const filter *f, uint32_t i, uint8_t hf, unsigned states)
{
    const popdata *pop = w->mp->pop;
    unsigned st = w->st[i], pf = w->pf[i], age = pop->p_age[i];
    unsigned ok = (states >> st) & 1u;
    ok &= age - (unsigned)f->age_lo <= (unsigned)(f->age_hi - f->age_lo);
    ok &= (pf & f->pf_on) == f->pf_on;
    ok &= (pf & f->pf_off) == 0;
    ok &= (hf & f->hf_on) == f->hf_on;
    ok &= (hf & f->hf_off) == 0;
    if (f->sex >= 0) ok &= ((pf & PF_FEMALE) != 0) == (unsigned)f->sex;
    if (f->in_service >= 0) {
        int s = w->svc[i];
        ok &= f->in_service == 0 ? s == 0 : f->in_service == 1 ? s != 0 : s == f->in_service - 1;
    }
    if (f->waiting >= 0) {
        int s = w->wait[i];
        ok &= f->waiting == 0 ? s == 0 : f->waiting == 1 ? s != 0 : s == f->waiting - 1;
    }
    return ok;
}

static int household_workless(const world *w, uint32_t h)
{
    return (w->hf[h] & HF_LABOUR_FORCE) && w->workers[h] == 0;
}

static int household_passes(const world *w, const filter *f, uint32_t h)
{
    const popdata *pop = w->mp->pop;
    uint8_t hf = w->hf[h];
    if ((hf & f->hf_on) != f->hf_on || (hf & f->hf_off)) return 0;
    if (!((f->tenures >> pop->hh_tenure[h]) & 1u)) return 0;
    int size = (int)(pop->hh_first[h + 1] - pop->hh_first[h]);
    if (size < f->size_lo || size > f->size_hi) return 0;
    if (f->workless >= 0 && household_workless(w, h) != f->workless) return 0;
    return 1;
}

/* One C loop over the neighbourhoods the filter allows. */
static int select(lua_State *L, int households)
{
    world *w = world_of(L);
    const popdata *pop = w->mp->pop;
    const ps_config *cfg = w->mp->cfg;
    filter f;
    lua_settop(L, 2); /* the filter, or nil for everyone, below the buffer */
    int top = lua_gettop(L);
    uint8_t *nb_buf = lua_newuserdatauv(L, (size_t)pop->n_nbhd + 1, 0); /* anchored while we select */
    read_filter(L, 2, households, &f, households ? "sim:households" : "sim:persons", nb_buf);
    uint32_t n = 0;
    /* adults in the states asked for; age_hi < age_lo passes nobody */
    unsigned states = f.states & ~(1u << ST_CHILD);
    if (f.age_hi < f.age_lo) states = 0;
    /* The tests, hoisted into locals the compiler can keep in registers
     * (a store into the selection may otherwise alias the filter). */
    const uint8_t *st = w->st, *pf = w->pf, *hfs = w->hf, *age = pop->p_age;
    const uint32_t *phh = pop->p_hh;
    uint32_t *out = w->scratch;
    const unsigned pon = f.pf_on, poff = f.pf_off, hon = f.hf_on, hoff = f.hf_off;
    const unsigned age_lo = (unsigned)f.age_lo, age_span = (unsigned)(f.age_hi - f.age_lo);
    const int use_hf = (hon | hoff) != 0, use_age = f.age_lo > ADULT_AGE || f.age_hi < 255;
    const int use_rest = f.sex >= 0 || f.in_service >= 0 || f.waiting >= 0;
    for (int k = 0; k < pop->n_nbhd; k++) {
        if (f.nb_ok && !f.nb_ok[k]) continue;
        int dec = cfg->place.neighbourhoods[k].decile;
        if (dec < f.dec_lo || dec > f.dec_hi) continue;
        if (households) {
            for (uint32_t h = pop->nb_hh[k]; h < pop->nb_hh[k + 1]; h++)
                if (household_passes(w, &f, h)) out[n++] = h;
            continue;
        }
        const uint32_t a = pop->hh_first[pop->nb_hh[k]], b = pop->hh_first[pop->nb_hh[k + 1]];
        for (uint32_t i = a; i < b; i++) {
            unsigned p = pf[i];
            unsigned ok = (states >> st[i]) & 1u;
            ok &= (p & pon) == pon;
            ok &= (p & poff) == 0;
            if (use_hf) {
                unsigned x = hfs[phh[i]];
                ok &= (x & hon) == hon;
                ok &= (x & hoff) == 0;
            }
            if (use_age) ok &= age[i] - age_lo <= age_span;
            if (use_rest && ok) ok = person_passes(w, &f, i, hfs[phh[i]], states);
            out[n] = i; /* kept only if it passes */
            n += ok;
        }
    }
    lua_settop(L, top);
    charge_scan(L, households ? pop->n_households : pop->n_persons);
    new_selection(L, households, n, w->scratch);
    return 1;
}

static int sim_persons(lua_State *L) { return select(L, 0); }
static int sim_households(lua_State *L) { return select(L, 1); }

/* ------------------------------------------------------------ selections */

static selection *check_sel(lua_State *L, int idx) { return luaL_checkudata(L, idx, MT_SEL); }

static int sel_count(lua_State *L)
{
    lua_pushinteger(L, check_sel(L, 1)->n);
    return 1;
}

typedef struct keyed_id {
    uint64_t key;
    uint32_t id;
} keyed_id;

static int by_key(const void *a, const void *b)
{
    const keyed_id *x = a, *y = b;
    if (x->key != y->key) return x->key < y->key ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

static int by_id(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* sample(n): the n members with the smallest keyed draws. The draws are
 * keyed by intervention, week, call and member, so two scenarios that ask
 * the same of the same people pick the same people. The call number is
 * mixed into the key (rng_subkey), so any number of calls in a week pick
 * independently. */
static int sel_sample(lua_State *L)
{
    selection *s = check_sel(L, 1);
    lua_Integer want = luaL_checkinteger(L, 2);
    luaL_argcheck(L, want >= 0, 2, "expected a count of 0 or more");
    lua_api_ctx *c = ctx_of(L);
    world *w = c->w;
    if (c->sample_week != w->week) {
        c->sample_week = w->week;
        c->sample_calls = 0;
    }
    uint64_t call = c->sample_calls++;
    if ((uint64_t)want >= s->n) {
        new_selection(L, s->households, s->n, s->ids);
        return 1;
    }
    uint64_t key = rng_subkey(rng_key(w->seed, w->replicate, w->week, rng_purpose_of_name(RNG_SCRIPT, c->name)), call);
    /* the want smallest (key, id) pairs, kept in a max-heap: O(n log want) */
    keyed_id *heap = lua_newuserdatauv(L, (size_t)want * sizeof *heap + 1, 0);
    size_t used = 0;
    for (uint32_t i = 0; i < s->n; i++) {
        keyed_id x = { rng_keyed(key, s->ids[i]), s->ids[i] };
        if (used < (size_t)want) { /* sift up */
            size_t j = used++;
            while (j > 0 && by_key(&heap[(j - 1) / 2], &x) < 0) {
                heap[j] = heap[(j - 1) / 2];
                j = (j - 1) / 2;
            }
            heap[j] = x;
        } else if (want > 0 && by_key(&x, &heap[0]) < 0) { /* replace the largest, sift down */
            size_t j = 0;
            for (;;) {
                size_t l = 2 * j + 1, r = l + 1, m = j;
                const keyed_id *big = &x;
                if (l < used && by_key(&heap[l], big) > 0) {
                    m = l;
                    big = &heap[l];
                }
                if (r < used && by_key(&heap[r], big) > 0) m = r;
                if (m == j) break;
                heap[j] = heap[m];
                j = m;
            }
            heap[j] = x;
        }
    }
    charge_scan(L, s->n);
    uint32_t *ids = w->scratch;
    for (size_t i = 0; i < used; i++) ids[i] = heap[i].id;
    qsort(ids, used, sizeof *ids, by_id);
    new_selection(L, s->households, (uint32_t)used, ids);
    return 1;
}

/* The persons of a selection (a household selection's adults). */
static int sel_persons(lua_State *L)
{
    selection *s = check_sel(L, 1);
    world *w = world_of(L);
    charge_scan(L, s->n);
    if (!s->households) {
        new_selection(L, 0, s->n, s->ids);
        return 1;
    }
    const popdata *pop = w->mp->pop;
    uint32_t n = 0;
    for (uint32_t j = 0; j < s->n; j++)
        for (uint32_t i = pop->hh_first[s->ids[j]]; i < pop->hh_first[s->ids[j] + 1]; i++)
            if (w->st[i] != ST_CHILD) w->scratch[n++] = i;
    charge_scan(L, n);
    new_selection(L, 0, n, w->scratch);
    return 1;
}

/* The households of a selection (each once). */
static int sel_households(lua_State *L)
{
    selection *s = check_sel(L, 1);
    world *w = world_of(L);
    charge_scan(L, s->n);
    if (s->households) {
        new_selection(L, 1, s->n, s->ids);
        return 1;
    }
    uint32_t n = 0;
    for (uint32_t j = 0; j < s->n; j++) { /* persons are in household order */
        uint32_t h = w->mp->pop->p_hh[s->ids[j]];
        if (n == 0 || w->scratch[n - 1] != h) w->scratch[n++] = h;
    }
    new_selection(L, 1, n, w->scratch);
    return 1;
}

static void set_employment(world *w, uint32_t i, int employed, int *changed)
{
    uint8_t f = w->pf[i];
    uint32_t h = w->mp->pop->p_hh[i];
    if (employed && (f & PF_UNEMPLOYED)) {
        w->pf[i] = (uint8_t)((f & ~PF_UNEMPLOYED) | PF_EMPLOYED);
        w->workers[h]++;
        *changed = 1;
    } else if (!employed && (f & PF_EMPLOYED)) {
        w->pf[i] = (uint8_t)((f & ~PF_EMPLOYED) | PF_UNEMPLOYED);
        w->workers[h]--;
        *changed = 1;
    }
}

static void set_hflag(world *w, uint32_t h, uint8_t bit, int on, int *changed)
{
    uint8_t x = w->hf[h];
    if (bit == HF_HOUSING_INSECURE && on && !(x & HF_RENTER)) return; /* owners are not housing insecure */
    uint8_t y = on ? (uint8_t)(x | bit) : (uint8_t)(x & ~bit);
    if (bit == HF_LOW_INCOME_BASE) { /* low income also follows it this week */
        int workless = (y & HF_LABOUR_FORCE) && w->workers[h] == 0;
        y = (uint8_t)((y & ~HF_LOW_INCOME) | (((y & HF_LOW_INCOME_BASE) || workless) ? HF_LOW_INCOME : 0));
    }
    if (y != x) *changed = 1;
    w->hf[h] = y;
}

/* set{...}: lonely, employed (people); debt, housing_insecure, low_income
 * (their households). Returns how many members changed. */
static int sel_set(lua_State *L)
{
    selection *s = check_sel(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    world *w = world_of(L);
    static const char *const pkeys[] = { "lonely", "employed", "debt", "housing_insecure", "low_income", NULL };
    static const char *const hkeys[] = { "debt", "housing_insecure", "low_income", NULL };
    int lonely = -1, employed = -1, debt = -1, housing = -1, low = -1;
    lua_pushnil(L);
    while (lua_next(L, 2)) {
        const char *key = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "?";
        int *dst = !strcmp(key, "lonely") && !s->households ? &lonely
                   : !strcmp(key, "employed") && !s->households ? &employed
                   : !strcmp(key, "debt") ? &debt
                   : !strcmp(key, "housing_insecure") ? &housing
                   : !strcmp(key, "low_income") ? &low
                                                : NULL;
        if (!dst) unknown_key(L, ":set", key, s->households ? hkeys : pkeys);
        if (!lua_isboolean(L, -1)) luaL_error(L, ":set: %s: expected true or false, got a %s", key, luaL_typename(L, -1));
        *dst = lua_toboolean(L, -1);
        lua_pop(L, 1);
    }
    int count = 0;
    const popdata *pop = w->mp->pop;
    for (uint32_t j = 0; j < s->n; j++) {
        int changed = 0;
        uint32_t h = s->households ? s->ids[j] : pop->p_hh[s->ids[j]];
        if (!s->households) {
            uint32_t i = s->ids[j];
            if (lonely >= 0) {
                uint8_t f = w->pf[i];
                w->pf[i] = lonely ? (uint8_t)(f | PF_LONELY) : (uint8_t)(f & ~PF_LONELY);
                changed |= w->pf[i] != f;
            }
            if (employed >= 0) set_employment(w, i, employed, &changed);
        }
        if (debt >= 0) set_hflag(w, h, HF_DEBT, debt, &changed);
        if (housing >= 0) set_hflag(w, h, HF_HOUSING_INSECURE, housing, &changed);
        if (low >= 0) set_hflag(w, h, HF_LOW_INCOME_BASE, low, &changed);
        count += changed;
    }
    charge_scan(L, s->n);
    lua_pushinteger(L, count);
    return 1;
}

/* refer(service): puts each person who is eligible, lives where the service
 * serves, and is not already waiting or in an episode, on the service's
 * waiting list (services_refer). Returns how many joined; the others are
 * not referred. */
static int sel_refer(lua_State *L)
{
    selection *s = check_sel(L, 1);
    world *w = world_of(L);
    int svc = service_arg(L, 2, ":refer");
    if (s->households) return luaL_error(L, ":refer: refer persons (use :persons() on households)");
    if (w->svt.def[svc]->role != ROLE_SUPPORT)
        return luaL_error(L, ":refer: \"%s\" is part of the crisis pathway; people reach it by entering crisis",
                          w->svt.def[svc]->name);
    int n = 0;
    for (uint32_t j = 0; j < s->n; j++) {
        int joined = services_refer(w, s->ids[j], svc, w->week);
        if (joined < 0) return luaL_error(L, "out of memory");
        n += joined;
    }
    charge_scan(L, s->n);
    lua_pushinteger(L, n);
    return 1;
}

/* modify{onset=, recovery=, crisis=, weeks=}: temporary hazard multipliers
 * for exactly `weeks` wellbeing steps, from the next one: this week's when
 * called before the week's transitions (setup, week), next week's when
 * called after them (event hooks, finish). */
static int sel_modify(lua_State *L)
{
    selection *s = check_sel(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    world *w = world_of(L);
    static const char *const keys[] = { "onset", "recovery", "crisis", "weeks", NULL };
    lua_pushnil(L);
    while (lua_next(L, 2)) {
        const char *key = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "?";
        int ok = 0;
        for (const char *const *k = keys; *k; k++) ok |= !strcmp(*k, key);
        if (!ok) unknown_key(L, ":modify", key, keys);
        lua_pop(L, 1);
    }
    double onset = number_field(L, 2, "onset", 1, 0, 100, ":modify");
    double recovery = number_field(L, 2, "recovery", 1, 0, 100, ":modify");
    double crisis = number_field(L, 2, "crisis", 1, 0, 100, ":modify");
    if (lua_getfield(L, 2, "weeks") != LUA_TNUMBER) luaL_error(L, ":modify: weeks: expected how many weeks it lasts");
    lua_Integer weeks = lua_tointeger(L, -1);
    lua_pop(L, 1);
    if (weeks < 1 || weeks > 5200) luaL_error(L, ":modify: weeks: expected a whole number from 1 to 5200");
    int until = w->week + w->transitions_done + (int)weeks, n = 0;
    const popdata *pop = w->mp->pop;
    for (uint32_t j = 0; j < s->n; j++) {
        uint32_t a = s->households ? pop->hh_first[s->ids[j]] : s->ids[j];
        uint32_t b = s->households ? pop->hh_first[s->ids[j] + 1] : s->ids[j] + 1;
        for (uint32_t i = a; i < b; i++) {
            if (w->st[i] == ST_CHILD) continue;
            if (modifiers_add(w, i, onset, recovery, crisis, until)) return luaL_error(L, "out of memory");
            n++;
        }
    }
    charge_scan(L, s->n);
    lua_pushinteger(L, n);
    return 1;
}

/* each(fn): fn(member) for each member, the escape hatch. */
static int sel_each(lua_State *L)
{
    selection *s = check_sel(L, 1);
    luaL_checktype(L, 2, LUA_TFUNCTION);
    for (uint32_t j = 0; j < s->n; j++) {
        lua_pushvalue(L, 2);
        lua_api_push_one(L, s->households, s->ids[j]);
        lua_call(L, 1, 0);
    }
    return 0;
}

/* Fields of a selection of one. */
static int one_field(lua_State *L, const selection *s, const char *key)
{
    world *w = world_of(L);
    const popdata *pop = w->mp->pop;
    const ps_config *cfg = w->mp->cfg;
    uint32_t id = s->ids[0];
    uint32_t h = s->households ? id : pop->p_hh[id];
    int k = pop->hh_nbhd[h];
    uint8_t hf = w->hf[h];
    if (!strcmp(key, "id")) lua_pushinteger(L, id);
    else if (!strcmp(key, "neighbourhood")) lua_pushstring(L, cfg->place.neighbourhoods[k].name);
    else if (!strcmp(key, "deprivation_decile")) lua_pushinteger(L, cfg->place.neighbourhoods[k].decile);
    else if (!strcmp(key, "debt")) lua_pushboolean(L, hf & HF_DEBT);
    else if (!strcmp(key, "housing_insecure")) lua_pushboolean(L, hf & HF_HOUSING_INSECURE);
    else if (!strcmp(key, "low_income")) lua_pushboolean(L, hf & HF_LOW_INCOME);
    else if (!strcmp(key, "renter")) lua_pushboolean(L, hf & HF_RENTER);
    else if (s->households) {
        if (!strcmp(key, "size")) lua_pushinteger(L, pop->hh_first[h + 1] - pop->hh_first[h]);
        else if (!strcmp(key, "tenure")) lua_pushstring(L, tenure_names[pop->hh_tenure[h]]);
        else if (!strcmp(key, "workless")) lua_pushboolean(L, household_workless(w, h));
        else return 0;
    } else {
        uint8_t pf = w->pf[id];
        if (!strcmp(key, "age")) lua_pushinteger(L, pop->p_age[id]);
        else if (!strcmp(key, "sex")) lua_pushstring(L, (pf & PF_FEMALE) ? "female" : "male");
        else if (!strcmp(key, "state")) lua_pushstring(L, state_names[w->st[id]]);
        else if (!strcmp(key, "employed")) lua_pushboolean(L, pf & PF_EMPLOYED);
        else if (!strcmp(key, "unemployed")) lua_pushboolean(L, pf & PF_UNEMPLOYED);
        else if (!strcmp(key, "lonely")) lua_pushboolean(L, pf & PF_LONELY);
        else if (!strcmp(key, "discriminated")) lua_pushboolean(L, pf & PF_DISCRIMINATED);
        else if (!strcmp(key, "no_qualifications")) lua_pushboolean(L, pf & PF_LOW_QUAL);
        else if (!strcmp(key, "alone")) lua_pushboolean(L, pf & PF_ALONE);
        else if (!strcmp(key, "household")) lua_pushinteger(L, h);
        else if (!strcmp(key, "in_service")) {
            if (w->svc[id]) lua_pushstring(L, w->svt.def[w->svc[id] - 1]->name);
            else lua_pushnil(L);
        } else if (!strcmp(key, "waiting_for")) {
            if (w->wait[id]) lua_pushstring(L, w->svt.def[w->wait[id] - 1]->name);
            else lua_pushnil(L);
        } else return 0;
    }
    return 1;
}

static int sel_index(lua_State *L)
{
    selection *s = check_sel(L, 1);
    const char *key = luaL_checkstring(L, 2);
    if (luaL_getmetafield(L, 1, "__methods") && lua_getfield(L, -1, key) != LUA_TNIL) return 1;
    if (s->n == 1 && one_field(L, s, key)) return 1;
    if (s->n != 1)
        return luaL_error(L, "selection has no method \"%s\" (fields like .%s belong to a selection of one person or "
                             "household)", key, key);
    return luaL_error(L, "%s has no field \"%s\"", s->households ? "a household" : "a person", key);
}

static int sel_len(lua_State *L)
{
    lua_pushinteger(L, check_sel(L, 1)->n);
    return 1;
}

static int sel_tostring(lua_State *L)
{
    selection *s = check_sel(L, 1);
    lua_pushfstring(L, "selection of %d %s", (int)s->n, s->households ? "households" : "persons");
    return 1;
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
        return unknown_key(L, "service", key, keys);
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

static int sim_service(lua_State *L)
{
    lua_api_push_service(L, service_arg(L, 2, "sim:service"));
    return 1;
}

/* add_service{...}: a support service from the same keys as a scenario's. */
static int sim_add_service(lua_State *L)
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
    cJSON *item = to_json_as(L, 2, keys_service(), 0);
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
            const char *best = closest_neighbourhood(cfg, def->neighbourhoods[j]);
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
        return unknown_key(L, "neighbourhood", key, keys);
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

static int sim_neighbourhoods(lua_State *L)
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
    lua_Number v = luaL_checknumber(L, 3);
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
    world *w = world_of(L);
    if (!strcmp(key, "week")) lua_pushinteger(L, w->week);
    else if (!strcmp(key, "weeks")) lua_pushinteger(L, w->mp->cfg->weeks);
    else if (!strcmp(key, "replicate")) lua_pushinteger(L, (lua_Integer)w->replicate);
    else if (!strcmp(key, "scale")) lua_pushnumber(L, w->mp->cfg->population.scale);
    else if (luaL_getmetafield(L, 1, "__methods") && lua_getfield(L, -1, key) != LUA_TNIL) return 1;
    else {
        static const char *const keys[] = { "week", "weeks", "replicate", "scale", "rand", "rand_int", "rand_for", "persons",
                                            "households", "service", "add_service", "neighbourhoods", "spend",
                                            "record", "log", NULL };
        return unknown_key(L, "sim", key, keys);
    }
    return 1;
}

/* ------------------------------------------------------------ opening */

static void new_type(lua_State *L, const char *name, const luaL_Reg *meta, const luaL_Reg *methods)
{
    luaL_newmetatable(L, name);
    luaL_setfuncs(L, meta, 0);
    if (methods) {
        lua_newtable(L);
        luaL_setfuncs(L, methods, 0);
        lua_setfield(L, -2, "__methods");
    }
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable"); /* scripts cannot change or see it */
    lua_pop(L, 1);
}

void lua_api_open(lua_State *L)
{
    static const luaL_Reg sim_meta[] = { { "__index", sim_index }, { NULL, NULL } };
    static const luaL_Reg sim_methods[] = {
        { "rand", sim_rand }, { "rand_int", sim_rand_int }, { "rand_for", sim_rand_for }, { "persons", sim_persons },
        { "households", sim_households }, { "service", sim_service }, { "add_service", sim_add_service },
        { "neighbourhoods", sim_neighbourhoods }, { "spend", sim_spend }, { "record", sim_record }, { "log", sim_log },
        { NULL, NULL }
    };
    static const luaL_Reg sel_meta[] = {
        { "__index", sel_index }, { "__len", sel_len }, { "__tostring", sel_tostring }, { NULL, NULL }
    };
    static const luaL_Reg sel_methods[] = {
        { "count", sel_count }, { "sample", sel_sample }, { "set", sel_set }, { "refer", sel_refer },
        { "modify", sel_modify }, { "each", sel_each }, { "persons", sel_persons }, { "households", sel_households },
        { NULL, NULL }
    };
    static const luaL_Reg svc_meta[] = {
        { "__index", svc_index }, { "__newindex", svc_newindex }, { "__tostring", svc_tostring }, { NULL, NULL }
    };
    static const luaL_Reg nb_meta[] = {
        { "__index", nb_index }, { "__newindex", nb_newindex }, { "__tostring", nb_tostring }, { NULL, NULL }
    };
    new_type(L, MT_SIM, sim_meta, sim_methods);
    new_type(L, MT_SEL, sel_meta, sel_methods);
    new_type(L, MT_SVC, svc_meta, NULL);
    new_type(L, MT_NB, nb_meta, NULL);
    lua_newuserdatauv(L, 1, 0);
    luaL_setmetatable(L, MT_SIM);
    lua_setfield(L, LUA_REGISTRYINDEX, "placesim.the_sim");
}

void lua_api_push_sim(lua_State *L) { lua_getfield(L, LUA_REGISTRYINDEX, "placesim.the_sim"); }

void lua_api_push_one(lua_State *L, int household, uint32_t id) { new_selection(L, household, 1, &id); }

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
static cJSON *to_json_as(lua_State *L, int idx, const schema_node *node, int depth)
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
        cJSON *v = to_json_as(L, -1, schema_child(node, key), depth + 1);
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

/* interventions: a scenario's scripts in a replicate: their states, hooks,
 * events, modifiers and costs. interventions_load.c checks them before a
 * run. See interventions.h. */
#include "interventions.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cJSON.h>
#include <lauxlib.h>

#include "alloc.h"
#include "interventions_internal.h"
#include "err.h"
#include "json.h"
#include "lua_api.h"
#include "lua_host.h"
#include "lua_select.h"
#include "rng.h"
#include "sbuf.h"
#include "schema.h"
#include "world.h"

const char *const iv_event_names[EV_COUNT] = {
    "crisis", "onset", "recovery", "job_loss", "debt", "housing", "service_start", "service_end"
};

const char *const iv_hook_names[] = { "setup", "week", "finish", NULL };

/* The engine reads what a script returns raw, running none of its
 * metamethods (an __index that fails or loops would run outside any
 * hook), so a metatable there changes nothing. */
int iv_raw_field(lua_State *L, int idx, const char *key)
{
    idx = lua_absindex(L, idx);
    lua_pushstring(L, key);
    return lua_rawget(L, idx);
}

lua_limits iv_limits_of(const ps_config *cfg)
{
    lua_limits l;
    l.instructions = (uint64_t)cfg->limits.instructions;
    l.memory = (size_t)(cfg->limits.memory_mb * 1024 * 1024);
    return l;
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
    luaL_checkstack(L, 3, "params nested too deeply");
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

/* What log.txt keeps of a replicate: lines, the bytes of a line, and
 * bytes in all. A line cut short ends with LOG_CUT; the last line kept
 * says the rest was left out. */
#define LOG_LINES 1000
#define LOG_LINE_BYTES 2000
#define LOG_BYTES 200000
#define LOG_CUT " ... (cut)"
#define LOG_MORE "(more lines were left out)"

/* A line of the log, from print, warn or sim:log. Without a byte limit,
 * 300 lines of a megabyte a week made a log of a gigabyte. Returns
 * non-zero when the log could not grow (out of memory): the caller makes
 * that an error, not a log.txt silently missing. */
static int log_line(void *ud, const char *script, const char *line)
{
    world *w = ud;
    if (!w->rec || w->log_lines >= LOG_LINES) return 0;
    char when[32];
    if (w->loading) ps_fmt(when, sizeof when, "loading");
    else ps_fmt(when, sizeof when, "week %d", w->week);
    size_t len = strlen(line);
    const char *tail = "";
    if (len > LOG_LINE_BYTES) { /* cut, but not inside a UTF-8 character */
        len = LOG_LINE_BYTES;
        while (len > 0 && ((unsigned char)line[len] & 0xC0) == 0x80) len--;
        tail = LOG_CUT;
    }
    size_t head = (size_t)snprintf(NULL, 0, "replicate %llu, %s, %s: ", (unsigned long long)w->replicate, when, script);
    if (w->log_lines == LOG_LINES - 1 || w->rec->log.len + head + len + strlen(tail) + 1 > LOG_BYTES) {
        line = LOG_MORE;
        len = strlen(line);
        tail = "";
        w->log_lines = LOG_LINES - 1; /* nothing more after it */
    }
    sb_printf(&w->rec->log, "replicate %llu, %s, %s: %.*s%s\n", (unsigned long long)w->replicate, when, script, (int)len,
              line, tail);
    w->log_lines++;
    return w->rec->log.failed ? -1 : 0;
}

/* What open_script is given. */
typedef struct script_open {
    world *w;
    iv_one *iv;
    const cJSON *params; /* the scenario's */
} script_open;

/* In a protected call (lua_host_protected): opens the API in the
 * intervention's state, makes its params (the script's defaults, then the
 * scenario's values) and keeps them and its hooks in the registry. The
 * script's table is read raw (raw_field). */
static int open_script(lua_State *L)
{
    script_open *o = lua_touserdata(L, 1);
    iv_one *iv = o->iv;
    lua_api_open(L);
    lua_host_push_script(lua_host_of(L));
    lua_createtable(L, 0, 8);
    if (iv_raw_field(L, -2, "params") == LUA_TTABLE) {
        lua_pushnil(L);
        while (lua_next(L, -2)) {
            lua_pushvalue(L, -2);
            lua_insert(L, -2);
            lua_rawset(L, -5);
        }
    }
    lua_pop(L, 1);
    for (const cJSON *kv = o->params->child; kv; kv = kv->next) {
        push_json(L, kv);
        lua_setfield(L, -2, kv->string);
    }
    iv->params_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    for (int k = 0; iv_hook_names[k]; k++) {
        if (iv_raw_field(L, -1, iv_hook_names[k]) == LUA_TFUNCTION) iv->hook_ref[k] = luaL_ref(L, LUA_REGISTRYINDEX);
        else lua_pop(L, 1);
    }
    if (iv_raw_field(L, -1, "on") == LUA_TTABLE) {
        for (int e = 0; e < EV_COUNT; e++) {
            if (iv_raw_field(L, -1, iv_event_names[e]) == LUA_TFUNCTION) {
                iv->on_ref[e] = luaL_ref(L, LUA_REGISTRYINDEX);
                o->w->event_mask |= EVENT_BIT(e);
            } else {
                lua_pop(L, 1);
            }
        }
    }
    lua_pop(L, 2); /* on, script */
    return 0;
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
    lua_limits lim = iv_limits_of(cfg);
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
        cJSON *params = cJSON_Parse(c->params);
        if (!params) return err_set(err, PS_ERR_NOMEM, "out of memory");
        script_open o = { w, iv, params };
        st = lua_host_protected(iv->host, open_script, &o, err);
        cJSON_Delete(params);
        if (st) return st;
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
        for (int i = 0; i < w->ivw->n; i++) {
            lua_host_free(w->ivw->iv[i].host);
            ps_free(w->ivw->iv[i].ctx.mod_until);
        }
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

/* A call of a hook: the hook (a registry reference) and, for an event,
 * what it is about. */
typedef struct hook_call {
    const world *w;
    const iv_one *iv;
    int ref;
    int kind;          /* the event, or -1 for setup, week and finish */
    uint32_t entity;   /* of the event */
    int extra;         /* of the event (events_push) */
} hook_call;

/* In the protected call of lua_host_call: pushes the hook, sim, the params
 * and an event's arguments, and calls it. Making the event's selection of
 * one and its service handle allocates, so it happens here, where an
 * allocation that fails is an error rather than an abort. */
static int run_hook(lua_State *L)
{
    const hook_call *hc = lua_touserdata(L, 1);
    lua_rawgeti(L, LUA_REGISTRYINDEX, hc->ref);
    lua_api_push_sim(L);
    lua_rawgeti(L, LUA_REGISTRYINDEX, hc->iv->params_ref);
    int nargs = 2;
    if (hc->kind >= 0) {
        lua_api_push_one(L, hc->kind == EV_DEBT || hc->kind == EV_HOUSING, hc->entity);
        nargs++;
        if (hc->kind == EV_SERVICE_START) {
            lua_api_push_service(L, hc->extra);
            nargs++;
        } else if (hc->kind == EV_SERVICE_END) {
            lua_api_push_service(L, hc->extra / 2);
            lua_pushboolean(L, hc->extra % 2);
            nargs += 2;
        }
    }
    lua_call(L, nargs, 0);
    return 0;
}

static ps_status call_hook(const world *w, iv_one *iv, int ref, int kind, uint32_t entity, int extra,
                           const char *prefix, const char *hook, int week, ps_error *err)
{
    lua_State *L = lua_host_state(iv->host);
    const hook_call hc = { w, iv, ref, kind, entity, extra };
    lua_pushcfunction(L, run_hook); /* neither allocates */
    lua_pushlightuserdata(L, (void *)&hc);
    const lua_host_when when = { prefix, hook, week, (unsigned long long)w->replicate };
    return lua_host_call(iv->host, 1, &when, err);
}

ps_status interventions_week(world *w, int week, ps_error *err)
{
    if (!w->ivw) return PS_OK;
    for (int i = 0; i < w->ivw->n; i++) {
        iv_one *iv = &w->ivw->iv[i];
        if (week < iv->start || week >= iv->end) continue;
        ps_status st = PS_OK;
        lua_select_records_now(lua_host_state(iv->host)); /* its records that ran out leave its memory budget */
        if (week == iv->start && iv->hook_ref[0] != LUA_NOREF)
            st = call_hook(w, iv, iv->hook_ref[0], -1, 0, 0, "", "setup", week, err);
        if (!st && iv->hook_ref[1] != LUA_NOREF) st = call_hook(w, iv, iv->hook_ref[1], -1, 0, 0, "", "week", week, err);
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
            ps_status st = call_hook(w, iv, iv->on_ref[kind], kind, w->ev_entity[e], w->ev_extra[e], "on.",
                                     iv_event_names[kind], week, err);
            if (st) return st;
        }
    }
    w->n_ev = 0;
    return PS_OK;
}

ps_status interventions_finish(world *w, int week, ps_error *err)
{
    if (!w->ivw) return PS_OK;
    if (w->rec && w->rec->log.failed) /* a warn could not say so: its caller has no error to raise */
        return err_set(err, PS_ERR_NOMEM, "out of memory keeping the scripts' log (log.txt)");
    for (int i = 0; i < w->ivw->n; i++) {
        iv_one *iv = &w->ivw->iv[i];
        if (week != iv->end - 1 || iv->hook_ref[2] == LUA_NOREF) continue;
        ps_status st = call_hook(w, iv, iv->hook_ref[2], -1, 0, 0, "", "finish", week, err);
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

int modifiers_add(world *w, uint32_t i, double onset, double recovery, double crisis, int until_week, int now)
{
    /* first drop the person's records that apply no more: modifiers_apply
     * drops them only for people it visits, and it skips people in
     * crisis, so records given to them would pile up past their count */
    int walked = 0;
    for (uint32_t *link = &w->mod[i]; *link; walked += walked < INT_MAX) {
        modifier *m = &w->mod_pool[*link];
        if (m->until > now) {
            link = &m->next;
            continue;
        }
        uint32_t dead = *link;
        *link = m->next;
        m->next = w->mod_free;
        w->mod_free = dead;
    }
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
    return walked;
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

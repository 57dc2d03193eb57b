/*
 * lua_api: the sim object scripts see (docs/lua-api.md), backed by C.
 *
 * Every call a script makes on a selection (count, sample, set, refer,
 * modify) is one C loop over the struct-of-arrays columns; only :each calls
 * back into Lua per person. Selections hold person or household ids in
 * ascending order, so what a script does is the same whatever order it asks.
 *
 * The sim object and conversions are in lua_api.c, filters in lua_filter.c,
 * selections in lua_select.c, service and neighbourhood handles in
 * lua_places.c; lua_api_internal.h is what they share.
 */
#ifndef PS_LUA_API_H
#define PS_LUA_API_H

#include <stdint.h>

#include <lua.h>

struct world;

typedef struct lua_api_ctx {
    struct world *w;
    int index;            /* the intervention's index in the scenario */
    const char *name;     /* its name */
    int sample_week;      /* week of the last sample call */
    uint64_t sample_calls;/* sample calls this week, keying their draws */
    unsigned scratch_use; /* uses of world.scratch so far (lua_select.c) */
    /* :modify records the intervention keeps (lua_select.c): how many run
     * out at each week (NULL until the first), how many are still running,
     * and the week up to which those that ran out were taken off */
    uint64_t *mod_until;
    int mod_weeks;        /* length of mod_until */
    uint64_t mod_live;
    int mod_done;
} lua_api_ctx;

/* Registers the metatables and makes the sim object (state's context must
 * be a lua_api_ctx). */
void lua_api_open(lua_State *L);
void lua_api_push_sim(lua_State *L);
/* A selection of one person, or one household. */
void lua_api_push_one(lua_State *L, int household, uint32_t id);
/* The handle of service s. */
void lua_api_push_service(lua_State *L, int s);

struct cJSON;
/* The Lua value at idx as JSON (NULL if it cannot be: functions, mixed
 * tables, nesting deeper than 16). Caller deletes it. */
struct cJSON *lua_api_to_json(lua_State *L, int idx, int depth);
/* Makes sure an agency's costs have a column; 0 when there is no room. */
int lua_api_reserve_agency(struct world *w, const char *agency);

#endif

/*
 * lua_api_internal: what the files behind lua_api.h share, and no other
 * module needs:
 *
 *   lua_api.c     the sim object: its fields, money, columns, the log and
 *                 luck; opening the metatables; Lua values as JSON
 *   lua_filter.c  the filter tables of sim:persons and sim:households
 *   lua_select.c  selections: making them, and their methods and fields
 *   lua_places.c  service and neighbourhood handles, sim:add_service
 *
 * The metatables' names, the selection userdata and the helpers every one
 * of them uses are here; what one file gives the others is in its own
 * header (lua_filter.h, lua_select.h, lua_places.h).
 */
#ifndef PS_LUA_API_INTERNAL_H
#define PS_LUA_API_INTERNAL_H

#include <stdint.h>

#include <lauxlib.h>
#include <lua.h>

#include "lua_api.h"
#include "lua_host.h"
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

static inline lua_api_ctx *ctx_of(lua_State *L) { return lua_host_context(L); }
static inline world *world_of(lua_State *L) { return ctx_of(L)->w; }

/* An error: what (the method or handle) has no key key; known (NULL at the
 * end) are the keys it has, and the closest is suggested. */
int lua_api_unknown_key(lua_State *L, const char *what, const char *key, const char *const *known);

/* Registers the metatable name with the functions meta, each with a table
 * of the functions methods (may be NULL) as its upvalue; scripts can
 * neither see nor change either. */
void lua_api_new_type(lua_State *L, const char *name, const luaL_Reg *meta, const luaL_Reg *methods);

/* In a metamethod of such a type: pushes the method named by the string
 * at idx and returns 1, or pushes nothing and returns 0. A raw get from
 * the upvalue, as __index runs for every field a script reads. */
static inline int lua_api_method(lua_State *L, int idx)
{
    lua_pushvalue(L, idx);
    if (lua_rawget(L, lua_upvalueindex(1)) != LUA_TNIL) return 1;
    lua_pop(L, 1);
    return 0;
}

/* The Lua value at idx as JSON shaped by the schema node (see lua_api.c). */
struct cJSON *lua_api_to_json_as(lua_State *L, int idx, const schema_node *node, int depth);

#endif

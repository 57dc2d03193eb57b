/*
 * lua_places: the handles of services and neighbourhoods scripts see
 * (docs/lua-api.md, 5.5 to 5.7): sim:service(name), sim:add_service{...}
 * and sim:neighbourhoods(), and the fields of the handles they give, some
 * of which a script may set (a service's capacity, a neighbourhood's
 * social capital). The handle of a service is pushed by
 * lua_api_push_service (lua_api.h).
 */
#ifndef PS_LUA_PLACES_H
#define PS_LUA_PLACES_H

#include <stddef.h>

#include <lua.h>

#include "config.h"

struct world;

/* Registers the metatables of service and neighbourhood handles. */
void lua_places_open(lua_State *L);

/* sim:service(name), sim:add_service{...} and sim:neighbourhoods(). */
int lua_places_service(lua_State *L);
int lua_places_add_service(lua_State *L);
int lua_places_neighbourhoods(lua_State *L);

/* The names of the services (of the support services only, if
 * support_only) into names[max]; returns how many. */
size_t lua_places_service_names(const struct world *w, int support_only, const char **names, size_t max);
/* The index of the service called name, or -1. */
int lua_places_service_index(const struct world *w, const char *name);
/* Index of the service called name (or a service handle) at idx, else an
 * error that begins with what. */
int lua_places_service_arg(lua_State *L, int idx, const char *what);
/* The neighbourhood whose name is closest to a misspelt one, or NULL. */
const char *lua_places_closest_neighbourhood(const ps_config *cfg, const char *name);

#endif

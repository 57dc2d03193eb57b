/*
 * interventions_internal: what interventions.c (the scripts in a
 * replicate) and interventions_load.c (the scripts checked before a run)
 * share. Not for others.
 */
#ifndef PS_INTERVENTIONS_INTERNAL_H
#define PS_INTERVENTIONS_INTERNAL_H

#include <lua.h>

#include "config.h"
#include "lua_host.h"

/* The hooks a script may define, in the order of iv_one's hook_ref. */
extern const char *const iv_hook_names[];

/* The scenario's limits as a script's budgets. */
lua_limits iv_limits_of(const ps_config *cfg);

/* Pushes t[key] of the table at idx, raw (no metamethod runs); returns
 * the value's type. */
int iv_raw_field(lua_State *L, int idx, const char *key);

#endif

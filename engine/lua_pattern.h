/*
 * lua_pattern: string.find, string.match, string.gmatch and string.gsub
 * for sandboxed scripts, with Lua 5.4's pattern language (reference
 * manual, section 6.4.1) but a matcher of our own that counts its steps.
 *
 * Lua's count hook never fires inside a C function, so the standard
 * matcher can spend unbounded time on a pathological pattern where no
 * instruction budget can stop it. This one charges every step to the
 * script's instruction budget (lua_host_charge), so a runaway match ends
 * the run with the budget message like any endless loop.
 */
#ifndef PS_LUA_PATTERN_H
#define PS_LUA_PATTERN_H

#include <lua.h>

/* Replaces find, match, gmatch and gsub in the table at index idx, and
 * rep and byte, which loop in C too, with Lua 5.4's charging their loops. */
void lua_pattern_install(lua_State *L, int idx);

#endif

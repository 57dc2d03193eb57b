/*
 * lua_sandbox: the libraries a script sees (see lua_host.h for the rules):
 * Lua's own, less what reaches outside or is not deterministic, with the
 * sandbox's print, collectgarbage, load, math.random, setmetatable,
 * xpcall and select, and library functions whose loops run in C charged
 * to the instruction budget.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lualib.h>

#include "alloc.h"
#include "lua_host_internal.h"
#include "lua_order.h"
#include "lua_pattern.h"
#include "sbuf.h"

void lua_sandbox_warn(void *ud, const char *msg, int tocont)
{
    lua_host *h = ud;
    (void)tocont;
    if (h->log && msg && msg[0] != '@') (void)h->log(h->log_ud, h->name, msg); /* a failure shows in the log's record */
}

void lua_host_log_values(lua_State *L, int first)
{
    lua_host *h = lua_host_of(L);
    int n = lua_gettop(L); /* before luaL_buffinit, which may push a placeholder */
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (int i = first; i <= n; i++) {
        if (i > first) luaL_addchar(&b, '\t');
        luaL_tolstring(L, i, NULL);
        luaL_addvalue(&b);
    }
    luaL_pushresult(&b);
    if (h->log && h->log(h->log_ud, h->name, lua_tostring(L, -1))) luaL_error(L, "out of memory keeping the log");
}

static int sb_print(lua_State *L)
{
    lua_host_log_values(L, 1);
    return 0;
}

static int sb_collectgarbage(lua_State *L)
{
    const char *opt = luaL_optstring(L, 1, "count");
    if (strcmp(opt, "count") != 0)
        return luaL_error(L, "collectgarbage: only \"count\" is allowed in a script, got \"%s\"", opt);
    lua_pushnumber(L, (lua_Number)lua_gc(L, LUA_GCCOUNT, 0) + lua_gc(L, LUA_GCCOUNTB, 0) / 1024.0);
    return 1;
}

/* The reader of load(f): calls f for the next piece, keeps it in the
 * reserved slot 5 and charges its bytes (the parser scans a piece in C,
 * some 3 ns a byte, whatever the count hook sees). */
static const char *load_reader(lua_State *L, void *ud, size_t *size)
{
    (void)ud;
    luaL_checkstack(L, 2, "too many nested functions");
    lua_pushvalue(L, 1);
    lua_call(L, 0, 1);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        *size = 0;
        return NULL;
    }
    if (!lua_isstring(L, -1)) luaL_error(L, "reader function must return a string");
    lua_replace(L, 5);
    const char *piece = lua_tolstring(L, 5, size);
    lua_host_charge(L, *size + 1);
    return piece;
}

/* load(chunk [, chunkname [, mode [, env]]]): Lua 5.4's, with the mode
 * forced to text and the source charged at one instruction a byte. */
static int sb_load(lua_State *L)
{
    size_t l;
    const char *s = lua_tolstring(L, 1, &l);
    int env = !lua_isnone(L, 4) ? 4 : 0, status;
    if (s) {
        lua_host_charge(L, l + 1);
        status = luaL_loadbufferx(L, s, l, luaL_optstring(L, 2, s), "t");
    } else {
        const char *chunkname = luaL_optstring(L, 2, "=(load)");
        luaL_checktype(L, 1, LUA_TFUNCTION);
        lua_settop(L, 5); /* the reserved slot */
        status = lua_load(L, load_reader, NULL, chunkname, "t");
    }
    if (status != LUA_OK) {
        luaL_pushfail(L);
        lua_insert(L, -2);
        return 2;
    }
    if (env) {
        lua_pushvalue(L, env);
        if (!lua_setupvalue(L, -2, 1)) lua_pop(L, 1);
    }
    return 1;
}

double lua_host_rand(lua_State *L) { return pcg32_double(&lua_host_of(L)->rng); }

uint32_t lua_host_rand_bounded(lua_State *L, uint32_t bound) { return pcg32_bounded(&lua_host_of(L)->rng, bound); }

/* 64 random bits from the script's stream (two of its 32-bit draws). */
static uint64_t rand64(lua_State *L)
{
    pcg32 *rng = &lua_host_of(L)->rng;
    uint64_t hi = pcg32_next(rng);
    return hi << 32 | pcg32_next(rng);
}

/* math.random as Lua 5.4's: a float in [0, 1); with m, a whole number
 * from 1 to m; with m and n, from m to n, over the whole integer range;
 * math.random(0), an integer with all its bits random. Intervals of fewer
 * than 2^32 numbers draw once from the stream (pcg32_bounded), as they
 * always have, so scripts' numbers stay the same; wider ones take 64 bits
 * and keep those within the smallest 2^b - 1 at or above the width, as
 * Lua's project() does. */
static int sb_random(lua_State *L)
{
    lua_Integer lo, hi;
    switch (lua_gettop(L)) {
    case 0: lua_pushnumber(L, lua_host_rand(L)); return 1;
    case 1:
        lo = 1;
        hi = luaL_checkinteger(L, 1);
        if (hi == 0) { /* a whole random integer */
            lua_pushinteger(L, (lua_Integer)rand64(L));
            return 1;
        }
        break;
    case 2:
        lo = luaL_checkinteger(L, 1);
        hi = luaL_checkinteger(L, 2);
        break;
    default: return luaL_error(L, "wrong number of arguments");
    }
    luaL_argcheck(L, lo <= hi, 1, "interval is empty");
    lua_Unsigned span = (lua_Unsigned)hi - (lua_Unsigned)lo;
    if (span < UINT32_MAX) {
        lua_pushinteger(L, lo + (lua_Integer)lua_host_rand_bounded(L, (uint32_t)span + 1));
        return 1;
    }
    lua_Unsigned lim = span, r;
    for (int shift = 1; shift < 64; shift *= 2) lim |= lim >> shift;
    while ((r = rand64(L) & lim) > span) {}
    lua_pushinteger(L, (lua_Integer)((lua_Unsigned)lo + r));
    return 1;
}

static int sb_randomseed(lua_State *L)
{
    return luaL_error(L, "math.randomseed is not available: each script's random numbers are seeded from the "
                         "scenario's seed, replicate and the script, so runs reproduce");
}

/* setmetatable, refusing finalizers. A __gc metamethod runs when the
 * collector gets round to it: inside whatever allocation set the collector
 * off (an API call half-way through making a selection, say), with the
 * debug hooks off, so with no instruction budget, and its errors become
 * warnings. Lua 5.4 marks an object for finalization only if its metatable
 * has a __gc field when setmetatable is called (lua_setmetatable, through
 * luaC_checkfinalizer, looks it up raw); a field added later is never
 * seen. So refusing it here, looked up raw as Lua does, is enough: no
 * script object ever has a finalizer. The rest is Lua 5.4's setmetatable. */
static int sb_setmetatable(lua_State *L)
{
    int t = lua_type(L, 2);
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_argexpected(L, t == LUA_TNIL || t == LUA_TTABLE, 2, "nil or table");
    if (t == LUA_TTABLE) {
        lua_pushliteral(L, "__gc");
        int gc = lua_rawget(L, 2);
        lua_pop(L, 1);
        if (gc != LUA_TNIL) return luaL_error(L, "setmetatable: finalizers (__gc) are not allowed in scripts");
    }
    if (luaL_getmetafield(L, 1, "__metatable") != LUA_TNIL) return luaL_error(L, "cannot change a protected metatable");
    lua_settop(L, 2);
    lua_setmetatable(L, 1);
    return 1;
}

/* Ends xpcall after f returned or failed; the stack holds f, the
 * handler, true and f's results, or, after an error, its error object in
 * place of the results. */
static int xpcall_done(lua_State *L, int status, lua_KContext extra)
{
    if (status == LUA_OK || status == LUA_YIELD) return lua_gettop(L) - (int)extra; /* true and the results */
    if (lua_host_of(L)->broken) return lua_error(L); /* a blown budget reaches no handler */
    lua_pushvalue(L, 2);
    lua_insert(L, -2);
    int rc = lua_pcall(L, 1, 1, 0);
    if (rc != LUA_OK && lua_host_of(L)->broken) return lua_error(L);
    lua_pushboolean(L, 0);
    lua_insert(L, -2);
    return 2; /* false and what the handler returned, or its own error */
}

/* xpcall(f, handler, ...). Lua's calls the handler where the error was
 * raised, before the stack unwinds; when that error is a broken budget,
 * raised by the count hook, hooks are off there, so the handler ran with
 * no budget at all (an endless loop in it hung the run). This one runs f
 * protected and calls the handler after unwinding, as an ordinary call
 * that counts; a script has no debug library, so it could not have looked
 * at the stack anyway. The handler is never called for a broken budget:
 * the error goes on up. If the handler fails, xpcall returns false and
 * the handler's error. f may yield, as with Lua's xpcall. */
static int sb_xpcall(lua_State *L)
{
    int n = lua_gettop(L);
    luaL_checktype(L, 2, LUA_TFUNCTION);
    lua_pushboolean(L, 1); /* the first result if f succeeds */
    lua_pushvalue(L, 1);
    lua_rotate(L, 3, 2); /* true and f below f's arguments */
    return xpcall_done(L, lua_pcallk(L, n - 2, LUA_MULTRET, 0, 2, xpcall_done), 2);
}

/* select(n, ...): Lua 5.4's, charging the values it is given (which the
 * VM copied to call it) and returns. */
static int sb_select(lua_State *L)
{
    int n = lua_gettop(L);
    lua_host_charge(L, (uint64_t)n / VALUES_PER_UNIT);
    if (lua_type(L, 1) == LUA_TSTRING && *lua_tostring(L, 1) == '#') {
        lua_pushinteger(L, n - 1);
        return 1;
    }
    lua_Integer i = luaL_checkinteger(L, 1);
    if (i < 0) i = n + i;
    else if (i > n) i = n;
    luaL_argcheck(L, 1 <= i, 1, "index out of range");
    return n - (int)i;
}

/* A library function that loops over the bytes of one of its string
 * arguments in C (utf8.len, string.unpack's format, ...), which the count
 * hook never sees: charged first, per byte of that argument, then called.
 * Upvalues: the function, the argument, the units a byte. */
static int charged_call(lua_State *L)
{
    int arg = (int)lua_tointeger(L, lua_upvalueindex(2));
    uint64_t per = (uint64_t)lua_tointeger(L, lua_upvalueindex(3));
    size_t len = 0;
    if (lua_type(L, arg) == LUA_TSTRING) lua_tolstring(L, arg, &len);
    lua_host_charge(L, (uint64_t)len * per + 1);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
    return lua_gettop(L);
}

/* Wraps lib.name (lib at index lib) in charged_call. Called from a C
 * function, the original cannot name itself in an argument error: Lua
 * then looks the function up in package.loaded (luaL_argerror), where
 * the library's own table no longer holds it. So package.loaded gets a
 * copy of the library (at index names) that holds the originals, and
 * messages say 'utf8.len' where they would have said '?'. */
static void wrap_charged(lua_State *L, int lib, int names, const char *name, int arg, int per)
{
    lua_getfield(L, lib, name);
    lua_pushvalue(L, -1);
    lua_setfield(L, names, name);
    lua_pushinteger(L, arg);
    lua_pushinteger(L, per);
    lua_pushcclosure(L, charged_call, 3);
    lua_setfield(L, lib, name);
}

/* Pushes a copy of the library lib (at index lib), and makes it the
 * library's entry in package.loaded, where Lua looks functions up to
 * name them in messages (wrap_charged). */
static int names_of(lua_State *L, int lib, const char *libname)
{
    lib = lua_absindex(L, lib);
    lua_newtable(L);
    lua_pushnil(L);
    while (lua_next(L, lib)) {
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        lua_rawset(L, -4);
    }
    lua_getfield(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    lua_pushvalue(L, -2);
    lua_setfield(L, -2, libname);
    lua_pop(L, 1);
    return lua_gettop(L);
}

static void remove_field(lua_State *L, int idx, const char *key)
{
    lua_pushnil(L);
    lua_setfield(L, idx, key);
}

void lua_sandbox_build(lua_State *L)
{
    static const luaL_Reg libs[] = { { LUA_GNAME, luaopen_base },         { LUA_TABLIBNAME, luaopen_table },
                                     { LUA_STRLIBNAME, luaopen_string },   { LUA_MATHLIBNAME, luaopen_math },
                                     { LUA_UTF8LIBNAME, luaopen_utf8 },    { LUA_COLIBNAME, luaopen_coroutine } };
    for (size_t i = 0; i < sizeof libs / sizeof *libs; i++) { /* no io, os, package or debug */
        luaL_requiref(L, libs[i].name, libs[i].func, 1);
        lua_pop(L, 1);
    }

    lua_pushglobaltable(L);
    int g = lua_gettop(L);
    remove_field(L, g, "dofile");
    remove_field(L, g, "loadfile");
    remove_field(L, g, "require");
    lua_pushcfunction(L, sb_load);
    lua_setfield(L, g, "load");
    lua_pushcfunction(L, sb_print);
    lua_setfield(L, g, "print");
    lua_pushcfunction(L, sb_collectgarbage);
    lua_setfield(L, g, "collectgarbage");
    lua_pushcfunction(L, sb_setmetatable);
    lua_setfield(L, g, "setmetatable");
    lua_pushcfunction(L, sb_xpcall);
    lua_setfield(L, g, "xpcall");
    lua_order_install(L, g);

    lua_pushcfunction(L, sb_select);
    lua_setfield(L, g, "select");

    lua_getfield(L, g, LUA_TABLIBNAME);
    lua_order_install_table(L, -1);
    lua_pop(L, 1);

    /* what loops in C is charged: lua_pattern.c, lua_order.c, and here
     * the functions that loop over a format (each item some 7 to 20 ns)
     * or over a string's UTF-8 (some 3 ns a byte) */
    lua_getfield(L, g, LUA_STRLIBNAME);
    int s = lua_gettop(L);
    remove_field(L, s, "dump");
    lua_pattern_install(L, s);
    int names = names_of(L, s, LUA_STRLIBNAME);
    wrap_charged(L, s, names, "pack", 1, 4);
    wrap_charged(L, s, names, "unpack", 1, 7);
    wrap_charged(L, s, names, "packsize", 1, 2);
    lua_pop(L, 2);
    lua_getfield(L, g, LUA_UTF8LIBNAME);
    int u = lua_gettop(L);
    names = names_of(L, u, LUA_UTF8LIBNAME);
    wrap_charged(L, u, names, "len", 1, 1);
    wrap_charged(L, u, names, "codepoint", 1, 1);
    wrap_charged(L, u, names, "offset", 1, 1);
    lua_pop(L, 2);

    lua_getfield(L, g, LUA_MATHLIBNAME);
    lua_pushcfunction(L, sb_random);
    lua_setfield(L, -2, "random");
    lua_pushcfunction(L, sb_randomseed);
    lua_setfield(L, -2, "randomseed");
    lua_pop(L, 1);
    lua_pop(L, 1); /* globals */

    /* Hide the string metatable: getmetatable("") returns false. */
    lua_pushliteral(L, "");
    lua_getmetatable(L, -1);
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 2);
}

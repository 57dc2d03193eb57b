/*
 * lua_host: one sandboxed Lua 5.4 state running one intervention script.
 *
 * The sandbox: scripts load as text only; there is no io, os, package,
 * require, debug, dofile or loadfile; load takes text only; string.dump is
 * gone and the string metatable is hidden; no object may have a finalizer;
 * collectgarbage only counts;
 * math.random draws from the script's own deterministic stream; pattern
 * functions count their steps (lua_pattern.h); pairs and next visit keys
 * in an order that is the same in every run (lua_order.h).
 *
 * The budgets: every call into the script (a hook, or the chunk itself)
 * may run at most limits.instructions VM instructions (work in C counts
 * too: pattern steps, library loops, memory allocated, long varargs), and
 * the state may hold at most limits.memory_mb, less the engine memory it
 * keeps (lua_host_reserve). Garbage is collected before the memory budget
 * is called broken; an allocation that crosses it may go past it by an
 * eighth, so the script stops at its next instruction, whose line the
 * message names. xpcall, setmetatable (no __gc), select and load are the
 * sandbox's own. Once a budget is broken the state is poisoned: every further instruction raises
 * the budget error, so pcall, coroutines or error handlers cannot swallow
 * it, and the caller sees the budget message whatever the script did.
 */
#ifndef PS_LUA_HOST_H
#define PS_LUA_HOST_H

#include <stddef.h>
#include <stdint.h>

#include <lua.h>

#include "placesim.h"

typedef struct lua_limits {
    uint64_t instructions; /* per call into the script */
    size_t memory;         /* bytes per state */
} lua_limits;

typedef struct lua_host lua_host;

/* What the host calls back into for logging (may be NULL). Returns
 * non-zero if the line could not be kept (out of memory). */
typedef int (*lua_log_fn)(void *ud, const char *script, const char *line);


/*
 * Creates a sandboxed state and runs the script text (named name in
 * messages, e.g. "scripts/debt_advice.lua"), which must return a table.
 * That table is kept; lua_host_script pushes it. rng_key seeds the
 * script's math.random and sim:rand stream. log (may be NULL) takes what
 * the script prints, from its top level on. On failure *out is NULL and
 * err says what went wrong, with the script's file and line.
 */
ps_status lua_host_new(const char *name, const char *text, size_t len, const lua_limits *limits,
                       uint64_t rng_key, lua_log_fn log, void *log_ud, lua_host **out, ps_error *err);
void lua_host_free(lua_host *h);

lua_State *lua_host_state(lua_host *h);
const char *lua_host_name(const lua_host *h);

/* Pushes the table the script returned. */
void lua_host_push_script(lua_host *h);

/* Writes the values from index first to the top of the stack, converted
 * with tostring and separated by tabs, as a line of the log: what print
 * does, for sim:log, which must not depend on the global print a script
 * may replace. */
void lua_host_log_values(lua_State *L, int first);

/* Context pointer for the API (the world and intervention), per state. */
void lua_host_set_context(lua_host *h, void *ctx);
void *lua_host_context(lua_State *L);
lua_host *lua_host_of(lua_State *L);

/* What a call is, for its messages: "hook <prefix><hook>, week <week>,
 * replicate <replicate>". Kept as parts and written out only if the call
 * fails, as event hooks are called thousands of times a week. */
typedef struct lua_host_when {
    const char *prefix, *hook; /* "on." and "debt"; "" and "week" */
    int week;
    unsigned long long replicate;
} lua_host_when;

/*
 * Calls the function below its nargs arguments on the stack, with a fresh
 * instruction budget. when names the call in messages:
 * "scripts/x.lua:12: attempt to ... (hook week, week 30, replicate 2)". A broken budget
 * is reported as such even if the script caught the error. Pops the
 * function and arguments; pushes nothing.
 */
ps_status lua_host_call(lua_host *h, int nargs, const lua_host_when *when, ps_error *err);

/*
 * Runs f with the light userdata ud as its one argument, protected, with
 * a fresh instruction budget: for what the engine itself does in the state
 * (checking the script's table, setting its params), where a failed
 * allocation raises an error that Lua would otherwise answer by aborting.
 * A failure has the messages of loading the script ("... (while loading
 * the script)"); f reports problems of its own through ud.
 */
ps_status lua_host_protected(lua_host *h, lua_CFunction f, void *ud, ps_error *err);

/* Charges n instruction-equivalents to the running call (pattern steps,
 * C loops of the API and the libraries); raises the budget error when the
 * budget is spent. */
void lua_host_charge(lua_State *L, uint64_t n);

/* Makes sure the state can take bytes more, collecting its garbage first
 * if it must, or breaks the memory budget (an error naming the script's
 * line). For a C function about to fill a luaL_Buffer of known size: Lua
 * allocates a buffer's room without collecting garbage first, as it does
 * for its own objects, so a refused buffer failed at once, and without a
 * line. */
void lua_host_make_room(lua_State *L, size_t bytes);

/* The next number of the script's stream, uniform in [0, 1). */
double lua_host_rand(lua_State *L);
uint32_t lua_host_rand_bounded(lua_State *L, uint32_t bound);

/* Bytes the state holds now, and may hold (limits.memory_mb). */
size_t lua_host_memory(const lua_host *h);
size_t lua_host_memory_limit(const lua_host *h);

/* Counts bytes of engine memory that the script keeps (its :modify
 * records) against its memory budget, in place of what was reserved
 * before: the state may then hold that much less. */
void lua_host_reserve(lua_host *h, size_t bytes);

#endif

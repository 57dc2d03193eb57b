/* lua_host: the sandbox and its budgets. See lua_host.h. */
#include "lua_host.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lualib.h>

#include "alloc.h"
#include "err.h"
#include "lua_host_internal.h"
#include "lua_order.h"
#include "lua_pattern.h"
#include "rng.h"
#include "sbuf.h"

/* ------------------------------------------------------------ allocation and budgets */

static void count_hook(lua_State *L, lua_Debug *ar);
static void script_position(lua_State *L, int level, char *where, size_t size);

/* Memory a script has the engine allocate counts against its instruction
 * budget too. Making a string writes every byte of it in one instruction
 * (s .. t, string.format, table.concat, gsub, ...): a loop that built
 * copies of a string of 30 MB ran for ages on a few instructions' charge.
 * The allocator cannot raise an error, so it sets the count hook to fire
 * at the next instruction, which reports the broken budget. */
static void charge_allocation(lua_host *h, size_t bytes)
{
    h->used += bytes / BYTES_PER_UNIT;
    if (h->used > h->limits.instructions && h->L) lua_sethook(h->L, count_hook, LUA_MASKCOUNT, 1);
}

/* The allocator keeps the state within its memory budget, but garbage
 * must not break it: only what the script keeps. A request that would
 * cross the budget by at most an eighth of it goes through, and the count
 * hook, set to run at the next instruction (lua_sethook may be called from
 * anywhere), has Lua collect all its garbage and breaks the budget only if
 * the state is still over it; there the message can name the line. A
 * bigger request fails (NULL): for its own objects Lua then collects all
 * its garbage and asks again for the same block (luaM_realloc_'s
 * tryagain), and if that fails too the budget is broken. (Lua's string
 * buffers are allocated without that second try, so a buffer that big
 * fails at once, without a line; string.rep makes room first:
 * lua_host_make_room.) Whether a request is Lua asking again is told by
 * its being the same (block, sizes) as the one refused, with only frees
 * between. Once the budget is broken, requests may go past it by an
 * eighth, so the script reaches the instruction where it stops. */
static void *host_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    lua_host *h = ud;
    size_t old = ptr ? osize : 0; /* for a new object, osize is its type */
    if (nsize == 0) {
        ps_free(ptr);
        h->memory -= old;
        return NULL;
    }
    if (nsize > old) {
        size_t want = h->memory + h->reserved + (nsize - old), slack = h->limits.memory + h->limits.memory / 8;
        if (want > h->limits.memory) {
            int again = h->failed.set && h->failed.ptr == ptr && h->failed.osize == osize && h->failed.nsize == nsize;
            h->failed.set = 0;
            h->refused = 1;
            if (want > slack && !again && !h->broken) { /* Lua collects its garbage and asks again */
                h->failed.set = 1;
                h->failed.ptr = ptr;
                h->failed.osize = osize;
                h->failed.nsize = nsize;
                return NULL;
            }
            if (again && !h->broken) {
                /* Lua asks again only where it could collect all its
                 * garbage, and so where the stack can be read: the line
                 * (of the main thread: the allocator is not told which
                 * thread is running) */
                if (!h->where[0] && h->L) script_position(h->L, 0, h->where, sizeof h->where);
                h->broken = BROKEN_MEMORY;
            } else if (!h->broken) {
                h->check_memory = 1; /* the count hook collects, then sees */
            }
            if (h->L) lua_sethook(h->L, count_hook, LUA_MASKCOUNT, 1);
            if (want > slack) return NULL; /* Lua raises a memory error */
        } else {
            h->failed.set = 0;
        }
    }
    void *p = ps_reallocarray(ptr, nsize, 1);
    if (p) h->memory = h->memory - old + nsize;
    if (p && nsize > old) charge_allocation(h, nsize - old);
    return p;
}

lua_host *lua_host_of(lua_State *L) { return *(lua_host **)lua_getextraspace(L); }

/* "script:line: " of the nearest Lua function at or above stack level
 * (level 0 in a hook is the Lua function running; from a C function,
 * level 1 is its caller, which may be C again, as pcall(string.gsub, ...)
 * is), into where; empty if there is none. */
static void script_position(lua_State *L, int level, char *where, size_t size)
{
    lua_Debug ar;
    where[0] = '\0';
    for (; lua_getstack(L, level, &ar); level++) {
        if (!lua_getinfo(L, "Sl", &ar) || ar.currentline <= 0) continue;
        snprintf(where, size, "%s:%d: ", ar.short_src, ar.currentline);
        return;
    }
}

/* Marks the budget broken, remembers where the script was the first time
 * it can tell (a memory budget breaks inside the allocator, which cannot),
 * and makes every thread raise at its next instruction from now on. */
static int break_budget(lua_State *L, lua_host *h, int why, int level)
{
    if (!h->broken) h->broken = why;
    if (!h->where[0]) script_position(L, level, h->where, sizeof h->where);
    lua_sethook(L, count_hook, LUA_MASKCOUNT, 1);
    return luaL_error(L, "%s budget exceeded", h->broken == BROKEN_MEMORY ? "memory" : "instruction");
}

/* Varargs the running function has, found with lua_getlocal's negative
 * indices (-k is the k-th vararg; each lookup is O(1)): up to limit. */
static int count_varargs(lua_State *L, lua_Debug *ar, int limit)
{
    int lo = 0, hi = 1; /* lo has a vararg (or is 0), hi is to be tried */
    for (;;) {
        if (!lua_getlocal(L, ar, -hi)) break;
        lua_pop(L, 1);
        lo = hi;
        if (hi >= limit) return limit;
        hi = hi * 2 < limit ? hi * 2 : limit;
    }
    while (hi - lo > 1) { /* lo has one, hi has none */
        int mid = lo + (hi - lo) / 2;
        if (lua_getlocal(L, ar, -mid)) {
            lua_pop(L, 1);
            lo = mid;
        } else {
            hi = mid;
        }
    }
    return lo;
}

/* The VM copies all of a function's varargs each time the function
 * spreads them (`...` in a call, a table or a return), in one instruction;
 * f(1, ...) calling itself grows them by one a call, up to Lua's stack
 * limit of a million values, and so copies n^2/2 values on 3n
 * instructions. The hook looks at the running function every HOOK_PERIOD
 * instructions: if it has more than FREE_VARARGS varargs, the period is
 * charged as if each of its instructions had copied them all. A sample
 * can miss a function that spreads its varargs between samples and runs
 * other code at every sample (docs/lua-api.md says so). */
static uint64_t vararg_units(lua_State *L, lua_Debug *ar)
{
    if (!lua_getinfo(L, "u", ar) || !ar->isvararg) return 0;
    int n = count_varargs(L, ar, 1 << 21);
    return n > FREE_VARARGS ? (uint64_t)(n - FREE_VARARGS) * HOOK_PERIOD / VALUES_PER_UNIT : 0;
}

static void count_hook(lua_State *L, lua_Debug *ar)
{
    lua_host *h = lua_host_of(L);
    h->used += HOOK_PERIOD;
    if (h->check_memory && !h->broken) { /* host_alloc let the state go over its budget */
        h->check_memory = 0;
        h->used += h->memory / BYTES_PER_UNIT; /* a full collection looks at everything held */
        lua_gc(L, LUA_GCCOLLECT);
        if (h->memory + h->reserved > h->limits.memory) h->broken = BROKEN_MEMORY;
        else if (h->used <= h->limits.instructions) lua_sethook(L, count_hook, LUA_MASKCOUNT, HOOK_PERIOD);
    }
    if (!h->broken && h->used <= h->limits.instructions && ar->event == LUA_HOOKCOUNT) h->used += vararg_units(L, ar);
    if (h->broken || h->used > h->limits.instructions)
        break_budget(L, h, h->broken ? h->broken : BROKEN_INSTRUCTIONS, 0);
}

void lua_host_charge(lua_State *L, uint64_t n)
{
    lua_host *h = lua_host_of(L);
    h->used = n > UINT64_MAX - h->used ? UINT64_MAX : h->used + n;
    if (h->broken || h->used > h->limits.instructions)
        break_budget(L, h, h->broken ? h->broken : BROKEN_INSTRUCTIONS, 1);
}

void lua_host_make_room(lua_State *L, size_t bytes)
{
    lua_host *h = lua_host_of(L);
    if (h->memory + h->reserved + bytes <= h->limits.memory) return;
    lua_host_charge(L, h->memory / BYTES_PER_UNIT); /* a full collection looks at everything held */
    lua_gc(L, LUA_GCCOLLECT);
    if (h->memory + h->reserved + bytes > h->limits.memory) break_budget(L, h, BROKEN_MEMORY, 1);
}

/* ------------------------------------------------------------ calls */

/* The length of the position ("x.lua:12: ") a message starts with, or 0:
 * a source (of one line) followed by ':', digits and ": ". */
static size_t position_length(const char *msg)
{
    for (size_t i = 0; msg[i] && msg[i] != '\n' && i < 600; i++) {
        if (msg[i] != ':' || !isdigit((unsigned char)msg[i + 1])) continue;
        size_t j = i + 1;
        while (isdigit((unsigned char)msg[j])) j++;
        if (msg[j] == ':' && msg[j + 1] == ' ') return j + 2;
    }
    return 0;
}

/* The message handler of a call: a message with the script's line. An
 * error object that is not a string (error({}), error(), a __tostring
 * that returns no string) and a message without a position (error("x",
 * 0), a C function's) get the position of the nearest Lua function where
 * the error was raised. A __tostring runs counted; if it fails, the
 * handler, called again for that error, says so. */
static int message_handler(lua_State *L)
{
    lua_host *h = lua_host_of(L);
    const char *msg;
    if (h->in_handler) {
        msg = "the error object's __tostring failed";
    } else if (lua_isstring(L, 1)) {
        msg = lua_tostring(L, 1);
    } else {
        h->in_handler = 1;
        if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING) msg = lua_tostring(L, -1);
        else msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
        h->in_handler = 0;
    }
    char where[300];
    if (!position_length(msg)) script_position(L, 1, where, sizeof where);
    else where[0] = '\0';
    lua_pushfstring(L, "%s%s", where, msg);
    return 1;
}

/* A script's failure as err's message: the script's name (unless msg
 * starts with it), msg and the tail ("(hook week, week 3, replicate 0)"),
 * msg cut short if need be so the tail always fits. A position repeated
 * at the start (coroutine.wrap adds the caller's to the error of each
 * coroutine it resumes, so wraps within wraps repeat it) is given once. */
static ps_status script_error(const lua_host *h, const char *msg, const char *tail, ps_error *err)
{
    size_t n;
    while ((n = position_length(msg)) && strncmp(msg, msg + n, n) == 0) msg += n;
    size_t name = strlen(h->name);
    int named = strncmp(msg, h->name, name) == 0 && msg[name] == ':';
    size_t head = named ? 0 : name + 2, room = PS_ERROR_MAX - 1 - head - strlen(tail), len = strlen(msg);
    const char *cut = "";
    if (len > room) {
        len = room > 4 ? room - 4 : 0;
        while (len > 0 && ((unsigned char)msg[len] & 0xC0) == 0x80) len--; /* not inside a UTF-8 character */
        cut = " ...";
    }
    return err_set(err, PS_ERR_SCRIPT, "%s%s%.*s%s%s", named ? "" : h->name, named ? "" : ": ", (int)len, msg, cut,
                   tail);
}

/* The message of a broken budget: where the script was, which budget,
 * during ("" or " while loading the script"), when (" (hook week, week
 * 3, replicate 0)" or ""), and how to allow more. */
static ps_status budget_error(const lua_host *h, const char *during, const char *when, ps_error *err)
{
    char at[300];
    if (h->where[0]) snprintf(at, sizeof at, "%s", h->where);
    else snprintf(at, sizeof at, "%s: ", h->name);
    if (h->broken == BROKEN_INSTRUCTIONS)
        return err_set(err, PS_ERR_SCRIPT,
                       "%sinstruction budget exceeded%s: more than %llu instructions in one call%s; "
                       "raise limits.instructions to allow more",
                       at, during, (unsigned long long)h->limits.instructions, when);
    return err_set(err, PS_ERR_SCRIPT,
                   "%smemory budget exceeded%s: the script used more than %zu MB%s; raise limits.memory_mb to "
                   "allow more",
                   at, during, h->limits.memory >> 20, when);
}

/* Calls the function below its nargs arguments, protected, with a fresh
 * instruction budget, and turns what went wrong into a message: with the
 * hook and week of w, or, with w NULL, as part of loading the script.
 * Pops the function and arguments and leaves nresults results. */
static ps_status call_core(lua_host *h, int nargs, int nresults, const lua_host_when *w, ps_error *err)
{
    lua_State *L = h->L;
    int fn = lua_gettop(L) - nargs;
    lua_pushcfunction(L, message_handler);
    lua_insert(L, fn);
    h->used = 0;
    h->refused = 0;
    h->failed.set = 0;
    h->in_handler = 0;
    if (!h->broken) lua_sethook(L, count_hook, LUA_MASKCOUNT, h->check_memory ? 1 : HOOK_PERIOD);
    int rc = lua_pcall(L, nargs, nresults, fn);
    /* a refused request that Lua could not ask again for (no collection is
     * possible in the middle of one) raised a memory error at once */
    if (rc == LUA_ERRMEM && h->refused && !h->broken) h->broken = BROKEN_MEMORY;
    ps_status st = PS_OK;
    char when[160] = "";
    if (w && (h->broken || rc != LUA_OK))
        snprintf(when, sizeof when, " (hook %s%s, week %d, replicate %llu)", w->prefix, w->hook, w->week, w->replicate);
    else if (!w)
        snprintf(when, sizeof when, " (while loading the script)");
    if (h->broken) {
        st = budget_error(h, w ? "" : " while loading the script", w ? when : "", err);
    } else if (rc != LUA_OK) {
        const char *msg = lua_tostring(L, -1);
        st = script_error(h, msg ? msg : "error", when, err);
    }
    if (st) lua_settop(L, fn - 1);
    else lua_remove(L, fn);
    return st;
}

ps_status lua_host_call(lua_host *h, int nargs, const lua_host_when *w, ps_error *err)
{
    return call_core(h, nargs, 0, w, err);
}

ps_status lua_host_protected(lua_host *h, lua_CFunction f, void *ud, ps_error *err)
{
    lua_pushcfunction(h->L, f); /* neither allocates */
    lua_pushlightuserdata(h->L, ud);
    return call_core(h, 1, 0, NULL, err);
}

/* Opens the sandbox's libraries, in a protected call like all the engine
 * does in the state: an allocation that fails there raises an error, and
 * outside a protected call Lua would abort. */
static int open_sandbox(lua_State *L)
{
    lua_sandbox_build(L);
    return 0;
}

/* Runs the chunk below it and keeps the table it returns in the registry:
 * returns the reference, or the type name of what the chunk returned if
 * that was not a table. */
static int run_chunk(lua_State *L)
{
    lua_call(L, 0, 1);
    if (!lua_istable(L, -1)) {
        lua_pushstring(L, luaL_typename(L, -1));
        return 1;
    }
    lua_pushinteger(L, luaL_ref(L, LUA_REGISTRYINDEX));
    return 1;
}

ps_status lua_host_new(const char *name, const char *text, size_t len, const lua_limits *limits,
                       uint64_t rng_key, lua_log_fn log, void *log_ud, lua_host **out, ps_error *err)
{
    *out = NULL;
    lua_host *h = ps_calloc(1, sizeof *h);
    if (!h || !(h->name = ps_strdup(name))) {
        ps_free(h);
        return err_set(err, PS_ERR_NOMEM, "out of memory");
    }
    h->limits = *limits;
    h->script_ref = LUA_NOREF;
    h->log = log; /* before the chunk runs, so its top level's prints are kept */
    h->log_ud = log_ud;
    pcg32_seed(&h->rng, rng_key, rng_mix64(rng_key));
    h->L = lua_newstate(host_alloc, h);
    if (!h->L) {
        lua_host_free(h);
        return err_set(err, PS_ERR_NOMEM, "%s: cannot create a Lua state", name);
    }
    *(lua_host **)lua_getextraspace(h->L) = h;
    lua_setwarnf(h->L, lua_sandbox_warn, h);
    lua_State *L = h->L;
    ps_status st = lua_host_protected(h, open_sandbox, NULL, err);
    if (st) {
        lua_host_free(h);
        return st;
    }
    char chunk[600];
    snprintf(chunk, sizeof chunk, "@%s", name);
    int rc = luaL_loadbufferx(L, text, len, chunk, "t");
    if (rc != LUA_OK) { /* a syntax error, with its line; a binary chunk, without */
        const char *msg = lua_tostring(L, -1);
        st = script_error(h, msg ? msg : "cannot load the script", " (while loading the script)", err);
        lua_host_free(h);
        return st;
    }
    /* Run the chunk; it must return a table. */
    lua_pushcfunction(L, run_chunk);
    lua_insert(L, -2);
    st = call_core(h, 1, 1, NULL, err);
    if (!st && lua_type(L, -1) == LUA_TSTRING)
        st = err_set(err, PS_ERR_SCRIPT, "%s: expected the script to return a table, got %s", name,
                     lua_tostring(L, -1));
    if (st) {
        lua_host_free(h);
        return st;
    }
    h->script_ref = (int)lua_tointeger(L, -1);
    lua_pop(L, 1);
    *out = h;
    return PS_OK;
}

void lua_host_free(lua_host *h)
{
    if (!h) return;
    if (h->L) lua_close(h->L);
    ps_free(h->name);
    ps_free(h);
}

lua_State *lua_host_state(lua_host *h) { return h->L; }
const char *lua_host_name(const lua_host *h) { return h->name; }
void lua_host_push_script(lua_host *h) { lua_rawgeti(h->L, LUA_REGISTRYINDEX, h->script_ref); }

void lua_host_set_context(lua_host *h, void *ctx) { h->ctx = ctx; }
void *lua_host_context(lua_State *L) { return lua_host_of(L)->ctx; }
size_t lua_host_memory(const lua_host *h) { return h->memory; }
size_t lua_host_memory_limit(const lua_host *h) { return h->limits.memory; }
void lua_host_reserve(lua_host *h, size_t bytes) { h->reserved = bytes; }

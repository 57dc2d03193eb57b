/*
 * lua_host_internal: what lua_host.c (the state, its budgets and calls)
 * and lua_sandbox.c (the libraries a script sees) share. Not for others.
 */
#ifndef PS_LUA_HOST_INTERNAL_H
#define PS_LUA_HOST_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <lua.h>

#include "lua_host.h"
#include "rng.h"

#define HOOK_PERIOD 1000
/* What costly work counts, in instructions (an instruction takes some
 * 3 ns on the machines measured): */
#define BYTES_PER_UNIT 16 /* memory allocated: a new string is written once, at some 0.2 ns a byte */
#define FREE_VARARGS 16   /* varargs a function may spread without a charge */
#define VALUES_PER_UNIT 2 /* values the VM copies when it spreads varargs, at some 1.6 ns each */

enum broken { BROKEN_NONE = 0, BROKEN_INSTRUCTIONS, BROKEN_MEMORY };

struct lua_host {
    lua_State *L;
    char *name;
    lua_limits limits;
    size_t memory;        /* bytes held */
    size_t reserved;      /* engine memory the script keeps, counted in its budget (lua_host_reserve) */
    struct {              /* the request the allocator last refused, if Lua may ask for it again */
        void *ptr;
        size_t osize, nsize;
        int set;
    } failed;
    int refused;          /* the allocator refused a request for the budget during this call */
    int check_memory;     /* the state went over its budget: collect garbage at the next instruction, and see */
    int in_handler;       /* the message handler is converting an error object */
    uint64_t used;        /* instructions in this call */
    int broken;           /* enum broken: sticky */
    char where[256];      /* script position where the budget broke */
    int script_ref;       /* registry reference of the returned table */
    pcg32 rng;
    lua_log_fn log;
    void *log_ud;
    void *ctx;
};

/* Opens the sandboxed libraries in L (run protected: it allocates). */
void lua_sandbox_build(lua_State *L);
/* Lua's warning function: a script's warnings go to its log. */
void lua_sandbox_warn(void *host, const char *msg, int tocont);

#endif

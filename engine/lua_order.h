/*
 * lua_order: pairs and next for sandboxed scripts, visiting a table's keys
 * in a defined order that is the same in every run; and the table library's
 * functions whose order or cost the sandbox must control.
 *
 * Lua 5.4 seeds its string hashing afresh in each state (luai_makeseed,
 * from the clock and addresses; we link Debian's liblua5.4 and cannot fix
 * the seed), so the standard pairs and next visit string keys in an order
 * that differs between runs of the same scenario, and a script deciding
 * anything by it would not reproduce. These replace both, with the order
 *
 *   integer keys ascending, then other number keys ascending, then string
 *   keys in byte order (a prefix before its extensions), then false, then
 *   true.
 *
 * Keys of other types (tables, functions, userdata such as selections and
 * handles, coroutines) have no order that is the same in every run: their
 * hashes are addresses. Meeting one is an error that says what to do
 * instead, rather than an order that would silently differ.
 *
 * pairs(t) respects a __pairs metamethod, as Lua 5.4's does (scripts may
 * set metatables on their own tables). Otherwise it sorts the keys once,
 * when called, and then visits them: a key removed meanwhile is skipped, a
 * key added meanwhile is not visited (Lua leaves adding undefined).
 * next(t, k) gives the key after k in the same order (k need not still be
 * in t), scanning the table at each call: visiting a table with next costs
 * n^2, so use pairs. Both charge their work to the instruction budget.
 */
#ifndef PS_LUA_ORDER_H
#define PS_LUA_ORDER_H

#include <lua.h>

/* Replaces pairs and next in the table at index idx (the globals). */
void lua_order_install(lua_State *L, int idx);

/*
 * Replaces insert, remove, move, concat, unpack and sort in the table at
 * index idx (the table library) with Lua 5.4's, except that each charges
 * its C loop to the instruction budget before running it (the count hook
 * never fires inside C), and sort is a stable merge sort: Lua's quicksort
 * picks pivots from the clock once a partition is unbalanced, so equal
 * elements, and the comparator's calls, came in an order that differed
 * between runs.
 */
void lua_order_install_table(lua_State *L, int idx);

#endif

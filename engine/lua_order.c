/* lua_order: pairs and next in a defined order. See lua_order.h. */
#include "lua_order.h"

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <lauxlib.h>

#include "lua_host.h"

enum rank { RANK_INTEGER, RANK_FLOAT, RANK_STRING, RANK_BOOLEAN };

/* A key as the order sees it. A string's bytes belong to a Lua string that
 * something on the stack keeps alive; its first 8 bytes, big-endian, let
 * most comparisons finish without reading them. */
typedef struct okey {
    union {
        lua_Integer i;
        lua_Number d;
        const char *s;
        int b;
    } v;
    uint64_t head; /* of a string: its first 8 bytes, zero-padded */
    size_t len;    /* of a string */
    uint32_t slot; /* pairs: where the key sits in the array being sorted */
    uint8_t rank;  /* enum rank */
} okey;

/* Reads the key at idx, or raises the error for a key that has no order. */
static void read_key(lua_State *L, int idx, okey *k, const char *what)
{
    switch (lua_type(L, idx)) {
    case LUA_TNUMBER:
        if (lua_isinteger(L, idx)) {
            k->rank = RANK_INTEGER;
            k->v.i = lua_tointeger(L, idx);
        } else {
            k->rank = RANK_FLOAT;
            k->v.d = lua_tonumber(L, idx);
        }
        break;
    case LUA_TSTRING:
        k->rank = RANK_STRING;
        k->v.s = lua_tolstring(L, idx, &k->len);
        k->head = 0;
        for (size_t j = 0; j < 8; j++) k->head = k->head << 8 | (j < k->len ? (unsigned char)k->v.s[j] : 0u);
        break;
    case LUA_TBOOLEAN:
        k->rank = RANK_BOOLEAN;
        k->v.b = lua_toboolean(L, idx);
        break;
    default:
        luaL_error(L, "%s: the table has a key that is a %s, and such keys have no order that is the same in every "
                      "run; key it by a number or a name instead (such as person.id), or keep the values in a list "
                      "and use ipairs",
                   what, luaL_typename(L, idx));
    }
}

static int compare(const okey *a, const okey *b)
{
    if (a->rank != b->rank) return a->rank < b->rank ? -1 : 1;
    switch (a->rank) {
    case RANK_INTEGER: return (a->v.i > b->v.i) - (a->v.i < b->v.i);
    case RANK_FLOAT: return (a->v.d > b->v.d) - (a->v.d < b->v.d);
    case RANK_STRING: {
        if (a->head != b->head) return a->head < b->head ? -1 : 1;
        int c = memcmp(a->v.s, b->v.s, a->len < b->len ? a->len : b->len);
        if (c) return c < 0 ? -1 : 1;
        return (a->len > b->len) - (a->len < b->len);
    }
    default: return a->v.b - b->v.b;
    }
}

/* Sorts keys[n] with tmp[n] as room: a bottom-up merge sort, so the
 * room is Lua memory (counted in the budget, unlike qsort's) and the time
 * is n log n whatever the keys. Keys are distinct, so the order is total. */
static void sort_keys(okey *keys, okey *tmp, size_t n)
{
    okey *from = keys, *to = tmp;
    for (size_t width = 1; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n, hi = lo + 2 * width < n ? lo + 2 * width : n;
            size_t a = lo, b = mid, o = lo;
            while (a < mid && b < hi) to[o++] = compare(&from[a], &from[b]) < 0 ? from[a++] : from[b++];
            while (a < mid) to[o++] = from[a++];
            while (b < hi) to[o++] = from[b++];
        }
        okey *t = from;
        from = to;
        to = t;
    }
    if (from != keys) memcpy(keys, from, n * sizeof *keys);
}

/* Work in C counts against the budget at about what the same time of VM
 * instructions would (measured: visiting, sorting and stepping through a
 * table costs some 150 to 400 ns a key, a comparison about 40 ns; an
 * instruction about 5 ns), so a loop of pairs or next cannot escape it. */
#define UNITS_PER_KEY 32        /* pairs: a key visited, placed and stepped to */
#define UNITS_PER_COMPARISON 8  /* pairs: one comparison of the sort */
#define UNITS_PER_LIST_KEY 8    /* pairs over a list: a key visited and stepped to */
#define UNITS_PER_SCAN_KEY 16   /* next: a key looked at */
#define SMALL 32                /* pairs of tables this small sort on the C stack */

static void charge(lua_State *L, uint64_t units) { lua_host_charge(L, units); }

/* What pairs charges for n keys: each visited, and n log2 n comparisons. */
static uint64_t pairs_units(uint64_t n)
{
    uint64_t log2n = 0;
    while ((UINT64_C(1) << log2n) < n) log2n++;
    return n * UNITS_PER_KEY + n * log2n * UNITS_PER_COMPARISON + 1;
}

/* The iterator pairs gives: its upvalues are the sorted keys (nil for a
 * list, whose keys are 1..n), the table, the position reached and n. */
static int pairs_step(lua_State *L)
{
    lua_Integer i = lua_tointeger(L, lua_upvalueindex(3)), n = lua_tointeger(L, lua_upvalueindex(4));
    int list = lua_isnil(L, lua_upvalueindex(1));
    while (i < n) {
        if (list) lua_pushinteger(L, ++i);
        else lua_rawgeti(L, lua_upvalueindex(1), ++i);
        lua_pushvalue(L, -1);
        if (lua_rawget(L, lua_upvalueindex(2)) != LUA_TNIL) {
            lua_pushinteger(L, i);
            lua_replace(L, lua_upvalueindex(3));
            return 2;
        }
        lua_pop(L, 2); /* removed since pairs began */
    }
    lua_pushinteger(L, n);
    lua_replace(L, lua_upvalueindex(3));
    lua_pushnil(L);
    return 1;
}

/* Returns what pairs returns for the table at 1 with n keys: the iterator
 * over the sorted keys on top of the stack (or nil for a list), the table
 * and nil. */
static int iterate(lua_State *L, size_t n)
{
    lua_pushvalue(L, 1);
    lua_pushinteger(L, 0);
    lua_pushinteger(L, (lua_Integer)n);
    lua_pushcclosure(L, pairs_step, 4);
    lua_pushvalue(L, 1);
    lua_pushnil(L);
    return 3;
}

/* Puts the array at idx (n keys) in the order of the sorted okeys, whose
 * slots say where each key is now, by following the permutation's cycles.
 * Every key stays in the array or on the stack throughout, and nothing is
 * allocated, so the strings the okeys point into stay alive. */
static void permute(lua_State *L, int idx, okey *keys, size_t n)
{
    for (size_t start = 0; start < n; start++) {
        if (keys[start].slot == UINT32_MAX || keys[start].slot == start) continue;
        lua_rawgeti(L, idx, (lua_Integer)start + 1); /* held while its place is filled */
        size_t j = start;
        for (;;) {
            size_t from = keys[j].slot;
            keys[j].slot = UINT32_MAX;
            if (from == start) {
                lua_rawseti(L, idx, (lua_Integer)j + 1); /* the held key */
                break;
            }
            lua_rawgeti(L, idx, (lua_Integer)from + 1);
            lua_rawseti(L, idx, (lua_Integer)j + 1);
            j = from;
        }
    }
}

static int o_pairs(lua_State *L)
{
    luaL_checkany(L, 1);
    if (luaL_getmetafield(L, 1, "__pairs") != LUA_TNIL) {
        lua_pushvalue(L, 1);
        lua_call(L, 1, 3);
        return 3;
    }
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    /* Count the keys, and see whether they are just 1..n (a list): n
     * distinct whole numbers from 1 with the largest n are. */
    size_t n = 0;
    lua_Integer max = 0;
    int list = 1;
    lua_pushnil(L);
    while (lua_next(L, 1)) {
        lua_pop(L, 1);
        n++;
        lua_Integer i = lua_isinteger(L, -1) ? lua_tointeger(L, -1) : 0;
        if (i < 1) list = 0;
        else if (i > max) max = i;
    }
    if (list && (uint64_t)max == n) {
        charge(L, (uint64_t)n * UNITS_PER_LIST_KEY + 1);
        lua_pushnil(L);
        return iterate(L, n);
    }
    if (n >= UINT32_MAX || n > INT_MAX) return luaL_error(L, "pairs: too many keys");
    okey small[2 * SMALL], *keys = small; /* the keys, then room to sort them */
    if (n > SMALL) keys = lua_newuserdatauv(L, 2 * n * sizeof *keys, 0);
    else lua_pushnil(L);
    lua_createtable(L, (int)n, 0); /* 3: the keys, anchored */
    /* The table cannot change from here on (nothing allocates, so even a
     * weak table keeps its entries), but take at most n keys all the same. */
    size_t k = 0;
    lua_pushnil(L);
    while (k < n && lua_next(L, 1)) {
        lua_pop(L, 1);
        lua_pushvalue(L, -1);
        lua_rawseti(L, 3, (lua_Integer)k + 1);
        read_key(L, -1, &keys[k], "pairs");
        keys[k].slot = (uint32_t)k;
        k++;
    }
    lua_settop(L, 3);
    charge(L, pairs_units(k));
    sort_keys(keys, keys + n, k);
    permute(L, 3, keys, k);
    return iterate(L, k);
}

static int o_next(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 2);
    okey after, best, k;
    int have_after = !lua_isnil(L, 2), have_best = 0;
    if (have_after) read_key(L, 2, &after, "next");
    lua_pushnil(L); /* 3: the best key so far, kept alive here */
    lua_pushnil(L);
    uint64_t n = 0;
    while (lua_next(L, 1)) {
        lua_pop(L, 1);
        read_key(L, 4, &k, "next");
        n++;
        if ((!have_after || compare(&k, &after) > 0) && (!have_best || compare(&k, &best) < 0)) {
            best = k;
            have_best = 1;
            lua_copy(L, 4, 3);
        }
    }
    charge(L, n * UNITS_PER_SCAN_KEY + 1);
    if (!have_best) {
        lua_pushnil(L);
        return 1;
    }
    lua_pushvalue(L, 3);
    lua_pushvalue(L, 3);
    lua_rawget(L, 1);
    return 2;
}

/* ------------------------------------------------------------ the table library */

/* Lua 5.4's table functions move elements in C loops that never return to
 * the VM: the count hook never sees them, so table.move over a range of
 * 2^63 elements, or table.insert(t, 1, x) on a list of a million in a
 * loop, ran for ever on one instruction's charge. These are Lua 5.4's
 * (ltablib.c), but each charges its loop before running it, at about what
 * the same time of VM instructions would (measured: an element moved with
 * lua_geti and lua_seti some 9 ns, an element of table.concat some 35 ns,
 * an instruction some 3 ns). Their messages are Lua's. */
#define UNITS_PER_MOVE 3    /* an element read and written (insert, remove, move) */
#define UNITS_PER_PUSH 2    /* an element read onto the stack (unpack) */
#define UNITS_PER_JOIN 12   /* an element of table.concat */
#define UNITS_PER_MERGE 12  /* an element of one pass of table.sort's merge (some 37 ns) */

/* Charges n elements at per units each, saturating. */
static void charge_n(lua_State *L, lua_Unsigned n, unsigned per)
{
    lua_host_charge(L, n > UINT64_MAX / per - 1 ? UINT64_MAX : (uint64_t)n * per + 1);
}

#define TAB_R 1
#define TAB_W 2
#define TAB_L 4
#define TAB_RW (TAB_R | TAB_W)

/* As ltablib.c's checktab: a table, or anything whose metatable has the
 * metamethods the function needs. */
static int has_field(lua_State *L, const char *key, int n)
{
    lua_pushstring(L, key);
    return lua_rawget(L, -n) != LUA_TNIL;
}

static void check_tab(lua_State *L, int arg, int what)
{
    if (lua_type(L, arg) == LUA_TTABLE) return;
    int n = 1;
    if (lua_getmetatable(L, arg) && (!(what & TAB_R) || has_field(L, "__index", ++n)) &&
        (!(what & TAB_W) || has_field(L, "__newindex", ++n)) && (!(what & TAB_L) || has_field(L, "__len", ++n)))
        lua_pop(L, n);
    else
        luaL_checktype(L, arg, LUA_TTABLE);
}

static lua_Integer tab_len(lua_State *L, int arg, int what)
{
    check_tab(L, arg, what | TAB_L);
    return luaL_len(L, arg);
}

static int t_insert(lua_State *L)
{
    lua_Integer pos, e = luaL_intop(+, tab_len(L, 1, TAB_RW), 1); /* the first empty element */
    switch (lua_gettop(L)) {
    case 2: pos = e; break;
    case 3:
        pos = luaL_checkinteger(L, 2);
        luaL_argcheck(L, (lua_Unsigned)pos - 1u < (lua_Unsigned)e, 2, "position out of bounds");
        charge_n(L, (lua_Unsigned)(e - pos), UNITS_PER_MOVE);
        for (lua_Integer i = e; i > pos; i--) { /* move up elements */
            lua_geti(L, 1, i - 1);
            lua_seti(L, 1, i);
        }
        break;
    default: return luaL_error(L, "wrong number of arguments to 'insert'");
    }
    lua_seti(L, 1, pos);
    return 0;
}

static int t_remove(lua_State *L)
{
    lua_Integer size = tab_len(L, 1, TAB_RW);
    lua_Integer pos = luaL_optinteger(L, 2, size);
    if (pos != size) luaL_argcheck(L, (lua_Unsigned)pos - 1u <= (lua_Unsigned)size, 2, "position out of bounds");
    if (pos < size) charge_n(L, (lua_Unsigned)size - (lua_Unsigned)pos, UNITS_PER_MOVE);
    lua_geti(L, 1, pos);
    for (; pos < size; pos++) {
        lua_geti(L, 1, pos + 1);
        lua_seti(L, 1, pos);
    }
    lua_pushnil(L);
    lua_seti(L, 1, pos);
    return 1;
}

static int t_move(lua_State *L)
{
    lua_Integer f = luaL_checkinteger(L, 2), e = luaL_checkinteger(L, 3), t = luaL_checkinteger(L, 4);
    int tt = !lua_isnoneornil(L, 5) ? 5 : 1; /* the destination */
    check_tab(L, 1, TAB_R);
    check_tab(L, tt, TAB_W);
    if (e >= f) {
        luaL_argcheck(L, f > 0 || e < LUA_MAXINTEGER + f, 3, "too many elements to move");
        lua_Integer n = e - f + 1;
        luaL_argcheck(L, t <= LUA_MAXINTEGER - n + 1, 4, "destination wrap around");
        charge_n(L, (lua_Unsigned)n, UNITS_PER_MOVE);
        if (t > e || t <= f || (tt != 1 && !lua_compare(L, 1, tt, LUA_OPEQ))) {
            for (lua_Integer i = 0; i < n; i++) {
                lua_geti(L, 1, f + i);
                lua_seti(L, tt, t + i);
            }
        } else {
            for (lua_Integer i = n - 1; i >= 0; i--) {
                lua_geti(L, 1, f + i);
                lua_seti(L, tt, t + i);
            }
        }
    }
    lua_pushvalue(L, tt);
    return 1;
}

static void concat_field(lua_State *L, luaL_Buffer *b, lua_Integer i)
{
    lua_geti(L, 1, i);
    if (!lua_isstring(L, -1)) luaL_error(L, "invalid value (at index %I) in table for 'concat'", (LUAI_UACINT)i);
    luaL_addvalue(b);
}

static int t_concat(lua_State *L)
{
    lua_Integer last = tab_len(L, 1, TAB_R);
    size_t lsep;
    const char *sep = luaL_optlstring(L, 2, "", &lsep);
    lua_Integer i = luaL_optinteger(L, 3, 1);
    last = luaL_optinteger(L, 4, last);
    if (i <= last) charge_n(L, (lua_Unsigned)last - (lua_Unsigned)i + 1, UNITS_PER_JOIN);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (; i < last; i++) {
        concat_field(L, &b, i);
        luaL_addlstring(&b, sep, lsep);
    }
    if (i == last) concat_field(L, &b, i);
    luaL_pushresult(&b);
    return 1;
}

static int t_unpack(lua_State *L)
{
    lua_Integer i = luaL_optinteger(L, 2, 1);
    lua_Integer e = luaL_opt(L, luaL_checkinteger, 3, luaL_len(L, 1));
    if (i > e) return 0;
    lua_Unsigned n = (lua_Unsigned)e - (lua_Unsigned)i; /* elements minus 1 */
    if (n >= (unsigned int)INT_MAX || !lua_checkstack(L, (int)(++n))) return luaL_error(L, "too many results to unpack");
    charge_n(L, n, UNITS_PER_PUSH);
    for (; i < e; i++) lua_geti(L, 1, i);
    lua_geti(L, 1, e);
    return (int)n;
}

/* With a and b below the top (b on top): is b < a, by the comparator at
 * index 2 if there is one, else by Lua's < ? */
static int sort_less(lua_State *L, int cmp)
{
    if (!cmp) return lua_compare(L, -1, -2, LUA_OPLT);
    lua_pushvalue(L, 2);
    lua_pushvalue(L, -2);
    lua_pushvalue(L, -4);
    lua_call(L, 2, 1);
    int r = lua_toboolean(L, -1);
    lua_pop(L, 1);
    return r;
}

/* table.sort(list [, comp]) as a stable merge sort. Lua 5.4's quicksort
 * picks a pivot from the clock and the time once a partition comes out
 * unbalanced (l_randomizePivot): elements that compare equal then end in
 * an order that differs between runs, and so does the number of calls of
 * the comparator, with what it charges and anything it does. A merge
 * sort needs no pivot: the same list sorts to the same order, with the
 * same comparisons, in every run, in n log n comparisons at worst.
 * Elements that compare equal keep their order. It never says "invalid
 * order function": an inconsistent comparator gives some order. */
static int t_sort(lua_State *L)
{
    lua_Integer n = tab_len(L, 1, TAB_RW);
    if (n < 2) return 0;
    luaL_argcheck(L, n < INT_MAX, 1, "array too big");
    int cmp = !lua_isnoneornil(L, 2);
    if (cmp) luaL_checktype(L, 2, LUA_TFUNCTION);
    lua_settop(L, 2);
    charge_n(L, (lua_Unsigned)n, UNITS_PER_MOVE);
    lua_createtable(L, (int)n, 0); /* 3 and 4: the elements, and room to merge them into */
    lua_createtable(L, (int)n, 0);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_geti(L, 1, i);
        lua_rawseti(L, 3, i);
    }
    int from = 3, to = 4;
    for (lua_Integer width = 1; width < n; width *= 2) {
        charge_n(L, (lua_Unsigned)n, UNITS_PER_MERGE);
        for (lua_Integer lo = 1; lo <= n; lo += 2 * width) {
            lua_Integer mid = lo + width <= n ? lo + width : n + 1, hi = lo + 2 * width <= n ? lo + 2 * width : n + 1;
            lua_Integer a = lo, b = mid, o = lo;
            while (a < mid && b < hi) {
                lua_rawgeti(L, from, a);
                lua_rawgeti(L, from, b);
                if (sort_less(L, cmp)) { /* b first; on a tie a stays first */
                    lua_rawseti(L, to, o++);
                    lua_pop(L, 1);
                    b++;
                } else {
                    lua_pop(L, 1);
                    lua_rawseti(L, to, o++);
                    a++;
                }
            }
            for (; a < mid; a++) {
                lua_rawgeti(L, from, a);
                lua_rawseti(L, to, o++);
            }
            for (; b < hi; b++) {
                lua_rawgeti(L, from, b);
                lua_rawseti(L, to, o++);
            }
        }
        int t = from;
        from = to;
        to = t;
    }
    charge_n(L, (lua_Unsigned)n, UNITS_PER_MOVE);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, from, i);
        lua_seti(L, 1, i);
    }
    return 0;
}

void lua_order_install(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    lua_pushcfunction(L, o_pairs);
    lua_setfield(L, idx, "pairs");
    lua_pushcfunction(L, o_next);
    lua_setfield(L, idx, "next");
}

void lua_order_install_table(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    static const luaL_Reg fns[] = { { "insert", t_insert }, { "remove", t_remove }, { "move", t_move },
                                    { "concat", t_concat }, { "unpack", t_unpack }, { "sort", t_sort },
                                    { NULL, NULL } };
    for (const luaL_Reg *f = fns; f->name; f++) {
        lua_pushcfunction(L, f->func);
        lua_setfield(L, idx, f->name);
    }
}

/*
 * lua_pattern: Lua 5.4 patterns with a step budget. See lua_pattern.h.
 *
 * Written from the pattern rules of the Lua 5.4 reference manual (section
 * 6.4.1): character classes, sets, the items x, x*, x+, x-, x?, %n, %bxy
 * and %f[set], captures and position captures, and the anchors ^ and $.
 * The matcher is a depth-first search like any backtracking matcher; the
 * difference is that it counts its steps and charges them to the script.
 */
#include "lua_pattern.h"

#include <ctype.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <lauxlib.h>

#include "lua_host.h"

#define MAX_CAPTURES 32
#define MAX_DEPTH 200
#define CAP_UNFINISHED (-1)
#define CAP_POSITION (-2)
#define ESC '%'
#define CHARGE_EVERY 256

typedef struct matcher {
    const char *src, *src_end;  /* the subject */
    const char *pat_end;
    lua_State *L;
    int depth;
    int level;                  /* captures in use */
    unsigned steps;             /* since the last charge */
    struct { const char *start; ptrdiff_t len; } cap[MAX_CAPTURES];
} matcher;

static void step(matcher *m)
{
    if (++m->steps >= CHARGE_EVERY) {
        lua_host_charge(m->L, m->steps);
        m->steps = 0;
    }
}

/* ------------------------------------------------------------ classes */

/* Does c belong to the class letter cl (%a, %d, ...)? Upper case negates. */
static int class_match(int c, int cl)
{
    int r;
    switch (tolower(cl)) {
    case 'a': r = isalpha(c); break;
    case 'c': r = iscntrl(c); break;
    case 'd': r = isdigit(c); break;
    case 'g': r = isgraph(c); break;
    case 'l': r = islower(c); break;
    case 'p': r = ispunct(c); break;
    case 's': r = isspace(c); break;
    case 'u': r = isupper(c); break;
    case 'w': r = isalnum(c); break;
    case 'x': r = isxdigit(c); break;
    default: return cl == c; /* %x for a non-letter x: x itself */
    }
    r = r != 0;
    return isupper(cl) ? !r : r;
}

/* The end of the single-character class starting at p. */
static const char *class_end(matcher *m, const char *p)
{
    if (*p++ == ESC) {
        if (p >= m->pat_end) luaL_error(m->L, "malformed pattern (ends with '%%')");
        return p + 1;
    }
    if (p[-1] == '[') {
        if (*p == '^') p++;
        do { /* the first ']' right after '[' or '[^' is a member */
            if (p >= m->pat_end) luaL_error(m->L, "malformed pattern (missing ']')");
            if (*(p++) == ESC && p < m->pat_end) p++;
        } while (*p != ']');
        return p + 1;
    }
    return p;
}

/* Is c in the set [ ... ] whose '[' is at p and whose ']' is at last? */
static int set_match(int c, const char *p, const char *last)
{
    int want = 1;
    if (*(p + 1) == '^') {
        want = 0;
        p++;
    }
    while (++p < last) {
        if (*p == ESC) {
            p++;
            if (class_match(c, (unsigned char)*p)) return want;
        } else if (*(p + 1) == '-' && p + 2 < last) {
            if ((unsigned char)*p <= c && c <= (unsigned char)*(p + 2)) return want;
            p += 2;
        } else if ((unsigned char)*p == c) {
            return want;
        }
    }
    return !want;
}

/* Does the character at s match the class from p to ep? */
static int single_match(matcher *m, const char *s, const char *p, const char *ep)
{
    if (s >= m->src_end) return 0;
    int c = (unsigned char)*s;
    switch (*p) {
    case '.': return 1;
    case ESC: return class_match(c, (unsigned char)*(p + 1));
    case '[': return set_match(c, p, ep - 1);
    default: return (unsigned char)*p == c;
    }
}

/* ------------------------------------------------------------ matching */

static const char *do_match(matcher *m, const char *s, const char *p);

static int capture_index(matcher *m, int l)
{
    l -= '1';
    if (l < 0 || l >= m->level || m->cap[l].len == CAP_UNFINISHED)
        return luaL_error(m->L, "invalid capture index %%%d", l + 1);
    return l;
}

static int open_capture_level(matcher *m)
{
    for (int level = m->level - 1; level >= 0; level--)
        if (m->cap[level].len == CAP_UNFINISHED) return level;
    return luaL_error(m->L, "invalid pattern capture");
}

static const char *start_capture(matcher *m, const char *s, const char *p, ptrdiff_t what)
{
    if (m->level >= MAX_CAPTURES) luaL_error(m->L, "too many captures");
    m->cap[m->level].start = s;
    m->cap[m->level].len = what;
    m->level++;
    const char *r = do_match(m, s, p);
    if (!r) m->level--; /* undo */
    return r;
}

static const char *end_capture(matcher *m, const char *s, const char *p)
{
    int l = open_capture_level(m);
    m->cap[l].len = s - m->cap[l].start;
    const char *r = do_match(m, s, p);
    if (!r) m->cap[l].len = CAP_UNFINISHED;
    return r;
}

static const char *match_balance(matcher *m, const char *s, const char *p)
{
    if (p + 1 >= m->pat_end) luaL_error(m->L, "malformed pattern (missing arguments to '%%b')");
    if (s >= m->src_end || *s != *p) return NULL;
    int open = *p, close = *(p + 1), depth = 1;
    while (++s < m->src_end) {
        step(m);
        if (*s == close) {
            if (--depth == 0) return s + 1;
        } else if (*s == open) {
            depth++;
        }
    }
    return NULL;
}

static const char *match_backref(matcher *m, const char *s, int l)
{
    l = capture_index(m, l);
    size_t len = (size_t)m->cap[l].len;
    if ((size_t)(m->src_end - s) >= len && memcmp(m->cap[l].start, s, len) == 0) return s + len;
    return NULL;
}

/* x*: take as many as possible, then give back one at a time. */
static const char *longest(matcher *m, const char *s, const char *p, const char *ep)
{
    ptrdiff_t n = 0;
    while (single_match(m, s + n, p, ep)) {
        n++;
        step(m);
    }
    while (n >= 0) {
        step(m);
        const char *r = do_match(m, s + n, ep + 1);
        if (r) return r;
        n--;
    }
    return NULL;
}

/* x-: take as few as possible, then one more at a time. */
static const char *shortest(matcher *m, const char *s, const char *p, const char *ep)
{
    for (;;) {
        step(m);
        const char *r = do_match(m, s, ep + 1);
        if (r) return r;
        if (!single_match(m, s, p, ep)) return NULL;
        s++;
    }
}

static const char *do_match(matcher *m, const char *s, const char *p)
{
    if (++m->depth > MAX_DEPTH) luaL_error(m->L, "pattern too complex");
    const char *r = NULL;
    for (;;) {
        step(m);
        if (p == m->pat_end) {
            r = s;
            break;
        }
        if (*p == '(') {
            r = *(p + 1) == ')' ? start_capture(m, s, p + 2, CAP_POSITION)
                                : start_capture(m, s, p + 1, CAP_UNFINISHED);
            break;
        }
        if (*p == ')') {
            r = end_capture(m, s, p + 1);
            break;
        }
        if (*p == '$' && p + 1 == m->pat_end) {
            r = s == m->src_end ? s : NULL;
            break;
        }
        if (*p == ESC && p + 1 < m->pat_end && p[1] == 'b') {
            s = match_balance(m, s, p + 2);
            if (!s) break;
            p += 4;
            continue;
        }
        if (*p == ESC && p + 1 < m->pat_end && p[1] == 'f') {
            p += 2;
            if (*p != '[') luaL_error(m->L, "missing '[' after '%%f' in pattern");
            const char *ep = class_end(m, p);
            int prev = s == m->src ? '\0' : (unsigned char)*(s - 1);
            int cur = s < m->src_end ? (unsigned char)*s : '\0';
            if (!set_match(prev, p, ep - 1) && set_match(cur, p, ep - 1)) {
                p = ep;
                continue;
            }
            break; /* r stays NULL */
        }
        if (*p == ESC && p + 1 < m->pat_end && isdigit((unsigned char)p[1])) {
            s = match_backref(m, s, (unsigned char)p[1]);
            if (!s) break;
            p += 2;
            continue;
        }
        /* a single-character class, maybe with a quantifier */
        const char *ep = class_end(m, p);
        int quant = ep < m->pat_end ? *ep : '\0';
        if (!single_match(m, s, p, ep)) {
            if (quant == '*' || quant == '?' || quant == '-') { /* zero matches are fine */
                p = ep + 1;
                continue;
            }
            break;
        }
        if (quant == '?') {
            r = do_match(m, s + 1, ep + 1);
            if (r) break;
            p = ep + 1;
            continue;
        }
        if (quant == '+') {
            r = longest(m, s + 1, p, ep);
            break;
        }
        if (quant == '*') {
            r = longest(m, s, p, ep);
            break;
        }
        if (quant == '-') {
            r = shortest(m, s, p, ep);
            break;
        }
        s++;
        p = ep;
    }
    m->depth--;
    return r;
}

/* ------------------------------------------------------------ the functions */

static void prepare(matcher *m, lua_State *L, const char *s, size_t ls, const char *p, size_t lp)
{
    m->L = L;
    m->src = s;
    m->src_end = s + ls;
    m->pat_end = p + lp;
    m->depth = 0;
    m->level = 0;
    m->steps = 0;
}

static void finish(matcher *m)
{
    if (m->steps) lua_host_charge(m->L, m->steps);
    m->steps = 0;
}

static void push_capture(matcher *m, int i, const char *s, const char *e)
{
    if (i >= m->level) {
        if (i != 0) luaL_error(m->L, "invalid capture index %%%d", i + 1);
        lua_pushlstring(m->L, s, (size_t)(e - s)); /* the whole match */
        return;
    }
    ptrdiff_t l = m->cap[i].len;
    if (l == CAP_UNFINISHED) luaL_error(m->L, "unfinished capture");
    if (l == CAP_POSITION) lua_pushinteger(m->L, (m->cap[i].start - m->src) + 1);
    else lua_pushlstring(m->L, m->cap[i].start, (size_t)l);
}

static int push_captures(matcher *m, const char *s, const char *e, int whole_if_none)
{
    int n = (m->level == 0 && whole_if_none) ? 1 : m->level;
    luaL_checkstack(m->L, n, "too many captures");
    for (int i = 0; i < n; i++) push_capture(m, i, s, e);
    return n;
}

/* Lua's rule for a start position: negative counts from the end. */
static size_t start_index(lua_Integer init, size_t len)
{
    if (init > 0) return (size_t)init;
    if (init == 0) return 1;
    if (init < -(lua_Integer)len) return 1;
    return len + (size_t)init + 1;
}

static int has_specials(const char *p, size_t l)
{
    for (size_t i = 0; i < l; i++)
        if (strchr("^$*+?.([%-", p[i])) return 1;
    return 0;
}

/* A plain search that charges what it does: each byte looked at, whether
 * memchr passes over it looking for the needle's first byte or it is
 * compared at a candidate start, costs 1/16 of an instruction. A needle
 * that almost matches everywhere costs haystack x needle, and is charged
 * so, where a charge by haystack length alone let one call run for
 * seconds. */
static const char *plain_find(lua_State *L, const char *s, size_t ls, const char *p, size_t lp)
{
    if (lp == 0) return s;
    if (lp > ls) return NULL;
    const char *end = s + (ls - lp) + 1; /* one past the last start where the needle fits */
    const char *hit = NULL;
    uint64_t work = 0;
    for (const char *q = s; q < end; q++) {
        const char *f = memchr(q, (unsigned char)p[0], (size_t)(end - q));
        work += (uint64_t)((f ? f : end) - q) + 1;
        if (!f) break;
        size_t k = 1;
        while (k < lp && f[k] == p[k]) k++;
        work += k;
        if (k == lp) {
            hit = f;
            break;
        }
        q = f;
        if (work >= 16 * CHARGE_EVERY) {
            lua_host_charge(L, work / 16);
            work %= 16;
        }
    }
    lua_host_charge(L, work / 16 + 1);
    return hit;
}

static int find_aux(lua_State *L, int find)
{
    size_t ls, lp;
    const char *s = luaL_checklstring(L, 1, &ls);
    const char *p = luaL_checklstring(L, 2, &lp);
    size_t init = start_index(luaL_optinteger(L, 3, 1), ls) - 1;
    if (init > ls) {
        luaL_pushfail(L);
        return 1;
    }
    if (find && (lua_toboolean(L, 4) || !has_specials(p, lp))) {
        const char *hit = plain_find(L, s + init, ls - init, p, lp);
        if (hit) {
            lua_pushinteger(L, (hit - s) + 1);
            lua_pushinteger(L, (hit - s) + (lua_Integer)lp);
            return 2;
        }
        luaL_pushfail(L);
        return 1;
    }
    matcher m;
    const char *s1 = s + init;
    int anchor = *p == '^';
    if (anchor) {
        p++;
        lp--;
    }
    prepare(&m, L, s, ls, p, lp);
    do {
        m.level = 0;
        m.depth = 0;
        const char *e = do_match(&m, s1, p);
        if (e) {
            finish(&m);
            if (find) {
                lua_pushinteger(L, (s1 - s) + 1);
                lua_pushinteger(L, e - s);
                return push_captures(&m, NULL, NULL, 0) + 2;
            }
            return push_captures(&m, s1, e, 1);
        }
    } while (s1++ < m.src_end && !anchor);
    finish(&m);
    luaL_pushfail(L);
    return 1;
}

static int p_find(lua_State *L) { return find_aux(L, 1); }
static int p_match(lua_State *L) { return find_aux(L, 0); }

/* gmatch: the state lives in a userdata upvalue. */
typedef struct gm_state {
    const char *src, *p, *lastmatch;
    size_t ls, lp;
} gm_state;

static int gmatch_next(lua_State *L)
{
    gm_state *g = lua_touserdata(L, lua_upvalueindex(3));
    size_t ls, lp;
    const char *s = lua_tolstring(L, lua_upvalueindex(1), &ls);
    const char *p = lua_tolstring(L, lua_upvalueindex(2), &lp);
    matcher m;
    prepare(&m, L, s, ls, p, lp);
    for (const char *src = g->src; src <= m.src_end; src++) {
        m.level = 0;
        m.depth = 0;
        const char *e = do_match(&m, src, p);
        if (e && e != g->lastmatch) {
            g->src = g->lastmatch = e;
            finish(&m);
            return push_captures(&m, src, e, 1);
        }
    }
    finish(&m);
    return 0;
}

static int p_gmatch(lua_State *L)
{
    size_t ls;
    const char *s = luaL_checklstring(L, 1, &ls);
    luaL_checkstring(L, 2);
    size_t init = start_index(luaL_optinteger(L, 3, 1), ls) - 1;
    if (init > ls) init = ls + 1;
    lua_settop(L, 2);
    gm_state *g = lua_newuserdatauv(L, sizeof *g, 0);
    g->src = s + init;
    g->lastmatch = NULL;
    lua_pushcclosure(L, gmatch_next, 3);
    return 1;
}

static void add_replacement(matcher *m, luaL_Buffer *b, const char *s, const char *e, int tr)
{
    lua_State *L = m->L;
    if (tr == LUA_TSTRING || tr == LUA_TNUMBER) {
        size_t l;
        const char *news = lua_tolstring(L, 3, &l);
        for (size_t i = 0; i < l; i++) {
            if (news[i] != ESC) {
                luaL_addchar(b, news[i]);
                continue;
            }
            i++;
            if (i >= l) luaL_error(L, "invalid use of '%%' in replacement string");
            if (news[i] == ESC) {
                luaL_addchar(b, ESC);
            } else if (news[i] == '0') {
                luaL_addlstring(b, s, (size_t)(e - s));
            } else if (isdigit((unsigned char)news[i])) {
                push_capture(m, news[i] - '1', s, e);
                luaL_tolstring(L, -1, NULL);
                lua_remove(L, -2);
                luaL_addvalue(b);
            } else {
                luaL_error(L, "invalid use of '%%' in replacement string");
            }
        }
        return;
    }
    if (tr == LUA_TFUNCTION) {
        lua_pushvalue(L, 3);
        int n = push_captures(m, s, e, 1);
        lua_call(L, n, 1);
    } else { /* table */
        push_capture(m, 0, s, e);
        lua_gettable(L, 3);
    }
    if (!lua_toboolean(L, -1)) { /* nil or false: keep the original */
        lua_pop(L, 1);
        luaL_addlstring(b, s, (size_t)(e - s));
    } else if (!lua_isstring(L, -1)) {
        luaL_error(L, "invalid replacement value (a %s)", luaL_typename(L, -1));
    } else {
        luaL_addvalue(b);
    }
}

static int p_gsub(lua_State *L)
{
    size_t srcl, lp;
    const char *src = luaL_checklstring(L, 1, &srcl);
    const char *p = luaL_checklstring(L, 2, &lp);
    int tr = lua_type(L, 3);
    lua_Integer max_s = luaL_optinteger(L, 4, (lua_Integer)srcl + 1);
    luaL_argexpected(L, tr == LUA_TNUMBER || tr == LUA_TSTRING || tr == LUA_TFUNCTION || tr == LUA_TTABLE, 3,
                     "string/function/table");
    int anchor = *p == '^';
    if (anchor) {
        p++;
        lp--;
    }
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    matcher m;
    prepare(&m, L, src, srcl, p, lp);
    const char *lastmatch = NULL;
    lua_Integer n = 0;
    while (n < max_s) {
        m.level = 0;
        m.depth = 0;
        const char *e = do_match(&m, src, p);
        if (e && e != lastmatch) {
            n++;
            add_replacement(&m, &b, src, e, tr);
            src = lastmatch = e;
        } else if (src < m.src_end) {
            luaL_addchar(&b, *src++);
        } else {
            break;
        }
        if (anchor) break;
    }
    finish(&m);
    luaL_addlstring(&b, src, (size_t)(m.src_end - src));
    luaL_pushresult(&b);
    lua_pushinteger(L, n);
    return 2;
}

/* ------------------------------------------------------------ other charged functions */

/* string.rep(s, n [, sep]), Lua 5.4's, charged before it loops: its loop
 * copies s and sep n times, and with both empty it looped n times for
 * nothing, never returning (string.rep("", math.maxinteger)). An empty
 * result is returned at once; otherwise each copy (some 4 ns) and each 16
 * bytes written count one, charged once the room for the result is
 * allocated (a result too big for the memory budget fails as such, after
 * a collection of garbage: lua_host_make_room). */
static int p_rep(lua_State *L)
{
    size_t l, lsep;
    const char *s = luaL_checklstring(L, 1, &l);
    lua_Integer n = luaL_checkinteger(L, 2);
    const char *sep = luaL_optlstring(L, 3, "", &lsep);
    if (n <= 0 || l + lsep == 0) {
        lua_pushliteral(L, "");
        return 1;
    }
    if (l + lsep < l || l + lsep > (size_t)INT_MAX / (lua_Unsigned)n) return luaL_error(L, "resulting string too large");
    size_t total = (size_t)n * l + (size_t)(n - 1) * lsep;
    lua_host_make_room(L, total < SIZE_MAX / 2 ? 2 * total : SIZE_MAX); /* the room and then the string */
    luaL_Buffer b;
    char *p = luaL_buffinitsize(L, &b, total);
    lua_host_charge(L, (uint64_t)n + total / 16);
    while (n-- > 1) {
        memcpy(p, s, l);
        p += l;
        if (lsep) {
            memcpy(p, sep, lsep);
            p += lsep;
        }
    }
    memcpy(p, s, l);
    luaL_pushresultsize(&b, total);
    return 1;
}

/* Lua's rule for an end position: negative counts from the end. */
static size_t end_index(lua_Integer pos, size_t len)
{
    if (pos > (lua_Integer)len) return len;
    if (pos >= 0) return (size_t)pos;
    if (pos < -(lua_Integer)len) return 0;
    return len + (size_t)pos + 1;
}

/* string.byte(s [, i [, j]]), Lua 5.4's, charging the values it pushes
 * (up to a million in one call, at some 4 ns each). */
static int p_byte(lua_State *L)
{
    size_t l;
    const char *s = luaL_checklstring(L, 1, &l);
    lua_Integer pi = luaL_optinteger(L, 2, 1);
    size_t posi = start_index(pi, l), pose = end_index(luaL_optinteger(L, 3, pi), l);
    if (posi > pose) return 0;
    if (pose - posi >= (size_t)INT_MAX) return luaL_error(L, "string slice too long");
    int n = (int)(pose - posi) + 1;
    luaL_checkstack(L, n, "string slice too long");
    lua_host_charge(L, (uint64_t)n + 1);
    for (int i = 0; i < n; i++) lua_pushinteger(L, (unsigned char)s[posi + (size_t)i - 1]);
    return n;
}

void lua_pattern_install(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    static const luaL_Reg fns[] = { { "find", p_find }, { "match", p_match }, { "gmatch", p_gmatch },
                                    { "gsub", p_gsub }, { "rep", p_rep }, { "byte", p_byte }, { NULL, NULL } };
    for (const luaL_Reg *f = fns; f->name; f++) {
        lua_pushcfunction(L, f->func);
        lua_setfield(L, idx, f->name);
    }
}

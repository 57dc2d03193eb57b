/* lua_select: selections and their methods. See lua_select.h. */
#include "lua_select.h"

#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "interventions.h"
#include "lua_api_internal.h"
#include "lua_filter.h"
#include "lua_host.h"
#include "lua_places.h"
#include "alloc.h"
#include "rng.h"
#include "sbuf.h"
#include "world.h"

/* ------------------------------------------------------------ helpers */

/* A new selection of n members, their ids copied from ids (left for the
 * caller to fill if ids is NULL). */
static selection *new_selection(lua_State *L, int households, uint32_t n, const uint32_t *ids)
{
    selection *s = lua_newuserdatauv(L, sizeof *s + (size_t)n * sizeof(uint32_t), 0);
    s->households = households;
    s->n = n;
    if (n && ids) memcpy(s->ids, ids, (size_t)n * sizeof(uint32_t));
    luaL_setmetatable(L, MT_SEL);
    return s;
}

/* world.scratch holds the ids of a selection being made until its
 * userdata exists to copy them into. Making the userdata may run the
 * collector, and were Lua code ever to run there (scripts cannot have
 * finalizers: lua_host.c) and make a selection of its own, it would
 * overwrite the ids before they were copied. So each use of the scratch
 * takes a number, and the copy checks that no other use came between:
 * an error rather than a selection of somebody else's ids. */
static unsigned scratch_take(lua_State *L) { return ++ctx_of(L)->scratch_use; }

static selection *scratch_selection(lua_State *L, int households, uint32_t n, unsigned use)
{
    selection *s = new_selection(L, households, n, NULL);
    if (ctx_of(L)->scratch_use != use) luaL_error(L, "a selection was made while another was being made");
    if (n) memcpy(s->ids, world_of(L)->scratch, (size_t)n * sizeof(uint32_t));
    return s;
}

static double number_field(lua_State *L, int t, const char *key, double dflt, double lo, double hi, const char *what)
{
    double v = dflt;
    if (lua_getfield(L, t, key) != LUA_TNIL) {
        if (!lua_isnumber(L, -1)) luaL_error(L, "%s: %s: expected a number, got a %s", what, key, luaL_typename(L, -1));
        v = lua_tonumber(L, -1);
        if (!(v >= lo && v <= hi)) {
            char range[96], got[40];
            fmt_number(got, sizeof got, v);
            ps_fmt(range, sizeof range, "from %g to %g, got %s", lo, hi, got); /* Lua's formats have no %g */
            luaL_error(L, "%s: %s: expected a number %s", what, key, range);
        }
    }
    lua_pop(L, 1);
    return v;
}

/* A C loop over n entities counts against the script's instruction budget
 * at one instruction per 16 entities, so a script cannot escape its budget
 * by making the engine loop for it. */
static void charge_scan(lua_State *L, uint64_t n)
{
    lua_host_charge(L, n / 16 + 1);
}

/* ------------------------------------------------------------ selecting */

/* A filter's service test (in_service, waiting_for: 0 none, 1 any, k the
 * service k - 2; -1 no test) as a table by the column's value (0, or
 * service + 1): 1 where the person passes. */
static void service_test_table(uint8_t table[256], int test)
{
    for (int v = 0; v < 256; v++)
        table[v] = (uint8_t)(test < 0 ? 1 : test == 0 ? v == 0 : test == 1 ? v != 0 : v == test - 1);
}

static int household_workless(const world *w, uint32_t h)
{
    return (w->hf[h] & HF_LABOUR_FORCE) && w->workers[h] == 0;
}

/* Of eight people's flags p[0..7], those with (flags & mask) == on: the
 * top bit of byte j of the result is set for p[j] (a test on all eight
 * bytes of a word at once, exact for every byte). */
static inline uint64_t flags_match8(const uint8_t *p, unsigned mask, unsigned on)
{
    const uint64_t ones = UINT64_C(0x0101010101010101), low7 = ones * 0x7f, high = ones * 0x80;
    const uint64_t v = world_bytes8(p);
    const uint64_t t = (v & ones * (mask & 0xff)) ^ ones * (on & 0xff); /* zero where the byte matches */
    return ~(((t & low7) + low7) | t) & high;
}

/* A filter as the loops below make it: every test as a table by the
 * value of the column it reads (1: passes), so a loop has no branch but
 * its own; and which tests are made at all, as a test that passes
 * everyone it could be asked about is left out, so a filter of one or
 * two keys reads one or two columns. */
typedef struct sel_tests {
    uint8_t st_ok[256], pf_ok[256], hf_ok[256], age_ok[256], svc_ok[256], wait_ok[256], ten_ok[256];
    uint8_t workless_ok[2];       /* by workless */
    unsigned pon, pmask;          /* people's flags that must be set; all those tested */
    unsigned hf_on, hmask;        /* the same of households' */
    int size_lo, size_hi;
    int t_st, t_age, t_hf, t_svc, t_wait, t_ten, t_wl, t_size;
    /* marks (world.unwell, rows of world.need_bits) everyone chosen must
     * have, and which tables are left to test among those marked */
    const uint64_t *rows[1 + NEED_COUNT];
    int n_rows, t_st_marked, t_pf_marked, t_hf_marked;
} sel_tests;

static void sel_tests_make(const world *w, const filter *f, sel_tests *t)
{
    const unsigned adult_states = (1u << ST_WELL) | (1u << ST_STRUGGLING) | (1u << ST_CRISIS) | (1u << ST_RECOVERING),
                   unwell_states = adult_states & ~(1u << ST_WELL);
    /* adults in the states asked for; age_hi < age_lo passes nobody */
    unsigned states = f->states & adult_states;
    if (f->age_hi < f->age_lo) states = 0;
    unsigned pon = f->pf_on, poff = f->pf_off;
    if (f->sex >= 0) {
        if (f->sex) pon |= PF_FEMALE;
        else poff |= PF_FEMALE;
    }
    for (unsigned v = 0; v < 256; v++) {
        t->st_ok[v] = (uint8_t)(v < 32 && ((states >> v) & 1u));
        t->pf_ok[v] = (uint8_t)((v & pon) == pon && (v & poff) == 0);
        t->hf_ok[v] = (uint8_t)((v & f->hf_on) == f->hf_on && (v & f->hf_off) == 0);
        t->age_ok[v] = (uint8_t)((int)v >= f->age_lo && (int)v <= f->age_hi);
        t->ten_ok[v] = (uint8_t)(v < 32 && ((f->tenures >> v) & 1u));
    }
    service_test_table(t->svc_ok, f->in_service);
    service_test_table(t->wait_ok, f->waiting);
    t->workless_ok[0] = (uint8_t)(f->workless != 1);
    t->workless_ok[1] = (uint8_t)(f->workless != 0);
    t->pon = pon;
    t->pmask = pon | poff;
    t->hf_on = f->hf_on;
    t->hmask = f->hf_on | f->hf_off;
    t->size_lo = f->size_lo;
    t->size_hi = f->size_hi;
    t->t_st = states != adult_states; /* among adults */
    t->t_age = f->age_lo > ADULT_AGE || f->age_hi < POP_MAX_AGE; /* the states test keeps children out */
    t->t_hf = t->hmask != 0;
    t->t_svc = f->in_service >= 0;
    t->t_wait = f->waiting >= 0;
    t->t_ten = (f->tenures & 15u) != 15u;
    t->t_wl = f->workless >= 0;
    t->t_size = f->size_lo > 0 || f->size_hi < (1 << 30); /* lua_filter_read's defaults */
    /* Being unwell, and each need the filter asks for, is a mark kept for
     * every adult: those with all of them are found a word of 64 people
     * at a time, and the tables test only what the marks leave open. */
    static const struct {
        int person;
        uint8_t flag;
        int need;
    } marked[] = { { 0, HF_DEBT, NEED_DEBT }, { 0, HF_HOUSING_INSECURE, NEED_HOUSING },
                   { 1, PF_UNEMPLOYED, NEED_UNEMPLOYED }, { 1, PF_LONELY, NEED_LONELY } };
    _Static_assert(sizeof marked / sizeof *marked == NEED_COUNT, "a mark for every need");
    unsigned p_marked = 0, h_marked = 0, within = adult_states;
    t->n_rows = 0;
    if (states && !((states >> ST_WELL) & 1u)) {
        t->rows[t->n_rows++] = w->unwell;
        within = unwell_states;
    }
    for (int j = 0; j < NEED_COUNT; j++)
        if ((marked[j].person ? pon : f->hf_on) & marked[j].flag) {
            t->rows[t->n_rows++] = w->need_bits + (size_t)marked[j].need * w->words;
            if (marked[j].person) p_marked |= marked[j].flag;
            else h_marked |= marked[j].flag;
        }
    t->t_st_marked = (states & within) != within;
    t->t_pf_marked = ((pon & ~p_marked) | poff) != 0;
    t->t_hf_marked = ((f->hf_on & ~h_marked) | f->hf_off) != 0;
}

/* Households h..end-1 that pass, appended to out at n: the new n. */
static uint32_t select_households(const world *w, const sel_tests *t, uint32_t h, uint32_t end, uint32_t *out,
                                  uint32_t n)
{
    const popdata *pop = w->mp->pop;
    const uint8_t *hfs = w->hf, *workers = w->workers, *tenure = pop->hh_tenure;
    const uint32_t *first = pop->hh_first;
#define SEL_HH_PASSES(h, hf_test)                                                                                  \
    ((hf_test ? t->hf_ok[hfs[h]] : 1u) & (t->t_ten ? t->ten_ok[tenure[h]] : 1u) &                                \
     (t->t_wl ? t->workless_ok[(unsigned)((hfs[h] & HF_LABOUR_FORCE) != 0) & (unsigned)(workers[h] == 0)] : 1u) & \
     (t->t_size ? (unsigned)((int)(first[h + 1] - first[h]) >= t->size_lo) &                                      \
                      (unsigned)((int)(first[h + 1] - first[h]) <= t->size_hi)                                    \
                : 1u))
    if (t->t_hf) /* the flags eight households at a time, and the other tests for those they pass */
        for (; h + 8 <= end; h += 8)
            for (uint64_t m = flags_match8(hfs + h, t->hmask, t->hf_on); m; m &= m - 1) {
                const uint32_t j = h + (uint32_t)__builtin_ctzll(m) / 8;
                out[n] = j; /* kept only if it passes */
                n += SEL_HH_PASSES(j, 0);
            }
    for (; h < end; h++) {
        out[n] = h;
        n += SEL_HH_PASSES(h, t->t_hf);
    }
#undef SEL_HH_PASSES
    return n;
}

/* Neighbourhood k's adults who pass, appended to out at n: the new n. */
static uint32_t select_persons(const world *w, const sel_tests *t, int k, uint32_t *out, uint32_t n)
{
    const popdata *pop = w->mp->pop;
    const uint8_t *st = w->st, *pf = w->pf, *hfs = w->hf, *age = pop->p_age, *svc = w->svc, *wait = w->wait;
    const uint32_t *phh = pop->p_hh;
#define SEL_PASSES(i, st_test, pf_test, hf_test)                                                                   \
    ((st_test ? t->st_ok[st[i]] : 1u) & (pf_test ? t->pf_ok[pf[i]] : 1u) &                                       \
     (hf_test ? t->hf_ok[hfs[phh[i]]] : 1u) & (t->t_age ? t->age_ok[age[i]] : 1u) &                              \
     (t->t_svc ? t->svc_ok[svc[i]] : 1u) & (t->t_wait ? t->wait_ok[wait[i]] : 1u))
    const uint32_t a0 = pop->hh_first[pop->nb_hh[k]], a1 = pop->hh_first[pop->nb_hh[k + 1]];
    if (t->n_rows) {
        /* those with every mark, in order */
        const int t_st = t->t_st_marked, t_pf = t->t_pf_marked, t_hf = t->t_hf_marked;
        for (uint32_t word = a0 / 64; a0 < a1 && word <= (a1 - 1) / 64; word++) {
            /* the columns' lines of the people two words on, asked for
             * now: the loads below wait on memory otherwise */
            const uint32_t ahead = word * 64 + 128 < a1 ? word * 64 + 128 : a1 - 1;
            if (t_st) __builtin_prefetch(st + ahead);
            if (t->t_svc) __builtin_prefetch(svc + ahead);
            if (t->t_wait) __builtin_prefetch(wait + ahead);
            uint64_t m = world_bits_in(t->rows[0], word, a0, a1);
            for (int r = 1; r < t->n_rows; r++) m &= t->rows[r][word];
            for (; m; m &= m - 1) {
                const uint32_t i = word * 64 + (uint32_t)__builtin_ctzll(m);
                out[n] = i; /* kept only if it passes */
                n += SEL_PASSES(i, t_st, t_pf, t_hf);
            }
        }
    } else if (t->pmask) {
        /* the flags of eight people at a time, and the other tests for
         * those they pass (the states test among them: it keeps children
         * out) */
        uint32_t i = a0;
        for (; i + 8 <= a1; i += 8)
            for (uint64_t m = flags_match8(pf + i, t->pmask, t->pon); m; m &= m - 1) {
                const uint32_t j = i + (uint32_t)__builtin_ctzll(m) / 8;
                out[n] = j;
                n += SEL_PASSES(j, 1, 0, t->t_hf);
            }
        for (; i < a1; i++) {
            out[n] = i;
            n += SEL_PASSES(i, 1, 1, t->t_hf);
        }
    } else {
        /* the neighbourhood's list of adults */
        const uint32_t *adult = w->mp->adult;
        for (uint32_t c = w->mp->nb_adult[k], end = w->mp->nb_adult[k + 1]; c < end; c++) {
            const uint32_t i = adult[c];
            out[n] = i;
            n += SEL_PASSES(i, t->t_st, 0, t->t_hf);
        }
    }
#undef SEL_PASSES
    return n;
}

/* sim:persons{...} and sim:households{...}: one C loop over the
 * neighbourhoods the filter allows. */
static int select(lua_State *L, int households)
{
    world *w = world_of(L);
    const popdata *pop = w->mp->pop;
    const ps_config *cfg = w->mp->cfg;
    filter f;
    lua_settop(L, 2); /* the filter, or nil for everyone, below the buffer */
    int top = lua_gettop(L);
    uint8_t *nb_buf = lua_newuserdatauv(L, (size_t)pop->n_nbhd + 1, 0); /* anchored while we select */
    lua_filter_read(L, 2, households, &f, households ? "sim:households" : "sim:persons", nb_buf);
    unsigned use = scratch_take(L);
    sel_tests t;
    sel_tests_make(w, &f, &t);
    uint32_t n = 0;
    for (int k = 0; k < pop->n_nbhd; k++) {
        if (f.nb_ok && !f.nb_ok[k]) continue;
        int dec = cfg->place.neighbourhoods[k].decile;
        if (dec < f.dec_lo || dec > f.dec_hi) continue;
        n = households ? select_households(w, &t, pop->nb_hh[k], pop->nb_hh[k + 1], w->scratch, n)
                       : select_persons(w, &t, k, w->scratch, n);
    }
    lua_settop(L, top);
    charge_scan(L, households ? pop->n_households : pop->n_persons);
    scratch_selection(L, households, n, use);
    return 1;
}

int lua_select_persons(lua_State *L) { return select(L, 0); }
int lua_select_households(lua_State *L) { return select(L, 1); }

/* ------------------------------------------------------------ selections */

static selection *check_sel(lua_State *L, int idx) { return luaL_checkudata(L, idx, MT_SEL); }

static int sel_count(lua_State *L)
{
    lua_pushinteger(L, check_sel(L, 1)->n);
    return 1;
}

typedef struct keyed_id {
    uint64_t key;
    uint32_t id;
} keyed_id;

static int by_key(const void *a, const void *b)
{
    const keyed_id *x = a, *y = b;
    if (x->key != y->key) return x->key < y->key ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

static int by_id(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* sample(n): the n members with the smallest keyed draws. The draws are
 * keyed by intervention, week, call and member, so two scenarios that ask
 * the same of the same people pick the same people. The call number is
 * mixed into the key (rng_subkey), so any number of calls in a week pick
 * independently. */
static int sel_sample(lua_State *L)
{
    selection *s = check_sel(L, 1);
    lua_Integer want = luaL_checkinteger(L, 2);
    luaL_argcheck(L, want >= 0, 2, "expected a count of 0 or more");
    lua_api_ctx *c = ctx_of(L);
    world *w = c->w;
    if (c->sample_week != w->week) {
        c->sample_week = w->week;
        c->sample_calls = 0;
    }
    uint64_t call = c->sample_calls++;
    if ((uint64_t)want >= s->n) {
        new_selection(L, s->households, s->n, s->ids);
        return 1;
    }
    uint64_t key = rng_subkey(rng_key(w->seed, w->replicate, w->week, rng_purpose_of_name(RNG_SCRIPT, c->name)), call);
    /* the want smallest (key, id) pairs, kept in a max-heap: O(n log want) */
    keyed_id *heap = lua_newuserdatauv(L, (size_t)want * sizeof *heap + 1, 0);
    size_t used = 0;
    for (uint32_t i = 0; i < s->n; i++) {
        keyed_id x = { rng_keyed(key, s->ids[i]), s->ids[i] };
        if (used < (size_t)want) { /* sift up */
            size_t j = used++;
            while (j > 0 && by_key(&heap[(j - 1) / 2], &x) < 0) {
                heap[j] = heap[(j - 1) / 2];
                j = (j - 1) / 2;
            }
            heap[j] = x;
        } else if (want > 0 && by_key(&x, &heap[0]) < 0) { /* replace the largest, sift down */
            size_t j = 0;
            for (;;) {
                size_t l = 2 * j + 1, r = l + 1, m = j;
                const keyed_id *big = &x;
                if (l < used && by_key(&heap[l], big) > 0) {
                    m = l;
                    big = &heap[l];
                }
                if (r < used && by_key(&heap[r], big) > 0) m = r;
                if (m == j) break;
                heap[j] = heap[m];
                j = m;
            }
            heap[j] = x;
        }
    }
    charge_scan(L, s->n);
    selection *out = new_selection(L, s->households, (uint32_t)used, NULL);
    for (size_t i = 0; i < used; i++) out->ids[i] = heap[i].id;
    qsort(out->ids, used, sizeof *out->ids, by_id);
    return 1;
}

/* The persons of a selection (a household selection's adults). */
static int sel_persons(lua_State *L)
{
    selection *s = check_sel(L, 1);
    world *w = world_of(L);
    charge_scan(L, s->n);
    if (!s->households) {
        new_selection(L, 0, s->n, s->ids);
        return 1;
    }
    const popdata *pop = w->mp->pop;
    uint32_t n = 0; /* counted first, so the ids go straight into the selection */
    for (uint32_t j = 0; j < s->n; j++)
        for (uint32_t i = pop->hh_first[s->ids[j]]; i < pop->hh_first[s->ids[j] + 1]; i++) n += w->st[i] != ST_CHILD;
    charge_scan(L, n);
    selection *out = new_selection(L, 0, n, NULL);
    n = 0;
    for (uint32_t j = 0; j < s->n; j++)
        for (uint32_t i = pop->hh_first[s->ids[j]]; i < pop->hh_first[s->ids[j] + 1]; i++)
            if (w->st[i] != ST_CHILD) out->ids[n++] = i;
    return 1;
}

/* The households of a selection (each once). */
static int sel_households(lua_State *L)
{
    selection *s = check_sel(L, 1);
    world *w = world_of(L);
    charge_scan(L, s->n);
    if (s->households) {
        new_selection(L, 1, s->n, s->ids);
        return 1;
    }
    const uint32_t *p_hh = w->mp->pop->p_hh;
    uint32_t n = 0; /* counted first, so the ids go straight into the selection */
    for (uint32_t j = 0; j < s->n; j++) /* persons are in household order */
        n += j == 0 || p_hh[s->ids[j]] != p_hh[s->ids[j - 1]];
    selection *out = new_selection(L, 1, n, NULL);
    n = 0;
    for (uint32_t j = 0; j < s->n; j++)
        if (j == 0 || p_hh[s->ids[j]] != p_hh[s->ids[j - 1]]) out->ids[n++] = p_hh[s->ids[j]];
    return 1;
}

static void set_employment(world *w, uint32_t i, int employed, int *changed)
{
    uint8_t f = w->pf[i];
    uint32_t h = w->mp->pop->p_hh[i];
    if (employed && (f & PF_UNEMPLOYED)) {
        w->pf[i] = (uint8_t)((f & ~PF_UNEMPLOYED) | PF_EMPLOYED);
        w->workers[h]++;
        *changed = 1;
    } else if (!employed && (f & PF_EMPLOYED)) {
        w->pf[i] = (uint8_t)((f & ~PF_EMPLOYED) | PF_UNEMPLOYED);
        w->workers[h]--;
        *changed = 1;
    }
}

static void set_hflag(world *w, uint32_t h, uint8_t bit, int on, int *changed)
{
    uint8_t x = w->hf[h];
    if (bit == HF_HOUSING_INSECURE && on && !(x & HF_RENTER)) return; /* owners are not housing insecure */
    uint8_t y = on ? (uint8_t)(x | bit) : (uint8_t)(x & ~bit);
    if (bit == HF_LOW_INCOME_BASE) { /* low income also follows it this week */
        int workless = (y & HF_LABOUR_FORCE) && w->workers[h] == 0;
        y = (uint8_t)((y & ~HF_LOW_INCOME) | (((y & HF_LOW_INCOME_BASE) || workless) ? HF_LOW_INCOME : 0));
    }
    if (y != x) *changed = 1;
    w->hf[h] = y;
}

/* set{...}: lonely, employed (people); debt, housing_insecure, low_income
 * (their households). Returns how many members changed. */
static int sel_set(lua_State *L)
{
    selection *s = check_sel(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    world *w = world_of(L);
    static const char *const pkeys[] = { "lonely", "employed", "debt", "housing_insecure", "low_income", NULL };
    static const char *const hkeys[] = { "debt", "housing_insecure", "low_income", NULL };
    int lonely = -1, employed = -1, debt = -1, housing = -1, low = -1;
    lua_pushnil(L);
    while (lua_next(L, 2)) {
        const char *key = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "?";
        int *dst = !strcmp(key, "lonely") && !s->households ? &lonely
                   : !strcmp(key, "employed") && !s->households ? &employed
                   : !strcmp(key, "debt") ? &debt
                   : !strcmp(key, "housing_insecure") ? &housing
                   : !strcmp(key, "low_income") ? &low
                                                : NULL;
        if (!dst) lua_api_unknown_key(L, ":set", key, s->households ? hkeys : pkeys);
        if (!lua_isboolean(L, -1)) luaL_error(L, ":set: %s: expected true or false, got a %s", key, luaL_typename(L, -1));
        *dst = lua_toboolean(L, -1);
        lua_pop(L, 1);
    }
    int count = 0;
    const popdata *pop = w->mp->pop;
    for (uint32_t j = 0; j < s->n; j++) {
        int changed = 0;
        uint32_t h = s->households ? s->ids[j] : pop->p_hh[s->ids[j]];
        if (!s->households) {
            uint32_t i = s->ids[j];
            if (lonely >= 0) {
                uint8_t f = w->pf[i];
                w->pf[i] = lonely ? (uint8_t)(f | PF_LONELY) : (uint8_t)(f & ~PF_LONELY);
                changed |= w->pf[i] != f;
            }
            if (employed >= 0) set_employment(w, i, employed, &changed);
        }
        if (debt >= 0) set_hflag(w, h, HF_DEBT, debt, &changed);
        if (housing >= 0) set_hflag(w, h, HF_HOUSING_INSECURE, housing, &changed);
        if (low >= 0) set_hflag(w, h, HF_LOW_INCOME_BASE, low, &changed);
        if (changed) world_needs_changed(w, h);
        count += changed;
    }
    charge_scan(L, s->n);
    lua_pushinteger(L, count);
    return 1;
}

/* refer(service): puts each person who is eligible, lives where the service
 * serves, and is not already waiting or in an episode, on the service's
 * waiting list (services_refer). Returns how many joined; the others are
 * not referred. */
static int sel_refer(lua_State *L)
{
    selection *s = check_sel(L, 1);
    world *w = world_of(L);
    int svc = lua_places_service_arg(L, 2, ":refer");
    if (s->households) return luaL_error(L, ":refer: refer persons (use :persons() on households)");
    if (w->svt.def[svc]->role != ROLE_SUPPORT)
        return luaL_error(L, ":refer: \"%s\" is part of the crisis pathway; people reach it by entering crisis",
                          w->svt.def[svc]->name);
    int n = 0;
    for (uint32_t j = 0; j < s->n; j++) {
        int joined = services_refer(w, s->ids[j], svc, w->week);
        if (joined < 0) return luaL_error(L, "out of memory");
        n += joined;
    }
    charge_scan(L, s->n);
    lua_pushinteger(L, n);
    return 1;
}

/* ------------------------------------------------------------ :modify's records */

/* Each person :modify reaches gets a record, kept in the engine's memory
 * until it runs out: 2,000 calls a week on every adult reached 1.9 GB at
 * a twentieth of Example Town. The records an intervention keeps count
 * against its memory budget (lua_host_reserve), so its Lua state may hold
 * that much less, and a call whose records would not fit is an error.
 * They are counted by the week they run out in (ctx.mod_until), and taken
 * off as weeks pass. */
#define RECORD_BYTES sizeof(modifier)

uint64_t lua_select_records_now(lua_State *L)
{
    lua_api_ctx *c = ctx_of(L);
    const world *w = c->w;
    int now = w->week + w->transitions_done; /* records with until <= now apply no more */
    for (; c->mod_done < now; c->mod_done++)
        if (c->mod_until && c->mod_done + 1 < c->mod_weeks) {
            c->mod_live -= c->mod_until[c->mod_done + 1];
            c->mod_until[c->mod_done + 1] = 0;
        }
    lua_host_reserve(lua_host_of(L), (size_t)c->mod_live * RECORD_BYTES);
    return c->mod_live;
}

/* Makes room in the budget for n records that run out at week until, or
 * raises the error that there is none. */
static void reserve_records(lua_State *L, uint64_t n, int until)
{
    lua_api_ctx *c = ctx_of(L);
    lua_host *h = lua_host_of(L);
    if (!c->mod_until) {
        c->mod_weeks = c->w->mp->cfg->weeks + 5202; /* until is at most the last week + 1 + 5200 */
        c->mod_until = ps_calloc((size_t)c->mod_weeks, sizeof *c->mod_until);
        if (!c->mod_until) luaL_error(L, "out of memory");
        c->mod_done = c->w->week + c->w->transitions_done;
    }
    uint64_t live = lua_select_records_now(L);
    if ((live + n) * RECORD_BYTES + lua_host_memory(h) > lua_host_memory_limit(h))
        luaL_error(L, ":modify: %I more records (one a person, of %d bytes, kept until it runs out) would take the "
                      "script past its memory budget (limits.memory_mb is %d MB; it keeps %I records already); give "
                      "multipliers to fewer people or for fewer weeks, or raise limits.memory_mb",
                   (LUAI_UACINT)n, (int)RECORD_BYTES, (int)(lua_host_memory_limit(h) >> 20), (LUAI_UACINT)live);
    c->mod_live = live + n;
    c->mod_until[until] += n;
    lua_host_reserve(h, (size_t)c->mod_live * RECORD_BYTES);
}

/* modify{onset=, recovery=, crisis=, weeks=}: temporary hazard multipliers
 * for exactly `weeks` wellbeing steps, from the next one: this week's when
 * called before the week's transitions (setup, week), next week's when
 * called after them (event hooks, finish). */
static int sel_modify(lua_State *L)
{
    selection *s = check_sel(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    world *w = world_of(L);
    static const char *const keys[] = { "onset", "recovery", "crisis", "weeks", NULL };
    lua_pushnil(L);
    while (lua_next(L, 2)) {
        const char *key = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "?";
        int ok = 0;
        for (const char *const *k = keys; *k; k++) ok |= !strcmp(*k, key);
        if (!ok) lua_api_unknown_key(L, ":modify", key, keys);
        lua_pop(L, 1);
    }
    double onset = number_field(L, 2, "onset", 1, 0, 100, ":modify");
    double recovery = number_field(L, 2, "recovery", 1, 0, 100, ":modify");
    double crisis = number_field(L, 2, "crisis", 1, 0, 100, ":modify");
    if (lua_getfield(L, 2, "weeks") != LUA_TNUMBER) luaL_error(L, ":modify: weeks: expected how many weeks it lasts");
    lua_Integer weeks = lua_tointeger(L, -1);
    lua_pop(L, 1);
    if (weeks < 1 || weeks > 5200) luaL_error(L, ":modify: weeks: expected a whole number from 1 to 5200");
    int now = w->week + w->transitions_done, until = now + (int)weeks, n = 0;
    const popdata *pop = w->mp->pop;
    uint64_t adults = s->n; /* the records it will make */
    if (s->households) {
        adults = 0;
        for (uint32_t j = 0; j < s->n; j++)
            for (uint32_t i = pop->hh_first[s->ids[j]]; i < pop->hh_first[s->ids[j] + 1]; i++)
                adults += w->st[i] != ST_CHILD;
    }
    reserve_records(L, adults, until);
    uint64_t walked = 0; /* records looked at, each person's before adding */
    for (uint32_t j = 0; j < s->n; j++) {
        uint32_t a = s->households ? pop->hh_first[s->ids[j]] : s->ids[j];
        uint32_t b = s->households ? pop->hh_first[s->ids[j] + 1] : s->ids[j] + 1;
        for (uint32_t i = a; i < b; i++) {
            if (w->st[i] == ST_CHILD) continue;
            int k = modifiers_add(w, i, onset, recovery, crisis, until, now);
            if (k < 0) return luaL_error(L, "out of memory");
            walked += (uint64_t)k;
            n++;
        }
    }
    charge_scan(L, s->n);
    lua_host_charge(L, walked); /* a record looked at costs about an instruction's time */
    lua_pushinteger(L, n);
    return 1;
}

/* each(fn): fn(member) for each member, the escape hatch. */
static int sel_each(lua_State *L)
{
    selection *s = check_sel(L, 1);
    luaL_checktype(L, 2, LUA_TFUNCTION);
    for (uint32_t j = 0; j < s->n; j++) {
        lua_pushvalue(L, 2);
        lua_api_push_one(L, s->households, s->ids[j]);
        lua_call(L, 1, 0);
    }
    return 0;
}

/* Fields of a selection of one. */
static int one_field(lua_State *L, const selection *s, const char *key)
{
    world *w = world_of(L);
    const popdata *pop = w->mp->pop;
    const ps_config *cfg = w->mp->cfg;
    uint32_t id = s->ids[0];
    uint32_t h = s->households ? id : pop->p_hh[id];
    int k = pop->hh_nbhd[h];
    uint8_t hf = w->hf[h];
    if (!strcmp(key, "id")) lua_pushinteger(L, id);
    else if (!strcmp(key, "neighbourhood")) lua_pushstring(L, cfg->place.neighbourhoods[k].name);
    else if (!strcmp(key, "deprivation_decile")) lua_pushinteger(L, cfg->place.neighbourhoods[k].decile);
    else if (!strcmp(key, "debt")) lua_pushboolean(L, hf & HF_DEBT);
    else if (!strcmp(key, "housing_insecure")) lua_pushboolean(L, hf & HF_HOUSING_INSECURE);
    else if (!strcmp(key, "low_income")) lua_pushboolean(L, hf & HF_LOW_INCOME);
    else if (!strcmp(key, "renter")) lua_pushboolean(L, hf & HF_RENTER);
    else if (s->households) {
        if (!strcmp(key, "size")) lua_pushinteger(L, pop->hh_first[h + 1] - pop->hh_first[h]);
        else if (!strcmp(key, "tenure")) lua_pushstring(L, lua_filter_tenure_names[pop->hh_tenure[h]]);
        else if (!strcmp(key, "workless")) lua_pushboolean(L, household_workless(w, h));
        else return 0;
    } else {
        uint8_t pf = w->pf[id];
        if (!strcmp(key, "age")) lua_pushinteger(L, pop->p_age[id]);
        else if (!strcmp(key, "sex")) lua_pushstring(L, (pf & PF_FEMALE) ? "female" : "male");
        else if (!strcmp(key, "state")) lua_pushstring(L, lua_filter_state_names[w->st[id]]);
        else if (!strcmp(key, "employed")) lua_pushboolean(L, pf & PF_EMPLOYED);
        else if (!strcmp(key, "unemployed")) lua_pushboolean(L, pf & PF_UNEMPLOYED);
        else if (!strcmp(key, "lonely")) lua_pushboolean(L, pf & PF_LONELY);
        else if (!strcmp(key, "discriminated")) lua_pushboolean(L, pf & PF_DISCRIMINATED);
        else if (!strcmp(key, "no_qualifications")) lua_pushboolean(L, pf & PF_LOW_QUAL);
        else if (!strcmp(key, "alone")) lua_pushboolean(L, pf & PF_ALONE);
        else if (!strcmp(key, "household")) lua_pushinteger(L, h);
        else if (!strcmp(key, "in_service")) {
            if (w->svc[id]) lua_pushstring(L, w->svt.def[w->svc[id] - 1]->name);
            else lua_pushnil(L);
        } else if (!strcmp(key, "waiting_for")) {
            if (w->wait[id]) lua_pushstring(L, w->svt.def[w->wait[id] - 1]->name);
            else lua_pushnil(L);
        } else return 0;
    }
    return 1;
}

static int sel_index(lua_State *L)
{
    selection *s = check_sel(L, 1);
    const char *key = luaL_checkstring(L, 2);
    if (lua_api_method(L, 2)) return 1;
    if (s->n == 1 && one_field(L, s, key)) return 1;
    if (s->n != 1)
        return luaL_error(L, "selection has no method \"%s\" (fields like .%s belong to a selection of one person or "
                             "household)", key, key);
    return luaL_error(L, "%s has no field \"%s\"", s->households ? "a household" : "a person", key);
}

static int sel_len(lua_State *L)
{
    lua_pushinteger(L, check_sel(L, 1)->n);
    return 1;
}

static int sel_tostring(lua_State *L)
{
    selection *s = check_sel(L, 1);
    lua_pushfstring(L, "selection of %d %s", (int)s->n, s->households ? "households" : "persons");
    return 1;
}

/* ------------------------------------------------------------ opening */

void lua_select_open(lua_State *L)
{
    static const luaL_Reg sel_meta[] = {
        { "__index", sel_index }, { "__len", sel_len }, { "__tostring", sel_tostring }, { NULL, NULL }
    };
    static const luaL_Reg sel_methods[] = {
        { "count", sel_count }, { "sample", sel_sample }, { "set", sel_set }, { "refer", sel_refer },
        { "modify", sel_modify }, { "each", sel_each }, { "persons", sel_persons }, { "households", sel_households },
        { NULL, NULL }
    };
    lua_api_new_type(L, MT_SEL, sel_meta, sel_methods);
}

void lua_api_push_one(lua_State *L, int household, uint32_t id) { new_selection(L, household, 1, &id); }

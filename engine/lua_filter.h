/*
 * lua_filter: the filter tables of sim:persons and sim:households
 * (docs/lua-api.md, 5.3), read into a struct filter that the selection
 * loop (lua_select.c) tests. A mistake in a filter is an error that names
 * the method and the key and, for a misspelt name, the closest right one.
 */
#ifndef PS_LUA_FILTER_H
#define PS_LUA_FILTER_H

#include <stdint.h>

#include <lua.h>

#include "population.h"

/* What passes a filter, as the selection loop tests it. */
typedef struct filter {
    unsigned states;           /* bit per enum wstate: those that pass */
    int age_lo, age_hi;
    uint8_t *nb_ok;            /* NULL: every neighbourhood */
    int dec_lo, dec_hi;
    uint8_t pf_on, pf_off;     /* person flags that must be set / clear */
    uint8_t hf_on, hf_off;
    int in_service;            /* -1 any; 0 none; 1 some; 2 + s: that service */
    int waiting;
    int sex;                   /* -1 any, 0 male, 1 female */
    unsigned tenures;          /* households: bit per tenure, those that pass */
    int size_lo, size_hi;
    int workless;              /* -1 any */
} filter;

/* The names of the states (enum wstate) and of the tenures (NULL at the
 * end), as filters take them and a person's or household's fields give
 * them. */
extern const char *const lua_filter_state_names[ST_COUNT];
extern const char *const lua_filter_tenure_names[];

/* Reads a filter table at idx (may be absent) into f; nb_buf has room for
 * a flag per neighbourhood and lives on the Lua stack while f is used. */
void lua_filter_read(lua_State *L, int idx, int households, filter *f, const char *what, uint8_t *nb_buf);

#endif

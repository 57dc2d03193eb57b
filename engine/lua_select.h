/*
 * lua_select: selections, the persons or households a script acts on
 * (docs/lua-api.md, 5.4). sim:persons and sim:households make one from a
 * filter (lua_filter.h) in one C loop over the neighbourhoods the filter
 * allows; its methods (count, sample, persons, households, set, refer,
 * modify) are C loops too, but for :each, which calls back into Lua. A
 * selection of one is a person or household, with their fields.
 */
#ifndef PS_LUA_SELECT_H
#define PS_LUA_SELECT_H

#include <stdint.h>

#include <lua.h>

/* Registers the metatable of selections. */
void lua_select_open(lua_State *L);

/* sim:persons{filter} and sim:households{filter}. */
int lua_select_persons(lua_State *L);
int lua_select_households(lua_State *L);

/* Takes the intervention's :modify records that have run out by now off
 * what counts against its memory budget (call once a week, before its
 * hooks). Returns how many it still keeps. */
uint64_t lua_select_records_now(lua_State *L);

#endif

/*
 * scenario: from a scenario file (and its extends chain, place file and
 * --set overrides) to a validated, resolved scenario.
 *
 * The public face is ps_scenario_load and friends in placesim.h; this
 * header gives the rest of the engine the compiled config and the
 * imported population, if any.
 */
#ifndef PS_SCENARIO_H
#define PS_SCENARIO_H

#include <cJSON.h>

#include "config.h"
#include "placesim.h"

struct popdata;

/* The compiled config of a loaded scenario. */
const ps_config *scenario_config(const ps_scenario *scenario);

/* A population imported from CSV files, or NULL when it is synthesised. */
const struct popdata *scenario_imported(const ps_scenario *scenario);

struct script_src;
/* The scenario's intervention scripts, read and checked when it loaded. */
const struct script_src *scenario_scripts(const ps_scenario *scenario);

/* The resolved tree (read-only). */
const cJSON *scenario_tree(const ps_scenario *scenario);

/* Hex FNV-1a hash of the resolved scenario's compact JSON. Owned by scenario. */
const char *scenario_hash(const ps_scenario *scenario);

/* Splits a --set path ("a.b.c", "services[x].capacity") into at most max
 * tokens in buf; returns the count, or -1 if malformed. */
int scenario_split_path(const char *path, char *buf, size_t size, char **tokens, int max);

#endif

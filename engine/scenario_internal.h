/*
 * scenario_internal: what the parts of the scenario module share (the
 * loaded scenario, and the checks across keys in scenario_check.c).
 */
#ifndef PS_SCENARIO_INTERNAL_H
#define PS_SCENARIO_INTERNAL_H

#include <cJSON.h>

#include "config.h"
#include "interventions.h"
#include "json.h"
#include "placesim.h"

struct ps_scenario {
    char *path;
    cJSON *tree;
    json_origins *origins;
    ps_config cfg;
    int compiled;
    struct popdata *imported;
    script_src *scripts;     /* [cfg.n_interventions] */
    char hash[17];
};

/* The item of a named list (array of objects with "name") called name, or NULL. */
cJSON *scenario_find_named(cJSON *array, const char *name);

/* The file that gave the value at path (as in error messages), or the
 * scenario's own file for a default or a value not found. */
const char *scenario_origin_at(const ps_scenario *s, const char *path);

/* Checks across keys of the compiled config (names, roles, gatekeepers,
 * scale, shocks) that the schema cannot make one key at a time. */
ps_status scenario_check_config(ps_scenario *s, ps_error *err);

/* Refuses a key of a support service given to the crisis team, A&E or beds
 * (which would ignore it); run on the tree before defaults are filled in,
 * when it holds only what the scenario gave. */
ps_status scenario_check_pathway_keys(const ps_scenario *s, ps_error *err);

/* Drops from the resolved tree the defaults of those keys, once compiled,
 * so that scenario.resolved.json, run again, passes the check above. */
void scenario_drop_pathway_keys(ps_scenario *s);

#endif

/*
 * json: reading JSON files with useful errors, and remembering which file
 * each node of a merged tree came from.
 *
 * A scenario is assembled from several files (extends chains, place files)
 * and --set overrides. When a value is wrong, the message must name the
 * file it came from, so every node is recorded against its origin when it
 * is read; merging moves nodes rather than copying them, which keeps the
 * record true.
 */
#ifndef PS_JSON_H
#define PS_JSON_H

#include <stddef.h>

#include <cJSON.h>

#include "placesim.h"

/* Reads a whole file into a new NUL-terminated buffer (ps_free). */
ps_status json_read_file(const char *path, char **out, size_t *len, ps_error *err);

/*
 * Parses the file at path. Broken JSON is reported as
 * "PATH:LINE:COLUMN: malformed JSON near '...'"; a key given twice in one
 * object is an error too (cJSON would silently keep the first).
 */
ps_status json_load_file(const char *path, cJSON **out, ps_error *err);

/* Parses text (named for messages). */
ps_status json_parse_text(const char *text, size_t len, const char *name, cJSON **out,
                          ps_error *err);

typedef struct json_origins json_origins;

json_origins *json_origins_new(void);
void json_origins_free(json_origins *origins);
/* Records node and all its descendants as coming from file (copied). */
ps_status json_origins_add(json_origins *origins, const cJSON *node, const char *file);
/* Forgets node and all its descendants. The map is keyed by address, so
 * call this before freeing nodes of a recorded tree: a node allocated later
 * at the same address must not answer with the freed node's file. */
void json_origins_forget(json_origins *origins, const cJSON *node);
/* The file node came from, or NULL if unknown. */
const char *json_origin(const json_origins *origins, const cJSON *node);

/* Writes path + "." + key (or just key at the top) into buf. */
void json_path_key(char *buf, size_t size, const char *path, const char *key);
/* Writes path + "[name]" for a list item with a usable name, else path + "[index]". */
void json_path_item(char *buf, size_t size, const char *path, const cJSON *item, int index);
/* Is name usable in a path (1 to 63 letters, digits, '_' and '-')? */
int json_valid_name(const char *name);

/* The tree as JSON text whose numbers read back exactly: cJSON prints 15
 * digits whenever they are close enough, which is not the same number.
 * Whole numbers come out in full, others as the shortest exact decimal,
 * infinities and NaN as null. Free with cJSON_free. */
char *json_print_exact(const cJSON *tree, int formatted);

/* Adds "mean", "sd" and "ci95": [low, high] to object. */
void json_add_summary(cJSON *object, double mean, double sd, double low, double high);

#endif

/*
 * schema: what a scenario may contain, and what each key means.
 *
 * A schema is a tree of schema_node tables (keys.c). One node says, for one
 * key: its kind, default, range, unit, description, source, and where its
 * value lands in the C config struct. From that one table the engine
 * validates a JSON tree (with did-you-mean for unknown keys), fills in
 * defaults, compiles the tree into structs, and writes the reference
 * documentation, so the docs cannot drift from the code.
 */
#ifndef PS_SCHEMA_H
#define PS_SCHEMA_H

#include <stddef.h>

#include <cJSON.h>

#include "json.h"
#include "placesim.h"

typedef enum schema_kind {
    SK_END = 0,     /* terminates a children table */
    SK_OBJECT,      /* children; offsets of children are relative to the same base */
    SK_NUMBER,      /* double */
    SK_INT,         /* int */
    SK_UINT64,      /* uint64_t (seed); JSON numbers are exact below 2^53 */
    SK_BOOL,        /* int 0/1 */
    SK_STRING,      /* char *, owned by the config */
    SK_ENUM,        /* int: index into values */
    SK_NAMED_LIST,  /* array of objects with a unique "name"; item structs of item_size */
    SK_STRING_LIST, /* array of strings: char ** at offset, int count at count_offset */
    SK_ENUM_SET,    /* array of distinct choices from values: unsigned bit mask; def is the default mask */
    SK_JSON         /* any JSON object, checked elsewhere: char * holding its compact JSON */
} schema_kind;

enum schema_flags {
    SF_OPTIONAL = 1u << 0,   /* no default: may be absent (pointer stays NULL) */
    SF_REQUIRED = 1u << 1,   /* must be given, even in a partial file */
    SF_MIN_EXCL = 1u << 2,   /* value must be > min, not >= */
    SF_PATH = 1u << 3,       /* a file path, relative to the file that gives it */
    SF_CALIBRATED = 1u << 4, /* documentation: value set by calibration */
    SF_ASSUMPTION = 1u << 5, /* documentation: no published figure */
    SF_DERIVED = 1u << 6,    /* documentation: computed from other keys */
    SF_PLACE = 1u << 7,      /* object that may instead be a path to a place file */
    SF_NODEFAULT = 1u << 8   /* no default, yet must be present once files are merged */
};

typedef struct schema_node schema_node;

/* Computes a default from the object being filled and the whole tree. */
typedef double (*schema_default_fn)(const cJSON *object, const cJSON *root);

struct schema_node {
    const char *key;
    schema_kind kind;
    unsigned flags;
    const char *unit;
    const char *doc;
    const char *source;
    double def;                     /* numeric or boolean default */
    const char *def_str;            /* string or enum default */
    double min, max;                /* inclusive unless SF_MIN_EXCL */
    const char *const *values;      /* SK_ENUM: NULL-terminated */
    const schema_node *children;    /* SK_OBJECT, SK_NAMED_LIST items */
    size_t offset;                  /* where the value lands */
    size_t count_offset;            /* SK_NAMED_LIST: int count */
    size_t item_size;               /* SK_NAMED_LIST: size of one item struct */
    schema_default_fn dyn;          /* computed default (overrides def) */
    const char *dyn_doc;            /* how the computed default is found */
};

/* The scenario schema's root (keys.c). */
const schema_node *keys_scenario(void);
/* The schema of one service (the "services" list, whose children are a service's keys). */
const schema_node *keys_service(void);
/* The schema of a place file (the "place" object). */
const schema_node *keys_place(void);

/* The child of an object or list-item schema called key, or NULL. */
const schema_node *schema_child(const schema_node *object, const char *key);

/* The child name closest to key (for "did you mean"), or NULL if none is close. */
const char *schema_suggest(const schema_node *object, const char *key);

/*
 * Checks tree against the schema: kinds, ranges, unknown keys, names of
 * list items. partial: a file that may leave keys out and may use "extends"
 * at the root and "remove" in list items. The first problem is reported as
 * "FILE: PATH: ..." with FILE found through origins (fallback_file when the
 * node has none). prefix is the path of tree ("" for a scenario root).
 */
ps_status schema_validate(const schema_node *schema, const cJSON *tree, int partial,
                          const char *prefix, const json_origins *origins,
                          const char *fallback_file, ps_error *err);

/* Checks one value v of the key n at path, as schema_validate checks it in
 * a partial file (null passes: it deletes the value). For a value given on
 * its own, such as by --set, before anything else can replace it. */
ps_status schema_validate_value(const schema_node *n, const cJSON *v, const char *path,
                                const json_origins *origins, const char *fallback_file, ps_error *err);

/* Adds every missing key that has a default, computing dyn defaults from
 * root. New nodes are recorded in origins as "(default)". */
ps_status schema_fill_defaults(const schema_node *schema, cJSON *tree, const cJSON *root,
                               json_origins *origins, ps_error *err);

/* Copies a complete, validated tree into base (a struct laid out as the
 * schema's offsets say). Strings and lists are allocated; release them with
 * schema_release. */
ps_status schema_compile(const schema_node *schema, const cJSON *tree, void *base, ps_error *err);
void schema_release(const schema_node *schema, void *base);

/* Appends the Markdown reference of the schema to a new string (ps_free). */
char *schema_markdown(const schema_node *schema);

/* The word of words closest to key, or NULL if none is close enough. */
const char *schema_closest(const char *const *words, size_t n, const char *key);

/* Describes a JSON value for messages: 3, "text", an object, an array... */
void schema_describe_value(const cJSON *v, char *buf, size_t size);


#endif

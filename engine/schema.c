/* schema: validation, defaults, compilation and docs from one table. See schema.h. */
#include "schema.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "err.h"
#include "sbuf.h"

#define PATH_MAX_LEN 512

const schema_node *schema_child(const schema_node *object, const char *key)
{
    if (!object || !object->children || !key) return NULL;
    for (const schema_node *c = object->children; c->kind != SK_END; c++)
        if (strcmp(c->key, key) == 0) return c;
    return NULL;
}

static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63) return 99;
    size_t row[64];
    for (size_t j = 0; j <= lb; j++) row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t prev = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t cur = row[j];
            size_t sub = prev + (a[i - 1] != b[j - 1]);
            size_t del = row[j] + 1, ins = row[j - 1] + 1;
            row[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
            prev = cur;
        }
    }
    return row[lb];
}

/* A suggestion must be close relative to the word's length, so "capcity"
 * suggests "capacity" but "x" does not suggest "seed". */
const char *schema_closest(const char *const *words, size_t n, const char *key)
{
    const char *best = NULL;
    size_t bestd = 99, len = strlen(key);
    size_t limit = len <= 4 ? 1 : len <= 8 ? 2 : 3;
    for (size_t i = 0; i < n; i++) {
        size_t d = edit_distance(key, words[i]);
        if (d < bestd) {
            bestd = d;
            best = words[i];
        }
    }
    return bestd <= limit ? best : NULL;
}

const char *schema_suggest(const schema_node *object, const char *key)
{
    const char *words[128];
    size_t n = 0;
    if (!object || !object->children) return NULL;
    for (const schema_node *c = object->children; c->kind != SK_END && n < 128; c++)
        words[n++] = c->key;
    return schema_closest(words, n, key);
}

void schema_describe_value(const cJSON *v, char *buf, size_t size)
{
    if (!v) snprintf(buf, size, "nothing");
    else if (cJSON_IsNumber(v)) fmt_shortest(buf, size, v->valuedouble);
    else if (cJSON_IsString(v)) snprintf(buf, size, "\"%.60s%s\"", v->valuestring,
                                         strlen(v->valuestring) > 60 ? "..." : "");
    else if (cJSON_IsTrue(v)) snprintf(buf, size, "true");
    else if (cJSON_IsFalse(v)) snprintf(buf, size, "false");
    else if (cJSON_IsNull(v)) snprintf(buf, size, "null");
    else if (cJSON_IsArray(v)) snprintf(buf, size, "an array");
    else if (cJSON_IsObject(v)) snprintf(buf, size, "an object");
    else snprintf(buf, size, "an unreadable value");
}

/* ---------------------------------------------------------------- validate */

typedef struct vctx {
    int partial;
    const json_origins *origins;
    const char *fallback;
    ps_error *err;
} vctx;

/* Filled-in defaults are recorded as "(default)", which is no file: a
 * problem with one is reported against the scenario file. */
static const char *file_of(const vctx *c, const cJSON *node)
{
    const char *f = json_origin(c->origins, node);
    return f && strcmp(f, "(default)") != 0 ? f : c->fallback;
}


/* "a number from 0 to 1", "a whole number >= 1", "a number > 0" */
static void expectation(const schema_node *n, char *buf, size_t size)
{
    const char *what = n->kind == SK_NUMBER ? "a number" : "a whole number";
    char lo[32], hi[32];
    fmt_shortest(lo, sizeof lo, n->min);
    fmt_shortest(hi, sizeof hi, n->max);
    int has_lo = isfinite(n->min), has_hi = isfinite(n->max);
    if (n->flags & SF_MIN_EXCL) {
        if (has_hi) snprintf(buf, size, "%s > %s and <= %s", what, lo, hi);
        else snprintf(buf, size, "%s > %s", what, lo);
    } else if (has_lo && has_hi) {
        snprintf(buf, size, "%s from %s to %s", what, lo, hi);
    } else if (has_lo) {
        snprintf(buf, size, "%s >= %s", what, lo);
    } else if (has_hi) {
        snprintf(buf, size, "%s <= %s", what, hi);
    } else {
        snprintf(buf, size, "%s", what);
    }
}

static ps_status bad_value(const vctx *c, const cJSON *v, const char *path, const char *expected)
{
    char got[96];
    schema_describe_value(v, got, sizeof got);
    const char *f = json_origin(c->origins, v);
    return err_set(c->err, PS_ERR_INVALID, "%s: %s: expected %s, got %s%s", file_of(c, v), path,
                   expected, got,
                   f && strcmp(f, "(default)") == 0 ? " (its default, computed from other keys)" : "");
}

static ps_status validate_object(const vctx *c, const schema_node *schema, const cJSON *obj,
                                 const char *path, int is_root, int is_item);

/* "one of "a", "b" or "c"" */
static void choices_text(const schema_node *n, char *exp, size_t size)
{
    size_t len = 0, k = 0;
    exp[0] = '\0';
    for (const char *const *e = n->values; *e; e++, k++)
        len += (size_t)snprintf(exp + len, len < size ? size - len : 0, "%s\"%s\"",
                                k == 0 ? "one of " : e[1] ? ", " : " or ", *e);
}

/* What a value of n is expected to be, in words ("a whole number from 0 to
 * 10000000", "one of ...", "an array of names"), for messages. */
static void expected_of(const schema_node *n, char *buf, size_t size)
{
    char what[200];
    switch (n->kind) {
    case SK_NUMBER:
    case SK_INT:
    case SK_UINT64: expectation(n, buf, size); return;
    case SK_BOOL: snprintf(buf, size, "true or false"); return;
    case SK_STRING: snprintf(buf, size, "%s", n->flags & SF_PATH ? "a file name" : "a string"); return;
    case SK_ENUM: choices_text(n, buf, size); return;
    case SK_STRING_LIST: snprintf(buf, size, "an array of names"); return;
    case SK_ENUM_SET:
        choices_text(n, what, sizeof what);
        snprintf(buf, size, "an array of %s", what + 7); /* drop "one of " */
        return;
    case SK_NAMED_LIST: snprintf(buf, size, "an array of objects, each with a \"name\""); return;
    case SK_OBJECT:
        snprintf(buf, size, "%s", n->flags & SF_PLACE ? "an object or a place file name" : "an object");
        return;
    case SK_JSON: snprintf(buf, size, "an object"); return;
    case SK_END: break;
    }
    snprintf(buf, size, "a value");
}

/* Checks v is one of n's choices; its index goes to *index when given. */
static ps_status check_choice(const vctx *c, const schema_node *n, const cJSON *v, const char *path, int *index)
{
    char exp[200];
    choices_text(n, exp, sizeof exp);
    if (!cJSON_IsString(v)) return bad_value(c, v, path, exp);
    size_t k = 0;
    for (const char *const *e = n->values; *e; e++, k++)
        if (strcmp(*e, v->valuestring) == 0) {
            if (index) *index = (int)k;
            return PS_OK;
        }
    const char *s = schema_closest(n->values, k, v->valuestring);
    if (s) {
        char got[96];
        schema_describe_value(v, got, sizeof got);
        return err_set(c->err, PS_ERR_INVALID, "%s: %s: expected %s, got %s (did you mean \"%s\"?)",
                       file_of(c, v), path, exp, got, s);
    }
    return bad_value(c, v, path, exp);
}

static ps_status validate_value(const vctx *c, const schema_node *n, const cJSON *v,
                                const char *path)
{
    char exp[260];
    expected_of(n, exp, sizeof exp);
    switch (n->kind) {
    case SK_OBJECT:
        if (!cJSON_IsObject(v)) return bad_value(c, v, path, exp);
        return validate_object(c, n, v, path, 0, 0);
    case SK_NUMBER:
    case SK_INT:
    case SK_UINT64:
        if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble)) return bad_value(c, v, path, exp);
        {
            double x = v->valuedouble;
            if (n->kind != SK_NUMBER && x != floor(x)) return bad_value(c, v, path, exp);
            if ((n->flags & SF_MIN_EXCL) ? !(x > n->min) : !(x >= n->min))
                return bad_value(c, v, path, exp);
            if (!(x <= n->max)) return bad_value(c, v, path, exp);
        }
        return PS_OK;
    case SK_BOOL:
        if (!cJSON_IsBool(v)) return bad_value(c, v, path, exp);
        return PS_OK;
    case SK_STRING:
        if (!cJSON_IsString(v)) return bad_value(c, v, path, exp);
        if ((n->flags & SF_PATH) && !*v->valuestring) return bad_value(c, v, path, exp);
        return PS_OK;
    case SK_ENUM:
        return check_choice(c, n, v, path, NULL);
    case SK_JSON:
        if (!cJSON_IsObject(v)) return bad_value(c, v, path, exp);
        return PS_OK;
    case SK_STRING_LIST: {
        if (!cJSON_IsArray(v)) return bad_value(c, v, path, exp);
        int i = 0;
        for (const cJSON *item = v->child; item; item = item->next, i++) {
            char ipath[PATH_MAX_LEN];
            ps_fmt(ipath, sizeof ipath, "%s[%d]", path, i);
            if (!cJSON_IsString(item) || !*item->valuestring) return bad_value(c, item, ipath, "a name");
        }
        return PS_OK;
    }
    case SK_ENUM_SET: {
        if (!cJSON_IsArray(v)) return bad_value(c, v, path, exp);
        int i = 0;
        unsigned seen = 0;
        for (const cJSON *item = v->child; item; item = item->next, i++) {
            char ipath[PATH_MAX_LEN];
            ps_fmt(ipath, sizeof ipath, "%s[%d]", path, i);
            int k;
            ps_status st = check_choice(c, n, item, ipath, &k);
            if (st) return st;
            if (seen & (1u << k))
                return err_set(c->err, PS_ERR_INVALID, "%s: %s: expected each choice once, got \"%s\" twice",
                               file_of(c, item), ipath, item->valuestring);
            seen |= 1u << k;
        }
        return PS_OK;
    }
    case SK_NAMED_LIST: {
        if (!cJSON_IsArray(v)) return bad_value(c, v, path, exp);
        int i = 0;
        for (const cJSON *item = v->child; item; item = item->next, i++) {
            char ipath[PATH_MAX_LEN];
            json_path_item(ipath, sizeof ipath, path, item, i);
            if (!cJSON_IsObject(item)) return bad_value(c, item, ipath, "an object with a \"name\"");
            const cJSON *name = cJSON_GetObjectItemCaseSensitive(item, "name");
            if (!name) {
                /* a misspelt key may be why there is no name ("scirpt" gives an
                 * intervention none): say that first, with its suggestion */
                int unknown = 0;
                for (const cJSON *k = item->child; k && !unknown; k = k->next) unknown = !schema_child(n, k->string);
                if (unknown) return validate_object(c, n, item, ipath, 0, 1);
                return err_set(c->err, PS_ERR_INVALID, "%s: %s: expected a \"name\" in every item",
                               file_of(c, item), ipath);
            }
            char npath[PATH_MAX_LEN];
            json_path_key(npath, sizeof npath, ipath, "name");
            if (!cJSON_IsString(name) || !json_valid_name(name->valuestring))
                return bad_value(c, name, npath,
                                 "a name of 1 to 63 letters, digits, '_' or '-'");
            for (const cJSON *prev = v->child; prev != item; prev = prev->next) {
                const cJSON *pn = cJSON_GetObjectItemCaseSensitive(prev, "name");
                if (cJSON_IsString(pn) && strcmp(pn->valuestring, name->valuestring) == 0)
                    return err_set(c->err, PS_ERR_INVALID, "%s: %s: the name \"%s\" is used twice",
                                   file_of(c, name), npath, name->valuestring);
            }
            ps_status st = validate_object(c, n, item, ipath, 0, 1);
            if (st) return st;
        }
        return PS_OK;
    }
    case SK_END:
        break;
    }
    return err_set(c->err, PS_ERR_INVALID, "%s: %s: internal schema error", c->fallback, path);
}

static ps_status validate_object(const vctx *c, const schema_node *schema, const cJSON *obj,
                                 const char *path, int is_root, int is_item)
{
    for (const cJSON *kv = obj->child; kv; kv = kv->next) {
        char kpath[PATH_MAX_LEN];
        json_path_key(kpath, sizeof kpath, path, kv->string);
        if (c->partial && is_root && strcmp(kv->string, "extends") == 0) {
            const char *want = "the name of the scenario file to extend, or a list of them";
            if (cJSON_IsArray(kv)) {
                if (!kv->child) return bad_value(c, kv, kpath, want);
                int i = 0;
                for (const cJSON *f = kv->child; f; f = f->next, i++) {
                    char ipath[PATH_MAX_LEN];
                    ps_fmt(ipath, sizeof ipath, "%s[%d]", kpath, i);
                    if (!cJSON_IsString(f) || !*f->valuestring)
                        return bad_value(c, f, ipath, "the name of a scenario file");
                }
            } else if (!cJSON_IsString(kv) || !*kv->valuestring) {
                return bad_value(c, kv, kpath, want);
            }
            continue;
        }
        if (c->partial && is_item && strcmp(kv->string, "remove") == 0) {
            if (!cJSON_IsBool(kv)) return bad_value(c, kv, kpath, "true or false");
            continue;
        }
        const schema_node *n = schema_child(schema, kv->string);
        if (!n) {
            const char *s = schema_suggest(schema, kv->string);
            if (s)
                return err_set(c->err, PS_ERR_INVALID, "%s: %s: unknown key (did you mean \"%s\"?)",
                               file_of(c, kv), kpath, s);
            return err_set(c->err, PS_ERR_INVALID, "%s: %s: unknown key", file_of(c, kv), kpath);
        }
        if (c->partial && cJSON_IsNull(kv)) continue; /* deletes an inherited value */
        ps_status st = validate_value(c, n, kv, kpath);
        if (st) return st;
    }
    for (const schema_node *n = schema->children; n && n->kind != SK_END; n++) {
        int need = (n->flags & SF_REQUIRED) || (!c->partial && !(n->flags & SF_OPTIONAL));
        if (need && !cJSON_GetObjectItemCaseSensitive(obj, n->key)) {
            char kpath[PATH_MAX_LEN], exp[260];
            json_path_key(kpath, sizeof kpath, path, n->key);
            expected_of(n, exp, sizeof exp);
            int unit = n->unit && *n->unit && (n->kind == SK_NUMBER || n->kind == SK_INT);
            return err_set(c->err, PS_ERR_INVALID, "%s: %s: missing; expected %s%s%s%s", file_of(c, obj), kpath,
                           exp, unit ? " (" : "", unit ? n->unit : "", unit ? ")" : "");
        }
    }
    return PS_OK;
}

ps_status schema_validate(const schema_node *schema, const cJSON *tree, int partial,
                          const char *prefix, const json_origins *origins,
                          const char *fallback_file, ps_error *err)
{
    vctx c = { partial, origins, fallback_file, err };
    if (!cJSON_IsObject(tree)) return bad_value(&c, tree, prefix && *prefix ? prefix : "(top level)", "an object");
    return validate_object(&c, schema, tree, prefix ? prefix : "", !prefix || !*prefix, 0);
}

ps_status schema_validate_value(const schema_node *n, const cJSON *v, const char *path,
                                const json_origins *origins, const char *fallback_file, ps_error *err)
{
    vctx c = { 1, origins, fallback_file, err };
    if (cJSON_IsNull(v)) return PS_OK; /* deletes the value: the default applies */
    return validate_value(&c, n, v, path);
}

/* ---------------------------------------------------------------- defaults */

ps_status schema_fill_defaults(const schema_node *schema, cJSON *tree, const cJSON *root,
                               json_origins *origins, ps_error *err)
{
    for (const schema_node *n = schema->children; n && n->kind != SK_END; n++) {
        cJSON *v = cJSON_GetObjectItemCaseSensitive(tree, n->key);
        if (!v) {
            if (n->flags & (SF_OPTIONAL | SF_NODEFAULT)) continue;
            switch (n->kind) {
            case SK_OBJECT: v = cJSON_CreateObject(); break;
            case SK_NAMED_LIST: v = cJSON_CreateArray(); break;
            case SK_NUMBER:
            case SK_INT:
            case SK_UINT64: v = cJSON_CreateNumber(n->dyn ? n->dyn(tree, root) : n->def); break;
            case SK_BOOL: v = cJSON_CreateBool(n->def != 0); break;
            case SK_STRING:
            case SK_ENUM: v = cJSON_CreateString(n->def_str ? n->def_str : ""); break;
            case SK_STRING_LIST: v = cJSON_CreateArray(); break;
            case SK_JSON: v = cJSON_CreateObject(); break;
            case SK_ENUM_SET:
                v = cJSON_CreateArray();
                for (int k = 0; v && n->values[k]; k++)
                    if (((unsigned)n->def >> k) & 1u) cJSON_AddItemToArray(v, cJSON_CreateString(n->values[k]));
                break;
            case SK_END: break;
            }
            if (!v || !cJSON_AddItemToObject(tree, n->key, v)) {
                cJSON_Delete(v);
                return err_set(err, PS_ERR_NOMEM, "out of memory filling defaults");
            }
            if (origins && json_origins_add(origins, v, "(default)"))
                return err_set(err, PS_ERR_NOMEM, "out of memory filling defaults");
        }
        ps_status st = PS_OK;
        if (n->kind == SK_OBJECT && cJSON_IsObject(v)) {
            st = schema_fill_defaults(n, v, root, origins, err);
        } else if (n->kind == SK_NAMED_LIST && cJSON_IsArray(v)) {
            for (cJSON *item = v->child; item && !st; item = item->next)
                if (cJSON_IsObject(item)) st = schema_fill_defaults(n, item, root, origins, err);
        }
        if (st) return st;
    }
    return PS_OK;
}

/* ---------------------------------------------------------------- compile */

ps_status schema_compile(const schema_node *schema, const cJSON *tree, void *base, ps_error *err)
{
    char *b = base;
    for (const schema_node *n = schema->children; n && n->kind != SK_END; n++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(tree, n->key);
        if (!v) continue;
        switch (n->kind) {
        case SK_OBJECT:
            if (schema_compile(n, v, base, err)) return err ? err->status : PS_ERR_NOMEM;
            break;
        case SK_NUMBER: *(double *)(b + n->offset) = v->valuedouble; break;
        case SK_INT: *(int *)(b + n->offset) = (int)v->valuedouble; break;
        case SK_UINT64: *(uint64_t *)(b + n->offset) = (uint64_t)v->valuedouble; break;
        case SK_BOOL: *(int *)(b + n->offset) = cJSON_IsTrue(v); break;
        case SK_STRING: {
            char *s = ps_strdup(v->valuestring);
            if (!s) return err_set(err, PS_ERR_NOMEM, "out of memory");
            *(char **)(b + n->offset) = s;
            break;
        }
        case SK_ENUM: {
            int k = 0;
            for (const char *const *e = n->values; *e; e++, k++)
                if (strcmp(*e, v->valuestring) == 0) *(int *)(b + n->offset) = k;
            break;
        }
        case SK_STRING_LIST: {
            int count = cJSON_GetArraySize(v), i = 0;
            char **items = ps_calloc((size_t)(count ? count : 1), sizeof *items);
            if (!items) return err_set(err, PS_ERR_NOMEM, "out of memory");
            *(char ***)(b + n->offset) = items;
            *(int *)(b + n->count_offset) = count;
            for (const cJSON *item = v->child; item; item = item->next, i++)
                if (!(items[i] = ps_strdup(item->valuestring))) return err_set(err, PS_ERR_NOMEM, "out of memory");
            break;
        }
        case SK_JSON: {
            char *text = json_print_exact(v, 0);
            char *copy = text ? ps_strdup(text) : NULL;
            cJSON_free(text);
            if (!copy) return err_set(err, PS_ERR_NOMEM, "out of memory");
            *(char **)(b + n->offset) = copy;
            break;
        }
        case SK_ENUM_SET: {
            unsigned mask = 0;
            for (const cJSON *item = v->child; item; item = item->next)
                for (int k = 0; n->values[k]; k++)
                    if (strcmp(n->values[k], item->valuestring) == 0) mask |= 1u << k;
            *(unsigned *)(b + n->offset) = mask;
            break;
        }
        case SK_NAMED_LIST: {
            int count = cJSON_GetArraySize(v);
            char *items = ps_calloc((size_t)(count ? count : 1), n->item_size);
            if (!items) return err_set(err, PS_ERR_NOMEM, "out of memory");
            *(void **)(b + n->offset) = items;
            *(int *)(b + n->count_offset) = count;
            int i = 0;
            for (const cJSON *item = v->child; item; item = item->next, i++)
                if (schema_compile(n, item, items + (size_t)i * n->item_size, err))
                    return err ? err->status : PS_ERR_NOMEM;
            break;
        }
        case SK_END: break;
        }
    }
    return PS_OK;
}

void schema_release(const schema_node *schema, void *base)
{
    char *b = base;
    for (const schema_node *n = schema->children; n && n->kind != SK_END; n++) {
        if (n->kind == SK_OBJECT) {
            schema_release(n, base);
        } else if (n->kind == SK_STRING || n->kind == SK_JSON) {
            ps_free(*(char **)(b + n->offset));
            *(char **)(b + n->offset) = NULL;
        } else if (n->kind == SK_STRING_LIST) {
            char **items = *(char ***)(b + n->offset);
            int count = *(int *)(b + n->count_offset);
            for (int i = 0; items && i < count; i++) ps_free(items[i]);
            ps_free(items);
            *(char ***)(b + n->offset) = NULL;
            *(int *)(b + n->count_offset) = 0;
        } else if (n->kind == SK_NAMED_LIST) {
            char *items = *(char **)(b + n->offset);
            int count = *(int *)(b + n->count_offset);
            for (int i = 0; items && i < count; i++) schema_release(n, items + (size_t)i * n->item_size);
            ps_free(items);
            *(void **)(b + n->offset) = NULL;
            *(int *)(b + n->count_offset) = 0;
        }
    }
}

/* ---------------------------------------------------------------- markdown */

static const char *kind_name(const schema_node *n)
{
    switch (n->kind) {
    case SK_NUMBER: return "number";
    case SK_INT: return "integer";
    case SK_UINT64: return "integer";
    case SK_BOOL: return "boolean";
    case SK_STRING: return n->flags & SF_PATH ? "file" : "string";
    case SK_ENUM: return "choice";
    case SK_OBJECT: return "object";
    case SK_NAMED_LIST: return "list";
    case SK_STRING_LIST: return "list of names";
    case SK_ENUM_SET: return "list of choices";
    case SK_JSON: return "object";
    case SK_END: break;
    }
    return "";
}

static void md_default(sbuf *b, const schema_node *n)
{
    char num[40];
    if (n->dyn) sb_printf(b, "%s", n->dyn_doc ? n->dyn_doc : "computed");
    else if (n->flags & SF_OPTIONAL) sb_printf(b, "none");
    else if (n->flags & (SF_NODEFAULT | SF_REQUIRED)) sb_printf(b, "required");
    else if (n->kind == SK_STRING || n->kind == SK_ENUM) sb_printf(b, "`\"%s\"`", n->def_str ? n->def_str : "");
    else if (n->kind == SK_BOOL) sb_printf(b, "`%s`", n->def ? "true" : "false");
    else if (n->kind == SK_STRING_LIST) sb_printf(b, "%s", n->def_str ? n->def_str : "`[]`");
    else if (n->kind == SK_JSON) sb_printf(b, "%s", n->def_str ? n->def_str : "`{}`");
    else if (n->kind == SK_ENUM_SET) {
        sb_puts(b, "`[");
        for (int k = 0, first = 1; n->values[k]; k++)
            if (((unsigned)n->def >> k) & 1u) {
                sb_printf(b, "%s\"%s\"", first ? "" : ", ", n->values[k]);
                first = 0;
            }
        sb_puts(b, "]`");
    }
    else {
        fmt_shortest(num, sizeof num, n->def);
        sb_printf(b, "`%s`", num);
    }
}

static void md_range(sbuf *b, const schema_node *n)
{
    char exp[160];
    if (n->kind == SK_NUMBER || n->kind == SK_INT || n->kind == SK_UINT64) {
        expectation(n, exp, sizeof exp);
        /* drop the leading "a number " / "a whole number " */
        const char *r = strstr(exp, "number");
        r = r ? r + 6 : exp;
        while (*r == ' ') r++;
        sb_printf(b, "%s", *r ? r : "any");
    } else if (n->kind == SK_ENUM || n->kind == SK_ENUM_SET) {
        for (const char *const *e = n->values; *e; e++) sb_printf(b, "%s`%s`", e == n->values ? "" : ", ", *e);
    } else {
        sb_printf(b, " ");
    }
}

static void md_object(sbuf *b, const schema_node *obj, const char *path)
{
    int leaves = 0;
    for (const schema_node *n = obj->children; n && n->kind != SK_END; n++)
        if (n->kind != SK_OBJECT && n->kind != SK_NAMED_LIST) leaves++;
    if (leaves) {
        sb_printf(b, "\n#### `%s`\n\n", *path ? path : "(top level)");
        size_t pl = strlen(path);
        int is_item = pl >= 2 && path[pl - 2] == '[' && path[pl - 1] == ']';
        if (obj->doc && *path && !is_item) sb_printf(b, "%s\n\n", obj->doc);
        sb_printf(b, "| key | type | default | unit | range | meaning | source |\n");
        sb_printf(b, "|---|---|---|---|---|---|---|\n");
        for (const schema_node *n = obj->children; n && n->kind != SK_END; n++) {
            if (n->kind == SK_OBJECT || n->kind == SK_NAMED_LIST) continue;
            sb_printf(b, "| `%s` | %s | ", n->key, kind_name(n));
            md_default(b, n);
            sb_printf(b, " | %s | ", n->unit ? n->unit : "");
            md_range(b, n);
            sb_printf(b, " | %s%s | %s%s%s%s |\n", n->doc ? n->doc : "",
                      (n->flags & SF_REQUIRED) ? " Required." : "", n->source ? n->source : "",
                      (n->flags & SF_CALIBRATED) ? (n->source ? "; calibrated" : "calibrated") : "",
                      (n->flags & SF_ASSUMPTION) ? (n->source ? "; assumption" : "assumption") : "",
                      (n->flags & SF_DERIVED) ? (n->source ? "; derived" : "derived") : "");
        }
    }
    for (const schema_node *n = obj->children; n && n->kind != SK_END; n++) {
        char sub[PATH_MAX_LEN];
        if (n->kind == SK_OBJECT) {
            json_path_key(sub, sizeof sub, path, n->key);
            md_object(b, n, sub);
        } else if (n->kind == SK_NAMED_LIST) {
            json_path_key(sub, sizeof sub, path, n->key);
            char item[PATH_MAX_LEN];
            ps_fmt(item, sizeof item, "%s[]", sub);
            sb_printf(b, "\n#### `%s`: list\n\n%s\n", sub, n->doc ? n->doc : "");
            md_object(b, n, item);
        }
    }
}

char *schema_markdown(const schema_node *schema)
{
    sbuf b = { 0 };
    md_object(&b, schema, "");
    if (b.failed) {
        ps_free(b.s);
        return NULL;
    }
    return b.s ? b.s : ps_strdup("");
}

/* scenario: loading, extends, --set, defaults, validation. See scenario.h. */
#include "scenario.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "alloc.h"
#include "err.h"
#include "interventions.h"
#include "json.h"
#include "popcsv.h"
#include "schema.h"
#include "sbuf.h"
#include "scenario_internal.h"

#define MAX_EXTENDS 16
#define PATHBUF 4096


const ps_config *scenario_config(const ps_scenario *s) { return &s->cfg; }
const struct popdata *scenario_imported(const ps_scenario *s) { return s->imported; }
const script_src *scenario_scripts(const ps_scenario *s) { return s->scripts; }
const cJSON *scenario_tree(const ps_scenario *s) { return s->tree; }
const char *scenario_hash(const ps_scenario *s) { return s->hash; }
const char *ps_scenario_name(const ps_scenario *s) { return s->cfg.name; }
const char *ps_scenario_path(const ps_scenario *s) { return s->path; }
uint64_t ps_scenario_seed(const ps_scenario *s) { return s->cfg.seed; }
int ps_scenario_weeks(const ps_scenario *s) { return s->cfg.weeks; }
int ps_scenario_replicates(const ps_scenario *s) { return s->cfg.replicates; }
int ps_scenario_burn_in_weeks(const ps_scenario *s) { return s->cfg.burn_in_weeks; }
double ps_scenario_planned_budget(const ps_scenario *s) { return config_planned_budget(&s->cfg); }

/* "dir/of/file.json" + "other.json" -> "dir/of/other.json"; absolute stays. */
static void join_relative(char *out, size_t size, const char *file, const char *rel)
{
    if (rel[0] == '/') {
        snprintf(out, size, "%s", rel);
        return;
    }
    const char *slash = strrchr(file, '/');
    if (!slash) snprintf(out, size, "%s", rel);
    else snprintf(out, size, "%.*s/%s", (int)(slash - file), file, rel);
}

/* ------------------------------------------------------------ merge */

cJSON *scenario_find_named(cJSON *array, const char *name)
{
    for (cJSON *it = array->child; it; it = it->next) {
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(it, "name");
        if (cJSON_IsString(n) && strcmp(n->valuestring, name) == 0) return it;
    }
    return NULL;
}

/* Frees node and all below it, forgetting their origins first: the origins
 * map is keyed by address, and a node allocated later at the same address
 * must not be blamed on the file of the one freed here. */
static void tree_delete(json_origins *origins, cJSON *node)
{
    json_origins_forget(origins, node);
    cJSON_Delete(node);
}

/* The same for the member key of object, if there is one. */
static void tree_delete_key(json_origins *origins, cJSON *object, const char *key)
{
    cJSON *item = cJSON_GetObjectItemCaseSensitive(object, key);
    if (item) tree_delete(origins, cJSON_DetachItemViaPointer(object, item));
}

/* Merges over into base as DESIGN.md says: objects key by key, arrays of
 * named objects by name ("remove": true drops one), anything else replaced.
 * Nodes move from over to base, so their recorded origins stay true. */
static ps_status merge(const schema_node *schema, cJSON *base, cJSON *over, const char *path,
                       json_origins *origins, ps_error *err)
{
    cJSON *kv = over->child;
    while (kv) {
        cJSON *next = kv->next;
        const schema_node *n = schema_child(schema, kv->string);
        cJSON *old = cJSON_GetObjectItemCaseSensitive(base, kv->string);
        char kpath[512];
        json_path_key(kpath, sizeof kpath, path, kv->string);
        if (strcmp(kv->string, "extends") == 0 && !*path) {
            kv = next;
            continue;
        }
        if (cJSON_IsNull(kv)) {
            /* null deletes the inherited value, as in JSON Merge Patch (RFC 7386) */
            if (old) tree_delete(origins, cJSON_DetachItemViaPointer(base, old));
        } else if (((n && (n->kind == SK_OBJECT || n->kind == SK_JSON)) || schema->kind == SK_JSON) &&
                   cJSON_IsObject(old) && cJSON_IsObject(kv)) {
            /* a free object (params) merges key by key like any object, all the way down */
            static const schema_node free_object = { .key = "", .kind = SK_JSON };
            const schema_node *sub = (n && n->kind == SK_OBJECT) ? n : &free_object;
            ps_status st = merge(sub, old, kv, kpath, origins, err);
            if (st) return st;
        } else if (n && n->kind == SK_NAMED_LIST && cJSON_IsArray(old) && cJSON_IsArray(kv)) {
            cJSON *item = kv->child;
            while (item) {
                cJSON *inext = item->next;
                const char *name = cJSON_GetObjectItemCaseSensitive(item, "name")->valuestring;
                cJSON *target = scenario_find_named(old, name);
                const cJSON *rm = cJSON_GetObjectItemCaseSensitive(item, "remove");
                int removing = cJSON_IsTrue(rm);
                char ipath[600];
                snprintf(ipath, sizeof ipath, "%s[%s]", kpath, name);
                if (removing && !target) {
                    const char *f = json_origin(origins, item);
                    return err_set(err, PS_ERR_INVALID,
                                   "%s: %s: \"remove\": there is no inherited item named \"%s\"",
                                   f ? f : "?", ipath, name);
                }
                if (removing) {
                    tree_delete(origins, cJSON_DetachItemViaPointer(old, target));
                } else if (target) {
                    tree_delete_key(origins, item, "remove");
                    ps_status st = merge(n, target, item, ipath, origins, err);
                    if (st) return st;
                } else {
                    tree_delete_key(origins, item, "remove");
                    cJSON_AddItemToArray(old, cJSON_DetachItemViaPointer(kv, item));
                }
                item = inext;
            }
        } else {
            if (n && n->kind == SK_NAMED_LIST && cJSON_IsArray(kv)) {
                /* nothing of this list is inherited, so nothing can be removed */
                for (cJSON *it = kv->child; it; it = it->next) {
                    if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it, "remove"))) continue;
                    const char *f = json_origin(origins, it);
                    const char *name = cJSON_GetObjectItemCaseSensitive(it, "name")->valuestring;
                    return err_set(err, PS_ERR_INVALID,
                                   "%s: %s[%s]: \"remove\": there is no inherited item named \"%s\"",
                                   f ? f : "?", kpath, name, name);
                }
            }
            cJSON *moved = cJSON_DetachItemViaPointer(over, kv);
            if (old) {
                json_origins_forget(origins, old); /* the replace frees it */
                cJSON_ReplaceItemViaPointer(base, old, moved);
            } else cJSON_AddItemToObject(base, moved->string, moved);
            if (n && n->kind == SK_NAMED_LIST && cJSON_IsArray(moved)) {
                /* a list given whole in the child: drop "remove" flags */
                for (cJSON *it = moved->child; it; it = it->next)
                    tree_delete_key(origins, it, "remove");
            }
        }
        kv = next;
    }
    return PS_OK;
}

/* Strips "remove" from list items of a root file (nothing to remove from). */
static ps_status strip_removes(const schema_node *schema, cJSON *obj, const char *path,
                               json_origins *origins, ps_error *err)
{
    for (cJSON *kv = obj->child; kv; kv = kv->next) {
        const schema_node *n = schema_child(schema, kv->string);
        if (!n) continue;
        char kpath[512];
        json_path_key(kpath, sizeof kpath, path, kv->string);
        if (n->kind == SK_OBJECT && cJSON_IsObject(kv)) {
            ps_status st = strip_removes(n, kv, kpath, origins, err);
            if (st) return st;
        } else if (n->kind == SK_NAMED_LIST && cJSON_IsArray(kv)) {
            for (cJSON *it = kv->child; it; it = it->next) {
                const cJSON *rm = cJSON_GetObjectItemCaseSensitive(it, "remove");
                if (cJSON_IsTrue(rm)) {
                    const cJSON *nm = cJSON_GetObjectItemCaseSensitive(it, "name");
                    const char *f = json_origin(origins, it);
                    return err_set(err, PS_ERR_INVALID,
                                   "%s: %s[%s]: \"remove\": there is no inherited item to remove "
                                   "(this file extends nothing)",
                                   f ? f : "?", kpath, nm->valuestring);
                }
                tree_delete_key(origins, it, "remove");
            }
        }
    }
    return PS_OK;
}

/* Removes every null left after merging and --set: a null deletes a value,
 * and where nothing is left the default applies. */
static void strip_nulls(cJSON *node, json_origins *origins)
{
    cJSON *it = node->child;
    while (it) {
        cJSON *next = it->next;
        if (cJSON_IsNull(it) && cJSON_IsObject(node)) tree_delete(origins, cJSON_DetachItemViaPointer(node, it));
        else if (it->child) strip_nulls(it, origins);
        it = next;
    }
}

/* ------------------------------------------------------------ files */

/* Makes every SF_PATH string relative to the file that gave it. */
static ps_status resolve_paths(const schema_node *schema, cJSON *obj, const char *file,
                               ps_error *err)
{
    for (cJSON *kv = obj->child; kv; kv = kv->next) {
        const schema_node *n = schema_child(schema, kv->string);
        if (!n) continue;
        if (n->kind == SK_STRING && (n->flags & SF_PATH) && cJSON_IsString(kv)) {
            char joined[PATHBUF];
            join_relative(joined, sizeof joined, file, kv->valuestring);
            if (!cJSON_SetValuestring(kv, joined)) return err_set(err, PS_ERR_NOMEM, "out of memory");
        } else if (n->kind == SK_OBJECT && cJSON_IsObject(kv)) {
            ps_status st = resolve_paths(n, kv, file, err);
            if (st) return st;
        } else if (n->kind == SK_NAMED_LIST && cJSON_IsArray(kv)) {
            for (cJSON *it = kv->child; it; it = it->next) {
                if (!cJSON_IsObject(it)) continue;
                ps_status st = resolve_paths(n, it, file, err);
                if (st) return st;
            }
        }
    }
    return PS_OK;
}

/* An intervention without a name is named after its script's file, so
 * that interventions merge by name like other lists. */
static void name_interventions(cJSON *tree, json_origins *origins, const char *file)
{
    cJSON *list = cJSON_IsObject(tree) ? cJSON_GetObjectItemCaseSensitive(tree, "interventions") : NULL;
    for (cJSON *it = cJSON_IsArray(list) ? list->child : NULL; it; it = it->next) {
        const cJSON *script = cJSON_GetObjectItemCaseSensitive(it, "script");
        if (!cJSON_IsObject(it) || cJSON_GetObjectItemCaseSensitive(it, "name") || !cJSON_IsString(script)) continue;
        const char *base = strrchr(script->valuestring, '/');
        base = base ? base + 1 : script->valuestring;
        const char *dot = strrchr(base, '.');
        char name[64];
        ps_fmt(name, sizeof name, "%.*s", (int)(dot && dot != base ? (size_t)(dot - base) : strlen(base)), base);
        cJSON *n = cJSON_CreateString(name);
        if (n && cJSON_AddItemToObject(it, "name", n)) json_origins_add(origins, n, file);
    }
}

/* Reads one scenario file (not its parents): parse, record origins,
 * validate as a partial file, bring in a place file. */
static ps_status read_one(const char *path, json_origins *origins, cJSON **out, ps_error *err)
{
    cJSON *tree = NULL;
    ps_status st = json_load_file(path, &tree, err);
    if (st) return st;
    if (json_origins_add(origins, tree, path)) {
        tree_delete(origins, tree);
        return err_set(err, PS_ERR_NOMEM, "out of memory");
    }
    const schema_node *root = keys_scenario();
    if (cJSON_IsObject(tree) && cJSON_GetObjectItemCaseSensitive(tree, "neighbourhoods") &&
        !cJSON_GetObjectItemCaseSensitive(tree, "place")) {
        tree_delete(origins, tree);
        return err_set(err, PS_ERR_INVALID,
                       "%s: neighbourhoods: this is a place file, not a scenario; name it in a scenario's "
                       "\"place\" to use it", path);
    }
    cJSON *place = cJSON_IsObject(tree) ? cJSON_GetObjectItemCaseSensitive(tree, "place") : NULL;
    if (cJSON_IsString(place)) {
        char ppath[PATHBUF];
        join_relative(ppath, sizeof ppath, path, place->valuestring);
        cJSON *ptree = NULL;
        st = json_load_file(ppath, &ptree, err);
        if (st == PS_ERR_IO)
            st = err_set(err, PS_ERR_IO, "%s: place: cannot open place file \"%s\": %s", path, ppath,
                         strerror(errno));
        if (st) {
            tree_delete(origins, tree);
            return st;
        }
        if (json_origins_add(origins, ptree, ppath) ||
            (st = schema_validate(keys_place(), ptree, 1, "place", origins, ppath, err))) {
            tree_delete(origins, ptree);
            tree_delete(origins, tree);
            return st ? st : err_set(err, PS_ERR_NOMEM, "out of memory");
        }
        json_origins_forget(origins, place); /* the replace frees it */
        cJSON_ReplaceItemInObjectCaseSensitive(tree, "place", ptree);
    }
    name_interventions(tree, origins, path);
    st = schema_validate(root, tree, 1, "", origins, path, err);
    if (!st) st = resolve_paths(root, tree, path, err);
    if (st) {
        tree_delete(origins, tree);
        return st;
    }
    *out = tree;
    return PS_OK;
}

/* Are a and b the same file, however their paths are written ("a.json",
 * "./a.json", "../dir/a.json")? */
static int same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    if (strcmp(a, b) == 0) return 1;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* Reads path and every file it extends, merged, child over parent. */
static ps_status read_chain(const char *path, json_origins *origins, char **seen, int depth,
                            cJSON **out, ps_error *err)
{
    for (int i = 0; i < depth; i++)
        if (same_file(seen[i], path))
            return err_set(err, PS_ERR_INVALID, "%s: extends: the chain of extends comes back to this file",
                           path);
    if (depth >= MAX_EXTENDS)
        return err_set(err, PS_ERR_INVALID, "%s: extends: more than %d files deep", path, MAX_EXTENDS);
    seen[depth] = (char *)path;
    cJSON *tree = NULL;
    ps_status st = read_one(path, origins, &tree, err);
    if (st) return st;
    const cJSON *ext = cJSON_GetObjectItemCaseSensitive(tree, "extends");
    if (!ext) {
        st = strip_removes(keys_scenario(), tree, "", origins, err);
        if (st) {
            tree_delete(origins, tree);
            return st;
        }
        *out = tree;
        return PS_OK;
    }
    /* One parent, or several merged in order, each over the one before. */
    cJSON *parent = NULL;
    const cJSON *first = cJSON_IsArray(ext) ? ext->child : ext;
    for (const cJSON *e = first; e && !st; e = cJSON_IsArray(ext) ? e->next : NULL) {
        char ppath[PATHBUF];
        join_relative(ppath, sizeof ppath, path, e->valuestring);
        FILE *probe = fopen(ppath, "rb");
        if (!probe) {
            st = err_set(err, PS_ERR_IO, "%s: extends: cannot open \"%s\": %s", path, ppath, strerror(errno));
            break;
        }
        fclose(probe);
        cJSON *one = NULL;
        st = read_chain(ppath, origins, seen, depth + 1, &one, err);
        if (st) break;
        tree_delete_key(origins, one, "extends");
        if (!parent) {
            parent = one;
        } else {
            st = merge(keys_scenario(), parent, one, "", origins, err);
            tree_delete(origins, one); /* what was not moved into parent */
        }
    }
    if (!st) st = merge(keys_scenario(), parent, tree, "", origins, err);
    tree_delete(origins, tree);
    if (st) {
        tree_delete(origins, parent);
        return st;
    }
    tree_delete_key(origins, parent, "extends");
    *out = parent;
    return PS_OK;
}

/* ------------------------------------------------------------ --set */

int scenario_split_path(const char *path, char *buf, size_t size, char **tokens, int max)
{
    size_t len = strlen(path);
    if (len + 1 > size || len == 0) return -1;
    memcpy(buf, path, len + 1);
    int n = 0;
    char *p = buf;
    while (*p) {
        if (n >= max) return -1;
        if (*p == '[') {
            char *close = strchr(p, ']');
            if (!close || close == p + 1) return -1;
            *close = '\0';
            tokens[n++] = p + 1;
            p = close + 1;
            if (*p == '.') p++;
            else if (*p && *p != '[') return -1;
            continue;
        }
        tokens[n++] = p;
        while (*p && *p != '.' && *p != '[') p++;
        if (p == tokens[n - 1]) return -1;
        if (*p == '.') {
            *p++ = '\0';
            if (!*p) return -1;
        } else if (*p == '[') {
            /* terminate the token, keep '[' for the next round */
            memmove(p + 1, p, strlen(p) + 1);
            *p++ = '\0';
        }
    }
    return n;
}

static ps_status apply_set(cJSON *root, const char *assignment, json_origins *origins, ps_error *err)
{
    const char *eq = strchr(assignment, '=');
    if (!eq || eq == assignment)
        return err_set(err, PS_ERR_INVALID, "--set %s: expected PATH=VALUE", assignment);
    char path[512], buf[600];
    if ((size_t)(eq - assignment) >= sizeof path)
        return err_set(err, PS_ERR_INVALID, "--set %s: path too long", assignment);
    memcpy(path, assignment, (size_t)(eq - assignment));
    path[eq - assignment] = '\0';
    const char *value = eq + 1;
    char *tok[32];
    int n = scenario_split_path(path, buf, sizeof buf, tok, 32);
    if (n <= 0) return err_set(err, PS_ERR_INVALID, "--set %s: malformed path \"%s\"", assignment, path);

    /* Inside a free object (an intervention's params) any key may be set,
     * objects on the way made as needed; the value is read as JSON, and the
     * script's checks of its params judge it later. */
    static const schema_node free_key = { .key = "", .kind = SK_JSON };
    char label[600]; /* the origin of every node this makes */
    ps_fmt(label, sizeof label, "--set %s", assignment);
    const schema_node *sch = keys_scenario();
    cJSON *node = root;
    char shown[512] = "";
    for (int i = 0; i < n; i++) {
        const schema_node *c = sch->kind == SK_JSON ? &free_key : schema_child(sch, tok[i]);
        char next[512];
        json_path_key(next, sizeof next, shown, tok[i]);
        if (!c) {
            const char *s = schema_suggest(sch, tok[i]);
            if (s)
                return err_set(err, PS_ERR_INVALID, "--set %s: %s: unknown key (did you mean \"%s\"?)",
                               assignment, next, s);
            return err_set(err, PS_ERR_INVALID, "--set %s: %s: unknown key", assignment, next);
        }
        snprintf(shown, sizeof shown, "%s", next);
        cJSON *child = cJSON_GetObjectItemCaseSensitive(node, tok[i]);
        int last = i == n - 1;
        if (last) {
            cJSON *v = NULL;
            if ((c->kind == SK_STRING || c->kind == SK_ENUM) && value[0] != '"') {
                v = cJSON_CreateString(value);
            } else {
                v = cJSON_Parse(value);
                if (!v) v = cJSON_CreateString(value);
            }
            if (!v) return err_set(err, PS_ERR_NOMEM, "out of memory");
            if (json_origins_add(origins, v, label)) {
                cJSON_Delete(v);
                return err_set(err, PS_ERR_NOMEM, "out of memory");
            }
            /* Each value is checked as it is set: a later --set of the same
             * key (or --weeks after --set weeks=...) must not hide a bad
             * one. A script's params are judged by the script. */
            ps_status st = c == &free_key ? PS_OK : schema_validate_value(c, v, shown, origins, label, err);
            if (st) {
                json_origins_forget(origins, v);
                cJSON_Delete(v);
                return st;
            }
            if (child) {
                json_origins_forget(origins, child); /* the replace frees it */
                cJSON_ReplaceItemInObjectCaseSensitive(node, tok[i], v);
            } else {
                cJSON_AddItemToObject(node, tok[i], v);
            }
            return PS_OK;
        }
        if (c->kind == SK_OBJECT || c->kind == SK_JSON) {
            if (!child) {
                /* made on the way, so a message about it names this --set */
                child = cJSON_AddObjectToObject(node, tok[i]);
                if (!child || json_origins_add(origins, child, label))
                    return err_set(err, PS_ERR_NOMEM, "out of memory");
            }
            if (!cJSON_IsObject(child))
                return err_set(err, PS_ERR_INVALID, "--set %s: %s is not an object", assignment, shown);
            node = child;
            sch = c;
        } else if (c->kind == SK_NAMED_LIST) {
            i++;
            const char *name = tok[i];
            cJSON *item = cJSON_IsArray(child) ? scenario_find_named(child, name) : NULL;
            if (!item) {
                const char *names[256];
                size_t k = 0;
                for (cJSON *it = cJSON_IsArray(child) ? child->child : NULL; it && k < 256; it = it->next) {
                    const cJSON *nm = cJSON_GetObjectItemCaseSensitive(it, "name");
                    if (cJSON_IsString(nm)) names[k++] = nm->valuestring;
                }
                const char *best = schema_closest(names, k, name);
                if (best)
                    return err_set(err, PS_ERR_INVALID,
                                   "--set %s: %s: there is no item named \"%s\" (did you mean \"%s\"?)",
                                   assignment, shown, name, best);
                return err_set(err, PS_ERR_INVALID, "--set %s: %s: there is no item named \"%s\"",
                               assignment, shown, name);
            }
            ps_fmt(next, sizeof next, "%s[%s]", shown, name);
            snprintf(shown, sizeof shown, "%s", next);
            if (i == n - 1)
                return err_set(err, PS_ERR_INVALID, "--set %s: give a key of %s to set", assignment, shown);
            node = item;
            sch = c;
        } else {
            return err_set(err, PS_ERR_INVALID, "--set %s: %s has no keys below it", assignment, shown);
        }
    }
    return PS_OK;
}

/* Writes absolute paths into the resolved tree so that scenario.resolved.json
 * in an output folder still finds its files. */
static ps_status absolutise(ps_scenario *s, const char *key, ps_error *err)
{
    cJSON *pop = cJSON_GetObjectItemCaseSensitive(s->tree, "population");
    cJSON *v = pop ? cJSON_GetObjectItemCaseSensitive(pop, key) : NULL;
    if (!cJSON_IsString(v)) return PS_OK;
    char path[128];
    snprintf(path, sizeof path, "population.%s", key);
    char *abs = realpath(v->valuestring, NULL);
    if (!abs)
        return err_set(err, PS_ERR_IO, "%s: %s: cannot open \"%s\": %s", scenario_origin_at(s, path), path,
                       v->valuestring, strerror(errno));
    int ok = cJSON_SetValuestring(v, abs) != NULL;
    free(abs); /* realpath allocates with malloc */
    return ok ? PS_OK : err_set(err, PS_ERR_NOMEM, "out of memory");
}

/* Script paths become absolute in the resolved tree, as CSV paths do. */
static ps_status absolutise_scripts(ps_scenario *s, ps_error *err)
{
    cJSON *list = cJSON_GetObjectItemCaseSensitive(s->tree, "interventions");
    for (cJSON *it = cJSON_IsArray(list) ? list->child : NULL; it; it = it->next) {
        cJSON *script = cJSON_GetObjectItemCaseSensitive(it, "script");
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(it, "name");
        if (!cJSON_IsString(script)) continue;
        char path[200];
        ps_fmt(path, sizeof path, "interventions[%s].script", cJSON_IsString(name) ? name->valuestring : "?");
        char *abs = realpath(script->valuestring, NULL);
        if (!abs)
            return err_set(err, PS_ERR_IO, "%s: %s: cannot open \"%s\": %s", scenario_origin_at(s, path), path,
                           script->valuestring, strerror(errno));
        int ok = cJSON_SetValuestring(script, abs) != NULL;
        free(abs);
        if (!ok) return err_set(err, PS_ERR_NOMEM, "out of memory");
    }
    return PS_OK;
}

static const char *origin_for(const void *ud, const char *path) { return scenario_origin_at(ud, path); }

static void hash_tree(ps_scenario *s)
{
    char *text = json_print_exact(s->tree, 0);
    uint64_t h = UINT64_C(1469598103934665603);
    for (const char *p = text ? text : ""; *p; p++) h = (h ^ (unsigned char)*p) * UINT64_C(1099511628211);
    snprintf(s->hash, sizeof s->hash, "%016llx", (unsigned long long)h);
    cJSON_free(text);
}

ps_status ps_scenario_load(const char *path, const char *const *sets, size_t nsets,
                           ps_scenario **out, ps_error *err)
{
    err_clear(err);
    if (!out || !path) return err_set(err, PS_ERR_ARG, "ps_scenario_load: path and out are required");
    *out = NULL;
    alloc_install_json_hooks();
    ps_scenario *s = ps_calloc(1, sizeof *s);
    if (!s || !(s->path = ps_strdup(path)) || !(s->origins = json_origins_new())) {
        ps_scenario_free(s);
        return err_set(err, PS_ERR_NOMEM, "out of memory");
    }
    char *seen[MAX_EXTENDS];
    ps_status st = read_chain(path, s->origins, seen, 0, &s->tree, err);
    for (size_t i = 0; !st && i < nsets; i++) st = apply_set(s->tree, sets[i], s->origins, err);
    if (!st && nsets) st = schema_validate(keys_scenario(), s->tree, 1, "", s->origins, path, err);
    if (!st) strip_nulls(s->tree, s->origins);
    if (!st) st = scenario_check_pathway_keys(s, err);
    if (!st) st = schema_fill_defaults(keys_scenario(), s->tree, s->tree, s->origins, err);
    if (!st) st = schema_validate(keys_scenario(), s->tree, 0, "", s->origins, path, err);
    if (!st) st = absolutise(s, "households_csv", err);
    if (!st) st = absolutise(s, "persons_csv", err);
    if (!st) st = absolutise_scripts(s, err);
    if (!st) {
        s->compiled = 1;
        st = schema_compile(keys_scenario(), s->tree, &s->cfg, err);
    }
    if (!st) st = scenario_check_config(s, err);
    if (!st) scenario_drop_pathway_keys(s);
    if (!st) st = interventions_load(&s->cfg, origin_for, s, &s->scripts, err);
    if (!st && s->cfg.population.households_csv)
        st = popcsv_load(&s->cfg, s->cfg.population.households_csv, s->cfg.population.persons_csv,
                         &s->imported, err);
    if (st) {
        ps_scenario_free(s);
        return st;
    }
    hash_tree(s);
    *out = s;
    return PS_OK;
}

void ps_scenario_free(ps_scenario *s)
{
    if (!s) return;
    interventions_free_sources(s->scripts, s->cfg.n_interventions);
    if (s->compiled) schema_release(keys_scenario(), &s->cfg);
    popcsv_free(s->imported);
    cJSON_Delete(s->tree);
    json_origins_free(s->origins);
    ps_free(s->path);
    ps_free(s);
}

char *ps_scenario_resolved_json(const ps_scenario *s)
{
    char *text = json_print_exact(s->tree, 1);
    if (!text) return NULL;
    size_t n = strlen(text);
    char *copy = ps_malloc(n + 2);
    if (copy) {
        memcpy(copy, text, n);
        copy[n] = '\n';
        copy[n + 1] = '\0';
    }
    cJSON_free(text);
    return copy;
}

char *ps_scenario_reference_markdown(void) { return schema_markdown(keys_scenario()); }

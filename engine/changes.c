/*
 * changes: what a scenario changes relative to the baseline, found by
 * walking the two resolved trees side by side with the scenario schema,
 * so each change can be told in words: the key's description and unit.
 * Lists of named things (services, interventions, shocks) are matched by
 * name, so a reordered list is no change and an added service is one.
 */
#include <string.h>

#include <cJSON.h>

#include "alloc.h"
#include "compare.h"
#include "json.h"
#include "scenario.h"
#include "schema.h"

#define VALUE_MAX 160

static char *value_text(const cJSON *v)
{
    if (!v) return ps_strdup("(none)");
    char *s = json_print_exact(v, 0);
    if (!s) return NULL;
    char *out;
    size_t n = strlen(s);
    if (n > VALUE_MAX) {
        /* cut at a character boundary and mark the cut */
        size_t k = VALUE_MAX;
        while (k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80) k--;
        out = ps_malloc(k + 4);
        if (out) {
            memcpy(out, s, k);
            memcpy(out + k, "...", 4);
        }
    } else {
        out = ps_strdup(s);
    }
    cJSON_free(s);
    return out;
}

static ps_status add_change(cmp_scenario *s, const char *path, char *from, char *to, const char *doc,
                            const char *unit)
{
    if (!from || !to) goto nomem;
    if (s->nchanges == s->capchanges) {
        size_t nc = s->capchanges ? s->capchanges * 2 : 16;
        cmp_change *n = ps_reallocarray(s->changes, nc, sizeof *n);
        if (!n) goto nomem;
        s->changes = n;
        s->capchanges = nc;
    }
    cmp_change *c = &s->changes[s->nchanges];
    c->path = ps_strdup(path);
    if (!c->path) goto nomem;
    c->from = from;
    c->to = to;
    c->doc = doc && *doc ? doc : NULL;
    c->unit = unit && *unit ? unit : NULL;
    s->nchanges++;
    return PS_OK;
nomem:
    ps_free(from);
    ps_free(to);
    return PS_ERR_NOMEM;
}

static const cJSON *named(const cJSON *list, const char *name)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, list) {
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(it, "name");
        if (cJSON_IsString(n) && !strcmp(n->valuestring, name)) return it;
    }
    return NULL;
}

static int is_named_list(const cJSON *v)
{
    if (!cJSON_IsArray(v) || !cJSON_GetArraySize(v)) return 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, v) {
        if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(it, "name"))) return 0;
    }
    return 1;
}

static ps_status diff_node(const cJSON *a, const cJSON *b, const schema_node *node, const char *path,
                           cmp_scenario *s);

/* An added or removed list item is one change, described by the item's own
 * description where it has one. */
static ps_status item_presence(const cJSON *a, const cJSON *b, const schema_node *list, const char *path,
                               cmp_scenario *s)
{
    const cJSON *item = b ? b : a;
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(item, "description");
    const char *doc = cJSON_IsString(d) && *d->valuestring ? d->valuestring : list ? list->doc : NULL;
    return add_change(s, path, ps_strdup(a ? "present" : "(none)"), ps_strdup(b ? "added" : "removed"), doc,
                      NULL);
}

static ps_status diff_named_lists(const cJSON *a, const cJSON *b, const schema_node *node, const char *path,
                                  cmp_scenario *s)
{
    const schema_node *item_schema = node && node->kind == SK_NAMED_LIST ? node : NULL;
    char sub[512];
    const cJSON *it;
    ps_status st = PS_OK;
    cJSON_ArrayForEach(it, a) { /* the baseline's items, in its order */
        const char *nm = cJSON_GetObjectItemCaseSensitive(it, "name")->valuestring;
        const cJSON *other = named(b, nm);
        ps_fmt(sub, sizeof sub, "%s[%s]", path, nm);
        st = other ? diff_node(it, other, item_schema, sub, s) : item_presence(it, NULL, item_schema, sub, s);
        if (st) return st;
    }
    cJSON_ArrayForEach(it, b) { /* then the items only the scenario has */
        const char *nm = cJSON_GetObjectItemCaseSensitive(it, "name")->valuestring;
        if (named(a, nm)) continue;
        ps_fmt(sub, sizeof sub, "%s[%s]", path, nm);
        if ((st = item_presence(NULL, it, item_schema, sub, s))) return st;
    }
    return PS_OK;
}

/* node describes a and b (an object's schema, a list's, a leaf's) or is
 * NULL where the schema says nothing (a script's params). */
static ps_status diff_node(const cJSON *a, const cJSON *b, const schema_node *node, const char *path,
                           cmp_scenario *s)
{
    if (a && b && cJSON_Compare(a, b, 1)) return PS_OK;
    if (cJSON_IsObject(a) && cJSON_IsObject(b)) {
        char sub[512];
        const cJSON *kv;
        ps_status st;
        cJSON_ArrayForEach(kv, a) {
            const schema_node *child = node ? schema_child(node, kv->string) : NULL;
            json_path_key(sub, sizeof sub, path, kv->string);
            if ((st = diff_node(kv, cJSON_GetObjectItemCaseSensitive(b, kv->string), child, sub, s))) return st;
        }
        cJSON_ArrayForEach(kv, b) {
            if (cJSON_GetObjectItemCaseSensitive(a, kv->string)) continue;
            const schema_node *child = node ? schema_child(node, kv->string) : NULL;
            json_path_key(sub, sizeof sub, path, kv->string);
            if ((st = diff_node(NULL, kv, child, sub, s))) return st;
        }
        return PS_OK;
    }
    int lists = (!a || cJSON_IsArray(a)) && (!b || cJSON_IsArray(b));
    if (lists && ((node && node->kind == SK_NAMED_LIST) || (is_named_list(a) && is_named_list(b))))
        return diff_named_lists(a, b, node, path, s);
    return add_change(s, path, value_text(a), value_text(b), node ? node->doc : NULL, node ? node->unit : NULL);
}

ps_status compare_changes(const ps_scenario *base, const ps_scenario *other, cmp_scenario *out)
{
    const cJSON *a = scenario_tree(base), *b = scenario_tree(other);
    const schema_node *root = keys_scenario();
    const cJSON *kv;
    ps_status st;
    /* the name and description say what a scenario is, not what it changes */
    cJSON_ArrayForEach(kv, a) {
        if (!strcmp(kv->string, "name") || !strcmp(kv->string, "description")) continue;
        if ((st = diff_node(kv, cJSON_GetObjectItemCaseSensitive(b, kv->string), schema_child(root, kv->string),
                            kv->string, out)))
            return st;
    }
    cJSON_ArrayForEach(kv, b) {
        if (!strcmp(kv->string, "name") || !strcmp(kv->string, "description")) continue;
        if (cJSON_GetObjectItemCaseSensitive(a, kv->string)) continue;
        if ((st = diff_node(NULL, kv, schema_child(root, kv->string), kv->string, out))) return st;
    }
    return PS_OK;
}

void compare_changes_release(cmp_scenario *s)
{
    for (size_t i = 0; i < s->nchanges; i++) {
        ps_free(s->changes[i].path);
        ps_free(s->changes[i].from);
        ps_free(s->changes[i].to);
    }
    ps_free(s->changes);
    s->changes = NULL;
    s->nchanges = s->capchanges = 0;
}

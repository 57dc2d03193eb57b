/* json: file reading, parse errors with positions, node origins. See json.h. */
#include "json.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "err.h"
#include "sbuf.h"

ps_status json_read_file(const char *path, char **out, size_t *len, ps_error *err)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) return err_set(err, PS_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    size_t cap = 4096, n = 0;
    char *buf = ps_malloc(cap);
    if (!buf) {
        fclose(f);
        return err_set(err, PS_ERR_NOMEM, "%s: out of memory reading the file", path);
    }
    for (;;) {
        if (n + 1 >= cap) {
            char *nb = ps_reallocarray(buf, cap, 2);
            if (!nb) {
                ps_free(buf);
                fclose(f);
                return err_set(err, PS_ERR_NOMEM, "%s: out of memory reading the file", path);
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0) break;
    }
    int failed = ferror(f);
    fclose(f);
    if (failed) {
        ps_free(buf);
        return err_set(err, PS_ERR_IO, "%s: read error", path);
    }
    buf[n] = '\0';
    *out = buf;
    if (len) *len = n;
    return PS_OK;
}

/* cJSON keeps the first of two equal keys and ignores the second without a
 * word; a scenario author who gives "capacity" twice deserves to be told.
 * Finds the first duplicate under node (an object or array whose path is
 * path) and writes its path, in the form of schema messages, into out. */
static int find_duplicate_key(const cJSON *node, const char *path, char *out, size_t size)
{
    int index = 0;
    for (const cJSON *a = node->child; a; a = a->next, index++) {
        char sub[512];
        if (cJSON_IsObject(node)) {
            for (const cJSON *b = a->next; b; b = b->next)
                if (a->string && b->string && strcmp(a->string, b->string) == 0) {
                    json_path_key(out, size, path, b->string);
                    return 1;
                }
            json_path_key(sub, sizeof sub, path, a->string ? a->string : "");
        } else {
            json_path_item(sub, sizeof sub, path, a, index);
        }
        if (a->child && find_duplicate_key(a, sub, out, size)) return 1;
    }
    return 0;
}

/* cJSON reports a failure to read an object's key one character past it
 * (past the opening quote, or past whatever stands where a key should).
 * Returns 1 if the failure at pos is such a key: inside an object, right
 * after its '{' or a ','. */
static int failed_at_key(const char *text, size_t pos)
{
    char stack[256];
    int depth = 0, in_string = 0, escaped = 0;
    char last = '\0';
    for (size_t i = 0; i + 1 < pos; i++) {
        char ch = text[i];
        if (in_string) {
            if (escaped) escaped = 0;
            else if (ch == '\\') escaped = 1;
            else if (ch == '"') in_string = 0;
            if (!in_string) last = ch;
            continue;
        }
        if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r') continue;
        if (ch == '"') in_string = 1;
        else if (ch == '{' || ch == '[') {
            if (depth < (int)sizeof stack) stack[depth] = ch;
            depth++;
        } else if ((ch == '}' || ch == ']') && depth > 0) {
            depth--;
        }
        last = ch;
    }
    return !in_string && depth > 0 && depth <= (int)sizeof stack && stack[depth - 1] == '{' &&
           (last == '{' || last == ',');
}

ps_status json_parse_text(const char *text, size_t len, const char *name, cJSON **out,
                          ps_error *err)
{
    const char *end = NULL;
    *out = NULL;
    if (len >= 3 && (unsigned char)text[0] == 0xEF && (unsigned char)text[1] == 0xBB &&
        (unsigned char)text[2] == 0xBF) {
        text += 3; /* UTF-8 byte order mark */
        len -= 3;
    }
    cJSON *root = cJSON_ParseWithLengthOpts(text, len + 1, &end, 1);
    if (!root) {
        size_t pos = end && end >= text ? (size_t)(end - text) : 0;
        if (pos > len) pos = len;
        int at_key = pos > 0 && failed_at_key(text, pos);
        if (at_key) pos--;
        int line = 1, col = 1;
        for (size_t i = 0; i < pos; i++) {
            if (text[i] == '\n') {
                line++;
                col = 1;
            } else {
                col++;
            }
        }
        char near[24];
        size_t k = 0;
        for (size_t i = pos; i < len && k < sizeof near - 1 && text[i] != '\n'; i++)
            near[k++] = text[i];
        near[k] = '\0';
        size_t rest = pos;
        while (rest < len && (text[rest] == ' ' || text[rest] == '\t' || text[rest] == '\n' ||
                              text[rest] == '\r'))
            rest++;
        if (rest >= len)
            return err_set(err, PS_ERR_PARSE, "%s:%d:%d: malformed JSON: unexpected end of file",
                           name, line, col);
        return err_set(err, PS_ERR_PARSE, "%s:%d:%d: malformed JSON near '%s'%s", name, line, col,
                       near, at_key && text[pos] != '"' ? ": expected a key in double quotes" : "");
    }
    char dup[512];
    if (find_duplicate_key(root, "", dup, sizeof dup)) {
        cJSON_Delete(root);
        return err_set(err, PS_ERR_PARSE, "%s: %s: expected each key once in an object, got it twice",
                       name, dup);
    }
    *out = root;
    return PS_OK;
}

ps_status json_load_file(const char *path, cJSON **out, ps_error *err)
{
    char *text;
    size_t len;
    ps_status st = json_read_file(path, &text, &len, err);
    if (st) return st;
    st = json_parse_text(text, len, path, out, err);
    ps_free(text);
    return st;
}

/* --- origins: an open-addressing map from node pointer to file name ---- */

struct json_origins {
    const cJSON **keys;
    const char **files;   /* interned: point into names */
    size_t cap, used;
    char **names;
    size_t nnames;
};

json_origins *json_origins_new(void) { return ps_calloc(1, sizeof(json_origins)); }

void json_origins_free(json_origins *o)
{
    if (!o) return;
    for (size_t i = 0; i < o->nnames; i++) ps_free(o->names[i]);
    ps_free(o->names);
    ps_free(o->keys);
    ps_free(o->files);
    ps_free(o);
}

static size_t home_of(const json_origins *o, const cJSON *node)
{
    uint64_t h = (uint64_t)(uintptr_t)node * UINT64_C(0x9e3779b97f4a7c15);
    return (size_t)(h >> 17) & (o->cap - 1);
}

static size_t slot_of(const json_origins *o, const cJSON *node)
{
    size_t i = home_of(o, node);
    while (o->keys[i] && o->keys[i] != node) i = (i + 1) & (o->cap - 1);
    return i;
}

static int grow(json_origins *o)
{
    size_t ncap = o->cap ? o->cap * 2 : 1024;
    const cJSON **ok = o->keys;
    const char **of = o->files;
    size_t ocap = o->cap;
    o->keys = ps_calloc(ncap, sizeof *o->keys);
    o->files = ps_calloc(ncap, sizeof *o->files);
    if (!o->keys || !o->files) {
        ps_free(o->keys);
        ps_free(o->files);
        o->keys = ok;
        o->files = of;
        return -1;
    }
    o->cap = ncap;
    for (size_t i = 0; i < ocap; i++) {
        if (!ok[i]) continue;
        size_t s = slot_of(o, ok[i]);
        o->keys[s] = ok[i];
        o->files[s] = of[i];
    }
    ps_free(ok);
    ps_free(of);
    return 0;
}

static int put(json_origins *o, const cJSON *node, const char *file)
{
    if ((o->used + 1) * 2 > o->cap && grow(o)) return -1;
    size_t s = slot_of(o, node);
    if (!o->keys[s]) o->used++;
    o->keys[s] = node;
    o->files[s] = file;
    for (const cJSON *c = node->child; c; c = c->next)
        if (put(o, c, file)) return -1;
    return 0;
}

ps_status json_origins_add(json_origins *o, const cJSON *node, const char *file)
{
    const char *name = NULL;
    for (size_t i = 0; i < o->nnames; i++)
        if (strcmp(o->names[i], file) == 0) name = o->names[i];
    if (!name) {
        char **nn = ps_reallocarray(o->names, o->nnames + 1, sizeof *nn);
        if (!nn) return PS_ERR_NOMEM;
        o->names = nn;
        if (!(nn[o->nnames] = ps_strdup(file))) return PS_ERR_NOMEM;
        name = nn[o->nnames++];
    }
    return put(o, node, name) ? PS_ERR_NOMEM : PS_OK;
}

/* Removes one key. Linear probing finds a key by walking from its home
 * slot to the first empty one, so an emptied slot would cut later keys off
 * their home: each key after it that the gap now separates from its home
 * moves back into the gap (backward-shift deletion, no tombstones). */
static void take(json_origins *o, const cJSON *node)
{
    size_t mask = o->cap - 1, gap = slot_of(o, node);
    if (!o->keys[gap]) return;
    o->keys[gap] = NULL;
    o->files[gap] = NULL;
    o->used--;
    for (size_t j = (gap + 1) & mask; o->keys[j]; j = (j + 1) & mask) {
        size_t home = home_of(o, o->keys[j]);
        /* can key j stay? only if its home lies cyclically in (gap, j] */
        int stays = gap < j ? (home > gap && home <= j) : (home > gap || home <= j);
        if (stays) continue;
        o->keys[gap] = o->keys[j];
        o->files[gap] = o->files[j];
        o->keys[j] = NULL;
        o->files[j] = NULL;
        gap = j;
    }
}

void json_origins_forget(json_origins *o, const cJSON *node)
{
    if (!o || !o->cap || !node) return;
    take(o, node);
    for (const cJSON *c = node->child; c; c = c->next) json_origins_forget(o, c);
}

const char *json_origin(const json_origins *o, const cJSON *node)
{
    if (!o || !o->cap || !node) return NULL;
    size_t s = slot_of(o, node);
    return o->keys[s] ? o->files[s] : NULL;
}

void json_path_key(char *buf, size_t size, const char *path, const char *key)
{
    if (!path || !*path) ps_fmt(buf, size, "%s", key);
    else ps_fmt(buf, size, "%s.%s", path, key);
}

void json_path_item(char *buf, size_t size, const char *path, const cJSON *item, int index)
{
    const cJSON *name = cJSON_IsObject(item) ? cJSON_GetObjectItemCaseSensitive(item, "name") : NULL;
    if (cJSON_IsString(name) && json_valid_name(name->valuestring))
        ps_fmt(buf, size, "%s[%s]", path, name->valuestring);
    else ps_fmt(buf, size, "%s[%d]", path, index);
}

int json_valid_name(const char *name)
{
    if (!name || !*name || strlen(name) > 63) return 0;
    for (const char *p = name; *p; p++) {
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

/* cJSON prints a number with 15 digits whenever they come within an
 * epsilon of it, so 0.43999999999999995 comes out as 0.44 and a seed of
 * 2^53 - 1 loses its last digit, and the resolved scenario would not
 * reproduce the run. Turns every number under node into raw text that reads
 * back exactly: whole numbers in full, others as the shortest such decimal. */
static int exact_numbers(cJSON *node)
{
    for (cJSON *it = node->child; it; it = it->next) {
        if (!cJSON_IsNumber(it)) {
            if (it->child && exact_numbers(it)) return -1;
            continue;
        }
        char buf[40];
        fmt_shortest(buf, sizeof buf, it->valuedouble);
        if (!isfinite(it->valuedouble)) snprintf(buf, sizeof buf, "null");
        cJSON *raw = cJSON_CreateRaw(buf);
        if (!raw) return -1;
        raw->string = it->string; /* the key moves to the raw node */
        raw->type |= it->type & cJSON_StringIsConst;
        it->string = NULL;
        cJSON_ReplaceItemViaPointer(node, it, raw);
        it = raw;
    }
    return 0;
}

/* The tree as JSON text whose numbers read back exactly (cJSON_free). */
char *json_print_exact(const cJSON *tree, int formatted)
{
    cJSON *copy = cJSON_Duplicate(tree, 1);
    char *text = NULL;
    if (copy && !exact_numbers(copy)) text = formatted ? cJSON_Print(copy) : cJSON_PrintUnformatted(copy);
    cJSON_Delete(copy);
    return text;
}

void json_add_summary(cJSON *object, double mean, double sd, double low, double high)
{
    cJSON_AddNumberToObject(object, "mean", mean);
    cJSON_AddNumberToObject(object, "sd", sd);
    cJSON *ci = cJSON_AddArrayToObject(object, "ci95");
    cJSON_AddItemToArray(ci, cJSON_CreateNumber(low));
    cJSON_AddItemToArray(ci, cJSON_CreateNumber(high));
}

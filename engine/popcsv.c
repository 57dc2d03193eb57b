/* popcsv: population import from CSV. See popcsv.h. */
#include "popcsv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "err.h"
#include "json.h"
#include "schema.h"

#define MAX_FIELDS 32

/* ------------------------------------------------------------ CSV records */

typedef struct csv {
    const char *name;
    char *buf;      /* whole file, modified in place */
    char *pos;
    int line;       /* line of the record last read */
    int next_line;
    int bad_field;  /* index of the field a malformed record failed at */
    int fields;     /* fields in the header row */
} csv;

/* Splits the next record into fields (quotes as in RFC 4180). Returns the
 * field count, 0 at end of file, -1 on a malformed record. */
static int csv_next(csv *c, char **fields, int max)
{
    char *p = c->pos;
    while (*p == '\r' || *p == '\n') {
        if (*p == '\n' || p[1] != '\n') c->next_line++; /* LF, CRLF or CR alone */
        p++;
    }
    if (!*p) return 0;
    c->line = c->next_line;
    int n = 0;
    for (;;) {
        c->bad_field = n;
        if (n >= max) return -1;
        char *out = p, *start = p;
        if (*p == '"') {
            p++;
            for (;;) {
                if (!*p) return -1;
                if (*p == '"') {
                    if (p[1] == '"') {
                        *out++ = '"';
                        p += 2;
                        continue;
                    }
                    p++;
                    break;
                }
                if (*p == '\n') c->next_line++;
                *out++ = *p++;
            }
            if (*p && *p != ',' && *p != '\n' && *p != '\r') return -1;
        } else {
            while (*p && *p != ',' && *p != '\n' && *p != '\r') *out++ = *p++;
        }
        char sep = *p;
        *out = '\0';
        /* trim spaces around unquoted fields */
        while (*start == ' ') start++;
        for (char *e = out; e > start && e[-1] == ' ';) *--e = '\0';
        fields[n++] = start;
        if (sep == ',') {
            p++;
            continue;
        }
        /* sep, not *p: *out = '\0' may have overwritten the separator */
        if (sep == '\r' || sep == '\n') {
            p++;
            if (sep == '\r' && *p == '\n') p++;
            c->next_line++;
        }
        break;
    }
    c->pos = p;
    return n;
}

static ps_status csv_open(csv *c, const char *path, ps_error *err)
{
    memset(c, 0, sizeof *c);
    c->name = path;
    ps_status st = json_read_file(path, &c->buf, NULL, err);
    if (st) return st;
    c->pos = c->buf;
    if ((unsigned char)c->pos[0] == 0xEF && (unsigned char)c->pos[1] == 0xBB &&
        (unsigned char)c->pos[2] == 0xBF)
        c->pos += 3;
    c->next_line = 1;
    return PS_OK;
}

typedef struct column {
    const char *name;
    int required;
    int index; /* in the header, or -1 */
} column;

static ps_status read_header(csv *c, column *cols, int ncols, ps_error *err)
{
    char *f[MAX_FIELDS];
    int n = csv_next(c, f, MAX_FIELDS);
    if (n <= 0) return err_set(err, PS_ERR_PARSE, "%s:1: expected a header row of column names", c->name);
    c->fields = n;
    const char *names[MAX_FIELDS];
    for (int k = 0; k < ncols; k++) {
        cols[k].index = -1;
        names[k] = cols[k].name;
    }
    for (int i = 0; i < n; i++) {
        int found = 0;
        for (int k = 0; k < ncols; k++) {
            if (strcmp(f[i], cols[k].name) == 0) {
                if (cols[k].index >= 0)
                    return err_set(err, PS_ERR_PARSE, "%s:%d: column \"%s\" is given twice", c->name,
                                   c->line, f[i]);
                cols[k].index = i;
                found = 1;
            }
        }
        if (!found) {
            const char *s = schema_closest(names, (size_t)ncols, f[i]);
            if (s)
                return err_set(err, PS_ERR_PARSE, "%s:%d: unknown column \"%s\" (did you mean \"%s\"?)",
                               c->name, c->line, f[i], s);
            return err_set(err, PS_ERR_PARSE, "%s:%d: unknown column \"%s\"", c->name, c->line, f[i]);
        }
    }
    for (int k = 0; k < ncols; k++)
        if (cols[k].required && cols[k].index < 0)
            return err_set(err, PS_ERR_PARSE, "%s:%d: missing column \"%s\"", c->name, c->line, cols[k].name);
    return PS_OK;
}

/* The message for a malformed record, naming the column it failed at. */
static ps_status malformed(const csv *c, const column *cols, int ncols, ps_error *err)
{
    if (c->bad_field >= MAX_FIELDS)
        return err_set(err, PS_ERR_PARSE, "%s:%d: expected at most %d fields, got more", c->name, c->line,
                       MAX_FIELDS);
    const char *name = "(extra field)";
    for (int k = 0; k < ncols; k++)
        if (cols[k].index == c->bad_field) name = cols[k].name;
    return err_set(err, PS_ERR_PARSE,
                   "%s:%d: %s: expected a quoted field to end at its closing quote (with \"\" for a quote inside), "
                   "got a malformed quoted field",
                   c->name, c->line, name);
}

static const char *field(char **f, int n, const column *col)
{
    return col->index >= 0 && col->index < n ? f[col->index] : "";
}

static ps_status bad(const csv *c, const char *col, const char *expected, const char *got, ps_error *err)
{
    return err_set(err, PS_ERR_INVALID, "%s:%d: %s: expected %s, got \"%s\"", c->name, c->line, col,
                   expected, got);
}

static int parse_bool(const char *s, int *out)
{
    if (!*s || !strcmp(s, "0") || !strcmp(s, "false") || !strcmp(s, "no")) *out = 0;
    else if (!strcmp(s, "1") || !strcmp(s, "true") || !strcmp(s, "yes")) *out = 1;
    else return -1;
    return 0;
}

static int parse_choice(const char *s, const char *const *choices)
{
    for (int i = 0; choices[i]; i++)
        if (strcmp(s, choices[i]) == 0) return i;
    return -1;
}

/* ------------------------------------------------------------ id map */

typedef struct idmap {
    char **keys;
    uint32_t *vals;
    size_t cap;
} idmap;

static uint64_t hash_str(const char *s)
{
    uint64_t h = UINT64_C(1469598103934665603);
    for (; *s; s++) h = (h ^ (unsigned char)*s) * UINT64_C(1099511628211);
    return h;
}

static int idmap_init(idmap *m, size_t n)
{
    m->cap = 16;
    while (m->cap < n * 2) m->cap *= 2;
    m->keys = ps_calloc(m->cap, sizeof *m->keys);
    m->vals = ps_calloc(m->cap, sizeof *m->vals);
    return m->keys && m->vals ? 0 : -1;
}

static void idmap_free(idmap *m)
{
    for (size_t i = 0; m->keys && i < m->cap; i++) ps_free(m->keys[i]);
    ps_free(m->keys);
    ps_free(m->vals);
}

/* Returns the slot of key (existing or empty). */
static size_t idmap_slot(const idmap *m, const char *key)
{
    size_t i = (size_t)hash_str(key) & (m->cap - 1);
    while (m->keys[i] && strcmp(m->keys[i], key) != 0) i = (i + 1) & (m->cap - 1);
    return i;
}

/* ------------------------------------------------------------ load */

static const char *const tenure_names[] = { "owned_outright", "mortgage", "private_rent", "social_rent", NULL };
static const char *const state_names[] = { "", "well", "struggling", "crisis", "recovering", NULL };
static const char *const employment_names[] = { "employed", "unemployed", "inactive", "retired", NULL };

typedef struct raw_person {
    uint32_t hh;   /* index in file order of households */
    uint8_t age, flags, state;
} raw_person;

/* At least the number of records: a record may also end at a CR alone. */
static size_t count_lines(const char *s)
{
    size_t n = 1;
    for (; *s; s++) n += *s == '\n' || *s == '\r';
    return n;
}

ps_status popcsv_load(const ps_config *cfg, const char *hpath, const char *ppath, popdata **out,
                      ps_error *err)
{
    *out = NULL;
    csv hc, pc;
    memset(&pc, 0, sizeof pc);
    ps_status st = csv_open(&hc, hpath, err);
    if (st) return st;
    st = csv_open(&pc, ppath, err);
    if (st) {
        ps_free(hc.buf);
        return st;
    }
    size_t hcap = count_lines(hc.pos), pcap = count_lines(pc.pos);
    idmap ids = { 0 };
    uint16_t *h_nb = ps_calloc(hcap, sizeof *h_nb);
    uint8_t *h_ten = ps_calloc(hcap, 1), *h_fl = ps_calloc(hcap, 1);
    int *h_line = ps_calloc(hcap, sizeof *h_line);
    uint32_t *h_members = ps_calloc(hcap, sizeof *h_members), *h_adults = ps_calloc(hcap, sizeof *h_adults);
    raw_person *people = ps_calloc(pcap, sizeof *people);
    popdata *pop = ps_calloc(1, sizeof *pop);
    uint32_t nh = 0, np = 0;
    int nn = cfg->place.n_neighbourhoods;
    const char **nbnames = ps_calloc((size_t)nn + 1, sizeof *nbnames); /* NULL-terminated */
    uint32_t *nb_count = ps_calloc((size_t)nn + 1, sizeof *nb_count);
    if (!h_nb || !h_ten || !h_fl || !h_line || !h_members || !h_adults || !people || !pop ||
        !nbnames || !nb_count || idmap_init(&ids, hcap)) {
        st = err_set(err, PS_ERR_NOMEM, "%s: out of memory", hpath);
        goto done;
    }
    for (int k = 0; k < nn; k++) nbnames[k] = cfg->place.neighbourhoods[k].name;

    /* households */
    column hcols[] = { { "household_id", 1, -1 }, { "neighbourhood", 1, -1 }, { "tenure", 1, -1 },
                       { "low_income", 0, -1 }, { "debt", 0, -1 }, { "housing_insecure", 0, -1 } };
    if ((st = read_header(&hc, hcols, 6, err))) goto done;
    char *f[MAX_FIELDS];
    int n;
    while ((n = csv_next(&hc, f, MAX_FIELDS)) != 0) {
        if (n < 0) {
            st = malformed(&hc, hcols, 6, err);
            goto done;
        }
        if (n != hc.fields) {
            st = err_set(err, PS_ERR_PARSE, "%s:%d: expected %d fields as in the header, got %d", hc.name,
                         hc.line, hc.fields, n);
            goto done;
        }
        const char *id = field(f, n, &hcols[0]), *nbn = field(f, n, &hcols[1]), *ten = field(f, n, &hcols[2]);
        if (!*id) {
            st = bad(&hc, "household_id", "an identifier", id, err);
            goto done;
        }
        size_t slot = idmap_slot(&ids, id);
        if (ids.keys[slot]) {
            st = err_set(err, PS_ERR_INVALID, "%s:%d: household_id: \"%s\" is used twice (first on line %d)",
                         hpath, hc.line, id, h_line[ids.vals[slot]]);
            goto done;
        }
        int k = parse_choice(nbn, nbnames);
        if (k < 0) {
            const char *s = schema_closest(nbnames, (size_t)nn, nbn);
            if (s)
                st = err_set(err, PS_ERR_INVALID,
                             "%s:%d: neighbourhood: expected a neighbourhood of the place, got \"%s\" (did you mean \"%s\"?)",
                             hpath, hc.line, nbn, s);
            else st = bad(&hc, "neighbourhood", "a neighbourhood of the place", nbn, err);
            goto done;
        }
        int t = parse_choice(ten, tenure_names);
        if (t < 0) {
            st = bad(&hc, "tenure", "owned_outright, mortgage, private_rent or social_rent", ten, err);
            goto done;
        }
        int li, debt, hi;
        if (parse_bool(field(f, n, &hcols[3]), &li)) {
            st = bad(&hc, "low_income", "0 or 1", field(f, n, &hcols[3]), err);
            goto done;
        }
        if (parse_bool(field(f, n, &hcols[4]), &debt)) {
            st = bad(&hc, "debt", "0 or 1", field(f, n, &hcols[4]), err);
            goto done;
        }
        if (parse_bool(field(f, n, &hcols[5]), &hi)) {
            st = bad(&hc, "housing_insecure", "0 or 1", field(f, n, &hcols[5]), err);
            goto done;
        }
        if (hi && t != TENURE_PRIVATE_RENT && t != TENURE_SOCIAL_RENT) {
            st = bad(&hc, "housing_insecure", "0 for a household that owns its home", field(f, n, &hcols[5]), err);
            goto done;
        }
        if ((int)nb_count[k] == cfg->place.neighbourhoods[k].households) {
            st = err_set(err, PS_ERR_INVALID,
                         "%s:%d: neighbourhood: expected at most %d households in %s (place.neighbourhoods[%s].households), got one more",
                         hpath, hc.line, cfg->place.neighbourhoods[k].households, nbn, nbn);
            goto done;
        }
        if (!(ids.keys[slot] = ps_strdup(id))) {
            st = err_set(err, PS_ERR_NOMEM, "%s: out of memory", hpath);
            goto done;
        }
        ids.vals[slot] = nh;
        h_nb[nh] = (uint16_t)k;
        h_ten[nh] = (uint8_t)t;
        h_fl[nh] = (uint8_t)((li ? HF_LOW_INCOME_BASE : 0) | (debt ? HF_DEBT : 0) | (hi ? HF_HOUSING_INSECURE : 0));
        h_line[nh] = hc.line;
        nb_count[k]++;
        nh++;
    }
    if (nh == 0) {
        st = err_set(err, PS_ERR_INVALID, "%s: expected at least one household", hpath);
        goto done;
    }
    for (int k = 0; k < nn; k++) {
        if ((int)nb_count[k] != cfg->place.neighbourhoods[k].households) {
            st = err_set(err, PS_ERR_INVALID,
                         "%s:%d: neighbourhood: expected %d households in %s (place.neighbourhoods[%s].households), "
                         "got %u by the end of the file",
                         hpath, hc.line, cfg->place.neighbourhoods[k].households, nbnames[k], nbnames[k], nb_count[k]);
            goto done;
        }
    }

    /* persons */
    column pcols[] = { { "household_id", 1, -1 }, { "age", 1, -1 }, { "person_id", 0, -1 },
                       { "sex", 0, -1 }, { "employment", 0, -1 }, { "no_qualifications", 0, -1 },
                       { "discriminated", 0, -1 }, { "lonely", 0, -1 }, { "state", 0, -1 } };
    if ((st = read_header(&pc, pcols, 9, err))) goto done;
    int retire = cfg->population.retirement_age;
    while ((n = csv_next(&pc, f, MAX_FIELDS)) != 0) {
        if (n < 0) {
            st = malformed(&pc, pcols, 9, err);
            goto done;
        }
        if (n != pc.fields) {
            st = err_set(err, PS_ERR_PARSE, "%s:%d: expected %d fields as in the header, got %d", pc.name,
                         pc.line, pc.fields, n);
            goto done;
        }
        const char *hid = field(f, n, &pcols[0]), *agestr = field(f, n, &pcols[1]);
        size_t slot = idmap_slot(&ids, hid);
        if (!ids.keys[slot]) {
            st = bad(&pc, "household_id", "a household_id of the households file", hid, err);
            goto done;
        }
        char *end;
        errno = 0;
        long age = strtol(agestr, &end, 10);
        if (!*agestr || *end || errno || age < 0 || age > POP_MAX_AGE) {
            st = bad(&pc, "age", "a whole number from 0 to 120", agestr, err);
            goto done;
        }
        raw_person *rp = &people[np];
        rp->hh = ids.vals[slot];
        rp->age = (uint8_t)age;
        const char *sex = field(f, n, &pcols[3]);
        if (!strcmp(sex, "female") || !strcmp(sex, "F") || !strcmp(sex, "f")) rp->flags |= PF_FEMALE;
        else if (*sex && strcmp(sex, "male") && strcmp(sex, "M") && strcmp(sex, "m")) {
            st = bad(&pc, "sex", "female, male or empty", sex, err);
            goto done;
        }
        const char *emp = field(f, n, &pcols[4]);
        if (age < ADULT_AGE) {
            if (*emp && strcmp(emp, "child")) {
                st = bad(&pc, "employment", "empty or child under 16", emp, err);
                goto done;
            }
        } else if (age >= retire) {
            if (*emp && strcmp(emp, "retired")) {
                st = err_set(err, PS_ERR_INVALID,
                             "%s:%d: employment: expected retired or empty at age %ld (population.retirement_age is %d), got \"%s\"",
                             ppath, pc.line, age, retire, emp);
                goto done;
            }
        } else {
            int e = parse_choice(emp, employment_names);
            if (e < 0) {
                st = bad(&pc, "employment", "employed, unemployed, inactive or retired", emp, err);
                goto done;
            }
            rp->flags |= e == 0 ? PF_EMPLOYED : e == 1 ? PF_UNEMPLOYED : PF_INACTIVE;
        }
        int b;
        const char *bool_cols[3] = { "no_qualifications", "discriminated", "lonely" };
        const uint8_t bool_flags[3] = { PF_LOW_QUAL, PF_DISCRIMINATED, PF_LONELY };
        for (int q = 0; q < 3; q++) {
            const char *v = field(f, n, &pcols[5 + q]);
            if (parse_bool(v, &b)) {
                st = bad(&pc, bool_cols[q], "0 or 1", v, err);
                goto done;
            }
            if (b && age < ADULT_AGE && *v) {
                st = bad(&pc, bool_cols[q], "0 or empty under 16", v, err);
                goto done;
            }
            if (b) rp->flags |= bool_flags[q];
        }
        const char *sv = field(f, n, &pcols[8]);
        int s = parse_choice(sv, state_names);
        if (s < 0 || (age < ADULT_AGE && s > 0)) {
            st = bad(&pc, "state", age < ADULT_AGE ? "empty under 16" : "well, struggling, crisis, recovering or empty", sv, err);
            goto done;
        }
        rp->state = (uint8_t)(age < ADULT_AGE ? ST_CHILD : s == 0 ? ST_WELL : s);
        if (h_members[rp->hh] >= 255) {
            st = err_set(err, PS_ERR_INVALID, "%s:%d: household_id: expected at most 255 persons in household \"%s\"",
                         ppath, pc.line, hid);
            goto done;
        }
        h_members[rp->hh]++;
        if (age >= ADULT_AGE) h_adults[rp->hh]++;
        np++;
    }
    for (uint32_t h = 0; h < nh; h++) {
        if (!h_adults[h]) {
            const char *id = NULL;
            for (size_t q = 0; q < ids.cap; q++)
                if (ids.keys[q] && ids.vals[q] == h) id = ids.keys[q];
            st = err_set(err, PS_ERR_INVALID,
                         "%s:%d: household_id: expected a person aged 16 or over in %s for \"%s\", got %s", hpath,
                         h_line[h], ppath, id ? id : "?", h_members[h] ? "only children" : "no persons");
            goto done;
        }
    }

    /* Order households by neighbourhood (stable), persons by household. */
    if (popdata_alloc(pop, nn, nh, np)) {
        st = err_set(err, PS_ERR_NOMEM, "%s: out of memory", ppath);
        goto done;
    }
    uint32_t *new_of = ps_calloc(nh, sizeof *new_of);
    uint32_t *next_slot = ps_calloc((size_t)nh + 1, sizeof *next_slot);
    if (!new_of || !next_slot) {
        ps_free(new_of);
        ps_free(next_slot);
        st = err_set(err, PS_ERR_NOMEM, "%s: out of memory", ppath);
        goto done;
    }
    uint32_t acc = 0;
    for (int k = 0; k < nn; k++) {
        pop->nb_hh[k] = acc;
        acc += nb_count[k];
    }
    pop->nb_hh[nn] = acc;
    uint32_t *fill = nb_count; /* reuse as per-neighbourhood cursor */
    for (int k = 0; k < nn; k++) fill[k] = pop->nb_hh[k];
    for (uint32_t h = 0; h < nh; h++) {
        uint32_t nhh = fill[h_nb[h]]++;
        new_of[h] = nhh;
        pop->hh_nbhd[nhh] = h_nb[h];
        pop->hh_tenure[nhh] = h_ten[h];
        pop->hh_flags[nhh] = h_fl[h];
    }
    /* members per new household, then prefix sums */
    for (uint32_t h = 0; h < nh; h++) pop->hh_first[new_of[h] + 1] = h_members[h];
    for (uint32_t h = 0; h < nh; h++) pop->hh_first[h + 1] += pop->hh_first[h];
    memcpy(next_slot, pop->hh_first, (size_t)nh * sizeof *next_slot);
    for (uint32_t q = 0; q < np; q++) {
        uint32_t hnew = new_of[people[q].hh];
        uint32_t slot = next_slot[hnew]++;
        pop->p_hh[slot] = hnew;
        pop->p_age[slot] = people[q].age;
        pop->p_flags[slot] = people[q].flags;
        pop->p_state[slot] = people[q].state;
    }
    ps_free(new_of);
    ps_free(next_slot);
    population_derive_flags(cfg, pop);
    *out = pop;
    pop = NULL;
    st = PS_OK;

done:
    if (pop) {
        popdata_release(pop);
        ps_free(pop);
    }
    idmap_free(&ids);
    ps_free(h_nb);
    ps_free(h_ten);
    ps_free(h_fl);
    ps_free(h_line);
    ps_free(h_members);
    ps_free(h_adults);
    ps_free(people);
    ps_free(nbnames);
    ps_free(nb_count);
    ps_free(hc.buf);
    ps_free(pc.buf);
    return st;
}

void popcsv_free(popdata *pop)
{
    if (!pop) return;
    popdata_release(pop);
    ps_free(pop);
}

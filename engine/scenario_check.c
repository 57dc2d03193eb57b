/* scenario_check: checks across keys of a loaded scenario. See scenario_internal.h. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "population.h"
#include "sbuf.h"
#include "scenario.h"
#include "scenario_internal.h"
#include "schema.h"

const char *scenario_origin_at(const ps_scenario *s, const char *path)
{
    char buf[600];
    char *tok[32];
    int n = scenario_split_path(path, buf, sizeof buf, tok, 32);
    const cJSON *node = s->tree;
    for (int i = 0; i < n && node; i++) {
        if (cJSON_IsArray(node)) node = scenario_find_named((cJSON *)node, tok[i]);
        else node = cJSON_GetObjectItemCaseSensitive(node, tok[i]);
    }
    const char *f = node ? json_origin(s->origins, node) : NULL;
    return f && strcmp(f, "(default)") != 0 ? f : s->path;
}

/* Every name in a list must be a neighbourhood (services: 0) or a service
 * (1) of the scenario, once. */
static ps_status check_names(const ps_scenario *s, const char *path, char **names, int n, int services,
                             ps_error *err)
{
    const ps_config *c = &s->cfg;
    const char *known[4096];
    size_t nk = 0;
    int total = services ? c->n_services : c->place.n_neighbourhoods;
    for (int k = 0; k < total && nk < 4096; k++)
        known[nk++] = services ? c->services[k].name : c->place.neighbourhoods[k].name;
    for (int i = 0; i < n; i++) {
        int idx = services ? config_service_index(c, names[i]) : config_neighbourhood_index(c, names[i]);
        char ipath[200];
        ps_fmt(ipath, sizeof ipath, "%s[%d]", path, i);
        if (idx < 0) {
            const char *best = schema_closest(known, nk, names[i]);
            return err_set(err, PS_ERR_INVALID, "%s: %s: expected the name of a %s, got \"%s\"%s%s%s",
                           scenario_origin_at(s, path), ipath, services ? "service" : "neighbourhood of the place",
                           names[i], best ? " (did you mean \"" : "", best ? best : "", best ? "\"?)" : "");
        }
        for (int j = 0; j < i; j++)
            if (strcmp(names[j], names[i]) == 0)
                return err_set(err, PS_ERR_INVALID, "%s: %s: expected each name once, got \"%s\" twice",
                               scenario_origin_at(s, path), ipath, names[i]);
    }
    return PS_OK;
}

ps_status scenario_check_config(ps_scenario *s, ps_error *err)
{
    const ps_config *c = &s->cfg;
    const cfg_population *p = &c->population;
    if (c->place.n_neighbourhoods == 0)
        return err_set(err, PS_ERR_INVALID, "%s: place.neighbourhoods: expected at least one neighbourhood",
                       scenario_origin_at(s, "place.neighbourhoods"));
    double tenure = p->tenure_owned_outright + p->tenure_mortgage + p->tenure_private_rent + p->tenure_social_rent;
    if (fabs(tenure - 1) > 0.001)
        return err_set(err, PS_ERR_INVALID,
                       "%s: population.tenure_*: expected the four tenure shares to add up to 1, got %.4g",
                       scenario_origin_at(s, "population.tenure_social_rent"), tenure);
    double rest = (p->mean_household_size - p->one_person_share) / (1 - p->one_person_share);
    if (!(p->one_person_share < 1) || rest < 2.05 || rest > 6.5)
        return err_set(err, PS_ERR_INVALID,
                       "%s: population.mean_household_size: expected a mean that households of 2 to 7 "
                       "people can reach given one_person_share %.3g, got %.3g",
                       scenario_origin_at(s, "population.mean_household_size"), p->one_person_share,
                       p->mean_household_size);
    if (!p->households_csv != !p->persons_csv)
        return err_set(err, PS_ERR_INVALID,
                       "%s: population: expected households_csv and persons_csv together, got only %s",
                       scenario_origin_at(s, p->households_csv ? "population.households_csv" : "population.persons_csv"),
                       p->households_csv ? "households_csv" : "persons_csv");
    if (p->households_csv && p->scale != 1)
        return err_set(err, PS_ERR_INVALID,
                       "%s: population.scale: expected 1 with an imported population, got %g",
                       scenario_origin_at(s, "population.scale"), p->scale);
    if (c->place.n_neighbourhoods > 65535)
        return err_set(err, PS_ERR_INVALID, "%s: place.neighbourhoods: expected at most 65535 neighbourhoods, got %d",
                       scenario_origin_at(s, "place.neighbourhoods"), c->place.n_neighbourhoods);
    long total = 0, scaled = 0;
    for (int i = 0; i < c->place.n_neighbourhoods; i++) {
        total += c->place.neighbourhoods[i].households;
        scaled += (long)population_scaled_households(c, i);
    }
    if (!p->households_csv && total > 0 && scaled == 0)
        return err_set(err, PS_ERR_INVALID,
                       "%s: population.scale: expected a scale that leaves at least one household, got %g",
                       scenario_origin_at(s, "population.scale"), p->scale);
    if (!p->households_csv && total == 0)
        return err_set(err, PS_ERR_INVALID, "%s: place.neighbourhoods: expected at least one household",
                       scenario_origin_at(s, "place.neighbourhoods"));
    if (!p->households_csv && (double)total * p->scale * 7 > 2.0e9)
        return err_set(err, PS_ERR_INVALID,
                       "%s: population.scale: %g x %ld households is more people than one run can hold (2 billion)",
                       scenario_origin_at(s, "population.scale"), p->scale, total);
    const char *role_name[ROLE_COUNT] = { "crisis_team", "emergency", "inpatient", "support" };
    if (c->n_services > 250)
        return err_set(err, PS_ERR_INVALID, "%s: services: expected at most 250 services, got %d",
                       scenario_origin_at(s, "services"), c->n_services);
    for (int i = 0; i < c->n_services; i++) {
        cfg_service *sv = &c->services[i];
        char path[160];
        for (int j = 0; j < i; j++)
            if (sv->role == c->services[j].role && sv->role != ROLE_SUPPORT) {
                snprintf(path, sizeof path, "services[%s].role", sv->name);
                return err_set(err, PS_ERR_INVALID,
                               "%s: %s: expected one service with role \"%s\", but \"%s\" has it too",
                               scenario_origin_at(s, path), path, role_name[sv->role], c->services[j].name);
            }
        sv->via_index = -1;
        if (sv->role == ROLE_SUPPORT && sv->route == ROUTE_REFERRAL) {
            snprintf(path, sizeof path, "services[%s].access.via", sv->name);
            if (!sv->via)
                return err_set(err, PS_ERR_INVALID,
                               "%s: %s: missing; expected the name of the gatekeeper service of a referral route",
                               scenario_origin_at(s, path), path);
            sv->via_index = config_service_index(c, sv->via);
            if (sv->via_index < 0 || sv->via_index == i || c->services[sv->via_index].role != ROLE_SUPPORT) {
                const char *names[256];
                size_t n = 0;
                for (int j = 0; j < c->n_services && n < 256; j++)
                    if (j != i && c->services[j].role == ROLE_SUPPORT) names[n++] = c->services[j].name;
                const char *best = schema_closest(names, n, sv->via);
                return err_set(err, PS_ERR_INVALID,
                               "%s: %s: expected the name of another support service, got \"%s\"%s%s%s",
                               scenario_origin_at(s, path), path, sv->via, best ? " (did you mean \"" : "",
                               best ? best : "", best ? "\"?)" : "");
            }
        } else if (sv->via) {
            snprintf(path, sizeof path, "services[%s].access.via", sv->name);
            return err_set(err, PS_ERR_INVALID,
                           "%s: %s: expected no gatekeeper unless access.route is \"referral\", got \"%s\"",
                           scenario_origin_at(s, path), path, sv->via);
        }
        if ((double)sv->capacity * p->scale > CONFIG_MAX_CAPACITY) {
            snprintf(path, sizeof path, "services[%s].capacity", sv->name);
            return err_set(err, PS_ERR_INVALID,
                           "%s: %s: expected at most %d places after population.scale (%g), got %d",
                           scenario_origin_at(s, path), path, CONFIG_MAX_CAPACITY, p->scale, sv->capacity);
        }
        if (sv->min_age > sv->max_age) {
            snprintf(path, sizeof path, "services[%s].eligible.max_age", sv->name);
            return err_set(err, PS_ERR_INVALID, "%s: %s: expected at least min_age (%d), got %d",
                           scenario_origin_at(s, path), path, sv->min_age, sv->max_age);
        }
        snprintf(path, sizeof path, "services[%s].neighbourhoods", sv->name);
        ps_status st = check_names(s, path, sv->neighbourhoods, sv->n_neighbourhoods, 0, err);
        if (st) return st;
    }
    for (int i = 0; i < c->n_shocks; i++) {
        const cfg_shock *sh = &c->shocks[i];
        char path[160];
        /* a shock after the last week would do nothing, without a word */
        if (sh->start_week >= c->weeks) {
            snprintf(path, sizeof path, "shocks[%s].start_week", sh->name);
            return err_set(err, PS_ERR_INVALID,
                           "%s: %s: expected a week before the end of the run (weeks is %d, so 0 to %d), got %d",
                           scenario_origin_at(s, path), path, c->weeks, c->weeks - 1, sh->start_week);
        }
        snprintf(path, sizeof path, "shocks[%s].neighbourhoods", sh->name);
        ps_status st = check_names(s, path, sh->neighbourhoods, sh->n_neighbourhoods, 0, err);
        if (!st) {
            snprintf(path, sizeof path, "shocks[%s].services", sh->name);
            st = check_names(s, path, sh->services, sh->n_services, 1, err);
        }
        if (st) return st;
    }
    return PS_OK;
}


/* ------------------------------------------------------------ the crisis pathway's keys */

/* The crisis team, A&E and beds (crisis.c) keep no waiting list and have no
 * access route, eligibility, episodes, effects or neighbourhoods of their
 * own: only these of a service's keys mean anything for them. Any other a
 * scenario gives them would be ignored without a word, so it is refused. */
static const char *const pathway_keys[] = { "name", "description", "agency", "role", "capacity",
                                            "cost_per_start", "cost_per_week", "cost_fixed_per_week", NULL };

static const char *const pathway_roles[] = { "crisis_team", "emergency", "inpatient" };

/* The crisis-pathway role of a service item in the tree (its index in
 * pathway_roles), or -1. */
static int pathway_role(const cJSON *item)
{
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(item, "role");
    for (int i = 0; cJSON_IsString(r) && i < 3; i++)
        if (!strcmp(r->valuestring, pathway_roles[i])) return i;
    return -1;
}

static int pathway_key(const char *key)
{
    for (int i = 0; pathway_keys[i]; i++)
        if (!strcmp(pathway_keys[i], key)) return 1;
    return 0;
}

ps_status scenario_check_pathway_keys(const ps_scenario *s, ps_error *err)
{
    static const char *const words[] = { "the crisis team", "A&E", "the beds" };
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(s->tree, "services");
    for (const cJSON *it = cJSON_IsArray(list) ? list->child : NULL; it; it = it->next) {
        int role = pathway_role(it);
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(it, "name");
        if (role < 0 || !cJSON_IsString(name)) continue;
        for (const cJSON *kv = it->child; kv; kv = kv->next) {
            /* unknown keys are left to the schema, which suggests the nearest */
            if (pathway_key(kv->string) || !schema_child(keys_service(), kv->string)) continue;
            char item[300], path[400];
            ps_fmt(item, sizeof item, "services[%s]", name->valuestring);
            json_path_key(path, sizeof path, item, kv->string);
            return err_set(err, PS_ERR_INVALID,
                           "%s: %s: the key does not apply to %s (role \"%s\"): the crisis pathway has no waiting "
                           "list, access route, eligibility, episodes, effects or neighbourhoods; expected only "
                           "name, description, agency, role, capacity, cost_per_start, cost_per_week and "
                           "cost_fixed_per_week",
                           scenario_origin_at(s, path), path, words[role], pathway_roles[role]);
        }
    }
    return PS_OK;
}

void scenario_drop_pathway_keys(ps_scenario *s)
{
    cJSON *list = cJSON_GetObjectItemCaseSensitive(s->tree, "services");
    for (cJSON *it = cJSON_IsArray(list) ? list->child : NULL; it; it = it->next) {
        if (pathway_role(it) < 0) continue;
        cJSON *kv = it->child;
        while (kv) {
            cJSON *next = kv->next;
            if (!pathway_key(kv->string)) {
                cJSON *gone = cJSON_DetachItemViaPointer(it, kv);
                json_origins_forget(s->origins, gone);
                cJSON_Delete(gone);
            }
            kv = next;
        }
    }
}

/*
 * interventions: running a scenario's Lua scripts inside a replicate.
 *
 * Scenario time: the scripts are read and checked (interventions_load):
 * each one is run once in the sandbox, must return a plain table of known
 * hooks, and the scenario's params must be ones it declares, of the same
 * type, and within the ranges it gives them (its ranges table).
 *
 * Run time, per replicate: each script gets its own sandboxed Lua state
 * (lua_host.h) and the sim API (lua_api.h). Each week the engine calls
 * interventions_week (setup, then week hooks) after shocks and before
 * determinants, and interventions_events after the wellbeing transitions,
 * where the events the model recorded are delivered to on.<event> hooks in
 * the order they happened. What scripts do through the API lands in the
 * world: referrals, flags, temporary hazard multipliers (modifiers),
 * capacities, spending and custom columns.
 */
#ifndef PS_INTERVENTIONS_H
#define PS_INTERVENTIONS_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "placesim.h"

struct world;
struct json_origins;
struct replicate_record;

/* A script's text, read once when the scenario loads. */
typedef struct script_src {
    char *path;      /* absolute */
    char *shown;     /* as named in messages: relative to the current folder when it can be */
    char *text;
    size_t len;
    char hash[17];   /* FNV-1a of the text, for provenance */
} script_src;

/* Reads every intervention's script, runs each once in the sandbox and
 * checks its hooks and the scenario's params against it. at(path) names the
 * file a scenario path came from, for messages. */
typedef const char *(*iv_origin_fn)(const void *ud, const char *path);
ps_status interventions_load(const ps_config *cfg, iv_origin_fn at, const void *ud, script_src **out,
                             ps_error *err);
void interventions_free_sources(script_src *src, int n);

/* The events scripts can listen to (on.<name>). */
enum iv_event {
    EV_CRISIS,        /* a person enters CRISIS */
    EV_ONSET,         /* WELL -> STRUGGLING */
    EV_RECOVERY,      /* back to WELL: in the wellbeing step, or by completing an episode (recover_on_completion) */
    EV_JOB_LOSS,      /* a person loses their job */
    EV_DEBT,          /* a household falls into problem debt */
    EV_HOUSING,       /* a household becomes insecurely housed (the eviction risk) */
    EV_SERVICE_START, /* a person starts an episode of a support service */
    EV_SERVICE_END,   /* an episode ends, completed or not (the hook is told which) */
    EV_COUNT
};
#define EVENT_BIT(e) (1u << (e))
extern const char *const iv_event_names[EV_COUNT];

/* Records an event for the hooks (entity: person, or household for debt and
 * housing; extra: the service of service_start, EV_END_EXTRA of
 * service_end). Returns non-zero when out of memory. Callers test
 * w->event_mask first. */
int events_push(struct world *w, int kind, uint32_t entity, int extra);
/* The extra of a service_end event: the service, and whether the episode
 * was completed (the hook's fifth argument). */
#define EV_END_EXTRA(service, completed) ((service) * 2 + ((completed) != 0))

/* Temporary hazard multipliers of a person (sim :modify): the product of
 * those still running goes into onset (and relapse), recovery and crisis;
 * ones that ran out are dropped. modifiers_add gives person i one that
 * acts on the wellbeing draws of the weeks before until_week, and drops
 * the person's records whose until_week is now or before (now: the week
 * of the next draw). Returns how many of the person's records it looked
 * at, or -1 when out of memory. */
void modifiers_apply(struct world *w, uint32_t i, int week, double *onset, double *recovery, double *crisis);
int modifiers_add(struct world *w, uint32_t i, double onset, double recovery, double crisis, int until_week, int now);

/* Per replicate. */
ps_status interventions_world_init(struct world *w, struct replicate_record *rec, ps_error *err);
void interventions_world_release(struct world *w);
ps_status interventions_week(struct world *w, int week, ps_error *err);
ps_status interventions_events(struct world *w, int week, ps_error *err);
ps_status interventions_finish(struct world *w, int week, ps_error *err);

/* A cost to an agency this week that has no column of its own in the
 * scenario (an added service's, or a script's spending). */
void interventions_cost(struct world *w, const char *agency, double amount);

#endif

/*
 * world: the state of one replicate as it runs, shared by the modules of
 * the weekly step:
 *
 *   shocks.c       which shocks are on, and their multipliers
 *   transitions.c  determinants and wellbeing transitions (the hot loops)
 *   services.c     support services: access, queues, episodes, effects
 *   services_table.c  the services of a run and of a replicate, their units
 *   crisis.c       the crisis pathway: crisis team, A&E, beds
 *   place.c        social capital, volunteering and community assets
 *   model.c        derived rates, the world's life cycle, the week in order
 *
 * model_params holds what is the same for every replicate of a run: the
 * determinant rates derived from the population at the start, deprivation
 * factors, service facts and scaled capacities. A world holds what changes.
 */
#ifndef PS_WORLD_H
#define PS_WORLD_H

#include <stdint.h>
#include <string.h>

#include "config.h"
#include "metrics.h"
#include "placesim.h"
#include "population.h"

enum care { CARE_NONE = 0, CARE_TEAM, CARE_BED };

/* A week as stored in a uint16_t column (weeks run from -burn_in). */
#define WEEK_CODE(week) ((uint16_t)((week) + 32768))
#define WEEK_OF(code) ((int)(code) - 32768)

/* The fifth "need" in hand-offs: being unwell, met by a service that takes
 * a wellbeing state and asks no other need. */
#define NEED_MENTAL_HEALTH NEED_COUNT

typedef struct nb_params {
    double loss_base;      /* job loss hazard before multipliers */
    double debt_onset;     /* debt onset hazard before multipliers */
    double housing_onset;  /* housing insecurity onset before multipliers (renters) */
    double lonely_onset;   /* loneliness onset before multipliers */
    double recovery_mult;  /* deprivation factor on recovery */
    double crisis_mult;    /* deprivation factor on crisis */
    double assets;         /* hubs and organisations per 1,000 households, weighted */
} nb_params;

/* Facts about one service that stay put while it runs. */
typedef struct svc_static {
    uint8_t *serves;       /* [n_nbhd]: 1 if the service serves neighbourhood k */
    int owns_serves;       /* serves was allocated for this table entry */
    uint64_t eligible;     /* bit (state - 1) << 4 | needs: takes people in that state with those needs */
    int min_age, max_age;
    int gatekeeper;        /* some referral route goes through it */
    uint32_t access_purpose; /* keyed-draw purpose of coming forward, from the service's name */
    int units;             /* 1, or one team per neighbourhood */
    uint64_t end_thr;      /* an episode ends this week */
    uint64_t complete_thr; /* an ending episode was completed */
    uint64_t wait_thr;     /* drop-out from the waiting list this week */
    uint64_t handoff_thr;  /* lost at an onward referral */
    uint64_t referral_thr; /* lost between a gatekeeper and this service */
    uint64_t recover_thr;  /* a completer becomes WELL */
    uint64_t resolve_thr[NEED_COUNT];
} svc_static;

/* The services of a run (model_params) or of one replicate (world, which
 * may add services while it runs), with the lists derived from them. */
typedef struct svc_table {
    int n, max;                      /* services in use, and room */
    const cfg_service **def;         /* [max] */
    svc_static *sx;                  /* [max] */
    int *access;                     /* support services people come forward to, in order */
    int n_access;
    uint64_t access_mask[64];        /* by person code: bit j if access[j] takes that code (j < 64) */
    int *takers[NEED_COUNT + 1];     /* support services that can act on each need, in order */
    int n_takers[NEED_COUNT + 1];
} svc_table;

typedef struct model_params {
    const ps_config *cfg;
    const popdata *pop;
    nb_params *nb;
    int service_of_role[ROLE_COUNT]; /* crisis pathway roles: index into cfg->services, or -1 */
    int *capacity;                   /* scaled capacity of each service (one unit) */
    double *fixed_cost;              /* scaled fixed weekly cost of each service */
    double *asset_cost;              /* scaled weekly cost of each neighbourhood's assets */
    svc_table svt;                   /* the scenario's services */
    /* People whom the weekly passes visit, by neighbourhood, in person
     * order: adults (children never draw for wellbeing, loneliness or
     * services) and the labour force (only they draw for jobs); neither
     * changes while a run goes on. adult[nb_adult[k] .. nb_adult[k+1]-1]
     * are neighbourhood k's adults, and likewise labour, nb_labour. */
    uint32_t *adult, *nb_adult;
    uint32_t *labour, *nb_labour;
    uint32_t *nb_working_age;        /* [n_nbhd]: adults under retirement age, who stay so */
    uint32_t *renter, *nb_renter;    /* renting households, likewise (tenure never changes) */
    int asset_agency;                /* cost column of community assets */
    const struct script_src *scripts;/* [cfg->n_interventions] */
    metrics_layout layout;
} model_params;

/* Product of the multipliers of the shocks on in one neighbourhood. */
typedef struct shock_mult {
    double job_loss, job_find, debt_onset, housing_onset, loneliness_onset, onset, crisis, recovery;
} shock_mult;

/* Thresholds (see rng_threshold) of one neighbourhood for one week, and the
 * multipliers behind them for people whose services change their hazards. */
typedef struct nb_tables {
    uint64_t crisis_exit[3];    /* by care */
    double onset_mult[64];      /* risk factors x social capital x shock, uncapped */
    double crisis_mult[64];
    double recovery_mult;
    uint64_t job[ST_COUNT][32];       /* [state][flags & JOB_BITS] (the labour force): loss or find */
    uint64_t lonely[2][256];          /* [young][person flags] (adults): flip */
    /* [state][risk index]: WELL (onset, onset), STRUGGLING (crisis, crisis
     * + recovery), RECOVERING (relapse, relapse + well) */
    uint64_t wellbeing[ST_COUNT][64][2];
    uint64_t any[ST_COUNT][64];       /* [state][risk index] (adults): any event (crisis: all) */
    /* [in debt << 2 | crisis << 1 | no worker]: onset if not in debt, else resolution */
    uint64_t debt[8];
    /* [insecure << 1 | in debt] (renters): onset if secure, resolution if not */
    uint64_t housing[4];
    double wellbeing_key[6];    /* inputs the wellbeing part was last built from */
    int wellbeing_built;
    /* Thresholds worked out for people whose services multiply their
     * hazards, by (state, risk index, the multipliers that state uses):
     * many people share them. Good while gen is the wellbeing part's. */
    struct person_thr {
        double m1, m2;          /* WELL, RECOVERING: onset, 1; STRUGGLING: crisis, recovery */
        unsigned gen;
        uint8_t s, idx;
        uint64_t thr[2];
    } person_thr[256];
    unsigned wellbeing_gen;     /* bumped when the wellbeing part is rebuilt */
} nb_tables;

typedef struct svc_queue {
    uint32_t *ids;
    uint32_t head, len, cap;
} svc_queue;

typedef struct svc_unit {
    svc_queue q;
    int active;
    int capacity;          /* this week's */
    double shock_mult;     /* this week's capacity multiplier of the shocks in the unit's
                            * neighbourhood (a team per neighbourhood; 1 for one unit) */
} svc_unit;

/* One service in one replicate: its units and this week's counts. */
typedef struct svc_state {
    svc_unit *units;
    int referrals, started, completed, dropped, lost;
    double wait_sum;       /* weeks waited by those who started this week */
} svc_state;

/* One temporary set of hazard multipliers of a person (sim :modify). */
typedef struct modifier {
    double onset, recovery, crisis;
    int until;             /* first week it no longer applies */
    uint32_t next;         /* next in the person's chain, 0 = end */
} modifier;

struct iv_world;

typedef struct world {
    const model_params *mp;
    uint64_t seed, replicate;
    int week;
    /* persons */
    uint8_t *pf;           /* PF_* */
    uint8_t *st;           /* enum wstate */
    uint16_t *entered;     /* WEEK_CODE of the week the person entered their state (the week
                            * before the first for the starting state): no weekly count to keep */
    uint8_t *care;         /* enum care */
    uint8_t *svc;          /* support episode: service + 1, or 0 */
    uint8_t *wait;         /* waiting list: service + 1, or 0 */
    uint8_t *target;       /* where a gatekeeper refers on: service + 1, or 0 */
    uint8_t *after;        /* service whose after-effects apply: + 1, or 0 */
    uint16_t *since;       /* WEEK_CODE of joining the list or starting the episode */
    uint16_t *after_until; /* WEEK_CODE at which after-effects stop */
    /* households */
    uint8_t *hf;           /* HF_* */
    uint8_t *workers;      /* employed members */
    uint8_t *ncrisis;      /* members in CRISIS */
    /* neighbourhoods */
    double *social_capital;
    double *crisis_ema;    /* smoothed crisis rate, per 1,000 adults a year */
    double *volunteers;
    shock_mult *shock;
    uint8_t *shock_in;     /* [n_nbhd]: scratch of shocks_apply, 1 where a shock is */
    double *nb_now;        /* [n_nbhd][NB_COUNT]: this week's neighbourhood figures */
    nb_tables tables;      /* of the neighbourhood being stepped */
    /* services: all arrays have room for svt.max services */
    svc_table svt;         /* the scenario's services and any added by scripts */
    cfg_service *added;    /* [cfg->limits.added_services]: definitions of added services */
    svc_state *sv;         /* support services' units, queues and week counts */
    int *capacity;         /* scaled capacity of one unit (scripts may change it) */
    double *fixed_cost;    /* scaled fixed weekly cost */
    double *cap_mult;      /* this week's capacity multiplier of shocks on a service with
                            * one unit (a team per neighbourhood has shock_mult per unit) */
    int *active;           /* crisis pathway caseloads (by service) */
    int *starts;           /* crisis pathway episodes started this week */
    int *ends;             /* crisis pathway episodes ended this week */
    /* interventions (NULL and 0 when the scenario has none) */
    struct iv_world *ivw;
    unsigned event_mask;   /* events recorded this week */
    unsigned event_mask_all; /* events some script listens to */
    uint8_t *ev_kind;      /* this week's events, in the order they happened */
    uint32_t *ev_entity;
    int16_t *ev_extra;
    size_t n_ev, cap_ev;
    uint32_t *mod;         /* [n_persons]: head of the person's modifier chain */
    modifier *mod_pool;
    size_t mod_used, mod_cap;
    uint32_t mod_free;
    uint32_t *scratch;     /* [n_persons]: room to build selections */
    /* [n_persons / 64 + 1]: bit i % 64 of word i / 64 is set while person
     * i is an adult who is not WELL, so passes that only concern them
     * (coming forward to services, in most scenarios) skip the rest */
    uint64_t *unwell;
    /* [NEED_COUNT][words]: likewise, bit i of row n set while adult i has
     * need n (their household's debt or housing insecurity, their own
     * unemployment or loneliness); kept by world_needs_changed */
    uint64_t *need_bits;
    uint32_t words;        /* n_persons / 64 + 1: the length of a row of bits */
    double *base_spend;    /* this week's script costs to the scenario's agencies */
    double spend_total;    /* this week's script costs in all */
    int transitions_done;  /* this week's wellbeing transitions have run */
    replicate_record *rec; /* the record being written (NULL in burn-in) */
    int log_lines;
    int loading;           /* the scripts are loading (log lines say so) */
    /* this week's new crises (person ids) */
    uint32_t *new_crisis;
    uint64_t *order_key;
    size_t n_new, cap_new;
    struct split *split;   /* the passes' parts on threads (split.h), or NULL */
    int concurrent;        /* parts are running: marks change atomically */
} world;

/* model.c */
ps_status model_params_init(model_params *mp, const ps_config *cfg, const popdata *pop, ps_error *err);
void model_params_release(model_params *mp);
/* rec (may be NULL) is the replicate's record, whose log takes what the
 * scripts print as they load. */
ps_status world_init(world *w, const model_params *mp, uint64_t replicate, replicate_record *rec, ps_error *err);
void world_release(world *w);
/* Brings household h's members' bits in world.need_bits up to date, after
 * a change to the household's flags or to any member's. */
void world_needs_changed(world *w, uint32_t h);
/* Household h's adults' bits for need n (debt or housing insecurity),
 * after the household's need came or went. */
void world_toggle_household_need(world *w, uint32_t h, int n);
/* Bytes model_params' lists take at most, for the memory check. */
uint64_t model_params_bytes(int n_nbhd, uint64_t n_households, uint64_t n_persons);
/* Bytes one world (one running replicate) takes, for the memory check. */
uint64_t world_bytes(int n_nbhd, uint64_t n_households, uint64_t n_persons, int n_scripts);
/* Runs one week. When rec is not NULL and week >= 0 the week is recorded
 * at row week of rec. */
ps_status world_step(world *w, int week, replicate_record *rec, ps_error *err);

/* shocks.c: sets w->shock, w->cap_mult and the units' shock_mult for the week. */
void shocks_apply(world *w, int week);

/* transitions.c: the determinants of the households and persons of
 * neighbourhoods k0..k1-1, then (after services) their wellbeing
 * transitions, with this week's figures of each into w->nb_now. Those of
 * a neighbourhood touch only its own people and households, so ranges
 * may run on threads (split.c). The week's list of new crises is emptied
 * before the first range. */
int transitions_determinants(world *w, int week, int k0, int k1); /* non-zero: out of memory */
ps_status transitions_wellbeing(world *w, int week, int k0, int k1, ps_error *err);

/* services.c */
ps_status services_params(model_params *mp, ps_error *err);
void services_params_release(model_params *mp);
ps_status services_world_init(world *w, ps_error *err);
void services_world_release(world *w);
/* Adds a support service while the replicate runs: def is a compiled
 * service owned by the world. Its index goes to *index. */
ps_status services_add(world *w, cfg_service *def, int *index, ps_error *err);
/* Zeroes the services' counts of the week (referrals, starts, ...). */
void services_begin_week(world *w);
ps_status services_week(world *w, int week, ps_error *err);
/* Person i joins the waiting list of service s (target: where a gatekeeper
 * refers on, or -1). Counts a referral. */
ps_status services_join(world *w, uint32_t i, int s, int target, int week);
/* A referral by a script: person i joins the waiting list of support
 * service s if they are an adult, not waiting for or in an episode of any
 * support service, live where s serves (a per-neighbourhood service: on
 * their own neighbourhood's list) and are eligible. Returns 1 if they
 * joined, 0 if not, -1 when out of memory. */
int services_refer(world *w, uint32_t i, int s, int week);
/* The multipliers services put on person i's onset, recovery and crisis. */
void services_person_multipliers(world *w, uint32_t i, int week, double *onset, double *recovery,
                                 double *crisis);

/* crisis.c: the crisis pathway for this week's new crises. */
void crisis_pathway(world *w, int week);
int crisis_push(world *w, uint32_t person);

/* place.c: social capital after the week's transitions. */
void place_social_capital(world *w);

/* The referrals service s has had so far this week, as services.csv
 * counts them. */
int services_referrals(const world *w, int s);

/* Writes this week's service rows ([n_services][SV_COUNT]) and costs into
 * the record rows. */
void services_record(world *w, double *ts_row, double *xs_row, double *sv_rows);

/* Eight one-byte columns of eight people from p, as a word with person
 * p[0] in the low byte: one load, whatever the machine's byte order. */
static inline uint64_t world_bytes8(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

/* Word `word` of a row of bits by person (world.unwell, a row of
 * world.need_bits) with only the bits of persons a0..a1-1 (a0 < a1): a
 * loop over the words a0 / 64 .. (a1 - 1) / 64 visits those marked among
 * them in order. */
static inline uint64_t world_bits_in(const uint64_t *bits, uint32_t word, uint32_t a0, uint32_t a1)
{
    uint64_t m = bits[word];
    if (word == a0 / 64) m &= ~UINT64_C(0) << (a0 % 64);
    if (word == (a1 - 1) / 64 && a1 % 64) m &= ~(~UINT64_C(0) << (a1 % 64));
    return m;
}

/* Flips bits of a word of marks. While split.c's parts run, two threads
 * may change the word at their boundary, each its own people's bits: then
 * the change is atomic (one branch, which runs without parts never take;
 * marks change only for the few something happens to). */
static inline void world_bits_xor(const world *w, uint64_t *word, uint64_t bits)
{
    if (w->concurrent) __atomic_fetch_xor(word, bits, __ATOMIC_RELAXED);
    else *word ^= bits;
}

/* Adult i's bit for need n in world.need_bits, after the need came or
 * went (their own unemployment or loneliness). */
static inline void world_toggle_need(world *w, uint32_t i, int n)
{
    world_bits_xor(w, &w->need_bits[(size_t)n * w->words + i / 64], UINT64_C(1) << (i % 64));
}

/* Person i's bit in world.unwell, after a change of state. */
static inline void world_mark_state(world *w, uint32_t i, uint8_t state)
{
    const uint64_t bit = UINT64_C(1) << (i % 64);
    uint64_t *word = &w->unwell[i / 64];
    const uint64_t want = state != ST_WELL && state != ST_CHILD ? bit : 0;
    if (w->concurrent) {
        /* only this thread changes bit i: reading it is safe */
        if ((__atomic_load_n(word, __ATOMIC_RELAXED) & bit) != want) __atomic_fetch_xor(word, bit, __ATOMIC_RELAXED);
    } else {
        *word = (*word & ~bit) | want;
    }
}

#endif

/*
 * rng: PCG32 and keyed draws.
 *
 * PCG32 (O'Neill 2014, pcg-random.org: 64-bit LCG state, XSH RR output) is
 * used where a sequence of draws belongs to one thing: the attributes of one
 * synthetic household, or sim:rand() in one script.
 *
 * Keyed draws serve everything that happens to a person or household in a
 * week. A draw is a pure function of (seed, replicate, week, purpose, entity):
 * no draw depends on how many draws anyone else took, so two scenarios that
 * differ only in policy give the same person the same luck (common random
 * numbers), and results do not depend on thread count or processing order.
 *
 * A keyed draw is the SplitMix64 output for position entity + 1 of a stream
 * whose starting point is a hash of (seed, replicate, week, purpose). The
 * population is drawn with replicate RNG_REPLICATE_POPULATION, so it is the
 * same in every replicate and every scenario with the same place and seed.
 */
#ifndef PS_RNG_H
#define PS_RNG_H

#include <stdint.h>

typedef struct pcg32 {
    uint64_t state;
    uint64_t inc;
} pcg32;

/* pcg32_srandom_r: initstate and initseq as in the reference generator. */
void pcg32_seed(pcg32 *rng, uint64_t initstate, uint64_t initseq);
uint32_t pcg32_next(pcg32 *rng);
/* Uniform in [0, bound), without modulo bias (the reference's boundedrand). */
uint32_t pcg32_bounded(pcg32 *rng, uint32_t bound);
/* Uniform double in [0, 1) with 53 random bits (two outputs). */
double pcg32_double(pcg32 *rng);

/* Purposes: one per kind of decision, so draws for different decisions
 * about the same entity in the same week are independent. Append only:
 * renumbering changes every result. */
enum rng_purpose {
    RNG_POP_HOUSEHOLD = 1, /* synthesis of one household and its members */
    RNG_POP_NEIGHBOURHOOD,
    RNG_INIT_PERSON,       /* initial wellbeing state and determinants */
    RNG_INIT_HOUSEHOLD,
    RNG_WELLBEING,         /* state transition of an adult */
    RNG_JOB,               /* job loss or finding */
    RNG_LONELY,            /* loneliness onset or resolution */
    RNG_DEBT,              /* problem debt onset or resolution */
    RNG_HOUSING,           /* housing insecurity onset or resolution */
    RNG_CRISIS_ORDER,      /* order in which new crises meet capacity */
    RNG_ADMISSION,         /* A&E attendance admitted or not */
    RNG_SERVICE_END,       /* a support episode ends this week */
    RNG_SERVICE_COMPLETE,  /* an ending episode was completed */
    RNG_SERVICE_WAIT,      /* drop-out from a waiting list */
    RNG_SERVICE_HANDOFF,   /* lost at an onward referral */
    RNG_SERVICE_RECOVER,   /* a completer becomes WELL */
    RNG_SERVICE_RESOLVE,   /* a completed episode resolves a need */
    RNG_SERVICE_RESOLVE_MEMBER, /* an integrated episode resolves another household member's need */
    RNG_SCRIPT = 64,       /* scripts' sim:rand() streams */
    RNG_SERVICE_ACCESS = 0x40000000u, /* | hash of the service's name: coming forward to it */
    RNG_SCRIPT_PERSON = 0x20000000u,  /* | hash of the intervention's name: sim:rand_for(person) */
    RNG_SCRIPT_HOUSEHOLD = 0x10000000u /* | hash of the intervention's name: sim:rand_for(household) */
};

/* Replicate number used for everything about the population itself. */
#define RNG_REPLICATE_POPULATION UINT64_C(0xFFFFFFFFFFFFFFFF)

/* The SplitMix64 finaliser (Steele, Lea and Flood 2014). */
static inline uint64_t rng_mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

#define RNG_GOLDEN UINT64_C(0x9e3779b97f4a7c15)

/* The key of a (seed, replicate, week, purpose); computed once per loop. */
uint64_t rng_key(uint64_t seed, uint64_t replicate, int64_t week, uint32_t purpose);

/* 64 random bits for entity under key. */
static inline uint64_t rng_keyed(uint64_t key, uint64_t entity)
{
    return rng_mix64(key + (entity + 1) * RNG_GOLDEN);
}

/* The key of member n of a family of draws under key (the n-th sample
 * call of a week, a script's labelled draw): for any n, as independent of
 * key's own draws and of the other members' as keys of different purposes
 * are. */
static inline uint64_t rng_subkey(uint64_t key, uint64_t n)
{
    return rng_mix64(key ^ rng_mix64(n + UINT64_C(0x2545f4914f6cdd1d)));
}

/* A uniform double in [0, 1) from 64 random bits (top 53 used). */
static inline double rng_u01(uint64_t bits) { return (double)(bits >> 11) * 0x1.0p-53; }

/* Threshold for probability p: (bits >> 11) < rng_threshold(p) happens with
 * probability exactly p when p is a multiple of 2^-53, and is exactly
 * rng_u01(bits) < p. p <= 0 never happens, p >= 1 always does. */
uint64_t rng_threshold(double p);

static inline int rng_hit(uint64_t bits, uint64_t threshold) { return (bits >> 11) < threshold; }

/* A purpose for draws about a named thing (a service), from its name, so
 * that adding, removing or reordering other things changes nothing about
 * it: base | 24 bits of the name's hash. */
uint32_t rng_purpose_of_name(uint32_t base, const char *name);

/* A 64-bit hash of a name (FNV-1a), to key draws by it. */
uint64_t rng_hash_name(const char *name);

/* A PCG32 stream for a sequence of draws about one entity under key. */
void rng_stream(pcg32 *rng, uint64_t key, uint64_t entity);

#endif

/* rng: PCG32 and keyed draws. See rng.h. */
#include "rng.h"

#include <math.h>

#define PCG32_MULT UINT64_C(6364136223846793005)

uint32_t pcg32_next(pcg32 *rng)
{
    uint64_t old = rng->state;
    rng->state = old * PCG32_MULT + rng->inc;
    uint32_t xorshifted = (uint32_t)(((old >> 18u) ^ old) >> 27u);
    uint32_t rot = (uint32_t)(old >> 59u);
    return (xorshifted >> rot) | (xorshifted << ((-rot) & 31u));
}

void pcg32_seed(pcg32 *rng, uint64_t initstate, uint64_t initseq)
{
    rng->state = 0u;
    rng->inc = (initseq << 1u) | 1u;
    pcg32_next(rng);
    rng->state += initstate;
    pcg32_next(rng);
}

uint32_t pcg32_bounded(pcg32 *rng, uint32_t bound)
{
    if (bound == 0) return 0;
    uint32_t threshold = (uint32_t)(-bound) % bound;
    for (;;) {
        uint32_t r = pcg32_next(rng);
        if (r >= threshold) return r % bound;
    }
}

double pcg32_double(pcg32 *rng)
{
    uint64_t a = pcg32_next(rng) >> 5, b = pcg32_next(rng) >> 6;
    return (double)(a * 67108864u + b) * 0x1.0p-53;
}

uint64_t rng_key(uint64_t seed, uint64_t replicate, int64_t week, uint32_t purpose)
{
    uint64_t k = rng_mix64(seed + RNG_GOLDEN);
    k = rng_mix64(k ^ (replicate + UINT64_C(0x632be59bd9b4e019)));
    k = rng_mix64(k ^ ((uint64_t)week + UINT64_C(0x85157af5d1f0a9c3)));
    k = rng_mix64(k ^ ((uint64_t)purpose + UINT64_C(0xd6e8feb86659fd93)));
    return k;
}

uint64_t rng_threshold(double p)
{
    if (!(p > 0.0)) return 0; /* also NaN */
    if (p >= 1.0) return UINT64_C(1) << 53;
    return (uint64_t)ceil(p * 0x1.0p53);
}

void rng_stream(pcg32 *rng, uint64_t key, uint64_t entity)
{
    uint64_t a = rng_keyed(key, entity);
    pcg32_seed(rng, a, rng_mix64(a ^ key));
}

uint64_t rng_hash_name(const char *name)
{
    uint64_t h = UINT64_C(1469598103934665603);
    for (; *name; name++) h = (h ^ (unsigned char)*name) * UINT64_C(1099511628211);
    return h;
}

uint32_t rng_purpose_of_name(uint32_t base, const char *name)
{
    return base | (uint32_t)(rng_mix64(rng_hash_name(name)) & 0xFFFFFFu);
}

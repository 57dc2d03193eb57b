/* population: struct-of-arrays storage and synthesis. See population.h. */
#include "population.h"

#include <math.h>
#include <string.h>

#include "alloc.h"
#include "err.h"
#include "rng.h"

#define MAX_HH_SIZE 7

ps_status popdata_alloc(popdata *pop, int n_nbhd, uint32_t n_households, uint32_t n_persons)
{
    memset(pop, 0, sizeof *pop);
    pop->n_nbhd = n_nbhd;
    pop->n_households = n_households;
    pop->n_persons = n_persons;
    pop->nb_hh = ps_calloc((size_t)n_nbhd + 1, sizeof *pop->nb_hh);
    pop->hh_first = ps_calloc((size_t)n_households + 1, sizeof *pop->hh_first);
    pop->hh_nbhd = ps_calloc(n_households, sizeof *pop->hh_nbhd);
    pop->hh_tenure = ps_calloc(n_households, 1);
    pop->hh_flags = ps_calloc(n_households, 1);
    pop->p_hh = ps_calloc(n_persons, sizeof *pop->p_hh);
    pop->p_age = ps_calloc(n_persons, 1);
    pop->p_flags = ps_calloc(n_persons, 1);
    pop->p_state = ps_calloc(n_persons, 1);
    if (!pop->nb_hh || !pop->hh_first || !pop->hh_nbhd || !pop->hh_tenure || !pop->hh_flags ||
        !pop->p_hh || !pop->p_age || !pop->p_flags || !pop->p_state) {
        popdata_release(pop);
        return PS_ERR_NOMEM;
    }
    return PS_OK;
}

static uint64_t fnv(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}

uint64_t population_fingerprint(const popdata *pop)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    size_t H = pop->n_households, P = pop->n_persons;
    h = fnv(h, &pop->n_nbhd, sizeof pop->n_nbhd);
    h = fnv(h, pop->nb_hh, ((size_t)pop->n_nbhd + 1) * sizeof *pop->nb_hh);
    h = fnv(h, pop->hh_first, (H + 1) * sizeof *pop->hh_first);
    h = fnv(h, pop->hh_nbhd, H * sizeof *pop->hh_nbhd);
    h = fnv(h, pop->hh_tenure, H);
    h = fnv(h, pop->hh_flags, H);
    h = fnv(h, pop->p_hh, P * sizeof *pop->p_hh);
    h = fnv(h, pop->p_age, P);
    h = fnv(h, pop->p_flags, P);
    return fnv(h, pop->p_state, P);
}

void popdata_release(popdata *pop)
{
    if (!pop) return;
    ps_free(pop->nb_hh);
    ps_free(pop->hh_first);
    ps_free(pop->hh_nbhd);
    ps_free(pop->hh_tenure);
    ps_free(pop->hh_flags);
    ps_free(pop->p_hh);
    ps_free(pop->p_age);
    ps_free(pop->p_flags);
    ps_free(pop->p_state);
    memset(pop, 0, sizeof *pop);
}

uint64_t population_bytes(int n_nbhd, uint64_t n_households, uint64_t n_persons)
{
    return (uint64_t)(n_nbhd + 1) * 4 + (n_households + 1) * 4 + n_households * (2 + 1 + 1) +
           n_persons * (4 + 1 + 1 + 1);
}

uint32_t population_scaled_households(const ps_config *cfg, int k)
{
    return (uint32_t)llround(cfg->place.neighbourhoods[k].households * cfg->population.scale);
}

/* Position of decile d on the deprivation axis: +1 in decile 1, -1 in decile 10. */
static double deprivation_axis(int decile) { return (5.5 - decile) / 4.5; }

double population_renting_share(const cfg_population *p, int decile)
{
    double r = (p->tenure_private_rent + p->tenure_social_rent) *
               (1 + p->renting_gradient * deprivation_axis(decile));
    return r < 0 ? 0 : r > 1 ? 1 : r;
}

double population_no_qual_share(const cfg_population *p, int decile)
{
    double q = p->no_qualifications * (1 + p->no_qualifications_gradient * deprivation_axis(decile));
    return q < 0 ? 0 : q > 1 ? 1 : q;
}

double population_initial_prevalence(const cfg_population *p, int decile)
{
    double sum = 0;
    for (int d = 1; d <= 10; d++) sum += pow(p->initial_prevalence_ratio, (10 - d) / 9.0);
    double v = p->initial_prevalence * 10 / sum * pow(p->initial_prevalence_ratio, (10 - decile) / 9.0);
    return v > 0.9 ? 0.9 : v;
}

/* Cumulative shares of household sizes 1..7: one-person share as given, and
 * sizes 2..7 falling geometrically at the ratio that gives the mean size. */
static void size_distribution(const cfg_population *p, double cum[MAX_HH_SIZE])
{
    double target = (p->mean_household_size - p->one_person_share) / (1 - p->one_person_share);
    double lo = 1e-6, hi = 20, w[MAX_HH_SIZE + 1] = { 0 };
    for (int it = 0; it < 100; it++) {
        double r = 0.5 * (lo + hi), z = 0, m = 0;
        for (int k = 2; k <= MAX_HH_SIZE; k++) {
            w[k] = pow(r, k - 2);
            z += w[k];
            m += k * w[k];
        }
        if (m / z < target) lo = r;
        else hi = r;
    }
    double r = 0.5 * (lo + hi), z = 0;
    for (int k = 2; k <= MAX_HH_SIZE; k++) z += (w[k] = pow(r, k - 2));
    double c = p->one_person_share;
    cum[0] = c;
    for (int k = 2; k <= MAX_HH_SIZE; k++) {
        c += (1 - p->one_person_share) * w[k] / z;
        cum[k - 1] = c;
    }
    cum[MAX_HH_SIZE - 1] = 1.0;
}

static int draw_size(const double cum[MAX_HH_SIZE], double u)
{
    for (int k = 0; k < MAX_HH_SIZE; k++)
        if (u < cum[k]) return k + 1;
    return MAX_HH_SIZE;
}

static uint64_t fnv64(const char *s)
{
    uint64_t h = UINT64_C(1469598103934665603);
    for (; *s; s++) h = (h ^ (unsigned char)*s) * UINT64_C(1099511628211);
    return h;
}

static int uniform_age(pcg32 *g, int lo, int hi) { return lo + (int)pcg32_bounded(g, (uint32_t)(hi - lo + 1)); }

/* Ages of a household's members, children last. The mix of household types
 * is set so that about 19% of people are under 16 and 18% are 65 or over
 * (ONS Census 2021) at the default sizes; see docs/model.md. */
static void draw_ages(pcg32 *g, int size, double one_person_65plus, uint8_t *ages)
{
    double u = pcg32_double(g);
    if (size == 1) {
        if (u < one_person_65plus) ages[0] = (uint8_t)uniform_age(g, 65, 94);
        else if (pcg32_double(g) < 0.12) ages[0] = (uint8_t)uniform_age(g, 16, 24);
        else ages[0] = (uint8_t)uniform_age(g, 25, 64);
        return;
    }
    if (size == 2) {
        if (u < 0.08) { /* lone parent and child */
            ages[0] = (uint8_t)uniform_age(g, 20, 54);
            ages[1] = (uint8_t)uniform_age(g, 0, 15);
        } else if (u < 0.43) { /* older couple: 35% of two-person households */
            ages[0] = (uint8_t)uniform_age(g, 65, 90);
            ages[1] = (uint8_t)(ages[0] - 4 + (int)pcg32_bounded(g, 9));
        } else {
            ages[0] = (uint8_t)uniform_age(g, 18, 64);
            int a = ages[0] - 5 + (int)pcg32_bounded(g, 11);
            ages[1] = (uint8_t)(a < 16 ? 16 : a > 70 ? 70 : a);
        }
        return;
    }
    if (u < 0.10) { /* lone parent and children */
        ages[0] = (uint8_t)uniform_age(g, 20, 54);
        for (int i = 1; i < size; i++) ages[i] = (uint8_t)uniform_age(g, 0, 15);
    } else if (u < 0.55) { /* couple and children */
        ages[0] = (uint8_t)uniform_age(g, 22, 54);
        ages[1] = (uint8_t)uniform_age(g, 22, 54);
        for (int i = 2; i < size; i++) ages[i] = (uint8_t)uniform_age(g, 0, 15);
    } else { /* adults only: parents and grown-up children, or sharers */
        ages[0] = (uint8_t)uniform_age(g, 40, 70);
        ages[1] = (uint8_t)uniform_age(g, 40, 70);
        for (int i = 2; i < size; i++) ages[i] = (uint8_t)uniform_age(g, 16, 30);
    }
}

/* Loneliness of adults 25 and over that, with lonely_young at 16-24, gives
 * population.lonely over all adults (the share the model holds). The share
 * of adults aged 16-24 is taken from a fixed sample of households drawn as
 * below, so it follows draw_ages and depends on no seed. */
static double lonely_25plus(const cfg_population *p, const double cum[MAX_HH_SIZE])
{
    pcg32 g;
    pcg32_seed(&g, UINT64_C(0x853c49e6748fea9b), UINT64_C(0xda3e39cb94b95bdb));
    double adults = 0, young = 0;
    uint8_t ages[MAX_HH_SIZE];
    for (int j = 0; j < 1 << 16; j++) {
        int size = draw_size(cum, pcg32_double(&g));
        draw_ages(&g, size, p->one_person_65plus, ages);
        for (int m = 0; m < size; m++) {
            adults += ages[m] >= ADULT_AGE;
            young += ages[m] >= ADULT_AGE && ages[m] < 25;
        }
    }
    double y = young / adults, v = (p->lonely - p->lonely_young * y) / (1 - y);
    return v < 0 ? 0 : v > 1 ? 1 : v;
}

static uint8_t draw_tenure(const cfg_population *p, int decile, double u)
{
    double rent = population_renting_share(p, decile);
    double base_rent = p->tenure_private_rent + p->tenure_social_rent;
    double base_own = p->tenure_owned_outright + p->tenure_mortgage;
    double priv = base_rent > 0 ? rent * p->tenure_private_rent / base_rent : 0;
    double soc = rent - priv;
    double out = base_own > 0 ? (1 - rent) * p->tenure_owned_outright / base_own : 0;
    if (u < out) return TENURE_OUTRIGHT;
    if (u < 1 - rent) return TENURE_MORTGAGE;
    if (u < 1 - rent + priv) return TENURE_PRIVATE_RENT;
    (void)soc;
    return TENURE_SOCIAL_RENT;
}

void population_derive_flags(const ps_config *cfg, popdata *pop)
{
    int retire = cfg->population.retirement_age;
    for (uint32_t h = 0; h < pop->n_households; h++) {
        uint32_t a = pop->hh_first[h], b = pop->hh_first[h + 1];
        int labour = 0, working = 0;
        for (uint32_t i = a; i < b; i++) {
            uint8_t f = pop->p_flags[i];
            if (b - a == 1) f |= PF_ALONE;
            else f &= (uint8_t)~PF_ALONE;
            pop->p_flags[i] = f;
            int age = pop->p_age[i];
            if (age >= ADULT_AGE && age < retire && !(f & PF_INACTIVE)) labour = 1;
            if (f & PF_EMPLOYED) working = 1;
        }
        uint8_t hf = pop->hh_flags[h] & (uint8_t)~(HF_LOW_INCOME | HF_LABOUR_FORCE | HF_RENTER);
        if (labour) hf |= HF_LABOUR_FORCE;
        if ((hf & HF_LOW_INCOME_BASE) || (labour && !working)) hf |= HF_LOW_INCOME;
        if (pop->hh_tenure[h] == TENURE_PRIVATE_RENT || pop->hh_tenure[h] == TENURE_SOCIAL_RENT)
            hf |= HF_RENTER;
        pop->hh_flags[h] = hf;
    }
}

ps_status population_synthesise(const ps_config *cfg, popdata *pop, ps_error *err)
{
    const cfg_population *p = &cfg->population;
    int nn = cfg->place.n_neighbourhoods;
    double cum[MAX_HH_SIZE];
    size_distribution(p, cum);
    double lonely_older = lonely_25plus(p, cum);
    uint64_t size_key = rng_key(cfg->seed, RNG_REPLICATE_POPULATION, 0, RNG_POP_NEIGHBOURHOOD);
    uint64_t hh_key = rng_key(cfg->seed, RNG_REPLICATE_POPULATION, 0, RNG_POP_HOUSEHOLD);

    /* Pass 1: sizes, to allocate exactly. */
    uint64_t n_hh = 0, n_p = 0;
    for (int k = 0; k < nn; k++) {
        uint64_t nk = rng_mix64(size_key ^ fnv64(cfg->place.neighbourhoods[k].name));
        uint32_t H = population_scaled_households(cfg, k);
        for (uint32_t j = 0; j < H; j++) n_p += (uint64_t)draw_size(cum, rng_u01(rng_keyed(nk, j)));
        n_hh += H;
    }
    if (n_hh > UINT32_MAX - 1 || n_p > UINT32_MAX - 1)
        return err_set(err, PS_ERR_LIMIT, "population: %llu people is more than one run can hold",
                       (unsigned long long)n_p);
    if (popdata_alloc(pop, nn, (uint32_t)n_hh, (uint32_t)n_p))
        return err_set(err, PS_ERR_NOMEM, "population: out of memory for %llu people",
                       (unsigned long long)n_p);

    /* Pass 2: households and members. */
    uint32_t h = 0, i = 0;
    int retire = p->retirement_age;
    for (int k = 0; k < nn; k++) {
        const cfg_neighbourhood *nb = &cfg->place.neighbourhoods[k];
        uint64_t name_hash = fnv64(nb->name);
        uint64_t nk = rng_mix64(size_key ^ name_hash);
        uint64_t gk = rng_mix64(hh_key ^ name_hash);
        uint32_t H = population_scaled_households(cfg, k);
        double noq = population_no_qual_share(p, nb->decile);
        double prev = population_initial_prevalence(p, nb->decile);
        pop->nb_hh[k] = h;
        for (uint32_t j = 0; j < H; j++, h++) {
            int size = draw_size(cum, rng_u01(rng_keyed(nk, j)));
            pcg32 g;
            rng_stream(&g, gk, j);
            uint8_t ages[MAX_HH_SIZE];
            draw_ages(&g, size, p->one_person_65plus, ages);
            uint8_t tenure = draw_tenure(p, nb->decile, pcg32_double(&g));
            uint8_t hf = 0;
            if (pcg32_double(&g) < nb->low_income) hf |= HF_LOW_INCOME_BASE;
            if (pcg32_double(&g) < nb->debt) hf |= HF_DEBT;
            int renter = tenure == TENURE_PRIVATE_RENT || tenure == TENURE_SOCIAL_RENT;
            if (pcg32_double(&g) < nb->housing_insecurity && renter) hf |= HF_HOUSING_INSECURE;
            pop->hh_first[h] = i;
            pop->hh_nbhd[h] = (uint16_t)k;
            pop->hh_tenure[h] = tenure;
            pop->hh_flags[h] = hf;
            for (int m = 0; m < size; m++, i++) {
                int age = ages[m];
                uint8_t f = 0, st = ST_CHILD;
                if (pcg32_double(&g) < 0.5) f |= PF_FEMALE;
                double u_qual = pcg32_double(&g), u_disc = pcg32_double(&g), u_lone = pcg32_double(&g);
                double u_act = pcg32_double(&g), u_emp = pcg32_double(&g), u_st = pcg32_double(&g);
                if (age >= ADULT_AGE) {
                    if (u_qual < noq) f |= PF_LOW_QUAL;
                    if (u_disc < nb->discrimination) f |= PF_DISCRIMINATED;
                    if (u_lone < (age < 25 ? p->lonely_young : lonely_older)) f |= PF_LONELY;
                    if (age < retire) {
                        if (u_act < p->inactive_share) f |= PF_INACTIVE;
                        else if (u_emp < nb->unemployment) f |= PF_UNEMPLOYED;
                        else f |= PF_EMPLOYED;
                    }
                    st = ST_WELL;
                    if (u_st < prev) st = u_st < prev * 0.85 ? ST_STRUGGLING : ST_RECOVERING;
                }
                pop->p_hh[i] = h;
                pop->p_age[i] = (uint8_t)age;
                pop->p_flags[i] = f;
                pop->p_state[i] = st;
            }
        }
    }
    pop->nb_hh[nn] = h;
    pop->hh_first[h] = i;
    population_derive_flags(cfg, pop);
    return PS_OK;
}

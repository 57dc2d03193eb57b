/* ensemble: spreading replicates over MPI processes. See ensemble.h. */
#include <stdint.h>
#include <string.h>

#include "alloc.h"
#include "ensemble.h"
#include "err.h"
#include "sbuf.h"

#ifdef PS_MPI
#include <mpi.h>
#endif

void ensemble_get(ensemble *e)
{
    e->rank = 0;
    e->size = 1;
#ifdef PS_MPI
    int on = 0, off = 0;
    MPI_Initialized(&on);
    if (on) MPI_Finalized(&off);
    if (on && !off) {
        MPI_Comm_rank(MPI_COMM_WORLD, &e->rank);
        MPI_Comm_size(MPI_COMM_WORLD, &e->size);
    }
#endif
}

int ensemble_owns(const ensemble *e, long long job)
{
    return e->size <= 1 || job % e->size == e->rank;
}

int ps_process_rank(void)
{
    ensemble e;
    ensemble_get(&e);
    return e.rank;
}

int ps_process_count(void)
{
    ensemble e;
    ensemble_get(&e);
    return e.size;
}

int ensemble_agree(const ensemble *e, int status)
{
#ifdef PS_MPI
    if (e->size > 1) {
        int all = status;
        MPI_Allreduce(&status, &all, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
        return all;
    }
#else
    (void)e;
#endif
    return status;
}

int ps_processes_agree(int status)
{
    ensemble e;
    ensemble_get(&e);
    return ensemble_agree(&e, status);
}

/* One process's own verdict on a run: its lowest failed replicate's error. */
static ps_status local_verdict(int failed_rep, int replicates, const ps_error *local, ps_error *err)
{
    if (failed_rep >= replicates) return PS_OK;
    if (err) *err = *local;
    return local->status ? local->status : PS_ERR_NOMEM;
}

#ifdef PS_MPI

/* ------------------------------------------------------------ records as bytes */

/* The sizes of a record's fixed arrays, in doubles. */
static void fixed_sizes(const metrics_layout *l, size_t n[4])
{
    size_t w = (size_t)l->weeks;
    n[0] = w * (size_t)l->n_ts;
    n[1] = w * XS_COUNT;
    n[2] = w * (size_t)l->n_nbhd * NB_COUNT;
    n[3] = w * (size_t)(l->n_services ? l->n_services : 1) * SV_COUNT;
}

static void put(sbuf *b, const void *p, size_t n) { sb_append(b, (const char *)p, n); }

static void put_u64(sbuf *b, uint64_t v) { put(b, &v, sizeof v); }

static void put_str(sbuf *b, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    put_u64(b, n);
    put(b, s, n);
}

/* Doubles travel as their bytes: the processes of one job share an
 * architecture, and a copy of the bytes is the only way to be sure a
 * shared record is the same to the last bit. */
static void pack(sbuf *b, const metrics_layout *l, const replicate_record *r)
{
    size_t n[4];
    fixed_sizes(l, n);
    put(b, r->ts, n[0] * sizeof(double));
    put(b, r->xs, n[1] * sizeof(double));
    put(b, r->nb, n[2] * sizeof(double));
    put(b, r->sv, n[3] * sizeof(double));
    put_u64(b, (uint64_t)r->n_dyn);
    for (int i = 0; i < r->n_dyn; i++) {
        put_u64(b, (uint64_t)r->dyn[i].kind);
        put_str(b, r->dyn[i].name);
        put(b, r->dyn[i].v, ((size_t)r->weeks + 1) * sizeof(double));
    }
    put_u64(b, r->log.len);
    put(b, r->log.s, r->log.len);
    for (int i = 0; i < r->max_added; i++) {
        put_u64(b, r->added[i] != NULL);
        if (!r->added[i]) continue;
        put_str(b, r->added[i]);
        put_u64(b, (uint64_t)(int64_t)r->added_week[i]);
    }
}

typedef struct reader {
    const char *p, *end;
    int bad;
} reader;

static const char *take(reader *rd, size_t n)
{
    if (rd->bad || (size_t)(rd->end - rd->p) < n) {
        rd->bad = 1;
        return NULL;
    }
    const char *at = rd->p;
    rd->p += n;
    return at;
}

static uint64_t take_u64(reader *rd)
{
    uint64_t v = 0;
    const char *at = take(rd, sizeof v);
    if (at) memcpy(&v, at, sizeof v);
    return v;
}

static void take_into(reader *rd, void *dst, size_t n)
{
    const char *at = take(rd, n);
    if (at && n) memcpy(dst, at, n);
}

/* Fills r (allocated by record_alloc, empty) from the bytes pack wrote;
 * non-zero if they do not read back or memory runs out. */
static int unpack(reader *rd, const metrics_layout *l, replicate_record *r)
{
    size_t n[4];
    fixed_sizes(l, n);
    take_into(rd, r->ts, n[0] * sizeof(double));
    take_into(rd, r->xs, n[1] * sizeof(double));
    take_into(rd, r->nb, n[2] * sizeof(double));
    take_into(rd, r->sv, n[3] * sizeof(double));
    uint64_t ndyn = take_u64(rd);
    for (uint64_t i = 0; i < ndyn && !rd->bad; i++) {
        int kind = (int)take_u64(rd);
        uint64_t len = take_u64(rd);
        const char *name = take(rd, len);
        char buf[512];
        if (!name || len >= sizeof buf) return 1;
        memcpy(buf, name, len);
        buf[len] = '\0';
        dyncol *c = record_dyncol(r, buf, kind);
        if (!c) return 1;
        take_into(rd, c->v, ((size_t)r->weeks + 1) * sizeof(double));
    }
    uint64_t loglen = take_u64(rd);
    const char *log = take(rd, loglen);
    if (log && loglen) sb_append(&r->log, log, loglen);
    for (int i = 0; i < r->max_added && !rd->bad; i++) {
        if (!take_u64(rd)) continue;
        uint64_t len = take_u64(rd);
        const char *name = take(rd, len);
        if (!name) return 1;
        r->added[i] = ps_malloc(len + 1);
        if (!r->added[i]) return 1;
        memcpy(r->added[i], name, len);
        r->added[i][len] = '\0';
        r->added_week[i] = (int)(int64_t)take_u64(rd);
    }
    return rd->bad || r->log.failed;
}

/* MPI counts are ints: big buffers go in pieces of at most 1 GiB. */
static void bcast_bytes(char *p, uint64_t n, int root)
{
    const uint64_t piece = (uint64_t)1 << 30;
    for (uint64_t off = 0; off < n; off += piece) {
        uint64_t k = n - off < piece ? n - off : piece;
        MPI_Bcast(p + off, (int)k, MPI_BYTE, root, MPI_COMM_WORLD);
    }
}

typedef struct verdict {
    int failed_rep;
    ps_error err;
} verdict;

ps_status ensemble_share(const ensemble *e, const metrics_layout *l, replicate_record *recs, int replicates,
                         long long first_job, int failed_rep, const ps_error *local, ps_error *err)
{
    if (e->size <= 1) return local_verdict(failed_rep, replicates, local, err);
    /* 1. agree on failure: the lowest failed replicate anywhere */
    verdict mine, *all = ps_calloc((size_t)e->size, sizeof *all);
    memset(&mine, 0, sizeof mine);
    mine.failed_rep = failed_rep;
    if (failed_rep < replicates) mine.err = *local;
    if (!all) {
        /* cannot even agree: stop the whole job rather than hang it */
        MPI_Abort(MPI_COMM_WORLD, 1);
        return err_set(err, PS_ERR_NOMEM, "out of memory");
    }
    MPI_Allgather(&mine, (int)sizeof mine, MPI_BYTE, all, (int)sizeof mine, MPI_BYTE, MPI_COMM_WORLD);
    int worst = 0;
    for (int q = 1; q < e->size; q++)
        if (all[q].failed_rep < all[worst].failed_rep) worst = q;
    if (all[worst].failed_rep < replicates) {
        ps_status st = all[worst].err.status ? all[worst].err.status : PS_ERR_NOMEM;
        if (err) *err = all[worst].err;
        ps_free(all);
        return st;
    }
    ps_free(all);
    /* 2. each process in turn sends the records it ran to all the others */
    int ok = 1;
    for (int q = 0; q < e->size; q++) {
        sbuf b = { 0 };
        uint64_t n = 0;
        if (q == e->rank) {
            for (int r = 0; r < replicates; r++)
                if ((first_job + r) % e->size == q) pack(&b, l, &recs[r]);
            n = b.failed ? UINT64_MAX : b.len;
        }
        MPI_Bcast(&n, 1, MPI_UINT64_T, q, MPI_COMM_WORLD);
        if (n == UINT64_MAX) {
            ok = 0; /* the sender ran out of memory; everyone knows */
            sb_free(&b);
            continue;
        }
        if (q != e->rank) {
            b.s = ps_malloc(n ? n : 1);
            if (!b.s) MPI_Abort(MPI_COMM_WORLD, 1); /* could not take part: stop the job */
        }
        bcast_bytes(b.s, n, q);
        if (q != e->rank) {
            reader rd = { b.s, b.s + n, 0 };
            for (int r = 0; r < replicates && ok; r++)
                if ((first_job + r) % e->size == q && unpack(&rd, l, &recs[r])) ok = 0;
        }
        sb_free(&b);
    }
    ok = ensemble_agree(e, !ok) == 0;
    if (!ok) return err_set(err, PS_ERR_NOMEM, "out of memory sharing the replicates between processes");
    return PS_OK;
}

#else /* !PS_MPI */

ps_status ensemble_share(const ensemble *e, const metrics_layout *l, replicate_record *recs, int replicates,
                         long long first_job, int failed_rep, const ps_error *local, ps_error *err)
{
    (void)e;
    (void)l;
    (void)recs;
    (void)first_job;
    return local_verdict(failed_rep, replicates, local, err);
}

#endif

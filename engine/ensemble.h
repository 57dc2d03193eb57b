/*
 * ensemble: spreading replicates over the processes of an MPI job.
 *
 * Built with PS_MPI (make MPI=1) and run under mpirun, the jobs of a batch
 * of runs (scenario i, replicate r, numbered in that order) are dealt to
 * the processes of MPI_COMM_WORLD in turn; each process simulates its own
 * and then every process receives every record, so every process holds the
 * same results as a single process would and goes on identically. Only
 * process 0 writes files. A replicate's record depends only on the
 * scenario and the replicate's keyed draws, never on where it ran, so the
 * outputs are byte-identical to a single process.
 *
 * Built without PS_MPI, or with MPI not initialised, there is one process
 * and these functions do nothing.
 */
#ifndef PS_ENSEMBLE_H
#define PS_ENSEMBLE_H

#include "metrics.h"
#include "placesim.h"

typedef struct ensemble {
    int rank, size;
} ensemble;

/* This process's rank and the number of processes (0 and 1 without MPI). */
void ensemble_get(ensemble *e);

/* 1 if job (a running count of replicates over a batch) is this process's. */
int ensemble_owns(const ensemble *e, long long job);

/*
 * After every process has run its own jobs of one run: agrees on failure
 * and then shares the records. failed_rep is this process's lowest failed
 * replicate (or replicates if none failed), with its error in *local.
 * Every process returns the same status: the error of the lowest failed
 * replicate anywhere, copied into *err. On success every recs[r] holds
 * replicate r's record; owner(r) says which process ran it.
 */
ps_status ensemble_share(const ensemble *e, const metrics_layout *l, replicate_record *recs, int replicates,
                         long long first_job, int failed_rep, const ps_error *local, ps_error *err);

/* The largest status of all processes: a check one process failed (an
 * output folder, a file only it reads) stops them all. */
int ensemble_agree(const ensemble *e, int status);

#endif

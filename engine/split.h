/*
 * split: one replicate's determinants and wellbeing passes spread over
 * threads, with results byte-identical to one thread.
 *
 * A run with fewer replicates than threads (one big place, one replicate)
 * would leave threads idle. Within those two passes a neighbourhood's
 * draws and changes concern only its own people and households, so the
 * neighbourhoods are cut into contiguous parts of about equal adults and
 * each part runs on its own thread. The calling thread runs the first
 * part on the world itself; each other part sees the world through a view
 * (a copy of the world's header sharing its columns) with its own event
 * list, list of new crises, crisis-pathway counts, free modifiers and
 * threshold tables. After the pass these are added to the world's in part
 * order, which is neighbourhood order: the order one thread makes them
 * in. The marks (world.unwell, world.need_bits) are words of 64 people,
 * which two parts can share at their boundary, so while parts run they
 * are changed with atomic operations (world.concurrent).
 */
#ifndef PS_SPLIT_H
#define PS_SPLIT_H

#include "placesim.h"

struct world;

/* Cuts w's neighbourhoods into up to `threads` parts for the two passes
 * (none when threads < 2 or there is one neighbourhood: the passes then
 * run on the calling thread). The parts are w's; world_release frees
 * them. */
ps_status split_init(struct world *w, int threads, ps_error *err);
void split_release(struct world *w);

/* The week's determinants and wellbeing passes over every neighbourhood,
 * on w's parts' threads. */
ps_status split_determinants(struct world *w, int week, ps_error *err);
ps_status split_wellbeing(struct world *w, int week, ps_error *err);

#endif

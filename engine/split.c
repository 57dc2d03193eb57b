/*
 * split: one replicate's determinants and wellbeing passes spread over
 * threads (see split.h for why the results stay byte-identical).
 */
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "alloc.h"
#include "err.h"
#include "interventions.h"
#include "split.h"
#include "world.h"

enum { SPLIT_DETERMINANTS, SPLIT_WELLBEING };

/* A part after the first: its neighbourhoods and its view of the world.
 * The view's lists of events and new crises and its crisis-pathway counts
 * (what the part's crises add) are the part's own, kept from pass to
 * pass; the rest of the view is the world's, copied for each pass. */
typedef struct split_part {
    struct split *owner;
    world view;
    int pass, week, k0, k1;
    double took;
    ps_status st;
    ps_error err;
} split_part;

struct split {
    int n;                 /* parts, the world's own first */
    /* by pass: part j runs neighbourhoods bound[j] .. bound[j + 1] - 1 */
    int *bound[2];
    double *took;          /* [n]: seconds each part took in the last pass */
    split_part *part;      /* [n]: part[0] is unused */
    /* The parts' threads live as long as the split and wait between
     * passes: starting a thread for each pass cost some 0.1 ms, as much as
     * a small place's whole pass. A pass is handed out by bumping gen. */
    pthread_t *tid;        /* [n] */
    int *started;          /* [n]: whether part j's thread is running */
    pthread_mutex_t lock;
    pthread_cond_t go, done;
    unsigned gen;          /* passes handed out */
    int pending;           /* parts of this pass not yet done */
    int quit;
    int synced;            /* lock and conditions made */
};

static void part_free(split_part *p)
{
    world *v = &p->view;
    ps_free(v->ev_kind);
    ps_free(v->ev_entity);
    ps_free(v->ev_extra);
    ps_free(v->new_crisis);
    ps_free(v->order_key);
    ps_free(v->active);
    ps_free(v->ends);
}

void split_release(world *w)
{
    struct split *s = w->split;
    if (!s) return;
    if (s->synced) {
        pthread_mutex_lock(&s->lock);
        s->quit = 1;
        pthread_cond_broadcast(&s->go);
        pthread_mutex_unlock(&s->lock);
        for (int j = 1; j < s->n; j++)
            if (s->started[j]) pthread_join(s->tid[j], NULL);
        pthread_mutex_destroy(&s->lock);
        pthread_cond_destroy(&s->go);
        pthread_cond_destroy(&s->done);
    }
    for (int j = 1; j < s->n; j++) part_free(&s->part[j]);
    ps_free(s->part);
    ps_free(s->tid);
    ps_free(s->started);
    ps_free(s->bound[0]);
    ps_free(s->bound[1]);
    ps_free(s->took);
    ps_free(s);
    w->split = NULL;
}

static double seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* A pass over neighbourhoods k0..k1-1 of w (the world or a view); the
 * seconds it took into *took. */
static ps_status pass_run(world *w, int pass, int week, int k0, int k1, double *took, ps_error *err)
{
    const double t0 = seconds();
    ps_status st = pass == SPLIT_DETERMINANTS ? (transitions_determinants(w, week, k0, k1)
                                                     ? err_set(err, PS_ERR_NOMEM, "out of memory")
                                                     : PS_OK)
                                              : transitions_wellbeing(w, week, k0, k1, err);
    *took = seconds() - t0;
    return st;
}

static void part_run(split_part *p)
{
    err_clear(&p->err);
    p->st = pass_run(&p->view, p->pass, p->week, p->k0, p->k1, &p->took, &p->err);
}

/* A part's thread: runs its part of each pass handed out, until the
 * split is released. */
static void *part_thread(void *arg)
{
    split_part *p = arg;
    struct split *s = p->owner;
    unsigned seen = 0;
    pthread_mutex_lock(&s->lock);
    for (;;) {
        while (s->gen == seen && !s->quit) pthread_cond_wait(&s->go, &s->lock);
        if (s->quit) break;
        seen = s->gen;
        pthread_mutex_unlock(&s->lock);
        part_run(p);
        pthread_mutex_lock(&s->lock);
        if (--s->pending == 0) pthread_cond_signal(&s->done);
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

ps_status split_init(world *w, int threads, ps_error *err)
{
    const model_params *mp = w->mp;
    const int nn = mp->pop->n_nbhd;
    int n = threads < nn ? threads : nn;
    if (n < 2) return PS_OK;
    struct split *s = ps_calloc(1, sizeof *s);
    if (!s) return err_set(err, PS_ERR_NOMEM, "out of memory");
    s->part = ps_calloc((size_t)n, sizeof *s->part);
    w->split = s;
    if (!s->part) {
        split_release(w);
        return err_set(err, PS_ERR_NOMEM, "out of memory");
    }
    s->n = n;
    s->tid = ps_calloc((size_t)n, sizeof *s->tid);
    s->started = ps_calloc((size_t)n, sizeof *s->started);
    s->took = ps_calloc((size_t)n, sizeof *s->took);
    s->bound[0] = ps_calloc((size_t)n + 1, sizeof *s->bound[0]);
    s->bound[1] = ps_calloc((size_t)n + 1, sizeof *s->bound[1]);
    if (!s->tid || !s->started || !s->took || !s->bound[0] || !s->bound[1]) {
        split_release(w);
        return err_set(err, PS_ERR_NOMEM, "out of memory");
    }
    /* To start with, part j begins at the first neighbourhood with at
     * least j / n of the adults before it (adults are what the passes
     * spend their time on), every part keeping at least one
     * neighbourhood; split_balance moves the bounds as the run goes. */
    const uint64_t adults = mp->nb_adult[nn];
    for (int j = 1; j < n; j++) {
        const uint64_t want = adults * (uint64_t)j / (uint64_t)n;
        int start = s->bound[0][j - 1] + 1;
        while (start < nn - (n - j) && mp->nb_adult[start] < want) start++;
        s->bound[0][j] = s->bound[1][j] = start;
    }
    s->bound[0][n] = s->bound[1][n] = nn;
    const size_t ns = (size_t)w->svt.max + 1;
    for (int j = 1; j < n; j++) {
        split_part *p = &s->part[j];
        world *v = &p->view;
        v->cap_new = 64;
        v->new_crisis = ps_malloc(v->cap_new * sizeof *v->new_crisis);
        v->order_key = ps_malloc(v->cap_new * sizeof *v->order_key);
        v->active = ps_calloc(ns, sizeof *v->active);
        v->ends = ps_calloc(ns, sizeof *v->ends);
        if (!v->new_crisis || !v->order_key || !v->active || !v->ends) {
            split_release(w);
            return err_set(err, PS_ERR_NOMEM, "out of memory");
        }
        p->owner = s;
    }
    if (pthread_mutex_init(&s->lock, NULL) == 0) {
        if (pthread_cond_init(&s->go, NULL) == 0) {
            if (pthread_cond_init(&s->done, NULL) == 0) s->synced = 1;
            else pthread_cond_destroy(&s->go);
        }
        if (!s->synced) pthread_mutex_destroy(&s->lock);
    }
    /* a part whose thread cannot start runs on the calling thread */
    for (int j = 1; s->synced && j < n; j++)
        s->started[j] = pthread_create(&s->tid[j], NULL, part_thread, &s->part[j]) == 0;
    return PS_OK;
}

/* Where the parts are cut does not change what they compute, only how
 * long each takes: neighbourhoods differ in how many people something
 * happens to, and threads in how fast they run. So after each pass a
 * bound between two parts moves one neighbourhood towards the part that
 * finished first, when the other took more than a twentieth longer. */
static void split_balance(struct split *s, int pass)
{
    int *b = s->bound[pass];
    for (int j = 1; j < s->n; j++) {
        if (s->took[j - 1] > 1.05 * s->took[j] && b[j] - 1 > b[j - 1]) b[j]--;
        else if (s->took[j] > 1.05 * s->took[j - 1] && b[j] + 1 < b[j + 1]) b[j]++;
    }
}

/* The view part p's thread sees: the world's header, with the part's own
 * lists (emptied) and counts in place of the world's. */
static void view_make(const world *w, split_part *p)
{
    world *v = &p->view;
    const world own = *v;
    *v = *w;
    v->split = NULL;
    v->ev_kind = own.ev_kind;
    v->ev_entity = own.ev_entity;
    v->ev_extra = own.ev_extra;
    v->cap_ev = own.cap_ev;
    v->n_ev = 0;
    v->new_crisis = own.new_crisis;
    v->order_key = own.order_key;
    v->cap_new = own.cap_new;
    v->n_new = 0;
    v->active = own.active;
    v->ends = own.ends;
    v->mod_free = 0;
}

/* Adds what part p's view made to the world, as if the world had made
 * it: events and new crises after the world's, counts to its counts,
 * modifiers the part freed to its free list. */
static ps_status view_merge(world *w, split_part *p)
{
    world *v = &p->view;
    ps_status st = PS_OK;
    for (size_t e = 0; !st && e < v->n_ev; e++)
        if (events_push(w, v->ev_kind[e], v->ev_entity[e], v->ev_extra[e])) st = PS_ERR_NOMEM;
    for (size_t c = 0; !st && c < v->n_new; c++)
        if (crisis_push(w, v->new_crisis[c])) st = PS_ERR_NOMEM;
    for (int s = 0; s <= w->svt.max; s++) {
        w->active[s] += v->active[s];
        w->ends[s] += v->ends[s];
        v->active[s] = v->ends[s] = 0;
    }
    if (v->mod_free) {
        uint32_t tail = v->mod_free;
        while (w->mod_pool[tail].next) tail = w->mod_pool[tail].next;
        w->mod_pool[tail].next = w->mod_free;
        w->mod_free = v->mod_free;
    }
    return st;
}

/* Runs a pass: parts after the first on their threads, the first here;
 * a part without a thread runs here after it. */
static ps_status run_parts(world *w, int pass, int week, ps_error *err)
{
    struct split *s = w->split;
    w->concurrent = 1;
    const int *b = s->bound[pass];
    int threaded = 0;
    for (int j = 1; j < s->n; j++) {
        split_part *p = &s->part[j];
        view_make(w, p);
        p->pass = pass;
        p->week = week;
        p->k0 = b[j];
        p->k1 = b[j + 1];
        threaded += s->started[j];
    }
    if (threaded) {
        pthread_mutex_lock(&s->lock);
        s->pending = threaded;
        s->gen++;
        pthread_cond_broadcast(&s->go);
        pthread_mutex_unlock(&s->lock);
    }
    ps_status st = pass_run(w, pass, week, 0, b[1], &s->took[0], err);
    for (int j = 1; j < s->n; j++)
        if (!s->started[j]) part_run(&s->part[j]);
    if (threaded) {
        pthread_mutex_lock(&s->lock);
        while (s->pending) pthread_cond_wait(&s->done, &s->lock);
        pthread_mutex_unlock(&s->lock);
    }
    for (int j = 1; j < s->n; j++) s->took[j] = s->part[j].took;
    w->concurrent = 0;
    split_balance(s, pass);
    /* every part is merged, even after a failure, so no part's lists are
     * lost; the first failure in neighbourhood order is the answer */
    for (int j = 1; j < s->n; j++) {
        split_part *p = &s->part[j];
        ps_status m = view_merge(w, p);
        if (!st && p->st) {
            st = p->st;
            if (err) *err = p->err;
        }
        if (!st && m) st = err_set(err, PS_ERR_NOMEM, "out of memory");
    }
    return st;
}

/* A pass over every neighbourhood: on the parts, or here when there are none. */
static ps_status split_pass(world *w, int pass, int week, ps_error *err)
{
    double took;
    if (w->split) return run_parts(w, pass, week, err);
    return pass_run(w, pass, week, 0, w->mp->pop->n_nbhd, &took, err);
}

ps_status split_determinants(world *w, int week, ps_error *err) { return split_pass(w, SPLIT_DETERMINANTS, week, err); }

ps_status split_wellbeing(world *w, int week, ps_error *err) { return split_pass(w, SPLIT_WELLBEING, week, err); }

/*
 * output: the output folder of a run, written all or nothing.
 *
 * Files are written into a fresh temporary folder beside the target, which
 * is renamed into place only when everything is written; a failure removes
 * it. An existing target is kept unless force is given, in which case it is
 * moved aside, replaced, and then removed; but force replaces only a folder
 * placesim wrote (see output_replaceable), so it never loses a user's files.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>

#include <cJSON.h>

#include "alloc.h"
#include "interventions.h"
#include "json.h"
#include "err.h"
#include "output.h"
#include "report.h"
#include "results.h"
#include "sbuf.h"
#include "scenario.h"

/* ------------------------------------------------------------ folders */

ps_status output_mkdirs(const char *path, ps_error *err)
{
    char buf[4096];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof buf) return err_set(err, PS_ERR_IO, "%s: bad folder name", path);
    memcpy(buf, path, n + 1);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST)
            return err_set(err, PS_ERR_IO, "%s: cannot create folder: %s", buf, strerror(errno));
        *p = '/';
    }
    if (mkdir(buf, 0777) != 0 && errno != EEXIST)
        return err_set(err, PS_ERR_IO, "%s: cannot create folder: %s", buf, strerror(errno));
    return PS_OK;
}

/* Removes a folder and everything in it (the folders placesim writes hold
 * files and folders of files only). */
int output_remove_tree(const char *path)
{
    DIR *d = opendir(path);
    if (!d) return remove(path);
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        size_t n = strlen(path) + strlen(e->d_name) + 2;
        char *child = ps_malloc(n);
        if (!child) {
            rc = -1;
            break;
        }
        snprintf(child, n, "%s/%s", path, e->d_name);
        struct stat sb;
        if (lstat(child, &sb) == 0 && S_ISDIR(sb.st_mode)) rc |= output_remove_tree(child);
        else rc |= remove(child);
        ps_free(child);
    }
    closedir(d);
    return rc | rmdir(path);
}

static int exists(const char *path)
{
    struct stat sb;
    return lstat(path, &sb) == 0;
}

/* The files placesim writes in a run folder (output_run_files) and, beside
 * them at the top of an output folder, a comparison's (compare_write.c) and
 * a sweep's (sweep.c). Keep these lists in step with those writers: --force
 * refuses any folder holding another name. */
static const char *const run_file_names[] = {
    "timeseries.csv", "neighbourhoods.csv", "services.csv", "summary.json", "scenario.resolved.json",
    "report.html",    "log.txt",            NULL
};
static const char *const top_file_names[] = { "comparison.csv", "comparison.json", "sweep.csv", NULL };

static int listed(const char *name, const char *const *names)
{
    for (; *names; names++)
        if (!strcmp(name, *names)) return 1;
    return 0;
}

/* Finds the first entry of dir (in name order, so the message is the same
 * every time) that placesim did not write, and puts its path below the
 * output folder into what: "notes.txt", "sub/" or "crisis_led/notes.txt".
 * At the top (top non-zero) the files of a run, a comparison or a sweep
 * are placesim's, and so is a folder holding only a run's files (a
 * comparison's scenario or a sweep's point); below it only a run's files
 * are, and an empty folder is not placesim's. Links, and anything that is
 * neither a file nor a folder, never are: removing them could reach
 * beyond the folder. Returns 1 when it finds one, else 0. */
static int first_foreign(const char *dir, const char *below, int top, char *what, size_t size)
{
    struct dirent **list = NULL;
    int n = scandir(dir, &list, NULL, alphasort);
    if (n < 0) {
        ps_fmt(what, size, "%s (a folder that cannot be read)", below);
        return 1;
    }
    int found = 0, entries = 0;
    for (int i = 0; i < n; i++) {
        const char *name = list[i]->d_name;
        if (!found && strcmp(name, ".") && strcmp(name, "..")) {
            entries++;
            char path[4096], rel[4096];
            ps_fmt(path, sizeof path, "%s/%s", dir, name);
            ps_fmt(rel, sizeof rel, "%s%s", below, name);
            struct stat sb;
            int seen = lstat(path, &sb) == 0, isdir = seen && S_ISDIR(sb.st_mode);
            int ours = 0;
            if (isdir && top) {
                char sub[4096];
                ps_fmt(sub, sizeof sub, "%s/", rel);
                if (first_foreign(path, sub, 0, what, size)) found = 1;
                else ours = 1;
            } else if (seen && S_ISREG(sb.st_mode)) {
                ours = listed(name, run_file_names) || (top && listed(name, top_file_names));
            }
            if (!ours && !found) {
                ps_fmt(what, size, "%s%s", rel, isdir ? "/" : "");
                found = 1;
            }
        }
        free(list[i]); /* scandir allocates with malloc */
    }
    free(list);
    if (!found && !top && entries == 0) {
        ps_fmt(what, size, "%s (an empty folder)", below);
        found = 1;
    }
    return found;
}

/* --force replaces dir only if placesim wrote it: a mistyped --out (a
 * project folder, the home folder) must not be deleted (DESIGN.md,
 * principle 4). dir is placesim's when it is a folder, not a link, whose
 * every entry placesim writes (first_foreign). */
ps_status output_replaceable(const char *dir, ps_error *err)
{
    struct stat sb;
    if (lstat(dir, &sb) != 0) return PS_OK;
    if (S_ISLNK(sb.st_mode))
        return err_set(err, PS_ERR_EXISTS, "%s: not replaced: it is a link, and --force replaces only an output "
                                           "folder placesim wrote", dir);
    if (!S_ISDIR(sb.st_mode))
        return err_set(err, PS_ERR_EXISTS, "%s: not replaced: it is a file, not a folder, and --force replaces "
                                           "only an output folder placesim wrote", dir);
    DIR *d = opendir(dir);
    if (!d) return err_set(err, PS_ERR_IO, "%s: not replaced: cannot read it: %s", dir, strerror(errno));
    closedir(d);
    char what[4096];
    if (first_foreign(dir, "", 1, what, sizeof what))
        return err_set(err, PS_ERR_EXISTS, "%s: not replaced: it holds %s, which placesim did not write, and "
                                           "--force replaces only an output folder placesim wrote", dir, what);
    return PS_OK;
}

/* The folder a run writes must not be, or hold, a file it reads: --force
 * would delete it. Compared by real path, however either is written. */
ps_status output_check_inputs(const char *dir, const char *const *files, size_t n, ps_error *err)
{
    if (!exists(dir)) return PS_OK;
    char *d = realpath(dir, NULL);
    if (!d) return PS_OK; /* output_begin reports what is wrong with it */
    size_t dl = strlen(d);
    ps_status st = PS_OK;
    for (size_t i = 0; !st && i < n; i++) {
        char *f = files[i] ? realpath(files[i], NULL) : NULL;
        if (!f) continue;
        if (!strcmp(f, d))
            st = err_set(err, PS_ERR_EXISTS, "%s: not replaced: it is the scenario file being run; choose "
                                             "another --out", dir);
        else if (!strncmp(f, d, dl) && (f[dl] == '/' || (dl == 1 && d[0] == '/')))
            st = err_set(err, PS_ERR_EXISTS, "%s: not replaced: it holds %s, the scenario being run; choose "
                                             "another --out", dir, files[i]);
        free(f); /* realpath allocates with malloc */
    }
    free(d);
    return st;
}

ps_status ps_output_check(const char *dir, int force, ps_error *err)
{
    err_clear(err);
    if (!dir || !*dir) return err_set(err, PS_ERR_ARG, "no output folder given");
    if (!exists(dir)) return PS_OK;
    if (!force)
        return err_set(err, PS_ERR_EXISTS, "%s: the output folder exists; use --force to replace it", dir);
    return output_replaceable(dir, err);
}

ps_status output_begin(const char *dir, int force, char **tmp_out, ps_error *err)
{
    *tmp_out = NULL;
    ps_status st = ps_output_check(dir, force, err);
    if (st) return st;
    /* Create the parent, then a temporary sibling. */
    char parent[4096];
    snprintf(parent, sizeof parent, "%s", dir);
    size_t n = strlen(parent);
    while (n > 1 && parent[n - 1] == '/') parent[--n] = '\0';
    char *slash = strrchr(parent, '/');
    if (slash && slash != parent) {
        *slash = '\0';
        if ((st = output_mkdirs(parent, err))) return st;
    }
    /* mkdir, unlike mkdtemp, honours the umask, so the folder is as
     * readable as any other the user makes; the name is tried until free. */
    size_t len = strlen(dir) + 48;
    char *tmp = ps_malloc(len);
    if (!tmp) return err_set(err, PS_ERR_NOMEM, "out of memory");
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    unsigned long salt = (unsigned long)now.tv_nsec ^ ((unsigned long)getpid() << 16);
    int made = 0;
    for (int attempt = 0; attempt < 100 && !made; attempt++) {
        snprintf(tmp, len, "%.*s.tmp-%lx", (int)n, dir, salt + (unsigned long)attempt * 7919u);
        if (mkdir(tmp, 0777) == 0) made = 1;
        else if (errno != EEXIST) break;
    }
    if (!made) {
        st = err_set(err, PS_ERR_IO, "%s: cannot create a temporary folder: %s", tmp, strerror(errno));
        ps_free(tmp);
        return st;
    }
    *tmp_out = tmp;
    return PS_OK;
}

ps_status output_commit(const char *tmp, const char *dir, int force, ps_error *err)
{
    char *old = NULL;
    if (exists(dir)) {
        /* checked again: the folder may have changed during the run */
        ps_status refused = ps_output_check(dir, force, err);
        if (refused) {
            output_remove_tree(tmp);
            return refused;
        }
        size_t len = strlen(dir) + 16;
        old = ps_malloc(len);
        if (!old) {
            output_remove_tree(tmp);
            return err_set(err, PS_ERR_NOMEM, "out of memory");
        }
        snprintf(old, len, "%s.old-XXXXXX", dir);
        if (!mkdtemp(old) || rmdir(old) != 0 || rename(dir, old) != 0) {
            ps_status st = err_set(err, PS_ERR_IO, "%s: cannot move the old output aside: %s", dir, strerror(errno));
            output_remove_tree(tmp);
            ps_free(old);
            return st;
        }
    }
    if (rename(tmp, dir) != 0) {
        ps_status st = err_set(err, PS_ERR_IO, "%s: cannot move the output into place: %s", dir, strerror(errno));
        if (old) rename(old, dir);
        output_remove_tree(tmp);
        ps_free(old);
        return st;
    }
    if (old) output_remove_tree(old);
    ps_free(old);
    return PS_OK;
}

ps_status output_write_file(const char *folder, const char *name, const char *text, size_t len, ps_error *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", folder, name);
    FILE *f = fopen(path, "wb");
    if (!f) return err_set(err, PS_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
    int bad = fwrite(text, 1, len, f) != len;
    bad |= fclose(f) != 0;
    if (bad) return err_set(err, PS_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
    return PS_OK;
}

ps_status output_write_json(const char *folder, const char *name, const char *json, ps_error *err)
{
    sbuf b = { 0 };
    sb_puts(&b, json);
    sb_puts(&b, "\n");
    char *text = sb_take(&b);
    if (!text) return err_set(err, PS_ERR_NOMEM, "out of memory");
    ps_status st = output_write_file(folder, name, text, strlen(text), err);
    ps_free(text);
    return st;
}

/* ------------------------------------------------------------ CSV */

/* Whole numbers print without a decimal point; others as the shortest
 * decimal that reads back exactly, so files are byte-stable. */
void output_csv_number(sbuf *b, double x)
{
    if (isfinite(x) && x == floor(x) && fabs(x) < 1e15) sb_printf(b, "%.0f", x);
    else if (isnan(x)) sb_puts(b, "");
    else sb_double(b, x);
}

static const dyncol *find_dyn(const replicate_record *rec, int kind, const char *name)
{
    for (int c = 0; c < rec->n_dyn; c++)
        if (rec->dyn[c].kind == kind && !strcmp(rec->dyn[c].name, name)) return &rec->dyn[c];
    return NULL;
}

/* The engine's columns, then costs of agencies only scripts named, then
 * custom columns (sim:record), each the union over replicates. */
static char *timeseries_csv(const ps_results *res)
{
    const metrics_layout *L = &res->layout;
    const char *costs[256], *records[1024];
    int ncost = dyn_names(res->recs, res->replicates, DYN_COST, costs, 256);
    int nrec = dyn_names(res->recs, res->replicates, DYN_RECORD, records, 1024);
    sbuf b = { 0 };
    sb_puts(&b, "replicate,week");
    for (int c = 0; c < L->n_ts; c++) sb_printf(&b, ",%s", c < TS_FIXED ? metrics_ts_names[c] : L->cost_columns[c - TS_FIXED]);
    for (int c = 0; c < ncost; c++) sb_printf(&b, ",%s", costs[c]);
    for (int c = 0; c < nrec; c++) sb_printf(&b, ",%s", records[c]);
    sb_puts(&b, "\n");
    for (int r = 0; r < res->replicates; r++) {
        const replicate_record *rec = &res->recs[r];
        const dyncol *dc[256], *dr[1024];
        for (int c = 0; c < ncost; c++) dc[c] = find_dyn(rec, DYN_COST, costs[c]);
        for (int c = 0; c < nrec; c++) dr[c] = find_dyn(rec, DYN_RECORD, records[c]);
        for (int w = 0; w < L->weeks; w++) {
            const double *row = rec->ts + (size_t)w * (size_t)L->n_ts;
            sb_printf(&b, "%d,%d", r, w);
            for (int c = 0; c < L->n_ts; c++) {
                sb_puts(&b, ",");
                output_csv_number(&b, row[c]);
            }
            for (int c = 0; c < ncost; c++) {
                sb_puts(&b, ",");
                output_csv_number(&b, dc[c] ? dc[c]->v[w] : 0);
            }
            for (int c = 0; c < nrec; c++) {
                sb_puts(&b, ",");
                output_csv_number(&b, dr[c] ? dr[c]->v[w] : NAN);
            }
            sb_puts(&b, "\n");
        }
    }
    return sb_take(&b);
}

static void nb_row(sbuf *b, const ps_config *cfg, int k, const double *v)
{
    sb_printf(b, ",%s,%d", cfg->place.neighbourhoods[k].name, cfg->place.neighbourhoods[k].decile);
    for (int c = 0; c < NB_CSV_COUNT; c++) {
        sb_puts(b, ",");
        output_csv_number(b, v[c]);
    }
    double adults = v[NB_ADULTS];
    sb_puts(b, ",");
    output_csv_number(b, adults > 0 ? (v[NB_STRUGGLING] + v[NB_CRISIS] + v[NB_RECOVERING]) / adults : NAN);
    sb_puts(b, "\n");
}

static char *neighbourhoods_csv(const ps_results *res, int per_replicate)
{
    const metrics_layout *L = &res->layout;
    const ps_config *cfg = res->cfg;
    sbuf b = { 0 };
    sb_puts(&b, per_replicate ? "replicate,week,neighbourhood,deprivation_decile" : "week,neighbourhood,deprivation_decile");
    for (int c = 0; c < NB_CSV_COUNT; c++) sb_printf(&b, ",%s", metrics_nb_names[c]);
    sb_puts(&b, ",prevalence\n");
    double v[NB_CSV_COUNT];
    for (int r = 0; r < (per_replicate ? res->replicates : 1); r++) {
        for (int w = 0; w < L->weeks; w++) {
            for (int k = 0; k < L->n_nbhd; k++) {
                size_t off = ((size_t)w * (size_t)L->n_nbhd + (size_t)k) * NB_COUNT;
                if (per_replicate) {
                    for (int c = 0; c < NB_CSV_COUNT; c++) v[c] = res->recs[r].nb[off + (size_t)c];
                    sb_printf(&b, "%d,%d", r, w);
                } else {
                    for (int c = 0; c < NB_CSV_COUNT; c++) {
                        double s = 0;
                        for (int q = 0; q < res->replicates; q++) s += res->recs[q].nb[off + (size_t)c];
                        v[c] = s / res->replicates;
                    }
                    sb_printf(&b, "%d", w);
                }
                nb_row(&b, cfg, k, v);
            }
        }
    }
    return sb_take(&b);
}

static void sv_row(sbuf *b, int r, int w, const char *name, const double *row)
{
    sb_printf(b, "%d,%d,%s", r, w, name);
    for (int c = 0; c < SV_CSV_COUNT; c++) {
        sb_puts(b, ",");
        output_csv_number(b, row[c]);
    }
    sb_puts(b, "\n");
}

/* The scenario's services every week; services scripts added from the
 * week they were added. */
static char *services_csv(const ps_results *res)
{
    const metrics_layout *L = &res->layout;
    int nbase = L->n_scenario_services;
    sbuf b = { 0 };
    sb_puts(&b, "replicate,week,service");
    for (int c = 0; c < SV_CSV_COUNT; c++) sb_printf(&b, ",%s", metrics_sv_names[c]);
    sb_puts(&b, "\n");
    for (int r = 0; r < res->replicates; r++) {
        const replicate_record *rec = &res->recs[r];
        for (int w = 0; w < L->weeks; w++) {
            const double *rows = rec->sv + (size_t)w * (size_t)L->n_services * SV_COUNT;
            for (int s = 0; s < nbase; s++) sv_row(&b, r, w, res->cfg->services[s].name, rows + (size_t)s * SV_COUNT);
            for (int k = 0; k < rec->max_added; k++)
                if (rec->added[k] && w >= rec->added_week[k])
                    sv_row(&b, r, w, rec->added[k], rows + (size_t)(nbase + k) * SV_COUNT);
        }
    }
    return sb_take(&b);
}

static char *log_text(const ps_results *res)
{
    sbuf b = { 0 };
    for (int r = 0; r < res->replicates; r++)
        if (res->recs[r].log.len) sb_append(&b, res->recs[r].log.s, res->recs[r].log.len);
    if (!b.len) {
        sb_free(&b);
        return NULL;
    }
    return sb_take(&b);
}

/* ------------------------------------------------------------ JSON */

static cJSON *summary_json(const ps_results *res, const ps_write_options *o)
{
    const ps_config *cfg = res->cfg;
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "scenario", cfg->name);
    cJSON_AddStringToObject(root, "description", cfg->description);
    cJSON *outs = cJSON_AddObjectToObject(root, "outcomes");
    for (size_t i = 0; i < res->outcomes.n; i++) {
        const outcome *oc = &res->outcomes.items[i];
        cJSON *group = cJSON_GetObjectItemCaseSensitive(outs, oc->group);
        if (!group) group = cJSON_AddObjectToObject(outs, oc->group);
        /* "services.talking_therapies.mean_wait_weeks" nests one level more */
        const char *rest = oc->name + strlen(oc->group) + 1, *dot = strchr(rest, '.');
        cJSON *parent = group;
        if (dot) {
            char sub[96];
            ps_fmt(sub, sizeof sub, "%.*s", (int)(dot - rest), rest);
            parent = cJSON_GetObjectItemCaseSensitive(group, sub);
            if (!parent) parent = cJSON_AddObjectToObject(group, sub);
            rest = dot + 1;
        }
        cJSON *item = cJSON_AddObjectToObject(parent, rest);
        json_add_summary(item, oc->mean, oc->sd, oc->ci_low, oc->ci_high);
        cJSON_AddStringToObject(item, "unit", oc->unit);
    }
    cJSON *prov = cJSON_AddObjectToObject(root, "provenance");
    cJSON_AddStringToObject(prov, "engine", "placesim");
    cJSON_AddStringToObject(prov, "version", PS_VERSION);
    cJSON_AddStringToObject(prov, "scenario_file", ps_scenario_path(res->scenario));
    cJSON_AddStringToObject(prov, "scenario_hash", scenario_hash(res->scenario));
    cJSON_AddNumberToObject(prov, "seed", (double)cfg->seed);
    cJSON_AddNumberToObject(prov, "replicates", res->replicates);
    cJSON_AddNumberToObject(prov, "weeks", cfg->weeks);
    cJSON_AddNumberToObject(prov, "burn_in_weeks", cfg->burn_in_weeks);
    cJSON *scripts = cJSON_AddArrayToObject(prov, "scripts");
    const script_src *src = scenario_scripts(res->scenario);
    for (int i = 0; src && i < cfg->n_interventions; i++) {
        cJSON *one = cJSON_CreateObject();
        cJSON_AddStringToObject(one, "intervention", cfg->interventions[i].name);
        cJSON_AddStringToObject(one, "file", src[i].path);
        cJSON_AddStringToObject(one, "hash", src[i].hash);
        cJSON_AddItemToArray(scripts, one);
    }
    cJSON *pop = cJSON_AddObjectToObject(prov, "population");
    cJSON_AddNumberToObject(pop, "persons", res->persons);
    cJSON_AddNumberToObject(pop, "households", res->households);
    cJSON_AddNumberToObject(pop, "neighbourhoods", cfg->place.n_neighbourhoods);
    cJSON_AddStringToObject(pop, "source", cfg->population.households_csv ? "imported" : "synthesised");
    cJSON *run = cJSON_AddObjectToObject(prov, "run");
    double wall = o && o->wall_seconds > 0 ? o->wall_seconds : res->wall_seconds;
    cJSON_AddNumberToObject(run, "threads", o && o->threads > 0 ? o->threads : res->threads);
    cJSON_AddNumberToObject(run, "processes", res->processes > 0 ? res->processes : 1);
    cJSON_AddNumberToObject(run, "wall_seconds", round(wall * 1000) / 1000);
    char when[32];
    time_t now = time(NULL);
    struct tm tmv;
    gmtime_r(&now, &tmv);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tmv);
    cJSON_AddStringToObject(run, "finished_at", when);
    return root;
}

/* The file name of path without folder or extension: a run's label. */
void output_stem(const char *path, char *buf, size_t size)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    size_t n = dot && dot != base ? (size_t)(dot - base) : strlen(base);
    ps_fmt(buf, size, "%.*s", (int)n, base);
}

ps_status output_run_files(const ps_results *res, const char *folder, const ps_write_options *o, ps_error *err)
{
    char label[256];
    output_stem(ps_scenario_path(res->scenario), label, sizeof label);
    const char *labels[1] = { label };
    const ps_results *one[1] = { res };
    char *ts = timeseries_csv(res);
    char *nb = neighbourhoods_csv(res, o ? o->neighbourhoods_per_replicate : 0);
    char *svc = services_csv(res);
    cJSON *sum = summary_json(res, o);
    char *sumtext = sum ? json_print_exact(sum, 1) : NULL;
    char *resolved = ps_scenario_resolved_json(res->scenario);
    char *html = report_html(one, labels, 1, NULL);
    char *log = log_text(res);
    size_t logged = 0; /* NULL from log_text is no log, or no memory for one */
    for (int r = 0; r < res->replicates; r++) logged += res->recs[r].log.len;
    ps_status st = PS_OK;
    if (!ts || !nb || !svc || !sumtext || !resolved || !html || (logged && !log))
        st = err_set(err, PS_ERR_NOMEM, "out of memory writing results");
    if (!st) st = output_write_file(folder, "timeseries.csv", ts, strlen(ts), err);
    if (!st) st = output_write_file(folder, "neighbourhoods.csv", nb, strlen(nb), err);
    if (!st) st = output_write_file(folder, "services.csv", svc, strlen(svc), err);
    if (!st) st = output_write_json(folder, "summary.json", sumtext, err);
    if (!st) st = output_write_file(folder, "scenario.resolved.json", resolved, strlen(resolved), err);
    if (!st) st = output_write_file(folder, "report.html", html, strlen(html), err);
    if (!st && log) st = output_write_file(folder, "log.txt", log, strlen(log), err);
    ps_free(log);
    ps_free(html);
    ps_free(ts);
    ps_free(nb);
    ps_free(svc);
    cJSON_free(sumtext);
    cJSON_Delete(sum);
    ps_free(resolved);
    return st;
}

ps_status ps_results_write(const ps_results *res, const char *dir, const ps_write_options *o, ps_error *err)
{
    err_clear(err);
    if (!res || !dir) return err_set(err, PS_ERR_ARG, "ps_results_write: results and dir are required");
    int force = o ? o->force : 0;
    char *tmp = NULL;
    const char *scenario = ps_scenario_path(res->scenario);
    ps_status st = output_check_inputs(dir, &scenario, 1, err);
    if (!st) st = output_begin(dir, force, &tmp, err);
    if (st) return st;
    st = output_run_files(res, tmp, o, err);
    if (st) {
        output_remove_tree(tmp);
        ps_free(tmp);
        return st;
    }
    st = output_commit(tmp, dir, force, err);
    ps_free(tmp);
    return st;
}

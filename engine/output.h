/*
 * output: writing output folders all or nothing (see output.c), and the
 * number format shared by every CSV file.
 */
#ifndef PS_OUTPUT_H
#define PS_OUTPUT_H

#include <stddef.h>

#include "placesim.h"
#include "sbuf.h"

/* Creates path and its parents. */
ps_status output_mkdirs(const char *path, ps_error *err);
/* Removes a folder and what it holds; returns non-zero on a failure. */
int output_remove_tree(const char *path);

/* PS_OK if dir does not exist or placesim wrote it (a folder holding only
 * the files and folders of placesim's output), so --force may replace it;
 * otherwise PS_ERR_EXISTS naming the first entry placesim did not write. */
ps_status output_replaceable(const char *dir, ps_error *err);
/* PS_ERR_EXISTS if dir exists and is, or holds, one of the n files (the
 * scenarios being run), which replacing it would delete. */
ps_status output_check_inputs(const char *dir, const char *const *files, size_t n, ps_error *err);

/* Checks dir may be written (see ps_output_check), creates its parent and
 * a temporary sibling folder whose name is returned in *tmp (ps_free). */
ps_status output_begin(const char *dir, int force, char **tmp, ps_error *err);
/* Renames tmp to dir (replacing dir when force); removes tmp on failure. */
ps_status output_commit(const char *tmp, const char *dir, int force, ps_error *err);

ps_status output_write_file(const char *folder, const char *name, const char *text, size_t len,
                            ps_error *err);
/* Writes json followed by a newline. */
ps_status output_write_json(const char *folder, const char *name, const char *json, ps_error *err);

/* Writes a run's files (timeseries.csv ... report.html) into an existing
 * folder; the caller makes it all or nothing (output_begin/commit). */
ps_status output_run_files(const ps_results *res, const char *folder, const ps_write_options *o, ps_error *err);

/* The file name of path without folder or extension ("crisis_led"). */
void output_stem(const char *path, char *buf, size_t size);

/* Appends x to a CSV row: whole numbers without a point, others as the
 * shortest decimal that reads back exactly, NaN as an empty field. */
void output_csv_number(sbuf *b, double x);

#endif

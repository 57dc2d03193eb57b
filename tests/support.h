/*
 * Test support: temporary folders and files, running the placesim
 * program, and reading files back. Shared by every test binary.
 */
#ifndef PS_TEST_SUPPORT_H
#define PS_TEST_SUPPORT_H

#include <stddef.h>

/* A fresh temporary folder for this test process (created once, removed
 * at exit unless PS_KEEP_TMP is set). */
const char *ts_tmpdir(void);

/* Writes text to name inside ts_tmpdir(); returns the full path (static
 * buffer rotated among 8, so up to 8 paths can be held at once). */
const char *ts_write(const char *name, const char *text);

/* Full path of name inside ts_tmpdir() (same rotation as ts_write). */
const char *ts_path(const char *name);

/* Reads a whole file; NULL if it cannot. Caller frees with free(). */
char *ts_read(const char *path);

/* Does path exist? */
int ts_exists(const char *path);

/* Runs the placesim program (path from $PLACESIM, else ./placesim) with
 * the given argument string through /bin/sh, from the repository root.
 * Captures stdout and stderr (each freed by ts_cmd_free) and the exit
 * status. */
typedef struct ts_cmd {
    int status;
    char *out;
    char *err;
} ts_cmd;
ts_cmd ts_run(const char *args_fmt, ...) __attribute__((format(printf, 1, 2)));
void ts_cmd_free(ts_cmd *c);

/* Runs "placesim run SCENARIO --out OUT --force --quiet" (OUT a full
 * path) and returns the text of file inside OUT (free()), or NULL if the
 * run failed or wrote no such file. */
char *ts_run_read(const char *scenario, const char *out, const char *file);

/* Runs a shell command line as given (no program prefix), capturing the
 * same way. */
ts_cmd ts_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The placesim program's path ($PLACESIM, else ./placesim). */
const char *ts_program(void);

/* Number of lines in text. */
int ts_count_lines(const char *text);

/* Removes a folder tree. */
void ts_rmtree(const char *path);

#endif

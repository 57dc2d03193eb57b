/* Test support. See support.h. */
#include "support.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char tmpdir[256];

static void cleanup(void)
{
    if (tmpdir[0] && !getenv("PS_KEEP_TMP")) ts_rmtree(tmpdir);
}

const char *ts_tmpdir(void)
{
    if (!tmpdir[0]) {
        const char *base = getenv("TMPDIR");
        snprintf(tmpdir, sizeof tmpdir, "%s/placesim-test-XXXXXX", base && *base ? base : "/tmp");
        if (!mkdtemp(tmpdir)) {
            perror("mkdtemp");
            exit(1);
        }
        atexit(cleanup);
    }
    return tmpdir;
}

static char *next_buf(void)
{
    static char bufs[8][1024];
    static int k;
    return bufs[k++ & 7];
}

const char *ts_path(const char *name)
{
    char *b = next_buf();
    snprintf(b, 1024, "%s/%s", ts_tmpdir(), name);
    return b;
}

const char *ts_write(const char *name, const char *text)
{
    const char *p = ts_path(name);
    /* create parent folders inside the tmp dir */
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", p);
    for (char *s = dir + strlen(ts_tmpdir()) + 1; *s; s++)
        if (*s == '/') {
            *s = '\0';
            mkdir(dir, 0777);
            *s = '/';
        }
    FILE *f = fopen(p, "wb");
    if (!f) {
        perror(p);
        exit(1);
    }
    fputs(text, f);
    fclose(f);
    return p;
}

char *ts_read(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 4096, n = 0;
    char *b = malloc(cap);
    for (;;) {
        if (n + 4096 > cap) b = realloc(b, cap *= 2);
        size_t got = fread(b + n, 1, cap - n - 1, f);
        if (!got) break;
        n += got;
    }
    fclose(f);
    b[n] = '\0';
    return b;
}

int ts_exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

const char *ts_program(void)
{
    const char *prog = getenv("PLACESIM");
    return prog && *prog ? prog : "./placesim";
}

static ts_cmd run_line(const char *line)
{
    ts_cmd c = { -1, NULL, NULL };
    char outp[1024], errp[1024];
    static int seq;
    snprintf(outp, sizeof outp, "%s/cmd%d.out", ts_tmpdir(), seq);
    snprintf(errp, sizeof errp, "%s/cmd%d.err", ts_tmpdir(), seq++);
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "{ %s ; } >%s 2>%s", line, outp, errp);
    int rc = system(cmd);
    c.status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
    c.out = ts_read(outp);
    c.err = ts_read(errp);
    if (!c.out) c.out = strdup("");
    if (!c.err) c.err = strdup("");
    return c;
}

ts_cmd ts_run(const char *fmt, ...)
{
    char args[4096], line[4600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    snprintf(line, sizeof line, "%s %s", ts_program(), args);
    return run_line(line);
}

char *ts_run_read(const char *scenario, const char *out, const char *file)
{
    ts_cmd c = ts_run("run %s --out %s --force --quiet", scenario, out);
    int ok = c.status == 0;
    ts_cmd_free(&c);
    if (!ok) return NULL;
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", out, file);
    return ts_read(path);
}

ts_cmd ts_sh(const char *fmt, ...)
{
    char line[4600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    return run_line(line);
}

void ts_cmd_free(ts_cmd *c)
{
    free(c->out);
    free(c->err);
    c->out = c->err = NULL;
}

int ts_count_lines(const char *t)
{
    int n = 0;
    for (; *t; t++) n += *t == '\n';
    return n;
}

void ts_rmtree(const char *path)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", path);
}

/*
 * sbuf: a growing string for building text output (CSV, JSON, HTML, docs).
 * A failed allocation sets failed and turns later appends into no-ops, so
 * callers check once at the end.
 */
#ifndef PS_SBUF_H
#define PS_SBUF_H

#include <stddef.h>

#include "err.h"

typedef struct sbuf {
    char *s;
    size_t len, cap;
    int failed;
} sbuf;

void sb_printf(sbuf *b, const char *fmt, ...) PS_PRINTF(2, 3);
void sb_append(sbuf *b, const char *s, size_t n);
void sb_puts(sbuf *b, const char *s);
/* Appends x with the fewest digits that read back as exactly x. */
void sb_double(sbuf *b, double x);
/* Takes the string (NULL if failed or empty and out of memory); resets b. */
char *sb_take(sbuf *b);
void sb_free(sbuf *b);

/* snprintf that truncates silently: for paths and names in messages,
 * where a cut-off tail is better than no message. */
void ps_fmt(char *buf, size_t size, const char *fmt, ...) PS_PRINTF(3, 4);

/* Writes x with the fewest significant digits that read back exactly. */
void fmt_shortest(char *buf, size_t size, double x);

/* Writes x for a message, as fmt_shortest does but with NaN as "NaN" and
 * infinities as "inf" and "-inf" on every platform (printf writes NaN as
 * "nan", "-nan" or "NaN", sign and case as the C library pleases).
 * Returns buf. */
const char *fmt_number(char *buf, size_t size, double x);

#endif

/* sbuf: growing strings. See sbuf.h. */
#include "sbuf.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"

static int reserve(sbuf *b, size_t extra)
{
    if (b->failed) return -1;
    if (b->len + extra + 1 <= b->cap) return 0;
    size_t ncap = b->cap ? b->cap : 256;
    while (ncap < b->len + extra + 1) ncap *= 2;
    char *ns = ps_reallocarray(b->s, ncap, 1);
    if (!ns) {
        b->failed = 1;
        return -1;
    }
    b->s = ns;
    b->cap = ncap;
    return 0;
}

void sb_printf(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char small[256];
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = 1;
        return;
    }
    if (reserve(b, (size_t)n)) return;
    if ((size_t)n < sizeof small) {
        memcpy(b->s + b->len, small, (size_t)n + 1);
    } else {
        va_start(ap, fmt);
        vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    b->len += (size_t)n;
}

void sb_append(sbuf *b, const char *s, size_t n)
{
    if (reserve(b, n)) return;
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void sb_puts(sbuf *b, const char *s) { sb_append(b, s, strlen(s)); }

void ps_fmt(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, size, fmt, ap);
    va_end(ap);
}

void fmt_shortest(char *buf, size_t size, double x)
{
    if (!isfinite(x)) {
        snprintf(buf, size, "%s", isnan(x) ? "nan" : x > 0 ? "inf" : "-inf");
        return;
    }
    if (x == floor(x) && fabs(x) < 1e15) {
        /* whole numbers (most of what the CSV files hold) by hand, as
         * "%.0f" writes them but a good deal faster: output is written
         * by one thread after the replicates have run */
        char digits[24];
        int n = 0;
        unsigned long long v = (unsigned long long)fabs(x);
        do {
            digits[n++] = (char)('0' + v % 10);
            v /= 10;
        } while (v);
        size_t at = 0;
        if (signbit(x) && at + 1 < size) buf[at++] = '-';
        while (n > 0 && at + 1 < size) buf[at++] = digits[--n];
        if (size) buf[at] = 0;
        return;
    }
    /* Reading back exactly is monotone in the number of digits (17 always
     * does), so search for the fewest. */
    int lo = 1, hi = 17;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        snprintf(buf, size, "%.*g", mid, x);
        if (strtod(buf, NULL) == x) hi = mid;
        else lo = mid + 1;
    }
    snprintf(buf, size, "%.*g", lo, x);
}

const char *fmt_number(char *buf, size_t size, double x)
{
    if (isnan(x)) snprintf(buf, size, "NaN");
    else if (isinf(x)) snprintf(buf, size, "%s", x > 0 ? "inf" : "-inf");
    else fmt_shortest(buf, size, x);
    return buf;
}

void sb_double(sbuf *b, double x)
{
    char t[40];
    fmt_shortest(t, sizeof t, x);
    sb_puts(b, t);
}

char *sb_take(sbuf *b)
{
    char *s = NULL;
    if (!b->failed) {
        if (!b->s && reserve(b, 0) == 0) b->s[0] = '\0';
        s = b->failed ? NULL : b->s;
    } else {
        ps_free(b->s);
    }
    b->s = NULL;
    b->len = b->cap = 0;
    b->failed = 0;
    return s;
}

void sb_free(sbuf *b)
{
    ps_free(b->s);
    b->s = NULL;
    b->len = b->cap = 0;
    b->failed = 0;
}

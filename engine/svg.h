/*
 * svg: the charts of report.html, drawn as inline SVG text (no scripts, no
 * fonts, no network), and the number formats shared by charts and tables.
 *
 * Every chart has a title, axis labels with units and a legend, and draws
 * in a fixed palette that stays distinguishable for colour-blind readers
 * (Okabe and Ito 2008) and in greyscale print, by line dashes as well.
 */
#ifndef PS_SVG_H
#define PS_SVG_H

#include "sbuf.h"

/* How a number reads: a plain count or rate, a share (shown as a
 * percentage), or money (GBP, shown with a pound sign). */
typedef enum fmt_kind { FMT_NUMBER, FMT_SHARE, FMT_GBP } fmt_kind;

/* The kind that suits a unit string ("share of adults" -> FMT_SHARE). */
fmt_kind fmt_kind_of_unit(const char *unit);
/* x for people: about 3 significant figures, thousands separated, "-" for
 * NaN; signed adds "+" to positive numbers (differences). */
void fmt_human(char *buf, size_t size, double x, fmt_kind kind, int sign);

/* A whole number in full with thousands separators: 24,154. */
void fmt_int(char *buf, size_t size, double x);

/* Appends s with &, <, >, " and ' escaped. */
void html_escape(sbuf *b, const char *s);

/* Colour of series i (scenario i), as #rrggbb, and its dash pattern
 * (NULL for solid). */
const char *svg_colour(int i);
const char *svg_dash(int i);

typedef struct svg_frame {
    const char *title;
    const char *x_label;    /* with unit */
    const char *y_label;    /* with unit */
    fmt_kind y_kind;
    int width, height;      /* in SVG units (px) */
    int y_from_zero;        /* the y axis includes 0 */
} svg_frame;

/* One line with an optional band (lo..hi), over x[0..n-1]. */
typedef struct svg_series {
    const char *label;
    const double *x, *y, *lo, *hi;
    int n;
    int colour;             /* palette index */
} svg_series;

/* A shaded span of x (a shock), with a label. */
typedef struct svg_span {
    double from, to;
    const char *label;
} svg_span;

/* A line chart of series with bands; span may be NULL. Optional
 * horizontal reference lines ref[0..nref-1] (dashed, in colours
 * refcolour[]) and, when fill is given, the area between fill[i] and
 * ref[i] shaded in fill[i]'s colour (the resilience triangle). */
typedef struct svg_lines {
    const svg_series *series;
    int n;
    const svg_span *span;
    const double *ref;
    const int *refcolour;
    int nref;
    const svg_series *fill;   /* [nref] or NULL */
} svg_lines;
void svg_line_chart(sbuf *b, const svg_frame *f, const svg_lines *l);

/* Grouped vertical bars: categories along x, one bar per group in each,
 * with whiskers where lo and hi are given ([group][category]). */
typedef struct svg_bar_group {
    const char *label;
    const double *v, *lo, *hi;  /* [ncat] */
    int colour;
} svg_bar_group;
void svg_grouped_bars(sbuf *b, const svg_frame *f, const char *const *categories, int ncat,
                      const svg_bar_group *groups, int ngroups);

/* Tiles in a grid of cols columns, each labelled with labels[i] and its
 * value, coloured on a scale from lo to hi (diverging around 0 when
 * diverging), with a colour legend. */
typedef struct svg_tiles {
    const char *const *labels;
    const char *const *sublabels; /* second line (may be NULL) */
    const double *values;
    int n, cols;
    double lo, hi;
    int diverging;
    fmt_kind kind;
    const char *legend;         /* what the colour means, with unit */
} svg_tiles;
void svg_tile_grid(sbuf *b, const svg_frame *f, const svg_tiles *t);

/* The fill colour for value x on a tile scale, as #rrggbb into buf[8]. */
void svg_scale_colour(char buf[8], double x, double lo, double hi, int diverging);

/* Text colour readable on fill (#rrggbb): white on dark, ink on light. */
const char *svg_ink(const char *fill);

#endif

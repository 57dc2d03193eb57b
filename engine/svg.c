/*
 * svg: inline SVG charts and human number formats for report.html.
 *
 * Charts are plain SVG 1.1 text drawn from the data alone: the same data
 * gives the same bytes, so a report is as reproducible as the CSV files.
 * Text inherits the page's system font; nothing is fetched.
 */
#include "svg.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------ numbers */

fmt_kind fmt_kind_of_unit(const char *unit)
{
    if (!unit) return FMT_NUMBER;
    if (!strncmp(unit, "share", 5)) return FMT_SHARE;
    if (!strncmp(unit, "GBP", 3)) return FMT_GBP;
    return FMT_NUMBER;
}

static void with_commas_abs(char *buf, size_t size, double x);

void fmt_int(char *buf, size_t size, double x)
{
    char digits[96];
    with_commas_abs(digits, sizeof digits, x);
    ps_fmt(buf, size, "%s%s", x < 0 ? "\u2212" : "", digits);
}

/* Whole number with thousands separators, without its sign. */
static void with_commas_abs(char *buf, size_t size, double x)
{
    char digits[64];
    ps_fmt(digits, sizeof digits, "%.0f", fabs(x));
    size_t n = strlen(digits), j = 0;
    char out[96];
    for (size_t i = 0; i < n && j + 2 < sizeof out; i++) {
        if (i && (n - i) % 3 == 0) out[j++] = ',';
        out[j++] = digits[i];
    }
    out[j] = '\0';
    ps_fmt(buf, size, "%s", out);
}

/* About three significant figures, no exponent. */
static void sig3(char *buf, size_t size, double a)
{
    if (a == 0) ps_fmt(buf, size, "0");
    else if (a >= 1e6) ps_fmt(buf, size, "%.3g million", a / 1e6);
    else if (a >= 1000) {
        double p = pow(10, floor(log10(a)) - 2);
        with_commas_abs(buf, size, round(a / p) * p);
    } else if (a >= 100) ps_fmt(buf, size, "%.0f", a);
    else if (a >= 10) ps_fmt(buf, size, "%.1f", a);
    else if (a >= 1) ps_fmt(buf, size, "%.2f", a);
    else {
        int dec = (int)ceil(-log10(a)) + 2; /* three significant figures, no exponent */
        ps_fmt(buf, size, "%.*f", dec > 12 ? 12 : dec, a);
    }
}

void fmt_human(char *buf, size_t size, double x, fmt_kind kind, int sign)
{
    if (isnan(x)) {
        ps_fmt(buf, size, "\u2013");
        return;
    }
    if (isinf(x)) {
        ps_fmt(buf, size, "%s", x > 0 ? "\u221e" : "\u2212\u221e");
        return;
    }
    const char *s = x < 0 ? "\u2212" : sign && x > 0 ? "+" : "";
    double a = fabs(x);
    char num[96];
    switch (kind) {
    case FMT_SHARE:
        sig3(num, sizeof num, a * 100);
        ps_fmt(buf, size, "%s%s%s", s, num, sign ? " pp" : "%");
        break;
    case FMT_GBP:
        if (a >= 1e6) ps_fmt(num, sizeof num, "%.3gm", a / 1e6);
        else if (a >= 1000) {
            double p = pow(10, floor(log10(a)) - 2);
            with_commas_abs(num, sizeof num, round(a / p) * p);
        } else if (a >= 10) ps_fmt(num, sizeof num, "%.0f", a);
        else ps_fmt(num, sizeof num, "%.2f", a);
        ps_fmt(buf, size, "%s\u00a3%s", s, num);
        break;
    default:
        sig3(num, sizeof num, a);
        ps_fmt(buf, size, "%s%s", s, num);
    }
}

void html_escape(sbuf *b, const char *s)
{
    if (!s) return;
    const char *run = s;
    for (; *s; s++) {
        const char *rep = NULL;
        switch (*s) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&#39;"; break;
        default: continue;
        }
        sb_append(b, run, (size_t)(s - run));
        sb_puts(b, rep);
        run = s + 1;
    }
    sb_append(b, run, (size_t)(s - run));
}

/* ------------------------------------------------------------ palette */

static const char *const palette[] = { "#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                       "#E69F00", "#56B4E9", "#000000", "#999999" };
static const char *const dashes[] = { NULL, "6 3", "2 2", "8 3 2 3", "4 4", "1 3", "10 4", "3 6" };

const char *svg_colour(int i) { return palette[(i % 8 + 8) % 8]; }
const char *svg_dash(int i) { return dashes[(i % 8 + 8) % 8]; }

/* ------------------------------------------------------------ axes */

typedef struct scale {
    double lo, hi, step;  /* data range shown and tick step */
    double p0, p1;        /* pixel range */
} scale;

static double nice_step(double range, int target)
{
    if (!(range > 0)) return 1;
    double raw = range / target, mag = pow(10, floor(log10(raw))), f = raw / mag;
    double n = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10;
    return n * mag;
}

static void scale_fit(scale *s, double lo, double hi, int from_zero, int ticks)
{
    if (!isfinite(lo) || !isfinite(hi)) lo = 0, hi = 1;
    if (from_zero) {
        if (lo > 0) lo = 0;
        if (hi < 0) hi = 0;
    }
    if (hi <= lo) {
        double pad = lo != 0 ? fabs(lo) * 0.1 : 1;
        if (from_zero && lo == 0) hi = pad; /* all zero: show 0 to 1 */
        else {
            lo -= pad;
            hi += pad;
        }
    }
    /* a range too narrow for doubles to step through is widened */
    double mag = fabs(lo) > fabs(hi) ? fabs(lo) : fabs(hi);
    if (hi - lo < mag * 1e-9) {
        lo -= mag * 1e-6;
        hi += mag * 1e-6;
    }
    s->step = nice_step(hi - lo, ticks);
    s->lo = floor(lo / s->step + 1e-9) * s->step;
    s->hi = ceil(hi / s->step - 1e-9) * s->step;
}

/* Number of ticks of a scale (bounded, whatever the doubles do). */
static int tick_count(const scale *s)
{
    double n = floor((s->hi - s->lo) / s->step + 1e-6);
    return n < 0 ? 0 : n > 100 ? 100 : (int)n;
}

static double px(const scale *s, double v) { return s->p0 + (v - s->lo) / (s->hi - s->lo) * (s->p1 - s->p0); }

static void open_svg(sbuf *b, const svg_frame *f)
{
    sb_printf(b,
              "<svg class=\"chart\" viewBox=\"0 0 %d %d\" width=\"%d\" "
              "height=\"%d\" role=\"img\" aria-label=\"",
              f->width, f->height, f->width, f->height);
    html_escape(b, f->title);
    sb_puts(b, "\">\n<title>");
    html_escape(b, f->title);
    sb_printf(b, "</title>\n<text class=\"ct\" x=\"%d\" y=\"18\">", 8);
    html_escape(b, f->title);
    sb_puts(b, "</text>\n");
}

static void text_at(sbuf *b, double x, double y, const char *anchor, const char *cls, const char *s)
{
    sb_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\"%s%s%s>", x, y, anchor, cls ? " class=\"" : "",
              cls ? cls : "", cls ? "\"" : "");
    html_escape(b, s);
    sb_puts(b, "</text>\n");
}

/* Splits s at spaces into at most 3 lines of about maxch characters (a
 * word longer than that gets a line to itself); returns the line count. */
static int wrap_words(const char *s, int maxch, char lines[3][96])
{
    int n = 0;
    lines[0][0] = '\0';
    while (*s == ' ') s++;
    while (*s) {
        const char *e = strchr(s, ' ');
        size_t len = e ? (size_t)(e - s) : strlen(s);
        size_t have = strlen(lines[n]);
        if (have && (int)(have + 1 + len) > maxch) {
            if (n == 2) { /* out of lines: the rest goes on the last */
                ps_fmt(lines[n] + have, sizeof lines[n] - have, " %s", s);
                return n + 1;
            }
            lines[++n][0] = '\0';
            have = 0;
        }
        ps_fmt(lines[n] + have, sizeof lines[n] - have, "%s%.*s", have ? " " : "", (int)len, s);
        s += len;
        while (*s == ' ') s++;
    }
    return n + 1;
}

/* A category's label under its bars, wrapped to the category's width. */
static void category_label(sbuf *b, double x, double y, double width, const char *s)
{
    char lines[3][96];
    int n = wrap_words(s, (int)(width / 6.4) > 4 ? (int)(width / 6.4) : 4, lines);
    sb_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" class=\"tick\">", x, y);
    for (int i = 0; i < n; i++) {
        sb_printf(b, "<tspan x=\"%.1f\" dy=\"%s\">", x, i ? "1.15em" : "0");
        html_escape(b, lines[i]);
        sb_puts(b, "</tspan>");
    }
    sb_puts(b, "</text>\n");
}

/* A tick label: as many decimals as the step needs, no more. */
static void fmt_tick(char *buf, size_t size, double v, double step, fmt_kind kind)
{
    double m = kind == FMT_SHARE ? 100 : 1;
    int dec = 0;
    for (double st = step * m; dec < 6 && fabs(st - round(st)) > 1e-9 * (fabs(st) > 1 ? fabs(st) : 1); st *= 10) dec++;
    double a = fabs(v * m);
    const char *sign = v < 0 ? "\u2212" : "";
    if (kind == FMT_NUMBER && a >= 1000 && dec == 0) {
        char c[64];
        with_commas_abs(c, sizeof c, a);
        ps_fmt(buf, size, "%s%s", sign, c);
    } else if (kind == FMT_GBP) {
        fmt_human(buf, size, v, kind, 0);
    } else {
        ps_fmt(buf, size, "%s%.*f%s", sign, dec, a, kind == FMT_SHARE ? "%" : "");
    }
}

static void y_axis(sbuf *b, const scale *y, double x0, double x1, fmt_kind kind, const char *label, double mid)
{
    char t[64];
    for (int i = 0, n = tick_count(y); i <= n; i++) {
        double v = y->lo + i * y->step;
        double vv = fabs(v) < y->step * 1e-9 ? 0 : v;
        double yy = px(y, vv);
        sb_printf(b, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", x0, yy, x1, yy);
        fmt_tick(t, sizeof t, vv, y->step, kind);
        text_at(b, x0 - 4, yy + 4, "end", "tick", t);
    }
    sb_printf(b, "<text class=\"al\" transform=\"translate(12 %.1f) rotate(-90)\" text-anchor=\"middle\">", mid);
    html_escape(b, label);
    sb_puts(b, "</text>\n");
}

/* A row of legend entries (swatch and label) from x at y, wrapping at
 * width; returns the y below the last row. */
static double legend(sbuf *b, double x, double y, double width, const char *const *labels, const int *colours,
                     int n, int lines)
{
    double cx = x;
    for (int i = 0; i < n; i++) {
        double w = 28 + 6.5 * (double)strlen(labels[i]);
        if (cx > x && cx + w > x + width) {
            cx = x;
            y += 18;
        }
        const char *dash = svg_dash(colours[i]);
        if (lines)
            sb_printf(b,
                      "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"2.5\"%s%s%s/>\n",
                      cx, y - 4, cx + 18, y - 4, svg_colour(colours[i]), dash ? " stroke-dasharray=\"" : "",
                      dash ? dash : "", dash ? "\"" : "");
        else
            sb_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"14\" height=\"10\" fill=\"%s\"/>\n", cx, y - 9,
                      svg_colour(colours[i]));
        text_at(b, cx + 22, y, "start", "lg", labels[i]);
        cx += w;
    }
    return y + 18;
}

static int legend_rows(double width, const char *const *labels, int n)
{
    double cx = 0;
    int rows = 1;
    for (int i = 0; i < n; i++) {
        double w = 28 + 6.5 * (double)strlen(labels[i]);
        if (cx > 0 && cx + w > width) {
            cx = 0;
            rows++;
        }
        cx += w;
    }
    return rows;
}

/* ------------------------------------------------------------ lines */

static void path_of(sbuf *b, const scale *x, const scale *y, const double *xs, const double *ys, int n)
{
    int pen = 0;
    for (int i = 0; i < n; i++) {
        if (!isfinite(ys[i]) || !isfinite(xs[i])) {
            pen = 0;
            continue;
        }
        sb_printf(b, "%s%.1f %.1f", pen ? " L" : "M", px(x, xs[i]), px(y, ys[i]));
        pen = 1;
    }
}

void svg_line_chart(sbuf *b, const svg_frame *f, const svg_lines *l)
{
    const char *labels[16] = { 0 };
    int colours[16], nl = l->n < 16 ? l->n : 16;
    for (int i = 0; i < nl; i++) {
        labels[i] = l->series[i].label;
        colours[i] = l->series[i].colour;
    }
    double W = f->width, x0 = 70, x1 = W - 16;
    int rows = legend_rows(x1 - x0, labels, nl);
    double y0 = 30, y1 = f->height - 44 - 18.0 * rows;
    double xmin = INFINITY, xmax = -INFINITY, ymin = INFINITY, ymax = -INFINITY;
    for (int s = 0; s < l->n; s++) {
        const svg_series *se = &l->series[s];
        for (int i = 0; i < se->n; i++) {
            if (!isfinite(se->y[i])) continue;
            if (se->x[i] < xmin) xmin = se->x[i];
            if (se->x[i] > xmax) xmax = se->x[i];
            double lo = se->lo && isfinite(se->lo[i]) ? se->lo[i] : se->y[i];
            double hi = se->hi && isfinite(se->hi[i]) ? se->hi[i] : se->y[i];
            if (lo < ymin) ymin = lo;
            if (hi > ymax) ymax = hi;
        }
    }
    for (int r = 0; r < l->nref; r++)
        if (isfinite(l->ref[r])) {
            if (l->ref[r] < ymin) ymin = l->ref[r];
            if (l->ref[r] > ymax) ymax = l->ref[r];
        }
    scale xs = { 0 }, ys = { 0 };
    scale_fit(&xs, xmin, xmax, 0, 8);
    xs.lo = xmin, xs.hi = xmax > xmin ? xmax : xmin + 1; /* x spans the data exactly */
    double pad = (ymax - ymin) * 0.05;
    scale_fit(&ys, ymin - pad, ymax + pad, f->y_from_zero, 5);
    xs.p0 = x0, xs.p1 = x1, ys.p0 = y1, ys.p1 = y0;
    open_svg(b, f);
    if (l->span && l->span->to > xs.lo && l->span->from < xs.hi) {
        double a = px(&xs, l->span->from < xs.lo ? xs.lo : l->span->from);
        double c = px(&xs, l->span->to > xs.hi ? xs.hi : l->span->to);
        sb_printf(b, "<rect class=\"span\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>\n", a, y0, c - a,
                  y1 - y0);
        if (l->span->label) text_at(b, a + 4, y0 + 12, "start", "tick", l->span->label);
    }
    y_axis(b, &ys, x0, x1, f->y_kind, f->y_label, (y0 + y1) / 2);
    char t[64];
    double xstep = nice_step(xs.hi - xs.lo, 8);
    scale xt = { ceil(xs.lo / xstep) * xstep, xs.hi, xstep, 0, 0 };
    for (int i = 0, n = tick_count(&xt); i <= n; i++) {
        double v = xt.lo + i * xstep;
        if (v > xs.hi + xstep * 1e-6) break;
        double xx = px(&xs, v);
        sb_printf(b, "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", xx, y1, xx, y1 + 4);
        fmt_tick(t, sizeof t, v, xstep, FMT_NUMBER);
        text_at(b, xx, y1 + 16, "middle", "tick", t);
    }
    sb_printf(b, "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", x0, y1, x1, y1);
    text_at(b, (x0 + x1) / 2, y1 + 34, "middle", "al", f->x_label);
    for (int s = 0; s < l->n; s++) { /* bands first, under every line */
        const svg_series *se = &l->series[s];
        if (!se->lo || !se->hi) continue;
        int finite = 0;
        for (int i = 0; i < se->n; i++)
            finite += isfinite(se->x[i]) && isfinite(se->lo[i]) && isfinite(se->hi[i]);
        if (finite < 2) continue;
        sb_printf(b, "<path class=\"band\" fill=\"%s\" d=\"", svg_colour(se->colour));
        int first = 1;
        for (int i = 0; i < se->n; i++) { /* along the top, then back along the bottom */
            if (!isfinite(se->x[i]) || !isfinite(se->lo[i]) || !isfinite(se->hi[i])) continue;
            sb_printf(b, "%s%.1f %.1f", first ? "M" : " L", px(&xs, se->x[i]), px(&ys, se->hi[i]));
            first = 0;
        }
        for (int i = se->n - 1; i >= 0; i--) {
            if (!isfinite(se->x[i]) || !isfinite(se->lo[i]) || !isfinite(se->hi[i])) continue;
            sb_printf(b, " L%.1f %.1f", px(&xs, se->x[i]), px(&ys, se->lo[i]));
        }
        sb_puts(b, " Z\"/>\n");
    }
    for (int s = 0; l->fill && s < l->nref; s++) {
        const svg_series *se = &l->fill[s];
        int firsti = 0, last = se->n - 1;
        while (last > 0 && !isfinite(se->y[last])) last--;
        while (firsti < last && !isfinite(se->y[firsti])) firsti++;
        if (!isfinite(l->ref[s]) || last <= firsti) continue;
        double ry = px(&ys, l->ref[s]);
        sb_printf(b, "<path class=\"tri\" fill=\"%s\" d=\"", svg_colour(se->colour));
        path_of(b, &xs, &ys, se->x + firsti, se->y + firsti, last - firsti + 1);
        sb_printf(b, " L%.1f %.1f L%.1f %.1f Z\"/>\n", px(&xs, se->x[last]), ry, px(&xs, se->x[firsti]), ry);
    }
    for (int r = 0; r < l->nref; r++) {
        if (!isfinite(l->ref[r])) continue;
        double ry = px(&ys, l->ref[r]);
        sb_printf(b, "<line class=\"ref\" stroke=\"%s\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n",
                  svg_colour(l->refcolour ? l->refcolour[r] : r), x0, ry, x1, ry);
    }
    for (int s = 0; s < l->n; s++) {
        const svg_series *se = &l->series[s];
        int finite = 0;
        for (int i = 0; i < se->n; i++) finite += isfinite(se->x[i]) && isfinite(se->y[i]);
        if (!finite) continue;
        const char *dash = svg_dash(se->colour);
        sb_printf(b, "<path class=\"line\" stroke=\"%s\"%s%s%s d=\"", svg_colour(se->colour),
                  dash ? " stroke-dasharray=\"" : "", dash ? dash : "", dash ? "\"" : "");
        path_of(b, &xs, &ys, se->x, se->y, se->n);
        sb_puts(b, "\"/>\n");
    }
    legend(b, x0, y1 + 52, x1 - x0, labels, colours, nl, 1);
    sb_puts(b, "</svg>\n");
}

/* ------------------------------------------------------------ bars */

void svg_grouped_bars(sbuf *b, const svg_frame *f, const char *const *cats, int ncat, const svg_bar_group *g,
                      int ng)
{
    const char *labels[16] = { 0 };
    int colours[16], nl = ng < 16 ? ng : 16;
    for (int i = 0; i < nl; i++) {
        labels[i] = g[i].label;
        colours[i] = g[i].colour;
    }
    double W = f->width, x0 = 78, x1 = W - 16;
    int rows = legend_rows(x1 - x0, labels, nl);
    double cw = (x1 - x0) / (ncat > 0 ? ncat : 1), bw = cw * 0.8 / (ng > 0 ? ng : 1);
    int lines = 1; /* of the tallest category label */
    for (int c = 0; c < ncat; c++) {
        char tmp[3][96];
        int n = wrap_words(cats[c], (int)(cw / 6.4) > 4 ? (int)(cw / 6.4) : 4, tmp);
        if (n > lines) lines = n;
    }
    double below = 13.0 * (lines - 1); /* the extra room those lines take */
    double y0 = 30, y1 = f->height - 44 - below - 18.0 * rows;
    double lo = INFINITY, hi = -INFINITY;
    for (int k = 0; k < ng; k++)
        for (int c = 0; c < ncat; c++) {
            double v = g[k].v[c];
            double a = g[k].lo && isfinite(g[k].lo[c]) ? g[k].lo[c] : v, z = g[k].hi && isfinite(g[k].hi[c]) ? g[k].hi[c] : v;
            if (isfinite(a) && a < lo) lo = a;
            if (isfinite(z) && z > hi) hi = z;
            if (isfinite(v) && v < lo) lo = v;
            if (isfinite(v) && v > hi) hi = v;
        }
    /* a quantity that cannot be negative keeps its axis at 0, whatever its
     * t interval says; whiskers are clipped there */
    int nonneg = 1;
    for (int k = 0; k < ng; k++)
        for (int c = 0; c < ncat; c++)
            if (g[k].v[c] < 0) nonneg = 0;
    if (nonneg && lo < 0) lo = 0;
    scale ys = { 0 };
    scale_fit(&ys, lo, hi, 1, 5);
    ys.p0 = y1, ys.p1 = y0;
    open_svg(b, f);
    y_axis(b, &ys, x0, x1, f->y_kind, f->y_label, (y0 + y1) / 2);
    double zero = px(&ys, 0);
    for (int c = 0; c < ncat; c++) {
        double cx = x0 + cw * c + cw * 0.1;
        for (int k = 0; k < ng; k++) {
            double v = g[k].v[c];
            if (!isfinite(v)) continue;
            double yv = px(&ys, v), top = yv < zero ? yv : zero, h = fabs(zero - yv);
            char t[64];
            fmt_human(t, sizeof t, v, f->y_kind, 0);
            sb_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>", cx + bw * k,
                      top, bw * 0.92, h < 0.5 ? 0.5 : h, svg_colour(g[k].colour));
            html_escape(b, g[k].label);
            sb_puts(b, ", ");
            html_escape(b, cats[c]);
            sb_puts(b, ": ");
            html_escape(b, t);
            sb_puts(b, "</title></rect>\n");
            if (g[k].lo && g[k].hi && isfinite(g[k].lo[c]) && isfinite(g[k].hi[c])) {
                double l0 = nonneg && g[k].lo[c] < 0 ? 0 : g[k].lo[c];
                double mx = cx + bw * k + bw * 0.46, a = px(&ys, l0), z = px(&ys, g[k].hi[c]);
                sb_printf(b,
                          "<path class=\"whisker\" d=\"M%.1f %.1f L%.1f %.1f M%.1f %.1f L%.1f %.1f M%.1f %.1f L%.1f "
                          "%.1f\"/>\n",
                          mx, a, mx, z, mx - 3, a, mx + 3, a, mx - 3, z, mx + 3, z);
            }
        }
        category_label(b, x0 + cw * c + cw / 2, y1 + 16, cw, cats[c]);
    }
    sb_printf(b, "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", x0, zero, x1, zero);
    text_at(b, (x0 + x1) / 2, y1 + 34 + below, "middle", "al", f->x_label);
    legend(b, x0, y1 + 52 + below, x1 - x0, labels, colours, nl, 0);
    sb_puts(b, "</svg>\n");
}

/* ------------------------------------------------------------ tiles */

/* Sequential: pale yellow to dark blue-purple (viridis-like, readable in
 * greyscale by lightness). Diverging: blue (lower, better) through white
 * to vermillion (higher). */
void svg_scale_colour(char buf[8], double x, double lo, double hi, int diverging)
{
    static const unsigned char seq[5][3] = {
        { 253, 231, 37 }, { 94, 201, 98 }, { 33, 145, 140 }, { 59, 82, 139 }, { 68, 1, 84 }
    };
    static const unsigned char div[3][3] = { { 0, 114, 178 }, { 247, 247, 247 }, { 213, 94, 0 } };
    double t;
    if (!isfinite(x)) {
        snprintf(buf, 8, "#dddddd");
        return;
    }
    if (diverging) {
        double m = fabs(lo) > fabs(hi) ? fabs(lo) : fabs(hi);
        t = m > 0 ? 0.5 + 0.5 * x / m : 0.5;
    } else {
        t = hi > lo ? (x - lo) / (hi - lo) : 0.5;
    }
    if (t < 0) t = 0;
    if (t > 1) t = 1;
    const unsigned char(*stops)[3] = diverging ? div : seq;
    int n = diverging ? 3 : 5;
    double p = t * (n - 1);
    int i = (int)p;
    if (i >= n - 1) i = n - 2;
    double u = p - i;
    int rgb[3];
    for (int c = 0; c < 3; c++) rgb[c] = (int)lround(stops[i][c] + (stops[i + 1][c] - stops[i][c]) * u);
    snprintf(buf, 8, "#%02x%02x%02x", rgb[0], rgb[1], rgb[2]);
}

const char *svg_ink(const char *fill)
{
    unsigned r, g, bl;
    if (sscanf(fill, "#%2x%2x%2x", &r, &g, &bl) != 3) return "#1a1a1a";
    return 0.299 * r + 0.587 * g + 0.114 * bl < 140 ? "#ffffff" : "#1a1a1a";
}

void svg_tile_grid(sbuf *b, const svg_frame *f, const svg_tiles *t)
{
    int cols = t->cols > 0 ? t->cols : 6, rows = (t->n + cols - 1) / cols;
    double W = f->width, x0 = 8, gap = 3, tw = (W - 16 - gap * (cols - 1)) / cols, th = 40;
    svg_frame fit = *f;
    fit.height = 30 + rows * (int)(th + gap) + 36; /* the grid decides its height */
    open_svg(b, &fit);
    for (int i = 0; i < t->n; i++) {
        int r = i / cols, c = i % cols;
        double x = x0 + c * (tw + gap), y = 30 + r * (th + gap);
        char col[8], v[64];
        svg_scale_colour(col, t->values[i], t->lo, t->hi, t->diverging);
        fmt_human(v, sizeof v, t->values[i], t->kind, t->diverging);
        const char *ink = svg_ink(col);
        sb_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>", x, y, tw, th, col);
        html_escape(b, t->labels[i]);
        if (t->sublabels) {
            sb_puts(b, " (");
            html_escape(b, t->sublabels[i]);
            sb_puts(b, ")");
        }
        sb_puts(b, ": ");
        html_escape(b, v);
        sb_puts(b, "</title></rect>\n");
        sb_printf(b, "<text x=\"%.1f\" y=\"%.1f\" class=\"tl\" style=\"fill:%s\">", x + 4, y + 14, ink);
        html_escape(b, t->labels[i]);
        sb_puts(b, "</text>\n");
        sb_printf(b, "<text x=\"%.1f\" y=\"%.1f\" class=\"tv\" style=\"fill:%s\">", x + 4, y + 32, ink);
        html_escape(b, v);
        if (t->sublabels) {
            sb_puts(b, " \u00b7 ");
            html_escape(b, t->sublabels[i]);
        }
        sb_puts(b, "</text>\n");
    }
    /* the colour legend: a stepped bar from lo to hi */
    const char *lt = t->legend ? t->legend : "";
    double ly = 30 + rows * (th + gap) + 10, lx = x0 + 6.5 * (double)strlen(lt) + 70, lw = W - 16 - lx - 70;
    text_at(b, x0, ly + 11, "start", "lg", lt);
    for (int k = 0; k < 20; k++) {
        double v = t->diverging ? -1 + 2 * (k + 0.5) / 20 : t->lo + (t->hi - t->lo) * (k + 0.5) / 20;
        double m = fabs(t->lo) > fabs(t->hi) ? fabs(t->lo) : fabs(t->hi);
        char col[8];
        svg_scale_colour(col, t->diverging ? v * m : v, t->lo, t->hi, t->diverging);
        sb_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"12\" fill=\"%s\"/>\n", lx + lw * k / 20, ly,
                  lw / 20 + 0.5, col);
    }
    char a[64], z[64];
    double m = fabs(t->lo) > fabs(t->hi) ? fabs(t->lo) : fabs(t->hi);
    fmt_human(a, sizeof a, t->diverging ? -m : t->lo, t->kind, t->diverging);
    fmt_human(z, sizeof z, t->diverging ? m : t->hi, t->kind, t->diverging);
    text_at(b, lx - 4, ly + 11, "end", "tick", a);
    text_at(b, lx + lw + 4, ly + 11, "start", "tick", z);
    sb_puts(b, "</svg>\n");
}

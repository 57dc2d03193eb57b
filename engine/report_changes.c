/*
 * report_changes: the report's "What changed" section: for each scenario,
 * the keys of its resolved scenario that differ from the baseline's
 * (compare_changes in changes.c finds them), in words where the key has a
 * description, with many items changed alike folded into one row.
 */
#include <string.h>

#include "alloc.h"
#include "compare.h"
#include "report.h"
#include "results.h"
#include "scenario.h"
#include "svg.h"

/* The first sentence of a key's description, for a table cell. */
static void first_sentence(sbuf *b, const char *doc)
{
    if (!doc) return;
    /* the first sentence, without its asides in brackets (which say how a
     * key differs for other kinds of service, not what this one is) */
    char buf[400];
    size_t n = 0;
    int depth = 0;
    for (const char *p = doc; *p && n + 1 < sizeof buf; p++) {
        if (!depth && p[0] == '.' && (p[1] == ' ' || !p[1])) {
            buf[n++] = '.';
            break;
        }
        if (*p == '(') depth++;
        else if (*p == ')' && depth) {
            depth--;
            continue;
        }
        if (depth) continue;
        if (*p == ' ' && (p[1] == '(' || (n && buf[n - 1] == ' '))) continue;
        buf[n++] = *p;
    }
    buf[n] = '\0';
    if (n > 240) { /* at a word, with an ellipsis */
        size_t cut = 240;
        while (cut > 0 && buf[cut] != ' ') cut--;
        ps_fmt(buf + cut, sizeof buf - cut, "\u2026");
    }
    html_escape(b, buf);
}

/* "place.neighbourhoods[Foundry].hubs" -> list "place.neighbourhoods",
 * rest ".hubs"; 0 when path names no list item. */
static int split_item(const char *path, size_t *list_len, const char **rest)
{
    const char *open = strchr(path, '['), *close = open ? strchr(open, ']') : NULL;
    if (!open || !close || !close[1]) return 0;
    *list_len = (size_t)(open - path);
    *rest = close + 1;
    return 1;
}

static int same_group(const cmp_change *x, const cmp_change *y)
{
    size_t lx, ly;
    const char *rx, *ry;
    return split_item(x->path, &lx, &rx) && split_item(y->path, &ly, &ry) && lx == ly &&
           !strncmp(x->path, y->path, lx) && !strcmp(rx, ry);
}

/* One row per change; the same key changed in many items of a list
 * (every neighbourhood's hubs) is one row, with the values it took. */
static void change_rows(sbuf *b, const cmp_scenario *s)
{
    char *done = ps_calloc(s->nchanges + 1, 1);
    if (!done) return;
    size_t rows = 0;
    for (size_t k = 0; k < s->nchanges && rows < 60; k++) {
        if (done[k]) continue;
        const cmp_change *ch = &s->changes[k];
        size_t count = 1, distinct_from = 1, distinct_to = 1, members = 1;
        for (size_t j = k + 1; j < s->nchanges; j++) members += !done[j] && same_group(ch, &s->changes[j]);
        /* a few services are listed one by one; a key of every neighbourhood is one row */
        for (size_t j = k + 1; members >= 8 && j < s->nchanges; j++) {
            if (done[j] || !same_group(ch, &s->changes[j])) continue;
            int new_from = 1, new_to = 1;
            for (size_t i = k; i < j; i++) {
                if (i != k && (!done[i] || !same_group(ch, &s->changes[i]))) continue;
                if (!strcmp(s->changes[i].from, s->changes[j].from)) new_from = 0;
                if (!strcmp(s->changes[i].to, s->changes[j].to)) new_to = 0;
            }
            distinct_from += (size_t)new_from;
            distinct_to += (size_t)new_to;
            done[j] = 1;
            count++;
        }
        rows++;
        sb_puts(b, "<tr><td><code>");
        if (count > 1) {
            size_t ll = 0;
            const char *rest = "";
            split_item(ch->path, &ll, &rest);
            sb_append(b, ch->path, ll);
            sb_puts(b, "[...]");
            html_escape(b, rest);
            sb_printf(b, "</code><span class=\"ci\">in %zu items</span></td><td>", count);
        } else {
            html_escape(b, ch->path);
            sb_puts(b, "</code></td><td>");
        }
        html_escape(b, distinct_from > 1 ? "various" : ch->from);
        sb_puts(b, "</td><td>");
        html_escape(b, distinct_to > 1 ? "various" : ch->to);
        sb_puts(b, "</td><td style=\"text-align:left\">");
        first_sentence(b, ch->doc);
        if (ch->unit && !(ch->doc && strstr(ch->doc, ch->unit))) { /* not "Concurrent cases (cases)" */
            sb_puts(b, " (");
            html_escape(b, ch->unit);
            sb_puts(b, ")");
        }
        sb_puts(b, "</td></tr>\n");
    }
    size_t left = 0;
    for (size_t k = 0; k < s->nchanges; k++) left += !done[k];
    ps_free(done);
    if (rows >= 60 && left > rows)
        sb_printf(b, "<tr><td colspan=\"4\">and more: comparison.json lists all %zu.</td></tr>\n", s->nchanges);
}

void report_what_changed(const report_ctx *c)
{
    sbuf *b = c->b;
    report_section(b, "what-changed", "What changed",
                   "The settings of each scenario that differ from the baseline's, after its files, extends and "
                   "--set are resolved. Settings not listed are the same.");
    for (int i = 1; i < c->n; i++) {
        const cmp_scenario *s = &c->cmp->sc[i - 1];
        sb_printf(b, "<h3><span class=\"swatch\" style=\"background:%s\"></span>", svg_colour(i));
        html_escape(b, c->labels[i]);
        sb_puts(b, "</h3>\n");
        const char *desc = scenario_config(c->res[i]->scenario)->description;
        if (desc && *desc) {
            sb_puts(b, "<p>");
            html_escape(b, desc);
            sb_puts(b, "</p>\n");
        }
        if (!s->nchanges) {
            sb_puts(b, "<p>No setting differs from the baseline.</p>\n");
            continue;
        }
        sb_puts(b, "<table><tr><th>Setting</th><th>Baseline</th><th>This scenario</th>"
                   "<th style=\"text-align:left;width:40%\">What it is</th></tr>\n");
        change_rows(b, s);
        sb_puts(b, "</table>\n");
    }
    report_section_end(b);
}

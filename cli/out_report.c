/*
 * out_report.c - report.html and report.md; see out_report.h.
 *
 * Inlining several gnuplot SVGs into one page: each one defines the same
 * ids (gnuplot_canvas, gpPt0, ...). Duplicate ids are invalid HTML and a
 * reference would resolve to the first chart's definition, so the ids and
 * the references to them (href="#..", url(#..)) of chart k are prefixed
 * with "c<k>-". The XML prolog and DOCTYPE before <svg> are dropped.
 */
#include "out_report.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "plt_buf.h"
#include "plt_charts.h"
#include "plt_file.h"
#include "res_fmt.h"
#include "scn_schema.h"
#include "sim_alloc.h"
#include "sim_text.h"

/* ---- shared ---------------------------------------------------------------- */

static const char *status_class(res_verdict_status s)
{
    switch (s) {
    case RES_VERDICT_OK:
        return "ok";
    case RES_VERDICT_UNCERTAIN:
    case RES_VERDICT_FEW:
        return "warn";
    case RES_VERDICT_MISSED:
    case RES_VERDICT_INCOMPLETE:
        return "bad";
    case RES_VERDICT_NONE:
        break;
    }
    return "none";
}

static const char *limit_class(res_limit_status s)
{
    switch (s) {
    case RES_LIMIT_OK:
        return "ok";
    case RES_LIMIT_TIGHT:
        return "warn";
    case RES_LIMIT_EXHAUSTED:
        return "bad";
    case RES_LIMIT_UNMEASURED:
        break;
    }
    return "none";
}

static void slo_text(const res_verdict_flow *f, char *buf, size_t n)
{
    if (f->slo_s > 0 && f->flow && f->flow->slo_nightly)
        snprintf(buf, n, "nightly");
    else if (f->slo_s > 0)
        res_fmt_duration(f->slo_s, buf, n);
    else
        snprintf(buf, n, "none");
}

static void ran_out_text(const res_limit *l, char *buf, size_t n)
{
    char at[32];
    if (l->runs_out == 0)
        snprintf(buf, n, "never");
    else if (isfinite(l->out_at_s))
        snprintf(buf, n, "%s (in %d of %d runs)", res_fmt_clock(l->out_at_s, at, sizeof at),
                 l->runs_out, l->reps);
    else
        snprintf(buf, n, "in %d of %d runs", l->runs_out, l->reps);
}

/* Appends s as one shell word: bare when it has only characters no shell
 * treats specially, otherwise in single quotes ('\'' for a quote). */
static void shell_word(plt_buf *b, const char *s)
{
    if (*s && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
                        "_-+=.,:/@%") == strlen(s)) {
        plt_buf_puts(b, s);
        return;
    }
    plt_buf_put(b, "'", 1);
    for (; *s; s++)
        if (*s == '\'')
            plt_buf_puts(b, "'\\''");
        else
            plt_buf_put(b, s, 1);
    plt_buf_put(b, "'", 1);
}

/* The command that runs this again: the scenario, load, whole days, seed,
 * replications and the user's --set overrides (applied last, as they
 * were). Returns the text (sim_free it), NULL on no memory. */
static char *reproduce(const res_results *r)
{
    plt_buf b;
    plt_buf_init(&b);
    plt_buf_puts(&b, "erpsim run");
    if (r->source && strcmp(r->source, "default.yaml")) {
        plt_buf_puts(&b, " ");
        if (r->source[0] == '-') /* a file, not an option, for erpsim */
            plt_buf_puts(&b, "./");
        shell_word(&b, r->source);
    }
    plt_buf_printf(&b, " --load %gx", r->load);
    /* A whole number of days that --days takes; a hand-edited file may hold
     * anything (NaN, 1e308), which no int holds. */
    double days = floor(r->horizon_s / 86400.0 + 0.5);
    if (days >= 1 && days <= SCN_HORIZON_MAX_DAYS && fabs(r->horizon_s - days * 86400.0) < 1e-6)
        plt_buf_printf(&b, " --days %d", (int)days);
    plt_buf_printf(&b, " --seed %llu --reps %d", (unsigned long long)r->seed, r->replications);
    for (int i = 0; i < r->noverrides; i++) {
        plt_buf_puts(&b, " --set ");
        shell_word(&b, r->overrides[i]);
    }
    return plt_buf_take(&b);
}

/* ---- HTML ----------------------------------------------------------------- */

/* HTML text: the five characters HTML gives a meaning escaped as
 * entities, and every character sim_text.h escapes shown as its escape
 * (a newline too, except in <pre> with keep_newlines). Everything from the
 * scenario or results.json goes through here. */
static void esc_text(plt_buf *b, const char *s, int keep_newlines)
{
    char piece[SIM_TEXT_PIECE];
    while (s && *s) {
        const char *entity = *s == '&'                     ? "&amp;"
                             : *s == '<'                   ? "&lt;"
                             : *s == '>'                   ? "&gt;"
                             : *s == '"'                   ? "&quot;"
                             : *s == '\''                  ? "&#39;"
                             : *s == '\n' && keep_newlines ? "\n"
                                                           : NULL;
        if (entity) {
            plt_buf_puts(b, entity);
            s++;
            continue;
        }
        s += sim_text_piece(s, piece);
        plt_buf_puts(b, piece);
    }
}

static void esc(plt_buf *b, const char *s)
{
    esc_text(b, s, 0);
}

static const char style[] =
    ":root{--ink:#1b2230;--muted:#5d6677;--line:#e2e6ed;--panel:#f6f7f9;--bad:#b3261e;"
    "--bad-bg:#fcebea;--warn:#8a5300;--warn-bg:#fff3dc;--ok:#1e6b33;--ok-bg:#e6f4ea;"
    "--none-bg:#eef0f4;--accent:#1f5fbf}\n"
    "*{box-sizing:border-box}\n"
    "html{-webkit-text-size-adjust:100%}\n"
    "body{margin:0;background:#fff;color:var(--ink);font:16px/1.6 -apple-system,"
    "BlinkMacSystemFont,\"Segoe UI\",Roboto,\"Helvetica Neue\",Arial,\"Noto Sans\","
    "\"Liberation Sans\",sans-serif}\n"
    "main{max-width:1120px;margin:0 auto;padding:48px 36px 96px}\n"
    ".kicker{margin:0;color:var(--muted);font-size:.8rem;letter-spacing:.08em;"
    "text-transform:uppercase;font-weight:600}\n"
    "h1{font-size:2.1rem;line-height:1.2;margin:.3rem 0 .4rem;letter-spacing:-.015em}\n"
    "h2{font-size:1.3rem;margin:2.8rem 0 .9rem;padding-bottom:.35rem;border-bottom:2px solid "
    "var(--line);letter-spacing:-.005em}\n"
    "h3{font-size:1.05rem;margin:0 0 .6rem}\n"
    "p.lead{font-size:1.1rem;color:#384152;margin:.2rem 0 1.4rem;max-width:72ch}\n"
    "table{border-collapse:collapse;width:100%;font-size:.93rem;"
    "font-variant-numeric:tabular-nums}\n"
    "th,td{text-align:left;padding:.5rem .65rem;border-bottom:1px solid var(--line);"
    "vertical-align:top}\n"
    "th{font-size:.74rem;text-transform:uppercase;letter-spacing:.05em;color:var(--muted);"
    "font-weight:600;border-bottom:2px solid var(--line)}\n"
    "td.num,th.num{text-align:right;white-space:nowrap;padding-left:.35rem}\n"
    "td.id{font-weight:600;white-space:nowrap}\n"
    "table.facts{width:auto;font-size:.9rem}table.facts th{text-transform:none;letter-spacing:0;"
    "font-size:.9rem;padding-right:1.5rem}\n"
    ".badge{display:inline-block;padding:.08rem .55rem;border-radius:999px;font-size:.78rem;"
    "font-weight:700;white-space:nowrap}\n"
    ".ok{background:var(--ok-bg);color:var(--ok)}.warn{background:var(--warn-bg);"
    "color:var(--warn)}.bad{background:var(--bad-bg);color:var(--bad)}.none{background:"
    "var(--none-bg);color:var(--muted)}\n"
    ".verdict{margin:1.6rem 0 0;padding:1rem 1.3rem;border-radius:10px;font-weight:700;"
    "font-size:1.05rem}\n"
    "ol.breaks{padding-left:1.6rem}ol.breaks li{margin:.45rem 0}\n"
    ".why{color:#3d4657;font-size:.92rem}\n"
    ".when{display:inline-block;min-width:8.5em;color:var(--muted);"
    "font-variant-numeric:tabular-nums}\n"
    "figure{margin:1.4rem 0 2.6rem;break-inside:avoid}\n"
    "figure .chart svg{display:block;width:100%;height:auto;border:1px solid var(--line);"
    "border-radius:8px}\n"
    "figcaption{color:#3d4657;font-size:.93rem;margin-top:.7rem;max-width:80ch}\n"
    "pre{background:var(--panel);border:1px solid var(--line);border-radius:8px;padding:1rem "
    "1.1rem;overflow-x:auto;font:12.5px/1.5 ui-monospace,\"SFMono-Regular\",Menlo,Consolas,"
    "\"Liberation Mono\",monospace}\n"
    "code{font:.9em ui-monospace,\"SFMono-Regular\",Menlo,Consolas,\"Liberation Mono\","
    "monospace;background:var(--panel);padding:.1rem .3rem;border-radius:4px}\n"
    "details summary{cursor:pointer;color:var(--accent);font-weight:600;margin:.4rem 0}\n"
    "footer{margin-top:3.5rem;color:var(--muted);font-size:.85rem;border-top:1px solid "
    "var(--line);padding-top:1rem}\n"
    ".note{color:var(--muted);font-style:italic}\n"
    "@media (max-width:700px){main{padding:24px 16px}h1{font-size:1.6rem}}\n"
    "@media print{main{padding:0;max-width:none}h2{break-after:avoid}}\n";

/* 1 if id[0..n) is in the list of ids seen (each followed by '\n'),
 * else adds it and returns 0. */
static int seen_before(plt_buf *seen, const char *id, size_t n)
{
    for (const char *p = seen->data; p && *p;) {
        const char *end = strchr(p, '\n');
        if ((size_t)(end - p) == n && !memcmp(p, id, n))
            return 1;
        p = end + 1;
    }
    plt_buf_put(seen, id, n);
    plt_buf_put(seen, "\n", 1);
    return 0;
}

/* Copies svg text, without what precedes <svg, prefixing ids and the
 * references to them; an id gnuplot repeats within one chart (the
 * gnuplot_plot_N groups of a multiplot) gets a "-d<k>" suffix as well. */
static void inline_svg(plt_buf *b, const char *svg, int k)
{
    const char *p = strstr(svg, "<svg");
    if (!p)
        return;
    char prefix[16];
    snprintf(prefix, sizeof prefix, "c%d-", k);
    static const char *const marks[] = {"id=\"", "id='", "href=\"#", "href='#", "url(#"};
    plt_buf seen;
    plt_buf_init(&seen);
    int dups = 0;
    while (*p) {
        size_t best = (size_t)-1, which = 0;
        for (size_t m = 0; m < sizeof marks / sizeof marks[0]; m++) {
            const char *q = strstr(p, marks[m]);
            if (q && (size_t)(q - p) < best) {
                best = (size_t)(q - p);
                which = m;
            }
        }
        if (best == (size_t)-1) {
            plt_buf_puts(b, p);
            break;
        }
        /* only a whole attribute name: " id=" not "gid=" */
        size_t len = strlen(marks[which]);
        int is_id = which < 2;
        int whole =
            !is_id || best == 0 || p[best - 1] == ' ' || p[best - 1] == '\t' || p[best - 1] == '\n';
        plt_buf_put(b, p, best + len);
        p += best + len;
        if (!whole)
            continue;
        plt_buf_puts(b, prefix);
        if (is_id) {
            size_t n = strcspn(p, "\"'");
            plt_buf_put(b, p, n);
            if (seen_before(&seen, p, n))
                plt_buf_printf(b, "-d%d", ++dups);
            p += n;
        }
    }
    if (seen.failed)
        b->failed = 1;
    plt_buf_fini(&seen);
}

/* One row of a variants table: flow f as written (g NULL) or under a
 * variant (its figures g): p99 and its half-width, created, delivered,
 * rejected, lost + dead-lettered, and the flow's verdict. */
typedef struct variant_row {
    double p99, hw, counts[4];
    const char *status;
} variant_row;

static variant_row row_of(const res_verdict_flow *f, const res_variant_flow *g)
{
    if (g)
        return (variant_row){g->p99,
                             g->p99_hw,
                             {g->created, g->delivered, g->rejected, g->lost + g->dead_lettered},
                             g->status};
    return (variant_row){f->p99,
                         f->p99_hw,
                         {f->created, f->delivered, f->rejected, f->lost + f->dead_lettered},
                         res_verdict_status_name(f->status)};
}

static void html_variants(plt_buf *b, const res_results *r, const res_verdict *v)
{
    if (r->nvariants == 0)
        return;
    char t[512];
    plt_buf_puts(b, "<h2>Variants</h2>\n<p>Each variant runs with the same seed as the scenario "
                    "as written: every variant sees the same arrivals.</p>\n<table>\n<thead><tr>"
                    "<th>variant</th><th>verdict</th></tr></thead>\n<tbody>\n"
                    "<tr><td class=\"id\">as written</td><td>");
    esc(b, res_verdict_banner(v, t, sizeof t));
    plt_buf_puts(b, "</td></tr>\n");
    for (int k = 0; k < r->nvariants; k++) {
        const res_variant *x = &r->variants[k];
        plt_buf_puts(b, "<tr><td class=\"id\">");
        esc(b, x->id);
        plt_buf_puts(b, "</td><td>");
        esc(b, x->banner);
        if (x->description && x->description[0]) {
            plt_buf_puts(b, "<br><span class=\"why\">");
            esc(b, x->description);
            plt_buf_puts(b, "</span>");
        }
        plt_buf_puts(b, "</td></tr>\n");
    }
    plt_buf_puts(b, "</tbody>\n</table>\n<table>\n<thead><tr><th>flow</th><th>variant</th>"
                    "<th class=\"num\">p99 latency (95% CI)</th><th class=\"num\">created</th>"
                    "<th class=\"num\">delivered</th><th class=\"num\">rejected</th>"
                    "<th class=\"num\">lost + DLQ</th><th>verdict</th></tr></thead>\n<tbody>\n");
    for (int i = 0; i < v->nflows; i++) {
        const res_verdict_flow *f = &v->flows[i];
        for (int k = -1; k < r->nvariants; k++) {
            const res_variant_flow *g = k >= 0 ? res_variant_flow_of(&r->variants[k], f->id) : NULL;
            if (k >= 0 && !g)
                continue;
            char c[64];
            plt_buf_puts(b, "<tr><td class=\"id\">");
            esc(b, k < 0 ? f->id : "");
            plt_buf_puts(b, "</td><td>");
            esc(b, k < 0 ? "as written" : r->variants[k].id);
            variant_row w = row_of(f, g);
            plt_buf_puts(b, "</td><td class=\"num\">");
            esc(b, res_fmt_duration_ci(w.p99, w.hw, c, sizeof c));
            for (size_t n = 0; n < 4; n++)
                plt_buf_printf(b, "</td><td class=\"num\">%s",
                               res_fmt_count(w.counts[n], c, sizeof c));
            plt_buf_puts(b, "</td><td>");
            esc(b, w.status);
            plt_buf_puts(b, "</td></tr>\n");
        }
    }
    plt_buf_puts(b, "</tbody>\n</table>\n");
}

static void md_text(plt_buf *b, const char *s);

static void md_variants(plt_buf *b, const res_results *r, const res_verdict *v)
{
    if (r->nvariants == 0)
        return;
    char t[512], c[64];
    plt_buf_puts(b, "\n## Variants\n\nEach variant runs with the same seed as the scenario as "
                    "written.\n\n| variant | verdict |\n|---|---|\n| as written | ");
    md_text(b, res_verdict_banner(v, t, sizeof t));
    plt_buf_puts(b, " |\n");
    for (int k = 0; k < r->nvariants; k++) {
        plt_buf_puts(b, "| ");
        md_text(b, r->variants[k].id);
        plt_buf_puts(b, " | ");
        md_text(b, r->variants[k].banner);
        plt_buf_puts(b, " |\n");
    }
    plt_buf_puts(b, "\n| flow | variant | p99 latency (95% CI) | created | delivered | rejected | "
                    "lost + DLQ | verdict |\n|---|---|--:|--:|--:|--:|--:|---|\n");
    for (int i = 0; i < v->nflows; i++) {
        const res_verdict_flow *f = &v->flows[i];
        for (int k = -1; k < r->nvariants; k++) {
            const res_variant_flow *g = k >= 0 ? res_variant_flow_of(&r->variants[k], f->id) : NULL;
            if (k >= 0 && !g)
                continue;
            plt_buf_puts(b, "| ");
            md_text(b, k < 0 ? f->id : "");
            plt_buf_puts(b, " | ");
            md_text(b, k < 0 ? "as written" : r->variants[k].id);
            variant_row w = row_of(f, g);
            plt_buf_printf(b, " | %s", res_fmt_duration_ci(w.p99, w.hw, c, sizeof c));
            for (size_t n = 0; n < 4; n++)
                plt_buf_printf(b, " | %s", res_fmt_count(w.counts[n], c, sizeof c));
            plt_buf_puts(b, " | ");
            md_text(b, w.status);
            plt_buf_puts(b, " |\n");
        }
    }
}

static void html_tables(plt_buf *b, const res_verdict *v)
{
    char c1[64], c2[64];
    if (v->nflows > 0) {
        plt_buf_puts(b, "<h2>Flows</h2>\n<table>\n<thead><tr><th>flow</th><th>pattern</th>"
                        "<th>route</th><th class=\"num\">SLO</th><th class=\"num\">p99 latency "
                        "(95% CI)</th><th>verdict</th><th class=\"num\">created</th>"
                        "<th class=\"num\">delivered</th><th class=\"num\">rejected</th>"
                        "<th class=\"num\"><abbr title=\"dead-lettered\">DLQ</abbr></th>"
                        "<th class=\"num\">lost</th><th class=\"num\">pending</th></tr>"
                        "</thead>\n<tbody>\n");
        for (int i = 0; i < v->nflows; i++) {
            const res_verdict_flow *f = &v->flows[i];
            plt_buf_puts(b, "<tr><td class=\"id\">");
            esc(b, f->id);
            plt_buf_puts(b, "</td><td>");
            esc(b, f->flow ? f->flow->pattern : "");
            plt_buf_puts(b, "</td><td>");
            if (f->flow) {
                esc(b, f->flow->source);
                plt_buf_puts(b, " → ");
                esc(b, f->flow->target);
            }
            slo_text(f, c1, sizeof c1);
            res_fmt_duration_ci(f->p99, f->p99_hw, c2, sizeof c2);
            plt_buf_puts(b, "</td><td class=\"num\">");
            esc(b, c1);
            plt_buf_puts(b, "</td><td class=\"num\">");
            esc(b, c2);
            plt_buf_printf(b, "</td><td><span class=\"badge %s\">%s</span></td>",
                           status_class(f->status), res_verdict_status_name(f->status));
            const double counts[] = {f->created,       f->delivered, f->rejected,
                                     f->dead_lettered, f->lost,      f->pending};
            for (size_t k = 0; k < 6; k++)
                plt_buf_printf(b, "<td class=\"num\">%s</td>",
                               res_fmt_count(counts[k], c1, sizeof c1));
            plt_buf_puts(b, "</tr>\n");
        }
        plt_buf_puts(b, "</tbody>\n</table>\n<p class=\"note\">Counts are means per replication. "
                        "A flow misses when the p99 latency of its delivered records is above its "
                        "SLO, or when more of its records than its tolerance are not delivered "
                        "(rejected, dead-lettered, lost, or pending longer than the SLO); "
                        "“uncertain” means the SLO lies inside the 95% confidence interval.</p>\n");
    }
    if (v->nlimits > 0) {
        plt_buf_puts(b, "<h2>Limits</h2>\n<table>\n<thead><tr><th>system</th><th>limit</th>"
                        "<th class=\"num\">size</th><th class=\"num\">peak use (95% CI)</th>"
                        "<th class=\"num\">headroom</th><th>ran out</th><th>verdict</th></tr>"
                        "</thead>\n<tbody>\n");
        for (int i = 0; i < v->nlimits; i++) {
            const res_limit *l = &v->limits[i];
            plt_buf_puts(b, "<tr><td class=\"id\">");
            esc(b, l->def->id);
            plt_buf_puts(b, "</td><td>");
            esc(b, l->def->what);
            plt_buf_printf(b, "</td><td class=\"num\">%s</td>",
                           res_fmt_count(l->def->limit, c1, sizeof c1));
            res_fmt_count_ci(l->peak, l->peak_hw, c1, sizeof c1);
            plt_buf_puts(b, "<td class=\"num\">");
            esc(b, c1);
            plt_buf_printf(b, "</td><td class=\"num\">%s</td><td>",
                           res_fmt_percent(l->headroom, c2, sizeof c2));
            ran_out_text(l, c1, sizeof c1);
            esc(b, c1);
            plt_buf_printf(b, "</td><td><span class=\"badge %s\">%s</span></td></tr>\n",
                           limit_class(l->status), res_limit_status_name(l->status));
        }
        plt_buf_puts(b, "</tbody>\n</table>\n<p class=\"note\">Headroom is 1 − peak / limit; the "
                        "card asks for at least 30% (“tight” below that).</p>\n");
    }
}

char *out_report_html(const res_results *r, const res_verdict *v, const char *dir, unsigned drawn,
                      const char *charts_note, sim_err *err)
{
    plt_buf b;
    plt_buf_init(&b);
    char t[512], load[32];
    snprintf(load, sizeof load, "%g", r->load);
    plt_buf_puts(&b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                     "<meta name=\"generator\" content=\"erpsim\">\n<title>erpsim report: ");
    esc(&b, r->name);
    plt_buf_printf(&b, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<main>\n", style);
    plt_buf_puts(&b, "<header>\n<p class=\"kicker\">erpsim · capacity test of integration "
                     "patterns</p>\n<h1>");
    esc(&b, r->name);
    plt_buf_puts(&b, "</h1>\n");
    if (r->description && r->description[0]) {
        plt_buf_puts(&b, "<p class=\"lead\">");
        esc(&b, r->description);
        plt_buf_puts(&b, "</p>\n");
    }
    plt_buf_puts(&b, "<table class=\"facts\">\n<tr><th>scenario</th><td><code>");
    esc(&b, r->source);
    plt_buf_printf(&b, "</code></td></tr>\n<tr><th>load</th><td>%sx</td></tr>\n", load);
    plt_buf_printf(&b, "<tr><th>horizon</th><td>%s</td></tr>\n",
                   res_fmt_duration(r->horizon_s, t, sizeof t));
    plt_buf_printf(&b,
                   "<tr><th>replications</th><td>%d (%.0f%% confidence intervals, Student "
                   "t)</td></tr>\n",
                   r->replications, r->confidence * 100.0);
    plt_buf_printf(&b, "<tr><th>seed</th><td>%llu</td></tr>\n", (unsigned long long)r->seed);
    plt_buf_puts(&b, "<tr><th>erpsim</th><td>");
    esc(&b, r->version);
    char *again = reproduce(r);
    plt_buf_puts(&b, "</td></tr>\n<tr><th>reproduce</th><td><code>");
    if (!again)
        b.failed = 1;
    esc(&b, again);
    sim_free(again);
    plt_buf_puts(&b, "</code></td></tr>\n</table>\n");
    int level = res_verdict_level(v);
    res_verdict_banner(v, t, sizeof t);
    plt_buf_printf(&b, "<div class=\"verdict %s\">", level == 2 ? "bad" : level ? "warn" : "ok");
    esc(&b, t);
    plt_buf_puts(&b, "</div>\n</header>\n");

    plt_buf_puts(&b, "<h2>What breaks first</h2>\n");
    if (v->nitems == 0) {
        plt_buf_puts(&b, "<p>Nothing: ");
        esc(&b, res_verdict_nothing_breaks(t, sizeof t));
        plt_buf_puts(&b, ".</p>\n");
    } else {
        plt_buf_puts(&b, "<ol class=\"breaks\">\n");
        for (int i = 0; i < v->nitems; i++) {
            plt_buf_puts(&b, "<li>");
            if (isfinite(v->items[i].at_s)) {
                plt_buf_printf(&b, "<span class=\"when\">%s</span> ",
                               res_fmt_clock(v->items[i].at_s, t, sizeof t));
            }
            esc(&b, v->items[i].text);
            if (v->items[i].cause[0]) {
                plt_buf_puts(&b, "<br><span class=\"why\">why: ");
                esc(&b, v->items[i].cause);
                plt_buf_puts(&b, "</span>");
            }
            if (v->items[i].take[0]) {
                plt_buf_puts(&b, "<br><span class=\"why\">it would take: ");
                esc(&b, v->items[i].take);
                plt_buf_puts(&b, "</span>");
            }
            plt_buf_puts(&b, "</li>\n");
        }
        plt_buf_puts(&b, "</ol>\n<p class=\"note\">Times are simulated time from the start "
                         "(day 0 is the first day), the mean over the replications in which "
                         "it happened.</p>\n");
    }
    html_tables(&b, v);
    html_variants(&b, r, v);

    plt_buf_puts(&b, "<h2>Charts</h2>\n");
    if (charts_note) {
        plt_buf_puts(&b, "<p class=\"note\">");
        esc(&b, charts_note);
        plt_buf_puts(&b, "</p>\n");
    }
    for (int k = 0; k < PLT_NCHARTS; k++) {
        if (!((drawn >> k) & 1))
            continue;
        const plt_chart_info *info = plt_chart_info_of((plt_chart_kind)k);
        char leaf[64];
        snprintf(leaf, sizeof leaf, "charts/%s.svg", info->name);
        char *path = plt_file_join(dir, leaf);
        char *svg = path ? plt_file_read(path, NULL, NULL) : NULL;
        sim_free(path);
        plt_buf_printf(&b, "<figure id=\"chart-%s\">\n<h3>", info->name);
        esc(&b, info->title);
        plt_buf_puts(&b, "</h3>\n<div class=\"chart\">\n");
        if (svg)
            inline_svg(&b, svg, k);
        else
            plt_buf_puts(&b, "<p class=\"note\">(chart file missing)</p>");
        sim_free(svg);
        plt_buf_puts(&b, "\n</div>\n<figcaption>");
        esc(&b, info->how_to_read);
        plt_buf_puts(&b, "</figcaption>\n</figure>\n");
    }
    if (drawn == 0 && !charts_note)
        plt_buf_puts(&b, "<p class=\"note\">No chart: the run produced no time series.</p>\n");

    plt_buf_puts(&b, "<h2>Scenario as run</h2>\n<p>Every value, defaults included; the comment "
                     "after each says where it came from (the file, a <code>--set</code>, a "
                     "system preset with its source, or the built-in default).</p>\n"
                     "<details>\n<summary>Show the scenario (YAML)</summary>\n<pre>");
    esc_text(&b, r->yaml ? r->yaml : "(not recorded)", 1);
    plt_buf_puts(&b, "</pre>\n</details>\n<footer>Generated by erpsim ");
    esc(&b, r->version);
    plt_buf_puts(&b, " from the same results as <code>results.json</code>. Simulated results "
                     "are estimates: each figure is a mean over independent replications with "
                     "its confidence interval.</footer>\n</main>\n</body>\n</html>\n");
    if (plt_buf_status(&b, err) != SIM_OK) {
        plt_buf_fini(&b);
        return NULL;
    }
    return plt_buf_take(&b);
}

/* ---- Markdown -------------------------------------------------------------- */

/* Markdown inline text, for everything from the scenario or results.json:
 * the characters that can start Markdown syntax in the middle of a line
 * (emphasis, code, links and images, autolinks and raw HTML, entities,
 * GFM's table pipes and strikethrough, a heading's closing #s, math) are
 * backslash-escaped, which CommonMark renders as the character itself
 * (spec 2.4: any ASCII punctuation may be escaped), and every character
 * sim_text.h escapes is shown as its escape, so the text stays on its
 * line. What is left (letters, digits, - . , : ; / ? ' " % @ = + and
 * spaces) has a meaning only at the start of a line (lists, headings,
 * thematic breaks), and the report never starts a line with user text: it
 * follows "# ", "| " or a list number. */
static void md_text(plt_buf *b, const char *s)
{
    char piece[SIM_TEXT_PIECE];
    while (s && *s) {
        if (strchr("\\`*_[](){}<>&!|~#$^", *s)) {
            plt_buf_put(b, "\\", 1);
            plt_buf_put(b, s++, 1);
            continue;
        }
        s += sim_text_piece(s, piece);
        plt_buf_puts(b, piece);
    }
}

/* The longest run of backticks in s. */
static size_t backtick_run(const char *s)
{
    size_t best = 0, run = 0;
    for (; s && *s; s++) {
        run = *s == '`' ? run + 1 : 0;
        best = run > best ? run : best;
    }
    return best;
}

static void backticks(plt_buf *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        plt_buf_put(b, "`", 1);
}

/* A code span in a table cell: delimited by more backticks than any run in
 * s (CommonMark 6.1), padded with spaces when s starts or ends with a
 * backtick; '|' escaped (GFM tables split cells on it even inside code) and
 * control characters shown as escapes. */
static void md_code(plt_buf *b, const char *s)
{
    s = s ? s : "";
    size_t fence = backtick_run(s) + 1, n = strlen(s);
    int pad = n > 0 && (s[0] == '`' || s[n - 1] == '`');
    char piece[SIM_TEXT_PIECE];
    backticks(b, fence);
    if (pad)
        plt_buf_put(b, " ", 1);
    while (*s) {
        if (*s == '|') {
            plt_buf_puts(b, "\\|");
            s++;
            continue;
        }
        s += sim_text_piece(s, piece);
        plt_buf_puts(b, piece);
    }
    if (pad)
        plt_buf_put(b, " ", 1);
    backticks(b, fence);
}

/* A fenced code block of text: the fence is longer than any run of
 * backticks in it, so no line of the text can close it (CommonMark 4.5);
 * control characters other than the line ends are shown as escapes. */
static void md_block(plt_buf *b, const char *info, const char *text)
{
    size_t fence = backtick_run(text) + 1;
    char piece[SIM_TEXT_PIECE];
    backticks(b, fence < 3 ? 3 : fence);
    plt_buf_printf(b, "%s\n", info);
    for (const char *s = text; *s;) {
        if (*s == '\n') {
            plt_buf_put(b, s++, 1);
            continue;
        }
        s += sim_text_piece(s, piece);
        plt_buf_puts(b, piece);
    }
    if (b->len > 0 && b->data[b->len - 1] != '\n')
        plt_buf_puts(b, "\n");
    backticks(b, fence < 3 ? 3 : fence);
    plt_buf_puts(b, "\n");
}

char *out_report_md(const res_results *r, const res_verdict *v, unsigned drawn,
                    const char *charts_note, sim_err *err)
{
    plt_buf b;
    plt_buf_init(&b);
    char t[512], c1[64], c2[64], load[32];
    snprintf(load, sizeof load, "%g", r->load);
    plt_buf_puts(&b, "# ");
    md_text(&b, r->name);
    /* the description in the table, like every other text from the
     * scenario: never at the start of a line (md_text) */
    plt_buf_puts(&b, "\n\n| | |\n|---|---|\n");
    if (r->description && r->description[0]) {
        plt_buf_puts(&b, "| description | ");
        md_text(&b, r->description);
        plt_buf_puts(&b, " |\n");
    }
    plt_buf_puts(&b, "| scenario | ");
    md_code(&b, r->source);
    plt_buf_printf(&b, " |\n| load | %sx |\n| horizon | %s |\n", load,
                   res_fmt_duration(r->horizon_s, t, sizeof t));
    plt_buf_printf(&b, "| replications | %d (%.0f%% confidence intervals) |\n| seed | %llu |\n",
                   r->replications, r->confidence * 100.0, (unsigned long long)r->seed);
    char *again = reproduce(r);
    if (!again)
        b.failed = 1;
    plt_buf_puts(&b, "| erpsim | ");
    md_text(&b, r->version);
    plt_buf_puts(&b, " |\n| reproduce | ");
    md_code(&b, again);
    plt_buf_puts(&b, " |\n\n");
    sim_free(again);
    res_verdict_banner(v, t, sizeof t);
    plt_buf_printf(&b, "**Verdict: %s**\n\n## What breaks first\n\n", t);
    if (v->nitems == 0)
        plt_buf_printf(&b, "Nothing: %s.\n", res_verdict_nothing_breaks(t, sizeof t));
    for (int i = 0; i < v->nitems; i++) {
        plt_buf_printf(&b, "%d. ", i + 1);
        if (isfinite(v->items[i].at_s))
            plt_buf_printf(&b, "**%s** — ", res_fmt_clock(v->items[i].at_s, t, sizeof t));
        md_text(&b, v->items[i].text);
        plt_buf_puts(&b, "\n");
        if (v->items[i].cause[0]) {
            plt_buf_puts(&b, "   - why: ");
            md_text(&b, v->items[i].cause);
            plt_buf_puts(&b, "\n");
        }
        if (v->items[i].take[0]) {
            plt_buf_puts(&b, "   - it would take: ");
            md_text(&b, v->items[i].take);
            plt_buf_puts(&b, "\n");
        }
    }
    if (v->nflows > 0) {
        plt_buf_puts(&b, "\n## Flows\n\n| flow | pattern | route | SLO | p99 latency (95% CI) | "
                         "verdict | created | delivered | rejected | dead-lettered | lost | "
                         "pending |\n|---|---|---|--:|--:|---|--:|--:|--:|--:|--:|--:|\n");
        for (int i = 0; i < v->nflows; i++) {
            const res_verdict_flow *f = &v->flows[i];
            plt_buf_puts(&b, "| **");
            md_text(&b, f->id);
            plt_buf_puts(&b, "** | ");
            md_text(&b, f->flow ? f->flow->pattern : "");
            plt_buf_puts(&b, " | ");
            if (f->flow) {
                md_text(&b, f->flow->source);
                plt_buf_puts(&b, " → ");
                md_text(&b, f->flow->target);
            }
            slo_text(f, c1, sizeof c1);
            res_fmt_duration_ci(f->p99, f->p99_hw, c2, sizeof c2);
            plt_buf_printf(&b, " | %s | %s | %s", c1, c2, res_verdict_status_name(f->status));
            const double counts[] = {f->created,       f->delivered, f->rejected,
                                     f->dead_lettered, f->lost,      f->pending};
            for (size_t k = 0; k < 6; k++)
                plt_buf_printf(&b, " | %s", res_fmt_count(counts[k], c1, sizeof c1));
            plt_buf_puts(&b, " |\n");
        }
    }
    if (v->nlimits > 0) {
        plt_buf_puts(&b, "\n## Limits\n\n| system | limit | size | peak use (95% CI) | headroom | "
                         "ran out | verdict |\n|---|---|--:|--:|--:|---|---|\n");
        for (int i = 0; i < v->nlimits; i++) {
            const res_limit *l = &v->limits[i];
            res_fmt_count_ci(l->peak, l->peak_hw, c2, sizeof c2);
            plt_buf_puts(&b, "| **");
            md_text(&b, l->def->id);
            plt_buf_puts(&b, "** | ");
            md_text(&b, l->def->what);
            plt_buf_printf(&b, " | %s | %s", res_fmt_count(l->def->limit, c1, sizeof c1), c2);
            ran_out_text(l, c2, sizeof c2);
            plt_buf_printf(&b, " | %s | %s | %s |\n", res_fmt_percent(l->headroom, c1, sizeof c1),
                           c2, res_limit_status_name(l->status));
        }
    }
    md_variants(&b, r, v);
    plt_buf_puts(&b, "\n## Charts\n\n");
    if (charts_note)
        plt_buf_printf(&b, "_%s_\n\n", charts_note);
    for (int k = 0; k < PLT_NCHARTS; k++) {
        if (!((drawn >> k) & 1))
            continue;
        const plt_chart_info *info = plt_chart_info_of((plt_chart_kind)k);
        plt_buf_printf(&b, "### %s\n\n![%s](charts/%s.png)\n\n%s\n\n", info->title, info->title,
                       info->name, info->how_to_read);
    }
    plt_buf_puts(&b, "## Scenario as run\n\nEvery value, defaults included, with where it came "
                     "from.\n\n");
    md_block(&b, "yaml", r->yaml ? r->yaml : "# (not recorded)\n");
    plt_buf_puts(&b, "\n_Generated by erpsim ");
    md_text(&b, r->version);
    plt_buf_puts(&b, "._\n");
    if (plt_buf_status(&b, err) != SIM_OK) {
        plt_buf_fini(&b);
        return NULL;
    }
    return plt_buf_take(&b);
}

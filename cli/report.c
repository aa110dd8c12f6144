/*
 * report: what `appsim run` prints on stdout and index.html shows — one
 * run's headline figure beside the textbook's and each application type's
 * own lines; cases side by side with their notes; a sweep's table (and its plot, drawn by
 * plots/figures.c). When outputs.metric is a list, each other headline
 * gets the same: a line under the first (one run, each case) or a table
 * under the first (a sweep), and its own figure. A figure with no value (every load failed) prints as
 * "-", never "nan"; a run that failed as a whole, or reached max_time
 * with applications still going, says so.
 */
#include "report.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "plots/figures.h"

/* The application types of a run, once each, in "apps" order. */
static GPtrArray *types_of(const scn_run *r)
{
    GPtrArray *t = g_ptr_array_new();
    for (guint i = 0; r && i < r->apps->len; i++) {
        const app_type *ty = g_array_index(r->apps, app_spec, i).type;
        if (!g_ptr_array_find(t, ty, NULL))
            g_ptr_array_add(t, (gpointer)ty);
    }
    return t;
}

/* The types' own lines about a run; false when none has any. */
static bool type_lines(GString *out, GPtrArray *types, const run_result *r, app_report_style style)
{
    gsize before = out->len;
    for (guint i = 0; i < types->len; i++) {
        const app_type *t = g_ptr_array_index(types, i);
        if (t->report)
            t->report(run_result_view(r), style, out);
    }
    return out->len > before;
}

/* A figure in `width` columns, "-" when it has no value. */
static void print_value(GString *out, int width, double v)
{
    if (isfinite(v))
        g_string_append_printf(out, "%*.4f", width, v);
    else
        g_string_append_printf(out, "%*s", width, "-");
}

/* What went wrong in a run as a whole, if anything (indent: spaces). */
static void run_notes(GString *out, const run_result *r, int indent)
{
    if (r->failed)
        g_string_append_printf(out, "%*sthe run failed: %s\n", indent, "", r->failed);
    if (r->max_time_reached)
        g_string_append_printf(out, "%*sthe run reached max_time (%.3f s) before its applications were done\n", indent,
                               "", sim_time_to_s(r->end));
}

/* One line per headline of `more` (outputs.metric's other names, may be
 * NULL) after `indent` spaces: its value, beside the textbook's when the
 * formula predicts that headline. */
static void more_lines(GString *out, const scenario *sc, const run_result *r, const GPtrArray *more, int indent)
{
    for (guint i = 0; more && i < more->len; i++) {
        const char *name = g_ptr_array_index(more, i);
        bool is_time;
        g_string_append_printf(out, "%*s%s: ", indent, "", run_headline_label(scenario_registry(sc), name, &is_time));
        print_value(out, 0, run_result_headline(r, scenario_registry(sc), name));
        double f = run_formula_for(r, scenario_registry(sc), name, false, NULL);
        if (isfinite(f))
            g_string_append_printf(out, "   (textbook: %.4f)", f);
        g_string_append_printf(out, "\n");
    }
}

/* One run: the headline beside the textbook, the other headlines, then
 * the types' lines. */
static void report_single(GString *out, const scenario *sc, const run_result *r, const char *metric,
                          const GPtrArray *more, GPtrArray *types)
{
    bool is_time;
    g_string_append_printf(out, "  %s: ", run_headline_label(scenario_registry(sc), metric, &is_time));
    print_value(out, 0, run_result_headline(r, scenario_registry(sc), metric));
    double f = run_formula_for(r, scenario_registry(sc), metric, true, NULL);
    if (isfinite(f))
        g_string_append_printf(out, "   (textbook: %.4f)", f);
    g_string_append_printf(out, "\n");
    more_lines(out, sc, r, more, 2);
    type_lines(out, types, r, APP_REPORT_SINGLE);
    run_notes(out, r, 2);
}

/* Cases side by side: what each case measured (the headline, the types'
 * lines, the other headlines), beside its note. */
static void report_cases(GString *out, const scenario *sc, run_result *const *res, const scn_axis *x,
                         const char *metric, const GPtrArray *more, GPtrArray *types)
{
    bool is_time;
    const char *mname = run_headline_label(scenario_registry(sc), metric, &is_time);
    for (guint i = 0; i < x->values->len; i++) {
        const run_result *r = res[i];
        g_string_append_printf(out, "\n  %s\n", (const char *)g_ptr_array_index(x->labels, i));
        /* the headline beside the textbook when there is one; else only
         * when the types have nothing to say */
        double f = run_formula_for(r, scenario_registry(sc), metric, false, NULL);
        bool textbook = isfinite(f);
        if (textbook) {
            g_string_append_printf(out, "    %s: ", mname);
            print_value(out, 0, run_result_headline(r, scenario_registry(sc), metric));
            g_string_append_printf(out, "   (textbook: %.4f)\n", f);
        }
        if (!type_lines(out, types, r, APP_REPORT_CASE) && !textbook) {
            g_string_append_printf(out, "    %s: ", mname);
            print_value(out, 0, run_result_headline(r, scenario_registry(sc), metric));
            g_string_append_printf(out, "\n");
        }
        more_lines(out, sc, r, more, 4);
        run_notes(out, r, 4);
        const char *note = g_ptr_array_index(x->notes, i);
        if (*note)
            g_string_append_printf(out, "    note: %s\n", note);
    }
}

/* The types' notes on the runs of a table, one line per run that has any,
 * in the table's order. */
static void table_notes(GString *out, run_result *const *res, const plan_shape *s, GPtrArray *types)
{
    bool first = true;
    GString *note = g_string_new("");
    for (guint xi = 0; xi < s->nx; xi++) {
        for (guint c = 0; c < s->nc; c++) {
            g_string_truncate(note, 0);
            for (guint i = 0; i < types->len; i++) {
                const app_type *t = g_ptr_array_index(types, i);
                if (t->table_note)
                    t->table_note(run_result_view(plan_at(res, s, xi, c)), note);
            }
            if (note->len == 0)
                continue;
            g_string_append_printf(out, "%s  %s%s%s: %s\n", first ? "\n" : "",
                                   (const char *)g_ptr_array_index(s->x->labels, xi), s->nc > 1 ? ", " : "",
                                   s->nc > 1 ? (const char *)g_ptr_array_index(s->cmp->labels, c) : "", note->str);
            first = false;
        }
    }
    g_string_free(note, TRUE);
}

/* The types' compact lines on each run of a table, under their headings,
 * each after the run's coordinates. */
static void table_rows(GString *out, run_result *const *res, const plan_shape *s, GPtrArray *types)
{
    int w = 0;
    for (guint xi = 0; xi < s->nx; xi++)
        for (guint c = 0; c < s->nc; c++) {
            int n = (int)strlen(g_ptr_array_index(s->x->labels, xi));
            if (s->nc > 1)
                n += 2 + (int)strlen(g_ptr_array_index(s->cmp->labels, c));
            w = MAX(w, n + 1);
        }
    GString *row = g_string_new("");
    GString *where = g_string_new("");
    for (guint i = 0; i < types->len; i++) {
        const app_type *t = g_ptr_array_index(types, i);
        if (!t->report)
            continue;
        bool first = true;
        for (guint xi = 0; xi < s->nx; xi++) {
            for (guint c = 0; c < s->nc; c++) {
                g_string_truncate(row, 0);
                t->report(run_result_view(plan_at(res, s, xi, c)), APP_REPORT_ROW, row);
                if (row->len == 0)
                    continue;
                if (first && t->report_rows_title)
                    g_string_append_printf(out, "\n  %s:\n", t->report_rows_title);
                else if (first)
                    g_string_append_printf(out, "\n");
                first = false;
                g_string_printf(where, "%s%s%s:", (const char *)g_ptr_array_index(s->x->labels, xi),
                                s->nc > 1 ? ", " : "",
                                s->nc > 1 ? (const char *)g_ptr_array_index(s->cmp->labels, c) : "");
                g_string_append_printf(out, "  %-*s %s\n", w, where->str, row->str);
            }
        }
    }
    g_string_free(row, TRUE);
    g_string_free(where, TRUE);
}

/* How many entries outputs.formula has (run 0's). */
static guint r0_formulas(run_result *const *res) { return res[0]->formulas ? res[0]->formulas->len : 0; }

/* The table of headline `metric` by axis 0 (and the compare values).
 * The scenario's own metric (`first`) has the textbook's column wherever
 * the formula has a value; another headline only where the formula
 * predicts it. */
static void headline_table(GString *out, const scenario *sc, run_result *const *res, const plan_shape *s,
                           const char *metric, bool first)
{
    bool is_time;
    const char *mname = run_headline_label(scenario_registry(sc), metric, &is_time);
    g_string_append_printf(out, "  %s by %s%s%s\n\n", mname, s->x->path, s->nc > 1 ? " and " : "",
                           s->nc > 1 ? s->cmp->path : "");
    int w = (int)MAX(strlen(s->x->path), 14u);
    g_string_append_printf(out, "  %-*s", w, s->x->path);
    for (guint c = 0; c < s->nc; c++)
        g_string_append_printf(out, " %22s",
                               s->nc > 1 ? (const char *)g_ptr_array_index(s->cmp->labels, c) : "simulated");
    g_string_append_printf(out, "\n");
    bool any_formula = false;
    const char *expr = NULL;
    for (guint k = 0; k < scenario_run_count(sc); k++) {
        const char *e = NULL;
        bool has = isfinite(run_formula_for(res[k], scenario_registry(sc), metric, first, &e));
        if (has && !any_formula)
            expr = e;
        any_formula |= has;
    }
    for (guint xi = 0; xi < s->nx; xi++) {
        g_string_append_printf(out, "  %-*s", w, (const char *)g_ptr_array_index(s->x->labels, xi));
        for (guint c = 0; c < s->nc; c++) {
            const run_result *r = plan_at(res, s, xi, c);
            double v = run_result_headline(r, scenario_registry(sc), metric);
            double f = run_formula_for(r, scenario_registry(sc), metric, first, NULL);
            if (any_formula && isfinite(f)) {
                g_string_append_printf(out, " ");
                print_value(out, 10, v);
                g_string_append_printf(out, " (tb %7.4f)", f);
            } else {
                g_string_append_printf(out, " ");
                print_value(out, 22, v);
            }
        }
        g_string_append_printf(out, "\n");
    }
    /* with several formulas, the table names the one beside this headline */
    if (any_formula && r0_formulas(res) > 1)
        g_string_append_printf(out, "\n  (tb: the textbook's formula \"%s\")\n", expr);
    else if (any_formula)
        g_string_append_printf(out, "\n  (tb: the textbook's formula)\n");
}

/* A sweep's tables: the scenario's metric, one more per headline of
 * `more`, then the types' notes and rows. */
static void report_table(GString *out, const scenario *sc, run_result *const *res, const plan_shape *s,
                         const char *metric, const GPtrArray *more, GPtrArray *types)
{
    headline_table(out, sc, res, s, metric, true);
    for (guint i = 0; more && i < more->len; i++) {
        g_string_append_printf(out, "\n");
        headline_table(out, sc, res, s, g_ptr_array_index(more, i), false);
    }
    table_notes(out, res, s, types);
    table_rows(out, res, s, types);
}

/* Whether a plan of cases is a sweep in disguise: every label a number
 * (with or without a unit: "10", "40ms") and no case expecting a figure.
 * Its table and figures are a sweep's (values against the axis, lines
 * rather than bars), as `cs-distribution.json`'s distribution time
 * against N. */
static bool cases_on_numbers(const scn_axis *x)
{
    for (guint i = 0; i < x->labels->len; i++) {
        double v;
        const char *unit;
        if (!figures_axis_number(g_ptr_array_index(x->labels, i), &v, &unit) ||
            (x->expects && g_ptr_array_index(x->expects, i)))
            return false;
    }
    return x->labels->len > 0;
}

/* The table into `out` (and the plot of a sweep). */
bool report_print(GString *out, const scenario *sc, run_result *const *res, const scn_run *r0, const char *metric,
                  const char *title, const char *dir, bool *plotted, GError **err)
{
    g_string_append_printf(out, "%s%s%s\n", scenario_name(sc), *scenario_description(sc) ? ": " : "",
                           scenario_description(sc));
    *plotted = false;
    GPtrArray *types = types_of(r0);
    const GPtrArray *more = r0 ? r0->out.more_metrics : NULL;
    bool ok = true;
    if (scenario_axes(sc) == 0 && !scenario_compare(sc)) {
        report_single(out, sc, res[0], metric, more, types);
    } else {
        plan_shape s = plan_shape_of(sc);
        if (s.x->cases && s.nax == 1 && !s.cmp && !cases_on_numbers(s.x)) {
            report_cases(out, sc, res, s.x, metric, more, types);
            ok = figures_cases(sc, res, s.x, metric, more, title, dir, plotted, err);
        } else {
            report_table(out, sc, res, &s, metric, more, types);
            ok = figures_sweep(sc, res, metric, title, dir, plotted, err);
            for (guint i = 0; ok && more && i < more->len; i++) {
                bool drawn = false;
                ok = figures_sweep(sc, res, g_ptr_array_index(more, i), title, dir, &drawn, err);
            }
            bool together = false;
            ok = ok && figures_times(sc, res, metric, more, title, dir, &together, err);
            guint bars = 0;
            ok = ok && figures_breakdown(sc, res, dir, &bars, err);
        }
    }
    g_ptr_array_free(types, TRUE);
    return ok;
}

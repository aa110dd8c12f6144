/* figures: the sweep plot and the timeline of a plan's results. */
#include "figures.h"

#include <math.h>
#include <string.h>

#include "world/units.h"

/* The image formats of the scenario's figures (outputs.formats, run 0's)
 * as plot.h's bits. */
static unsigned plot_formats(const scenario *sc)
{
    unsigned f = scenario_formats(sc);
    return (f & SCN_FORMAT_PNG ? PLOT_PNG : 0u) | (f & SCN_FORMAT_SVG ? PLOT_SVG : 0u);
}

/* A number for the x axis of a swept value, and the axis' unit. */
bool figures_axis_number(const char *label, double *x, const char **unit)
{
    sim_time_t t;
    uint64_t u;
    char *end;
    double v = g_ascii_strtod(label, &end);
    if (end != label && *end == 0) {
        *x = v;
        *unit = "";
        return true;
    }
    if (units_time(label, &t)) {
        *x = sim_time_to_ms(t);
        *unit = "ms";
        return true;
    }
    if (units_rate(label, &u)) {
        *x = (double)u / 1e6;
        *unit = "Mbps";
        return true;
    }
    if (units_size(label, &u)) {
        *x = (double)u / 1e3;
        *unit = "kB";
        return true;
    }
    return false;
}

/* Whether two curves of `n` points are the same (NaN equal to NaN). */
static bool same_curve(const double *a, const double *b, guint n)
{
    for (guint i = 0; i < n; i++)
        if (!(a[i] == b[i] || (isnan(a[i]) && isnan(b[i]))))
            return false;
    return true;
}

/* A curve's name in the legend. With the headline's `legend` (app_legend):
 * the legend, the compare value `value` after a comma, and " (simulated)"
 * unless the headline is a bound. Without one, as always: `prefix` and
 * ", " when `prefix` is not NULL, then the compare value ("simulated"
 * without one). */
static char *curve_name(const char *legend, bool bound, const char *prefix, const char *value)
{
    if (legend) {
        GString *n = g_string_new(legend);
        if (value)
            g_string_append_printf(n, ", %s", value);
        if (!bound)
            g_string_append(n, " (simulated)");
        return g_string_free(n, FALSE);
    }
    const char *v = value ? value : "simulated";
    return prefix ? g_strdup_printf("%s, %s", prefix, v) : g_strdup(v);
}

/* A formula's curve beside the curve `name`: the formula's legend
 * (app_legend) with the compare value after a comma, else "<name>
 * (textbook)". */
static char *formula_name(const char *flegend, const char *value, const char *name)
{
    if (!flegend)
        return g_strdup_printf("%s (textbook)", name);
    return value ? g_strdup_printf("%s, %s", flegend, value) : g_strdup(flegend);
}

/* Appends the curves of headline `metric` to `series` (their arrays and
 * names to `owned`): one per compare value, each followed by the
 * textbook's where a formula predicts that headline (run_formula_for).
 * Curves are named by curve_name and formula_name: by the legends the
 * types give (the first run that has the headline, or the formula,
 * says which), else by the compare value ("simulated" without one) after
 * `prefix`. When every compare value gives the same curve and the same
 * formula (the headline does not depend on the compared parameter), only
 * the first is kept, named without a compare value. O(compare values x
 * points). */
static void sweep_series(const scenario *sc, run_result *const *res, const plan_shape *s, const char *metric,
                         const char *prefix, const double *xs, GArray *series, GPtrArray *owned)
{
    const app_registry *reg = scenario_registry(sc);
    guint nx = s->nx, first = series->len, per = 0;
    bool alike = prefix != NULL, bound = false, found = false, ffound = false;
    const double *ys0 = NULL, *fs0 = NULL;
    const char *legend = NULL, *flegend = NULL;
    for (guint c = 0; c < s->nc && !(found && ffound); c++)
        for (guint xi = 0; xi < nx && !(found && ffound); xi++) {
            const run_result *r = plan_at(res, s, xi, c);
            const char *expr = NULL;
            if (!found && isfinite(run_result_headline(r, reg, metric))) {
                legend = run_headline_legend(r, reg, metric, &bound);
                found = true;
            }
            if (!ffound && isfinite(run_formula_for(r, reg, metric, false, &expr))) {
                flegend = run_formula_legend(reg, expr);
                ffound = true;
            }
        }
    for (guint c = 0; c < s->nc; c++) {
        double *ys = g_new(double, nx), *fs = g_new(double, nx);
        bool has_f = false;
        for (guint xi = 0; xi < nx; xi++) {
            ys[xi] = run_result_headline(plan_at(res, s, xi, c), reg, metric);
            fs[xi] = run_formula_for(plan_at(res, s, xi, c), reg, metric, false, NULL);
            has_f |= isfinite(fs[xi]);
        }
        g_ptr_array_add(owned, ys);
        g_ptr_array_add(owned, fs);
        if (c == 0) {
            ys0 = ys;
            fs0 = fs;
            per = has_f ? 2 : 1;
        } else {
            alike &= same_curve(ys0, ys, nx) && same_curve(fs0, fs, nx);
        }
        const char *value = s->nc > 1 ? (const char *)g_ptr_array_index(s->cmp->labels, c) : NULL;
        char *name = curve_name(legend, bound, prefix, value);
        g_ptr_array_add(owned, name);
        plot_series ps = {name, xs, ys, nx, false};
        g_array_append_val(series, ps);
        if (has_f) {
            char *fname = formula_name(flegend, value, name);
            g_ptr_array_add(owned, fname);
            plot_series f = {fname, xs, fs, nx, true};
            g_array_append_val(series, f);
        }
    }
    if (!alike || s->nc < 2)
        return;
    /* one curve (and its formula's) for every compare value: keep the first, named by the headline */
    g_array_set_size(series, first + per);
    plot_series *ps = &g_array_index(series, plot_series, first);
    char *name = legend ? curve_name(legend, bound, prefix, NULL) : g_strdup(prefix);
    g_ptr_array_add(owned, name);
    ps[0].title = name;
    if (per == 2) {
        char *fname = formula_name(flegend, NULL, name);
        g_ptr_array_add(owned, fname);
        ps[1].title = fname;
    }
}

/* The x values of a sweep's axis 0 (numbers with `*unit`: the labels'
 * own, else the axis's "unit"; else 1, 2, ...); the caller frees the
 * array. */
static double *sweep_xs(const plan_shape *s, const char **unit)
{
    double *xs = g_new(double, s->nx);
    bool numeric = true;
    *unit = "";
    for (guint xi = 0; xi < s->nx; xi++)
        numeric &= figures_axis_number(g_ptr_array_index(s->x->labels, xi), &xs[xi], unit);
    if (!numeric) {
        *unit = "";
        for (guint xi = 0; xi < s->nx; xi++)
            xs[xi] = xi + 1;
    } else if (!**unit && s->x->unit) {
        *unit = s->x->unit; /* plain numbers: the unit the axis of cases names ("peers") */
    }
    return xs;
}

/* Writes the plot `name` of `series` against axis 0. */
static bool sweep_write(const scenario *sc, const plan_shape *s, const char *name, const char *title,
                        const char *ylabel, const char *unit, GArray *series, const char *dir, bool *plotted,
                        GError **err)
{
    char *xlabel = *unit ? g_strdup_printf("%s (%s)", s->x->path, unit) : g_strdup(s->x->path);
    plot_spec spec = {.name = name, .title = title ? title : scenario_name(sc), .xlabel = xlabel,
                      .ylabel = ylabel, .series = (const plot_series *)(void *)series->data,
                      .nseries = series->len, .formats = plot_formats(sc)};
    bool ok = plot_write(&spec, dir, plotted, err);
    g_free(xlabel);
    return ok;
}

/* The plot of a sweep: one series per compare value, with the textbook's
 * formula beside each when it predicts the metric (any time, unless the
 * formula names the headline it predicts). */
bool figures_sweep(const scenario *sc, run_result *const *res, const char *metric, const char *title, const char *dir,
                   bool *plotted, GError **err)
{
    plan_shape s = plan_shape_of(sc);
    bool is_time;
    const char *mname = run_headline_label(scenario_registry(sc), metric, &is_time);
    const char *unit;
    double *xs = sweep_xs(&s, &unit);
    GArray *series = g_array_new(FALSE, TRUE, sizeof(plot_series));
    GPtrArray *owned = g_ptr_array_new_with_free_func(g_free);
    sweep_series(sc, res, &s, metric, NULL, xs, series, owned);
    bool ok = sweep_write(sc, &s, metric, title, mname, unit, series, dir, plotted, err);
    g_array_free(series, TRUE);
    g_ptr_array_free(owned, TRUE);
    g_free(xs);
    return ok;
}

bool figures_times(const scenario *sc, run_result *const *res, const char *metric, const GPtrArray *more,
                   const char *title, const char *dir, bool *plotted, GError **err)
{
    *plotted = false;
    bool is_time;
    run_headline_label(scenario_registry(sc), metric, &is_time);
    for (guint i = 0; is_time && more && i < more->len; i++)
        run_headline_label(scenario_registry(sc), g_ptr_array_index(more, i), &is_time);
    if (!is_time || !more || more->len == 0)
        return true;
    plan_shape s = plan_shape_of(sc);
    const char *unit;
    double *xs = sweep_xs(&s, &unit);
    GArray *series = g_array_new(FALSE, TRUE, sizeof(plot_series));
    GPtrArray *owned = g_ptr_array_new_with_free_func(g_free);
    sweep_series(sc, res, &s, metric, metric, xs, series, owned);
    for (guint i = 0; i < more->len; i++)
        sweep_series(sc, res, &s, g_ptr_array_index(more, i), g_ptr_array_index(more, i), xs, series, owned);
    bool ok = sweep_write(sc, &s, "times", title, "time (s)", unit, series, dir, plotted, err);
    g_array_free(series, TRUE);
    g_ptr_array_free(owned, TRUE);
    g_free(xs);
    return ok;
}

/* Whether `name` is a headline of some application type (or the
 * world's busiest link utilisation). */
static bool headline_known(const app_registry *reg, const char *name)
{
    if (!strcmp(name, "link_utilisation"))
        return true;
    for (size_t i = 0; i < reg->n; i++)
        for (const app_headline *h = reg->types[i]->headlines; h && h->name; h++)
            if (!strcmp(h->name, name))
                return true;
    return false;
}

/* One bar chart of a plan of cases: headline `metric` of each case, the
 * textbook's value beside it when the formula predicts it, and the figure
 * the cases expect for it (their "expect" key, e.g. the slides') when any
 * case gives one; the cases' notes go into the data file. */
static bool cases_chart(const scenario *sc, run_result *const *res, const scn_axis *x, const char *metric,
                        const char *title, const char *dir, bool *plotted, GError **err)
{
    bool is_time;
    const char *mname = run_headline_label(scenario_registry(sc), metric, &is_time);
    guint n = x->values->len;
    double *ys = g_new(double, n), *fs = g_new(double, n), *es = g_new(double, n);
    bool has_f = false, has_e = false;
    for (guint i = 0; i < n; i++) {
        ys[i] = run_result_headline(res[i], scenario_registry(sc), metric);
        fs[i] = run_formula_for(res[i], scenario_registry(sc), metric, false, NULL);
        has_f |= isfinite(fs[i]);
        es[i] = scn_axis_expect(x, i, metric);
        has_e |= isfinite(es[i]);
    }
    plot_bar_series series[3] = {{"simulated", ys}};
    size_t ns = 1;
    if (has_f)
        series[ns++] = (plot_bar_series){"textbook", fs};
    if (has_e)
        series[ns++] = (plot_bar_series){"expected", es};
    plot_bars_spec spec = {.name = metric, .title = title ? title : scenario_name(sc), .ylabel = mname,
                           .categories = (const char *const *)x->labels->pdata,
                           .notes = (const char *const *)x->notes->pdata, .ncategories = n,
                           .series = series, .nseries = ns, .formats = plot_formats(sc)};
    bool ok = plot_bars_write(&spec, dir, plotted, err);
    g_free(ys);
    g_free(fs);
    g_free(es);
    return ok;
}

/* Whether `name` is one of `names` (may be NULL). O(names). */
static bool among(const GPtrArray *names, const char *name)
{
    for (guint i = 0; names && i < names->len; i++)
        if (!strcmp(g_ptr_array_index(names, i), name))
            return true;
    return false;
}

/* The bar charts of a plan of cases: the headline `metric`, one chart
 * per headline of `more`, then one per other headline the cases expect a
 * figure for (in the order the first case that names it lists it), each
 * in <headline>.dat/.png. */
bool figures_cases(const scenario *sc, run_result *const *res, const scn_axis *x, const char *metric,
                   const GPtrArray *more, const char *title, const char *dir, bool *plotted, GError **err)
{
    if (!cases_chart(sc, res, x, metric, title, dir, plotted, err))
        return false;
    bool ok = true;
    for (guint i = 0; ok && more && i < more->len; i++) {
        bool drawn = false;
        ok = cases_chart(sc, res, x, g_ptr_array_index(more, i), title, dir, &drawn, err);
    }
    GPtrArray *names = scn_axis_expect_names(x);
    for (guint i = 0; ok && i < names->len; i++) {
        const char *name = g_ptr_array_index(names, i);
        if (!strcmp(name, metric) || among(more, name) || !headline_known(scenario_registry(sc), name))
            continue;
        bool drawn = false;
        ok = cases_chart(sc, res, x, name, title, dir, &drawn, err);
    }
    g_ptr_array_free(names, TRUE);
    return ok;
}

/* A figure name from a compare value: characters other than letters,
 * digits, '-', '_', '+' and '.' become '_'. */
static char *figure_name(const char *stem, const char *label)
{
    char *name = label ? g_strdup_printf("%s-%s", stem, label) : g_strdup(stem);
    for (char *c = name; *c; c++)
        if (!g_ascii_isalnum(*c) && !strchr("-_+.", *c))
            *c = '_';
    return name;
}

bool figures_breakdown(const scenario *sc, run_result *const *res, const char *dir, guint *drawn, GError **err)
{
    plan_shape shape = plan_shape_of(sc);
    const plan_shape *s = &shape;
    *drawn = false;
    bool any = false;
    for (guint c = 0; c < s->nc; c++)
        for (guint xi = 0; xi < s->nx; xi++)
            any |= isfinite(run_result_metric(plan_at(res, s, xi, c), "breakdown.page_load_s"));
    if (!any)
        return true;
    /* The parts drawn: every part, but dns only when some run of the plan
     * waited for a lookup (a plan without DNS keeps the figure it had
     * before the part existed), the same parts in every figure of a plan. */
    const char *parts[APP_TIME__COUNT], **rows = g_new(const char *, s->nx);
    char *keys[APP_TIME__COUNT];
    int np = 0;
    for (int k = 0; k < APP_TIME__COUNT; k++) {
        char *key = g_strdup_printf("breakdown.%s_s", app_time_part_name((app_time_part)k));
        bool some = k != APP_TIME_DNS;
        for (guint c = 0; c < s->nc && !some; c++)
            for (guint xi = 0; xi < s->nx && !some; xi++)
                some = run_result_metric(plan_at(res, s, xi, c), key) > 0;
        if (!some) {
            g_free(key);
            continue;
        }
        parts[np] = app_time_part_name((app_time_part)k);
        keys[np++] = key;
    }
    for (guint xi = 0; xi < s->nx; xi++)
        rows[xi] = g_ptr_array_index(s->x->labels, xi);
    double *values = g_new(double, (gsize)s->nx * (gsize)np);
    bool ok = true;
    for (guint c = 0; c < s->nc && ok; c++) {
        const char *label = s->nc > 1 ? g_ptr_array_index(s->cmp->labels, c) : NULL;
        for (guint xi = 0; xi < s->nx; xi++)
            for (int k = 0; k < np; k++)
                values[xi * np + k] = run_result_metric(plan_at(res, s, xi, c), keys[k]);
        char *name = figure_name("breakdown", label);
        char *ftitle = g_strdup_printf("%s: where the time went%s%s", scenario_name(sc),
                                       label ? ", " : "", label ? label : "");
        plot_stacked_spec b = {.name = name, .title = ftitle, .xlabel = s->x->path,
                       .ylabel = "mean page load time (s), by part", .rows = rows, .nrows = s->nx,
                       .parts = parts, .nparts = (size_t)np, .values = values, .formats = plot_formats(sc)};
        bool r = false;
        ok = plot_stacked_write(&b, dir, &r, err);
        *drawn += r;
        g_free(ftitle);
        g_free(name);
    }
    g_free(values);
    g_free(rows);
    for (int k = 0; k < np; k++)
        g_free(keys[k]);
    return ok;
}

/* Draws run `r`'s timeline as <name>.*, its title naming the case
 * `label` when there is one. */
static bool draw_timeline(const scenario *sc, const run_result *r, const char *name, const char *label,
                          const char *dir, bool *drawn, GError **err)
{
    *drawn = false;
    if (!r->arrows || r->arrows->len == 0 || !r->columns || r->columns->len < 2)
        return true;
    int ncols = (int)r->columns->len;
    timeline_mark marks[1];
    size_t nmarks = 0;
    timeline_arrow *a = g_new(timeline_arrow, r->arrows->len);
    for (guint i = 0; i < r->arrows->len; i++) {
        const run_arrow *ra = &g_array_index(r->arrows, run_arrow, i);
        a[i] = (timeline_arrow){ra->t_send, ra->t_recv, ra->from, ra->to, ra->label};
    }
    /* Mark the first round trip beside its sender: between a pair, the
     * first two packets (the SYN out and the SYN-ACK back); among more
     * hosts, only when the first two packets go there and back between
     * the same two hosts (a relay's first packet is no round trip). */
    bool round_trip = r->arrows->len >= 2 && a[1].from == a[0].to && a[1].to == a[0].from;
    if (r->arrows->len >= 2 && (ncols == 2 || round_trip)) {
        marks[0] = (timeline_mark){a[0].t_send, a[1].t_recv, ncols == 2 ? 0 : a[0].from};
        nmarks = 1;
    }
    /* what was run names what the diagram shows (app_type.timeline_title) */
    const char *what = r->timeline_title ? r->timeline_title : "the first exchange";
    char *title = label ? g_strdup_printf("%s, %s: %s, packet by packet", scenario_name(sc), label, what)
                        : g_strdup_printf("%s: %s, packet by packet", scenario_name(sc), what);
    timeline_spec t = {.name = name, .title = title,
                       .columns = (const char *const *)r->columns->pdata, .ncolumns = ncols,
                       .arrows = a, .narrows = r->arrows->len, .marks = marks, .nmarks = nmarks,
                       .formats = plot_formats(sc)};
    bool ok = timeline_write(&t, dir, drawn, err);
    g_free(a);
    g_free(title);
    return ok;
}

bool figures_timeline(const scenario *sc, const run_result *r, const char *dir, bool *drawn, GError **err)
{
    return draw_timeline(sc, r, "timeline", NULL, dir, drawn, err);
}

/* One label's slug before the duplicates are told apart. */
static GString *slug_of(const char *label)
{
    GString *s = g_string_new("");
    bool gap = false;
    for (const char *c = label; *c && s->len < FIGURES_SLUG_MAX; c++) {
        if (!g_ascii_isalnum(*c)) {
            gap = s->len > 0;
            continue;
        }
        if (gap && s->len + 1 < FIGURES_SLUG_MAX)
            g_string_append_c(s, '-');
        else if (gap)
            break;
        gap = false;
        g_string_append_c(s, g_ascii_tolower(*c));
    }
    if (s->len == 0)
        g_string_append(s, "case");
    return s;
}

gchar **figures_case_slugs(const char *const *labels, guint n)
{
    gchar **out = g_new0(gchar *, (gsize)n + 1);
    GHashTable *taken = g_hash_table_new(g_str_hash, g_str_equal); /* lookup only */
    for (guint i = 0; i < n; i++) {
        GString *s = slug_of(labels[i]);
        gsize base = s->len;
        for (guint k = 2; g_hash_table_contains(taken, s->str); k++) {
            g_string_truncate(s, base);
            g_string_append_printf(s, "-%u", k);
        }
        out[i] = g_string_free(s, FALSE);
        g_hash_table_add(taken, out[i]);
    }
    g_hash_table_destroy(taken);
    return out;
}

bool figures_timelines(const scenario *sc, run_result *const *res, const char *dir, guint *drawn, GError **err)
{
    bool one = false;
    *drawn = 0;
    if (!figures_timeline(sc, res[0], dir, &one, err))
        return false;
    *drawn += one;
    guint n = plan_timeline_runs(sc);
    const scn_axis *x = scenario_axes(sc) == 1 ? scenario_axis(sc, 0) : NULL;
    if (!x || !x->cases || scenario_compare(sc))
        return true;
    gchar **slugs = figures_case_slugs((const char *const *)x->labels->pdata, n);
    bool ok = true;
    for (guint i = 0; ok && i < n; i++) {
        char *name = g_strdup_printf("timeline-%s", slugs[i]);
        ok = draw_timeline(sc, res[i], name, g_ptr_array_index(x->labels, i), dir, &one, err);
        *drawn += one;
        g_free(name);
    }
    g_strfreev(slugs);
    return ok;
}

/* ---- the empirical CDF of a column (outputs.cdf) ------------------------------------ */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Cell `col` of the row [line, stop) as a new string, or NULL when the
 * row has fewer cells. */
static char *cell_text(const char *line, const char *stop, guint col)
{
    const char *cell = line;
    for (guint i = 0; i < col && cell; i++) {
        cell = memchr(cell, ',', (size_t)(stop - cell));
        cell = cell ? cell + 1 : NULL;
    }
    if (!cell)
        return NULL;
    const char *ce = memchr(cell, ',', (size_t)(stop - cell));
    return g_strndup(cell, (gsize)((ce ? ce : stop) - cell));
}

/* The column's cells of one run's CSV rows (each line "run,..."): the
 * values that are numbers >= 0 into `vals`; returns the number of rows,
 * less those whose cell is "n/a" (the column does not apply to them: a
 * seed's completion). With `by` >= 0, only the rows whose cell `by` is
 * `value`; with `groups`, each new value of cell `by` is appended to it
 * (first appearance order; `seen` the set of them) and every row counts. */
static guint column_values(const run_csv *csv, guint col, int by, const char *value, GPtrArray *groups,
                           GHashTable *seen, GArray *vals)
{
    guint rows = 0;
    const char *line = csv->rows->str, *end = line + csv->rows->len;
    while (line < end) {
        const char *nl = memchr(line, '\n', (size_t)(end - line));
        const char *stop = nl ? nl : end;
        char *key = stop > line && by >= 0 ? cell_text(line, stop, (guint)by) : NULL;
        if (key && groups && !g_hash_table_contains(seen, key)) {
            char *group = g_strdup(key);
            g_ptr_array_add(groups, group);
            g_hash_table_add(seen, group);
        }
        bool wanted = stop > line && (!value || (key && !strcmp(key, value)));
        char *text = wanted ? cell_text(line, stop, col) : NULL;
        if (wanted)
            rows++;
        if (text) {
            char *after;
            double v = g_ascii_strtod(text, &after);
            if (!strcmp(text, "n/a"))
                rows--;
            else if (after != text && *after == 0 && isfinite(v) && v >= 0)
                g_array_append_val(vals, v);
        }
        g_free(text);
        g_free(key);
        if (!nl)
            break;
        line = nl + 1;
    }
    return rows;
}

/* The index of `column` in "run," + `header`, or -1. */
static int column_index(const char *header, const char *column)
{
    gchar **names = g_strsplit(header, ",", -1);
    int found = -1;
    for (int i = 0; names[i] && found < 0; i++)
        if (!strcmp(names[i], column))
            found = i + 1;
    g_strfreev(names);
    return found;
}

/* "N = 5, persistent": run k's coordinates, an axis' name (or path) and
 * its value, the compare value alone; "simulated" for a single run. */
static char *run_label(const scenario *sc, guint k)
{
    guint coords[SCN_MAX_AXES + 1], nax = scenario_axes(sc);
    scenario_run_coords(sc, k, coords);
    GString *s = g_string_new("");
    for (guint i = 0; i < nax; i++) {
        const scn_axis *a = scenario_axis(sc, i);
        g_string_append_printf(s, "%s%s = %s", i ? ", " : "", a->path,
                               (const char *)g_ptr_array_index(a->labels, coords[i]));
    }
    if (scenario_compare(sc))
        g_string_append_printf(s, "%s%s", nax ? ", " : "",
                               (const char *)g_ptr_array_index(scenario_compare(sc)->labels, coords[nax]));
    if (!s->len)
        g_string_append(s, "simulated");
    return g_string_free(s, FALSE);
}

/* The CSV file `file` of a run's results, or NULL (no run, or no such file). */
static const run_csv *csv_of_run(const run_result *res, const char *file)
{
    for (guint i = 0; res && res->csvs && i < res->csvs->len; i++)
        if (!strcmp(((const run_csv *)g_ptr_array_index(res->csvs, i))->file, file))
            return g_ptr_array_index(res->csvs, i);
    return NULL;
}

/* One staircase of a CDF: `vals` sorted, a step of 1/rows at each. */
static plot_series cdf_series(GArray *vals, guint rows, char *label, GPtrArray *owned)
{
    qsort(vals->data, vals->len, sizeof(double), cmp_double);
    double *x = g_new(double, vals->len + 1), *y = g_new(double, vals->len + 1);
    x[0] = y[0] = 0;
    for (guint i = 0; i < vals->len; i++) {
        x[i + 1] = g_array_index(vals, double, i);
        y[i + 1] = (double)(i + 1) / rows;
    }
    g_ptr_array_add(owned, x);
    g_ptr_array_add(owned, y);
    g_ptr_array_add(owned, label);
    return (plot_series){.title = label, .x = x, .y = y, .n = vals->len ? vals->len + 1 : 0};
}

/* Draws the staircases of `spec` (plot_steps_write), then frees what the
 * CDF and the lines figures built for it: the axis label, the title, the
 * series' own arrays and labels (`owned`) and the series array. */
static bool steps_write_free(const plot_spec *spec, char *xlabel, char *ptitle, GPtrArray *owned, const char *dir,
                             bool *drawn, GError **err)
{
    bool ok = plot_steps_write(spec, dir, drawn, err);
    g_free(xlabel);
    g_free(ptitle);
    g_ptr_array_free(owned, TRUE);
    g_free((void *)spec->series);
    return ok;
}

bool figures_cdf(const scenario *sc, run_result *const *res, const char *file, const char *column, const char *by,
                 const char *title, const char *dir, bool *drawn, GError **err)
{
    guint runs = MIN(scenario_run_count(sc), FIGURES_CDF_RUNS);
    plot_series *series = g_new0(plot_series, FIGURES_CDF_RUNS);
    GPtrArray *owned = g_ptr_array_new_with_free_func(g_free);
    size_t n = 0;
    for (guint k = 0; k < runs && n < FIGURES_CDF_RUNS; k++) {
        const run_csv *csv = csv_of_run(res[k], file);
        int col = csv ? column_index(csv->header, column) : -1, bycol = csv && by ? column_index(csv->header, by) : -1;
        if (col < 0 || (by && bycol < 0))
            continue;
        GArray *vals = g_array_new(FALSE, FALSE, sizeof(double));
        if (!by) {
            guint rows = column_values(csv, (guint)col, -1, NULL, NULL, NULL, vals);
            series[n++] = cdf_series(vals, rows, run_label(sc, k), owned);
        } else {
            GPtrArray *groups = g_ptr_array_new_with_free_func(g_free);
            GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal); /* membership only: never iterated */
            column_values(csv, (guint)col, bycol, NULL, groups, seen, vals);
            char *run = scenario_run_count(sc) > 1 ? run_label(sc, k) : NULL;
            for (guint g = 0; g < groups->len && n < FIGURES_CDF_RUNS; g++) {
                const char *v = g_ptr_array_index(groups, g);
                g_array_set_size(vals, 0);
                guint rows = column_values(csv, (guint)col, bycol, v, NULL, NULL, vals);
                if (!rows)
                    continue; /* the column applies to none of its rows (a seed's "n/a") */
                char *label = run ? g_strdup_printf("%s, %s = %s", run, by, v) : g_strdup_printf("%s = %s", by, v);
                series[n++] = cdf_series(vals, rows, label, owned);
            }
            g_free(run);
            g_hash_table_destroy(seen);
            g_ptr_array_free(groups, TRUE);
        }
        g_array_free(vals, TRUE);
    }
    char *xlabel = g_strdup_printf("%s (%s)", column, file);
    char *ptitle = g_strdup_printf("%s: empirical CDF of %s", title ? title : scenario_name(sc), column);
    plot_spec spec = {.name = "cdf", .title = ptitle, .xlabel = xlabel, .ylabel = "fraction of rows at or below x",
                      .series = series, .nseries = n, .formats = plot_formats(sc)};
    return steps_write_free(&spec, xlabel, ptitle, owned, dir, drawn, err);
}

/* ---- one column against another (outputs.lines) ------------------------------------- */

/* Cell `col` of the row [line, stop) as a finite number; false when the
 * row has no such cell or it is not a number. */
static bool cell_number(const char *line, const char *stop, guint col, double *v)
{
    char *text = cell_text(line, stop, col), *after;
    if (!text)
        return false;
    *v = g_ascii_strtod(text, &after);
    bool ok = after != text && *after == 0 && isfinite(*v);
    g_free(text);
    return ok;
}

bool figures_lines(const scenario *sc, run_result *const *res, const char *file, const char *xcol, const char *ycol,
                   const char *title, const char *dir, bool *drawn, GError **err)
{
    guint runs = MIN(scenario_run_count(sc), FIGURES_CDF_RUNS);
    plot_series *series = g_new0(plot_series, runs);
    GPtrArray *owned = g_ptr_array_new_with_free_func(g_free);
    size_t n = 0;
    for (guint k = 0; k < runs; k++) {
        const run_csv *csv = csv_of_run(res[k], file);
        int cx = csv ? column_index(csv->header, xcol) : -1, cy = csv ? column_index(csv->header, ycol) : -1;
        if (cx < 0 || cy < 0)
            continue;
        GArray *xs = g_array_new(FALSE, FALSE, sizeof(double)), *ys = g_array_new(FALSE, FALSE, sizeof(double));
        const char *line = csv->rows->str, *end = line + csv->rows->len;
        while (line < end) {
            const char *nl = memchr(line, '\n', (size_t)(end - line));
            const char *stop = nl ? nl : end;
            double x, y;
            if (stop > line && cell_number(line, stop, (guint)cx, &x) && cell_number(line, stop, (guint)cy, &y)) {
                g_array_append_val(xs, x);
                g_array_append_val(ys, y);
            }
            if (!nl)
                break;
            line = nl + 1;
        }
        char *label = run_label(sc, k);
        series[n++] = (plot_series){.title = label, .x = (double *)(void *)xs->data, .y = (double *)(void *)ys->data,
                                    .n = xs->len};
        g_ptr_array_add(owned, g_array_free(xs, FALSE));
        g_ptr_array_add(owned, g_array_free(ys, FALSE));
        g_ptr_array_add(owned, label);
    }
    char *xlabel = g_strdup_printf("%s (%s)", xcol, file);
    char *ptitle = g_strdup_printf("%s: %s against %s", title ? title : scenario_name(sc), ycol, xcol);
    plot_spec spec = {.name = ycol, .title = ptitle, .xlabel = xlabel, .ylabel = ycol,
                      .series = series, .nseries = n, .formats = plot_formats(sc)};
    return steps_write_free(&spec, xlabel, ptitle, owned, dir, drawn, err);
}

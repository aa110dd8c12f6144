/*
 * scenario: loading a scenario file and its plan of runs — the sweep and
 * compare axes, --set overrides, setting values by path, and the checks
 * of the plan's runs (scn_run.c checks one run's tree, scn_json.c reads
 * the file).
 *
 * The plan is bounded (scenario.h, SCN_MAX_*): at most SCN_MAX_AXES axes
 * of at most SCN_MAX_AXIS_VALUES values each, and at most SCN_MAX_RUNS
 * runs, counted in 64 bits so that no product wraps. A plan of at most
 * SCN_CHECK_ALL_RUNS runs is checked run by run at load; a larger one
 * value by value (each value of each axis once, the other axes at their
 * first values: the sum of the axes' sizes, not their product).
 */
#include "scenario.h"

#include <math.h>
#include <string.h>

#include "scn_priv.h"
#include "scn_read.h"
#include "sim/sim_rng.h"

G_DEFINE_QUARK(appsim-scenario-error-quark, scn_error)

struct scenario {
    char *file;
    const app_registry *reg;
    cJSON *root;    /* the scenario as run (after --set), without its sweep */
    uint64_t seed;
    GPtrArray *axes; /* of scn_axis* */
    scn_axis *compare;
    guint runs;      /* the plan's runs, at most SCN_MAX_RUNS */
    char *name, *description;
    char *full_json; /* the file as run (after --set), sweep included */
    unsigned formats; /* run 0's outputs.formats */
};

/* ---- paths ------------------------------------------------------------------- */

bool scn_json_set(cJSON *root, const char *path, const cJSON *value, GError **err)
{
    gchar **seg = g_strsplit(path, ".", -1);
    guint n = g_strv_length(seg);
    cJSON *at = root;
    bool ok = true;
    guint i = 0;
    if (n >= 3 && (!strcmp(seg[0], "links") || !strcmp(seg[0], "apps") || !strcmp(seg[0], "nodes"))) {
        cJSON *list = cJSON_GetObjectItemCaseSensitive(root, seg[0]), *found = NULL, *it;
        cJSON_ArrayForEach(it, list)
        {
            const cJSON *nm = cJSON_GetObjectItemCaseSensitive(it, "name");
            if (cJSON_IsString(nm) && !strcmp(nm->valuestring, seg[1]))
                found = it;
        }
        if (!found) {
            char *p = scn_cut(path), *nm = scn_cut(seg[1]);
            g_set_error(err, SCN_ERROR, SCN_ERROR_INVALID, "%s: there is no %s named \"%s\"", p,
                        !strcmp(seg[0], "links") ? "link" : !strcmp(seg[0], "apps") ? "application" : "node", nm);
            g_free(p);
            g_free(nm);
            ok = false;
        }
        at = found;
        i = 2;
    } else if (n >= 1 && (!strcmp(seg[0], "links") || !strcmp(seg[0], "apps") || !strcmp(seg[0], "nodes"))) {
        char *p = scn_cut(path);
        g_set_error(err, SCN_ERROR, SCN_ERROR_INVALID, "%s: name the element, as in %s.NAME.KEY", p, seg[0]);
        g_free(p);
        ok = false;
    }
    for (; ok && i + 1 < n; i++) {
        if (cJSON_IsArray(at)) { /* a list element by its index: objects.0.size */
            char *end;
            guint64 idx = g_ascii_strtoull(seg[i], &end, 10);
            cJSON *el = *end || end == seg[i] || idx > G_MAXINT ? NULL : cJSON_GetArrayItem(at, (int)idx);
            if (!el) {
                char *p = scn_cut(path), *s = scn_cut(seg[i]);
                g_set_error(err, SCN_ERROR, SCN_ERROR_INVALID, "%s: \"%s\" is not an index of that list", p, s);
                g_free(p);
                g_free(s);
                ok = false;
            }
            at = el;
            continue;
        }
        cJSON *next = cJSON_GetObjectItemCaseSensitive(at, seg[i]);
        if (!next) {
            next = cJSON_CreateObject();
            cJSON_AddItemToObject(at, seg[i], next);
        }
        if (!cJSON_IsObject(next) && !cJSON_IsArray(next)) {
            char *p = scn_cut(path), *s = scn_cut(seg[i]);
            g_set_error(err, SCN_ERROR, SCN_ERROR_INVALID, "%s: \"%s\" is not an object or a list", p, s);
            g_free(p);
            g_free(s);
            ok = false;
        }
        at = next;
    }
    if (ok && n > 0) {
        cJSON *copy = cJSON_Duplicate(value, true);
        if (cJSON_GetObjectItemCaseSensitive(at, seg[n - 1]))
            cJSON_ReplaceItemInObjectCaseSensitive(at, seg[n - 1], copy);
        else
            cJSON_AddItemToObject(at, seg[n - 1], copy);
    }
    g_strfreev(seg);
    return ok;
}


/* ---- axes ---------------------------------------------------------------------- */

static void axis_free(gpointer p)
{
    scn_axis *a = p;
    if (!a)
        return;
    g_free(a->path);
    g_free(a->unit);
    for (guint i = 0; i < a->values->len; i++)
        cJSON_Delete(g_ptr_array_index(a->values, i));
    g_ptr_array_free(a->values, TRUE);
    g_ptr_array_free(a->labels, TRUE);
    if (a->notes)
        g_ptr_array_free(a->notes, TRUE);
    if (a->expects) {
        for (guint i = 0; i < a->expects->len; i++)
            cJSON_Delete(g_ptr_array_index(a->expects, i));
        g_ptr_array_free(a->expects, TRUE);
    }
    g_free(a);
}

static scn_axis *axis_new(bool cases)
{
    scn_axis *a = g_new0(scn_axis, 1);
    a->cases = cases;
    a->values = g_ptr_array_new();
    a->labels = g_ptr_array_new_with_free_func(g_free);
    if (cases) {
        a->notes = g_ptr_array_new_with_free_func(g_free);
        a->expects = g_ptr_array_new();
    }
    return a;
}

double scn_axis_expect(const scn_axis *a, guint i, const char *name)
{
    if (!a || !a->expects || i >= a->expects->len)
        return NAN;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(g_ptr_array_index(a->expects, i), name);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static char *label_of(const cJSON *v)
{
    if (cJSON_IsString(v))
        return g_strdup(v->valuestring);
    char *s = cJSON_PrintUnformatted(v);
    char *r = g_strdup(s);
    cJSON_free(s);
    return r;
}

/* Fails unless a list of n values fits in an axis. */
static bool axis_fits(scn_ctx *c, const char *what, double n)
{
    if (n <= SCN_MAX_AXIS_VALUES)
        return true;
    if (!isfinite(n))
        scn_fail(c, "%s of more than 1e308 values is too long (at most %d)", what, SCN_MAX_AXIS_VALUES);
    else if (n < 1e15)
        scn_fail(c, "%s of %.0f values is too long (at most %d)", what, n, SCN_MAX_AXIS_VALUES);
    else
        scn_fail(c, "%s of about %.3g values is too long (at most %d)", what, n, SCN_MAX_AXIS_VALUES);
    return false;
}

GPtrArray *scn_axis_expect_names(const scn_axis *a)
{
    GPtrArray *names = g_ptr_array_new();
    for (guint i = 0; a && a->expects && i < a->expects->len; i++) {
        const cJSON *v;
        cJSON_ArrayForEach(v, (const cJSON *)g_ptr_array_index(a->expects, i))
        {
            bool seen = false;
            for (guint d = 0; d < names->len && !seen; d++)
                seen = !strcmp(g_ptr_array_index(names, d), v->string);
            if (!seen)
                g_ptr_array_add(names, v->string);
        }
    }
    return names;
}

/* A case's "expect": an object of headline name: finite number (the
 * figures a source such as the slides gives for the case). */
static cJSON *parse_expect(scn_ctx *c, const cJSON *e)
{
    if (!e)
        return NULL;
    gsize t = scn_push_key(c, "expect");
    bool ok = cJSON_IsObject(e);
    const cJSON *v;
    if (ok)
        cJSON_ArrayForEach(v, e)
        {
            if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble)) {
                gsize k = scn_push_key(c, v->string);
                scn_fail_expected(c, v, "a number (the figure expected for this headline)");
                scn_pop(c, k);
                ok = false;
                break;
            }
        }
    else
        scn_fail_expected(c, e, "an object of headline name: number, like {\"response_time\": 2.0}");
    scn_pop(c, t);
    return ok ? cJSON_Duplicate(e, true) : NULL;
}

/* "cases": [{"label", "note", "expect", "set"}, ...] */
static void parse_cases(scn_ctx *c, const cJSON *cases, scn_axis *a)
{
    static const char *const case_keys[] = {"label", "note", "expect", "set", NULL};
    gsize m = scn_push_key(c, "cases");
    if (!cJSON_IsArray(cases) || cJSON_GetArraySize(cases) == 0)
        scn_fail_expected(c, cases, "a list of cases like [{\"label\": \"...\", \"set\": {\"links.access.rate\": \"15.4Mbps\"}}]");
    else
        axis_fits(c, "a list", cJSON_GetArraySize(cases));
    int i = 0;
    const cJSON *cs;
    cJSON_ArrayForEach(cs, cases)
    {
        if (c->failed)
            break;
        gsize k = scn_push_index(c, i++);
        if (scn_check_keys(c, cs, case_keys)) {
            char *label = scn_get_string(c, cs, "label", NULL, true);
            char *note = scn_get_string(c, cs, "note", "", false);
            const cJSON *set = scn_get(cs, "set");
            if (!cJSON_IsObject(set)) {
                gsize t = scn_push_key(c, "set");
                scn_fail_expected(c, set, "an object of \"path\": value pairs");
                scn_pop(c, t);
            }
            g_ptr_array_add(a->values, cJSON_Duplicate(set, true));
            g_ptr_array_add(a->labels, label ? label : g_strdup(""));
            g_ptr_array_add(a->notes, note ? note : g_strdup(""));
            g_ptr_array_add(a->expects, parse_expect(c, scn_get(cs, "expect")));
        }
        scn_pop(c, k);
    }
    scn_pop(c, m);
}

static void parse_values(scn_ctx *c, const cJSON *vals, scn_axis *a)
{
    gsize m = scn_push_key(c, "values");
    if (!cJSON_IsArray(vals) || cJSON_GetArraySize(vals) == 0)
        scn_fail_expected(c, vals, "a non-empty list of values");
    else if (axis_fits(c, "a list", cJSON_GetArraySize(vals))) {
        const cJSON *v;
        cJSON_ArrayForEach(v, vals)
        {
            g_ptr_array_add(a->values, cJSON_Duplicate(v, true));
            g_ptr_array_add(a->labels, label_of(v));
        }
    }
    scn_pop(c, m);
}

/* "range": {"from": A, "to": B, "step": S}: finite numbers, S > 0, B >= A. */
static void parse_range(scn_ctx *c, const cJSON *range, scn_axis *a)
{
    static const char *const range_keys[] = {"from", "to", "step", NULL};
    gsize m = scn_push_key(c, "range");
    if (scn_check_keys(c, range, range_keys)) {
        const cJSON *f = scn_get(range, "from"), *t = scn_get(range, "to"), *s = scn_get(range, "step");
        if (!cJSON_IsNumber(f) || !cJSON_IsNumber(t) || !cJSON_IsNumber(s) || !isfinite(f->valuedouble) ||
            !isfinite(t->valuedouble) || !(s->valuedouble > 0) || !isfinite(s->valuedouble) ||
            t->valuedouble < f->valuedouble)
            scn_fail(c, "expected finite numbers {\"from\": A, \"to\": B, \"step\": S} with S > 0 and B >= A");
        else {
            double count = floor((t->valuedouble - f->valuedouble) / s->valuedouble + 1e-9) + 1;
            if (axis_fits(c, "a range", count))
                for (int i = 0; i < (int)count; i++) {
                    cJSON *v = cJSON_CreateNumber(f->valuedouble + i * s->valuedouble);
                    g_ptr_array_add(a->values, v);
                    g_ptr_array_add(a->labels, label_of(v));
                }
        }
    }
    scn_pop(c, m);
}

/* One axis: {"path", "values"}, {"path", "range"} or {"cases"} with an
 * optional "name" (what the cases vary, for tables, plots and the runs'
 * parameters; "case" when absent) and "unit" (of the cases' labels when
 * they are plain numbers, for the figures' x axis: "N (peers)"). */
static scn_axis *parse_axis(scn_ctx *c, const cJSON *o)
{
    static const char *const keys[] = {"path", "values", "range", "cases", "name", "unit", NULL};
    if (!scn_check_keys(c, o, keys))
        return NULL;
    const cJSON *cases = scn_get(o, "cases");
    scn_axis *a = axis_new(cases != NULL);
    if (cases) {
        a->path = scn_get_name(c, o, "name", "case", false, false);
        if (!c->failed)
            a->unit = scn_get_text(c, o, "unit", NULL, false, SCN_MAX_AXIS_UNIT);
        parse_cases(c, cases, a);
    } else if (scn_get(o, "name")) {
        gsize t = scn_push_key(c, "name");
        scn_fail(c, "only an axis of cases has a name (a sweep of \"path\" is named by its path)");
        scn_pop(c, t);
    } else if (scn_get(o, "unit")) {
        gsize t = scn_push_key(c, "unit");
        scn_fail(c, "only an axis of cases has a unit (a sweep of \"path\" takes it from its values, like \"10ms\")");
        scn_pop(c, t);
    } else {
        a->path = scn_get_string(c, o, "path", NULL, true);
        const cJSON *vals = scn_get(o, "values"), *range = scn_get(o, "range");
        if (vals)
            parse_values(c, vals, a);
        else if (range)
            parse_range(c, range, a);
        else
            scn_fail(c, "a sweep needs \"values\": [...] or \"range\": {\"from\", \"to\", \"step\"}");
    }
    if (c->failed) {
        axis_free(a);
        return NULL;
    }
    return a;
}

/* ---- loading ------------------------------------------------------------------ */

/* Applies --set PATH=VALUE overrides to the tree. */
static bool apply_sets(cJSON *root, const char *const *sets, GError **err)
{
    for (const char *const *s = sets; s && *s; s++) {
        const char *eq = strchr(*s, '=');
        if (!eq || eq == *s || !scn_json_text_ok(*s, NULL)) {
            char *cut = scn_json_text_ok(*s, NULL) ? scn_cut(*s) : g_strdup("(not UTF-8)");
            g_set_error(err, SCN_ERROR, SCN_ERROR_INVALID, "--set %s: expected PATH=VALUE in UTF-8", cut);
            g_free(cut);
            return false;
        }
        char *path = g_strndup(*s, (gsize)(eq - *s));
        /* JSON if the whole value is JSON (50, true, "x", [1,2]); else a
         * bare string (50ms, reno) */
        cJSON *v = cJSON_ParseWithOpts(eq + 1, NULL, true);
        if (!v)
            v = cJSON_CreateString(eq + 1);
        bool ok = scn_json_set(root, path, v, err);
        cJSON_Delete(v);
        g_free(path);
        if (!ok) {
            g_prefix_error(err, "--set: ");
            return false;
        }
    }
    return true;
}

/* The sweep axes, at most SCN_MAX_AXES of them. */
static void parse_sweep(scn_ctx *c, scenario *sc, const cJSON *sweep)
{
    gsize m = scn_push_key(c, "sweep");
    if (!cJSON_IsArray(sweep))
        scn_fail_expected(c, sweep, "a list of sweeps like [{\"path\": \"links.access.delay\", \"values\": [\"10ms\", \"50ms\"]}]");
    else if (cJSON_GetArraySize(sweep) > SCN_MAX_AXES)
        scn_fail(c, "%d sweep axes are too many (at most %d)", cJSON_GetArraySize(sweep), SCN_MAX_AXES);
    int i = 0;
    const cJSON *a;
    cJSON_ArrayForEach(a, sweep)
    {
        if (c->failed)
            break;
        gsize k = scn_push_index(c, i++);
        scn_axis *ax = parse_axis(c, a);
        if (ax)
            g_ptr_array_add(sc->axes, ax);
        scn_pop(c, k);
    }
    scn_pop(c, m);
}

/* The product of the axes' sizes, in 64 bits; fails above SCN_MAX_RUNS. */
static void count_runs(scn_ctx *c, scenario *sc)
{
    uint64_t n = 1;
    for (guint i = 0; i <= sc->axes->len; i++) {
        const scn_axis *a = i < sc->axes->len ? g_ptr_array_index(sc->axes, i) : sc->compare;
        if (a)
            n *= a->values->len; /* each factor is at most SCN_MAX_AXIS_VALUES: no wrap before the test */
        if (n > SCN_MAX_RUNS)
            n = SCN_MAX_RUNS + (uint64_t)1; /* stays above the limit, never wraps */
    }
    if (n > SCN_MAX_RUNS) {
        double product = 1; /* exact below 2^53, which is all a message needs */
        for (guint i = 0; i <= sc->axes->len; i++) {
            const scn_axis *a = i < sc->axes->len ? g_ptr_array_index(sc->axes, i) : sc->compare;
            product *= a ? a->values->len : 1;
        }
        gsize m = scn_push_key(c, sc->axes->len ? "sweep" : "compare");
        scn_fail(c, "the plan has %.*g runs, too many (at most %d): sweep fewer values", product < 9e15 ? 17 : 3,
                 product, SCN_MAX_RUNS);
        scn_pop(c, m);
    }
    sc->runs = (guint)MIN(n, (uint64_t)SCN_MAX_RUNS);
}

/* The seed, the sweep axes, the compare axis and the number of runs. */
static bool parse_plan(scenario *sc, GError **err)
{
    scn_ctx c = {sc->file, g_string_new("$"), err, false};
    const cJSON *root = sc->root;
    sc->seed = (uint64_t)scn_get_number(&c, root, "seed", 1, 0, 9007199254740992.0, true, "a whole number from 0 to 2^53");
    const cJSON *sweep = scn_get(root, "sweep"), *cmp = scn_get(root, "compare");
    if (sweep && !c.failed)
        parse_sweep(&c, sc, sweep);
    if (cmp && !c.failed) {
        gsize m = scn_push_key(&c, "compare");
        sc->compare = parse_axis(&c, cmp);
        scn_pop(&c, m);
    }
    if (!c.failed)
        count_runs(&c, sc);
    g_string_free(c.path, TRUE);
    return !c.failed;
}

/* Checks run k; on success, run 0 names the scenario. */
static bool check_run(scenario *sc, guint k, GError **err)
{
    scn_run *r = scenario_run(sc, k, err);
    if (r && k == 0 && !sc->name) {
        sc->name = g_strdup(r->name);
        sc->description = g_strdup(r->description);
        sc->formats = r->out.formats;
    }
    scn_run_free(r);
    return r != NULL;
}

/* The run index of a point of the plan (scenario_run_coords's inverse). */
static guint index_of(const scenario *s, const guint *coords)
{
    guint k = s->compare ? coords[s->axes->len] : 0;
    for (guint i = 0; i < s->axes->len; i++)
        k = k * ((scn_axis *)g_ptr_array_index(s->axes, i))->values->len + coords[i];
    return k;
}

/* Every run, or for a large plan run 0 and each value of each axis once. */
static bool check_plan(scenario *sc, GError **err)
{
    if (!check_run(sc, 0, err))
        return false;
    if (sc->runs <= SCN_CHECK_ALL_RUNS) {
        for (guint k = 1; k < sc->runs; k++)
            if (!check_run(sc, k, err))
                return false;
        return true;
    }
    guint nax = sc->axes->len;
    for (guint i = 0; i <= nax; i++) {
        const scn_axis *a = i < nax ? g_ptr_array_index(sc->axes, i) : sc->compare;
        for (guint v = 1; a && v < a->values->len; v++) {
            guint coords[SCN_MAX_AXES + 1] = {0};
            coords[i] = v;
            if (!check_run(sc, index_of(sc, coords), err))
                return false;
        }
    }
    return true;
}

/* Whether `axis` sets `path` (its own path, or a key of one of its cases). */
static bool axis_sets(const scn_axis *a, const char *path)
{
    if (!a->cases)
        return !strcmp(a->path, path);
    for (guint i = 0; i < a->values->len; i++)
        if (cJSON_GetObjectItemCaseSensitive(g_ptr_array_index(a->values, i), path))
            return true;
    return false;
}

/* A --set of a path that a sweep or the compare axis sets too would be
 * overridden by every run without a word: it is an error. */
static bool check_set_conflicts(const scenario *sc, const char *const *sets, GError **err)
{
    for (const char *const *s = sets; s && *s; s++) {
        char *path = g_strndup(*s, (gsize)(strchr(*s, '=') - *s));
        const char *which = NULL;
        guint at = 0;
        for (guint i = 0; i < sc->axes->len && !which; i++)
            if (axis_sets(g_ptr_array_index(sc->axes, i), path)) {
                which = "sweep";
                at = i;
            }
        if (!which && sc->compare && axis_sets(sc->compare, path))
            which = "compare";
        if (which) {
            char *where = !strcmp(which, "sweep") ? g_strdup_printf("$.sweep[%u]", at) : g_strdup("$.compare");
            g_set_error(err, SCN_ERROR, SCN_ERROR_INVALID,
                        "--set %s: %s of %s sets this path in every run, so --set would change nothing; "
                        "change the %s instead",
                        path, where, sc->file, which);
            g_free(where);
        }
        g_free(path);
        if (which)
            return false;
    }
    return true;
}

scenario *scenario_load(const char *file, const char *const *sets, const app_registry *reg, GError **err)
{
    cJSON *root = scn_json_read(file, err);
    if (!root)
        return NULL;
    if (!apply_sets(root, sets, err)) {
        cJSON_Delete(root);
        return NULL;
    }
    scenario *sc = g_new0(scenario, 1);
    sc->file = g_strdup(file);
    sc->reg = reg;
    sc->root = root;
    sc->axes = g_ptr_array_new_with_free_func(axis_free);
    if (!parse_plan(sc, err) || !check_set_conflicts(sc, sets, err)) {
        scenario_free(sc);
        return NULL;
    }
    char *full = cJSON_Print(root);
    sc->full_json = g_strdup(full);
    cJSON_free(full);
    cJSON_DeleteItemFromObjectCaseSensitive(root, "sweep");
    cJSON_DeleteItemFromObjectCaseSensitive(root, "compare");
    /* Check the runs now, so that `appsim check` finds an error in any
     * sweep value before anything runs. */
    if (!check_plan(sc, err)) {
        scenario_free(sc);
        return NULL;
    }
    return sc;
}

void scenario_free(scenario *s)
{
    if (!s)
        return;
    cJSON_Delete(s->root);
    g_ptr_array_free(s->axes, TRUE);
    axis_free(s->compare);
    g_free(s->file);
    g_free(s->name);
    g_free(s->description);
    g_free(s->full_json);
    g_free(s);
}

const char *scenario_name(const scenario *s) { return s->name; }
const app_registry *scenario_registry(const scenario *s) { return s->reg; }
const char *scenario_description(const scenario *s) { return s->description; }
uint64_t scenario_seed(const scenario *s) { return s->seed; }
void scenario_set_seed(scenario *s, uint64_t seed) { s->seed = seed; }
guint scenario_axes(const scenario *s) { return s->axes->len; }
const scn_axis *scenario_axis(const scenario *s, guint i) { return g_ptr_array_index(s->axes, i); }
const scn_axis *scenario_compare(const scenario *s) { return s->compare; }
guint scenario_run_count(const scenario *s) { return s->runs; }
unsigned scenario_formats(const scenario *s) { return s->formats; }

void scenario_run_coords(const scenario *s, guint k, guint *coords)
{
    /* compare varies slowest, then axis 0, ..., the last axis fastest */
    guint nax = s->axes->len;
    for (guint i = nax; i-- > 0;) {
        guint len = ((scn_axis *)g_ptr_array_index(s->axes, i))->values->len;
        coords[i] = k % len;
        k /= len;
    }
    if (s->compare)
        coords[nax] = k % s->compare->values->len;
}

/* Sets a case's "path": value pairs; `where` names the case in errors. */
static bool set_case(const scenario *s, cJSON *tree, const cJSON *set, const char *where, GError **err)
{
    const cJSON *kv;
    cJSON_ArrayForEach(kv, set)
    {
        if (!scn_json_set(tree, kv->string, kv, err)) {
            g_prefix_error(err, "%s: %s: ", s->file, where);
            return false;
        }
    }
    return true;
}

/* The scenario tree with the values of the run at `coords` set. */
static cJSON *tree_at(const scenario *s, const guint *coords, GError **err)
{
    cJSON *tree = cJSON_Duplicate(s->root, true);
    guint nax = s->axes->len;
    bool ok = true;
    for (guint i = 0; i <= nax && ok; i++) {
        const scn_axis *a = i < nax ? g_ptr_array_index(s->axes, i) : s->compare;
        if (!a)
            continue;
        const cJSON *v = g_ptr_array_index(a->values, coords[i]);
        char *where = i < nax ? g_strdup_printf("$.sweep[%u]", i) : g_strdup("$.compare");
        if (a->cases) {
            char *w = g_strdup_printf("%s.cases[%u].set", where, coords[i]);
            ok = set_case(s, tree, v, w, err);
            g_free(w);
        } else if (!(ok = scn_json_set(tree, a->path, v, err))) {
            g_prefix_error(err, "%s: %s.path: ", s->file, where);
        }
        g_free(where);
    }
    if (!ok) {
        cJSON_Delete(tree);
        return NULL;
    }
    return tree;
}

/* " (in the sweep run with path = value, ...)" after a run's error. */
static void name_the_run(const scenario *s, const guint *coords, GError **err)
{
    GString *where = g_string_new("");
    guint nax = s->axes->len;
    for (guint i = 0; i <= nax; i++) {
        const scn_axis *a = i < nax ? g_ptr_array_index(s->axes, i) : s->compare;
        if (!a)
            continue;
        char *label = scn_cut(g_ptr_array_index(a->labels, coords[i]));
        g_string_append_printf(where, "%s%s = %s", where->len ? ", " : "", a->path, label);
        g_free(label);
    }
    char *msg = g_strdup_printf("%s (in the sweep run with %s)", (*err)->message, where->str);
    g_free((*err)->message);
    (*err)->message = msg;
    g_string_free(where, TRUE);
}

scn_run *scenario_run(const scenario *s, guint k, GError **err)
{
    guint coords[SCN_MAX_AXES + 1] = {0};
    scenario_run_coords(s, k, coords);
    GError *e = NULL;
    /* A plan without axes runs the tree as loaded: scn_run_parse only
     * reads it, so it is not copied (a copy of 100,000 nodes' tree is
     * hundreds of MB). */
    bool plain = !s->axes->len && !s->compare;
    cJSON *copy = plain ? NULL : tree_at(s, coords, &e);
    const cJSON *tree = plain ? s->root : copy;
    scn_run *r = NULL;
    if (tree) {
        char *runname = g_strdup_printf("run:%u", k);
        uint64_t seed = s->runs == 1 ? s->seed : sim_seed_derive(s->seed, runname);
        g_free(runname);
        r = scn_run_parse(s->file, tree, seed, s->reg, &e);
        if (!r && !plain)
            name_the_run(s, coords, &e);
        cJSON_Delete(copy);
    }
    if (e)
        g_propagate_error(err, e);
    return r;
}

char *scenario_json(const scenario *s) { return g_strdup(s->full_json); }

/* ---- paths for completion, renaming ---------------------------------------- */

static bool is_named_list(const char *key)
{
    return !strcmp(key, "links") || !strcmp(key, "apps") || !strcmp(key, "nodes");
}

/* Every leaf path beneath `obj`, prefixed with `prefix` (NULL at the top). */
static void paths_of(const cJSON *obj, const char *prefix, GPtrArray *out)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, obj)
    {
        if (!it->string)
            continue;
        if (!prefix && (!strcmp(it->string, "sweep") || !strcmp(it->string, "compare")))
            continue;
        if (!prefix && is_named_list(it->string) && cJSON_IsArray(it)) {
            const cJSON *el;
            cJSON_ArrayForEach(el, it)
            {
                const cJSON *nm = cJSON_GetObjectItemCaseSensitive(el, "name");
                if (!cJSON_IsString(nm))
                    continue;
                char *p = g_strdup_printf("%s.%s", it->string, nm->valuestring);
                const cJSON *kv;
                cJSON_ArrayForEach(kv, el)
                {
                    if (!kv->string || !strcmp(kv->string, "name"))
                        continue;
                    char *q = g_strdup_printf("%s.%s", p, kv->string);
                    if (cJSON_IsObject(kv))
                        paths_of(kv, q, out);
                    g_ptr_array_add(out, q);
                }
                g_free(p);
            }
            continue;
        }
        char *p = prefix ? g_strdup_printf("%s.%s", prefix, it->string) : g_strdup(it->string);
        if (cJSON_IsObject(it)) {
            paths_of(it, p, out);
            g_free(p);
        } else
            g_ptr_array_add(out, p);
    }
}

GPtrArray *scenario_paths(const scenario *s)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
    paths_of(s->root, NULL, out);
    return out;
}

/* The end of the JSON string starting at text[i] (its opening quote): the
 * index just past its closing quote, or 0 when it is not closed. */
static size_t string_end(const char *text, size_t i)
{
    for (i++; text[i]; i++) {
        if (text[i] == '\\' && text[i + 1])
            i++;
        else if (text[i] == '"')
            return i + 1;
    }
    return 0;
}

static size_t skip_space(const char *text, size_t i)
{
    while (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r')
        i++;
    return i;
}

char *scn_text_rename(const char *text, const char *name, GError **err)
{
    cJSON *root = cJSON_Parse(text);
    bool object = cJSON_IsObject(root), empty = object && !root->child;
    cJSON_Delete(root);
    size_t open = skip_space(text, 0);
    if (!object || text[open] != '{') {
        g_set_error(err, SCN_ERROR, SCN_ERROR_SYNTAX, "not a JSON object");
        return NULL;
    }
    /* Walk the text at depth 1 (inside the top-level object), skipping
     * strings, to the key "name" and its string value. */
    int depth = 0;
    bool key_next = false;
    for (size_t i = open; text[i]; i++) {
        char c = text[i];
        if (c == '{' || c == '[') {
            depth++;
            key_next = c == '{' && depth == 1;
        } else if (c == '}' || c == ']')
            depth--;
        else if (c == ',' && depth == 1)
            key_next = true;
        else if (c == '"') {
            size_t end = string_end(text, i);
            if (!end)
                break;
            if (depth == 1 && key_next && end - i == 6 && !strncmp(text + i, "\"name\"", 6)) {
                size_t colon = skip_space(text, end), v = text[colon] == ':' ? skip_space(text, colon + 1) : 0;
                size_t vend = v && text[v] == '"' ? string_end(text, v) : 0;
                if (vend)
                    return g_strdup_printf("%.*s\"%s\"%s", (int)v, text, name, text + vend);
            }
            key_next = false;
            i = end - 1;
        }
    }
    return g_strdup_printf("%.*s\n  \"name\": \"%s\"%s%s", (int)(open + 1), text, name, empty ? "" : ",",
                           text + open + 1);
}

/*
 * homework: templates, rosters, the students' variants and the answer key
 * (homework.h). The template's JSON is read and its errors located as a
 * scenario's (scn_json.c, scn_read.c); variants are set by path as --set
 * does (scn_json_set); the key's runs go through the plan (plan.h).
 */
#include "homework.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "plan.h"
#include "scn_priv.h"
#include "scn_read.h"
#include "sim/sim_rng.h"
#include "units.h"

typedef struct {
    char *path;
    GPtrArray *values; /* of cJSON * (owned) */
    GPtrArray *labels; /* of char *: the values as the questions sheet shows them */
} hw_vary;

typedef struct {
    char *id, *text, *metric;
    char *tol_text; /* "2%" or "0.05 s": as the key shows it */
    bool is_time;
    guint run;      /* index of its run (a case of the student's plan) */
} hw_question;

struct hw_template {
    char *file, *name, *description;
    const app_registry *reg;
    cJSON *root;        /* the scenario, without "homework" */
    GPtrArray *vary;    /* of hw_vary * */
    GPtrArray *questions; /* of hw_question * */
    GPtrArray *runs;    /* of cJSON * (owned): each distinct "set" of the questions */
    GPtrArray *run_ids; /* of GString *: the ids of the questions of each run */
};

static void vary_free(gpointer p)
{
    hw_vary *v = p;
    g_free(v->path);
    g_ptr_array_free(v->values, TRUE);
    g_ptr_array_free(v->labels, TRUE);
    g_free(v);
}

static void question_free(gpointer p)
{
    hw_question *q = p;
    g_free(q->id);
    g_free(q->text);
    g_free(q->metric);
    g_free(q->tol_text);
    g_free(q);
}

static void gstring_free(gpointer p) { g_string_free(p, TRUE); }
static void json_free(gpointer p) { cJSON_Delete(p); }

void hw_template_free(hw_template *t)
{
    if (!t)
        return;
    g_free(t->file);
    g_free(t->name);
    g_free(t->description);
    cJSON_Delete(t->root);
    g_ptr_array_free(t->vary, TRUE);
    g_ptr_array_free(t->questions, TRUE);
    g_ptr_array_free(t->runs, TRUE);
    g_ptr_array_free(t->run_ids, TRUE);
    g_free(t);
}

guint hw_template_questions(const hw_template *t) { return t->questions->len; }

/* ---- the "vary" entries ------------------------------------------------------------ */

/* A number as JSON writes it best: rounded to 12 significant digits, so a
 * range of step 0.1 gives 0.3, not 0.30000000000000004. */
static double tidy(double v)
{
    char buf[G_ASCII_DTOSTR_BUF_SIZE];
    return g_ascii_strtod(g_ascii_formatd(buf, sizeof buf, "%.12g", v), NULL);
}

/* The text of a value for the questions sheet. */
static char *label_of(const cJSON *v)
{
    if (cJSON_IsString(v))
        return g_strdup(v->valuestring);
    char *p = cJSON_PrintUnformatted(v), *r = g_strdup(p);
    cJSON_free(p);
    return r;
}

static void add_value(hw_vary *v, cJSON *value)
{
    g_ptr_array_add(v->labels, label_of(value));
    g_ptr_array_add(v->values, value);
}

/* Reads one end or the step of a range as `kind` (UNITS_*; -1: a plain
 * number) in the kind's base unit. */
static bool range_value(const cJSON *v, int kind, double *out)
{
    if (kind < 0) {
        *out = cJSON_IsNumber(v) ? v->valuedouble : NAN;
        return isfinite(*out);
    }
    return cJSON_IsString(v) && units_value(v->valuestring, kind, out) && isfinite(*out);
}

#define RANGE_FORM                                                                                          \
    "{\"from\": A, \"to\": B, \"step\": S} with S > 0 and B >= A: numbers, or quantities of one kind like "  \
    "{\"from\": \"20ms\", \"to\": \"100ms\", \"step\": \"10ms\"}"

/* "range": {"from", "to", "step"}: numbers, or quantities (time, rate or
 * size) of one kind; the values are written in the unit of "from". */
static void parse_range(scn_ctx *c, const cJSON *range, hw_vary *v)
{
    static const char *const keys[] = {"from", "to", "step", NULL};
    gsize m = scn_push_key(c, "range");
    if (scn_check_keys(c, range, keys)) {
        const cJSON *f = scn_get(range, "from"), *to = scn_get(range, "to"), *st = scn_get(range, "step");
        static const int kinds[] = {-1, UNITS_TIME, UNITS_RATE, UNITS_SIZE};
        int kind = -2;
        double a = 0, b = 0, s = 0;
        for (size_t i = 0; i < G_N_ELEMENTS(kinds) && kind == -2; i++)
            if (range_value(f, kinds[i], &a) && range_value(to, kinds[i], &b) && range_value(st, kinds[i], &s))
                kind = kinds[i];
        double count = kind == -2 || !(s > 0) || b < a ? 0 : floor((b - a) / s + 1e-9) + 1;
        if (count < 1)
            scn_fail(c, "expected " RANGE_FORM);
        else if (count > HW_MAX_VALUES)
            scn_fail(c, "%.0f values: at most %d (a larger step?)", count, HW_MAX_VALUES);
        else if (kind < 0) {
            for (int i = 0; i < (int)count; i++)
                add_value(v, cJSON_CreateNumber(tidy(a + i * s)));
        } else {
            /* the unit of "from": the text after its number */
            const char *unit = f->valuestring;
            g_ascii_strtod(unit, (char **)&unit);
            while (*unit == ' ')
                unit++;
            char *one = g_strdup_printf("1%s", unit);
            double mult = 0;
            units_value(one, kind, &mult);
            g_free(one);
            char buf[G_ASCII_DTOSTR_BUF_SIZE];
            for (int i = 0; i < (int)count; i++) {
                g_ascii_formatd(buf, sizeof buf, "%.10g", (a + i * s) / mult);
                char *text = g_strdup_printf("%s%s", buf, unit);
                add_value(v, cJSON_CreateString(text));
                g_free(text);
            }
        }
    }
    scn_pop(c, m);
}

/* Sets `value` at `path` in `tree` (a copy of the template): a wrong path
 * is reported at the template's key that names it. */
static void set_path(scn_ctx *c, cJSON *tree, const char *path, const cJSON *value)
{
    if (c->failed)
        return;
    GError *e = NULL;
    if (!g_ascii_strncasecmp(path, "homework", 8) || !strcmp(path, "sweep") || !strcmp(path, "compare") ||
        g_str_has_prefix(path, "sweep.") || g_str_has_prefix(path, "compare."))
        scn_fail(c, "\"%s\": a homework varies or sets the scenario's values, not its plan", path);
    else if (!scn_json_set(tree, path, value, &e)) {
        scn_fail(c, "%s", e->message);
        g_error_free(e);
    }
}

/* Checks `tree` (the template with some values set) as a run, the way
 * each student's scenario is checked: its mistake is reported at the
 * template's key that set the value (`what` says which value). */
static void check_tree(scn_ctx *c, const hw_template *t, const cJSON *tree, const char *what)
{
    if (c->failed)
        return;
    GError *e = NULL;
    scn_run *r = scn_run_parse(t->file, tree, 1, t->reg, &e);
    if (!r) {
        scn_fail(c, "%s makes a scenario that does not check: %s", what, e->message);
        g_error_free(e);
    }
    scn_run_free(r);
}

/* Applies `value` at `path` to a copy of the template and checks it. */
static void check_path(scn_ctx *c, const hw_template *t, const char *path, const cJSON *value)
{
    if (c->failed)
        return;
    cJSON *copy = cJSON_Duplicate(t->root, true);
    set_path(c, copy, path, value);
    char *v = label_of(value), *cut = scn_cut(v), *what = g_strdup_printf("the value \"%s\"", cut);
    check_tree(c, t, copy, what);
    g_free(what);
    g_free(cut);
    g_free(v);
    cJSON_Delete(copy);
}

/* One "vary" entry: {"path", "range"} or {"path", "choices"}. */
static void parse_vary(scn_ctx *c, hw_template *t, const cJSON *o)
{
    static const char *const keys[] = {"path", "range", "choices", NULL};
    if (!scn_check_keys(c, o, keys))
        return;
    hw_vary *v = g_new0(hw_vary, 1);
    v->values = g_ptr_array_new_with_free_func(json_free);
    v->labels = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(t->vary, v);
    v->path = scn_get_string(c, o, "path", NULL, true);
    const cJSON *range = scn_get(o, "range"), *choices = scn_get(o, "choices");
    if (c->failed)
        return;
    if (range && choices)
        scn_fail(c, "give \"range\" or \"choices\", not both");
    else if (range)
        parse_range(c, range, v);
    else if (choices) {
        gsize m = scn_push_key(c, "choices");
        if (!cJSON_IsArray(choices) || cJSON_GetArraySize(choices) == 0)
            scn_fail_expected(c, choices, "a non-empty list of values, like [2, 3, 5] or [\"10ms\", \"50ms\"]");
        else if (cJSON_GetArraySize(choices) > HW_MAX_VALUES)
            scn_fail(c, "at most %d choices", HW_MAX_VALUES);
        else {
            const cJSON *e;
            cJSON_ArrayForEach(e, choices) add_value(v, cJSON_Duplicate(e, true));
        }
        scn_pop(c, m);
    } else
        scn_fail(c, "a \"vary\" entry needs \"range\": {\"from\", \"to\", \"step\"} or \"choices\": [...]");
    for (guint i = 0; i < t->vary->len - 1 && !c->failed; i++)
        if (!strcmp(((hw_vary *)g_ptr_array_index(t->vary, i))->path, v->path))
            scn_fail(c, "\"%s\" is varied twice (also in $.homework.vary[%u])", v->path, i);
    if (!c->failed) {
        gsize m = scn_push_key(c, "path");
        for (guint i = 0; i < v->values->len; i++)
            check_path(c, t, v->path, g_ptr_array_index(v->values, i));
        scn_pop(c, m);
    }
}

/* ---- the questions ------------------------------------------------------------------- */

/* Whether `name` is a headline outputs.metric may name. */
static bool is_headline(const app_registry *reg, const char *name, bool *is_time)
{
    *is_time = false;
    for (size_t i = 0; i < reg->n; i++)
        for (const app_headline *h = reg->types[i]->headlines; h && h->name; h++)
            if (!strcmp(h->name, name)) {
                *is_time = h->is_time;
                return true;
            }
    return !strcmp(name, "link_utilisation");
}

/* "tolerance": "2%", a number in the headline's unit, or for a time a time
 * like "50ms". Its text for the key: "2%", "0.05 s" or "0.05". */
static char *parse_tolerance(scn_ctx *c, const cJSON *v, bool is_time)
{
    gsize m = scn_push_key(c, "tolerance");
    char buf[G_ASCII_DTOSTR_BUF_SIZE];
    char *r = NULL;
    double x = NAN;
    if (!v)
        r = g_strdup("2%");
    else if (cJSON_IsNumber(v))
        x = v->valuedouble;
    else if (cJSON_IsString(v) && g_str_has_suffix(v->valuestring, "%")) {
        char *end;
        double p = g_ascii_strtod(v->valuestring, &end);
        if (end != v->valuestring && *end == '%' && isfinite(p) && p >= 0 && p <= 1000)
            r = g_strdup_printf("%s%%", g_ascii_formatd(buf, sizeof buf, "%.6g", p));
    } else if (cJSON_IsString(v) && is_time && units_value(v->valuestring, UNITS_TIME, &x))
        x /= 1e9;
    if (!r && isfinite(x) && x >= 0)
        r = g_strdup_printf("%s%s", g_ascii_formatd(buf, sizeof buf, "%.6g", x), is_time ? " s" : "");
    if (!r)
        scn_fail_expected(c, v,
                          is_time ? "a tolerance like \"2%\" (relative), \"50ms\" or 0.05 (seconds, absolute)"
                                  : "a tolerance like \"2%\" (relative) or 0.05 (absolute)");
    scn_pop(c, m);
    return r;
}

/* The run of a question's "set" (absent: {}): an existing one with the
 * same values, or a new one. */
static guint run_of(hw_template *t, const cJSON *set, const char *id)
{
    cJSON *s = set ? cJSON_Duplicate(set, true) : cJSON_CreateObject();
    char *text = cJSON_PrintUnformatted(s);
    guint k;
    for (k = 0; k < t->runs->len; k++) {
        char *other = cJSON_PrintUnformatted(g_ptr_array_index(t->runs, k));
        bool same = !strcmp(text, other);
        cJSON_free(other);
        if (same)
            break;
    }
    cJSON_free(text);
    if (k == t->runs->len) {
        g_ptr_array_add(t->runs, s);
        g_ptr_array_add(t->run_ids, g_string_new(""));
    } else
        cJSON_Delete(s);
    GString *ids = g_ptr_array_index(t->run_ids, k);
    g_string_append_printf(ids, "%s%s", ids->len ? ", " : "", id);
    return k;
}

static void parse_question(scn_ctx *c, hw_template *t, const cJSON *o)
{
    static const char *const keys[] = {"id", "text", "metric", "set", "tolerance", NULL};
    if (!scn_check_keys(c, o, keys))
        return;
    hw_question *q = g_new0(hw_question, 1);
    g_ptr_array_add(t->questions, q);
    q->id = scn_get_name(c, o, "id", NULL, true, false);
    q->text = scn_get_text(c, o, "text", NULL, true, 0);
    q->metric = scn_get_string(c, o, "metric", NULL, true);
    if (c->failed)
        return;
    for (guint i = 0; i + 1 < t->questions->len; i++)
        if (!strcmp(((hw_question *)g_ptr_array_index(t->questions, i))->id, q->id)) {
            gsize m = scn_push_key(c, "id");
            scn_fail(c, "\"%s\" is the id of $.homework.questions[%u] too: each question needs its own", q->id, i);
            scn_pop(c, m);
            return;
        }
    if (!is_headline(t->reg, q->metric, &q->is_time)) {
        gsize m = scn_push_key(c, "metric");
        GString *names = g_string_new("");
        for (size_t i = 0; i < t->reg->n; i++)
            for (const app_headline *h = t->reg->types[i]->headlines; h && h->name; h++)
                g_string_append_printf(names, "%s, ", h->name);
        scn_fail(c, "\"%s\" is not a headline; expected one of %slink_utilisation", q->metric, names->str);
        g_string_free(names, TRUE);
        scn_pop(c, m);
        return;
    }
    q->tol_text = parse_tolerance(c, scn_get(o, "tolerance"), q->is_time);
    const cJSON *set = scn_get(o, "set"), *e;
    if (set) {
        gsize m = scn_push_key(c, "set");
        if (!cJSON_IsObject(set))
            scn_fail_expected(c, set,
                              "an object of \"path\": value pairs, like {\"apps.browser.mode\": \"persistent\"}");
        else {
            cJSON *copy = cJSON_Duplicate(t->root, true);
            cJSON_ArrayForEach(e, set)
            {
                gsize k = scn_push_key(c, e->string);
                set_path(c, copy, e->string, e);
                for (guint i = 0; i < t->vary->len && !c->failed; i++)
                    if (!strcmp(((hw_vary *)g_ptr_array_index(t->vary, i))->path, e->string))
                        scn_fail(c, "\"%s\" is varied per student ($.homework.vary[%u]): a question cannot set it",
                                 e->string, i);
                scn_pop(c, k);
            }
            check_tree(c, t, copy, "this set");
            cJSON_Delete(copy);
        }
        scn_pop(c, m);
    }
    if (!c->failed)
        q->run = run_of(t, set, q->id);
}

/* Runs `each` on every element of `list` (a non-empty list of at most
 * `max` under `key`), each at its index. */
static void each_of(scn_ctx *c, hw_template *t, const cJSON *hw, const char *key, int max,
                    void (*each)(scn_ctx *, hw_template *, const cJSON *), const char *form)
{
    const cJSON *list = scn_get(hw, key), *e;
    gsize m = scn_push_key(c, key);
    if (!cJSON_IsArray(list) || cJSON_GetArraySize(list) == 0)
        scn_fail_expected(c, list, form);
    else if (cJSON_GetArraySize(list) > max)
        scn_fail(c, "at most %d entries", max);
    int i = 0;
    cJSON_ArrayForEach(e, list)
    {
        if (c->failed)
            break;
        gsize k = scn_push_index(c, i++);
        each(c, t, e);
        scn_pop(c, k);
    }
    scn_pop(c, m);
}

static void parse_homework(scn_ctx *c, hw_template *t, const cJSON *hw)
{
    static const char *const keys[] = {"vary", "questions", NULL};
    gsize m = scn_push_key(c, "homework");
    if (scn_check_keys(c, hw, keys)) {
        each_of(c, t, hw, "vary", HW_MAX_VARY, parse_vary,
                "a list of values to vary, like [{\"path\": \"links.access.delay\", \"range\": {\"from\": \"20ms\", "
                "\"to\": \"100ms\", \"step\": \"10ms\"}}]");
        each_of(c, t, hw, "questions", HW_MAX_QUESTIONS, parse_question,
                "a list of questions, like [{\"id\": \"q1\", \"text\": \"...\", \"metric\": \"page_load_time\"}]");
    }
    scn_pop(c, m);
}

hw_template *hw_template_load(const char *file, const app_registry *reg, GError **err)
{
    cJSON *root = scn_json_read(file, err);
    if (!root)
        return NULL;
    hw_template *t = g_new0(hw_template, 1);
    t->file = g_strdup(file);
    t->reg = reg;
    t->root = root;
    t->vary = g_ptr_array_new_with_free_func(vary_free);
    t->questions = g_ptr_array_new_with_free_func(question_free);
    t->runs = g_ptr_array_new_with_free_func(json_free);
    t->run_ids = g_ptr_array_new_with_free_func(gstring_free);
    scn_ctx c = {file, g_string_new("$"), err, false};
    if (!cJSON_IsObject(root))
        scn_fail_expected(&c, root, "an object (a scenario with a \"homework\" block)");
    cJSON *hw = cJSON_IsObject(root) ? cJSON_DetachItemFromObjectCaseSensitive(root, "homework") : NULL;
    if (!c.failed && !hw) {
        gsize m = scn_push_key(&c, "homework");
        scn_fail(&c, "missing: a template needs a \"homework\" block with \"vary\" and \"questions\" "
                     "(docs/homework.md)");
        scn_pop(&c, m);
    }
    for (const char *const *k = (const char *const[]){"sweep", "compare", NULL}; *k && !c.failed; k++)
        if (scn_get(root, *k)) {
            gsize m = scn_push_key(&c, *k);
            scn_fail(&c, "a homework template is one run: its questions' \"set\" make the cases (docs/homework.md)");
            scn_pop(&c, m);
        }
    if (!c.failed) {
        t->name = scn_get_name(&c, root, "name", NULL, true, true);
        t->description = scn_get_text(&c, root, "description", "", false, 0);
    }
    if (!c.failed) { /* the template as it stands: its mistakes as a scenario's */
        scn_run *r = scn_run_parse(file, root, 1, reg, err);
        c.failed = r == NULL;
        scn_run_free(r);
    }
    if (!c.failed)
        parse_homework(&c, t, hw);
    cJSON_Delete(hw);
    bool failed = c.failed;
    g_string_free(c.path, TRUE);
    if (failed) {
        hw_template_free(t);
        return NULL;
    }
    return t;
}

/* ---- rosters ------------------------------------------------------------------------- */

static void student_free(gpointer p)
{
    hw_student *s = p;
    g_free(s->id);
    g_free(s->name);
    g_free(s);
}

GPtrArray *hw_roster_read(const char *file, GError **err)
{
    hw_csv *c = hw_csv_read(file, err);
    if (!c || !hw_csv_require(c, (const char *const[]){"id", NULL}, err)) {
        hw_csv_free(c);
        return NULL;
    }
    int cid = hw_csv_column(c, "id"), cname = hw_csv_column(c, "name");
    GPtrArray *roster = g_ptr_array_new_with_free_func(student_free);
    GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal); /* id -> its student (lookup only) */
    bool ok = true;
    for (guint i = 0; ok && i < c->rows->len; i++) {
        const hw_csv_row *r = g_ptr_array_index(c->rows, i);
        const char *id = hw_csv_field(r, cid);
        const hw_student *other = g_hash_table_lookup(seen, id);
        if (!scn_name_ok(id, true)) {
            char *cut = scn_cut(id);
            g_set_error(err, HW_ERROR, HW_ERROR_INPUT,
                        "%s:%u: id \"%s\": expected a name a file may carry: 1 to %d letters, digits, '-', '_' "
                        "(and '.' after the first), no '/' or spaces",
                        file, r->line, cut, SCN_MAX_NAME);
            g_free(cut);
            ok = false;
        } else if (other) {
            g_set_error(err, HW_ERROR, HW_ERROR_INPUT, "%s:%u: id \"%s\" again (first on line %u): ids must be unique",
                        file, r->line, id, other->line);
            ok = false;
        } else {
            hw_student *s = g_new0(hw_student, 1);
            s->id = g_strdup(id);
            s->name = g_strdup(cname >= 0 ? hw_csv_field(r, cname) : "");
            s->line = r->line;
            g_ptr_array_add(roster, s);
            g_hash_table_insert(seen, s->id, s);
        }
    }
    if (ok && roster->len == 0) {
        g_set_error(err, HW_ERROR, HW_ERROR_INPUT, "%s: no students (expected a row per student under the header)",
                    file);
        ok = false;
    }
    g_hash_table_destroy(seen);
    hw_csv_free(c);
    if (!ok) {
        g_ptr_array_free(roster, TRUE);
        return NULL;
    }
    return roster;
}

/* ---- variants ------------------------------------------------------------------------ */

/* Student `s`'s scenario; `params` gets its drawn values ("path", "value"
 * pairs). */
static cJSON *variant_of(const hw_template *t, const hw_student *s, uint64_t seed, GPtrArray *params, GError **err)
{
    cJSON *v = cJSON_Duplicate(t->root, true);
    char *name = g_strdup_printf("%s-%s", t->name, s->id);
    if (!scn_name_ok(name, true)) { /* too long: the id alone, a name too (hw_roster_read) */
        g_free(name);
        name = g_strdup(s->id);
    }
    cJSON_ReplaceItemInObjectCaseSensitive(v, "name", cJSON_CreateString(name));
    g_free(name);
    char *rng_name = g_strdup_printf("homework:%s", s->id);
    sim_rng_t rng;
    sim_rng_init(&rng, seed, rng_name);
    g_free(rng_name);
    bool ok = true;
    for (guint i = 0; ok && i < t->vary->len; i++) {
        const hw_vary *x = g_ptr_array_index(t->vary, i);
        guint k = (guint)sim_rng_below(&rng, x->values->len);
        ok = scn_json_set(v, x->path, g_ptr_array_index(x->values, k), err);
        g_ptr_array_add(params, g_strdup(x->path));
        g_ptr_array_add(params, g_strdup(g_ptr_array_index(x->labels, k)));
    }
    const cJSON *only = g_ptr_array_index(t->runs, 0);
    if (ok && (t->runs->len > 1 || cJSON_GetArraySize(only) > 0)) {
        cJSON *cases = cJSON_CreateArray();
        for (guint k = 0; k < t->runs->len; k++) {
            cJSON *cs = cJSON_CreateObject();
            GString *ids = g_ptr_array_index(t->run_ids, k);
            char *label = g_strdup_printf("question%s %s", strchr(ids->str, ',') ? "s" : "", ids->str);
            cJSON_AddStringToObject(cs, "label", label);
            g_free(label);
            cJSON_AddItemToObject(cs, "set", cJSON_Duplicate(g_ptr_array_index(t->runs, k), true));
            cJSON_AddItemToArray(cases, cs);
        }
        cJSON *sweep = cJSON_CreateArray(), *axis = cJSON_CreateObject();
        cJSON_AddItemToObject(axis, "cases", cases);
        cJSON_AddItemToArray(sweep, axis);
        cJSON_AddItemToObject(v, "sweep", sweep);
    }
    if (!ok) {
        cJSON_Delete(v);
        return NULL;
    }
    return v;
}

/* Loads the student's file (with tcp.cc=ideal when `ideal`), runs its plan
 * and reads each question's headline into vals[] (and, when `textbook` is
 * not NULL, the formula where it predicts the headline: NaN elsewhere). */
static bool run_values(const hw_template *t, const char *file, bool ideal, const hw_options *o, double *vals,
                       double *textbook, GError **err)
{
    const char *const sets[] = {"tcp.cc=ideal", NULL};
    scenario *sc = scenario_load(file, ideal ? sets : NULL, t->reg, err);
    if (!sc)
        return false;
    plan_options po = {.jobs = o ? o->jobs : 0};
    run_result **res = plan_run(sc, &po, err);
    bool ok = res != NULL;
    if (!ok)
        g_prefix_error(err, "%s%s: ", file, ideal ? " (with tcp.cc=ideal)" : "");
    for (guint i = 0; ok && i < t->questions->len; i++) {
        const hw_question *q = g_ptr_array_index(t->questions, i);
        const run_result *r = res[q->run];
        vals[i] = run_result_headline(r, t->reg, q->metric);
        if (textbook)
            textbook[i] = run_formula_for(r, t->reg, q->metric, false, NULL);
        if (r->failed || !isfinite(vals[i])) {
            g_set_error(err, HW_ERROR, HW_ERROR_RUN, "%s%s: question %s: the run has no value of %s%s%s", file,
                        ideal ? " (with tcp.cc=ideal)" : "", q->id, q->metric, r->failed ? ": " : "",
                        r->failed ? r->failed : "");
            ok = false;
        }
    }
    plan_free(res, scenario_run_count(sc));
    scenario_free(sc);
    return ok;
}

static gint by_id(gconstpointer a, gconstpointer b)
{
    return strcmp((*(hw_student *const *)a)->id, (*(hw_student *const *)b)->id);
}

static void append_number(GString *out, double v)
{
    char buf[G_ASCII_DTOSTR_BUF_SIZE];
    if (isfinite(v))
        g_string_append(out, g_ascii_formatd(buf, sizeof buf, "%.6g", v));
}

/* The key's rows of one student. */
static void key_rows(const hw_template *t, const hw_student *s, const double *ideal, const double *real,
                     const double *tb, GString *key)
{
    for (guint i = 0; i < t->questions->len; i++) {
        const hw_question *q = g_ptr_array_index(t->questions, i);
        g_string_append_printf(key, "%s,%s,%s,%s,%s,", s->id, q->id, q->metric, q->is_time ? "s" : "", q->tol_text);
        append_number(key, ideal[i]);
        g_string_append_c(key, ',');
        append_number(key, real[i]);
        g_string_append_c(key, ',');
        append_number(key, tb[i]);
        g_string_append_c(key, '\n');
    }
}

/* The questions sheet's section of one student. */
static void sheet_section(const hw_template *t, const hw_student *s, GPtrArray *params, GString *md)
{
    g_string_append_printf(md, "\n## %s%s%s\n\nScenario: `%s.json`\n\nYour parameters:\n\n", s->id,
                           *s->name ? " — " : "", s->name, s->id);
    for (guint i = 0; i + 1 < params->len; i += 2)
        g_string_append_printf(md, "- `%s` = %s\n", (const char *)g_ptr_array_index(params, i),
                               (const char *)g_ptr_array_index(params, i + 1));
    g_string_append(md, "\nQuestions:\n\n");
    for (guint i = 0; i < t->questions->len; i++) {
        const hw_question *q = g_ptr_array_index(t->questions, i);
        g_string_append_printf(md, "%u. **%s**: %s (%s; tolerance %s)\n", i + 1, q->id, q->text,
                               q->is_time ? "in seconds" : "a number", q->tol_text);
    }
}

static bool write_file(const char *dir, const char *name, const char *text, GError **err)
{
    char *path = g_build_filename(dir, name, NULL);
    GError *e = NULL;
    bool ok = g_file_set_contents(path, text, -1, &e);
    if (!ok) {
        g_set_error(err, HW_ERROR, HW_ERROR_IO, "%s: cannot write: %s", path, e->message);
        g_error_free(e);
    }
    g_free(path);
    return ok;
}

/* One student: the scenario file, its two plans, the key's rows and the
 * sheet's section. */
static bool one_student(const hw_template *t, const hw_student *s, uint64_t seed, const char *dir,
                        const hw_options *o, GString *key, GString *md, GError **err)
{
    GPtrArray *params = g_ptr_array_new_with_free_func(g_free);
    cJSON *v = variant_of(t, s, seed, params, err);
    char *name = g_strdup_printf("%s.json", s->id), *file = g_build_filename(dir, name, NULL);
    bool ok = v != NULL;
    if (ok) {
        char *text = cJSON_Print(v);
        char *full = g_strdup_printf("%s\n", text);
        cJSON_free(text);
        ok = write_file(dir, name, full, err);
        g_free(full);
    }
    guint n = t->questions->len;
    double *ideal = g_new(double, n), *real = g_new(double, n), *tb = g_new(double, n);
    ok = ok && run_values(t, file, false, o, real, tb, err) && run_values(t, file, true, o, ideal, NULL, err);
    if (ok) {
        key_rows(t, s, ideal, real, tb, key);
        sheet_section(t, s, params, md);
    }
    g_free(ideal);
    g_free(real);
    g_free(tb);
    cJSON_Delete(v);
    g_free(name);
    g_free(file);
    g_ptr_array_free(params, TRUE);
    return ok;
}

bool hw_generate(const hw_template *t, GPtrArray *roster, uint64_t seed, const char *dir, const hw_options *o,
                 GError **err)
{
    if (g_mkdir_with_parents(dir, 0755) != 0) {
        g_set_error(err, HW_ERROR, HW_ERROR_IO, "%s: cannot make the folder: %s", dir, g_strerror(errno));
        return false;
    }
    GPtrArray *sorted = g_ptr_array_new();
    for (guint i = 0; i < roster->len; i++)
        g_ptr_array_add(sorted, g_ptr_array_index(roster, i));
    g_ptr_array_sort(sorted, by_id);
    GString *key = g_string_new("id,question,metric,unit,tolerance,ideal,realistic,textbook\n");
    GString *md = g_string_new("");
    char *base = g_path_get_basename(t->file);
    g_string_append_printf(md, "# Homework: %s\n\n%s%sTemplate `%s`, seed %" G_GUINT64_FORMAT
                               "; one scenario per student (run it with `appsim run ID.json`).\n",
                           t->name, t->description, *t->description ? "\n\n" : "", base, seed);
    g_free(base);
    bool ok = true;
    for (guint i = 0; ok && i < sorted->len; i++) {
        const hw_student *s = g_ptr_array_index(sorted, i);
        if (o && o->progress)
            o->progress(o->ud, s->id, i, sorted->len);
        ok = one_student(t, s, seed, dir, o, key, md, err);
    }
    ok = ok && write_file(dir, "key.csv", key->str, err) && write_file(dir, "questions.md", md->str, err);
    g_string_free(key, TRUE);
    g_string_free(md, TRUE);
    g_ptr_array_free(sorted, TRUE);
    return ok;
}

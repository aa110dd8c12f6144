/*
 * hw_grade: answers checked against a homework key (homework.h,
 * hw_grade). The key and the answers are read with hw_csv; values with
 * units through units.h, as a scenario's.
 *
 * Cost: O(key rows + answers), with a hash table from "id/question" to
 * the key's row (lookup only: the marks follow the key's order).
 */
#include <math.h>
#include <string.h>

#include "homework.h"
#include "units.h"

typedef struct {
    const char *id, *question; /* the key's (borrowed) */
    double expected;  /* the value graded against (NaN: the key has none) */
    double tol;       /* percent when pct, else in the unit */
    bool pct, is_time;
    const char *given; /* the answer as written (NULL: none) */
    double value;
    guint answer_line;
} key_entry;

static const char *const key_cols[] = {"id", "question", "unit", "tolerance", "ideal", "realistic", "textbook", NULL};
static const char *const answer_cols[] = {"id", "question", "value", NULL};

static const char *against_col(hw_against a)
{
    return a == HW_AGAINST_IDEAL ? "ideal" : a == HW_AGAINST_REALISTIC ? "realistic" : "textbook";
}

/* A number written whole ("1.3", " 2e-3 "); false otherwise. */
static bool plain_number(const char *s, double *out)
{
    char *end;
    *out = g_ascii_strtod(s, &end);
    if (end == s)
        return false;
    while (g_ascii_isspace(*end))
        end++;
    return !*end && isfinite(*out);
}

/* The key's tolerance: "2%", or a number with the unit ("0.05 s"). */
static bool parse_tol(const char *s, key_entry *k)
{
    char *end;
    k->tol = g_ascii_strtod(s, &end);
    if (end == s || !isfinite(k->tol) || k->tol < 0)
        return false;
    while (*end == ' ')
        end++;
    k->pct = *end == '%';
    return k->pct ? !end[1] : !*end || !strcmp(end, "s");
}

/* Reads the key into `entries` (in its order) and `index`. */
static bool read_key(const hw_csv *c, hw_against against, GArray *entries, GHashTable *index, GError **err)
{
    if (!hw_csv_require(c, key_cols, err))
        return false;
    int cid = hw_csv_column(c, "id"), cq = hw_csv_column(c, "question"), cu = hw_csv_column(c, "unit"),
        ct = hw_csv_column(c, "tolerance"), cv = hw_csv_column(c, against_col(against));
    for (guint i = 0; i < c->rows->len; i++) {
        const hw_csv_row *r = g_ptr_array_index(c->rows, i);
        key_entry k = {.id = hw_csv_field(r, cid), .question = hw_csv_field(r, cq), .value = NAN};
        const char *v = hw_csv_field(r, cv), *unit = hw_csv_field(r, cu);
        k.is_time = !strcmp(unit, "s");
        bool ok = parse_tol(hw_csv_field(r, ct), &k) && (!*unit || k.is_time);
        if (ok && !*v)
            k.expected = NAN;
        else if (ok)
            ok = plain_number(v, &k.expected);
        char *pair = g_strdup_printf("%s/%s", hw_csv_field(r, cid), hw_csv_field(r, cq));
        if (!ok || g_hash_table_contains(index, pair)) {
            g_set_error(err, HW_ERROR, HW_ERROR_INPUT,
                        ok ? "%s:%u: %s is in the key twice"
                           : "%s:%u: %s: expected a key row as appsim homework writes it (unit \"s\" or empty, "
                             "a tolerance like \"2%%\" or \"0.05 s\", numbers)",
                        c->file, r->line, pair);
            g_free(pair);
            return false;
        }
        g_array_append_val(entries, k);
        g_hash_table_insert(index, pair, GUINT_TO_POINTER(entries->len));
    }
    return true;
}

/* An answer's value in the question's unit: a number, a time with its
 * unit for a time ("1.3 s", "1300ms"), or a percentage for a number that
 * is not a time ("58%"). */
static bool parse_answer(const char *s, bool is_time, double *out)
{
    if (plain_number(s, out))
        return true;
    if (is_time)
        return units_value(s, UNITS_TIME, out) && isfinite(*out) && (*out /= 1e9, true);
    char *end;
    double p = g_ascii_strtod(s, &end);
    while (*end == ' ')
        end++;
    *out = p / 100;
    return end != s && !strcmp(end, "%") && isfinite(p);
}

/* Reads the answers into the key's entries. */
static bool read_answers(const hw_csv *c, const char *key_file, GArray *entries, GHashTable *index, GError **err)
{
    if (!hw_csv_require(c, answer_cols, err))
        return false;
    int cid = hw_csv_column(c, "id"), cq = hw_csv_column(c, "question"), cv = hw_csv_column(c, "value");
    GHashTable *ids = g_hash_table_new(g_str_hash, g_str_equal); /* the key's students (lookup only) */
    for (guint i = 0; i < entries->len; i++)
        g_hash_table_add(ids, (gpointer)g_array_index(entries, key_entry, i).id);
    bool ok = true;
    for (guint i = 0; ok && i < c->rows->len; i++) {
        const hw_csv_row *r = g_ptr_array_index(c->rows, i);
        const char *id = hw_csv_field(r, cid), *q = hw_csv_field(r, cq), *v = hw_csv_field(r, cv);
        char *pair = g_strdup_printf("%s/%s", id, q);
        guint at = GPOINTER_TO_UINT(g_hash_table_lookup(index, pair));
        key_entry *k = at ? &g_array_index(entries, key_entry, at - 1) : NULL;
        char *cid_cut = g_strescape(id, NULL), *q_cut = g_strescape(q, NULL), *v_cut = g_strescape(v, NULL);
        if (!g_hash_table_contains(ids, id)) {
            g_set_error(err, HW_ERROR, HW_ERROR_INPUT, "%s:%u: no student \"%s\" in the key (%s)", c->file, r->line,
                        cid_cut, key_file);
            ok = false;
        } else if (!k) {
            g_set_error(err, HW_ERROR, HW_ERROR_INPUT, "%s:%u: student %s has no question \"%s\" in the key (%s)",
                        c->file, r->line, cid_cut, q_cut, key_file);
            ok = false;
        } else if (k->given) {
            g_set_error(err, HW_ERROR, HW_ERROR_INPUT, "%s:%u: a second answer to %s (the first on line %u)",
                        c->file, r->line, pair, k->answer_line);
            ok = false;
        } else if (*v && !parse_answer(v, k->is_time, &k->value)) {
            g_set_error(err, HW_ERROR, HW_ERROR_INPUT,
                        k->is_time ? "%s:%u: value \"%s\": expected a time like \"1.3 s\" or \"1300ms\", or a "
                                     "number of seconds"
                                   : "%s:%u: value \"%s\": expected a number like 0.58 (or \"58%%\")",
                        c->file, r->line, v_cut);
            ok = false;
        } else if (*v) {
            k->given = v;
            k->answer_line = r->line;
        }
        g_free(cid_cut);
        g_free(q_cut);
        g_free(v_cut);
        g_free(pair);
    }
    g_hash_table_destroy(ids);
    return ok;
}

/* A value with the question's unit, for feedback. */
static char *shown(double v, bool is_time)
{
    char buf[G_ASCII_DTOSTR_BUF_SIZE];
    return g_strdup_printf("%s%s", g_ascii_formatd(buf, sizeof buf, "%.4g", v), is_time ? " s" : "");
}

/* The mark (1 right, 0 wrong or missing) and the feedback of one entry;
 * counts it in `tot`. */
static int mark_of(const key_entry *k, GString *fb, hw_totals *tot)
{
    char *exp = shown(k->expected, k->is_time);
    char buf[G_ASCII_DTOSTR_BUF_SIZE];
    char *tol = k->pct ? g_strdup_printf("%s%%", g_ascii_formatd(buf, sizeof buf, "%g", k->tol))
                       : shown(k->tol, k->is_time);
    int mark = 0;
    if (!isfinite(k->expected)) {
        g_string_printf(fb, "the key has no value for this question: not graded");
        tot->missing++;
    } else if (!k->given) {
        g_string_printf(fb, "no answer (expected %s)", exp);
        tot->missing++;
    } else {
        char *gave = shown(k->value, k->is_time);
        double d = fabs(k->value - k->expected);
        bool right;
        if (k->pct && k->expected != 0) {
            double off = 100 * d / fabs(k->expected);
            right = off <= k->tol * (1 + 1e-12);
            g_string_printf(fb, "expected %s, you gave %s: %.1f%% off, tolerance %s", exp, gave, off, tol);
        } else {
            char *dd = shown(d, k->is_time);
            right = k->pct ? d == 0 : d <= k->tol * (1 + 1e-12);
            g_string_printf(fb, "expected %s, you gave %s: off by %s, tolerance %s", exp, gave, dd, tol);
            g_free(dd);
        }
        g_string_append(fb, right ? ": right" : ": wrong");
        mark = right;
        if (right)
            tot->right++;
        else
            tot->wrong++;
        g_free(gave);
    }
    g_free(exp);
    g_free(tol);
    return mark;
}

/* The marks CSV: the key's order, a total after each student's rows. */
static void write_marks(GArray *entries, GString *out, hw_totals *tot)
{
    g_string_append(out, "id,question,mark,out_of,expected,given,feedback\n");
    GString *fb = g_string_new("");
    char buf[G_ASCII_DTOSTR_BUF_SIZE];
    int sum = 0, n = 0;
    for (guint i = 0; i < entries->len; i++) {
        const key_entry *k = &g_array_index(entries, key_entry, i);
        const char *id = k->id;
        int mark = mark_of(k, fb, tot);
        hw_csv_append(out, id);
        g_string_append_c(out, ',');
        hw_csv_append(out, k->question);
        g_string_append_printf(out, ",%d,1,%s,", mark,
                               isfinite(k->expected) ? g_ascii_formatd(buf, sizeof buf, "%.6g", k->expected) : "");
        hw_csv_append(out, k->given ? k->given : "");
        g_string_append_c(out, ',');
        hw_csv_append(out, fb->str);
        g_string_append_c(out, '\n');
        sum += mark;
        n++;
        tot->questions++;
        const key_entry *next = i + 1 < entries->len ? &g_array_index(entries, key_entry, i + 1) : NULL;
        if (!next || strcmp(next->id, id)) {
            hw_csv_append(out, id);
            g_string_append_printf(out, ",(total),%d,%d,,,%d of %d right\n", sum, n, sum, n);
            tot->students++;
            sum = n = 0;
        }
    }
    g_string_free(fb, TRUE);
}

bool hw_grade(const char *key_file, const char *answers_file, hw_against against, GString *marks, hw_totals *tot,
              GError **err)
{
    memset(tot, 0, sizeof *tot);
    hw_csv *key = hw_csv_read(key_file, err), *ans = key ? hw_csv_read(answers_file, err) : NULL;
    GArray *entries = g_array_new(FALSE, TRUE, sizeof(key_entry));
    GHashTable *index = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL); /* "id/question" -> i + 1 */
    bool ok = ans && read_key(key, against, entries, index, err) &&
              read_answers(ans, key_file, entries, index, err);
    if (ok)
        write_marks(entries, marks, tot);
    g_hash_table_destroy(index);
    g_array_free(entries, TRUE);
    hw_csv_free(key);
    hw_csv_free(ans);
    return ok;
}

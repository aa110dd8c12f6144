/* scn_read: the error context, the key check and the typed getters. */
#include "scn_read.h"

#include <math.h>
#include <string.h>

#include "scenario.h"
#include "units.h"

/* ---- error context ------------------------------------------------------ */

void scn_fail(scn_ctx *c, const char *fmt, ...)
{
    if (c->failed)
        return;
    va_list ap;
    va_start(ap, fmt);
    char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error(c->err, SCN_ERROR, SCN_ERROR_INVALID, "%s: %s: %s", c->file, c->path->str, msg);
    g_free(msg);
    c->failed = true;
}

char *scn_cut(const char *s)
{
    size_t len = strlen(s);
    if (len <= SCN_ECHO_MAX + 16)
        return g_strdup(s);
    const char *end = s + SCN_ECHO_MAX;
    /* Back to the start of a character, so that the cut stays UTF-8. */
    while (end > s && ((unsigned char)*end & 0xC0) == 0x80)
        end--;
    return g_strdup_printf("%.*s... (%zu bytes)", (int)(end - s), s, len);
}

/* Paths are pushed for every key and element a file holds (the loading of
 * 100,000 nodes pushes millions), so the common cases avoid printf and
 * allocation; the text is the same as scn_cut's and "[%d]"'s. */
gsize scn_push_key(scn_ctx *c, const char *key)
{
    gsize mark = c->path->len;
    size_t len = strlen(key);
    g_string_append_c(c->path, '.');
    if (len <= SCN_ECHO_MAX + 16) {
        g_string_append_len(c->path, key, (gssize)len);
    } else {
        char *k = scn_cut(key);
        g_string_append(c->path, k);
        g_free(k);
    }
    return mark;
}

gsize scn_push_index(scn_ctx *c, int i)
{
    gsize mark = c->path->len;
    char digits[16];
    int n = 0;
    unsigned v = i < 0 ? 0u - (unsigned)i : (unsigned)i;
    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    g_string_append_c(c->path, '[');
    if (i < 0)
        g_string_append_c(c->path, '-');
    while (n)
        g_string_append_c(c->path, digits[--n]);
    g_string_append_c(c->path, ']');
    return mark;
}

void scn_pop(scn_ctx *c, gsize mark) { g_string_truncate(c->path, mark); }

char *scn_found_text(const cJSON *v)
{
    if (!v)
        return g_strdup("nothing");
    if (cJSON_IsString(v)) {
        char *cut = scn_cut(v->valuestring);
        char *r = g_strdup_printf("\"%s\"", cut);
        g_free(cut);
        return r;
    }
    if (cJSON_IsNumber(v))
        return isfinite(v->valuedouble) ? g_strdup_printf("%g", v->valuedouble)
                                         : g_strdup("a number too large to represent");
    if (cJSON_IsBool(v))
        return g_strdup(cJSON_IsTrue(v) ? "true" : "false");
    if (cJSON_IsNull(v))
        return g_strdup("null");
    if (cJSON_IsArray(v))
        return g_strdup("a list");
    return g_strdup("an object");
}

void scn_fail_expected(scn_ctx *c, const cJSON *v, const char *expected)
{
    char *f = scn_found_text(v);
    scn_fail(c, "found %s, expected %s", f, expected);
    g_free(f);
}

/* ---- keys ---------------------------------------------------------------- */

/* The edit distance of a and b (case-insensitive), or bound + 1 when it
 * is certainly above `bound` (the lengths alone differ by more). Costs
 * O(len(a) x len(b)) when computed. */
static guint edit_distance(const char *a, const char *b, guint bound)
{
    size_t la = strlen(a), lb = strlen(b);
    if ((la > lb ? la - lb : lb - la) > bound)
        return bound + 1;
    guint *row = g_new(guint, lb + 1);
    for (size_t j = 0; j <= lb; j++)
        row[j] = (guint)j;
    for (size_t i = 1; i <= la; i++) {
        guint diag = row[0];
        row[0] = (guint)i;
        for (size_t j = 1; j <= lb; j++) {
            guint up = row[j];
            guint cost = g_ascii_tolower(a[i - 1]) == g_ascii_tolower(b[j - 1]) ? 0 : 1;
            row[j] = MIN(MIN(row[j] + 1, row[j - 1] + 1), diag + cost);
            diag = up;
        }
    }
    guint d = row[lb];
    g_free(row);
    return d;
}

/* Fails at the unknown key `key` with the closest of `keys`, or all of them. */
static void fail_unknown_key(scn_ctx *c, const char *key, const char *const *keys)
{
    size_t len = strlen(key);
    guint bound = MAX(2u, len > G_MAXUINT / 3 ? G_MAXUINT : (guint)(len / 3));
    const char *best = NULL;
    guint bd = G_MAXUINT;
    for (const char *const *k = keys; *k; k++) {
        guint d = edit_distance(key, *k, bound);
        if (d < bd) {
            bd = d;
            best = *k;
        }
    }
    gsize m = scn_push_key(c, key);
    if (best && bd <= bound)
        scn_fail(c, "unknown key; did you mean \"%s\"?", best);
    else {
        GString *all = g_string_new("");
        for (const char *const *k = keys; *k; k++)
            g_string_append_printf(all, "%s%s", all->len ? ", " : "", *k);
        scn_fail(c, "unknown key; known keys here: %s", all->str);
        g_string_free(all, TRUE);
    }
    scn_pop(c, m);
}

bool scn_check_keys(scn_ctx *c, const cJSON *obj, const char *const *keys)
{
    if (!cJSON_IsObject(obj)) {
        scn_fail_expected(c, obj, "an object { ... }");
        return false;
    }
    const cJSON *it;
    cJSON_ArrayForEach(it, obj)
    {
        bool known = false;
        for (const char *const *k = keys; *k && !known; k++)
            known = !strcmp(*k, it->string);
        if (!known) {
            fail_unknown_key(c, it->string, keys);
            return false;
        }
    }
    return true;
}

/* ---- strings and names -------------------------------------------------------- */

const cJSON *scn_get(const cJSON *obj, const char *key) { return cJSON_GetObjectItemCaseSensitive(obj, key); }

char *scn_get_text(scn_ctx *c, const cJSON *obj, const char *key, const char *def, bool required, size_t max)
{
    const cJSON *v = scn_get(obj, key);
    if (!v) {
        if (required) {
            scn_fail(c, "missing key \"%s\"", key);
            return NULL;
        }
        return def ? g_strdup(def) : NULL;
    }
    gsize m = scn_push_key(c, key);
    char *r = NULL;
    size_t limit = max ? max : SCN_MAX_TEXT;
    if (!cJSON_IsString(v) || !*v->valuestring)
        scn_fail_expected(c, v, "a non-empty string");
    else if (strlen(v->valuestring) > limit)
        scn_fail(c, "a string of %zu bytes is too long (at most %zu)", strlen(v->valuestring), limit);
    else
        r = g_strdup(v->valuestring);
    scn_pop(c, m);
    return r;
}

char *scn_get_string(scn_ctx *c, const cJSON *obj, const char *key, const char *def, bool required)
{
    return scn_get_text(c, obj, key, def, required, SCN_MAX_TEXT);
}

bool scn_name_ok(const char *s, bool dots)
{
    size_t len = strlen(s);
    if (len == 0 || len > SCN_MAX_NAME || !g_utf8_validate(s, (gssize)len, NULL))
        return false;
    for (const char *p = s; *p; p = g_utf8_next_char(p)) {
        gunichar u = g_utf8_get_char(p);
        if (!(g_unichar_isalnum(u) || u == '-' || u == '_' || (dots && u == '.' && p != s)))
            return false;
    }
    return true;
}

char *scn_get_name(scn_ctx *c, const cJSON *obj, const char *key, const char *def, bool required, bool dots)
{
    char *r = scn_get_text(c, obj, key, def, required, G_MAXSIZE);
    if (!r || scn_name_ok(r, dots))
        return r;
    gsize m = scn_get(obj, key) ? scn_push_key(c, key) : c->path->len;
    char *found = scn_found_text(scn_get(obj, key));
    if (!scn_get(obj, key))
        found = (g_free(found), g_strdup_printf("\"%s\"", r));
    scn_fail(c, "found %s, expected a name of letters, digits, \"-\"%s and \"_\" (at most %d bytes)", found,
             dots ? ", \".\" (not first)" : "", SCN_MAX_NAME);
    g_free(found);
    scn_pop(c, m);
    g_free(r);
    return NULL;
}

/* ---- numbers ----------------------------------------------------------------- */

double scn_get_number(scn_ctx *c, const cJSON *obj, const char *key, double def, double lo,
                         double hi, bool integer, const char *what)
{
    const cJSON *v = scn_get(obj, key);
    if (!v)
        return def;
    gsize m = scn_push_key(c, key);
    double r = def;
    if (!cJSON_IsNumber(v) || !(v->valuedouble >= lo && v->valuedouble <= hi) ||
        (integer && v->valuedouble != floor(v->valuedouble)))
        scn_fail_expected(c, v, what);
    else
        r = v->valuedouble;
    scn_pop(c, m);
    return r;
}

bool scn_get_bool(scn_ctx *c, const cJSON *obj, const char *key, bool def)
{
    const cJSON *v = scn_get(obj, key);
    if (!v)
        return def;
    if (cJSON_IsBool(v))
        return cJSON_IsTrue(v);
    gsize m = scn_push_key(c, key);
    scn_fail_expected(c, v, "true or false");
    scn_pop(c, m);
    return def;
}

/* ---- quantities --------------------------------------------------------------- */

double scn_quantity_max(int kind)
{
    return kind == SCN_Q_RATE ? SCN_MAX_RATE_BPS : kind == SCN_Q_TIME ? SCN_MAX_TIME_S * 1e9 : SCN_MAX_SIZE_B;
}

/* v (bit/s, ns or bytes) as a user writes it: "1000Tbps", "1000000s", "1TB". */
static char *quantity_text(int kind, double v)
{
    if (kind == SCN_Q_TIME)
        return v == floor(v / 1e9) * 1e9 ? g_strdup_printf("%.0fs", v / 1e9) : g_strdup_printf("%.9gs", v / 1e9);
    static const struct {
        double mult;
        const char *prefix;
    } pre[] = {{1e12, "T"}, {1e9, "G"}, {1e6, "M"}, {1e3, "K"}, {1, ""}};
    for (size_t i = 0; i < G_N_ELEMENTS(pre); i++)
        if (v >= pre[i].mult && fmod(v, pre[i].mult) == 0)
            return g_strdup_printf("%.0f%s%s", v / pre[i].mult, pre[i].prefix, kind == SCN_Q_RATE ? "bps" : "B");
    return g_strdup_printf("%.0f%s", v, kind == SCN_Q_RATE ? "bps" : "B");
}

/* "a rate above 0", "a time of at most 1000000s", ... for a value out of [lo, hi]. */
static void fail_range(scn_ctx *c, const cJSON *v, int kind, double x, double lo, double hi)
{
    static const char *const noun[] = {"a rate", "a time", "a size"};
    char *t;
    if (x > hi || isnan(x)) {
        char *h = quantity_text(kind, hi);
        t = g_strdup_printf("%s of at most %s", noun[kind], h);
        g_free(h);
    } else if (lo <= 1 && kind != SCN_Q_SIZE) {
        t = g_strdup_printf("%s above 0", noun[kind]);
    } else {
        char *l = quantity_text(kind, lo);
        t = g_strdup_printf("%s of at least %s", noun[kind], l);
        g_free(l);
    }
    scn_fail_expected(c, v, t);
    g_free(t);
}

/* The value of v in the kind's base unit (a plain number, or a string with
 * a unit), not yet range-checked; false when it is neither. */
static bool quantity_value(const cJSON *v, int kind, double *out)
{
    if (cJSON_IsNumber(v)) {
        if (!(v->valuedouble >= 0))
            return false;
        *out = kind == SCN_Q_TIME ? v->valuedouble * 1e9 : v->valuedouble;
        return true;
    }
    return cJSON_IsString(v) && units_value(v->valuestring, kind, out);
}

bool scn_quantity_in(scn_ctx *c, const cJSON *v, int kind, double lo, double hi, double *out)
{
    static const char *const forms[] = {UNITS_RATE_FORM, UNITS_TIME_FORM, UNITS_SIZE_FORM};
    double x;
    if (hi <= 0 || hi > scn_quantity_max(kind))
        hi = scn_quantity_max(kind);
    if (!quantity_value(v, kind, &x)) {
        if (cJSON_IsNumber(v) && v->valuedouble > 0) /* 1e309: too large for a double */
            fail_range(c, v, kind, INFINITY, lo, hi);
        else
            scn_fail_expected(c, v, forms[kind]);
        return false;
    }
    if (kind != SCN_Q_SIZE)
        x = nearbyint(x); /* whole bit/s and ns */
    else if (fabs(x - nearbyint(x)) <= 1e-6 * fmax(1, x))
        x = nearbyint(x); /* "1.54Mbit" is 192500 bytes, give or take a rounding */
    if (!(x >= lo && x <= hi)) {
        fail_range(c, v, kind, x, lo, hi);
        return false;
    }
    if (x != floor(x)) {
        scn_fail_expected(c, v, "a whole number of bytes");
        return false;
    }
    *out = x;
    return true;
}

bool scn_quantity(scn_ctx *c, const cJSON *v, int kind, double *out)
{
    return scn_quantity_in(c, v, kind, kind == SCN_Q_RATE ? 1 : 0, 0, out);
}

double scn_get_quantity(scn_ctx *c, const cJSON *obj, const char *key, int kind, double def, double lo, double hi,
                        bool required)
{
    const cJSON *v = scn_get(obj, key);
    if (!v) {
        if (required) {
            static const char *const forms[] = {UNITS_RATE_FORM, UNITS_TIME_FORM, UNITS_SIZE_FORM};
            scn_fail(c, "missing key \"%s\" (%s)", key, forms[kind]);
        }
        return def;
    }
    gsize m = scn_push_key(c, key);
    double d = def;
    if (!scn_quantity_in(c, v, kind, lo, hi, &d))
        d = def;
    scn_pop(c, m);
    return d;
}

uint64_t scn_get_rate(scn_ctx *c, const cJSON *obj, const char *key, uint64_t def, bool required)
{
    return (uint64_t)scn_get_quantity(c, obj, key, SCN_Q_RATE, (double)def, 1, 0, required);
}

sim_time_t scn_get_time(scn_ctx *c, const cJSON *obj, const char *key, sim_time_t def)
{
    return (sim_time_t)scn_get_quantity(c, obj, key, SCN_Q_TIME, (double)def, 0, 0, false);
}

uint64_t scn_get_size(scn_ctx *c, const cJSON *obj, const char *key, uint64_t def)
{
    return (uint64_t)scn_get_quantity(c, obj, key, SCN_Q_SIZE, (double)def, 0, 0, false);
}

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

gsize scn_push_key(scn_ctx *c, const char *key)
{
    gsize mark = c->path->len;
    g_string_append_printf(c->path, ".%s", key);
    return mark;
}

gsize scn_push_index(scn_ctx *c, int i)
{
    gsize mark = c->path->len;
    g_string_append_printf(c->path, "[%d]", i);
    return mark;
}

void scn_pop(scn_ctx *c, gsize mark) { g_string_truncate(c->path, mark); }

/* What a JSON value looks like, for "found ..." */
char *scn_found_text(const cJSON *v)
{
    if (!v)
        return g_strdup("nothing");
    if (cJSON_IsString(v))
        return g_strdup_printf("\"%s\"", v->valuestring);
    if (cJSON_IsNumber(v))
        return g_strdup_printf("%g", v->valuedouble);
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

guint edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
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

/* Checks that `obj` is an object with only `keys` (NULL-terminated). */
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
        if (known)
            continue;
        const char *best = NULL;
        guint bd = G_MAXUINT;
        for (const char *const *k = keys; *k; k++) {
            guint d = edit_distance(it->string, *k);
            if (d < bd) {
                bd = d;
                best = *k;
            }
        }
        gsize m = scn_push_key(c, it->string);
        if (best && bd <= MAX(2u, (guint)strlen(it->string) / 3))
            scn_fail(c, "unknown key; did you mean \"%s\"?", best);
        else {
            GString *all = g_string_new("");
            for (const char *const *k = keys; *k; k++)
                g_string_append_printf(all, "%s%s", all->len ? ", " : "", *k);
            scn_fail(c, "unknown key; known keys here: %s", all->str);
            g_string_free(all, TRUE);
        }
        scn_pop(c, m);
        return false;
    }
    return true;
}

/* ---- typed getters --------------------------------------------------------- */

const cJSON *scn_get(const cJSON *obj, const char *key) { return cJSON_GetObjectItemCaseSensitive(obj, key); }

char *scn_get_string(scn_ctx *c, const cJSON *obj, const char *key, const char *def, bool required)
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
    if (cJSON_IsString(v) && *v->valuestring)
        r = g_strdup(v->valuestring);
    else
        scn_fail_expected(c, v, "a non-empty string");
    scn_pop(c, m);
    return r;
}

double scn_get_number(scn_ctx *c, const cJSON *obj, const char *key, double def, double lo,
                         double hi, bool integer, const char *what)
{
    const cJSON *v = scn_get(obj, key);
    if (!v)
        return def;
    gsize m = scn_push_key(c, key);
    double r = def;
    if (!cJSON_IsNumber(v) || v->valuedouble < lo || v->valuedouble > hi ||
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

/* A quantity: a string with a unit, or a plain number in the base unit. */
bool scn_quantity(scn_ctx *c, const cJSON *v, int kind, double *out)
{
    static const char *const forms[] = {UNITS_RATE_FORM, UNITS_TIME_FORM, UNITS_SIZE_FORM};
    if (cJSON_IsNumber(v) && v->valuedouble >= 0) {
        *out = kind == 1 ? v->valuedouble * 1e9 : v->valuedouble;
        return true;
    }
    if (cJSON_IsString(v)) {
        uint64_t u;
        sim_time_t t;
        if (kind == 0 && units_rate(v->valuestring, &u)) {
            *out = (double)u;
            return true;
        }
        if (kind == 1 && units_time(v->valuestring, &t)) {
            *out = (double)t;
            return true;
        }
        if (kind == 2 && units_size(v->valuestring, &u)) {
            *out = (double)u;
            return true;
        }
    }
    scn_fail_expected(c, v, forms[kind]);
    return false;
}

uint64_t scn_get_rate(scn_ctx *c, const cJSON *obj, const char *key, uint64_t def, bool required)
{
    const cJSON *v = scn_get(obj, key);
    if (!v) {
        if (required)
            scn_fail(c, "missing key \"%s\" (%s)", key, UNITS_RATE_FORM);
        return def;
    }
    gsize m = scn_push_key(c, key);
    double d = (double)def;
    if (scn_quantity(c, v, 0, &d) && d < 1)
        scn_fail_expected(c, v, "a rate above 0");
    scn_pop(c, m);
    return (uint64_t)d;
}

sim_time_t scn_get_time(scn_ctx *c, const cJSON *obj, const char *key, sim_time_t def)
{
    const cJSON *v = scn_get(obj, key);
    if (!v)
        return def;
    gsize m = scn_push_key(c, key);
    double d = (double)def;
    scn_quantity(c, v, 1, &d);
    scn_pop(c, m);
    return (sim_time_t)llround(d);
}

uint64_t scn_get_size(scn_ctx *c, const cJSON *obj, const char *key, uint64_t def)
{
    const cJSON *v = scn_get(obj, key);
    if (!v)
        return def;
    gsize m = scn_push_key(c, key);
    double d = (double)def;
    scn_quantity(c, v, 2, &d);
    scn_pop(c, m);
    return (uint64_t)llround(d);
}


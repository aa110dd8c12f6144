/*
 * app_reader: application keys read from a key table, with the loader's
 * located errors.
 */
#include "app_reader.h"

#include <math.h>
#include <string.h>

G_DEFINE_QUARK(appsim-app-error-quark, app_error)

void app_reader_init(app_reader *r, scn_ctx *c, const cJSON *obj, const scn_run *run)
{
    memset(r, 0, sizeof *r);
    r->c = c;
    r->cur = obj;
    r->run = run;
}

bool scn_has_node(const scn_run *r, const char *name) { return scn_run_node(r, name) != NULL; }

bool scn_has_link(const scn_run *r, const char *name)
{
    return name && r->link_index && g_hash_table_contains(r->link_index, name);
}

/* How many names a "(nodes: ...)" list shows before "and N more". */
#define NAMES_SHOWN 12

void scn_fail_no_node(scn_ctx *c, const scn_run *r, const char *name)
{
    GString *all = g_string_new("");
    for (guint i = 0; i < r->nodes->len && i < NAMES_SHOWN; i++)
        g_string_append_printf(all, "%s%s", i ? ", " : "", g_array_index(r->nodes, scn_node, i).name);
    if (r->nodes->len > NAMES_SHOWN)
        g_string_append_printf(all, " and %u more", r->nodes->len - NAMES_SHOWN);
    char *cut = scn_cut(name);
    scn_fail(c, "no node named \"%s\" (nodes: %s)", cut, all->str);
    g_free(cut);
    g_string_free(all, TRUE);
}

bool scn_check_host(scn_ctx *c, const scn_run *r, const char *name)
{
    const scn_node *n = scn_run_node(r, name);
    if (!n)
        scn_fail_no_node(c, r, name);
    else if (n->router)
        scn_fail(c, "node \"%s\" is a router: applications run on hosts", name);
    return n && !n->router;
}

bool app_reader_failed(const app_reader *r) { return r->c->failed; }

bool app_reader_has(const app_reader *r, const char *key) { return scn_get(r->cur, key) != NULL; }

bool app_reader_has_list(const app_reader *r, const char *key) { return cJSON_IsArray(scn_get(r->cur, key)); }

bool app_reader_has_node(const app_reader *r, const char *name) { return scn_has_node(r->run, name); }

bool app_reader_host(app_reader *r, const char *key, const char *name)
{
    if (r->c->failed)
        return false;
    gsize m = key ? scn_push_key(r->c, key) : r->c->path->len;
    bool ok = scn_check_host(r->c, r->run, name);
    scn_pop(r->c, m);
    return ok;
}

const char *app_reader_string(const app_reader *r)
{
    return cJSON_IsString(r->cur) ? r->cur->valuestring : NULL;
}

void app_reader_fail(app_reader *r, const char *key, const char *fmt, ...)
{
    if (r->c->failed)
        return;
    va_list ap;
    va_start(ap, fmt);
    char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    gsize m = key ? scn_push_key(r->c, key) : r->c->path->len;
    scn_fail(r->c, "%s", msg);
    scn_pop(r->c, m);
    g_free(msg);
}

void app_reader_fail_expected(app_reader *r, const char *key, const char *expected)
{
    gsize m = key ? scn_push_key(r->c, key) : r->c->path->len;
    scn_fail_expected(r->c, key ? scn_get(r->cur, key) : r->cur, expected);
    scn_pop(r->c, m);
}

static bool push(app_reader *r, const cJSON *v, gsize mark)
{
    if (r->depth >= APP_READER_DEPTH) {
        scn_fail(r->c, "nested too deeply");
        scn_pop(r->c, mark);
        return false;
    }
    r->stack[r->depth] = r->cur;
    r->marks[r->depth] = mark;
    r->depth++;
    r->cur = v;
    return true;
}

int app_reader_enter_list(app_reader *r, const char *key, const char *expected)
{
    const cJSON *v = scn_get(r->cur, key);
    if (!v)
        return -1;
    if (!push(r, v, scn_push_key(r->c, key)))
        return -1;
    if (!cJSON_IsArray(v)) {
        scn_fail_expected(r->c, v, expected);
        return 0;
    }
    return cJSON_GetArraySize(v);
}

bool app_reader_enter_object(app_reader *r, const char *key, const char *expected)
{
    const cJSON *v = scn_get(r->cur, key);
    if (!v)
        return false;
    if (!push(r, v, scn_push_key(r->c, key)))
        return false;
    if (!cJSON_IsObject(v))
        scn_fail_expected(r->c, v, expected);
    return true;
}

const char *app_reader_key_at(const app_reader *r, int i)
{
    if (r->c->failed || !cJSON_IsObject(r->cur) || i < 0)
        return NULL;
    const cJSON *v = r->cur->child;
    for (int k = 0; v && k < i; k++)
        v = v->next;
    return v ? v->string : NULL;
}

void app_reader_enter_key(app_reader *r, const char *key)
{
    push(r, scn_get(r->cur, key), scn_push_key(r->c, key));
}

void app_reader_enter_item(app_reader *r, int i)
{
    const cJSON *item;
    if (r->seq_list == r->cur && r->seq_item && i == r->seq_index + 1)
        item = r->seq_item->next; /* the next one: O(1) */
    else
        item = cJSON_GetArrayItem(r->cur, i);
    r->seq_list = r->cur;
    r->seq_item = item;
    r->seq_index = i;
    push(r, item, scn_push_index(r->c, i));
}

void app_reader_leave(app_reader *r)
{
    if (r->depth == 0)
        return;
    r->depth--;
    r->cur = r->stack[r->depth];
    scn_pop(r->c, r->marks[r->depth]);
}

/* ---- the key table ------------------------------------------------------------- */

static void read_name(app_reader *r, const app_key *k, char **field)
{
    scn_ctx *c = r->c;
    *field = scn_get_string(c, r->cur, k->name, k->def_text, k->required);
    if (!*field || c->failed || k->kind == APP_KEY_STRING)
        return;
    gsize m = scn_push_key(c, k->name);
    if (k->kind == APP_KEY_NODE)
        scn_check_host(c, r->run, *field);
    else if (k->kind == APP_KEY_LINK && !scn_has_link(r->run, *field)) {
        char *cut = scn_cut(*field);
        scn_fail(c, "no link named \"%s\"", cut);
        g_free(cut);
    }
    scn_pop(c, m);
}

static void read_choice(app_reader *r, const app_key *k, int *field)
{
    const cJSON *v = scn_get(r->cur, k->name);
    *field = (int)k->def;
    if (!v) {
        if (k->required)
            scn_fail(r->c, "missing key \"%s\" (%s)", k->name, k->expected);
        return;
    }
    for (int i = 0; cJSON_IsString(v) && k->choices[i]; i++) {
        if (!g_ascii_strcasecmp(v->valuestring, k->choices[i])) {
            *field = i;
            return;
        }
    }
    app_reader_fail_expected(r, k->name, k->expected);
}

/* The kinds whose getter reports a missing required key itself. */
static bool reports_missing(app_key_kind kind)
{
    return kind == APP_KEY_STRING || kind == APP_KEY_NODE || kind == APP_KEY_LINK || kind == APP_KEY_RATE ||
           kind == APP_KEY_CHOICE || kind == APP_KEY_CUSTOM;
}

static void read_key(app_reader *r, const app_key *k, void *field)
{
    scn_ctx *c = r->c;
    const cJSON *cur = r->cur;
    if (k->required && !reports_missing(k->kind) && !scn_get(cur, k->name)) {
        scn_fail(c, "missing key \"%s\"", k->name);
        return;
    }
    switch (k->kind) {
    case APP_KEY_STRING:
    case APP_KEY_NODE:
    case APP_KEY_LINK: read_name(r, k, field); break;
    case APP_KEY_BOOL: *(bool *)field = scn_get_bool(c, cur, k->name, k->def != 0); break;
    case APP_KEY_INT:
        *(int64_t *)field = (int64_t)scn_get_number(c, cur, k->name, k->def, k->lo, k->hi, true, k->expected);
        break;
    case APP_KEY_NUMBER:
        *(double *)field = scn_get_number(c, cur, k->name, k->def, k->lo, k->hi, false, k->expected);
        break;
    case APP_KEY_TIME:
        *(int64_t *)field = (int64_t)scn_get_quantity(c, cur, k->name, SCN_Q_TIME, k->def, k->lo, k->hi, false);
        break;
    case APP_KEY_SIZE:
        *(uint64_t *)field = (uint64_t)scn_get_quantity(c, cur, k->name, SCN_Q_SIZE, k->def, k->lo, k->hi, false);
        break;
    case APP_KEY_RATE:
        *(uint64_t *)field =
            (uint64_t)scn_get_quantity(c, cur, k->name, SCN_Q_RATE, k->def, MAX(k->lo, 1), k->hi, k->required);
        break;
    case APP_KEY_CHOICE: read_choice(r, k, field); break;
    case APP_KEY_CUSTOM: k->read(r, k->name, field); break;
    }
}

size_t app_type_listens(const app_type *t, const void *cfg, uint16_t *ports, size_t max)
{
    if (t->listens)
        return t->listens(cfg, ports, max);
    for (const app_key *k = t->keys; t->port_key && k && k->name && max > 0; k++)
        if (k->kind == APP_KEY_INT && !strcmp(k->name, t->port_key)) {
            ports[0] = (uint16_t)*(const int64_t *)((const char *)cfg + k->offset);
            return 1;
        }
    return 0;
}

bool app_reader_table(app_reader *r, const char *const *common, const app_key *keys, void *cfg)
{
    GPtrArray *names = g_ptr_array_new();
    for (const char *const *n = common; n && *n; n++)
        g_ptr_array_add(names, (gpointer)*n);
    for (const app_key *k = keys; k->name; k++)
        g_ptr_array_add(names, (gpointer)k->name);
    g_ptr_array_add(names, NULL);
    bool ok = scn_check_keys(r->c, r->cur, (const char *const *)names->pdata);
    g_ptr_array_free(names, TRUE);
    for (const app_key *k = keys; ok && k->name && !r->c->failed; k++)
        read_key(r, k, (char *)cfg + k->offset);
    return !r->c->failed;
}

void app_reader_hosts(app_reader *r, const char *key, const char *example, GPtrArray **out)
{
    char *expected = g_strdup_printf("a list of node names like %s", example);
    int n = app_reader_enter_list(r, key, expected);
    g_free(expected);
    if (n < 0)
        return;
    *out = g_ptr_array_new_with_free_func(g_free);
    for (int i = 0; i < n && !app_reader_failed(r); i++) {
        app_reader_enter_item(r, i);
        const char *s = app_reader_string(r);
        if (!s)
            app_reader_fail_expected(r, NULL, "a node name");
        else if (app_reader_host(r, NULL, s))
            g_ptr_array_add(*out, g_strdup(s));
        app_reader_leave(r);
    }
    app_reader_leave(r);
}

void app_reader_credentials(app_reader *r, const char *key, const char *example, const char *bad_chars,
                            const char *rule, GPtrArray **out)
{
    *out = g_ptr_array_new_with_free_func(g_free);
    char *expected = g_strdup_printf("an object of users and passwords like %s", example);
    bool entered = app_reader_enter_object(r, key, expected);
    g_free(expected);
    if (!entered)
        return;
    for (int i = 0; !app_reader_failed(r); i++) {
        const char *user = app_reader_key_at(r, i);
        if (!user)
            break;
        app_reader_enter_key(r, user);
        const char *pw = app_reader_string(r);
        if (!*user || strlen(user) > 254 || strpbrk(user, bad_chars))
            app_reader_fail(r, NULL, "\"%s\" is not a user name (%s, at most 254 bytes)", user, rule);
        else if (!pw || !*pw || strlen(pw) > 254 || strpbrk(pw, "\r\n"))
            app_reader_fail_expected(r, NULL, "a password: a non-empty string of at most 254 bytes");
        else {
            g_ptr_array_add(*out, g_strdup(user));
            g_ptr_array_add(*out, g_strdup(pw));
        }
        app_reader_leave(r);
    }
    app_reader_leave(r);
}

void app_config_clear(const app_type *t, void *cfg)
{
    if (!cfg)
        return;
    for (const app_key *k = t->keys; k->name; k++)
        if (k->kind == APP_KEY_STRING || k->kind == APP_KEY_NODE || k->kind == APP_KEY_LINK)
            g_free(*(char **)((char *)cfg + k->offset));
    if (t->config_clear)
        t->config_clear(cfg);
}

const app_type *app_registry_find(const app_registry *reg, const char *type)
{
    for (size_t i = 0; reg && i < reg->n; i++)
        if (!strcmp(reg->types[i]->type, type))
            return reg->types[i];
    return NULL;
}

/*
 * scn_json: a scenario file into a JSON tree, with every mistake of the
 * text itself reported where it is.
 *
 *   file.json:3:3: syntax error: expected ',' or a closing bracket: ...
 *   file.json:2:12: the file is not UTF-8 text (byte 0xff): ...
 *   file.json:1:40: the file holds a NUL byte: ...
 *   file.json: $.links[0].rate: this key appears twice in the object ...
 *
 * Columns count characters, not bytes. Costs: one pass over the text for
 * the checks, cJSON's parse, and one walk of the tree (a hash set per
 * object of more than a few keys), all linear in the file's size.
 */
#include <string.h>

#include "scn_priv.h"
#include "scn_read.h"

/* Line and column (in characters) of a byte offset. */
static void line_col(const char *text, size_t off, int *line, int *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < off && text[i]; i++) {
        if (text[i] == '\n') {
            (*line)++;
            *col = 1;
        } else if (((unsigned char)text[i] & 0xC0) != 0x80) {
            (*col)++;
        }
    }
}

/* Whether the text ends inside a string (an opening quote never closed). */
static bool ends_in_string(const char *text)
{
    bool in = false;
    for (const char *p = text; *p; p++) {
        if (in && *p == '\\' && p[1])
            p++;
        else if (*p == '"')
            in = !in;
    }
    return in;
}

/* Whether nothing but the word at `at` (letters, digits, '.', '+', '-')
 * and white space is left: a file cut in the middle of a value. */
static bool last_word(const char *at)
{
    while (g_ascii_isalnum(*at) || *at == '.' || *at == '+' || *at == '-')
        at++;
    while (g_ascii_isspace(*at))
        at++;
    return *at == 0;
}

static const char *syntax_hint(const char *text, const char *at)
{
    while (*at == ' ' || *at == '\t' || *at == '\r' || *at == '\n')
        at++;
    if (ends_in_string(text))
        return "the file ends inside a string: a closing '\"' is missing";
    if (!*at || last_word(at))
        return "the file ends too early: a '}' or ']' is missing";
    if (*at == '}' || *at == ']')
        return "a value is missing (a trailing comma before it?)";
    if (*at == '\'')
        return "strings take double quotes \"...\"";
    if (*at == '"')
        return "expected ',' or a closing bracket: is a comma missing before this?";
    if (*at == '/')
        return "JSON has no comments";
    if (g_ascii_isalpha(*at))
        return "expected a value: strings need double quotes (true, false and null are the only words)";
    return "expected a value, ',' or a closing bracket";
}

/* A NUL byte or bytes that are not UTF-8: false with the error at its place. */
static bool text_ok(const char *file, const char *text, size_t len, GError **err)
{
    const char *nul = memchr(text, 0, len), *bad = NULL;
    int line, col;
    if (nul) {
        line_col(text, (size_t)(nul - text), &line, &col);
        g_set_error(err, SCN_ERROR, SCN_ERROR_SYNTAX,
                    "%s:%d:%d: the file holds a NUL byte: a scenario is a JSON text file", file, line, col);
        return false;
    }
    if (!g_utf8_validate(text, (gssize)len, &bad)) {
        line_col(text, (size_t)(bad - text), &line, &col);
        g_set_error(err, SCN_ERROR, SCN_ERROR_SYNTAX,
                    "%s:%d:%d: the file is not UTF-8 text (byte 0x%02x): save it as UTF-8", file, line, col,
                    (unsigned char)*bad);
        return false;
    }
    return true;
}

bool scn_json_text_ok(const char *text, GError **err)
{
    size_t len = strlen(text);
    if (g_utf8_validate(text, (gssize)len, NULL))
        return true;
    g_set_error(err, SCN_ERROR, SCN_ERROR_INVALID, "the value is not UTF-8 text");
    return false;
}

/* True when an earlier key of `it`'s object is `it`'s: the first
 * `SMALL_OBJECT` keys are compared with each other (most objects are that
 * small: a node, a link, an application), later ones through `seen`. */
#define SMALL_OBJECT 8
static bool key_seen(const cJSON *obj, const cJSON *it, int i, GHashTable **seen)
{
    if (i < SMALL_OBJECT) {
        for (const cJSON *e = obj->child; e != it; e = e->next)
            if (!strcmp(e->string, it->string))
                return true;
        return false;
    }
    if (!*seen) {
        *seen = g_hash_table_new(g_str_hash, g_str_equal);
        for (const cJSON *e = obj->child; e != it; e = e->next)
            g_hash_table_add(*seen, e->string);
    }
    return !g_hash_table_add(*seen, it->string);
}

/* Fails at the first key that appears twice in one object under `v`. */
static bool no_duplicates(scn_ctx *c, const cJSON *v)
{
    if (!cJSON_IsObject(v) && !cJSON_IsArray(v))
        return true;
    bool object = cJSON_IsObject(v);
    GHashTable *seen = NULL;
    int i = 0;
    const cJSON *it;
    bool ok = true;
    cJSON_ArrayForEach(it, v)
    {
        gsize m = object ? scn_push_key(c, it->string) : scn_push_index(c, i);
        if (object && key_seen(v, it, i, &seen)) {
            scn_fail(c, "this key appears twice in the object (JSON keeps only one: remove the other)");
            ok = false;
        }
        i++;
        ok = ok && no_duplicates(c, it);
        scn_pop(c, m);
        if (!ok)
            break;
    }
    if (seen)
        g_hash_table_destroy(seen);
    return ok;
}

/* The parse error at file:line:column. */
static void syntax_error(const char *file, const char *text, size_t len, const char *end, GError **err)
{
    size_t off = end ? (size_t)(end - text) : 0;
    const char *perr = cJSON_GetErrorPtr();
    if (perr && perr >= text && perr <= text + len)
        off = (size_t)(perr - text);
    if (off > 0 && (text[off - 1] == '\'' || text[off - 1] == '/'))
        off--; /* cJSON stops one past a quote or slash it cannot take */
    int line, col;
    line_col(text, off, &line, &col);
    g_set_error(err, SCN_ERROR, SCN_ERROR_SYNTAX, "%s:%d:%d: syntax error: %s", file, line, col,
                syntax_hint(text, text + off));
}

cJSON *scn_json_read(const char *file, GError **err)
{
    gchar *text = NULL;
    gsize len = 0;
    GError *e = NULL;
    if (!g_file_get_contents(file, &text, &len, &e)) {
        g_set_error(err, SCN_ERROR, SCN_ERROR_IO, "%s: cannot read: %s", file, e->message);
        g_error_free(e);
        return NULL;
    }
    cJSON *root = NULL;
    if (text_ok(file, text, len, err)) {
        const char *end = NULL;
        root = cJSON_ParseWithOpts(text, &end, true);
        if (!root)
            syntax_error(file, text, len, end, err);
    }
    g_free(text);
    scn_ctx c = {file, g_string_new("$"), err, false};
    if (root && !no_duplicates(&c, root)) {
        cJSON_Delete(root);
        root = NULL;
    }
    g_string_free(c.path, TRUE);
    return root;
}

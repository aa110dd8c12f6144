/* hw_csv: reading and writing the CSV files of homework (hw_csv.h). */
#include "hw_csv.h"

#include <string.h>

G_DEFINE_QUARK(appsim-homework-error-quark, hw_error)

static void row_free(gpointer p)
{
    hw_csv_row *r = p;
    g_ptr_array_free(r->fields, TRUE);
    g_free(r);
}

void hw_csv_free(hw_csv *c)
{
    if (!c)
        return;
    g_free(c->file);
    if (c->header)
        g_ptr_array_free(c->header, TRUE);
    g_ptr_array_free(c->rows, TRUE);
    g_free(c);
}

/* One record from *p (which it moves past the record's line end), its
 * fields into `fields`; false with the error at *line. Lines are counted
 * as the record goes (a quoted field may span several). */
static bool read_record(const hw_csv *c, const char **p, const char *end, guint *line, GPtrArray *fields,
                        GError **err)
{
    const char *s = *p;
    GString *f = g_string_new("");
    guint start = *line;
    for (;;) {
        g_string_truncate(f, 0);
        while (s < end && (*s == ' ' || *s == '\t'))
            s++;
        if (s < end && *s == '"') {
            s++;
            for (;;) {
                if (s >= end) {
                    g_set_error(err, HW_ERROR, HW_ERROR_INPUT, "%s:%u: a quoted field is not closed (a \" is missing)",
                                c->file, start);
                    g_string_free(f, TRUE);
                    return false;
                }
                if (*s == '"' && s + 1 < end && s[1] == '"') {
                    g_string_append_c(f, '"');
                    s += 2;
                } else if (*s == '"') {
                    s++;
                    break;
                } else {
                    if (*s == '\n')
                        (*line)++;
                    g_string_append_c(f, *s++);
                }
            }
            while (s < end && (*s == ' ' || *s == '\t'))
                s++;
            if (s < end && *s != ',' && *s != '\n' && *s != '\r') {
                g_set_error(err, HW_ERROR, HW_ERROR_INPUT,
                            "%s:%u: field %u: text after a quoted field (expected a comma or the end of the line)",
                            c->file, *line, fields->len + 1);
                g_string_free(f, TRUE);
                return false;
            }
        } else {
            while (s < end && *s != ',' && *s != '\n' && *s != '\r')
                g_string_append_c(f, *s++);
            while (f->len && (f->str[f->len - 1] == ' ' || f->str[f->len - 1] == '\t'))
                g_string_truncate(f, f->len - 1);
        }
        g_ptr_array_add(fields, g_strdup(f->str));
        if (s < end && *s == ',') {
            s++;
            continue;
        }
        if (s < end && *s == '\r')
            s++;
        if (s < end && *s == '\n')
            s++;
        (*line)++;
        break;
    }
    g_string_free(f, TRUE);
    *p = s;
    return true;
}

/* Whether the line at p is blank or a comment. */
static bool skip_line(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    return p >= end || *p == '\n' || *p == '\r' || *p == '#';
}

hw_csv *hw_csv_read(const char *file, GError **err)
{
    gchar *text = NULL;
    gsize len = 0;
    GError *e = NULL;
    if (!g_file_get_contents(file, &text, &len, &e)) {
        g_set_error(err, HW_ERROR, HW_ERROR_IO, "%s: cannot read: %s", file, e->message);
        g_error_free(e);
        return NULL;
    }
    hw_csv *c = g_new0(hw_csv, 1);
    c->file = g_strdup(file);
    c->rows = g_ptr_array_new_with_free_func(row_free);
    bool ok = true;
    if (len > HW_CSV_MAX_BYTES || memchr(text, 0, len) || !g_utf8_validate(text, (gssize)len, NULL)) {
        g_set_error(err, HW_ERROR, HW_ERROR_INPUT, "%s: expected a CSV text file (UTF-8, at most %d bytes)", file,
                    HW_CSV_MAX_BYTES);
        ok = false;
    }
    const char *p = text, *end = text + len;
    guint line = 1;
    while (ok && p < end) {
        if (skip_line(p, end)) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            p = nl ? nl + 1 : end;
            line++;
            continue;
        }
        hw_csv_row *r = g_new0(hw_csv_row, 1);
        r->line = line;
        r->fields = g_ptr_array_new_with_free_func(g_free);
        ok = read_record(c, &p, end, &line, r->fields, err);
        if (ok && !c->header) {
            c->header = r->fields;
            c->header_line = r->line;
            g_free(r);
            continue;
        }
        if (ok && r->fields->len != c->header->len) {
            g_set_error(err, HW_ERROR, HW_ERROR_INPUT, "%s:%u: %u fields, expected %u (as the header on line %u)",
                        file, r->line, r->fields->len, c->header->len, c->header_line);
            ok = false;
        } else if (ok && c->rows->len >= HW_CSV_MAX_ROWS) {
            g_set_error(err, HW_ERROR, HW_ERROR_INPUT, "%s:%u: more than %d rows", file, r->line, HW_CSV_MAX_ROWS);
            ok = false;
        }
        if (ok)
            g_ptr_array_add(c->rows, r);
        else
            row_free(r);
    }
    if (ok && !c->header) {
        g_set_error(err, HW_ERROR, HW_ERROR_INPUT, "%s: empty: expected a header line and rows", file);
        ok = false;
    }
    g_free(text);
    if (!ok) {
        hw_csv_free(c);
        return NULL;
    }
    return c;
}

int hw_csv_column(const hw_csv *c, const char *name)
{
    for (guint i = 0; i < c->header->len; i++)
        if (!g_ascii_strcasecmp(g_ptr_array_index(c->header, i), name))
            return (int)i;
    return -1;
}

const char *hw_csv_field(const hw_csv_row *row, int col) { return g_ptr_array_index(row->fields, (guint)col); }

bool hw_csv_require(const hw_csv *c, const char *const *names, GError **err)
{
    for (const char *const *n = names; *n; n++)
        if (hw_csv_column(c, *n) < 0) {
            GString *want = g_string_new(""), *found = g_string_new("");
            for (const char *const *m = names; *m; m++)
                g_string_append_printf(want, "%s%s", want->len ? ", " : "", *m);
            for (guint i = 0; i < c->header->len; i++)
                g_string_append_printf(found, "%s%s", i ? ", " : "", (const char *)g_ptr_array_index(c->header, i));
            g_set_error(err, HW_ERROR, HW_ERROR_INPUT,
                        "%s:%u: no column \"%s\": expected a header with the columns %s (found: %s)", c->file,
                        c->header_line, *n, want->str, found->str);
            g_string_free(want, TRUE);
            g_string_free(found, TRUE);
            return false;
        }
    return true;
}

void hw_csv_append(GString *out, const char *field)
{
    size_t n = strlen(field);
    /* quoted: separators, quotes, line ends, spaces or tabs the reader
     * would trim, and a '#' that would make the line a comment */
    bool quote = strpbrk(field, ",\"\r\n") != NULL || field[0] == '#' ||
                 (n && (strchr(" \t", field[0]) || strchr(" \t", field[n - 1])));
    if (!quote) {
        g_string_append(out, field);
        return;
    }
    g_string_append_c(out, '"');
    for (const char *p = field; *p; p++) {
        if (*p == '"')
            g_string_append_c(out, '"');
        g_string_append_c(out, *p);
    }
    g_string_append_c(out, '"');
}

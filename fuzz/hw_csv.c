/*
 * Fuzz target hw_csv: the CSV reader of homework rosters, answers and keys
 * (world/hw_csv.c), as `appsim homework` and `appsim grade` use it.
 *
 * Input: the text of a CSV file (any bytes; the reader refuses NUL bytes
 * and text that is not UTF-8 itself).
 *
 * The reader reads files, so the input is written to input.csv in a folder
 * of its own made under the system's temporary folder when the target
 * starts and removed when it ends; nothing else is written.
 *
 * Invariants:
 *   - a refused file comes with an error message that starts with the
 *     file's name;
 *   - an accepted one has a header of at least one field, every row has as
 *     many fields as the header, and row lines grow;
 *   - writing the header and rows back with hw_csv_append and reading that
 *     gives the same fields.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/fuzz_check.h"
#include "lib/fuzz_work.h"
#include "world/hw_csv.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *work_file; /* the target's scratch file (fuzz_work.h) */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    work_file = fuzz_work_file("appsim-fuzz-hw-csv", "input.csv");
    return 0;
}

/* One record as hw_csv_append writes it. */
static void write_record(GString *out, const GPtrArray *fields)
{
    if (fields->len == 1 && !*(const char *)g_ptr_array_index(fields, 0))
        g_string_append(out, "\"\"");
    for (guint i = 0; i < fields->len; i++) {
        if (i)
            g_string_append_c(out, ',');
        hw_csv_append(out, g_ptr_array_index(fields, i));
    }
    g_string_append_c(out, '\n');
}

static bool same_fields(const GPtrArray *a, const GPtrArray *b)
{
    if (a->len != b->len)
        return false;
    for (guint i = 0; i < a->len; i++)
        if (strcmp(g_ptr_array_index(a, i), g_ptr_array_index(b, i)))
            return false;
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FUZZ_CHECK(g_file_set_contents(work_file, (const char *)data, (gssize)size, NULL), "cannot write the input");
    GError *err = NULL;
    hw_csv *c = hw_csv_read(work_file, &err);
    if (!c) {
        FUZZ_CHECK(err && g_str_has_prefix(err->message, work_file), "a refusal without its file's name");
        g_error_free(err);
        return 0;
    }
    FUZZ_CHECK(c->header->len >= 1, "a header without fields");
    guint line = c->header_line;
    GString *again = g_string_new("");
    write_record(again, c->header);
    for (guint i = 0; i < c->rows->len; i++) {
        const hw_csv_row *r = g_ptr_array_index(c->rows, i);
        FUZZ_CHECK(r->fields->len == c->header->len, "row %u: %u fields, the header %u", i, r->fields->len,
                   c->header->len);
        FUZZ_CHECK(r->line > line, "row %u: line %u after %u", i, r->line, line);
        line = r->line;
        write_record(again, r->fields);
    }
    FUZZ_CHECK(g_file_set_contents(work_file, again->str, (gssize)again->len, NULL), "cannot write the copy");
    hw_csv *d = hw_csv_read(work_file, &err);
    FUZZ_CHECK(d != NULL, "the written copy does not read: %s", err ? err->message : "?");
    FUZZ_CHECK(same_fields(c->header, d->header) && c->rows->len == d->rows->len, "the copy differs");
    for (guint i = 0; i < c->rows->len; i++)
        FUZZ_CHECK(same_fields(((hw_csv_row *)g_ptr_array_index(c->rows, i))->fields,
                               ((hw_csv_row *)g_ptr_array_index(d->rows, i))->fields),
                   "row %u of the copy differs", i);
    hw_csv_free(d);
    hw_csv_free(c);
    g_string_free(again, TRUE);
    return 0;
}

/*
 * hw_csv: the small CSV files of homework — rosters, answer files and
 * answer keys — read with located errors, and fields written back.
 *
 * The dialect is RFC 4180's: fields separated by commas, a field in
 * double quotes may hold commas, line breaks and doubled quotes ("");
 * lines end in LF or CRLF. The first line that is not blank is the
 * header; blank lines and lines starting with '#' are skipped. Unquoted
 * fields lose their surrounding spaces. Every row must have as many
 * fields as the header (a row with fewer or more is an error naming its
 * line). Header names are matched without regard to case.
 *
 * Limits: a file of at most HW_CSV_MAX_BYTES bytes, at most
 * HW_CSV_MAX_ROWS rows; reading is O(size of the file).
 *
 * Ownership: hw_csv_read returns a table the caller frees with
 * hw_csv_free; fields are the table's.
 */
#ifndef APPSIM_HW_CSV_H
#define APPSIM_HW_CSV_H

#include <glib.h>
#include <stdbool.h>

#define HW_CSV_MAX_BYTES (16 * 1024 * 1024)
#define HW_CSV_MAX_ROWS 100000

/* The error domain of homework (hw_csv, homework, hw_grade). */
#define HW_ERROR (hw_error_quark())
GQuark hw_error_quark(void);
typedef enum {
    HW_ERROR_INPUT, /* a file or an option a user can correct (exit status 2) */
    HW_ERROR_IO,    /* a file that cannot be read or written (exit status 1) */
    HW_ERROR_RUN,   /* a variant's run failed (exit status 1) */
} hw_error_code;

typedef struct {
    guint line;        /* 1-based line of the file where the row starts */
    GPtrArray *fields; /* of char * */
} hw_csv_row;

typedef struct {
    char *file;
    GPtrArray *header; /* of char * */
    guint header_line;
    GPtrArray *rows;   /* of hw_csv_row * */
} hw_csv;

/* Reads `file`; NULL with "file:line: ..." (HW_ERROR_INPUT) or a read
 * error (HW_ERROR_IO). */
hw_csv *hw_csv_read(const char *file, GError **err);
void hw_csv_free(hw_csv *c);
/* The index of the header's column `name` (any case), or -1. */
int hw_csv_column(const hw_csv *c, const char *name);
/* Field `col` of `row` (col from hw_csv_column, at least 0). */
const char *hw_csv_field(const hw_csv_row *row, int col);
/* Checks that the header has every column of `names` (NULL-terminated):
 * else "file:line: expected a header with the columns ... (found: ...)". */
bool hw_csv_require(const hw_csv *c, const char *const *names, GError **err);
/* Appends `field` to `out`, quoted when it holds a comma, a quote, a line
 * break, surrounding spaces or tabs, or starts with '#'. A row whose only
 * field is empty must be written as "" by the caller (a blank line is
 * skipped). */
void hw_csv_append(GString *out, const char *field);

#endif

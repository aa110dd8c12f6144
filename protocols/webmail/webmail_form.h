/*
 * webmail_form: the small text tools of the web-mail front end —
 * application/x-www-form-urlencoded bodies decoded (WHATWG URL standard,
 * "application/x-www-form-urlencoded parsing", strict about escapes).
 * Text is escaped for HTML by seam/html_escape.h, shared with the results
 * page.
 *
 * Ownership: webmail_form_decode gives a new table (g_hash_table_unref).
 * Costs: one pass, O(n).
 */
#ifndef APPSIM_WEBMAIL_FORM_H
#define APPSIM_WEBMAIL_FORM_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>

/* The most fields a form may have. */
#define WEBMAIL_FORM_MAX_FIELDS 64

/* Decodes a form body: fields split at '&', name and value at the first
 * '=', '+' is a space, "%XX" a byte. Returns a table name -> value (new
 * strings; the first of a repeated name wins), or NULL when the body is
 * malformed: a '%' not followed by two hexadecimal digits, a decoded NUL,
 * a name or value that is not UTF-8, more than WEBMAIL_FORM_MAX_FIELDS
 * fields. Empty fields ("a=1&&b=2") are skipped. */
GHashTable *webmail_form_decode(const char *body, size_t len);

#endif

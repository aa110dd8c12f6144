/*
 * scn_read: the located checks every part of a scenario is read with.
 *
 * A scn_ctx follows the path of the value being read ("$.links[2].rate");
 * scn_fail() records the first error as "<file>: <path>: <message>" and makes
 * every later failure a no-op, so the first mistake is the one reported.
 * The getters read one key of an object with its default, its range and
 * the form expected in the message; check_keys refuses unknown keys and
 * names the closest known one. Used by the scenario loader and by the
 * application reader (app_reader.c); cJSON stays in this layer.
 *
 * Ranges: every quantity kind has a documented range (scenario.h,
 * SCN_MAX_*): a rate is 1 bit/s to SCN_MAX_RATE_BPS, a time 0 to
 * SCN_MAX_TIME_S, a size 0 to SCN_MAX_SIZE_B whole bytes. A getter may
 * narrow it; nothing is ever cast out of range, whether the value was
 * written as a string with a unit or as a plain JSON number (1e309 is
 * refused like "1e309s").
 *
 * Echoes: what a message repeats of the file (a value, a key, a name) is
 * cut to about SCN_ECHO_MAX bytes (scn_cut), so a 10 MB key gives a line,
 * not 10 MB; the closest-key suggestion costs at most O(len(key) x
 * len(known)) per known key and is skipped when the lengths alone rule
 * it out.
 */
#ifndef APPSIM_SCN_READ_H
#define APPSIM_SCN_READ_H

#include <cjson/cJSON.h>
#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "sim/sim_time.h"

typedef struct {
    const char *file;
    GString *path;
    GError **err;
    bool failed;
} scn_ctx;

/* The quantity kinds of scn_quantity(). */
enum { SCN_Q_RATE = 0, SCN_Q_TIME = 1, SCN_Q_SIZE = 2 };

/* Bytes of file text a message repeats before cutting it. */
#define SCN_ECHO_MAX 48

void scn_fail(scn_ctx *c, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
gsize scn_push_key(scn_ctx *c, const char *key);
gsize scn_push_index(scn_ctx *c, int i);
void scn_pop(scn_ctx *c, gsize mark);
/* `s` for a message: whole when short, else its first SCN_ECHO_MAX bytes
 * (cut at a character) and "... (N bytes)". A new string. */
char *scn_cut(const char *s);
/* What a JSON value looks like, for "found ...": a new string. */
char *scn_found_text(const cJSON *v);
void scn_fail_expected(scn_ctx *c, const cJSON *v, const char *expected);
/* Checks that `obj` is an object with only `keys` (NULL-terminated). */
bool scn_check_keys(scn_ctx *c, const cJSON *obj, const char *const *keys);
const cJSON *scn_get(const cJSON *obj, const char *key);
/* A non-empty string of at most `max` bytes (0: SCN_MAX_TEXT). */
char *scn_get_text(scn_ctx *c, const cJSON *obj, const char *key, const char *def, bool required, size_t max);
char *scn_get_string(scn_ctx *c, const cJSON *obj, const char *key, const char *def, bool required);
/* A name (scenario, node, link, application): 1 to SCN_MAX_NAME bytes of
 * letters, digits, '-' and '_' (and '.' after the first character when
 * `dots`). */
char *scn_get_name(scn_ctx *c, const cJSON *obj, const char *key, const char *def, bool required, bool dots);
/* Whether `s` is such a name. */
bool scn_name_ok(const char *s, bool dots);
double scn_get_number(scn_ctx *c, const cJSON *obj, const char *key, double def, double lo, double hi,
                  bool integer, const char *what);
bool scn_get_bool(scn_ctx *c, const cJSON *obj, const char *key, bool def);
/* A quantity (SCN_Q_*): a string with a unit, or a plain number in the
 * base unit (bit/s, seconds, bytes), within the kind's range. Comes back
 * in bit/s, ns or bytes, whole. */
bool scn_quantity(scn_ctx *c, const cJSON *v, int kind, double *out);
/* The same within [lo, hi] (bit/s, ns or bytes; hi <= 0: the kind's
 * maximum). */
bool scn_quantity_in(scn_ctx *c, const cJSON *v, int kind, double lo, double hi, double *out);
/* The kind's largest value, in bit/s, ns or bytes. */
double scn_quantity_max(int kind);
/* Reads `key` of `obj` as a quantity in [lo, hi] (hi <= 0: the kind's
 * maximum); `def` when absent, or a "missing key" error when required. */
double scn_get_quantity(scn_ctx *c, const cJSON *obj, const char *key, int kind, double def, double lo, double hi,
                        bool required);
uint64_t scn_get_rate(scn_ctx *c, const cJSON *obj, const char *key, uint64_t def, bool required);
sim_time_t scn_get_time(scn_ctx *c, const cJSON *obj, const char *key, sim_time_t def);
uint64_t scn_get_size(scn_ctx *c, const cJSON *obj, const char *key, uint64_t def);

#endif

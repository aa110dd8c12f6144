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

void scn_fail(scn_ctx *c, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
gsize scn_push_key(scn_ctx *c, const char *key);
gsize scn_push_index(scn_ctx *c, int i);
void scn_pop(scn_ctx *c, gsize mark);
/* What a JSON value looks like, for "found ...": a new string. */
char *scn_found_text(const cJSON *v);
void scn_fail_expected(scn_ctx *c, const cJSON *v, const char *expected);
/* Checks that `obj` is an object with only `keys` (NULL-terminated). */
bool scn_check_keys(scn_ctx *c, const cJSON *obj, const char *const *keys);
const cJSON *scn_get(const cJSON *obj, const char *key);
char *scn_get_string(scn_ctx *c, const cJSON *obj, const char *key, const char *def, bool required);
double scn_get_number(scn_ctx *c, const cJSON *obj, const char *key, double def, double lo, double hi,
                  bool integer, const char *what);
bool scn_get_bool(scn_ctx *c, const cJSON *obj, const char *key, bool def);
/* A quantity (SCN_Q_*): a string with a unit, or a plain number in the
 * base unit (bit/s, seconds, bytes). Times come back in ns. */
bool scn_quantity(scn_ctx *c, const cJSON *v, int kind, double *out);
uint64_t scn_get_rate(scn_ctx *c, const cJSON *obj, const char *key, uint64_t def, bool required);
sim_time_t scn_get_time(scn_ctx *c, const cJSON *obj, const char *key, sim_time_t def);
uint64_t scn_get_size(scn_ctx *c, const cJSON *obj, const char *key, uint64_t def);

#endif

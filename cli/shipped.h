/*
 * shipped: the shipped scenarios by name — where appsim looks for them,
 * resolving `appsim run NAME` and `appsim check NAME`, and `appsim new`.
 *
 * The folders, in order (shipped_dirs): $APPSIM_SCENARIOS when set (it
 * replaces the installed folders); else the installed folder beside the
 * program (BINDIR/../share/appsim/scenarios, so a package installed under
 * any prefix finds its own), then the folder of the prefix the build was
 * configured with; then, only when the program runs from its build tree,
 * the source tree's scenarios/. Folders that do not exist are skipped
 * when searching but named in errors.
 *
 * Ownership: strings and arrays returned are new.
 */
#ifndef APPSIM_SHIPPED_H
#define APPSIM_SHIPPED_H

#include <glib.h>
#include <stdbool.h>

#define SHIPPED_ERROR (shipped_error_quark())
GQuark shipped_error_quark(void);
typedef enum { SHIPPED_ERROR_NOT_FOUND } shipped_error_code;

/* The folders searched, in order (of char *, some may not exist). */
GPtrArray *shipped_dirs(void);
/* The first of them that exists, or NULL. */
char *shipped_dir(void);
/* What `appsim run ARG` reads: ARG when it is an existing file or names a
 * path (holds a '/'); else the shipped scenario ARG (".json" added when
 * missing), *by_name set. NULL with SHIPPED_ERROR_NOT_FOUND, naming the
 * folders searched, when it is found nowhere. */
char *shipped_resolve(const char *arg, bool *by_name, GError **err);

/* appsim new NAME [--from SCENARIO]: exit status 0 created, 1 the file
 * could not be written, 2 bad usage, an unknown SCENARIO or an existing
 * NAME.json (never overwritten). */
int cmd_new(int argc, char **argv);

#endif

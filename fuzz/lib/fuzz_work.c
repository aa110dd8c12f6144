/* fuzz_work: a scratch file for fuzz targets (see fuzz_work.h). */
#include "fuzz_work.h"

#include <glib.h>
#include <glib/gstdio.h>

#include "fuzz_check.h"

static char *work_dir;  /* the target's own temporary folder */
static char *work_file; /* work_dir/name */

static void remove_work_dir(void)
{
    if (work_file)
        g_remove(work_file);
    if (work_dir)
        g_rmdir(work_dir);
    g_free(work_file);
    g_free(work_dir);
    work_file = work_dir = NULL;
}

const char *fuzz_work_file(const char *prefix, const char *name)
{
    if (work_file)
        return work_file;
    GError *err = NULL;
    char *tmpl = g_strconcat(prefix, "-XXXXXX", NULL);
    work_dir = g_dir_make_tmp(tmpl, &err);
    g_free(tmpl);
    FUZZ_CHECK(work_dir != NULL, "cannot make a temporary folder: %s", err ? err->message : "?");
    work_file = g_build_filename(work_dir, name, NULL);
    atexit(remove_work_dir);
    return work_file;
}

/* shipped: the shipped scenarios by name, and appsim new (shipped.h). */
#include "shipped.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli_opts.h"
#include "world/scenario.h"

/* Set by the build: the installed folder relative to the program's folder,
 * the installed folder under the configured prefix, the build tree and the
 * source tree's scenarios. */
#ifndef APPSIM_BIN_TO_SCENARIOS
#define APPSIM_BIN_TO_SCENARIOS "../share/appsim/scenarios"
#endif
#ifndef APPSIM_INSTALLED_SCENARIOS
#define APPSIM_INSTALLED_SCENARIOS "/usr/local/share/appsim/scenarios"
#endif

G_DEFINE_QUARK(appsim-shipped-error-quark, shipped_error)

/* The folder of the running program, resolved, or NULL. */
static char *program_dir(void)
{
    char *exe = g_file_read_link("/proc/self/exe", NULL);
    if (!exe)
        return NULL;
    char *dir = g_path_get_dirname(exe);
    g_free(exe);
    return dir;
}

#if defined(APPSIM_BUILD_DIR) && defined(APPSIM_SOURCE_SCENARIOS)
/* Whether two paths name the same folder (the same device and inode). */
static bool same_dir(const char *a, const char *b)
{
    GStatBuf sa, sb;
    return g_stat(a, &sa) == 0 && g_stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}
#endif

static void add_dir(GPtrArray *dirs, char *dir)
{
    for (guint i = 0; i < dirs->len; i++)
        if (!strcmp(g_ptr_array_index(dirs, i), dir)) {
            g_free(dir);
            return;
        }
    g_ptr_array_add(dirs, dir);
}

GPtrArray *shipped_dirs(void)
{
    GPtrArray *dirs = g_ptr_array_new_with_free_func(g_free);
    const char *env = g_getenv("APPSIM_SCENARIOS");
    char *bindir = program_dir();
    if (env && *env)
        add_dir(dirs, g_strdup(env));
    else {
        if (bindir) {
            char *rel = g_build_filename(bindir, APPSIM_BIN_TO_SCENARIOS, NULL);
            char *canon = g_canonicalize_filename(rel, NULL);
            add_dir(dirs, canon);
            g_free(rel);
        }
        add_dir(dirs, g_strdup(APPSIM_INSTALLED_SCENARIOS));
    }
#if defined(APPSIM_BUILD_DIR) && defined(APPSIM_SOURCE_SCENARIOS)
    if (bindir && same_dir(bindir, APPSIM_BUILD_DIR))
        add_dir(dirs, g_strdup(APPSIM_SOURCE_SCENARIOS));
#endif
    g_free(bindir);
    return dirs;
}

char *shipped_dir(void)
{
    GPtrArray *dirs = shipped_dirs();
    char *found = NULL;
    for (guint i = 0; i < dirs->len && !found; i++)
        if (g_file_test(g_ptr_array_index(dirs, i), G_FILE_TEST_IS_DIR))
            found = g_strdup(g_ptr_array_index(dirs, i));
    g_ptr_array_free(dirs, TRUE);
    return found;
}

char *shipped_resolve(const char *arg, bool *by_name, GError **err)
{
    *by_name = false;
    if (!*arg || strchr(arg, G_DIR_SEPARATOR) || g_file_test(arg, G_FILE_TEST_EXISTS))
        return g_strdup(arg);
    char *base = g_str_has_suffix(arg, ".json") ? g_strdup(arg) : g_strconcat(arg, ".json", NULL);
    GPtrArray *dirs = shipped_dirs();
    char *found = NULL;
    for (guint i = 0; i < dirs->len && !found; i++) {
        char *f = g_build_filename(g_ptr_array_index(dirs, i), base, NULL);
        if (g_file_test(f, G_FILE_TEST_IS_REGULAR))
            found = f;
        else
            g_free(f);
    }
    if (found)
        *by_name = true;
    else {
        GString *where = g_string_new("");
        for (guint i = 0; i < dirs->len; i++)
            g_string_append_printf(where, "%s%s", i ? ", " : "", (const char *)g_ptr_array_index(dirs, i));
        g_set_error(err, SHIPPED_ERROR, SHIPPED_ERROR_NOT_FOUND,
                    "\"%s\": no such file, and no shipped scenario of that name in %s (appsim list names them; "
                    "APPSIM_SCENARIOS names another folder)",
                    arg, where->str);
        g_string_free(where, TRUE);
    }
    g_ptr_array_free(dirs, TRUE);
    g_free(base);
    return found;
}

/* ---- appsim new ----------------------------------------------------------------- */

/* A scenario name for a new file: letters, digits, '.', '_', '-', not
 * starting with '.' or '-', at most SCN_MAX_NAME - 1 bytes. */
static bool good_name(const char *name)
{
    size_t n = strlen(name);
    if (!n || n >= SCN_MAX_NAME || name[0] == '.' || name[0] == '-')
        return false;
    for (size_t i = 0; i < n; i++)
        if (!g_ascii_isalnum(name[i]) && !strchr("._-", name[i]))
            return false;
    return true;
}

/* Writes `text` into a new file `path` (never replacing one): 0, or the
 * exit status with the error printed. */
static int write_new(const char *path, const char *text)
{
    int fd = g_open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd < 0) {
        int e = errno;
        fprintf(stderr, "appsim new: %s: %s%s\n", path, g_strerror(e),
                e == EEXIST ? " (appsim new never overwrites a file: choose another NAME, or remove it)" : "");
        return e == EEXIST ? CLI_EXIT_USAGE : CLI_EXIT_RUN;
    }
    size_t len = strlen(text), done = 0;
    while (done < len) {
        ssize_t w = write(fd, text + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        done += (size_t)w;
    }
    int e = done < len ? errno : 0;
    if (close(fd) != 0 && !e)
        e = errno;
    if (e || done < len) {
        fprintf(stderr, "appsim new: %s: %s\n", path, g_strerror(e ? e : EIO));
        g_unlink(path);
        return CLI_EXIT_RUN;
    }
    return CLI_EXIT_OK;
}

/* Copies the shipped scenario `from` to NAME.json, renamed. */
static int new_from(const char *name, const char *from)
{
    GError *err = NULL;
    bool by_name;
    char *src = shipped_resolve(from, &by_name, &err), *text = NULL, *out = NULL;
    int rc = CLI_EXIT_USAGE;
    if (src && !g_file_get_contents(src, &text, NULL, &err))
        g_prefix_error(&err, "--from %s: ", src);
    if (text && !(out = scn_text_rename(text, name, &err)))
        g_prefix_error(&err, "--from %s: ", src);
    if (out) {
        char *path = g_strconcat(name, ".json", NULL);
        rc = write_new(path, out);
        if (rc == CLI_EXIT_OK)
            printf("%s: a copy of %s named \"%s\"; run it with: appsim run %s\n", path, src, name, path);
        g_free(path);
    } else
        fprintf(stderr, "appsim new: %s\n", err->message);
    g_clear_error(&err);
    g_free(src);
    g_free(text);
    g_free(out);
    return rc;
}

int cmd_new(int argc, char **argv)
{
    char *from = NULL;
    GOptionEntry entries[] = {
        {"from", 'f', 0, G_OPTION_ARG_STRING, &from,
         "The shipped scenario (or file) to copy (default http-single-object)", "SCENARIO"},
        {NULL, 0, 0, 0, NULL, NULL, NULL}};
    GOptionContext *ctx = g_option_context_new("NAME - start a scenario NAME.json from a shipped one");
    g_option_context_add_main_entries(ctx, entries, NULL);
    g_option_context_set_description(
        ctx, "Writes NAME.json in this folder: a copy of SCENARIO with its \"name\" set to NAME (letters,\n"
             "digits, '.', '_', '-'). An existing file is never overwritten.\n"
             "\n"
             "Exit status: 0 created; 1 the file could not be written; 2 bad usage, an unknown\n"
             "SCENARIO, or NAME.json exists.");
    int rc;
    if (!cli_parse(ctx, "new", &argc, &argv, &rc)) {
        g_free(from);
        return rc;
    }
    if (argc != 2) {
        g_free(from);
        return cli_usage_error(ctx, "new", argc < 2 ? "a NAME is needed" : "only one NAME");
    }
    char *name = g_str_has_suffix(argv[1], ".json") ? g_strndup(argv[1], strlen(argv[1]) - 5) : g_strdup(argv[1]);
    if (!good_name(name)) {
        g_free(name);
        g_free(from);
        return cli_usage_error(ctx, "new",
                               "NAME must be letters, digits, '.', '_' or '-' (at most 63, not starting with "
                               "'.' or '-')");
    }
    g_option_context_free(ctx);
    rc = new_from(name, from ? from : "http-single-object");
    g_free(name);
    g_free(from);
    return rc;
}

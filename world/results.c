/* results: summary.json, the CSV files, and the folder swap. */
#define _POSIX_C_SOURCE 200809L /* kill(pid, 0): whether a stale folder's process still runs */

#include "results.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <glib/gstdio.h>
#include <math.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#ifndef APPSIM_VERSION
#define APPSIM_VERSION "0.0.0"
#endif

G_DEFINE_QUARK(appsim-results-error-quark, results_error)

bool results_write_text(const char *dir, const char *name, const char *text, GError **err)
{
    char *path = g_build_filename(dir, name, NULL);
    bool ok = g_file_set_contents(path, text, -1, err);
    g_free(path);
    return ok;
}

/* A 64-bit integer written exactly, as a decimal JSON number (a double
 * would lose digits above 2^53: a seed must be reproducible from the file). */
static void add_u64(cJSON *o, const char *k, uint64_t v)
{
    char text[24];
    g_snprintf(text, sizeof text, "%" G_GUINT64_FORMAT, v);
    cJSON_AddRawToObject(o, k, text);
}

static void json_num(cJSON *o, const char *k, double v)
{
    if (isfinite(v))
        cJSON_AddNumberToObject(o, k, v);
    else
        cJSON_AddNullToObject(o, k);
}

/* The run's figures into `m`, a dotted key nested ("a.b" -> {"a": {"b"}}). */
static void add_metrics(cJSON *m, const run_result *r)
{
    for (guint i = 0; i < r->metrics->len; i++) {
        const run_metric *x = &g_array_index(r->metrics, run_metric, i);
        gchar **parts = g_strsplit(x->key, ".", -1);
        cJSON *at = m;
        guint n = g_strv_length(parts);
        for (guint k = 0; k + 1 < n; k++) {
            cJSON *next = cJSON_GetObjectItemCaseSensitive(at, parts[k]);
            if (!next)
                next = cJSON_AddObjectToObject(at, parts[k]);
            at = next;
        }
        if (x->kind == RUN_METRIC_FLAG)
            cJSON_AddBoolToObject(at, parts[n - 1], x->value != 0);
        else
            json_num(at, parts[n - 1], x->value);
        g_strfreev(parts);
    }
    cJSON *links = cJSON_AddArrayToObject(m, "links");
    for (guint i = 0; i < r->links->len; i++) {
        const link_row *l = &g_array_index(r->links, link_row, i);
        cJSON *lo = cJSON_CreateObject();
        cJSON_AddStringToObject(lo, "link", l->link);
        cJSON_AddStringToObject(lo, "from", l->from);
        cJSON_AddStringToObject(lo, "to", l->to);
        json_num(lo, "utilisation", l->utilisation);
        cJSON_AddNumberToObject(lo, "drops", (double)l->drops);
        json_num(lo, "mean_queueing_delay_s", l->mean_wait_s);
        cJSON_AddItemToArray(links, lo);
    }
}

/* A run's "params": the value of each sweep axis and the compare axis. */
static void add_params(cJSON *o, const scenario *sc, guint k)
{
    guint coords[SCN_MAX_AXES + 1], nax = scenario_axes(sc);
    const scn_axis *cmp = scenario_compare(sc);
    cJSON *params = cJSON_AddObjectToObject(o, "params");
    scenario_run_coords(sc, k, coords);
    for (guint i = 0; i < nax; i++) {
        const scn_axis *a = scenario_axis(sc, i);
        cJSON_AddStringToObject(params, a->path, g_ptr_array_index(a->labels, coords[i]));
    }
    if (cmp)
        cJSON_AddStringToObject(params, cmp->path, g_ptr_array_index(cmp->labels, coords[nax]));
}

static bool write_summary(const scenario *sc, run_result *const *res, const char *metric, const char *dir,
                          GError **err)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "name", scenario_name(sc));
    cJSON_AddStringToObject(root, "appsim_version", APPSIM_VERSION);
    add_u64(root, "seed", scenario_seed(sc));
    char *js = scenario_json(sc);
    cJSON_AddItemToObject(root, "scenario", cJSON_Parse(js));
    g_free(js);
    cJSON_AddStringToObject(root, "metric", metric);
    cJSON *runs = cJSON_AddArrayToObject(root, "runs");
    for (guint k = 0; k < scenario_run_count(sc); k++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "index", k);
        add_u64(o, "seed", res[k]->seed);
        add_params(o, sc, k);
        add_metrics(cJSON_AddObjectToObject(o, "metrics"), res[k]);
        cJSON_AddStringToObject(o, "fingerprint", res[k]->fingerprint);
        if (res[k]->failed)
            cJSON_AddStringToObject(o, "failed", res[k]->failed);
        if (res[k]->max_time_reached) {
            cJSON_AddTrueToObject(o, "max_time_reached");
            cJSON_AddNumberToObject(o, "unfinished_applications", res[k]->unfinished_apps);
        }
        cJSON_AddItemToArray(runs, o);
    }
    char *text = cJSON_Print(root);
    GString *s = g_string_new(text);
    g_string_append_c(s, '\n');
    bool ok = results_write_text(dir, "summary.json", s->str, err);
    g_string_free(s, TRUE);
    cJSON_free(text);
    cJSON_Delete(root);
    return ok;
}

static bool write_links(run_result *const *res, guint n, const char *dir, GError **err)
{
    GString *lk = g_string_new("run,link,from,to,bytes,packets,utilisation,drops,mean_queue_pkts,"
                               "max_queue_pkts,mean_queueing_delay_s\n");
    for (guint k = 0; k < n; k++) {
        for (guint i = 0; i < res[k]->links->len; i++) {
            const link_row *l = &g_array_index(res[k]->links, link_row, i);
            g_string_append_printf(lk,
                                   "%u,%s,%s,%s,%" G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT ",%.6f,%" G_GUINT64_FORMAT
                                   ",%.6f,%u,%.9f\n",
                                   k, l->link, l->from, l->to, l->bytes, l->packets, l->utilisation, l->drops,
                                   l->mean_queue, l->max_queue, l->mean_wait_s);
        }
    }
    bool ok = results_write_text(dir, "links.csv", lk->str, err);
    g_string_free(lk, TRUE);
    return ok;
}

/* Each application type's file: the rows of every run, in run order. */
static bool write_type_csvs(run_result *const *res, guint n, const char *dir, GString *files, GError **err)
{
    GPtrArray *names = g_ptr_array_new(), *texts = g_ptr_array_new();
    for (guint k = 0; k < n; k++) {
        for (guint i = 0; i < res[k]->csvs->len; i++) {
            const run_csv *c = g_ptr_array_index(res[k]->csvs, i);
            guint at = 0;
            while (at < names->len && strcmp(g_ptr_array_index(names, at), c->file))
                at++;
            if (at == names->len) {
                g_ptr_array_add(names, (gpointer)c->file);
                g_ptr_array_add(texts, g_string_new(""));
                g_string_append_printf(g_ptr_array_index(texts, at), "run,%s\n", c->header);
            }
            g_string_append(g_ptr_array_index(texts, at), c->rows->str);
        }
    }
    bool ok = true;
    for (guint i = 0; i < names->len; i++) {
        if (ok)
            ok = results_write_text(dir, g_ptr_array_index(names, i), ((GString *)g_ptr_array_index(texts, i))->str,
                                    err);
        if (files)
            g_string_append_printf(files, ", %s", (const char *)g_ptr_array_index(names, i));
        g_string_free(g_ptr_array_index(texts, i), TRUE);
    }
    g_ptr_array_free(names, TRUE);
    g_ptr_array_free(texts, TRUE);
    return ok;
}

bool results_write(const scenario *sc, run_result *const *res, const char *metric, const char *dir, GString *files,
                   GError **err)
{
    guint n = scenario_run_count(sc);
    if (files)
        g_string_append(files, "summary.json");
    bool ok = write_summary(sc, res, metric, dir, err) && write_type_csvs(res, n, dir, files, err) &&
              write_links(res, n, dir, err);
    if (files)
        g_string_append(files, ", links.csv");
    return ok;
}

void results_remove_tree(const char *path)
{
    GStatBuf st;
    if (g_lstat(path, &st) != 0)
        return;
    if (!S_ISDIR(st.st_mode)) {
        g_unlink(path); /* a file or a symbolic link: the link, not what it points to */
        return;
    }
    GDir *d = g_dir_open(path, 0, NULL);
    if (d) {
        const char *name;
        while ((name = g_dir_read_name(d))) {
            char *p = g_build_filename(path, name, NULL);
            results_remove_tree(p);
            g_free(p);
        }
        g_dir_close(d);
    }
    g_rmdir(path);
}

/* Whether `dir` is a real folder (not a link) holding the marker file. */
static bool has_marker(const char *dir)
{
    GStatBuf st;
    if (g_lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return false;
    char *m = g_build_filename(dir, RESULTS_MARKER, NULL);
    bool ok = g_lstat(m, &st) == 0 && S_ISREG(st.st_mode);
    g_free(m);
    return ok;
}

static bool is_empty_dir(const char *dir)
{
    GDir *d = g_dir_open(dir, 0, NULL);
    bool empty = d && g_dir_read_name(d) == NULL;
    if (d)
        g_dir_close(d);
    return empty;
}

bool results_check_dest(const char *dir, GError **err)
{
    GStatBuf st;
    if (g_lstat(dir, &st) != 0)
        return true; /* absent */
    const char *why = S_ISLNK(st.st_mode)  ? "is a symbolic link"
                      : !S_ISDIR(st.st_mode) ? "is not a folder"
                      : has_marker(dir) || is_empty_dir(dir)
                          ? NULL
                          : "exists and is not an appsim results folder (it has no " RESULTS_MARKER " file)";
    if (why)
        g_set_error(err, RESULTS_ERROR, RESULTS_ERROR_NOT_OURS,
                    "%s %s: appsim only replaces folders it wrote; remove it or choose another -o DIR", dir, why);
    return why == NULL;
}

/* The pid of "<base>.tmp-<pid>" or "<base>.old-<pid>", or 0. */
static long stale_pid(const char *name, const char *base)
{
    size_t bl = strlen(base);
    if (strncmp(name, base, bl) || (strncmp(name + bl, ".tmp-", 5) && strncmp(name + bl, ".old-", 5)))
        return 0;
    const char *digits = name + bl + 5;
    char *end;
    long pid = strtol(digits, &end, 10);
    return *digits && !*end && pid > 0 ? pid : 0;
}

guint results_clean_stale(const char *dir)
{
    char *parent = g_path_get_dirname(dir), *base = g_path_get_basename(dir);
    GDir *d = g_dir_open(parent, 0, NULL);
    guint n = 0;
    const char *name;
    while (d && (name = g_dir_read_name(d))) {
        long pid = stale_pid(name, base);
        if (!pid || pid == (long)getpid() || !(kill((pid_t)pid, 0) != 0 && errno == ESRCH))
            continue; /* not one, ours, or its process still runs */
        char *p = g_build_filename(parent, name, NULL);
        if (has_marker(p)) {
            results_remove_tree(p);
            n++;
        }
        g_free(p);
    }
    if (d)
        g_dir_close(d);
    g_free(parent);
    g_free(base);
    return n;
}

static void set_io_error(GError **err, const char *what, const char *path, int e)
{
    g_set_error(err, RESULTS_ERROR, RESULTS_ERROR_IO, "cannot %s %s: %s", what, path, g_strerror(e));
}

char *results_begin(const char *dir, GError **err)
{
    if (!results_check_dest(dir, err))
        return NULL;
    char *tmp = g_strdup_printf("%s.tmp-%d", dir, (int)getpid());
    char *parent = g_path_get_dirname(dir);
    g_mkdir_with_parents(parent, 0755);
    g_free(parent);
    results_clean_stale(dir);
    if (has_marker(tmp))
        results_remove_tree(tmp); /* a dead run's with our pid */
    char *marker = g_build_filename(tmp, RESULTS_MARKER, NULL);
    bool ok = g_mkdir(tmp, 0755) == 0;
    if (!ok)
        set_io_error(err, "create", tmp, errno);
    else if (!(ok = g_file_set_contents(marker, "appsim results: `appsim run` replaces this folder whole\n", -1,
                                        NULL))) {
        set_io_error(err, "write", marker, errno);
        results_remove_tree(tmp);
    }
    g_free(marker);
    if (!ok) {
        g_free(tmp);
        return NULL;
    }
    return tmp;
}

bool results_commit(const char *tmp, const char *dir, GError **err)
{
    if (!results_check_dest(dir, err))
        return false;
    char *old = g_strdup_printf("%s.old-%d", dir, (int)getpid());
    GStatBuf st;
    bool had = g_lstat(dir, &st) == 0, ok = true;
    if (had && g_rename(dir, old) != 0) {
        set_io_error(err, "move the old results aside:", dir, errno);
        ok = false;
    } else if (g_rename(tmp, dir) != 0) {
        set_io_error(err, "move the results into", dir, errno);
        if (had)
            g_rename(old, dir);
        ok = false;
    } else if (had) {
        results_remove_tree(old);
    }
    g_free(old);
    return ok;
}

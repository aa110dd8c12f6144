/* results: summary.json, the CSV files, and the folder swap. */
#include "results.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#ifndef APPSIM_VERSION
#define APPSIM_VERSION "0.0.0"
#endif

bool results_write_text(const char *dir, const char *name, const char *text, GError **err)
{
    char *path = g_build_filename(dir, name, NULL);
    bool ok = g_file_set_contents(path, text, -1, err);
    g_free(path);
    return ok;
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
    guint coords[64], nax = scenario_axes(sc);
    const scn_axis *cmp = scenario_compare(sc);
    cJSON *params = cJSON_AddObjectToObject(o, "params");
    scenario_run_coords(sc, k, coords);
    for (guint i = 0; i < nax && i < 63; i++) {
        const scn_axis *a = scenario_axis(sc, i);
        cJSON_AddStringToObject(params, a->path, g_ptr_array_index(a->labels, coords[i]));
    }
    if (cmp)
        cJSON_AddStringToObject(params, cmp->path, g_ptr_array_index(cmp->labels, coords[MIN(nax, 63u)]));
}

static bool write_summary(const scenario *sc, run_result *const *res, const char *metric, const char *dir,
                          GError **err)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "name", scenario_name(sc));
    cJSON_AddStringToObject(root, "appsim_version", APPSIM_VERSION);
    cJSON_AddNumberToObject(root, "seed", (double)scenario_seed(sc));
    char *js = scenario_json(sc);
    cJSON_AddItemToObject(root, "scenario", cJSON_Parse(js));
    g_free(js);
    cJSON_AddStringToObject(root, "metric", metric);
    cJSON *runs = cJSON_AddArrayToObject(root, "runs");
    for (guint k = 0; k < scenario_run_count(sc); k++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "index", k);
        cJSON_AddNumberToObject(o, "seed", (double)res[k]->seed);
        add_params(o, sc, k);
        add_metrics(cJSON_AddObjectToObject(o, "metrics"), res[k]);
        cJSON_AddStringToObject(o, "fingerprint", res[k]->fingerprint);
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
    GDir *d = g_dir_open(path, 0, NULL);
    if (d) {
        const char *name;
        while ((name = g_dir_read_name(d))) {
            char *p = g_build_filename(path, name, NULL);
            if (g_file_test(p, G_FILE_TEST_IS_DIR) && !g_file_test(p, G_FILE_TEST_IS_SYMLINK))
                results_remove_tree(p);
            else
                g_unlink(p);
            g_free(p);
        }
        g_dir_close(d);
    }
    g_rmdir(path);
}

char *results_begin(const char *dir, GError **err)
{
    char *tmp = g_strdup_printf("%s.tmp-%d", dir, (int)getpid());
    char *parent = g_path_get_dirname(dir);
    g_mkdir_with_parents(parent, 0755);
    g_free(parent);
    results_remove_tree(tmp);
    if (g_mkdir(tmp, 0755) != 0) {
        int e = errno;
        g_set_error(err, G_FILE_ERROR, g_file_error_from_errno(e), "cannot create %s: %s", tmp, g_strerror(e));
        g_free(tmp);
        return NULL;
    }
    return tmp;
}

bool results_commit(const char *tmp, const char *dir, GError **err)
{
    char *old = g_strdup_printf("%s.old-%d", dir, (int)getpid());
    bool had = g_file_test(dir, G_FILE_TEST_EXISTS), ok = true;
    if ((had && g_rename(dir, old) != 0) || g_rename(tmp, dir) != 0) {
        int e = errno;
        g_set_error(err, G_FILE_ERROR, g_file_error_from_errno(e), "cannot move the results into %s: %s", dir,
                    g_strerror(e));
        if (had)
            g_rename(old, dir);
        ok = false;
    } else if (had) {
        results_remove_tree(old);
    }
    g_free(old);
    return ok;
}

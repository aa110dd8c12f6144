/* shard_cmd: appsim run --shard's partial folders and appsim merge (shard_cmd.h). */
#include "shard_cmd.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "cli_opts.h"
#include "registry.h"
#include "run_cmd.h"
#include "world/results.h"
#include "world/shard.h"

#ifndef APPSIM_VERSION
#define APPSIM_VERSION "0.0.0"
#endif

#define GROUP "shard"
#define FORMAT 1

bool shard_spec_parse(const char *s, guint *k, guint *n)
{
    const char *slash = strchr(s, '/');
    guint64 kk, nn;
    if (!slash)
        return false;
    char *ks = g_strndup(s, (gsize)(slash - s));
    bool ok = g_ascii_string_to_unsigned(ks, 10, 0, SHARD_MAX - 1, &kk, NULL) &&
              g_ascii_string_to_unsigned(slash + 1, 10, 1, SHARD_MAX, &nn, NULL) && kk < nn;
    g_free(ks);
    if (ok) {
        *k = (guint)kk;
        *n = (guint)nn;
    }
    return ok;
}

/* --set values as one value: each escaped (no spaces), space-separated. */
static char *sets_value(const char *const *sets)
{
    GString *s = g_string_new("");
    for (guint i = 0; sets && sets[i]; i++) {
        char *e = shard_escape(sets[i]);
        g_string_append_printf(s, "%s%s", i ? " " : "", e);
        g_free(e);
    }
    return g_string_free(s, FALSE);
}

static void put_num(GKeyFile *kf, const char *key, gint64 v)
{
    char b[32];
    g_snprintf(b, sizeof b, "%" G_GINT64_FORMAT, v);
    g_key_file_set_value(kf, GROUP, key, b);
}

bool shard_write(const scenario *sc, run_result *const *res, const char *path, const run_page_args *pa, guint k,
                 guint n, const char *dir, GString *files, GError **err)
{
    char *text = NULL, *out = g_build_filename(dir, SHARD_SCENARIO, NULL);
    gsize len = 0;
    bool ok = g_file_get_contents(path, &text, &len, err) && g_file_set_contents(out, text, (gssize)len, err);
    g_free(out);
    g_free(text);
    if (!ok)
        return false;
    GKeyFile *kf = g_key_file_new();
    guint runs = scenario_run_count(sc);
    put_num(kf, "format", FORMAT);
    g_key_file_set_value(kf, GROUP, "version", APPSIM_VERSION);
    put_num(kf, "shard", k);
    put_num(kf, "shards", n);
    put_num(kf, "runs", runs);
    char *v = shard_escape(pa->file);
    g_key_file_set_value(kf, GROUP, "file", v);
    g_free(v);
    put_num(kf, "seed", pa->seed);
    v = sets_value(pa->sets);
    g_key_file_set_value(kf, GROUP, "sets", v);
    g_free(v);
    put_num(kf, "timeline", pa->timeline);
    put_num(kf, "pcap", pa->pcap);
    put_num(kf, "transcript_run", pa->transcript_run);
    /* The scenario as run (after --set): merge checks that the copy gives it
     * (the file may have changed between its loading and its copy). */
    char *js = scenario_json(sc);
    v = shard_escape(js);
    g_key_file_set_value(kf, GROUP, "as_run", v);
    g_free(v);
    g_free(js);
    for (guint r = k; r < runs; r += n)
        shard_run_put(kf, res[r]);
    gsize size;
    char *data = g_key_file_to_data(kf, &size, NULL);
    g_key_file_free(kf);
    ok = results_write_text(dir, SHARD_FILE, data, err);
    g_free(data);
    if (files)
        g_string_append(files, SHARD_FILE ", " SHARD_SCENARIO);
    if (files && pa->pcap)
        g_string_append(files, ", pcap/");
    return ok;
}

/* ---- appsim merge ------------------------------------------------------------- */

/* One partial folder. */
typedef struct {
    const char *dir;  /* as given */
    GKeyFile *kf;
    char *scenario;   /* its SHARD_SCENARIO's bytes */
    gsize scenario_len;
    guint k, n, runs;
} part;

/* The keys that must be the same in every folder, after the version. */
static const char *const same_keys[] = {"file", "seed", "sets", "timeline", "pcap", "transcript_run", NULL};

static gint64 get_num(const part *p, const char *key, gint64 min, gint64 max, GError **err)
{
    if (*err) /* the first error stands */
        return 0;
    char *v = g_key_file_get_value(p->kf, GROUP, key, NULL);
    gint64 n = 0;
    if (!v || !g_ascii_string_to_signed(v, 10, min, max, &n, NULL))
        g_set_error(err, SHARD_ERROR, SHARD_ERROR_BAD, "%s: %s: [%s] %s is %s", p->dir, SHARD_FILE, GROUP, key,
                    v ? "out of range" : "missing");
    g_free(v);
    return n;
}

/* Reads folder `dir` into `p`; false with the error. */
static bool part_load(part *p, const char *dir, GError **err)
{
    p->dir = dir;
    p->kf = g_key_file_new();
    char *f = g_build_filename(dir, SHARD_FILE, NULL), *s = g_build_filename(dir, SHARD_SCENARIO, NULL);
    GError *e = NULL;
    bool ok = g_key_file_load_from_file(p->kf, f, G_KEY_FILE_NONE, &e);
    if (!ok && g_error_matches(e, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        g_set_error(err, SHARD_ERROR, SHARD_ERROR_BAD,
                    "%s: not a partial results folder (no %s; appsim run --shard K/N writes one)", dir, SHARD_FILE);
    else if (!ok)
        g_set_error(err, SHARD_ERROR, SHARD_ERROR_BAD, "%s: %s: %s", dir, SHARD_FILE, e->message);
    g_clear_error(&e);
    char *version = ok ? g_key_file_get_value(p->kf, GROUP, "version", NULL) : NULL;
    if (ok && (!version || strcmp(version, APPSIM_VERSION))) {
        g_set_error(err, SHARD_ERROR, SHARD_ERROR_BAD, "%s: made by appsim %s, not by this appsim (%s): run its "
                    "shard again with this one", dir, version ? version : "(unknown)", APPSIM_VERSION);
        ok = false;
    }
    g_free(version);
    ok = ok && get_num(p, "format", FORMAT, FORMAT, err) == FORMAT;
    if (ok) {
        p->n = (guint)get_num(p, "shards", 1, SHARD_MAX, err);
        p->k = (guint)get_num(p, "shard", 0, SHARD_MAX - 1, err);
        p->runs = (guint)get_num(p, "runs", 1, G_MAXUINT, err);
        ok = !*err;
    }
    if (ok && p->k >= p->n) {
        g_set_error(err, SHARD_ERROR, SHARD_ERROR_BAD, "%s: shard %u of %u shards", dir, p->k, p->n);
        ok = false;
    }
    ok = ok && g_file_get_contents(s, &p->scenario, &p->scenario_len, err);
    g_free(f);
    g_free(s);
    return ok;
}

/* Whether `p` belongs with the first folder `p0`; false with the error. */
static bool part_matches(const part *p, const part *p0, GError **err)
{
    if (p->scenario_len != p0->scenario_len || memcmp(p->scenario, p0->scenario, p->scenario_len)) {
        g_set_error(err, SHARD_ERROR, SHARD_ERROR_BAD, "%s: a shard of another scenario than %s (their %s differ)",
                    p->dir, p0->dir, SHARD_SCENARIO);
        return false;
    }
    for (guint i = 0; same_keys[i]; i++) {
        char *a = g_key_file_get_value(p->kf, GROUP, same_keys[i], NULL);
        char *b = g_key_file_get_value(p0->kf, GROUP, same_keys[i], NULL);
        bool same = a && b && !strcmp(a, b);
        if (!same)
            g_set_error(err, SHARD_ERROR, SHARD_ERROR_BAD, "%s: run with other options than %s (%s: %s, there %s)",
                        p->dir, p0->dir, same_keys[i], a ? a : "(missing)", b ? b : "(missing)");
        g_free(a);
        g_free(b);
        if (!same)
            return false;
    }
    if (p->n != p0->n || p->runs != p0->runs) {
        g_set_error(err, SHARD_ERROR, SHARD_ERROR_BAD, "%s: shard %u/%u of %u runs, but %s is shard %u/%u of %u runs",
                    p->dir, p->k, p->n, p->runs, p0->dir, p0->k, p0->n, p0->runs);
        return false;
    }
    return true;
}

/* Checks that the folders are shards 0 to N-1, each once. */
static bool parts_complete(part *parts, guint np, GError **err)
{
    guint n = parts[0].n;
    gint *seen = g_new(gint, n);
    for (guint k = 0; k < n; k++)
        seen[k] = -1;
    bool ok = true;
    for (guint i = 0; ok && i < np; i++) {
        if (seen[parts[i].k] >= 0) {
            g_set_error(err, SHARD_ERROR, SHARD_ERROR_BAD, "%s: shard %u/%u is given twice (also %s)", parts[i].dir,
                        parts[i].k, n, parts[seen[parts[i].k]].dir);
            ok = false;
        } else
            seen[parts[i].k] = (gint)i;
    }
    for (guint k = 0; ok && k < n; k++) {
        if (seen[k] < 0) {
            g_set_error(err, SHARD_ERROR, SHARD_ERROR_BAD, "shard %u/%u is missing (%u folder%s given)", k, n, np,
                        np == 1 ? "" : "s");
            ok = false;
        }
    }
    g_free(seen);
    return ok;
}

/* The options the shards were run with (strings owned by `keep`). */
static bool part_page_args(const part *p, run_page_args *pa, GPtrArray *keep, gchar ***sets, GError **err)
{
    char *v = g_key_file_get_value(p->kf, GROUP, "file", NULL);
    char *file = v ? shard_unescape(v) : NULL;
    g_free(v);
    if (!file) {
        g_set_error(err, SHARD_ERROR, SHARD_ERROR_BAD, "%s: %s: [%s] file is missing", p->dir, SHARD_FILE, GROUP);
        return false;
    }
    g_ptr_array_add(keep, file);
    v = g_key_file_get_value(p->kf, GROUP, "sets", NULL);
    gchar **parts = g_strsplit(v ? v : "", " ", 0);
    g_free(v);
    guint n = g_strv_length(parts);
    *sets = g_new0(gchar *, n + 1);
    for (guint i = 0, j = 0; i < n; i++)
        if (*parts[i])
            (*sets)[j++] = shard_unescape(parts[i]);
    g_strfreev(parts);
    pa->file = file;
    pa->sets = (const char *const *)*sets;
    pa->seed = get_num(p, "seed", -1, G_MAXINT64, err);
    pa->timeline = get_num(p, "timeline", 0, 1, err);
    pa->pcap = get_num(p, "pcap", 0, 1, err);
    pa->transcript_run = (gint)get_num(p, "transcript_run", 0, (gint64)p->runs - 1, err);
    return !*err;
}

/* Copies the tree `from` into `to` (made when absent); regular files and folders only. */
static bool copy_tree(const char *from, const char *to, GError **err)
{
    GDir *d = g_dir_open(from, 0, err);
    if (!d)
        return false;
    bool ok = g_mkdir_with_parents(to, 0755) == 0;
    if (!ok)
        g_set_error(err, RESULTS_ERROR, RESULTS_ERROR_IO, "%s: cannot make the folder", to);
    const char *name;
    while (ok && (name = g_dir_read_name(d))) {
        char *a = g_build_filename(from, name, NULL), *b = g_build_filename(to, name, NULL);
        if (g_file_test(a, G_FILE_TEST_IS_SYMLINK))
            ; /* never followed */
        else if (g_file_test(a, G_FILE_TEST_IS_DIR))
            ok = copy_tree(a, b, err);
        else if (g_file_test(a, G_FILE_TEST_IS_REGULAR)) {
            char *data;
            gsize len;
            ok = g_file_get_contents(a, &data, &len, err) && g_file_set_contents(b, data, (gssize)len, err);
            if (ok)
                g_free(data);
        }
        g_free(a);
        g_free(b);
    }
    g_dir_close(d);
    return ok;
}

typedef struct {
    part *parts;
    guint np;
} merge_fill;

/* pcap/ of every shard into the merged folder `tmp`. */
static bool fill_pcap(void *ud, const char *tmp, GError **err)
{
    const merge_fill *m = ud;
    char *to = g_build_filename(tmp, "pcap", NULL);
    bool ok = true;
    for (guint i = 0; ok && i < m->np; i++) {
        char *from = g_build_filename(m->parts[i].dir, "pcap", NULL);
        if (g_file_test(from, G_FILE_TEST_IS_DIR))
            ok = copy_tree(from, to, err);
        g_free(from);
    }
    g_free(to);
    return ok;
}

/* Every run of the plan from the folders; NULL with the error. */
static run_result **merge_runs(const part *parts, guint np, GError **err)
{
    guint runs = parts[0].runs;
    run_result **res = g_new0(run_result *, runs);
    bool ok = true;
    for (guint i = 0; ok && i < np; i++) {
        for (guint k = parts[i].k; ok && k < runs; k += parts[i].n) {
            GError *e = NULL;
            res[k] = shard_run_get(parts[i].kf, k, &e);
            if (!res[k]) {
                g_set_error(err, SHARD_ERROR, SHARD_ERROR_BAD, "%s: %s: %s", parts[i].dir, SHARD_FILE, e->message);
                g_error_free(e);
                ok = false;
            }
        }
    }
    if (!ok) {
        plan_free(res, runs);
        return NULL;
    }
    return res;
}

/* Loads and checks the folders, then writes the results into -o `out`
 * (default results/<name>); the exit status. */
static int merge(char **dirs, guint np, const char *out)
{
    GError *err = NULL;
    part *parts = g_new0(part, np);
    GPtrArray *keep = g_ptr_array_new_with_free_func(g_free);
    gchar **sets = NULL;
    scenario *sc = NULL;
    run_result **res = NULL;
    run_page_args pa = {0};
    bool ok = true;
    for (guint i = 0; ok && i < np; i++)
        ok = part_load(&parts[i], dirs[i], &err) && (i == 0 || part_matches(&parts[i], &parts[0], &err));
    ok = ok && parts_complete(parts, np, &err) && part_page_args(&parts[0], &pa, keep, &sets, &err);
    if (ok) {
        char *path = g_build_filename(parts[0].dir, SHARD_SCENARIO, NULL);
        sc = scenario_load(path, pa.sets, appsim_registry(), &err);
        g_free(path);
        if (sc && pa.seed >= 0)
            scenario_set_seed(sc, (uint64_t)pa.seed);
        char *as_run = g_key_file_get_value(parts[0].kf, GROUP, "as_run", NULL);
        char *want = as_run ? shard_unescape(as_run) : NULL, *got = sc ? scenario_json(sc) : NULL;
        if (sc && (!want || strcmp(want, got)))
            g_set_error(&err, SHARD_ERROR, SHARD_ERROR_BAD,
                        "%s: its %s is not the scenario that was run (the file changed while the shard ran?)",
                        parts[0].dir, SHARD_SCENARIO);
        else if (sc && scenario_run_count(sc) != parts[0].runs)
            g_set_error(&err, SHARD_ERROR, SHARD_ERROR_BAD, "%s: the scenario has %u runs, the shards %u",
                        parts[0].dir, scenario_run_count(sc), parts[0].runs);
        g_free(as_run);
        g_free(want);
        g_free(got);
        ok = sc && !err;
    }
    res = ok ? merge_runs(parts, np, &err) : NULL;
    int rc = CLI_EXIT_USAGE;
    if (res) {
        char *dir = out ? g_strdup(out) : g_build_filename("results", scenario_name(sc), NULL);
        merge_fill m = {parts, np};
        rc = run_publish("merge", sc, res, &pa, dir, pa.pcap ? fill_pcap : NULL, &m);
        g_free(dir);
        plan_free(res, scenario_run_count(sc));
    } else
        fprintf(stderr, "appsim merge: %s\n", err ? err->message : "failed");
    g_clear_error(&err);
    scenario_free(sc);
    for (guint i = 0; i < np; i++) {
        if (parts[i].kf)
            g_key_file_free(parts[i].kf);
        g_free(parts[i].scenario);
    }
    g_free(parts);
    g_strfreev(sets);
    g_ptr_array_free(keep, TRUE);
    return rc;
}

int cmd_merge(int argc, char **argv)
{
    char *out = NULL;
    GOptionEntry entries[] = {
        {"output", 'o', 0, G_OPTION_ARG_FILENAME, &out, "Results folder (default results/<name>)", "DIR"},
        {NULL, 0, 0, 0, NULL, NULL, NULL}};
    GOptionContext *ctx = g_option_context_new("PART... - join the partial folders of appsim run --shard K/N "
                                               "into the results of the whole plan");
    g_option_context_add_main_entries(ctx, entries, NULL);
    g_option_context_set_description(
        ctx, "Give the N folders of shards 0/N to N-1/N (any order). The results are byte for byte those\n"
             "of one appsim run of the plan (docs/scaling.md).\n"
             "\n"
             "Exit status: 0 merged; 1 a failure while writing, or a run that failed as a whole (its\n"
             "results are written); 2 bad usage, or folders that do not merge: not a partial folder,\n"
             "another appsim version, scenario or options, a shard missing or given twice (nothing\n"
             "written).");
    int rc = CLI_EXIT_OK;
    if (!cli_parse(ctx, "merge", &argc, &argv, &rc)) {
        g_free(out);
        return rc;
    }
    if (argc < 2) {
        g_free(out);
        return cli_usage_error(ctx, "merge", "the partial folders are needed (appsim run --shard K/N writes them)");
    }
    g_option_context_free(ctx);
    if (out) {
        size_t n = strlen(out);
        while (n > 1 && out[n - 1] == G_DIR_SEPARATOR)
            out[--n] = 0;
    }
    rc = merge(argv + 1, (guint)argc - 1, out);
    g_free(out);
    return rc;
}

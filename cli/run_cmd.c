/*
 * run_cmd: appsim run, check, list and plot.
 *
 *   appsim run FILE [-o DIR] [--seed N] [--set PATH=VALUE]... [-j N] [--pcap] [--timeline] [--quiet]
 *   appsim check FILE [--set PATH=VALUE]...
 *   appsim list
 *   appsim plot DIR
 *
 * Results go to DIR (default results/<scenario name>/): summary.json,
 * requests.csv, links.csv, the plot of a sweep (<metric>.png/.svg with its
 * .gp and .dat), timeline.png with --timeline, pcap/ with --pcap. They are
 * written into a temporary folder beside DIR which then replaces DIR, so a
 * failed run never leaves DIR half-written. Runs of a sweep go on -j
 * threads and give the same results as -j 1.
 *
 * Exit status: 0 success, 1 a failure while running, 2 bad input or usage.
 */
#include "run_cmd.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli_opts.h"
#include "plot.h"
#include "runner.h"
#include "scenario.h"
#include "units.h"

#ifndef APPSIM_VERSION
#define APPSIM_VERSION "0.0.0"
#endif

enum { EXIT_OK = CLI_EXIT_OK, EXIT_RUN = CLI_EXIT_RUN, EXIT_USAGE = CLI_EXIT_USAGE };


/* ---- running a plan -------------------------------------------------------- */

typedef struct {
    const scenario *sc;
    run_options opt;
    char *pcap_root;
    run_result **results;
    GError **errors;
    GMutex lock;
    guint transcript_run;
    guint done, total;
    double simulated; /* simulated seconds of the runs done */
    bool progress;
    int64_t started;
} plan;

static void progress_draw(plan *p)
{
    if (!p->progress)
        return;
    int width = 30, filled = (int)(width * p->done / MAX(p->total, 1u));
    double wall = (double)(g_get_monotonic_time() - p->started) / 1e6;
    fprintf(stderr, "\r[%.*s%*s] %u/%u runs, %.1f simulated s, %.1f s wall (%.1f runs/s) ", filled,
            "##############################", width - filled, "", p->done, p->total, p->simulated, wall,
            wall > 0 ? p->done / wall : 0.0);
    if (p->done == p->total)
        fprintf(stderr, "\n");
    fflush(stderr);
}

static void run_one(gpointer data, gpointer user)
{
    plan *p = user;
    guint k = GPOINTER_TO_UINT(data) - 1;
    GError *err = NULL;
    run_result *res = NULL;
    scn_run *r = scenario_run(p->sc, k, &err);
    char *pcap_dir = NULL;
    if (r && p->pcap_root) {
        pcap_dir = p->total == 1 ? g_strdup(p->pcap_root)
                                 : g_strdup_printf("%s/run-%04u", p->pcap_root, k);
        g_mkdir_with_parents(pcap_dir, 0755);
    }
    if (r) {
        run_options opt = p->opt;
        opt.pcap_dir = pcap_dir;
        opt.timeline = p->opt.timeline && k == 0;
        opt.transcript = k == p->transcript_run;
        res = runner_run(r, k, &opt, &err);
        scn_run_free(r);
    }
    g_free(pcap_dir);
    g_mutex_lock(&p->lock);
    p->results[k] = res;
    p->errors[k] = err;
    p->done++;
    if (res)
        p->simulated += sim_time_to_s(res->end);
    progress_draw(p);
    g_mutex_unlock(&p->lock);
}

/* ---- output ------------------------------------------------------------------- */

/* A number for the x axis of a swept value, and the axis' unit. */
static bool axis_number(const char *label, double *x, const char **unit)
{
    sim_time_t t;
    uint64_t u;
    char *end;
    double v = g_ascii_strtod(label, &end);
    if (end != label && *end == 0) {
        *x = v;
        *unit = "";
        return true;
    }
    if (units_time(label, &t)) {
        *x = sim_time_to_ms(t);
        *unit = "ms";
        return true;
    }
    if (units_rate(label, &u)) {
        *x = (double)u / 1e6;
        *unit = "Mbps";
        return true;
    }
    if (units_size(label, &u)) {
        *x = (double)u / 1e3;
        *unit = "kB";
        return true;
    }
    return false;
}

static double metric_of(const run_result *r, const char *metric)
{
    if (!strcmp(metric, "response_time"))
        return r->has_workload ? r->cw.mean_s : NAN;
    if (!strcmp(metric, "hit_rate"))
        return r->has_workload ? r->cw.hit_rate : NAN;
    if (!strcmp(metric, "link_utilisation")) {
        double m = 0;
        for (guint i = 0; i < r->links->len; i++)
            m = MAX(m, g_array_index(r->links, link_row, i).utilisation);
        return m;
    }
    return r->page_load_mean_s;
}

static void json_num(cJSON *o, const char *k, double v)
{
    if (isfinite(v))
        cJSON_AddNumberToObject(o, k, v);
    else
        cJSON_AddNullToObject(o, k);
}

static bool write_text(const char *dir, const char *name, const char *text, GError **err)
{
    char *path = g_build_filename(dir, name, NULL);
    bool ok = g_file_set_contents(path, text, -1, err);
    g_free(path);
    return ok;
}

static bool write_summary(const scenario *sc, plan *p, const char *metric, const char *dir, GError **err)
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
    guint nax = scenario_axes(sc);
    const scn_axis *cmp = scenario_compare(sc);
    guint coords[64];
    for (guint k = 0; k < p->total; k++) {
        const run_result *r = p->results[k];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "index", k);
        cJSON_AddNumberToObject(o, "seed", (double)r->seed);
        cJSON *params = cJSON_AddObjectToObject(o, "params");
        scenario_run_coords(sc, k, coords);
        for (guint i = 0; i < nax && i < 63; i++) {
            const scn_axis *a = scenario_axis(sc, i);
            cJSON_AddStringToObject(params, a->path, g_ptr_array_index(a->labels, coords[i]));
        }
        if (cmp)
            cJSON_AddStringToObject(params, cmp->path, g_ptr_array_index(cmp->labels, coords[MIN(nax, 63u)]));
        cJSON *m = cJSON_AddObjectToObject(o, "metrics");
        json_num(m, "page_load_time_mean_s", r->page_load_mean_s);
        json_num(m, "page_load_time_max_s", r->page_load_max_s);
        json_num(m, "formula_s", r->formula_s);
        json_num(m, "rtt_s", r->rtt_s);
        cJSON_AddNumberToObject(m, "pages", r->pages);
        cJSON_AddNumberToObject(m, "objects", r->objects);
        cJSON_AddNumberToObject(m, "failures", r->failures);
        cJSON_AddNumberToObject(m, "simulated_s", sim_time_to_s(r->end));
        cJSON_AddNumberToObject(m, "events", (double)r->events);
        if (r->has_workload) {
            cJSON *c = cJSON_AddObjectToObject(m, "cache_workload");
            cJSON_AddNumberToObject(c, "issued", (double)r->cw.issued);
            cJSON_AddNumberToObject(c, "answered", (double)r->cw.answered);
            cJSON_AddNumberToObject(c, "counted", (double)r->cw.counted);
            json_num(c, "response_time_mean_s", r->cw.mean_s);
            json_num(c, "response_time_p50_s", r->cw.p50_s);
            json_num(c, "response_time_p95_s", r->cw.p95_s);
            json_num(c, "response_time_p99_s", r->cw.p99_s);
            json_num(c, "hit_response_time_mean_s", r->cw.hit_mean_s);
            json_num(c, "miss_response_time_mean_s", r->cw.miss_mean_s);
            json_num(c, "hit_response_time_p50_s", r->cw.hit_p50_s);
            json_num(c, "hit_response_time_p95_s", r->cw.hit_p95_s);
            json_num(c, "hit_response_time_p99_s", r->cw.hit_p99_s);
            json_num(c, "miss_response_time_p50_s", r->cw.miss_p50_s);
            json_num(c, "miss_response_time_p95_s", r->cw.miss_p95_s);
            json_num(c, "miss_response_time_p99_s", r->cw.miss_p99_s);
            json_num(c, "hit_rate", r->cw.hit_rate);
            json_num(c, "access_down_utilisation", r->cw.access_down_util);
            json_num(c, "access_up_utilisation", r->cw.access_up_util);
            json_num(c, "offered_load", r->cw.offered_load);
            cJSON_AddBoolToObject(c, "unstable", r->cw.unstable);
            json_num(c, "access_queue_growth_pps", r->cw.queue_growth_pps);
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
        cJSON_AddStringToObject(o, "fingerprint", r->fingerprint);
        cJSON_AddItemToArray(runs, o);
    }
    char *text = cJSON_Print(root);
    GString *s = g_string_new(text);
    g_string_append_c(s, '\n');
    bool ok = write_text(dir, "summary.json", s->str, err);
    g_string_free(s, TRUE);
    cJSON_free(text);
    cJSON_Delete(root);
    return ok;
}

static bool write_csvs(plan *p, const char *dir, GError **err)
{
    GString *req = g_string_new("run,client,url,connection,connect_start_s,request_sent_s,first_byte_s,"
                                "last_byte_s,status,bytes,cache\n");
    GString *lk = g_string_new("run,link,from,to,bytes,packets,utilisation,drops,mean_queue_pkts,"
                               "max_queue_pkts,mean_queueing_delay_s\n");
    for (guint k = 0; k < p->total; k++) {
        const run_result *r = p->results[k];
        g_string_append(req, r->requests_csv->str);
        for (guint i = 0; i < r->links->len; i++) {
            const link_row *l = &g_array_index(r->links, link_row, i);
            g_string_append_printf(lk, "%u,%s,%s,%s,%" G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT ",%.6f,%" G_GUINT64_FORMAT ",%.6f,%u,%.9f\n",
                                   k, l->link, l->from, l->to, l->bytes, l->packets, l->utilisation,
                                   l->drops, l->mean_queue, l->max_queue, l->mean_wait_s);
        }
    }
    bool ok = write_text(dir, "requests.csv", req->str, err) && write_text(dir, "links.csv", lk->str, err);
    g_string_free(req, TRUE);
    g_string_free(lk, TRUE);
    return ok;
}

/* The table on stdout, and the plot of a sweep. */
static bool report(const scenario *sc, plan *p, const char *metric, const char *title, const char *dir,
                   bool *plotted, GError **err)
{
    guint nax = scenario_axes(sc);
    const scn_axis *cmp = scenario_compare(sc);
    const char *mname = !strcmp(metric, "link_utilisation") ? "busiest link utilisation"
                        : !strcmp(metric, "response_time") ? "mean response time (s)"
                        : !strcmp(metric, "hit_rate")      ? "hit rate"
                                                           : "page load time (s)";
    bool is_time = strcmp(metric, "link_utilisation") && strcmp(metric, "hit_rate");
    printf("%s%s%s\n", scenario_name(sc), *scenario_description(sc) ? ": " : "", scenario_description(sc));
    *plotted = false;
    if (nax == 0 && !cmp) {
        const run_result *r = p->results[0];
        if (r->has_workload) {
            const cw_result *c = &r->cw;
            printf("  response time: mean %.3f s, median %.3f s, 95%% %.3f s, 99%% %.3f s", c->mean_s, c->p50_s,
                   c->p95_s, c->p99_s);
            if (isfinite(r->formula_s))
                printf("   (formula: %.3f s)", r->formula_s);
            printf("\n  hits %.3f s, misses %.3f s; hit rate %.3f; access link utilisation %.3f "
                   "(down), %.3f (up)%s\n",
                   c->hit_mean_s, c->miss_mean_s, c->hit_rate, c->access_down_util, c->access_up_util,
                   c->unstable ? "; UNSTABLE: the access queue only grows" : "");
            return true;
        }
        printf("  %s: %.4f", mname, metric_of(r, metric));
        if (isfinite(r->formula_s))
            printf("   (textbook: %.4f)", r->formula_s);
        printf("\n  pages %u, objects %u, failures %u, RTT %.1f ms, simulated %.3f s\n", r->pages,
               r->objects, r->failures, r->rtt_s * 1e3, sim_time_to_s(r->end));
        return true;
    }
    const scn_axis *x = nax ? scenario_axis(sc, 0) : cmp;
    if (x->cases && nax == 1 && !cmp) {
        /* cases side by side: what each case measured, beside its note */
        for (guint i = 0; i < x->values->len; i++) {
            const run_result *r = p->results[i];
            printf("\n  %s\n", (const char *)g_ptr_array_index(x->labels, i));
            if (r->has_workload) {
                const cw_result *c = &r->cw;
                printf("    access link utilisation %.3f, hit rate %.2f, response time mean %.3f s "
                       "(median %.3f, 95%% %.3f)",
                       c->access_down_util, c->hit_rate, c->mean_s, c->p50_s, c->p95_s);
                if (isfinite(r->formula_s))
                    printf(", formula %.3f s", r->formula_s);
                printf("\n");
                if (c->unstable)
                    printf("    unstable: offered load %.3f, the access queue grew by %.1f packets/s\n",
                           c->offered_load, c->queue_growth_pps);
            } else {
                printf("    %s: %.4f\n", mname, metric_of(r, metric));
            }
            const char *note = g_ptr_array_index(x->notes, i);
            if (*note)
                printf("    the slides: %s\n", note);
        }
        return true;
    }
    guint nx = x->values->len, nc = (nax && cmp) ? cmp->values->len : 1;
    guint inner = 1; /* runs per value of axis 0 (other axes) */
    for (guint i = 1; i < nax; i++)
        inner *= scenario_axis(sc, i)->values->len;
    /* table */
    printf("  %s by %s%s%s\n\n", mname, x->path, nc > 1 ? " and " : "", nc > 1 ? cmp->path : "");
    int w = (int)MAX(strlen(x->path), 14u);
    printf("  %-*s", w, x->path);
    for (guint c = 0; c < nc; c++)
        printf(" %22s", nc > 1 ? (const char *)g_ptr_array_index(cmp->labels, c) : "simulated");
    printf("\n");
    bool any_formula = false;
    for (guint k = 0; k < p->total; k++)
        any_formula |= isfinite(p->results[k]->formula_s);
    for (guint xi = 0; xi < nx; xi++) {
        printf("  %-*s", w, (const char *)g_ptr_array_index(x->labels, xi));
        for (guint c = 0; c < nc; c++) {
            guint k = nax ? (c * nx + xi) * inner : xi;
            const run_result *r = p->results[k];
            if (any_formula && isfinite(r->formula_s))
                printf(" %10.4f (tb %7.4f)", metric_of(r, metric), r->formula_s);
            else
                printf(" %22.4f", metric_of(r, metric));
        }
        printf("\n");
    }
    if (any_formula)
        printf("\n  (tb: the textbook's formula)\n");
    /* plot */
    double *xs = g_new(double, nx);
    const char *unit = "";
    bool numeric = true;
    for (guint xi = 0; xi < nx; xi++)
        numeric &= axis_number(g_ptr_array_index(x->labels, xi), &xs[xi], &unit);
    if (!numeric)
        for (guint xi = 0; xi < nx; xi++)
            xs[xi] = xi + 1;
    GArray *series = g_array_new(FALSE, TRUE, sizeof(plot_series));
    GPtrArray *owned = g_ptr_array_new_with_free_func(g_free);
    for (guint c = 0; c < nc; c++) {
        double *ys = g_new(double, nx), *fs = g_new(double, nx);
        bool has_f = false;
        for (guint xi = 0; xi < nx; xi++) {
            guint k = nax ? (c * nx + xi) * inner : xi;
            ys[xi] = metric_of(p->results[k], metric);
            fs[xi] = p->results[k]->formula_s;
            has_f |= isfinite(fs[xi]) && is_time;
        }
        g_ptr_array_add(owned, ys);
        g_ptr_array_add(owned, fs);
        char *name = g_strdup(nc > 1 ? (const char *)g_ptr_array_index(cmp->labels, c) : "simulated");
        g_ptr_array_add(owned, name);
        plot_series s = {name, xs, ys, nx, false};
        g_array_append_val(series, s);
        if (has_f) {
            char *fname = g_strdup_printf("%s (textbook)", name);
            g_ptr_array_add(owned, fname);
            plot_series f = {fname, xs, fs, nx, true};
            g_array_append_val(series, f);
        }
    }
    char *xlabel = *unit ? g_strdup_printf("%s (%s)", x->path, unit) : g_strdup(x->path);
    plot_spec spec = {.name = metric, .title = title ? title : scenario_name(sc), .xlabel = xlabel,
                      .ylabel = mname, .series = (const plot_series *)(void *)series->data,
                      .nseries = series->len};
    bool ok = plot_write(&spec, dir, plotted, err);
    g_free(xlabel);
    g_array_free(series, TRUE);
    g_ptr_array_free(owned, TRUE);
    g_free(xs);
    return ok;
}

static bool write_timeline(const scenario *sc, const run_result *r, const char *dir, bool *drawn, GError **err)
{
    *drawn = false;
    if (!r->arrows || r->arrows->len == 0)
        return true;
    const char *cols[2] = {r->columns[0], r->columns[1]};
    /* mark the first round trip: the SYN out and the SYN-ACK back */
    timeline_mark marks[1];
    size_t nmarks = 0;
    const timeline_arrow *a = (const timeline_arrow *)(void *)r->arrows->data;
    if (r->arrows->len >= 2) {
        marks[0] = (timeline_mark){a[0].t_send, a[1].t_recv, 0};
        nmarks = 1;
    }
    char *title = g_strdup_printf("%s: one page load, packet by packet", scenario_name(sc));
    timeline_spec t = {.name = "timeline", .title = title, .columns = cols, .ncolumns = 2,
                       .arrows = a, .narrows = r->arrows->len, .marks = marks, .nmarks = nmarks};
    bool ok = timeline_write(&t, dir, drawn, err);
    g_free(title);
    return ok;
}

static void remove_tree(const char *path)
{
    GDir *d = g_dir_open(path, 0, NULL);
    if (d) {
        const char *name;
        while ((name = g_dir_read_name(d))) {
            char *p = g_build_filename(path, name, NULL);
            if (g_file_test(p, G_FILE_TEST_IS_DIR) && !g_file_test(p, G_FILE_TEST_IS_SYMLINK))
                remove_tree(p);
            else
                g_unlink(p);
            g_free(p);
        }
        g_dir_close(d);
    }
    g_rmdir(path);
}

int cmd_run(int argc, char **argv)
{
    char *out = NULL;
    gint64 seed = -1;
    gchar **sets = NULL;
    gint jobs = 0;
    gboolean pcap = FALSE, timeline = FALSE, quiet = FALSE;
    gint transcript_run = 0;
    GOptionEntry entries[] = {
        {"output", 'o', 0, G_OPTION_ARG_FILENAME, &out, "Results folder (default results/<name>)", "DIR"},
        {"seed", 's', 0, G_OPTION_ARG_INT64, &seed, "Override the scenario's seed", "N"},
        {"set", 0, 0, G_OPTION_ARG_STRING_ARRAY, &sets, "Set a value, e.g. links.access.delay=50ms", "PATH=VALUE"},
        {"jobs", 'j', 0, G_OPTION_ARG_INT, &jobs, "Runs at once (default: the number of cores)", "N"},
        {"pcap", 0, 0, G_OPTION_ARG_NONE, &pcap, "Write packet traces (pcap) per link", NULL},
        {"timeline", 0, 0, G_OPTION_ARG_NONE, &timeline, "Draw the time-space diagram of one page load", NULL},
        {"transcript-run", 0, 0, G_OPTION_ARG_INT, &transcript_run, "The run whose dialogue goes to transcript.txt (default 0)", "K"},
        {"quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "No progress bar", NULL},
        {NULL, 0, 0, 0, NULL, NULL, NULL}};
    GOptionContext *ctx = g_option_context_new("FILE - run a scenario and write its results");
    g_option_context_add_main_entries(ctx, entries, NULL);
    GError *err = NULL;
    int prc;
    if (!cli_parse(ctx, "run", &argc, &argv, &prc))
        return prc;
    if (argc != 2)
        return cli_usage_error(ctx, "run", argc < 2 ? "a scenario FILE is needed" : "only one FILE");
    if (jobs < 0)
        return cli_usage_error(ctx, "run", "-j must be at least 1");
    g_option_context_free(ctx);

    int rc = EXIT_OK;
    scenario *sc = scenario_load(argv[1], (const char *const *)sets, &err);
    plan p = {0};
    char *dir = NULL, *tmp = NULL;
    if (!sc) {
        fprintf(stderr, "%s\n", err->message);
        g_error_free(err);
        rc = EXIT_USAGE;
        goto done;
    }
    if (seed >= 0)
        scenario_set_seed(sc, (uint64_t)seed);
    dir = out ? g_strdup(out) : g_build_filename("results", scenario_name(sc), NULL);
    tmp = g_strdup_printf("%s.tmp-%d", dir, (int)getpid());
    char *parent = g_path_get_dirname(dir);
    g_mkdir_with_parents(parent, 0755);
    g_free(parent);
    remove_tree(tmp);
    if (g_mkdir(tmp, 0755) != 0) {
        fprintf(stderr, "appsim run: cannot create %s: %s\n", tmp, g_strerror(errno));
        rc = EXIT_RUN;
        goto done;
    }

    p.sc = sc;
    p.total = scenario_run_count(sc);
    p.results = g_new0(run_result *, p.total);
    p.errors = g_new0(GError *, p.total);
    p.opt.timeline = timeline;
    p.transcript_run = (guint)MAX(transcript_run, 0);
    if (p.transcript_run >= p.total) {
        fprintf(stderr, "appsim run: --transcript-run %d: the plan has runs 0 to %u\n", transcript_run, p.total - 1);
        rc = EXIT_USAGE;
        goto done;
    }
    p.pcap_root = pcap ? g_build_filename(tmp, "pcap", NULL) : NULL;
    p.progress = !quiet && isatty(STDERR_FILENO) && p.total > 1;
    p.started = g_get_monotonic_time();
    g_mutex_init(&p.lock);
    guint threads = jobs > 0 ? (guint)jobs : g_get_num_processors();
    if (threads <= 1 || p.total == 1) {
        for (guint k = 0; k < p.total; k++)
            run_one(GUINT_TO_POINTER(k + 1), &p);
    } else {
        GThreadPool *pool = g_thread_pool_new(run_one, &p, (gint)MIN(threads, p.total), TRUE, NULL);
        for (guint k = 0; k < p.total; k++)
            g_thread_pool_push(pool, GUINT_TO_POINTER(k + 1), NULL);
        g_thread_pool_free(pool, FALSE, TRUE);
    }
    for (guint k = 0; k < p.total; k++) {
        if (p.errors[k]) {
            fprintf(stderr, "appsim run: run %u failed: %s\n", k, p.errors[k]->message);
            rc = EXIT_RUN;
            break;
        }
    }
    if (rc == EXIT_OK) {
        scn_run *r0 = scenario_run(sc, 0, NULL);
        const char *metric = r0 ? r0->out.metric : "page_load_time";
        const char *title = r0 ? r0->out.title : NULL;
        bool want_timeline = timeline || (r0 && r0->out.timeline);
        bool plotted = false, drawn = false;
        if (!timeline && want_timeline) {
            /* asked for in the file: collect it with a repeat of run 0 */
            scn_run *again = scenario_run(sc, 0, NULL);
            run_options o = {.timeline = true};
            run_result *rr = again ? runner_run(again, 0, &o, NULL) : NULL;
            if (rr && !write_timeline(sc, rr, tmp, &drawn, &err))
                rc = EXIT_RUN;
            run_result_free(rr);
            scn_run_free(again);
        } else if (want_timeline && !write_timeline(sc, p.results[0], tmp, &drawn, &err)) {
            rc = EXIT_RUN;
        }
        const run_result *tr = p.results[p.transcript_run];
        if (rc == EXIT_OK && tr->transcript && !write_text(tmp, "transcript.txt", tr->transcript, &err))
            rc = EXIT_RUN;
        if (rc == EXIT_OK && (!write_summary(sc, &p, metric, tmp, &err) || !write_csvs(&p, tmp, &err) ||
                              !report(sc, &p, metric, title, tmp, &plotted, &err)))
            rc = EXIT_RUN;
        if (rc == EXIT_OK) {
            /* Swap the finished folder into place. */
            char *old = g_strdup_printf("%s.old-%d", dir, (int)getpid());
            bool had = g_file_test(dir, G_FILE_TEST_EXISTS);
            if ((had && g_rename(dir, old) != 0) || g_rename(tmp, dir) != 0) {
                fprintf(stderr, "appsim run: cannot move the results into %s: %s\n", dir, g_strerror(errno));
                if (had)
                    g_rename(old, dir);
                rc = EXIT_RUN;
            } else if (had) {
                remove_tree(old);
            }
            g_free(old);
        }
        if (rc == EXIT_OK) {
            printf("\nresults: %s/ (summary.json, requests.csv, links.csv, transcript.txt", dir);
            if (plotted || drawn)
                printf(", %s%s%s", plotted ? metric : "", plotted && drawn ? ".png, " : plotted ? ".png" : "",
                       drawn ? "timeline.png" : "");
            printf(")\n");
            if (!plot_have_gnuplot() && (scenario_axes(sc) || scenario_compare(sc) || want_timeline))
                printf("no plots drawn: gnuplot is not installed (sudo apt-get install gnuplot-nox, or make run "
                       "does it); then: appsim plot %s\n", dir);
        } else if (err) {
            fprintf(stderr, "appsim run: %s\n", err->message);
        }
        g_clear_error(&err);
        scn_run_free(r0);
    }
done:
    if (tmp && rc != EXIT_OK)
        remove_tree(tmp);
    for (guint k = 0; k < p.total; k++) {
        run_result_free(p.results ? p.results[k] : NULL);
        if (p.errors && p.errors[k])
            g_error_free(p.errors[k]);
    }
    g_free(p.results);
    g_free(p.errors);
    g_free(p.pcap_root);
    if (p.total)
        g_mutex_clear(&p.lock);
    scenario_free(sc);
    g_free(dir);
    g_free(tmp);
    g_free(out);
    g_strfreev(sets);
    return rc;
}

int cmd_check(int argc, char **argv)
{
    gchar **sets = NULL;
    GOptionEntry entries[] = {
        {"set", 0, 0, G_OPTION_ARG_STRING_ARRAY, &sets, "Set a value first", "PATH=VALUE"},
        {NULL, 0, 0, 0, NULL, NULL, NULL}};
    GOptionContext *ctx = g_option_context_new("FILE - check a scenario without running it");
    g_option_context_add_main_entries(ctx, entries, NULL);
    GError *err = NULL;
    int prc;
    if (!cli_parse(ctx, "check", &argc, &argv, &prc))
        return prc;
    if (argc != 2)
        return cli_usage_error(ctx, "check", "a scenario FILE is needed");
    g_option_context_free(ctx);
    scenario *sc = scenario_load(argv[1], (const char *const *)sets, &err);
    g_strfreev(sets);
    if (!sc) {
        fprintf(stderr, "%s\n", err->message);
        g_error_free(err);
        return EXIT_USAGE;
    }
    printf("%s: ok (%u run%s)\n", argv[1], scenario_run_count(sc), scenario_run_count(sc) == 1 ? "" : "s");
    scenario_free(sc);
    return EXIT_OK;
}

static gint compare_names(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int cmd_list(int argc, char **argv)
{
    (void)argv;
    if (argc > 1)
        return cli_usage_error(NULL, "list", "no arguments expected");
    const char *dir = g_getenv("APPSIM_SCENARIOS");
    if (!dir)
        dir = g_file_test("scenarios", G_FILE_TEST_IS_DIR) ? "scenarios" : APPSIM_SCENARIO_DIR;
    GDir *d = g_dir_open(dir, 0, NULL);
    if (!d) {
        fprintf(stderr, "appsim list: no scenarios folder at %s (set APPSIM_SCENARIOS)\n", dir);
        return EXIT_RUN;
    }
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    const char *n;
    while ((n = g_dir_read_name(d)))
        if (g_str_has_suffix(n, ".json"))
            g_ptr_array_add(names, g_strdup(n));
    g_dir_close(d);
    g_ptr_array_sort(names, compare_names);
    int rc = EXIT_OK;
    for (guint i = 0; i < names->len; i++) {
        char *file = g_build_filename(dir, (const char *)g_ptr_array_index(names, i), NULL);
        GError *err = NULL;
        scenario *sc = scenario_load(file, NULL, &err);
        if (sc)
            printf("%-28s %s\n", (const char *)g_ptr_array_index(names, i), scenario_description(sc));
        else {
            printf("%-28s (does not load: %s)\n", (const char *)g_ptr_array_index(names, i), err->message);
            g_error_free(err);
            rc = EXIT_RUN;
        }
        scenario_free(sc);
        g_free(file);
    }
    g_ptr_array_free(names, TRUE);
    return rc;
}

int cmd_plot(int argc, char **argv)
{
    if (argc != 2)
        return cli_usage_error(NULL, "plot", "usage: appsim plot DIR (a results folder)");
    GError *err = NULL;
    int n = plot_redraw_dir(argv[1], &err);
    if (n < 0) {
        fprintf(stderr, "appsim plot: %s\n", err->message);
        g_error_free(err);
        return EXIT_RUN;
    }
    printf("%d figure%s drawn in %s\n", n, n == 1 ? "" : "s", argv[1]);
    return EXIT_OK;
}

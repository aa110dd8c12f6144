/*
 * world/shard: a run_result written into a key file, saved as text,
 * loaded and read back is the same result — strings with any byte but NUL
 * (spaces at either end, newlines, '=', '#', '[', bytes that are not
 * UTF-8), every double to the bit (NaN, infinities, -0, the smallest
 * subnormal), the absent fields absent; and a damaged value is an error
 * that names the run and the key.
 */
#include <glib.h>
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "test_util.h"
#include "world/shard.h"

static const char odd[] = "  lead and trail  \n[group]\n#not a comment\nkey=value\t\\ \xff\xfe end ";

static bool same_bits(double a, double b) { return memcmp(&a, &b, sizeof a) == 0 || (isnan(a) && isnan(b)); }

static run_result *sample(void)
{
    run_result *r = g_new0(run_result, 1);
    r->index = 3;
    r->seed = G_MAXUINT64;
    r->end = -5;
    r->events = 123456789012345ull;
    r->formula_s = NAN;
    r->rtt_s = 4.9406564584124654e-324;
    r->bottleneck_bps = -0.0;
    r->formulas = g_array_new(FALSE, TRUE, sizeof(run_formula));
    r->formula_text = g_string_chunk_new(64);
    run_formula f = {g_string_chunk_insert(r->formula_text, "dns-lookup+http-page"), "page_load_time", 0.1};
    g_array_append_val(r->formulas, f);
    r->metrics = g_array_new(FALSE, TRUE, sizeof(run_metric));
    run_metric m[] = {{g_strdup("a.b"), RUN_METRIC_COUNT, INFINITY}, {g_strdup(odd), RUN_METRIC_FLAG, 1.0 / 3}};
    g_array_append_vals(r->metrics, m, 2);
    r->csvs = g_ptr_array_new_with_free_func(run_csv_free);
    run_csv *c = g_new0(run_csv, 1);
    c->file = "requests.csv";
    c->owned_header = g_strdup("host,time_s,x");
    c->header = c->owned_header;
    c->rows = g_string_new(odd);
    g_ptr_array_add(r->csvs, c);
    r->links = g_array_new(FALSE, TRUE, sizeof(link_row));
    link_row l = {g_strdup("access"), g_strdup("client"), g_strdup("server"), 1, 2, 3, 0.5, -INFINITY, 1e300, 7};
    g_array_append_val(r->links, l);
    r->fingerprint = g_strdup("00ff");
    r->transcript = g_strdup(odd);
    return r;
}

static void test_round_trip(void)
{
    run_result *r = sample();
    GKeyFile *kf = g_key_file_new();
    shard_run_put(kf, r);
    gsize len;
    char *text = g_key_file_to_data(kf, &len, NULL);
    g_key_file_free(kf);
    kf = g_key_file_new();
    CU_ASSERT_TRUE_FATAL(g_key_file_load_from_data(kf, text, len, G_KEY_FILE_NONE, NULL));
    GError *err = NULL;
    run_result *b = shard_run_get(kf, 3, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_EQUAL(b->index, 3);
    CU_ASSERT_EQUAL(b->seed, G_MAXUINT64);
    CU_ASSERT_EQUAL(b->end, -5);
    CU_ASSERT_EQUAL(b->events, r->events);
    CU_ASSERT_TRUE(same_bits(b->formula_s, r->formula_s));
    CU_ASSERT_TRUE(same_bits(b->rtt_s, r->rtt_s));
    CU_ASSERT_TRUE(same_bits(b->bottleneck_bps, -0.0));
    CU_ASSERT_EQUAL_FATAL(b->formulas->len, 1);
    run_formula *f = &g_array_index(b->formulas, run_formula, 0);
    CU_ASSERT_STRING_EQUAL(f->expr, "dns-lookup+http-page");
    CU_ASSERT_STRING_EQUAL(f->predicts, "page_load_time");
    CU_ASSERT_TRUE(same_bits(f->value, 0.1));
    CU_ASSERT_EQUAL_FATAL(b->metrics->len, 2);
    run_metric *m = &g_array_index(b->metrics, run_metric, 1);
    CU_ASSERT_STRING_EQUAL(m->key, odd);
    CU_ASSERT_EQUAL(m->kind, RUN_METRIC_FLAG);
    CU_ASSERT_TRUE(same_bits(m->value, 1.0 / 3));
    CU_ASSERT_TRUE(same_bits(g_array_index(b->metrics, run_metric, 0).value, INFINITY));
    CU_ASSERT_EQUAL_FATAL(b->csvs->len, 1);
    run_csv *c = g_ptr_array_index(b->csvs, 0);
    CU_ASSERT_STRING_EQUAL(c->file, "requests.csv");
    CU_ASSERT_PTR_EQUAL(c->header, c->owned_header);
    CU_ASSERT_STRING_EQUAL(c->header, "host,time_s,x");
    CU_ASSERT_STRING_EQUAL(c->rows->str, odd);
    CU_ASSERT_EQUAL_FATAL(b->links->len, 1);
    link_row *l = &g_array_index(b->links, link_row, 0);
    CU_ASSERT_STRING_EQUAL(l->to, "server");
    CU_ASSERT_EQUAL(l->drops, 3);
    CU_ASSERT_EQUAL(l->max_queue, 7);
    CU_ASSERT_TRUE(same_bits(l->mean_queue, -INFINITY));
    CU_ASSERT_TRUE(same_bits(l->mean_wait_s, 1e300));
    CU_ASSERT_STRING_EQUAL(b->fingerprint, "00ff");
    CU_ASSERT_STRING_EQUAL(b->transcript, odd);
    CU_ASSERT_PTR_NULL(b->failed);
    CU_ASSERT_PTR_NULL(b->arrows);
    CU_ASSERT_PTR_NULL(b->columns);
    CU_ASSERT_PTR_NULL(b->timeline_title);
    /* another run is not there */
    run_result *none = shard_run_get(kf, 4, &err);
    CU_ASSERT_PTR_NULL(none);
    CU_ASSERT_PTR_NOT_NULL(err && strstr(err->message, "run 4 is missing ([run 0004])"));
    g_clear_error(&err);
    /* a damaged value */
    g_key_file_set_value(kf, "run 0003", "link.0.bytes", "-1");
    CU_ASSERT_PTR_NULL(shard_run_get(kf, 3, &err));
    CU_ASSERT_PTR_NOT_NULL(err && strstr(err->message, "[run 0003] link.0.bytes: not a whole number in range"));
    g_clear_error(&err);
    g_key_file_free(kf);
    g_free(text);
    run_result_free(r);
    run_result_free(b);
}

int main(void)
{
    static const test_case tests[] = {TEST(test_round_trip)};
    return test_main("world/shard", tests, G_N_ELEMENTS(tests));
}

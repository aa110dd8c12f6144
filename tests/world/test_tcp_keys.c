/*
 * Tests of the scenario's tcp block beyond the common keys: "cc": "cubic",
 * the "linux" preset, and explicit keys beside the preset overriding it.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "cli/registry.h"
#include "test_util.h"
#include "world/scenario.h"

static char *tmp_root;

/* Loads a scenario with this tcp block and returns its run's parameters;
 * false with *msg (a new string) when it does not load. */
static bool load_tcp(const char *tcp_block, tcp_params_t *out, char **msg)
{
    char *text = g_strdup_printf(
        "{\"name\": \"tcp-keys\", \"tcp\": %s, \"nodes\": [{\"name\": \"client\"}, {\"name\": \"server\"}],"
        " \"links\": [{\"name\": \"access\", \"from\": \"client\", \"to\": \"server\", \"rate\": \"10Mbps\","
        " \"delay\": \"50ms\"}],"
        " \"apps\": [{\"name\": \"web\", \"type\": \"http-server\", \"host\": \"server\","
        " \"pages\": [{\"path\": \"/index.html\", \"objects\": 3}]},"
        " {\"name\": \"browser\", \"type\": \"browser\", \"host\": \"client\","
        " \"pages\": [\"http://server/index.html\"]}]}",
        tcp_block);
    char *file = g_build_filename(tmp_root, "s.json", NULL);
    g_file_set_contents(file, text, -1, NULL);
    GError *err = NULL;
    scenario *sc = scenario_load(file, NULL, appsim_registry(), &err);
    scn_run *r = sc ? scenario_run(sc, 0, &err) : NULL;
    *msg = err ? g_strdup(err->message) : NULL;
    g_clear_error(&err);
    if (r)
        *out = r->tcp;
    bool ok = r != NULL;
    if (r)
        scn_run_free(r);
    if (sc)
        scenario_free(sc);
    g_free(file);
    g_free(text);
    return ok;
}

static void test_cc_cubic(void)
{
    tcp_params_t p;
    char *msg = NULL;
    CU_ASSERT_TRUE_FATAL(load_tcp("{\"cc\": \"cubic\"}", &p, &msg));
    CU_ASSERT_EQUAL(p.cc, TCP_CC_CUBIC);
    CU_ASSERT_FALSE(p.delayed_ack); /* nothing else changes */
    CU_ASSERT_FALSE(load_tcp("{\"cc\": \"bbr\"}", &p, &msg));
    CU_ASSERT_PTR_NOT_NULL(msg && strstr(msg, "$.tcp.cc: found \"bbr\", expected"));
    g_free(msg);
}

/* Without a tcp block, with the preset, and with the preset and keys
 * beside it: the preset's five values, then the keys win. */
static void test_linux_preset(void)
{
    tcp_params_t def, p, want;
    char *msg = NULL;
    CU_ASSERT_TRUE_FATAL(load_tcp("{}", &def, &msg));
    CU_ASSERT_EQUAL(def.cc, TCP_CC_RENO);
    CU_ASSERT_FALSE(def.delayed_ack);

    CU_ASSERT_TRUE_FATAL(load_tcp("{\"preset\": \"linux\"}", &p, &msg));
    want = def;
    want.cc = TCP_CC_CUBIC;
    want.init_cwnd = 10;
    want.rto_min = SIM_MS(200);
    want.delayed_ack = true;
    want.sack = true;
    want.prr = true;
    want.limited_transmit = true;
    want.hystart = true;
    CU_ASSERT_EQUAL(memcmp(&p, &want, sizeof p), 0);

    CU_ASSERT_TRUE_FATAL(load_tcp("{\"preset\": \"linux\", \"cc\": \"newreno\", \"init_cwnd\": 4,"
                                  " \"rto_min\": \"1s\", \"delayed_ack\": false, \"mss\": 536}",
                                  &p, &msg));
    CU_ASSERT_EQUAL(p.cc, TCP_CC_NEWRENO);
    CU_ASSERT_EQUAL(p.init_cwnd, 4);
    CU_ASSERT_EQUAL(p.rto_min, SIM_S(1));
    CU_ASSERT_FALSE(p.delayed_ack);
    CU_ASSERT_EQUAL(p.mss, 536);

    /* Keys written before the preset in the file still override it. */
    CU_ASSERT_TRUE_FATAL(load_tcp("{\"init_cwnd\": 3, \"preset\": \"linux\"}", &p, &msg));
    CU_ASSERT_EQUAL(p.init_cwnd, 3);
    CU_ASSERT_EQUAL(p.cc, TCP_CC_CUBIC);

    CU_ASSERT_FALSE(load_tcp("{\"preset\": \"windows\"}", &p, &msg));
    CU_ASSERT_PTR_NOT_NULL(msg && strstr(msg, "$.tcp.preset: found \"windows\", expected \"linux\""));
    g_free(msg);
    CU_ASSERT_FALSE(load_tcp("{\"preset\": 1}", &p, &msg));
    CU_ASSERT_PTR_NOT_NULL(msg && strstr(msg, "$.tcp.preset"));
    g_free(msg);
}

static void test_sack_key(void)
{
    tcp_params_t p;
    char *msg = NULL;
    CU_ASSERT_TRUE_FATAL(load_tcp("{}", &p, &msg));
    CU_ASSERT_FALSE(p.sack);
    CU_ASSERT_TRUE_FATAL(load_tcp("{\"sack\": true}", &p, &msg));
    CU_ASSERT_TRUE(p.sack);
    CU_ASSERT_TRUE_FATAL(load_tcp("{\"preset\": \"linux\"}", &p, &msg));
    CU_ASSERT_TRUE(p.sack); /* part of the preset */
    CU_ASSERT_TRUE_FATAL(load_tcp("{\"preset\": \"linux\", \"sack\": false}", &p, &msg));
    CU_ASSERT_FALSE(p.sack); /* a key beside the preset overrides it */
    CU_ASSERT_FALSE(load_tcp("{\"sack\": 1}", &p, &msg));
    CU_ASSERT_PTR_NOT_NULL(msg && strstr(msg, "$.tcp.sack: found 1"));
    g_free(msg);
}

/* prr and limited_transmit: off by default, on with the preset, a key
 * beside the preset overrides it, only true or false accepted. */
static void test_prr_limited_transmit_keys(void)
{
    tcp_params_t p;
    char *msg = NULL;
    CU_ASSERT_TRUE_FATAL(load_tcp("{}", &p, &msg));
    CU_ASSERT_FALSE(p.prr);
    CU_ASSERT_FALSE(p.limited_transmit);
    CU_ASSERT_TRUE_FATAL(load_tcp("{\"prr\": true}", &p, &msg));
    CU_ASSERT_TRUE(p.prr);
    CU_ASSERT_FALSE(p.limited_transmit);
    CU_ASSERT_TRUE_FATAL(load_tcp("{\"limited_transmit\": true}", &p, &msg));
    CU_ASSERT_FALSE(p.prr);
    CU_ASSERT_TRUE(p.limited_transmit);
    CU_ASSERT_TRUE_FATAL(load_tcp("{\"preset\": \"linux\"}", &p, &msg));
    CU_ASSERT_TRUE(p.prr && p.limited_transmit); /* part of the preset */
    CU_ASSERT_TRUE_FATAL(load_tcp("{\"preset\": \"linux\", \"prr\": false, \"limited_transmit\": false}", &p, &msg));
    CU_ASSERT_FALSE(p.prr);
    CU_ASSERT_FALSE(p.limited_transmit);
    CU_ASSERT_FALSE(load_tcp("{\"prr\": 1}", &p, &msg));
    CU_ASSERT_PTR_NOT_NULL(msg && strstr(msg, "$.tcp.prr: found 1"));
    g_free(msg);
    msg = NULL;
    CU_ASSERT_FALSE(load_tcp("{\"limited_transmit\": \"yes\"}", &p, &msg));
    CU_ASSERT_PTR_NOT_NULL(msg && strstr(msg, "$.tcp.limited_transmit: found \"yes\""));
    g_free(msg);
}

static void test_timestamps_key(void)
{
    tcp_params_t p;
    char *msg = NULL;
    CU_ASSERT_TRUE_FATAL(load_tcp("{}", &p, &msg));
    CU_ASSERT_FALSE(p.timestamps);
    CU_ASSERT_TRUE_FATAL(load_tcp("{\"timestamps\": true}", &p, &msg));
    CU_ASSERT_TRUE(p.timestamps);
    CU_ASSERT_TRUE_FATAL(load_tcp("{\"preset\": \"linux\"}", &p, &msg));
    CU_ASSERT_FALSE(p.timestamps); /* not part of the preset */
    CU_ASSERT_FALSE(load_tcp("{\"timestamps\": \"yes\"}", &p, &msg));
    CU_ASSERT_PTR_NOT_NULL(msg && strstr(msg, "$.tcp.timestamps: found \"yes\""));
    g_free(msg);
}

int main(void)
{
    tmp_root = g_dir_make_tmp("appsim-tcpkeys-XXXXXX", NULL);
    static const test_case tests[] = {
        TEST(test_cc_cubic),
        TEST(test_linux_preset),
        TEST(test_timestamps_key),
        TEST(test_sack_key),
        TEST(test_prr_limited_transmit_keys),
    };
    int rc = test_main("world/tcp_keys", tests, G_N_ELEMENTS(tests));
    test_remove_tree(tmp_root);
    g_free(tmp_root);
    return rc;
}

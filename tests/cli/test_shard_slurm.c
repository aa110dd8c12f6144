/*
 * The Slurm recipe of docs/scaling.md (an array job of shards and a merge
 * job that depends on it) on a single-node cluster that shard_slurm.sh
 * starts beside this test with a throw-away configuration and stops at
 * its end. The test gives it a work folder and two free TCP ports (found
 * by binding port 0 on loopback), so that two builds' tests do not meet.
 * Skipped (exit 77) when Debian's slurm-wlm or munge is missing or the
 * test does not run as root; CI takes a skip for a failure.
 */
#include <gio/gio.h>
#include <stdio.h>

#include "test_util.h"

#define SCRIPT APPSIM_SOURCE_DIR "/tests/cli/shard_slurm.sh"
#define PERSIST APPSIM_SOURCE_DIR "/scenarios/http-persistence.json"

static char *tmp_root;

/* A TCP port free on loopback now (0 when none could be bound). */
static guint free_port(void)
{
    GSocket *s = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
    GInetAddress *lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
    GSocketAddress *any = g_inet_socket_address_new(lo, 0);
    guint port = 0;
    if (s && g_socket_bind(s, any, FALSE, NULL)) {
        GSocketAddress *got = g_socket_get_local_address(s, NULL);
        if (got)
            port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(got));
        g_clear_object(&got);
    }
    g_clear_object(&any);
    g_clear_object(&lo);
    g_clear_object(&s);
    return port;
}

static void test_slurm_array_and_dependent_merge(void)
{
    guint p1 = free_port(), p2 = free_port();
    while (p2 == p1 && p1)
        p2 = free_port();
    CU_ASSERT_TRUE_FATAL(p1 && p2);
    char *a = g_strdup_printf("%u", p1), *b = g_strdup_printf("%u", p2);
    char *work = g_build_filename(tmp_root, "slurm", NULL);
    const char *argv[] = {"/bin/bash", SCRIPT, APPSIM_BINARY_DIR, PERSIST, work, a, b, NULL};
    char *out = NULL, *err = NULL;
    int rc = test_spawn(NULL, argv, &out, &err);
    printf("\n%s%s", out ? out : "", err ? err : "");
    if (rc == TEST_SKIP_CODE)
        test_skip("%s", out ? out : "slurm-wlm or munge missing");
    else
        CU_ASSERT_EQUAL(rc, 0);
    g_free(out);
    g_free(err);
    g_free(work);
    g_free(a);
    g_free(b);
}

int main(void)
{
    tmp_root = g_dir_make_tmp("appsim-slurm-XXXXXX", NULL);
    static const test_case tests[] = {TEST(test_slurm_array_and_dependent_merge)};
    int rc = test_main("cli/shard_slurm", tests, G_N_ELEMENTS(tests));
    test_remove_tree(tmp_root);
    g_free(tmp_root);
    return rc;
}

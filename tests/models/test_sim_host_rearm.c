/*
 * Tests of the host seam's timer_rearm on a simulated host
 * (models/sim_host.c, seam/host.h): re-arming a timer must be, in all an
 * application sees, timer_cancel then timer.
 *
 * The same random program runs twice on a fresh simulation, once
 * re-arming with host_timer_rearm and once with host_timer_cancel and
 * host_timer, and the two logs of which timer fired when, and the counts
 * of executed events, must be identical. The program's timers live on a
 * 10 ns grid so that they often tie with each other and with the driver
 * that makes the changes; re-arms go later (the case the simulator only
 * records), earlier, to the same time, to the time the timer already has,
 * for fired and cancelled ids and for id 0; callbacks re-arm timers too,
 * their own included. The random choices come from a fixed seed, drawn in
 * the same order in both runs as long as the runs agree.
 */
#include <glib.h>
#include <string.h>

#include "models/sim_host.h"
#include "test_util.h"

#define NTIMERS 12
#define GRID 10 /* ns */

typedef struct run run;

typedef struct {
    run *r;
    int index;
} slot_arg;

struct run {
    bool use_rearm;
    sim_t *sim;
    net_t *net;
    tcp_stack_t *tcp;
    sim_host_t *host;
    host_env *env;
    GRand *rng;
    host_timer_id ids[NTIMERS];
    slot_arg args[NTIMERS];
    GString *log;
    int driver_left;
};

static void slot_fire(void *ud);

/* Re-arms timer i after `delay` ns, the way this run does it. */
static void rearm(run *r, int i, int64_t delay)
{
    if (r->use_rearm) {
        r->ids[i] = host_timer_rearm(r->env, r->ids[i], delay, slot_fire, &r->args[i]);
    } else {
        host_timer_cancel(r->env, r->ids[i]);
        r->ids[i] = host_timer(r->env, delay, slot_fire, &r->args[i]);
    }
}

static int64_t draw_delay(run *r) { return GRID * (int64_t)g_rand_int_range(r->rng, 0, 40); }

static void slot_fire(void *ud)
{
    slot_arg *a = ud;
    run *r = a->r;
    g_string_append_printf(r->log, "%" G_GINT64_FORMAT " t%d\n", host_now(r->env), a->index);
    /* The id of a fired timer is stale: keep it, so that later re-arms and
     * cancels of it are exercised too (both runs keep it alike). */
    int what = g_rand_int_range(r->rng, 0, 4);
    if (what == 0)
        rearm(r, a->index, draw_delay(r)); /* itself, from its own callback */
    else if (what == 1)
        rearm(r, g_rand_int_range(r->rng, 0, NTIMERS), draw_delay(r));
}

static void driver(void *ud)
{
    run *r = ud;
    g_string_append_printf(r->log, "%" G_GINT64_FORMAT " driver\n", host_now(r->env));
    int ops = g_rand_int_range(r->rng, 1, 6);
    for (int k = 0; k < ops; k++) {
        int i = g_rand_int_range(r->rng, 0, NTIMERS);
        switch (g_rand_int_range(r->rng, 0, 6)) {
        case 0: /* cancel; the id is kept, stale */
            host_timer_cancel(r->env, r->ids[i]);
            break;
        case 1: /* re-arm from id 0 */
            host_timer_cancel(r->env, r->ids[i]);
            r->ids[i] = 0;
            rearm(r, i, draw_delay(r));
            break;
        case 2: /* the same delay twice in a row: the second is a re-arm to an equal time */
        {
            int64_t d = draw_delay(r);
            rearm(r, i, d);
            rearm(r, i, d);
            break;
        }
        default: /* later, earlier or the same, as it comes */
            rearm(r, i, draw_delay(r));
            break;
        }
    }
    if (--r->driver_left > 0)
        host_timer(r->env, GRID * g_rand_int_range(r->rng, 0, 8), driver, r);
}

static void run_program(run *r, bool use_rearm, guint32 seed)
{
    memset(r, 0, sizeof *r);
    r->use_rearm = use_rearm;
    r->sim = sim_new(3);
    r->net = net_new(r->sim);
    node_t *n = net_add_host(r->net, "h", NULL);
    r->tcp = tcp_stack_new(r->net, NULL);
    r->host = sim_host_new(r->tcp, n, NULL);
    r->env = sim_host_env(r->host);
    r->rng = g_rand_new_with_seed(seed);
    r->log = g_string_new(NULL);
    for (int i = 0; i < NTIMERS; i++)
        r->args[i] = (slot_arg){r, i};
    r->driver_left = 3000;
    host_timer(r->env, 0, driver, r);
    sim_run(r->sim);
}

static void run_clear(run *r)
{
    sim_host_free(r->host);
    tcp_stack_free(r->tcp);
    net_free(r->net);
    sim_free(r->sim);
    g_rand_free(r->rng);
    g_string_free(r->log, TRUE);
}

static void test_rearm_is_cancel_then_timer(void)
{
    for (guint32 seed = 1; seed <= 8; seed++) {
        run a, b;
        run_program(&a, true, seed);
        run_program(&b, false, seed);
        CU_ASSERT_TRUE(a.log->len > 10000); /* the program did run */
        CU_ASSERT_EQUAL(a.log->len, b.log->len);
        CU_ASSERT_STRING_EQUAL(a.log->str, b.log->str);
        CU_ASSERT_EQUAL(sim_events_executed(a.sim), sim_events_executed(b.sim));
        CU_ASSERT_EQUAL(sim_now(a.sim), sim_now(b.sim));
        run_clear(&a);
        run_clear(&b);
    }
}

static void note(void *ud)
{
    slot_arg *a = ud;
    g_string_append_printf(a->r->log, "%" G_GINT64_FORMAT " t%d\n", host_now(a->r->env), a->index);
}

/* Ids: a re-arm of a pending timer keeps its id, so cancelling that id
 * cancels the moved timer; a re-arm of a stale id or of 0 arms a new one,
 * and the stale id stays harmless. */
static void test_rearm_ids(void)
{
    run r;
    run_program(&r, true, 99); /* a host to work on; its program has ended */
    g_string_truncate(r.log, 0);
    int64_t t0 = host_now(r.env);
    host_timer_id id = host_timer(r.env, 100, note, &r.args[0]);
    host_timer_id moved = host_timer_rearm(r.env, id, 500, note, &r.args[1]);
    CU_ASSERT_EQUAL(moved, id);
    host_timer_id earlier = host_timer_rearm(r.env, moved, 50, note, &r.args[2]);
    CU_ASSERT_EQUAL(earlier, id);
    host_timer_cancel(r.env, earlier);
    host_timer_id fresh = host_timer_rearm(r.env, earlier, 70, note, &r.args[3]);
    CU_ASSERT_NOT_EQUAL(fresh, 0);
    host_timer_cancel(r.env, earlier); /* stale: must not cancel `fresh` */
    host_timer_id from_zero = host_timer_rearm(r.env, 0, 80, note, &r.args[4]);
    CU_ASSERT_NOT_EQUAL(from_zero, 0);
    CU_ASSERT_NOT_EQUAL(from_zero, fresh);
    host_timer_id later = host_timer(r.env, 60, note, &r.args[5]);
    CU_ASSERT_EQUAL(host_timer_rearm(r.env, later, 90, note, &r.args[6]), later);
    sim_run(r.sim);
    GString *want = g_string_new(NULL);
    g_string_append_printf(want, "%" G_GINT64_FORMAT " t3\n%" G_GINT64_FORMAT " t4\n%" G_GINT64_FORMAT " t6\n",
                           t0 + 70, t0 + 80, t0 + 90);
    CU_ASSERT_STRING_EQUAL(r.log->str, want->str);
    g_string_free(want, TRUE);
    run_clear(&r);
}

int main(void)
{
    static const test_case tests[] = {
        TEST(test_rearm_is_cancel_then_timer),
        TEST(test_rearm_ids),
    };
    return test_main("models/sim_host_rearm", tests, G_N_ELEMENTS(tests));
}

/* tcp_fixture: the two-host TCP network of the model suites (see tcp_fixture.h). */
#include "tcp_fixture.h"

#include <CUnit/CUnit.h>
#include <string.h>

void tcp_fix_init(tcp_fix *f, uint64_t seed, const char *server_name, const link_params_t *fwd,
                  const link_params_t *back)
{
    memset(f, 0, sizeof *f);
    f->sim = sim_new(seed);
    f->net = net_new(f->sim);
    f->client = net_add_host(f->net, "client", NULL);
    f->server = net_add_host(f->net, server_name ? server_name : "server", NULL);
    f->link = net_link(f->net, "link", f->client, f->server, fwd, back, NULL);
    f->tcp = tcp_stack_new(f->net, NULL);
}

void tcp_fix_exchange(tcp_fix *f, const tcp_params_t *cp, const tcp_params_t *sp, const rr_spec *spec)
{
    f->started = true;
    rr_server_listen(&f->srv, f->tcp, f->server, 80, sp, spec, NULL);
    rr_client_start(&f->cl, f->tcp, f->client, f->server, 80, cp, spec, NULL);
    sim_run(f->sim);
    CU_ASSERT_EQUAL(f->cl.done, spec->requests);
}

void tcp_fix_clear(tcp_fix *f)
{
    if (f->started)
        rr_client_clear(&f->cl);
    tcp_stack_free(f->tcp);
    net_free(f->net);
    sim_free(f->sim);
    if (f->started)
        rr_server_clear(&f->srv);
    memset(f, 0, sizeof *f);
}

/* packet: the slab allocator of packets and payload handling. */
#include "packet.h"

#include <glib.h>
#include <string.h>

#define SLAB_PACKETS 256

void pkt_pool_init(pkt_pool_t *pool) { memset(pool, 0, sizeof *pool); }

void pkt_pool_clear(pkt_pool_t *pool)
{
    for (uint32_t i = 0; i < pool->nslabs; i++) {
        pkt_t *slab = pool->slabs[i];
        for (int k = 0; k < SLAB_PACKETS; k++)
            g_free(slab[k].data);
        g_free(slab);
    }
    g_free(pool->slabs);
    memset(pool, 0, sizeof *pool);
}

static void pool_grow(pkt_pool_t *pool)
{
    if (pool->nslabs == pool->slabs_cap) {
        pool->slabs_cap = pool->slabs_cap ? pool->slabs_cap * 2 : 8;
        pool->slabs = g_renew(void *, pool->slabs, pool->slabs_cap);
    }
    pkt_t *slab = g_new0(pkt_t, SLAB_PACKETS);
    pool->slabs[pool->nslabs++] = slab;
    for (int k = SLAB_PACKETS - 1; k >= 0; k--) {
        slab[k].next = pool->free;
        pool->free = &slab[k];
    }
}

pkt_t *pkt_alloc(pkt_pool_t *pool, sim_time_t now)
{
    if (!pool->free)
        pool_grow(pool);
    pkt_t *p = pool->free;
    pool->free = p->next;
    memset(p, 0, sizeof *p);
    p->id = pool->next_id++;
    p->created = now;
    p->ttl = 64;
    pool->live++;
    return p;
}

void pkt_release(pkt_pool_t *pool, pkt_t *p)
{
    if (!p)
        return;
    g_free(p->data);
    p->data = NULL;
    p->next = pool->free;
    pool->free = p;
    pool->live--;
}

void pkt_set_payload(pkt_t *p, const void *data, uint32_t len)
{
    g_free(p->data);
    p->data = data && len ? g_memdup2(data, len) : NULL;
    p->len = len;
}

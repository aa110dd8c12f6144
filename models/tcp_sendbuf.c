/* tcp_sendbuf: a chunk queue of real and length-only bytes. */
#include "tcp_sendbuf.h"

#include <glib.h>
#include <string.h>

struct tcp_chunk {
    tcp_chunk *next;
    uint64_t len;
    uint8_t *data; /* NULL: length-only */
};

void tcp_sendbuf_init(tcp_sendbuf *sb) { memset(sb, 0, sizeof *sb); }

void tcp_sendbuf_clear(tcp_sendbuf *sb)
{
    while (sb->head) {
        tcp_chunk *c = sb->head;
        sb->head = c->next;
        g_free(c->data);
        g_free(c);
    }
    memset(sb, 0, sizeof *sb);
}

void tcp_sendbuf_append(tcp_sendbuf *sb, const void *data, uint64_t len)
{
    if (len == 0)
        return;
    sb->total += len;
    /* Length-only bytes after length-only bytes just lengthen the chunk. */
    if (!data && sb->tail && !sb->tail->data) {
        sb->tail->len += len;
        return;
    }
    tcp_chunk *c = g_new(tcp_chunk, 1);
    c->next = NULL;
    c->len = len;
    c->data = data ? g_memdup2(data, len) : NULL;
    if (sb->tail)
        sb->tail->next = c;
    else
        sb->head = c;
    sb->tail = c;
}

void tcp_sendbuf_consume(tcp_sendbuf *sb, uint64_t n)
{
    g_assert(n <= sb->total);
    sb->total -= n;
    while (n > 0) {
        tcp_chunk *c = sb->head;
        uint64_t left = c->len - sb->head_off;
        if (n < left) {
            sb->head_off += n;
            return;
        }
        n -= left;
        sb->head = c->next;
        if (!sb->head)
            sb->tail = NULL;
        sb->head_off = 0;
        g_free(c->data);
        g_free(c);
    }
}

uint8_t *tcp_sendbuf_extract(const tcp_sendbuf *sb, uint64_t off, uint32_t len)
{
    g_assert(off + len <= sb->total);
    /* Find the chunk holding `off`. */
    const tcp_chunk *c = sb->head;
    uint64_t pos = off + sb->head_off; /* offset within the chunk list */
    while (c && pos >= c->len) {
        pos -= c->len;
        c = c->next;
    }
    /* Any real bytes in range? */
    bool real = false;
    uint64_t need = len, p = pos;
    for (const tcp_chunk *k = c; k && need > 0; k = k->next) {
        uint64_t take = MIN(need, k->len - p);
        real |= k->data != NULL;
        need -= take;
        p = 0;
    }
    if (!real || len == 0)
        return NULL;
    uint8_t *out = g_malloc(len);
    uint64_t done = 0;
    for (const tcp_chunk *k = c; k && done < len; k = k->next) {
        uint64_t take = MIN(len - done, k->len - pos);
        if (k->data)
            memcpy(out + done, k->data + pos, take);
        else
            memset(out + done, 0, take);
        done += take;
        pos = 0;
    }
    return out;
}

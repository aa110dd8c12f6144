/*
 * The HTTP server's limits in the simulator (issue 10, items 3 to 6):
 * file bodies sent in chunks with back-pressure and a drain timeout, bounded
 * request bodies in memory, uploads streamed to disk, an inactivity timeout
 * that lets slow uploads finish and a header deadline that stops slow
 * heads, and a bounded cookie table. Each attack is played against the
 * server and the assertions bound what it holds (its counters), never
 * wall-clock time.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "server_world.h"
#include "test_util.h"

static char *tmp_dir;

/* A file of `size` bytes: sparse (zeros) when `fill` is false, else
 * pseudo-random bytes from 1 to 255 (no NUL, so that replies compare as
 * strings). Returns its content when filled (a new string), else NULL. */
static char *make_file(const char *name, size_t size, bool fill)
{
    char *path = g_build_filename(tmp_dir, name, NULL);
    char *content = NULL;
    if (fill) {
        content = g_malloc(size + 1);
        uint32_t x = 2463534242u;
        for (size_t i = 0; i < size; i++) {
            x ^= x << 13, x ^= x >> 17, x ^= x << 5;
            content[i] = (char)(1 + x % 255);
        }
        content[size] = 0;
        g_file_set_contents(path, content, (gssize)size, NULL);
    } else {
        FILE *f = fopen(path, "wb");
        if (f) {
            fseek(f, (long)size - 1, SEEK_SET);
            fputc(0, f);
            fclose(f);
        }
    }
    g_free(path);
    return content;
}

static http_server_config config(bool writable)
{
    http_server_config c;
    http_server_config_default(&c);
    c.writable = writable;
    return c;
}

static http_store *dir_store(void) { return http_store_new_dir(tmp_dir, NULL); }

/* Item 3: one connection pipelines 20 GETs of a 100 MiB file and never
 * reads. The server reads at most HTTP_SERVER_FILES_PER_CONN of the
 * requests, holds one chunk of the file, and resets the connection after
 * drain_timeout. */
static void test_pipelined_big_file_never_read(void)
{
    make_file("100m.bin", (size_t)100 << 20, false);
    http_server_config c = config(false);
    sw_world w;
    sw_world_init(&w, dir_store(), &c);
    GString *req = g_string_new("");
    for (int i = 0; i < 20; i++)
        g_string_append(req, "GET /100m.bin HTTP/1.1\r\nHost: server\r\n\r\n");
    sw_client cl;
    sw_client_start(&cl, &w, req->str);
    cl.no_read = true;
    sim_run_until(w.sim, SIM_S(120));
    const http_server_stats *st = http_server_get_stats(w.server);
    printf("\n    pipelined 20 x 100 MiB, never read: peak held %" G_GUINT64_FORMAT " bytes, %" G_GUINT64_FORMAT
           " requests read",
           st->buffered_peak, st->requests);
    CU_ASSERT_TRUE(st->buffered_peak <= HTTP_SERVER_CHUNK + 16384);
    CU_ASSERT_TRUE(st->requests <= HTTP_SERVER_FILES_PER_CONN);
    CU_ASSERT_EQUAL(st->drain_timeouts, 1);
    CU_ASSERT_EQUAL(st->buffered, 0); /* everything released with the connection */
    sw_world_clear(&w);
    sw_client_clear(&cl);
    g_string_free(req, TRUE);
}

/* Item 3: bodies read in chunks arrive byte for byte, whole, in ranges
 * across chunk boundaries, and not at all for HEAD. */
static void test_file_bodies_in_chunks(void)
{
    size_t size = 3 * HTTP_SERVER_CHUNK + 1234;
    char *content = make_file("chunks.bin", size, true);
    http_server_config c = config(false);
    sw_world w;
    sw_world_init(&w, dir_store(), &c);
    sw_client a, b;
    sw_client_start(&a, &w, "GET /chunks.bin HTTP/1.1\r\nHost: server\r\n\r\n"
                            "HEAD /chunks.bin HTTP/1.1\r\nHost: server\r\n\r\n"
                            "GET /chunks.bin HTTP/1.1\r\nHost: server\r\nRange: bytes=65530-131080\r\n"
                            "Connection: close\r\n\r\n");
    sw_client_start(&b, &w, "GET /chunks.bin\r\n");
    sim_run_until(w.sim, SIM_S(10));
    const char *body = strstr(a.reply->str, "\r\n\r\n");
    CU_ASSERT_TRUE(body && !strncmp(body + 4, content, size));
    const char *head = body ? strstr(body + 4 + size, "HTTP/1.1 200 OK") : NULL;
    const char *part = head ? strstr(head, "HTTP/1.1 206 Partial Content") : NULL;
    CU_ASSERT_PTR_NOT_NULL(part);
    const char *pbody = part ? strstr(part, "\r\n\r\n") : NULL;
    CU_ASSERT_TRUE(pbody && strlen(pbody + 4) == 131080 - 65530 + 1 && !memcmp(pbody + 4, content + 65530, 65551));
    CU_ASSERT_TRUE(a.closed);
    CU_ASSERT_EQUAL(b.reply->len, size); /* HTTP/0.9: the body alone */
    CU_ASSERT_TRUE(!strcmp(b.reply->str, content));
    CU_ASSERT_TRUE(http_server_get_stats(w.server)->buffered_peak <= 2 * (HTTP_SERVER_CHUNK + 16384));
    sw_world_clear(&w);
    sw_client_clear(&a);
    sw_client_clear(&b);
    g_free(content);
}

/* Item 4: eight connections each send 2 MB of a POST announced as 64 MiB
 * and never finish: POST bodies are counted, not kept. */
static void test_unfinished_posts_hold_nothing(void)
{
    http_server_config c = config(false);
    sw_world w;
    sw_world_init(&w, NULL, &c);
    size_t sent = 2000000;
    char *block = g_malloc(sent);
    memset(block, 'x', sent);
    sw_client cl[8];
    for (int i = 0; i < 8; i++) {
        sw_client_start(&cl[i], &w, "POST /upload HTTP/1.1\r\nHost: server\r\nContent-Length: 67108864\r\n\r\n");
        cl[i].body = block;
        cl[i].body_len = sent;
        cl[i].piece = 100000;
        cl[i].interval = SIM_MS(10);
    }
    sim_run_until(w.sim, SIM_S(5));
    const http_server_stats *st = http_server_get_stats(w.server);
    printf("\n    8 unfinished POSTs of 2 MB: peak held %" G_GUINT64_FORMAT " bytes", st->buffered_peak);
    CU_ASSERT_TRUE(cl[0].body_off == sent && cl[7].body_off == sent);
    CU_ASSERT_TRUE(st->buffered_peak <= 8 * 1024);
    CU_ASSERT_EQUAL(st->body_memory, 0);
    sw_world_clear(&w);
    for (int i = 0; i < 8; i++)
        sw_client_clear(&cl[i]);
    g_free(block);
}

/* Item 4: bodies held in memory (an in-memory store's PUT) are bounded:
 * over max_body_memory, a Content-Length is refused at once (413) and a
 * chunked body as soon as it passes; over max_server_memory, 503. */
static void test_memory_bodies_bounded(void)
{
    http_server_config c = config(true);
    c.max_body_memory = 64 << 10;
    c.max_server_memory = 128 << 10; /* two of the three uploads of 60000 bytes at once */
    sw_world w;
    sw_world_init(&w, NULL, &c);
    static char block[60000];
    memset(block, 'y', sizeof block);
    sw_client big, chunked, par[3];
    sw_client_start(&big, &w, "PUT /big HTTP/1.1\r\nHost: server\r\nContent-Length: 100000\r\n\r\n");
    GString *ch = g_string_new("PUT /chunked HTTP/1.1\r\nHost: server\r\nTransfer-Encoding: chunked\r\n\r\n");
    for (int i = 0; i < 6; i++) {
        g_string_append_printf(ch, "%x\r\n", 16384);
        for (int k = 0; k < 16384; k++)
            g_string_append_c(ch, 'z');
        g_string_append(ch, "\r\n");
    }
    g_string_append(ch, "0\r\n\r\n");
    sw_client_start(&chunked, &w, ch->str);
    for (int i = 0; i < 3; i++) {
        sw_client_start(&par[i], &w, "PUT /par HTTP/1.1\r\nHost: server\r\nContent-Length: 60000\r\n\r\n");
        par[i].body = block;
        par[i].body_len = sizeof block;
        par[i].piece = 10000;
        par[i].interval = SIM_MS(100);
    }
    sim_run_until(w.sim, SIM_S(5));
    CU_ASSERT_TRUE(g_str_has_prefix(big.reply->str, "HTTP/1.1 413 Content Too Large"));
    CU_ASSERT_TRUE(big.closed && big.closed_at < SIM_MS(100));
    CU_ASSERT_TRUE(g_str_has_prefix(chunked.reply->str, "HTTP/1.1 413 Content Too Large"));
    int created = 0, busy = 0;
    for (int i = 0; i < 3; i++) {
        created += g_str_has_prefix(par[i].reply->str, "HTTP/1.1 20");
        busy += g_str_has_prefix(par[i].reply->str, "HTTP/1.1 503 Service Unavailable");
    }
    CU_ASSERT_EQUAL(created, 2);
    CU_ASSERT_EQUAL(busy, 1);
    http_store_status st;
    CU_ASSERT_PTR_NULL(http_store_get(w.store, "/big", &st));
    CU_ASSERT_PTR_NULL(http_store_get(w.store, "/chunked", &st));
    const http_server_stats *s = http_server_get_stats(w.server);
    CU_ASSERT_TRUE(s->buffered_peak <= c.max_server_memory + 10000 + 8192);
    CU_ASSERT_EQUAL(s->body_memory, 0);
    sw_world_clear(&w);
    sw_client_clear(&big);
    sw_client_clear(&chunked);
    for (int i = 0; i < 3; i++)
        sw_client_clear(&par[i]);
    g_string_free(ch, TRUE);
}

/* Item 4: a PUT to a folder goes to disk as it arrives. */
static void test_put_streams_to_disk(void)
{
    size_t size = 3000000;
    char *content = make_file("put-source.bin", size, true);
    http_server_config c = config(true);
    sw_world w;
    sw_world_init(&w, dir_store(), &c);
    sw_client cl;
    char *head = g_strdup_printf("PUT /uploads/put.bin HTTP/1.1\r\nHost: server\r\nContent-Length: %zu\r\n\r\n", size);
    sw_client_start(&cl, &w, head);
    cl.body = content;
    cl.body_len = size;
    cl.piece = 100000;
    cl.interval = SIM_MS(10);
    sim_run_until(w.sim, SIM_S(5));
    CU_ASSERT_TRUE(g_str_has_prefix(cl.reply->str, "HTTP/1.1 201 Created"));
    char *path = g_build_filename(tmp_dir, "uploads", "put.bin", NULL), *got = NULL;
    gsize len = 0;
    CU_ASSERT_TRUE(g_file_get_contents(path, &got, &len, NULL) && len == size && !memcmp(got, content, size));
    CU_ASSERT_TRUE(http_server_get_stats(w.server)->buffered_peak <= 8192);
    sw_world_clear(&w);
    sw_client_clear(&cl);
    g_free(got);
    g_free(path);
    g_free(head);
    g_free(content);
}

/* Item 5: an upload that takes 30 s (10 kB every 0.5 s) is not cut by the
 * 15 s idle timeout, which counts silence, not the request's age. */
static void test_slow_upload_finishes(void)
{
    http_server_config c = config(true);
    sw_world w;
    sw_world_init(&w, NULL, &c);
    static char block[600000];
    memset(block, 'u', sizeof block);
    sw_client cl;
    sw_client_start(&cl, &w, "PUT /slow.bin HTTP/1.1\r\nHost: server\r\nContent-Length: 600000\r\n\r\n");
    cl.body = block;
    cl.body_len = sizeof block;
    cl.piece = 10000;
    cl.interval = SIM_MS(500);
    sim_run_until(w.sim, SIM_S(40));
    CU_ASSERT_TRUE(g_str_has_prefix(cl.reply->str, "HTTP/1.1 201 Created"));
    CU_ASSERT_TRUE(cl.first_byte > SIM_S(29));
    http_store_status st;
    http_object *o = http_store_get(w.store, "/slow.bin", &st);
    CU_ASSERT_TRUE(o && o->size == sizeof block);
    http_object_free(o);
    CU_ASSERT_EQUAL(http_server_get_stats(w.server)->idle_closed, 0);
    sw_world_clear(&w);
    sw_client_clear(&cl);
}

/* Item 5: a head sent one byte a second is cut at header_timeout (20 s)
 * although bytes keep coming; a silent connection is cut at 15 s. */
static void test_slow_head_and_silence(void)
{
    http_server_config c = config(false);
    sw_world w;
    sw_world_init(&w, NULL, &c);
    static char slow[100];
    memset(slow, 'a', sizeof slow);
    sw_client loris, quiet;
    sw_client_start(&loris, &w, "GET /index.html HTTP/1.1\r\nHost: server\r\nX-Slow: ");
    loris.body = slow;
    loris.body_len = sizeof slow;
    loris.piece = 1;
    loris.interval = SIM_S(1);
    sw_client_start(&quiet, &w, "");
    sim_run_until(w.sim, SIM_S(60));
    const http_server_stats *st = http_server_get_stats(w.server);
    CU_ASSERT_TRUE(loris.closed && loris.closed_at >= SIM_S(20) && loris.closed_at < SIM_S(21));
    CU_ASSERT_TRUE(quiet.closed && quiet.closed_at >= SIM_S(15) && quiet.closed_at < SIM_S(16));
    CU_ASSERT_EQUAL(st->header_timeouts, 1);
    CU_ASSERT_EQUAL(st->idle_closed, 1);
    sw_world_clear(&w);
    sw_client_clear(&loris);
    sw_client_clear(&quiet);
}

/* Item 6: the cookie table keeps at most cookie_cap IDs (the most recently
 * seen) and forgets an ID unseen for cookie_ttl; a forgotten ID gets a new
 * one. */
static void test_cookie_table_bounded(void)
{
    http_server_config c = config(false);
    c.cookie_cap = 100;
    c.cookie_ttl = SIM_S(10);
    sw_world w;
    sw_world_init(&w, NULL, &c);
    GString *req = g_string_new("");
    for (int i = 0; i < 1000; i++)
        g_string_append(req, "HEAD /index.html HTTP/1.1\r\nHost: server\r\n\r\n");
    sw_client many, back, old;
    sw_client_start(&many, &w, req->str);
    sim_run_until(w.sim, SIM_S(2));
    CU_ASSERT_EQUAL(http_server_cookie_count(w.server), 1000);
    CU_ASSERT_EQUAL(http_server_cookie_live(w.server), 100);
    CU_ASSERT_EQUAL(http_server_cookie_visits(w.server, 1), 0);
    CU_ASSERT_EQUAL(http_server_cookie_visits(w.server, 1000), 1);
    sw_client_start(&back, &w, "HEAD /index.html HTTP/1.1\r\nHost: server\r\nCookie: appsim-id=1000\r\n\r\n");
    sim_run_until(w.sim, SIM_S(4));
    CU_ASSERT_EQUAL(http_server_cookie_visits(w.server, 1000), 2);
    CU_ASSERT_PTR_NULL(strstr(back.reply->str, "Set-Cookie"));
    sim_run_until(w.sim, SIM_S(20)); /* 16 s later: every ID has expired */
    sw_client_start(&old, &w, "HEAD /index.html HTTP/1.1\r\nHost: server\r\nCookie: appsim-id=1000\r\n\r\n");
    sim_run_until(w.sim, SIM_S(22));
    CU_ASSERT_PTR_NOT_NULL(strstr(old.reply->str, "Set-Cookie: appsim-id=1001; Path=/\r\n"));
    CU_ASSERT_EQUAL(http_server_cookie_live(w.server), 1);
    sw_world_clear(&w);
    sw_client_clear(&many);
    sw_client_clear(&back);
    sw_client_clear(&old);
    g_string_free(req, TRUE);
}

int main(void)
{
    tmp_dir = g_dir_make_tmp("appsim-limits-XXXXXX", NULL);
    static const test_case tests[] = {
        TEST(test_pipelined_big_file_never_read),
        TEST(test_file_bodies_in_chunks),
        TEST(test_unfinished_posts_hold_nothing),
        TEST(test_memory_bodies_bounded),
        TEST(test_put_streams_to_disk),
        TEST(test_slow_upload_finishes),
        TEST(test_slow_head_and_silence),
        TEST(test_cookie_table_bounded),
    };
    int rc = test_main("protocols/http/sim_server_limits", tests, G_N_ELEMENTS(tests));
    test_remove_tree(tmp_dir);
    g_free(tmp_dir);
    return rc;
}

/*
 * Tests of protocols/bt/bt_tracker: the announce query written and read
 * back (every byte value escaped), malformed queries, compact and
 * dictionary responses written and read, failure responses, malformed
 * responses, and the tracker's state: announces, events, expiry, numwant,
 * the counts, the limits and the determinism of the peers chosen.
 */
#include <glib.h>
#include <string.h>

#include "protocols/bt/bencode.h"
#include "protocols/bt/bt_tracker.h"
#include "test_util.h"

#define SEC INT64_C(1000000000)

static bt_announce sample(void)
{
    bt_announce a = {.port = 6881, .uploaded = 0, .downloaded = 16384, .left = 83616, .compact = true,
                     .event = BT_EVENT_STARTED, .numwant = 50};
    for (int i = 0; i < BT_ID_LEN; i++)
        a.info_hash[i] = (uint8_t)i;
    memcpy(a.peer_id, "-AS0001-abcdefgh~._Z", BT_ID_LEN);
    return a;
}

static void test_query_build(void)
{
    bt_announce a = sample();
    char *q = bt_announce_query(&a);
    CU_ASSERT_STRING_EQUAL(q, "info_hash=%00%01%02%03%04%05%06%07%08%09%0A%0B%0C%0D%0E%0F%10%11%12%13"
                              "&peer_id=-AS0001-abcdefgh~._Z&port=6881&uploaded=0&downloaded=16384&left=83616"
                              "&compact=1&event=started&numwant=50");
    bt_announce b;
    GError *err = NULL;
    CU_ASSERT_FATAL(bt_announce_parse(q, strlen(q), &b, &err));
    CU_ASSERT(bt_announce_equal(&a, &b));
    b.peer_id[19] ^= 1;
    CU_ASSERT_FALSE(bt_announce_equal(&a, &b));
    b.peer_id[19] ^= 1;
    b.left++;
    CU_ASSERT_FALSE(bt_announce_equal(&a, &b));
    g_free(q);
    a.event = BT_EVENT_NONE;
    a.compact = false;
    q = bt_announce_query(&a);
    CU_ASSERT_PTR_NULL(strstr(q, "event"));
    CU_ASSERT_PTR_NOT_NULL(strstr(q, "&compact=0&numwant=50"));
    CU_ASSERT_FATAL(bt_announce_parse(q, strlen(q), &b, &err));
    CU_ASSERT(bt_announce_equal(&a, &b));
    g_free(q);
}

/* Every byte value goes through the escaping and back. */
static void test_query_all_bytes(void)
{
    for (int base = 0; base < 256; base += BT_ID_LEN) {
        bt_announce a = sample();
        for (int i = 0; i < BT_ID_LEN; i++) {
            a.info_hash[i] = (uint8_t)(base + i);
            a.peer_id[i] = (uint8_t)(255 - base - i);
        }
        a.event = (bt_event)(base / BT_ID_LEN % 4);
        a.uploaded = (uint64_t)INT64_MAX;
        char *q = bt_announce_query(&a);
        for (const char *p = q; *p; p++)
            CU_ASSERT(g_ascii_isalnum(*p) || strchr("-._~%&=", *p));
        bt_announce b;
        CU_ASSERT(bt_announce_parse(q, strlen(q), &b, NULL));
        CU_ASSERT(bt_announce_equal(&a, &b));
        g_free(q);
    }
}

#define IH "info_hash=%00%01%02%03%04%05%06%07%08%09%0a%0b%0c%0d%0e%0f%10%11%12%13"
#define PID "&peer_id=-AS0001-abcdefghijkl"
#define REST "&port=6881&uploaded=0&downloaded=0&left=10"

typedef struct {
    const char *query;
    const char *error; /* NULL: accepted; else a part of the message */
} query_case;

static const query_case queries[] = {
    {IH PID REST, NULL},
    {IH PID REST "&compact=1&event=&numwant=0", NULL},
    {IH PID REST "&event=empty", NULL},
    {IH PID REST "&key=abc&ip=10.0.0.1&supportcrypto=1&no_peer_id=1&&x", NULL},
    {"?" IH PID REST, "info_hash is missing"},
    {PID REST, "info_hash is missing"},
    {IH REST, "peer_id is missing"},
    {IH PID "&port=1&uploaded=0&downloaded=0", "left is missing"},
    {IH PID "&uploaded=0&downloaded=0&left=1", "port is missing"},
    {IH PID REST "&port=1", "port given twice"},
    {IH PID REST "&info_hash=x", "info_hash given twice"},
    {"info_hash=%00%01" PID REST, "info_hash is not 20 bytes"},
    {IH "%14" PID REST, "info_hash is not 20 bytes"},
    {"info_hash=%0g%01%02%03%04%05%06%07%08%09%0a%0b%0c%0d%0e%0f%10%11%12%13" PID REST, "info_hash is not 20"},
    {"info_hash=%00%01%02%03%04%05%06%07%08%09%0a%0b%0c%0d%0e%0f%10%11%12%1" PID REST, "info_hash is not 20"},
    {IH "&peer_id=short" REST, "peer_id is not 20 bytes"},
    {IH PID "&port=0&uploaded=0&downloaded=0&left=1", "port has a bad value \"0\""},
    {IH PID "&port=65536&uploaded=0&downloaded=0&left=1", "port has a bad value"},
    {IH PID "&port=-1&uploaded=0&downloaded=0&left=1", "port has a bad value"},
    {IH PID "&port=+1&uploaded=0&downloaded=0&left=1", "port has a bad value"},
    {IH PID "&port=&uploaded=0&downloaded=0&left=1", "port has a bad value"},
    {IH PID "&port=1&uploaded=9223372036854775808&downloaded=0&left=1", "uploaded has a bad value"},
    {IH PID "&port=1&uploaded=0&downloaded=1e3&left=1", "downloaded has a bad value"},
    {IH PID "&port=1&uploaded=0&downloaded=0&left=99999999999999999999999", "left has a bad value"},
    {IH PID REST "&compact=2", "compact has a bad value"},
    {IH PID REST "&event=paused", "event has a bad value \"paused\""},
    {IH PID REST "&numwant=4294967296", "numwant has a bad value"},
};

static void test_query_cases(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(queries); i++) {
        const query_case *c = &queries[i];
        size_t len = strlen(c->query);
        char *copy = g_memdup2(c->query, len); /* exact size: no NUL to lean on */
        bt_announce a;
        GError *err = NULL;
        bool ok = bt_announce_parse(copy, len, &a, &err);
        if (ok != (c->error == NULL) || (err && !strstr(err->message, c->error)))
            fprintf(stderr, "query case %zu: %s\n", i, err ? err->message : "accepted");
        CU_ASSERT_EQUAL(ok, c->error == NULL);
        if (c->error) {
            CU_ASSERT(g_error_matches(err, BT_TRACKER_ERROR, BT_TRACKER_ERROR_QUERY));
            CU_ASSERT_PTR_NOT_NULL(err && strstr(err->message, c->error));
        }
        g_clear_error(&err);
        g_free(copy);
    }
}

static void test_query_values(void)
{
    const char *q = IH PID "&port=65535&uploaded=9223372036854775807&downloaded=7&left=0&numwant=1000&event=stopped";
    bt_announce a;
    CU_ASSERT_FATAL(bt_announce_parse(q, strlen(q), &a, NULL));
    CU_ASSERT_EQUAL(a.port, 65535);
    CU_ASSERT_EQUAL(a.uploaded, (uint64_t)INT64_MAX);
    CU_ASSERT_EQUAL(a.downloaded, 7);
    CU_ASSERT_EQUAL(a.left, 0);
    CU_ASSERT_EQUAL(a.numwant, BT_NUMWANT_MAX);
    CU_ASSERT_EQUAL(a.event, BT_EVENT_STOPPED);
    CU_ASSERT_FALSE(a.compact);
    CU_ASSERT_EQUAL(a.info_hash[10], 10);
    CU_ASSERT(memcmp(a.peer_id, "-AS0001-abcdefghijkl", BT_ID_LEN) == 0);
    /* '+' is a space; a raw byte stands for itself. */
    q = "info_hash=+++++++++++++++++++!" PID REST;
    CU_ASSERT_FATAL(bt_announce_parse(q, strlen(q), &a, NULL));
    CU_ASSERT(memcmp(a.info_hash, "                   !", BT_ID_LEN) == 0);
    CU_ASSERT_EQUAL(a.numwant, BT_NUMWANT_DEFAULT);
    /* The limits. */
    GString *big = g_string_new(IH PID REST);
    while (big->len <= BT_QUERY_MAX)
        g_string_append(big, "&k=v");
    GError *err = NULL;
    CU_ASSERT_FALSE(bt_announce_parse(big->str, big->len, &a, &err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err->message, "over the limit"));
    g_clear_error(&err);
    g_string_assign(big, IH PID REST);
    for (int i = 0; i < BT_QUERY_MAX_PARAMS; i++)
        g_string_append(big, "&k");
    CU_ASSERT_FALSE(bt_announce_parse(big->str, big->len, &a, &err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err->message, "more than 64 parameters"));
    g_clear_error(&err);
    g_string_free(big, TRUE);
}

static bool bytes_equal(const GByteArray *b, const char *want, size_t len)
{
    if (b->len != len || memcmp(b->data, want, len) != 0) {
        fprintf(stderr, "got %u bytes: %.*s\n", b->len, (int)b->len, (const char *)b->data);
        return false;
    }
    return true;
}

static void test_response_compact(void)
{
    bt_peer_addr peers[2] = {{.ip = {10, 0, 0, 1}, .port = 6881}, {.ip = {192, 168, 255, 2}, .port = 0x1a2b}};
    GByteArray *b = bt_response_encode(1800, 1, 2, peers, 2, true);
    static const char want[] = "d8:completei1e10:incompletei2e8:intervali1800e5:peers12:"
                               "\x0a\x00\x00\x01\x1a\xe1\xc0\xa8\xff\x02\x1a\x2b" "e";
    CU_ASSERT(bytes_equal(b, want, sizeof want - 1));
    GError *err = NULL;
    bt_response *r = bt_response_parse(b->data, b->len, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_PTR_NULL(r->failure);
    CU_ASSERT_EQUAL(r->interval, 1800);
    CU_ASSERT_EQUAL(r->complete, 1);
    CU_ASSERT_EQUAL(r->incomplete, 2);
    CU_ASSERT_EQUAL(r->min_interval, -1);
    CU_ASSERT_EQUAL_FATAL(r->npeers, 2);
    CU_ASSERT(memcmp(r->peers[1].ip, peers[1].ip, 4) == 0);
    CU_ASSERT_EQUAL(r->peers[1].port, 0x1a2b);
    CU_ASSERT_EQUAL(r->peers[0].port, 6881);
    CU_ASSERT_FALSE(r->peers[0].has_peer_id);
    char s[BT_PEER_ADDR_STRLEN];
    bt_peer_addr_format(&r->peers[1], s);
    CU_ASSERT_STRING_EQUAL(s, "192.168.255.2:6699");
    bt_response_free(r);
    g_byte_array_unref(b);
    /* No peers. */
    b = bt_response_encode(60, 0, 0, NULL, 0, true);
    CU_ASSERT(bytes_equal(b, "d8:completei0e10:incompletei0e8:intervali60e5:peers0:e", 54));
    r = bt_response_parse(b->data, b->len, NULL);
    CU_ASSERT(r && r->npeers == 0);
    bt_response_free(r);
    g_byte_array_unref(b);
}

static void test_response_dict(void)
{
    bt_peer_addr peers[2] = {{.ip = {10, 0, 0, 1}, .port = 6881, .has_peer_id = true},
                             {.ip = {10, 0, 0, 2}, .port = 80}};
    memcpy(peers[0].peer_id, "-AS0001-abcdefghijkl", BT_ID_LEN);
    GByteArray *b = bt_response_encode(900, 0, 2, peers, 2, false);
    static const char want[] = "d8:completei0e10:incompletei2e8:intervali900e5:peersl"
                               "d2:ip8:10.0.0.17:peer id20:-AS0001-abcdefghijkl4:porti6881ee"
                               "d2:ip8:10.0.0.24:porti80eeee";
    CU_ASSERT(bytes_equal(b, want, sizeof want - 1));
    bt_response *r = bt_response_parse(b->data, b->len, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_EQUAL_FATAL(r->npeers, 2);
    CU_ASSERT(r->peers[0].has_peer_id);
    CU_ASSERT(memcmp(r->peers[0].peer_id, peers[0].peer_id, BT_ID_LEN) == 0);
    CU_ASSERT_FALSE(r->peers[1].has_peer_id);
    CU_ASSERT_EQUAL(r->peers[1].port, 80);
    CU_ASSERT_EQUAL(r->peers[1].ip[3], 2);
    bt_response_free(r);
    g_byte_array_unref(b);
    /* Host names and IPv6 addresses are skipped and counted. */
    const char *in = "d8:intervali5e12:min intervali2e5:peersl"
                     "d2:ip9:localhost4:porti1eed2:ip3:::14:porti2eed2:ip7:1.2.3.44:porti3eeee";
    r = bt_response_parse((const uint8_t *)in, strlen(in), NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_EQUAL(r->npeers, 1);
    CU_ASSERT_EQUAL(r->skipped, 2);
    CU_ASSERT_EQUAL(r->min_interval, 2);
    CU_ASSERT_EQUAL(r->complete, -1);
    CU_ASSERT_EQUAL(r->peers[0].port, 3);
    bt_response_free(r);
}

static void test_response_failure(void)
{
    GByteArray *b = bt_response_encode_failure("unregistered torrent");
    CU_ASSERT(bytes_equal(b, "d14:failure reason20:unregistered torrente", 42));
    bt_response *r = bt_response_parse(b->data, b->len, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_STRING_EQUAL(r->failure, "unregistered torrent");
    CU_ASSERT_EQUAL(r->npeers, 0);
    bt_response_free(r);
    g_byte_array_unref(b);
}

static const struct {
    const char *in;
    size_t len;
    const char *error;
} bad_responses[] = {
    {"", 0, "not a valid tracker response: offset 0"},
    {"d8:intervali5e5:peers0:", 0, "not a valid tracker response: offset 23"},
    {"le", 0, "the response is of type list, not dictionary"},
    {"d5:peers0:e", 0, "\"interval\" is missing"},
    {"d8:interval1:5e", 0, "\"interval\" is missing or not an integer"},
    {"d8:intervali-1e5:peers0:e", 0, "\"interval\" is missing or not an integer"},
    {"d8:intervali2147483648e5:peers0:e", 0, "\"interval\""},
    {"d8:intervali5ee", 0, "\"peers\" is missing"},
    {"d8:intervali5e5:peers5:abcdee", 0, "compact \"peers\" has 5 bytes, not a multiple of 6"},
    {"d8:intervali5e5:peers6:\x01\x02\x03\x04\x00\x00" "e", 30, "compact peer 0 has port 0"},
    {"d8:intervali5e5:peersi1ee", 0, "\"peers\" is of type integer, not byte string or list"},
    {"d8:intervali5e5:peersli1eee", 0, "a peer (offset 22) is of type integer, not dictionary"},
    {"d8:intervali5e5:peersld4:porti1eeee", 0, "lacks an \"ip\""},
    {"d8:intervali5e5:peersld2:ip7:1.2.3.4eee", 0, "lacks an \"ip\" string or a \"port\""},
    {"d8:intervali5e5:peersld2:ip7:1.2.3.44:porti0eeee", 0, "port 0 is out of range"},
    {"d8:intervali5e5:peersld2:ip7:1.2.3.47:peer id3:abc4:porti1eeee", 0, "\"peer id\" (offset 45) is not 20"},
    {"d8:completei-1e8:intervali5e5:peers0:e", 0, "\"complete\" is not an integer"},
    {"d14:failure reasoni1ee", 0, "\"failure reason\" is not a byte string"},
};

static void test_response_bad(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(bad_responses); i++) {
        size_t len = bad_responses[i].len ? bad_responses[i].len : strlen(bad_responses[i].in);
        uint8_t *copy = g_memdup2(bad_responses[i].in, len);
        GError *err = NULL;
        bt_response *r = bt_response_parse(copy, len, &err);
        CU_ASSERT_PTR_NULL(r);
        bt_response_free(r);
        CU_ASSERT_PTR_NOT_NULL_FATAL(err);
        if (!strstr(err->message, bad_responses[i].error))
            fprintf(stderr, "response case %zu: %s\n", i, err->message);
        CU_ASSERT(g_error_matches(err, BT_TRACKER_ERROR, BT_TRACKER_ERROR_RESPONSE));
        CU_ASSERT_PTR_NOT_NULL(strstr(err->message, bad_responses[i].error));
        g_error_free(err);
        g_free(copy);
    }
    /* The peer count's bound, in both forms. */
    size_t n = BT_RESPONSE_MAX_PEERS + 1;
    GByteArray *b = g_byte_array_new();
    benc_put_dict_start(b);
    benc_put_cstr(b, "interval");
    benc_put_int(b, 5);
    benc_put_cstr(b, "peers");
    uint8_t *zeros = g_malloc0(6 * n);
    for (size_t i = 0; i < n; i++)
        zeros[6 * i + 5] = 1;
    benc_put_str(b, zeros, 6 * n);
    benc_put_end(b);
    GError *err = NULL;
    CU_ASSERT_PTR_NULL(bt_response_parse(b->data, b->len, &err));
    CU_ASSERT_PTR_NOT_NULL(err && strstr(err->message, "10001 peers, over the limit of 10000"));
    g_clear_error(&err);
    /* One fewer is fine. */
    g_byte_array_set_size(b, 0);
    benc_put_dict_start(b);
    benc_put_cstr(b, "interval");
    benc_put_int(b, 5);
    benc_put_cstr(b, "peers");
    benc_put_str(b, zeros, 6 * (n - 1));
    benc_put_end(b);
    bt_response *r = bt_response_parse(b->data, b->len, NULL);
    CU_ASSERT(r && r->npeers == n - 1);
    bt_response_free(r);
    g_byte_array_set_size(b, 0);
    benc_put_dict_start(b);
    benc_put_cstr(b, "interval");
    benc_put_int(b, 5);
    benc_put_cstr(b, "peers");
    benc_put_list_start(b);
    for (size_t i = 0; i < n; i++)
        benc_put_cstr(b, "");
    benc_put_end(b);
    benc_put_end(b);
    CU_ASSERT_PTR_NULL(bt_response_parse(b->data, b->len, &err));
    CU_ASSERT_PTR_NOT_NULL(err && strstr(err->message, "over the limit of 10000"));
    g_clear_error(&err);
    g_free(zeros);
    g_byte_array_unref(b);
}

static void test_ipv4(void)
{
    uint8_t ip[4];
    CU_ASSERT(bt_parse_ipv4("0.0.0.0", 7, ip));
    CU_ASSERT(bt_parse_ipv4("255.255.255.255", 15, ip) && ip[0] == 255 && ip[3] == 255);
    CU_ASSERT_FALSE(bt_parse_ipv4("256.0.0.1", 9, ip));
    CU_ASSERT_FALSE(bt_parse_ipv4("01.0.0.1", 8, ip));
    CU_ASSERT_FALSE(bt_parse_ipv4("1.2.3", 5, ip));
    CU_ASSERT_FALSE(bt_parse_ipv4("1.2.3.4.", 8, ip));
    CU_ASSERT_FALSE(bt_parse_ipv4("1.2.3.4", 6, ip));
    CU_ASSERT_FALSE(bt_parse_ipv4("1..3.4", 6, ip));
    CU_ASSERT_FALSE(bt_parse_ipv4("1.2.3.1000", 10, ip));
    CU_ASSERT_FALSE(bt_parse_ipv4("", 0, ip));
}

/* ---- tracker state ---- */

static bt_announce peer(int n, bt_event ev, uint64_t left)
{
    bt_announce a = {.port = (uint16_t)(6000 + n), .left = left, .compact = true, .event = ev, .numwant = 50};
    memset(a.info_hash, 0xab, BT_ID_LEN);
    g_snprintf((char *)a.peer_id, BT_ID_LEN, "-AS0001-%011d", n);
    a.peer_id[BT_ID_LEN - 1] = 'p';
    return a;
}

static bt_response *announce(bt_tracker *t, const bt_announce *a, int ip_last, int64_t now)
{
    uint8_t ip[4] = {10, 0, 0, (uint8_t)ip_last};
    GByteArray *b = bt_tracker_announce(t, a, ip, now);
    bt_response *r = bt_response_parse(b->data, b->len, NULL);
    CU_ASSERT_PTR_NOT_NULL(r);
    g_byte_array_unref(b);
    return r;
}

static void test_tracker_swarm(void)
{
    bt_tracker *t = bt_tracker_new(NULL);
    bt_announce a = peer(1, BT_EVENT_STARTED, 0); /* the seed */
    bt_response *r = announce(t, &a, 1, 0);
    CU_ASSERT_EQUAL(r->interval, 1800);
    CU_ASSERT_EQUAL(r->npeers, 0);
    CU_ASSERT_EQUAL(r->complete, 1);
    CU_ASSERT_EQUAL(r->incomplete, 0);
    bt_response_free(r);
    bt_announce b = peer(2, BT_EVENT_STARTED, 100);
    r = announce(t, &b, 2, 10 * SEC);
    CU_ASSERT_EQUAL_FATAL(r->npeers, 1);
    CU_ASSERT_EQUAL(r->peers[0].ip[3], 1);
    CU_ASSERT_EQUAL(r->peers[0].port, 6001);
    CU_ASSERT_EQUAL(r->complete, 1);
    CU_ASSERT_EQUAL(r->incomplete, 1);
    bt_response_free(r);
    /* The dictionary form, with peer ids. */
    b.event = BT_EVENT_NONE;
    b.compact = false;
    r = announce(t, &b, 2, 20 * SEC);
    CU_ASSERT_EQUAL_FATAL(r->npeers, 1);
    CU_ASSERT(r->peers[0].has_peer_id && memcmp(r->peers[0].peer_id, a.peer_id, BT_ID_LEN) == 0);
    bt_response_free(r);
    /* b completes: two seeds, one download; it moved to another port. */
    b.event = BT_EVENT_COMPLETED;
    b.left = 0;
    b.port = 7000;
    r = announce(t, &b, 3, 30 * SEC);
    CU_ASSERT_EQUAL(r->complete, 2);
    CU_ASSERT_EQUAL(r->incomplete, 0);
    bt_response_free(r);
    r = announce(t, &a, 1, 31 * SEC);
    CU_ASSERT_EQUAL_FATAL(r->npeers, 1);
    CU_ASSERT_EQUAL(r->peers[0].port, 7000);
    CU_ASSERT_EQUAL(r->peers[0].ip[3], 3);
    bt_response_free(r);
    size_t seeds, leechers;
    uint64_t downloaded;
    CU_ASSERT(bt_tracker_counts(t, a.info_hash, &seeds, &leechers, &downloaded));
    CU_ASSERT_EQUAL(seeds, 2);
    CU_ASSERT_EQUAL(leechers, 0);
    CU_ASSERT_EQUAL(downloaded, 1);
    /* numwant=0: counts only. */
    a.numwant = 0;
    r = announce(t, &a, 1, 32 * SEC);
    CU_ASSERT_EQUAL(r->npeers, 0);
    CU_ASSERT_EQUAL(r->complete, 2);
    bt_response_free(r);
    /* Stopped: gone; the last one stopping forgets the swarm. */
    a.event = BT_EVENT_STOPPED;
    r = announce(t, &a, 1, 40 * SEC);
    CU_ASSERT_EQUAL(r->complete, 1);
    bt_response_free(r);
    CU_ASSERT_EQUAL(bt_tracker_swarm_count(t), 1);
    b.event = BT_EVENT_STOPPED;
    r = announce(t, &b, 3, 41 * SEC);
    CU_ASSERT_EQUAL(r->complete, 0);
    bt_response_free(r);
    CU_ASSERT_EQUAL(bt_tracker_swarm_count(t), 0);
    CU_ASSERT_FALSE(bt_tracker_counts(t, a.info_hash, &seeds, &leechers, NULL));
    /* Stopped for an unknown torrent makes no swarm. */
    r = announce(t, &b, 3, 42 * SEC);
    CU_ASSERT_EQUAL(r->npeers, 0);
    bt_response_free(r);
    CU_ASSERT_EQUAL(bt_tracker_swarm_count(t), 0);
    bt_tracker_free(t);
}

static void test_tracker_expiry(void)
{
    bt_tracker_config cfg = {.interval_s = 100, .peer_timeout_s = 250};
    bt_tracker *t = bt_tracker_new(&cfg);
    bt_announce a = peer(1, BT_EVENT_STARTED, 5), b = peer(2, BT_EVENT_STARTED, 5), c = peer(3, BT_EVENT_STARTED, 5);
    bt_response_free(announce(t, &a, 1, 0));
    bt_response_free(announce(t, &b, 2, 100 * SEC));
    /* At 249.9 s a is still there; at 250 s it has timed out. */
    bt_response *r = announce(t, &c, 3, 250 * SEC - 1);
    CU_ASSERT_EQUAL(r->interval, 100);
    CU_ASSERT_EQUAL(r->npeers, 2);
    bt_response_free(r);
    r = announce(t, &c, 3, 250 * SEC);
    CU_ASSERT_EQUAL(r->npeers, 1);
    CU_ASSERT_EQUAL(r->incomplete, 2);
    bt_response_free(r);
    /* Expiring everything forgets the swarm. */
    bt_tracker_expire(t, 349 * SEC);
    CU_ASSERT_EQUAL(bt_tracker_swarm_count(t), 1);
    bt_tracker_expire(t, 500 * SEC);
    CU_ASSERT_EQUAL(bt_tracker_swarm_count(t), 0);
    bt_tracker_free(t);
}

static void test_tracker_limits(void)
{
    bt_tracker_config cfg = {.max_swarms = 1, .max_peers = 2};
    bt_tracker *t = bt_tracker_new(&cfg);
    bt_announce a = peer(1, BT_EVENT_STARTED, 5);
    bt_response_free(announce(t, &a, 1, 0));
    bt_announce other = a;
    other.info_hash[0] = 1;
    bt_response *r = announce(t, &other, 1, 0);
    CU_ASSERT_STRING_EQUAL(r->failure, "tracker full: too many torrents");
    bt_response_free(r);
    bt_announce b = peer(2, BT_EVENT_STARTED, 5), c = peer(3, BT_EVENT_STARTED, 5);
    bt_response_free(announce(t, &b, 2, 0));
    r = announce(t, &c, 3, 0);
    CU_ASSERT_STRING_EQUAL(r->failure, "tracker full: too many peers in this torrent");
    bt_response_free(r);
    /* A peer already known still gets its answer. */
    r = announce(t, &b, 2, 0);
    CU_ASSERT_PTR_NULL(r->failure);
    CU_ASSERT_EQUAL(r->npeers, 1);
    bt_response_free(r);
    bt_tracker_free(t);
}

static void test_tracker_query(void)
{
    bt_tracker *t = bt_tracker_new(NULL);
    uint8_t ip[4] = {127, 0, 0, 1};
    const char *q = IH PID REST "&compact=1&event=started";
    GByteArray *b = bt_tracker_handle_query(t, q, strlen(q), ip, 0);
    bt_response *r = bt_response_parse(b->data, b->len, NULL);
    CU_ASSERT(r && !r->failure && r->incomplete == 1);
    bt_response_free(r);
    g_byte_array_unref(b);
    q = IH PID "&port=0";
    b = bt_tracker_handle_query(t, q, strlen(q), ip, 0);
    r = bt_response_parse(b->data, b->len, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_STRING_EQUAL(r->failure, "port has a bad value \"0\"");
    bt_response_free(r);
    g_byte_array_unref(b);
    bt_tracker_free(t);
}

/* 100 peers, numwant 10: each answer is 10 distinct others; the same
 * seed and announces give the same bytes; another seed other choices. */
static GString *run_swarm(uint64_t seed)
{
    bt_tracker_config cfg = {.seed = seed};
    bt_tracker *t = bt_tracker_new(&cfg);
    GString *all = g_string_new(NULL);
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < 100; i++) {
            bt_announce a = peer(i, round == 0 ? BT_EVENT_STARTED : BT_EVENT_NONE, (uint64_t)i % 3);
            a.numwant = 10;
            uint8_t ip[4] = {10, 1, (uint8_t)(i / 256), (uint8_t)i};
            GByteArray *b = bt_tracker_announce(t, &a, ip, (round * 100 + i) * SEC);
            bt_response *r = bt_response_parse(b->data, b->len, NULL);
            CU_ASSERT_PTR_NOT_NULL_FATAL(r);
            CU_ASSERT_EQUAL(r->npeers, MIN(i + 100 * round, 10));
            for (size_t j = 0; j < r->npeers; j++) {
                CU_ASSERT_NOT_EQUAL(r->peers[j].port, a.port);
                for (size_t k = 0; k < j; k++)
                    CU_ASSERT_NOT_EQUAL(r->peers[j].port, r->peers[k].port);
            }
            g_string_append_len(all, (const char *)b->data, b->len);
            bt_response_free(r);
            g_byte_array_unref(b);
        }
    }
    size_t seeds, leechers;
    bt_announce any = peer(0, BT_EVENT_NONE, 0);
    CU_ASSERT(bt_tracker_counts(t, any.info_hash, &seeds, &leechers, NULL));
    CU_ASSERT_EQUAL(seeds, 34);
    CU_ASSERT_EQUAL(leechers, 66);
    bt_tracker_free(t);
    return all;
}

static void test_tracker_determinism(void)
{
    GString *a = run_swarm(7), *b = run_swarm(7), *c = run_swarm(8);
    CU_ASSERT(g_string_equal(a, b));
    CU_ASSERT_FALSE(g_string_equal(a, c));
    g_string_free(a, TRUE);
    g_string_free(b, TRUE);
    g_string_free(c, TRUE);
}

int main(void)
{
    static const test_case tests[] = {
        TEST(test_query_build),       TEST(test_query_all_bytes), TEST(test_query_cases),
        TEST(test_query_values),      TEST(test_response_compact), TEST(test_response_dict),
        TEST(test_response_failure),  TEST(test_response_bad),    TEST(test_ipv4),
        TEST(test_tracker_swarm),     TEST(test_tracker_expiry),  TEST(test_tracker_limits),
        TEST(test_tracker_query),     TEST(test_tracker_determinism),
    };
    return test_main("protocols/bt/tracker", tests, G_N_ELEMENTS(tests));
}

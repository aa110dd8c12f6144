/*
 * Fuzz target bt_tracker: the HTTP tracker's parsers
 * (protocols/bt/bt_tracker.c): the announce query and the bencoded
 * response, and the tracker state fed with the query.
 *
 * Input: any bytes, read both as an announce query string and as a
 * tracker response.
 *
 * Invariants:
 *   - a query that parses has a port from 1 to 65535, numbers within
 *     INT64_MAX, numwant at most BT_NUMWANT_MAX; written again with
 *     bt_announce_query it parses to the same announce;
 *   - the tracker answers every query with a response that parses: a
 *     failure exactly when the query does not parse, else at most numwant
 *     peers;
 *   - a response that parses has a failure reason, or an interval and
 *     counts in range, at most BT_RESPONSE_MAX_PEERS peers, none on port
 *     0; its peers encoded again (compact and dictionary form) parse to
 *     the same peers.
 */
#include <glib.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/fuzz_check.h"
#include "protocols/bt/bt_tracker.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_query(const char *q, size_t size)
{
    bt_announce a;
    GError *err = NULL;
    bool ok = bt_announce_parse(q, size, &a, &err);
    if (ok) {
        FUZZ_CHECK(a.port >= 1 && a.numwant <= BT_NUMWANT_MAX && a.left <= (uint64_t)INT64_MAX &&
                       a.uploaded <= (uint64_t)INT64_MAX && a.downloaded <= (uint64_t)INT64_MAX,
                   "announce out of range");
        char *again = bt_announce_query(&a);
        bt_announce b;
        FUZZ_CHECK(bt_announce_parse(again, strlen(again), &b, NULL), "a written query does not parse: %s", again);
        FUZZ_CHECK(bt_announce_equal(&a, &b), "a written query parses otherwise: %s", again);
        g_free(again);
    } else {
        FUZZ_CHECK(err != NULL, "a refusal without an error");
        g_error_free(err);
    }
    bt_tracker *t = bt_tracker_new(NULL);
    uint8_t ip[4] = {10, 0, 0, 1};
    GByteArray *resp = bt_tracker_handle_query(t, q, size, ip, 0);
    bt_response *r = bt_response_parse(resp->data, resp->len, NULL);
    FUZZ_CHECK(r != NULL, "the tracker's answer does not parse");
    FUZZ_CHECK((r->failure != NULL) == !ok, "failure %s for a query that %s", r->failure ? "given" : "not given",
               ok ? "parses" : "does not parse");
    if (ok)
        FUZZ_CHECK(r->npeers <= a.numwant && r->npeers == 0, "a lone peer got %zu peers", r->npeers);
    bt_response_free(r);
    g_byte_array_unref(resp);
    bt_tracker_free(t);
}

static void check_response(const uint8_t *data, size_t size)
{
    bt_response *r = bt_response_parse(data, size, NULL);
    if (!r)
        return;
    if (r->failure) {
        FUZZ_CHECK(strlen(r->failure) <= BT_FAILURE_MAX, "failure reason too long");
        bt_response_free(r);
        return;
    }
    FUZZ_CHECK(r->interval >= 0 && r->interval <= G_MAXINT32 && r->complete >= -1 && r->incomplete >= -1,
               "counts out of range");
    FUZZ_CHECK(r->npeers <= BT_RESPONSE_MAX_PEERS, "%zu peers", r->npeers);
    for (int compact = 0; compact < 2; compact++) {
        GByteArray *b = bt_response_encode(r->interval, r->complete < 0 ? 0 : r->complete,
                                           r->incomplete < 0 ? 0 : r->incomplete, r->peers, r->npeers, compact);
        bt_response *again = bt_response_parse(b->data, b->len, NULL);
        FUZZ_CHECK(again != NULL && again->npeers == r->npeers, "re-encoded peers do not parse");
        for (size_t i = 0; i < r->npeers; i++) {
            FUZZ_CHECK(r->peers[i].port != 0, "port 0 accepted");
            FUZZ_CHECK(memcmp(again->peers[i].ip, r->peers[i].ip, 4) == 0 && again->peers[i].port == r->peers[i].port,
                       "peer %zu changed", i);
            if (!compact)
                FUZZ_CHECK(again->peers[i].has_peer_id == r->peers[i].has_peer_id &&
                               (!r->peers[i].has_peer_id ||
                                memcmp(again->peers[i].peer_id, r->peers[i].peer_id, BT_ID_LEN) == 0),
                           "peer id %zu changed", i);
        }
        bt_response_free(again);
        g_byte_array_unref(b);
    }
    bt_response_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *copy = g_memdup2(data, size); /* exact size: reads past the end are caught */
    check_query((const char *)copy, size);
    check_response(copy, size);
    g_free(copy);
    return 0;
}

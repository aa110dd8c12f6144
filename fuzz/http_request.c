/*
 * Fuzz target http_request: the HTTP/1.x request parser
 * (protocols/http/http_parser.c) on requests, and the serializer of the
 * heads it gives (http_msg.c).
 *
 * Input: one setup byte (limits and the piece size of one replay; see
 * fuzz/lib/http_replay.h; '0' is the default limits), then the bytes a
 * client sends on one connection, pipelined requests included.
 *
 * Invariants (fuzz/lib/http_replay.h): the parser's calling contract; the
 * same events whole, one byte per call and in pieces; every head
 * serialises and parses back to an equal head.
 */
#include <stddef.h>
#include <stdint.h>

#include "lib/http_replay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    http_replay_setup setup;
    size_t skip = http_replay_setup_read(true, data, size, &setup);
    if (skip == 0)
        return 0;
    http_replay_check(&setup, data + skip, size - skip);
    return 0;
}

/*
 * Fuzz target http_response: the HTTP/1.x response parser
 * (protocols/http/http_parser.c) on responses, with the methods of the
 * requests they answer, and the serializer of the heads it gives.
 *
 * Input: two setup bytes (limits and piece size, then the methods the
 * first four final responses answer; see fuzz/lib/http_replay.h; "00" is
 * the default limits, and GET for all but the third, which answers POST),
 * then the bytes a server sends on one connection; the end of the input is
 * the end of the connection (http_parser_finish), which completes a
 * close-delimited body.
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
    size_t skip = http_replay_setup_read(false, data, size, &setup);
    if (skip == 0)
        return 0;
    http_replay_check(&setup, data + skip, size - skip);
    return 0;
}

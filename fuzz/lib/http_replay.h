/*
 * http_replay: the checks the HTTP request and response fuzz targets share.
 *
 * http_replay_check() feeds one input to a fresh parser several times, each
 * time split differently (whole, one byte per call, and pieces of a size the
 * input chooses), every piece copied into an allocation of its own exact
 * size so that AddressSanitizer sees any read past it. Each replay writes a
 * log of the events (heads serialised, body spans joined, errors with their
 * status and reason, and what http_parser_finish() says at the end), and
 * aborts on any of these broken invariants:
 *
 *   - the calling contract of http_parser.h: never more consumed than
 *     given, NEED_MORE only when everything was consumed, no more than a few
 *     calls in a row without progress, body spans inside the input and not
 *     empty, HEAD and DONE alternating, an error status among those the
 *     header lists, with an explanation;
 *   - every split gives the same log as the whole input;
 *   - every head the parser gives serialises (http_msg_serialize) to bytes
 *     that a fresh parser reads back into an equal head, which serialises to
 *     the same bytes again.
 *
 * The setup (limits, and for responses the methods of the requests they
 * answer) comes from the first bytes of the input; see http_replay_setup().
 */
#ifndef APPSIM_FUZZ_HTTP_REPLAY_H
#define APPSIM_FUZZ_HTTP_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "protocols/http/http_parser.h"

/* How many responses http_replay_setup() queues methods for. */
#define HTTP_REPLAY_METHODS 4

typedef struct {
    bool requests;
    http_limits limits;
    size_t piece; /* the size of the pieces of the third replay (2 to 17) */
    http_method methods[HTTP_REPLAY_METHODS]; /* responses: what the first ones answer */
} http_replay_setup;

/*
 * Reads the setup from the front of the input and returns how many bytes it
 * took (1 for requests, 2 for responses; 0 when the input is shorter, and
 * then nothing is to be replayed).
 *
 * Byte 0: the low four bits k choose the limits: 0 the defaults, else tight
 * ones that a short input can reach (start line 16k, header section 32k,
 * k + 1 header lines, body 5k bytes; k = 2 gives the limits of
 * tests/protocols/http/test_parser.c's small_limits). The high four bits h
 * make the third replay's pieces h + 2 bytes long. The digit '0' is the
 * defaults with pieces of 5 bytes.
 *
 * Byte 1 (responses): two bits per response, lowest first, give the method
 * of the request each of the first four final responses answers: 0 GET,
 * 1 HEAD, 2 CONNECT, 3 POST. Later responses answer GET.
 */
size_t http_replay_setup_read(bool requests, const uint8_t *data, size_t len, http_replay_setup *s);

/* Replays `data` (the message bytes, after the setup) and checks every
 * invariant above; aborts on a broken one. */
void http_replay_check(const http_replay_setup *s, const uint8_t *data, size_t len);

#endif

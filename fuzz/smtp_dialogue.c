/*
 * Fuzz target smtp_dialogue: the SMTP dialogue parser of transcripts and
 * the packet labels of timelines (protocols/smtp/app/smtp_app_common.c).
 *
 * Input: one setup byte, then the bytes of one direction of an SMTP
 * connection. The setup byte's low bit chooses the direction (1: the
 * client's commands and messages, 0: the server's replies), its high four
 * bits the size of the pieces of the third replay (2 to 17).
 *
 * Invariants, beyond "no crash, no leak, no undefined behaviour":
 *  - the messages (heads, body byte counts summed, ends) are the same fed
 *    whole, one byte per call, and in pieces;
 *  - every call that gives no event consumes all it was given, and no
 *    call consumes more than it was given;
 *  - a body counts at most the bytes fed, and every message given is
 *    ended before the next begins (a HEAD never follows a HEAD or a BODY
 *    without an END between);
 *  - the label of the input as one segment is a string of at most 80
 *    characters.
 */
#include <glib.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/fuzz_check.h"
#include "protocols/smtp/app/smtp_apps.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The direction's messages fed `piece` bytes per call, as text. */
static char *replay(const uint8_t *in, size_t len, bool client, size_t piece)
{
    const app_dialogue *d = &smtp_app_dialogue;
    void *p = d->new(client);
    GString *out = g_string_new("");
    uint64_t body = 0, fed = 0;
    bool open = false;
    for (size_t off = 0; off < len;) {
        size_t n = MIN(piece, len - off), used = 0;
        fed += n;
        for (;;) {
            app_dlg_event ev = {0};
            size_t k = d->feed(p, in + off + used, n - used, &ev);
            FUZZ_CHECK(k <= n - used, "consumed %zu of %zu", k, n - used);
            used += k;
            if (ev.kind == APP_DLG_NEED_MORE || ev.kind == APP_DLG_ERROR) {
                FUZZ_CHECK(used == n, "stopped with %zu of %zu bytes left", n - used, n);
                break;
            }
            if (ev.kind == APP_DLG_HEAD) {
                FUZZ_CHECK(!open, "a message began before the last one ended");
                open = true;
                if (body)
                    g_string_append_printf(out, "[%" G_GUINT64_FORMAT "]", body);
                body = 0;
                g_string_append(out, ev.head);
                g_free(ev.head);
            } else if (ev.kind == APP_DLG_BODY) {
                FUZZ_CHECK(open, "a body outside a message");
                body += ev.body;
                FUZZ_CHECK(body <= fed, "a body of %" G_GUINT64_FORMAT " bytes after %" G_GUINT64_FORMAT " fed",
                           body, fed);
            } else if (ev.kind == APP_DLG_END) {
                FUZZ_CHECK(open, "an end outside a message");
                open = false;
                g_string_append_printf(out, "[%" G_GUINT64_FORMAT "]|", body);
                body = 0;
            }
        }
        off += n;
    }
    g_string_append_printf(out, "%s[%" G_GUINT64_FORMAT "]", open ? "open" : "", body);
    d->free(p);
    return g_string_free(out, FALSE);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    bool client = data[0] & 1;
    size_t piece = 2 + (data[0] >> 4);
    size_t len = size - 1;
    uint8_t *in = g_memdup2(data + 1, len); /* exact size: a read past the end is caught */
    char *whole = replay(in, len, client, len);
    char *bytes = replay(in, len, client, 1);
    char *pieces = replay(in, len, client, piece);
    FUZZ_CHECK(!strcmp(whole, bytes), "whole and byte by byte differ:\n%s\n%s", whole, bytes);
    FUZZ_CHECK(!strcmp(whole, pieces), "whole and in pieces of %zu differ:\n%s\n%s", piece, whole, pieces);
    char *label = smtp_app_label(in, len);
    FUZZ_CHECK(label && strlen(label) <= 80, "label \"%s\"", label ? label : "(null)");
    g_free(label);
    g_free(whole);
    g_free(bytes);
    g_free(pieces);
    g_free(in);
    return 0;
}

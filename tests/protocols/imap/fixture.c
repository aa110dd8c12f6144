/*
 * fixture: the mail store the IMAP tests start from, and a driver that
 * feeds a core in pieces and collects what it writes.
 */
#include "fixture.h"

#include <string.h>

const char *const fixture_msg1 = "From: Alice Liddell <alice@example.org>\r\n"
                                 "To: bob@example.com\r\n"
                                 "Subject: Hello\r\n"
                                 "Date: Sun, 01 Nov 2026 10:00:00 +0000\r\n"
                                 "Message-ID: <1@example.org>\r\n"
                                 "\r\n"
                                 "Hi Bob,\r\n"
                                 "how are you?\r\n";

const char *const fixture_msg2 = "From: \"Bob B.\" <bob@example.com>\r\n"
                                 "To: alice@example.org, Carol <carol@example.net>\r\n"
                                 "Cc: team: dave@example.com;\r\n"
                                 "Subject: Report\r\n"
                                 "Date: Mon, 02 Nov 2026 09:30:00 +0000\r\n"
                                 "MIME-Version: 1.0\r\n"
                                 "Content-Type: multipart/mixed; boundary=\"XX\"\r\n"
                                 "\r\n"
                                 "preamble\r\n"
                                 "--XX\r\n"
                                 "Content-Type: text/plain; charset=utf-8\r\n"
                                 "\r\n"
                                 "See attached.\r\n"
                                 "--XX\r\n"
                                 "Content-Type: application/pdf; name=\"r.pdf\"\r\n"
                                 "Content-Transfer-Encoding: base64\r\n"
                                 "Content-Disposition: attachment; filename=\"r.pdf\"\r\n"
                                 "\r\n"
                                 "JVBERi0xLjQK\r\n"
                                 "--XX--\r\n";

const char *const fixture_msg3 = "From: carol@example.net\r\n"
                                 "Subject: Lunch\r\n"
                                 "\r\n"
                                 "Pizza at noon?\r\n";

/* 2026-11-01 10:00:00 UTC and a day apart after it. */
#define DAY_NS (INT64_C(86400) * 1000000000)
const int64_t fixture_t0 = INT64_C(1793527200) * 1000000000;

static void add(mail_folder *f, const char *text, unsigned flags, int64_t when)
{
    GBytes *b = g_bytes_new(text, strlen(text));
    mail_folder_append(f, b, flags, when, NULL);
    g_bytes_unref(b);
}

mail_store *fixture_store(void)
{
    mail_store *st = mail_store_new();
    mail_store_add_user(st, "alice", "wonderland", NULL);
    mail_store_add_user(st, "bob", "builder", NULL);
    mail_folder *inbox = mail_store_folder(st, "alice", "INBOX", NULL);
    mail_store_folder_create(st, "alice", "Archive", NULL);
    mail_store_folder_create(st, "alice", "Work/Projects", NULL);
    add(inbox, fixture_msg1, MAIL_FLAG_SEEN, fixture_t0);
    add(inbox, fixture_msg2, MAIL_FLAG_RECENT, fixture_t0 + DAY_NS);
    add(inbox, fixture_msg3, MAIL_FLAG_FLAGGED | MAIL_FLAG_RECENT, fixture_t0 + 2 * DAY_NS);
    return st;
}

void fixture_drain(imap_server_core *s, GString *out)
{
    size_t n;
    const uint8_t *o = imap_server_core_output(s, &n);
    g_string_append_len(out, (const char *)o, (gssize)n);
    imap_server_core_consume(s, n);
}

size_t fixture_feed(imap_server_core *s, const char *in, size_t len, size_t chunk, GString *out, size_t *max_buffered)
{
    size_t fed = 0;
    for (size_t off = 0; off < len; off += chunk) {
        size_t n = MIN(chunk, len - off), used = 0;
        uint8_t *piece = g_memdup2(in + off, n);
        int idle = 0;
        while (used < n && idle < 3) {
            size_t k = imap_server_core_feed(s, piece + used, n - used);
            idle = k ? 0 : idle + 1;
            used += k;
            if (max_buffered && imap_server_core_buffered(s) > *max_buffered)
                *max_buffered = imap_server_core_buffered(s);
            fixture_drain(s, out);
        }
        g_free(piece);
        fed += used;
    }
    return fed;
}

char *fixture_session(mail_store *st, const imap_server_config *cfg, const char *in)
{
    imap_server_core *s = imap_server_core_new(cfg, st);
    imap_server_core_set_now(s, fixture_t0 + 10 * DAY_NS);
    GString *out = g_string_new(NULL);
    fixture_drain(s, out);
    fixture_feed(s, in, strlen(in), MAX(strlen(in), 1), out, NULL);
    imap_server_core_free(s);
    return g_string_free(out, FALSE);
}

/*
 * Tests of protocols/imap/imap_server_core: transcripts replayed at every
 * chunk size, two sessions sharing one store, flags and UIDs durable
 * across sessions, the limits with bounded memory, and back-pressure.
 *
 * A transcript is data: what the client sends (`input`) and every byte
 * the server must answer (`output`, greeting included), on a fresh copy
 * of the fixture's store (fixture.h). replay() feeds the input in pieces
 * of every size from 1 byte to all of it, each in an exactly-sized
 * allocation (the sanitizers catch a read past it), and checks that the
 * output is the same for every split.
 */
#include <glib.h>
#include <string.h>

#include "fixture.h"
#include "test_util.h"

typedef enum { DEFAULTS, NOLOGIN, SMALL } config_kind;

typedef struct {
    const char *name;
    config_kind cfg;
    const char *input;
    const char *output;
} transcript;

static imap_server_config config_of(config_kind k)
{
    imap_server_config c = {0};
    if (k == NOLOGIN)
        c.login_disabled = true;
    if (k == SMALL) {
        c.max_line = 64;
        c.max_literal = 100;
        c.max_bad = 3;
    }
    return c;
}

static char *run_chunks(const transcript *t, size_t chunk, size_t *max_buffered)
{
    mail_store *st = fixture_store();
    imap_server_config cfg = config_of(t->cfg);
    imap_server_core *s = imap_server_core_new(&cfg, st);
    imap_server_core_set_now(s, fixture_t0 + INT64_C(10) * 86400 * 1000000000);
    GString *out = g_string_new(NULL);
    fixture_drain(s, out);
    size_t len = strlen(t->input);
    CU_ASSERT_EQUAL(fixture_feed(s, t->input, len, chunk, out, max_buffered), len);
    imap_server_core_free(s);
    mail_store_free(st);
    return g_string_free(out, FALSE);
}

static void replay(const transcript *t)
{
    size_t len = strlen(t->input);
    for (size_t chunk = 1; chunk <= MAX(len, 1); chunk++) {
        char *out = run_chunks(t, chunk, NULL);
        bool ok = strcmp(out, t->output) == 0;
        if (!ok)
            fprintf(stderr, "\n%s, chunk %zu:\n output: [%s]\n expect: [%s]\n", t->name, chunk, out, t->output);
        CU_ASSERT_TRUE(ok);
        g_free(out);
        if (!ok)
            break;
    }
}

static const transcript transcripts[] = {
    {.name = "greeting, capability, noop, logout",
     .input = "a CAPABILITY\r\n"
              "b NOOP\r\n"
              "c LOGOUT\r\n"
              "d NOOP\r\n",
     .output = "* OK [CAPABILITY IMAP4rev1 LITERAL+ UIDPLUS MOVE UNSELECT] IMAP4rev1 server ready\r\n"
              "* CAPABILITY IMAP4rev1 LITERAL+ UIDPLUS MOVE UNSELECT\r\n"
              "a OK CAPABILITY completed\r\n"
              "b OK NOOP completed\r\n"
              "* BYE IMAP4rev1 server logging out\r\n"
              "c OK LOGOUT completed\r\n"},
    {.name = "login: a wrong password and an unknown user get the same answer",
     .input = "a LOGIN alice queen\r\n"
              "b LOGIN nobody queen\r\n"
              "c LOGIN \"alice\" {10}\r\n"
              "wonderland\r\n"
              "d LOGIN alice wonderland\r\n"
              "e LOGOUT\r\n",
     .output = "* OK [CAPABILITY IMAP4rev1 LITERAL+ UIDPLUS MOVE UNSELECT] IMAP4rev1 server ready\r\n"
              "a NO [AUTHENTICATIONFAILED] Authentication failed\r\n"
              "b NO [AUTHENTICATIONFAILED] Authentication failed\r\n"
              "+ Ready for literal data\r\n"
              "c OK LOGIN completed\r\n"
              "d BAD Command not valid in this state\r\n"
              "* BYE IMAP4rev1 server logging out\r\n"
              "e OK LOGOUT completed\r\n"},
    {.name = "login disabled on this connection", .cfg = NOLOGIN,
     .input = "a CAPABILITY\r\n"
              "b LOGIN alice wonderland\r\n"
              "c SELECT INBOX\r\n",
     .output = "* OK [CAPABILITY IMAP4rev1 LITERAL+ UIDPLUS MOVE UNSELECT LOGINDISABLED] IMAP4rev1 server ready\r\n"
              "* CAPABILITY IMAP4rev1 LITERAL+ UIDPLUS MOVE UNSELECT LOGINDISABLED\r\n"
              "a OK CAPABILITY completed\r\n"
              "b NO [PRIVACYREQUIRED] Plain-text login is disabled on this connection\r\n"
              "c BAD Log in first\r\n"},
    {.name = "state errors",
     .input = "a SELECT INBOX\r\n"
              "b FETCH 1 FLAGS\r\n"
              "a LOGIN alice wonderland\r\n"
              "c LOGIN alice wonderland\r\n"
              "d FETCH 1 FLAGS\r\n"
              "e EXPUNGE\r\n"
              "f CLOSE\r\n",
     .output = "* OK [CAPABILITY IMAP4rev1 LITERAL+ UIDPLUS MOVE UNSELECT] IMAP4rev1 server ready\r\n"
              "a BAD Log in first\r\n"
              "b BAD Log in first\r\n"
              "a OK LOGIN completed\r\n"
              "c BAD Command not valid in this state\r\n"
              "d BAD Command not valid in this state\r\n"
              "e BAD Command not valid in this state\r\n"
              "f BAD Command not valid in this state\r\n"},
    {.name = "select, examine, fetch of the simple items",
     .input = "a LOGIN alice wonderland\r\n"
              "b SELECT INBOX\r\n"
              "c FETCH 1:* (FLAGS UID RFC822.SIZE INTERNALDATE)\r\n"
              "d EXAMINE Archive\r\n"
              "e FETCH * FLAGS\r\n"
              "f SELECT nosuch\r\n"
              "g FETCH 1 FLAGS\r\n",
     .output = "* OK [CAPABILITY IMAP4rev1 LITERAL+ UIDPLUS MOVE UNSELECT] IMAP4rev1 server ready\r\n"
              "a OK LOGIN completed\r\n"
              "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"
              "* 3 EXISTS\r\n"
              "* 2 RECENT\r\n"
              "* OK [UNSEEN 2] First unseen\r\n"
              "* OK [UIDVALIDITY 1] UIDs valid\r\n"
              "* OK [UIDNEXT 4] Predicted next UID\r\n"
              "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)] Limited\r\n"
              "b OK [READ-WRITE] SELECT completed\r\n"
              "* 1 FETCH (FLAGS (\\Seen) UID 1 RFC822.SIZE 171 INTERNALDATE \"01-Nov-2026 10:00:00 +0000\")\r\n"
              "* 2 FETCH (FLAGS (\\Recent) UID 2 RFC822.SIZE 471 INTERNALDATE \"02-Nov-2026 10:00:00 +0000\")\r\n"
              "* 3 FETCH (FLAGS (\\Flagged \\Recent) UID 3 RFC822.SIZE 59 INTERNALDATE \"03-Nov-2026 10:00:00 +0000\")\r\n"
              "c OK FETCH completed\r\n"
              "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"
              "* 0 EXISTS\r\n"
              "* 0 RECENT\r\n"
              "* OK [UIDVALIDITY 3] UIDs valid\r\n"
              "* OK [UIDNEXT 1] Predicted next UID\r\n"
              "* OK [PERMANENTFLAGS ()] No permanent flags permitted\r\n"
              "d OK [READ-ONLY] EXAMINE completed\r\n"
              "e OK FETCH completed\r\n"
              "f NO [NONEXISTENT] No such mailbox\r\n"
              "g BAD Command not valid in this state\r\n"},
    {.name = "envelope and bodystructure of a multipart message",
     .input = "a LOGIN alice wonderland\r\n"
              "b SELECT INBOX\r\n"
              "c FETCH 2 (ENVELOPE BODYSTRUCTURE)\r\n"
              "d FETCH 2 BODY\r\n",
     .output = "* OK [CAPABILITY IMAP4rev1 LITERAL+ UIDPLUS MOVE UNSELECT] IMAP4rev1 server ready\r\n"
              "a OK LOGIN completed\r\n"
              "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"
              "* 3 EXISTS\r\n"
              "* 2 RECENT\r\n"
              "* OK [UNSEEN 2] First unseen\r\n"
              "* OK [UIDVALIDITY 1] UIDs valid\r\n"
              "* OK [UIDNEXT 4] Predicted next UID\r\n"
              "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)] Limited\r\n"
              "b OK [READ-WRITE] SELECT completed\r\n"
              "* 2 FETCH (ENVELOPE (\"Mon, 02 Nov 2026 09:30:00 +0000\" \"Report\" ((\"Bob B.\" NIL \"bob\" \"example.com\")) ((\"Bob B.\" NIL \"bob\" \"example.com\")) ((\"Bob B.\" NIL \"bob\" \"example.com\")) ((NIL NIL \"alice\" \"example.org\")(\"Carol\" NIL \"carol\" \"example.net\")) ((NIL NIL \"team\" NIL)(NIL NIL \"dave\" \"example.com\")(NIL NIL NIL NIL)) NIL NIL NIL) BODYSTRUCTURE ((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"utf-8\") NIL NIL \"7BIT\" 13 1 NIL NIL NIL NIL)(\"APPLICATION\" \"PDF\" (\"NAME\" \"r.pdf\") NIL NIL \"BASE64\" 12 NIL (\"ATTACHMENT\" (\"FILENAME\" \"r.pdf\")) NIL NIL) \"MIXED\" (\"BOUNDARY\" \"XX\") NIL NIL NIL))\r\n"
              "c OK FETCH completed\r\n"
              "* 2 FETCH (BODY ((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"utf-8\") NIL NIL \"7BIT\" 13 1)(\"APPLICATION\" \"PDF\" (\"NAME\" \"r.pdf\") NIL NIL \"BASE64\" 12) \"MIXED\"))\r\n"
              "d OK FETCH completed\r\n"},
    {.name = "body sections, partial, peek",
     .input = "a LOGIN alice wonderland\r\n"
              "b SELECT INBOX\r\n"
              "c FETCH 2 (BODY.PEEK[HEADER.FIELDS (Subject From)] BODY.PEEK[1] BODY.PEEK[2.MIME] BODY.PEEK[TEXT]<0.10>)\r\n"
              "d FETCH 2 (BODY.PEEK[5] BODY.PEEK[HEADER.FIELDS.NOT (To Cc Date MIME-Version Content-Type)] FLAGS)\r\n"
              "e FETCH 1 (BODY.PEEK[1] BODY.PEEK[]<150.100>)\r\n"
              "f FETCH 1 (BODY.PEEK[1.1] BODY.PEEK[1.MIME])\r\n"
              "g FETCH 3 (BODY.PEEK[1] BODY.PEEK[2.HEADER]<3.7>)\r\n",
     .output = "* OK [CAPABILITY IMAP4rev1 LITERAL+ UIDPLUS MOVE UNSELECT] IMAP4rev1 server ready\r\n"
              "a OK LOGIN completed\r\n"
              "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"
              "* 3 EXISTS\r\n"
              "* 2 RECENT\r\n"
              "* OK [UNSEEN 2] First unseen\r\n"
              "* OK [UIDVALIDITY 1] UIDs valid\r\n"
              "* OK [UIDNEXT 4] Predicted next UID\r\n"
              "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)] Limited\r\n"
              "b OK [READ-WRITE] SELECT completed\r\n"
              "* 2 FETCH (BODY[HEADER.FIELDS (SUBJECT FROM)] {53}\r\n"
              "From: \"Bob B.\" <bob@example.com>\r\n"
              "Subject: Report\r\n"
              "\r\n"
              " BODY[1] {13}\r\n"
              "See attached. BODY[2.MIME] {133}\r\n"
              "Content-Type: application/pdf; name=\"r.pdf\"\r\n"
              "Content-Transfer-Encoding: base64\r\n"
              "Content-Disposition: attachment; filename=\"r.pdf\"\r\n"
              "\r\n"
              " BODY[TEXT]<0> {10}\r\n"
              "preamble\r\n"
              ")\r\n"
              "c OK FETCH completed\r\n"
              "* 2 FETCH (BODY[5] {0}\r\n"
              " BODY[HEADER.FIELDS.NOT (TO CC DATE MIME-VERSION CONTENT-TYPE)] {53}\r\n"
              "From: \"Bob B.\" <bob@example.com>\r\n"
              "Subject: Report\r\n"
              "\r\n"
              " FLAGS (\\Recent))\r\n"
              "d OK FETCH completed\r\n"
              "* 1 FETCH (BODY[1] {23}\r\n"
              "Hi Bob,\r\n"
              "how are you?\r\n"
              " BODY[]<150> {21}\r\n"
              " Bob,\r\n"
              "how are you?\r\n"
              ")\r\n"
              "e OK FETCH completed\r\n"
              "* 1 FETCH (BODY[1.1] {0}\r\n"
              " BODY[1.MIME] {148}\r\n"
              "From: Alice Liddell <alice@example.org>\r\n"
              "To: bob@example.com\r\n"
              "Subject: Hello\r\n"
              "Date: Sun, 01 Nov 2026 10:00:00 +0000\r\n"
              "Message-ID: <1@example.org>\r\n"
              "\r\n"
              ")\r\n"
              "f OK FETCH completed\r\n"
              "* 3 FETCH (BODY[1] {16}\r\n"
              "Pizza at noon?\r\n"
              " BODY[2.HEADER]<3> {0}\r\n"
              ")\r\n"
              "g OK FETCH completed\r\n"},
    {.name = "a fetch of the body sets \\Seen and reports FLAGS",
     .input = "a LOGIN alice wonderland\r\n"
              "b SELECT INBOX\r\n"
              "c FETCH 3 BODY[TEXT]\r\n"
              "d FETCH 3 RFC822.TEXT\r\n"
              "e FETCH 3 FLAGS\r\n"
              "f UID FETCH 3 (RFC822.HEADER)\r\n",
     .output = "* OK [CAPABILITY IMAP4rev1 LITERAL+ UIDPLUS MOVE UNSELECT] IMAP4rev1 server ready\r\n"
              "a OK LOGIN completed\r\n"
              "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"
              "* 3 EXISTS\r\n"
              "* 2 RECENT\r\n"
              "* OK [UNSEEN 2] First unseen\r\n"
              "* OK [UIDVALIDITY 1] UIDs valid\r\n"
              "* OK [UIDNEXT 4] Predicted next UID\r\n"
              "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)] Limited\r\n"
              "b OK [READ-WRITE] SELECT completed\r\n"
              "* 3 FETCH (BODY[TEXT] {16}\r\n"
              "Pizza at noon?\r\n"
              " FLAGS (\\Flagged \\Seen \\Recent))\r\n"
              "c OK FETCH completed\r\n"
              "* 3 FETCH (RFC822.TEXT {16}\r\n"
              "Pizza at noon?\r\n"
              ")\r\n"
              "d OK FETCH completed\r\n"
              "* 3 FETCH (FLAGS (\\Flagged \\Seen \\Recent))\r\n"
              "e OK FETCH completed\r\n"
              "* 3 FETCH (UID 3 RFC822.HEADER {43}\r\n"
              "From: carol@example.net\r\n"
              "Subject: Lunch\r\n"
              "\r\n"
              ")\r\n"
              "f OK UID FETCH completed\r\n"},
    {.name = "store: replace, add, remove, silent, uid",
     .input = "a LOGIN alice wonderland\r\n"
              "b SELECT INBOX\r\n"
              "c STORE 1 FLAGS (\\Answered)\r\n"
              "d STORE 1:2 +FLAGS.SILENT (\\Flagged \\Draft)\r\n"
              "e STORE 2 -FLAGS \\Draft\r\n"
              "f UID STORE 3 +FLAGS ($Junk \\Seen)\r\n"
              "g FETCH 1:* FLAGS\r\n"
              "h STORE 1 FLAGS (\\Recent)\r\n"
              "i STORE 1 BOGUS (\\Seen)\r\n",
     .output = "* OK [CAPABILITY IMAP4rev1 LITERAL+ UIDPLUS MOVE UNSELECT] IMAP4rev1 server ready\r\n"
              "a OK LOGIN completed\r\n"
              "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"
              "* 3 EXISTS\r\n"
              "* 2 RECENT\r\n"
              "* OK [UNSEEN 2] First unseen\r\n"
              "* OK [UIDVALIDITY 1] UIDs valid\r\n"
              "* OK [UIDNEXT 4] Predicted next UID\r\n"
              "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)] Limited\r\n"
              "b OK [READ-WRITE] SELECT completed\r\n"
              "* 1 FETCH (FLAGS (\\Answered))\r\n"
              "c OK STORE completed\r\n"
              "d OK STORE completed\r\n"
              "* 2 FETCH (FLAGS (\\Flagged \\Recent))\r\n"
              "e OK STORE completed\r\n"
              "* 3 FETCH (FLAGS (\\Flagged \\Seen \\Recent) UID 3)\r\n"
              "f OK UID STORE completed\r\n"
              "* 1 FETCH (FLAGS (\\Answered \\Flagged \\Draft))\r\n"
              "* 2 FETCH (FLAGS (\\Flagged \\Recent))\r\n"
              "* 3 FETCH (FLAGS (\\Flagged \\Seen \\Recent))\r\n"
              "g OK FETCH completed\r\n"
              "h BAD Syntax: STORE set [+|-]FLAGS[.SILENT] (flags)\r\n"
              "i BAD Syntax: STORE set [+|-]FLAGS[.SILENT] (flags)\r\n"},
    {.name = "expunge reports numbers that hold when read",
     .input = "a LOGIN alice wonderland\r\n"
              "b SELECT INBOX\r\n"
              "c STORE 1,3 +FLAGS (\\Deleted)\r\n"
              "d EXPUNGE\r\n"
              "e FETCH 1 (UID FLAGS)\r\n"
              "f STATUS INBOX (MESSAGES UIDNEXT UIDVALIDITY)\r\n",
     .output = "* OK [CAPABILITY IMAP4rev1 LITERAL+ UIDPLUS MOVE UNSELECT] IMAP4rev1 server ready\r\n"
              "a OK LOGIN completed\r\n"
              "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"
              "* 3 EXISTS\r\n"
              "* 2 RECENT\r\n"
              "* OK [UNSEEN 2] First unseen\r\n"
              "* OK [UIDVALIDITY 1] UIDs valid\r\n"
              "* OK [UIDNEXT 4] Predicted next UID\r\n"
              "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)] Limited\r\n"
              "b OK [READ-WRITE] SELECT completed\r\n"
              "* 1 FETCH (FLAGS (\\Deleted \\Seen))\r\n"
              "* 3 FETCH (FLAGS (\\Flagged \\Deleted \\Recent))\r\n"
              "c OK STORE completed\r\n"
              "* 3 EXPUNGE\r\n"
              "* 1 EXPUNGE\r\n"
              "d OK EXPUNGE completed\r\n"
              "* 1 FETCH (UID 2 FLAGS (\\Recent))\r\n"
              "e OK FETCH completed\r\n"
              "* STATUS \"INBOX\" (MESSAGES 1 UIDNEXT 4 UIDVALIDITY 1)\r\n"
              "f OK STATUS completed\r\n"},
    {.name = "close expunges silently, unselect does not",
     .input = "a LOGIN alice wonderland\r\n"
              "b SELECT INBOX\r\n"
              "c STORE 2 +FLAGS (\\Deleted)\r\n"
              "d UNSELECT\r\n"
              "e SELECT INBOX\r\n"
              "f CLOSE\r\n"
              "g STATUS INBOX (MESSAGES)\r\n"
              "h EXAMINE INBOX\r\n",
     .output = "* OK [CAPABILITY IMAP4rev1 LITERAL+ UIDPLUS MOVE UNSELECT] IMAP4rev1 server ready\r\n"
              "a OK LOGIN completed\r\n"
              "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"
              "* 3 EXISTS\r\n"
              "* 2 RECENT\r\n"
              "* OK [UNSEEN 2] First unseen\r\n"
              "* OK [UIDVALIDITY 1] UIDs valid\r\n"
              "* OK [UIDNEXT 4] Predicted next UID\r\n"
              "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)] Limited\r\n"
              "b OK [READ-WRITE] SELECT completed\r\n"
              "* 2 FETCH (FLAGS (\\Deleted \\Recent))\r\n"
              "c OK STORE completed\r\n"
              "d OK UNSELECT completed\r\n"
              "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"
              "* 3 EXISTS\r\n"
              "* 0 RECENT\r\n"
              "* OK [UNSEEN 2] First unseen\r\n"
              "* OK [UIDVALIDITY 1] UIDs valid\r\n"
              "* OK [UIDNEXT 4] Predicted next UID\r\n"
              "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)] Limited\r\n"
              "e OK [READ-WRITE] SELECT completed\r\n"
              "f OK CLOSE completed\r\n"
              "* STATUS \"INBOX\" (MESSAGES 2)\r\n"
              "g OK STATUS completed\r\n"
              "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"
              "* 2 EXISTS\r\n"
              "* 0 RECENT\r\n"
              "* OK [UNSEEN 2] First unseen\r\n"
              "* OK [UIDVALIDITY 1] UIDs valid\r\n"
              "* OK [UIDNEXT 4] Predicted next UID\r\n"
              "* OK [PERMANENTFLAGS ()] No permanent flags permitted\r\n"
              "h OK [READ-ONLY] EXAMINE completed\r\n"},
    {.name = "search",
     .input = "a LOGIN alice wonderland\r\n"
              "b SELECT INBOX\r\n"
              "c SEARCH ALL\r\n"
              "d SEARCH UNSEEN\r\n"
              "e SEARCH SEEN\r\n"
              "f SEARCH FLAGGED\r\n"
              "g SEARCH NOT FLAGGED\r\n"
              "h SEARCH OR SEEN FLAGGED\r\n"
              "i SEARCH FROM bob\r\n"
              "j SEARCH SUBJECT \"LUNCH\"\r\n"
              "k SEARCH BODY pizza\r\n"
              "l SEARCH TEXT example.org\r\n"
              "m SEARCH LARGER 200\r\n"
              "n SEARCH SMALLER 100\r\n"
              "o SEARCH SINCE 2-Nov-2026\r\n"
              "p SEARCH BEFORE 2-Nov-2026\r\n"
              "q SEARCH ON 03-Nov-2026\r\n"
              "r SEARCH 2:* UNDELETED\r\n"
              "s UID SEARCH UID 2:3 (OR NEW ANSWERED)\r\n"
              "t SEARCH CHARSET UTF-8 HEADER Message-ID example\r\n"
              "u SEARCH CHARSET KOI8-R ALL\r\n"
              "v SEARCH RECENT NOT SEEN\r\n"
              "w SEARCH OLD\r\n"
              "x SEARCH KEYWORD $Junk\r\n"
              "y SEARCH NOT (FROM carol TO bob)\r\n"
              "z SEARCH SENTON 2-Nov-2026\r\n"
              "z2 SEARCH SENTBEFORE 2-Nov-2026\r\n"
              "z3 SEARCH SENTSINCE 1-Nov-2026\r\n",
     .output = "* OK [CAPABILITY IMAP4rev1 LITERAL+ UIDPLUS MOVE UNSELECT] IMAP4rev1 server ready\r\n"
              "a OK LOGIN completed\r\n"
              "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"
              "* 3 EXISTS\r\n"
              "* 2 RECENT\r\n"
              "* OK [UNSEEN 2] First unseen\r\n"
              "* OK [UIDVALIDITY 1] UIDs valid\r\n"
              "* OK [UIDNEXT 4] Predicted next UID\r\n"
              "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)] Limited\r\n"
              "b OK [READ-WRITE] SELECT completed\r\n"
              "* SEARCH 1 2 3\r\n"
              "c OK SEARCH completed\r\n"
              "* SEARCH 2 3\r\n"
              "d OK SEARCH completed\r\n"
              "* SEARCH 1\r\n"
              "e OK SEARCH completed\r\n"
              "* SEARCH 3\r\n"
              "f OK SEARCH completed\r\n"
              "* SEARCH 1 2\r\n"
              "g OK SEARCH completed\r\n"
              "* SEARCH 1 3\r\n"
              "h OK SEARCH completed\r\n"
              "* SEARCH 2\r\n"
              "i OK SEARCH completed\r\n"
              "* SEARCH 3\r\n"
              "j OK SEARCH completed\r\n"
              "* SEARCH 3\r\n"
              "k OK SEARCH completed\r\n"
              "* SEARCH 1 2\r\n"
              "l OK SEARCH completed\r\n"
              "* SEARCH 2\r\n"
              "m OK SEARCH completed\r\n"
              "* SEARCH 3\r\n"
              "n OK SEARCH completed\r\n"
              "* SEARCH 2 3\r\n"
              "o OK SEARCH completed\r\n"
              "* SEARCH 1\r\n"
              "p OK SEARCH completed\r\n"
              "* SEARCH 3\r\n"
              "q OK SEARCH completed\r\n"
              "* SEARCH 2 3\r\n"
              "r OK SEARCH completed\r\n"
              "* SEARCH 2 3\r\n"
              "s OK UID SEARCH completed\r\n"
              "* SEARCH 1\r\n"
              "t OK SEARCH completed\r\n"
              "u NO [BADCHARSET (US-ASCII UTF-8)] Charset not supported\r\n"
              "* SEARCH 2 3\r\n"
              "v OK SEARCH completed\r\n"
              "* SEARCH 1\r\n"
              "w OK SEARCH completed\r\n"
              "* SEARCH\r\n"
              "x OK SEARCH completed\r\n"
              "* SEARCH 1 2 3\r\n"
              "y OK SEARCH completed\r\n"
              "* SEARCH 2\r\n"
              "z OK SEARCH completed\r\n"
              "* SEARCH 1\r\n"
              "z2 OK SEARCH completed\r\n"
              "* SEARCH 1 2\r\n"
              "z3 OK SEARCH completed\r\n"},
    {.name = "uid fetch, copy, move, expunge",
     .input = "a LOGIN alice wonderland\r\n"
              "b SELECT INBOX\r\n"
              "c UID FETCH 2:* FLAGS\r\n"
              "d UID FETCH 9 FLAGS\r\n"
              "e UID COPY 1:2 Archive\r\n"
              "f UID MOVE 3 Archive\r\n"
              "g STATUS Archive (MESSAGES RECENT UIDNEXT)\r\n"
              "h STORE 1:2 +FLAGS.SILENT (\\Deleted)\r\n"
              "i UID EXPUNGE 2\r\n"
              "j FETCH 1:* UID\r\n"
              "k COPY 1 Nosuch\r\n"
              "l MOVE 1 INBOX\r\n"
              "m FETCH 1:* UID\r\n",
     .output = "* OK [CAPABILITY IMAP4rev1 LITERAL+ UIDPLUS MOVE UNSELECT] IMAP4rev1 server ready\r\n"
              "a OK LOGIN completed\r\n"
              "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"
              "* 3 EXISTS\r\n"
              "* 2 RECENT\r\n"
              "* OK [UNSEEN 2] First unseen\r\n"
              "* OK [UIDVALIDITY 1] UIDs valid\r\n"
              "* OK [UIDNEXT 4] Predicted next UID\r\n"
              "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)] Limited\r\n"
              "b OK [READ-WRITE] SELECT completed\r\n"
              "* 2 FETCH (UID 2 FLAGS (\\Recent))\r\n"
              "* 3 FETCH (UID 3 FLAGS (\\Flagged \\Recent))\r\n"
              "c OK UID FETCH completed\r\n"
              "d OK UID FETCH completed\r\n"
              "e OK [COPYUID 3 1:2 1:2] UID COPY completed\r\n"
              "* OK [COPYUID 3 3 3] Moved\r\n"
              "* 3 EXPUNGE\r\n"
              "f OK UID MOVE completed\r\n"
              "* STATUS \"Archive\" (MESSAGES 3 RECENT 3 UIDNEXT 4)\r\n"
              "g OK STATUS completed\r\n"
              "h OK STORE completed\r\n"
              "* 2 EXPUNGE\r\n"
              "i OK UID EXPUNGE completed\r\n"
              "* 1 FETCH (UID 1)\r\n"
              "j OK FETCH completed\r\n"
              "k NO [TRYCREATE] No such mailbox\r\n"
              "* OK [COPYUID 1 1 4] Moved\r\n"
              "* 1 EXPUNGE\r\n"
              "* 1 EXISTS\r\n"
              "* 1 RECENT\r\n"
              "l OK MOVE completed\r\n"
              "* 1 FETCH (UID 4)\r\n"
              "m OK FETCH completed\r\n"},
    {.name = "folders: create, list, rename, delete, status",
     .input = "a LOGIN alice wonderland\r\n"
              "c CREATE Lists/\r\n"
              "d CREATE Archive\r\n"
              "e CREATE INBOX\r\n"
              "f LIST \"\" %\r\n"
              "g LIST Work/ %\r\n"
              "h LIST \"\" \"\"\r\n"
              "i RENAME Archive Old\r\n"
              "j RENAME Nosuch Other\r\n"
              "k DELETE Old\r\n"
              "l DELETE INBOX\r\n"
              "m DELETE Old\r\n"
              "n LSUB \"\" *\r\n"
              "o STATUS Work/Projects (MESSAGES UNSEEN RECENT UIDVALIDITY UIDNEXT)\r\n"
              "p STATUS Nosuch (MESSAGES)\r\n"
              "q SUBSCRIBE Lists\r\n"
              "r LIST \"\" inbox\r\n",
     .output = "* OK [CAPABILITY IMAP4rev1 LITERAL+ UIDPLUS MOVE UNSELECT] IMAP4rev1 server ready\r\n"
              "a OK LOGIN completed\r\n"
              "c OK CREATE completed\r\n"
              "d NO [ALREADYEXISTS] Mailbox already exists\r\n"
              "e NO [ALREADYEXISTS] Mailbox already exists\r\n"
              "* LIST () \"/\" \"INBOX\"\r\n"
              "* LIST () \"/\" \"Archive\"\r\n"
              "* LIST () \"/\" \"Lists\"\r\n"
              "* LIST (\\Noselect) \"/\" \"Work\"\r\n"
              "f OK LIST completed\r\n"
              "* LIST () \"/\" \"Work/Projects\"\r\n"
              "g OK LIST completed\r\n"
              "* LIST (\\Noselect) \"/\" \"\"\r\n"
              "h OK LIST completed\r\n"
              "i OK RENAME completed\r\n"
              "j NO [NONEXISTENT] No such mailbox\r\n"
              "k OK DELETE completed\r\n"
              "l NO [CANNOT] Not allowed for INBOX\r\n"
              "m NO [NONEXISTENT] No such mailbox\r\n"
              "* LSUB () \"/\" \"INBOX\"\r\n"
              "* LSUB () \"/\" \"Lists\"\r\n"
              "* LSUB (\\Noselect) \"/\" \"Work\"\r\n"
              "* LSUB () \"/\" \"Work/Projects\"\r\n"
              "n OK LSUB completed\r\n"
              "* STATUS \"Work/Projects\" (MESSAGES 0 UNSEEN 0 RECENT 0 UIDVALIDITY 4 UIDNEXT 1)\r\n"
              "o OK STATUS completed\r\n"
              "p NO [NONEXISTENT] No such mailbox\r\n"
              "q OK Completed (every folder is subscribed)\r\n"
              "* LIST () \"/\" \"INBOX\"\r\n"
              "r OK LIST completed\r\n"},
    {.name = "append: synchronizing and non-synchronizing literals, flags, date",
     .input = "a LOGIN alice wonderland\r\n"
              "c APPEND Archive (\\Seen) \" 5-Nov-2026 12:00:00 +0100\" {20}\r\n"
              "Subject: x\r\n"
              "\r\n"
              "body\r\n"
              "\r\n"
              "d APPEND Archive {10+}\r\n"
              "0123456789\r\n"
              "e APPEND Nosuch {1+}\r\n"
              "x\r\n"
              "f SELECT Archive\r\n"
              "g FETCH 1:* (UID FLAGS INTERNALDATE RFC822.SIZE)\r\n"
              "h APPEND Archive (\\Bogus) {1+}\r\n"
              "x\r\n",
     .output = "* OK [CAPABILITY IMAP4rev1 LITERAL+ UIDPLUS MOVE UNSELECT] IMAP4rev1 server ready\r\n"
              "a OK LOGIN completed\r\n"
              "+ Ready for literal data\r\n"
              "c OK [APPENDUID 3 1] APPEND completed\r\n"
              "d OK [APPENDUID 3 2] APPEND completed\r\n"
              "e NO [TRYCREATE] No such mailbox\r\n"
              "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"
              "* 2 EXISTS\r\n"
              "* 2 RECENT\r\n"
              "* OK [UNSEEN 2] First unseen\r\n"
              "* OK [UIDVALIDITY 3] UIDs valid\r\n"
              "* OK [UIDNEXT 3] Predicted next UID\r\n"
              "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)] Limited\r\n"
              "f OK [READ-WRITE] SELECT completed\r\n"
              "* 1 FETCH (UID 1 FLAGS (\\Seen \\Recent) INTERNALDATE \"05-Nov-2026 11:00:00 +0000\" RFC822.SIZE 20)\r\n"
              "* 2 FETCH (UID 2 FLAGS (\\Recent) INTERNALDATE \"11-Nov-2026 10:00:00 +0000\" RFC822.SIZE 10)\r\n"
              "g OK FETCH completed\r\n"
              "h BAD Syntax: APPEND mailbox [(flags)] [\"date-time\"] {size}\r\n"},
    {.name = "a huge synchronizing literal is refused before the continuation",
     .input = "a LOGIN alice wonderland\r\n"
              "c APPEND INBOX {20000000}\r\n"
              "d NOOP\r\n"
              "e LOGIN {3}\r\n",
     .output = "* OK [CAPABILITY IMAP4rev1 LITERAL+ UIDPLUS MOVE UNSELECT] IMAP4rev1 server ready\r\n"
              "a OK LOGIN completed\r\n"
              "c NO [TOOBIG] Literal too large\r\n"
              "d OK NOOP completed\r\n"
              "+ Ready for literal data\r\n"},
    {.name = "before LOGIN a literal is at most 1024 bytes",
     .input = "a LOGIN {1025}\r\n"
              "b LOGIN alice {10}\r\n"
              "wonderland\r\n"
              "c LOGOUT\r\n",
     .output = "* OK [CAPABILITY IMAP4rev1 LITERAL+ UIDPLUS MOVE UNSELECT] IMAP4rev1 server ready\r\n"
              "a NO [TOOBIG] Literal too large\r\n"
              "+ Ready for literal data\r\n"
              "b OK LOGIN completed\r\n"
              "* BYE IMAP4rev1 server logging out\r\n"
              "c OK LOGOUT completed\r\n"},
    {.name = "a huge non-synchronizing literal ends the session",
     .input = "a LOGIN alice wonderland\r\n"
              "c APPEND INBOX {20000000+}\r\n"
              "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r\n"
              "d NOOP\r\n",
     .output = "* OK [CAPABILITY IMAP4rev1 LITERAL+ UIDPLUS MOVE UNSELECT] IMAP4rev1 server ready\r\n"
              "a OK LOGIN completed\r\n"
              "c BAD [TOOBIG] Literal too large\r\n"
              "* BYE Literal too large\r\n"},
    {.name = "malformed commands",
     .input = "\r\n"
              "* NOOP\r\n"
              "a\r\n"
              "b FROB\r\n"
              "c NOOP extra\r\n"
              "a LOGIN alice wonderland\r\n"
              "d SELECT\r\n"
              "e SELECT INBOX x\r\n"
              "f SELECT INBOX\r\n"
              "g FETCH 0 FLAGS\r\n"
              "h FETCH 1: FLAGS\r\n"
              "i FETCH 4 FLAGS\r\n"
              "i2 NOOP\r\n"
              "j FETCH 1 (FLAGS\r\n"
              "k FETCH 1 BODY[1.X]\r\n"
              "l FETCH 1 BODY[HEADER.FIELDS ()]\r\n"
              "m FETCH 1 BODY[]<0.0>\r\n"
              "n SEARCH FROB\r\n"
              "o SEARCH SINCE 31-Feb-2026\r\n"
              "p SEARCH ((((((((((((((((((((((((((((((((((ALL))))))))))))))))))))))))))))))))))\r\n"
              "q UID FROB 1\r\n"
              "r APPEND INBOX \"bad date\" {1+}\r\n"
              "x\r\n"
              "s STORE 1 +FLAGS (\\Seen\r\n",
     .output = "* OK [CAPABILITY IMAP4rev1 LITERAL+ UIDPLUS MOVE UNSELECT] IMAP4rev1 server ready\r\n"
              "* BAD Missing tag\r\n"
              "a BAD Missing command\r\n"
              "b BAD Unknown command\r\n"
              "c BAD Unexpected arguments\r\n"
              "a OK LOGIN completed\r\n"
              "d BAD Missing arguments\r\n"
              "e BAD Syntax: SELECT mailbox\r\n"
              "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"
              "* 3 EXISTS\r\n"
              "* 2 RECENT\r\n"
              "* OK [UNSEEN 2] First unseen\r\n"
              "* OK [UIDVALIDITY 1] UIDs valid\r\n"
              "* OK [UIDNEXT 4] Predicted next UID\r\n"
              "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)] Limited\r\n"
              "f OK [READ-WRITE] SELECT completed\r\n"
              "g BAD Syntax: a message set, then the arguments\r\n"
              "h BAD Syntax: a message set, then the arguments\r\n"
              "i BAD Invalid message sequence number\r\n"
              "i2 OK NOOP completed\r\n"
              "j BAD Syntax: FETCH set items\r\n"
              "k BAD Syntax: FETCH set items\r\n"
              "l BAD Syntax: FETCH set items\r\n"
              "m BAD Syntax: FETCH set items\r\n"
              "n BAD Syntax: SEARCH keys\r\n"
              "o BAD Syntax: SEARCH keys\r\n"
              "p BAD Syntax: SEARCH keys\r\n"
              "q BAD Unknown UID command\r\n"
              "r BAD Syntax: APPEND mailbox [(flags)] [\"date-time\"] {size}\r\n"
              "s BAD Syntax: STORE set [+|-]FLAGS[.SILENT] (flags)\r\n"
              "* BYE Too many errors\r\n"},
    {.name = "a message inside a message: structure and sections",
     .input = "a LOGIN alice wonderland\r\n"
              "c APPEND Archive {335+}\r\n"
              "Subject: fwd\r\n"
              "Content-Type: multipart/mixed; boundary=b\r\n"
              "\r\n"
              "--b\r\n"
              "Content-Type: text/plain\r\n"
              "\r\n"
              "see below\r\n"
              "--b\r\n"
              "Content-Type: message/rfc822\r\n"
              "\r\n"
              "From: Dan <dan@example.com>\r\n"
              "Subject: inner\r\n"
              "Content-Type: multipart/alternative; boundary=c\r\n"
              "\r\n"
              "--c\r\n"
              "Content-Type: text/plain\r\n"
              "\r\n"
              "plain\r\n"
              "--c\r\n"
              "Content-Type: text/html\r\n"
              "\r\n"
              "<p>html</p>\r\n"
              "--c--\r\n"
              "--b--\r\n"
              "\r\n"
              "d SELECT Archive\r\n"
              "e FETCH 1 (BODYSTRUCTURE)\r\n"
              "f FETCH 1 (BODY.PEEK[2] BODY.PEEK[2.HEADER.FIELDS (SUBJECT)] BODY.PEEK[2.TEXT] BODY.PEEK[2.1] BODY.PEEK[2.2.MIME] BODY.PEEK[2.2] BODY.PEEK[3] BODY.PEEK[2.3])\r\n",
     .output = "* OK [CAPABILITY IMAP4rev1 LITERAL+ UIDPLUS MOVE UNSELECT] IMAP4rev1 server ready\r\n"
              "a OK LOGIN completed\r\n"
              "c OK [APPENDUID 3 1] APPEND completed\r\n"
              "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"
              "* 1 EXISTS\r\n"
              "* 1 RECENT\r\n"
              "* OK [UNSEEN 1] First unseen\r\n"
              "* OK [UIDVALIDITY 3] UIDs valid\r\n"
              "* OK [UIDNEXT 2] Predicted next UID\r\n"
              "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)] Limited\r\n"
              "d OK [READ-WRITE] SELECT completed\r\n"
              "* 1 FETCH (BODYSTRUCTURE ((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 9 1 NIL NIL NIL NIL)(\"MESSAGE\" \"RFC822\" NIL NIL NIL \"7BIT\" 186 (NIL \"inner\" ((\"Dan\" NIL \"dan\" \"example.com\")) ((\"Dan\" NIL \"dan\" \"example.com\")) ((\"Dan\" NIL \"dan\" \"example.com\")) NIL NIL NIL NIL NIL) ((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 5 1 NIL NIL NIL NIL)(\"TEXT\" \"HTML\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 11 1 NIL NIL NIL NIL) \"ALTERNATIVE\" (\"BOUNDARY\" \"c\") NIL NIL NIL) 13 NIL NIL NIL NIL) \"MIXED\" (\"BOUNDARY\" \"b\") NIL NIL NIL))\r\n"
              "e OK FETCH completed\r\n"
              "* 1 FETCH (BODY[2] {186}\r\n"
              "From: Dan <dan@example.com>\r\n"
              "Subject: inner\r\n"
              "Content-Type: multipart/alternative; boundary=c\r\n"
              "\r\n"
              "--c\r\n"
              "Content-Type: text/plain\r\n"
              "\r\n"
              "plain\r\n"
              "--c\r\n"
              "Content-Type: text/html\r\n"
              "\r\n"
              "<p>html</p>\r\n"
              "--c-- BODY[2.HEADER.FIELDS (SUBJECT)] {18}\r\n"
              "Subject: inner\r\n"
              "\r\n"
              " BODY[2.TEXT] {90}\r\n"
              "--c\r\n"
              "Content-Type: text/plain\r\n"
              "\r\n"
              "plain\r\n"
              "--c\r\n"
              "Content-Type: text/html\r\n"
              "\r\n"
              "<p>html</p>\r\n"
              "--c-- BODY[2.1] {5}\r\n"
              "plain BODY[2.2.MIME] {27}\r\n"
              "Content-Type: text/html\r\n"
              "\r\n"
              " BODY[2.2] {11}\r\n"
              "<p>html</p> BODY[3] {0}\r\n"
              " BODY[2.3] {0}\r\n"
              ")\r\n"
              "f OK FETCH completed\r\n"},
    {.name = "the bad-command limit ends the session", .cfg = SMALL,
     .input = "a FROB\r\n"
              "b FROB\r\n"
              "c FROB\r\n"
              "d NOOP\r\n",
     .output = "* OK [CAPABILITY IMAP4rev1 LITERAL+ UIDPLUS MOVE UNSELECT] IMAP4rev1 server ready\r\n"
              "a BAD Unknown command\r\n"
              "b BAD Unknown command\r\n"
              "c BAD Unknown command\r\n"
              "* BYE Too many errors\r\n"},
};

static void test_transcripts(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(transcripts); i++)
        replay(&transcripts[i]);
}

/* ---- sessions sharing a store -------------------------------------------- */

typedef struct {
    imap_server_core *s;
    GString *out;
} session;

static session open_session(mail_store *st)
{
    session x = {imap_server_core_new(NULL, st), g_string_new(NULL)};
    fixture_drain(x.s, x.out);
    return x;
}

/* Sends `in` and returns what came back (the session's buffer, emptied
 * first). */
static const char *say(session *x, const char *in)
{
    g_string_truncate(x->out, 0);
    fixture_feed(x->s, in, strlen(in), strlen(in), x->out, NULL);
    return x->out->str;
}

static void close_session(session *x)
{
    imap_server_core_free(x->s);
    g_string_free(x->out, TRUE);
}

static void test_two_sessions_see_each_other(void)
{
    mail_store *st = fixture_store();
    session a = open_session(st), b = open_session(st);
    say(&a, "a LOGIN alice wonderland\r\nb SELECT INBOX\r\n");
    CU_ASSERT_TRUE(strstr(a.out->str, "* 2 RECENT\r\n") != NULL);
    say(&b, "a LOGIN alice wonderland\r\nb SELECT INBOX\r\n");
    /* \Recent went to the first session only. */
    CU_ASSERT_TRUE(strstr(b.out->str, "* 0 RECENT\r\n") != NULL);
    CU_ASSERT_STRING_EQUAL(say(&b, "c STORE 2 +FLAGS (\\Answered)\r\n"),
                           "* 2 FETCH (FLAGS (\\Answered))\r\nc OK STORE completed\r\n");
    CU_ASSERT_STRING_EQUAL(say(&a, "c NOOP\r\n"), "* 2 FETCH (FLAGS (\\Answered \\Recent))\r\nc OK NOOP completed\r\n");
    /* B expunges message 1; A's FETCH must not report it, its NOOP does. */
    say(&b, "d STORE 1 +FLAGS.SILENT (\\Deleted)\r\ne EXPUNGE\r\n");
    CU_ASSERT_STRING_EQUAL(b.out->str, "d OK STORE completed\r\n* 1 EXPUNGE\r\ne OK EXPUNGE completed\r\n");
    CU_ASSERT_STRING_EQUAL(say(&a, "d FETCH 1:3 UID\r\n"),
                           "* 2 FETCH (UID 2)\r\n* 3 FETCH (UID 3)\r\nd OK FETCH completed\r\n");
    CU_ASSERT_STRING_EQUAL(say(&a, "e NOOP\r\n"), "* 1 EXPUNGE\r\ne OK NOOP completed\r\n");
    /* A new message delivered: both see EXISTS; the first to look gets \Recent. */
    GBytes *m = g_bytes_new_static("Subject: new\r\n\r\nhi\r\n", 20);
    CU_ASSERT_EQUAL(mail_store_deliver(st, "alice", m, fixture_t0, NULL), 4u);
    g_bytes_unref(m);
    CU_ASSERT_STRING_EQUAL(say(&b, "f NOOP\r\n"), "* 3 EXISTS\r\n* 1 RECENT\r\nf OK NOOP completed\r\n");
    /* The new message is in the view from the EXISTS on. */
    CU_ASSERT_STRING_EQUAL(say(&a, "f UID FETCH 4 FLAGS\r\n"), "* 3 EXISTS\r\n* 2 RECENT\r\nf OK UID FETCH completed\r\n");
    CU_ASSERT_STRING_EQUAL(say(&a, "g UID FETCH 4 FLAGS\r\n"), "* 3 FETCH (UID 4 FLAGS ())\r\ng OK UID FETCH completed\r\n");
    close_session(&a);
    close_session(&b);
    mail_store_free(st);
}

static void test_selected_folder_deleted_elsewhere(void)
{
    mail_store *st = fixture_store();
    session a = open_session(st), b = open_session(st);
    say(&a, "a LOGIN alice wonderland\r\nb SELECT Archive\r\n");
    say(&b, "a LOGIN alice wonderland\r\nb DELETE Archive\r\n");
    CU_ASSERT_STRING_EQUAL(b.out->str, "a OK LOGIN completed\r\nb OK DELETE completed\r\n");
    CU_ASSERT_STRING_EQUAL(say(&a, "c NOOP\r\n"), "* BYE The selected mailbox was deleted or renamed\r\n");
    CU_ASSERT_TRUE(imap_server_core_closed(a.s));
    /* Its own session deleting it: unselected, no BYE. */
    say(&b, "c SELECT Work/Projects\r\nd DELETE Work/Projects\r\ne FETCH 1 FLAGS\r\n");
    CU_ASSERT_TRUE(g_str_has_suffix(b.out->str, "d OK DELETE completed\r\ne BAD Command not valid in this state\r\n"));
    /* Renamed by itself: still selected under the new name. */
    say(&b, "f CREATE X\r\ng SELECT X\r\nh RENAME X Y\r\ni NOOP\r\n");
    CU_ASSERT_TRUE(g_str_has_suffix(b.out->str, "h OK RENAME completed\r\ni OK NOOP completed\r\n"));
    CU_ASSERT_EQUAL(imap_server_core_state(b.s), IMAP_SERVER_SELECTED);
    /* Renaming its own selected INBOX (which gets a new UIDVALIDITY): unselected. */
    say(&b, "j SELECT INBOX\r\nk RENAME INBOX Old\r\nl NOOP\r\nm STATUS Old (MESSAGES)\r\n");
    CU_ASSERT_TRUE(g_str_has_suffix(b.out->str, "k OK RENAME completed\r\nl OK NOOP completed\r\n"
                                                "* STATUS \"Old\" (MESSAGES 3)\r\nm OK STATUS completed\r\n"));
    CU_ASSERT_EQUAL(imap_server_core_state(b.s), IMAP_SERVER_AUTH);
    close_session(&a);
    close_session(&b);
    mail_store_free(st);
}

static void test_flags_and_uids_durable(void)
{
    mail_store *st = fixture_store();
    char *o1 = fixture_session(st, NULL,
                               "a LOGIN alice wonderland\r\nb SELECT INBOX\r\n"
                               "c STORE 2 FLAGS (\\Flagged \\Answered)\r\n"
                                            "d APPEND INBOX {5+}\r\nhello\r\ne LOGOUT\r\n");
    CU_ASSERT_TRUE(strstr(o1, "d OK [APPENDUID 1 4] APPEND completed\r\n") != NULL);
    char *o2 = fixture_session(st, NULL, "a LOGIN alice wonderland\r\nb SELECT INBOX\r\n"
                               "c FETCH 1:* (UID FLAGS)\r\n");
    CU_ASSERT_TRUE(strstr(o2, "* OK [UIDVALIDITY 1] UIDs valid\r\n* OK [UIDNEXT 5] Predicted next UID\r\n") != NULL);
    CU_ASSERT_TRUE(strstr(o2, "* 1 FETCH (UID 1 FLAGS (\\Seen))\r\n"
                              "* 2 FETCH (UID 2 FLAGS (\\Answered \\Flagged))\r\n"
                              "* 3 FETCH (UID 3 FLAGS (\\Flagged))\r\n"
                              "* 4 FETCH (UID 4 FLAGS ())\r\n") != NULL);
    /* The store keeps the flags too. */
    mail_folder *in = mail_store_folder(st, "alice", "INBOX", NULL);
    CU_ASSERT_EQUAL(mail_folder_msg(in, 1)->flags, MAIL_FLAG_FLAGGED | MAIL_FLAG_ANSWERED);
    g_free(o1);
    g_free(o2);
    mail_store_free(st);
}

/* Two stores on one Maildir tree stand for two processes: a session sees
 * at NOOP what the other store delivered and flagged. */
static void test_maildir_other_process(void)
{
    char *root = g_dir_make_tmp("appsim-imap-XXXXXX", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(root);
    mail_store *one = mail_store_open_maildir(root, NULL), *two = mail_store_open_maildir(root, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(one);
    CU_ASSERT_PTR_NOT_NULL_FATAL(two);
    CU_ASSERT_TRUE(mail_store_add_user(one, "alice", "wonderland", NULL));
    mail_store_refresh(two, "alice", NULL);
    GBytes *m = g_bytes_new_static("Subject: a\r\n\r\nx\r\n", 17);
    mail_store_deliver(one, "alice", m, fixture_t0, NULL);
    session a = open_session(one);
    say(&a, "a LOGIN alice wonderland\r\nb SELECT INBOX\r\n");
    CU_ASSERT_TRUE(strstr(a.out->str, "* 1 EXISTS\r\n* 1 RECENT\r\n") != NULL);
    CU_ASSERT_TRUE(mail_store_refresh(two, "alice", NULL));
    CU_ASSERT_TRUE(mail_store_deliver(two, "alice", m, fixture_t0 + 1000000000, NULL) != 0);
    mail_folder *in2 = mail_store_folder(two, "alice", "INBOX", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(in2);
    mail_folder_set_flags(in2, 0, MAIL_FLAG_FLAGGED, NULL);
    CU_ASSERT_STRING_EQUAL(say(&a, "c NOOP\r\n"),
                           "* 1 FETCH (FLAGS (\\Flagged \\Recent))\r\n* 2 EXISTS\r\n* 2 RECENT\r\nc OK NOOP completed\r\n");
    CU_ASSERT_STRING_EQUAL(say(&a, "d STORE 2 +FLAGS (\\Seen)\r\n"),
                           "* 2 FETCH (FLAGS (\\Seen \\Recent))\r\nd OK STORE completed\r\n");
    mail_store_refresh(two, "alice", NULL);
    in2 = mail_store_folder(two, "alice", "INBOX", NULL);
    CU_ASSERT_EQUAL(mail_folder_msg(in2, 1)->flags & MAIL_FLAG_SEEN, MAIL_FLAG_SEEN);
    g_bytes_unref(m);
    close_session(&a);
    mail_store_free(one);
    mail_store_free(two);
    test_remove_tree(root);
    g_free(root);
}

/* ---- limits -------------------------------------------------------------- */

static void test_huge_literal_never_buffered(void)
{
    transcript t = {.name = "huge", .input = "a LOGIN alice wonderland\r\nb APPEND INBOX {10485761}\r\nc NOOP\r\n"};
    for (size_t chunk = 1; chunk < 40; chunk += 7) {
        size_t maxb = 0;
        char *out = run_chunks(&t, chunk, &maxb);
        CU_ASSERT_TRUE(g_str_has_suffix(out, "b NO [TOOBIG] Literal too large\r\nc OK NOOP completed\r\n"));
        CU_ASSERT_TRUE(maxb < 100);
        g_free(out);
    }
    /* Two literals of one command count together. */
    mail_store *st = fixture_store();
    imap_server_config cfg = {.max_literal = 10};
    char *out = fixture_session(st, &cfg, "a LOGIN {6+}\r\nalice1 {6}\r\nb NOOP\r\n");
    CU_ASSERT_TRUE(g_str_has_suffix(out, "a NO [TOOBIG] Literal too large\r\nb OK NOOP completed\r\n"));
    g_free(out);
    mail_store_free(st);
}

static void test_line_too_long(void)
{
    GString *in = g_string_new("a LOGIN alice wonderland\r\nb LIST \"\" ");
    for (int i = 0; i < 9000; i++)
        g_string_append_c(in, 'x');
    g_string_append(in, "\r\nc NOOP\r\n");
    transcript t = {.name = "long", .input = in->str};
    for (size_t chunk = 1; chunk < 5000; chunk = chunk * 3 + 1) {
        size_t maxb = 0;
        char *out = run_chunks(&t, chunk, &maxb);
        CU_ASSERT_TRUE(g_str_has_suffix(out, "b BAD Command line too long\r\nc OK NOOP completed\r\n"));
        CU_ASSERT_TRUE(maxb <= IMAP_SERVER_DEFAULT_MAX_LINE);
        g_free(out);
    }
    g_string_free(in, TRUE);
}

static void test_back_pressure(void)
{
    mail_store *st = fixture_store();
    imap_server_core *s = imap_server_core_new(NULL, st);
    GString *in = g_string_new(NULL);
    for (int i = 0; i < 5000; i++)
        g_string_append(in, "x NOOP\r\n");
    size_t used = imap_server_core_feed(s, (const uint8_t *)in->str, in->len), n;
    imap_server_core_output(s, &n);
    CU_ASSERT_TRUE(used < in->len);
    CU_ASSERT_TRUE(n >= IMAP_SERVER_OUTPUT_HIGH && n < IMAP_SERVER_OUTPUT_HIGH + 100);
    CU_ASSERT_EQUAL(imap_server_core_feed(s, (const uint8_t *)in->str + used, in->len - used), 0);
    GString *out = g_string_new(NULL);
    fixture_drain(s, out);
    while (used < in->len) {
        used += imap_server_core_feed(s, (const uint8_t *)in->str + used, in->len - used);
        fixture_drain(s, out);
    }
    const char *greet = "* OK [CAPABILITY IMAP4rev1 LITERAL+ UIDPLUS MOVE UNSELECT] IMAP4rev1 server ready\r\n";
    CU_ASSERT_EQUAL(out->len, strlen(greet) + 5000 * strlen("x OK NOOP completed\r\n"));
    CU_ASSERT_EQUAL(imap_server_core_feed(s, NULL, 5), 0);
    imap_server_core_shutdown(s);
    fixture_drain(s, out);
    CU_ASSERT_TRUE(g_str_has_suffix(out->str, "* BYE Server shutting down\r\n"));
    CU_ASSERT_TRUE(imap_server_core_closed(s));
    CU_ASSERT_EQUAL(imap_server_core_feed(s, (const uint8_t *)"y NOOP\r\n", 8), 8);
    g_string_free(out, TRUE);
    g_string_free(in, TRUE);
    imap_server_core_free(s);
    mail_store_free(st);
}

static void test_state_names(void)
{
    CU_ASSERT_STRING_EQUAL(imap_server_state_name(IMAP_SERVER_NOT_AUTH), "NOT_AUTHENTICATED");
    CU_ASSERT_STRING_EQUAL(imap_server_state_name(IMAP_SERVER_LOGOUT), "LOGOUT");
    CU_ASSERT_STRING_EQUAL(imap_server_state_name((imap_server_state)99), "?");
}

int main(void)
{
    static const test_case tests[] = {
        TEST(test_transcripts),
        TEST(test_two_sessions_see_each_other),
        TEST(test_selected_folder_deleted_elsewhere),
        TEST(test_flags_and_uids_durable),
        TEST(test_maildir_other_process),
        TEST(test_huge_literal_never_buffered),
        TEST(test_line_too_long),
        TEST(test_back_pressure),
        TEST(test_state_names),
    };
    return test_main("protocols/imap/server_core", tests, G_N_ELEMENTS(tests));
}

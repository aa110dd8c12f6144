/*
 * Tests of protocols/ftp/ftp_server_core: transcripts replayed at every
 * chunk size. A transcript is a list of steps:
 *   "C text"   the client sends text and CRLF ("c text": text as is);
 *   "S text"   the server's next reply line is text (CRLF added);
 *   "A text"   the core's next action: "LISTEN 1", "CONNECT h:p", "SEND",
 *              "DCLOSE", "CLOSE";
 *   "G text"   the glue tells the core: "listening h p", "connected",
 *              "failed", "eof", "error", "timeout", "closed";
 *   "R text"   data bytes arrive (STOR/APPE), in chunks;
 *   "D text"   the data connection carries text (pulled in chunks);
 * and at the end nothing more is said or asked. The store is in memory:
 * /pub/hello.txt ("hello\nworld\n"), /readme ("read me"); users bob
 * (password secret); anonymous logins on; the peer is 10.0.0.2.
 */
#define _DEFAULT_SOURCE
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "protocols/ftp/ftp_server_core.h"
#include "test_util.h"

#define T0 INT64_C(1700000000) /* 2023-11-14 22:13:20 UTC */

typedef struct {
    ftp_server_core *s;
    GString *in;   /* client bytes not yet taken */
    GString *out;  /* server bytes not yet checked */
    size_t k;      /* chunk size */
    bool failed;
} driver;

static bool check_user(void *ud, const char *user, const char *pass)
{
    (void)ud;
    return strcmp(user, "bob") == 0 && strcmp(pass, "secret") == 0;
}

static void pump(driver *d)
{
    for (;;) {
        size_t n = MIN(d->k, d->in->len), used = n ? ftp_server_core_feed(d->s, (const uint8_t *)d->in->str, n) : 0;
        g_string_erase(d->in, 0, (gssize)used);
        size_t len;
        const uint8_t *o = ftp_server_core_output(d->s, &len);
        size_t take = MIN(len, d->k);
        g_string_append_len(d->out, (const char *)o, (gssize)take);
        ftp_server_core_consume(d->s, take);
        if (used == 0 && take == 0)
            break;
    }
}

static void fail(driver *d, const char *step, const char *got)
{
    if (!d->failed)
        fprintf(stderr, "chunk %zu: step [%s]: got [%s]\n", d->k, step, got);
    d->failed = true;
}

static void expect_action(driver *d, const char *step, const char *want)
{
    ftp_server_action a;
    char *got = NULL;
    if (!ftp_server_core_next_action(d->s, &a))
        got = g_strdup("(none)");
    else if (a.kind == FTP_SERVER_DATA_LISTEN)
        got = g_strdup_printf("LISTEN %d", a.family);
    else if (a.kind == FTP_SERVER_DATA_CONNECT)
        got = g_strdup_printf("CONNECT %s:%u", a.hp.host, a.hp.port);
    else
        got = g_strdup(a.kind == FTP_SERVER_DATA_SEND ? "SEND" : a.kind == FTP_SERVER_DATA_CLOSE ? "DCLOSE" : "CLOSE");
    if (strcmp(got, want) != 0)
        fail(d, step, got);
    g_free(got);
}

static void glue(driver *d, const char *step, const char *what)
{
    char host[64];
    unsigned port;
    if (sscanf(what, "listening %63s %u", host, &port) == 2) {
        ftp_hostport hp = {.port = (uint16_t)port, .family = 1};
        g_strlcpy(hp.host, host, sizeof hp.host);
        ftp_server_core_data_listening(d->s, &hp);
    } else if (strcmp(what, "connected") == 0)
        ftp_server_core_data_connected(d->s);
    else if (strcmp(what, "failed") == 0)
        ftp_server_core_data_failed(d->s);
    else if (strcmp(what, "eof") == 0)
        ftp_server_core_data_eof(d->s);
    else if (strcmp(what, "error") == 0)
        ftp_server_core_data_error(d->s);
    else if (strcmp(what, "timeout") == 0)
        ftp_server_core_data_timeout(d->s);
    else if (strcmp(what, "closed") == 0)
        ftp_server_core_closed(d->s);
    else
        fail(d, step, "(unknown glue step)");
}

static void pull(driver *d, const char *step, const char *want)
{
    GString *got = g_string_new(NULL);
    for (int guard = 0; guard < 100000; guard++) {
        size_t len;
        const uint8_t *p = ftp_server_core_data_output(d->s, &len);
        if (len == 0)
            break;
        size_t take = MIN(len, d->k);
        g_string_append_len(got, (const char *)p, (gssize)take);
        ftp_server_core_data_consume(d->s, take);
    }
    if (strcmp(got->str, want) != 0)
        fail(d, step, got->str);
    g_string_free(got, TRUE);
}

static void step(driver *d, const char *st)
{
    const char *t = st + 2;
    if (st[0] == 'C' || st[0] == 'c') {
        g_string_append(d->in, t);
        if (st[0] == 'C')
            g_string_append(d->in, "\r\n");
        return;
    }
    pump(d);
    if (st[0] == 'S') {
        char *want = g_strdup_printf("%s\r\n", t);
        size_t wl = strlen(want);
        if (d->out->len < wl || memcmp(d->out->str, want, wl) != 0)
            fail(d, st, d->out->str);
        else
            g_string_erase(d->out, 0, (gssize)wl);
        g_free(want);
    } else if (st[0] == 'A') {
        expect_action(d, st, t);
    } else if (st[0] == 'G') {
        glue(d, st, t);
    } else if (st[0] == 'R') {
        for (size_t off = 0, n = strlen(t); off < n; off += d->k)
            ftp_server_core_data_received(d->s, (const uint8_t *)t + off, MIN(d->k, n - off));
    } else if (st[0] == 'D') {
        pull(d, st, t);
    }
}

typedef struct {
    const char *name;
    const char *const *steps;
    bool read_only;
    ftp_fs *fs_out; /* unused */
} transcript;

static ftp_fs *fixture_fs(bool read_only)
{
    ftp_fs *fs = ftp_fs_new_memory(read_only);
    ftp_fs_memory_put(fs, "/pub/hello.txt", "hello\nworld\n", 12, T0, NULL);
    ftp_fs_memory_put(fs, "/readme", "read me", 7, T0 - 400 * INT64_C(86400), NULL);
    return fs;
}

/* Runs one transcript at chunk size k; returns the store for checks. */
static void run_on(ftp_fs *fs, const char *const *steps, size_t k, bool *ok)
{
    ftp_server_config cfg = {.check = check_user, .anonymous = true};
    driver d = {.s = ftp_server_core_new(&cfg, fs, "10.0.0.2", T0 + 86400), .in = g_string_new(NULL),
                .out = g_string_new(NULL), .k = k};
    for (const char *const *st = steps; *st; st++)
        step(&d, *st);
    pump(&d);
    ftp_server_action a;
    if (d.out->len > 0)
        fail(&d, "(end: output)", d.out->str);
    if (ftp_server_core_next_action(d.s, &a))
        fail(&d, "(end: action)", "an action left");
    *ok = !d.failed;
    ftp_server_core_free(d.s);
    g_string_free(d.in, TRUE);
    g_string_free(d.out, TRUE);
}

static ftp_fs *run_k(const char *const *steps, size_t k, bool *ok)
{
    ftp_fs *fs = fixture_fs(false);
    run_on(fs, steps, k, ok);
    return fs;
}

static void run(const char *const *steps)
{
    for (size_t k = 1; k <= 64; k++) {
        bool ok;
        ftp_fs_free(run_k(steps, k, &ok));
        CU_ASSERT_TRUE(ok);
        if (!ok)
            break;
    }
}

#define GREET "S 220 appsim FTP server ready."
#define LOGIN GREET, "C USER bob", "S 331 User name okay, need password.", "C PASS secret", "S 230 User logged in, proceed."
#define PASV "C PASV", "A LISTEN 1", "G listening 10.0.0.1 5001", "S 227 Entering Passive Mode (10,0,0,1,19,137)"

static void test_login(void)
{
    static const char *const t1[] = {LOGIN, "C SYST", "S 215 UNIX Type: L8", "C QUIT",
                                     "S 221 Service closing control connection.", "A CLOSE", NULL};
    run(t1);
    static const char *const t2[] = {GREET, "C USER bob", "S 331 User name okay, need password.", "C PASS wrong",
                                     "S 530 Not logged in.", "C PWD", "S 530 Please login with USER and PASS.",
                                     "C PASS secret", "S 503 Login with USER first.", NULL};
    run(t2);
    static const char *const t3[] = {GREET, "C USER anonymous",
                                     "S 331 Anonymous login ok, send your e-mail address as password.",
                                     "C PASS me@example.org", "S 230 User logged in, proceed.",
                                     "C MKD x", "S 550 Permission denied.", "C DELE /readme", "S 550 Permission denied.",
                                     "C STOR f", "S 550 Permission denied.", NULL};
    run(t3);
}

static void test_simple_commands(void)
{
    static const char *const t[] = {
        LOGIN, "C NOOP", "S 200 Command okay.", "C FEAT", "S 211-Extensions supported:", "S  EPRT", "S  EPSV",
        "S  MDTM", "S  MLST type*;size*;modify*;perm*;", "S  PASV", "S  REST STREAM", "S  SIZE", "S 211 End", "C PWD", "S 257 \"/\" is the current directory.",
        "C CWD pub", "S 250 Requested file action okay, completed.", "C XPWD", "S 257 \"/pub\" is the current directory.",
        "C CDUP", "S 250 Requested file action okay, completed.", "C CWD nope",
        "S 550 Requested action not taken: file unavailable.", "C CWD readme",
        "S 550 Requested action not taken: file unavailable.", "C TYPE I", "S 200 Type set to I.", "C TYPE X",
        "S 504 Command not implemented for that parameter.", "C MODE S", "S 200 Command okay.", "C MODE B",
        "S 504 Command not implemented for that parameter.", "C STRU F", "S 200 Command okay.", "C STRU R",
        "S 504 Command not implemented for that parameter.", "C SIZE /pub/hello.txt", "S 213 12", "C MDTM readme",
        "S 213 20221010221320", "C SIZE pub", "S 550 Not a plain file.", "C TYPE A", "S 200 Type set to A.",
        "C SIZE readme", "S 550 SIZE is not available in ASCII mode; use TYPE I.", "C MKD new",
        "S 257 \"/new\" created.", "C MKD new", "S 550 Requested action not taken: file unavailable.", "C RMD new",
        "S 250 Requested file action okay, completed.", "C RMD pub", "S 550 Requested action not taken: file unavailable.",
        "C RNFR readme", "S 350 Requested file action pending further information.", "C RNTO pub/readme",
        "S 250 Requested file action okay, completed.", "C RNTO x", "S 503 Bad sequence of commands: RNFR first.",
        "C RNFR gone", "S 550 Requested action not taken: file unavailable.", "C DELE pub/readme",
        "S 250 Requested file action okay, completed.", "C DELE pub/readme",
        "S 550 Requested action not taken: file unavailable.", "C REST 12", "S 350 Restarting at 12. Send STORE or RETRIEVE.",
        "C REST x", "S 501 Syntax error in parameters or arguments.", "C ABOR", "S 226 No transfer to abort.",
        "C ALLO 10", "S 502 Command not implemented.", "C FOO", "S 500 Syntax error, command unrecognized.",
        "C CWD", "S 501 Syntax error in parameters or arguments.", "C RETR x", "S 425 Use PORT, EPRT, PASV or EPSV first.",
        "C STAT", "S 211-appsim FTP server status:", "S  Logged in as bob", "S  TYPE: ASCII, MODE: Stream, STRU: File",
        "S  No data connection", "S 211 End of status", "C HELP", "S 214-The following commands are recognized:",
        "S  ABOR APPE CDUP CWD DELE EPRT EPSV FEAT HELP LIST MDTM MKD MLSD MLST MODE",
        "S  NLST NOOP OPTS PASS PASV PORT PWD QUIT REST RETR RMD RNFR RNTO SIZE STAT", "S  STOR STRU SYST",
        "S  TYPE USER XCUP XCWD XMKD XPWD XRMD", "S 214 Help OK.", NULL};
    run(t);
}

static void test_paths_stay_inside(void)
{
    static const char *const t[] = {LOGIN, "C CWD ../../..", "S 250 Requested file action okay, completed.", "C PWD",
                                    "S 257 \"/\" is the current directory.", "C CWD /../pub/../..",
                                    "S 250 Requested file action okay, completed.", "C SIZE ../../etc/passwd",
                                    "S 550 Requested action not taken: file unavailable.", NULL};
    run(t);
}

static void test_passive_retr(void)
{
    static const char *const t[] = {
        LOGIN, "C TYPE I", "S 200 Type set to I.", PASV, "C RETR /pub/hello.txt",
        "S 150 File status okay; about to open data connection (/pub/hello.txt).", "G connected", "A SEND",
        "D hello\nworld\n", "A DCLOSE", "S 226 Transfer complete.",
        /* The client connects before RETR: 125. */
        PASV, "G connected", "C REST 6", "S 350 Restarting at 6. Send STORE or RETRIEVE.", "C RETR pub/hello.txt",
        "S 125 Data connection already open; transfer starting (pub/hello.txt).", "A SEND", "D world\n", "A DCLOSE",
        "S 226 Transfer complete.",
        /* EPSV and a listing. */
        "C EPSV", "A LISTEN 1", "G listening 10.0.0.1 6446", "S 229 Entering Extended Passive Mode (|||6446|)",
        "C NLST", "S 150 File status okay; about to open data connection (file list).", "G connected", "A SEND",
        "D pub\r\nreadme\r\n", "A DCLOSE", "S 226 Transfer complete.", PASV, "C LIST -la /",
        "S 150 File status okay; about to open data connection (file list).", "G connected", "A SEND",
        "D drwxr-xr-x 1 ftp ftp            0 Nov 14 22:13 pub\r\n"
        "-rw-r--r-- 1 ftp ftp            7 Oct 10  2022 readme\r\n",
        "A DCLOSE", "S 226 Transfer complete.", NULL};
    run(t);
}

static void test_active_retr_ascii(void)
{
    static const char *const t[] = {
        LOGIN, "C PORT 10,0,0,2,25,46", "S 200 PORT command successful.", "C TYPE A", "S 200 Type set to A.",
        "C RETR pub/hello.txt", "S 150 File status okay; about to open data connection (pub/hello.txt).",
        "A CONNECT 10.0.0.2:6446", "G connected", "A SEND", "D hello\r\nworld\r\n", "A DCLOSE",
        "S 226 Transfer complete.", "C EPRT |1|10.0.0.2|7000|", "S 200 EPRT command successful.", "C RETR readme",
        "S 150 File status okay; about to open data connection (readme).", "A CONNECT 10.0.0.2:7000", "G failed",
        "A DCLOSE", "S 425 Can't open data connection.", NULL};
    run(t);
}

static void test_bounce_refused(void)
{
    static const char *const t[] = {
        LOGIN, "C PORT 10,0,0,9,25,46",
        "S 504 Command not implemented for that parameter (only the client's own address, ports from 1024).",
        "C PORT 10,0,0,2,0,25",
        "S 504 Command not implemented for that parameter (only the client's own address, ports from 1024).",
        "C EPRT |1|192.168.0.1|6446|",
        "S 504 Command not implemented for that parameter (only the client's own address, ports from 1024).",
        "C PORT 10,0,0,2,25", "S 501 Syntax error in parameters or arguments.", "C EPRT |1|10.0.0.2|0|",
        "S 501 Syntax error in parameters or arguments.", NULL};
    run(t);
}

static void test_stor_appe(void)
{
    static const char *const t[] = {
        LOGIN, "C TYPE I", "S 200 Type set to I.", PASV, "C STOR up.bin",
        "S 150 File status okay; about to open data connection (up.bin).", "G connected", "R a\r\nb", "G eof",
        "A DCLOSE", "S 226 Transfer complete.", "C SIZE up.bin", "S 213 4", PASV, "C APPE up.bin",
        "S 150 File status okay; about to open data connection (up.bin).", "G connected", "R xyz", "G eof", "A DCLOSE",
        "S 226 Transfer complete.", "C SIZE up.bin", "S 213 7",
        /* ASCII: CRLF stored as LF. */
        "C TYPE A", "S 200 Type set to A.", PASV, "C STOR t.txt",
        "S 150 File status okay; about to open data connection (t.txt).", "G connected", "R one\r\ntwo\r\n\r", "G eof",
        "A DCLOSE", "S 226 Transfer complete.", "C TYPE I", "S 200 Type set to I.", "C SIZE t.txt", "S 213 9",
        "C STOR", "S 501 Syntax error in parameters or arguments.", NULL};
    run(t);
}

static void test_data_failures(void)
{
    static const char *const t[] = {
        LOGIN, PASV, "C RETR readme", "S 150 File status okay; about to open data connection (readme).", "G timeout",
        "A DCLOSE", "S 425 Can't open data connection.", "C PASV", "A LISTEN 1", "G failed", "A DCLOSE",
        "S 425 Can't open data connection.", PASV, "C RETR readme",
        "S 150 File status okay; about to open data connection (readme).", "G connected", "A SEND", "G error",
        "A DCLOSE", "S 426 Connection closed; transfer aborted.",
        /* ABOR during a transfer: 426 then 226. */
        PASV, "C RETR readme", "S 150 File status okay; about to open data connection (readme).", "G connected",
        "A SEND", "C ABOR", "A DCLOSE", "S 426 Connection closed; transfer aborted.", "S 226 ABOR command successful.",
        /* Commands wait while a transfer runs. */
        PASV, "C RETR readme", "S 150 File status okay; about to open data connection (readme).", "C PWD",
        "G connected", "A SEND", "D read me", "A DCLOSE", "S 226 Transfer complete.",
        "S 257 \"/\" is the current directory.", NULL};
    run(t);
}

static void test_malformed(void)
{
    static const char *const t2[] = {GREET, "C XYZZY", "S 500 Syntax error, command unrecognized.", "C ST",
                                     "S 500 Syntax error, command unrecognized.", "C SITE x",
                                     "S 502 Command not implemented.", "c noop\n", "S 200 Command okay.", NULL};
    run(t2);
    /* An over-long line: 500, the rest of it discarded. */
    GString *l = g_string_new("C NOOP ");
    while (l->len < 3000)
        g_string_append_c(l, 'x');
    const char *t3[] = {GREET, l->str, "S 500 Command line too long.", "C NOOP", "S 200 Command okay.", NULL};
    run(t3);
    g_string_free(l, TRUE);
    /* Too many bad commands: 421 and close. */
    static const char *const t4[] = {GREET, "C A1", "S 500 Syntax error, command unrecognized.", "C A2",
                                     "S 500 Syntax error, command unrecognized.", "C A3",
                                     "S 500 Syntax error, command unrecognized.", "C A4",
                                     "S 500 Syntax error, command unrecognized.", "C A5",
                                     "S 500 Syntax error, command unrecognized.", "C A6",
                                     "S 500 Syntax error, command unrecognized.", "C A7",
                                     "S 500 Syntax error, command unrecognized.", "C A8",
                                     "S 500 Syntax error, command unrecognized.", "C A9",
                                     "S 500 Syntax error, command unrecognized.", "C A10",
                                     "S 500 Syntax error, command unrecognized.",
                                     "S 421 Too many errors, closing control connection.", "A CLOSE", "C NOOP", NULL};
    run(t4);
}

static void test_nul(void)
{
    /* A NUL inside a line (steps are C strings, so fed directly). */
    ftp_fs *fs = fixture_fs(false);
    ftp_server_config cfg = {.anonymous = true};
    ftp_server_core *s = ftp_server_core_new(&cfg, fs, "10.0.0.2", T0);
    size_t len;
    ftp_server_core_output(s, &len);
    ftp_server_core_consume(s, len);
    CU_ASSERT_EQUAL(ftp_server_core_feed(s, (const uint8_t *)"NO\0OP\r\n", 7), 7);
    const uint8_t *o = ftp_server_core_output(s, &len);
    CU_ASSERT_TRUE(len > 4 && memcmp(o, "500 ", 4) == 0);
    ftp_server_core_free(s);
    ftp_fs_free(fs);
}

/* The server over a folder on disk: links out of the root refused, ".."
 * kept inside, nothing written outside. */
static void test_disk_store(void)
{
    char *tmp = g_dir_make_tmp("ftpsrv-XXXXXX", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(tmp);
    char *root = g_build_filename(tmp, "root", NULL), *outside = g_build_filename(tmp, "outside", NULL);
    char *secret = g_build_filename(outside, "secret", NULL), *link = g_build_filename(root, "link", NULL);
    char *dlink = g_build_filename(root, "dlink", NULL);
    CU_ASSERT_EQUAL(g_mkdir(root, 0755), 0);
    CU_ASSERT_EQUAL(g_mkdir(outside, 0755), 0);
    CU_ASSERT_TRUE(g_file_set_contents(secret, "top secret", -1, NULL));
    CU_ASSERT_EQUAL(symlink(secret, link), 0);
    CU_ASSERT_EQUAL(symlink(outside, dlink), 0);
    static const char *const t[] = {
        LOGIN, PASV, "C RETR link", "S 550 Permission denied.", "C RETR dlink/secret", "S 550 Permission denied.",
        "C SIZE ../outside/secret", "S 550 Requested action not taken: file unavailable.", "C CWD dlink",
        "S 550 Permission denied.", "C STOR dlink/x", "S 550 Permission denied.", "C TYPE I", "S 200 Type set to I.",
        "C STOR ../../up", "S 150 File status okay; about to open data connection (../../up).", "G connected",
        "R data", "G eof", "A DCLOSE", "S 226 Transfer complete.", "C SIZE /up", "S 213 4", "C DELE /up",
        "S 250 Requested file action okay, completed.", "C NLST", "S 425 Use PORT, EPRT, PASV or EPSV first.",
        NULL};
    for (size_t k = 1; k <= 16; k++) {
        ftp_fs *fs = ftp_fs_new_disk(root, false, NULL);
        CU_ASSERT_PTR_NOT_NULL_FATAL(fs);
        bool ok;
        run_on(fs, t, k, &ok);
        CU_ASSERT_TRUE(ok);
        ftp_fs_free(fs);
    }
    GDir *d = g_dir_open(outside, 0, NULL);
    CU_ASSERT_STRING_EQUAL(g_dir_read_name(d), "secret");
    CU_ASSERT_PTR_NULL(g_dir_read_name(d));
    g_dir_close(d);
    test_remove_tree(tmp);
    g_free(tmp), g_free(root), g_free(outside), g_free(secret), g_free(link), g_free(dlink);
}

/* MLST and MLSD (RFC 3659 7): facts of a file, a folder, a listing; OPTS
 * MLST choosing facts; the refusals. */
static void test_mlst_mlsd(void)
{
    static const char *const t[] = {
        LOGIN, "C MLST readme", "S 250-Listing /readme", "S  type=file;size=7;modify=20221010221320;perm=adfrw; /readme",
        "S 250 End", "C MLST pub", "S 250-Listing /pub", "S  type=dir;size=0;modify=20231114221320;perm=cdeflmp; /pub",
        "S 250 End", "C MLST nope", "S 550 Requested action not taken: file unavailable.", "C CWD pub",
        "S 250 Requested file action okay, completed.", "C MLST hello.txt", "S 250-Listing /pub/hello.txt",
        "S  type=file;size=12;modify=20231114221320;perm=adfrw; /pub/hello.txt", "S 250 End", "C CWD /",
        "S 250 Requested file action okay, completed.",
        /* MLSD of the current folder, of a folder, of a file (501), of nothing. */
        PASV, "C MLSD", "S 150 File status okay; about to open data connection (MLSD).", "G connected", "A SEND",
        "D type=dir;size=0;modify=20231114221320;perm=cdeflmp; pub\r\n"
        "type=file;size=7;modify=20221010221320;perm=adfrw; readme\r\n",
        "A DCLOSE", "S 226 Transfer complete.", PASV, "C MLSD readme", "S 501 Not a folder: use MLST for a file.",
        "C MLSD nope", "S 550 Requested action not taken: file unavailable.", "C MLSD -la",
        "S 550 Requested action not taken: file unavailable.", "C MLSD pub",
        "S 150 File status okay; about to open data connection (MLSD).", "G connected", "A SEND",
        "D type=file;size=12;modify=20231114221320;perm=adfrw; hello.txt\r\n", "A DCLOSE", "S 226 Transfer complete.",
        /* OPTS MLST: a subset, in FEAT's order, unknown facts ignored; none. */
        "C OPTS MLST size;TYPE;unique;", "S 200 MLST OPTS type;size;", "C MLST readme", "S 250-Listing /readme",
        "S  type=file;size=7; /readme", "S 250 End", "C OPTS mlst", "S 200 MLST OPTS", "C MLST readme",
        "S 250-Listing /readme", "S   /readme", "S 250 End", "C OPTS MLST type;perm;", "S 200 MLST OPTS type;perm;",
        "C OPTS UTF8 ON", "S 501 OPTS: only MLST has options here.", "C OPTS MLSTX", "S 501 OPTS: only MLST has options here.",
        "C OPTS", "S 501 Syntax error in parameters or arguments.", "C MLSD", "S 425 Use PORT, EPRT, PASV or EPSV first.",
        "C MLST ../../readme", "S 250-Listing /readme", "S  type=file;perm=adfrw; /readme", "S 250 End", NULL};
    run(t);
    /* Anonymous, read-only: the perm facts say so. Before login: 530. */
    static const char *const t2[] = {
        GREET, "C MLST readme", "S 530 Please login with USER and PASS.", "C USER anonymous",
        "S 331 Anonymous login ok, send your e-mail address as password.", "C PASS me@example.org",
        "S 230 User logged in, proceed.", "C MLST readme", "S 250-Listing /readme",
        "S  type=file;size=7;modify=20221010221320;perm=r; /readme", "S 250 End", "C MLST /", "S 250-Listing /",
        NULL};
    for (size_t k = 1; k <= 64; k++) {
        ftp_fs *fs = fixture_fs(false);
        ftp_server_config cfg = {.check = check_user, .anonymous = true};
        driver d = {.s = ftp_server_core_new(&cfg, fs, "10.0.0.2", T0 + 86400), .in = g_string_new(NULL),
                    .out = g_string_new(NULL), .k = k};
        for (const char *const *st = t2; *st; st++)
            step(&d, *st);
        pump(&d);
        /* The root folder's line: its modification time is the store's own. */
        CU_ASSERT_TRUE(g_str_has_prefix(d.out->str, " type=dir;size=0;modify="));
        CU_ASSERT_TRUE(g_str_has_suffix(d.out->str, ";perm=el; /\r\n250 End\r\n"));
        CU_ASSERT_FALSE(d.failed);
        ftp_server_core_free(d.s);
        g_string_free(d.in, TRUE);
        g_string_free(d.out, TRUE);
        ftp_fs_free(fs);
    }
}

/* A folder over FTP_SERVER_MAX_LIST entries: 451 for LIST, NLST and MLSD
 * (no 150, the data connection stays for the next command); one at the
 * limit lists in full, pulled a chunk at a time. */
static void test_listing_limit(void)
{
    ftp_fs *fs = fixture_fs(false);
    GString *want = g_string_new(NULL);
    for (int i = 0; i < FTP_SERVER_MAX_LIST; i++) {
        char *p = g_strdup_printf("/big/f%05d", i);
        CU_ASSERT_TRUE(ftp_fs_memory_put(fs, p, "", 0, T0, NULL));
        g_string_append_printf(want, "%s\r\n", p + 5);
        g_free(p);
    }
    static const char *const ok[] = {
        LOGIN, PASV, "C NLST big", "S 150 File status okay; about to open data connection (file list).",
        "G connected", "A SEND", NULL};
    for (size_t k = 7; k <= 4096; k *= 8) {
        ftp_server_config cfg = {.check = check_user};
        driver d = {.s = ftp_server_core_new(&cfg, fs, "10.0.0.2", T0 + 86400), .in = g_string_new(NULL),
                    .out = g_string_new(NULL), .k = k};
        for (const char *const *st = ok; *st; st++)
            step(&d, *st);
        /* Never more than about a chunk waits in the core. */
        size_t most = 0;
        GString *got = g_string_new(NULL);
        for (;;) {
            size_t len;
            const uint8_t *p = ftp_server_core_data_output(d.s, &len);
            if (len == 0)
                break;
            most = MAX(most, len);
            size_t take = MIN(len, k);
            g_string_append_len(got, (const char *)p, (gssize)take);
            ftp_server_core_data_consume(d.s, take);
        }
        CU_ASSERT_TRUE(most < FTP_SERVER_DATA_CHUNK + 300);
        CU_ASSERT_EQUAL(got->len, want->len);
        CU_ASSERT_STRING_EQUAL(got->str, want->str);
        step(&d, "A DCLOSE");
        step(&d, "S 226 Transfer complete.");
        CU_ASSERT_FALSE(d.failed);
        g_string_free(got, TRUE);
        ftp_server_core_free(d.s);
        g_string_free(d.in, TRUE);
        g_string_free(d.out, TRUE);
    }
    CU_ASSERT_TRUE(ftp_fs_memory_put(fs, "/big/one-more", "", 0, T0, NULL));
#define TOO_MANY "S 451 Requested action aborted: the folder has more than 10000 entries, more than a listing may " \
                 "hold; list a smaller folder."
    static const char *const over[] = {LOGIN, PASV, "C LIST big", TOO_MANY, "C NLST /big", TOO_MANY, "C MLSD big",
                                       TOO_MANY, "C NLST pub", "S 150 File status okay; about to open data connection "
                                       "(file list).", "G connected", "A SEND", "D hello.txt\r\n", "A DCLOSE",
                                       "S 226 Transfer complete.", NULL};
#undef TOO_MANY
    for (size_t k = 1; k <= 64; k += 21) {
        bool good;
        run_on(fs, over, k, &good);
        CU_ASSERT_TRUE(good);
    }
    g_string_free(want, TRUE);
    ftp_fs_free(fs);
}

int main(void)
{
    static const test_case tests[] = {
        TEST(test_login), TEST(test_simple_commands), TEST(test_paths_stay_inside), TEST(test_passive_retr),
        TEST(test_active_retr_ascii), TEST(test_bounce_refused), TEST(test_stor_appe), TEST(test_data_failures),
        TEST(test_malformed), TEST(test_nul), TEST(test_disk_store), TEST(test_mlst_mlsd), TEST(test_listing_limit),
    };
    return test_main("protocols/ftp/server_core", tests, G_N_ELEMENTS(tests));
}

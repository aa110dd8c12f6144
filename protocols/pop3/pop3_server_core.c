/*
 * pop3_server_core: the POP3 server state machine (see pop3_server_core.h
 * for the contract, the responses and the limits).
 *
 * Structure. Input is read a byte at a time into a command line (at most
 * 254 bytes before its LF; the rest of a longer line is dropped), and the
 * command runs when the LF comes. Responses are appended to `out`, which
 * is taken from its front (`out_off`) so that writing a large message out
 * in small pieces costs no copying per piece. At login the maildrop is
 * snapshotted as (UID, size, deleted) per message; every command looks
 * its message up by UID in the store at the time it runs. Messages are
 * written line by line through one line reader, so RETR, TOP and the
 * sizes agree on what a line is: a line ends at CRLF, at a bare LF or at
 * a bare CR, and is written with CRLF, a leading "." doubled.
 */
#include "pop3_server_core.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const state_names[] = {
#define POP3_SERVER_STATE_NAME(name, text) [name] = text,
    POP3_SERVER_STATES(POP3_SERVER_STATE_NAME)
#undef POP3_SERVER_STATE_NAME
};

/* One message of the maildrop as it was at login. */
typedef struct {
    uint32_t uid;
    uint64_t size;  /* octets as sent (see the header) */
    bool deleted;   /* marked by DELE, unmarked by RSET */
} drop_entry;

struct pop3_server_core {
    char *greeting;   /* text after "+OK " */
    char *timestamp;  /* APOP's "<...>", or NULL when APOP is off */
    bool refuse_plain;
    unsigned max_bad;
    mail_store *store; /* borrowed */

    pop3_server_state state;
    GByteArray *out;  /* responses; the bytes before out_off are taken */
    size_t out_off;
    GQueue events;    /* of pop3_server_event * */

    char line[POP3_SERVER_MAX_COMMAND_LINE]; /* the command line, without LF */
    size_t line_len;                         /* bytes in `line` (< 255) */
    bool line_over;                          /* over the limit: dropping to LF */

    char *user_given; /* the name of the last USER accepted, or NULL */
    char *user;       /* the user logged in, or NULL */
    GArray *drop;     /* of drop_entry, in TRANSACTION */
    pop3_server_stats stats;
};

const char *pop3_server_state_name(pop3_server_state s)
{
    return (unsigned)s < G_N_ELEMENTS(state_names) ? state_names[s] : "?";
}

static void push_event(pop3_server_core *s, pop3_server_event *ev)
{
    g_queue_push_tail(&s->events, g_memdup2(ev, sizeof *ev));
}

/* The one place the state changes; every change is an event. */
static void set_state(pop3_server_core *s, pop3_server_state to)
{
    if (s->state == to)
        return;
    pop3_server_event ev = {.kind = POP3_SERVER_EV_STATE, .from = s->state, .to = to};
    push_event(s, &ev);
    s->state = to;
}

static void out_append(pop3_server_core *s, const void *data, size_t n)
{
    g_byte_array_append(s->out, data, (guint)n);
}

/* Appends "+OK text" or "-ERR text" and CRLF ("+OK" alone for an empty
 * text). Control bytes in the text become spaces, so that no text (a
 * user's name echoed, a configured greeting) can end the line early; the
 * line is cut to 512 bytes, RFC 2449's limit for responses. */
static void respond(pop3_server_core *s, bool ok, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
static void respond(pop3_server_core *s, bool ok, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *text = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    const char *status = ok ? "+OK" : "-ERR";
    size_t n = strlen(text), room = 512 - 2 - strlen(status) - 1;
    if (n > room)
        n = room;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)text[i] < 0x20 || text[i] == 0x7f)
            text[i] = ' ';
    out_append(s, status, strlen(status));
    if (n) {
        out_append(s, " ", 1);
        out_append(s, text, n);
    }
    out_append(s, "\r\n", 2);
    g_free(text);
}

/* `quit`: after QUIT (else after too many bad commands). */
static void close_session(pop3_server_core *s, bool quit)
{
    set_state(s, POP3_SERVER_CLOSED);
    pop3_server_event ev = {.kind = POP3_SERVER_EV_CLOSE, .from = s->state, .to = s->state, .ok = quit};
    push_event(s, &ev);
}

/* A command the client got wrong: its -ERR, or, when it is the last one
 * allowed, "too many bad commands" and the end of the session (no UPDATE). */
static void bad(pop3_server_core *s, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void bad(pop3_server_core *s, const char *fmt, ...)
{
    s->stats.bad_commands++;
    if (s->stats.bad_commands >= s->max_bad) {
        respond(s, false, "too many bad commands, closing");
        close_session(s, false);
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    char *text = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    respond(s, false, "%s", text);
    g_free(text);
}

/* ---- messages as lines ------------------------------------------------------ */

/* The next line of data[0..len) from *pos: its start and length without
 * the line end; false at the end. A line ends at CRLF, LF or a bare CR;
 * a last line without an end is a line too. */
static bool next_line(const uint8_t *data, size_t len, size_t *pos, size_t *start, size_t *n)
{
    size_t i = *pos;
    if (i >= len)
        return false;
    size_t j = i;
    while (j < len && data[j] != '\r' && data[j] != '\n')
        j++;
    *start = i;
    *n = j - i;
    if (j < len && data[j] == '\r' && j + 1 < len && data[j + 1] == '\n')
        j++;
    *pos = j < len ? j + 1 : len;
    return true;
}

/* The octets a message takes as sent: each line and a CRLF. */
static uint64_t wire_size(GBytes *b)
{
    gsize len;
    const uint8_t *d = g_bytes_get_data(b, &len);
    uint64_t size = 0;
    size_t pos = 0, start, n;
    while (next_line(d, len, &pos, &start, &n))
        size += n + 2;
    return size;
}

static void put_line(pop3_server_core *s, const uint8_t *line, size_t n)
{
    if (n && line[0] == '.')
        out_append(s, ".", 1); /* byte-stuffing (RFC 1939 3) */
    if (n)
        out_append(s, line, n);
    out_append(s, "\r\n", 2);
}

/* Writes the message's lines and the terminating ".". body_lines < 0:
 * all of it; else the header, the blank line after it and that many
 * lines of the body (TOP). */
static void put_message(pop3_server_core *s, GBytes *b, int64_t body_lines)
{
    gsize len;
    const uint8_t *d = g_bytes_get_data(b, &len);
    size_t pos = 0, start, n;
    bool in_body = false;
    int64_t sent = 0;
    while (next_line(d, len, &pos, &start, &n)) {
        if (in_body && body_lines >= 0 && sent++ >= body_lines)
            break;
        put_line(s, d + start, n);
        if (n == 0)
            in_body = true;
    }
    out_append(s, ".\r\n", 3);
}

/* ---- the maildrop -------------------------------------------------------------- */

static mail_folder *inbox(pop3_server_core *s)
{
    return s->user ? mail_store_folder(s->store, s->user, MAIL_STORE_INBOX, NULL) : NULL;
}

/* The stored message of an entry, NULL when it is gone from the store. */
static const mail_store_msg *entry_msg(pop3_server_core *s, const drop_entry *e)
{
    mail_folder *f = inbox(s);
    if (!f)
        return NULL;
    int i = mail_folder_find_uid(f, e->uid);
    return i < 0 ? NULL : mail_folder_msg(f, (guint)i);
}

static void drop_totals(const pop3_server_core *s, guint *count, uint64_t *octets)
{
    *count = 0;
    *octets = 0;
    for (guint i = 0; s->drop && i < s->drop->len; i++) {
        const drop_entry *e = &g_array_index(s->drop, drop_entry, i);
        if (!e->deleted) {
            (*count)++;
            *octets += e->size;
        }
    }
}

/* Reads a decimal number of at most 10 digits; false for anything else. */
static bool parse_number(const char *a, uint64_t *v)
{
    size_t n = strlen(a);
    if (n == 0 || n > 10)
        return false;
    *v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!g_ascii_isdigit(a[i]))
            return false;
        *v = *v * 10 + (uint64_t)(a[i] - '0');
    }
    return true;
}

/* The entry a message-number argument names, or NULL after answering
 * the error (RFC 1939: a deleted message may not be referred to). */
static drop_entry *arg_entry(pop3_server_core *s, const char *arg, uint64_t *num)
{
    if (!parse_number(arg, num)) {
        bad(s, "invalid message number");
        return NULL;
    }
    if (*num < 1 || *num > s->drop->len) {
        bad(s, "no such message, only %u messages in maildrop", s->drop->len);
        return NULL;
    }
    drop_entry *e = &g_array_index(s->drop, drop_entry, *num - 1);
    if (e->deleted) {
        bad(s, "message %llu already deleted", (unsigned long long)*num);
        return NULL;
    }
    return e;
}

/* ---- AUTHORIZATION --------------------------------------------------------------- */

static void login_event(pop3_server_core *s, const char *user, bool ok)
{
    pop3_server_event ev = {.kind = POP3_SERVER_EV_LOGIN, .from = s->state, .to = s->state, .ok = ok,
                            .user = g_strdup(user)};
    push_event(s, &ev);
}

static void login_failed(pop3_server_core *s, const char *user)
{
    s->stats.auth_failures++;
    login_event(s, user, false);
    g_clear_pointer(&s->user_given, g_free);
    bad(s, "[AUTH] invalid user name or password");
}

/* Opens the maildrop: the user's INBOX as it is now, numbered 1..n. */
static void login(pop3_server_core *s, const char *user)
{
    mail_store_refresh(s->store, user, NULL);
    mail_folder *f = mail_store_folder(s->store, user, MAIL_STORE_INBOX, NULL);
    g_clear_pointer(&s->user_given, g_free);
    if (!f) {
        respond(s, false, "[SYS/TEMP] unable to open the maildrop");
        return;
    }
    s->user = g_strdup(user);
    s->drop = g_array_new(FALSE, TRUE, sizeof(drop_entry));
    guint count = mail_folder_count(f);
    for (guint i = 0; i < count; i++) {
        const mail_store_msg *m = mail_folder_msg(f, i);
        if (!m)
            continue;
        drop_entry e = {.uid = m->uid, .size = m->data ? wire_size(m->data) : 0};
        g_array_append_val(s->drop, e);
    }
    login_event(s, user, true);
    set_state(s, POP3_SERVER_TRANSACTION);
    respond(s, true, "user successfully logged on");
}

static void cmd_user(pop3_server_core *s, char **argv, int argc)
{
    if (s->refuse_plain) {
        bad(s, "[AUTH] plain-text login is not allowed on this connection");
    } else if (argc != 1) {
        bad(s, "usage: USER name");
    } else {
        const char *arg = argv[0];
        /* Any name is accepted here: whether it exists shows only as the
         * failure of PASS, the same as a wrong password. */
        g_free(s->user_given);
        s->user_given = g_strdup(arg);
        respond(s, true, "%s", "");
    }
}

/* `rest` is the whole argument: a password may contain spaces (RFC 1939 7). */
static void cmd_pass(pop3_server_core *s, const char *rest)
{
    if (s->refuse_plain) {
        bad(s, "[AUTH] plain-text login is not allowed on this connection");
    } else if (!s->user_given) {
        bad(s, "USER first");
    } else if (!*rest) {
        bad(s, "usage: PASS secret");
    } else if (!mail_store_check_password(s->store, s->user_given, rest)) {
        char *u = g_strdup(s->user_given);
        login_failed(s, u);
        g_free(u);
    } else {
        char *u = g_strdup(s->user_given);
        login(s, u);
        g_free(u);
    }
}

/* True when the two strings are equal, in time independent of where they
 * differ (both are 32 hex digits here). */
static bool same_secret(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    unsigned diff = (unsigned)(na ^ nb);
    for (size_t i = 0; i < na; i++)
        diff |= (unsigned)(unsigned char)a[i] ^ (unsigned)(unsigned char)b[i % (nb ? nb : 1)];
    return diff == 0 && nb > 0;
}

static void cmd_apop(pop3_server_core *s, char **argv, int argc)
{
    if (!s->timestamp) {
        bad(s, "APOP is not offered");
        return;
    }
    if (argc != 2) {
        bad(s, "usage: APOP name digest");
        return;
    }
    /* An unknown user's digest is computed too, from a password no user
     * can have, so that both fail the same way and take the same work. */
    const char *pw = mail_store_password(s->store, argv[0]);
    char *want = pop3_apop_digest(s->timestamp, pw ? pw : "\x01 no such user \x01");
    char *given = g_ascii_strdown(argv[1], -1);
    bool ok = same_secret(given, want) && pw != NULL;
    g_free(want);
    g_free(given);
    if (ok)
        login(s, argv[0]);
    else
        login_failed(s, argv[0]);
}

char *pop3_apop_digest(const char *timestamp, const char *password)
{
    GChecksum *md5 = g_checksum_new(G_CHECKSUM_MD5);
    g_checksum_update(md5, (const guchar *)timestamp, (gssize)strlen(timestamp));
    g_checksum_update(md5, (const guchar *)password, (gssize)strlen(password));
    char *hex = g_strdup(g_checksum_get_string(md5)); /* lower-case hex */
    g_checksum_free(md5);
    return hex;
}

/* ---- TRANSACTION ----------------------------------------------------------------- */

static void cmd_list(pop3_server_core *s, char **argv, int argc, bool uidl)
{
    if (argc > 1) {
        bad(s, uidl ? "usage: UIDL [msg]" : "usage: LIST [msg]");
        return;
    }
    mail_folder *f = inbox(s);
    uint32_t validity = f ? mail_folder_uidvalidity(f) : 0;
    if (argc == 1) {
        uint64_t num;
        drop_entry *e = arg_entry(s, argv[0], &num);
        if (!e)
            return;
        if (uidl)
            respond(s, true, "%llu %u.%u", (unsigned long long)num, validity, e->uid);
        else
            respond(s, true, "%llu %llu", (unsigned long long)num, (unsigned long long)e->size);
        return;
    }
    guint count;
    uint64_t octets;
    drop_totals(s, &count, &octets);
    if (uidl)
        respond(s, true, "%s", "");
    else
        respond(s, true, "%u messages (%llu octets)", count, (unsigned long long)octets);
    for (guint i = 0; i < s->drop->len; i++) {
        const drop_entry *e = &g_array_index(s->drop, drop_entry, i);
        if (e->deleted)
            continue;
        char row[64];
        int n = uidl ? snprintf(row, sizeof row, "%u %u.%u\r\n", i + 1, validity, e->uid)
                     : snprintf(row, sizeof row, "%u %llu\r\n", i + 1, (unsigned long long)e->size);
        out_append(s, row, (size_t)n);
    }
    out_append(s, ".\r\n", 3);
}

/* RETR (body_lines < 0) and TOP. */
static void cmd_retr(pop3_server_core *s, char **argv, int argc, bool top)
{
    if (argc != (top ? 2 : 1)) {
        bad(s, top ? "usage: TOP msg lines" : "usage: RETR msg");
        return;
    }
    uint64_t lines = 0;
    if (top && !parse_number(argv[1], &lines)) {
        bad(s, "invalid number of lines");
        return;
    }
    uint64_t num;
    drop_entry *e = arg_entry(s, argv[0], &num);
    if (!e)
        return;
    const mail_store_msg *m = entry_msg(s, e);
    if (!m || !m->data) {
        respond(s, false, "no such message: removed by another session");
        return;
    }
    if (top) {
        respond(s, true, "top of message follows");
    } else {
        respond(s, true, "%llu octets", (unsigned long long)e->size);
        s->stats.retrieved++;
    }
    put_message(s, m->data, top ? (int64_t)lines : -1);
}

static void cmd_dele(pop3_server_core *s, char **argv, int argc)
{
    if (argc != 1) {
        bad(s, "usage: DELE msg");
        return;
    }
    uint64_t num;
    drop_entry *e = arg_entry(s, argv[0], &num);
    if (!e)
        return;
    e->deleted = true;
    respond(s, true, "message %llu deleted", (unsigned long long)num);
}

static void cmd_rset(pop3_server_core *s)
{
    for (guint i = 0; i < s->drop->len; i++)
        g_array_index(s->drop, drop_entry, i).deleted = false;
    guint count;
    uint64_t octets;
    drop_totals(s, &count, &octets);
    respond(s, true, "maildrop has %u messages (%llu octets)", count, (unsigned long long)octets);
}

static gint descending(gconstpointer a, gconstpointer b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x < y) - (x > y);
}

/* UPDATE (RFC 1939 6): removes the messages marked deleted, highest index
 * first so that no removal renumbers one still to go. */
static void update(pop3_server_core *s)
{
    /* On a Maildir, what other processes removed meanwhile is skipped. */
    mail_store_refresh(s->store, s->user, NULL);
    mail_folder *f = inbox(s);
    GArray *idx = g_array_new(FALSE, FALSE, sizeof(int));
    for (guint i = 0; f && i < s->drop->len; i++) {
        const drop_entry *e = &g_array_index(s->drop, drop_entry, i);
        int at = e->deleted ? mail_folder_find_uid(f, e->uid) : -1;
        if (at >= 0)
            g_array_append_val(idx, at);
    }
    g_array_sort(idx, descending);
    bool failed = false;
    for (guint i = 0; i < idx->len; i++) {
        if (mail_folder_remove(f, (guint)g_array_index(idx, int, i), NULL))
            s->stats.deleted++;
        else
            failed = true;
    }
    g_array_free(idx, TRUE);
    if (failed)
        respond(s, false, "[SYS/TEMP] some deleted messages not removed");
    else
        respond(s, true, "POP3 server signing off");
}

static void cmd_capa(pop3_server_core *s)
{
    respond(s, true, "Capability list follows");
    static const char *const caps[] = {"TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING",
                                       "IMPLEMENTATION appsim"};
    for (size_t i = 0; i < G_N_ELEMENTS(caps); i++) {
        out_append(s, caps[i], strlen(caps[i]));
        out_append(s, "\r\n", 2);
        if (i == 1 && !s->refuse_plain)
            out_append(s, "USER\r\n", 6);
    }
    out_append(s, ".\r\n", 3);
}

/* ---- commands ------------------------------------------------------------------ */

/* Splits the arguments at spaces (runs of them count as one), at most 3. */
static int split_args(char *rest, char **argv)
{
    int argc = 0;
    char *p = rest;
    while (*p) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        if (argc == 3)
            return 4; /* too many for any command */
        argv[argc++] = p;
        while (*p && *p != ' ')
            p++;
        if (*p)
            *p++ = 0;
    }
    return argc;
}

static bool verb_is(const char *v, const char *name) { return g_ascii_strcasecmp(v, name) == 0; }

static void run_transaction(pop3_server_core *s, const char *v, char **argv, int argc)
{
    if (verb_is(v, "STAT") || verb_is(v, "NOOP") || verb_is(v, "RSET")) {
        if (argc) {
            bad(s, "no arguments expected");
        } else if (verb_is(v, "STAT")) {
            guint count;
            uint64_t octets;
            drop_totals(s, &count, &octets);
            respond(s, true, "%u %llu", count, (unsigned long long)octets);
        } else if (verb_is(v, "NOOP")) {
            respond(s, true, "%s", "");
        } else {
            cmd_rset(s);
        }
    } else if (verb_is(v, "LIST") || verb_is(v, "UIDL")) {
        cmd_list(s, argv, argc, verb_is(v, "UIDL"));
    } else if (verb_is(v, "RETR") || verb_is(v, "TOP")) {
        cmd_retr(s, argv, argc, verb_is(v, "TOP"));
    } else if (verb_is(v, "DELE")) {
        cmd_dele(s, argv, argc);
    } else if (verb_is(v, "USER") || verb_is(v, "PASS") || verb_is(v, "APOP")) {
        bad(s, "already logged in");
    } else {
        bad(s, "unknown command");
    }
}

static void run_command(pop3_server_core *s, const char *line, size_t len)
{
    s->stats.commands++;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)line[i];
        if (c < 0x20 || c == 0x7f) {
            bad(s, "invalid characters in command");
            return;
        }
    }
    char *copy = g_strndup(line, len);
    size_t vn = strcspn(copy, " ");
    char *rest = copy + vn;
    if (*rest)
        *rest++ = 0;
    char *pass_arg = g_strdup(rest); /* PASS takes the rest as it is */
    char *argv[3] = {0};
    int argc = split_args(rest, argv);
    const char *v = copy;
    if (verb_is(v, "QUIT")) {
        if (s->state == POP3_SERVER_TRANSACTION)
            update(s);
        else
            respond(s, true, "POP3 server signing off");
        close_session(s, true);
    } else if (verb_is(v, "CAPA")) {
        cmd_capa(s);
    } else if (s->state == POP3_SERVER_AUTHORIZATION && verb_is(v, "PASS")) {
        cmd_pass(s, pass_arg);
    } else if (argc > 3) {
        bad(s, "too many arguments");
    } else if (s->state == POP3_SERVER_TRANSACTION) {
        run_transaction(s, v, argv, argc);
    } else if (verb_is(v, "USER")) {
        cmd_user(s, argv, argc);
    } else if (verb_is(v, "APOP")) {
        cmd_apop(s, argv, argc);
    } else {
        static const char *const later[] = {"STAT", "LIST", "RETR", "DELE", "NOOP", "RSET", "TOP", "UIDL"};
        bool known = false;
        for (size_t i = 0; i < G_N_ELEMENTS(later); i++)
            known |= verb_is(v, later[i]);
        bad(s, known ? "not logged in" : "unknown command");
    }
    g_free(pass_arg);
    g_free(copy);
}

/* ---- the core ---------------------------------------------------------------- */

/* APOP's timestamp as it goes in the greeting: "<...>", without control
 * bytes or '<' '>' inside; NULL when APOP is off. */
static char *make_timestamp(const char *given)
{
    if (!given || !*given)
        return NULL;
    size_t n = strlen(given);
    if (n >= 2 && given[0] == '<' && given[n - 1] == '>') {
        given++;
        n -= 2;
    }
    if (n > 200)
        n = 200;
    GString *t = g_string_new("<");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)given[i];
        if (c > 0x20 && c < 0x7f && c != '<' && c != '>')
            g_string_append_c(t, (char)c);
    }
    g_string_append_c(t, '>');
    return g_string_free(t, FALSE);
}

pop3_server_core *pop3_server_core_new(const pop3_server_config *cfg, mail_store *store)
{
    pop3_server_core *s = g_new0(pop3_server_core, 1);
    s->greeting = g_strdup(cfg && cfg->greeting ? cfg->greeting : POP3_SERVER_DEFAULT_GREETING);
    s->timestamp = make_timestamp(cfg ? cfg->apop_timestamp : NULL);
    s->refuse_plain = cfg && cfg->refuse_plaintext;
    s->max_bad = cfg && cfg->max_bad_commands ? cfg->max_bad_commands : POP3_SERVER_DEFAULT_MAX_BAD;
    s->store = store;
    s->out = g_byte_array_new();
    g_queue_init(&s->events);
    s->state = POP3_SERVER_AUTHORIZATION;
    if (s->timestamp)
        respond(s, true, "%s %s", s->greeting, s->timestamp);
    else
        respond(s, true, "%s", s->greeting);
    return s;
}

void pop3_server_event_clear(pop3_server_event *ev)
{
    g_free(ev->user);
    ev->user = NULL;
}

void pop3_server_core_free(pop3_server_core *s)
{
    if (!s)
        return;
    pop3_server_event *ev;
    while ((ev = g_queue_pop_head(&s->events))) {
        pop3_server_event_clear(ev);
        g_free(ev);
    }
    g_byte_array_free(s->out, TRUE);
    if (s->drop)
        g_array_free(s->drop, TRUE);
    g_free(s->user_given);
    g_free(s->user);
    g_free(s->timestamp);
    g_free(s->greeting);
    g_free(s);
}

const uint8_t *pop3_server_core_output(const pop3_server_core *s, size_t *len)
{
    *len = s->out->len - s->out_off;
    return s->out->data + s->out_off;
}

static size_t pending_out(const pop3_server_core *s) { return s->out->len - s->out_off; }

void pop3_server_core_consume(pop3_server_core *s, size_t n)
{
    if (n > pending_out(s))
        n = pending_out(s);
    s->out_off += n;
    s->stats.bytes_out += n;
    if (s->out_off == s->out->len) {
        g_byte_array_set_size(s->out, 0);
        s->out_off = 0;
    } else if (s->out_off >= 65536 && s->out_off * 2 >= s->out->len) {
        /* Compacted when the taken part is at least half: O(1) amortised per byte. */
        g_byte_array_remove_range(s->out, 0, (guint)s->out_off);
        s->out_off = 0;
    }
}

bool pop3_server_core_next_event(pop3_server_core *s, pop3_server_event *ev)
{
    pop3_server_event *e = g_queue_pop_head(&s->events);
    if (!e)
        return false;
    *ev = *e;
    g_free(e);
    return true;
}

void pop3_server_core_abort(pop3_server_core *s)
{
    /* RFC 1939 3: a session that ends without QUIT does not enter UPDATE. */
    set_state(s, POP3_SERVER_CLOSED);
}

pop3_server_state pop3_server_core_state(const pop3_server_core *s) { return s->state; }
const pop3_server_stats *pop3_server_core_stats(const pop3_server_core *s) { return &s->stats; }
const char *pop3_server_core_user(const pop3_server_core *s) { return s->user; }
size_t pop3_server_core_buffered(const pop3_server_core *s) { return s->line_len; }

size_t pop3_server_core_feed(pop3_server_core *s, const uint8_t *data, size_t len)
{
    if (!data)
        return 0;
    for (size_t i = 0; i < len; i++) {
        if (s->state == POP3_SERVER_CLOSED) {
            s->stats.bytes_in += len - i;
            return len;
        }
        if (s->line_len == 0 && !s->line_over && pending_out(s) >= POP3_SERVER_OUTPUT_HIGH)
            return i;
        s->stats.bytes_in++;
        uint8_t c = data[i];
        if (c != '\n') {
            if (s->line_len < POP3_SERVER_MAX_COMMAND_LINE - 1)
                s->line[s->line_len++] = (char)c;
            else
                s->line_over = true;
            continue;
        }
        size_t n = s->line_len;
        if (n > 0 && s->line[n - 1] == '\r')
            n--;
        if (s->line_over) {
            s->stats.commands++;
            bad(s, "line too long");
        } else {
            run_command(s, s->line, n);
        }
        s->line_len = 0;
        s->line_over = false;
    }
    return len;
}

/*
 * imap_dispatch: one whole command read by the core: its tag and verb,
 * the check of the state, the commands' modules, and the commands small
 * enough to live here (CAPABILITY, NOOP, LOGOUT, LOGIN, CHECK, CLOSE,
 * UNSELECT, SUBSCRIBE, UNSUBSCRIBE).
 */
#include "imap_server_impl.h"

#include <string.h>

typedef enum {
    ANY,      /* every state */
    NOT_AUTH, /* before LOGIN */
    AUTH,     /* authenticated or selected */
    SELECTED, /* a folder selected */
} cmd_state;

static bool state_allows(const imap_server_core *s, cmd_state need)
{
    switch (need) {
    case ANY: return true;
    case NOT_AUTH: return s->state == IMAP_SERVER_NOT_AUTH;
    case AUTH: return s->state == IMAP_SERVER_AUTH || s->state == IMAP_SERVER_SELECTED;
    case SELECTED: return s->state == IMAP_SERVER_SELECTED;
    }
    return false;
}

static void cmd_login(imap_server_core *s, const char *tag, imap_cursor *c)
{
    char *user = NULL, *pass = NULL;
    if (!imap_p_astring(c, &user) || !imap_p_sp(c) || !imap_p_astring(c, &pass) || !imap_p_eol(c)) {
        imap_bad(s, tag, "Syntax: LOGIN user password");
    } else if (s->login_disabled) {
        imap_no(s, tag, "[PRIVACYREQUIRED] Plain-text login is disabled on this connection");
    } else if (!mail_store_check_password(s->store, user, pass)) {
        /* The same answer whether the user exists or not. */
        imap_no(s, tag, "[AUTHENTICATIONFAILED] Authentication failed");
    } else {
        s->user = g_strdup(user);
        imap_set_state(s, IMAP_SERVER_AUTH);
        imap_ok(s, tag, "LOGIN completed");
    }
    g_free(user);
    if (pass)
        memset(pass, 0, strlen(pass));
    g_free(pass);
}

static void cmd_simple(imap_server_core *s, const char *tag, const char *verb, imap_cursor *c)
{
    if (!imap_p_eol(c)) {
        imap_bad(s, tag, "Unexpected arguments");
        return;
    }
    if (imap_word_is(verb, "CAPABILITY")) {
        imap_out(s, "* CAPABILITY %s\r\n", imap_capability(s));
        imap_ok(s, tag, "CAPABILITY completed");
    } else if (imap_word_is(verb, "NOOP") || imap_word_is(verb, "CHECK")) {
        if (s->user)
            mail_store_refresh(s->store, s->user, NULL);
        imap_ok(s, tag, imap_word_is(verb, "NOOP") ? "NOOP completed" : "CHECK completed");
    } else if (imap_word_is(verb, "LOGOUT")) {
        imap_out(s, "* BYE IMAP4rev1 server logging out\r\n");
        imap_set_state(s, IMAP_SERVER_LOGOUT);
        imap_out(s, "%s OK LOGOUT completed\r\n", tag);
    } else if (imap_word_is(verb, "CLOSE")) {
        if (!s->read_only)
            imap_expunge_deleted(s, NULL);
        imap_set_state(s, IMAP_SERVER_AUTH);
        imap_ok(s, tag, "CLOSE completed");
    } else if (imap_word_is(verb, "UNSELECT")) {
        imap_set_state(s, IMAP_SERVER_AUTH);
        imap_ok(s, tag, "UNSELECT completed");
    } else if (imap_word_is(verb, "EXPUNGE")) {
        imap_cmd_expunge(s, tag, c, false);
    } else {
        imap_no(s, tag, "Not supported");
    }
}

static void cmd_subscribe(imap_server_core *s, const char *tag, imap_cursor *c)
{
    /* Every folder counts as subscribed: LSUB lists what LIST lists. */
    char *name = NULL;
    if (!imap_p_astring(c, &name) || !imap_p_eol(c))
        imap_bad(s, tag, "Syntax: SUBSCRIBE mailbox");
    else
        imap_ok(s, tag, "Completed (every folder is subscribed)");
    g_free(name);
}

typedef enum {
    C_CAPABILITY, C_NOOP, C_LOGOUT, C_LOGIN, C_AUTHENTICATE, C_STARTTLS, C_SELECT, C_EXAMINE, C_CREATE,
    C_DELETE, C_RENAME, C_SUBSCRIBE, C_UNSUBSCRIBE, C_LIST, C_LSUB, C_STATUS, C_APPEND, C_CHECK, C_CLOSE,
    C_UNSELECT, C_EXPUNGE, C_SEARCH, C_FETCH, C_STORE, C_COPY, C_MOVE, C_UID,
} cmd_id;

static const struct {
    const char *verb;
    cmd_id id;
    cmd_state state;
    bool args; /* takes arguments (then a space follows the verb) */
} commands[] = {
    {"CAPABILITY", C_CAPABILITY, ANY, false}, {"NOOP", C_NOOP, ANY, false},
    {"LOGOUT", C_LOGOUT, ANY, false},         {"LOGIN", C_LOGIN, NOT_AUTH, true},
    {"AUTHENTICATE", C_AUTHENTICATE, NOT_AUTH, true}, {"STARTTLS", C_STARTTLS, NOT_AUTH, false},
    {"SELECT", C_SELECT, AUTH, true},         {"EXAMINE", C_EXAMINE, AUTH, true},
    {"CREATE", C_CREATE, AUTH, true},         {"DELETE", C_DELETE, AUTH, true},
    {"RENAME", C_RENAME, AUTH, true},         {"SUBSCRIBE", C_SUBSCRIBE, AUTH, true},
    {"UNSUBSCRIBE", C_UNSUBSCRIBE, AUTH, true}, {"LIST", C_LIST, AUTH, true},
    {"LSUB", C_LSUB, AUTH, true},             {"STATUS", C_STATUS, AUTH, true},
    {"APPEND", C_APPEND, AUTH, true},         {"CHECK", C_CHECK, SELECTED, false},
    {"CLOSE", C_CLOSE, SELECTED, false},      {"UNSELECT", C_UNSELECT, SELECTED, false},
    {"EXPUNGE", C_EXPUNGE, SELECTED, false},  {"SEARCH", C_SEARCH, SELECTED, true},
    {"FETCH", C_FETCH, SELECTED, true},       {"STORE", C_STORE, SELECTED, true},
    {"COPY", C_COPY, SELECTED, true},         {"MOVE", C_MOVE, SELECTED, true},
    {"UID", C_UID, SELECTED, true},
};

/* UID FETCH / STORE / COPY / MOVE / SEARCH / EXPUNGE. */
static void cmd_uid(imap_server_core *s, const char *tag, imap_cursor *c)
{
    char *verb = NULL;
    if (!imap_p_atom(c, NULL, &verb)) {
        imap_bad(s, tag, "Syntax: UID command arguments");
        return;
    }
    bool sp = imap_p_sp(c);
    if (imap_word_is(verb, "EXPUNGE") && sp)
        imap_cmd_expunge(s, tag, c, true);
    else if (!sp)
        imap_bad(s, tag, "Missing arguments");
    else if (imap_word_is(verb, "FETCH"))
        imap_cmd_fetch(s, tag, c, true);
    else if (imap_word_is(verb, "STORE"))
        imap_cmd_store(s, tag, c, true);
    else if (imap_word_is(verb, "COPY"))
        imap_cmd_copy(s, tag, c, true, false);
    else if (imap_word_is(verb, "MOVE"))
        imap_cmd_copy(s, tag, c, true, true);
    else if (imap_word_is(verb, "SEARCH"))
        imap_cmd_search(s, tag, c, true);
    else
        imap_bad(s, tag, "Unknown UID command");
    g_free(verb);
}

static void run(imap_server_core *s, const char *tag, cmd_id id, const char *verb, imap_cursor *c)
{
    switch (id) {
    case C_LOGIN: cmd_login(s, tag, c); break;
    case C_AUTHENTICATE: imap_no(s, tag, "No SASL mechanism is supported; use LOGIN"); break;
    case C_STARTTLS: imap_no(s, tag, "TLS is not available here"); break;
    case C_SELECT: imap_cmd_select(s, tag, c, false); break;
    case C_EXAMINE: imap_cmd_select(s, tag, c, true); break;
    case C_CREATE: imap_cmd_create(s, tag, c); break;
    case C_DELETE: imap_cmd_delete(s, tag, c); break;
    case C_RENAME: imap_cmd_rename(s, tag, c); break;
    case C_SUBSCRIBE:
    case C_UNSUBSCRIBE: cmd_subscribe(s, tag, c); break;
    case C_LIST: imap_cmd_list(s, tag, c, false); break;
    case C_LSUB: imap_cmd_list(s, tag, c, true); break;
    case C_STATUS: imap_cmd_status(s, tag, c); break;
    case C_APPEND: imap_cmd_append(s, tag, c); break;
    case C_SEARCH: imap_cmd_search(s, tag, c, false); break;
    case C_FETCH: imap_cmd_fetch(s, tag, c, false); break;
    case C_STORE: imap_cmd_store(s, tag, c, false); break;
    case C_COPY: imap_cmd_copy(s, tag, c, false, false); break;
    case C_MOVE: imap_cmd_copy(s, tag, c, false, true); break;
    case C_UID: cmd_uid(s, tag, c); break;
    default: cmd_simple(s, tag, verb, c); break;
    }
}

void imap_dispatch(imap_server_core *s, const uint8_t *cmd, size_t len)
{
    imap_cursor c = {cmd, len, 0};
    char *tag = NULL, *verb = NULL;
    if (!imap_p_tag(&c, &tag)) {
        imap_bad(s, "*", "Missing tag");
        return;
    }
    if (!imap_p_sp(&c) || !imap_p_atom(&c, NULL, &verb)) {
        imap_bad(s, tag, "Missing command");
        g_free(tag);
        return;
    }
    size_t i = 0;
    while (i < G_N_ELEMENTS(commands) && !imap_word_is(verb, commands[i].verb))
        i++;
    s->sync_expunges = true;
    if (i == G_N_ELEMENTS(commands)) {
        imap_bad(s, tag, "Unknown command");
    } else if (!state_allows(s, commands[i].state)) {
        imap_bad(s, tag, s->state == IMAP_SERVER_NOT_AUTH ? "Log in first" : "Command not valid in this state");
    } else if (commands[i].args && !imap_p_sp(&c)) {
        imap_bad(s, tag, "Missing arguments");
    } else if (s->state == IMAP_SERVER_SELECTED && !imap_view_refind(s)) {
        imap_out(s, "* BYE The selected mailbox was deleted or renamed\r\n");
        imap_set_state(s, IMAP_SERVER_LOGOUT);
    } else {
        run(s, tag, commands[i].id, verb, &c);
    }
    g_free(verb);
    g_free(tag);
}

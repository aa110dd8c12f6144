/*
 * imap_cmd_mailbox: the commands on folders (RFC 3501 6.3): SELECT,
 * EXAMINE, CREATE, DELETE, RENAME, LIST, LSUB, STATUS, APPEND.
 *
 * Folder names are passed to the store as the client wrote them (no
 * modified UTF-7 decoding), except that INBOX in any case is INBOX; the
 * hierarchy separator is '/'.
 */
#include "imap_server_impl.h"

#include <string.h>

#define SYSTEM_FLAGS "\\Answered \\Flagged \\Deleted \\Seen \\Draft"

/* A mailbox argument: INBOX in any case becomes INBOX. */
static bool mailbox_arg(imap_cursor *c, char **out)
{
    if (!imap_p_astring(c, out))
        return false;
    if (imap_word_is(*out, "INBOX")) {
        g_free(*out);
        *out = g_strdup(MAIL_STORE_INBOX);
    }
    return true;
}

/* The NO text for a store error. */
static const char *store_error_text(const GError *e)
{
    if (!e || e->domain != MAIL_STORE_ERROR)
        return "[SERVERBUG] Operation failed";
    switch (e->code) {
    case MAIL_STORE_ERROR_NO_FOLDER: return "[NONEXISTENT] No such mailbox";
    case MAIL_STORE_ERROR_EXISTS: return "[ALREADYEXISTS] Mailbox already exists";
    case MAIL_STORE_ERROR_BAD_NAME: return "[CANNOT] Mailbox name not allowed";
    case MAIL_STORE_ERROR_INBOX: return "[CANNOT] Not allowed for INBOX";
    default: return "[SERVERBUG] Operation failed";
    }
}

static void store_result(imap_server_core *s, const char *tag, bool ok, GError *e, const char *done)
{
    if (ok)
        imap_ok(s, tag, done);
    else
        imap_no(s, tag, store_error_text(e));
    g_clear_error(&e);
}

void imap_cmd_create(imap_server_core *s, const char *tag, imap_cursor *c)
{
    char *name = NULL;
    if (!mailbox_arg(c, &name) || !imap_p_eol(c)) {
        imap_bad(s, tag, "Syntax: CREATE mailbox");
        g_free(name);
        return;
    }
    size_t n = strlen(name);
    if (n > 1 && name[n - 1] == '/')
        name[n - 1] = 0; /* "a/" asks for a folder under which others go */
    GError *e = NULL;
    bool ok = mail_store_folder_create(s->store, s->user, name, &e) != NULL;
    store_result(s, tag, ok, e, "CREATE completed");
    g_free(name);
}

void imap_cmd_delete(imap_server_core *s, const char *tag, imap_cursor *c)
{
    char *name = NULL;
    if (!mailbox_arg(c, &name) || !imap_p_eol(c)) {
        imap_bad(s, tag, "Syntax: DELETE mailbox");
        g_free(name);
        return;
    }
    if (s->state == IMAP_SERVER_SELECTED && strcmp(name, s->folder_name) == 0 &&
        strcmp(name, MAIL_STORE_INBOX) != 0)
        imap_set_state(s, IMAP_SERVER_AUTH); /* deleting the selected folder unselects it */
    GError *e = NULL;
    bool ok = mail_store_folder_delete(s->store, s->user, name, &e);
    store_result(s, tag, ok, e, "DELETE completed");
    g_free(name);
}

void imap_cmd_rename(imap_server_core *s, const char *tag, imap_cursor *c)
{
    char *from = NULL, *to = NULL;
    if (!mailbox_arg(c, &from) || !imap_p_sp(c) || !mailbox_arg(c, &to) || !imap_p_eol(c)) {
        imap_bad(s, tag, "Syntax: RENAME from to");
    } else {
        /* Renaming INBOX empties it into a new folder and gives INBOX a
         * new UIDVALIDITY: a session on it is unselected first. */
        if (s->state == IMAP_SERVER_SELECTED && strcmp(from, MAIL_STORE_INBOX) == 0 &&
            strcmp(s->folder_name, MAIL_STORE_INBOX) == 0)
            imap_set_state(s, IMAP_SERVER_AUTH);
        GError *e = NULL;
        bool ok = mail_store_folder_rename(s->store, s->user, from, to, &e);
        if (ok && s->state == IMAP_SERVER_SELECTED && strcmp(from, s->folder_name) == 0 &&
            strcmp(from, MAIL_STORE_INBOX) != 0) {
            g_free(s->folder_name);
            s->folder_name = g_strdup(to);
        }
        store_result(s, tag, ok, e, "RENAME completed");
    }
    g_free(from);
    g_free(to);
}

/* Whether name matches pattern ('*' anything, '%' anything but '/'):
 * dynamic programming over both, O(|name| * |pattern|). */
static bool list_match(const char *pat, const char *name)
{
    size_t pn = strlen(pat), nn = strlen(name);
    bool *prev = g_new0(bool, nn + 1), *cur = g_new0(bool, nn + 1);
    prev[0] = true;
    for (size_t i = 1; i <= pn; i++) {
        char p = pat[i - 1];
        cur[0] = prev[0] && (p == '*' || p == '%');
        for (size_t j = 1; j <= nn; j++) {
            char ch = name[j - 1];
            if (p == '*')
                cur[j] = prev[j] || cur[j - 1];
            else if (p == '%')
                cur[j] = prev[j] || (cur[j - 1] && ch != '/');
            else
                cur[j] = prev[j - 1] && p == ch;
        }
        bool *t = prev;
        prev = cur;
        cur = t;
    }
    bool r = prev[nn];
    g_free(prev);
    g_free(cur);
    return r;
}

/* The folders and, marked \Noselect, the levels above them that are not
 * folders themselves, in byte order (INBOX first). */
static GPtrArray *list_candidates(imap_server_core *s, GHashTable **noselect)
{
    char **names = mail_store_folders(s->store, s->user);
    GPtrArray *all = g_ptr_array_new_with_free_func(g_free);
    GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
    *noselect = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    for (char **n = names; n && *n; n++) {
        g_ptr_array_add(all, g_strdup(*n));
        g_hash_table_add(seen, *n);
    }
    for (char **n = names; n && *n; n++)
        for (const char *sl = strchr(*n, '/'); sl; sl = strchr(sl + 1, '/')) {
            char *parent = g_strndup(*n, (gsize)(sl - *n));
            if (*parent && !g_hash_table_contains(seen, parent) && !g_hash_table_contains(*noselect, parent)) {
                g_hash_table_add(*noselect, g_strdup(parent));
                g_ptr_array_add(all, parent);
            } else {
                g_free(parent);
            }
        }
    g_hash_table_destroy(seen);
    g_strfreev(names);
    return all;
}

static gint cmp_names(gconstpointer a, gconstpointer b)
{
    const char *x = *(const char *const *)a, *y = *(const char *const *)b;
    bool xi = strcmp(x, MAIL_STORE_INBOX) == 0, yi = strcmp(y, MAIL_STORE_INBOX) == 0;
    if (xi || yi)
        return yi - xi;
    return strcmp(x, y);
}

void imap_cmd_list(imap_server_core *s, const char *tag, imap_cursor *c, bool lsub)
{
    char *ref = NULL, *pat = NULL;
    const char *verb = lsub ? "LSUB" : "LIST";
    if (!imap_p_astring(c, &ref) || !imap_p_sp(c) || !imap_p_list_mailbox(c, &pat) || !imap_p_eol(c)) {
        imap_bad(s, tag, lsub ? "Syntax: LSUB reference pattern" : "Syntax: LIST reference pattern");
    } else if (!*pat) {
        imap_out(s, "* %s (\\Noselect) \"/\" \"\"\r\n", verb);
        imap_ok(s, tag, lsub ? "LSUB completed" : "LIST completed");
    } else {
        char *full = g_strconcat(ref, pat, NULL);
        GHashTable *noselect;
        GPtrArray *all = list_candidates(s, &noselect);
        g_ptr_array_sort(all, cmp_names);
        GString *o = g_string_new(NULL);
        for (guint i = 0; i < all->len; i++) {
            const char *n = all->pdata[i];
            bool inbox = strcmp(n, MAIL_STORE_INBOX) == 0;
            if (!list_match(full, n) && !(inbox && g_ascii_strcasecmp(full, MAIL_STORE_INBOX) == 0))
                continue;
            g_string_append_printf(o, "* %s (%s) \"/\" ", verb, g_hash_table_contains(noselect, n) ? "\\Noselect" : "");
            imap_out_string(o, n, strlen(n));
            g_string_append(o, "\r\n");
        }
        imap_out_bytes(s, o->str, o->len);
        g_string_free(o, TRUE);
        g_ptr_array_free(all, TRUE);
        g_hash_table_destroy(noselect);
        g_free(full);
        imap_ok(s, tag, lsub ? "LSUB completed" : "LIST completed");
    }
    g_free(ref);
    g_free(pat);
}

void imap_cmd_select(imap_server_core *s, const char *tag, imap_cursor *c, bool examine)
{
    char *name = NULL;
    if (!mailbox_arg(c, &name) || !imap_p_eol(c)) {
        imap_bad(s, tag, examine ? "Syntax: EXAMINE mailbox" : "Syntax: SELECT mailbox");
        g_free(name);
        return;
    }
    /* A SELECT, even a failed one, leaves the folder selected before. */
    if (s->state == IMAP_SERVER_SELECTED)
        imap_set_state(s, IMAP_SERVER_AUTH);
    mail_store_refresh(s->store, s->user, NULL);
    GError *e = NULL;
    s->folder = mail_store_folder(s->store, s->user, name, &e);
    if (!s->folder) {
        imap_no(s, tag, store_error_text(e));
        g_clear_error(&e);
        g_free(name);
        return;
    }
    s->folder_name = name;
    s->read_only = examine;
    imap_view_open(s);
    guint recent = 0, unseen = 0;
    for (guint i = s->view->len; i-- > 0;) {
        const imap_view_msg *m = &g_array_index(s->view, imap_view_msg, i);
        recent += m->recent;
        if (!(m->flags & MAIL_FLAG_SEEN))
            unseen = i + 1;
    }
    imap_out(s, "* FLAGS (" SYSTEM_FLAGS ")\r\n* %u EXISTS\r\n* %u RECENT\r\n", s->view->len, recent);
    if (unseen)
        imap_out(s, "* OK [UNSEEN %u] First unseen\r\n", unseen);
    imap_out(s, "* OK [UIDVALIDITY %u] UIDs valid\r\n* OK [UIDNEXT %u] Predicted next UID\r\n",
             mail_folder_uidvalidity(s->folder), mail_folder_uidnext(s->folder));
    imap_out(s, "* OK [PERMANENTFLAGS (%s)] %s\r\n", examine ? "" : SYSTEM_FLAGS,
             examine ? "No permanent flags permitted" : "Limited");
    s->state = IMAP_SERVER_SELECTED;
    imap_ok(s, tag, examine ? "[READ-ONLY] EXAMINE completed" : "[READ-WRITE] SELECT completed");
}

static bool status_items(imap_cursor *c, GString *o, mail_folder *f)
{
    if (!imap_p_char(c, '('))
        return false;
    do {
        char *item = NULL;
        if (!imap_p_atom(c, NULL, &item))
            return false;
        guint n = mail_folder_count(f), count = 0;
        if (o->str[o->len - 1] != '(')
            g_string_append_c(o, ' ');
        if (imap_word_is(item, "MESSAGES")) {
            g_string_append_printf(o, "MESSAGES %u", n);
        } else if (imap_word_is(item, "RECENT") || imap_word_is(item, "UNSEEN")) {
            bool recent = imap_word_is(item, "RECENT");
            for (guint i = 0; i < n; i++) {
                unsigned fl = mail_folder_msg(f, i)->flags;
                count += recent ? (fl & MAIL_FLAG_RECENT) != 0 : !(fl & MAIL_FLAG_SEEN);
            }
            g_string_append_printf(o, "%s %u", recent ? "RECENT" : "UNSEEN", count);
        } else if (imap_word_is(item, "UIDNEXT")) {
            g_string_append_printf(o, "UIDNEXT %u", mail_folder_uidnext(f));
        } else if (imap_word_is(item, "UIDVALIDITY")) {
            g_string_append_printf(o, "UIDVALIDITY %u", mail_folder_uidvalidity(f));
        } else {
            g_free(item);
            return false;
        }
        g_free(item);
    } while (imap_p_sp(c));
    return imap_p_char(c, ')') && imap_p_eol(c);
}

void imap_cmd_status(imap_server_core *s, const char *tag, imap_cursor *c)
{
    char *name = NULL;
    GError *e = NULL;
    mail_folder *f = NULL;
    if (!mailbox_arg(c, &name) || !imap_p_sp(c)) {
        imap_bad(s, tag, "Syntax: STATUS mailbox (items)");
    } else if (!(f = mail_store_folder(s->store, s->user, name, &e))) {
        imap_no(s, tag, store_error_text(e));
    } else {
        GString *o = g_string_new("* STATUS ");
        imap_out_string(o, name, strlen(name));
        g_string_append(o, " (");
        if (!status_items(c, o, f)) {
            imap_bad(s, tag, "Syntax: STATUS mailbox (MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN)");
        } else {
            g_string_append(o, ")\r\n");
            imap_out_bytes(s, o->str, o->len);
            imap_ok(s, tag, "STATUS completed");
        }
        g_string_free(o, TRUE);
    }
    g_clear_error(&e);
    g_free(name);
}

/* APPEND's optional flag list and date-time before the message. */
static bool append_options(imap_cursor *c, unsigned *flags, int64_t *ns, bool *dated)
{
    *flags = 0;
    *dated = false;
    if (imap_p_peek(c) == '(') {
        if (!imap_p_flag_list(c, false, flags) || !imap_p_sp(c))
            return false;
    }
    if (imap_p_peek(c) == '"') {
        char *d = NULL;
        bool ok = imap_p_string(c, &d, NULL) && imap_date_time_parse(d, ns) && imap_p_sp(c);
        g_free(d);
        if (!ok)
            return false;
        *dated = true;
    }
    return true;
}

void imap_cmd_append(imap_server_core *s, const char *tag, imap_cursor *c)
{
    char *name = NULL;
    unsigned flags;
    int64_t ns = 0;
    bool dated;
    const uint8_t *msg;
    size_t len;
    if (!mailbox_arg(c, &name) || !imap_p_sp(c) || !append_options(c, &flags, &ns, &dated) ||
        !imap_p_literal_span(c, &msg, &len) || !imap_p_eol(c)) {
        imap_bad(s, tag, "Syntax: APPEND mailbox [(flags)] [\"date-time\"] {size}");
        g_free(name);
        return;
    }
    GError *e = NULL;
    mail_folder *f = mail_store_folder(s->store, s->user, name, &e);
    if (!f) {
        bool missing = e && e->domain == MAIL_STORE_ERROR && e->code == MAIL_STORE_ERROR_NO_FOLDER;
        imap_no(s, tag, missing ? "[TRYCREATE] No such mailbox" : store_error_text(e));
    } else {
        GBytes *b = g_bytes_new(msg, len);
        uint32_t uid = mail_folder_append(f, b, flags | MAIL_FLAG_RECENT, dated ? ns : s->now_ns, &e);
        g_bytes_unref(b);
        if (!uid) {
            imap_no(s, tag, store_error_text(e));
        } else {
            char *text = g_strdup_printf("[APPENDUID %u %u] APPEND completed", mail_folder_uidvalidity(f), uid);
            imap_ok(s, tag, text);
            g_free(text);
        }
    }
    g_clear_error(&e);
    g_free(name);
}

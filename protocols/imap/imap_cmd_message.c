/*
 * imap_cmd_message: the commands on the messages of the selected folder
 * (RFC 3501 6.4, RFC 6851, RFC 4315): FETCH, STORE, COPY, MOVE, EXPUNGE
 * and their UID forms. (SEARCH is in imap_search.c.)
 */
#include "imap_server_impl.h"

#include <string.h>

#include "imap_fetch.h"

/* "set SP" at the start of FETCH, STORE, COPY, MOVE: the view positions
 * (NULL, with BAD answered, on a syntax error or a number past the end). */
static GArray *message_set(imap_server_core *s, const char *tag, imap_cursor *c, bool uid)
{
    imap_seqset *set = imap_seqset_new();
    GArray *sel = NULL;
    if (!imap_p_seqset(c, set) || !imap_p_sp(c))
        imap_bad(s, tag, "Syntax: a message set, then the arguments");
    else if (!(sel = imap_view_select(s, set, uid)))
        imap_bad(s, tag, "Invalid message sequence number");
    imap_seqset_free(set);
    return sel;
}

void imap_cmd_fetch(imap_server_core *s, const char *tag, imap_cursor *c, bool uid)
{
    s->sync_expunges = uid;
    GArray *sel = message_set(s, tag, c, uid);
    if (!sel)
        return;
    imap_fetch_list *l = imap_fetch_parse(c);
    if (!l) {
        imap_bad(s, tag, "Syntax: FETCH set items");
        g_array_free(sel, TRUE);
        return;
    }
    GString *o = g_string_new(NULL);
    for (guint k = 0; k < sel->len; k++) {
        guint pos = g_array_index(sel, guint, k);
        int idx = imap_view_index(s, pos);
        if (idx < 0)
            continue; /* expunged by another session, not reported yet */
        const mail_store_msg *sm = mail_folder_msg(s->folder, (guint)idx);
        imap_view_msg *vm = &g_array_index(s->view, imap_view_msg, pos);
        bool seen_now = l->sets_seen && !s->read_only && !(vm->flags & MAIL_FLAG_SEEN);
        if (seen_now)
            imap_view_set_flags(s, pos, vm->flags | MAIL_FLAG_SEEN);
        gsize n = 0;
        const uint8_t *d = sm->data ? g_bytes_get_data(sm->data, &n) : NULL;
        imap_fetch_msg fm = {pos + 1, sm->uid, vm->flags, vm->recent, sm->internal_ns, d ? d : (const uint8_t *)"", n};
        imap_fetch_write(o, l, &fm, uid, seen_now);
        imap_out_bytes(s, o->str, o->len);
        g_string_truncate(o, 0);
    }
    g_string_free(o, TRUE);
    imap_fetch_free(l);
    g_array_free(sel, TRUE);
    imap_ok(s, tag, uid ? "UID FETCH completed" : "FETCH completed");
}

/* "[+|-]FLAGS[.SILENT] SP flags": the mode ('=', '+', '-'). */
static bool store_args(imap_cursor *c, char *mode, bool *silent, unsigned *flags)
{
    *mode = imap_p_char(c, '+') ? '+' : imap_p_char(c, '-') ? '-' : '=';
    char *item = NULL;
    if (!imap_p_atom(c, NULL, &item))
        return false;
    *silent = imap_word_is(item, "FLAGS.SILENT");
    bool ok = (*silent || imap_word_is(item, "FLAGS")) && imap_p_sp(c) && imap_p_flag_list(c, true, flags) &&
              imap_p_eol(c);
    g_free(item);
    return ok;
}

void imap_cmd_store(imap_server_core *s, const char *tag, imap_cursor *c, bool uid)
{
    s->sync_expunges = uid;
    GArray *sel = message_set(s, tag, c, uid);
    if (!sel)
        return;
    char mode;
    bool silent;
    unsigned flags;
    if (!store_args(c, &mode, &silent, &flags)) {
        imap_bad(s, tag, "Syntax: STORE set [+|-]FLAGS[.SILENT] (flags)");
    } else if (s->read_only) {
        imap_no(s, tag, "[READ-ONLY] The mailbox is read-only");
    } else {
        GString *o = g_string_new(NULL);
        for (guint k = 0; k < sel->len; k++) {
            guint pos = g_array_index(sel, guint, k);
            imap_view_msg *vm = &g_array_index(s->view, imap_view_msg, pos);
            unsigned now = mode == '+' ? vm->flags | flags : mode == '-' ? vm->flags & ~flags : flags;
            if (!imap_view_set_flags(s, pos, now) || silent)
                continue;
            g_string_printf(o, "* %u FETCH (FLAGS ", pos + 1);
            imap_flags_write(o, vm->flags, vm->recent);
            if (uid)
                g_string_append_printf(o, " UID %u", vm->uid);
            g_string_append(o, ")\r\n");
            imap_out_bytes(s, o->str, o->len);
        }
        g_string_free(o, TRUE);
        imap_ok(s, tag, uid ? "UID STORE completed" : "STORE completed");
    }
    g_array_free(sel, TRUE);
}

/* A UID set as ranges: "1:3,7". */
static void write_uid_set(GString *o, const GArray *uids)
{
    for (guint i = 0; i < uids->len;) {
        guint j = i;
        while (j + 1 < uids->len && g_array_index(uids, uint32_t, j + 1) == g_array_index(uids, uint32_t, j) + 1)
            j++;
        g_string_append_printf(o, "%s%u", i ? "," : "", g_array_index(uids, uint32_t, i));
        if (j > i)
            g_string_append_printf(o, ":%u", g_array_index(uids, uint32_t, j));
        i = j + 1;
    }
}

/* Appends the selected messages to `to`; their UIDs in src and dst. */
static bool copy_messages(imap_server_core *s, const GArray *sel, mail_folder *to, GArray *src, GArray *dst)
{
    for (guint k = 0; k < sel->len; k++) {
        guint pos = g_array_index(sel, guint, k);
        int idx = imap_view_index(s, pos);
        if (idx < 0)
            continue;
        /* Read it all first: appending to the same folder may move it. */
        const mail_store_msg *m = mail_folder_msg(s->folder, (guint)idx);
        uint32_t su = m->uid;
        unsigned fl = m->flags | MAIL_FLAG_RECENT;
        int64_t when = m->internal_ns;
        GBytes *data = g_bytes_ref(m->data);
        uint32_t nu = mail_folder_append(to, data, fl, when, NULL);
        g_bytes_unref(data);
        if (!nu)
            return false;
        g_array_append_val(src, su);
        g_array_append_val(dst, nu);
    }
    return true;
}

void imap_cmd_copy(imap_server_core *s, const char *tag, imap_cursor *c, bool uid, bool move)
{
    GArray *sel = message_set(s, tag, c, uid);
    if (!sel)
        return;
    char *name = NULL;
    mail_folder *to = NULL;
    if (!imap_p_astring(c, &name) || !imap_p_eol(c)) {
        imap_bad(s, tag, move ? "Syntax: MOVE set mailbox" : "Syntax: COPY set mailbox");
    } else if (move && s->read_only) {
        imap_no(s, tag, "[READ-ONLY] The mailbox is read-only");
    } else if (!(to = mail_store_folder(s->store, s->user, imap_word_is(name, "INBOX") ? MAIL_STORE_INBOX : name,
                                        NULL))) {
        imap_no(s, tag, "[TRYCREATE] No such mailbox");
    } else {
        GArray *src = g_array_new(FALSE, FALSE, sizeof(uint32_t)), *dst = g_array_new(FALSE, FALSE, sizeof(uint32_t));
        bool ok = copy_messages(s, sel, to, src, dst);
        GString *code = g_string_new(NULL);
        if (src->len) {
            g_string_printf(code, "[COPYUID %u ", mail_folder_uidvalidity(to));
            write_uid_set(code, src);
            g_string_append_c(code, ' ');
            write_uid_set(code, dst);
            g_string_append(code, "] ");
        }
        if (ok && move) {
            if (code->len)
                imap_out(s, "* OK %sMoved\r\n", code->str); /* RFC 6851 4.3: before the EXPUNGEs */
            for (guint k = sel->len; k-- > 0;) {
                int idx = imap_view_index(s, g_array_index(sel, guint, k));
                if (idx >= 0)
                    mail_folder_remove(s->folder, (guint)idx, NULL);
            }
            imap_ok(s, tag, uid ? "UID MOVE completed" : "MOVE completed");
        } else if (ok) {
            g_string_append(code, uid ? "UID COPY completed" : "COPY completed");
            imap_ok(s, tag, code->str);
        } else {
            imap_no(s, tag, "[SERVERBUG] The copy failed part way");
        }
        g_string_free(code, TRUE);
        g_array_free(src, TRUE);
        g_array_free(dst, TRUE);
    }
    g_free(name);
    g_array_free(sel, TRUE);
}

void imap_expunge_deleted(imap_server_core *s, const imap_seqset *uids)
{
    if (!uids) {
        mail_folder_expunge(s->folder, NULL, NULL);
        return;
    }
    uint32_t max = s->view->len ? g_array_index(s->view, imap_view_msg, s->view->len - 1).uid : 0;
    for (guint i = s->view->len; i-- > 0;) {
        const imap_view_msg *vm = &g_array_index(s->view, imap_view_msg, i);
        int idx = imap_view_index(s, i);
        if (idx >= 0 && imap_seqset_contains(uids, vm->uid, max) &&
            (mail_folder_msg(s->folder, (guint)idx)->flags & MAIL_FLAG_DELETED))
            mail_folder_remove(s->folder, (guint)idx, NULL);
    }
}

void imap_cmd_expunge(imap_server_core *s, const char *tag, imap_cursor *c, bool uid)
{
    imap_seqset *set = NULL;
    if (uid) {
        set = imap_seqset_new();
        if (!imap_p_seqset(c, set) || !imap_p_eol(c)) {
            imap_bad(s, tag, "Syntax: UID EXPUNGE set");
            imap_seqset_free(set);
            return;
        }
    }
    if (s->read_only)
        imap_no(s, tag, "[READ-ONLY] The mailbox is read-only");
    else {
        imap_expunge_deleted(s, set);
        imap_ok(s, tag, uid ? "UID EXPUNGE completed" : "EXPUNGE completed");
    }
    imap_seqset_free(set);
}

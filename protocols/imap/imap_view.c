/*
 * imap_view: the selected folder as this session has reported it (the
 * UIDs behind its sequence numbers, their flags, \Recent), and the check
 * against the store that reports what other sessions changed.
 *
 * Costs: opening O(n); a check O(n log n) for n messages (a UID lookup
 * each); a selection O(n * ranges).
 */
#include "imap_server_impl.h"

#include <string.h>

static void claim_recent(imap_server_core *s, guint idx, imap_view_msg *m)
{
    const mail_store_msg *sm = mail_folder_msg(s->folder, idx);
    m->uid = sm->uid;
    m->flags = sm->flags & ~(unsigned)MAIL_FLAG_RECENT;
    m->recent = false;
    if ((sm->flags & MAIL_FLAG_RECENT) && !s->read_only) {
        /* \Recent goes to the first session that sees the message. */
        m->recent = true;
        mail_folder_set_flags(s->folder, idx, m->flags, NULL);
    }
}

void imap_view_open(imap_server_core *s)
{
    guint n = mail_folder_count(s->folder);
    s->view = g_array_sized_new(FALSE, TRUE, sizeof(imap_view_msg), n);
    s->uidvalidity = mail_folder_uidvalidity(s->folder);
    for (guint i = 0; i < n; i++) {
        imap_view_msg m;
        claim_recent(s, i, &m);
        g_array_append_val(s->view, m);
    }
}

void imap_view_close(imap_server_core *s)
{
    if (s->view)
        g_array_free(s->view, TRUE);
    s->view = NULL;
    s->folder = NULL;
    g_free(s->folder_name);
    s->folder_name = NULL;
}

bool imap_view_refind(imap_server_core *s)
{
    if (!s->folder_name)
        return false;
    s->folder = mail_store_folder(s->store, s->user, s->folder_name, NULL);
    return s->folder && mail_folder_uidvalidity(s->folder) == s->uidvalidity;
}

static void report_flags(imap_server_core *s, guint i)
{
    const imap_view_msg *m = &g_array_index(s->view, imap_view_msg, i);
    GString *o = g_string_new(NULL);
    g_string_append_printf(o, "* %u FETCH (FLAGS ", i + 1);
    imap_flags_write(o, m->flags, m->recent);
    g_string_append(o, ")\r\n");
    imap_out_bytes(s, o->str, o->len);
    g_string_free(o, TRUE);
}

void imap_view_sync(imap_server_core *s, bool expunges)
{
    if (!s->view)
        return;
    if (!imap_view_refind(s)) {
        imap_out(s, "* BYE The selected mailbox was deleted or renamed\r\n");
        imap_set_state(s, IMAP_SERVER_LOGOUT);
        return;
    }
    for (guint i = s->view->len; expunges && i-- > 0;) {
        if (mail_folder_find_uid(s->folder, g_array_index(s->view, imap_view_msg, i).uid) < 0) {
            imap_out(s, "* %u EXPUNGE\r\n", i + 1);
            g_array_remove_index(s->view, i);
        }
    }
    for (guint i = 0; i < s->view->len; i++) {
        imap_view_msg *m = &g_array_index(s->view, imap_view_msg, i);
        int idx = mail_folder_find_uid(s->folder, m->uid);
        if (idx < 0)
            continue;
        unsigned now = mail_folder_msg(s->folder, (guint)idx)->flags & ~(unsigned)MAIL_FLAG_RECENT;
        if (now != m->flags) {
            m->flags = now;
            report_flags(s, i);
        }
    }
    uint32_t last = s->view->len ? g_array_index(s->view, imap_view_msg, s->view->len - 1).uid : 0;
    guint n = mail_folder_count(s->folder), added = 0, first = n;
    while (first > 0 && mail_folder_msg(s->folder, first - 1)->uid > last)
        first--;
    for (guint i = first; i < n; i++, added++) {
        imap_view_msg m;
        claim_recent(s, i, &m);
        g_array_append_val(s->view, m);
    }
    if (added) {
        guint recent = 0;
        for (guint i = 0; i < s->view->len; i++)
            recent += g_array_index(s->view, imap_view_msg, i).recent;
        imap_out(s, "* %u EXISTS\r\n* %u RECENT\r\n", s->view->len, recent);
    }
}

int imap_view_index(imap_server_core *s, guint i)
{
    if (!s->folder || i >= s->view->len)
        return -1;
    return mail_folder_find_uid(s->folder, g_array_index(s->view, imap_view_msg, i).uid);
}

GArray *imap_view_select(imap_server_core *s, const imap_seqset *set, bool uid)
{
    guint n = s->view->len;
    uint32_t max = uid ? (n ? g_array_index(s->view, imap_view_msg, n - 1).uid : 0) : n;
    if (!uid) {
        /* A message number past the end is an error (RFC 3501 6.4.8 aside). */
        for (guint r = 0; r < set->ranges->len; r++) {
            const imap_range *rg = &g_array_index(set->ranges, imap_range, r);
            if (rg->lo > n || rg->hi > n)
                return NULL;
        }
    }
    GArray *sel = g_array_new(FALSE, FALSE, sizeof(guint));
    for (guint i = 0; i < n; i++) {
        uint32_t key = uid ? g_array_index(s->view, imap_view_msg, i).uid : i + 1;
        if (imap_seqset_contains(set, key, max))
            g_array_append_val(sel, i);
    }
    return sel;
}

bool imap_view_set_flags(imap_server_core *s, guint i, unsigned flags)
{
    int idx = imap_view_index(s, i);
    if (idx < 0)
        return false;
    unsigned keep = mail_folder_msg(s->folder, (guint)idx)->flags & MAIL_FLAG_RECENT;
    if (!mail_folder_set_flags(s->folder, (guint)idx, flags | keep, NULL))
        return false;
    g_array_index(s->view, imap_view_msg, i).flags = flags;
    return true;
}

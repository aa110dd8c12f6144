/*
 * mail_store: the model of users, folders and messages, and the store in
 * memory. A Maildir store (mail_store_maildir.c) keeps the same model as
 * its picture of the disk; every function here that changes something
 * asks the backend first when the store is on a Maildir (root_fd >= 0).
 *
 * Users and folders live in GTrees (lookups O(log n), listing in key
 * order); a folder's messages in a GPtrArray in UID order, so a message
 * by index is O(1) and by UID a binary search.
 */
#include "protocols/mailstore/mail_store.h"

#include <string.h>

#include "protocols/mailstore/mail_store_priv.h"

G_DEFINE_QUARK(mail-store-error-quark, mail_store_error)

/* ---- names ---- */

static bool name_bytes_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > MAIL_STORE_MAX_NAME)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c < 0x20 || c == 0x7f)
            return false;
    }
    return true;
}

bool ms_valid_user(const char *name)
{
    return name && name_bytes_ok(name) && name[0] != '.' && !strchr(name, '/');
}

/* A folder name is one or more components joined by '/', none empty and
 * none starting with '.' (so neither "." nor ".."). */
bool ms_valid_folder(const char *name, bool maildir)
{
    if (!name || !name_bytes_ok(name))
        return false;
    if (maildir && strchr(name, '.'))
        return false;
    const char *p = name;
    for (;;) {
        if (*p == '/' || *p == '\0' || *p == '.')
            return false;
        const char *slash = strchr(p, '/');
        if (!slash)
            return true;
        p = slash + 1;
    }
}

const char *ms_canon(const char *folder)
{
    return g_ascii_strcasecmp(folder, MAIL_STORE_INBOX) == 0 ? MAIL_STORE_INBOX : folder;
}

/* ---- model ---- */

static int user_cmp(gconstpointer a, gconstpointer b, gpointer ud)
{
    (void)ud;
    return strcmp(a, b);
}

/* INBOX first, then by byte value. */
static int folder_cmp(gconstpointer a, gconstpointer b, gpointer ud)
{
    (void)ud;
    bool ia = strcmp(a, MAIL_STORE_INBOX) == 0, ib = strcmp(b, MAIL_STORE_INBOX) == 0;
    if (ia || ib)
        return (int)ib - (int)ia;
    return strcmp(a, b);
}

ms_entry *ms_entry_new(uint32_t uid, GBytes *data, unsigned flags, int64_t internal_ns)
{
    ms_entry *e = g_new0(ms_entry, 1);
    e->m.uid = uid;
    e->m.flags = flags;
    e->m.internal_ns = internal_ns;
    e->m.data = g_bytes_ref(data);
    return e;
}

void ms_entry_free(gpointer p)
{
    ms_entry *e = p;
    if (!e)
        return;
    g_bytes_unref(e->m.data);
    g_free(e->base);
    g_free(e->file);
    g_free(e);
}

static void folder_free(gpointer p)
{
    mail_folder *f = p;
    g_ptr_array_free(f->msgs, TRUE);
    g_free(f->name);
    g_free(f);
}

static void user_free(gpointer p)
{
    ms_user *u = p;
    g_tree_destroy(u->folders);
    g_free(u->name);
    g_free(u->password);
    g_free(u);
}

ms_user *ms_user_add(mail_store *st, const char *name, const char *password)
{
    ms_user *u = g_new0(ms_user, 1);
    u->name = g_strdup(name);
    u->password = g_strdup(password);
    u->folders = g_tree_new_full(folder_cmp, NULL, NULL, folder_free);
    g_tree_insert(st->users, u->name, u);
    return u;
}

ms_user *ms_user_find(const mail_store *st, const char *name)
{
    return name ? g_tree_lookup(st->users, name) : NULL;
}

void ms_user_remove(mail_store *st, const char *name)
{
    g_tree_remove(st->users, name);
}

mail_folder *ms_folder_add(ms_user *u, mail_store *st, const char *name, uint32_t uidvalidity)
{
    mail_folder *f = g_new0(mail_folder, 1);
    f->st = st;
    f->user = u;
    f->name = g_strdup(ms_canon(name));
    f->uidvalidity = uidvalidity;
    f->uidnext = 1;
    f->msgs = g_ptr_array_new_with_free_func(ms_entry_free);
    g_tree_insert(u->folders, f->name, f);
    return f;
}

mail_folder *ms_folder_find(const ms_user *u, const char *name)
{
    return name ? g_tree_lookup(u->folders, ms_canon(name)) : NULL;
}

void ms_folder_drop(ms_user *u, const char *name)
{
    g_tree_remove(u->folders, ms_canon(name));
}

void ms_folder_push(mail_folder *f, ms_entry *e)
{
    g_ptr_array_add(f->msgs, e);
    f->bytes += g_bytes_get_size(e->m.data);
    if (e->m.uid >= f->uidnext)
        f->uidnext = e->m.uid + 1;
}

void ms_folder_clear(mail_folder *f)
{
    g_ptr_array_set_size(f->msgs, 0);
    f->bytes = 0;
}

/* ---- the store ---- */

static mail_store *store_alloc(void)
{
    mail_store *st = g_new0(mail_store, 1);
    st->users = g_tree_new_full(user_cmp, NULL, NULL, user_free);
    st->next_uidvalidity = 1;
    st->root_fd = -1;
    return st;
}

mail_store *mail_store_new(void)
{
    return store_alloc();
}

mail_store *mail_store_open_maildir(const char *root, GError **err)
{
    mail_store *st = store_alloc();
    if (!md_open(st, root, err)) {
        mail_store_free(st);
        return NULL;
    }
    return st;
}

void mail_store_free(mail_store *st)
{
    if (!st)
        return;
    g_tree_destroy(st->users);
    if (st->root_fd >= 0)
        md_close(st);
    g_free(st->root);
    g_free(st);
}

static bool is_maildir(const mail_store *st)
{
    return st->root_fd >= 0;
}

/* ---- users ---- */

bool mail_store_add_user(mail_store *st, const char *user, const char *password, GError **err)
{
    if (!ms_valid_user(user)) {
        g_set_error(err, MAIL_STORE_ERROR, MAIL_STORE_ERROR_BAD_NAME, "bad user name \"%s\"",
                    user ? user : "(null)");
        return false;
    }
    if (ms_user_find(st, user)) {
        g_set_error(err, MAIL_STORE_ERROR, MAIL_STORE_ERROR_EXISTS, "user \"%s\" exists", user);
        return false;
    }
    if (is_maildir(st))
        return md_add_user(st, user, password, err) != NULL;
    ms_user *u = ms_user_add(st, user, password);
    ms_folder_add(u, st, MAIL_STORE_INBOX, st->next_uidvalidity++);
    return true;
}

bool mail_store_has_user(const mail_store *st, const char *user)
{
    return ms_user_find(st, user) != NULL;
}

/* Compares the secret `want` with `got` in time that depends on the length
 * of `got` only: every byte of `got` is compared with a byte of `want`
 * (cycling over it), and the differences are OR-ed, never branched on. */
static bool equal_const_time(const char *want, const char *got)
{
    size_t lw = strlen(want), lg = strlen(got);
    volatile unsigned diff = lw != lg;
    for (size_t i = 0; i < lg; i++) {
        unsigned char w = lw ? (unsigned char)want[i % lw] : 0;
        diff |= w ^ (unsigned char)got[i];
    }
    return diff == 0;
}

bool mail_store_check_password(const mail_store *st, const char *user, const char *password)
{
    if (!password)
        return false;
    const ms_user *u = ms_user_find(st, user);
    /* An unknown user, or one without a password, costs the same work. */
    static const char decoy[] = "appsim-no-such-password-0123456789";
    const char *want = u && u->password ? u->password : decoy;
    bool same = equal_const_time(want, password);
    return u && u->password && same;
}

const char *mail_store_password(const mail_store *st, const char *user)
{
    const ms_user *u = ms_user_find(st, user);
    return u ? u->password : NULL;
}

bool mail_store_set_password(mail_store *st, const char *user, const char *password)
{
    ms_user *u = ms_user_find(st, user);
    if (!u)
        return false;
    g_free(u->password);
    u->password = g_strdup(password);
    return true;
}

static gboolean collect_key(gpointer key, gpointer value, gpointer data)
{
    (void)value;
    g_ptr_array_add(data, g_strdup(key));
    return FALSE;
}

static char **tree_keys(GTree *t)
{
    GPtrArray *a = g_ptr_array_new();
    g_tree_foreach(t, collect_key, a);
    g_ptr_array_add(a, NULL);
    return (char **)g_ptr_array_free(a, FALSE);
}

char **mail_store_users(const mail_store *st)
{
    return tree_keys(st->users);
}

/* ---- folders ---- */

char **mail_store_folders(const mail_store *st, const char *user)
{
    const ms_user *u = ms_user_find(st, user);
    return u ? tree_keys(u->folders) : NULL;
}

static ms_user *need_user(mail_store *st, const char *user, GError **err)
{
    ms_user *u = ms_user_find(st, user);
    if (!u)
        g_set_error(err, MAIL_STORE_ERROR, MAIL_STORE_ERROR_NO_USER, "no user \"%s\"",
                    user ? user : "(null)");
    return u;
}

static mail_folder *need_folder(ms_user *u, const char *name, GError **err)
{
    mail_folder *f = ms_folder_find(u, name);
    if (!f)
        g_set_error(err, MAIL_STORE_ERROR, MAIL_STORE_ERROR_NO_FOLDER, "user \"%s\" has no folder \"%s\"",
                    u->name, name ? name : "(null)");
    return f;
}

mail_folder *mail_store_folder(mail_store *st, const char *user, const char *name, GError **err)
{
    ms_user *u = need_user(st, user, err);
    return u ? need_folder(u, name, err) : NULL;
}

static bool check_folder_name(const mail_store *st, const char *name, GError **err)
{
    if (ms_valid_folder(name, is_maildir(st)))
        return true;
    g_set_error(err, MAIL_STORE_ERROR, MAIL_STORE_ERROR_BAD_NAME, "bad folder name \"%s\"%s",
                name ? name : "(null)",
                is_maildir(st) && name && strchr(name, '.') ? " ('.' is not allowed on a Maildir)" : "");
    return false;
}

mail_folder *mail_store_folder_create(mail_store *st, const char *user, const char *name, GError **err)
{
    ms_user *u = need_user(st, user, err);
    if (!u || !check_folder_name(st, name, err))
        return NULL;
    if (ms_folder_find(u, name)) {
        g_set_error(err, MAIL_STORE_ERROR, MAIL_STORE_ERROR_EXISTS, "user \"%s\" has a folder \"%s\"",
                    user, ms_canon(name));
        return NULL;
    }
    if (is_maildir(st))
        return md_folder_create(st, u, name, err);
    return ms_folder_add(u, st, name, st->next_uidvalidity++);
}

bool mail_store_folder_delete(mail_store *st, const char *user, const char *name, GError **err)
{
    ms_user *u = need_user(st, user, err);
    mail_folder *f = u ? need_folder(u, name, err) : NULL;
    if (!f)
        return false;
    if (strcmp(f->name, MAIL_STORE_INBOX) == 0) {
        g_set_error(err, MAIL_STORE_ERROR, MAIL_STORE_ERROR_INBOX, "INBOX of \"%s\" cannot be deleted", user);
        return false;
    }
    if (is_maildir(st) && !md_folder_delete(st, u, f, err))
        return false;
    ms_folder_drop(u, f->name);
    return true;
}

typedef struct {
    const char *prefix; /* "from/" */
    size_t len;
    GPtrArray *names;
} inferiors_walk;

static gboolean collect_inferior(gpointer key, gpointer value, gpointer data)
{
    (void)value;
    inferiors_walk *w = data;
    if (strncmp(key, w->prefix, w->len) == 0)
        g_ptr_array_add(w->names, g_strdup(key));
    return FALSE;
}

/* The folder `from` and its inferiors ("from/..."), in name order. */
static GPtrArray *folder_and_inferiors(const ms_user *u, const char *from)
{
    char *prefix = g_strconcat(from, "/", NULL);
    inferiors_walk w = {prefix, strlen(prefix), g_ptr_array_new_with_free_func(g_free)};
    g_ptr_array_add(w.names, g_strdup(from));
    g_tree_foreach(u->folders, collect_inferior, &w);
    g_free(prefix);
    return w.names;
}

/* The new name of `name` when `from` becomes `to`. */
static char *renamed(const char *name, const char *from, const char *to)
{
    return g_strconcat(to, name + strlen(from), NULL);
}

static bool rename_check(mail_store *st, ms_user *u, const char *from, const char *to, GPtrArray *names,
                         GError **err)
{
    size_t lf = strlen(from);
    if (strncmp(to, from, lf) == 0 && to[lf] == '/') {
        g_set_error(err, MAIL_STORE_ERROR, MAIL_STORE_ERROR_BAD_NAME,
                    "folder \"%s\" of \"%s\" cannot be renamed beneath itself (\"%s\")", from, u->name, to);
        return false;
    }
    for (guint i = 0; i < names->len; i++) {
        char *nn = renamed(names->pdata[i], from, to);
        bool ok = check_folder_name(st, nn, err);
        if (ok && ms_folder_find(u, nn)) {
            g_set_error(err, MAIL_STORE_ERROR, MAIL_STORE_ERROR_EXISTS, "user \"%s\" has a folder \"%s\"",
                        u->name, ms_canon(nn));
            ok = false;
        }
        g_free(nn);
        if (!ok)
            return false;
    }
    return true;
}

/* RFC 3501 6.3.5: INBOX's messages go to a new folder `to` (keeping
 * INBOX's UIDVALIDITY and UIDs); INBOX stays, empty, with a new
 * UIDVALIDITY. */
static void memory_inbox_rename(mail_store *st, ms_user *u, mail_folder *inbox, const char *to)
{
    mail_folder *nf = ms_folder_add(u, st, to, inbox->uidvalidity);
    nf->uidnext = inbox->uidnext;
    GPtrArray *t = nf->msgs;
    nf->msgs = inbox->msgs;
    inbox->msgs = t;
    nf->bytes = inbox->bytes;
    inbox->bytes = 0;
    inbox->uidvalidity = st->next_uidvalidity++;
    inbox->uidnext = 1;
}

static void memory_rename(ms_user *u, GPtrArray *names, const char *from, const char *to)
{
    for (guint i = 0; i < names->len; i++) {
        mail_folder *f = ms_folder_find(u, names->pdata[i]);
        g_tree_steal(u->folders, f->name);
        char *nn = renamed(f->name, from, to);
        g_free(f->name);
        f->name = nn;
        g_tree_insert(u->folders, f->name, f);
    }
}

static bool maildir_rename(mail_store *st, ms_user *u, GPtrArray *names, const char *from, const char *to,
                           GError **err)
{
    bool ok = true;
    if (strcmp(from, MAIL_STORE_INBOX) == 0) {
        ok = md_inbox_rename(st, u, to, err);
    } else {
        for (guint i = 0; ok && i < names->len; i++) {
            char *nn = renamed(names->pdata[i], from, to);
            ok = md_folder_rename(st, u, names->pdata[i], nn, err);
            g_free(nn);
        }
    }
    /* Whatever happened on disk, the model is redrawn from it. */
    bool again = md_refresh_user(st, u->name, ok ? err : NULL);
    return ok && again;
}

bool mail_store_folder_rename(mail_store *st, const char *user, const char *from, const char *to, GError **err)
{
    ms_user *u = need_user(st, user, err);
    mail_folder *f = u ? need_folder(u, from, err) : NULL;
    if (!f || !check_folder_name(st, to, err))
        return false;
    if (strcmp(ms_canon(to), MAIL_STORE_INBOX) == 0) {
        g_set_error(err, MAIL_STORE_ERROR, MAIL_STORE_ERROR_INBOX, "a folder of \"%s\" cannot be renamed to INBOX",
                    user);
        return false;
    }
    bool inbox = strcmp(f->name, MAIL_STORE_INBOX) == 0;
    char *fname = g_strdup(f->name);
    GPtrArray *names = inbox ? g_ptr_array_new_with_free_func(g_free) : folder_and_inferiors(u, fname);
    if (inbox)
        g_ptr_array_add(names, g_strdup(fname));
    bool ok = rename_check(st, u, fname, to, names, err);
    if (ok && is_maildir(st))
        ok = maildir_rename(st, u, names, fname, to, err);
    else if (ok && inbox)
        memory_inbox_rename(st, u, f, to);
    else if (ok)
        memory_rename(u, names, fname, to);
    g_ptr_array_free(names, TRUE);
    g_free(fname);
    return ok;
}

/* ---- a folder ---- */

const char *mail_folder_name(const mail_folder *f)
{
    return f->name;
}

uint32_t mail_folder_uidvalidity(const mail_folder *f)
{
    return f->uidvalidity;
}

uint32_t mail_folder_uidnext(const mail_folder *f)
{
    return f->uidnext;
}

guint mail_folder_count(const mail_folder *f)
{
    return f->msgs->len;
}

uint64_t mail_folder_bytes(const mail_folder *f)
{
    return f->bytes;
}

const mail_store_msg *mail_folder_msg(const mail_folder *f, guint i)
{
    return i < f->msgs->len ? f->msgs->pdata[i] : NULL;
}

int mail_folder_find_uid(const mail_folder *f, uint32_t uid)
{
    guint lo = 0, hi = f->msgs->len; /* the answer is in [lo, hi) */
    while (lo < hi) {
        guint mid = lo + (hi - lo) / 2;
        uint32_t u = ((const ms_entry *)f->msgs->pdata[mid])->m.uid;
        if (u == uid)
            return (int)mid;
        if (u < uid)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

uint32_t mail_folder_append(mail_folder *f, GBytes *data, unsigned flags, int64_t internal_ns, GError **err)
{
    if (!data) {
        g_set_error(err, MAIL_STORE_ERROR, MAIL_STORE_ERROR_IO, "no message to append to \"%s\" of \"%s\"",
                    f->name, f->user->name);
        return 0;
    }
    if (f->uidnext == UINT32_MAX) {
        g_set_error(err, MAIL_STORE_ERROR, MAIL_STORE_ERROR_IO, "folder \"%s\" of \"%s\" has used every UID",
                    f->name, f->user->name);
        return 0;
    }
    if (is_maildir(f->st))
        return md_append(f, data, flags, err);
    ms_entry *e = ms_entry_new(f->uidnext, data, flags, internal_ns);
    ms_folder_push(f, e);
    return e->m.uid;
}

bool mail_folder_set_flags(mail_folder *f, guint i, unsigned flags, GError **err)
{
    if (i >= f->msgs->len) {
        g_set_error(err, MAIL_STORE_ERROR, MAIL_STORE_ERROR_IO, "folder \"%s\" of \"%s\" has no message %u",
                    f->name, f->user->name, i + 1);
        return false;
    }
    ms_entry *e = f->msgs->pdata[i];
    if (is_maildir(f->st))
        return md_set_flags(f, e, flags, err);
    e->m.flags = flags;
    return true;
}

bool mail_folder_remove(mail_folder *f, guint i, GError **err)
{
    if (i >= f->msgs->len) {
        g_set_error(err, MAIL_STORE_ERROR, MAIL_STORE_ERROR_IO, "folder \"%s\" of \"%s\" has no message %u",
                    f->name, f->user->name, i + 1);
        return false;
    }
    ms_entry *e = f->msgs->pdata[i];
    if (is_maildir(f->st) && !md_remove(f, e, err))
        return false;
    f->bytes -= g_bytes_get_size(e->m.data);
    g_ptr_array_remove_index(f->msgs, i);
    return true;
}

/* Closes the holes (NULL slots) expunge left, in one pass. */
static void compact(mail_folder *f)
{
    guint w = 0;
    for (guint r = 0; r < f->msgs->len; r++)
        if (f->msgs->pdata[r])
            f->msgs->pdata[w++] = f->msgs->pdata[r];
    for (guint r = w; r < f->msgs->len; r++)
        f->msgs->pdata[r] = NULL;
    g_ptr_array_set_size(f->msgs, w);
}

int mail_folder_expunge(mail_folder *f, GArray *expunged, GError **err)
{
    int n = 0;
    bool ok = true;
    for (guint i = f->msgs->len; ok && i-- > 0;) {
        ms_entry *e = f->msgs->pdata[i];
        if (!(e->m.flags & MAIL_FLAG_DELETED))
            continue;
        if (is_maildir(f->st) && !md_remove(f, e, err)) {
            ok = false;
            break;
        }
        if (expunged) {
            guint seq = i + 1;
            g_array_append_val(expunged, seq);
        }
        f->bytes -= g_bytes_get_size(e->m.data);
        ms_entry_free(e);
        f->msgs->pdata[i] = NULL;
        n++;
    }
    compact(f);
    return ok ? n : -1;
}

/* ---- delivery and refresh ---- */

uint32_t mail_store_deliver(mail_store *st, const char *user, GBytes *data, int64_t internal_ns, GError **err)
{
    ms_user *u = need_user(st, user, err);
    mail_folder *inbox = u ? need_folder(u, MAIL_STORE_INBOX, err) : NULL;
    if (!inbox)
        return 0;
    return mail_folder_append(inbox, data, MAIL_FLAG_RECENT, internal_ns, err);
}

bool mail_store_refresh(mail_store *st, const char *user, GError **err)
{
    if (!is_maildir(st))
        return need_user(st, user, err) != NULL;
    if (!ms_valid_user(user)) {
        g_set_error(err, MAIL_STORE_ERROR, MAIL_STORE_ERROR_NO_USER, "no user \"%s\"", user ? user : "(null)");
        return false;
    }
    return md_refresh_user(st, user, err);
}

guint mail_store_skipped(const mail_store *st)
{
    return st->skipped;
}

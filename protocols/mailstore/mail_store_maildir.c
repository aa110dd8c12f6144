/*
 * mail_store_maildir: the Maildir backend of mail_store (not written yet:
 * mail_store_open_maildir reports IO, so no store ever reaches the other
 * functions here).
 */
#include "protocols/mailstore/mail_store_priv.h"

static bool not_yet(GError **err)
{
    g_set_error(err, MAIL_STORE_ERROR, MAIL_STORE_ERROR_IO, "Maildir stores are not available yet");
    return false;
}

bool md_open(mail_store *st, const char *root, GError **err)
{
    (void)st;
    (void)root;
    return not_yet(err);
}

void md_close(mail_store *st)
{
    (void)st;
}

ms_user *md_add_user(mail_store *st, const char *user, const char *password, GError **err)
{
    (void)st, (void)user, (void)password;
    not_yet(err);
    return NULL;
}

bool md_refresh_user(mail_store *st, const char *user, GError **err)
{
    (void)st, (void)user;
    return not_yet(err);
}

mail_folder *md_folder_create(mail_store *st, ms_user *u, const char *name, GError **err)
{
    (void)st, (void)u, (void)name;
    not_yet(err);
    return NULL;
}

bool md_folder_delete(mail_store *st, ms_user *u, mail_folder *f, GError **err)
{
    (void)st, (void)u, (void)f;
    return not_yet(err);
}

bool md_folder_rename(mail_store *st, ms_user *u, const char *from, const char *to, GError **err)
{
    (void)st, (void)u, (void)from, (void)to;
    return not_yet(err);
}

bool md_inbox_rename(mail_store *st, ms_user *u, const char *to, GError **err)
{
    (void)st, (void)u, (void)to;
    return not_yet(err);
}

uint32_t md_append(mail_folder *f, GBytes *data, unsigned flags, GError **err)
{
    (void)f, (void)data, (void)flags;
    not_yet(err);
    return 0;
}

bool md_set_flags(mail_folder *f, ms_entry *e, unsigned flags, GError **err)
{
    (void)f, (void)e, (void)flags;
    return not_yet(err);
}

bool md_remove(mail_folder *f, ms_entry *e, GError **err)
{
    (void)f, (void)e;
    return not_yet(err);
}

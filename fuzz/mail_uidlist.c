/*
 * Fuzz target mail_uidlist: the Maildir store's uidlist reader and the
 * names of message files (protocols/mailstore/mail_store_uidlist.c and
 * mail_store_maildir.c; a uidlist or a file name is whatever another
 * program or a person left in the tree).
 *
 * Input: the text of an appsim-uidlist file (up to its first NUL).
 *
 * Invariants:
 *   - the list read has UIDs from 1, strictly ascending, all below its
 *     UIDNEXT, and base names a scan would take; without a valid first
 *     line it is empty with UIDNEXT 1;
 *   - written and read again it is the same list;
 *   - each line of the input taken as a file name: its flags written as
 *     a cur/ name (md_cur_name) read back as the same flags.
 */
#include <glib.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/fuzz_check.h"
#include "protocols/mailstore/mail_store_priv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_list(const md_uidlist *ul)
{
    FUZZ_CHECK(ul->next >= 1, "UIDNEXT %u", ul->next);
    if (ul->v == 0)
        FUZZ_CHECK(ul->lines->len == 0 && ul->next == 1, "no V line, yet %u lines, N%u", ul->lines->len, ul->next);
    uint32_t last = 0;
    for (guint i = 0; i < ul->lines->len; i++) {
        const md_line *l = &g_array_index(ul->lines, md_line, i);
        FUZZ_CHECK(l->uid > last && l->uid < ul->next, "UID %u after %u, N%u", l->uid, last, ul->next);
        FUZZ_CHECK(md_valid_base(l->base), "base \"%s\"", l->base);
        last = l->uid;
    }
}

static void check_same(const md_uidlist *a, const md_uidlist *b)
{
    FUZZ_CHECK(a->v == b->v && a->next == b->next && a->lines->len == b->lines->len,
               "V%u N%u %u lines, again V%u N%u %u lines", a->v, a->next, a->lines->len, b->v, b->next,
               b->lines->len);
    for (guint i = 0; i < a->lines->len; i++) {
        const md_line *x = &g_array_index(a->lines, md_line, i), *y = &g_array_index(b->lines, md_line, i);
        FUZZ_CHECK(x->uid == y->uid && strcmp(x->base, y->base) == 0, "line %u: %u %s, again %u %s", i, x->uid,
                   x->base, y->uid, y->base);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_cstring(data, size);
    char *copy = g_strdup(text);
    md_uidlist ul, again;
    md_uidlist_init(&ul);
    md_uidlist_init(&again);
    md_uidlist_parse(copy, &ul);
    check_list(&ul);
    GString *s = md_uidlist_format(&ul);
    md_uidlist_parse(s->str, &again);
    check_same(&ul, &again);
    g_string_free(s, TRUE);

    char **lines = g_strsplit(text, "\n", 64);
    for (guint i = 0; lines[i]; i++) {
        unsigned f = md_flags_of(lines[i]);
        char *name = md_cur_name("base", f);
        FUZZ_CHECK(md_flags_of(name) == f, "\"%s\": flags %u, as \"%s\" %u", lines[i], f, name, md_flags_of(name));
        g_free(name);
    }
    g_strfreev(lines);
    md_uidlist_clear(&ul);
    md_uidlist_clear(&again);
    g_free(copy);
    g_free(text);
    return 0;
}

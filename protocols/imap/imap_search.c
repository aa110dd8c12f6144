/*
 * imap_search: SEARCH and UID SEARCH (RFC 3501 6.4.4): the keys read into
 * a tree, then every message of the view tested against it.
 *
 * Keys: ALL, sequence set, UID set, ANSWERED DELETED DRAFT FLAGGED SEEN
 * and their UN- forms, NEW, OLD, RECENT, FROM TO CC BCC SUBJECT (a
 * header field), HEADER field string, BODY, TEXT, LARGER, SMALLER,
 * BEFORE, ON, SINCE (the internal date, by UTC day), SENTBEFORE,
 * SENTON, SENTSINCE (the Date header's day as written), KEYWORD (never, as
 * keywords are not kept), UNKEYWORD (always), NOT, OR, parentheses.
 * Strings match as substrings, ASCII case ignored; CHARSET US-ASCII and
 * UTF-8 are taken (bytes compared as they are).
 *
 * Costs: the tree is at most IMAP_SEARCH_MAX_DEPTH deep; each text test
 * is linear in the message (Knuth-Morris-Pratt), so a search costs
 * O(keys * the folder's bytes).
 */
#include "imap_server_impl.h"

#include <string.h>

#include "imap_msgpart.h"

#define IMAP_SEARCH_MAX_DEPTH 32

typedef enum {
    K_ALL, K_AND, K_NOT, K_OR, K_SEQ, K_UID, K_FLAG_ON, K_FLAG_OFF, K_NEW, K_OLD, K_RECENT, K_HEADER,
    K_BODY, K_TEXT, K_LARGER, K_SMALLER, K_BEFORE, K_ON, K_SINCE, K_SENTBEFORE, K_SENTON, K_SENTSINCE, K_NONE,
} key_kind;

typedef struct key key;
struct key {
    key_kind kind;
    unsigned flag;
    char *field, *text;
    uint64_t n;
    int64_t day;
    imap_seqset *set;
    GPtrArray *kids; /* AND, NOT, OR: of key * */
};

static void key_free(gpointer p)
{
    key *k = p;
    if (!k)
        return;
    g_free(k->field);
    g_free(k->text);
    imap_seqset_free(k->set);
    if (k->kids)
        g_ptr_array_free(k->kids, TRUE);
    g_free(k);
}

static key *key_new(key_kind kind)
{
    key *k = g_new0(key, 1);
    k->kind = kind;
    if (kind == K_AND || kind == K_NOT || kind == K_OR)
        k->kids = g_ptr_array_new_with_free_func(key_free);
    return k;
}

static key *parse_key(imap_cursor *c, unsigned depth);

static const struct {
    const char *name;
    key_kind kind;
    unsigned flag;
} flag_keys[] = {
    {"ALL", K_ALL, 0},
    {"ANSWERED", K_FLAG_ON, MAIL_FLAG_ANSWERED},     {"UNANSWERED", K_FLAG_OFF, MAIL_FLAG_ANSWERED},
    {"DELETED", K_FLAG_ON, MAIL_FLAG_DELETED},       {"UNDELETED", K_FLAG_OFF, MAIL_FLAG_DELETED},
    {"DRAFT", K_FLAG_ON, MAIL_FLAG_DRAFT},           {"UNDRAFT", K_FLAG_OFF, MAIL_FLAG_DRAFT},
    {"FLAGGED", K_FLAG_ON, MAIL_FLAG_FLAGGED},       {"UNFLAGGED", K_FLAG_OFF, MAIL_FLAG_FLAGGED},
    {"SEEN", K_FLAG_ON, MAIL_FLAG_SEEN},             {"UNSEEN", K_FLAG_OFF, MAIL_FLAG_SEEN},
    {"NEW", K_NEW, 0}, {"OLD", K_OLD, 0}, {"RECENT", K_RECENT, 0},
};

/* The keys with an argument. */
static bool key_arg(imap_cursor *c, const char *name, key *k)
{
    static const char *const fields[] = {"FROM", "TO", "CC", "BCC", "SUBJECT"};
    for (size_t i = 0; i < G_N_ELEMENTS(fields); i++)
        if (imap_word_is(name, fields[i])) {
            k->kind = K_HEADER;
            k->field = g_strdup(fields[i]);
            return imap_p_sp(c) && imap_p_astring(c, &k->text);
        }
    if (imap_word_is(name, "HEADER")) {
        k->kind = K_HEADER;
        return imap_p_sp(c) && imap_p_astring(c, &k->field) && imap_p_sp(c) && imap_p_astring(c, &k->text);
    }
    if (imap_word_is(name, "BODY") || imap_word_is(name, "TEXT")) {
        k->kind = imap_word_is(name, "BODY") ? K_BODY : K_TEXT;
        return imap_p_sp(c) && imap_p_astring(c, &k->text);
    }
    if (imap_word_is(name, "KEYWORD") || imap_word_is(name, "UNKEYWORD")) {
        k->kind = imap_word_is(name, "KEYWORD") ? K_NONE : K_ALL;
        return imap_p_sp(c) && imap_p_atom(c, NULL, &k->text);
    }
    if (imap_word_is(name, "LARGER") || imap_word_is(name, "SMALLER")) {
        uint32_t n = 0;
        k->kind = imap_word_is(name, "LARGER") ? K_LARGER : K_SMALLER;
        bool ok = imap_p_sp(c) && imap_p_number(c, &n);
        k->n = n;
        return ok;
    }
    static const struct {
        const char *name;
        key_kind kind;
    } dates[] = {{"BEFORE", K_BEFORE}, {"ON", K_ON}, {"SINCE", K_SINCE},
                 {"SENTBEFORE", K_SENTBEFORE}, {"SENTON", K_SENTON}, {"SENTSINCE", K_SENTSINCE}};
    size_t di = 0;
    while (di < G_N_ELEMENTS(dates) && !imap_word_is(name, dates[di].name))
        di++;
    if (di < G_N_ELEMENTS(dates)) {
        k->kind = dates[di].kind;
        char *d = NULL;
        bool ok = imap_p_sp(c) && imap_p_astring(c, &d) && imap_date_parse(d, &k->day);
        g_free(d);
        return ok;
    }
    if (imap_word_is(name, "UID")) {
        k->kind = K_UID;
        k->set = imap_seqset_new();
        return imap_p_sp(c) && imap_p_seqset(c, k->set);
    }
    return false;
}

/* Keys separated by spaces into `and`, up to `close` (')' or the end). */
static bool parse_keys(imap_cursor *c, key *and, unsigned depth, bool paren)
{
    do {
        key *k = parse_key(c, depth);
        if (!k)
            return false;
        g_ptr_array_add(and->kids, k);
        if (paren && imap_p_peek(c) == ')')
            break;
    } while (imap_p_sp(c));
    return paren ? imap_p_char(c, ')') : imap_p_eol(c);
}

static key *parse_key(imap_cursor *c, unsigned depth)
{
    if (depth > IMAP_SEARCH_MAX_DEPTH)
        return NULL;
    key *k = NULL;
    bool ok;
    if (imap_p_char(c, '(')) {
        k = key_new(K_AND);
        ok = parse_keys(c, k, depth + 1, true);
    } else if (g_ascii_isdigit(imap_p_peek(c)) || imap_p_peek(c) == '*') {
        k = key_new(K_SEQ);
        k->set = imap_seqset_new();
        ok = imap_p_seqset(c, k->set);
    } else {
        char *name = NULL;
        ok = imap_p_atom(c, NULL, &name);
        size_t i = 0;
        while (ok && i < G_N_ELEMENTS(flag_keys) && !imap_word_is(name, flag_keys[i].name))
            i++;
        if (!ok) {
        } else if (i < G_N_ELEMENTS(flag_keys)) {
            k = key_new(flag_keys[i].kind);
            k->flag = flag_keys[i].flag;
        } else if (imap_word_is(name, "NOT") || imap_word_is(name, "OR")) {
            k = key_new(imap_word_is(name, "NOT") ? K_NOT : K_OR);
            for (int n = k->kind == K_OR ? 2 : 1; ok && n > 0; n--) {
                key *sub = imap_p_sp(c) ? parse_key(c, depth + 1) : NULL;
                ok = sub != NULL;
                if (sub)
                    g_ptr_array_add(k->kids, sub);
            }
        } else {
            k = key_new(K_ALL);
            ok = key_arg(c, name, k);
        }
        g_free(name);
    }
    if (!ok) {
        key_free(k);
        return NULL;
    }
    return k;
}

/* Whether needle occurs in hay, ASCII case ignored: Knuth-Morris-Pratt,
 * O(|hay| + |needle|). An empty needle is everywhere. */
static bool contains_ci(const uint8_t *hay, size_t n, const char *needle)
{
    size_t m = strlen(needle);
    if (m == 0)
        return true;
    if (m > n)
        return false;
    size_t *fail = g_new(size_t, m);
    fail[0] = 0;
    for (size_t i = 1, k = 0; i < m; i++) {
        while (k && g_ascii_tolower(needle[i]) != g_ascii_tolower(needle[k]))
            k = fail[k - 1];
        if (g_ascii_tolower(needle[i]) == g_ascii_tolower(needle[k]))
            k++;
        fail[i] = k;
    }
    bool found = false;
    for (size_t i = 0, k = 0; i < n && !found; i++) {
        while (k && g_ascii_tolower(hay[i]) != g_ascii_tolower(needle[k]))
            k = fail[k - 1];
        if (g_ascii_tolower(hay[i]) == g_ascii_tolower(needle[k]))
            k++;
        found = k == m;
    }
    g_free(fail);
    return found;
}

typedef struct {
    uint32_t seq, uid, max_seq, max_uid;
    unsigned flags;
    bool recent;
    int64_t day;
    const uint8_t *data;
    size_t len, header_len;
} candidate;

static bool matches(const key *k, const candidate *m)
{
    switch (k->kind) {
    case K_ALL: return true;
    case K_NONE: return false;
    case K_AND:
        for (guint i = 0; i < k->kids->len; i++)
            if (!matches(k->kids->pdata[i], m))
                return false;
        return true;
    case K_NOT: return !matches(k->kids->pdata[0], m);
    case K_OR: return matches(k->kids->pdata[0], m) || matches(k->kids->pdata[1], m);
    case K_SEQ: return imap_seqset_contains(k->set, m->seq, m->max_seq);
    case K_UID: return imap_seqset_contains(k->set, m->uid, m->max_uid);
    case K_FLAG_ON: return (m->flags & k->flag) != 0;
    case K_FLAG_OFF: return (m->flags & k->flag) == 0;
    case K_NEW: return m->recent && !(m->flags & MAIL_FLAG_SEEN);
    case K_OLD: return !m->recent;
    case K_RECENT: return m->recent;
    case K_HEADER: {
        char *v = imap_header_value(m->data, m->header_len, k->field);
        bool r = v && contains_ci((const uint8_t *)v, strlen(v), k->text);
        g_free(v);
        return r;
    }
    case K_BODY: return contains_ci(m->data + m->header_len, m->len - m->header_len, k->text);
    case K_TEXT: return contains_ci(m->data, m->len, k->text);
    case K_LARGER: return m->len > k->n;
    case K_SMALLER: return m->len < k->n;
    case K_BEFORE: return m->day < k->day;
    case K_ON: return m->day == k->day;
    case K_SINCE: return m->day >= k->day;
    case K_SENTBEFORE:
    case K_SENTON:
    case K_SENTSINCE: {
        /* A message without a readable Date header matches none of them. */
        char *v = imap_header_value(m->data, m->header_len, "Date");
        int64_t sent;
        bool known = v && imap_date_header_day(v, &sent);
        g_free(v);
        return known && (k->kind == K_SENTBEFORE ? sent < k->day : k->kind == K_SENTON ? sent == k->day : sent >= k->day);
    }
    }
    return false;
}

/* "CHARSET name SP" at the start: false when the charset is not known. */
static bool charset(imap_cursor *c, bool *syntax)
{
    size_t start = c->pos;
    char *w = NULL;
    *syntax = true;
    if (!imap_p_atom(c, NULL, &w) || !imap_word_is(w, "CHARSET")) {
        g_free(w);
        c->pos = start;
        return true;
    }
    g_free(w);
    char *cs = NULL;
    *syntax = imap_p_sp(c) && imap_p_astring(c, &cs) && imap_p_sp(c);
    bool known = cs && (imap_word_is(cs, "US-ASCII") || imap_word_is(cs, "UTF-8"));
    g_free(cs);
    return known;
}

static void run_search(imap_server_core *s, const key *k, bool uid, GString *o)
{
    guint n = s->view->len;
    uint32_t max_uid = n ? g_array_index(s->view, imap_view_msg, n - 1).uid : 0;
    for (guint i = 0; i < n; i++) {
        int idx = imap_view_index(s, i);
        if (idx < 0)
            continue;
        const imap_view_msg *vm = &g_array_index(s->view, imap_view_msg, i);
        const mail_store_msg *sm = mail_folder_msg(s->folder, (guint)idx);
        gsize len = 0;
        const uint8_t *d = sm->data ? g_bytes_get_data(sm->data, &len) : NULL;
        candidate m = {i + 1, vm->uid, n, max_uid, vm->flags, vm->recent, imap_date_day(sm->internal_ns),
                       d ? d : (const uint8_t *)"", len, 0};
        m.header_len = imap_msg_header_len(m.data, m.len);
        if (matches(k, &m))
            g_string_append_printf(o, " %u", uid ? vm->uid : i + 1);
    }
}

void imap_cmd_search(imap_server_core *s, const char *tag, imap_cursor *c, bool uid)
{
    s->sync_expunges = uid;
    bool syntax, known = charset(c, &syntax);
    if (syntax && !known) {
        imap_no(s, tag, "[BADCHARSET (US-ASCII UTF-8)] Charset not supported");
        return;
    }
    key *all = key_new(K_AND);
    if (!syntax || !parse_keys(c, all, 0, false)) {
        imap_bad(s, tag, "Syntax: SEARCH keys");
    } else {
        GString *o = g_string_new("* SEARCH");
        run_search(s, all, uid, o);
        g_string_append(o, "\r\n");
        imap_out_bytes(s, o->str, o->len);
        g_string_free(o, TRUE);
        imap_ok(s, tag, uid ? "UID SEARCH completed" : "SEARCH completed");
    }
    key_free(all);
}

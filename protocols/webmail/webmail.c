/*
 * webmail: the web-mail front end's pages (webmail.h).
 *
 * A request goes: its target (origin form, or absolute form reduced to
 * its path) split into path and query; paths outside /mail answered 404
 * before anything else; then the credentials; then the page's method
 * and its own checks.
 */
#include "webmail.h"

#include <string.h>

#include "protocols/mime/mime_codec.h"
#include "protocols/mime/mime_msg.h"
#include "seam/html_escape.h"
#include "webmail_form.h"

void webmail_config_default(webmail_config *c)
{
    memset(c, 0, sizeof *c);
    c->mailbox = MAIL_STORE_INBOX;
    c->realm = "appsim web mail";
    c->domain = "localhost";
    c->page_size = WEBMAIL_PAGE_SIZE;
    c->max_form = WEBMAIL_MAX_FORM;
}

void webmail_response_clear(webmail_response *r)
{
    g_free(r->content_type);
    g_free(r->location);
    g_free(r->www_authenticate);
    g_free(r->allow);
    g_free(r->disposition);
    g_free(r->user);
    if (r->body)
        g_bytes_unref(r->body);
    memset(r, 0, sizeof *r);
}

/* ---- pages ---------------------------------------------------------------------- */

static void esc(GString *out, const char *s) { html_escape_append(out, s, -1); }

static GString *page_begin(const char *title)
{
    GString *h = g_string_new("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>");
    esc(h, title);
    g_string_append(h, "</title>\n</head>\n<body>\n<h1>");
    esc(h, title);
    g_string_append(h, "</h1>\n");
    return h;
}

/* Ends the page and makes it the response's body. */
static void page_end(webmail_response *out, int status, GString *h)
{
    g_string_append(h, "</body>\n</html>\n");
    out->status = status;
    g_free(out->content_type);
    out->content_type = g_strdup("text/html; charset=utf-8");
    if (out->body)
        g_bytes_unref(out->body);
    out->body = g_string_free_to_bytes(h);
}

static void error_page(webmail_response *out, int status, const char *text)
{
    char title[64];
    g_snprintf(title, sizeof title, "%d %s", status, http_reason(status));
    GString *h = page_begin(title);
    g_string_append(h, "<p>");
    esc(h, text);
    g_string_append(h, "</p>\n<p><a href=\"/mail/inbox\">Inbox</a></p>\n");
    page_end(out, status, h);
}

static void method_not_allowed(webmail_response *out, const char *allow)
{
    out->allow = g_strdup(allow);
    error_page(out, 405, "This page does not take that method.");
}

/* ---- authentication (RFC 7617) ------------------------------------------------- */

/* The user whose Basic credentials the request carries and the store
 * accepts (a new string), or NULL. */
static char *authenticate(const webmail_config *c, const mail_store *st, const http_msg *req)
{
    const char *a = http_msg_get(req, "Authorization");
    if (!a || g_ascii_strncasecmp(a, "Basic", 5) || (a[5] != ' ' && a[5] != '\t'))
        return NULL;
    a += 5;
    while (*a == ' ' || *a == '\t')
        a++;
    size_t n = strlen(a);
    while (n > 0 && (a[n - 1] == ' ' || a[n - 1] == '\t'))
        n--;
    if (n == 0 || n > 2048)
        return NULL;
    GByteArray *raw = g_byte_array_new();
    char *user = NULL;
    /* empty credentials (a token of white space only) carry no user; and
     * memchr may not be handed the NULL data of an empty array */
    if (mime_base64_decode(a, n, raw, NULL) == MIME_OK && raw->len > 0 && !memchr(raw->data, '\0', raw->len)) {
        g_byte_array_append(raw, (const guint8 *)"", 1);
        char *text = (char *)raw->data;
        char *colon = strchr(text, ':');
        if (colon) {
            *colon = '\0';
            bool ok = (!c->user || !strcmp(c->user, text)) && mail_store_check_password(st, text, colon + 1);
            if (ok)
                user = g_strdup(text);
        }
    }
    g_byte_array_unref(raw);
    return user;
}

static void unauthorized(const webmail_config *c, webmail_response *out)
{
    GString *realm = g_string_new(NULL);
    for (const char *p = c->realm; *p; p++)
        if (*p != '"' && *p != '\\' && (unsigned char)*p >= 0x20)
            g_string_append_c(realm, *p);
    out->www_authenticate = g_strdup_printf("Basic realm=\"%s\", charset=\"UTF-8\"", realm->str);
    g_string_free(realm, TRUE);
    error_page(out, 401, "Sign in with your mail account's name and password.");
}

/* ---- the inbox ------------------------------------------------------------------ */

/* A message's header fields, parsed from its header section only. */
static mime_msg *parse_head(GBytes *data)
{
    gsize len;
    const uint8_t *p = g_bytes_get_data(data, &len);
    size_t end = len;
    for (size_t i = 0; i + 1 < len; i++) {
        if (p[i] == '\n' && p[i + 1] == '\n') {
            end = i + 2;
            break;
        }
        if (p[i] == '\n' && p[i + 1] == '\r' && i + 2 < len && p[i + 2] == '\n') {
            end = i + 3;
            break;
        }
    }
    mime_msg *m = NULL;
    if (mime_msg_parse(p, end, &m, NULL) != MIME_OK)
        return NULL;
    return m;
}

static void cell(GString *h, const mime_part *root, const char *name, const char *none)
{
    char *v = root ? mime_part_header_decoded(root, name) : NULL;
    g_string_append(h, "<td>");
    esc(h, v && *v ? v : none);
    g_string_append(h, "</td>");
    g_free(v);
}

static void compose_form(GString *h)
{
    g_string_append(h, "<h2>Write</h2>\n<form method=\"post\" action=\"/mail/send\">\n"
                       "<p><label>To <input name=\"to\" type=\"text\" required></label></p>\n"
                       "<p><label>Subject <input name=\"subject\" type=\"text\"></label></p>\n"
                       "<p><label>Message <textarea name=\"body\" rows=\"10\" cols=\"72\"></textarea></label></p>\n"
                       "<p><button type=\"submit\">Send</button></p>\n</form>\n");
}

/* The page number of a query ("page=N"); 1 without one, 0 when bad. */
static uint64_t page_number(const char *query)
{
    uint64_t page = 1;
    if (!query)
        return page;
    gchar **kv = g_strsplit(query, "&", 0);
    for (int i = 0; kv[i] && page; i++) {
        if (!g_str_has_prefix(kv[i], "page="))
            continue;
        const char *v = kv[i] + 5;
        size_t n = strlen(v);
        if (n == 0 || n > 7 || strspn(v, "0123456789") != n || (page = g_ascii_strtoull(v, NULL, 10)) == 0)
            page = 0;
    }
    g_strfreev(kv);
    return page;
}

static void inbox_page(const webmail_config *c, mail_folder *f, const char *user, const char *query,
                       webmail_response *out)
{
    uint64_t page = page_number(query);
    if (page == 0) {
        error_page(out, 400, "The page number must be a whole number from 1.");
        return;
    }
    guint count = mail_folder_count(f);
    uint64_t per = c->page_size ? c->page_size : WEBMAIL_PAGE_SIZE;
    uint64_t pages = count ? (count + per - 1) / per : 1;
    if (page > pages) {
        error_page(out, 404, "There is no such page of the mailbox.");
        return;
    }
    char title[MAIL_STORE_MAX_NAME * 2 + 32];
    g_snprintf(title, sizeof title, "%s: %s", user, mail_folder_name(f));
    GString *h = page_begin(title);
    g_string_append_printf(h, "<p>%u messages, %" G_GUINT64_FORMAT " bytes; page %" G_GUINT64_FORMAT
                              " of %" G_GUINT64_FORMAT ".</p>\n",
                           count, mail_folder_bytes(f), page, pages);
    g_string_append(h, "<table>\n<tr><th>From</th><th>Subject</th><th>Date</th><th>Size</th><th></th></tr>\n");
    uint64_t first = (page - 1) * per; /* counted from the newest */
    for (uint64_t k = first; k < first + per && k < count; k++) {
        const mail_store_msg *m = mail_folder_msg(f, (guint)(count - 1 - k));
        mime_msg *head = parse_head(m->data);
        g_string_append(h, (m->flags & MAIL_FLAG_SEEN) ? "<tr>" : "<tr class=\"unseen\">");
        cell(h, head ? head->root : NULL, "From", "(unknown sender)");
        cell(h, head ? head->root : NULL, "Subject", "(no subject)");
        cell(h, head ? head->root : NULL, "Date", "");
        g_string_append_printf(h, "<td>%" G_GSIZE_FORMAT "</td><td><a href=\"/mail/msg/%u\">read</a></td></tr>\n",
                               g_bytes_get_size(m->data), m->uid);
        if (head)
            mime_msg_free(head);
    }
    g_string_append(h, "</table>\n<p>");
    if (page > 1)
        g_string_append_printf(h, "<a href=\"/mail/inbox?page=%" G_GUINT64_FORMAT "\">newer</a> ", page - 1);
    if (page < pages)
        g_string_append_printf(h, "<a href=\"/mail/inbox?page=%" G_GUINT64_FORMAT "\">older</a>", page + 1);
    g_string_append(h, "</p>\n");
    compose_form(h);
    page_end(out, 200, h);
}

/* ---- one message ---------------------------------------------------------------- */

static void collect_leaves(const mime_part *p, GPtrArray *leaves)
{
    if (!p->parts) {
        g_ptr_array_add(leaves, (gpointer)p);
        return;
    }
    for (guint i = 0; i < p->parts->len; i++)
        collect_leaves(g_ptr_array_index(p->parts, i), leaves);
}

static bool is_body_text(const mime_part *p)
{
    return !strcmp(p->type, "text") && !strcmp(p->subtype, "plain") &&
           !(p->disposition && !strcmp(p->disposition, "attachment"));
}

static void header_row(GString *h, const mime_part *root, const char *name)
{
    char *v = mime_part_header_decoded(root, name);
    if (v) {
        g_string_append_printf(h, "<tr><th>%s</th><td>", name);
        esc(h, v);
        g_string_append(h, "</td></tr>\n");
        g_free(v);
    }
}

/* The parts of a parsed message: its headers, its text, its attachments. */
static void message_body(GString *h, const mime_msg *mm, uint32_t uid)
{
    g_string_append(h, "<table>\n");
    static const char *const names[] = {"From", "To", "Cc", "Date", "Subject"};
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++)
        header_row(h, mm->root, names[i]);
    g_string_append(h, "</table>\n");
    GPtrArray *leaves = g_ptr_array_new();
    collect_leaves(mm->root, leaves);
    int text = -1;
    for (guint i = 0; i < leaves->len && text < 0; i++)
        if (is_body_text(g_ptr_array_index(leaves, i)))
            text = (int)i;
    g_string_append(h, "<pre>");
    if (text >= 0) {
        GByteArray *dec = g_byte_array_new();
        mime_part_decode(g_ptr_array_index(leaves, (guint)text), dec, NULL);
        html_escape_append(h, (const char *)dec->data, (gssize)dec->len);
        g_byte_array_unref(dec);
    }
    g_string_append(h, "</pre>\n");
    bool listed = false;
    for (guint i = 0; i < leaves->len; i++) {
        const mime_part *p = g_ptr_array_index(leaves, i);
        if ((int)i == text)
            continue;
        if (!listed)
            g_string_append(h, "<h2>Attachments</h2>\n<ul>\n");
        listed = true;
        GByteArray *dec = g_byte_array_new();
        mime_part_decode(p, dec, NULL);
        g_string_append_printf(h, "<li><a href=\"/mail/msg/%u/part/%u\">", uid, i + 1);
        esc(h, p->filename ? p->filename : "(unnamed)");
        g_string_append(h, "</a> ");
        esc(h, p->type);
        g_string_append_c(h, '/');
        esc(h, p->subtype);
        g_string_append_printf(h, ", %u bytes</li>\n", dec->len);
        g_byte_array_unref(dec);
    }
    if (listed)
        g_string_append(h, "</ul>\n");
    g_ptr_array_unref(leaves);
}

static void message_page(mail_folder *f, guint index, webmail_response *out)
{
    const mail_store_msg *m = mail_folder_msg(f, index);
    uint32_t uid = m->uid;
    GBytes *data = g_bytes_ref(m->data);
    if (!(m->flags & MAIL_FLAG_SEEN))
        mail_folder_set_flags(f, index, (m->flags | MAIL_FLAG_SEEN) & ~(unsigned)MAIL_FLAG_RECENT, NULL);
    char title[48];
    g_snprintf(title, sizeof title, "Message %u", uid);
    GString *h = page_begin(title);
    gsize len;
    const uint8_t *p = g_bytes_get_data(data, &len);
    mime_msg *mm = NULL;
    if (mime_msg_parse(p, len, &mm, NULL) == MIME_OK) {
        message_body(h, mm, uid);
        mime_msg_free(mm);
    } else {
        g_string_append(h, "<p>This message is not well formed; here it is as it came.</p>\n<pre>");
        html_escape_append(h, (const char *)p, (gssize)len);
        g_string_append(h, "</pre>\n");
    }
    g_string_append(h, "<p><a href=\"/mail/inbox\">Inbox</a></p>\n");
    g_bytes_unref(data);
    page_end(out, 200, h);
}

static bool token_ok(const char *s)
{
    if (!*s || strlen(s) > 127)
        return false;
    for (; *s; s++)
        if (!g_ascii_isalnum(*s) && !strchr("!#$&-^_.+", *s))
            return false;
    return true;
}

static void part_page(mail_folder *f, guint index, uint64_t n, webmail_response *out)
{
    const mail_store_msg *m = mail_folder_msg(f, index);
    gsize len;
    const uint8_t *p = g_bytes_get_data(m->data, &len);
    mime_msg *mm = NULL;
    if (mime_msg_parse(p, len, &mm, NULL) != MIME_OK) {
        error_page(out, 404, "This message is not well formed: it has no parts to show.");
        return;
    }
    GPtrArray *leaves = g_ptr_array_new();
    collect_leaves(mm->root, leaves);
    if (n == 0 || n > leaves->len) {
        error_page(out, 404, "The message has no such part.");
    } else {
        const mime_part *part = g_ptr_array_index(leaves, (guint)(n - 1));
        GByteArray *dec = g_byte_array_new();
        mime_part_decode(part, dec, NULL);
        out->status = 200;
        out->content_type = token_ok(part->type) && token_ok(part->subtype)
                                ? g_strdup_printf("%s/%s", part->type, part->subtype)
                                : g_strdup("application/octet-stream");
        out->disposition = g_strdup("attachment");
        out->nosniff = true;
        out->body = g_byte_array_free_to_bytes(dec);
    }
    g_ptr_array_unref(leaves);
    mime_msg_free(mm);
}

/* ---- sending -------------------------------------------------------------------- */

static bool address_ok(const char *a)
{
    const char *at = strrchr(a, '@');
    size_t n = strlen(a);
    if (!at || at == a || !at[1] || n > 254)
        return false;
    for (const char *p = a; p < at; p++)
        if (!g_ascii_isalnum(*p) && !strchr(".!#$%&'*+/=?^_`{|}~-", *p))
            return false;
    for (const char *p = at + 1; *p; p++)
        if (!g_ascii_isalnum(*p) && *p != '.' && *p != '-')
            return false;
    return true;
}

/* The recipients of `to` (new, NULL-terminated), or NULL when one is bad. */
static char **recipients(const char *to)
{
    gchar **parts = g_strsplit(to, ",", 0);
    GPtrArray *r = g_ptr_array_new_with_free_func(g_free);
    bool ok = true;
    for (int i = 0; parts[i] && ok; i++) {
        char *a = g_strstrip(parts[i]);
        if (!*a)
            continue;
        ok = address_ok(a) && r->len < WEBMAIL_MAX_RCPT;
        if (ok)
            g_ptr_array_add(r, g_strdup(a));
    }
    g_strfreev(parts);
    if (!ok || r->len == 0) {
        g_ptr_array_unref(r);
        return NULL;
    }
    g_ptr_array_add(r, NULL);
    g_ptr_array_set_free_func(r, NULL);
    return (char **)g_ptr_array_free(r, FALSE);
}

static GBytes *build_message(const webmail_config *c, const char *from, char **to, const char *subject,
                             const char *text, int64_t now_s)
{
    mime_out *o = mime_out_text_new("plain", text, strlen(text));
    mime_out_address(o, "From", NULL, from);
    for (int i = 0; to[i]; i++)
        mime_out_address(o, "To", NULL, to[i]);
    char *subj = g_strdup(subject);
    for (char *p = subj; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = ' ';
    if (*subj)
        mime_out_header(o, "Subject", subj);
    g_free(subj);
    mime_out_date(o, now_s, 0);
    uint64_t seed = (uint64_t)now_s * 1000003u ^ g_str_hash(from) ^ ((uint64_t)g_str_hash(text) << 32) ^
                    g_str_hash(subject);
    mime_out_message_id(o, seed, c->domain);
    GByteArray *b = mime_out_serialise(o);
    mime_out_free(o);
    return g_byte_array_free_to_bytes(b);
}

static void send_post(const webmail_config *c, const char *user, const http_msg *req, const uint8_t *body,
                      uint64_t body_len, int64_t now_s, webmail_send_fn send, void *ud, webmail_response *out)
{
    const char *ct = http_msg_get(req, "Content-Type");
    size_t tl = ct ? strcspn(ct, "; \t") : 0;
    if (!ct || tl != 33 || g_ascii_strncasecmp(ct, "application/x-www-form-urlencoded", 33)) {
        error_page(out, 415, "The form must be sent as application/x-www-form-urlencoded.");
        return;
    }
    if (body_len > c->max_form) {
        error_page(out, 413, "The message is larger than this server takes.");
        return;
    }
    GHashTable *form = webmail_form_decode((const char *)body, body ? (size_t)body_len : 0);
    if (!form) {
        error_page(out, 400, "The form is malformed (a bad %-escape, or text that is not UTF-8).");
        return;
    }
    const char *to = g_hash_table_lookup(form, "to");
    const char *subject = g_hash_table_lookup(form, "subject");
    const char *text = g_hash_table_lookup(form, "body");
    char **rcpts = to ? recipients(to) : NULL;
    if (!rcpts) {
        error_page(out, 400, "\"To\" needs one or more addresses like bob@hamburger.edu, separated by commas.");
    } else {
        char *from = g_strdup_printf("%s@%s", user, c->domain);
        GBytes *msg = build_message(c, from, rcpts, subject ? subject : "", text ? text : "", now_s);
        if (send && send(ud, from, (const char *const *)rcpts, msg)) {
            out->location = g_strdup("/mail/inbox");
            GString *h = page_begin("Sent");
            g_string_append(h, "<p>Your message is on its way. <a href=\"/mail/inbox\">Inbox</a></p>\n");
            page_end(out, 303, h);
        } else {
            error_page(out, 503, "The message could not be handed to the mail server; try again later.");
        }
        g_bytes_unref(msg);
        g_free(from);
        g_strfreev(rcpts);
    }
    g_hash_table_unref(form);
}

/* ---- the dispatcher ------------------------------------------------------------ */

/* Parses a decimal number of 1 to 10 digits at *p up to '/' or the end;
 * 0 when it is none. */
static uint64_t path_number(const char **p)
{
    size_t n = strspn(*p, "0123456789");
    if (n == 0 || n > 10 || ((*p)[n] && (*p)[n] != '/'))
        return 0;
    uint64_t v = g_ascii_strtoull(*p, NULL, 10);
    *p += n;
    return v;
}

static bool is_get(const http_msg *req) { return req->method == HTTP_M_GET || req->method == HTTP_M_HEAD; }

/* A page of one message ("<uid>" or "<uid>/part/<n>" in `rest`). */
static void message_route(mail_folder *f, const http_msg *req, const char *rest, webmail_response *out)
{
    uint64_t uid = path_number(&rest);
    uint64_t part = 0;
    if (uid && *rest) {
        if (!g_str_has_prefix(rest, "/part/")) {
            error_page(out, 404, "There is no such page.");
            return;
        }
        rest += 6;
        part = path_number(&rest);
        if (!part || *rest) {
            error_page(out, 404, "There is no such part.");
            return;
        }
    }
    if (!is_get(req)) {
        method_not_allowed(out, "GET, HEAD");
        return;
    }
    int index = uid && uid <= UINT32_MAX ? mail_folder_find_uid(f, (uint32_t)uid) : -1;
    if (index < 0)
        error_page(out, 404, "There is no such message in the mailbox.");
    else if (part)
        part_page(f, (guint)index, part, out);
    else
        message_page(f, (guint)index, out);
}

void webmail_handle(const webmail_config *c, mail_store *st, const http_msg *req, const uint8_t *body,
                    uint64_t body_len, int64_t now_s, webmail_send_fn send, void *ud, webmail_response *out)
{
    memset(out, 0, sizeof *out);
    const char *target = req->target ? req->target : "";
    if (g_ascii_strncasecmp(target, "http://", 7) == 0) {
        const char *slash = strchr(target + 7, '/');
        target = slash ? slash : "/";
    }
    const char *q = strchr(target, '?');
    char *path = q ? g_strndup(target, (gsize)(q - target)) : g_strdup(target);
    const char *query = q ? q + 1 : NULL;
    if (strcmp(path, "/mail") && !g_str_has_prefix(path, "/mail/")) {
        error_page(out, 404, "There is no such page: web mail is under /mail/.");
    } else if (!st || !(out->user = authenticate(c, st, req))) {
        unauthorized(c, out);
    } else {
        mail_folder *f = mail_store_folder(st, out->user, c->mailbox, NULL);
        if (!strcmp(path, "/mail/send")) {
            if (req->method != HTTP_M_POST)
                method_not_allowed(out, "POST");
            else
                send_post(c, out->user, req, body, body_len, now_s, send, ud, out);
        } else if (!f) {
            error_page(out, 503, "Your mailbox cannot be opened.");
        } else if (!strcmp(path, "/mail") || !strcmp(path, "/mail/") || !strcmp(path, "/mail/inbox")) {
            if (is_get(req))
                inbox_page(c, f, out->user, query, out);
            else
                method_not_allowed(out, "GET, HEAD");
        } else if (g_str_has_prefix(path, "/mail/msg/")) {
            message_route(f, req, path + 10, out);
        } else {
            error_page(out, 404, "There is no such page.");
        }
    }
    g_free(path);
    if (!out->body)
        out->body = g_bytes_new(NULL, 0);
}

/* mail_compose: addresses, content types and the message of `appsim mail send`. */
#include "mail_compose.h"

#include <string.h>

G_DEFINE_QUARK(mail-compose-error-quark, mail_compose_error)

/* RFC 5321 4.5.3.1.3: a path is at most 256 octets with its brackets.
 * Addresses are ASCII: the server need not offer SMTPUTF8 (RFC 6531). */
#define ADDR_MAX 254

static bool addr_valid(const char *a)
{
    size_t n = strlen(a);
    const char *at = strchr(a, '@');
    if (n == 0 || n > ADDR_MAX || !at || at == a || !at[1] || strchr(at + 1, '@'))
        return false;
    for (const char *p = a; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c <= 32 || c >= 127 || c == '<' || c == '>' || c == ',' || c == '"' || c == '\\')
            return false;
    }
    return true;
}

bool mail_address_parse(const char *text, char **display, char **addr, GError **err)
{
    *display = NULL;
    *addr = NULL;
    char *t = g_strstrip(g_strdup(text ? text : ""));
    char *lt = strrchr(t, '<');
    size_t n = strlen(t);
    if (lt) {
        if (n == 0 || t[n - 1] != '>') {
            g_set_error(err, MAIL_COMPOSE_ERROR, 1, "\"%s\": an address in <...> must end the text", text);
            g_free(t);
            return false;
        }
        *addr = g_strndup(lt + 1, (gsize)(t + n - 1 - (lt + 1)));
        *lt = '\0';
        char *name = g_strstrip(t);
        size_t k = strlen(name);
        if (k >= 2 && name[0] == '"' && name[k - 1] == '"') {
            name[k - 1] = '\0';
            name++;
        }
        if (*name) {
            if (!g_utf8_validate(name, -1, NULL) || strpbrk(name, "\r\n<>")) {
                g_set_error(err, MAIL_COMPOSE_ERROR, 1, "\"%s\": the display name is not plain UTF-8 text", text);
                g_free(*addr);
                *addr = NULL;
                g_free(t);
                return false;
            }
            *display = g_strdup(name);
        }
    } else {
        *addr = g_strdup(t);
    }
    g_free(t);
    if (!addr_valid(*addr)) {
        g_set_error(err, MAIL_COMPOSE_ERROR, 1,
                    "\"%s\" is not an address of the form local@domain (no spaces, quotes, <, >, or commas)", text);
        g_free(*display);
        g_free(*addr);
        *display = *addr = NULL;
        return false;
    }
    return true;
}

/* Extensions and types (IANA media types), sorted by extension. */
static const struct {
    const char *ext, *type;
} content_types[] = {
    {"bin", "application/octet-stream"}, {"bmp", "image/bmp"},
    {"c", "text/x-c"},                    {"css", "text/css"},
    {"csv", "text/csv"},                  {"doc", "application/msword"},
    {"gif", "image/gif"},                 {"gz", "application/gzip"},
    {"h", "text/x-c"},                    {"htm", "text/html"},
    {"html", "text/html"},                {"ics", "text/calendar"},
    {"jpeg", "image/jpeg"},               {"jpg", "image/jpeg"},
    {"js", "text/javascript"},            {"json", "application/json"},
    {"md", "text/markdown"},              {"mp3", "audio/mpeg"},
    {"mp4", "video/mp4"},                 {"odt", "application/vnd.oasis.opendocument.text"},
    {"pdf", "application/pdf"},           {"png", "image/png"},
    {"ps", "application/postscript"},     {"py", "text/x-python"},
    {"svg", "image/svg+xml"},             {"tar", "application/x-tar"},
    {"tif", "image/tiff"},                {"tiff", "image/tiff"},
    {"txt", "text/plain"},                {"wav", "audio/wav"},
    {"webp", "image/webp"},               {"xml", "application/xml"},
    {"zip", "application/zip"},
};

const char *mail_content_type_guess(const char *filename)
{
    const char *dot = filename ? strrchr(filename, '.') : NULL;
    if (!dot || !dot[1] || strchr(dot, '/'))
        return "application/octet-stream";
    for (size_t i = 0; i < G_N_ELEMENTS(content_types); i++)
        if (g_ascii_strcasecmp(dot + 1, content_types[i].ext) == 0)
            return content_types[i].type;
    return "application/octet-stream";
}

bool mail_encoding_parse(const char *name, mime_cte *out)
{
    static const struct {
        const char *name;
        mime_cte cte;
    } names[] = {{"auto", MIME_CTE_UNKNOWN}, {"7bit", MIME_CTE_7BIT}, {"8bit", MIME_CTE_8BIT},
                 {"quoted-printable", MIME_CTE_QP}, {"qp", MIME_CTE_QP}, {"base64", MIME_CTE_BASE64}};
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++)
        if (g_ascii_strcasecmp(name, names[i].name) == 0) {
            *out = names[i].cte;
            return true;
        }
    return false;
}

/* Adds every address of `list` to the header `field`; false with err. */
static bool add_addresses(mime_out *o, const char *field, const char *const *list, GError **err)
{
    for (size_t i = 0; list && list[i]; i++) {
        char *display, *addr;
        if (!mail_address_parse(list[i], &display, &addr, err))
            return false;
        mime_out_address(o, field, display, addr);
        g_free(display);
        g_free(addr);
    }
    return true;
}

/* The headers of the top part. */
static bool add_headers(mime_out *top, const mail_compose_input *in, GError **err)
{
    char *display, *addr;
    if (!mail_address_parse(in->from, &display, &addr, err))
        return false;
    mime_out_address(top, "From", display, addr);
    const char *domain = strchr(addr, '@') + 1;
    bool ok = add_addresses(top, "To", in->to, err) && add_addresses(top, "Cc", in->cc, err);
    if (ok) {
        if (in->subject)
            mime_out_header(top, "Subject", in->subject);
        mime_out_date(top, in->date_unix_s, in->tz_minutes);
        mime_out_message_id(top, in->id_seed, domain);
    }
    g_free(display);
    g_free(addr);
    return ok;
}

GByteArray *mail_compose_build(const mail_compose_input *in, GError **err)
{
    const char *body = in->body ? in->body : "";
    size_t body_len = in->body ? in->body_len : 0;
    mime_out *text = mime_out_text_new("plain", body, body_len);
    if (!mime_out_text_set_encoding(text, in->encoding)) {
        g_set_error(err, MAIL_COMPOSE_ERROR, 2, "the body cannot be sent as %s (%s)", mime_cte_name(in->encoding),
                    in->encoding == MIME_CTE_7BIT ? "it has bytes beyond ASCII, a NUL or a line over 998 bytes"
                                                  : "it has a NUL or a line over 998 bytes");
        mime_out_free(text);
        return NULL;
    }
    mime_out *top = text;
    if (in->n_attach > 0) {
        top = mime_out_multipart_new("mixed");
        mime_out_add(top, text);
        for (size_t i = 0; i < in->n_attach; i++) {
            const mail_attachment *a = &in->attach[i];
            const char *type = a->type ? a->type : mail_content_type_guess(a->filename);
            if (!mime_out_add(top, mime_out_attachment_new(type, a->filename, a->data, a->len))) {
                g_set_error(err, MAIL_COMPOSE_ERROR, 3, "too many attachments (at most %d parts)", MIME_MAX_PARTS);
                mime_out_free(top);
                return NULL;
            }
        }
    }
    GByteArray *out = NULL;
    if (add_headers(top, in, err))
        out = mime_out_serialise(top);
    mime_out_free(top);
    return out;
}

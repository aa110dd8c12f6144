/*
 * ftp_codec: the reply parser and writer of FTP's control connection and
 * the data-port arguments (PORT, 227, EPRT, 229). See ftp_codec.h for the
 * grammar and the limits. The parser keeps the line being read in a
 * GString bounded by FTP_REPLY_MAX_LINE, so memory never grows past one
 * line plus the reply's stored lines (bounded by FTP_REPLY_MAX_LINES).
 */
#include "ftp_codec.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

struct ftp_reply_parser {
    GString *line;      /* the line being read, without its line end */
    ftp_reply reply;    /* the reply being read, or the last complete one */
    bool in_reply;      /* a first line was read, the last not yet */
    bool complete;      /* reply holds a complete reply */
    const char *error;  /* sticky failure, or NULL */
    size_t buffered;    /* bytes of the reply not yet complete */
};

ftp_reply_parser *ftp_reply_parser_new(void)
{
    ftp_reply_parser *p = g_new0(ftp_reply_parser, 1);
    p->line = g_string_sized_new(128);
    p->reply.lines = g_ptr_array_new_with_free_func(g_free);
    return p;
}

void ftp_reply_parser_free(ftp_reply_parser *p)
{
    if (!p)
        return;
    g_string_free(p->line, TRUE);
    g_ptr_array_free(p->reply.lines, TRUE);
    g_free(p);
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

static void fail(ftp_reply_parser *p, const char *why)
{
    p->error = why;
    g_string_truncate(p->line, 0);
}

/* A first line: three digits (first 1 to 5) then ' ' or '-'. */
static bool first_line(ftp_reply_parser *p, const char *s, size_t n)
{
    if (n < 4 || s[0] < '1' || s[0] > '5' || !is_digit(s[1]) || !is_digit(s[2]) ||
        (s[3] != ' ' && s[3] != '-')) {
        fail(p, "reply line does not start with a three-digit code and ' ' or '-'");
        return false;
    }
    p->reply.code = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
    g_ptr_array_add(p->reply.lines, g_strndup(s + 4, n - 4));
    if (s[3] == ' ')
        p->complete = true;
    else
        p->in_reply = true;
    return true;
}

/* One complete line (line end removed); false when the parser failed. */
static bool take_line(ftp_reply_parser *p)
{
    const char *s = p->line->str;
    size_t n = p->line->len;
    if (n > 0 && s[n - 1] == '\r')
        n--;
    if (!p->in_reply)
        return first_line(p, s, n);
    if (p->reply.lines->len >= FTP_REPLY_MAX_LINES) {
        fail(p, "reply has too many lines");
        return false;
    }
    char code[4];
    g_snprintf(code, sizeof code, "%03d", p->reply.code);
    if (n >= 4 && memcmp(s, code, 3) == 0 && s[3] == ' ') {
        g_ptr_array_add(p->reply.lines, g_strndup(s + 4, n - 4));
        p->in_reply = false;
        p->complete = true;
    } else {
        g_ptr_array_add(p->reply.lines, g_strndup(s, n));
    }
    return true;
}

size_t ftp_reply_parser_feed(ftp_reply_parser *p, const uint8_t *data, size_t len, ftp_reply_status *st)
{
    *st = FTP_REPLY_ERROR;
    if (p->error)
        return 0;
    if (p->complete) {
        p->complete = false;
        g_ptr_array_set_size(p->reply.lines, 0);
        p->reply.code = 0;
        p->buffered = 0;
    }
    size_t i = 0;
    while (i < len) {
        uint8_t c = data[i++];
        p->buffered++;
        if (c == '\n') {
            if (!take_line(p))
                return i;
            g_string_truncate(p->line, 0);
            if (p->complete) {
                p->buffered = 0;
                *st = FTP_REPLY_COMPLETE;
                return i;
            }
            continue;
        }
        if (c == 0) {
            fail(p, "reply line holds a NUL byte");
            return i;
        }
        if (p->line->len + 2 > FTP_REPLY_MAX_LINE) {
            fail(p, "reply line is too long");
            return i;
        }
        g_string_append_c(p->line, (char)c);
    }
    *st = FTP_REPLY_NEED_MORE;
    return i;
}

const ftp_reply *ftp_reply_parser_reply(const ftp_reply_parser *p)
{
    return p->complete ? &p->reply : NULL;
}

const char *ftp_reply_parser_error(const ftp_reply_parser *p) { return p->error; }

size_t ftp_reply_parser_buffered(const ftp_reply_parser *p) { return p->complete ? 0 : p->buffered; }

int ftp_reply_class(int code) { return code >= 100 && code <= 599 ? code / 100 : 0; }

char *ftp_reply_format(int code, const char *text)
{
    if (!text)
        text = "";
    GString *out = g_string_new(NULL);
    gchar **lines = g_strsplit(text, "\n", -1);
    guint n = g_strv_length(lines);
    if (n == 0) /* an empty text: g_strsplit gives no lines */
        g_string_append_printf(out, "%03d \r\n", code);
    for (guint i = 0; i < n; i++) {
        gchar *l = lines[i];
        size_t ll = strlen(l);
        if (ll > 0 && l[ll - 1] == '\r')
            l[--ll] = '\0';
        for (size_t k = 0; k < ll; k++)
            if (l[k] == '\r')
                l[k] = ' '; /* a lone CR inside a line could confuse a peer */
        if (n == 1)
            g_string_append_printf(out, "%03d %s\r\n", code, l);
        else if (i == 0)
            g_string_append_printf(out, "%03d-%s\r\n", code, l);
        else if (i + 1 == n)
            g_string_append_printf(out, "%03d %s\r\n", code, l);
        else
            g_string_append_printf(out, " %s\r\n", l);
    }
    g_strfreev(lines);
    return g_string_free(out, FALSE);
}

/* A decimal number of 1 to `maxdig` digits at *s, at most `max`. */
static bool parse_num(const char **s, unsigned max, unsigned maxdig, unsigned *out)
{
    const char *p = *s;
    unsigned v = 0, d = 0;
    while (is_digit(*p)) {
        if (++d > maxdig)
            return false;
        v = v * 10 + (unsigned)(*p - '0');
        p++;
    }
    if (d == 0 || v > max)
        return false;
    *s = p;
    *out = v;
    return true;
}

/* Six comma-separated numbers 0 to 255 at s; *end after the sixth. */
static bool parse_six(const char *s, ftp_hostport *out, const char **end)
{
    unsigned v[6];
    for (int i = 0; i < 6; i++) {
        if (i > 0 && *s++ != ',')
            return false;
        if (!parse_num(&s, 255, 3, &v[i]))
            return false;
    }
    memset(out, 0, sizeof *out);
    g_snprintf(out->host, sizeof out->host, "%u.%u.%u.%u", v[0], v[1], v[2], v[3]);
    out->port = (uint16_t)(v[4] * 256 + v[5]);
    out->family = 1;
    *end = s;
    return true;
}

bool ftp_parse_port(const char *arg, ftp_hostport *out)
{
    const char *end;
    ftp_hostport hp;
    if (!arg || !parse_six(arg, &hp, &end) || *end != '\0')
        return false;
    *out = hp;
    return true;
}

bool ftp_parse_227(const char *text, ftp_hostport *out)
{
    if (!text)
        return false;
    for (const char *s = text; *s; s++) {
        if (!is_digit(*s) || (s > text && is_digit(s[-1])))
            continue;
        const char *end;
        ftp_hostport hp;
        if (parse_six(s, &hp, &end)) {
            *out = hp;
            return true;
        }
    }
    return false;
}

/* Whether `host` is an address literal of EPRT's family 1 or 2. */
static bool literal_of(int family, const char *host)
{
    unsigned char buf[16];
    if (family == 1)
        return inet_pton(AF_INET, host, buf) == 1;
    if (family == 2)
        return inet_pton(AF_INET6, host, buf) == 1;
    return false;
}

bool ftp_parse_eprt(const char *arg, ftp_hostport *out)
{
    if (!arg || arg[0] < 33 || arg[0] > 126)
        return false;
    char d = arg[0];
    const char *s = arg + 1;
    unsigned fam, port;
    if (!parse_num(&s, 2, 1, &fam) || fam < 1 || *s++ != d)
        return false;
    const char *a = s;
    while (*s && *s != d)
        s++;
    size_t alen = (size_t)(s - a);
    if (*s != d || alen == 0 || alen >= sizeof out->host)
        return false;
    s++;
    if (!parse_num(&s, 65535, 5, &port) || port == 0 || *s++ != d || *s != '\0')
        return false;
    ftp_hostport hp;
    memset(&hp, 0, sizeof hp);
    memcpy(hp.host, a, alen);
    hp.family = (int)fam;
    hp.port = (uint16_t)port;
    if (!literal_of(hp.family, hp.host))
        return false;
    *out = hp;
    return true;
}

bool ftp_parse_229(const char *text, uint16_t *port)
{
    if (!text)
        return false;
    for (const char *s = strchr(text, '('); s; s = strchr(s + 1, '(')) {
        char d = s[1];
        if (d < 33 || d > 126 || s[2] != d || s[3] != d)
            continue;
        const char *p = s + 4;
        unsigned v;
        if (parse_num(&p, 65535, 5, &v) && v > 0 && p[0] == d && p[1] == ')') {
            *port = (uint16_t)v;
            return true;
        }
    }
    return false;
}

static bool ipv4_bytes(const ftp_hostport *hp, unsigned char b[4])
{
    return hp && hp->family == 1 && memchr(hp->host, '\0', sizeof hp->host) &&
           inet_pton(AF_INET, hp->host, b) == 1;
}

char *ftp_format_port(const ftp_hostport *hp)
{
    unsigned char b[4];
    if (!ipv4_bytes(hp, b))
        return NULL;
    return g_strdup_printf("%u,%u,%u,%u,%u,%u", b[0], b[1], b[2], b[3], hp->port >> 8, hp->port & 255u);
}

char *ftp_format_227(const ftp_hostport *hp)
{
    char *port = ftp_format_port(hp);
    if (!port)
        return NULL;
    char *text = g_strdup_printf("Entering Passive Mode (%s)", port);
    g_free(port);
    return text;
}

char *ftp_format_eprt(const ftp_hostport *hp)
{
    if (!hp || !memchr(hp->host, '\0', sizeof hp->host) || !literal_of(hp->family, hp->host) ||
        hp->port == 0)
        return NULL;
    return g_strdup_printf("|%d|%s|%u|", hp->family, hp->host, (unsigned)hp->port);
}

char *ftp_format_229(uint16_t port)
{
    return g_strdup_printf("Entering Extended Passive Mode (|||%u|)", (unsigned)port);
}

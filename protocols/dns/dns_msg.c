/*
 * dns_msg: the message and record structs, their names and copies (see
 * dns_msg.h). The wire codec is dns_wire.c, the text forms dns_text.c.
 */
#include "dns_msg.h"

#include <string.h>

static const struct {
    uint16_t type;
    const char *name;
} type_names[] = {
    {DNS_T_A, "A"},     {DNS_T_NS, "NS"},   {DNS_T_CNAME, "CNAME"}, {DNS_T_SOA, "SOA"},
    {DNS_T_PTR, "PTR"}, {DNS_T_MX, "MX"},   {DNS_T_TXT, "TXT"},     {DNS_T_AAAA, "AAAA"},
    {DNS_T_OPT, "OPT"}, {DNS_T_ANY, "ANY"},
};

const char *dns_type_name(uint16_t type)
{
    for (size_t i = 0; i < G_N_ELEMENTS(type_names); i++)
        if (type_names[i].type == type)
            return type_names[i].name;
    return NULL;
}

uint16_t dns_type_parse(const char *text)
{
    for (size_t i = 0; i < G_N_ELEMENTS(type_names); i++)
        if (g_ascii_strcasecmp(type_names[i].name, text) == 0)
            return type_names[i].type;
    if (g_ascii_strncasecmp(text, "TYPE", 4) == 0 && text[4]) {
        guint64 v = 0;
        if (g_ascii_string_to_unsigned(text + 4, 10, 1, 65535, &v, NULL))
            return (uint16_t)v;
    }
    return 0;
}

const char *dns_rcode_name(uint16_t rcode)
{
    switch (rcode) {
    case DNS_RCODE_NOERROR: return "NOERROR";
    case DNS_RCODE_FORMERR: return "FORMERR";
    case DNS_RCODE_SERVFAIL: return "SERVFAIL";
    case DNS_RCODE_NXDOMAIN: return "NXDOMAIN";
    case DNS_RCODE_NOTIMP: return "NOTIMP";
    case DNS_RCODE_REFUSED: return "REFUSED";
    case DNS_RCODE_BADVERS: return "BADVERS";
    default: return NULL;
    }
}

const char *dns_status_name(dns_status s)
{
    switch (s) {
    case DNS_OK: return "ok";
    case DNS_E_SHORT: return "message ends too early";
    case DNS_E_TRAILING: return "bytes after the last record";
    case DNS_E_POINTER: return "compression pointer not pointing backwards";
    case DNS_E_LABEL: return "unknown label type";
    case DNS_E_NAME_LONG: return "name longer than 255 bytes";
    case DNS_E_RDATA: return "record data of the wrong length";
    case DNS_E_QDCOUNT: return "more than one question";
    case DNS_E_OPT: return "misplaced or repeated OPT record";
    case DNS_E_TOO_BIG: return "header and question exceed the size limit";
    case DNS_E_BAD_FIELD: return "a field that cannot be encoded";
    }
    return "?";
}

void dns_rr_clear(dns_rr *rr)
{
    g_free(rr->name);
    g_free(rr->target);
    g_free(rr->rname);
    g_free(rr->rdata);
    memset(rr, 0, sizeof *rr);
}

static void rr_clear_cb(gpointer p) { dns_rr_clear(p); }

void dns_rr_copy(dns_rr *dst, const dns_rr *src)
{
    *dst = *src;
    dst->name = g_strdup(src->name);
    dst->target = g_strdup(src->target);
    dst->rname = g_strdup(src->rname);
    dst->rdata = src->rdlen ? g_memdup2(src->rdata, src->rdlen) : NULL;
}

static bool str_eq_name(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return dns_name_eq(a, b);
}

bool dns_rr_same_data(const dns_rr *a, const dns_rr *b)
{
    if (a->type != b->type || a->rclass != b->rclass || !str_eq_name(a->name, b->name))
        return false;
    switch (a->type) {
    case DNS_T_A: return memcmp(a->addr, b->addr, 4) == 0;
    case DNS_T_AAAA: return memcmp(a->addr, b->addr, 16) == 0;
    case DNS_T_NS:
    case DNS_T_CNAME:
    case DNS_T_PTR: return str_eq_name(a->target, b->target);
    case DNS_T_MX: return a->pref == b->pref && str_eq_name(a->target, b->target);
    case DNS_T_SOA:
        return str_eq_name(a->target, b->target) && str_eq_name(a->rname, b->rname) &&
               a->serial == b->serial && a->refresh == b->refresh && a->retry == b->retry &&
               a->expire == b->expire && a->minimum == b->minimum;
    default:
        return a->rdlen == b->rdlen && (a->rdlen == 0 || memcmp(a->rdata, b->rdata, a->rdlen) == 0);
    }
}

void dns_msg_init(dns_msg *m)
{
    memset(m, 0, sizeof *m);
    for (int s = 0; s < DNS_SEC__COUNT; s++) {
        m->sec[s] = g_array_new(FALSE, TRUE, sizeof(dns_rr));
        g_array_set_clear_func(m->sec[s], rr_clear_cb);
    }
}

void dns_msg_clear(dns_msg *m)
{
    for (int s = 0; s < DNS_SEC__COUNT; s++)
        if (m->sec[s])
            g_array_unref(m->sec[s]);
    g_free(m->qname);
    dns_msg_init(m);
}

void dns_msg_set_question(dns_msg *m, const char *qname, uint16_t qtype, uint16_t qclass)
{
    g_free(m->qname);
    m->qname = g_strdup(qname);
    m->qtype = qtype;
    m->qclass = qclass;
    m->has_question = true;
}

dns_rr *dns_msg_add_rr(dns_msg *m, dns_section sec)
{
    g_array_set_size(m->sec[sec], m->sec[sec]->len + 1);
    dns_rr *rr = &g_array_index(m->sec[sec], dns_rr, m->sec[sec]->len - 1);
    rr->rclass = DNS_CLASS_IN;
    return rr;
}

dns_rr *dns_msg_add_copy(dns_msg *m, dns_section sec, const dns_rr *src)
{
    dns_rr tmp;
    dns_rr_copy(&tmp, src);
    g_array_append_val(m->sec[sec], tmp);
    return &g_array_index(m->sec[sec], dns_rr, m->sec[sec]->len - 1);
}

guint dns_msg_count(const dns_msg *m, dns_section sec) { return m->sec[sec]->len; }

dns_rr *dns_msg_rr(const dns_msg *m, dns_section sec, guint i)
{
    return &g_array_index(m->sec[sec], dns_rr, i);
}

/*
 * dns_wire: the wire codec of dns_msg.h: dns_msg_decode, dns_msg_encode,
 * dns_msg_encode_tcp and the sans-IO reader of DNS over TCP.
 *
 * Decoding walks the message once. A name is read label by label; a
 * compression pointer must point strictly before the place where the
 * current run of labels started (the name's first byte, then each
 * pointer's target in turn), so every jump goes backwards and no loop can
 * form; the hops are capped at 128 besides. Every read is checked against
 * the message's length first.
 *
 * Encoding writes into the caller's GByteArray and, on any failure, puts
 * its length back. Compression keeps a table from the wire form of every
 * name suffix written so far (exact bytes: a suffix spelled in another case
 * is not reused, so the decoded names keep their case) to its offset; the
 * table is only looked up, never iterated, so its order does not matter.
 * Records are written in order until one does not fit in the limit; that
 * one and every later one are left out (the room for the OPT record is
 * kept aside first). A limit over 65535 is taken as 65535; one under 512
 * is used as given (DNS_E_TOO_BIG when not even the header, the question
 * and the OPT record fit). The header's Z bit and the OPT record's
 * options and flags other than DO are not carried.
 *
 * Costs: decoding O(len) (a name costs at most 255 bytes and 128 hops);
 * encoding O(total size of names) hash work plus O(size) copying.
 */
#include "dns_msg.h"

#include <string.h>

/* ---- reading ------------------------------------------------------------ */

#define MAX_HOPS 128

static uint16_t get16(const uint8_t *p) { return (uint16_t)((p[0] << 8) | p[1]); }

static uint32_t get32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/* Reads the name at buf[*pos] into a new canonical string (*out). Its
 * bytes in place must end by `end` (else `over`: DNS_E_SHORT for a name
 * of its own, DNS_E_RDATA for one inside RDATA); what a pointer leads to
 * must end by `len`. On success *pos is just after the name's bytes in
 * place (after its first pointer, or its root zero). */
static dns_status read_name(const uint8_t *buf, size_t len, size_t end, dns_status over,
                            size_t *pos, char **out)
{
    size_t p = *pos;
    size_t bound = end;
    size_t limit = p;  /* a pointer must point strictly before this */
    size_t after = 0;  /* where the name ends in place, once a pointer is taken */
    bool jumped = false;
    int hops = 0;
    size_t wire = 1;   /* the root's zero byte */
    GString *s = g_string_new(NULL);
    dns_status st = DNS_OK;
    for (;;) {
        if (p >= bound) {
            st = over;
            break;
        }
        uint8_t c = buf[p];
        if (c == 0) {
            p++;
            break;
        }
        if ((c & 0xC0) == 0xC0) {
            if (p + 1 >= bound) {
                st = over;
                break;
            }
            size_t target = ((size_t)(c & 0x3F) << 8) | buf[p + 1];
            if (target >= limit || ++hops > MAX_HOPS) {
                st = DNS_E_POINTER;
                break;
            }
            if (!jumped) {
                after = p + 2;
                jumped = true;
                bound = len;
                over = DNS_E_SHORT;
            }
            limit = target;
            p = target;
            continue;
        }
        if (c & 0xC0) {
            st = DNS_E_LABEL;
            break;
        }
        wire += 1 + c;
        if (wire > DNS_NAME_WIRE_MAX) {
            st = DNS_E_NAME_LONG;
            break;
        }
        if (p + 1 + c > bound) {
            st = over;
            break;
        }
        dns_name_append_label(s, buf + p + 1, c);
        p += 1 + (size_t)c;
    }
    if (st != DNS_OK) {
        g_string_free(s, TRUE);
        return st;
    }
    *pos = jumped ? after : p;
    *out = g_string_free(s, FALSE);
    return DNS_OK;
}

/* Reads a name inside RDATA that ends at `end`. */
static dns_status read_rdata_name(const uint8_t *buf, size_t len, size_t *pos, size_t end,
                                  char **out)
{
    return read_name(buf, len, end, DNS_E_RDATA, pos, out);
}

/* Whether rdata[0, len) is one or more length-prefixed character strings
 * exactly filling it. */
static bool txt_ok(const uint8_t *rdata, size_t len)
{
    if (len == 0)
        return false;
    size_t p = 0;
    while (p < len)
        p += 1 + (size_t)rdata[p];
    return p == len;
}

/* Reads the RDATA of `rr` (type already set) from buf[pos, pos + rdlen). */
static dns_status read_rdata(const uint8_t *buf, size_t len, size_t pos, uint16_t rdlen,
                             dns_rr *rr)
{
    size_t end = pos + rdlen;
    size_t p = pos;
    dns_status st;
    switch (rr->type) {
    case DNS_T_A:
    case DNS_T_AAAA: {
        size_t want = rr->type == DNS_T_A ? 4 : 16;
        if (rdlen != want)
            return DNS_E_RDATA;
        memcpy(rr->addr, buf + pos, want);
        return DNS_OK;
    }
    case DNS_T_NS:
    case DNS_T_CNAME:
    case DNS_T_PTR:
        if ((st = read_rdata_name(buf, len, &p, end, &rr->target)) != DNS_OK)
            return st;
        return p == end ? DNS_OK : DNS_E_RDATA;
    case DNS_T_MX:
        if (rdlen < 3)
            return DNS_E_RDATA;
        rr->pref = get16(buf + pos);
        p += 2;
        if ((st = read_rdata_name(buf, len, &p, end, &rr->target)) != DNS_OK)
            return st;
        return p == end ? DNS_OK : DNS_E_RDATA;
    case DNS_T_SOA:
        if ((st = read_rdata_name(buf, len, &p, end, &rr->target)) != DNS_OK)
            return st;
        if ((st = read_rdata_name(buf, len, &p, end, &rr->rname)) != DNS_OK)
            return st;
        if (end - p != 20)
            return DNS_E_RDATA;
        rr->serial = get32(buf + p);
        rr->refresh = get32(buf + p + 4);
        rr->retry = get32(buf + p + 8);
        rr->expire = get32(buf + p + 12);
        rr->minimum = get32(buf + p + 16);
        return DNS_OK;
    default:
        /* TXT and unknown types keep their raw RDATA. */
        if (rr->type == DNS_T_TXT && !txt_ok(buf + pos, rdlen))
            return DNS_E_RDATA;
        rr->rdlen = rdlen;
        rr->rdata = rdlen ? g_memdup2(buf + pos, rdlen) : NULL;
        return DNS_OK;
    }
}

static dns_status decode(const uint8_t *buf, size_t len, dns_msg *m)
{
    if (len < DNS_HEADER_LEN)
        return DNS_E_SHORT;
    m->id = get16(buf);
    uint8_t f1 = buf[2], f2 = buf[3];
    m->qr = f1 & 0x80;
    m->opcode = (f1 >> 3) & 0x0F;
    m->aa = f1 & 0x04;
    m->tc = f1 & 0x02;
    m->rd = f1 & 0x01;
    m->ra = f2 & 0x80;
    m->ad = f2 & 0x20;
    m->cd = f2 & 0x10;
    m->rcode = f2 & 0x0F;
    uint16_t qd = get16(buf + 4);
    uint16_t count[DNS_SEC__COUNT] = {get16(buf + 6), get16(buf + 8), get16(buf + 10)};
    if (qd > 1)
        return DNS_E_QDCOUNT;
    size_t pos = DNS_HEADER_LEN;
    dns_status st;
    if (qd == 1) {
        if ((st = read_name(buf, len, len, DNS_E_SHORT, &pos, &m->qname)) != DNS_OK)
            return st;
        if (len - pos < 4)
            return DNS_E_SHORT;
        m->qtype = get16(buf + pos);
        m->qclass = get16(buf + pos + 2);
        m->has_question = true;
        pos += 4;
    }
    for (int sec = 0; sec < DNS_SEC__COUNT; sec++) {
        for (unsigned i = 0; i < count[sec]; i++) {
            char *name = NULL;
            if ((st = read_name(buf, len, len, DNS_E_SHORT, &pos, &name)) != DNS_OK)
                return st;
            if (len - pos < 10) {
                g_free(name);
                return DNS_E_SHORT;
            }
            uint16_t type = get16(buf + pos);
            uint16_t rclass = get16(buf + pos + 2);
            uint32_t ttl = get32(buf + pos + 4);
            uint16_t rdlen = get16(buf + pos + 8);
            pos += 10;
            if (len - pos < rdlen) {
                g_free(name);
                return DNS_E_SHORT;
            }
            if (type == DNS_T_OPT) {
                bool root = name[0] == '\0';
                g_free(name);
                if (sec != DNS_SEC_ADDITIONAL || !root || m->edns)
                    return DNS_E_OPT;
                /* The options (RFC 6891 6.1.2) are skipped. */
                m->edns = true;
                m->edns_udp_size = rclass;
                m->rcode = (uint16_t)((ttl >> 24) << 4 | (m->rcode & 0x0F));
                m->edns_version = (uint8_t)(ttl >> 16);
                m->edns_do = ttl & 0x8000;
                pos += rdlen;
                continue;
            }
            dns_rr *rr = dns_msg_add_rr(m, (dns_section)sec);
            rr->name = name;
            rr->type = type;
            rr->rclass = rclass;
            rr->ttl = ttl;
            if ((st = read_rdata(buf, len, pos, rdlen, rr)) != DNS_OK)
                return st;
            pos += rdlen;
        }
    }
    return pos == len ? DNS_OK : DNS_E_TRAILING;
}

dns_status dns_msg_decode(const uint8_t *buf, size_t len, dns_msg *out)
{
    dns_msg_clear(out);
    dns_status st = decode(buf, len, out);
    if (st != DNS_OK) {
        bool header = len >= DNS_HEADER_LEN;
        uint16_t id = out->id;
        uint8_t opcode = out->opcode;
        bool rd = out->rd;
        dns_msg_clear(out);
        if (header) {
            out->id = id;
            out->opcode = opcode;
            out->rd = rd;
        }
    }
    return st;
}

/* ---- writing ------------------------------------------------------------ */

typedef struct {
    GByteArray *out;
    size_t base;           /* the message's first byte in out */
    GHashTable *suffixes;  /* GBytes (wire form of a suffix) -> offset + 1 */
} writer;

static void put16(GByteArray *b, uint16_t v)
{
    uint8_t x[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    g_byte_array_append(b, x, 2);
}

static void put32(GByteArray *b, uint32_t v)
{
    uint8_t x[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    g_byte_array_append(b, x, 4);
}

static void set16(GByteArray *b, size_t at, uint16_t v)
{
    b->data[at] = (uint8_t)(v >> 8);
    b->data[at + 1] = (uint8_t)v;
}

/* Writes a canonical name, compressed against (and adding to) the suffix
 * table when `compress`. The name must have been checked. */
static void write_name(writer *w, const char *name, bool compress)
{
    uint8_t wire[DNS_NAME_WIRE_MAX];
    size_t n = dns_name_to_wire(name, wire);
    size_t i = 0;
    while (wire[i] != 0) {
        if (compress) {
            GBytes *key = g_bytes_new(wire + i, n - i);
            gpointer found = g_hash_table_lookup(w->suffixes, key);
            if (found) {
                g_bytes_unref(key);
                put16(w->out, (uint16_t)(0xC000 | (GPOINTER_TO_UINT(found) - 1)));
                return;
            }
            size_t off = w->out->len - w->base;
            if (off <= 0x3FFF)
                g_hash_table_insert(w->suffixes, key, GUINT_TO_POINTER((guint)off + 1));
            else
                g_bytes_unref(key);
        }
        g_byte_array_append(w->out, wire + i, 1 + (guint)wire[i]);
        i += 1 + (size_t)wire[i];
    }
    g_byte_array_append(w->out, wire + i, 1);
}

static bool name_ok(const char *name)
{
    uint8_t wire[DNS_NAME_WIRE_MAX];
    return name && dns_name_to_wire(name, wire) > 0;
}

/* Whether the record can be encoded at all. */
static bool rr_ok(const dns_rr *rr)
{
    if (!name_ok(rr->name) || rr->type == DNS_T_OPT)
        return false;
    switch (rr->type) {
    case DNS_T_A:
    case DNS_T_AAAA: return true;
    case DNS_T_NS:
    case DNS_T_CNAME:
    case DNS_T_PTR:
    case DNS_T_MX: return name_ok(rr->target);
    case DNS_T_SOA: return name_ok(rr->target) && name_ok(rr->rname);
    case DNS_T_TXT: return rr->rdata && txt_ok(rr->rdata, rr->rdlen);
    default: return rr->rdlen == 0 || rr->rdata != NULL;
    }
}

/* Writes one record; false when its RDATA would exceed 65535 bytes (which
 * the checked fields cannot reach, but the count is kept honest). */
static bool write_rr(writer *w, const dns_rr *rr)
{
    write_name(w, rr->name, true);
    put16(w->out, rr->type);
    put16(w->out, rr->rclass);
    put32(w->out, rr->ttl);
    size_t at = w->out->len;
    put16(w->out, 0);
    switch (rr->type) {
    case DNS_T_A: g_byte_array_append(w->out, rr->addr, 4); break;
    case DNS_T_AAAA: g_byte_array_append(w->out, rr->addr, 16); break;
    case DNS_T_NS:
    case DNS_T_CNAME:
    case DNS_T_PTR: write_name(w, rr->target, true); break;
    case DNS_T_MX:
        put16(w->out, rr->pref);
        write_name(w, rr->target, true);
        break;
    case DNS_T_SOA:
        write_name(w, rr->target, true);
        write_name(w, rr->rname, true);
        put32(w->out, rr->serial);
        put32(w->out, rr->refresh);
        put32(w->out, rr->retry);
        put32(w->out, rr->expire);
        put32(w->out, rr->minimum);
        break;
    default:
        if (rr->rdlen)
            g_byte_array_append(w->out, rr->rdata, rr->rdlen);
        break;
    }
    size_t rdlen = w->out->len - at - 2;
    if (rdlen > 0xFFFF)
        return false;
    set16(w->out, at, (uint16_t)rdlen);
    return true;
}

#define OPT_LEN 11 /* root, type, class, TTL, RDLENGTH 0 */

dns_status dns_msg_encode(const dns_msg *m, size_t max, GByteArray *out, bool *truncated)
{
    if (truncated)
        *truncated = false;
    if (max > DNS_MSG_MAX)
        max = DNS_MSG_MAX;
    if (m->rcode > 0xFFF || (m->rcode > 0x0F && !m->edns) || m->opcode > 0x0F)
        return DNS_E_BAD_FIELD;
    if (m->has_question && !name_ok(m->qname))
        return DNS_E_BAD_FIELD;
    for (int sec = 0; sec < DNS_SEC__COUNT; sec++)
        for (guint i = 0; i < m->sec[sec]->len; i++)
            if (!rr_ok(&g_array_index(m->sec[sec], dns_rr, i)))
                return DNS_E_BAD_FIELD;

    writer w = {out, out->len, g_hash_table_new_full(g_bytes_hash, g_bytes_equal,
                                                     (GDestroyNotify)g_bytes_unref, NULL)};
    uint8_t f1 = (uint8_t)((m->qr ? 0x80 : 0) | (m->opcode << 3) | (m->aa ? 0x04 : 0) |
                           (m->rd ? 0x01 : 0));
    uint8_t f2 = (uint8_t)((m->ra ? 0x80 : 0) | (m->ad ? 0x20 : 0) | (m->cd ? 0x10 : 0) |
                           (m->rcode & 0x0F));
    put16(out, m->id);
    g_byte_array_append(out, (uint8_t[]){f1, f2}, 2);
    put16(out, m->has_question ? 1 : 0);
    put16(out, 0);
    put16(out, 0);
    put16(out, 0);
    if (m->has_question) {
        write_name(&w, m->qname, true);
        put16(out, m->qtype);
        put16(out, m->qclass);
    }
    size_t room = m->edns ? OPT_LEN : 0;
    dns_status st = DNS_OK;
    if (out->len - w.base + room > max) {
        st = DNS_E_TOO_BIG;
        goto done;
    }
    size_t budget = max - room;
    uint16_t written[DNS_SEC__COUNT] = {0, 0, 0};
    bool cut = false, tc = m->tc;
    for (int sec = 0; sec < DNS_SEC__COUNT && !cut; sec++) {
        for (guint i = 0; i < m->sec[sec]->len; i++) {
            size_t mark = out->len;
            if (written[sec] == 0xFFFF || !write_rr(&w, &g_array_index(m->sec[sec], dns_rr, i)) ||
                out->len - w.base > budget) {
                /* Suffixes this record added point past the cut; no name
                 * is written after it, so they are never looked up. */
                g_byte_array_set_size(out, (guint)mark);
                cut = true;
                if (sec != DNS_SEC_ADDITIONAL)
                    tc = true;
                break;
            }
            written[sec]++;
        }
    }
    if (m->edns) {
        g_byte_array_append(out, (const uint8_t[]){0, 0, DNS_T_OPT}, 3);
        put16(out, m->edns_udp_size);
        put32(out, (uint32_t)(m->rcode >> 4) << 24 | (uint32_t)m->edns_version << 16 |
                       (m->edns_do ? 0x8000u : 0));
        put16(out, 0);
    }
    if (tc)
        out->data[w.base + 2] |= 0x02;
    set16(out, w.base + 6, written[DNS_SEC_ANSWER]);
    set16(out, w.base + 8, written[DNS_SEC_AUTHORITY]);
    set16(out, w.base + 10, (uint16_t)(written[DNS_SEC_ADDITIONAL] + (m->edns ? 1 : 0)));
    if (truncated)
        *truncated = cut;
done:
    g_hash_table_unref(w.suffixes);
    if (st != DNS_OK)
        g_byte_array_set_size(out, (guint)w.base);
    return st;
}

dns_status dns_msg_encode_tcp(const dns_msg *m, GByteArray *out)
{
    size_t at = out->len;
    put16(out, 0);
    bool cut = false;
    dns_status st = dns_msg_encode(m, DNS_MSG_MAX, out, &cut);
    if (st != DNS_OK) {
        g_byte_array_set_size(out, (guint)at);
        return st;
    }
    set16(out, at, (uint16_t)(out->len - at - 2));
    return DNS_OK;
}

/* ---- DNS over TCP ------------------------------------------------------- */

void dns_tcp_reader_init(dns_tcp_reader *r)
{
    memset(r, 0, sizeof *r);
    r->buf = g_byte_array_new();
}

void dns_tcp_reader_clear(dns_tcp_reader *r)
{
    if (r->buf)
        g_byte_array_unref(r->buf);
    memset(r, 0, sizeof *r);
}

/* The bytes the buffered message needs in all (prefix included), or 0
 * while the prefix is incomplete. */
static size_t frame_len(const dns_tcp_reader *r)
{
    if (r->buf->len < 2)
        return 0;
    return 2 + (size_t)get16(r->buf->data);
}

size_t dns_tcp_reader_feed(dns_tcp_reader *r, const uint8_t *data, size_t len)
{
    if (r->failed)
        return 0;
    if (r->consumed) {
        g_byte_array_set_size(r->buf, 0);
        r->consumed = false;
    }
    size_t taken = 0;
    while (taken < len) {
        size_t want = frame_len(r);
        if (want == 0) {
            g_byte_array_append(r->buf, data + taken, 1);
            taken++;
            if (r->buf->len == 2 && get16(r->buf->data) < DNS_HEADER_LEN) {
                r->failed = true;
                break;
            }
            continue;
        }
        if (r->buf->len >= want)
            break;
        size_t n = MIN(want - r->buf->len, len - taken);
        g_byte_array_append(r->buf, data + taken, (guint)n);
        taken += n;
    }
    return taken;
}

bool dns_tcp_reader_next(dns_tcp_reader *r, const uint8_t **msg, size_t *len)
{
    if (r->failed || r->consumed)
        return false;
    size_t want = frame_len(r);
    if (want == 0 || r->buf->len < want)
        return false;
    *msg = r->buf->data + 2;
    *len = want - 2;
    r->consumed = true;
    return true;
}

bool dns_tcp_reader_failed(const dns_tcp_reader *r) { return r->failed; }

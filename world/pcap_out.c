/*
 * pcap_out: packet traces of a simulation, one pcap file per link (see
 * pcap_out.h for the frames written).
 *
 * At creation every link direction's trace source id is mapped to its
 * link's file and to the addresses of its two ends, in a table indexed by
 * source id (ids are small and dense), so a TX_START record costs one
 * lookup. Each frame is built in one reusable buffer big enough for the
 * largest IPv4 datagram, then written with one pcap record header.
 *
 * The pcap format (libpcap, version 2.4): a 24-byte file header (magic
 * 0xa1b2c3d4, version, time zone, accuracy, snap length, link type), then
 * per packet a 16-byte record header (seconds, microseconds, captured
 * length, original length) followed by the captured bytes. We write the
 * headers in little-endian order (readers detect it from the magic) and
 * the packet bytes in network order.
 */
#include "pcap_out.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "sim/sim_trace.h"

enum {
    PCAP_SNAPLEN = 262144, /* what tcpdump uses; larger than any frame here */
    PCAP_LINKTYPE_ETHERNET = 1,
    ETH_HDR = 14,
    IP_HDR = 20,
    TCP_HDR = 20,
    UDP_HDR = 8,
    IP_MAX = 65535,        /* the IPv4 total length field */
    IP_PROTO_EXPERIMENT = 253,
    FRAME_MAX = ETH_HDR + IP_MAX,
    NO_FILE = -1,
};

typedef struct {
    FILE *f;
    char *path;
} pcap_file;

/* What a trace source (one link direction) maps to. */
typedef struct {
    int32_t file;          /* index into files, or NO_FILE */
    uint32_t from, to;     /* node addresses of the direction's two ends */
} src_map;

struct pcap_out {
    net_t *net;
    unsigned sub;          /* trace subscription, 0 when none */
    pcap_file *files;      /* one per link, in link order */
    uint32_t nfiles;
    src_map *by_src;       /* indexed by trace source id */
    uint32_t nsrc;
    uint64_t packets;
    uint8_t *frame;        /* FRAME_MAX bytes */
    GError *write_err;     /* the first write failure, or NULL */
};

/* ---- byte order and checksums -------------------------------------- */

static void put_be16(uint8_t *b, uint16_t v)
{
    b[0] = (uint8_t)(v >> 8);
    b[1] = (uint8_t)v;
}

static void put_be32(uint8_t *b, uint32_t v)
{
    b[0] = (uint8_t)(v >> 24);
    b[1] = (uint8_t)(v >> 16);
    b[2] = (uint8_t)(v >> 8);
    b[3] = (uint8_t)v;
}

static void put_le16(uint8_t *b, uint16_t v)
{
    b[0] = (uint8_t)v;
    b[1] = (uint8_t)(v >> 8);
}

static void put_le32(uint8_t *b, uint32_t v)
{
    b[0] = (uint8_t)v;
    b[1] = (uint8_t)(v >> 8);
    b[2] = (uint8_t)(v >> 16);
    b[3] = (uint8_t)(v >> 24);
}

/* Adds `len` bytes to a running one's-complement sum (RFC 1071), as 16-bit
 * big-endian words; an odd last byte is padded with zero. Callers add
 * even-length pieces except possibly the last. A 64-bit accumulator cannot
 * overflow for any datagram. */
static uint64_t csum_add(uint64_t sum, const uint8_t *b, size_t len)
{
    size_t i = 0;
    for (; i + 1 < len; i += 2)
        sum += (uint64_t)b[i] << 8 | b[i + 1];
    if (i < len)
        sum += (uint64_t)b[i] << 8;
    return sum;
}

static uint16_t csum_fold(uint64_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

/* ---- addresses ------------------------------------------------------ */

static void mac_of(uint8_t *b, uint32_t addr)
{
    b[0] = 0x02; /* locally administered, unicast */
    b[1] = 0x00;
    put_be32(b + 2, addr);
}

/* ---- writing ---------------------------------------------------------- */

static void note_write_error(pcap_out *p, const pcap_file *pf, int errsv)
{
    if (p->write_err)
        return;
    g_set_error(&p->write_err, G_FILE_ERROR, g_file_error_from_errno(errsv),
                "cannot write %s: %s", pf->path, g_strerror(errsv));
}

static void write_bytes(pcap_out *p, pcap_file *pf, const uint8_t *b, size_t len)
{
    errno = 0;
    if (fwrite(b, 1, len, pf->f) != len)
        note_write_error(p, pf, errno ? errno : EIO);
}

/* Builds the frame of `pkt` on the hop `m` into p->frame; returns the
 * captured length and sets *orig to the original length. */
static size_t build_frame(pcap_out *p, const pkt_t *pkt, const src_map *m, uint32_t *orig)
{
    uint8_t *eth = p->frame, *ip = eth + ETH_HDR, *l4 = ip + IP_HDR;
    uint8_t proto;
    size_t l4_hdr;
    switch (pkt->proto) {
    case PKT_PROTO_TCP:
        proto = PKT_PROTO_TCP;
        l4_hdr = TCP_HDR;
        break;
    case PKT_PROTO_UDP:
        proto = PKT_PROTO_UDP;
        l4_hdr = UDP_HDR;
        break;
    default: /* raw, or a protocol number of the caller's: no header */
        proto = pkt->proto == PKT_PROTO_RAW ? IP_PROTO_EXPERIMENT : pkt->proto;
        l4_hdr = 0;
        break;
    }
    size_t payload = MIN((size_t)pkt->len, (size_t)IP_MAX - IP_HDR - l4_hdr);
    size_t ip_total = IP_HDR + l4_hdr + payload;
    uint8_t *data = l4 + l4_hdr;
    bool real = pkt->data != NULL && payload > 0;

    /* Ethernet II */
    mac_of(eth, m->to);
    mac_of(eth + 6, m->from);
    put_be16(eth + 12, 0x0800);

    /* IPv4 */
    uint32_t src = net_ipv4_of(pkt->src), dst = net_ipv4_of(pkt->dst); /* the network's one rule */
    ip[0] = 0x45; /* version 4, 5 words */
    ip[1] = 0;
    put_be16(ip + 2, (uint16_t)ip_total);
    put_be16(ip + 4, (uint16_t)pkt->id);
    put_be16(ip + 6, 0x4000); /* don't fragment */
    ip[8] = pkt->ttl;
    ip[9] = proto;
    put_be16(ip + 10, 0);
    put_be32(ip + 12, src);
    put_be32(ip + 16, dst);
    put_be16(ip + 10, csum_fold(csum_add(0, ip, IP_HDR)));

    /* Bytes captured: all of a real payload, except that a TCP segment
     * mixing real and length-only bytes carries the latter as zeros, so
     * its trailing zeros are left out as if length-only (they add nothing
     * to the checksum either). */
    size_t captured = 0;
    if (real) {
        captured = payload;
        if (proto == PKT_PROTO_TCP)
            while (captured > 0 && pkt->data[captured - 1] == 0)
                captured--;
        memcpy(data, pkt->data, captured);
    }

    if (l4_hdr) {
        /* The pseudo-header: addresses, zero, protocol, transport length. */
        uint8_t pseudo[12];
        put_be32(pseudo, src);
        put_be32(pseudo + 4, dst);
        pseudo[8] = 0;
        pseudo[9] = proto;
        put_be16(pseudo + 10, (uint16_t)(l4_hdr + payload));
        uint64_t sum = csum_add(0, pseudo, sizeof pseudo);
        put_be16(l4, pkt->sport);
        put_be16(l4 + 2, pkt->dport);
        size_t csum_at;
        if (proto == PKT_PROTO_TCP) {
            put_be32(l4 + 4, pkt->seq);
            put_be32(l4 + 8, (pkt->tcp_flags & PKT_ACK) ? pkt->ack : 0);
            l4[12] = (TCP_HDR / 4) << 4;
            l4[13] = pkt->tcp_flags;
            put_be16(l4 + 14, (uint16_t)MIN(pkt->wnd, 65535u));
            put_be16(l4 + 18, 0); /* urgent pointer */
            csum_at = 16;
        } else {
            put_be16(l4 + 4, (uint16_t)(UDP_HDR + payload));
            csum_at = 6;
        }
        put_be16(l4 + csum_at, 0);
        sum = csum_add(sum, l4, l4_hdr);
        /* Length-only bytes are zeros: they add nothing to the sum. */
        sum = csum_add(sum, data, captured);
        uint16_t c = csum_fold(sum);
        if (proto == PKT_PROTO_UDP && c == 0)
            c = 0xffff; /* zero means "no checksum" in UDP */
        put_be16(l4 + csum_at, c);
    }

    *orig = (uint32_t)(ETH_HDR + ip_total);
    return ETH_HDR + IP_HDR + l4_hdr + captured;
}

static void on_tx_start(void *ctx, const sim_trace_rec *rec)
{
    pcap_out *p = ctx;
    const pkt_t *pkt = rec->obj;
    if (!pkt || rec->source >= p->nsrc || p->by_src[rec->source].file == NO_FILE)
        return;
    const src_map *m = &p->by_src[rec->source];
    pcap_file *pf = &p->files[m->file];

    uint32_t orig;
    size_t cap = build_frame(p, pkt, m, &orig);
    sim_time_t t = rec->time > 0 ? rec->time : 0;
    uint8_t hdr[16];
    put_le32(hdr, (uint32_t)(t / SIM_S(1)));
    put_le32(hdr + 4, (uint32_t)(t % SIM_S(1) / SIM_US(1)));
    put_le32(hdr + 8, (uint32_t)cap);
    put_le32(hdr + 12, orig);
    write_bytes(p, pf, hdr, sizeof hdr);
    write_bytes(p, pf, p->frame, cap);
    p->packets++;
}

/* ---- files -------------------------------------------------------------- */

/* The file name of a link: '/', '\\' and control characters become '_'. */
static char *file_name_of(const char *link)
{
    GString *s = g_string_new(NULL);
    for (const char *c = link; *c; c++)
        g_string_append_c(s, (*c == '/' || *c == '\\' || (unsigned char)*c < 0x20) ? '_' : *c);
    if (s->len == 0)
        g_string_append_c(s, '_');
    g_string_append(s, ".pcap");
    return g_string_free(s, FALSE);
}

static bool open_file(pcap_file *pf, const char *dir, const char *name, GError **err)
{
    pf->path = g_build_filename(dir, name, NULL);
    errno = 0;
    pf->f = g_fopen(pf->path, "wb");
    if (!pf->f) {
        int errsv = errno;
        g_set_error(err, G_FILE_ERROR, g_file_error_from_errno(errsv), "cannot create %s: %s",
                    pf->path, g_strerror(errsv));
        return false;
    }
    uint8_t h[24];
    put_le32(h, UINT32_C(0xa1b2c3d4)); /* microsecond timestamps */
    put_le16(h + 4, 2);                /* version 2.4 */
    put_le16(h + 6, 4);
    put_le32(h + 8, 0);                /* time zone: UTC */
    put_le32(h + 12, 0);               /* timestamp accuracy */
    put_le32(h + 16, PCAP_SNAPLEN);
    put_le32(h + 20, PCAP_LINKTYPE_ETHERNET);
    errno = 0;
    if (fwrite(h, 1, sizeof h, pf->f) != sizeof h) {
        int errsv = errno ? errno : EIO;
        g_set_error(err, G_FILE_ERROR, g_file_error_from_errno(errsv), "cannot write %s: %s",
                    pf->path, g_strerror(errsv));
        return false;
    }
    return true;
}

pcap_out *pcap_out_new(net_t *net, const char *dir, GError **err)
{
    g_return_val_if_fail(net != NULL && dir != NULL, NULL);
    sim_trace_t *bus = sim_trace(net_sim(net));
    pcap_out *p = g_new0(pcap_out, 1);
    p->net = net;
    p->nfiles = net_link_count(net);
    p->files = g_new0(pcap_file, p->nfiles);
    p->nsrc = sim_trace_source_count(bus);
    p->by_src = g_new(src_map, p->nsrc);
    for (uint32_t i = 0; i < p->nsrc; i++)
        p->by_src[i].file = NO_FILE;

    GHashTable *names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    bool ok = true;
    for (uint32_t i = 0; i < p->nfiles && ok; i++) {
        link_t *l = net_link_at(net, i);
        char *name = file_name_of(link_name(l));
        if (g_hash_table_contains(names, name)) {
            g_set_error(err, G_FILE_ERROR, G_FILE_ERROR_EXIST,
                        "link \"%s\": another link already writes %s", link_name(l), name);
            g_free(name);
            ok = false;
            break;
        }
        ok = open_file(&p->files[i], dir, name, err);
        g_hash_table_add(names, name);
        for (int d = 0; d < 2 && ok; d++) {
            link_dir_t *ld = link_dir(l, d);
            uint32_t s = link_dir_trace_source(ld);
            g_assert(s < p->nsrc);
            p->by_src[s] = (src_map){.file = (int32_t)i,
                                     .from = node_addr(link_dir_src(ld)),
                                     .to = node_addr(link_dir_dst(ld))};
        }
    }
    g_hash_table_destroy(names);
    if (!ok) {
        pcap_out_free(p);
        return NULL;
    }
    p->frame = g_malloc(FRAME_MAX);
    p->sub = sim_trace_subscribe(bus, SIM_TR_MASK(SIM_TR_TX_START), on_tx_start, p);
    return p;
}

bool pcap_out_flush(pcap_out *p, GError **err)
{
    for (uint32_t i = 0; i < p->nfiles; i++) {
        errno = 0;
        if (p->files[i].f && fflush(p->files[i].f) != 0)
            note_write_error(p, &p->files[i], errno ? errno : EIO);
    }
    if (p->write_err) {
        g_propagate_error(err, g_error_copy(p->write_err));
        return false;
    }
    return true;
}

void pcap_out_free(pcap_out *p)
{
    if (!p)
        return;
    if (p->sub)
        sim_trace_unsubscribe(sim_trace(net_sim(p->net)), p->sub);
    for (uint32_t i = 0; i < p->nfiles; i++) {
        if (p->files[i].f)
            fclose(p->files[i].f);
        g_free(p->files[i].path);
    }
    g_free(p->files);
    g_free(p->by_src);
    g_free(p->frame);
    g_clear_error(&p->write_err);
    g_free(p);
}

uint64_t pcap_out_packets(const pcap_out *p) { return p->packets; }

/*
 * pcap_out: packet traces of a simulation, one pcap file per link.
 *
 * Subscribes to the trace bus and writes every packet that starts
 * transmission on a link direction into "<dir>/<link name>.pcap" (both
 * directions of a link in one file, in time order), with Ethernet, IPv4 and
 * TCP or UDP headers built from the packet's fields and the real payload
 * bytes, so that Wireshark and tshark dissect the application protocols
 * (HTTP on port 80, DNS on 53, ...).
 *
 * The frames:
 * - Ethernet II (pcap link type 1); the MAC addresses are those of the
 *   link direction's two ends (the hop, not the end hosts). Node address n
 *   has MAC 02:00 followed by n in 32 bits, i.e. 02:00:00:00:hh:ll below
 *   65536 nodes.
 * - IPv4 without options: node address n appears as 10.0.0.0 + n + 1,
 *   i.e. 10.(n+1 >> 16).(n+1 >> 8 & 255).(n+1 & 255): node 0 is 10.0.0.1,
 *   node 1 is 10.0.0.2 (net_ipv4_of in models/net.h, the addresses every
 *   part of the simulator shows); identification is the packet's id modulo 2^16,
 *   DF set, TTL the packet's. Raw packets of traffic generators are IPv4
 *   protocol 253 (reserved for experiments) with the payload after the IP
 *   header; a packet of any other protocol number than TCP and UDP keeps
 *   its number, likewise without a transport header.
 * - TCP without options (data offset 5): ports, sequence and
 *   acknowledgement numbers and flags as in the packet (the acknowledgement
 *   field is written only with ACK set); the window field is the packet's
 *   window clamped to 65535 (the simulator does not scale windows). UDP
 *   with its length.
 * The packet's `hdr_bytes` (what the models charge on the wire) is not
 * reflected: the frame has the real header sizes (14 + 20 + 20 or 8).
 *
 * Checksums (IPv4, TCP, UDP) are computed and valid. Length-only payloads
 * count as zero bytes, and are written truncated: the captured length
 * stops after the headers while the original length counts the payload, as
 * a capture with a small snap length would (Wireshark: "Packet size limited
 * during capture"). A TCP segment that mixes real bytes with length-only
 * ones carries the latter as zeros; its trailing zeros are left out of the
 * capture the same way, so that dissectors are not handed zeros as an
 * image (the price: a real payload ending in zero bytes also shows
 * truncated, and a zero run in the middle of a segment stays). A payload
 * that would make the IPv4 datagram longer than 65535 bytes is cut to fit.
 *
 * Timestamps are simulated time in the microsecond pcap format (the
 * nanoseconds below a microsecond are dropped). Every file is written in
 * little-endian byte order whatever the host, so a run gives the same bytes
 * on every machine.
 *
 * Only the links that exist when pcap_out_new runs are captured; build the
 * topology first. A link name's '/', '\\' and control characters become
 * '_' in its file name. One file stays open per link (stdio buffered).
 *
 * Cost: one frame is built and written per packet per hop, O(payload
 * bytes) for the checksum and the copy; nothing is allocated per packet.
 *
 * Ownership: pcap_out_new/pcap_out_free (flushes and closes the files;
 * call before freeing the net). The net is borrowed.
 */
#ifndef APPSIM_PCAP_OUT_H
#define APPSIM_PCAP_OUT_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "models/net.h"

typedef struct pcap_out pcap_out;

/* `dir` must exist. Creates (truncates) one file per link and writes its
 * pcap header. Fails (GError, G_FILE_ERROR) when a file cannot be created,
 * or with G_FILE_ERROR_EXIST when two link names give the same file name;
 * nothing is subscribed then. */
pcap_out *pcap_out_new(net_t *net, const char *dir, GError **err);
/* Unsubscribes, flushes and closes the files. Write errors are not
 * reported here: call pcap_out_flush first to learn about them. NULL is a
 * no-op. */
void pcap_out_free(pcap_out *p);
/* Packets written so far, over all files. */
uint64_t pcap_out_packets(const pcap_out *p);
/* Flushes every file; false (G_FILE_ERROR) when a write has failed since
 * pcap_out_new (the first failure is reported, with its file name). */
bool pcap_out_flush(pcap_out *p, GError **err);

#endif

#!/usr/bin/env python3
"""Writes packets.txt: real DNS messages built and rendered by dnspython.

tests/protocols/dns/test_msg.c decodes each message with appsim's codec
and compares what it finds with dnspython's own text rendering of the key
fields, then re-encodes it. Run this by hand with the Debian interpreter
(/usr/bin/python3, package python3-dnspython) after changing the list
below, and commit packets.txt; the tests read only the committed file.

Format of packets.txt, one item per line:
    packet NAME              starts a message
    hex HEX                  its wire form (dnspython's to_wire)
    id N / opcode T / rcode T / flags T...   the header, as dnspython writes it
    question TEXT            the question, or "question none"
    edns VERSION PAYLOAD FLAGS...  the OPT record's fields, or "edns none"
    answer|authority|additional TEXT   one record per line, in wire order
    end
"""

import os
import sys

import dns.edns
import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import dns.version

HERE = os.path.dirname(os.path.abspath(__file__))


def rrset(name, ttl, rdtype, *texts):
    return dns.rrset.from_text(dns.name.from_text(name), ttl, "IN", rdtype, *texts)


def response(qname, qtype, id_, **kw):
    q = dns.message.make_query(qname, qtype, **kw)
    q.id = id_
    r = dns.message.make_response(q)
    return r


def packets():
    out = []

    q = dns.message.make_query("www.example.com", "A", use_edns=0, want_dnssec=True,
                               payload=4096)
    q.id = 0x1234
    out.append(("query-edns", q))

    r = response("www.example.com", "A", 1001)
    r.flags |= dns.flags.AA | dns.flags.RA
    r.answer.append(rrset("www.example.com", 300, "CNAME", "web.example.com."))
    r.answer.append(rrset("web.example.com", 300, "A", "192.0.2.1", "192.0.2.2"))
    out.append(("cname-a", r))

    r = response("nosuch.example.com", "A", 1002)
    r.flags |= dns.flags.AA | dns.flags.RA
    r.set_rcode(dns.rcode.NXDOMAIN)
    r.authority.append(rrset("example.com", 3600, "SOA",
                             "ns1.example.com. hostmaster.example.com. 2024010101 7200 3600 1209600 300"))
    out.append(("nxdomain-soa", r))

    r = response("www.example.com", "AAAA", 1003)
    r.flags &= ~dns.flags.RD
    r.authority.append(rrset("example.com", 172800, "NS", "ns1.example.com.", "ns2.example.com."))
    r.additional.append(rrset("ns1.example.com", 172800, "A", "192.0.2.53"))
    r.additional.append(rrset("ns1.example.com", 172800, "AAAA", "2001:db8::53"))
    r.additional.append(rrset("ns2.example.com", 172800, "A", "198.51.100.53"))
    r.additional.append(rrset("ns2.example.com", 172800, "AAAA", "2001:db8:0:1:0:0:0:1"))
    out.append(("referral-glue", r))

    r = response("example.com", "MX", 1004)
    r.flags |= dns.flags.AA
    r.answer.append(rrset("example.com", 3600, "MX", "10 mail.example.com.", "20 mx.example.net."))
    out.append(("mx", r))

    r = response("example.com", "TXT", 1005)
    r.flags |= dns.flags.AA
    r.answer.append(rrset("example.com", 60, "TXT",
                          '"v=spf1 -all" "second string" "a \\"quote\\" and a \\\\ backslash" "\\233\\009"'))
    out.append(("txt-strings", r))

    r = response("1.2.0.192.in-addr.arpa", "PTR", 1006)
    r.flags |= dns.flags.AA
    r.answer.append(rrset("1.2.0.192.in-addr.arpa", 86400, "PTR", "www.example.com."))
    out.append(("ptr", r))

    r = response("example.com", "TYPE65280", 1007)
    r.answer.append(rrset("example.com", 5, "TYPE65280", "\\# 4 01020304", "\\# 0"))
    out.append(("unknown-type", r))

    r = response("www.example.com", "A", 1008)
    r.flags |= dns.flags.TC | dns.flags.AA
    r.answer.append(rrset("www.example.com", 300, "A", "192.0.2.1"))
    out.append(("truncated-tc", r))

    r = response("big.example.com", "TXT", 1009, use_edns=0, payload=4096)
    r.use_edns(0, 0, 4096)
    strings = ['"%02d %s"' % (i, "x" * 231) for i in range(16)]
    r.answer.append(rrset("big.example.com", 300, "TXT", *strings))
    out.append(("big-edns", r))

    r = response("www.example.com", "A", 1010, use_edns=0)
    r.use_edns(0, 0, 1232)
    r.set_rcode(dns.rcode.BADVERS)
    out.append(("badvers-extended-rcode", r))

    return out


def lines(name, m):
    # No shuffling: the records of an RRset in the order they were added,
    # so that the file is the same at every run.
    wire = m.to_wire(want_shuffle=False)
    yield "packet %s" % name
    yield "hex %s" % wire.hex()
    yield "id %d" % m.id
    yield "opcode %s" % dns.opcode.to_text(m.opcode())
    yield "rcode %s" % dns.rcode.to_text(m.rcode())
    yield "flags %s" % dns.flags.to_text(m.flags)
    yield "question %s" % (m.question[0].to_text() if m.question else "none")
    if m.edns >= 0:
        yield "edns %d %d %s" % (m.edns, m.payload, dns.flags.edns_to_text(m.ednsflags))
    else:
        yield "edns none"
    # The records in wire order: the message read back by dnspython keeps
    # each section's order of records.
    back = dns.message.from_wire(wire)
    for title, section in (("answer", back.answer), ("authority", back.authority),
                           ("additional", back.additional)):
        for rs in section:
            for line in rs.to_text().split("\n"):
                yield "%s %s" % (title, line)
    yield "end"


def main():
    path = os.path.join(HERE, "packets.txt")
    with open(path, "w", encoding="ascii") as f:
        f.write("# Written by make_packets.py with dnspython %s; do not edit.\n"
                % dns.version.version)
        for name, m in packets():
            for line in lines(name, m):
                f.write(line.rstrip() + "\n")
    print("wrote %s" % path)
    return 0


if __name__ == "__main__":
    sys.exit(main())

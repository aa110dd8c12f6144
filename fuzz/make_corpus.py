#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets into fuzz/corpus/<target>/.

Seeds come from what the tests already hold, plus a few written here:
  - http_request, http_response: every transcript of
    tests/protocols/http/test_parser.c (its C string literals read back
    into bytes), with the setup bytes fuzz/lib/http_replay.h describes in
    front (the tight limits for the transcripts marked .small, and for
    responses the methods they answer);
  - scenario: every shipped scenario (scenarios/*.json) and every broken one
    of tests/scenarios/broken/, and a few with --set overrides;
  - smtp_server: every client input of
    tests/protocols/smtp/test_server_core.c, with the setup byte
    fuzz/smtp_server.c describes in front (tight limits for the
    transcripts that set .max_size or .max_rcpt);
  - imap_server: every client input of
    tests/protocols/imap/test_server_core.c, with the setup byte
    fuzz/imap_server.c describes in front (tight limits for the
    transcripts that set .cfg = SMALL), and a few sessions below;
  - imap_client: every server script of
    tests/protocols/imap/test_client_core.c, behind its setup byte;
  - smtp_client: every server script of
    tests/protocols/smtp/test_client_core.c, behind its setup byte;
  - pop3_server: every client input of
    tests/protocols/pop3/test_server_core.c's transcripts and the slides'
    session, behind the setup byte fuzz/pop3_server.c describes ('0':
    USER/PASS, pieces of 5 bytes), and an APOP session ('1');
  - pop3_client: every server script of
    tests/protocols/pop3/test_client_core.c, behind the setup bytes
    ' ' (keep, pieces of 3) and '\\t' (delete, known unique ids);
  - ftp_client: the control replies of every script of
    tests/protocols/ftp/test_client_core.c (its "S" steps joined), behind
    the setup byte fuzz/ftp_client.c describes (active and ASCII as the
    script sets them);
  - dns_msg: every message of tests/protocols/dns/data/packets.txt (made
    by dnspython), and a few malformed ones written below;
  - mime_msg: the messages of tests/protocols/mime/test_msg.c (its
    static message literals and the arguments of parse_ok), two messages
    built here by Python's email package (as tests/protocols/mime/
    test_python.c has it build them), and a few codec inputs below;
  - hw_csv: the rosters, answers and keys below (CSV_FILES), as
    tests/cli/test_homework.c and docs/homework.md have them;
  - http_url, html_links, http_date, cache_control, units, mail_compose:
    the examples below, taken from the tests, the docs and the RFCs;
  - mail_uidlist: the uidlists below, as the Maildir store writes them
    and as tests/protocols/mailstore/test_maildir.c damages them;
  - webmail: requests to the web-mail front end (WEBMAIL below);
  - ftp_reply: server replies and data-port arguments (FTP_REPLIES below,
    as tests/protocols/ftp/test_codec.c has them), behind the setup byte
    fuzz/ftp_reply.c describes (pieces of 5 bytes);
  - ftp_server: the client's lines ("C ..." steps) of every transcript of
    tests/protocols/ftp/test_server_core.c (its GREET, LOGIN and PASV
    macros expanded), behind the setup bytes '0' (anonymous read-only,
    pieces of 5) and '1' (anonymous may write).
  - bencode: the valid and invalid values of
    tests/protocols/bt/test_bencode.c (BENCODE below) and two .torrent
    files bencoded here (as tests/protocols/bt/test_metainfo.c's Python
    makes them);
  - bt_conn: a tracker's HTTP answers, a peer's bytes to a seed and to a
    leecher, requests to the tracker (bt_conn_seeds below);
  - bt_tracker: announce queries and tracker responses (BT_TRACKER below,
    as tests/protocols/bt/test_tracker.c has them).

Each target's folder is emptied and written anew, so the corpus is exactly
what this script makes: run it from anywhere after changing the tests or
the examples, and commit the result. It never runs in CI.
"""

import hashlib
import json
import os
import re
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "fuzz", "corpus")

# ---- C string literals ----------------------------------------------------

SIMPLE_ESCAPES = {"n": 10, "r": 13, "t": 9, "\\": 92, '"': 34, "'": 39, "0": 0, "a": 7,
                  "b": 8, "f": 12, "v": 11, "?": 63}


def read_literal(text, i):
    """Reads the C string literal starting at text[i] == '"'; returns its
    bytes and the index after its closing quote."""
    assert text[i] == '"'
    i += 1
    out = bytearray()
    while text[i] != '"':
        c = text[i]
        if c != "\\":
            out += c.encode("utf-8")
            i += 1
            continue
        e = text[i + 1]
        if e == "x":
            j = i + 2
            while j < len(text) and text[j] in "0123456789abcdefABCDEF":
                j += 1
            out.append(int(text[i + 2:j], 16) & 0xFF)
            i = j
        elif e in "01234567":
            j = i + 1
            while j < i + 4 and text[j] in "01234567":
                j += 1
            out.append(int(text[i + 1:j], 8) & 0xFF)
            i = j
        else:
            out.append(SIMPLE_ESCAPES[e])
            i += 2
    return bytes(out), i + 1


def read_concatenation(text, i, macros):
    """Reads adjacent literals and macro names from text[i] up to a ')' or
    ','; returns their bytes and the index of that character."""
    out = b""
    while True:
        while text[i].isspace() or text[i] == "\\":
            i += 1
        if text[i] == '"':
            lit, i = read_literal(text, i)
            out += lit
        elif text[i].isalpha() or text[i] == "_":
            m = re.match(r"[A-Za-z_][A-Za-z0-9_]*", text[i:])
            out += macros[m.group(0)]
            i += len(m.group(0))
        else:
            return out, i


def string_macros(text):
    """The #defines whose body is string literals (and other such macros)."""
    macros = {}
    for m in re.finditer(r"#define ([A-Z_][A-Z0-9_]*)[ \t]*\\?\n?", text):
        start = m.end()
        j = start
        while text[j].isspace() or text[j] == "\\":
            j += 1
        if text[j] != '"':
            continue
        # The macro's body ends with its line (continued by backslashes).
        end = text.find("\n", j)
        while end > 0 and text[end - 1] == "\\":
            end = text.find("\n", end + 1)
        body = text[start:end if end > 0 else len(text)] + ")"
        macros[m.group(1)], _ = read_concatenation(body, 0, macros)
    return macros


def skip_to_brace_end(text, i):
    """The index just after the '}' matching the '{' at text[i], string
    literals skipped."""
    depth = 0
    while True:
        c = text[i]
        if c == '"':
            _, i = read_literal(text, i)
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1


def transcripts(path):
    """Every transcript initializer {.name = ...} of the test file, as dicts
    with name, requests, small, methods and input."""
    text = open(path, encoding="utf-8").read()
    macros = string_macros(text)
    found = []
    for m in re.finditer(r"\{\s*\.name\s*=", text):
        end = skip_to_brace_end(text, m.start())
        entry = text[m.start():end]
        name, _ = read_literal(entry, entry.index('"'))
        at = entry.find("IN(")
        if at < 0:
            continue
        data, _ = read_concatenation(entry, at + 3, macros)
        methods = re.search(r'\.methods\s*=\s*"([^"]*)"', entry)
        found.append({
            "name": name.decode("utf-8", "replace"),
            "requests": re.search(r"\.requests\s*=\s*true", entry) is not None,
            "small": re.search(r"\.small\s*=\s*true", entry) is not None,
            "methods": methods.group(1).split() if methods else [],
            "input": data,
        })
    return found


# ---- writing --------------------------------------------------------------

def slug(name):
    s = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return s[:60] or "seed"


class Corpus:
    """One target's folder, emptied first; files named by a counter and a
    slug, and identical contents written once."""

    def __init__(self, target):
        self.dir = os.path.join(CORPUS, target)
        os.makedirs(self.dir, exist_ok=True)
        for f in os.listdir(self.dir):
            os.remove(os.path.join(self.dir, f))
        self.seen = set()
        self.count = 0

    def add(self, name, data):
        if isinstance(data, str):
            data = data.encode("utf-8")
        digest = hashlib.sha1(data).hexdigest()
        if digest in self.seen:
            return
        self.seen.add(digest)
        self.count += 1
        with open(os.path.join(self.dir, "%03d-%s" % (self.count, slug(name))), "wb") as f:
            f.write(data)


METHOD_CODES = {"GET": 0, "HEAD": 1, "CONNECT": 2}


def http_seeds():
    requests, responses = Corpus("http_request"), Corpus("http_response")
    path = os.path.join(ROOT, "tests", "protocols", "http", "test_parser.c")
    for t in transcripts(path):
        # Byte 0: '0' the default limits, '2' the tests' small_limits; both
        # with pieces of 5 bytes.
        setup = b"2" if t["small"] else b"0"
        if t["requests"]:
            requests.add(t["name"], setup + t["input"])
        else:
            code = 0
            for i, name in enumerate(t["methods"][:4]):
                code |= METHOD_CODES.get(name, 3) << (2 * i)
            responses.add(t["name"], setup + bytes([code]) + t["input"])
    return requests.count + responses.count


def smtp_seeds():
    """The client inputs of the SMTP server core's transcripts (their
    .input = literals), each behind the setup byte: '0' (the default
    limits, pieces of 5 bytes) or '1' (a 64-byte message limit and 3
    recipients) for the transcripts that set limits of their own."""
    c = Corpus("smtp_server")
    path = os.path.join(ROOT, "tests", "protocols", "smtp", "test_server_core.c")
    text = open(path, encoding="utf-8").read()
    macros = string_macros(text)
    for m in re.finditer(r"\{\s*\.name\s*=", text):
        end = skip_to_brace_end(text, m.start())
        entry = text[m.start():end]
        at = entry.find(".input =")
        if at < 0:
            continue
        name, _ = read_literal(entry, entry.index('"'))
        try:
            data, _ = read_concatenation(entry, at + len(".input ="), macros)
        except KeyError:  # an input built at run time (the long-line tests)
            continue
        tight = re.search(r"\.max_(size|rcpt)\s*=", entry) is not None
        c.add(name.decode("utf-8", "replace"), (b"1" if tight else b"0") + data)
    return c.count + smtp_client_seeds()


IMAP_SESSIONS = [
    ("login select fetch all", "a LOGIN alice wonderland\r\nb SELECT INBOX\r\n"
     "c FETCH 1:* (FLAGS UID RFC822.SIZE INTERNALDATE ENVELOPE BODYSTRUCTURE BODY)\r\n"),
    ("nested sections", "a LOGIN alice wonderland\r\nb SELECT INBOX\r\n"
     "c FETCH 3 (BODY[1] BODY[1.HEADER] BODY[1.TEXT] BODY[1.1] BODY[1.MIME] BODY[1.1.MIME] BODY[]<3.7>)\r\n"),
    ("store search expunge", "a LOGIN alice wonderland\r\nb SELECT INBOX\r\n"
     "c STORE 1:* +FLAGS (\\Deleted)\r\nd SEARCH OR DELETED (NOT SEEN) FROM bob\r\ne EXPUNGE\r\n"),
    ("append copy move", "a LOGIN alice wonderland\r\nb APPEND Archive (\\Seen) {9+}\r\nSubject: \r\n"
     "c SELECT INBOX\r\nd UID COPY 1:* Archive\r\ne MOVE 2 Archive\r\nf STATUS Archive (MESSAGES UIDNEXT)\r\n"),
]


def imap_seeds():
    """The client inputs of the IMAP server core's transcripts (their
    .input = literals), behind the setup byte: '0' (the default limits,
    pieces of 5 bytes) or '1' (a 64-byte line, 100-byte literals, 3 BAD
    answers) for the transcripts with .cfg = SMALL; and IMAP_SESSIONS."""
    c = Corpus("imap_server")
    path = os.path.join(ROOT, "tests", "protocols", "imap", "test_server_core.c")
    text = open(path, encoding="utf-8").read()
    macros = string_macros(text)
    for m in re.finditer(r"\{\s*\.name\s*=", text):
        end = skip_to_brace_end(text, m.start())
        entry = text[m.start():end]
        at = entry.find(".input =")
        if at < 0:
            continue
        name, _ = read_literal(entry, entry.index('"'))
        try:
            data, _ = read_concatenation(entry, at + len(".input ="), macros)
        except KeyError:  # an input built at run time
            continue
        small = re.search(r"\.cfg\s*=\s*SMALL", entry) is not None
        c.add(name.decode("utf-8", "replace"), (b"1" if small else b"0") + data)
    for name, data in IMAP_SESSIONS:
        c.add(name, b"0" + data.encode())
    return c.count + imap_client_seeds()


def imap_client_seeds():
    """The server bytes of tests/protocols/imap/test_client_core.c's
    scripts (their .server = literals), behind the setup byte: '0' (the
    default literal limit, pieces of 5 bytes) or '1' (64-byte literals)
    for the scripts that set .max_literal."""
    c = Corpus("imap_client")
    path = os.path.join(ROOT, "tests", "protocols", "imap", "test_client_core.c")
    text = open(path, encoding="utf-8").read()
    macros = string_macros(text)
    for m in re.finditer(r"\{\s*\.name\s*=", text):
        end = skip_to_brace_end(text, m.start())
        entry = text[m.start():end]
        at = entry.find(".server =")
        if at < 0:
            continue
        name, _ = read_literal(entry, entry.index('"'))
        data, _ = read_concatenation(entry, at + len(".server ="), macros)
        tight = re.search(r"\.max_literal\s*=", entry) is not None
        c.add(name.decode("utf-8", "replace"), (b"1" if tight else b"0") + data)
    return c.count


def smtp_dialogue_seeds():
    """Both directions of the SMTP cores' test transcripts for the
    transcripts' dialogue parser: the clients' inputs of
    test_server_core.c behind the setup byte '1' (the client's direction,
    pieces of 5 bytes) and the servers' replies of test_client_core.c
    behind '0' (the server's direction)."""
    c = Corpus("smtp_dialogue")
    for name, key, setup in (("test_server_core.c", ".input =", b"1"), ("test_client_core.c", ".replies =", b"0")):
        path = os.path.join(ROOT, "tests", "protocols", "smtp", name)
        text = open(path, encoding="utf-8").read()
        macros = string_macros(text)
        for m in re.finditer(r"\{\s*\.name\s*=", text):
            end = skip_to_brace_end(text, m.start())
            entry = text[m.start():end]
            at = entry.find(key)
            if at < 0:
                continue
            title, _ = read_literal(entry, entry.index('"'))
            try:
                data, _ = read_concatenation(entry, at + len(key), macros)
            except KeyError:  # an input built at run time
                continue
            c.add(setup.decode() + "-" + title.decode("utf-8", "replace"), setup + data)
    return c.count


def smtp_client_seeds():
    """The server replies of tests/protocols/smtp/test_client_core.c's
    scripts (their .replies = literals), behind the setup byte: '0'
    (EHLO, pipelining when offered, pieces of 5 bytes) or '1' (HELO) for
    the scripts that set .no_ehlo."""
    c = Corpus("smtp_client")
    path = os.path.join(ROOT, "tests", "protocols", "smtp", "test_client_core.c")
    text = open(path, encoding="utf-8").read()
    macros = string_macros(text)
    for m in re.finditer(r"\{\s*\.name\s*=", text):
        end = skip_to_brace_end(text, m.start())
        entry = text[m.start():end]
        at = entry.find(".replies =")
        if at < 0:
            continue
        name, _ = read_literal(entry, entry.index('"'))
        data, _ = read_concatenation(entry, at + len(".replies ="), macros)
        helo = re.search(r"\.no_ehlo\s*=\s*true", entry) is not None
        c.add(name.decode("utf-8", "replace"), (b"1" if helo else b"0") + data)
    return c.count


def table_entries(text, table):
    """The entries {"name", literal, ...} of the C array `table` (its
    positional initializers): their names and the text after the name."""
    start = text.index(table)
    start = text.index("{", start)
    end = skip_to_brace_end(text, start)
    body = text[start + 1:end - 1]
    i = 0
    while True:
        i = body.find('{"', i)
        if i < 0:
            return
        stop = skip_to_brace_end(body, i)
        entry = body[i:stop]
        name, after = read_literal(entry, 1)
        yield name.decode("utf-8", "replace"), entry[after:]
        i = stop


def pop3_seeds():
    """The POP3 server core's client inputs and the client core's server
    scripts (see the module's docstring for the setup bytes)."""
    c = Corpus("pop3_server")
    path = os.path.join(ROOT, "tests", "protocols", "pop3", "test_server_core.c")
    text = open(path, encoding="utf-8").read()
    macros = string_macros(text)
    for name, rest in table_entries(text, "transcripts[] ="):
        data, _ = read_concatenation(rest, rest.index(",") + 1, macros)
        c.add(name, b"0" + data)
    c.add("slides", b"0user bob\r\npass hungry\r\nlist\r\nretr 1\r\ndele 1\r\nretr 2\r\ndele 2\r\nquit\r\n")
    c.add("apop", b"1CAPA\r\nAPOP bob 341d7b8ff195fb079a7380b869777f80\r\nSTAT\r\nLIST\r\nUIDL\r\n"
          b"RETR 2\r\nTOP 2 1\r\nDELE 1\r\nRSET\r\nDELE 3\r\nQUIT\r\n")
    k = Corpus("pop3_client")
    path = os.path.join(ROOT, "tests", "protocols", "pop3", "test_client_core.c")
    text = open(path, encoding="utf-8").read()
    macros = string_macros(text)
    for name, rest in table_entries(text, "scripts[] ="):
        data, _ = read_concatenation(rest, rest.index(",") + 1, macros)
        k.add(name, b" " + data)
        k.add(name + "-delete", b"\t" + data)
    return c.count + k.count


def ftp_client_seeds():
    """The FTP client core's server scripts: the control bytes of each
    script's steps, behind a setup byte (bit 0 active, bit 1 ASCII)."""
    c = Corpus("ftp_client")
    path = os.path.join(ROOT, "tests", "protocols", "ftp", "test_client_core.c")
    text = open(path, encoding="utf-8").read()
    macros = string_macros(text)
    for name, rest in table_entries(text, "scripts[] ="):
        at = rest.find(".steps = {")
        if at < 0:
            continue
        i = at + len(".steps = {")
        control = b""
        while True:
            step, i = read_concatenation(rest, i, macros)
            if step.startswith(b"S"):
                control += step[1:]
            if rest[i] == "}":
                break
            i += 1
        setup = 0x40
        if re.search(r"\.active\s*=\s*true", rest):
            setup |= 1
        if re.search(r"\.ascii\s*=\s*true", rest):
            setup |= 2
        c.add(name, bytes([setup]) + control)
    return c.count


def scenario_seeds():
    c = Corpus("scenario")
    for folder in ("scenarios", os.path.join("tests", "scenarios", "broken")):
        d = os.path.join(ROOT, folder)
        for f in sorted(os.listdir(d)):
            if f.endswith(".json"):
                c.add(f[:-5], open(os.path.join(d, f), "rb").read())
    # The shipped scenario every README example uses, with --set overrides
    # after NULs (the scenario target's input format).
    base = open(os.path.join(ROOT, "scenarios", "http-persistence.json"), "rb").read()
    c.add("set-delay", base + b"\0links.access.delay=20ms")
    c.add("set-mode-and-seed", base + b"\0apps.browser.mode=pipelined\0seed=7")
    c.add("set-unknown-path", base + b"\0links.nowhere.delay=1ms")
    return c.count


URLS = [
    "http://server/index.html\nimg0.gif",
    "http://server/a/b/c.html?q=1\n../d.gif",
    "http://www.someschool.edu/x.gif\n/images/./a/../b.png",
    "http://h:8080/dir/\n?x=1",
    "http://origin/news.html\n//other:81/p#frag",
    "http://h/a\nhttp://H:80/b?c#d",
    "http://h/a\nmailto:someone@example.com",
    "http://h/a\n  spaced.gif  ",
    "http://127.0.0.1:65535/x\n.",
    "http://h\n..",
    "HTTP://h?q\n",
    "http://h:0/\nx",
    "http://:80/\nx",
    "http://h:99999/\nx",
]

PAGES = [
    "<html><head><title>test</title></head><body>\n<img src=\"img0.gif\">\n<img src='img1.gif'>\n</body></html>",
    "<html><body><img src=\"a.gif\"><img src=\"/b.gif\"><script src=s.js></script>"
    "<link rel=stylesheet href=\"c.css\"></body></html>",
    "<!-- <img src=\"hidden.gif\"> --><IMG SRC=\"upper.gif\"><img alt=x src = \"spaced.gif\" />",
    "<img src=\"dup.gif\"><img src=\"dup.gif\"><img data-src=\"no.gif\"><a href=\"page.html\">",
    "<img src=\"unterminated",
    "<!-- unterminated comment <img src=\"x.gif\">",
    "<link href='x.css'<img src=y.gif>",
    b"<link href=\n\0\0\0\0\0\0\0img src=y.gifg",  # found by the fuzzer: a NUL value
]

DATES = [
    "Sun, 06 Nov 1994 08:49:37 GMT",
    "Sunday, 06-Nov-94 08:49:37 GMT",
    "Sun Nov  6 08:49:37 1994",
    "Thu, 01 Jan 1970 00:00:00 GMT",
    "Fri, 31 Dec 9999 23:59:59 GMT",
    "Mon, 31 Feb 2000 24:00:60 GMT",
    "Wed, 31 Dec 1969 23:59:59 GMT",
    "Sunday, 06-Nov-69 08:49:37 GMT",
    "0",
    "Sun Nov6 0:4:7 1994888888888:88:5",  # found by the fuzzer: a year too long for an int
    b"\x00\x00\x00\x0e\x7f\xf7\x6d\x00",  # a time to format: 1994 as big-endian bytes
]

HEADS = [
    "C max-age=60",
    "C no-cache\nD Sun, 06 Nov 1994 08:49:37 GMT",
    "C public, max-age=\"3600\", must-revalidate",
    "C private, community=\"UCI, max-age=5\"\nC max-age=10",
    "C max-age=99999999999999999999",
    "C max-age=abc\nE Sun, 06 Nov 1994 08:49:37 GMT",
    "D Sun, 06 Nov 1994 08:49:37 GMT\nE Sun, 06 Nov 1994 09:49:37 GMT",
    "D Sun, 06 Nov 1994 08:49:37 GMT\nE 0",
    "D Sun, 06 Nov 1994 08:49:37 GMT\nL Sun, 06 Nov 1993 08:49:37 GMT",
    "L Thu, 01 Jan 1970 00:00:00 GMT",
    "X Cache-Control: max-age=5",
]

CSV_FILES = [
    "id,name\nalice,Alice Example\nbob,\"Bob, Jr.\"\ncarol,Carol\n",
    "name,id\nCarol,carol\n\"Bob, Jr.\",bob\nAlice Example,alice\n",
    "id,name\nalice,A\n../evil,B\n",
    "id,name\nalice,A\n\nalice,B\n",
    "id,question,value\nalice,plt,1.3 s\nalice,util,58%\n",
    "id,question,value\nalice,plt\n",
    "id,question,value\nalice,plt,\"1.3\n",
    "id,question,metric,unit,tolerance,ideal,realistic,textbook\n"
    "alice,nonpersistent,page_load_time,s,5%,0.801181,0.801181,0.801181\n"
    "bob,utilisation,access_utilisation,,5%,0.31726,0.31726,\n",
    "# a comment\r\nid , name,note\r\na1,\"Smith, Jo\",\"said \"\"hi\"\"\nthen left\"\r\n\n  b2 ,Li,  \n",
    "id\n\"\"\n\"#x\"\n",
]

QUANTITIES = [
    "10Mbps", "1.54Mbps", "100Kbit", "56kbps", "1Gbit/s", "800bps", "1MBps", "10 B/s",
    "50ms", "2s", "1.5s", "200us", "100ns", "2min", "1h", "3\u00b5s",
    "100KB", "1MiB", "1500B", "100Kbit", "1Mbit", "1TiB", "0.5B", "1e19B", "01", "-1s",
    "nan", "inf", "1e400B",
]


UIDLISTS = [
    "V1700000000 N1\n",
    "V1700000000 N4\n1 1700000001.M000001P42Q0.appsim\n3 1700000002.M000002P42Q1.appsim\n",
    "V1700000000 N2\n1 2000000000.hand1.example\n1 duplicate\n0 zero\n5 .dot\n7 a:2,S\n",
    "V1 N1\n4294967295 max\n4294967294 below\n",
    "garbage\n",
    "V0 N5\n1 x\n",
    "V12 N3\r\n1 crlf\r\n",
    "cur/1700000001.M1P2Q3.appsim:2,DFRST\nnew/x:2,\nx:2,zSaT\n",
]


# Malformed DNS messages (hex), like those of tests/protocols/dns/test_msg.c.
DNS_BROKEN = [
    ("self-pointer", "000101000001000000000000c00c00010001"),
    ("forward-pointer", "00020000000100000000000001" "61c0100000010001"),
    ("label-0x40", "000301000001000000000000410000010001"),
    ("opt-twice", "000400000000000000000002" "0000290200000000000000" "0000290200000000000000"),
    ("opt-in-answer", "000500000000000100000000" "0000290200000000000000"),
    ("qdcount-2", "000601000002000000000000" "0000010001" "0000010001"),
    ("trailing", "000701000001000000000000" "000001000100"),
]


ZONES = [
    '$TTL 3600\n@ SOA ns hostmaster ( 1 7200 1800\n      604800 300 ) ; the SOA\n  NS ns\n  MX 10 mail\nns A 192.0.2.1\n   AAAA 2001:db8::1\nmail A 192.0.2.25\nwww CNAME web\nweb A 192.0.2.10\na.b.c TXT "hello \\"world\\"" plain \\065\nsub NS ns.sub\nns.sub A 192.0.2.53\n',
    '$ORIGIN example.com.\n@ 60 IN SOA ns.example.com. hm.example.com. 1 2 3 4 5\n  IN 60 NS ns\n$ORIGIN sub.example.com.\nx PTR y.example.com.\nloop1 CNAME loop2\nloop2 CNAME loop1\n',
    '@ 1 SOA a b 1 2 3 4 5\n NS a\nbad A 1.2.3\n',
]


def zone_seeds():
    """Master files for dns_zone (read with the origin example.com), and
    the zones of the shipped DNS scenarios as the dns-server type writes
    them (its records under $ORIGIN and $TTL lines)."""
    items = list(ZONES)
    for name in sorted(os.listdir(os.path.join(ROOT, "scenarios"))):
        if not name.startswith("dns-"):
            continue
        with open(os.path.join(ROOT, "scenarios", name), encoding="utf-8") as f:
            scn = json.load(f)
        for app in scn.get("apps", []):
            for zone in app.get("zones", []):
                origin = zone.get("origin", ".")
                origin = "." if origin in (".", "") else origin.rstrip(".") + "."
                lines = ["$ORIGIN " + origin, "$TTL 3600"] + zone.get("records", [])
                items.append("\n".join(lines) + "\n")
    return simple_seeds("dns_zone", items)


def dns_seeds():
    c = Corpus("dns_msg")
    path = os.path.join(ROOT, "tests", "protocols", "dns", "data", "packets.txt")
    name = None
    for line in open(path, encoding="ascii"):
        line = line.strip()
        if line.startswith("packet "):
            name = line[7:]
        elif line.startswith("hex ") and name:
            c.add(name, bytes.fromhex(line[4:]))
    for name, hexdata in DNS_BROKEN:
        c.add(name, bytes.fromhex(hexdata))
    return c.count


MIME_EXTRA = [
    "Zm9vYmFy\r\nZm9v\r\n",
    "Zg=",
    "Now's the time =\r\nfor all folk to come=\r\n to the aid of their country.",
    "bad=G1 escape =\r\n",
    "=?ISO-8859-1?B?SWYgeW91IGNhbiByZWFkIHRoaXMgeW8=?=\r\n =?ISO-8859-2?B?dSB1bmRlcnN0YW5kIHRoZSBleGFtcGxlLg==?=",
    "Subject: =?utf-8?Q?caf=C3=A9?= =?utf-8?B?w6k=?=\r\n\r\nbody",
    "Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n\r\nno close\r\n",
]


def python_messages():
    """Two messages made by Python's email package: text and HTML
    alternative with attachments, and a nested multipart."""
    import email.policy
    from email.message import EmailMessage
    m = EmailMessage()
    m["From"] = "Alic\u00e9 <alice@crepes.fr>"
    m["To"] = "Bob <bob@hamburger.edu>"
    m["Subject"] = "Photo de cr\u00eape \u2013 \u00e7a va?"
    m.set_content("Dear Bob,\nPlease find a picture of a cr\u00eape.\n", cte="quoted-printable")
    m.add_alternative("<p>Dear Bob</p>\n", subtype="html")
    m.add_attachment(bytes(range(64)), maintype="image", subtype="png", filename="cr\u00eape.png")
    fixed_boundaries(m, "first")
    first = m.as_bytes(policy=email.policy.SMTP)
    n = EmailMessage()
    n["Subject"] = "nested"
    n.set_content("outer")
    inner = EmailMessage()
    inner.set_content("inner text")
    inner.add_attachment(b"\x00\x01binary", maintype="application", subtype="octet-stream",
                         filename="d\u00e9j\u00e0 vu.bin")
    n.add_attachment(inner)
    fixed_boundaries(n, "second")
    return [first, n.as_bytes(policy=email.policy.SMTP)]


def fixed_boundaries(msg, tag):
    """Boundaries of our own, so that the seeds are the same at every run
    (Python's are random)."""
    for i, part in enumerate(msg.walk()):
        if part.is_multipart():
            part.set_boundary("seed-%s-%d" % (tag, i))


def mime_seeds():
    c = Corpus("mime_msg")
    path = os.path.join(ROOT, "tests", "protocols", "mime", "test_msg.c")
    text = open(path, encoding="utf-8").read()
    for m in re.finditer(r"static const char (\w+)\[\] =", text):
        data, _ = read_concatenation(text, m.end(), {})
        c.add(m.group(1), data)
    for m in re.finditer(r"parse_ok\(\s*\"", text):
        data, _ = read_concatenation(text, m.end() - 1, {})
        c.add("parse-ok", data)
    for i, data in enumerate(python_messages()):
        c.add("python-%d" % i, data)
    for item in MIME_EXTRA:
        c.add(item.split("\r")[0], item)
    return c.count


# mail_compose: sender, recipient, subject, body (fuzz/mail_compose.c).
MAIL_INPUTS = [
    "Alice <alice@crepes.fr>\nbob@hamburger.edu\nKetchup?\nDo you like ketchup?\nHow about pickles?\n",
    "\"Bob, Jr.\" <bob@hamburger.edu>\n<carol@hamburger.edu>\nGr\u00fc\u00dfe\n.a dot line\r\nend",
    "J\u00fcrgen <j@example.de>\npostmaster@[127.0.0.1]\n\n" + "x" * 1200,
    "bob@hamburger.edu\r\nRCPT TO:<x@y>\nbob\nsubject\nbody",
    "Bob <bob@example.com\n@example.com\nbob@a@b\n<bob@example.com> trailing",
]


# webmail: a method byte (even GET, odd POST, multiple of 5 HEAD), the
# target, the Authorization value, the form body (fuzz/webmail.c).
WEBMAIL = [
    ("inbox", "\x02/mail/inbox\nBasic Ym9iOmh1bnRlcjI=\n"),
    ("page-2", "\x02/mail/inbox?page=2\nBasic Ym9iOmh1bnRlcjI=\n"),
    ("message", "\x02/mail/msg/3\nBasic Ym9iOmh1bnRlcjI=\n"),
    ("part", "\x02/mail/msg/2/part/2\nBasic Ym9iOmh1bnRlcjI=\n"),
    ("send", "\x01/mail/send\nBasic Ym9iOmh1bnRlcjI=\nto=alice%40crepes.fr&subject=Hi+%3Cb%3E&body=caf%C3%A9\n"),
    ("bad-escape", "\x01/mail/send\nBasic Ym9iOmh1bnRlcjI=\nto=a%4&body=%zz\n"),
    ("bad-password", "\x02/mail/msg/3\nBasic Ym9iOndyb25n\n"),
    ("head", "\x05http://x/mail/\nBasic Ym9iOmh1bnRlcjI=\n"),
]


def webmail_seeds():
    c = Corpus("webmail")
    for name, data in WEBMAIL:
        c.add(name, data)
    return c.count


FTP_REPLIES = [
    "220 Service ready\r\n331 Need password\n230 \r\n",
    "211-Features:\r\n MDTM\r\n211-not the end\r\n2110 nor this\r\n SIZE\r\n211 End\r\n200 ok\r\n",
    "214-a\r\n200 b\r\n214 c\r\n",
    "220 ok\r\n211-x\r\n",
    "200 a\0b\r\n",
    "227 Entering Passive Mode (127,0,0,1,4,1).\r\n",
    "229 Entering Extended Passive Mode (|||6446|)\r\n",
    "10,0,0,2,25,46",
    "v2,3 ok 1,2,3,4,5,6",
    "|1|132.235.1.2|6275|",
    "!2!1080::8:800:200C:417A!5282!",
    "150 Opening BINARY mode data connection\r\n226 Transfer complete\r\n",
    "hello\r\n",
]


def ftp_seeds():
    c = Corpus("ftp_reply")
    for item in FTP_REPLIES:
        c.add(item.split("\r")[0], "\x03" + item)
    return c.count


def ftp_server_seeds():
    c = Corpus("ftp_server")
    path = os.path.join(ROOT, "tests", "protocols", "ftp", "test_server_core.c")
    text = open(path, encoding="utf-8").read()
    macros = {}
    for m in re.finditer(r"#define (GREET|LOGIN|PASV) (.*)", text):
        body = m.group(2)
        for name, val in macros.items():
            body = re.sub(r"\b%s\b" % name, val, body)
        macros[m.group(1)] = body
    for m in re.finditer(r"(t\d*)\[\] = \{(.*?)\};", text, re.S):
        body = m.group(2)
        for name, val in macros.items():
            body = re.sub(r"\b%s\b" % name, val, body)
        data, i = b"", 0
        while True:
            i = body.find('"', i)
            if i < 0:
                break
            lit, i = read_literal(body, i)
            if lit.startswith(b"C "):
                data += lit[2:] + b"\r\n"
            elif lit.startswith(b"c "):
                data += lit[2:]
        if data:
            c.add(m.group(1), b"0" + data)
            c.add(m.group(1) + "-w", b"1" + data)
    return c.count


# bencode: values valid and not (tests/protocols/bt/test_bencode.c).
BENCODE = [
    b"i0e", b"i-42e", b"i9223372036854775807e", b"i-9223372036854775808e", b"0:", b"4:spam",
    b"3:\x00\xff:", b"le", b"l4:spami42ee", b"de", b"d3:bar4:spam3:fooi42ee", b"d0:i1e1:ai2e2:aai3e1:bi4ee",
    b"d4:dictd1:xdee4:listl1:ai-1edeee", b"l" * 64 + b"e" * 64,
    b"i-0e", b"i01e", b"i9223372036854775808e", b"01:a", b"5:spam", b"d1:bi1e1:ai2ee", b"d1:ai1e1:ai2ee",
    b"d1:ae", b"i1ei2e", b"l" * 65 + b"e" * 65,
]


def bencode(v):
    """BEP 3's encoding of ints, bytes, lists and dicts (keys sorted)."""
    if isinstance(v, int):
        return b"i%de" % v
    if isinstance(v, bytes):
        return b"%d:" % len(v) + v
    if isinstance(v, list):
        return b"l" + b"".join(bencode(x) for x in v) + b"e"
    return b"d" + b"".join(bencode(k) + bencode(v[k]) for k in sorted(v)) + b"e"


def bencode_seeds():
    c = Corpus("bencode")
    for i, item in enumerate(BENCODE):
        c.add("value-%d" % i, item)
    data = bytes((i * 7 + 3) % 256 for i in range(100000))
    pl = 32768
    pieces = b"".join(hashlib.sha1(data[i:i + pl]).digest() for i in range(0, len(data), pl))
    info = {b"name": b"file.bin", b"piece length": pl, b"length": len(data), b"pieces": pieces}
    c.add("torrent", bencode({b"announce": b"http://tracker:6969/announce", b"info": info}))
    info = {b"name": b"x", b"piece length": 16, b"length": 40, b"pieces": bytes(60), b"private": 1}
    c.add("torrent-private", bencode({b"announce": b"http://t/a", b"comment": b"c", b"info": info}))
    return c.count


# bt_tracker: announce queries and responses (tests/protocols/bt/test_tracker.c).
BT_IH = "info_hash=%00%01%02%03%04%05%06%07%08%09%0A%0B%0C%0D%0E%0F%10%11%12%13&peer_id=-AS0001-abcdefghijkl"
BT_TRACKER = [
    BT_IH + "&port=6881&uploaded=0&downloaded=16384&left=83616&compact=1&event=started&numwant=50",
    BT_IH + "&port=1&uploaded=0&downloaded=0&left=0&event=completed&key=x&no_peer_id=1",
    BT_IH + "&port=65535&uploaded=9223372036854775807&downloaded=0&left=1&event=stopped&numwant=1000",
    "info_hash=+++++++++++++++++++!&peer_id=%2d%41%53&port=0&left=1&port=2",
    b"d8:completei1e10:incompletei2e8:intervali1800e5:peers12:"
    b"\x0a\x00\x00\x01\x1a\xe1\xc0\xa8\xff\x02\x1a\x2be",
    "d8:completei0e10:incompletei2e8:intervali900e5:peersl"
    "d2:ip8:10.0.0.17:peer id20:-AS0001-abcdefghijkl4:porti6881ee"
    "d2:ip8:10.0.0.24:porti80eeee",
    "d8:intervali5e12:min intervali2e5:peersld2:ip9:localhost4:porti1eed2:ip3:::14:porti2eeee",
    "d14:failure reason20:unregistered torrente",
    "d8:intervali5e5:peers5:abcdee",
]


# ---- BitTorrent peer wire (BEP 3) ------------------------------------------

BT_PIECE_COUNTS = [1, 7, 8, 9, 16, 100, 1000, 20000]


def bt_setup(pieces, handshake, piece_size):
    """The setup byte of fuzz/bt_wire.c: the piece count's place in its
    table, bit 3 for a handshake put in front, the piece size (2 to 17)."""
    return bytes([BT_PIECE_COUNTS.index(pieces) | (8 if handshake else 0) | ((piece_size - 2) << 4)])


def bt_msg(msg_id, payload=b""):
    return struct.pack(">IB", 1 + len(payload), msg_id) + payload


def bt_wire_seeds():
    c = Corpus("bt_wire")
    hs = b"\x13BitTorrent protocol" + bytes(8) + b"\xa5" * 20 + b"-FZ0001-000000000001"
    keepalive = b"\0\0\0\0"
    choke, unchoke, interested, not_interested = (bt_msg(i) for i in range(4))

    def have(i):
        return bt_msg(4, struct.pack(">I", i))

    def bitfield(pieces, fill=0xFF):
        n = (pieces + 7) // 8
        bits = bytearray([fill] * n)
        spare = n * 8 - pieces
        if spare:
            bits[-1] &= (0xFF << spare) & 0xFF
        return bt_msg(5, bytes(bits))

    def request(i, begin, length, msg_id=6):
        return bt_msg(msg_id, struct.pack(">III", i, begin, length))

    def piece(i, begin, block):
        return bt_msg(7, struct.pack(">II", i, begin) + block)

    every = (keepalive + choke + unchoke + interested + not_interested + have(3) + bitfield(9)
             + request(1, 16384, 16384) + piece(2, 0, b"abcd") + request(1, 16384, 16384, 8)
             + bt_msg(9, b"\x1a\xe1") + bt_msg(20, b"xyz") + keepalive)
    c.add("every message", bt_setup(9, False, 5) + hs + every)
    c.add("every message, handshake given", bt_setup(9, True, 2) + every)
    # A leecher asking a seed for blocks, then cancelling one.
    c.add("asks the seed", bt_setup(100, True, 7) + bitfield(100, 0) + interested
          + b"".join(request(i, b, 16384) for i in range(3) for b in (0, 16384))
          + request(2, 16384, 16384, 8) + not_interested)
    # A seed offering everything to a leecher, and blocks it did not ask for.
    c.add("offers everything", bt_setup(16, True, 17) + bitfield(16) + unchoke + have(3)
          + piece(0, 0, bytes(64)) + choke + unchoke + keepalive)
    c.add("one piece torrent", bt_setup(1, True, 3) + bitfield(1) + unchoke + have(0))
    c.add("big bitfield", bt_setup(20000, True, 11) + bitfield(20000, 0x5A) + have(19999))
    c.add("eight pieces", bt_setup(8, False, 4) + hs + bitfield(8) + request(7, 0, 1))
    # Malformed: each must be refused.
    c.add("pstrlen", bt_setup(7, False, 2) + b"\x12BitTorrent protocol")
    c.add("pstr", bt_setup(7, False, 2) + b"\x13BitTorrent protocoL" + bytes(48))
    c.add("oversized", bt_setup(7, True, 2) + struct.pack(">IB", 16384 + 10, 7))
    c.add("spare bits", bt_setup(9, True, 2) + bt_msg(5, b"\xff\xc1"))
    c.add("bitfield length", bt_setup(9, True, 2) + bt_msg(5, b"\xff"))
    c.add("have length", bt_setup(9, True, 2) + bt_msg(4, b"\0\0\0"))
    c.add("index", bt_setup(7, True, 2) + have(7))
    c.add("late bitfield", bt_setup(16, True, 2) + have(1) + bitfield(16))
    c.add("bad request", bt_setup(100, True, 2) + interested + request(0, 32768, 1)
          + request(0, 0, 16385) + request(0, 0, 0))
    return c.count


# bt_conn: the glue's network input (fuzz/bt_conn.c): a tracker's HTTP
# answers (side 0), a remote peer's bytes to a seed (1) and a leecher (2),
# requests to the tracker (3); the setup byte's bit 2 a 7-byte window.
def bt_conn_setup(side, tight, piece):
    return bytes([side | (4 if tight else 0) | ((piece - 1) << 4)])


def bt_conn_seeds():
    c = Corpus("bt_conn")
    compact = bytes([10, 0, 0, 2, 0x1a, 0xe2, 10, 0, 0, 3, 0x1a, 0xe3])
    bodies = [
        b"d8:completei1e10:incompletei2e8:intervali900e5:peers12:" + compact + b"e",
        b"d8:intervali60e5:peersld2:ip8:10.0.0.27:peer id20:-AS0001-abcdefghijkl4:porti6882eeee",
        b"d14:failure reason20:unregistered torrente",
        b"d8:intervali5e5:peers5:abcdee",
    ]
    for i, body in enumerate(bodies):
        head = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n" % len(body)
        c.add("answer-%d" % i, bt_conn_setup(0, i % 2 == 1, 1 + i * 5) + head + body)
    c.add("answer-503", bt_conn_setup(0, False, 3) + b"HTTP/1.1 503 Busy\r\nContent-Length: 2\r\n\r\nde")
    chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n" % len(bodies[0]) + bodies[0]
    c.add("answer-chunked", bt_conn_setup(0, False, 16) + chunked + b"\r\n0\r\n\r\n")
    c.add("answer-close", bt_conn_setup(0, False, 2) + b"HTTP/1.0 200 OK\r\n\r\n" + bodies[0])
    hs = b"\x13BitTorrent protocol" + bytes(8) + b"\xa5" * 20 + b"-FZ0001-000000000001"
    want = bt_msg(6, struct.pack(">III", 0, 0, 16384)) + bt_msg(6, struct.pack(">III", 2, 0, 7232))
    c.add("peer-to-seed", bt_conn_setup(1, False, 5) + hs + bt_msg(5, b"\x00") + bt_msg(2) + want)
    cancel = bt_msg(8, struct.pack(">III", 0, 0, 16384))
    c.add("peer-to-seed-tight", bt_conn_setup(1, True, 16) + hs + bt_msg(2) + want + cancel)
    block = bytes((i * 13 + 5) % 256 for i in range(16384))
    c.add("seed-to-leecher", bt_conn_setup(2, False, 9) + hs + bt_msg(5, b"\xe0") + bt_msg(1)
          + bt_msg(7, struct.pack(">II", 0, 0) + block) + bt_msg(4, struct.pack(">I", 1)) + b"\0\0\0\0")
    c.add("peer-bad", bt_conn_setup(2, False, 1) + hs + struct.pack(">IB", 1 << 20, 7))
    q = BT_IH.replace("%00%01%02%03%04%05%06%07%08%09%0A%0B%0C%0D%0E%0F%10%11%12%13", "%A5" * 20)
    q += "&port=6881&uploaded=0&downloaded=0&left=40000&compact=1&event=started&numwant=50"
    get = b"GET /announce?%s HTTP/1.1\r\nHost: t\r\n\r\n" % q.encode()
    c.add("tracker-announce", bt_conn_setup(3, False, 7) + get)
    c.add("tracker-announce-tight", bt_conn_setup(3, True, 16) + get)
    c.add("tracker-404", bt_conn_setup(3, False, 1) + b"GET /scrape HTTP/1.1\r\nHost: t\r\n\r\n")
    post = b"POST /announce HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc"
    c.add("tracker-post", bt_conn_setup(3, False, 4) + post)
    c.add("tracker-half", bt_conn_setup(3, False, 4) + b"GET /announce?info_hash=")
    return c.count


def simple_seeds(target, items):
    c = Corpus(target)
    for i, item in enumerate(items):
        text = item if isinstance(item, str) else "bytes"
        c.add(text.split("\n")[0] if text.strip() else "item-%d" % i, item)
    return c.count


def main():
    counts = {
        "http_request+http_response": http_seeds(),
        "scenario": scenario_seeds(),
        "dns_msg": dns_seeds(),
        "smtp_server+smtp_client": smtp_seeds(),
        "pop3_server+pop3_client": pop3_seeds(),
        "ftp_client": ftp_client_seeds(),
        "imap_server+imap_client": imap_seeds(),
        "smtp_dialogue": smtp_dialogue_seeds(),
        "dns_zone": zone_seeds(),
        "mime_msg": mime_seeds(),
        "http_url": simple_seeds("http_url", URLS),
        "html_links": simple_seeds("html_links", PAGES),
        "http_date": simple_seeds("http_date", DATES),
        "cache_control": simple_seeds("cache_control", HEADS),
        "units": simple_seeds("units", QUANTITIES),
        "hw_csv": simple_seeds("hw_csv", CSV_FILES),
        "mail_compose": simple_seeds("mail_compose", MAIL_INPUTS),
        "mail_uidlist": simple_seeds("mail_uidlist", UIDLISTS),
        "webmail": webmail_seeds(),
        "ftp_reply": ftp_seeds(),
        "ftp_server": ftp_server_seeds(),
        "bencode": bencode_seeds(),
        "bt_tracker": simple_seeds("bt_tracker", BT_TRACKER),
        "bt_wire": bt_wire_seeds(),
        "bt_conn": bt_conn_seeds(),
    }
    for target, n in counts.items():
        print("%s: %d seeds" % (target, n))
    return 0


if __name__ == "__main__":
    sys.exit(main())

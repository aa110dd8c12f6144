"""Loads a results folder's index.html in headless Chromium and checks it.

Usage: chromium_check.py CHROMIUM PAGE.html [SCREENSHOT.png]

Chromium starts with its DevTools protocol on a loopback port it picks
itself (--remote-debugging-port=0; the port is read from DevToolsActivePort
in a fresh profile folder). Over that protocol, with the standard library
only (a minimal WebSocket client), the script opens the page and checks:
- no console error, no uncaught exception, no error in the browser's log
  (a blocked load breaks the page's Content-Security-Policy and shows here);
- nothing was fetched: the page is self-contained;
- every <svg> and <img> has a size on the page, and its pixels in a
  screenshot of its box are not blank (several colours, some of them far
  from white).
It prints one line per problem and a last line with what it saw; exit 0
when all is well, 1 otherwise. Every wait is bounded (DEADLINE_S in all);
Chromium is stopped and its profile removed before it returns.
"""

import base64
import http.client
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import zlib

DEADLINE_S = 90.0


class Failure(Exception):
    pass


class Deadline:
    def __init__(self, seconds):
        self.end = time.monotonic() + seconds

    def left(self):
        left = self.end - time.monotonic()
        if left <= 0:
            raise Failure("timed out after %.0f s" % DEADLINE_S)
        return left


class DevTools:
    """A WebSocket connection to one page target, speaking JSON messages."""

    def __init__(self, port, path, deadline):
        self.deadline = deadline
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=deadline.left())
        key = base64.b64encode(os.urandom(16)).decode()
        request = ("GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n") % (path, port, key)
        self.sock.sendall(request.encode())
        head = b""
        while b"\r\n\r\n" not in head:
            head += self._recv_some()
        head, self.pending = head.split(b"\r\n\r\n", 1)
        if not head.startswith(b"HTTP/1.1 101"):
            raise Failure("DevTools refused the WebSocket: %r" % head[:80])
        self.next_id = 0
        self.events = []

    def _recv_some(self):
        self.sock.settimeout(self.deadline.left())
        data = self.sock.recv(65536)
        if not data:
            raise Failure("DevTools closed the connection")
        return data

    def _read(self, n):
        while len(self.pending) < n:
            self.pending += self._recv_some()
        data, self.pending = self.pending[:n], self.pending[n:]
        return data

    def _send_frame(self, payload):
        mask = os.urandom(4)
        n = len(payload)
        if n < 126:
            head = struct.pack("!BB", 0x81, 0x80 | n)
        elif n < 65536:
            head = struct.pack("!BBH", 0x81, 0x80 | 126, n)
        else:
            head = struct.pack("!BBQ", 0x81, 0x80 | 127, n)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(head + mask + masked)

    def _message(self):
        """One whole text message (fragments joined); control frames skipped."""
        parts = []
        while True:
            b0, b1 = self._read(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack("!H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack("!Q", self._read(8))[0]
            mask = self._read(4) if b1 & 0x80 else None
            data = self._read(n)
            if mask:
                data = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
            opcode = b0 & 0x0F
            if opcode == 8:
                raise Failure("DevTools closed the WebSocket")
            if opcode in (0, 1, 2):
                parts.append(data)
                if b0 & 0x80:
                    return json.loads(b"".join(parts))

    def call(self, method, **params):
        self.next_id += 1
        self._send_frame(json.dumps({"id": self.next_id, "method": method, "params": params}).encode())
        while True:
            msg = self._message()
            if msg.get("id") == self.next_id:
                if "error" in msg:
                    raise Failure("%s: %s" % (method, msg["error"]))
                return msg.get("result", {})
            self.events.append(msg)

    def wait_event(self, method):
        for i, e in enumerate(self.events):
            if e.get("method") == method:
                return self.events.pop(i)
        while True:
            msg = self._message()
            if msg.get("method") == method:
                return msg
            self.events.append(msg)


def png_pixels(data):
    """(width, height, rows of RGB tuples) of an 8-bit RGB or RGBA PNG."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise Failure("the screenshot is not a PNG")
    at, idat, width = 8, [], 0
    while at < len(data):
        n, kind = struct.unpack("!I4s", data[at:at + 8])
        body = data[at + 8:at + 8 + n]
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack("!IIBBBBB", body)
            if depth != 8 or colour not in (2, 6) or interlace:
                raise Failure("unexpected PNG format (depth %d, colour %d)" % (depth, colour))
            bpp = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat.append(body)
        at += 12 + n
    raw = zlib.decompress(b"".join(idat))
    stride = width * bpp
    prev = bytearray(stride)
    rows = []
    for y in range(height):
        line = raw[y * (stride + 1):(y + 1) * (stride + 1)]
        f, cur = line[0], bytearray(line[1:])
        for x in range(stride):
            a = cur[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if f == 1:
                cur[x] = (cur[x] + a) & 0xFF
            elif f == 2:
                cur[x] = (cur[x] + b) & 0xFF
            elif f == 3:
                cur[x] = (cur[x] + (a + b) // 2) & 0xFF
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                cur[x] = (cur[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        rows.append([tuple(cur[i:i + 3]) for i in range(0, stride, bpp)])
        prev = cur
    return width, height, rows


def blank_reason(png):
    """Why a screenshot looks blank, or None when it shows a drawing."""
    _, _, rows = png_pixels(png)
    colours, dark, total = set(), 0, 0
    for row in rows[::2]:
        for px in row[::2]:
            total += 1
            colours.add(px)
            dark += sum(px) < 600
    if len(colours) < 3 or dark * 200 < total:
        return "%d colours, %d of %d sampled pixels drawn" % (len(colours), dark, total)
    return None


PROBE = """(() => {
  const boxes = [];
  for (const el of document.querySelectorAll('main svg, main img')) {
    if (el.tagName.toLowerCase() === 'svg' && el.parentElement.closest('svg')) continue;
    const r = el.getBoundingClientRect();
    const loaded = el.tagName.toLowerCase() === 'img' ? (el.complete && el.naturalWidth > 0) : true;
    boxes.push({name: el.getAttribute('aria-label') || el.getAttribute('alt') || el.tagName,
                x: r.left + window.scrollX, y: r.top + window.scrollY, w: r.width, h: r.height,
                loaded: loaded, shapes: el.querySelectorAll('path, rect, circle, line, text, use').length});
  }
  return JSON.stringify({boxes: boxes, fetched: performance.getEntriesByType('resource').map(e => e.name),
                         scripts: document.scripts.length,
                         sections: [...document.querySelectorAll('section')].map(s => s.id)});
})()"""


def problems_of_events(events):
    out = []
    for e in events:
        m, p = e.get("method"), e.get("params", {})
        if m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
            out.append("console error: %s" % [a.get("value", a.get("description")) for a in p.get("args", [])])
        elif m == "Runtime.exceptionThrown":
            out.append("exception: %s" % p.get("exceptionDetails", {}).get("text"))
        elif m == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
            out.append("log error: %s" % p["entry"].get("text"))
    return out


def check(chromium, page, shot, profile, deadline):
    proc = subprocess.Popen([chromium, "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run",
                             "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
                             "--user-data-dir=" + profile, "--window-size=1000,1400", "about:blank"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        return inspect(proc, page, shot, profile, deadline)
    finally:
        proc.kill()
        proc.wait(timeout=10)


def page_target(port, deadline):
    while True:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=deadline.left())
        conn.request("GET", "/json/list")
        targets = json.loads(conn.getresponse().read())
        conn.close()
        for t in targets:
            if t.get("type") == "page":
                return t["webSocketDebuggerUrl"].split(str(port), 1)[1]
        time.sleep(0.1)
        deadline.left()


def inspect(proc, page, shot, profile, deadline):
    active = os.path.join(profile, "DevToolsActivePort")
    while not os.path.exists(active) or not open(active).read().strip():
        if proc.poll() is not None:
            raise Failure("chromium exited with status %d before it listened" % proc.returncode)
        deadline.left()
        time.sleep(0.1)
    port = int(open(active).read().split()[0])
    dt = DevTools(port, page_target(port, deadline), deadline)
    for domain in ("Runtime", "Log", "Page"):
        dt.call(domain + ".enable")
    dt.call("Page.navigate", url="file://" + os.path.abspath(page))
    dt.wait_event("Page.loadEventFired")
    seen = json.loads(dt.call("Runtime.evaluate", expression=PROBE, returnByValue=True)["result"]["value"])
    problems = []
    for b in seen["boxes"]:
        if not b["loaded"] or b["w"] < 50 or b["h"] < 50:
            problems.append("%s: not rendered (%.0f x %.0f, loaded %s)" % (b["name"], b["w"], b["h"], b["loaded"]))
            continue
        clip = {"x": b["x"], "y": b["y"], "width": b["w"], "height": b["h"], "scale": 1}
        png = base64.b64decode(dt.call("Page.captureScreenshot", format="png", clip=clip,
                                       captureBeyondViewport=True)["data"])
        why = blank_reason(png)
        if why:
            problems.append("%s: blank on screen (%s)" % (b["name"], why))
    seen["rendered"] = len(seen["boxes"]) - len(problems)
    for url in seen["fetched"]:
        problems.append("fetched: %s" % url)
    if seen["scripts"]:
        problems.append("%d script elements" % seen["scripts"])
    if shot:
        png = base64.b64decode(dt.call("Page.captureScreenshot", format="png")["data"])
        with open(shot, "wb") as f:
            f.write(png)
    errors = problems_of_events(dt.events)
    seen["errors"] = len(errors)
    dt.sock.close()
    return problems + errors, seen


def main(argv):
    if len(argv) not in (3, 4):
        print(__doc__.split("\n\n")[1])
        return 2
    profile = tempfile.mkdtemp(prefix="appsim-chromium-")
    try:
        problems, seen = check(argv[1], argv[2], argv[3] if len(argv) == 4 else None, profile,
                               Deadline(DEADLINE_S))
    except (Failure, OSError, ValueError, KeyError, subprocess.TimeoutExpired) as e:
        print("chromium_check: %s" % e)
        return 1
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    for p in problems:
        print("problem: %s" % p)
    print("%s: %d of %d figures rendered (not blank), %d console errors, %d resources fetched, %d scripts; "
          "sections: %s" % ("FAIL" if problems else "ok", seen["rendered"], len(seen["boxes"]), seen["errors"],
                             len(seen["fetched"]), seen["scripts"], " ".join(seen["sections"])))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

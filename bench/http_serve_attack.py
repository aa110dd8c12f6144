#!/usr/bin/env python3
"""Memory of `appsim http serve` under two attacks (issue 10, items 3 and 4).

    python3 bench/http_serve_attack.py build/appsim [--seconds S]

Starts `appsim http serve` on 127.0.0.1 with a fresh folder holding a sparse
100 MiB file, then, each against a fresh server:

  pipeline  one connection sends 20 pipelined "GET /100m.bin" and never
            reads its answers;
  uploads   eight connections each send 60 MB of a POST announced as
            64 MiB, and never finish it.

For each it samples the server's resident size (VmRSS, and VmHWM, its peak,
from /proc/PID/status) every 0.1 s for S seconds (default 10) and prints
figures as `name: value unit`, like appsim-bench:

    pipeline_vmhwm_kib: 11520 KiB
    pipeline_open_after_s: 1 bool    (was the connection still open at the end)

Loopback only; every socket and the server end within S + 15 seconds. The
wall clock is allowed here: these figures are about the machine.
"""
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

BIG = 100 << 20
UPLOAD_ANNOUNCED = 64 << 20
UPLOAD_SENT = 60 * 1000 * 1000


def status_kib(pid, field):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def start_server(appsim, root, seconds):
    p = subprocess.Popen([appsim, "http", "serve", "--root", root, "--port", "0",
                          "--timeout", str(seconds + 10)],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = p.stdout.readline()
    at = line.find("127.0.0.1:")
    if at < 0:
        p.kill()
        raise SystemExit("the server did not start: %r" % line)
    port = int(line[at + 10:].split("/")[0])
    return p, port


def sample(pid, seconds, probe=None):
    """Samples VmRSS for `seconds`; returns (max VmRSS, VmHWM at the end)."""
    peak = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        peak = max(peak, status_kib(pid, "VmRSS"))
        time.sleep(0.1)
    return peak, status_kib(pid, "VmHWM")


def still_open(sock):
    """True when the peer has neither closed nor reset the connection. Data
    already received is read first (a reset is reported after it); more
    than 1 MB of it means the peer is still sending."""
    sock.setblocking(False)
    got = 0
    try:
        while got < (1 << 20):
            data = sock.recv(65536)
            if not data:
                return False
            got += len(data)
        return True
    except BlockingIOError:
        return True
    except OSError:
        return False


def attack_pipeline(port, seconds, pid):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    req = b"GET /100m.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    s.sendall(req * 20)
    rss, hwm = sample(pid, seconds)
    alive = still_open(s)
    s.close()
    return rss, hwm, alive


def upload(port, stop, results, i):
    head = ("POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %d\r\n\r\n"
            % UPLOAD_ANNOUNCED).encode()
    block = b"x" * 65536
    sent = 0
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.sendall(head)
        while sent < UPLOAD_SENT and not stop.is_set():
            n = min(len(block), UPLOAD_SENT - sent)
            s.sendall(block[:n])
            sent += n
        stop.wait()
        s.close()
    except OSError:
        pass
    results[i] = sent


def attack_uploads(port, seconds, pid):
    stop = threading.Event()
    results = [0] * 8
    threads = [threading.Thread(target=upload, args=(port, stop, results, i)) for i in range(8)]
    for t in threads:
        t.start()
    rss, hwm = sample(pid, seconds)
    stop.set()
    for t in threads:
        t.join(10)
    return rss, hwm, sum(results)


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    appsim = sys.argv[1]
    seconds = 10
    if "--seconds" in sys.argv:
        seconds = int(sys.argv[sys.argv.index("--seconds") + 1])
    with tempfile.TemporaryDirectory(prefix="appsim-attack-") as root:
        with open(os.path.join(root, "100m.bin"), "wb") as f:
            f.truncate(BIG)
        for name in ("pipeline", "uploads"):
            p, port = start_server(appsim, root, seconds)
            base = status_kib(p.pid, "VmRSS")
            if name == "pipeline":
                rss, hwm, extra = attack_pipeline(port, seconds, p.pid)
            else:
                rss, hwm, extra = attack_uploads(port, seconds, p.pid)
            p.terminate()
            p.wait(15)
            print("%s_vmrss_before_kib: %d KiB" % (name, base))
            print("%s_vmrss_max_kib: %d KiB" % (name, rss))
            print("%s_vmhwm_kib: %d KiB" % (name, hwm))
            if name == "pipeline":
                print("pipeline_open_after_s: %d bool" % (1 if extra else 0))
            else:
                print("uploads_sent_bytes: %d bytes" % extra)
            sys.stdout.flush()


if __name__ == "__main__":
    main()

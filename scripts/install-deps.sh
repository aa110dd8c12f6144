#!/usr/bin/env bash
# Installs the Debian packages appsim needs, and only those that are missing.
# Uses apt-get directly when run as root, sudo otherwise. Prints nothing and
# changes nothing when every package is already present.
#
#   scripts/install-deps.sh          what make, make test and CI need
#   scripts/install-deps.sh --fuzz   that, and clang with libFuzzer and the
#                                    sanitizer runtimes (make fuzz)
#   scripts/install-deps.sh --ns3    that, and ns-3 3.37 (libns3-dev), for
#                                    the opt-in comparison make bench-ns3
#   scripts/install-deps.sh --profile  that, and valgrind, for the callgrind
#                                    instruction counts of docs/performance.md
set -euo pipefail

packages=(cmake pkg-config build-essential libglib2.0-dev libcjson-dev
          libcunit1-dev gnuplot-nox curl python3 python3-dnspython tshark
          dnsutils nsd python3-aiosmtpd)
# Dovecot's POP3 and IMAP servers: the peers of appsim mail read's
# interoperability tests (they start their own Dovecot on loopback).
packages+=(dovecot-imapd dovecot-pop3d)
# pyftpdlib: the FTP server appsim ftp get/put/ls's interoperability tests
# run on loopback (Python's ftplib, their other peer, comes with python3).
packages+=(python3-pyftpdlib)
# man-db and groff-base: the test that renders appsim(1) and checks it
# (tests/install/man.sh). cpack makes the .deb without dpkg-dev or fakeroot.
packages+=(man-db groff-base)
# Chromium, headless: the browser in which the results page's test
# (tests/cli/test_html_report.c) opens index.html from disk.
packages+=(chromium chromium-driver)
# GNU parallel: the peer of the test that runs the shards of a sweep
# (appsim run --shard K/N) as parallel jobs and merges them
# (tests/cli/test_shard_parallel.c; docs/scaling.md).
packages+=(parallel)
# Slurm's daemons and munge: the single-node cluster (a throw-away
# configuration, started and stopped by the test) on which the array job of
# shards and its dependent merge run (tests/cli/test_shard_slurm.c).
packages+=(slurm-wlm munge)
# aria2 (aria2c): the real BitTorrent client of the interoperability tests
# of appsim p2p tracker/seed/get (tests/cli/test_bt_real.c).
packages+=(aria2)
if [ "${1:-}" = "--fuzz" ]; then
  # libclang_rt.fuzzer (libFuzzer) and the ASan/UBSan runtimes of clang are
  # in libclang-rt-<version>-dev, which clang only recommends;
  # libclang-rt-dev is the one for the default clang.
  packages+=(clang libclang-rt-dev)
fi
if [ "${1:-}" = "--ns3" ]; then
  # ns-3's headers and shared libraries (it pulls in libns3.37 and GSL's
  # runtime); bench/ns3/run.sh compiles its programs against them with g++.
  packages+=(libns3-dev)
fi
if [ "${1:-}" = "--profile" ]; then
  # callgrind: instruction counts that do not depend on the machine's load.
  packages+=(valgrind)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "appsim: installing missing Debian packages: ${missing[*]}" >&2
if [ "$(id -u)" -eq 0 ]; then
  sudo=()
else
  command -v sudo >/dev/null 2>&1 || {
    echo "appsim: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

#!/usr/bin/env bash
# bench/ns3/run.sh: builds the ns-3 counterparts of appsim-bench's hold and
# dumbbell benchmarks (and the single-transfer check of docs/tcp.md) and
# runs them, printing every figure as `ns3_<name>: value unit`.
#
#   bench/ns3/run.sh [-o DIR] [BENCH...]
#
# BENCH is any of hold_1000 hold_100000 hold_1000000 dumbbell dumbbell_1000
# dumbbell_appsim (the dumbbell with --appsimSettings) transfer; without
# one, all of them in that order. The programs are built with g++ -O2 into
# DIR (build/ns3 by default), again only when a source is newer than its
# program. ns-3 is an opt-in comparison: nothing else in appsim needs it
# (`make bench-ns3` calls this script; `make test`, `make bench` and CI do
# not). It needs Debian's libns3-dev (ns-3 3.37):
# scripts/install-deps.sh --ns3.
#
# Compiler flags: Debian 12's ns3-*.pc files exist but cannot be used as
# they are (their Libs name libgsl.so, which only libgsl-dev installs, and
# their Cflags carry a stray "-I/usr;"), so the programs are linked by
# library name; libns3-dev puts the headers in /usr/include/ns3 and the
# libraries in the default search path.
#
# The hold figures are named hold_<P>_<scheduler>_events_per_s for ns-3's
# MapScheduler (its default), HeapScheduler and CalendarScheduler.
set -euo pipefail
cd "$(dirname "$0")/../.."

out=build/ns3
if [ "${1:-}" = "-o" ]; then
  out=$2
  shift 2
fi

if [ ! -f /usr/include/ns3/core-module.h ]; then
  echo "bench-ns3: ns-3 is not installed (Debian's libns3-dev, ns-3 3.37)." >&2
  echo "bench-ns3: install it with: scripts/install-deps.sh --ns3" >&2
  exit 1
fi
command -v g++ >/dev/null || { echo "bench-ns3: g++ is missing (build-essential)" >&2; exit 1; }

mkdir -p "$out"
libs=(-lns3-core -lns3-network -lns3-internet -lns3-point-to-point -lns3-traffic-control)
build() { # build NAME: bench/ns3/NAME.cc -> $out/ns3-NAME
  local src=bench/ns3/$1.cc bin=$out/ns3-$1
  if [ ! -x "$bin" ] || [ "$src" -nt "$bin" ] || [ bench/ns3/reqresp.h -nt "$bin" ]; then
    echo "bench-ns3: building $bin" >&2
    g++ -O2 -std=c++17 -Wall -Wextra -o "$bin" "$src" "${libs[@]}"
  fi
}
build hold
build dumbbell
build transfer

prefix() { sed -u -e '/^#/d' -e 's/^/ns3_/'; }

benches=("$@")
[ ${#benches[@]} -gt 0 ] || benches=(hold_1000 hold_100000 hold_1000000 dumbbell dumbbell_1000
                                     dumbbell_appsim transfer)
for b in "${benches[@]}"; do
  case "$b" in
    hold_1000 | hold_100000 | hold_1000000)
      "$out/ns3-hold" --pending="${b#hold_}" | prefix ;;
    dumbbell)
      "$out/ns3-dumbbell" | prefix ;;
    dumbbell_1000)
      "$out/ns3-dumbbell" --pairs=1000 --objects=5 --bottleneckQueue=1000 | prefix ;;
    dumbbell_appsim)
      "$out/ns3-dumbbell" --appsimSettings --prefix=dumbbell_appsim | prefix ;;
    transfer)
      "$out/ns3-transfer" | prefix ;;
    *)
      echo "bench-ns3: unknown benchmark '$b'" >&2; exit 2 ;;
  esac
done

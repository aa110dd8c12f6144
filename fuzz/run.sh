#!/usr/bin/env bash
# Runs the fuzz targets built in BUILD/fuzz/, each for SECONDS seconds, one
# after the other; `make fuzz` calls it.
#
#   fuzz/run.sh BUILD SECONDS [TARGET...]
#
# TARGET is a name of fuzz/TARGET.c (all of them when none is given). Each
# target starts from a copy of its committed seeds (fuzz/corpus/TARGET/) in
# a scratch folder, FUZZ_WORK/TARGET/ (FUZZ_WORK defaults to BUILD/fuzz-work
# and is emptied first), so the committed corpus is never written to; what
# the run learns and any finding (crash-*, leak-*, timeout-*, oom-*) stay
# there, with the target's log. SECONDS 0 only replays the seeds.
#
# FUZZ_TIMEOUT (default 25) is the seconds one input may take before it
# counts as a finding; FUZZ_RSS_MB (default 2048) the memory limit.
#
# Exit status: 0 when no target found anything, 1 otherwise. A table of
# executions per target is printed at the end.
set -uo pipefail

if [ $# -lt 2 ]; then
  echo "usage: $0 BUILD SECONDS [TARGET...]" >&2
  exit 2
fi
build=$1
seconds=$2
shift 2
src=$(cd "$(dirname "$0")" && pwd)
work=${FUZZ_WORK:-$build/fuzz-work}

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in "$src"/*.c; do
    targets+=("$(basename "$f" .c)")
  done
fi

rm -rf "$work"
mkdir -p "$work"
# Leaks are findings; ASan and UBSan stop at the first error.
export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=1:strict_string_checks=1:${ASAN_OPTIONS:-}
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:${UBSAN_OPTIONS:-}

failed=()
summary=""
for t in "${targets[@]}"; do
  bin=$build/fuzz/fuzz_$t
  if [ ! -x "$bin" ]; then
    echo "fuzz: no program $bin (build with make fuzz, or -DAPPSIM_FUZZ=ON)" >&2
    failed+=("$t")
    continue
  fi
  dir=$work/$t
  mkdir -p "$dir/corpus"
  if [ -d "$src/corpus/$t" ]; then
    cp -R "$src/corpus/$t/." "$dir/corpus/"
  fi
  args=(-timeout="${FUZZ_TIMEOUT:-25}" -rss_limit_mb="${FUZZ_RSS_MB:-2048}"
        -print_final_stats=1 -artifact_prefix="$dir/")
  if [ "$seconds" -gt 0 ]; then
    args+=(-max_total_time="$seconds")
  else
    args+=(-runs=0)
  fi
  if [ -f "$src/dict/$t.dict" ]; then
    args+=(-dict="$src/dict/$t.dict")
  fi
  echo "fuzz: $t for ${seconds}s (seeds: $(ls "$dir/corpus" | wc -l))"
  "$bin" "${args[@]}" "$dir/corpus" > "$dir/log" 2>&1
  rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | tail -n 1)
  units=$(ls "$dir/corpus" | wc -l)
  if [ $rc -ne 0 ]; then
    failed+=("$t")
    echo "fuzz: $t FAILED (exit $rc); the end of $dir/log:" >&2
    tail -n 60 "$dir/log" >&2
    ls "$dir" | grep -E '^(crash|leak|timeout|oom|slow-unit)-' | sed "s|^|fuzz: finding: $dir/|" >&2
  fi
  summary+=$(printf '%-16s %12s executions %6s corpus units  %s' "$t" "${execs:-?}" "$units" \
             "$([ $rc -eq 0 ] && echo ok || echo FAILED)")$'\n'
done

echo "fuzz: summary (${seconds}s each; logs and findings in $work)"
printf '%s' "$summary"
if [ ${#failed[@]} -ne 0 ]; then
  echo "fuzz: findings in: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: no findings"

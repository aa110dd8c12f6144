#!/usr/bin/env bash
# cmake --install into a temporary prefix, then use the installed copy as a
# user would: every file in its place (and appsim-bench only when asked);
# the installed appsim runs a shipped scenario by name from an empty
# folder, from its own share/appsim/scenarios; and the README's C example
# (the ```c block holding main) compiles with
# `pkg-config --cflags --libs appsim` (PKG_CONFIG_PATH at the prefix),
# links against the installed libappsim.a and prints the headline.
# APPSIM_TEST_CFLAGS adds compiler flags (the sanitizers of the build).
# Exit 0 pass, 1 fail, 77 skip (no cc or pkg-config).
# Usage: prefix.sh SOURCE_DIR BUILD_DIR
set -uo pipefail
src=$(cd "$1" && pwd) build=$(cd "$2" && pwd)
for tool in cc pkg-config; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed"; exit 77; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix="$tmp/prefix"
fail=0
cmake --install "$build" --prefix "$prefix" >"$tmp/install.log" 2>&1 || { cat "$tmp/install.log"; exit 1; }

pc=$(find "$prefix" -name appsim.pc -path '*/pkgconfig/*' | head -1)
for f in bin/appsim share/appsim/scenarios/http-single-object.json share/appsim/scenarios/http-persistence.json \
         share/man/man1/appsim.1.gz share/bash-completion/completions/appsim share/doc/appsim/README.md \
         share/doc/appsim/docs/scenarios.md include/appsim/world/plan.h include/appsim/cli/registry.h \
         include/appsim/sim/sim.h; do
  [ -e "$prefix/$f" ] || { echo "FAIL: $f is not installed"; fail=1; }
done
[ -n "$pc" ] || { echo "FAIL: appsim.pc is not installed"; fail=1; }
[ -n "$(find "$prefix" -name libappsim.a)" ] || { echo "FAIL: libappsim.a is not installed"; fail=1; }
[ -e "$prefix/bin/appsim-bench" ] && ! grep -q '^APPSIM_INSTALL_BENCH:BOOL=ON' "$build/CMakeCache.txt" &&
  { echo "FAIL: appsim-bench installed without APPSIM_INSTALL_BENCH"; fail=1; }
[ -n "$(find "$prefix/include" -name '*_priv.h')" ] && { echo "FAIL: private headers installed"; fail=1; }
n_src=$(ls "$src"/scenarios/*.json | wc -l) n_inst=$(ls "$prefix"/share/appsim/scenarios/*.json | wc -l)
[ "$n_src" -eq "$n_inst" ] || { echo "FAIL: $n_inst scenarios installed of $n_src"; fail=1; }

# The installed program, from an empty folder, finds its own scenarios.
mkdir "$tmp/cwd"
(cd "$tmp/cwd" && env -u APPSIM_SCENARIOS "$prefix/bin/appsim" run http-single-object -q >out.txt 2>err.txt)
rc=$?
[ $rc -eq 0 ] || { echo "FAIL: installed appsim run http-single-object: exit $rc"; cat "$tmp/cwd/err.txt"; fail=1; }
grep -qF "using $prefix/share/appsim/scenarios/http-single-object.json" "$tmp/cwd/err.txt" ||
  { echo "FAIL: it did not say it used the installed scenario:"; cat "$tmp/cwd/err.txt"; fail=1; }
[ -s "$tmp/cwd/results/http-single-object/summary.json" ] || { echo "FAIL: no results written"; fail=1; }
(cd "$tmp/cwd" && env -u APPSIM_SCENARIOS "$prefix/bin/appsim" list >list.txt)
head -1 "$tmp/cwd/list.txt" | grep -qF "shipped scenarios in $prefix/share/appsim/scenarios/" ||
  { echo "FAIL: appsim list names another folder:"; head -1 "$tmp/cwd/list.txt"; fail=1; }

# The README's C example against the installed copy.
awk '/^```c$/ {inblock = 1; buf = ""; next} inblock && /^```$/ {inblock = 0; if (buf ~ /int main/) {printf "%s", buf; exit}}
     inblock {buf = buf $0 "\n"}' "$src/README.md" >"$tmp/headline.c"
grep -q "int main" "$tmp/headline.c" || { echo "FAIL: no C example with main in README.md"; exit 1; }
export PKG_CONFIG_PATH
PKG_CONFIG_PATH=$(dirname "$pc")
flags=$(pkg-config --cflags --libs appsim) || { echo "FAIL: pkg-config --cflags --libs appsim"; exit 1; }
# shellcheck disable=SC2086
if ! cc -std=c11 -Wall -Wextra -Werror ${APPSIM_TEST_CFLAGS:-} -o "$tmp/headline" "$tmp/headline.c" $flags \
    2>"$tmp/cc.log"; then
  echo "FAIL: the README's C example does not build against the installed copy:"
  cat "$tmp/cc.log"
  exit 1
fi
out=$("$tmp/headline" "$prefix/share/appsim/scenarios/http-single-object.json") ||
  { echo "FAIL: the example failed: $out"; fail=1; }
grep -qE '^http-single-object run 0: page load time \(s\) = 0\.[0-9]+$' <<<"$out" ||
  { echo "FAIL: the example printed: $out"; fail=1; }
"$tmp/headline" "$tmp/nonexistent.json" >/dev/null 2>&1 && { echo "FAIL: the example succeeded on a missing file"; fail=1; }
[ $fail -eq 0 ] && echo "installed under a temporary prefix: files in place, run by name, the C example: $out"
exit $fail

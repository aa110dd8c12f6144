#!/usr/bin/env bash
# cpack builds the .deb into a temporary folder; without installing it,
# dpkg-deb shows its control fields (package appsim, its Debian runtime
# dependencies) and its contents: the program, the scenarios, the man
# page, the bash completion, appsim.pc, all under /usr.
# Exit 0 pass, 1 fail, 77 skip (no cpack or dpkg-deb).
# Usage: deb.sh SOURCE_DIR BUILD_DIR
set -uo pipefail
build=$(cd "$2" && pwd)
for tool in cpack dpkg-deb; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed"; exit 77; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
cpack --config "$build/CPackConfig.cmake" -G DEB -B "$tmp" >"$tmp/cpack.log" 2>&1 || { cat "$tmp/cpack.log"; exit 1; }
debs=("$tmp"/appsim_*.deb)
[ -f "${debs[0]}" ] || { echo "FAIL: no appsim_*.deb made"; cat "$tmp/cpack.log"; exit 1; }
deb="${debs[0]}"

[ "$(dpkg-deb -f "$deb" Package)" = appsim ] || { echo "FAIL: the package is not named appsim"; fail=1; }
depends=$(dpkg-deb -f "$deb" Depends)
for d in libglib2.0-0 libcjson1; do
  grep -q "\b$d\b" <<<"$depends" || { echo "FAIL: Depends ($depends) lacks $d"; fail=1; }
done
grep -q gnuplot-nox <<<"$(dpkg-deb -f "$deb" Recommends)" || { echo "FAIL: gnuplot-nox not recommended"; fail=1; }

list=$(dpkg-deb -c "$deb" | awk '{print $6}')
for f in ./usr/bin/appsim ./usr/share/appsim/scenarios/http-single-object.json ./usr/share/man/man1/appsim.1.gz \
         ./usr/share/bash-completion/completions/appsim ./usr/share/doc/appsim/README.md \
         ./usr/include/appsim/world/plan.h; do
  grep -qxF "$f" <<<"$list" || { echo "FAIL: $f is not in the .deb"; fail=1; }
done
grep -qE '^\./usr/lib/(.*/)?pkgconfig/appsim\.pc$' <<<"$list" || { echo "FAIL: appsim.pc is not in the .deb"; fail=1; }
grep -qE '^\./usr/lib/(.*/)?libappsim\.a$' <<<"$list" || { echo "FAIL: libappsim.a is not in the .deb"; fail=1; }
outside=$(grep -vE '^\./(usr/.*|usr|)$' <<<"$list")
[ -z "$outside" ] || { echo "FAIL: files outside /usr:"; echo "$outside"; fail=1; }
# The man page in the package is the one in the source tree, and gzip'd.
dpkg-deb -x "$deb" "$tmp/tree"
gzip -t "$tmp/tree/usr/share/man/man1/appsim.1.gz" || { echo "FAIL: appsim.1.gz is not gzip"; fail=1; }
[ $fail -eq 0 ] && echo "$(basename "$deb"): $(stat -c %s "$deb") bytes, $(wc -l <<<"$list") entries, contents as expected"
exit $fail

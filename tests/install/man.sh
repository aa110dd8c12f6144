#!/usr/bin/env bash
# The manual page appsim(1): man renders it without a warning (groff -ww
# too), and every option that `appsim CMD --help` (and `appsim CMD SUB
# --help`) lists is in it. Exit 0 pass, 1 fail, 77 skip (no man or groff).
# Usage: man.sh SOURCE_DIR BUILD_DIR
set -uo pipefail
src=$(cd "$1" && pwd) build=$(cd "$2" && pwd)
page="$src/docs/appsim.1" appsim="$build/appsim"
for tool in man groff; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed (apt-get install man-db groff)"; exit 77; }
done
fail=0

warn=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
[ -z "$warn" ] || { echo "FAIL: man --warnings -l appsim.1:"; echo "$warn"; fail=1; }
warn=$(groff -man -ww -z "$page" 2>&1)
[ -z "$warn" ] || { echo "FAIL: groff -man -ww:"; echo "$warn"; fail=1; }
MANWIDTH=80 man -l "$page" 2>/dev/null | grep -q "appsim run" || { echo "FAIL: the page does not render"; fail=1; }

# The page's text with troff's \- as -, to look the options up in.
text=$(sed 's/\\-/-/g' "$page")
cmds=$("$appsim" --help | sed -n 's/^  \([a-z][a-z0-9]*\)  .*/\1/p')
[ -n "$cmds" ] || { echo "FAIL: no commands in appsim --help"; exit 1; }
checked=0
check_opts() { # the options `appsim "$@" --help` lists, each in the page
  local o
  for o in $("$appsim" "$@" --help 2>&1 | grep -o -- '--[a-z0-9][a-z0-9.-]*' | sort -u); do
    checked=$((checked + 1))
    if ! grep -q -e "$o\b" <<<"$text"; then
      echo "FAIL: appsim $* --help lists $o, which appsim.1 does not"
      fail=1
    fi
  done
}
for c in $cmds; do
  grep -q "appsim $c\b" <<<"$text" || { echo "FAIL: command $c is not in appsim.1"; fail=1; }
  check_opts "$c"
  for s in $("$appsim" "$c" --help 2>&1 | grep -o "appsim $c [a-z][a-z0-9]*" | awk '{print $3}' | sort -u); do
    grep -q "appsim $c $s\b" <<<"$text" || { echo "FAIL: appsim $c $s is not in appsim.1"; fail=1; }
    check_opts "$c" "$s"
  done
done
[ "$checked" -ge 100 ] || { echo "FAIL: only $checked options found in the --help texts"; fail=1; }
[ $fail -eq 0 ] && echo "appsim.1: renders cleanly; $checked options of $(wc -w <<<"$cmds") commands documented"
exit $fail

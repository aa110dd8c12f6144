#!/usr/bin/env bash
# The bash completion (scripts/appsim-completion.bash): sourced into bash,
# its function _appsim is called with COMP_WORDS and COMP_CWORD set as
# bash would, with the build's appsim first on PATH, and what it offers
# is checked: commands, subcommands, options, shipped scenario names, and
# the --set paths of the scenario on the line. Exit 0 pass, 1 fail.
# Usage: completion.sh SOURCE_DIR BUILD_DIR
set -uo pipefail
src=$(cd "$1" && pwd) build=$(cd "$2" && pwd)
export PATH="$build:$PATH"
unset APPSIM_SCENARIOS
# shellcheck source=/dev/null
source "$src/scripts/appsim-completion.bash"
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1

# complete WORD... : runs _appsim on the words, the last one being completed.
complete_words() {
  COMP_WORDS=("$@")
  COMP_CWORD=$(($# - 1))
  COMP_LINE="$*"
  COMP_POINT=${#COMP_LINE}
  COMPREPLY=()
  _appsim appsim "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
  printf '%s\n' "${COMPREPLY[@]}"
}
# expect "WANT" WORD...: WANT is among what completing the words offers.
expect() {
  local want="$1"
  shift
  local got
  got=$(complete_words "$@")
  if ! grep -qxF -- "$want" <<<"$got"; then
    echo "FAIL: completing '$*' does not offer '$want'; it offers: $(tr '\n' ' ' <<<"$got")"
    fail=1
  fi
}
# expect_not "UNWANTED" WORD...
expect_not() {
  local no="$1"
  shift
  if complete_words "$@" | grep -qxF -- "$no"; then
    echo "FAIL: completing '$*' offers '$no'"
    fail=1
  fi
}

expect run appsim r
expect new appsim n
expect_not http appsim r
expect serve appsim http s
expect proxy appsim http p
expect ls appsim ftp l
expect --timeline appsim run --ti
expect --max-events appsim run --max
expect --writable appsim http serve --wr
expect --names appsim list --n
expect --paths appsim check --p
expect --formats appsim run --fo
expect svg appsim run --formats s
expect png,svg appsim run --formats png
expect --from appsim new mine --f
expect http-single-object appsim run http-si
expect http-persistence appsim check http-p
expect http-persistence appsim new mine --from http-p
expect links.access.delay= appsim run http-single-object --set links.acc
expect apps.browser.mode= appsim run --timeline http-persistence --set apps.b
expect --set=links.access.rate= appsim run http-single-object --set=links.access.r
expect_not links.access.delay= appsim run --set links.acc
# A scenario file of one's own: its own paths.
cat >mine.json <<'JSON'
{ "name": "mine", "nodes": [ { "name": "a" }, { "name": "b" } ],
  "links": [ { "name": "wire", "from": "a", "to": "b", "rate": "1Mbps", "delay": "5ms" } ],
  "apps": [ { "name": "web", "type": "http-server", "host": "b", "pages": [ { "path": "/i.html", "objects": 1 } ] },
            { "name": "br", "type": "browser", "host": "a", "pages": [ "http://b/i.html" ] } ] }
JSON
expect links.wire.delay= appsim check mine.json --set links.w
expect_not links.access.delay= appsim check mine.json --set links.
expect mine.json appsim run mi

[ $fail -eq 0 ] && echo "completion: all offers as expected"
exit $fail

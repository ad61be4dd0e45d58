#!/bin/sh
# End-to-end payout cases.  Each folder under DIR holds genealogy.csv, expected.csv (the payout
# lines worked out by hand; see the folder's README.md or docs/) and either plan.yaml or a file
# `plan` naming a bundled plan relative to the repository root.  Optional expected-members.csv is
# compared with --members output.
# Usage: run_cases.sh COMPSIM DIR
compsim=$1
dir=$(cd "$2" && pwd)
root=$(cd "$dir/../.." && pwd)
pass=0 fail=0
tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT
for case in "$dir"/*/; do
    case=${case%/}
    name=${case##*/}
    [ -f "$case/expected.csv" ] || continue
    if [ -f "$case/plan.yaml" ]; then plan=$case/plan.yaml; else plan=$root/$(cat "$case/plan"); fi
    set -- payout "$plan" "$case/genealogy.csv" -o "$tmp/$name.csv"
    [ -f "$case/expected-members.csv" ] && set -- "$@" --members "$tmp/$name-members.csv"
    if ! "$compsim" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"; then
        echo "FAIL $name: compsim failed:"; cat "$tmp/$name.err"; fail=$((fail + 1)); continue
    fi
    ok=1
    diff -u "$case/expected.csv" "$tmp/$name.csv" || ok=0
    if [ -f "$case/expected-members.csv" ]; then diff -u "$case/expected-members.csv" "$tmp/$name-members.csv" || ok=0; fi
    if [ $ok -eq 1 ]; then pass=$((pass + 1)); else echo "FAIL $name"; fail=$((fail + 1)); fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]

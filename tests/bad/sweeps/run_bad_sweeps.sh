#!/bin/sh
# Bad sweeps: for each X.yaml with an X.err in this folder, `compsim sweep X.yaml` must exit
# with status 1 (not a crash), write no results, and print exactly X.err on stderr.
# Usage: run_bad_sweeps.sh COMPSIM DIR
compsim=$1
cd "$2" || exit 2
pass=0 fail=0
tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT
for err in *.err; do
    case=${err%.err}
    "$compsim" sweep "$case.yaml" -o "$tmp/out" --quiet >/dev/null 2>"$tmp/stderr"
    rc=$?
    if [ "$rc" -ne 1 ]; then
        echo "FAIL $case: exit status $rc (want 1)"; fail=$((fail + 1))
    elif [ -e "$tmp/out" ]; then
        echo "FAIL $case: results were written"; fail=$((fail + 1)); rm -rf "$tmp/out"
    elif ! diff -u "$err" "$tmp/stderr"; then
        echo "FAIL $case: stderr differs from $err"; fail=$((fail + 1))
    else
        pass=$((pass + 1))
    fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]

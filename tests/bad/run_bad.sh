#!/bin/sh
# Bad-input cases: for each X.yaml (a plan) or X.csv (a genealogy, paid under minimal-plan.yaml,
# or place-plan.yaml, a binary plan, when X starts with "place-") in this folder, compsim must
# exit non-zero and print exactly X.err on stderr.
# Usage: run_bad.sh COMPSIM DIR
compsim=$1
cd "$2" || exit 2
pass=0 fail=0
out=$(mktemp) && trap 'rm -f "$out"' EXIT
for err in *.err; do
    case=${err%.err}
    if [ -f "$case.yaml" ]; then
        "$compsim" check "$case.yaml" >/dev/null 2>"$out"
    elif [ -f "$case.csv" ]; then
        plan=minimal-plan.yaml
        case $case in place-*) plan=place-plan.yaml ;; esac
        "$compsim" payout "$plan" "$case.csv" >/dev/null 2>"$out"
    else
        echo "FAIL $case: no $case.yaml or $case.csv"; fail=$((fail + 1)); continue
    fi
    rc=$?
    if [ "$rc" -eq 0 ] || [ "$rc" -ge 128 ]; then
        echo "FAIL $case: exit status $rc (want a non-zero exit, not a crash)"; fail=$((fail + 1))
    elif ! diff -u "$err" "$out"; then
        echo "FAIL $case: stderr differs from $err"; fail=$((fail + 1))
    else
        pass=$((pass + 1))
    fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]

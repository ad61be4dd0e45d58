#!/bin/sh
# Every bundled plan must pass `compsim check`.
# Usage: run_plans_check.sh COMPSIM PLANS_DIR
compsim=$1
pass=0 fail=0
for plan in "$2"/*.yaml; do
    if "$compsim" check "$plan" >/dev/null; then pass=$((pass + 1)); else echo "FAIL $plan"; fail=$((fail + 1)); fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]

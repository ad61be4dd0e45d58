#!/bin/sh
# Memory errors and leaks under valgrind (issue 6): compsim on every end-to-end payout case, every
# bad-input case, `compsim check` on every bundled plan, and a small simulation.  Any invalid
# access, use of uninitialised memory, or definite or indirect leak fails the run.  (OpenMP's
# thread pool keeps its stacks until exit: "possibly lost" blocks are not counted.)
# Usage: valgrind.sh COMPSIM ROOT
set -u
compsim=$1
root=$(cd "$2" && pwd)
tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT
runs=0 fail=0
vg() {
    runs=$((runs + 1))
    OMP_NUM_THREADS=2 valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
        --show-leak-kinds=definite,indirect "$compsim" "$@" >"$tmp/out" 2>"$tmp/err"
    if [ $? -eq 99 ]; then
        echo "FAIL: valgrind: compsim $*"
        grep -v "^[^=]" "$tmp/err" | head -30
        fail=$((fail + 1))
    fi
}
for p in "$root"/plans/*.yaml; do vg check "$p"; done
for dir in "$root"/tests/e2e/*/; do
    [ -f "$dir/genealogy.csv" ] || continue
    if [ -f "$dir/plan.yaml" ]; then plan=$dir/plan.yaml; else plan=$root/$(cat "$dir/plan"); fi
    vg payout "$plan" "$dir/genealogy.csv" -o "$tmp/p.csv" --members "$tmp/m.csv"
done
cd "$root/tests/bad" || exit 2
for f in *.yaml; do vg check "$f"; done
for f in *.csv; do
    plan=minimal-plan.yaml
    case $f in place-*) plan=place-plan.yaml ;; esac
    vg payout "$plan" "$f" -o "$tmp/p.csv"
done
cat >"$tmp/s.yaml" <<YAML
name: valgrind
plans: [$root/plans/unilevel-doterra.yaml, $root/plans/binary-weaker-leg.yaml]
periods: 6
replicas: 3
member_replicas: 2
market: {population: 2000, founders: 3}
YAML
vg simulate "$tmp/s.yaml" -o "$tmp/sim" --quiet --genealogy 1
echo "$runs runs under valgrind, $fail failed"
[ "$fail" -eq 0 ]

#!/bin/sh
# `compsim simulate` gives byte-identical files with 1 and 2 threads (issue 4, item 4), also with
# placement plans and contact recruitment, and writes
# its results folder whole: a folder that is not a results folder is never replaced (not even with
# --force), a results folder is replaced by a new run only with --force, and no temporary folder
# is left behind.
# Usage: sim_threads.sh COMPSIM ROOT
compsim=$1
root=$(cd "$2" && pwd)
tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT
fail=0
cat >"$tmp/s.yaml" <<YAML
name: threads
plans: [$root/plans/unilevel-doterra.yaml, $root/plans/hybrid-matching.yaml]
periods: 12
replicas: 7
member_replicas: 4
market: {population: 20000, founders: 5}
types:
  builder: {recruits: 1.0}
YAML
for t in 1 2; do
    "$compsim" simulate "$tmp/s.yaml" -o "$tmp/t$t" --threads "$t" --genealogy 5 --quiet || { echo "FAIL: simulate --threads $t"; exit 1; }
done
for f in periods.csv members.csv member_years.csv genealogy-5.csv; do
    cmp "$tmp/t1/$f" "$tmp/t2/$f" || { echo "FAIL: $f differs between 1 and 2 threads"; fail=1; }
done
# the same with placement plans (binary by weaker leg, forced matrix) and contact recruitment
cat >"$tmp/p.yaml" <<YAML
name: threads-placement
plans: [$root/plans/binary-weaker-leg.yaml, $root/plans/matrix-3x7.yaml]
periods: 12
replicas: 5
member_replicas: 2
market: {population: 20000, founders: 5}
recruitment: {contacts: {mean: 60, acceptance: 20%}}
types:
  builder: {recruits: 1.0}
YAML
for t in 1 2; do
    "$compsim" simulate "$tmp/p.yaml" -o "$tmp/p$t" --threads "$t" --genealogy 3 --quiet || { echo "FAIL: simulate placement --threads $t"; exit 1; }
done
for f in periods.csv members.csv member_years.csv genealogy-3.csv; do
    cmp "$tmp/p1/$f" "$tmp/p2/$f" || { echo "FAIL: placement scenario: $f differs between 1 and 2 threads"; fail=1; }
done
# the manifest differs only in the thread count and the wall time
grep -v -e '"threads"' -e '"wall_seconds"' "$tmp/t1/manifest.json" >"$tmp/m1"
grep -v -e '"threads"' -e '"wall_seconds"' "$tmp/t2/manifest.json" >"$tmp/m2"
cmp "$tmp/m1" "$tmp/m2" || { echo "FAIL: manifests differ beyond threads and wall time"; fail=1; }
[ "$(wc -l <"$tmp/t1/periods.csv")" -eq $((1 + 7 * 12 * 2)) ] || { echo "FAIL: periods.csv should have 7 x 12 x 2 rows"; fail=1; }
# a different seed gives different results
"$compsim" simulate "$tmp/s.yaml" -o "$tmp/seed" --seed 2 --quiet || { echo "FAIL: simulate --seed 2"; fail=1; }
cmp -s "$tmp/t1/periods.csv" "$tmp/seed/periods.csv" && { echo "FAIL: --seed 2 changed nothing"; fail=1; }

# a folder that is not a results folder stays as it is, with or without --force
mkdir "$tmp/mine" && echo keep >"$tmp/mine/notes.txt"
for force in "" --force; do
    if "$compsim" simulate "$tmp/s.yaml" -o "$tmp/mine" $force --quiet 2>"$tmp/err"; then echo "FAIL: replaced a folder without a manifest ($force)"; fail=1; fi
    echo "$tmp/mine: error: exists and is not a compsim results folder (no manifest.json): not replaced" >"$tmp/want"
    cmp -s "$tmp/err" "$tmp/want" || { echo "FAIL: message for a foreign folder ($force):"; cat "$tmp/err"; fail=1; }
    [ "$(ls "$tmp/mine")" = notes.txt ] || { echo "FAIL: the foreign folder was changed ($force)"; fail=1; }
done
# a results folder is not replaced without --force (the trailing slash is the same folder) ...
cp "$tmp/t1/periods.csv" "$tmp/t1-periods.csv"
if "$compsim" simulate "$tmp/s.yaml" -o "$tmp/t1/" --seed 2 --quiet 2>"$tmp/err"; then echo "FAIL: replaced results without --force"; fail=1; fi
echo "$tmp/t1: error: holds the results of an earlier run: not replaced without --force" >"$tmp/want"
cmp -s "$tmp/err" "$tmp/want" || { echo "FAIL: message for a results folder without --force:"; cat "$tmp/err"; fail=1; }
cmp -s "$tmp/t1/periods.csv" "$tmp/t1-periods.csv" || { echo "FAIL: results changed without --force"; fail=1; }
rm "$tmp/t1-periods.csv"
# ... and is replaced by the new run with it
"$compsim" simulate "$tmp/s.yaml" -o "$tmp/t1" --seed 2 --force --quiet || { echo "FAIL: rerun into t1 with --force"; fail=1; }
cmp -s "$tmp/t1/periods.csv" "$tmp/seed/periods.csv" || { echo "FAIL: the rerun did not replace the results"; fail=1; }
[ -f "$tmp/t1/genealogy-5.csv" ] && { echo "FAIL: a file of the old run is left in the new folder"; fail=1; }
leftover=$(ls "$tmp" | grep -e '\.tmp-' -e '\.old-')
[ -z "$leftover" ] || { echo "FAIL: temporary folders left: $leftover"; fail=1; }
[ $fail -eq 0 ] && echo "passed"
exit $fail

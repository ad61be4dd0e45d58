#!/bin/sh
# compsim sweep (docs/sweeps.md): an interrupted sweep, resumed, gives the same files as one
# uninterrupted run (and another thread count), and a folder of another sweep is refused.
# Interruptions: --max-points (deterministic) and kill -9 while a point runs (the atomic point
# files are what makes a resume safe).  Usage: sweep_resume.sh COMPSIM SOURCE_DIR
compsim=$1 src=$2
tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
# A tiny market, a saltelli design of 3 blocks x (2 + 2) points = 12 points, 2 replicas each.
cat > "$tmp/base.yaml" <<EOS
name: tiny
plans: $src/plans/unilevel-doterra.yaml
periods: 12
replicas: 2
market: {population: 400, founders: 5}
EOS
cat > "$tmp/sweep.yaml" <<EOS
name: tiny-sweep
scenario: base.yaml
design: saltelli
points: 3
replicas: 2
seed: 11
parameters:
  types.builder.recruits: {min: 0.5, max: 1.5}
  types.builder.attrition.later: {min: 2%, max: 6%}
metrics: [share_net_positive, members_end, payout_ratio]
EOS
"$compsim" sweep "$tmp/sweep.yaml" -o "$tmp/a" --threads 1 --no-charts --quiet || fail "full run"
[ "$(wc -l < "$tmp/a/sweep.csv")" -eq 13 ] || fail "sweep.csv should have a header and 12 rows"
[ "$(wc -l < "$tmp/a/sensitivity.csv")" -eq 7 ] || fail "sensitivity.csv should have 3 metrics x 2 parameters"

# stop after 5 points: exit 3, 5 point files, no sweep.csv yet
"$compsim" sweep "$tmp/sweep.yaml" -o "$tmp/b" --threads 2 --max-points 5 --no-charts --quiet 2>/dev/null
rc=$?
[ "$rc" -eq 3 ] || fail "--max-points: exit status $rc, want 3"
[ "$(ls "$tmp/b/points" | wc -l)" -eq 5 ] || fail "--max-points 5 left $(ls "$tmp/b/points" | wc -l) points"
[ ! -e "$tmp/b/sweep.csv" ] || fail "sweep.csv written before every point was done"

# kill -9 while later points run, once at least one more point is done
"$compsim" sweep "$tmp/sweep.yaml" -o "$tmp/b" --threads 2 --no-charts --quiet 2>/dev/null &
pid=$!
i=0
while [ "$(ls "$tmp/b/points" | wc -l)" -lt 6 ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i + 1)); done
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
done_now=$(ls "$tmp/b/points" | grep -c '^p[0-9]*\.txt$')
echo "killed with $done_now of 12 points done"
# resume: only the missing points run, and the result is byte-identical
"$compsim" sweep "$tmp/sweep.yaml" -o "$tmp/b" --threads 2 --no-charts --quiet || fail "resume"
cmp "$tmp/a/sweep.csv" "$tmp/b/sweep.csv" || fail "sweep.csv differs after resuming"
cmp "$tmp/a/sensitivity.csv" "$tmp/b/sensitivity.csv" || fail "sensitivity.csv differs after resuming"
[ ! -e "$tmp/b/.work" ] || fail "scratch folder left behind"
ls "$tmp/b/points" | grep -v '^p[0-9]*\.txt$' && fail "temporary files left in points/"

# a finished point is not run again (its file, dated 2000, is not rewritten); a missing one is
touch -d 2000-01-01 "$tmp/b/points/p0000000.txt" "$tmp/b/points/p0000001.txt"
rm "$tmp/b/points/p0000003.txt" "$tmp/b/sweep.csv"
"$compsim" sweep "$tmp/sweep.yaml" -o "$tmp/b" --no-charts --quiet || fail "second resume"
[ "$(stat -c %Y "$tmp/b/points/p0000000.txt")" = "$(date -d 2000-01-01 +%s)" ] || fail "a finished point was run again"
[ -e "$tmp/b/points/p0000003.txt" ] || fail "a missing point was not run"
cmp "$tmp/a/sweep.csv" "$tmp/b/sweep.csv" || fail "sweep.csv differs after the second resume"

# the same folder with a changed sweep is refused, nothing is touched
sed 's/seed: 11/seed: 12/' "$tmp/sweep.yaml" > "$tmp/other.yaml"
"$compsim" sweep "$tmp/other.yaml" -o "$tmp/b" --quiet 2>"$tmp/err"
rc=$?
[ "$rc" -eq 1 ] || fail "another sweep's folder: exit status $rc, want 1"
grep -q "holds the points of another sweep" "$tmp/err" || fail "message: $(cat "$tmp/err")"
cmp "$tmp/a/sweep.csv" "$tmp/b/sweep.csv" || fail "the refused run changed sweep.csv"
echo "ok"

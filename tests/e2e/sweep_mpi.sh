#!/bin/sh
# compsim sweep under MPI (docs/sweeps.md, "MPI"): `mpirun -np 2` and `-np 3` (one and two
# workers; --threads 1 and 2) give sweep.csv and sensitivity.csv byte-identical to the same build
# run without mpirun; -np 1 too; an MPI run stopped by --max-points resumes under another rank
# count; an error is reported once, not once per rank; the workers' scratch folders are removed.
# Usage: sweep_mpi.sh COMPSIM SOURCE_DIR MPIEXEC
compsim=$1 src=$2 mpiexec=${3:-mpirun}
tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
mkdir "$tmp/scratch"
# root in CI containers; more ranks than cores on small machines; workers' scratch under $tmp
mpi() { np=$1; shift; TMPDIR="$tmp/scratch" "$mpiexec" --allow-run-as-root --oversubscribe -x TMPDIR -np "$np" "$@"; }
# The sweep of sweep_resume.sh: saltelli, 3 blocks x (2 + 2) = 12 points, 2 replicas each.
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
same() { # folder: its sweep.csv and sensitivity.csv are the single run's
    cmp "$tmp/one/sweep.csv" "$tmp/$1/sweep.csv" || fail "$1: sweep.csv differs from the run without MPI"
    cmp "$tmp/one/sensitivity.csv" "$tmp/$1/sensitivity.csv" || fail "$1: sensitivity.csv differs"
}
"$compsim" sweep "$tmp/sweep.yaml" -o "$tmp/one" --threads 1 --no-charts --quiet || fail "run without mpirun"
[ "$(wc -l < "$tmp/one/sweep.csv")" -eq 13 ] || fail "sweep.csv should have a header and 12 rows"

mpi 2 "$compsim" sweep "$tmp/sweep.yaml" -o "$tmp/np2" --threads 1 --no-charts --quiet || fail "-np 2"
same np2
grep -q '"ranks": 2,' "$tmp/np2/manifest.json" || fail "-np 2: manifest does not say 2 ranks"
mpi 3 "$compsim" sweep "$tmp/sweep.yaml" -o "$tmp/np3" --threads 2 --no-charts --quiet || fail "-np 3"
same np3
mpi 1 "$compsim" sweep "$tmp/sweep.yaml" -o "$tmp/np1" --threads 1 --no-charts --quiet || fail "-np 1"
same np1
grep -q '"ranks": 1,' "$tmp/np1/manifest.json" || fail "-np 1: manifest does not say 1 rank"

# stopped by --max-points under 2 ranks (exit 3, 5 points, no sweep.csv), resumed under 3
mpi 2 "$compsim" sweep "$tmp/sweep.yaml" -o "$tmp/res" --threads 1 --max-points 5 --no-charts --quiet 2>"$tmp/err"
rc=$?
[ "$rc" -eq 3 ] || fail "--max-points under MPI: exit status $rc, want 3: $(cat "$tmp/err")"
[ "$(ls "$tmp/res/points" | wc -l)" -eq 5 ] || fail "--max-points 5 left $(ls "$tmp/res/points" | wc -l) points"
[ ! -e "$tmp/res/sweep.csv" ] || fail "sweep.csv written before every point was done"
mpi 3 "$compsim" sweep "$tmp/sweep.yaml" -o "$tmp/res" --threads 1 --no-charts --quiet || fail "resume under -np 3"
same res

# errors: a folder of another sweep (found by rank 0) and a bad sweep file (found by every rank)
# are reported once, with the single run's exit status
sed 's/seed: 11/seed: 12/' "$tmp/sweep.yaml" > "$tmp/other.yaml"
mpi 3 "$compsim" sweep "$tmp/other.yaml" -o "$tmp/np3" --quiet 2>"$tmp/err"
rc=$?
[ "$rc" -eq 1 ] || fail "another sweep's folder under MPI: exit status $rc, want 1"
[ "$(grep -c "holds the points of another sweep" "$tmp/err")" -eq 1 ] || fail "message not once: $(cat "$tmp/err")"
same np3
sed 's/min: 0.5/min: -0.5/' "$tmp/sweep.yaml" > "$tmp/bad.yaml"
mpi 3 "$compsim" sweep "$tmp/bad.yaml" -o "$tmp/bad" --quiet 2>"$tmp/err"
rc=$?
[ "$rc" -eq 1 ] || fail "bad sweep under MPI: exit status $rc, want 1"
[ "$(grep -c "cannot be negative" "$tmp/err")" -eq 1 ] || fail "message not once: $(cat "$tmp/err")"

[ -z "$(ls "$tmp/scratch")" ] || fail "workers left scratch folders: $(ls "$tmp/scratch")"
for d in np2 np3 res; do [ ! -e "$tmp/$d/.work" ] || fail "$d: scratch folder left behind"; done
echo "ok"

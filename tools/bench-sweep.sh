#!/bin/sh
# Benchmark of `compsim sweep` (docs/performance.md, "Sweeps"): points per hour on this machine
# and the MPI overhead per point.  Not a test: it prints figures, medians over RUNS runs each,
# with the load average before and after every measurement (the machine may be shared).
#
#   1. a representative sweep: the default scenario (scenarios/default.yaml, its market unchanged:
#      10 founders, 10^6 people, 36 months) at POINTS Sobol points x REPLICAS replicas, three
#      parameters (a scenario rate, a quit rate, a plan's unilevel rate), THREADS threads; baseline
#      in the same invocation: `compsim simulate --no-report` of one point's scenario (what a point
#      does before reading its results back), so the sweep's own cost shows as a ratio;
#   2. MPI (with an MPI build): a sweep of CHEAP trivially cheap points (20 people, 2 periods, 1
#      replica) without mpirun and with `mpirun --oversubscribe -np 2` and `-np 3`; the ranks'
#      COMPSIM_SWEEP_TIMING notes give each worker's round trips to rank 0 per point (the MPI
#      overhead a point pays) and rank 0's busy time per point (what bounds the rank count);
#      then the representative sweep under `mpirun -np 2` against the same without mpirun.
#
# Usage: tools/bench-sweep.sh BUILD_DIR [MPI_BUILD_DIR]
#   env: RUNS (3), POINTS (8), REPLICAS (4), THREADS (2), CHEAP (200), MPIRUN (mpirun)
set -u
build=$(cd "$1" && pwd) || exit 2
mbuild=${2:+$(cd "$2" && pwd)}
src=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${RUNS:-3} POINTS=${POINTS:-8} REPLICAS=${REPLICAS:-4} THREADS=${THREADS:-2} CHEAP=${CHEAP:-200}
MPIRUN=${MPIRUN:-mpirun}
tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT
load() { cut -d' ' -f1-3 /proc/loadavg; }
now() { date +%s.%N; }
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
# times "$@" RUNS times (after `rm -rf $OUT`); prints the wall times, leaves the median in $tmp/med
timed() {
    : > "$tmp/times"
    for _ in $(seq "$RUNS"); do
        rm -rf "$OUT"
        t0=$(now)
        "$@" > "$tmp/out" 2> "$tmp/err" || { echo "FAILED: $*"; cat "$tmp/err"; exit 1; }
        t1=$(now)
        echo "$t1 - $t0" | bc -l >> "$tmp/times"
        cat "$tmp/err" >> "$tmp/notes"
    done
    median < "$tmp/times" > "$tmp/med"
    printf '  wall %s s (median %.3f s), load before/after %s / %s\n' "$(awk '{ printf "%s%.3f", (NR > 1 ? ", " : ""), $1 }' "$tmp/times")" \
        "$(cat "$tmp/med")" "$L0" "$(load)"
}
echo "compsim sweep benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(uname -m), load average $(load)"
echo "build: $build${mbuild:+, MPI build: $mbuild}; RUNS=$RUNS POINTS=$POINTS REPLICAS=$REPLICAS THREADS=$THREADS CHEAP=$CHEAP"

# ---- 1. the representative sweep ----------------------------------------------------------------------
sed -e "s|\.\./plans/|$src/plans/|" "$src/scenarios/default.yaml" > "$tmp/base.yaml"
cat > "$tmp/rep.yaml" <<EOS
name: bench-rep
scenario: base.yaml
design: sobol
points: $POINTS
replicas: $REPLICAS
seed: 1
parameters:
  types.builder.recruits: {min: 0.5, max: 1.5}
  types.builder.attrition.later: {min: 2%, max: 6%}
  plan.bonuses.unilevel.levels[0]: {min: 1%, max: 4%}
metrics: [share_net_positive, payout_ratio, members_end, gini, top1]
EOS
echo
echo "1. representative sweep: default scenario, $POINTS Sobol points x $REPLICAS replicas, --threads $THREADS"
L0=$(load) OUT=$tmp/rep-out
timed "$build/compsim" sweep "$tmp/rep.yaml" -o "$tmp/rep-out" --threads "$THREADS" --no-charts --quiet
t_sweep=$(cat "$tmp/med")
members=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "members_end_mean") c = i } NR > 1 { s += $c; n++ } END { printf "%.0f", s / n }' "$tmp/rep-out/sweep.csv")
awk -v t="$t_sweep" -v p="$POINTS" -v r="$REPLICAS" -v m="$members" 'BEGIN {
    printf "  per point: %.3f s (%.3f s a replica; %s members at the end of a replica, mean over the points)\n", t / p, t / p / r, m
    printf "  POINTS PER HOUR: %.0f (of %d replicas); replica-points per hour: %.0f\n", 3600 * p / t, r, 3600 * p * r / t }'

# baselines: Sobol's first point (the middle of every range) as a 1-point sweep, and the same
# scenario run by hand: simulate alone, and simulate + report (what a point replaces)
sed 's/^points: .*/points: 1/' "$tmp/rep.yaml" > "$tmp/one.yaml"
sed 's/^    levels: \[2%, 3%/    levels: [2.5%, 3%/' "$src/plans/unilevel-doterra.yaml" > "$tmp/plan0.yaml"
cmp -s "$tmp/plan0.yaml" "$src/plans/unilevel-doterra.yaml" && { echo "FAILED: the plan's first unilevel rate is not 2%"; exit 1; }
seed0=$(awk -F, 'NR == 2 { print $2 }' "$tmp/rep-out/sweep.csv")
sed -e "s/^replicas: .*/replicas: $REPLICAS\nmember_replicas: $REPLICAS/" -e "s/^seed: .*/seed: $seed0/" \
    -e 's/^    recruits: 0.05$/    recruits: 0.05\n  builder:\n    recruits: 1\n    attrition: {later: 4%}/' \
    -e "s|^plans: .*|plans: $tmp/plan0.yaml|" "$tmp/base.yaml" > "$tmp/point0.yaml"
echo "  baselines, point 0 alone ($REPLICAS replicas, every replica's members written and read):"
echo "  - as a 1-point sweep:"
L0=$(load) OUT=$tmp/one-out
timed "$build/compsim" sweep "$tmp/one.yaml" -o "$tmp/one-out" --threads "$THREADS" --no-charts --quiet
t_one=$(cat "$tmp/med")
echo "  - compsim simulate --no-report of the same scenario (seed $seed0):"
L0=$(load) OUT=$tmp/sim-out
timed "$build/compsim" simulate "$tmp/point0.yaml" -o "$tmp/sim-out" --threads "$THREADS" --no-report --quiet
t_sim=$(cat "$tmp/med")
: > "$tmp/rt"
for _ in $(seq "$RUNS"); do
    t0=$(now); "$build/compsim" report "$tmp/sim-out" --no-charts > /dev/null 2>&1 || { echo "FAILED: report"; exit 1; }
    echo "$(now) - $t0" | bc -l >> "$tmp/rt"
done
t_rep=$(median < "$tmp/rt")
awk -v a="$t_one" -v s="$t_sim" -v r="$t_rep" 'BEGIN {
    printf "  - compsim report --no-charts of that folder: median %.3f s\n", r
    printf "  RATIOS: 1-point sweep / simulate %.2f; / (simulate + report) %.2f\n", a / s, a / (s + r) }'

# ---- 2. MPI -------------------------------------------------------------------------------------------
[ -n "$mbuild" ] || { echo; echo "2. MPI: no MPI build given (tools/bench-sweep.sh BUILD_DIR MPI_BUILD_DIR)"; exit 0; }
cat > "$tmp/cheap-base.yaml" <<EOS
name: cheap
plans: $src/plans/unilevel-doterra.yaml
periods: 2
replicas: 1
market: {population: 20, founders: 2}
EOS
cat > "$tmp/cheap.yaml" <<EOS
name: bench-cheap
scenario: cheap-base.yaml
design: grid
levels: $CHEAP
replicas: 1
parameters:
  types.builder.recruits: {min: 0.5, max: 1.5}
metrics: [payout_ratio]
EOS
# BIND: Open MPI binds each of 2 ranks to one core by default, which would squeeze a worker's
# OpenMP threads onto it; the cheap sweep runs 1 thread a rank and keeps the default.
mpi() { np=$1; shift; TMPDIR=$tmp COMPSIM_SWEEP_TIMING=1 "$MPIRUN" --allow-run-as-root --oversubscribe ${BIND:-} -x TMPDIR -x COMPSIM_SWEEP_TIMING -np "$np" "$@"; }
echo
echo "2. MPI overhead: $CHEAP trivially cheap points (20 people, 2 periods, 1 replica), --threads 1"
echo "  without mpirun (the MPI-less build):"
L0=$(load) OUT=$tmp/cheap-out
timed "$build/compsim" sweep "$tmp/cheap.yaml" -o "$tmp/cheap-out" --threads 1 --no-charts --quiet
t_cheap=$(cat "$tmp/med")
awk -v t="$t_cheap" -v n="$CHEAP" 'BEGIN { printf "  per point: %.2f ms\n", 1e3 * t / n }'
for np in 2 3; do
    echo "  mpirun -np $np ($((np - 1)) worker$([ $np -gt 2 ] && echo s)):"
    : > "$tmp/notes"
    L0=$(load) OUT=$tmp/cheap-out
    timed mpi "$np" "$mbuild/compsim" sweep "$tmp/cheap.yaml" -o "$tmp/cheap-out" --threads 1 --no-charts --quiet
    rt=$(sed -n 's/.*rank [1-9][0-9]*: .*(\([0-9.]*\) ms a point).*/\1/p' "$tmp/notes" | median)
    busy=$(sed -n 's/.*rank 0: .*(\([0-9.]*\) ms a point, of which writing the point file \([0-9.]*\) ms).*/\1/p' "$tmp/notes" | median)
    wr=$(sed -n 's/.*rank 0: .*of which writing the point file \([0-9.]*\) ms).*/\1/p' "$tmp/notes" | median)
    awk -v t="$(cat "$tmp/med")" -v t1="$t_cheap" -v n="$CHEAP" -v rt="$rt" -v b="$busy" -v w="$wr" 'BEGIN {
        printf "  per point: %.2f ms (%.2f x without mpirun)\n", 1e3 * t / n, t / t1
        printf "  MPI ROUND TRIP PER POINT (a worker sends its metrics, waits for its next index; median over workers and runs): %.3f ms\n", rt
        printf "  rank 0 busy per point: %.3f ms, of which writing the point file %.3f ms: at most %.0f points an hour whatever the ranks\n", b, w, 3.6e6 / b }'
done
echo
echo "3. the representative sweep under mpirun -np 2 --bind-to none (1 worker with --threads $THREADS; rank 0 sleeps between messages)"
: > "$tmp/notes"
L0=$(load) OUT=$tmp/rep-mpi
BIND="--bind-to none" timed mpi 2 "$mbuild/compsim" sweep "$tmp/rep.yaml" -o "$tmp/rep-mpi" --threads "$THREADS" --no-charts --quiet
cmp "$tmp/rep-out/sweep.csv" "$tmp/rep-mpi/sweep.csv" || { echo "FAILED: sweep.csv differs under MPI"; exit 1; }
rt=$(sed -n 's/.*rank [1-9][0-9]*: .*(\([0-9.]*\) ms a point).*/\1/p' "$tmp/notes" | median)
awk -v t="$(cat "$tmp/med")" -v t1="$t_sweep" -v p="$POINTS" -v rt="$rt" 'BEGIN {
    printf "  %.2f x the run without mpirun (sweep.csv byte-identical); round trip %.3f ms a point = %.4f%% of a point (%.3f s)\n",
        t / t1, rt, 100 * rt / 1e3 / (t1 / p), t1 / p }'

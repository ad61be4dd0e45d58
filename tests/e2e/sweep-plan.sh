#!/bin/sh
# Sweeping plan parameters (docs/sweeps.md, "Plan parameters"), checked two ways:
#  1. each point of a sweep over a unilevel rate and a rank's GV gives, byte for byte, the metrics
#     of `compsim simulate` run on a hand-edited copy of the plan with the point's values and seed;
#  2. with the same plan twice in one scenario (one market, common random numbers), doubling every
#     unilevel rate of plan 2 doubles its unilevel total and leaves its other bonuses as plan 1's.
# With MPIEXEC (an MPI build), also: the same sweep under `mpirun -np 3` writes the same sweep.csv
# and report.html.
# Usage: sweep-plan.sh COMPSIM SOURCE_DIR [MPIEXEC]
compsim=$1 src=$(cd "$2" && pwd) mpiexec=${3:-}
tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
plan=$src/plans/unilevel-doterra.yaml
grep -q '^    levels: \[2%, 3%, 5%, 5%, 5%, 6%, 7%\]$' "$plan" || fail "the plan's unilevel rates changed: update this test"
[ "$(grep -c '^    gv: 1000$' "$plan")" -eq 1 ] || fail "the plan's Director GV changed: update this test"

# ---- 1. against compsim simulate on edited copies ------------------------------------------------
cat > "$tmp/base.yaml" <<EOS
name: tiny
plans: $plan
periods: 12
replicas: 2
market: {population: 400, founders: 5}
EOS
cat > "$tmp/sweep.yaml" <<EOS
name: plan-sweep
scenario: base.yaml
design: grid
replicas: 3
seed: 5
parameters:
  plan.bonuses.unilevel.levels[0]: [2%, 4.5%]
  plan.ranks.Director.gv: [1000, 400.5]
metrics: [share_net_positive, payout_ratio, commission_share_unilevel, gross_mean]
EOS
"$compsim" sweep "$tmp/sweep.yaml" -o "$tmp/sw" --threads 2 --quiet || fail "sweep"
[ "$(wc -l < "$tmp/sw/sweep.csv")" -eq 5 ] || fail "sweep.csv should have a header and 4 rows"
grep -q '"kind": "volume"' "$tmp/sw/manifest.json" || fail "manifest: the GV is not a volume"
tail -n +2 "$tmp/sw/sweep.csv" | while IFS=, read -r point seed rate gv rest; do
    # the plan as a user would edit it by hand
    sed -e "s/^    levels: \[2%, 3%/    levels: [$rate%, 3%/" -e "s/^    gv: 1000\$/    gv: $gv/" "$plan" > "$tmp/p$point.yaml"
    cmp -s "$plan" "$tmp/p$point.yaml" && { [ "$rate" != 2 ] || [ "$gv" != 1000 ]; } && fail "point $point: sed changed nothing"
    cat > "$tmp/s$point.yaml" <<EOS
name: tiny
plans: $tmp/p$point.yaml
periods: 12
replicas: 3
member_replicas: 3
seed: $seed
market: {population: 400, founders: 5}
EOS
    "$compsim" simulate "$tmp/s$point.yaml" -o "$tmp/r$point" --threads 1 --quiet >/dev/null || fail "simulate point $point"
    # summary.csv: metric,plan,plan_name,unit,source,mean,p05,p95,replicas,label (plan 1's rows)
    want=$(for m in share_net_positive payout_ratio commission_share_unilevel gross_mean; do
        awk -F, -v m=$m '$1 == m && $2 == 1 { printf ",%s,%s,%s,%s", $6, $7, $8, $9 }' "$tmp/r$point/report/summary.csv"
    done)
    [ "$rest" = "${want#,}" ] || fail "point $point ($rate%, gv $gv): sweep '$rest', simulate '${want#,}'"
    echo "point $point: $rate%, gv $gv: same metrics as compsim simulate on the edited plan"
done || exit 1

if [ -n "$mpiexec" ]; then
    "$compsim" sweep "$tmp/sweep.yaml" -o "$tmp/one" --threads 1 --no-charts --quiet || fail "sweep without charts"
    TMPDIR=$tmp "$mpiexec" --allow-run-as-root --oversubscribe -x TMPDIR -np 3 "$compsim" sweep "$tmp/sweep.yaml" -o "$tmp/mpi" \
        --threads 1 --no-charts --quiet || fail "sweep under mpirun -np 3"
    cmp "$tmp/sw/sweep.csv" "$tmp/mpi/sweep.csv" || fail "sweep.csv differs under MPI"
    cmp "$tmp/one/report.html" "$tmp/mpi/report.html" || fail "report.html differs under MPI"
    echo "mpirun -np 3: the same sweep.csv and report.html"
fi

# ---- 2. plan 2 = plan 1 with every unilevel rate doubled, on the same market ----------------------
cat > "$tmp/two.yaml" <<EOS
name: two
plans: [$plan, $plan]
periods: 12
replicas: 1
market: {population: 1500, founders: 5}
types:
  builder: {recruits: 1.2}
EOS
cat > "$tmp/double.yaml" <<EOS
name: double
scenario: two.yaml
replicas: 1
parameters:
  plan@2.bonuses.unilevel.levels[0]: [4%]
  plan@2.bonuses.unilevel.levels[1]: [6%]
  plan@2.bonuses.unilevel.levels[2]: [10%]
  plan@2.bonuses.unilevel.levels[3]: [10%]
  plan@2.bonuses.unilevel.levels[4]: [10%]
  plan@2.bonuses.unilevel.levels[5]: [12%]
  plan@2.bonuses.unilevel.levels[6]: [14%]
metrics: [payout_ratio, commission_share_unilevel, payout_ratio@2, commission_share_unilevel@2]
EOS
"$compsim" sweep "$tmp/double.yaml" -o "$tmp/dbl" --quiet || fail "sweep with plan@2"
# with 1 replica a point's mean is that replica's value; unilevel / BV = payout_ratio x share.
# Lines are rounded once each, to the cent, so 2 x round(x) and round(2x) may differ by a cent a
# line: allow 0.2% of the unilevel total.
tail -n 1 "$tmp/dbl/sweep.csv" | awk -F, '{
    pr1 = $10; cs1 = $14; pr2 = $18; cs2 = $22
    u1 = pr1 * cs1; u2 = pr2 * cs2; o1 = pr1 - u1; o2 = pr2 - u2
    if (!(u1 > 0)) { print "FAIL: plan 1 paid no unilevel"; exit 1 }
    if ((u2 - 2 * u1) ^ 2 > (0.002 * u2) ^ 2) { printf "FAIL: unilevel/BV %.10g under doubled rates, want 2 x %.10g\n", u2, u1; exit 1 }
    if ((o2 - o1) ^ 2 > 1e-18) { printf "FAIL: other bonuses/BV %.12g, want %.12g (unchanged)\n", o2, o1; exit 1 }
    printf "doubled rates: unilevel/BV %.8g = 2 x %.8g (ratio %.6f); other bonuses unchanged (%.8g)\n", u2, u1, u2 / u1, o1 }' || exit 1
echo ok

#!/bin/sh
# bench_payout.sh: builds compsim in Release and runs the payout benchmark (docs/performance.md).
#
# usage: sh tools/bench_payout.sh [--breakdown] [bench_payout options] [PLAN.yaml ...]
#
#   Options and plans are passed to bench_payout (see `bench_payout --help`): for example
#   --sizes 1e6,1e7 --reps 7 --csv /tmp/bench.csv.
#   --breakdown  instead of the plans given, times variants of plans/unilevel-doterra.yaml with its
#                bonuses added one at a time, written to a temporary folder, so that the cost of each
#                pass of the payout is the difference between two rows.
#   BUILD=DIR    build folder (default /tmp/build-bench).
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-/tmp/build-bench}

breakdown=0
if [ "${1-}" = "--breakdown" ]; then
    breakdown=1
    shift
fi

cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DCOMPSIM_TESTS=OFF >/dev/null
cmake --build "$BUILD" -j "$(nproc)" --target bench_payout >/dev/null

if [ "$breakdown" = 0 ]; then
    exec "$BUILD/bench_payout" "$@"
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/bench_payout-plans.XXXXXX")
trap 'rm -rf "$dir"' EXIT INT TERM

# The rank ladder of plans/unilevel-doterra.yaml; $1 = "all" for all seven, "one" for a single rank.
head_part() {
    echo "name: $2"
    echo "period: month"
    echo "active: {min_pv: 100}"
    echo "ranks:"
    if [ "$1" = one ]; then
        echo "  - {name: Member, pv: 100}"
        return
    fi
    cat <<'EOF'
  - {name: Director, pv: 100, gv: 1000}
  - {name: Executive, pv: 100, gv: 2000}
  - {name: Elite, pv: 100, gv: 3000}
  - {name: Premier, pv: 100, gv: 5000, max_leg_share: 50%}
  - {name: Silver, pv: 100, legs: [{rank: Elite, count: 3}]}
  - {name: Gold, pv: 100, legs: [{rank: Premier, count: 3}]}
  - {name: Platinum, pv: 100, legs: [{rank: Silver, count: 3}]}
EOF
}
retail='  - {name: retail, type: retail_profit, margin: {unranked: 25%}}'
fast='  - {name: fast_start, type: fast_start, compression: none, levels: [20%, 10%, 5%]}'
uni='  - {name: unilevel, type: unilevel, compression: dynamic, levels: [2%, 3%, 5%, 5%, 5%, 6%, 7%],
     depth: {unranked: 1, Director: 2, Executive: 3, Elite: 4, Premier: 5, Silver: 7}}'
uni_flat='  - {name: unilevel, type: unilevel, compression: dynamic, levels: [2%, 3%, 5%, 5%, 5%, 6%, 7%]}'
uni_none='  - {name: unilevel, type: unilevel, compression: none, levels: [2%, 3%, 5%, 5%, 5%, 6%, 7%],
     depth: {unranked: 1, Director: 2, Executive: 3, Elite: 4, Premier: 5, Silver: 7}}'

{ head_part all "1 retail"; echo "bonuses:"; echo "$retail"; } >"$dir/b1-retail.yaml"
{ head_part all "2 + fast start"; echo "bonuses:"; echo "$retail"; echo "$fast"; } >"$dir/b2-retail-fast.yaml"
{ head_part all "3 + unilevel"; echo "bonuses:"; echo "$retail"; echo "$fast"; echo "$uni"; } >"$dir/b3-retail-fast-uni.yaml"
cp plans/unilevel-doterra.yaml "$dir/b4-full-doterra.yaml"
{ head_part all "unilevel alone"; echo "bonuses:"; echo "$uni"; } >"$dir/x1-unilevel-only.yaml"
{ head_part all "unilevel, no compression"; echo "bonuses:"; echo "$uni_none"; } >"$dir/x2-unilevel-nocompress.yaml"
{ head_part one "unilevel, one rank"; echo "bonuses:"; echo "$uni_flat"; } >"$dir/x3-unilevel-1rank.yaml"

# the plans are named last so that options given to this script still apply
"$BUILD/bench_payout" "$@" "$dir"/b1-retail.yaml "$dir"/b2-retail-fast.yaml "$dir"/b3-retail-fast-uni.yaml \
    "$dir"/b4-full-doterra.yaml "$dir"/x1-unilevel-only.yaml "$dir"/x2-unilevel-nocompress.yaml \
    "$dir"/x3-unilevel-1rank.yaml

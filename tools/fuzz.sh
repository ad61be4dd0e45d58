#!/bin/sh
# Fuzzing: builds the libFuzzer targets of tests/fuzz (clang, AddressSanitizer and
# UndefinedBehaviorSanitizer) and runs each for SECONDS (default 60), starting from seed corpora
# made of the project's own inputs: plans/, scenarios/, the bad-input cases and the end-to-end
# cases.  A crash, a leak, undefined behaviour or a hang (over 10 s on one input) stops the run
# with a non-zero exit; the input is saved in build-fuzz/crashes/ and belongs, once fixed, in
# tests/fuzz/regressions/TARGET/ (run by ctest in every build).
# Usage: sh tools/fuzz.sh [SECONDS]
set -eu
secs=${1:-60}
cd "$(dirname "$0")/.."
root=$(pwd)
CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCOMPSIM_FUZZ=ON -DCOMPSIM_TESTS=OFF >/dev/null
cmake --build build-fuzz -j "$(nproc)" >/dev/null
seeds=build-fuzz/seeds
rm -rf "$seeds" && mkdir -p "$seeds/plan" "$seeds/scenario" "$seeds/genealogy" "$seeds/payout" build-fuzz/crashes
k=0
for f in plans/*.yaml tests/bad/*.yaml tests/e2e/*/plan.yaml; do k=$((k + 1)); cp "$f" "$seeds/plan/$k"; done
for f in scenarios/*.yaml tests/bad/scenarios/*.yaml; do k=$((k + 1)); cp "$f" "$seeds/scenario/$k"; done
for f in tests/bad/*.csv tests/e2e/*/genealogy.csv plans/genealogies/*.csv; do
    k=$((k + 1))
    # the first byte chooses the part size (fuzz_genealogy.c); large files are cut to 8 KB
    { printf '\020'; head -c 8192 "$f"; } >"$seeds/genealogy/$k"
done
for dir in tests/e2e/*/; do
    [ -f "$dir/genealogy.csv" ] || continue
    if [ -f "$dir/plan.yaml" ]; then plan=$dir/plan.yaml; else plan=$(cat "$dir/plan"); fi
    k=$((k + 1))
    { cat "$plan"; printf '%%%%\n'; head -c 8192 "$dir/genealogy.csv"; } >"$seeds/payout/$k"
done
for t in plan scenario genealogy payout; do
    mkdir -p "build-fuzz/corpus/$t"
    echo "== fuzz_$t for ${secs}s"
    "build-fuzz/fuzz_$t" "build-fuzz/corpus/$t" "$seeds/$t" -max_total_time="$secs" -timeout=10 \
        -rss_limit_mb=2048 -max_len=16384 -print_final_stats=1 -artifact_prefix="$root/build-fuzz/crashes/$t-" \
        2>"build-fuzz/fuzz_$t.log" || { tail -40 "build-fuzz/fuzz_$t.log"; exit 1; }
    grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "build-fuzz/fuzz_$t.log" | tr '\n' ' '
    echo
done

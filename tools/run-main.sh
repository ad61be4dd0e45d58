#!/bin/sh
# The main job: install, build, and apply a bundled plan to a bundled genealogy.
# Writes results/example-payout/{payouts.csv,members.csv,summary.txt}.
set -eu
cd "$(dirname "$0")/.."
sh tools/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DCOMPSIM_TESTS=OFF
cmake --build build -j "$(nproc)"
out=results/example-payout
mkdir -p "$out"
./build/compsim check plans/unilevel-doterra.yaml
./build/compsim payout plans/unilevel-doterra.yaml plans/genealogies/example-2000.csv \
    -o "$out/payouts.csv" --members "$out/members.csv" | tee "$out/summary.txt"
echo "wrote $out/payouts.csv, $out/members.csv and $out/summary.txt"

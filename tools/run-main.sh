#!/bin/sh
# The main job: install, build, simulate the default scenario and write its report
# (results/default/, report in results/default/report/report.html); then, as a check of the
# payout engine on real-style data, apply a bundled plan to a bundled genealogy
# (results/example-payout/{payouts.csv,members.csv,summary.txt}).
set -eu
cd "$(dirname "$0")/.."
sh tools/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DCOMPSIM_TESTS=OFF
cmake --build build -j "$(nproc)"
rm -rf results/default # this script's own output, made again
./build/compsim simulate scenarios/default.yaml -o results/default
echo "wrote results/default/ (report: results/default/report/report.html)"
out=results/example-payout
mkdir -p "$out"
./build/compsim check plans/unilevel-doterra.yaml
./build/compsim payout plans/unilevel-doterra.yaml plans/genealogies/example-2000.csv \
    -o "$out/payouts.csv" --members "$out/members.csv" | tee "$out/summary.txt"
echo "wrote $out/payouts.csv, $out/members.csv and $out/summary.txt"

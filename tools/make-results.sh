#!/bin/sh
# Regenerates results/<scenario>/ for every bundled scenario: the simulation's manifest and its
# report (tables, charts, report.html).  The raw per-period and per-member files and the PNG
# copies of the charts are left out of the repository (.gitignore) to keep it small; this command
# makes them again.  Needs a built compsim (sh tools/run-main.sh builds one in build/).
# Usage: sh tools/make-results.sh [COMPSIM]
set -eu
cd "$(dirname "$0")/.."
compsim=${1:-build/compsim}
for sc in scenarios/*.yaml; do
    name=$(basename "$sc" .yaml)
    rm -rf "results/$name"
    echo "== $name"
    "$compsim" simulate "$sc" -o "results/$name" --quiet
done
# the headline charts shown in the docs
mkdir -p docs/img
for c in membership income_distribution lorenz disclosure; do
    cp "results/default/report/charts/$c.svg" "docs/img/default-$c.svg"
done

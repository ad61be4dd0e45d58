#!/bin/sh
# report.html in headless Chromium (issue 5): a small two-plan scenario's report loads without
# errors and shows all ten charts (tools/report-chromium-check.sh).  Exit 77 (skipped) without
# chromium or gnuplot.
# Usage: report_html.sh COMPSIM ROOT
compsim=$1
root=$(cd "$2" && pwd)
command -v gnuplot >/dev/null 2>&1 || { echo "gnuplot not installed: skipped"; exit 77; }
tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/s.yaml" <<YAML
name: report-html
plans: [$root/plans/unilevel-doterra.yaml, $root/plans/stairstep-herbalife.yaml]
periods: 12
replicas: 4
member_replicas: 3
market: {population: 2000, founders: 5}
types:
  builder: {recruits: 1.2}
YAML
"$compsim" simulate "$tmp/s.yaml" -o "$tmp/r" --quiet || { echo "FAIL: simulate"; exit 1; }
sh "$root/tools/report-chromium-check.sh" "$tmp/r/report/report.html" 10 "$tmp/shot.png"

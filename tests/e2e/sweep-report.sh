#!/bin/sh
# A sweep's report.html (docs/sweeps.md, "The report"): its sections; for a saltelli design each
# metric's indices as in sensitivity.csv, the variance and the tornado chart inlined; the points
# table as in sweep.csv; the same page after an interrupted and resumed run; a grid design's page
# without indices; and, where chromium is installed, the page renders with every chart decoded.
# Usage: sweep-report.sh COMPSIM SOURCE_DIR
compsim=$1 src=$(cd "$2" && pwd)
tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
cat > "$tmp/base.yaml" <<EOS
name: tiny
plans: $src/plans/unilevel-doterra.yaml
periods: 12
replicas: 2
market: {population: 400, founders: 5}
EOS
cat > "$tmp/sal.yaml" <<EOS
name: sal
scenario: base.yaml
design: saltelli
points: 3
replicas: 2
seed: 3
parameters:
  types.builder.recruits: {min: 0.5, max: 1.5}
  plan.bonuses.unilevel.levels[0]: {min: 1%, max: 6%}
metrics: [share_net_positive, payout_ratio]
EOS
charts=1
command -v gnuplot >/dev/null 2>&1 || charts=0
"$compsim" sweep "$tmp/sal.yaml" -o "$tmp/a" --threads 2 --quiet 2>"$tmp/err" || fail "sweep: $(cat "$tmp/err")"
html=$tmp/a/report.html
[ -s "$html" ] || fail "no report.html"
for id in parameters sensitivity summary points methods; do
    grep -q "<h2 id=$id>" "$html" || fail "no section '$id'"
done
grep -q '<b>How to read this.</b>' "$html" || fail "no reading guide"
grep -q '^<!DOCTYPE html>' "$html" && tail -n 1 "$html" | grep -q '</body></html>' || fail "not a whole page"
grep -q -E '(src|href)="(https?:|file:|//)' "$html" && fail "the page loads something from elsewhere"

# each metric's section: every index of sensitivity.csv (3 decimals) on its parameter's row, the variance
for m in share_net_positive payout_ratio; do
    awk -v m="$m" 'index($0, "<h3 id=\"s-" m "\">") { on = 1; print; next } on && /^<h[23]/ { exit } on' "$html" > "$tmp/sec"
    [ -s "$tmp/sec" ] || fail "no section for $m"
    awk -F, -v m="$m" '$1 == m { printf "%s %.3f %.3f %.6g %s\n", $2, $3, $5, $7, $8 }' "$tmp/a/sensitivity.csv" > "$tmp/want"
    [ "$(wc -l < "$tmp/want")" -eq 2 ] || fail "sensitivity.csv: $m should have 2 rows"
    while read -r p s1 st var blocks; do
        grep -F "<tr><td class=l><code>$p</code></td><td>$s1 <span class=iv>" "$tmp/sec" | grep -q -F "</td><td>$st <span class=iv>" ||
            fail "$m, $p: first order $s1 and total $st of sensitivity.csv not in the report"
        grep -q -F "Variance of the metric across the sweep: $var, from $blocks blocks of 4 points" "$tmp/sec" ||
            fail "$m: variance $var ($blocks blocks) not in the report"
    done < "$tmp/want"
    if [ $charts = 1 ]; then
        [ -s "$tmp/a/charts/tornado-$m.svg" ] || fail "no tornado chart for $m"
        grep -q -F "<img class=chart alt=\"Tornado chart of the sensitivity of $m\" src=\"data:image/svg+xml;base64," "$tmp/sec" ||
            fail "the tornado chart of $m is not inlined"
    fi
done
# the tornado chart inlined is the file in charts/ (base64 of it)
if [ $charts = 1 ]; then
    b64=$(base64 -w 0 "$tmp/a/charts/tornado-payout_ratio.svg")
    grep -q -F "base64,$b64\"" "$html" || fail "the inlined chart is not charts/tornado-payout_ratio.svg"
fi
# the points: 12 rows, point 5's payout_ratio mean (4 significant digits) as in sweep.csv
[ "$(grep -c '^<tr><td>[0-9]*</td>' "$html")" -eq 12 ] || fail "the points table should have 12 rows"
pr5=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "payout_ratio_mean") c = i } NR == 7 { printf "%.4g", $c }' "$tmp/a/sweep.csv")
grep '^<tr><td>5</td>' "$html" | grep -q -F "<td>$pr5 <span class=iv>" || fail "point 5's payout_ratio $pr5 not in the points table"
grep -q 'plan 1</td><td class=l>percentage' "$html" || fail "the plan parameter is not shown as plan 1's"

# interrupted and resumed: the same page (no charts: gnuplot's SVG is not ours to keep identical)
"$compsim" sweep "$tmp/sal.yaml" -o "$tmp/b" --no-charts --quiet || fail "run without charts"
"$compsim" sweep "$tmp/sal.yaml" -o "$tmp/c" --no-charts --max-points 5 --quiet 2>/dev/null
[ ! -e "$tmp/c/report.html" ] || fail "report.html written before every point was done"
"$compsim" sweep "$tmp/sal.yaml" -o "$tmp/c" --no-charts --threads 1 --quiet || fail "resume"
cmp "$tmp/b/report.html" "$tmp/c/report.html" || fail "report.html differs after resuming"
grep -q 'chart not drawn' "$tmp/b/report.html" || fail "--no-charts: the page should say the charts were not drawn"

# a grid: no indices, says why
sed -e 's/design: saltelli/design: grid/' -e 's/points: 3/levels: 2/' "$tmp/sal.yaml" > "$tmp/grid.yaml"
"$compsim" sweep "$tmp/grid.yaml" -o "$tmp/g" --quiet || fail "grid sweep"
grep -q 'sensitivity indices need <code>design: saltelli</code>' "$tmp/g/report.html" || fail "grid: no word on sensitivity"
[ "$(grep -c '^<tr><td>[0-9]*</td>' "$tmp/g/report.html")" -eq 4 ] || fail "grid: the points table should have 4 rows"

# in a browser
if [ $charts = 1 ] && browser=$(command -v chromium || command -v chromium-browser); then
    opts="--headless --no-sandbox --disable-gpu --user-data-dir=$tmp/profile --enable-logging=stderr --v=0"
    timeout 120 "$browser" $opts --dump-dom "file://$html" > "$tmp/dom" 2>"$tmp/log" || fail "chromium could not render the page"
    body=$(grep -o '<body[^>]*>' "$tmp/dom" | head -1)
    echo "$body" | grep -q 'data-charts="2"' || fail "chromium: 2 charts expected ($body)"
    echo "$body" | grep -q 'data-charts-loaded="2"' || fail "chromium: not every chart decoded ($body)"
    grep -q 'How to read this' "$tmp/dom" || fail "chromium: the page's text is not shown"
    grep -i -E 'Uncaught|CONSOLE.*error' "$tmp/log" && fail "chromium: errors in the page"
    echo "chromium: the page renders, 2 of 2 charts decoded"
else
    echo "chromium or gnuplot not installed: the page was not rendered"
fi
echo ok

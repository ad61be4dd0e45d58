#!/bin/sh
# `compsim simulate` runs `compsim report` (issue 5): a small two-plan scenario, then checks that
# the report's files are there and its key figures agree with the simulator's own files, each
# recomputed here with awk from periods.csv and members.csv (a second, independent method):
# net = gross + retail profit - fee - expenses - cost part of purchases, member by member; the
# share with positive net income and the payout ratio, mean across replicas; rank shares adding
# up to 1.  Then: charts skipped without gnuplot, --no-report, a second run into the same folder,
# and a folder that is not a results folder.
# Usage: report_e2e.sh COMPSIM ROOT
compsim=$1
root=$(cd "$2" && pwd)
tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT
fail=0
err() { echo "FAIL: $*"; fail=1; }
# two numbers agree to 1e-9 (the report prints 10 significant digits)
close() { [ -n "$1" ] && awk -v a="$1" -v b="$2" 'BEGIN { x = a - b; exit !(x < 1e-9 && x > -1e-9) }'; }
cat >"$tmp/s.yaml" <<YAML
name: report-e2e
plans: [$root/plans/unilevel-doterra.yaml, $root/plans/hybrid-matching.yaml]
periods: 14
replicas: 6
member_replicas: 4
market: {population: 3000, founders: 5}
types:
  builder: {recruits: 1.2}
shocks:
  - {from: 10, recruitment: 0.5}
YAML
"$compsim" simulate "$tmp/s.yaml" -o "$tmp/r" --quiet 2>"$tmp/err" || { cat "$tmp/err"; echo "FAIL: simulate"; exit 1; }
rep=$tmp/r/report
for f in report.html summary.json summary.csv disclosure.csv quantiles.csv lorenz.csv periods.csv cohorts.csv \
    survival.csv comparison.csv; do
    [ -s "$rep/$f" ] || err "missing $f"
done
charts="membership income_distribution lorenz disclosure cohort_net payout_ratio survival comparison_payout_ratio comparison_paid_share comparison_differences"
have_gnuplot=0
command -v gnuplot >/dev/null 2>&1 && have_gnuplot=1
for c in $charts; do
    [ -s "$rep/charts/$c.csv" ] && [ -s "$rep/charts/$c.gp" ] || err "chart $c: data or script missing"
    if [ $have_gnuplot = 1 ]; then
        [ -s "$rep/charts/$c.svg" ] && [ -s "$rep/charts/$c.png" ] || err "chart $c not drawn"
    fi
done
ls "$tmp" | grep -q -e tmp -e old && err "temporary folders left: $(ls "$tmp")"

# 1. net income reconciles member by member (customers value all purchases, builders half)
awk -F, 'NR > 1 {
    v = ($5 == "builder") ? 0.5 : 1
    cost = int((1 - v) * ($11 * 100) + 0.5 + 1e-6) / 100      # cost part, rounded half up to the cent
    d = $9 + $10 - $13 - $12 - cost - $14
    if (d > 0.005 || d < -0.005) { print "line " NR ": net " $14 " but parts give " $14 + d; bad = 1 }
} END { exit bad }' "$tmp/r/members.csv" || err "net does not equal its parts"

# 2. share of members with positive net income, plan 1: per replica, then the mean
want=$(awk -F, 'NR > 1 && $2 == 1 { n[$1]++; if ($14 > 0) p[$1]++ }
    END { for (r in n) { s += p[r] / n[r]; k++ } printf "%.12f", s / k }' "$tmp/r/members.csv")
got=$(awk -F, '$1 == "share_net_positive" && $2 == 1 { print $6 }' "$rep/summary.csv")
close "$got" "$want" || err "share_net_positive: report $got, members.csv gives $want"

# 3. payout ratio over the run, plan 2: sum of company_paid / sum of bv per replica, then the mean
hdr=$(head -1 "$tmp/r/periods.csv")
col() { echo "$hdr" | tr , '\n' | grep -n -x "$1" | cut -d: -f1; }
cp=$(col company_paid) bv=$(col bv)
want=$(awk -F, -v cp="$cp" -v bv="$bv" 'NR > 1 && $3 == 2 { p[$1] += $cp; b[$1] += $bv }
    END { for (r in p) { s += p[r] / b[r]; k++ } printf "%.12f", s / k }' "$tmp/r/periods.csv")
got=$(awk -F, '$1 == "payout_ratio" && $2 == 2 { print $6 }' "$rep/summary.csv")
close "$got" "$want" || err "payout_ratio plan 2: report $got, periods.csv gives $want"

# 4. rank shares add up to 1 under each plan; the disclosure's "all members" row is 100%
for k in 1 2; do
    s=$(awk -F, -v k="$k" '$1 == k && $4 == "share_of_members" && $3 != "all members" { s += $5 } END { printf "%.9f", s }' "$rep/disclosure.csv")
    [ "$s" = "1.000000000" ] || err "plan $k: rank shares add up to $s"
done
# 5. the paired difference of a metric is the mean of the per-replica differences, so its mean
#    equals the difference of the two plans' means when both rest on the same replicas
a=$(awk -F, '$1 == "share_gross_zero" && $2 == 1 { print $6 }' "$rep/summary.csv")
b=$(awk -F, '$1 == "share_gross_zero" && $2 == 2 { print $6 }' "$rep/summary.csv")
dd=$(awk -F, '$1 == 2 && $3 == "share_gross_zero" { print $5 }' "$rep/comparison.csv")
awk -v a="$a" -v b="$b" -v d="$dd" 'BEGIN { x = b - a - d; exit !(x < 1e-9 && x > -1e-9) }' || err "paired difference $dd is not $b - $a"
# 6. member_years.csv: each member's years sum to its members.csv totals, in whole cents
#    (gross, retail profit, purchases, expenses, sign-up fee, net; the fee once, in the joining year)
awk -F, 'function c(x) { return (x < 0) ? -int(-x * 100 + 0.5) : int(x * 100 + 0.5) }
    FNR == 1 { next }
    FILENAME ~ /member_years/ { k = $1 "," $2 "," $3; g[k] += c($10); rp[k] += c($11); pu[k] += c($12)
        ex[k] += c($14); fe[k] += c($15); ne[k] += c($16); if ($15 + 0 != 0) nf[k]++; next }
    { k = $1 "," $2 "," $3; seen++
      if (g[k] != c($9) || rp[k] != c($10) || pu[k] != c($11) || ex[k] != c($12) || fe[k] != c($13) || ne[k] != c($14) || nf[k] != ($13 + 0 != 0)) {
          print "member " k ": years do not sum to the totals"; bad = 1 } }
    END { if (!seen) bad = 1; exit bad }' "$tmp/r/member_years.csv" "$tmp/r/members.csv" || err "member_years.csv does not reconcile with members.csv"
# 7. 14 monthly periods: year 1 whole, year 2 partial; the default year is 1.  The share with
#    positive net income in year 1 (members in the network that year), plan 1, mean over replicas
awk -F, 'NR > 1 && (($4 == 1 && ($7 != 1 || $6 != 12)) || ($4 == 2 && ($7 != 0 || $6 != 14)) || $4 > 2) { bad = 1 } END { exit bad }' \
    "$tmp/r/member_years.csv" || err "member_years.csv: wrong year bounds"
grep -q '"disclosure_year": 1, "disclosure_year_whole": true' "$rep/summary.json" || err "default year is not 1"
ypos() { awk -F, -v y="$1" -v k="$2" 'NR > 1 && $4 == y && $2 == k && $8 > 0 { n[$1]++; if ($16 > 0) p[$1]++ }
    END { for (r in n) { s += p[r] / n[r]; j++ } printf "%.12f", s / j }' "$tmp/r/member_years.csv"; }
want=$(ypos 1 1)
got=$(awk -F, '$1 == "share_net_positive_year" && $2 == 1 { print $6 }' "$rep/summary.csv")
close "$got" "$want" || err "share_net_positive_year: report $got, member_years.csv gives $want"
got=$(awk -F, '$1 == 1 && $3 == "all members" && $4 == "share_net_positive" { print $5 }' "$rep/disclosure_year.csv")
close "$got" "$want" || err "disclosure_year all members: report $got, member_years.csv gives $want"
want=$(ypos 2 2)
got=$(awk -F, '$1 == 2 && $3 == 2 && $4 == "partial" && $5 == "share_net_positive" { print $6 }' "$rep/years.csv")
close "$got" "$want" || err "years.csv year 2 plan 2: report $got, member_years.csv gives $want"
for k in 1 2; do
    s=$(awk -F, -v k="$k" '$1 == k && $4 == "share_of_members" && $3 != "all members" { s += $5 } END { printf "%.9f", s }' "$rep/disclosure_year.csv")
    [ "$s" = "1.000000000" ] || err "year table, plan $k: rank shares add up to $s"
done
# --year: another year, and one the run does not have
"$compsim" report "$tmp/r" --year 2 --no-charts >/dev/null 2>"$tmp/err" || err "report --year 2: $(cat "$tmp/err")"
grep -q '"disclosure_year": 2, "disclosure_year_whole": false' "$rep/summary.json" || err "--year 2 not used"
want=$(ypos 2 1)
got=$(awk -F, '$1 == 1 && $3 == "all members" && $4 == "share_net_positive" { print $5 }' "$rep/disclosure_year.csv")
close "$got" "$want" || err "--year 2: report $got, member_years.csv gives $want"
if "$compsim" report "$tmp/r" --year 3 --no-charts >/dev/null 2>"$tmp/err"; then err "--year 3 accepted"; fi
grep -q "year 3: the results hold years 1 to 2" "$tmp/err" || err "--year 3 message: $(cat "$tmp/err")"
# a folder of an older version, without member_years.csv: the report says what it cannot show
mkdir "$tmp/old" && cp "$tmp/r/manifest.json" "$tmp/r/periods.csv" "$tmp/r/members.csv" "$tmp/old/"
"$compsim" report "$tmp/old" --no-charts >/dev/null 2>"$tmp/err" || err "report without member_years.csv: $(cat "$tmp/err")"
[ -e "$tmp/old/report/disclosure_year.csv" ] && err "a year table without member_years.csv"
grep -q 'has no member_years.csv' "$tmp/old/report/report.html" || err "report.html does not say member_years.csv is missing"
grep -q '"disclosure_year": null' "$tmp/old/report/summary.json" || err "summary.json: disclosure_year should be null"
rm -rf "$tmp/old"
"$compsim" report "$tmp/r" --no-charts >/dev/null 2>&1 || err "report again"
grep -q 'positive net income' "$rep/report.html" || err "report.html has no headline"
grep -q '"share_net_positive"' "$rep/summary.json" || err "summary.json has no headline metric"

# without gnuplot: the data and scripts, a warning, and a page that says so
COMPSIM_GNUPLOT=/nonexistent/gnuplot "$compsim" report "$tmp/r" >/dev/null 2>"$tmp/err" || err "report without gnuplot failed"
grep -q "charts skipped" "$tmp/err" || err "no warning when gnuplot is missing: $(cat "$tmp/err")"
[ -s "$rep/charts/lorenz.gp" ] && [ ! -e "$rep/charts/lorenz.svg" ] || err "charts without gnuplot: wrong files"
grep -q "chart not drawn" "$rep/report.html" || err "report.html does not say the charts were skipped"

# --no-report, and a rerun (--force) into a folder that holds a report (no leftovers)
"$compsim" simulate "$tmp/s.yaml" -o "$tmp/n" --quiet --no-report || err "simulate --no-report"
[ -e "$tmp/n/report" ] && err "--no-report wrote a report"
"$compsim" simulate "$tmp/s.yaml" -o "$tmp/r" --seed 3 --quiet --force 2>"$tmp/err" || err "rerun: $(cat "$tmp/err")"
[ -s "$tmp/r/report/summary.json" ] || err "rerun: no report"
[ -s "$tmp/err" ] && err "rerun printed: $(cat "$tmp/err")"
leftover=$(ls "$tmp" | grep -v -x -e r -e n -e s.yaml -e err)
[ -z "$leftover" ] || err "left behind: $leftover"

# no member replicas: the figures from periods.csv only, and the page says why the rest is missing
sed -e 's/member_replicas: 4/member_replicas: 0/' -e 's/periods: 14/periods: 12/' "$tmp/s.yaml" >"$tmp/m0.yaml"
"$compsim" simulate "$tmp/m0.yaml" -o "$tmp/m0" --quiet 2>"$tmp/err" || err "member_replicas 0: $(cat "$tmp/err")"
grep -q '^payout_ratio,1,' "$tmp/m0/report/summary.csv" || err "member_replicas 0: no payout ratio"
grep -q 'holds no members' "$tmp/m0/report/report.html" || err "member_replicas 0: no explanation"
rm -rf "$tmp/m0" "$tmp/m0.yaml"

# a folder that is not a results folder
mkdir "$tmp/empty"
if "$compsim" report "$tmp/empty" 2>"$tmp/err"; then err "report of an empty folder succeeded"; fi
grep -q "manifest.json: error: cannot read" "$tmp/err" || err "message for an empty folder: $(cat "$tmp/err")"
[ -e "$tmp/empty/report" ] && err "a failed report left a folder"
[ $fail -eq 0 ] && echo "passed"
exit $fail

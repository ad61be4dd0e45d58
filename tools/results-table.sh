#!/bin/sh
# Prints the simulated figures that the docs quote, read from reports (results/<scenario>/report/
# or any folder written by `compsim simulate`), so that they are copied into the docs mechanically
# rather than by hand.  Nothing is computed beyond rounding (and 1 − x for the builders who lose
# money): every figure is a mean, p05 or p95 column of the report's CSV files (docs/metrics.md).
#
#   sh tools/results-table.sh [SCENARIO...]   the rows of the scenario table of docs/results.md
#                                             (default: the bundled scenarios, in the doc's order),
#                                             then the default scenario's one-year figure
#   sh tools/results-table.sh -v [DIR]        the default scenario's figures in docs/validation.md
#                                             (DIR: a results folder, default results/default)
#   sh tools/results-table.sh -c DIR...       one row of the tuning table of docs/validation.md per
#                                             results folder (never sponsored, paid nothing, top 1%,
#                                             payout ratio, members at the end)
# Words are split on purpose: "mean p05 p95 replicas" travel as one string.
# shellcheck disable=SC2046,SC2086
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)

# metric row of summary.csv: prints "mean p05 p95 replicas" for plan $3 (or "- - - 0")
get() { # get DIR METRIC PLAN
    awk -F, -v m="$2" -v p="$3" '$1 == m && $2 == p { print $6, $7, $8, $9; f = 1; exit }
        END { if (!f) print "- - - 0" }' "$1/report/summary.csv"
}
# a row of a tidy table (disclosure.csv, quantiles.csv, periods.csv): plan,plan_name,KEY,measure,...
getk() { # getk FILE PLAN KEY MEASURE
    awk -F, -v p="$2" -v k="$3" -v m="$4" '$1 == p && $3 == k && $4 == m { print $5, $6, $7, $8; f = 1; exit }
        END { if (!f) print "- - - 0" }' "$1"
}
pct() { awk -v x="$1" -v d="${2:-1}" 'BEGIN { if (x == "-" || x == "") print "n/a"; else printf "%.*f\n", d, 100 * x }'; }
num() { awk -v x="$1" -v d="${2:-0}" 'BEGIN { if (x == "-" || x == "") { print "n/a"; exit }
        s = sprintf("%.*f", d, x); i = s; sub(/\..*/, "", i); f = substr(s, length(i) + 1)
        neg = (i ~ /^-/); if (neg) i = substr(i, 2)
        while (length(i) > 3) { o = "," substr(i, length(i) - 2) o; i = substr(i, 1, length(i) - 3) }
        print (neg ? "-" : "") i o f }'; }
# "mean% (p05–p95%)" or "mean% (p05–p95)" when $2 = short
ival() { # ival "mean p05 p95 n" DECIMALS [short]
    set -- $1 "$2" "${3:-}"
    m=$(pct "$1" "$5"); a=$(pct "$2" "$5"); b=$(pct "$3" "$5")
    if [ "${6:-}" = short ]; then echo "$m% ($a–$b)"; else echo "$m% ($a–$b%)"; fi
}
first() { set -- $1; echo "$1"; }

table() {
    [ $# -gt 0 ] || set -- default compare-plans placement-plans recruitment-rewards growth-stops saturation local-saturation
    echo "| scenario | plan | members with positive net income | paid nothing by the company | top 1%'s share of commissions | payout ratio | members joined |"
    echo "|---|---|---|---|---|---|---|"
    for sc in "$@"; do
        d=$root/results/$sc
        joined=$(num "$(first "$(get "$d" members_joined 0)")")
        awk -F, '$1 == "share_net_positive" { print $2 "," $3 }' "$d/report/summary.csv" |
        while IFS=, read -r plan name; do
            pos=$(ival "$(get "$d" share_net_positive "$plan")" 2 short)
            zero=$(pct "$(first "$(get "$d" share_gross_zero "$plan")")")
            top=$(pct "$(first "$(get "$d" top1 "$plan")")")
            pr=$(awk -v x="$(first "$(get "$d" payout_ratio "$plan")")" 'BEGIN { printf "%.3f", x }')
            echo "| $sc | $name | $pos | $zero% | $top% | $pr | $joined |"
        done
    done
    d=$root/results/default
    y=$(awk -F, '$1 == "share_net_positive_year" && $2 == 1 { n = split($10, w, " "); print w[n] }' "$d/report/summary.csv")
    echo
    echo "default, share_net_positive_year (year $y): $(ival "$(get "$d" share_net_positive_year 1)" 2)"
}

validation() {
    d=${1:-$root/results/default}
    r=$d/report
    echo "share_gross_zero            $(ival "$(get "$d" share_gross_zero 1)" 1)"
    echo "share_unpaid_period         $(ival "$(get "$d" share_unpaid_period 1)" 1)"
    echo "gross_median                \$$(num "$(first "$(get "$d" gross_median 1)")" 2)"
    echo "gross p99 (quantiles.csv)   \$$(num "$(first "$(getk "$r/quantiles.csv" 1 p99 gross)")")"
    echo "share_never_sponsored       $(ival "$(get "$d" share_never_sponsored 0)" 1)"
    echo "first_year_dropout          $(ival "$(get "$d" first_year_dropout 0)" 1)"
    echo "top1                        $(ival "$(get "$d" top1 1)" 1)"
    echo "share_net_negative          $(ival "$(get "$d" share_net_negative 1)" 1)"
    b=$(first "$(get "$d" share_net_positive_builders 1)")
    echo "share_net_positive_builders $(pct "$b" 1)% (builders losing: $(pct "$(awk -v x="$b" 'BEGIN { print 1 - x }')" 1)%)"
    echo "payout_ratio                $(ival "$(get "$d" payout_ratio 1)" 1)"
    for t in 1 12 24 36; do
        printf "%-28s%s\n" "payout_ratio month $t" "$(pct "$(first "$(getk "$r/periods.csv" 1 "$t" payout_ratio)")" 1)%"
    done
    set -- $(getk "$r/disclosure.csv" 1 "no rank" gross_mean)
    echo "no rank gross_mean          \$$(num "$1" 2) ($(num "$2" 2)–$(num "$3" 2))"
    echo "no rank share_of_members    $(pct "$(first "$(getk "$r/disclosure.csv" 1 "no rank" share_of_members)")" 1)%"
    echo "members_end                 $(num "$(first "$(get "$d" members_end 0)")")"
    echo "members_joined              $(num "$(first "$(get "$d" members_joined 0)")")"
}

calibration() {
    for d in "$@"; do
        ns=$(pct "$(first "$(get "$d" share_never_sponsored 0)")")
        zero=$(pct "$(first "$(get "$d" share_gross_zero 1)")")
        top=$(pct "$(first "$(get "$d" top1 1)")")
        pr=$(pct "$(first "$(get "$d" payout_ratio 1)")")
        set -- $(get "$d" members_end 0)
        echo "$d | $ns% | $zero% | $top% | $pr% | $(num "$1") ($4 replicas)"
    done
}

case "${1:-}" in
-v) shift; validation "$@" ;;
-c) shift; calibration "$@" ;;
*) table "$@" ;;
esac

#!/bin/sh
# Limits that hold (issue 6): a genealogy of 10^6 roots, one chain of 10^6 members, and -0 as a
# volume, under tests/bad/minimal-plan.yaml (one rank without rules, 10% on level 1).  Expected
# figures follow from the definitions, not from a run: roots have no downline, so nobody is
# paid; in a chain where every member buys 100 PV, every member but the last is paid 10% of
# their one recruit's 100.00.
# Usage: limits.sh COMPSIM ROOT
compsim=$1
root=$(cd "$2" && pwd)
tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT
fail=0
err() { echo "FAIL: $*"; fail=1; }

# 10^6 roots: every member counted, nobody paid a commission
awk 'BEGIN { print "id,sponsor,pv"; for (i = 0; i < 1000000; i++) printf "R%d,,%d\n", i, 100 + i % 7 }' >"$tmp/roots.csv"
"$compsim" payout "$root/tests/bad/minimal-plan.yaml" "$tmp/roots.csv" -o "$tmp/roots-out.csv" >"$tmp/roots.txt" || err "roots: compsim failed"
grep -q "period 1: 1000000 members, 1000000 active" "$tmp/roots.txt" || err "roots: summary: $(head -2 "$tmp/roots.txt")"
[ "$(wc -l <"$tmp/roots-out.csv")" -eq 1 ] || err "roots: payout lines written for members without a downline"

# one chain of 10^6: member i sponsors i+1; the minimal plan pays 10% of level 1 (100.00 -> 10.00)
# to every member but the last
awk 'BEGIN { print "id,sponsor,pv"; print "C0,,100"; for (i = 1; i < 1000000; i++) printf "C%d,C%d,100\n", i, i - 1 }' >"$tmp/chain.csv"
"$compsim" payout "$root/tests/bad/minimal-plan.yaml" "$tmp/chain.csv" -o "$tmp/chain-out.csv" >/dev/null || err "chain: compsim failed"
lines=$(awk -F, 'NR > 1 && $5 == "10.00"' "$tmp/chain-out.csv" | wc -l)
[ "$lines" -eq 999999 ] || err "chain: $lines lines of 10.00, want 999999"
[ "$(wc -l <"$tmp/chain-out.csv")" -eq 1000000 ] || err "chain: other lines than the 10.00 ones"

# -0 is zero: accepted, inactive, pays nothing
printf 'id,sponsor,pv\nA,,-0\nB,A,-0.00\n' >"$tmp/zero.csv"
"$compsim" payout "$root/tests/bad/minimal-plan.yaml" "$tmp/zero.csv" >"$tmp/zero.txt" || err "-0: compsim failed"
grep -q "period 1: 2 members, 0 active, company BV 0.00" "$tmp/zero.txt" || err "-0: $(head -2 "$tmp/zero.txt")"
[ $fail -eq 0 ] && echo "limits: ok"
exit $fail

#!/bin/sh
# Runs the worked examples in the docs.  A fenced block whose info string is
#   ```LANG example=NAME file=FILE
# belongs to example NAME; each example needs plan.yaml, genealogy.csv and expected.csv (the payout
# lines worked out by hand in the text around it).  compsim's payout output must equal expected.csv.
# Usage: run_doc_examples.sh COMPSIM DOCS_DIR
compsim=$1
docs=$2
tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT
for md in "$docs"/*.md; do
    awk -v out="$tmp" -v doc="$(basename "$md" .md)" '
        /^```/ && !inblock {
            ex = ""; f = ""
            for (i = 1; i <= NF; i++) {
                if ($i ~ /^example=/) ex = substr($i, 9)
                if ($i ~ /^file=/) f = substr($i, 6)
            }
            if (ex != "" && f != "") {
                dir = out "/" doc "--" ex
                system("mkdir -p \"" dir "\"")
                path = dir "/" f; printf "" > path; inblock = 1; next
            }
        }
        inblock && /^```/ { close(path); inblock = 0; next }
        inblock { print >> path }
    ' "$md"
done
pass=0 fail=0
for ex in "$tmp"/*/; do
    [ -d "$ex" ] || continue
    ex=${ex%/}; name=${ex##*/}
    for f in plan.yaml genealogy.csv expected.csv; do
        [ -f "$ex/$f" ] || { echo "FAIL $name: no $f block"; fail=$((fail + 1)); continue 2; }
    done
    if ! (cd "$ex" && "$compsim" payout plan.yaml genealogy.csv -o got.csv >out.txt 2>err.txt); then
        echo "FAIL $name: compsim failed:"; cat "$ex/err.txt"; fail=$((fail + 1)); continue
    fi
    if diff -u "$ex/expected.csv" "$ex/got.csv"; then pass=$((pass + 1)); else echo "FAIL $name"; fail=$((fail + 1)); fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]

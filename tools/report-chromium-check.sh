#!/bin/sh
# Opens a report.html in headless Chromium and checks that it loads: no script error, every
# chart image decoded (the page's own load handler counts them into data-charts and
# data-charts-loaded on <body>), at least MIN_CHARTS of them, and the headline shown.  With
# SCREENSHOT.png, also saves what a reader sees first, to look at.
# Usage: report-chromium-check.sh REPORT.html MIN_CHARTS [SCREENSHOT.png]
# Exit: 0 ok, 1 a check failed, 77 no chromium (Debian package `chromium`).
set -u
html=$1 min=$2 shot=${3:-}
browser=${CHROMIUM:-}
[ -n "$browser" ] || browser=$(command -v chromium || command -v chromium-browser || true)
[ -n "$browser" ] || { echo "chromium not installed: skipped"; exit 77; }
case $html in /*) ;; *) html=$(pwd)/$html ;; esac
[ -f "$html" ] || { echo "FAIL: no file $html"; exit 1; }
work=$(mktemp -d) && trap 'rm -rf "$work"' EXIT
# a profile of its own, so runs do not share state; as root Chromium needs --no-sandbox
opts="--headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir=$work/profile --enable-logging=stderr --v=0"
timeout 120 "$browser" $opts --dump-dom "file://$html" >"$work/dom" 2>"$work/log" || {
    echo "FAIL: chromium could not render $html"; tail -5 "$work/log"; exit 1; }
fail=0
body=$(grep -o '<body[^>]*>' "$work/dom" | head -1)
n=$(echo "$body" | sed -n 's/.*data-charts="\([0-9]*\)".*/\1/p')
ok=$(echo "$body" | sed -n 's/.*data-charts-loaded="\([0-9]*\)".*/\1/p')
if [ -z "$n" ] || [ -z "$ok" ]; then
    echo "FAIL: the page's load handler did not run (body: $body)"; fail=1
elif [ "$ok" != "$n" ]; then
    echo "FAIL: $ok of $n chart images decoded"; fail=1
elif [ "$n" -lt "$min" ]; then
    echo "FAIL: $n charts shown, expected at least $min"; fail=1
fi
grep -q 'positive net income' "$work/dom" || { echo "FAIL: no headline in the rendered page"; fail=1; }
if grep -i -E 'Uncaught|CONSOLE.*error' "$work/log" >"$work/errors"; then
    echo "FAIL: errors in the page:"; cat "$work/errors"; fail=1
fi
if [ -n "$shot" ]; then
    timeout 120 "$browser" $opts --window-size=1100,1400 --screenshot="$shot" "file://$html" >/dev/null 2>&1
    [ -s "$shot" ] || { echo "FAIL: no screenshot"; fail=1; }
fi
[ $fail -eq 0 ] && echo "ok: $n charts loaded"
exit $fail

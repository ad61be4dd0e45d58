#!/bin/sh
# Outputs that cannot be written (issue 6, items 3 and 4): `compsim payout -o` and `compsim
# simulate -o` into a missing folder, under a file, into a device, past a file-size limit and onto
# a full file system each fail with `PATH: error: ...` and a non-zero exit, and leave no file, no
# temporary file and no folder; an older output file stays as it was.  And a simulation far too
# large for the machine's memory is refused at once, before anything is created.
#
# A full disk is made two ways: RLIMIT_FSIZE (`ulimit -f`, writes fail with EFBIG exactly as they
# fail with ENOSPC on a full disk: a short write, then the error), which any user can set; and,
# where user namespaces allow it (`unshare -rm`), a 64 KiB tmpfs that fills up for real.  A folder
# without write permission is tried only when not running as root (root ignores permissions).
# Usage: faults.sh COMPSIM ROOT
compsim=$1
root=$(cd "$2" && pwd)
work=$(mktemp -d) && trap 'rm -rf "$work"' EXIT
tmp=$work/area # where the outputs go; the test's own files are in $work
mkdir "$tmp"
fail=0
plan=$root/plans/unilevel-doterra.yaml
gen=$root/plans/genealogies/example-2000.csv
cat >"$work/s.yaml" <<YAML
name: faults
plans: [$plan]
periods: 12
replicas: 3
market: {population: 5000, founders: 5}
types:
  builder: {share: 100%, recruits: 1.5}
  customer: {share: 0%}
YAML

# expect_error NAME MESSAGE COMMAND...: the command fails (status 1, not a signal) and prints
# exactly MESSAGE on stderr.
expect_error() {
    name=$1 msg=$2
    shift 2
    "$@" >"$work/out" 2>"$work/err"
    rc=$?
    [ $rc -eq 1 ] || { echo "FAIL $name: exit status $rc, expected 1"; fail=1; }
    echo "$msg" >"$work/want"
    cmp -s "$work/err" "$work/want" || { echo "FAIL $name: stderr:"; cat "$work/err"; echo "expected: $msg"; fail=1; }
}

# nothing_left NAME DIR: DIR holds only what it held before (the list in $work/before).
nothing_left() {
    ls -a "$2" >"$work/after"
    cmp -s "$work/before" "$work/after" || { echo "FAIL $1: left behind in $2:"; diff "$work/before" "$work/after"; fail=1; }
}

# ---- payout -o --------------------------------------------------------------------------------
echo x >"$tmp/file"
ls -a "$tmp" >"$work/before"
expect_error "payout into a missing folder" "$tmp/missing/x.csv: error: cannot create output file: No such file or directory" \
    "$compsim" payout "$plan" "$gen" -o "$tmp/missing/x.csv"
expect_error "payout under a file" "$tmp/file/x.csv: error: cannot create output file: Not a directory" \
    "$compsim" payout "$plan" "$gen" -o "$tmp/file/x.csv"
mkdir "$tmp/dir" && ls -a "$tmp" >"$work/before"
expect_error "payout onto a folder" "$tmp/dir: error: cannot write output file: it is a folder" \
    "$compsim" payout "$plan" "$gen" -o "$tmp/dir"
nothing_left "payout" "$tmp"
expect_error "payout --members into a missing folder" \
    "$tmp/missing/m.csv: error: cannot create output file: No such file or directory" \
    "$compsim" payout "$plan" "$gen" -o "$tmp/x.csv" --members "$tmp/missing/m.csv"
nothing_left "payout --members" "$tmp"

# A device is written in place, never renamed over: /dev/full refuses every write (ENOSPC),
# /dev/null takes them.
expect_error "payout to /dev/full" "/dev/full: error: cannot write output file: No space left on device" \
    "$compsim" payout "$plan" "$gen" -o /dev/full
[ -c /dev/full ] || { echo "FAIL: /dev/full is no longer a device"; fail=1; }
[ -z "$(ls /dev | grep '^full\.tmp')" ] || { echo "FAIL: temporary file left in /dev"; fail=1; }
"$compsim" payout "$plan" "$gen" -o /dev/null >/dev/null 2>"$work/err" || { echo "FAIL: payout to /dev/null:"; cat "$work/err"; fail=1; }
[ -c /dev/null ] || { echo "FAIL: /dev/null is no longer a device"; fail=1; }

# A file-size limit below the output's size: the write fails part way.  SIGXFSZ is ignored so that
# the write returns EFBIG rather than killing compsim.  The output is about 140 KB; the limit is
# 64 blocks (32 or 64 KiB, depending on the shell's block size).
"$compsim" payout "$plan" "$gen" -o "$tmp/old.csv" >/dev/null || { echo "FAIL: payout"; fail=1; }
cp "$tmp/old.csv" "$tmp/old-copy.csv"
ls -a "$tmp" >"$work/before"
(
    ulimit -f 64 && trap '' XFSZ
    expect_error "payout past the file-size limit" "$tmp/new.csv: error: cannot write output file: File too large" \
        "$compsim" payout "$plan" "$gen" -o "$tmp/new.csv"
    expect_error "payout over an old file past the limit" "$tmp/old.csv: error: cannot write output file: File too large" \
        "$compsim" payout "$plan" "$gen" -o "$tmp/old.csv"
    exit $fail
) || fail=1
nothing_left "payout past the limit" "$tmp"
cmp -s "$tmp/old.csv" "$tmp/old-copy.csv" || { echo "FAIL: the old output was changed"; fail=1; }

# ---- simulate -o ------------------------------------------------------------------------------
ls -a "$tmp" >"$work/before"
expect_error "simulate into a missing folder" "$tmp/missing/r: error: cannot create the results folder: No such file or directory" \
    "$compsim" simulate "$work/s.yaml" -o "$tmp/missing/r" --quiet --no-report
expect_error "simulate under a file" "$tmp/file/r: error: cannot create the results folder: Not a directory" \
    "$compsim" simulate "$work/s.yaml" -o "$tmp/file/r" --quiet --no-report
expect_error "simulate onto a device" "/dev/full: error: exists and is not a compsim results folder (no manifest.json): not replaced" \
    "$compsim" simulate "$work/s.yaml" -o /dev/full --quiet --no-report
[ -c /dev/full ] && [ -z "$(ls /dev | grep '^full\.tmp')" ] || { echo "FAIL: simulate -o /dev/full changed /dev"; fail=1; }
nothing_left "simulate" "$tmp"
(
    ulimit -f 64 && trap '' XFSZ
    "$compsim" simulate "$work/s.yaml" -o "$tmp/r" --quiet --no-report 2>"$work/err"
    [ $? -eq 1 ] || { echo "FAIL: simulate past the file-size limit did not fail"; exit 1; }
    grep -q "^$tmp/r\.tmp-[A-Za-z0-9]*/members\.csv: error: cannot write output file: File too large\$" "$work/err" ||
        { echo "FAIL: simulate past the limit:"; cat "$work/err"; exit 1; }
) || fail=1
nothing_left "simulate past the limit" "$tmp"
if [ "$(id -u)" -ne 0 ]; then
    mkdir "$tmp/ro" && chmod 555 "$tmp/ro"
    expect_error "simulate into a read-only folder" "$tmp/ro/r: error: cannot create the results folder: Permission denied" \
        "$compsim" simulate "$work/s.yaml" -o "$tmp/ro/r" --quiet --no-report
    [ -z "$(ls "$tmp/ro")" ] || { echo "FAIL: files left in a read-only folder"; fail=1; }
    chmod 755 "$tmp/ro"
else
    echo "skipped the read-only folder: running as root"
fi

# ---- a full file system -----------------------------------------------------------------------
mkdir "$tmp/full"
ls -a "$tmp" >"$work/before"
if unshare -rm sh -c "mount -t tmpfs -o size=64k tmpfs '$tmp/full'" 2>/dev/null; then
    unshare -rm sh -c '
        mount -t tmpfs -o size=64k tmpfs "$1" || exit 1
        "$2" payout "$3" "$4" -o "$1/x.csv" >/dev/null 2>"$6/err-payout"; echo $? >"$6/rc-payout"
        "$2" simulate "$5" -o "$1/r" --quiet --no-report 2>"$6/err-sim"; echo $? >"$6/rc-sim"
        ls -a "$1" >"$6/left"
    ' sh "$tmp/full" "$compsim" "$plan" "$gen" "$work/s.yaml" "$work"
    [ "$(cat "$work/rc-payout")" = 1 ] && [ "$(cat "$work/rc-sim")" = 1 ] || { echo "FAIL: writing to a full disk did not fail"; fail=1; }
    grep -qx "$tmp/full/x.csv: error: cannot write output file: No space left on device" "$work/err-payout" ||
        { echo "FAIL: payout on a full disk:"; cat "$work/err-payout"; fail=1; }
    grep -q "^$tmp/full/r\.tmp-[A-Za-z0-9]*/[a-z]*\.csv: error: cannot write output file: No space left on device\$" "$work/err-sim" ||
        { echo "FAIL: simulate on a full disk:"; cat "$work/err-sim"; fail=1; }
    printf '.\n..\n' | cmp -s - "$work/left" || { echo "FAIL: left on the full disk:"; cat "$work/left"; fail=1; }
    nothing_left "full disk" "$tmp"
else
    echo "skipped the full tmpfs: unshare -rm is not allowed here"
fi

# ---- memory -----------------------------------------------------------------------------------
# Builders recruiting 3 a period for 36 periods reach the population of 2 x 10^9 (the most a
# replica may hold): hundreds of GB at any size per member, refused before anything is made.
cat >"$work/huge.yaml" <<YAML
name: huge
plans: [$plan]
market: {population: 2000000000}
types:
  builder: {recruits: 3}
YAML
ls -a "$tmp" >"$work/before"
t0=$(date +%s)
"$compsim" simulate "$work/huge.yaml" -o "$tmp/huge" --quiet --no-report 2>"$work/err"
rc=$?
t1=$(date +%s)
[ $rc -eq 1 ] || { echo "FAIL: the huge simulation exited with $rc"; fail=1; }
[ $((t1 - t0)) -le 5 ] || { echo "FAIL: the refusal took $((t1 - t0)) s"; fail=1; }
grep -qx "$work/huge.yaml: error: this simulation needs about [0-9.]* GB of memory ([0-9]* replicas\{0,1\} at once, up to 2000000000 members each), but only [0-9.]* [GM]B are available; lower market.population\( or --threads\)\{0,1\}" "$work/err" ||
    { echo "FAIL: the refusal's message:"; cat "$work/err"; fail=1; }
nothing_left "refused simulation" "$tmp"

[ $fail -eq 0 ] && echo "passed"
exit $fail

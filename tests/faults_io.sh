#!/bin/sh
# A disk that fills up at any moment of writing (issue 6): `compsim payout -o --members`,
# `simulate -o` (alone, with its report, and replacing an earlier results folder with --force),
# `report` (new, and replacing an earlier report) and `sweep -o`, with the file system "full" from
# the Nth call that needs space on it (tests/failio.c, LD_PRELOAD'ed: write, fsync, close, mkstemp,
# mkdir, mkdtemp, rename, renameat2, open with O_CREAT fail with ENOSPC), for every N from 1 to the
# number of such calls in the run; once with the disk staying full from N on, and once with only
# the Nth call failing (a rename or an fsync that fails alone, say).  Each run must:
#   - exit 0 or 1, never a signal;
#   - exit 1: say `PATH: error: ...No space left on device`, and leave what was there before
#     (no output, or the earlier output byte for byte), or for `payout`, whose two files are each
#     whole or absent, each file either the earlier one or the complete new one; a results folder
#     written by `simulate` before its report failed is complete (the report is absent); a sweep
#     keeps only whole files and completes when run again;
#   - exit 0: leave the complete output, the same as an undisturbed run's;
#   - leave no temporary file or folder.
# tests/e2e/faults.sh does the same with a real full tmpfs and a file-size limit, at one moment.
# Usage: faults_io.sh COMPSIM ROOT FAILIO.so
compsim=$(cd "$(dirname "$1")" && pwd)/$(basename "$1") # the runs are made from a scratch folder
root=$(cd "$2" && pwd)
shim=$(cd "$(dirname "$3")" && pwd)/$(basename "$3")
w=$(mktemp -d) && trap 'rm -rf "$w"' EXIT
fail=0 runs=0 tolerated=0
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
export OMP_NUM_THREADS=1 COMPSIM_GNUPLOT=/nonexistent/gnuplot # no charts drawn: same files in every run
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0:exitcode=86"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}exitcode=86"

plan=$root/plans/unilevel-doterra.yaml
gen=$root/plans/genealogies/example-2000.csv
cat >"$w/s.yaml" <<YAML
name: fio
plans: [$plan, $root/plans/binary-weaker-leg.yaml]
periods: 6
replicas: 2
member_replicas: 1
market: {population: 300, founders: 3}
YAML
cat >"$w/base.yaml" <<YAML
name: tiny
plans: $plan
periods: 3
replicas: 2
market: {population: 60, founders: 3}
YAML
cat >"$w/sw.yaml" <<YAML
name: tiny-sweep
scenario: base.yaml
design: saltelli
points: 1
replicas: 2
seed: 11
parameters:
  types.builder.recruits: {min: 0.5, max: 1.5}
  types.builder.attrition.later: {min: 2%, max: 6%}
metrics: [share_net_positive, members_end, payout_ratio]
YAML

# The commands, run from $w, outputs under out/ (and res/report).  Each starts compsim alone: on a
# busy machine a process costs tens of milliseconds, so the checks use the shell's builtins.
cmd_payout() { exec "$compsim" payout "$plan" "$gen" -o out/p.csv --members out/m.csv; }
cmd_simulate() { exec "$compsim" simulate s.yaml -o out/r --quiet --no-report --genealogy 1 --threads 1; }
cmd_simreport() { exec "$compsim" simulate s.yaml -o out/r --quiet --threads 1; }
cmd_force() { exec "$compsim" simulate s.yaml -o out/r --quiet --no-report --genealogy 1 --threads 1 --force; }
cmd_report() { exec "$compsim" report res --no-charts; }
cmd_sweep() { exec "$compsim" sweep sw.yaml -o out/sw --threads 1 --quiet --no-charts; }
with_shim() {
    rm -f "$w/log"
    (
        export LD_PRELOAD="$shim" FAILIO_LOG="$w/log"
        while [ $# -gt 1 ]; do export "$1"; shift; done
        "cmd_$1"
    ) >"$w/stdout" 2>"$w/err"
}
exists() {
    for f in "$@"; do [ -e "$f" ] && return 0; done
    return 1
}
# differences GOT WANT: files of GOT not in WANT or different, then "missing F" for files of WANT
# not in GOT.  A manifest's wall time is all that may differ between two runs.
differences() {
    LC_ALL=C diff -rq "$1" "$2" | while IFS= read -r line; do
        case $line in
        "Only in "*)
            f=${line#Only in }
            f=${f%%: *}/${f#*: }
            case $f in "$1"/*) echo "${f#$1/}" ;; *) echo "missing ${f#$2/}" ;; esac
            ;;
        *manifest.json" differ")
            f=${line#Files }
            f=${f%% and *}
            grep -v wall_seconds "$f" >"$w/a"
            grep -v wall_seconds "$2/${f#$1/}" | cmp -s - "$w/a" || echo "${f#$1/}"
            ;;
        "Files "*) f=${line#Files }; f=${f%% and *}; echo "${f#$1/}" ;;
        esac
    done
}
same_tree() { [ -z "$(differences "$1" "$2")" ]; }

cd "$w" || exit 2
mkdir out ref
(cmd_payout) >ref/payout.out 2>/dev/null && mv out/p.csv out/m.csv ref/ || bad "payout failed without a fault"
(cmd_simulate) >/dev/null 2>&1 && mv out/r ref/r || bad "simulate failed without a fault"
(cmd_simreport) >/dev/null 2>&1 && mv out/r ref/rr || bad "simulate with its report failed without a fault"
cp -r ref/r res && (cmd_report) >/dev/null 2>&1 && mv res/report ref/report || bad "report failed without a fault"
(cmd_sweep) >/dev/null 2>&1 && mv out/sw ref/sw || bad "sweep failed without a fault"
# earlier outputs to be replaced, distinguishable from the new ones: another seed, another wage
echo "old payouts" >ref/p-old.csv
echo "old members" >ref/m-old.csv
"$compsim" simulate s.yaml -o ref/r-old --quiet --no-report --genealogy 1 --threads 1 --seed 99 || bad "simulate --seed 99"
"$compsim" report res --no-charts --wage 10 >/dev/null && mv res/report ref/report-old || bad "report --wage 10"
[ $fail -eq 0 ] || exit 1

# before CMD: puts the earlier outputs CMD may replace in place
before() {
    case $1 in
    payout) [ -n "$replace" ] && cp ref/p-old.csv out/p.csv && cp ref/m-old.csv out/m.csv ;;
    force) cp -r ref/r-old out/r ;;
    report) [ -n "$replace" ] && cp -r ref/report-old res/report ;;
    esac
}

# check_run CMD N RC
check_run() {
    c=$1 n=$2 rc=$3
    injected=0
    [ -f "$w/log" ] && while read -r k _ k2 v; do [ "$k" = calls ] && [ "$k2" = injected ] && injected=$v; done <"$w/log"
    what="compsim $c${replace:+ (replacing)}, call $n${mode:+ $mode}"
    if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ]; then
        bad "$what: exit status $rc"
        head -5 "$w/err"
    elif [ "$rc" -eq 1 ]; then
        [ "$injected" -gt 0 ] || bad "$what: failed with nothing injected: $(head -2 "$w/err")"
        said=0
        while IFS= read -r line; do
            case $line in
            *Sanitizer*) bad "$what: $line" ;;
            ?*": error: "*"No space left on device"*) said=1 ;;
            esac
        done <"$w/err"
        [ $said = 1 ] || { bad "$what: exit 1 without PATH: error: ...No space left on device:"; head -5 "$w/err"; }
        if [ "$rc" -eq 1 ] && [ "$injected" -gt 0 ] && [ -n "$FAILIO_VERBOSE" ]; then head -3 "$w/err"; fi
    elif [ "$injected" -gt 0 ]; then
        tolerated=$((tolerated + 1))
        echo "done without: $what ($(sed -n "/^$n /s/^$n //p" "$w/trace" 2>/dev/null))"
    fi
    case $c in
    payout)
        # each file: the complete new one, or (failed) the earlier one or none; both files are
        # synced before either is renamed, so only a failing rename can leave one new and one old
        for f in p m; do
            if [ "$rc" -eq 0 ]; then
                cmp -s out/$f.csv ref/$f.csv || bad "$what: exit 0 and $f.csv is not the new one"
            elif [ -e out/$f.csv ]; then
                cmp -s out/$f.csv ref/$f.csv || { [ -n "$replace" ] && cmp -s out/$f.csv ref/$f-old.csv; } ||
                    bad "$what: $f.csv is neither the earlier one nor the new one"
            elif [ -n "$replace" ]; then
                bad "$what: the earlier $f.csv is gone"
            fi
        done
        rm -f out/p.csv out/m.csv
        ;;
    simulate | simreport | force)
        ref=ref/r
        [ $c = simreport ] && ref=ref/rr
        if [ "$rc" -eq 0 ]; then
            same_tree out/r $ref || bad "$what: exit 0 with a different results folder: $(differences out/r $ref | head -3)"
        elif [ $c = force ]; then
            same_tree out/r ref/r-old || bad "$what: the earlier results folder changed: $(differences out/r ref/r-old | head -3)"
        elif [ $c = simreport ] && [ -e out/r ]; then
            # the folder was complete when the report failed: the results are there, no report
            [ -z "$(differences out/r ref/rr | grep -v '^missing report')" ] ||
                bad "$what: the results folder is not the complete one: $(differences out/r ref/rr | head -3)"
        elif [ -e out/r ]; then
            bad "$what: left out/r"
        fi
        rm -rf out/r
        ;;
    report)
        if [ "$rc" -eq 0 ]; then
            same_tree res/report ref/report || bad "$what: exit 0 with a different report"
        elif [ -n "$replace" ]; then
            same_tree res/report ref/report-old || bad "$what: the earlier report changed"
        elif [ -e res/report ]; then
            bad "$what: left res/report"
        fi
        rm -rf res/report
        if exists res/report*; then
            bad "$what: left in the results folder: $(ls -A res | tr '\n' ' ')"
            rm -rf res/report*
        fi
        ;;
    sweep)
        # whole files only; .work/ is the points' scratch folder, removed by the next run
        if [ -d out/sw ]; then
            rm -rf out/sw/.work
            differences out/sw ref/sw | while read -r f; do
                case $f in missing*) ;; *) echo "$f" ;; esac
            done >"$w/partial"
            [ -s "$w/partial" ] && bad "$what: not whole: $(head -3 "$w/partial" | tr '\n' ' ')"
            if [ "$rc" -eq 1 ]; then
                (cmd_sweep) >/dev/null 2>"$w/err2" && same_tree out/sw ref/sw || bad "$what: not resumed: $(head -2 "$w/err2")"
            fi
        elif [ "$rc" -eq 0 ]; then
            bad "$what: exit 0 without a folder"
        fi
        rm -rf out/sw
        ;;
    esac
    if exists out/* out/.[!.]*; then
        bad "$what: left in the output folder: $(ls -A out | tr '\n' ' ')"
        rm -rf out/* out/.[!.]*
    fi
}

# Which calls fail: every one for the smaller runs; for the larger, whose many files are each
# written the same way (mkstemp, write, fsync, close, rename), every STRIDEth plus the first and
# last 12 (where the folder is made and put in place).  FAILIO_FULL=1: every call of every run;
# FAILIO_SPARSE=K: strides K times longer and the first and last 12 / K (the sanitizer build, where
# a run is slow to start).
for spec in payout:1 payout-replace:1 simulate:1 force:1 simreport:5 report:3 report-replace:6 sweep:4; do
    c=${spec%%[-:]*}
    stride=${spec#*:}
    stride=$((stride * ${FAILIO_SPARSE:-1}))
    edge=$((12 / ${FAILIO_SPARSE:-1}))
    [ "${FAILIO_FULL:-0}" = 1 ] && stride=1
    replace=
    case $spec in *-replace*) replace=1 ;; esac
    before "$c"
    with_shim FAILIO_TRACE=1 "$c"
    check_run "$c" 0 $?
    total=0
    while read -r k v _; do [ "$k" = calls ] && total=$v; done <"$w/log"
    [ "$total" -gt 0 ] || { bad "compsim $c: no call counted (is the shim loaded?)"; continue; }
    cp "$w/log" "$w/trace"
    t0=$(date +%s)
    tried=0
    for mode in full once; do
        # the disk staying full from call N on; then call N failing alone, for all but writes
        # (after a failed write the stream writes nothing more: the same as a disk staying full)
        while read -r n kind; do
            [ "$n" = calls ] && continue
            [ $((n % stride)) -eq 0 ] || [ "$n" -le $edge ] || [ "$n" -gt $((total - edge)) ] || continue
            [ $mode = once ] && [ "$kind" = write ] && continue
            before "$c"
            if [ $mode = full ]; then with_shim FAILIO_AT="$n" FAILIO_AFTER=1 "$c"; else with_shim FAILIO_AT="$n" "$c"; fi
            check_run "$c" "$n" $?
            runs=$((runs + 1))
            tried=$((tried + 1))
        done <"$w/trace"
    done
    # Replacing a folder: the exchange (renameat2) fails, the old folder is renamed aside, and then
    # the new one cannot be renamed into place: the old one must be put back.
    if [ $c = force ] || { [ $c = report ] && [ -n "$replace" ]; }; then
        mode="exchange, then its fallback's second rename"
        while read -r n kind; do
            [ "$kind" = renameat2 ] || continue
            before "$c"
            with_shim FAILIO_AT="$n,$((n + 2))" "$c"
            check_run "$c" "$n" $?
            runs=$((runs + 1))
        done <"$w/trace"
    fi
    mode=
    echo "compsim $c${replace:+ (replacing)}: $total calls, $tried runs, $(($(date +%s) - t0)) s"
done

echo "$runs runs, $tolerated failures compsim did without, $fail problems"
[ $fail -eq 0 ]

#!/bin/sh
# Out of memory at any allocation (issue 6): runs `compsim check`, `payout -o --members`,
# `simulate -o`, `report` and `sweep -o` with one allocation made to fail (tests/failalloc.c,
# LD_PRELOAD'ed), for many choices of which one, and checks each run:
#   - it exits with 0 or 1, never a signal, an abort or a sanitizer's status;
#   - exit 1: stderr says why (`... error: out of memory`, or `Cannot allocate memory` from the
#     system), and a failure was really injected; no output file or folder is left (for a sweep:
#     every file that is there is whole, i.e. the same as an undisturbed run's, no scratch or
#     temporary file is left, and running the sweep again completes it);
#   - exit 0 (a failure compsim can do without, e.g. stdout's buffer): stdout and every output are
#     the same as an undisturbed run's.
# Under AddressSanitizer (the sanitizer build) a leak on any of these paths fails the run too.
#
# Which allocations fail: the first call from each call site (FAILALLOC_SITES), the first EARLY
# calls of each run one by one, the last call, and RANDOM more drawn uniformly (the seed is
# printed; FAILALLOC_SEED repeats a draw).  Then a few runs where memory stays exhausted from the
# Nth call on (FAILALLOC_AFTER), and simulations with two threads, where the failure lands in a
# worker thread.  FAILALLOC_FULL=1 fails every call of check, payout, simulate and report one by
# one instead (a long run: see docs/reliability.md); FAILALLOC_COMMANDS limits the commands tried.
# Usage: faults_alloc.sh COMPSIM ROOT FAILALLOC.so
compsim=$(cd "$(dirname "$1")" && pwd)/$(basename "$1") # the runs are made from a scratch folder
root=$(cd "$2" && pwd)
shim=$(cd "$(dirname "$3")" && pwd)/$(basename "$3")
early=${FAILALLOC_EARLY:-30}
random=${FAILALLOC_RANDOM:-30}
seed=${FAILALLOC_SEED:-$(date +%s)}
full=${FAILALLOC_FULL:-0}
w=$(mktemp -d) && trap 'rm -rf "$w"' EXIT
fail=0 runs=0 tolerated=0 known=0
# Known problems: sweep files that may differ after a run with status 0 (counted as "known", not as
# failures).  Empty: the sensitivity estimators and the sweep report's summary now fail on a lack
# of memory instead of passing over it.
sweep_known=""
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
export OMP_NUM_THREADS=1 # one thread: the Nth allocation is the same one in every run
# The shim and ASan: the shim comes first on purpose, and forwards to ASan's malloc.  A leak or an
# error a sanitizer finds exits with 86 (by default 1, which would look like compsim's own failure).
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0:exitcode=86"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}exitcode=86"
unset COMPSIM_GNUPLOT

plan=$root/plans/unilevel-doterra.yaml
gen=$root/plans/genealogies/example-2000.csv
cat >"$w/s.yaml" <<YAML
name: fa
plans: [$plan, $root/plans/binary-weaker-leg.yaml]
periods: 6
replicas: 2
member_replicas: 1
market: {population: 300, founders: 3}
YAML
cat >"$w/base.yaml" <<YAML
name: tiny
plans: $plan
periods: 6
replicas: 2
market: {population: 200, founders: 5}
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

# The commands, run from $w; outputs go under out/ (payout, simulate, sweep) or res/report.
# (Starting a process costs tens of milliseconds on a busy machine: a run starts compsim and,
# when it fails as expected, nothing else; the checks use the shell's builtins.)
cmd_check() { exec "$compsim" check "$plan"; }
cmd_payout() { exec "$compsim" payout "$plan" "$gen" -o out/p.csv --members out/m.csv; }
# A genealogy with placement columns (binary legs): a failing allocation while the loader looks
# for those columns (engine/genealogy_place.c) once made it read the genealogy as one without.
cmd_place() { exec "$compsim" payout "$root/tests/e2e/placement-order/plan.yaml" "$root/tests/e2e/placement-order/genealogy.csv" -o out/p.csv; }
cmd_simulate() { exec "$compsim" simulate s.yaml -o out/r --quiet --no-report --genealogy 1 --threads "${threads:-1}"; }
cmd_report() { exec "$compsim" report res --no-charts; }
cmd_sweep() { exec "$compsim" sweep sw.yaml -o out/sw --threads 1 --quiet --no-charts; }
# with_shim VAR=VALUE... CMD: runs CMD with the shim and those settings (in a subshell, so that
# they are compsim's only)
with_shim() {
    rm -f "$w/log"
    (
        export LD_PRELOAD="$shim" FAILALLOC_LOG="$w/log"
        while [ $# -gt 1 ]; do export "$1"; shift; done
        "cmd_$1"
    ) >"$w/stdout" 2>"$w/err"
}

# differences GOT WANT: the files of folder GOT that are not in WANT or differ from it, one a line,
# then "missing FILE" for each file of WANT not in GOT.  A manifest's wall time is the only thing
# that may differ between two runs.
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
# same_tree GOT WANT: the same files, each the same.
same_tree() {
    [ -z "$(differences "$1" "$2")" ]
}

cd "$w" || exit 2
mkdir out ref
# the undisturbed runs
(cmd_check) >ref/check.out 2>/dev/null || bad "check failed without a fault"
(cmd_payout) >ref/payout.out 2>/dev/null && mv out/p.csv out/m.csv ref/ || bad "payout failed without a fault"
(cmd_place) >ref/place.out 2>/dev/null && mv out/p.csv ref/place.csv || bad "payout with placement failed without a fault"
(cmd_simulate) >ref/simulate.out 2>/dev/null && mv out/r ref/r || bad "simulate failed without a fault"
(threads=2 && cmd_simulate) >/dev/null 2>&1 && mv out/r ref/r2 || bad "simulate --threads 2 failed without a fault"
cp -r ref/r res && (cmd_report) >ref/report.out 2>/dev/null && mv res/report ref/report || bad "report failed without a fault"
(cmd_sweep) >ref/sweep.out 2>/dev/null && mv out/sw ref/sw || bad "sweep failed without a fault"
[ $fail -eq 0 ] || exit 1

# exists PATTERN: whether a file matches (builtins only)
exists() {
    for f in "$@"; do [ -e "$f" ] && return 0; done
    return 1
}

# check_run CMD N RC: the state after a run of CMD that returned RC.
check_run() {
    c=$1 n=$2 rc=$3
    injected=0
    [ -f "$w/log" ] && while read -r k _ k2 v; do [ "$k" = calls ] && [ "$k2" = injected ] && injected=$v; done <"$w/log"
    what="compsim $c, allocation $n${mode:+ $mode}"
    if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ]; then
        bad "$what: exit status $rc"
        head -5 "$w/err"
    elif [ "$rc" -eq 1 ]; then
        [ "$injected" -gt 0 ] || bad "$what: failed with nothing injected: $(head -2 "$w/err")"
        said=0
        while IFS= read -r line; do
            case $line in
            *Sanitizer*) bad "$what: $line" ;;
            *"error: "*"out of memory"* | *"error: "*"Cannot allocate memory"*) said=1 ;;
            esac
        done <"$w/err"
        [ $said = 1 ] || { bad "$what: exit 1 without saying so:"; head -5 "$w/err"; }
    else
        [ "$injected" -eq 0 ] || tolerated=$((tolerated + 1))
        cmp -s "$w/stdout" "ref/$c.out" || bad "$what: exit 0 with a different stdout"
    fi
    case $c in
    payout)
        if [ "$rc" -eq 0 ]; then
            cmp -s out/p.csv ref/p.csv && cmp -s out/m.csv ref/m.csv || bad "$what: exit 0 with different files"
            rm -f out/p.csv out/m.csv
        fi
        ;;
    place)
        if [ "$rc" -eq 0 ]; then
            cmp -s out/p.csv ref/place.csv || bad "$what: exit 0 with a different file"
            rm -f out/p.csv
        fi
        ;;
    simulate)
        if [ "$rc" -eq 0 ]; then
            same_tree out/r ref/r${threads#1} || bad "$what: exit 0 with a different results folder"
            rm -rf out/r
        fi
        ;;
    report)
        if [ "$rc" -eq 0 ]; then
            same_tree res/report ref/report || bad "$what: exit 0 with a different report"
            rm -rf res/report
        fi
        if exists res/report*; then
            bad "$what: left in the results folder: $(ls -A res | tr '\n' ' ')"
            rm -rf res/report*
        fi
        ;;
    sweep)
        # Every file there is whole, nothing temporary is left (but .work/, the points' scratch
        # folder, which the next run removes: removing it needs memory too), and (every 4th run) a
        # second run completes the sweep.
        if [ -d out/sw ]; then
            rm -rf out/sw/.work
            differences out/sw ref/sw >"$w/partial"
            while read -r f; do
                case $f in missing*) continue ;; esac
                case " $sweep_known " in
                *" $f "*) [ "$rc" -eq 0 ] && known=$((known + 1)) || bad "$what: $f not whole" ;;
                *) bad "$what: $f not whole" ;;
                esac
            done <"$w/partial"
            if [ "$rc" -eq 1 ] && [ $((runs % 4)) -eq 0 ]; then
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

# run CMD N: one run with the Nth allocation failing.
run() {
    with_shim FAILALLOC_AT="$2" "$1"
    rc=$?
    runs=$((runs + 1))
    check_run "$1" "$2" $rc
}

total_points=0
for c in ${FAILALLOC_COMMANDS:-check payout place simulate report sweep}; do
    # the counting run: how many calls, and where each call site is first used
    with_shim FAILALLOC_SITES=1 "$c" ||
        { bad "compsim $c failed under the shim: $(head -3 "$w/err")"; continue; }
    check_run "$c" 0 0
    total=$(awk '$1 == "calls" { print $2 }' "$w/log")
    [ "${total:-0}" -gt 0 ] || { bad "compsim $c: no allocation seen (is the shim loaded?)"; continue; }
    eval "total_$c=$total"
    if [ "$full" = 1 ] && [ "$c" != sweep ]; then
        seq 1 "$total" >"$w/points"
    else
        { awk '$1 == "site" { print $2 }' "$w/log"
          seq 1 $((early < total ? early : total))
          echo "$total"
          awk -v n="$total" -v k="$random" -v s="$seed$c" 'BEGIN { srand(s); for (i = 0; i < k; i++) print 1 + int(rand() * n) }'
        } | sort -n -u >"$w/points"
    fi
    sites=$(grep -c '^site' "$w/log")
    npoints=$(wc -l <"$w/points")
    t0=$(date +%s)
    while read -r n; do run "$c" "$n"; done <"$w/points"
    # memory that stays exhausted from the Nth call on: nothing more can be allocated, not even the
    # message; compsim must still fail cleanly
    mode=after
    for n in 1 $((total / 3)) $((total * 2 / 3)) "$total"; do
        [ "$n" -gt 0 ] || continue
        with_shim FAILALLOC_AT="$n" FAILALLOC_AFTER=1 "$c"
        rc=$?
        runs=$((runs + 1))
        check_run "$c" "$n" $rc
    done
    mode=
    echo "compsim $c: $total allocations, $sites call sites, $npoints failed one at a time + 4 exhausted, $(($(date +%s) - t0)) s"
    total_points=$((total_points + npoints + 4))
done

# two threads: the failure may land in a worker thread; which call is the Nth varies from run to
# run, the checks do not (the files are those of one thread, the manifest says 2 threads)
threads=2
export OMP_NUM_THREADS=2
for n in $(awk -v s="$seed" -v k="$random" -v n="${total_simulate:-1500}" 'BEGIN { srand(s); for (i = 0; i < k; i++) print 1 + int(rand() * n) }'); do
    run simulate "$n"
done
echo "compsim simulate --threads 2: $random random allocations"

echo "$runs runs (seed $seed; $total_points chosen allocations), $tolerated failures compsim did without, $known known (sweep), $fail problems"
[ $fail -eq 0 ]

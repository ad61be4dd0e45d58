#!/bin/sh
# All tests, from scratch: install, build with warnings as errors and run ctest; then the same
# under AddressSanitizer and UndefinedBehaviorSanitizer; then the MPI build's sweep test; then the
# end-to-end runs under valgrind; then each fuzz target for a minute (FUZZ_SECONDS; 0 skips it).
set -eu
cd "$(dirname "$0")/.."
sh tools/install-deps.sh
jobs=$(nproc)
for variant in release sanitize; do
    dir=build-test-$variant
    rm -rf "$dir"
    if [ $variant = release ]; then
        cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release -DCOMPSIM_WERROR=ON
    else
        cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Debug -DCOMPSIM_WERROR=ON -DCOMPSIM_SANITIZE=ON
    fi
    cmake --build "$dir" -j "$jobs"
    echo "== tests ($variant build)"
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        ctest --test-dir "$dir" --output-on-failure -j "$jobs"
done
# The optional MPI build: only its own tests (sweeps under mpirun -np 1, 2, 3 against the run
# without mpirun); every other test is the release build's, which has no MPI.
dir=build-test-mpi
rm -rf "$dir"
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release -DCOMPSIM_WERROR=ON -DCOMPSIM_MPI=ON
cmake --build "$dir" -j "$jobs" --target compsim
echo "== tests (MPI build)"
ctest --test-dir "$dir" --output-on-failure -R "_mpi$"
echo "== valgrind (release build)"
sh tests/valgrind.sh build-test-release/compsim .
secs=${FUZZ_SECONDS:-60}
if [ "$secs" -gt 0 ]; then
    echo "== fuzzing, ${secs}s per target"
    sh tools/fuzz.sh "$secs"
fi

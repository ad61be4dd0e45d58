#!/bin/sh
# Installs what compsim needs to build and test, from Debian 12's packages.  Run as root.
set -eu
# gnuplot-nox draws the report's charts (SVG, PNG via pngcairo); chromium renders report.html in
# the tests (tests/e2e/report_html.sh).
pkgs="build-essential cmake pkg-config libgsl-dev libyaml-dev libcmocka-dev gnuplot-nox chromium"
# fuzzing (tools/fuzz.sh): clang with libFuzzer and its OpenMP runtime
pkgs="$pkgs clang libclang-rt-14-dev libomp-dev"
# memory checks of the end-to-end runs (tests/valgrind.sh)
pkgs="$pkgs valgrind"
# the optional MPI build (-DCOMPSIM_MPI=ON, tests/e2e/sweep_mpi.sh): Open MPI
pkgs="$pkgs libopenmpi-dev openmpi-bin"
missing=""
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends $missing
fi

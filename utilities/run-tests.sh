#!/bin/bash
# run-tests.sh: install what is needed, build vtepd, run every test suite.
#
# This is the README's test command and what CI runs (.ci/run).  Run it as
# root on Debian 12.  It builds two configurations against the same deps:
#   _build       the normal build (--enable-Werror), which runs everything;
#   _build-asan  with AddressSanitizer and UndefinedBehaviorSanitizer
#                (--enable-Werror too)
#                (-fsanitize=address,undefined -O1), which runs the unit,
#                DB and traffic suites again; a sanitizer report fails the
#                suite that provoked it.
# The suites:
#   unit     Check suites for lib/ (make check), each printing Check's
#            summary line, and the fuzz targets' fixed inputs;
#   db       vtepd against a real ovsdb-server driven by vtep-ctl
#            (tests/db/test-db.sh), and what vtepd writes back: learned
#            MACs, unknown-dst flooding, the MAC limit, binding counters
#            (tests/db/test-local.sh); vtepd as a daemon: the barrier,
#            switch names, exit, --user, SSL settings
#            (tests/db/test-daemon.sh); hostile and conflicting input
#            (tests/db/test-input.sh);
#   traffic  vtepd's userspace datapath forwarding between a VLAN trunk and
#            native Linux vxlan peers in network namespaces
#            (tests/traffic/test-traffic.sh; needs root);
#   interop  OVN's ovn-controller-vtep driving vtepd, with a netdev OVS
#            hypervisor (tests/interop/test-ovn.sh; traffic cases need
#            root); the networking-l2gw agent's OVSDB code
#            (tests/interop/test-l2gw.sh) and vtep-ctl
#            (tests/interop/test-vtep-ctl.sh) driving vtepd;
#   fuzz     every fuzz target under libFuzzer for FUZZ_SECONDS (default
#            20) each (make fuzz; clang).
# It ends with a summary, one line per suite and configuration (the
# sanitizer build's prefixed "asan: "), and the total:
# "total: N passed, N failed, N skipped".
#
# Sanitizers: reports go to files (log_path), because a detached daemon's
# stderr goes nowhere; tests/lib.sh points log_path at each case's
# directory and fails the case when a report appears there or in the
# build's sanitizer/ directory.  halt_on_error and abort_on_error make the
# first report also stop the process.  UBSan is linked statically
# (-static-libubsan): GCC 12's shared libubsan ignores log_path.  Leak
# detection is on for the unit suites, which free what they allocate, and
# off for daemons: OVS daemons, vtepd among them, exit (on "exit" or a
# signal, which is how the suites stop them) without freeing the IDL, the
# datapath's tables and the rest, which is not a leak.
#
# Environment: FUZZ_SECONDS (default 20); RUN_TESTS_ASAN=no skips the
# sanitizer build (not in CI).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
start=$(date +%s)

bash utilities/bootstrap.sh --test-peers || exit 1

if [ ! -x configure ] || [ configure.ac -nt configure ] \
   || [ Makefile.am -nt Makefile.in ]; then
    autoreconf -fi >/dev/null 2>&1 || { autoreconf -fi; exit 1; }
fi

SAN_CFLAGS='-fsanitize=address,undefined -fno-omit-frame-pointer -g -O1'
SAN_LDFLAGS='-fsanitize=address,undefined -static-libubsan'

# build DIR [CONFIGURE-ARG...]: configures (once) and builds in DIR.
build() {
    local dir=$1
    shift
    mkdir -p "$top/$dir" && cd "$top/$dir" || exit 1
    if [ ! -f Makefile ]; then
        ../configure "$@" >configure.log 2>&1 \
            || { tail -30 configure.log; exit 1; }
    fi
    make -j"$(nproc)" >build.log 2>&1 || { tail -40 build.log; exit 1; }
    echo "build $dir: ok ($(grep -c 'warning:' build.log) warnings)"
}

pass=0 fail=0 skip=0
summary=""

# count PREFIX NAME PASS FAIL SKIP: adds a suite's figures to the totals
# and its line to the summary.
count() {
    pass=$((pass + $3))
    fail=$((fail + $4))
    skip=$((skip + $5))
    summary="$summary$1$2: $3 passed, $4 failed, $5 skipped"$'\n'
}

# san_reports DIR: prints the sanitizer reports in DIR (and deletes them);
# returns 1 if there were any.
san_reports() {
    local f found=0
    for f in "$1"/asan.* "$1"/ubsan.*; do
        [ -f "$f" ] || continue
        echo "sanitizer report $f:"
        sed 's/^/    | /' "$f"
        rm -f "$f"
        found=1
    done
    [ $found = 0 ]
}

# run_unit_suites PREFIX: make check in the current build directory; one
# summary line per Check binary (and one per fuzz target).
run_unit_suites() {
    local prefix=$1 log summary_line checks failures errors bad rc
    local name ok
    make -j"$(nproc)" check >check.log 2>&1
    rc=$?
    for log in $(find tests -name '*.log' ! -name 'test-suite.log' | sort); do
        [ -f "${log%.log}.trs" ] || continue
        name=${log%.log}
        if grep -q '^:test-result: SKIP' "$name.trs"; then
            # The suite said why (a "SKIP: ..." line) and ran nothing.
            printf '%s%s: skipped: %s\n' "$prefix" "$name" \
                "$(grep -m1 '^SKIP' "$log")"
            count "$prefix" "$name" 0 0 1
            continue
        fi
        summary_line=$(grep -E '^[0-9]+%: Checks: ' "$log" | tail -1)
        if [ -n "$summary_line" ]; then
            printf '%s%s: %s\n' "$prefix" "$name" "$summary_line"
            checks=$(echo "$summary_line" | sed 's/.*Checks: \([0-9]*\).*/\1/')
            failures=$(echo "$summary_line" \
                       | sed 's/.*Failures: \([0-9]*\).*/\1/')
            errors=$(echo "$summary_line" | sed 's/.*Errors: \([0-9]*\).*/\1/')
            bad=$((failures + errors))
            # A binary that failed after its summary (a sanitizer report
            # at exit) still counts.
            if [ $bad = 0 ] && grep -q '^:test-result: FAIL' "$name.trs"
            then
                bad=1
            fi
            count "$prefix" "$name" $((checks - bad)) $bad 0
        else
            # No Check summary: a fuzz target's fixed inputs, or a binary
            # that crashed.
            ok=1
            grep -q '^:test-result: PASS' "$name.trs" || ok=0
            printf '%s%s: %s\n' "$prefix" "$name" \
                "$([ $ok = 1 ] && echo passed || echo FAILED)"
            count "$prefix" "$name" $ok $((1 - ok)) 0
        fi
    done
    if [ $rc -ne 0 ]; then
        grep -E '^(FAIL|ERROR)' check.log
        # A build or link error: no binary to count.
        grep -q '^# TOTAL' check.log || count "$prefix" "make check" 0 1 0
    fi
}

# run_shell_suite PREFIX SCRIPT: runs a tests/lib.sh suite and counts its
# last line, "N passed, N failed, N skipped" (a suite that does not get
# that far counts as one failure).
run_shell_suite() {
    local prefix=$1 script=$2 out line
    local re='^([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped$'
    echo "== $prefix$script"
    out=$(top_srcdir=$top top_builddir=$PWD bash "../$script" 2>&1)
    printf '%s\n' "$out" | grep -v '^$'
    line=$(printf '%s\n' "$out" | tail -1)
    if [[ $line =~ $re ]]; then
        count "$prefix" "$script" "${BASH_REMATCH[1]}" \
            "${BASH_REMATCH[2]}" "${BASH_REMATCH[3]}"
    else
        count "$prefix" "$script" 0 1 0
    fi
}

DB_SUITES="tests/db/test-db.sh tests/db/test-local.sh tests/db/test-daemon.sh
    tests/db/test-input.sh"
TRAFFIC_SUITES="tests/traffic/test-traffic.sh"
INTEROP_SUITES="tests/interop/test-ovn.sh tests/interop/test-l2gw.sh
    tests/interop/test-vtep-ctl.sh"

# --- The normal build: every suite -----------------------------------------

build _build --enable-Werror
echo "== unit suites (Check)"
run_unit_suites ""
for s in $DB_SUITES $TRAFFIC_SUITES $INTEROP_SUITES; do
    run_shell_suite "" "$s"
done

echo "== fuzz targets (libFuzzer, ${FUZZ_SECONDS:-20} s each)"
if make fuzz FUZZ_SECONDS="${FUZZ_SECONDS:-20}" >fuzz.log 2>&1; then
    grep '^fuzz: ' fuzz.log
    count "" "make fuzz" "$(grep -c '^fuzz: .*: ok' fuzz.log)" 0 0
else
    grep '^fuzz: \|error' fuzz.log | tail -20
    count "" "make fuzz" "$(grep -c '^fuzz: .*: ok' fuzz.log)" \
        "$(grep -c '^fuzz: .*: FAILED' fuzz.log | sed 's/^0$/1/')" 0
fi

# --- The sanitizer build: unit, DB and traffic suites ----------------------

if [ "${RUN_TESTS_ASAN:-yes}" != no ]; then
    build _build-asan --enable-Werror CFLAGS="$SAN_CFLAGS" LDFLAGS="$SAN_LDFLAGS"
    san_dir=$top/_build-asan/sanitizer
    mkdir -p "$san_dir"
    san_reports "$san_dir" >/dev/null
    san_common="halt_on_error=1:abort_on_error=1:log_path=$san_dir/asan"
    export VT_SAN_DIR=$san_dir
    export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
    UBSAN_OPTIONS="$UBSAN_OPTIONS:log_path=$san_dir/ubsan"

    echo "== asan: unit suites (Check)"
    export ASAN_OPTIONS="$san_common:detect_leaks=1"
    export CK_TIMEOUT_MULTIPLIER=5
    run_unit_suites "asan: "
    san_reports "$san_dir" \
        || count "asan: " "unit suites: sanitizer reports" 0 1 0

    export ASAN_OPTIONS="$san_common:detect_leaks=0"
    export VT_TIMEOUT_MULTIPLIER=3
    for s in $DB_SUITES $TRAFFIC_SUITES; do
        run_shell_suite "asan: " "$s"
        # Reports of processes that outlived their case.
        san_reports "$san_dir" \
            || count "asan: " "$s: sanitizer reports" 0 1 0
    done
    unset ASAN_OPTIONS UBSAN_OPTIONS VT_SAN_DIR CK_TIMEOUT_MULTIPLIER \
        VT_TIMEOUT_MULTIPLIER
fi

echo "== summary"
printf '%s' "$summary" | grep -v '^$'
elapsed=$(( $(date +%s) - start ))
echo "time: $((elapsed / 60)) min $((elapsed % 60)) s"
echo "total: $pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]

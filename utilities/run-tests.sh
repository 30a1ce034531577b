#!/bin/bash
# run-tests.sh: install what is needed, build vtepd, run every test suite.
#
# This is the README's test command and what CI runs (.ci/run).  Run it as
# root on Debian 12.  The suites:
#   unit     Check suites for lib/ (make check), each printing Check's
#            summary line;
#   db       vtepd against a real ovsdb-server driven by vtep-ctl
#            (tests/db/test-db.sh), and what vtepd writes back: learned
#            MACs, unknown-dst flooding, the MAC limit, binding counters
#            (tests/db/test-local.sh);
#   traffic  vtepd's userspace datapath forwarding between a VLAN trunk and
#            native Linux vxlan peers in network namespaces
#            (tests/traffic/test-traffic.sh; needs root);
#   interop  OVN's ovn-controller-vtep driving vtepd, with a netdev OVS
#            hypervisor (tests/interop/test-ovn.sh; traffic cases need
#            root); the networking-l2gw agent's OVSDB code
#            (tests/interop/test-l2gw.sh) and vtep-ctl
#            (tests/interop/test-vtep-ctl.sh) driving vtepd.
# The last line counts every case: "total: N passed, N failed, N skipped".
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1

bash utilities/bootstrap.sh --test-peers || exit 1

if [ ! -x configure ] || [ configure.ac -nt configure ] \
   || [ Makefile.am -nt Makefile.in ]; then
    autoreconf -fi >/dev/null 2>&1 || { autoreconf -fi; exit 1; }
fi
mkdir -p _build
cd _build || exit 1
if [ ! -f Makefile ]; then
    ../configure --enable-Werror >configure.log 2>&1 \
        || { tail -30 configure.log; exit 1; }
fi
make -j"$(nproc)" >build.log 2>&1 || { tail -40 build.log; exit 1; }
echo "build: ok (warning-free: $(grep -c 'warning:' build.log) warnings)"

pass=0 fail=0 skip=0

echo "== unit suites (Check)"
make -j"$(nproc)" check >check.log 2>&1
unit_rc=$?
for log in $(find tests -name 'test-*.log' | sort); do
    summary=$(grep -E '^[0-9]+%: Checks: ' "$log" | tail -1)
    if grep -q '^:test-result: SKIP' "${log%.log}.trs" 2>/dev/null; then
        # The suite said why (a "SKIP: ..." line) and ran nothing.
        printf '%s: skipped: %s\n' "${log%.log}" \
            "$(grep -m1 '^SKIP' "$log")"
        skip=$((skip + 1))
        continue
    fi
    printf '%s: %s\n' "${log%.log}" "${summary:-no Check summary}"
    if [ -n "$summary" ]; then
        checks=$(echo "$summary" | sed 's/.*Checks: \([0-9]*\).*/\1/')
        failures=$(echo "$summary" | sed 's/.*Failures: \([0-9]*\).*/\1/')
        errors=$(echo "$summary" | sed 's/.*Errors: \([0-9]*\).*/\1/')
        bad=$((failures + errors))
        pass=$((pass + checks - bad))
        fail=$((fail + bad))
    fi
done
if [ $unit_rc -ne 0 ]; then
    grep -E '^(FAIL|ERROR)' check.log
    # A binary that failed without a summary (crash, link error) still
    # counts.
    [ $fail -eq 0 ] && fail=1
fi

# run_shell_suite SCRIPT: runs a tests/lib.sh suite and adds its last line,
# "N passed, N failed, N skipped", to the totals (a suite that does not
# get that far counts as one failure).
run_shell_suite() {
    local out line
    local re='^([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped$'
    out=$(top_srcdir=$top top_builddir=$PWD bash "../$1" 2>&1)
    printf '%s\n' "$out" | grep -v '^$'
    line=$(printf '%s\n' "$out" | tail -1)
    if [[ $line =~ $re ]]; then
        pass=$((pass + BASH_REMATCH[1]))
        fail=$((fail + BASH_REMATCH[2]))
        skip=$((skip + BASH_REMATCH[3]))
    else
        fail=$((fail + 1))
    fi
}

echo "== DB-driven suite (ovsdb-server + vtep-ctl)"
run_shell_suite tests/db/test-db.sh

echo "== DB-driven suite: learned MACs, flooding, MAC limit, counters"
run_shell_suite tests/db/test-local.sh

echo "== traffic suite (network namespaces, userspace datapath, vxlan peers)"
run_shell_suite tests/traffic/test-traffic.sh

echo "== interop suite: OVN (ovn-controller-vtep, ovn-controller, netdev OVS)"
run_shell_suite tests/interop/test-ovn.sh

echo "== interop suite: networking-l2gw agent (its OVSDB code, over TCP)"
run_shell_suite tests/interop/test-l2gw.sh

echo "== interop suite: vtep-ctl (every command vtepd serves, with traffic)"
run_shell_suite tests/interop/test-vtep-ctl.sh

echo "total: $pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]

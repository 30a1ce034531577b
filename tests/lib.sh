# tests/lib.sh: helpers shared by vtepd's shell test suites.
#
# A suite sources this file, defines test_* functions and calls
# vt_run_suite "$@".  Each case runs in a subshell with its own temporary
# directory (OVS_RUNDIR, OVS_LOGDIR, OVS_DBDIR point there), and everything
# it started is stopped by pid when it ends, pass or fail.  A case passes
# if it returns 0, fails otherwise, and is skipped if it calls vt_skip.
# The suite ends with one line "N passed, N failed, N skipped".
#
# A case that returns 0 still fails when
#   - a vtepd log of the case ($VT_DIR/vtepd*.log) has a WARN, ERR or EMER
#     line that no `vt_allow_log ERE` of the case matches (the case
#     provoked it on purpose: bad rows, restarts...), or
#   - a sanitizer wrote a report (asan.PID, ubsan.PID) into the case's
#     directory or into $VT_SAN_DIR: utilities/run-tests.sh sets
#     ASAN_OPTIONS and UBSAN_OPTIONS with log_path=$VT_SAN_DIR/... for its
#     sanitizer build, and each case points log_path at its own directory,
#     so that a detached daemon, whose stderr goes nowhere, reports too.
# Negative checks ("X did not happen") first call vt_barrier: it fails the
# case unless vtepd is alive and has processed the database as of the call.

: "${VTEPD:=$top_builddir/vtepd/vtepd}"
: "${VT_TIMEOUT:=15}"
# A slower build (the sanitizers) scales every wait.
: "${VT_TIMEOUT_MULTIPLIER:=1}"
VT_TIMEOUT=$((VT_TIMEOUT * VT_TIMEOUT_MULTIPLIER))
VT_SCHEMA=${VT_SCHEMA:-$top_builddir/schema/vtep.ovsschema}

vt_log() { printf '    %s\n' "$*"; }

vt_fail() {
    vt_log "FAILED: $*"
    if [ -n "${VT_DIR:-}" ] && [ -f "$VT_DIR/vtepd.log" ]; then
        vt_log "--- last lines of vtepd.log:"
        # Without debug messages, and their continuation lines.
        awk '/^[0-9][0-9][0-9][0-9]-/ { dbg = /\|DBG\|/ } !dbg' \
            "$VT_DIR/vtepd.log" | tail -n 15 | sed 's/^/    | /'
    fi
    exit 1
}

vt_skip() {
    vt_log "SKIPPED: $*"
    exit 77
}

# Polls "$@" until it succeeds, for at most VT_TIMEOUT seconds.
vt_wait_until() {
    local deadline=$(( $(date +%s) + VT_TIMEOUT ))
    until "$@" >/dev/null 2>&1; do
        if [ "$(date +%s)" -ge "$deadline" ]; then
            return 1
        fi
        sleep 0.05
    done
}

# vt_wait_output EXPECTED CMD [ARG...]: polls CMD until what it prints is
# EXPECTED, for at most VT_TIMEOUT seconds.  On time-out, says what it
# printed last and returns 1.
vt_wait_output() {
    local want=$1 got deadline=$(( $(date +%s) + VT_TIMEOUT ))
    shift
    while :; do
        got=$("$@" 2>&1)
        [ "$got" = "$want" ] && return 0
        if [ "$(date +%s)" -ge "$deadline" ]; then
            vt_log "waited for \"$want\" from $*, got \"$got\""
            return 1
        fi
        sleep 0.05
    done
}

# Pids to stop when the case ends.
VT_PIDS=""

vt_cleanup() {
    local pid
    for pid in $VT_PIDS; do
        kill "$pid" 2>/dev/null
    done
    for pid in $VT_PIDS; do
        for _ in $(seq 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.05
        done
        kill -9 "$pid" 2>/dev/null
    done
    # vt_run_suite made the directory: it checks it for sanitizer reports
    # once the case's processes are gone, then deletes it.
    if [ -n "${VT_DIR:-}" ] && [ -z "${VT_KEEP:-}" ] \
       && [ "$VT_DIR" != "${VT_CASE_DIR:-}" ]; then
        rm -rf "$VT_DIR"
    fi
}

# vt_san_log_path OPTIONS PREFIX: OPTIONS (a sanitizer's a:b:c list) with
# log_path=PREFIX instead of the one it has, if it has one.
vt_san_log_path() {
    local opt out=""
    local IFS=:
    for opt in $1; do
        case $opt in
            log_path=*) opt=log_path=$2 ;;
        esac
        out=${out:+$out:}$opt
    done
    printf '%s\n' "$out"
}

vt_setup() {
    VT_DIR=${VT_CASE_DIR:-$(mktemp -d /tmp/vtepd-test.XXXXXX)}
    export OVS_RUNDIR=$VT_DIR OVS_LOGDIR=$VT_DIR OVS_DBDIR=$VT_DIR
    export OVS_SYSCONFDIR=$VT_DIR
    VT_DB=unix:$VT_DIR/db.sock
    VT_LOG_ALLOW=()
    # Sanitizer reports of this case's processes go to its directory.
    if [ -n "${ASAN_OPTIONS:-}" ]; then
        ASAN_OPTIONS=$(vt_san_log_path "$ASAN_OPTIONS" "$VT_DIR/asan")
    fi
    if [ -n "${UBSAN_OPTIONS:-}" ]; then
        UBSAN_OPTIONS=$(vt_san_log_path "$UBSAN_OPTIONS" "$VT_DIR/ubsan")
    fi
    trap vt_cleanup EXIT
}

# vt_san_reports [global]: the sanitizer report files of this case (or,
# with "global", those in $VT_SAN_DIR), one per line.
vt_san_reports() {
    local dir=$VT_DIR
    if [ "${1:-}" = global ]; then
        dir=${VT_SAN_DIR:-}
        [ -n "$dir" ] || return 0
    fi
    find "$dir" -maxdepth 1 -type f \( -name 'asan.*' -o -name 'ubsan.*' \) \
        2>/dev/null | sort
}

# vt_check_sanitizers: fails (returns 1, printing them) if a sanitizer
# reported in this case.
vt_check_sanitizers() {
    local f new
    new=$( (vt_san_reports; vt_san_reports global) \
           | grep -vxF -- "${VT_SAN_BEFORE:-/}" )
    [ -n "$new" ] || return 0
    for f in $new; do
        vt_log "FAILED: sanitizer report $f:"
        sed 's/^/    | /' "$f"
    done
    return 1
}

# vt_allow_log ERE: a WARN/ERR/EMER line of vtepd's log that matches the
# extended regular expression ERE is expected in this case.  Callable
# several times.
vt_allow_log() { VT_LOG_ALLOW+=("$1"); }

# Allowed in every case: what OVS's timeval and RCU modules say when the
# machine is slow (a loaded CI machine, the sanitizer build), as OVS's own
# test suite allows them.
VT_LOG_ALLOW_ALWAYS=(
    'timeval\|WARN\|Unreasonably long [0-9]+ms poll interval'
    'timeval\|WARN\|(faults: [0-9]+ minor|disk: [0-9]+ reads)'
    'timeval\|WARN\|context switches: [0-9]+ voluntary'
    'ovs_rcu(\([^)]*\))?\|WARN\|blocked [0-9]+ ms waiting for .* to quiesce'
)

# vt_check_logs: fails (returns 1, printing them) if a vtepd log of this
# case has a WARN, ERR or EMER line that vt_allow_log did not allow.
vt_check_logs() {
    local f re lines ok=true
    for f in "$VT_DIR"/vtepd*.log; do
        [ -f "$f" ] || continue
        lines=$(grep -aE '\|(WARN|ERR|EMER)\|' "$f")
        for re in "${VT_LOG_ALLOW_ALWAYS[@]}" "${VT_LOG_ALLOW[@]}"; do
            [ -n "$lines" ] || break
            lines=$(printf '%s\n' "$lines" | grep -Ev -- "$re")
        done
        if [ -n "$lines" ]; then
            vt_log "FAILED: unexpected lines in ${f##*/}" \
                "(allow them with vt_allow_log if the case provokes them):"
            printf '%s\n' "$lines" | sed 's/^/    | /'
            ok=false
        fi
    done
    $ok
}

# vt_case_passed: what a case that returned 0 must also pass, while its
# processes still run (vt_run_suite checks the sanitizers once they are
# stopped).
vt_case_passed() { vt_check_logs; }

vt_start_ovsdb() {
    local file=${1:-$VT_DIR/vtep.db}
    [ -f "$file" ] || ovsdb-tool create "$file" "$VT_SCHEMA" \
        || vt_fail "ovsdb-tool create"
    ovsdb-server --detach --no-chdir --pidfile="$VT_DIR/ovsdb.pid" \
        --log-file="$VT_DIR/ovsdb.log" --remote="punix:$VT_DIR/db.sock" \
        --unixctl="$VT_DIR/ovsdb.ctl" "$file" 2>>"$VT_DIR/stderr.log" \
        || vt_fail "ovsdb-server did not start"
    VT_OVSDB_PID=$(cat "$VT_DIR/ovsdb.pid")
    VT_PIDS="$VT_PIDS $VT_OVSDB_PID"
}

vt_stop_ovsdb() {
    kill "$VT_OVSDB_PID"
    vt_wait_until vt_not_running "$VT_OVSDB_PID" \
        || vt_fail "ovsdb-server did not stop"
}

vt_not_running() { ! kill -0 "$1" 2>/dev/null; }

# vt_start_vtepd [OPTION...]: a vtepd for switch sw0 with ports p0 and p1
# on the dummy datapath, unless the options say otherwise.
vt_start_vtepd() {
    "$VTEPD" --detach --no-chdir --pidfile="$VT_DIR/vtepd.pid" \
        --log-file="$VT_DIR/vtepd.log" --unixctl="$VT_DIR/vtepd.ctl" \
        -vconsole:off -vfile:dbg \
        --name=sw0 --tunnel-ip=192.0.2.1 --port=p0 --port=p1 \
        --datapath=dummy "$@" "$VT_DB" 2>>"$VT_DIR/stderr.log" \
        || vt_fail "vtepd did not start"
    VT_VTEPD_PID=$(cat "$VT_DIR/vtepd.pid")
    VT_PIDS="$VT_PIDS $VT_VTEPD_PID"
    vt_wait_until vtctl list-ports sw0 \
        || vt_fail "vtepd did not publish its switch"
}

vt_stop_vtepd() {
    appctl exit >/dev/null 2>&1 || kill "$VT_VTEPD_PID"
    vt_wait_until vt_not_running "$VT_VTEPD_PID" \
        || vt_fail "vtepd did not exit"
}

vtctl() { vtep-ctl --timeout=10 --db="$VT_DB" "$@"; }
appctl() { ovs-appctl --timeout=10 -t "$VT_DIR/vtepd.ctl" "$@"; }

# The dummy datapath's tables, one entry per line, sorted.
dp_tables() { appctl vtepd/dummy-tables | grep -v '^counts:'; }

# dp_has LINE...: true if the datapath holds each LINE.
dp_has() {
    local t line
    t=$(dp_tables) || return 1
    for line in "$@"; do
        printf '%s\n' "$t" | grep -qxF -- "$line" || return 1
    done
}

# vt_barrier [CTL]: returns once the vtepd at CTL (default: the case's)
# has processed the database as of the call, its reconciler has nothing
# pending and its learned-MAC write-back is settled (vtepd/barrier); fails
# the case if vtepd does not answer so within VT_TIMEOUT seconds.  Every
# negative check goes through it: a dead daemon never passes one.
vt_barrier() {
    local ctl=${1:-$VT_DIR/vtepd.ctl} out
    out=$(ovs-appctl --timeout=$((VT_TIMEOUT + 5)) -t "$ctl" \
          vtepd/barrier "$VT_TIMEOUT" 2>&1) \
        || vt_fail "vtepd/barrier (${ctl##*/}): ${out:-no answer}"
}

# dp_lacks PATTERN: true if, after the barrier, no datapath entry matches
# the grep PATTERN.
dp_lacks() {
    local t
    vt_barrier
    t=$(appctl vtepd/dummy-tables) || vt_fail "vtepd/dummy-tables: $t"
    ! printf '%s\n' "$t" | grep -v '^counts:' | grep -q -- "$1"
}

expect_dp() {
    vt_wait_until dp_has "$@" || {
        vt_log "datapath holds:"; dp_tables | sed 's/^/    | /'
        vt_fail "datapath lacks: $*"
    }
}

# expect_no_dp PATTERN: fails the case if, after the barrier, a datapath
# entry matches PATTERN.  Checked once: the barrier says the change has
# been processed.
expect_no_dp() {
    dp_lacks "$1" || {
        vt_log "datapath holds:"; dp_tables | sed 's/^/    | /'
        vt_fail "datapath still has an entry matching: $1"
    }
}

# Physical_Switch:switch_fault_status of sw0, as vtep-ctl prints it.
switch_faults() { vtctl get Physical_Switch sw0 switch_fault_status; }
port_faults() {
    vtctl --columns=port_fault_status find Physical_Port name="$1" \
        | sed -n 's/.*: //p'
}

vt_run_suite() {
    local only=("$@") pass=0 fail=0 skip=0 t rc
    local tests
    tests=$(declare -F | awk '{print $3}' | grep '^test_')
    for t in $tests; do
        if [ ${#only[@]} -gt 0 ] \
           && ! printf '%s\n' "${only[@]}" | grep -qx "${t#test_}"; then
            continue
        fi
        VT_CASE_DIR=$(mktemp -d /tmp/vtepd-test.XXXXXX) \
            || { echo "mktemp failed"; return 1; }
        VT_SAN_BEFORE=$(vt_san_reports global)
        ( set -u; vt_setup; "$t" && vt_case_passed )
        rc=$?
        # What the case's processes reported, on their way out too, fails
        # it (even a skipped one).
        if ! VT_DIR=$VT_CASE_DIR vt_check_sanitizers; then
            rc=1
            # Printed and counted: not again by the next case or the
            # caller (utilities/run-tests.sh counts what is left).
            VT_DIR=$VT_CASE_DIR vt_san_reports global \
                | grep -vxF -- "${VT_SAN_BEFORE:-/}" | xargs -r rm -f
        fi
        if [ -z "${VT_KEEP:-}" ]; then
            rm -rf "$VT_CASE_DIR"
        else
            echo "(${t#test_}: $VT_CASE_DIR kept)"
        fi
        VT_CASE_DIR=
        case $rc in
            0) pass=$((pass + 1)); echo "PASS: ${t#test_}" ;;
            77) skip=$((skip + 1)); echo "SKIP: ${t#test_}" ;;
            *) fail=$((fail + 1)); echo "FAIL: ${t#test_}" ;;
        esac
    done
    echo "$pass passed, $fail failed, $skip skipped"
    [ "$fail" -eq 0 ]
}

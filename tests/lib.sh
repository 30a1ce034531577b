# tests/lib.sh: helpers shared by vtepd's shell test suites.
#
# A suite sources this file, defines test_* functions and calls
# vt_run_suite "$@".  Each case runs in a subshell with its own temporary
# directory (OVS_RUNDIR, OVS_LOGDIR, OVS_DBDIR point there), and everything
# it started is stopped by pid when it ends, pass or fail.  A case passes
# if it returns 0, fails otherwise, and is skipped if it calls vt_skip.
# The suite ends with one line "N passed, N failed, N skipped".

: "${VTEPD:=$top_builddir/vtepd/vtepd}"
: "${VT_TIMEOUT:=15}"
VT_SCHEMA=${VT_SCHEMA:-$top_builddir/schema/vtep.ovsschema}

vt_log() { printf '    %s\n' "$*"; }

vt_fail() {
    vt_log "FAILED: $*"
    if [ -n "${VT_DIR:-}" ] && [ -f "$VT_DIR/vtepd.log" ]; then
        vt_log "--- last lines of vtepd.log:"
        grep -v '|DBG|' "$VT_DIR/vtepd.log" | tail -n 15 \
            | sed 's/^/    | /'
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
    if [ -n "${VT_DIR:-}" ] && [ -z "${VT_KEEP:-}" ]; then
        rm -rf "$VT_DIR"
    fi
}

vt_setup() {
    VT_DIR=$(mktemp -d /tmp/vtepd-test.XXXXXX)
    export OVS_RUNDIR=$VT_DIR OVS_LOGDIR=$VT_DIR OVS_DBDIR=$VT_DIR
    export OVS_SYSCONFDIR=$VT_DIR
    VT_DB=unix:$VT_DIR/db.sock
    trap vt_cleanup EXIT
}

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

# dp_lacks PATTERN: true if no datapath entry matches the grep PATTERN.
dp_lacks() { ! dp_tables | grep -q -- "$1"; }

expect_dp() {
    vt_wait_until dp_has "$@" || {
        vt_log "datapath holds:"; dp_tables | sed 's/^/    | /'
        vt_fail "datapath lacks: $*"
    }
}

expect_no_dp() {
    vt_wait_until dp_lacks "$1" || {
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
        ( set -u; vt_setup; "$t" )
        rc=$?
        case $rc in
            0) pass=$((pass + 1)); echo "PASS: ${t#test_}" ;;
            77) skip=$((skip + 1)); echo "SKIP: ${t#test_}" ;;
            *) fail=$((fail + 1)); echo "FAIL: ${t#test_}" ;;
        esac
    done
    echo "$pass passed, $fail failed, $skip skipped"
    [ "$fail" -eq 0 ]
}

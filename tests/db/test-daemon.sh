#!/bin/bash
# test-daemon.sh: vtepd as a daemon: the barrier, switch names and the
# database lock, option checks, the run directory, exit (synchronous,
# --cleanup), --user, fake time.
#
#   vtep-ctl --> ovsdb-server (temp dir) <--> vtepd --> dummy datapath
#                                                  \--> user datapath on a
#                                                       veth in a netns
#                                                       (root-only cases)
#
# Usage: test-daemon.sh [CASE...]   (default: every case)

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir/_build}
. "$top_srcdir/tests/lib.sh"

# Until tests/lib.sh has them.
type vt_barrier >/dev/null 2>&1 || vt_barrier() { appctl vtepd/barrier; }
type vt_allow_log >/dev/null 2>&1 || vt_allow_log() { :; }

VT_TEST_USER=vtepd-test

# start_named NAME [OPTION...]: a vtepd for switch NAME (ports p0, p1,
# dummy datapath unless the options say otherwise) on $DB (default: the
# case's database).  Does not wait for anything.
start_named() {
    local name=$1
    shift
    "$VTEPD" --detach --no-chdir --pidfile="$VT_DIR/vtepd.pid" \
        --log-file="$VT_DIR/vtepd.log" --unixctl="$VT_DIR/vtepd.ctl" \
        -vconsole:off -vfile:dbg \
        --name="$name" --tunnel-ip=192.0.2.1 --port=p0 --port=p1 \
        --datapath=dummy "$@" "${DB:-$VT_DB}" 2>>"$VT_DIR/stderr.log" \
        || vt_fail "vtepd --name=$name did not start"
    VT_VTEPD_PID=$(cat "$VT_DIR/vtepd.pid")
    VT_PIDS="$VT_PIDS $VT_VTEPD_PID"
}

ps_exists() { vtctl list-ps | grep -qxF -- "$1"; }

bind_ls0() {
    vtctl add-ls ls0 -- set Logical_Switch ls0 tunnel_key=100 \
        -- bind-ls "$1" p0 100 ls0 || vt_fail "bind-ls $1"
}

count_rows() {
    vtctl --bare --columns=_uuid find "$@" | grep -c .
}

# ---------------------------------------------------------------------
# vtepd/barrier

# A change followed by the barrier is visible right after it, in the
# datapath and in what vtepd writes to the database: no polling.
test_barrier_makes_changes_visible() {
    vt_start_ovsdb
    vt_start_vtepd
    bind_ls0 sw0
    vt_barrier || vt_fail "barrier"
    dp_has "binding port=p0 vlan=100 vni=100" || vt_fail "binding not in"
    local i mac vlan
    for i in $(seq 50); do
        mac=$(printf '00:00:00:00:%02x:%02x' $((i / 256)) $((i % 256)))
        vlan=$((200 + i))
        vtctl add-ucast-remote ls0 "$mac" 10.0.0.2 \
            -- bind-ls sw0 p1 "$vlan" ls0
        vt_barrier || vt_fail "barrier $i"
        dp_has "ucast vni=100 mac=$mac remote=10.0.0.2" \
               "binding port=p1 vlan=$vlan vni=100" \
            || vt_fail "iteration $i: change not in the datapath"
        appctl vtepd/dump-fdb ls0 | grep -qF "$mac" \
            || vt_fail "iteration $i: $mac not in dump-fdb"
        # A move, then a delete: the negative check needs the barrier.
        vtctl add-ucast-remote ls0 "$mac" 10.0.0.3
        vt_barrier || vt_fail "barrier $i (move)"
        dp_has "ucast vni=100 mac=$mac remote=10.0.0.3" \
            || vt_fail "iteration $i: move not in the datapath"
        vtctl del-ucast-remote ls0 "$mac" -- unbind-ls sw0 p1 "$vlan"
        vt_barrier || vt_fail "barrier $i (delete)"
        dp_lacks "mac=$mac" || vt_fail "iteration $i: $mac still there"
        dp_lacks "vlan=$vlan " || vt_fail "iteration $i: binding still there"
        # What vtepd writes back: learned MACs and restored rows.
        appctl vtepd/dummy-learn p0 100 "02:00:00:00:00:$(printf %02x "$i")" \
            >/dev/null || vt_fail "dummy-learn"
        vt_barrier || vt_fail "barrier $i (learn)"
        vtctl list-local-macs ls0 \
            | grep -qF "02:00:00:00:00:$(printf %02x "$i")" \
            || vt_fail "iteration $i: learned MAC not in Ucast_Macs_Local"
    done
    vtctl del-port sw0 p1
    vt_barrier || vt_fail "barrier (restore)"
    [ "$(vtctl list-ports sw0 | xargs)" = "p0 p1" ] \
        || vt_fail "restored port not committed at the barrier"
}

# The barrier's round trip changes nothing that another client sees.
test_barrier_is_invisible() {
    vt_start_ovsdb
    vt_start_vtepd
    local mon=$VT_DIR/monitor.out
    ovsdb-client monitor "$VT_DB" hardware_vtep Physical_Switch \
        tunnel_ips description --format=csv >"$mon" 2>&1 &
    VT_PIDS="$VT_PIDS $!"
    vt_wait_until grep -q initial "$mon" || vt_fail "monitor did not start"
    local i
    for i in $(seq 20); do
        vt_barrier || vt_fail "barrier $i"
    done
    # A change of our own after the barriers: once the monitor shows it,
    # it has shown everything before.
    vtctl set Physical_Switch sw0 description=sentinel
    vt_wait_until grep -q sentinel "$mon" || vt_fail "monitor missed it"
    [ "$(grep -c ',old,' "$mon")" = 1 ] \
        && [ "$(grep -c ',new,' "$mon")" = 1 ] \
        || { cat "$mon"; vt_fail "the barriers changed Physical_Switch"; }
}

# An operation that failed and waits for its retry does not hold the
# barrier up: the reply says so.
test_barrier_with_retries() {
    vt_start_ovsdb
    vt_start_vtepd
    bind_ls0 sw0
    vt_barrier || vt_fail "barrier"
    appctl vtepd/dummy-fail ucast_set 28 1000 >/dev/null || vt_fail "fail"
    vtctl add-ucast-remote ls0 00:00:00:00:00:01 10.0.0.2
    local out
    out=$(appctl vtepd/barrier 10) || vt_fail "barrier with a retry: $out"
    [ "$out" = "1 operations waiting for retry" ] \
        || vt_fail "barrier said \"$out\""
    [ "$(switch_faults)" = "[mac_table_exhaustion]" ] \
        || vt_fail "fault not committed at the barrier: $(switch_faults)"
    vt_allow_log 'ucast_set|mac_table_exhaustion|No space left'
}

# Barriers wait while the database is away, several at once; with a
# timeout one says why it gave up.
test_barrier_waits_for_database() {
    vt_start_ovsdb
    vt_start_vtepd
    vt_barrier || vt_fail "barrier"
    vt_stop_ovsdb
    local out pids="" p
    out=$(appctl vtepd/barrier 1 2>&1) && vt_fail "barrier without database"
    printf '%s\n' "$out" | grep -q "timed out: not connected to the database" \
        || vt_fail "barrier timeout said: $out"
    for p in 1 2 3; do
        appctl vtepd/barrier >"$VT_DIR/barrier$p.out" 2>&1 &
        pids="$pids $!"
    done
    vt_wait_until sh -c "ovs-appctl -t '$VT_DIR/vtepd.ctl' vtepd/show \
                         | grep -q 'barriers waiting: 3'" \
        || vt_fail "no 3 barriers waiting: $(appctl vtepd/show | head -4)"
    vt_start_ovsdb
    for p in $pids; do
        wait "$p" \
            || vt_fail "a waiting barrier failed: $(cat "$VT_DIR"/barrier*.out)"
    done
    appctl vtepd/barrier x 2>&1 | grep -q "TIMEOUT must be" \
        || vt_fail "bad TIMEOUT accepted"
    vt_allow_log \
        'unix:.*db\.sock: (connection attempt failed|connection dropped)'
}

# ---------------------------------------------------------------------
# Switch names and the database lock

LONG_NAME=rack-07.pod-3.dc-west.example.com-tor-uplink-gateway-switch-number-0001

# Every name works: each registers its Physical_Switch and applies a
# binding; vtepd/show names the lock id.
test_switch_names() {
    vt_start_ovsdb
    local name id
    while IFS='|' read -r name id; do
        start_named "$name"
        vt_wait_until ps_exists "$name" \
            || vt_fail "switch \"$name\" never registered"
        bind_ls0 "$name"
        vt_barrier || vt_fail "barrier ($name)"
        dp_has "binding port=p0 vlan=100 vni=100" \
            || vt_fail "\"$name\": binding not applied"
        appctl vtepd/show | grep -qF "lock held (lock id $id)" \
            || vt_fail "\"$name\": show: $(appctl vtepd/show | sed -n 2p)"
        appctl exit --cleanup >/dev/null || vt_fail "exit --cleanup ($name)"
        vt_wait_until vt_not_running "$VT_VTEPD_PID" \
            || vt_fail "\"$name\" did not exit"
        [ -z "$(vtctl list-ps)" ] || vt_fail "\"$name\": rows left"
        vtctl del-ls ls0
    done <<EOF
sw_0|vtepd_sw_0
tor-01|vtepdx_tor_2d01
switch-l2gw02|vtepdx_switch_2dl2gw02
gw.dc1|vtepdx_gw_2edc1
$LONG_NAME|vtepdx_rack_2d07_2epod_2d3_2edc_2dwest_2eexample_2ecom_2dtor_2duplink_2dgateway_2dswitch_2dnumber_2d0001
zürich-gw|vtepdx_z_c3_bcrich_2dgw
EOF
}

# Two names whose lock ids could clash under a naive escape run side by
# side: each holds its own lock.
test_lock_ids_distinct() {
    vt_start_ovsdb
    start_named tor-01
    vt_wait_until ps_exists tor-01 || vt_fail "tor-01 not registered"
    local first=$VT_VTEPD_PID
    "$VTEPD" --detach --no-chdir --pidfile="$VT_DIR/second.pid" \
        --log-file="$VT_DIR/second.log" --unixctl="$VT_DIR/second.ctl" \
        -vconsole:off --name=vtepdx_tor_2d01 --tunnel-ip=192.0.2.2 \
        --port=p0 --datapath=dummy "$VT_DB" \
        || vt_fail "second vtepd did not start"
    VT_PIDS="$VT_PIDS $(cat "$VT_DIR/second.pid")"
    vt_wait_until ps_exists vtepdx_tor_2d01 \
        || vt_fail "second switch not registered (lock shared?)"
    kill -0 "$first" || vt_fail "first vtepd died"
    ovs-appctl -t "$VT_DIR/second.ctl" vtepd/show \
        | grep -qF "lock held (lock id vtepd_vtepdx_tor_2d01)" \
        || vt_fail "second lock id"
}

# A server that never grants the lock (a read-only backup server answers
# the lock request with an error that the IDL drops) is reported.
test_lock_not_granted_warns() {
    vt_start_ovsdb
    ovsdb-tool create "$VT_DIR/backup.db" "$VT_SCHEMA" || vt_fail "create"
    ovsdb-server --detach --no-chdir --pidfile="$VT_DIR/backup.pid" \
        --log-file="$VT_DIR/backup.log" --remote="punix:$VT_DIR/backup.sock" \
        --unixctl="$VT_DIR/backup.ctl" --sync-from="$VT_DB" \
        "$VT_DIR/backup.db" || vt_fail "backup ovsdb-server"
    VT_PIDS="$VT_PIDS $(cat "$VT_DIR/backup.pid")"
    DB=unix:$VT_DIR/backup.sock start_named sw0
    vt_wait_until sh -c "ovs-appctl -t '$VT_DIR/vtepd.ctl' vtepd/show \
                         | grep -q 'connected, lock requested for'" \
        || vt_fail "show: $(appctl vtepd/show | sed -n 2p)"
    grep -q 'has not granted lock' "$VT_DIR/vtepd.log" \
        && vt_fail "warned too early"
    appctl time/warp 6000 >/dev/null || vt_fail "time/warp"
    vt_wait_until grep -q \
        'WARN|sw0: the database has not granted lock "vtepd_sw0"' \
        "$VT_DIR/vtepd.log" || vt_fail "no warning about the lock"
    appctl vtepd/show \
        | grep -q "lock requested for .*, not granted (lock id vtepd_sw0)" \
        || vt_fail "show: $(appctl vtepd/show | sed -n 2p)"
    vt_allow_log 'the database has not granted lock'
}

# ---------------------------------------------------------------------
# Options refused at start

make_ssl_files() {
    local d=$VT_DIR/pki
    mkdir -p "$d"
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=vtepd-test \
        -keyout "$d/key.pem" -out "$d/cert.pem" >/dev/null 2>&1 \
        || vt_skip "openssl cannot make a certificate"
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=other \
        -keyout "$d/key2.pem" -out "$d/cert2.pem" >/dev/null 2>&1
    echo garbage >"$d/garbage.pem"
}

# expect_refused WANT OPTION...: vtepd with OPTIONs exits with status 1
# and says WANT.  (Options without files: test-db.sh's bad_options.)
expect_refused() {
    local want=$1 out rc
    shift
    out=$(timeout 10 "$VTEPD" --unixctl="$VT_DIR/bad.ctl" \
          --tunnel-ip=192.0.2.1 --datapath=dummy "$@" -vconsole:off 2>&1)
    rc=$?
    [ "$rc" = 1 ] && printf '%s\n' "$out" | grep -qF -- "$want" \
        || vt_fail "vtepd $*: exit status $rc, said \"$out\", not \"$want\""
}

# SSL files that cannot work.
test_bad_ssl_files() {
    vt_start_ovsdb
    make_ssl_files
    local p=$VT_DIR/pki ssl=ssl:127.0.0.1:6640
    expect_refused "which needs --ca-cert (or --bootstrap-ca-cert)" \
        -p "$p/key.pem" -c "$p/cert.pem" "$ssl"
    expect_refused "--private-key: cannot read $p/nokey.pem" \
        -p "$p/nokey.pem" -c "$p/cert.pem" -C "$p/cert.pem" "$ssl"
    expect_refused "$p/garbage.pem is no PEM private key" \
        -p "$p/garbage.pem" -c "$p/cert.pem" -C "$p/cert.pem" "$ssl"
    expect_refused "$p/garbage.pem is no PEM certificate" \
        -p "$p/key.pem" -c "$p/garbage.pem" -C "$p/cert.pem" "$ssl"
    expect_refused "does not match the --certificate" \
        -p "$p/key2.pem" -c "$p/cert.pem" -C "$p/cert.pem" "$ssl"
    expect_refused "--ca-cert: cannot read $p/nothere.pem" \
        -p "$p/key.pem" -c "$p/cert.pem" -C "$p/nothere.pem" "$ssl"
    expect_refused "holds no PEM certificate" \
        -p "$p/key.pem" -c "$p/cert.pem" -C "$p/garbage.pem" "$ssl"
    # A bootstrap CA certificate may not exist yet; one that exists must
    # be one.
    expect_refused "--bootstrap-ca-cert: $p/garbage.pem holds no PEM" \
        -p "$p/key.pem" -c "$p/cert.pem" --bootstrap-ca-cert="$p/garbage.pem" \
        "$ssl"
    [ -z "$(vtctl list-ps)" ] || vt_fail "a refused vtepd wrote a switch"
}

# What the checks accept: a list of addresses, and SSL with every file.
test_good_database_options() {
    make_ssl_files
    local p=$VT_DIR/pki port
    # One server, listening for SSL as well as on the case's socket.
    ovsdb-tool create "$VT_DIR/vtep.db" "$VT_SCHEMA" || vt_fail "create"
    ovsdb-server --detach --no-chdir --pidfile="$VT_DIR/ovsdb.pid" \
        --log-file="$VT_DIR/ovsdb.log" --unixctl="$VT_DIR/ovsdb.ctl" \
        --remote="punix:$VT_DIR/db.sock" --remote=pssl:0:127.0.0.1 \
        --private-key="$p/key.pem" --certificate="$p/cert.pem" \
        --ca-cert="$p/cert.pem" "$VT_DIR/vtep.db" \
        || vt_fail "ovsdb-server with SSL"
    VT_OVSDB_PID=$(cat "$VT_DIR/ovsdb.pid")
    VT_PIDS="$VT_PIDS $VT_OVSDB_PID"
    vt_wait_until grep -q 'listening on port' "$VT_DIR/ovsdb.log"
    port=$(sed -n 's/.*127.0.0.1: listening on port \([0-9]*\).*/\1/p' \
           "$VT_DIR/ovsdb.log" | head -1)
    [ -n "$port" ] || vt_fail "no SSL port in ovsdb.log"
    DB=ssl:127.0.0.1:$port start_named sw0 -p "$p/key.pem" \
        -c "$p/cert.pem" -C "$p/cert.pem" --ssl-protocols=TLSv1.2
    vt_wait_until ps_exists sw0 || vt_fail "not registered over SSL"
    vt_barrier || vt_fail "barrier over SSL"
    vt_stop_vtepd
    # A comma-separated list whose first address leads nowhere.
    DB="unix:$VT_DIR/nothing.sock,$VT_DB" start_named sw1
    vt_wait_until ps_exists sw1 || vt_fail "list of addresses"
    vt_allow_log 'nothing\.sock: (connection attempt failed|connect)'
}

# ---------------------------------------------------------------------
# Run directory and exit

# Without openvswitch-switch nothing makes /var/run/openvswitch: vtepd
# makes its run directory itself.
test_rundir_created() {
    vt_start_ovsdb
    export OVS_RUNDIR=$VT_DIR/run/openvswitch
    "$VTEPD" --detach --pidfile --no-chdir --log-file="$VT_DIR/vtepd.log" \
        -vconsole:off --name=sw0 --tunnel-ip=192.0.2.1 --datapath=dummy \
        "$VT_DB" 2>>"$VT_DIR/stderr.log" \
        || vt_fail "vtepd --detach --pidfile without a run directory: \
$(cat "$VT_DIR/stderr.log")"
    VT_PIDS="$VT_PIDS $(cat "$OVS_RUNDIR/vtepd.pid")"
    [ "$(stat -c %a "$OVS_RUNDIR")" = 755 ] \
        || vt_fail "run directory mode $(stat -c %a "$OVS_RUNDIR")"
    ovs-appctl -t vtepd vtepd/barrier || vt_fail "default control socket"
    ovs-appctl -t vtepd exit || vt_fail "exit"
}

# With --user, the run directory vtepd makes is the user's: the pidfile
# and the control socket are made after the switch.
test_rundir_created_user() {
    need_test_user
    vt_start_ovsdb
    chmod 0777 "$VT_DIR/db.sock"
    export OVS_RUNDIR=$VT_DIR/run/openvswitch
    "$VTEPD" --detach --pidfile --no-chdir --log-file="$VT_DIR/vtepd.log" \
        -vconsole:off --name=sw0 --tunnel-ip=192.0.2.1 --datapath=dummy \
        --user="$VT_TEST_USER" "$VT_DB" 2>>"$VT_DIR/stderr.log" \
        || vt_fail "vtepd --user without a run directory: \
$(cat "$VT_DIR/stderr.log")"
    VT_PIDS="$VT_PIDS $(cat "$OVS_RUNDIR/vtepd.pid")"
    [ "$(stat -c '%U %a' "$OVS_RUNDIR")" = "$VT_TEST_USER 755" ] \
        || vt_fail "run directory: $(stat -c '%U %a' "$OVS_RUNDIR")"
    ovs-appctl -t vtepd vtepd/barrier || vt_fail "default control socket"
    ovs-appctl -t vtepd exit || vt_fail "exit"
    [ -z "$(ls "$OVS_RUNDIR")" ] || vt_fail "left: $(ls "$OVS_RUNDIR")"
}

# "exit" answers once the old vtepd let go of everything: a new one with
# the same pidfile, control socket and switch starts right away.
test_exit_then_restart() {
    vt_start_ovsdb
    vt_start_vtepd
    bind_ls0 sw0
    appctl vtepd/dummy-learn-bulk p0 100 2000 >/dev/null || vt_fail "learn"
    vt_barrier || vt_fail "barrier"
    local i old
    for i in $(seq 15); do
        old=$VT_VTEPD_PID
        appctl exit || vt_fail "exit $i"
        start_named sw0
        [ "$VT_VTEPD_PID" != "$old" ] || vt_fail "pidfile not rewritten"
        vt_barrier || vt_fail "restart $i: barrier"
        appctl vtepd/show | grep -q "connected, lock held" \
            || vt_fail "restart $i: $(appctl vtepd/show | sed -n 2p)"
        vt_wait_until vt_not_running "$old" \
            || vt_fail "restart $i: old vtepd still runs"
    done
}

# The same with the user datapath, whose close (the packet thread, pcap
# handles) takes long enough that answering "exit" before it made every
# immediate restart fail on the pidfile.
test_exit_then_restart_user() {
    make_netns
    vt_start_ovsdb
    local i old
    for i in $(seq 10); do
        ip netns exec "$VT_NS" "$VTEPD" --detach --no-chdir \
            --pidfile="$VT_DIR/vtepd.pid" --log-file="$VT_DIR/vtepd.log" \
            --unixctl="$VT_DIR/vtepd.ctl" -vconsole:off -vfile:dbg \
            --name=sw0 --tunnel-ip=192.0.2.1 --port=p0 --datapath=user \
            "$VT_DB" 2>>"$VT_DIR/stderr.log" \
            || vt_fail "start $i right after exit:" \
                       "$(tail -1 "$VT_DIR/stderr.log")"
        old=$(cat "$VT_DIR/vtepd.pid")
        VT_PIDS="$VT_PIDS $old"
        vt_wait_until ps_exists sw0 || vt_fail "start $i: not registered"
        vt_wait_until grep -q 'port p0: open' "$VT_DIR/vtepd.log" \
            || vt_fail "start $i: port not open"
        appctl exit || vt_fail "exit $i"
    done
}

# The rows a plain exit keeps, and "exit --cleanup" removes.
setup_own_rows() {
    vtctl add-ps sw9 -- add-port sw9 q1 \
        -- set Physical_Switch sw9 tunnel_ips=10.7.7.7
    vt_start_vtepd
    bind_ls0 sw0
    vtctl add-ucast-remote ls0 00:00:00:00:00:01 10.0.0.2 \
        -- add-mcast-remote ls0 unknown-dst 10.0.0.3
    appctl vtepd/dummy-learn p0 100 02:00:00:00:00:01 >/dev/null
    appctl vtepd/dummy-learn p0 100 02:00:00:00:00:02 >/dev/null
    appctl vtepd/dummy-stats p0 100 1 100 2 200 >/dev/null
    # Binding counters are written every --stats-interval: fake time.
    appctl time/warp 6000 >/dev/null || vt_fail "time/warp"
    vt_barrier || vt_fail "barrier"
    [ "$(count_rows Ucast_Macs_Local)" = 2 ] || vt_fail "learned MACs"
    [ "$(count_rows Mcast_Macs_Local)" = 1 ] || vt_fail "unknown-dst row"
    [ "$(count_rows Logical_Binding_Stats)" -ge 1 ] || vt_fail "no stats"
    [ "$(count_rows Physical_Locator dst_ip=192.0.2.1)" = 1 ] \
        || vt_fail "own locator"
}

test_exit_keeps_rows() {
    vt_start_ovsdb
    setup_own_rows
    local before
    before=$(vtctl list Physical_Switch sw0; vtctl list-local-macs ls0)
    appctl exit || vt_fail "exit"
    vt_not_running "$VT_VTEPD_PID" || vt_wait_until vt_not_running \
        "$VT_VTEPD_PID" || vt_fail "still running"
    [ "$(vtctl list Physical_Switch sw0; vtctl list-local-macs ls0)" \
      = "$before" ] || vt_fail "a plain exit changed vtepd's rows"
    [ "$(count_rows Logical_Binding_Stats)" -ge 1 ] || vt_fail "stats gone"
}

test_exit_cleanup() {
    vt_start_ovsdb
    setup_own_rows
    local out
    out=$(appctl exit --cleanup) || vt_fail "exit --cleanup: $out"
    printf '%s\n' "$out" | grep -q "^removed [0-9]* rows of sw0" \
        || vt_fail "exit --cleanup said: $out"
    [ "$(vtctl list-ps)" = sw9 ] || vt_fail "switches: $(vtctl list-ps)"
    [ "$(vtctl list-ports sw9)" = q1 ] || vt_fail "sw9 lost its port"
    [ "$(vtctl --bare --columns=switches list Global | wc -w)" = 1 ] \
        || vt_fail "Global.switches:" \
                   "$(vtctl --bare --columns=switches list Global)"
    [ "$(count_rows Physical_Port)" = 1 ] || vt_fail "our ports remain"
    [ "$(count_rows Ucast_Macs_Local)" = 0 ] || vt_fail "learned MACs remain"
    [ "$(count_rows Mcast_Macs_Local)" = 0 ] || vt_fail "unknown-dst remains"
    [ "$(count_rows Logical_Binding_Stats)" = 0 ] || vt_fail "stats remain"
    [ "$(count_rows Physical_Locator dst_ip=192.0.2.1)" = 0 ] \
        || vt_fail "our locator remains"
    # What the controllers wrote stays.
    [ "$(vtctl list-ls)" = ls0 ] || vt_fail "logical switch gone"
    vtctl list-remote-macs ls0 \
        | grep -q "00:00:00:00:00:01 -> vxlan_over_ipv4/10.0.0.2" \
        || vt_fail "remote MAC gone: $(vtctl list-remote-macs ls0)"
}

# "exit --bogus" is refused and vtepd keeps running.
test_exit_usage() {
    vt_start_ovsdb
    vt_start_vtepd
    appctl exit --bogus 2>&1 | grep -q "usage: exit \[--cleanup\]" \
        || vt_fail "bad exit argument accepted"
    vt_barrier || vt_fail "vtepd stopped"
}

# ---------------------------------------------------------------------
# --user

need_root() { [ "$(id -u)" = 0 ] || vt_skip "needs root"; }

need_test_user() {
    need_root
    id "$VT_TEST_USER" >/dev/null 2>&1 \
        || useradd --system --no-create-home --shell /usr/sbin/nologin \
                   "$VT_TEST_USER" \
        || vt_skip "cannot create the user $VT_TEST_USER"
    # The case's directory: the pidfile and control socket are made by
    # the new user, the database socket is reached by it.
    chmod 1777 "$VT_DIR"
}

# expect_user PID: runs as the test user with only CAP_NET_ADMIN and
# CAP_NET_RAW (bits 12 and 13).
expect_user() {
    local uid status
    uid=$(id -u "$VT_TEST_USER")
    status=/proc/$1/status
    [ "$(awk '/^Uid:/ {print $2, $3, $4, $5}' "$status")" \
      = "$uid $uid $uid $uid" ] || vt_fail "uids: $(grep ^Uid: "$status")"
    for cap in CapEff CapPrm; do
        [ "$(awk "/^$cap:/ {print \$2}" "$status")" = 0000000000003000 ] \
            || vt_fail "$cap: $(grep "^$cap:" "$status")"
    done
    [ "$(awk '/^CapInh:/ {print $2}' "$status")" = 0000000000000000 ] \
        || vt_fail "$(grep ^CapInh: "$status")"
}

test_user_dummy() {
    need_test_user
    vt_start_ovsdb
    chmod 0777 "$VT_DIR/db.sock"
    start_named sw0 --user="$VT_TEST_USER"
    vt_wait_until ps_exists sw0 \
        || vt_fail "vtepd --user did not register: $(cat "$VT_DIR/stderr.log")"
    expect_user "$VT_VTEPD_PID"
    bind_ls0 sw0
    vt_barrier || vt_fail "barrier"
    dp_has "binding port=p0 vlan=100 vni=100" || vt_fail "binding"
    appctl exit || vt_fail "exit as $VT_TEST_USER"
    start_named sw0 --user="$VT_TEST_USER"
    vt_barrier || vt_fail "restart as $VT_TEST_USER"
}

# A network namespace with a veth whose inner end is port p0 and holds
# the tunnel IP, for the user datapath.
VT_NS=
make_netns() {
    need_root
    VT_NS=vtd-daemon-$$-$RANDOM
    ip netns add "$VT_NS" || vt_skip "cannot create a network namespace"
    trap 'vt_cleanup; ip netns del "$VT_NS" 2>/dev/null' EXIT
    ip -n "$VT_NS" link set lo up
    ip -n "$VT_NS" link add p0 type veth peer name up0 || vt_skip "no veth"
    ip -n "$VT_NS" link set p0 up
    ip -n "$VT_NS" link set up0 up
    ip -n "$VT_NS" addr add 192.0.2.1/24 dev up0
}

# --user with the user datapath: libpcap opens the port with the kept
# CAP_NET_RAW.
test_user_datapath() {
    need_test_user
    make_netns
    vt_start_ovsdb
    chmod 0777 "$VT_DIR/db.sock"
    ip netns exec "$VT_NS" "$VTEPD" --detach --no-chdir \
        --pidfile="$VT_DIR/vtepd.pid" --log-file="$VT_DIR/vtepd.log" \
        --unixctl="$VT_DIR/vtepd.ctl" -vconsole:off -vfile:dbg \
        --name=sw0 --tunnel-ip=192.0.2.1 --port=p0 --datapath=user \
        --user="$VT_TEST_USER" "$VT_DB" 2>>"$VT_DIR/stderr.log" \
        || vt_fail "vtepd --user --datapath=user: $(cat "$VT_DIR/stderr.log")"
    VT_VTEPD_PID=$(cat "$VT_DIR/vtepd.pid")
    VT_PIDS="$VT_PIDS $VT_VTEPD_PID"
    vt_wait_until grep -q 'port p0: open' "$VT_DIR/vtepd.log" \
        || vt_fail "port p0 not opened as $VT_TEST_USER"
    expect_user "$VT_VTEPD_PID"
    vt_wait_until ps_exists sw0 || vt_fail "not registered"
    grep -q 'cannot open' "$VT_DIR/vtepd.log" && vt_fail "a port failed"
    appctl exit || vt_fail "exit"
}

# ---------------------------------------------------------------------
# The tunnel IP and fake time on a datapath that sends

# A --tunnel-ip that no interface holds gets a warning (the dummy
# datapath's 192.0.2.1 in every other case gets none); fake time needs
# --enable-dummy there.
test_tunnel_ip_not_local() {
    make_netns
    vt_start_ovsdb
    ip netns exec "$VT_NS" "$VTEPD" --detach --no-chdir \
        --pidfile="$VT_DIR/vtepd.pid" --log-file="$VT_DIR/vtepd.log" \
        --unixctl="$VT_DIR/vtepd.ctl" -vconsole:off -vfile:dbg \
        --name=sw0 --tunnel-ip=192.0.2.99 --port=p0 --datapath=user \
        "$VT_DB" 2>>"$VT_DIR/stderr.log" || vt_fail "vtepd did not start"
    VT_VTEPD_PID=$(cat "$VT_DIR/vtepd.pid")
    VT_PIDS="$VT_PIDS $VT_VTEPD_PID"
    grep -q 'WARN|sw0: tunnel ip 192.0.2.99 is on no local interface' \
        "$VT_DIR/vtepd.log" || vt_fail "no warning about the tunnel IP"
    appctl vtepd/show \
        | grep -q "tunnel ip 192.0.2.99 (on no local interface)" \
        || vt_fail "show: $(appctl vtepd/show | head -1)"
    appctl time/warp 1 2>&1 | grep -q "is not a valid command" \
        || vt_fail "time/warp without --enable-dummy"
    appctl exit
    vt_wait_until vt_not_running "$VT_VTEPD_PID"
    ip netns exec "$VT_NS" "$VTEPD" --detach --no-chdir \
        --pidfile="$VT_DIR/vtepd.pid" --log-file="$VT_DIR/vtepd2.log" \
        --unixctl="$VT_DIR/vtepd.ctl" -vconsole:off \
        --name=sw0 --tunnel-ip=192.0.2.1 --port=p0 --datapath=user \
        --enable-dummy "$VT_DB" 2>>"$VT_DIR/stderr.log" \
        || vt_fail "vtepd did not start"
    VT_VTEPD_PID=$(cat "$VT_DIR/vtepd.pid")
    VT_PIDS="$VT_PIDS $VT_VTEPD_PID"
    appctl time/warp 1 >/dev/null || vt_fail "time/warp with --enable-dummy"
    grep -q 'on no local interface' "$VT_DIR/vtepd2.log" \
        && vt_fail "warned about a local tunnel IP"
    appctl vtepd/show | head -1 | grep -q "on no local interface" \
        && vt_fail "show: $(appctl vtepd/show | head -1)"
    vt_allow_log 'tunnel ip 192\.0\.2\.99 is on no local interface'
}

vt_run_suite "$@"

#!/bin/bash
# test-local.sh: what vtepd writes back to the database: learned MACs,
# unknown-dst flooding, the MAC limit faults, the write rate, the rows
# kept across a restart and the binding counters.
#
#   dummy datapath --learning events--> vtepd --> ovsdb-server <-- vtep-ctl
#   (vtepd/dummy-learn,                  |         Ucast_Macs_Local
#    dummy-learn-bulk, dummy-unlearn,    |         Mcast_Macs_Local
#    dummy-stats)                        |         Logical_Binding_Stats
#                                        +-------> switch_fault_status
#
# Each case starts its own ovsdb-server and vtepd (switch sw0, ports p0 and
# p1, tunnel IP 192.0.2.1, --datapath=dummy), binds logical switches with
# vtep-ctl, injects learning events and counters through the dummy
# datapath's unixctl commands, and checks the rows vtepd wrote (and that it
# left alone the rows of other locators).  Negative checks follow
# vt_barrier, which returns once vtepd has processed everything so far;
# time-based behaviour (aging, the stats interval) runs on OVS's fake
# clock (time/warp, which the dummy datapath enables).
#
# Usage: test-local.sh [CASE...]   (default: every case)

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir/_build}
. "$top_srcdir/tests/lib.sh"

OWN_IP=192.0.2.1
MAC1=00:00:00:00:00:01
MAC2=00:00:00:00:00:02
MAC3=00:00:00:00:00:03

# A logical switch ls0 with VNI 100 bound to p0 VLAN 100.
setup_ls0() {
    vtctl add-ls ls0 -- set Logical_Switch ls0 tunnel_key=100 \
        -- bind-ls sw0 p0 100 ls0 || vt_fail "setup_ls0"
    expect_dp "binding port=p0 vlan=100 vni=100"
}

learn() { appctl vtepd/dummy-learn "$@" >/dev/null || vt_fail "learn $*"; }
unlearn() {
    appctl vtepd/dummy-unlearn "$@" >/dev/null || vt_fail "unlearn $*"
}

# UUIDs of the Ucast_Macs_Local rows for MAC, one per line.
ucast_rows() {
    vtctl --bare --columns=_uuid find Ucast_Macs_Local MAC="\"$1\""
}
n_ucast_rows() { ucast_rows "$1" | grep -c .; }

# UUIDs of the Ucast_Macs_Local rows for MAC with our locator.
own_rows() {
    local row loc
    for row in $(ucast_rows "$1"); do
        loc=$(vtctl get Ucast_Macs_Local "$row" locator)
        [ "$(vtctl get Physical_Locator "$loc" dst_ip)" = "\"$OWN_IP\"" ] \
            && echo "$row"
    done
}

# Advances vtepd's clock by MSECS, in one step (a stepwise warp needs a
# main loop iteration per step, and an idle vtepd has none to give).
warp() { appctl time/warp "$1" >/dev/null || vt_fail "time/warp $1"; }

# "ls dst_ip ipaddr" of each Ucast_Macs_Local row for MAC, sorted.
ucast_desc() {
    local row ls loc
    for row in $(ucast_rows "$1"); do
        ls=$(vtctl get Ucast_Macs_Local "$row" logical_switch)
        loc=$(vtctl get Ucast_Macs_Local "$row" locator)
        printf '%s %s %s\n' "$(vtctl get Logical_Switch "$ls" name)" \
            "$(vtctl get Physical_Locator "$loc" dst_ip)" \
            "$(vtctl get Ucast_Macs_Local "$row" ipaddr)"
    done | sort
}

# How many Ucast_Macs_Local rows the database holds.
n_ucast_all() {
    vtctl --bare --columns=_uuid list Ucast_Macs_Local | grep -c .
}

# The names of the switches with an unknown-dst Mcast_Macs_Local row whose
# set is exactly our locator, one line each, sorted (duplicates kept).
mcast_local_lss() {
    local row ls set locs
    for row in $(vtctl --bare --columns=_uuid find Mcast_Macs_Local \
                 MAC=unknown-dst); do
        set=$(vtctl get Mcast_Macs_Local "$row" locator_set)
        locs=$(vtctl --bare --columns=locators list Physical_Locator_Set \
               "$set")
        [ "$(printf '%s\n' "$locs" | wc -w)" = 1 ] || continue
        [ "$(vtctl get Physical_Locator "$locs" dst_ip)" = "\"$OWN_IP\"" ] \
            || continue
        ls=$(vtctl get Mcast_Macs_Local "$row" logical_switch)
        vtctl get Logical_Switch "$ls" name
    done | sort | xargs
}

# A number from the vtepd/stats line that starts with PREFIX.
stat() {
    appctl vtepd/stats | sed -n "s/^$1: \([0-9]*\).*/\1/p"
}

# vlan_stats of PORT as "vlan=pf/bf/pt/bt ..." sorted.
vlan_stats() {
    local port=$1 entry vlan row
    for entry in $(vtctl --bare --columns=vlan_stats find Physical_Port \
                   name="$port" | tr ' ' '\n'); do
        vlan=${entry%%=*}
        row=${entry#*=}
        printf '%s=%s/%s/%s/%s\n' "$vlan" \
            "$(vtctl get Logical_Binding_Stats "$row" packets_from_local)" \
            "$(vtctl get Logical_Binding_Stats "$row" bytes_from_local)" \
            "$(vtctl get Logical_Binding_Stats "$row" packets_to_local)" \
            "$(vtctl get Logical_Binding_Stats "$row" bytes_to_local)"
    done | sort | xargs
}

# Inserts a Ucast_Macs_Local row for MAC in LS with a locator for IP (a new
# locator row unless one exists); prints the row's UUID.
add_foreign_row() {
    local ls=$1 mac=$2 ip=$3 loc
    loc=$(vtctl --bare --columns=_uuid find Physical_Locator dst_ip="$ip")
    if [ -z "$loc" ]; then
        vtctl -- --id=@l create Physical_Locator \
            encapsulation_type=vxlan_over_ipv4 dst_ip="$ip" \
            -- create Ucast_Macs_Local MAC="\"$mac\"" \
               logical_switch="$(vtctl --bare --columns=_uuid find \
                                 Logical_Switch name="$ls")" \
               locator=@l | tail -1
    else
        vtctl -- create Ucast_Macs_Local MAC="\"$mac\"" \
            logical_switch="$(vtctl --bare --columns=_uuid find \
                              Logical_Switch name="$ls")" \
            locator="$loc"
    fi
}

test_learned_mac_row() {
    vt_start_ovsdb
    vt_start_vtepd
    setup_ls0
    learn p0 100 $MAC1 10.0.0.5
    learn p0 100 $MAC2
    vt_wait_output "ls0 \"$OWN_IP\" \"10.0.0.5\"" ucast_desc $MAC1 \
        || vt_fail "row of $MAC1"
    vt_wait_output "ls0 \"$OWN_IP\" \"\"" ucast_desc $MAC2 \
        || vt_fail "row of $MAC2"
    vtctl list-local-macs ls0 | grep -qxF \
        "  $MAC1 -> vxlan_over_ipv4/$OWN_IP" \
        || vt_fail "list-local-macs: $(vtctl list-local-macs ls0)"
    # One locator row for our IP, shared by both.
    [ "$(vtctl --bare --columns=_uuid find Physical_Locator \
         dst_ip=$OWN_IP | grep -c .)" = 1 ] || vt_fail "locator duplicated"
    # Learned again without an IP: the IP from ARP is kept.  With one, it
    # is updated.
    learn p0 100 $MAC1
    learn p0 100 $MAC2 10.0.0.6
    vt_wait_output "ls0 \"$OWN_IP\" \"10.0.0.6\"" ucast_desc $MAC2 \
        || vt_fail "ipaddr of $MAC2 not updated"
    [ "$(ucast_desc $MAC1)" = "ls0 \"$OWN_IP\" \"10.0.0.5\"" ] \
        || vt_fail "ipaddr of $MAC1 lost: $(ucast_desc $MAC1)"
    [ "$(appctl vtepd/dump-local)" = \
"$MAC1 ls0 port p0 vlan 100 ip 10.0.0.5
$MAC2 ls0 port p0 vlan 100 ip 10.0.0.6" ] \
        || vt_fail "dump-local: $(appctl vtepd/dump-local)"
    [ "$(appctl vtepd/dump-local ls0 | grep -c .)" = 2 ] \
        || vt_fail "dump-local ls0"
    appctl vtepd/dump-local nosuch >/dev/null 2>&1 \
        && vt_fail "dump-local of an unknown switch"
    [ "$(stat "learned MACs")" = 2 ] || vt_fail "stats: learned MACs"
    # Events that make no sense are refused at the source or ignored.
    appctl vtepd/dummy-learn p0 7 $MAC3 >/dev/null 2>&1 \
        && vt_fail "learned on an unbound VLAN"
    appctl vtepd/dummy-learn p0 100 01:00:5e:00:00:01 >/dev/null 2>&1 \
        && vt_fail "learned a multicast MAC"
    return 0
}

# Events from the datapath are untrusted: nonsense is logged and skipped.
test_nonsense_events() {
    vt_start_ovsdb
    vt_start_vtepd
    setup_ls0
    local ev
    for ev in "add 999 p0 100 $MAC1" "add 100 eth9 100 $MAC1" \
              "add 100 p0 7 $MAC1" "add 100 p1 100 $MAC1" \
              "add 100 p0 100 01:00:5e:00:00:01" "add 0 p0 100 $MAC1" \
              "add 100 p0 100 00:00:00:00:00:00" "full 999 p0 100 $MAC1" \
              "del 100 p0 100 $MAC2" "room 100 p0 100 $MAC1"; do
        # shellcheck disable=SC2086
        appctl vtepd/dummy-event $ev >/dev/null || vt_fail "event $ev"
    done
    learn p0 100 $MAC3
    vt_wait_output 1 n_ucast_rows $MAC3 || vt_fail "good event not written"
    [ "$(n_ucast_all)" = 1 ] || vt_fail "nonsense written: $(n_ucast_all)"
    [ "$(stat "learning events")" = 11 ] || vt_fail "events counted"
    vt_allow_log 'learning event for MAC .* ignored'
    appctl vtepd/stats | grep -q "^learning events: 11 (8 ignored)" \
        || vt_fail "stats: $(appctl vtepd/stats)"
    [ "$(switch_faults)" = "[]" ] || vt_fail "faults: $(switch_faults)"
    grep -q "VNI 999 on p0 vlan 100 ignored" "$VT_DIR/vtepd.log" \
        || vt_fail "no log line"
    [ "$(appctl vtepd/dump-local)" = "$MAC3 ls0 port p0 vlan 100 ip -" ] \
        || vt_fail "dump-local: $(appctl vtepd/dump-local)"
}

test_move() {
    vt_start_ovsdb
    vt_start_vtepd
    setup_ls0
    vtctl bind-ls sw0 p1 0 ls0
    expect_dp "binding port=p1 vlan=0 vni=100"
    learn p0 100 $MAC1 10.0.0.5
    vt_wait_output "ls0 \"$OWN_IP\" \"10.0.0.5\"" ucast_desc $MAC1 \
        || vt_fail "row of $MAC1"
    local before
    before=$(ucast_rows $MAC1)
    # The host moves to p1, untagged, and says so by ARP with a new IP.
    learn p1 0 $MAC1 10.0.0.7
    vt_wait_output "ls0 \"$OWN_IP\" \"10.0.0.7\"" ucast_desc $MAC1 \
        || vt_fail "row not updated"
    [ "$(ucast_rows $MAC1)" = "$before" ] || vt_fail "row replaced"
    [ "$(appctl vtepd/dump-local)" \
      = "$MAC1 ls0 port p1 vlan 0 ip 10.0.0.7" ] \
        || vt_fail "dump-local: $(appctl vtepd/dump-local)"
    # Moved without an IP: one row, IP kept.
    learn p0 100 $MAC1
    vt_wait_output "$MAC1 ls0 port p0 vlan 100 ip 10.0.0.7" \
        appctl vtepd/dump-local || vt_fail "second move"
    [ "$(n_ucast_rows $MAC1)" = 1 ] || vt_fail "rows duplicated"
}

test_unlearn() {
    vt_start_ovsdb
    vt_start_vtepd
    setup_ls0
    vtctl bind-ls sw0 p1 0 ls0
    expect_dp "binding port=p1 vlan=0 vni=100"
    learn p0 100 $MAC1
    learn p0 100 $MAC2
    learn p1 0 $MAC3
    vt_wait_output 3 n_ucast_all || vt_fail "rows not written"
    unlearn p0 100 $MAC1
    vt_wait_output 0 n_ucast_rows $MAC1 || vt_fail "aged MAC's row stays"
    [ "$(n_ucast_rows $MAC2)" = 1 ] || vt_fail "other row lost"
    # Learned and aged before vtepd could write: nothing is written.
    learn p0 100 00:00:00:00:00:0a
    unlearn p0 100 00:00:00:00:00:0a
    # A binding that goes takes its learned MACs along.
    vtctl unbind-ls sw0 p1 0
    vt_wait_output 0 n_ucast_rows $MAC3 || vt_fail "row of unbound MAC"
    [ "$(n_ucast_all)" = 1 ] || vt_fail "rows: $(n_ucast_all)"
    [ "$(appctl vtepd/dump-local)" = "$MAC2 ls0 port p0 vlan 100 ip -" ] \
        || vt_fail "dump-local: $(appctl vtepd/dump-local)"
}

test_tunnel_key_change() {
    vt_start_ovsdb
    vt_start_vtepd
    setup_ls0
    learn p0 100 $MAC1 10.0.0.5
    learn p0 100 $MAC2
    vt_wait_output 2 n_ucast_all || vt_fail "rows not written"
    # A new VNI is a new network for the datapath: what it learned under
    # the old one is gone, and is learned again.
    vtctl set Logical_Switch ls0 tunnel_key=200
    expect_dp "binding port=p0 vlan=100 vni=200"
    vt_wait_output 0 n_ucast_all || vt_fail "rows of the old VNI stay"
    [ "$(mcast_local_lss)" = ls0 ] || vt_fail "mcast: $(mcast_local_lss)"
    learn p0 100 $MAC1
    vt_wait_output "ls0 \"$OWN_IP\" \"\"" ucast_desc $MAC1 \
        || vt_fail "relearned MAC"
    # The switch goes, with its local rows cleared in the same
    # transaction, while vtepd holds a learned MAC in it.
    vtctl clear-local-macs ls0 -- unbind-ls sw0 p0 100 -- del-ls ls0 \
        || vt_fail "del-ls"
    expect_no_dp "."
    vt_wait_output "" appctl vtepd/dump-local || vt_fail "MAC stays"
    [ "$(n_ucast_all)" = 0 ] || vt_fail "rows: $(n_ucast_all)"
    [ -z "$(mcast_local_lss)" ] || vt_fail "mcast: $(mcast_local_lss)"
}

test_mcast_local() {
    vt_start_ovsdb
    vt_start_vtepd
    vtctl add-ls ls0 -- set Logical_Switch ls0 tunnel_key=100 \
        -- add-ls ls1 -- set Logical_Switch ls1 tunnel_key=101
    vt_barrier
    [ -z "$(mcast_local_lss)" ] || vt_fail "unbound switch has a row"
    vtctl bind-ls sw0 p0 100 ls0
    vt_wait_output "ls0" mcast_local_lss || vt_fail "no row for ls0"
    vtctl list-local-macs ls0 | grep -qxF \
        "  unknown-dst -> vxlan_over_ipv4/$OWN_IP" \
        || vt_fail "list-local-macs: $(vtctl list-local-macs ls0)"
    vtctl bind-ls sw0 p1 5 ls0 -- bind-ls sw0 p1 6 ls1
    vt_wait_output "ls0 ls1" mcast_local_lss || vt_fail "no row for ls1"
    # No churn: the rows stay as they are while nothing changes.
    local before
    before=$(vtctl --bare --columns=_uuid list Mcast_Macs_Local | sort)
    learn p0 100 $MAC1
    vt_wait_output 1 n_ucast_rows $MAC1 || vt_fail "learned row"
    vt_barrier
    [ "$(vtctl --bare --columns=_uuid list Mcast_Macs_Local | sort)" \
      = "$before" ] || vt_fail "Mcast_Macs_Local rows rewritten"
    # ls0 keeps its row while it has one binding left.
    vtctl unbind-ls sw0 p0 100
    vt_barrier
    [ "$(mcast_local_lss)" = "ls0 ls1" ] || vt_fail "ls0 row went early"
    vtctl unbind-ls sw0 p1 5
    vt_wait_output "ls1" mcast_local_lss || vt_fail "ls0 row stays"
    # A deleted row comes back.
    vtctl clear-local-macs ls1
    vt_wait_output "ls1" mcast_local_lss || vt_fail "row not restored"
    vtctl unbind-ls sw0 p1 6
    vt_wait_output "" mcast_local_lss || vt_fail "ls1 row stays"
}

test_burst() {
    vt_start_ovsdb
    vt_start_vtepd --mac-limit-port=0
    setup_ls0
    vt_wait_output "ls0" mcast_local_lss || vt_fail "no mcast row"
    local txns_before txns
    txns_before=$(stat "local transactions")
    [ "$(appctl vtepd/dummy-learn-bulk p0 100 10000 02:00:00:00:00:01)" \
      = "learned 10000, refused 0" ] || vt_fail "dummy-learn-bulk"
    VT_TIMEOUT=60 vt_wait_output 10000 stat "local rows" \
        || vt_fail "10000 rows not written"
    [ "$(n_ucast_all)" = 10000 ] || vt_fail "database: $(n_ucast_all) rows"
    [ "$(n_ucast_rows 02:00:00:00:27:10)" = 1 ] || vt_fail "last MAC"
    [ "$(stat "learned MACs")" = 10000 ] || vt_fail "learned count"
    txns=$(( $(stat "local transactions") - txns_before ))
    vt_log "10000 learned MACs written in $txns transactions"
    [ "$txns" -le 20 ] || vt_fail "$txns transactions for 10000 MACs"
    appctl vtepd/stats | grep -q "^learned MACs: 10000 (0 pending writes" \
        || vt_fail "stats: $(appctl vtepd/stats)"
}

# --mac-write-rate: row changes leave in transactions of at most one
# second's worth; 0 lifts the limit.
test_write_rate() {
    vt_start_ovsdb
    vt_start_vtepd --mac-limit-port=0 --mac-write-rate=1000
    setup_ls0
    vt_barrier
    [ "$(appctl vtepd/dummy-learn-bulk p0 100 3000)" \
      = "learned 3000, refused 0" ] || vt_fail "dummy-learn-bulk"
    VT_TIMEOUT=60 vt_wait_output 3000 n_ucast_all || vt_fail "rows"
    vt_barrier
    local line most held
    line=$(appctl vtepd/stats | grep '^write rate:')
    vt_log "$line"
    most=$(printf '%s\n' "$line" | sed -n 's/.*, \([0-9]*\) most.*/\1/p')
    held=$(printf '%s\n' "$line" | sed -n 's/.*held back \([0-9]*\).*/\1/p')
    [ -n "$most" ] && [ "$most" -le 1000 ] && [ "$most" -gt 0 ] \
        || vt_fail "a transaction wrote more than 1000 rows: $line"
    [ -n "$held" ] && [ "$held" -ge 1 ] || vt_fail "never held back: $line"

    vt_stop_vtepd
    vt_start_vtepd --mac-limit-port=0 --mac-write-rate=0
    vt_barrier
    [ "$(appctl vtepd/dummy-learn-bulk p0 100 3000 02:00:00:01:00:00)" \
      = "learned 3000, refused 0" ] || vt_fail "dummy-learn-bulk"
    vt_barrier
    [ "$(n_ucast_all)" = 6000 ] || vt_fail "rows: $(n_ucast_all)"
    appctl vtepd/stats | grep -q '^write rate: no limit' \
        || vt_fail "stats: $(appctl vtepd/stats | grep '^write rate')"
    appctl vtepd/stats | grep -q '^adopted rows: 3000 kept (3000 adopted, 0' \
        || vt_fail "stats: $(appctl vtepd/stats | grep '^adopted')"
}

# A flood of random source MACs on one port, with the default limits: the
# database gets the port's limit (4096) and no more, the fault appears once
# and names the port, and the MACs learned before keep their rows.
test_mac_flood() {
    vt_start_ovsdb
    vt_start_vtepd
    setup_ls0
    vt_allow_log 'Physical_Port p0 MAC learning: MAC learning limit reached'
    learn p0 100 $MAC1 10.0.0.5
    vt_wait_output 1 n_ucast_rows $MAC1 || vt_fail "row of $MAC1"
    local row1 reply
    row1=$(ucast_rows $MAC1)
    reply=$(appctl vtepd/dummy-learn-bulk p0 100 20000 random)
    [ "$reply" = "learned 4095, refused 15905" ] \
        || vt_fail "flood: $reply"
    VT_TIMEOUT=60 vt_wait_output 4096 n_ucast_all || vt_fail "rows"
    vt_wait_output "[mac_table_exhaustion]" switch_faults \
        || vt_fail "no fault"
    # More of the same changes nothing: no new row, no new fault.
    appctl vtepd/dummy-learn-bulk p0 100 1000 random >/dev/null
    vt_barrier
    [ "$(n_ucast_all)" = 4096 ] || vt_fail "rows: $(n_ucast_all)"
    [ "$(grep -c 'Physical_Port p0 MAC learning: MAC learning limit' \
         "$VT_DIR/vtepd.log")" = 1 ] || vt_fail "fault logged more than once"
    appctl vtepd/show \
        | grep -q "mac-limit.*port p0 reached --mac-limit-port=4096" \
        || vt_fail "show: $(appctl vtepd/show | grep mac-limit)"
    # The MAC known before is still learned, with its row as it was.
    [ "$(appctl vtepd/dummy-learn p0 100 $MAC1)" = "" ] \
        || vt_fail "known MAC refused"
    vt_barrier
    [ "$(ucast_rows $MAC1)" = "$row1" ] || vt_fail "row of $MAC1 changed"
    [ "$(ucast_desc $MAC1)" = "ls0 \"$OWN_IP\" \"10.0.0.5\"" ] \
        || vt_fail "row of $MAC1: $(ucast_desc $MAC1)"
    # Another port of the switch still learns.
    vtctl bind-ls sw0 p1 0 ls0
    expect_dp "binding port=p1 vlan=0 vni=100"
    learn p1 0 $MAC2
    vt_wait_output 1 n_ucast_rows $MAC2 || vt_fail "p1 does not learn"
}

# The datapath's whole table is full: its own fault text.
test_table_full() {
    vt_start_ovsdb
    vt_start_vtepd
    setup_ls0
    vt_allow_log 'datapath MAC learning: MAC learning limit reached'
    vt_allow_log 'learning event for MAC .* ignored'
    appctl vtepd/dummy-event full-table 0 "" 0 ff:ff:ff:ff:ff:ff \
        >/dev/null || vt_fail "event"
    vt_wait_output "[mac_table_exhaustion]" switch_faults \
        || vt_fail "no fault"
    appctl vtepd/show | grep -q "global MAC table is full" \
        || vt_fail "show: $(appctl vtepd/show | grep mac-limit)"
    # A port limit of a port that is not ours is nonsense.
    appctl vtepd/dummy-event full-port 0 eth9 0 ff:ff:ff:ff:ff:ff \
        >/dev/null || vt_fail "event"
    vt_barrier
    [ "$(appctl vtepd/show | grep -c 'mac-limit')" = 1 ] \
        || vt_fail "show: $(appctl vtepd/show | grep mac-limit)"
    appctl vtepd/dummy-event room-table 0 "" 0 ff:ff:ff:ff:ff:ff \
        >/dev/null || vt_fail "event"
    vt_wait_output "[]" switch_faults || vt_fail "fault not cleared"
}

test_mac_limit() {
    vt_start_ovsdb
    vt_start_vtepd --mac-limit=3
    setup_ls0
    vt_allow_log 'Logical_Switch ls0 MAC learning: MAC learning limit'
    [ "$(appctl vtepd/dummy-learn-bulk p0 100 3)" \
      = "learned 3, refused 0" ] || vt_fail "first three"
    vt_wait_output 3 n_ucast_all || vt_fail "three rows"
    [ "$(switch_faults)" = "[]" ] || vt_fail "fault at the limit"
    [ "$(appctl vtepd/dummy-learn p0 100 $MAC1)" \
      = "not learned: MAC limit reached" ] || vt_fail "fourth MAC learned"
    vt_wait_output "[mac_table_exhaustion]" switch_faults \
        || vt_fail "no mac_table_exhaustion fault"
    grep -q "Logical_Switch ls0.*mac-limit=3" "$VT_DIR/vtepd.log" \
        || vt_fail "no log line naming ls0 and the limit"
    appctl vtepd/show | grep -q "mac-limit.*ls0 (VNI 100)" \
        || vt_fail "show: $(appctl vtepd/show)"
    [ "$(n_ucast_all)" = 3 ] || vt_fail "refused MAC written"
    unlearn p0 100 02:00:00:00:00:02
    vt_wait_output "[]" switch_faults || vt_fail "fault not cleared"
    learn p0 100 $MAC1
    vt_wait_output 1 n_ucast_rows $MAC1 || vt_fail "MAC after room"
}

# FULL and ROOM cannot flap: the fault stays until fewer than 90% of the
# limit are learned, though learning goes on up to the limit meanwhile.
test_mac_limit_hysteresis() {
    vt_start_ovsdb
    vt_start_vtepd --mac-limit=10
    setup_ls0
    vt_allow_log 'Logical_Switch ls0 MAC learning: MAC learning limit'
    [ "$(appctl vtepd/dummy-learn-bulk p0 100 11)" \
      = "learned 10, refused 1" ] || vt_fail "limit"
    vt_wait_output "[mac_table_exhaustion]" switch_faults \
        || vt_fail "no fault"
    local i
    for i in 1 2 3; do
        unlearn p0 100 02:00:00:00:00:0$i
        [ "$(appctl vtepd/dummy-learn p0 100 02:00:00:00:01:0$i)" = "" ] \
            || vt_fail "not learned below the limit"
        [ "$(appctl vtepd/dummy-learn p0 100 02:00:00:00:02:0$i)" \
          = "not learned: MAC limit reached" ] || vt_fail "over the limit"
    done
    unlearn p0 100 02:00:00:00:00:04
    vt_barrier
    [ "$(switch_faults)" = "[mac_table_exhaustion]" ] \
        || vt_fail "fault cleared at 9 of 10"
    unlearn p0 100 02:00:00:00:00:05
    vt_wait_output "[]" switch_faults || vt_fail "fault not cleared at 8"
    [ "$(grep -c 'Logical_Switch ls0 MAC learning: MAC learning limit' \
         "$VT_DIR/vtepd.log")" = 1 ] || vt_fail "fault raised more than once"
    [ "$(n_ucast_all)" = 8 ] || vt_fail "rows: $(n_ucast_all)"
}

test_binding_stats() {
    vt_start_ovsdb
    vt_start_vtepd --stats-interval=1
    setup_ls0
    vtctl bind-ls sw0 p1 0 ls0
    expect_dp "binding port=p1 vlan=0 vni=100"
    vt_wait_output "100=0/0/0/0" vlan_stats p0 || vt_fail "no stats row"
    vt_wait_output "0=0/0/0/0" vlan_stats p1 || vt_fail "no stats row p1"
    appctl vtepd/dummy-stats p0 100 10 1000 20 2000 >/dev/null
    vt_wait_output "100=10/1000/20/2000" vlan_stats p0 \
        || vt_fail "counters not written"
    local row
    row=$(vtctl --bare --columns=vlan_stats find Physical_Port name=p0)
    appctl vtepd/dummy-stats p0 100 11 1100 20 2000 >/dev/null
    vt_wait_output "100=11/1100/20/2000" vlan_stats p0 \
        || vt_fail "counters not updated"
    [ "$(vtctl --bare --columns=vlan_stats find Physical_Port name=p0)" \
      = "$row" ] || vt_fail "stats row replaced"
    vtctl unbind-ls sw0 p0 100
    vt_wait_output "" vlan_stats p0 || vt_fail "stats of a gone binding"
    [ "$(vlan_stats p1)" = "0=0/0/0/0" ] || vt_fail "p1 stats lost"
}

test_stats_disabled() {
    vt_start_ovsdb
    vt_start_vtepd --stats-interval=0
    setup_ls0
    appctl vtepd/dummy-stats p0 100 1 2 3 4 >/dev/null
    # Three default intervals (5 s) on vtepd's clock, then everything
    # processed: with counters enabled they would be in the database now
    # (test_stats_interval).
    warp 15000
    vt_barrier
    [ -z "$(vlan_stats p0)" ] || vt_fail "stats written: $(vlan_stats p0)"
}

# The default interval, on vtepd's clock: counters are written once per
# interval, and not before it has passed.
test_stats_interval() {
    vt_start_ovsdb
    vt_start_vtepd
    setup_ls0
    vt_wait_output "100=0/0/0/0" vlan_stats p0 || vt_fail "no stats row"
    appctl time/stop >/dev/null
    appctl vtepd/dummy-stats p0 100 1 2 3 4 >/dev/null
    warp 1000
    vt_barrier
    [ "$(vlan_stats p0)" = "100=0/0/0/0" ] \
        || vt_fail "written before the interval: $(vlan_stats p0)"
    warp 5000
    vt_wait_output "100=1/2/3/4" vlan_stats p0 || vt_fail "not written"
}

test_foreign_rows_left_alone() {
    vt_start_ovsdb
    vt_start_vtepd
    setup_ls0
    # Another switch (10.0.0.9) reports MAC1 and MAC2 in ls0.
    local theirs1 theirs2
    theirs1=$(add_foreign_row ls0 $MAC1 10.0.0.9)
    theirs2=$(add_foreign_row ls0 $MAC2 10.0.0.9)
    learn p0 100 $MAC1
    vt_wait_output "ls0 \"10.0.0.9\" \"\"
ls0 \"$OWN_IP\" \"\"" ucast_desc $MAC1 || vt_fail "own row of $MAC1"
    unlearn p0 100 $MAC1
    vt_wait_output "ls0 \"10.0.0.9\" \"\"" ucast_desc $MAC1 \
        || vt_fail "rows of $MAC1 after unlearn"
    [ "$(ucast_rows $MAC1)" = "$theirs1" ] || vt_fail "their row changed"
    [ "$(ucast_rows $MAC2)" = "$theirs2" ] || vt_fail "their row touched"
    # A row of our locator that we did not learn goes; a duplicate of one
    # we did learn, too.
    learn p0 100 $MAC3
    vt_wait_output 1 n_ucast_rows $MAC3 || vt_fail "row of $MAC3"
    add_foreign_row ls0 $MAC3 $OWN_IP >/dev/null
    add_foreign_row ls0 00:00:00:00:00:0b $OWN_IP >/dev/null
    vt_wait_output 0 n_ucast_rows 00:00:00:00:00:0b \
        || vt_fail "stray row of our locator stays"
    vt_wait_output 1 n_ucast_rows $MAC3 || vt_fail "duplicate stays"
    # Deleted by someone else: written again.
    vtctl clear-local-macs ls0
    vt_wait_output 1 n_ucast_rows $MAC3 || vt_fail "row not restored"
}

test_ovsdb_restart() {
    vt_start_ovsdb
    vt_start_vtepd
    setup_ls0
    learn p0 100 $MAC1 10.0.0.5
    learn p0 100 $MAC2
    learn p0 100 $MAC3
    vt_wait_output 3 n_ucast_all || vt_fail "rows not written"
    local ls loc theirs
    ls=$(vtctl --bare --columns=_uuid find Logical_Switch name=ls0)
    loc=$(vtctl --bare --columns=_uuid find Physical_Locator dst_ip=$OWN_IP)
    theirs=$(add_foreign_row ls0 00:00:00:00:00:0c 10.0.0.9)
    vt_stop_ovsdb
    # While the server is down, the database loses MAC2's row and gains a
    # stray row of our locator: only a full resync can notice.
    ovsdb-tool transact "$VT_DIR/vtep.db" '["hardware_vtep",
        {"op": "delete", "table": "Ucast_Macs_Local",
         "where": [["MAC", "==", "'$MAC2'"]]},
        {"op": "insert", "table": "Ucast_Macs_Local",
         "row": {"MAC": "00:00:00:00:00:0d",
                 "logical_switch": ["uuid", "'"$ls"'"],
                 "locator": ["uuid", "'"$loc"'"]}}]' >/dev/null \
        || vt_fail "ovsdb-tool transact"
    vt_start_ovsdb
    vt_wait_output 1 n_ucast_rows $MAC2 || vt_fail "lost row not restored"
    vt_wait_output 0 n_ucast_rows 00:00:00:00:00:0d \
        || vt_fail "stray row stays"
    [ "$(ucast_desc $MAC1)" = "ls0 \"$OWN_IP\" \"10.0.0.5\"" ] \
        || vt_fail "row of $MAC1: $(ucast_desc $MAC1)"
    [ "$(n_ucast_rows $MAC3)" = 1 ] || vt_fail "row of $MAC3"
    [ "$(ucast_rows 00:00:00:00:00:0c)" = "$theirs" ] \
        || vt_fail "another locator's row touched"
    [ "$(n_ucast_all)" = 4 ] || vt_fail "rows: $(n_ucast_all)"
    [ "$(mcast_local_lss)" = ls0 ] || vt_fail "mcast: $(mcast_local_lss)"
    # And it goes on learning.
    learn p0 100 00:00:00:00:00:0e
    vt_wait_output 1 n_ucast_rows 00:00:00:00:00:0e \
        || vt_fail "learning after the restart"
}

# A restart keeps the learned MACs' rows (same UUIDs, no churn towards the
# controllers) until the aging time has passed; those learned again stay.
test_vtepd_restart() {
    vt_start_ovsdb
    vt_start_vtepd
    setup_ls0
    learn p0 100 $MAC1
    learn p0 100 $MAC2 10.0.0.6
    vt_wait_output 2 n_ucast_all || vt_fail "rows not written"
    vt_wait_output "ls0" mcast_local_lss || vt_fail "no mcast row"
    local theirs mcast row1 row2 loc
    theirs=$(add_foreign_row ls0 $MAC1 10.0.0.9)
    mcast=$(vtctl --bare --columns=_uuid list Mcast_Macs_Local)
    row1=$(own_rows $MAC1)
    row2=$(own_rows $MAC2)
    loc=$(vtctl --bare --columns=_uuid find Physical_Locator dst_ip=$OWN_IP)
    vt_stop_vtepd
    vt_start_vtepd
    expect_dp "binding port=p0 vlan=100 vni=100"
    vt_barrier
    # Nothing learned yet, and nothing changed.
    [ "$(own_rows $MAC1)" = "$row1" ] || vt_fail "row of $MAC1 changed"
    [ "$(own_rows $MAC2)" = "$row2" ] || vt_fail "row of $MAC2 changed"
    [ "$(ucast_rows $MAC1 | grep -c "$theirs")" = 1 ] \
        || vt_fail "their row touched"
    [ "$(vtctl --bare --columns=_uuid list Mcast_Macs_Local)" = "$mcast" ] \
        || vt_fail "mcast row rewritten"
    [ "$(vtctl --bare --columns=_uuid find Physical_Locator \
         dst_ip=$OWN_IP)" = "$loc" ] || vt_fail "locator replaced"
    [ "$(appctl vtepd/dump-local)" = \
"$MAC1 ls0 port - vlan - ip - (adopted)
$MAC2 ls0 port - vlan - ip 10.0.0.6 (adopted)" ] \
        || vt_fail "dump-local: $(appctl vtepd/dump-local)"
    # MAC2 is learned again, without an IP: its row stays as it is.
    learn p0 100 $MAC2
    vt_barrier
    [ "$(own_rows $MAC2)" = "$row2" ] || vt_fail "row of $MAC2 replaced"
    [ "$(ucast_desc $MAC2)" = "ls0 \"$OWN_IP\" \"10.0.0.6\"" ] \
        || vt_fail "row of $MAC2: $(ucast_desc $MAC2)"
    # The aging time (300 s) passes; MAC2 was seen again meanwhile.
    warp 200000
    learn p0 100 $MAC2
    vt_barrier
    [ "$(own_rows $MAC1)" = "$row1" ] || vt_fail "$MAC1 went early"
    warp 101000
    vt_wait_output "" own_rows $MAC1 || vt_fail "row of $MAC1 stays"
    vt_barrier
    [ "$(own_rows $MAC2)" = "$row2" ] || vt_fail "row of $MAC2 went"
    [ "$(ucast_rows $MAC1)" = "$theirs" ] || vt_fail "their row touched"
    appctl vtepd/stats | grep -q \
        '^adopted rows: 0 kept (2 adopted, 1 learned again, 1 expired)' \
        || vt_fail "stats: $(appctl vtepd/stats | grep adopted)"
    [ "$(appctl vtepd/dump-local)" \
      = "$MAC2 ls0 port p0 vlan 100 ip 10.0.0.6" ] \
        || vt_fail "dump-local: $(appctl vtepd/dump-local)"
}

# Only the first look adopts: rows of our locator that appear later, or
# whose switch we do not serve, go as before.
test_restart_adopts_only_ours() {
    vt_start_ovsdb
    vt_start_vtepd
    setup_ls0
    vtctl add-ls ls1 -- set Logical_Switch ls1 tunnel_key=101
    learn p0 100 $MAC1
    vt_wait_output 1 n_ucast_all || vt_fail "row not written"
    vt_stop_vtepd
    # While vtepd is down: a row of our locator in a switch we do not
    # serve.
    add_foreign_row ls1 $MAC2 $OWN_IP >/dev/null
    vt_start_vtepd
    vt_wait_output 0 n_ucast_rows $MAC2 || vt_fail "row of ls1 stays"
    # Once running, a stray row of our locator goes at once.
    add_foreign_row ls0 $MAC3 $OWN_IP >/dev/null
    vt_wait_output 0 n_ucast_rows $MAC3 || vt_fail "stray row stays"
    vt_barrier
    [ "$(n_ucast_rows $MAC1)" = 1 ] || vt_fail "adopted row went"
}

test_bad_options() {
    vt_start_ovsdb
    local opts out
    for opts in --stats-interval=abc --stats-interval=-1 \
                --stats-interval=86401 --mac-limit-port=x \
                --mac-limit-port=-1 --mac-write-rate=1.5 \
                --mac-write-rate=100000001; do
        out=$(timeout 10 "$VTEPD" --unixctl="$VT_DIR/bad.ctl" \
              --tunnel-ip=192.0.2.1 "$opts" -vconsole:off 2>&1) \
            && vt_fail "vtepd $opts started"
        printf '%s\n' "$out" | grep -q -- "${opts%%=*}.*is not a number" \
            || vt_fail "vtepd $opts said: $out"
    done
}

vt_run_suite "$@"

#!/bin/bash
# test-local.sh: what vtepd writes back to the database: learned MACs,
# unknown-dst flooding, the MAC limit fault and the binding counters.
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
# left alone the rows of other locators).
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
    sleep 0.3
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
    sleep 0.3
    [ "$(vtctl --bare --columns=_uuid list Mcast_Macs_Local | sort)" \
      = "$before" ] || vt_fail "Mcast_Macs_Local rows rewritten"
    # ls0 keeps its row while it has one binding left.
    vtctl unbind-ls sw0 p0 100
    sleep 0.3
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
    vt_start_vtepd
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

test_mac_limit() {
    vt_start_ovsdb
    vt_start_vtepd --mac-limit=3
    setup_ls0
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
    sleep 1.5
    [ -z "$(vlan_stats p0)" ] || vt_fail "stats written: $(vlan_stats p0)"
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

test_vtepd_restart() {
    vt_start_ovsdb
    vt_start_vtepd
    setup_ls0
    learn p0 100 $MAC1
    learn p0 100 $MAC2
    vt_wait_output 2 n_ucast_all || vt_fail "rows not written"
    vt_wait_output "ls0" mcast_local_lss || vt_fail "no mcast row"
    local theirs mcast
    theirs=$(add_foreign_row ls0 $MAC1 10.0.0.9)
    mcast=$(vtctl --bare --columns=_uuid list Mcast_Macs_Local)
    vt_stop_vtepd
    vt_start_vtepd
    # A new vtepd has learned nothing: its rows from before are stale.
    vt_wait_output 1 n_ucast_all || vt_fail "stale rows stay"
    [ "$(ucast_rows $MAC1)" = "$theirs" ] || vt_fail "their row touched"
    [ "$(vtctl --bare --columns=_uuid list Mcast_Macs_Local)" = "$mcast" ] \
        || vt_fail "mcast row rewritten"
    learn p0 100 $MAC2
    vt_wait_output 1 n_ucast_rows $MAC2 || vt_fail "learning after restart"
}

test_bad_options() {
    vt_start_ovsdb
    local opts out
    for opts in --stats-interval=abc --stats-interval=-1 \
                --stats-interval=86401; do
        out=$(timeout 10 "$VTEPD" --unixctl="$VT_DIR/bad.ctl" \
              --tunnel-ip=192.0.2.1 "$opts" -vconsole:off 2>&1) \
            && vt_fail "vtepd $opts started"
        printf '%s\n' "$out" | grep -q "stats-interval.*is not a number" \
            || vt_fail "vtepd $opts said: $out"
    done
}

vt_run_suite "$@"

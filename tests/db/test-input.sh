#!/bin/bash
# test-input.sh: vtepd against hostile or conflicting database input.
#
#   vtep-ctl / ovsdb-client --> ovsdb-server (temp dir) <--> vtepd --> dummy
#                                                                 datapath
#
# Each case starts its own ovsdb-server and vtepd (switch sw0, ports p0 and
# p1, tunnel IP 192.0.2.1, --datapath=dummy), writes input that is wrong,
# conflicting or very large, and checks that vtepd applies what it can,
# reports the rest in the fault columns with bounded size, and keeps its
# decisions across a restart:
#
#   dup_vni_restart      two logical switches with one tunnel_key: the one
#                        bound on our ports keeps the VNI across a restart
#   vlan_4095            VLAN 4095 (802.1Q reserved) is refused with
#                        invalid_vlan_map
#   many_bad_rows        10,000 bad rows: fault columns stay one key each,
#                        vtepd/show counts them, and fault sync does no work
#                        for changes that touch no fault column
#   fault_column_restored  a fault column somebody else overwrote is put
#                        back
#   flood_limit          --flood-limit=N: exactly N remotes, the first by
#                        IP, and tunnel_exhaustion until the set shrinks
#   flood_limit_default  200 locators become the default 128
#
# Usage: test-input.sh [CASE...]   (default: every case)

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir/_build}
. "$top_srcdir/tests/lib.sh"

# tests/lib.sh provides these; the fallbacks keep the suite usable with a
# lib.sh that predates them.
if ! declare -F vt_barrier >/dev/null; then
    vt_barrier() {
        appctl vtepd/barrier >/dev/null || vt_fail "vtepd/barrier failed"
    }
fi
if ! declare -F vt_allow_log >/dev/null; then
    vt_allow_log() { :; }
fi

ls_uuid() { vtctl --bare --columns=_uuid find Logical_Switch name="$1"; }

# show_field REGEX: the first line of vtepd/show that matches REGEX.
show_line() { appctl vtepd/show | grep -m1 -E -- "$1"; }

# fault_columns: "N checked, M written" from vtepd/show.
fault_columns() {
    show_line '^fault columns: ' | sed 's/^fault columns: //'
}

test_dup_vni_restart() {
    vt_allow_log 'Logical_Switch ls-a: Two logical switches have the same'
    vt_allow_log 'Physical_Port p1 vlan 7: VLAN bound to a logical switch'
    vt_start_ovsdb
    vt_start_vtepd
    # ls-z carries traffic on p0; ls-a (whose name sorts first) is keyed
    # with the same VNI but bound nowhere, as OVN leaves the switches it
    # keys and does not use.
    vtctl add-ls ls-z -- set Logical_Switch ls-z tunnel_key=100 \
        -- bind-ls sw0 p0 100 ls-z \
        -- add-ucast-remote ls-z 00:00:00:00:00:01 10.0.0.2
    expect_dp "ls vni=100 mode=service_node name=ls-z" \
              "binding port=p0 vlan=100 vni=100" \
              "ucast vni=100 mac=00:00:00:00:00:01 remote=10.0.0.2"
    vtctl add-ls ls-a -- set Logical_Switch ls-a tunnel_key=100
    vt_wait_output "[unspecified_fault]" switch_faults \
        || vt_fail "no switch fault for the duplicate VNI"
    appctl vtepd/show | grep -q "Logical_Switch ls-a: duplicate-vni" \
        || vt_fail "show: $(appctl vtepd/show)"

    local round
    for round in 1 2; do
        vt_stop_vtepd
        vt_start_vtepd
        expect_dp "ls vni=100 mode=service_node name=ls-z" \
                  "binding port=p0 vlan=100 vni=100" \
                  "ucast vni=100 mac=00:00:00:00:00:01 remote=10.0.0.2"
        vt_barrier
        dp_lacks "name=ls-a" || vt_fail "restart $round: ls-a installed"
        vt_wait_output "[unspecified_fault]" switch_faults \
            || vt_fail "restart $round: switch fault"
        [ "$(port_faults p0)" = "[]" ] \
            || vt_fail "restart $round: p0 fault: $(port_faults p0)"
        appctl vtepd/show | grep -q "Logical_Switch ls-a: duplicate-vni" \
            || vt_fail "restart $round: the loser is not ls-a: \
$(appctl vtepd/show | grep duplicate)"
    done

    # Once ls-a is bound as well, the holder keeps the VNI; when ls-z goes,
    # ls-a takes it.
    vtctl bind-ls sw0 p1 7 ls-a
    vt_wait_output "[invalid_vlan_map]" port_faults p1 \
        || vt_fail "no p1 fault"
    expect_dp "ls vni=100 mode=service_node name=ls-z"
    vtctl clear-remote-macs ls-z -- clear-local-macs ls-z \
        -- unbind-ls sw0 p0 100 -- del-ls ls-z || vt_fail "del-ls ls-z"
    expect_dp "ls vni=100 mode=service_node name=ls-a" \
              "binding port=p1 vlan=7 vni=100"
    vt_wait_output "[]" switch_faults || vt_fail "switch fault stays"
    vt_wait_output "[]" port_faults p1 || vt_fail "p1 fault stays"
}

test_vlan_4095() {
    vt_allow_log 'Physical_Port p1 vlan 4095: VLAN binding outside'
    vt_start_ovsdb
    vt_start_vtepd
    vtctl add-ls ls0 -- set Logical_Switch ls0 tunnel_key=100 \
        -- bind-ls sw0 p0 4094 ls0 -- bind-ls sw0 p1 4095 ls0
    expect_dp "ls vni=100 mode=service_node name=ls0" \
              "binding port=p0 vlan=4094 vni=100"
    vt_wait_output "[invalid_vlan_map]" port_faults p1 \
        || vt_fail "no invalid_vlan_map on p1: $(port_faults p1)"
    vt_barrier
    dp_lacks "vlan=4095" || vt_fail "VLAN 4095 bound"
    [ "$(port_faults p0)" = "[]" ] || vt_fail "fault on p0"
    [ "$(switch_faults)" = "[]" ] || vt_fail "switch fault"
    grep -q "Physical_Port p1 vlan 4095: .*reserved by 802.1Q" \
        "$VT_DIR/vtepd.log" || vt_fail "no log line naming the binding"
    vtctl unbind-ls sw0 p1 4095
    vt_wait_output "[]" port_faults p1 || vt_fail "fault not cleared"
}

# many_ucast_json LS_UUID FIRST LAST IP: an OVSDB transaction inserting
# Ucast_Macs_Remote rows FIRST..LAST with MACs that are no MAC, on a new
# locator IP.
many_ucast_json() {
    local ls=$1 i
    printf '["hardware_vtep", {"op": "insert", "table": "Physical_Locator",'
    printf ' "uuid-name": "loc", "row": {"encapsulation_type":'
    printf ' "vxlan_over_ipv4", "dst_ip": "%s"}}' "$4"
    for i in $(seq "$2" "$3"); do
        printf ', {"op": "insert", "table": "Ucast_Macs_Remote", "row":'
        printf ' {"MAC": "bad-%d", "logical_switch": ["uuid", "%s"],' \
            "$i" "$ls"
        printf ' "locator": ["named-uuid", "loc"]}}'
    done
    printf ']'
}

test_many_bad_rows() {
    vt_allow_log 'Ucast_Macs_Remote .*: Remote unicast MAC is not a unicast'
    vt_start_ovsdb
    vt_start_vtepd
    vtctl add-ls ls0 -- set Logical_Switch ls0 tunnel_key=100 \
        -- bind-ls sw0 p0 100 ls0
    expect_dp "binding port=p0 vlan=100 vni=100"
    # 10,000 rows in 25 transactions (an argument has at most 128 kB),
    # each with a locator of its own (they are unique by dst_ip).
    local first ls out
    ls=$(ls_uuid ls0)
    for first in $(seq 1 400 10000); do
        out=$(ovsdb-client --timeout=60 transact "$VT_DB" \
            "$(many_ucast_json "$ls" "$first" $((first + 399)) \
               "10.9.$((first / 400)).1")") \
            || vt_fail "inserting rows $first..."
        case $out in
            *error*) vt_fail "inserting rows $first...: ${out:0:300}" ;;
        esac
    done
    vtctl add-ucast-remote ls0 00:00:00:00:00:01 10.0.0.2
    expect_dp "ucast vni=100 mac=00:00:00:00:00:01 remote=10.0.0.2"
    vt_barrier
    show_line '^faults: ' | grep -qx 'faults: 10000' \
        || vt_fail "show: $(show_line '^faults: ')"
    # The column holds the key once, whatever the number of bad rows.
    [ "$(switch_faults)" = "[unspecified_fault]" ] \
        || vt_fail "switch_fault_status: $(switch_faults | head -c 300)"
    [ "$(port_faults p0)" = "[]" ] || vt_fail "p0: $(port_faults p0)"
    # vtepd/show lists the first 100 and counts the rest.
    appctl vtepd/show | grep -qx '  ... and 9900 more' \
        || vt_fail "show does not cut the list"
    [ "$(appctl vtepd/show | grep -c 'bad-ucast-mac')" = 100 ] \
        || vt_fail "show lists $(appctl vtepd/show | grep -c bad-ucast-mac)"

    # Changes that touch no fault column cost fault sync nothing: before
    # the fix, each of them rescanned all 10,000 faults for every column.
    local before after i args=()
    before=$(fault_columns)
    for i in $(seq 1 20); do
        vtctl add-ucast-remote ls0 "00:00:00:00:01:$(printf %02x "$i")" \
            10.0.0.3
    done
    for i in $(seq 1 50); do
        args+=(-- add-ls "extra$i")
    done
    vtctl "${args[@]}"
    expect_dp "ucast vni=100 mac=00:00:00:00:01:14 remote=10.0.0.3"
    vt_barrier
    after=$(fault_columns)
    [ -n "$before" ] && [ "$before" = "$after" ] \
        || vt_fail "fault columns: before \"$before\", after \"$after\""

    # Fixing every bad row clears the column.
    local where='["MAC", "!=", "00:00:00:00:00:01"]' mac
    for i in $(seq 1 20); do
        mac=$(printf '00:00:00:00:01:%02x' "$i")
        where="$where, [\"MAC\", \"!=\", \"$mac\"]"
    done
    ovsdb-client --timeout=60 transact "$VT_DB" "[\"hardware_vtep\",
        {\"op\": \"delete\", \"table\": \"Ucast_Macs_Remote\",
         \"where\": [$where]}]" >/dev/null || vt_fail "deleting the rows"
    vt_wait_output "[]" switch_faults || vt_fail "fault not cleared"
    vt_barrier
    show_line '^faults: ' | grep -qx 'faults: 0' \
        || vt_fail "show: $(show_line '^faults: ')"
}

test_fault_column_restored() {
    vt_allow_log 'Logical_Switch ls0: Logical switch tunnel_key is not'
    vt_allow_log 'Physical_Port p0 vlan 100: VLAN bound to a logical switch'
    vt_start_ovsdb
    vt_start_vtepd
    vtctl add-ls ls0 -- set Logical_Switch ls0 tunnel_key=16777216 \
        -- bind-ls sw0 p0 100 ls0
    vt_wait_output "[unspecified_fault]" switch_faults \
        || vt_fail "no switch fault"
    vt_wait_output "[invalid_vlan_map]" port_faults p0 \
        || vt_fail "no port fault"
    # Somebody else overwrites both columns: vtepd puts them back.
    vtctl set Physical_Switch sw0 switch_fault_status=lr_creation_fault \
        -- set Physical_Port p0 port_fault_status=[]
    vt_wait_output "[unspecified_fault]" switch_faults \
        || vt_fail "switch column not restored"
    vt_wait_output "[invalid_vlan_map]" port_faults p0 \
        || vt_fail "port column not restored"
    vtctl set Logical_Switch ls0 tunnel_key=100
    vt_wait_output "[]" switch_faults || vt_fail "switch fault stays"
    vt_wait_output "[]" port_faults p0 || vt_fail "port fault stays"
}

# mcast_set_json LS_UUID MAC IP...: an OVSDB transaction that points
# Mcast_Macs_Remote MAC of the logical switch at a new set of the
# locators IP... (replacing the row if there is one).
mcast_set_json() {
    local ls=$1 mac=$2 i=0 ip locs=""
    shift 2
    printf '["hardware_vtep", {"op": "delete", "table": "Mcast_Macs_Remote",'
    printf ' "where": [["MAC", "==", "%s"]]}' "$mac"
    for ip in "$@"; do
        i=$((i + 1))
        printf ', {"op": "insert", "table": "Physical_Locator",'
        printf ' "uuid-name": "l%d", "row": {"encapsulation_type":' "$i"
        printf ' "vxlan_over_ipv4", "dst_ip": "%s"}}' "$ip"
        locs="$locs${locs:+, }[\"named-uuid\", \"l$i\"]"
    done
    printf ', {"op": "insert", "table": "Physical_Locator_Set",'
    printf ' "uuid-name": "set", "row": {"locators": ["set", [%s]]}}' "$locs"
    printf ', {"op": "insert", "table": "Mcast_Macs_Remote", "row":'
    printf ' {"MAC": "%s", "logical_switch": ["uuid", "%s"],' "$mac" "$ls"
    printf ' "locator_set": ["named-uuid", "set"]}}]'
}

mcast_set() {
    ovsdb-client --timeout=60 transact "$VT_DB" \
        "$(mcast_set_json "$(ls_uuid ls0)" "$@")" >/dev/null \
        || vt_fail "writing the locator set"
}

test_flood_limit() {
    vt_allow_log 'Logical_Switch ls0 flood unknown-dst: Flood list longer'
    vt_start_ovsdb
    vt_start_vtepd --flood-limit=4
    vtctl add-ls ls0 -- set Logical_Switch ls0 tunnel_key=100 \
        -- bind-ls sw0 p0 100 ls0 -- set-replication-mode ls0 source_node
    mcast_set unknown-dst 10.0.0.9 10.0.0.7 10.0.0.5 10.0.0.3 10.0.0.1 \
        10.0.0.8
    expect_dp "flood vni=100 mac=unknown-dst \
remotes=10.0.0.1,10.0.0.3,10.0.0.5,10.0.0.7"
    vt_wait_output "[tunnel_exhaustion]" switch_faults \
        || vt_fail "no tunnel_exhaustion: $(switch_faults)"
    appctl vtepd/show | grep -q "Logical_Switch ls0 flood unknown-dst: \
flood-limit \[tunnel_exhaustion\]: unknown-dst flood list has 6 remote" \
        || vt_fail "show: $(appctl vtepd/show | grep flood)"
    grep -q "Logical_Switch ls0 flood unknown-dst: .*has 6 remote VTEPs" \
        "$VT_DIR/vtepd.log" || vt_fail "no log line naming ls0"
    # The set shrinks to the limit: all of it, and the fault clears.
    mcast_set unknown-dst 10.0.0.9 10.0.0.7 10.0.0.5 10.0.0.3
    expect_dp "flood vni=100 mac=unknown-dst \
remotes=10.0.0.3,10.0.0.5,10.0.0.7,10.0.0.9"
    vt_wait_output "[]" switch_faults || vt_fail "fault not cleared"
}

test_flood_limit_default() {
    vt_allow_log 'Logical_Switch ls0 flood unknown-dst: Flood list longer'
    vt_start_ovsdb
    vt_start_vtepd
    vtctl add-ls ls0 -- set Logical_Switch ls0 tunnel_key=100 \
        -- bind-ls sw0 p0 100 ls0 -- set-replication-mode ls0 source_node
    local ips=() i
    for i in $(seq 1 200); do
        ips+=("10.1.$((i / 100)).$((i % 100 + 1))")
    done
    mcast_set unknown-dst "${ips[@]}"
    vt_wait_output "[tunnel_exhaustion]" switch_faults \
        || vt_fail "no tunnel_exhaustion: $(switch_faults)"
    local flood n
    flood=$(dp_tables | grep '^flood vni=100 mac=unknown-dst ')
    n=$(printf '%s\n' "${flood#*remotes=}" | tr ',' '\n' | grep -c .)
    [ "$n" = 128 ] || vt_fail "$n remotes in the datapath, not 128"
    # The first 128 by IP: 10.1.0.2..10.1.0.100, then 10.1.1.1..10.1.1.29.
    case $flood in
        *remotes=10.1.0.2,10.1.0.3,*,10.1.1.29) ;;
        *) vt_fail "not the first 128 by IP: $flood" ;;
    esac
}

vt_run_suite "$@"

#!/bin/bash
# test-vtep-ctl.sh: every vtep-ctl command that touches what vtepd serves
# does what vtep(5) and vtep-ctl(8) say, checked with packets where it
# changes forwarding.
#
#   vtep-ctl --unix--> ovsdb-server (hardware_vtep) <--unix-- vtepd gw0
#                                                               |
#        underlay: bridge br0 (namespace ul), 192.0.2.0/24      |
#     +-------------------+-------------------+-----------------+
#     | 192.0.2.1         | 192.0.2.11        | 192.0.2.12
#   +-+------------+    +-+-------------+   +-+-------------+
#   | gw: vtepd    |    | hv1: vx0      |   | hv2: vx0      |
#   | userspace    |    |  VNI 5000     |   |  VNI 5000     |
#   | datapath     |    |  02:aa:..:0b  |   |  02:aa:..:0c  |
#   +-+------------+    +---------------+   +---------------+
#     | p0: 802.1Q trunk
#   +-+--------------------------------------------+
#   | bm: bm0 (frame.py, tcpdump), vlan-shim        |
#   |     VLAN 100 <-> bm0.100 198.51.100.100       |
#   +-----------------------------------------------+
#
# (tests/traffic/lib-traffic.sh's topology, sourced unchanged.)  Delivery
# is counted per receiver: tcpdump at each hypervisor's underlay port with
# a filter on the VNI and the inner frame, at the bare-metal trunk with a
# filter on the VLAN; and vtepd's drop counters.
#
#   ls_bind       add-ls without a key, bind-ls: waits, no fault; the key
#                 set: forwarding; a second VLAN; list-bindings; bind-ls on
#                 a bound VLAN refused; unbind-ls; del-ls refused while
#                 bound, then unbind-ls + clear-local-macs + del-ls in one
#                 transaction; del-ls after unbind-ls alone
#   remote_macs   add/del-ucast-remote (with and without ENCAP),
#                 list-remote-macs, add/del-mcast-remote (unknown-dst and
#                 a multicast MAC), set-replication-mode (source_node,
#                 service_node, refused values), clear-remote-macs
#   local_macs    list-local-macs shows what vtepd learned and its
#                 unknown-dst row; clear-local-macs: vtepd writes them
#                 again and forwarding does not change
#   ports         add-port (an operator's port beside vtepd's: kept, its
#                 bindings not forwarded), del-port of vtepd's own port
#                 (restored without bindings: traffic stops until bound
#                 again), del-port of the operator's port
#   other_switch  add-ps other with its ports, bindings (to our logical
#                 switch too) and local MACs: vtepd neither writes nor
#                 forwards them, through learning, clear-local-macs,
#                 unbinding and a vtepd restart
#   remote_ssl    vtep-ctl from elsewhere: set-manager pssl:, then
#                 vtep-ctl --db=ssl: with -p/-c/-C drives vtepd (dummy
#                 datapath, no root); no certificate, no access
#
# Needs root, openvswitch-vtep (vtep-ctl) and what tests/traffic needs
# (remote_ssl: only openvswitch-vtep and ovs-pki).
# Usage: test-vtep-ctl.sh [CASE...]   (default: every case)

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir/_build}
. "$top_srcdir/tests/traffic/lib-traffic.sh"

BM_SRC=02:bb:00:00:00:01
HV_SRC=02:aa:00:00:01:01

start() {
    command -v vtep-ctl >/dev/null \
        || vt_skip "Debian package openvswitch-vtep is not installed"
    tr_topology
    vt_start_ovsdb
    tr_start_vtepd "$@"
}

# vtctl_fails WANT CMD...: vtep-ctl CMD must fail, saying WANT.
vtctl_fails() {
    local want=$1 out
    shift
    out=$(vtctl "$@" 2>&1) && vt_fail "vtep-ctl $* succeeded"
    printf '%s\n' "$out" | grep -qF -- "$want" \
        || vt_fail "vtep-ctl $*: \"$out\", not \"$want\""
}

# Filters: VXLAN with VNI $1 whose inner frame is 0x88b5 to MAC $2; ARP
# requests for 198.51.100.77 in VNI 5000.
to_mac() {
    local hex
    hex=$(printf '%s' "$2" | tr -d :)
    tr_vxlan_filter "$1" "udp[16:4] = 0x${hex:0:8} and \
udp[20:2] = 0x${hex:8:4} and $(tr_inner_type 0x88b5)"
}

arp_filter() {
    tr_vxlan_filter 5000 "$(tr_inner_type 0x0806) and udp[54:4] = 0xc633644d"
}

capture_hvs() {
    tr_capture hv1 hv1 ul0 "$1"
    tr_capture hv2 hv2 ul0 "$1"
}

# send VLAN DST [COUNT]: 0x88b5 frames from the bare-metal server.
send() {
    tr_frame bm eth --iface=bm0 --src="$BM_SRC" --dst="$2" --vlan="$1" \
        --count="${3:-1}"
}

send_arps() {
    tr_frame bm eth --iface=bm0 --src="$TR_BM_MAC" --vlan=100 \
        --arp="$TR_BM_VM_IP,198.51.100.77" --count="$1"
}

declare -A STAT0
stat_before() { local n; for n in "$@"; do STAT0[$n]=$(tr_stat "$n"); done; }
stat_after() { tr_expect_stat "$1" $(( ${STAT0[$1]} + $2 )); }

# fdb_lacks LS LINE...: after the barrier, vtepd/dump-fdb LS shows none of
# the LINEs (a logical switch that is gone shows nothing).
fdb_lacks() {
    local ls=$1 t line
    shift
    vt_barrier
    t=$(appctl vtepd/dump-fdb "$ls" 2>/dev/null)
    for line in "$@"; do
        printf '%s\n' "$t" | grep -qxF -- "$line" && return 1
    done
    return 0
}

gw_faults() { vtctl get Physical_Switch gw0 switch_fault_status; }

# expect_no_fdb LS LINE...: checked once, after the barrier.
expect_no_fdb() {
    fdb_lacks "$@" || {
        vt_log "vtepd/dump-fdb $1:"
        appctl vtepd/dump-fdb "$1" 2>&1 | sed 's/^/    | /'
        vt_fail "the datapath still has: ${*:2}"
    }
}

# No logical switch named LS in the datapath, after the barrier.
ls_gone() {
    local t
    vt_barrier
    t=$(appctl vtepd/dump-fdb) || vt_fail "vtepd/dump-fdb: $t"
    ! printf '%s\n' "$t" | grep -q "^$1 "
}

test_ls_bind() {
    start
    vt_log "add-ls without a key, bind-ls: not applied, and no fault"
    vtctl add-ls ls1 || vt_fail "add-ls"
    vtctl add-ucast-remote ls1 "$TR_HV1_MAC" "$TR_HV1_IP" \
        || vt_fail "add-ucast-remote"
    vtctl bind-ls gw0 p0 100 ls1 || vt_fail "bind-ls"
    [ "$(vtctl list-bindings gw0 p0)" = "0100 ls1" ] \
        || vt_fail "list-bindings: $(vtctl list-bindings gw0 p0)"
    capture_hvs "$(to_mac 5000 "$TR_HV1_MAC")"
    stat_before drop.no-binding
    send 100 "$TR_HV1_MAC" 2
    stat_after drop.no-binding 2
    tr_expect_counts hv1=0 hv2=0
    vt_barrier
    [ "$(port_faults p0)" = "[]" ] \
        || vt_fail "keyless binding raised: $(port_faults p0)"

    vt_log "the key set: VLAN 100 forwards to hv1"
    vtctl set Logical_Switch ls1 tunnel_key=5000 || vt_fail "tunnel_key"
    expect_fdb ls1 "  binding p0 vlan 100" "  ucast $TR_HV1_MAC -> $TR_HV1_IP"
    send 100 "$TR_HV1_MAC" 2
    tr_expect_counts hv1=2 hv2=0

    vt_log "a second VLAN for ls1, and a second logical switch"
    vtctl bind-ls gw0 p0 101 ls1 \
        -- add-ls ls2 -- set Logical_Switch ls2 tunnel_key=5001 \
        -- add-ucast-remote ls2 "$TR_HV2_MAC" "$TR_HV2_IP" \
        -- bind-ls gw0 p0 0 ls2 || vt_fail "bind-ls"
    [ "$(vtctl list-bindings gw0 p0 | xargs)" \
      = "0000 ls2 0100 ls1 0101 ls1" ] \
        || vt_fail "list-bindings: $(vtctl list-bindings gw0 p0)"
    expect_fdb ls1 "  binding p0 vlan 101"
    expect_fdb ls2 "  binding p0 vlan 0" "  ucast $TR_HV2_MAC -> $TR_HV2_IP"
    tr_capture hv2-5001 hv2 ul0 "$(to_mac 5001 "$TR_HV2_MAC")"
    send 101 "$TR_HV1_MAC" 3
    tr_frame bm eth --iface=bm0 --src="$BM_SRC" --dst="$TR_HV2_MAC"
    tr_expect_counts hv1=5 hv2=0 hv2-5001=1

    vt_log "bind-ls on a bound VLAN is refused; nothing changes"
    vtctl_fails "multiple bindings for vlan 100" bind-ls gw0 p0 100 ls2
    send 100 "$TR_HV1_MAC"
    tr_expect_counts hv1=6 hv2=0 hv2-5001=1

    vt_log "unbind-ls p0 101: VLAN 101 dropped, 100 still forwarded"
    vtctl unbind-ls gw0 p0 101 || vt_fail "unbind-ls"
    expect_no_fdb ls1 "  binding p0 vlan 101"
    stat_before drop.no-binding
    send 101 "$TR_HV1_MAC" 2
    send 100 "$TR_HV1_MAC"
    stat_after drop.no-binding 2
    tr_expect_counts hv1=7 hv2=0
    vtctl_fails "no binding for vlan 101" unbind-ls gw0 p0 101

    vt_log "del-ls of a bound switch: refused (the binding refers to it)"
    vtctl_fails "referential integrity violation" del-ls ls1
    send 100 "$TR_HV1_MAC"
    tr_expect_counts hv1=8 hv2=0

    vt_log "unbind-ls + del-ls in one transaction: vtepd's rows refer to it"
    tr_frame bm eth --iface=bm0 --src="$TR_BM_MAC" --vlan=100
    vt_wait_until eval 'vtctl list-local-macs ls1 | grep -q "$TR_BM_MAC"' \
        || vt_fail "no learned MAC"
    vtctl_fails "referential integrity violation" \
        unbind-ls gw0 p0 100 -- clear-remote-macs ls1 -- del-ls ls1
    vt_log "... with clear-local-macs too: deleted"
    vtctl unbind-ls gw0 p0 100 -- clear-local-macs ls1 \
        -- clear-remote-macs ls1 -- del-ls ls1 || vt_fail "del-ls"
    ls_gone ls1 || vt_fail "ls1 still in the datapath"
    stat_before drop.no-binding
    send 100 "$TR_HV1_MAC" 2
    stat_after drop.no-binding 2
    tr_expect_counts hv1=8 hv2=0
    vtctl_fails "no logical switch named ls1" list-local-macs ls1

    vt_log "unbind-ls alone, then del-ls once vtepd removed its rows"
    vtctl unbind-ls gw0 p0 0 || vt_fail "unbind-ls"
    vt_wait_until eval '[ -z "$(vtctl list-local-macs ls2 | grep -- "->")" ]' \
        || vt_fail "vtepd's rows on ls2 stay: $(vtctl list-local-macs ls2)"
    vtctl clear-remote-macs ls2 -- del-ls ls2 || vt_fail "del-ls ls2"
    ls_gone ls2 || vt_fail "ls2 still in the datapath"
    [ -z "$(vtctl list-ls)" ] || vt_fail "list-ls: $(vtctl list-ls)"
    [ "$(port_faults p0)" = "[]" ] && [ "$(gw_faults)" = "[]" ] \
        || vt_fail "faults: $(gw_faults) $(port_faults p0)"
}

# ls1 (VNI 5000) on p0 VLAN 100, no MACs.
add_ls1() {
    vtctl add-ls ls1 -- set Logical_Switch ls1 tunnel_key=5000 \
        -- bind-ls gw0 p0 100 ls1 "$@" || vt_fail "add-ls ls1"
    expect_fdb ls1 "  binding p0 vlan 100"
}

test_remote_macs() {
    start
    add_ls1
    local m3=02:aa:00:00:00:33 mc=01:00:5e:00:00:fb
    vt_log "add-ucast-remote (default encap and vxlan_over_ipv4)"
    vtctl add-ucast-remote ls1 "$TR_HV1_MAC" "$TR_HV1_IP" \
        -- add-ucast-remote ls1 "$m3" vxlan_over_ipv4 "$TR_HV2_IP" \
        || vt_fail "add-ucast-remote"
    vtctl_fails "vxlan_over_ipv6" add-ucast-remote ls1 02:aa:00:00:00:44 \
        vxlan_over_ipv6 "$TR_HV2_IP"
    expect_fdb ls1 "  ucast $TR_HV1_MAC -> $TR_HV1_IP" \
        "  ucast $m3 -> $TR_HV2_IP"
    [ "$(vtctl list-remote-macs ls1)" = "ucast-mac-remote
  $TR_HV1_MAC -> vxlan_over_ipv4/$TR_HV1_IP
  $m3 -> vxlan_over_ipv4/$TR_HV2_IP

mcast-mac-remote" ] \
        || vt_fail "list-remote-macs: $(vtctl list-remote-macs ls1)"
    capture_hvs "$(to_mac 5000 "$m3")"
    send 100 "$m3" 2
    tr_expect_counts hv1=0 hv2=2

    vt_log "add-ucast-remote again (same MAC, hv1): the MAC moves"
    vtctl add-ucast-remote ls1 "$m3" "$TR_HV1_IP" || vt_fail "move"
    expect_fdb ls1 "  ucast $m3 -> $TR_HV1_IP"
    send 100 "$m3" 2
    tr_expect_counts hv1=2 hv2=2

    vt_log "del-ucast-remote: no unicast, no flood set: dropped"
    vtctl del-ucast-remote ls1 "$m3" || vt_fail "del-ucast-remote"
    expect_no_fdb ls1 "  ucast $m3 -> $TR_HV1_IP"
    send 100 "$m3" 2
    tr_expect_counts hv1=2 hv2=2

    vt_log "add-mcast-remote unknown-dst {hv1, hv2}, service_node (empty)"
    vtctl add-mcast-remote ls1 unknown-dst "$TR_HV1_IP" \
        -- add-mcast-remote ls1 unknown-dst vxlan_over_ipv4 "$TR_HV2_IP" \
        || vt_fail "add-mcast-remote"
    # Empty; vtep-ctl 3.1 prints it as "(null)".
    case $(vtctl get-replication-mode ls1) in
        ""|"(null)") ;;
        *) vt_fail "replication mode: $(vtctl get-replication-mode ls1)" ;;
    esac
    expect_fdb ls1 "ls1 (vni 5000, service_node)" \
        "  flood unknown-dst -> $TR_HV1_IP $TR_HV2_IP"
    capture_hvs "$(arp_filter)"
    send_arps 3
    tr_expect_all_at_one 3

    vt_log "set-replication-mode source_node: one copy at each"
    vtctl set-replication-mode ls1 source_node || vt_fail "source_node"
    [ "$(vtctl get-replication-mode ls1)" = source_node ] \
        || vt_fail "get-replication-mode"
    expect_fdb ls1 "ls1 (vni 5000, source_node)"
    capture_hvs "$(arp_filter)"
    send_arps 2
    tr_expect_counts hv1=2 hv2=2
    vtctl_fails "Replication mode must be" set-replication-mode ls1 flood
    vt_log "set-replication-mode service_node: all copies at one again"
    vtctl set-replication-mode ls1 service_node || vt_fail "service_node"
    expect_fdb ls1 "ls1 (vni 5000, service_node)"
    vtctl set-replication-mode ls1 source_node || vt_fail "source_node"
    expect_fdb ls1 "ls1 (vni 5000, source_node)"

    vt_log "del-mcast-remote hv1: only hv2 gets copies"
    vtctl del-mcast-remote ls1 unknown-dst "$TR_HV1_IP" \
        || vt_fail "del-mcast-remote"
    expect_fdb ls1 "  flood unknown-dst -> $TR_HV2_IP"
    capture_hvs "$(arp_filter)"
    send_arps 2
    tr_expect_counts hv1=0 hv2=2

    vt_log "add-mcast-remote for a multicast MAC: its own set (hv1)"
    vtctl add-mcast-remote ls1 "$mc" "$TR_HV1_IP" || vt_fail "mcast MAC"
    vt_wait_until eval 'appctl vtepd/dump-fdb ls1 | grep -q "$mc"' \
        || vt_fail "no entry for $mc: $(appctl vtepd/dump-fdb ls1)"
    capture_hvs "$(to_mac 5000 "$mc")"
    send 100 "$mc" 2
    tr_expect_counts hv1=2 hv2=0
    vt_log "... and unknown unicast still goes to unknown-dst (hv2)"
    capture_hvs "$(to_mac 5000 "$m3")"
    send 100 "$m3"
    tr_expect_counts hv1=0 hv2=1
    [ "$(vtctl list-remote-macs ls1 | sed -n '/^mcast/,$p')" \
      = "mcast-mac-remote
  $mc -> vxlan_over_ipv4/$TR_HV1_IP
  unknown-dst -> vxlan_over_ipv4/$TR_HV2_IP" ] \
        || vt_fail "list-remote-macs: $(vtctl list-remote-macs ls1)"

    vt_log "clear-remote-macs: no unicast, no flood to any hypervisor"
    vtctl clear-remote-macs ls1 || vt_fail "clear-remote-macs"
    expect_no_fdb ls1 "  ucast $TR_HV1_MAC -> $TR_HV1_IP"
    vt_barrier
    appctl vtepd/dump-fdb ls1 | grep -q flood \
        && vt_fail "flood entries left: $(appctl vtepd/dump-fdb ls1)"
    [ "$(vtctl list-remote-macs ls1 | xargs)" \
      = "ucast-mac-remote mcast-mac-remote" ] || vt_fail "not cleared"
    capture_hvs "udp dst port 4789"
    send 100 "$TR_HV1_MAC"
    send 100 "$mc"
    send_arps 1
    tr_expect_counts hv1=0 hv2=0
    expect_fdb ls1 "  binding p0 vlan 100"
}

has_local() {
    vtctl list-local-macs ls1 \
        | grep -qxF -- "  $1 -> vxlan_over_ipv4/$TR_GW_IP"
}

test_local_macs() {
    start
    add_ls1 -- bind-ls gw0 p0 101 ls1 \
        -- add-ucast-remote ls1 "$TR_HV1_MAC" "$TR_HV1_IP"
    expect_fdb ls1 "  binding p0 vlan 101"
    local mac=02:bb:00:00:0d:01
    vt_log "list-local-macs: vtepd's unknown-dst row, then a learned MAC"
    vt_wait_output "ucast-mac-local

mcast-mac-local
  unknown-dst -> vxlan_over_ipv4/$TR_GW_IP" vtctl list-local-macs ls1 \
        || vt_fail "list-local-macs before learning"
    tr_frame bm eth --iface=bm0 --src=$mac --vlan=100
    vt_wait_until has_local $mac || vt_fail "$mac not learned"
    vt_wait_output "ucast-mac-local
  $mac -> vxlan_over_ipv4/$TR_GW_IP

mcast-mac-local
  unknown-dst -> vxlan_over_ipv4/$TR_GW_IP" vtctl list-local-macs ls1 \
        || vt_fail "list-local-macs"

    vt_log "from hv1 to the learned MAC: VLAN 100 only"
    tr_capture bm100 bm bm0 "vlan 100 and ether dst $mac"
    tr_capture bm101 bm bm0 "vlan 101 and ether dst $mac"
    tr_frame hv1 vxlan --from="$TR_HV1_IP" --to="$TR_GW_IP" --vni=5000 \
        --src="$HV_SRC" --dst=$mac
    tr_expect_counts bm100=1 bm101=0

    vt_log "clear-local-macs: vtepd writes its rows again"
    vtctl clear-local-macs ls1 || vt_fail "clear-local-macs"
    vt_wait_until has_local $mac || vt_fail "$mac not written again"
    vt_wait_until eval 'vtctl list-local-macs ls1 | grep -q "^  unknown-dst"' \
        || vt_fail "unknown-dst row not written again"
    vt_log "... and the datapath still knows the MAC: VLAN 100 only"
    tr_frame hv1 vxlan --from="$TR_HV1_IP" --to="$TR_GW_IP" --vni=5000 \
        --src="$HV_SRC" --dst=$mac
    tr_expect_counts bm100=2 bm101=0
    [ "$(vtctl --bare --columns=_uuid find Ucast_Macs_Local \
         MAC=\"$mac\" | grep -c .)" = 1 ] || vt_fail "duplicate rows"
}

test_ports() {
    start
    add_ls1 -- add-ucast-remote ls1 "$TR_HV1_MAC" "$TR_HV1_IP"
    capture_hvs "$(to_mac 5000 "$TR_HV1_MAC")"
    vt_log "add-port gw0 p9 (not vtepd's) and a binding on it"
    vtctl add-port gw0 p9 -- bind-ls gw0 p9 200 ls1 \
        || vt_fail "add-port"
    vtctl_fails "already exists" add-port gw0 p9
    vtctl --may-exist add-port gw0 p9 || vt_fail "--may-exist add-port"
    vt_barrier
    [ "$(vtctl list-ports gw0 | xargs)" = "p0 p9" ] \
        || vt_fail "list-ports: $(vtctl list-ports gw0)"
    fdb_has ls1 "  binding p9 vlan 200" \
        && vt_fail "vtepd applied a binding of a port it does not have"
    send 100 "$TR_HV1_MAC"
    tr_expect_counts hv1=1 hv2=0

    vt_log "del-port gw0 p0: vtepd restores its port, without bindings"
    stat_before drop.no-binding
    vtctl del-port gw0 p0 || vt_fail "del-port"
    vt_wait_output "p0 p9" eval 'vtctl list-ports gw0 | xargs' \
        || vt_fail "p0 not restored"
    [ -z "$(vtctl list-bindings gw0 p0)" ] || vt_fail "bindings came back"
    expect_no_fdb ls1 "  binding p0 vlan 100"
    send 100 "$TR_HV1_MAC" 2
    stat_after drop.no-binding 2
    tr_expect_counts hv1=1 hv2=0
    vt_log "bound again: forwarding again"
    vtctl bind-ls gw0 p0 100 ls1 || vt_fail "bind-ls"
    expect_fdb ls1 "  binding p0 vlan 100"
    send 100 "$TR_HV1_MAC"
    tr_expect_counts hv1=2 hv2=0

    vt_log "del-port p9 (the operator's): gone for good"
    # vtep-ctl(8) shows PSWITCH as optional; vtep-ctl 3.1 requires it.
    vtctl del-port gw0 p9 || vt_fail "del-port p9"
    vtctl_fails "no port named p9" del-port gw0 p9
    vtctl --if-exists del-port gw0 p9 || vt_fail "--if-exists del-port"
    vt_barrier
    [ "$(vtctl list-ports gw0 | xargs)" = p0 ] \
        || vt_fail "list-ports: $(vtctl list-ports gw0)"
    [ "$(port_faults p0)" = "[]" ] && [ "$(gw_faults)" = "[]" ] \
        || vt_fail "faults: $(gw_faults) $(port_faults p0)"
}

# Everything of switch "other", as vtep-ctl lists it: the switch, its
# ports, and the local MAC rows of its locator 10.9.9.9 (in ls9: the
# test's clear-local-macs ls1 removes those in ls1).
other_rows() {
    local p ls9
    vtctl list Physical_Switch other
    for p in q0 q1; do
        vtctl find Physical_Port name=$p
    done
    ls9=$(vtctl --bare --columns=_uuid find Logical_Switch name=ls9)
    vtctl find Ucast_Macs_Local logical_switch="$ls9"
    vtctl find Mcast_Macs_Local logical_switch="$ls9"
    vtctl list Physical_Locator_Set "$(vtctl --bare --columns=locator_set \
        find Mcast_Macs_Local logical_switch="$ls9")"
}

# The lines of list-local-macs ls1 for the other switch's locator.
other_ls1() { vtctl list-local-macs ls1 | grep -F 10.9.9.9; }

test_other_switch() {
    start
    vt_log "add-ps other: ports q0 q1, bindings (one to our ls1), MACs"
    add_ls1 -- add-ucast-remote ls1 "$TR_HV1_MAC" "$TR_HV1_IP" \
        -- add-ls ls9 -- set Logical_Switch ls9 tunnel_key=9000 \
        -- add-ps other -- add-port other q0 -- add-port other q1 \
        -- set Physical_Switch other tunnel_ips=10.9.9.9 \
           management_ips=10.8.8.8 description=otherbox \
           switch_fault_status=tunnel_exhaustion \
        -- bind-ls other q0 100 ls1 -- bind-ls other q1 7 ls9 \
        -- add-ucast-local ls9 02:cc:00:00:00:09 10.9.9.9 \
        -- add-mcast-local ls9 unknown-dst 10.9.9.9 \
        -- add-ucast-local ls1 02:cc:00:00:00:01 10.9.9.9 \
        -- add-mcast-local ls1 unknown-dst 10.9.9.9 || vt_fail "vtep-ctl"
    vtctl set Physical_Port "$(vtctl --bare --columns=_uuid find \
        Physical_Port name=q1)" port_fault_status=invalid_vlan_map \
        || vt_fail "port_fault_status"
    [ "$(vtctl list-ps | xargs)" = "gw0 other" ] \
        || vt_fail "list-ps: $(vtctl list-ps)"
    local before after want_ls1
    want_ls1="  02:cc:00:00:00:01 -> vxlan_over_ipv4/10.9.9.9
  unknown-dst -> vxlan_over_ipv4/10.9.9.9"
    [ "$(other_ls1)" = "$want_ls1" ] || vt_fail "ls1: $(other_ls1)"
    before=$(other_rows)

    vt_log "vtepd forwards none of it: only p0's binding, no VNI 9000"
    expect_fdb ls1 "  binding p0 vlan 100"
    vt_barrier
    appctl vtepd/dump-fdb | grep -q "q0\|q1\|9000" \
        && vt_fail "vtepd applied the other switch: $(appctl vtepd/dump-fdb)"

    vt_log "learning, unbind-ls/bind-ls, a vtepd restart, pings"
    tr_frame bm eth --iface=bm0 --src="$TR_BM_MAC" --vlan=100
    vt_wait_until eval 'vtctl list-local-macs ls1 | grep -q "$TR_BM_MAC"' \
        || vt_fail "not learned"
    vtctl unbind-ls gw0 p0 100 || vt_fail "unbind-ls"
    expect_no_fdb ls1 "  binding p0 vlan 100"
    vtctl bind-ls gw0 p0 100 ls1 || vt_fail "bind-ls"
    expect_fdb ls1 "  binding p0 vlan 100"
    vt_stop_vtepd
    tr_start_vtepd
    expect_fdb ls1 "  binding p0 vlan 100"
    tr_expect_ping hv1 "$TR_BM_VM_IP"
    tr_expect_ping bm "$TR_HV1_VM_IP"
    vt_barrier

    vt_log "the other switch's rows are as vtep-ctl wrote them"
    after=$(other_rows)
    [ "$after" = "$before" ] || {
        diff <(printf '%s\n' "$before") <(printf '%s\n' "$after") \
            | sed 's/^/    | /'
        vt_fail "vtepd changed the other switch's rows"
    }
    [ "$(other_ls1)" = "$want_ls1" ] \
        || vt_fail "the other switch's rows in ls1: $(other_ls1)"
    [ "$(vtctl get Physical_Switch gw0 tunnel_ips)" = "[\"$TR_GW_IP\"]" ] \
        || vt_fail "our tunnel_ips"

    vt_log "clear-local-macs ls1 clears both switches' rows in ls1;"
    vt_log "vtepd writes back only its own"
    vtctl clear-local-macs ls1 || vt_fail "clear-local-macs"
    vt_wait_output "ucast-mac-local
  $TR_BM_MAC -> vxlan_over_ipv4/$TR_GW_IP

mcast-mac-local
  unknown-dst -> vxlan_over_ipv4/$TR_GW_IP" vtctl list-local-macs ls1 \
        || vt_fail "list-local-macs ls1 after clear-local-macs"
    vt_barrier
    [ "$(other_rows)" = "$before" ] || vt_fail "rows in ls9 changed"

    vt_log "del-ps other: vtepd keeps forwarding"
    vtctl del-ps other || vt_fail "del-ps"
    [ "$(vtctl list-ps)" = gw0 ] || vt_fail "list-ps: $(vtctl list-ps)"
    tr_expect_ping bm "$TR_HV1_VM_IP"
    vt_barrier
    [ "$(port_faults p0)" = "[]" ] && [ "$(gw_faults)" = "[]" ] \
        || vt_fail "faults: $(gw_faults) $(port_faults p0)"
}

# The Manager row's listening port (TARGET ptcp:0:IP or pssl:0:IP).
manager_port() {
    vtctl --bare --columns=status find Manager target="\"$1\"" \
        | tr ' ,{}' '\n\n\n\n' | sed -n 's/^bound_port=//p' \
        | tr -d '"' | grep -x '[0-9]*[1-9][0-9]*'
}

test_remote_ssl() {
    command -v vtep-ctl >/dev/null \
        || vt_skip "Debian package openvswitch-vtep is not installed"
    command -v ovs-pki >/dev/null \
        || vt_skip "Debian package openvswitch-common is not installed" \
                   "(no ovs-pki)"
    local pki=$VT_DIR/pki pkilog=$VT_DIR/ovs-pki.log port
    (cd "$VT_DIR" && ovs-pki --dir="$pki" --log="$pkilog" init --force \
        && ovs-pki --dir="$pki" --log="$pkilog" req+sign vtepdb switch \
        && ovs-pki --dir="$pki" --log="$pkilog" req+sign admin controller) \
        >"$VT_DIR/ovs-pki.out" 2>&1 \
        || vt_fail "ovs-pki: $(tail -3 "$VT_DIR/ovs-pki.out")"
    ovsdb-tool create "$VT_DIR/vtep.db" "$VT_SCHEMA" \
        || vt_fail "ovsdb-tool create"
    ovsdb-server --detach --no-chdir --pidfile="$VT_DIR/ovsdb.pid" \
        --log-file="$VT_DIR/ovsdb.log" --remote="punix:$VT_DIR/db.sock" \
        --remote=db:hardware_vtep,Global,managers \
        --private-key="$VT_DIR/vtepdb-privkey.pem" \
        --certificate="$VT_DIR/vtepdb-cert.pem" \
        --ca-cert="$pki/controllerca/cacert.pem" \
        --unixctl="$VT_DIR/ovsdb.ctl" "$VT_DIR/vtep.db" \
        2>>"$VT_DIR/stderr.log" || vt_fail "ovsdb-server did not start"
    VT_PIDS="$VT_PIDS $(cat "$VT_DIR/ovsdb.pid")"
    vt_start_vtepd
    vt_log "set-manager pssl: (vtepd made the Global row)"
    vtctl set-manager pssl:0:127.0.0.1 || vt_fail "set-manager"
    vt_wait_until manager_port pssl:0:127.0.0.1 || vt_fail "no SSL listener"
    port=$(manager_port pssl:0:127.0.0.1)
    local ssl=(--db="ssl:127.0.0.1:$port" -p "$VT_DIR/admin-privkey.pem"
               -c "$VT_DIR/admin-cert.pem" -C "$pki/switchca/cacert.pem")
    vt_log "vtep-ctl over SSL: list-ps, add-ls, bind-ls, add-ucast-remote"
    [ "$(vtep-ctl --timeout=10 "${ssl[@]}" list-ps)" = sw0 ] \
        || vt_fail "list-ps over SSL"
    vtep-ctl --timeout=10 "${ssl[@]}" add-ls ls0 \
        -- set Logical_Switch ls0 tunnel_key=5000 \
        -- bind-ls sw0 p0 100 ls0 \
        -- add-ucast-remote ls0 "$TR_HV1_MAC" "$TR_HV1_IP" \
        || vt_fail "vtep-ctl over SSL"
    expect_dp "binding port=p0 vlan=100 vni=5000" \
        "ucast vni=5000 mac=$TR_HV1_MAC remote=$TR_HV1_IP"
    vt_log "without a client certificate: refused"
    vtep-ctl --timeout=5 --db="ssl:127.0.0.1:$port" \
        -C "$pki/switchca/cacert.pem" list-ps >/dev/null 2>&1 \
        && vt_fail "vtep-ctl without a certificate got in"
    return 0
}

vt_run_suite "$@"

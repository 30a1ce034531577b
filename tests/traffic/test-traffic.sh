#!/bin/bash
# test-traffic.sh: vtepd's userspace datapath forwarding real traffic
# between a VLAN trunk and native Linux vxlan peers, in network namespaces.
#
#              underlay: Linux bridge br0 (namespace ul), 192.0.2.0/24
#     +-------------------+-------------------+-------------------+
#     | 192.0.2.1         | 192.0.2.11        | 192.0.2.12        | 192.0.2.13
#   +-+------------+    +-+-------------+   +-+-------------+   +-+--------+
#   | gw: vtepd    |    | hv1: vx0      |   | hv2: vx0      |   | rogue:   |
#   | --datapath=  |    |  vxlan VNI    |   |  vxlan VNI    |   |  not a   |
#   |   user       |    |  5000, VM     |   |  5000, VM     |   |  locator |
#   | switch gw0   |    |  198.51.100.11|   |  198.51.100.12|   +----------+
#   +-+------------+    +---------------+   +---------------+
#     | p0: 802.1Q trunk
#   +-+----------------------------------------------+
#   | bm: bm0 (raw frames: frame.py, tcpdump)          |
#   |     vlan-shim: VLAN 100 <-> tap bm0.100          |
#   |                198.51.100.100 (ping, ARP)        |
#   +--------------------------------------------------+
#
# Logical switches (vtep-ctl, per case): ls1 = VNI 5000 on p0 VLAN 100,
# Ucast_Macs_Remote for the VM MACs (02:aa:00:00:00:0b -> 192.0.2.11,
# 02:aa:00:00:00:0c -> 192.0.2.12), Mcast_Macs_Remote unknown-dst ->
# {192.0.2.11, 192.0.2.12}; case a adds ls2 = VNI 5001 on p0 untagged.
#
# Delivery is checked with per-receiver packet counts (exactly N here, 0
# there): tcpdump on the receiving interface, inbound only, with a capture
# filter that matches the test's frames (VXLAN VNI and inner ethertype or
# source MAC on the underlay, VLAN and ethertype on the trunk), and with
# vtepd's drop counters (vtepd/stats).  Test frames use the local
# experimental ethertype 0x88b5 so that no stack answers them.
#
#   a  VLAN classification: VLAN 100 -> ls1 (VNI 5000), untagged and
#      priority-tagged -> ls2 (VNI 5001), each to the right hypervisor,
#      inner frames untagged; an unbound VLAN is dropped
#      (drop.no-binding), and so is VLAN 100 once unbound.
#   b  pings both ways between the bare-metal server on VLAN 100 and each
#      hypervisor's VM; VM to VM (tunnel to tunnel) does not work.
#   c  ARP broadcast from the bare-metal side: nothing without unknown-dst;
#      source_node: one copy at each hypervisor; service_node: all copies
#      at one hypervisor, none at the other.
#   d  a MAC learned on the trunk appears in Ucast_Macs_Local and leaves
#      after aging (--mac-aging=3).
#   e  deleting a Ucast_Macs_Remote row stops unicast to its locator; the
#      MAC is then flooded to the unknown-dst set (hv2 only).
#   f  a broadcast from a tunnel reaches both local bindings (VLANs 100 and
#      101) and never goes back into a tunnel.
#   g  VXLAN from a source IP that is no locator (rogue) is dropped
#      (drop.unknown-source); the same packet from hv1 is delivered.
#   h  malformed VXLAN (short header, short inner frame, I flag clear, inner
#      runt, inner tag, multicast source MAC, unknown VNI, an inner frame
#      bigger than the trunk's MTU that is no TCP to segment) and a
#      trunk frame too big for the underlay MTU are dropped and counted by
#      reason; a ping right after still works.
#      (A runt cannot come from a trunk veth: the kernel drops Ethernet
#      frames shorter than their header before any packet socket sees
#      them, so runts come inside VXLAN.)
#   i  TCP with checksum and segmentation offload left on, as every veth,
#      vxlan device and VM has them by default: 4 MB each way between the
#      bare-metal server (on its veth bm0, untagged binding) and hv1's VM
#      (vxlan device), checked byte for byte; vtepd completes the
#      checksums that the senders left to offload (csum.completed moves)
#      and cuts bm0's 64 KB TCP super-frames to the MTU (gso.segmented
#      moves; nothing is dropped as drop.gso, drop.mtu or drop.truncated);
#      a UDP super-frame (UDP_SEGMENT) cannot be cut: drop.gso, logged.
#   j  QinQ (802.1Q or 802.1ad inside the VLAN 100 tag) is dropped
#      (drop.qinq); a trunk frame from a remote MAC (Ucast_Macs_Remote) is
#      dropped and not learned (drop.remote-mac-move, no Ucast_Macs_Local
#      row); control frames after them prove they were processed.
#
# Negative checks ("N frames and no more") wait for proof that vtepd has
# processed the frames that must not arrive, never for time: the drop
# counter that counted them, or tr_sync: the barrier (vtepd/barrier), then
# control frames (ethertype 0x88b6) sent after them on the same path,
# which arrive after every copy of theirs at each capture, so the counts
# are final (tr_check_counts).  One capture per receiving interface, with
# views (tr_view) that count the test frames and the controls apart.
# Where no copy can come back to a capture to prove it (a tunnel frame
# must not go back into a tunnel), the datapath's own tx.tunnel counter,
# read after the control, shows that nothing was sent.
#
# Needs root, iproute2, tcpdump, ethtool, ping, /usr/bin/python3 (all from
# utilities/bootstrap.sh --test-peers) and tests/traffic/vlan-shim built.
# Usage: test-traffic.sh [CASE...]   (CASE: a_vlan_classification, ...;
# default: every case)

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir/_build}
. "$top_srcdir/tests/traffic/lib-traffic.sh"

# Source MACs of the test frames from the trunk and from tunnels.
BM_SRC=02:bb:00:00:00:01
HV_SRC=02:aa:00:00:01:01


# start [VTEPD-OPTION...]: the topology, an ovsdb-server and vtepd.
start() {
    tr_topology
    vt_start_ovsdb
    tr_start_vtepd "$@"
}

# add_ls1 [MODE] [UNKNOWN-DST-IP...]: ls1 as in the drawing, with
# replication mode MODE (default source_node) and the unknown-dst set
# (default: both hypervisors; "none" for no set); waits until the datapath
# holds it.
add_ls1() {
    local mode=${1:-source_node} ip
    [ $# -eq 0 ] || shift
    local flood=("$@")
    [ ${#flood[@]} -gt 0 ] || flood=("$TR_HV1_IP" "$TR_HV2_IP")
    [ "${flood[*]}" != none ] || flood=()
    local cmd=(add-ls ls1 -- set Logical_Switch ls1 tunnel_key="$TR_VNI"
               replication_mode="$mode" -- bind-ls gw0 p0 "$TR_VLAN" ls1
               -- add-ucast-remote ls1 "$TR_HV1_MAC" "$TR_HV1_IP"
               -- add-ucast-remote ls1 "$TR_HV2_MAC" "$TR_HV2_IP")
    for ip in "${flood[@]}"; do
        cmd+=(-- add-mcast-remote ls1 unknown-dst "$ip")
    done
    vtctl "${cmd[@]}" || vt_fail "vtep-ctl: ${cmd[*]}"
    local want=("  binding p0 vlan $TR_VLAN"
                "  ucast $TR_HV1_MAC -> $TR_HV1_IP"
                "  ucast $TR_HV2_MAC -> $TR_HV2_IP")
    [ ${#flood[@]} -eq 0 ] \
        || want+=("  flood unknown-dst -> $(printf '%s\n' "${flood[@]}" \
                                            | sort -V | xargs)")
    expect_fdb ls1 "${want[@]}"
}

# Captures for the test frames: "hv1" and "hv2" at the hypervisors'
# underlay ports, "bm" on the trunk side of the bare-metal server.
capture_hvs() {
    tr_capture hv1 hv1 ul0 "$1"
    tr_capture hv2 hv2 ul0 "$1"
}

# Control frames for tr_sync (ethertype $TR_CTL_TYPE): views hv1-ctl and
# hv2-ctl count them in VXLAN captures hv1 and hv2, bm-ctl in a trunk
# capture bm (tagged: every binding of these cases has a VLAN).
tr_view hv1-ctl hv1 "udp dst port 4789 and $(tr_inner_type $TR_CTL_TYPE)"
tr_view hv2-ctl hv2 "udp dst port 4789 and $(tr_inner_type $TR_CTL_TYPE)"
tr_view bm-ctl bm "vlan and ether proto $TR_CTL_TYPE"

# ctl_trunk VLAN DST...: from the trunk (bm0, VLAN; 0 for untagged), one
# control frame to each DST.
ctl_trunk() {
    local tag=() dst
    [ "$1" = 0 ] || tag=(--vlan="$1")
    shift
    for dst in "$@"; do
        tr_frame bm eth --iface=bm0 --src=$BM_SRC --dst="$dst" "${tag[@]}" \
            --type=$TR_CTL_TYPE
    done
}

# ctl_tunnel HV [VXLAN-ARG...]: a control frame into VNI 5000 from HV's
# UDP socket (frame.py vxlan; a broadcast unless an ARG says --dst).
ctl_tunnel() {
    local hv=$1 ip
    shift
    case $hv in
        hv1) ip=$TR_HV1_IP ;;
        hv2) ip=$TR_HV2_IP ;;
        rogue) ip=$TR_ROGUE_IP ;;
    esac
    tr_frame "$hv" vxlan --from="$ip" --to="$TR_GW_IP" --vni="$TR_VNI" \
        --src=$HV_SRC --type=$TR_CTL_TYPE "$@"
}

# stat_after NAME N: expects counter NAME to be N more than when
# stat_before NAME was called; stat_same NAME: expects it unchanged, now
# (after tr_sync).
declare -A STAT0
stat_before() {
    local n
    for n in "$@"; do
        STAT0[$n]=$(tr_stat "$n") || vt_fail "vtepd/stats has no counter $n"
    done
}
stat_after() { tr_expect_stat "$1" $(( ${STAT0[$1]} + $2 )); }
stat_same() {
    local n
    n=$(tr_stat "$1") || vt_fail "vtepd/stats has no counter $1"
    [ "$n" = "${STAT0[$1]}" ] || {
        appctl vtepd/stats | sed 's/^/    | /'
        vt_fail "counter $1 moved: ${STAT0[$1]} -> $n"
    }
}

# tr_expect_counts_now VIEW=N...: waits until each VIEW has N frames, then
# compares: for when vtepd has been seen to process every frame that must
# not arrive (a drop counter, or control frames counted in the same
# capture after them).
tr_expect_counts_now() {
    vt_wait_until tr_counts_reached "$@"
    tr_check_counts "$@"
}

test_a_vlan_classification() {
    start
    # ls2 also has a remote MAC at hv1, for control frames to hv1 from the
    # untagged binding (VLAN 100 goes away at the end).
    vtctl add-ls ls1 -- set Logical_Switch ls1 tunnel_key=5000 \
        -- bind-ls gw0 p0 100 ls1 \
        -- add-ucast-remote ls1 02:00:00:00:01:01 "$TR_HV1_IP" \
        -- add-ls ls2 -- set Logical_Switch ls2 tunnel_key=5001 \
        -- bind-ls gw0 p0 0 ls2 \
        -- add-ucast-remote ls2 02:00:00:00:02:01 "$TR_HV1_IP" \
        -- add-ucast-remote ls2 02:00:00:00:02:02 "$TR_HV2_IP" \
        || vt_fail "vtep-ctl"
    expect_fdb ls1 "  binding p0 vlan 100" \
        "  ucast 02:00:00:00:01:01 -> $TR_HV1_IP"
    expect_fdb ls2 "  binding p0 vlan 0" \
        "  ucast 02:00:00:00:02:01 -> $TR_HV1_IP" \
        "  ucast 02:00:00:00:02:02 -> $TR_HV2_IP"

    # Counted per VNI at each hypervisor; the inner frame must arrive
    # untagged (ethertype 0x88b5 right after the MACs).
    local in5000 in5001 hv
    in5000=$(tr_vxlan_filter 5000 "$(tr_inner_type 0x88b5)")
    in5001=$(tr_vxlan_filter 5001 "$(tr_inner_type 0x88b5)")
    for hv in hv1 hv2; do
        tr_view $hv-5000 $hv "$in5000"
        tr_view $hv-5001 $hv "$in5001"
        tr_view $hv-test $hv "udp dst port 4789 and $(tr_inner_type 0x88b5)"
    done
    capture_hvs "udp dst port 4789"
    # Controls from the trunk, untagged: ls2, to hv1 and hv2.
    local ctls=(ctl_trunk 0 02:00:00:00:02:01 02:00:00:00:02:02)

    vt_log "VLAN 100 -> ls1 (VNI 5000) -> hv1; untagged -> ls2 -> hv2"
    tr_frame bm eth --iface=bm0 --src=$BM_SRC --dst=02:00:00:00:01:01 \
        --vlan=100 --count=3
    tr_frame bm eth --iface=bm0 --src=$BM_SRC --dst=02:00:00:00:02:02 \
        --count=2
    tr_sync hv1-ctl hv2-ctl -- "${ctls[@]}"
    tr_check_counts hv1-5000=3 hv1-5001=0 hv2-5000=0 hv2-5001=2

    vt_log "priority-tagged (VID 0) is untagged: ls2, and leaves untagged"
    tr_frame bm eth --iface=bm0 --src=$BM_SRC --dst=02:00:00:00:02:02 \
        --vlan=0
    tr_sync hv1-ctl hv2-ctl -- "${ctls[@]}"
    tr_check_counts hv1-5000=3 hv1-5001=0 hv2-5000=0 hv2-5001=3

    vt_log "VLAN 200 is bound to nothing: dropped and counted"
    stat_before drop.no-binding
    capture_hvs "udp dst port 4789"
    tr_frame bm eth --iface=bm0 --src=$BM_SRC --dst=02:00:00:00:01:01 \
        --vlan=200 --count=4
    stat_after drop.no-binding 4
    tr_sync hv1-ctl hv2-ctl -- "${ctls[@]}"
    tr_check_counts hv1-test=0 hv2-test=0

    vt_log "a binding removed: VLAN 100 is dropped too"
    stat_before drop.no-binding
    vtctl unbind-ls gw0 p0 100 || vt_fail "unbind-ls"
    vt_wait_until eval '! fdb_has ls1 "  binding p0 vlan 100"' \
        || vt_fail "binding p0 vlan 100 is still in the datapath"
    tr_frame bm eth --iface=bm0 --src=$BM_SRC --dst=02:00:00:00:01:01 \
        --vlan=100
    stat_after drop.no-binding 1
    tr_sync hv1-ctl hv2-ctl -- "${ctls[@]}"
    tr_check_counts hv1-test=0 hv2-test=0
}

test_b_ping() {
    start
    add_ls1 source_node
    local hv ip
    for hv in hv1:$TR_HV1_VM_IP hv2:$TR_HV2_VM_IP; do
        ip=${hv#*:}
        hv=${hv%:*}
        vt_log "bare metal (VLAN 100) -> $hv VM $ip"
        tr_expect_ping bm "$ip"
        vt_log "$hv VM -> bare metal"
        tr_expect_ping "$hv" "$TR_BM_VM_IP"
    done
    tr_in bm ping -n -q -c 5 -i 0.2 -W 2 "$TR_HV1_VM_IP" >/dev/null \
        || vt_fail "5 pings to hv1: some were lost"
    [ "$(tr_stat rx.tunnel)" -gt 0 ] && [ "$(tr_stat tx.tunnel)" -gt 0 ] \
        && [ "$(tr_stat rx.port)" -gt 0 ] && [ "$(tr_stat tx.port)" -gt 0 ] \
        || { appctl vtepd/stats; vt_fail "vtepd/stats counted no traffic"; }

    vt_log "VM to VM is tunnel to tunnel: vtepd must not forward it"
    tr_capture bm bm bm0 "vlan 100"
    stat_before tx.tunnel
    ! tr_in hv1 ping -n -q -c 2 -i 0.2 -W 1 "$TR_HV2_VM_IP" >/dev/null \
        || vt_fail "hv1 reached hv2 through vtepd (split horizon)"
    # A control frame from hv1 after the pings (and their ARP) reaches the
    # trunk once vtepd has processed them: it sent nothing into a tunnel.
    tr_sync bm-ctl -- ctl_tunnel hv1
    stat_same tx.tunnel
}

# ARP requests for 198.51.100.77, which nobody has, from the bare-metal
# server's address on VLAN 100 (by hand, so that the count is exact).
send_arps() {
    tr_frame bm eth --iface=bm0 --src=$TR_BM_MAC --vlan=100 \
        --arp="$TR_BM_VM_IP,198.51.100.77" --count="$1"
}

test_c_flood_replication() {
    start
    tr_view hv1-arp hv1 "$(tr_vxlan_filter 5000 \
        "$(tr_inner_type 0x0806) and udp[54:4] = 0xc633644d")"
    tr_view hv2-arp hv2 "${TR_VIEW_FILTER[hv1-arp]}"
    capture_hvs "udp dst port 4789"
    # Controls from the trunk, VLAN 100: unicast to each hypervisor's MAC.
    local ctls=(ctl_trunk 100 "$TR_HV1_MAC" "$TR_HV2_MAC")

    vt_log "no unknown-dst set: the broadcast reaches no hypervisor"
    add_ls1 source_node none
    send_arps 2
    tr_sync hv1-ctl hv2-ctl -- "${ctls[@]}"
    tr_check_counts hv1-arp=0 hv2-arp=0

    vt_log "source_node, unknown-dst {hv1, hv2}: one copy at each"
    vtctl add-mcast-remote ls1 unknown-dst "$TR_HV1_IP" \
        -- add-mcast-remote ls1 unknown-dst "$TR_HV2_IP" \
        || vt_fail "add-mcast-remote"
    expect_fdb ls1 "  flood unknown-dst -> $TR_HV1_IP $TR_HV2_IP"
    send_arps 1
    tr_sync hv1-ctl hv2-ctl -- "${ctls[@]}"
    tr_check_counts hv1-arp=1 hv2-arp=1

    vt_log "service_node: every copy at one hypervisor, none at the other"
    vtctl set Logical_Switch ls1 replication_mode=service_node \
        || vt_fail "set replication_mode"
    expect_fdb ls1 "ls1 (vni 5000, service_node)"
    capture_hvs "udp dst port 4789"
    send_arps 3
    tr_sync hv1-ctl hv2-ctl -- "${ctls[@]}"
    if [ "$(tr_count hv1-arp)" -gt 0 ]; then
        tr_check_counts hv1-arp=3 hv2-arp=0
    else
        tr_check_counts hv1-arp=0 hv2-arp=3
    fi

    vt_log "back to source_node: one copy at each again"
    vtctl set Logical_Switch ls1 replication_mode=source_node \
        || vt_fail "set replication_mode"
    expect_fdb ls1 "ls1 (vni 5000, source_node)"
    capture_hvs "udp dst port 4789"
    send_arps 1
    tr_sync hv1-ctl hv2-ctl -- "${ctls[@]}"
    tr_check_counts hv1-arp=1 hv2-arp=1
}

local_macs() { vtctl list-local-macs ls1 2>/dev/null; }
has_local_mac() { local_macs | grep -q "^  $1 -> vxlan_over_ipv4/$TR_GW_IP$"; }
lacks_local_mac() { local_macs >/dev/null && ! has_local_mac "$1"; }

test_d_learning_aging() {
    start --mac-aging=3
    add_ls1 source_node
    local mac=02:bb:00:00:0d:01
    has_local_mac $mac && vt_fail "$mac is local before it was seen"
    tr_frame bm eth --iface=bm0 --src=$mac --vlan=100
    vt_wait_until has_local_mac $mac || {
        local_macs | sed 's/^/    | /'
        vt_fail "$mac was not learned into Ucast_Macs_Local"
    }
    vt_log "learned: $(local_macs | grep -F $mac | xargs)"

    # The datapath wakes the main loop while learning events wait; once
    # they are written, the main loop must sleep (a regression once: it
    # spun at 100% of a core).  Counted in wakeups, not in seconds.
    vt_log "written: the main loop sleeps (few immediate wakeups in 1 s)"
    local z0 z1
    z0=$(appctl coverage/read-counter poll_zero_timeout)
    sleep 1
    z1=$(appctl coverage/read-counter poll_zero_timeout)
    [[ $z0 =~ ^[0-9]+$ && $z1 =~ ^[0-9]+$ ]] \
        || vt_fail "coverage/read-counter said \"$z0\", \"$z1\""
    [ $((z1 - z0)) -lt 50 ] \
        || vt_fail "main loop busy: $((z1 - z0)) immediate wakeups in 1 s"

    vt_log "from a tunnel to the learned MAC: to its VLAN only, no flood"
    vtctl bind-ls gw0 p0 101 ls1 || vt_fail "bind-ls 101"
    expect_fdb ls1 "  binding p0 vlan 101"
    tr_view bm100 bm "vlan 100 and ether dst $mac and ether proto 0x88b5"
    tr_view bm101 bm "vlan 101 and ether dst $mac and ether proto 0x88b5"
    tr_capture bm bm bm0 "vlan"
    # Seen again just now (it ages in 3 s): still learned at VLAN 100.
    tr_frame bm eth --iface=bm0 --src=$mac --dst=$TR_HV1_MAC --vlan=100
    tr_frame hv1 vxlan --from=$TR_HV1_IP --to=$TR_GW_IP --vni=5000 \
        --src=$HV_SRC --dst=$mac
    tr_sync bm-ctl -- ctl_tunnel hv1 --dst=$mac
    tr_check_counts bm100=1 bm101=0

    vt_log "silent for 3 s of aging (and a scan): the row goes away"
    vt_wait_until lacks_local_mac $mac || {
        local_macs | sed 's/^/    | /'
        vt_fail "$mac did not age out of Ucast_Macs_Local"
    }
    appctl vtepd/stats | grep -q 'learned: .* [1-9][0-9]* aged' \
        || vt_fail "vtepd/stats counts no aged MAC"
}

test_e_remote_mac_removal() {
    start
    # hv2 alone in the flood set: a unicast copy at hv1 can only come
    # from the Ucast_Macs_Remote row.  Another remote MAC at hv1 takes
    # the control frames there.
    add_ls1 source_node "$TR_HV2_IP"
    local ctl_mac=02:aa:00:00:0c:01
    vtctl add-ucast-remote ls1 $ctl_mac $TR_HV1_IP \
        || vt_fail "add-ucast-remote"
    expect_fdb ls1 "  ucast $ctl_mac -> $TR_HV1_IP"
    local f hv
    f=$(tr_vxlan_filter 5000 "udp[16:4] = 0x02aa0000 and \
udp[20:2] = 0x000b and $(tr_inner_type 0x88b5)")
    for hv in hv1 hv2; do
        tr_view $hv-test $hv "$f"
    done
    capture_hvs "udp dst port 4789"
    local ctls=(ctl_trunk 100 "$ctl_mac" "$TR_HV2_MAC")

    vt_log "$TR_HV1_MAC is remote at hv1: unicast there"
    tr_frame bm eth --iface=bm0 --src=$BM_SRC --dst=$TR_HV1_MAC --vlan=100 \
        --count=2
    tr_sync hv1-ctl hv2-ctl -- "${ctls[@]}"
    tr_check_counts hv1-test=2 hv2-test=0

    vt_log "row deleted: no more unicast to hv1, flooded to hv2"
    vtctl del-ucast-remote ls1 $TR_HV1_MAC || vt_fail "del-ucast-remote"
    vt_wait_until eval \
        '! fdb_has ls1 "  ucast $TR_HV1_MAC -> $TR_HV1_IP"' \
        || vt_fail "the datapath still has $TR_HV1_MAC"
    capture_hvs "udp dst port 4789"
    tr_frame bm eth --iface=bm0 --src=$BM_SRC --dst=$TR_HV1_MAC --vlan=100 \
        --count=2
    tr_sync hv1-ctl hv2-ctl -- "${ctls[@]}"
    tr_check_counts hv1-test=0 hv2-test=2

    vt_log "row back: unicast to hv1 again"
    vtctl add-ucast-remote ls1 $TR_HV1_MAC $TR_HV1_IP \
        || vt_fail "add-ucast-remote"
    expect_fdb ls1 "  ucast $TR_HV1_MAC -> $TR_HV1_IP"
    capture_hvs "udp dst port 4789"
    tr_frame bm eth --iface=bm0 --src=$BM_SRC --dst=$TR_HV1_MAC --vlan=100
    tr_sync hv1-ctl hv2-ctl -- "${ctls[@]}"
    tr_check_counts hv1-test=1 hv2-test=0
}

test_f_split_horizon() {
    start
    add_ls1 source_node
    vtctl bind-ls gw0 p0 101 ls1 || vt_fail "bind-ls 101"
    expect_fdb ls1 "  binding p0 vlan 101"
    tr_view bm100 bm "vlan 100 and ether proto 0x88b5"
    tr_view bm101 bm "vlan 101 and ether proto 0x88b5"
    tr_view bm-untagged bm "not vlan and ether proto 0x88b5"
    tr_capture bm bm bm0 "ether proto 0x88b5 or vlan"
    capture_hvs "udp dst port 4789"
    # Nothing from a tunnel goes back into one: no tunnel packet at all,
    # by the datapath's own count (hv1 and hv2 count what arrives).
    stat_before tx.tunnel

    vt_log "broadcast from hv1's vxlan device: both bindings, no tunnel"
    tr_frame hv1 eth --iface=vx0 --src=$HV_SRC --count=2
    tr_sync bm-ctl -- tr_frame hv1 eth --iface=vx0 --src=$HV_SRC \
        --type=$TR_CTL_TYPE
    stat_same tx.tunnel
    tr_check_counts bm100=2 bm101=2 bm-untagged=0 hv1=0 hv2=0

    vt_log "the same from a UDP socket on hv2"
    tr_frame hv2 vxlan --from=$TR_HV2_IP --to=$TR_GW_IP --vni=5000 \
        --src=02:aa:00:00:01:02 --count=3
    tr_sync bm-ctl -- ctl_tunnel hv2
    stat_same tx.tunnel
    tr_check_counts bm100=5 bm101=5 bm-untagged=0 hv1=0 hv2=0
}

test_g_unknown_source() {
    vt_allow_log '\|WARN\|gw0: dropped VXLAN for VNI 5000 from 192\.0\.2\.13,'
    start
    add_ls1 source_node
    tr_view bm-test bm "vlan 100 and ether proto 0x88b5"
    tr_capture bm bm bm0 "vlan"

    vt_log "from hv1 (a locator of ls1): delivered"
    tr_frame hv1 vxlan --from=$TR_HV1_IP --to=$TR_GW_IP --vni=5000 \
        --src=$HV_SRC
    tr_sync bm-ctl -- ctl_tunnel hv1
    tr_check_counts bm-test=1

    vt_log "from rogue $TR_ROGUE_IP (no locator): dropped and counted"
    stat_before drop.unknown-source
    tr_frame rogue vxlan --from=$TR_ROGUE_IP --to=$TR_GW_IP --vni=5000 \
        --src=02:ee:00:00:00:01 --count=3
    stat_after drop.unknown-source 3
    # (Counted when read: a copy would be sent before a later packet's.)
    tr_sync bm-ctl -- ctl_tunnel hv1
    tr_check_counts bm-test=1
    vt_barrier
    ! has_local_mac 02:ee:00:00:00:01 \
        || vt_fail "a MAC from the rogue became local"
    local_macs >/dev/null || vt_fail "vtep-ctl list-local-macs failed"

    vt_log "rogue becomes a locator (a remote MAC): delivered"
    vtctl add-ucast-remote ls1 02:ee:00:00:00:02 $TR_ROGUE_IP \
        || vt_fail "add-ucast-remote"
    expect_fdb ls1 "  ucast 02:ee:00:00:00:02 -> $TR_ROGUE_IP"
    tr_frame rogue vxlan --from=$TR_ROGUE_IP --to=$TR_GW_IP --vni=5000 \
        --src=02:ee:00:00:00:02
    tr_sync bm-ctl -- ctl_tunnel rogue --src=02:ee:00:00:00:02
    tr_check_counts bm-test=2
}

test_h_malformed() {
    vt_allow_log '\|WARN\|gw0: dropped a [0-9]+-byte VXLAN packet from '\
'192\.0\.2\.11 '
    start
    add_ls1 source_node
    tr_expect_ping bm "$TR_HV1_VM_IP"
    tr_view bm-test bm "vlan 100 and not ether proto $TR_CTL_TYPE"
    tr_view hv1-test hv1 "udp dst port 4789 and \
not $(tr_inner_type $TR_CTL_TYPE)"
    tr_capture bm bm bm0 "vlan 100"
    stat_before drop.vxlan-too-short drop.bad-vxlan-flags drop.runt \
        drop.inner-vlan-tag drop.bad-src-mac drop.unknown-vni drop.truncated \
        drop.mtu
    local vx=(vxlan --from="$TR_HV1_IP" --to="$TR_GW_IP" --src="$HV_SRC")

    vt_log "a VXLAN header cut short (4 bytes), an inner frame cut short"
    tr_frame hv1 "${vx[@]}" --vni=5000 --len=4
    tr_frame hv1 "${vx[@]}" --vni=5000 --len=20 --count=2
    vt_log "flags 0x00 and 0x80 (I clear)"
    tr_frame hv1 "${vx[@]}" --vni=5000 --flags=0x00
    tr_frame hv1 "${vx[@]}" --vni=5000 --flags=0x80
    vt_log "inner runt: an 802.1Q frame of 16 bytes"
    tr_frame hv1 "${vx[@]}" --vni=5000 --vlan=100 --len=24
    vt_log "inner frame with a VLAN tag; multicast source MAC"
    tr_frame hv1 "${vx[@]}" --vni=5000 --vlan=100
    tr_frame hv1 vxlan --from=$TR_HV1_IP --to=$TR_GW_IP --vni=5000 \
        --src=03:aa:00:00:00:01
    vt_log "VNI 7777, which no logical switch has"
    tr_frame hv1 "${vx[@]}" --vni=7777 --count=2
    vt_log "a 9300-byte inner frame, not TCP: too big for the trunk"
    tr_frame hv1 "${vx[@]}" --vni=5000 --len=9300
    vt_log "from the trunk, a 1514-byte frame: too big for the underlay"
    tr_capture hv1 hv1 ul0 "udp dst port 4789"
    tr_frame bm eth --iface=bm0 --src=$BM_SRC --dst=$TR_HV1_MAC --vlan=100 \
        --len=1518

    stat_after drop.vxlan-too-short 3
    stat_after drop.bad-vxlan-flags 2
    stat_after drop.runt 1
    stat_after drop.inner-vlan-tag 1
    stat_after drop.bad-src-mac 1
    stat_after drop.unknown-vni 2
    stat_after drop.mtu 2
    # (Counted when read: a copy would be sent before a later packet's.)
    tr_sync bm-ctl -- ctl_tunnel hv1
    tr_sync hv1-ctl -- ctl_trunk 100 "$TR_HV1_MAC"
    tr_check_counts bm-test=0 hv1-test=0
    # A datagram always fits the tunnel receive buffer now.
    stat_same drop.truncated

    vt_log "and a ping right after works"
    tr_in bm ping -n -q -c 3 -i 0.2 -W 2 "$TR_HV1_VM_IP" >/dev/null \
        || vt_fail "ping after the malformed packets"
    grep -q 'dropped a .*VXLAN packet' "$VT_DIR/vtepd.log" \
        || vt_fail "no malformed packet was logged"
}

# tcp_transfer SERVER-NS SERVER-IP CLIENT-NS: frame.py's checked 4 MB TCP
# transfer (client to server, then back) between two namespaces.
tcp_transfer() {
    local srv=$1 ip=$2 cli=$3 pid ready=$VT_DIR/tcp-$1.ready
    rm -f "$ready"
    tr_in "$srv" "$TR_PYTHON" "$TR_FRAME_PY" tcp --listen="$ip:5201" \
        --ready="$ready" 2>>"$VT_DIR/tcp.log" &
    pid=$!
    VT_PIDS="$VT_PIDS $pid"
    vt_wait_until test -e "$ready" || vt_fail "TCP server in $srv: no start"
    tr_in "$cli" "$TR_PYTHON" "$TR_FRAME_PY" tcp --connect="$ip:5201" \
        2>>"$VT_DIR/tcp.log" \
        || { appctl vtepd/stats | sed 's/^/    | /'
             vt_fail "TCP $cli -> $srv: $(tail -1 "$VT_DIR/tcp.log")"; }
    wait "$pid" || vt_fail "TCP server in $srv: $(tail -1 "$VT_DIR/tcp.log")"
}

test_i_tcp_offload() {
    vt_allow_log '\|WARN\|gw0: port p0 VLAN 0: dropped a [0-9]+-byte frame .* cannot be segmented '
    start
    add_ls1 source_node
    vtctl bind-ls gw0 p0 0 ls1 || vt_fail "bind-ls p0 0"
    expect_fdb ls1 "  binding p0 vlan 0"

    # The bare-metal address moves from the VLAN 100 tap (which has no
    # offload) to bm0 itself, a veth: transmit checksum offload on.  Its
    # MTU leaves room for the 50 bytes of VXLAN on a 1500-byte underlay
    # (hv1's vx0 gets 1450 from ul0 by itself).  TSO stays on as well, as
    # Linux sets it: bm0 hands vtepd's packet socket TCP super-frames of up
    # to 64 KB, which vtepd cuts at the sender's segment size
    # (gso.segmented), and hv1's vx0 sends its own into the tunnel.
    local bm
    bm=$(tr_ns bm)
    ip -n "$bm" addr del "$TR_BM_VM_IP/24" dev "bm0.$TR_VLAN" \
        || vt_fail "bm0.$TR_VLAN: addr del"
    ip -n "$bm" addr add "$TR_BM_VM_IP/24" dev bm0 || vt_fail "bm0: addr"
    ip -n "$bm" link set bm0 mtu 1450 || vt_fail "bm0: mtu"
    local ns
    for ns in bm:bm0 hv1:vx0 hv1:ul0; do
        tr_in "${ns%:*}" ethtool -k "${ns#*:}" \
            | grep -q '^tx-checksumming: on' \
            || vt_fail "$ns: transmit checksum offload is not on"
        tr_in "${ns%:*}" ethtool -k "${ns#*:}" \
            | grep -q '^tcp-segmentation-offload: on' \
            || vt_fail "$ns: TCP segmentation offload is not on"
    done
    tr_expect_ping bm "$TR_HV1_VM_IP"

    # hv1 advertises an MSS of 1000 (as a VM behind a 1040-byte link
    # would): bm0's TSO cuts at that size, and so must vtepd.  A capture
    # on hv1's vx0 counts the TCP segments that exceed it (1000 bytes of
    # payload, 20 of IP header, 32 of TCP header with timestamps).
    ip -n "$(tr_ns hv1)" route change 198.51.100.0/24 dev vx0 proto kernel \
        scope link src "$TR_HV1_VM_IP" advmss 1000 \
        || vt_fail "hv1: route advmss"
    tr_capture hv1-vx0 hv1 vx0 "tcp or ether proto $TR_CTL_TYPE"
    tr_view hv1-vx0-big hv1-vx0 "tcp and ip[2:2] > 1052"
    tr_view hv1-vx0-ctl hv1-vx0 "ether proto $TR_CTL_TYPE"

    local c0 c1 g0 g1
    c0=$(tr_stat csum.completed) || vt_fail "no counter csum.completed"
    g0=$(tr_stat gso.segmented) || vt_fail "no counter gso.segmented"
    stat_before drop.gso drop.mtu drop.truncated
    vt_log "bare metal (veth, offload on) -> hv1 VM: 4 MB, checked, and back"
    tcp_transfer hv1 "$TR_HV1_VM_IP" bm
    vt_log "hv1 VM (vxlan, offload on) -> bare metal: 4 MB, and back"
    tcp_transfer bm "$TR_BM_VM_IP" hv1
    c1=$(tr_stat csum.completed)
    vt_log "checksums completed by vtepd: $((c1 - c0))"
    [ "$c1" -gt "$c0" ] \
        || vt_fail "csum.completed did not move: offload was not in play"
    vt_log "no segment to hv1 over its MSS (1000)"
    tr_sync hv1-vx0-ctl -- ctl_trunk 0 "$TR_HV1_MAC"
    tr_check_counts hv1-vx0-big=0
    g1=$(tr_stat gso.segmented)
    vt_log "super-frames segmented by vtepd: $((g1 - g0))" \
           "($(tr_stat gso.segments) frames)"
    [ "$g1" -gt "$g0" ] \
        || vt_fail "gso.segmented did not move: TSO was not in play"
    stat_same drop.gso
    stat_same drop.mtu
    stat_same drop.truncated

    vt_log "a UDP super-frame (UDP_SEGMENT, 4 x 1000 bytes) from bm0:" \
           "not TCP, dropped as drop.gso"
    tr_in bm "$TR_PYTHON" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_UDP, 103, 1000)     # UDP_SEGMENT
s.sendto(bytes(4000), (sys.argv[1], 9))' "$TR_HV1_VM_IP" \
        || vt_fail "UDP_SEGMENT send"
    stat_after drop.gso 1
    grep -q 'cannot be segmented .*not TCP over IPv4 or IPv6.*drop\.gso' \
        "$VT_DIR/vtepd.log" || vt_fail "the drop.gso drop was not logged"
}

test_j_qinq_and_remote_mac() {
    vt_allow_log '\|WARN\|gw0: port p0: dropped a double-tagged frame '
    vt_allow_log '\|WARN\|gw0: port p0 VLAN 100: .* \(drop\.remote-mac-move\)'
    start
    add_ls1 source_node
    capture_hvs "udp dst port 4789"
    stat_before drop.qinq drop.remote-mac-move

    vt_log "double-tagged: 802.1Q, then 802.1ad, inside VLAN 100: dropped"
    tr_frame bm eth --iface=bm0 --src=$BM_SRC --dst=$TR_HV1_MAC --vlan=100 \
        --inner-vlan=7
    tr_frame bm eth --iface=bm0 --src=$BM_SRC --dst=$TR_HV1_MAC --vlan=100 \
        --inner-vlan=7 --inner-tpid=0x88a8
    vt_log "from $TR_HV1_MAC (remote, at hv1) on the trunk: dropped"
    tr_frame bm eth --iface=bm0 --src=$TR_HV1_MAC --vlan=100 --count=2

    vt_log "control frames after them: unicast to hv1, a broadcast to both"
    local ctl=02:bb:00:00:0a:01
    tr_frame bm eth --iface=bm0 --src=$BM_SRC --dst=$TR_HV1_MAC --vlan=100
    tr_frame bm eth --iface=bm0 --src=$ctl --vlan=100
    tr_expect_counts_now hv1=2 hv2=1
    stat_after drop.qinq 2
    stat_after drop.remote-mac-move 2
    grep -q 'double-tagged frame on VLAN 100' "$VT_DIR/vtepd.log" \
        || vt_fail "no QinQ drop was logged"

    vt_log "the control's source is learned; the remote MAC is not"
    vt_wait_until has_local_mac $ctl || vt_fail "$ctl was not learned"
    ! has_local_mac $TR_HV1_MAC \
        || vt_fail "remote MAC $TR_HV1_MAC became a Ucast_Macs_Local row"
    local_macs >/dev/null || vt_fail "vtep-ctl list-local-macs failed"
}

vt_run_suite "$@"

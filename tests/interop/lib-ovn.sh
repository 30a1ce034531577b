# tests/interop/lib-ovn.sh: OVN around vtepd, for tests/interop/test-ovn.sh.
#
# Source it after setting top_srcdir and top_builddir.  It sources
# tests/traffic/lib-traffic.sh (namespaces, the vlan-shim bare-metal
# server, packet counts), which sources tests/lib.sh (one temporary
# directory per case, daemons stopped by pid).  Two set-ups:
#
#   ovn_db_setup     no namespaces: OVN central, vtepd (switch sw0, ports p0
#                    and p1, tunnel IP 192.0.2.1, dummy datapath) and
#                    ovn-controller-vtep.  For the DB-level behaviours of
#                    OVN's own ovn-controller-vtep tests, with fake
#                    hypervisor chassis (ovn-sbctl chassis-add).
#
#   ovn_traffic_setup  the picture below: OVN central, a real hypervisor
#                    (ovs-vswitchd, netdev datapath, ovn-controller, VXLAN
#                    encap) with a VM, vtepd with the userspace datapath
#                    and a bare-metal server on VLAN 100 of its trunk.
#
#      root namespace (unix sockets in the case's temp dir):
#        OVN NB ovsdb-server, SB ovsdb-server, ovn-northd,
#        vtepd's ovsdb-server (hardware_vtep), ovn-controller-vtep
#
#              underlay: Linux bridge br0 in namespace "ul", 192.0.2.0/24
#     +--------------------------------+-----------------------------+
#     | ul0 192.0.2.1                  | ul0 (no IP, arp off)        |
#   +-+-----------------------+     +--+-----------------------------+--+
#   | gw                      |     | hv1  ovs-vswitchd (netdev)        |
#   |  vtepd --datapath=user  |     |   br-phys: ul0 + internal port    |
#   |   --name=gw0 --port=p0  |     |            br-phys 192.0.2.11     |
#   |   --tunnel-ip=192.0.2.1 |     |   br-int: vxlan tunnel to gw0,    |
#   +-+-----------------------+     |           port vm1                |
#     | p0: trunk (802.1Q)          |  ovn-controller (chassis hv1,     |
#     | bm0                         |   encap vxlan 192.0.2.11)         |
#   +-+-------------------------+   +--+--------------------------------+
#   | bm: bare-metal server     |      | vm1 (veth)
#   | vlan-shim: VLAN 100 <->   |   +--+------------------------------+
#   |  tap bm0.100              |   | vm1: eth0 198.51.100.11          |
#   |  198.51.100.100           |   |      02:aa:00:00:00:0b           |
#   |  02:bb:00:00:00:64        |   +----------------------------------+
#   +---------------------------+
#
#   OVN: logical switch lsw0 = { vm1 (VM, on hv1),
#                                gw0-ls0 (type vtep: gw0 / ls0, "unknown") }
#   vtep-ctl: add-ls ls0, bind-ls gw0 p0 100 ls0; ovn-controller-vtep
#   writes ls0's tunnel_key (lsw0's datapath key), replication_mode
#   source_node, Ucast_Macs_Remote for the VM's MAC and Mcast_Macs_Remote
#   unknown-dst -> {192.0.2.11}.
#
# Cleanup: tr_setup's EXIT trap stops every daemon by pid (VT_PIDS) and
# deletes the namespaces by name, whatever way the case ends.

: "${VT_TIMEOUT:=30}"
. "$top_srcdir/tests/traffic/lib-traffic.sh"

OVN_NB_SCHEMA=${OVN_NB_SCHEMA:-/usr/share/ovn/ovn-nb.ovsschema}
OVN_SB_SCHEMA=${OVN_SB_SCHEMA:-/usr/share/ovn/ovn-sb.ovsschema}
: "${OVS_VSWITCH_SCHEMA:=/usr/share/openvswitch/vswitch.ovsschema}"

OVN_HV1_IP=192.0.2.11
OVN_VM1_IP=198.51.100.11
OVN_VM1_MAC=02:aa:00:00:00:0b
OVN_LS=lsw0             # The OVN logical switch.
OVN_VTEP_LS=ls0         # vtepd's logical switch.
OVN_VTEP_LSP=gw0-ls0    # The vtep logical port naming gw0/ls0.

# Requirements.
# =============

# ovn_have PROGRAM: true if PROGRAM is an executable file in PATH.
ovn_have() {
    local p
    p=$(command -v "$1") && [ -f "$p" ] && [ -x "$p" ]
}

# ovn_require PACKAGE...: skips the case, naming the Debian package, unless
# each PACKAGE's programs are installed.
ovn_require() {
    local pkg prog progs
    for pkg in "$@"; do
        case $pkg in
            ovn-central) progs="ovn-northd ovn-nbctl ovn-sbctl" ;;
            ovn-controller-vtep) progs="ovn-controller-vtep" ;;
            ovn-host) progs="ovn-controller" ;;
            openvswitch-switch) progs="ovs-vswitchd ovs-vsctl ovs-ofctl" ;;
            openvswitch-vtep) progs="vtep-ctl" ;;
            *) vt_fail "ovn_require: unknown package $pkg" ;;
        esac
        for prog in $progs; do
            ovn_have "$prog" \
                || vt_skip "Debian package $pkg is not installed" \
                           "(no $prog; utilities/bootstrap.sh --test-peers)"
        done
    done
    local f
    for f in "$OVN_NB_SCHEMA" "$OVN_SB_SCHEMA"; do
        [ -f "$f" ] || vt_skip "$f missing (Debian package ovn-common)"
    done
}

# Daemons.
# ========

# ovn_track PIDFILE: waits for PIDFILE and adds its pid to VT_PIDS.
ovn_track() {
    vt_wait_until test -s "$1" || vt_fail "no pid file $1"
    VT_PIDS="$VT_PIDS $(cat "$1")"
}

nbctl() { ovn-nbctl --timeout=20 "$@"; }
sbctl() { ovn-sbctl --timeout=20 "$@"; }

# ovn_start_central: NB and SB ovsdb-servers and ovn-northd, all with
# their sockets in the case's directory.
ovn_start_central() {
    local db schema
    for db in nb sb; do
        schema=$OVN_NB_SCHEMA
        [ $db = sb ] && schema=$OVN_SB_SCHEMA
        ovsdb-tool create "$VT_DIR/ovn$db.db" "$schema" \
            || vt_fail "ovsdb-tool create ovn$db"
        ovsdb-server --detach --no-chdir --pidfile="$VT_DIR/ovn$db.pid" \
            --log-file="$VT_DIR/ovn$db.log" \
            --remote="punix:$VT_DIR/ovn$db.sock" \
            --unixctl="$VT_DIR/ovn$db.ctl" "$VT_DIR/ovn$db.db" \
            2>>"$VT_DIR/stderr.log" || vt_fail "ovsdb-server ovn$db"
        ovn_track "$VT_DIR/ovn$db.pid"
    done
    export OVN_NB_DB=unix:$VT_DIR/ovnnb.sock
    export OVN_SB_DB=unix:$VT_DIR/ovnsb.sock
    ovn-northd --detach --no-chdir --pidfile="$VT_DIR/ovn-northd.pid" \
        --log-file="$VT_DIR/ovn-northd.log" \
        --unixctl="$VT_DIR/ovn-northd.ctl" \
        --ovnnb-db="$OVN_NB_DB" --ovnsb-db="$OVN_SB_DB" \
        2>>"$VT_DIR/stderr.log" || vt_fail "ovn-northd did not start"
    ovn_track "$VT_DIR/ovn-northd.pid"
    nbctl --wait=sb sync || vt_fail "ovn-northd does not sync"
}

# ovn_start_cv [VTEP-DB [OPTION...]]: ovn-controller-vtep between vtepd's
# database (default $VT_DB) and the SB.  It has no --unixctl option: its
# control socket is $OVN_CV_DIR/ovn-controller-vtep.PID.ctl.
OVN_CV_PID=""
ovn_start_cv() {
    local db=${1:-$VT_DB}
    shift $(( $# > 0 ? 1 : 0 ))
    OVN_CV_DIR=$VT_DIR/cv
    mkdir -p "$OVN_CV_DIR"
    rm -f "$OVN_CV_DIR/ovn-controller-vtep.pid"
    OVS_RUNDIR=$OVN_CV_DIR OVN_RUNDIR=$OVN_CV_DIR \
        ovn-controller-vtep --detach --no-chdir \
        --pidfile="$OVN_CV_DIR/ovn-controller-vtep.pid" \
        --log-file="$VT_DIR/ovn-controller-vtep.log" -vconsole:off \
        --vtep-db="$db" --ovnsb-db="$OVN_SB_DB" "$@" \
        2>>"$VT_DIR/stderr.log" || vt_fail "ovn-controller-vtep did not start"
    OVN_CV_PID=$(cat "$OVN_CV_DIR/ovn-controller-vtep.pid")
    VT_PIDS="$VT_PIDS $OVN_CV_PID"
    vt_wait_until test -S "$OVN_CV_DIR/ovn-controller-vtep.$OVN_CV_PID.ctl" \
        || vt_fail "ovn-controller-vtep has no control socket"
}

cvctl() {
    ovs-appctl --timeout=20 \
        -t "$OVN_CV_DIR/ovn-controller-vtep.$OVN_CV_PID.ctl" "$@"
}

# ovn_stop_cv: the graceful exit, which deletes what it wrote.
ovn_stop_cv() {
    cvctl exit >/dev/null 2>&1 || vt_fail "ovn-controller-vtep: exit failed"
    vt_wait_until vt_not_running "$OVN_CV_PID" \
        || vt_fail "ovn-controller-vtep did not exit"
}

# ovn_cv_warnings: the WARN lines ovn-controller-vtep logged, from "|WARN|".
ovn_cv_warnings() {
    sed -n 's/^.*\(|WARN|.*\)$/\1/p' "$VT_DIR/ovn-controller-vtep.log"
}

# SB helpers.
# ===========

# sb_pb_chassis PORT: the name of the chassis PORT is bound to, or "".
sb_pb_chassis() {
    local ch
    ch=$(sbctl --bare --columns=chassis find Port_Binding \
         logical_port="$1" 2>/dev/null)
    [ -n "$ch" ] || return 0
    sbctl --bare --columns=name list Chassis "$ch" 2>/dev/null
}

# sb_dp_key PORT: the tunnel key of PORT's datapath.
sb_dp_key() {
    local dp
    dp=$(sbctl --bare --columns=datapath find Port_Binding \
         logical_port="$1" 2>/dev/null)
    [ -n "$dp" ] || return 1
    sbctl --bare --columns=tunnel_key list Datapath_Binding "$dp"
}

# sb_vtep_lswitches CHASSIS: Chassis:vtep_logical_switches, sorted, one line.
sb_vtep_lswitches() {
    sbctl --bare --columns=vtep_logical_switches find Chassis \
        name="$1" 2>/dev/null | tr ' ' '\n' | sort | xargs
}

# ovn_add_vtep_lsp LSWITCH PORT PSWITCH VTEP_LS: a vtep logical port, as
# OVN's tests and ovn-controller-vtep(8) describe it.
ovn_add_vtep_lsp() {
    nbctl lsp-add "$1" "$2" -- lsp-set-type "$2" vtep \
        -- lsp-set-options "$2" vtep-physical-switch="$3" \
           vtep-logical-switch="$4" \
        -- lsp-set-addresses "$2" unknown \
        || vt_fail "lsp-add $2 (vtep $3/$4)"
}

# VTEP database helpers.
# ======================

# vt_macs TABLE [LS]: the MACs of TABLE (Ucast_Macs_Remote, ...), sorted,
# one line, of logical switch LS or of all.
vt_macs() {
    local table=$1 ls uuid
    if [ $# -gt 1 ]; then
        uuid=$(vtctl --bare --columns=_uuid find Logical_Switch name="$2")
        [ -n "$uuid" ] || return 1
        vtctl --bare --columns=MAC find "$table" logical_switch="$uuid"
    else
        vtctl --bare --columns=MAC list "$table"
    fi | grep . | sort | xargs
}

vt_ls_key() {
    vtctl --bare --columns=tunnel_key find Logical_Switch name="$1"
}

# vt_locator_ips SET_UUID: the dst_ip of each locator of a set, sorted.
vt_locator_ips() {
    local l
    for l in $(vtctl --bare --columns=locators list Physical_Locator_Set \
               "$1"); do
        vtctl --bare --columns=dst_ip list Physical_Locator "$l"
    done | sort -V | xargs
}

# vt_mmr_ips LS: the locators of LS's unknown-dst Mcast_Macs_Remote.
vt_mmr_ips() {
    local uuid set
    uuid=$(vtctl --bare --columns=_uuid find Logical_Switch name="$1")
    set=$(vtctl --bare --columns=locator_set find Mcast_Macs_Remote \
          logical_switch="$uuid" MAC=unknown-dst)
    [ -n "$set" ] || return 0
    vt_locator_ips "$set"
}

# expect_eq WANT CMD...: polls CMD until it prints WANT, or fails naming
# WHAT it printed.
expect_eq() {
    local want=$1
    shift
    vt_wait_output "$want" "$@" || vt_fail "$*: not \"$want\""
}

# vtepd's state.
# ==============

# fdb_has LS LINE...: true if vtepd/dump-fdb LS shows each LINE.
fdb_has() {
    local ls=$1 t line
    shift
    t=$(appctl vtepd/dump-fdb "$ls" 2>&1) || return 1
    for line in "$@"; do
        printf '%s\n' "$t" | grep -qxF -- "$line" || return 1
    done
}

expect_fdb() {
    vt_wait_until fdb_has "$@" || {
        vt_log "vtepd/dump-fdb $1:"
        appctl vtepd/dump-fdb "$1" 2>&1 | sed 's/^/    | /'
        vt_fail "the datapath lacks: ${*:2}"
    }
}

# ps_faults: switch_fault_status of vtepd's switch ($OVN_PS).
ps_faults() { vtctl get Physical_Switch "$OVN_PS" switch_fault_status; }

# no_faults: vtepd reports no switch or port fault.
no_faults() {
    [ "$(ps_faults)" = "[]" ] || return 1
    local p
    for p in $(vtctl list-ports "$OVN_PS" 2>/dev/null); do
        [ -z "$(port_faults "$p" | tr -d '[]')" ] || return 1
    done
}

# expect_no_faults: vtepd is alive (its barrier), and its faults clear
# (a controller's next write may end a conflict that vtepd reported).
expect_no_faults() {
    vt_barrier
    vt_wait_until no_faults || {
        vt_log "vtepd/show:"; appctl vtepd/show 2>&1 | sed 's/^/    | /'
        vt_fail "vtepd reports faults: switch $(ps_faults)"
    }
}

# The DB-level set-up.
# ====================

# ovn_db_setup: OVN central, vtepd for sw0 (dummy datapath, p0 and p1),
# ovn-controller-vtep; waits for the chassis sw0.
ovn_db_setup() {
    ovn_require ovn-central ovn-controller-vtep openvswitch-vtep
    OVN_PS=sw0
    ovn_start_central
    vt_start_ovsdb
    vt_start_vtepd
    ovn_start_cv
    vt_wait_until sbctl get Chassis sw0 name \
        || vt_fail "ovn-controller-vtep made no chassis sw0"
}

# The traffic set-up.
# ===================

# hvctl NAME ARG...: ovs-vsctl on hypervisor NAME's database.
hvctl() {
    local name=$1
    shift
    ovs-vsctl --timeout=20 --db="unix:$VT_DIR/$name/db.sock" "$@"
}

hv_appctl() {
    local name=$1
    shift
    ovs-appctl --timeout=20 -t "$VT_DIR/$name/ovs-vswitchd.ctl" "$@"
}

# hv_ofctl NAME CMD...: ovs-ofctl against hypervisor NAME's bridge socket.
hv_ofctl() {
    local name=$1 cmd=$2 br=$3
    shift 3
    ovs-ofctl "$cmd" "unix:$VT_DIR/$name/$br.mgmt" "$@"
}

# ovn_hypervisor NAME IP: namespace NAME with its own ovsdb-server,
# ovs-vswitchd (netdev datapath) and ovn-controller (chassis NAME, encap
# vxlan IP), per OVS's userspace-tunneling howto: the underlay veth ul0 is a
# port of br-phys and IP is on br-phys's internal port.
ovn_hypervisor() {
    local name=$1 ip=$2 dir=$VT_DIR/$1 ns ul
    ns=$(tr_ns "$name")
    ul=$(tr_ns ul)
    mkdir -p "$dir"
    tr_ns_add "$name"
    ip -n "$ul" link add name "$name" type veth peer name ul0 netns "$ns" \
        || vt_fail "veth $name-ul0"
    ip -n "$ul" link set "$name" master br0 up || vt_fail "$name: br0"
    # OVS owns ul0: the kernel must not answer ARP on it.
    ip -n "$ns" link set ul0 arp off up || vt_fail "$name: ul0 up"
    tr_in "$name" ethtool -K ul0 tx off >/dev/null 2>&1

    ovsdb-tool create "$dir/conf.db" "$OVS_VSWITCH_SCHEMA" \
        || vt_fail "$name: ovsdb-tool create"
    ovsdb-server --detach --no-chdir --pidfile="$dir/ovsdb.pid" \
        --log-file="$dir/ovsdb.log" --remote="punix:$dir/db.sock" \
        --unixctl="$dir/ovsdb.ctl" "$dir/conf.db" 2>>"$VT_DIR/stderr.log" \
        || vt_fail "$name: ovsdb-server"
    ovn_track "$dir/ovsdb.pid"
    hvctl "$name" --no-wait init || vt_fail "$name: ovs-vsctl init"
    ip netns exec "$ns" env OVS_RUNDIR="$dir" OVS_DBDIR="$dir" \
        OVS_LOGDIR="$dir" OVS_SYSCONFDIR="$dir" \
        ovs-vswitchd --detach --no-chdir --pidfile="$dir/ovs-vswitchd.pid" \
        --log-file="$dir/ovs-vswitchd.log" \
        --unixctl="$dir/ovs-vswitchd.ctl" -vconsole:off \
        "unix:$dir/db.sock" 2>>"$VT_DIR/stderr.log" \
        || vt_fail "$name: ovs-vswitchd did not start"
    ovn_track "$dir/ovs-vswitchd.pid"

    hvctl "$name" add-br br-phys \
        -- set Bridge br-phys datapath_type=netdev \
        -- add-port br-phys ul0 \
        -- add-br br-int \
        -- set Bridge br-int datapath_type=netdev fail-mode=secure \
           other-config:disable-in-band=true \
        || vt_fail "$name: bridges"
    vt_wait_until ip -n "$ns" link show br-phys \
        || vt_fail "$name: no br-phys device"
    ip -n "$ns" addr add "$ip/24" dev br-phys
    ip -n "$ns" link set br-phys up || vt_fail "$name: br-phys up"
    vt_wait_until eval \
        "hv_appctl $name ovs/route/show | grep -q '${ip%.*}.0/24'" \
        || vt_fail "$name: OVS did not learn the underlay route"

    hvctl "$name" set Open_vSwitch . \
        external_ids:system-id="$name" \
        external_ids:ovn-remote="$OVN_SB_DB" \
        external_ids:ovn-encap-type=vxlan \
        external_ids:ovn-encap-ip="$ip" \
        external_ids:ovn-bridge=br-int \
        external_ids:ovn-bridge-datapath-type=netdev \
        || vt_fail "$name: OVN settings"
    ip netns exec "$ns" env OVS_RUNDIR="$dir" OVN_RUNDIR="$dir" \
        OVS_LOGDIR="$dir" OVN_LOGDIR="$dir" \
        ovn-controller --detach --no-chdir \
        --pidfile="$dir/ovn-controller.pid" \
        --log-file="$dir/ovn-controller.log" -vconsole:off \
        "unix:$dir/db.sock" 2>>"$VT_DIR/stderr.log" \
        || vt_fail "$name: ovn-controller did not start"
    ovn_track "$dir/ovn-controller.pid"
    vt_wait_until sbctl get Chassis "$name" name \
        || vt_fail "$name: no chassis in the SB"
}

# ovn_vm HV NAME IP MAC: namespace NAME with eth0 (IP, MAC), whose veth
# peer NAME is a port of HV's br-int with iface-id NAME.
ovn_vm() {
    local hv=$1 name=$2 ip=$3 mac=$4 ns
    ns=$(tr_ns "$name")
    tr_ns_add "$name"
    ip -n "$(tr_ns "$hv")" link add name "$name" type veth \
        peer name eth0 netns "$ns" || vt_fail "veth $name"
    ip -n "$(tr_ns "$hv")" link set "$name" up
    ip -n "$ns" link set eth0 address "$mac" || vt_fail "$name: address"
    ip -n "$ns" addr add "$ip/24" dev eth0
    ip -n "$ns" link set eth0 up || vt_fail "$name: eth0 up"
    tr_in "$name" ethtool -K eth0 tx off >/dev/null 2>&1
    hvctl "$hv" add-port br-int "$name" \
        -- set Interface "$name" external_ids:iface-id="$name" \
        || vt_fail "$hv: add-port $name"
}

# ovn_traffic_setup [VTEPD-OPTION...]: the whole picture at the top, with
# the OVN logical switch and vtepd's ls0, waiting until every part has
# done its share: the ports are bound, vtepd's datapath holds the VM's MAC
# and the flood entry, and ovn-controller has its flow for gw0's traffic.
ovn_traffic_setup() {
    ovn_traffic_topology "$@"
    ovn_add_vtep_lsp "$OVN_LS" "$OVN_VTEP_LSP" gw0 "$OVN_VTEP_LS"
    ovn_bind_ls0
    ovn_expect_ready
}

# ovn_bind_ls0: vtep-ctl add-ls ls0, bind-ls gw0 p0 100 ls0.
ovn_bind_ls0() {
    vtctl add-ls "$OVN_VTEP_LS" -- bind-ls gw0 p0 "$TR_VLAN" "$OVN_VTEP_LS" \
        || vt_fail "vtep-ctl add-ls/bind-ls"
}

# ovn_traffic_topology [VTEPD-OPTION...]: the picture without the vtep
# logical port and without vtepd's ls0: OVN's lsw0 holds the VM only.
ovn_traffic_topology() {
    tr_setup vto
    ovn_require ovn-central ovn-controller-vtep ovn-host \
        openvswitch-switch openvswitch-vtep
    tr_require
    OVN_PS=gw0
    local name
    for name in ul gw; do
        tr_ns_add "$name"
    done
    ip -n "$(tr_ns ul)" link add name br0 type bridge \
        || vt_fail "underlay bridge"
    ip -n "$(tr_ns ul)" link set br0 up
    tr_underlay_attach gw "$TR_GW_IP"
    tr_bare_metal
    ovn_start_central
    vt_start_ovsdb
    tr_start_vtepd "$@"
    ovn_start_cv
    ovn_hypervisor hv1 "$OVN_HV1_IP"
    ovn_vm hv1 vm1 "$OVN_VM1_IP" "$OVN_VM1_MAC"

    nbctl ls-add "$OVN_LS" \
        -- lsp-add "$OVN_LS" vm1 \
        -- lsp-set-addresses vm1 "$OVN_VM1_MAC $OVN_VM1_IP" \
        || vt_fail "OVN logical switch"
    expect_eq hv1 sb_pb_chassis vm1
}

# ovn_expect_ready: waits until OVN and vtepd agree on everything.
ovn_expect_ready() {
    expect_eq hv1 sb_pb_chassis vm1
    expect_eq gw0 sb_pb_chassis "$OVN_VTEP_LSP"
    local key
    key=$(sb_dp_key "$OVN_VTEP_LSP") || vt_fail "no datapath key"
    expect_eq "$key" vt_ls_key "$OVN_VTEP_LS"
    expect_fdb "$OVN_VTEP_LS" "  binding p0 vlan $TR_VLAN" \
        "  ucast $OVN_VM1_MAC -> $OVN_HV1_IP" \
        "  flood unknown-dst -> $OVN_HV1_IP"
    vt_wait_until hv_has_vtep_flow hv1 || {
        hv_ofctl hv1 dump-flows br-int table=0 | sed 's/^/    | /'
        vt_fail "hv1: no flow for traffic from the vtep gateway"
    }
}

# hv_has_vtep_flow HV: HV's br-int classifies VXLAN from a VTEP gateway
# (OVN's table 0, priority 110, matching tun_id and the tunnel port).
hv_has_vtep_flow() {
    hv_ofctl "$1" dump-flows br-int table=0 | grep -q 'priority=110,tun_id='
}

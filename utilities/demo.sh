#!/bin/bash
# demo.sh: vtepd forwarding real traffic in a sandbox, from a fresh clone
# (the README's main command).  Run as root on Debian 12.
#
# It installs what it needs, builds vtepd (as run-tests.sh does), and
# builds this in private network namespaces (tests/traffic/lib-traffic.sh):
#
#    bare-metal server          gateway                  hypervisors
#    198.51.100.100   VLAN 100  vtepd --datapath=user    hv1: vxlan VNI 5000,
#    (bm0.100) ---- 802.1Q ---- p0      tunnel IP  ---+-- VM 198.51.100.11
#                     trunk             192.0.2.1     +-- hv2: vxlan VNI 5000,
#                                      (underlay        VM 198.51.100.12
#                                       bridge)
#
# The hypervisors are plain Linux vxlan devices, as a hypervisor's
# kernel would have them.  A private ovsdb-server holds the hardware_vtep
# database; the demo plays the controller with vtep-ctl: a logical switch
# with VNI 5000 bound to VLAN 100 of trunk port p0, the VMs' MACs, the
# unknown-dst flood set.  Then it pings both ways, shows the MACs vtepd
# learned on the trunk, its counters, how a bad row is reported, and
# removes everything it made (namespaces, processes, files), also on
# Ctrl-C or failure.
#
# VTEPD_BUILDDIR=DIR uses (and builds) another build directory than _build.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
builddir=${VTEPD_BUILDDIR:-$top/_build}

if [ "$(id -u)" != 0 ]; then
    echo "demo: run me as root (network namespaces)" >&2
    exit 1
fi

bash "$top/utilities/bootstrap.sh" --test-peers || exit 1
(
    cd "$top" || exit 1
    if [ ! -x configure ] || [ configure.ac -nt configure ] \
       || [ Makefile.am -nt Makefile.in ]; then
        autoreconf -fi >/dev/null 2>&1 || { autoreconf -fi; exit 1; }
    fi
    mkdir -p "$builddir" && cd "$builddir" || exit 1
    if [ ! -f Makefile ]; then
        "$top/configure" --enable-Werror >configure.log 2>&1 \
            || { tail -30 configure.log; exit 1; }
    fi
    make -j"$(nproc)" >build.log 2>&1 || { tail -40 build.log; exit 1; }
) || exit 1
echo "demo: vtepd built in $builddir"

top_srcdir=$top
top_builddir=$builddir
. "$top/tests/traffic/lib-traffic.sh"

step() { printf '\n=== %s\n' "$*"; }
say() { printf '%s\n' "$*"; }
# show CMD...: prints and runs a command, as an operator would type it.
show() { printf '$ %s\n' "$*"; "$@" 2>&1 | sed 's/^/  /'; }
show_vtctl() {
    printf '$ vtep-ctl %s\n' "$*"
    vtctl "$@" 2>&1 | sed 's/^/  /'
}
show_appctl() {
    printf '$ ovs-appctl -t vtepd %s\n' "$*"
    appctl "$@" 2>&1 | sed 's/^/  /'
}
# show_in NAME CMD...: the same, in namespace NAME.
show_in() {
    local name=$1
    shift
    printf '[%s]$ %s\n' "$name" "$*"
    tr_in "$name" "$@" 2>&1 | sed 's/^/  /'
}

demo_cleanup() {
    tr_cleanup
    echo "demo: cleaned up (namespaces $TR_PREFIX-*, processes, $VT_DIR)"
}

vt_setup
tr_setup vtdemo
trap demo_cleanup EXIT

step "building the sandbox: namespaces $TR_PREFIX-{gw,bm,hv1,hv2,ul,rogue}"
tr_topology
vt_start_ovsdb
tr_start_vtepd
say "ovsdb-server and vtepd run; vtepd's log is $VT_DIR/vtepd.log"
show_in gw "$VTEPD" --version

step "vtepd published its switch, ports and tunnel IP"
show_vtctl list-ps
show_vtctl list-ports gw0
show_vtctl get Physical_Switch gw0 tunnel_ips

step "the controller: logical switch ls-web, VNI 5000, on VLAN 100 of p0"
show_vtctl add-ls ls-web
show_vtctl set Logical_Switch ls-web tunnel_key=5000 \
    replication_mode=source_node
show_vtctl bind-ls gw0 p0 100 ls-web
say "(source_node: vtepd itself sends a copy of each broadcast to every"
say " hypervisor of the flood set; service_node would send one copy to one"
say " service node)"

step "... the VMs' MACs on their hypervisors, and the flood set"
show_vtctl add-ucast-remote ls-web "$TR_HV1_MAC" "$TR_HV1_IP"
show_vtctl add-ucast-remote ls-web "$TR_HV2_MAC" "$TR_HV2_IP"
show_vtctl add-mcast-remote ls-web unknown-dst "$TR_HV1_IP"
show_vtctl add-mcast-remote ls-web unknown-dst "$TR_HV2_IP"
expect_fdb ls-web "  flood unknown-dst -> $TR_HV1_IP $TR_HV2_IP"
show_appctl vtepd/dump-fdb ls-web

step "pings from the bare-metal server (VLAN 100) to the VMs"
say "(the first ARP request goes out as a broadcast to both hypervisors)"
tr_expect_ping bm "$TR_HV1_VM_IP"
show_in bm ping -n -c 3 -i 0.3 "$TR_HV1_VM_IP"
show_in bm ping -n -c 3 -i 0.3 "$TR_HV2_VM_IP"

step "pings from the VMs to the bare-metal server"
show_in hv1 ping -n -c 3 -i 0.3 "$TR_BM_VM_IP"
show_in hv2 ping -n -c 3 -i 0.3 "$TR_BM_VM_IP"

step "VM to VM goes nowhere: vtepd never sends a tunnel's traffic back"
show_in hv1 ping -n -c 2 -W 1 "$TR_HV2_VM_IP"

step "MACs vtepd learned on its trunk port (Ucast_Macs_Local)"
if ! vt_wait_until eval 'vtctl list-local-macs ls-web | grep -qi "$TR_BM_MAC"'
then
    say "(the bare-metal server's MAC $TR_BM_MAC is not there yet)"
fi
show_vtctl list-local-macs ls-web

step "vtepd's counters (drop counters that are 0 left out)"
printf '$ ovs-appctl -t vtepd vtepd/stats\n'
appctl vtepd/stats | grep -v '^ *drop\..*: 0$' | sed 's/^/  /'

step "a buggy controller writes a bad MAC: reported, not applied"
show_vtctl -- --id=@ls get Logical_Switch ls-web \
    -- --id=@l create Physical_Locator \
    encapsulation_type=vxlan_over_ipv4 dst_ip=192.0.2.13 \
    -- create Ucast_Macs_Remote MAC='"52:54:00:zz:00:03"' \
    logical_switch=@ls locator=@l
vt_wait_until eval '[ "$(vtctl get Physical_Switch gw0 \
                            switch_fault_status)" != "[]" ]'
show_vtctl get Physical_Switch gw0 switch_fault_status
say "... and traffic carries on:"
show_in bm ping -n -c 2 -i 0.3 "$TR_HV2_VM_IP"
bad=$(vtctl --bare --columns=_uuid find Ucast_Macs_Remote \
      'MAC="52:54:00:zz:00:03"')
show_vtctl destroy Ucast_Macs_Remote "$bad"
vt_wait_output '[]' vtctl get Physical_Switch gw0 switch_fault_status
show_vtctl get Physical_Switch gw0 switch_fault_status

echo
echo "demo: vtepd log (warnings and up):"
grep -E '\|(WARN|ERR|EMER)\|' "$VT_DIR/vtepd.log" | sed 's/^/  /'
echo

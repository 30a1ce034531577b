#!/bin/bash
# demo.sh: vtepd in a sandbox, from a fresh clone (the README's main
# command).  Run as root on Debian 12.
#
# It installs what it needs, builds vtepd, starts a private ovsdb-server
# with the hardware_vtep schema and a vtepd serving switch "gw0" (trunk
# ports p0 and p1, tunnel IP 192.0.2.1), then plays a controller with
# vtep-ctl: a logical switch with VNI 5000 bound to VLAN 100 on p0, remote
# MACs of two hypervisors, the unknown-dst flood set, a VM migration, a bad
# row and its fix.  After each step it shows what the switch published and
# what its datapath holds, and it cleans up everything it started.
#
# This milestone shows the control plane on the dummy datapath (which
# records every operation); traffic through the userspace datapath joins
# the demo with it.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)

bash "$top/utilities/bootstrap.sh" --test-peers || exit 1
if [ ! -x "$top/_build/vtepd/vtepd" ]; then
    (cd "$top" && [ -x configure ] || autoreconf -fi >/dev/null 2>&1)
    mkdir -p "$top/_build"
    (cd "$top/_build" && { [ -f Makefile ] || ../configure >/dev/null; } \
         && make -j"$(nproc)" >/dev/null) || exit 1
fi

dir=$(mktemp -d /tmp/vtepd-demo.XXXXXX)
export OVS_RUNDIR=$dir OVS_LOGDIR=$dir OVS_DBDIR=$dir
pids=""
cleanup() {
    for pid in $pids; do kill "$pid" 2>/dev/null; done
    sleep 0.5
    rm -rf "$dir"
    echo "demo: cleaned up"
}
trap cleanup EXIT

db=unix:$dir/db.sock
vtctl() { vtep-ctl --db="$db" "$@"; }
appctl() { ovs-appctl -t "$dir/vtepd.ctl" "$@"; }
step() { printf '\n=== %s\n' "$*"; sleep 0.5; }
run() { printf '$ %s\n' "$*"; "$@"; }

ovsdb-tool create "$dir/vtep.db" /usr/share/openvswitch/vtep.ovsschema
ovsdb-server --detach --no-chdir --pidfile="$dir/ovsdb.pid" \
    --log-file="$dir/ovsdb.log" --remote="punix:$dir/db.sock" \
    "$dir/vtep.db" 2>/dev/null
pids="$pids $(cat "$dir/ovsdb.pid")"
"$top/_build/vtepd/vtepd" --detach --no-chdir --pidfile="$dir/vtepd.pid" \
    --log-file="$dir/vtepd.log" --unixctl="$dir/vtepd.ctl" \
    --name=gw0 --description="demo gateway" --tunnel-ip=192.0.2.1 \
    --management-ip=198.51.100.1 --port=p0 --port=p1 --datapath=dummy \
    "$db" 2>/dev/null
pids="$pids $(cat "$dir/vtepd.pid")"
sleep 1

step "vtepd published its switch"
run vtctl list-ps
run vtctl list-ports gw0
run vtctl get Physical_Switch gw0 tunnel_ips

step "a controller creates logical switch ls-web (VNI 5000), binds VLAN 100"
run vtctl add-ls ls-web -- set Logical_Switch ls-web tunnel_key=5000 \
    -- bind-ls gw0 p0 100 ls-web
step "... adds VM MACs on two hypervisors and the flood set"
run vtctl add-ucast-remote ls-web 52:54:00:00:00:01 10.0.0.11 \
    -- add-ucast-remote ls-web 52:54:00:00:00:02 10.0.0.12 \
    -- add-mcast-remote ls-web unknown-dst 10.0.0.11 \
    -- add-mcast-remote ls-web unknown-dst 10.0.0.12
sleep 0.5
run appctl vtepd/dump-fdb ls-web
step "a VM migrates to the other hypervisor (locator update)"
run vtctl add-ucast-remote ls-web 52:54:00:00:00:01 10.0.0.12
sleep 0.5
run appctl vtepd/dump-fdb ls-web
step "a buggy controller writes a bad MAC: reported, not applied"
run vtctl -- --id=@ls get Logical_Switch ls-web \
    -- --id=@l create Physical_Locator \
    encapsulation_type=vxlan_over_ipv4 dst_ip=10.0.0.13 \
    -- create Ucast_Macs_Remote MAC='"52:54:00:zz:00:03"' \
    logical_switch=@ls locator=@l
sleep 0.5
run vtctl get Physical_Switch gw0 switch_fault_status
run appctl vtepd/show
step "every operation the datapath received"
run appctl vtepd/dump-ops
step "the bad row is removed: the fault clears"
run vtctl --if-exists destroy Ucast_Macs_Remote \
    "$(vtctl --bare --columns=_uuid find Ucast_Macs_Remote \
       'MAC="52:54:00:zz:00:03"')"
sleep 0.5
run vtctl get Physical_Switch gw0 switch_fault_status
echo
echo "demo: vtepd log (warnings and up):"
grep -E '\|(WARN|ERR|INFO)\|' "$dir/vtepd.log" | sed 's/^/  /'

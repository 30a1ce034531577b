#!/bin/bash
# bench-forward.sh: forwarding rate of vtepd's userspace datapath, measured
# against the Linux kernel's own path in the same run.
#
# This is a measurement, not a test.  It builds two copies of the gateway
# topology in network namespaces of its own, one per path, and drives each
# with trafgen (Debian netsniff-ng) on one core:
#
#   bm namespace          gw namespace                        hv namespace
#   +---------+  veth  +-----------------------------+  veth  +------------+
#   | gen0    |--------| p0 (trunk)          ul0     |--------| hv0        |
#   | trafgen |        |  |   10.99.0.1/24 (tunnel IP)|        | 10.99.0.2  |
#   | counter |        |  +-- vtepd --datapath=user  |        | vx0: vxlan |
#   +---------+        |      (VLAN 100 -> ls1, VNI  |        | VNI 5000,  |
#    00:00:5e:00:53:01 |       5000), or, kernel:    |        | counter,   |
#                      |      br0 { p0, vx0 vxlan }  |        | trafgen    |
#                      +-----------------------------+        +------------+
#                            remote MAC 00:00:5e:00:53:02 -> 10.99.0.2
#
#   port->tunnel  trafgen on gen0 sends SIZE-byte frames (802.1Q VLAN 100,
#                 ethertype 0x88b5) to the remote MAC; counted: valid VXLAN
#                 VNI 5000 packets arriving at hv's vx0 (rx_packets).
#                 The kernel path gets the same tagged frames; its bridge
#                 (no vlan_filtering) carries the tag inside VXLAN.
#   tunnel->port  trafgen on hv0 sends VXLAN packets (outer UDP checksum 0)
#                 from 10.99.0.2 to 10.99.0.1:4789, VNI 5000, carrying an
#                 untagged (SIZE-4)-byte frame to the bare-metal MAC;
#                 counted: rx_packets of gen0.  vtepd sends it out p0 with
#                 VLAN 100 (SIZE bytes); the kernel path sends it untagged.
#
# SIZE is the Ethernet frame on the trunk as written by trafgen, without the
# FCS.  Each point runs --runs times for --duration seconds (after a 1 s
# warm-up), kernel and vtepd alternating; the best run of each is reported,
# because the machine is shared.  vtepd runs pinned to --vtepd-cpu, trafgen
# to --gen-cpu; the kernel path forwards in trafgen's own softirq context.
#
# Run as root on Debian 12 after building (for example after
# "bash utilities/run-tests.sh", which builds into _build):
#   bash utilities/bench-forward.sh [--duration=5] [--sizes=64,1400]
#       [--directions=p2t,t2p] [--runs=3] [--vtepd=_build/vtepd/vtepd]
#       [--gen-cpu=0] [--vtepd-cpu=1] [--kernel-only] [--keep]
# Exit status: 0 when every point was measured (whatever the numbers), 1
# when the setup failed or a path forwarded nothing.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)

duration=5
sizes=64,1400
directions=p2t,t2p
runs=3
vtepd_bin=$top/_build/vtepd/vtepd
gen_cpu=0
dp_cpu=1
kernel_only=false
keep=false

usage() {
    sed -n '/^# Run as root/,/^# when the setup/p' "$0" | sed 's/^# \{0,1\}//'
    exit "${1:-0}"
}

die() {
    echo "bench-forward: $*" >&2
    exit 1
}

while [ $# -gt 0 ]; do
    opt=$1
    shift
    case $opt in
        --*=*) val=${opt#*=}; opt=${opt%%=*} ;;
        --duration|--sizes|--directions|--runs|--vtepd|--gen-cpu|--vtepd-cpu)
            [ $# -gt 0 ] || die "$opt needs a value"
            val=$1; shift ;;
        *) val= ;;
    esac
    case $opt in
        --duration) duration=$val ;;
        --sizes) sizes=$val ;;
        --directions) directions=$val ;;
        --runs) runs=$val ;;
        --vtepd) vtepd_bin=$val ;;
        --gen-cpu) gen_cpu=$val ;;
        --vtepd-cpu) dp_cpu=$val ;;
        --kernel-only) kernel_only=true ;;
        --keep) keep=true ;;
        -h|--help) usage 0 ;;
        *) echo "bench-forward: unknown option $opt" >&2; usage 1 >&2 ;;
    esac
done

. "$(dirname "$0")/bench-lib.sh"
is_uint "$duration" && [ "$duration" -ge 1 ] || die "bad --duration"
is_uint "$runs" && [ "$runs" -ge 1 ] || die "bad --runs"
is_uint "$gen_cpu" && is_uint "$dp_cpu" || die "bad --gen-cpu/--vtepd-cpu"
size_list=${sizes//,/ }
for s in $size_list; do
    # 60 is Ethernet's minimum without the FCS; 1464 keeps the kernel
    # path's encapsulated, still tagged frame within a 1500-byte MTU.
    is_uint "$s" && [ "$s" -ge 60 ] && [ "$s" -le 1464 ] \
        || die "bad size $s (60..1464)"
done
dir_list=
for d in ${directions//,/ }; do
    case $d in
        p2t|port-to-tunnel) dir_list="$dir_list p2t" ;;
        t2p|tunnel-to-port) dir_list="$dir_list t2p" ;;
        *) die "bad direction $d (p2t or t2p)" ;;
    esac
done
[ -n "$dir_list" ] || die "no direction"

[ "$(id -u)" -eq 0 ] || die "must run as root"
for cmd in ip bridge trafgen taskset timeout ovsdb-tool ovsdb-server \
           vtep-ctl ovs-appctl awk; do
    command -v "$cmd" >/dev/null \
        || die "$cmd not found (utilities/bootstrap.sh --test-peers)"
done
ncpu=$(nproc)
[ "$gen_cpu" -lt "$ncpu" ] && [ "$dp_cpu" -lt "$ncpu" ] \
    || die "--gen-cpu/--vtepd-cpu must be below $ncpu"
[ "$gen_cpu" -ne "$dp_cpu" ] || echo "bench-forward: warning:" \
    "trafgen and vtepd share CPU $gen_cpu" >&2

if ! $kernel_only; then
    [ -x "$vtepd_bin" ] || die "$vtepd_bin not found: build vtepd first" \
        "(bash utilities/run-tests.sh) or say --vtepd=PATH"
    vtepd_bin=$(cd "$(dirname "$vtepd_bin")" && pwd)/$(basename "$vtepd_bin")
    schema=$(dirname "$vtepd_bin")/../schema/vtep.ovsschema
    [ -f "$schema" ] || schema=/usr/share/openvswitch/vtep.ovsschema
    [ -f "$schema" ] || die "no vtep.ovsschema next to $vtepd_bin"
fi

# Addresses and names, the same in both copies of the topology.
TUN_GW=10.99.0.1
TUN_HV=10.99.0.2
VNI=5000
VLAN=100
BM_MAC=00:00:5e:00:53:01
REMOTE_MAC=00:00:5e:00:53:02
UL_MAC=02:00:5e:00:53:11       # gw's underlay veth
HV_MAC=02:00:5e:00:53:12       # hv's underlay veth
hz=$(getconf CLK_TCK)

tag=vbf$$
work=$(mktemp -d "/tmp/bench-forward.XXXXXX") || die "mktemp"
namespaces=""
trafgen_pid=""
ovsdb_pid=""
vtepd_pid=""

cleanup() {
    local ns
    trap - EXIT INT TERM
    if [ -n "$trafgen_pid" ]; then
        kill "$trafgen_pid" 2>/dev/null
        wait "$trafgen_pid" 2>/dev/null
    fi
    if [ -n "$vtepd_pid" ]; then
        ovs-appctl --timeout=5 -t "$work/vtepd.ctl" exit >/dev/null 2>&1 \
            || kill "$vtepd_pid" 2>/dev/null
        stop_pid "$vtepd_pid"
    fi
    if [ -n "$ovsdb_pid" ]; then
        kill "$ovsdb_pid" 2>/dev/null
        stop_pid "$ovsdb_pid"
    fi
    for ns in $namespaces; do
        ip netns del "$ns" 2>/dev/null
    done
    if $keep; then
        echo "bench-forward: kept $work" >&2
    else
        rm -rf "$work"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

progress() { echo "bench-forward: $*" >&2; }
dir_name() { [ "$1" = p2t ] && echo "port->tunnel" || echo "tunnel->port"; }
path_name() { [ "$1" = k ] && echo "kernel path" || echo vtepd; }
fmt_k() { awk -v n="$1" 'BEGIN { printf "%.1fk", n / 1000 }'; }

# topo PREFIX KIND: the three namespaces PREFIX-bm, PREFIX-gw, PREFIX-hv;
# KIND "kernel" also builds the bridge and vxlan device in PREFIX-gw.
topo() {
    local p=$1 kind=$2 ns
    for ns in "$p-bm" "$p-gw" "$p-hv"; do
        ip netns add "$ns" || return 1
        namespaces="$namespaces $ns"
        nsx "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
            net.ipv6.conf.default.disable_ipv6=1 || return 1
        ip -n "$ns" link set lo up || return 1
    done
    ip link add gen0 netns "$p-bm" type veth peer name p0 netns "$p-gw" \
        && ip link add ul0 netns "$p-gw" type veth peer name hv0 \
               netns "$p-hv" \
        && ip -n "$p-bm" link set gen0 address $BM_MAC up \
        && ip -n "$p-gw" link set p0 up \
        && ip -n "$p-gw" link set ul0 address $UL_MAC up \
        && ip -n "$p-gw" addr add $TUN_GW/24 dev ul0 \
        && ip -n "$p-gw" neigh replace $TUN_HV lladdr $HV_MAC dev ul0 \
               nud permanent \
        && ip -n "$p-hv" link set hv0 address $HV_MAC up \
        && ip -n "$p-hv" addr add $TUN_HV/24 dev hv0 \
        && ip -n "$p-hv" neigh replace $TUN_GW lladdr $UL_MAC dev hv0 \
               nud permanent \
        && ip -n "$p-hv" link add vx0 type vxlan id $VNI local $TUN_HV \
               dstport 4789 nolearning noudpcsum \
        && ip -n "$p-hv" link set vx0 up \
        || return 1
    [ "$kind" = kernel ] || return 0
    ip -n "$p-gw" link add br0 type bridge \
        && ip -n "$p-gw" link add vx0 type vxlan id $VNI local $TUN_GW \
               dstport 4789 nolearning noudpcsum \
        && ip -n "$p-gw" link set vx0 master br0 \
        && ip -n "$p-gw" link set p0 master br0 \
        && ip -n "$p-gw" link set vx0 up \
        && ip -n "$p-gw" link set br0 up \
        && bridge -n "$p-gw" fdb add $REMOTE_MAC dev vx0 dst $TUN_HV \
               self permanent \
        && bridge -n "$p-gw" fdb add $REMOTE_MAC dev vx0 master static \
        && bridge -n "$p-gw" fdb append 00:00:00:00:00:00 dev vx0 \
               dst $TUN_HV self permanent
}

# hexmac MAC: "0x00, 0x00, ..." for a trafgen configuration.
hexmac() { echo "0x${1//:/, 0x}"; }

# The trafgen configurations for one size.
write_cfgs() {
    local size=$1 inner=$(( $1 - 4 ))
    cat > "$work/p2t-$size.cfg" <<EOF
/* port->tunnel: $size bytes, 802.1Q VLAN $VLAN, ethertype 0x88b5. */
{
  $(hexmac $REMOTE_MAC), $(hexmac $BM_MAC),
  c16(0x8100), c16($VLAN), c16(0x88b5),
  fill(0x00, $(( size - 18 )))
}
EOF
    cat > "$work/t2p-$size.cfg" <<EOF
/* tunnel->port: VXLAN VNI $VNI carrying an untagged $inner-byte frame. */
{
  $(hexmac $UL_MAC), $(hexmac $HV_MAC), c16(0x0800),
  0x45, 0x00, c16($(( inner + 36 ))), c16(0), c16(0x4000), 64, 17,
  csumip(14, 33),
  ${TUN_HV//./, }, ${TUN_GW//./, },
  c16(49152), c16(4789), c16($(( inner + 16 ))), c16(0),
  0x08, 0x00, 0x00, 0x00, c16($(( VNI >> 8 ))), $(( VNI & 255 )), 0x00,
  $(hexmac $BM_MAC), $(hexmac $REMOTE_MAC), c16(0x88b5),
  fill(0x00, $(( inner - 14 )))
}
EOF
}

counter() { nsx "$1" cat "/sys/class/net/$2/statistics/$3"; }

# trafgen_start NS DEV CFG SECONDS: trafgen in the background on gen_cpu.
trafgen_start() {
    nsx "$1" taskset -c "$gen_cpu" timeout -s INT "$4" \
        trafgen -i "$3" -o "$2" -P 1 --no-sock-mem \
        >>"$work/trafgen.log" 2>&1 &
    trafgen_pid=$!
}

trafgen_wait() {
    wait "$trafgen_pid" 2>/dev/null
    trafgen_pid=""
}

# Where a direction's generator sends and its receiver counts:
# "GEN_NS GEN_DEV SINK_NS SINK_DEV".
endpoints() {
    case $2 in
        p2t) echo "$1-bm gen0 $1-hv vx0" ;;
        t2p) echo "$1-hv hv0 $1-bm gen0" ;;
    esac
}

# probe PREFIX DIR SIZE: sends 200 frames until some arrive (10 s at most).
# This also lets both datapaths learn the bare-metal MAC.
probe() {
    local gns gdev sns sdev before
    read -r gns gdev sns sdev <<<"$(endpoints "$1" "$2")"
    before=$(counter "$sns" "$sdev" rx_packets) || return 1
    for _ in $(seq 20); do
        nsx "$gns" trafgen -i "$work/$2-$3.cfg" -o "$gdev" -P 1 \
            --no-sock-mem -n 200 >>"$work/trafgen.log" 2>&1
        sleep 0.5
        [ "$(counter "$sns" "$sdev" rx_packets)" -gt "$before" ] && return 0
    done
    return 1
}

# cpu_ticks PATH: "ALL MAIN", vtepd's CPU time in ticks, all threads and
# its main (control) thread alone; "0 0" for the kernel path.
cpu_ticks() {
    if [ "$1" = u ]; then
        awk '{ printf "%d ", $14 + $15 }' "/proc/$vtepd_pid/stat" \
            "/proc/$vtepd_pid/task/$vtepd_pid/stat"
    else
        echo 0 0
    fi
}

vtepd_stats() {
    ovs-appctl --timeout=10 -t "$work/vtepd.ctl" vtepd/stats 2>/dev/null \
        | awk -F': *' '/^ +[a-z_.0-9-]+: +[0-9]+$/ {
                           gsub(/ /, "", $1); print $1, $2 }'
}

# measure PREFIX DIR SIZE PATH: one run of PATH (k or u); prints
# "SENT_PPS RECV_PPS CPU_PCT MAIN_CPU_PCT" (vtepd's CPU: all threads, and
# its main thread alone) and leaves
# vtepd's counter deltas in $work/last-stats.
measure() {
    local p=$1 dir=$2 size=$3 path=$4 gns gdev sns sdev
    local t0 t1 g0 g1 r0 r1 c0 c1 m0 m1
    read -r gns gdev sns sdev <<<"$(endpoints "$p" "$dir")"
    trafgen_start "$gns" "$gdev" "$work/$dir-$size.cfg" $(( duration + 2 ))
    sleep 1
    t0=$(date +%s%N); g0=$(counter "$gns" "$gdev" tx_packets)
    r0=$(counter "$sns" "$sdev" rx_packets)
    read -r c0 m0 <<<"$(cpu_ticks "$path")"
    [ "$path" = u ] && vtepd_stats > "$work/stats0"
    sleep "$duration"
    t1=$(date +%s%N); g1=$(counter "$gns" "$gdev" tx_packets)
    r1=$(counter "$sns" "$sdev" rx_packets)
    read -r c1 m1 <<<"$(cpu_ticks "$path")"
    if [ "$path" = u ]; then
        vtepd_stats > "$work/stats1"
        awk 'NR == FNR { a[$1] = $2; next }
             $2 - a[$1] != 0 { printf " %s %d", $1, $2 - a[$1] }' \
            "$work/stats0" "$work/stats1" > "$work/last-stats"
    fi
    trafgen_wait
    awk -v ns=$(( t1 - t0 )) -v g=$(( g1 - g0 )) -v r=$(( r1 - r0 )) \
        -v c=$(( c1 - c0 )) -v m=$(( m1 - m0 )) -v hz="$hz" \
        'BEGIN { s = ns / 1e9; printf "%d %d %d %d\n", g / s, r / s,
                                       100 * c / hz / s, 100 * m / hz / s }'
}

start_vtepd() {
    local p=$1 db=unix:$work/db.sock
    export OVS_RUNDIR=$work OVS_LOGDIR=$work OVS_DBDIR=$work
    export OVS_SYSCONFDIR=$work
    ovsdb-tool create "$work/vtep.db" "$schema" || return 1
    ovsdb-server --detach --no-chdir --pidfile="$work/ovsdb.pid" \
        --log-file="$work/ovsdb.log" --remote="punix:$work/db.sock" \
        --unixctl="$work/ovsdb.ctl" "$work/vtep.db" \
        2>>"$work/stderr.log" || return 1
    ovsdb_pid=$(cat "$work/ovsdb.pid")
    if ! nsx "$p-gw" taskset -c "$dp_cpu" "$vtepd_bin" --detach --no-chdir \
            --pidfile="$work/vtepd.pid" --log-file="$work/vtepd.log" \
            --unixctl="$work/vtepd.ctl" -vconsole:off -vfile:info \
            --name=sw0 --tunnel-ip=$TUN_GW --port=p0 --datapath=user \
            "$db" 2>>"$work/stderr.log"; then
        progress "vtepd --datapath=user did not start:"
        tail -5 "$work/stderr.log" "$work/vtepd.log" 2>/dev/null >&2
        return 1
    fi
    vtepd_pid=$(cat "$work/vtepd.pid")
    local ctl="vtep-ctl --timeout=10 --db=$db"
    for _ in $(seq 100); do
        $ctl list-ports sw0 2>/dev/null | grep -qx p0 && break
        sleep 0.1
    done
    $ctl add-ls ls1 \
        -- set Logical_Switch ls1 tunnel_key=$VNI \
           replication_mode=source_node \
        && $ctl bind-ls sw0 p0 $VLAN ls1 \
        && $ctl add-ucast-remote ls1 $REMOTE_MAC $TUN_HV \
        && $ctl add-mcast-remote ls1 unknown-dst $TUN_HV \
        || { progress "vtep-ctl failed (is sw0/p0 published?)"; return 1; }
}

# Machine and set-up summary.
cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
echo "bench-forward: $ncpu CPUs ($cpu_model), kernel $(uname -r)"
echo "  trafgen $(trafgen -v 2>/dev/null | awk 'NR == 1 { print $2 }')" \
     "on CPU $gen_cpu, vtepd on CPU $dp_cpu; best of $runs run(s)" \
     "of $duration s per point"
echo "  port->tunnel: SIZE-byte frames, VLAN $VLAN, ethertype 0x88b5," \
     "into both paths"
echo "    (the kernel bridge carries the tag inside VXLAN; vtepd strips it)"
echo "  tunnel->port: VXLAN VNI $VNI, inner frame untagged, SIZE-4 bytes"
echo "    (vtepd sends it with VLAN $VLAN, the kernel path untagged)"

progress "building the kernel reference topology ($tag-k-*)"
topo "$tag-k" kernel || die "kernel topology setup failed"
paths=k
if ! $kernel_only; then
    progress "building the vtepd topology ($tag-u-*), $vtepd_bin"
    topo "$tag-u" user || die "vtepd topology setup failed"
    start_vtepd "$tag-u" || die "vtepd setup failed (logs in $work;" \
        "--keep keeps them)"
    paths="k u"
fi

for size in $size_list; do
    write_cfgs "$size"
done
first_size=${size_list%% *}
status=0
# The port->tunnel probe also runs when only tunnel->port is measured:
# it lets both paths learn the bare-metal MAC first.
probe_dirs=p2t
[[ " $dir_list " == *" t2p "* ]] && probe_dirs="p2t t2p"
for p in $paths; do
    for dir in $probe_dirs; do
        if ! probe "$tag-$p" "$dir" "$first_size"; then
            [[ " $dir_list " == *" $dir "* ]] || continue
            progress "$(path_name $p) forwarded nothing $(dir_name $dir)" \
                "(logs kept in $work)"
            keep=true
            status=1
        fi
    done
done
[ $status -eq 0 ] || die "a path forwarded nothing; not measuring"


recv() { echo "$1" | cut -d' ' -f2; }

results=()
for dir in $dir_list; do
    for size in $size_list; do
        best_k="0 0 0 0" best_u="0 0 0 0" best_stats=""
        for r in $(seq "$runs"); do
            for p in $paths; do
                res=$(measure "$tag-$p" "$dir" "$size" "$p")
                read -r sent fwd cpu main <<<"$res"
                progress "$(dir_name $dir) $size B run $r/$runs" \
                    "$(path_name $p): sent $(fmt_k "$sent")pps," \
                    "forwarded $(fmt_k "$fwd")pps" \
                    "$([ $p = u ] && echo "(vtepd CPU $cpu%, main $main%)")"
                if [ $p = k ]; then
                    [ "$fwd" -gt "$(recv "$best_k")" ] && best_k=$res
                elif [ "$fwd" -gt "$(recv "$best_u")" ]; then
                    best_u=$res
                    best_stats=$(cat "$work/last-stats")
                fi
            done
        done
        results+=("$dir $size $best_k $best_u|$best_stats")
    done
done

row() { printf '%-12s %5s %10s %10s %6s  %-14s %s\n' "$@"; }
echo
echo "Forwarded packets/s, best of $runs run(s) of $duration s each:"
row direction size kernel vtepd ratio "vtepd CPU" \
    "generator sent (kernel / vtepd)"
declare -A met
for line in "${results[@]}"; do
    read -r dir size ks kr _ _ us ur uc um <<<"${line%%|*}"
    if $kernel_only; then
        row "$(dir_name $dir)" "$size" "$kr" - - - "$ks / -"
        continue
    fi
    ratio=$(awk -v u="$ur" -v k="$kr" \
            'BEGIN { printf "%.2f", k ? u / k : 0 }')
    row "$(dir_name $dir)" "$size" "$kr" "$ur" "$ratio" \
        "$uc% (main $um%)" "$ks / $us"
    if [ "$size" -eq 64 ]; then
        met[$dir]=$(awk -v r="$ratio" \
                    'BEGIN { print (r >= 0.5 ? "met" : "not met") }')
    fi
done
if ! $kernel_only; then
    echo
    echo "vtepd counters that changed while its best run was measured:"
    for line in "${results[@]}"; do
        read -r dir size _ <<<"$line"
        printf '  %s %s B:%s\n' "$(dir_name $dir)" "$size" \
            "$(echo "${line#*|}" | awk '{ for (i = 1; i < NF; i += 2)
                                          printf " %s=%s", $i, $(i + 1) }')"
    done
    echo
    for dir in $dir_list; do
        echo "target $(dir_name $dir) (64-byte, >= 0.5 x kernel):" \
             "${met[$dir]:-not measured (no 64-byte point)}"
    done
fi
exit 0

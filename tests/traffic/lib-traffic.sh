# tests/traffic/lib-traffic.sh: network namespaces around a vtepd with the
# userspace datapath, for the traffic suite and the demo.
#
# Source it after setting top_srcdir and top_builddir; it sources
# tests/lib.sh.  tr_topology builds this, every name unique to the run:
#
#            underlay: Linux bridge br0 in namespace "ul", 192.0.2.0/24
#     +------------------+------------------+------------------+
#     | ul0 192.0.2.1    | ul0 192.0.2.11   | ul0 192.0.2.12   | ul0 .13
#   +-+-----------+    +-+------------+   +-+------------+   +-+--------+
#   | gw          |    | hv1          |   | hv2          |   | rogue    |
#   | vtepd       |    | vx0: vxlan   |   | vx0: vxlan   |   | (no VTEP,|
#   | --datapath= |    |  VNI 5000    |   |  VNI 5000    |   |  not a   |
#   |   user      |    |  VM 198.51.  |   |  VM 198.51.  |   |  locator)|
#   | --port=p0   |    |    100.11    |   |    100.12    |   +----------+
#   +-+-----------+    +--------------+   +--------------+
#     | p0: trunk (802.1Q)
#     | bm0
#   +-+-------------------------------+
#   | bm: bare-metal server           |
#   | vlan-shim: bm0 VLAN 100 <-> tap |
#   |   bm0.100 198.51.100.100        |
#   +---------------------------------+
#
# Each hypervisor's vx0 is a native Linux vxlan device (nolearning,
# noudpcsum) whose all-zero-MAC flood entry points at vtepd's tunnel IP,
# so everything a VM sends goes through vtepd.  vtepd runs inside the
# gateway namespace but reaches the test's ovsdb-server through its unix
# socket.  IPv6 is off in every namespace, so that no MLD or ND frame
# disturbs MAC learning or the packet counts.
#
# Cleanup: tr_setup installs an EXIT trap that stops every process the
# case started (by pid, tests/lib.sh's VT_PIDS) and then deletes every
# namespace it created (by name), whether the case passed, failed, was
# skipped or interrupted.

: "${VT_TIMEOUT:=30}"
. "$top_srcdir/tests/lib.sh"

TR_SHIM=${TR_SHIM:-$top_builddir/tests/traffic/vlan-shim}
TR_PYTHON=/usr/bin/python3
TR_FRAME_PY=$top_srcdir/tests/traffic/frame.py
# How long tr_expect_counts waits for copies that should not come (the
# interop suites; the traffic suite proves it with tr_sync instead).
: "${TR_SETTLE:=1}"

# Addresses of the topology above.
TR_GW_IP=192.0.2.1
TR_HV1_IP=192.0.2.11
TR_HV2_IP=192.0.2.12
TR_ROGUE_IP=192.0.2.13
TR_BM_VM_IP=198.51.100.100
TR_HV1_VM_IP=198.51.100.11
TR_HV2_VM_IP=198.51.100.12
TR_BM_MAC=02:bb:00:00:00:64
TR_HV1_MAC=02:aa:00:00:00:0b
TR_HV2_MAC=02:aa:00:00:00:0c
TR_VNI=5000
TR_VLAN=100

# Namespaces this case created, deleted by tr_cleanup.
TR_NAMESPACES=""

tr_cleanup() {
    local ns
    vt_cleanup
    for ns in $TR_NAMESPACES; do
        ip netns delete "$ns" 2>/dev/null
    done
    TR_NAMESPACES=""
}

# tr_setup [PREFIX]: namespace names start with PREFIX (default "vtt"),
# then the shell's pid and this subshell's pid, so that two runs, or two
# cases of one run, never share a name.
tr_setup() {
    TR_PREFIX=${1:-vtt}$$-$BASHPID
    trap tr_cleanup EXIT
    trap 'tr_interrupted INT' INT
    trap 'tr_interrupted TERM' TERM
    trap 'tr_interrupted HUP' HUP
}

# On a signal: clean up, then die of the same signal, so that the shell
# that runs the suite stops too (Ctrl-C stops the suite, not one case).
tr_interrupted() {
    trap - EXIT INT TERM HUP
    tr_cleanup
    kill -s "$1" "$BASHPID"
}

# tr_ns NAME: the full name of the namespace NAME ("gw", "bm", ...).
tr_ns() { printf '%s-%s' "$TR_PREFIX" "$1"; }

# tr_in NAME CMD...: runs CMD in namespace NAME.
tr_in() {
    local ns
    ns=$(tr_ns "$1")
    shift
    ip netns exec "$ns" "$@"
}

tr_ns_add() {
    local ns
    ns=$(tr_ns "$1")
    ip netns add "$ns" || vt_fail "ip netns add $ns"
    TR_NAMESPACES="$TR_NAMESPACES $ns"
    ip -n "$ns" link set lo up
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
        net.ipv6.conf.default.disable_ipv6=1 >/dev/null \
        || vt_fail "$ns: could not disable IPv6"
}

# tr_require: skips the case unless everything it needs is here.
tr_require() {
    local tool
    [ "$(id -u)" = 0 ] || vt_skip "needs root (network namespaces)"
    for tool in ip bridge tcpdump ethtool ping sysctl; do
        command -v "$tool" >/dev/null \
            || vt_skip "$tool is not installed (bootstrap.sh --test-peers)"
    done
    [ -x "$TR_PYTHON" ] || vt_skip "$TR_PYTHON is not installed"
    [ -x "$TR_SHIM" ] || vt_skip "$TR_SHIM is not built"
    [ -c /dev/net/tun ] || vt_skip "no /dev/net/tun (tap devices)"
    "$VTEPD" --datapath=user --help >/dev/null 2>&1 \
        || vt_skip "this vtepd build has no userspace datapath" \
                   "(--datapath=user)"
    local probe=${TR_PREFIX}-probe
    ip netns add "$probe" 2>/dev/null \
        || vt_skip "cannot create network namespaces"
    TR_NAMESPACES="$TR_NAMESPACES $probe"
    ip -n "$probe" link add name vxprobe type vxlan id 1 dstport 4789 \
        local 192.0.2.99 nolearning noudpcsum 2>/dev/null \
        || vt_skip "this kernel cannot create vxlan devices"
    ip -n "$probe" link add name brprobe type bridge 2>/dev/null \
        || vt_skip "this kernel cannot create bridges"
    ip -n "$probe" link add name vprobe0 type veth peer name vprobe1 \
        2>/dev/null || vt_skip "this kernel cannot create veth pairs"
    ip netns delete "$probe"
    TR_NAMESPACES=${TR_NAMESPACES% "$probe"}
}

# tr_underlay_attach NAME IP: a veth from namespace NAME (ul0, with IP) to
# the underlay bridge.
tr_underlay_attach() {
    local name=$1 ip=$2 ul
    ul=$(tr_ns ul)
    ip -n "$ul" link add name "$name" type veth peer name ul0 \
        netns "$(tr_ns "$name")" || vt_fail "veth $name-ul0"
    ip -n "$ul" link set "$name" master br0 up || vt_fail "$name: br0"
    ip -n "$(tr_ns "$name")" addr add "$ip/24" dev ul0
    ip -n "$(tr_ns "$name")" link set ul0 up || vt_fail "$name: ul0 up"
    # Checksum offload stays on (the default): a veth never completes a
    # checksum that its sender left to offload, and vtepd's datapath must
    # cope (it completes them, both ways; counter csum.completed).
}

# tr_hypervisor NAME IP VM_IP VM_MAC: a hypervisor namespace on the
# underlay with a native vxlan device vx0 (VNI $TR_VNI) whose flood entry
# points at vtepd, and the "VM" address on vx0.
tr_hypervisor() {
    local name=$1 ip=$2 vm_ip=$3 vm_mac=$4 ns
    ns=$(tr_ns "$name")
    tr_ns_add "$name"
    tr_underlay_attach "$name" "$ip"
    ip -n "$ns" link add name vx0 address "$vm_mac" type vxlan \
        id "$TR_VNI" local "$ip" dstport 4789 dev ul0 nolearning noudpcsum \
        || vt_fail "$name: vxlan device"
    bridge -n "$ns" fdb append 00:00:00:00:00:00 dev vx0 dst "$TR_GW_IP" \
        || vt_fail "$name: flood entry"
    ip -n "$ns" addr add "$vm_ip/24" dev vx0
    ip -n "$ns" link set vx0 up || vt_fail "$name: vx0 up"
}

# tr_bare_metal: namespace bm, its trunk veth bm0 <-> p0 in the gateway,
# and a vlan-shim that gives it an IP stack on VLAN $TR_VLAN (tap bm0.100).
tr_bare_metal() {
    local bm gw tap=bm0.$TR_VLAN pidfile=$VT_DIR/vlan-shim.pid
    tr_ns_add bm
    bm=$(tr_ns bm)
    gw=$(tr_ns gw)
    ip -n "$gw" link add name p0 type veth peer name bm0 netns "$bm" \
        || vt_fail "veth p0-bm0"
    ip -n "$gw" link set p0 up
    ip -n "$bm" link set bm0 up || vt_fail "bm0 up"
    ip netns exec "$bm" "$TR_SHIM" --iface=bm0 --tap="$tap" \
        --vid="$TR_VLAN" --pidfile="$pidfile" \
        2>>"$VT_DIR/vlan-shim.log" &
    VT_PIDS="$VT_PIDS $!"
    vt_wait_until test -s "$pidfile" || vt_fail "vlan-shim did not start"
    ip -n "$bm" link set "$tap" address "$TR_BM_MAC" \
        || vt_fail "$tap: address"
    ip -n "$bm" addr add "$TR_BM_VM_IP/24" dev "$tap"
    ip -n "$bm" link set "$tap" up || vt_fail "$tap up"
}

# tr_topology: the whole picture at the top of this file, without vtepd.
tr_topology() {
    [ -n "${TR_PREFIX:-}" ] || tr_setup
    tr_require
    local name
    for name in ul gw rogue; do
        tr_ns_add "$name"
    done
    ip -n "$(tr_ns ul)" link add name br0 type bridge \
        || vt_fail "underlay bridge"
    ip -n "$(tr_ns ul)" link set br0 up
    tr_underlay_attach gw "$TR_GW_IP"
    tr_underlay_attach rogue "$TR_ROGUE_IP"
    tr_hypervisor hv1 "$TR_HV1_IP" "$TR_HV1_VM_IP" "$TR_HV1_MAC"
    tr_hypervisor hv2 "$TR_HV2_IP" "$TR_HV2_VM_IP" "$TR_HV2_MAC"
    tr_bare_metal
}

# tr_start_vtepd [OPTION...]: vtepd for switch gw0 in the gateway
# namespace: userspace datapath, trunk port p0, tunnel IP $TR_GW_IP.
tr_start_vtepd() {
    ip netns exec "$(tr_ns gw)" "$VTEPD" --detach --no-chdir \
        --pidfile="$VT_DIR/vtepd.pid" --log-file="$VT_DIR/vtepd.log" \
        --unixctl="$VT_DIR/vtepd.ctl" -vconsole:off -vfile:info \
        --name=gw0 --tunnel-ip="$TR_GW_IP" --port=p0 --datapath=user \
        "$@" "$VT_DB" 2>>"$VT_DIR/stderr.log" \
        || vt_fail "vtepd did not start: $(tail -3 "$VT_DIR/stderr.log")"
    VT_VTEPD_PID=$(cat "$VT_DIR/vtepd.pid")
    VT_PIDS="$VT_PIDS $VT_VTEPD_PID"
    vt_wait_until vtctl list-ports gw0 \
        || vt_fail "vtepd did not publish its switch"
}

# fdb_has LS LINE...: true if vtepd/dump-fdb LS shows each LINE.
fdb_has() {
    local ls=$1 t line
    shift
    t=$(appctl vtepd/dump-fdb "$ls") || return 1
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

# tr_frame NAME ARG...: runs frame.py (see its --help) in namespace NAME.
tr_frame() {
    local name=$1
    shift
    tr_in "$name" "$TR_PYTHON" "$TR_FRAME_PY" "$@" \
        || vt_fail "frame.py $* (in $name) failed"
}

# tr_ping NAME IP: one ping from namespace NAME, true if answered.
tr_ping() { tr_in "$1" ping -n -q -c 1 -W 1 "$2" >/dev/null 2>&1; }

# tr_expect_ping NAME IP: polls until a ping from NAME to IP is answered.
tr_expect_ping() {
    vt_wait_until tr_ping "$1" "$2" \
        || vt_fail "ping from $1 to $2: no answer"
}

# Packet counts.
# ==============
#
# tr_capture ID NAME IFACE FILTER...: (re)starts counting, as ID, the
# frames that arrive on IFACE in namespace NAME and match the tcpdump
# capture FILTER.  tcpdump writes them to a file (-U: one write per
# frame), so that a count can be read at any time.
tr_capture() {
    local id=$1 name=$2 iface=$3 pid
    shift 3
    tr_capture_stop "$id"
    rm -f "$VT_DIR/$id.pcap"
    tr_in "$name" tcpdump -i "$iface" -Q in -nn -U -Z root -s 200 \
        -w "$VT_DIR/$id.pcap" "$*" 2>"$VT_DIR/$id.tcpdump.log" &
    pid=$!
    echo "$pid" >"$VT_DIR/$id.tcpdump.pid"
    VT_PIDS="$VT_PIDS $pid"
    vt_wait_until grep -q 'listening on' "$VT_DIR/$id.tcpdump.log" \
        || vt_fail "tcpdump on $name/$iface did not start:" \
                   "$(cat "$VT_DIR/$id.tcpdump.log")"
}

tr_capture_stop() {
    local pidfile=$VT_DIR/$1.tcpdump.pid pid
    [ -f "$pidfile" ] || return 0
    pid=$(cat "$pidfile")
    kill "$pid" 2>/dev/null
    vt_wait_until vt_not_running "$pid"
    rm -f "$pidfile"
}

# tr_view VIEW ID FILTER: VIEW counts the frames of capture ID that match
# the tcpdump FILTER too (applied to the saved frames, tcpdump -r), so that
# one capture per interface can be counted several ways: its test frames
# by VNI or VLAN and the control frames of tr_sync apart.  A capture ID is
# a view of all its frames; tr_count and tr_*_counts take views.  Views
# outlive a restart of their capture (tr_capture ID again).
declare -A TR_VIEW_CAP=() TR_VIEW_FILTER=()
tr_view() {
    TR_VIEW_CAP[$1]=$2
    TR_VIEW_FILTER[$1]=$3
}

# tr_view_read VIEW TCPDUMP-OPTION...: tcpdump -r over VIEW's frames.
tr_view_read() {
    local view=$1 id=$1 filter=()
    shift
    if [ -n "${TR_VIEW_CAP[$view]+set}" ]; then
        id=${TR_VIEW_CAP[$view]}
        filter=("${TR_VIEW_FILTER[$view]}")
    fi
    [ -s "$VT_DIR/$id.pcap" ] || return 0
    tcpdump -r "$VT_DIR/$id.pcap" "$@" "${filter[@]}" 2>/dev/null
}

# tr_count VIEW: how many frames VIEW has seen so far.
tr_count() {
    local n
    n=$(tr_view_read "$1" --count)
    n=${n%% *}
    echo "${n:-0}"
}

tr_counts_reached() {
    local pair
    for pair in "$@"; do
        [ "$(tr_count "${pair%=*}")" -ge "${pair#*=}" ] || return 1
    done
}

# tr_expect_all_at_one N: exactly N captured frames, all at hv1 or all at
# hv2 (service_node replication picks one service node per switch).
tr_expect_all_at_one() {
    local n=$1
    vt_wait_until eval "[ \$(( \$(tr_count hv1) + \$(tr_count hv2) )) -ge $n ]"
    if [ "$(tr_count hv1)" -ge "$n" ]; then
        tr_expect_counts hv1="$n" hv2=0
    else
        tr_expect_counts hv1=0 hv2="$n"
    fi
}

# tr_check_counts VIEW=N...: each VIEW has exactly N frames, now.  For
# after tr_sync (or another proof that the frames have been processed).
tr_check_counts() {
    local pair id want got bad=""
    for pair in "$@"; do
        id=${pair%=*}
        want=${pair#*=}
        got=$(tr_count "$id")
        if [ "$got" != "$want" ]; then
            vt_log "capture $id: $got frames, expected $want:"
            tr_view_read "$id" -nn -e | sed 's/^/    | /'
            bad="$bad $id"
        fi
    done
    [ -z "$bad" ] || vt_fail "wrong packet counts at:$bad"
}

# tr_expect_counts VIEW=N...: each VIEW ends up with exactly N frames:
# waits (at most VT_TIMEOUT) until each has at least N, then TR_SETTLE
# more seconds for copies that should not come, then compares.  A
# negative that rests on time: the traffic suite uses tr_sync and
# tr_check_counts instead (the interop suites still use this).
tr_expect_counts() {
    vt_wait_until tr_counts_reached "$@"
    sleep "$TR_SETTLE"
    tr_check_counts "$@"
}

# tr_sync VIEW... -- CMD...: proof that the datapath has processed, and
# sent, every frame sent before towards the captures of the VIEWs, for a
# negative check ("N copies there and no more") that must not rest on
# time.  First vt_barrier (vtepd has applied the database to its
# datapath), then CMD, which sends control frames that each VIEW counts
# (and no test count does: ethertype $TR_CTL_TYPE), from where the frames
# before were sent (the same trunk port, or the same tunnel source), or
# from anywhere once a counter has shown that the datapath read them (a
# drop counter); then waits until each VIEW has counted one more.  The
# datapath handles the frames of one port, and of its tunnel socket, in
# order, and sends a receiver's copies in that order (each batch's before
# the next is read); a capture sees them in order: once a control has been
# captured, so has every earlier copy for that capture.
TR_CTL_TYPE=0x88b6
tr_sync() {
    local views=() view
    while [ $# -gt 0 ] && [ "$1" != -- ]; do
        views+=("$1")
        shift
    done
    if [ "${1:-}" != -- ] || [ $# -lt 2 ]; then
        vt_fail "usage: tr_sync VIEW... -- CMD..."
    fi
    shift
    local -A before=()
    for view in "${views[@]}"; do
        before[$view]=$(tr_count "$view")
    done
    vt_barrier
    "$@"
    for view in "${views[@]}"; do
        vt_wait_until eval \
            "[ \$(tr_count $view) -gt ${before[$view]} ]" || {
            tr_view_read "$view" -nn -e | sed 's/^/    | /'
            vt_fail "control frame from \"$*\" never reached $view"
        }
    done
}

# Filters.
# ========
#
# tr_vxlan_filter VNI [INNER]: a capture filter for VXLAN (UDP 4789)
# packets with VNI, and if INNER is given, whose inner frame matches INNER,
# a filter expression over udp[] offsets: the inner frame starts at udp[16]
# (UDP header 8 bytes, VXLAN header 8 bytes).
tr_vxlan_filter() {
    local f
    f=$(printf 'udp dst port 4789 and udp[12:4] = 0x%06x00' "$1")
    [ $# -lt 2 ] || f="$f and ($2)"
    printf '%s\n' "$f"
}

# The inner frame's ethertype (untagged) is...
tr_inner_type() { printf 'udp[28:2] = %s' "$1"; }

# The inner frame's source MAC is MAC.
tr_inner_src() {
    local hex
    hex=$(printf '%s' "$1" | tr -d :)
    printf 'udp[22:4] = 0x%s and udp[26:2] = 0x%s' "${hex:0:8}" "${hex:8:4}"
}

# Counters of vtepd/stats.
# ========================

# tr_stat NAME: the value of counter NAME ("drop.runt", "rx.port", ...) in
# vtepd/stats.  A counter that is not listed (a typo, a renamed reason, a
# dead daemon) is an error, not 0: it prints "missing" and returns 1.
tr_stat() {
    local v re=${1//./\\.}
    v=$(appctl vtepd/stats | sed -n "s/^ *$re: *\([0-9][0-9]*\)\$/\1/p" \
        | head -1)
    if [ -z "$v" ]; then
        echo "tr_stat: no counter $1 in vtepd/stats" >&2
        echo missing
        return 1
    fi
    echo "$v"
}

# tr_expect_stat NAME VALUE: polls until counter NAME is VALUE.
tr_expect_stat() {
    tr_stat "$1" >/dev/null || vt_fail "vtepd/stats has no counter $1"
    vt_wait_output "$2" tr_stat "$1" || {
        vt_log "vtepd/stats:"
        appctl vtepd/stats | sed 's/^/    | /'
        vt_fail "counter $1 is not $2"
    }
}

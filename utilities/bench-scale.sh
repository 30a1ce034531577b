#!/bin/bash
# bench-scale.sh: control-plane scale of vtepd, side by side with ovs-vtep
# and with a bare IDL client (the floor), in one run.
#
# This is a measurement, not a test.  Every daemon gets a private
# ovsdb-server with the hardware_vtep schema and a switch sw0 with
# --switches logical switches (VNI 5000.., source_node) bound to VLANs
# 100.. of its trunk port p0, and --locators remote locators, all of them
# in each logical switch's unknown-dst flood list.  Then, for each size N:
#
#   install     N Ucast_Macs_Remote rows (spread over the switches and
#               locators) in ONE transaction; the time from sending it until
#               the daemon's datapath holds all N
#   add         one more row                     \  single-change latency
#   delete      that row                          > at size N
#   move        MAC 0 from locator 1 to locator 2 /
#   idle        --idle seconds with N MACs present and nothing changing
#   delete-all  every Ucast_Macs_Remote row in one transaction
#
# and learning: K frames with K new source MACs (spread over the VLANs) on
# the trunk port; the time from the last frame until K Ucast_Macs_Local
# rows are in the database.
#
# Who holds what, and how it is read:
#   vtepd     --datapath=user in a network namespace (p0 is a veth); the
#             datapath's entries as its reconciler installed them:
#             vtepd/stats "datapath user: ... N remote MACs" and its
#             operation counter (a move is one operation);
#   floor     utilities/vtep-floor: the same OVS IDL and columns, counting
#             rows and nothing else (unixctl floor/count); the database
#             server's and the IDL's share of the time;
#   ovs-vtep  Debian's /usr/share/openvswitch/scripts/ovs-vtep with a
#             private ovs-vswitchd on the userspace (netdev) datapath; its
#             per-MAC OpenFlow flows (table 1, cookie 0, a unicast dl_dst)
#             summed over its logical-switch bridges (ovs-ofctl
#             dump-aggregate).
# The floor and vtepd share one ovsdb-server and never run at the same
# time; ovs-vtep gets a fresh ovsdb-server (hardware_vtep and Open_vSwitch)
# and ovs-vswitchd per size.  The learned MACs are counted by a second
# vtep-floor (--table=local) on the daemon's database.  Frames go to a
# MAC already learned on the same port, so nothing is flooded.
#
# Timing: the helper (utilities/bench_scale.py) sends each transaction
# itself and polls the daemon: every 1 ms for vtepd and the floor, every
# 0.25 s for ovs-vtep (its main loop runs once a second), and never more
# often than every 1% of the time elapsed, because each poll costs the
# daemon a loop iteration.  The daemon's CPU time (all threads; for
# ovs-vtep with the vtep-ctl/ovs-ofctl/ovs-vsctl children it ran and
# ovs-vswitchd) is read from /proc/PID/stat before the step and 0.5 s
# after it completed; its peak RSS (VmHWM, reset per step through
# /proc/PID/clear_refs) when it ends.  The database server's are reported
# alongside.  The machine is shared: every vtepd and floor step runs
# --runs times and the best (lowest) figure of each is reported;
# ovs-vtep runs --ovs-vtep-runs times (default once: it takes minutes).
# A step that does not finish within --cap seconds is reported as "> cap"
# and ends that daemon's run at that size.
#
# Run as root on Debian 12, from a fresh clone (this builds into _build like
# utilities/run-tests.sh, after utilities/bootstrap.sh --test-peers):
#   bash utilities/bench-scale.sh [--sizes=1k,10k,100k] [--learn=1k,10k]
#       [--switches=4] [--locators=4] [--runs=3] [--ovs-vtep-runs=1]
#       [--cap=120] [--idle=10] [--shape=1000] [--no-shape]
#       [--vtepd=PATH] [--no-ovs-vtep] [--no-learn] [--out=DIR] [--keep]
# --sizes takes 1m too: measured here, 1M rows take about 65 s per install
# and 25 s per delete-all for the floor and for vtepd and about 8 GB at a
# time (the server 3.9 GB, the floor or vtepd 2 GB, this script's helper
# the rest), so one run of that size alone takes 5 minutes (ovs-vtep only
# burns its cap); it fits in 24 GiB but is not a default.
# --shape=B also installs the largest size (if at least 10k) in
# transactions of B rows sent back to back, for the floor and vtepd: how
# much of the database server's cost a controller saves by batching.
# --vtepd=PATH skips the build and uses PATH and the vtep-floor built next
# to it (../utilities/vtep-floor).  The report (report.txt), the raw
# figures (results.jsonl) and the plot (scale-install.png, log-log install
# time against N; gnuplot-nox) go to --out (default: bench-scale/ in the
# build directory).
# Exit status: 0 when every step was measured or reported over the cap,
# 1 when the setup or a run failed.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)

sizes=1k,10k,100k
learn_sizes=1k,10k
n_ls=4
n_loc=4
runs=3
ovs_runs=1
cap=120
idle=10
vtepd_bin=
out_dir=
with_ovs=true
with_learn=true
shape_batch=1000
keep=false

usage() {
    sed -n '/^# Run as root/,/^# 1 when the setup/p' "$0" \
        | sed 's/^# \{0,1\}//'
    exit "${1:-0}"
}

die() {
    echo "bench-scale: $*" >&2
    exit 1
}

progress() { echo "bench-scale: $*" >&2; }

while [ $# -gt 0 ]; do
    opt=$1
    shift
    case $opt in
        --*=*) val=${opt#*=}; opt=${opt%%=*} ;;
        --sizes|--learn|--switches|--locators|--runs|--ovs-vtep-runs|\
        --cap|--idle|--vtepd|--out|--shape)
            [ $# -gt 0 ] || die "$opt needs a value"
            val=$1; shift ;;
        *) val= ;;
    esac
    case $opt in
        --sizes) sizes=$val ;;
        --learn) learn_sizes=$val ;;
        --switches) n_ls=$val ;;
        --locators) n_loc=$val ;;
        --runs) runs=$val ;;
        --ovs-vtep-runs) ovs_runs=$val ;;
        --cap) cap=$val ;;
        --idle) idle=$val ;;
        --vtepd) vtepd_bin=$val ;;
        --out) out_dir=$val ;;
        --no-ovs-vtep) with_ovs=false ;;
        --no-learn) with_learn=false ;;
        --shape) shape_batch=$val ;;
        --no-shape) shape_batch=0 ;;
        --keep) keep=true ;;
        -h|--help) usage 0 ;;
        *) echo "bench-scale: unknown option $opt" >&2; usage 1 >&2 ;;
    esac
done

. "$(dirname "$0")/bench-lib.sh"

# count 10k -> 10000
count() {
    case $1 in
        *[kK]) is_uint "${1%?}" && echo $(( ${1%?} * 1000 )) ;;
        *[mM]) is_uint "${1%?}" && echo $(( ${1%?} * 1000000 )) ;;
        *) is_uint "$1" && echo "$1" ;;
    esac
}

size_list=
for s in ${sizes//,/ }; do
    n=$(count "$s") && [ "$n" -ge 1 ] || die "bad size $s"
    size_list="$size_list $n"
done
learn_list=
if $with_learn; then
    for s in ${learn_sizes//,/ }; do
        n=$(count "$s") && [ "$n" -ge 1 ] && [ "$n" -le 500000 ] \
            || die "bad learning size $s (1..500k)"
        learn_list="$learn_list $n"
    done
fi
is_uint "$n_ls" && [ "$n_ls" -ge 1 ] && [ "$n_ls" -le 3000 ] \
    || die "bad --switches (1..3000)"
is_uint "$n_loc" && [ "$n_loc" -ge 1 ] && [ "$n_loc" -le 250 ] \
    || die "bad --locators (1..250)"
for v in runs ovs_runs cap idle shape_batch; do
    is_uint "${!v}" || die "bad --${v//_/-}"
done
[ "$runs" -ge 1 ] && [ "$cap" -ge 1 ] || die "--runs and --cap must be >= 1"

[ "$(id -u)" -eq 0 ] || die "must run as root (network namespaces)"

# The build, unless --vtepd says which binary to measure.
if [ -z "$vtepd_bin" ]; then
    cd "$top" || exit 1
    bash utilities/bootstrap.sh --test-peers || die "bootstrap failed"
    if [ ! -x configure ] || [ configure.ac -nt configure ] \
       || [ Makefile.am -nt Makefile.in ]; then
        autoreconf -fi >/dev/null 2>&1 || { autoreconf -fi; exit 1; }
    fi
    mkdir -p _build && cd _build || exit 1
    if [ ! -f Makefile ]; then
        ../configure --enable-Werror >configure.log 2>&1 \
            || { tail -30 configure.log; exit 1; }
    fi
    make -j"$(nproc)" vtepd/vtepd utilities/vtep-floor >build.log 2>&1 \
        || { tail -40 build.log; exit 1; }
    vtepd_bin=$top/_build/vtepd/vtepd
    cd "$top" || exit 1
fi
[ -x "$vtepd_bin" ] || die "$vtepd_bin not found"
vtepd_bin=$(cd "$(dirname "$vtepd_bin")" && pwd)/$(basename "$vtepd_bin")
build_dir=$(dirname "$(dirname "$vtepd_bin")")
floor_bin=$build_dir/utilities/vtep-floor
[ -x "$floor_bin" ] || die "$floor_bin not found (make utilities/vtep-floor)"
schema=$build_dir/schema/vtep.ovsschema
[ -f "$schema" ] || schema=/usr/share/openvswitch/vtep.ovsschema
vswitch_schema=/usr/share/openvswitch/vswitch.ovsschema
ovs_vtep=/usr/share/openvswitch/scripts/ovs-vtep
python=/usr/bin/python3
bench_py=$top/utilities/bench_scale.py
[ -f "$bench_py" ] || die "$bench_py not found"
out_dir=${out_dir:-$build_dir/bench-scale}
mkdir -p "$out_dir" || die "cannot create $out_dir"
out_dir=$(cd "$out_dir" && pwd)

for cmd in ip ovsdb-tool ovsdb-server ovs-appctl vtep-ctl $python; do
    command -v "$cmd" >/dev/null \
        || die "$cmd not found (utilities/bootstrap.sh --test-peers)"
done
if $with_ovs; then
    for cmd in ovs-vswitchd ovs-vsctl ovs-ofctl "$ovs_vtep"; do
        command -v "$cmd" >/dev/null || [ -x "$cmd" ] \
            || die "$cmd not found (Debian openvswitch-switch and" \
                   "openvswitch-vtep; utilities/bootstrap.sh --test-peers)" \
                   "or say --no-ovs-vtep"
    done
    [ -f "$vswitch_schema" ] || die "$vswitch_schema not found"
fi

tag=vbs$$
work=$(mktemp -d /tmp/bench-scale.XXXXXX) || die "mktemp"
results=$out_dir/results.jsonl
: > "$results"
namespaces=""
pids=""

# forget_pid PID: no longer ours to stop.
forget_pid() { pids=$(echo " $pids " | sed "s/ $1 / /"); }

# stop_daemon NAME DIR: "exit" through its control socket, else TERM.
stop_daemon() {
    local pid
    pid=$(cat "$2/$1.pid" 2>/dev/null) || return 0
    ovs-appctl --timeout=5 -t "$2/$1.ctl" exit >/dev/null 2>&1 \
        || kill "$pid" 2>/dev/null
    stop_pid "$pid"
    forget_pid "$pid"
    rm -f "$2/$1.pid"
}

cleanup() {
    local pid ns
    trap - EXIT INT TERM HUP
    # Newest first: ovs-vtep before ovs-vswitchd before ovsdb-server.
    for pid in $(echo $pids | tr ' ' '\n' | tac); do
        kill "$pid" 2>/dev/null
    done
    for pid in $pids; do
        stop_pid "$pid"
    done
    for ns in $namespaces; do
        ip netns del "$ns" 2>/dev/null
    done
    if $keep; then
        echo "bench-scale: kept $work" >&2
    else
        rm -rf "$work"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# started PIDFILE: remembers the pid in PIDFILE for cleanup.
started() {
    local pid
    pid=$(cat "$1" 2>/dev/null) || return 1
    pids="$pids $pid"
    echo "$pid"
}

wait_for() {
    local secs=$1
    shift
    local deadline=$(( $(date +%s) + secs ))
    until "$@" >/dev/null 2>&1; do
        [ "$(date +%s)" -lt "$deadline" ] || return 1
        sleep 0.1
    done
}

new_ns() {
    ip netns add "$1" || return 1
    namespaces="$namespaces $1"
    nsx "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
        net.ipv6.conf.default.disable_ipv6=1 >/dev/null || return 1
    ip -n "$1" link set lo up
}

# trunk GW_NS BM_NS: veth p0 (in GW_NS) <-> bm0 (in BM_NS).
trunk() {
    ip link add p0 netns "$1" type veth peer name bm0 netns "$2" \
        && ip -n "$1" link set p0 up && ip -n "$2" link set bm0 up
}

TUN_IP=10.98.0.1
locator_ips=$(seq -s, -f "10.97.%g.1" 0 $(( n_loc - 1 )))
# 10.97.0.1, 10.97.1.1, ... (at most 250 locators).

helper() { "$python" "$bench_py" "$@"; }

# start_ovsdb DIR DB...: a private ovsdb-server on DIR/db.sock.
start_ovsdb() {
    local dir=$1
    shift
    ovsdb-server --detach --no-chdir --pidfile="$dir/ovsdb.pid" \
        --log-file="$dir/ovsdb.log" --remote="punix:$dir/db.sock" \
        --unixctl="$dir/ovsdb.ctl" "$@" 2>>"$dir/stderr.log" || return 1
    started "$dir/ovsdb.pid" >/dev/null
}

# start_floor DIR NAME [--table=local]: a vtep-floor on DIR/db.sock.
start_floor() {
    local dir=$1 name=$2
    shift 2
    "$floor_bin" --detach --no-chdir --pidfile="$dir/$name.pid" \
        --log-file="$dir/$name.log" --unixctl="$dir/$name.ctl" \
        -vconsole:off "$@" "unix:$dir/db.sock" 2>>"$dir/stderr.log" \
        || return 1
    started "$dir/$name.pid" >/dev/null || return 1
    wait_for 30 floor_synced "$dir/$name.ctl"
}

floor_synced() {
    ovs-appctl --timeout=5 -t "$1" floor/count | grep -q synced=yes
}

# --- vtepd and the floor -----------------------------------------------------

V=$work/vtepd

vtepd_ready() {
    local want="datapath user: $n_ls logical switches, $n_ls bindings,"
    want="$want 0 remote MACs, $n_ls flood entries"
    ovs-appctl --timeout=5 -t "$V/vtepd.ctl" vtepd/stats | grep -qF "$want"
}

start_vtepd() {
    nsx "$tag-gw" "$vtepd_bin" --detach --no-chdir \
        --pidfile="$V/vtepd.pid" --log-file="$V/vtepd.log" \
        --unixctl="$V/vtepd.ctl" -vconsole:off -vfile:info \
        --name=sw0 --tunnel-ip=$TUN_IP --port=p0 --datapath=user \
        "unix:$V/db.sock" 2>>"$V/stderr.log" || return 1
    started "$V/vtepd.pid" >/dev/null
}

setup_vtepd() {
    mkdir -p "$V"
    export OVS_RUNDIR=$V OVS_LOGDIR=$V OVS_DBDIR=$V OVS_SYSCONFDIR=$V
    new_ns "$tag-gw" && new_ns "$tag-bm" && trunk "$tag-gw" "$tag-bm" \
        && ip link add ul0 netns "$tag-gw" type veth peer name ul1 \
               netns "$tag-bm" \
        && ip -n "$tag-gw" addr add $TUN_IP/24 dev ul0 \
        && ip -n "$tag-gw" link set ul0 up \
        && ip -n "$tag-bm" link set ul1 up || return 1
    ovsdb-tool create "$V/vtep.db" "$schema" || return 1
    start_ovsdb "$V" "$V/vtep.db" || return 1
    # vtepd creates its switch and port; then the logical switches.
    start_vtepd || return 1
    wait_for 30 eval "vtep-ctl --db=unix:$V/db.sock list-ports sw0 \
                      | grep -qx p0" || return 1
    helper setup --db "unix:$V/db.sock" --port p0 --switches "$n_ls" \
        --locators "$locator_ips" || return 1
    wait_for 60 vtepd_ready || return 1
    stop_daemon vtepd "$V"
}

# run_floor N REP [ARG...] / run_vtepd N REP [ARG...]: the size steps,
# one process each; ARGs go to the helper.
run_floor() {
    local n=$1 rep=$2
    shift 2
    start_floor "$V" floor || return 1
    helper run --db "unix:$V/db.sock" --probe floor --name floor \
        --ctl "$V/floor.ctl" --proc "floor=$(cat "$V/floor.pid")" \
        --proc "server=$(cat "$V/ovsdb.pid")" --n "$n" --rep "$rep" \
        --locators "$locator_ips" --cap "$cap" --out "$results" "$@" \
        >/dev/null
    local rc=$?
    stop_daemon floor "$V"
    return $rc
}

run_vtepd() {
    local n=$1 rep=$2
    shift 2
    start_vtepd && wait_for 60 vtepd_ready || return 1
    helper run --db "unix:$V/db.sock" --probe vtepd --name vtepd \
        --ctl "$V/vtepd.ctl" --proc "vtepd=$(cat "$V/vtepd.pid")" \
        --proc "server=$(cat "$V/ovsdb.pid")" --n "$n" --rep "$rep" \
        --locators "$locator_ips" --cap "$cap" --idle "$idle" \
        --out "$results" "$@" >/dev/null
    local rc=$?
    stop_daemon vtepd "$V"
    return $rc
}

# learn_vtepd: K new MACs per run, distinct every run.
learn_vtepd() {
    local k rep prefix=64 rc=0
    start_vtepd && wait_for 60 vtepd_ready || return 1
    start_floor "$V" observer --table=local || return 1
    for k in $learn_list; do
        for rep in $(seq "$runs"); do
            progress "vtepd: learning $k MACs, run $rep/$runs"
            nsx "$tag-bm" "$python" "$bench_py" learn --name vtepd \
                --iface bm0 --ctl "$V/observer.ctl" --dp-ctl "$V/vtepd.ctl" \
                --proc "vtepd=$(cat "$V/vtepd.pid")" \
                --proc "server=$(cat "$V/ovsdb.pid")" --k "$k" \
                --rep "$rep" --switches "$n_ls" --prefix "$prefix" \
                --cap "$cap" --out "$results" >/dev/null || rc=1
            prefix=$(( prefix + 1 ))
        done
    done
    stop_daemon observer "$V"
    stop_daemon vtepd "$V"
    return $rc
}

# --- ovs-vtep ----------------------------------------------------------------

O=$work/ovs-vtep

ovs_ready() {
    local brs tunnels
    brs=$(ovs-vsctl --bare --columns=name find Bridge \
          external_ids:vtep_logical_switch=true | grep -c .)
    tunnels=$(ovs-vsctl --bare --columns=name find Interface type=vxlan \
              | grep -c '^vx')
    [ "$brs" -eq "$n_ls" ] && [ "$tunnels" -eq $(( n_ls * n_loc )) ]
}

# setup_ovs: a fresh ovsdb-server (Open_vSwitch + hardware_vtep),
# ovs-vswitchd (netdev) and ovs-vtep, in namespace $tag-ov.
setup_ovs() {
    rm -rf "$O"
    mkdir -p "$O"
    export OVS_RUNDIR=$O OVS_LOGDIR=$O OVS_DBDIR=$O OVS_SYSCONFDIR=$O
    new_ns "$tag-ov" && new_ns "$tag-ob" && trunk "$tag-ov" "$tag-ob" \
        || return 1
    ovsdb-tool create "$O/conf.db" "$vswitch_schema" \
        && ovsdb-tool create "$O/vtep.db" "$schema" \
        && start_ovsdb "$O" "$O/conf.db" "$O/vtep.db" \
        && ovs-vsctl --no-wait init || return 1
    nsx "$tag-ov" ovs-vswitchd --detach --no-chdir \
        --pidfile="$O/ovs-vswitchd.pid" --log-file="$O/ovs-vswitchd.log" \
        --unixctl="$O/ovs-vswitchd.ctl" -vconsole:off "unix:$O/db.sock" \
        2>>"$O/stderr.log" || return 1
    started "$O/ovs-vswitchd.pid" >/dev/null || return 1
    ovs-vsctl --timeout=30 add-br sw0 -- set Bridge sw0 \
            datapath_type=netdev -- add-port sw0 p0 \
        && vtep-ctl --timeout=10 add-ps sw0 \
            -- set Physical_Switch sw0 tunnel_ips=$TUN_IP \
            -- add-port sw0 p0 \
        && helper setup --db "unix:$O/db.sock" --port p0 \
            --switches "$n_ls" --locators "$locator_ips" || return 1
    "$python" "$ovs_vtep" --detach --no-chdir --pidfile="$O/ovs-vtep.pid" \
        --log-file="$O/ovs-vtep.log" -vconsole:off sw0 \
        2>>"$O/stderr.log" || return 1
    started "$O/ovs-vtep.pid" >/dev/null || return 1
    wait_for 600 ovs_ready || return 1
    sleep 3                     # One more pass: its flood flows.
}

teardown_ovs() {
    local name pid ns
    for name in ovs-vtep ovs-vswitchd ovsdb; do
        pid=$(cat "$O/$name.pid" 2>/dev/null) || continue
        kill "$pid" 2>/dev/null
        stop_pid "$pid"
        forget_pid "$pid"
    done
    for ns in "$tag-ov" "$tag-ob"; do
        ip netns del "$ns" 2>/dev/null
        namespaces=$(echo " $namespaces " | sed "s/ $ns / /")
    done
}

ovs_procs() {
    echo --proc "ovs-vtep=$(cat "$O/ovs-vtep.pid")+c" \
         --proc "vswitchd=$(cat "$O/ovs-vswitchd.pid")" \
         --proc "server=$(cat "$O/ovsdb.pid")"
}

run_ovs() {
    setup_ovs || { teardown_ovs; return 1; }
    helper run --db "unix:$O/db.sock" --probe ovs --name ovs-vtep \
        $(ovs_procs) --n "$1" --rep "$2" --locators "$locator_ips" \
        --cap "$cap" --idle "$idle" --out "$results" >/dev/null
    local rc=$?
    teardown_ovs
    return $rc
}

learn_ovs() {
    local k rep prefix=96 rc=0
    setup_ovs || { teardown_ovs; return 1; }
    start_floor "$O" observer --table=local || { teardown_ovs; return 1; }
    for k in $learn_list; do
        for rep in $(seq "$ovs_runs"); do
            progress "ovs-vtep: learning $k MACs, run $rep/$ovs_runs"
            nsx "$tag-ob" "$python" "$bench_py" learn --name ovs-vtep \
                --iface bm0 --ctl "$O/observer.ctl" $(ovs_procs) \
                --k "$k" --rep "$rep" --switches "$n_ls" \
                --prefix "$prefix" --cap "$cap" --out "$results" \
                >/dev/null || rc=1
            prefix=$(( prefix + 1 ))
        done
    done
    stop_daemon observer "$O"
    teardown_ovs
    return $rc
}

# --- The run -----------------------------------------------------------------

cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
machine="$(nproc) CPUs ($cpu_model), $(awk '/MemTotal/ {
    printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), kernel $(uname -r)"
progress "$machine"
progress "vtepd $vtepd_bin; floor $floor_bin; results in $out_dir"
progress "$n_ls logical switches, $n_loc locators; sizes:$size_list;" \
    "learning:${learn_list:- none}; runs $runs (ovs-vtep $ovs_runs), cap" \
    "$cap s"

status=0
setup_vtepd || die "vtepd setup failed (logs in $work; --keep keeps them)"
for n in $size_list; do
    for rep in $(seq "$runs"); do
        progress "N=$n run $rep/$runs: floor"
        run_floor "$n" "$rep" || { progress "floor run failed"; status=1; }
        progress "N=$n run $rep/$runs: vtepd"
        run_vtepd "$n" "$rep" || { progress "vtepd run failed"; status=1; }
    done
done
largest=$(echo $size_list | tr ' ' '\n' | sort -n | tail -1)
if [ "$shape_batch" -gt 0 ] && [ "$largest" -ge 10000 ]; then
    for rep in $(seq "$runs"); do
        progress "N=$largest in transactions of $shape_batch rows," \
            "run $rep/$runs: floor, vtepd"
        run_floor "$largest" "$rep" --batch "$shape_batch" --install-only \
            || { progress "floor run failed"; status=1; }
        run_vtepd "$largest" "$rep" --batch "$shape_batch" --install-only \
            || { progress "vtepd run failed"; status=1; }
    done
fi
if [ -n "$learn_list" ]; then
    learn_vtepd || { progress "vtepd learning failed"; status=1; }
fi

if $with_ovs; then
    for n in $size_list; do
        for rep in $(seq "$ovs_runs"); do
            progress "N=$n run $rep/$ovs_runs: ovs-vtep (cap $cap s)"
            run_ovs "$n" "$rep" \
                || { progress "ovs-vtep run failed"; status=1; }
        done
    done
    if [ -n "$learn_list" ] && [ "$ovs_runs" -gt 0 ]; then
        learn_ovs || { progress "ovs-vtep learning failed"; status=1; }
    fi
fi

helper report "$results" --machine "$machine" --runs "$runs" \
    --ovs-runs "$ovs_runs" --cap "$cap" --idle "$idle" --switches "$n_ls" \
    --locators "$n_loc" --plot "$out_dir/scale-install" \
    | tee "$out_dir/report.txt"
if command -v gnuplot >/dev/null; then
    gnuplot "$out_dir/scale-install.gp" \
        && progress "plot: $out_dir/scale-install.png"
else
    progress "gnuplot not found (apt-get install gnuplot-nox): no plot"
fi
exit $status

# utilities/bench-lib.sh: helpers that the benchmarks share
# (bench-forward.sh, bench-scale.sh).  Sourced, not run.

is_uint() { [[ $1 =~ ^[0-9]+$ ]]; }

# stop_pid PID: waits up to 5 s for PID to exit, then TERM, then KILL.
stop_pid() {
    local sig
    for sig in 0 TERM KILL; do
        [ "$sig" = 0 ] || kill -s "$sig" "$1" 2>/dev/null
        for _ in $(seq 50); do
            kill -0 "$1" 2>/dev/null || return 0
            sleep 0.1
        done
    done
}

# nsx NS CMD...: runs CMD in network namespace NS.
nsx() {
    local ns=$1
    shift
    ip netns exec "$ns" "$@"
}

/*
 * vtep-learn.h: the learning table that every datapath provider shares.
 *
 * DOC: A provider feeds this table observations ("source MAC M in VNI V
 * was seen on port P, VLAN X, maybe with IP I, at time T") and hands out
 * what it reports as learning events (vtep-dp-provider.h).  The table does
 * the rest, the same way for every provider:
 *
 *   - (VNI, MAC) -> port, VLAN, IP and the time it was last seen;
 *   - moves (the same MAC on another port or VLAN) and IP changes;
 *   - limits: live MACs per VNI, per port and in the whole table; a new
 *     MAC that a limit refuses is not learned (its frames still forward);
 *   - aging, incremental: live MACs sit on a list in the order they were
 *     last seen, so a pass looks only at the MACs that are due, and at
 *     most 'budget' of them;
 *   - forgetting what a binding learned, incrementally, when it goes;
 *   - events, coalesced per (VNI, MAC): every entry carries at most one
 *     pending event, which says its latest state.  The queue of pending
 *     events is therefore never longer than the table, never overflows
 *     and never loses the latest state: a consumer that is slow simply
 *     gets fewer, newer events.  A MAC that is learned and forgotten
 *     before anyone was told about it produces no event at all.  An entry
 *     that went stays in the table, not forwarding and not counted
 *     against the VNI and port limits, until its DEL event is handed out;
 *     such entries count against the table limit (twice the limit at
 *     most, so memory stays bounded even if nobody polls).
 *   - FULL and ROOM events per limit, with hysteresis so that they cannot
 *     flap: FULL when a limit refuses a MAC, ROOM only once fewer than 90%
 *     of the limit are learned (n * 10 < limit * 9, so at least one below
 *     the limit).  Between the two, new MACs are learned again up to the
 *     limit.  Limit events coalesce too: only a change of state since the
 *     last event handed out is reported.
 *
 * Threads.  One thread, the "writer", observes, ages, looks up and runs
 * the table (the userspace datapath's packet thread; the main thread for
 * the dummy and kernel providers).  It reads the table without locks.  Any
 * thread may poll events, ask for a binding to be flushed and read the
 * counters; those take the table's mutex, and so does the writer whenever
 * it changes something a poller can see (a new MAC, a move, an aged MAC, a
 * limit's state), never for a MAC that is seen again where it was, nor for
 * a MAC a limit refuses while that limit is already full.  Every critical
 * section is bounded: a poll by its 'max', a run by its 'budget'.
 */
#ifndef VTEP_LEARN_H
#define VTEP_LEARN_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "openvswitch/types.h"
#include "packets.h"
#include "vtep-dp.h"

struct vtep_learn;
struct vtep_learn_port;

/* The largest table: learned MACs over all VNIs. */
#define VTEP_LEARN_TABLE_MAX (1u << 20)

struct vtep_learn_config {
    unsigned int aging;           /* Seconds; 0 disables aging. */
    unsigned int vni_limit;       /* Live MACs per VNI; 0: none. */
    unsigned int port_limit;      /* Live MACs per port; 0: none. */
    unsigned int table_limit;     /* All VNIs; 0: VTEP_LEARN_TABLE_MAX. */
};

/* What vtep_learn_observe() did. */
enum vtep_learn_outcome {
    VTEP_LEARN_SEEN,              /* Known there already: age reset. */
    VTEP_LEARN_NEW,               /* Learned. */
    VTEP_LEARN_MOVED,             /* Known on another port or VLAN: moved. */
    VTEP_LEARN_NEW_IP,            /* Known there, with another IP now. */
    VTEP_LEARN_REFUSED,           /* A limit refused it: not learned. */
};

struct vtep_learn_stats {
    size_t n_macs;                /* Live learned MACs. */
    size_t n_pending;             /* MAC and limit events to hand out. */
    size_t n_gone;                /* Gone, DEL not yet handed out/freed. */
    uint64_t n_learned;           /* New MACs, ever. */
    uint64_t n_moved;
    uint64_t n_aged;
    uint64_t n_flushed;           /* Forgotten with their binding. */
    uint64_t n_refused;           /* Frames whose new MAC was refused. */
    uint64_t n_events;            /* Events handed out. */
};

struct vtep_learn *vtep_learn_create(const struct vtep_learn_config *);
void vtep_learn_destroy(struct vtep_learn *);

/* Writer thread only. */
struct vtep_learn_port *vtep_learn_port(struct vtep_learn *,
                                        const char *name);
const char *vtep_learn_port_name(const struct vtep_learn_port *);
size_t vtep_learn_port_index(const struct vtep_learn_port *);
enum vtep_learn_outcome vtep_learn_observe(struct vtep_learn *,
                                           uint32_t vni, struct eth_addr,
                                           struct vtep_learn_port *,
                                           uint16_t vlan, ovs_be32 ip,
                                           long long int now);
bool vtep_learn_lookup(const struct vtep_learn *, uint32_t vni,
                       struct eth_addr, const struct vtep_learn_port **,
                       uint16_t *vlan);
bool vtep_learn_forget(struct vtep_learn *, uint32_t vni, struct eth_addr);
bool vtep_learn_run(struct vtep_learn *, long long int now, size_t budget);
long long int vtep_learn_next_run(const struct vtep_learn *);
bool vtep_learn_take_changed(struct vtep_learn *);

/* Any thread. */
void vtep_learn_flush_binding(struct vtep_learn *, const char *port,
                              uint16_t vlan, uint32_t vni);
size_t vtep_learn_poll(struct vtep_learn *, struct vtep_dp_learned *,
                       size_t max);
bool vtep_learn_has_events(struct vtep_learn *);
void vtep_learn_get_stats(struct vtep_learn *, struct vtep_learn_stats *);

/* True if a limit of 'max' that refused a MAC has room again with 'n'. */
static inline bool
vtep_learn_below_low_mark(unsigned int n, unsigned int max)
{
    return (uint64_t) n * 10 < (uint64_t) max * 9;
}

#endif /* vtep-learn.h */

/*
 * vtep-dp-provider.h: the datapath provider interface.
 *
 * A datapath provider is what makes packets follow the desired state: the
 * userspace datapath (libpcap + UDP), the Linux kernel (vxlan + bridge via
 * netlink), or the dummy that only records.  vtepd's reconciler (see
 * vtep-reconcile.h) is the only caller of the table operations, and calls
 * them with the difference between what it wants and what the provider
 * holds, never the whole state.
 *
 * Contract
 * --------
 *
 * - Operations take plain values (VNI, MAC, IPv4, port name, VLAN), never
 *   database rows.  Strings are borrowed for the call only: a provider that
 *   keeps one copies it.
 *
 * - Every table operation returns 0 or a positive errno.  On error the
 *   provider's table is unchanged for that entry and the reconciler retries
 *   later.  ENOSPC means "table full" and is reported as
 *   mac_table_exhaustion; anything else is an unspecified fault.
 *
 * - Ordering, guaranteed by the reconciler: ls_set(vni) comes before any
 *   binding, unicast or flood operation for that VNI; every binding,
 *   unicast and flood entry of a VNI is removed before ls_del(vni).
 *   ucast_set replaces the locator of an existing (vni, mac).  flood_set
 *   with n_ips == 0 removes the entry.
 *
 * - run() does bounded work and never blocks; wait() arranges for the poll
 *   loop to wake when run() has something to do (for example a learned MAC
 *   to report).  Neither may wait on the database.
 *
 * - learned_poll() hands out up to 'max' learning events (a new or moved
 *   MAC is VTEP_LEARN_ADD, an aged one or one whose binding went away
 *   VTEP_LEARN_DEL) and returns how many; the provider keeps the rest for
 *   the next call.  Events are coalesced per (VNI, MAC): only the latest
 *   state is reported, and a provider never drops one (if it cannot queue
 *   more, it keeps the state and reports it later).  Limits: when a new
 *   MAC is refused because its VNI holds cfg->mac_limit learned MACs, its
 *   port cfg->mac_limit_port, or the provider's table is full, the
 *   provider reports VTEP_LEARN_FULL once for that limit ('limit' says
 *   which, with 'vni' or 'port'), and VTEP_LEARN_ROOM once fewer than 90%
 *   of that limit are learned again; both carry the broadcast MAC, which is
 *   never learned.  Providers get all of this from the shared learning
 *   table (vtep-learn.h), which documents it in full.  wait() wakes the
 *   caller while events are pending, so the caller must drain them every
 *   iteration.
 *
 * - Optional operations may be NULL.
 *
 * Batching
 * --------
 *
 * A provider whose operations are messages to somebody else (the kernel's
 * netlink) should not pay one round trip per entry.  The reconciler
 * brackets the operations of one reconciler_run() call between
 * batch_begin() and batch_commit().  Inside a batch a provider may queue an
 * operation and return 0 at once ("accepted"); batch_commit() sends what is
 * queued, collects the answers and calls 'cb' once for every accepted
 * operation that failed, with the operation's key and errno, in any order.
 * An error returned directly from an operation inside a batch means the
 * same as outside one (not queued, table unchanged).  After a failure the
 * provider's entry for that key is unknown (it may hold the old value, the
 * new one or none): the reconciler retries the key and a retried set must
 * replace whatever is there, a retried delete of an absent entry succeeds.
 * Operations that depend on each other (ls_set, then entries of its VNI)
 * keep their order within a batch.  A provider without batch_begin and
 * batch_commit completes every operation at once.
 *
 * 'budget_ms' is how long one reconciler_run() may spend issuing this
 * provider's operations, in real time (0: no limit but the caller's count
 * of operations).  What is left waits for the next main-loop iteration,
 * so that a slow provider does not stall the database and unixctl.
 *
 * Adoption and resync
 * -------------------
 *
 * A provider whose state outlives vtepd (the kernel keeps bridges, vxlan
 * devices and FDB entries when vtepd is killed) implements dump(): it
 * calls the visitor once for every logical switch, binding, unicast and
 * flood entry that it holds and that it owns (that a previous vtepd
 * created), switches first.  The reconciler calls dump() once before its
 * first operation, records what was reported as installed and converges
 * by difference: what matches the desired state is left alone (no packet
 * is lost for it), what differs is replaced, what is not wanted is
 * removed.  The reconciler calls nothing in the provider before the
 * desired state is complete (vtepd's first full contact with the
 * database).
 *
 * need_resync() returns true once when the provider has lost track of
 * what it holds (netlink ENOBUFS, a device deleted behind its back): the
 * reconciler then forgets its record, calls dump() again and converges as
 * at start-up.
 */
#ifndef VTEP_DP_PROVIDER_H
#define VTEP_DP_PROVIDER_H 1

#include "vtep-dp.h"

struct ds;

/* The key of one operation, as batch_commit() reports a failure. */
enum vtep_dp_op_type {
    VTEP_DP_OP_LS_SET,
    VTEP_DP_OP_LS_DEL,
    VTEP_DP_OP_BINDING_ADD,
    VTEP_DP_OP_BINDING_DEL,
    VTEP_DP_OP_UCAST_SET,
    VTEP_DP_OP_UCAST_DEL,
    VTEP_DP_OP_FLOOD_SET,            /* n_remotes == 0 included. */
};

struct vtep_dp_op_key {
    enum vtep_dp_op_type type;
    uint32_t vni;                    /* All but the binding operations. */
    struct eth_addr mac;             /* UCAST_*, FLOOD_SET. */
    const char *port;                /* BINDING_*; borrowed for the call. */
    uint16_t vlan;                   /* BINDING_*. */
};

typedef void vtep_dp_failure_cb(void *aux, const struct vtep_dp_op_key *,
                                int error);

/* What dump() reports, one callback per kind of entry.  Strings are
 * borrowed for the call. */
struct vtep_dp_visitor {
    void (*ls)(void *aux, const struct vtep_dp_ls *);
    void (*binding)(void *aux, const char *port, uint16_t vlan,
                    uint32_t vni);
    void (*ucast)(void *aux, uint32_t vni, struct eth_addr mac,
                  ovs_be32 remote);
    /* 'remotes' sorted and free of duplicates, n_remotes > 0. */
    void (*flood)(void *aux, uint32_t vni, struct eth_addr mac,
                  const ovs_be32 *remotes, size_t n_remotes);
};

/* An open datapath.  Providers embed it as the first member of their own
 * structure. */
struct vtep_dp {
    const struct vtep_dp_class *class;
    char *name;                      /* Switch name, for messages. */
};

struct vtep_dp_class {
    const char *type;                /* "user", "kernel", "dummy". */

    /* Creates a datapath for 'cfg' in '*dpp'.  Returns 0 or errno. */
    int (*open)(const struct vtep_dp_config *cfg, struct vtep_dp **dpp);
    void (*close)(struct vtep_dp *);

    void (*run)(struct vtep_dp *);
    void (*wait)(struct vtep_dp *);

    /* Logical switches, keyed by VNI.  ls_set adds or updates the mode. */
    int (*ls_set)(struct vtep_dp *, const struct vtep_dp_ls *);
    int (*ls_del)(struct vtep_dp *, uint32_t vni);

    /* (port, vlan) -> VNI.  vlan 0 means untagged frames. */
    int (*binding_add)(struct vtep_dp *, const char *port, uint16_t vlan,
                       uint32_t vni);
    int (*binding_del)(struct vtep_dp *, const char *port, uint16_t vlan);

    /* Remote unicast MACs: (vni, mac) -> remote VTEP. */
    int (*ucast_set)(struct vtep_dp *, uint32_t vni, struct eth_addr mac,
                     ovs_be32 remote);
    int (*ucast_del)(struct vtep_dp *, uint32_t vni, struct eth_addr mac);

    /* Flood lists: (vni, mac) -> remote VTEPs, where the all-zero MAC is
     * the unknown-dst entry used for broadcast, unknown unicast and
     * multicast without an entry of its own.  'remotes' is sorted and
     * free of duplicates.  n_remotes == 0 deletes the entry.  The list is
     * the effective one: a frame goes to every remote in it, once.  The
     * reconciler applies the policy (in service_node mode it passes the
     * one service node chosen for the switch; the flood limit), so a
     * provider never chooses. */
    int (*flood_set)(struct vtep_dp *, uint32_t vni, struct eth_addr mac,
                     const ovs_be32 *remotes, size_t n_remotes);

    /* Learning events: see the contract above.  May be NULL. */
    size_t (*learned_poll)(struct vtep_dp *, struct vtep_dp_learned *,
                           size_t max);

    /* Counters of one binding.  Returns 0, or ENOENT if unknown.  May be
     * NULL. */
    int (*binding_stats)(struct vtep_dp *, const char *port, uint16_t vlan,
                         struct vtep_dp_binding_stats *);

    /* Appends human-readable counters (drops by reason, etc.) to 'out'.
     * May be NULL. */
    void (*format_stats)(struct vtep_dp *, struct ds *out);

    /* Batching (see above).  Both or neither may be NULL. */
    void (*batch_begin)(struct vtep_dp *);
    void (*batch_commit)(struct vtep_dp *, vtep_dp_failure_cb *, void *aux);
    unsigned int budget_ms;

    /* Adoption and resync (see above).  May be NULL. */
    void (*dump)(struct vtep_dp *, const struct vtep_dp_visitor *,
                 void *aux);
    bool (*need_resync)(struct vtep_dp *);

    /* Removes everything the provider owns from the system (the kernel's
     * devices and entries), for "exit --cleanup".  May be NULL. */
    void (*cleanup)(struct vtep_dp *);
};

extern const struct vtep_dp_class vtep_dp_dummy_class;
extern const struct vtep_dp_class vtep_dp_user_class;
extern const struct vtep_dp_class vtep_dp_kernel_class;

/* The reconciler's view of the optional operations (vtep-dp.c). */
void vtep_dp_batch_begin(struct vtep_dp *);
void vtep_dp_batch_commit(struct vtep_dp *, vtep_dp_failure_cb *, void *aux);
unsigned int vtep_dp_budget_ms(const struct vtep_dp *);
bool vtep_dp_can_dump(const struct vtep_dp *);
void vtep_dp_dump(struct vtep_dp *, const struct vtep_dp_visitor *,
                  void *aux);
bool vtep_dp_need_resync(struct vtep_dp *);
void vtep_dp_cleanup(struct vtep_dp *);

#endif /* vtep-dp-provider.h */

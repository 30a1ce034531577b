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
 */
#ifndef VTEP_DP_PROVIDER_H
#define VTEP_DP_PROVIDER_H 1

#include "vtep-dp.h"

struct ds;

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
     * free of duplicates.  n_remotes == 0 deletes the entry. */
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
};

extern const struct vtep_dp_class vtep_dp_dummy_class;
extern const struct vtep_dp_class vtep_dp_user_class;
extern const struct vtep_dp_class vtep_dp_kernel_class;

#endif /* vtep-dp-provider.h */

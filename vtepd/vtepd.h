/*
 * vtepd.h: the context that vtepd's modules share.
 *
 * vtepd is one process with one poll loop (see vtepd.c).  Each module has a
 * *_run() that the loop calls every iteration and, where it has fds or
 * timers of its own, a *_wait():
 *
 *   physical.c   our Physical_Switch and Physical_Port rows: create or
 *                adopt them, restore them, write the fault columns.
 *   logical.c    rows -> desired state (lib/vtep-state.h): logical
 *                switches, our ports' bindings, remote MACs and locators,
 *                incrementally through IDL change tracking, with a full
 *                resync after a reconnection.
 *   local.c      what only the switch knows, written back: learned MACs
 *                (Ucast_Macs_Local, ucast-local.c, adopting an earlier
 *                run's rows, at --mac-write-rate), the unknown-dst
 *                Mcast_Macs_Local row of each logical switch we serve
 *                (locator.c), the MAC limit faults and the binding
 *                counters (Logical_Binding_Stats, binding-stats.c),
 *                coalesced into few transactions; see local.h.
 *   cleanup.c    "exit --cleanup": our rows leave with us (after the loop).
 *
 * The desired state goes to the reconciler and from there, as operations,
 * to the datapath provider (lib/vtep-reconcile.h, lib/vtep-dp.h).
 */
#ifndef VTEPD_H
#define VTEPD_H 1

#include <stdbool.h>
#include <stddef.h>
#include "openvswitch/types.h"
#include "vtep-fault.h"
#include "vtep-state.h"

struct ds;
struct local;
struct ovsdb_idl;
struct ovsdb_idl_txn;
struct reconciler;
struct vtep_dp;

/* Learning defaults (see vtepd(8)), what a ToR would set as per-VLAN and
 * per-port MAC limits: 4096 MACs are more than any one server (hundreds
 * of VMs or containers) shows on its port; 16384 cover a large L2 segment
 * across a rack or a pod.  Both keep a MAC flood on one port to a few
 * thousand rows in a database that every controller replicates, instead
 * of up to a million.  2000 row changes per second write a switch at its
 * limit in about eight seconds and bound the churn a flapping host can
 * push. */
#define VTEPD_MAC_LIMIT 16384
#define VTEPD_MAC_LIMIT_PORT 4096
#define VTEPD_MAC_WRITE_RATE 2000

/* What the operator configured. */
struct vtepd_config {
    char *db_remote;
    char *name;                   /* Physical_Switch name. */
    char *description;            /* NULL: leave the column alone. */
    char *tunnel_ip_s;            /* As given. */
    ovs_be32 tunnel_ip;
    char **management_ips;
    size_t n_management_ips;
    char **ports;                 /* Trunk ports. */
    size_t n_ports;
    char *datapath;               /* "user", "kernel", "dummy". */
    unsigned int mac_aging;       /* Seconds. */
    unsigned int mac_limit;       /* Per logical switch; 0: none. */
    unsigned int mac_limit_port;  /* Per trunk port; 0: none. */
    unsigned int mac_write_rate;  /* Ucast_Macs_Local changes per second;
                                   * 0: no limit. */
    unsigned int vxlan_port;
    unsigned int stats_interval;  /* Seconds; 0: no binding counters. */
    enum vtep_default_flood default_flood;
    ovs_be32 *default_nodes;      /* For VTEP_DEFAULT_FLOOD_NODES. */
    size_t n_default_nodes;
    unsigned int flood_limit;     /* Remotes per flood entry; 0: none. */
};

struct vtepd_ctx {
    const struct vtepd_config *cfg;
    struct ovsdb_idl *idl;
    struct ovsdb_idl_txn *txn;    /* NULL while a transaction is in flight. */

    struct vtep_faults faults;
    struct vtep_state state;
    struct vtep_dp *dp;
    struct reconciler *rec;
    struct local *local;          /* local.c's own state. */

    /* logical.c */
    unsigned int idl_seqno;       /* Last IDL seqno we processed. */
    bool need_resync;             /* Next pass must be a full sweep. */
    bool desired_complete;        /* A full sweep is done: the desired
                                   * state holds the whole database, so the
                                   * reconciler may remove what it does not
                                   * want (a datapath's adopted state). */
    unsigned long long int n_resyncs;
    unsigned long long int n_incremental;

    /* physical.c */
    unsigned long long int n_fault_checks;  /* Fault columns compared. */
    unsigned long long int n_fault_writes;  /* Fault columns written. */
    bool switch_created;          /* We inserted the switch row. */
    unsigned long long int n_restores;
};

/* physical.c */
void physical_register_columns(struct ovsdb_idl *);
void physical_run(struct vtepd_ctx *);
const struct vteprec_physical_switch *physical_find_switch(
    const struct vtepd_ctx *);
bool physical_is_our_port(const struct vtepd_ctx *, const char *name);
void physical_format(const struct vtepd_ctx *, struct ds *);

/* logical.c */
void logical_register_columns(struct ovsdb_idl *);
void logical_run(struct vtepd_ctx *);

/* local.c */
void local_register_columns(struct ovsdb_idl *);
void local_init(struct vtepd_ctx *);
void local_destroy(struct vtepd_ctx *);
void local_run(struct vtepd_ctx *);
void local_wait(struct vtepd_ctx *);
void local_format_stats(const struct vtepd_ctx *, struct ds *);
bool local_dump(const struct vtepd_ctx *, const char *logical_switch,
                struct ds *);
/* True if nothing learned waits to be written and no transaction with
 * local.c's writes is in flight (vtepd/barrier waits for it). */
bool local_is_settled(const struct vtepd_ctx *);

/* cleanup.c: "exit --cleanup".  Removes our rows in one transaction and
 * waits up to 'timeout_ms' for it; says what it did in 'result'.  Returns
 * 0 or ETIMEDOUT. */
struct ovsdb_idl_loop;
int cleanup_run(struct vtepd_ctx *, struct ovsdb_idl_loop *,
                long long int timeout_ms, struct ds *result);

#endif /* vtepd.h */

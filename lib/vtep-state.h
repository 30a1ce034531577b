/*
 * vtep-state.h: the desired state of one physical switch.
 *
 * The database side of vtepd feeds this module the rows it cares about,
 * keyed by row UUID, as plain strings and numbers: logical switches, the
 * VLAN bindings of its own ports, remote unicast MACs and remote multicast
 * (flood) MACs with their locators.  The module validates them (reporting
 * bad rows in a vtep_faults registry and leaving them out), resolves
 * duplicates and conflicts, and derives the effective state:
 *
 *   - active logical switches, by VNI: a switch with a valid, unique,
 *     non-zero tunnel_key and at least one binding on our ports;
 *   - bindings (port, vlan) -> VNI of an active switch;
 *   - remote unicast MACs (vni, mac) -> remote VTEP IP;
 *   - flood lists (vni, mac or unknown-dst) -> remote VTEP IPs.
 *
 * Every change to the effective state marks its key dirty (see struct
 * vtep_dirty); the reconciler (vtep-reconcile.h) turns dirty keys into
 * datapath operations.  The work done for one changed row is proportional
 * to that row, except when a logical switch is activated, deactivated or
 * renumbered, which marks its own entries.
 *
 * Conflict rules:
 *   - Duplicate Ucast_Macs_Remote rows for one (switch, MAC) are legal: the
 *     most recently written valid row wins.
 *   - Duplicate Mcast_Macs_Remote rows for one (switch, MAC): the union of
 *     their locators.
 *   - Two logical switches with one VNI: one bound on our ports beats one
 *     bound nowhere; among equals the one that holds the VNI keeps it, and
 *     at start-up (no holder yet) the one whose name sorts first gets it.
 *     The other is reported and not applied until the conflict ends.  So
 *     a restart gives the VNI back to the switch that carried traffic.
 *   - Our own tunnel IP is never a remote: it is left out of flood lists,
 *     and a unicast MAC that points at it is not applied.
 *
 * Resync: vtep_state_sweep_begin(), then set every row that exists, then
 * vtep_state_sweep_end() deletes what was not set.  Unchanged rows cost a
 * comparison and produce no dirty keys.
 */
#ifndef VTEP_STATE_H
#define VTEP_STATE_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "openvswitch/hmap.h"
#include "openvswitch/list.h"
#include "openvswitch/types.h"
#include "openvswitch/uuid.h"
#include "packets.h"
#include "vtep-types.h"

struct ds;
struct vtep_faults;

/* Keys whose effective state may have changed since the reconciler last
 * looked.  Each hmap holds "struct vtep_dirty_key"s. */
struct vtep_dirty {
    struct hmap lss;              /* By vni. */
    struct hmap bindings;         /* By (port, vlan). */
    struct hmap ucast;            /* By (vni, mac). */
    struct hmap mcast;            /* By (vni, mac). */
};

struct vtep_dirty_key {
    struct hmap_node node;
    uint32_t vni;
    uint16_t vlan;
    struct eth_addr mac;
    char *port;                   /* Bindings only. */
};

void vtep_dirty_init(struct vtep_dirty *);
void vtep_dirty_destroy(struct vtep_dirty *);
bool vtep_dirty_is_empty(const struct vtep_dirty *);
size_t vtep_dirty_count(const struct vtep_dirty *);
void vtep_dirty_ls(struct vtep_dirty *, uint32_t vni);
void vtep_dirty_binding(struct vtep_dirty *, const char *port,
                        uint16_t vlan);
void vtep_dirty_ucast(struct vtep_dirty *, uint32_t vni, struct eth_addr);
void vtep_dirty_mcast(struct vtep_dirty *, uint32_t vni, struct eth_addr);
struct vtep_dirty_key *vtep_dirty_pop(struct hmap *);
void vtep_dirty_key_free(struct vtep_dirty_key *);

/* A logical switch.  Read-only outside vtep-state.c. */
struct vtep_state_ls {
    struct hmap_node uuid_node;   /* In vtep_state 'lss'. */
    struct hmap_node vni_node;    /* In vtep_state 'active', if active. */
    struct uuid uuid;
    bool has_row;                 /* False: only referenced so far. */
    unsigned int seen;
    char *name;
    uint32_t vni;                 /* Valid key, or 0. */
    enum vtep_repl_mode mode;
    bool owns_vni;                /* Holds 'vni' (no conflict). */
    bool active;                  /* In 'active'. */
    struct ovs_list bindings;     /* "struct vtep_state_binding"s. */
    size_t n_bindings;
    struct hmap ucast;            /* "struct vtep_state_umac"s, by MAC. */
    struct hmap mcast;            /* "struct vtep_state_mmac"s, by MAC. */
};

/* A (switch, MAC) of Ucast_Macs_Remote, with the rows that name it. */
struct vtep_state_umac {
    struct hmap_node node;        /* In vtep_state_ls 'ucast'. */
    struct eth_addr mac;
    struct ovs_list rows;         /* "struct vtep_state_urow"s. */
};

/* A (switch, MAC) of Mcast_Macs_Remote, with the rows that name it. */
struct vtep_state_mmac {
    struct hmap_node node;        /* In vtep_state_ls 'mcast'. */
    struct eth_addr mac;          /* All-zero for unknown-dst. */
    struct ovs_list rows;         /* "struct vtep_state_mrow"s. */
};

/* A binding of one of our ports. */
struct vtep_state_binding {
    struct hmap_node node;        /* In its port's 'bindings', by vlan. */
    struct ovs_list ls_node;      /* In its switch's 'bindings'. */
    struct vtep_state_port *port;
    uint16_t vlan;
    struct vtep_state_ls *ls;
};

struct vtep_state_port {
    struct hmap_node node;        /* In vtep_state 'ports', by name. */
    char *name;
    unsigned int seen;
    struct hmap bindings;         /* "struct vtep_state_binding"s. */
    int64_t *bad_vlans;           /* vlan_bindings keys that are no VLAN. */
    size_t n_bad_vlans;
};

struct vtep_state {
    struct vtep_faults *faults;
    ovs_be32 local_ip;

    struct hmap lss;              /* All switches, by UUID. */
    struct hmap active;           /* Active switches, by VNI. */
    struct hmap claims;           /* VNI claims, by VNI. */
    struct hmap ports;            /* Our ports, by name. */
    struct hmap urows;            /* Ucast_Macs_Remote rows, by UUID. */
    struct hmap mrows;            /* Mcast_Macs_Remote rows, by UUID. */

    uint64_t gen;                 /* Write order, for duplicate MACs. */
    unsigned int sweep;           /* Current sweep generation. */
    bool sweeping;

    struct vtep_dirty dirty;

    /* Flooding for switches without an unknown-dst row (--default-flood). */
    enum vtep_default_flood default_flood;
    ovs_be32 *default_nodes;      /* VTEP_DEFAULT_FLOOD_NODES: sorted. */
    size_t n_default_nodes;
};

void vtep_state_init(struct vtep_state *, struct vtep_faults *);
void vtep_state_destroy(struct vtep_state *);
void vtep_state_set_local_ip(struct vtep_state *, ovs_be32);
void vtep_state_set_default_flood(struct vtep_state *,
                                  enum vtep_default_flood,
                                  const ovs_be32 *nodes, size_t n_nodes);
enum vtep_repl_mode vtep_state_ls_mode(const struct vtep_state *,
                                       const struct vtep_state_ls *);

/* Logical_Switch rows. */
void vtep_state_ls_set(struct vtep_state *, const struct uuid *,
                       const char *name, const int64_t *tunnel_key,
                       size_t n_tunnel_key, const char *replication_mode);
void vtep_state_ls_del(struct vtep_state *, const struct uuid *);

/* The vlan_bindings of one of our ports: replaces all of them. */
void vtep_state_port_set(struct vtep_state *, const char *port,
                         const int64_t *vlans, const struct uuid *lss,
                         size_t n);
void vtep_state_port_del(struct vtep_state *, const char *port);

/* A Physical_Locator, as a row refers to it. */
struct vtep_locator_spec {
    const char *encap;
    const char *dst_ip;
};

/* Ucast_Macs_Remote rows. */
void vtep_state_ucast_set(struct vtep_state *, const struct uuid *row,
                          const struct uuid *ls, const char *mac,
                          const struct vtep_locator_spec *);
void vtep_state_ucast_del(struct vtep_state *, const struct uuid *row);

/* Mcast_Macs_Remote rows. */
void vtep_state_mcast_set(struct vtep_state *, const struct uuid *row,
                          const struct uuid *ls, const char *mac,
                          const struct vtep_locator_spec *, size_t n);
void vtep_state_mcast_del(struct vtep_state *, const struct uuid *row);

bool vtep_state_knows_row(const struct vtep_state *, const struct uuid *);

void vtep_state_sweep_begin(struct vtep_state *);
void vtep_state_sweep_end(struct vtep_state *);

/* The effective state. */
const struct vtep_state_ls *vtep_state_find_active(const struct vtep_state *,
                                                   uint32_t vni);
const struct vtep_state_ls *vtep_state_find_ls(const struct vtep_state *,
                                               const struct uuid *);
uint32_t vtep_state_binding_vni(const struct vtep_state *, const char *port,
                                uint16_t vlan);
bool vtep_state_ucast_lookup(const struct vtep_state *, uint32_t vni,
                             struct eth_addr, ovs_be32 *remote);
size_t vtep_state_flood_remotes(const struct vtep_state *,
                                const struct vtep_state_mmac *,
                                ovs_be32 **remotes);
size_t vtep_state_flood_lookup(const struct vtep_state *, uint32_t vni,
                               struct eth_addr, ovs_be32 **remotes);
size_t vtep_state_ls_n_ucast(const struct vtep_state_ls *);

void vtep_state_format(const struct vtep_state *, struct ds *);

#endif /* vtep-state.h */

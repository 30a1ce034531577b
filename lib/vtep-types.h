/*
 * vtep-types.h: plain, validated values that flow from the database side of
 * vtepd to the desired state, the reconciler and the datapath providers.
 *
 * Every string that arrives from an OVSDB row is untrusted.  The parsers
 * here turn such strings into these values or return a positive errno; they
 * never log (the caller knows which row it was and logs once).
 */
#ifndef VTEP_TYPES_H
#define VTEP_TYPES_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "hash.h"
#include "openvswitch/types.h"
#include "packets.h"

#define VTEP_VNI_MAX 0xffffff       /* 24-bit VXLAN network identifier. */
#define VTEP_VLAN_MAX 4095          /* 802.1Q VID field; 0 means untagged. */
#define VTEP_VLAN_RESERVED 4095     /* Reserved by 802.1Q: never a binding. */
#define VTEP_VXLAN_PORT 4789        /* IANA VXLAN UDP port (RFC 7348). */
#define VTEP_ENCAP_VXLAN_IPV4 "vxlan_over_ipv4"
#define VTEP_UNKNOWN_DST "unknown-dst"

/* Logical_Switch:replication_mode.  An empty column means service_node. */
enum vtep_repl_mode {
    VTEP_REPL_SERVICE_NODE,
    VTEP_REPL_SOURCE_NODE,
};

const char *vtep_repl_mode_to_string(enum vtep_repl_mode);

/* What a logical switch without a Mcast_Macs_Remote unknown-dst row floods
 * broadcast, multicast and unknown unicast to, besides its local bindings
 * (vtepd --default-flood).  vtep(5) says: nothing.  Controllers that never
 * write Mcast_Macs_Remote (networking-l2gw) need one of the others. */
enum vtep_default_flood {
    VTEP_DEFAULT_FLOOD_NONE,      /* vtep(5): local bindings only. */
    VTEP_DEFAULT_FLOOD_LOCATORS,  /* Head-end replication to every remote
                                   * VTEP of the switch's unicast MACs. */
    VTEP_DEFAULT_FLOOD_NODES,     /* A configured set of VTEPs, replicated
                                   * per the switch's replication_mode. */
};

/* Multicast-remote entries are keyed by MAC; the all-zero MAC (never a
 * valid multicast MAC) stands for "unknown-dst", the flood entry. */
static inline bool
vtep_mac_is_unknown_dst(const struct eth_addr mac)
{
    return eth_addr_is_zero(mac);
}

/* The hash of a (VNI, MAC) key, for every table keyed by one: the desired
 * state, the reconciler and the datapath providers.  A per-switch table
 * keyed by MAC alone passes 0 for 'vni'. */
static inline uint32_t
vtep_hash_vni_mac(uint32_t vni, const struct eth_addr mac)
{
    return hash_uint64_basis(eth_addr_to_uint64(mac), vni);
}

/* A qsort() comparator for an array of "char *": strcmp() order. */
int vtep_compare_strings(const void *, const void *);

int vtep_parse_mac(const char *, struct eth_addr *);
int vtep_parse_ucast_mac(const char *, struct eth_addr *);
int vtep_parse_mcast_mac(const char *, struct eth_addr *);
int vtep_parse_vni(const int64_t *key, size_t n_key, uint32_t *vni);
int vtep_parse_vlan(int64_t, uint16_t *vlan);
int vtep_parse_repl_mode(const char *, enum vtep_repl_mode *);
int vtep_parse_ipv4(const char *, ovs_be32 *);
int vtep_parse_locator(const char *encap, const char *dst_ip, ovs_be32 *ip);
int vtep_parse_default_flood(const char *, enum vtep_default_flood *,
                             ovs_be32 **nodes, size_t *n_nodes);

/* Formats 'mcast' as vtep(5) writes it: "unknown-dst" or a MAC. */
void vtep_format_mcast_mac(const struct eth_addr, char buf[ETH_ADDR_STRLEN
                                                         + 1]);

#endif /* vtep-types.h */

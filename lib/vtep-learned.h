/*
 * vtep-learned.h: vtepd's copy of the MACs the datapath learned.
 *
 * DOC: The database side of vtepd (vtepd/local.c) keeps what the datapath
 * reported through learning events, by (VNI, MAC): where the MAC was seen
 * and its IP, and whether it is still there.  Each change that matters to
 * the database marks the entry dirty; repeated events for one MAC collapse
 * into one dirty entry, so that a burst of events costs one row change per
 * MAC.  The writer (vtepd/ucast-local.c) pops dirty entries, writes them,
 * and removes entries that are no longer present once their rows are gone.
 *
 * An ADD without an IP keeps the IP an earlier one gave (ARP is not in
 * every frame).  A DEL of an unknown MAC changes nothing.  This module does
 * not validate events: its caller does (VNI, port, binding), because that
 * takes the desired state.
 */
#ifndef VTEP_LEARNED_H
#define VTEP_LEARNED_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "openvswitch/hmap.h"
#include "openvswitch/list.h"
#include "openvswitch/types.h"
#include "openvswitch/uuid.h"
#include "packets.h"
#include "vtep-dp.h"

struct vtep_learned_mac {
    struct hmap_node node;            /* In 'macs', by (vni, mac). */
    struct ovs_list dirty_node;       /* In 'dirty', if 'dirty'. */
    uint32_t vni;
    struct eth_addr mac;
    char port[VTEP_PORT_NAME_MAX];
    uint16_t vlan;
    ovs_be32 ip;                      /* From ARP, or 0. */
    bool present;                     /* False: gone, its row is to go. */
    bool dirty;

    /* For the writer. */
    bool written;                     /* 'written_ls' is meaningful. */
    struct uuid written_ls;           /* Logical switch of its row. */
};

struct vtep_learned {
    struct hmap macs;                 /* "struct vtep_learned_mac"s. */
    struct ovs_list dirty;            /* Oldest first. */
    size_t n_present;
    size_t n_dirty;
};

void vtep_learned_init(struct vtep_learned *);
void vtep_learned_destroy(struct vtep_learned *);

struct vtep_learned_mac *vtep_learned_find(const struct vtep_learned *,
                                           uint32_t vni, struct eth_addr);
struct vtep_learned_mac *vtep_learned_add(struct vtep_learned *,
                                          const struct vtep_dp_learned *,
                                          bool *changed);
bool vtep_learned_del(struct vtep_learned *, uint32_t vni, struct eth_addr);

void vtep_learned_mark_dirty(struct vtep_learned *,
                             struct vtep_learned_mac *);
void vtep_learned_mark_all_dirty(struct vtep_learned *);
struct vtep_learned_mac *vtep_learned_pop_dirty(struct vtep_learned *);
void vtep_learned_remove(struct vtep_learned *, struct vtep_learned_mac *);

#endif /* vtep-learned.h */

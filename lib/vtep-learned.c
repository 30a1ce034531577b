/*
 * vtep-learned.c: vtepd's copy of the MACs the datapath learned.  See
 * vtep-learned.h.
 */
#include <config.h>
#include "vtep-learned.h"

#include <string.h>
#include "openvswitch/vlog.h"
#include "util.h"
#include "vtep-types.h"

VLOG_DEFINE_THIS_MODULE(vtep_learned);

void
vtep_learned_init(struct vtep_learned *t)
{
    hmap_init(&t->macs);
    ovs_list_init(&t->dirty);
    t->n_present = 0;
    t->n_dirty = 0;
}

void
vtep_learned_destroy(struct vtep_learned *t)
{
    struct vtep_learned_mac *m;
    HMAP_FOR_EACH_POP (m, node, &t->macs) {
        free(m);
    }
    hmap_destroy(&t->macs);
}

struct vtep_learned_mac *
vtep_learned_find(const struct vtep_learned *t, uint32_t vni,
                  struct eth_addr mac)
{
    struct vtep_learned_mac *m;
    HMAP_FOR_EACH_WITH_HASH (m, node, vtep_hash_vni_mac(vni, mac), &t->macs) {
        if (m->vni == vni && eth_addr_equals(m->mac, mac)) {
            return m;
        }
    }
    return NULL;
}

void
vtep_learned_mark_dirty(struct vtep_learned *t, struct vtep_learned_mac *m)
{
    if (!m->dirty) {
        m->dirty = true;
        ovs_list_push_back(&t->dirty, &m->dirty_node);
        t->n_dirty++;
    }
}

void
vtep_learned_mark_all_dirty(struct vtep_learned *t)
{
    struct vtep_learned_mac *m;
    HMAP_FOR_EACH (m, node, &t->macs) {
        vtep_learned_mark_dirty(t, m);
    }
}

/* Applies the ADD event 'ev': the MAC is present, where 'ev' says.  Sets
 * '*changed' if that is news to the database (new, moved, new IP), in
 * which case the entry is dirty.  Returns the entry. */
struct vtep_learned_mac *
vtep_learned_add(struct vtep_learned *t, const struct vtep_dp_learned *ev,
                 bool *changed)
{
    struct vtep_learned_mac *m = vtep_learned_find(t, ev->vni, ev->mac);
    if (!m) {
        m = xzalloc(sizeof *m);
        m->vni = ev->vni;
        m->mac = ev->mac;
        hmap_insert(&t->macs, &m->node, vtep_hash_vni_mac(m->vni, m->mac));
    }
    *changed = (!m->present || m->vlan != ev->vlan
                || strncmp(m->port, ev->port, sizeof m->port)
                || (ev->ip && ev->ip != m->ip));
    if (!m->present) {
        m->present = true;
        t->n_present++;
    }
    ovs_strlcpy(m->port, ev->port, sizeof m->port);
    m->vlan = ev->vlan;
    if (ev->ip) {
        m->ip = ev->ip;
    }
    if (*changed) {
        vtep_learned_mark_dirty(t, m);
    }
    return m;
}

/* (vni, mac) is gone.  Returns true if it was present. */
bool
vtep_learned_del(struct vtep_learned *t, uint32_t vni, struct eth_addr mac)
{
    struct vtep_learned_mac *m = vtep_learned_find(t, vni, mac);
    if (m && m->present) {
        m->present = false;
        t->n_present--;
        vtep_learned_mark_dirty(t, m);
        return true;
    }
    return false;
}

struct vtep_learned_mac *
vtep_learned_pop_dirty(struct vtep_learned *t)
{
    if (ovs_list_is_empty(&t->dirty)) {
        return NULL;
    }
    struct vtep_learned_mac *m = CONTAINER_OF(ovs_list_pop_front(&t->dirty),
                                              struct vtep_learned_mac,
                                              dirty_node);
    m->dirty = false;
    t->n_dirty--;
    return m;
}

void
vtep_learned_remove(struct vtep_learned *t, struct vtep_learned_mac *m)
{
    if (m->dirty) {
        ovs_list_remove(&m->dirty_node);
        t->n_dirty--;
    }
    if (m->present) {
        t->n_present--;
    }
    hmap_remove(&t->macs, &m->node);
    free(m);
}

/*
 * vtep-state.c: the desired state of one physical switch (see
 * vtep-state.h for what it derives and the conflict rules).
 */
#include <config.h>
#include "vtep-state.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "hash.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/util.h"
#include "util.h"
#include "uuid.h"
#include "vtep-fault.h"

/* A Ucast_Macs_Remote row. */
struct vtep_state_urow {
    struct hmap_node node;          /* In vtep_state 'urows', by UUID. */
    struct uuid uuid;
    unsigned int seen;
    bool faulted;                   /* Has an entry in the fault registry. */

    /* Valid rows only: */
    struct vtep_state_ls *ls;       /* NULL if not applied. */
    struct vtep_state_umac *umac;
    struct ovs_list umac_node;      /* In 'umac->rows'. */
    ovs_be32 ip;
    uint64_t gen;                   /* Write order. */
};

/* A Mcast_Macs_Remote row. */
struct vtep_state_mrow {
    struct hmap_node node;          /* In vtep_state 'mrows', by UUID. */
    struct uuid uuid;
    unsigned int seen;
    bool faulted;

    struct vtep_state_ls *ls;       /* NULL if not applied. */
    struct vtep_state_mmac *mmac;
    struct ovs_list mmac_node;      /* In 'mmac->rows'. */
    ovs_be32 *ips;                  /* Sorted, unique. */
    size_t n_ips;
};

/* The logical switches that claim one VNI.  'owner' holds it. */
struct vni_claim {
    struct hmap_node node;          /* In vtep_state 'claims', by VNI. */
    uint32_t vni;
    struct vtep_state_ls *owner;
    struct vtep_state_ls **lss;
    size_t n, allocated;
};

/* Extra per-switch fault bookkeeping lives in the switch itself; these are
 * the possible switch-level faults. */
enum ls_fault { LS_FAULT_NONE, LS_FAULT_BAD_VNI, LS_FAULT_DUP_VNI };

/* Per-switch private data that does not belong in the public struct. */
struct ls_private {
    enum ls_fault fault;
    int64_t raw_key;                /* For messages about a bad key. */
    bool bad_key;
    bool usable;                    /* Last computed ls_is_usable(). */
    bool waiting;                   /* Last computed ls_is_waiting(). */
};

/* We keep the private part right after the public struct. */
struct ls_full {
    struct vtep_state_ls pub;
    struct ls_private priv;
};

static struct ls_private *
ls_priv(struct vtep_state_ls *ls)
{
    return &CONTAINER_OF(ls, struct ls_full, pub)->priv;
}

/* Dirty keys. */

void
vtep_dirty_init(struct vtep_dirty *d)
{
    hmap_init(&d->lss);
    hmap_init(&d->bindings);
    hmap_init(&d->ucast);
    hmap_init(&d->mcast);
}

void
vtep_dirty_key_free(struct vtep_dirty_key *key)
{
    if (key) {
        free(key->port);
        free(key);
    }
}

static void
dirty_clear(struct hmap *map)
{
    struct vtep_dirty_key *key;
    HMAP_FOR_EACH_POP (key, node, map) {
        vtep_dirty_key_free(key);
    }
    hmap_destroy(map);
}

void
vtep_dirty_destroy(struct vtep_dirty *d)
{
    dirty_clear(&d->lss);
    dirty_clear(&d->bindings);
    dirty_clear(&d->ucast);
    dirty_clear(&d->mcast);
}

size_t
vtep_dirty_count(const struct vtep_dirty *d)
{
    return (hmap_count(&d->lss) + hmap_count(&d->bindings)
            + hmap_count(&d->ucast) + hmap_count(&d->mcast));
}

bool
vtep_dirty_is_empty(const struct vtep_dirty *d)
{
    return !vtep_dirty_count(d);
}

void
vtep_dirty_ls(struct vtep_dirty *d, uint32_t vni)
{
    struct vtep_dirty_key *key;
    uint32_t hash = hash_int(vni, 0);
    HMAP_FOR_EACH_WITH_HASH (key, node, hash, &d->lss) {
        if (key->vni == vni) {
            return;
        }
    }
    key = xzalloc(sizeof *key);
    key->vni = vni;
    hmap_insert(&d->lss, &key->node, hash);
}

void
vtep_dirty_binding(struct vtep_dirty *d, const char *port, uint16_t vlan)
{
    struct vtep_dirty_key *key;
    uint32_t hash = hash_string(port, vlan);
    HMAP_FOR_EACH_WITH_HASH (key, node, hash, &d->bindings) {
        if (key->vlan == vlan && !strcmp(key->port, port)) {
            return;
        }
    }
    key = xzalloc(sizeof *key);
    key->port = xstrdup(port);
    key->vlan = vlan;
    hmap_insert(&d->bindings, &key->node, hash);
}

static void
dirty_mac(struct hmap *map, uint32_t vni, struct eth_addr mac)
{
    struct vtep_dirty_key *key;
    uint32_t hash = vtep_hash_vni_mac(vni, mac);
    HMAP_FOR_EACH_WITH_HASH (key, node, hash, map) {
        if (key->vni == vni && eth_addr_equals(key->mac, mac)) {
            return;
        }
    }
    key = xzalloc(sizeof *key);
    key->vni = vni;
    key->mac = mac;
    hmap_insert(map, &key->node, hash);
}

void
vtep_dirty_ucast(struct vtep_dirty *d, uint32_t vni, struct eth_addr mac)
{
    dirty_mac(&d->ucast, vni, mac);
}

void
vtep_dirty_mcast(struct vtep_dirty *d, uint32_t vni, struct eth_addr mac)
{
    dirty_mac(&d->mcast, vni, mac);
}

/* Removes and returns any key of 'map', or NULL if it is empty.  Each call
 * looks for the first key from the first bucket: draining a large map this
 * way costs O(n^2) (the reconciler keeps a cursor instead). */
struct vtep_dirty_key *
vtep_dirty_pop(struct hmap *map)
{
    struct hmap_node *node = hmap_first(map);
    if (!node) {
        return NULL;
    }
    hmap_remove(map, node);
    return CONTAINER_OF(node, struct vtep_dirty_key, node);
}

/* Logical switches. */

void
vtep_state_init(struct vtep_state *st, struct vtep_faults *faults)
{
    memset(st, 0, sizeof *st);
    st->faults = faults;
    hmap_init(&st->lss);
    hmap_init(&st->active);
    hmap_init(&st->claims);
    hmap_init(&st->ports);
    hmap_init(&st->urows);
    hmap_init(&st->mrows);
    vtep_dirty_init(&st->dirty);
    st->sweep = 1;
}

static struct vtep_state_ls *
ls_find(const struct vtep_state *st, const struct uuid *uuid)
{
    struct vtep_state_ls *ls;
    HMAP_FOR_EACH_WITH_HASH (ls, uuid_node, uuid_hash(uuid), &st->lss) {
        if (uuid_equals(&ls->uuid, uuid)) {
            return ls;
        }
    }
    return NULL;
}

const struct vtep_state_ls *
vtep_state_find_ls(const struct vtep_state *st, const struct uuid *uuid)
{
    return ls_find(st, uuid);
}

static struct vtep_state_ls *
ls_get(struct vtep_state *st, const struct uuid *uuid)
{
    struct vtep_state_ls *ls = ls_find(st, uuid);
    if (!ls) {
        struct ls_full *full = xzalloc(sizeof *full);
        ls = &full->pub;
        ls->uuid = *uuid;
        ls->name = xasprintf(UUID_FMT, UUID_ARGS(uuid));
        ovs_list_init(&ls->bindings);
        hmap_init(&ls->ucast);
        hmap_init(&ls->mcast);
        hmap_insert(&st->lss, &ls->uuid_node, uuid_hash(uuid));
    }
    return ls;
}

static void
ls_maybe_free(struct vtep_state *st, struct vtep_state_ls *ls)
{
    if (!ls->has_row && !ls->n_bindings && hmap_is_empty(&ls->ucast)
        && hmap_is_empty(&ls->mcast)) {
        ovs_assert(!ls->active && !ls->vni);
        hmap_remove(&st->lss, &ls->uuid_node);
        hmap_destroy(&ls->ucast);
        hmap_destroy(&ls->mcast);
        free(ls->name);
        free(CONTAINER_OF(ls, struct ls_full, pub));
    }
}

static char *
ls_object(const struct vtep_state_ls *ls)
{
    return xasprintf("Logical_Switch %s", ls->name);
}

static char *
binding_object(const char *port, int64_t vlan)
{
    return xasprintf("Physical_Port %s vlan %"PRId64, port, vlan);
}

/* A switch whose bindings can be applied. */
static bool
ls_is_usable(const struct vtep_state_ls *ls)
{
    return ls->has_row && ls->vni && ls->owns_vni;
}

/* A switch without a key (or with key 0) is not a fault: controllers
 * write the key when they attach the switch (OVN writes 0 for the switches
 * it does not use and clears every key when it stops).  Its bindings wait
 * for it. */
static bool
ls_is_waiting(struct vtep_state_ls *ls)
{
    return ls->has_row && !ls_priv(ls)->bad_key && !ls->vni;
}

static void
binding_update_fault(struct vtep_state *st, struct vtep_state_binding *b)
{
    char *object = binding_object(b->port->name, b->vlan);
    struct vtep_state_ls *ls = b->ls;
    if (ls_is_usable(ls) || ls_is_waiting(ls)) {
        vtep_faults_clear(st->faults, object);
    } else {
        const char *why = (!ls->has_row ? "does not exist"
                           : ls_priv(ls)->bad_key ? "has an invalid tunnel_key"
                           : "shares its tunnel_key with another switch");
        vtep_faults_set(st->faults, VTEP_FAULT_UNKEYED_BINDING, object,
                        b->port->name, "logical switch %s %s; binding not "
                        "applied", ls->name, why);
    }
    free(object);
}

static struct vni_claim *
claim_find(const struct vtep_state *st, uint32_t vni)
{
    struct vni_claim *claim;
    HMAP_FOR_EACH_WITH_HASH (claim, node, hash_int(vni, 0), &st->claims) {
        if (claim->vni == vni) {
            return claim;
        }
    }
    return NULL;
}

static void
ls_update_fault(struct vtep_state *st, struct vtep_state_ls *ls)
{
    struct ls_private *priv = ls_priv(ls);
    enum ls_fault want = (!ls->has_row ? LS_FAULT_NONE
                          : priv->bad_key ? LS_FAULT_BAD_VNI
                          : ls->vni && !ls->owns_vni ? LS_FAULT_DUP_VNI
                          : LS_FAULT_NONE);
    char *object = ls_object(ls);
    if (want == LS_FAULT_BAD_VNI) {
        vtep_faults_set(st->faults, VTEP_FAULT_BAD_VNI, object, NULL,
                        "tunnel_key %"PRId64" is not a VNI (1 to %d); "
                        "switch not applied", priv->raw_key, VTEP_VNI_MAX);
    } else if (want == LS_FAULT_DUP_VNI) {
        struct vni_claim *claim = claim_find(st, ls->vni);
        vtep_faults_set(st->faults, VTEP_FAULT_DUP_VNI, object, NULL,
                        "tunnel_key %"PRIu32" is already used by logical "
                        "switch %s; switch not applied", ls->vni,
                        claim && claim->owner ? claim->owner->name : "?");
    } else if (priv->fault != LS_FAULT_NONE) {
        vtep_faults_clear(st->faults, object);
    }
    priv->fault = want;
    free(object);
}

/* Recomputes whether 'ls' is active and usable and acts on any change.
 * 'attrs_changed' says that its name or mode changed. */
static void
ls_refresh(struct vtep_state *st, struct vtep_state_ls *ls,
           uint32_t old_vni, bool attrs_changed)
{
    bool was_active = ls->active;
    bool active = ls_is_usable(ls) && ls->n_bindings > 0;

    if (was_active && (!active || old_vni != ls->vni)) {
        hmap_remove(&st->active, &ls->vni_node);
        vtep_dirty_ls(&st->dirty, old_vni);
        ls->active = false;
    }
    if (active && !ls->active) {
        hmap_insert(&st->active, &ls->vni_node, hash_int(ls->vni, 0));
        ls->active = true;
        vtep_dirty_ls(&st->dirty, ls->vni);
    } else if (active && attrs_changed) {
        vtep_dirty_ls(&st->dirty, ls->vni);
    }

    ls_update_fault(st, ls);
    bool usable = ls_is_usable(ls);
    bool waiting = ls_is_waiting(ls);
    if (usable != ls_priv(ls)->usable || waiting != ls_priv(ls)->waiting
        || attrs_changed) {
        ls_priv(ls)->usable = usable;
        ls_priv(ls)->waiting = waiting;
        struct vtep_state_binding *b;
        LIST_FOR_EACH (b, ls_node, &ls->bindings) {
            binding_update_fault(st, b);
        }
    }
}

static int
compare_ls_names(const void *a_, const void *b_)
{
    const struct vtep_state_ls *const *a = a_;
    const struct vtep_state_ls *const *b = b_;
    return strcmp((*a)->name, (*b)->name);
}

/* True if 'a' has a better claim to its VNI than 'b' (see claim_elect()),
 * 'owner' being the switch that holds it now (or NULL). */
static bool
claim_better(const struct vtep_state_ls *a, const struct vtep_state_ls *b,
             const struct vtep_state_ls *owner)
{
    bool a_bound = a->n_bindings > 0, b_bound = b->n_bindings > 0;
    if (a_bound != b_bound) {
        return a_bound;
    }
    if ((a == owner) != (b == owner)) {
        return a == owner;
    }
    return compare_ls_names(&a, &b) < 0;
}

/* Decides which switch of 'claim' holds its VNI, unless a sweep is under
 * way (then vtep_state_sweep_end() decides, once every row is known).  A
 * switch bound on one of our ports beats one bound nowhere; among equals,
 * the holder keeps the VNI, and without a holder (at start-up) the name
 * that sorts first wins.  So the switch that carries traffic keeps its VNI
 * while vtepd runs and gets it back after a restart, whatever the other
 * switches are called. */
static void
claim_elect(struct vtep_state *st, struct vni_claim *claim)
{
    if (!claim->n || st->sweeping) {
        return;
    }
    struct vtep_state_ls *owner = claim->owner;
    struct vtep_state_ls *best = claim->lss[0];
    for (size_t i = 1; i < claim->n; i++) {
        if (claim_better(claim->lss[i], best, owner)) {
            best = claim->lss[i];
        }
    }
    if (best == owner) {
        return;
    }
    if (owner) {
        owner->owns_vni = false;
    }
    claim->owner = best;
    best->owns_vni = true;
    /* The old holder first, so that it leaves 'active' before the new one
     * enters it. */
    if (owner) {
        ls_refresh(st, owner, owner->vni, false);
    }
    for (size_t i = 0; i < claim->n; i++) {
        if (claim->lss[i] != owner) {
            ls_refresh(st, claim->lss[i], claim->lss[i]->vni, false);
        }
    }
}

/* The bindings of 'ls' on our ports went from none to some or back: that
 * may decide which switch holds its VNI. */
static void
ls_bound_changed(struct vtep_state *st, struct vtep_state_ls *ls)
{
    struct vni_claim *claim = ls->vni ? claim_find(st, ls->vni) : NULL;
    if (claim && claim->n > 1) {
        claim_elect(st, claim);
    }
}

static void
claim_add(struct vtep_state *st, struct vtep_state_ls *ls)
{
    struct vni_claim *claim = claim_find(st, ls->vni);
    if (!claim) {
        claim = xzalloc(sizeof *claim);
        claim->vni = ls->vni;
        hmap_insert(&st->claims, &claim->node, hash_int(ls->vni, 0));
    }
    if (claim->n >= claim->allocated) {
        claim->lss = x2nrealloc(claim->lss, &claim->allocated,
                                sizeof *claim->lss);
    }
    claim->lss[claim->n++] = ls;
    ls->owns_vni = false;
    claim_elect(st, claim);
}

static void
claim_remove(struct vtep_state *st, struct vtep_state_ls *ls, uint32_t vni)
{
    struct vni_claim *claim = claim_find(st, vni);
    if (!claim) {
        return;
    }
    for (size_t i = 0; i < claim->n; i++) {
        if (claim->lss[i] == ls) {
            claim->lss[i] = claim->lss[--claim->n];
            break;
        }
    }
    if (claim->owner == ls) {
        claim->owner = NULL;
    }
    ls->owns_vni = false;
    if (!claim->n) {
        hmap_remove(&st->claims, &claim->node);
        free(claim->lss);
        free(claim);
    } else {
        claim_elect(st, claim);
    }
}

void
vtep_state_ls_set(struct vtep_state *st, const struct uuid *uuid,
                  const char *name, const int64_t *key, size_t n_key,
                  const char *replication_mode)
{
    struct vtep_state_ls *ls = ls_get(st, uuid);
    struct ls_private *priv = ls_priv(ls);
    uint32_t vni;
    enum vtep_repl_mode mode;

    ls->seen = st->sweep;
    int error = vtep_parse_vni(key, n_key, &vni);
    bool bad_key = error != 0;
    int64_t raw_key = n_key ? key[0] : 0;
    if (bad_key) {
        vni = 0;
    }
    if (vtep_parse_repl_mode(replication_mode, &mode)) {
        mode = VTEP_REPL_SERVICE_NODE;  /* The schema allows nothing else. */
    }
    name = name && *name ? name : "(unnamed)";

    if (ls->has_row && ls->vni == vni && ls->mode == mode
        && priv->bad_key == bad_key && (!bad_key || priv->raw_key == raw_key)
        && !strcmp(ls->name, name)) {
        return;
    }
    priv->raw_key = raw_key;

    bool attrs_changed = ls->mode != mode || strcmp(ls->name, name);
    if (strcmp(ls->name, name)) {
        /* The fault objects are named after the switch. */
        if (priv->fault != LS_FAULT_NONE) {
            char *object = ls_object(ls);
            vtep_faults_clear(st->faults, object);
            free(object);
            priv->fault = LS_FAULT_NONE;
        }
        free(ls->name);
        ls->name = xstrdup(name);
    }
    ls->has_row = true;
    ls->mode = mode;
    priv->bad_key = bad_key;
    bool renamed_holder = attrs_changed && ls->owns_vni;

    uint32_t old_vni = ls->vni;
    if (old_vni != vni) {
        if (old_vni) {
            claim_remove(st, ls, old_vni);
        }
        ls->vni = vni;
        if (vni) {
            claim_add(st, ls);
        }
    }
    ls_refresh(st, ls, old_vni, attrs_changed);

    if (renamed_holder && ls->vni == old_vni) {
        struct vni_claim *claim = claim_find(st, ls->vni);
        for (size_t i = 0; claim && i < claim->n; i++) {
            if (claim->lss[i] != ls) {
                ls_update_fault(st, claim->lss[i]);
            }
        }
    }
}

void
vtep_state_ls_del(struct vtep_state *st, const struct uuid *uuid)
{
    struct vtep_state_ls *ls = ls_find(st, uuid);
    if (!ls || !ls->has_row) {
        return;
    }
    uint32_t old_vni = ls->vni;
    ls->has_row = false;
    ls_priv(ls)->bad_key = false;
    if (old_vni) {
        claim_remove(st, ls, old_vni);
        ls->vni = 0;
    }
    ls_refresh(st, ls, old_vni, false);
    ls_maybe_free(st, ls);
}

const struct vtep_state_ls *
vtep_state_find_active(const struct vtep_state *st, uint32_t vni)
{
    struct vtep_state_ls *ls;
    HMAP_FOR_EACH_WITH_HASH (ls, vni_node, hash_int(vni, 0), &st->active) {
        if (ls->vni == vni) {
            return ls;
        }
    }
    return NULL;
}

/* Ports and bindings. */

static struct vtep_state_port *
port_find(const struct vtep_state *st, const char *name)
{
    struct vtep_state_port *port;
    HMAP_FOR_EACH_WITH_HASH (port, node, hash_string(name, 0), &st->ports) {
        if (!strcmp(port->name, name)) {
            return port;
        }
    }
    return NULL;
}

static struct vtep_state_binding *
binding_find(const struct vtep_state_port *port, uint16_t vlan)
{
    struct vtep_state_binding *b;
    HMAP_FOR_EACH_WITH_HASH (b, node, hash_int(vlan, 0), &port->bindings) {
        if (b->vlan == vlan) {
            return b;
        }
    }
    return NULL;
}

static void
binding_remove(struct vtep_state *st, struct vtep_state_binding *b)
{
    struct vtep_state_ls *ls = b->ls;
    char *object = binding_object(b->port->name, b->vlan);
    vtep_faults_clear(st->faults, object);
    free(object);

    vtep_dirty_binding(&st->dirty, b->port->name, b->vlan);
    hmap_remove(&b->port->bindings, &b->node);
    ovs_list_remove(&b->ls_node);
    ls->n_bindings--;
    free(b);
    ls_refresh(st, ls, ls->vni, false);
    if (!ls->n_bindings) {
        ls_bound_changed(st, ls);
    }
    ls_maybe_free(st, ls);
}

static void
binding_add(struct vtep_state *st, struct vtep_state_port *port,
            uint16_t vlan, const struct uuid *ls_uuid)
{
    struct vtep_state_binding *b = xzalloc(sizeof *b);
    b->port = port;
    b->vlan = vlan;
    b->ls = ls_get(st, ls_uuid);
    hmap_insert(&port->bindings, &b->node, hash_int(vlan, 0));
    ovs_list_push_back(&b->ls->bindings, &b->ls_node);
    b->ls->n_bindings++;
    vtep_dirty_binding(&st->dirty, port->name, vlan);
    binding_update_fault(st, b);
    ls_refresh(st, b->ls, b->ls->vni, false);
    if (b->ls->n_bindings == 1) {
        ls_bound_changed(st, b->ls);
    }
}

/* A VLAN key that is not a VLAN: the schema forbids it, but the database
 * may be older, newer or hand-edited.  Each gets a fault of its own; the
 * port remembers which, to clear them when they go away. */
static void
port_update_bad_vlans(struct vtep_state *st, struct vtep_state_port *port,
                      const int64_t *vlans, size_t n)
{
    int64_t *bad = NULL;
    size_t n_bad = 0;
    for (size_t i = 0; i < n; i++) {
        uint16_t vlan;
        if (vtep_parse_vlan(vlans[i], &vlan)) {
            bad = xrealloc(bad, (n_bad + 1) * sizeof *bad);
            bad[n_bad++] = vlans[i];
            char *object = binding_object(port->name, vlans[i]);
            vtep_faults_set(st->faults, VTEP_FAULT_BAD_VLAN, object,
                            port->name, "VLAN %"PRId64" is %s; binding not "
                            "applied", vlans[i],
                            vlans[i] == VTEP_VLAN_RESERVED
                            ? "reserved by 802.1Q" : "outside 0..4094");
            free(object);
        }
    }
    for (size_t i = 0; i < port->n_bad_vlans; i++) {
        bool still_bad = false;
        for (size_t j = 0; j < n_bad; j++) {
            still_bad = still_bad || bad[j] == port->bad_vlans[i];
        }
        if (!still_bad) {
            char *object = binding_object(port->name, port->bad_vlans[i]);
            vtep_faults_clear(st->faults, object);
            free(object);
        }
    }
    free(port->bad_vlans);
    port->bad_vlans = bad;
    port->n_bad_vlans = n_bad;
}

void
vtep_state_port_set(struct vtep_state *st, const char *name,
                    const int64_t *vlans, const struct uuid *lss, size_t n)
{
    struct vtep_state_port *port = port_find(st, name);
    if (!port) {
        port = xzalloc(sizeof *port);
        port->name = xstrdup(name);
        hmap_init(&port->bindings);
        hmap_insert(&st->ports, &port->node, hash_string(name, 0));
    }
    port->seen = st->sweep;

    port_update_bad_vlans(st, port, vlans, n);

    /* Bindings that went away or changed switch. */
    struct vtep_state_binding *b;
    HMAP_FOR_EACH_SAFE (b, node, &port->bindings) {
        bool keep = false;
        for (size_t i = 0; i < n; i++) {
            if (vlans[i] == b->vlan && uuid_equals(&lss[i], &b->ls->uuid)) {
                keep = true;
                break;
            }
        }
        if (!keep) {
            binding_remove(st, b);
        }
    }

    /* New bindings. */
    for (size_t i = 0; i < n; i++) {
        uint16_t vlan;
        if (!vtep_parse_vlan(vlans[i], &vlan)
            && !binding_find(port, vlan)) {
            binding_add(st, port, vlan, &lss[i]);
        }
    }
}

void
vtep_state_port_del(struct vtep_state *st, const char *name)
{
    struct vtep_state_port *port = port_find(st, name);
    if (port) {
        port_update_bad_vlans(st, port, NULL, 0);
        struct vtep_state_binding *b;
        HMAP_FOR_EACH_SAFE (b, node, &port->bindings) {
            binding_remove(st, b);
        }
        hmap_remove(&st->ports, &port->node);
        hmap_destroy(&port->bindings);
        free(port->bad_vlans);
        free(port->name);
        free(port);
    }
}

uint32_t
vtep_state_binding_vni(const struct vtep_state *st, const char *name,
                       uint16_t vlan)
{
    const struct vtep_state_port *port = port_find(st, name);
    const struct vtep_state_binding *b = port ? binding_find(port, vlan)
                                              : NULL;
    return b && b->ls->active ? b->ls->vni : 0;
}

/* Remote unicast MACs. */

static struct vtep_state_urow *
urow_find(const struct vtep_state *st, const struct uuid *uuid)
{
    struct vtep_state_urow *row;
    HMAP_FOR_EACH_WITH_HASH (row, node, uuid_hash(uuid), &st->urows) {
        if (uuid_equals(&row->uuid, uuid)) {
            return row;
        }
    }
    return NULL;
}

static struct vtep_state_umac *
umac_find(const struct vtep_state_ls *ls, struct eth_addr mac)
{
    struct vtep_state_umac *umac;
    HMAP_FOR_EACH_WITH_HASH (umac, node, vtep_hash_vni_mac(0, mac),
                             &ls->ucast) {
        if (eth_addr_equals(umac->mac, mac)) {
            return umac;
        }
    }
    return NULL;
}

static struct vtep_state_mmac *mmac_find(const struct vtep_state_ls *,
                                         struct eth_addr);

/* True if 'ls' floods through the default (--default-flood) for want of
 * an unknown-dst row. */
static bool
ls_uses_default_flood(const struct vtep_state *st,
                      const struct vtep_state_ls *ls)
{
    return (st->default_flood != VTEP_DEFAULT_FLOOD_NONE
            && !mmac_find(ls, eth_addr_zero));
}

/* With --default-flood=locators, the unicast MACs of 'ls' make its flood
 * list: a change to one changes it. */
static void
ucast_changed(struct vtep_state *st, struct vtep_state_ls *ls,
              struct eth_addr mac)
{
    if (ls->active) {
        vtep_dirty_ucast(&st->dirty, ls->vni, mac);
        if (st->default_flood == VTEP_DEFAULT_FLOOD_LOCATORS
            && ls_uses_default_flood(st, ls)) {
            vtep_dirty_mcast(&st->dirty, ls->vni, eth_addr_zero);
        }
    }
}

static void
urow_unlink(struct vtep_state *st, struct vtep_state_urow *row)
{
    struct vtep_state_ls *ls = row->ls;
    if (!ls) {
        return;
    }
    struct vtep_state_umac *umac = row->umac;
    ucast_changed(st, ls, umac->mac);
    ovs_list_remove(&row->umac_node);
    if (ovs_list_is_empty(&umac->rows)) {
        hmap_remove(&ls->ucast, &umac->node);
        free(umac);
    }
    row->ls = NULL;
    row->umac = NULL;
    ls_maybe_free(st, ls);
}

static char *
urow_object(const struct uuid *uuid)
{
    return xasprintf("Ucast_Macs_Remote "UUID_FMT, UUID_ARGS(uuid));
}

static char *
mrow_object(const struct uuid *uuid)
{
    return xasprintf("Mcast_Macs_Remote "UUID_FMT, UUID_ARGS(uuid));
}

static void
row_clear_fault(struct vtep_state *st, bool *faulted,
                char *(*object_fn)(const struct uuid *),
                const struct uuid *uuid)
{
    if (*faulted) {
        char *object = object_fn(uuid);
        vtep_faults_clear(st->faults, object);
        free(object);
        *faulted = false;
    }
}

static const char *
locator_error(int error)
{
    return (error == EPROTONOSUPPORT ? "encapsulation is not vxlan_over_ipv4"
            : error == EADDRNOTAVAIL ? "dst_ip is not a unicast IPv4 address"
            : "dst_ip is not an IPv4 address");
}

void
vtep_state_ucast_set(struct vtep_state *st, const struct uuid *uuid,
                     const struct uuid *ls_uuid, const char *mac_s,
                     const struct vtep_locator_spec *loc)
{
    struct vtep_state_urow *row = urow_find(st, uuid);
    if (!row) {
        row = xzalloc(sizeof *row);
        row->uuid = *uuid;
        hmap_insert(&st->urows, &row->node, uuid_hash(uuid));
    }
    row->seen = st->sweep;

    struct eth_addr mac;
    ovs_be32 ip = 0;
    int error;
    if (vtep_parse_ucast_mac(mac_s, &mac)) {
        char *object = urow_object(uuid);
        vtep_faults_set(st->faults, VTEP_FAULT_BAD_UCAST_MAC, object, NULL,
                        "MAC \"%s\" is not a unicast MAC address; row not "
                        "applied", mac_s ? mac_s : "");
        free(object);
        row->faulted = true;
        urow_unlink(st, row);
        return;
    }
    if (!loc || !ls_uuid
        || (error = vtep_parse_locator(loc->encap, loc->dst_ip, &ip))) {
        char *object = urow_object(uuid);
        char *why = (!loc ? xstrdup("no locator")
                     : !ls_uuid ? xstrdup("no logical switch")
                     : xasprintf("locator %s:%s: %s",
                                 loc->encap ? loc->encap : "",
                                 loc->dst_ip ? loc->dst_ip : "",
                                 locator_error(error)));
        vtep_faults_set(st->faults, VTEP_FAULT_BAD_LOCATOR, object, NULL,
                        "MAC "ETH_ADDR_FMT": %s; row not applied",
                        ETH_ADDR_ARGS(mac), why);
        free(why);
        free(object);
        row->faulted = true;
        urow_unlink(st, row);
        return;
    }
    row_clear_fault(st, &row->faulted, urow_object, uuid);

    if (row->ls && uuid_equals(&row->ls->uuid, ls_uuid)
        && eth_addr_equals(row->umac->mac, mac) && row->ip == ip) {
        return;                 /* Unchanged. */
    }

    urow_unlink(st, row);
    struct vtep_state_ls *ls = ls_get(st, ls_uuid);
    struct vtep_state_umac *umac = umac_find(ls, mac);
    if (!umac) {
        umac = xmalloc(sizeof *umac);
        umac->mac = mac;
        ovs_list_init(&umac->rows);
        hmap_insert(&ls->ucast, &umac->node, vtep_hash_vni_mac(0, mac));
    }
    ovs_list_push_back(&umac->rows, &row->umac_node);
    row->ls = ls;
    row->umac = umac;
    row->ip = ip;
    row->gen = ++st->gen;
    ucast_changed(st, ls, mac);
}

void
vtep_state_ucast_del(struct vtep_state *st, const struct uuid *uuid)
{
    struct vtep_state_urow *row = urow_find(st, uuid);
    if (row) {
        row_clear_fault(st, &row->faulted, urow_object, uuid);
        urow_unlink(st, row);
        hmap_remove(&st->urows, &row->node);
        free(row);
    }
}

/* The remote of 'umac': the most recently written row's, unless that is
 * our own tunnel IP. */
static bool
ucast_remote(const struct vtep_state *st, const struct vtep_state_umac *umac,
             ovs_be32 *remote)
{
    const struct vtep_state_urow *best = NULL, *row;
    LIST_FOR_EACH (row, umac_node, &umac->rows) {
        if (!best || row->gen > best->gen) {
            best = row;
        }
    }
    if (!best || best->ip == st->local_ip) {
        return false;
    }
    *remote = best->ip;
    return true;
}

bool
vtep_state_ucast_lookup(const struct vtep_state *st, uint32_t vni,
                        struct eth_addr mac, ovs_be32 *remote)
{
    const struct vtep_state_ls *ls = vtep_state_find_active(st, vni);
    const struct vtep_state_umac *umac = ls ? umac_find(ls, mac) : NULL;
    return umac && ucast_remote(st, umac, remote);
}

size_t
vtep_state_ls_n_ucast(const struct vtep_state_ls *ls)
{
    return hmap_count(&ls->ucast);
}

/* Remote multicast MACs. */

static struct vtep_state_mrow *
mrow_find(const struct vtep_state *st, const struct uuid *uuid)
{
    struct vtep_state_mrow *row;
    HMAP_FOR_EACH_WITH_HASH (row, node, uuid_hash(uuid), &st->mrows) {
        if (uuid_equals(&row->uuid, uuid)) {
            return row;
        }
    }
    return NULL;
}

static struct vtep_state_mmac *
mmac_find(const struct vtep_state_ls *ls, struct eth_addr mac)
{
    struct vtep_state_mmac *mmac;
    HMAP_FOR_EACH_WITH_HASH (mmac, node, vtep_hash_vni_mac(0, mac),
                             &ls->mcast) {
        if (eth_addr_equals(mmac->mac, mac)) {
            return mmac;
        }
    }
    return NULL;
}

/* The unknown-dst row of 'ls' came or went: with --default-flood=locators
 * its replication mode changes (see vtep_state_ls_mode()). */
static void
default_flood_toggled(struct vtep_state *st, struct vtep_state_ls *ls)
{
    if (ls->active && st->default_flood == VTEP_DEFAULT_FLOOD_LOCATORS) {
        vtep_dirty_ls(&st->dirty, ls->vni);
    }
}

static void
mrow_unlink(struct vtep_state *st, struct vtep_state_mrow *row)
{
    struct vtep_state_ls *ls = row->ls;
    if (!ls) {
        return;
    }
    struct vtep_state_mmac *mmac = row->mmac;
    if (ls->active) {
        vtep_dirty_mcast(&st->dirty, ls->vni, mmac->mac);
    }
    ovs_list_remove(&row->mmac_node);
    if (ovs_list_is_empty(&mmac->rows)) {
        hmap_remove(&ls->mcast, &mmac->node);
        if (eth_addr_is_zero(mmac->mac)) {
            default_flood_toggled(st, ls);
        }
        free(mmac);
    }
    row->ls = NULL;
    row->mmac = NULL;
    free(row->ips);
    row->ips = NULL;
    row->n_ips = 0;
    ls_maybe_free(st, ls);
}

static int
compare_be32(const void *a_, const void *b_)
{
    uint32_t a = ntohl(*(const ovs_be32 *) a_);
    uint32_t b = ntohl(*(const ovs_be32 *) b_);
    return a < b ? -1 : a > b;
}

/* Sorts 'ips' and removes duplicates; returns the new count. */
static size_t
sort_unique(ovs_be32 *ips, size_t n)
{
    if (n < 2) {
        return n;
    }
    qsort(ips, n, sizeof *ips, compare_be32);
    size_t j = 1;
    for (size_t i = 1; i < n; i++) {
        if (ips[i] != ips[j - 1]) {
            ips[j++] = ips[i];
        }
    }
    return j;
}

void
vtep_state_mcast_set(struct vtep_state *st, const struct uuid *uuid,
                     const struct uuid *ls_uuid, const char *mac_s,
                     const struct vtep_locator_spec *locs, size_t n_locs)
{
    struct vtep_state_mrow *row = mrow_find(st, uuid);
    if (!row) {
        row = xzalloc(sizeof *row);
        row->uuid = *uuid;
        hmap_insert(&st->mrows, &row->node, uuid_hash(uuid));
    }
    row->seen = st->sweep;

    struct eth_addr mac;
    if (vtep_parse_mcast_mac(mac_s, &mac)) {
        char *object = mrow_object(uuid);
        vtep_faults_set(st->faults, VTEP_FAULT_BAD_MCAST_MAC, object, NULL,
                        "MAC \"%s\" is neither unknown-dst nor a multicast "
                        "MAC; row not applied", mac_s ? mac_s : "");
        free(object);
        row->faulted = true;
        mrow_unlink(st, row);
        return;
    }

    ovs_be32 *ips = xmalloc((n_locs + 1) * sizeof *ips);
    size_t n_ips = 0;
    struct ds bad = DS_EMPTY_INITIALIZER;
    for (size_t i = 0; i < n_locs; i++) {
        int error = vtep_parse_locator(locs[i].encap, locs[i].dst_ip,
                                       &ips[n_ips]);
        if (error) {
            ds_put_format(&bad, "%s%s:%s (%s)", bad.length ? ", " : "",
                          locs[i].encap ? locs[i].encap : "",
                          locs[i].dst_ip ? locs[i].dst_ip : "",
                          locator_error(error));
        } else {
            n_ips++;
        }
    }
    n_ips = sort_unique(ips, n_ips);

    char mac_buf[ETH_ADDR_STRLEN + 1];
    vtep_format_mcast_mac(mac, mac_buf);
    if (!n_ips || !ls_uuid) {
        char *object = mrow_object(uuid);
        vtep_faults_set(st->faults, VTEP_FAULT_BAD_LOCATOR_SET, object, NULL,
                        "%s: %s%s%s; row not applied", mac_buf,
                        !ls_uuid ? "no logical switch" : "no usable locator",
                        bad.length ? ": " : "", ds_cstr(&bad));
        free(object);
        row->faulted = true;
        free(ips);
        ds_destroy(&bad);
        mrow_unlink(st, row);
        return;
    }
    if (bad.length) {
        /* Some locators are usable: apply them, and report the rest. */
        char *object = mrow_object(uuid);
        vtep_faults_set(st->faults, VTEP_FAULT_BAD_LOCATOR, object, NULL,
                        "%s: locators ignored: %s", mac_buf, ds_cstr(&bad));
        free(object);
        row->faulted = true;
    } else {
        row_clear_fault(st, &row->faulted, mrow_object, uuid);
    }
    ds_destroy(&bad);

    if (row->ls && uuid_equals(&row->ls->uuid, ls_uuid)
        && eth_addr_equals(row->mmac->mac, mac) && row->n_ips == n_ips
        && !memcmp(row->ips, ips, n_ips * sizeof *ips)) {
        free(ips);
        return;                 /* Unchanged. */
    }

    mrow_unlink(st, row);
    struct vtep_state_ls *ls = ls_get(st, ls_uuid);
    struct vtep_state_mmac *mmac = mmac_find(ls, mac);
    if (!mmac) {
        mmac = xmalloc(sizeof *mmac);
        mmac->mac = mac;
        ovs_list_init(&mmac->rows);
        hmap_insert(&ls->mcast, &mmac->node, vtep_hash_vni_mac(0, mac));
        if (eth_addr_is_zero(mac)) {
            default_flood_toggled(st, ls);
        }
    }
    ovs_list_push_back(&mmac->rows, &row->mmac_node);
    row->ls = ls;
    row->mmac = mmac;
    row->ips = ips;
    row->n_ips = n_ips;
    if (ls->active) {
        vtep_dirty_mcast(&st->dirty, ls->vni, mac);
    }
}

void
vtep_state_mcast_del(struct vtep_state *st, const struct uuid *uuid)
{
    struct vtep_state_mrow *row = mrow_find(st, uuid);
    if (row) {
        row_clear_fault(st, &row->faulted, mrow_object, uuid);
        mrow_unlink(st, row);
        hmap_remove(&st->mrows, &row->node);
        free(row);
    }
}

/* The remotes of 'mmac': the union of its rows' locators, without our own
 * tunnel IP, sorted.  Stores a new array in '*remotes' (NULL if none) and
 * returns its length. */
size_t
vtep_state_flood_remotes(const struct vtep_state *st,
                         const struct vtep_state_mmac *mmac,
                         ovs_be32 **remotes)
{
    size_t n = 0, allocated = 0;
    ovs_be32 *ips = NULL;
    const struct vtep_state_mrow *row;
    LIST_FOR_EACH (row, mmac_node, &mmac->rows) {
        for (size_t i = 0; i < row->n_ips; i++) {
            if (row->ips[i] != st->local_ip) {
                if (n >= allocated) {
                    ips = x2nrealloc(ips, &allocated, sizeof *ips);
                }
                ips[n++] = row->ips[i];
            }
        }
    }
    n = sort_unique(ips, n);
    if (!n) {
        free(ips);
        ips = NULL;
    }
    *remotes = ips;
    return n;
}

/* The default flood list of 'ls' (see enum vtep_default_flood), like
 * vtep_state_flood_remotes(). */
static size_t
default_flood_remotes(const struct vtep_state *st,
                      const struct vtep_state_ls *ls, ovs_be32 **remotes)
{
    size_t n = 0, allocated = 0;
    ovs_be32 *ips = NULL;

    if (st->default_flood == VTEP_DEFAULT_FLOOD_LOCATORS) {
        /* O(MACs of the switch), and only when its flood list is dirty:
         * once per reconciler pass however many MACs changed. */
        const struct vtep_state_umac *umac;
        HMAP_FOR_EACH (umac, node, &ls->ucast) {
            ovs_be32 ip;
            if (ucast_remote(st, umac, &ip)) {
                if (n >= allocated) {
                    ips = x2nrealloc(ips, &allocated, sizeof *ips);
                }
                ips[n++] = ip;
            }
        }
    } else {
        ips = xmalloc(MAX(st->n_default_nodes, 1) * sizeof *ips);
        for (size_t i = 0; i < st->n_default_nodes; i++) {
            if (st->default_nodes[i] != st->local_ip) {
                ips[n++] = st->default_nodes[i];
            }
        }
    }
    n = sort_unique(ips, n);
    if (!n) {
        free(ips);
        ips = NULL;
    }
    *remotes = ips;
    return n;
}

size_t
vtep_state_flood_lookup(const struct vtep_state *st, uint32_t vni,
                        struct eth_addr mac, ovs_be32 **remotes)
{
    const struct vtep_state_ls *ls = vtep_state_find_active(st, vni);
    const struct vtep_state_mmac *mmac = ls ? mmac_find(ls, mac) : NULL;
    if (!mmac) {
        if (ls && eth_addr_is_zero(mac) && ls_uses_default_flood(st, ls)) {
            return default_flood_remotes(st, ls, remotes);
        }
        *remotes = NULL;
        return 0;
    }
    return vtep_state_flood_remotes(st, mmac, remotes);
}

/* The replication mode that 'ls' floods with: its own, except that the
 * default flood list of --default-flood=locators is head-end replicated
 * (every VTEP there must see the frame once). */
enum vtep_repl_mode
vtep_state_ls_mode(const struct vtep_state *st,
                   const struct vtep_state_ls *ls)
{
    return (st->default_flood == VTEP_DEFAULT_FLOOD_LOCATORS
            && ls_uses_default_flood(st, ls)
            ? VTEP_REPL_SOURCE_NODE : ls->mode);
}

/* Sets what switches without an unknown-dst row flood to.  'nodes' is
 * used (and copied) for VTEP_DEFAULT_FLOOD_NODES only. */
void
vtep_state_set_default_flood(struct vtep_state *st,
                             enum vtep_default_flood mode,
                             const ovs_be32 *nodes, size_t n_nodes)
{
    free(st->default_nodes);
    st->default_nodes = NULL;
    st->n_default_nodes = 0;
    st->default_flood = mode;
    if (mode == VTEP_DEFAULT_FLOOD_NODES && n_nodes) {
        st->default_nodes = xmemdup(nodes, n_nodes * sizeof *nodes);
        st->n_default_nodes = sort_unique(st->default_nodes, n_nodes);
    }

    struct vtep_state_ls *ls;
    HMAP_FOR_EACH (ls, vni_node, &st->active) {
        vtep_dirty_ls(&st->dirty, ls->vni);
        vtep_dirty_mcast(&st->dirty, ls->vni, eth_addr_zero);
    }
}

/* Our own tunnel IP is never a remote.  Changing it re-evaluates every
 * active switch. */
void
vtep_state_set_local_ip(struct vtep_state *st, ovs_be32 ip)
{
    if (st->local_ip != ip) {
        st->local_ip = ip;
        struct vtep_state_ls *ls;
        HMAP_FOR_EACH (ls, vni_node, &st->active) {
            struct vtep_state_umac *umac;
            HMAP_FOR_EACH (umac, node, &ls->ucast) {
                vtep_dirty_ucast(&st->dirty, ls->vni, umac->mac);
            }
            struct vtep_state_mmac *mmac;
            HMAP_FOR_EACH (mmac, node, &ls->mcast) {
                vtep_dirty_mcast(&st->dirty, ls->vni, mmac->mac);
            }
            vtep_dirty_mcast(&st->dirty, ls->vni, eth_addr_zero);
        }
    }
}

/* Resync. */

/* True if 'uuid' is a Logical_Switch, Ucast_Macs_Remote or Mcast_Macs_Remote
 * row that the state holds.  The database side uses it to notice that the
 * IDL presented a row it already had as new, which happens when the IDL
 * replaced its whole copy of the database (after a reconnection). */
bool
vtep_state_knows_row(const struct vtep_state *st, const struct uuid *uuid)
{
    const struct vtep_state_ls *ls = ls_find(st, uuid);
    return (ls && ls->has_row) || urow_find(st, uuid) || mrow_find(st, uuid);
}

void
vtep_state_sweep_begin(struct vtep_state *st)
{
    st->sweep++;
    st->sweeping = true;
}

void
vtep_state_sweep_end(struct vtep_state *st)
{
    struct vtep_state_urow *urow;
    HMAP_FOR_EACH_SAFE (urow, node, &st->urows) {
        if (urow->seen != st->sweep) {
            vtep_state_ucast_del(st, &urow->uuid);
        }
    }
    struct vtep_state_mrow *mrow;
    HMAP_FOR_EACH_SAFE (mrow, node, &st->mrows) {
        if (mrow->seen != st->sweep) {
            vtep_state_mcast_del(st, &mrow->uuid);
        }
    }
    struct vtep_state_port *port;
    HMAP_FOR_EACH_SAFE (port, node, &st->ports) {
        if (port->seen != st->sweep) {
            vtep_state_port_del(st, port->name);
        }
    }
    struct vtep_state_ls *ls;
    HMAP_FOR_EACH_SAFE (ls, uuid_node, &st->lss) {
        if (ls->has_row && ls->seen != st->sweep) {
            vtep_state_ls_del(st, &ls->uuid);
        }
    }

    st->sweeping = false;
    struct vni_claim *claim;
    HMAP_FOR_EACH_SAFE (claim, node, &st->claims) {
        claim_elect(st, claim);
    }
}

void
vtep_state_destroy(struct vtep_state *st)
{
    free(st->default_nodes);
    struct vtep_state_urow *urow;
    HMAP_FOR_EACH_SAFE (urow, node, &st->urows) {
        vtep_state_ucast_del(st, &urow->uuid);
    }
    struct vtep_state_mrow *mrow;
    HMAP_FOR_EACH_SAFE (mrow, node, &st->mrows) {
        vtep_state_mcast_del(st, &mrow->uuid);
    }
    struct vtep_state_port *port;
    HMAP_FOR_EACH_SAFE (port, node, &st->ports) {
        vtep_state_port_del(st, port->name);
    }
    struct vtep_state_ls *ls;
    HMAP_FOR_EACH_SAFE (ls, uuid_node, &st->lss) {
        vtep_state_ls_del(st, &ls->uuid);
    }
    ovs_assert(hmap_is_empty(&st->lss));
    hmap_destroy(&st->lss);
    hmap_destroy(&st->active);
    hmap_destroy(&st->claims);
    hmap_destroy(&st->ports);
    hmap_destroy(&st->urows);
    hmap_destroy(&st->mrows);
    vtep_dirty_destroy(&st->dirty);
}

/* Appends a summary of the logical switches and bindings to 'out'. */
void
vtep_state_format(const struct vtep_state *st, struct ds *out)
{
    size_t n = 0;
    const struct vtep_state_ls **lss = xmalloc((hmap_count(&st->lss) + 1)
                                               * sizeof *lss);
    const struct vtep_state_ls *ls;
    HMAP_FOR_EACH (ls, uuid_node, &st->lss) {
        if (ls->has_row) {
            lss[n++] = ls;
        }
    }
    qsort(lss, n, sizeof *lss, compare_ls_names);
    ds_put_format(out, "logical switches: %"PRIuSIZE" (%"PRIuSIZE
                  " active)\n", n, hmap_count(&st->active));
    for (size_t i = 0; i < n; i++) {
        ls = lss[i];
        ds_put_format(out, "  %s: ", ls->name);
        if (ls->vni) {
            ds_put_format(out, "vni %"PRIu32, ls->vni);
        } else {
            ds_put_cstr(out, "no vni");
        }
        ds_put_format(out, ", %s, %s, %"PRIuSIZE" remote macs, %"PRIuSIZE
                      " mcast macs, %"PRIuSIZE" bindings\n",
                      vtep_repl_mode_to_string(ls->mode),
                      ls->active ? "active" : "inactive",
                      hmap_count(&ls->ucast), hmap_count(&ls->mcast),
                      ls->n_bindings);
    }
    free(lss);
}

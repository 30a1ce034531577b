/*
 * locator.c: our own Physical_Locator and Physical_Locator_Set, and the
 * unknown-dst Mcast_Macs_Local rows that point controllers at them.
 *
 * Our locator is the one row (encapsulation vxlan_over_ipv4, dst_ip our
 * tunnel IP, no tunnel_key) that our Ucast_Macs_Local rows name; the set
 * {our locator} is what each unknown-dst Mcast_Macs_Local row of a logical
 * switch we serve names, so that controllers flood that switch's traffic
 * to us.  Both are found in the database (and cached by UUID) or inserted
 * into the transaction of the pass, at most once per pass.  Part of the
 * "local" module: see local.h.
 */
#include <config.h>

#include <string.h>
#include "openvswitch/hmap.h"
#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "util.h"
#include "uuidset.h"
#include "vtep-idl.h"
#include "vtep-types.h"
#include "vtepd/local.h"
#include "vtepd/vtepd.h"

VLOG_DEFINE_THIS_MODULE(locator);

/* True if 'loc' is a locator of our tunnel IP (of any spelling). */
bool
local_locator_is_ours(const struct vtepd_ctx *ctx,
                      const struct vteprec_physical_locator *loc)
{
    ovs_be32 ip;
    return (loc
            && !vtep_parse_locator(loc->encapsulation_type, loc->dst_ip, &ip)
            && ip == ctx->cfg->tunnel_ip);
}

static bool
locator_is_exactly_ours(const struct vtepd_ctx *ctx,
                        const struct vteprec_physical_locator *loc)
{
    return (loc->encapsulation_type
            && !strcmp(loc->encapsulation_type, VTEP_ENCAP_VXLAN_IPV4)
            && loc->dst_ip && !strcmp(loc->dst_ip, ctx->cfg->tunnel_ip_s)
            && !loc->n_tunnel_key);
}

/* Returns the Physical_Locator of our tunnel IP, inserting it into the
 * transaction if the database has none. */
const struct vteprec_physical_locator *
local_own_locator(struct vtepd_ctx *ctx)
{
    struct local *l = ctx->local;
    const struct vteprec_physical_locator *loc;

    if (l->new_locator) {
        return l->new_locator;
    }
    loc = vteprec_physical_locator_get_for_uuid(ctx->idl, &l->locator_uuid);
    if (loc && local_idl_row_exists(&loc->header_)
        && locator_is_exactly_ours(ctx, loc)) {
        return loc;
    }
    VTEPREC_PHYSICAL_LOCATOR_FOR_EACH (loc, ctx->idl) {
        if (locator_is_exactly_ours(ctx, loc)) {
            l->locator_uuid = loc->header_.uuid;
            return loc;
        }
    }
    loc = vteprec_physical_locator_insert(ctx->txn);
    vteprec_physical_locator_set_encapsulation_type(loc,
                                                    VTEP_ENCAP_VXLAN_IPV4);
    vteprec_physical_locator_set_dst_ip(loc, ctx->cfg->tunnel_ip_s);
    l->new_locator = loc;
    return loc;
}

static bool
set_is_ours(const struct vtepd_ctx *ctx,
            const struct vteprec_physical_locator_set *set)
{
    return (set && set->n_locators == 1
            && local_locator_is_ours(ctx, set->locators[0]));
}

/* Returns the Physical_Locator_Set {our locator}, inserting it into the
 * transaction if the database has none. */
static const struct vteprec_physical_locator_set *
own_locator_set(struct vtepd_ctx *ctx)
{
    struct local *l = ctx->local;
    const struct vteprec_physical_locator *loc = local_own_locator(ctx);
    const struct vteprec_physical_locator_set *set;

    if (l->new_locator_set) {
        return l->new_locator_set;
    }
    set = vteprec_physical_locator_set_get_for_uuid(ctx->idl,
                                                    &l->locator_set_uuid);
    if (set && local_idl_row_exists(&set->header_) && set->n_locators == 1
        && set->locators[0] == loc) {
        return set;
    }
    VTEPREC_PHYSICAL_LOCATOR_SET_FOR_EACH (set, ctx->idl) {
        if (set->n_locators == 1 && set->locators[0] == loc) {
            l->locator_set_uuid = set->header_.uuid;
            return set;
        }
    }
    set = vteprec_physical_locator_set_insert(ctx->txn);
    struct vteprec_physical_locator *locp = CONST_CAST(
        struct vteprec_physical_locator *, loc);
    vteprec_physical_locator_set_set_locators(set, &locp, 1);
    l->new_locator_set = set;
    return set;
}

/* Mcast_Macs_Local: one unknown-dst row, with our locator set, per logical
 * switch we serve. */
void
local_mcast_write(struct vtepd_ctx *ctx)
{
    struct local *l = ctx->local;
    struct uuidset want = UUIDSET_INITIALIZER(&want);
    size_t ops = l->txn_ops;

    const struct vtep_state_ls *ls;
    HMAP_FOR_EACH (ls, vni_node, &ctx->state.active) {
        if (local_get_ls(ctx, &ls->uuid)) {
            uuidset_insert(&want, &ls->uuid);
        }
    }

    const struct vteprec_mcast_macs_local *r;
    VTEPREC_MCAST_MACS_LOCAL_FOR_EACH_SAFE (r, ctx->idl) {
        if (!r->MAC || strcmp(r->MAC, VTEP_UNKNOWN_DST)
            || !set_is_ours(ctx, r->locator_set)) {
            continue;
        }
        /* The first row of a wanted switch stays; duplicates and rows of
         * switches we no longer serve go. */
        if (!r->logical_switch
            || !uuidset_find_and_delete(&want,
                                        &r->logical_switch->header_.uuid)) {
            vteprec_mcast_macs_local_delete(r);
            local_count_op(l);
        }
    }

    struct uuidset_node *node;
    UUIDSET_FOR_EACH (node, &want) {
        const struct vteprec_logical_switch *lsr;
        lsr = local_get_ls(ctx, &node->uuid);
        struct vteprec_mcast_macs_local *m;
        m = vteprec_mcast_macs_local_insert(ctx->txn);
        vteprec_mcast_macs_local_set_MAC(m, VTEP_UNKNOWN_DST);
        vteprec_mcast_macs_local_set_logical_switch(m, lsr);
        vteprec_mcast_macs_local_set_locator_set(m, own_locator_set(ctx));
        local_count_op(l);
    }
    uuidset_destroy(&want);

    /* Look again once the transaction is through, in case it failed. */
    l->mcast_stale = l->txn_ops != ops;
}

/* A value that changes when the set of active logical switches does. */
uint64_t
local_active_signature(const struct vtep_state *st)
{
    uint64_t sig = hmap_count(&st->active);
    const struct vtep_state_ls *ls;
    HMAP_FOR_EACH (ls, vni_node, &st->active) {
        sig += ((uint64_t) ls->uuid.parts[0] << 32 | ls->uuid.parts[1]) * 3;
    }
    return sig;
}

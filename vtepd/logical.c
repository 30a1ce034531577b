/*
 * logical.c: database rows -> desired state.
 *
 * This module reads what the controllers wrote (Logical_Switch, our ports'
 * vlan_bindings, Ucast_Macs_Remote, Mcast_Macs_Remote and the locators
 * they point at) and hands it to the desired state (lib/vtep-state.h) as
 * plain strings and numbers; the state validates them and raises faults.
 *
 * Normally only the rows that the IDL's change tracking reports are
 * looked at, so one changed row out of 100k costs one row.  A full sweep
 * (every row, then delete what was not seen) runs instead on the first
 * contact, after the connection to the database was lost, and whenever
 * the IDL presents as new a row we already hold: that is the mark of the
 * IDL having replaced its whole copy of the database, after which change
 * tracking does not report the rows that disappeared.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>
#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "util.h"
#include "vtep-idl.h"
#include "vtepd/vtepd.h"

VLOG_DEFINE_THIS_MODULE(logical);

void
logical_register_columns(struct ovsdb_idl *idl)
{
    ovsdb_idl_add_table(idl, &vteprec_table_logical_switch);
    ovsdb_idl_add_column(idl, &vteprec_logical_switch_col_name);
    ovsdb_idl_add_column(idl, &vteprec_logical_switch_col_tunnel_key);
    ovsdb_idl_add_column(idl, &vteprec_logical_switch_col_replication_mode);

    ovsdb_idl_add_table(idl, &vteprec_table_ucast_macs_remote);
    ovsdb_idl_add_column(idl, &vteprec_ucast_macs_remote_col_MAC);
    ovsdb_idl_add_column(idl, &vteprec_ucast_macs_remote_col_logical_switch);
    ovsdb_idl_add_column(idl, &vteprec_ucast_macs_remote_col_locator);

    ovsdb_idl_add_table(idl, &vteprec_table_mcast_macs_remote);
    ovsdb_idl_add_column(idl, &vteprec_mcast_macs_remote_col_MAC);
    ovsdb_idl_add_column(idl, &vteprec_mcast_macs_remote_col_logical_switch);
    ovsdb_idl_add_column(idl, &vteprec_mcast_macs_remote_col_locator_set);

    ovsdb_idl_add_table(idl, &vteprec_table_physical_locator);
    ovsdb_idl_add_column(idl,
                         &vteprec_physical_locator_col_encapsulation_type);
    ovsdb_idl_add_column(idl, &vteprec_physical_locator_col_dst_ip);

    ovsdb_idl_add_table(idl, &vteprec_table_physical_locator_set);
    ovsdb_idl_add_column(idl, &vteprec_physical_locator_set_col_locators);
}

static void
set_ls(struct vtepd_ctx *ctx, const struct vteprec_logical_switch *ls)
{
    vtep_state_ls_set(&ctx->state, &ls->header_.uuid, ls->name,
                      ls->tunnel_key, ls->n_tunnel_key,
                      ls->replication_mode);
}

static void
locator_spec(const struct vteprec_physical_locator *loc,
             struct vtep_locator_spec *spec)
{
    spec->encap = loc->encapsulation_type;
    spec->dst_ip = loc->dst_ip;
}

static void
set_ucast(struct vtepd_ctx *ctx, const struct vteprec_ucast_macs_remote *row)
{
    struct vtep_locator_spec spec;
    if (row->locator) {
        locator_spec(row->locator, &spec);
    }
    vtep_state_ucast_set(&ctx->state, &row->header_.uuid,
                         row->logical_switch
                         ? &row->logical_switch->header_.uuid : NULL,
                         row->MAC, row->locator ? &spec : NULL);
}

static void
set_mcast(struct vtepd_ctx *ctx, const struct vteprec_mcast_macs_remote *row)
{
    const struct vteprec_physical_locator_set *set = row->locator_set;
    size_t n = set ? set->n_locators : 0;
    struct vtep_locator_spec *specs = xmalloc((n + 1) * sizeof *specs);
    for (size_t i = 0; i < n; i++) {
        locator_spec(set->locators[i], &specs[i]);
    }
    vtep_state_mcast_set(&ctx->state, &row->header_.uuid,
                         row->logical_switch
                         ? &row->logical_switch->header_.uuid : NULL,
                         row->MAC, specs, n);
    free(specs);
}

/* Our ports are few: whenever any switch or port row changed, hand all of
 * their bindings to the state, which compares. */
static void
sync_ports(struct vtepd_ctx *ctx)
{
    const struct vteprec_physical_switch *ps = physical_find_switch(ctx);

    for (size_t i = 0; i < ctx->cfg->n_ports; i++) {
        const char *name = ctx->cfg->ports[i];
        const struct vteprec_physical_port *port = NULL;
        for (size_t j = 0; ps && j < ps->n_ports; j++) {
            if (ps->ports[j]->name && !strcmp(ps->ports[j]->name, name)) {
                port = ps->ports[j];
                break;
            }
        }
        if (!port) {
            vtep_state_port_del(&ctx->state, name);
            continue;
        }
        size_t n = port->n_vlan_bindings;
        struct uuid *lss = xmalloc((n + 1) * sizeof *lss);
        for (size_t j = 0; j < n; j++) {
            lss[j] = port->value_vlan_bindings[j]->header_.uuid;
        }
        vtep_state_port_set(&ctx->state, name, port->key_vlan_bindings, lss,
                            n);
        free(lss);
    }
}

static void
full_sweep(struct vtepd_ctx *ctx)
{
    struct vtep_state *st = &ctx->state;

    vtep_state_sweep_begin(st);

    const struct vteprec_logical_switch *ls;
    VTEPREC_LOGICAL_SWITCH_FOR_EACH (ls, ctx->idl) {
        set_ls(ctx, ls);
    }
    sync_ports(ctx);
    const struct vteprec_ucast_macs_remote *urow;
    VTEPREC_UCAST_MACS_REMOTE_FOR_EACH (urow, ctx->idl) {
        set_ucast(ctx, urow);
    }
    const struct vteprec_mcast_macs_remote *mrow;
    VTEPREC_MCAST_MACS_REMOTE_FOR_EACH (mrow, ctx->idl) {
        set_mcast(ctx, mrow);
    }

    vtep_state_sweep_end(st);
    ctx->desired_complete = true;
    ctx->n_resyncs++;
    VLOG_DBG("full resync of the desired state");
}

/* Applies the tracked changes.  Returns false if a full sweep is needed
 * (see the comment at the top). */
static bool
incremental(struct vtepd_ctx *ctx)
{
    struct vtep_state *st = &ctx->state;
    bool resync = false;

    const struct vteprec_logical_switch *ls;
    VTEPREC_LOGICAL_SWITCH_FOR_EACH_TRACKED (ls, ctx->idl) {
        if (vteprec_logical_switch_is_deleted(ls)) {
            vtep_state_ls_del(st, &ls->header_.uuid);
        } else {
            resync |= (vteprec_logical_switch_is_new(ls)
                       && vtep_state_knows_row(st, &ls->header_.uuid));
            set_ls(ctx, ls);
        }
    }

    if (vteprec_physical_switch_track_get_first(ctx->idl)
        || vteprec_physical_port_track_get_first(ctx->idl)) {
        sync_ports(ctx);
    }

    const struct vteprec_ucast_macs_remote *urow;
    VTEPREC_UCAST_MACS_REMOTE_FOR_EACH_TRACKED (urow, ctx->idl) {
        if (vteprec_ucast_macs_remote_is_deleted(urow)) {
            vtep_state_ucast_del(st, &urow->header_.uuid);
        } else {
            resync |= (vteprec_ucast_macs_remote_is_new(urow)
                       && vtep_state_knows_row(st, &urow->header_.uuid));
            set_ucast(ctx, urow);
        }
    }

    const struct vteprec_mcast_macs_remote *mrow;
    VTEPREC_MCAST_MACS_REMOTE_FOR_EACH_TRACKED (mrow, ctx->idl) {
        if (vteprec_mcast_macs_remote_is_deleted(mrow)) {
            vtep_state_mcast_del(st, &mrow->header_.uuid);
        } else {
            resync |= (vteprec_mcast_macs_remote_is_new(mrow)
                       && vtep_state_knows_row(st, &mrow->header_.uuid));
            set_mcast(ctx, mrow);
        }
    }
    ctx->n_incremental++;
    return !resync;
}

void
logical_run(struct vtepd_ctx *ctx)
{
    if (!ovsdb_idl_is_connected(ctx->idl)) {
        /* Keep forwarding with what we have; look at everything again
         * once we are back. */
        ctx->need_resync = true;
        return;
    }

    unsigned int seqno = ovsdb_idl_get_seqno(ctx->idl);
    if (seqno == ctx->idl_seqno) {
        return;
    }
    ctx->idl_seqno = seqno;

    if (ctx->need_resync || !incremental(ctx)) {
        full_sweep(ctx);
        ctx->need_resync = false;
    }
    /* The main loop clears the tracked changes once every module has seen
     * them. */
}

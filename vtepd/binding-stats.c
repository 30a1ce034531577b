/*
 * binding-stats.c: Logical_Binding_Stats, the counters of each binding of
 * our ports, written into Physical_Port:vlan_stats every --stats-interval
 * seconds (on the main loop's clock, so OVS's time/warp moves it in tests).
 *
 * A row is inserted for each binding that the datapath counts, updated
 * only where a counter changed, and its vlan_stats entry goes with the
 * binding.  A datapath that keeps no counters is said once in the log.
 * Part of the "local" module: see local.h.
 */
#include <config.h>

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include "bitmap.h"
#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "vtep-dp.h"
#include "vtep-idl.h"
#include "vtep-types.h"
#include "vtepd/local.h"
#include "vtepd/vtepd.h"

VLOG_DEFINE_THIS_MODULE(binding_stats);

static int64_t
stat_value(uint64_t x)
{
    return x > INT64_MAX ? INT64_MAX : x;
}

static void
write_binding_stats(struct vtepd_ctx *ctx,
                    const struct vteprec_physical_port *port, int64_t vlan,
                    const struct vteprec_logical_binding_stats *row,
                    const struct vtep_dp_binding_stats *s)
{
    struct local *l = ctx->local;
    bool new = !row;

    if (new) {
        row = vteprec_logical_binding_stats_insert(ctx->txn);
        vteprec_physical_port_update_vlan_stats_setkey(port, vlan, row);
    }
    bool changed = new;
    if (new || row->packets_from_local != stat_value(s->packets_from_local)) {
        vteprec_logical_binding_stats_set_packets_from_local(
            row, stat_value(s->packets_from_local));
        changed = true;
    }
    if (new || row->bytes_from_local != stat_value(s->bytes_from_local)) {
        vteprec_logical_binding_stats_set_bytes_from_local(
            row, stat_value(s->bytes_from_local));
        changed = true;
    }
    if (new || row->packets_to_local != stat_value(s->packets_to_local)) {
        vteprec_logical_binding_stats_set_packets_to_local(
            row, stat_value(s->packets_to_local));
        changed = true;
    }
    if (new || row->bytes_to_local != stat_value(s->bytes_to_local)) {
        vteprec_logical_binding_stats_set_bytes_to_local(
            row, stat_value(s->bytes_to_local));
        changed = true;
    }
    if (changed) {
        local_count_op(l);
        l->n_stats_writes++;
    }
}

/* Writes the counters of every binding of our ports into vlan_stats.
 * Returns false if the datapath keeps no counters. */
static bool
write_port_stats(struct vtepd_ctx *ctx,
                 const struct vteprec_physical_port *port)
{
    const struct vteprec_logical_binding_stats *rows[VTEP_VLAN_MAX + 1];
    unsigned long *bound = bitmap_allocate(VTEP_VLAN_MAX + 1);
    bool supported = true;

    memset(rows, 0, sizeof rows);
    for (size_t i = 0; i < port->n_vlan_stats; i++) {
        int64_t vlan = port->key_vlan_stats[i];
        if (vlan >= 0 && vlan <= VTEP_VLAN_MAX) {
            rows[vlan] = port->value_vlan_stats[i];
        }
    }
    for (size_t i = 0; i < port->n_vlan_bindings; i++) {
        struct vtep_dp_binding_stats s;
        uint16_t vlan;
        if (vtep_parse_vlan(port->key_vlan_bindings[i], &vlan)) {
            continue;
        }
        bitmap_set1(bound, vlan);
        int error = vtep_dp_binding_stats(ctx->dp, port->name, vlan, &s);
        if (error == EOPNOTSUPP) {
            supported = false;
            break;
        } else if (!error) {
            write_binding_stats(ctx, port, vlan, rows[vlan], &s);
        }
        /* Else not in the datapath (yet): leave its entry as it is. */
    }
    if (supported) {
        /* Entries of bindings that are gone. */
        for (size_t i = 0; i < port->n_vlan_stats; i++) {
            int64_t vlan = port->key_vlan_stats[i];
            if (vlan < 0 || vlan > VTEP_VLAN_MAX
                || !bitmap_is_set(bound, vlan)) {
                vteprec_physical_port_update_vlan_stats_delkey(port, vlan);
                local_count_op(ctx->local);
            }
        }
    }
    bitmap_free(bound);
    return supported;
}

void
local_stats_write(struct vtepd_ctx *ctx)
{
    struct local *l = ctx->local;
    const struct vteprec_physical_switch *ps = physical_find_switch(ctx);

    for (size_t i = 0; ps && i < ps->n_ports; i++) {
        const struct vteprec_physical_port *port = ps->ports[i];
        if (!port->name || !physical_is_our_port(ctx, port->name)) {
            continue;
        }
        if (!write_port_stats(ctx, port)) {
            if (!l->stats_unsupported) {
                l->stats_unsupported = true;
                VLOG_INFO("the %s datapath keeps no binding counters: "
                          "Logical_Binding_Stats are not written",
                          vtep_dp_type(ctx->dp));
            }
            return;
        }
    }
}

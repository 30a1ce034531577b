/*
 * cleanup.c: "exit --cleanup": vtepd's own rows leave with it.
 *
 * A plain "exit" keeps every row: controllers rely on the switch, its
 * ports and its learned MACs across a restart.  "exit --cleanup" is for a
 * switch that is taken out of service: after the main loop ends, one
 * transaction removes
 *
 *   - the Ucast_Macs_Local rows whose locator is ours (vxlan_over_ipv4 to
 *     our tunnel IP) and the Mcast_Macs_Local rows whose locator set holds
 *     only our locator;
 *   - our Physical_Switch row and its reference in Global:switches; with
 *     it the database garbage-collects what nothing else refers to: its
 *     Physical_Port and Tunnel rows, their Logical_Binding_Stats, and our
 *     Physical_Locator and Physical_Locator_Set rows.
 *
 * The transaction is committed like any other, through the IDL loop, and
 * waited for for at most a bounded time; it needs the database lock, so
 * a vtepd that never got it removes nothing.
 */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include "openvswitch/dynamic-string.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "timeval.h"
#include "util.h"
#include "vtep-idl.h"
#include "vtep-types.h"
#include "vtepd/vtepd.h"

VLOG_DEFINE_THIS_MODULE(cleanup);

static bool
locator_is_ours(const struct vtepd_ctx *ctx,
                const struct vteprec_physical_locator *loc)
{
    ovs_be32 ip;
    return (loc && loc->encapsulation_type && loc->dst_ip
            && !strcmp(loc->encapsulation_type, "vxlan_over_ipv4")
            && !vtep_parse_ipv4(loc->dst_ip, &ip)
            && ip == ctx->cfg->tunnel_ip);
}

static bool
locator_set_is_ours(const struct vtepd_ctx *ctx,
                    const struct vteprec_physical_locator_set *set)
{
    if (!set || !set->n_locators) {
        return false;
    }
    for (size_t i = 0; i < set->n_locators; i++) {
        if (!locator_is_ours(ctx, set->locators[i])) {
            return false;
        }
    }
    return true;
}

/* Puts the removal of our rows into ctx->txn.  Returns the number of rows
 * removed (those the database then collects not counted). */
static size_t
cleanup_write(struct vtepd_ctx *ctx)
{
    size_t n = 0;

    const struct vteprec_ucast_macs_local *u;
    VTEPREC_UCAST_MACS_LOCAL_FOR_EACH_SAFE (u, ctx->idl) {
        if (locator_is_ours(ctx, u->locator)) {
            vteprec_ucast_macs_local_delete(u);
            n++;
        }
    }

    const struct vteprec_mcast_macs_local *m;
    VTEPREC_MCAST_MACS_LOCAL_FOR_EACH_SAFE (m, ctx->idl) {
        if (locator_set_is_ours(ctx, m->locator_set)) {
            vteprec_mcast_macs_local_delete(m);
            n++;
        }
    }

    const struct vteprec_physical_switch *ps = physical_find_switch(ctx);
    if (ps) {
        const struct vteprec_global *global;
        VTEPREC_GLOBAL_FOR_EACH (global, ctx->idl) {
            for (size_t i = 0; i < global->n_switches; i++) {
                if (global->switches[i] == ps) {
                    /* (The IDL warns about deleting an absent value.) */
                    vteprec_global_update_switches_delvalue(global, ps);
                    break;
                }
            }
        }
        /* Not root rows: the IDL sends no delete for them, the database
         * collects them once nothing refers to them. */
        n += 1 + ps->n_ports;
        for (size_t i = 0; i < ps->n_ports; i++) {
            vteprec_physical_port_delete(ps->ports[i]);
        }
        vteprec_physical_switch_delete(ps);
    }
    if (n) {
        ovsdb_idl_txn_add_comment(ctx->txn, "vtepd: exit --cleanup: "
                                  "removing %s's rows", ctx->cfg->name);
    }
    return n;
}

int
cleanup_run(struct vtepd_ctx *ctx, struct ovsdb_idl_loop *loop,
            long long int timeout_ms, struct ds *result)
{
    long long int deadline = time_msec() + timeout_ms;
    bool written = false;
    size_t n = 0;

    for (;;) {
        ctx->txn = ovsdb_idl_loop_run(loop);
        if (!written && ctx->txn && ovsdb_idl_has_lock(ctx->idl)) {
            n = cleanup_write(ctx);
            written = true;
        }
        int retval = ovsdb_idl_loop_commit_and_wait(loop);
        if (written && retval == 1) {
            VLOG_INFO("%s: exit --cleanup: removed %"PRIuSIZE" rows",
                      ctx->cfg->name, n);
            ds_put_format(result, "removed %"PRIuSIZE" rows of %s\n", n,
                          ctx->cfg->name);
            return 0;
        } else if (written && retval == 0) {
            /* Failed (or the connection dropped): look again and retry
             * while there is time. */
            written = false;
        }
        if (time_msec() >= deadline) {
            break;
        }
        poll_timer_wait_until(deadline);
        poll_block();
    }

    const char *why = (!ovsdb_idl_is_connected(ctx->idl)
                       ? "not connected to the database"
                       : !ovsdb_idl_has_lock(ctx->idl)
                       ? "the database lock is not held"
                       : "the transaction did not complete");
    VLOG_WARN("%s: exit --cleanup: rows not removed within %lld ms: %s",
              ctx->cfg->name, timeout_ms, why);
    ds_put_format(result, "exit --cleanup: rows of %s not removed within "
                  "%lld ms: %s", ctx->cfg->name, timeout_ms, why);
    return ETIMEDOUT;
}

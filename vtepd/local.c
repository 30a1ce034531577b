/*
 * local.c: what only the switch knows, written back to the database.
 *
 * The datapath learns the source MACs of frames from our trunk ports and
 * counts each binding's traffic.  This module publishes that:
 *
 *   - every learned MAC as a Ucast_Macs_Local row (ucast-local.c);
 *   - for every logical switch with an applied binding on our ports, one
 *     Mcast_Macs_Local "unknown-dst" row whose locator set is our locator,
 *     so that controllers send us the switch's flooded traffic
 *     (locator.c);
 *   - a Logical_Binding_Stats row per binding of our ports, in
 *     Physical_Port:vlan_stats, every --stats-interval seconds
 *     (binding-stats.c);
 *   - the mac_table_exhaustion fault while a learning limit holds: a
 *     logical switch at --mac-limit, a port at --mac-limit-port, or the
 *     datapath's whole table (here).
 *
 * This file is the module's interface (vtepd.h) and its input: it drains
 * the datapath's learning events every pass, checks each (a datapath is
 * input like any other: an event for a port, VLAN or VNI that is not ours
 * is logged and skipped), and applies it to vtepd's copy of the learned
 * table (lib/vtep-learned.h), which coalesces bursts into one dirty entry
 * per MAC for ucast-local.c to write.  Limit events raise and clear the
 * faults; the datapath's learning table already keeps them from flapping
 * (lib/vtep-learn.h).
 */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "coverage.h"
#include "hash.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "timeval.h"
#include "util.h"
#include "vtep-dp.h"
#include "vtep-idl.h"
#include "vtep-learn.h"
#include "vtep-types.h"
#include "vtepd/local.h"
#include "vtepd/vtepd.h"

VLOG_DEFINE_THIS_MODULE(local);

COVERAGE_DEFINE(local_event_dropped);
COVERAGE_DEFINE(local_row_written);

/* A learning limit that holds: a fault. */
struct local_full {
    struct hmap_node node;            /* In 'fulls'. */
    enum vtep_learn_limit limit;
    uint32_t vni;                     /* VTEP_LEARN_LIMIT_VNI. */
    char port[VTEP_PORT_NAME_MAX];    /* VTEP_LEARN_LIMIT_PORT. */
    char *object;                     /* Fault registry object. */
};

/* Helpers for the module's files. */

void
local_count_op(struct local *l)
{
    l->txn_ops++;
    l->n_row_ops++;
    COVERAGE_INC(local_row_written);
}

/* The IDL's get_for_uuid() functions also return orphans (rows that are
 * referenced but not in the database) and rows deleted in the open
 * transaction.  This is true only for rows that exist. */
bool
local_idl_row_exists(const struct ovsdb_idl_row *row)
{
    return row && row->new_datum;
}

const struct vteprec_logical_switch *
local_get_ls(const struct vtepd_ctx *ctx, const struct uuid *uuid)
{
    const struct vteprec_logical_switch *ls;
    ls = vteprec_logical_switch_get_for_uuid(ctx->idl, uuid);
    return ls && local_idl_row_exists(&ls->header_) ? ls : NULL;
}

void
local_format_ip(ovs_be32 ip, char buf[INET_ADDRSTRLEN])
{
    if (ip) {
        snprintf(buf, INET_ADDRSTRLEN, IP_FMT, IP_ARGS(ip));
    } else {
        buf[0] = '\0';
    }
}

/* The MAC limit faults. */

static uint32_t
hash_full(enum vtep_learn_limit limit, uint32_t vni, const char *port)
{
    return hash_string(port, hash_2words(limit, vni));
}

static struct local_full *
full_find(const struct local *l, enum vtep_learn_limit limit, uint32_t vni,
          const char *port)
{
    struct local_full *full;
    HMAP_FOR_EACH_WITH_HASH (full, node, hash_full(limit, vni, port),
                             &l->fulls) {
        if (full->limit == limit && full->vni == vni
            && !strcmp(full->port, port)) {
            return full;
        }
    }
    return NULL;
}

static void
full_remove(struct vtepd_ctx *ctx, struct local_full *full)
{
    vtep_faults_clear(&ctx->faults, full->object);
    hmap_remove(&ctx->local->fulls, &full->node);
    free(full->object);
    free(full);
}

/* Sets the fault of 'full'; 'ls' is its logical switch, for a VNI
 * limit. */
static void
full_raise(struct vtepd_ctx *ctx, struct local_full *full,
           const struct vtep_state_ls *ls)
{
    const struct vtepd_config *cfg = ctx->cfg;
    char *object;

    switch (full->limit) {
    case VTEP_LEARN_LIMIT_VNI:
        object = xasprintf("Logical_Switch %s MAC learning", ls->name);
        break;
    case VTEP_LEARN_LIMIT_PORT:
        object = xasprintf("Physical_Port %s MAC learning", full->port);
        break;
    case VTEP_LEARN_LIMIT_TABLE:
    default:
        object = xstrdup("datapath MAC learning");
        break;
    }
    if (full->object && strcmp(full->object, object)) {
        vtep_faults_clear(&ctx->faults, full->object);
    }
    free(full->object);
    full->object = object;

    if (full->limit == VTEP_LEARN_LIMIT_VNI && cfg->mac_limit) {
        vtep_faults_set(&ctx->faults, VTEP_FAULT_MAC_LIMIT, object, NULL,
                        "logical switch %s (VNI %"PRIu32") reached "
                        "--mac-limit=%u learned MACs: new source MACs are "
                        "forwarded but not learned", ls->name, ls->vni,
                        cfg->mac_limit);
    } else if (full->limit == VTEP_LEARN_LIMIT_VNI) {
        vtep_faults_set(&ctx->faults, VTEP_FAULT_MAC_LIMIT, object, NULL,
                        "logical switch %s (VNI %"PRIu32"): the datapath "
                        "refuses to learn more MACs in it: new source MACs "
                        "are forwarded but not learned", ls->name, ls->vni);
    } else if (full->limit == VTEP_LEARN_LIMIT_PORT) {
        vtep_faults_set(&ctx->faults, VTEP_FAULT_MAC_LIMIT, object, NULL,
                        "port %s reached --mac-limit-port=%u learned MACs: "
                        "new source MACs on it are forwarded but not "
                        "learned", full->port, cfg->mac_limit_port);
    } else {
        vtep_faults_set(&ctx->faults, VTEP_FAULT_MAC_LIMIT, object, NULL,
                        "the %s datapath's global MAC table is full (at "
                        "most %u learned MACs over all logical switches "
                        "and ports): new source MACs are forwarded but not "
                        "learned", vtep_dp_type(ctx->dp),
                        VTEP_LEARN_TABLE_MAX);
    }
}

/* Keeps the faults in step with the logical switches and ports: a switch
 * that is gone takes its fault along, a renamed one renames it. */
static void
refresh_fulls(struct vtepd_ctx *ctx)
{
    struct local_full *full;
    HMAP_FOR_EACH_SAFE (full, node, &ctx->local->fulls) {
        if (full->limit == VTEP_LEARN_LIMIT_VNI) {
            const struct vtep_state_ls *ls;
            ls = vtep_state_find_active(&ctx->state, full->vni);
            if (!ls) {
                full_remove(ctx, full);
            } else {
                full_raise(ctx, full, ls);
            }
        }
    }
}

/* Learning events. */

static void
drop_event(struct local *l, const struct vtep_dp_learned *ev,
           const char *why)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);
    l->n_dropped++;
    COVERAGE_INC(local_event_dropped);
    VLOG_WARN_RL(&rl, "learning event for MAC "ETH_ADDR_FMT" in VNI %"PRIu32
                 " on %s vlan %"PRIu16" ignored: %s", ETH_ADDR_ARGS(ev->mac),
                 ev->vni, ev->port, ev->vlan, why);
}

static void
handle_add(struct vtepd_ctx *ctx, const struct vtep_dp_learned *ev)
{
    struct local *l = ctx->local;

    if (eth_addr_is_multicast(ev->mac) || eth_addr_is_zero(ev->mac)) {
        drop_event(l, ev, "not a unicast MAC");
        return;
    }
    if (!physical_is_our_port(ctx, ev->port)) {
        drop_event(l, ev, "not a trunk port of this switch");
        return;
    }
    if (vtep_state_binding_vni(&ctx->state, ev->port, ev->vlan) != ev->vni) {
        drop_event(l, ev, "the port's VLAN is not bound to that VNI");
        return;
    }

    bool changed;
    struct vtep_learned_mac *m = vtep_learned_add(&l->learned, ev, &changed);
    if (!m->ip) {
        /* Learned again after a restart: the IP its row had stays. */
        m->ip = local_ucast_adopted_ip(ctx, m->vni, m->mac);
    }
}

static void
handle_limit(struct vtepd_ctx *ctx, const struct vtep_dp_learned *ev)
{
    struct local *l = ctx->local;
    const struct vtep_state_ls *ls = NULL;
    const char *port = "";
    uint32_t vni = 0;

    switch (ev->limit) {
    case VTEP_LEARN_LIMIT_VNI:
        vni = ev->vni;
        break;
    case VTEP_LEARN_LIMIT_PORT:
        port = ev->port;
        break;
    case VTEP_LEARN_LIMIT_TABLE:
        break;
    default:
        drop_event(l, ev, "unknown limit");
        return;
    }

    struct local_full *full = full_find(l, ev->limit, vni, port);
    if (ev->type == VTEP_LEARN_ROOM) {
        if (full) {
            VLOG_INFO("%s: learning again (below 90%% of the limit)",
                      full->object);
            full_remove(ctx, full);
        }
        return;
    }

    if (ev->limit == VTEP_LEARN_LIMIT_VNI) {
        ls = vtep_state_find_active(&ctx->state, vni);
        if (!ls) {
            drop_event(l, ev, "no active logical switch has that VNI");
            return;
        }
    } else if (ev->limit == VTEP_LEARN_LIMIT_PORT
               && !physical_is_our_port(ctx, port)) {
        drop_event(l, ev, "not a trunk port of this switch");
        return;
    }
    if (!full) {
        full = xzalloc(sizeof *full);
        full->limit = ev->limit;
        full->vni = vni;
        ovs_strlcpy(full->port, port, sizeof full->port);
        hmap_insert(&l->fulls, &full->node, hash_full(ev->limit, vni, port));
    }
    full_raise(ctx, full, ls);
}

static void
poll_events(struct vtepd_ctx *ctx)
{
    struct local *l = ctx->local;
    size_t n = vtep_dp_learned_poll(ctx->dp, l->events, LOCAL_POLL_MAX);

    l->more_events = n >= LOCAL_POLL_MAX;
    l->n_events += n;
    for (size_t i = 0; i < n; i++) {
        struct vtep_dp_learned *ev = &l->events[i];
        bool is_limit = (ev->type == VTEP_LEARN_FULL
                         || ev->type == VTEP_LEARN_ROOM);

        ev->port[sizeof ev->port - 1] = '\0';
        if ((!is_limit || ev->limit == VTEP_LEARN_LIMIT_VNI)
            && (!ev->vni || ev->vni > VTEP_VNI_MAX)) {
            drop_event(l, ev, "not a VNI");
            continue;
        }
        switch (ev->type) {
        case VTEP_LEARN_ADD:
            handle_add(ctx, ev);
            break;
        case VTEP_LEARN_DEL:
            vtep_learned_del(&l->learned, ev->vni, ev->mac);
            break;
        case VTEP_LEARN_FULL:
        case VTEP_LEARN_ROOM:
            handle_limit(ctx, ev);
            break;
        default:
            drop_event(l, ev, "unknown event type");
            break;
        }
    }
}

/* Public interface. */

void
local_register_columns(struct ovsdb_idl *idl)
{
    ovsdb_idl_add_table(idl, &vteprec_table_ucast_macs_local);
    ovsdb_idl_add_column(idl, &vteprec_ucast_macs_local_col_MAC);
    ovsdb_idl_add_column(idl, &vteprec_ucast_macs_local_col_logical_switch);
    ovsdb_idl_add_column(idl, &vteprec_ucast_macs_local_col_locator);
    ovsdb_idl_add_column(idl, &vteprec_ucast_macs_local_col_ipaddr);

    ovsdb_idl_add_table(idl, &vteprec_table_mcast_macs_local);
    ovsdb_idl_add_column(idl, &vteprec_mcast_macs_local_col_MAC);
    ovsdb_idl_add_column(idl, &vteprec_mcast_macs_local_col_logical_switch);
    ovsdb_idl_add_column(idl, &vteprec_mcast_macs_local_col_locator_set);
    ovsdb_idl_add_column(idl, &vteprec_mcast_macs_local_col_ipaddr);

    ovsdb_idl_add_table(idl, &vteprec_table_physical_locator);
    ovsdb_idl_add_column(idl,
                         &vteprec_physical_locator_col_encapsulation_type);
    ovsdb_idl_add_column(idl, &vteprec_physical_locator_col_dst_ip);
    ovsdb_idl_add_column(idl, &vteprec_physical_locator_col_tunnel_key);
    ovsdb_idl_add_table(idl, &vteprec_table_physical_locator_set);
    ovsdb_idl_add_column(idl, &vteprec_physical_locator_set_col_locators);

    ovsdb_idl_add_column(idl, &vteprec_physical_port_col_vlan_stats);
    ovsdb_idl_add_table(idl, &vteprec_table_logical_binding_stats);
    for (size_t i = 0; i < VTEPREC_LOGICAL_BINDING_STATS_N_COLUMNS; i++) {
        ovsdb_idl_add_column(idl, &vteprec_logical_binding_stats_columns[i]);
    }
}

void
local_init(struct vtepd_ctx *ctx)
{
    struct local *l = xzalloc(sizeof *l);
    vtep_learned_init(&l->learned);
    l->events = xcalloc(LOCAL_POLL_MAX, sizeof *l->events);
    hmap_init(&l->fulls);
    local_ucast_init(l);
    l->need_rebuild = true;
    l->mcast_stale = true;
    ctx->local = l;
}

void
local_destroy(struct vtepd_ctx *ctx)
{
    struct local *l = ctx->local;
    if (!l) {
        return;
    }
    local_ucast_destroy(l);
    vtep_learned_destroy(&l->learned);
    struct local_full *full;
    HMAP_FOR_EACH_POP (full, node, &l->fulls) {
        free(full->object);
        free(full);
    }
    hmap_destroy(&l->fulls);
    free(l->events);
    free(l);
    ctx->local = NULL;
}

void
local_run(struct vtepd_ctx *ctx)
{
    struct local *l = ctx->local;

    poll_events(ctx);

    if (!ovsdb_idl_is_connected(ctx->idl)) {
        /* Whatever the IDL holds when it is back may be a new copy. */
        l->need_rebuild = true;
        return;
    }
    unsigned int seqno = ovsdb_idl_get_seqno(ctx->idl);
    if (seqno != l->idl_seqno) {
        l->idl_seqno = seqno;
        if (ctx->n_resyncs != l->resyncs_seen) {
            l->resyncs_seen = ctx->n_resyncs;
            l->need_rebuild = true;
        }
        if (!l->need_rebuild) {
            local_ucast_track(ctx);
        }
        if (l->need_rebuild) {
            local_ucast_rebuild(ctx);
            l->need_rebuild = false;
            l->mcast_stale = true;
        }
        refresh_fulls(ctx);

        /* Mcast_Macs_Local needs a look if its rows or the switches we
         * serve changed. */
        uint64_t sig = local_active_signature(&ctx->state);
        if (sig != l->active_sig
            || vteprec_mcast_macs_local_track_get_first(ctx->idl)) {
            l->active_sig = sig;
            l->mcast_stale = true;
        }
    }
    local_ucast_expire(ctx);

    if (!ctx->txn || !ovsdb_idl_has_lock(ctx->idl)) {
        return;
    }
    l->txn_ops = 0;
    l->new_locator = NULL;
    l->new_locator_set = NULL;

    if (l->mcast_stale) {
        local_mcast_write(ctx);
    }
    local_ucast_write(ctx);

    unsigned int interval = ctx->cfg->stats_interval;
    if (interval && time_msec() >= l->next_stats) {
        local_stats_write(ctx);
        l->next_stats = time_msec() + interval * 1000LL;
    }

    if (l->txn_ops) {
        l->n_txns++;
        ovsdb_idl_txn_add_comment(ctx->txn, "vtepd: %"PRIuSIZE" local row "
                                  "changes", l->txn_ops);
    }
}

void
local_wait(struct vtepd_ctx *ctx)
{
    struct local *l = ctx->local;

    if (l->more_events) {
        poll_immediate_wake();
    }
    /* A pass that wrote something is continued when its transaction is
     * through (the IDL wakes us); one that only looked is continued now. */
    if (l->more_work && !l->txn_ops && ctx->txn) {
        poll_immediate_wake();
    }
    /* The counters are due at 'next_stats'.  If that has passed since
     * local_run() looked (the clock moved on, or was warped), wake now:
     * a timer is set only for the future. */
    unsigned int interval = ctx->cfg->stats_interval;
    if (interval && l->next_stats > time_msec()) {
        poll_timer_wait_until(l->next_stats);
    } else if (interval && ctx->txn && ovsdb_idl_has_lock(ctx->idl)) {
        poll_immediate_wake();
    }
    local_ucast_wait(ctx);
}

void
local_format_stats(const struct vtepd_ctx *ctx, struct ds *out)
{
    const struct local *l = ctx->local;
    ds_put_format(out, "learned MACs: %"PRIuSIZE" (%"PRIuSIZE" pending "
                  "writes, %"PRIuSIZE" keys to check), %"PRIuSIZE" learning "
                  "limits reached\n", l->learned.n_present,
                  l->learned.n_dirty, l->n_check, hmap_count(&l->fulls));
    ds_put_format(out, "learning events: %"PRIu64" (%"PRIu64" ignored)\n",
                  l->n_events, l->n_dropped);
    local_ucast_format_stats(ctx, out);
    ds_put_format(out, "local transactions: %"PRIu64" (%"PRIu64" row "
                  "changes, %"PRIu64" binding stats writes)\n", l->n_txns,
                  l->n_row_ops, l->n_stats_writes);
}

bool
local_dump(const struct vtepd_ctx *ctx, const char *ls_name, struct ds *out)
{
    const struct local *l = ctx->local;

    if (ls_name) {
        bool found = false;
        const struct vtep_state_ls *ls;
        HMAP_FOR_EACH (ls, uuid_node, &ctx->state.lss) {
            found = found || (ls->has_row && !strcmp(ls->name, ls_name));
        }
        if (!found) {
            return false;
        }
    }

    size_t allocated = hmap_count(&l->learned.macs) + 1;
    char **lines = xmalloc(allocated * sizeof *lines);
    size_t n = 0;
    const struct vtep_learned_mac *m;
    HMAP_FOR_EACH (m, node, &l->learned.macs) {
        if (!m->present) {
            continue;
        }
        const struct vtep_state_ls *ls = vtep_state_find_active(&ctx->state,
                                                                m->vni);
        if (ls_name && (!ls || strcmp(ls->name, ls_name))) {
            continue;
        }
        char ip[INET_ADDRSTRLEN];
        local_format_ip(m->ip, ip);
        char *ls_s = ls ? xstrdup(ls->name) : xasprintf("(vni %"PRIu32")",
                                                        m->vni);
        lines[n++] = xasprintf(ETH_ADDR_FMT" %s port %s vlan %"PRIu16
                               " ip %s%s", ETH_ADDR_ARGS(m->mac), ls_s,
                               m->port, m->vlan, *ip ? ip : "-",
                               m->dirty ? " (pending)" : "");
        free(ls_s);
    }
    local_ucast_dump_adopted(ctx, ls_name, &lines, &n, &allocated);
    qsort(lines, n, sizeof *lines, vtep_compare_strings);
    for (size_t i = 0; i < n; i++) {
        ds_put_format(out, "%s\n", lines[i]);
        free(lines[i]);
    }
    free(lines);
    return true;
}

/* True if learned-MAC write-back is settled: every learning event taken
 * so far is in the database (or in a transaction that has been answered),
 * nothing waits to be written but adopted rows whose aging time has not
 * passed.  Rows that wait for --mac-write-rate tokens are not settled:
 * they are written within a second or so.  For vtepd/barrier. */
bool
local_is_settled(const struct vtepd_ctx *ctx)
{
    const struct local *l = ctx->local;
    return (l && !l->more_events && !l->need_rebuild && !l->mcast_stale
            && local_ucast_is_settled(ctx));
}

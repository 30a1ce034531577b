/*
 * local.c: what only the switch knows, written back to the database.
 *
 * The datapath learns the source MACs of frames from our trunk ports and
 * counts each binding's traffic.  This module publishes that:
 *
 *   - every learned MAC as a Ucast_Macs_Local row: the logical switch whose
 *     tunnel_key is the VNI, the MAC, our own Physical_Locator and, when
 *     ARP told it, the IP address;
 *   - for every logical switch with an applied binding on our ports, one
 *     Mcast_Macs_Local "unknown-dst" row whose locator set is our locator,
 *     so that controllers send us the switch's flooded traffic;
 *   - the mac_table_exhaustion fault while a logical switch is at
 *     --mac-limit;
 *   - a Logical_Binding_Stats row per binding of our ports, in
 *     Physical_Port:vlan_stats, every --stats-interval seconds.
 *
 * Learning comes in bursts, so events are not written one by one: each
 * updates the learned table (by VNI and MAC) and marks its entry dirty;
 * repeated events for one MAC collapse into one entry.  When the IDL loop
 * has no transaction in flight, up to LOCAL_TXN_MAX row changes go into
 * the transaction of the pass.  An index of our Ucast_Macs_Local rows by
 * (logical switch, MAC), kept current through IDL change tracking, makes
 * each change O(1).
 *
 * The database is made to match the learned table, never the reverse:
 * rows of our locator that the table does not hold (left from an earlier
 * run, or written by someone else) are deleted, rows that went missing
 * are written again.  After a reconnection the index is rebuilt and every
 * key looked at.  A transaction that failed is noticed when the next one
 * opens: the keys it wrote are looked at again.  Rows whose locator is not
 * ours are never touched.
 */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "bitmap.h"
#include "coverage.h"
#include "hash.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "openvswitch/list.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "timeval.h"
#include "util.h"
#include "uuid.h"
#include "uuidset.h"
#include "vtep-dp.h"
#include "vtep-idl.h"
#include "vtep-types.h"
#include "vtepd/vtepd.h"

VLOG_DEFINE_THIS_MODULE(local);

COVERAGE_DEFINE(local_event_dropped);
COVERAGE_DEFINE(local_row_written);

#define LOCAL_POLL_MAX 4096           /* Learning events per pass. */
#define LOCAL_TXN_MAX 5000            /* Row changes per transaction. */
#define LOCAL_WORK_MAX (4 * LOCAL_TXN_MAX)  /* Keys looked at per pass. */

/* A learned MAC, as the datapath reported it. */
struct local_mac {
    struct hmap_node node;            /* In 'macs', by (vni, mac). */
    struct ovs_list dirty_node;       /* In 'dirty', if 'dirty'. */
    uint32_t vni;
    struct eth_addr mac;
    char port[VTEP_PORT_NAME_MAX];
    uint16_t vlan;
    ovs_be32 ip;                      /* From ARP, or 0. */
    bool present;                     /* False: aged, its row is to go. */
    bool dirty;
    bool written;                     /* 'written_ls' is meaningful. */
    struct uuid written_ls;           /* Logical switch of its row. */
};

/* A (logical switch, MAC) with rows of our locator, or to look at. */
struct local_key {
    struct hmap_node node;            /* In 'keys', by (ls, mac). */
    struct ovs_list check_node;       /* In 'check', if 'checking'. */
    struct uuid ls;
    struct eth_addr mac;
    struct ovs_list rows;             /* "struct local_row"s. */
    bool checking;
};

/* A Ucast_Macs_Local row of our locator. */
struct local_row {
    struct hmap_node node;            /* In 'rows', by UUID. */
    struct ovs_list list_node;        /* In its key's 'rows', or 'junk'. */
    struct uuid uuid;
    struct local_key *key;            /* NULL: unusable row, in 'junk'. */
};

/* A key written in the last transaction. */
struct local_dbkey {
    struct uuid ls;
    struct eth_addr mac;
};

/* A VNI at its MAC limit. */
struct local_full {
    struct hmap_node node;            /* In 'fulls', by vni. */
    uint32_t vni;
    char *object;                     /* Fault registry object. */
};

struct local {
    /* The learned table. */
    struct hmap macs;                 /* "struct local_mac"s. */
    size_t n_present;
    struct ovs_list dirty;            /* Entries to write. */
    size_t n_dirty;
    struct vtep_dp_learned *events;   /* LOCAL_POLL_MAX of them. */
    bool more_events;                 /* Last poll filled 'events'. */

    /* Our Ucast_Macs_Local rows. */
    struct hmap keys;                 /* "struct local_key"s. */
    struct hmap rows;                 /* "struct local_row"s. */
    size_t n_keyed_rows;
    struct ovs_list junk;             /* Rows with an unusable key. */
    struct ovs_list check;            /* Keys to look at. */
    size_t n_check;
    struct local_dbkey *inflight;     /* Written in the last transaction. */
    size_t n_inflight, allocated_inflight;

    unsigned int idl_seqno;
    unsigned long long int resyncs_seen;
    bool need_rebuild;
    bool mcast_stale;                 /* Mcast_Macs_Local needs a look. */
    uint64_t active_sig;              /* Of the active logical switches. */
    bool more_work;                   /* A budget stopped the last pass. */

    /* Our locator and locator set: cached UUIDs, or rows inserted in the
     * transaction of this pass. */
    struct uuid locator_uuid;
    struct uuid locator_set_uuid;
    const struct vteprec_physical_locator *new_locator;
    const struct vteprec_physical_locator_set *new_locator_set;
    size_t txn_ops;                   /* Row changes in this pass. */

    struct hmap fulls;                /* "struct local_full"s. */

    long long int next_stats;         /* When to refresh the counters. */
    bool stats_unsupported;           /* Said once in the log. */

    /* Counters. */
    uint64_t n_events;
    uint64_t n_dropped;               /* Events that made no sense. */
    uint64_t n_txns;                  /* Transactions we wrote into. */
    uint64_t n_row_ops;               /* Row inserts, updates, deletes. */
    uint64_t n_rebuilds;
    uint64_t n_stats_writes;
};

static uint32_t
hash_vni_mac(uint32_t vni, struct eth_addr mac)
{
    return hash_bytes(mac.ea, sizeof mac.ea, vni);
}

static uint32_t
hash_ls_mac(const struct uuid *ls, struct eth_addr mac)
{
    return hash_bytes(mac.ea, sizeof mac.ea, uuid_hash(ls));
}

/* The learned table. */

static struct local_mac *
mac_find(const struct local *l, uint32_t vni, struct eth_addr mac)
{
    struct local_mac *m;
    HMAP_FOR_EACH_WITH_HASH (m, node, hash_vni_mac(vni, mac), &l->macs) {
        if (m->vni == vni && eth_addr_equals(m->mac, mac)) {
            return m;
        }
    }
    return NULL;
}

static void
mac_mark_dirty(struct local *l, struct local_mac *m)
{
    if (!m->dirty) {
        m->dirty = true;
        ovs_list_push_back(&l->dirty, &m->dirty_node);
        l->n_dirty++;
    }
}

static void
mac_free(struct local *l, struct local_mac *m)
{
    if (m->dirty) {
        ovs_list_remove(&m->dirty_node);
        l->n_dirty--;
    }
    if (m->present) {
        l->n_present--;
    }
    hmap_remove(&l->macs, &m->node);
    free(m);
}

/* The index of our rows. */

static struct local_key *
key_find(const struct local *l, const struct uuid *ls, struct eth_addr mac)
{
    struct local_key *key;
    HMAP_FOR_EACH_WITH_HASH (key, node, hash_ls_mac(ls, mac), &l->keys) {
        if (uuid_equals(&key->ls, ls) && eth_addr_equals(key->mac, mac)) {
            return key;
        }
    }
    return NULL;
}

static struct local_key *
key_get(struct local *l, const struct uuid *ls, struct eth_addr mac)
{
    struct local_key *key = key_find(l, ls, mac);
    if (!key) {
        key = xzalloc(sizeof *key);
        key->ls = *ls;
        key->mac = mac;
        ovs_list_init(&key->rows);
        hmap_insert(&l->keys, &key->node, hash_ls_mac(ls, mac));
    }
    return key;
}

static void
key_push_check(struct local *l, struct local_key *key)
{
    if (!key->checking) {
        key->checking = true;
        ovs_list_push_back(&l->check, &key->check_node);
        l->n_check++;
    }
}

/* Frees 'key' if nothing refers to it any more. */
static void
key_maybe_free(struct local *l, struct local_key *key)
{
    if (!key->checking && ovs_list_is_empty(&key->rows)) {
        hmap_remove(&l->keys, &key->node);
        free(key);
    }
}

static struct local_row *
row_find(const struct local *l, const struct uuid *uuid)
{
    struct local_row *row;
    HMAP_FOR_EACH_WITH_HASH (row, node, uuid_hash(uuid), &l->rows) {
        if (uuid_equals(&row->uuid, uuid)) {
            return row;
        }
    }
    return NULL;
}

/* Removes 'row' from the index; returns its key (not freed), or NULL. */
static struct local_key *
row_forget(struct local *l, struct local_row *row)
{
    struct local_key *key = row->key;
    hmap_remove(&l->rows, &row->node);
    ovs_list_remove(&row->list_node);
    if (key) {
        l->n_keyed_rows--;
    }
    free(row);
    return key;
}

static void
index_clear(struct local *l)
{
    struct local_row *row;
    HMAP_FOR_EACH_POP (row, node, &l->rows) {
        free(row);
    }
    struct local_key *key;
    HMAP_FOR_EACH_POP (key, node, &l->keys) {
        free(key);
    }
    ovs_list_init(&l->junk);
    ovs_list_init(&l->check);
    l->n_check = 0;
    l->n_keyed_rows = 0;
    l->n_inflight = 0;
}

/* The IDL's get_for_uuid() functions also return orphans (rows that are
 * referenced but not in the database) and rows deleted in the open
 * transaction.  These helpers return only rows that exist. */
static bool
idl_row_exists(const struct ovsdb_idl_row *row)
{
    return row && row->new_datum;
}

static const struct vteprec_logical_switch *
get_ls(const struct vtepd_ctx *ctx, const struct uuid *uuid)
{
    const struct vteprec_logical_switch *ls;
    ls = vteprec_logical_switch_get_for_uuid(ctx->idl, uuid);
    return ls && idl_row_exists(&ls->header_) ? ls : NULL;
}

static const struct vteprec_ucast_macs_local *
get_ucast(const struct vtepd_ctx *ctx, const struct uuid *uuid)
{
    const struct vteprec_ucast_macs_local *r;
    r = vteprec_ucast_macs_local_get_for_uuid(ctx->idl, uuid);
    return r && idl_row_exists(&r->header_) ? r : NULL;
}

static bool
locator_is_ours(const struct vtepd_ctx *ctx,
                const struct vteprec_physical_locator *loc)
{
    ovs_be32 ip;
    return (loc
            && !vtep_parse_locator(loc->encapsulation_type, loc->dst_ip, &ip)
            && ip == ctx->cfg->tunnel_ip);
}

/* Adds 'row' to the index if its locator is ours.  Returns its key, or
 * NULL if it is not ours or not usable. */
static struct local_key *
row_learn(struct vtepd_ctx *ctx, const struct vteprec_ucast_macs_local *r)
{
    struct local *l = ctx->local;
    if (!locator_is_ours(ctx, r->locator)) {
        return NULL;
    }

    struct local_row *row = xzalloc(sizeof *row);
    row->uuid = r->header_.uuid;
    hmap_insert(&l->rows, &row->node, uuid_hash(&row->uuid));

    struct eth_addr mac;
    if (!r->logical_switch || vtep_parse_ucast_mac(r->MAC, &mac)) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);
        VLOG_WARN_RL(&rl, "Ucast_Macs_Local "UUID_FMT": MAC \"%s\" with our "
                     "locator is not a learned MAC of ours: deleting it",
                     UUID_ARGS(&row->uuid), r->MAC ? r->MAC : "");
        ovs_list_push_back(&l->junk, &row->list_node);
        return NULL;
    }
    row->key = key_get(l, &r->logical_switch->header_.uuid, mac);
    ovs_list_push_back(&row->key->rows, &row->list_node);
    l->n_keyed_rows++;
    return row->key;
}

/* The logical switch with 'vni' if rows can point at it: active in the
 * desired state, and present in the IDL. */
static const struct vtep_state_ls *
resolve_vni(const struct vtepd_ctx *ctx, uint32_t vni)
{
    const struct vtep_state_ls *ls = vtep_state_find_active(&ctx->state,
                                                            vni);
    return ls && get_ls(ctx, &ls->uuid) ? ls : NULL;
}

/* The learned MAC that wants a row at 'key', or NULL if none does. */
static struct local_mac *
key_wanted(const struct vtepd_ctx *ctx, const struct local_key *key)
{
    const struct vtep_state_ls *ls = vtep_state_find_ls(&ctx->state,
                                                        &key->ls);
    if (!ls || !ls->active
        || !get_ls(ctx, &key->ls)) {
        return NULL;
    }
    struct local_mac *m = mac_find(ctx->local, ls->vni, key->mac);
    return m && m->present ? m : NULL;
}

static void
format_ip(ovs_be32 ip, char buf[INET_ADDRSTRLEN])
{
    if (ip) {
        snprintf(buf, INET_ADDRSTRLEN, IP_FMT, IP_ARGS(ip));
    } else {
        buf[0] = '\0';
    }
}

static bool
ipaddr_matches(const struct vteprec_ucast_macs_local *r,
               const struct local_mac *m)
{
    char ip[INET_ADDRSTRLEN];
    format_ip(m->ip, ip);
    return !strcmp(r->ipaddr ? r->ipaddr : "", ip);
}

/* True if the rows at 'key' are what the learned table wants. */
static bool
key_is_synced(const struct vtepd_ctx *ctx, const struct local_key *key)
{
    const struct local_mac *m = key_wanted(ctx, key);
    const struct vteprec_ucast_macs_local *first = NULL;
    size_t n = 0;
    const struct local_row *row;
    LIST_FOR_EACH (row, list_node, &key->rows) {
        const struct vteprec_ucast_macs_local *r = get_ucast(ctx,
                                                             &row->uuid);
        if (r) {
            first = first ? first : r;
            n++;
        }
    }
    return m ? n == 1 && ipaddr_matches(first, m) : n == 0;
}

/* Looks at 'key' now if it is out of sync, else forgets it if empty. */
static void
key_settle(struct vtepd_ctx *ctx, struct local_key *key)
{
    if (!key_is_synced(ctx, key)) {
        key_push_check(ctx->local, key);
    } else {
        key_maybe_free(ctx->local, key);
    }
}

/* Rebuilds the index from every row: after a reconnection, the IDL may
 * have replaced its copy of the database without reporting what went. */
static void
rebuild(struct vtepd_ctx *ctx)
{
    struct local *l = ctx->local;

    index_clear(l);
    const struct vteprec_ucast_macs_local *r;
    VTEPREC_UCAST_MACS_LOCAL_FOR_EACH (r, ctx->idl) {
        row_learn(ctx, r);
    }
    struct local_key *key;
    HMAP_FOR_EACH (key, node, &l->keys) {
        key_push_check(l, key);
    }
    struct local_mac *m;
    HMAP_FOR_EACH (m, node, &l->macs) {
        mac_mark_dirty(l, m);
    }
    l->need_rebuild = false;
    l->n_rebuilds++;
    VLOG_DBG("rebuilt the index of our Ucast_Macs_Local rows: %"PRIuSIZE
             " rows, %"PRIuSIZE" learned MACs", hmap_count(&l->rows),
             l->n_present);
}

/* Applies the tracked changes of Ucast_Macs_Local to the index. */
static void
track_rows(struct vtepd_ctx *ctx)
{
    struct local *l = ctx->local;
    const struct vteprec_ucast_macs_local *r;

    VTEPREC_UCAST_MACS_LOCAL_FOR_EACH_TRACKED (r, ctx->idl) {
        struct local_row *row = row_find(l, &r->header_.uuid);
        if (row && !vteprec_ucast_macs_local_is_deleted(r)
            && vteprec_ucast_macs_local_is_new(r)) {
            /* A row we know presented as new: the IDL replaced its
             * copy of the database. */
            l->need_rebuild = true;
            return;
        }
        struct local_key *old = row ? row_forget(l, row) : NULL;
        struct local_key *new = NULL;
        if (!vteprec_ucast_macs_local_is_deleted(r)) {
            new = row_learn(ctx, r);
        }
        if (old && old != new) {
            key_settle(ctx, old);
        }
        if (new) {
            key_settle(ctx, new);
        }
    }
}

/* Our locator and locator set. */

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
static const struct vteprec_physical_locator *
own_locator(struct vtepd_ctx *ctx)
{
    struct local *l = ctx->local;
    const struct vteprec_physical_locator *loc;

    if (l->new_locator) {
        return l->new_locator;
    }
    loc = vteprec_physical_locator_get_for_uuid(ctx->idl, &l->locator_uuid);
    if (loc && idl_row_exists(&loc->header_)
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
            && locator_is_ours(ctx, set->locators[0]));
}

/* Returns the Physical_Locator_Set {our locator}, inserting it into the
 * transaction if the database has none. */
static const struct vteprec_physical_locator_set *
own_locator_set(struct vtepd_ctx *ctx)
{
    struct local *l = ctx->local;
    const struct vteprec_physical_locator *loc = own_locator(ctx);
    const struct vteprec_physical_locator_set *set;

    if (l->new_locator_set) {
        return l->new_locator_set;
    }
    set = vteprec_physical_locator_set_get_for_uuid(ctx->idl,
                                                    &l->locator_set_uuid);
    if (set && idl_row_exists(&set->header_) && set->n_locators == 1
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

/* Writing Ucast_Macs_Local. */

static void
count_op(struct local *l)
{
    l->txn_ops++;
    l->n_row_ops++;
    COVERAGE_INC(local_row_written);
}

static void
remember_inflight(struct local *l, const struct local_key *key)
{
    if (l->n_inflight >= l->allocated_inflight) {
        l->inflight = x2nrealloc(l->inflight, &l->allocated_inflight,
                                 sizeof *l->inflight);
    }
    l->inflight[l->n_inflight++] = (struct local_dbkey) {
        .ls = key->ls, .mac = key->mac,
    };
}

/* Writes the rows at 'key' as the learned table wants them: one row, with
 * the right ipaddr, if a learned MAC wants it, else none. */
static void
sync_key(struct vtepd_ctx *ctx, struct local_key *key)
{
    struct local *l = ctx->local;
    const struct local_mac *m = key_wanted(ctx, key);
    const struct vteprec_ucast_macs_local *kept = NULL;
    size_t ops = l->txn_ops;
    char ip[INET_ADDRSTRLEN];

    if (m) {
        format_ip(m->ip, ip);
    }
    struct local_row *row;
    LIST_FOR_EACH (row, list_node, &key->rows) {
        const struct vteprec_ucast_macs_local *r = get_ucast(ctx,
                                                             &row->uuid);
        if (!r) {
            /* Deleted in this transaction already (the row leaves the
             * index when the database says it is gone). */
        } else if (m && !kept) {
            kept = r;
            if (strcmp(r->ipaddr ? r->ipaddr : "", ip)) {
                vteprec_ucast_macs_local_set_ipaddr(r, ip);
                count_op(l);
            }
        } else {
            vteprec_ucast_macs_local_delete(r);
            count_op(l);
        }
    }
    if (m && !kept) {
        const struct vteprec_logical_switch *ls;
        ls = get_ls(ctx, &key->ls);
        struct vteprec_ucast_macs_local *r;
        char mac[ETH_ADDR_STRLEN + 1];

        r = vteprec_ucast_macs_local_insert(ctx->txn);
        snprintf(mac, sizeof mac, ETH_ADDR_FMT, ETH_ADDR_ARGS(key->mac));
        vteprec_ucast_macs_local_set_MAC(r, mac);
        vteprec_ucast_macs_local_set_logical_switch(r, ls);
        vteprec_ucast_macs_local_set_locator(r, own_locator(ctx));
        vteprec_ucast_macs_local_set_ipaddr(r, ip);
        count_op(l);
    }
    if (l->txn_ops != ops) {
        remember_inflight(l, key);
    }
}

/* Writes what changed about learned MAC 'm'; frees it if it is gone. */
static void
sync_mac(struct vtepd_ctx *ctx, struct local_mac *m)
{
    struct local *l = ctx->local;
    const struct vtep_state_ls *ls = (m->present ? resolve_vni(ctx, m->vni)
                                      : NULL);

    if (m->written && (!ls || !uuid_equals(&m->written_ls, &ls->uuid))) {
        struct local_key *key = key_find(l, &m->written_ls, m->mac);
        m->written = false;
        if (key) {
            sync_key(ctx, key);
            key_maybe_free(l, key);
        }
    }
    if (ls) {
        struct local_key *key = key_get(l, &ls->uuid, m->mac);
        sync_key(ctx, key);
        m->written = true;
        m->written_ls = ls->uuid;
    } else if (m->present) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);
        VLOG_WARN_RL(&rl, "learned MAC "ETH_ADDR_FMT" in VNI %"PRIu32": no "
                     "active logical switch has that VNI: not written",
                     ETH_ADDR_ARGS(m->mac), m->vni);
    }
    if (!m->present) {
        mac_free(l, m);
    }
}

/* Looks at the keys the last transaction wrote: if it failed, they are
 * out of sync and get written again. */
static void
recheck_inflight(struct vtepd_ctx *ctx)
{
    struct local *l = ctx->local;
    for (size_t i = 0; i < l->n_inflight; i++) {
        struct local_key *key = key_get(l, &l->inflight[i].ls,
                                        l->inflight[i].mac);
        key_settle(ctx, key);
    }
    l->n_inflight = 0;
}

static void
write_ucast(struct vtepd_ctx *ctx)
{
    struct local *l = ctx->local;
    size_t work = 0;

    /* Rows of our locator that cannot be ours. */
    struct local_row *row;
    LIST_FOR_EACH (row, list_node, &l->junk) {
        const struct vteprec_ucast_macs_local *r = get_ucast(ctx,
                                                             &row->uuid);
        if (r && l->txn_ops < LOCAL_TXN_MAX) {
            vteprec_ucast_macs_local_delete(r);
            count_op(l);
        }
    }

    while (!ovs_list_is_empty(&l->check) && l->txn_ops < LOCAL_TXN_MAX
           && work++ < LOCAL_WORK_MAX) {
        struct local_key *key = CONTAINER_OF(ovs_list_pop_front(&l->check),
                                             struct local_key, check_node);
        key->checking = false;
        l->n_check--;
        struct local_mac *m = key_wanted(ctx, key);
        if (m) {
            /* The learned MAC knows where its rows were, too. */
            mac_mark_dirty(l, m);
        } else {
            sync_key(ctx, key);
            key_maybe_free(l, key);
        }
    }

    while (!ovs_list_is_empty(&l->dirty) && l->txn_ops < LOCAL_TXN_MAX
           && work++ < LOCAL_WORK_MAX) {
        struct local_mac *m = CONTAINER_OF(ovs_list_pop_front(&l->dirty),
                                           struct local_mac, dirty_node);
        m->dirty = false;
        l->n_dirty--;
        sync_mac(ctx, m);
    }
    l->more_work = !ovs_list_is_empty(&l->check)
                   || !ovs_list_is_empty(&l->dirty);
}

/* Mcast_Macs_Local: one unknown-dst row, with our locator set, per logical
 * switch we serve. */
static void
write_mcast(struct vtepd_ctx *ctx)
{
    struct local *l = ctx->local;
    struct uuidset want = UUIDSET_INITIALIZER(&want);
    size_t ops = l->txn_ops;

    const struct vtep_state_ls *ls;
    HMAP_FOR_EACH (ls, vni_node, &ctx->state.active) {
        if (get_ls(ctx, &ls->uuid)) {
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
            count_op(l);
        }
    }

    struct uuidset_node *node;
    UUIDSET_FOR_EACH (node, &want) {
        const struct vteprec_logical_switch *lsr;
        lsr = get_ls(ctx, &node->uuid);
        struct vteprec_mcast_macs_local *m;
        m = vteprec_mcast_macs_local_insert(ctx->txn);
        vteprec_mcast_macs_local_set_MAC(m, VTEP_UNKNOWN_DST);
        vteprec_mcast_macs_local_set_logical_switch(m, lsr);
        vteprec_mcast_macs_local_set_locator_set(m, own_locator_set(ctx));
        count_op(l);
    }
    uuidset_destroy(&want);

    /* Look again once the transaction is through, in case it failed. */
    l->mcast_stale = l->txn_ops != ops;
}

/* A value that changes when the set of active logical switches does. */
static uint64_t
active_signature(const struct vtep_state *st)
{
    uint64_t sig = hmap_count(&st->active);
    const struct vtep_state_ls *ls;
    HMAP_FOR_EACH (ls, vni_node, &st->active) {
        sig += ((uint64_t) ls->uuid.parts[0] << 32 | ls->uuid.parts[1]) * 3;
    }
    return sig;
}

/* The MAC limit fault. */

static struct local_full *
full_find(const struct local *l, uint32_t vni)
{
    struct local_full *full;
    HMAP_FOR_EACH_WITH_HASH (full, node, hash_int(vni, 0), &l->fulls) {
        if (full->vni == vni) {
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

static void
full_raise(struct vtepd_ctx *ctx, struct local_full *full,
           const struct vtep_state_ls *ls)
{
    char *object = xasprintf("Logical_Switch %s MAC learning", ls->name);
    if (full->object && strcmp(full->object, object)) {
        vtep_faults_clear(&ctx->faults, full->object);
    }
    free(full->object);
    full->object = object;

    unsigned int limit = ctx->cfg->mac_limit;
    if (limit) {
        vtep_faults_set(&ctx->faults, VTEP_FAULT_MAC_LIMIT, object, NULL,
                        "logical switch %s (VNI %"PRIu32") reached "
                        "--mac-limit=%u learned MACs: new source MACs are "
                        "forwarded but not learned", ls->name, ls->vni,
                        limit);
    } else {
        vtep_faults_set(&ctx->faults, VTEP_FAULT_MAC_LIMIT, object, NULL,
                        "logical switch %s (VNI %"PRIu32"): the datapath's "
                        "MAC table is full: new source MACs are forwarded "
                        "but not learned", ls->name, ls->vni);
    }
}

/* Keeps the faults in step with the logical switches: a switch that is
 * gone takes its fault along, a renamed one renames it. */
static void
refresh_fulls(struct vtepd_ctx *ctx)
{
    struct local_full *full;
    HMAP_FOR_EACH_SAFE (full, node, &ctx->local->fulls) {
        const struct vtep_state_ls *ls = vtep_state_find_active(&ctx->state,
                                                                full->vni);
        if (!ls) {
            full_remove(ctx, full);
        } else {
            full_raise(ctx, full, ls);
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

    struct local_mac *m = mac_find(l, ev->vni, ev->mac);
    if (!m) {
        m = xzalloc(sizeof *m);
        m->vni = ev->vni;
        m->mac = ev->mac;
        hmap_insert(&l->macs, &m->node, hash_vni_mac(m->vni, m->mac));
    }
    bool changed = (!m->present || m->vlan != ev->vlan
                    || strcmp(m->port, ev->port)
                    || (ev->ip && ev->ip != m->ip));
    if (!m->present) {
        m->present = true;
        l->n_present++;
    }
    ovs_strlcpy(m->port, ev->port, sizeof m->port);
    m->vlan = ev->vlan;
    if (ev->ip) {
        m->ip = ev->ip;
    }
    if (changed) {
        mac_mark_dirty(l, m);
    }
}

static void
handle_del(struct vtepd_ctx *ctx, const struct vtep_dp_learned *ev)
{
    struct local *l = ctx->local;
    struct local_mac *m = mac_find(l, ev->vni, ev->mac);
    if (m && m->present) {
        m->present = false;
        l->n_present--;
        mac_mark_dirty(l, m);
    }
}

static void
handle_limit(struct vtepd_ctx *ctx, const struct vtep_dp_learned *ev)
{
    struct local *l = ctx->local;
    struct local_full *full = full_find(l, ev->vni);

    if (ev->type == VTEP_LEARN_ROOM) {
        if (full) {
            VLOG_INFO("VNI %"PRIu32" is below its MAC limit again",
                      ev->vni);
            full_remove(ctx, full);
        }
        return;
    }

    const struct vtep_state_ls *ls = vtep_state_find_active(&ctx->state,
                                                            ev->vni);
    if (!ls) {
        drop_event(l, ev, "no active logical switch has that VNI");
        return;
    }
    if (!full) {
        full = xzalloc(sizeof *full);
        full->vni = ev->vni;
        hmap_insert(&l->fulls, &full->node, hash_int(ev->vni, 0));
        VLOG_DBG("%s: MAC "ETH_ADDR_FMT" not learned: MAC limit", ls->name,
                 ETH_ADDR_ARGS(ev->mac));
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
        ev->port[sizeof ev->port - 1] = '\0';
        if (!ev->vni || ev->vni > VTEP_VNI_MAX) {
            drop_event(l, ev, "not a VNI");
            continue;
        }
        switch (ev->type) {
        case VTEP_LEARN_ADD:
            handle_add(ctx, ev);
            break;
        case VTEP_LEARN_DEL:
            handle_del(ctx, ev);
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

/* Logical_Binding_Stats. */

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
        count_op(l);
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
                count_op(ctx->local);
            }
        }
    }
    bitmap_free(bound);
    return supported;
}

static void
write_stats(struct vtepd_ctx *ctx)
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
    hmap_init(&l->macs);
    ovs_list_init(&l->dirty);
    l->events = xcalloc(LOCAL_POLL_MAX, sizeof *l->events);
    hmap_init(&l->keys);
    hmap_init(&l->rows);
    ovs_list_init(&l->junk);
    ovs_list_init(&l->check);
    hmap_init(&l->fulls);
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
    index_clear(l);
    hmap_destroy(&l->keys);
    hmap_destroy(&l->rows);
    struct local_mac *m;
    HMAP_FOR_EACH_POP (m, node, &l->macs) {
        free(m);
    }
    hmap_destroy(&l->macs);
    struct local_full *full;
    HMAP_FOR_EACH_POP (full, node, &l->fulls) {
        free(full->object);
        free(full);
    }
    hmap_destroy(&l->fulls);
    free(l->inflight);
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
            track_rows(ctx);
        }
        if (l->need_rebuild) {
            rebuild(ctx);
            l->mcast_stale = true;
        }
        refresh_fulls(ctx);

        /* Mcast_Macs_Local needs a look if its rows or the switches we
         * serve changed. */
        uint64_t sig = active_signature(&ctx->state);
        if (sig != l->active_sig
            || vteprec_mcast_macs_local_track_get_first(ctx->idl)) {
            l->active_sig = sig;
            l->mcast_stale = true;
        }
    }

    if (!ctx->txn || !ovsdb_idl_has_lock(ctx->idl)) {
        return;
    }
    l->txn_ops = 0;
    l->new_locator = NULL;
    l->new_locator_set = NULL;

    recheck_inflight(ctx);
    if (l->mcast_stale) {
        write_mcast(ctx);
    }
    write_ucast(ctx);

    unsigned int interval = ctx->cfg->stats_interval;
    if (interval && time_msec() >= l->next_stats) {
        write_stats(ctx);
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
    unsigned int interval = ctx->cfg->stats_interval;
    if (interval && l->next_stats > time_msec()) {
        poll_timer_wait_until(l->next_stats);
    }
}

void
local_format_stats(const struct vtepd_ctx *ctx, struct ds *out)
{
    const struct local *l = ctx->local;
    ds_put_format(out, "learned MACs: %"PRIuSIZE" (%"PRIuSIZE" pending "
                  "writes, %"PRIuSIZE" keys to check), %"PRIuSIZE" logical "
                  "switches at their MAC limit\n", l->n_present, l->n_dirty,
                  l->n_check, hmap_count(&l->fulls));
    ds_put_format(out, "learning events: %"PRIu64" (%"PRIu64" ignored)\n",
                  l->n_events, l->n_dropped);
    ds_put_format(out, "local rows: %"PRIuSIZE" Ucast_Macs_Local rows of our "
                  "locator (%"PRIuSIZE" unusable), index rebuilt %"PRIu64
                  " times\n", l->n_keyed_rows, ovs_list_size(&l->junk),
                  l->n_rebuilds);
    ds_put_format(out, "local transactions: %"PRIu64" (%"PRIu64" row "
                  "changes, %"PRIu64" binding stats writes)\n", l->n_txns,
                  l->n_row_ops, l->n_stats_writes);
}

static int
compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
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

    char **lines = xmalloc((hmap_count(&l->macs) + 1) * sizeof *lines);
    size_t n = 0;
    const struct local_mac *m;
    HMAP_FOR_EACH (m, node, &l->macs) {
        if (!m->present) {
            continue;
        }
        const struct vtep_state_ls *ls = vtep_state_find_active(&ctx->state,
                                                                m->vni);
        if (ls_name && (!ls || strcmp(ls->name, ls_name))) {
            continue;
        }
        char ip[INET_ADDRSTRLEN];
        format_ip(m->ip, ip);
        char *ls_s = ls ? xstrdup(ls->name) : xasprintf("(vni %"PRIu32")",
                                                        m->vni);
        lines[n++] = xasprintf(ETH_ADDR_FMT" %s port %s vlan %"PRIu16
                               " ip %s%s", ETH_ADDR_ARGS(m->mac), ls_s,
                               m->port, m->vlan, *ip ? ip : "-",
                               m->dirty ? " (pending)" : "");
        free(ls_s);
    }
    qsort(lines, n, sizeof *lines, compare_strings);
    for (size_t i = 0; i < n; i++) {
        ds_put_format(out, "%s\n", lines[i]);
        free(lines[i]);
    }
    free(lines);
    return true;
}

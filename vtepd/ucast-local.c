/*
 * ucast-local.c: the learned table, written into Ucast_Macs_Local.
 *
 * Every learned MAC that vtepd's copy of the learned table (local.c, with
 * lib/vtep-learned.h) holds gets one Ucast_Macs_Local row: the logical
 * switch whose tunnel_key is its VNI, the MAC, our own Physical_Locator
 * and, when ARP told it, the IP address.  An index of our rows by (logical
 * switch, MAC), kept current through IDL change tracking, makes each
 * change O(1).  When the IDL loop has no transaction in flight, up to
 * LOCAL_TXN_MAX row changes go into the transaction of the pass.
 *
 * The database is made to match the learned table: rows of our locator
 * that the table does not want are deleted, rows that went missing are
 * written again.  After a reconnection the index is rebuilt and every key
 * looked at.  A transaction that failed is noticed when the next one
 * opens: the keys it wrote are looked at again.  Rows whose locator is not
 * ours are never touched.
 *
 * Restart.  A vtepd that starts has learned nothing yet, but the rows of
 * our locator that an earlier run left are most likely still true, and
 * controllers act on every change.  So the first full look at the
 * database adopts them: an adopted row stays as it is (same row, same
 * UUID) until the datapath learns its MAC again, which makes it an
 * ordinary learned row without a write, or until the aging time
 * (--mac-aging) has passed since that first look, when the ones not
 * learned again are deleted.  Only that first look adopts: rows that
 * appear later, or after a reconnection, are judged as usual.  With aging
 * disabled, adopted rows stay until vtepd exits with --cleanup or a
 * controller deletes them.
 *
 * Rate.  Row changes go out at most --mac-write-rate per second, from a
 * token bucket that holds one second's worth.  While changes wait for
 * tokens, they wait as dirty entries of the learned table (one per MAC,
 * whatever happened to it meanwhile) and as keys to look at (one per
 * key), so what waits is bounded by the learned table, which the
 * datapath's limits bound.  To keep transactions few and large, a pass
 * that cannot write everything waits until it can write a full bucket.
 *
 * Part of the "local" module: see local.h.
 */
#include <config.h>

#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
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
#include "vtep-idl.h"
#include "vtep-types.h"
#include "vtepd/local.h"
#include "vtepd/vtepd.h"

VLOG_DEFINE_THIS_MODULE(ucast_local);

COVERAGE_DEFINE(local_rate_wait);

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

/* A key whose rows an earlier run left, kept for now. */
struct local_adopted {
    struct hmap_node node;            /* In 'adopted', by (ls, mac). */
    struct ovs_list list_node;        /* In 'adopted_list'. */
    struct uuid ls;
    struct eth_addr mac;
    ovs_be32 ip;                      /* The row's ipaddr, or 0. */
};

static uint32_t
hash_ls_mac(const struct uuid *ls, struct eth_addr mac)
{
    return hash_bytes(mac.ea, sizeof mac.ea, uuid_hash(ls));
}

static const struct vteprec_ucast_macs_local *
get_ucast(const struct vtepd_ctx *ctx, const struct uuid *uuid)
{
    const struct vteprec_ucast_macs_local *r;
    r = vteprec_ucast_macs_local_get_for_uuid(ctx->idl, uuid);
    return r && local_idl_row_exists(&r->header_) ? r : NULL;
}

/* Adopted keys. */

static struct local_adopted *
adopted_find(const struct local *l, const struct uuid *ls,
             struct eth_addr mac)
{
    struct local_adopted *a;
    HMAP_FOR_EACH_WITH_HASH (a, node, hash_ls_mac(ls, mac), &l->adopted) {
        if (uuid_equals(&a->ls, ls) && eth_addr_equals(a->mac, mac)) {
            return a;
        }
    }
    return NULL;
}

static void
adopted_free(struct local *l, struct local_adopted *a)
{
    hmap_remove(&l->adopted, &a->node);
    ovs_list_remove(&a->list_node);
    free(a);
}

static void
adopt(struct local *l, const struct vteprec_ucast_macs_local *r,
      const struct uuid *ls, struct eth_addr mac)
{
    if (adopted_find(l, ls, mac)) {
        return;
    }
    struct local_adopted *a = xzalloc(sizeof *a);
    a->ls = *ls;
    a->mac = mac;
    if (r->ipaddr && *r->ipaddr && vtep_parse_ipv4(r->ipaddr, &a->ip)) {
        a->ip = 0;
    }
    hmap_insert(&l->adopted, &a->node, hash_ls_mac(ls, mac));
    ovs_list_push_back(&l->adopted_list, &a->list_node);
    l->n_adopted++;
}

/* The IP of the adopted row for (vni, mac), or 0: a MAC learned again
 * without an IP keeps the one its row had. */
ovs_be32
local_ucast_adopted_ip(const struct vtepd_ctx *ctx, uint32_t vni,
                       struct eth_addr mac)
{
    const struct local *l = ctx->local;
    if (hmap_is_empty(&l->adopted)) {
        return 0;
    }
    const struct vtep_state_ls *ls = vtep_state_find_active(&ctx->state,
                                                            vni);
    const struct local_adopted *a = ls ? adopted_find(l, &ls->uuid, mac)
                                       : NULL;
    return a ? a->ip : 0;
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

/* Adds 'r' to the index if its locator is ours.  Returns its key, or NULL
 * if it is not ours or not usable. */
static struct local_key *
row_learn(struct vtepd_ctx *ctx, const struct vteprec_ucast_macs_local *r)
{
    struct local *l = ctx->local;
    if (!local_locator_is_ours(ctx, r->locator)) {
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
    return ls && local_get_ls(ctx, &ls->uuid) ? ls : NULL;
}

/* What the rows at 'key' should be: '*m' is the learned MAC that wants a
 * row there, or NULL; returns true if one row is to be kept, either for
 * '*m' or because it is adopted. */
static bool
key_wanted(const struct vtepd_ctx *ctx, const struct local_key *key,
           struct vtep_learned_mac **m)
{
    const struct vtep_state_ls *ls = vtep_state_find_ls(&ctx->state,
                                                        &key->ls);
    *m = NULL;
    if (!ls || !ls->active || !local_get_ls(ctx, &key->ls)) {
        return false;
    }
    struct vtep_learned_mac *mac = vtep_learned_find(&ctx->local->learned,
                                                     ls->vni, key->mac);
    if (mac && mac->present) {
        *m = mac;
        return true;
    }
    return adopted_find(ctx->local, &key->ls, key->mac) != NULL;
}

static bool
ipaddr_matches(const struct vteprec_ucast_macs_local *r,
               const struct vtep_learned_mac *m)
{
    char ip[INET_ADDRSTRLEN];
    local_format_ip(m->ip, ip);
    return !strcmp(r->ipaddr ? r->ipaddr : "", ip);
}

/* True if the rows at 'key' are what the learned table wants. */
static bool
key_is_synced(const struct vtepd_ctx *ctx, const struct local_key *key)
{
    struct vtep_learned_mac *m;
    bool keep = key_wanted(ctx, key, &m);
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
    if (m) {
        return n == 1 && ipaddr_matches(first, m);
    }
    return keep ? n <= 1 : n == 0;
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
 * have replaced its copy of the database without reporting what went.
 * The first time, adopts the rows an earlier run left. */
void
local_ucast_rebuild(struct vtepd_ctx *ctx)
{
    struct local *l = ctx->local;
    bool adopting = !l->adopt_done;

    index_clear(l);
    const struct vteprec_ucast_macs_local *r;
    VTEPREC_UCAST_MACS_LOCAL_FOR_EACH (r, ctx->idl) {
        struct local_key *key = row_learn(ctx, r);
        if (key && adopting) {
            adopt(l, r, &key->ls, key->mac);
        }
    }
    if (adopting) {
        l->adopt_done = true;
        unsigned int aging = ctx->cfg->mac_aging;
        l->adopt_deadline = (aging ? time_msec() + aging * 1000LL
                             : LLONG_MAX);
        if (!hmap_is_empty(&l->adopted)) {
            VLOG_INFO("kept %"PRIuSIZE" Ucast_Macs_Local rows of our "
                      "locator from an earlier run: those not learned "
                      "again within %u s will go", hmap_count(&l->adopted),
                      aging);
        }
    }
    struct local_key *key;
    HMAP_FOR_EACH (key, node, &l->keys) {
        key_push_check(l, key);
    }
    vtep_learned_mark_all_dirty(&l->learned);
    l->n_rebuilds++;
    VLOG_DBG("rebuilt the index of our Ucast_Macs_Local rows: %"PRIuSIZE
             " rows, %"PRIuSIZE" learned MACs, %"PRIuSIZE" adopted",
             hmap_count(&l->rows), l->learned.n_present,
             hmap_count(&l->adopted));
}

/* Applies the tracked changes of Ucast_Macs_Local to the index.  Sets
 * 'need_rebuild' if the IDL replaced its copy of the database. */
void
local_ucast_track(struct vtepd_ctx *ctx)
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
            if (ovs_list_is_empty(&old->rows)) {
                /* Someone deleted an adopted row: nothing says that its
                 * MAC is still there. */
                struct local_adopted *a = adopted_find(l, &old->ls,
                                                       old->mac);
                if (a) {
                    adopted_free(l, a);
                }
            }
            key_settle(ctx, old);
        }
        if (new) {
            key_settle(ctx, new);
        }
    }
}

/* Writing. */

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
 * the right ipaddr, if a learned MAC wants it; the first row as it is, if
 * the key is adopted; else none. */
static void
sync_key(struct vtepd_ctx *ctx, struct local_key *key)
{
    struct local *l = ctx->local;
    struct vtep_learned_mac *m;
    bool keep = key_wanted(ctx, key, &m);
    const struct vteprec_ucast_macs_local *kept = NULL;
    size_t ops = l->txn_ops;
    char ip[INET_ADDRSTRLEN];

    if (m) {
        local_format_ip(m->ip, ip);
    }
    struct local_row *row;
    LIST_FOR_EACH (row, list_node, &key->rows) {
        const struct vteprec_ucast_macs_local *r = get_ucast(ctx,
                                                             &row->uuid);
        if (!r) {
            /* Deleted in this transaction already (the row leaves the
             * index when the database says it is gone). */
        } else if (keep && !kept) {
            kept = r;
            if (m && strcmp(r->ipaddr ? r->ipaddr : "", ip)) {
                vteprec_ucast_macs_local_set_ipaddr(r, ip);
                local_count_op(l);
            }
        } else {
            vteprec_ucast_macs_local_delete(r);
            local_count_op(l);
        }
    }
    if (m && !kept) {
        const struct vteprec_logical_switch *ls;
        ls = local_get_ls(ctx, &key->ls);
        struct vteprec_ucast_macs_local *r;
        char mac[ETH_ADDR_STRLEN + 1];

        r = vteprec_ucast_macs_local_insert(ctx->txn);
        snprintf(mac, sizeof mac, ETH_ADDR_FMT, ETH_ADDR_ARGS(key->mac));
        vteprec_ucast_macs_local_set_MAC(r, mac);
        vteprec_ucast_macs_local_set_logical_switch(r, ls);
        vteprec_ucast_macs_local_set_locator(r, local_own_locator(ctx));
        vteprec_ucast_macs_local_set_ipaddr(r, ip);
        local_count_op(l);
    }
    if (l->txn_ops != ops) {
        remember_inflight(l, key);
    }
}

/* Writes what changed about learned MAC 'm'; frees it if it is gone. */
static void
sync_mac(struct vtepd_ctx *ctx, struct vtep_learned_mac *m)
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
        /* Learned again: an adopted row becomes this MAC's row. */
        struct local_adopted *a = adopted_find(l, &ls->uuid, m->mac);
        if (a) {
            adopted_free(l, a);
            l->n_adopted_relearned++;
        }
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
        vtep_learned_remove(&l->learned, m);
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

/* Once the aging time has passed since adoption, the adopted keys that
 * were not learned again are looked at (and so deleted), a budget at a
 * time.  Writes nothing itself. */
void
local_ucast_expire(struct vtepd_ctx *ctx)
{
    struct local *l = ctx->local;
    size_t work = 0;

    if (time_msec() < l->adopt_deadline) {
        return;
    }
    while (!ovs_list_is_empty(&l->adopted_list) && work++ < LOCAL_WORK_MAX) {
        struct local_adopted *a = CONTAINER_OF(
            ovs_list_front(&l->adopted_list), struct local_adopted,
            list_node);
        struct local_key *key = key_find(l, &a->ls, a->mac);
        adopted_free(l, a);
        l->n_adopted_expired++;
        if (key) {
            key_settle(ctx, key);
        }
    }
}

static size_t
pending_work(const struct local *l)
{
    return l->n_check + l->learned.n_dirty + ovs_list_size(&l->junk);
}

/* How many row changes this pass may write under --mac-write-rate, or 0
 * to wait for more tokens (and then 'rate_wakeup' says until when). */
static size_t
rate_budget(struct vtepd_ctx *ctx)
{
    struct local *l = ctx->local;
    unsigned int rate = ctx->cfg->mac_write_rate;
    long long int now = time_msec();

    l->rate_wakeup = LLONG_MIN;
    if (!rate) {
        return LOCAL_TXN_MAX;
    }
    int64_t cap = rate * 1000LL;
    if (l->bucket_msec == LLONG_MIN) {
        l->tokens = cap;              /* Starts full. */
    } else if (now > l->bucket_msec) {
        l->tokens = MIN(cap, l->tokens + (now - l->bucket_msec) * rate);
    }
    l->bucket_msec = now;

    /* Write what there is if the bucket has it, else wait for a full
     * bucket. */
    int64_t want = MIN(cap, (int64_t) pending_work(l) * 1000);
    if (l->tokens < want) {
        l->rate_wakeup = now + ((want - l->tokens) + rate - 1) / rate;
        l->n_rate_waits++;
        COVERAGE_INC(local_rate_wait);
        return 0;
    }
    return MIN(LOCAL_TXN_MAX, l->tokens / 1000);
}

static void
write_ucast(struct vtepd_ctx *ctx, size_t budget)
{
    struct local *l = ctx->local;
    size_t start = l->txn_ops;
    size_t work = 0;

#define UCAST_ROOM() (l->txn_ops - start < budget)
    /* Rows of our locator that cannot be ours. */
    struct local_row *row;
    LIST_FOR_EACH (row, list_node, &l->junk) {
        const struct vteprec_ucast_macs_local *r = get_ucast(ctx,
                                                             &row->uuid);
        if (r && UCAST_ROOM()) {
            vteprec_ucast_macs_local_delete(r);
            local_count_op(l);
        }
    }

    while (!ovs_list_is_empty(&l->check) && UCAST_ROOM()
           && work++ < LOCAL_WORK_MAX) {
        struct local_key *key = CONTAINER_OF(ovs_list_pop_front(&l->check),
                                             struct local_key, check_node);
        key->checking = false;
        l->n_check--;
        struct vtep_learned_mac *m;
        key_wanted(ctx, key, &m);
        if (m) {
            /* The learned MAC knows where its rows were, too. */
            vtep_learned_mark_dirty(&l->learned, m);
        } else {
            sync_key(ctx, key);
            key_maybe_free(l, key);
        }
    }

    struct vtep_learned_mac *m;
    while (UCAST_ROOM() && work++ < LOCAL_WORK_MAX
           && (m = vtep_learned_pop_dirty(&l->learned)) != NULL) {
        sync_mac(ctx, m);
    }
#undef UCAST_ROOM

    size_t n = l->txn_ops - start;
    l->tokens -= n * 1000LL;
    l->max_txn_ucast = MAX(l->max_txn_ucast, n);
    l->more_work = !ovs_list_is_empty(&l->check) || l->learned.n_dirty;
}

/* Writes into the transaction of this pass. */
void
local_ucast_write(struct vtepd_ctx *ctx)
{
    struct local *l = ctx->local;

    recheck_inflight(ctx);
    if (!pending_work(l)) {
        l->more_work = false;
        l->rate_wakeup = LLONG_MIN;
        return;
    }
    size_t budget = rate_budget(ctx);
    if (budget) {
        write_ucast(ctx, budget);
    } else {
        l->more_work = false;
    }
}

void
local_ucast_wait(const struct vtepd_ctx *ctx)
{
    const struct local *l = ctx->local;

    /* Without a transaction (one is in flight), the IDL wakes us. */
    if (l->rate_wakeup != LLONG_MIN && ctx->txn) {
        poll_timer_wait_until(l->rate_wakeup);
    }
    if (!ovs_list_is_empty(&l->adopted_list)
        && ovsdb_idl_is_connected(ctx->idl)) {
        /* Before the deadline, a timer; after it, local_ucast_expire()
         * goes on at once with the rest. */
        poll_timer_wait_until(l->adopt_deadline);
    }
}

/* True if nothing waits to be written, apart from adopted rows that wait
 * for their deadline. */
bool
local_ucast_is_settled(const struct vtepd_ctx *ctx)
{
    const struct local *l = ctx->local;
    bool adopt_due = (!ovs_list_is_empty(&l->adopted_list)
                      && time_msec() >= l->adopt_deadline);
    return !pending_work(l) && !l->n_inflight && !adopt_due;
}

void
local_ucast_init(struct local *l)
{
    hmap_init(&l->keys);
    hmap_init(&l->rows);
    ovs_list_init(&l->junk);
    ovs_list_init(&l->check);
    hmap_init(&l->adopted);
    ovs_list_init(&l->adopted_list);
    l->adopt_deadline = LLONG_MAX;
    l->bucket_msec = LLONG_MIN;
    l->rate_wakeup = LLONG_MIN;
}

void
local_ucast_destroy(struct local *l)
{
    index_clear(l);
    hmap_destroy(&l->keys);
    hmap_destroy(&l->rows);
    struct local_adopted *a;
    HMAP_FOR_EACH_SAFE (a, node, &l->adopted) {
        adopted_free(l, a);
    }
    hmap_destroy(&l->adopted);
    free(l->inflight);
}

void
local_ucast_format_stats(const struct vtepd_ctx *ctx, struct ds *out)
{
    const struct local *l = ctx->local;
    ds_put_format(out, "local rows: %"PRIuSIZE" Ucast_Macs_Local rows of our "
                  "locator (%"PRIuSIZE" unusable), index rebuilt %"PRIu64
                  " times\n", l->n_keyed_rows, ovs_list_size(&l->junk),
                  l->n_rebuilds);
    ds_put_format(out, "adopted rows: %"PRIuSIZE" kept (%"PRIu64" adopted, "
                  "%"PRIu64" learned again, %"PRIu64" expired)\n",
                  hmap_count(&l->adopted), l->n_adopted,
                  l->n_adopted_relearned, l->n_adopted_expired);
    if (ctx->cfg->mac_write_rate) {
        ds_put_format(out, "write rate: %u row changes/s, %"PRIuSIZE" most "
                      "in one transaction, held back %"PRIu64" times\n",
                      ctx->cfg->mac_write_rate, l->max_txn_ucast,
                      l->n_rate_waits);
    } else {
        ds_put_format(out, "write rate: no limit, %"PRIuSIZE" most in one "
                      "transaction\n", l->max_txn_ucast);
    }
}

/* Adds a line per adopted key (of logical switch 'ls_name', if nonnull) to
 * '*lines'. */
void
local_ucast_dump_adopted(const struct vtepd_ctx *ctx, const char *ls_name,
                         char ***lines, size_t *n, size_t *allocated)
{
    const struct local *l = ctx->local;
    const struct local_adopted *a;
    HMAP_FOR_EACH (a, node, &l->adopted) {
        const struct vtep_state_ls *ls = vtep_state_find_ls(&ctx->state,
                                                            &a->ls);
        const char *name = ls && ls->has_row ? ls->name : NULL;
        if (ls_name && (!name || strcmp(name, ls_name))) {
            continue;
        }
        char ip[INET_ADDRSTRLEN];
        local_format_ip(a->ip, ip);
        if (*n >= *allocated) {
            *lines = x2nrealloc(*lines, allocated, sizeof **lines);
        }
        char *ls_s = (name ? xstrdup(name)
                      : xasprintf("(logical switch "UUID_FMT")",
                                  UUID_ARGS(&a->ls)));
        (*lines)[(*n)++] = xasprintf(ETH_ADDR_FMT" %s port - vlan - ip %s "
                                     "(adopted)", ETH_ADDR_ARGS(a->mac),
                                     ls_s, *ip ? ip : "-");
        free(ls_s);
    }
}

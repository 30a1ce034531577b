/*
 * vtep-reconcile.c: desired state -> datapath operations (see
 * vtep-reconcile.h).
 */
#include <config.h>
#include "vtep-reconcile.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "hash.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "openvswitch/list.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/util.h"
#include "openvswitch/vlog.h"
#include "timeval.h"
#include "util.h"
#include "uuid.h"
#include "vtep-dp.h"
#include "vtep-fault.h"
#include "vtep-state.h"

VLOG_DEFINE_THIS_MODULE(vtep_reconcile);

#define RETRY_MIN_MS 1000
#define RETRY_MAX_MS 16000

/* What the datapath holds for one logical switch. */
struct inst_ls {
    struct hmap_node node;        /* In reconciler 'lss', by vni. */
    uint32_t vni;
    struct uuid uuid;             /* The Logical_Switch it came from. */
    enum vtep_repl_mode mode;
    char *name;
    struct ovs_list bindings;     /* "struct inst_binding"s. */
    struct hmap ucast;            /* "struct inst_mac"s, by MAC. */
    struct hmap flood;            /* "struct inst_flood"s, by MAC. */
};

struct inst_binding {
    struct hmap_node node;        /* In reconciler 'bindings'. */
    struct ovs_list ls_node;      /* In inst_ls 'bindings'. */
    char *port;
    uint16_t vlan;
    uint32_t vni;
};

struct inst_mac {
    struct hmap_node node;
    struct eth_addr mac;
    ovs_be32 remote;
};

struct inst_flood {
    struct hmap_node node;
    struct eth_addr mac;
    ovs_be32 *remotes;
    size_t n_remotes;
    size_t n_wanted;              /* > n_remotes: cut at the flood limit. */
};

struct reconciler {
    struct vtep_dp *dp;
    struct vtep_faults *faults;
    struct hmap lss;              /* "struct inst_ls"s. */
    struct hmap bindings;         /* "struct inst_binding"s. */
    size_t n_ucast, n_flood;

    struct vtep_dirty retry;      /* Keys whose last operation failed. */
    long long int retry_at;
    int retry_ms;
    int last_error;

    uint64_t n_ops, n_errors;
    size_t flood_limit;           /* 0: none. */
};

static const char *fault_object = "datapath";

/* What became of one dirty key. */
enum sync_result {
    SYNC_DONE,                    /* The datapath matches the state. */
    SYNC_FAILED,                  /* An operation failed: retry later. */
    SYNC_PARTIAL,                 /* The work limit was reached midway. */
};

struct reconciler *
reconciler_create(struct vtep_dp *dp, struct vtep_faults *faults)
{
    struct reconciler *r = xzalloc(sizeof *r);
    r->dp = dp;
    r->faults = faults;
    hmap_init(&r->lss);
    hmap_init(&r->bindings);
    vtep_dirty_init(&r->retry);
    r->retry_ms = RETRY_MIN_MS;
    r->flood_limit = RECONCILER_FLOOD_LIMIT;
    return r;
}

/* Sets the most remotes a flood entry gets (0: no limit).  Entries
 * installed already are cut or restored as they are next synced; vtepd
 * sets it once, before the first run. */
void
reconciler_set_flood_limit(struct reconciler *r, size_t limit)
{
    r->flood_limit = limit;
}

static char *
flood_fault_object(const char *ls_name, struct eth_addr mac)
{
    char mac_s[ETH_ADDR_STRLEN + 1];
    vtep_format_mcast_mac(mac, mac_s);
    return xasprintf("Logical_Switch %s flood %s", ls_name, mac_s);
}

/* Raises or clears the flood-limit fault of entry 'f' of switch 'ls_name'
 * as 'f' is cut or not ('f' NULL: the entry is gone). */
static void
flood_update_fault(struct reconciler *r, const char *ls_name,
                   struct eth_addr mac, const struct inst_flood *f)
{
    char *object = flood_fault_object(ls_name, mac);
    if (f && f->n_wanted > f->n_remotes) {
        char mac_s[ETH_ADDR_STRLEN + 1];
        vtep_format_mcast_mac(mac, mac_s);
        vtep_faults_set(r->faults, VTEP_FAULT_FLOOD_LIMIT, object, NULL,
                        "%s flood list has %"PRIuSIZE" remote VTEPs, more "
                        "than the flood limit: replicating to the first "
                        "%"PRIuSIZE" (by IP address) only", mac_s,
                        f->n_wanted, f->n_remotes);
    } else {
        vtep_faults_clear(r->faults, object);
    }
    free(object);
}

static void
inst_ls_free(struct inst_ls *ls)
{
    struct inst_mac *m;
    HMAP_FOR_EACH_POP (m, node, &ls->ucast) {
        free(m);
    }
    hmap_destroy(&ls->ucast);
    struct inst_flood *f;
    HMAP_FOR_EACH_POP (f, node, &ls->flood) {
        free(f->remotes);
        free(f);
    }
    hmap_destroy(&ls->flood);
    free(ls->name);
    free(ls);
}

/* Forgets the record; the datapath keeps what it has. */
void
reconciler_destroy(struct reconciler *r)
{
    if (r) {
        struct inst_binding *b;
        HMAP_FOR_EACH_POP (b, node, &r->bindings) {
            free(b->port);
            free(b);
        }
        hmap_destroy(&r->bindings);
        struct inst_ls *ls;
        HMAP_FOR_EACH_POP (ls, node, &r->lss) {
            inst_ls_free(ls);
        }
        hmap_destroy(&r->lss);
        vtep_dirty_destroy(&r->retry);
        free(r);
    }
}

static struct inst_ls *
inst_ls_find(const struct reconciler *r, uint32_t vni)
{
    struct inst_ls *ls;
    HMAP_FOR_EACH_WITH_HASH (ls, node, hash_int(vni, 0), &r->lss) {
        if (ls->vni == vni) {
            return ls;
        }
    }
    return NULL;
}

static struct inst_binding *
inst_binding_find(const struct reconciler *r, const char *port,
                  uint16_t vlan)
{
    struct inst_binding *b;
    HMAP_FOR_EACH_WITH_HASH (b, node, hash_string(port, vlan),
                             &r->bindings) {
        if (b->vlan == vlan && !strcmp(b->port, port)) {
            return b;
        }
    }
    return NULL;
}

static struct inst_mac *
inst_mac_find(const struct inst_ls *ls, struct eth_addr mac)
{
    struct inst_mac *m;
    HMAP_FOR_EACH_WITH_HASH (m, node, vtep_hash_vni_mac(0, mac), &ls->ucast) {
        if (eth_addr_equals(m->mac, mac)) {
            return m;
        }
    }
    return NULL;
}

static struct inst_flood *
inst_flood_find(const struct inst_ls *ls, struct eth_addr mac)
{
    struct inst_flood *f;
    HMAP_FOR_EACH_WITH_HASH (f, node, vtep_hash_vni_mac(0, mac), &ls->flood) {
        if (eth_addr_equals(f->mac, mac)) {
            return f;
        }
    }
    return NULL;
}

/* Accounts for one operation.  On failure, reports the fault and returns
 * false. */
static bool
op_done(struct reconciler *r, int error, const char *what, uint32_t vni)
{
    r->n_ops++;
    if (!error) {
        return true;
    }
    r->n_errors++;
    r->last_error = error;
    vtep_faults_set(r->faults,
                    error == ENOSPC ? VTEP_FAULT_DP_FULL
                                    : VTEP_FAULT_DP_ERROR,
                    fault_object, NULL, "%s datapath: %s (vni %"PRIu32") "
                    "failed: %s; will retry", vtep_dp_type(r->dp), what, vni,
                    ovs_strerror(error));
    return false;
}

/* Removes every entry of 'ls' from the datapath, then 'ls' itself, while
 * the operation count stays below 'limit'; what is left waits for the next
 * call. */
static enum sync_result
teardown_ls(struct reconciler *r, struct inst_ls *ls, uint64_t limit)
{
    struct inst_binding *b;
    LIST_FOR_EACH_SAFE (b, ls_node, &ls->bindings) {
        if (r->n_ops >= limit) {
            return SYNC_PARTIAL;
        }
        if (!op_done(r, vtep_dp_binding_del(r->dp, b->port, b->vlan),
                     "binding_del", ls->vni)) {
            return SYNC_FAILED;
        }
        hmap_remove(&r->bindings, &b->node);
        ovs_list_remove(&b->ls_node);
        free(b->port);
        free(b);
    }
    struct inst_mac *m;
    HMAP_FOR_EACH_SAFE (m, node, &ls->ucast) {
        if (r->n_ops >= limit) {
            return SYNC_PARTIAL;
        }
        if (!op_done(r, vtep_dp_ucast_del(r->dp, ls->vni, m->mac),
                     "ucast_del", ls->vni)) {
            return SYNC_FAILED;
        }
        hmap_remove(&ls->ucast, &m->node);
        r->n_ucast--;
        free(m);
    }
    struct inst_flood *f;
    HMAP_FOR_EACH_SAFE (f, node, &ls->flood) {
        if (r->n_ops >= limit) {
            return SYNC_PARTIAL;
        }
        if (!op_done(r, vtep_dp_flood_set(r->dp, ls->vni, f->mac, NULL, 0),
                     "flood_del", ls->vni)) {
            return SYNC_FAILED;
        }
        if (f->n_wanted > f->n_remotes) {
            flood_update_fault(r, ls->name, f->mac, NULL);
        }
        hmap_remove(&ls->flood, &f->node);
        r->n_flood--;
        free(f->remotes);
        free(f);
    }
    if (r->n_ops >= limit) {
        return SYNC_PARTIAL;
    }
    if (!op_done(r, vtep_dp_ls_del(r->dp, ls->vni), "ls_del", ls->vni)) {
        return SYNC_FAILED;
    }
    hmap_remove(&r->lss, &ls->node);
    inst_ls_free(ls);
    return SYNC_DONE;
}

/* Marks every entry of 'ls' dirty, so that the per-key passes install
 * them. */
static void
populate_ls(struct vtep_state *st, const struct vtep_state_ls *ls)
{
    const struct vtep_state_binding *b;
    LIST_FOR_EACH (b, ls_node, &ls->bindings) {
        vtep_dirty_binding(&st->dirty, b->port->name, b->vlan);
    }
    const struct vtep_state_umac *umac;
    HMAP_FOR_EACH (umac, node, &ls->ucast) {
        vtep_dirty_ucast(&st->dirty, ls->vni, umac->mac);
    }
    const struct vtep_state_mmac *mmac;
    HMAP_FOR_EACH (mmac, node, &ls->mcast) {
        vtep_dirty_mcast(&st->dirty, ls->vni, mmac->mac);
    }
    /* The unknown-dst entry may come from --default-flood, without a row. */
    vtep_dirty_mcast(&st->dirty, ls->vni, eth_addr_zero);
}

static enum sync_result
sync_ls(struct reconciler *r, struct vtep_state *st,
        const struct vtep_dirty_key *key, uint64_t limit)
{
    uint32_t vni = key->vni;
    const struct vtep_state_ls *want = vtep_state_find_active(st, vni);
    struct inst_ls *have = inst_ls_find(r, vni);

    if (have && (!want || !uuid_equals(&have->uuid, &want->uuid))) {
        enum sync_result result = teardown_ls(r, have, limit);
        if (result != SYNC_DONE) {
            return result;
        }
        have = NULL;
    }
    if (!want) {
        return SYNC_DONE;
    }

    enum vtep_repl_mode mode = vtep_state_ls_mode(st, want);
    struct vtep_dp_ls info = {
        .vni = vni, .mode = mode, .name = want->name,
    };
    if (!have) {
        if (!op_done(r, vtep_dp_ls_set(r->dp, &info), "ls_set", vni)) {
            return SYNC_FAILED;
        }
        have = xzalloc(sizeof *have);
        have->vni = vni;
        have->uuid = want->uuid;
        have->mode = mode;
        have->name = xstrdup(want->name);
        ovs_list_init(&have->bindings);
        hmap_init(&have->ucast);
        hmap_init(&have->flood);
        hmap_insert(&r->lss, &have->node, hash_int(vni, 0));
        populate_ls(st, want);
    } else if (have->mode != mode || strcmp(have->name, want->name)) {
        if (!op_done(r, vtep_dp_ls_set(r->dp, &info), "ls_set", vni)) {
            return SYNC_FAILED;
        }
        have->mode = mode;
        if (strcmp(have->name, want->name)) {
            /* The flood-limit faults are named after the switch. */
            struct inst_flood *f;
            HMAP_FOR_EACH (f, node, &have->flood) {
                if (f->n_wanted > f->n_remotes) {
                    flood_update_fault(r, have->name, f->mac, NULL);
                    flood_update_fault(r, want->name, f->mac, f);
                }
            }
        }
        free(have->name);
        have->name = xstrdup(want->name);
    }
    return SYNC_DONE;
}

static enum sync_result
sync_binding(struct reconciler *r, struct vtep_state *st,
             const struct vtep_dirty_key *key, uint64_t limit OVS_UNUSED)
{
    const char *port = key->port;
    uint16_t vlan = key->vlan;
    uint32_t want = vtep_state_binding_vni(st, port, vlan);
    struct inst_binding *have = inst_binding_find(r, port, vlan);

    if (have && have->vni == want) {
        return SYNC_DONE;
    }
    if (have) {
        if (!op_done(r, vtep_dp_binding_del(r->dp, port, vlan),
                     "binding_del", have->vni)) {
            return SYNC_FAILED;
        }
        hmap_remove(&r->bindings, &have->node);
        ovs_list_remove(&have->ls_node);
        free(have->port);
        free(have);
    }
    struct inst_ls *ls = want ? inst_ls_find(r, want) : NULL;
    if (ls) {
        if (!op_done(r, vtep_dp_binding_add(r->dp, port, vlan, want),
                     "binding_add", want)) {
            return SYNC_FAILED;
        }
        have = xmalloc(sizeof *have);
        have->port = xstrdup(port);
        have->vlan = vlan;
        have->vni = want;
        hmap_insert(&r->bindings, &have->node, hash_string(port, vlan));
        ovs_list_push_back(&ls->bindings, &have->ls_node);
    }
    return SYNC_DONE;
}

static enum sync_result
sync_ucast(struct reconciler *r, struct vtep_state *st,
           const struct vtep_dirty_key *key, uint64_t limit OVS_UNUSED)
{
    uint32_t vni = key->vni;
    struct eth_addr mac = key->mac;
    struct inst_ls *ls = inst_ls_find(r, vni);
    if (!ls) {
        return SYNC_DONE;            /* Installing the switch will mark it. */
    }
    ovs_be32 want;
    bool wanted = vtep_state_ucast_lookup(st, vni, mac, &want);
    struct inst_mac *have = inst_mac_find(ls, mac);

    if (wanted) {
        if (!have || have->remote != want) {
            if (!op_done(r, vtep_dp_ucast_set(r->dp, vni, mac, want),
                         "ucast_set", vni)) {
                return SYNC_FAILED;
            }
            if (!have) {
                have = xmalloc(sizeof *have);
                have->mac = mac;
                hmap_insert(&ls->ucast, &have->node,
                            vtep_hash_vni_mac(0, mac));
                r->n_ucast++;
            }
            have->remote = want;
        }
    } else if (have) {
        if (!op_done(r, vtep_dp_ucast_del(r->dp, vni, mac), "ucast_del",
                     vni)) {
            return SYNC_FAILED;
        }
        hmap_remove(&ls->ucast, &have->node);
        r->n_ucast--;
        free(have);
    }
    return SYNC_DONE;
}

static enum sync_result
sync_mcast(struct reconciler *r, struct vtep_state *st,
           const struct vtep_dirty_key *key, uint64_t limit OVS_UNUSED)
{
    uint32_t vni = key->vni;
    struct eth_addr mac = key->mac;
    struct inst_ls *ls = inst_ls_find(r, vni);
    if (!ls) {
        return SYNC_DONE;
    }
    ovs_be32 *want;
    size_t n_wanted = vtep_state_flood_lookup(st, vni, mac, &want);
    size_t n_want = (r->flood_limit && n_wanted > r->flood_limit
                     ? r->flood_limit : n_wanted);
    struct inst_flood *have = inst_flood_find(ls, mac);
    bool was_cut = have && have->n_wanted > have->n_remotes;
    bool ok = true;

    if (n_want && (!have || have->n_remotes != n_want
                   || memcmp(have->remotes, want, n_want * sizeof *want))) {
        ok = op_done(r, vtep_dp_flood_set(r->dp, vni, mac, want, n_want),
                     "flood_set", vni);
        if (ok) {
            if (!have) {
                have = xzalloc(sizeof *have);
                have->mac = mac;
                hmap_insert(&ls->flood, &have->node,
                            vtep_hash_vni_mac(0, mac));
                r->n_flood++;
            }
            free(have->remotes);
            have->remotes = want;
            have->n_remotes = n_want;
            want = NULL;
        }
    } else if (!n_want && have) {
        ok = op_done(r, vtep_dp_flood_set(r->dp, vni, mac, NULL, 0),
                     "flood_del", vni);
        if (ok) {
            hmap_remove(&ls->flood, &have->node);
            r->n_flood--;
            free(have->remotes);
            free(have);
            have = NULL;
        }
    }
    if (ok) {
        /* The fault says what the datapath holds. */
        if (have) {
            have->n_wanted = n_wanted;
        }
        if (was_cut || (have && have->n_wanted > have->n_remotes)) {
            flood_update_fault(r, ls->name, mac, have);
        }
    }
    free(want);
    return ok ? SYNC_DONE : SYNC_FAILED;
}

/* Inserts 'key' into 'map' unless an equal key is there already, in which
 * case 'key' is freed. */
static void
dirty_insert(struct hmap *map, struct vtep_dirty_key *key)
{
    struct vtep_dirty_key *k;
    HMAP_FOR_EACH_WITH_HASH (k, node, key->node.hash, map) {
        if (k->vni == key->vni && k->vlan == key->vlan
            && eth_addr_equals(k->mac, key->mac)
            && !strcmp(k->port ? k->port : "", key->port ? key->port : "")) {
            vtep_dirty_key_free(key);
            return;
        }
    }
    hmap_insert(map, &key->node, key->node.hash);
}

/* Removes and returns a key of 'map' from bucket '*bucket' or a later one,
 * or NULL if there is none; the caller starts with '*bucket' = 0.
 *
 * Draining a map with vtep_dirty_pop(), which looks for the first key from
 * the first bucket every time, costs O(buckets) per key: 100k dirty MACs
 * took most of a 100k-row install that way.  Continuing from where the
 * last key was found costs O(buckets) per map. */
static struct vtep_dirty_key *
dirty_pop_next(struct hmap *map, size_t *bucket)
{
    for (; *bucket <= map->mask; (*bucket)++) {
        struct hmap_node *node = map->buckets[*bucket];
        if (node) {
            hmap_remove(map, node);
            return CONTAINER_OF(node, struct vtep_dirty_key, node);
        }
    }
    return NULL;
}

/* Moves the keys of 'from' into 'to'. */
static void
dirty_merge(struct hmap *to, struct hmap *from)
{
    struct vtep_dirty_key *key;
    size_t bucket = 0;
    while ((key = dirty_pop_next(from, &bucket)) != NULL) {
        dirty_insert(to, key);
    }
    hmap_shrink(from);
}

/* Syncs the keys of 'todo' with 'sync' until none is left or the
 * operation count reaches 'limit'.  A key that failed goes to 'retry'; one
 * that needs more work goes back to 'todo'. */
static void
run_pass(struct reconciler *r, struct vtep_state *st, struct hmap *todo,
         struct hmap *retry,
         enum sync_result (*sync)(struct reconciler *, struct vtep_state *,
                                  const struct vtep_dirty_key *, uint64_t),
         uint64_t limit)
{
    struct vtep_dirty_key *key;
    size_t bucket = 0;
    bool rescanned = false;
    while (r->n_ops < limit) {
        key = dirty_pop_next(todo, &bucket);
        if (!key) {
            /* A key inserted behind the cursor (or moved there when the
             * map grew) is found by one more scan; anything added after
             * that waits for the next call. */
            if (hmap_is_empty(todo) || rescanned) {
                break;
            }
            rescanned = true;
            bucket = 0;
            continue;
        }
        switch (sync(r, st, key, limit)) {
        case SYNC_DONE:
            vtep_dirty_key_free(key);
            break;
        case SYNC_FAILED:
            dirty_insert(retry, key);
            break;
        case SYNC_PARTIAL:
            dirty_insert(todo, key);
            return;
        }
    }
    /* A drained map gives its buckets back, so that the next few keys do
     * not scan the buckets of 100k. */
    if (hmap_is_empty(todo)) {
        hmap_shrink(todo);
    }
}

bool
reconciler_run(struct reconciler *r, struct vtep_state *st, size_t budget)
{
    struct vtep_dirty *dirty = &st->dirty;
    bool had_retries = !vtep_dirty_is_empty(&r->retry);
    uint64_t limit = r->n_ops + budget;

    if (had_retries && time_msec() >= r->retry_at) {
        dirty_merge(&dirty->lss, &r->retry.lss);
        dirty_merge(&dirty->bindings, &r->retry.bindings);
        dirty_merge(&dirty->ucast, &r->retry.ucast);
        dirty_merge(&dirty->mcast, &r->retry.mcast);
    }

    /* Logical switches first: everything else depends on them.  Installing
     * one only marks its entries; removing one removes them, within the
     * same budget. */
    run_pass(r, st, &dirty->lss, &r->retry.lss, sync_ls, limit);
    run_pass(r, st, &dirty->bindings, &r->retry.bindings, sync_binding,
             limit);
    run_pass(r, st, &dirty->ucast, &r->retry.ucast, sync_ucast, limit);
    run_pass(r, st, &dirty->mcast, &r->retry.mcast, sync_mcast, limit);

    bool pending = !vtep_dirty_is_empty(dirty);
    if (!vtep_dirty_is_empty(&r->retry)) {
        if (!had_retries || time_msec() >= r->retry_at) {
            /* Back off: 1 s, then doubling while failures continue. */
            if (had_retries) {
                r->retry_ms = MIN(r->retry_ms * 2, RETRY_MAX_MS);
            }
            r->retry_at = time_msec() + r->retry_ms;
        }
    } else if (!pending) {
        r->retry_ms = RETRY_MIN_MS;
        if (had_retries || r->last_error) {
            vtep_faults_clear(r->faults, fault_object);
            r->last_error = 0;
        }
    }
    return pending;
}

void
reconciler_wait(const struct reconciler *r, const struct vtep_state *st)
{
    if (!vtep_dirty_is_empty(&st->dirty)) {
        poll_immediate_wake();
    } else if (!vtep_dirty_is_empty(&r->retry)) {
        poll_timer_wait_until(r->retry_at);
    }
}

void
reconciler_get_stats(const struct reconciler *r,
                     struct reconciler_stats *stats)
{
    stats->n_ls = hmap_count(&r->lss);
    stats->n_bindings = hmap_count(&r->bindings);
    stats->n_ucast = r->n_ucast;
    stats->n_flood = r->n_flood;
    stats->n_ops = r->n_ops;
    stats->n_errors = r->n_errors;
    stats->n_retry = vtep_dirty_count(&r->retry);
}

static int
compare_inst_ls(const void *a_, const void *b_)
{
    const struct inst_ls *const *a = a_;
    const struct inst_ls *const *b = b_;
    return (*a)->vni < (*b)->vni ? -1 : (*a)->vni > (*b)->vni;
}

static void
format_one_ls(const struct inst_ls *ls, struct ds *out)
{
    ds_put_format(out, "%s (vni %"PRIu32", %s)\n", ls->name, ls->vni,
                  vtep_repl_mode_to_string(ls->mode));

    size_t n = ovs_list_size(&ls->bindings) + hmap_count(&ls->ucast)
               + hmap_count(&ls->flood);
    char **lines = xmalloc((n + 1) * sizeof *lines);
    size_t i = 0;
    const struct inst_binding *b;
    LIST_FOR_EACH (b, ls_node, &ls->bindings) {
        lines[i++] = xasprintf("  binding %s vlan %"PRIu16, b->port,
                               b->vlan);
    }
    const struct inst_mac *m;
    HMAP_FOR_EACH (m, node, &ls->ucast) {
        lines[i++] = xasprintf("  ucast "ETH_ADDR_FMT" -> "IP_FMT,
                               ETH_ADDR_ARGS(m->mac), IP_ARGS(m->remote));
    }
    const struct inst_flood *f;
    HMAP_FOR_EACH (f, node, &ls->flood) {
        struct ds s = DS_EMPTY_INITIALIZER;
        char mac[ETH_ADDR_STRLEN + 1];
        vtep_format_mcast_mac(f->mac, mac);
        ds_put_format(&s, "  flood %s ->", mac);
        for (size_t j = 0; j < f->n_remotes; j++) {
            ds_put_format(&s, " "IP_FMT, IP_ARGS(f->remotes[j]));
        }
        lines[i++] = ds_steal_cstr(&s);
    }
    qsort(lines, n, sizeof *lines, vtep_compare_strings);
    for (i = 0; i < n; i++) {
        ds_put_format(out, "%s\n", lines[i]);
        free(lines[i]);
    }
    free(lines);
}

/* Appends what the datapath holds to 'out': every logical switch, or only
 * the one named (or numbered) 'filter' if it is nonnull. */
void
reconciler_format_fdb(const struct reconciler *r, const char *filter,
                      struct ds *out)
{
    size_t n = 0;
    const struct inst_ls **lss = xmalloc((hmap_count(&r->lss) + 1)
                                         * sizeof *lss);
    const struct inst_ls *ls;
    HMAP_FOR_EACH (ls, node, &r->lss) {
        char vni[16];
        snprintf(vni, sizeof vni, "%"PRIu32, ls->vni);
        if (!filter || !strcmp(filter, ls->name) || !strcmp(filter, vni)) {
            lss[n++] = ls;
        }
    }
    qsort(lss, n, sizeof *lss, compare_inst_ls);
    for (size_t i = 0; i < n; i++) {
        format_one_ls(lss[i], out);
    }
    free(lss);
}

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
#include <time.h>
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
#include "vtep-dp-provider.h"
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
    bool adopted;                 /* Reported by the provider's dump(),
                                   * not yet matched to a switch: 'uuid'
                                   * is all-zero. */
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

    long long int deadline;       /* Of this run, in work_clock_usec(), or
                                   * LLONG_MAX for none. */
    uint64_t ops_checked;         /* n_ops when the clock was last read. */
    bool out_of_time;             /* This run reached 'deadline'. */

    bool dumped;                  /* Asked the provider what it holds. */
    uint64_t n_adopted;           /* Entries it reported, ever. */
    uint64_t n_resyncs;           /* Resyncs it asked for. */
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

/* Empties the record, without a datapath operation. */
static void
forget_all(struct reconciler *r)
{
    struct inst_binding *b;
    HMAP_FOR_EACH_POP (b, node, &r->bindings) {
        free(b->port);
        free(b);
    }
    struct inst_ls *ls;
    HMAP_FOR_EACH_POP (ls, node, &r->lss) {
        struct inst_flood *f;
        HMAP_FOR_EACH (f, node, &ls->flood) {
            if (f->n_wanted > f->n_remotes) {
                flood_update_fault(r, ls->name, f->mac, NULL);
            }
        }
        inst_ls_free(ls);
    }
    r->n_ucast = r->n_flood = 0;
}

/* Forgets the record; the datapath keeps what it has. */
void
reconciler_destroy(struct reconciler *r)
{
    if (r) {
        forget_all(r);
        hmap_destroy(&r->bindings);
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

/* Accounts for a failed operation and raises the datapath fault. */
static void
op_error(struct reconciler *r, int error, const char *what, uint32_t vni)
{
    r->n_errors++;
    r->last_error = error;
    vtep_faults_set(r->faults,
                    error == ENOSPC ? VTEP_FAULT_DP_FULL
                                    : VTEP_FAULT_DP_ERROR,
                    fault_object, NULL, "%s datapath: %s (vni %"PRIu32") "
                    "failed: %s; will retry", vtep_dp_type(r->dp), what, vni,
                    ovs_strerror(error));
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
    op_error(r, error, what, vni);
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

    if (have && have->adopted && want) {
        /* What the provider held for the VNI is this switch's: keep it,
         * and look at every entry the switch wants, which compares them
         * with what was adopted. */
        have->uuid = want->uuid;
        have->adopted = false;
        populate_ls(st, want);
    }
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
/* The clock of the time budget: real time, which the fake time of
 * time/stop and time/warp does not touch, in microseconds. */
static long long int
work_clock_usec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

/* True if this run has spent the provider's time budget.  The clock is
 * read every 8 operations: a read costs some tens of nanoseconds, an
 * operation a system call or more. */
static bool
out_of_time(struct reconciler *r)
{
    if (!r->out_of_time && r->deadline != LLONG_MAX
        && r->n_ops - r->ops_checked >= 8) {
        r->ops_checked = r->n_ops;
        r->out_of_time = work_clock_usec() >= r->deadline;
    }
    return r->out_of_time;
}

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
    while (r->n_ops < limit && !out_of_time(r)) {
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

/* Adoption: what the provider reports through its dump() enters the
 * record as installed, and its key is marked dirty, so that the per-key
 * passes compare it with the desired state like any other entry. */
struct adopt_ctx {
    struct reconciler *r;
    struct vtep_state *st;
};

static void
adopt_ls(void *aux, const struct vtep_dp_ls *info)
{
    struct adopt_ctx *ctx = aux;
    struct reconciler *r = ctx->r;
    if (!info->vni || info->vni > VTEP_VNI_MAX
        || inst_ls_find(r, info->vni)) {
        return;
    }
    struct inst_ls *ls = xzalloc(sizeof *ls);
    ls->vni = info->vni;
    ls->adopted = true;
    ls->mode = info->mode;
    ls->name = xstrdup(info->name ? info->name : "");
    ovs_list_init(&ls->bindings);
    hmap_init(&ls->ucast);
    hmap_init(&ls->flood);
    hmap_insert(&r->lss, &ls->node, hash_int(ls->vni, 0));
    vtep_dirty_ls(&ctx->st->dirty, ls->vni);
    r->n_adopted++;
}

static void
adopt_binding(void *aux, const char *port, uint16_t vlan, uint32_t vni)
{
    struct adopt_ctx *ctx = aux;
    struct reconciler *r = ctx->r;
    struct inst_ls *ls = inst_ls_find(r, vni);
    if (!ls || inst_binding_find(r, port, vlan)) {
        return;
    }
    struct inst_binding *b = xmalloc(sizeof *b);
    b->port = xstrdup(port);
    b->vlan = vlan;
    b->vni = vni;
    hmap_insert(&r->bindings, &b->node, hash_string(port, vlan));
    ovs_list_push_back(&ls->bindings, &b->ls_node);
    vtep_dirty_binding(&ctx->st->dirty, port, vlan);
    r->n_adopted++;
}

static void
adopt_ucast(void *aux, uint32_t vni, struct eth_addr mac, ovs_be32 remote)
{
    struct adopt_ctx *ctx = aux;
    struct reconciler *r = ctx->r;
    struct inst_ls *ls = inst_ls_find(r, vni);
    if (!ls || inst_mac_find(ls, mac)) {
        return;
    }
    struct inst_mac *m = xmalloc(sizeof *m);
    m->mac = mac;
    m->remote = remote;
    hmap_insert(&ls->ucast, &m->node, vtep_hash_vni_mac(0, mac));
    r->n_ucast++;
    vtep_dirty_ucast(&ctx->st->dirty, vni, mac);
    r->n_adopted++;
}

static void
adopt_flood(void *aux, uint32_t vni, struct eth_addr mac,
            const ovs_be32 *remotes, size_t n_remotes)
{
    struct adopt_ctx *ctx = aux;
    struct reconciler *r = ctx->r;
    struct inst_ls *ls = inst_ls_find(r, vni);
    if (!ls || !n_remotes || inst_flood_find(ls, mac)) {
        return;
    }
    struct inst_flood *f = xzalloc(sizeof *f);
    f->mac = mac;
    f->remotes = xmemdup(remotes, n_remotes * sizeof *remotes);
    f->n_remotes = f->n_wanted = n_remotes;
    hmap_insert(&ls->flood, &f->node, vtep_hash_vni_mac(0, mac));
    r->n_flood++;
    vtep_dirty_mcast(&ctx->st->dirty, vni, mac);
    r->n_adopted++;
}

/* Marks every switch of 'st' that wants to be installed, and all of its
 * entries, dirty. */
static void
mark_all_desired(struct vtep_state *st)
{
    const struct vtep_state_ls *ls;
    HMAP_FOR_EACH (ls, vni_node, &st->active) {
        vtep_dirty_ls(&st->dirty, ls->vni);
        populate_ls(st, ls);
    }
}

/* Before the first operation, and whenever the provider lost track of
 * what it holds: the record becomes what the provider reports. */
static void
adopt(struct reconciler *r, struct vtep_state *st)
{
    if (vtep_dp_need_resync(r->dp)) {
        VLOG_INFO("%s datapath asks for a resync: comparing what it holds "
                  "with the desired state again", vtep_dp_type(r->dp));
        forget_all(r);
        vtep_dirty_destroy(&r->retry);
        vtep_dirty_init(&r->retry);
        mark_all_desired(st);
        r->dumped = false;
        r->n_resyncs++;
    }
    if (r->dumped) {
        return;
    }
    r->dumped = true;
    if (vtep_dp_can_dump(r->dp)) {
        static const struct vtep_dp_visitor visitor = {
            .ls = adopt_ls,
            .binding = adopt_binding,
            .ucast = adopt_ucast,
            .flood = adopt_flood,
        };
        struct adopt_ctx ctx = { .r = r, .st = st };
        uint64_t before = r->n_adopted;
        vtep_dp_dump(r->dp, &visitor, &ctx);
        if (r->n_adopted > before) {
            VLOG_INFO("%s datapath holds %"PRIu64" entries already: kept "
                      "where they match the desired state",
                      vtep_dp_type(r->dp), r->n_adopted - before);
        }
    }
}

/* A binding whose state in the datapath is unknown (see op_failed()). */
#define BINDING_VNI_UNKNOWN UINT32_MAX

/* An empty switch record for 'vni' that matches no switch, so that the
 * next sync of the VNI tears down whatever the datapath has for it. */
static struct inst_ls *
placeholder_ls(struct reconciler *r, uint32_t vni)
{
    struct inst_ls *ls = inst_ls_find(r, vni);
    if (!ls) {
        ls = xzalloc(sizeof *ls);
        ls->vni = vni;
        ls->name = xstrdup("");
        ovs_list_init(&ls->bindings);
        hmap_init(&ls->ucast);
        hmap_init(&ls->flood);
        hmap_insert(&r->lss, &ls->node, hash_int(vni, 0));
    }
    ls->uuid = UUID_ZERO;
    ls->adopted = false;
    return ls;
}

static const char *const op_names[] = {
    [VTEP_DP_OP_LS_SET] = "ls_set",
    [VTEP_DP_OP_LS_DEL] = "ls_del",
    [VTEP_DP_OP_BINDING_ADD] = "binding_add",
    [VTEP_DP_OP_BINDING_DEL] = "binding_del",
    [VTEP_DP_OP_UCAST_SET] = "ucast_set",
    [VTEP_DP_OP_UCAST_DEL] = "ucast_del",
    [VTEP_DP_OP_FLOOD_SET] = "flood_set",
};

/* batch_commit() reports that an operation accepted in the batch failed.
 * The datapath's entry for its key is unknown now: the record gets a value
 * that no desired entry has (a switch that matches no Logical_Switch, a
 * binding to no VNI, a MAC at 0.0.0.0, an empty flood list), so that the
 * retry of the key replaces or removes whatever is there. */
static void
op_failed(void *r_, const struct vtep_dp_op_key *key, int error)
{
    struct reconciler *r = r_;
    uint32_t vni = key->vni;
    struct inst_ls *ls;

    op_error(r, error ? error : EIO,
             key->type < ARRAY_SIZE(op_names) && op_names[key->type]
             ? op_names[key->type] : "operation", vni);
    switch (key->type) {
    case VTEP_DP_OP_LS_SET:
    case VTEP_DP_OP_LS_DEL:
        if (vni && vni <= VTEP_VNI_MAX) {
            placeholder_ls(r, vni);
            vtep_dirty_ls(&r->retry, vni);
        }
        break;

    case VTEP_DP_OP_BINDING_ADD:
    case VTEP_DP_OP_BINDING_DEL: {
        if (!key->port) {
            break;
        }
        struct inst_binding *b = inst_binding_find(r, key->port, key->vlan);
        if (!b) {
            b = xmalloc(sizeof *b);
            b->port = xstrdup(key->port);
            b->vlan = key->vlan;
            hmap_insert(&r->bindings, &b->node,
                        hash_string(key->port, key->vlan));
            ovs_list_init(&b->ls_node);
        }
        b->vni = BINDING_VNI_UNKNOWN;
        vtep_dirty_binding(&r->retry, key->port, key->vlan);
        break;
    }

    case VTEP_DP_OP_UCAST_SET:
    case VTEP_DP_OP_UCAST_DEL:
        ls = inst_ls_find(r, vni);
        if (ls) {
            struct inst_mac *m = inst_mac_find(ls, key->mac);
            if (!m) {
                m = xmalloc(sizeof *m);
                m->mac = key->mac;
                hmap_insert(&ls->ucast, &m->node,
                            vtep_hash_vni_mac(0, key->mac));
                r->n_ucast++;
            }
            m->remote = htonl(0);
            vtep_dirty_ucast(&r->retry, vni, key->mac);
        }
        break;

    case VTEP_DP_OP_FLOOD_SET:
        ls = inst_ls_find(r, vni);
        if (ls) {
            struct inst_flood *f = inst_flood_find(ls, key->mac);
            if (!f) {
                f = xzalloc(sizeof *f);
                f->mac = key->mac;
                hmap_insert(&ls->flood, &f->node,
                            vtep_hash_vni_mac(0, key->mac));
                r->n_flood++;
            } else if (f->n_wanted > f->n_remotes) {
                flood_update_fault(r, ls->name, f->mac, NULL);
            }
            free(f->remotes);
            f->remotes = NULL;
            f->n_remotes = f->n_wanted = 0;
            vtep_dirty_mcast(&r->retry, vni, key->mac);
        }
        break;
    }
}

bool
reconciler_run(struct reconciler *r, struct vtep_state *st, size_t budget)
{
    struct vtep_dirty *dirty = &st->dirty;
    adopt(r, st);
    bool had_retries = !vtep_dirty_is_empty(&r->retry);
    uint64_t limit = r->n_ops + budget;
    unsigned int budget_ms = vtep_dp_budget_ms(r->dp);
    r->deadline = (budget_ms ? work_clock_usec() + budget_ms * 1000LL
                   : LLONG_MAX);
    r->ops_checked = r->n_ops;
    r->out_of_time = false;

    if (had_retries && time_msec() >= r->retry_at) {
        dirty_merge(&dirty->lss, &r->retry.lss);
        dirty_merge(&dirty->bindings, &r->retry.bindings);
        dirty_merge(&dirty->ucast, &r->retry.ucast);
        dirty_merge(&dirty->mcast, &r->retry.mcast);
    }

    /* Logical switches first: everything else depends on them.  Installing
     * one only marks its entries; removing one removes them, within the
     * same budget.  One batch for all of it (see vtep-dp-provider.h). */
    vtep_dp_batch_begin(r->dp);
    run_pass(r, st, &dirty->lss, &r->retry.lss, sync_ls, limit);
    run_pass(r, st, &dirty->bindings, &r->retry.bindings, sync_binding,
             limit);
    run_pass(r, st, &dirty->ucast, &r->retry.ucast, sync_ucast, limit);
    run_pass(r, st, &dirty->mcast, &r->retry.mcast, sync_mcast, limit);
    vtep_dp_batch_commit(r->dp, op_failed, r);

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
    stats->n_adopted = r->n_adopted;
    stats->n_resyncs = r->n_resyncs;
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

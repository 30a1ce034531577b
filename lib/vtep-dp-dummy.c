/*
 * vtep-dp-dummy.c: a datapath that forwards nothing and records everything.
 *
 * The dummy keeps the same tables a real provider keeps (logical switches,
 * bindings, remote unicast MACs, flood lists), checks the ordering contract
 * of vtep-dp-provider.h on every call, and logs each operation in a bounded
 * ring.  Tests drive it through unixctl:
 *
 *   vtepd/dump-ops [--clear]       the recorded operations, oldest first
 *   vtepd/dummy-tables             what the tables hold now
 *   vtepd/dummy-learn PORT VLAN MAC [IP]   learn a MAC, as from a frame
 *   vtepd/dummy-learn-bulk PORT VLAN COUNT [FIRST-MAC|random]
 *                                  learn COUNT MACs
 *   vtepd/dummy-unlearn PORT VLAN MAC      age a MAC out
 *   vtepd/dummy-event TYPE VNI PORT VLAN MAC [IP]   queue a raw event
 *   vtepd/dummy-stats PORT VLAN PF BF PT BT   set a binding's counters
 *   vtepd/dummy-fail OP ERRNO [COUNT]   make the next COUNT calls of OP fail
 *
 * so that the whole database side of vtepd is testable without privileges.
 *
 * Learning is the real thing: the dummy feeds what the commands above
 * "see" into the learning table every provider shares (vtep-learn.h), with
 * the configured aging time (on the main loop's clock, so OVS's time/warp
 * ages MACs in tests) and --mac-limit and --mac-limit-port, and hands out
 * its events.  Only vtepd/dummy-event bypasses it, through a small queue
 * of raw events that refuses more when full (it never drops one).
 */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "hash.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/util.h"
#include "openvswitch/vlog.h"
#include "random.h"
#include "timeval.h"
#include "unixctl.h"
#include "util.h"
#include "vtep-dp-provider.h"
#include "vtep-learn.h"

VLOG_DEFINE_THIS_MODULE(vtep_dp_dummy);

enum dummy_op_type {
    OP_LS_SET, OP_LS_DEL, OP_BINDING_ADD, OP_BINDING_DEL,
    OP_UCAST_SET, OP_UCAST_DEL, OP_FLOOD_SET, N_OP_TYPES
};

static const char *const op_names[N_OP_TYPES] = {
    "ls_set", "ls_del", "binding_add", "binding_del",
    "ucast_set", "ucast_del", "flood_set",
};

/* One recorded operation. */
struct dummy_op {
    enum dummy_op_type type;
    uint32_t vni;
    uint16_t vlan;
    struct eth_addr mac;
    ovs_be32 ip;
    int error;
    char *text;           /* Port name, LS name+mode, or flood list. */
};

struct dummy_ls {
    struct hmap_node node;          /* By vni. */
    uint32_t vni;
    enum vtep_repl_mode mode;
    char *name;
    size_t n_refs;                  /* Bindings, MACs, floods using it. */
};

struct dummy_binding {
    struct hmap_node node;          /* By (port, vlan). */
    char *port;
    uint16_t vlan;
    uint32_t vni;
    struct vtep_dp_binding_stats stats;
};

struct dummy_mac {
    struct hmap_node node;          /* By (vni, mac). */
    uint32_t vni;
    struct eth_addr mac;
    ovs_be32 ip;                    /* ucast: the remote. */
    ovs_be32 *ips;                  /* flood: the remotes. */
    size_t n_ips;
};

#define DUMMY_RAW_MAX 1024          /* Raw events (vtepd/dummy-event). */
#define DUMMY_LEARN_BUDGET 4096     /* Learning work per run(). */

struct dp_dummy {
    struct vtep_dp up;
    struct hmap lss;
    struct hmap bindings;
    struct hmap ucast;
    struct hmap flood;

    struct dummy_op *ops;           /* Ring of recorded ops. */
    size_t ops_cap, ops_head, n_ops;
    uint64_t ops_dropped;

    struct vtep_learn *learn;       /* Learned MACs. */
    bool learn_more;                /* Its last run left work to do. */
    struct vtep_dp_learned *raw;    /* Ring of raw events. */
    size_t raw_head, n_raw;

    int fail_errno[N_OP_TYPES];     /* Injected failures. */
    unsigned int fail_count[N_OP_TYPES];

    bool need_resync;               /* vtepd/dummy-resync. */
    unsigned int slow_usec;         /* vtepd/dummy-slow: time per op. */

    /* Batching (vtepd/dummy-batch on): inside a batch an injected failure
     * is reported at commit instead of returned, and the dummy is as
     * lenient as the contract lets a batching provider be. */
    bool batch_mode;
    bool in_batch;
    struct dummy_failure *failures;
    size_t n_failures, allocated_failures;
    uint64_t n_batches;
};

/* A failure that batch_commit() reports. */
struct dummy_failure {
    enum vtep_dp_op_type type;
    uint32_t vni;
    struct eth_addr mac;
    char *port;
    uint16_t vlan;
    int error;
};

static struct dp_dummy *the_dummy;  /* For the unixctl commands. */

static struct dp_dummy *
dp_dummy_cast(struct vtep_dp *dp)
{
    return CONTAINER_OF(dp, struct dp_dummy, up);
}

static uint32_t
hash_binding(const char *port, uint16_t vlan)
{
    return hash_string(port, vlan);
}

static uint32_t
dummy_hash_mac(uint32_t vni, struct eth_addr mac)
{
    return hash_bytes(mac.ea, sizeof mac.ea, vni);
}

static struct dummy_ls *
find_ls(const struct dp_dummy *d, uint32_t vni)
{
    struct dummy_ls *ls;
    HMAP_FOR_EACH_WITH_HASH (ls, node, hash_int(vni, 0), &d->lss) {
        if (ls->vni == vni) {
            return ls;
        }
    }
    return NULL;
}

static struct dummy_binding *
find_binding(const struct dp_dummy *d, const char *port, uint16_t vlan)
{
    struct dummy_binding *b;
    HMAP_FOR_EACH_WITH_HASH (b, node, hash_binding(port, vlan),
                             &d->bindings) {
        if (b->vlan == vlan && !strcmp(b->port, port)) {
            return b;
        }
    }
    return NULL;
}

static struct dummy_mac *
find_mac(const struct hmap *table, uint32_t vni, struct eth_addr mac)
{
    struct dummy_mac *m;
    HMAP_FOR_EACH_WITH_HASH (m, node, dummy_hash_mac(vni, mac), table) {
        if (m->vni == vni && eth_addr_equals(m->mac, mac)) {
            return m;
        }
    }
    return NULL;
}

/* Records an operation; returns the error injected for it, if any. */
static int
record(struct dp_dummy *d, enum dummy_op_type type, uint32_t vni,
       uint16_t vlan, struct eth_addr mac, ovs_be32 ip, char *text)
{
    int error = 0;
    if (d->slow_usec) {
        xnanosleep(d->slow_usec * 1000ULL);
    }
    if (d->fail_count[type]) {
        d->fail_count[type]--;
        error = d->fail_errno[type];
    }

    if (d->n_ops == d->ops_cap) {
        struct dummy_op *old = &d->ops[d->ops_head];
        free(old->text);
        d->ops_head = (d->ops_head + 1) % d->ops_cap;
        d->n_ops--;
        d->ops_dropped++;
    }
    struct dummy_op *op = &d->ops[(d->ops_head + d->n_ops) % d->ops_cap];
    d->n_ops++;
    *op = (struct dummy_op) {
        .type = type, .vni = vni, .vlan = vlan, .mac = mac, .ip = ip,
        .error = error, .text = text,
    };
    return error;
}

/* The operation just recorded failed with 'error': inside a batch the
 * failure is queued for batch_commit() and the operation "accepted" (0),
 * outside one it is returned. */
static int
fail_op(struct dp_dummy *d, enum dummy_op_type type, uint32_t vni,
        const char *port, uint16_t vlan, struct eth_addr mac, int error)
{
    BUILD_ASSERT_DECL(OP_LS_SET == (int) VTEP_DP_OP_LS_SET
                      && OP_FLOOD_SET == (int) VTEP_DP_OP_FLOOD_SET);
    struct dummy_op *op = &d->ops[(d->ops_head + d->n_ops - 1) % d->ops_cap];
    op->error = error;
    if (!d->in_batch) {
        return error;
    }
    if (d->n_failures >= d->allocated_failures) {
        d->failures = x2nrealloc(d->failures, &d->allocated_failures,
                                 sizeof *d->failures);
    }
    d->failures[d->n_failures++] = (struct dummy_failure) {
        .type = (enum vtep_dp_op_type) type, .vni = vni, .mac = mac,
        .port = nullable_xstrdup(port), .vlan = vlan, .error = error,
    };
    return 0;
}

/* Marks a contract violation by the caller: recorded and logged, so that
 * tests see it. */
static int
violation(struct dp_dummy *d, int error, const char *what)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);
    VLOG_WARN_RL(&rl, "%s: datapath contract violation: %s", d->up.name,
                 what);
    struct dummy_op *op = &d->ops[(d->ops_head + d->n_ops - 1) % d->ops_cap];
    op->error = error;
    return error;
}

static int
dummy_open(const struct vtep_dp_config *cfg, struct vtep_dp **dpp)
{
    if (the_dummy) {
        return EEXIST;
    }
    struct dp_dummy *d = xzalloc(sizeof *d);
    hmap_init(&d->lss);
    hmap_init(&d->bindings);
    hmap_init(&d->ucast);
    hmap_init(&d->flood);
    struct vtep_learn_config lcfg = {
        .aging = cfg->mac_aging,
        .vni_limit = cfg->mac_limit,
        .port_limit = cfg->mac_limit_port,
    };
    d->learn = vtep_learn_create(&lcfg);
    d->ops_cap = 65536;
    d->ops = xcalloc(d->ops_cap, sizeof *d->ops);
    d->raw = xcalloc(DUMMY_RAW_MAX, sizeof *d->raw);
    the_dummy = d;
    *dpp = &d->up;
    return 0;
}

static void
free_macs(struct hmap *table)
{
    struct dummy_mac *m;
    HMAP_FOR_EACH_POP (m, node, table) {
        free(m->ips);
        free(m);
    }
    hmap_destroy(table);
}

static void
dummy_close(struct vtep_dp *dp)
{
    struct dp_dummy *d = dp_dummy_cast(dp);
    struct dummy_ls *ls;
    HMAP_FOR_EACH_POP (ls, node, &d->lss) {
        free(ls->name);
        free(ls);
    }
    hmap_destroy(&d->lss);
    struct dummy_binding *b;
    HMAP_FOR_EACH_POP (b, node, &d->bindings) {
        free(b->port);
        free(b);
    }
    hmap_destroy(&d->bindings);
    free_macs(&d->ucast);
    free_macs(&d->flood);
    vtep_learn_destroy(d->learn);
    for (size_t i = 0; i < d->n_ops; i++) {
        free(d->ops[(d->ops_head + i) % d->ops_cap].text);
    }
    free(d->ops);
    free(d->raw);
    for (size_t i = 0; i < d->n_failures; i++) {
        free(d->failures[i].port);
    }
    free(d->failures);
    the_dummy = NULL;
    free(d);
}

static void
dummy_run(struct vtep_dp *dp)
{
    struct dp_dummy *d = dp_dummy_cast(dp);
    d->learn_more = vtep_learn_run(d->learn, time_msec(),
                                   DUMMY_LEARN_BUDGET);
}

static void
dummy_wait(struct vtep_dp *dp)
{
    struct dp_dummy *d = dp_dummy_cast(dp);

    vtep_learn_take_changed(d->learn);
    if (d->n_raw || d->learn_more || vtep_learn_has_events(d->learn)) {
        poll_immediate_wake();
    } else {
        poll_timer_wait_until(vtep_learn_next_run(d->learn));
    }
}

/* Learning. */

/* Queues a raw learning event, unless the queue is full. */
static bool
queue_raw(struct dp_dummy *d, const struct vtep_dp_learned *ev)
{
    if (d->n_raw >= DUMMY_RAW_MAX) {
        return false;
    }
    d->raw[(d->raw_head + d->n_raw++) % DUMMY_RAW_MAX] = *ev;
    return true;
}

/* Learns 'mac' on binding 'b', as a frame from it would.  Returns 0, or
 * ENOSPC if a MAC limit refused it. */
static int
dummy_learn(struct dp_dummy *d, const struct dummy_binding *b,
            struct eth_addr mac, ovs_be32 ip)
{
    struct vtep_learn_port *port = vtep_learn_port(d->learn, b->port);
    return (vtep_learn_observe(d->learn, b->vni, mac, port, b->vlan, ip,
                               time_msec()) == VTEP_LEARN_REFUSED
            ? ENOSPC : 0);
}

static int
dummy_ls_set(struct vtep_dp *dp, const struct vtep_dp_ls *info)
{
    struct dp_dummy *d = dp_dummy_cast(dp);
    int error = record(d, OP_LS_SET, info->vni, 0, eth_addr_zero, 0,
                       xasprintf("mode=%s name=%s",
                                 vtep_repl_mode_to_string(info->mode),
                                 info->name));
    if (error) {
        return fail_op(d, OP_LS_SET, info->vni, NULL, 0, eth_addr_zero,
                       error);
    }
    if (!info->vni || info->vni > VTEP_VNI_MAX) {
        return violation(d, EINVAL, "ls_set with an invalid VNI");
    }
    struct dummy_ls *ls = find_ls(d, info->vni);
    if (!ls) {
        ls = xzalloc(sizeof *ls);
        ls->vni = info->vni;
        hmap_insert(&d->lss, &ls->node, hash_int(ls->vni, 0));
    }
    ls->mode = info->mode;
    free(ls->name);
    ls->name = xstrdup(info->name);
    return 0;
}

/* Removes every binding, unicast and flood entry of 'vni'. */
static void
dummy_ls_flush(struct dp_dummy *d, uint32_t vni)
{
    struct dummy_binding *b;
    HMAP_FOR_EACH_SAFE (b, node, &d->bindings) {
        if (b->vni == vni) {
            vtep_learn_flush_binding(d->learn, b->port, b->vlan, b->vni);
            hmap_remove(&d->bindings, &b->node);
            free(b->port);
            free(b);
        }
    }
    struct hmap *tables[] = { &d->ucast, &d->flood };
    for (size_t i = 0; i < ARRAY_SIZE(tables); i++) {
        struct dummy_mac *m;
        HMAP_FOR_EACH_SAFE (m, node, tables[i]) {
            if (m->vni == vni) {
                hmap_remove(tables[i], &m->node);
                free(m->ips);
                free(m);
            }
        }
    }
    find_ls(d, vni)->n_refs = 0;
}

static int
dummy_ls_del(struct vtep_dp *dp, uint32_t vni)
{
    struct dp_dummy *d = dp_dummy_cast(dp);
    int error = record(d, OP_LS_DEL, vni, 0, eth_addr_zero, 0, NULL);
    if (error) {
        return fail_op(d, OP_LS_DEL, vni, NULL, 0, eth_addr_zero, error);
    }
    struct dummy_ls *ls = find_ls(d, vni);
    if (!ls) {
        return (d->in_batch ? 0
                : violation(d, ENOENT, "ls_del of an unknown VNI"));
    }
    if (ls->n_refs && d->in_batch) {
        /* An entry whose delete failed earlier in the batch: it goes with
         * the switch, as a kernel bridge's FDB goes with the bridge. */
        dummy_ls_flush(d, vni);
    } else if (ls->n_refs) {
        return violation(d, EBUSY, "ls_del of a VNI still in use");
    }
    hmap_remove(&d->lss, &ls->node);
    free(ls->name);
    free(ls);
    return 0;
}

static int
dummy_binding_add(struct vtep_dp *dp, const char *port, uint16_t vlan,
                  uint32_t vni)
{
    struct dp_dummy *d = dp_dummy_cast(dp);
    int error = record(d, OP_BINDING_ADD, vni, vlan, eth_addr_zero, 0,
                       xstrdup(port));
    if (error) {
        return fail_op(d, OP_BINDING_ADD, vni, port, vlan, eth_addr_zero,
                       error);
    }
    struct dummy_ls *ls = find_ls(d, vni);
    if (!ls) {
        /* In a batch, after an ls_set that failed in it. */
        return (d->in_batch
                ? fail_op(d, OP_BINDING_ADD, vni, port, vlan, eth_addr_zero,
                          ENOENT)
                : violation(d, ENOENT, "binding_add to an unknown VNI"));
    }
    struct dummy_binding *old = find_binding(d, port, vlan);
    if (old && d->in_batch) {
        /* A retry after a failure: replace. */
        find_ls(d, old->vni)->n_refs--;
        old->vni = vni;
        ls->n_refs++;
        return 0;
    } else if (old) {
        return violation(d, EEXIST, "binding_add of an existing binding");
    }
    struct dummy_binding *b = xzalloc(sizeof *b);
    b->port = xstrdup(port);
    b->vlan = vlan;
    b->vni = vni;
    hmap_insert(&d->bindings, &b->node, hash_binding(port, vlan));
    ls->n_refs++;
    return 0;
}

static int
dummy_binding_del(struct vtep_dp *dp, const char *port, uint16_t vlan)
{
    struct dp_dummy *d = dp_dummy_cast(dp);
    int error = record(d, OP_BINDING_DEL, 0, vlan, eth_addr_zero, 0,
                       xstrdup(port));
    if (error) {
        return fail_op(d, OP_BINDING_DEL, 0, port, vlan, eth_addr_zero,
                       error);
    }
    struct dummy_binding *b = find_binding(d, port, vlan);
    if (!b) {
        return (d->in_batch ? 0
                : violation(d, ENOENT, "binding_del of an unknown binding"));
    }
    /* Its learned MACs go with it, at the next run(). */
    vtep_learn_flush_binding(d->learn, port, vlan, b->vni);
    find_ls(d, b->vni)->n_refs--;
    hmap_remove(&d->bindings, &b->node);
    free(b->port);
    free(b);
    return 0;
}

static int
dummy_ucast_set(struct vtep_dp *dp, uint32_t vni, struct eth_addr mac,
                ovs_be32 remote)
{
    struct dp_dummy *d = dp_dummy_cast(dp);
    int error = record(d, OP_UCAST_SET, vni, 0, mac, remote, NULL);
    if (error) {
        return fail_op(d, OP_UCAST_SET, vni, NULL, 0, mac, error);
    }
    struct dummy_ls *ls = find_ls(d, vni);
    if (!ls) {
        return (d->in_batch
                ? fail_op(d, OP_UCAST_SET, vni, NULL, 0, mac, ENOENT)
                : violation(d, ENOENT, "ucast_set in an unknown VNI"));
    }
    struct dummy_mac *m = find_mac(&d->ucast, vni, mac);
    if (!m) {
        m = xzalloc(sizeof *m);
        m->vni = vni;
        m->mac = mac;
        hmap_insert(&d->ucast, &m->node, dummy_hash_mac(vni, mac));
        ls->n_refs++;
    }
    m->ip = remote;
    return 0;
}

static int
dummy_ucast_del(struct vtep_dp *dp, uint32_t vni, struct eth_addr mac)
{
    struct dp_dummy *d = dp_dummy_cast(dp);
    int error = record(d, OP_UCAST_DEL, vni, 0, mac, 0, NULL);
    if (error) {
        return fail_op(d, OP_UCAST_DEL, vni, NULL, 0, mac, error);
    }
    struct dummy_mac *m = find_mac(&d->ucast, vni, mac);
    if (!m) {
        return (d->in_batch ? 0
                : violation(d, ENOENT, "ucast_del of an unknown MAC"));
    }
    find_ls(d, vni)->n_refs--;
    hmap_remove(&d->ucast, &m->node);
    free(m);
    return 0;
}

static char *
format_ips(const ovs_be32 *ips, size_t n)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    for (size_t i = 0; i < n; i++) {
        ds_put_format(&s, "%s"IP_FMT, i ? "," : "", IP_ARGS(ips[i]));
    }
    return ds_steal_cstr(&s);
}

static int
dummy_flood_set(struct vtep_dp *dp, uint32_t vni, struct eth_addr mac,
                const ovs_be32 *remotes, size_t n)
{
    struct dp_dummy *d = dp_dummy_cast(dp);
    int error = record(d, OP_FLOOD_SET, vni, 0, mac, 0,
                       format_ips(remotes, n));
    if (error) {
        return fail_op(d, OP_FLOOD_SET, vni, NULL, 0, mac, error);
    }
    struct dummy_ls *ls = find_ls(d, vni);
    if (!ls) {
        if (!d->in_batch) {
            return violation(d, ENOENT, "flood_set in an unknown VNI");
        }
        return n ? fail_op(d, OP_FLOOD_SET, vni, NULL, 0, mac, ENOENT) : 0;
    }
    for (size_t i = 1; i < n; i++) {
        if (ntohl(remotes[i - 1]) >= ntohl(remotes[i])) {
            return violation(d, EINVAL, "flood_set list not sorted");
        }
    }
    struct dummy_mac *m = find_mac(&d->flood, vni, mac);
    if (!n) {
        if (!m) {
            return (d->in_batch ? 0
                    : violation(d, ENOENT,
                                "flood delete of an unknown entry"));
        }
        ls->n_refs--;
        hmap_remove(&d->flood, &m->node);
        free(m->ips);
        free(m);
        return 0;
    }
    if (!m) {
        m = xzalloc(sizeof *m);
        m->vni = vni;
        m->mac = mac;
        hmap_insert(&d->flood, &m->node, dummy_hash_mac(vni, mac));
        ls->n_refs++;
    }
    free(m->ips);
    m->ips = xmemdup(remotes, n * sizeof *remotes);
    m->n_ips = n;
    return 0;
}

static size_t
dummy_learned_poll(struct vtep_dp *dp, struct vtep_dp_learned *events,
                   size_t max)
{
    struct dp_dummy *d = dp_dummy_cast(dp);
    size_t n = 0;
    while (n < max && d->n_raw) {
        events[n++] = d->raw[d->raw_head];
        d->raw_head = (d->raw_head + 1) % DUMMY_RAW_MAX;
        d->n_raw--;
    }
    return n + vtep_learn_poll(d->learn, events + n, max - n);
}

static int
dummy_binding_stats(struct vtep_dp *dp, const char *port, uint16_t vlan,
                    struct vtep_dp_binding_stats *stats)
{
    struct dummy_binding *b = find_binding(dp_dummy_cast(dp), port, vlan);
    if (!b) {
        return ENOENT;
    }
    *stats = b->stats;
    return 0;
}

static void
dummy_format_stats(struct vtep_dp *dp, struct ds *out)
{
    struct dp_dummy *d = dp_dummy_cast(dp);
    ds_put_format(out, "dummy: %"PRIuSIZE" ops recorded, %"PRIu64" dropped "
                  "from the log\n", d->n_ops, d->ops_dropped);
    struct vtep_learn_stats ls;
    vtep_learn_get_stats(d->learn, &ls);
    ds_put_format(out, "dummy: %"PRIuSIZE" learned MACs, %"PRIuSIZE
                  " learning events pending, %"PRIuSIZE" raw; %"PRIu64
                  " learned, %"PRIu64" moved, %"PRIu64" aged, %"PRIu64
                  " flushed, %"PRIu64" refused\n", ls.n_macs, ls.n_pending,
                  d->n_raw, ls.n_learned, ls.n_moved, ls.n_aged,
                  ls.n_flushed, ls.n_refused);
}

/* unixctl commands. */

static void
format_op(const struct dummy_op *op, struct ds *out)
{
    char mac[ETH_ADDR_STRLEN + 1];
    ds_put_cstr(out, op_names[op->type]);
    switch (op->type) {
    case OP_LS_SET:
        ds_put_format(out, " vni=%"PRIu32" %s", op->vni, op->text);
        break;
    case OP_LS_DEL:
        ds_put_format(out, " vni=%"PRIu32, op->vni);
        break;
    case OP_BINDING_ADD:
        ds_put_format(out, " port=%s vlan=%"PRIu16" vni=%"PRIu32,
                      op->text, op->vlan, op->vni);
        break;
    case OP_BINDING_DEL:
        ds_put_format(out, " port=%s vlan=%"PRIu16, op->text, op->vlan);
        break;
    case OP_UCAST_SET:
        ds_put_format(out, " vni=%"PRIu32" mac="ETH_ADDR_FMT" remote="IP_FMT,
                      op->vni, ETH_ADDR_ARGS(op->mac), IP_ARGS(op->ip));
        break;
    case OP_UCAST_DEL:
        ds_put_format(out, " vni=%"PRIu32" mac="ETH_ADDR_FMT,
                      op->vni, ETH_ADDR_ARGS(op->mac));
        break;
    case OP_FLOOD_SET:
        vtep_format_mcast_mac(op->mac, mac);
        ds_put_format(out, " vni=%"PRIu32" mac=%s remotes=%s", op->vni, mac,
                      *op->text ? op->text : "(none)");
        break;
    case N_OP_TYPES:
    default:
        OVS_NOT_REACHED();
    }
    if (op->error) {
        ds_put_format(out, " error=%s", ovs_strerror(op->error));
    }
    ds_put_char(out, '\n');
}

static void
dummy_unixctl_dump_ops(struct unixctl_conn *conn, int argc,
                       const char *argv[], void *aux OVS_UNUSED)
{
    struct dp_dummy *d = the_dummy;
    if (!d) {
        unixctl_command_reply_error(conn, "the datapath is not dummy");
        return;
    }
    struct ds out = DS_EMPTY_INITIALIZER;
    if (d->ops_dropped) {
        ds_put_format(&out, "(%"PRIu64" older ops dropped)\n",
                      d->ops_dropped);
    }
    for (size_t i = 0; i < d->n_ops; i++) {
        format_op(&d->ops[(d->ops_head + i) % d->ops_cap], &out);
    }
    if (argc > 1 && !strcmp(argv[1], "--clear")) {
        for (size_t i = 0; i < d->n_ops; i++) {
            free(d->ops[(d->ops_head + i) % d->ops_cap].text);
        }
        d->n_ops = d->ops_head = 0;
        d->ops_dropped = 0;
    }
    unixctl_command_reply(conn, ds_cstr(&out));
    ds_destroy(&out);
}

static int
compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

/* Prints the tables sorted, so that tests can compare them as text. */
static void
dummy_unixctl_tables(struct unixctl_conn *conn, int argc OVS_UNUSED,
                     const char *argv[] OVS_UNUSED, void *aux OVS_UNUSED)
{
    struct dp_dummy *d = the_dummy;
    if (!d) {
        unixctl_command_reply_error(conn, "the datapath is not dummy");
        return;
    }
    size_t n = (hmap_count(&d->lss) + hmap_count(&d->bindings)
                + hmap_count(&d->ucast) + hmap_count(&d->flood));
    char **lines = xmalloc((n + 1) * sizeof *lines);
    size_t i = 0;

    const struct dummy_ls *ls;
    HMAP_FOR_EACH (ls, node, &d->lss) {
        lines[i++] = xasprintf("ls vni=%"PRIu32" mode=%s name=%s", ls->vni,
                               vtep_repl_mode_to_string(ls->mode), ls->name);
    }
    const struct dummy_binding *b;
    HMAP_FOR_EACH (b, node, &d->bindings) {
        lines[i++] = xasprintf("binding port=%s vlan=%"PRIu16" vni=%"PRIu32,
                               b->port, b->vlan, b->vni);
    }
    const struct dummy_mac *m;
    HMAP_FOR_EACH (m, node, &d->ucast) {
        lines[i++] = xasprintf("ucast vni=%"PRIu32" mac="ETH_ADDR_FMT
                               " remote="IP_FMT, m->vni,
                               ETH_ADDR_ARGS(m->mac), IP_ARGS(m->ip));
    }
    HMAP_FOR_EACH (m, node, &d->flood) {
        char mac[ETH_ADDR_STRLEN + 1];
        vtep_format_mcast_mac(m->mac, mac);
        char *ips = format_ips(m->ips, m->n_ips);
        lines[i++] = xasprintf("flood vni=%"PRIu32" mac=%s remotes=%s",
                               m->vni, mac, ips);
        free(ips);
    }
    qsort(lines, n, sizeof *lines, compare_strings);

    struct ds out = DS_EMPTY_INITIALIZER;
    ds_put_format(&out, "counts: ls=%"PRIuSIZE" bindings=%"PRIuSIZE
                  " ucast=%"PRIuSIZE" flood=%"PRIuSIZE"\n",
                  hmap_count(&d->lss), hmap_count(&d->bindings),
                  hmap_count(&d->ucast), hmap_count(&d->flood));
    bool counts_only = argc > 1 && !strcmp(argv[1], "--counts");
    for (i = 0; i < n; i++) {
        if (!counts_only) {
            ds_put_format(&out, "%s\n", lines[i]);
        }
        free(lines[i]);
    }
    free(lines);
    unixctl_command_reply(conn, ds_cstr(&out));
    ds_destroy(&out);
}

/* Parses the PORT and VLAN arguments into the binding they name. */
static const struct dummy_binding *
parse_binding(struct unixctl_conn *conn, const struct dp_dummy *d,
              const char *port, const char *vlan_s)
{
    uint16_t vlan;
    int vlan_arg;

    if (!str_to_int(vlan_s, 10, &vlan_arg)
        || vtep_parse_vlan(vlan_arg, &vlan)) {
        unixctl_command_reply_error(conn, "bad VLAN");
        return NULL;
    }
    const struct dummy_binding *b = find_binding(d, port, vlan);
    if (!b) {
        unixctl_command_reply_error(conn, "no such binding");
    }
    return b;
}

static void
dummy_unixctl_learn(struct unixctl_conn *conn, int argc, const char *argv[],
                    void *aux)
{
    bool del = aux != NULL;
    struct dp_dummy *d = the_dummy;
    struct eth_addr mac;
    ovs_be32 ip = 0;

    if (!d) {
        unixctl_command_reply_error(conn, "the datapath is not dummy");
        return;
    }
    const struct dummy_binding *b = parse_binding(conn, d, argv[1],
                                                  argv[2]);
    if (!b) {
        return;
    }
    if (vtep_parse_ucast_mac(argv[3], &mac)) {
        unixctl_command_reply_error(conn, "bad unicast MAC");
        return;
    }
    if (argc > 4 && vtep_parse_ipv4(argv[4], &ip)) {
        unixctl_command_reply_error(conn, "bad IPv4 address");
        return;
    }
    if (del) {
        unixctl_command_reply(conn, (vtep_learn_forget(d->learn, b->vni, mac)
                                     ? NULL : "not learned"));
    } else if (dummy_learn(d, b, mac, ip)) {
        unixctl_command_reply(conn, "not learned: MAC limit reached");
    } else {
        unixctl_command_reply(conn, NULL);
    }
}

static struct eth_addr
mac_plus(struct eth_addr mac, uint64_t n)
{
    uint64_t x = eth_addr_to_uint64(mac) + n;
    struct eth_addr out;
    eth_addr_from_uint64(x, &out);
    return out;
}

static void
dummy_unixctl_learn_bulk(struct unixctl_conn *conn, int argc,
                         const char *argv[], void *aux OVS_UNUSED)
{
    struct dp_dummy *d = the_dummy;
    struct eth_addr first = ETH_ADDR_C(02,00,00,00,00,01);
    bool randomly = false;
    int count;

    if (!d) {
        unixctl_command_reply_error(conn, "the datapath is not dummy");
        return;
    }
    const struct dummy_binding *b = parse_binding(conn, d, argv[1],
                                                  argv[2]);
    if (!b) {
        return;
    }
    if (!str_to_int(argv[3], 10, &count) || count < 1
        || count > 2 * VTEP_LEARN_TABLE_MAX) {
        unixctl_command_reply_error(conn, "bad COUNT");
        return;
    }
    if (argc > 4 && !strcmp(argv[4], "random")) {
        randomly = true;
    } else if (argc > 4 && vtep_parse_ucast_mac(argv[4], &first)) {
        unixctl_command_reply_error(conn, "bad unicast MAC");
        return;
    }
    if (!randomly
        && (((eth_addr_to_uint64(first) + count - 1) >> 48)
            || eth_addr_is_multicast(mac_plus(first, count - 1)))) {
        unixctl_command_reply_error(conn, "the range leaves the unicast "
                                    "MACs");
        return;
    }
    int n_refused = 0;
    for (int i = 0; i < count; i++) {
        struct eth_addr mac = mac_plus(first, i);
        if (randomly) {
            /* Random, unicast and locally administered, as a MAC flood
             * tool would send. */
            random_bytes(mac.ea, sizeof mac.ea);
            mac.ea[0] = (mac.ea[0] & 0xfc) | 0x02;
        }
        n_refused += dummy_learn(d, b, mac, 0) != 0;
    }
    char *reply = xasprintf("learned %d, refused %d", count - n_refused,
                            n_refused);
    unixctl_command_reply(conn, reply);
    free(reply);
}

/* Queues a learning event as given, unchecked, to show how vtepd treats
 * events that make no sense. */
static void
dummy_unixctl_event(struct unixctl_conn *conn, int argc, const char *argv[],
                    void *aux OVS_UNUSED)
{
    static const struct {
        const char *name;
        enum vtep_learn_type type;
        enum vtep_learn_limit limit;
    } types[] = {
        { "add", VTEP_LEARN_ADD, 0 },
        { "del", VTEP_LEARN_DEL, 0 },
        { "full", VTEP_LEARN_FULL, VTEP_LEARN_LIMIT_VNI },
        { "room", VTEP_LEARN_ROOM, VTEP_LEARN_LIMIT_VNI },
        { "full-port", VTEP_LEARN_FULL, VTEP_LEARN_LIMIT_PORT },
        { "room-port", VTEP_LEARN_ROOM, VTEP_LEARN_LIMIT_PORT },
        { "full-table", VTEP_LEARN_FULL, VTEP_LEARN_LIMIT_TABLE },
        { "room-table", VTEP_LEARN_ROOM, VTEP_LEARN_LIMIT_TABLE },
    };
    struct dp_dummy *d = the_dummy;
    unsigned int vni, vlan;
    struct eth_addr mac;
    ovs_be32 ip = 0;
    int type = -1;
    size_t idx = 0;

    if (!d) {
        unixctl_command_reply_error(conn, "the datapath is not dummy");
        return;
    }
    for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
        if (!strcmp(argv[1], types[i].name)) {
            type = types[i].type;
            idx = i;
        }
    }
    if (type < 0 || !str_to_uint(argv[2], 10, &vni)
        || !str_to_uint(argv[4], 10, &vlan) || vlan > UINT16_MAX
        || !eth_addr_from_string(argv[5], &mac)
        || (argc > 6 && vtep_parse_ipv4(argv[6], &ip))) {
        unixctl_command_reply_error(conn, "bad TYPE, VNI, VLAN, MAC or IP");
        return;
    }
    struct vtep_dp_learned ev = {
        .type = type, .limit = types[idx].limit, .vni = vni, .mac = mac,
        .vlan = vlan, .ip = ip,
    };
    ovs_strlcpy(ev.port, argv[3], sizeof ev.port);
    if (!queue_raw(d, &ev)) {
        unixctl_command_reply_error(conn, "raw event queue full");
        return;
    }
    unixctl_command_reply(conn, NULL);
}

static void
dummy_unixctl_stats(struct unixctl_conn *conn, int argc OVS_UNUSED,
                    const char *argv[], void *aux OVS_UNUSED)
{
    struct dp_dummy *d = the_dummy;
    int vlan;
    unsigned long long int v[4];

    if (!d) {
        unixctl_command_reply_error(conn, "the datapath is not dummy");
        return;
    }
    if (!str_to_int(argv[2], 10, &vlan)) {
        unixctl_command_reply_error(conn, "bad VLAN");
        return;
    }
    for (int i = 0; i < 4; i++) {
        if (!str_to_ullong(argv[3 + i], 10, &v[i])) {
            unixctl_command_reply_error(conn, "bad counter");
            return;
        }
    }
    struct dummy_binding *b = find_binding(d, argv[1], vlan);
    if (!b) {
        unixctl_command_reply_error(conn, "no such binding");
        return;
    }
    b->stats = (struct vtep_dp_binding_stats) {
        .packets_from_local = v[0], .bytes_from_local = v[1],
        .packets_to_local = v[2], .bytes_to_local = v[3],
    };
    unixctl_command_reply(conn, NULL);
}

static void
dummy_unixctl_fail(struct unixctl_conn *conn, int argc, const char *argv[],
                   void *aux OVS_UNUSED)
{
    struct dp_dummy *d = the_dummy;
    int error, count = 1;

    if (!d) {
        unixctl_command_reply_error(conn, "the datapath is not dummy");
        return;
    }
    if (!str_to_int(argv[2], 10, &error) || error < 0
        || (argc > 3 && (!str_to_int(argv[3], 10, &count) || count < 0))) {
        unixctl_command_reply_error(conn, "bad ERRNO or COUNT");
        return;
    }
    for (int i = 0; i < N_OP_TYPES; i++) {
        if (!strcmp(argv[1], op_names[i])) {
            d->fail_errno[i] = error;
            d->fail_count[i] = count;
            unixctl_command_reply(conn, NULL);
            return;
        }
    }
    unixctl_command_reply_error(conn, "unknown operation");
}

static unixctl_cb_func dummy_unixctl_resync;
static unixctl_cb_func dummy_unixctl_batch;
static unixctl_cb_func dummy_unixctl_slow;

static void
dummy_register_commands(void)
{
    static bool registered;
    if (!registered) {
        registered = true;
        unixctl_command_register("vtepd/dump-ops", "[--clear]", 0, 1,
                                 dummy_unixctl_dump_ops, NULL);
        unixctl_command_register("vtepd/dummy-tables", "[--counts]", 0, 1,
                                 dummy_unixctl_tables, NULL);
        unixctl_command_register("vtepd/dummy-learn", "PORT VLAN MAC [IP]",
                                 3, 4, dummy_unixctl_learn, NULL);
        unixctl_command_register("vtepd/dummy-learn-bulk",
                                 "PORT VLAN COUNT [FIRST-MAC|random]", 3, 4,
                                 dummy_unixctl_learn_bulk, NULL);
        unixctl_command_register("vtepd/dummy-unlearn", "PORT VLAN MAC",
                                 3, 3, dummy_unixctl_learn, "del");
        unixctl_command_register("vtepd/dummy-event",
                                 "add|del|full[-port|-table]|"
                                 "room[-port|-table] VNI PORT VLAN MAC [IP]",
                                 5, 6, dummy_unixctl_event, NULL);
        unixctl_command_register("vtepd/dummy-stats",
                                 "PORT VLAN PKTS_FROM BYTES_FROM PKTS_TO "
                                 "BYTES_TO", 6, 6, dummy_unixctl_stats, NULL);
        unixctl_command_register("vtepd/dummy-fail", "OP ERRNO [COUNT]",
                                 2, 3, dummy_unixctl_fail, NULL);
        unixctl_command_register("vtepd/dummy-resync", "", 0, 0,
                                 dummy_unixctl_resync, NULL);
        unixctl_command_register("vtepd/dummy-batch", "on|off", 1, 1,
                                 dummy_unixctl_batch, NULL);
        unixctl_command_register("vtepd/dummy-slow", "USEC", 1, 1,
                                 dummy_unixctl_slow, NULL);
    }
}

static int
dummy_open__(const struct vtep_dp_config *cfg, struct vtep_dp **dpp)
{
    int error = dummy_open(cfg, dpp);
    if (!error) {
        dummy_register_commands();
    }
    return error;
}

static void
dummy_batch_begin(struct vtep_dp *dp)
{
    struct dp_dummy *d = dp_dummy_cast(dp);
    d->in_batch = d->batch_mode;
}

static void
dummy_batch_commit(struct vtep_dp *dp, vtep_dp_failure_cb *cb, void *aux)
{
    struct dp_dummy *d = dp_dummy_cast(dp);
    if (d->in_batch) {
        d->n_batches++;
    }
    d->in_batch = false;
    for (size_t i = 0; i < d->n_failures; i++) {
        struct dummy_failure *f = &d->failures[i];
        const struct vtep_dp_op_key key = {
            .type = f->type, .vni = f->vni, .mac = f->mac,
            .port = f->port, .vlan = f->vlan,
        };
        cb(aux, &key, f->error);
        free(f->port);
    }
    d->n_failures = 0;
}

static void
dummy_unixctl_slow(struct unixctl_conn *conn, int argc OVS_UNUSED,
                   const char *argv[], void *aux OVS_UNUSED)
{
    unsigned int usec;
    if (!the_dummy) {
        unixctl_command_reply_error(conn, "the datapath is not dummy");
    } else if (!str_to_uint(argv[1], 10, &usec) || usec > 1000000) {
        unixctl_command_reply_error(conn, "USEC: 0 to 1000000");
    } else {
        the_dummy->slow_usec = usec;
        unixctl_command_reply(conn, NULL);
    }
}

static void
dummy_unixctl_batch(struct unixctl_conn *conn, int argc OVS_UNUSED,
                    const char *argv[], void *aux OVS_UNUSED)
{
    if (!the_dummy) {
        unixctl_command_reply_error(conn, "the datapath is not dummy");
    } else if (!strcmp(argv[1], "on") || !strcmp(argv[1], "off")) {
        the_dummy->batch_mode = !strcmp(argv[1], "on");
        char *reply = xasprintf("%"PRIu64" batches so far",
                                the_dummy->n_batches);
        unixctl_command_reply(conn, reply);
        free(reply);
    } else {
        unixctl_command_reply_error(conn, "on or off");
    }
}

/* Reports the tables, as a provider whose state outlives vtepd does (the
 * dummy's lives as long as the process: a reconciler created again on the
 * same datapath adopts it, which is what the unit tests do). */
static void
dummy_dump(struct vtep_dp *dp, const struct vtep_dp_visitor *v, void *aux)
{
    struct dp_dummy *d = dp_dummy_cast(dp);

    const struct dummy_ls *ls;
    HMAP_FOR_EACH (ls, node, &d->lss) {
        const struct vtep_dp_ls info = {
            .vni = ls->vni, .mode = ls->mode, .name = ls->name,
        };
        v->ls(aux, &info);
    }
    const struct dummy_binding *b;
    HMAP_FOR_EACH (b, node, &d->bindings) {
        v->binding(aux, b->port, b->vlan, b->vni);
    }
    const struct dummy_mac *m;
    HMAP_FOR_EACH (m, node, &d->ucast) {
        v->ucast(aux, m->vni, m->mac, m->ip);
    }
    HMAP_FOR_EACH (m, node, &d->flood) {
        v->flood(aux, m->vni, m->mac, m->ips, m->n_ips);
    }
}

static bool
dummy_need_resync(struct vtep_dp *dp)
{
    struct dp_dummy *d = dp_dummy_cast(dp);
    bool resync = d->need_resync;
    d->need_resync = false;
    return resync;
}

static void
dummy_unixctl_resync(struct unixctl_conn *conn, int argc OVS_UNUSED,
                     const char *argv[] OVS_UNUSED, void *aux OVS_UNUSED)
{
    if (!the_dummy) {
        unixctl_command_reply_error(conn, "the datapath is not dummy");
        return;
    }
    the_dummy->need_resync = true;
    unixctl_command_reply(conn, NULL);
}

const struct vtep_dp_class vtep_dp_dummy_class = {
    .type = "dummy",
    .open = dummy_open__,
    .close = dummy_close,
    .run = dummy_run,
    .wait = dummy_wait,
    .ls_set = dummy_ls_set,
    .ls_del = dummy_ls_del,
    .binding_add = dummy_binding_add,
    .binding_del = dummy_binding_del,
    .ucast_set = dummy_ucast_set,
    .ucast_del = dummy_ucast_del,
    .flood_set = dummy_flood_set,
    .learned_poll = dummy_learned_poll,
    .binding_stats = dummy_binding_stats,
    .format_stats = dummy_format_stats,
    .dump = dummy_dump,
    .need_resync = dummy_need_resync,
    .batch_begin = dummy_batch_begin,
    .batch_commit = dummy_batch_commit,
    /* At a microsecond or two per operation, about the 50,000 operations
     * vtepd allows per iteration; vtepd/dummy-slow makes it bite. */
    .budget_ms = 50,
};

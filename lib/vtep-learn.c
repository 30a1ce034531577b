/*
 * vtep-learn.c: the learning table that every datapath provider shares.
 *
 * See vtep-learn.h for what it does and for the threading rules.  Inside:
 *
 *   entries     hmap of "struct learn_entry" by (VNI, MAC): live MACs and
 *               MACs that went but whose DEL is not handed out yet.
 *   age_list    live entries, least recently seen first (an entry moves to
 *               the back at most once per millisecond it is seen), so
 *               aging looks at the front only.
 *   bindings    the (port, VLAN, VNI) each live entry was learned on, with
 *               its entries, so that a binding that goes is flushed without
 *               a walk of the table.  A flushed binding leaves the index at
 *               once and gives up its entries a budget at a time.
 *   mac_events  entries with a pending event, oldest first;
 *   lim_events  limits (VNI, port, table) with a pending event;
 *   reap        gone entries whose DEL was handed out: the writer frees
 *               them (a poller never changes 'entries').
 *
 * 'mutex' protects the event lists, the 'reap' list, the flush requests,
 * each entry's 'pending', 'announced' and 'event_node', each limit's
 * event state, and every entry field a poller reads (port, vlan, ip,
 * live).  Only the writer changes the others, and it reads everything
 * without the lock.
 */
#include <config.h>
#include "vtep-learn.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include "hash.h"
#include "openvswitch/hmap.h"
#include "openvswitch/list.h"
#include "openvswitch/thread.h"
#include "openvswitch/vlog.h"
#include "ovs-atomic.h"
#include "util.h"
#include "vtep-types.h"

VLOG_DEFINE_THIS_MODULE(vtep_learn);

/* A counter that only the writer changes and anyone may read. */
typedef ATOMIC(uint64_t) learn_counter;

static inline void
counter_inc(learn_counter *c)
{
    uint64_t value;
    atomic_read_relaxed(c, &value);
    atomic_store_relaxed(c, value + 1);
}

static inline uint64_t
counter_get(learn_counter *c)
{
    uint64_t value;
    atomic_read_relaxed(c, &value);
    return value;
}

/* A limit: of a VNI, of a port, or of the whole table. */
struct learn_limit {
    unsigned int n;                 /* Live MACs counted against it. */
    unsigned int max;               /* 0: no limit. */
    bool full;                      /* Refused a MAC, not below the low
                                     * mark since. */
    bool reported_full;             /* What the last event said. */
    bool pending;                   /* In 'lim_events'. */
    struct ovs_list event_node;
    enum vtep_learn_limit kind;
    uint32_t vni;                   /* VTEP_LEARN_LIMIT_VNI. */
    const struct vtep_learn_port *port;  /* VTEP_LEARN_LIMIT_PORT. */
};

struct vtep_learn_port {
    struct hmap_node node;          /* In 'ports', by name. */
    char name[VTEP_PORT_NAME_MAX];
    size_t index;                   /* 0, 1, ... in order of creation. */
    struct learn_limit limit;
};

struct learn_vni {
    struct hmap_node node;          /* In 'vnis', by VNI. */
    struct learn_limit limit;
};

struct learn_binding {
    struct hmap_node node;          /* In 'bindings', unless flushing. */
    struct ovs_list flush_node;     /* In 'flushing', if flushing. */
    struct vtep_learn_port *port;
    uint16_t vlan;
    uint32_t vni;
    struct ovs_list entries;        /* "struct learn_entry"s. */
    bool flushing;
};

struct learn_entry {
    struct hmap_node node;          /* In 'entries', by (vni, mac). */
    uint32_t vni;
    struct eth_addr mac;

    /* Written by the writer with the mutex held. */
    struct vtep_learn_port *port;   /* Where it was seen last. */
    uint16_t vlan;
    ovs_be32 ip;
    bool live;

    /* Writer only. */
    struct learn_binding *binding;  /* NULL unless live. */
    struct learn_vni *lvni;         /* NULL unless live. */
    struct ovs_list binding_node;   /* In 'binding->entries', if live. */
    struct ovs_list age_node;       /* In 'age_list', if live and aging. */
    long long int seen;

    /* Under the mutex. */
    bool pending;                   /* In 'mac_events'. */
    bool reaping;                   /* In 'reap'. */
    bool announced;                 /* Last event handed out said ADD. */
    struct ovs_list event_node;     /* In 'mac_events' or 'reap'. */
};

struct flush_request {
    char port[VTEP_PORT_NAME_MAX];
    uint16_t vlan;
    uint32_t vni;
};

struct vtep_learn {
    long long int aging_ms;         /* 0: never. */
    unsigned int vni_limit;
    unsigned int port_limit;
    unsigned int table_limit;

    struct ovs_mutex mutex;

    /* Writer. */
    struct hmap entries;
    struct hmap ports;
    struct hmap vnis;
    struct hmap bindings;
    struct ovs_list age_list;
    struct ovs_list flushing;       /* "struct learn_binding"s. */
    size_t n_gone;                  /* Entries that are not live. */
    struct learn_limit table;       /* Counts live entries. */
    bool changed;                   /* Events became pending. */

    /* Under the mutex. */
    struct ovs_list mac_events;
    struct ovs_list lim_events;
    struct ovs_list reap;
    size_t n_mac_events, n_lim_events;
    struct flush_request *requests;
    size_t n_requests, allocated_requests;

    learn_counter n_learned, n_moved, n_aged, n_flushed, n_refused;
    learn_counter n_events;
};

static uint32_t
hash_binding(const struct vtep_learn_port *port, uint16_t vlan, uint32_t vni)
{
    return hash_pointer(port, hash_2words(vlan, vni));
}

static void
limit_init(struct learn_limit *lim, enum vtep_learn_limit kind,
           unsigned int max)
{
    memset(lim, 0, sizeof *lim);
    lim->kind = kind;
    lim->max = max;
}

struct vtep_learn *
vtep_learn_create(const struct vtep_learn_config *cfg)
{
    struct vtep_learn *l = xzalloc(sizeof *l);

    l->aging_ms = cfg->aging * 1000LL;
    l->vni_limit = cfg->vni_limit;
    l->table_limit = (cfg->table_limit && cfg->table_limit
                      < VTEP_LEARN_TABLE_MAX
                      ? cfg->table_limit : VTEP_LEARN_TABLE_MAX);
    ovs_mutex_init(&l->mutex);
    hmap_init(&l->entries);
    hmap_init(&l->ports);
    hmap_init(&l->vnis);
    hmap_init(&l->bindings);
    ovs_list_init(&l->age_list);
    ovs_list_init(&l->flushing);
    ovs_list_init(&l->mac_events);
    ovs_list_init(&l->lim_events);
    ovs_list_init(&l->reap);
    l->port_limit = cfg->port_limit;
    limit_init(&l->table, VTEP_LEARN_LIMIT_TABLE, l->table_limit);
    atomic_init(&l->n_learned, 0);
    atomic_init(&l->n_moved, 0);
    atomic_init(&l->n_aged, 0);
    atomic_init(&l->n_flushed, 0);
    atomic_init(&l->n_refused, 0);
    atomic_init(&l->n_events, 0);
    return l;
}

void
vtep_learn_destroy(struct vtep_learn *l)
{
    if (!l) {
        return;
    }
    struct learn_entry *e;
    HMAP_FOR_EACH_POP (e, node, &l->entries) {
        free(e);
    }
    hmap_destroy(&l->entries);
    struct learn_binding *b;
    HMAP_FOR_EACH_POP (b, node, &l->bindings) {
        free(b);
    }
    hmap_destroy(&l->bindings);
    LIST_FOR_EACH_POP (b, flush_node, &l->flushing) {
        free(b);
    }
    struct vtep_learn_port *port;
    HMAP_FOR_EACH_POP (port, node, &l->ports) {
        free(port);
    }
    hmap_destroy(&l->ports);
    struct learn_vni *lv;
    HMAP_FOR_EACH_POP (lv, node, &l->vnis) {
        free(lv);
    }
    hmap_destroy(&l->vnis);
    free(l->requests);
    ovs_mutex_destroy(&l->mutex);
    free(l);
}

/* Ports. */

static struct vtep_learn_port *
port_find(const struct vtep_learn *l, const char *name)
{
    struct vtep_learn_port *port;
    HMAP_FOR_EACH_WITH_HASH (port, node, hash_string(name, 0), &l->ports) {
        if (!strcmp(port->name, name)) {
            return port;
        }
    }
    return NULL;
}

/* Returns the port called 'name', creating it if needed.  A port lives as
 * long as the table. */
struct vtep_learn_port *
vtep_learn_port(struct vtep_learn *l, const char *name)
{
    struct vtep_learn_port *port = port_find(l, name);
    if (!port) {
        port = xzalloc(sizeof *port);
        ovs_strlcpy(port->name, name, sizeof port->name);
        limit_init(&port->limit, VTEP_LEARN_LIMIT_PORT, l->port_limit);
        port->limit.port = port;
        port->index = hmap_count(&l->ports);
        ovs_mutex_lock(&l->mutex);
        hmap_insert(&l->ports, &port->node, hash_string(port->name, 0));
        ovs_mutex_unlock(&l->mutex);
    }
    return port;
}

const char *
vtep_learn_port_name(const struct vtep_learn_port *port)
{
    return port->name;
}

/* The ports of a table are numbered 0, 1, ... in the order they were first
 * named, so that a provider that names its ports in its own order at open
 * can map them back to its own array. */
size_t
vtep_learn_port_index(const struct vtep_learn_port *port)
{
    return port->index;
}

/* Limits. */

static void
limit_mark(struct vtep_learn *l, struct learn_limit *lim)
    OVS_REQUIRES(l->mutex)
{
    if (!lim->pending) {
        lim->pending = true;
        ovs_list_push_back(&l->lim_events, &lim->event_node);
        l->n_lim_events++;
    }
    l->changed = true;
}

static bool
limit_is_reached(const struct learn_limit *lim)
{
    return lim->max && lim->n >= lim->max;
}

/* 'lim' refused a MAC. */
static void
limit_refuse(struct vtep_learn *l, struct learn_limit *lim)
{
    if (!lim->full) {
        ovs_mutex_lock(&l->mutex);
        lim->full = true;
        limit_mark(l, lim);
        ovs_mutex_unlock(&l->mutex);
    }
}

static void
limit_inc(struct learn_limit *lim)
{
    lim->n++;
}

static void
limit_dec(struct vtep_learn *l, struct learn_limit *lim)
    OVS_REQUIRES(l->mutex)
{
    lim->n--;
    if (lim->full && (!lim->max || vtep_learn_below_low_mark(lim->n,
                                                             lim->max))) {
        lim->full = false;
        limit_mark(l, lim);
    }
}

static struct learn_vni *
vni_find(const struct vtep_learn *l, uint32_t vni)
{
    struct learn_vni *lv;
    HMAP_FOR_EACH_WITH_HASH (lv, node, hash_int(vni, 0), &l->vnis) {
        if (lv->limit.vni == vni) {
            return lv;
        }
    }
    return NULL;
}

static struct learn_vni *
vni_get(struct vtep_learn *l, uint32_t vni)
{
    struct learn_vni *lv = vni_find(l, vni);
    if (!lv) {
        lv = xzalloc(sizeof *lv);
        limit_init(&lv->limit, VTEP_LEARN_LIMIT_VNI, l->vni_limit);
        lv->limit.vni = vni;
        hmap_insert(&l->vnis, &lv->node, hash_int(vni, 0));
    }
    return lv;
}

/* Frees 'lv' if it holds nothing and owes no event. */
static void
vni_maybe_free(struct vtep_learn *l, struct learn_vni *lv)
    OVS_REQUIRES(l->mutex)
{
    if (!lv->limit.n && !lv->limit.full && !lv->limit.pending
        && !lv->limit.reported_full) {
        hmap_remove(&l->vnis, &lv->node);
        free(lv);
    }
}

/* Bindings. */

static struct learn_binding *
binding_find(const struct vtep_learn *l, const struct vtep_learn_port *port,
             uint16_t vlan, uint32_t vni)
{
    struct learn_binding *b;
    HMAP_FOR_EACH_WITH_HASH (b, node, hash_binding(port, vlan, vni),
                             &l->bindings) {
        if (b->port == port && b->vlan == vlan && b->vni == vni) {
            return b;
        }
    }
    return NULL;
}

static struct learn_binding *
binding_get(struct vtep_learn *l, struct vtep_learn_port *port,
            uint16_t vlan, uint32_t vni)
{
    struct learn_binding *b = binding_find(l, port, vlan, vni);
    if (!b) {
        b = xzalloc(sizeof *b);
        b->port = port;
        b->vlan = vlan;
        b->vni = vni;
        ovs_list_init(&b->entries);
        hmap_insert(&l->bindings, &b->node, hash_binding(port, vlan, vni));
    }
    return b;
}

static void
binding_maybe_free(struct vtep_learn *l, struct learn_binding *b)
{
    if (ovs_list_is_empty(&b->entries)) {
        if (b->flushing) {
            ovs_list_remove(&b->flush_node);
        } else {
            hmap_remove(&l->bindings, &b->node);
        }
        free(b);
    }
}

/* Entries. */

static struct learn_entry *
entry_find(const struct vtep_learn *l, uint32_t vni, struct eth_addr mac)
{
    struct learn_entry *e;
    HMAP_FOR_EACH_WITH_HASH (e, node, vtep_hash_vni_mac(vni, mac),
                             &l->entries) {
        if (e->vni == vni && eth_addr_equals(e->mac, mac)) {
            return e;
        }
    }
    return NULL;
}

static void
entry_mark(struct vtep_learn *l, struct learn_entry *e)
    OVS_REQUIRES(l->mutex)
{
    if (e->reaping) {
        ovs_list_remove(&e->event_node);
        e->reaping = false;
    }
    if (!e->pending) {
        e->pending = true;
        ovs_list_push_back(&l->mac_events, &e->event_node);
        l->n_mac_events++;
    }
    l->changed = true;
}

static void
entry_touch(struct vtep_learn *l, struct learn_entry *e, long long int now)
{
    if (l->aging_ms && e->seen != now) {
        ovs_list_remove(&e->age_node);
        ovs_list_push_back(&l->age_list, &e->age_node);
    }
    e->seen = now;
}

/* Attaches live entry 'e' to 'port' and 'vlan'. */
static void
entry_attach(struct vtep_learn *l, struct learn_entry *e,
             struct vtep_learn_port *port, uint16_t vlan)
    OVS_REQUIRES(l->mutex)
{
    e->port = port;
    e->vlan = vlan;
    e->binding = binding_get(l, port, vlan, e->vni);
    ovs_list_push_back(&e->binding->entries, &e->binding_node);
    limit_inc(&port->limit);
}

static void
entry_detach(struct vtep_learn *l, struct learn_entry *e)
    OVS_REQUIRES(l->mutex)
{
    struct learn_binding *b = e->binding;
    ovs_list_remove(&e->binding_node);
    e->binding = NULL;
    limit_dec(l, &e->port->limit);
    binding_maybe_free(l, b);
}

/* Moves live entry 'e' to 'port' and 'vlan'.  A move within a port does
 * not touch the port's count, so it cannot make the port report ROOM. */
static void
entry_move(struct vtep_learn *l, struct learn_entry *e,
           struct vtep_learn_port *port, uint16_t vlan)
    OVS_REQUIRES(l->mutex)
{
    struct learn_binding *b = e->binding;
    struct vtep_learn_port *old = e->port;

    ovs_list_remove(&e->binding_node);
    binding_maybe_free(l, b);
    e->port = port;
    e->vlan = vlan;
    e->binding = binding_get(l, port, vlan, e->vni);
    ovs_list_push_back(&e->binding->entries, &e->binding_node);
    if (old != port) {
        limit_inc(&port->limit);
        limit_dec(l, &old->limit);
    }
}

/* Makes live entry 'e' go: it stops forwarding and counting, and reports
 * DEL if anyone was told about it. */
static void
entry_kill(struct vtep_learn *l, struct learn_entry *e)
    OVS_REQUIRES(l->mutex)
{
    entry_detach(l, e);
    if (l->aging_ms) {
        ovs_list_remove(&e->age_node);
    }
    struct learn_vni *lv = e->lvni;
    e->lvni = NULL;
    limit_dec(l, &lv->limit);
    vni_maybe_free(l, lv);
    limit_dec(l, &l->table);
    e->live = false;

    if (e->announced) {
        entry_mark(l, e);
        l->n_gone++;
    } else {
        /* Nobody knows it: no event, and it can go now. */
        if (e->pending) {
            ovs_list_remove(&e->event_node);
            e->pending = false;
            l->n_mac_events--;
        }
        hmap_remove(&l->entries, &e->node);
        free(e);
    }
}

static bool
limits_allow(struct vtep_learn *l, struct learn_vni *lv,
             struct vtep_learn_port *port, bool new)
{
    bool ok = true;
    if (new && (limit_is_reached(&l->table)
                || l->n_gone >= l->table_limit)) {
        limit_refuse(l, &l->table);
        ok = false;
    }
    if (limit_is_reached(&port->limit)) {
        limit_refuse(l, &port->limit);
        ok = false;
    }
    if (new && lv && limit_is_reached(&lv->limit)) {
        limit_refuse(l, &lv->limit);
        ok = false;
    }
    /* A VNI without a record holds no MACs: it is within any limit. */
    return ok;
}

enum vtep_learn_outcome
vtep_learn_observe(struct vtep_learn *l, uint32_t vni, struct eth_addr mac,
                   struct vtep_learn_port *port, uint16_t vlan, ovs_be32 ip,
                   long long int now)
{
    struct learn_entry *e = entry_find(l, vni, mac);

    if (e && e->live) {
        if (e->port == port && e->vlan == vlan) {
            entry_touch(l, e, now);
            if (!ip || ip == e->ip) {
                return VTEP_LEARN_SEEN;
            }
            ovs_mutex_lock(&l->mutex);
            e->ip = ip;
            entry_mark(l, e);
            ovs_mutex_unlock(&l->mutex);
            return VTEP_LEARN_NEW_IP;
        }
        /* A move.  The VNI and the table hold it already; the new port
         * must have room for it, as for a new MAC. */
        if (e->port != port && !limits_allow(l, NULL, port, false)) {
            counter_inc(&l->n_refused);
            return VTEP_LEARN_REFUSED;
        }
        entry_touch(l, e, now);
        ovs_mutex_lock(&l->mutex);
        entry_move(l, e, port, vlan);
        if (ip) {
            e->ip = ip;
        }
        entry_mark(l, e);
        ovs_mutex_unlock(&l->mutex);
        counter_inc(&l->n_moved);
        return VTEP_LEARN_MOVED;
    }

    /* New, or back before its DEL was freed. */
    struct learn_vni *lv = vni_find(l, vni);
    if (!limits_allow(l, lv, port, true)) {
        counter_inc(&l->n_refused);
        return VTEP_LEARN_REFUSED;
    }

    ovs_mutex_lock(&l->mutex);
    if (!lv) {
        lv = vni_get(l, vni);
    }
    if (e) {
        l->n_gone--;
    } else {
        e = xzalloc(sizeof *e);
        e->vni = vni;
        e->mac = mac;
        hmap_insert(&l->entries, &e->node, vtep_hash_vni_mac(vni, mac));
    }
    e->live = true;
    e->ip = ip;
    e->lvni = lv;
    limit_inc(&lv->limit);
    limit_inc(&l->table);
    entry_attach(l, e, port, vlan);
    if (l->aging_ms) {
        ovs_list_push_back(&l->age_list, &e->age_node);
    }
    e->seen = now;
    entry_mark(l, e);
    ovs_mutex_unlock(&l->mutex);
    counter_inc(&l->n_learned);
    return VTEP_LEARN_NEW;
}

bool
vtep_learn_lookup(const struct vtep_learn *l, uint32_t vni,
                  struct eth_addr mac, const struct vtep_learn_port **port,
                  uint16_t *vlan)
{
    const struct learn_entry *e = entry_find(l, vni, mac);
    if (!e || !e->live || e->binding->flushing) {
        return false;
    }
    *port = e->port;
    *vlan = e->vlan;
    return true;
}

/* Forgets (vni, mac) as if it aged out now.  Returns false if it was not
 * learned. */
bool
vtep_learn_forget(struct vtep_learn *l, uint32_t vni, struct eth_addr mac)
{
    struct learn_entry *e = entry_find(l, vni, mac);
    if (!e || !e->live) {
        return false;
    }
    ovs_mutex_lock(&l->mutex);
    entry_kill(l, e);
    ovs_mutex_unlock(&l->mutex);
    counter_inc(&l->n_aged);
    return true;
}

/* Asks the writer to forget everything learned on (port, vlan) in 'vni'
 * (at its next vtep_learn_run()). */
void
vtep_learn_flush_binding(struct vtep_learn *l, const char *port,
                         uint16_t vlan, uint32_t vni)
{
    ovs_mutex_lock(&l->mutex);
    if (l->n_requests >= l->allocated_requests) {
        l->requests = x2nrealloc(l->requests, &l->allocated_requests,
                                 sizeof *l->requests);
    }
    struct flush_request *r = &l->requests[l->n_requests++];
    ovs_strlcpy(r->port, port, sizeof r->port);
    r->vlan = vlan;
    r->vni = vni;
    ovs_mutex_unlock(&l->mutex);
}

static bool
has_work(const struct vtep_learn *l, long long int now)
    OVS_REQUIRES(l->mutex)
{
    if (l->n_requests || !ovs_list_is_empty(&l->flushing)
        || !ovs_list_is_empty(&l->reap)) {
        return true;
    }
    if (l->aging_ms && !ovs_list_is_empty(&l->age_list)) {
        const struct learn_entry *e = CONTAINER_OF(
            ovs_list_front(&l->age_list), struct learn_entry, age_node);
        return e->seen + l->aging_ms <= now;
    }
    return false;
}

/* Does up to 'budget' units of work: frees entries whose DEL was handed
 * out, flushes bindings that went, ages out MACs not seen for the aging
 * time.  Returns true if more work is due now, in which case the caller
 * should call again soon (without sleeping), else it calls again at
 * vtep_learn_next_run() or after a flush request. */
bool
vtep_learn_run(struct vtep_learn *l, long long int now, size_t budget)
{
    size_t work = 0;

    ovs_mutex_lock(&l->mutex);

    while (work < budget && !ovs_list_is_empty(&l->reap)) {
        struct learn_entry *e = CONTAINER_OF(ovs_list_pop_front(&l->reap),
                                             struct learn_entry, event_node);
        e->reaping = false;
        hmap_remove(&l->entries, &e->node);
        l->n_gone--;
        free(e);
        work++;
    }
    /* The table may have been full of gone entries only. */
    if (l->table.full && vtep_learn_below_low_mark(l->n_gone, l->table_limit)
        && vtep_learn_below_low_mark(l->table.n, l->table.max)) {
        l->table.full = false;
        limit_mark(l, &l->table);
    }

    for (size_t i = 0; i < l->n_requests; i++) {
        const struct flush_request *r = &l->requests[i];
        struct vtep_learn_port *port = port_find(l, r->port);
        struct learn_binding *b = (port
                                   ? binding_find(l, port, r->vlan, r->vni)
                                   : NULL);
        if (b) {
            hmap_remove(&l->bindings, &b->node);
            b->flushing = true;
            ovs_list_push_back(&l->flushing, &b->flush_node);
        }
        work++;
    }
    l->n_requests = 0;

    while (work < budget && !ovs_list_is_empty(&l->flushing)) {
        struct learn_binding *b = CONTAINER_OF(ovs_list_front(&l->flushing),
                                               struct learn_binding,
                                               flush_node);
        struct learn_entry *e = CONTAINER_OF(ovs_list_front(&b->entries),
                                             struct learn_entry,
                                             binding_node);
        /* Frees 'b' with its last entry. */
        entry_kill(l, e);
        counter_inc(&l->n_flushed);
        work++;
    }

    while (work < budget && l->aging_ms
           && !ovs_list_is_empty(&l->age_list)) {
        struct learn_entry *e = CONTAINER_OF(ovs_list_front(&l->age_list),
                                             struct learn_entry, age_node);
        if (e->seen + l->aging_ms > now) {
            break;
        }
        entry_kill(l, e);
        counter_inc(&l->n_aged);
        work++;
    }

    bool more = has_work(l, now);
    ovs_mutex_unlock(&l->mutex);
    return more;
}

/* When the next MAC ages out, or LLONG_MAX if none will. */
long long int
vtep_learn_next_run(const struct vtep_learn *l)
{
    if (!l->aging_ms || ovs_list_is_empty(&l->age_list)) {
        return LLONG_MAX;
    }
    const struct learn_entry *e = CONTAINER_OF(ovs_list_front(&l->age_list),
                                               struct learn_entry, age_node);
    return e->seen + l->aging_ms;
}

/* Returns true if events became pending since the last call, so that the
 * writer can wake whoever polls once per batch, not per frame. */
bool
vtep_learn_take_changed(struct vtep_learn *l)
{
    bool changed = l->changed;
    l->changed = false;
    return changed;
}

/* Events. */

static void
fill_limit_event(const struct learn_limit *lim, struct vtep_dp_learned *ev)
{
    memset(ev, 0, sizeof *ev);
    ev->type = lim->full ? VTEP_LEARN_FULL : VTEP_LEARN_ROOM;
    ev->limit = lim->kind;
    ev->mac = eth_addr_broadcast;
    if (lim->kind == VTEP_LEARN_LIMIT_VNI) {
        ev->vni = lim->vni;
    } else if (lim->kind == VTEP_LEARN_LIMIT_PORT) {
        ovs_strlcpy(ev->port, lim->port->name, sizeof ev->port);
    }
}

/* Hands out up to 'max' events: limit events first, then MAC events, each
 * the latest state of its limit or (VNI, MAC). */
size_t
vtep_learn_poll(struct vtep_learn *l, struct vtep_dp_learned *events,
                size_t max)
{
    size_t n = 0;

    ovs_mutex_lock(&l->mutex);
    while (n < max && !ovs_list_is_empty(&l->lim_events)) {
        struct learn_limit *lim = CONTAINER_OF(
            ovs_list_pop_front(&l->lim_events), struct learn_limit,
            event_node);
        lim->pending = false;
        l->n_lim_events--;
        if (lim->full != lim->reported_full) {
            lim->reported_full = lim->full;
            fill_limit_event(lim, &events[n++]);
        }
    }
    while (n < max && !ovs_list_is_empty(&l->mac_events)) {
        struct learn_entry *e = CONTAINER_OF(
            ovs_list_pop_front(&l->mac_events), struct learn_entry,
            event_node);
        struct vtep_dp_learned *ev = &events[n++];

        e->pending = false;
        l->n_mac_events--;
        memset(ev, 0, sizeof *ev);
        ev->type = e->live ? VTEP_LEARN_ADD : VTEP_LEARN_DEL;
        ev->vni = e->vni;
        ev->mac = e->mac;
        ovs_strlcpy(ev->port, e->port->name, sizeof ev->port);
        ev->vlan = e->vlan;
        ev->ip = e->ip;
        e->announced = e->live;
        if (!e->live) {
            e->reaping = true;
            ovs_list_push_back(&l->reap, &e->event_node);
        }
    }
    ovs_mutex_unlock(&l->mutex);

    uint64_t orig;
    atomic_add_relaxed(&l->n_events, n, &orig);
    return n;
}

bool
vtep_learn_has_events(struct vtep_learn *l)
{
    ovs_mutex_lock(&l->mutex);
    bool pending = l->n_mac_events || l->n_lim_events;
    ovs_mutex_unlock(&l->mutex);
    return pending;
}

void
vtep_learn_get_stats(struct vtep_learn *l, struct vtep_learn_stats *s)
{
    ovs_mutex_lock(&l->mutex);
    s->n_macs = l->table.n;
    s->n_pending = l->n_mac_events + l->n_lim_events;
    s->n_gone = l->n_gone;
    ovs_mutex_unlock(&l->mutex);
    s->n_learned = counter_get(&l->n_learned);
    s->n_moved = counter_get(&l->n_moved);
    s->n_aged = counter_get(&l->n_aged);
    s->n_flushed = counter_get(&l->n_flushed);
    s->n_refused = counter_get(&l->n_refused);
    s->n_events = counter_get(&l->n_events);
}

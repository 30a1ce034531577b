/*
 * vtep-fault.c: fault catalogue and registry (see vtep-fault.h).
 */
#include <config.h>
#include "vtep-fault.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "hash.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/util.h"
#include "sset.h"
#include "util.h"

static const struct vtep_fault_info fault_catalogue[VTEP_N_FAULTS] = {
    [VTEP_FAULT_BAD_UCAST_MAC] = {
        "bad-ucast-mac", "unspecified_fault", VTEP_FAULT_SWITCH,
        "Remote unicast MAC is not a unicast MAC address",
        "A Ucast_Macs_Remote row has a MAC column that is not of the form "
        "xx:xx:xx:xx:xx:xx, or is a multicast or all-zero address.  The row "
        "is ignored; other rows are applied.",
        "Fix or delete the row (vtep-ctl del-ucast-remote)."
    },
    [VTEP_FAULT_BAD_MCAST_MAC] = {
        "bad-mcast-mac", "unspecified_fault", VTEP_FAULT_SWITCH,
        "Remote multicast MAC is neither unknown-dst nor a multicast MAC",
        "A Mcast_Macs_Remote row has a MAC column that is not "
        "\"unknown-dst\" or a MAC address with the group bit set.  The row "
        "is ignored.",
        "Fix or delete the row (vtep-ctl del-mcast-remote)."
    },
    [VTEP_FAULT_BAD_LOCATOR] = {
        "bad-locator", "unspecified_fault", VTEP_FAULT_SWITCH,
        "Physical locator cannot be used as a VXLAN tunnel endpoint",
        "A Physical_Locator referenced by a remote MAC has an "
        "encapsulation other than vxlan_over_ipv4, or a dst_ip that is not "
        "a unicast IPv4 address.  MACs that point at it are ignored.",
        "Point the MACs at a locator with encapsulation_type "
        "vxlan_over_ipv4 and the hypervisor's IPv4 tunnel address."
    },
    [VTEP_FAULT_BAD_LOCATOR_SET] = {
        "bad-locator-set", "unspecified_fault", VTEP_FAULT_SWITCH,
        "Physical locator set has no usable locator",
        "Every locator in the set of a Mcast_Macs_Remote row is unusable "
        "(see bad-locator).  The row is ignored.",
        "Rewrite the row with locators of encapsulation vxlan_over_ipv4 "
        "and IPv4 tunnel addresses."
    },
    [VTEP_FAULT_BAD_VNI] = {
        "bad-vni", "unspecified_fault", VTEP_FAULT_SWITCH,
        "Logical switch tunnel_key is not a VXLAN VNI",
        "Logical_Switch:tunnel_key must be 1 to 16777215 (0 or empty means "
        "not bound).  The switch is treated as not bound and its bindings "
        "are not applied.",
        "Set tunnel_key to the VXLAN segment id of the network."
    },
    [VTEP_FAULT_DUP_VNI] = {
        "duplicate-vni", "unspecified_fault", VTEP_FAULT_SWITCH,
        "Two logical switches have the same tunnel_key",
        "A VNI identifies one logical switch.  A switch bound on this "
        "physical switch's ports wins over one bound nowhere; among equals "
        "the switch that holds the VNI keeps it (at start-up, the one whose "
        "name sorts first).  The other is not applied until the conflict is "
        "resolved.",
        "Give each logical switch its own tunnel_key."
    },
    [VTEP_FAULT_BAD_VLAN] = {
        "bad-vlan", "invalid_vlan_map", VTEP_FAULT_PORT,
        "VLAN binding outside 0..4094",
        "A Physical_Port:vlan_bindings key is not a usable 802.1Q VLAN id "
        "(4095 is reserved by 802.1Q).  That binding is ignored; the port's "
        "other bindings are applied.",
        "Bind a VLAN from 0 (untagged) to 4094."
    },
    [VTEP_FAULT_UNKEYED_BINDING] = {
        "unkeyed-binding", "invalid_vlan_map", VTEP_FAULT_PORT,
        "VLAN bound to a logical switch without a usable tunnel_key",
        "The binding names a logical switch whose tunnel_key is empty, 0, "
        "invalid or held by another switch, so no VXLAN network can carry "
        "its traffic.  The binding waits until the switch has a VNI.",
        "Set the logical switch's tunnel_key (or let the controller do it)."
    },
    [VTEP_FAULT_MAC_LIMIT] = {
        "mac-limit", "mac_table_exhaustion", VTEP_FAULT_SWITCH,
        "MAC learning limit reached",
        "A logical switch holds --mac-limit learned MACs; new source MACs "
        "are forwarded but not learned.",
        "Raise --mac-limit or find the host that floods source MACs."
    },
    [VTEP_FAULT_DP_FULL] = {
        "datapath-full", "mac_table_exhaustion", VTEP_FAULT_SWITCH,
        "Datapath table full",
        "The datapath refused an entry for lack of space.  vtepd retries "
        "periodically.",
        "Reduce the number of remote MACs or use a larger datapath."
    },
    [VTEP_FAULT_DP_ERROR] = {
        "datapath-error", "unspecified_fault", VTEP_FAULT_SWITCH,
        "Datapath operation failed",
        "The datapath provider rejected an operation.  vtepd retries it "
        "periodically.",
        "See the vtepd log for the provider's error."
    },
    [VTEP_FAULT_FLOOD_LIMIT] = {
        "flood-limit", "tunnel_exhaustion", VTEP_FAULT_SWITCH,
        "Flood list longer than the replication limit",
        "A flood entry (unknown-dst or a multicast MAC) of a logical switch "
        "has more remote VTEPs than --flood-limit: every broadcast would "
        "become that many tunnel packets.  vtepd replicates to the first "
        "--flood-limit remotes by IP address and leaves the others out.",
        "Use service_node replication (a service node replicates for the "
        "switch), trim the locator set, or raise --flood-limit."
    },
};

/* The vtep(5) keys of the catalogue, each once: a target's key counts are
 * indexed by position here. */
#define N_KEYS 8
static const char *const fault_keys[N_KEYS] = {
    "mac_table_exhaustion", "tunnel_exhaustion", "lr_switch_bindings_fault",
    "lr_static_routes_fault", "lr_creation_fault", "lr_support_fault",
    "unspecified_fault", "invalid_vlan_map",
};

/* Where the keys of one fault column come from: the switch, or a port. */
struct vtep_fault_target {
    struct hmap_node node;        /* In vtep_faults 'targets'. */
    struct ovs_list changed_node; /* In vtep_faults 'changed', or empty. */
    char *port;                   /* NULL for switch_fault_status. */
    unsigned int counts[N_KEYS];  /* Active faults per key. */
};

static size_t
key_index(const char *db_key)
{
    for (size_t i = 0; i < N_KEYS; i++) {
        if (!strcmp(fault_keys[i], db_key)) {
            return i;
        }
    }
    OVS_NOT_REACHED();
}

const struct vtep_fault_info *
vtep_fault_info(enum vtep_fault_code code)
{
    ovs_assert(code < VTEP_N_FAULTS);
    return &fault_catalogue[code];
}

void
vtep_faults_init(struct vtep_faults *faults)
{
    hmap_init(&faults->faults);
    ovs_list_init(&faults->new);
    faults->seqno = 1;
    hmap_init(&faults->targets);
    ovs_list_init(&faults->changed);
    faults->n_walked = 0;
}

static uint32_t
target_hash(const char *port)
{
    return port ? hash_string(port, 0) : 0x5717c4;
}

static struct vtep_fault_target *
target_find(const struct vtep_faults *faults, const char *port)
{
    struct vtep_fault_target *t;
    HMAP_FOR_EACH_WITH_HASH (t, node, target_hash(port), &faults->targets) {
        if (port ? t->port && !strcmp(t->port, port) : !t->port) {
            return t;
        }
    }
    return NULL;
}

static struct vtep_fault_target *
target_get(struct vtep_faults *faults, const char *port)
{
    struct vtep_fault_target *t = target_find(faults, port);
    if (!t) {
        t = xzalloc(sizeof *t);
        t->port = nullable_xstrdup(port);
        ovs_list_init(&t->changed_node);
        hmap_insert(&faults->targets, &t->node, target_hash(port));
    }
    return t;
}

static void
target_mark(struct vtep_faults *faults, struct vtep_fault_target *t)
{
    if (ovs_list_is_empty(&t->changed_node)) {
        ovs_list_push_back(&faults->changed, &t->changed_node);
    }
}

/* The port whose column shows 'fault' (NULL: the switch's).  Sets
 * '*has_target' to false for a port-scope fault that names no port, which
 * no column shows. */
static const char *
fault_target_port(const struct vtep_fault *fault, bool *has_target)
{
    const struct vtep_fault_info *info = vtep_fault_info(fault->code);
    *has_target = info->scope == VTEP_FAULT_SWITCH || fault->port;
    return info->scope == VTEP_FAULT_SWITCH ? NULL : fault->port;
}

/* Adds 'delta' (1 or -1) to the count of 'fault''s key in its target, and
 * marks the target changed if the key came or went. */
static void
target_count(struct vtep_faults *faults, const struct vtep_fault *fault,
             int delta)
{
    bool has_target;
    const char *port = fault_target_port(fault, &has_target);
    if (!has_target) {
        return;
    }
    struct vtep_fault_target *t = target_get(faults, port);
    size_t k = key_index(vtep_fault_info(fault->code)->db_key);
    if (delta > 0) {
        if (!t->counts[k]++) {
            target_mark(faults, t);
        }
    } else {
        ovs_assert(t->counts[k] > 0);
        if (!--t->counts[k]) {
            target_mark(faults, t);
        }
    }
}

static bool
target_is_empty(const struct vtep_fault_target *t)
{
    for (size_t i = 0; i < N_KEYS; i++) {
        if (t->counts[i]) {
            return false;
        }
    }
    return true;
}

static void
target_free(struct vtep_faults *faults, struct vtep_fault_target *t)
{
    hmap_remove(&faults->targets, &t->node);
    if (!ovs_list_is_empty(&t->changed_node)) {
        ovs_list_remove(&t->changed_node);
    }
    free(t->port);
    free(t);
}

/* Puts the column of 'port' (NULL: the switch) on the changed list, as
 * if its keys had changed: the database side calls it when somebody else
 * wrote the column or the row is new. */
void
vtep_faults_mark_changed(struct vtep_faults *faults, const char *port)
{
    target_mark(faults, target_get(faults, port));
}

/* Takes a target off the changed list: stores its port name in '*port'
 * (NULL for the switch; the caller frees it) and returns true, or returns
 * false if no column changed.  Costs O(1) per target, whatever the number
 * of faults. */
bool
vtep_faults_pop_changed(struct vtep_faults *faults, char **port)
{
    if (ovs_list_is_empty(&faults->changed)) {
        *port = NULL;
        return false;
    }
    struct vtep_fault_target *t = CONTAINER_OF(
        ovs_list_pop_front(&faults->changed), struct vtep_fault_target,
        changed_node);
    ovs_list_init(&t->changed_node);
    *port = nullable_xstrdup(t->port);
    if (target_is_empty(t)) {
        target_free(faults, t);
    }
    return true;
}

static void
vtep_fault_free(struct vtep_fault *fault)
{
    free(fault->object);
    free(fault->port);
    free(fault->detail);
    free(fault);
}

void
vtep_faults_destroy(struct vtep_faults *faults)
{
    if (faults) {
        struct vtep_fault *fault;
        HMAP_FOR_EACH_POP (fault, hmap_node, &faults->faults) {
            vtep_fault_free(fault);
        }
        hmap_destroy(&faults->faults);
        struct vtep_fault_target *t;
        HMAP_FOR_EACH_POP (t, node, &faults->targets) {
            free(t->port);
            free(t);
        }
        hmap_destroy(&faults->targets);
    }
}

static struct vtep_fault *
find__(const struct vtep_faults *faults, const char *object)
{
    struct vtep_fault *fault;
    HMAP_FOR_EACH_WITH_HASH (fault, hmap_node, hash_string(object, 0),
                             &faults->faults) {
        if (!strcmp(fault->object, object)) {
            return fault;
        }
    }
    return NULL;
}

const struct vtep_fault *
vtep_faults_find(const struct vtep_faults *faults, const char *object)
{
    return find__(faults, object);
}

static void
remove__(struct vtep_faults *faults, struct vtep_fault *fault)
{
    hmap_remove(&faults->faults, &fault->hmap_node);
    if (!ovs_list_is_empty(&fault->new_node)) {
        ovs_list_remove(&fault->new_node);
    }
    target_count(faults, fault, -1);
    vtep_fault_free(fault);
    faults->seqno++;
}

/* Makes 'code' the active fault of 'object' ('port' names the port for a
 * port-scope code, else NULL).  An object has at most one fault: this
 * replaces any other. */
void
vtep_faults_set(struct vtep_faults *faults, enum vtep_fault_code code,
                const char *object, const char *port,
                const char *detail_fmt, ...)
{
    va_list args;
    va_start(args, detail_fmt);
    char *detail = xvasprintf(detail_fmt, args);
    va_end(args);

    struct vtep_fault *fault = find__(faults, object);
    if (fault && fault->code == code && !strcmp(fault->detail, detail)
        && !strcmp(fault->port ? fault->port : "", port ? port : "")) {
        free(detail);
        return;
    }
    if (fault) {
        remove__(faults, fault);
    }

    fault = xmalloc(sizeof *fault);
    fault->object = xstrdup(object);
    fault->port = nullable_xstrdup(port);
    fault->code = code;
    fault->detail = detail;
    hmap_insert(&faults->faults, &fault->hmap_node, hash_string(object, 0));
    ovs_list_push_back(&faults->new, &fault->new_node);
    target_count(faults, fault, 1);
    faults->seqno++;
}

void
vtep_faults_clear(struct vtep_faults *faults, const char *object)
{
    struct vtep_fault *fault = find__(faults, object);
    if (fault) {
        remove__(faults, fault);
    }
}

/* Clears every fault with 'code'.  Returns true if there was any. */
bool
vtep_faults_clear_code(struct vtep_faults *faults, enum vtep_fault_code code)
{
    bool any = false;
    struct vtep_fault *fault;
    HMAP_FOR_EACH_SAFE (fault, hmap_node, &faults->faults) {
        faults->n_walked++;
        if (fault->code == code) {
            remove__(faults, fault);
            any = true;
        }
    }
    return any;
}

size_t
vtep_faults_count(const struct vtep_faults *faults)
{
    return hmap_count(&faults->faults);
}

/* Returns a fault that was set since the last call, or NULL.  The fault
 * stays active; the pointer is valid until the registry next changes. */
const struct vtep_fault *
vtep_faults_pop_new(struct vtep_faults *faults)
{
    if (ovs_list_is_empty(&faults->new)) {
        return NULL;
    }
    struct vtep_fault *fault = CONTAINER_OF(ovs_list_pop_front(&faults->new),
                                            struct vtep_fault, new_node);
    ovs_list_init(&fault->new_node);
    return fault;
}

static void
target_keys(const struct vtep_fault_target *t, struct sset *out)
{
    for (size_t i = 0; t && i < N_KEYS; i++) {
        if (t->counts[i]) {
            sset_add(out, fault_keys[i]);
        }
    }
}

/* Adds to 'out' the vtep(5) keys of the active switch-scope faults. */
void
vtep_faults_switch_keys(const struct vtep_faults *faults, struct sset *out)
{
    target_keys(target_find(faults, NULL), out);
}

/* Adds to 'out' the vtep(5) keys of the active faults of 'port'. */
void
vtep_faults_port_keys(const struct vtep_faults *faults, const char *port,
                      struct sset *out)
{
    target_keys(target_find(faults, port), out);
}

static int
compare_faults(const void *a_, const void *b_)
{
    const struct vtep_fault *const *a = a_;
    const struct vtep_fault *const *b = b_;
    return strcmp((*a)->object, (*b)->object);
}

/* Appends one line per active fault to 'out', sorted by object: at most
 * VTEP_FAULTS_FORMAT_MAX of them, then a line that counts the rest. */
void
vtep_faults_format(const struct vtep_faults *faults, struct ds *out)
{
    size_t n = hmap_count(&faults->faults);
    const struct vtep_fault **sorted = xmalloc((n + 1) * sizeof *sorted);
    size_t i = 0;
    const struct vtep_fault *fault;
    HMAP_FOR_EACH (fault, hmap_node, &faults->faults) {
        sorted[i++] = fault;
    }
    CONST_CAST(struct vtep_faults *, faults)->n_walked += n;
    qsort(sorted, n, sizeof *sorted, compare_faults);
    for (i = 0; i < n && i < VTEP_FAULTS_FORMAT_MAX; i++) {
        const struct vtep_fault_info *info = vtep_fault_info(sorted[i]->code);
        ds_put_format(out, "  %s: %s [%s%s%s]: %s\n", sorted[i]->object,
                      info->name, info->db_key,
                      sorted[i]->port ? " on port " : "",
                      sorted[i]->port ? sorted[i]->port : "",
                      sorted[i]->detail);
    }
    if (n > VTEP_FAULTS_FORMAT_MAX) {
        ds_put_format(out, "  ... and %"PRIuSIZE" more\n",
                      n - VTEP_FAULTS_FORMAT_MAX);
    }
    free(sorted);
}

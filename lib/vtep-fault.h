/*
 * vtep-fault.h: the catalogue of problems vtepd reports, and the registry
 * of problems that persist right now.
 *
 * Modelled on FRR's zebra_errors.c: each code has a title, a description
 * and an operator suggestion, plus the vtep(5) fault key it maps to and
 * whether that key goes into Physical_Switch:switch_fault_status or into
 * one port's Physical_Port:port_fault_status.
 *
 * The registry holds one active fault per object (an object is a string
 * such as "Ucast_Macs_Remote 3f1a2b..." or "Logical_Switch ls0").  Setting
 * a fault that is already active with the same code and detail changes
 * nothing; clearing one that is not active is a no-op.  The database side
 * of vtepd logs (rate-limited) each fault that vtep_faults_pop_new()
 * returns, so that lib/ code can raise faults without logging itself.
 *
 * Fault columns.  What goes into the database is only the set of vtep(5)
 * keys per target (the switch, or one port): at most a handful of
 * strings however many rows are bad, because the controllers read any
 * fault string as a reason to stop (networking-l2gw refuses a connection
 * on one).  The registry counts, per target and key, the faults that map
 * there, so the keys of a target cost O(keys) and not O(faults), and it
 * lists the targets whose key set changed (vtep_faults_pop_changed()):
 * the database side rewrites those columns and nothing else.  The details
 * stay in the log and in vtepd/show.
 */
#ifndef VTEP_FAULT_H
#define VTEP_FAULT_H 1

#include <stdbool.h>
#include "openvswitch/compiler.h"
#include "openvswitch/hmap.h"
#include "openvswitch/list.h"

struct ds;
struct sset;

enum vtep_fault_code {
    VTEP_FAULT_BAD_UCAST_MAC,     /* Ucast_Macs_Remote MAC not unicast. */
    VTEP_FAULT_BAD_MCAST_MAC,     /* Mcast_Macs_Remote MAC not multicast. */
    VTEP_FAULT_BAD_LOCATOR,       /* Bad encapsulation or dst_ip. */
    VTEP_FAULT_BAD_LOCATOR_SET,   /* Set with no usable locator. */
    VTEP_FAULT_BAD_VNI,           /* tunnel_key outside 0..16777215. */
    VTEP_FAULT_DUP_VNI,           /* Two logical switches, one VNI. */
    VTEP_FAULT_BAD_VLAN,          /* vlan_bindings key outside 0..4095. */
    VTEP_FAULT_UNKEYED_BINDING,   /* Binding to a switch with no VNI. */
    VTEP_FAULT_MAC_LIMIT,         /* Learning stopped at --mac-limit. */
    VTEP_FAULT_DP_FULL,           /* The datapath is out of table space. */
    VTEP_FAULT_DP_ERROR,          /* The datapath refused an operation. */
    VTEP_FAULT_FLOOD_LIMIT,       /* A flood list above --flood-limit. */
    VTEP_N_FAULTS
};

enum vtep_fault_scope {
    VTEP_FAULT_SWITCH,            /* Physical_Switch:switch_fault_status. */
    VTEP_FAULT_PORT,              /* Physical_Port:port_fault_status. */
};

struct vtep_fault_info {
    const char *name;             /* Short code name, e.g. "bad-ucast-mac". */
    const char *db_key;           /* vtep(5) fault key. */
    enum vtep_fault_scope scope;
    const char *title;
    const char *description;
    const char *suggestion;
};

const struct vtep_fault_info *vtep_fault_info(enum vtep_fault_code);

/* One active fault. */
struct vtep_fault {
    struct hmap_node hmap_node;   /* In vtep_faults 'faults', by object. */
    struct ovs_list new_node;     /* In vtep_faults 'new', if not popped. */
    char *object;                 /* What is faulty, e.g. "Logical_Switch x".*/
    char *port;                   /* Port name, for VTEP_FAULT_PORT scope. */
    enum vtep_fault_code code;
    char *detail;                 /* What exactly is wrong. */
};

struct vtep_faults {
    struct hmap faults;           /* Contains "struct vtep_fault"s. */
    struct ovs_list new;          /* Faults not yet returned by pop_new. */
    unsigned int seqno;           /* Changes whenever the set changes. */

    /* Fault columns (see the top of this file). */
    struct hmap targets;          /* "struct vtep_fault_target"s. */
    struct ovs_list changed;      /* Targets whose key set changed. */

    /* Faults visited by the operations that walk the whole registry
     * (vtep_faults_clear_code(), vtep_faults_format()): the others must
     * not, which the unit tests check with this. */
    unsigned long long int n_walked;
};

void vtep_faults_init(struct vtep_faults *);
void vtep_faults_destroy(struct vtep_faults *);

void vtep_faults_set(struct vtep_faults *, enum vtep_fault_code,
                     const char *object, const char *port,
                     const char *detail_fmt, ...)
    OVS_PRINTF_FORMAT(5, 6);
void vtep_faults_clear(struct vtep_faults *, const char *object);
bool vtep_faults_clear_code(struct vtep_faults *, enum vtep_fault_code);
const struct vtep_fault *vtep_faults_find(const struct vtep_faults *,
                                          const char *object);
size_t vtep_faults_count(const struct vtep_faults *);

static inline unsigned int
vtep_faults_seqno(const struct vtep_faults *faults)
{
    return faults->seqno;
}

const struct vtep_fault *vtep_faults_pop_new(struct vtep_faults *);

void vtep_faults_switch_keys(const struct vtep_faults *, struct sset *keys);
void vtep_faults_port_keys(const struct vtep_faults *, const char *port,
                           struct sset *keys);

void vtep_faults_mark_changed(struct vtep_faults *, const char *port);
bool vtep_faults_pop_changed(struct vtep_faults *, char **port);

/* vtep_faults_format() lists at most this many faults, then a count. */
#define VTEP_FAULTS_FORMAT_MAX 100
void vtep_faults_format(const struct vtep_faults *, struct ds *);

#endif /* vtep-fault.h */

/*
 * vtep-dp.h: the datapath, as vtepd uses it.
 *
 * vtep_dp_open() picks a provider by type name ("user", "kernel",
 * "dummy"); the rest of this interface forwards to it.  See
 * vtep-dp-provider.h for the contract every provider keeps.
 */
#ifndef VTEP_DP_H
#define VTEP_DP_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "openvswitch/types.h"
#include "packets.h"
#include "vtep-types.h"

struct ds;
struct vtep_dp;

/* What a datapath is opened with. */
struct vtep_dp_config {
    const char *name;                /* Physical_Switch name. */
    ovs_be32 tunnel_ip;              /* Our one VXLAN tunnel endpoint. */
    uint16_t udp_port;               /* VXLAN UDP port, host order. */
    char **ports;                    /* Trunk port (netdev) names. */
    size_t n_ports;
    unsigned int mac_aging;          /* Seconds; 0 disables aging. */
    unsigned int mac_limit;          /* Learned MACs per VNI; 0: no limit. */
    unsigned int mac_limit_port;     /* Learned MACs per port; 0: none. */
};

/* A logical switch, as the datapath sees it. */
struct vtep_dp_ls {
    uint32_t vni;                    /* 1..16777215. */
    enum vtep_repl_mode mode;
    const char *name;                /* Logical_Switch name, for messages. */
};

enum vtep_learn_type {
    VTEP_LEARN_ADD,                  /* New MAC, or one that moved. */
    VTEP_LEARN_DEL,                  /* Aged out, or its binding went away. */
    VTEP_LEARN_FULL,                 /* A limit ('limit') refused a new MAC.
                                      * 'mac' is the broadcast MAC. */
    VTEP_LEARN_ROOM,                 /* That limit has room again. */
};

/* Which limit a FULL or ROOM event is about. */
enum vtep_learn_limit {
    VTEP_LEARN_LIMIT_VNI,            /* --mac-limit: the VNI 'vni'. */
    VTEP_LEARN_LIMIT_PORT,           /* --mac-limit-port: 'port' ('vni' is
                                      * 0). */
    VTEP_LEARN_LIMIT_TABLE,          /* The datapath's whole table ('vni'
                                      * is 0, 'port' empty). */
};

#define VTEP_PORT_NAME_MAX 64

/* One learning event. */
struct vtep_dp_learned {
    enum vtep_learn_type type;
    uint32_t vni;
    struct eth_addr mac;
    char port[VTEP_PORT_NAME_MAX];   /* Where it was seen. */
    uint16_t vlan;
    ovs_be32 ip;                     /* From ARP, or 0 if not known. */
    enum vtep_learn_limit limit;     /* FULL and ROOM only. */
};

/* Logical_Binding_Stats, from the point of view of one (port, vlan). */
struct vtep_dp_binding_stats {
    uint64_t packets_from_local;
    uint64_t bytes_from_local;
    uint64_t packets_to_local;
    uint64_t bytes_to_local;
};

int vtep_dp_open(const char *type, const struct vtep_dp_config *,
                 struct vtep_dp **);
void vtep_dp_close(struct vtep_dp *);
const char *vtep_dp_type(const struct vtep_dp *);
bool vtep_dp_type_is_known(const char *type);
void vtep_dp_types(struct ds *);

void vtep_dp_run(struct vtep_dp *);
void vtep_dp_wait(struct vtep_dp *);

int vtep_dp_ls_set(struct vtep_dp *, const struct vtep_dp_ls *);
int vtep_dp_ls_del(struct vtep_dp *, uint32_t vni);
int vtep_dp_binding_add(struct vtep_dp *, const char *port, uint16_t vlan,
                        uint32_t vni);
int vtep_dp_binding_del(struct vtep_dp *, const char *port, uint16_t vlan);
int vtep_dp_ucast_set(struct vtep_dp *, uint32_t vni, struct eth_addr,
                      ovs_be32 remote);
int vtep_dp_ucast_del(struct vtep_dp *, uint32_t vni, struct eth_addr);
int vtep_dp_flood_set(struct vtep_dp *, uint32_t vni, struct eth_addr,
                      const ovs_be32 *remotes, size_t n_remotes);
size_t vtep_dp_learned_poll(struct vtep_dp *, struct vtep_dp_learned *,
                            size_t max);
int vtep_dp_binding_stats(struct vtep_dp *, const char *port, uint16_t vlan,
                          struct vtep_dp_binding_stats *);
void vtep_dp_format_stats(struct vtep_dp *, struct ds *);

#endif /* vtep-dp.h */

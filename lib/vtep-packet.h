/*
 * vtep-packet.h: the packet codec of the userspace datapath.
 *
 * Pure functions over byte buffers: they parse what arrives on a VLAN trunk
 * port or a VXLAN tunnel, add or remove 802.1Q tags in place, build the
 * VXLAN encapsulation (RFC 7348), hash an inner flow into an outer UDP
 * source port, and read ARP sender addresses for Ucast_Macs_Local.  They do
 * no I/O, allocate nothing, keep no state and do not log, so they are safe
 * to call from any thread at packet rate.
 *
 * Buffers may have any alignment: every multi-byte field is read and
 * written byte-wise (through memcpy), never through a cast to a header
 * struct.
 *
 * Parsers return an enum vtep_pkt_drop: VTEP_PKT_OK (0), or the reason why
 * the input is unusable.  The datapath counts drops per reason and shows
 * them by name (vtep_pkt_drop_to_string()).  Builders return 0 or a
 * positive errno.
 *
 * A typical use, trunk port to tunnel (the UDP payload goes out on a
 * socket, after the IPv4, UDP and VXLAN headers of put_encap()):
 *
 *     struct vtep_pkt_eth eth;
 *     if (vtep_pkt_parse_eth(p, n, &eth) != VTEP_PKT_OK) { ...count... }
 *     ...(port, eth.vid) -> VNI; learn eth.src; look up eth.dst...
 *     uint32_t hash = vtep_pkt_flow_hash(p, n, &eth, basis);
 *     vtep_pkt_vlan_pop(&p, &n);                   (one 12-byte memmove)
 *     vtep_pkt_vxlan_put_encap(hdr, &tunnel, vni,
 *                              vtep_pkt_udp_src_port(hash, ...), n);
 *
 * and tunnel to trunk port, on the UDP payload of a received datagram:
 *
 *     struct vtep_pkt_vxlan vx;
 *     if (vtep_pkt_vxlan_decap(p, n, 0, &vx) != VTEP_PKT_OK) { ... }
 *     p += vx.inner_ofs; n = vx.inner_len;  (the 8-byte VXLAN header is
 *                                            now headroom for a tag)
 *     vtep_pkt_vlan_push(&p, &n, vid);            (one 12-byte memmove)
 */
#ifndef VTEP_PACKET_H
#define VTEP_PACKET_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "openvswitch/types.h"
#include "packets.h"

/* Reasons for which a parser rejects its input.  The names are stable:
 * they appear in counters that operators and tests read. */
#define VTEP_PKT_DROP_REASONS                                             \
    /* Ethernet, on a trunk port or inside a tunnel. */                   \
    VTEP_PKT_DROP_REASON(RUNT, "runt")                                    \
    VTEP_PKT_DROP_REASON(BAD_SRC_MAC, "bad-src-mac")                      \
    /* VXLAN. */                                                          \
    VTEP_PKT_DROP_REASON(VXLAN_TOO_SHORT, "vxlan-too-short")              \
    VTEP_PKT_DROP_REASON(BAD_VXLAN_FLAGS, "bad-vxlan-flags")              \
    VTEP_PKT_DROP_REASON(INNER_VLAN_TAG, "inner-vlan-tag")

enum vtep_pkt_drop {
    VTEP_PKT_OK = 0,
#define VTEP_PKT_DROP_REASON(ENUM, NAME) VTEP_PKT_DROP_##ENUM,
    VTEP_PKT_DROP_REASONS
#undef VTEP_PKT_DROP_REASON
    VTEP_PKT_N_DROPS            /* Number of values, VTEP_PKT_OK included. */
};

/* Returns the name of 'reason' ("ok" for VTEP_PKT_OK, "unknown" for a value
 * out of range). */
const char *vtep_pkt_drop_to_string(enum vtep_pkt_drop reason);

/* Ethernet and 802.1Q.
 * ==================== */

/* A parsed Ethernet header, with at most one (the outer) VLAN tag. */
struct vtep_pkt_eth {
    struct eth_addr dst;
    struct eth_addr src;
    uint16_t vid;               /* 0: untagged, or priority-tagged. */
    ovs_be16 eth_type;          /* Type after the outer tag, if any.  Below
                                 * ETH_TYPE_MIN it is an 802.3 length. */
    uint16_t l3_ofs;            /* ETH_HEADER_LEN, or VLAN_ETH_HEADER_LEN
                                 * if the frame carries a tag. */
};

static inline bool
vtep_pkt_eth_is_tagged(const struct vtep_pkt_eth *eth)
{
    return eth->l3_ofs != ETH_HEADER_LEN;
}

/* True for the TPIDs that start a VLAN tag: 802.1Q and 802.1ad. */
static inline bool
vtep_pkt_is_vlan_tpid(ovs_be16 eth_type)
{
    return (eth_type == htons(ETH_TYPE_VLAN_8021Q)
            || eth_type == htons(ETH_TYPE_VLAN_8021AD));
}

enum vtep_pkt_drop vtep_pkt_parse_eth(const uint8_t *frame, size_t len,
                                      struct vtep_pkt_eth *);

/* Bytes of headroom that vtep_pkt_vlan_push() needs before the frame. */
#define VTEP_PKT_VLAN_HEADROOM VLAN_HEADER_LEN

int vtep_pkt_vlan_push(uint8_t **framep, size_t *lenp, uint16_t vid);
int vtep_pkt_vlan_pop(uint8_t **framep, size_t *lenp);

/* VXLAN (RFC 7348).
 * ================= */

#define VTEP_PKT_VXLAN_HLEN 8       /* The VXLAN header alone. */
#define VTEP_PKT_ENCAP_LEN (ETH_HEADER_LEN + IP_HEADER_LEN \
                            + UDP_HEADER_LEN + VTEP_PKT_VXLAN_HLEN)
#define VTEP_PKT_VXLAN_FLAG_I 0x08  /* "VNI valid": the one flag in use. */
#define VTEP_PKT_DEFAULT_TTL 64

/* Largest inner frame that fits the 16-bit IPv4 total length. */
#define VTEP_PKT_INNER_MAX (UINT16_MAX - IP_HEADER_LEN - UDP_HEADER_LEN \
                            - VTEP_PKT_VXLAN_HLEN)

/* The constant part of the encapsulation towards one remote VTEP. */
struct vtep_pkt_tunnel {
    struct eth_addr eth_dst;    /* Next hop on the underlay (raw path). */
    struct eth_addr eth_src;    /* Our underlay MAC (raw path). */
    ovs_be32 ip_src;            /* Our tunnel IP. */
    ovs_be32 ip_dst;            /* The remote VTEP. */
    ovs_be16 udp_dst;           /* Usually htons(VTEP_VXLAN_PORT). */
    uint8_t ttl;                /* 0 means VTEP_PKT_DEFAULT_TTL. */
    uint8_t tos;                /* DSCP and ECN of the outer header. */
};

int vtep_pkt_vxlan_put_header(uint8_t hdr[VTEP_PKT_VXLAN_HLEN],
                              uint32_t vni);
int vtep_pkt_vxlan_put_encap(uint8_t hdr[VTEP_PKT_ENCAP_LEN],
                             const struct vtep_pkt_tunnel *, uint32_t vni,
                             ovs_be16 udp_src, size_t inner_len);

/* Options of the decapsulation functions, or-ed together. */
enum vtep_pkt_decap_flags {
    /* Accept inner frames with an 802.1Q or 802.1ad tag.  RFC 7348
     * section 6: such frames "SHOULD be discarded unless configured
     * otherwise"; without this flag they are (VTEP_PKT_DROP_INNER_VLAN_TAG).
     */
    VTEP_PKT_DECAP_INNER_VLAN = 1 << 0,
};

/* What a valid VXLAN packet carries. */
struct vtep_pkt_vxlan {
    uint32_t vni;
    size_t inner_ofs;           /* The inner frame, within the input. */
    size_t inner_len;
    struct vtep_pkt_eth inner;  /* Its parsed Ethernet header. */
};

enum vtep_pkt_drop vtep_pkt_vxlan_decap(const uint8_t *payload, size_t len,
                                        unsigned int flags,
                                        struct vtep_pkt_vxlan *);

/* Outer UDP source port.
 * ====================== */

/* RFC 7348 section 5 recommends the dynamic/private port range. */
#define VTEP_PKT_SPORT_MIN 49152
#define VTEP_PKT_SPORT_MAX 65535

uint32_t vtep_pkt_flow_hash(const uint8_t *frame, size_t len,
                            const struct vtep_pkt_eth *, uint32_t basis);
ovs_be16 vtep_pkt_udp_src_port(uint32_t hash, uint16_t min, uint16_t max);

/* Checksums left to offload.
 * ========================== */

/* A sender with transmit checksum offload (the default on veth, virtio,
 * tap with vnet headers) hands a TCP or UDP packet to the stack with only
 * the pseudo-header sum in its checksum field, expecting the device to
 * finish it.  A packet socket (libpcap) sees it like that, and so does a
 * UDP socket that receives it inside VXLAN: a forwarder must finish it, or
 * the receiver drops the packet. */
bool vtep_pkt_csum_complete(uint8_t *frame, size_t len,
                            const struct vtep_pkt_eth *);

/* ARP.
 * ==== */

/* An Ethernet/IPv4 ARP request or reply. */
struct vtep_pkt_arp {
    uint16_t op;                /* ARP_OP_REQUEST or ARP_OP_REPLY. */
    struct eth_addr sha;        /* Sender MAC. */
    ovs_be32 spa;               /* Sender IPv4; 0 in an ARP probe. */
    struct eth_addr tha;
    ovs_be32 tpa;
};

bool vtep_pkt_parse_arp(const uint8_t *l3, size_t len, struct vtep_pkt_arp *);

#endif /* vtep-packet.h */

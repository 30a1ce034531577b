/*
 * vtep-packet.c: the packet codec of the userspace datapath (see
 * vtep-packet.h for the overview).
 *
 * Everything here runs once or more per packet.  The rules that keep it
 * fast: no allocation, no locks, no logging; fields are read and written
 * in place with fixed-size memcpy() (which compiles to plain loads and
 * stores); the one memmove() on the common path moves the 12 bytes of MAC
 * addresses when a tag comes or goes; the IPv4 header checksum of an
 * encapsulation is summed from its fields, not from memory; and the outer
 * UDP checksum is left at zero (RFC 7348 section 5: it "SHOULD be
 * transmitted as zero").
 *
 * Field offsets come from the header structs of OVS's lib/packets.h
 * (offsetof), so the layouts are written down once.
 */
#include <config.h>
#include "vtep-packet.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include "csum.h"
#include "hash.h"
#include "util.h"
#include "vtep-types.h"

BUILD_ASSERT_DECL(VTEP_PKT_ENCAP_LEN == 50);
BUILD_ASSERT_DECL(sizeof(struct vxlanhdr) == VTEP_PKT_VXLAN_HLEN);

/* Offsets of the fields used below. */
#define ETH_DST_OFS  offsetof(struct eth_header, eth_dst)
#define ETH_SRC_OFS  offsetof(struct eth_header, eth_src)
#define ETH_TYPE_OFS offsetof(struct eth_header, eth_type)
#define VLAN_TCI_OFS offsetof(struct vlan_eth_header, veth_tci)
#define VLAN_NEXT_TYPE_OFS offsetof(struct vlan_eth_header, veth_next_type)
#define ETH_ADDRS_LEN (2 * ETH_ADDR_LEN)  /* Destination and source MAC. */

#define IP_IHL_VER_OFS  offsetof(struct ip_header, ip_ihl_ver)
#define IP_TOS_OFS      offsetof(struct ip_header, ip_tos)
#define IP_TOT_LEN_OFS  offsetof(struct ip_header, ip_tot_len)
#define IP_ID_OFS       offsetof(struct ip_header, ip_id)
#define IP_FRAG_OFF_OFS offsetof(struct ip_header, ip_frag_off)
#define IP_TTL_OFS      offsetof(struct ip_header, ip_ttl)
#define IP_PROTO_OFS    offsetof(struct ip_header, ip_proto)
#define IP_CSUM_OFS     offsetof(struct ip_header, ip_csum)
#define IP_SRC_OFS      offsetof(struct ip_header, ip_src)
#define IP_DST_OFS      offsetof(struct ip_header, ip_dst)

#define UDP_SRC_OFS  offsetof(struct udp_header, udp_src)
#define UDP_DST_OFS  offsetof(struct udp_header, udp_dst)
#define UDP_LEN_OFS  offsetof(struct udp_header, udp_len)
#define UDP_CSUM_OFS offsetof(struct udp_header, udp_csum)

#define VXLAN_FLAGS_OFS offsetof(struct vxlanhdr, vx_flags)
#define VXLAN_VNI_OFS   offsetof(struct vxlanhdr, vx_vni)

#define ARP_HRD_OFS offsetof(struct arp_eth_header, ar_hrd)
#define ARP_PRO_OFS offsetof(struct arp_eth_header, ar_pro)
#define ARP_HLN_OFS offsetof(struct arp_eth_header, ar_hln)
#define ARP_PLN_OFS offsetof(struct arp_eth_header, ar_pln)
#define ARP_OP_OFS  offsetof(struct arp_eth_header, ar_op)
#define ARP_SHA_OFS offsetof(struct arp_eth_header, ar_sha)
#define ARP_SPA_OFS offsetof(struct arp_eth_header, ar_spa)
#define ARP_THA_OFS offsetof(struct arp_eth_header, ar_tha)
#define ARP_TPA_OFS offsetof(struct arp_eth_header, ar_tpa)

/* Byte-wise access to wire fields at any alignment. */

static inline ovs_be16
get_be16(const uint8_t *p)
{
    ovs_be16 x;
    memcpy(&x, p, sizeof x);
    return x;
}

static inline ovs_be32
get_be32(const uint8_t *p)
{
    ovs_be32 x;
    memcpy(&x, p, sizeof x);
    return x;
}

static inline struct eth_addr
get_eth_addr(const uint8_t *p)
{
    struct eth_addr ea;
    memcpy(&ea, p, sizeof ea);
    return ea;
}

static inline void
put_be16(uint8_t *p, ovs_be16 x)
{
    memcpy(p, &x, sizeof x);
}

static inline void
put_be32(uint8_t *p, ovs_be32 x)
{
    memcpy(p, &x, sizeof x);
}

static inline void
put_eth_addr(uint8_t *p, const struct eth_addr ea)
{
    memcpy(p, &ea, sizeof ea);
}

const char *
vtep_pkt_drop_to_string(enum vtep_pkt_drop reason)
{
    switch (reason) {
    case VTEP_PKT_OK:
        return "ok";
#define VTEP_PKT_DROP_REASON(ENUM, NAME) \
    case VTEP_PKT_DROP_##ENUM:           \
        return NAME;
    VTEP_PKT_DROP_REASONS
#undef VTEP_PKT_DROP_REASON
    case VTEP_PKT_N_DROPS:
        break;
    }
    return "unknown";
}

/* Ethernet and 802.1Q.
 * ==================== */

/* Parses the Ethernet header of the 'len'-byte 'frame' into '*eth'.
 *
 * One VLAN tag is understood, with TPID 0x8100 (802.1Q) or 0x88a8
 * (802.1ad).  A priority-tagged frame (VID 0) counts as untagged
 * (eth->vid == 0), but its tag is still skipped (eth->l3_ofs == 18) and
 * removed by vtep_pkt_vlan_pop().  A double-tagged frame (0x88a8 or 0x8100,
 * then 0x8100) is classified by its outer tag: eth->vid is the outer VID
 * and eth->eth_type the TPID of the inner tag, which stays in the payload;
 * such a frame goes into a tunnel with its inner tag, which the receiver
 * may refuse (RFC 7348 section 6).
 *
 * Returns VTEP_PKT_DROP_RUNT for a frame shorter than its header (14 bytes,
 * or 18 with a tag), VTEP_PKT_DROP_BAD_SRC_MAC for a multicast or all-zero
 * source MAC (which no station may send and no bridge may learn; the Linux
 * bridge drops these too), else VTEP_PKT_OK.  On failure '*eth' is
 * unspecified. */
enum vtep_pkt_drop
vtep_pkt_parse_eth(const uint8_t *frame, size_t len, struct vtep_pkt_eth *eth)
{
    if (len < ETH_HEADER_LEN) {
        return VTEP_PKT_DROP_RUNT;
    }
    eth->dst = get_eth_addr(frame + ETH_DST_OFS);
    eth->src = get_eth_addr(frame + ETH_SRC_OFS);

    ovs_be16 type = get_be16(frame + ETH_TYPE_OFS);
    if (vtep_pkt_is_vlan_tpid(type)) {
        if (len < VLAN_ETH_HEADER_LEN) {
            return VTEP_PKT_DROP_RUNT;
        }
        eth->vid = vlan_tci_to_vid(get_be16(frame + VLAN_TCI_OFS));
        eth->eth_type = get_be16(frame + VLAN_NEXT_TYPE_OFS);
        eth->l3_ofs = VLAN_ETH_HEADER_LEN;
    } else {
        eth->vid = 0;
        eth->eth_type = type;
        eth->l3_ofs = ETH_HEADER_LEN;
    }

    if (eth_addr_is_multicast(eth->src) || eth_addr_is_zero(eth->src)) {
        return VTEP_PKT_DROP_BAD_SRC_MAC;
    }
    return VTEP_PKT_OK;
}

/* Inserts an 802.1Q tag (TPID 0x8100, PCP 0) for 'vid' after the MAC
 * addresses of the '*lenp'-byte frame at '*framep', in place: the 12 bytes
 * of MAC addresses move into the VTEP_PKT_VLAN_HEADROOM bytes that the
 * caller guarantees before '*framep', and '*framep' and '*lenp' are updated
 * to the tagged frame.  A frame that already has a tag gets a second, outer
 * one.  'vid' 0 means untagged: nothing changes.
 *
 * Returns 0, or EINVAL if the frame is shorter than an Ethernet header or
 * 'vid' does not fit 12 bits. */
int
vtep_pkt_vlan_push(uint8_t **framep, size_t *lenp, uint16_t vid)
{
    if (*lenp < ETH_HEADER_LEN || vid > VLAN_VID_MASK) {
        return EINVAL;
    }
    if (!vid) {
        return 0;
    }

    uint8_t *frame = *framep - VLAN_HEADER_LEN;
    memmove(frame, *framep, ETH_ADDRS_LEN);
    put_be16(frame + ETH_TYPE_OFS, htons(ETH_TYPE_VLAN_8021Q));
    put_be16(frame + VLAN_TCI_OFS, htons(vid));

    *framep = frame;
    *lenp += VLAN_HEADER_LEN;
    return 0;
}

/* Removes the outer VLAN tag (802.1Q or 802.1ad, priority tags included)
 * of the '*lenp'-byte frame at '*framep', in place: the 12 bytes of MAC
 * addresses move forward over the tag, and '*framep' and '*lenp' are
 * updated.  An untagged frame is left as it is.
 *
 * Returns 0, or EINVAL if the frame is shorter than its header. */
int
vtep_pkt_vlan_pop(uint8_t **framep, size_t *lenp)
{
    uint8_t *frame = *framep;

    if (*lenp < ETH_HEADER_LEN) {
        return EINVAL;
    }
    if (!vtep_pkt_is_vlan_tpid(get_be16(frame + ETH_TYPE_OFS))) {
        return 0;
    }
    if (*lenp < VLAN_ETH_HEADER_LEN) {
        return EINVAL;
    }

    memmove(frame + VLAN_HEADER_LEN, frame, ETH_ADDRS_LEN);
    *framep = frame + VLAN_HEADER_LEN;
    *lenp -= VLAN_HEADER_LEN;
    return 0;
}

/* VXLAN encapsulation.
 * ==================== */

/* Writes the 8-byte VXLAN header for 'vni' into 'hdr': the I flag set,
 * reserved fields zero (RFC 7348 section 5).  This is all that goes in
 * front of the inner frame when the datagram is sent on a UDP socket.
 *
 * Returns 0, or EINVAL if 'vni' does not fit 24 bits. */
int
vtep_pkt_vxlan_put_header(uint8_t hdr[VTEP_PKT_VXLAN_HLEN], uint32_t vni)
{
    if (vni > VTEP_VNI_MAX) {
        return EINVAL;
    }
    put_be32(hdr + VXLAN_FLAGS_OFS, htonl(VXLAN_FLAGS));
    put_be32(hdr + VXLAN_VNI_OFS, htonl(vni << 8));
    return 0;
}

/* Returns the IPv4 header checksum of an encapsulation header, summed from
 * the field values (host byte order) rather than read back from memory. */
static ovs_be16
encap_ip_csum(uint8_t tos, uint16_t tot_len, uint8_t ttl, uint32_t src,
              uint32_t dst)
{
    uint32_t sum = ((IP_IHL_VER(IP_HEADER_LEN / 4, IP_VERSION) << 8 | tos)
                    + tot_len
                    + 0                         /* ip_id */
                    + IP_DONT_FRAGMENT          /* ip_frag_off */
                    + (ttl << 8 | IPPROTO_UDP)
                    + (src >> 16) + (src & 0xffff)
                    + (dst >> 16) + (dst & 0xffff));
    sum = (sum >> 16) + (sum & 0xffff);
    sum += sum >> 16;
    return htons(~sum & 0xffff);
}

/* Writes into 'hdr' the VTEP_PKT_ENCAP_LEN (50) bytes of Ethernet, IPv4,
 * UDP and VXLAN headers that go in front of an 'inner_len'-byte inner
 * frame sent to 't' with 'vni' and outer UDP source port 'udp_src' (see
 * vtep_pkt_udp_src_port()).  'hdr' may be the caller's headroom just before
 * the inner frame, or a separate buffer for a gather write.
 *
 * The inner frame should be untagged (RFC 7348 section 6); this function
 * does not look at it.  The outer frame is untagged; vtep_pkt_vlan_push()
 * on the result adds an underlay tag if one is wanted.
 *
 * The IPv4 header has no options, DF set and ID 0: RFC 7348 section 4.3
 * says VTEPs must not fragment VXLAN packets, and an atomic datagram may
 * carry any ID (RFC 6864), so no per-packet counter is needed.  The UDP
 * checksum is zero.
 *
 * Returns 0; EINVAL if 'vni' does not fit 24 bits or 'inner_len' is
 * shorter than an Ethernet header; EMSGSIZE if 'inner_len' exceeds
 * VTEP_PKT_INNER_MAX. */
int
vtep_pkt_vxlan_put_encap(uint8_t hdr[VTEP_PKT_ENCAP_LEN],
                         const struct vtep_pkt_tunnel *t, uint32_t vni,
                         ovs_be16 udp_src, size_t inner_len)
{
    if (vni > VTEP_VNI_MAX || inner_len < ETH_HEADER_LEN) {
        return EINVAL;
    }
    if (inner_len > VTEP_PKT_INNER_MAX) {
        return EMSGSIZE;
    }

    uint8_t *eth = hdr;
    uint8_t *ip = eth + ETH_HEADER_LEN;
    uint8_t *udp = ip + IP_HEADER_LEN;
    uint8_t *vxlan = udp + UDP_HEADER_LEN;
    uint16_t udp_len = UDP_HEADER_LEN + VTEP_PKT_VXLAN_HLEN + inner_len;
    uint16_t tot_len = IP_HEADER_LEN + udp_len;
    uint8_t ttl = t->ttl ? t->ttl : VTEP_PKT_DEFAULT_TTL;

    put_eth_addr(eth + ETH_DST_OFS, t->eth_dst);
    put_eth_addr(eth + ETH_SRC_OFS, t->eth_src);
    put_be16(eth + ETH_TYPE_OFS, htons(ETH_TYPE_IP));

    ip[IP_IHL_VER_OFS] = IP_IHL_VER(IP_HEADER_LEN / 4, IP_VERSION);
    ip[IP_TOS_OFS] = t->tos;
    put_be16(ip + IP_TOT_LEN_OFS, htons(tot_len));
    put_be16(ip + IP_ID_OFS, htons(0));
    put_be16(ip + IP_FRAG_OFF_OFS, htons(IP_DONT_FRAGMENT));
    ip[IP_TTL_OFS] = ttl;
    ip[IP_PROTO_OFS] = IPPROTO_UDP;
    put_be16(ip + IP_CSUM_OFS, encap_ip_csum(t->tos, tot_len, ttl,
                                             ntohl(t->ip_src),
                                             ntohl(t->ip_dst)));
    put_be32(ip + IP_SRC_OFS, t->ip_src);
    put_be32(ip + IP_DST_OFS, t->ip_dst);

    put_be16(udp + UDP_SRC_OFS, udp_src);
    put_be16(udp + UDP_DST_OFS, t->udp_dst);
    put_be16(udp + UDP_LEN_OFS, htons(udp_len));
    put_be16(udp + UDP_CSUM_OFS, htons(0));

    return vtep_pkt_vxlan_put_header(vxlan, vni);
}

/* VXLAN decapsulation.
 * ==================== */

/* Validates the 'len'-byte UDP payload of a datagram received on the VXLAN
 * port and fills in '*vx'.  'flags' is a set of VTEP_PKT_DECAP_*.
 *
 * Following RFC 7348 section 5, the I flag must be set and every reserved
 * bit, in the flags byte and elsewhere, is ignored: a nonzero reserved bit
 * is not a reason to drop (extensions such as Group Policy set some).
 *
 * Returns VTEP_PKT_OK, or VTEP_PKT_DROP_VXLAN_TOO_SHORT (no room for the
 * VXLAN header and an inner Ethernet header), VTEP_PKT_DROP_BAD_VXLAN_FLAGS
 * (I flag clear), VTEP_PKT_DROP_INNER_VLAN_TAG (see
 * VTEP_PKT_DECAP_INNER_VLAN), or a reason from vtep_pkt_parse_eth() about
 * the inner frame.  On failure '*vx' is unspecified. */
enum vtep_pkt_drop
vtep_pkt_vxlan_decap(const uint8_t *payload, size_t len, unsigned int flags,
                     struct vtep_pkt_vxlan *vx)
{
    if (len < VTEP_PKT_VXLAN_HLEN + ETH_HEADER_LEN) {
        return VTEP_PKT_DROP_VXLAN_TOO_SHORT;
    }
    if (!(payload[VXLAN_FLAGS_OFS] & VTEP_PKT_VXLAN_FLAG_I)) {
        return VTEP_PKT_DROP_BAD_VXLAN_FLAGS;
    }
    vx->vni = ntohl(get_be32(payload + VXLAN_VNI_OFS)) >> 8;
    vx->inner_ofs = VTEP_PKT_VXLAN_HLEN;
    vx->inner_len = len - VTEP_PKT_VXLAN_HLEN;

    enum vtep_pkt_drop reason = vtep_pkt_parse_eth(payload + vx->inner_ofs,
                                                   vx->inner_len,
                                                   &vx->inner);
    if (reason != VTEP_PKT_OK) {
        return reason;
    }
    if (vtep_pkt_eth_is_tagged(&vx->inner)
        && !(flags & VTEP_PKT_DECAP_INNER_VLAN)) {
        return VTEP_PKT_DROP_INNER_VLAN_TAG;
    }
    return VTEP_PKT_OK;
}

/* Outer UDP source port.
 * ====================== */

/* Returns a hash of the flow that the 'len'-byte 'frame', parsed into
 * '*eth' by vtep_pkt_parse_eth(), belongs to, for the outer UDP source
 * port (RFC 7348 section 5) and so for ECMP in the underlay.  It covers
 * the MAC addresses and the type; for IPv4, the addresses and protocol;
 * for TCP and UDP, the ports too, except in fragments (whose later pieces
 * have no ports, and all pieces of a datagram must hash alike).  The VLAN
 * tag is not covered: a frame hashes the same tagged or untagged.  An IPv4
 * header too short or malformed to use is left out rather than failing.
 *
 * 'basis' seeds the hash (a per-process random value keeps a remote party
 * from predicting it). */
uint32_t
vtep_pkt_flow_hash(const uint8_t *frame, size_t len,
                   const struct vtep_pkt_eth *eth, uint32_t basis)
{
    /* The 12 bytes of MAC addresses as 3 words, then the type: 16 bytes.
     * The words are in whatever byte order the host has, which is fine for
     * a hash that never leaves the host. */
    const uint16_t *d = (OVS_FORCE const uint16_t *) eth->dst.be16;
    const uint16_t *s = (OVS_FORCE const uint16_t *) eth->src.be16;
    uint32_t hash = basis;
    uint32_t n = 16;

    hash = hash_add(hash, (uint32_t) d[0] << 16 | d[1]);
    hash = hash_add(hash, (uint32_t) d[2] << 16 | s[0]);
    hash = hash_add(hash, (uint32_t) s[1] << 16 | s[2]);
    hash = hash_add(hash, (OVS_FORCE uint16_t) eth->eth_type);

    if (eth->eth_type == htons(ETH_TYPE_IP)
        && len >= eth->l3_ofs + IP_HEADER_LEN) {
        const uint8_t *ip = frame + eth->l3_ofs;
        size_t ip_room = len - eth->l3_ofs;
        size_t ihl = IP_IHL(ip[IP_IHL_VER_OFS]) * 4;

        if (IP_VER(ip[IP_IHL_VER_OFS]) == IP_VERSION
            && ihl >= IP_HEADER_LEN && ihl <= ip_room) {
            uint8_t proto = ip[IP_PROTO_OFS];

            ovs_be32 src = get_be32(ip + IP_SRC_OFS);
            ovs_be32 dst = get_be32(ip + IP_DST_OFS);

            hash = hash_add(hash, (OVS_FORCE uint32_t) src);
            hash = hash_add(hash, (OVS_FORCE uint32_t) dst);
            hash = hash_add(hash, proto);
            n += 12;

            if ((proto == IPPROTO_TCP || proto == IPPROTO_UDP)
                && !IP_IS_FRAGMENT(get_be16(ip + IP_FRAG_OFF_OFS))
                && ip_room >= ihl + 4) {
                /* Source and destination port, the first 4 bytes of both
                 * TCP and UDP headers. */
                hash = hash_add(hash,
                                (OVS_FORCE uint32_t) get_be32(ip + ihl));
                n += 4;
            }
        }
    }
    return hash_finish(hash, n);
}

/* Maps 'hash' evenly onto a UDP port in [min, max] (the two are swapped if
 * 'min' > 'max'), by multiplication rather than division.  RFC 7348
 * recommends VTEP_PKT_SPORT_MIN..VTEP_PKT_SPORT_MAX. */
ovs_be16
vtep_pkt_udp_src_port(uint32_t hash, uint16_t min, uint16_t max)
{
    if (min > max) {
        uint16_t tmp = min;
        min = max;
        max = tmp;
    }
    uint64_t range = (uint64_t) max - min + 1;
    return htons(min + ((hash * range) >> 32));
}

/* Checksums left to offload.
 * ========================== */

/* Finishes the L4 checksum at 'l4' + 'csum_ofs' of an 'l4_len'-byte TCP or
 * UDP segment whose pseudo-header sums to 'pseudo', if the field holds
 * just that sum (folded, not inverted: what Linux leaves for a device with
 * CHECKSUM_PARTIAL).  Returns true if it wrote the field. */
static bool
l4_csum_complete(uint8_t *l4, size_t l4_len, size_t csum_ofs, bool udp,
                 uint32_t pseudo)
{
    ovs_be16 field = get_be16(l4 + csum_ofs);
    ovs_be16 partial = ~csum_finish(pseudo);

    if (field != partial || (udp && field == htons(0))) {
        return false;
    }
    put_be16(l4 + csum_ofs, htons(0));
    ovs_be16 sum = csum_finish(csum_continue(pseudo, l4, l4_len));
    if (udp && sum == htons(0)) {
        sum = htons(0xffff);        /* RFC 768: 0 means "no checksum". */
    }
    put_be16(l4 + csum_ofs, sum);
    return sum != field;
}

/* If the 'len'-byte 'frame', parsed into '*eth', is an IPv4 or IPv6
 * (without extension headers) TCP or UDP packet whose checksum field holds
 * only its pseudo-header sum, as a sender that leaves checksums to offload
 * writes it, computes the real checksum in place.  Returns true if the
 * frame changed.
 *
 * No metadata says whether the field is a partial sum: libpcap does not
 * pass on the kernel's TP_STATUS_CSUMNOTREADY, and a VXLAN payload has
 * nothing of the kind.  The field is compared with the pseudo-header sum
 * instead, which costs a dozen additions per TCP or UDP packet; the one
 * pass over the payload is paid only on a match.  A packet whose correct
 * checksum happens to equal its pseudo-header sum (1 in 65536) is
 * rewritten with the same value, so only a corrupted packet whose wrong
 * checksum equals that sum could be "repaired", a chance the link CRC and
 * the receiver's own check already make negligible.  Fragments are left
 * alone (no sender offloads their checksum). */
bool
vtep_pkt_csum_complete(uint8_t *frame, size_t len,
                       const struct vtep_pkt_eth *eth)
{
    if (len < eth->l3_ofs) {
        return false;
    }
    uint8_t *l3 = frame + eth->l3_ofs;
    size_t room = len - eth->l3_ofs;
    uint32_t pseudo;
    uint8_t proto;
    uint8_t *l4;
    size_t l4_len;

    if (eth->eth_type == htons(ETH_TYPE_IP)) {
        if (room < IP_HEADER_LEN || IP_VER(l3[IP_IHL_VER_OFS]) != IP_VERSION) {
            return false;
        }
        size_t ihl = IP_IHL(l3[IP_IHL_VER_OFS]) * 4;
        size_t tot_len = ntohs(get_be16(l3 + IP_TOT_LEN_OFS));
        if (ihl < IP_HEADER_LEN || tot_len < ihl || tot_len > room
            || IP_IS_FRAGMENT(get_be16(l3 + IP_FRAG_OFF_OFS))) {
            return false;
        }
        proto = l3[IP_PROTO_OFS];
        l4 = l3 + ihl;
        l4_len = tot_len - ihl;
        pseudo = csum_add32(0, get_be32(l3 + IP_SRC_OFS));
        pseudo = csum_add32(pseudo, get_be32(l3 + IP_DST_OFS));
        pseudo = csum_add16(pseudo, htons(proto));
        pseudo = csum_add16(pseudo, htons(l4_len));
    } else if (eth->eth_type == htons(ETH_TYPE_IPV6)) {
        if (room < IPV6_HEADER_LEN || l3[0] >> 4 != 6) {
            return false;
        }
        l4_len = ntohs(get_be16(l3 + 4));
        proto = l3[6];
        if (l4_len > room - IPV6_HEADER_LEN) {
            return false;
        }
        l4 = l3 + IPV6_HEADER_LEN;
        pseudo = csum_continue(0, l3 + 8, 32);      /* Source, dest. */
        pseudo = csum_add32(pseudo, htonl(l4_len));
        pseudo = csum_add32(pseudo, htonl(proto));
    } else {
        return false;
    }

    if (proto == IPPROTO_TCP && l4_len >= TCP_HEADER_LEN) {
        return l4_csum_complete(l4, l4_len,
                                offsetof(struct tcp_header, tcp_csum),
                                false, pseudo);
    } else if (proto == IPPROTO_UDP && l4_len >= UDP_HEADER_LEN) {
        return l4_csum_complete(l4, l4_len, UDP_CSUM_OFS, true, pseudo);
    }
    return false;
}

/* ARP.
 * ==== */

/* Parses the 'len'-byte Ethernet payload 'l3' of a frame of type
 * ETH_TYPE_ARP as an Ethernet/IPv4 ARP request or reply into '*arp'.  The
 * sender addresses are what Ucast_Macs_Local's ipaddr is learned from; a
 * sender IPv4 of 0 (an ARP probe, RFC 5227) gives no address.
 *
 * Returns true if it is one, false if it is shorter than 28 bytes or not
 * hardware type 1, protocol 0x0800, lengths 6 and 4, operation 1 or 2.
 * False means "nothing to learn", not a drop: the frame itself is bridged
 * like any other.  On failure '*arp' is unspecified. */
bool
vtep_pkt_parse_arp(const uint8_t *l3, size_t len, struct vtep_pkt_arp *arp)
{
    if (len < ARP_ETH_HEADER_LEN) {
        return false;
    }
    arp->op = ntohs(get_be16(l3 + ARP_OP_OFS));
    if (get_be16(l3 + ARP_HRD_OFS) != htons(ARP_HRD_ETHERNET)
        || get_be16(l3 + ARP_PRO_OFS) != htons(ARP_PRO_IP)
        || l3[ARP_HLN_OFS] != ETH_ADDR_LEN
        || l3[ARP_PLN_OFS] != sizeof(ovs_be32)
        || (arp->op != ARP_OP_REQUEST && arp->op != ARP_OP_REPLY)) {
        return false;
    }
    arp->sha = get_eth_addr(l3 + ARP_SHA_OFS);
    arp->spa = get_be32(l3 + ARP_SPA_OFS);
    arp->tha = get_eth_addr(l3 + ARP_THA_OFS);
    arp->tpa = get_be32(l3 + ARP_TPA_OFS);
    return true;
}

/*
 * vtep-gso.c: software segmentation of TCP super-frames (see vtep-gso.h).
 */
#include <config.h>
#include "vtep-gso.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include "csum.h"
#include "packets.h"
#include "util.h"

#define TCP_SEQ_OFS   offsetof(struct tcp_header, tcp_seq)
#define TCP_CTL_OFS   offsetof(struct tcp_header, tcp_ctl)
#define TCP_CSUM_OFS  offsetof(struct tcp_header, tcp_csum)
#define IP4_TOT_LEN_OFS offsetof(struct ip_header, ip_tot_len)
#define IP4_ID_OFS    offsetof(struct ip_header, ip_id)
#define IP4_FRAG_OFS  offsetof(struct ip_header, ip_frag_off)
#define IP4_CSUM_OFS  offsetof(struct ip_header, ip_csum)
#define IP6_PLEN_OFS  4
#define IP6_NEXT_OFS  6
#define IP6_ADDRS_OFS 8

/* TCP flags (in the low byte of tcp_ctl). */
#define GSO_TCP_FIN 0x01
#define GSO_TCP_PSH 0x08
#define GSO_TCP_CWR 0x80

static ovs_be16
get16(const uint8_t *p)
{
    ovs_be16 x;
    memcpy(&x, p, sizeof x);
    return x;
}

static void
put16(uint8_t *p, ovs_be16 x)
{
    memcpy(p, &x, sizeof x);
}

static ovs_be32
get32(const uint8_t *p)
{
    ovs_be32 x;
    memcpy(&x, p, sizeof x);
    return x;
}

static void
put32(uint8_t *p, ovs_be32 x)
{
    memcpy(p, &x, sizeof x);
}

/* Splits the TCP packet in the 'len'-byte untagged Ethernet frame 'frame',
 * whose network header of type 'eth_type' starts at 'l3_ofs', into
 * segments of at most 'max_len' bytes each (Ethernet header included) and,
 * unless 'mss' is 0, at most 'mss' bytes of TCP payload each (the
 * gso_size that the sender's stack chose from the receiver's MSS, which
 * the segments must respect as the sender's device would have), built one
 * at a time in 'buf' (room for 'max_len' bytes) and handed to 'output' in
 * order.  Every segment carries the frame's Ethernet, IP and
 * TCP headers (options included), its share of the payload and the
 * sequence number of that share; FIN and PSH stay on the last segment
 * only, CWR on the first only; IPv4 segments get consecutive IDs from the
 * frame's (as a TSO device gives them) and their own header checksum; the
 * TCP checksum of each is computed in full, whatever the frame's field
 * held (a super-frame's is only the pseudo-header sum).  Bytes after the
 * IP packet (Ethernet padding) are not carried.
 *
 * Returns 0 and sets '*n_segs', or without calling 'output':
 *   EPROTONOSUPPORT  not IPv4 or IPv6 (without extension headers) TCP, or
 *                    an IPv4 fragment;
 *   EINVAL           inconsistent headers (lengths, data offset), or an
 *                    'mss' other than 0 below VTEP_GSO_MIN_MSS;
 *   EMSGSIZE         'max_len' leaves less than VTEP_GSO_MIN_MSS bytes of
 *                    payload after the headers. */
int
vtep_gso_segment(const uint8_t *frame, size_t len, size_t l3_ofs,
                 ovs_be16 eth_type, size_t max_len, size_t mss,
                 uint8_t *buf, vtep_gso_output *output, void *aux,
                 size_t *n_segs)
{
    *n_segs = 0;
    if (l3_ofs > len || (mss && mss < VTEP_GSO_MIN_MSS)) {
        return EINVAL;
    }
    const uint8_t *l3 = frame + l3_ofs;
    size_t room = len - l3_ofs;
    bool ipv4;
    size_t l3_len, l4_len;

    if (eth_type == htons(ETH_TYPE_IP)) {
        if (room < IP_HEADER_LEN || IP_VER(l3[0]) != IP_VERSION) {
            return EINVAL;
        }
        l3_len = IP_IHL(l3[0]) * 4;
        size_t tot_len = ntohs(get16(l3 + IP4_TOT_LEN_OFS));
        if (l3_len < IP_HEADER_LEN || tot_len < l3_len || tot_len > room) {
            return EINVAL;
        }
        if (IP_IS_FRAGMENT(get16(l3 + IP4_FRAG_OFS))
            || l3[offsetof(struct ip_header, ip_proto)] != IPPROTO_TCP) {
            return EPROTONOSUPPORT;
        }
        l4_len = tot_len - l3_len;
        ipv4 = true;
    } else if (eth_type == htons(ETH_TYPE_IPV6)) {
        if (room < IPV6_HEADER_LEN || l3[0] >> 4 != 6) {
            return EINVAL;
        }
        if (l3[IP6_NEXT_OFS] != IPPROTO_TCP) {
            return EPROTONOSUPPORT;
        }
        l3_len = IPV6_HEADER_LEN;
        l4_len = ntohs(get16(l3 + IP6_PLEN_OFS));
        if (l4_len > room - IPV6_HEADER_LEN) {
            return EINVAL;
        }
        ipv4 = false;
    } else {
        return EPROTONOSUPPORT;
    }

    const uint8_t *l4 = l3 + l3_len;
    if (l4_len < TCP_HEADER_LEN) {
        return EINVAL;
    }
    size_t tcp_len = TCP_OFFSET(get16(l4 + TCP_CTL_OFS)) * 4;
    if (tcp_len < TCP_HEADER_LEN || tcp_len > l4_len) {
        return EINVAL;
    }
    size_t hdr_len = l3_ofs + l3_len + tcp_len;
    if (max_len < hdr_len + VTEP_GSO_MIN_MSS) {
        return EMSGSIZE;
    }
    if (!mss || mss > max_len - hdr_len) {
        mss = max_len - hdr_len;
    }
    const uint8_t *payload = l4 + tcp_len;
    size_t payload_len = l4_len - tcp_len;

    uint32_t seq = ntohl(get32(l4 + TCP_SEQ_OFS));
    uint16_t ip_id = ipv4 ? ntohs(get16(l3 + IP4_ID_OFS)) : 0;
    uint8_t flags = l4[TCP_CTL_OFS + 1];
    size_t n = 0;
    size_t ofs = 0;
    do {
        size_t chunk = MIN(mss, payload_len - ofs);
        bool first = !ofs;
        bool last = ofs + chunk == payload_len;
        uint8_t *s3 = buf + l3_ofs;
        uint8_t *s4 = s3 + l3_len;
        size_t seg_l4_len = tcp_len + chunk;

        memcpy(buf, frame, hdr_len);
        memcpy(buf + hdr_len, payload + ofs, chunk);

        uint32_t pseudo;
        if (ipv4) {
            put16(s3 + IP4_TOT_LEN_OFS, htons(l3_len + seg_l4_len));
            put16(s3 + IP4_ID_OFS, htons((uint16_t) (ip_id + n)));
            put16(s3 + IP4_CSUM_OFS, htons(0));
            put16(s3 + IP4_CSUM_OFS, csum(s3, l3_len));
            pseudo = csum_add32(0, get32(s3 + offsetof(struct ip_header,
                                                       ip_src)));
            pseudo = csum_add32(pseudo, get32(s3 + offsetof(struct ip_header,
                                                            ip_dst)));
            pseudo = csum_add16(pseudo, htons(IPPROTO_TCP));
            pseudo = csum_add16(pseudo, htons(seg_l4_len));
        } else {
            put16(s3 + IP6_PLEN_OFS, htons(seg_l4_len));
            pseudo = csum_continue(0, s3 + IP6_ADDRS_OFS, 32);
            pseudo = csum_add32(pseudo, htonl(seg_l4_len));
            pseudo = csum_add32(pseudo, htonl(IPPROTO_TCP));
        }

        put32(s4 + TCP_SEQ_OFS, htonl(seq + ofs));
        uint8_t seg_flags = flags;
        if (!last) {
            seg_flags &= ~(GSO_TCP_FIN | GSO_TCP_PSH);
        }
        if (!first) {
            seg_flags &= ~GSO_TCP_CWR;
        }
        s4[TCP_CTL_OFS + 1] = seg_flags;
        put16(s4 + TCP_CSUM_OFS, htons(0));
        put16(s4 + TCP_CSUM_OFS,
              csum_finish(csum_continue(pseudo, s4, seg_l4_len)));

        output(aux, buf, hdr_len + chunk);
        n++;
        ofs += chunk;
    } while (ofs < payload_len);

    *n_segs = n;
    return 0;
}

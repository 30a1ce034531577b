/*
 * gso-check.h: what every segment of vtep_gso_segment() must be, checked
 * the same way by the unit suite (tests/unit/test-gso.c) and the fuzz
 * target (tests/fuzz/fuzz-gso.c).
 *
 * gso_check_begin() takes the super-frame as it was handed in; each
 * segment then goes through gso_check_segment(), which returns NULL or
 * what is wrong with it; gso_check_end() says whether the segments carried
 * exactly the super-frame's payload.  Only for frames that
 * vtep_gso_segment() accepted (it returned 0), so the headers are known to
 * be sound.
 */
#ifndef GSO_CHECK_H
#define GSO_CHECK_H 1

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include "csum.h"
#include "packets.h"

struct gso_check {
    const uint8_t *frame;           /* The super-frame. */
    size_t l3_ofs;
    bool ipv4;
    size_t l3_len, tcp_len, hdr_len;
    const uint8_t *payload;         /* The super-frame's TCP payload. */
    size_t payload_len;
    uint32_t seq;
    uint16_t ip_id;
    uint8_t flags;
    size_t max_len;

    size_t n;                       /* Segments seen so far. */
    size_t ofs;                     /* Payload bytes seen so far. */
};

static inline uint16_t
gso_check_get16(const uint8_t *p)
{
    return (p[0] << 8) | p[1];
}

static inline uint32_t
gso_check_get32(const uint8_t *p)
{
    return ((uint32_t) gso_check_get16(p) << 16) | gso_check_get16(p + 2);
}

static inline void
gso_check_begin(struct gso_check *c, const uint8_t *frame, size_t l3_ofs,
                bool ipv4, size_t max_len, size_t mss)
{
    memset(c, 0, sizeof *c);
    c->frame = frame;
    c->l3_ofs = l3_ofs;
    c->ipv4 = ipv4;
    c->max_len = max_len;
    const uint8_t *l3 = frame + l3_ofs;
    size_t l4_len;
    if (ipv4) {
        c->l3_len = (l3[0] & 15) * 4;
        l4_len = gso_check_get16(l3 + 2) - c->l3_len;
        c->ip_id = gso_check_get16(l3 + 4);
    } else {
        c->l3_len = 40;
        l4_len = gso_check_get16(l3 + 4);
    }
    const uint8_t *l4 = l3 + c->l3_len;
    c->tcp_len = (l4[12] >> 4) * 4;
    c->hdr_len = l3_ofs + c->l3_len + c->tcp_len;
    if (mss && c->hdr_len + mss < max_len) {
        /* The segments are cut at 'mss' bytes of payload instead. */
        c->max_len = c->hdr_len + mss;
    }
    c->payload = l4 + c->tcp_len;
    c->payload_len = l4_len - c->tcp_len;
    c->seq = gso_check_get32(l4 + 4);
    c->flags = l4[13];
}

/* The ones' complement sum of the TCP segment at 'l4' ('l4_len' bytes)
 * with its pseudo-header, which is 0xffff if its checksum is right. */
static inline uint16_t
gso_check_tcp_sum(const struct gso_check *c, const uint8_t *l3,
                  const uint8_t *l4, size_t l4_len)
{
    uint32_t partial;
    if (c->ipv4) {
        partial = csum_continue(0, l3 + 12, 8);
        partial = csum_add16(partial, htons(IPPROTO_TCP));
        partial = csum_add16(partial, htons(l4_len));
    } else {
        partial = csum_continue(0, l3 + 8, 32);
        partial = csum_add32(partial, htonl(l4_len));
        partial = csum_add32(partial, htonl(IPPROTO_TCP));
    }
    return ntohs(csum_finish(csum_continue(partial, l4, l4_len)));
}

static inline const char *
gso_check_segment(struct gso_check *c, const uint8_t *seg, size_t len)
{
    if (len > c->max_len) {
        return "segment longer than max_len";
    }
    if (len < c->hdr_len) {
        return "segment shorter than the headers";
    }
    if (memcmp(seg, c->frame, c->l3_ofs)) {
        return "Ethernet header changed";
    }
    const uint8_t *l3 = seg + c->l3_ofs;
    const uint8_t *l4 = l3 + c->l3_len;
    size_t chunk = len - c->hdr_len;
    size_t l4_len = c->tcp_len + chunk;

    if (c->ipv4) {
        if (gso_check_get16(l3 + 2) != c->l3_len + l4_len) {
            return "IPv4 total length wrong";
        }
        if (gso_check_get16(l3 + 4) != (uint16_t) (c->ip_id + c->n)) {
            return "IPv4 ID not consecutive";
        }
        if (csum(l3, c->l3_len) != 0) {
            return "IPv4 header checksum wrong";
        }
    } else if (gso_check_get16(l3 + 4) != l4_len) {
        return "IPv6 payload length wrong";
    }
    if (gso_check_tcp_sum(c, l3, l4, l4_len) != 0) {
        return "TCP checksum wrong";
    }
    if (gso_check_get32(l4 + 4) != (uint32_t) (c->seq + c->ofs)) {
        return "TCP sequence number wrong";
    }
    if (c->ofs + chunk > c->payload_len
        || memcmp(l4 + c->tcp_len, c->payload + c->ofs, chunk)) {
        return "payload not the super-frame's";
    }
    bool first = !c->n;
    bool last = c->ofs + chunk == c->payload_len;
    uint8_t want = c->flags;
    if (!last) {
        want &= ~0x09;              /* FIN, PSH. */
    }
    if (!first) {
        want &= ~0x80;              /* CWR. */
    }
    if (l4[13] != want) {
        return "TCP flags wrong";
    }
    if (!last && len != c->max_len) {
        return "a segment before the last is not full";
    }
    c->n++;
    c->ofs += chunk;
    return NULL;
}

static inline bool
gso_check_end(const struct gso_check *c)
{
    return c->n > 0 && c->ofs == c->payload_len;
}

#endif /* gso-check.h */

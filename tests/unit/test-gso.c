/*
 * test-gso.c: Check suite for lib/vtep-gso.c, the segmentation of TCP
 * super-frames.
 *
 * The frames are built here the way a Linux sender with segmentation
 * offload leaves them: one TCP packet with up to 64 KB of payload, the
 * checksum field holding only the pseudo-header sum.  Every segment is
 * checked by tests/fuzz/gso-check.h (length, IP length and ID, header and
 * TCP checksums summed over the whole segment, sequence numbers, flags,
 * payload), which the fuzz target shares.
 */
#include <config.h>

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include "lib/vtep-gso.h"
#include "tests/fuzz/gso-check.h"
#include "unit.h"
#include "util.h"

#define TCP_ACK_PSH_FIN_CWR 0x99

/* Writes into 'buf' an untagged Ethernet frame with an IPv4 (or, if
 * '!ipv4', IPv6) TCP packet of 'payload_len' payload bytes, 'ip_opts'
 * bytes of IPv4 options and 'tcp_opts' bytes of TCP options, TCP flags
 * 'flags'.  Returns its length. */
static size_t
build(uint8_t *buf, bool ipv4, size_t ip_opts, size_t tcp_opts,
      size_t payload_len, uint8_t flags)
{
    static const uint8_t eth[] = {
        0x02, 0xaa, 0, 0, 0, 0x0b, 0x02, 0xbb, 0, 0, 0, 0x01,
    };
    memcpy(buf, eth, sizeof eth);
    uint8_t *l3 = buf + ETH_HEADER_LEN;
    size_t l3_len = ipv4 ? IP_HEADER_LEN + ip_opts : IPV6_HEADER_LEN;
    size_t tcp_len = TCP_HEADER_LEN + tcp_opts;
    size_t l4_len = tcp_len + payload_len;

    if (ipv4) {
        buf[12] = 0x08;
        buf[13] = 0x00;
        memset(l3, 0, l3_len);
        l3[0] = 0x40 | (l3_len / 4);
        l3[2] = (l3_len + l4_len) >> 8;
        l3[3] = (l3_len + l4_len) & 0xff;
        l3[4] = 0xff;                   /* ID 0xfffe: wraps to 0. */
        l3[5] = 0xfe;
        l3[6] = 0x40;                   /* DF. */
        l3[8] = 64;
        l3[9] = IPPROTO_TCP;
        memcpy(l3 + 12, (uint8_t[]) { 198, 51, 100, 100, 198, 51, 100, 11 },
               8);
        memset(l3 + IP_HEADER_LEN, 1, ip_opts);  /* NOPs. */
    } else {
        buf[12] = 0x86;
        buf[13] = 0xdd;
        memset(l3, 0, l3_len);
        l3[0] = 0x60;
        l3[4] = l4_len >> 8;
        l3[5] = l4_len & 0xff;
        l3[6] = IPPROTO_TCP;
        l3[7] = 64;
        l3[8] = 0x20;
        l3[9] = 0x01;
        l3[23] = 1;
        l3[24] = 0x20;
        l3[25] = 0x01;
        l3[39] = 2;
    }
    uint8_t *l4 = l3 + l3_len;
    memset(l4, 0, tcp_len);
    l4[0] = 0x14;                       /* Ports 5201 -> 40000. */
    l4[1] = 0x51;
    l4[2] = 0x9c;
    l4[3] = 0x40;
    l4[4] = 0xff;                       /* Seq near the wrap. */
    l4[5] = 0xff;
    l4[6] = 0xf0;
    l4[7] = 0x00;
    l4[12] = (tcp_len / 4) << 4;
    l4[13] = flags;
    l4[14] = 0x01;
    l4[15] = 0xf5;
    memset(l4 + TCP_HEADER_LEN, 1, tcp_opts);
    for (size_t i = 0; i < payload_len; i++) {
        l4[tcp_len + i] = i * 7 + (i >> 8);
    }
    l4[16] = 0x12;                      /* A pseudo-header sum, not 0. */
    l4[17] = 0x34;
    return ETH_HEADER_LEN + l3_len + l4_len;
}

struct collect {
    struct gso_check check;
    const char *error;
    size_t n;
};

static void
collect_segment(void *aux_, uint8_t *seg, size_t len)
{
    struct collect *aux = aux_;
    const char *error = gso_check_segment(&aux->check, seg, len);
    if (error && !aux->error) {
        aux->error = error;
    }
    aux->n++;
}

/* Segments the frame that build() makes from the other arguments at
 * 'max_len' and 'mss' and checks every segment; returns the number of
 * segments. */
static size_t
segment_and_check_mss(bool ipv4, size_t ip_opts, size_t tcp_opts,
                      size_t payload_len, uint8_t flags, size_t max_len,
                      size_t mss)
{
    uint8_t *frame = xmalloc(70000);
    uint8_t *seg = xmalloc(max_len);
    size_t len = build(frame, ipv4, ip_opts, tcp_opts, payload_len, flags);
    struct collect aux = { .error = NULL };
    gso_check_begin(&aux.check, frame, ETH_HEADER_LEN, ipv4, max_len, mss);

    size_t n_segs;
    int error = vtep_gso_segment(frame, len, ETH_HEADER_LEN,
                                 htons(ipv4 ? ETH_TYPE_IP : ETH_TYPE_IPV6),
                                 max_len, mss, seg, collect_segment, &aux,
                                 &n_segs);
    ck_assert_int_eq(error, 0);
    ck_assert_msg(!aux.error, "%s", aux.error ? aux.error : "");
    ck_assert_int_eq(n_segs, aux.n);
    ck_assert(gso_check_end(&aux.check));
    free(seg);
    free(frame);
    return n_segs;
}

/* segment_and_check_mss() with no gso_size: cut at 'max_len' only. */
static size_t
segment_and_check(bool ipv4, size_t ip_opts, size_t tcp_opts,
                  size_t payload_len, uint8_t flags, size_t max_len)
{
    return segment_and_check_mss(ipv4, ip_opts, tcp_opts, payload_len,
                                 flags, max_len, 0);
}

START_TEST(test_ipv4_segments)
{
    /* 14 + 20 + 32 header bytes, 1398 of payload per 1464-byte frame (a
     * 1500-byte underlay's room): 3000 bytes are 3 segments. */
    ck_assert_int_eq(segment_and_check(true, 0, 12, 3000,
                                       TCP_ACK_PSH_FIN_CWR, 1464), 3);
    /* A 64 KB super-frame as veth hands it over, IPv4 options too. */
    ck_assert_int_eq(segment_and_check(true, 8, 12, 65000, 0x18, 1464),
                     DIV_ROUND_UP(65000, 1464 - 14 - 28 - 32));
    /* Payload an exact multiple of the room: no empty last segment. */
    ck_assert_int_eq(segment_and_check(true, 0, 0, 4 * 1410, 0x10, 1464), 4);
}
END_TEST

START_TEST(test_ipv6_segments)
{
    ck_assert_int_eq(segment_and_check(false, 0, 12, 3000,
                                       TCP_ACK_PSH_FIN_CWR, 1464),
                     DIV_ROUND_UP(3000, 1464 - 14 - 40 - 32));
    ck_assert_int_eq(segment_and_check(false, 0, 0, 60000, 0x10, 9014),
                     DIV_ROUND_UP(60000, 9014 - 14 - 40 - 20));
}
END_TEST

START_TEST(test_gso_size)
{
    /* The sender's gso_size (from a receiver's MSS of 1000, less 12 bytes
     * of timestamps) is smaller than the 1464-byte room: it wins. */
    ck_assert_int_eq(segment_and_check_mss(true, 0, 12, 65000, 0x18, 1464,
                                           988),
                     DIV_ROUND_UP(65000, 988));
    ck_assert_int_eq(segment_and_check_mss(false, 0, 12, 65000, 0x18, 1464,
                                           988),
                     DIV_ROUND_UP(65000, 988));
    /* A gso_size bigger than the room: the room wins. */
    ck_assert_int_eq(segment_and_check_mss(true, 0, 12, 3000, 0x18, 1464,
                                           8000), 3);
    ck_assert_int_eq(segment_and_check_mss(true, 0, 0, 10 * VTEP_GSO_MIN_MSS,
                                           0x10, 1464, VTEP_GSO_MIN_MSS),
                     10);
}
END_TEST

START_TEST(test_small_frame_one_segment)
{
    /* What fits already comes back as one segment, checksum completed. */
    ck_assert_int_eq(segment_and_check(true, 0, 0, 100, 0x18, 1464), 1);
    ck_assert_int_eq(segment_and_check(true, 0, 0, 0, 0x11, 1464), 1);
}
END_TEST

static void
never_called(void *aux OVS_UNUSED, uint8_t *seg OVS_UNUSED,
             size_t len OVS_UNUSED)
{
    ck_abort_msg("a refused frame produced a segment");
}

/* vtep_gso_segment() of the 'len'-byte 'frame' at 1464 bytes. */
static int
refuse(uint8_t *frame, size_t len, ovs_be16 eth_type, size_t max_len)
{
    uint8_t seg[9216];
    size_t n_segs = 99;
    int error = vtep_gso_segment(frame, len, ETH_HEADER_LEN, eth_type,
                                 max_len, 0, seg, never_called, NULL,
                                 &n_segs);
    ck_assert_int_eq(n_segs, 0);
    return error;
}

START_TEST(test_refused)
{
    uint8_t *f = xmalloc(70000);
    const ovs_be16 ip = htons(ETH_TYPE_IP), ip6 = htons(ETH_TYPE_IPV6);
    size_t len;

    /* Not TCP: UDP, an IPv4 fragment, an IPv6 extension header, ARP. */
    len = build(f, true, 0, 0, 3000, 0x10);
    f[ETH_HEADER_LEN + 9] = IPPROTO_UDP;
    ck_assert_int_eq(refuse(f, len, ip, 1464), EPROTONOSUPPORT);
    len = build(f, true, 0, 0, 3000, 0x10);
    f[ETH_HEADER_LEN + 6] = 0x20;               /* More fragments. */
    ck_assert_int_eq(refuse(f, len, ip, 1464), EPROTONOSUPPORT);
    len = build(f, false, 0, 0, 3000, 0x10);
    f[ETH_HEADER_LEN + 6] = 0;                  /* Hop-by-hop options. */
    ck_assert_int_eq(refuse(f, len, ip6, 1464), EPROTONOSUPPORT);
    ck_assert_int_eq(refuse(f, len, htons(ETH_TYPE_ARP), 1464),
                     EPROTONOSUPPORT);

    /* Headers that do not add up. */
    len = build(f, true, 0, 0, 3000, 0x10);
    ck_assert_int_eq(refuse(f, len - 1, ip, 1464), EINVAL);  /* Cut. */
    f[ETH_HEADER_LEN] = 0x44;                   /* IHL 4. */
    ck_assert_int_eq(refuse(f, len, ip, 1464), EINVAL);
    f[ETH_HEADER_LEN] = 0x65;                   /* Version 6. */
    ck_assert_int_eq(refuse(f, len, ip, 1464), EINVAL);
    len = build(f, true, 0, 0, 3000, 0x10);
    f[ETH_HEADER_LEN + IP_HEADER_LEN + 12] = 0x40;   /* Data offset 4. */
    ck_assert_int_eq(refuse(f, len, ip, 1464), EINVAL);
    f[ETH_HEADER_LEN + IP_HEADER_LEN + 12] = 0xf0;   /* 60 > packet. */
    len = build(f, true, 0, 0, 30, 0x10);
    f[ETH_HEADER_LEN + IP_HEADER_LEN + 12] = 0xf0;
    ck_assert_int_eq(refuse(f, len, ip, 1464), EINVAL);
    len = build(f, false, 0, 0, 3000, 0x10);
    ck_assert_int_eq(refuse(f, len - 10, ip6, 1464), EINVAL);
    ck_assert_int_eq(refuse(f, 20, ip6, 1464), EINVAL);
    ck_assert_int_eq(refuse(f, 10, ip, 1464), EINVAL);

    /* No room for payload after the headers. */
    len = build(f, true, 0, 12, 3000, 0x10);
    ck_assert_int_eq(refuse(f, len, ip, 14 + 20 + 32 + VTEP_GSO_MIN_MSS - 1),
                     EMSGSIZE);

    /* A gso_size below the floor (not a sender's). */
    uint8_t seg[1464];
    size_t n_segs = 99;
    len = build(f, true, 0, 12, 3000, 0x10);
    ck_assert_int_eq(vtep_gso_segment(f, len, ETH_HEADER_LEN, ip, sizeof seg,
                                      VTEP_GSO_MIN_MSS - 1, seg,
                                      never_called, NULL, &n_segs), EINVAL);
    ck_assert_int_eq(n_segs, 0);
    free(f);
}
END_TEST

static Suite *
gso_suite(void)
{
    Suite *s = suite_create("gso");
    TCase *tc = tcase_create("segment");
    tcase_add_test(tc, test_ipv4_segments);
    tcase_add_test(tc, test_ipv6_segments);
    tcase_add_test(tc, test_gso_size);
    tcase_add_test(tc, test_small_frame_one_segment);
    tcase_add_test(tc, test_refused);
    suite_add_tcase(s, tc);
    return s;
}

int
main(int argc OVS_UNUSED, char *argv[])
{
    return unit_main(argv[0], gso_suite);
}

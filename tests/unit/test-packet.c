/*
 * test-packet.c: Check suite for lib/vtep-packet.c, the packet codec.
 *
 * Most tests are tables: a frame written out in hex (or a mutation of a
 * known good VXLAN frame) and the result expected.  The "reasons" test runs
 * every table row again and checks that together they produce every drop
 * reason there is, so a new reason without a test fails here.
 *
 * The reference encapsulation below was worked out by hand from RFC 7348
 * and RFC 791 (IPv4 header checksum 0xb697), not by the code under test;
 * built headers are also checked with OVS's csum() and with the one's
 * complement sum of this file.
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "csum.h"
#include "lib/vtep-packet.h"
#include "lib/vtep-types.h"
#include "unit.h"
#include "util.h"

/* Helpers.
 * ======== */

/* Decodes pairs of hex digits from 'hex' into 'buf' (at most 'size'
 * bytes), skipping spaces.  Returns the number of bytes. */
static size_t
from_hex(const char *hex, uint8_t *buf, size_t size)
{
    size_t n = 0;

    for (const char *p = hex; *p; ) {
        if (*p == ' ') {
            p++;
            continue;
        }
        unsigned int byte;
        ck_assert_msg(sscanf(p, "%2x", &byte) == 1 && p[1] && p[1] != ' ',
                      "bad hex at \"%s\"", p);
        ck_assert_uint_lt(n, size);
        buf[n++] = byte;
        p += 2;
    }
    return n;
}

/* Returns a copy of the 'len' bytes at 'data' that ends exactly where an
 * inaccessible page begins, so that reading one byte past the end of the
 * input crashes the test (Check reports the signal) instead of reading
 * whatever happens to be there.  Free with guarded_free(). */
static uint8_t *
guarded_copy(const uint8_t *data, size_t len)
{
    size_t page = sysconf(_SC_PAGESIZE);
    size_t size = ROUND_UP(len, page) + page;
    uint8_t *base = mmap(NULL, size, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ck_assert(base != MAP_FAILED);

    uint8_t *guard = base + size - page;
    ck_assert_int_eq(mprotect(guard, page, PROT_NONE), 0);
    memcpy(guard - len, data, len);
    return guard - len;
}

static void
guarded_free(uint8_t *copy, size_t len)
{
    size_t page = sysconf(_SC_PAGESIZE);
    size_t size = ROUND_UP(len, page) + page;
    ck_assert_int_eq(munmap(copy + len + page - size, size), 0);
}

/* The one's complement checksum of RFC 1071, independent of OVS csum(). */
static uint16_t
ref_csum(const uint8_t *p, size_t len, uint32_t sum)
{
    for (size_t i = 0; i < len; i += 2) {
        sum += p[i] << 8 | (i + 1 < len ? p[i + 1] : 0);
    }
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return ~sum & 0xffff;
}

static uint16_t
rd16(const uint8_t *p)
{
    return p[0] << 8 | p[1];
}

static void
wr16(uint8_t *p, uint16_t x)
{
    p[0] = x >> 8;
    p[1] = x;
}

/* Recomputes the checksum of the IPv4 header at 'ip'. */
static void
fix_ip_csum(uint8_t *ip)
{
    size_t ihl = (ip[0] & 15) * 4;
    wr16(ip + 10, 0);
    wr16(ip + 10, ref_csum(ip, ihl, 0));
}

/* A deterministic pseudo-random sequence (xorshift32). */
static uint32_t rnd_state = 2463534242u;

static uint32_t
rnd(void)
{
    rnd_state ^= rnd_state << 13;
    rnd_state ^= rnd_state >> 17;
    rnd_state ^= rnd_state << 5;
    return rnd_state;
}

/* The reference: one IPv4/UDP frame ("ping", 10.0.0.1:1234 -> 10.0.0.2:80)
 * between two hosts, in VNI 5000 from 192.0.2.1 to 192.0.2.2, UDP source
 * port 50000, TTL 64. */
#define REF_INNER                                               \
    "0200000000bb 0200000000aa 0800"                            \
    "4500 0020 0001 0000 4011 66ca 0a000001 0a000002"           \
    "04d2 0050 000c 0000 70696e67"
#define REF_INNER_LEN 46
#define REF_ENCAP                                               \
    "020000000002 020000000001 0800"                            \
    "4500 0052 0000 4000 4011 b697 c0000201 c0000202"           \
    "c350 12b5 003e 0000"                                       \
    "08000000 00138800"
#define REF_VNI 5000
#define REF_SPORT 50000

static const struct vtep_pkt_tunnel ref_tunnel = {
    .eth_dst = ETH_ADDR_C(02, 00, 00, 00, 00, 02),
    .eth_src = ETH_ADDR_C(02, 00, 00, 00, 00, 01),
    .ip_src = CONSTANT_HTONL(0xc0000201),
    .ip_dst = CONSTANT_HTONL(0xc0000202),
    .udp_dst = CONSTANT_HTONS(VTEP_VXLAN_PORT),
    .ttl = 64,
};

/* Offsets in the reference encapsulated frame. */
#define O_IP 14
#define O_UDP 34
#define O_VXLAN 42
#define O_INNER 50
#define REF_FRAME_LEN (O_INNER + REF_INNER_LEN)

/* A packet buffer with room on both sides. */
#define HEADROOM 128
struct pkt {
    uint8_t buf[HEADROOM + 2048];
    uint8_t *data;
    size_t len;
};

static void
pkt_init(struct pkt *p, const char *hex)
{
    memset(p->buf, 0, sizeof p->buf);
    p->data = p->buf + HEADROOM;
    p->len = from_hex(hex, p->data, sizeof p->buf - HEADROOM);
}

static void
pkt_init_ref_frame(struct pkt *p)
{
    pkt_init(p, REF_ENCAP REF_INNER);
    ck_assert_uint_eq(p->len, REF_FRAME_LEN);
}

/* Drop reasons.
 * ============= */

static const char *const reason_names[VTEP_PKT_N_DROPS] = {
    [VTEP_PKT_OK] = "ok",
    [VTEP_PKT_DROP_RUNT] = "runt",
    [VTEP_PKT_DROP_BAD_SRC_MAC] = "bad-src-mac",
    [VTEP_PKT_DROP_NOT_IPV4] = "not-ipv4",
    [VTEP_PKT_DROP_BAD_IP_HEADER] = "bad-ip-header",
    [VTEP_PKT_DROP_BAD_IP_CSUM] = "bad-ip-checksum",
    [VTEP_PKT_DROP_IP_FRAGMENT] = "ip-fragment",
    [VTEP_PKT_DROP_NOT_UDP] = "not-udp",
    [VTEP_PKT_DROP_BAD_UDP_LENGTH] = "bad-udp-length",
    [VTEP_PKT_DROP_BAD_UDP_CSUM] = "bad-udp-checksum",
    [VTEP_PKT_DROP_WRONG_UDP_PORT] = "wrong-udp-port",
    [VTEP_PKT_DROP_VXLAN_TOO_SHORT] = "vxlan-too-short",
    [VTEP_PKT_DROP_BAD_VXLAN_FLAGS] = "bad-vxlan-flags",
    [VTEP_PKT_DROP_INNER_VLAN_TAG] = "inner-vlan-tag",
    [VTEP_PKT_DROP_ARP_TOO_SHORT] = "arp-too-short",
    [VTEP_PKT_DROP_BAD_ARP] = "bad-arp",
};

START_TEST(test_reason_names)
{
    for (int i = 0; i < VTEP_PKT_N_DROPS; i++) {
        const char *name = vtep_pkt_drop_to_string(i);
        ck_assert_msg(reason_names[i], "reason %d has no expected name", i);
        ck_assert_str_eq(name, reason_names[i]);
        for (int j = 0; j < i; j++) {
            ck_assert_str_ne(name, vtep_pkt_drop_to_string(j));
        }
    }
    ck_assert_str_eq(vtep_pkt_drop_to_string(VTEP_PKT_N_DROPS), "unknown");
    ck_assert_str_eq(vtep_pkt_drop_to_string(1000), "unknown");
}
END_TEST

/* Ethernet parsing.
 * ================= */

#define MACS "ffffffffffff 020000000001"

struct eth_case {
    const char *name;
    const char *hex;
    enum vtep_pkt_drop reason;
    uint16_t vid;
    uint16_t eth_type;
    uint16_t l3_ofs;
};

static const struct eth_case eth_cases[] = {
    { "untagged IPv4", MACS "0800 4500", VTEP_PKT_OK, 0, 0x0800, 14 },
    { "untagged, header only", MACS "0806", VTEP_PKT_OK, 0, 0x0806, 14 },
    { "802.3 length field", MACS "0026 4242 03", VTEP_PKT_OK, 0, 0x26, 14 },
    { "unicast dst", "0200000000bb 0200000000aa 86dd 60",
      VTEP_PKT_OK, 0, 0x86dd, 14 },
    { "tagged VID 100", MACS "8100 0064 0800 45",
      VTEP_PKT_OK, 100, 0x0800, 18 },
    { "tagged, header only", MACS "8100 0064 0806",
      VTEP_PKT_OK, 100, 0x0806, 18 },
    { "tagged PCP 7 DEI VID 4094", MACS "8100 fffe 0800",
      VTEP_PKT_OK, 4094, 0x0800, 18 },
    { "tagged VID 4095", MACS "8100 0fff 0800",
      VTEP_PKT_OK, 4095, 0x0800, 18 },
    { "priority-tagged is untagged", MACS "8100 a000 0800 45",
      VTEP_PKT_OK, 0, 0x0800, 18 },
    { "802.1ad single tag", MACS "88a8 00c8 0800",
      VTEP_PKT_OK, 200, 0x0800, 18 },
    { "QinQ 88a8/8100: outer tag wins", MACS "88a8 00c8 8100 0064 0800",
      VTEP_PKT_OK, 200, 0x8100, 18 },
    { "double 8100: outer tag wins", MACS "8100 00c8 8100 0064 0800",
      VTEP_PKT_OK, 200, 0x8100, 18 },
    { "empty", "", VTEP_PKT_DROP_RUNT, 0, 0, 0 },
    { "1 byte", "ff", VTEP_PKT_DROP_RUNT, 0, 0, 0 },
    { "13 bytes", MACS "08", VTEP_PKT_DROP_RUNT, 0, 0, 0 },
    { "tagged, 14 bytes", MACS "8100", VTEP_PKT_DROP_RUNT, 0, 0, 0 },
    { "tagged, 17 bytes", MACS "8100 0064 08", VTEP_PKT_DROP_RUNT, 0, 0, 0 },
    { "802.1ad, 16 bytes", MACS "88a8 0064", VTEP_PKT_DROP_RUNT, 0, 0, 0 },
    { "multicast src", "ffffffffffff 010000000001 0800",
      VTEP_PKT_DROP_BAD_SRC_MAC, 0, 0, 0 },
    { "broadcast src", "020000000001 ffffffffffff 0800",
      VTEP_PKT_DROP_BAD_SRC_MAC, 0, 0, 0 },
    { "zero src", "ffffffffffff 000000000000 0800",
      VTEP_PKT_DROP_BAD_SRC_MAC, 0, 0, 0 },
    { "tagged, multicast src", "ffffffffffff 333300000001 8100 0064 0800",
      VTEP_PKT_DROP_BAD_SRC_MAC, 0, 0, 0 },
};

static enum vtep_pkt_drop
run_eth_case(const struct eth_case *c, struct vtep_pkt_eth *eth,
             uint8_t frame[64], size_t *lenp)
{
    uint8_t buf[64];
    *lenp = from_hex(c->hex, buf, sizeof buf);
    memcpy(frame, buf, *lenp);

    uint8_t *copy = guarded_copy(buf, *lenp);
    enum vtep_pkt_drop reason = vtep_pkt_parse_eth(copy, *lenp, eth);
    guarded_free(copy, *lenp);
    return reason;
}

START_TEST(test_parse_eth)
{
    const struct eth_case *c = &eth_cases[_i];
    struct vtep_pkt_eth eth;
    uint8_t frame[64];
    size_t len;

    enum vtep_pkt_drop reason = run_eth_case(c, &eth, frame, &len);
    ck_assert_msg(reason == c->reason, "%s: got %s, expected %s", c->name,
                  vtep_pkt_drop_to_string(reason),
                  vtep_pkt_drop_to_string(c->reason));
    if (reason == VTEP_PKT_OK) {
        ck_assert_mem_eq(&eth.dst, frame, ETH_ADDR_LEN);
        ck_assert_mem_eq(&eth.src, frame + ETH_ADDR_LEN, ETH_ADDR_LEN);
        ck_assert_uint_eq(eth.vid, c->vid);
        ck_assert_uint_eq(ntohs(eth.eth_type), c->eth_type);
        ck_assert_uint_eq(eth.l3_ofs, c->l3_ofs);
        ck_assert(vtep_pkt_eth_is_tagged(&eth) == (c->l3_ofs == 18));
    }
}
END_TEST

/* VLAN tags.
 * ========== */

START_TEST(test_vlan_push_pop)
{
    struct pkt p, orig;
    uint8_t *start;

    pkt_init(&orig, REF_INNER);

    /* The tag goes after the MACs; the rest does not move. */
    pkt_init(&p, REF_INNER);
    start = p.data;
    ck_assert_int_eq(vtep_pkt_vlan_push(&p.data, &p.len, 100), 0);
    ck_assert_ptr_eq(p.data, start - 4);
    ck_assert_uint_eq(p.len, REF_INNER_LEN + 4);
    struct pkt expect;
    pkt_init(&expect, "0200000000bb 0200000000aa 8100 0064");
    ck_assert_mem_eq(p.data, expect.data, 16);
    ck_assert_mem_eq(p.data + 16, orig.data + 12, REF_INNER_LEN - 12);

    /* And comes off again. */
    ck_assert_int_eq(vtep_pkt_vlan_pop(&p.data, &p.len), 0);
    ck_assert_ptr_eq(p.data, start);
    ck_assert_uint_eq(p.len, REF_INNER_LEN);
    ck_assert_mem_eq(p.data, orig.data, REF_INNER_LEN);

    /* Every VID round-trips through the parser. */
    for (uint16_t vid = 1; vid <= 4095; vid++) {
        struct vtep_pkt_eth eth;

        ck_assert_int_eq(vtep_pkt_vlan_push(&p.data, &p.len, vid), 0);
        ck_assert_int_eq(vtep_pkt_parse_eth(p.data, p.len, &eth),
                         VTEP_PKT_OK);
        ck_assert_uint_eq(eth.vid, vid);
        ck_assert_uint_eq(eth.l3_ofs, 18);
        ck_assert_uint_eq(ntohs(eth.eth_type), 0x0800);
        ck_assert_mem_eq(&eth.dst, orig.data, 6);
        ck_assert_mem_eq(&eth.src, orig.data + 6, 6);
        ck_assert_int_eq(vtep_pkt_vlan_pop(&p.data, &p.len), 0);
        ck_assert_ptr_eq(p.data, start);
        ck_assert_mem_eq(p.data, orig.data, REF_INNER_LEN);
    }

    /* VID 0 is untagged: no tag. */
    ck_assert_int_eq(vtep_pkt_vlan_push(&p.data, &p.len, 0), 0);
    ck_assert_ptr_eq(p.data, start);
    ck_assert_uint_eq(p.len, REF_INNER_LEN);

    /* Popping an untagged frame changes nothing. */
    ck_assert_int_eq(vtep_pkt_vlan_pop(&p.data, &p.len), 0);
    ck_assert_ptr_eq(p.data, start);
    ck_assert_mem_eq(p.data, orig.data, REF_INNER_LEN);

    /* Pushing onto a tagged frame stacks a new outer tag. */
    ck_assert_int_eq(vtep_pkt_vlan_push(&p.data, &p.len, 10), 0);
    ck_assert_int_eq(vtep_pkt_vlan_push(&p.data, &p.len, 20), 0);
    pkt_init(&expect, "0200000000bb 0200000000aa 8100 0014 8100 000a 0800");
    ck_assert_mem_eq(p.data, expect.data, expect.len);
}
END_TEST

START_TEST(test_vlan_pop_priority_and_8021ad)
{
    static const char *const tagged[] = {
        "0200000000bb 0200000000aa 8100 e000 0800 4500",   /* Priority. */
        "0200000000bb 0200000000aa 88a8 0123 0800 4500",   /* 802.1ad. */
    };
    struct pkt p, expect;

    pkt_init(&expect, "0200000000bb 0200000000aa 0800 4500");
    for (size_t i = 0; i < ARRAY_SIZE(tagged); i++) {
        pkt_init(&p, tagged[i]);
        ck_assert_int_eq(vtep_pkt_vlan_pop(&p.data, &p.len), 0);
        ck_assert_uint_eq(p.len, expect.len);
        ck_assert_mem_eq(p.data, expect.data, expect.len);
    }
}
END_TEST

struct vlan_set_case {
    const char *name;
    const char *in;
    uint16_t vid;
    const char *out;
    int moved;                  /* Start of frame moves by this much. */
};

#define M "0200000000bb 0200000000aa "
static const struct vlan_set_case vlan_set_cases[] = {
    { "untagged to untagged", M "0800 45", 0, M "0800 45", 0 },
    { "untagged to 300", M "0800 45", 300, M "8100 012c 0800 45", -4 },
    { "tagged to untagged", M "8100 0064 0800 45", 0, M "0800 45", 4 },
    { "priority tag to untagged", M "8100 6000 0800 45", 0, M "0800 45", 4 },
    { "retag keeps PCP and DEI", M "8100 b064 0800 45", 200,
      M "8100 b0c8 0800 45", 0 },
    { "802.1ad becomes 802.1Q", M "88a8 0064 0800 45", 200,
      M "8100 00c8 0800 45", 0 },
    { "priority tag gets a VID", M "8100 a000 0806", 4094,
      M "8100 affe 0806", 0 },
    { "QinQ: only the outer tag", M "88a8 0064 8100 000a 0800", 0,
      M "8100 000a 0800", 4 },
};
#undef M

START_TEST(test_vlan_set)
{
    const struct vlan_set_case *c = &vlan_set_cases[_i];
    struct pkt p, expect;

    pkt_init(&p, c->in);
    pkt_init(&expect, c->out);
    uint8_t *start = p.data;
    ck_assert_msg(!vtep_pkt_vlan_set(&p.data, &p.len, c->vid), "%s", c->name);
    ck_assert_msg(p.data == start + c->moved, "%s: moved by %td", c->name,
                  p.data - start);
    ck_assert_uint_eq(p.len, expect.len);
    ck_assert_mem_eq(p.data, expect.data, expect.len);
}
END_TEST

START_TEST(test_vlan_errors)
{
    struct pkt p;
    uint8_t *start;

    /* Invalid VIDs. */
    pkt_init(&p, REF_INNER);
    start = p.data;
    ck_assert_int_eq(vtep_pkt_vlan_push(&p.data, &p.len, 4096), EINVAL);
    ck_assert_int_eq(vtep_pkt_vlan_set(&p.data, &p.len, 0xffff), EINVAL);
    ck_assert_ptr_eq(p.data, start);
    ck_assert_uint_eq(p.len, REF_INNER_LEN);

    /* Runts. */
    pkt_init(&p, MACS "08");
    start = p.data;
    ck_assert_int_eq(vtep_pkt_vlan_push(&p.data, &p.len, 1), EINVAL);
    ck_assert_int_eq(vtep_pkt_vlan_pop(&p.data, &p.len), EINVAL);
    ck_assert_int_eq(vtep_pkt_vlan_set(&p.data, &p.len, 1), EINVAL);
    ck_assert_ptr_eq(p.data, start);
    ck_assert_uint_eq(p.len, 13);

    pkt_init(&p, MACS "8100 0064 08");
    start = p.data;
    ck_assert_int_eq(vtep_pkt_vlan_pop(&p.data, &p.len), EINVAL);
    ck_assert_int_eq(vtep_pkt_vlan_set(&p.data, &p.len, 0), EINVAL);
    ck_assert_int_eq(vtep_pkt_vlan_set(&p.data, &p.len, 5), EINVAL);
    ck_assert_ptr_eq(p.data, start);
    ck_assert_uint_eq(p.len, 17);
}
END_TEST

/* VXLAN encapsulation.
 * ==================== */

START_TEST(test_encap_reference)
{
    struct pkt expect;
    uint8_t hdr[VTEP_PKT_ENCAP_LEN];

    pkt_init(&expect, REF_ENCAP);
    ck_assert_uint_eq(expect.len, VTEP_PKT_ENCAP_LEN);
    memset(hdr, 0xa5, sizeof hdr);
    ck_assert_int_eq(vtep_pkt_vxlan_put_encap(hdr, &ref_tunnel, REF_VNI,
                                              htons(REF_SPORT),
                                              REF_INNER_LEN), 0);
    ck_assert_mem_eq(hdr, expect.data, VTEP_PKT_ENCAP_LEN);

    /* TTL 0 selects the default (64, as in the reference). */
    struct vtep_pkt_tunnel t = ref_tunnel;
    t.ttl = 0;
    memset(hdr, 0x5a, sizeof hdr);
    ck_assert_int_eq(vtep_pkt_vxlan_put_encap(hdr, &t, REF_VNI,
                                              htons(REF_SPORT),
                                              REF_INNER_LEN), 0);
    ck_assert_mem_eq(hdr, expect.data, VTEP_PKT_ENCAP_LEN);
}
END_TEST

START_TEST(test_encap_vxlan_header)
{
    static const struct {
        uint32_t vni;
        const char *hex;
    } cases[] = {
        { 0, "08000000 00000000" },
        { 1, "08000000 00000100" },
        { 5000, "08000000 00138800" },
        { 0x123456, "08000000 12345600" },
        { 0xffffff, "08000000 ffffff00" },
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        uint8_t hdr[VTEP_PKT_VXLAN_HLEN];
        struct pkt expect;

        memset(hdr, 0xff, sizeof hdr);
        pkt_init(&expect, cases[i].hex);
        ck_assert_int_eq(vtep_pkt_vxlan_put_header(hdr, cases[i].vni), 0);
        ck_assert_mem_eq(hdr, expect.data, VTEP_PKT_VXLAN_HLEN);
    }

    uint8_t hdr[VTEP_PKT_VXLAN_HLEN];
    ck_assert_int_eq(vtep_pkt_vxlan_put_header(hdr, 0x1000000), EINVAL);
    ck_assert_int_eq(vtep_pkt_vxlan_put_header(hdr, UINT32_MAX), EINVAL);
}
END_TEST

START_TEST(test_encap_errors_and_limits)
{
    uint8_t hdr[VTEP_PKT_ENCAP_LEN];
    ovs_be16 sport = htons(REF_SPORT);

    ck_assert_int_eq(vtep_pkt_vxlan_put_encap(hdr, &ref_tunnel, 0x1000000,
                                              sport, 64), EINVAL);
    ck_assert_int_eq(vtep_pkt_vxlan_put_encap(hdr, &ref_tunnel, 1, sport,
                                              13), EINVAL);
    ck_assert_int_eq(vtep_pkt_vxlan_put_encap(hdr, &ref_tunnel, 1, sport,
                                              VTEP_PKT_INNER_MAX + 1),
                     EMSGSIZE);
    ck_assert_int_eq(vtep_pkt_vxlan_put_encap(hdr, &ref_tunnel, 1, sport,
                                              SIZE_MAX), EMSGSIZE);

    /* The largest inner frame makes a 65535-byte IPv4 datagram. */
    ck_assert_int_eq(vtep_pkt_vxlan_put_encap(hdr, &ref_tunnel, 1, sport,
                                              VTEP_PKT_INNER_MAX), 0);
    ck_assert_uint_eq(rd16(hdr + O_IP + 2), 65535);
    ck_assert_uint_eq(rd16(hdr + O_UDP + 4), 65535 - 20);
    ck_assert_uint_eq(csum(hdr + O_IP, 20), 0);

    /* The smallest. */
    ck_assert_int_eq(vtep_pkt_vxlan_put_encap(hdr, &ref_tunnel, 1, sport,
                                              14), 0);
    ck_assert_uint_eq(rd16(hdr + O_IP + 2), 20 + 8 + 8 + 14);
    ck_assert_uint_eq(rd16(hdr + O_UDP + 4), 8 + 8 + 14);

    /* In place: on error nothing moves. */
    struct pkt p;
    pkt_init(&p, REF_INNER);
    uint8_t *start = p.data;
    ck_assert_int_eq(vtep_pkt_vxlan_encap(&p.data, &p.len, &ref_tunnel,
                                          1u << 24, sport), EINVAL);
    ck_assert_ptr_eq(p.data, start);
    ck_assert_uint_eq(p.len, REF_INNER_LEN);
    ck_assert_int_eq(vtep_pkt_vxlan_encap(&p.data, &p.len, &ref_tunnel,
                                          REF_VNI, sport), 0);
    ck_assert_ptr_eq(p.data, start - VTEP_PKT_ENCAP_LEN);
    ck_assert_uint_eq(p.len, REF_FRAME_LEN);

    struct pkt expect;
    pkt_init_ref_frame(&expect);
    ck_assert_mem_eq(p.data, expect.data, REF_FRAME_LEN);
}
END_TEST

/* The IPv4 checksum of many built headers, checked two ways. */
START_TEST(test_encap_ip_csum)
{
    for (int i = 0; i < 20000; i++) {
        struct vtep_pkt_tunnel t = {
            .ip_src = (OVS_FORCE ovs_be32) rnd(),
            .ip_dst = (OVS_FORCE ovs_be32) rnd(),
            .udp_dst = (OVS_FORCE ovs_be16) rnd(),
            .ttl = rnd(),
            .tos = rnd(),
        };
        size_t inner_len = ETH_HEADER_LEN + rnd() % (VTEP_PKT_INNER_MAX - 13);
        uint8_t hdr[VTEP_PKT_ENCAP_LEN];

        ck_assert_int_eq(vtep_pkt_vxlan_put_encap(hdr, &t, rnd() & 0xffffff,
                                                  (OVS_FORCE ovs_be16) rnd(),
                                                  inner_len), 0);
        const uint8_t *ip = hdr + O_IP;
        ck_assert_uint_eq(csum(ip, IP_HEADER_LEN), 0);

        uint8_t copy[IP_HEADER_LEN];
        memcpy(copy, ip, sizeof copy);
        wr16(copy + 10, 0);
        ck_assert_uint_eq(rd16(ip + 10), ref_csum(copy, sizeof copy, 0));

        ck_assert_uint_eq(ip[0], 0x45);
        ck_assert_uint_eq(ip[1], t.tos);
        ck_assert_uint_eq(rd16(ip + 2), inner_len + 36);
        ck_assert_uint_eq(rd16(ip + 6), 0x4000);              /* DF. */
        ck_assert_uint_eq(ip[8], t.ttl ? t.ttl : 64);
        ck_assert_uint_eq(ip[9], 17);
        ck_assert_uint_eq(rd16(hdr + O_UDP + 6), 0);          /* No csum. */
    }
}
END_TEST

/* Fields at their extremes, so that the checksum sum carries more than
 * once: all-ones addresses, TOS and TTL, every inner length. */
START_TEST(test_encap_ip_csum_carries)
{
    static const uint32_t addrs[] = { 0xffffffff, 0xfffefffe, 0, 0xffff };
    struct vtep_pkt_tunnel t = {
        .ttl = 255,
        .tos = 255,
    };

    for (size_t i = 0; i < ARRAY_SIZE(addrs) * ARRAY_SIZE(addrs); i++) {
        t.ip_src = htonl(addrs[i % ARRAY_SIZE(addrs)]);
        t.ip_dst = htonl(addrs[i / ARRAY_SIZE(addrs)]);
        for (size_t len = 14; len <= VTEP_PKT_INNER_MAX; len++) {
            uint8_t hdr[VTEP_PKT_ENCAP_LEN];

            ck_assert_int_eq(vtep_pkt_vxlan_put_encap(hdr, &t, 1, htons(1),
                                                      len), 0);
            ck_assert_uint_eq(csum(hdr + O_IP, IP_HEADER_LEN), 0);
        }
    }
}
END_TEST

/* VXLAN decapsulation of a UDP payload.
 * ==================================== */

#define INNER_MACS "0200000000bb 0200000000aa"
#define INNER INNER_MACS "0800 4500"

struct decap_case {
    const char *name;
    const char *hex;
    unsigned int flags;
    enum vtep_pkt_drop reason;
    uint32_t vni;
    uint16_t inner_vid;
};

static const struct decap_case decap_cases[] = {
    { "good", "08000000 00138800" INNER, 0, VTEP_PKT_OK, 5000, 0 },
    { "shortest good", "08000000 00138800" INNER_MACS "0800", 0,
      VTEP_PKT_OK, 5000, 0 },
    { "VNI 0", "08000000 00000000" INNER, 0, VTEP_PKT_OK, 0, 0 },
    { "VNI max", "08000000 ffffff00" INNER, 0, VTEP_PKT_OK, 0xffffff, 0 },
    { "reserved bits ignored", "ffffffff 001388ff" INNER, 0,
      VTEP_PKT_OK, 5000, 0 },
    { "GBP-style flags ignored", "88001234 00138800" INNER, 0,
      VTEP_PKT_OK, 5000, 0 },
    { "empty", "", 0, VTEP_PKT_DROP_VXLAN_TOO_SHORT, 0, 0 },
    { "header only", "08000000 00138800", 0,
      VTEP_PKT_DROP_VXLAN_TOO_SHORT, 0, 0 },
    { "inner 13 bytes", "08000000 00138800" INNER_MACS "08", 0,
      VTEP_PKT_DROP_VXLAN_TOO_SHORT, 0, 0 },
    { "I flag clear", "00000000 00138800" INNER, 0,
      VTEP_PKT_DROP_BAD_VXLAN_FLAGS, 0, 0 },
    { "only reserved flags", "f7ffffff 00138800" INNER, 0,
      VTEP_PKT_DROP_BAD_VXLAN_FLAGS, 0, 0 },
    { "inner 802.1Q", "08000000 00138800" INNER_MACS "8100 0064 0800", 0,
      VTEP_PKT_DROP_INNER_VLAN_TAG, 0, 0 },
    { "inner 802.1ad", "08000000 00138800" INNER_MACS "88a8 0064 0800", 0,
      VTEP_PKT_DROP_INNER_VLAN_TAG, 0, 0 },
    { "inner priority tag", "08000000 00138800" INNER_MACS "8100 2000 0800",
      0, VTEP_PKT_DROP_INNER_VLAN_TAG, 0, 0 },
    { "inner 802.1Q allowed", "08000000 00138800" INNER_MACS "8100 0064 0800",
      VTEP_PKT_DECAP_INNER_VLAN, VTEP_PKT_OK, 5000, 100 },
    { "inner tag truncated", "08000000 00138800" INNER_MACS "8100 00",
      VTEP_PKT_DECAP_INNER_VLAN, VTEP_PKT_DROP_RUNT, 0, 0 },
    { "inner multicast src",
      "08000000 00138800 0200000000bb 0300000000aa 0800", 0,
      VTEP_PKT_DROP_BAD_SRC_MAC, 0, 0 },
};

static enum vtep_pkt_drop
run_decap_case(const struct decap_case *c, struct vtep_pkt_vxlan *vx,
               size_t *lenp)
{
    uint8_t buf[64];
    *lenp = from_hex(c->hex, buf, sizeof buf);

    uint8_t *copy = guarded_copy(buf, *lenp);
    enum vtep_pkt_drop reason = vtep_pkt_vxlan_decap(copy, *lenp, c->flags,
                                                     vx);
    guarded_free(copy, *lenp);
    return reason;
}

START_TEST(test_decap_payload)
{
    const struct decap_case *c = &decap_cases[_i];
    struct vtep_pkt_vxlan vx;
    size_t len;

    enum vtep_pkt_drop reason = run_decap_case(c, &vx, &len);
    ck_assert_msg(reason == c->reason, "%s: got %s, expected %s", c->name,
                  vtep_pkt_drop_to_string(reason),
                  vtep_pkt_drop_to_string(c->reason));
    if (reason == VTEP_PKT_OK) {
        ck_assert_uint_eq(vx.vni, c->vni);
        ck_assert_uint_eq(vx.inner_ofs, 8);
        ck_assert_uint_eq(vx.inner_len, len - 8);
        ck_assert_uint_eq(vx.inner.vid, c->inner_vid);
        ck_assert(!vx.ip_src && !vx.ip_dst && !vx.udp_src && !vx.udp_dst);
    }
}
END_TEST

/* VXLAN decapsulation of a raw frame.
 * =================================== */

/* Each row changes the reference frame: up to three field writes, then a
 * new length (truncation, or growth into zeros), then, if asked, a right
 * IPv4 header checksum, then a function for what is more than that. */

struct field_write {
    int ofs;                    /* Offset in the reference frame. */
    int width;                  /* 1 or 2 bytes; 0 ends the list. */
    uint16_t value;
};

#define SET8(OFS, VALUE) { OFS, 1, VALUE }
#define SET16(OFS, VALUE) { OFS, 2, VALUE }

struct frame_case {
    const char *name;
    struct field_write writes[3];
    size_t len;                 /* New length, if nonzero. */
    bool fix_csum;              /* Recompute the IPv4 header checksum. */
    void (*mutate)(struct pkt *);
    unsigned int flags;
    enum vtep_pkt_drop reason;

    /* If the reason is VTEP_PKT_OK, the inner frame expected, where zeros
     * stand for the reference frame's values.  A nonzero 'inner_vid' means
     * the inner frame was changed. */
    size_t inner_ofs;
    size_t inner_len;
    uint16_t inner_vid;
};

static void
m_outer_tag(struct pkt *p)
{
    ck_assert_int_eq(vtep_pkt_vlan_push(&p->data, &p->len, 7), 0);
}

/* IPv4 options (4 NOPs): the UDP header moves by 4 bytes. */
static void
m_ip_options(struct pkt *p)
{
    uint8_t *ip = p->data + O_IP;
    memmove(ip + 24, ip + 20, p->len - O_IP - 20);
    memset(ip + 20, 1, 4);
    ip[0] = 0x46;
    wr16(ip + 2, rd16(ip + 2) + 4);
    fix_ip_csum(ip);
    p->len += 4;
}

/* Fills in the right UDP checksum, computed with ref_csum(). */
static void
m_udp_csum_good(struct pkt *p)
{
    const uint8_t *ip = p->data + O_IP;
    uint8_t *udp = p->data + O_UDP;
    size_t udp_len = rd16(udp + 4);
    uint32_t pseudo = (rd16(ip + 12) + rd16(ip + 14) + rd16(ip + 16)
                       + rd16(ip + 18) + 17 + udp_len);

    wr16(udp + 6, 0);
    uint16_t sum = ref_csum(udp, udp_len, pseudo);
    wr16(udp + 6, sum ? sum : 0xffff);
}

#define OK(NAME, ...) { NAME, __VA_ARGS__, .reason = VTEP_PKT_OK }
#define DROP(NAME, REASON, ...) \
    { NAME, __VA_ARGS__, .reason = VTEP_PKT_DROP_##REASON }
#define CSUM .fix_csum = true
#define W(...) .writes = { __VA_ARGS__ }

static const struct frame_case frame_cases[] = {
    OK("good", .len = 0),
    OK("good, UDP csum 0 verified", .flags = VTEP_PKT_DECAP_UDP_CSUM),
    OK("good UDP csum verified", .mutate = m_udp_csum_good,
       .flags = VTEP_PKT_DECAP_UDP_CSUM),
    OK("outer VLAN tag", .mutate = m_outer_tag, .inner_ofs = O_INNER + 4),
    OK("no DF", W(SET16(O_IP + 6, 0)), CSUM),
    OK("IPv4 options", .mutate = m_ip_options, .inner_ofs = O_INNER + 4),
    OK("Ethernet padding", .len = REF_FRAME_LEN + 10),
    OK("UDP shorter than IPv4", W(SET16(O_UDP + 4, 8 + 8 + 44)),
       .inner_len = REF_INNER_LEN - 2),
    OK("VXLAN reserved bits", W(SET16(O_VXLAN, 0xffff),
                                SET16(O_VXLAN + 2, 0xffff),
                                SET8(O_VXLAN + 7, 0xff))),
    OK("bad UDP csum, not verified", W(SET16(O_UDP + 6, 0x1234))),
    OK("inner VLAN tag allowed", W(SET16(O_INNER + 12, 0x8100)),
       .flags = VTEP_PKT_DECAP_INNER_VLAN,
       .inner_vid = 0x500),                 /* TCI 0x4500. */
    DROP("runt", RUNT, .len = 13),
    DROP("outer tag runt", RUNT, W(SET16(12, 0x8100)), .len = 17),
    DROP("outer multicast src", BAD_SRC_MAC, W(SET8(6, 0x03))),
    DROP("IPv6", NOT_IPV4, W(SET16(12, 0x86dd))),
    DROP("ARP", NOT_IPV4, W(SET16(12, 0x0806))),
    DROP("no IPv4 header", BAD_IP_HEADER, .len = O_IP),
    DROP("IPv4 header of 2 bytes", BAD_IP_HEADER, .len = O_IP + 2),
    DROP("IPv4 header of 19 bytes", BAD_IP_HEADER, .len = O_IP + 19),
    DROP("IP version 6", BAD_IP_HEADER, W(SET8(O_IP, 0x65)), CSUM),
    DROP("IHL 4", BAD_IP_HEADER, W(SET8(O_IP, 0x44))),
    DROP("total length past frame", BAD_IP_HEADER,
         W(SET16(O_IP + 2, REF_FRAME_LEN - O_IP + 1)), CSUM),
    DROP("total length 19", BAD_IP_HEADER, W(SET16(O_IP + 2, 19)), CSUM),
    DROP("IHL past total length", BAD_IP_HEADER,
         W(SET16(O_IP + 2, 20), SET8(O_IP, 0x46)), CSUM),
    DROP("IP checksum", BAD_IP_CSUM, W(SET16(O_IP + 10, 0xb698))),
    DROP("TTL without checksum update", BAD_IP_CSUM,
         W(SET8(O_IP + 8, 63))),
    DROP("more fragments", IP_FRAGMENT, W(SET16(O_IP + 6, 0x2000)), CSUM),
    DROP("fragment offset", IP_FRAGMENT,
         W(SET16(O_IP + 6, 0x4000 | 185)), CSUM),
    DROP("TCP", NOT_UDP, W(SET8(O_IP + 9, 6)), CSUM),
    DROP("no room for UDP header", BAD_UDP_LENGTH,
         W(SET16(O_IP + 2, 20 + 3)), .len = O_IP + 20 + 3, CSUM),
    DROP("UDP length 7", BAD_UDP_LENGTH, W(SET16(O_UDP + 4, 7))),
    DROP("UDP length past IPv4", BAD_UDP_LENGTH,
         W(SET16(O_UDP + 4, REF_FRAME_LEN - O_UDP + 1))),
    DROP("UDP port 4790", WRONG_UDP_PORT, W(SET16(O_UDP + 2, 4790))),
    DROP("bad UDP csum, verified", BAD_UDP_CSUM, W(SET16(O_UDP + 6, 0x1234)),
         .flags = VTEP_PKT_DECAP_UDP_CSUM),
    DROP("VXLAN too short", VXLAN_TOO_SHORT,
         W(SET16(O_UDP + 4, 8 + 8 + 13), SET16(O_IP + 2, 20 + 8 + 8 + 13)),
         CSUM),
    DROP("VXLAN I flag clear", BAD_VXLAN_FLAGS, W(SET8(O_VXLAN, 0))),
    DROP("inner VLAN tag", INNER_VLAN_TAG, W(SET16(O_INNER + 12, 0x8100))),
    DROP("inner multicast src", BAD_SRC_MAC, W(SET8(O_INNER + 6, 0x03))),
};
#undef OK
#undef DROP
#undef CSUM
#undef W

static enum vtep_pkt_drop
run_frame_case(const struct frame_case *c, struct pkt *p,
               struct vtep_pkt_vxlan *vx)
{
    pkt_init_ref_frame(p);
    for (const struct field_write *w = c->writes;
         w < &c->writes[ARRAY_SIZE(c->writes)] && w->width; w++) {
        if (w->width == 2) {
            wr16(p->data + w->ofs, w->value);
        } else {
            p->data[w->ofs] = w->value;
        }
    }
    if (c->len) {
        p->len = c->len;
    }
    if (c->fix_csum) {
        fix_ip_csum(p->data + O_IP);
    }
    if (c->mutate) {
        c->mutate(p);
    }

    uint8_t *copy = guarded_copy(p->data, p->len);
    enum vtep_pkt_drop reason = vtep_pkt_vxlan_decap_frame(
        copy, p->len, htons(VTEP_VXLAN_PORT), c->flags, vx);
    guarded_free(copy, p->len);
    return reason;
}

START_TEST(test_decap_frame)
{
    const struct frame_case *c = &frame_cases[_i];
    struct vtep_pkt_vxlan vx;
    struct pkt p, ref;

    enum vtep_pkt_drop reason = run_frame_case(c, &p, &vx);
    ck_assert_msg(reason == c->reason, "%s: got %s, expected %s", c->name,
                  vtep_pkt_drop_to_string(reason),
                  vtep_pkt_drop_to_string(c->reason));
    if (reason == VTEP_PKT_OK) {
        size_t inner_ofs = c->inner_ofs ? c->inner_ofs : O_INNER;
        size_t inner_len = c->inner_len ? c->inner_len : REF_INNER_LEN;

        pkt_init_ref_frame(&ref);
        ck_assert_uint_eq(vx.vni, REF_VNI);
        ck_assert_uint_eq(vx.inner_ofs, inner_ofs);
        ck_assert_uint_eq(vx.inner_len, inner_len);
        ck_assert_uint_eq(vx.inner.vid, c->inner_vid);
        if (!c->inner_vid) {
            ck_assert_mem_eq(p.data + vx.inner_ofs, ref.data + O_INNER,
                             inner_len);
        }
        ck_assert_uint_eq(ntohl(vx.ip_src), 0xc0000201);
        ck_assert_uint_eq(ntohl(vx.ip_dst), 0xc0000202);
        ck_assert_uint_eq(ntohs(vx.udp_src), REF_SPORT);
        ck_assert_uint_eq(ntohs(vx.udp_dst), VTEP_VXLAN_PORT);
    }
}
END_TEST

/* Any UDP port can be the VXLAN port. */
START_TEST(test_decap_frame_port)
{
    struct vtep_pkt_vxlan vx;
    struct pkt p;

    pkt_init_ref_frame(&p);
    wr16(p.data + O_UDP + 2, 8472);
    ck_assert_int_eq(vtep_pkt_vxlan_decap_frame(p.data, p.len, htons(8472),
                                                0, &vx), VTEP_PKT_OK);
    ck_assert_int_eq(vtep_pkt_vxlan_decap_frame(p.data, p.len, htons(4789),
                                                0, &vx),
                     VTEP_PKT_DROP_WRONG_UDP_PORT);
}
END_TEST

/* Encapsulation then decapsulation gives back the inner frame and VNI, on
 * both the raw and the socket path. */
START_TEST(test_round_trip)
{
    static const uint32_t vnis[] = { 0, 1, 4096, 5000, 0x7fffff, 0xffffff };

    for (int i = 0; i < 2000; i++) {
        struct pkt p;
        uint8_t inner[1514];
        size_t inner_len = 14 + rnd() % (sizeof inner - 13);
        uint32_t vni = vnis[i % ARRAY_SIZE(vnis)];
        ovs_be16 sport = vtep_pkt_udp_src_port(rnd(), VTEP_PKT_SPORT_MIN,
                                               VTEP_PKT_SPORT_MAX);
        struct vtep_pkt_tunnel t = ref_tunnel;
        struct vtep_pkt_vxlan vx;

        for (size_t j = 0; j < inner_len; j++) {
            inner[j] = rnd();
        }
        inner[6] &= ~1;                 /* Unicast source MAC... */
        inner[7] |= 1;                  /* ...and not zero. */
        if (inner[12] == 0x81 || inner[12] == 0x88) {
            inner[12] = 0x08;           /* Untagged. */
        }
        t.ip_src = (OVS_FORCE ovs_be32) rnd();
        t.ip_dst = (OVS_FORCE ovs_be32) rnd();
        t.ttl = rnd();
        t.tos = rnd();

        /* Raw path. */
        memset(&p, 0, sizeof p);
        p.data = p.buf + HEADROOM;
        memcpy(p.data, inner, inner_len);
        p.len = inner_len;
        ck_assert_int_eq(vtep_pkt_vxlan_encap(&p.data, &p.len, &t, vni,
                                              sport), 0);
        ck_assert_uint_eq(p.len, inner_len + VTEP_PKT_ENCAP_LEN);
        uint8_t *copy = guarded_copy(p.data, p.len);
        ck_assert_int_eq(vtep_pkt_vxlan_decap_frame(copy, p.len, t.udp_dst,
                                                    VTEP_PKT_DECAP_UDP_CSUM,
                                                    &vx), VTEP_PKT_OK);
        guarded_free(copy, p.len);
        ck_assert_uint_eq(vx.vni, vni);
        ck_assert_uint_eq(vx.inner_ofs, VTEP_PKT_ENCAP_LEN);
        ck_assert_uint_eq(vx.inner_len, inner_len);
        ck_assert_mem_eq(p.data + vx.inner_ofs, inner, inner_len);
        ck_assert(vx.ip_src == t.ip_src && vx.ip_dst == t.ip_dst);
        ck_assert(vx.udp_src == sport && vx.udp_dst == t.udp_dst);

        /* Socket path: the 8-byte header, then the inner frame. */
        uint8_t payload[VTEP_PKT_VXLAN_HLEN + sizeof inner];
        ck_assert_int_eq(vtep_pkt_vxlan_put_header(payload, vni), 0);
        memcpy(payload + VTEP_PKT_VXLAN_HLEN, inner, inner_len);
        copy = guarded_copy(payload, VTEP_PKT_VXLAN_HLEN + inner_len);
        ck_assert_int_eq(vtep_pkt_vxlan_decap(copy, VTEP_PKT_VXLAN_HLEN
                                              + inner_len, 0, &vx),
                         VTEP_PKT_OK);
        guarded_free(copy, VTEP_PKT_VXLAN_HLEN + inner_len);
        ck_assert_uint_eq(vx.vni, vni);
        ck_assert_uint_eq(vx.inner_len, inner_len);
        ck_assert_mem_eq(payload + vx.inner_ofs, inner, inner_len);
    }
}
END_TEST

/* The whole trunk -> tunnel -> trunk path on one buffer: parse a tagged
 * frame, pop, encapsulate, decapsulate, push another VLAN. */
START_TEST(test_trunk_tunnel_trunk)
{
    struct pkt p, orig;
    struct vtep_pkt_eth eth;
    struct vtep_pkt_vxlan vx;

    pkt_init(&orig, REF_INNER);
    pkt_init(&p, REF_INNER);
    ck_assert_int_eq(vtep_pkt_vlan_push(&p.data, &p.len, 10), 0);

    ck_assert_int_eq(vtep_pkt_parse_eth(p.data, p.len, &eth), VTEP_PKT_OK);
    ck_assert_uint_eq(eth.vid, 10);
    uint32_t hash = vtep_pkt_flow_hash(p.data, p.len, &eth, 0);
    ck_assert_int_eq(vtep_pkt_vlan_pop(&p.data, &p.len), 0);
    ck_assert_int_eq(vtep_pkt_vxlan_encap(&p.data, &p.len, &ref_tunnel, 77,
                                          vtep_pkt_udp_src_port(
                                              hash, VTEP_PKT_SPORT_MIN,
                                              VTEP_PKT_SPORT_MAX)), 0);

    ck_assert_int_eq(vtep_pkt_vxlan_decap_frame(p.data, p.len,
                                                ref_tunnel.udp_dst, 0, &vx),
                     VTEP_PKT_OK);
    ck_assert_uint_eq(vx.vni, 77);
    p.data += vx.inner_ofs;
    p.len = vx.inner_len;
    ck_assert_int_eq(vtep_pkt_vlan_set(&p.data, &p.len, 20), 0);
    ck_assert_int_eq(vtep_pkt_parse_eth(p.data, p.len, &eth), VTEP_PKT_OK);
    ck_assert_uint_eq(eth.vid, 20);
    ck_assert_int_eq(vtep_pkt_vlan_pop(&p.data, &p.len), 0);
    ck_assert_uint_eq(p.len, orig.len);
    ck_assert_mem_eq(p.data, orig.data, orig.len);
}
END_TEST

/* Flow hash and UDP source port.
 * ============================== */

/* Writes into 'buf' an Ethernet/IPv4 frame with an 8-byte L4 header and
 * returns its length. */
static size_t
make_flow(uint8_t *buf, uint32_t src, uint32_t dst, uint8_t proto,
          uint16_t sport, uint16_t dport, uint16_t frag_off)
{
    size_t len = from_hex(INNER_MACS "0800", buf, 14);
    uint8_t *ip = buf + len;

    memset(ip, 0, 28);
    ip[0] = 0x45;
    wr16(ip + 2, 28);
    wr16(ip + 6, frag_off);
    ip[8] = 64;
    ip[9] = proto;
    wr16(ip + 12, src >> 16);
    wr16(ip + 14, src);
    wr16(ip + 16, dst >> 16);
    wr16(ip + 18, dst);
    wr16(ip + 20, sport);
    wr16(ip + 22, dport);
    fix_ip_csum(ip);
    return len + 28;
}

static uint32_t
flow_hash(const uint8_t *frame, size_t len, uint32_t basis)
{
    struct vtep_pkt_eth eth;

    ck_assert_int_eq(vtep_pkt_parse_eth(frame, len, &eth), VTEP_PKT_OK);
    uint8_t *copy = guarded_copy(frame, len);
    uint32_t hash = vtep_pkt_flow_hash(copy, len, &eth, basis);
    guarded_free(copy, len);
    return hash;
}

START_TEST(test_hash_same_flow)
{
    struct pkt a, b;
    uint32_t h;

    a.data = a.buf + HEADROOM;
    b.data = b.buf + HEADROOM;
    a.len = make_flow(a.data, 0x0a000001, 0x0a000002, 6, 40000, 443, 0);
    b.len = make_flow(b.data, 0x0a000001, 0x0a000002, 6, 40000, 443, 0);
    h = flow_hash(a.data, a.len, 0);
    ck_assert_uint_eq(h, flow_hash(b.data, b.len, 0));
    ck_assert_uint_eq(h, flow_hash(a.data, a.len, 0));

    /* Tagged or not, same flow. */
    ck_assert_int_eq(vtep_pkt_vlan_push(&b.data, &b.len, 42), 0);
    ck_assert_uint_eq(h, flow_hash(b.data, b.len, 0));

    /* Payload after the ports, TTL, ID, checksum: not covered. */
    b.data[18 + 8] = 1;
    b.data[18 + 4] = 0x77;
    fix_ip_csum(b.data + 18);
    memset(b.data + b.len, 0xab, 100);
    ck_assert_uint_eq(h, flow_hash(b.data, b.len + 100, 0));

    /* Each field of the flow is covered. */
    uint8_t c[64];
    size_t n;
    n = make_flow(c, 0x0a000003, 0x0a000002, 6, 40000, 443, 0);
    ck_assert_uint_ne(h, flow_hash(c, n, 0));
    n = make_flow(c, 0x0a000001, 0x0a000003, 6, 40000, 443, 0);
    ck_assert_uint_ne(h, flow_hash(c, n, 0));
    n = make_flow(c, 0x0a000001, 0x0a000002, 17, 40000, 443, 0);
    ck_assert_uint_ne(h, flow_hash(c, n, 0));
    n = make_flow(c, 0x0a000001, 0x0a000002, 6, 40001, 443, 0);
    ck_assert_uint_ne(h, flow_hash(c, n, 0));
    n = make_flow(c, 0x0a000001, 0x0a000002, 6, 40000, 80, 0);
    ck_assert_uint_ne(h, flow_hash(c, n, 0));
    n = make_flow(c, 0x0a000001, 0x0a000002, 6, 40000, 443, 0);
    c[0] ^= 0x10;
    ck_assert_uint_ne(h, flow_hash(c, n, 0));
    c[0] ^= 0x10;
    c[11] ^= 0x10;
    ck_assert_uint_ne(h, flow_hash(c, n, 0));
    c[11] ^= 0x10;
    ck_assert_uint_eq(h, flow_hash(c, n, 0));

    /* So is the Ethernet type. */
    uint8_t e1[14], e2[14];
    from_hex(INNER_MACS "88b5", e1, sizeof e1);
    from_hex(INNER_MACS "88b6", e2, sizeof e2);
    ck_assert_uint_ne(flow_hash(e1, 14, 0), flow_hash(e2, 14, 0));

    /* The basis changes everything. */
    ck_assert_uint_ne(h, flow_hash(a.data, a.len, 1));
}
END_TEST

START_TEST(test_hash_fragments_and_truncation)
{
    uint8_t a[64], b[64];
    size_t na, nb;

    /* A first fragment hashes without its ports, like the later ones. */
    na = make_flow(a, 0x0a000001, 0x0a000002, 17, 1111, 2222, 0x2000);
    nb = make_flow(b, 0x0a000001, 0x0a000002, 17, 3333, 4444, 0x2000);
    ck_assert_uint_eq(flow_hash(a, na, 9), flow_hash(b, nb, 9));
    nb = make_flow(b, 0x0a000001, 0x0a000002, 17, 5555, 6666, 185);
    ck_assert_uint_eq(flow_hash(a, na, 9), flow_hash(b, nb, 9));

    /* Not fragments: ports count. */
    na = make_flow(a, 0x0a000001, 0x0a000002, 17, 1111, 2222, 0x4000);
    nb = make_flow(b, 0x0a000001, 0x0a000002, 17, 3333, 4444, 0x4000);
    ck_assert_uint_ne(flow_hash(a, na, 9), flow_hash(b, nb, 9));

    /* Other protocols: no ports. */
    na = make_flow(a, 0x0a000001, 0x0a000002, 1, 1111, 2222, 0);
    nb = make_flow(b, 0x0a000001, 0x0a000002, 1, 3333, 4444, 0);
    ck_assert_uint_eq(flow_hash(a, na, 9), flow_hash(b, nb, 9));

    /* No room for the ports: addresses only, like ICMP.  No room for the
     * IPv4 header, or a bad one: Ethernet only. */
    na = make_flow(a, 0x0a000001, 0x0a000002, 17, 1111, 2222, 0);
    uint32_t l2_only = flow_hash(a, 14, 9);
    uint32_t l3_only = flow_hash(a, 14 + 20 + 3, 9);
    ck_assert_uint_ne(l2_only, l3_only);
    ck_assert_uint_eq(l3_only, flow_hash(a, 14 + 20, 9));
    ck_assert_uint_ne(l3_only, flow_hash(a, na, 9));
    ck_assert_uint_eq(l2_only, flow_hash(a, 14 + 19, 9));
    a[14] = 0x44;
    ck_assert_uint_eq(l2_only, flow_hash(a, na, 9));
    a[14] = 0x65;
    ck_assert_uint_eq(l2_only, flow_hash(a, na, 9));
    a[14] = 0x4f;                       /* IHL 60 > 28 bytes. */
    ck_assert_uint_eq(l2_only, flow_hash(a, na, 9));
}
END_TEST

START_TEST(test_hash_spread)
{
    static bool seen[65536];
    int distinct = 0;

    /* 1000 TCP flows from one host to another, by source port. */
    for (int i = 0; i < 1000; i++) {
        uint8_t f[64];
        size_t n = make_flow(f, 0x0a000001, 0x0a000002, 6, 32768 + i, 80, 0);
        uint16_t port = ntohs(vtep_pkt_udp_src_port(flow_hash(f, n, 0),
                                                    VTEP_PKT_SPORT_MIN,
                                                    VTEP_PKT_SPORT_MAX));
        ck_assert_uint_ge(port, VTEP_PKT_SPORT_MIN);
        ck_assert_uint_le(port, VTEP_PKT_SPORT_MAX);
        if (!seen[port]) {
            seen[port] = true;
            distinct++;
        }
    }
    ck_assert_int_gt(distinct, 500);

    /* 1000 non-IP flows, by source MAC only. */
    memset(seen, 0, sizeof seen);
    distinct = 0;
    for (int i = 0; i < 1000; i++) {
        uint8_t f[14];
        from_hex(INNER_MACS "88b5", f, sizeof f);
        f[10] = i >> 8;
        f[11] = i;
        uint16_t port = ntohs(vtep_pkt_udp_src_port(flow_hash(f, 14, 0),
                                                    VTEP_PKT_SPORT_MIN,
                                                    VTEP_PKT_SPORT_MAX));
        if (!seen[port]) {
            seen[port] = true;
            distinct++;
        }
    }
    ck_assert_int_gt(distinct, 500);
}
END_TEST

START_TEST(test_udp_src_port_range)
{
    ck_assert_uint_eq(ntohs(vtep_pkt_udp_src_port(0, 49152, 65535)), 49152);
    ck_assert_uint_eq(ntohs(vtep_pkt_udp_src_port(UINT32_MAX, 49152, 65535)),
                      65535);
    ck_assert_uint_eq(ntohs(vtep_pkt_udp_src_port(0x80000000, 0, 65535)),
                      32768);
    ck_assert_uint_eq(ntohs(vtep_pkt_udp_src_port(UINT32_MAX, 0, 65535)),
                      65535);
    ck_assert_uint_eq(ntohs(vtep_pkt_udp_src_port(12345, 4000, 4000)), 4000);
    ck_assert_uint_eq(ntohs(vtep_pkt_udp_src_port(UINT32_MAX, 5000, 4000)),
                      5000);
    ck_assert_uint_eq(ntohs(vtep_pkt_udp_src_port(0, 5000, 4000)), 4000);

    /* Even spread over a small range. */
    int count[10] = { 0 };
    for (int i = 0; i < 100000; i++) {
        uint16_t port = ntohs(vtep_pkt_udp_src_port(rnd(), 100, 109));
        ck_assert(port >= 100 && port <= 109);
        count[port - 100]++;
    }
    for (int i = 0; i < 10; i++) {
        ck_assert_int_gt(count[i], 9000);
        ck_assert_int_lt(count[i], 11000);
    }
}
END_TEST

/* ARP.
 * ==== */

#define ARP(HTYPE, PTYPE, HLEN, PLEN, OP)                               \
    HTYPE " " PTYPE " " HLEN " " PLEN " " OP                            \
    " 020000000001 c0a80001 000000000000 c0a80002"

struct arp_case {
    const char *name;
    const char *hex;
    enum vtep_pkt_drop reason;
    uint16_t op;
};

static const struct arp_case arp_cases[] = {
    { "request", ARP("0001", "0800", "06", "04", "0001"), VTEP_PKT_OK, 1 },
    { "reply", ARP("0001", "0800", "06", "04", "0002"), VTEP_PKT_OK, 2 },
    { "padded to 46", ARP("0001", "0800", "06", "04", "0001")
      "000000000000000000000000000000000000", VTEP_PKT_OK, 1 },
    { "empty", "", VTEP_PKT_DROP_ARP_TOO_SHORT, 0 },
    { "fixed part only", "0001 0800 06 04 0001",
      VTEP_PKT_DROP_ARP_TOO_SHORT, 0 },
    { "27 bytes", "0001 0800 06 04 0001 020000000001 c0a80001 000000000000"
      " c0a800", VTEP_PKT_DROP_ARP_TOO_SHORT, 0 },
    { "hardware type 6", ARP("0006", "0800", "06", "04", "0001"),
      VTEP_PKT_DROP_BAD_ARP, 0 },
    { "protocol IPv6", ARP("0001", "86dd", "06", "04", "0001"),
      VTEP_PKT_DROP_BAD_ARP, 0 },
    { "hardware length 8", ARP("0001", "0800", "08", "04", "0001"),
      VTEP_PKT_DROP_BAD_ARP, 0 },
    { "protocol length 16", ARP("0001", "0800", "06", "10", "0001"),
      VTEP_PKT_DROP_BAD_ARP, 0 },
    { "op 0", ARP("0001", "0800", "06", "04", "0000"),
      VTEP_PKT_DROP_BAD_ARP, 0 },
    { "op 3 (RARP)", ARP("0001", "0800", "06", "04", "0003"),
      VTEP_PKT_DROP_BAD_ARP, 0 },
    { "op 0x0101", ARP("0001", "0800", "06", "04", "0101"),
      VTEP_PKT_DROP_BAD_ARP, 0 },
};

static enum vtep_pkt_drop
run_arp_case(const struct arp_case *c, struct vtep_pkt_arp *arp)
{
    uint8_t buf[64];
    size_t len = from_hex(c->hex, buf, sizeof buf);

    uint8_t *copy = guarded_copy(buf, len);
    enum vtep_pkt_drop reason = vtep_pkt_parse_arp(copy, len, arp);
    guarded_free(copy, len);
    return reason;
}

START_TEST(test_parse_arp)
{
    const struct arp_case *c = &arp_cases[_i];
    struct vtep_pkt_arp arp;

    enum vtep_pkt_drop reason = run_arp_case(c, &arp);
    ck_assert_msg(reason == c->reason, "%s: got %s, expected %s", c->name,
                  vtep_pkt_drop_to_string(reason),
                  vtep_pkt_drop_to_string(c->reason));
    if (reason == VTEP_PKT_OK) {
        const struct eth_addr sha = ETH_ADDR_C(02, 00, 00, 00, 00, 01);
        ck_assert_uint_eq(arp.op, c->op);
        ck_assert(eth_addr_equals(arp.sha, sha));
        ck_assert(eth_addr_is_zero(arp.tha));
        ck_assert_uint_eq(ntohl(arp.spa), 0xc0a80001);
        ck_assert_uint_eq(ntohl(arp.tpa), 0xc0a80002);
    }
}
END_TEST

/* ARP in a tagged frame, found through vtep_pkt_parse_eth(). */
START_TEST(test_arp_in_tagged_frame)
{
    struct pkt p;
    struct vtep_pkt_eth eth;
    struct vtep_pkt_arp arp;

    pkt_init(&p, "ffffffffffff 020000000001 8100 0005 0806"
             ARP("0001", "0800", "06", "04", "0001"));
    ck_assert_int_eq(vtep_pkt_parse_eth(p.data, p.len, &eth), VTEP_PKT_OK);
    ck_assert_uint_eq(ntohs(eth.eth_type), ETH_TYPE_ARP);
    ck_assert_int_eq(vtep_pkt_parse_arp(p.data + eth.l3_ofs,
                                        p.len - eth.l3_ofs, &arp),
                     VTEP_PKT_OK);
    ck_assert(eth_addr_equals(arp.sha, eth.src));
    ck_assert_uint_eq(ntohl(arp.spa), 0xc0a80001);
}
END_TEST

/* Every reason is produced by some table row. */
START_TEST(test_every_reason_hit)
{
    bool hit[VTEP_PKT_N_DROPS] = { false };

    for (size_t i = 0; i < ARRAY_SIZE(eth_cases); i++) {
        struct vtep_pkt_eth eth;
        uint8_t frame[64];
        size_t len;
        hit[run_eth_case(&eth_cases[i], &eth, frame, &len)] = true;
    }
    for (size_t i = 0; i < ARRAY_SIZE(decap_cases); i++) {
        struct vtep_pkt_vxlan vx;
        size_t len;
        hit[run_decap_case(&decap_cases[i], &vx, &len)] = true;
    }
    for (size_t i = 0; i < ARRAY_SIZE(frame_cases); i++) {
        struct vtep_pkt_vxlan vx;
        struct pkt p;
        hit[run_frame_case(&frame_cases[i], &p, &vx)] = true;
    }
    for (size_t i = 0; i < ARRAY_SIZE(arp_cases); i++) {
        struct vtep_pkt_arp arp;
        hit[run_arp_case(&arp_cases[i], &arp)] = true;
    }
    for (int i = 0; i < VTEP_PKT_N_DROPS; i++) {
        ck_assert_msg(hit[i], "no test produces \"%s\"",
                      vtep_pkt_drop_to_string(i));
    }
}
END_TEST

/* The suite.
 * ========== */

static Suite *
packet_suite(void)
{
    Suite *s = suite_create("packet");
    TCase *tc;

    tc = tcase_create("reasons");
    tcase_add_test(tc, test_reason_names);
    tcase_add_test(tc, test_every_reason_hit);
    suite_add_tcase(s, tc);

    tc = tcase_create("ethernet");
    tcase_add_loop_test(tc, test_parse_eth, 0, ARRAY_SIZE(eth_cases));
    suite_add_tcase(s, tc);

    tc = tcase_create("vlan");
    tcase_add_test(tc, test_vlan_push_pop);
    tcase_add_test(tc, test_vlan_pop_priority_and_8021ad);
    tcase_add_loop_test(tc, test_vlan_set, 0, ARRAY_SIZE(vlan_set_cases));
    tcase_add_test(tc, test_vlan_errors);
    suite_add_tcase(s, tc);

    tc = tcase_create("encap");
    tcase_add_test(tc, test_encap_reference);
    tcase_add_test(tc, test_encap_vxlan_header);
    tcase_add_test(tc, test_encap_errors_and_limits);
    tcase_add_test(tc, test_encap_ip_csum);
    tcase_add_test(tc, test_encap_ip_csum_carries);
    suite_add_tcase(s, tc);

    tc = tcase_create("decap");
    tcase_add_loop_test(tc, test_decap_payload, 0, ARRAY_SIZE(decap_cases));
    tcase_add_loop_test(tc, test_decap_frame, 0, ARRAY_SIZE(frame_cases));
    tcase_add_test(tc, test_decap_frame_port);
    tcase_add_test(tc, test_round_trip);
    tcase_add_test(tc, test_trunk_tunnel_trunk);
    suite_add_tcase(s, tc);

    tc = tcase_create("hash");
    tcase_add_test(tc, test_hash_same_flow);
    tcase_add_test(tc, test_hash_fragments_and_truncation);
    tcase_add_test(tc, test_hash_spread);
    tcase_add_test(tc, test_udp_src_port_range);
    suite_add_tcase(s, tc);

    tc = tcase_create("arp");
    tcase_add_loop_test(tc, test_parse_arp, 0, ARRAY_SIZE(arp_cases));
    tcase_add_test(tc, test_arp_in_tagged_frame);
    suite_add_tcase(s, tc);

    return s;
}

int
main(int argc OVS_UNUSED, char *argv[])
{
    return unit_main(argv[0], packet_suite);
}

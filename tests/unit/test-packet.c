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

/* Drop reasons.
 * ============= */

static const char *const reason_names[VTEP_PKT_N_DROPS] = {
    [VTEP_PKT_OK] = "ok",
    [VTEP_PKT_DROP_RUNT] = "runt",
    [VTEP_PKT_DROP_BAD_SRC_MAC] = "bad-src-mac",
    [VTEP_PKT_DROP_VXLAN_TOO_SHORT] = "vxlan-too-short",
    [VTEP_PKT_DROP_BAD_VXLAN_FLAGS] = "bad-vxlan-flags",
    [VTEP_PKT_DROP_INNER_VLAN_TAG] = "inner-vlan-tag",
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

START_TEST(test_vlan_errors)
{
    struct pkt p;
    uint8_t *start;

    /* Invalid VIDs. */
    pkt_init(&p, REF_INNER);
    start = p.data;
    ck_assert_int_eq(vtep_pkt_vlan_push(&p.data, &p.len, 4096), EINVAL);
    ck_assert_ptr_eq(p.data, start);
    ck_assert_uint_eq(p.len, REF_INNER_LEN);

    /* Runts. */
    pkt_init(&p, MACS "08");
    start = p.data;
    ck_assert_int_eq(vtep_pkt_vlan_push(&p.data, &p.len, 1), EINVAL);
    ck_assert_int_eq(vtep_pkt_vlan_pop(&p.data, &p.len), EINVAL);
    ck_assert_ptr_eq(p.data, start);
    ck_assert_uint_eq(p.len, 13);

    pkt_init(&p, MACS "8100 0064 08");
    start = p.data;
    ck_assert_int_eq(vtep_pkt_vlan_pop(&p.data, &p.len), EINVAL);
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

    /* A million headers: one assertion at the end, because each Check
     * assertion costs a system call in fork mode. */
    size_t n_bad = 0;
    for (size_t i = 0; i < ARRAY_SIZE(addrs) * ARRAY_SIZE(addrs); i++) {
        t.ip_src = htonl(addrs[i % ARRAY_SIZE(addrs)]);
        t.ip_dst = htonl(addrs[i / ARRAY_SIZE(addrs)]);
        for (size_t len = 14; len <= VTEP_PKT_INNER_MAX; len++) {
            uint8_t hdr[VTEP_PKT_ENCAP_LEN];

            n_bad += (vtep_pkt_vxlan_put_encap(hdr, &t, 1, htons(1), len)
                      || csum(hdr + O_IP, IP_HEADER_LEN));
        }
    }
    ck_assert_uint_eq(n_bad, 0);
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
    }
}
END_TEST

/* Encapsulation then decapsulation gives back the inner frame and VNI:
 * the headers of vtep_pkt_vxlan_put_encap() describe the datagram, and its
 * UDP payload (the VXLAN header and the frame) decapsulates. */
START_TEST(test_round_trip)
{
    static const uint32_t vnis[] = { 0, 1, 4096, 5000, 0x7fffff, 0xffffff };

    for (int i = 0; i < 2000; i++) {
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

        /* The datagram: headers, then the inner frame. */
        uint8_t dgram[VTEP_PKT_ENCAP_LEN + sizeof inner];
        ck_assert_int_eq(vtep_pkt_vxlan_put_encap(dgram, &t, vni, sport,
                                                  inner_len), 0);
        memcpy(dgram + VTEP_PKT_ENCAP_LEN, inner, inner_len);
        const uint8_t *ip = dgram + O_IP, *udp = dgram + O_UDP;
        ck_assert_uint_eq(rd16(ip + 2), inner_len + 36);
        ck_assert_uint_eq(csum(ip, 20), 0);
        ck_assert(!memcmp(ip + 12, &t.ip_src, 4)
                  && !memcmp(ip + 16, &t.ip_dst, 4));
        ck_assert_uint_eq(rd16(udp), ntohs(sport));
        ck_assert_uint_eq(rd16(udp + 2), ntohs(t.udp_dst));
        ck_assert_uint_eq(rd16(udp + 4), inner_len + 16);

        /* Its UDP payload, as a socket receives it. */
        size_t n = VTEP_PKT_VXLAN_HLEN + inner_len;
        uint8_t *copy = guarded_copy(dgram + O_VXLAN, n);
        ck_assert_int_eq(vtep_pkt_vxlan_decap(copy, n, 0, &vx), VTEP_PKT_OK);
        guarded_free(copy, n);
        ck_assert_uint_eq(vx.vni, vni);
        ck_assert_uint_eq(vx.inner_len, inner_len);
        ck_assert_mem_eq(dgram + O_VXLAN + vx.inner_ofs, inner, inner_len);

        /* The VXLAN header alone is the same as put_encap()'s. */
        uint8_t hdr[VTEP_PKT_VXLAN_HLEN];
        ck_assert_int_eq(vtep_pkt_vxlan_put_header(hdr, vni), 0);
        ck_assert_mem_eq(hdr, dgram + O_VXLAN, VTEP_PKT_VXLAN_HLEN);
    }
}
END_TEST

/* The whole trunk -> tunnel -> trunk path on one buffer: parse a tagged
 * frame, pop, put the VXLAN header in front, decapsulate, push another
 * VLAN. */
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
    ck_assert_int_eq(vtep_pkt_vlan_pop(&p.data, &p.len), 0);
    p.data -= VTEP_PKT_VXLAN_HLEN;
    p.len += VTEP_PKT_VXLAN_HLEN;
    ck_assert_int_eq(vtep_pkt_vxlan_put_header(p.data, 77), 0);

    ck_assert_int_eq(vtep_pkt_vxlan_decap(p.data, p.len, 0, &vx),
                     VTEP_PKT_OK);
    ck_assert_uint_eq(vx.vni, 77);
    p.data += vx.inner_ofs;
    p.len = vx.inner_len;
    ck_assert_int_eq(vtep_pkt_vlan_push(&p.data, &p.len, 20), 0);
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
    bool ok;
    uint16_t op;
};

static const struct arp_case arp_cases[] = {
    { "request", ARP("0001", "0800", "06", "04", "0001"), true, 1 },
    { "reply", ARP("0001", "0800", "06", "04", "0002"), true, 2 },
    { "padded to 46", ARP("0001", "0800", "06", "04", "0001")
      "000000000000000000000000000000000000", true, 1 },
    { "empty", "", false, 0 },
    { "fixed part only", "0001 0800 06 04 0001",
      false, 0 },
    { "27 bytes", "0001 0800 06 04 0001 020000000001 c0a80001 000000000000"
      " c0a800", false, 0 },
    { "hardware type 6", ARP("0006", "0800", "06", "04", "0001"),
      false, 0 },
    { "protocol IPv6", ARP("0001", "86dd", "06", "04", "0001"),
      false, 0 },
    { "hardware length 8", ARP("0001", "0800", "08", "04", "0001"),
      false, 0 },
    { "protocol length 16", ARP("0001", "0800", "06", "10", "0001"),
      false, 0 },
    { "op 0", ARP("0001", "0800", "06", "04", "0000"),
      false, 0 },
    { "op 3 (RARP)", ARP("0001", "0800", "06", "04", "0003"),
      false, 0 },
    { "op 0x0101", ARP("0001", "0800", "06", "04", "0101"),
      false, 0 },
};

static bool
run_arp_case(const struct arp_case *c, struct vtep_pkt_arp *arp)
{
    uint8_t buf[64];
    size_t len = from_hex(c->hex, buf, sizeof buf);

    uint8_t *copy = guarded_copy(buf, len);
    bool ok = vtep_pkt_parse_arp(copy, len, arp);
    guarded_free(copy, len);
    return ok;
}

START_TEST(test_parse_arp)
{
    const struct arp_case *c = &arp_cases[_i];
    struct vtep_pkt_arp arp;

    bool ok = run_arp_case(c, &arp);
    ck_assert_msg(ok == c->ok, "%s: got %s", c->name, ok ? "ARP" : "no ARP");
    if (ok) {
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
    ck_assert(vtep_pkt_parse_arp(p.data + eth.l3_ofs, p.len - eth.l3_ofs,
                                 &arp));
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
    for (int i = 0; i < VTEP_PKT_N_DROPS; i++) {
        ck_assert_msg(hit[i], "no test produces \"%s\"",
                      vtep_pkt_drop_to_string(i));
    }
}
END_TEST

/* Checksums left to offload.
 * ========================== */

/* An L4 segment of 'l4_len' bytes ('proto' TCP or UDP) after an IPv4 or
 * IPv6 header in 'f' (untagged), with the checksum field as a sender with
 * offload leaves it (partial) or right; returns the frame length. */
static size_t
csum_frame(uint8_t *f, bool ipv6, uint8_t proto, size_t l4_len,
           bool partial)
{
    size_t l3_len = ipv6 ? 40 : 20;
    size_t csum_ofs = proto == IPPROTO_TCP ? 16 : 6;
    uint8_t *l3 = f + 14, *l4 = l3 + l3_len;
    uint32_t pseudo = 0;

    from_hex(INNER_MACS, f, 12);
    wr16(f + 12, ipv6 ? 0x86dd : 0x0800);
    memset(l3, 0, l3_len);
    for (size_t i = 0; i < l4_len; i++) {
        l4[i] = rnd();
    }
    if (ipv6) {
        l3[0] = 0x60;
        wr16(l3 + 4, l4_len);
        l3[6] = proto;
        l3[7] = 64;
        for (int i = 8; i < 40; i++) {
            l3[i] = rnd();
        }
        for (int i = 8; i < 40; i += 2) {
            pseudo += rd16(l3 + i);
        }
        pseudo += l4_len + proto;
    } else {
        l3[0] = 0x45;
        wr16(l3 + 2, 20 + l4_len);
        l3[8] = 64;
        l3[9] = proto;
        for (int i = 12; i < 20; i++) {
            l3[i] = rnd();
        }
        fix_ip_csum(l3);
        for (int i = 12; i < 20; i += 2) {
            pseudo += rd16(l3 + i);
        }
        pseudo += l4_len + proto;
    }
    if (proto == IPPROTO_UDP) {
        wr16(l4 + 4, l4_len);
    }
    wr16(l4 + csum_ofs, 0);
    uint16_t sum = ref_csum(l4, l4_len, pseudo);
    if (proto == IPPROTO_UDP && !sum) {
        sum = 0xffff;
    }
    if (partial) {
        /* The folded pseudo-header sum, not inverted. */
        uint32_t p = pseudo;
        while (p >> 16) {
            p = (p & 0xffff) + (p >> 16);
        }
        wr16(l4 + csum_ofs, p);
    } else {
        wr16(l4 + csum_ofs, sum);
    }
    return 14 + l3_len + l4_len;
}

static bool
csum_complete(uint8_t *f, size_t len)
{
    struct vtep_pkt_eth eth;
    ck_assert_int_eq(vtep_pkt_parse_eth(f, len, &eth), VTEP_PKT_OK);
    return vtep_pkt_csum_complete(f, len, &eth);
}

START_TEST(test_csum_complete)
{
    for (int i = 0; i < 400; i++) {
        uint8_t partial[1600], good[1600];
        bool ipv6 = i & 1;
        uint8_t proto = i & 2 ? IPPROTO_UDP : IPPROTO_TCP;
        size_t l4_len = (proto == IPPROTO_TCP ? 20 : 8) + rnd() % 1000;
        uint32_t seed = rnd_state;

        /* The same segment twice: partial, then right. */
        size_t len = csum_frame(partial, ipv6, proto, l4_len, true);
        rnd_state = seed;
        ck_assert_uint_eq(csum_frame(good, ipv6, proto, l4_len, false), len);

        csum_complete(partial, len);
        ck_assert_mem_eq(partial, good, len);

        /* A right checksum stays, and so does a wrong one. */
        ck_assert(!csum_complete(good, len));
        uint8_t *l4 = good + 14 + (ipv6 ? 40 : 20);
        l4[proto == IPPROTO_TCP ? 17 : 7] ^= 0x5a;
        uint8_t copy[1600];
        memcpy(copy, good, len);
        csum_complete(good, len);
        ck_assert_mem_eq(good, copy, len);
    }
}
END_TEST

START_TEST(test_csum_complete_leaves_alone)
{
    uint8_t f[200], copy[200];
    size_t len;

    /* UDP without a checksum (0). */
    len = csum_frame(f, false, IPPROTO_UDP, 40, false);
    wr16(f + 34 + 6, 0);
    memcpy(copy, f, len);
    ck_assert(!csum_complete(f, len));
    ck_assert_mem_eq(f, copy, len);

    /* A fragment, even with a partial-looking field. */
    len = csum_frame(f, false, IPPROTO_TCP, 60, true);
    wr16(f + 14 + 6, 0x2000);
    fix_ip_csum(f + 14);
    memcpy(copy, f, len);
    ck_assert(!csum_complete(f, len));
    ck_assert_mem_eq(f, copy, len);

    /* Cut short: the IPv4 length runs past the frame; an L4 header too
     * short; not IP at all. */
    len = csum_frame(f, false, IPPROTO_TCP, 60, true);
    memcpy(copy, f, len);
    ck_assert(!csum_complete(f, len - 1));
    ck_assert_mem_eq(f, copy, len);
    len = csum_frame(f, true, IPPROTO_TCP, 60, true);
    ck_assert(!csum_complete(f, len - 1));
    len = csum_frame(f, false, IPPROTO_TCP, 20, true);
    wr16(f + 14 + 2, 20 + 19);
    fix_ip_csum(f + 14);
    ck_assert(!csum_complete(f, len - 1));
    len = csum_frame(f, false, IPPROTO_TCP, 60, true);
    wr16(f + 12, 0x88b5);
    ck_assert(!csum_complete(f, len));
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

    tc = tcase_create("checksum");
    tcase_add_test(tc, test_csum_complete);
    tcase_add_test(tc, test_csum_complete_leaves_alone);
    suite_add_tcase(s, tc);

    return s;
}

int
main(int argc OVS_UNUSED, char *argv[])
{
    return unit_main(argv[0], packet_suite);
}

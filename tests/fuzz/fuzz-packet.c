/*
 * fuzz-packet.c: fuzz target for lib/vtep-packet.c, the packet codec: every
 * function that reads bytes from the wire gets the input, and the results
 * are checked against each other (an accepted VXLAN payload must lie inside
 * the input, what was encapsulated must decapsulate back, a pushed tag must
 * pop off again, a completed checksum changes only its field and only
 * once, and so on).  A broken invariant abort()s.  (fuzz-dp.c fuzzes the
 * datapath's input functions around this codec.)
 *
 * As a test (make check), built without FUZZING_ENGINE and with
 * fuzz-driver.c (the main() that the fuzz targets share), it runs the
 * target over each file named on the command line or, without file
 * arguments, over pseudo-random inputs from a fixed seed: random bytes, and
 * mutations (bit flips, byte writes, truncation, growth, insertion and
 * deletion) of valid VXLAN frames, VXLAN payloads, tagged Ethernet frames
 * with ARP and IPv4/TCP/UDP inner frames.  Options: -n N (inputs, default
 * 200000), -s SEED, -w DIR (write the inputs into DIR, one file each, as a
 * seed corpus for libFuzzer, instead of running them).
 *
 * Under libFuzzer, with AddressSanitizer and UndefinedBehaviorSanitizer,
 * from the top of the source tree once libopenvswitch is built:
 *
 *   OVS=deps/ovs-src
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined \
 *       -fno-sanitize-recover=all -DFUZZING_ENGINE \
 *       -I. -I$OVS -I$OVS/include -I$OVS/lib \
 *       tests/fuzz/fuzz-packet.c lib/vtep-packet.c \
 *       $OVS/lib/.libs/libopenvswitch.a -latomic -lpthread -lrt -lm \
 *       -o fuzz-packet
 *   mkdir -p fuzz-corpus
 *   tests/fuzz/fuzz-packet -n 200 -w fuzz-corpus   (optional seeds, from
 *                                                  the make check build)
 *   ./fuzz-packet -max_total_time=60 fuzz-corpus
 *
 * (./fuzz-packet CRASHFILE replays a crash; the test binary takes the same
 * file: tests/fuzz/fuzz-packet CRASHFILE.)
 */
#include <config.h>

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "csum.h"
#include "lib/vtep-packet.h"
#include "lib/vtep-types.h"
#include "util.h"
#include "tests/fuzz/fuzz-driver.h"


/* Inputs longer than this are cut: nothing in the codec depends on more. */
#define FUZZ_MAX_INPUT 4096
#define HEADROOM 64

/* The outer Ethernet addresses of the frames built here. */
#define OUR_MAC ETH_ADDR_C(02, 00, 00, 00, 00, 01)
#define NEXT_HOP_MAC ETH_ADDR_C(02, 00, 00, 00, 00, 02)

/* How often each reason came out of vtep_pkt_vxlan_decap(), and how many
 * checksums were completed, to show how deep the inputs reach. */
static unsigned long long decap_results[VTEP_PKT_N_DROPS];
static unsigned long long n_csum_completed;

static void
check_reason(enum vtep_pkt_drop reason)
{
    CHECK((unsigned int) reason < VTEP_PKT_N_DROPS);
    CHECK(strcmp(vtep_pkt_drop_to_string(reason), "unknown"));
}

static bool
eth_equal(const struct vtep_pkt_eth *a, const struct vtep_pkt_eth *b)
{
    return (eth_addr_equals(a->dst, b->dst) && eth_addr_equals(a->src, b->src)
            && a->vid == b->vid && a->eth_type == b->eth_type
            && a->l3_ofs == b->l3_ofs);
}

/* Ethernet parsing, the flow hash and ARP. */
static void
fuzz_eth(const uint8_t *data, size_t size)
{
    struct vtep_pkt_eth eth;
    enum vtep_pkt_drop reason = vtep_pkt_parse_eth(data, size, &eth);

    check_reason(reason);
    CHECK(reason == VTEP_PKT_OK || reason == VTEP_PKT_DROP_RUNT
          || reason == VTEP_PKT_DROP_BAD_SRC_MAC);
    CHECK((size < ETH_HEADER_LEN) == (reason == VTEP_PKT_DROP_RUNT)
          || (size < VLAN_ETH_HEADER_LEN && reason == VTEP_PKT_DROP_RUNT));
    if (reason != VTEP_PKT_OK) {
        return;
    }
    CHECK(eth.l3_ofs == ETH_HEADER_LEN || eth.l3_ofs == VLAN_ETH_HEADER_LEN);
    CHECK(eth.l3_ofs <= size);
    CHECK(eth.vid <= VTEP_VLAN_MAX);
    CHECK(!eth_addr_is_multicast(eth.src) && !eth_addr_is_zero(eth.src));

    uint32_t hash = vtep_pkt_flow_hash(data, size, &eth, 42);
    CHECK(hash == vtep_pkt_flow_hash(data, size, &eth, 42));
    uint16_t port = ntohs(vtep_pkt_udp_src_port(hash, VTEP_PKT_SPORT_MIN,
                                                VTEP_PKT_SPORT_MAX));
    CHECK(port >= VTEP_PKT_SPORT_MIN);

    struct vtep_pkt_arp arp;
    if (vtep_pkt_parse_arp(data + eth.l3_ofs, size - eth.l3_ofs, &arp)) {
        CHECK(size - eth.l3_ofs >= ARP_ETH_HEADER_LEN);
        CHECK(arp.op == ARP_OP_REQUEST || arp.op == ARP_OP_REPLY);
    }
}

/* Tag push and pop on a copy with headroom. */
static void
fuzz_vlan(const uint8_t *data, size_t size)
{
    static uint8_t buf[HEADROOM + FUZZ_MAX_INPUT];
    uint16_t vid = size >= 2 ? (data[0] << 8 | data[1]) & 0xfff : 1;
    uint8_t *p = buf + HEADROOM;
    size_t len = size;
    struct vtep_pkt_eth before, after;

    memcpy(p, data, size);
    bool parsed = vtep_pkt_parse_eth(p, len, &before) == VTEP_PKT_OK;

    /* Push then pop gives back the input. */
    int error = vtep_pkt_vlan_push(&p, &len, vid);
    CHECK(!error == (size >= ETH_HEADER_LEN));
    if (!error && vid) {
        CHECK(p == buf + HEADROOM - VLAN_HEADER_LEN);
        CHECK(len == size + VLAN_HEADER_LEN);
        if (parsed) {
            CHECK(vtep_pkt_parse_eth(p, len, &after) == VTEP_PKT_OK);
            CHECK(after.vid == vid && after.l3_ofs == VLAN_ETH_HEADER_LEN);
        }
        CHECK(!vtep_pkt_vlan_pop(&p, &len));
    }
    CHECK(p == buf + HEADROOM && len == size && !memcmp(p, data, size));

    /* Pop on the input: a tagged frame loses its outer tag, where the
     * payload after it stays. */
    p = buf + HEADROOM;
    len = size;
    memcpy(p, data, size);
    error = vtep_pkt_vlan_pop(&p, &len);
    if (!error) {
        CHECK(len == size || len == size - VLAN_HEADER_LEN);
        CHECK(!memcmp(p, data, 2 * ETH_ADDR_LEN));
        CHECK(!memcmp(p + 2 * ETH_ADDR_LEN, data + size - len
                      + 2 * ETH_ADDR_LEN, len - 2 * ETH_ADDR_LEN));
        if (parsed && vtep_pkt_eth_is_tagged(&before)
            && !vtep_pkt_is_vlan_tpid(before.eth_type)) {
            CHECK(len == size - VLAN_HEADER_LEN);
            CHECK(vtep_pkt_parse_eth(p, len, &after) == VTEP_PKT_OK);
            CHECK(after.eth_type == before.eth_type);
        }
    }
}

/* Checks an accepted VXLAN payload: it lies inside the input, and its
 * inner frame parses alike. */
static void
check_vxlan(const uint8_t *data, size_t size,
            const struct vtep_pkt_vxlan *vx)
{
    struct vtep_pkt_eth inner;

    CHECK(vx->vni <= VTEP_VNI_MAX);
    CHECK(vx->inner_len >= ETH_HEADER_LEN);
    CHECK(vx->inner_ofs >= VTEP_PKT_VXLAN_HLEN);
    CHECK(vx->inner_ofs <= size && vx->inner_len <= size - vx->inner_ofs);
    CHECK(vtep_pkt_parse_eth(data + vx->inner_ofs, vx->inner_len, &inner)
          == VTEP_PKT_OK);
    CHECK(eth_equal(&inner, &vx->inner));
}

static void
fuzz_decap(const uint8_t *data, size_t size)
{
    static const unsigned int flag_sets[] = {
        0, VTEP_PKT_DECAP_INNER_VLAN,
    };

    for (size_t i = 0; i < ARRAY_SIZE(flag_sets); i++) {
        struct vtep_pkt_vxlan vx;
        enum vtep_pkt_drop reason;

        reason = vtep_pkt_vxlan_decap(data, size, flag_sets[i], &vx);
        check_reason(reason);
        decap_results[reason]++;
        if (reason == VTEP_PKT_OK) {
            check_vxlan(data, size, &vx);
            CHECK(flag_sets[i] || !vtep_pkt_eth_is_tagged(&vx.inner));
        }
    }
}

/* Completing a checksum left to offload: only a TCP or UDP checksum field
 * changes, the result verifies, and a second pass changes nothing. */
static void
fuzz_csum(const uint8_t *data, size_t size)
{
    struct vtep_pkt_eth eth;

    if (vtep_pkt_parse_eth(data, size, &eth) != VTEP_PKT_OK) {
        return;
    }
    uint8_t *copy = malloc(size);
    CHECK(copy);
    memcpy(copy, data, size);
    if (vtep_pkt_csum_complete(copy, size, &eth)) {
        n_csum_completed++;
        size_t diff = 0, first = SIZE_MAX;
        for (size_t i = 0; i < size; i++) {
            if (copy[i] != data[i]) {
                diff++;
                first = MIN(first, i);
            }
        }
        CHECK(diff >= 1 && diff <= 2);
        CHECK(first >= eth.l3_ofs + IP_HEADER_LEN);
        CHECK(!vtep_pkt_csum_complete(copy, size, &eth));
    }
    free(copy);
}

/* Encapsulates 'data' as an inner frame: decapsulation must accept it
 * exactly when its Ethernet header is good and untagged. */
static void
fuzz_round_trip(const uint8_t *data, size_t size)
{
    static uint8_t buf[VTEP_PKT_ENCAP_LEN + FUZZ_MAX_INPUT];
    uint32_t vni = size >= 3 ? data[0] << 16 | data[1] << 8 | data[2] : 0;
    const struct vtep_pkt_tunnel t = {
        .eth_dst = NEXT_HOP_MAC,
        .eth_src = OUR_MAC,
        .ip_src = htonl(0xc0000201),
        .ip_dst = htonl(0xc0000202),
        .udp_dst = htons(VTEP_VXLAN_PORT),
        .tos = size ? data[size - 1] : 0,
    };
    struct vtep_pkt_eth eth;
    struct vtep_pkt_vxlan vx;
    enum vtep_pkt_drop reason;

    int error = vtep_pkt_vxlan_put_encap(buf, &t, vni, htons(50000), size);
    if (size < ETH_HEADER_LEN) {
        CHECK(error == EINVAL);
        return;
    }
    CHECK(!error);
    CHECK(!csum(buf + ETH_HEADER_LEN, IP_HEADER_LEN));
    memcpy(buf + VTEP_PKT_ENCAP_LEN, data, size);

    enum vtep_pkt_drop expect = vtep_pkt_parse_eth(data, size, &eth);
    if (expect == VTEP_PKT_OK && vtep_pkt_eth_is_tagged(&eth)) {
        expect = VTEP_PKT_DROP_INNER_VLAN_TAG;
    }
    /* The UDP payload: the 8-byte header in front. */
    uint8_t *payload = buf + VTEP_PKT_ENCAP_LEN - VTEP_PKT_VXLAN_HLEN;
    CHECK(!vtep_pkt_vxlan_put_header(payload, vni));
    reason = vtep_pkt_vxlan_decap(payload, VTEP_PKT_VXLAN_HLEN + size, 0,
                                  &vx);
    CHECK(reason == expect);
    if (reason == VTEP_PKT_OK) {
        CHECK(vx.vni == vni && vx.inner_len == size);
        CHECK(!memcmp(payload + vx.inner_ofs, data, size));
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX_INPUT) {
        size = FUZZ_MAX_INPUT;
    }

    /* An exact-size heap copy, so that AddressSanitizer (or valgrind) sees
     * any read past the end. */
    uint8_t *copy = malloc(size ? size : 1);
    CHECK(copy);
    memcpy(copy, data, size);

    fuzz_eth(copy, size);
    fuzz_vlan(copy, size);
    fuzz_decap(copy, size);
    fuzz_round_trip(copy, size);
    fuzz_csum(copy, size);

    struct vtep_pkt_arp arp;
    vtep_pkt_parse_arp(copy, size, &arp);

    free(copy);
    return 0;
}

#ifndef FUZZING_ENGINE
/* The stand-alone driver.
 * ======================= */

/* An Ethernet header with random unicast MACs and 'type'; returns its
 * length. */
static size_t
put_eth(uint8_t *p, uint16_t type)
{
    fuzz_rng_fill(p, 12);
    p[6] = (p[6] & ~1) | 2;             /* Local unicast source. */
    p[12] = type >> 8;
    p[13] = type;
    return ETH_HEADER_LEN;
}

/* An IPv4 header with a right checksum and a TCP or UDP port pair, then
 * random bytes, 'len' bytes in all; returns 'len'. */
static size_t
put_ipv4(uint8_t *p, size_t len)
{
    fuzz_rng_fill(p, len);
    p[0] = 0x45;
    p[2] = len >> 8;
    p[3] = len;
    if (fuzz_rng() % 4) {
        p[6] = 0x40;                    /* Mostly DF, sometimes anything. */
        p[7] = 0;
    }
    p[9] = fuzz_rng() % 2 ? 6 : 17;
    memset(p + 10, 0, 2);
    ovs_be16 sum = csum(p, 20);
    memcpy(p + 10, &sum, 2);
    return len;
}

/* A valid VXLAN frame (kind 0) or UDP payload (kind 1), an Ethernet frame
 * with an ARP packet and maybe a tag (kind 2), or an Ethernet frame with
 * IPv4 (kind 3).  Returns its length. */
static size_t
make_valid(uint8_t *p, int kind)
{
    uint8_t inner_buf[VLAN_HEADER_LEN + 1600];
    uint8_t *inner = inner_buf + VLAN_HEADER_LEN;
    size_t inner_len = put_eth(inner, 0x0800);
    inner_len += put_ipv4(inner + inner_len, 20 + fuzz_rng() % 200);
    if (kind < 2 && fuzz_rng() % 4 == 0) {
        /* An inner tag, which only VTEP_PKT_DECAP_INNER_VLAN accepts. */
        CHECK(!vtep_pkt_vlan_push(&inner, &inner_len, 1 + fuzz_rng() % 4094));
    }

    switch (kind) {
    case 0: {
        struct vtep_pkt_tunnel t = {
            .ip_src = (OVS_FORCE ovs_be32) fuzz_rng(),
            .ip_dst = (OVS_FORCE ovs_be32) fuzz_rng(),
            .udp_dst = htons(VTEP_VXLAN_PORT),
            .ttl = fuzz_rng(),
        };
        fuzz_rng_fill(t.eth_src.ea, ETH_ADDR_LEN);
        t.eth_src.ea[0] &= ~1;
        t.eth_src.ea[5] |= 1;
        CHECK(!vtep_pkt_vxlan_put_encap(p, &t, fuzz_rng() & VTEP_VNI_MAX,
                                        (OVS_FORCE ovs_be16) fuzz_rng(),
                                        inner_len));
        memcpy(p + VTEP_PKT_ENCAP_LEN, inner, inner_len);
        return VTEP_PKT_ENCAP_LEN + inner_len;
    }
    case 1:
        CHECK(!vtep_pkt_vxlan_put_header(p, fuzz_rng() & VTEP_VNI_MAX));
        memcpy(p + VTEP_PKT_VXLAN_HLEN, inner, inner_len);
        return VTEP_PKT_VXLAN_HLEN + inner_len;
    case 2: {
        static const uint8_t arp[] = {
            0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01,
        };
        uint8_t *q = p + VLAN_HEADER_LEN;   /* Headroom for a tag. */
        size_t len = put_eth(q, 0x0806);
        memcpy(q + len, arp, sizeof arp);
        fuzz_rng_fill(q + len + sizeof arp, 20);
        q[len + 7] = 1 + fuzz_rng() % 2;
        len += ARP_ETH_HEADER_LEN;
        uint16_t vid = fuzz_rng() % 2 ? fuzz_rng() & 0xfff : 0;
        CHECK(!vtep_pkt_vlan_push(&q, &len, vid));
        memmove(p, q, len);
        return len;
    }
    default:
        memcpy(p, inner, inner_len);
        if (fuzz_rng() % 2) {
            /* The pseudo-header sum alone in the TCP or UDP checksum, as
             * a sender with checksum offload leaves it. */
            const uint8_t *ip = p + ETH_HEADER_LEN;
            size_t l4_len = inner_len - ETH_HEADER_LEN - IP_HEADER_LEN;
            size_t ofs = ETH_HEADER_LEN + IP_HEADER_LEN
                         + (ip[9] == 6 ? 16 : 6);
            ovs_be32 src, dst;
            memcpy(&src, ip + 12, 4);
            memcpy(&dst, ip + 16, 4);
            uint32_t pseudo = csum_add32(csum_add32(0, src), dst);
            pseudo = csum_add16(pseudo, htons(ip[9]));
            pseudo = csum_add16(pseudo, htons(l4_len));
            ovs_be16 partial = ~csum_finish(pseudo);
            if (ofs + 2 <= inner_len) {
                memcpy(p + ofs, &partial, 2);
            }
        }
        return inner_len;
    }
}

/* 16-bit values that mean something in the headers parsed here. */
static const uint16_t interesting[] = {
    0x0000, 0xffff, 0x0800, 0x0806, 0x8100, 0x88a8, 0x86dd, 0x12b5,
    0x4000, 0x2000, 0x0001, 0x0002, 0x0604, 0x0801, 0x4511, 0x0011,
};

/* Applies 1 to 8 random mutations to the 'len' bytes at 'p' (with room for
 * FUZZ_MAX_INPUT); returns the new length. */
static size_t
mutate(uint8_t *p, size_t len)
{
    int n = 1 + fuzz_rng() % 8;

    for (int i = 0; i < n; i++) {
        size_t pos = len ? fuzz_rng() % len : 0;
        switch (fuzz_rng() % 9) {
        case 8:
            if (len >= 2) {
                uint16_t x = interesting[fuzz_rng() % ARRAY_SIZE(interesting)];
                pos = MIN(pos, len - 2);
                p[pos] = x >> 8;
                p[pos + 1] = x;
            }
            break;
        case 0:
        case 1:
            if (len) {
                p[pos] ^= 1 << (fuzz_rng() % 8);
            }
            break;
        case 2:
        case 3:
            if (len) {
                p[pos] = (fuzz_rng() % 4 ? fuzz_rng()
                          : fuzz_rng() % 2 ? 0 : 0xff);
            }
            break;
        case 4:
            len = pos;                              /* Truncate. */
            break;
        case 5:
            if (len < FUZZ_MAX_INPUT - 16) {             /* Grow. */
                size_t n_new = 1 + fuzz_rng() % 16;
                fuzz_rng_fill(p + len, n_new);
                len += n_new;
            }
            break;
        case 6:
            if (len < FUZZ_MAX_INPUT - 4) {              /* Insert. */
                size_t n_new = 1 + fuzz_rng() % 4;
                memmove(p + pos + n_new, p + pos, len - pos);
                fuzz_rng_fill(p + pos, n_new);
                len += n_new;
            }
            break;
        default:
            if (len) {                              /* Delete. */
                size_t n_del = 1 + fuzz_rng() % 4;
                n_del = MIN(n_del, len - pos);
                memmove(p + pos, p + pos + n_del, len - pos - n_del);
                len -= n_del;
            }
            break;
        }
    }
    return len;
}

static void
print_results(void)
{
    printf("vtep_pkt_vxlan_decap() results:\n");
    for (int i = 0; i < VTEP_PKT_N_DROPS; i++) {
        printf("  %-18s %llu\n", vtep_pkt_drop_to_string(i),
               decap_results[i]);
    }
    printf("checksums completed: %llu\n", n_csum_completed);
}

/* Input 'i': every 8th random bytes, the others valid inputs of the 4
 * kinds of make_valid(), mutated but for every 8th. */
static size_t
generate(uint8_t *buf, unsigned long i)
{
    size_t len;

    if (i % 8 == 0) {
        len = fuzz_rng() % 128;
        fuzz_rng_fill(buf, len);
    } else {
        len = make_valid(buf, i % 4);
        if (i % 8 != 1) {
            len = mutate(buf, len);
        }
    }
    return len;
}

int
main(int argc, char *argv[])
{
    static const struct fuzz_driver driver = {
        .n_inputs = 200000,
        .seed = 0x5eed,
        .max_input = FUZZ_MAX_INPUT,
        .generate = generate,
        .report = print_results,
    };
    return fuzz_driver_main(&driver, argc, argv);
}
#endif /* !FUZZING_ENGINE */

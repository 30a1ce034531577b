/*
 * fuzz-gso.c: fuzz target for lib/vtep-gso.c, which cuts the TCP
 * super-frames that a sender's segmentation offload (or a NIC's GRO)
 * leaves whole, from trunk ports and from tunnels alike.
 *
 * An input is two bytes of segment size (the MTU-bound, the low 13 bits,
 * so 0 to 8191; the segmenter must refuse what leaves no room), a struct
 * virtio_net_hdr as a packet socket with PACKET_VNET_HDR gives it (its
 * gso_size, in host order, is the payload per segment the sender asked
 * for: 0 for none, below VTEP_GSO_MIN_MSS refused), then an untagged
 * Ethernet frame.  For a frame it accepts, every segment must pass
 * tests/fuzz/gso-check.h: no longer than asked (the MTU-bound, and the
 * gso_size of payload), headers and checksums right, sequence numbers and
 * flags right, together exactly the frame's payload; for a frame it
 * refuses, no segment may come out.
 *
 * As a test (make check), built without FUZZING_ENGINE and linked with
 * fuzz-driver.c (see fuzz-driver.h), it runs known answers, then 20000
 * inputs from a fixed seed: valid IPv4 and IPv6 TCP super-frames with
 * options, mutated but for every 8th, and random bytes.  Under libFuzzer
 * see "make fuzz" in tests/fuzz/automake.mk.
 */
#include <config.h>

#include <errno.h>
#include <linux/virtio_net.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "lib/vtep-gso.h"
#include "tests/fuzz/fuzz-driver.h"
#include "tests/fuzz/gso-check.h"
#include "util.h"

#define FUZZ_HDR_LEN (2 + sizeof(struct virtio_net_hdr))
#define FUZZ_MAX_INPUT (FUZZ_HDR_LEN + 65550)
#define SEG_MAX 8192

static unsigned long long n_accepted, n_refused, n_segments;

struct fuzz_aux {
    struct gso_check check;
    bool accepting;
};

static void
check_segment(void *aux_, uint8_t *seg, size_t len)
{
    struct fuzz_aux *aux = aux_;
    CHECK(aux->accepting);
    const char *error = gso_check_segment(&aux->check, seg, len);
    if (error) {
        fprintf(stderr, "segment %zu: %s\n", aux->check.n, error);
    }
    CHECK(!error);
    n_segments++;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t seg[SEG_MAX];

    if (size < FUZZ_HDR_LEN + ETH_HEADER_LEN) {
        return 0;
    }
    size_t max_len = ((data[0] << 8) | data[1]) & (SEG_MAX - 1);
    struct virtio_net_hdr vnet;
    memcpy(&vnet, data + 2, sizeof vnet);
    size_t mss = vnet.gso_size;
    const uint8_t *frame = data + FUZZ_HDR_LEN;
    size_t len = size - FUZZ_HDR_LEN;
    ovs_be16 eth_type;
    memcpy(&eth_type, frame + 12, sizeof eth_type);

    /* A first pass only to learn whether the frame is accepted: then the
     * checker can be set up from its (sound) headers. */
    struct fuzz_aux aux = { .accepting = false };
    size_t n_segs;
    int error = vtep_gso_segment(frame, len, ETH_HEADER_LEN, eth_type, 0, 0,
                                 seg, check_segment, &aux, &n_segs);
    CHECK(error);
    CHECK(!n_segs);
    CHECK(error == EINVAL || error == EPROTONOSUPPORT || error == EMSGSIZE);
    if (error == EMSGSIZE) {
        /* The headers are sound (max_len 0 is what was refused). */
        aux.accepting = true;
        gso_check_begin(&aux.check, frame, ETH_HEADER_LEN,
                        eth_type == htons(ETH_TYPE_IP), max_len, mss);
    }
    error = vtep_gso_segment(frame, len, ETH_HEADER_LEN, eth_type, max_len,
                             mss, seg, check_segment, &aux, &n_segs);
    if (!error) {
        CHECK(aux.accepting);
        CHECK(gso_check_end(&aux.check));
        CHECK(n_segs == aux.check.n);
        n_accepted++;
    } else {
        CHECK(!n_segs);
        CHECK(error == EINVAL || error == EPROTONOSUPPORT
              || error == EMSGSIZE);
        if (error == EMSGSIZE) {
            CHECK(max_len < aux.check.hdr_len + VTEP_GSO_MIN_MSS);
        } else if (aux.accepting) {
            /* Sound headers are refused only for a gso_size too small. */
            CHECK(error == EINVAL && mss && mss < VTEP_GSO_MIN_MSS);
        }
        n_refused++;
    }
    return 0;
}

#ifndef FUZZING_ENGINE
/* A valid super-frame: IPv4 or IPv6, TCP, options, 0 to 65000 bytes of
 * payload, a segment size between 64 and 9000. */
static size_t
make_input(uint8_t *buf)
{
    bool ipv4 = fuzz_rng() % 2;
    size_t ip_opts = ipv4 ? 4 * (fuzz_rng() % 11) : 0;
    size_t tcp_opts = 4 * (fuzz_rng() % 11);
    size_t payload = fuzz_rng() % 4 ? fuzz_rng() % 65000 : fuzz_rng() % 3000;
    size_t l3_len = ipv4 ? IP_HEADER_LEN + ip_opts : IPV6_HEADER_LEN;
    size_t l4_len = TCP_HEADER_LEN + tcp_opts + payload;
    if (ipv4 && l3_len + l4_len > 65535) {
        payload -= l3_len + l4_len - 65535;
        l4_len = TCP_HEADER_LEN + tcp_opts + payload;
    }
    size_t seg = 64 + fuzz_rng() % 8128;
    buf[0] = seg >> 8;
    buf[1] = seg & 0xff;
    struct virtio_net_hdr vnet = {
        .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
        .gso_type = ipv4 ? VIRTIO_NET_HDR_GSO_TCPV4 : VIRTIO_NET_HDR_GSO_TCPV6,
        .gso_size = fuzz_rng() % 4 ? 40 + fuzz_rng() % 9000 : 0,
    };
    memcpy(buf + 2, &vnet, sizeof vnet);

    uint8_t *f = buf + FUZZ_HDR_LEN;
    fuzz_rng_fill(f, ETH_HEADER_LEN + l3_len + l4_len);
    f[12] = ipv4 ? 0x08 : 0x86;
    f[13] = ipv4 ? 0x00 : 0xdd;
    uint8_t *l3 = f + ETH_HEADER_LEN;
    if (ipv4) {
        l3[0] = 0x40 | (l3_len / 4);
        l3[2] = (l3_len + l4_len) >> 8;
        l3[3] = (l3_len + l4_len) & 0xff;
        l3[6] &= 0x40;                  /* DF or not; no fragment. */
        l3[7] = 0;
        l3[9] = IPPROTO_TCP;
    } else {
        l3[0] = 0x60 | (l3[0] & 15);
        l3[4] = l4_len >> 8;
        l3[5] = l4_len & 0xff;
        l3[6] = IPPROTO_TCP;
    }
    uint8_t *l4 = l3 + l3_len;
    l4[12] = ((TCP_HEADER_LEN + tcp_opts) / 4) << 4 | (l4[12] & 15);
    /* Now and then Ethernet padding after the packet. */
    size_t pad = fuzz_rng() % 4 ? 0 : fuzz_rng() % 64;
    return FUZZ_HDR_LEN + ETH_HEADER_LEN + l3_len + l4_len + pad;
}

static size_t
mutate(uint8_t *buf, size_t len)
{
    int n = 1 + fuzz_rng() % 4;
    for (int k = 0; k < n && len > 2; k++) {
        /* Mostly in the headers, where the parsing is. */
        size_t span = (fuzz_rng() % 4
                       ? MIN(len, FUZZ_HDR_LEN + 14 + 60 + 60) : len);
        size_t pos = fuzz_rng() % span;
        switch (fuzz_rng() % 4) {
        case 0:
            buf[pos] ^= 1 << (fuzz_rng() % 8);
            break;
        case 1:
            buf[pos] = fuzz_rng();
            break;
        case 2:
            len = MAX(pos, 2);
            break;
        default:
            buf[pos] = 0;
            break;
        }
    }
    return len;
}

static size_t
generate(uint8_t *buf, unsigned long i)
{
    size_t len;
    if (i % 16 == 0) {
        len = fuzz_rng() % 256;
        fuzz_rng_fill(buf, len);
    } else {
        len = make_input(buf);
        if (i % 8 != 1) {
            len = mutate(buf, len);
        }
    }
    return len;
}

/* Known answers: a 64 KB IPv4 super-frame at 1464 bytes gives 46
 * segments, 65 with a gso_size of 988 and none with one of 47; the same
 * frame cut in the middle of its payload is refused, and so is a UDP
 * packet. */
static void
known_answers(void)
{
    static uint8_t buf[FUZZ_MAX_INPUT];
    memset(buf, 0, sizeof buf);
    buf[0] = 1464 >> 8;
    buf[1] = 1464 & 0xff;
    uint8_t *f = buf + FUZZ_HDR_LEN;
    size_t l4_len = 20 + 64000;
    f[12] = 0x08;
    f[14] = 0x45;
    f[16] = (20 + l4_len) >> 8;
    f[17] = (20 + l4_len) & 0xff;
    f[23] = IPPROTO_TCP;
    f[34 + 12] = 0x50;
    f[34 + 13] = 0x18;
    size_t len = FUZZ_HDR_LEN + 34 + l4_len;

    unsigned long long before = n_segments;
    LLVMFuzzerTestOneInput(buf, len);
    CHECK(n_segments - before == DIV_ROUND_UP(64000, 1464 - 54));

    struct virtio_net_hdr vnet = {
        .gso_type = VIRTIO_NET_HDR_GSO_TCPV4, .gso_size = 988,
    };
    memcpy(buf + 2, &vnet, sizeof vnet);
    before = n_segments;
    LLVMFuzzerTestOneInput(buf, len);
    CHECK(n_segments - before == DIV_ROUND_UP(64000, 988));
    vnet.gso_size = VTEP_GSO_MIN_MSS - 1;
    memcpy(buf + 2, &vnet, sizeof vnet);
    before = n_accepted;
    LLVMFuzzerTestOneInput(buf, len);
    CHECK(n_accepted == before);
    memset(buf + 2, 0, sizeof vnet);

    before = n_accepted;
    LLVMFuzzerTestOneInput(buf, len - 1000);
    CHECK(n_accepted == before);
    f[23] = IPPROTO_UDP;
    LLVMFuzzerTestOneInput(buf, len);
    CHECK(n_accepted == before);
}

static void
report(void)
{
    printf("frames: %llu accepted, %llu refused; %llu segments\n",
           n_accepted, n_refused, n_segments);
}

int
main(int argc, char *argv[])
{
    static const struct fuzz_driver driver = {
        .n_inputs = 20000,
        .seed = 0x650,
        .max_input = FUZZ_MAX_INPUT,
        .generate = generate,
        .known_answers = known_answers,
        .report = report,
    };
    set_program_name(argv[0]);
    return fuzz_driver_main(&driver, argc, argv);
}
#endif /* !FUZZING_ENGINE */

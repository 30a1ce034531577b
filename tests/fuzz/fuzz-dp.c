/*
 * fuzz-dp.c: fuzz target for the userspace datapath's own input functions,
 * port_input() (a frame from a VLAN trunk port) and tunnel_input() (a
 * VXLAN payload from a remote VTEP), in lib/vtep-dp-user.c.
 *
 * The datapath file is compiled into this one (#include), so that the
 * target reaches its static functions without any test-only entry point in
 * production code.  Each input gets a fresh datapath in memory
 * (user_dp_create()), with no socket and no packet thread: two logical
 * switches, bindings on two ports, remote MACs, unknown-dst and multicast
 * flood lists.  The trunk ports are libpcap "dead" handles, and sendmmsg()
 * is replaced by a checker that takes every packet the datapath sends and
 * abort()s on a broken invariant:
 *
 *   - into a tunnel: only for a frame from a trunk port (split horizon),
 *     only to a locator of the table, with a valid outer IPv4/UDP/VXLAN
 *     header (length, checksum, our source address, UDP port 4789, source
 *     port in the RFC 7348 range, the I flag, a VNI we have) around an
 *     untagged inner frame with a unicast source MAC;
 *   - onto a trunk port: untagged, or one 802.1Q tag with a bound VLAN,
 *     never a second tag (no QinQ out), and no bigger than the port MTU.
 *
 * An input is a sequence of records: one selector byte, a 2-byte length
 * (big-endian, at most 9216), then that many bytes.  Selector bit 7: 0 for
 * a trunk frame (bit 0: port p0 or p1; bit 4: claim one byte more than
 * captured, the truncated path), 1 for a VXLAN payload (bits 0-1: from hv0,
 * hv1, hv2 or a source that is no locator).  Bit 5 first toggles a remote
 * MAC (02:00:00:00:01:03 at hv2 in VNI 5000), so that table changes come
 * between packets.  Several records make learned MACs matter.
 *
 * As a test (make check), built without FUZZING_ENGINE and with
 * fuzz-driver.c (the main() that the fuzz targets share), it runs known
 * answers first (a runt is counted as drop.runt and sends nothing; a remote
 * MAC from the trunk is dropped and not learned), then the target over each
 * file named on the command line or, without file arguments, over
 * pseudo-random inputs from a fixed seed: random records and mutations of
 * valid ones (tagged and untagged frames, ARP, IPv4 TCP/UDP with partial
 * checksums, QinQ, VXLAN payloads).  Options: -n N (inputs, default 20000),
 * -s SEED, -w DIR (write the inputs into DIR as a seed corpus instead).
 *
 * Under libFuzzer, with AddressSanitizer and UndefinedBehaviorSanitizer,
 * from the top of the source tree once a build in _build exists:
 *
 *   OVS=deps/ovs-src B=_build
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined \
 *       -fno-sanitize-recover=all -DFUZZING_ENGINE \
 *       -I$B -I. -Ilib -I$OVS -I$OVS/include -I$OVS/lib \
 *       tests/fuzz/fuzz-dp.c lib/vtep-packet.c $B/lib/libvtep.a \
 *       $OVS/lib/.libs/libopenvswitch.a -lpcap -lssl -lcrypto -latomic \
 *       -lpthread -lrt -lm -o fuzz-dp
 *   mkdir -p dp-corpus && $B/tests/fuzz/fuzz-dp -n 200 -w dp-corpus
 *   ./fuzz-dp -max_total_time=300 dp-corpus
 *
 * (./fuzz-dp CRASHFILE replays a crash, and so does the test binary.)
 */
#include <config.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "csum.h"

static int fuzz_sendmmsg(int fd, struct mmsghdr *, unsigned int n,
                         int flags);

#define sendmmsg fuzz_sendmmsg
#include "lib/vtep-dp-user.c"
#undef sendmmsg

#include "tests/fuzz/fuzz-driver.h"

#define VNI_A 5000                  /* source_node. */
#define VNI_B 5001                  /* service_node. */
#define TUNNEL_IP 0xc0000201        /* 192.0.2.1 */
#define HV_IP(I) (0xc000020b + (I)) /* 192.0.2.11, .12, .13 */
#define ROGUE_IP 0xc0000263         /* 192.0.2.99 */
#define N_HVS 3
#define MAX_RECORD USER_FRAME_MAX
#define FUZZ_MAX_INPUT 65536        /* Generated inputs, in test mode. */

static const struct eth_addr remote_a = ETH_ADDR_C(02,00,00,00,01,01);
static const struct eth_addr remote_b = ETH_ADDR_C(02,00,00,00,01,02);
static const struct eth_addr remote_toggle = ETH_ADDR_C(02,00,00,00,01,03);
static const struct eth_addr mcast = ETH_ADDR_C(01,00,5e,00,00,01);

/* The datapath of the current input, and what it has sent. */
static struct user_dp *fd_dp;
static bool from_tunnel;            /* The record being processed. */
static unsigned long long n_to_tunnel, n_to_port;

static bool
is_tpid(const uint8_t *p)
{
    return ((p[0] == 0x81 && p[1] == 0x00)
            || (p[0] == 0x88 && p[1] == 0xa8));
}

static void
check_tunnel_packet(const struct msghdr *msg)
{
    CHECK(!from_tunnel);            /* Split horizon. */
    CHECK(msg->msg_iovlen == 1);

    const struct sockaddr_in *to = msg->msg_name;
    uint32_t dst = ntohl(to->sin_addr.s_addr);
    CHECK(dst >= HV_IP(0) && dst < HV_IP(N_HVS));

    const uint8_t *p = msg->msg_iov[0].iov_base;
    size_t len = msg->msg_iov[0].iov_len;
    CHECK(len >= USER_OUTER_LEN + ETH_HEADER_LEN);
    CHECK(len <= USER_OUTER_LEN + USER_FRAME_MAX);

    /* IPv4. */
    CHECK(p[0] == 0x45);
    CHECK(((p[2] << 8) | p[3]) == len);
    CHECK(p[9] == IPPROTO_UDP);
    CHECK(csum(p, IP_HEADER_LEN) == 0);
    ovs_be32 src, ip_dst;
    memcpy(&src, p + 12, 4);
    memcpy(&ip_dst, p + 16, 4);
    CHECK(src == htonl(TUNNEL_IP));
    CHECK(ip_dst == to->sin_addr.s_addr);

    /* UDP. */
    const uint8_t *udp = p + IP_HEADER_LEN;
    uint16_t sport = (udp[0] << 8) | udp[1];
    CHECK(sport >= VTEP_PKT_SPORT_MIN);
    CHECK(((udp[2] << 8) | udp[3]) == VTEP_VXLAN_PORT);
    CHECK(((udp[4] << 8) | udp[5]) == len - IP_HEADER_LEN);

    /* VXLAN and the inner frame. */
    const uint8_t *vx = udp + UDP_HEADER_LEN;
    CHECK(vx[0] == VTEP_PKT_VXLAN_FLAG_I);
    uint32_t vni = (vx[4] << 16) | (vx[5] << 8) | vx[6];
    CHECK(vni == VNI_A || vni == VNI_B);
    const uint8_t *inner = vx + VTEP_PKT_VXLAN_HLEN;
    CHECK(!is_tpid(inner + 12));
    CHECK(!(inner[6] & 1));         /* Unicast source. */
    n_to_tunnel++;
}

static void
check_port_frame(const struct msghdr *msg)
{
    CHECK(msg->msg_iovlen == 1);
    const uint8_t *p = msg->msg_iov[0].iov_base;
    size_t len = msg->msg_iov[0].iov_len;

    CHECK(len >= ETH_HEADER_LEN);
    CHECK(!(p[6] & 1));
    if (is_tpid(p + 12)) {
        CHECK(p[12] == 0x81);
        uint16_t vid = ((p[14] << 8) | p[15]) & VLAN_VID_MASK;
        CHECK(vid == 100 || vid == 200);
        CHECK(len >= VLAN_ETH_HEADER_LEN);
        CHECK(!is_tpid(p + 16));
        CHECK(len <= ETH_PAYLOAD_MAX + VLAN_ETH_HEADER_LEN);
    } else {
        CHECK(len <= ETH_PAYLOAD_MAX + ETH_HEADER_LEN);
    }
    n_to_port++;
}

static int
fuzz_sendmmsg(int fd, struct mmsghdr *msgs, unsigned int n,
              int flags OVS_UNUSED)
{
    for (unsigned int i = 0; i < n; i++) {
        if (fd_dp && fd == fd_dp->raw_fd) {
            check_tunnel_packet(&msgs[i].msg_hdr);
        } else {
            check_port_frame(&msgs[i].msg_hdr);
        }
        msgs[i].msg_len = msgs[i].msg_hdr.msg_iov[0].iov_len;
    }
    return n;
}

/* Tables.
 * ======= */

static struct user_dp *
fuzz_dp_open(void)
{
    static char *ports[] = { "p0", "p1" };
    const struct vtep_dp_config cfg = {
        .name = "fuzz",
        .tunnel_ip = htonl(TUNNEL_IP),
        .udp_port = VTEP_VXLAN_PORT,
        .ports = ports,
        .n_ports = ARRAY_SIZE(ports),
        .mac_aging = 300,
        .mac_limit = 16,
    };
    struct user_dp *d = user_dp_create(&cfg);
    struct vtep_dp *dp = &d->up;

    atomic_store_relaxed(&d->underlay_mtu, ETH_PAYLOAD_MAX);
    d->raw_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    CHECK(d->raw_fd >= 0);
    for (size_t i = 0; i < d->n_ports; i++) {
        d->ports[i].pcap = pcap_open_dead(DLT_EN10MB, USER_FRAME_MAX);
        CHECK(d->ports[i].pcap);
    }
    d->pt = user_thread_create(d);

    const struct vtep_dp_ls a = { .vni = VNI_A, .name = "ls-a",
                                  .mode = VTEP_REPL_SOURCE_NODE };
    const struct vtep_dp_ls b = { .vni = VNI_B, .name = "ls-b",
                                  .mode = VTEP_REPL_SERVICE_NODE };
    CHECK(!user_ls_set(dp, &a));
    CHECK(!user_ls_set(dp, &b));
    CHECK(!user_binding_add(dp, "p0", 100, VNI_A));
    CHECK(!user_binding_add(dp, "p0", 0, VNI_B));
    CHECK(!user_binding_add(dp, "p1", 0, VNI_A));
    CHECK(!user_binding_add(dp, "p1", 200, VNI_B));
    CHECK(!user_ucast_set(dp, VNI_A, remote_a, htonl(HV_IP(0))));
    CHECK(!user_ucast_set(dp, VNI_B, remote_b, htonl(HV_IP(1))));

    const ovs_be32 all[] = { htonl(HV_IP(0)), htonl(HV_IP(1)),
                             htonl(HV_IP(2)) };
    CHECK(!user_flood_set(dp, VNI_A, eth_addr_zero, all, 2));
    CHECK(!user_flood_set(dp, VNI_A, mcast, all + 2, 1));
    CHECK(!user_flood_set(dp, VNI_B, eth_addr_zero, all + 1, 2));
    return d;
}

static void
fuzz_dp_close(struct user_dp *d)
{
    fd_dp = NULL;
    user_close(&d->up);
}

static uint64_t
drops(const struct user_dp *d, int reason)
{
    return counter_get(CONST_CAST(user_counter *, &d->drops[reason]));
}

/* The target.
 * =========== */

static void
run_record(struct user_dp *d, uint8_t sel, const uint8_t *data, size_t len)
{
    static uint8_t buf[MAX_RECORD + VTEP_PKT_VXLAN_HLEN];
    struct user_thread *t = d->pt;

    if (sel & 0x20) {
        if (ucast_find(d, VNI_A, remote_toggle)) {
            CHECK(!user_ucast_del(&d->up, VNI_A, remote_toggle));
        } else {
            CHECK(!user_ucast_set(&d->up, VNI_A, remote_toggle,
                                  htonl(HV_IP(2))));
        }
    }

    t->now = time_msec();
    from_tunnel = sel & 0x80;
    if (from_tunnel) {
        static const uint32_t srcs[] = { HV_IP(0), HV_IP(1), HV_IP(2),
                                         ROGUE_IP };
        memcpy(buf, data, len);     /* tunnel_input() works in place. */
        tunnel_input(t, htonl(srcs[sel & 3]), buf, len);
    } else {
        port_input(t, sel & 1, data, len, len + !!(sel & 0x10));
    }
    flush_all(t);
    from_tunnel = false;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool inited;
    if (!inited) {
        inited = true;
        vlog_set_levels(NULL, VLF_ANY_DESTINATION, VLL_OFF);
    }

    struct user_dp *d = fuzz_dp_open();
    fd_dp = d;
    while (size >= 3) {
        uint8_t sel = data[0];
        size_t len = MIN((size_t) ((data[1] << 8) | data[2]), MAX_RECORD);
        data += 3;
        size -= 3;
        len = MIN(len, size);
        run_record(d, sel, data, len);
        data += len;
        size -= len;
    }
    fuzz_dp_close(d);
    return 0;
}

#ifndef FUZZING_ENGINE
/* Test mode.
 * ========== */

/* Appends a record to 'buf' at '*ofs'. */
static void
put_record(uint8_t *buf, size_t *ofs, uint8_t sel, const uint8_t *data,
           size_t len)
{
    buf[(*ofs)++] = sel;
    buf[(*ofs)++] = len >> 8;
    buf[(*ofs)++] = len;
    memcpy(buf + *ofs, data, len);
    *ofs += len;
}

/* A valid frame of one of several kinds into 'f'; returns its length. */
static size_t
make_frame(uint8_t *f, int kind, bool tagged_ok)
{
    size_t ofs = 12;
    uint8_t src[6] = { 0x02, 0xbb, 0, 0, 0, fuzz_rng() % 8 };

    /* Destination: broadcast, a remote MAC, multicast, or a learned-ish
     * local MAC. */
    static const uint8_t dsts[][6] = {
        { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
        { 0x02, 0x00, 0x00, 0x00, 0x01, 0x01 },
        { 0x02, 0x00, 0x00, 0x00, 0x01, 0x02 },
        { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 },
        { 0x02, 0xbb, 0x00, 0x00, 0x00, 0x01 },
    };
    memcpy(f, dsts[fuzz_rng() % ARRAY_SIZE(dsts)], 6);
    if (kind == 5) {
        memcpy(src, remote_a.ea, 6);
    }
    memcpy(f + 6, src, 6);
    if (tagged_ok && fuzz_rng() % 2) {
        static const uint16_t vids[] = { 0, 100, 200, 300 };
        uint16_t vid = vids[fuzz_rng() % ARRAY_SIZE(vids)];
        bool ad = fuzz_rng() % 4 == 0;   /* 802.1ad now and then. */
        f[ofs++] = ad ? 0x88 : 0x81;
        f[ofs++] = ad ? 0xa8 : 0x00;
        f[ofs++] = vid >> 8;
        f[ofs++] = vid;
        if (kind == 4) {            /* QinQ. */
            f[ofs++] = 0x81;
            f[ofs++] = 0x00;
            f[ofs++] = 0;
            f[ofs++] = 7;
        }
    }

    if (kind == 1) {                /* ARP request. */
        static const uint8_t arp[] = {
            0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01,
        };
        memcpy(f + ofs, arp, sizeof arp);
        ofs += sizeof arp;
        memcpy(f + ofs, src, 6);
        ofs += 6;
        for (int i = 0; i < 18; i++) {
            f[ofs++] = fuzz_rng();
        }
        return ofs;
    } else if (kind == 2 || kind == 3) {    /* IPv4 TCP or UDP. */
        uint8_t proto = kind == 2 ? IPPROTO_TCP : IPPROTO_UDP;
        size_t l4_len = (proto == IPPROTO_TCP ? 20 : 8) + fuzz_rng() % 200;
        size_t ip_len = IP_HEADER_LEN + l4_len;
        f[ofs++] = 0x08;
        f[ofs++] = 0x00;
        uint8_t *ip = f + ofs;
        memset(ip, 0, ip_len);
        ip[0] = 0x45;
        ip[2] = ip_len >> 8;
        ip[3] = ip_len;
        ip[8] = 64;
        ip[9] = proto;
        for (int i = 12; i < 20; i++) {
            ip[i] = fuzz_rng();
        }
        uint8_t *l4 = ip + IP_HEADER_LEN;
        for (size_t i = 0; i < l4_len; i++) {
            l4[i] = fuzz_rng();
        }
        if (proto == IPPROTO_UDP) {
            l4[4] = l4_len >> 8;
            l4[5] = l4_len;
        }
        /* A partial checksum, as a sender with offload leaves it. */
        ovs_be32 s, d;
        memcpy(&s, ip + 12, 4);
        memcpy(&d, ip + 16, 4);
        uint32_t pseudo = csum_add32(csum_add32(0, s), d);
        pseudo = csum_add16(pseudo, htons(proto));
        pseudo = csum_add16(pseudo, htons(l4_len));
        ovs_be16 c = ~csum_finish(pseudo);
        memcpy(l4 + (proto == IPPROTO_TCP ? 16 : 6), &c, 2);
        return ofs + ip_len;
    }

    f[ofs++] = 0x88;
    f[ofs++] = 0xb5;
    size_t n = fuzz_rng() % 100;
    for (size_t i = 0; i < n; i++) {
        f[ofs++] = fuzz_rng();
    }
    return ofs;
}

/* A valid input of a few records into 'buf'; returns its length. */
static size_t
make_input(uint8_t *buf)
{
    uint8_t f[2048];
    size_t ofs = 0;
    int n = 1 + fuzz_rng() % 6;

    for (int i = 0; i < n; i++) {
        uint8_t sel = fuzz_rng() & 0x21;     /* Port, maybe a toggle. */
        int kind = fuzz_rng() % 6;
        if (fuzz_rng() % 2) {
            /* VXLAN: header, then an untagged frame (mostly). */
            static const uint32_t vnis[] = { VNI_A, VNI_B, 7777 };
            uint32_t vni = vnis[fuzz_rng() % ARRAY_SIZE(vnis)];
            uint8_t hdr[8] = { 0x08, 0, 0, 0, vni >> 16, vni >> 8, vni, 0 };
            memcpy(f, hdr, 8);
            size_t len = 8 + make_frame(f + 8, kind, fuzz_rng() % 8 == 0);
            put_record(buf, &ofs, 0x80 | (fuzz_rng() & 0x23), f, len);
        } else {
            put_record(buf, &ofs, sel, f, make_frame(f, kind, true));
        }
    }
    return ofs;
}

static size_t
mutate(uint8_t *buf, size_t len, size_t max)
{
    int n = 1 + fuzz_rng() % 4;
    for (int i = 0; i < n && len; i++) {
        size_t pos = fuzz_rng() % len;
        switch (fuzz_rng() % 4) {
        case 0:
            buf[pos] ^= 1 << (fuzz_rng() % 8);
            break;
        case 1:
            buf[pos] = fuzz_rng();
            break;
        case 2:
            len = pos;              /* Truncate. */
            break;
        case 3:
            if (len < max) {
                memmove(buf + pos + 1, buf + pos, len - pos);
                buf[pos] = fuzz_rng();
                len++;
            }
            break;
        }
    }
    return len;
}

/* Known answers: what the target must do, not only what it must not. */
static void
known_answers(void)
{
    vlog_set_levels(NULL, VLF_ANY_DESTINATION, VLL_OFF);

    /* A 10-byte runt from p1: drop.runt, nothing sent. */
    struct user_dp *d = fuzz_dp_open();
    fd_dp = d;
    uint8_t runt[10] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0 };
    unsigned long long sent = n_to_tunnel + n_to_port;
    run_record(d, 0x01, runt, sizeof runt);
    CHECK(drops(d, VTEP_PKT_DROP_RUNT) == 1);
    CHECK(n_to_tunnel + n_to_port == sent);

    /* A frame from remote MAC 02:00:00:00:01:01 on (p0, 100): dropped,
     * counted, not learned, nothing sent. */
    uint8_t f[64] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                      0x02, 0x00, 0x00, 0x00, 0x01, 0x01,
                      0x81, 0x00, 0x00, 100, 0x88, 0xb5 };
    run_record(d, 0x00, f, sizeof f);
    CHECK(drops(d, USER_DROP_REMOTE_MAC_MOVE) == 1);
    CHECK(n_to_tunnel + n_to_port == sent);
    struct vtep_dp_learned ev;
    CHECK(!user_learned_poll(&d->up, &ev, 1));

    /* The same from another MAC: one copy to each of the 2 remotes of
     * unknown-dst and to (p1, 0). */
    f[11] = 0x77;
    run_record(d, 0x00, f, sizeof f);
    CHECK(n_to_tunnel + n_to_port == sent + 3);
    fuzz_dp_close(d);
}

/* Input 'i': every 8th random bytes, the others valid inputs of a few
 * records, mutated but for every 8th. */
static size_t
generate(uint8_t *buf, unsigned long i)
{
    size_t len;

    if (i % 8 == 0) {
        len = fuzz_rng() % 256;
        fuzz_rng_fill(buf, len);
    } else {
        len = make_input(buf);
        if (i % 8 != 1) {
            len = mutate(buf, len, FUZZ_MAX_INPUT);
        }
    }
    return len;
}

static void
report(void)
{
    printf("sent: %llu tunnel packets, %llu port frames\n",
           n_to_tunnel, n_to_port);
}

int
main(int argc, char *argv[])
{
    static const struct fuzz_driver driver = {
        .n_inputs = 20000,
        .seed = 0xd47a,
        .max_input = FUZZ_MAX_INPUT,
        .generate = generate,
        .known_answers = known_answers,
        .report = report,
    };
    return fuzz_driver_main(&driver, argc, argv);
}
#endif /* !FUZZING_ENGINE */

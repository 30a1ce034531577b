/*
 * test-dp-user.c: the Check suite of lib/vtep-dp-user.c, the userspace
 * datapath, with real packets.
 *
 * Every test runs in its own network namespace (Check's fork mode gives
 * each its own process, which unshare()s a fresh namespace):
 *
 *       tap vt0 (trunk port)   tap vt1 (trunk port)
 *            |  test writes and reads frames on the tap fds
 *       +----+---------------------+----+
 *       |  userspace datapath, tunnel IP 127.0.0.1, UDP 4789  |
 *       +-------------------------------+
 *            | VXLAN on loopback
 *       "hypervisors": UDP sockets on 127.0.0.2, .3 and .4, port 4789
 *
 * The provider is driven through its class operations exactly as the
 * reconciler drives it.  If network namespaces or tap devices are not
 * available (not root), the whole suite reports itself skipped (exit 77).
 */
#include <config.h>
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include "lib/vtep-dp.h"
#include "lib/vtep-packet.h"
#include "lib/vtep-types.h"
#include "csum.h"
#include "openvswitch/dynamic-string.h"
#include "ovs-atomic.h"
#include "timeval.h"
#include "util.h"

/* The datapath under test is compiled into this suite, rather than taken
 * from libvtep.a, with two of its system calls behind hooks so that a test
 * can make them fail the way the kernel may: reading a port's MTU, and
 * sending a batch into a full socket.  Unless a test sets a hook's errno,
 * the hook passes the call through.  (The production file is unchanged;
 * the linker takes the provider from here, so libvtep.a's copy stays
 * out.) */
static ATOMIC(int) hook_mtu_errno;          /* For SIOCGIFMTU. */
static ATOMIC(int) hook_sendmmsg_errno;

static int
hook_ioctl(int fd, unsigned long int request, void *arg)
{
    int error;
    atomic_read(&hook_mtu_errno, &error);
    if (request == SIOCGIFMTU && error) {
        errno = error;
        return -1;
    }
    return ioctl(fd, request, arg);
}

static int
hook_sendmmsg(int fd, struct mmsghdr *msgs, unsigned int n, int flags)
{
    int error;
    atomic_read(&hook_sendmmsg_errno, &error);
    if (error) {
        errno = error;
        return -1;
    }
    return sendmmsg(fd, msgs, n, flags);
}

#define ioctl hook_ioctl
#define sendmmsg hook_sendmmsg
#include "lib/vtep-dp-user.c"
#undef ioctl
#undef sendmmsg

#define VNI 5000
#define N_TAPS 2
#define N_HVS 3                     /* 127.0.0.2 .. 127.0.0.4 */
#define WAIT_MS 2000                /* For what must arrive. */
#define QUIET_MS 200                /* For what must not. */

static struct vtep_dp *dp;
static int taps[N_TAPS];
static int hvs[N_HVS];
static const char *const tap_names[N_TAPS] = { "vt0", "vt1" };

static const char L1[] = "02:00:00:00:00:01";   /* Local, learned. */
static const char L2[] = "02:00:00:00:00:02";
static const char L3[] = "02:00:00:00:00:03";
static const char R1[] = "02:00:00:00:01:01";   /* Remote, at hv 0. */

/* Namespace and devices.
 * ====================== */

static void
write_file(const char *path, const char *s)
{
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(s, f);
        fclose(f);
    }
}

static void
if_up(int sock, const char *name, int mtu)
{
    struct ifreq ifr;

    memset(&ifr, 0, sizeof ifr);
    ovs_strlcpy(ifr.ifr_name, name, sizeof ifr.ifr_name);
    if (mtu) {
        ifr.ifr_mtu = mtu;
        ck_assert_int_eq(ioctl(sock, SIOCSIFMTU, &ifr), 0);
    }
    ck_assert_int_eq(ioctl(sock, SIOCGIFFLAGS, &ifr), 0);
    ifr.ifr_flags |= IFF_UP;
    ck_assert_int_eq(ioctl(sock, SIOCSIFFLAGS, &ifr), 0);
}

static int
tap_create(int sock, const char *name)
{
    struct ifreq ifr;
    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);

    ck_assert_int_ge(fd, 0);
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    ovs_strlcpy(ifr.ifr_name, name, sizeof ifr.ifr_name);
    ck_assert_int_eq(ioctl(fd, TUNSETIFF, &ifr), 0);
    if_up(sock, name, 0);
    return fd;
}

static int
hv_socket(int i)
{
    char ip[24];                /* "127.0.0." and any int. */
    snprintf(ip, sizeof ip, "127.0.0.%d", i + 2);
    struct sockaddr_in sin = {
        .sin_family = AF_INET,
        .sin_port = htons(VTEP_VXLAN_PORT),
        .sin_addr.s_addr = unit_ip(ip),
    };
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(bind(fd, (struct sockaddr *) &sin, sizeof sin), 0);
    return fd;
}

static ovs_be32
hv_ip(int i)
{
    return htonl(0x7f000002 + i);
}

/* A namespace with loopback at MTU 'lo_mtu' (0: default), taps vt0 and
 * vt1, three hypervisor sockets and a datapath on them. */
static void
env_open(unsigned int aging, unsigned int limit, int lo_mtu)
{
    ck_assert_int_eq(unshare(CLONE_NEWNET), 0);
    write_file("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1");
    write_file("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");

    int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ck_assert_int_ge(sock, 0);
    if_up(sock, "lo", lo_mtu);
    for (int i = 0; i < N_TAPS; i++) {
        taps[i] = tap_create(sock, tap_names[i]);
    }
    close(sock);
    for (int i = 0; i < N_HVS; i++) {
        hvs[i] = hv_socket(i);
    }

    char *ports[N_TAPS] = { CONST_CAST(char *, tap_names[0]),
                            CONST_CAST(char *, tap_names[1]) };
    struct vtep_dp_config cfg = {
        .name = "sw0",
        .tunnel_ip = unit_ip("127.0.0.1"),
        .udp_port = VTEP_VXLAN_PORT,
        .ports = ports,
        .n_ports = N_TAPS,
        .mac_aging = aging,
        .mac_limit = limit,
    };
    ck_assert_int_eq(vtep_dp_open("user", &cfg, &dp), 0);
}

static void
setup(void)
{
    env_open(300, 0, 0);
}

static void
teardown(void)
{
    vtep_dp_close(dp);
    dp = NULL;
}

/* Tables. */

static void
ls(enum vtep_repl_mode mode)
{
    struct vtep_dp_ls l = { .vni = VNI, .mode = mode, .name = "ls1" };
    ck_assert_int_eq(vtep_dp_ls_set(dp, &l), 0);
}

static void
bind_port(int tap, uint16_t vlan)
{
    ck_assert_int_eq(vtep_dp_binding_add(dp, tap_names[tap], vlan, VNI), 0);
}

static void
ucast(const char *mac, int hv)
{
    ck_assert_int_eq(vtep_dp_ucast_set(dp, VNI, unit_mac(mac), hv_ip(hv)),
                     0);
}

/* flood_to("unknown-dst", 2, 0, 1): the flood list of a MAC, by hv index. */
static void
flood_to(const char *mac, int n, ...)
{
    ovs_be32 ips[N_HVS];
    va_list args;

    va_start(args, n);
    for (int i = 0; i < n; i++) {
        ips[i] = hv_ip(va_arg(args, int));
    }
    va_end(args);
    ck_assert_int_eq(vtep_dp_flood_set(dp, VNI, unit_mac(mac), ips, n), 0);
}

/* Frames.
 * ======= */

/* Writes an Ethernet header from 'src' to 'dst' with EtherType 'type',
 * tagged with 'vlan' unless it is -1, and returns its length. */
static size_t
eth_header(uint8_t *buf, const char *dst, const char *src, int vlan,
           uint16_t type)
{
    struct eth_addr d = unit_mac(dst), s = unit_mac(src);
    size_t ofs = 2 * ETH_ADDR_LEN;

    memcpy(buf, d.ea, ETH_ADDR_LEN);
    memcpy(buf + ETH_ADDR_LEN, s.ea, ETH_ADDR_LEN);
    if (vlan >= 0) {
        buf[ofs++] = 0x81;
        buf[ofs++] = 0x00;
        buf[ofs++] = vlan >> 8;
        buf[ofs++] = vlan & 0xff;
    }
    buf[ofs++] = type >> 8;
    buf[ofs++] = type;
    return ofs;
}

/* Builds an Ethernet frame of 'len' bytes (tag included) with EtherType
 * 0x88b5 and a payload pattern, tagged with 'vlan' unless it is -1. */
static size_t
frame(uint8_t *buf, const char *dst, const char *src, int vlan, size_t len)
{
    for (size_t ofs = eth_header(buf, dst, src, vlan, 0x88b5); ofs < len;
         ofs++) {
        buf[ofs] = ofs & 0xff;
    }
    return len;
}

static void
tap_send(int tap, const uint8_t *buf, size_t len)
{
    ck_assert_int_eq(write(taps[tap], buf, len), len);
}

/* Waits up to 'ms' for a frame on 'fd': a socket if 'sport' is nonnull
 * (which receives the sender's port), a tap otherwise.  Returns its length,
 * or 0. */
static size_t
recv_wait(int fd, uint8_t *buf, size_t size, int ms, ovs_be16 *sport)
{
    long long int deadline = time_msec() + ms;

    for (;;) {
        struct sockaddr_in sin;
        socklen_t sin_len = sizeof sin;
        ssize_t n = (sport
                     ? recvfrom(fd, buf, size, 0, (struct sockaddr *) &sin,
                                &sin_len)
                     : read(fd, buf, size));
        if (n > 0) {
            if (sport) {
                *sport = sin.sin_port;
            }
            return n;
        }
        long long int left = deadline - time_msec();
        if (left <= 0) {
            return 0;
        }
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        poll(&pfd, 1, left);
    }
}

static size_t
tap_recv(int tap, uint8_t *buf, size_t size, int ms)
{
    return recv_wait(taps[tap], buf, size, ms, NULL);
}

/* Receives a VXLAN packet at hypervisor 'hv' and returns the inner frame's
 * length (0 if none came), its VNI in '*vni'. */
static size_t
hv_recv(int hv, uint8_t *inner, int ms, uint32_t *vni, ovs_be16 *sport)
{
    uint8_t buf[10000];
    size_t n = recv_wait(hvs[hv], buf, sizeof buf, ms, sport);
    if (!n) {
        return 0;
    }
    ck_assert_int_ge(n, VTEP_PKT_VXLAN_HLEN);
    ck_assert_int_eq(buf[0], VTEP_PKT_VXLAN_FLAG_I);
    *vni = (buf[4] << 16) | (buf[5] << 8) | buf[6];
    memcpy(inner, buf + VTEP_PKT_VXLAN_HLEN, n - VTEP_PKT_VXLAN_HLEN);
    return n - VTEP_PKT_VXLAN_HLEN;
}

static int
hv_count(int hv, int ms)
{
    uint8_t inner[10000];
    uint32_t vni;
    ovs_be16 sport;
    int n = 0;
    while (hv_recv(hv, inner, ms, &vni, &sport)) {
        n++;
        ms = QUIET_MS;
    }
    return n;
}

static int
tap_count(int tap, int ms)
{
    uint8_t buf[10000];
    int n = 0;
    while (tap_recv(tap, buf, sizeof buf, ms)) {
        n++;
        ms = QUIET_MS;
    }
    return n;
}

/* Sends a VXLAN packet with 'flags' and 'vni' around 'inner' from
 * hypervisor 'hv'. */
static void
hv_send_raw(int hv, uint8_t flags, uint32_t vni, const uint8_t *inner,
            size_t len)
{
    uint8_t buf[10000] = { flags, 0, 0, 0, vni >> 16, vni >> 8, vni, 0 };
    struct sockaddr_in to = {
        .sin_family = AF_INET,
        .sin_port = htons(VTEP_VXLAN_PORT),
        .sin_addr.s_addr = unit_ip("127.0.0.1"),
    };
    memcpy(buf + VTEP_PKT_VXLAN_HLEN, inner, len);
    ck_assert_int_eq(sendto(hvs[hv], buf, VTEP_PKT_VXLAN_HLEN + len, 0,
                            (struct sockaddr *) &to, sizeof to),
                     VTEP_PKT_VXLAN_HLEN + len);
}

static void
hv_send(int hv, const uint8_t *inner, size_t len)
{
    hv_send_raw(hv, VTEP_PKT_VXLAN_FLAG_I, VNI, inner, len);
}

/* A counter of vtepd/stats ("drop.runt", "tx.tunnel", ...). */
static unsigned long long int
counter(const char *name)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    char *key = xasprintf("\n  %s: ", name);
    unsigned long long int value = ULLONG_MAX;

    ds_put_char(&s, '\n');
    vtep_dp_format_stats(dp, &s);
    const char *p = strstr(ds_cstr(&s), key);
    if (p) {
        value = strtoull(p + strlen(key), NULL, 10);
    }
    free(key);
    ds_destroy(&s);
    ck_assert_msg(value != ULLONG_MAX, "no counter %s", name);
    return value;
}

static bool
stats_contain(const char *text)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    vtep_dp_format_stats(dp, &s);
    bool found = strstr(ds_cstr(&s), text) != NULL;
    ds_destroy(&s);
    return found;
}

/* Waits for the counter 'name' to reach 'value'. */
static void
expect_stat(const char *name, unsigned long long int value)
{
    long long int deadline = time_msec() + WAIT_MS;
    while (counter(name) < value && time_msec() < deadline) {
        xnanosleep(10 * 1000 * 1000);
    }
    ck_assert_uint_eq(counter(name), value);
}

/* Waits for the next learning event. */
static bool
next_event(struct vtep_dp_learned *ev, int ms)
{
    long long int deadline = time_msec() + ms;
    do {
        if (vtep_dp_learned_poll(dp, ev, 1)) {
            return true;
        }
        xnanosleep(10 * 1000 * 1000);
    } while (time_msec() < deadline);
    return false;
}

static void
expect_event(enum vtep_learn_type type, const char *mac, const char *port,
             uint16_t vlan, int ms)
{
    struct vtep_dp_learned ev;
    ck_assert_msg(next_event(&ev, ms), "no learning event");
    ck_assert_int_eq(ev.type, type);
    ck_assert_uint_eq(ev.vni, VNI);
    if (mac) {
        ck_assert(eth_addr_equals(ev.mac, unit_mac(mac)));
    }
    if (port) {
        ck_assert_str_eq(ev.port, port);
        ck_assert_uint_eq(ev.vlan, vlan);
    }
}

/* Learns 'mac' on (tap, vlan) by sending a frame from it to R1. */
static void
learn_from(int tap, int vlan, const char *mac)
{
    uint8_t buf[64];
    tap_send(tap, buf, frame(buf, R1, mac, vlan, 64));
}

/* Trunk port to tunnel.
 * ===================== */

START_TEST(test_port_to_tunnel_unicast)
{
    uint8_t buf[200], inner[10000];
    uint32_t vni;
    ovs_be16 sport;

    ls(VTEP_REPL_SOURCE_NODE);
    bind_port(0, 100);
    ucast(R1, 0);

    tap_send(0, buf, frame(buf, R1, L1, 100, 120));
    size_t n = hv_recv(0, inner, WAIT_MS, &vni, &sport);
    ck_assert_uint_eq(n, 116);             /* Untagged inside. */
    ck_assert_uint_eq(vni, VNI);
    ck_assert_int_eq(memcmp(inner, buf, 12), 0);
    ck_assert_int_eq(memcmp(inner + 12, buf + 16, 116 - 12), 0);
    ck_assert_uint_ge(ntohs(sport), VTEP_PKT_SPORT_MIN);
    ck_assert_int_eq(hv_count(1, QUIET_MS), 0);
    ck_assert_int_eq(hv_count(2, 0), 0);
    ck_assert_int_eq(tap_count(1, 0), 0);

    struct vtep_dp_binding_stats st;
    ck_assert_int_eq(vtep_dp_binding_stats(dp, "vt0", 100, &st), 0);
    ck_assert_uint_eq(st.packets_from_local, 1);
    ck_assert_uint_eq(st.bytes_from_local, 120);
    ck_assert_uint_eq(counter("tx.tunnel"), 1);
    ck_assert_int_eq(vtep_dp_binding_stats(dp, "vt0", 200, &st), ENOENT);
}
END_TEST

START_TEST(test_untagged_and_unbound_vlans)
{
    uint8_t buf[200], inner[10000];
    uint32_t vni;
    ovs_be16 sport;

    ls(VTEP_REPL_SOURCE_NODE);
    bind_port(1, 0);
    ucast(R1, 0);

    tap_send(1, buf, frame(buf, R1, L2, -1, 80));
    ck_assert_uint_eq(hv_recv(0, inner, WAIT_MS, &vni, &sport), 80);
    ck_assert_int_eq(memcmp(inner, buf, 80), 0);

    /* A VLAN without a binding, on either port, goes nowhere. */
    tap_send(1, buf, frame(buf, R1, L2, 100, 80));
    tap_send(0, buf, frame(buf, R1, L2, 100, 80));
    tap_send(0, buf, frame(buf, R1, L2, -1, 80));
    expect_stat("drop.no-binding", 3);
    ck_assert_int_eq(hv_count(0, QUIET_MS), 0);
}
END_TEST

START_TEST(test_flood_source_node)
{
    uint8_t buf[200];

    ls(VTEP_REPL_SOURCE_NODE);
    bind_port(0, 100);
    bind_port(1, 0);
    flood_to("unknown-dst", 2, 0, 1);

    /* Broadcast, unknown unicast and multicast: one copy to each remote
     * of the unknown-dst set and to the other binding, none back. */
    tap_send(0, buf, frame(buf, "ff:ff:ff:ff:ff:ff", L1, 100, 64));
    tap_send(0, buf, frame(buf, "02:99:00:00:00:01", L1, 100, 64));
    tap_send(0, buf, frame(buf, "01:00:5e:00:00:01", L1, 100, 64));
    ck_assert_int_eq(hv_count(0, WAIT_MS), 3);
    ck_assert_int_eq(hv_count(1, WAIT_MS), 3);
    ck_assert_int_eq(hv_count(2, 0), 0);
    ck_assert_int_eq(tap_count(1, WAIT_MS), 3);
    ck_assert_int_eq(tap_count(0, 0), 0);
}
END_TEST

static int
which_hv(void)
{
    uint8_t buf[64];
    int got = -1;

    tap_send(0, buf, frame(buf, "ff:ff:ff:ff:ff:ff", L1, 100, 64));
    for (int i = 0; i < N_HVS; i++) {
        int n = hv_count(i, i ? QUIET_MS : WAIT_MS);
        ck_assert_int_le(n, 1);
        if (n) {
            ck_assert_int_eq(got, -1);
            got = i;
        }
    }
    ck_assert_int_ge(got, 0);
    return got;
}

START_TEST(test_flood_service_node_is_stable)
{
    ls(VTEP_REPL_SERVICE_NODE);
    bind_port(0, 100);
    flood_to("unknown-dst", 2, 0, 1);

    /* Exactly one copy, always at the same service node. */
    int first = which_hv();
    for (int i = 0; i < 4; i++) {
        ck_assert_int_eq(which_hv(), first);
    }

    /* A node joining the set does not move the logical switch. */
    flood_to("unknown-dst", 3, 0, 1, 2);
    ck_assert_int_eq(which_hv(), first);

    /* The chosen one leaving does; coming back does not move it again. */
    int other = first == 0 ? 1 : 0;
    flood_to("unknown-dst", 1, other);
    ck_assert_int_eq(which_hv(), other);
    flood_to("unknown-dst", 2, 0, 1);
    ck_assert_int_eq(which_hv(), other);
}
END_TEST

START_TEST(test_multicast_mac_entry)
{
    uint8_t buf[64];

    ls(VTEP_REPL_SOURCE_NODE);
    bind_port(0, 100);
    flood_to("unknown-dst", 1, 0);
    flood_to("01:00:5e:01:02:03", 1, 1);

    tap_send(0, buf, frame(buf, "01:00:5e:01:02:03", L1, 100, 64));
    ck_assert_int_eq(hv_count(1, WAIT_MS), 1);
    ck_assert_int_eq(hv_count(0, QUIET_MS), 0);

    tap_send(0, buf, frame(buf, "01:00:5e:09:09:09", L1, 100, 64));
    ck_assert_int_eq(hv_count(0, WAIT_MS), 1);
    ck_assert_int_eq(hv_count(1, QUIET_MS), 0);

    /* Deleting the entry falls back to unknown-dst. */
    ck_assert_int_eq(vtep_dp_flood_set(dp, VNI,
                                       unit_mac("01:00:5e:01:02:03"),
                                       NULL, 0), 0);
    tap_send(0, buf, frame(buf, "01:00:5e:01:02:03", L1, 100, 64));
    ck_assert_int_eq(hv_count(0, WAIT_MS), 1);
    ck_assert_int_eq(hv_count(1, QUIET_MS), 0);
}
END_TEST

START_TEST(test_local_switching_and_hairpin)
{
    uint8_t buf[64], out[10000];

    ls(VTEP_REPL_SOURCE_NODE);
    bind_port(0, 100);
    bind_port(1, 0);
    flood_to("unknown-dst", 1, 0);
    learn_from(0, 100, L1);
    learn_from(1, -1, L2);
    /* R1 is unknown here: both learning frames were flooded. */
    expect_stat("tx.port", 2);
    expect_stat("tx.tunnel", 2);
    ck_assert_int_eq(hv_count(0, WAIT_MS), 2);
    ck_assert_int_eq(tap_count(0, WAIT_MS), 1);
    ck_assert_int_eq(tap_count(1, WAIT_MS), 1);

    /* L1 -> L2: out of vt1 untagged only. */
    tap_send(0, buf, frame(buf, L2, L1, 100, 64));
    ck_assert_uint_eq(tap_recv(1, out, sizeof out, WAIT_MS), 60);
    ck_assert_int_eq(memcmp(out, buf, 12), 0);
    ck_assert_int_eq(hv_count(0, QUIET_MS), 0);

    /* L2 -> L1: out of vt0 with tag 100. */
    tap_send(1, buf, frame(buf, L1, L2, -1, 64));
    ck_assert_uint_eq(tap_recv(0, out, sizeof out, WAIT_MS), 68);
    ck_assert_int_eq(out[12], 0x81);
    ck_assert_int_eq(((out[14] << 8) | out[15]) & 0xfff, 100);

    /* L1 -> L1's own binding: not sent back. */
    tap_send(0, buf, frame(buf, L1, L3, 100, 64));
    expect_stat("drop.hairpin", 1);
    ck_assert_int_eq(tap_count(0, QUIET_MS), 0);
}
END_TEST

START_TEST(test_mtu)
{
    uint8_t buf[2000];

    /* Loopback MTU 1000 is the underlay MTU: 36 bytes of IPv4, UDP and
     * VXLAN leave room for a 964-byte inner frame. */
    teardown();
    env_open(300, 0, 1000);
    ls(VTEP_REPL_SOURCE_NODE);
    bind_port(0, 0);
    ucast(R1, 0);

    tap_send(0, buf, frame(buf, R1, L1, -1, 965));
    expect_stat("drop.mtu", 1);
    tap_send(0, buf, frame(buf, R1, L1, -1, 964));
    ck_assert_int_eq(hv_count(0, WAIT_MS), 1);
    ck_assert_uint_eq(counter("drop.mtu"), 1);
}
END_TEST

/* Tunnel to trunk port.
 * ===================== */

START_TEST(test_tunnel_to_port)
{
    uint8_t buf[200], out[10000];

    ls(VTEP_REPL_SOURCE_NODE);
    bind_port(0, 100);
    bind_port(1, 0);
    ucast(R1, 0);
    flood_to("unknown-dst", 2, 0, 1);
    learn_from(0, 100, L1);
    ck_assert_int_eq(hv_count(0, WAIT_MS), 1);

    /* To a learned MAC: only its binding, tagged. */
    hv_send(0, buf, frame(buf, L1, R1, -1, 100));
    ck_assert_uint_eq(tap_recv(0, out, sizeof out, WAIT_MS), 104);
    ck_assert_int_eq(((out[14] << 8) | out[15]) & 0xfff, 100);
    ck_assert_int_eq(memcmp(out + 16, buf + 12, 100 - 12), 0);
    ck_assert_int_eq(tap_count(1, QUIET_MS), 0);

    /* Broadcast: every local binding, never a tunnel (split horizon). */
    hv_send(0, buf, frame(buf, "ff:ff:ff:ff:ff:ff", R1, -1, 100));
    ck_assert_int_eq(tap_count(0, WAIT_MS), 1);
    ck_assert_int_eq(tap_count(1, WAIT_MS), 1);
    ck_assert_int_eq(hv_count(1, QUIET_MS), 0);
    ck_assert_int_eq(hv_count(0, 0), 0);

    struct vtep_dp_binding_stats st;
    ck_assert_int_eq(vtep_dp_binding_stats(dp, "vt1", 0, &st), 0);
    ck_assert_uint_eq(st.packets_to_local, 1);
    ck_assert_uint_eq(st.bytes_to_local, 100);
    ck_assert_uint_eq(counter("rx.tunnel"), 2);
}
END_TEST

START_TEST(test_unknown_source_and_vni)
{
    uint8_t buf[200];

    ls(VTEP_REPL_SOURCE_NODE);
    bind_port(1, 0);
    ucast(R1, 0);

    /* 127.0.0.3 is no locator of the logical switch. */
    hv_send(1, buf, frame(buf, "ff:ff:ff:ff:ff:ff", R1, -1, 64));
    expect_stat("drop.unknown-source", 1);
    hv_send_raw(0, VTEP_PKT_VXLAN_FLAG_I, VNI + 1, buf, 64);
    expect_stat("drop.unknown-vni", 1);
    ck_assert_int_eq(tap_count(1, QUIET_MS), 0);

    /* A locator is one while some entry names it. */
    hv_send(0, buf, 64);
    ck_assert_int_eq(tap_count(1, WAIT_MS), 1);
    ck_assert_int_eq(vtep_dp_ucast_del(dp, VNI, unit_mac(R1)), 0);
    hv_send(0, buf, 64);
    expect_stat("drop.unknown-source", 2);
    ck_assert_int_eq(tap_count(1, QUIET_MS), 0);
}
END_TEST

START_TEST(test_malformed_input)
{
    uint8_t buf[200];

    ls(VTEP_REPL_SOURCE_NODE);
    bind_port(0, 100);
    bind_port(1, 0);
    ucast(R1, 0);

    /* Tunnel: too short for a header, the I flag missing (twice: reserved
     * flags alone do not make it valid, RFC 7348 section 5), too short for
     * an inner Ethernet header, shorter than the VXLAN header. */
    frame(buf, "ff:ff:ff:ff:ff:ff", R1, -1, 64);
    hv_send_raw(0, VTEP_PKT_VXLAN_FLAG_I, VNI, buf, 0);
    hv_send_raw(0, 0, VNI, buf, 64);
    hv_send_raw(0, VTEP_PKT_VXLAN_FLAG_I, VNI, buf, 10);
    hv_send_raw(0, 0xf7, VNI, buf, 64);
    struct sockaddr_in to = {
        .sin_family = AF_INET,
        .sin_port = htons(VTEP_VXLAN_PORT),
        .sin_addr.s_addr = unit_ip("127.0.0.1"),
    };
    ck_assert_int_eq(sendto(hvs[0], buf, 4, 0, (struct sockaddr *) &to,
                            sizeof to), 4);

    /* Port: 16 bytes (a header and 2 bytes) untagged, where vt0 has no
     * binding: counted, not forwarded.  16 bytes that end inside an 802.1Q
     * tag never reach us: the kernel drops a tag cut short when it moves
     * it into metadata, so no runt comes from a port (rx.port does not
     * count it; runts are reached through tunnels, and by fuzz-dp).  Then
     * a multicast source; counted last, it shows that the frames before it
     * on vt0 were processed. */
    uint8_t cut[64];
    unsigned long long int rx0 = counter("rx.port");
    tap_send(0, buf, 16);
    frame(cut, R1, L1, 100, 64);
    tap_send(0, cut, 16);
    tap_send(0, buf, frame(buf, R1, "01:00:00:00:00:01", 100, 64));

    expect_stat("drop.bad-vxlan-flags", 2);
    expect_stat("drop.vxlan-too-short", 3);
    expect_stat("drop.bad-src-mac", 1);
    ck_assert_uint_eq(counter("drop.no-binding"), 1);
    ck_assert_uint_eq(counter("rx.port"), rx0 + 2);
    ck_assert_uint_eq(counter("drop.runt"), 0);
    ck_assert_uint_eq(counter("tx.port") + counter("tx.tunnel"), 0);
    ck_assert_int_eq(tap_count(1, 0), 0);

    /* And forwarding goes on. */
    hv_send(0, buf, frame(buf, "ff:ff:ff:ff:ff:ff", R1, -1, 64));
    ck_assert_int_eq(tap_count(1, WAIT_MS), 1);
    tap_send(0, buf, frame(buf, R1, L1, 100, 64));
    ck_assert_int_eq(hv_count(0, WAIT_MS), 1);
}
END_TEST


/* IPv4 frames.
 * ============ */

/* How ip_frame() fills in the L4 checksum. */
enum l4_csum {
    CSUM_GOOD,                      /* Complete and right. */
    CSUM_PARTIAL,                   /* Only the pseudo-header sum, as a
                                     * sender with tx offload leaves it. */
    CSUM_BAD,                       /* Complete and wrong. */
};

/* Offsets in an untagged IPv4 frame built by ip_frame(). */
#define IPF_L3 ETH_HEADER_LEN
#define IPF_L4 (IPF_L3 + IP_HEADER_LEN)

/* Builds a 'len'-byte IPv4 frame (tag included) from 10.0.0.1 to 10.0.0.2
 * carrying TCP or UDP ('proto') from port 'sport' to 80, tagged with 'vlan'
 * unless it is -1, with its L4 checksum as 'cs' says.  Returns 'len'. */
static size_t
ip_frame(uint8_t *buf, const char *dst, const char *src, int vlan,
         uint8_t proto, uint16_t sport, size_t len, enum l4_csum cs)
{
    memset(buf, 0, len);
    size_t ofs = eth_header(buf, dst, src, vlan, ETH_TYPE_IP);

    uint8_t *ip = buf + ofs;
    size_t ip_len = len - ofs;
    size_t l4_len = ip_len - IP_HEADER_LEN;
    ip[0] = 0x45;
    ip[2] = ip_len >> 8;
    ip[3] = ip_len;
    ip[6] = 0x40;                   /* DF. */
    ip[8] = 64;
    ip[9] = proto;
    ovs_be32 ip_src = unit_ip("10.0.0.1"), ip_dst = unit_ip("10.0.0.2");
    memcpy(ip + 12, &ip_src, 4);
    memcpy(ip + 16, &ip_dst, 4);
    ovs_be16 ip_csum = csum(ip, IP_HEADER_LEN);
    memcpy(ip + 10, &ip_csum, 2);

    uint8_t *l4 = ip + IP_HEADER_LEN;
    size_t csum_ofs = proto == IPPROTO_TCP ? 16 : 6;
    l4[0] = sport >> 8;
    l4[1] = sport;
    l4[3] = 80;
    if (proto == IPPROTO_TCP) {
        l4[12] = 5 << 4;            /* Data offset. */
        l4[13] = 0x18;              /* PSH, ACK. */
    } else {
        l4[4] = l4_len >> 8;
        l4[5] = l4_len;
    }
    for (size_t i = proto == IPPROTO_TCP ? 20 : 8; i < l4_len; i++) {
        l4[i] = i * 7;
    }

    uint32_t pseudo = csum_add32(csum_add32(0, ip_src), ip_dst);
    pseudo = csum_add16(pseudo, htons(proto));
    pseudo = csum_add16(pseudo, htons(l4_len));
    ovs_be16 c;
    if (cs == CSUM_PARTIAL) {
        c = ~csum_finish(pseudo);
    } else {
        c = csum_finish(csum_continue(pseudo, l4, l4_len));
        if (cs == CSUM_BAD) {
            c ^= htons(0x0101);
        }
    }
    memcpy(l4 + csum_ofs, &c, 2);
    return len;
}

/* True if the untagged IPv4 TCP or UDP frame 'f' has a right L4
 * checksum. */
static bool
l4_csum_ok(const uint8_t *f, size_t len)
{
    const uint8_t *ip = f + IPF_L3;
    size_t l4_len = ((ip[2] << 8) | ip[3]) - IP_HEADER_LEN;
    ovs_be32 src, dst;

    ck_assert_uint_ge(len, IPF_L4 + l4_len);
    memcpy(&src, ip + 12, 4);
    memcpy(&dst, ip + 16, 4);
    uint32_t sum = csum_add32(csum_add32(0, src), dst);
    sum = csum_add16(sum, htons(ip[9]));
    sum = csum_add16(sum, htons(l4_len));
    return csum_finish(csum_continue(sum, f + IPF_L4, l4_len)) == 0;
}

/* Sends a positive control frame from L3 to R1 on (tap 0, VLAN 100) and
 * waits for it at hypervisor 0: in order on one path, it proves that the
 * datapath has processed every frame sent on that port before it. */
static void
control_to_hv0(void)
{
    uint8_t buf[64], inner[10000];
    uint32_t vni;
    ovs_be16 sport;

    tap_send(0, buf, frame(buf, R1, L3, 100, 64));
    ck_assert_uint_eq(hv_recv(0, inner, WAIT_MS, &vni, &sport), 60);
    ck_assert_int_eq(memcmp(inner + 6, buf + 6, 6), 0);
}

/* ECMP entropy (outer UDP source port), checksums, QinQ, remote MACs.
 * =================================================================== */

/* Sends 16 flows (UDP and TCP, source ports 1000..1015) from L1 to R1
 * on (tap 0, 'vlan') and returns how many distinct outer UDP source ports
 * they got at hypervisor 0. */
static int
distinct_sports(int vlan)
{
    ovs_be16 seen[16];
    int n_seen = 0;

    for (int i = 0; i < 16; i++) {
        uint8_t buf[200], inner[10000];
        uint32_t vni;
        ovs_be16 sport;

        tap_send(0, buf, ip_frame(buf, R1, L1, vlan,
                                  i % 2 ? IPPROTO_TCP : IPPROTO_UDP,
                                  1000 + i, 100, CSUM_GOOD));
        ck_assert_uint_gt(hv_recv(0, inner, WAIT_MS, &vni, &sport), 0);
        bool dup = false;
        for (int j = 0; j < n_seen; j++) {
            dup |= seen[j] == sport;
        }
        if (!dup) {
            seen[n_seen++] = sport;
        }
    }
    return n_seen;
}

START_TEST(test_ecmp_entropy_tagged)
{
    ls(VTEP_REPL_SOURCE_NODE);
    bind_port(0, 100);
    bind_port(1, 0);
    ucast(R1, 0);

    /* Untagged (vt1), tagged (VLAN 100) and priority-tagged (VLAN 0 tag on
     * vt0, which is unbound untagged: bind it) all spread. */
    ck_assert_int_ge(distinct_sports(100), 8);
    bind_port(0, 0);
    ck_assert_int_ge(distinct_sports(0), 8);
}
END_TEST

START_TEST(test_csum_offload_port_to_tunnel)
{
    uint8_t buf[300], inner[10000];
    uint32_t vni;
    ovs_be16 sport;

    ls(VTEP_REPL_SOURCE_NODE);
    bind_port(0, 100);
    ucast(R1, 0);

    /* A partial checksum is completed, TCP and UDP; a good one is left
     * alone; so is a wrong one (the receiver's to drop). */
    for (int proto = 0; proto < 2; proto++) {
        uint8_t p = proto ? IPPROTO_UDP : IPPROTO_TCP;
        size_t n = ip_frame(buf, R1, L1, 100, p, 4000, 250, CSUM_PARTIAL);
        tap_send(0, buf, n);
        ck_assert_uint_eq(hv_recv(0, inner, WAIT_MS, &vni, &sport), n - 4);
        ck_assert_msg(l4_csum_ok(inner, n - 4), "%s checksum left partial",
                      proto ? "UDP" : "TCP");

        n = ip_frame(buf, R1, L1, 100, p, 4001, 250, CSUM_GOOD);
        tap_send(0, buf, n);
        ck_assert_uint_eq(hv_recv(0, inner, WAIT_MS, &vni, &sport), n - 4);
        ck_assert_int_eq(memcmp(inner + 12, buf + 16, n - 16), 0);

        n = ip_frame(buf, R1, L1, 100, p, 4002, 250, CSUM_BAD);
        tap_send(0, buf, n);
        ck_assert_uint_eq(hv_recv(0, inner, WAIT_MS, &vni, &sport), n - 4);
        ck_assert_int_eq(memcmp(inner + 12, buf + 16, n - 16), 0);
        ck_assert(!l4_csum_ok(inner, n - 4));
    }
    ck_assert_uint_eq(counter("csum.completed"), 2);
}
END_TEST

START_TEST(test_csum_offload_tunnel_to_port)
{
    uint8_t buf[300], out[10000];

    ls(VTEP_REPL_SOURCE_NODE);
    bind_port(0, 100);
    bind_port(1, 0);
    ucast(R1, 0);

    for (int proto = 0; proto < 2; proto++) {
        uint8_t p = proto ? IPPROTO_UDP : IPPROTO_TCP;
        size_t n = ip_frame(buf, "ff:ff:ff:ff:ff:ff", R1, -1, p, 5000, 250,
                            CSUM_PARTIAL);
        hv_send(0, buf, n);
        ck_assert_uint_eq(tap_recv(1, out, sizeof out, WAIT_MS), n);
        ck_assert(l4_csum_ok(out, n));
        ck_assert_uint_eq(tap_recv(0, out, sizeof out, WAIT_MS), n + 4);
        memmove(out + 12, out + 16, n - 12);
        ck_assert(l4_csum_ok(out, n));
    }
    ck_assert_uint_eq(counter("csum.completed"), 2);
}
END_TEST

/* A double-tagged frame: TPID 'outer', VID 100, then TPID 'inner', VID 7,
 * then 0x88b5. */
static size_t
qinq_frame(uint8_t *buf, uint16_t outer, uint16_t outer_vid, uint16_t inner)
{
    frame(buf, R1, L1, -1, 68);
    memmove(buf + 20, buf + 12, 48);
    buf[12] = outer >> 8;
    buf[13] = outer;
    buf[14] = outer_vid >> 8;
    buf[15] = outer_vid;
    buf[16] = inner >> 8;
    buf[17] = inner;
    buf[18] = 0;
    buf[19] = 7;
    return 68;
}

START_TEST(test_qinq_dropped)
{
    uint8_t buf[200], out[10000];

    ls(VTEP_REPL_SOURCE_NODE);
    bind_port(0, 100);
    bind_port(0, 0);
    bind_port(1, 0);
    ucast(R1, 0);
    flood_to("unknown-dst", 1, 1);

    /* From the trunk: 802.1Q in 802.1Q, 802.1Q in 802.1ad, 802.1ad in
     * 802.1Q, and 802.1Q in a priority tag: none goes anywhere. */
    tap_send(0, buf, qinq_frame(buf, 0x8100, 100, 0x8100));
    tap_send(0, buf, qinq_frame(buf, 0x88a8, 100, 0x8100));
    tap_send(0, buf, qinq_frame(buf, 0x8100, 100, 0x88a8));
    tap_send(0, buf, qinq_frame(buf, 0x8100, 0, 0x8100));
    control_to_hv0();
    ck_assert_uint_eq(counter("drop.qinq"), 4);
    ck_assert_int_eq(tap_count(1, 0), 0);
    ck_assert_int_eq(hv_count(0, 0), 0);

    /* From a tunnel: an inner frame with a tag (RFC 7348 section 6) is
     * dropped; the broadcast after it arrives alone. */
    hv_send(0, buf, frame(buf, "ff:ff:ff:ff:ff:ff", R1, 100, 64));
    hv_send(0, buf, qinq_frame(buf, 0x8100, 100, 0x8100));
    size_t n = frame(buf, "ff:ff:ff:ff:ff:ff", R1, -1, 64);
    hv_send(0, buf, n);
    ck_assert_uint_eq(tap_recv(1, out, sizeof out, WAIT_MS), n);
    ck_assert_int_eq(memcmp(out, buf, n), 0);
    ck_assert_uint_eq(counter("drop.inner-vlan-tag"), 2);
    ck_assert_int_eq(tap_count(1, 0), 0);
}
END_TEST

START_TEST(test_remote_mac_not_learned)
{
    uint8_t buf[200];
    struct vtep_dp_learned ev;

    ls(VTEP_REPL_SOURCE_NODE);
    bind_port(0, 100);
    bind_port(1, 0);
    ucast(R1, 0);
    flood_to("unknown-dst", 1, 1);

    /* R1 is remote (at hv 0): a trunk frame from it is neither learned
     * nor forwarded, as a switch with a static entry would do. */
    tap_send(0, buf, frame(buf, "ff:ff:ff:ff:ff:ff", R1, 100, 64));
    tap_send(0, buf, frame(buf, L2, R1, 100, 64));
    control_to_hv0();
    ck_assert_uint_eq(counter("drop.remote-mac-move"), 2);
    ck_assert_int_eq(tap_count(1, 0), 0);
    ck_assert_int_eq(hv_count(1, 0), 0);

    /* The only learning event is the control frame's source, L3. */
    expect_event(VTEP_LEARN_ADD, L3, "vt0", 100, WAIT_MS);
    ck_assert(!vtep_dp_learned_poll(dp, &ev, 1));
    ck_assert(stats_contain("learned: 1 macs"));
}
END_TEST


/* Kernel failures.
 * ================ */

START_TEST(test_mtu_read_fails)
{
    uint8_t buf[200], out[10000];

    /* The ports' MTUs cannot be read when the datapath opens them: it
     * keeps the default (1500) rather than dropping every frame to them as
     * too big. */
    teardown();
    atomic_store(&hook_mtu_errno, ENODEV);
    env_open(300, 0, 0);
    ls(VTEP_REPL_SOURCE_NODE);
    bind_port(0, 100);
    ucast(R1, 0);

    size_t n = frame(buf, "ff:ff:ff:ff:ff:ff", R1, -1, 100);
    hv_send(0, buf, n);
    ck_assert_uint_eq(tap_recv(0, out, sizeof out, WAIT_MS), n + 4);
    ck_assert_uint_eq(counter("drop.mtu"), 0);
    ck_assert(stats_contain("port vt0: up, mtu 1500,"));
}
END_TEST

START_TEST(test_tx_busy)
{
    uint8_t buf[200], inner[10000];
    uint32_t vni;
    ovs_be16 sport;

    ls(VTEP_REPL_SOURCE_NODE);
    bind_port(0, 100);
    ucast(R1, 0);

    /* Every send finds the socket full: each packet is counted once as
     * drop.tx-busy (the batch is dropped together, not retried one by
     * one), none as a transmit error. */
    atomic_store(&hook_sendmmsg_errno, EAGAIN);
    for (int i = 0; i < 5; i++) {
        tap_send(0, buf, frame(buf, R1, L1, 100, 64));
    }
    expect_stat("drop.tx-busy", 5);
    ck_assert_uint_eq(counter("drop.tx-error"), 0);
    ck_assert_uint_eq(counter("tx.tunnel"), 0);

    /* Room again: forwarding goes on. */
    atomic_store(&hook_sendmmsg_errno, 0);
    tap_send(0, buf, frame(buf, R1, L1, 100, 64));
    ck_assert_uint_eq(hv_recv(0, inner, WAIT_MS, &vni, &sport), 60);
    ck_assert_uint_eq(counter("drop.tx-busy"), 5);
}
END_TEST

/* Learning.
 * ========= */

START_TEST(test_learning_events)
{
    uint8_t buf[64];

    teardown();
    env_open(1, 0, 0);
    ls(VTEP_REPL_SOURCE_NODE);
    bind_port(0, 100);
    bind_port(1, 0);

    learn_from(0, 100, L1);
    expect_event(VTEP_LEARN_ADD, L1, "vt0", 100, WAIT_MS);

    /* An ARP request from L1 gives its IP. */
    uint8_t arp[64] = { 0 };
    size_t len = frame(arp, "ff:ff:ff:ff:ff:ff", L1, 100, 60);
    static const uint8_t body[] = {
        0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01,
        0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 10, 0, 0, 5,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 10, 0, 0, 6,
    };
    memcpy(arp + 16, body, sizeof body);
    tap_send(0, arp, len);
    struct vtep_dp_learned ev;
    ck_assert(next_event(&ev, WAIT_MS));
    ck_assert_int_eq(ev.type, VTEP_LEARN_ADD);
    ck_assert_uint_eq(ev.ip, unit_ip("10.0.0.5"));

    /* L1 moves to vt1, untagged. */
    tap_send(1, buf, frame(buf, R1, L1, -1, 64));
    expect_event(VTEP_LEARN_ADD, L1, "vt1", 0, WAIT_MS);
    ck_assert(stats_contain("learned: 1 macs, 1 learned, 1 moved"));
}
END_TEST

START_TEST(test_aging)
{
    teardown();
    env_open(1, 0, 0);
    ls(VTEP_REPL_SOURCE_NODE);
    bind_port(0, 100);

    learn_from(0, 100, L1);
    expect_event(VTEP_LEARN_ADD, L1, "vt0", 100, WAIT_MS);
    /* Aging is 1 s, checked every second. */
    expect_event(VTEP_LEARN_DEL, L1, "vt0", 100, 4000);
}
END_TEST

START_TEST(test_unbind_forgets)
{
    ls(VTEP_REPL_SOURCE_NODE);
    bind_port(0, 100);
    learn_from(0, 100, L1);
    expect_event(VTEP_LEARN_ADD, L1, "vt0", 100, WAIT_MS);
    ck_assert_int_eq(vtep_dp_binding_del(dp, "vt0", 100), 0);
    expect_event(VTEP_LEARN_DEL, L1, "vt0", 100, WAIT_MS);
}
END_TEST

START_TEST(test_limit)
{
    teardown();
    env_open(1, 2, 0);
    ls(VTEP_REPL_SOURCE_NODE);
    bind_port(0, 100);

    learn_from(0, 100, L1);
    expect_event(VTEP_LEARN_ADD, L1, NULL, 0, WAIT_MS);
    learn_from(0, 100, L2);
    expect_event(VTEP_LEARN_ADD, L2, NULL, 0, WAIT_MS);
    learn_from(0, 100, L3);
    expect_event(VTEP_LEARN_FULL, "ff:ff:ff:ff:ff:ff", NULL, 0, WAIT_MS);

    /* Once they age out, there is room again. */
    struct vtep_dp_learned ev;
    bool room = false;
    int dels = 0;
    while (next_event(&ev, 4000)) {
        dels += ev.type == VTEP_LEARN_DEL;
        room |= ev.type == VTEP_LEARN_ROOM;
        if (dels == 2 && room) {
            break;
        }
    }
    ck_assert_int_eq(dels, 2);
    ck_assert(room);
}
END_TEST

START_TEST(test_coalescing)
{
    uint8_t buf[64];

    ls(VTEP_REPL_SOURCE_NODE);
    bind_port(0, 100);
    bind_port(1, 0);

    /* L1 flaps between two bindings many times before anyone polls: one
     * event, the last place.  (The thread reads each port in batches, so
     * the last place is only known once the flapping is over.) */
    for (int i = 0; i < 20; i++) {
        tap_send(i % 2, buf, frame(buf, R1, L1, i % 2 ? -1 : 100, 64));
    }
    expect_stat("rx.port", 20);
    tap_send(1, buf, frame(buf, R1, L1, -1, 64));
    expect_stat("rx.port", 21);
    struct vtep_dp_learned ev[8];
    ck_assert_uint_eq(vtep_dp_learned_poll(dp, ev, 8), 1);
    ck_assert_str_eq(ev[0].port, "vt1");
}
END_TEST

static Suite *
dp_user_suite(void)
{
    Suite *s = suite_create("dp-user");
    TCase *tc;

    tc = tcase_create("port-to-tunnel");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_port_to_tunnel_unicast);
    tcase_add_test(tc, test_untagged_and_unbound_vlans);
    tcase_add_test(tc, test_flood_source_node);
    tcase_add_test(tc, test_flood_service_node_is_stable);
    tcase_add_test(tc, test_multicast_mac_entry);
    tcase_add_test(tc, test_local_switching_and_hairpin);
    tcase_add_test(tc, test_mtu);
    suite_add_tcase(s, tc);

    tc = tcase_create("tunnel-to-port");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_tunnel_to_port);
    tcase_add_test(tc, test_unknown_source_and_vni);
    tcase_add_test(tc, test_malformed_input);
    suite_add_tcase(s, tc);

    tc = tcase_create("correctness");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_ecmp_entropy_tagged);
    tcase_add_test(tc, test_csum_offload_port_to_tunnel);
    tcase_add_test(tc, test_csum_offload_tunnel_to_port);
    tcase_add_test(tc, test_qinq_dropped);
    tcase_add_test(tc, test_remote_mac_not_learned);
    tcase_add_test(tc, test_mtu_read_fails);
    tcase_add_test(tc, test_tx_busy);
    suite_add_tcase(s, tc);

    tc = tcase_create("learning");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_learning_events);
    tcase_add_test(tc, test_aging);
    tcase_add_test(tc, test_unbind_forgets);
    tcase_add_test(tc, test_limit);
    tcase_add_test(tc, test_coalescing);
    suite_add_tcase(s, tc);

    return s;
}

/* True if this process may make a network namespace with a tap in it. */
static bool
can_run(void)
{
    pid_t pid = fork();
    if (!pid) {
        int fd;
        _exit(unshare(CLONE_NEWNET) == 0
              && (fd = open("/dev/net/tun", O_RDWR)) >= 0 ? 0 : 1);
    }
    int status;
    return (pid > 0 && waitpid(pid, &status, 0) == pid
            && WIFEXITED(status) && !WEXITSTATUS(status));
}

int
main(int argc OVS_UNUSED, char *argv[])
{
    if (!can_run()) {
        printf("SKIP: dp-user: needs root for network namespaces and "
               "/dev/net/tun\n");
        return 77;
    }
    return unit_main(argv[0], dp_user_suite);
}

/*
 * vtep-dp-user.c: the userspace datapath ("--datapath=user").
 *
 * DOC: This provider makes any Linux box a VLAN trunk <-> VXLAN gateway
 * without kernel configuration.  Each trunk port is a libpcap handle
 * (which opens the port, puts it in promiscuous mode and sends) and a
 * packet socket of our own that receives (inbound only), with what
 * libpcap's ring cannot have: PACKET_VNET_HDR, the offload metadata that
 * tells a TCP super-frame of segmentation offload and its segment size
 * (gso_size) from a frame too big for the port.  The 802.1Q tag that the
 * kernel moved into metadata (PACKET_AUXDATA) is put back, as libpcap
 * would.  VXLAN arrives on a
 * UDP socket bound to the tunnel IP and leaves through a raw IPv4 socket,
 * so that the outer UDP source port can carry a hash of the inner flow
 * (RFC 7348 section 5) while the kernel still does routing and ARP.
 *
 * Threads.  One packet thread owns the ports and sockets.  It reads the
 * forwarding tables, which the main thread (the reconciler) writes, without
 * locks: they are OVS cmaps, and whatever the main thread replaces or
 * removes is freed after an RCU grace period.  The flood members of a
 * logical switch are an immutable array, replaced as a whole.  The packet
 * thread is the writer of the learning table (vtep-learn.h): it learns,
 * ages and looks up MACs there without locks, and takes the table's mutex
 * only to change what the main thread polls (events coalesced per VNI and
 * MAC, with limits), for bounded work at a time.
 *
 * Forwarding (../shared/DESIGN.md):
 *   trunk port: a second (QinQ) tag is dropped; (port, VLAN) -> binding
 *     -> VNI; a source MAC that is a remote MAC of the VNI is dropped, not
 *     learned; learn the source MAC; remote MAC -> VXLAN to its locator;
 *     local MAC -> its port and VLAN; otherwise -> the other local
 *     bindings of the logical switch plus the flood list (the exact
 *     multicast MAC's entry if there is one, else unknown-dst): every
 *     remote in source_node mode, one in service_node mode.
 *   tunnel: VNI -> logical switch; the source IP must be a locator of that
 *     logical switch; an inner VLAN tag is dropped; deliver to local
 *     bindings only (split horizon).
 *   Both ways, a TCP or UDP checksum that the sender left to offload is
 *   completed (vtep_pkt_csum_complete()), and the outer UDP source port
 *   hashes the untagged inner frame, so tagged flows spread like others.
 *   A TCP super-frame (segmentation offload, GRO) is cut into frames that
 *   fit (vtep-gso.h): from a trunk port before anything else, at the
 *   sender's gso_size (which respects the receiver's MSS) or smaller if
 *   the port or the tunnel needs it; from a tunnel, where no metadata
 *   comes with it, on its way to each binding, at what the port and the
 *   tunnel carry.
 *
 * Every frame that is not forwarded is counted by reason ("drop.REASON" in
 * vtepd/stats); malformed input is also logged, rate-limited.
 */
#include <config.h>
#include "vtep-dp-provider.h"

#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include "cmap.h"
#include "coverage.h"
#include "hash.h"
#include "latch.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "openvswitch/list.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "ovs-atomic.h"
#include "ovs-rcu.h"
#include "ovs-thread.h"
#include "packets.h"
#include "random.h"
#include "seq.h"
#include "timeval.h"
#include "util.h"
#include "vtep-gso.h"
#include "vtep-learn.h"
#include "vtep-packet.h"
#include "vtep-types.h"

VLOG_DEFINE_THIS_MODULE(vtep_dp_user);

COVERAGE_DEFINE(user_drop);
COVERAGE_DEFINE(user_learn);
COVERAGE_DEFINE(user_age);

#define USER_BATCH 32               /* Frames read per port or socket. */
#define USER_TX_BATCH 64            /* Tunnel packets per sendmmsg(). */
#define USER_PORT_TX_BATCH 32       /* Frames per sendmmsg() on a port. */
#define USER_FRAME_MAX 9216         /* Largest frame sent (jumbo). */
/* Largest frame captured: a TCP super-frame of a sender with segmentation
 * offload (64 KB, the gso_max_size of veth, virtio and most NICs) with
 * its Ethernet header and a tag; it is cut into frames of at most
 * USER_FRAME_MAX (vtep-gso.h). */
#define USER_CAPTURE_MAX (65536 + ETH_HEADER_LEN + VLAN_HEADER_LEN)
#define USER_TUNNEL_RX_MAX 65535    /* The largest UDP payload, and more. */
#define USER_OUTER_LEN (IP_HEADER_LEN + UDP_HEADER_LEN \
                        + VTEP_PKT_VXLAN_HLEN)
#define USER_SOCK_BUF (4 * 1024 * 1024)
/* The receive ring of a trunk port: slots for frames up to about 1900
 * bytes (the ring header, the vnet header and the frame), 4 MB.  A bigger
 * frame (a super-frame, a jumbo) gets a slot with only its start and a
 * full copy in the socket's queue (PACKET_COPY_THRESH), read in turn. */
#define USER_RING_FRAME 2048
#define USER_RING_BLOCK (64 * 1024)
#define USER_RING_BLOCKS (USER_SOCK_BUF / USER_RING_BLOCK)
#define USER_RING_FRAMES (USER_RING_BLOCKS * (USER_RING_BLOCK \
                                              / USER_RING_FRAME))
#define USER_REOPEN_MSEC 2000       /* Retry of a port that failed. */
#define USER_MTU_MSEC 5000          /* MTU refresh. */
#define USER_SWEEP_MSEC 1000        /* pcap overrun counters. */
#define USER_LEARN_BUDGET 1024      /* Learning table work per pass. */

/* Why the datapath itself drops a frame.  These continue the codec's
 * reasons (vtep-packet.h), and their names are just as stable. */
#define USER_DROP_REASONS                                               \
    USER_DROP_REASON(NO_BINDING, "no-binding")                          \
    USER_DROP_REASON(UNKNOWN_VNI, "unknown-vni")                        \
    USER_DROP_REASON(UNKNOWN_SOURCE, "unknown-source")                  \
    USER_DROP_REASON(MTU, "mtu")                                        \
    USER_DROP_REASON(TRUNCATED, "truncated")                            \
    /* A trunk frame that the kernel marks as a super-frame of          \
     * segmentation offload (or that is bigger than its port's MTU,     \
     * without metadata) that is not TCP over IPv4 or IPv6 (UDP_SEGMENT, \
     * for one), or whose headers or gso_size do not add up: it cannot  \
     * be segmented. */                                                 \
    USER_DROP_REASON(GSO, "gso")                                        \
    USER_DROP_REASON(HAIRPIN, "hairpin")                                \
    /* A double-tagged frame from a trunk port: the inner tag must not   \
     * reach a tunnel or another binding (RFC 7348 section 6). */        \
    USER_DROP_REASON(QINQ, "qinq")                                      \
    /* A trunk frame from a MAC that is a Ucast_Macs_Remote entry of its \
     * VNI: the static entry wins, as on any switch. */                  \
    USER_DROP_REASON(REMOTE_MAC_MOVE, "remote-mac-move")                \
    USER_DROP_REASON(TX_ERROR, "tx-error")                              \
    /* The socket's send buffer was full (EAGAIN, ENOBUFS). */           \
    USER_DROP_REASON(TX_BUSY, "tx-busy")                                \
    /* Lost before vtepd saw them: the kernel's count for the pcap ring \
     * of the ports and for the tunnel socket's receive buffer. */      \
    USER_DROP_REASON(PORT_OVERRUN, "port-overrun")                      \
    USER_DROP_REASON(TUNNEL_OVERRUN, "tunnel-overrun")

enum user_drop {
    USER_DROP_BASE = VTEP_PKT_N_DROPS - 1,
#define USER_DROP_REASON(ENUM, NAME) USER_DROP_##ENUM,
    USER_DROP_REASONS
#undef USER_DROP_REASON
    USER_N_DROPS
};

static const char *
user_drop_to_string(int reason)
{
    switch (reason) {
#define USER_DROP_REASON(ENUM, NAME) case USER_DROP_##ENUM: return NAME;
    USER_DROP_REASONS
#undef USER_DROP_REASON
    default:
        return vtep_pkt_drop_to_string(reason);
    }
}

/* A counter that only the packet thread writes and anyone may read. */
typedef ATOMIC(uint64_t) user_counter;

static inline void
counter_add(user_counter *c, uint64_t n)
{
    uint64_t value;
    atomic_read_relaxed(c, &value);
    atomic_store_relaxed(c, value + n);
}

static inline uint64_t
counter_get(user_counter *c)
{
    uint64_t value;
    atomic_read_relaxed(c, &value);
    return value;
}

/* A trunk port.  The packet thread owns 'pcap' and 'fd'; 'error' and the
 * counters may be read by anyone. */
struct user_port {
    char *name;
    pcap_t *pcap;                   /* NULL while the port is not open. */
    int fd;                         /* Receive socket (vnet headers), or
                                     * -1. */
    uint8_t *ring;                  /* Its TPACKET_V2 ring, mapped. */
    size_t ring_pos;                /* The next slot to read. */
    uint64_t rx_drops;              /* Its PACKET_STATISTICS drops, a
                                     * total (packet thread). */
    long long int next_open;        /* When to retry a failed open. */
    ATOMIC(int) error;              /* 0: open; else why not (errno). */
    ATOMIC(int) mtu;                /* The last MTU read successfully. */
    int mtu_error;                  /* Last MTU read failure, for logging
                                     * once (packet thread). */
    user_counter rx_packets, rx_bytes;
    user_counter tx_packets, tx_bytes;
    user_counter overrun;           /* 'rx_drops' for anyone. */

    /* Frames waiting for one sendmmsg() (packet thread). */
    size_t n_tx;
    struct mmsghdr tx_msgs[USER_PORT_TX_BATCH];
    struct iovec tx_iov[USER_PORT_TX_BATCH];
    uint8_t (*tx_buf)[VLAN_HEADER_LEN + USER_FRAME_MAX];
};

/* (port, VLAN) -> VNI.  Written by the main thread, read by the packet
 * thread. */
struct user_binding {
    struct cmap_node node;          /* In user_dp's 'bindings'. */
    size_t port;                    /* Index into user_dp's 'ports'. */
    uint16_t vlan;                  /* 0: untagged. */
    uint32_t vni;
    user_counter from_packets, from_bytes;
    user_counter to_packets, to_bytes;
};

/* The local bindings of a logical switch: immutable once published. */
struct user_members {
    size_t n;
    struct user_binding *b[];
};

/* A remote VTEP that is a locator of a logical switch, counted once per
 * unicast or flood entry that names it. */
struct user_locator {
    struct cmap_node node;          /* In user_ls's 'locators'. */
    ovs_be32 ip;
    unsigned int refs;              /* Main thread only. */
};

struct user_ls {
    struct cmap_node node;          /* In user_dp's 'lss'. */
    uint32_t vni;
    ATOMIC(int) mode;               /* enum vtep_repl_mode. */
    OVSRCU_TYPE(char *) name;       /* Replaced whole, freed after a grace
                                     * period: the packet thread logs it. */
    OVSRCU_TYPE(struct user_members *) members;
    struct cmap locators;
};

/* A remote unicast MAC.  Replaced, never changed, once published. */
struct user_ucast {
    struct cmap_node node;          /* In user_dp's 'ucasts'. */
    uint32_t vni;
    struct eth_addr mac;
    ovs_be32 remote;
};

/* A flood list.  Replaced, never changed, once published. */
struct user_flood {
    struct cmap_node node;          /* In user_dp's 'floods'. */
    uint32_t vni;
    struct eth_addr mac;            /* All-zero: unknown-dst. */
    ovs_be32 service_node;          /* The one remote for service_node. */
    size_t n;
    ovs_be32 remotes[];
};

struct user_thread;

struct user_dp {
    struct vtep_dp up;              /* vtep_dp_open() writes it after
                                     * open(), with the packet thread
                                     * running: that thread never reads it,
                                     * it uses 'name'. */

    /* Configuration, fixed at open. */
    char *name;                     /* Switch name, for messages. */
    ovs_be32 tunnel_ip;
    ovs_be16 udp_port;
    unsigned int mac_aging;         /* Seconds, 0: never. */
    unsigned int mac_limit;         /* Per VNI, 0: none. */
    uint32_t hash_basis;
    struct user_port *ports;
    size_t n_ports;
    int udp_fd;                     /* VXLAN in. */
    int raw_fd;                     /* VXLAN out (IPPROTO_RAW). */
    ATOMIC(int) underlay_mtu;

    /* Forwarding tables: the main thread writes, the packet thread
     * reads. */
    struct cmap lss;                /* struct user_ls, by VNI. */
    struct cmap bindings;           /* struct user_binding. */
    struct cmap ucasts;             /* struct user_ucast. */
    struct cmap floods;             /* struct user_flood. */

    /* The packet thread. */
    pthread_t thread;
    bool running;                   /* 'thread' was started. */
    struct user_thread *pt;
    struct latch wake;              /* Wakes it for 'exiting' or 'sweep'. */
    atomic_bool exiting;
    atomic_bool sweep;              /* A binding went: flush its MACs. */

    /* Learning.  Its ports are numbered as 'ports'. */
    struct vtep_learn *learn;
    struct vtep_learn_port **learn_ports;  /* By port index. */
    struct seq *learn_seq;          /* Changes when events are queued. */

    /* Counters. */
    user_counter drops[USER_N_DROPS];
    user_counter tun_rx_packets, tun_rx_bytes;
    user_counter tun_tx_packets, tun_tx_bytes;
    user_counter csum_completed;    /* Checksums left to offload, done. */
    user_counter gso_frames;        /* Super-frames segmented... */
    user_counter gso_segments;      /* ...into this many frames. */
};

/* What only the packet thread uses. */
struct user_thread {
    struct user_dp *dp;
    long long int now;
    bool learn_more;                /* The learning table has work now. */
    long long int next_sweep;
    long long int next_mtu;
    struct pollfd *pfds;            /* For thread_wait(): ports + 2. */

    /* The current frame, untagged, at 'frame' + VTEP_PKT_VLAN_HEADROOM. */
    uint8_t frame[VTEP_PKT_VLAN_HEADROOM + USER_CAPTURE_MAX];
    /* One segment of a super-frame (vtep_gso_segment()) from a trunk
     * port, and one of a frame too big for the binding it goes to. */
    uint8_t segment[USER_FRAME_MAX];
    uint8_t out_segment[USER_FRAME_MAX];

    /* A trunk frame too big for a ring slot, read from the socket at
     * 'port_rx_buf' + VLAN_HEADER_LEN (room to put its tag back). */
    uint8_t port_rx_buf[VLAN_HEADER_LEN + USER_CAPTURE_MAX];

    /* Tunnel receive. */
    struct mmsghdr rx_msgs[USER_BATCH];
    struct iovec rx_iov[USER_BATCH];
    struct sockaddr_in rx_addr[USER_BATCH];
    uint64_t rx_control[USER_BATCH][CMSG_SPACE(sizeof(uint32_t))
                                    / sizeof(uint64_t) + 1];
    /* A tunnel packet that a sender's offload left whole and the kernel
     * delivered so (a UDP tunnel super-packet) can be as big as a
     * datagram. */
    uint8_t rx_buf[USER_BATCH][USER_TUNNEL_RX_MAX];

    /* Tunnel transmit. */
    size_t n_tx;
    struct mmsghdr tx_msgs[USER_TX_BATCH];
    struct iovec tx_iov[USER_TX_BATCH];
    struct sockaddr_in tx_addr[USER_TX_BATCH];
    uint8_t tx_buf[USER_TX_BATCH][USER_OUTER_LEN + USER_FRAME_MAX];
};

static struct vlog_rate_limit bad_rl = VLOG_RATE_LIMIT_INIT(5, 20);
static struct vlog_rate_limit err_rl = VLOG_RATE_LIMIT_INIT(5, 20);

static struct user_dp *
user_dp_cast(const struct vtep_dp *dp)
{
    return CONTAINER_OF(dp, struct user_dp, up);
}

static void
count_drop(struct user_dp *d, int reason)
{
    COVERAGE_INC(user_drop);
    counter_add(&d->drops[reason], 1);
}

/* Hashing and lookups.
 * ==================== */

static uint32_t
hash_binding(size_t port, uint16_t vlan)
{
    return hash_2words(port, vlan);
}

static struct user_ls *
ls_find(const struct user_dp *d, uint32_t vni)
{
    struct user_ls *ls;
    CMAP_FOR_EACH_WITH_HASH (ls, node, hash_int(vni, 0), &d->lss) {
        if (ls->vni == vni) {
            return ls;
        }
    }
    return NULL;
}

static struct user_binding *
binding_find(const struct user_dp *d, size_t port, uint16_t vlan)
{
    struct user_binding *b;
    CMAP_FOR_EACH_WITH_HASH (b, node, hash_binding(port, vlan),
                             &d->bindings) {
        if (b->port == port && b->vlan == vlan) {
            return b;
        }
    }
    return NULL;
}

static struct user_ucast *
ucast_find(const struct user_dp *d, uint32_t vni, struct eth_addr mac)
{
    struct user_ucast *u;
    CMAP_FOR_EACH_WITH_HASH (u, node, vtep_hash_vni_mac(vni, mac),
                             &d->ucasts) {
        if (u->vni == vni && eth_addr_equals(u->mac, mac)) {
            return u;
        }
    }
    return NULL;
}

static struct user_flood *
flood_find(const struct user_dp *d, uint32_t vni, struct eth_addr mac)
{
    struct user_flood *f;
    CMAP_FOR_EACH_WITH_HASH (f, node, vtep_hash_vni_mac(vni, mac),
                             &d->floods) {
        if (f->vni == vni && eth_addr_equals(f->mac, mac)) {
            return f;
        }
    }
    return NULL;
}

static struct user_locator *
locator_find(const struct user_ls *ls, ovs_be32 ip)
{
    struct user_locator *loc;
    CMAP_FOR_EACH_WITH_HASH (loc, node, hash_int((OVS_FORCE uint32_t) ip, 0),
                             &ls->locators) {
        if (loc->ip == ip) {
            return loc;
        }
    }
    return NULL;
}

/* Where the packet thread learned (vni, mac): its port index and VLAN. */
static bool
mac_find(const struct user_dp *d, uint32_t vni, struct eth_addr mac,
         size_t *port, uint16_t *vlan)
{
    const struct vtep_learn_port *lport;
    if (!vtep_learn_lookup(d->learn, vni, mac, &lport, vlan)) {
        return false;
    }
    *port = vtep_learn_port_index(lport);
    return true;
}

static int
port_index(const struct user_dp *d, const char *name, size_t *idx)
{
    for (size_t i = 0; i < d->n_ports; i++) {
        if (!strcmp(d->ports[i].name, name)) {
            *idx = i;
            return 0;
        }
    }
    return ENODEV;
}

/* Learning (packet thread).
 * ========================= */

static void
learn(struct user_thread *t, uint32_t vni, struct eth_addr mac, size_t port,
      uint16_t vlan, ovs_be32 ip)
{
    struct user_dp *d = t->dp;
    if (vtep_learn_observe(d->learn, vni, mac, d->learn_ports[port], vlan,
                           ip, t->now)
        == VTEP_LEARN_NEW) {
        COVERAGE_INC(user_learn);
    }
}

/* Ages out MACs, flushes the MACs of bindings that went and frees what
 * the main thread was told about, a bounded amount per pass. */
static void
sweep(struct user_thread *t)
{
    t->learn_more = vtep_learn_run(t->dp->learn, t->now, USER_LEARN_BUDGET);
}

/* When sweep() has work next. */
static long long int
sweep_deadline(const struct user_thread *t)
{
    return t->learn_more ? t->now : vtep_learn_next_run(t->dp->learn);
}

/* Output (packet thread).
 * ======================= */

static struct vlog_rate_limit busy_rl = VLOG_RATE_LIMIT_INIT(1, 5);

/* True if 'error' from a non-blocking send means "the queue is full". */
static bool
tx_busy(int error)
{
    return error == EAGAIN || error == EWOULDBLOCK || error == ENOBUFS;
}

/* Accounts for the 'n_left' messages of a batch that a full socket did not
 * take: they are dropped together, with one rate-limited line for the
 * batch, rather than retried one system call and one line each (which is
 * what makes an overloaded forwarder slower still).  'what' names the
 * socket. */
static void
tx_busy_drop(struct user_dp *d, size_t n_left, const char *what)
{
    COVERAGE_ADD(user_drop, n_left);
    counter_add(&d->drops[USER_DROP_TX_BUSY], n_left);
    VLOG_WARN_RL(&busy_rl, "%s: %s: send buffer full, dropped %"PRIuSIZE
                 " packets (drop.tx-busy)", d->name, what, n_left);
}

static void
flush_tunnel(struct user_thread *t)
{
    struct user_dp *d = t->dp;
    size_t ofs = 0;

    while (ofs < t->n_tx) {
        int n = sendmmsg(d->raw_fd, &t->tx_msgs[ofs], t->n_tx - ofs,
                         MSG_DONTWAIT);
        if (n > 0) {
            for (size_t i = ofs; i < ofs + n; i++) {
                counter_add(&d->tun_tx_bytes, t->tx_iov[i].iov_len);
            }
            counter_add(&d->tun_tx_packets, n);
            ofs += n;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && tx_busy(errno)) {
            tx_busy_drop(d, t->n_tx - ofs, "VXLAN socket");
            break;
        } else {
            /* The first message failed: drop it and go on. */
            int error = n < 0 ? errno : EIO;
            count_drop(d, error == EMSGSIZE ? USER_DROP_MTU
                                             : USER_DROP_TX_ERROR);
            VLOG_WARN_RL(&err_rl, "%s: sending VXLAN to "IP_FMT" failed "
                         "(%s)", d->name,
                         IP_ARGS(t->tx_addr[ofs].sin_addr.s_addr),
                         ovs_strerror(error));
            ofs++;
        }
    }
    t->n_tx = 0;
}

/* Sends the frames queued on 'port' with one sendmmsg() on libpcap's
 * socket, which is what pcap_inject() would send() them on one by one. */
static void
flush_port(struct user_dp *d, struct user_port *port)
{
    size_t ofs = 0;

    while (ofs < port->n_tx && port->pcap) {
        int n = sendmmsg(pcap_fileno(port->pcap), &port->tx_msgs[ofs],
                         port->n_tx - ofs, MSG_DONTWAIT);
        if (n > 0) {
            for (size_t i = ofs; i < ofs + n; i++) {
                counter_add(&port->tx_bytes, port->tx_iov[i].iov_len);
            }
            counter_add(&port->tx_packets, n);
            ofs += n;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && tx_busy(errno)) {
            char what[64];
            snprintf(what, sizeof what, "port %s", port->name);
            tx_busy_drop(d, port->n_tx - ofs, what);
            break;
        } else {
            int error = n < 0 ? errno : EIO;
            count_drop(d, error == EMSGSIZE ? USER_DROP_MTU
                                             : USER_DROP_TX_ERROR);
            VLOG_WARN_RL(&err_rl, "%s: port %s: transmit failed (%s)",
                         d->name, port->name, ovs_strerror(error));
            ofs++;
        }
    }
    port->n_tx = 0;
}

static void
flush_all(struct user_thread *t)
{
    struct user_dp *d = t->dp;

    flush_tunnel(t);
    for (size_t i = 0; i < d->n_ports; i++) {
        if (d->ports[i].n_tx) {
            flush_port(d, &d->ports[i]);
        }
    }
}

/* Queues the untagged 'frame' for VNI 'vni' towards 'remote'. */
static void
output_tunnel(struct user_thread *t, uint32_t vni, ovs_be32 remote,
              const uint8_t *frame, size_t len, uint32_t flow_hash)
{
    struct user_dp *d = t->dp;
    int mtu;

    atomic_read_relaxed(&d->underlay_mtu, &mtu);
    if (USER_OUTER_LEN + len > mtu) {
        count_drop(d, USER_DROP_MTU);
        VLOG_DBG_RL(&bad_rl, "%s: %"PRIuSIZE"-byte frame for VNI %"PRIu32
                    " does not fit the underlay MTU %d after encapsulation",
                    d->name, len, vni, mtu);
        return;
    }
    if (t->n_tx >= USER_TX_BATCH) {
        flush_tunnel(t);
    }

    size_t i = t->n_tx++;
    uint8_t *buf = t->tx_buf[i];
    uint8_t hdr[VTEP_PKT_ENCAP_LEN];
    const struct vtep_pkt_tunnel tunnel = {
        .ip_src = d->tunnel_ip,
        .ip_dst = remote,
        .udp_dst = d->udp_port,
    };
    ovs_be16 sport = vtep_pkt_udp_src_port(flow_hash, VTEP_PKT_SPORT_MIN,
                                           VTEP_PKT_SPORT_MAX);
    vtep_pkt_vxlan_put_encap(hdr, &tunnel, vni, sport, len);
    memcpy(buf, hdr + ETH_HEADER_LEN, USER_OUTER_LEN);
    memcpy(buf + USER_OUTER_LEN, frame, len);

    t->tx_iov[i].iov_base = buf;
    t->tx_iov[i].iov_len = USER_OUTER_LEN + len;
    t->tx_addr[i] = (struct sockaddr_in) {
        .sin_family = AF_INET,
        .sin_addr.s_addr = remote,
    };
    t->tx_msgs[i] = (struct mmsghdr) {
        .msg_hdr = {
            .msg_name = &t->tx_addr[i],
            .msg_namelen = sizeof t->tx_addr[i],
            .msg_iov = &t->tx_iov[i],
            .msg_iovlen = 1,
        },
    };
}

static void output_binding(struct user_thread *, struct user_binding *,
                           const uint8_t *frame, size_t len);

/* The type field of the untagged Ethernet 'frame'. */
static ovs_be16
frame_eth_type(const uint8_t *frame)
{
    ovs_be16 type;
    memcpy(&type, frame + 2 * ETH_ADDR_LEN, sizeof type);
    return type;
}

struct binding_gso_aux {
    struct user_thread *t;
    struct user_binding *b;
};

static void
binding_gso_output(void *aux_, uint8_t *seg, size_t len)
{
    struct binding_gso_aux *aux = aux_;
    output_binding(aux->t, aux->b, seg, len);
}

/* Sends the untagged 'frame' out of binding 'b', tagged with its VLAN.  A
 * TCP frame bigger than the port's MTU (a super-frame from a tunnel, as a
 * remote sender's offload left it) goes out cut to what both the port and
 * the tunnel carry; any other is dropped (drop.mtu). */
static void
output_binding(struct user_thread *t, struct user_binding *b,
               const uint8_t *frame, size_t len)
{
    struct user_dp *d = t->dp;
    struct user_port *port = &d->ports[b->port];
    int mtu;

    if (!port->pcap) {
        count_drop(d, USER_DROP_TX_ERROR);
        return;
    }
    atomic_read_relaxed(&port->mtu, &mtu);
    if (len > mtu + ETH_HEADER_LEN) {
        /* Segments as big as the tunnel would have carried them: the
         * remote sender's MTU is not known, its tunnel's is. */
        struct binding_gso_aux aux = { .t = t, .b = b };
        size_t max_len = MIN(mtu + ETH_HEADER_LEN, USER_FRAME_MAX);
        int underlay_mtu;
        atomic_read_relaxed(&d->underlay_mtu, &underlay_mtu);
        if (underlay_mtu > USER_OUTER_LEN) {
            max_len = MIN(max_len, underlay_mtu - USER_OUTER_LEN);
        }
        size_t n_segs;
        if (len < ETH_HEADER_LEN || frame == t->out_segment
            || vtep_gso_segment(frame, len, ETH_HEADER_LEN,
                                frame_eth_type(frame), max_len, 0,
                                t->out_segment, binding_gso_output, &aux,
                                &n_segs)) {
            count_drop(d, USER_DROP_MTU);
        } else {
            counter_add(&d->gso_frames, 1);
            counter_add(&d->gso_segments, n_segs);
        }
        return;
    }

    if (port->n_tx >= USER_PORT_TX_BATCH) {
        flush_port(d, port);
    }

    /* The frame goes into the buffer after room for a tag, which
     * vtep_pkt_vlan_push() then fills for a tagged binding (VLAN 0: none).
     * Neither can fail: the frame has its header, the VLAN is valid. */
    size_t i = port->n_tx++;
    uint8_t *out = port->tx_buf[i] + VLAN_HEADER_LEN;
    size_t out_len = len;
    memcpy(out, frame, len);
    vtep_pkt_vlan_push(&out, &out_len, b->vlan);
    port->tx_iov[i].iov_base = out;
    port->tx_iov[i].iov_len = out_len;
    port->tx_msgs[i] = (struct mmsghdr) {
        .msg_hdr = {
            .msg_iov = &port->tx_iov[i],
            .msg_iovlen = 1,
        },
    };
    counter_add(&b->to_packets, 1);
    counter_add(&b->to_bytes, out_len);
}

/* Sends 'frame' to every local binding of 'ls' but 'ingress', and, for a
 * frame from a trunk port, to the flood list for 'dst'. */
static void
flood(struct user_thread *t, const struct user_ls *ls,
      const struct user_binding *ingress, struct eth_addr dst,
      const uint8_t *frame, size_t len, uint32_t flow_hash)
{
    struct user_dp *d = t->dp;
    const struct user_members *members
        = ovsrcu_get(struct user_members *, &ls->members);

    for (size_t i = 0; members && i < members->n; i++) {
        if (members->b[i] != ingress) {
            output_binding(t, members->b[i], frame, len);
        }
    }
    if (!ingress) {
        return;                     /* Split horizon. */
    }

    const struct user_flood *f = NULL;
    if (eth_addr_is_multicast(dst)) {
        f = flood_find(d, ls->vni, dst);
    }
    if (!f) {
        f = flood_find(d, ls->vni, eth_addr_zero);
    }
    if (!f) {
        return;
    }

    int mode;
    atomic_read_relaxed(&CONST_CAST(struct user_ls *, ls)->mode, &mode);
    if (mode == VTEP_REPL_SOURCE_NODE) {
        for (size_t i = 0; i < f->n; i++) {
            output_tunnel(t, ls->vni, f->remotes[i], frame, len, flow_hash);
        }
    } else {
        output_tunnel(t, ls->vni, f->service_node, frame, len, flow_hash);
    }
}

/* Sends 'frame' to the local binding that learned 'dst', if any. Returns
 * false if 'dst' is not a local MAC of 'vni'. */
static bool
output_local_mac(struct user_thread *t, uint32_t vni, struct eth_addr dst,
                 const struct user_binding *ingress, const uint8_t *frame,
                 size_t len)
{
    struct user_dp *d = t->dp;
    size_t port;
    uint16_t vlan;
    if (!mac_find(d, vni, dst, &port, &vlan)) {
        return false;
    }

    struct user_binding *b = binding_find(d, port, vlan);
    if (!b || b->vni != vni) {
        return false;               /* Stale until the next sweep. */
    }
    if (b == ingress) {
        count_drop(d, USER_DROP_HAIRPIN);
    } else {
        output_binding(t, b, frame, len);
    }
    return true;
}

/* Input (packet thread).
 * ====================== */

/* Forwards the untagged 'frame', parsed into '*eth', that arrived on
 * binding 'b' of 'ls'. */
static void
port_forward(struct user_thread *t, const struct user_ls *ls,
             struct user_binding *b, const struct vtep_pkt_eth *eth,
             uint8_t *frame, size_t len)
{
    struct user_dp *d = t->dp;

    if (vtep_pkt_csum_complete(frame, len, eth)) {
        counter_add(&d->csum_completed, 1);
    }
    uint32_t hash = vtep_pkt_flow_hash(frame, len, eth, d->hash_basis);
    if (!eth_addr_is_multicast(eth->dst)) {
        const struct user_ucast *u = ucast_find(d, ls->vni, eth->dst);
        if (u) {
            output_tunnel(t, ls->vni, u->remote, frame, len, hash);
            return;
        }
        if (output_local_mac(t, ls->vni, eth->dst, b, frame, len)) {
            return;
        }
    }
    flood(t, ls, b, eth->dst, frame, len, hash);
}

struct gso_aux {
    struct user_thread *t;
    const struct user_ls *ls;
    struct user_binding *b;
    const struct vtep_pkt_eth *eth;
    size_t n;
};

static void
gso_output(void *aux_, uint8_t *seg, size_t len)
{
    struct gso_aux *aux = aux_;
    port_forward(aux->t, aux->ls, aux->b, aux->eth, seg, len);
    aux->n++;
}

#ifndef VIRTIO_NET_HDR_GSO_UDP_L4
#define VIRTIO_NET_HDR_GSO_UDP_L4 5 /* Linux 6.2 (UDP_SEGMENT). */
#endif

/* What the kernel said of a trunk frame's segmentation offload
 * (PACKET_VNET_HDR). */
struct port_offload {
    uint8_t gso_type;               /* VIRTIO_NET_HDR_GSO_*, no ECN bit. */
    uint16_t gso_size;              /* TCP payload bytes per segment. */
};

static const char *
gso_type_name(uint8_t gso_type)
{
    switch (gso_type) {
    case VIRTIO_NET_HDR_GSO_NONE: return "none";
    case VIRTIO_NET_HDR_GSO_TCPV4: return "TCPV4";
    case VIRTIO_NET_HDR_GSO_UDP: return "UDP";
    case VIRTIO_NET_HDR_GSO_TCPV6: return "TCPV6";
    case VIRTIO_NET_HDR_GSO_UDP_L4: return "UDP_L4";
    default: return "unknown";
    }
}

/* The untagged 'frame' from 'port' (MTU 'mtu') is a super-frame of
 * segmentation offload as the kernel's metadata '*off' says, or, without
 * metadata ('off' NULL) or without a GSO type, longer than 'max_len', the
 * most that fits both the port's MTU and, after encapsulation, the
 * underlay's.
 *
 * A TCP super-frame is cut into frames of at most 'max_len' bytes and of
 * at most the sender's gso_size of payload (which its stack chose from
 * the receiver's MSS), each forwarded.  A frame that the kernel does not
 * mark as a super-frame but that is bigger than its port's MTU is
 * drop.mtu; without metadata, such a frame is taken for a super-frame.  A
 * TCP frame that only the tunnel cannot take is cut as well, where it
 * would be dropped as drop.mtu.  A super-frame that is not TCP, or whose
 * headers do not add up, is drop.gso.  Returns false only for a frame
 * that is to be forwarded as it is (not a super-frame, not TCP, not too
 * big for the port: it may fit a local binding), true for one that has
 * been dealt with. */
static bool
port_input_gso(struct user_thread *t, const struct user_port *port,
               const struct user_ls *ls, struct user_binding *b,
               const struct vtep_pkt_eth *eth, const uint8_t *frame,
               size_t len, int mtu, size_t max_len,
               const struct port_offload *off)
{
    struct user_dp *d = t->dp;
    bool offload = off && off->gso_type != VIRTIO_NET_HDR_GSO_NONE;
    bool too_big = len > mtu + ETH_HEADER_LEN;
    const char *why = NULL;
    size_t mss = 0;
    int error;

    if (off && !offload && too_big) {
        count_drop(d, USER_DROP_MTU);
        return true;
    }
    if (offload) {
        bool tcp4 = off->gso_type == VIRTIO_NET_HDR_GSO_TCPV4;
        bool tcp6 = off->gso_type == VIRTIO_NET_HDR_GSO_TCPV6;
        if ((tcp4 && eth->eth_type == htons(ETH_TYPE_IP))
            || (tcp6 && eth->eth_type == htons(ETH_TYPE_IPV6))) {
            mss = off->gso_size;
        } else {
            why = (tcp4 || tcp6 ? "GSO type of the other IP version"
                   : "not TCP over IPv4 or IPv6");
        }
    }

    struct gso_aux aux = { .t = t, .ls = ls, .b = b, .eth = eth };
    size_t n_segs;
    error = (why ? EPROTONOSUPPORT
             : vtep_gso_segment(frame, len, eth->l3_ofs, eth->eth_type,
                                max_len, mss, t->segment, gso_output, &aux,
                                &n_segs));
    if (!error) {
        counter_add(&d->gso_frames, 1);
        counter_add(&d->gso_segments, n_segs);
        return true;
    } else if (!offload && !too_big) {
        return false;
    }

    count_drop(d, USER_DROP_GSO);
    VLOG_WARN_RL(&bad_rl, "%s: port %s VLAN %"PRIu16": dropped a "
                 "%"PRIuSIZE"-byte frame from "ETH_ADDR_FMT" that cannot be "
                 "segmented (GSO type %s, size %"PRIu16", ethertype "
                 "0x%04"PRIx16", port MTU %d: %s) (drop.gso)", d->name,
                 port->name, b->vlan, len, ETH_ADDR_ARGS(eth->src),
                 off ? gso_type_name(off->gso_type) : "not known",
                 off ? off->gso_size : 0, ntohs(eth->eth_type), mtu,
                 why ? why
                 : error == EPROTONOSUPPORT ? "not TCP over IPv4 or IPv6"
                 : error == EMSGSIZE ? "no room for the payload"
                 : "bad headers or segment size");
    return true;
}

/* A frame from trunk port 'port_idx', 'len' bytes long of which 'caplen'
 * are at 'data', with the kernel's offload metadata 'off' (NULL if there
 * is none). */
static void
port_input__(struct user_thread *t, size_t port_idx, const uint8_t *data,
             size_t caplen, size_t len, const struct port_offload *off)
{
    struct user_dp *d = t->dp;
    struct user_port *port = &d->ports[port_idx];
    struct vtep_pkt_eth eth;

    counter_add(&port->rx_packets, 1);
    counter_add(&port->rx_bytes, len);
    if (caplen < len) {
        count_drop(d, USER_DROP_TRUNCATED);
        if (len > USER_CAPTURE_MAX) {
            VLOG_WARN_RL(&bad_rl, "%s: port %s: dropped a %"PRIuSIZE"-byte "
                         "frame larger than %d bytes", d->name, port->name,
                         len, USER_CAPTURE_MAX);
        } else {
            VLOG_WARN_RL(&bad_rl, "%s: port %s: dropped a %"PRIuSIZE"-byte "
                         "frame too big for a ring slot whose full copy "
                         "the kernel did not queue (receive buffer full)",
                         d->name, port->name, len);
        }
        return;
    }

    enum vtep_pkt_drop reason = vtep_pkt_parse_eth(data, len, &eth);
    if (reason) {
        count_drop(d, reason);
        VLOG_WARN_RL(&bad_rl, "%s: port %s: dropped a %"PRIuSIZE"-byte "
                     "frame (%s)", d->name, port->name, len,
                     vtep_pkt_drop_to_string(reason));
        return;
    }

    if (vtep_pkt_eth_is_tagged(&eth) && vtep_pkt_is_vlan_tpid(eth.eth_type)) {
        /* QinQ: classified by its outer tag, the frame would carry the
         * inner one into VXLAN (RFC 7348 section 6) or onto a binding. */
        count_drop(d, USER_DROP_QINQ);
        VLOG_WARN_RL(&bad_rl, "%s: port %s: dropped a double-tagged frame "
                     "on VLAN %"PRIu16" from "ETH_ADDR_FMT" (inner TPID "
                     "0x%04"PRIx16"): QinQ is not supported (drop.qinq)",
                     d->name, port->name, eth.vid, ETH_ADDR_ARGS(eth.src),
                     ntohs(eth.eth_type));
        return;
    }

    struct user_binding *b = binding_find(d, port_idx, eth.vid);
    const struct user_ls *ls = b ? ls_find(d, b->vni) : NULL;
    if (!ls) {
        count_drop(d, USER_DROP_NO_BINDING);
        return;
    }
    counter_add(&b->from_packets, 1);
    counter_add(&b->from_bytes, len);

    /* A remote MAC (Ucast_Macs_Remote) is static: a trunk host that sends
     * from it must not take it over by learning, and its frames go nowhere,
     * as a switch with a static entry for the MAC on another port would
     * do. */
    const struct user_ucast *remote = ucast_find(d, ls->vni, eth.src);
    if (remote) {
        count_drop(d, USER_DROP_REMOTE_MAC_MOVE);
        char *ls_name = ovsrcu_get(char *, &ls->name);
        VLOG_WARN_RL(&bad_rl, "%s: port %s VLAN %"PRIu16": dropped a frame "
                     "from "ETH_ADDR_FMT", a remote MAC of logical switch %s "
                     "(VNI %"PRIu32") at "IP_FMT"; not learned "
                     "(drop.remote-mac-move)", d->name, port->name, eth.vid,
                     ETH_ADDR_ARGS(eth.src), ls_name ? ls_name : "?",
                     ls->vni, IP_ARGS(remote->remote));
        return;
    }

    /* The frame, untagged: what a tunnel or an access binding carries.
     * Its headroom takes a tag again for a tagged binding. */
    uint8_t *frame = t->frame + VTEP_PKT_VLAN_HEADROOM;
    size_t frame_len = len;
    memcpy(frame, data, len);
    vtep_pkt_vlan_pop(&frame, &frame_len);
    struct vtep_pkt_eth inner = eth;
    inner.l3_ofs = ETH_HEADER_LEN;

    ovs_be32 ip = 0;
    if (eth.eth_type == htons(ETH_TYPE_ARP)) {
        struct vtep_pkt_arp arp;
        if (vtep_pkt_parse_arp(frame + ETH_HEADER_LEN,
                               frame_len - ETH_HEADER_LEN, &arp)
            && eth_addr_equals(arp.sha, eth.src)) {
            ip = arp.spa;
        }
    }
    learn(t, ls->vni, eth.src, port_idx, eth.vid, ip);

    int mtu, underlay_mtu;
    atomic_read_relaxed(&port->mtu, &mtu);
    atomic_read_relaxed(&d->underlay_mtu, &underlay_mtu);
    size_t max_len = MIN(mtu + ETH_HEADER_LEN, USER_FRAME_MAX);
    if (underlay_mtu > USER_OUTER_LEN) {
        max_len = MIN(max_len, underlay_mtu - USER_OUTER_LEN);
    }
    bool offload = off && off->gso_type != VIRTIO_NET_HDR_GSO_NONE;
    if ((frame_len <= max_len && !offload)
        || !port_input_gso(t, port, ls, b, &inner, frame, frame_len, mtu,
                           max_len, off)) {
        port_forward(t, ls, b, &inner, frame, frame_len);
    }
}

/* A frame from trunk port 'port_idx' without offload metadata (the fuzz
 * target's, tests/fuzz/fuzz-dp.c). */
static void OVS_UNUSED
port_input(struct user_thread *t, size_t port_idx, const uint8_t *data,
           size_t caplen, size_t len)
{
    port_input__(t, port_idx, data, caplen, len, NULL);
}

static void
tunnel_input(struct user_thread *t, ovs_be32 src, uint8_t *payload,
             size_t len)
{
    struct user_dp *d = t->dp;
    struct vtep_pkt_vxlan vx;

    counter_add(&d->tun_rx_packets, 1);
    counter_add(&d->tun_rx_bytes, len);

    enum vtep_pkt_drop reason = vtep_pkt_vxlan_decap(payload, len, 0, &vx);
    if (reason) {
        count_drop(d, reason);
        VLOG_WARN_RL(&bad_rl, "%s: dropped a %"PRIuSIZE"-byte VXLAN packet "
                     "from "IP_FMT" (%s)", d->name, len, IP_ARGS(src),
                     vtep_pkt_drop_to_string(reason));
        return;
    }

    const struct user_ls *ls = ls_find(d, vx.vni);
    if (!ls) {
        count_drop(d, USER_DROP_UNKNOWN_VNI);
        VLOG_DBG_RL(&bad_rl, "%s: dropped VXLAN from "IP_FMT" for VNI "
                    "%"PRIu32", which no logical switch has", d->name,
                    IP_ARGS(src), vx.vni);
        return;
    }
    if (!locator_find(ls, src)) {
        char *ls_name = ovsrcu_get(char *, &ls->name);
        count_drop(d, USER_DROP_UNKNOWN_SOURCE);
        VLOG_WARN_RL(&bad_rl, "%s: dropped VXLAN for VNI %"PRIu32" from "
                     IP_FMT", which is no locator of logical switch %s",
                     d->name, vx.vni, IP_ARGS(src),
                     ls_name ? ls_name : "?");
        return;
    }

    /* A sender behind the remote VTEP may have left its checksum to an
     * offload that never happened (a veth or virtio device, then a kernel
     * vxlan device): the receiver on the trunk would drop the frame. */
    uint8_t *frame = payload + vx.inner_ofs;
    if (vtep_pkt_csum_complete(frame, vx.inner_len, &vx.inner)) {
        counter_add(&d->csum_completed, 1);
    }
    if (eth_addr_is_multicast(vx.inner.dst)
        || !output_local_mac(t, vx.vni, vx.inner.dst, NULL, frame,
                             vx.inner_len)) {
        flood(t, ls, NULL, vx.inner.dst, frame, vx.inner_len, 0);
    }
}


/* Ports and sockets.
 * ================== */

/* Returns the MTU of interface 'name', or -1 with errno set. */
static int
get_mtu(const char *name)
{
    struct ifreq ifr;
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    int mtu = -1;

    if (fd >= 0) {
        memset(&ifr, 0, sizeof ifr);
        ovs_strlcpy(ifr.ifr_name, name, sizeof ifr.ifr_name);
        if (!ioctl(fd, SIOCGIFMTU, &ifr)) {
            mtu = ifr.ifr_mtu;
            if (mtu <= 0) {
                mtu = -1;
                errno = EINVAL;
            }
        }
        int error = errno;
        close(fd);
        errno = error;
    }
    return mtu;
}

/* Reads the MTU of 'port' again.  A read that fails keeps the last good
 * value (at first ETH_PAYLOAD_MAX): storing the failure would drop every
 * frame to the port as too big.  The failure is logged once, until a read
 * succeeds again. */
static void
port_refresh_mtu(struct user_dp *d, struct user_port *port)
{
    int mtu = get_mtu(port->name);

    if (mtu > 0) {
        atomic_store_relaxed(&port->mtu, mtu);
        if (port->mtu_error) {
            VLOG_INFO("%s: port %s: MTU %d", d->name, port->name, mtu);
            port->mtu_error = 0;
        }
    } else {
        int error = errno ? errno : EIO;
        if (!port->mtu_error) {
            int old;
            atomic_read_relaxed(&port->mtu, &old);
            VLOG_WARN("%s: port %s: cannot read its MTU (%s); using %d",
                      d->name, port->name, ovs_strerror(error), old);
        }
        port->mtu_error = error;
    }
}

/* The MTU of the interface that holds the tunnel IP (1500 if none does,
 * which is what the kernel's route would most likely give). */
static int
underlay_mtu(ovs_be32 ip)
{
    struct ifaddrs *ifas, *ifa;
    int mtu = -1;

    if (getifaddrs(&ifas)) {
        return ETH_PAYLOAD_MAX;
    }
    for (ifa = ifas; ifa; ifa = ifa->ifa_next) {
        if (ifa->ifa_addr && ifa->ifa_addr->sa_family == AF_INET
            && ALIGNED_CAST(const struct sockaddr_in *,
                            ifa->ifa_addr)->sin_addr.s_addr == ip) {
            mtu = get_mtu(ifa->ifa_name);
            break;
        }
    }
    freeifaddrs(ifas);
    return mtu > 0 ? mtu : ETH_PAYLOAD_MAX;
}

static void set_sockbuf(struct user_dp *, int fd, const char *what,
                        int name, int force, const char *name_s);

static void
port_close(struct user_port *port)
{
    port->n_tx = 0;
    if (port->pcap) {
        pcap_close(port->pcap);
        port->pcap = NULL;
    }
    if (port->ring) {
        munmap(port->ring, USER_SOCK_BUF);
        port->ring = NULL;
    }
    if (port->fd >= 0) {
        close(port->fd);
        port->fd = -1;
    }
}

/* Opens the receive socket of 'port', whose libpcap handle is open:
 * inbound frames, each with a struct virtio_net_hdr (PACKET_VNET_HDR), in
 * a TPACKET_V2 ring as libpcap's, and those too big for a slot in full in
 * the socket's queue too (PACKET_COPY_THRESH; their tag in
 * PACKET_AUXDATA).  libpcap cannot give the offload metadata: it has no
 * socket before pcap_activate(), and a socket with a ring refuses
 * PACKET_VNET_HDR (EBUSY).  Returns 0 or a positive errno, with a message
 * in 'err'. */
static int
port_open_rx(struct user_dp *d, struct user_port *port,
             char err[PCAP_ERRBUF_SIZE])
{
    /* Protocol 0 receives nothing until bind() names the port. */
    int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        int error = errno;
        snprintf(err, PCAP_ERRBUF_SIZE, "packet socket: %s",
                 ovs_strerror(error));
        return error;
    }

    /* In this order: the ring comes last. */
    static const struct {
        int name;
        const char *s;
        int value;
    } opts[] = {
        { PACKET_VNET_HDR, "PACKET_VNET_HDR", 1 },
        { PACKET_AUXDATA, "PACKET_AUXDATA", 1 },
        /* What vtepd and the host send out of the port. */
        { PACKET_IGNORE_OUTGOING, "PACKET_IGNORE_OUTGOING", 1 },
        { PACKET_VERSION, "PACKET_VERSION", TPACKET_V2 },
        { PACKET_COPY_THRESH, "PACKET_COPY_THRESH", 1 },
    };
    for (size_t i = 0; i < ARRAY_SIZE(opts); i++) {
        if (setsockopt(fd, SOL_PACKET, opts[i].name, &opts[i].value,
                       sizeof opts[i].value)) {
            int error = errno;
            snprintf(err, PCAP_ERRBUF_SIZE, "setsockopt(%s): %s", opts[i].s,
                     ovs_strerror(error));
            close(fd);
            return error;
        }
    }

    struct tpacket_req req = {
        .tp_block_size = USER_RING_BLOCK,
        .tp_block_nr = USER_RING_BLOCKS,
        .tp_frame_size = USER_RING_FRAME,
        .tp_frame_nr = USER_RING_FRAMES,
    };
    void *ring = MAP_FAILED;
    if (setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof req)
        || (ring = mmap(NULL, USER_SOCK_BUF, PROT_READ | PROT_WRITE,
                        MAP_SHARED, fd, 0)) == MAP_FAILED) {
        int error = errno;
        snprintf(err, PCAP_ERRBUF_SIZE, "packet socket: ring: %s",
                 ovs_strerror(error));
        close(fd);
        return error;
    }

    /* For the copies of frames too big for a slot. */
    char what[64];
    snprintf(what, sizeof what, "port %s", port->name);
    set_sockbuf(d, fd, what, SO_RCVBUF, SO_RCVBUFFORCE, "SO_RCVBUF");

    struct sockaddr_ll sll = {
        .sll_family = AF_PACKET,
        .sll_protocol = htons(ETH_P_ALL),
        .sll_ifindex = if_nametoindex(port->name),
    };
    if (!sll.sll_ifindex
        || bind(fd, (struct sockaddr *) &sll, sizeof sll)) {
        int error = errno;
        snprintf(err, PCAP_ERRBUF_SIZE, "packet socket: bind: %s",
                 ovs_strerror(error));
        munmap(ring, USER_SOCK_BUF);
        close(fd);
        return error;
    }
    port->fd = fd;
    port->ring = ring;
    port->ring_pos = 0;
    port->rx_drops = 0;
    return 0;
}

/* Opens 'port' with libpcap and a receive socket.  Returns 0 or a
 * positive errno, with a message in 'err' on failure. */
static int
port_open(struct user_dp *d, struct user_port *port,
          char err[PCAP_ERRBUF_SIZE])
{
    pcap_t *p = pcap_create(port->name, err);
    int status;

    if (!p) {
        return ENODEV;
    }
    if (pcap_set_snaplen(p, ETH_HEADER_LEN)
        || pcap_set_promisc(p, 1)
        || pcap_set_immediate_mode(p, 1)
        /* Its ring takes no frame (below). */
        || pcap_set_buffer_size(p, 64 * 1024)) {
        snprintf(err, PCAP_ERRBUF_SIZE, "%s", pcap_geterr(p));
        pcap_close(p);
        return EINVAL;
    }
    status = pcap_activate(p);
    if (status < 0) {
        snprintf(err, PCAP_ERRBUF_SIZE, "%s (%s)", pcap_statustostr(status),
                 pcap_geterr(p));
        pcap_close(p);
        return (status == PCAP_ERROR_NO_SUCH_DEVICE ? ENODEV
                : status == PCAP_ERROR_PERM_DENIED ? EACCES
                : status == PCAP_ERROR_IFACE_NOT_UP ? ENETDOWN
                : EIO);
    }
    if (pcap_datalink(p) != DLT_EN10MB) {
        snprintf(err, PCAP_ERRBUF_SIZE, "not an Ethernet port");
        pcap_close(p);
        return EPROTONOSUPPORT;
    }
    /* The receive socket reads the frames: libpcap's socket, which
     * sends, takes none (a filter that accepts nothing). */
    struct bpf_program none;
    if (pcap_compile(p, &none, "less 1", 1, PCAP_NETMASK_UNKNOWN)) {
        snprintf(err, PCAP_ERRBUF_SIZE, "%s", pcap_geterr(p));
        pcap_close(p);
        return EINVAL;
    }
    int error = pcap_setfilter(p, &none);
    pcap_freecode(&none);
    if (error || pcap_setnonblock(p, 1, err)) {
        snprintf(err, PCAP_ERRBUF_SIZE, "%s", pcap_geterr(p));
        pcap_close(p);
        return EINVAL;
    }
    port->pcap = p;
    error = port_open_rx(d, port, err);
    if (error) {
        port_close(port);
    }
    return error;
}

static void
port_try_open(struct user_dp *d, struct user_port *port, long long int now)
{
    char err[PCAP_ERRBUF_SIZE] = "";
    int old, error = port_open(d, port, err);

    atomic_read_relaxed(&port->error, &old);
    if (error) {
        port->next_open = now + USER_REOPEN_MSEC;
        if (error != old) {
            VLOG_WARN("%s: port %s: cannot open it (%s); retrying every "
                      "%d s", d->name, port->name, err,
                      USER_REOPEN_MSEC / 1000);
        }
    } else {
        /* A super-frame from a tunnel leaves as some 45 frames at once:
         * the default send buffer (wmem_default) takes about 40. */
        char what[64];
        snprintf(what, sizeof what, "port %s", port->name);
        set_sockbuf(d, pcap_fileno(port->pcap), what, SO_SNDBUF,
                    SO_SNDBUFFORCE, "SO_SNDBUF");
        port_refresh_mtu(d, port);
        VLOG_INFO("%s: port %s: open%s", d->name, port->name,
                  old ? " again" : "");
    }
    atomic_store_relaxed(&port->error, error);
}

/* Sets socket option 'name' of 'fd' to 'value', logging a failure (once:
 * this runs at open) naming the socket ('what') and the option. */
static void
set_sockopt(struct user_dp *d, int fd, const char *what, int level,
            int name, const char *name_s, int value)
{
    if (setsockopt(fd, level, name, &value, sizeof value)) {
        VLOG_WARN("%s: %s: setsockopt(%s, %d) failed (%s)", d->name, what,
                  name_s, value, ovs_strerror(errno));
    }
}

/* Gives 'fd' a buffer ('name' is SO_RCVBUF or SO_SNDBUF) of USER_SOCK_BUF
 * bytes: the *FORCE variant first, which root may use past the sysctl
 * limit (net.core.rmem_max, wmem_max), then the plain one.  Says so if the
 * kernel gave less. */
static void
set_sockbuf(struct user_dp *d, int fd, const char *what, int name,
            int force, const char *name_s)
{
    int size = USER_SOCK_BUF;

    if (setsockopt(fd, SOL_SOCKET, force, &size, sizeof size)
        && setsockopt(fd, SOL_SOCKET, name, &size, sizeof size)) {
        VLOG_WARN("%s: %s: setsockopt(%s, %d) failed (%s)", d->name, what,
                  name_s, size, ovs_strerror(errno));
        return;
    }

    int got = 0;
    socklen_t len = sizeof got;
    if (!getsockopt(fd, SOL_SOCKET, name, &got, &len)
        && got / 2 < size) {        /* The kernel reports double. */
        VLOG_INFO("%s: %s: %s is %d bytes, not %d (raise net.core.%s)",
                  d->name, what, name_s, got / 2, size,
                  name == SO_RCVBUF ? "rmem_max" : "wmem_max");
    }
}

static int
tunnel_sockets_open(struct user_dp *d)
{
    struct sockaddr_in sin = {
        .sin_family = AF_INET,
        .sin_port = d->udp_port,
        .sin_addr.s_addr = d->tunnel_ip,
    };

    d->udp_fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
                       0);
    if (d->udp_fd < 0) {
        return errno;
    }
    /* The address may come later (FREEBIND): the tunnel IP is the
     * operator's to configure, in any order with vtepd. */
    set_sockopt(d, d->udp_fd, "VXLAN receive socket", IPPROTO_IP,
                IP_FREEBIND, "IP_FREEBIND", 1);
    set_sockbuf(d, d->udp_fd, "VXLAN receive socket", SO_RCVBUF,
                SO_RCVBUFFORCE, "SO_RCVBUF");
    /* Without it drop.tunnel-overrun stays 0 whatever the kernel drops. */
    set_sockopt(d, d->udp_fd, "VXLAN receive socket", SOL_SOCKET,
                SO_RXQ_OVFL, "SO_RXQ_OVFL", 1);
    if (bind(d->udp_fd, (struct sockaddr *) &sin, sizeof sin)) {
        int error = errno;
        VLOG_ERR("%s: cannot bind the VXLAN socket to "IP_FMT":%d (%s)%s",
                 d->name, IP_ARGS(d->tunnel_ip), ntohs(d->udp_port),
                 ovs_strerror(error),
                 error == EADDRINUSE ? ": does a kernel vxlan device or "
                 "another vtepd use it?" : "");
        return error;
    }

    d->raw_fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
                       IPPROTO_RAW);
    if (d->raw_fd < 0) {
        int error = errno;
        VLOG_ERR("%s: cannot open a raw IPv4 socket for VXLAN (%s)",
                 d->name, ovs_strerror(error));
        return error;
    }
    set_sockbuf(d, d->raw_fd, "VXLAN send socket", SO_SNDBUF,
                SO_SNDBUFFORCE, "SO_SNDBUF");
    return 0;
}

/* The packet thread.
 * ================== */

static size_t
tunnel_receive(struct user_thread *t)
{
    struct user_dp *d = t->dp;

    for (size_t i = 0; i < USER_BATCH; i++) {
        t->rx_iov[i].iov_base = t->rx_buf[i];
        t->rx_iov[i].iov_len = sizeof t->rx_buf[i];
        t->rx_msgs[i] = (struct mmsghdr) {
            .msg_hdr = {
                .msg_name = &t->rx_addr[i],
                .msg_namelen = sizeof t->rx_addr[i],
                .msg_iov = &t->rx_iov[i],
                .msg_iovlen = 1,
                .msg_control = t->rx_control[i],
                .msg_controllen = sizeof t->rx_control[i],
            },
        };
    }

    int n = recvmmsg(d->udp_fd, t->rx_msgs, USER_BATCH, MSG_DONTWAIT, NULL);
    if (n <= 0) {
        if (n < 0 && errno != EAGAIN && errno != EINTR) {
            VLOG_WARN_RL(&err_rl, "%s: VXLAN receive failed (%s)",
                         d->name, ovs_strerror(errno));
        }
        return 0;
    }
    for (int i = 0; i < n; i++) {
        const struct msghdr *msg = &t->rx_msgs[i].msg_hdr;
        if (msg->msg_flags & MSG_TRUNC) {
            counter_add(&d->tun_rx_packets, 1);
            count_drop(d, USER_DROP_TRUNCATED);
            continue;
        }
        tunnel_input(t, t->rx_addr[i].sin_addr.s_addr, t->rx_buf[i],
                     t->rx_msgs[i].msg_len);
    }

    /* SO_RXQ_OVFL: the socket's drop count so far, on each datagram. */
    struct msghdr *last = &t->rx_msgs[n - 1].msg_hdr;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(last); c;
         c = CMSG_NXTHDR(last, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL) {
            uint32_t drops;
            memcpy(&drops, CMSG_DATA(c), sizeof drops);
            atomic_store_relaxed(&d->drops[USER_DROP_TUNNEL_OVERRUN],
                                 drops);
        }
    }
    return n;
}

/* Puts the 802.1Q tag 'tci' (TPID 'tpid', or 0 for 802.1Q) that the
 * kernel took off back into the frame at '*data' ('*len' bytes, '*caplen'
 * of them there), which has VLAN_HEADER_LEN bytes of room before it. */
static void
port_put_tag(uint8_t **data, size_t *caplen, size_t *len, uint16_t tci,
             uint16_t tpid)
{
    if (*caplen < 2 * ETH_ADDR_LEN) {
        return;
    }
    ovs_be16 tag[2] = { htons(tpid ? tpid : ETH_TYPE_VLAN_8021Q),
                        htons(tci) };
    memmove(*data - VLAN_HEADER_LEN, *data, 2 * ETH_ADDR_LEN);
    *data -= VLAN_HEADER_LEN;
    memcpy(*data + 2 * ETH_ADDR_LEN, tag, sizeof tag);
    *len += VLAN_HEADER_LEN;
    *caplen += VLAN_HEADER_LEN;
}

static struct port_offload
port_offload_from_vnet(const struct virtio_net_hdr *vnet)
{
    return (struct port_offload) {
        .gso_type = vnet->gso_type & ~VIRTIO_NET_HDR_GSO_ECN,
        .gso_size = vnet->gso_size,
    };
}

/* Reads from the socket of port 'i' the full copy of a frame whose ring
 * slot has only its start, and handles it.  Returns false if there is no
 * copy. */
static bool
port_receive_copy(struct user_thread *t, size_t i)
{
    struct user_port *port = &t->dp->ports[i];
    struct virtio_net_hdr vnet;
    uint64_t control[CMSG_SPACE(sizeof(struct tpacket_auxdata))
                     / sizeof(uint64_t) + 1];
    struct iovec iov[2] = {
        { .iov_base = &vnet, .iov_len = sizeof vnet },
        { .iov_base = t->port_rx_buf + VLAN_HEADER_LEN,
          .iov_len = USER_CAPTURE_MAX },
    };
    struct msghdr msg = {
        .msg_iov = iov,
        .msg_iovlen = 2,
        .msg_control = control,
        .msg_controllen = sizeof control,
    };

    /* MSG_TRUNC: the frame's length, not what was copied. */
    ssize_t got = recvmsg(port->fd, &msg, MSG_TRUNC | MSG_DONTWAIT);
    if (got < (ssize_t) sizeof vnet) {
        return false;
    }
    size_t len = got - sizeof vnet;
    size_t caplen = MIN(len, USER_CAPTURE_MAX);
    uint8_t *data = t->port_rx_buf + VLAN_HEADER_LEN;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c;
         c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == SOL_PACKET && c->cmsg_type == PACKET_AUXDATA
            && c->cmsg_len >= CMSG_LEN(sizeof(struct tpacket_auxdata))) {
            struct tpacket_auxdata aux;
            memcpy(&aux, CMSG_DATA(c), sizeof aux);
            if (aux.tp_status & TP_STATUS_VLAN_VALID) {
                port_put_tag(&data, &caplen, &len, aux.tp_vlan_tci,
                             (aux.tp_status & TP_STATUS_VLAN_TPID_VALID
                              ? aux.tp_vlan_tpid : 0));
            }
        }
    }
    struct port_offload off = port_offload_from_vnet(&vnet);
    port_input__(t, i, data, caplen, len, &off);
    return true;
}

/* Handles up to USER_BATCH frames from the ring of port 'i'.  Returns how
 * many. */
static int
port_receive(struct user_thread *t, size_t i)
{
    struct user_port *port = &t->dp->ports[i];
    int n;

    for (n = 0; n < USER_BATCH; n++) {
        uint8_t *slot = port->ring + port->ring_pos * USER_RING_FRAME;
        struct tpacket2_hdr *h = ALIGNED_CAST(struct tpacket2_hdr *, slot);
        uint32_t status = __atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE);
        if (!(status & TP_STATUS_USER)) {
            break;
        }

        if (!(status & TP_STATUS_COPY) || !port_receive_copy(t, i)) {
            /* The vnet header sits just before the frame; the tag goes
             * back where it was. */
            uint8_t *data = slot + h->tp_mac;
            size_t len = h->tp_len, caplen = h->tp_snaplen;
            struct virtio_net_hdr vnet;
            memcpy(&vnet, data - sizeof vnet, sizeof vnet);
            if (status & TP_STATUS_VLAN_VALID) {
                port_put_tag(&data, &caplen, &len, h->tp_vlan_tci,
                             (status & TP_STATUS_VLAN_TPID_VALID
                              ? h->tp_vlan_tpid : 0));
            }
            struct port_offload off = port_offload_from_vnet(&vnet);
            port_input__(t, i, data, caplen, len, &off);
        }
        __atomic_store_n(&h->tp_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
        port->ring_pos = (port->ring_pos + 1) % USER_RING_FRAMES;
    }
    return n;
}

static size_t
ports_receive(struct user_thread *t)
{
    struct user_dp *d = t->dp;
    size_t total = 0;

    for (size_t i = 0; i < d->n_ports; i++) {
        struct user_port *port = &d->ports[i];
        if (!port->pcap || !port->ring) {
            continue;
        }
        total += port_receive(t, i);
        flush_all(t);
    }
    return total;
}

static void
maintain(struct user_thread *t)
{
    struct user_dp *d = t->dp;
    bool sweep_now;

    for (size_t i = 0; i < d->n_ports; i++) {
        struct user_port *port = &d->ports[i];
        if (!port->pcap && t->now >= port->next_open) {
            port_try_open(d, port, t->now);
        }
    }
    if (t->now >= t->next_mtu) {
        atomic_store_relaxed(&d->underlay_mtu, underlay_mtu(d->tunnel_ip));
        for (size_t i = 0; i < d->n_ports; i++) {
            if (d->ports[i].pcap) {
                port_refresh_mtu(d, &d->ports[i]);
            }
        }
        t->next_mtu = t->now + USER_MTU_MSEC;
    }

    atomic_read_relaxed(&d->sweep, &sweep_now);
    if (t->now >= t->next_sweep) {
        uint64_t overruns = 0;
        for (size_t i = 0; i < d->n_ports; i++) {
            struct user_port *port = &d->ports[i];
            struct tpacket_stats st;
            socklen_t st_len = sizeof st;
            if (port->fd >= 0
                && !getsockopt(port->fd, SOL_PACKET, PACKET_STATISTICS,
                               &st, &st_len)) {
                /* Each read resets the kernel's counts. */
                port->rx_drops += st.tp_drops;
                atomic_store_relaxed(&port->overrun, port->rx_drops);
            }
            overruns += counter_get(&port->overrun);
        }
        atomic_store_relaxed(&d->drops[USER_DROP_PORT_OVERRUN], overruns);
    }
    if (t->now >= t->next_sweep) {
        t->next_sweep = t->now + USER_SWEEP_MSEC;
    }
    if (sweep_now || t->now >= sweep_deadline(t)) {
        atomic_store_relaxed(&d->sweep, false);
        sweep(t);
    }
}

/* Sleeps until a port or the tunnel socket has input, the main thread
 * wakes us, or maintenance is due.  This is a plain poll() rather than
 * OVS's poll_block(): a busy packet thread blocks only when idle, which
 * OVS's poll-interval warning would report as an "unreasonably long poll
 * interval" under load.  RCU sees the thread quiescent while it sleeps. */
static void
thread_wait(struct user_thread *t)
{
    struct user_dp *d = t->dp;
    long long int deadline = MIN(MIN(t->next_sweep, t->next_mtu),
                                 sweep_deadline(t));
    struct pollfd *pfds = t->pfds;
    size_t n = 0;

    for (size_t i = 0; i < d->n_ports; i++) {
        struct user_port *port = &d->ports[i];
        if (port->pcap && port->ring) {
            pfds[n++] = (struct pollfd) { .fd = port->fd, .events = POLLIN };
        } else {
            deadline = MIN(deadline, port->next_open);
        }
    }
    pfds[n++] = (struct pollfd) { .fd = d->udp_fd, .events = POLLIN };
    pfds[n++] = (struct pollfd) { .fd = d->wake.fds[0], .events = POLLIN };

    long long int timeout = deadline - time_msec();
    ovsrcu_quiesce_start();
    poll(pfds, n, MAX(0, MIN(timeout, INT_MAX)));
    ovsrcu_quiesce_end();
    latch_poll(&d->wake);

    /* A port that went away (or down) reports an error on its receive
     * socket, which the ring alone would not show. */
    n = 0;
    for (size_t i = 0; i < d->n_ports; i++) {
        struct user_port *port = &d->ports[i];
        if (!port->pcap || !port->ring) {
            continue;
        }
        if (pfds[n++].revents & (POLLERR | POLLHUP | POLLNVAL)) {
            int error = 0;
            socklen_t len = sizeof error;
            if (getsockopt(port->fd, SOL_SOCKET, SO_ERROR, &error, &len)
                || error) {
                VLOG_WARN("%s: port %s: receive failed (%s); reopening it",
                          d->name, port->name,
                          ovs_strerror(error ? error : errno));
                port_close(port);
                atomic_store_relaxed(&port->error, EIO);
                port->next_open = time_msec() + USER_REOPEN_MSEC;
            }
        }
    }
}

static void *
user_thread_main(void *t_)
{
    struct user_thread *t = t_;
    struct user_dp *d = t->dp;

    for (;;) {
        bool exiting;
        atomic_read_relaxed(&d->exiting, &exiting);
        if (exiting) {
            break;
        }

        t->now = time_msec();
        size_t n = ports_receive(t);
        n += tunnel_receive(t);
        flush_all(t);
        maintain(t);
        if (vtep_learn_take_changed(d->learn)) {
            seq_change(d->learn_seq);
        }

        if (n) {
            ovsrcu_quiesce();
        } else {
            thread_wait(t);
        }
    }
    return NULL;
}

/* Provider operations (main thread).
 * ================================== */

static void
user_ls_free(struct user_ls *ls)
{
    struct user_locator *loc;
    CMAP_FOR_EACH (loc, node, &ls->locators) {
        free(loc);
    }
    cmap_destroy(&ls->locators);
    free(ovsrcu_get_protected(struct user_members *, &ls->members));
    free(ovsrcu_get_protected(char *, &ls->name));
    free(ls);
}

static void
locator_ref(struct user_ls *ls, ovs_be32 ip)
{
    struct user_locator *loc = locator_find(ls, ip);
    if (loc) {
        loc->refs++;
    } else {
        loc = xmalloc(sizeof *loc);
        loc->ip = ip;
        loc->refs = 1;
        cmap_insert(&ls->locators, &loc->node,
                    hash_int((OVS_FORCE uint32_t) ip, 0));
    }
}

static void
locator_unref(struct user_ls *ls, ovs_be32 ip)
{
    struct user_locator *loc = locator_find(ls, ip);
    if (loc && !--loc->refs) {
        cmap_remove(&ls->locators, &loc->node,
                    hash_int((OVS_FORCE uint32_t) ip, 0));
        ovsrcu_postpone(free, loc);
    }
}

/* Publishes the members of 'ls' with 'add' added or 'del' removed. */
static void
members_update(struct user_ls *ls, struct user_binding *add,
               const struct user_binding *del)
{
    struct user_members *old
        = ovsrcu_get_protected(struct user_members *, &ls->members);
    size_t n_old = old ? old->n : 0;
    struct user_members *new = xmalloc(sizeof *new
                                       + (n_old + 1) * sizeof new->b[0]);

    new->n = 0;
    for (size_t i = 0; i < n_old; i++) {
        if (old->b[i] != del) {
            new->b[new->n++] = old->b[i];
        }
    }
    if (add) {
        new->b[new->n++] = add;
    }
    ovsrcu_set(&ls->members, new);
    ovsrcu_postpone(free, old);
}

static int
user_ls_set(struct vtep_dp *dp, const struct vtep_dp_ls *dls)
{
    struct user_dp *d = user_dp_cast(dp);
    struct user_ls *ls = ls_find(d, dls->vni);

    if (!ls) {
        ls = xzalloc(sizeof *ls);
        ls->vni = dls->vni;
        ovsrcu_init(&ls->members, NULL);
        ovsrcu_init(&ls->name, NULL);
        cmap_init(&ls->locators);
        cmap_insert(&d->lss, &ls->node, hash_int(ls->vni, 0));
    }
    atomic_store_relaxed(&ls->mode, dls->mode);

    /* The packet thread may be logging the old name: publish the new one
     * through RCU (a plain pointer store would race with its load) and let
     * RCU free the old one. */
    const char *name = dls->name ? dls->name : "";
    char *old = ovsrcu_get_protected(char *, &ls->name);
    if (!old || strcmp(old, name)) {
        ovsrcu_set(&ls->name, xstrdup(name));
        ovsrcu_postpone(free, old);
    }
    return 0;
}

static int
user_ls_del(struct vtep_dp *dp, uint32_t vni)
{
    struct user_dp *d = user_dp_cast(dp);
    struct user_ls *ls = ls_find(d, vni);

    if (!ls) {
        return 0;
    }
    cmap_remove(&d->lss, &ls->node, hash_int(vni, 0));
    ovsrcu_postpone(user_ls_free, ls);
    return 0;
}

/* Asks the packet thread to forget what (port, vlan) learned in 'vni'. */
static void
request_sweep(struct user_dp *d, const char *port, uint16_t vlan,
              uint32_t vni)
{
    vtep_learn_flush_binding(d->learn, port, vlan, vni);
    atomic_store_relaxed(&d->sweep, true);
    latch_set(&d->wake);
}

static int
user_binding_del(struct vtep_dp *dp, const char *port, uint16_t vlan)
{
    struct user_dp *d = user_dp_cast(dp);
    struct user_binding *b;
    size_t idx;

    if (port_index(d, port, &idx)
        || !(b = binding_find(d, idx, vlan))) {
        return 0;
    }
    struct user_ls *ls = ls_find(d, b->vni);
    if (ls) {
        members_update(ls, NULL, b);
    }
    cmap_remove(&d->bindings, &b->node, hash_binding(idx, vlan));
    request_sweep(d, port, vlan, b->vni);
    ovsrcu_postpone(free, b);
    return 0;
}

static int
user_binding_add(struct vtep_dp *dp, const char *port, uint16_t vlan,
                 uint32_t vni)
{
    struct user_dp *d = user_dp_cast(dp);
    struct user_ls *ls = ls_find(d, vni);
    size_t idx;

    if (port_index(d, port, &idx)) {
        return ENODEV;
    }
    if (vlan > VTEP_VLAN_MAX || !ls) {
        return EINVAL;
    }

    struct user_binding *b = binding_find(d, idx, vlan);
    if (b) {
        if (b->vni == vni) {
            return 0;
        }
        user_binding_del(dp, port, vlan);
    }
    b = xzalloc(sizeof *b);
    b->port = idx;
    b->vlan = vlan;
    b->vni = vni;
    cmap_insert(&d->bindings, &b->node, hash_binding(idx, vlan));
    members_update(ls, b, NULL);
    return 0;
}

static int
user_ucast_set(struct vtep_dp *dp, uint32_t vni, struct eth_addr mac,
               ovs_be32 remote)
{
    struct user_dp *d = user_dp_cast(dp);
    struct user_ls *ls = ls_find(d, vni);
    if (!ls) {
        return EINVAL;
    }

    struct user_ucast *old = ucast_find(d, vni, mac);
    if (old && old->remote == remote) {
        return 0;
    }

    struct user_ucast *u = xmalloc(sizeof *u);
    u->vni = vni;
    u->mac = mac;
    u->remote = remote;
    locator_ref(ls, remote);
    if (old) {
        cmap_replace(&d->ucasts, &old->node, &u->node,
                     vtep_hash_vni_mac(vni, mac));
        locator_unref(ls, old->remote);
        ovsrcu_postpone(free, old);
    } else {
        cmap_insert(&d->ucasts, &u->node, vtep_hash_vni_mac(vni, mac));
    }
    return 0;
}

static int
user_ucast_del(struct vtep_dp *dp, uint32_t vni, struct eth_addr mac)
{
    struct user_dp *d = user_dp_cast(dp);
    struct user_ucast *u = ucast_find(d, vni, mac);

    if (u) {
        struct user_ls *ls = ls_find(d, vni);
        cmap_remove(&d->ucasts, &u->node, vtep_hash_vni_mac(vni, mac));
        if (ls) {
            locator_unref(ls, u->remote);
        }
        ovsrcu_postpone(free, u);
    }
    return 0;
}

/* The service node for 'vni' among 'remotes': the previous one while it
 * stays in the set, otherwise the one with the highest hash of (VNI,
 * remote), so that every vtepd picks the same and a change of the set
 * moves few logical switches. */
static ovs_be32
choose_service_node(uint32_t vni, const ovs_be32 *remotes, size_t n,
                    const struct user_flood *old)
{
    uint32_t best_hash = 0;
    ovs_be32 best = remotes[0];

    for (size_t i = 0; i < n; i++) {
        if (old && remotes[i] == old->service_node) {
            return remotes[i];
        }
    }
    for (size_t i = 0; i < n; i++) {
        uint32_t h = hash_2words(vni, ntohl(remotes[i]));
        if (!i || h > best_hash) {
            best_hash = h;
            best = remotes[i];
        }
    }
    return best;
}

static int
user_flood_set(struct vtep_dp *dp, uint32_t vni, struct eth_addr mac,
               const ovs_be32 *remotes, size_t n)
{
    struct user_dp *d = user_dp_cast(dp);
    struct user_ls *ls = ls_find(d, vni);
    struct user_flood *old = flood_find(d, vni, mac);
    uint32_t hash = vtep_hash_vni_mac(vni, mac);

    if (!ls) {
        return n ? EINVAL : 0;
    }

    struct user_flood *f = NULL;
    if (n) {
        f = xmalloc(sizeof *f + n * sizeof f->remotes[0]);
        f->vni = vni;
        f->mac = mac;
        f->n = n;
        memcpy(f->remotes, remotes, n * sizeof *remotes);
        f->service_node = choose_service_node(vni, remotes, n, old);
        for (size_t i = 0; i < n; i++) {
            locator_ref(ls, remotes[i]);
        }
    }

    if (old) {
        if (f) {
            cmap_replace(&d->floods, &old->node, &f->node, hash);
        } else {
            cmap_remove(&d->floods, &old->node, hash);
        }
        for (size_t i = 0; i < old->n; i++) {
            locator_unref(ls, old->remotes[i]);
        }
        ovsrcu_postpone(free, old);
    } else if (f) {
        cmap_insert(&d->floods, &f->node, hash);
    }
    return 0;
}

static size_t
user_learned_poll(struct vtep_dp *dp, struct vtep_dp_learned *events,
                  size_t max)
{
    return vtep_learn_poll(user_dp_cast(dp)->learn, events, max);
}

static int
user_binding_stats(struct vtep_dp *dp, const char *port, uint16_t vlan,
                   struct vtep_dp_binding_stats *stats)
{
    struct user_dp *d = user_dp_cast(dp);
    struct user_binding *b;
    size_t idx;

    if (port_index(d, port, &idx) || !(b = binding_find(d, idx, vlan))) {
        return ENOENT;
    }
    stats->packets_from_local = counter_get(&b->from_packets);
    stats->bytes_from_local = counter_get(&b->from_bytes);
    stats->packets_to_local = counter_get(&b->to_packets);
    stats->bytes_to_local = counter_get(&b->to_bytes);
    return 0;
}

static void
user_format_stats(struct vtep_dp *dp, struct ds *out)
{
    struct user_dp *d = user_dp_cast(dp);
    uint64_t rx = 0, tx = 0;
    int mtu;

    atomic_read_relaxed(&d->underlay_mtu, &mtu);
    ds_put_format(out, "datapath user: tunnel "IP_FMT" udp %d, underlay "
                  "mtu %d, %"PRIuSIZE" ports\n", IP_ARGS(d->tunnel_ip),
                  ntohs(d->udp_port), mtu, d->n_ports);
    for (size_t i = 0; i < d->n_ports; i++) {
        struct user_port *port = &d->ports[i];
        int error, port_mtu;
        atomic_read_relaxed(&port->error, &error);
        atomic_read_relaxed(&port->mtu, &port_mtu);
        ds_put_format(out, "  port %s: %s, mtu %d, rx %"PRIu64" packets "
                      "%"PRIu64" bytes, tx %"PRIu64" packets %"PRIu64
                      " bytes\n", port->name,
                      error ? ovs_strerror(error) : "up", port_mtu,
                      counter_get(&port->rx_packets),
                      counter_get(&port->rx_bytes),
                      counter_get(&port->tx_packets),
                      counter_get(&port->tx_bytes));
        rx += counter_get(&port->rx_packets);
        tx += counter_get(&port->tx_packets);
    }
    ds_put_format(out, "  rx.port: %"PRIu64"\n", rx);
    ds_put_format(out, "  rx.tunnel: %"PRIu64"\n",
                  counter_get(&d->tun_rx_packets));
    ds_put_format(out, "  tx.port: %"PRIu64"\n", tx);
    ds_put_format(out, "  tx.tunnel: %"PRIu64"\n",
                  counter_get(&d->tun_tx_packets));
    ds_put_format(out, "  csum.completed: %"PRIu64"\n",
                  counter_get(&d->csum_completed));
    ds_put_format(out, "  gso.segmented: %"PRIu64"\n",
                  counter_get(&d->gso_frames));
    ds_put_format(out, "  gso.segments: %"PRIu64"\n",
                  counter_get(&d->gso_segments));

    struct vtep_learn_stats ls;
    vtep_learn_get_stats(d->learn, &ls);
    ds_put_format(out, "  learned: %"PRIuSIZE" macs, %"PRIu64" learned, "
                  "%"PRIu64" moved, %"PRIu64" aged, %"PRIu64" refused, "
                  "%"PRIu64" flushed, %"PRIuSIZE" events pending\n",
                  ls.n_macs, ls.n_learned, ls.n_moved, ls.n_aged,
                  ls.n_refused, ls.n_flushed, ls.n_pending);
    for (int i = 1; i < USER_N_DROPS; i++) {
        ds_put_format(out, "  drop.%s: %"PRIu64"\n", user_drop_to_string(i),
                      counter_get(&d->drops[i]));
    }
}

static void
user_wait(struct vtep_dp *dp)
{
    struct user_dp *d = user_dp_cast(dp);
    uint64_t seqno;
    bool pending;

    /* The packet thread changes 'learn_seq' after it queued events, so
     * read it before looking. */
    seqno = seq_read(d->learn_seq);
    pending = vtep_learn_has_events(d->learn);
    if (pending) {
        poll_immediate_wake();
    } else {
        seq_wait(d->learn_seq, seqno);
    }
}

static void
user_close(struct vtep_dp *dp)
{
    struct user_dp *d = user_dp_cast(dp);

    if (d->pt) {
        if (d->running) {
            atomic_store_relaxed(&d->exiting, true);
            latch_set(&d->wake);
            xpthread_join(d->thread, NULL);
        }
        /* Whatever the main thread postponed may refer to the tables. */
        ovsrcu_synchronize();

        free(d->pt->pfds);
        free(d->pt);
    }

    for (size_t i = 0; i < d->n_ports; i++) {
        port_close(&d->ports[i]);
        free(d->ports[i].name);
        free(d->ports[i].tx_buf);
    }
    free(d->ports);
    if (d->udp_fd >= 0) {
        close(d->udp_fd);
    }
    if (d->raw_fd >= 0) {
        close(d->raw_fd);
    }

    struct user_ucast *u;
    CMAP_FOR_EACH (u, node, &d->ucasts) {
        free(u);
    }
    cmap_destroy(&d->ucasts);
    struct user_flood *f;
    CMAP_FOR_EACH (f, node, &d->floods) {
        free(f);
    }
    cmap_destroy(&d->floods);
    struct user_binding *b;
    CMAP_FOR_EACH (b, node, &d->bindings) {
        free(b);
    }
    cmap_destroy(&d->bindings);
    struct user_ls *ls;
    CMAP_FOR_EACH (ls, node, &d->lss) {
        user_ls_free(ls);
    }
    cmap_destroy(&d->lss);

    vtep_learn_destroy(d->learn);
    free(d->learn_ports);

    seq_destroy(d->learn_seq);
    latch_destroy(&d->wake);
    free(d->name);
    free(d);
}

/* The datapath for 'cfg' in memory: tables, counters and ports, with no
 * socket, pcap handle or thread yet.  (tests/fuzz/fuzz-dp.c drives the
 * input functions on what this returns.) */
static struct user_dp *
user_dp_create(const struct vtep_dp_config *cfg)
{
    struct user_dp *d = xzalloc(sizeof *d);

    d->up.class = &vtep_dp_user_class;
    d->name = xstrdup(cfg->name ? cfg->name : "");
    d->tunnel_ip = cfg->tunnel_ip;
    d->udp_port = htons(cfg->udp_port ? cfg->udp_port : VTEP_VXLAN_PORT);
    d->mac_aging = cfg->mac_aging;
    d->mac_limit = cfg->mac_limit;
    struct vtep_learn_config lcfg = {
        .aging = cfg->mac_aging,
        .vni_limit = cfg->mac_limit,
        .port_limit = cfg->mac_limit_port,
    };
    d->learn = vtep_learn_create(&lcfg);
    d->hash_basis = random_uint32();
    d->udp_fd = d->raw_fd = -1;
    atomic_init(&d->underlay_mtu, underlay_mtu(cfg->tunnel_ip));
    cmap_init(&d->lss);
    cmap_init(&d->bindings);
    cmap_init(&d->ucasts);
    cmap_init(&d->floods);
    latch_init(&d->wake);
    atomic_init(&d->exiting, false);
    atomic_init(&d->sweep, false);
    d->learn_seq = seq_create();

    d->n_ports = cfg->n_ports;
    d->ports = xcalloc(MAX(cfg->n_ports, 1), sizeof *d->ports);
    for (size_t i = 0; i < cfg->n_ports; i++) {
        d->ports[i].name = xstrdup(cfg->ports[i]);
        d->ports[i].fd = -1;
        d->ports[i].tx_buf = xmalloc(USER_PORT_TX_BATCH
                                     * sizeof *d->ports[i].tx_buf);
        atomic_init(&d->ports[i].error, 0);
        atomic_init(&d->ports[i].mtu, ETH_PAYLOAD_MAX);
    }
    /* Named in order, so that the table's port numbers are ours. */
    d->learn_ports = xcalloc(MAX(cfg->n_ports, 1), sizeof *d->learn_ports);
    for (size_t i = 0; i < cfg->n_ports; i++) {
        d->learn_ports[i] = vtep_learn_port(d->learn, d->ports[i].name);
    }
    return d;
}

/* What the packet thread of 'd' uses, before it starts. */
static struct user_thread *
user_thread_create(struct user_dp *d)
{
    struct user_thread *t = xzalloc(sizeof *t);
    t->dp = d;
    t->pfds = xcalloc(d->n_ports + 2, sizeof *t->pfds);
    t->now = time_msec();
    t->next_sweep = t->now + USER_SWEEP_MSEC;
    t->next_mtu = t->now + USER_MTU_MSEC;
    return t;
}

static int
user_open(const struct vtep_dp_config *cfg, struct vtep_dp **dpp)
{
    struct user_dp *d = user_dp_create(cfg);
    int error;

    if (!cfg->tunnel_ip) {
        error = EINVAL;
        goto error;
    }
    error = tunnel_sockets_open(d);
    if (error) {
        goto error;
    }
    for (size_t i = 0; i < d->n_ports; i++) {
        port_try_open(d, &d->ports[i], time_msec());
    }

    /* Everything the packet thread reads is written before it starts;
     * afterwards only 'thread' and 'running' (which it never reads) and
     * 'up' (see above) are. */
    d->pt = user_thread_create(d);
    d->thread = ovs_thread_create("vtep_user", user_thread_main, d->pt);
    d->running = true;

    *dpp = &d->up;
    return 0;

error:
    user_close(&d->up);
    return error;
}

const struct vtep_dp_class vtep_dp_user_class = {
    .type = "user",
    .open = user_open,
    .close = user_close,
    .run = NULL,                    /* The packet thread does the work. */
    .wait = user_wait,
    .ls_set = user_ls_set,
    .ls_del = user_ls_del,
    .binding_add = user_binding_add,
    .binding_del = user_binding_del,
    .ucast_set = user_ucast_set,
    .ucast_del = user_ucast_del,
    .flood_set = user_flood_set,
    .learned_poll = user_learned_poll,
    .binding_stats = user_binding_stats,
    .format_stats = user_format_stats,
};

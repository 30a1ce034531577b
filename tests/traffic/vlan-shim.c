/*
 * vlan-shim.c: a VLAN subinterface in userspace, for the traffic tests.
 *
 * The traffic tests give a bare-metal namespace a real IP stack on one VLAN
 * of a trunk.  The kernel would do that with an 8021q device, which this
 * sandbox cannot create, so this program does the same job by hand:
 *
 *     IP stack <-> tap TAP <-> vlan-shim <-> AF_PACKET on IFACE <-> trunk
 *
 * It creates the tap device TAP in the current network namespace (the
 * caller gives it an address and brings it up), and relays frames:
 *
 *   - from TAP to IFACE, with an 802.1Q tag for VID pushed after the MAC
 *     addresses;
 *   - from IFACE to TAP, only frames tagged with VID, with the tag popped.
 *     On a veth the kernel hands the tag over as metadata (PACKET_AUXDATA:
 *     tp_vlan_tci, valid if TP_STATUS_VLAN_VALID) rather than in the frame;
 *     both forms are accepted.  Untagged frames, other VIDs, 802.1ad outer
 *     tags and the frames this program sends itself are ignored.
 *
 * Usage: vlan-shim --iface=IFACE --tap=TAP --vid=VID [--pidfile=FILE]
 *
 * The pid file is written once the tap exists, so a script can wait for it
 * and then configure the tap.  SIGTERM or SIGINT ends the program; the tap
 * goes away with it.  On exit it prints its counters to stderr.
 *
 * It uses nothing but libc and the Linux uapi headers.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#define SHIM_ETH_ADDRS_LEN 12       /* Destination and source MAC. */
#define SHIM_VLAN_LEN 4             /* TPID and TCI. */
#define SHIM_TPID_8021Q 0x8100
#define SHIM_VID_MASK 0x0fff
#define SHIM_FRAME_MAX 65536

/* Frames relayed and ignored, printed on exit. */
struct shim_stats {
    unsigned long long to_iface;    /* Tagged and sent on IFACE. */
    unsigned long long to_tap;      /* Untagged and written to TAP. */
    unsigned long long ignored;     /* Received on IFACE, not for us. */
    unsigned long long errors;      /* Send or write errors. */
};

static volatile sig_atomic_t shim_exiting;
static const char *shim_pidfile;

static void shim_fatal(int error, const char *format, ...)
    __attribute__((format(printf, 2, 3), noreturn));

static void
shim_fatal(int error, const char *format, ...)
{
    va_list args;

    fputs("vlan-shim: ", stderr);
    va_start(args, format);
    vfprintf(stderr, format, args);
    va_end(args);
    if (error) {
        fprintf(stderr, " (%s)", strerror(error));
    }
    fputc('\n', stderr);
    if (shim_pidfile) {
        unlink(shim_pidfile);
    }
    exit(EXIT_FAILURE);
}

static void
shim_usage(void)
{
    printf("vlan-shim: a userspace 802.1Q subinterface on a tap device\n"
           "usage: vlan-shim --iface=IFACE --tap=TAP --vid=VID "
           "[--pidfile=FILE]\n"
           "  --iface=IFACE    trunk interface (tagged frames)\n"
           "  --tap=TAP        tap device to create (untagged frames)\n"
           "  --vid=VID        VLAN ID, 1..4094\n"
           "  --pidfile=FILE   write the pid here once TAP exists\n");
    exit(EXIT_SUCCESS);
}

static void
shim_on_signal(int signo)
{
    (void) signo;
    shim_exiting = 1;
}

/* Creates the tap device 'name' and returns its fd, non-blocking. */
static int
shim_open_tap(const char *name)
{
    struct ifreq ifr;
    int fd;

    fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        shim_fatal(errno, "/dev/net/tun: open failed");
    }
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", name);
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        shim_fatal(errno, "%s: could not create the tap device", name);
    }
    return fd;
}

/* Opens an AF_PACKET socket on 'iface' that receives every frame with its
 * VLAN metadata, and returns it, non-blocking. */
static int
shim_open_packet(const char *iface)
{
    struct packet_mreq mreq;
    struct sockaddr_ll sll;
    unsigned int ifindex;
    int one = 1;
    int fd;

    ifindex = if_nametoindex(iface);
    if (!ifindex) {
        shim_fatal(errno, "%s: no such interface", iface);
    }
    fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
                htons(ETH_P_ALL));
    if (fd < 0) {
        shim_fatal(errno, "AF_PACKET socket failed");
    }
    if (setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof one) < 0) {
        shim_fatal(errno, "PACKET_AUXDATA failed");
    }

    memset(&sll, 0, sizeof sll);
    sll.sll_family = AF_PACKET;
    sll.sll_protocol = htons(ETH_P_ALL);
    sll.sll_ifindex = (int) ifindex;
    if (bind(fd, (struct sockaddr *) &sll, sizeof sll) < 0) {
        shim_fatal(errno, "%s: bind failed", iface);
    }

    /* The tap's MAC is not the trunk interface's: receive every frame. */
    memset(&mreq, 0, sizeof mreq);
    mreq.mr_ifindex = (int) ifindex;
    mreq.mr_type = PACKET_MR_PROMISC;
    if (setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mreq,
                   sizeof mreq) < 0) {
        shim_fatal(errno, "%s: promiscuous mode failed", iface);
    }
    return fd;
}

static void
shim_write_pidfile(const char *file)
{
    FILE *stream = fopen(file, "w");

    if (!stream) {
        shim_fatal(errno, "%s: could not create the pid file", file);
    }
    fprintf(stream, "%ld\n", (long) getpid());
    if (fclose(stream)) {
        shim_fatal(errno, "%s: could not write the pid file", file);
    }
}

/* Reads one frame from the tap, tags it with 'vid' and sends it on
 * 'pkt_fd'.  Returns false if there was nothing to read. */
static bool
shim_tap_to_iface(int tap_fd, int pkt_fd, uint16_t vid,
                  struct shim_stats *stats)
{
    static uint8_t buf[SHIM_VLAN_LEN + SHIM_FRAME_MAX];
    uint16_t tag[2];
    ssize_t n;

    /* Read after 4 bytes of headroom, then move the MACs into it. */
    n = read(tap_fd, buf + SHIM_VLAN_LEN, SHIM_FRAME_MAX);
    if (n < 0) {
        if (errno != EAGAIN && errno != EINTR) {
            shim_fatal(errno, "tap read failed");
        }
        return false;
    }
    if (n < ETH_HLEN) {
        stats->errors++;
        return true;
    }
    memmove(buf, buf + SHIM_VLAN_LEN, SHIM_ETH_ADDRS_LEN);
    tag[0] = htons(SHIM_TPID_8021Q);
    tag[1] = htons(vid);
    memcpy(buf + SHIM_ETH_ADDRS_LEN, tag, sizeof tag);

    if (send(pkt_fd, buf, (size_t) n + SHIM_VLAN_LEN, 0) < 0) {
        stats->errors++;
    } else {
        stats->to_iface++;
    }
    return true;
}

/* Returns the auxiliary data of a received frame, or false if there is
 * none. */
static bool
shim_get_auxdata(struct msghdr *msg, struct tpacket_auxdata *aux)
{
    for (struct cmsghdr *cmsg = CMSG_FIRSTHDR(msg); cmsg;
         cmsg = CMSG_NXTHDR(msg, cmsg)) {
        if (cmsg->cmsg_level == SOL_PACKET
            && cmsg->cmsg_type == PACKET_AUXDATA
            && cmsg->cmsg_len >= CMSG_LEN(sizeof *aux)) {
            memcpy(aux, CMSG_DATA(cmsg), sizeof *aux);
            return true;
        }
    }
    return false;
}

/* Receives one frame on 'pkt_fd' and, if it carries 'vid', writes it to
 * the tap without its tag.  Returns false if there was nothing to
 * receive. */
static bool
shim_iface_to_tap(int pkt_fd, int tap_fd, uint16_t vid,
                  struct shim_stats *stats)
{
    static uint8_t buf[SHIM_FRAME_MAX];
    union {
        struct cmsghdr align;
        uint8_t buf[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
    } control;
    struct tpacket_auxdata aux;
    struct sockaddr_ll from;
    struct iovec iov;
    struct msghdr msg;
    uint8_t *frame = buf;
    uint16_t tpid, tci;
    ssize_t n;

    iov.iov_base = buf;
    iov.iov_len = sizeof buf;
    memset(&msg, 0, sizeof msg);
    msg.msg_name = &from;
    msg.msg_namelen = sizeof from;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.buf;
    msg.msg_controllen = sizeof control.buf;

    n = recvmsg(pkt_fd, &msg, MSG_TRUNC);
    if (n < 0) {
        if (errno != EAGAIN && errno != EINTR) {
            shim_fatal(errno, "AF_PACKET receive failed");
        }
        return false;
    }
    if (from.sll_pkttype == PACKET_OUTGOING || (size_t) n > sizeof buf
        || n < ETH_HLEN) {
        stats->ignored++;
        return true;
    }

    if (shim_get_auxdata(&msg, &aux)
        && aux.tp_status & TP_STATUS_VLAN_VALID) {
        /* The kernel took the tag out of the frame. */
        tpid = (aux.tp_status & TP_STATUS_VLAN_TPID_VALID
                ? aux.tp_vlan_tpid : SHIM_TPID_8021Q);
        tci = aux.tp_vlan_tci;
    } else {
        /* The tag, if any, is still in the frame. */
        memcpy(&tpid, buf + SHIM_ETH_ADDRS_LEN, sizeof tpid);
        tpid = ntohs(tpid);
        if (tpid != SHIM_TPID_8021Q || n < ETH_HLEN + SHIM_VLAN_LEN) {
            stats->ignored++;
            return true;
        }
        memcpy(&tci, buf + SHIM_ETH_ADDRS_LEN + 2, sizeof tci);
        tci = ntohs(tci);
        memmove(buf + SHIM_VLAN_LEN, buf, SHIM_ETH_ADDRS_LEN);
        frame += SHIM_VLAN_LEN;
        n -= SHIM_VLAN_LEN;
    }
    if (tpid != SHIM_TPID_8021Q || (tci & SHIM_VID_MASK) != vid) {
        stats->ignored++;
        return true;
    }

    if (write(tap_fd, frame, (size_t) n) < 0) {
        stats->errors++;
    } else {
        stats->to_tap++;
    }
    return true;
}

static uint16_t
shim_parse_vid(const char *s)
{
    char *end;
    long vid;

    errno = 0;
    vid = strtol(s, &end, 10);
    if (errno || *end || end == s || vid < 1 || vid > 4094) {
        shim_fatal(0, "--vid: \"%s\" is not a VLAN ID (1..4094)", s);
    }
    return (uint16_t) vid;
}

int
main(int argc, char *argv[])
{
    static const struct option long_options[] = {
        {"iface", required_argument, NULL, 'i'},
        {"tap", required_argument, NULL, 't'},
        {"vid", required_argument, NULL, 'v'},
        {"pidfile", required_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct shim_stats stats;
    const char *iface = NULL;
    const char *tap = NULL;
    const char *pidfile = NULL;
    struct sigaction sa;
    uint16_t vid = 0;
    int tap_fd, pkt_fd;
    int c;

    while ((c = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
        switch (c) {
        case 'i':
            iface = optarg;
            break;
        case 't':
            tap = optarg;
            break;
        case 'v':
            vid = shim_parse_vid(optarg);
            break;
        case 'p':
            pidfile = optarg;
            break;
        case 'h':
            shim_usage();
            break;
        default:
            exit(EXIT_FAILURE);
        }
    }
    if (optind != argc || !iface || !tap || !vid) {
        shim_fatal(0, "--iface, --tap and --vid are required "
                   "(--help for usage)");
    }
    if (strlen(tap) >= IFNAMSIZ) {
        shim_fatal(0, "--tap: \"%s\" is longer than %d characters", tap,
                   IFNAMSIZ - 1);
    }

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = shim_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);

    pkt_fd = shim_open_packet(iface);
    tap_fd = shim_open_tap(tap);
    if (pidfile) {
        shim_write_pidfile(pidfile);
        shim_pidfile = pidfile;
    }

    memset(&stats, 0, sizeof stats);
    while (!shim_exiting) {
        struct pollfd fds[2] = {
            { .fd = tap_fd, .events = POLLIN },
            { .fd = pkt_fd, .events = POLLIN },
        };

        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR) {
                continue;
            }
            shim_fatal(errno, "poll failed");
        }
        /* Bounded work per wake-up, so that neither direction starves. */
        for (int i = 0; i < 64; i++) {
            bool busy = false;

            if (fds[0].revents) {
                busy |= shim_tap_to_iface(tap_fd, pkt_fd, vid, &stats);
            }
            if (fds[1].revents) {
                busy |= shim_iface_to_tap(pkt_fd, tap_fd, vid, &stats);
            }
            if (!busy) {
                break;
            }
        }
    }

    fprintf(stderr, "vlan-shim: %s vid %u <-> %s: %llu frames tagged, "
            "%llu untagged, %llu ignored, %llu errors\n", iface,
            (unsigned int) vid, tap, stats.to_iface, stats.to_tap,
            stats.ignored, stats.errors);
    if (shim_pidfile) {
        unlink(shim_pidfile);
    }
    return EXIT_SUCCESS;
}

#!/usr/bin/python3
"""frame.py: send crafted frames for vtepd's traffic tests.

Two ways in:

  frame.py eth --iface=IF --src=MAC [--dst=MAC] [--vlan=VID] ...
      writes Ethernet frames, untagged or with one 802.1Q tag, straight
      onto interface IF (AF_PACKET), as a bare-metal server on a trunk
      port would send them;

  frame.py vxlan --from=IP --to=IP --vni=VNI [--flags=0x08] ...
      sends VXLAN packets from a UDP socket bound to IP, as a hypervisor
      (or an impostor) would, with a chosen flags byte, VNI and length.

And one TCP tool for transfers through vtepd:

  frame.py tcp --listen=IP:PORT --bytes=N   (then)
  frame.py tcp --connect=IP:PORT --bytes=N
      the client sends N bytes of a fixed pattern and half-closes; the
      server checks every byte, sends the same N bytes back and closes; the
      client checks them.  Each exits 0 only if everything arrived intact
      (a socket timeout of --timeout seconds bounds a stalled transfer).

The inner or only frame is, by default, a frame of the local experimental
ethertype 0x88b5 whose payload starts with --payload (a marker that
capture filters can match), or an ARP request with --arp=SENDER_IP,TARGET_IP.
--len truncates or zero-pads the frame (eth) or the whole VXLAN payload
(vxlan) to exactly that many bytes, which is how runts and truncated
packets are made.

Only the Python standard library is used; run it with Debian's
/usr/bin/python3.
"""

import argparse
import socket
import struct
import sys

ETH_P_8021Q = 0x8100
ETH_P_ARP = 0x0806
ETH_P_EXPERIMENTAL = 0x88b5
VXLAN_FLAG_I = 0x08
BROADCAST = "ff:ff:ff:ff:ff:ff"


def mac_bytes(text):
    parts = text.split(":")
    if len(parts) != 6:
        raise argparse.ArgumentTypeError("%s: not a MAC address" % text)
    try:
        return bytes(int(p, 16) for p in parts)
    except ValueError:
        raise argparse.ArgumentTypeError("%s: not a MAC address" % text)


def int_any_base(text):
    return int(text, 0)


def ip_pair(text):
    try:
        sender, target = text.split(",")
        return socket.inet_aton(sender), socket.inet_aton(target)
    except (ValueError, OSError):
        raise argparse.ArgumentTypeError(
            "%s: want SENDER_IP,TARGET_IP" % text)


def build_frame(args):
    """The Ethernet frame that args describe."""
    dst = mac_bytes(args.dst)
    src = mac_bytes(args.src)
    if args.arp:
        sender_ip, target_ip = args.arp
        eth_type = ETH_P_ARP
        body = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, src,
                           sender_ip, bytes(6), target_ip)
    else:
        eth_type = args.type
        body = args.payload.encode()
    frame = dst + src
    if args.vlan is not None:
        frame += struct.pack("!HH", ETH_P_8021Q, args.vlan)
    if getattr(args, "inner_vlan", None) is not None:
        frame += struct.pack("!HH", args.inner_tpid, args.inner_vlan)
    frame += struct.pack("!H", eth_type) + body
    # The minimum Ethernet frame, without FCS, as a NIC would pad it.
    return frame.ljust(60, b"\0")


def fit(data, length):
    """'data' truncated or zero-padded to 'length' bytes (if not None)."""
    if length is None:
        return data
    return data[:length].ljust(length, b"\0")


def cmd_eth(args):
    frame = fit(build_frame(args), args.len)
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    sock.bind((args.iface, 0))
    for _ in range(args.count):
        sock.send(frame)
    return 0


def cmd_vxlan(args):
    header = struct.pack("!B3sI", args.flags, bytes(3), args.vni << 8)
    payload = fit(header + build_frame(args), args.len)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((getattr(args, "from"), args.sport))
    for _ in range(args.count):
        sock.sendto(payload, (args.to, args.port))
    return 0


def pattern(n):
    """N bytes of a pattern that a lost or reordered segment breaks."""
    block = bytes((i * 7 + i // 251) & 0xff for i in range(65536))
    return (block * (n // len(block) + 1))[:n]


def recv_all(sock, n):
    chunks, got = [], 0
    while True:
        data = sock.recv(65536)
        if not data:
            break
        chunks.append(data)
        got += len(data)
        if got > n:
            break
    return b"".join(chunks)


def cmd_tcp(args):
    want = pattern(args.bytes)
    if args.listen:
        ip, port = args.listen.rsplit(":", 1)
        lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        lsock.bind((ip, int(port)))
        lsock.listen(1)
        lsock.settimeout(args.timeout)
        if args.ready:
            open(args.ready, "w").close()
        conn, _ = lsock.accept()
        conn.settimeout(args.timeout)
        got = recv_all(conn, args.bytes)
        if got != want:
            print("frame.py tcp: server got %d bytes, %s" %
                  (len(got), "corrupted" if len(got) == args.bytes
                   else "expected %d" % args.bytes), file=sys.stderr)
            return 1
        conn.sendall(want)
        conn.close()
        return 0
    ip, port = args.connect.rsplit(":", 1)
    sock = socket.create_connection((ip, int(port)), timeout=args.timeout)
    sock.sendall(want)
    sock.shutdown(socket.SHUT_WR)
    got = recv_all(sock, args.bytes)
    if got != want:
        print("frame.py tcp: client got %d bytes back, expected %d%s" %
              (len(got), args.bytes,
               " (corrupted)" if len(got) == args.bytes else ""),
              file=sys.stderr)
        return 1
    return 0


def main():
    parser = argparse.ArgumentParser(
        description="Send crafted Ethernet or VXLAN frames.")
    sub = parser.add_subparsers(dest="cmd", required=True)

    def frame_options(p):
        p.add_argument("--src", required=True, help="source MAC")
        p.add_argument("--dst", default=BROADCAST,
                       help="destination MAC (default: broadcast)")
        p.add_argument("--vlan", type=int, metavar="VID",
                       help="add an 802.1Q tag with this VID")
        p.add_argument("--type", type=int_any_base,
                       default=ETH_P_EXPERIMENTAL,
                       help="ethertype (default: 0x88b5)")
        p.add_argument("--payload", default="vtepd-test",
                       help="payload text (default: vtepd-test)")
        p.add_argument("--arp", type=ip_pair, metavar="SENDER,TARGET",
                       help="send an ARP request instead")
        p.add_argument("--len", type=int,
                       help="truncate or pad to exactly LEN bytes")
        p.add_argument("--count", type=int, default=1,
                       help="how many copies (default: 1)")
        p.add_argument("--inner-vlan", type=int, metavar="VID",
                       help="a second tag after --vlan (QinQ)")
        p.add_argument("--inner-tpid", type=int_any_base,
                       default=ETH_P_8021Q,
                       help="TPID of the second tag (default: 0x8100)")

    eth = sub.add_parser("eth", help="raw Ethernet frames on an interface")
    eth.add_argument("--iface", required=True)
    frame_options(eth)
    eth.set_defaults(func=cmd_eth)

    vx = sub.add_parser("vxlan", help="VXLAN packets from a UDP socket")
    vx.add_argument("--from", required=True, metavar="IP",
                    help="source IP (bound)")
    vx.add_argument("--to", required=True, metavar="IP",
                    help="destination VTEP")
    vx.add_argument("--port", type=int, default=4789,
                    help="destination UDP port (default: 4789)")
    vx.add_argument("--sport", type=int, default=0,
                    help="source UDP port (default: any)")
    vx.add_argument("--vni", type=int, required=True)
    vx.add_argument("--flags", type=int_any_base, default=VXLAN_FLAG_I,
                    help="VXLAN flags byte (default: 0x08, I)")
    frame_options(vx)
    vx.set_defaults(func=cmd_vxlan)

    tcp = sub.add_parser("tcp", help="a checked TCP transfer, both ways")
    side = tcp.add_mutually_exclusive_group(required=True)
    side.add_argument("--listen", metavar="IP:PORT")
    side.add_argument("--connect", metavar="IP:PORT")
    tcp.add_argument("--bytes", type=int, default=4 << 20)
    tcp.add_argument("--timeout", type=float, default=20)
    tcp.add_argument("--ready", metavar="FILE",
                     help="(server) create FILE once listening")
    tcp.set_defaults(func=cmd_tcp)

    args = parser.parse_args()
    try:
        return args.func(args)
    except OSError as e:
        print("frame.py: %s: %s" % (args.cmd, e), file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

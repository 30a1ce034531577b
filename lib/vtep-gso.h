/*
 * vtep-gso.h: software segmentation of TCP super-frames.
 *
 * A Linux sender with TCP segmentation offload (the default on veth,
 * virtio, tap and most NICs) hands the stack one TCP packet of up to 64 KB
 * and leaves cutting it to the device; a packet socket on such a device
 * sees the super-frame, and so does one behind a NIC that coalesces
 * received segments (GRO).  A forwarder that reads frames must cut them
 * again before they go into a tunnel or out of a port, which is what
 * vtep_gso_segment() does: the same TCP byte stream in packets that fit,
 * each with its own headers and full checksums, which is all a receiver
 * can tell of segmentation.
 *
 * Supported: untagged Ethernet, IPv4 (options kept, not a fragment) or
 * IPv6 without extension headers, then TCP (options kept).  Anything else
 * too big to send is the caller's to drop.
 */
#ifndef VTEP_GSO_H
#define VTEP_GSO_H 1

#include <stddef.h>
#include <stdint.h>
#include "openvswitch/types.h"

/* Called once per segment, in order: 'seg' is 'len' bytes in the caller's
 * buffer, valid until the callback returns. */
typedef void vtep_gso_output(void *aux, uint8_t *seg, size_t len);

/* The least TCP payload per segment that vtep_gso_segment() accepts: a
 * max_len that leaves less after the headers is EMSGSIZE, a smaller mss
 * EINVAL.  Linux's own floor (net.ipv4.tcp_min_snd_mss) is 48. */
#define VTEP_GSO_MIN_MSS 48

int vtep_gso_segment(const uint8_t *frame, size_t len, size_t l3_ofs,
                     ovs_be16 eth_type, size_t max_len, size_t mss,
                     uint8_t *buf, vtep_gso_output *output, void *aux,
                     size_t *n_segs);

#endif /* vtep-gso.h */

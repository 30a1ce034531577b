/*
 * vtep-types.c: parsers for the untrusted values of hardware_vtep rows.
 *
 * Each parser accepts exactly the documented form and returns 0 or a
 * positive errno:
 *   EINVAL           malformed text
 *   ERANGE           a number outside its field (VNI, VLAN; VLAN 4095 is
 *                    reserved by 802.1Q and never a binding)
 *   EADDRNOTAVAIL    an IPv4 address that cannot be a tunnel endpoint
 *   EPROTONOSUPPORT  an encapsulation other than vxlan_over_ipv4
 */
#include <config.h>
#include "vtep-types.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include "util.h"

const char *
vtep_repl_mode_to_string(enum vtep_repl_mode mode)
{
    switch (mode) {
    case VTEP_REPL_SERVICE_NODE:
        return "service_node";
    case VTEP_REPL_SOURCE_NODE:
        return "source_node";
    }
    return "unknown";
}

int
vtep_compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

static int
hexval(int c)
{
    return (c >= '0' && c <= '9' ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
            : -1);
}

/* Parses "xx:xx:xx:xx:xx:xx" (either case), nothing before or after. */
int
vtep_parse_mac(const char *s, struct eth_addr *mac)
{
    if (!s || strlen(s) != 17) {
        return EINVAL;
    }
    for (int i = 0; i < 6; i++) {
        const char *p = s + 3 * i;
        int hi = hexval((unsigned char) p[0]);
        int lo = hexval((unsigned char) p[1]);
        if (hi < 0 || lo < 0 || (i < 5 && p[2] != ':')) {
            return EINVAL;
        }
        mac->ea[i] = hi << 4 | lo;
    }
    return 0;
}

/* A unicast MAC: well formed, group bit clear, not all zeros. */
int
vtep_parse_ucast_mac(const char *s, struct eth_addr *mac)
{
    int error = vtep_parse_mac(s, mac);
    if (!error && (eth_addr_is_multicast(*mac) || eth_addr_is_zero(*mac))) {
        error = EINVAL;
    }
    return error;
}

/* "unknown-dst" (returned as the all-zero MAC) or a MAC with the group bit
 * set (broadcast included). */
int
vtep_parse_mcast_mac(const char *s, struct eth_addr *mac)
{
    if (s && !strcmp(s, VTEP_UNKNOWN_DST)) {
        *mac = eth_addr_zero;
        return 0;
    }
    int error = vtep_parse_mac(s, mac);
    if (!error && !eth_addr_is_multicast(*mac)) {
        error = EINVAL;
    }
    return error;
}

/* Logical_Switch:tunnel_key.  An empty column and 0 both mean "not bound"
 * (OVN writes 0 for switches it does not serve) and yield *vni = 0. */
int
vtep_parse_vni(const int64_t *key, size_t n_key, uint32_t *vni)
{
    *vni = 0;
    if (!n_key) {
        return 0;
    }
    if (n_key != 1 || !key) {
        return EINVAL;
    }
    if (key[0] < 0 || key[0] > VTEP_VNI_MAX) {
        return ERANGE;
    }
    *vni = key[0];
    return 0;
}

/* A Physical_Port:vlan_bindings key: 0 (untagged) to 4094.  The schema
 * admits 4095, which 802.1Q reserves (no conformant frame carries it). */
int
vtep_parse_vlan(int64_t v, uint16_t *vlan)
{
    if (v < 0 || v >= VTEP_VLAN_RESERVED) {
        return ERANGE;
    }
    *vlan = v;
    return 0;
}

int
vtep_parse_repl_mode(const char *s, enum vtep_repl_mode *mode)
{
    if (!s || !*s || !strcmp(s, "service_node")) {
        *mode = VTEP_REPL_SERVICE_NODE;
    } else if (!strcmp(s, "source_node")) {
        *mode = VTEP_REPL_SOURCE_NODE;
    } else {
        return EINVAL;
    }
    return 0;
}

/* A dotted-quad IPv4 address that can be a VXLAN tunnel endpoint: not
 * 0.0.0.0, loopback, multicast, class E or the limited broadcast. */
int
vtep_parse_ipv4(const char *s, ovs_be32 *ip)
{
    struct in_addr in;
    if (!s || inet_pton(AF_INET, s, &in) != 1) {
        return EINVAL;
    }
    uint32_t h = ntohl(in.s_addr);
    if (h == 0 || (h >> 24) == 127 || (h >> 28) >= 0xe) {
        return EADDRNOTAVAIL;
    }
    *ip = in.s_addr;
    return 0;
}

int
vtep_parse_locator(const char *encap, const char *dst_ip, ovs_be32 *ip)
{
    if (!encap || strcmp(encap, VTEP_ENCAP_VXLAN_IPV4)) {
        return EPROTONOSUPPORT;
    }
    return vtep_parse_ipv4(dst_ip, ip);
}

/* Parses "none", "locators" or a comma-separated list of VTEP IPv4
 * addresses into '*mode' and, for a list, a new array in '*nodes' (sorted
 * as given, at most 64) and its length in '*n_nodes'.  Returns 0 or EINVAL;
 * on error nothing is allocated. */
int
vtep_parse_default_flood(const char *s, enum vtep_default_flood *mode,
                         ovs_be32 **nodes, size_t *n_nodes)
{
    *nodes = NULL;
    *n_nodes = 0;
    if (!s) {
        return EINVAL;
    } else if (!strcmp(s, "none")) {
        *mode = VTEP_DEFAULT_FLOOD_NONE;
        return 0;
    } else if (!strcmp(s, "locators")) {
        *mode = VTEP_DEFAULT_FLOOD_LOCATORS;
        return 0;
    }

    enum { MAX_NODES = 64 };
    ovs_be32 ips[MAX_NODES];
    size_t n = 0;
    const char *p = s;
    for (;;) {
        size_t len = strcspn(p, ",");
        char ip_s[INET_ADDRSTRLEN];
        if (!len || len >= sizeof ip_s || n >= MAX_NODES) {
            return EINVAL;
        }
        memcpy(ip_s, p, len);
        ip_s[len] = '\0';
        if (vtep_parse_ipv4(ip_s, &ips[n++])) {
            return EINVAL;
        }
        if (!p[len]) {
            break;
        }
        p += len + 1;
    }
    *mode = VTEP_DEFAULT_FLOOD_NODES;
    *nodes = xmemdup(ips, n * sizeof *ips);
    *n_nodes = n;
    return 0;
}

void
vtep_format_mcast_mac(const struct eth_addr mac,
                      char buf[ETH_ADDR_STRLEN + 1])
{
    if (vtep_mac_is_unknown_dst(mac)) {
        strcpy(buf, VTEP_UNKNOWN_DST);
    } else {
        snprintf(buf, ETH_ADDR_STRLEN + 1, ETH_ADDR_FMT, ETH_ADDR_ARGS(mac));
    }
}

/*
 * test-types.c: unit tests of lib/vtep-types.[ch], the parsers of the
 * untrusted strings and numbers of hardware_vtep rows.
 *
 * The tests are tables: each row is one input, the errno the parser must
 * return and, on success, the value it must produce.  Each table is a Check
 * loop test, so that every row passes or fails on its own.
 */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "lib/vtep-types.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/util.h"
#include "unit.h"
#include "util.h"

/* A MAC input, the errno its parser must return and, if 0, the MAC. */
struct mac_case {
    const char *s;
    int error;
    uint8_t ea[ETH_ADDR_LEN];
};

#define MAC_OK(S, A, B, C, D, E, F) { S, 0, { A, B, C, D, E, F } }
#define MAC_BAD(S) { S, EINVAL, { 0 } }

/* Inputs that are no MAC at all: every MAC parser must reject them. */
#define MALFORMED_MACS                                                  \
    MAC_BAD(NULL),                                                      \
    MAC_BAD(""),                                                        \
    MAC_BAD("00:11:22:33:44"),              /* Too short. */            \
    MAC_BAD("00:11:22:33:44:5"),            /* One digit short. */      \
    MAC_BAD("00:11:22:33:44:55:66"),        /* Too long. */             \
    MAC_BAD("001122334455"),                /* No colons. */            \
    MAC_BAD("00-11-22-33-44-55"),           /* Other separator. */      \
    MAC_BAD("00:11:22:33:44 55"),           /* A colon missing. */      \
    MAC_BAD("0011:22:33:44:55:"),           /* Colons misplaced. */     \
    MAC_BAD("00:11:22:33:44:5g"),           /* Not hex. */              \
    MAC_BAD("0x:11:22:33:44:55"),           /* Not hex. */              \
    MAC_BAD(" 0:11:22:33:44:55"),           /* Leading blank. */        \
    MAC_BAD("00:11:22:33:44:55x"),          /* Trailing garbage. */     \
    MAC_BAD("00:11:22:33:44:55 "),          /* Trailing blank. */       \
    MAC_BAD("00:11:22:33:44:55\n")          /* Trailing newline. */

static const struct mac_case mac_cases[] = {
    MAC_OK("00:11:22:33:44:55", 0x00, 0x11, 0x22, 0x33, 0x44, 0x55),
    MAC_OK("aa:bb:cc:dd:ee:ff", 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff),
    MAC_OK("AA:BB:CC:DD:EE:FF", 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff),
    MAC_OK("0a:Bc:dE:F0:9f:A1", 0x0a, 0xbc, 0xde, 0xf0, 0x9f, 0xa1),
    MAC_OK("01:00:5e:00:00:01", 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01),
    MAC_OK("00:00:00:00:00:00", 0, 0, 0, 0, 0, 0),
    MAC_BAD("unknown-dst"),
    MALFORMED_MACS,
};

static const struct mac_case ucast_cases[] = {
    MAC_OK("00:11:22:33:44:55", 0x00, 0x11, 0x22, 0x33, 0x44, 0x55),
    MAC_OK("02:ab:CD:ef:01:23", 0x02, 0xab, 0xcd, 0xef, 0x01, 0x23),
    MAC_OK("fe:ff:ff:ff:ff:ff", 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff),
    MAC_BAD("01:00:5e:00:00:01"),           /* Multicast. */
    MAC_BAD("33:33:00:00:00:01"),           /* IPv6 multicast. */
    MAC_BAD("ff:ff:ff:ff:ff:ff"),           /* Broadcast. */
    MAC_BAD("00:00:00:00:00:00"),           /* All zeros. */
    MAC_BAD("unknown-dst"),
    MALFORMED_MACS,
};

static const struct mac_case mcast_cases[] = {
    MAC_OK("unknown-dst", 0, 0, 0, 0, 0, 0),
    MAC_OK("01:00:5e:00:00:fb", 0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb),
    MAC_OK("01:00:5E:7F:FF:FA", 0x01, 0x00, 0x5e, 0x7f, 0xff, 0xfa),
    MAC_OK("ff:ff:ff:ff:ff:ff", 0xff, 0xff, 0xff, 0xff, 0xff, 0xff),
    MAC_BAD("00:11:22:33:44:55"),           /* Unicast. */
    MAC_BAD("00:00:00:00:00:00"),           /* Zero is not unknown-dst. */
    MAC_BAD("unknown-dst "),
    MAC_BAD("unknown"),
    MAC_BAD("UNKNOWN-DST"),
    MALFORMED_MACS,
};

static void
check_mac_case(const struct mac_case *c,
               int (*parse)(const char *, struct eth_addr *))
{
    struct eth_addr mac;
    memset(&mac, 0x5a, sizeof mac);
    int error = parse(c->s, &mac);
    ck_assert_msg(error == c->error, "\"%s\": expected %s, got %s",
                  c->s ? c->s : "(null)", ovs_strerror(c->error),
                  ovs_strerror(error));
    if (!c->error) {
        ck_assert_msg(!memcmp(mac.ea, c->ea, ETH_ADDR_LEN),
                      "\"%s\": parsed as "ETH_ADDR_FMT, c->s,
                      ETH_ADDR_ARGS(mac));
    }
}

START_TEST(test_parse_mac)
{
    check_mac_case(&mac_cases[_i], vtep_parse_mac);
}
END_TEST

START_TEST(test_parse_ucast_mac)
{
    check_mac_case(&ucast_cases[_i], vtep_parse_ucast_mac);
}
END_TEST

START_TEST(test_parse_mcast_mac)
{
    check_mac_case(&mcast_cases[_i], vtep_parse_mcast_mac);
}
END_TEST

START_TEST(test_unknown_dst_round_trip)
{
    char buf[ETH_ADDR_STRLEN + 1];
    struct eth_addr mac;

    ck_assert(vtep_mac_is_unknown_dst(eth_addr_zero));
    ck_assert(!vtep_mac_is_unknown_dst(eth_addr_broadcast));

    vtep_format_mcast_mac(eth_addr_zero, buf);
    ck_assert_str_eq(buf, "unknown-dst");
    ck_assert_int_eq(vtep_parse_mcast_mac(buf, &mac), 0);
    ck_assert(vtep_mac_is_unknown_dst(mac));

    const struct eth_addr m = ETH_ADDR_C(01, 00, 5e, 12, ab, cd);
    vtep_format_mcast_mac(m, buf);
    ck_assert_str_eq(buf, "01:00:5e:12:ab:cd");
    ck_assert_int_eq(vtep_parse_mcast_mac(buf, &mac), 0);
    ck_assert(eth_addr_equals(mac, m));
}
END_TEST

/* Logical_Switch:tunnel_key is an optional integer: 0 or 1 values. */
struct vni_case {
    int64_t key[2];
    size_t n_key;
    int error;
    uint32_t vni;
};

static const struct vni_case vni_cases[] = {
    { { 0 }, 0, 0, 0 },                     /* Empty column: not bound. */
    { { 0 }, 1, 0, 0 },                     /* 0: not bound. */
    { { 1 }, 1, 0, 1 },
    { { 5000 }, 1, 0, 5000 },
    { { 16777215 }, 1, 0, 16777215 },
    { { 16777216 }, 1, ERANGE, 0 },
    { { -1 }, 1, ERANGE, 0 },
    { { INT64_MAX }, 1, ERANGE, 0 },
    { { INT64_MIN }, 1, ERANGE, 0 },
    { { 4294967296 + 5 }, 1, ERANGE, 0 },   /* Would truncate to 5. */
    { { 1, 2 }, 2, EINVAL, 0 },
};

START_TEST(test_parse_vni)
{
    const struct vni_case *c = &vni_cases[_i];
    uint32_t vni = 0xdeadbeef;
    int error = vtep_parse_vni(c->key, c->n_key, &vni);
    ck_assert_msg(error == c->error, "key %"PRId64" (n %"PRIuSIZE"): "
                  "expected %s, got %s", c->key[0], c->n_key,
                  ovs_strerror(c->error), ovs_strerror(error));
    if (!c->error) {
        ck_assert_uint_eq(vni, c->vni);
    }
}
END_TEST

START_TEST(test_parse_vni_null_key)
{
    uint32_t vni = 7;
    ck_assert_int_eq(vtep_parse_vni(NULL, 0, &vni), 0);
    ck_assert_uint_eq(vni, 0);
    ck_assert_int_eq(vtep_parse_vni(NULL, 1, &vni), EINVAL);
}
END_TEST

struct vlan_case {
    int64_t v;
    int error;
};

static const struct vlan_case vlan_cases[] = {
    { 0, 0 },                               /* Untagged. */
    { 1, 0 },
    { 100, 0 },
    { 4094, 0 },
    { 4095, ERANGE },                       /* Reserved by 802.1Q. */
    { 4096, ERANGE },
    { -1, ERANGE },
    { 65536, ERANGE },                      /* Would truncate to 0. */
    { 65536 + 10, ERANGE },                 /* Would truncate to 10. */
    { INT64_MAX, ERANGE },
    { INT64_MIN, ERANGE },
};

START_TEST(test_parse_vlan)
{
    const struct vlan_case *c = &vlan_cases[_i];
    uint16_t vlan = 0xffff;
    int error = vtep_parse_vlan(c->v, &vlan);
    ck_assert_msg(error == c->error, "vlan %"PRId64": expected %s, got %s",
                  c->v, ovs_strerror(c->error), ovs_strerror(error));
    if (!c->error) {
        ck_assert_int_eq(vlan, c->v);
    }
}
END_TEST

struct repl_case {
    const char *s;
    int error;
    enum vtep_repl_mode mode;
};

static const struct repl_case repl_cases[] = {
    { NULL, 0, VTEP_REPL_SERVICE_NODE },
    { "", 0, VTEP_REPL_SERVICE_NODE },
    { "service_node", 0, VTEP_REPL_SERVICE_NODE },
    { "source_node", 0, VTEP_REPL_SOURCE_NODE },
    { "foo", EINVAL, 0 },
    { "Source_Node", EINVAL, 0 },
    { "source_node ", EINVAL, 0 },
    { "source", EINVAL, 0 },
};

START_TEST(test_parse_repl_mode)
{
    const struct repl_case *c = &repl_cases[_i];
    enum vtep_repl_mode mode = 12345;
    int error = vtep_parse_repl_mode(c->s, &mode);
    ck_assert_msg(error == c->error, "\"%s\": expected %s, got %s",
                  c->s ? c->s : "(null)", ovs_strerror(c->error),
                  ovs_strerror(error));
    if (!c->error) {
        ck_assert_int_eq(mode, c->mode);
    }
}
END_TEST

START_TEST(test_repl_mode_round_trip)
{
    static const enum vtep_repl_mode modes[] = {
        VTEP_REPL_SERVICE_NODE, VTEP_REPL_SOURCE_NODE,
    };
    ck_assert_str_eq(vtep_repl_mode_to_string(VTEP_REPL_SERVICE_NODE),
                     "service_node");
    ck_assert_str_eq(vtep_repl_mode_to_string(VTEP_REPL_SOURCE_NODE),
                     "source_node");
    for (size_t i = 0; i < ARRAY_SIZE(modes); i++) {
        enum vtep_repl_mode mode;
        ck_assert_int_eq(vtep_parse_repl_mode(
                             vtep_repl_mode_to_string(modes[i]), &mode), 0);
        ck_assert_int_eq(mode, modes[i]);
    }
}
END_TEST

/* A tunnel endpoint: 'host' is the address in host byte order. */
struct ip_case {
    const char *s;
    int error;
    uint32_t host;
};

static const struct ip_case ip_cases[] = {
    { "192.0.2.1", 0, 0xc0000201 },
    { "10.1.2.3", 0, 0x0a010203 },
    { "198.51.100.254", 0, 0xc63364fe },
    { "223.255.255.254", 0, 0xdffffffe },   /* Last below multicast. */
    { "", EINVAL, 0 },
    { NULL, EINVAL, 0 },
    { "300.1.1.1", EINVAL, 0 },
    { "1.2.3", EINVAL, 0 },
    { "1.2.3.4 ", EINVAL, 0 },
    { " 1.2.3.4", EINVAL, 0 },
    { "1.2.3.4.5", EINVAL, 0 },
    { "192.0.2.1/24", EINVAL, 0 },
    { "host.example", EINVAL, 0 },
    { "::1", EINVAL, 0 },
    { "2001:db8::1", EINVAL, 0 },
    { "0.0.0.0", EADDRNOTAVAIL, 0 },
    { "127.0.0.1", EADDRNOTAVAIL, 0 },
    { "127.255.255.254", EADDRNOTAVAIL, 0 },
    { "224.0.0.1", EADDRNOTAVAIL, 0 },
    { "239.255.255.255", EADDRNOTAVAIL, 0 },
    { "240.0.0.1", EADDRNOTAVAIL, 0 },      /* Class E. */
    { "255.255.255.255", EADDRNOTAVAIL, 0 },
};

static void
check_ip_case(const struct ip_case *c, const char *what, int error,
              ovs_be32 ip)
{
    ck_assert_msg(error == c->error, "%s \"%s\": expected %s, got %s",
                  what, c->s ? c->s : "(null)", ovs_strerror(c->error),
                  ovs_strerror(error));
    if (!c->error) {
        ck_assert_msg(ip == htonl(c->host), "%s \"%s\": parsed as "IP_FMT,
                      what, c->s, IP_ARGS(ip));
    }
}

START_TEST(test_parse_ipv4)
{
    const struct ip_case *c = &ip_cases[_i];
    ovs_be32 ip = htonl(0x01010101);
    int error = vtep_parse_ipv4(c->s, &ip);
    check_ip_case(c, "ipv4", error, ip);
}
END_TEST

START_TEST(test_parse_locator)
{
    const struct ip_case *c = &ip_cases[_i];
    ovs_be32 ip = htonl(0x01010101);
    int error = vtep_parse_locator("vxlan_over_ipv4", c->s, &ip);
    check_ip_case(c, "locator", error, ip);
}
END_TEST

START_TEST(test_parse_default_flood)
{
    enum vtep_default_flood mode;
    ovs_be32 *nodes;
    size_t n;

    ck_assert_int_eq(vtep_parse_default_flood("none", &mode, &nodes, &n), 0);
    ck_assert_int_eq(mode, VTEP_DEFAULT_FLOOD_NONE);
    ck_assert_ptr_null(nodes);
    ck_assert_int_eq(vtep_parse_default_flood("locators", &mode, &nodes,
                                              &n), 0);
    ck_assert_int_eq(mode, VTEP_DEFAULT_FLOOD_LOCATORS);
    ck_assert_int_eq(vtep_parse_default_flood("10.0.0.2,10.0.0.1", &mode,
                                              &nodes, &n), 0);
    ck_assert_int_eq(mode, VTEP_DEFAULT_FLOOD_NODES);
    ck_assert_uint_eq(n, 2);
    ck_assert_uint_eq(nodes[0], htonl(0x0a000002));
    ck_assert_uint_eq(nodes[1], htonl(0x0a000001));
    free(nodes);

    static const char *const bad[] = {
        NULL, "", "all", "Locators", ",", "10.0.0.1,", ",10.0.0.1",
        "10.0.0.1,,10.0.0.2", "127.0.0.1", "10.0.0.1 10.0.0.2",
        "10.0.0.256", "224.0.0.1",
        "1.1.1.1111111111111111111",
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        mode = VTEP_DEFAULT_FLOOD_LOCATORS;
        ck_assert_msg(vtep_parse_default_flood(bad[i], &mode, &nodes, &n)
                      == EINVAL, "accepted \"%s\"", bad[i] ? bad[i] : "");
        ck_assert_ptr_null(nodes);
    }

    /* At most 64 nodes. */
    struct ds s = DS_EMPTY_INITIALIZER;
    for (int i = 1; i <= 65; i++) {
        ds_put_format(&s, "%s10.0.1.%d", i > 1 ? "," : "", i);
    }
    ck_assert_int_eq(vtep_parse_default_flood(ds_cstr(&s), &mode, &nodes,
                                              &n), EINVAL);
    ds_truncate(&s, strrchr(ds_cstr(&s), ',') - ds_cstr(&s));
    ck_assert_int_eq(vtep_parse_default_flood(ds_cstr(&s), &mode, &nodes,
                                              &n), 0);
    ck_assert_uint_eq(n, 64);
    free(nodes);
    ds_destroy(&s);
}
END_TEST

static const char *const bad_encaps[] = {
    "vxlan_over_ipv6", "", "VXLAN_OVER_IPV4", "vxlan_over_ipv4 ", "vxlan",
    "gre", NULL,
};

START_TEST(test_parse_locator_encap)
{
    const char *encap = bad_encaps[_i];
    ovs_be32 ip = 0;
    int error = vtep_parse_locator(encap, "192.0.2.1", &ip);
    ck_assert_msg(error == EPROTONOSUPPORT, "encap \"%s\": expected %s, "
                  "got %s", encap ? encap : "(null)",
                  ovs_strerror(EPROTONOSUPPORT), ovs_strerror(error));
}
END_TEST

static Suite *
types_suite(void)
{
    Suite *s = suite_create("vtep-types");

    TCase *tc = tcase_create("mac");
    tcase_add_loop_test(tc, test_parse_mac, 0, ARRAY_SIZE(mac_cases));
    tcase_add_loop_test(tc, test_parse_ucast_mac, 0,
                        ARRAY_SIZE(ucast_cases));
    tcase_add_loop_test(tc, test_parse_mcast_mac, 0,
                        ARRAY_SIZE(mcast_cases));
    tcase_add_test(tc, test_unknown_dst_round_trip);
    suite_add_tcase(s, tc);

    tc = tcase_create("numbers");
    tcase_add_loop_test(tc, test_parse_vni, 0, ARRAY_SIZE(vni_cases));
    tcase_add_test(tc, test_parse_vni_null_key);
    tcase_add_loop_test(tc, test_parse_vlan, 0, ARRAY_SIZE(vlan_cases));
    suite_add_tcase(s, tc);

    tc = tcase_create("repl-mode");
    tcase_add_loop_test(tc, test_parse_repl_mode, 0,
                        ARRAY_SIZE(repl_cases));
    tcase_add_test(tc, test_repl_mode_round_trip);
    suite_add_tcase(s, tc);

    tc = tcase_create("locator");
    tcase_add_loop_test(tc, test_parse_ipv4, 0, ARRAY_SIZE(ip_cases));
    tcase_add_loop_test(tc, test_parse_locator, 0, ARRAY_SIZE(ip_cases));
    tcase_add_loop_test(tc, test_parse_locator_encap, 0,
                        ARRAY_SIZE(bad_encaps));
    tcase_add_test(tc, test_parse_default_flood);
    suite_add_tcase(s, tc);

    return s;
}

int
main(int argc OVS_UNUSED, char *argv[])
{
    return unit_main(argv[0], types_suite);
}

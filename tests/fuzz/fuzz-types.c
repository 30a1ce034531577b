/*
 * fuzz-types.c: fuzz target for the parsers of lib/vtep-types.c, which
 * turn the untrusted strings and numbers of hardware_vtep rows and of
 * vtepd's options into plain values (MAC, unicast and multicast MAC, IPv4,
 * locator, VNI, VLAN, replication mode, --default-flood lists), and for
 * the desired state (lib/vtep-state.c) that feeds whole rows through them.
 *
 * An input is one selector byte, then the text or the numbers for that
 * parser.  Every parser's answer is checked against the others and against
 * what it promises (an accepted value formats back to what was parsed, an
 * accepted IPv4 address is a unicast one, an accepted VLAN is not 4095, a
 * --default-flood list has 1 to 64 valid addresses...); a broken invariant
 * abort()s.  Selector 9 splits the text at '|' into the fields of a
 * logical switch, a remote unicast MAC, a remote multicast MAC with its
 * locators and a port binding, feeds them to a vtep_state, checks its
 * lookups (flood lists sorted, unique, never our own tunnel IP) and
 * destroys it (AddressSanitizer then reports any leak).
 *
 * As a test (make check), built without FUZZING_ENGINE and linked with
 * fuzz-driver.c (see fuzz-driver.h for its options), it runs known answers
 * first (see known_answers(): the parser defects of issue 9 and the
 * findings of this target, each kept as a regression test), then the
 * target over each file named on the command line or, without file
 * arguments, over 200000 pseudo-random inputs from a fixed seed: valid
 * values for every selector and mutations of them.
 *
 * Under libFuzzer, with AddressSanitizer and UndefinedBehaviorSanitizer:
 * "make fuzz" (see tests/fuzz/automake.mk) builds every fuzz target that
 * way and runs each for FUZZ_SECONDS.  By hand, from the top of the source
 * tree once a build in _build exists:
 *
 *   OVS=deps/ovs-src B=_build
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined \
 *       -fno-sanitize-recover=all -DFUZZING_ENGINE \
 *       -I$B -I. -I$OVS -I$OVS/include -I$OVS/lib \
 *       tests/fuzz/fuzz-types.c lib/vtep-types.c lib/vtep-state.c \
 *       lib/vtep-fault.c $OVS/lib/.libs/libopenvswitch.a -lssl -lcrypto \
 *       -lcap-ng -latomic -lpthread -lrt -lm -o fuzz-types
 *   mkdir -p types-corpus && $B/tests/fuzz/fuzz-types -n 500 -w types-corpus
 *   ./fuzz-types -max_total_time=300 types-corpus
 *
 * (./fuzz-types CRASHFILE replays a crash, and so does the test binary.)
 */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/vtep-fault.h"
#include "lib/vtep-state.h"
#include "lib/vtep-types.h"
#include "openvswitch/dynamic-string.h"
#include "tests/fuzz/fuzz-driver.h"
#include "util.h"

/* Longer inputs are cut: no parser looks further. */
#define FUZZ_MAX_INPUT 2048

enum selector {
    SEL_MAC,
    SEL_UCAST_MAC,
    SEL_MCAST_MAC,
    SEL_IPV4,
    SEL_LOCATOR,
    SEL_DEFAULT_FLOOD,
    SEL_REPL_MODE,
    SEL_VNI,
    SEL_VLAN,
    SEL_STATE,
    N_SELECTORS
};

/* Results per selector, accepted and refused, to show how deep the inputs
 * reach. */
static unsigned long long n_ok[N_SELECTORS], n_bad[N_SELECTORS];

static void
count(enum selector sel, int error)
{
    if (error) {
        n_bad[sel]++;
    } else {
        n_ok[sel]++;
    }
}

static bool
is_lower_hex_mac(const char *s, struct eth_addr mac)
{
    char buf[ETH_ADDR_STRLEN + 1];
    snprintf(buf, sizeof buf, ETH_ADDR_FMT, ETH_ADDR_ARGS(mac));
    if (strlen(s) != strlen(buf)) {
        return false;
    }
    for (size_t i = 0; s[i]; i++) {
        char c = s[i] >= 'A' && s[i] <= 'F' ? s[i] - 'A' + 'a' : s[i];
        if (c != buf[i]) {
            return false;
        }
    }
    return true;
}

static void
fuzz_mac(const char *s)
{
    struct eth_addr mac, again;
    int error = vtep_parse_mac(s, &mac);
    count(SEL_MAC, error);
    if (!error) {
        CHECK(is_lower_hex_mac(s, mac));
        char buf[ETH_ADDR_STRLEN + 1];
        snprintf(buf, sizeof buf, ETH_ADDR_FMT, ETH_ADDR_ARGS(mac));
        CHECK(!vtep_parse_mac(buf, &again) && eth_addr_equals(mac, again));
    } else {
        CHECK(error == EINVAL);
    }
}

static void
fuzz_ucast_mac(const char *s)
{
    struct eth_addr mac, any;
    int error = vtep_parse_ucast_mac(s, &mac);
    count(SEL_UCAST_MAC, error);
    if (!error) {
        CHECK(!vtep_parse_mac(s, &any) && eth_addr_equals(mac, any));
        CHECK(!eth_addr_is_multicast(mac) && !eth_addr_is_zero(mac));
    } else {
        CHECK(error == EINVAL);
        CHECK(vtep_parse_mac(s, &any) || eth_addr_is_multicast(any)
              || eth_addr_is_zero(any));
    }
}

static void
fuzz_mcast_mac(const char *s)
{
    struct eth_addr mac, again;
    int error = vtep_parse_mcast_mac(s, &mac);
    count(SEL_MCAST_MAC, error);
    if (!error) {
        if (!strcmp(s, VTEP_UNKNOWN_DST)) {
            CHECK(vtep_mac_is_unknown_dst(mac));
        } else {
            CHECK(eth_addr_is_multicast(mac));
            CHECK(is_lower_hex_mac(s, mac));
        }
        char buf[ETH_ADDR_STRLEN + 1];
        vtep_format_mcast_mac(mac, buf);
        CHECK(!vtep_parse_mcast_mac(buf, &again)
              && eth_addr_equals(mac, again));
    } else {
        CHECK(error == EINVAL);
        CHECK(strcmp(s, VTEP_UNKNOWN_DST));
    }
}

/* The invariants of an address that vtep_parse_ipv4() accepted from 's'
 * as 'ip'. */
static void
check_ipv4(const char *s, ovs_be32 ip)
{
    uint32_t h = ntohl(ip);
    CHECK(h && h >> 24 != 127 && h >> 28 < 0xe);
    char buf[INET_ADDRSTRLEN];
    CHECK(inet_ntop(AF_INET, &ip, buf, sizeof buf));
    CHECK(!strcmp(buf, s));
    ovs_be32 again;
    CHECK(!vtep_parse_ipv4(buf, &again) && again == ip);
}

static void
fuzz_ipv4(const char *s)
{
    ovs_be32 ip;
    int error = vtep_parse_ipv4(s, &ip);
    count(SEL_IPV4, error);
    if (!error) {
        check_ipv4(s, ip);
    } else {
        CHECK(error == EINVAL || error == EADDRNOTAVAIL);
    }
}

/* "ENCAP|DST_IP". */
static void
fuzz_locator(char *s)
{
    char *bar = strchr(s, '|');
    const char *encap = s, *dst_ip = bar ? bar + 1 : NULL;
    if (bar) {
        *bar = '\0';
    }
    ovs_be32 ip;
    int error = vtep_parse_locator(encap, dst_ip, &ip);
    count(SEL_LOCATOR, error);
    if (!error) {
        CHECK(!strcmp(encap, VTEP_ENCAP_VXLAN_IPV4));
        check_ipv4(dst_ip, ip);
    } else if (strcmp(encap, VTEP_ENCAP_VXLAN_IPV4)) {
        CHECK(error == EPROTONOSUPPORT);
    } else {
        CHECK(error == EINVAL || error == EADDRNOTAVAIL);
    }
}

static void
fuzz_default_flood(const char *s)
{
    enum vtep_default_flood mode = 12345;
    ovs_be32 *nodes = (ovs_be32 *) &mode;
    size_t n = 99;
    int error = vtep_parse_default_flood(s, &mode, &nodes, &n);
    count(SEL_DEFAULT_FLOOD, error);
    if (error) {
        CHECK(error == EINVAL);
        CHECK(!nodes && !n);
        return;
    }
    switch (mode) {
    case VTEP_DEFAULT_FLOOD_NONE:
        CHECK(!strcmp(s, "none") && !nodes && !n);
        break;
    case VTEP_DEFAULT_FLOOD_LOCATORS:
        CHECK(!strcmp(s, "locators") && !nodes && !n);
        break;
    case VTEP_DEFAULT_FLOOD_NODES: {
        CHECK(nodes && n >= 1 && n <= 64);
        /* The list formats back to the input, address by address. */
        struct ds out = DS_EMPTY_INITIALIZER;
        for (size_t i = 0; i < n; i++) {
            uint32_t h = ntohl(nodes[i]);
            CHECK(h && h >> 24 != 127 && h >> 28 < 0xe);
            ds_put_format(&out, "%s"IP_FMT, i ? "," : "",
                          IP_ARGS(nodes[i]));
        }
        CHECK(!strcmp(ds_cstr(&out), s));
        ds_destroy(&out);
        break;
    }
    default:
        CHECK(false);
    }
    free(nodes);
}

static void
fuzz_repl_mode(const char *s)
{
    enum vtep_repl_mode mode;
    int error = vtep_parse_repl_mode(s, &mode);
    count(SEL_REPL_MODE, error);
    if (!error) {
        const char *name = vtep_repl_mode_to_string(mode);
        CHECK(!*s ? mode == VTEP_REPL_SERVICE_NODE : !strcmp(name, s));
    } else {
        CHECK(error == EINVAL);
    }
}

/* Up to three int64 keys, from the bytes after the selector. */
static void
fuzz_vni(const uint8_t *data, size_t size)
{
    int64_t key[3];
    size_t n_key = MIN(size / 8, ARRAY_SIZE(key));
    memcpy(key, data, n_key * 8);
    uint32_t vni = 0xdeadbeef;
    int error = vtep_parse_vni(key, n_key, &vni);
    count(SEL_VNI, error);
    if (!error) {
        CHECK(n_key <= 1);
        CHECK(vni <= VTEP_VNI_MAX);
        CHECK(n_key ? vni == key[0] : vni == 0);
    } else {
        CHECK(vni == 0);
        CHECK(n_key > 1 ? error == EINVAL
              : error == ERANGE && (key[0] < 0 || key[0] > VTEP_VNI_MAX));
    }
}

static void
fuzz_vlan(const uint8_t *data, size_t size)
{
    int64_t v = 0;
    memcpy(&v, data, MIN(size, sizeof v));
    uint16_t vlan = 0xffff;
    int error = vtep_parse_vlan(v, &vlan);
    count(SEL_VLAN, error);
    if (!error) {
        CHECK(v >= 0 && v < VTEP_VLAN_RESERVED && vlan == v);
    } else {
        CHECK(error == ERANGE);
        CHECK(v < 0 || v >= VTEP_VLAN_RESERVED);
    }
}

/* The flood list of (vni, mac) is sorted, unique and without our own
 * tunnel IP 'local'. */
static void
check_flood(const struct vtep_state *st, uint32_t vni, struct eth_addr mac,
            ovs_be32 local)
{
    ovs_be32 *ips;
    size_t n = vtep_state_flood_lookup(st, vni, mac, &ips);
    CHECK(n ? ips != NULL : ips == NULL);
    for (size_t i = 0; i < n; i++) {
        CHECK(ips[i] != local);
        CHECK(!i || ntohl(ips[i - 1]) < ntohl(ips[i]));
    }
    free(ips);
}

/* "NAME|KEY|MODE|UMAC|ENCAP|IP|MMAC|IP IP ...|VLAN", any field missing
 * or empty.  Two rounds: the rows as given, then again with the logical
 * switch renamed and the binding gone, then everything deleted. */
static void
fuzz_state(char *s)
{
    char *fields[9] = { NULL };
    size_t n = 0;
    for (char *p = s; n < ARRAY_SIZE(fields); n++) {
        fields[n] = p;
        char *bar = strchr(p, '|');
        if (!bar) {
            n++;
            break;
        }
        *bar = '\0';
        p = bar + 1;
    }
#define FIELD(I) (fields[I] ? fields[I] : "")

    struct vtep_faults faults;
    struct vtep_state st;
    const ovs_be32 local = htonl(0xc0000201);      /* 192.0.2.1 */
    vtep_faults_init(&faults);
    vtep_state_init(&st, &faults);
    vtep_state_set_local_ip(&st, local);

    struct uuid ls_uuid = { .parts = { 1, 2, 3, 4 } };
    struct uuid urow = { .parts = { 5, 6, 7, 8 } };
    struct uuid mrow = { .parts = { 9, 10, 11, 12 } };
    int64_t key = strtoll(FIELD(1), NULL, 0);
    vtep_state_ls_set(&st, &ls_uuid, FIELD(0), &key, fields[1] ? 1 : 0,
                      FIELD(2));

    const struct vtep_locator_spec uloc = { FIELD(4), FIELD(5) };
    vtep_state_ucast_set(&st, &urow, &ls_uuid, FIELD(3),
                         fields[4] ? &uloc : NULL);

    struct vtep_locator_spec mlocs[16];
    size_t n_mlocs = 0;
    char *save_ptr = NULL;
    char *ips = xstrdup(FIELD(7));
    for (char *ip = strtok_r(ips, " ", &save_ptr);
         ip && n_mlocs < ARRAY_SIZE(mlocs);
         ip = strtok_r(NULL, " ", &save_ptr)) {
        mlocs[n_mlocs++] = (struct vtep_locator_spec) {
            VTEP_ENCAP_VXLAN_IPV4, ip
        };
    }
    vtep_state_mcast_set(&st, &mrow, &ls_uuid, FIELD(6), mlocs, n_mlocs);

    int64_t vlan = strtoll(FIELD(8), NULL, 0);
    vtep_state_port_set(&st, "p0", &vlan, &ls_uuid, fields[8] ? 1 : 0);

    uint32_t vni = 0;
    vtep_parse_vni(&key, 1, &vni);
    const struct vtep_state_ls *ls = vtep_state_find_ls(&st, &ls_uuid);
    CHECK(ls && ls->has_row);
    count(SEL_STATE, !ls->active);
    CHECK(!ls->active || (ls->vni == vni && ls->vni
                          && vtep_state_find_active(&st, vni) == ls));
    uint16_t v16;
    if (ls->active && !vtep_parse_vlan(vlan, &v16)) {
        CHECK(vtep_state_binding_vni(&st, "p0", v16) == vni);
    }
    struct eth_addr mac;
    if (!vtep_parse_mcast_mac(FIELD(6), &mac)) {
        check_flood(&st, vni, mac, local);
    }
    check_flood(&st, vni, eth_addr_zero, local);
    ovs_be32 remote;
    if (!vtep_parse_ucast_mac(FIELD(3), &mac)
        && vtep_state_ucast_lookup(&st, vni, mac, &remote)) {
        CHECK(ls->active && remote != local);
    }
    struct ds out = DS_EMPTY_INITIALIZER;
    vtep_state_format(&st, &out);
    vtep_faults_format(&faults, &out);
    ds_destroy(&out);

    /* A rename and an unbinding, then a resync that finds nothing. */
    vtep_state_ls_set(&st, &ls_uuid, FIELD(3), &key, 1, FIELD(2));
    vtep_state_port_set(&st, "p0", NULL, NULL, 0);
    vtep_state_sweep_begin(&st);
    vtep_state_sweep_end(&st);
    CHECK(!vtep_state_find_ls(&st, &ls_uuid));
    CHECK(vtep_faults_count(&faults) == 0);

    free(ips);
    vtep_state_destroy(&st);
    vtep_faults_destroy(&faults);
#undef FIELD
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!size) {
        return 0;
    }
    size = MIN(size, FUZZ_MAX_INPUT);
    enum selector sel = data[0] % N_SELECTORS;
    data++;
    size--;

    /* Strings from rows and options are NUL-terminated C strings: the
     * text ends at the first NUL. */
    char *s = xmemdup0((const char *) data, size);
    switch (sel) {
    case SEL_MAC:
        fuzz_mac(s);
        break;
    case SEL_UCAST_MAC:
        fuzz_ucast_mac(s);
        break;
    case SEL_MCAST_MAC:
        fuzz_mcast_mac(s);
        break;
    case SEL_IPV4:
        fuzz_ipv4(s);
        break;
    case SEL_LOCATOR:
        fuzz_locator(s);
        break;
    case SEL_DEFAULT_FLOOD:
        fuzz_default_flood(s);
        break;
    case SEL_REPL_MODE:
        fuzz_repl_mode(s);
        break;
    case SEL_VNI:
        fuzz_vni(data, size);
        break;
    case SEL_VLAN:
        fuzz_vlan(data, size);
        break;
    case SEL_STATE:
        fuzz_state(s);
        break;
    case N_SELECTORS:
    default:
        OVS_NOT_REACHED();
    }
    free(s);
    return 0;
}

#ifndef FUZZING_ENGINE
/* Valid (or nearly valid) text for each selector. */
static const char *const examples[N_SELECTORS][8] = {
    [SEL_MAC] = { "00:11:22:aa:bb:cc", "FF:FF:FF:FF:FF:FF",
                  "01:00:5e:00:00:fb", "0:1:2:3:4:5" },
    [SEL_UCAST_MAC] = { "00:00:5e:00:53:01", "00:00:00:00:00:00",
                        "01:00:5e:00:00:01", "02:aB:cD:eF:00:01" },
    [SEL_MCAST_MAC] = { "unknown-dst", "ff:ff:ff:ff:ff:ff",
                        "33:33:00:00:00:01", "unknown-dst " },
    [SEL_IPV4] = { "10.0.0.1", "192.0.2.255", "0.0.0.0", "127.0.0.1",
                   "224.0.0.5", "255.255.255.255", "1.2.3", "010.0.0.1" },
    [SEL_LOCATOR] = { "vxlan_over_ipv4|10.0.0.2", "vxlan_over_ipv6|10.0.0.2",
                      "vxlan_over_ipv4|300.1.1.1", "vxlan_over_ipv4" },
    [SEL_DEFAULT_FLOOD] = { "none", "locators", "10.0.0.1",
                            "10.0.0.1,10.0.0.2,192.0.2.9", "10.0.0.1,",
                            ",", "10.0.0.1,,10.0.0.2", "127.0.0.1" },
    [SEL_REPL_MODE] = { "", "service_node", "source_node", "Source_Node" },
    [SEL_STATE] = { "ls0|100||00:00:5e:00:53:01|vxlan_over_ipv4|10.0.0.2|"
                    "unknown-dst|10.0.0.3 192.0.2.1 10.0.0.3|10",
                    "ls0|100|source_node|00:00:5e:00:53:01|vxlan_over_ipv4|"
                    "192.0.2.1|01:00:5e:00:00:fb|10.0.0.9 10.0.0.1|0",
                    "ls0|16777216||zz|x|y|z|w|4095",
                    "ls0|0||00:00:5e:00:53:01", "|||||||||" },
};

static size_t
make_valid(uint8_t *p, enum selector sel)
{
    p[0] = sel + N_SELECTORS * (fuzz_rng() % 4);
    if (sel == SEL_VNI || sel == SEL_VLAN) {
        static const int64_t values[] = {
            0, 1, 100, 4094, 4095, 4096, 16777215, 16777216, -1,
            INT64_MAX, INT64_MIN, 4294967296LL + 5, 65536 + 10,
        };
        size_t n = 1 + fuzz_rng() % 3;
        for (size_t i = 0; i < n; i++) {
            int64_t v = values[fuzz_rng() % ARRAY_SIZE(values)];
            memcpy(p + 1 + 8 * i, &v, 8);
        }
        return 1 + 8 * (sel == SEL_VLAN ? 1 : fuzz_rng() % 4);
    }
    const char *const *list = examples[sel];
    size_t n_list = 0;
    while (n_list < 8 && list[n_list]) {
        n_list++;
    }
    const char *text = list[fuzz_rng() % n_list];
    size_t len = strlen(text);
    memcpy(p + 1, text, len);
    return 1 + len;
}

/* Mutates the 'len' bytes at 'p' (not the selector), in a buffer of
 * FUZZ_MAX_INPUT; returns the new length. */
static size_t
mutate(uint8_t *p, size_t len)
{
    static const char alphabet[] = "0123456789abcdefABCDEF:.,| -xn";
    int n = 1 + fuzz_rng() % 4;
    for (int k = 0; k < n && len > 1; k++) {
        size_t pos = 1 + fuzz_rng() % (len - 1);
        switch (fuzz_rng() % 5) {
        case 0:
            p[pos] ^= 1 << (fuzz_rng() % 8);
            break;
        case 1:
            p[pos] = alphabet[fuzz_rng() % (sizeof alphabet - 1)];
            break;
        case 2:
            len = pos;
            break;
        case 3:
            if (len < FUZZ_MAX_INPUT - 1) {
                memmove(p + pos + 1, p + pos, len - pos);
                p[pos] = alphabet[fuzz_rng() % (sizeof alphabet - 1)];
                len++;
            }
            break;
        default:
            memmove(p + pos, p + pos + 1, len - pos - 1);
            len--;
            break;
        }
    }
    return len;
}

/* Inputs with the answer they must get: parser defects found so far
 * (issue 9) and anything this target finds, each kept as a regression
 * test.  (Runs of 5 minutes and more under libFuzzer found nothing yet.) */
static void
known_answers(void)
{
    /* VLAN 4095 (issue 9, defect 10): reserved, refused. */
    uint16_t vlan;
    CHECK(vtep_parse_vlan(4095, &vlan) == ERANGE);
    CHECK(!vtep_parse_vlan(4094, &vlan) && vlan == 4094);

    /* A --default-flood entry longer than any address is refused, not cut
     * to a shorter one; an empty list is no list. */
    enum vtep_default_flood mode;
    ovs_be32 *nodes;
    size_t n;
    CHECK(vtep_parse_default_flood("10.0.0.1xxxxxxxxxxxxxxx", &mode, &nodes,
                                   &n) == EINVAL);
    CHECK(vtep_parse_default_flood("", &mode, &nodes, &n) == EINVAL);
    CHECK(!nodes && !n);
}

/* Input 'i': every 16th random bytes, the others a valid value for the
 * selectors in turn, three in four of them mutated. */
static size_t
generate(uint8_t *buf, unsigned long i)
{
    size_t len;

    if (i % 16 == 0) {
        len = fuzz_rng() % 64;
        fuzz_rng_fill(buf, len);
    } else {
        len = make_valid(buf, i % N_SELECTORS);
        if (i % 4) {
            len = mutate(buf, len);
        }
    }
    return len;
}

static void
print_results(void)
{
    static const char *const names[N_SELECTORS] = {
        "mac", "ucast-mac", "mcast-mac", "ipv4", "locator",
        "default-flood", "repl-mode", "vni", "vlan", "state",
    };
    printf("accepted/refused:");
    for (int i = 0; i < N_SELECTORS; i++) {
        printf(" %s %llu/%llu", names[i], n_ok[i], n_bad[i]);
    }
    printf("\n");
}

int
main(int argc, char *argv[])
{
    static const struct fuzz_driver driver = {
        .n_inputs = 200000,
        .seed = 0x5eed,
        .max_input = FUZZ_MAX_INPUT,
        .generate = generate,
        .known_answers = known_answers,
        .report = print_results,
    };
    set_program_name(argv[0]);
    return fuzz_driver_main(&driver, argc, argv);
}
#endif /* !FUZZING_ENGINE */

/*
 * unit-main.c: the runner that every unit test binary shares (see unit.h).
 *
 * It runs every TCase in fork mode (unless the CK_FORK environment
 * variable says otherwise, as when running under a debugger) and prints
 * Check's summary.
 *
 * It also holds the helpers of unit.h that more than one suite uses.
 */
#include <config.h>
#include "unit.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/vtep-fault.h"
#include "lib/vtep-state.h"
#include "lib/vtep-types.h"
#include "openvswitch/dynamic-string.h"
#include "sset.h"
#include "util.h"

struct uuid
unit_uuid(uint32_t n)
{
    struct uuid uuid = { .parts = { 0x7e570000, n, 0x5eed, ~n } };
    return uuid;
}

ovs_be32
unit_ip(const char *s)
{
    struct in_addr in;
    ovs_assert(inet_pton(AF_INET, s, &in) == 1);
    return in.s_addr;
}

/* Destroys 'keys' and returns its members sorted and joined by commas, in
 * a buffer valid until the next call. */
static const char *
join_keys(struct sset *keys)
{
    static struct ds s = DS_EMPTY_INITIALIZER;
    const char **sorted = sset_sort(keys);
    ds_clear(&s);
    for (size_t i = 0; i < sset_count(keys); i++) {
        ds_put_format(&s, "%s%s", i ? "," : "", sorted[i]);
    }
    free(sorted);
    sset_destroy(keys);
    return ds_cstr(&s);
}

const char *
unit_switch_keys(const struct vtep_faults *faults)
{
    struct sset keys = SSET_INITIALIZER(&keys);
    vtep_faults_switch_keys(faults, &keys);
    return join_keys(&keys);
}

const char *
unit_port_keys(const struct vtep_faults *faults, const char *port)
{
    struct sset keys = SSET_INITIALIZER(&keys);
    vtep_faults_port_keys(faults, port, &keys);
    return join_keys(&keys);
}

struct eth_addr
unit_mac(const char *s)
{
    struct eth_addr mac;
    ovs_assert(!vtep_parse_mac(s, &mac) || !vtep_parse_mcast_mac(s, &mac));
    return mac;
}

const char *
unit_mac_n(uint32_t n)
{
    static char buf[ETH_ADDR_STRLEN + 1];
    snprintf(buf, sizeof buf, "02:00:00:%02x:%02x:%02x",
             (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);
    return buf;
}

void
unit_ls_set(struct vtep_state *st, uint32_t ls, const char *name,
            int64_t key)
{
    vtep_state_ls_set(st, UNIT_UUID(ls), name, &key, 1, NULL);
}

void
unit_ls_set_nokey(struct vtep_state *st, uint32_t ls, const char *name)
{
    vtep_state_ls_set(st, UNIT_UUID(ls), name, NULL, 0, NULL);
}

/* Makes 'port' have exactly one binding: 'vlan' to switch 'ls'. */
void
unit_bind(struct vtep_state *st, const char *port, int64_t vlan,
          uint32_t ls)
{
    vtep_state_port_set(st, port, &vlan, UNIT_UUID(ls), 1);
}

/* Makes 'port' have the bindings vlans[i] -> lss[i]. */
void
unit_bind_n(struct vtep_state *st, const char *port, const int64_t *vlans,
            const uint32_t *lss, size_t n)
{
    struct uuid *uuids = xmalloc((n + 1) * sizeof *uuids);
    for (size_t i = 0; i < n; i++) {
        uuids[i] = unit_uuid(lss[i]);
    }
    vtep_state_port_set(st, port, vlans, uuids, n);
    free(uuids);
}

void
unit_ucast(struct vtep_state *st, uint32_t row, uint32_t ls,
           const char *mac, const char *ip)
{
    const struct vtep_locator_spec loc = { "vxlan_over_ipv4", ip };
    vtep_state_ucast_set(st, UNIT_UUID(row), UNIT_UUID(ls), mac, &loc);
}

/* A Mcast_Macs_Remote row whose locators are the vxlan_over_ipv4 ones with
 * the space-separated addresses in 'ips'. */
void
unit_mcast(struct vtep_state *st, uint32_t row, uint32_t ls,
           const char *mac, const char *ips)
{
    struct vtep_locator_spec locs[16];
    char *copy = xstrdup(ips);
    char *save_ptr = NULL;
    size_t n = 0;
    for (char *ip = strtok_r(copy, " ", &save_ptr); ip;
         ip = strtok_r(NULL, " ", &save_ptr)) {
        ovs_assert(n < ARRAY_SIZE(locs));
        locs[n++] = (struct vtep_locator_spec) { "vxlan_over_ipv4", ip };
    }
    vtep_state_mcast_set(st, UNIT_UUID(row), UNIT_UUID(ls), mac, locs, n);
    free(copy);
}

int
unit_main(const char *argv0, Suite *(*make_suite)(void))
{
    set_program_name(argv0);

    SRunner *sr = srunner_create(make_suite());
    if (!getenv("CK_FORK")) {
        srunner_set_fork_status(sr, CK_FORK);
    }
    srunner_run_all(sr, CK_NORMAL);
    int n_failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return n_failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

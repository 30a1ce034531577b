/*
 * test-state.c: unit tests of lib/vtep-state.[ch], the desired state of one
 * physical switch.
 *
 * Each test feeds rows to a fresh vtep_state (as the database side does,
 * keyed by row UUID) and checks the effective state through the public
 * lookups, the faults raised in a vtep_faults registry, and the dirty keys
 * left for the reconciler.  Rows are named by number: logical switches
 * 1..999, Ucast_Macs_Remote rows from 1000, Mcast_Macs_Remote rows from
 * 100000.
 */
#include <config.h>

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include "lib/vtep-fault.h"
#include "lib/vtep-state.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/util.h"
#include "unit.h"
#include "util.h"

static struct vtep_faults faults;
static struct vtep_state st;

static void
setup(void)
{
    vtep_faults_init(&faults);
    vtep_state_init(&st, &faults);
}

static void
teardown(void)
{
    vtep_state_destroy(&st);
    vtep_faults_destroy(&faults);
}

/* Row 'N''s UUID, in the enclosing block. */
#define U UNIT_UUID

#define M1 "00:00:5e:00:53:01"
#define M2 "00:00:5e:00:53:02"
#define M3 "00:00:5e:00:53:03"
#define MCAST_MAC "01:00:5e:00:00:fb"
#define UNKNOWN "unknown-dst"

/* Looking at the effective state. */

/* True if switch 'ls' is the active switch of 'vni'. */
static bool
is_active(uint32_t ls, uint32_t vni)
{
    const struct vtep_state_ls *l = vtep_state_find_ls(&st, U(ls));
    return l && l->active && l->vni == vni
           && vtep_state_find_active(&st, vni) == l;
}

/* The remote of (vni, mac) as a string, or "none". */
static const char *
ucast_at(uint32_t vni, const char *mac_s)
{
    static char buf[INET_ADDRSTRLEN];
    ovs_be32 ip;
    if (!vtep_state_ucast_lookup(&st, vni, unit_mac(mac_s), &ip)) {
        return "none";
    }
    snprintf(buf, sizeof buf, IP_FMT, IP_ARGS(ip));
    return buf;
}

/* The flood list of (vni, mac) as space-separated addresses, or "". */
static const char *
flood_at(uint32_t vni, const char *mac_s)
{
    static struct ds s = DS_EMPTY_INITIALIZER;
    ovs_be32 *ips;
    size_t n = vtep_state_flood_lookup(&st, vni, unit_mac(mac_s), &ips);
    ds_clear(&s);
    for (size_t i = 0; i < n; i++) {
        ds_put_format(&s, "%s"IP_FMT, i ? " " : "", IP_ARGS(ips[i]));
    }
    ovs_assert(n ? ips != NULL : ips == NULL);
    free(ips);
    return ds_cstr(&s);
}

static size_t
n_ucast(uint32_t ls)
{
    const struct vtep_state_ls *l = vtep_state_find_ls(&st, U(ls));
    return l ? vtep_state_ls_n_ucast(l) : 0;
}

/* Faults. */

/* True if 'f' has 'code' and its object or detail contains 'text' (any
 * if 'text' is NULL). */
static bool
fault_matches(const struct vtep_fault *f, enum vtep_fault_code code,
              const char *text)
{
    return (f->code == code
            && (!text || strstr(f->object, text) || strstr(f->detail, text)));
}

/* An active fault that fault_matches(), or NULL. */
static const struct vtep_fault *
find_fault(enum vtep_fault_code code, const char *text)
{
    const struct vtep_fault *f;
    HMAP_FOR_EACH (f, hmap_node, &faults.faults) {
        if (fault_matches(f, code, text)) {
            return f;
        }
    }
    return NULL;
}

/* The number of active faults that fault_matches(). */
static size_t
n_faults(enum vtep_fault_code code, const char *text)
{
    size_t n = 0;
    const struct vtep_fault *f;
    HMAP_FOR_EACH (f, hmap_node, &faults.faults) {
        n += fault_matches(f, code, text);
    }
    return n;
}

/* Pops every new fault; returns how many there were. */
static size_t
pop_faults(void)
{
    size_t n = 0;
    while (vtep_faults_pop_new(&faults)) {
        n++;
    }
    return n;
}

/* Dirty keys. */

/* Drops every dirty key, as the reconciler would consume them; returns
 * how many there were. */
static size_t
drain(void)
{
    struct hmap *maps[] = {
        &st.dirty.lss, &st.dirty.bindings, &st.dirty.ucast, &st.dirty.mcast,
    };
    size_t n = 0;
    for (size_t i = 0; i < ARRAY_SIZE(maps); i++) {
        struct vtep_dirty_key *key;
        while ((key = vtep_dirty_pop(maps[i])) != NULL) {
            vtep_dirty_key_free(key);
            n++;
        }
    }
    ovs_assert(vtep_dirty_is_empty(&st.dirty));
    return n;
}

static bool
dirty_ls(uint32_t vni)
{
    const struct vtep_dirty_key *key;
    HMAP_FOR_EACH (key, node, &st.dirty.lss) {
        if (key->vni == vni) {
            return true;
        }
    }
    return false;
}

static bool
dirty_binding(const char *port, uint16_t vlan)
{
    const struct vtep_dirty_key *key;
    HMAP_FOR_EACH (key, node, &st.dirty.bindings) {
        if (key->vlan == vlan && !strcmp(key->port, port)) {
            return true;
        }
    }
    return false;
}

static bool
dirty_mac(const struct hmap *map, uint32_t vni, const char *mac_s)
{
    const struct vtep_dirty_key *key;
    HMAP_FOR_EACH (key, node, map) {
        if (key->vni == vni && eth_addr_equals(key->mac, unit_mac(mac_s))) {
            return true;
        }
    }
    return false;
}

static bool
dirty_ucast(uint32_t vni, const char *mac_s)
{
    return dirty_mac(&st.dirty.ucast, vni, mac_s);
}

static bool
dirty_mcast(uint32_t vni, const char *mac_s)
{
    return dirty_mac(&st.dirty.mcast, vni, mac_s);
}

/* A switch 'ls' named 'name' with VNI 'vni', active through a binding of
 * port 'port' VLAN 10. */
static void
active_ls(uint32_t ls, const char *name, uint32_t vni, const char *port)
{
    unit_ls_set(&st, ls, name, vni);
    unit_bind(&st, port, 10, ls);
    ck_assert(is_active(ls, vni));
}

/* The dirty-key sets themselves. */

START_TEST(test_dirty_keys)
{
    struct vtep_dirty d;
    vtep_dirty_init(&d);
    ck_assert(vtep_dirty_is_empty(&d));

    vtep_dirty_ls(&d, 5);
    vtep_dirty_ls(&d, 5);
    vtep_dirty_ls(&d, 6);
    ck_assert_uint_eq(vtep_dirty_count(&d), 2);

    vtep_dirty_binding(&d, "p0", 10);
    vtep_dirty_binding(&d, "p0", 10);
    vtep_dirty_binding(&d, "p1", 10);
    vtep_dirty_binding(&d, "p0", 11);
    ck_assert_uint_eq(vtep_dirty_count(&d), 5);

    vtep_dirty_ucast(&d, 5, unit_mac(M1));
    vtep_dirty_ucast(&d, 5, unit_mac(M1));
    vtep_dirty_ucast(&d, 6, unit_mac(M1));
    vtep_dirty_ucast(&d, 5, unit_mac(M2));
    vtep_dirty_mcast(&d, 5, unit_mac(M1));       /* A map of its own. */
    vtep_dirty_mcast(&d, 5, eth_addr_zero);
    ck_assert_uint_eq(vtep_dirty_count(&d), 10);
    ck_assert(!vtep_dirty_is_empty(&d));

    size_t n = 0;
    struct vtep_dirty_key *key;
    while ((key = vtep_dirty_pop(&d.bindings)) != NULL) {
        ck_assert(!strcmp(key->port, "p0") || !strcmp(key->port, "p1"));
        vtep_dirty_key_free(key);
        n++;
    }
    ck_assert_uint_eq(n, 3);
    ck_assert_ptr_null(vtep_dirty_pop(&d.bindings));
    ck_assert_uint_eq(vtep_dirty_count(&d), 7);

    vtep_dirty_key_free(NULL);
    vtep_dirty_destroy(&d);
}
END_TEST

/* Logical switches. */

START_TEST(test_ls_needs_key_and_binding)
{
    unit_ls_set(&st, 1, "ls0", 100);
    const struct vtep_state_ls *ls = vtep_state_find_ls(&st, U(1));
    ck_assert_ptr_nonnull(ls);
    ck_assert(ls->has_row);
    ck_assert_str_eq(ls->name, "ls0");
    ck_assert_uint_eq(ls->vni, 100);
    ck_assert(!ls->active);
    ck_assert_ptr_null(vtep_state_find_active(&st, 100));
    ck_assert_uint_eq(vtep_faults_count(&faults), 0);

    drain();
    unit_bind(&st, "p0", 10, 1);
    ck_assert(is_active(1, 100));
    ck_assert_uint_eq(vtep_state_binding_vni(&st, "p0", 10), 100);
    ck_assert_uint_eq(vtep_state_binding_vni(&st, "p0", 11), 0);
    ck_assert_uint_eq(vtep_state_binding_vni(&st, "p1", 10), 0);
    ck_assert(dirty_ls(100));
    ck_assert(dirty_binding("p0", 10));
    ck_assert_uint_eq(vtep_faults_count(&faults), 0);

    /* Without its binding it is no longer active. */
    drain();
    vtep_state_port_set(&st, "p0", NULL, NULL, 0);
    ck_assert(!is_active(1, 100));
    ck_assert_ptr_null(vtep_state_find_active(&st, 100));
    ck_assert_uint_eq(vtep_state_binding_vni(&st, "p0", 10), 0);
    ck_assert(dirty_ls(100));
    ck_assert(dirty_binding("p0", 10));
}
END_TEST

START_TEST(test_ls_binding_before_switch)
{
    /* The binding names a switch that has no row yet. */
    unit_bind(&st, "p1", 20, 2);
    ck_assert_uint_eq(vtep_state_binding_vni(&st, "p1", 20), 0);
    const struct vtep_fault *f = find_fault(VTEP_FAULT_UNKEYED_BINDING,
                                            NULL);
    ck_assert_ptr_nonnull(f);
    ck_assert_str_eq(f->port, "p1");
    ck_assert_str_eq(unit_port_keys(&faults, "p1"), "invalid_vlan_map");
    ck_assert_str_eq(unit_switch_keys(&faults), "");

    drain();
    unit_ls_set(&st, 2, "ls2", 200);
    ck_assert(is_active(2, 200));
    ck_assert_uint_eq(vtep_state_binding_vni(&st, "p1", 20), 200);
    ck_assert(dirty_ls(200));
    ck_assert_uint_eq(vtep_faults_count(&faults), 0);
    ck_assert_str_eq(unit_port_keys(&faults, "p1"), "");
}
END_TEST

START_TEST(test_ls_vni_change)
{
    active_ls(1, "ls0", 100, "p0");
    unit_ucast(&st, 1001, 1, M1, "192.0.2.1");
    unit_mcast(&st, 100001, 1, UNKNOWN, "192.0.2.1");
    drain();

    unit_ls_set(&st, 1, "ls0", 200);
    ck_assert(is_active(1, 200));
    ck_assert_ptr_null(vtep_state_find_active(&st, 100));
    ck_assert(dirty_ls(100));
    ck_assert(dirty_ls(200));
    ck_assert_uint_eq(hmap_count(&st.dirty.lss), 2);
    ck_assert_uint_eq(vtep_state_binding_vni(&st, "p0", 10), 200);
    ck_assert_str_eq(ucast_at(200, M1), "192.0.2.1");
    ck_assert_str_eq(ucast_at(100, M1), "none");
    ck_assert_str_eq(flood_at(200, UNKNOWN), "192.0.2.1");
    ck_assert_str_eq(flood_at(100, UNKNOWN), "");
    ck_assert_uint_eq(vtep_faults_count(&faults), 0);
}
END_TEST

START_TEST(test_ls_key_zero_or_empty)
{
    unit_ls_set(&st, 1, "ls0", 0);
    unit_bind(&st, "p0", 10, 1);
    ck_assert(!vtep_state_find_ls(&st, U(1))->active);
    ck_assert_uint_eq(vtep_state_find_ls(&st, U(1))->vni, 0);
    ck_assert_uint_eq(vtep_state_binding_vni(&st, "p0", 10), 0);
    ck_assert_ptr_null(vtep_state_find_active(&st, 0));

    /* 0 means "not bound": the binding waits for a key, which is no fault
     * (OVN writes 0 for the switches it does not use). */
    ck_assert_uint_eq(vtep_faults_count(&faults), 0);
    ck_assert_str_eq(unit_port_keys(&faults, "p0"), "");

    /* So does an empty column. */
    unit_ls_set_nokey(&st, 1, "ls0");
    ck_assert(!vtep_state_find_ls(&st, U(1))->active);
    ck_assert_uint_eq(vtep_faults_count(&faults), 0);

    /* A key activates it. */
    unit_ls_set(&st, 1, "ls0", 100);
    ck_assert(is_active(1, 100));
    ck_assert_uint_eq(vtep_faults_count(&faults), 0);

    /* Losing the key again deactivates it, still without a fault. */
    drain();
    unit_ls_set_nokey(&st, 1, "ls0");
    ck_assert_ptr_null(vtep_state_find_active(&st, 100));
    ck_assert(dirty_ls(100));
    ck_assert_uint_eq(vtep_state_binding_vni(&st, "p0", 10), 0);
    ck_assert_str_eq(unit_port_keys(&faults, "p0"), "");

    /* A key that is no VNI, or one held by another switch, is a fault. */
    unit_ls_set(&st, 1, "ls0", 16777216);
    ck_assert_str_eq(unit_port_keys(&faults, "p0"), "invalid_vlan_map");
    unit_ls_set(&st, 2, "ls9", 300);
    unit_bind(&st, "p1", 20, 2);
    unit_ls_set(&st, 1, "ls0", 300);
    ck_assert_str_eq(unit_port_keys(&faults, "p0"), "invalid_vlan_map");
    ck_assert_str_eq(unit_port_keys(&faults, "p1"), "");
}
END_TEST

START_TEST(test_ls_bad_vni)
{
    unit_ls_set(&st, 1, "ls0", 16777216);
    unit_bind(&st, "p0", 10, 1);
    ck_assert_uint_eq(vtep_state_find_ls(&st, U(1))->vni, 0);
    ck_assert(!vtep_state_find_ls(&st, U(1))->active);
    ck_assert_ptr_null(vtep_state_find_active(&st, 0));  /* Truncated. */
    ck_assert_uint_eq(n_faults(VTEP_FAULT_BAD_VNI, "ls0"), 1);
    ck_assert_ptr_null(find_fault(VTEP_FAULT_BAD_VNI, NULL)->port);
    ck_assert_ptr_nonnull(strstr(find_fault(VTEP_FAULT_BAD_VNI,
                                            NULL)->detail, "16777216"));
    ck_assert_str_eq(unit_switch_keys(&faults), "unspecified_fault");
    ck_assert_str_eq(unit_port_keys(&faults, "p0"), "invalid_vlan_map");

    /* Fixed. */
    drain();
    unit_ls_set(&st, 1, "ls0", 16777215);
    ck_assert(is_active(1, 16777215));
    ck_assert(dirty_ls(16777215));
    ck_assert_uint_eq(vtep_faults_count(&faults), 0);
    ck_assert_str_eq(unit_switch_keys(&faults), "");
    ck_assert_str_eq(unit_port_keys(&faults, "p0"), "");

    /* Broken again, another way. */
    drain();
    unit_ls_set(&st, 1, "ls0", -1);
    ck_assert_ptr_null(vtep_state_find_active(&st, 16777215));
    ck_assert(dirty_ls(16777215));
    ck_assert_uint_eq(n_faults(VTEP_FAULT_BAD_VNI, "ls0"), 1);

    /* Fixed, then two keys: also not a VNI. */
    unit_ls_set(&st, 1, "ls0", 7);
    ck_assert(is_active(1, 7));
    const int64_t keys[2] = { 7, 8 };
    vtep_state_ls_set(&st, U(1), "ls0", keys, 2, NULL);
    ck_assert_ptr_null(vtep_state_find_active(&st, 7));
    ck_assert_uint_eq(n_faults(VTEP_FAULT_BAD_VNI, "ls0"), 1);

    /* Deleting the switch clears its fault; its binding's fault stays. */
    vtep_state_ls_del(&st, U(1));
    ck_assert_uint_eq(n_faults(VTEP_FAULT_BAD_VNI, NULL), 0);
    ck_assert_str_eq(unit_port_keys(&faults, "p0"), "invalid_vlan_map");
}
END_TEST

/* Regression: the fault keeps describing the first bad key. */
START_TEST(test_ls_bad_vni_detail_follows_key)
{
    unit_ls_set(&st, 1, "ls0", 16777216);
    ck_assert_ptr_nonnull(strstr(find_fault(VTEP_FAULT_BAD_VNI,
                                            NULL)->detail, "16777216"));
    unit_ls_set(&st, 1, "ls0", 16777217);
    const char *detail = find_fault(VTEP_FAULT_BAD_VNI, NULL)->detail;
    ck_assert_msg(strstr(detail, "16777217"),
                  "tunnel_key changed from 16777216 to 16777217 (both "
                  "bad), but the fault still says \"%s\"", detail);
}
END_TEST

/* Regression: the duplicate-VNI fault keeps naming the holder by its old
 * name after the holder is renamed. */
START_TEST(test_dup_vni_detail_follows_holder_name)
{
    active_ls(1, "ls-a", 100, "p0");
    unit_ls_set(&st, 2, "ls-b", 100);
    ck_assert_ptr_nonnull(strstr(find_fault(VTEP_FAULT_DUP_VNI,
                                            "ls-b")->detail, "ls-a"));
    unit_ls_set(&st, 1, "ls-renamed", 100);
    ck_assert(is_active(1, 100));
    const char *detail = find_fault(VTEP_FAULT_DUP_VNI, "ls-b")->detail;
    ck_assert_msg(strstr(detail, "ls-renamed"), "the holder of VNI 100 is "
                  "now \"ls-renamed\", but the fault says \"%s\"", detail);
}
END_TEST

START_TEST(test_ls_attrs_change)
{
    active_ls(1, "ls0", 100, "p0");
    ck_assert_int_eq(vtep_state_find_active(&st, 100)->mode,
                     VTEP_REPL_SERVICE_NODE);
    drain();

    const int64_t key = 100;
    vtep_state_ls_set(&st, U(1), "ls0", &key, 1, "source_node");
    ck_assert_int_eq(vtep_state_find_active(&st, 100)->mode,
                     VTEP_REPL_SOURCE_NODE);
    ck_assert(dirty_ls(100));
    ck_assert_uint_eq(drain(), 1);

    /* Unchanged: nothing. */
    vtep_state_ls_set(&st, U(1), "ls0", &key, 1, "source_node");
    ck_assert_uint_eq(drain(), 0);

    vtep_state_ls_set(&st, U(1), "ls-renamed", &key, 1, "source_node");
    ck_assert_str_eq(vtep_state_find_active(&st, 100)->name, "ls-renamed");
    ck_assert(dirty_ls(100));
    ck_assert_uint_eq(drain(), 1);

    /* The schema allows only the two modes: anything else is the
     * default. */
    vtep_state_ls_set(&st, U(1), "ls-renamed", &key, 1, "foo");
    ck_assert_int_eq(vtep_state_find_active(&st, 100)->mode,
                     VTEP_REPL_SERVICE_NODE);
    ck_assert_uint_eq(vtep_faults_count(&faults), 0);
}
END_TEST

START_TEST(test_ls_deleted_and_recreated)
{
    active_ls(1, "ls0", 100, "p0");
    unit_ucast(&st, 1001, 1, M1, "192.0.2.1");
    unit_mcast(&st, 100001, 1, UNKNOWN, "192.0.2.2");
    drain();

    vtep_state_ls_del(&st, U(1));
    ck_assert_ptr_null(vtep_state_find_active(&st, 100));
    ck_assert(dirty_ls(100));
    ck_assert_str_eq(ucast_at(100, M1), "none");
    ck_assert_uint_eq(vtep_state_binding_vni(&st, "p0", 10), 0);
    ck_assert_str_eq(unit_port_keys(&faults, "p0"), "invalid_vlan_map");

    /* Deleting it twice is harmless. */
    vtep_state_ls_del(&st, U(1));

    /* The rows that name it come back into effect with it. */
    unit_ls_set(&st, 1, "ls0", 100);
    ck_assert(is_active(1, 100));
    ck_assert_str_eq(ucast_at(100, M1), "192.0.2.1");
    ck_assert_str_eq(flood_at(100, UNKNOWN), "192.0.2.2");
    ck_assert_uint_eq(vtep_faults_count(&faults), 0);
}
END_TEST

/* Duplicate VNIs. */

START_TEST(test_dup_vni_first_holder_keeps_it)
{
    /* "ls-z" has the VNI first; "ls-a" sorts first but comes second. */
    active_ls(1, "ls-z", 100, "p0");
    unit_ls_set(&st, 2, "ls-a", 100);
    unit_bind(&st, "p1", 10, 2);

    ck_assert(is_active(1, 100));
    ck_assert(!vtep_state_find_ls(&st, U(2))->active);
    ck_assert_uint_eq(vtep_state_binding_vni(&st, "p1", 10), 0);
    const struct vtep_fault *f = find_fault(VTEP_FAULT_DUP_VNI, NULL);
    ck_assert_ptr_nonnull(f);
    ck_assert_ptr_nonnull(strstr(f->object, "ls-a"));
    ck_assert_ptr_nonnull(strstr(f->detail, "ls-z"));
    ck_assert_uint_eq(n_faults(VTEP_FAULT_DUP_VNI, NULL), 1);
    ck_assert_str_eq(unit_switch_keys(&faults), "unspecified_fault");
    ck_assert_str_eq(unit_port_keys(&faults, "p1"), "invalid_vlan_map");
    ck_assert_str_eq(unit_port_keys(&faults, "p0"), "");

    /* Deleting the holder hands the VNI over. */
    drain();
    vtep_state_ls_del(&st, U(1));
    ck_assert(is_active(2, 100));
    ck_assert(dirty_ls(100));
    ck_assert_uint_eq(vtep_state_binding_vni(&st, "p1", 10), 100);
    ck_assert_uint_eq(n_faults(VTEP_FAULT_DUP_VNI, NULL), 0);
    ck_assert_str_eq(unit_switch_keys(&faults), "");
    ck_assert_str_eq(unit_port_keys(&faults, "p1"), "");
    /* p0 now binds to a switch that does not exist. */
    ck_assert_str_eq(unit_port_keys(&faults, "p0"), "invalid_vlan_map");
    ck_assert_uint_eq(vtep_state_binding_vni(&st, "p0", 10), 0);
}
END_TEST

START_TEST(test_dup_vni_holder_renumbered)
{
    active_ls(1, "ls-a", 100, "p0");
    unit_ls_set(&st, 2, "ls-b", 100);
    unit_bind(&st, "p1", 10, 2);
    ck_assert(is_active(1, 100));
    ck_assert_uint_eq(n_faults(VTEP_FAULT_DUP_VNI, "ls-b"), 1);

    /* The holder moves to another VNI: the other one gets 100. */
    drain();
    unit_ls_set(&st, 1, "ls-a", 200);
    ck_assert(is_active(1, 200));
    ck_assert(is_active(2, 100));
    ck_assert(dirty_ls(100));
    ck_assert(dirty_ls(200));
    ck_assert_uint_eq(vtep_faults_count(&faults), 0);
    ck_assert_uint_eq(vtep_state_binding_vni(&st, "p0", 10), 200);
    ck_assert_uint_eq(vtep_state_binding_vni(&st, "p1", 10), 100);

    /* Swap their VNIs. */
    unit_ls_set(&st, 1, "ls-a", 100);
    unit_ls_set(&st, 2, "ls-b", 200);
    ck_assert(is_active(2, 200));
    ck_assert(is_active(1, 100));
    ck_assert_uint_eq(vtep_faults_count(&faults), 0);
}
END_TEST

START_TEST(test_dup_vni_startup_sweep_by_name)
{
    /* At start-up, the switch whose name sorts first wins, whatever the
     * order of the rows: _i == 0 sets "ls-z" first, _i == 1 "ls-a". */
    vtep_state_sweep_begin(&st);
    if (_i == 0) {
        unit_ls_set(&st, 1, "ls-z", 100);
        unit_ls_set(&st, 2, "ls-a", 100);
    } else {
        unit_ls_set(&st, 2, "ls-a", 100);
        unit_ls_set(&st, 1, "ls-z", 100);
    }
    unit_bind(&st, "p0", 10, 1);
    unit_bind(&st, "p1", 10, 2);
    vtep_state_sweep_end(&st);

    ck_assert(is_active(2, 100));
    ck_assert(!vtep_state_find_ls(&st, U(1))->active);
    ck_assert_uint_eq(vtep_state_binding_vni(&st, "p1", 10), 100);
    ck_assert_uint_eq(vtep_state_binding_vni(&st, "p0", 10), 0);
    ck_assert_uint_eq(n_faults(VTEP_FAULT_DUP_VNI, NULL), 1);
    const struct vtep_fault *f = find_fault(VTEP_FAULT_DUP_VNI, NULL);
    ck_assert_ptr_nonnull(strstr(f->object, "ls-z"));
    ck_assert_ptr_nonnull(strstr(f->detail, "ls-a"));
    ck_assert_str_eq(unit_port_keys(&faults, "p0"), "invalid_vlan_map");
    ck_assert_str_eq(unit_port_keys(&faults, "p1"), "");
}
END_TEST

START_TEST(test_dup_vni_resync_keeps_holder)
{
    /* Outside start-up, a resync that finds the same rows changes
     * nothing, even where the names would say otherwise. */
    active_ls(1, "ls-z", 100, "p0");
    unit_ls_set(&st, 2, "ls-a", 100);
    unit_bind(&st, "p1", 10, 2);
    ck_assert(is_active(1, 100));
    drain();
    pop_faults();
    unsigned int seqno = vtep_faults_seqno(&faults);

    vtep_state_sweep_begin(&st);
    unit_ls_set(&st, 2, "ls-a", 100);
    unit_ls_set(&st, 1, "ls-z", 100);
    unit_bind(&st, "p1", 10, 2);
    unit_bind(&st, "p0", 10, 1);
    vtep_state_sweep_end(&st);

    ck_assert(is_active(1, 100));
    ck_assert_uint_eq(vtep_dirty_count(&st.dirty), 0);
    ck_assert_uint_eq(vtep_faults_seqno(&faults), seqno);
    ck_assert_uint_eq(pop_faults(), 0);
}
END_TEST

/* Defect 8 of issue 9: at start-up the name decided, even against a
 * switch bound nowhere, so a restart took the VNI from the switch that
 * carried traffic ("ls-z", bound) and gave it to "ls-a" (bound nowhere,
 * as OVN leaves the switches it keys but does not use).  Both orders of
 * the rows. */
START_TEST(test_dup_vni_startup_bound_wins)
{
    vtep_state_sweep_begin(&st);
    if (_i == 0) {
        unit_ls_set(&st, 1, "ls-z", 100);
        unit_ls_set(&st, 2, "ls-a", 100);
    } else {
        unit_ls_set(&st, 2, "ls-a", 100);
        unit_ls_set(&st, 1, "ls-z", 100);
    }
    unit_bind(&st, "p0", 10, 1);
    vtep_state_sweep_end(&st);

    ck_assert(is_active(1, 100));
    ck_assert(!vtep_state_find_ls(&st, U(2))->owns_vni);
    ck_assert_uint_eq(vtep_state_binding_vni(&st, "p0", 10), 100);
    /* The loser gets the fault, naming the holder. */
    ck_assert_uint_eq(n_faults(VTEP_FAULT_DUP_VNI, NULL), 1);
    const struct vtep_fault *f = find_fault(VTEP_FAULT_DUP_VNI, NULL);
    ck_assert_ptr_nonnull(strstr(f->object, "ls-a"));
    ck_assert_ptr_nonnull(strstr(f->detail, "ls-z"));
    ck_assert_str_eq(unit_switch_keys(&faults), "unspecified_fault");
    ck_assert_str_eq(unit_port_keys(&faults, "p0"), "");
}
END_TEST

/* The same rule while running: a switch bound nowhere that holds a VNI
 * gives it up to one that gets bound, and a holder that loses its last
 * binding hands the VNI to a bound rival. */
START_TEST(test_dup_vni_bound_beats_unbound_holder)
{
    unit_ls_set(&st, 2, "ls-a", 100);
    ck_assert(vtep_state_find_ls(&st, U(2))->owns_vni);
    ck_assert_uint_eq(vtep_faults_count(&faults), 0);

    unit_ls_set(&st, 1, "ls-z", 100);
    ck_assert(vtep_state_find_ls(&st, U(2))->owns_vni);
    ck_assert_uint_eq(n_faults(VTEP_FAULT_DUP_VNI, "ls-z"), 1);

    drain();
    unit_bind(&st, "p0", 10, 1);
    ck_assert(is_active(1, 100));
    ck_assert(dirty_ls(100));
    ck_assert(!vtep_state_find_ls(&st, U(2))->owns_vni);
    ck_assert_uint_eq(n_faults(VTEP_FAULT_DUP_VNI, NULL), 1);
    ck_assert_ptr_nonnull(find_fault(VTEP_FAULT_DUP_VNI, "ls-a"));
    ck_assert_str_eq(unit_port_keys(&faults, "p0"), "");

    /* Both bound: the holder keeps it. */
    unit_bind(&st, "p1", 20, 2);
    ck_assert(is_active(1, 100));
    ck_assert_uint_eq(vtep_state_binding_vni(&st, "p1", 20), 0);
    ck_assert_str_eq(unit_port_keys(&faults, "p1"), "invalid_vlan_map");

    /* The holder's last binding goes: the bound rival takes the VNI. */
    drain();
    vtep_state_port_del(&st, "p0");
    ck_assert(is_active(2, 100));
    ck_assert(dirty_ls(100));
    ck_assert_uint_eq(vtep_state_binding_vni(&st, "p1", 20), 100);
    ck_assert_str_eq(unit_port_keys(&faults, "p1"), "");
    ck_assert_uint_eq(n_faults(VTEP_FAULT_DUP_VNI, NULL), 1);
    ck_assert_ptr_nonnull(find_fault(VTEP_FAULT_DUP_VNI, "ls-z"));
}
END_TEST

/* Remote unicast MACs. */

START_TEST(test_ucast_duplicate_rows)
{
    active_ls(1, "ls0", 100, "p0");

    unit_ucast(&st, 1001, 1, M1, "192.0.2.1");
    unit_ucast(&st, 1002, 1, M1, "192.0.2.2");
    ck_assert_str_eq(ucast_at(100, M1), "192.0.2.2");
    ck_assert_uint_eq(n_ucast(1), 1);

    /* Re-setting the older row unchanged (as a resync does) does not make
     * it win. */
    unit_ucast(&st, 1001, 1, M1, "192.0.2.1");
    ck_assert_str_eq(ucast_at(100, M1), "192.0.2.2");

    /* Writing it does. */
    unit_ucast(&st, 1001, 1, M1, "192.0.2.3");
    ck_assert_str_eq(ucast_at(100, M1), "192.0.2.3");

    /* Deleting the winner falls back to the other. */
    vtep_state_ucast_del(&st, U(1001));
    ck_assert_str_eq(ucast_at(100, M1), "192.0.2.2");
    unit_ucast(&st, 1001, 1, M1, "192.0.2.1");
    ck_assert_str_eq(ucast_at(100, M1), "192.0.2.1");
    vtep_state_ucast_del(&st, U(1001));
    ck_assert_str_eq(ucast_at(100, M1), "192.0.2.2");
    vtep_state_ucast_del(&st, U(1002));
    ck_assert_str_eq(ucast_at(100, M1), "none");
    ck_assert_uint_eq(n_ucast(1), 0);

    /* Deleting a row that does not exist is harmless. */
    vtep_state_ucast_del(&st, U(1002));
    ck_assert_uint_eq(vtep_faults_count(&faults), 0);
}
END_TEST

START_TEST(test_ucast_locator_move)
{
    active_ls(1, "ls0", 100, "p0");
    unit_ucast(&st, 1001, 1, M1, "192.0.2.1");
    unit_ucast(&st, 1002, 1, M2, "192.0.2.1");
    drain();

    unit_ucast(&st, 1001, 1, M1, "192.0.2.7");
    ck_assert_str_eq(ucast_at(100, M1), "192.0.2.7");
    ck_assert_str_eq(ucast_at(100, M2), "192.0.2.1");
    ck_assert(dirty_ucast(100, M1));
    ck_assert_uint_eq(vtep_dirty_count(&st.dirty), 1);

    /* The row moves to another MAC: both MACs change. */
    drain();
    unit_ucast(&st, 1001, 1, M3, "192.0.2.7");
    ck_assert_str_eq(ucast_at(100, M1), "none");
    ck_assert_str_eq(ucast_at(100, M3), "192.0.2.7");
    ck_assert(dirty_ucast(100, M1));
    ck_assert(dirty_ucast(100, M3));
    ck_assert_uint_eq(vtep_dirty_count(&st.dirty), 2);

    /* And to another switch. */
    active_ls(2, "ls1", 200, "p1");
    drain();
    unit_ucast(&st, 1001, 2, M3, "192.0.2.7");
    ck_assert_str_eq(ucast_at(100, M3), "none");
    ck_assert_str_eq(ucast_at(200, M3), "192.0.2.7");
    ck_assert(dirty_ucast(100, M3));
    ck_assert(dirty_ucast(200, M3));
    ck_assert_uint_eq(vtep_dirty_count(&st.dirty), 2);
}
END_TEST

START_TEST(test_ucast_bad_mac)
{
    active_ls(1, "ls0", 100, "p0");
    unit_ucast(&st, 1001, 1, "01:00:5e:00:00:01", "192.0.2.1"); /* Group. */
    unit_ucast(&st, 1002, 1, M2, "192.0.2.2");
    unit_ucast(&st, 1003, 1, "zz", "192.0.2.3");
    unit_ucast(&st, 1004, 1, "00:00:00:00:00:00", "192.0.2.4");
    unit_ucast(&st, 1005, 1, "ff:ff:ff:ff:ff:ff", "192.0.2.5");

    ck_assert_uint_eq(n_faults(VTEP_FAULT_BAD_UCAST_MAC, NULL), 4);
    ck_assert_ptr_nonnull(find_fault(VTEP_FAULT_BAD_UCAST_MAC, "zz"));
    ck_assert_str_eq(unit_switch_keys(&faults), "unspecified_fault");
    ck_assert_str_eq(ucast_at(100, M2), "192.0.2.2");
    ck_assert_uint_eq(n_ucast(1), 1);

    /* Fixing a row clears its fault and applies it. */
    unit_ucast(&st, 1001, 1, M1, "192.0.2.1");
    ck_assert_uint_eq(n_faults(VTEP_FAULT_BAD_UCAST_MAC, NULL), 3);
    ck_assert_str_eq(ucast_at(100, M1), "192.0.2.1");

    /* Deleting a bad row clears its fault. */
    vtep_state_ucast_del(&st, U(1003));
    vtep_state_ucast_del(&st, U(1004));
    vtep_state_ucast_del(&st, U(1005));
    ck_assert_uint_eq(vtep_faults_count(&faults), 0);
    ck_assert_str_eq(unit_switch_keys(&faults), "");

    /* A good row that goes bad is withdrawn. */
    drain();
    unit_ucast(&st, 1002, 1, "", "192.0.2.2");
    ck_assert_str_eq(ucast_at(100, M2), "none");
    ck_assert(dirty_ucast(100, M2));
    ck_assert_uint_eq(n_faults(VTEP_FAULT_BAD_UCAST_MAC, NULL), 1);
    ck_assert_str_eq(ucast_at(100, M1), "192.0.2.1");
}
END_TEST

static const struct vtep_locator_spec bad_locators[] = {
    { "vxlan_over_ipv4", "300.1.1.1" },
    { "vxlan_over_ipv4", "1.2.3" },
    { "vxlan_over_ipv4", "" },
    { "vxlan_over_ipv4", NULL },
    { "vxlan_over_ipv4", "0.0.0.0" },
    { "vxlan_over_ipv4", "127.0.0.1" },
    { "vxlan_over_ipv4", "224.0.0.1" },
    { "vxlan_over_ipv4", "255.255.255.255" },
    { "vxlan_over_ipv4", "::1" },
    { "vxlan_over_ipv6", "192.0.2.1" },
    { "", "192.0.2.1" },
    { NULL, "192.0.2.1" },
};

START_TEST(test_ucast_bad_locator)
{
    const struct vtep_locator_spec *bad = &bad_locators[_i];
    active_ls(1, "ls0", 100, "p0");
    unit_ucast(&st, 1002, 1, M2, "192.0.2.2");

    vtep_state_ucast_set(&st, U(1001), U(1), M1, bad);
    ck_assert_str_eq(ucast_at(100, M1), "none");
    ck_assert_uint_eq(n_ucast(1), 1);
    ck_assert_str_eq(ucast_at(100, M2), "192.0.2.2");
    ck_assert_uint_eq(n_faults(VTEP_FAULT_BAD_LOCATOR, NULL), 1);
    ck_assert_uint_eq(vtep_faults_count(&faults), 1);
    ck_assert_str_eq(unit_switch_keys(&faults), "unspecified_fault");

    unit_ucast(&st, 1001, 1, M1, "192.0.2.1");
    ck_assert_str_eq(ucast_at(100, M1), "192.0.2.1");
    ck_assert_uint_eq(vtep_faults_count(&faults), 0);
}
END_TEST

START_TEST(test_ucast_no_locator_or_switch)
{
    active_ls(1, "ls0", 100, "p0");
    vtep_state_ucast_set(&st, U(1001), U(1), M1, NULL);
    const struct vtep_locator_spec loc = { "vxlan_over_ipv4", "192.0.2.1" };
    vtep_state_ucast_set(&st, U(1002), NULL, M2, &loc);
    ck_assert_uint_eq(n_faults(VTEP_FAULT_BAD_LOCATOR, NULL), 2);
    ck_assert_uint_eq(n_ucast(1), 0);
    ck_assert_str_eq(ucast_at(100, M1), "none");
}
END_TEST

START_TEST(test_ucast_inactive_switch)
{
    /* Rows of a switch that is not active are kept, not applied, and do
     * not mark anything dirty. */
    unit_ls_set(&st, 1, "ls0", 100);
    drain();
    unit_ucast(&st, 1001, 1, M1, "192.0.2.1");
    ck_assert_uint_eq(n_ucast(1), 1);
    ck_assert_str_eq(ucast_at(100, M1), "none");
    ck_assert_uint_eq(vtep_dirty_count(&st.dirty), 0);

    unit_bind(&st, "p0", 10, 1);
    ck_assert_str_eq(ucast_at(100, M1), "192.0.2.1");
}
END_TEST

START_TEST(test_ucast_incremental_cost)
{
    enum { N = 10000 };
    active_ls(1, "ls0", 100, "p0");
    for (uint32_t i = 0; i < N; i++) {
        unit_ucast(&st, 1000 + i, 1, unit_mac_n(i), "192.0.2.1");
    }
    ck_assert_uint_eq(n_ucast(1), N);
    ck_assert_uint_ge(drain(), N);

    /* One row changes: one key. */
    unit_ucast(&st, 1000 + 5000, 1, unit_mac_n(5000), "192.0.2.2");
    ck_assert_uint_eq(vtep_dirty_count(&st.dirty), 1);
    ck_assert(dirty_ucast(100, unit_mac_n(5000)));
    ck_assert_str_eq(ucast_at(100, unit_mac_n(5000)), "192.0.2.2");
    ck_assert_str_eq(ucast_at(100, unit_mac_n(4999)), "192.0.2.1");

    /* The same again: nothing. */
    drain();
    unit_ucast(&st, 1000 + 5000, 1, unit_mac_n(5000), "192.0.2.2");
    ck_assert_uint_eq(vtep_dirty_count(&st.dirty), 0);

    /* One more row, one deleted: one key each. */
    unit_ucast(&st, 1000 + N, 1, unit_mac_n(N), "192.0.2.3");
    ck_assert_uint_eq(vtep_dirty_count(&st.dirty), 1);
    vtep_state_ucast_del(&st, U(1000 + 17));
    ck_assert_uint_eq(vtep_dirty_count(&st.dirty), 2);
    ck_assert(dirty_ucast(100, unit_mac_n(17)));
    ck_assert_uint_eq(n_ucast(1), N);
}
END_TEST

/* Remote multicast MACs. */

/* --default-flood. */

START_TEST(test_default_flood_locators)
{
    vtep_state_set_default_flood(&st, VTEP_DEFAULT_FLOOD_LOCATORS, NULL, 0);
    active_ls(1, "ls0", 100, "p0");
    const struct vtep_state_ls *ls = vtep_state_find_ls(&st, U(1));
    unit_ucast(&st, 200001, 1, M1, "192.0.2.7");
    unit_ucast(&st, 200002, 1, M2, "192.0.2.5");
    unit_ucast(&st, 200003, 1, M3, "192.0.2.7");

    /* Every remote VTEP once, head-end replicated. */
    ck_assert_str_eq(flood_at(100, UNKNOWN), "192.0.2.5 192.0.2.7");
    ck_assert_int_eq(vtep_state_ls_mode(&st, ls), VTEP_REPL_SOURCE_NODE);
    ck_assert_int_eq(ls->mode, VTEP_REPL_SERVICE_NODE);

    /* A MAC that goes marks the flood list. */
    drain();
    vtep_state_ucast_del(&st, U(200002));
    ck_assert(dirty_mcast(100, UNKNOWN));
    ck_assert_str_eq(flood_at(100, UNKNOWN), "192.0.2.7");

    /* An unknown-dst row wins, with the switch's own mode. */
    drain();
    unit_mcast(&st, 200010, 1, UNKNOWN, "198.51.100.1");
    ck_assert(dirty_ls(100));
    ck_assert_str_eq(flood_at(100, UNKNOWN), "198.51.100.1");
    ck_assert_int_eq(vtep_state_ls_mode(&st, ls), VTEP_REPL_SERVICE_NODE);
    drain();
    vtep_state_mcast_del(&st, U(200010));
    ck_assert(dirty_ls(100));
    ck_assert_str_eq(flood_at(100, UNKNOWN), "192.0.2.7");

    /* Back to vtep(5) behaviour. */
    vtep_state_set_default_flood(&st, VTEP_DEFAULT_FLOOD_NONE, NULL, 0);
    ck_assert_str_eq(flood_at(100, UNKNOWN), "");
    ck_assert_int_eq(vtep_state_ls_mode(&st, ls), VTEP_REPL_SERVICE_NODE);
}
END_TEST

START_TEST(test_default_flood_nodes)
{
    ovs_be32 nodes[] = { unit_ip("192.0.2.9"), unit_ip("192.0.2.8"),
                         unit_ip("192.0.2.9") };
    vtep_state_set_local_ip(&st, unit_ip("192.0.2.8"));
    active_ls(1, "ls0", 100, "p0");
    drain();
    vtep_state_set_default_flood(&st, VTEP_DEFAULT_FLOOD_NODES, nodes,
                                 ARRAY_SIZE(nodes));
    ck_assert(dirty_mcast(100, UNKNOWN));
    /* Our own tunnel IP is never a remote. */
    ck_assert_str_eq(flood_at(100, UNKNOWN), "192.0.2.9");
    ck_assert_int_eq(vtep_state_ls_mode(&st, vtep_state_find_ls(&st, U(1))),
                     VTEP_REPL_SERVICE_NODE);
    ck_assert_str_eq(flood_at(100, MCAST_MAC), "");
}
END_TEST

START_TEST(test_mcast_union)
{
    active_ls(1, "ls0", 100, "p0");
    /* In numeric order 192.0.2.200 < 192.0.3.1, but not in network byte
     * order read as a little-endian integer. */
    unit_mcast(&st, 100001, 1, UNKNOWN, "192.0.3.1 192.0.2.200");
    unit_mcast(&st, 100002, 1, UNKNOWN, "192.0.3.1 10.0.0.1 10.0.0.1");
    unit_mcast(&st, 100003, 1, MCAST_MAC, "198.51.100.1");
    ck_assert_str_eq(flood_at(100, UNKNOWN),
                     "10.0.0.1 192.0.2.200 192.0.3.1");
    ck_assert_str_eq(flood_at(100, MCAST_MAC), "198.51.100.1");
    ck_assert_uint_eq(vtep_faults_count(&faults), 0);

    drain();
    vtep_state_mcast_del(&st, U(100001));
    ck_assert_str_eq(flood_at(100, UNKNOWN), "10.0.0.1 192.0.3.1");
    ck_assert(dirty_mcast(100, UNKNOWN));
    ck_assert_uint_eq(vtep_dirty_count(&st.dirty), 1);

    vtep_state_mcast_del(&st, U(100002));
    ck_assert_str_eq(flood_at(100, UNKNOWN), "");
    ck_assert_str_eq(flood_at(100, MCAST_MAC), "198.51.100.1");

    /* No entry at all. */
    ovs_be32 *ips = (ovs_be32 *) &ips;
    ck_assert_uint_eq(vtep_state_flood_lookup(&st, 100, eth_addr_zero,
                                              &ips), 0);
    ck_assert_ptr_null(ips);
    ips = (ovs_be32 *) &ips;
    ck_assert_uint_eq(vtep_state_flood_lookup(&st, 999, eth_addr_zero,
                                              &ips), 0);
    ck_assert_ptr_null(ips);
}
END_TEST

START_TEST(test_mcast_some_locators_bad)
{
    active_ls(1, "ls0", 100, "p0");
    const struct vtep_locator_spec locs[] = {
        { "vxlan_over_ipv4", "192.0.2.1" },
        { "vxlan_over_ipv4", "300.1.1.1" },
        { "vxlan_over_ipv6", "192.0.2.3" },
    };
    vtep_state_mcast_set(&st, U(100001), U(1), UNKNOWN, locs, 3);
    ck_assert_str_eq(flood_at(100, UNKNOWN), "192.0.2.1");
    ck_assert_uint_eq(n_faults(VTEP_FAULT_BAD_LOCATOR, NULL), 1);
    ck_assert_ptr_nonnull(find_fault(VTEP_FAULT_BAD_LOCATOR, "300.1.1.1"));
    ck_assert_uint_eq(vtep_faults_count(&faults), 1);
    ck_assert_str_eq(unit_switch_keys(&faults), "unspecified_fault");

    /* Fixed. */
    unit_mcast(&st, 100001, 1, UNKNOWN, "192.0.2.1 192.0.2.2");
    ck_assert_str_eq(flood_at(100, UNKNOWN), "192.0.2.1 192.0.2.2");
    ck_assert_uint_eq(vtep_faults_count(&faults), 0);
}
END_TEST

START_TEST(test_mcast_all_locators_bad)
{
    active_ls(1, "ls0", 100, "p0");
    unit_mcast(&st, 100001, 1, UNKNOWN, "192.0.2.1");
    unit_mcast(&st, 100002, 1, MCAST_MAC, "192.0.2.1");
    drain();

    const struct vtep_locator_spec locs[] = {
        { "vxlan_over_ipv4", "300.1.1.1" },
        { "vxlan_over_ipv6", "192.0.2.3" },
    };
    vtep_state_mcast_set(&st, U(100001), U(1), UNKNOWN, locs, 2);
    ck_assert_str_eq(flood_at(100, UNKNOWN), "");
    ck_assert(dirty_mcast(100, UNKNOWN));
    ck_assert_uint_eq(n_faults(VTEP_FAULT_BAD_LOCATOR_SET, NULL), 1);
    ck_assert_uint_eq(vtep_faults_count(&faults), 1);
    ck_assert_str_eq(unit_switch_keys(&faults), "unspecified_fault");

    /* No locator at all. */
    vtep_state_mcast_set(&st, U(100002), U(1), MCAST_MAC, NULL, 0);
    ck_assert_str_eq(flood_at(100, MCAST_MAC), "");
    ck_assert_uint_eq(n_faults(VTEP_FAULT_BAD_LOCATOR_SET, NULL), 2);

    /* No switch. */
    unit_mcast(&st, 100003, 1, UNKNOWN, "192.0.2.5");
    const struct vtep_locator_spec good = { "vxlan_over_ipv4", "192.0.2.5" };
    vtep_state_mcast_set(&st, U(100003), NULL, UNKNOWN, &good, 1);
    ck_assert_str_eq(flood_at(100, UNKNOWN), "");
    ck_assert_uint_eq(n_faults(VTEP_FAULT_BAD_LOCATOR_SET, NULL), 3);

    /* Deleting the rows clears the faults. */
    vtep_state_mcast_del(&st, U(100001));
    vtep_state_mcast_del(&st, U(100002));
    vtep_state_mcast_del(&st, U(100003));
    ck_assert_uint_eq(vtep_faults_count(&faults), 0);
}
END_TEST

/* Regression: re-setting an unchanged row with only bad locators churns
 * its fault. */
START_TEST(test_mcast_all_bad_unchanged_is_quiet)
{
    active_ls(1, "ls0", 100, "p0");
    const struct vtep_locator_spec locs[] = {
        { "vxlan_over_ipv4", "300.1.1.1" },
    };
    vtep_state_mcast_set(&st, U(100001), U(1), UNKNOWN, locs, 1);
    ck_assert_uint_eq(n_faults(VTEP_FAULT_BAD_LOCATOR_SET, NULL), 1);
    ck_assert_uint_eq(pop_faults(), 1);
    unsigned int seqno = vtep_faults_seqno(&faults);

    /* The same row again, as a resync presents it. */
    vtep_state_sweep_begin(&st);
    vtep_state_ls_set(&st, U(1), "ls0", (const int64_t[]) { 100 }, 1, NULL);
    unit_bind(&st, "p0", 10, 1);
    vtep_state_mcast_set(&st, U(100001), U(1), UNKNOWN, locs, 1);
    vtep_state_sweep_end(&st);

    ck_assert_uint_eq(n_faults(VTEP_FAULT_BAD_LOCATOR_SET, NULL), 1);
    ck_assert_msg(vtep_faults_seqno(&faults) == seqno,
                  "fault registry changed (seqno %u -> %u) although the "
                  "row did not", seqno, vtep_faults_seqno(&faults));
    ck_assert_msg(pop_faults() == 0,
                  "the unchanged fault was reported as new again");
}
END_TEST

/* Regression: the reasons are appended after "; row not applied", leaving
 * "no usable locator: ; row not applied<reasons>". */
START_TEST(test_mcast_all_bad_detail)
{
    active_ls(1, "ls0", 100, "p0");
    const struct vtep_locator_spec locs[] = {
        { "vxlan_over_ipv4", "300.1.1.1" },
    };
    vtep_state_mcast_set(&st, U(100001), U(1), UNKNOWN, locs, 1);
    const struct vtep_fault *f = find_fault(VTEP_FAULT_BAD_LOCATOR_SET,
                                            NULL);
    ck_assert_ptr_nonnull(f);
    ck_assert_msg(strstr(f->detail, "no usable locator: vxlan_over_ipv4:"
                         "300.1.1.1"), "garbled detail \"%s\"", f->detail);
}
END_TEST

START_TEST(test_mcast_bad_mac)
{
    active_ls(1, "ls0", 100, "p0");
    static const char *const bad_macs[] = {
        M1, "00:00:00:00:00:00", "unknown", "", NULL,
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad_macs); i++) {
        unit_mcast(&st, 100001 + i, 1, bad_macs[i], "192.0.2.1");
    }
    ck_assert_uint_eq(n_faults(VTEP_FAULT_BAD_MCAST_MAC, NULL),
                      ARRAY_SIZE(bad_macs));
    ck_assert_str_eq(flood_at(100, UNKNOWN), "");
    ck_assert_str_eq(flood_at(100, M1), "");
}
END_TEST

/* Our own tunnel IP. */

START_TEST(test_local_ip_excluded)
{
    vtep_state_set_local_ip(&st, unit_ip("192.0.2.99"));
    active_ls(1, "ls0", 100, "p0");
    unit_mcast(&st, 100001, 1, UNKNOWN, "192.0.2.1 192.0.2.99");
    unit_mcast(&st, 100002, 1, MCAST_MAC, "192.0.2.99");
    unit_ucast(&st, 1001, 1, M1, "192.0.2.99");
    unit_ucast(&st, 1002, 1, M2, "192.0.2.2");

    ck_assert_str_eq(flood_at(100, UNKNOWN), "192.0.2.1");
    ck_assert_str_eq(flood_at(100, MCAST_MAC), "");
    ck_assert_str_eq(ucast_at(100, M1), "none");
    ck_assert_str_eq(ucast_at(100, M2), "192.0.2.2");

    /* A newer row for M2 that points at us hides the older one. */
    unit_ucast(&st, 1003, 1, M2, "192.0.2.99");
    ck_assert_str_eq(ucast_at(100, M2), "none");
    vtep_state_ucast_del(&st, U(1003));
    ck_assert_str_eq(ucast_at(100, M2), "192.0.2.2");

    /* Our address changes: what pointed at the old one applies now, and is
     * marked dirty. */
    drain();
    vtep_state_set_local_ip(&st, unit_ip("192.0.2.98"));
    ck_assert(dirty_ucast(100, M1));
    ck_assert(dirty_mcast(100, UNKNOWN));
    ck_assert(dirty_mcast(100, MCAST_MAC));
    ck_assert_str_eq(ucast_at(100, M1), "192.0.2.99");
    ck_assert_str_eq(flood_at(100, UNKNOWN), "192.0.2.1 192.0.2.99");
    ck_assert_str_eq(flood_at(100, MCAST_MAC), "192.0.2.99");

    /* Setting the same address again changes nothing. */
    drain();
    vtep_state_set_local_ip(&st, unit_ip("192.0.2.98"));
    ck_assert_uint_eq(vtep_dirty_count(&st.dirty), 0);
    ck_assert_uint_eq(vtep_faults_count(&faults), 0);
}
END_TEST

/* Ports and bindings. */

START_TEST(test_port_bad_vlan)
{
    unit_ls_set(&st, 1, "ls-a", 100);
    unit_ls_set(&st, 2, "ls-b", 200);
    static const int64_t vlans[] = { 10, 4096, 20, -1 };
    static const uint32_t lss[] = { 1, 1, 2, 2 };
    unit_bind_n(&st, "p0", vlans, lss, 4);

    ck_assert_uint_eq(vtep_state_binding_vni(&st, "p0", 10), 100);
    ck_assert_uint_eq(vtep_state_binding_vni(&st, "p0", 20), 200);
    ck_assert(is_active(1, 100));
    ck_assert(is_active(2, 200));
    ck_assert_uint_eq(n_faults(VTEP_FAULT_BAD_VLAN, NULL), 2);
    const struct vtep_fault *f = find_fault(VTEP_FAULT_BAD_VLAN, "4096");
    ck_assert_ptr_nonnull(f);
    ck_assert_str_eq(f->port, "p0");
    ck_assert_ptr_nonnull(find_fault(VTEP_FAULT_BAD_VLAN, "-1"));
    ck_assert_str_eq(unit_port_keys(&faults, "p0"), "invalid_vlan_map");
    ck_assert_str_eq(unit_port_keys(&faults, "p1"), "");
    ck_assert_str_eq(unit_switch_keys(&faults), "");

    /* The bad ones go away: the good ones are untouched. */
    drain();
    unit_bind_n(&st, "p0", (const int64_t[]) { 10, 20 }, lss + 1, 2);
    ck_assert_uint_eq(vtep_faults_count(&faults), 0);
    ck_assert_str_eq(unit_port_keys(&faults, "p0"), "");
    ck_assert_uint_eq(vtep_dirty_count(&st.dirty), 0);
    ck_assert_uint_eq(vtep_state_binding_vni(&st, "p0", 20), 200);

    /* One comes back, then the port goes away. */
    unit_bind_n(&st, "p0", vlans, lss, 3);
    ck_assert_uint_eq(n_faults(VTEP_FAULT_BAD_VLAN, "4096"), 1);
    ck_assert_uint_eq(vtep_faults_count(&faults), 1);
    vtep_state_port_del(&st, "p0");
    ck_assert_uint_eq(vtep_faults_count(&faults), 0);
    ck_assert_str_eq(unit_port_keys(&faults, "p0"), "");
    ck_assert_uint_eq(vtep_state_binding_vni(&st, "p0", 10), 0);
    ck_assert_ptr_null(vtep_state_find_active(&st, 100));
    ck_assert(dirty_binding("p0", 10));
    ck_assert(dirty_binding("p0", 20));

    /* Deleting a port that does not exist is harmless. */
    vtep_state_port_del(&st, "p0");
}
END_TEST

/* Defect 10 of issue 9: the schema admits VLAN 4095, which 802.1Q
 * reserves; it was bound and forwarded. */
START_TEST(test_port_vlan_4095)
{
    unit_ls_set(&st, 1, "ls-a", 100);
    unit_ls_set(&st, 2, "ls-b", 200);
    unit_bind_n(&st, "p0", (const int64_t[]) { 4094, 4095 },
                (const uint32_t[]) { 1, 2 }, 2);

    ck_assert_uint_eq(vtep_state_binding_vni(&st, "p0", 4094), 100);
    ck_assert_uint_eq(vtep_state_binding_vni(&st, "p0", 4095), 0);
    ck_assert(!dirty_binding("p0", 4095));
    ck_assert(!vtep_state_find_ls(&st, U(2))->active);
    const struct vtep_fault *f = find_fault(VTEP_FAULT_BAD_VLAN, "4095");
    ck_assert_ptr_nonnull(f);
    ck_assert_str_eq(f->port, "p0");
    ck_assert_ptr_nonnull(strstr(f->detail, "reserved"));
    ck_assert_str_eq(unit_port_keys(&faults, "p0"), "invalid_vlan_map");

    unit_bind_n(&st, "p0", (const int64_t[]) { 4094 },
                (const uint32_t[]) { 1 }, 1);
    ck_assert_str_eq(unit_port_keys(&faults, "p0"), "");
    ck_assert_uint_eq(vtep_faults_count(&faults), 0);
}
END_TEST

START_TEST(test_port_binding_moves)
{
    unit_ls_set(&st, 1, "ls-a", 100);
    unit_ls_set(&st, 2, "ls-b", 200);
    static const int64_t vlans[] = { 10, 11 };
    unit_bind_n(&st, "p0", vlans, (const uint32_t[]) { 1, 2 }, 2);
    ck_assert(is_active(1, 100));
    ck_assert(is_active(2, 200));
    drain();

    /* VLAN 10 moves to ls-b: ls-a loses its only binding. */
    unit_bind_n(&st, "p0", vlans, (const uint32_t[]) { 2, 2 }, 2);
    ck_assert_uint_eq(vtep_state_binding_vni(&st, "p0", 10), 200);
    ck_assert_uint_eq(vtep_state_binding_vni(&st, "p0", 11), 200);
    ck_assert(dirty_binding("p0", 10));
    ck_assert(!dirty_binding("p0", 11));
    ck_assert(dirty_ls(100));
    ck_assert_ptr_null(vtep_state_find_active(&st, 100));
    ck_assert(is_active(2, 200));

    /* Another port binds the same VLAN to ls-a: VLANs are per port. */
    unit_bind(&st, "p1", 10, 1);
    ck_assert(is_active(1, 100));
    ck_assert_uint_eq(vtep_state_binding_vni(&st, "p1", 10), 100);
    ck_assert_uint_eq(vtep_state_binding_vni(&st, "p0", 10), 200);
    ck_assert_uint_eq(vtep_faults_count(&faults), 0);
}
END_TEST

/* A binding's fault goes with the binding, by unbinding or by moving it to
 * a usable switch (found by breaking binding_remove() on purpose: no other
 * case unbinds a faulted binding). */
START_TEST(test_port_binding_fault_goes_with_it)
{
    unit_ls_set(&st, 1, "ls-a", 100);
    unit_ls_set(&st, 2, "ls-b", 100);          /* Loses VNI 100 to ls-a. */
    unit_bind(&st, "p0", 10, 1);
    unit_bind_n(&st, "p1", (const int64_t[]) { 10, 11 },
                (const uint32_t[]) { 2, 3 }, 2);  /* 3 does not exist. */
    ck_assert_uint_eq(n_faults(VTEP_FAULT_UNKEYED_BINDING, NULL), 2);
    ck_assert_str_eq(unit_port_keys(&faults, "p1"), "invalid_vlan_map");

    /* VLAN 11 goes; VLAN 10 moves to the usable ls-a. */
    unit_bind_n(&st, "p1", (const int64_t[]) { 10 },
                (const uint32_t[]) { 1 }, 1);
    ck_assert_uint_eq(n_faults(VTEP_FAULT_UNKEYED_BINDING, NULL), 0);
    ck_assert_str_eq(unit_port_keys(&faults, "p1"), "");
    ck_assert_uint_eq(vtep_state_binding_vni(&st, "p1", 10), 100);

    /* Faulted again, then the whole port goes. */
    unit_bind(&st, "p1", 12, 2);
    ck_assert_str_eq(unit_port_keys(&faults, "p1"), "invalid_vlan_map");
    vtep_state_port_del(&st, "p1");
    ck_assert_str_eq(unit_port_keys(&faults, "p1"), "");
    ck_assert_uint_eq(n_faults(VTEP_FAULT_DUP_VNI, "ls-b"), 1);
    ck_assert_uint_eq(vtep_faults_count(&faults), 1);
}
END_TEST

/* Resync. */

/* A switch with a bit of everything, including faulty rows. */
static void
populate(void)
{
    unit_ls_set(&st, 1, "ls-a", 100);
    unit_ls_set(&st, 2, "ls-b", 200);
    unit_bind_n(&st, "p0", (const int64_t[]) { 10, 20, 4096 },
           (const uint32_t[]) { 1, 2, 2 }, 3);
    unit_ucast(&st, 1001, 1, M1, "192.0.2.1");
    unit_ucast(&st, 1002, 1, M2, "192.0.2.2");
    unit_ucast(&st, 1003, 1, "zz", "192.0.2.3");
    const struct vtep_locator_spec locs[] = {
        { "vxlan_over_ipv4", "192.0.2.1" },
        { "vxlan_over_ipv4", "300.1.1.1" },
    };
    vtep_state_mcast_set(&st, U(100001), U(1), UNKNOWN, locs, 2);
}

START_TEST(test_sweep_unchanged)
{
    populate();
    ck_assert(is_active(1, 100));
    ck_assert(is_active(2, 200));
    ck_assert_uint_eq(vtep_faults_count(&faults), 3);
    drain();
    pop_faults();
    unsigned int seqno = vtep_faults_seqno(&faults);

    vtep_state_sweep_begin(&st);
    populate();
    vtep_state_sweep_end(&st);

    ck_assert_uint_eq(vtep_dirty_count(&st.dirty), 0);
    ck_assert_uint_eq(vtep_faults_seqno(&faults), seqno);
    ck_assert_uint_eq(pop_faults(), 0);
    ck_assert(is_active(1, 100));
    ck_assert(is_active(2, 200));
    ck_assert_str_eq(ucast_at(100, M1), "192.0.2.1");
    ck_assert_str_eq(ucast_at(100, M2), "192.0.2.2");
    ck_assert_str_eq(flood_at(100, UNKNOWN), "192.0.2.1");
    ck_assert_uint_eq(vtep_faults_count(&faults), 3);
}
END_TEST

START_TEST(test_sweep_removes_unseen)
{
    populate();
    drain();

    /* This time ls-b, its binding, the second MAC, the bad MAC row and the
     * flood row are gone. */
    vtep_state_sweep_begin(&st);
    unit_ls_set(&st, 1, "ls-a", 100);
    unit_bind(&st, "p0", 10, 1);
    unit_ucast(&st, 1001, 1, M1, "192.0.2.1");
    vtep_state_sweep_end(&st);

    ck_assert(is_active(1, 100));
    ck_assert_str_eq(ucast_at(100, M1), "192.0.2.1");
    ck_assert_str_eq(ucast_at(100, M2), "none");
    ck_assert_str_eq(flood_at(100, UNKNOWN), "");
    ck_assert_ptr_null(vtep_state_find_active(&st, 200));
    const struct vtep_state_ls *b = vtep_state_find_ls(&st, U(2));
    ck_assert(!b || !b->has_row);
    ck_assert_uint_eq(vtep_state_binding_vni(&st, "p0", 20), 0);
    ck_assert_uint_eq(vtep_faults_count(&faults), 0);

    /* Exactly what changed is dirty. */
    ck_assert(dirty_ucast(100, M2));
    ck_assert(dirty_mcast(100, UNKNOWN));
    ck_assert(dirty_ls(200));
    ck_assert(dirty_binding("p0", 20));
    ck_assert_uint_eq(vtep_dirty_count(&st.dirty), 4);

    /* A port that is not seen goes too. */
    drain();
    vtep_state_sweep_begin(&st);
    unit_ls_set(&st, 1, "ls-a", 100);
    unit_ucast(&st, 1001, 1, M1, "192.0.2.1");
    vtep_state_sweep_end(&st);
    ck_assert_ptr_null(vtep_state_find_active(&st, 100));
    ck_assert(dirty_binding("p0", 10));
    ck_assert(dirty_ls(100));
}
END_TEST

START_TEST(test_format)
{
    active_ls(1, "ls0", 100, "p0");
    unit_ls_set(&st, 2, "ls1", 0);
    unit_ucast(&st, 1001, 1, M1, "192.0.2.1");

    struct ds s = DS_EMPTY_INITIALIZER;
    vtep_state_format(&st, &s);
    ck_assert_ptr_nonnull(strstr(ds_cstr(&s), "logical switches: 2 (1 "
                                 "active)"));
    ck_assert_ptr_nonnull(strstr(ds_cstr(&s), "ls0: vni 100, service_node, "
                                 "active, 1 remote macs, 0 mcast macs, 1 "
                                 "bindings"));
    ck_assert_ptr_nonnull(strstr(ds_cstr(&s), "ls1: no vni"));
    ds_destroy(&s);
}
END_TEST

static Suite *
state_suite(void)
{
    Suite *s = suite_create("vtep-state");

    TCase *tc = tcase_create("dirty");
    tcase_add_test(tc, test_dirty_keys);
    suite_add_tcase(s, tc);

    tc = tcase_create("logical-switch");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_ls_needs_key_and_binding);
    tcase_add_test(tc, test_ls_binding_before_switch);
    tcase_add_test(tc, test_ls_vni_change);
    tcase_add_test(tc, test_ls_key_zero_or_empty);
    tcase_add_test(tc, test_ls_bad_vni);
    tcase_add_test(tc, test_ls_attrs_change);
    tcase_add_test(tc, test_ls_deleted_and_recreated);
    tcase_add_test(tc, test_format);
    suite_add_tcase(s, tc);

    tc = tcase_create("duplicate-vni");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_dup_vni_first_holder_keeps_it);
    tcase_add_test(tc, test_dup_vni_holder_renumbered);
    tcase_add_loop_test(tc, test_dup_vni_startup_sweep_by_name, 0, 2);
    tcase_add_test(tc, test_dup_vni_resync_keeps_holder);
    tcase_add_loop_test(tc, test_dup_vni_startup_bound_wins, 0, 2);
    tcase_add_test(tc, test_dup_vni_bound_beats_unbound_holder);
    suite_add_tcase(s, tc);

    tc = tcase_create("ucast");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_ucast_duplicate_rows);
    tcase_add_test(tc, test_ucast_locator_move);
    tcase_add_test(tc, test_ucast_bad_mac);
    tcase_add_loop_test(tc, test_ucast_bad_locator, 0,
                        ARRAY_SIZE(bad_locators));
    tcase_add_test(tc, test_ucast_no_locator_or_switch);
    tcase_add_test(tc, test_ucast_inactive_switch);
    tcase_add_test(tc, test_ucast_incremental_cost);
    suite_add_tcase(s, tc);

    tc = tcase_create("mcast");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_mcast_union);
    tcase_add_test(tc, test_default_flood_locators);
    tcase_add_test(tc, test_default_flood_nodes);
    tcase_add_test(tc, test_mcast_some_locators_bad);
    tcase_add_test(tc, test_mcast_all_locators_bad);
    tcase_add_test(tc, test_mcast_bad_mac);
    tcase_add_test(tc, test_local_ip_excluded);
    suite_add_tcase(s, tc);

    tc = tcase_create("port");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_port_bad_vlan);
    tcase_add_test(tc, test_port_vlan_4095);
    tcase_add_test(tc, test_port_binding_fault_goes_with_it);
    tcase_add_test(tc, test_port_binding_moves);
    suite_add_tcase(s, tc);

    tc = tcase_create("sweep");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_sweep_unchanged);
    tcase_add_test(tc, test_sweep_removes_unseen);
    suite_add_tcase(s, tc);

    tc = tcase_create("regressions");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_ls_bad_vni_detail_follows_key);
    tcase_add_test(tc, test_dup_vni_detail_follows_holder_name);
    tcase_add_test(tc, test_mcast_all_bad_unchanged_is_quiet);
    tcase_add_test(tc, test_mcast_all_bad_detail);
    suite_add_tcase(s, tc);

    return s;
}

int
main(int argc OVS_UNUSED, char *argv[])
{
    return unit_main(argv[0], state_suite);
}

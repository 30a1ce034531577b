/*
 * test-fault.c: unit tests of lib/vtep-fault.[ch], the fault catalogue and
 * the registry of active faults.
 *
 * The registry is what the database side turns into the vtep(5) fault
 * columns and the log, so the tests pin down when its seqno moves, what
 * vtep_faults_pop_new() hands out, and which keys land in
 * Physical_Switch:switch_fault_status and Physical_Port:port_fault_status.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/vtep-fault.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/util.h"
#include "sset.h"
#include "unit.h"
#include "util.h"

static struct vtep_faults faults;

static void
setup(void)
{
    vtep_faults_init(&faults);
}

static void
teardown(void)
{
    vtep_faults_destroy(&faults);
}

#define ASSERT_SWITCH_KEYS(EXPECTED) \
    ck_assert_str_eq(unit_switch_keys(&faults), EXPECTED)
#define ASSERT_PORT_KEYS(PORT, EXPECTED) \
    ck_assert_str_eq(unit_port_keys(&faults, PORT), EXPECTED)

/* The catalogue. */

static bool
is_one_of(const char *s, const char *const *set, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(s, set[i])) {
            return true;
        }
    }
    return false;
}

START_TEST(test_catalogue_complete)
{
    /* The keys vtep(5) allows in each column. */
    static const char *const switch_db_keys[] = {
        "mac_table_exhaustion", "tunnel_exhaustion", "unspecified_fault",
    };
    static const char *const port_db_keys[] = {
        "invalid_vlan_map", "unspecified_fault",
    };

    for (int code = 0; code < VTEP_N_FAULTS; code++) {
        const struct vtep_fault_info *info = vtep_fault_info(code);
        ck_assert_ptr_nonnull(info);
        ck_assert_msg(info->name && *info->name, "code %d: no name", code);
        ck_assert_msg(info->title && *info->title, "%s: no title",
                      info->name);
        ck_assert_msg(info->description && *info->description,
                      "%s: no description", info->name);
        ck_assert_msg(info->suggestion && *info->suggestion,
                      "%s: no suggestion", info->name);
        ck_assert_msg(info->db_key, "%s: no db_key", info->name);
        if (info->scope == VTEP_FAULT_SWITCH) {
            ck_assert_msg(is_one_of(info->db_key, switch_db_keys,
                                    ARRAY_SIZE(switch_db_keys)),
                          "%s: %s is no switch_fault_status key",
                          info->name, info->db_key);
        } else {
            ck_assert_int_eq(info->scope, VTEP_FAULT_PORT);
            ck_assert_msg(is_one_of(info->db_key, port_db_keys,
                                    ARRAY_SIZE(port_db_keys)),
                          "%s: %s is no port_fault_status key",
                          info->name, info->db_key);
        }
        for (int other = 0; other < code; other++) {
            ck_assert_msg(strcmp(info->name, vtep_fault_info(other)->name),
                          "codes %d and %d are both named %s", other, code,
                          info->name);
        }
    }
}
END_TEST

START_TEST(test_catalogue_mapping)
{
    static const struct {
        enum vtep_fault_code code;
        enum vtep_fault_scope scope;
        const char *db_key;
    } map[] = {
        { VTEP_FAULT_BAD_UCAST_MAC, VTEP_FAULT_SWITCH, "unspecified_fault" },
        { VTEP_FAULT_BAD_VNI, VTEP_FAULT_SWITCH, "unspecified_fault" },
        { VTEP_FAULT_DUP_VNI, VTEP_FAULT_SWITCH, "unspecified_fault" },
        { VTEP_FAULT_BAD_VLAN, VTEP_FAULT_PORT, "invalid_vlan_map" },
        { VTEP_FAULT_UNKEYED_BINDING, VTEP_FAULT_PORT, "invalid_vlan_map" },
        { VTEP_FAULT_MAC_LIMIT, VTEP_FAULT_SWITCH, "mac_table_exhaustion" },
        { VTEP_FAULT_DP_FULL, VTEP_FAULT_SWITCH, "mac_table_exhaustion" },
        { VTEP_FAULT_DP_ERROR, VTEP_FAULT_SWITCH, "unspecified_fault" },
        { VTEP_FAULT_FLOOD_LIMIT, VTEP_FAULT_SWITCH, "tunnel_exhaustion" },
    };
    for (size_t i = 0; i < ARRAY_SIZE(map); i++) {
        const struct vtep_fault_info *info = vtep_fault_info(map[i].code);
        ck_assert_msg(info->scope == map[i].scope, "%s: wrong scope",
                      info->name);
        ck_assert_str_eq(info->db_key, map[i].db_key);
    }
}
END_TEST

/* Every code's key reaches its column. */
START_TEST(test_catalogue_keys_counted)
{
    for (int code = 0; code < VTEP_N_FAULTS; code++) {
        const struct vtep_fault_info *info = vtep_fault_info(code);
        vtep_faults_set(&faults, code, "x", "p0", "y");
        ck_assert_str_eq(info->scope == VTEP_FAULT_SWITCH
                         ? unit_switch_keys(&faults)
                         : unit_port_keys(&faults, "p0"), info->db_key);
        vtep_faults_clear(&faults, "x");
        ASSERT_SWITCH_KEYS("");
        ASSERT_PORT_KEYS("p0", "");
    }
}
END_TEST

/* The registry. */

START_TEST(test_empty)
{
    ck_assert_uint_eq(vtep_faults_count(&faults), 0);
    ck_assert_ptr_null(vtep_faults_find(&faults, "Logical_Switch ls0"));
    ck_assert_ptr_null(vtep_faults_pop_new(&faults));
    ck_assert(!vtep_faults_clear_code(&faults, VTEP_FAULT_BAD_VNI));
    ASSERT_SWITCH_KEYS("");
    ASSERT_PORT_KEYS("p0", "");

    struct ds s = DS_EMPTY_INITIALIZER;
    vtep_faults_format(&faults, &s);
    ck_assert_str_eq(ds_cstr(&s), "");
    ds_destroy(&s);

    vtep_faults_destroy(NULL);  /* Destructors accept NULL. */
}
END_TEST

START_TEST(test_set_find)
{
    unsigned int seqno = vtep_faults_seqno(&faults);
    vtep_faults_set(&faults, VTEP_FAULT_BAD_VNI, "Logical_Switch ls0", NULL,
                    "tunnel_key %d is bad", 16777216);
    ck_assert_uint_ne(vtep_faults_seqno(&faults), seqno);
    ck_assert_uint_eq(vtep_faults_count(&faults), 1);

    const struct vtep_fault *f = vtep_faults_find(&faults,
                                                  "Logical_Switch ls0");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(f->code, VTEP_FAULT_BAD_VNI);
    ck_assert_str_eq(f->object, "Logical_Switch ls0");
    ck_assert_ptr_null(f->port);
    ck_assert_str_eq(f->detail, "tunnel_key 16777216 is bad");

    ck_assert_ptr_null(vtep_faults_find(&faults, "Logical_Switch ls1"));
    ck_assert_ptr_null(vtep_faults_find(&faults, "Logical_Switch"));
}
END_TEST

START_TEST(test_set_same_is_noop)
{
    vtep_faults_set(&faults, VTEP_FAULT_BAD_VLAN, "Physical_Port p0 vlan -1",
                    "p0", "VLAN %d", -1);
    ck_assert_ptr_nonnull(vtep_faults_pop_new(&faults));
    unsigned int seqno = vtep_faults_seqno(&faults);

    for (int i = 0; i < 3; i++) {
        vtep_faults_set(&faults, VTEP_FAULT_BAD_VLAN,
                        "Physical_Port p0 vlan -1", "p0", "VLAN %d", -1);
    }
    ck_assert_uint_eq(vtep_faults_seqno(&faults), seqno);
    ck_assert_uint_eq(vtep_faults_count(&faults), 1);
    ck_assert_ptr_null(vtep_faults_pop_new(&faults));
}
END_TEST

START_TEST(test_set_replaces)
{
    const char *obj = "Ucast_Macs_Remote 1";
    const struct vtep_fault *f;

    vtep_faults_set(&faults, VTEP_FAULT_BAD_UCAST_MAC, obj, NULL, "one");
    unsigned int seqno = vtep_faults_seqno(&faults);

    /* Another code. */
    vtep_faults_set(&faults, VTEP_FAULT_BAD_LOCATOR, obj, NULL, "one");
    ck_assert_uint_ne(vtep_faults_seqno(&faults), seqno);
    seqno = vtep_faults_seqno(&faults);
    ck_assert_uint_eq(vtep_faults_count(&faults), 1);
    f = vtep_faults_find(&faults, obj);
    ck_assert_int_eq(f->code, VTEP_FAULT_BAD_LOCATOR);

    /* Another detail. */
    vtep_faults_set(&faults, VTEP_FAULT_BAD_LOCATOR, obj, NULL, "two");
    ck_assert_uint_ne(vtep_faults_seqno(&faults), seqno);
    seqno = vtep_faults_seqno(&faults);
    ck_assert_uint_eq(vtep_faults_count(&faults), 1);
    ck_assert_str_eq(vtep_faults_find(&faults, obj)->detail, "two");

    /* Another port, including none -> some and some -> none. */
    vtep_faults_set(&faults, VTEP_FAULT_BAD_LOCATOR, obj, "p1", "two");
    ck_assert_uint_ne(vtep_faults_seqno(&faults), seqno);
    seqno = vtep_faults_seqno(&faults);
    ck_assert_str_eq(vtep_faults_find(&faults, obj)->port, "p1");
    vtep_faults_set(&faults, VTEP_FAULT_BAD_LOCATOR, obj, "p2", "two");
    ck_assert_uint_ne(vtep_faults_seqno(&faults), seqno);
    seqno = vtep_faults_seqno(&faults);
    ck_assert_str_eq(vtep_faults_find(&faults, obj)->port, "p2");
    vtep_faults_set(&faults, VTEP_FAULT_BAD_LOCATOR, obj, NULL, "two");
    ck_assert_uint_ne(vtep_faults_seqno(&faults), seqno);
    ck_assert_ptr_null(vtep_faults_find(&faults, obj)->port);

    ck_assert_uint_eq(vtep_faults_count(&faults), 1);
}
END_TEST

START_TEST(test_clear)
{
    vtep_faults_set(&faults, VTEP_FAULT_BAD_VNI, "Logical_Switch a", NULL,
                    "a");
    vtep_faults_set(&faults, VTEP_FAULT_DUP_VNI, "Logical_Switch b", NULL,
                    "b");
    unsigned int seqno = vtep_faults_seqno(&faults);

    /* Clearing what is not there changes nothing. */
    vtep_faults_clear(&faults, "Logical_Switch c");
    vtep_faults_clear(&faults, "Logical_Switch");
    ck_assert_uint_eq(vtep_faults_seqno(&faults), seqno);
    ck_assert_uint_eq(vtep_faults_count(&faults), 2);

    vtep_faults_clear(&faults, "Logical_Switch a");
    ck_assert_uint_ne(vtep_faults_seqno(&faults), seqno);
    seqno = vtep_faults_seqno(&faults);
    ck_assert_uint_eq(vtep_faults_count(&faults), 1);
    ck_assert_ptr_null(vtep_faults_find(&faults, "Logical_Switch a"));
    ck_assert_ptr_nonnull(vtep_faults_find(&faults, "Logical_Switch b"));

    vtep_faults_clear(&faults, "Logical_Switch a");
    ck_assert_uint_eq(vtep_faults_seqno(&faults), seqno);

    /* Set again after a clear: a real change. */
    vtep_faults_set(&faults, VTEP_FAULT_BAD_VNI, "Logical_Switch a", NULL,
                    "a");
    ck_assert_uint_ne(vtep_faults_seqno(&faults), seqno);
    ck_assert_uint_eq(vtep_faults_count(&faults), 2);
}
END_TEST

/* Pops every new fault; returns how many there were and sets the bit of
 * 'objects' for each one whose object is in 'objects'. */
static size_t
pop_all(const char *const *objects, size_t n, unsigned int *seen)
{
    const struct vtep_fault *f;
    size_t count = 0;
    *seen = 0;
    while ((f = vtep_faults_pop_new(&faults)) != NULL) {
        for (size_t i = 0; i < n; i++) {
            if (!strcmp(f->object, objects[i])) {
                ck_assert_msg(!(*seen & (1u << i)), "%s popped twice",
                              objects[i]);
                *seen |= 1u << i;
            }
        }
        count++;
        ck_assert_uint_lt(count, 100);
    }
    return count;
}

START_TEST(test_pop_new)
{
    static const char *const objs[] = { "obj a", "obj b", "obj c" };
    unsigned int seen;

    for (size_t i = 0; i < ARRAY_SIZE(objs); i++) {
        vtep_faults_set(&faults, VTEP_FAULT_BAD_UCAST_MAC, objs[i], NULL,
                        "x");
    }
    ck_assert_uint_eq(pop_all(objs, 3, &seen), 3);
    ck_assert_uint_eq(seen, 7);
    ck_assert_ptr_null(vtep_faults_pop_new(&faults));

    /* Popped faults stay active. */
    ck_assert_uint_eq(vtep_faults_count(&faults), 3);
    ck_assert_ptr_nonnull(vtep_faults_find(&faults, "obj b"));

    /* Setting an unchanged fault is not new. */
    vtep_faults_set(&faults, VTEP_FAULT_BAD_UCAST_MAC, "obj a", NULL, "x");
    ck_assert_ptr_null(vtep_faults_pop_new(&faults));

    /* Replacing one is: it is returned once. */
    vtep_faults_set(&faults, VTEP_FAULT_BAD_UCAST_MAC, "obj a", NULL, "y");
    ck_assert_uint_eq(pop_all(objs, 3, &seen), 1);
    ck_assert_uint_eq(seen, 1);

    /* A fault replaced twice before the pop is returned once, as it is
     * now. */
    vtep_faults_set(&faults, VTEP_FAULT_BAD_LOCATOR, "obj b", NULL, "1");
    vtep_faults_set(&faults, VTEP_FAULT_BAD_LOCATOR, "obj b", NULL, "2");
    const struct vtep_fault *f = vtep_faults_pop_new(&faults);
    ck_assert_ptr_nonnull(f);
    ck_assert_str_eq(f->object, "obj b");
    ck_assert_str_eq(f->detail, "2");
    ck_assert_ptr_null(vtep_faults_pop_new(&faults));

    /* A fault set and cleared before the pop is not returned. */
    vtep_faults_set(&faults, VTEP_FAULT_BAD_VNI, "obj d", NULL, "d");
    vtep_faults_clear(&faults, "obj d");
    ck_assert_ptr_null(vtep_faults_pop_new(&faults));

    /* Nor one cleared by code. */
    vtep_faults_set(&faults, VTEP_FAULT_DP_ERROR, "obj e", NULL, "e");
    ck_assert(vtep_faults_clear_code(&faults, VTEP_FAULT_DP_ERROR));
    ck_assert_ptr_null(vtep_faults_pop_new(&faults));
}
END_TEST

START_TEST(test_switch_keys)
{
    ASSERT_SWITCH_KEYS("");

    /* Two faults, one key. */
    vtep_faults_set(&faults, VTEP_FAULT_BAD_UCAST_MAC, "u1", NULL, "x");
    vtep_faults_set(&faults, VTEP_FAULT_BAD_VNI, "ls1", NULL, "x");
    ASSERT_SWITCH_KEYS("unspecified_fault");

    vtep_faults_set(&faults, VTEP_FAULT_DP_FULL, "datapath", NULL, "x");
    ASSERT_SWITCH_KEYS("mac_table_exhaustion,unspecified_fault");

    /* Port faults are not switch faults. */
    vtep_faults_set(&faults, VTEP_FAULT_BAD_VLAN, "p0 vlan 4096", "p0",
                    "x");
    ASSERT_SWITCH_KEYS("mac_table_exhaustion,unspecified_fault");

    /* The key stays while any fault with it stays. */
    vtep_faults_clear(&faults, "u1");
    ASSERT_SWITCH_KEYS("mac_table_exhaustion,unspecified_fault");
    vtep_faults_clear(&faults, "ls1");
    ASSERT_SWITCH_KEYS("mac_table_exhaustion");
    vtep_faults_clear(&faults, "datapath");
    ASSERT_SWITCH_KEYS("");

    /* The sset is added to, not replaced. */
    struct sset keys = SSET_INITIALIZER(&keys);
    sset_add(&keys, "something_else");
    vtep_faults_set(&faults, VTEP_FAULT_MAC_LIMIT, "ls2", NULL, "x");
    vtep_faults_switch_keys(&faults, &keys);
    ck_assert_uint_eq(sset_count(&keys), 2);
    ck_assert(sset_contains(&keys, "something_else"));
    ck_assert(sset_contains(&keys, "mac_table_exhaustion"));
    sset_destroy(&keys);
}
END_TEST

START_TEST(test_port_keys)
{
    vtep_faults_set(&faults, VTEP_FAULT_BAD_VLAN, "p0 vlan 4096", "p0", "x");
    vtep_faults_set(&faults, VTEP_FAULT_UNKEYED_BINDING, "p0 vlan 10", "p0",
                    "x");
    vtep_faults_set(&faults, VTEP_FAULT_UNKEYED_BINDING, "p1 vlan 10", "p1",
                    "x");
    vtep_faults_set(&faults, VTEP_FAULT_BAD_VNI, "ls0", NULL, "x");

    ASSERT_PORT_KEYS("p0", "invalid_vlan_map");
    ASSERT_PORT_KEYS("p1", "invalid_vlan_map");
    ASSERT_PORT_KEYS("p2", "");
    ASSERT_PORT_KEYS("p", "");          /* Not a prefix match. */
    ASSERT_SWITCH_KEYS("unspecified_fault");

    vtep_faults_clear(&faults, "p0 vlan 4096");
    ASSERT_PORT_KEYS("p0", "invalid_vlan_map");
    vtep_faults_clear(&faults, "p0 vlan 10");
    ASSERT_PORT_KEYS("p0", "");
    ASSERT_PORT_KEYS("p1", "invalid_vlan_map");

    /* A fault that moves to another port moves its key. */
    vtep_faults_set(&faults, VTEP_FAULT_UNKEYED_BINDING, "p1 vlan 10", "p3",
                    "x");
    ASSERT_PORT_KEYS("p1", "");
    ASSERT_PORT_KEYS("p3", "invalid_vlan_map");
}
END_TEST

START_TEST(test_clear_code)
{
    vtep_faults_set(&faults, VTEP_FAULT_DP_ERROR, "datapath", NULL, "x");
    vtep_faults_set(&faults, VTEP_FAULT_DUP_VNI, "ls a", NULL, "x");
    vtep_faults_set(&faults, VTEP_FAULT_DUP_VNI, "ls b", NULL, "x");
    vtep_faults_set(&faults, VTEP_FAULT_BAD_VNI, "ls c", NULL, "x");
    unsigned int seqno = vtep_faults_seqno(&faults);

    ck_assert(!vtep_faults_clear_code(&faults, VTEP_FAULT_MAC_LIMIT));
    ck_assert_uint_eq(vtep_faults_seqno(&faults), seqno);
    ck_assert_uint_eq(vtep_faults_count(&faults), 4);

    ck_assert(vtep_faults_clear_code(&faults, VTEP_FAULT_DUP_VNI));
    ck_assert_uint_ne(vtep_faults_seqno(&faults), seqno);
    ck_assert_uint_eq(vtep_faults_count(&faults), 2);
    ck_assert_ptr_null(vtep_faults_find(&faults, "ls a"));
    ck_assert_ptr_null(vtep_faults_find(&faults, "ls b"));
    ck_assert_ptr_nonnull(vtep_faults_find(&faults, "ls c"));
    ck_assert_ptr_nonnull(vtep_faults_find(&faults, "datapath"));

    ck_assert(!vtep_faults_clear_code(&faults, VTEP_FAULT_DUP_VNI));
}
END_TEST

START_TEST(test_format)
{
    vtep_faults_set(&faults, VTEP_FAULT_BAD_VLAN, "b", "p0", "vlan %d",
                    4096);
    vtep_faults_set(&faults, VTEP_FAULT_BAD_VNI, "a", NULL, "key %s", "x");

    struct ds s = DS_EMPTY_INITIALIZER;
    vtep_faults_format(&faults, &s);
    ck_assert_str_eq(ds_cstr(&s),
                     "  a: bad-vni [unspecified_fault]: key x\n"
                     "  b: bad-vlan [invalid_vlan_map on port p0]: "
                     "vlan 4096\n");
    ds_destroy(&s);
}
END_TEST

/* Fault columns: which targets changed. */

/* Pops every changed target and returns them sorted, joined by commas,
 * the switch as "(switch)", in a buffer valid until the next call. */
static const char *
pop_changed(void)
{
    static struct ds s = DS_EMPTY_INITIALIZER;
    struct sset names = SSET_INITIALIZER(&names);
    char *port;
    while (vtep_faults_pop_changed(&faults, &port)) {
        ck_assert_msg(sset_add(&names, port ? port : "(switch)"),
                      "target %s popped twice", port ? port : "(switch)");
        free(port);
    }
    ck_assert_ptr_null(port);
    const char **sorted = sset_sort(&names);
    ds_clear(&s);
    for (size_t i = 0; i < sset_count(&names); i++) {
        ds_put_format(&s, "%s%s", i ? "," : "", sorted[i]);
    }
    free(sorted);
    sset_destroy(&names);
    return ds_cstr(&s);
}

START_TEST(test_changed_targets)
{
    ck_assert_str_eq(pop_changed(), "");

    /* A key that appears changes its target, once. */
    vtep_faults_set(&faults, VTEP_FAULT_BAD_VNI, "ls1", NULL, "x");
    vtep_faults_set(&faults, VTEP_FAULT_BAD_VLAN, "p0 vlan 4095", "p0",
                    "x");
    vtep_faults_set(&faults, VTEP_FAULT_UNKEYED_BINDING, "p0 vlan 7", "p0",
                    "x");
    ck_assert_str_eq(pop_changed(), "(switch),p0");
    ck_assert_str_eq(pop_changed(), "");

    /* More faults with keys that are there already change nothing, nor
     * does a changed detail, nor clearing one of two. */
    vtep_faults_set(&faults, VTEP_FAULT_BAD_UCAST_MAC, "u1", NULL, "x");
    vtep_faults_set(&faults, VTEP_FAULT_BAD_VNI, "ls1", NULL, "y");
    vtep_faults_clear(&faults, "p0 vlan 7");
    ck_assert_str_eq(pop_changed(), "");

    /* A new key does; so does the last fault of a key going. */
    vtep_faults_set(&faults, VTEP_FAULT_DP_FULL, "datapath", NULL, "x");
    vtep_faults_clear(&faults, "p0 vlan 4095");
    ck_assert_str_eq(pop_changed(), "(switch),p0");
    ASSERT_PORT_KEYS("p0", "");
    ASSERT_SWITCH_KEYS("mac_table_exhaustion,unspecified_fault");

    /* A fault that moves between ports changes both. */
    vtep_faults_set(&faults, VTEP_FAULT_UNKEYED_BINDING, "b", "p1", "x");
    ck_assert_str_eq(pop_changed(), "p1");
    vtep_faults_set(&faults, VTEP_FAULT_UNKEYED_BINDING, "b", "p2", "x");
    ck_assert_str_eq(pop_changed(), "p1,p2");

    /* A column somebody else wrote is marked by the database side. */
    vtep_faults_mark_changed(&faults, "p9");
    vtep_faults_mark_changed(&faults, NULL);
    vtep_faults_mark_changed(&faults, "p9");
    ck_assert_str_eq(pop_changed(), "(switch),p9");
    ASSERT_PORT_KEYS("p9", "");
}
END_TEST

/* 10,000 bad rows: one column each for the switch and two ports, and no
 * operation but clear_code() and format() walks the registry. */
START_TEST(test_many_faults_bounded)
{
    enum { N = 10000 };
    for (int i = 0; i < N; i++) {
        char object[64];
        snprintf(object, sizeof object, "Ucast_Macs_Remote %d", i);
        vtep_faults_set(&faults, VTEP_FAULT_BAD_UCAST_MAC, object, NULL,
                        "bad MAC %d", i);
        snprintf(object, sizeof object, "Physical_Port p%d vlan %d", i % 2,
                 i);
        vtep_faults_set(&faults, VTEP_FAULT_UNKEYED_BINDING, object,
                        i % 2 ? "p1" : "p0", "x");
    }
    ck_assert_uint_eq(vtep_faults_count(&faults), 2 * N);
    ck_assert_str_eq(pop_changed(), "(switch),p0,p1");
    ASSERT_SWITCH_KEYS("unspecified_fault");
    ASSERT_PORT_KEYS("p0", "invalid_vlan_map");
    ASSERT_PORT_KEYS("p1", "invalid_vlan_map");

    /* One more bad row, one fixed: no column changes. */
    vtep_faults_set(&faults, VTEP_FAULT_BAD_LOCATOR, "Ucast_Macs_Remote x",
                    NULL, "x");
    vtep_faults_clear(&faults, "Ucast_Macs_Remote 17");
    ck_assert_str_eq(pop_changed(), "");
    for (int i = 0; i < 100; i++) {
        ASSERT_SWITCH_KEYS("unspecified_fault");
        ASSERT_PORT_KEYS("p1", "invalid_vlan_map");
    }
    ck_assert_uint_eq(faults.n_walked, 0);

    /* Only the last of N faults takes the key away. */
    for (int i = 0; i < N; i++) {
        char object[64];
        snprintf(object, sizeof object, "Physical_Port p%d vlan %d", i % 2,
                 i);
        vtep_faults_clear(&faults, object);
        if (i < N - 2) {
            ck_assert_str_eq(pop_changed(), "");
        }
    }
    ck_assert_str_eq(pop_changed(), "p0,p1");
    ASSERT_PORT_KEYS("p0", "");
    ck_assert_uint_eq(faults.n_walked, 0);

    /* vtepd/show lists the first VTEP_FAULTS_FORMAT_MAX, then counts. */
    struct ds s = DS_EMPTY_INITIALIZER;
    vtep_faults_format(&faults, &s);
    size_t lines = 0;
    for (const char *p = ds_cstr(&s); *p; p++) {
        lines += *p == '\n';
    }
    ck_assert_uint_eq(lines, VTEP_FAULTS_FORMAT_MAX + 1);
    ck_assert_ptr_nonnull(strstr(ds_cstr(&s), "  ... and 9900 more\n"));
    ds_destroy(&s);
}
END_TEST

static Suite *
fault_suite(void)
{
    Suite *s = suite_create("vtep-fault");

    TCase *tc = tcase_create("catalogue");
    tcase_add_test(tc, test_catalogue_complete);
    tcase_add_test(tc, test_catalogue_mapping);
    suite_add_tcase(s, tc);

    tc = tcase_create("catalogue-keys");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_catalogue_keys_counted);
    suite_add_tcase(s, tc);

    tc = tcase_create("registry");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_empty);
    tcase_add_test(tc, test_set_find);
    tcase_add_test(tc, test_set_same_is_noop);
    tcase_add_test(tc, test_set_replaces);
    tcase_add_test(tc, test_clear);
    tcase_add_test(tc, test_pop_new);
    tcase_add_test(tc, test_switch_keys);
    tcase_add_test(tc, test_port_keys);
    tcase_add_test(tc, test_clear_code);
    tcase_add_test(tc, test_format);
    suite_add_tcase(s, tc);

    tc = tcase_create("columns");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_changed_targets);
    tcase_add_test(tc, test_many_faults_bounded);
    suite_add_tcase(s, tc);

    return s;
}

int
main(int argc OVS_UNUSED, char *argv[])
{
    return unit_main(argv[0], fault_suite);
}

/*
 * test-reconcile.c: unit tests of lib/vtep-reconcile.[ch] against the dummy
 * datapath (lib/vtep-dp-dummy.c, through lib/vtep-dp.h).
 *
 * Each test feeds rows to a vtep_state, runs the reconciler and looks at
 * the result three ways: the reconciler's own record (its stats and
 * reconciler_format_fdb()), and the dummy's tables and log of operations.
 * The dummy checks the ordering contract of vtep-dp-provider.h on every
 * call and records a violation as an operation with an error, so "no
 * error= in the log and n_errors == 0" means the contract was kept.
 *
 * The dummy shows its tables and log, and injects failures, only through
 * unixctl commands.  The fixture therefore runs a unixctl server in the
 * test process and talks to it over a jsonrpc client without blocking
 * (see appctl()), which makes the dummy's own failure injection usable
 * here.
 */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "fatal-signal.h"
#include "hash.h"
#include "jsonrpc.h"
#include "lib/vtep-dp.h"
#include "lib/vtep-fault.h"
#include "lib/vtep-reconcile.h"
#include "lib/vtep-state.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/json.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/util.h"
#include "openvswitch/vlog.h"
#include "timeval.h"
#include "unit.h"
#include "unixctl.h"
#include "util.h"

#define U UNIT_UUID

#define M1 "00:00:5e:00:53:01"
#define M2 "00:00:5e:00:53:02"
#define M3 "00:00:5e:00:53:03"
#define MCAST_MAC "01:00:5e:00:00:fb"
#define UNKNOWN "unknown-dst"
#define LOCAL_IP "192.0.2.100"

static struct vtep_faults faults;
static struct vtep_state st;
static struct vtep_dp *dp;
static struct reconciler *r;

static struct unixctl_server *server;
static struct jsonrpc *client;

static void
setup(void)
{
    vtep_faults_init(&faults);
    vtep_state_init(&st, &faults);
    vtep_state_set_local_ip(&st, unit_ip(LOCAL_IP));

    const struct vtep_dp_config cfg = {
        .name = "vtep0",
        .tunnel_ip = unit_ip(LOCAL_IP),
        .udp_port = 4789,
    };
    ck_assert_int_eq(vtep_dp_open("dummy", &cfg, &dp), 0);
    ck_assert_str_eq(vtep_dp_type(dp), "dummy");
    r = reconciler_create(dp, &faults);

    /* Once the client is connected, the socket needs no name: remove it
     * at once, so that a test that fails leaves nothing behind.  OVS
     * unlinks it again when the server is destroyed and would warn that it
     * is gone. */
    vlog_set_levels(vlog_module_from_name("fatal_signal"),
                    VLF_ANY_DESTINATION, VLL_ERR);
    const char *tmp = getenv("TMPDIR");
    char *dir = xasprintf("%s/vtep-unit.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    ck_assert_msg(mkdtemp(dir), "mkdtemp: %s", ovs_strerror(errno));
    char *path = xasprintf("%s/ctl", dir);
    int error = unixctl_server_create(path, &server);
    if (!error) {
        error = unixctl_client_create(path, &client);
    }
    fatal_signal_unlink_file_now(path);
    rmdir(dir);
    free(path);
    free(dir);
    ck_assert_msg(!error, "unixctl: %s", ovs_strerror(error));
}

static void
teardown(void)
{
    jsonrpc_close(client);
    unixctl_server_destroy(server);

    reconciler_destroy(r);
    vtep_dp_close(dp);
    vtep_state_destroy(&st);
    vtep_faults_destroy(&faults);
}

/* unixctl. */

/* Runs unixctl command 'cmd' with the space-separated arguments 'args'
 * (NULL for none) on our own server.  Returns the reply, or the error
 * reply prefixed by "error: ", in a buffer valid until the next call. */
static const char *
appctl(const char *cmd, const char *args)
{
    static char *reply;
    struct json *params = json_array_create_empty();
    char *copy = nullable_xstrdup(args);
    char *save_ptr = NULL;
    for (char *arg = copy ? strtok_r(copy, " ", &save_ptr) : NULL; arg;
         arg = strtok_r(NULL, " ", &save_ptr)) {
        json_array_add(params, json_string_create(arg));
    }
    free(copy);

    ck_assert_int_eq(jsonrpc_send(client,
                                  jsonrpc_create_request(cmd, params, NULL)),
                     0);
    struct jsonrpc_msg *msg = NULL;
    for (int i = 0; i < 1000 && !msg; i++) {
        unixctl_server_run(server);
        jsonrpc_run(client);
        int error = jsonrpc_recv(client, &msg);
        if (error) {
            ck_assert_msg(error == EAGAIN, "%s: %s", cmd,
                          ovs_strerror(error));
            unixctl_server_wait(server);
            jsonrpc_wait(client);
            jsonrpc_recv_wait(client);
            poll_timer_wait(100);
            poll_block();
        }
    }
    ck_assert_msg(msg, "%s: no reply", cmd);

    free(reply);
    if (msg->type == JSONRPC_REPLY && msg->result->type == JSON_STRING) {
        reply = xstrdup(json_string(msg->result));
    } else if (msg->type == JSONRPC_ERROR
               && msg->error->type == JSON_STRING) {
        reply = xasprintf("error: %s", json_string(msg->error));
    } else {
        reply = jsonrpc_msg_to_string(msg);
    }
    jsonrpc_msg_destroy(msg);
    return reply;
}

/* The dummy's tables, sorted, after a "counts: ..." line. */
static const char *
dp_tables(void)
{
    return appctl("vtepd/dummy-tables", NULL);
}

/* The first line of dp_tables(), without its newline. */
static const char *
dp_counts(void)
{
    static char buf[128];
    ovs_strlcpy(buf, dp_tables(), sizeof buf);
    buf[strcspn(buf, "\n")] = '\0';
    return buf;
}

/* The dummy's log of operations since the last ops_clear(). */
static const char *
dp_ops(void)
{
    return appctl("vtepd/dump-ops", NULL);
}

static void
ops_clear(void)
{
    appctl("vtepd/dump-ops", "--clear");
    ck_assert_str_eq(dp_ops(), "");
}

/* Makes the next 'count' calls of datapath operation 'op' fail with
 * 'error', through the dummy's own failure injection. */
static void
dp_fail(const char *op, int error, int count)
{
    char *args = xasprintf("%s %d %d", op, error, count);
    ck_assert_str_eq(appctl("vtepd/dummy-fail", args), "");
    free(args);
}

/* The number of lines of 'text' that contain 's'. */
static size_t
count_lines(const char *text, const char *s)
{
    size_t n = 0;
    while (*text) {
        size_t len = strcspn(text, "\n");
        char *line = xmemdup0(text, len);
        n += strstr(line, s) != NULL;
        free(line);
        text += len + (text[len] == '\n');
    }
    return n;
}

/* Running the reconciler. */

static struct reconciler_stats
stats(void)
{
    struct reconciler_stats s;
    reconciler_get_stats(r, &s);
    return s;
}

/* Runs the reconciler until it has nothing left to do.  Returns the
 * number of operations it issued. */
static uint64_t
run_all(void)
{
    uint64_t n_ops = stats().n_ops;
    int i;
    for (i = 0; i < 1000 && reconciler_run(r, &st, 1000); i++) {
        continue;
    }
    ck_assert_int_lt(i, 1000);
    ck_assert(vtep_dirty_is_empty(&st.dirty));
    return stats().n_ops - n_ops;
}

/* Asserts that no operation so far failed or broke the contract. */
#define ASSERT_NO_ERRORS()                                          \
    do {                                                            \
        ck_assert_uint_eq(stats().n_errors, 0);                     \
        ck_assert_uint_eq(stats().n_retry, 0);                      \
        ck_assert_msg(!strstr(dp_ops(), "error="), "%s", dp_ops()); \
    } while (0)

static const char *
fdb(const char *filter)
{
    static struct ds s = DS_EMPTY_INITIALIZER;
    ds_clear(&s);
    reconciler_format_fdb(r, filter, &s);
    return ds_cstr(&s);
}

/* Switch 1, "ls0", VNI 100, bound to p0 VLAN 10, with two remote MACs, a
 * MAC that points at ourselves and two flood entries. */
static void
populate(void)
{
    unit_ls_set(&st, 1, "ls0", 100);
    unit_bind(&st, "p0", 10, 1);
    unit_ucast(&st, 1001, 1, M1, "192.0.2.1");
    unit_ucast(&st, 1002, 1, M2, "192.0.2.2");
    unit_ucast(&st, 1003, 1, M3, LOCAL_IP);
    unit_mcast(&st, 100001, 1, UNKNOWN, "192.0.2.2 192.0.2.1 " LOCAL_IP);
    unit_mcast(&st, 100002, 1, MCAST_MAC, "192.0.2.3");
}

static const char populated_fdb[] =
    "ls0 (vni 100, service_node)\n"
    "  binding p0 vlan 10\n"
    "  flood 01:00:5e:00:00:fb -> 192.0.2.3\n"
    "  flood unknown-dst -> 192.0.2.1 192.0.2.2\n"
    "  ucast 00:00:5e:00:53:01 -> 192.0.2.1\n"
    "  ucast 00:00:5e:00:53:02 -> 192.0.2.2\n";

static const char populated_tables[] =
    "counts: ls=1 bindings=1 ucast=2 flood=2\n"
    "binding port=p0 vlan=10 vni=100\n"
    "flood vni=100 mac=01:00:5e:00:00:fb remotes=192.0.2.3\n"
    "flood vni=100 mac=unknown-dst remotes=192.0.2.1,192.0.2.2\n"
    "ls vni=100 mode=service_node name=ls0\n"
    "ucast vni=100 mac=00:00:5e:00:53:01 remote=192.0.2.1\n"
    "ucast vni=100 mac=00:00:5e:00:53:02 remote=192.0.2.2\n";

/* The fixture itself: the dummy checks what it is told. */

START_TEST(test_dummy_reports_violations)
{
    ck_assert_int_eq(vtep_dp_ucast_set(dp, 999, unit_mac(M1),
                                       unit_ip("192.0.2.1")), ENOENT);
    ck_assert_int_eq(vtep_dp_ls_del(dp, 999), ENOENT);

    const struct vtep_dp_ls ls = { 999, VTEP_REPL_SERVICE_NODE, "x" };
    ck_assert_int_eq(vtep_dp_ls_set(dp, &ls), 0);
    ck_assert_int_eq(vtep_dp_binding_add(dp, "p0", 10, 999), 0);
    ck_assert_int_eq(vtep_dp_binding_add(dp, "p0", 10, 999), EEXIST);
    ck_assert_int_eq(vtep_dp_ls_del(dp, 999), EBUSY);
    const ovs_be32 unsorted[] = { unit_ip("192.0.2.2"),
                                  unit_ip("192.0.2.1") };
    ck_assert_int_eq(vtep_dp_flood_set(dp, 999, eth_addr_zero, unsorted, 2),
                     EINVAL);

    ck_assert_uint_eq(count_lines(dp_ops(), "error="), 5);
    ck_assert_str_eq(dp_counts(), "counts: ls=1 bindings=1 ucast=0 flood=0");
    ck_assert_str_eq(appctl("vtepd/dummy-fail", "no_such_op 5"),
                     "error: unknown operation\n");
}
END_TEST

/* Installing and removing. */

START_TEST(test_install)
{
    ck_assert(!reconciler_run(r, &st, 100));
    ck_assert_uint_eq(stats().n_ops, 0);

    populate();
    ck_assert_uint_eq(run_all(), 6);
    ASSERT_NO_ERRORS();

    struct reconciler_stats s = stats();
    ck_assert_uint_eq(s.n_ls, 1);
    ck_assert_uint_eq(s.n_bindings, 1);
    ck_assert_uint_eq(s.n_ucast, 2);
    ck_assert_uint_eq(s.n_flood, 2);
    ck_assert_str_eq(fdb(NULL), populated_fdb);
    ck_assert_str_eq(dp_tables(), populated_tables);

    /* The switch came first. */
    const char *ops = dp_ops();
    ck_assert_msg(!strncmp(ops, "ls_set vni=100 mode=service_node name=ls0\n",
                           42), "%s", ops);
    ck_assert_uint_eq(count_lines(ops, "vni=100"), 6);

    /* Nothing more to do. */
    ck_assert(!reconciler_run(r, &st, 100));
    ck_assert_uint_eq(stats().n_ops, s.n_ops);
}
END_TEST

START_TEST(test_teardown)
{
    populate();
    run_all();
    ops_clear();

    /* Three ways for the switch to go. */
    if (_i == 0) {
        vtep_state_ls_del(&st, U(1));
    } else if (_i == 1) {
        vtep_state_port_del(&st, "p0");
    } else {
        unit_ls_set(&st, 1, "ls0", 0);
    }
    ck_assert_uint_eq(run_all(), 6);
    ASSERT_NO_ERRORS();

    struct reconciler_stats s = stats();
    ck_assert_uint_eq(s.n_ls, 0);
    ck_assert_uint_eq(s.n_bindings, 0);
    ck_assert_uint_eq(s.n_ucast, 0);
    ck_assert_uint_eq(s.n_flood, 0);
    ck_assert_str_eq(fdb(NULL), "");
    ck_assert_str_eq(dp_tables(), "counts: ls=0 bindings=0 ucast=0 flood=0\n");

    /* The switch went last. */
    const char *ops = dp_ops();
    ck_assert_uint_eq(count_lines(ops, "ls_del vni=100"), 1);
    const char *last = strstr(ops, "ls_del vni=100\n");
    ck_assert_str_eq(last, "ls_del vni=100\n");

    /* And comes back. */
    if (_i == 0) {
        unit_ls_set(&st, 1, "ls0", 100);
    } else if (_i == 1) {
        unit_bind(&st, "p0", 10, 1);
    } else {
        unit_ls_set(&st, 1, "ls0", 100);
    }
    ck_assert_uint_eq(run_all(), 6);
    ASSERT_NO_ERRORS();
    ck_assert_str_eq(dp_tables(), populated_tables);
}
END_TEST

START_TEST(test_unchanged_resync)
{
    populate();
    run_all();
    ops_clear();
    uint64_t n_ops = stats().n_ops;

    vtep_state_sweep_begin(&st);
    populate();
    vtep_state_sweep_end(&st);

    ck_assert(!reconciler_run(r, &st, 100));
    ck_assert_uint_eq(stats().n_ops, n_ops);
    ck_assert_str_eq(dp_ops(), "");
    ck_assert_str_eq(dp_tables(), populated_tables);
}
END_TEST

START_TEST(test_partial_resync)
{
    populate();
    run_all();
    ops_clear();

    /* M2 and the multicast-MAC flood entry are gone. */
    vtep_state_sweep_begin(&st);
    unit_ls_set(&st, 1, "ls0", 100);
    unit_bind(&st, "p0", 10, 1);
    unit_ucast(&st, 1001, 1, M1, "192.0.2.1");
    unit_ucast(&st, 1003, 1, M3, LOCAL_IP);
    unit_mcast(&st, 100001, 1, UNKNOWN, "192.0.2.2 192.0.2.1 " LOCAL_IP);
    vtep_state_sweep_end(&st);

    ck_assert_uint_eq(run_all(), 2);
    ASSERT_NO_ERRORS();
    ck_assert_uint_eq(count_lines(dp_ops(), "ucast_del vni=100 mac=" M2), 1);
    ck_assert_uint_eq(count_lines(dp_ops(), "flood_set vni=100 mac="
                                  MCAST_MAC " remotes=(none)"), 1);
    ck_assert_str_eq(dp_counts(), "counts: ls=1 bindings=1 ucast=1 flood=1");
}
END_TEST

/* Changes to a switch. */

START_TEST(test_vni_renumber)
{
    enum { N = 50 };
    populate();
    for (uint32_t i = 0; i < N; i++) {
        unit_ucast(&st, 2000 + i, 1, unit_mac_n(i), "198.51.100.1");
    }
    run_all();
    ck_assert_uint_eq(stats().n_ucast, N + 2);

    unit_ls_set(&st, 1, "ls0", 200);
    run_all();
    ASSERT_NO_ERRORS();

    const char *tables = dp_tables();
    ck_assert_uint_eq(count_lines(tables, "vni=100"), 0);
    ck_assert_uint_eq(count_lines(tables, "ucast vni=200 "), N + 2);
    ck_assert_uint_eq(count_lines(tables, "flood vni=200 "), 2);
    ck_assert_uint_eq(count_lines(tables, "binding port=p0 vlan=10 vni=200"),
                      1);
    ck_assert_uint_eq(count_lines(tables, "ls vni=200 "), 1);
    ck_assert_uint_eq(count_lines(tables, "ls "), 1);
    ck_assert_uint_eq(stats().n_ucast, N + 2);
    ck_assert_uint_eq(stats().n_ls, 1);
    ck_assert_ptr_nonnull(strstr(fdb("200"), "ucast " M1 " -> 192.0.2.1"));
    ck_assert_str_eq(fdb("100"), "");
}
END_TEST

START_TEST(test_vni_swap)
{
    unit_ls_set(&st, 1, "ls-a", 100);
    unit_ls_set(&st, 2, "ls-b", 200);
    unit_bind(&st, "p0", 10, 1);
    unit_bind(&st, "p1", 10, 2);
    unit_ucast(&st, 1001, 1, M1, "192.0.2.1");
    unit_ucast(&st, 1002, 2, M2, "192.0.2.2");
    run_all();

    unit_ls_set(&st, 1, "ls-a", 200);
    unit_ls_set(&st, 2, "ls-b", 100);
    run_all();
    ASSERT_NO_ERRORS();
    ck_assert_uint_eq(vtep_faults_count(&faults), 0);
    ck_assert_str_eq(dp_tables(),
                     "counts: ls=2 bindings=2 ucast=2 flood=0\n"
                     "binding port=p0 vlan=10 vni=200\n"
                     "binding port=p1 vlan=10 vni=100\n"
                     "ls vni=100 mode=service_node name=ls-b\n"
                     "ls vni=200 mode=service_node name=ls-a\n"
                     "ucast vni=100 mac=" M2 " remote=192.0.2.2\n"
                     "ucast vni=200 mac=" M1 " remote=192.0.2.1\n");
}
END_TEST

START_TEST(test_dup_vni_handover)
{
    unit_ls_set(&st, 1, "ls-a", 100);
    unit_bind(&st, "p0", 10, 1);
    unit_ucast(&st, 1001, 1, M1, "192.0.2.1");
    unit_ls_set(&st, 2, "ls-b", 100);
    unit_bind(&st, "p1", 20, 2);
    unit_ucast(&st, 1002, 2, M2, "192.0.2.2");
    run_all();
    ck_assert_str_eq(fdb(NULL),
                     "ls-a (vni 100, service_node)\n"
                     "  binding p0 vlan 10\n"
                     "  ucast " M1 " -> 192.0.2.1\n");

    vtep_state_ls_del(&st, U(1));
    run_all();
    ASSERT_NO_ERRORS();
    ck_assert_str_eq(fdb(NULL),
                     "ls-b (vni 100, service_node)\n"
                     "  binding p1 vlan 20\n"
                     "  ucast " M2 " -> 192.0.2.2\n");
    ck_assert_str_eq(dp_tables(),
                     "counts: ls=1 bindings=1 ucast=1 flood=0\n"
                     "binding port=p1 vlan=20 vni=100\n"
                     "ls vni=100 mode=service_node name=ls-b\n"
                     "ucast vni=100 mac=" M2 " remote=192.0.2.2\n");
}
END_TEST

START_TEST(test_binding_moves)
{
    unit_ls_set(&st, 1, "ls-a", 100);
    unit_ls_set(&st, 2, "ls-b", 200);
    unit_bind_n(&st, "p0", (const int64_t[]) { 10, 11 },
                (const uint32_t[]) { 1, 2 }, 2);
    run_all();
    ck_assert_str_eq(dp_counts(), "counts: ls=2 bindings=2 ucast=0 flood=0");

    unit_bind_n(&st, "p0", (const int64_t[]) { 10, 11 },
                (const uint32_t[]) { 2, 2 }, 2);
    run_all();
    ASSERT_NO_ERRORS();
    ck_assert_str_eq(dp_tables(),
                     "counts: ls=1 bindings=2 ucast=0 flood=0\n"
                     "binding port=p0 vlan=10 vni=200\n"
                     "binding port=p0 vlan=11 vni=200\n"
                     "ls vni=200 mode=service_node name=ls-b\n");
}
END_TEST

START_TEST(test_mode_and_name)
{
    populate();
    run_all();
    ops_clear();

    const int64_t key = 100;
    vtep_state_ls_set(&st, U(1), "ls0", &key, 1, "source_node");
    ck_assert_uint_eq(run_all(), 1);
    ck_assert_str_eq(dp_ops(), "ls_set vni=100 mode=source_node name=ls0\n");
    ck_assert_ptr_nonnull(strstr(fdb(NULL), "ls0 (vni 100, source_node)\n"));

    ops_clear();
    vtep_state_ls_set(&st, U(1), "ls-new", &key, 1, "source_node");
    ck_assert_uint_eq(run_all(), 1);
    ck_assert_str_eq(dp_ops(),
                     "ls_set vni=100 mode=source_node name=ls-new\n");
    ck_assert_ptr_nonnull(strstr(fdb("ls-new"), "binding p0 vlan 10"));
    ck_assert_str_eq(fdb("ls0"), "");
    ASSERT_NO_ERRORS();
}
END_TEST

/* Changes to MACs. */

START_TEST(test_ucast_changes)
{
    populate();
    run_all();
    ops_clear();

    unit_ucast(&st, 1001, 1, M1, "192.0.2.9");     /* Moves. */
    unit_ucast(&st, 1004, 1, M2, "192.0.2.2");     /* Same remote. */
    vtep_state_ucast_del(&st, U(1002));             /* Still 1004. */
    ck_assert_uint_eq(run_all(), 1);
    ck_assert_str_eq(dp_ops(), "ucast_set vni=100 mac=" M1
                     " remote=192.0.2.9\n");

    ops_clear();
    vtep_state_ucast_del(&st, U(1004));
    ck_assert_uint_eq(run_all(), 1);
    ck_assert_str_eq(dp_ops(), "ucast_del vni=100 mac=" M2 "\n");
    ck_assert_uint_eq(stats().n_ucast, 1);
    ASSERT_NO_ERRORS();
}
END_TEST

START_TEST(test_flood_changes)
{
    populate();
    run_all();
    ops_clear();

    unit_mcast(&st, 100003, 1, UNKNOWN, "192.0.2.7");
    ck_assert_uint_eq(run_all(), 1);
    ck_assert_str_eq(dp_ops(), "flood_set vni=100 mac=unknown-dst "
                     "remotes=192.0.2.1,192.0.2.2,192.0.2.7\n");

    ops_clear();
    vtep_state_mcast_del(&st, U(100001));
    vtep_state_mcast_del(&st, U(100003));
    ck_assert_uint_eq(run_all(), 1);
    ck_assert_str_eq(dp_ops(), "flood_set vni=100 mac=unknown-dst "
                     "remotes=(none)\n");
    ck_assert_uint_eq(stats().n_flood, 1);
    ASSERT_NO_ERRORS();
}
END_TEST

/* The flood-limit fault of switch 'ls_name''s entry 'mac', or NULL. */
static const struct vtep_fault *
flood_fault(const char *ls_name, const char *mac)
{
    char *object = xasprintf("Logical_Switch %s flood %s", ls_name, mac);
    const struct vtep_fault *f = vtep_faults_find(&faults, object);
    free(object);
    ck_assert(!f || f->code == VTEP_FAULT_FLOOD_LIMIT);
    return f;
}

/* Issue 9: a 2,000-locator unknown-dst set made one broadcast 2,000
 * tunnel packets.  The flood limit cuts an entry to its first remotes by
 * IP, for every provider, and says so with tunnel_exhaustion. */
START_TEST(test_flood_limit)
{
    reconciler_set_flood_limit(r, 3);
    populate();
    unit_mcast(&st, 100001, 1, UNKNOWN, "192.0.2.9 192.0.2.2 192.0.2.1 "
               "192.0.2.5 " LOCAL_IP " 192.0.2.3");
    run_all();
    ASSERT_NO_ERRORS();
    ck_assert_ptr_nonnull(strstr(dp_tables(), "flood vni=100 "
                                 "mac=unknown-dst remotes=192.0.2.1,"
                                 "192.0.2.2,192.0.2.3\n"));
    ck_assert_ptr_nonnull(strstr(fdb(NULL), "  flood unknown-dst -> "
                                 "192.0.2.1 192.0.2.2 192.0.2.3\n"));
    const struct vtep_fault *f = flood_fault("ls0", UNKNOWN);
    ck_assert_ptr_nonnull(f);
    ck_assert_msg(strstr(f->detail, "has 5 remote VTEPs")
                  && strstr(f->detail, "first 3"), "%s", f->detail);
    ck_assert_str_eq(unit_switch_keys(&faults), "tunnel_exhaustion");
    /* The multicast-MAC entry, with one remote, is not cut. */
    ck_assert_ptr_null(flood_fault("ls0", MCAST_MAC));
    ck_assert_uint_eq(vtep_faults_count(&faults), 1);

    /* One more remote beyond the first three: no operation, a new
     * count. */
    ops_clear();
    unit_mcast(&st, 100003, 1, UNKNOWN, "192.0.2.8");
    ck_assert_uint_eq(run_all(), 0);
    ck_assert_ptr_nonnull(strstr(flood_fault("ls0", UNKNOWN)->detail,
                                 "has 6 remote VTEPs"));

    /* A rename moves the fault to the new name. */
    unit_ls_set(&st, 1, "ls9", 100);
    run_all();
    ck_assert_ptr_null(flood_fault("ls0", UNKNOWN));
    ck_assert_ptr_nonnull(flood_fault("ls9", UNKNOWN));
    ck_assert_uint_eq(vtep_faults_count(&faults), 1);

    /* The set shrinks to the limit: the fault clears. */
    vtep_state_mcast_del(&st, U(100003));
    unit_mcast(&st, 100001, 1, UNKNOWN, "192.0.2.9 192.0.2.5 192.0.2.3");
    run_all();
    ck_assert_ptr_nonnull(strstr(dp_tables(), "mac=unknown-dst "
                                 "remotes=192.0.2.3,192.0.2.5,192.0.2.9\n"));
    ck_assert_ptr_null(flood_fault("ls9", UNKNOWN));
    ck_assert_str_eq(unit_switch_keys(&faults), "");

    /* Cut again, then the switch goes: so does the fault. */
    unit_mcast(&st, 100001, 1, UNKNOWN, "192.0.2.9 192.0.2.5 192.0.2.3 "
               "192.0.2.4");
    run_all();
    ck_assert_ptr_nonnull(flood_fault("ls9", UNKNOWN));
    vtep_state_port_del(&st, "p0");
    run_all();
    ck_assert_uint_eq(vtep_faults_count(&faults), 0);

    /* And an entry that goes away clears its own. */
    unit_bind(&st, "p0", 10, 1);
    run_all();
    ck_assert_ptr_nonnull(flood_fault("ls9", UNKNOWN));
    vtep_state_mcast_del(&st, U(100001));
    run_all();
    ck_assert_uint_eq(vtep_faults_count(&faults), 0);
    ASSERT_NO_ERRORS();
}
END_TEST

/* The default limit: 200 locators become exactly the first 128. */
START_TEST(test_flood_limit_default)
{
    enum { N = 200 };
    unit_ls_set(&st, 1, "ls0", 100);
    unit_bind(&st, "p0", 10, 1);
    struct vtep_locator_spec locs[N];
    char ips[N][32];
    for (int i = 0; i < N; i++) {
        /* Backwards, to show that the order is by IP. */
        snprintf(ips[i], sizeof ips[i], "10.0.%d.%d", (N - 1 - i) / 100,
                 (N - 1 - i) % 100 + 1);
        locs[i] = (struct vtep_locator_spec) { "vxlan_over_ipv4", ips[i] };
    }
    vtep_state_mcast_set(&st, U(100001), U(1), UNKNOWN, locs, N);
    run_all();
    ASSERT_NO_ERRORS();

    const char *t = strstr(dp_tables(), "mac=unknown-dst remotes=");
    ck_assert_ptr_nonnull(t);
    size_t n = 1;
    for (const char *p = t; *p && *p != '\n'; p++) {
        n += *p == ',';
    }
    ck_assert_uint_eq(n, RECONCILER_FLOOD_LIMIT);
    ck_assert_uint_eq(RECONCILER_FLOOD_LIMIT, 128);
    /* 10.0.0.1 .. 10.0.0.100, then 10.0.1.1 .. 10.0.1.28. */
    ck_assert_ptr_nonnull(strstr(t, "remotes=10.0.0.1,10.0.0.2,"));
    ck_assert_ptr_nonnull(strstr(t, ",10.0.1.28\n"));
    ck_assert_ptr_nonnull(strstr(flood_fault("ls0", UNKNOWN)->detail,
                                 "has 200 remote VTEPs"));

    /* 0: no limit. */
    reconciler_set_flood_limit(r, 0);
    unit_mcast(&st, 100002, 1, UNKNOWN, "192.0.2.1");
    run_all();
    t = strstr(dp_tables(), "mac=unknown-dst remotes=");
    n = 1;
    for (const char *p = t; *p && *p != '\n'; p++) {
        n += *p == ',';
    }
    ck_assert_uint_eq(n, N + 1);
    ck_assert_ptr_null(flood_fault("ls0", UNKNOWN));
}
END_TEST

START_TEST(test_local_ip_change)
{
    populate();
    run_all();
    ck_assert_ptr_null(strstr(dp_tables(), M3));

    vtep_state_set_local_ip(&st, unit_ip("192.0.2.101"));
    ck_assert_uint_eq(run_all(), 2);
    ASSERT_NO_ERRORS();
    ck_assert_ptr_nonnull(strstr(dp_tables(), "ucast vni=100 mac=" M3
                                 " remote=" LOCAL_IP "\n"));
    ck_assert_ptr_nonnull(strstr(dp_tables(), "flood vni=100 mac=unknown-dst "
                                 "remotes=192.0.2.1,192.0.2.2," LOCAL_IP
                                 "\n"));
}
END_TEST

/* Bounded work. */

START_TEST(test_budget)
{
    enum { N = 100, BUDGET = 10 };
    unit_ls_set(&st, 1, "ls0", 100);
    unit_bind(&st, "p0", 10, 1);
    run_all();

    for (uint32_t i = 0; i < N; i++) {
        unit_ucast(&st, 2000 + i, 1, unit_mac_n(i), "198.51.100.1");
    }
    for (int i = 0; i < N / BUDGET; i++) {
        uint64_t n_ops = stats().n_ops;
        bool more = reconciler_run(r, &st, BUDGET);
        ck_assert_uint_eq(stats().n_ops - n_ops, BUDGET);
        ck_assert_msg(more == (i < N / BUDGET - 1), "run %d returned %s", i,
                      more ? "true" : "false");
    }
    ck_assert_uint_eq(stats().n_ucast, N);
    ck_assert_str_eq(dp_counts(), "counts: ls=1 bindings=1 ucast=100 flood=0");
    ck_assert(!reconciler_run(r, &st, BUDGET));
    ASSERT_NO_ERRORS();
}
END_TEST

/* Regression: taking a switch down ignores the budget. */
START_TEST(test_teardown_budget)
{
    enum { N = 100, BUDGET = 10 };
    unit_ls_set(&st, 1, "ls0", 100);
    unit_bind(&st, "p0", 10, 1);
    for (uint32_t i = 0; i < N; i++) {
        unit_ucast(&st, 2000 + i, 1, unit_mac_n(i), "198.51.100.1");
    }
    run_all();

    vtep_state_ls_del(&st, U(1));
    uint64_t n_ops = stats().n_ops;
    bool more = reconciler_run(r, &st, BUDGET);
    uint64_t done = stats().n_ops - n_ops;
    ck_assert_msg(done <= BUDGET + 1, "reconciler_run(budget %d) issued "
                  "%"PRIu64" operations%s", BUDGET, done,
                  more ? "" : " and reported no work left");
    ck_assert(more);
}
END_TEST

/* Failures and retries. */

START_TEST(test_retry_enospc)
{
    populate();
    run_all();

    dp_fail("ucast_set", ENOSPC, 1);
    unit_ucast(&st, 1005, 1, "00:00:5e:00:53:05", "192.0.2.5");
    ck_assert(!reconciler_run(r, &st, 100));
    struct reconciler_stats s = stats();
    ck_assert_uint_eq(s.n_errors, 1);
    ck_assert_uint_eq(s.n_retry, 1);
    ck_assert_uint_eq(s.n_ucast, 2);
    ck_assert_str_eq(dp_counts(), "counts: ls=1 bindings=1 ucast=2 flood=2");
    ck_assert_uint_eq(count_lines(dp_ops(), "error="), 1);
    const struct vtep_fault *f = vtep_faults_find(&faults, "datapath");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(f->code, VTEP_FAULT_DP_FULL);
    ck_assert_str_eq(unit_switch_keys(&faults), "mac_table_exhaustion");

    /* Not retried before its time. */
    ck_assert(!reconciler_run(r, &st, 100));
    ck_assert_uint_eq(stats().n_ops, s.n_ops);

    xnanosleep(1100 * 1000 * 1000);
    ck_assert(!reconciler_run(r, &st, 100));
    s = stats();
    ck_assert_uint_eq(s.n_errors, 1);
    ck_assert_uint_eq(s.n_retry, 0);
    ck_assert_uint_eq(s.n_ucast, 3);
    ck_assert_str_eq(dp_counts(), "counts: ls=1 bindings=1 ucast=3 flood=2");
    ck_assert_ptr_null(vtep_faults_find(&faults, "datapath"));
    ck_assert_str_eq(unit_switch_keys(&faults), "");
}
END_TEST

START_TEST(test_retry_other_error_backs_off)
{
    dp_fail("binding_add", EIO, 2);
    populate();
    run_all();
    ck_assert_uint_eq(stats().n_errors, 1);
    ck_assert_uint_eq(stats().n_bindings, 0);
    ck_assert_int_eq(vtep_faults_find(&faults, "datapath")->code,
                     VTEP_FAULT_DP_ERROR);
    ck_assert_str_eq(unit_switch_keys(&faults), "unspecified_fault");

    /* First retry after 1 s: fails again. */
    xnanosleep(1100 * 1000 * 1000);
    reconciler_run(r, &st, 100);
    ck_assert_uint_eq(stats().n_errors, 2);
    ck_assert_uint_eq(stats().n_retry, 1);

    /* The next one waits 2 s. */
    uint64_t n_ops = stats().n_ops;
    xnanosleep(1100 * 1000 * 1000);
    reconciler_run(r, &st, 100);
    ck_assert_uint_eq(stats().n_ops, n_ops);
    xnanosleep(1000 * 1000 * 1000);
    reconciler_run(r, &st, 100);
    ck_assert_uint_eq(stats().n_ops, n_ops + 1);
    ck_assert_uint_eq(stats().n_errors, 2);
    ck_assert_uint_eq(stats().n_retry, 0);
    ck_assert_uint_eq(stats().n_bindings, 1);
    ck_assert_str_eq(dp_tables(), populated_tables);
    ck_assert_uint_eq(vtep_faults_count(&faults), 0);
}
END_TEST

START_TEST(test_retry_teardown)
{
    populate();
    run_all();

    /* The switch cannot go until its MACs are gone. */
    dp_fail("ucast_del", EIO, 1);
    vtep_state_ls_del(&st, U(1));
    reconciler_run(r, &st, 100);
    ck_assert_uint_eq(stats().n_errors, 1);
    ck_assert_uint_eq(stats().n_ls, 1);
    ck_assert_uint_eq(count_lines(dp_ops(), "ls_del"), 0);

    xnanosleep(1100 * 1000 * 1000);
    reconciler_run(r, &st, 100);
    ck_assert_uint_eq(stats().n_errors, 1);
    ck_assert_uint_eq(stats().n_retry, 0);
    ck_assert_str_eq(dp_tables(), "counts: ls=0 bindings=0 ucast=0 flood=0\n");
    /* The only error is the injected one. */
    ck_assert_uint_eq(count_lines(dp_ops(), "error="), 1);
    ck_assert_uint_eq(count_lines(dp_ops(), "ls_del vni=100"), 1);
}
END_TEST

/* Regression: a key that fails twice is counted twice. */
START_TEST(test_retry_counts_keys_once)
{
    populate();
    run_all();

    dp_fail("ucast_set", EIO, 2);
    unit_ucast(&st, 1001, 1, M1, "192.0.2.8");
    reconciler_run(r, &st, 100);
    ck_assert_uint_eq(stats().n_retry, 1);

    /* Changed again before the retry is due: fails again. */
    unit_ucast(&st, 1001, 1, M1, "192.0.2.9");
    reconciler_run(r, &st, 100);
    ck_assert_uint_eq(stats().n_errors, 2);
    ck_assert_msg(stats().n_retry == 1, "one key waits for a retry, but "
                  "n_retry is %"PRIuSIZE, stats().n_retry);
}
END_TEST

/* The poll loop. */

/* Blocks in poll_block() after reconciler_wait(), for at most 'max_ms';
 * returns how long it took. */
static long long int
time_wait(int max_ms)
{
    reconciler_wait(r, &st);
    poll_timer_wait(max_ms);
    long long int start = time_msec();
    poll_block();
    return time_msec() - start;
}

START_TEST(test_wait)
{
    /* Nothing to do: no wake-up. */
    ck_assert_int_ge(time_wait(200), 150);

    /* Work pending: wake at once. */
    populate();
    ck_assert_int_lt(time_wait(5000), 500);
    run_all();
    ck_assert_int_ge(time_wait(200), 150);

    /* A retry pending: wake when it is due, about 1 s later. */
    dp_fail("ucast_set", EIO, 1);
    unit_ucast(&st, 1001, 1, M1, "192.0.2.8");
    reconciler_run(r, &st, 100);
    long long int ms = time_wait(5000);
    ck_assert_int_ge(ms, 500);
    ck_assert_int_lt(ms, 2500);
}
END_TEST

START_TEST(test_format_fdb_filter)
{
    unit_ls_set(&st, 1, "ls-a", 100);
    unit_ls_set(&st, 2, "ls-b", 200);
    unit_bind(&st, "p0", 10, 1);
    unit_bind(&st, "p1", 10, 2);
    run_all();

    ck_assert_str_eq(fdb(NULL), "ls-a (vni 100, service_node)\n"
                     "  binding p0 vlan 10\n"
                     "ls-b (vni 200, service_node)\n"
                     "  binding p1 vlan 10\n");
    ck_assert_str_eq(fdb("ls-b"), "ls-b (vni 200, service_node)\n"
                     "  binding p1 vlan 10\n");
    ck_assert_str_eq(fdb("100"), "ls-a (vni 100, service_node)\n"
                     "  binding p0 vlan 10\n");
    ck_assert_str_eq(fdb("ls-c"), "");
    ck_assert_str_eq(fdb("300"), "");
}
END_TEST

/* Regression: the reconciler drained its dirty keys with vtep_dirty_pop(),
 * which looks for a key from the first bucket of the map every time, so
 * draining n keys cost O(n^2): a 100k-MAC install spent 1.3 s there.  The
 * speed itself is for utilities/bench-scale.sh to measure (tests do not
 * time); this checks what the fix must keep: one pass installs every key
 * of a large map, however its buckets are filled, and a drained map gives
 * back its buckets, so that the next single change does not scan them. */
START_TEST(test_drain_large_map)
{
    static const uint32_t sizes[] = { 10000, 100000 };
    const struct vtep_locator_spec loc = { "vxlan_over_ipv4",
                                           "198.51.100.1" };
    uint32_t next = 0;

    unit_ls_set(&st, 1, "ls0", 100);
    unit_bind(&st, "p0", 10, 1);
    run_all();
    for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
        for (uint32_t j = 0; j < sizes[i]; j++, next++) {
            /* Row UUIDs as random as the database's: uuid_hash() looks at
             * the first word only, which UNIT_UUID() keeps constant. */
            struct uuid row = { .parts = { hash_int(next, 0), next, 1, 2 } };
            vtep_state_ucast_set(&st, &row, U(1), unit_mac_n(next), &loc);
        }
        /* The dummy's time budget may split it over a few runs. */
        for (int k = 0; reconciler_run(r, &st, 1000000); k++) {
            ck_assert_int_lt(k, 1000);
        }
        ck_assert_uint_eq(st.dirty.ucast.mask, 0);
    }
    ck_assert_uint_eq(stats().n_ucast, next);
    ASSERT_NO_ERRORS();
}
END_TEST

/* Adoption and resync. */

/* vtepd restarts on a datapath that kept its state (the kernel's does): a
 * new reconciler and a desired state built again from the database. */
static void
restart(void)
{
    reconciler_destroy(r);
    vtep_state_destroy(&st);
    vtep_state_init(&st, &faults);
    vtep_state_set_local_ip(&st, unit_ip(LOCAL_IP));
    r = reconciler_create(dp, &faults);
    ops_clear();
}

START_TEST(test_adopt_unchanged)
{
    populate();
    run_all();
    restart();

    /* Everything matches: not one operation. */
    populate();
    ck_assert_uint_eq(run_all(), 0);
    ASSERT_NO_ERRORS();
    ck_assert_str_eq(dp_ops(), "");
    ck_assert_uint_eq(stats().n_adopted, 6);
    ck_assert_str_eq(fdb(NULL), populated_fdb);
    ck_assert_str_eq(dp_tables(), populated_tables);

    /* And the adopted entries are the reconciler's own from now on. */
    vtep_state_ucast_del(&st, U(1001));
    ck_assert_uint_eq(run_all(), 1);
    ck_assert_str_eq(dp_ops(), "ucast_del vni=100 mac=" M1 "\n");
    ASSERT_NO_ERRORS();
}
END_TEST

START_TEST(test_adopt_differences)
{
    populate();
    run_all();
    restart();

    /* While vtepd was down: the switch renamed, M1 deleted, M2 moved to
     * another VTEP, M4 added, the multicast entry gone. */
    unit_ls_set(&st, 1, "ls0-new", 100);
    unit_bind(&st, "p0", 10, 1);
    unit_ucast(&st, 1002, 1, M2, "192.0.2.9");
    unit_ucast(&st, 1004, 1, "00:00:5e:00:53:04", "192.0.2.1");
    unit_mcast(&st, 100001, 1, UNKNOWN, "192.0.2.2 192.0.2.1");
    ck_assert_uint_eq(run_all(), 5);
    ASSERT_NO_ERRORS();
    const char *ops = dp_ops();
    ck_assert_uint_eq(count_lines(ops, "ls_set vni=100 mode=service_node "
                                  "name=ls0-new"), 1);
    ck_assert_uint_eq(count_lines(ops, "ucast_del vni=100 mac=" M1), 1);
    ck_assert_uint_eq(count_lines(ops, "ucast_set vni=100 mac=" M2
                                  " remote=192.0.2.9"), 1);
    ck_assert_uint_eq(count_lines(ops, "ucast_set vni=100 "
                                  "mac=00:00:5e:00:53:04"), 1);
    ck_assert_ptr_nonnull(strstr(ops, "flood_set vni=100 mac=" MCAST_MAC
                                 " remotes=(none)\n"));
    ck_assert_uint_eq(count_lines(ops, "binding"), 0);
    ck_assert_str_eq(dp_counts(), "counts: ls=1 bindings=1 ucast=2 flood=1");
}
END_TEST

START_TEST(test_adopt_unwanted)
{
    populate();
    run_all();
    restart();

    /* The database no longer has the switch: what the datapath holds for
     * it goes, entries first, and nothing breaks the ordering contract. */
    ck_assert_uint_eq(run_all(), 6);
    ASSERT_NO_ERRORS();
    ck_assert_str_eq(dp_tables(), "counts: ls=0 bindings=0 ucast=0 flood=0\n");
    const char *ops = dp_ops();
    ck_assert_str_eq(strstr(ops, "ls_del vni=100\n"), "ls_del vni=100\n");
    ck_assert_str_eq(fdb(NULL), "");
}
END_TEST

START_TEST(test_adopt_other_vni)
{
    populate();
    run_all();
    restart();

    /* The same switch under another key: the old VNI's entries go, the
     * new one is installed. */
    unit_ls_set(&st, 1, "ls0", 200);
    unit_bind(&st, "p0", 10, 1);
    unit_ucast(&st, 1001, 1, M1, "192.0.2.1");
    ck_assert_uint_eq(run_all(), 6 + 3);
    ASSERT_NO_ERRORS();
    ck_assert_str_eq(dp_tables(),
                     "counts: ls=1 bindings=1 ucast=1 flood=0\n"
                     "binding port=p0 vlan=10 vni=200\n"
                     "ls vni=200 mode=service_node name=ls0\n"
                     "ucast vni=200 mac=" M1 " remote=192.0.2.1\n");
}
END_TEST

START_TEST(test_resync)
{
    populate();
    run_all();
    ops_clear();

    /* An entry deleted behind the reconciler's back is not noticed... */
    ck_assert_int_eq(vtep_dp_ucast_del(dp, 100, unit_mac(M1)), 0);
    ops_clear();
    ck_assert_uint_eq(run_all(), 0);
    ck_assert_str_eq(dp_counts(), "counts: ls=1 bindings=1 ucast=1 flood=2");

    /* ...until the provider asks for a resync: then it comes back, and
     * nothing else is touched. */
    ck_assert_str_eq(appctl("vtepd/dummy-resync", NULL), "");
    ck_assert_uint_eq(run_all(), 1);
    ck_assert_str_eq(dp_ops(), "ucast_set vni=100 mac=" M1
                     " remote=192.0.2.1\n");
    ASSERT_NO_ERRORS();
    ck_assert_uint_eq(stats().n_resyncs, 1);
    ck_assert_str_eq(dp_tables(), populated_tables);
    ck_assert_str_eq(fdb(NULL), populated_fdb);
}
END_TEST

/* Batching: the dummy in batch mode reports injected failures at
 * batch_commit(), as a provider that pipelines its messages does. */

static void
batch_on(void)
{
    ck_assert_msg(!strncmp(appctl("vtepd/dummy-batch", "on"),
                           "0 batches", 9), "%s", appctl("vtepd/dump-ops",
                                                        NULL));
}

static uint64_t
n_batches(void)
{
    return strtoull(appctl("vtepd/dummy-batch", "on"), NULL, 10);
}

START_TEST(test_batch_install)
{
    batch_on();
    populate();
    ck_assert_uint_eq(run_all(), 6);
    ASSERT_NO_ERRORS();
    ck_assert_str_eq(dp_tables(), populated_tables);
    ck_assert_uint_ge(n_batches(), 1);
}
END_TEST

START_TEST(test_batch_failed_set)
{
    batch_on();
    dp_fail("ucast_set", EIO, 1);
    populate();
    ck_assert(!reconciler_run(r, &st, 100));
    struct reconciler_stats s = stats();
    ck_assert_uint_eq(s.n_errors, 1);
    ck_assert_uint_eq(s.n_retry, 1);
    ck_assert_str_eq(dp_counts(), "counts: ls=1 bindings=1 ucast=1 flood=2");
    ck_assert_ptr_nonnull(vtep_faults_find(&faults, "datapath"));

    xnanosleep(1100 * 1000 * 1000);
    ck_assert(!reconciler_run(r, &st, 100));
    ck_assert_uint_eq(stats().n_retry, 0);
    ck_assert_str_eq(dp_tables(), populated_tables);
    ck_assert_str_eq(fdb(NULL), populated_fdb);
    ck_assert_ptr_null(vtep_faults_find(&faults, "datapath"));
}
END_TEST

START_TEST(test_batch_failed_delete)
{
    batch_on();
    populate();
    run_all();

    /* A delete that failed must not leave the entry behind for good. */
    dp_fail("ucast_del", EIO, 1);
    dp_fail("flood_set", EIO, 1);
    vtep_state_ucast_del(&st, U(1001));
    vtep_state_mcast_del(&st, U(100002));
    ck_assert(!reconciler_run(r, &st, 100));
    ck_assert_uint_eq(stats().n_errors, 2);
    ck_assert_uint_eq(stats().n_retry, 2);
    ck_assert_str_eq(dp_counts(), "counts: ls=1 bindings=1 ucast=2 flood=2");

    xnanosleep(1100 * 1000 * 1000);
    ck_assert(!reconciler_run(r, &st, 100));
    ck_assert_uint_eq(stats().n_retry, 0);
    ck_assert_str_eq(dp_counts(), "counts: ls=1 bindings=1 ucast=1 flood=1");
    ck_assert_ptr_null(vtep_faults_find(&faults, "datapath"));
}
END_TEST

START_TEST(test_batch_failed_ls_set)
{
    /* The switch fails, and with it everything queued behind it in the
     * same batch; all of it is retried until the datapath matches. */
    batch_on();
    dp_fail("ls_set", EIO, 1);
    dp_fail("binding_del", EIO, 1);
    populate();
    ck_assert(!reconciler_run(r, &st, 100));
    ck_assert_uint_ge(stats().n_errors, 1);
    ck_assert_str_eq(dp_counts(), "counts: ls=0 bindings=0 ucast=0 flood=0");

    /* Retries back off (1 s, 2 s, 4 s) while failures go on: the
     * binding_del that failed in the teardown of the first retry makes one
     * more. */
    for (int i = 0; i < 4; i++) {
        xnanosleep((uint64_t) 1100 * 1000 * 1000 << i);
        reconciler_run(r, &st, 100);
        if (!stats().n_retry && vtep_dirty_is_empty(&st.dirty)) {
            break;
        }
    }
    ck_assert_msg(!stats().n_retry, "%s\n%s", dp_ops(), fdb(NULL));
    ck_assert_str_eq(dp_tables(), populated_tables);
    ck_assert_str_eq(fdb(NULL), populated_fdb);
}
END_TEST

START_TEST(test_batch_failed_teardown)
{
    batch_on();
    populate();
    run_all();

    /* A binding_del fails in the middle of a teardown; the switch goes
     * anyway (with what it holds), and the retry cleans up after it. */
    dp_fail("binding_del", EIO, 1);
    vtep_state_ls_del(&st, U(1));
    ck_assert(!reconciler_run(r, &st, 100));
    ck_assert_uint_eq(stats().n_errors, 1);

    xnanosleep(1100 * 1000 * 1000);
    ck_assert(!reconciler_run(r, &st, 100));
    ck_assert_uint_eq(stats().n_retry, 0);
    ck_assert_str_eq(dp_tables(), "counts: ls=0 bindings=0 ucast=0 flood=0\n");
    ck_assert_str_eq(fdb(NULL), "");
    ck_assert_uint_eq(stats().n_bindings, 0);
}
END_TEST

START_TEST(test_time_budget)
{
    /* 66 operations at 2 ms each, a budget of 50 ms (the dummy's): the
     * first run stops after 8 to 32 of them (the clock is read every 8),
     * whatever the operation budget, and the rest follows. */
    populate();
    for (int i = 0; i < 60; i++) {
        char mac[ETH_ADDR_STRLEN + 1];
        snprintf(mac, sizeof mac, "00:00:5e:00:54:%02x", i);
        unit_ucast(&st, 2000 + i, 1, mac, "192.0.2.7");
    }
    ck_assert_str_eq(appctl("vtepd/dummy-slow", "2000"), "");
    ck_assert(reconciler_run(r, &st, 100000));
    uint64_t first = stats().n_ops;
    ck_assert_msg(first >= 8 && first <= 40, "%"PRIu64" operations", first);
    ck_assert_str_eq(appctl("vtepd/dummy-slow", "0"), "");
    ck_assert_uint_eq(first + run_all(), 66);
    ASSERT_NO_ERRORS();
}
END_TEST

static Suite *
reconcile_suite(void)
{
    Suite *s = suite_create("vtep-reconcile");

    TCase *tc = tcase_create("install");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_dummy_reports_violations);
    tcase_add_test(tc, test_install);
    tcase_add_loop_test(tc, test_teardown, 0, 3);
    tcase_add_test(tc, test_unchanged_resync);
    tcase_add_test(tc, test_partial_resync);
    tcase_add_test(tc, test_format_fdb_filter);
    suite_add_tcase(s, tc);

    tc = tcase_create("changes");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_vni_renumber);
    tcase_add_test(tc, test_vni_swap);
    tcase_add_test(tc, test_dup_vni_handover);
    tcase_add_test(tc, test_binding_moves);
    tcase_add_test(tc, test_mode_and_name);
    tcase_add_test(tc, test_ucast_changes);
    tcase_add_test(tc, test_flood_changes);
    tcase_add_test(tc, test_flood_limit);
    tcase_add_test(tc, test_flood_limit_default);
    tcase_add_test(tc, test_local_ip_change);
    suite_add_tcase(s, tc);

    tc = tcase_create("budget");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_budget);
    suite_add_tcase(s, tc);

    tc = tcase_create("retry");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_retry_enospc);
    tcase_add_test(tc, test_retry_other_error_backs_off);
    tcase_add_test(tc, test_retry_teardown);
    tcase_add_test(tc, test_wait);
    suite_add_tcase(s, tc);

    tc = tcase_create("adoption");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_adopt_unchanged);
    tcase_add_test(tc, test_adopt_differences);
    tcase_add_test(tc, test_adopt_unwanted);
    tcase_add_test(tc, test_adopt_other_vni);
    tcase_add_test(tc, test_resync);
    suite_add_tcase(s, tc);

    tc = tcase_create("batching");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_batch_install);
    tcase_add_test(tc, test_batch_failed_set);
    tcase_add_test(tc, test_batch_failed_delete);
    tcase_add_test(tc, test_batch_failed_ls_set);
    tcase_add_test(tc, test_batch_failed_teardown);
    tcase_add_test(tc, test_time_budget);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);

    tc = tcase_create("regressions");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_teardown_budget);
    tcase_add_test(tc, test_retry_counts_keys_once);
    tcase_add_test(tc, test_drain_large_map);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);

    return s;
}

int
main(int argc OVS_UNUSED, char *argv[])
{
    return unit_main(argv[0], reconcile_suite);
}

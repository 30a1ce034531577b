/*
 * vtepd.c: the hardware_vtep gateway daemon: options, the main loop and
 * the unixctl commands.
 *
 * The loop is Open vSwitch's run/wait: each iteration runs the IDL, turns
 * changed rows into desired state (logical.c), lets the reconciler turn
 * the difference into datapath operations, writes back what the datapath
 * learned and counted (local.c), writes our own rows and faults
 * (physical.c), serves unixctl and runs the datapath; then every module
 * registers what it waits for, the pending transaction is committed and
 * the process sleeps in poll_block().  The datapath never waits on the
 * database.
 */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "command-line.h"
#include "daemon.h"
#include "dirs.h"
#include "fatal-signal.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vconn.h"
#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "stream-ssl.h"
#include "stream.h"
#include "unixctl.h"
#include "util.h"
#include "vtep-dp.h"
#include "vtep-idl.h"
#include "vtep-malloc.h"
#include "vtep-reconcile.h"
#include "vtep-types.h"
#include "vtepd/vtepd.h"

VLOG_DEFINE_THIS_MODULE(vtepd);

/* Operations the reconciler may issue per main loop iteration. */
#define RECONCILE_BUDGET 50000

static char *unixctl_path;
static struct vtepd_config config;

static void parse_options(int argc, char *argv[]);
static const char *default_db(void);
OVS_NO_RETURN static void usage(void);

static unixctl_cb_func vtepd_unixctl_exit;
static unixctl_cb_func vtepd_unixctl_show;
static unixctl_cb_func vtepd_unixctl_dump_fdb;
static unixctl_cb_func vtepd_unixctl_stats;
static unixctl_cb_func vtepd_unixctl_dump_local;

/* Logs each fault that appeared since the last call, once. */
static void
log_new_faults(struct vtepd_ctx *ctx)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(20, 100);
    const struct vtep_fault *fault;

    while ((fault = vtep_faults_pop_new(&ctx->faults)) != NULL) {
        const struct vtep_fault_info *info = vtep_fault_info(fault->code);
        VLOG_WARN_RL(&rl, "%s: %s: %s (fault %s%s%s)", fault->object,
                     info->title, fault->detail, info->db_key,
                     fault->port ? " on port " : "",
                     fault->port ? fault->port : "");
    }
}

int
main(int argc, char *argv[])
{
    struct unixctl_server *unixctl;
    struct vtepd_ctx ctx;
    bool exiting = false;
    int exit_status = 0;
    int error;

    vtep_malloc_tune();
    ovs_cmdl_proctitle_init(argc, argv);
    set_program_name(argv[0]);
    service_start(&argc, &argv);
    parse_options(argc, argv);
    fatal_ignore_sigpipe();

    daemonize_start(false);

    error = unixctl_server_create(unixctl_path, &unixctl);
    if (error) {
        exit(EXIT_FAILURE);
    }
    unixctl_command_register("exit", "", 0, 0, vtepd_unixctl_exit, &exiting);
    unixctl_command_register("vtepd/show", "", 0, 0, vtepd_unixctl_show,
                             &ctx);
    unixctl_command_register("vtepd/dump-fdb", "[LOGICAL-SWITCH|VNI]", 0, 1,
                             vtepd_unixctl_dump_fdb, &ctx);
    unixctl_command_register("vtepd/stats", "", 0, 0, vtepd_unixctl_stats,
                             &ctx);
    unixctl_command_register("vtepd/dump-local", "[LOGICAL-SWITCH]", 0, 1,
                             vtepd_unixctl_dump_local, &ctx);

    memset(&ctx, 0, sizeof ctx);
    ctx.cfg = &config;
    ctx.need_resync = true;
    vtep_faults_init(&ctx.faults);
    vtep_state_init(&ctx.state, &ctx.faults);
    vtep_state_set_local_ip(&ctx.state, config.tunnel_ip);
    vtep_state_set_default_flood(&ctx.state, config.default_flood,
                                 config.default_nodes,
                                 config.n_default_nodes);

    struct vtep_dp_config dp_cfg = {
        .name = config.name,
        .tunnel_ip = config.tunnel_ip,
        .udp_port = config.vxlan_port,
        .ports = config.ports,
        .n_ports = config.n_ports,
        .mac_aging = config.mac_aging,
        .mac_limit = config.mac_limit,
    };
    error = vtep_dp_open(config.datapath, &dp_cfg, &ctx.dp);
    if (error) {
        ovs_fatal(error, "%s: could not open the %s datapath", config.name,
                  config.datapath);
    }
    ctx.rec = reconciler_create(ctx.dp, &ctx.faults);
    local_init(&ctx);

    daemonize_complete();

    struct ovsdb_idl_loop loop = OVSDB_IDL_LOOP_INITIALIZER(
        ovsdb_idl_create(config.db_remote, &vteprec_idl_class, false, true));
    ctx.idl = loop.idl;
    physical_register_columns(ctx.idl);
    logical_register_columns(ctx.idl);
    local_register_columns(ctx.idl);
    ovsdb_idl_track_add_all(ctx.idl);

    /* One vtepd per switch: the lock is named after the switch. */
    char *lock_name = xasprintf("vtepd_%s", config.name);
    ovsdb_idl_set_lock(ctx.idl, lock_name);

    VLOG_INFO("%s: vtepd %s starting: tunnel ip %s, %"PRIuSIZE" ports, "
              "%s datapath, database %s", config.name, VTEPD_VERSION,
              config.tunnel_ip_s, config.n_ports, config.datapath,
              config.db_remote);

    while (!exiting) {
        ctx.txn = ovsdb_idl_loop_run(&loop);

        if (ovsdb_idl_is_lock_contended(ctx.idl)) {
            /* Leave through the normal path: the IDL loop must see its
             * transaction committed before it is destroyed. */
            VLOG_ERR("%s: another vtepd serves this switch (it holds the "
                     "database lock \"%s\"): refusing to run a second one",
                     config.name, lock_name);
            exit_status = EXIT_FAILURE;
            exiting = true;
        } else {
            logical_run(&ctx);
            reconciler_run(ctx.rec, &ctx.state, RECONCILE_BUDGET);
            local_run(&ctx);
            physical_run(&ctx);
            ovsdb_idl_track_clear(ctx.idl);
            log_new_faults(&ctx);
            vtep_dp_run(ctx.dp);
        }
        unixctl_server_run(unixctl);

        unixctl_server_wait(unixctl);
        vtep_dp_wait(ctx.dp);
        local_wait(&ctx);
        reconciler_wait(ctx.rec, &ctx.state);
        if (exiting) {
            poll_immediate_wake();
        }
        ovsdb_idl_loop_commit_and_wait(&loop);
        poll_block();
        if (should_service_stop()) {
            exiting = true;
        }
    }

    VLOG_INFO("%s: vtepd exiting", config.name);
    unixctl_server_destroy(unixctl);
    ovsdb_idl_loop_destroy(&loop);
    local_destroy(&ctx);
    reconciler_destroy(ctx.rec);
    vtep_dp_close(ctx.dp);
    vtep_state_destroy(&ctx.state);
    vtep_faults_destroy(&ctx.faults);
    free(lock_name);
    service_stop();
    exit(exit_status);
}

static unsigned int
parse_uint_option(const char *name, const char *arg, unsigned int max)
{
    unsigned long long int value;
    if (!str_to_ullong(arg, 10, &value) || value > max) {
        ovs_fatal(0, "--%s: \"%s\" is not a number from 0 to %u", name, arg,
                  max);
    }
    return value;
}

static void
parse_options(int argc, char *argv[])
{
    enum {
        OPT_NAME = UCHAR_MAX + 1,
        OPT_DESCRIPTION,
        OPT_TUNNEL_IP,
        OPT_MANAGEMENT_IP,
        OPT_PORT,
        OPT_DATAPATH,
        OPT_MAC_AGING,
        OPT_MAC_LIMIT,
        OPT_VXLAN_PORT,
        OPT_STATS_INTERVAL,
        OPT_DEFAULT_FLOOD,
        OPT_UNIXCTL,
        OPT_BOOTSTRAP_CA_CERT,
        DAEMON_OPTION_ENUMS,
        VLOG_OPTION_ENUMS,
        SSL_OPTION_ENUMS,
    };
    static const struct option long_options[] = {
        {"name", required_argument, NULL, OPT_NAME},
        {"description", required_argument, NULL, OPT_DESCRIPTION},
        {"tunnel-ip", required_argument, NULL, OPT_TUNNEL_IP},
        {"management-ip", required_argument, NULL, OPT_MANAGEMENT_IP},
        {"port", required_argument, NULL, OPT_PORT},
        {"datapath", required_argument, NULL, OPT_DATAPATH},
        {"mac-aging", required_argument, NULL, OPT_MAC_AGING},
        {"mac-limit", required_argument, NULL, OPT_MAC_LIMIT},
        {"vxlan-port", required_argument, NULL, OPT_VXLAN_PORT},
        {"stats-interval", required_argument, NULL, OPT_STATS_INTERVAL},
        {"default-flood", required_argument, NULL, OPT_DEFAULT_FLOOD},
        {"unixctl", required_argument, NULL, OPT_UNIXCTL},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        DAEMON_LONG_OPTIONS,
        VLOG_LONG_OPTIONS,
        STREAM_SSL_LONG_OPTIONS,
        {"bootstrap-ca-cert", required_argument, NULL,
         OPT_BOOTSTRAP_CA_CERT},
        {NULL, 0, NULL, 0},
    };
    char *short_options = ovs_cmdl_long_options_to_short_options(
        long_options);
    size_t allocated_mips = 0, allocated_ports = 0;

    config.datapath = xstrdup("user");
    config.mac_aging = 300;
    config.vxlan_port = VTEP_VXLAN_PORT;
    config.stats_interval = 5;

    for (;;) {
        int c = getopt_long(argc, argv, short_options, long_options, NULL);
        if (c == -1) {
            break;
        }

        switch (c) {
        case OPT_NAME:
            free(config.name);
            config.name = xstrdup(optarg);
            break;

        case OPT_DESCRIPTION:
            free(config.description);
            config.description = xstrdup(optarg);
            break;

        case OPT_TUNNEL_IP:
            if (config.tunnel_ip_s) {
                ovs_fatal(0, "--tunnel-ip: a switch has exactly one tunnel "
                          "IP (given twice)");
            }
            if (vtep_parse_ipv4(optarg, &config.tunnel_ip)) {
                ovs_fatal(0, "--tunnel-ip: \"%s\" is not a unicast IPv4 "
                          "address", optarg);
            }
            config.tunnel_ip_s = xstrdup(optarg);
            break;

        case OPT_MANAGEMENT_IP:
            if (config.n_management_ips >= allocated_mips) {
                config.management_ips = x2nrealloc(
                    config.management_ips, &allocated_mips,
                    sizeof *config.management_ips);
            }
            config.management_ips[config.n_management_ips++]
                = xstrdup(optarg);
            break;

        case OPT_PORT:
            if (!*optarg || strlen(optarg) >= VTEP_PORT_NAME_MAX) {
                ovs_fatal(0, "--port: \"%s\" is not a valid port name",
                          optarg);
            }
            for (size_t i = 0; i < config.n_ports; i++) {
                if (!strcmp(config.ports[i], optarg)) {
                    ovs_fatal(0, "--port: %s given twice", optarg);
                }
            }
            if (config.n_ports >= allocated_ports) {
                config.ports = x2nrealloc(config.ports, &allocated_ports,
                                          sizeof *config.ports);
            }
            config.ports[config.n_ports++] = xstrdup(optarg);
            break;

        case OPT_DATAPATH:
            if (!vtep_dp_type_is_known(optarg)) {
                struct ds types = DS_EMPTY_INITIALIZER;
                vtep_dp_types(&types);
                ovs_fatal(0, "--datapath: unknown type \"%s\" (this build "
                          "has %s)", optarg, ds_cstr(&types));
            }
            free(config.datapath);
            config.datapath = xstrdup(optarg);
            break;

        case OPT_MAC_AGING:
            config.mac_aging = parse_uint_option("mac-aging", optarg,
                                                 1000000);
            break;

        case OPT_MAC_LIMIT:
            config.mac_limit = parse_uint_option("mac-limit", optarg,
                                                 100000000);
            break;

        case OPT_VXLAN_PORT:
            config.vxlan_port = parse_uint_option("vxlan-port", optarg,
                                                  65535);
            if (!config.vxlan_port) {
                ovs_fatal(0, "--vxlan-port: 0 is not a UDP port");
            }
            break;

        case OPT_STATS_INTERVAL:
            config.stats_interval = parse_uint_option("stats-interval",
                                                      optarg, 86400);
            break;

        case OPT_DEFAULT_FLOOD:
            free(config.default_nodes);
            if (vtep_parse_default_flood(optarg, &config.default_flood,
                                         &config.default_nodes,
                                         &config.n_default_nodes)) {
                ovs_fatal(0, "--default-flood: \"%s\" is not \"none\", "
                          "\"locators\" or a comma-separated list of up to "
                          "64 VTEP IPv4 addresses", optarg);
            }
            break;

        case OPT_UNIXCTL:
            free(unixctl_path);
            unixctl_path = xstrdup(optarg);
            break;

        case 'h':
            usage();

        case 'V':
            ovs_print_version(0, 0);
            printf("vtepd %s (hardware_vtep schema %s)\n", VTEPD_VERSION,
                   vteprec_get_db_version());
            exit(EXIT_SUCCESS);

        DAEMON_OPTION_HANDLERS
        VLOG_OPTION_HANDLERS
        STREAM_SSL_OPTION_HANDLERS

        case OPT_BOOTSTRAP_CA_CERT:
            stream_ssl_set_ca_cert_file(optarg, true);
            break;

        case '?':
            exit(EXIT_FAILURE);

        default:
            abort();
        }
    }
    free(short_options);

    argc -= optind;
    argv += optind;
    if (argc > 1) {
        ovs_fatal(0, "at most one non-option argument (the database) is "
                  "accepted; use --help for usage");
    }
    config.db_remote = xstrdup(argc ? argv[0] : default_db());

    if (!config.tunnel_ip_s) {
        ovs_fatal(0, "--tunnel-ip is required: the switch's one VXLAN "
                  "tunnel endpoint");
    }
    if (!config.name) {
        char host[256];
        if (gethostname(host, sizeof host - 1)) {
            ovs_fatal(errno, "no --name given and gethostname failed");
        }
        host[sizeof host - 1] = '\0';
        config.name = xstrdup(host);
    }
    if (!vtep_dp_type_is_known(config.datapath)) {
        struct ds types = DS_EMPTY_INITIALIZER;
        vtep_dp_types(&types);
        ovs_fatal(0, "this build has no \"%s\" datapath; choose one with "
                  "--datapath=%s", config.datapath, ds_cstr(&types));
    }
}

/* Where Open vSwitch's ovsdb-server listens by default (Debian's
 * openvswitch-vtep serves hardware_vtep there). */
static const char *
default_db(void)
{
    static char *def;
    if (!def) {
        def = xasprintf("unix:%s/db.sock", ovs_rundir());
    }
    return def;
}

static void
usage(void)
{
    printf("%s: hardware_vtep (VXLAN tunnel endpoint) gateway daemon\n"
           "usage: %s [OPTIONS] [DATABASE]\n"
           "where DATABASE is a socket on which ovsdb-server is listening\n"
           "      (default: \"%s\").\n",
           program_name, program_name, default_db());
    printf("\nSwitch identity:\n"
           "  --name=NAME             Physical_Switch name (default: the "
           "host name)\n"
           "  --description=TEXT      Physical_Switch description\n"
           "  --tunnel-ip=IP          the one VXLAN tunnel IP (required)\n"
           "  --management-ip=IP      management IP (repeatable)\n"
           "  --port=NAME             trunk port (repeatable)\n");
    struct ds types = DS_EMPTY_INITIALIZER;
    vtep_dp_types(&types);
    printf("\nDatapath:\n"
           "  --datapath=TYPE         %s (default: user)\n", ds_cstr(&types));
    ds_destroy(&types);
    printf("  --vxlan-port=PORT       VXLAN UDP port (default: %d)\n"
           "  --mac-aging=SECS        learned MAC aging time, 0 disables "
           "(default: 300)\n"
           "  --mac-limit=N           learned MACs per logical switch, 0: "
           "no limit\n"
           "  --stats-interval=SECS   binding counters to the database, 0 "
           "disables\n"
           "                          (default: 5)\n"
           "  --default-flood=none|locators|IP[,IP...]\n"
           "                          flooding of a logical switch without "
           "an unknown-dst\n"
           "                          row (default: none)\n",
           VTEP_VXLAN_PORT);
    daemon_usage();
    vlog_usage();
    stream_usage("DATABASE", true, false, true);
    printf("\nOther options:\n"
           "  --unixctl=SOCKET        override default control socket name\n"
           "  -h, --help              display this help message\n"
           "  -V, --version           display version information\n");
    exit(EXIT_SUCCESS);
}

static void
vtepd_unixctl_exit(struct unixctl_conn *conn, int argc OVS_UNUSED,
                   const char *argv[] OVS_UNUSED, void *exiting_)
{
    bool *exiting = exiting_;
    *exiting = true;
    unixctl_command_reply(conn, NULL);
}

static void
format_datapath(const struct vtepd_ctx *ctx, struct ds *out)
{
    struct reconciler_stats stats;
    reconciler_get_stats(ctx->rec, &stats);
    ds_put_format(out, "datapath %s: %"PRIuSIZE" logical switches, "
                  "%"PRIuSIZE" bindings, %"PRIuSIZE" remote MACs, %"PRIuSIZE
                  " flood entries\n", vtep_dp_type(ctx->dp), stats.n_ls,
                  stats.n_bindings, stats.n_ucast, stats.n_flood);
    ds_put_format(out, "  operations: %"PRIu64" (%"PRIu64" failed), "
                  "%"PRIuSIZE" waiting for retry, %"PRIuSIZE" pending\n",
                  stats.n_ops, stats.n_errors, stats.n_retry,
                  vtep_dirty_count(&ctx->state.dirty));
}

static void
vtepd_unixctl_show(struct unixctl_conn *conn, int argc OVS_UNUSED,
                   const char *argv[] OVS_UNUSED, void *ctx_)
{
    struct vtepd_ctx *ctx = ctx_;
    const struct vtepd_config *cfg = ctx->cfg;
    struct ds out = DS_EMPTY_INITIALIZER;

    ds_put_format(&out, "switch %s: tunnel ip %s", cfg->name,
                  cfg->tunnel_ip_s);
    for (size_t i = 0; i < cfg->n_management_ips; i++) {
        ds_put_format(&out, "%s%s", i ? ", " : ", management ip ",
                      cfg->management_ips[i]);
    }
    ds_put_char(&out, '\n');

    bool connected = ovsdb_idl_is_connected(ctx->idl);
    ds_put_format(&out, "database %s: %s", cfg->db_remote,
                  connected ? "connected" : "not connected");
    if (connected) {
        ds_put_format(&out, ", lock %s",
                      ovsdb_idl_has_lock(ctx->idl) ? "held"
                      : ovsdb_idl_is_lock_contended(ctx->idl) ? "contended"
                      : "requested");
    } else {
        int error = ovsdb_idl_get_last_error(ctx->idl);
        if (error) {
            ds_put_format(&out, " (%s)", ovs_retval_to_string(error));
        }
    }
    ds_put_format(&out, ", %llu full resyncs, %llu incremental passes, "
                  "own rows restored %llu times\n", ctx->n_resyncs,
                  ctx->n_incremental, ctx->n_restores);

    physical_format(ctx, &out);
    vtep_state_format(&ctx->state, &out);
    format_datapath(ctx, &out);
    ds_put_format(&out, "faults: %"PRIuSIZE"\n",
                  vtep_faults_count(&ctx->faults));
    vtep_faults_format(&ctx->faults, &out);

    unixctl_command_reply(conn, ds_cstr(&out));
    ds_destroy(&out);
}

static void
vtepd_unixctl_dump_fdb(struct unixctl_conn *conn, int argc,
                       const char *argv[], void *ctx_)
{
    struct vtepd_ctx *ctx = ctx_;
    struct ds out = DS_EMPTY_INITIALIZER;

    reconciler_format_fdb(ctx->rec, argc > 1 ? argv[1] : NULL, &out);
    if (argc > 1 && !out.length) {
        unixctl_command_reply_error(conn, "no such logical switch in the "
                                    "datapath");
    } else {
        unixctl_command_reply(conn, ds_cstr(&out));
    }
    ds_destroy(&out);
}

static void
vtepd_unixctl_stats(struct unixctl_conn *conn, int argc OVS_UNUSED,
                    const char *argv[] OVS_UNUSED, void *ctx_)
{
    struct vtepd_ctx *ctx = ctx_;
    struct ds out = DS_EMPTY_INITIALIZER;

    format_datapath(ctx, &out);
    vtep_dp_format_stats(ctx->dp, &out);
    local_format_stats(ctx, &out);
    unixctl_command_reply(conn, ds_cstr(&out));
    ds_destroy(&out);
}

static void
vtepd_unixctl_dump_local(struct unixctl_conn *conn, int argc,
                         const char *argv[], void *ctx_)
{
    struct vtepd_ctx *ctx = ctx_;
    struct ds out = DS_EMPTY_INITIALIZER;

    if (local_dump(ctx, argc > 1 ? argv[1] : NULL, &out)) {
        unixctl_command_reply(conn, ds_cstr(&out));
    } else {
        unixctl_command_reply_error(conn, "no such logical switch");
    }
    ds_destroy(&out);
}

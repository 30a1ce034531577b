/*
 * vtep-floor.c: the floor of the control-plane scale benchmark.
 *
 * A hardware_vtep client that does nothing but receive rows: it connects
 * with the same OVS C IDL as vtepd, monitors the same columns of
 * Ucast_Macs_Remote (and the Logical_Switch and Physical_Locator rows they
 * point at) with change tracking on, and counts what arrives.  The time
 * this client needs to hold a transaction's rows is what the database
 * server and the IDL cost; utilities/bench-scale.sh reports vtepd's time
 * above it.  With --table=local it counts Ucast_Macs_Local rows instead,
 * which makes it the benchmark's observer of learned-MAC write-back.
 *
 * It serves one unixctl command, "floor/count", which prints
 *
 *     rows=ROWS changes=CHANGES last=SECONDS synced=yes|no
 *
 * ROWS being the rows the client holds, CHANGES the row inserts, updates
 * and deletes it has received, and SECONDS the wall-clock time (Unix
 * epoch, microseconds) at which the last change arrived.  With --print
 * the same line goes to stdout on every change, as it happens.
 */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "command-line.h"
#include "daemon.h"
#include "dirs.h"
#include "fatal-signal.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "stream.h"
#include "timeval.h"
#include "unixctl.h"
#include "util.h"
#include "vtep-idl.h"

VLOG_DEFINE_THIS_MODULE(vtep_floor);

/* What is counted, and the counts. */
struct floor {
    bool local;                   /* Ucast_Macs_Local, not ..._Remote. */
    bool print;                   /* --print. */
    bool synced;                  /* Holds the database's contents. */
    bool was_connected;
    long long int rows;
    unsigned long long int changes;
    long long int last_usec;      /* Wall clock of the last change. */
};

static char *unixctl_path;
static struct floor floor_;

static char *parse_options(int argc, char *argv[]);
OVS_NO_RETURN static void usage(void);
static unixctl_cb_func floor_unixctl_count;
static unixctl_cb_func floor_unixctl_exit;

static void
register_columns(struct ovsdb_idl *idl, bool local)
{
    /* Exactly what vtepd's logical.c and local.c read of these tables. */
    ovsdb_idl_add_table(idl, &vteprec_table_logical_switch);
    ovsdb_idl_add_column(idl, &vteprec_logical_switch_col_name);
    ovsdb_idl_add_column(idl, &vteprec_logical_switch_col_tunnel_key);
    ovsdb_idl_add_column(idl, &vteprec_logical_switch_col_replication_mode);

    ovsdb_idl_add_table(idl, &vteprec_table_physical_locator);
    ovsdb_idl_add_column(idl,
                         &vteprec_physical_locator_col_encapsulation_type);
    ovsdb_idl_add_column(idl, &vteprec_physical_locator_col_dst_ip);

    if (local) {
        ovsdb_idl_add_table(idl, &vteprec_table_ucast_macs_local);
        ovsdb_idl_add_column(idl, &vteprec_ucast_macs_local_col_MAC);
        ovsdb_idl_add_column(idl,
                             &vteprec_ucast_macs_local_col_logical_switch);
        ovsdb_idl_add_column(idl, &vteprec_ucast_macs_local_col_locator);
        ovsdb_idl_add_column(idl, &vteprec_ucast_macs_local_col_ipaddr);
    } else {
        ovsdb_idl_add_table(idl, &vteprec_table_ucast_macs_remote);
        ovsdb_idl_add_column(idl, &vteprec_ucast_macs_remote_col_MAC);
        ovsdb_idl_add_column(idl,
                             &vteprec_ucast_macs_remote_col_logical_switch);
        ovsdb_idl_add_column(idl, &vteprec_ucast_macs_remote_col_locator);
    }
    ovsdb_idl_track_add_all(idl);
}

/* Counts every row: on the first contact and after a reconnection, when
 * the IDL may have replaced its contents without tracking the rows that
 * went away. */
static long long int
count_all(struct ovsdb_idl *idl, bool local)
{
    long long int n = 0;
    if (local) {
        const struct vteprec_ucast_macs_local *row;
        VTEPREC_UCAST_MACS_LOCAL_FOR_EACH (row, idl) {
            n++;
        }
    } else {
        const struct vteprec_ucast_macs_remote *row;
        VTEPREC_UCAST_MACS_REMOTE_FOR_EACH (row, idl) {
            n++;
        }
    }
    return n;
}

/* Accounts for one tracked row.  A row inserted and deleted between two
 * looks counts as one change and no row. */
static void
count_tracked(struct floor *f, bool is_new, bool is_deleted)
{
    f->changes++;
    if (is_new && !is_deleted) {
        f->rows++;
    } else if (is_deleted && !is_new) {
        f->rows--;
    }
}

/* Applies the tracked changes; returns the number of tracked rows. */
static size_t
count_changes(struct ovsdb_idl *idl, struct floor *f)
{
    size_t n = 0;
    if (f->local) {
        const struct vteprec_ucast_macs_local *row;
        VTEPREC_UCAST_MACS_LOCAL_FOR_EACH_TRACKED (row, idl) {
            count_tracked(f, vteprec_ucast_macs_local_is_new(row),
                          vteprec_ucast_macs_local_is_deleted(row));
            n++;
        }
    } else {
        const struct vteprec_ucast_macs_remote *row;
        VTEPREC_UCAST_MACS_REMOTE_FOR_EACH_TRACKED (row, idl) {
            count_tracked(f, vteprec_ucast_macs_remote_is_new(row),
                          vteprec_ucast_macs_remote_is_deleted(row));
            n++;
        }
    }
    return n;
}

static void
format_count(const struct floor *f, struct ds *out)
{
    ds_put_format(out, "rows=%lld changes=%llu last=%lld.%06lld synced=%s",
                  f->rows, f->changes, f->last_usec / 1000000,
                  f->last_usec % 1000000, f->synced ? "yes" : "no");
}

int
main(int argc, char *argv[])
{
    struct unixctl_server *unixctl;
    unsigned int seqno = 0;
    bool exiting = false;

    ovs_cmdl_proctitle_init(argc, argv);
    set_program_name(argv[0]);
    service_start(&argc, &argv);
    char *remote = parse_options(argc, argv);
    fatal_ignore_sigpipe();

    daemonize_start(false);
    if (unixctl_server_create(unixctl_path, &unixctl)) {
        exit(EXIT_FAILURE);
    }
    unixctl_command_register("floor/count", "", 0, 0, floor_unixctl_count,
                             &floor_);
    unixctl_command_register("exit", "", 0, 0, floor_unixctl_exit,
                             &exiting);
    daemonize_complete();

    struct ovsdb_idl *idl = ovsdb_idl_create(remote, &vteprec_idl_class,
                                             false, true);
    register_columns(idl, floor_.local);

    while (!exiting) {
        ovsdb_idl_run(idl);

        bool connected = ovsdb_idl_is_connected(idl);
        if (ovsdb_idl_get_seqno(idl) != seqno) {
            seqno = ovsdb_idl_get_seqno(idl);
            size_t n;
            if (!floor_.synced || !floor_.was_connected) {
                /* Count the changes, then the rows from scratch. */
                struct floor scratch = { .local = floor_.local };
                n = count_changes(idl, &scratch);
                floor_.changes += scratch.changes;
                floor_.rows = count_all(idl, floor_.local);
                floor_.synced = true;
            } else {
                n = count_changes(idl, &floor_);
            }
            if (n) {
                floor_.last_usec = time_wall_usec();
                if (floor_.print) {
                    struct ds line = DS_EMPTY_INITIALIZER;
                    format_count(&floor_, &line);
                    puts(ds_cstr(&line));
                    fflush(stdout);
                    ds_destroy(&line);
                }
            }
            ovsdb_idl_track_clear(idl);
            floor_.was_connected = connected;
        } else if (!connected) {
            floor_.was_connected = false;
        }
        unixctl_server_run(unixctl);

        ovsdb_idl_wait(idl);
        unixctl_server_wait(unixctl);
        if (exiting) {
            poll_immediate_wake();
        }
        poll_block();
        if (should_service_stop()) {
            exiting = true;
        }
    }

    unixctl_server_destroy(unixctl);
    ovsdb_idl_destroy(idl);
    free(remote);
    service_stop();
    return 0;
}

static void
floor_unixctl_count(struct unixctl_conn *conn, int argc OVS_UNUSED,
                    const char *argv[] OVS_UNUSED, void *f_)
{
    const struct floor *f = f_;
    struct ds out = DS_EMPTY_INITIALIZER;

    format_count(f, &out);
    unixctl_command_reply(conn, ds_cstr(&out));
    ds_destroy(&out);
}

static void
floor_unixctl_exit(struct unixctl_conn *conn, int argc OVS_UNUSED,
                   const char *argv[] OVS_UNUSED, void *exiting_)
{
    bool *exiting = exiting_;
    *exiting = true;
    unixctl_command_reply(conn, NULL);
}

static char *
parse_options(int argc, char *argv[])
{
    enum {
        OPT_UNIXCTL = UCHAR_MAX + 1,
        OPT_TABLE,
        OPT_PRINT,
        DAEMON_OPTION_ENUMS,
        VLOG_OPTION_ENUMS,
    };
    static const struct option long_options[] = {
        {"unixctl", required_argument, NULL, OPT_UNIXCTL},
        {"table", required_argument, NULL, OPT_TABLE},
        {"print", no_argument, NULL, OPT_PRINT},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        DAEMON_LONG_OPTIONS,
        VLOG_LONG_OPTIONS,
        {NULL, 0, NULL, 0},
    };
    char *short_options = ovs_cmdl_long_options_to_short_options(
        long_options);

    for (;;) {
        int c = getopt_long(argc, argv, short_options, long_options, NULL);
        if (c == -1) {
            break;
        }

        switch (c) {
        case OPT_UNIXCTL:
            free(unixctl_path);
            unixctl_path = xstrdup(optarg);
            break;

        case OPT_TABLE:
            if (!strcmp(optarg, "remote")) {
                floor_.local = false;
            } else if (!strcmp(optarg, "local")) {
                floor_.local = true;
            } else {
                ovs_fatal(0, "--table: \"%s\" is neither remote nor local",
                          optarg);
            }
            break;

        case OPT_PRINT:
            floor_.print = true;
            break;

        case 'h':
            usage();

        case 'V':
            ovs_print_version(0, 0);
            exit(EXIT_SUCCESS);

        DAEMON_OPTION_HANDLERS
        VLOG_OPTION_HANDLERS

        case '?':
            exit(EXIT_FAILURE);

        default:
            abort();
        }
    }
    free(short_options);

    argc -= optind;
    argv += optind;
    if (argc != 1) {
        ovs_fatal(0, "exactly one non-option argument (the database) is "
                  "required; use --help for usage");
    }
    return xstrdup(argv[0]);
}

static void
usage(void)
{
    printf("%s: counts the Ucast_Macs_Remote (or Ucast_Macs_Local) rows a "
           "bare IDL client\nreceives, as the floor of "
           "utilities/bench-scale.sh\n"
           "usage: %s [OPTIONS] DATABASE\n"
           "where DATABASE is a socket on which ovsdb-server is listening "
           "with the\nhardware_vtep database.\n"
           "\nOptions:\n"
           "  --table=remote|local    count Ucast_Macs_Remote (default) or "
           "Ucast_Macs_Local\n"
           "  --print                 print the counts on every change\n"
           "  --unixctl=SOCKET        override default control socket name "
           "(serves\n"
           "                          floor/count and exit)\n",
           program_name, program_name);
    daemon_usage();
    vlog_usage();
    printf("\nOther options:\n"
           "  -h, --help              display this help message\n"
           "  -V, --version           display version information\n");
    exit(EXIT_SUCCESS);
}

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
 *
 * Options are checked before anything starts: a setting that cannot work
 * (an address that is no database target, SSL without its files, a TLS
 * version this build does not have) stops vtepd with a message and exit
 * status 1 rather than failing open or retrying forever.
 *
 * "vtepd/barrier" answers once the database as of the call has been
 * processed (see the comment above struct barrier); "exit" answers only
 * when vtepd has released everything a restarted vtepd needs (database
 * lock, datapath, pidfile, control socket), so that a restart right after
 * it succeeds.  "exit --cleanup" first removes vtepd's own rows
 * (cleanup.c).
 */
#include <config.h>

#include <arpa/inet.h>
#include <cap-ng.h>
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <ifaddrs.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include "command-line.h"
#include "daemon.h"
#include "daemon-private.h"
#include "dirs.h"
#include "dummy.h"
#include "fatal-signal.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/list.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vconn.h"
#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "ovsdb-parser.h"
#include "ovsdb-session.h"
#include "stream-ssl.h"
#include "stream.h"
#include "svec.h"
#include "timeval.h"
#include "unixctl.h"
#include "util.h"
#include "uuid.h"
#include "vtep-dp.h"
#include "vtep-idl.h"
#include "vtep-malloc.h"
#include "vtep-reconcile.h"
#include "vtep-types.h"
#include "vtepd/vtepd.h"

VLOG_DEFINE_THIS_MODULE(vtepd);

/* Operations the reconciler may issue per main loop iteration. */
#define RECONCILE_BUDGET 50000

/* A lock that is neither granted nor contended this long is reported. */
#define LOCK_WARN_MSEC 5000

/* How long "exit --cleanup" waits for its transaction. */
#define CLEANUP_TIMEOUT_MSEC 5000

/* Settings that only vtepd.c uses. */
static char *unixctl_path;
static struct vtepd_config config;
static char *user_spec;           /* --user, as given. */
static bool enable_dummy;         /* --enable-dummy: time/stop, time/warp. */
static char *ssl_private_key;
static char *ssl_certificate;
static char *ssl_ca_cert;
static bool ssl_bootstrap_ca;
static char *ssl_protocols;
static char *ssl_ciphers;

/* Kept for the exit path: the control server is never destroyed (see
 * release_files()). */
static struct unixctl_server *unixctl;
static char *pidfile_path;        /* The pidfile we made, if any. */

static void parse_options(int argc, char *argv[]);
static void check_database(const char *remote);
static void check_ssl(const char *remote);
static const char *default_db(void);
OVS_NO_RETURN static void usage(void);

static unixctl_cb_func vtepd_unixctl_exit;
static unixctl_cb_func vtepd_unixctl_show;
static unixctl_cb_func vtepd_unixctl_dump_fdb;
static unixctl_cb_func vtepd_unixctl_stats;
static unixctl_cb_func vtepd_unixctl_dump_local;
static unixctl_cb_func vtepd_unixctl_barrier;

/* "exit" requests. */
struct exit_args {
    struct unixctl_conn **conns;
    size_t n_conns, allocated_conns;
    bool exiting;
    bool cleanup;                 /* "exit --cleanup" was asked. */
};

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

/* The database lock.
 *
 * The lock is what makes one vtepd per switch: it is named after the
 * switch.  OVSDB lock names must be <id>s ([a-zA-Z_][a-zA-Z0-9_]*), and
 * ovsdb-server answers any other name with an error that the IDL drops
 * without a trace, so the id is derived from the name: "vtepd_NAME" if
 * NAME is made of ASCII letters, digits and underscores only (as earlier
 * versions named it), else "vtepdx_" followed by NAME with each byte that
 * is not an ASCII letter or digit written as "_" and two lowercase hex
 * digits ("tor-01" -> "vtepdx_tor_2d01").  Both are one-to-one and the
 * prefixes keep them apart, so two names never share a lock. */

static bool
is_ascii_alnum(unsigned char c)
{
    return ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
            || (c >= '0' && c <= '9'));
}

static char *
lock_id_for_name(const char *name)
{
    bool plain = true;
    for (const char *p = name; *p; p++) {
        plain = plain && (is_ascii_alnum(*p) || *p == '_');
    }
    if (plain) {
        return xasprintf("vtepd_%s", name);
    }

    struct ds id = DS_EMPTY_INITIALIZER;
    ds_put_cstr(&id, "vtepdx_");
    for (const unsigned char *p = (const unsigned char *) name; *p; p++) {
        if (is_ascii_alnum(*p)) {
            ds_put_char(&id, *p);
        } else {
            ds_put_format(&id, "_%02x", *p);
        }
    }
    return ds_steal_cstr(&id);
}

/* Whether we wait for the lock, since when, and whether we said so. */
struct lock_watch {
    char *id;
    long long int waiting_since;  /* LLONG_MIN: not waiting. */
    bool warned;
};

static struct lock_watch lock_watch = { .waiting_since = LLONG_MIN };

static void
lock_watch_run(struct lock_watch *lw, const struct vtepd_ctx *ctx)
{
    struct ovsdb_idl *idl = ctx->idl;

    if (!ovsdb_idl_is_connected(idl) || ovsdb_idl_has_lock(idl)
        || ovsdb_idl_is_lock_contended(idl)) {
        if (lw->warned && ovsdb_idl_has_lock(idl)) {
            VLOG_INFO("%s: database lock \"%s\" granted", ctx->cfg->name,
                      lw->id);
        }
        lw->waiting_since = LLONG_MIN;
        lw->warned = false;
        return;
    }

    long long int now = time_msec();
    if (lw->waiting_since == LLONG_MIN) {
        lw->waiting_since = now;
    } else if (!lw->warned && now - lw->waiting_since >= LOCK_WARN_MSEC) {
        /* Not contended: the server neither granted nor refused the lock.
         * An ovsdb-server that serves the database read-only (a backup
         * of an active-backup pair) or cannot take locks answers with an
         * error, which the IDL does not pass on. */
        VLOG_WARN("%s: the database has not granted lock \"%s\" within "
                  "%d s and no other client holds it: the server refused "
                  "the lock or does not answer (a read-only server, such "
                  "as the backup of an active-backup pair, refuses locks); "
                  "vtepd writes nothing until it holds the lock",
                  ctx->cfg->name, lw->id, LOCK_WARN_MSEC / 1000);
        lw->warned = true;
    }
}

static void
lock_watch_wait(const struct lock_watch *lw)
{
    if (lw->waiting_since != LLONG_MIN && !lw->warned) {
        poll_timer_wait_until(lw->waiting_since + LOCK_WARN_MSEC);
    }
}

static void
lock_watch_format(const struct lock_watch *lw, const struct vtepd_ctx *ctx,
                  struct ds *out)
{
    struct ovsdb_idl *idl = ctx->idl;
    ds_put_format(out, ", lock %s", ovsdb_idl_has_lock(idl) ? "held"
                  : ovsdb_idl_is_lock_contended(idl) ? "contended"
                  : "requested");
    if (lw->waiting_since != LLONG_MIN) {
        ds_put_format(out, " for %lld s%s",
                      (time_msec() - lw->waiting_since) / 1000,
                      lw->warned ? ", not granted" : "");
    }
    ds_put_format(out, " (lock id %s)", lw->id);
}

/* vtepd/barrier.
 *
 * A barrier answers once (a) a round trip to the database that started
 * after the call has completed, (b) every update received up to its reply
 * has gone through logical_run(), (c) the reconciler has no dirty keys and
 * (d) local.c has written back everything it holds.
 *
 * (a) uses an ordering guarantee of ovsdb-server: it sends a client every
 * monitor update that precedes its reply to a request of that client
 * before the reply.  The request is a no-op mutation in the loop's
 * transaction: insert our tunnel IP into our Physical_Switch:tunnel_ips,
 * which holds exactly that (physical.c sees to it in the same pass).  The
 * IDL always sends a set insertion (it drops deletions of absent keys,
 * with a warning), and since the set does not change no other client
 * sees an update.  The IDL
 * applies the updates before the reply that follows them, and the reply
 * is seen right after ovsdb_idl_loop_run(), before logical_run() in the
 * same iteration: (b).  Finally, (c), (d) and our own writes: a barrier
 * is answered at the end of an iteration whose transaction was empty, so
 * whatever the modules wrote in reaction has been committed too.
 *
 * Barriers are numbered; a marker carries the highest number asked so
 * far, and its completion satisfies every barrier up to it. */
struct barrier {
    struct ovs_list node;         /* In 'barriers'. */
    struct unixctl_conn *conn;
    uint64_t seq;
    long long int deadline;       /* LLONG_MAX: none. */
};

static struct ovs_list barriers = OVS_LIST_INITIALIZER(&barriers);
static uint64_t barrier_seq;      /* Of the latest barrier. */
static uint64_t barrier_sent;     /* Highest carried by a sent marker. */
static uint64_t barrier_synced;   /* Highest whose round trip completed. */
static uint64_t barrier_inflight; /* Carried by the transaction in flight. */

/* Called right after ovsdb_idl_loop_run(): the loop destroys a committing
 * transaction there only when it succeeded. */
static void
barrier_idl_ran(const struct ovsdb_idl_loop *loop)
{
    if (barrier_inflight && !loop->committing_txn) {
        barrier_synced = barrier_inflight;
        barrier_inflight = 0;
    }
}

/* Adds the marker to the transaction of this iteration if a barrier needs
 * one.  Returns the number it carries, or 0. */
static uint64_t
barrier_mark(struct vtepd_ctx *ctx)
{
    if (ovs_list_is_empty(&barriers) || barrier_seq <= barrier_sent
        || barrier_inflight || !ctx->txn || !ovsdb_idl_has_lock(ctx->idl)) {
        return 0;
    }
    const struct vteprec_physical_switch *ps = physical_find_switch(ctx);
    const char *ip = ctx->cfg->tunnel_ip_s;
    if (!ps || ps->n_tunnel_ips != 1 || strcmp(ps->tunnel_ips[0], ip)) {
        return 0;
    }
    vteprec_physical_switch_update_tunnel_ips_addvalue(ps, ip);
    return barrier_seq;
}

static const char *
barrier_waits_for(const struct vtepd_ctx *ctx)
{
    if (!ovsdb_idl_is_connected(ctx->idl)) {
        return "not connected to the database";
    } else if (!ovsdb_idl_has_lock(ctx->idl)) {
        return "the database lock is not held";
    } else if (vtep_dirty_count(&ctx->state.dirty)) {
        return "datapath operations are pending";
    } else if (!local_is_settled(ctx)) {
        return "learned-MAC write-back is not settled";
    } else {
        return "waiting for the database";
    }
}

static void
barrier_reply(struct barrier *b, const struct vtepd_ctx *ctx, bool ok)
{
    if (ok) {
        struct reconciler_stats stats;
        reconciler_get_stats(ctx->rec, &stats);
        char *s = (stats.n_retry
                   ? xasprintf("%"PRIuSIZE" operations waiting for retry\n",
                               stats.n_retry)
                   : NULL);
        unixctl_command_reply(b->conn, s);
        free(s);
    } else {
        char *s = xasprintf("timed out: %s", barrier_waits_for(ctx));
        unixctl_command_reply_error(b->conn, s);
        free(s);
    }
    ovs_list_remove(&b->node);
    free(b);
}

/* Called after ovsdb_idl_loop_commit_and_wait(), which returned 'retval';
 * 'had_txn' says whether this iteration had a transaction and 'marked'
 * what barrier_mark() returned. */
static void
barrier_committed(const struct vtepd_ctx *ctx, bool had_txn,
                  uint64_t marked, int retval)
{
    if (marked) {
        if (retval == -1) {
            barrier_inflight = barrier_sent = marked;
        }
        /* Else it failed at once: the next transaction carries it. */
    } else if (barrier_inflight && retval != -1) {
        if (retval == 1) {
            barrier_synced = barrier_inflight;
        } else {
            /* Failed: the database may not have answered it. */
            barrier_sent = barrier_synced;
        }
        barrier_inflight = 0;
    }

    long long int now = time_msec();
    bool settled = (had_txn && retval == 1 && !marked
                    && ovsdb_idl_has_lock(ctx->idl)
                    && !vtep_dirty_count(&ctx->state.dirty)
                    && local_is_settled(ctx));
    struct barrier *b;
    LIST_FOR_EACH_SAFE (b, node, &barriers) {
        if (settled && b->seq <= barrier_synced) {
            barrier_reply(b, ctx, true);
        } else if (now >= b->deadline) {
            barrier_reply(b, ctx, false);
        }
    }
}

static void
barrier_wait(void)
{
    const struct barrier *b;
    LIST_FOR_EACH (b, node, &barriers) {
        poll_timer_wait_until(b->deadline);
    }
}

static void
barrier_fail_all(const char *why)
{
    struct barrier *b;
    LIST_FOR_EACH_SAFE (b, node, &barriers) {
        unixctl_command_reply_error(b->conn, why);
        ovs_list_remove(&b->node);
        free(b);
    }
}

static void
vtepd_unixctl_barrier(struct unixctl_conn *conn, int argc,
                      const char *argv[], void *ctx_ OVS_UNUSED)
{
    long long int deadline = LLONG_MAX;
    if (argc > 1) {
        unsigned int secs;
        if (!str_to_uint(argv[1], 10, &secs) || !secs || secs > 86400) {
            unixctl_command_reply_error(conn, "TIMEOUT must be a number of "
                                        "seconds from 1 to 86400");
            return;
        }
        deadline = time_msec() + secs * 1000LL;
    }

    struct barrier *b = xmalloc(sizeof *b);
    b->conn = conn;
    b->seq = ++barrier_seq;
    b->deadline = deadline;
    ovs_list_push_back(&barriers, &b->node);
}

/* The tunnel IP is on a local interface (of this network namespace).
 * Also true if that cannot be found out. */
static bool
tunnel_ip_is_local(ovs_be32 ip)
{
    struct ifaddrs *list;
    if (getifaddrs(&list)) {
        return true;
    }
    bool found = false;
    for (const struct ifaddrs *ifa = list; ifa && !found;
         ifa = ifa->ifa_next) {
        if (ifa->ifa_addr && ifa->ifa_addr->sa_family == AF_INET) {
            struct sockaddr_in sin;
            memcpy(&sin, ifa->ifa_addr, sizeof sin);
            found = sin.sin_addr.s_addr == ip;
        }
    }
    freeifaddrs(list);
    return found;
}

/* Datapaths that send and receive on the tunnel IP themselves. */
static bool
datapath_uses_tunnel_ip(void)
{
    return strcmp(config.datapath, "dummy");
}

/* Creates the run directory (pidfile, control socket) if it is missing:
 * on a gateway without openvswitch-switch nothing else makes it.  With
 * --user, the new directory belongs to that user. */
static void
make_rundir(void)
{
    const char *dir = ovs_rundir();
    struct stat s;

    if (!stat(dir, &s)) {
        return;
    }
    char *copy = xstrdup(dir);
    for (char *p = strchr(copy + 1, '/'); p; p = strchr(p + 1, '/')) {
        *p = '\0';
        mkdir(copy, 0755);
        *p = '/';
    }
    free(copy);
    if (mkdir(dir, 0755) && errno != EEXIST) {
        VLOG_WARN("%s: cannot create the run directory (%s)", dir,
                  ovs_strerror(errno));
        return;
    }
    chmod(dir, 0755);
    if (user_spec) {
        char *user = xstrdup(user_spec);
        char *group = strchr(user, ':');
        if (group) {
            *group++ = '\0';
        }
        const struct passwd *pw = *user ? getpwnam(user) : NULL;
        const struct group *gr = group && *group ? getgrnam(group) : NULL;
        uid_t uid = pw ? pw->pw_uid : (uid_t) -1;
        gid_t gid = gr ? gr->gr_gid : pw ? pw->pw_gid : (gid_t) -1;
        if (chown(dir, uid, gid)) {
            VLOG_WARN("%s: cannot give the run directory to %s (%s)", dir,
                      user_spec, ovs_strerror(errno));
        }
        free(user);
    }
    VLOG_INFO("created the run directory %s", dir);
}

/* With --user, Open vSwitch's daemon code has switched to the user
 * keeping what its own daemons need to reach a datapath; of that, vtepd
 * keeps only CAP_NET_RAW (packet sockets, libpcap, the raw tunnel socket)
 * and CAP_NET_ADMIN (promiscuous mode, netlink).  Called before any thread
 * starts, so that every thread has the same set. */
static void
restrict_capabilities(void)
{
    if (!user_spec || !geteuid()) {
        return;
    }
    if (capng_get_caps_process()) {
        ovs_fatal(0, "--user: cannot read the process's capabilities");
    }
    capng_clear(CAPNG_SELECT_CAPS);
    if (capng_updatev(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED,
                      CAP_NET_ADMIN, CAP_NET_RAW, -1)
        || capng_apply(CAPNG_SELECT_CAPS)) {
        ovs_fatal(0, "--user: cannot restrict the capabilities to "
                  "CAP_NET_ADMIN and CAP_NET_RAW");
    }
}

/* Unlinks the pidfile and the control socket now, and takes them off the
 * list that exit() unlinks: once the reply to "exit" is out, a new vtepd
 * may create both under the same names, and ours must not take them
 * away.  For the same reason the control server is never destroyed (its
 * destruction unlinks the socket by name). */
static void
release_files(void)
{
    if (pidfile_path) {
        fatal_signal_unlink_file_now(pidfile_path);
    }
    const char *path = unixctl_server_get_path(unixctl);
    if (path) {
        fatal_signal_unlink_file_now(path);
    }
}

int
main(int argc, char *argv[])
{
    struct exit_args exit_args;
    struct vtepd_ctx ctx;
    int exit_status = 0;
    int error;

    vtep_malloc_tune();
    ovs_cmdl_proctitle_init(argc, argv);
    set_program_name(argv[0]);
    service_start(&argc, &argv);
    parse_options(argc, argv);
    fatal_ignore_sigpipe();

    /* As root: the run directory first, then --user (in daemonize_start(),
     * keeping what reaching a datapath takes), before any thread. */
    make_rundir();
    daemonize_start(true);
    pidfile_path = nullable_xstrdup(pidfile);
    restrict_capabilities();

    error = unixctl_server_create(unixctl_path, &unixctl);
    if (error) {
        exit(EXIT_FAILURE);
    }
    memset(&exit_args, 0, sizeof exit_args);
    unixctl_command_register("exit", "[--cleanup]", 0, 1, vtepd_unixctl_exit,
                             &exit_args);
    unixctl_command_register("vtepd/show", "", 0, 0, vtepd_unixctl_show,
                             &ctx);
    unixctl_command_register("vtepd/dump-fdb", "[LOGICAL-SWITCH|VNI]", 0, 1,
                             vtepd_unixctl_dump_fdb, &ctx);
    unixctl_command_register("vtepd/stats", "", 0, 0, vtepd_unixctl_stats,
                             &ctx);
    unixctl_command_register("vtepd/dump-local", "[LOGICAL-SWITCH]", 0, 1,
                             vtepd_unixctl_dump_local, &ctx);
    unixctl_command_register("vtepd/barrier", "[TIMEOUT]", 0, 1,
                             vtepd_unixctl_barrier, &ctx);
    if (enable_dummy) {
        timeval_dummy_register();
    }

    memset(&ctx, 0, sizeof ctx);
    ctx.cfg = &config;
    ctx.need_resync = true;
    vtep_faults_init(&ctx.faults);
    vtep_state_init(&ctx.state, &ctx.faults);
    vtep_state_set_local_ip(&ctx.state, config.tunnel_ip);
    vtep_state_set_default_flood(&ctx.state, config.default_flood,
                                 config.default_nodes,
                                 config.n_default_nodes);

    if (datapath_uses_tunnel_ip() && !tunnel_ip_is_local(config.tunnel_ip)) {
        VLOG_WARN("%s: tunnel ip %s is on no local interface: VXLAN "
                  "traffic to it cannot arrive until it is configured",
                  config.name, config.tunnel_ip_s);
    }

    struct vtep_dp_config dp_cfg = {
        .name = config.name,
        .tunnel_ip = config.tunnel_ip,
        .udp_port = config.vxlan_port,
        .ports = config.ports,
        .n_ports = config.n_ports,
        .mac_aging = config.mac_aging,
        .mac_limit = config.mac_limit,
        .mac_limit_port = config.mac_limit_port,
    };
    error = vtep_dp_open(config.datapath, &dp_cfg, &ctx.dp);
    if (error) {
        ovs_fatal(error, "%s: could not open the %s datapath", config.name,
                  config.datapath);
    }
    ctx.rec = reconciler_create(ctx.dp, &ctx.faults);
    reconciler_set_flood_limit(ctx.rec, config.flood_limit);
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
    lock_watch.id = lock_id_for_name(config.name);
    if (!ovsdb_parser_is_id(lock_watch.id)) {
        ovs_fatal(0, "%s: \"%s\" is no valid database lock id",
                  config.name, lock_watch.id);
    }
    ovsdb_idl_set_lock(ctx.idl, lock_watch.id);

    VLOG_INFO("%s: vtepd %s starting: tunnel ip %s, %"PRIuSIZE" ports, "
              "%s datapath, database %s, lock %s", config.name,
              VTEPD_VERSION, config.tunnel_ip_s, config.n_ports,
              config.datapath, config.db_remote, lock_watch.id);

    while (!exit_args.exiting) {
        ctx.txn = ovsdb_idl_loop_run(&loop);
        barrier_idl_ran(&loop);
        lock_watch_run(&lock_watch, &ctx);

        if (ovsdb_idl_is_lock_contended(ctx.idl)) {
            /* Leave through the normal path: the IDL loop must see its
             * transaction committed before it is destroyed. */
            VLOG_ERR("%s: another vtepd serves this switch (it holds the "
                     "database lock \"%s\"): refusing to run a second one",
                     config.name, lock_watch.id);
            exit_status = EXIT_FAILURE;
            exit_args.exiting = true;
        } else {
            logical_run(&ctx);
            if (ctx.desired_complete) {
                reconciler_run(ctx.rec, &ctx.state, RECONCILE_BUDGET);
            }
            local_run(&ctx);
            physical_run(&ctx);
            ovsdb_idl_track_clear(ctx.idl);
            log_new_faults(&ctx);
            vtep_dp_run(ctx.dp);
        }
        unixctl_server_run(unixctl);
        uint64_t marked = barrier_mark(&ctx);

        unixctl_server_wait(unixctl);
        vtep_dp_wait(ctx.dp);
        local_wait(&ctx);
        if (ctx.desired_complete) {
            reconciler_wait(ctx.rec, &ctx.state);
        }
        lock_watch_wait(&lock_watch);
        barrier_wait();
        if (exit_args.exiting) {
            poll_immediate_wake();
        }
        bool had_txn = ctx.txn != NULL;
        int retval = ovsdb_idl_loop_commit_and_wait(&loop);
        barrier_committed(&ctx, had_txn, marked, retval);
        poll_block();
        if (should_service_stop()) {
            exit_args.exiting = true;
        }
    }

    struct ds result = DS_EMPTY_INITIALIZER;
    int cleanup_error = 0;
    if (exit_args.cleanup && !exit_status) {
        cleanup_error = cleanup_run(&ctx, &loop, CLEANUP_TIMEOUT_MSEC,
                                    &result);
    }

    /* Release what a new vtepd needs (the database lock, the datapath's
     * ports and sockets, the pidfile and the control socket), then answer
     * "exit": whoever asked may start the next vtepd right away. */
    VLOG_INFO("%s: vtepd exiting", config.name);
    barrier_fail_all("vtepd is exiting");
    ovsdb_idl_loop_destroy(&loop);
    local_destroy(&ctx);
    reconciler_destroy(ctx.rec);
    vtep_dp_close(ctx.dp);
    vtep_state_destroy(&ctx.state);
    vtep_faults_destroy(&ctx.faults);
    free(lock_watch.id);
    release_files();
    for (size_t i = 0; i < exit_args.n_conns; i++) {
        if (cleanup_error) {
            unixctl_command_reply_error(exit_args.conns[i], ds_cstr(&result));
        } else {
            unixctl_command_reply(exit_args.conns[i],
                                  result.length ? ds_cstr(&result) : NULL);
        }
    }
    free(exit_args.conns);
    ds_destroy(&result);
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
        OPT_MAC_LIMIT_PORT,
        OPT_MAC_WRITE_RATE,
        OPT_VXLAN_PORT,
        OPT_STATS_INTERVAL,
        OPT_DEFAULT_FLOOD,
        OPT_FLOOD_LIMIT,
        OPT_UNIXCTL,
        OPT_BOOTSTRAP_CA_CERT,
        OPT_ENABLE_DUMMY,
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
        {"mac-limit-port", required_argument, NULL, OPT_MAC_LIMIT_PORT},
        {"mac-write-rate", required_argument, NULL, OPT_MAC_WRITE_RATE},
        {"vxlan-port", required_argument, NULL, OPT_VXLAN_PORT},
        {"stats-interval", required_argument, NULL, OPT_STATS_INTERVAL},
        {"default-flood", required_argument, NULL, OPT_DEFAULT_FLOOD},
        {"flood-limit", required_argument, NULL, OPT_FLOOD_LIMIT},
        {"unixctl", required_argument, NULL, OPT_UNIXCTL},
        {"enable-dummy", no_argument, NULL, OPT_ENABLE_DUMMY},
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
    config.mac_limit = VTEPD_MAC_LIMIT;
    config.mac_limit_port = VTEPD_MAC_LIMIT_PORT;
    config.mac_write_rate = VTEPD_MAC_WRITE_RATE;
    config.vxlan_port = VTEP_VXLAN_PORT;
    config.stats_interval = 5;
    config.flood_limit = RECONCILER_FLOOD_LIMIT;

    for (;;) {
        int c = getopt_long(argc, argv, short_options, long_options, NULL);
        if (c == -1) {
            break;
        }

        switch (c) {
        case OPT_NAME:
            if (!*optarg) {
                ovs_fatal(0, "--name: the switch name must not be empty");
            }
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

        case OPT_MANAGEMENT_IP: {
            struct in6_addr addr;
            if (inet_pton(AF_INET, optarg, &addr) != 1
                && inet_pton(AF_INET6, optarg, &addr) != 1) {
                ovs_fatal(0, "--management-ip: \"%s\" is not an IPv4 or "
                          "IPv6 address", optarg);
            }
            if (config.n_management_ips >= allocated_mips) {
                config.management_ips = x2nrealloc(
                    config.management_ips, &allocated_mips,
                    sizeof *config.management_ips);
            }
            config.management_ips[config.n_management_ips++]
                = xstrdup(optarg);
            break;
        }

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

        case OPT_MAC_LIMIT_PORT:
            config.mac_limit_port = parse_uint_option("mac-limit-port",
                                                      optarg, 100000000);
            break;

        case OPT_MAC_WRITE_RATE:
            config.mac_write_rate = parse_uint_option("mac-write-rate",
                                                      optarg, 100000000);
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

        case OPT_FLOOD_LIMIT:
            config.flood_limit = parse_uint_option("flood-limit", optarg,
                                                   1000000);
            break;

        case OPT_UNIXCTL:
            free(unixctl_path);
            unixctl_path = xstrdup(optarg);
            break;

        case OPT_ENABLE_DUMMY:
            enable_dummy = true;
            break;

        case 'h':
            usage();

        case 'V':
            ovs_print_version(0, 0);
            printf("vtepd %s (hardware_vtep schema %s)\n", VTEPD_VERSION,
                   vteprec_get_db_version());
            exit(EXIT_SUCCESS);

        /* Open vSwitch's DAEMON_OPTION_HANDLERS, but --user is also kept
         * for make_rundir() and restrict_capabilities(). */
        case OPT_DETACH:
            set_detach();
            break;

        case OPT_NO_SELF_CONFINEMENT:
            daemon_disable_self_confinement();
            break;

        case OPT_NO_CHDIR:
            set_no_chdir();
            break;

        case OPT_PIDFILE:
            set_pidfile(optarg);
            break;

        case OPT_OVERWRITE_PIDFILE:
            ignore_existing_pidfile();
            break;

        case OPT_MONITOR:
            daemon_set_monitor();
            break;

        case OPT_USER_GROUP:
            daemon_set_new_user(optarg);
            free(user_spec);
            user_spec = xstrdup(optarg);
            break;

        VLOG_OPTION_HANDLERS

        /* SSL settings are checked once all are known (check_ssl()). */
        case 'p':
            free(ssl_private_key);
            ssl_private_key = xstrdup(optarg);
            break;

        case 'c':
            free(ssl_certificate);
            ssl_certificate = xstrdup(optarg);
            break;

        case 'C':
        case OPT_BOOTSTRAP_CA_CERT:
            free(ssl_ca_cert);
            ssl_ca_cert = xstrdup(optarg);
            ssl_bootstrap_ca = c == OPT_BOOTSTRAP_CA_CERT;
            break;

        case OPT_SSL_PROTOCOLS:
            free(ssl_protocols);
            ssl_protocols = xstrdup(optarg);
            break;

        case OPT_SSL_CIPHERS:
            free(ssl_ciphers);
            ssl_ciphers = xstrdup(optarg);
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
    if (!strcmp(config.datapath, "dummy")) {
        enable_dummy = true;
    }
    check_database(config.db_remote);
    check_ssl(config.db_remote);
}

/* Returns why 'name', one address of the database, cannot work, or NULL if
 * it can. */
static const char *
database_target_error(const char *name)
{
    if (stream_verify_name(name)) {
        return (!pstream_verify_name(name)
                ? "is an address to listen on (vtepd connects to the "
                  "database)"
                : "is no unix:, tcp: or ssl: address");
    }
    if (!strncmp(name, "unix:", 5)) {
        return name[5] ? NULL : "names no socket file";
    }
    if (!strncmp(name, "tcp:", 4) || !strncmp(name, "ssl:", 4)) {
        const char *host = name + 4;
        const char *colon = strrchr(host, ':');
        const char *port = colon ? colon + 1 : "";
        unsigned int n;
        if (!colon || colon == host || !str_to_uint(port, 10, &n)
            || port[strspn(port, "0123456789")] || !n || n > 65535) {
            return "has no IP:PORT (or HOST:PORT) after the method";
        }
    }
    return NULL;
}

/* Refuses a database address that would be retried forever. */
static void
check_database(const char *remote)
{
    struct svec remotes = SVEC_EMPTY_INITIALIZER;
    struct uuid cid;

    ovsdb_session_parse_remote(remote, &remotes, &cid);
    if (!remotes.n) {
        ovs_fatal(0, "database \"%s\": no address", remote);
    }
    const char *name;
    size_t i;
    SVEC_FOR_EACH (i, name, &remotes) {
        const char *why = database_target_error(name);
        if (why) {
            ovs_fatal(0, "database \"%s\": \"%s\" %s; a database is "
                      "unix:FILE, tcp:IP:PORT or ssl:IP:PORT, or a "
                      "comma-separated list of them", remote, name, why);
        }
    }
    svec_destroy(&remotes);
}

static bool
database_uses_ssl(const char *remote)
{
    struct svec remotes = SVEC_EMPTY_INITIALIZER;
    struct uuid cid;
    bool ssl = false;

    ovsdb_session_parse_remote(remote, &remotes, &cid);
    const char *name;
    size_t i;
    SVEC_FOR_EACH (i, name, &remotes) {
        ssl = ssl || !strncmp(name, "ssl:", 4);
    }
    svec_destroy(&remotes);
    return ssl;
}

/* Exits with a message if 'file' (given with 'option') cannot be read. */
static void
check_readable(const char *option, const char *file)
{
    FILE *f = fopen(file, "r");
    if (!f) {
        ovs_fatal(errno, "%s: cannot read %s", option, file);
    }
    fclose(f);
}

OVS_NO_RETURN static void
ssl_fatal(const char *option, const char *file, const char *what)
{
    unsigned long code = ERR_get_error();
    ovs_fatal(0, "%s: %s %s (%s)", option, file, what,
              code ? ERR_reason_error_string(code) : "no detail");
}

/* SSL settings that cannot work stop vtepd here: Open vSwitch's SSL code
 * would log an error and go on, with other protocols than asked for, or
 * with a connection that is retried forever. */
static void
check_ssl(const char *remote)
{
    if (ssl_protocols) {
        char *s = xstrdup(ssl_protocols);
        char *save_ptr = NULL;
        char *word = strtok_r(s, " ,\t", &save_ptr);
        if (!word) {
            ovs_fatal(0, "--ssl-protocols: no protocol given");
        }
        for (; word; word = strtok_r(NULL, " ,\t", &save_ptr)) {
            if (strcasecmp(word, "TLSv1") && strcasecmp(word, "TLSv1.1")
                && strcasecmp(word, "TLSv1.2")) {
                ovs_fatal(0, "--ssl-protocols: \"%s\" is not a protocol "
                          "that this build supports (TLSv1, TLSv1.1 and "
                          "TLSv1.2: Open vSwitch's SSL support knows no "
                          "others)", word);
            }
        }
        free(s);
    }

    if (database_uses_ssl(remote)) {
        struct svec missing = SVEC_EMPTY_INITIALIZER;
        if (!ssl_private_key) {
            svec_add(&missing, "--private-key");
        }
        if (!ssl_certificate) {
            svec_add(&missing, "--certificate");
        }
        if (!ssl_ca_cert) {
            svec_add(&missing, "--ca-cert (or --bootstrap-ca-cert)");
        }
        if (missing.n) {
            char *list = svec_join(&missing, ", ", "");
            ovs_fatal(0, "database \"%s\" uses SSL, which needs %s", remote,
                      list);
        }
    }

    SSL_CTX *ctx = SSL_CTX_new(TLS_method());
    if (!ctx) {
        ovs_fatal(0, "SSL_CTX_new failed");
    }
    if (ssl_certificate) {
        check_readable("--certificate", ssl_certificate);
        if (SSL_CTX_use_certificate_file(ctx, ssl_certificate,
                                         SSL_FILETYPE_PEM) != 1) {
            ssl_fatal("--certificate", ssl_certificate,
                      "is no PEM certificate");
        }
    }
    if (ssl_private_key) {
        /* Alone first: with the certificate loaded, OpenSSL refuses a key
         * that does not match it just like one that is no key. */
        SSL_CTX *key_ctx = SSL_CTX_new(TLS_method());
        check_readable("--private-key", ssl_private_key);
        if (!key_ctx
            || SSL_CTX_use_PrivateKey_file(key_ctx, ssl_private_key,
                                           SSL_FILETYPE_PEM) != 1) {
            ssl_fatal("--private-key", ssl_private_key,
                      "is no PEM private key");
        }
        SSL_CTX_free(key_ctx);
        if (SSL_CTX_use_PrivateKey_file(ctx, ssl_private_key,
                                        SSL_FILETYPE_PEM) != 1
            || (ssl_certificate && SSL_CTX_check_private_key(ctx) != 1)) {
            ssl_fatal("--private-key", ssl_private_key,
                      "does not match the --certificate");
        }
    }
    if (ssl_ca_cert) {
        const char *option = (ssl_bootstrap_ca ? "--bootstrap-ca-cert"
                              : "--ca-cert");
        struct stat s;
        /* A bootstrap CA certificate may not exist yet: vtepd saves it. */
        if (!ssl_bootstrap_ca || !stat(ssl_ca_cert, &s)) {
            check_readable(option, ssl_ca_cert);
            if (SSL_CTX_load_verify_locations(ctx, ssl_ca_cert, NULL) != 1) {
                ssl_fatal(option, ssl_ca_cert, "holds no PEM certificate");
            }
        }
    }
    if (ssl_ciphers && SSL_CTX_set_cipher_list(ctx, ssl_ciphers) != 1) {
        ssl_fatal("--ssl-ciphers", ssl_ciphers, "selects no cipher");
    }
    SSL_CTX_free(ctx);

    if (ssl_private_key && ssl_certificate) {
        stream_ssl_set_key_and_cert(ssl_private_key, ssl_certificate);
    } else if (ssl_private_key) {
        stream_ssl_set_private_key_file(ssl_private_key);
    } else if (ssl_certificate) {
        stream_ssl_set_certificate_file(ssl_certificate);
    }
    if (ssl_ca_cert) {
        stream_ssl_set_ca_cert_file(ssl_ca_cert, ssl_bootstrap_ca);
    }
    if (ssl_protocols) {
        stream_ssl_set_protocols(ssl_protocols);
    }
    if (ssl_ciphers) {
        stream_ssl_set_ciphers(ssl_ciphers);
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
           "  --management-ip=IP      management IPv4 or IPv6 address "
           "(repeatable)\n"
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
           "                          (default: %d)\n"
           "  --mac-limit-port=N      learned MACs per trunk port, 0: no "
           "limit\n"
           "                          (default: %d)\n"
           "  --mac-write-rate=N      learned-MAC row changes per second "
           "to the database,\n"
           "                          0: no limit (default: %d)\n"
           "  --stats-interval=SECS   binding counters to the database, 0 "
           "disables\n"
           "                          (default: 5)\n"
           "  --default-flood=none|locators|IP[,IP...]\n"
           "                          flooding of a logical switch without "
           "an unknown-dst\n"
           "                          row (default: none)\n"
           "  --flood-limit=N         remote VTEPs per flood entry, 0: no "
           "limit\n"
           "                          (default: %d)\n",
           VTEP_VXLAN_PORT, VTEPD_MAC_LIMIT, VTEPD_MAC_LIMIT_PORT,
           VTEPD_MAC_WRITE_RATE, RECONCILER_FLOOD_LIMIT);
    daemon_usage();
    vlog_usage();
    stream_usage("DATABASE", true, false, true);
    printf("\nOther options:\n"
           "  --unixctl=SOCKET        override default control socket name\n"
           "  --enable-dummy          testing: time/stop and time/warp "
           "commands\n"
           "                          (implied by --datapath=dummy)\n"
           "  -h, --help              display this help message\n"
           "  -V, --version           display version information\n");
    exit(EXIT_SUCCESS);
}

static void
vtepd_unixctl_exit(struct unixctl_conn *conn, int argc, const char *argv[],
                   void *args_)
{
    struct exit_args *args = args_;

    if (argc > 1 && strcmp(argv[1], "--cleanup")) {
        unixctl_command_reply_error(conn, "usage: exit [--cleanup]");
        return;
    }
    args->cleanup = args->cleanup || argc > 1;
    args->exiting = true;
    /* Answered once vtepd has released everything (see main()). */
    if (args->n_conns >= args->allocated_conns) {
        args->conns = x2nrealloc(args->conns, &args->allocated_conns,
                                 sizeof *args->conns);
    }
    args->conns[args->n_conns++] = conn;
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
    ds_put_format(out, "  adopted: %"PRIu64" entries the datapath held "
                  "already, %"PRIu64" resyncs it asked for\n",
                  stats.n_adopted, stats.n_resyncs);
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
    if (datapath_uses_tunnel_ip() && !tunnel_ip_is_local(cfg->tunnel_ip)) {
        ds_put_cstr(&out, " (on no local interface)");
    }
    for (size_t i = 0; i < cfg->n_management_ips; i++) {
        ds_put_format(&out, "%s%s", i ? ", " : ", management ip ",
                      cfg->management_ips[i]);
    }
    ds_put_char(&out, '\n');

    bool connected = ovsdb_idl_is_connected(ctx->idl);
    ds_put_format(&out, "database %s: %s", cfg->db_remote,
                  connected ? "connected" : "not connected");
    if (connected) {
        lock_watch_format(&lock_watch, ctx, &out);
    } else {
        int error = ovsdb_idl_get_last_error(ctx->idl);
        if (error) {
            ds_put_format(&out, " (%s)", ovs_retval_to_string(error));
        }
        ds_put_format(&out, ", lock id %s", lock_watch.id);
    }
    ds_put_format(&out, ", %llu full resyncs, %llu incremental passes, "
                  "own rows restored %llu times\n", ctx->n_resyncs,
                  ctx->n_incremental, ctx->n_restores);
    if (!ovs_list_is_empty(&barriers)) {
        ds_put_format(&out, "barriers waiting: %"PRIuSIZE" (%s)\n",
                      ovs_list_size(&barriers), barrier_waits_for(ctx));
    }

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

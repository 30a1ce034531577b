/*
 * local.h: what the files of vtepd's "local" module share.
 *
 * The module writes back what only the switch knows (see vtepd.h).  It is
 * one state, "struct local", and four files, one per concern:
 *
 *   local.c          the module's interface (vtepd.h), learning events
 *                    from the datapath into vtepd's copy of the learned
 *                    table (lib/vtep-learned.h), and the MAC limit faults;
 *   ucast-local.c    Ucast_Macs_Local: the index of our rows, writing the
 *                    learned table there at --mac-write-rate, adopting the
 *                    rows an earlier run left;
 *   locator.c        our Physical_Locator and Physical_Locator_Set, and
 *                    the unknown-dst Mcast_Macs_Local rows;
 *   binding-stats.c  Logical_Binding_Stats.
 *
 * Every file writes into the transaction of the pass and counts each row
 * change with local_count_op().
 */
#ifndef VTEPD_LOCAL_H
#define VTEPD_LOCAL_H 1

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "openvswitch/hmap.h"
#include "openvswitch/list.h"
#include "openvswitch/types.h"
#include "openvswitch/uuid.h"
#include "vtep-dp.h"
#include "vtep-learned.h"

struct ds;
struct ovsdb_idl_row;
struct vtep_state;
struct vtepd_ctx;
struct vteprec_logical_switch;
struct vteprec_physical_locator;
struct vteprec_physical_locator_set;

#define LOCAL_POLL_MAX 4096           /* Learning events per pass. */
#define LOCAL_TXN_MAX 5000            /* Row changes per transaction. */
#define LOCAL_WORK_MAX (4 * LOCAL_TXN_MAX)  /* Keys looked at per pass. */

/* A key written in the last transaction. */
struct local_dbkey {
    struct uuid ls;
    struct eth_addr mac;
};

struct local {
    /* local.c: the learned table and its events. */
    struct vtep_learned learned;
    struct vtep_dp_learned *events;   /* LOCAL_POLL_MAX of them. */
    bool more_events;                 /* Last poll filled 'events'. */
    struct hmap fulls;                /* "struct local_full"s. */
    uint64_t n_events;
    uint64_t n_dropped;               /* Events that made no sense. */

    /* local.c: the IDL as last seen. */
    unsigned int idl_seqno;
    unsigned long long int resyncs_seen;
    bool need_rebuild;

    /* ucast-local.c: our Ucast_Macs_Local rows. */
    struct hmap keys;                 /* "struct local_key"s. */
    struct hmap rows;                 /* "struct local_row"s. */
    size_t n_keyed_rows;
    struct ovs_list junk;             /* Rows with an unusable key. */
    struct ovs_list check;            /* Keys to look at. */
    size_t n_check;
    struct local_dbkey *inflight;     /* Written in the last transaction. */
    size_t n_inflight, allocated_inflight;
    bool more_work;                   /* A budget stopped the last pass. */
    uint64_t n_rebuilds;

    /* ucast-local.c: rows an earlier run left, kept until re-learned or
     * until the aging time has passed. */
    struct hmap adopted;              /* "struct local_adopted"s. */
    struct ovs_list adopted_list;     /* Same, oldest first. */
    bool adopt_done;                  /* The first full look was taken. */
    long long int adopt_deadline;
    uint64_t n_adopted, n_adopted_relearned, n_adopted_expired;

    /* ucast-local.c: --mac-write-rate, a token bucket of row changes. */
    long long int bucket_msec;        /* When 'tokens' was last filled. */
    int64_t tokens;                   /* In thousandths of a row change. */
    long long int rate_wakeup;        /* When enough tokens will be there,
                                       * or LLONG_MIN if not waiting. */
    uint64_t n_rate_waits;            /* Passes held back by the rate. */
    size_t max_txn_ucast;             /* Most row changes in one pass. */

    /* locator.c */
    struct uuid locator_uuid;
    struct uuid locator_set_uuid;
    const struct vteprec_physical_locator *new_locator;
    const struct vteprec_physical_locator_set *new_locator_set;
    bool mcast_stale;                 /* Mcast_Macs_Local needs a look. */
    uint64_t active_sig;              /* Of the active logical switches. */

    /* binding-stats.c */
    long long int next_stats;         /* When to refresh the counters. */
    bool stats_unsupported;           /* Said once in the log. */
    uint64_t n_stats_writes;

    /* This pass and the totals. */
    size_t txn_ops;                   /* Row changes in this pass. */
    uint64_t n_txns;                  /* Transactions we wrote into. */
    uint64_t n_row_ops;               /* Row inserts, updates, deletes. */
};

/* local.c */
void local_count_op(struct local *);
bool local_idl_row_exists(const struct ovsdb_idl_row *);
const struct vteprec_logical_switch *local_get_ls(const struct vtepd_ctx *,
                                                  const struct uuid *);
void local_format_ip(ovs_be32, char buf[INET_ADDRSTRLEN]);

/* ucast-local.c */
void local_ucast_init(struct local *);
void local_ucast_destroy(struct local *);
void local_ucast_track(struct vtepd_ctx *);
void local_ucast_rebuild(struct vtepd_ctx *);
void local_ucast_expire(struct vtepd_ctx *);
void local_ucast_write(struct vtepd_ctx *);
void local_ucast_wait(const struct vtepd_ctx *);
bool local_ucast_is_settled(const struct vtepd_ctx *);
ovs_be32 local_ucast_adopted_ip(const struct vtepd_ctx *, uint32_t vni,
                                struct eth_addr);
void local_ucast_format_stats(const struct vtepd_ctx *, struct ds *);
void local_ucast_dump_adopted(const struct vtepd_ctx *,
                              const char *ls_name, char ***lines,
                              size_t *n, size_t *allocated);

/* locator.c */
bool local_locator_is_ours(const struct vtepd_ctx *,
                           const struct vteprec_physical_locator *);
const struct vteprec_physical_locator *local_own_locator(
    struct vtepd_ctx *);
void local_mcast_write(struct vtepd_ctx *);
uint64_t local_active_signature(const struct vtep_state *);

/* binding-stats.c */
void local_stats_write(struct vtepd_ctx *);

#endif /* vtepd/local.h */

/*
 * vtep-reconcile.h: turns the difference between the desired state
 * (vtep-state.h) and what the datapath holds into datapath operations.
 *
 * The reconciler keeps its own record of what it has installed in the
 * datapath, so it never asks the provider, and it only looks at keys the
 * desired state marked dirty: with 100k MACs installed, one changed MAC is
 * one lookup and at most one operation.
 *
 * A failed operation leaves the record unchanged for that key and puts the
 * key on a retry list, retried with backoff (1 s doubling to 16 s); while
 * any key waits, a datapath fault is active (mac_table_exhaustion for
 * ENOSPC, else unspecified_fault).
 *
 * Adoption: a provider whose state outlives vtepd (see "Adoption and
 * resync" in vtep-dp-provider.h) reports what it holds before the first
 * operation; that becomes the record, every reported key is compared with
 * the desired state, and only what differs is changed.  The caller must
 * not call reconciler_run() before the desired state is complete (vtepd:
 * the first full sweep of the database), or it would remove what the
 * database still wants.  When the provider asks for a resync, the record
 * is dropped and built again the same way.
 *
 * Work per reconciler_run() call is bounded by 'budget' operations and by
 * the provider's time budget (budget_ms in vtep-dp-provider.h); it
 * returns true if work remains, and reconciler_wait() then wakes the poll
 * loop at once.
 *
 * Replication fan-out: a flood entry (unknown-dst or a multicast MAC)
 * gets at most the flood limit of remotes, the first ones by IP address
 * (the desired state's lists are sorted), so that every provider gets the
 * same bounded list; while an entry is cut, a tunnel_exhaustion fault
 * names its logical switch, and it clears when the list fits again.
 */
#ifndef VTEP_RECONCILE_H
#define VTEP_RECONCILE_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ds;
struct vtep_dp;
struct vtep_faults;
struct vtep_state;

struct reconciler_stats {
    size_t n_ls;                  /* Installed logical switches. */
    size_t n_bindings;
    size_t n_ucast;
    size_t n_flood;
    uint64_t n_ops;               /* Operations issued, ever. */
    uint64_t n_errors;            /* Of which failed. */
    size_t n_retry;               /* Keys waiting for a retry. */
    uint64_t n_adopted;           /* Entries the provider held already. */
    uint64_t n_resyncs;           /* Resyncs the provider asked for. */
};

/* The default flood limit (vtepd --flood-limit).  Head-end replication
 * turns one broadcast into one packet per remote: with 128, a burst of
 * 1,000 broadcasts costs at most 128,000 tunnel packets (a 2,000-locator
 * set made 822,720 in 2 s), while a source_node switch still reaches every
 * VTEP of a large rack or pod.  Beyond that, flooding belongs on a
 * service node. */
#define RECONCILER_FLOOD_LIMIT 128

struct reconciler *reconciler_create(struct vtep_dp *, struct vtep_faults *);
void reconciler_destroy(struct reconciler *);
void reconciler_set_flood_limit(struct reconciler *, size_t limit);

bool reconciler_run(struct reconciler *, struct vtep_state *, size_t budget);
void reconciler_wait(const struct reconciler *, const struct vtep_state *);

void reconciler_get_stats(const struct reconciler *,
                          struct reconciler_stats *);
void reconciler_format_fdb(const struct reconciler *, const char *ls,
                           struct ds *);

#endif /* vtep-reconcile.h */

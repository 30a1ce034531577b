/*
 * test-learn.c: unit tests of lib/vtep-learn.[ch], the learning table the
 * datapath providers share, and of lib/vtep-learned.[ch], vtepd's copy of
 * what the datapath reported.
 *
 * Time is whatever the test passes as 'now' (milliseconds), so aging is
 * tested without waiting.  The cases pin down: learning, moves and IP
 * changes; coalescing (one event per MAC, the latest state; nothing for a
 * MAC that came and went unseen); that the event queue never loses
 * anything however long nobody polls; incremental aging and flushing with
 * bounded work per run; the VNI, port and table limits with their FULL and
 * ROOM hysteresis; the 1M table cap; and a writer thread racing a poller.
 */
#include <config.h>

#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "bitmap.h"
#include "hash.h"
#include "lib/vtep-learn.h"
#include "lib/vtep-learned.h"
#include "openvswitch/hmap.h"
#include "openvswitch/util.h"
#include "ovs-atomic.h"
#include "ovs-thread.h"
#include "random.h"
#include "unit.h"
#include "util.h"

static struct vtep_learn *lt;
static struct vtep_learn_port *p0, *p1;

static void
open_table(unsigned int aging, unsigned int vni_limit,
           unsigned int port_limit, unsigned int table_limit)
{
    struct vtep_learn_config cfg = {
        .aging = aging, .vni_limit = vni_limit, .port_limit = port_limit,
        .table_limit = table_limit,
    };
    vtep_learn_destroy(lt);
    lt = vtep_learn_create(&cfg);
    p0 = vtep_learn_port(lt, "p0");
    p1 = vtep_learn_port(lt, "p1");
}

static void
setup(void)
{
    open_table(300, 0, 0, 0);
}

static void
teardown(void)
{
    vtep_learn_destroy(lt);
    lt = NULL;
}

/* 02:00:00:00:00:00 + n (thread-safe, unlike unit_mac_n()). */
static struct eth_addr
mac_n(uint32_t n)
{
    struct eth_addr mac;
    eth_addr_from_uint64(0x020000000000ULL + n, &mac);
    return mac;
}

static enum vtep_learn_outcome
see(uint32_t vni, uint32_t mac, struct vtep_learn_port *port, uint16_t vlan,
    long long int now)
{
    return vtep_learn_observe(lt, vni, mac_n(mac), port, vlan, 0, now);
}

/* Polls the next event into '*ev'. */
static void
poll_one(struct vtep_dp_learned *ev)
{
    ck_assert_uint_eq(vtep_learn_poll(lt, ev, 1), 1);
}

static void
poll_none(void)
{
    struct vtep_dp_learned ev;
    ck_assert_uint_eq(vtep_learn_poll(lt, &ev, 1), 0);
    ck_assert(!vtep_learn_has_events(lt));
}

static void
expect_mac_event(enum vtep_learn_type type, uint32_t vni, uint32_t mac,
                 const char *port, uint16_t vlan)
{
    struct vtep_dp_learned ev;
    poll_one(&ev);
    ck_assert_int_eq(ev.type, type);
    ck_assert_uint_eq(ev.vni, vni);
    ck_assert(eth_addr_equals(ev.mac, mac_n(mac)));
    ck_assert_str_eq(ev.port, port);
    ck_assert_uint_eq(ev.vlan, vlan);
}

static void
expect_limit_event(enum vtep_learn_type type, enum vtep_learn_limit limit,
                   uint32_t vni, const char *port)
{
    struct vtep_dp_learned ev;
    poll_one(&ev);
    ck_assert_int_eq(ev.type, type);
    ck_assert_int_eq(ev.limit, limit);
    ck_assert_uint_eq(ev.vni, vni);
    ck_assert_str_eq(ev.port, port);
    ck_assert(eth_addr_equals(ev.mac, eth_addr_broadcast));
}

static size_t
n_macs(void)
{
    struct vtep_learn_stats s;
    vtep_learn_get_stats(lt, &s);
    return s.n_macs;
}

/* Learning, moves, IPs. */

START_TEST(test_learn)
{
    ck_assert_int_eq(vtep_learn_observe(lt, 1, mac_n(1), p0, 100,
                                        unit_ip("10.0.0.5"), 0),
                     VTEP_LEARN_NEW);
    ck_assert(vtep_learn_take_changed(lt));
    ck_assert(!vtep_learn_take_changed(lt));

    struct vtep_dp_learned ev;
    poll_one(&ev);
    ck_assert_int_eq(ev.type, VTEP_LEARN_ADD);
    ck_assert_uint_eq(ev.ip, unit_ip("10.0.0.5"));
    ck_assert_str_eq(ev.port, "p0");

    /* Seen again, with or without the IP: nothing to say. */
    ck_assert_int_eq(see(1, 1, p0, 100, 10), VTEP_LEARN_SEEN);
    ck_assert_int_eq(vtep_learn_observe(lt, 1, mac_n(1), p0, 100,
                                        unit_ip("10.0.0.5"), 20),
                     VTEP_LEARN_SEEN);
    ck_assert(!vtep_learn_take_changed(lt));
    poll_none();

    /* A new IP is news. */
    ck_assert_int_eq(vtep_learn_observe(lt, 1, mac_n(1), p0, 100,
                                        unit_ip("10.0.0.6"), 30),
                     VTEP_LEARN_NEW_IP);
    poll_one(&ev);
    ck_assert_int_eq(ev.type, VTEP_LEARN_ADD);
    ck_assert_uint_eq(ev.ip, unit_ip("10.0.0.6"));

    /* The same MAC in another VNI is another entry. */
    ck_assert_int_eq(see(2, 1, p0, 100, 40), VTEP_LEARN_NEW);
    expect_mac_event(VTEP_LEARN_ADD, 2, 1, "p0", 100);
    ck_assert_uint_eq(n_macs(), 2);

    const struct vtep_learn_port *port;
    uint16_t vlan;
    ck_assert(vtep_learn_lookup(lt, 1, mac_n(1), &port, &vlan));
    ck_assert_ptr_eq(port, p0);
    ck_assert_str_eq(vtep_learn_port_name(port), "p0");
    ck_assert_uint_eq(vtep_learn_port_index(p0), 0);
    ck_assert_uint_eq(vtep_learn_port_index(p1), 1);
    ck_assert_uint_eq(vlan, 100);
    ck_assert(!vtep_learn_lookup(lt, 3, mac_n(1), &port, &vlan));
    ck_assert_ptr_eq(vtep_learn_port(lt, "p0"), p0);
}
END_TEST

START_TEST(test_move)
{
    see(1, 1, p0, 100, 0);
    expect_mac_event(VTEP_LEARN_ADD, 1, 1, "p0", 100);
    vtep_learn_observe(lt, 1, mac_n(1), p0, 100, unit_ip("10.0.0.5"), 0);
    poll_one(&(struct vtep_dp_learned) { 0 });

    /* To another port, untagged: moved, and the IP stays. */
    ck_assert_int_eq(see(1, 1, p1, 0, 10), VTEP_LEARN_MOVED);
    struct vtep_dp_learned ev;
    poll_one(&ev);
    ck_assert_int_eq(ev.type, VTEP_LEARN_ADD);
    ck_assert_str_eq(ev.port, "p1");
    ck_assert_uint_eq(ev.vlan, 0);
    ck_assert_uint_eq(ev.ip, unit_ip("10.0.0.5"));

    /* Another VLAN of the same port is a move too. */
    ck_assert_int_eq(see(1, 1, p1, 7, 20), VTEP_LEARN_MOVED);
    expect_mac_event(VTEP_LEARN_ADD, 1, 1, "p1", 7);

    struct vtep_learn_stats s;
    vtep_learn_get_stats(lt, &s);
    ck_assert_uint_eq(s.n_macs, 1);
    ck_assert_uint_eq(s.n_learned, 1);
    ck_assert_uint_eq(s.n_moved, 2);

    /* Flushing the old binding leaves the moved MAC alone. */
    vtep_learn_flush_binding(lt, "p0", 100, 1);
    ck_assert(!vtep_learn_run(lt, 30, 100));
    poll_none();
    ck_assert_uint_eq(n_macs(), 1);
}
END_TEST

/* Coalescing, and a queue that never drops. */

START_TEST(test_coalescing)
{
    /* A MAC flapping between two ports before anyone polls: one event,
     * the last place. */
    for (int i = 0; i < 100; i++) {
        see(1, 1, i % 2 ? p1 : p0, i % 2 ? 0 : 100, i);
    }
    expect_mac_event(VTEP_LEARN_ADD, 1, 1, "p1", 0);
    poll_none();

    /* Learned and forgotten before anyone knew: no event at all. */
    see(1, 2, p0, 100, 200);
    ck_assert(vtep_learn_forget(lt, 1, mac_n(2)));
    poll_none();
    ck_assert(!vtep_learn_forget(lt, 1, mac_n(2)));

    /* Known, forgotten and learned again before a poll: one ADD, the
     * new place. */
    see(1, 3, p0, 100, 300);
    expect_mac_event(VTEP_LEARN_ADD, 1, 3, "p0", 100);
    vtep_learn_forget(lt, 1, mac_n(3));
    see(1, 3, p1, 0, 310);
    expect_mac_event(VTEP_LEARN_ADD, 1, 3, "p1", 0);

    /* Known and forgotten: one DEL, where it was. */
    vtep_learn_forget(lt, 1, mac_n(3));
    expect_mac_event(VTEP_LEARN_DEL, 1, 3, "p1", 0);
    /* Back after its DEL was handed out but before it was freed. */
    see(1, 3, p0, 5, 320);
    expect_mac_event(VTEP_LEARN_ADD, 1, 3, "p0", 5);
    vtep_learn_run(lt, 330, 100);
    ck_assert(vtep_learn_lookup(lt, 1, mac_n(3),
                                &(const struct vtep_learn_port *) { 0 },
                                &(uint16_t) { 0 }));
}
END_TEST

START_TEST(test_queue_never_drops)
{
    enum { N = 100000 };

    /* Nobody polls while N MACs are learned (the old dummy dropped
     * events beyond 65536). */
    for (uint32_t i = 0; i < N; i++) {
        ck_assert_int_eq(see(1, i, p0, 100, 0), VTEP_LEARN_NEW);
    }
    /* Half of them move, a quarter go. */
    for (uint32_t i = 0; i < N / 2; i++) {
        see(1, i, p1, 0, 1);
    }
    for (uint32_t i = N / 2; i < N / 2 + N / 4; i++) {
        vtep_learn_forget(lt, 1, mac_n(i));
    }

    struct vtep_learn_stats s;
    vtep_learn_get_stats(lt, &s);
    ck_assert_uint_eq(s.n_pending, N - N / 4);

    struct vtep_dp_learned *evs = xcalloc(4096, sizeof *evs);
    unsigned long *seen = bitmap_allocate(N);
    size_t total = 0, n_p1 = 0, n;
    while ((n = vtep_learn_poll(lt, evs, 4096)) > 0) {
        ck_assert_uint_le(n, 4096);
        for (size_t i = 0; i < n; i++) {
            ck_assert_int_eq(evs[i].type, VTEP_LEARN_ADD);
            uint32_t idx = eth_addr_to_uint64(evs[i].mac)
                           - eth_addr_to_uint64(mac_n(0));
            ck_assert_uint_lt(idx, N);
            ck_assert(!bitmap_is_set(seen, idx));
            bitmap_set1(seen, idx);
            n_p1 += !strcmp(evs[i].port, "p1");
        }
        total += n;
    }
    ck_assert_uint_eq(total, N - N / 4);
    ck_assert_uint_eq(n_p1, N / 2);
    bitmap_free(seen);
    free(evs);
}
END_TEST

/* Aging and flushing. */

START_TEST(test_aging)
{
    open_table(10, 0, 0, 0);
    ck_assert_int_eq(vtep_learn_next_run(lt), LLONG_MAX);
    see(1, 1, p0, 100, 0);
    see(1, 2, p0, 100, 5000);
    expect_mac_event(VTEP_LEARN_ADD, 1, 1, "p0", 100);
    expect_mac_event(VTEP_LEARN_ADD, 1, 2, "p0", 100);
    ck_assert_int_eq(vtep_learn_next_run(lt), 10000);

    /* Seen again: its age starts over. */
    see(1, 1, p0, 100, 8000);
    ck_assert_int_eq(vtep_learn_next_run(lt), 15000);

    ck_assert(!vtep_learn_run(lt, 14999, 100));
    poll_none();
    ck_assert(!vtep_learn_run(lt, 15000, 100));
    expect_mac_event(VTEP_LEARN_DEL, 1, 2, "p0", 100);
    ck_assert_int_eq(vtep_learn_next_run(lt), 18000);
    ck_assert(!vtep_learn_run(lt, 18000, 100));
    expect_mac_event(VTEP_LEARN_DEL, 1, 1, "p0", 100);
    ck_assert_int_eq(vtep_learn_next_run(lt), LLONG_MAX);

    struct vtep_learn_stats s;
    vtep_learn_get_stats(lt, &s);
    ck_assert_uint_eq(s.n_aged, 2);
    ck_assert_uint_eq(s.n_macs, 0);

    /* Aging off: nothing ever ages. */
    open_table(0, 0, 0, 0);
    see(1, 1, p0, 100, 0);
    ck_assert_int_eq(vtep_learn_next_run(lt), LLONG_MAX);
    ck_assert(!vtep_learn_run(lt, 1LL << 40, 100));
    ck_assert_uint_eq(n_macs(), 1);
}
END_TEST

START_TEST(test_aging_bounded)
{
    enum { N = 10000, BUDGET = 100 };

    open_table(1, 0, 0, 0);
    for (uint32_t i = 0; i < N; i++) {
        see(1, i, p0, 100, i / 100);
    }
    struct vtep_dp_learned *evs = xcalloc(N, sizeof *evs);
    ck_assert_uint_eq(vtep_learn_poll(lt, evs, N), N);

    /* All are due at once: each run ages at most BUDGET. */
    int runs = 0;
    size_t dels = 0;
    bool more;
    do {
        size_t before = n_macs();
        more = vtep_learn_run(lt, 100000, BUDGET);
        ck_assert_uint_le(before - n_macs(), BUDGET);
        dels += vtep_learn_poll(lt, evs, N);
        runs++;
        ck_assert_int_le(runs, 2 * N / BUDGET + 2);
    } while (more);
    ck_assert_uint_eq(dels, N);
    ck_assert_uint_eq(n_macs(), 0);
    /* Freeing the entries whose DEL went out is bounded work too. */
    while (vtep_learn_run(lt, 100000, BUDGET)) {
        continue;
    }
    struct vtep_learn_stats s;
    vtep_learn_get_stats(lt, &s);
    ck_assert_uint_eq(s.n_gone, 0);
    free(evs);
}
END_TEST

START_TEST(test_flush_binding)
{
    for (uint32_t i = 0; i < 5; i++) {
        see(1, i, p0, 100, 0);
    }
    see(1, 10, p1, 0, 0);
    see(2, 11, p0, 100, 0);       /* Same port and VLAN, another VNI. */
    struct vtep_dp_learned evs[16];
    ck_assert_uint_eq(vtep_learn_poll(lt, evs, 16), 7);

    vtep_learn_flush_binding(lt, "p0", 100, 1);
    vtep_learn_flush_binding(lt, "nosuch", 100, 1);
    /* Two entries per run. */
    ck_assert(vtep_learn_run(lt, 0, 4));
    /* What a flushed binding learned no longer forwards. */
    const struct vtep_learn_port *port;
    uint16_t vlan;
    for (uint32_t i = 0; i < 5; i++) {
        ck_assert(!vtep_learn_lookup(lt, 1, mac_n(i), &port, &vlan));
    }
    ck_assert(vtep_learn_run(lt, 0, 2));
    ck_assert(!vtep_learn_run(lt, 0, 2));
    size_t n = vtep_learn_poll(lt, evs, 16);
    ck_assert_uint_eq(n, 5);
    for (size_t i = 0; i < n; i++) {
        ck_assert_int_eq(evs[i].type, VTEP_LEARN_DEL);
        ck_assert_uint_eq(evs[i].vni, 1);
    }
    ck_assert(vtep_learn_lookup(lt, 1, mac_n(10), &port, &vlan));
    ck_assert(vtep_learn_lookup(lt, 2, mac_n(11), &port, &vlan));

    /* The binding comes back and learns anew. */
    ck_assert_int_eq(see(1, 0, p0, 100, 1), VTEP_LEARN_NEW);
    struct vtep_learn_stats s;
    vtep_learn_get_stats(lt, &s);
    ck_assert_uint_eq(s.n_flushed, 5);
    ck_assert_uint_eq(s.n_macs, 3);
}
END_TEST

/* Limits. */

START_TEST(test_vni_limit)
{
    open_table(300, 3, 0, 0);
    for (uint32_t i = 0; i < 3; i++) {
        ck_assert_int_eq(see(1, i, p0, 100, 0), VTEP_LEARN_NEW);
    }
    struct vtep_dp_learned evs[8];
    ck_assert_uint_eq(vtep_learn_poll(lt, evs, 8), 3);
    poll_none();                   /* At the limit is not over it. */

    ck_assert_int_eq(see(1, 3, p0, 100, 0), VTEP_LEARN_REFUSED);
    expect_limit_event(VTEP_LEARN_FULL, VTEP_LEARN_LIMIT_VNI, 1, "");
    ck_assert_int_eq(see(1, 4, p1, 0, 0), VTEP_LEARN_REFUSED);
    poll_none();                   /* Once. */
    /* Known MACs are still known, other VNIs still learn. */
    ck_assert_int_eq(see(1, 0, p0, 100, 1), VTEP_LEARN_SEEN);
    ck_assert_int_eq(see(2, 3, p0, 100, 1), VTEP_LEARN_NEW);
    expect_mac_event(VTEP_LEARN_ADD, 2, 3, "p0", 100);

    /* Below 90% of 3 is 2. */
    vtep_learn_forget(lt, 1, mac_n(0));
    ck_assert_uint_eq(vtep_learn_poll(lt, evs, 8), 2);
    ck_assert_int_eq(evs[0].type, VTEP_LEARN_ROOM);
    ck_assert_int_eq(evs[0].limit, VTEP_LEARN_LIMIT_VNI);
    ck_assert_uint_eq(evs[0].vni, 1);
    ck_assert_int_eq(evs[1].type, VTEP_LEARN_DEL);

    struct vtep_learn_stats s;
    vtep_learn_get_stats(lt, &s);
    ck_assert_uint_eq(s.n_refused, 2);
}
END_TEST

START_TEST(test_hysteresis)
{
    struct vtep_dp_learned evs[64];

    open_table(300, 10, 0, 0);
    for (uint32_t i = 0; i < 10; i++) {
        see(1, i, p0, 100, 0);
    }
    vtep_learn_poll(lt, evs, 64);
    see(1, 100, p0, 100, 0);
    expect_limit_event(VTEP_LEARN_FULL, VTEP_LEARN_LIMIT_VNI, 1, "");

    /* Churn at the limit: one MAC goes, another comes, a third is
     * refused, many times.  Learning goes on up to the limit, and the
     * limit says nothing new: no ROOM/FULL flapping. */
    for (uint32_t i = 0; i < 50; i++) {
        ck_assert(vtep_learn_forget(lt, 1, mac_n(i < 10 ? i
                                                 : 1000 + i - 10)));
        ck_assert_int_eq(see(1, 1000 + i, p0, 100, 1), VTEP_LEARN_NEW);
        ck_assert_int_eq(see(1, 5000 + i, p0, 100, 1), VTEP_LEARN_REFUSED);
        size_t n = vtep_learn_poll(lt, evs, 64);
        for (size_t j = 0; j < n; j++) {
            ck_assert_int_ne(evs[j].type, VTEP_LEARN_FULL);
            ck_assert_int_ne(evs[j].type, VTEP_LEARN_ROOM);
        }
    }

    /* 9 of 10 is not below 90%; 8 is. */
    ck_assert(vtep_learn_forget(lt, 1, mac_n(1040)));
    ck_assert_uint_eq(vtep_learn_poll(lt, evs, 64), 1);
    ck_assert_int_eq(evs[0].type, VTEP_LEARN_DEL);
    ck_assert(vtep_learn_forget(lt, 1, mac_n(1041)));
    ck_assert_uint_eq(vtep_learn_poll(lt, evs, 64), 2);
    ck_assert_int_eq(evs[0].type, VTEP_LEARN_ROOM);

    /* FULL and ROOM both before a poll: the state did not change, so
     * nothing is said. */
    see(1, 7000, p0, 100, 2);
    see(1, 7001, p0, 100, 2);
    ck_assert_int_eq(see(1, 7002, p0, 100, 2), VTEP_LEARN_REFUSED);
    vtep_learn_forget(lt, 1, mac_n(7000));
    vtep_learn_forget(lt, 1, mac_n(7001));
    /* (And the two MACs came and went unseen.) */
    poll_none();
    ck_assert(vtep_learn_below_low_mark(0, 1));
    ck_assert(vtep_learn_below_low_mark(1, 2));
    ck_assert(!vtep_learn_below_low_mark(2, 2));
    ck_assert(!vtep_learn_below_low_mark(14746, 16384));
    ck_assert(vtep_learn_below_low_mark(14745, 16384));
}
END_TEST

START_TEST(test_port_limit)
{
    open_table(300, 0, 2, 0);
    /* The port limit counts every VNI and VLAN of the port. */
    ck_assert_int_eq(see(1, 1, p0, 100, 0), VTEP_LEARN_NEW);
    ck_assert_int_eq(see(2, 2, p0, 200, 0), VTEP_LEARN_NEW);
    struct vtep_dp_learned evs[8];
    ck_assert_uint_eq(vtep_learn_poll(lt, evs, 8), 2);
    ck_assert_int_eq(see(3, 3, p0, 300, 0), VTEP_LEARN_REFUSED);
    expect_limit_event(VTEP_LEARN_FULL, VTEP_LEARN_LIMIT_PORT, 0, "p0");
    /* Another port is not concerned. */
    ck_assert_int_eq(see(3, 3, p1, 0, 0), VTEP_LEARN_NEW);
    ck_assert_int_eq(see(3, 4, p1, 0, 0), VTEP_LEARN_NEW);
    vtep_learn_poll(lt, evs, 8);
    /* Nor does a full port take MACs that move from elsewhere. */
    ck_assert_int_eq(see(3, 3, p0, 300, 1), VTEP_LEARN_REFUSED);
    poll_none();
    /* Moving within the port is fine. */
    ck_assert_int_eq(see(1, 1, p0, 101, 1), VTEP_LEARN_MOVED);
    expect_mac_event(VTEP_LEARN_ADD, 1, 1, "p0", 101);
    /* A move away makes room (1 of 2 is below 90%). */
    ck_assert_int_eq(see(2, 2, p1, 0, 2), VTEP_LEARN_REFUSED);
    expect_limit_event(VTEP_LEARN_FULL, VTEP_LEARN_LIMIT_PORT, 0, "p1");
    vtep_learn_forget(lt, 3, mac_n(4));
    ck_assert_int_eq(see(2, 2, p1, 0, 3), VTEP_LEARN_MOVED);
    /* ROOM of p1 (a MAC went), ROOM of p0 (one moved away), then the
     * DEL and the move. */
    ck_assert_uint_eq(vtep_learn_poll(lt, evs, 8), 4);
    ck_assert_int_eq(evs[0].type, VTEP_LEARN_ROOM);
    ck_assert_str_eq(evs[0].port, "p1");
    ck_assert_int_eq(evs[1].type, VTEP_LEARN_ROOM);
    ck_assert_str_eq(evs[1].port, "p0");
    ck_assert_int_eq(evs[2].type, VTEP_LEARN_DEL);
    ck_assert_int_eq(evs[3].type, VTEP_LEARN_ADD);
    ck_assert_str_eq(evs[3].port, "p1");
}
END_TEST

START_TEST(test_table_cap)
{
    /* The default cap is 1M MACs, over all VNIs. */
    open_table(0, 0, 0, 0);
    uint32_t n = VTEP_LEARN_TABLE_MAX;
    for (uint32_t i = 0; i < n; i++) {
        if (see(1 + i % 64, i, p0, 100, 0) != VTEP_LEARN_NEW) {
            ck_abort_msg("MAC %"PRIu32" not learned", i);
        }
    }
    ck_assert_uint_eq(n_macs(), VTEP_LEARN_TABLE_MAX);
    ck_assert_int_eq(see(1, n, p0, 100, 0), VTEP_LEARN_REFUSED);
    ck_assert_int_eq(see(70, n + 1, p1, 0, 0), VTEP_LEARN_REFUSED);

    /* The limit event comes first, then every ADD. */
    struct vtep_dp_learned *evs = xcalloc(65536, sizeof *evs);
    size_t got = vtep_learn_poll(lt, evs, 65536);
    ck_assert_uint_eq(got, 65536);
    ck_assert_int_eq(evs[0].type, VTEP_LEARN_FULL);
    ck_assert_int_eq(evs[0].limit, VTEP_LEARN_LIMIT_TABLE);
    ck_assert_uint_eq(evs[0].vni, 0);
    ck_assert_str_eq(evs[0].port, "");
    size_t total = got, k;
    while ((k = vtep_learn_poll(lt, evs, 65536)) > 0) {
        total += k;
    }
    ck_assert_uint_eq(total, (size_t) VTEP_LEARN_TABLE_MAX + 1);
    free(evs);

    /* A table limit above the cap is the cap. */
    struct vtep_learn_config cfg = { .table_limit = UINT_MAX };
    struct vtep_learn *big = vtep_learn_create(&cfg);
    vtep_learn_destroy(big);
}
END_TEST

START_TEST(test_gone_entries_bounded)
{
    struct vtep_dp_learned evs[256];

    /* Gone entries wait for their DEL to be handed out, but never more
     * than the table limit of them: then learning stops until someone
     * polls, and nothing is lost. */
    open_table(300, 0, 0, 100);
    for (uint32_t i = 0; i < 100; i++) {
        see(1, i, p0, 100, 0);
    }
    ck_assert_uint_eq(vtep_learn_poll(lt, evs, 256), 100);
    for (uint32_t i = 0; i < 100; i++) {
        vtep_learn_forget(lt, 1, mac_n(i));
    }
    ck_assert_uint_eq(n_macs(), 0);
    ck_assert_int_eq(see(1, 500, p0, 100, 1), VTEP_LEARN_REFUSED);
    ck_assert_uint_eq(vtep_learn_poll(lt, evs, 256), 101);
    ck_assert_int_eq(evs[0].type, VTEP_LEARN_FULL);
    ck_assert_int_eq(evs[0].limit, VTEP_LEARN_LIMIT_TABLE);
    ck_assert(!vtep_learn_run(lt, 2, 1000));
    expect_limit_event(VTEP_LEARN_ROOM, VTEP_LEARN_LIMIT_TABLE, 0, "");
    ck_assert_int_eq(see(1, 500, p0, 100, 3), VTEP_LEARN_NEW);
}
END_TEST

/* A writer thread racing a poller: what the poller ends up believing is
 * what the table holds. */

enum { RACE_MACS = 512, RACE_OPS = 200000 };

static atomic_bool race_done;

static void *
race_writer(void *arg OVS_UNUSED)
{
    uint32_t seed = 1;
    for (int i = 0; i < RACE_OPS; i++) {
        seed = seed * 1103515245 + 12345;
        uint32_t mac = (seed >> 8) % RACE_MACS;
        switch ((seed >> 20) % 4) {
        case 0:
        case 1:
            see(1, mac, (seed >> 24) & 1 ? p1 : p0, 0, i);
            break;
        case 2:
            vtep_learn_forget(lt, 1, mac_n(mac));
            break;
        default:
            vtep_learn_run(lt, i, 16);
            break;
        }
    }
    atomic_store(&race_done, true);
    return NULL;
}

START_TEST(test_threads)
{
    open_table(0, 0, 0, 0);
    char where[RACE_MACS];     /* 0: unknown, else '0' or '1'. */
    memset(where, 0, sizeof where);
    atomic_init(&race_done, false);

    pthread_t writer = ovs_thread_create("learn_writer", race_writer, NULL);
    struct vtep_dp_learned evs[64];
    for (;;) {
        bool done;
        atomic_read(&race_done, &done);
        size_t n = vtep_learn_poll(lt, evs, 64);
        for (size_t i = 0; i < n; i++) {
            uint32_t idx = eth_addr_to_uint64(evs[i].mac)
                           - eth_addr_to_uint64(mac_n(0));
            ck_assert_uint_lt(idx, RACE_MACS);
            where[idx] = evs[i].type == VTEP_LEARN_ADD ? evs[i].port[1] : 0;
        }
        if (done && !n) {
            break;
        }
    }
    xpthread_join(writer, NULL);
    ck_assert_uint_eq(vtep_learn_poll(lt, evs, 64), 0);

    for (uint32_t i = 0; i < RACE_MACS; i++) {
        const struct vtep_learn_port *port;
        uint16_t vlan;
        if (vtep_learn_lookup(lt, 1, mac_n(i), &port, &vlan)) {
            ck_assert_int_eq(where[i], vtep_learn_port_name(port)[1]);
        } else {
            ck_assert_int_eq(where[i], 0);
        }
    }
}
END_TEST


/* vtepd's copy: lib/vtep-learned.h. */

static struct vtep_dp_learned
ev_add(uint32_t vni, uint32_t mac, const char *port, uint16_t vlan,
       const char *ip)
{
    struct vtep_dp_learned ev = {
        .type = VTEP_LEARN_ADD, .vni = vni, .mac = mac_n(mac), .vlan = vlan,
        .ip = ip ? unit_ip(ip) : 0,
    };
    ovs_strlcpy(ev.port, port, sizeof ev.port);
    return ev;
}

START_TEST(test_learned_copy)
{
    struct vtep_learned t;
    bool changed;

    vtep_learned_init(&t);
    struct vtep_dp_learned ev = ev_add(1, 1, "p0", 100, "10.0.0.5");
    struct vtep_learned_mac *m = vtep_learned_add(&t, &ev, &changed);
    ck_assert(changed);
    ck_assert(m->present && m->dirty);
    ck_assert_uint_eq(t.n_present, 1);
    ck_assert_uint_eq(t.n_dirty, 1);

    /* The same again, and without the IP: no news, the IP stays. */
    ev = ev_add(1, 1, "p0", 100, NULL);
    ck_assert_ptr_eq(vtep_learned_add(&t, &ev, &changed), m);
    ck_assert(!changed);
    ck_assert_uint_eq(m->ip, unit_ip("10.0.0.5"));

    /* A burst for one MAC is one dirty entry, the latest place. */
    ck_assert_ptr_eq(vtep_learned_pop_dirty(&t), m);
    ck_assert_ptr_null(vtep_learned_pop_dirty(&t));
    for (int i = 0; i < 10; i++) {
        ev = ev_add(1, 1, i % 2 ? "p1" : "p0", i, NULL);
        vtep_learned_add(&t, &ev, &changed);
        ck_assert(changed);
    }
    ck_assert_uint_eq(t.n_dirty, 1);
    ck_assert_str_eq(m->port, "p1");
    ck_assert_uint_eq(m->vlan, 9);

    /* Gone: still there, not present, dirty, until the writer removes
     * it.  A DEL of an unknown MAC is nothing. */
    ck_assert(vtep_learned_del(&t, 1, mac_n(1)));
    ck_assert(!vtep_learned_del(&t, 1, mac_n(1)));
    ck_assert(!vtep_learned_del(&t, 1, mac_n(2)));
    ck_assert(!m->present);
    ck_assert_uint_eq(t.n_present, 0);
    ck_assert_ptr_eq(vtep_learned_pop_dirty(&t), m);
    vtep_learned_remove(&t, m);
    ck_assert_ptr_null(vtep_learned_find(&t, 1, mac_n(1)));

    /* After a reconnection, everything is looked at again. */
    for (uint32_t i = 0; i < 5; i++) {
        ev = ev_add(2, i, "p0", 0, NULL);
        vtep_learned_add(&t, &ev, &changed);
    }
    while (vtep_learned_pop_dirty(&t)) {
        continue;
    }
    vtep_learned_mark_all_dirty(&t);
    ck_assert_uint_eq(t.n_dirty, 5);
    vtep_learned_destroy(&t);
}
END_TEST

static Suite *
learn_suite(void)
{
    Suite *s = suite_create("vtep-learn");

    TCase *tc = tcase_create("table");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_learn);
    tcase_add_test(tc, test_move);
    tcase_add_test(tc, test_coalescing);
    tcase_add_test(tc, test_queue_never_drops);
    tcase_add_test(tc, test_aging);
    tcase_add_test(tc, test_aging_bounded);
    tcase_add_test(tc, test_flush_binding);
    tcase_add_test(tc, test_vni_limit);
    tcase_add_test(tc, test_hysteresis);
    tcase_add_test(tc, test_port_limit);
    tcase_add_test(tc, test_table_cap);
    tcase_add_test(tc, test_gone_entries_bounded);
    tcase_add_test(tc, test_threads);
    suite_add_tcase(s, tc);

    tc = tcase_create("copy");
    tcase_add_test(tc, test_learned_copy);
    suite_add_tcase(s, tc);

    return s;
}

int
main(int argc OVS_UNUSED, char *argv[])
{
    return unit_main(argv[0], learn_suite);
}

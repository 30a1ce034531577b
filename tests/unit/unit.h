/*
 * unit.h: what the Check suites of tests/unit/ share.
 *
 * Each suite (one per lib/ module) is its own binary whose main() hands the
 * function that builds its Suite to unit_main(), which runs it in fork mode
 * and prints Check's summary line.
 */
#ifndef UNIT_H
#define UNIT_H 1

#include <check.h>
#include <stddef.h>
#include <stdint.h>
#include "openvswitch/types.h"
#include "openvswitch/uuid.h"
#include "packets.h"

struct vtep_faults;
struct vtep_state;

int unit_main(const char *argv0, Suite *(*make_suite)(void));

/* A UUID that is a function of 'n' only, so that tests can name rows by
 * number.  Different 'n' give different UUIDs. */
struct uuid unit_uuid(uint32_t n);

/* The vtep(5) keys that 'faults' puts into switch_fault_status, or into
 * the port_fault_status of 'port', sorted and joined by commas ("" if
 * none), in a buffer valid until the next call. */
const char *unit_switch_keys(const struct vtep_faults *faults);
const char *unit_port_keys(const struct vtep_faults *faults,
                           const char *port);

/* The IPv4 address 's' (dotted quad, which must be valid). */
ovs_be32 unit_ip(const char *s);

/* A pointer to unit_uuid(N), valid in the enclosing block. */
#define UNIT_UUID(N) ((const struct uuid[]) { unit_uuid(N) })

/* The MAC 's' (unicast, multicast or "unknown-dst", which must be
 * valid). */
struct eth_addr unit_mac(const char *s);

/* The unicast MAC "02:00:00:HH:MM:LL" for 'n', in a static buffer. */
const char *unit_mac_n(uint32_t n);

/* Feeding rows to a vtep_state, named by number (see unit_uuid()). */
void unit_ls_set(struct vtep_state *, uint32_t ls, const char *name,
                 int64_t key);
void unit_ls_set_nokey(struct vtep_state *, uint32_t ls, const char *name);
void unit_bind(struct vtep_state *, const char *port, int64_t vlan,
               uint32_t ls);
void unit_bind_n(struct vtep_state *, const char *port, const int64_t *vlans,
                 const uint32_t *lss, size_t n);
void unit_ucast(struct vtep_state *, uint32_t row, uint32_t ls,
                const char *mac, const char *ip);
void unit_mcast(struct vtep_state *, uint32_t row, uint32_t ls,
                const char *mac, const char *ips);

#endif /* unit.h */

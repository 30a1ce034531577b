# Tests: unit suites (Check), DB-driven tests, traffic tests.
#
# Unit tests: one Check suite per lib/ module, each its own binary.  Every
# binary runs its suite in fork mode and prints Check's summary line; see
# tests/unit/unit-main.c.

UNIT_TESTS = \
	tests/unit/test-types \
	tests/unit/test-fault \
	tests/unit/test-state \
	tests/unit/test-reconcile \
	tests/unit/test-gso
check_PROGRAMS += $(UNIT_TESTS)
TESTS += $(UNIT_TESTS)

# Check's START_TEST() defines each test as a static function and a static
# struct with file scope, which is what OVS's -Wmissing-prototypes and
# -Wshadow want, so no warning flag needs to be turned off here.  If a newer
# Check trips one, add a targeted -Wno-... to this line, saying why.
UNIT_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
UNIT_LDADD = $(VTEP_LIBS) $(CHECK_LIBS)
UNIT_COMMON = tests/unit/unit.h tests/unit/unit-main.c

tests_unit_test_types_SOURCES = tests/unit/test-types.c $(UNIT_COMMON)
tests_unit_test_types_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_types_LDADD = $(UNIT_LDADD)

tests_unit_test_gso_SOURCES = tests/unit/test-gso.c \
	tests/fuzz/gso-check.h $(UNIT_COMMON)
tests_unit_test_gso_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_gso_LDADD = $(UNIT_LDADD)

tests_unit_test_fault_SOURCES = tests/unit/test-fault.c $(UNIT_COMMON)
tests_unit_test_fault_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_fault_LDADD = $(UNIT_LDADD)

tests_unit_test_state_SOURCES = tests/unit/test-state.c $(UNIT_COMMON)
tests_unit_test_state_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_state_LDADD = $(UNIT_LDADD)

tests_unit_test_reconcile_SOURCES = tests/unit/test-reconcile.c \
	$(UNIT_COMMON)
tests_unit_test_reconcile_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_reconcile_LDADD = $(UNIT_LDADD)

include tests/unit/packet.mk
include tests/unit/learn.mk
include tests/fuzz/automake.mk
include tests/traffic/automake.mk

EXTRA_DIST += tests/lib.sh tests/db/test-db.sh tests/db/test-local.sh \
	tests/db/test-input.sh
EXTRA_DIST += tests/interop/lib-ovn.sh tests/interop/test-ovn.sh \
	tests/interop/test-l2gw.sh tests/interop/l2gw-driver.py \
	tests/interop/test-vtep-ctl.sh
include tests/unit/dp-user.mk

# tests/unit/dp-user.mk: the Check suite of lib/vtep-dp-user.c, the
# userspace datapath, with real frames on tap devices in a network
# namespace of each test's own (skipped as a whole without root).
check_PROGRAMS += tests/unit/test-dp-user
TESTS += tests/unit/test-dp-user
tests_unit_test_dp_user_SOURCES = tests/unit/test-dp-user.c \
	tests/unit/unit.h tests/unit/unit-main.c
# The suite compiles lib/vtep-dp-user.c into itself (see the top of
# test-dp-user.c), so it needs that file's flags too.
tests_unit_test_dp_user_CPPFLAGS = $(AM_CPPFLAGS) $(PCAP_CFLAGS)
tests_unit_test_dp_user_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_dp_user_LDADD = $(VTEP_LIBS) $(CHECK_LIBS)

# tests/unit/packet.mk: the Check suite of lib/vtep-packet.c, the packet
# codec.  It uses the shared runner of tests/unit/unit.h.
check_PROGRAMS += tests/unit/test-packet
TESTS += tests/unit/test-packet
tests_unit_test_packet_SOURCES = tests/unit/test-packet.c \
	tests/unit/unit.h tests/unit/unit-main.c
tests_unit_test_packet_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_packet_LDADD = $(VTEP_LIBS) $(CHECK_LIBS)

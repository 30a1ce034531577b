# tests/fuzz/automake.mk: fuzz targets for the parsers of untrusted input.
#
# Under "make check" each target runs as an ordinary test over a fixed set
# of pseudo-random and mutated inputs; the comment at the top of each
# source file says how to build it for libFuzzer instead.

check_PROGRAMS += tests/fuzz/fuzz-packet
TESTS += tests/fuzz/fuzz-packet
tests_fuzz_fuzz_packet_SOURCES = tests/fuzz/fuzz-packet.c
tests_fuzz_fuzz_packet_LDADD = $(VTEP_LIBS)

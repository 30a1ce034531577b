# tests/fuzz/automake.mk: fuzz targets for the parsers of untrusted input.
#
# Under "make check" each target runs as an ordinary test over a fixed set
# of pseudo-random and mutated inputs, with the main() of fuzz-driver.c
# (see fuzz-driver.h); the comment at the top of each source file says how
# to build it for libFuzzer instead.

check_PROGRAMS += tests/fuzz/fuzz-packet
TESTS += tests/fuzz/fuzz-packet
tests_fuzz_fuzz_packet_SOURCES = tests/fuzz/fuzz-packet.c \
	tests/fuzz/fuzz-driver.c tests/fuzz/fuzz-driver.h
tests_fuzz_fuzz_packet_LDADD = $(VTEP_LIBS)

# fuzz-dp drives the userspace datapath's input functions; it compiles
# lib/vtep-dp-user.c into itself (see its top comment).
check_PROGRAMS += tests/fuzz/fuzz-dp
TESTS += tests/fuzz/fuzz-dp
tests_fuzz_fuzz_dp_SOURCES = tests/fuzz/fuzz-dp.c \
	tests/fuzz/fuzz-driver.c tests/fuzz/fuzz-driver.h
tests_fuzz_fuzz_dp_CPPFLAGS = $(AM_CPPFLAGS) $(PCAP_CFLAGS)
tests_fuzz_fuzz_dp_LDADD = $(VTEP_LIBS)

# fuzz-types drives the row and option parsers of lib/vtep-types.c and the
# desired state that feeds rows through them (see its top comment).
check_PROGRAMS += tests/fuzz/fuzz-types
TESTS += tests/fuzz/fuzz-types
tests_fuzz_fuzz_types_SOURCES = tests/fuzz/fuzz-types.c \
	tests/fuzz/fuzz-driver.c tests/fuzz/fuzz-driver.h
tests_fuzz_fuzz_types_LDADD = $(VTEP_LIBS)

# fuzz-gso drives the segmentation of TCP super-frames (lib/vtep-gso.c).
check_PROGRAMS += tests/fuzz/fuzz-gso
TESTS += tests/fuzz/fuzz-gso
tests_fuzz_fuzz_gso_SOURCES = tests/fuzz/fuzz-gso.c tests/fuzz/gso-check.h \
	tests/fuzz/fuzz-driver.c tests/fuzz/fuzz-driver.h
tests_fuzz_fuzz_gso_LDADD = $(VTEP_LIBS)

# "make fuzz": every fuzz target under libFuzzer with AddressSanitizer and
# UndefinedBehaviorSanitizer (clang; on Debian the packages clang and
# libclang-rt-14-dev), each run for FUZZ_SECONDS (default 60) from a seed
# corpus that its "make check" build writes into tests/fuzz/libfuzzer/.
# A crash, a leak, a sanitizer report or a broken invariant fails it, and
# the input is saved there as NAME-crash-*; every target runs even when an
# earlier one failed.  CI runs a short pass: make fuzz FUZZ_SECONDS=20.
# The code under test is compiled into each target with the
# instrumentation; the rest (libvtep.a, libopenvswitch) is linked as built.
FUZZ_SECONDS = 60
FUZZ_CC = clang
FUZZ_CFLAGS = -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all -DFUZZING_ENGINE
FUZZ_DIR = tests/fuzz/libfuzzer
FUZZ_TARGETS = fuzz-packet fuzz-dp fuzz-types fuzz-gso
FUZZ_LINK = @mkdir -p $(FUZZ_DIR) && echo "  FUZZCC   $@" && \
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(AM_CPPFLAGS) $(PCAP_CFLAGS) $(NL_CFLAGS) \
	$(filter-out $(FUZZ_EXCLUDE),$(filter %.c,$^)) $(VTEP_LIBS) -o $@

$(FUZZ_DIR)/fuzz-packet: tests/fuzz/fuzz-packet.c lib/vtep-packet.c \
		lib/libvtep.a
	$(FUZZ_LINK)
$(FUZZ_DIR)/fuzz-dp: tests/fuzz/fuzz-dp.c lib/vtep-dp-user.c \
		lib/vtep-packet.c lib/libvtep.a
	$(FUZZ_LINK)
# (fuzz-dp #includes the datapath file; it is a prerequisite only.)
$(FUZZ_DIR)/fuzz-dp: FUZZ_EXCLUDE = %vtep-dp-user.c
$(FUZZ_DIR)/fuzz-types: tests/fuzz/fuzz-types.c lib/vtep-types.c \
		lib/vtep-state.c lib/vtep-fault.c lib/libvtep.a
	$(FUZZ_LINK)

$(FUZZ_DIR)/fuzz-gso: tests/fuzz/fuzz-gso.c lib/vtep-gso.c lib/libvtep.a
	$(FUZZ_LINK)

fuzz-build: $(addprefix $(FUZZ_DIR)/,$(FUZZ_TARGETS))

fuzz: fuzz-build $(addprefix tests/fuzz/,$(FUZZ_TARGETS))
	@failed=; \
	for t in $(FUZZ_TARGETS); do \
	    corpus=$(FUZZ_DIR)/corpus-$$t; \
	    if [ ! -d $$corpus ]; then \
	        mkdir -p $$corpus && tests/fuzz/$$t -n 500 -w $$corpus \
	            >/dev/null || exit 1; \
	    fi; \
	    echo "fuzz: $$t for $(FUZZ_SECONDS) s"; \
	    if $(FUZZ_DIR)/$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 \
	            -rss_limit_mb=2048 -print_final_stats=1 \
	            -artifact_prefix=$(FUZZ_DIR)/$$t- $$corpus \
	            >$(FUZZ_DIR)/$$t.log 2>&1; then \
	        echo "fuzz: $$t: ok, $$(sed -n \
	            's/^stat::number_of_executed_units: *//p' \
	            $(FUZZ_DIR)/$$t.log) runs"; \
	    else \
	        echo "fuzz: $$t: FAILED (see $(FUZZ_DIR)/$$t.log):"; \
	        grep -E 'ERROR|invariant broken|SUMMARY|Test unit written' \
	            $(FUZZ_DIR)/$$t.log | head -n 10; \
	        failed="$$failed $$t"; \
	    fi; \
	done; \
	if [ -n "$$failed" ]; then echo "fuzz: failed:$$failed"; exit 1; fi

clean-local: clean-fuzz
clean-fuzz:
	rm -rf $(FUZZ_DIR)
.PHONY: fuzz fuzz-build clean-fuzz

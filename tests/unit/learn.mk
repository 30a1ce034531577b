# tests/unit/learn.mk: the Check suite of lib/vtep-learn.c (the learning
# table every datapath provider shares) and lib/vtep-learned.c (vtepd's
# copy of what the datapath learned).  It uses the shared runner of
# tests/unit/unit.h.
check_PROGRAMS += tests/unit/test-learn
TESTS += tests/unit/test-learn
tests_unit_test_learn_SOURCES = tests/unit/test-learn.c \
	tests/unit/unit.h tests/unit/unit-main.c
tests_unit_test_learn_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_learn_LDADD = $(VTEP_LIBS) $(CHECK_LIBS)

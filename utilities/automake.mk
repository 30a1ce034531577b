dist_noinst_SCRIPTS += utilities/bootstrap.sh
dist_noinst_SCRIPTS += utilities/demo.sh utilities/run-tests.sh
dist_noinst_SCRIPTS += utilities/bench-forward.sh utilities/bench-lib.sh
dist_noinst_SCRIPTS += utilities/bench-scale.sh utilities/bench_scale.py
noinst_PROGRAMS += utilities/vtep-floor
utilities_vtep_floor_SOURCES = utilities/vtep-floor.c
nodist_utilities_vtep_floor_SOURCES = schema/vtep-idl.c schema/vtep-idl.h
utilities_vtep_floor_LDADD = $(OVS_LIBS)

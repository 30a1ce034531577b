sbin_PROGRAMS += vtepd/vtepd
vtepd_vtepd_SOURCES = \
	vtepd/vtepd.c
nodist_vtepd_vtepd_SOURCES = schema/vtep-idl.c schema/vtep-idl.h
vtepd_vtepd_LDADD = $(VTEP_LIBS)

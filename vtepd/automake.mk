sbin_PROGRAMS += vtepd/vtepd
vtepd_vtepd_SOURCES = \
	vtepd/cleanup.c \
	vtepd/binding-stats.c \
	vtepd/local.c \
	vtepd/local.h \
	vtepd/locator.c \
	vtepd/logical.c \
	vtepd/physical.c \
	vtepd/ucast-local.c \
	vtepd/vtepd.c \
	vtepd/vtepd.h
nodist_vtepd_vtepd_SOURCES = schema/vtep-idl.c schema/vtep-idl.h
vtepd_vtepd_LDADD = $(VTEP_LIBS)

man_MANS += vtepd/vtepd.8
EXTRA_DIST += vtepd/vtepd.8

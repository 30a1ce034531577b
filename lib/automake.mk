# lib/: everything testable without a database.
noinst_LIBRARIES += lib/libvtep.a
lib_libvtep_a_SOURCES = \
	lib/vtep-dp.c \
	lib/vtep-dp.h \
	lib/vtep-dp-dummy.c \
	lib/vtep-dp-provider.h \
	lib/vtep-dp-user.c \
	lib/vtep-fault.c \
	lib/vtep-gso.c \
	lib/vtep-gso.h \
	lib/vtep-malloc.c \
	lib/vtep-malloc.h \
	lib/vtep-fault.h \
	lib/vtep-learn.c \
	lib/vtep-learn.h \
	lib/vtep-learned.c \
	lib/vtep-learned.h \
	lib/vtep-packet.c \
	lib/vtep-packet.h \
	lib/vtep-reconcile.c \
	lib/vtep-reconcile.h \
	lib/vtep-state.c \
	lib/vtep-state.h \
	lib/vtep-types.c \
	lib/vtep-types.h
lib_libvtep_a_CPPFLAGS = $(AM_CPPFLAGS) $(PCAP_CFLAGS) $(NL_CFLAGS)

VTEP_LIBS = lib/libvtep.a $(OVS_LIBS) $(PCAP_LIBS) $(NL_LIBS)

# The hardware_vtep schema and its C IDL.
#
# configure picked the schema file ($(VTEP_SCHEMA)) and checked its version;
# the rule checks it again so that a schema swapped after configure cannot
# slip through.

EXTRA_DIST += schema/vtep-idl.ann schema/schema-version.sh
BUILT_SOURCES += schema/vtep-idl.h schema/vtep-idl.c
CLEANFILES += schema/vtep-idl.h schema/vtep-idl.c schema/vtep-idl.ovsidl \
	schema/vtep.ovsschema

schema/vtep.ovsschema: $(VTEP_SCHEMA)
	$(AM_V_GEN)$(MKDIR_P) schema && \
	v=`$(SHELL) $(top_srcdir)/schema/schema-version.sh $(VTEP_SCHEMA)` && \
	case $$v in \
	  1.7.*) ;; \
	  *) echo "$(VTEP_SCHEMA): hardware_vtep schema version \"$$v\";" \
	          "vtepd needs 1.7.x" >&2; exit 1 ;; \
	esac && cp $(VTEP_SCHEMA) $@

schema/vtep-idl.ovsidl: schema/vtep.ovsschema $(top_srcdir)/schema/vtep-idl.ann
	$(AM_V_GEN)$(OVSDB_IDLC) annotate schema/vtep.ovsschema \
	    $(top_srcdir)/schema/vtep-idl.ann > $@.tmp && mv $@.tmp $@

schema/vtep-idl.h: schema/vtep-idl.ovsidl
	$(AM_V_GEN)$(OVSDB_IDLC) c-idl-header $< > $@.tmp && mv $@.tmp $@

schema/vtep-idl.c: schema/vtep-idl.ovsidl
	$(AM_V_GEN)$(OVSDB_IDLC) c-idl-source $< > $@.tmp && mv $@.tmp $@

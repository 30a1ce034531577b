# tests/traffic/automake.mk: the traffic tests (network namespaces, the
# userspace datapath against native Linux vxlan peers) and their tools.
#
# vlan-shim stands in for an 8021q VLAN device, which the test machines'
# kernel cannot create (see tests/traffic/vlan-shim.c); it uses only libc.
# The suite itself is tests/traffic/test-traffic.sh, run by
# utilities/run-tests.sh as root.

noinst_PROGRAMS += tests/traffic/vlan-shim
tests_traffic_vlan_shim_SOURCES = tests/traffic/vlan-shim.c

EXTRA_DIST += \
	tests/traffic/frame.py \
	tests/traffic/lib-traffic.sh \
	tests/traffic/test-traffic.sh

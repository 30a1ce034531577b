#!/bin/bash
# bootstrap.sh: install what vtepd builds and tests with, and build Open
# vSwitch's libopenvswitch and ovsdb-idlc from Debian's openvswitch-source
# into a git-ignored, cached prefix (deps/ovs-build).
#
# Debian 12 ships no -dev package for libopenvswitch, so we build the static
# library (and the IDL compiler) from the source tarball Debian ships.  A
# second run finds the stamp file and does no work.
#
# Usage: utilities/bootstrap.sh [--no-packages] [--test-peers]
#   --no-packages   skip apt-get (for machines that already have them)
#   --test-peers    also install the peers the test and demo suites use
set -e

top=$(cd "$(dirname "$0")/.." && pwd)
deps=$top/deps
ovs_src=$deps/ovs-src
stamp=$deps/ovs-build.stamp

packages=true
peers=false
for arg in "$@"; do
    case $arg in
        --no-packages) packages=false ;;
        --test-peers) peers=true ;;
        *) echo "$0: unknown option $arg" >&2; exit 1 ;;
    esac
done

build_pkgs="build-essential autoconf automake libtool pkg-config
    libpcap-dev libnl-3-dev libnl-route-3-dev libssl-dev libcap-ng-dev check
    openvswitch-source python3 xz-utils"
peer_pkgs="openvswitch-common openvswitch-vtep openvswitch-switch iproute2
    ethtool iputils-ping python3-scapy tcpdump netsniff-ng procps
    ovn-central ovn-host ovn-controller-vtep python3-networking-l2gw
    gnuplot-nox stunnel4 clang libclang-rt-14-dev"

missing_pkgs() {
    for p in "$@"; do
        dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null \
            | grep -q 'install ok installed' || echo "$p"
    done
}

if $packages; then
    want=$build_pkgs
    $peers && want="$want $peer_pkgs"
    missing=$(missing_pkgs $want)
    if [ -n "$missing" ]; then
        echo "bootstrap: installing:" $missing
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        # Installing openvswitch-switch must not leave a system ovsdb-server
        # or ovs-vswitchd running: our tests start private ones.
        if [ ! -e /usr/sbin/policy-rc.d ]; then
            printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
            chmod +x /usr/sbin/policy-rc.d
            trap 'rm -f /usr/sbin/policy-rc.d' EXIT
        fi
        apt-get install -y -qq --no-install-recommends $missing
    fi
fi

# Build OVS once.  The stamp records the tarball so a new Debian upload
# triggers a rebuild.
tarball=$(ls /usr/src/openvswitch/openvswitch*.tar.* 2>/dev/null | head -1)
if [ -z "$tarball" ]; then
    echo "bootstrap: openvswitch-source tarball not found under" \
         "/usr/src/openvswitch (install the openvswitch-source package)" >&2
    exit 1
fi
# Debian's directories, so that vtepd's default database socket and control
# sockets are where Debian's ovsdb-server and ovs-appctl look.  libcap-ng:
# OVS's daemon code needs it for --user.
ovs_configure_args="--enable-ssl --enable-libcapng --disable-shared --with-pic
    --prefix=/usr --localstatedir=/var --sysconfdir=/etc"
want_stamp="$tarball $(stat -c %s "$tarball") $(echo $ovs_configure_args)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want_stamp" ] \
   && [ -f "$ovs_src/lib/.libs/libopenvswitch.a" ] \
   && [ -x "$ovs_src/ovsdb/ovsdb-idlc" ]; then
    echo "bootstrap: OVS build in $ovs_src is up to date"
    exit 0
fi

echo "bootstrap: building libopenvswitch from $tarball"
# Build next to the old tree and swap at the end: builds that use the old
# one keep working meanwhile, and a failed build leaves it in place.
new_src=$ovs_src.new
rm -rf "$new_src"
mkdir -p "$new_src"
tar -xaf "$tarball" -C "$new_src" --strip-components=1
cd "$new_src"
[ -x configure ] || ./boot.sh
# Debian's python3, not a user's pyenv: OVS's build scripts need nothing
# beyond the standard library.
PYTHON3=/usr/bin/python3 ./configure $ovs_configure_args >configure.log 2>&1 \
    || { tail -30 configure.log; exit 1; }
jobs=$(nproc)
# Generated sources first (include/odp-netlink.h, lib/ovsdb-server-idl.h,
# ...): the library includes them but its rules do not depend on them.
# Ask OVS's own Makefile for the list rather than hard-coding it.
built=$(printf 'vtepd-print-built:\n\t@echo $(BUILT_SOURCES)\n' \
        | make -s -f Makefile -f - vtepd-print-built)
make -j"$jobs" $built >build.log 2>&1 || { tail -30 build.log; exit 1; }
make -j"$jobs" lib/libopenvswitch.la ovsdb/ovsdb-idlc \
    >>build.log 2>&1 || { tail -30 build.log; exit 1; }
rm -rf "$ovs_src.old" "$stamp"
[ ! -e "$ovs_src" ] || mv "$ovs_src" "$ovs_src.old"
mv "$new_src" "$ovs_src"
rm -rf "$ovs_src.old"
echo "$want_stamp" > "$stamp"
echo "bootstrap: OVS built in $ovs_src"

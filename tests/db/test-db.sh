#!/bin/bash
# test-db.sh: vtepd against a real ovsdb-server, driven by vtep-ctl.
#
#   vtep-ctl --> ovsdb-server (hardware_vtep, temp dir) <--> vtepd --> dummy
#                                                                  datapath
#
# Each case starts its own ovsdb-server and vtepd (switch sw0, ports p0 and
# p1, tunnel IP 192.0.2.1, --datapath=dummy), changes the database with
# vtep-ctl, and checks what the dummy datapath holds (vtepd/dummy-tables),
# the operations it received (vtepd/dump-ops) and the rows vtepd wrote.
#
# Usage: test-db.sh [CASE...]   (default: every case)

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir/_build}
. "$top_srcdir/tests/lib.sh"

# A logical switch ls0 with VNI 100 bound to p0 VLAN 100.
setup_ls0() {
    vtctl add-ls ls0 -- set Logical_Switch ls0 tunnel_key=100 \
        -- bind-ls sw0 p0 100 ls0 || vt_fail "setup_ls0"
    expect_dp "ls vni=100 mode=service_node name=ls0" \
              "binding port=p0 vlan=100 vni=100"
}

# Exactly one switch, two ports and one Global row: nothing duplicated.
expect_own_rows_once() {
    local table want
    for table in Physical_Switch:1 Physical_Port:2 Global:1; do
        want=${table#*:}
        table=${table%:*}
        [ "$(vtctl --bare --columns=_uuid list "$table" | grep -c .)" \
          = "$want" ] || vt_fail "$table: not exactly $want row(s)"
    done
}

sw0_ports() { vtctl list-ports sw0 2>/dev/null | xargs; }

ls_uuid() { vtctl --bare --columns=_uuid find Logical_Switch name="$1"; }

test_identity() {
    vt_start_ovsdb
    vt_start_vtepd --management-ip=198.51.100.7 --description="rack 1 gw"
    vt_barrier
    [ "$(vtctl list-ps)" = sw0 ] || vt_fail "list-ps: $(vtctl list-ps)"
    [ "$(vtctl list-ports sw0 | tr '\n' ' ')" = "p0 p1 " ] \
        || vt_fail "ports: $(vtctl list-ports sw0)"
    [ "$(vtctl get Physical_Switch sw0 tunnel_ips)" = '["192.0.2.1"]' ] \
        || vt_fail "tunnel_ips: $(vtctl get Physical_Switch sw0 tunnel_ips)"
    [ "$(vtctl get Physical_Switch sw0 management_ips)" \
      = '["198.51.100.7"]' ] || vt_fail "management_ips"
    [ "$(vtctl get Physical_Switch sw0 description)" = '"rack 1 gw"' ] \
        || vt_fail "description"
    [ "$(switch_faults)" = "[]" ] || vt_fail "faults: $(switch_faults)"
    appctl vtepd/show | grep -q "connected, lock held" \
        || vt_fail "show: $(appctl vtepd/show)"
}

test_adopt_and_leave_others_alone() {
    vt_start_ovsdb
    vtctl add-ps sw0 -- add-port sw0 p0 \
        -- set Physical_Switch sw0 tunnel_ips='["10.9.9.9","10.9.9.8"]' \
        -- add-ps sw9 -- add-port sw9 p0 -- add-port sw9 q1 \
        -- set Physical_Switch sw9 tunnel_ips=10.7.7.7 \
           switch_fault_status=unspecified_fault
    local p0_uuid before_sw9
    p0_uuid=$(vtctl --bare --columns=ports list Physical_Switch sw0)
    before_sw9=$(vtctl list Physical_Switch sw9; vtctl list-ports sw9)
    vt_start_vtepd
    vt_wait_output '["192.0.2.1"]' vtctl get Physical_Switch sw0 tunnel_ips \
        || vt_fail "tunnel_ips not fixed"
    [ "$(vtctl --bare --columns=_uuid find Physical_Switch name=sw0 \
         | grep -c .)" = 1 ] || vt_fail "switch row duplicated"
    vt_barrier
    vtctl --bare --columns=ports list Physical_Switch sw0 \
        | grep -q "$p0_uuid" || vt_fail "port p0 was not adopted"
    [ "$(vtctl list-ports sw0 | tr '\n' ' ')" = "p0 p1 " ] \
        || vt_fail "ports: $(vtctl list-ports sw0)"
    [ "$(vtctl list Physical_Switch sw9; vtctl list-ports sw9)" \
      = "$before_sw9" ] || vt_fail "another switch's rows changed"
}

test_restore_deleted_rows() {
    vt_allow_log 'physical\|WARN\|sw0: Physical_Switch row was deleted'
    vt_start_ovsdb
    vt_start_vtepd
    vtctl del-ps sw0
    vt_wait_output "p0 p1" sw0_ports || vt_fail "switch not restored"
    vtctl del-port sw0 p1
    vt_wait_output "p0 p1" sw0_ports \
        || vt_fail "port not restored"
    [ "$(vtctl get Physical_Switch sw0 tunnel_ips)" = '["192.0.2.1"]' ] \
        || vt_fail "tunnel_ips after restore"
}

test_second_vtepd_refuses() {
    vt_start_ovsdb
    vt_start_vtepd
    local out rc
    out=$(timeout 20 "$VTEPD" --no-chdir --unixctl="$VT_DIR/second.ctl" \
          --name=sw0 --tunnel-ip=192.0.2.2 --datapath=dummy \
          -vconsole:err -vsyslog:off "$VT_DB" 2>&1)
    rc=$?
    [ "$rc" = 1 ] || vt_fail "second vtepd exited with $rc: $out"
    printf '%s\n' "$out" | grep -q "another vtepd serves this switch" \
        || vt_fail "no clear message: $out"
    [ "$(vtctl get Physical_Switch sw0 tunnel_ips)" = '["192.0.2.1"]' ] \
        || vt_fail "second vtepd wrote the switch"
}

# Each line: the options, then (after "|") what the error must say.
BAD_OPTIONS='--name=sw0|--tunnel-ip is required
--tunnel-ip=300.1.1.1|is not a unicast IPv4 address
--tunnel-ip=224.0.0.1|is not a unicast IPv4 address
--tunnel-ip=127.0.0.1|is not a unicast IPv4 address
--tunnel-ip=192.0.2.1 --tunnel-ip=192.0.2.2|exactly one tunnel IP
--tunnel-ip=192.0.2.1 --port=p0 --port=p0|p0 given twice
--tunnel-ip=192.0.2.1 --port=|is not a valid port name
--tunnel-ip=192.0.2.1 --port=pppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppp|is not a valid port name
--tunnel-ip=192.0.2.1 --vxlan-port=0|0 is not a UDP port
--tunnel-ip=192.0.2.1 --vxlan-port=65536|is not a number from 0 to 65535
--tunnel-ip=192.0.2.1 --vxlan-port=abc|is not a number
--tunnel-ip=192.0.2.1 --mac-aging=-1|is not a number
--tunnel-ip=192.0.2.1 --mac-limit=1e3|is not a number
--tunnel-ip=192.0.2.1 --datapath=foo|unknown type "foo"
--tunnel-ip=192.0.2.1 --default-flood=all|is not "none", "locators"
--tunnel-ip=192.0.2.1 --default-flood=10.0.0.1,|is not "none", "locators"
--tunnel-ip=192.0.2.1 --default-flood=10.0.0.1,127.0.0.1|is not "none", "locators"
--tunnel-ip=192.0.2.1 --datapath=dummy unix:a unix:b|at most one non-option
--tunnel-ip=192.0.2.1 --management-ip=notanip|"notanip" is not an IPv4 or IPv6 address
--tunnel-ip=192.0.2.1 --management-ip=10.0.0.300|is not an IPv4 or IPv6 address
--tunnel-ip=192.0.2.1 --name=|the switch name must not be empty
--tunnel-ip=192.0.2.1 --datapath=dummy foo:bar|"foo:bar" is no unix:, tcp: or ssl: address
--tunnel-ip=192.0.2.1 --datapath=dummy punix:x.sock|is an address to listen on
--tunnel-ip=192.0.2.1 --datapath=dummy tcp:127.0.0.1|has no IP:PORT
--tunnel-ip=192.0.2.1 --datapath=dummy tcp:127.0.0.1:0|has no IP:PORT
--tunnel-ip=192.0.2.1 --datapath=dummy unix:|names no socket file
--tunnel-ip=192.0.2.1 --datapath=dummy unix:db.sock,bogus:1|"bogus:1" is no unix:, tcp: or ssl: address
--tunnel-ip=192.0.2.1 --datapath=dummy --ssl-protocols=TLSv1.3|"TLSv1.3" is not a protocol that this build supports
--tunnel-ip=192.0.2.1 --datapath=dummy --ssl-protocols=,|--ssl-protocols: no protocol given
--tunnel-ip=192.0.2.1 --datapath=dummy --ssl-ciphers=NOSUCHCIPHER|selects no cipher
--tunnel-ip=192.0.2.1 --datapath=dummy ssl:127.0.0.1:6640|uses SSL, which needs --private-key, --certificate, --ca-cert (or --bootstrap-ca-cert)'

test_bad_options() {
    vt_start_ovsdb
    local line opts want out rc
    while IFS='|' read -r opts want; do
        # shellcheck disable=SC2086
        out=$(timeout 10 "$VTEPD" --unixctl="$VT_DIR/bad.ctl" $opts \
              -vconsole:off 2>&1)
        rc=$?
        [ "$rc" = 1 ] || vt_fail "vtepd $opts: exit status $rc: $out"
        printf '%s\n' "$out" | grep -qF -- "$want" \
            || vt_fail "vtepd $opts: said \"$out\", not \"$want\""
    done <<< "$BAD_OPTIONS"
    [ -z "$(vtctl list-ps)" ] || vt_fail "a refused vtepd wrote a switch"
}

test_bind_unbind() {
    vt_start_ovsdb
    vt_start_vtepd
    setup_ls0
    vtctl bind-ls sw0 p1 0 ls0
    expect_dp "binding port=p1 vlan=0 vni=100"
    vtctl unbind-ls sw0 p0 100
    expect_no_dp "binding port=p0"
    expect_dp "ls vni=100 mode=service_node name=ls0"
    vtctl unbind-ls sw0 p1 0
    expect_no_dp "^ls "
    # A switch bound nowhere on this switch is not installed.
    vtctl add-ls ls5 -- set Logical_Switch ls5 tunnel_key=5
    dp_lacks "vni=5" || vt_fail "unbound switch installed"
}

test_ucast_remote() {
    vt_start_ovsdb
    vt_start_vtepd
    setup_ls0
    vtctl add-ucast-remote ls0 00:00:00:00:00:01 10.0.0.2 \
        -- add-ucast-remote ls0 00:00:00:00:00:02 10.0.0.3
    expect_dp "ucast vni=100 mac=00:00:00:00:00:01 remote=10.0.0.2" \
              "ucast vni=100 mac=00:00:00:00:00:02 remote=10.0.0.3"
    # A VM moves: the row's locator is updated.
    vtctl add-ucast-remote ls0 00:00:00:00:00:01 10.0.0.4
    expect_dp "ucast vni=100 mac=00:00:00:00:00:01 remote=10.0.0.4"
    vtctl del-ucast-remote ls0 00:00:00:00:00:02
    expect_no_dp "mac=00:00:00:00:00:02"
    expect_dp "ucast vni=100 mac=00:00:00:00:00:01 remote=10.0.0.4"
}

test_duplicate_ucast_rows() {
    vt_start_ovsdb
    vt_start_vtepd
    setup_ls0
    vtctl add-ucast-remote ls0 00:00:00:00:00:01 10.0.0.2
    expect_dp "ucast vni=100 mac=00:00:00:00:00:01 remote=10.0.0.2"
    # networking-l2gw may leave a second row for the same MAC.
    local dup
    dup=$(vtctl -- --id=@l create Physical_Locator \
              encapsulation_type=vxlan_over_ipv4 dst_ip=10.0.0.9 \
          -- create Ucast_Macs_Remote MAC='"00:00:00:00:00:01"' \
              logical_switch="$(ls_uuid ls0)" locator=@l | tail -1)
    expect_dp "ucast vni=100 mac=00:00:00:00:00:01 remote=10.0.0.9"
    vtctl destroy Ucast_Macs_Remote "$dup"
    expect_dp "ucast vni=100 mac=00:00:00:00:00:01 remote=10.0.0.2"
    vtctl del-ucast-remote ls0 00:00:00:00:00:01
    expect_no_dp "mac=00:00:00:00:00:01"
}

test_mcast_remote() {
    vt_start_ovsdb
    vt_start_vtepd
    setup_ls0
    vtctl add-mcast-remote ls0 unknown-dst 10.0.0.3
    expect_dp "flood vni=100 mac=unknown-dst remotes=10.0.0.3"
    vtctl add-mcast-remote ls0 unknown-dst 10.0.0.2
    expect_dp "flood vni=100 mac=unknown-dst remotes=10.0.0.2,10.0.0.3"
    # Our own tunnel IP in the set is not a remote.
    vtctl add-mcast-remote ls0 unknown-dst 192.0.2.1
    vt_barrier
    expect_dp "flood vni=100 mac=unknown-dst remotes=10.0.0.2,10.0.0.3"
    vtctl add-mcast-remote ls0 01:00:5e:00:00:fb 10.0.0.3
    expect_dp "flood vni=100 mac=01:00:5e:00:00:fb remotes=10.0.0.3"
    vtctl del-mcast-remote ls0 unknown-dst 10.0.0.2
    expect_dp "flood vni=100 mac=unknown-dst remotes=10.0.0.3"
    vtctl del-mcast-remote ls0 unknown-dst 10.0.0.3 \
        -- del-mcast-remote ls0 unknown-dst 192.0.2.1
    expect_no_dp "mac=unknown-dst"
    vtctl clear-remote-macs ls0
    expect_no_dp "^flood"
}

test_replication_mode() {
    vt_start_ovsdb
    vt_start_vtepd
    setup_ls0
    vtctl set-replication-mode ls0 source_node
    expect_dp "ls vni=100 mode=source_node name=ls0"
    vtctl clear Logical_Switch ls0 replication_mode
    expect_dp "ls vni=100 mode=service_node name=ls0"
}

test_tunnel_key_change() {
    vt_start_ovsdb
    vt_start_vtepd
    setup_ls0
    vtctl add-ucast-remote ls0 00:00:00:00:00:01 10.0.0.2 \
        -- add-mcast-remote ls0 unknown-dst 10.0.0.2
    expect_dp "ucast vni=100 mac=00:00:00:00:00:01 remote=10.0.0.2"
    vtctl set Logical_Switch ls0 tunnel_key=200
    expect_dp "ls vni=200 mode=service_node name=ls0" \
              "binding port=p0 vlan=100 vni=200" \
              "ucast vni=200 mac=00:00:00:00:00:01 remote=10.0.0.2" \
              "flood vni=200 mac=unknown-dst remotes=10.0.0.2"
    expect_no_dp "vni=100"
    # Key 0 (what OVN writes for switches it does not serve) unbinds,
    # without a fault: the binding waits for a key.
    vtctl set Logical_Switch ls0 tunnel_key=0
    expect_no_dp "vni=200"
    [ "$(port_faults p0)" = "[]" ] \
        || vt_fail "port fault: $(port_faults p0)"
    vtctl set Logical_Switch ls0 tunnel_key=300
    expect_dp "ucast vni=300 mac=00:00:00:00:00:01 remote=10.0.0.2"
    vt_wait_output "[]" port_faults p0 \
        || vt_fail "port fault not cleared"
}

test_del_ls() {
    vt_start_ovsdb
    vt_start_vtepd
    setup_ls0
    vtctl add-ucast-remote ls0 00:00:00:00:00:01 10.0.0.2 \
        -- add-mcast-remote ls0 unknown-dst 10.0.0.2
    expect_dp "ucast vni=100 mac=00:00:00:00:00:01 remote=10.0.0.2"
    vtctl clear-remote-macs ls0 -- clear-local-macs ls0 \
        -- unbind-ls sw0 p0 100 -- del-ls ls0
    expect_no_dp "."
    appctl vtepd/dump-ops | grep -q "error=" \
        && vt_fail "datapath contract violated: $(appctl vtepd/dump-ops)"
    return 0
}

test_bad_mac() {
    vt_allow_log '\|WARN\|Ucast_Macs_Remote .*MAC "(zz|01):00:00:00:00:01"'
    vt_allow_log '\|WARN\|Mcast_Macs_Remote .*MAC "00:00:00:00:00:03"'
    vt_start_ovsdb
    vt_start_vtepd
    setup_ls0
    vtctl add-ucast-remote ls0 00:00:00:00:00:01 10.0.0.2
    local bad
    bad=$(vtctl -- --id=@l create Physical_Locator \
              encapsulation_type=vxlan_over_ipv4 dst_ip=10.0.0.5 \
          -- create Ucast_Macs_Remote MAC='"zz:00:00:00:00:01"' \
              logical_switch="$(ls_uuid ls0)" locator=@l | tail -1)
    vtctl add-ucast-remote ls0 00:00:00:00:00:02 10.0.0.2
    expect_dp "ucast vni=100 mac=00:00:00:00:00:01 remote=10.0.0.2" \
              "ucast vni=100 mac=00:00:00:00:00:02 remote=10.0.0.2"
    vt_wait_output "[unspecified_fault]" switch_faults \
        || vt_fail "no switch fault: $(switch_faults)"
    grep -q "Ucast_Macs_Remote $bad.*zz:00:00:00:00:01" "$VT_DIR/vtepd.log" \
        || vt_fail "no log line naming the row"
    # A multicast MAC in Ucast_Macs_Remote is just as bad.
    vtctl set Ucast_Macs_Remote "$bad" MAC='"01:00:00:00:00:01"'
    vt_barrier
    [ "$(switch_faults)" = "[unspecified_fault]" ] || vt_fail "fault cleared"
    vtctl set Ucast_Macs_Remote "$bad" MAC='"00:00:00:00:00:0a"'
    expect_dp "ucast vni=100 mac=00:00:00:00:00:0a remote=10.0.0.5"
    vt_wait_output "[]" switch_faults \
        || vt_fail "fault not cleared: $(switch_faults)"
    # Mcast_Macs_Remote wants unknown-dst or a multicast MAC.
    vtctl add-mcast-remote ls0 unknown-dst 10.0.0.2
    vtctl set Mcast_Macs_Remote \
        "$(vtctl --bare --columns=_uuid list Mcast_Macs_Remote)" \
        MAC='"00:00:00:00:00:03"'
    vt_wait_output "[unspecified_fault]" switch_faults \
        || vt_fail "no fault for a unicast MAC in Mcast_Macs_Remote"
    expect_no_dp "^flood"
}

test_bad_vni() {
    vt_allow_log '\|WARN\|Logical_Switch ls0: .*tunnel_key (16777216|-5) '
    vt_allow_log '\|WARN\|Physical_Port p0 vlan 100: .*logical switch ls0 '
    vt_start_ovsdb
    vt_start_vtepd
    vtctl add-ls ls0 -- set Logical_Switch ls0 tunnel_key=16777216 \
        -- bind-ls sw0 p0 100 ls0 -- add-ls ls1 \
        -- set Logical_Switch ls1 tunnel_key=7 -- bind-ls sw0 p1 7 ls1
    expect_dp "ls vni=7 mode=service_node name=ls1"
    vt_wait_output "[unspecified_fault]" switch_faults \
        || vt_fail "no switch fault"
    vt_wait_output "[invalid_vlan_map]" port_faults p0 \
        || vt_fail "no port fault on p0: $(port_faults p0)"
    [ "$(port_faults p1)" = "[]" ] || vt_fail "fault on p1"
    grep -q "Logical_Switch ls0.*16777216" "$VT_DIR/vtepd.log" \
        || vt_fail "no log line naming ls0"
    dp_lacks "name=ls0" || vt_fail "bad switch installed"
    vtctl set Logical_Switch ls0 tunnel_key=-5
    dp_lacks "name=ls0" || vt_fail "negative key installed"
    vtctl set Logical_Switch ls0 tunnel_key=16777215
    expect_dp "ls vni=16777215 mode=service_node name=ls0" \
              "binding port=p0 vlan=100 vni=16777215"
    vt_wait_output "[]" switch_faults \
        || vt_fail "switch fault not cleared"
    vt_wait_output "[]" port_faults p0 \
        || vt_fail "port fault not cleared"
}

test_duplicate_vni() {
    vt_allow_log '\|WARN\|Logical_Switch ls1: .*tunnel_key 100 '
    vt_allow_log '\|WARN\|Physical_Port p1 vlan 7: .*logical switch ls1 '
    vt_start_ovsdb
    vt_start_vtepd
    setup_ls0
    vtctl add-ls ls1 -- set Logical_Switch ls1 tunnel_key=100 \
        -- bind-ls sw0 p1 7 ls1 \
        -- add-ucast-remote ls1 00:00:00:00:00:07 10.0.0.7
    vt_wait_output "[unspecified_fault]" switch_faults \
        || vt_fail "no switch fault"
    vt_wait_output "[invalid_vlan_map]" port_faults p1 \
        || vt_fail "no port fault"
    expect_dp "ls vni=100 mode=service_node name=ls0"
    dp_lacks "port=p1" || vt_fail "conflicting binding applied"
    dp_lacks "00:00:00:00:00:07" || vt_fail "conflicting MAC applied"
    # The conflict ends when ls0 goes: ls1 takes VNI 100.
    vtctl clear-local-macs ls0 -- unbind-ls sw0 p0 100 -- del-ls ls0
    expect_dp "ls vni=100 mode=service_node name=ls1" \
              "binding port=p1 vlan=7 vni=100" \
              "ucast vni=100 mac=00:00:00:00:00:07 remote=10.0.0.7"
    vt_wait_output "[]" switch_faults || vt_fail "fault stays"
    vt_wait_output "[]" port_faults p1 || vt_fail "port fault"
}

test_bad_locator() {
    vt_allow_log '\|WARN\|Ucast_Macs_Remote .*:(300\.1\.1\.1|224\.0\.0\.5):'
    vt_allow_log '\|WARN\|Mcast_Macs_Remote .*unknown-dst: .*:1\.2\.3 '
    vt_start_ovsdb
    vt_start_vtepd
    setup_ls0
    vtctl add-ucast-remote ls0 00:00:00:00:00:01 300.1.1.1 \
        -- add-ucast-remote ls0 00:00:00:00:00:02 10.0.0.2 \
        -- add-ucast-remote ls0 00:00:00:00:00:03 224.0.0.5
    expect_dp "ucast vni=100 mac=00:00:00:00:00:02 remote=10.0.0.2"
    vt_wait_output "[unspecified_fault]" switch_faults \
        || vt_fail "no switch fault"
    dp_lacks "00:00:00:00:00:01" || vt_fail "bad locator applied"
    dp_lacks "00:00:00:00:00:03" || vt_fail "multicast locator applied"
    grep -q "300.1.1.1" "$VT_DIR/vtepd.log" || vt_fail "no log line"
    # A set with one bad and one good locator: the good one is used.
    vtctl add-mcast-remote ls0 unknown-dst 10.0.0.3 \
        -- add-mcast-remote ls0 unknown-dst 1.2.3
    expect_dp "flood vni=100 mac=unknown-dst remotes=10.0.0.3"
    # An encapsulation other than vxlan_over_ipv4 cannot even be written.
    vtctl -- --id=@l create Physical_Locator \
        encapsulation_type=vxlan_over_ipv6 dst_ip=10.0.0.4 2>/dev/null \
        && vt_fail "the database accepted a bad encapsulation"
    # Fixing the rows clears the fault.
    vtctl del-ucast-remote ls0 00:00:00:00:00:01 \
        -- del-ucast-remote ls0 00:00:00:00:00:03 \
        -- del-mcast-remote ls0 unknown-dst 1.2.3
    vt_wait_output "[]" switch_faults \
        || vt_fail "fault not cleared: $(switch_faults)"
    expect_dp "ucast vni=100 mac=00:00:00:00:00:02 remote=10.0.0.2"
}

# A binding to a switch without a key waits for one, without a fault: OVN
# binds first and writes the key when it attaches the switch.
test_unkeyed_binding() {
    vt_allow_log '\|WARN\|Logical_Switch ls0: .*tunnel_key 7 '
    vt_allow_log '\|WARN\|Physical_Port p0 vlan 100: .*logical switch ls0 '
    vt_start_ovsdb
    vt_start_vtepd
    vtctl add-ls ls0 -- bind-ls sw0 p0 100 ls0 -- add-ls ls1 \
        -- set Logical_Switch ls1 tunnel_key=7 -- bind-ls sw0 p1 7 ls1
    expect_dp "binding port=p1 vlan=7 vni=7"
    dp_lacks "vlan=100" || vt_fail "binding applied"
    [ "$(port_faults p0)" = "[]" ] || vt_fail "fault: $(port_faults p0)"
    [ "$(switch_faults)" = "[]" ] || vt_fail "fault: $(switch_faults)"
    vtctl set Logical_Switch ls0 tunnel_key=100
    expect_dp "binding port=p0 vlan=100 vni=100"
    # A key that another switch holds is a fault.
    vtctl set Logical_Switch ls0 tunnel_key=7
    vt_wait_output "[invalid_vlan_map]" port_faults p0 \
        || vt_fail "no fault for a shared key"
}

# --default-flood: what a switch without an unknown-dst row floods to.
test_default_flood_locators() {
    vt_start_ovsdb
    vt_start_vtepd --default-flood=locators
    vtctl add-ls ls0 -- set Logical_Switch ls0 tunnel_key=100 \
        -- bind-ls sw0 p0 100 ls0
    vtctl add-ucast-remote ls0 00:00:00:00:00:11 10.0.0.11 \
        -- add-ucast-remote ls0 00:00:00:00:00:12 10.0.0.12 \
        -- add-ucast-remote ls0 00:00:00:00:00:13 10.0.0.12
    # Head-end replication to every remote VTEP, whatever the switch's
    # replication mode.
    expect_dp "ls vni=100 mode=source_node name=ls0" \
              "flood vni=100 mac=unknown-dst remotes=10.0.0.11,10.0.0.12"
    vtctl del-ucast-remote ls0 00:00:00:00:00:11
    expect_dp "flood vni=100 mac=unknown-dst remotes=10.0.0.12"
    # An unknown-dst row wins, with the switch's own mode.
    vtctl add-mcast-remote ls0 unknown-dst 10.0.0.99
    expect_dp "ls vni=100 mode=service_node name=ls0" \
              "flood vni=100 mac=unknown-dst remotes=10.0.0.99"
    vtctl del-mcast-remote ls0 unknown-dst 10.0.0.99
    expect_dp "ls vni=100 mode=source_node name=ls0" \
              "flood vni=100 mac=unknown-dst remotes=10.0.0.12"
    vtctl clear-remote-macs ls0
    expect_no_dp "flood"
}

test_default_flood_nodes() {
    vt_start_ovsdb
    vt_start_vtepd --default-flood=10.0.0.21,10.0.0.20,192.0.2.1
    setup_ls0
    # Our own tunnel IP is never a remote; the switch keeps its mode.
    expect_dp "ls vni=100 mode=service_node name=ls0" \
              "flood vni=100 mac=unknown-dst remotes=10.0.0.20,10.0.0.21"
    vtctl add-mcast-remote ls0 unknown-dst 10.0.0.99
    expect_dp "flood vni=100 mac=unknown-dst remotes=10.0.0.99"
}

test_bad_vlan_refused_by_schema() {
    vt_start_ovsdb
    vt_start_vtepd
    setup_ls0
    vtctl bind-ls sw0 p1 4096 ls0 2>/dev/null \
        && vt_fail "the database accepted VLAN 4096"
    vt_barrier
    [ "$(port_faults p1)" = "[]" ] || vt_fail "fault on p1"
    expect_dp "binding port=p0 vlan=100 vni=100"
}

test_vtepd_restart() {
    vt_start_ovsdb
    vt_start_vtepd
    setup_ls0
    vtctl add-ucast-remote ls0 00:00:00:00:00:01 10.0.0.2 \
        -- add-ucast-remote ls0 00:00:00:00:00:02 10.0.0.2 \
        -- add-mcast-remote ls0 unknown-dst 10.0.0.3
    expect_dp "flood vni=100 mac=unknown-dst remotes=10.0.0.3"
    vt_stop_vtepd
    # Changes while vtepd is down.
    vtctl del-ucast-remote ls0 00:00:00:00:00:02 \
        -- add-ucast-remote ls0 00:00:00:00:00:03 10.0.0.4
    vt_start_vtepd
    expect_dp "ucast vni=100 mac=00:00:00:00:00:01 remote=10.0.0.2" \
              "ucast vni=100 mac=00:00:00:00:00:03 remote=10.0.0.4" \
              "flood vni=100 mac=unknown-dst remotes=10.0.0.3" \
              "binding port=p0 vlan=100 vni=100"
    expect_no_dp "00:00:00:00:00:02"
    expect_own_rows_once
    vtctl --bare --columns=vlan_bindings find Physical_Port name=p0 \
        | grep -q '^100=' || vt_fail "binding of p0 lost"
}

test_ovsdb_restart() {
    vt_start_ovsdb
    vt_start_vtepd
    setup_ls0
    vtctl add-ucast-remote ls0 00:00:00:00:00:01 10.0.0.2 \
        -- add-ucast-remote ls0 00:00:00:00:00:02 10.0.0.2 \
        -- add-mcast-remote ls0 unknown-dst 10.0.0.3
    expect_dp "ucast vni=100 mac=00:00:00:00:00:02 remote=10.0.0.2"
    vt_stop_ovsdb
    # While the server is down, the database loses a MAC: only a full
    # resync can notice.
    ovsdb-tool transact "$VT_DIR/vtep.db" '["hardware_vtep",
        {"op": "delete", "table": "Ucast_Macs_Remote",
         "where": [["MAC", "==", "00:00:00:00:00:02"]]}]' >/dev/null \
        || vt_fail "ovsdb-tool transact"
    vt_start_ovsdb
    expect_no_dp "00:00:00:00:00:02"
    expect_dp "ucast vni=100 mac=00:00:00:00:00:01 remote=10.0.0.2" \
              "flood vni=100 mac=unknown-dst remotes=10.0.0.3"
    vtctl add-ucast-remote ls0 00:00:00:00:00:04 10.0.0.2
    expect_dp "ucast vni=100 mac=00:00:00:00:00:04 remote=10.0.0.2"
    expect_own_rows_once
}

test_ovsdb_new_database() {
    vt_allow_log 'physical\|WARN\|sw0: Physical_Switch row was deleted'
    vt_start_ovsdb
    vt_start_vtepd
    setup_ls0
    vtctl add-ucast-remote ls0 00:00:00:00:00:01 10.0.0.2
    expect_dp "ucast vni=100 mac=00:00:00:00:00:01 remote=10.0.0.2"
    vt_stop_ovsdb
    rm -f "$VT_DIR/vtep.db"
    vt_start_ovsdb
    vt_wait_output "p0 p1" sw0_ports \
        || vt_fail "switch not recreated in the new database"
    expect_no_dp "."
}

test_incremental_cost() {
    vt_start_ovsdb
    vt_start_vtepd
    setup_ls0
    local args=() i
    for i in $(seq 1 2000); do
        args+=(-- add-ucast-remote ls0
               "$(printf '00:00:00:00:%02x:%02x' $((i / 256)) $((i % 256)))"
               10.0.0.2)
    done
    vtctl "${args[@]}" 2>/dev/null || vt_fail "bulk insert"
    vt_wait_until sh -c "ovs-appctl -t '$VT_DIR/vtepd.ctl' \
        vtepd/dummy-tables --counts | grep -q 'ucast=2000'" \
        || vt_fail "2000 MACs not installed"
    appctl vtepd/dump-ops --clear >/dev/null
    vtctl add-ucast-remote ls0 00:00:00:00:aa:aa 10.0.0.2
    expect_dp "ucast vni=100 mac=00:00:00:00:aa:aa remote=10.0.0.2"
    vtctl add-ucast-remote ls0 00:00:00:00:00:05 10.0.0.3
    expect_dp "ucast vni=100 mac=00:00:00:00:00:05 remote=10.0.0.3"
    vtctl del-ucast-remote ls0 00:00:00:00:00:06
    expect_no_dp "mac=00:00:00:00:00:06"
    local ops
    ops=$(appctl vtepd/dump-ops)
    [ "$ops" = "ucast_set vni=100 mac=00:00:00:00:aa:aa remote=10.0.0.2
ucast_set vni=100 mac=00:00:00:00:00:05 remote=10.0.0.3
ucast_del vni=100 mac=00:00:00:00:00:06" ] || vt_fail "ops: $ops"
}

test_datapath_failure_retry() {
    vt_allow_log '\|WARN\|datapath: .*ucast_set \(vni 100\) failed: No space'
    vt_start_ovsdb
    vt_start_vtepd
    setup_ls0
    appctl vtepd/dummy-fail ucast_set 28 2 >/dev/null
    vtctl add-ucast-remote ls0 00:00:00:00:00:01 10.0.0.2
    vt_wait_output "[mac_table_exhaustion]" switch_faults \
        || vt_fail "no mac_table_exhaustion fault: $(switch_faults)"
    expect_dp "ucast vni=100 mac=00:00:00:00:00:01 remote=10.0.0.2"
    vt_wait_output "[]" switch_faults \
        || vt_fail "fault not cleared after retry"
}

test_unixctl() {
    vt_start_ovsdb
    vt_start_vtepd
    setup_ls0
    vtctl add-ucast-remote ls0 00:00:00:00:00:01 10.0.0.2
    expect_dp "ucast vni=100 mac=00:00:00:00:00:01 remote=10.0.0.2"
    appctl vtepd/show | grep -q "ls0: vni 100, service_node, active, 1 remote" \
        || vt_fail "show: $(appctl vtepd/show)"
    appctl vtepd/dump-fdb ls0 | grep -q "ucast 00:00:00:00:00:01 -> 10.0.0.2" \
        || vt_fail "dump-fdb: $(appctl vtepd/dump-fdb ls0)"
    appctl vtepd/dump-fdb 100 | grep -q "binding p0 vlan 100" \
        || vt_fail "dump-fdb by VNI"
    appctl vtepd/dump-fdb nosuch 2>/dev/null && vt_fail "dump-fdb nosuch"
    appctl vtepd/stats | grep -q "1 remote MACs" || vt_fail "stats"
    appctl vlog/list | grep -q logical || vt_fail "vlog commands"
    vt_stop_vtepd
}

# tests/lib.sh's own checks can fail: its negative helpers against a dead
# vtepd, a case with an unexpected WARN line, a sanitizer report.
test_lib_checks_can_fail() {
    vt_start_ovsdb
    vt_start_vtepd
    setup_ls0
    ( dp_lacks "vni=5" ) >/dev/null 2>&1 \
        || vt_fail "dp_lacks failed against a live vtepd"
    vtctl add-ucast-remote ls0 00:00:00:00:00:01 300.1.1.1
    vt_barrier
    ( vt_check_logs ) >/dev/null 2>&1 \
        && vt_fail "an unexpected WARN line passed"
    vt_allow_log '\|WARN\|Ucast_Macs_Remote .*300\.1\.1\.1'
    vt_check_logs || vt_fail "an allowed WARN line failed"
    : > "$VT_DIR/ubsan.999999"
    ( vt_check_sanitizers ) >/dev/null 2>&1 \
        && vt_fail "a sanitizer report passed"
    rm -f "$VT_DIR/ubsan.999999"
    kill -9 "$VT_VTEPD_PID"
    vt_wait_until vt_not_running "$VT_VTEPD_PID" || vt_fail "kill -9"
    ( vt_barrier ) >/dev/null 2>&1 \
        && vt_fail "vt_barrier passed against a dead vtepd"
    ( dp_lacks "vni=5" ) >/dev/null 2>&1 \
        && vt_fail "dp_lacks passed against a dead vtepd"
    ( expect_no_dp "vni=5" ) >/dev/null 2>&1 \
        && vt_fail "expect_no_dp passed against a dead vtepd"
    return 0
}

vt_run_suite "$@"

#!/usr/bin/python3
# l2gw-driver.py: plays the networking-l2gw agent (and the bits of its
# Neutron service plugin that feed it) against a hardware_vtep database,
# with the agent's own OVSDB code from Debian's python3-networking-l2gw:
# ovsdb_monitor.OVSDBMonitor for reading, ovsdb_writer.OVSDBWriter for
# writing, over TCP, one new connection per write, as the agent's
# OVSDBManager does in its default (non-manager) mode.
#
#   l2gw-driver.py --ovsdb=IP:PORT COMMAND [ARGS]
#
# Every write command first takes a snapshot with the agent's monitor (the
# plugin finds UUIDs, ports and faults in what the monitor reported), then
# sends what the agent would send, and exits 0 on success, 1 if the server
# refused the transaction (the error is printed), 2 if the plugin would
# have refused the request before it reached the agent.
#
# Commands:
#   snapshot           what the monitor reports (initial rows), one line per
#                      object, in the plugin's reading (see show_view())
#   monitor            keep a monitor open; print each update as snapshot
#                      lines prefixed "update", each echo request from the
#                      server as "echo", and "disconnected" when the agent
#                      would declare the server dead (no data for
#                      --socket-timeout seconds); with --seconds=N, stop
#                      after N seconds, exit 0 if still connected, else 3
#   connection-create  the plugin's create_l2_gateway_connection: fault
#                      check, then one transaction with the logical switch
#                      (name = network, tunnel_key = VNI), a locator per
#                      host, a Ucast_Macs_Remote per VM and a vlan_bindings
#                      mutate per interface
#   connection-delete  delete_l2_gateway_connection: a vlan_bindings mutate
#                      (delete) per interface, then the network's VM MACs
#                      deleted (delete_vif_from_gateway)
#   vm-add             add_port_mac: a new VM MAC (insert), or, if the MAC
#                      is there with another locator, a migration (update
#                      of its locator)
#   vm-delete          delete_port_mac: delete the MAC's Ucast_Macs_Remote
#                      rows of the network's logical switch
#   vm-insert          the agent's insert_ucast_macs_remote without the
#                      plugin's "already there" check (duplicate rows)
#   delete-network     the agent's delete_network RPC: delete the
#                      logical switch row
#   manager            the agent's manager mode ([ovsdb] enable_manager):
#                      listen on --listen=PORT until ovsdb-server connects
#                      (a Manager row "tcp:" or "ssl:AGENT_IP:PORT"; with
#                      --ssl-dir, TLS with the files the agent expects,
#                      DIR/ID.key, ID.cert, ID.ca_cert, ID from --ovsdb-id
#                      and the server's IP from --ovsdb), wait for its
#                      echo, monitor, then do connection-create (same
#                      arguments) on that connection and wait until the
#                      monitor reports the binding
#
# VMs are given as MAC,IP,HOST (HOST: the compute node's tunnel IP).
# --print-txn prints every JSON-RPC request the writer sends;
# --client-ssl=DIR makes the agent's connections SSL (its client mode).
#
# Run with /usr/bin/python3 (Debian's eventlet, oslo and neutron modules).

import argparse
import json
import logging
import sys
import time

import eventlet
eventlet.monkey_patch()

from oslo_config import cfg  # noqa: E402

from networking_l2gw.services.l2gateway.agent import (  # noqa: E402
    l2gateway_config)
from networking_l2gw.services.l2gateway.agent.ovsdb import (  # noqa: E402
    ovsdb_monitor, ovsdb_writer)
from networking_l2gw.services.l2gateway.common import config  # noqa: E402
from networking_l2gw.services.l2gateway import exceptions  # noqa: E402

OVSDB_ID = 'ovsdb1'
PRINT_TXN = False


def die(status, msg):
    print(msg, flush=True)
    sys.exit(status)


def gateway(args):
    """The gateway entry of the agent's ovsdb_hosts; with --client-ssl=DIR,
    the files the agent derives from its *_base_path options."""
    ip, _, port = args.ovsdb.rpartition(':')
    conf = {'ovsdb_identifier': OVSDB_ID, 'ovsdb_ip': ip, 'ovsdb_port': port}
    if args.client_ssl:
        conf.update({'use_ssl': True,
                     'private_key': '%s/%s.key' % (args.client_ssl, OVSDB_ID),
                     'certificate': '%s/%s.cert' % (args.client_ssl,
                                                    OVSDB_ID),
                     'ca_cert': '%s/%s.ca_cert' % (args.client_ssl,
                                                   OVSDB_ID)})
    return l2gateway_config.L2GatewayConfig(conf)


# The plugin's database, as filled by the monitor's callbacks (a subset of
# networking_l2gw/services/l2gateway/ovsdb/data.py: only what we need).
class View(object):
    TABLES = ('logical_switches', 'physical_switches', 'physical_ports',
              'physical_locators', 'local_macs', 'remote_macs',
              'mlocal_macs', 'locator_sets')

    def __init__(self):
        self.rows = {t: {} for t in self.TABLES}

    def apply(self, data):
        for t in self.TABLES:
            for obj in data.get('new_' + t, []):
                self.rows[t][obj['uuid']] = obj
            for obj in data.get('modified_' + t, []):
                old = self.rows[t].get(obj['uuid'], {})
                # A modified port of an update without its switch has no
                # physical_switch_id: keep the one we know.
                if (t == 'physical_ports' and not obj.get('physical_switch_id')
                        and old.get('physical_switch_id')):
                    obj['physical_switch_id'] = old['physical_switch_id']
                self.rows[t][obj['uuid']] = obj
            for obj in data.get('deleted_' + t, []):
                self.rows[t].pop(obj['uuid'], None)

    def find(self, table, **kv):
        return [r for r in self.rows[table].values()
                if all(r.get(k) == v for k, v in kv.items())]

    def one(self, table, **kv):
        rows = self.find(table, **kv)
        return rows[0] if rows else None

    def name(self, table, uuid, field):
        row = self.rows[table].get(uuid)
        return row[field] if row else '?' + str(uuid)


def plugin_tunnel_ip(ps):
    # data.py _process_new_physical_switches: a set (zero or several
    # values) is no tunnel IP.
    ip = ps.get('tunnel_ip')
    if ip is None or ip[0] == 'set':
        return None
    return ip


def fault_text(value):
    # The monitor turns a set (zero or several faults) into None.
    return 'None' if value is None else value


def show_view(view, prefix='', only=None):
    """Prints one line per object, sorted; with 'only', a set of (table,
    uuid), just those objects (names still resolve through 'view')."""
    lines = []
    ls = lambda u: view.name('logical_switches', u, 'name')  # noqa: E731
    loc = lambda u: view.name('physical_locators', u, 'dst_ip')  # noqa

    def rows(table):
        return [r for u, r in sorted(view.rows[table].items())
                if only is None or (table, u) in only]

    for ps in rows('physical_switches'):
        lines.append('switch %s tunnel_ip=%s fault=%s'
                     % (ps['name'], plugin_tunnel_ip(ps),
                        fault_text(ps['switch_fault_status'])))
    for pp in rows('physical_ports'):
        b = ','.join('%s:%s' % (vb['vlan'], ls(vb['logical_switch_uuid']))
                     for vb in sorted(pp['vlan_bindings'],
                                      key=lambda vb: vb['vlan']))
        lines.append('port %s/%s fault=%s bindings=%s'
                     % (view.name('physical_switches',
                                  pp.get('physical_switch_id'), 'name'),
                        pp['name'], fault_text(pp['port_fault_status']),
                        b or '-'))
    for r in rows('logical_switches'):
        lines.append('ls %s key=%s description=%s'
                     % (r['name'], r['key'], r['description']))
    for r in rows('physical_locators'):
        lines.append('locator %s' % r['dst_ip'])
    for kind, t in (('remote_mac', 'remote_macs'),
                    ('local_mac', 'local_macs')):
        for r in rows(t):
            lines.append('%s %s %s locator=%s ip=%s'
                         % (kind, ls(r['logical_switch_id']), r['mac'],
                            loc(r['physical_locator_id']),
                            r['ip_address'] or '-'))
    for r in rows('mlocal_macs'):
        lset = view.rows['locator_sets'].get(r['locator_set'])
        ips = (sorted(loc(u) for u in lset['locators']) if lset
               else ['?' + str(r['locator_set'])])
        lines.append('mcast_local %s %s locators=%s'
                     % (ls(r['logical_switch_id']), r['mac'], ','.join(ips)))
    for line in sorted(lines):
        print(prefix + line, flush=True)


def start_monitor(args, callback, attempts=20):
    """An OVSDBMonitor whose monitor request was answered, as the agent's
    OVSDBManager._connect_to_ovsdb_server makes one (retried the way the
    agent retries: a new connection on the next attempt)."""
    last = None
    for _ in range(attempts):
        mon = None
        try:
            mon = ovsdb_monitor.OVSDBMonitor(cfg.CONF.ovsdb, gateway(args),
                                             callback)
            mon.set_monitor_response_handler()
            if mon.connected:
                return mon
        except exceptions.OVSDBError as e:
            last = e
        except OSError as e:
            last = e
        if mon is not None and mon.connected:
            mon.disconnect()
        eventlet.sleep(0.2)
    die(1, 'error: the monitor got no answer: %s' % last)


def quiet_disconnect(mon):
    """Disconnects; the monitor's receive thread then fails on the closed
    socket and logs it, which is no news here."""
    logging.getLogger(ovsdb_monitor.__name__).setLevel(logging.CRITICAL)
    mon.disconnect()


def snapshot(args):
    view = View()
    got = []

    def callback(activity, data):
        if activity == ovsdb_monitor.Activity.Initial:
            view.apply(data)
            got.append(True)

    mon = start_monitor(args, callback)
    quiet_disconnect(mon)
    if not got:
        die(1, 'error: the monitor reported no initial rows')
    return view


def cmd_snapshot(args):
    show_view(snapshot(args))


def cmd_monitor(args):
    view = View()
    state = {'echo': 0}

    def callback(activity, data):
        if activity == ovsdb_monitor.Activity.Initial:
            view.apply(data)
            show_view(view, 'initial ')
            return
        # Deleted rows first, named while the view still has them.
        for t in View.TABLES:
            for obj in data.get('deleted_' + t, []):
                old = view.rows[t].get(obj['uuid'], obj)
                what = (old.get('mac') or old.get('name')
                        or old.get('dst_ip') or obj['uuid'])
                if old.get('logical_switch_id'):
                    what = '%s %s' % (view.name('logical_switches',
                                                old['logical_switch_id'],
                                                'name'), what)
                print('update deleted %s %s' % (t, what), flush=True)
        view.apply(data)
        touched = {(t, obj['uuid']) for t in View.TABLES
                   for kind in ('new_', 'modified_')
                   for obj in data.get(kind + t, [])}
        show_view(view, 'update ', touched)

    mon = start_monitor(args, callback)
    echo = mon.handlers['echo']

    def counting_echo(message, addr):
        state['echo'] += 1
        print('echo %d' % state['echo'], flush=True)
        echo(message, addr)

    mon.handlers['echo'] = counting_echo
    print('connected', flush=True)
    deadline = time.time() + args.seconds if args.seconds else None
    while mon.read_on and (deadline is None or time.time() < deadline):
        eventlet.sleep(0.1)
    if not mon.read_on:
        die(3, 'disconnected after %d echo requests' % state['echo'])
    quiet_disconnect(mon)
    print('still connected after %d s, %d echo requests answered'
          % (args.seconds, state['echo']), flush=True)


def parse_vm(text):
    try:
        mac, ip, host = text.split(',')
    except ValueError:
        die(2, 'error: a VM is MAC,IP,HOST, not "%s"' % text)
    return mac, ip, host


def writer(args):
    """One write, on a connection of its own, as OVSDBManager's
    _open_connection() does."""
    w = ovsdb_writer.OVSDBWriter(cfg.CONF.ovsdb, gateway(args))
    if PRINT_TXN:
        send = w.send

        def printing_send(message, callback=None, addr=None):
            print('txn: ' + json.dumps(message['params']), flush=True)
            return send(message, callback=callback, addr=addr)

        w.send = printing_send
    return w


def write(args, method, *params, **kwargs):
    w = writer(args)
    try:
        getattr(w, method)(*params, ovsdb_identifier=OVSDB_ID, **kwargs)
    except exceptions.OVSDBError as e:
        die(1, 'error: %s' % e)
    finally:
        w.disconnect()


def find_port(view, device, interface):
    """The plugin's _check_port_fault_status_and_switch_fault_status and
    _process_port_list: the device and its interface must exist, and
    neither may report a fault other than "UP"."""
    ps = view.one('physical_switches', name=device)
    if not ps:
        die(2, 'refused: L2GatewayDeviceNotFound: %s' % device)
    status = ps['switch_fault_status']
    if status and status != 'UP':
        die(2, 'refused: L2GatewayPhysicalSwitchFaultStatus: %s: %s'
            % (device, status))
    pp = view.one('physical_ports', name=interface,
                  physical_switch_id=ps['uuid'])
    if not pp:
        die(2, 'refused: L2GatewayInterfaceNotFound: %s' % interface)
    status = pp['port_fault_status']
    if status and status != 'UP':
        die(2, 'refused: L2GatewayPhysicalPortFaultStatus: %s/%s: %s'
            % (device, interface, status))
    return ps, pp


def cmd_connection_create(args):
    view = snapshot(args)
    ps, pp = find_port(view, args.device, args.interface)
    for vb in pp['vlan_bindings']:
        if vb['vlan'] == args.vlan:
            die(2, 'refused: L2GatewayDuplicateSegmentationID: %s/%s %d'
                % (args.device, args.interface, args.vlan))
    ls = view.one('logical_switches', name=args.network)
    ls_dict = {'uuid': ls['uuid'] if ls else None, 'name': args.network,
               'description': args.description, 'key': args.vni}
    locators = []
    macs = {}
    for vm in args.vm:
        mac, ip, host = parse_vm(vm)
        if ls and view.find('remote_macs', mac=mac,
                            logical_switch_id=ls['uuid']):
            continue
        if host not in macs:
            loc = view.one('physical_locators', dst_ip=host)
            locators.append({'uuid': loc['uuid'] if loc else None,
                             'dst_ip': host})
            macs[host] = []
        macs[host].append({'uuid': None, 'mac': mac,
                           'logical_switch_id': None,
                           'physical_locator_id': None, 'ip_address': ip})
    port = {'uuid': pp['uuid'], 'name': pp['name'],
            'physical_switch_id': ps['uuid'], 'port_fault_status': None,
            'vlan_bindings': [{'vlan': args.vlan,
                               'logical_switch_uuid':
                               ls['uuid'] if ls else None}]}
    write(args, 'update_connection_to_gateway', ls_dict, locators, macs,
          [port], op_method='CREATE')


def cmd_connection_delete(args):
    view = snapshot(args)
    ps, pp = find_port(view, args.device, args.interface)
    ls = view.one('logical_switches', name=args.network)
    if not ls:
        die(2, 'refused: The LOGICAL SWITCH data not found in the server')
    port = {'uuid': pp['uuid'], 'name': pp['name'],
            'physical_switch_id': ps['uuid'], 'port_fault_status': None,
            'vlan_bindings': [{'vlan': args.vlan,
                               'logical_switch_uuid': ls['uuid']}]}
    write(args, 'update_connection_to_gateway', {}, [], {}, [port],
          op_method='DELETE')
    # _remove_vm_macs -> delete_port_mac: every port MAC of the network,
    # one delete_vif_from_gateway for the logical switch.
    macs = args.mac or sorted({r['mac'] for r in view.find(
        'remote_macs', logical_switch_id=ls['uuid'])})
    if macs:
        write(args, 'delete_ucast_macs_remote', ls['uuid'], macs)


def network_ls(view, network):
    ls = view.one('logical_switches', name=network)
    if not ls:
        die(2, 'refused: no logical switch for network %s' % network)
    return ls


def locator_dict(view, host):
    loc = view.one('physical_locators', dst_ip=host)
    return {'uuid': loc['uuid'] if loc else None, 'dst_ip': host}


def cmd_vm_add(args):
    view = snapshot(args)
    ls = network_ls(view, args.network)
    mac, ip, host = parse_vm(args.vm)
    loc = locator_dict(view, host)
    mac_dict = {'uuid': None, 'mac': mac, 'logical_switch_id': ls['uuid'],
                'physical_locator_id': loc['uuid'], 'ip_address': ip}
    row = view.one('remote_macs', mac=mac, logical_switch_id=ls['uuid'])
    if row:
        if loc['uuid'] and row['physical_locator_id'] == loc['uuid']:
            print('%s exists in the gateway: nothing to write' % mac)
            return
        mac_dict['uuid'] = row['uuid']
        print('migration of %s to %s: update of its locator' % (mac, host))
        write(args, 'update_ucast_macs_remote', loc, mac_dict)
        return
    write(args, 'insert_ucast_macs_remote', ls, loc, mac_dict)


def cmd_vm_insert(args):
    view = snapshot(args)
    ls = network_ls(view, args.network)
    mac, ip, host = parse_vm(args.vm)
    loc = locator_dict(view, host)
    write(args, 'insert_ucast_macs_remote', ls, loc,
          {'uuid': None, 'mac': mac, 'logical_switch_id': ls['uuid'],
           'physical_locator_id': loc['uuid'], 'ip_address': ip})


def cmd_vm_delete(args):
    view = snapshot(args)
    ls = network_ls(view, args.network)
    write(args, 'delete_ucast_macs_remote', ls['uuid'], args.mac)


def cmd_delete_network(args):
    view = snapshot(args)
    ls = network_ls(view, args.network)
    write(args, 'delete_logical_switch', ls['uuid'])


def cmd_manager(args):
    """The agent's manager mode: OVSDBManager._sock_open_connection makes
    one OVSDB_commom_class (monitor and writer in one) that listens,
    answers the server's first echo, then monitors on the next message."""
    from networking_l2gw.services.l2gateway.agent.ovsdb import (
        ovsdb_common_class)
    from networking_l2gw.services.l2gateway.common import constants
    view = View()
    initial = []

    def callback(activity, data):
        view.apply(data)
        if activity == ovsdb_monitor.Activity.Initial:
            initial.append(data['ovsdb_identifier'])

    class Mgr(object):
        l2gw_agent_type = constants.MONITOR
        ovsdb_fd = None

    mgr = Mgr()
    fd = ovsdb_common_class.OVSDB_commom_class(cfg.CONF.ovsdb, '', callback,
                                               mgr)
    mgr.ovsdb_fd = fd
    deadline = time.time() + args.seconds
    while not initial and time.time() < deadline:
        # A monitor request that got no answer within the agent's 1000
        # yields is not retried by the agent until its next RPC: ask
        # again, as that next RPC would.
        for _ in range(50):
            eventlet.sleep(0.1)
            if initial:
                break
        if not initial and fd.ovsdb_conn_list:
            eventlet.spawn_n(fd._spawn_monitor_table_thread,
                             fd.ovsdb_conn_list[0])
    if not initial:
        die(1, 'error: no server connected and monitored (connections: %s)'
            % fd.ovsdb_conn_list)
    addr = initial[0]
    print('server %s connected and monitored' % addr, flush=True)
    ps, pp = find_port(view, args.device, args.interface)
    ls = view.one('logical_switches', name=args.network)
    ls_dict = {'uuid': ls['uuid'] if ls else None, 'name': args.network,
               'description': args.description, 'key': args.vni}
    locators, macs = [], {}
    for vm in args.vm:
        mac, ip, host = parse_vm(vm)
        if host not in macs:
            locators.append(locator_dict(view, host))
            macs[host] = []
        macs[host].append({'uuid': None, 'mac': mac,
                           'logical_switch_id': None,
                           'physical_locator_id': None, 'ip_address': ip})
    port = {'uuid': pp['uuid'], 'name': pp['name'],
            'physical_switch_id': ps['uuid'], 'port_fault_status': None,
            'vlan_bindings': [{'vlan': args.vlan,
                               'logical_switch_uuid':
                               ls['uuid'] if ls else None}]}
    # In manager mode the agent does not wait for the reply.
    fd.update_connection_to_gateway(ls_dict, locators, macs, [port], addr,
                                    'CREATE', False)
    want = '%d:%s' % (args.vlan, args.network)
    while time.time() < deadline:
        pp = view.one('physical_ports', name=args.interface,
                      physical_switch_id=ps['uuid'])
        if pp and any('%d:%s' % (vb['vlan'], view.name(
                'logical_switches', vb['logical_switch_uuid'], 'name'))
                == want for vb in pp['vlan_bindings']):
            show_view(view)
            return
        eventlet.sleep(0.1)
    show_view(view)
    die(1, 'error: the monitor did not report binding %s' % want)


def main():
    global PRINT_TXN
    p = argparse.ArgumentParser(description='networking-l2gw agent driver')
    p.add_argument('--ovsdb', default='127.0.0.1:6632', help='IP:PORT')
    p.add_argument('--socket-timeout', type=int, default=30,
                   help="the agent's [ovsdb] socket_timeout (default 30)")
    p.add_argument('--print-txn', action='store_true')
    p.add_argument('--client-ssl', metavar='DIR',
                   help='SSL in client mode with DIR/ovsdb1.{key,cert,'
                   'ca_cert}')
    p.add_argument('-v', '--verbose', action='store_true')
    sub = p.add_subparsers(dest='cmd', required=True)
    sub.add_parser('snapshot')
    s = sub.add_parser('monitor')
    s.add_argument('--seconds', type=int, default=0)
    for name in ('connection-create', 'connection-delete'):
        s = sub.add_parser(name)
        s.add_argument('--device', required=True)
        s.add_argument('--interface', required=True)
        s.add_argument('--vlan', type=int, required=True)
        s.add_argument('--network', required=True)
        if name == 'connection-create':
            s.add_argument('--vni', type=int, required=True)
            s.add_argument('--description', default='')
            s.add_argument('--vm', action='append', default=[])
        else:
            s.add_argument('--mac', action='append', default=[])
    for name in ('vm-add', 'vm-insert'):
        s = sub.add_parser(name)
        s.add_argument('--network', required=True)
        s.add_argument('--vm', required=True)
    s = sub.add_parser('vm-delete')
    s.add_argument('--network', required=True)
    s.add_argument('--mac', action='append', required=True)
    s = sub.add_parser('delete-network')
    s.add_argument('--network', required=True)
    s = sub.add_parser('manager')
    s.add_argument('--listen', type=int, required=True)
    s.add_argument('--ssl-dir')
    s.add_argument('--ovsdb-id', default='gw0db')
    s.add_argument('--seconds', type=int, default=60)
    s.add_argument('--device', required=True)
    s.add_argument('--interface', required=True)
    s.add_argument('--vlan', type=int, required=True)
    s.add_argument('--network', required=True)
    s.add_argument('--vni', type=int, required=True)
    s.add_argument('--description', default='')
    s.add_argument('--vm', action='append', default=[])
    args = p.parse_args()

    logging.basicConfig(stream=sys.stderr,
                        level=logging.DEBUG if args.verbose
                        else logging.WARNING,
                        format='%(levelname)s %(name)s: %(message)s')
    config.register_ovsdb_opts_helper(cfg.CONF)
    cfg.CONF([], project='neutron', default_config_files=[])
    cfg.CONF.set_override('socket_timeout', args.socket_timeout, 'ovsdb')
    # The manager retries a connection on its next periodic run; one try
    # per call here.
    cfg.CONF.set_override('max_connection_retries', 0, 'ovsdb')
    PRINT_TXN = args.print_txn
    if args.cmd == 'manager':
        ip = args.ovsdb.rpartition(':')[0]
        cfg.CONF.set_override('enable_manager', True, 'ovsdb')
        cfg.CONF.set_override('manager_table_listening_port', args.listen,
                              'ovsdb')
        cfg.CONF.set_override('ovsdb_hosts',
                              '%s:%s:6632' % (args.ovsdb_id, ip), 'ovsdb')
        if args.ssl_dir:
            for opt in ('l2_gw_agent_priv_key_base_path',
                        'l2_gw_agent_cert_base_path',
                        'l2_gw_agent_ca_cert_base_path'):
                cfg.CONF.set_override(opt, args.ssl_dir, 'ovsdb')
    {'snapshot': cmd_snapshot,
     'monitor': cmd_monitor,
     'connection-create': cmd_connection_create,
     'connection-delete': cmd_connection_delete,
     'vm-add': cmd_vm_add,
     'vm-insert': cmd_vm_insert,
     'vm-delete': cmd_vm_delete,
     'delete-network': cmd_delete_network,
     'manager': cmd_manager}[args.cmd](args)


if __name__ == '__main__':
    main()

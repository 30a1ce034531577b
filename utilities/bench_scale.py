#!/usr/bin/python3
# utilities/bench_scale.py: the measuring half of utilities/bench-scale.sh.
#
# bench-scale.sh starts the daemons, namespaces and database servers and
# calls this module for everything that needs a clock or a protocol:
# sending the transactions, polling each daemon until it holds the rows,
# reading CPU and memory from /proc, and writing the report.  Run it with
# Debian's /usr/bin/python3; it needs only the standard library.
"""bench-scale helper: transactions, probes, per-step CPU and memory.

Standard library only (run it with Debian's /usr/bin/python3).  Commands:

  setup  --db SOCK --ports P --switches L --locators IP,... --vlan0 V
         --vni0 K       one transaction: L logical switches bound to VLANs
                        V.. on port P, R locators, an unknown-dst flood
                        list of all R per switch
  run    --db SOCK --probe vtepd|floor|ovs ...
                        the install / add / delete / move / idle /
                        delete-all steps at one size; one JSON line each
  learn  ...            K new source MACs on a trunk port (run inside the
                        sender's namespace); one JSON line
  report FILE ...       the tables, the targets and the plot data
"""
import argparse
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time

HZ = os.sysconf("SC_CLK_TCK")


# --- JSON-RPC over unix sockets ------------------------------------------

def unix_connect(path):
    if path.startswith("unix:"):
        path = path[5:]
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    return s


class Rpc:
    """A JSON-RPC connection (ovsdb-server or a unixctl server)."""

    def __init__(self, path):
        self.sock = unix_connect(path)
        self.buf = ""
        self.next_id = 0
        self.dec = json.JSONDecoder()

    def send(self, method, params):
        self.next_id += 1
        msg = json.dumps({"method": method, "params": params,
                          "id": self.next_id})
        self.sock.sendall(msg.encode())
        return self.next_id

    def recv(self):
        while True:
            self.buf = self.buf.lstrip()
            if self.buf:
                try:
                    obj, end = self.dec.raw_decode(self.buf)
                    self.buf = self.buf[end:]
                    return obj
                except ValueError:
                    pass
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise EOFError("connection closed")
            self.buf += chunk.decode()

    def call(self, method, params):
        my_id = self.send(method, params)
        while True:
            msg = self.recv()
            if msg.get("method") == "echo":
                self.sock.sendall(json.dumps(
                    {"id": msg["id"], "result": msg["params"],
                     "error": None}).encode())
                continue
            if msg.get("id") == my_id:
                if msg.get("error"):
                    raise RuntimeError("%s: %s" % (method, msg["error"]))
                return msg.get("result")


def transact(db, ops):
    rpc = Rpc(db)
    try:
        result = rpc.call("transact", ["hardware_vtep"] + ops)
    finally:
        rpc.sock.close()
    for r in result:
        if r and "error" in r:
            raise RuntimeError("transaction failed: %s" % r)
    return result


class BigTxn(threading.Thread):
    """Sends one prepared transaction and waits for its reply without
    decoding it (a reply of 100k UUIDs is decoded afterwards)."""

    def __init__(self, db, payload, n_txns=1):
        super().__init__(daemon=True)
        self.sock = unix_connect(db)
        self.payload = payload
        self.n_txns = n_txns
        self.t_send = None
        self.t_reply = None
        self.raw = b""

    def run(self):
        # The server stops reading while a reply waits to be sent: send
        # from a thread of its own so that replies are read meanwhile.
        sender = threading.Thread(target=self.sock.sendall,
                                  args=(self.payload,), daemon=True)
        self.t_send = time.time()
        sender.start()
        opened = closed = replies = 0
        chunks = []
        while not opened or opened != closed or replies < self.n_txns:
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
            opened += chunk.count(b"{")
            closed += chunk.count(b"}")
            replies += chunk.count(b'"error":')
        self.t_reply = time.time()
        sender.join()
        self.raw = b"".join(chunks)
        self.sock.close()

    def result(self):
        reply, _ = json.JSONDecoder().raw_decode(self.raw.decode())
        for r in reply["result"]:
            if r and "error" in r:
                raise RuntimeError("transaction failed: %s" % r)
        return reply["result"]


def txn_payload(ops, batch=0):
    """One transaction of 'ops', or several of 'batch' operations each,
    sent back to back on one connection."""
    batch = batch or len(ops) or 1
    return b"".join(json.dumps({"method": "transact",
                                "params": ["hardware_vtep"]
                                + ops[i:i + batch],
                                "id": 1 + i // batch}).encode()
                    for i in range(0, max(len(ops), 1), batch))


# --- Processes -------------------------------------------------------------

class Proc:
    """A process whose CPU time and peak RSS are measured per step.
    'children' adds the CPU time of the children it has waited for (ovs-vtep
    runs a vtep-ctl or ovs-ofctl process per operation)."""

    def __init__(self, spec):
        name, pid = spec.split("=")
        self.children = pid.endswith("+c")
        self.name = name
        self.pid = int(pid.rstrip("+c"))

    def cpu(self):
        with open("/proc/%d/stat" % self.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        # Fields 14-17 of stat(5), counted from "state" = field 3.
        ticks = int(fields[11]) + int(fields[12])
        if self.children:
            ticks += int(fields[13]) + int(fields[14])
        return ticks / HZ

    def reset_hwm(self):
        try:
            with open("/proc/%d/clear_refs" % self.pid, "w") as f:
                f.write("5")
        except OSError:
            pass

    def hwm_kb(self):
        with open("/proc/%d/status" % self.pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
        return 0


class Meter:
    def __init__(self, procs):
        self.procs = procs

    def start(self):
        for p in self.procs:
            p.reset_hwm()
        self.c0 = {p.name: p.cpu() for p in self.procs}

    def stop(self):
        return ({p.name: round(p.cpu() - self.c0[p.name], 3)
                 for p in self.procs},
                {p.name: p.hwm_kb() for p in self.procs})


# --- Probes: what the daemon under test holds ------------------------------

class UnixctlProbe:
    def __init__(self, ctl, command, parse):
        self.rpc = Rpc(ctl)
        self.command = command
        self.parse = parse

    def __call__(self):
        return self.parse(self.rpc.call(self.command, []))


def parse_vtepd(text):
    m = re.search(r"datapath \S+: (\d+) logical switches, (\d+) bindings, "
                  r"(\d+) remote MACs, (\d+) flood entries", text)
    ops = re.search(r"operations: (\d+)", text)
    learned = re.search(r"learned: (\d+) macs", text)
    return {"rows": int(m.group(3)), "changes": int(ops.group(1)),
            "ls": int(m.group(1)), "bindings": int(m.group(2)),
            "flood": int(m.group(4)),
            "learned": int(learned.group(1)) if learned else None}


def parse_floor(text):
    d = dict(kv.split("=") for kv in text.split())
    return {"rows": int(d["rows"]), "changes": int(d["changes"]),
            "last": float(d["last"]), "synced": d["synced"] == "yes"}


def sh(*args):
    return subprocess.run(args, stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL,
                          universal_newlines=True).stdout


class OvsProbe:
    """ovs-vtep programs one OpenFlow flow per remote MAC in table 1 of the
    bridge of the MAC's logical switch (cookie 0; learned local MACs have
    cookie 0x5000).  dump-aggregate counts them without listing them."""

    MATCH = "table=1,cookie=0/-1,dl_dst=00:00:00:00:00:00/01:00:00:00:00:00"

    def __init__(self):
        self.bridges = {}
        for br in sh("ovs-vsctl", "list-br").split():
            ls = sh("ovs-vsctl", "br-get-external-id", br,
                    "logical_switch_name").strip()
            if ls:
                self.bridges[ls] = br

    def __call__(self):
        n = 0
        for br in self.bridges.values():
            out = sh("ovs-ofctl", "dump-aggregate", br, self.MATCH)
            m = re.search(r"flow_count=(\d+)", out)
            if not m:
                raise RuntimeError("ovs-ofctl dump-aggregate %s: %r"
                                   % (br, out))
            n += int(m.group(1))
        return {"rows": n, "changes": 0}

    def tunnel_port(self, ls, vni, ip):
        out = sh("ovs-vsctl", "--bare", "--columns=ofport", "find",
                 "Interface", "type=vxlan", 'options:remote_ip="%s"' % ip,
                 'options:key="%d"' % vni)
        ports = set(out.split())
        br_ports = set()
        for port in sh("ovs-vsctl", "list-ports", self.bridges[ls]).split():
            br_ports.add(sh("ovs-vsctl", "get", "Interface", port,
                            "ofport").strip())
        ports &= br_ports
        return ports.pop() if ports else None

    def mac_output(self, ls, mac):
        out = sh("ovs-ofctl", "dump-flows", self.bridges[ls],
                 "table=1,cookie=0/-1,dl_dst=%s" % mac)
        m = re.search(r"actions=(?:output:)?(\d+)", out)
        return m.group(1) if m else None


# --- The steps ---------------------------------------------------------------

def mac_of(prefix, i):
    return "02:%02x:%02x:%02x:%02x:%02x" % (prefix, (i >> 24) & 255,
                                           (i >> 16) & 255, (i >> 8) & 255,
                                           i & 255)


def read_topology(db, locator_ips):
    res = transact(db, [
        {"op": "select", "table": "Logical_Switch", "where": [],
         "columns": ["_uuid", "name", "tunnel_key"]},
        {"op": "select", "table": "Physical_Locator", "where": [],
         "columns": ["_uuid", "dst_ip"]}])
    lss = sorted((r["name"], r["_uuid"][1], r["tunnel_key"])
                 for r in res[0]["rows"])
    by_ip = {r["dst_ip"]: r["_uuid"][1] for r in res[1]["rows"]}
    locs = [(ip, by_ip[ip]) for ip in locator_ips]
    return lss, locs


def emit(out, rec):
    line = json.dumps(rec)
    print(line, flush=True)
    if out:
        with open(out, "a") as f:
            f.write(line + "\n")


class Runner:
    def __init__(self, args):
        self.a = args
        self.meter = Meter([Proc(s) for s in args.proc])
        if args.probe == "vtepd":
            self.probe = UnixctlProbe(args.ctl, "vtepd/stats", parse_vtepd)
            self.interval = 0.001
        elif args.probe == "floor":
            self.probe = UnixctlProbe(args.ctl, "floor/count", parse_floor)
            self.interval = 0.001
        else:
            self.probe = OvsProbe()
            self.interval = 0.25
        self.lss, self.locs = read_topology(args.db,
                                            args.locators.split(","))

    def record(self, step, n, t, server, cpu, hwm, **extra):
        rec = {"daemon": self.a.name, "n": self.a.n, "rep": self.a.rep,
               "step": step, "count": n, "t": t, "server_reply": server,
               "cpu": cpu, "hwm_kb": hwm, "cap": self.a.cap,
               "batch": self.a.batch}
        rec.update(extra)
        emit(self.a.out, rec)

    def step(self, name, ops, done, probe=None, batch=0):
        """Sends 'ops' in one transaction; polls 'probe' (by default the
        daemon's) until done(state) holds or the cap expires.  Returns the
        seconds from sending to done, or None (over the cap), and the
        transaction."""
        probe = probe or self.probe
        payload = txn_payload(ops, batch)
        self.meter.start()
        txn = BigTxn(self.a.db, payload,
                     (len(ops) + batch - 1) // batch if batch else 1)
        txn.start()
        while txn.t_send is None:
            time.sleep(0)
        t = None
        state = None
        while True:
            state = probe()
            now = time.time()
            if done(state):
                t = now - txn.t_send
                break
            if now - txn.t_send > self.a.cap:
                break
            # 1 ms at first, then 1% of the time so far (at most 10 ms for
            # the daemons): polling costs the daemon a loop iteration.
            time.sleep(max(self.interval,
                           min(10 * self.interval, (now - txn.t_send) / 100)))
        txn.join(max(0.0, self.a.cap + 5 - (time.time() - txn.t_send)))
        time.sleep(self.a.settle)
        cpu, hwm = self.meter.stop()
        server = (txn.t_reply - txn.t_send) if txn.t_reply else None
        self.record(name, state["rows"] if state else None,
                    round(t, 4) if t is not None else None,
                    round(server, 4) if server is not None else None,
                    cpu, hwm)
        return t, txn

    def run(self):
        a = self.a
        n, lss, locs = a.n, self.lss, self.locs
        L, R = len(lss), len(locs)
        base = self.probe()["rows"]
        if base:
            raise RuntimeError("%d remote MACs present before the run" % base)

        def row(i, loc=None):
            ls = lss[i % L]
            return {"MAC": mac_of(a.prefix, i),
                    "logical_switch": ["uuid", ls[1]],
                    "locator": ["uuid", locs[loc if loc is not None
                                             else i % R][1]]}

        ins = [{"op": "insert", "table": "Ucast_Macs_Remote", "row": row(i)}
               for i in range(n)]
        t, txn = self.step("install" if not a.batch
                           else "install-batch", ins,
                           lambda s: s["rows"] == n, batch=a.batch)
        if t is None or a.install_only:
            if a.install_only:
                self.step("delete-all" if not a.batch
                          else "delete-all-batch",
                          [{"op": "delete", "table": "Ucast_Macs_Remote",
                            "where": []}],
                          lambda s: s["rows"] == 0)
            return
        m = re.search(rb'"uuid","([0-9a-f-]{36})"', txn.raw[:300])
        uuid0 = m.group(1).decode()
        del txn, ins

        # One more add, and its delete.
        t, txn = self.step("add", [{"op": "insert",
                                    "table": "Ucast_Macs_Remote",
                                    "row": row(n, 0)}],
                           lambda s: s["rows"] == n + 1)
        if t is None:
            return
        uuid_new = txn.result()[0]["uuid"][1]
        self.step("delete", [{"op": "delete", "table": "Ucast_Macs_Remote",
                              "where": [["_uuid", "==",
                                         ["uuid", uuid_new]]]}],
                  lambda s: s["rows"] == n)

        # A locator move of MAC 0 (switch 0, locator 0 -> 1).
        if R > 1:
            move = [{"op": "update", "table": "Ucast_Macs_Remote",
                     "where": [["_uuid", "==", ["uuid", uuid0]]],
                     "row": {"locator": ["uuid", locs[1][1]]}}]
            if a.probe == "ovs":
                ovs, ls0, mac0 = self.probe, lss[0][0], mac_of(a.prefix, 0)
                want = ovs.tunnel_port(ls0, lss[0][2], locs[1][0])
                self.step("move", move, lambda s: s["moved"],
                          probe=lambda: {"rows": n, "moved":
                                         ovs.mac_output(ls0, mac0) == want})
            else:
                c0 = self.probe()["changes"]
                self.step("move", move, lambda s: s["changes"] > c0)

        # Quiet, with N MACs present.
        if a.idle > 0:
            self.meter.start()
            time.sleep(a.idle)
            cpu, hwm = self.meter.stop()
            self.record("idle", n, a.idle, None, cpu, hwm,
                        cpu_pct={k: round(100 * v / a.idle, 2)
                                 for k, v in cpu.items()})

        self.step("delete-all", [{"op": "delete",
                                  "table": "Ucast_Macs_Remote",
                                  "where": []}],
                  lambda s: s["rows"] == 0)


def cmd_run(args):
    Runner(args).run()


def cmd_setup(args):
    ips = args.locators.split(",")
    ops = []
    for i, ip in enumerate(ips):
        ops.append({"op": "insert", "table": "Physical_Locator",
                    "row": {"encapsulation_type": "vxlan_over_ipv4",
                            "dst_ip": ip},
                    "uuid-name": "loc%d" % i})
    ops.append({"op": "insert", "table": "Physical_Locator_Set",
                "row": {"locators": ["set", [["named-uuid", "loc%d" % i]
                                             for i in range(len(ips))]]},
                "uuid-name": "flood"})
    bindings = []
    for i in range(args.switches):
        ops.append({"op": "insert", "table": "Logical_Switch",
                    "row": {"name": "ls%04d" % i,
                            "tunnel_key": args.vni0 + i,
                            "replication_mode": "source_node"},
                    "uuid-name": "ls%d" % i})
        ops.append({"op": "insert", "table": "Mcast_Macs_Remote",
                    "row": {"MAC": "unknown-dst",
                            "logical_switch": ["named-uuid", "ls%d" % i],
                            "locator_set": ["named-uuid", "flood"]}})
        bindings.append([args.vlan0 + i, ["named-uuid", "ls%d" % i]])
    ops.append({"op": "mutate", "table": "Physical_Port",
                "where": [["name", "==", args.port]],
                "mutations": [["vlan_bindings", "insert",
                               ["map", bindings]]]})
    res = transact(args.db, ops)
    if res[-1].get("count") != 1:
        raise RuntimeError("port %s: %s" % (args.port, res[-1]))


# --- Learning ----------------------------------------------------------------

def frame(dst, src, vlan):
    b = bytes.fromhex
    return (b(dst.replace(":", "")) + b(src.replace(":", ""))
            + b"\x81\x00" + vlan.to_bytes(2, "big") + b"\x88\xb5"
            + bytes(46))


def cmd_learn(args):
    vlans = [args.vlan0 + i for i in range(args.switches)]
    sinks = {v: "02:ee:%02x:00:%02x:%02x" % (args.prefix, v >> 8, v & 255)
             for v in vlans}
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((args.iface, 0))
    observer = UnixctlProbe(args.ctl, "floor/count", parse_floor)
    dp = (UnixctlProbe(args.dp_ctl, "vtepd/stats", parse_vtepd)
          if args.dp_ctl else None)
    meter = Meter([Proc(p) for p in args.proc])

    # The sinks first: every frame goes to a MAC the datapath knows on the
    # same port, so nothing is flooded.
    for v in vlans:
        s.send(frame("ff:ff:ff:ff:ff:ff", sinks[v], v))
    deadline = time.time() + args.cap
    last = None
    while time.time() < deadline:
        st = observer()
        if st["rows"] >= args.base + len(vlans) and st["rows"] == last:
            break
        last = st["rows"]
        time.sleep(0.5)
    base = observer()["rows"]

    frames = [frame(sinks[vlans[i % len(vlans)]], mac_of(args.prefix, i),
                    vlans[i % len(vlans)]) for i in range(args.k)]

    def burst():
        for j, f in enumerate(frames):
            s.send(f)
            if j % args.pace == args.pace - 1:
                time.sleep(0.001)

    meter.start()
    t_first = time.time()
    burst()
    t_last = time.time()
    t = t_dp = None
    refresh = t_last + 5
    while True:
        st = observer()
        now = time.time()
        if dp and t_dp is None:
            d = dp()
            if d["learned"] is not None and d["learned"] >= args.k + len(
                    vlans):
                t_dp = now - t_last
        if st["rows"] >= base + args.k:
            t = now - t_last
            break
        if now - t_last > args.cap:
            break
        if now > refresh:
            # Hosts keep talking: ovs-vtep's learned flows time out after
            # 15 s of silence.
            burst()
            refresh = time.time() + 5
        time.sleep(0.002 if dp else 0.2)
    time.sleep(args.settle)
    cpu, hwm = meter.stop()
    emit(args.out, {"daemon": args.name, "step": "learn", "k": args.k,
                    "rep": args.rep, "t": round(t, 4) if t is not None
                    else None, "t_datapath": round(t_dp, 4)
                    if t_dp is not None else None,
                    "send_s": round(t_last - t_first, 4),
                    "count": observer()["rows"] - base, "cpu": cpu,
                    "hwm_kb": hwm, "cap": args.cap})


# --- The report -------------------------------------------------------------

def fmt_s(t, cap=None, digits=3):
    if t is None:
        return "> %g s" % cap if cap else "-"
    return "%.*f" % (digits, t)


def fmt_ms(t, cap=None):
    if t is None:
        return "> %g s" % cap if cap else "-"
    return "%.1f" % (1000 * t)


class Results:
    def __init__(self, path):
        self.recs = [json.loads(line) for line in open(path) if line.strip()]

    def of(self, daemon, step, n=None, k=None):
        return [r for r in self.recs
                if r["daemon"] == daemon and r["step"] == step
                and (n is None or r.get("n") == n)
                and (k is None or r.get("k") == k)]

    def best(self, daemon, step, n=None, k=None, field="t"):
        """(best value, status): status is "ok", "cap" (every run over
        the cap) or "none" (not measured)."""
        rs = self.of(daemon, step, n, k)
        if not rs:
            return None, "none"
        vals = [r[field] for r in rs if r.get(field) is not None]
        if not vals:
            return None, "cap"
        return min(vals), "ok"

    def cpu(self, daemon, step, n, proc, k=None):
        vals = [r["cpu"].get(proc) for r in self.of(daemon, step, n, k)
                if r.get("t") is not None or step == "idle"]
        vals = [v for v in vals if v is not None]
        return min(vals) if vals else None

    def peak_rss(self, daemon, n, proc):
        """The process's peak RSS over every step at size n: the highest
        VmHWM of each run, then the lowest run."""
        per_run = {}
        for r in self.recs:
            if r["daemon"] == daemon and r.get("n") == n \
                    and not r.get("batch") and proc in r["hwm_kb"]:
                key = r["rep"]
                per_run[key] = max(per_run.get(key, 0), r["hwm_kb"][proc])
        return min(per_run.values()) if per_run else None

    def sizes(self):
        return sorted({r["n"] for r in self.recs if "n" in r})

    def learn_sizes(self):
        return sorted({r["k"] for r in self.recs if r["step"] == "learn"})


def cell(val_status, cap, unit="s"):
    val, status = val_status
    if status == "none":
        return "-"
    if status == "cap":
        return "> %g s" % cap
    return ("%.3f" % val) if unit == "s" else ("%.1f" % (1000 * val))


def ratio(a, b):
    """a / b as "Nx", with a lower bound when a went over the cap."""
    (va, sa), (vb, sb) = a, b
    if sb != "ok" or sa == "none":
        return "-"
    if sa == "cap":
        return "> %.0fx" % (va / vb) if va else "-"
    return "%.0fx" % (va / vb) if vb > 0 else "-"


def pct(cpu_s, secs):
    """CPU seconds over 'secs' as a share of one core; /proc counts in
    ticks, so 0 means less than one tick."""
    if cpu_s is None:
        return "-"
    if cpu_s == 0:
        return "< %.1f%%" % (100.0 / HZ / secs)
    return "%.2f%%" % (100 * cpu_s / secs)


def table(rows, header):
    widths = [max(len(str(r[i])) for r in rows + [header])
              for i in range(len(header))]
    lines = ["  ".join(str(h).rjust(w) for h, w in zip(header, widths))]
    lines.append("  ".join("-" * w for w in widths))
    for r in rows:
        lines.append("  ".join(str(c).rjust(w) for c, w in zip(r, widths)))
    return "\n".join(lines)


def plot_cmd(png, cap, points):
    """The gnuplot "plot" command: ovs-vtep's curves only where it has
    points (gnuplot 5.4 crashes on labels that are all undefined)."""
    dat = '"%s.dat"' % png
    purple = 'lc rgb "#9400d3"'
    parts = []
    if any(ov[1] == "ok" for _, _, _, ov in points):
        parts.append('%s using 1:4 with linespoints lw 2 pt 7 %s '
                     'title "ovs-vtep"' % (dat, purple))
    if any(ov[1] == "cap" for _, _, _, ov in points):
        parts.append('%s using 1:5 with points pt 10 ps 2 %s '
                     'title "ovs-vtep: over the %g s cap"'
                     % (dat, purple, cap))
        parts.append('%s using 1:5:(sprintf("> %%g s", $5)) with labels '
                     'offset 0,1.2 tc rgb "#9400d3" notitle' % dat)
    parts.append('%s using 1:3 with linespoints lw 2 pt 5 '
                 'lc rgb "#0072b2" title "vtepd"' % dat)
    parts.append('%s using 1:2 with linespoints lw 2 dt 2 pt 4 '
                 'lc rgb "#e69f00" title "floor (bare IDL client)"' % dat)
    return "plot " + ", \\\n     ".join(parts)


def cmd_report(args):
    R = Results(args.results)
    cap = args.cap
    out = []
    p = out.append
    p("Control-plane scale: vtepd, the floor (a bare IDL client) and "
      "ovs-vtep")
    p("machine: %s" % args.machine)
    p("%d logical switches, %d remote locators; best of %d runs for vtepd "
      "and the floor, %d for ovs-vtep; cap %g s"
      % (args.switches, args.locators, args.runs, args.ovs_runs, cap))
    p("")

    def capped(daemon, step, n):
        v, s = R.best(daemon, step, n)
        if s == "cap":
            return cap, "cap"
        return v, s

    def trio(step, n):
        """The floor's, vtepd's and ovs-vtep's best (ovs-vtep's over the
        cap counted as the cap, for ratios)."""
        return (R.best("floor", step, n), R.best("vtepd", step, n),
                capped("ovs-vtep", step, n))

    sizes = R.sizes()
    rows = []
    plot = []
    for n in sizes:
        fl, vt, ov = trio("install", n)
        srv = R.best("vtepd", "install", n, field="server_reply")
        above = ("%.3f" % (vt[0] - fl[0])
                 if fl[1] == "ok" and vt[1] == "ok" else "-")
        ovc = R.of("ovs-vtep", "install", n)
        flows = ""
        if ov[1] == "cap" and ovc:
            flows = " (%d flows)" % max(r["count"] or 0 for r in ovc)
        rows.append([n, cell(fl, cap), cell(vt, cap), above,
                     cell(srv, cap), cell(R.best("ovs-vtep", "install", n),
                                          cap) + flows, ratio(ov, vt)])
        plot.append((n, fl, vt, ov))
    p("Install: N Ucast_Macs_Remote rows in one transaction, seconds from "
      "sending it")
    p("until the datapath holds all N (floor: until the client holds "
      "them)")
    p(table(rows, ["N", "floor", "vtepd", "vtepd-floor", "server reply",
                   "ovs-vtep", "ovs-vtep/vtepd"]))
    p("")

    rows = []
    for n in sizes:
        for step in ("add", "delete", "move"):
            fl, vt, ov = trio(step, n)
            above = ("%.1f" % (1000 * (vt[0] - fl[0]))
                     if fl[1] == "ok" and vt[1] == "ok" else "-")
            rows.append([n, step, cell(fl, cap, "ms"), cell(vt, cap, "ms"),
                         above, cell(R.best("ovs-vtep", step, n), cap, "ms"),
                         ratio(ov, vt)])
    p("Single change at size N: milliseconds from sending until the "
      "datapath has it")
    p(table(rows, ["N", "change", "floor", "vtepd", "vtepd-floor",
                   "ovs-vtep", "ovs-vtep/vtepd"]))
    p("")

    rows = []
    for n in sizes:
        fl, vt, ov = trio("delete-all", n)
        rows.append([n, cell(fl, cap), cell(vt, cap),
                     cell(R.best("ovs-vtep", "delete-all", n), cap),
                     ratio(ov, vt)])
    p("Delete all N rows in one transaction: seconds until the datapath "
      "is empty")
    p(table(rows, ["N", "floor", "vtepd", "ovs-vtep", "ovs-vtep/vtepd"]))
    p("")

    rows = []
    for n in sizes:
        if not R.of("floor", "install-batch", n):
            continue
        batch = R.of("floor", "install-batch", n)[0]["batch"]
        cells = [n]
        for daemon in ("floor", "vtepd"):
            one = R.best(daemon, "install", n)
            many = R.best(daemon, "install-batch", n)
            srv = R.best(daemon, "install-batch", n, field="server_reply")
            cells += [cell(one, cap), cell(many, cap), cell(srv, cap)]
        rows.append(cells)
    if rows:
        p("Transaction shape: the same N rows in one transaction, or in "
          "transactions of %d" % batch)
        p("rows sent back to back on one connection (seconds until all "
          "are held)")
        p(table(rows, ["N", "floor: one", "floor: %d" % batch,
                       "server reply", "vtepd: one", "vtepd: %d" % batch,
                       "server reply"]))
        p("")

    def cpu_s(v):
        return "-" if v is None else "%.2f" % v

    def mb(kb):
        return "-" if kb is None else "%.0f" % (kb / 1024)

    rows = []
    for n in sizes:
        idle_v = R.cpu("vtepd", "idle", n, "vtepd")
        idle_o = R.cpu("ovs-vtep", "idle", n, "ovs-vtep")
        idle_s = R.cpu("ovs-vtep", "idle", n, "vswitchd")
        ovs_idle = "-"
        if idle_o is not None:
            ovs_idle = "%.1f%%" % (100 * (idle_o + (idle_s or 0)) / args.idle)
        rows.append([n,
                     cpu_s(R.cpu("vtepd", "install", n, "vtepd")),
                     cpu_s(R.cpu("floor", "install", n, "floor")),
                     cpu_s(R.cpu("vtepd", "install", n, "server")),
                     cpu_s(R.cpu("vtepd", "delete-all", n, "vtepd")),
                     mb(R.peak_rss("vtepd", n, "vtepd")),
                     mb(R.peak_rss("floor", n, "floor")),
                     pct(idle_v, args.idle),
                     ovs_idle])
    p("Resources: CPU seconds per step (vtepd: all threads), peak RSS in "
      "MiB over all")
    p("steps at size N, and CPU use over %g s of quiet with N MACs "
      "(ovs-vtep: with its" % args.idle)
    p("children and ovs-vswitchd)")
    p(table(rows, ["N", "vtepd install", "floor install",
                   "server install", "vtepd delete-all", "vtepd RSS",
                   "floor RSS", "vtepd idle", "ovs-vtep idle"]))
    p("")

    rows = []
    for n in sizes:
        steps = ["install", "add", "delete", "move", "delete-all"]
        rows.append([n] + [cpu_s(R.cpu("ovs-vtep", s, n, "ovs-vtep"))
                           for s in steps]
                    + [mb(R.peak_rss("ovs-vtep", n, "ovs-vtep"))])
    if any(r[1] != "-" for r in rows):
        p("ovs-vtep CPU seconds per step (with the processes it ran) and "
          "peak RSS (MiB)")
        p(table(rows, ["N", "install", "add", "delete", "move",
                       "delete-all", "RSS"]))
        p("")

    rows = []
    for k in R.learn_sizes():
        vt = R.best("vtepd", "learn", k=k)
        vdp = R.best("vtepd", "learn", k=k, field="t_datapath")
        ov = R.best("ovs-vtep", "learn", k=k)
        ovc = R.of("ovs-vtep", "learn", k=k)
        rows_ov = cell(ov, cap)
        if ov[1] == "cap" and ovc:
            rows_ov += " (%d rows)" % max(r["count"] for r in ovc)
        ovr = (cap, "cap") if ov[1] == "cap" else ov
        send = R.best("vtepd", "learn", k=k, field="send_s")
        rows.append([k, cell(send, cap), cell(vdp, cap), cell(vt, cap),
                     cpu_s(R.cpu("vtepd", "learn", None, "vtepd", k=k)),
                     rows_ov, ratio(ovr, vt)])
    if rows:
        p("Learning: K new source MACs on the trunk port; seconds from the "
          "last frame")
        p("until the datapath learned them all and until all are "
          "Ucast_Macs_Local rows")
        p(table(rows, ["K", "sending", "vtepd datapath", "vtepd in DB",
                       "vtepd CPU", "ovs-vtep in DB", "ovs-vtep/vtepd"]))
        p("")

    # The targets.
    p("Targets (vtepd, %s):" % args.machine.split(",")[0])

    def verdict(ok):
        return "met" if ok else "NOT MET"

    def target(text, ok, detail):
        if ok is None:
            p("  %-58s not measured" % text)
        else:
            p("  %-58s %-8s (%s)" % (text, verdict(ok), detail))

    for n, limit in ((10000, 0.1), (100000, 1.0)):
        fl, vt = R.best("floor", "install", n), R.best("vtepd", "install", n)
        if fl[1] == "ok" and vt[1] == "ok":
            target("install at %dk: at most %g s above the floor"
                   % (n // 1000, limit), vt[0] - fl[0] <= limit,
                   "%.3f s - %.3f s = %.3f s" % (vt[0], fl[0],
                                                 vt[0] - fl[0]))
        else:
            target("install at %dk: at most %g s above the floor"
                   % (n // 1000, limit), None if vt[1] == "none" else False,
                   "over the cap")
    n = 100000
    worst = None
    details = []
    for step in ("add", "delete", "move"):
        fl, vt = R.best("floor", step, n), R.best("vtepd", step, n)
        if fl[1] == "ok" and vt[1] == "ok":
            above = vt[0] - fl[0]
            worst = above if worst is None else max(worst, above)
            details.append("%s %.1f ms (floor %.1f)"
                           % (step, 1000 * vt[0], 1000 * fl[0]))
    target("single change at 100k: at most 20 ms above the floor",
           None if worst is None else worst <= 0.020, ", ".join(details))
    vt = R.best("vtepd", "learn", k=10000)
    target("10k new local MACs in the DB within 2 s of the last frame",
           None if vt[1] == "none" else (vt[1] == "ok" and vt[0] <= 2.0),
           "%s s" % cell(vt, cap))
    rv, rf = R.peak_rss("vtepd", n, "vtepd"), R.peak_rss("floor", n, "floor")
    target("peak RSS at 100k at most 1.5 x the floor's",
           None if rv is None or rf is None else rv <= 1.5 * rf,
           "%s / %s MiB = %.2f" % (mb(rv), mb(rf), rv / rf)
           if rv and rf else "")
    idles = [(m, R.cpu("vtepd", "idle", m, "vtepd")) for m in sizes]
    idles = [(m, v) for m, v in idles if v is not None]
    target("under 1% of a core when nothing changes",
           None if not idles else all(100 * v / args.idle < 1
                                      for _, v in idles),
           ", ".join("%s at %d" % (pct(v, args.idle), m) for m, v in idles))
    vt = R.best("vtepd", "install", 10000)
    ov = capped("ovs-vtep", "install", 10000)
    ok = None
    if vt[1] == "ok" and ov[1] != "none":
        ok = ov[0] / vt[0] >= 30
    target("end to end at 10k at least 30x faster than ovs-vtep", ok,
           "%s%s s / %.3f s = %s" % ("> " if ov[1] == "cap" else "",
                                     fmt_s(ov[0]), vt[0], ratio(ov, vt))
           if ok is not None else "")
    print("\n".join(out))

    if args.plot:
        with open(args.plot + ".dat", "w") as f:
            f.write("# N floor vtepd ovs-vtep ovs-vtep-capped\n")
            for n, fl, vt, ov in plot:
                def v(x):
                    return "%g" % x[0] if x[1] == "ok" else "NaN"
                f.write("%d %s %s %s %s\n" % (
                    n, v(fl), v(vt), v(ov),
                    "%g" % cap if ov[1] == "cap" else "NaN"))
        with open(args.plot + ".gp", "w") as f:
            f.write("""set terminal png size 900,600 font ",11" noenhanced
set output "%(png)s.png"
set title "Install N Ucast_Macs_Remote rows in one transaction\\n%(machine)s"
set xlabel "N (remote MACs in one transaction)"
set ylabel "seconds until the datapath holds all N"
set logscale xy
set grid
set key top left
set format x "%%.0s%%c"
set xrange [%(xmin)g:%(xmax)g]
%(plot)s
""" % {"png": args.plot, "machine": args.machine,
       "plot": plot_cmd(args.plot, cap, plot),
       "xmin": min(sizes) / 2 if sizes else 1,
       "xmax": max(sizes) * 2 if sizes else 10})


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)

    q = sub.add_parser("setup")
    q.add_argument("--db", required=True)
    q.add_argument("--port", required=True)
    q.add_argument("--switches", type=int, required=True)
    q.add_argument("--locators", required=True)
    q.add_argument("--vlan0", type=int, default=100)
    q.add_argument("--vni0", type=int, default=5000)
    q.set_defaults(func=cmd_setup)

    q = sub.add_parser("run")
    q.add_argument("--db", required=True)
    q.add_argument("--probe", choices=["vtepd", "floor", "ovs"],
                   required=True)
    q.add_argument("--name", required=True)
    q.add_argument("--ctl")
    q.add_argument("--proc", action="append", default=[])
    q.add_argument("--n", type=int, required=True)
    q.add_argument("--rep", type=int, default=1)
    q.add_argument("--locators", required=True)
    q.add_argument("--prefix", type=int, default=1)
    q.add_argument("--cap", type=float, default=120)
    q.add_argument("--idle", type=float, default=0)
    q.add_argument("--settle", type=float, default=0.5)
    q.add_argument("--batch", type=int, default=0,
                   help="install in transactions of this many rows")
    q.add_argument("--install-only", action="store_true")
    q.add_argument("--out")
    q.set_defaults(func=cmd_run)

    q = sub.add_parser("learn")
    q.add_argument("--name", required=True)
    q.add_argument("--iface", required=True)
    q.add_argument("--ctl", required=True, help="observer floor's socket")
    q.add_argument("--dp-ctl", help="vtepd's socket")
    q.add_argument("--proc", action="append", default=[])
    q.add_argument("--k", type=int, required=True)
    q.add_argument("--rep", type=int, default=1)
    q.add_argument("--base", type=int, default=0)
    q.add_argument("--switches", type=int, required=True)
    q.add_argument("--vlan0", type=int, default=100)
    q.add_argument("--prefix", type=int, default=0x40)
    q.add_argument("--pace", type=int, default=50)
    q.add_argument("--cap", type=float, default=120)
    q.add_argument("--settle", type=float, default=0.5)
    q.add_argument("--out")
    q.set_defaults(func=cmd_learn)

    q = sub.add_parser("report")
    q.add_argument("results")
    q.add_argument("--machine", default="")
    q.add_argument("--runs", type=int, default=1)
    q.add_argument("--ovs-runs", type=int, default=1)
    q.add_argument("--cap", type=float, default=120)
    q.add_argument("--idle", type=float, default=10)
    q.add_argument("--switches", type=int, default=0)
    q.add_argument("--locators", type=int, default=0)
    q.add_argument("--plot")
    q.set_defaults(func=cmd_report)

    args = p.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()

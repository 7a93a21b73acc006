"""The overlay with real processes on 127.0.0.1 (docs/overlay.md).

Every wait is on an event (a line a process prints) with a deadline, never a
sleep. Usage: overlay_test.py PARLEY WORK_DIR [STUN_PROGRAM]
"""
import os
import re
import select
import signal
import socket
import ssl
import struct
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from parley_process import Process, free_port, fresh_work_dir  # noqa: E402

PARLEY, WORK = sys.argv[1], sys.argv[2]
STUN = sys.argv[3] if len(sys.argv) > 3 and sys.argv[3] else None
DEADLINE_S = 20.0
FAILOVER_LIMIT_S = 5.0


# This test measures failover, so it keeps the short keep-alives (a hung
# super node is noticed within a second) that other tests no longer use.
CONNECT_TIMEOUT_MS = 1000
FAILOVER_SETTINGS = ("keep_alive_ms = 300\nkeep_alive_timeout_ms = 700\n"
                     f"connect_timeout_ms = {CONNECT_TIMEOUT_MS}\n")
HANDSHAKE_S = 2 * CONNECT_TIMEOUT_MS / 1000  # a super node's TLS handshake deadline
CONF = fresh_work_dir(WORK, FAILOVER_SETTINGS + "max_connections_per_address = 64\n")

nodes = []


def start(name, args):
    node = Process(name, [PARLEY, "--config", CONF, "node"] + args)
    nodes.append(node)
    return node


def super_node(name, peers=()):
    args = ["--role", "super", "--listen", "127.0.0.1:0", "--stun",
            f"127.0.0.1:{free_port(socket.SOCK_DGRAM)}", "--data-dir", os.path.join(WORK, name)]
    for peer in peers:
        args += ["--peer", peer]
    node = start(name, args)
    node.address = node.wait_for(r"listening on (\S+)").group(1)
    node.stun = node.wait_for(r"stun on (\S+)").group(1)
    return node


def client(name, bootstrap):
    return start(name, ["--role", "client", "--name", name, "--bootstrap", bootstrap,
                        "--data-dir", os.path.join(WORK, name)])


def check(condition, message):
    if not condition:
        raise AssertionError(message)
    print("ok:", message, flush=True)


try:
    sn1 = super_node("sn1")
    sn2 = super_node("sn2", [sn1.address])
    sn3 = super_node("sn3", [sn1.address])
    by_address = {sn.address: sn for sn in (sn1, sn2, sn3)}

    # Both clients know only sn1; the lists fill their host caches.
    c1 = client("c1", sn1.address)
    c2 = client("c2", sn1.address)
    for c in (c1, c2):
        attached = c.wait_for(r"attached to (\S+) rtt_ms=")
        check(attached.group(1) == sn1.address, f"{c.name} attached to sn1")
        c.wait_for(r"host cache 3 super nodes")
        check(True, f"{c.name}'s host cache filled to 3 super nodes from the lists")

    # STUN: the reflexive address is the client's own UDP socket on loopback.
    reflexive = c1.wait_for(r"reflexive address (\S+):(\d+) \(local \S+:(\d+)")
    check(reflexive.group(1) == "127.0.0.1" and reflexive.group(2) == reflexive.group(3),
          f"STUN mapped address {reflexive.group(1)}:{reflexive.group(2)} is the client's socket")

    # Hostile peers must not stop sn1 from serving others: one that never
    # finishes the TLS handshake, one that sends an oversized frame, one that
    # sends a malformed message.
    host, port = sn1.address.rsplit(":", 1)
    silent = socket.create_connection((host, int(port)))
    silent.sendall(b"\x16\x03\x01")  # the start of a ClientHello, then nothing
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    oversized = context.wrap_socket(socket.create_connection((host, int(port))))
    oversized.sendall(struct.pack(">I", 0x7FFFFFFF) + b"x" * 100)
    malformed = context.wrap_socket(socket.create_connection((host, int(port))))
    garbage = b"\xff\xff\xff\xff\x0f"
    malformed.sendall(struct.pack(">I", len(garbage)) + garbage)
    c3 = client("c3", sn1.address)
    check(c3.wait_for(r"attached to (\S+)").group(1) == sn1.address,
          "sn1 still serves a new client while hostile connections are open")
    for s in (oversized, malformed):
        s.settimeout(DEADLINE_S)
        try:
            closed = s.recv(1) == b""
        except (ssl.SSLError, ConnectionError):
            closed = True
        check(closed, "sn1 closed a connection that sent a bad frame")
    silent.close()
    c3.stop()

    # A connection flood from one address (127.0.0.9): past
    # max_connections_per_address (64 in this config) connections are closed
    # at once, before any TLS; those admitted but silent are closed by the
    # handshake deadline; a client from another address attaches meanwhile.
    # A thread watches them from right after the connects (microseconds each
    # on loopback), before c4 starts, so starting c4 (a whole process)
    # delays no observation. A connection closed less than HANDSHAKE_S after
    # the first connect can only have been refused at admission: none
    # admitted had been open that long.
    flood = []
    closed_after = {}

    def watch_flood(started):
        end = started + DEADLINE_S
        while len(closed_after) < len(flood) and time.monotonic() < end:
            open_ones = [s for s in flood if s not in closed_after]
            readable, _, _ = select.select(open_ones, [], [], max(0.0, end - time.monotonic()))
            for s in readable:
                try:
                    data = s.recv(1)
                except ConnectionError:
                    data = b""
                if data == b"":
                    closed_after[s] = time.monotonic() - started

    flood_started = time.monotonic()
    for _ in range(80):  # on loopback each connect takes microseconds
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind(("127.0.0.9", 0))
        s.connect((host, int(port)))
        flood.append(s)
    watcher = threading.Thread(target=watch_flood, args=(flood_started,), daemon=True)
    watcher.start()
    c4 = client("c4", sn1.address)
    check(c4.wait_for(r"attached to (\S+)").group(1) == sn1.address,
          "sn1 serves a client from another address during an 80-connection flood")
    watcher.join(DEADLINE_S + 1)  # it stops by itself DEADLINE_S after the flood began
    times = sorted(closed_after.values())
    refused = sum(1 for t in times if t < HANDSHAKE_S)
    print(f"FLOOD refused {refused} within {times[refused - 1] if refused else 0:.3f} s; "
          f"the rest closed {times[refused] if refused < len(times) else 0:.1f}-"
          f"{times[-1] if times else 0:.1f} s after the flood began", flush=True)
    check(len(closed_after) == len(flood),
          f"every flood connection was closed within {DEADLINE_S:.0f} s "
          f"(latest after {max(closed_after.values(), default=0):.1f} s)")
    check(refused == 80 - 64, f"{refused} flood connections, those over the per-address "
          f"limit, were refused before any handshake deadline ({HANDSHAKE_S:.0f} s) "
          "could close one (expected 16)")
    for s in flood:
        s.close()
    c4.stop()

    # SIGKILL the super node c1 is attached to: c1 must re-attach elsewhere.
    marks = {c.name: c.mark() for c in (c1, c2)}
    killed_at = time.monotonic()
    sn1.proc.kill()
    sn1.proc.wait()
    for c in (c1, c2):
        again = c.wait_for(r"attached to (\S+) rtt_ms=", deadline_s=FAILOVER_LIMIT_S + 5,
                           start=marks[c.name])
        measured = time.monotonic() - killed_at
        took = c.wait_for(r"failover to \S+ took (\d+) ms", start=marks[c.name]).group(1)
        check(again.group(1) in (sn2.address, sn3.address),
              f"{c.name} failed over to {again.group(1)}")
        check(measured <= FAILOVER_LIMIT_S,
              f"{c.name} failover: {measured * 1000:.0f} ms after SIGKILL "
              f"({took} ms from noticing the loss)")
        print(f"FAILOVER {c.name} {measured * 1000:.0f} ms", flush=True)

    # A super node that hangs (SIGSTOP: the TCP connection stays open) is
    # found out by the keep-alive timeout, and the client moves on.
    current = by_address[again.group(1)]
    marks = {c.name: c.mark() for c in (c1, c2)}
    stopped_at = time.monotonic()
    current.proc.send_signal(signal.SIGSTOP)
    try:
        for c in (c1, c2):
            c.wait_for(r"lost super node \S+: no keep-alive answer", start=marks[c.name])
            moved = c.wait_for(r"attached to (\S+) rtt_ms=", start=marks[c.name])
            measured = time.monotonic() - stopped_at
            check(moved.group(1) != current.address and measured <= FAILOVER_LIMIT_S,
                  f"{c.name} left a hung super node by keep-alive timeout: "
                  f"{measured * 1000:.0f} ms after SIGSTOP")
            print(f"FAILOVER-HUNG {c.name} {measured * 1000:.0f} ms", flush=True)
    finally:
        current.proc.send_signal(signal.SIGCONT)

    # Debian's RFC 3489 client against a super node's STUN port.
    if STUN and os.access(STUN, os.X_OK):
        out = subprocess.run([STUN, sn2.stun, "1", "-v"], capture_output=True, text=True,
                             timeout=DEADLINE_S)
        text = out.stdout + out.stderr
        mapped = re.search(r"mappedAddr=(\d+\.\d+\.\d+\.\d+):(\d+)", text)
        check(mapped is not None and mapped.group(1) == "127.0.0.1",
              f"Debian stun got mapped address {mapped.group(0) if mapped else None}")
    else:
        print("skip: Debian's stun client is not installed", flush=True)
    print("PASS", flush=True)
finally:
    for node in nodes:
        node.stop()

"""Presence and search with real processes on 127.0.0.1 (docs/client.md).

A login server, three peered super nodes whose directory nodes bootstrap from
each other, users registered with `parley account register`, and one
`parley client --console` per user, driven through its stdin. Every wait is on
a line a process prints, with a deadline; never a sleep.

Usage: presence_test.py PARLEY WORK_DIR [SEED]
Prints the measured figures as lines starting with FIGURE.
"""
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from parley_process import (QUICK_FAILOVER_SETTINGS, Process, free_port,  # noqa: E402
                            fresh_work_dir)

PARLEY, WORK = sys.argv[1], sys.argv[2]
SEED = int(sys.argv[3]) if len(sys.argv) > 3 else 20261125
DEADLINE_S = 20.0
# A buddy's status change must arrive within this. The client holds a change
# until 1.1 s after its previous record on purpose (super nodes refuse records
# closer than 1 s), so back-to-back changes take about 1.1 s when idle; the
# rest is for an ASan build on a loaded machine. A change that is not pushed
# would wait for the next renewal (minutes) or never come.
PRESENCE_LIMIT_S = 10.0
CHURN_ROUNDS = 4
PASSWORD = "correct horse battery"
# The build tree mirrors the install layout: <prefix>/bin/parley, <prefix>/share/parley.
SAMPLE = os.path.join(os.path.dirname(os.path.abspath(PARLEY)), "..", "share", "parley",
                      "samples", "speech-en-16k.wav")

figures = {}


def figure(name, value):
    figures.setdefault(name, []).append(value)


def check(condition, message):
    if not condition:
        raise AssertionError(message)
    print("ok:", message, flush=True)


CONF = fresh_work_dir(WORK, QUICK_FAILOVER_SETTINGS + "max_connections_per_address = 64\n")

processes = []


def start(name, args, env=None, stdin=False):
    p = Process(name, [PARLEY, "--config", CONF] + args, env=env, stdin=stdin,
                output_tail=80)
    processes.append(p)
    return p


def login_server(name, extra=()):
    p = start(name, ["login-server", "--data-dir", os.path.join(WORK, name),
                     "--listen", "127.0.0.1:0", *extra])
    p.key = p.wait_for(r"public key (ed25519:\S+)").group(1)
    p.address = "127.0.0.1:" + p.wait_for(r"listening on \S+:(\d+)").group(1)
    return p


class SuperNode:
    def __init__(self, name, login_key, peers):
        self.name = name
        self.login_key = login_key
        self.listen = f"127.0.0.1:{free_port(socket.SOCK_STREAM)}"
        self.stun = f"127.0.0.1:{free_port(socket.SOCK_DGRAM)}"
        self.directory = f"127.0.0.1:{free_port(socket.SOCK_DGRAM)}"
        self.peers = list(peers)
        self.proc = None
        self.launch()

    def launch(self, peers=None):
        """peers: on a restart, the super nodes it knows now (a real one reads
        its bootstrap list; without any its directory node would be alone)."""
        if peers is not None:
            self.peers = list(peers)
        args = ["node", "--role", "super", "--listen", self.listen, "--stun", self.stun,
                "--login-server-key", self.login_key, "--directory", self.directory,
                "--data-dir", os.path.join(WORK, self.name)]
        for peer in self.peers:
            args += ["--peer", peer.listen, "--directory-bootstrap", peer.directory]
        self.proc = start(self.name, args)
        self.proc.wait_for(r"listening on ")
        self.proc.wait_for(r"directory on ")

    def kill(self):
        self.proc.stop(signal.SIGKILL)


def register(user, server):
    home = os.path.join(WORK, "home-" + user)
    env = dict(os.environ, XDG_DATA_HOME=os.path.join(home, "data"),
               XDG_CONFIG_HOME=os.path.join(home, "config"))
    run = subprocess.run([PARLEY, "account", "register", "--server", server.address,
                          "--server-key", server.key, "--user", user, "--password-file", "-"],
                         input=PASSWORD + "\n", capture_output=True, text=True, env=env,
                         timeout=60)
    check(run.returncode == 0, f"{user} registered and logged in at {server.address}"
          + ("" if run.returncode == 0 else f": {run.stdout} {run.stderr}"))
    return env


class Client:
    def __init__(self, user, env, bootstrap, buddies=(), display=None):
        self.user = user
        self.env = env
        args = ["client", "--user", user, "--console", "--bootstrap", bootstrap.listen,
                "--data-dir", os.path.join(WORK, "client-" + user),
                "--display-name", display or user.capitalize(),
                "--media-address", "127.0.0.1"]
        if buddies:
            args += ["--buddies", ",".join(buddies)]
        self.proc = start("client-" + user, args, env=env, stdin=True)

    def command(self, line):
        mark = self.proc.mark()
        self.proc.send(line)
        return mark

    def wait_for(self, pattern, deadline_s=DEADLINE_S, start=0):
        return self.proc.wait_for(pattern, deadline_s, start)

    def mark(self):
        return self.proc.mark()

    def search(self, query):
        """One search; (users found, {user: super node}, ms as the client measured it)."""
        mark = self.command("search " + query)
        label = re.escape(query)
        done = self.wait_for(rf"search: (?:found (\d+) for {label} in ([\d.]+) ms(?::(.*))?"
                             rf"|{label} failed after ([\d.]+) ms: (.*))", start=mark)
        if done.group(1) is None:
            return set(), {}, None, done.group(5)
        users = set((done.group(3) or "").split())
        where = {}
        for line in self.proc.log[mark:self.proc.matched_at]:
            row = re.match(r"search: (\S+)\s+.*\s(online|away|busy|offline)\s+(\S+)$", line)
            if row and row.group(1) in users:
                where[row.group(1)] = row.group(3)
        return users, where, float(done.group(2)), None

    def find(self, query, expect, deadline_s=DEADLINE_S):
        """Searches until every user in expect is found (the directory is
        eventually consistent); returns the super nodes they are at."""
        end = time.monotonic() + deadline_s
        attempts = 0
        while True:
            attempts += 1
            users, where, ms, error = self.search(query)
            if ms is not None:
                figure("search_ms", ms)
            if expect <= users:
                return where, attempts
            if time.monotonic() > end:
                raise AssertionError(f"{self.user}: search {query} found {users} "
                                     f"(error {error}), wanted {expect}")

    def super_node(self):
        mark = self.command("status")
        return self.wait_for(r"status: \S+, (?:attached to (\S+)|not attached)",
                             start=mark).group(1)


try:
    login = login_server("login")
    sn1 = SuperNode("sn1", login.key, [])
    sn2 = SuperNode("sn2", login.key, [sn1])
    sn3 = SuperNode("sn3", login.key, [sn1, sn2])
    supers = [sn1, sn2, sn3]
    by_listen = {sn.listen: sn for sn in supers}

    # --- certificate renewal while running: started first, checked at the end -----
    # A second login server issues the shortest certificates it allows (60 s,
    # renewed in their last 12 s) and two peered super nodes pin it. renee must
    # renew twice while running and republish at once each time: ravi finds her
    # after her first certificate expired only if her record carries a new one.
    short_login = login_server("login-short", ["--certificate-validity-s", "60"])
    sn4 = SuperNode("sn4", short_login.key, [])
    sn5 = SuperNode("sn5", short_login.key, [sn4])
    renee_env = register("renee", short_login)
    renee_expiry = time.monotonic() + 60  # at the latest
    ravi_env = register("ravi", short_login)
    renee = Client("renee", renee_env, sn4)
    ravi = Client("ravi", ravi_env, sn5)

    users = ["alice", "bob", "carol", "dave"]
    envs = {user: register(user, login) for user in users}
    buddies = {"alice": ["bob", "dave"], "bob": ["alice", "carol"], "carol": ["bob"],
               "dave": ["alice"]}
    homes = {"alice": sn1, "bob": sn2, "carol": sn3, "dave": sn1}
    clients = {u: Client(u, envs[u], homes[u], buddies[u]) for u in users}
    for user, c in clients.items():
        c.wait_for(r"client: presence published; ready")
        attached = c.super_node()
        check(attached == homes[user].listen, f"{user} attached to {homes[user].name} "
              f"and published its presence")

    # --- search: exact and prefix, across super nodes ------------------------------
    where, attempts = clients["alice"].find("bob", {"bob"})
    check(where.get("bob") == sn2.listen,
          f"alice (sn1) finds bob at sn2 by exact id ({attempts} searches)")
    where, attempts = clients["bob"].find("car*", {"carol"})
    check(where.get("carol") == sn3.listen,
          f"bob (sn2) finds carol at sn3 by prefix 'car*' ({attempts} searches)")
    where, _ = clients["carol"].find("dav*", {"dave"})
    check(where.get("dave") == sn1.listen, "carol (sn3) finds dave at sn1 by prefix")
    users_found, _, _, _ = clients["dave"].search("nobody-here")
    check(users_found == set(), "a search for an unknown user finds nothing (and says so)")
    mark = clients["dave"].command("search xy*")
    refused = clients["dave"].wait_for(r"search: xy\* not sent: (.*)", start=mark)
    check("at least 3 characters" in refused.group(1),
          f"a two-character prefix is refused in one line before it leaves the client "
          f"({refused.group(1)})")
    mark = clients["dave"].command("frobnicate")
    clients["dave"].wait_for(r"client: unknown command 'frobnicate': type help", start=mark)
    check(True, "an unknown console command gets a one-line error with a help hint")

    # --- presence: a status change reaches a subscribed buddy ---------------------
    # bob follows carol; carol is on sn3, bob on sn2.
    # The figures printed at the end: presence_ms (idle: about 1100 ms, the
    # client's spacing) and publish_confirmed_ms.
    clients["bob"].wait_for(r"presence: carol is online")
    for status in ("away", "busy", "online"):
        mark = clients["bob"].mark()
        sent = time.monotonic()
        carol_mark = clients["carol"].command("status " + status)
        clients["bob"].wait_for(rf"presence: carol is {status}", PRESENCE_LIMIT_S + 5,
                                start=mark)
        took = clients["bob"].proc.times[clients["bob"].proc.matched_at - 1] - sent
        clients["carol"].wait_for(rf"presence published: {status}", start=carol_mark)
        published = clients["carol"].proc.times[clients["carol"].proc.matched_at - 1] - sent
        figure("presence_ms", took * 1000)
        figure("publish_confirmed_ms", published * 1000)
        check(took <= PRESENCE_LIMIT_S,
              f"carol's '{status}' reached bob on another super node in {took * 1000:.0f} ms "
              f"(her super node confirmed the record after {published * 1000:.0f} ms)")

    # --- a forged identity: a certificate from another login server ----------------
    # mallory's login server is not the one the super nodes pin. It issues a
    # perfectly signed certificate for "bob"; the impostor must be refused by
    # every super node and the real bob must stay the only one found.
    rogue = login_server("rogue-login")
    impostor_env = register("bob", rogue)
    impostor = start("impostor-bob", ["client", "--user", "bob", "--console", "--bootstrap",
                                      sn1.listen, "--data-dir",
                                      os.path.join(WORK, "client-impostor")],
                     env=impostor_env, stdin=True)
    refused = impostor.wait_for(r"attach to \S+ failed: refused: (.*)")
    check(True, f"an impostor 'bob' certified by another login server is refused "
                f"({refused.group(1)})")
    impostor.wait_for(r"no super node answered; trying again")
    check(not any("presence published" in line for line in impostor.log),
          "the impostor never published a presence record")
    impostor.stop()
    where, _ = clients["alice"].find("bob", {"bob"})
    check(where.get("bob") == sn2.listen, "search still finds only the real bob, at sn2")

    # A certificate altered on disk: the client refuses to start (exit 3).
    tampered_env = register("erin", login)
    cert = os.path.join(tampered_env["XDG_DATA_HOME"], "parley", "identity", "erin",
                        "certificate")
    with open(cert, "r+b") as f:
        data = bytearray(f.read())
        data[-1] ^= 0x01  # the login server's signature
        f.seek(0)
        f.write(data)
    run = subprocess.run([PARLEY, "--config", CONF, "client", "--user", "erin",
                          "--bootstrap", sn1.listen, "--data-dir",
                          os.path.join(WORK, "client-erin")],
                         capture_output=True, text=True, env=tampered_env, timeout=60)
    check(run.returncode == 3 and "no valid certificate for erin" in run.stderr,
          f"a client with an altered certificate exits 3: {run.stderr.strip()}")

    # --- failover: SIGKILL bob's super node -------------------------------------------
    mark = clients["bob"].mark()
    sn2.kill()
    took = clients["bob"].wait_for(r"failover to (\S+) took (\d+) ms", start=mark)
    figure("failover_ms", int(took.group(2)))
    check(took.group(1) != sn2.listen,
          f"bob re-attached to {by_listen[took.group(1)].name} in {took.group(2)} ms "
          f"after SIGKILL of sn2")
    clients["bob"].wait_for(r"client: presence published", start=mark)
    where, attempts = clients["alice"].find("bob", {"bob"})
    check(where.get("bob") == took.group(1),
          f"alice finds bob at his new super node ({attempts} searches)")
    sn2.launch([sn1, sn3])  # same address, key and directory port

    # --- churn: kill super nodes at random while clients keep searching -----------------
    rng = random.Random(SEED)
    for round_number in range(1, CHURN_ROUNDS + 1):
        # A super node with clients: killing an idle one shows nothing.
        attached = {u: c.super_node() for u, c in clients.items()}
        victim = rng.choice([sn for sn in supers if sn.listen in attached.values()])
        at_victim = [u for u, at in attached.items() if at == victim.listen]
        marks = {u: clients[u].mark() for u in at_victim}
        victim.kill()
        for u in at_victim:
            took = clients[u].wait_for(r"failover to (\S+) took (\d+) ms", start=marks[u])
            figure("failover_ms", int(took.group(2)))
            clients[u].wait_for(r"client: presence published", start=marks[u])
        for searcher in users:
            others = {u for u in users if u != searcher}
            for other in others:
                clients[searcher].find(other, {other})
        check(True, f"churn round {round_number} (seed {SEED}): {victim.name} killed; "
                    f"{len(at_victim)} clients re-attached; every client finds every other")
        victim.launch([sn for sn in supers if sn is not victim])

    # --- scripted calls: --auto-answer and --call, with reports ---------------------------
    for user in ("frank", "grace"):
        envs[user] = register(user, login)
    reports = {u: os.path.join(WORK, u + "-report.jsonl") for u in ("frank", "grace")}

    def scripted(user, bootstrap, *extra):
        return start("client-" + user, ["client", "--user", user, "--bootstrap", bootstrap.listen,
                                         "--data-dir", os.path.join(WORK, "client-" + user),
                                         "--media-address", "127.0.0.1", "--play", SAMPLE,
                                         "--report-json", reports[user], *extra],
                     env=envs[user])

    frank = scripted("frank", sn1, "--auto-answer", "--calls", "1", "--record",
                     os.path.join(WORK, "frank-heard.wav"))
    frank.wait_for(r"client: presence published; ready")
    grace = scripted("grace", sn3, "--call", "frank", "--duration", "2", "--json")
    for who, proc in (("grace", grace), ("frank", frank)):
        proc.proc.wait(timeout=DEADLINE_S + 10)
        check(proc.proc.returncode == 0,
              f"{who}'s scripted call: exit {proc.proc.returncode} (0 expected)")
    with open(reports["grace"]) as f:
        caller = json.loads(f.readline())
    with open(reports["frank"]) as f:
        callee = json.loads(f.readline())
    check(caller["outcome"] == "completed" and callee["outcome"] == "completed"
          and caller["packets_received"] > 0 and callee["packets_received"] > 0,
          f"call grace -> frank completed: {caller['path']} path, setup "
          f"{caller['setup_ms']:.0f} ms, {caller['packets_received']} packets heard by grace, "
          f"{callee['packets_received']} by frank")
    check(any(line.startswith("{") and json.loads(line)["call_id"] == caller["call_id"]
              for line in grace.log), "--json printed the caller's report as JSON")
    figure("call_setup_ms", caller["setup_ms"])
    nobody = scripted("grace", sn3, "--call", "nobody-at-all", "--duration", "1")
    nobody.proc.wait(timeout=DEADLINE_S + 10)
    ended = [line for line in nobody.log if line.startswith("call: ended")]
    check(nobody.proc.returncode == 4,
          f"a call to an unknown user exits 4 ({ended[-1] if ended else 'no end line'})")

    # --- a clean stop shows as offline to the buddies ------------------------------------
    mark = clients["alice"].mark()
    sent = time.monotonic()
    clients["dave"].command("quit")
    clients["alice"].wait_for(r"presence: dave is offline", DEADLINE_S, start=mark)
    figure("offline_ms", (time.monotonic() - sent) * 1000)
    clients["dave"].proc.proc.wait(timeout=DEADLINE_S)
    check(clients["dave"].proc.proc.returncode == 0,
          f"dave quit with exit 0 and alice saw him offline after "
          f"{(time.monotonic() - sent) * 1000:.0f} ms")

    # --- SIGTERM: offline to the buddies too, exit 0 ------------------------------------
    mark = clients["bob"].mark()
    sent = time.monotonic()
    clients["carol"].proc.proc.send_signal(signal.SIGTERM)
    clients["bob"].wait_for(r"presence: carol is offline", DEADLINE_S, start=mark)
    figure("offline_ms", (time.monotonic() - sent) * 1000)
    clients["carol"].proc.proc.wait(timeout=DEADLINE_S)
    check(clients["carol"].proc.proc.returncode == 0,
          "carol stopped by SIGTERM: exit 0, and bob saw her offline")

    # --- certificate renewal while running (started at the beginning) ------------------
    # The login server backdates not-before by its 5 min clock-skew allowance, so
    # its 60 s certificates are due at once; the client renews at start, then
    # halfway through what each renewed one has left (about every 30 s), not in
    # a loop. Wait for a renewal after the first certificate expired.
    renewals = 0
    while True:
        renee.wait_for(r"client: certificate renewed, valid until", 45,
                       start=renee.proc.matched_at if renewals else 0)
        renewals += 1
        renewed_index = renee.proc.matched_at
        if renee.proc.times[renewed_index - 1] > renee_expiry:
            break
        if renewals >= 5:
            raise AssertionError("renee renews her certificate in a loop:\n"
                                 + "\n".join(renee.proc.log[-40:]))
    renewed_at = renee.proc.times[renewed_index - 1]
    renee.wait_for(r"client: presence published: online", PRESENCE_LIMIT_S + 5,
                   start=renewed_index)
    republished = renee.proc.times[renee.proc.matched_at - 1] - renewed_at
    figure("renewal_republish_ms", republished * 1000)
    check(republished < PRESENCE_LIMIT_S,
          f"renee renewed her 60 s certificate while running ({renewals} renewals) and "
          f"republished her presence {republished * 1000:.0f} ms after the one past the "
          f"first certificate's expiry")
    where, attempts = ravi.find("renee", {"renee"})
    check(where.get("renee") == sn4.listen,
          f"ravi finds renee after her first certificate expired ({attempts} searches)")
    check(not any("certificate renewal failed" in line
                  for line in renee.proc.log + ravi.proc.log), "no renewal failed")

    # --- a user who never logged in ------------------------------------------------------
    run = subprocess.run([PARLEY, "--config", CONF, "client", "--user", "nobody",
                          "--bootstrap", sn1.listen],
                         capture_output=True, text=True, env=envs["alice"], timeout=60)
    check(run.returncode == 3 and "parley account login --user nobody" in run.stderr,
          "a user without an identity folder: exit 3 and how to log in")

    for name, values in sorted(figures.items()):
        print(f"FIGURE {name}: n={len(values)} median={statistics.median(values):.1f} "
              f"min={min(values):.1f} max={max(values):.1f}", flush=True)
    print("PASS", flush=True)
except BaseException:
    for p in processes:
        print(f"--- last lines of {p.name}:\n" + "\n".join(p.log[-25:]), file=sys.stderr)
    raise
finally:
    for p in reversed(processes):
        p.stop()

"""A private Parley network of real processes for the call tests: a login
server, super nodes, registered users and their `parley client` processes,
all on 127.0.0.1 (optionally inside a network namespace the test made).

Every wait is on a line a process prints, with a deadline; never a sleep.
Network.close() (use `with Network(...) as net:`) stops every process it
started: SIGTERM to its process group, then SIGKILL after a grace period.
"""
import json
import os
import socket
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from parley_process import (DEADLINE_S, QUICK_FAILOVER_SETTINGS, Process,  # noqa: E402
                            free_port as free_local_port)


def free_port(wrap, kind=socket.SOCK_DGRAM):
    """A free port on 127.0.0.1 where the processes run (inside the namespace
    when there is one: its ports are another set). The super nodes' ports are
    given in advance: the directory port is only known as given."""
    if wrap:
        code = ("import socket;s=socket.socket(socket.AF_INET,%d);"
                "s.bind(('127.0.0.1',0));print(s.getsockname()[1])" % int(kind))
        return int(subprocess.run(wrap + ["python3", "-c", code], capture_output=True,
                                  text=True, check=True, timeout=10).stdout)
    return free_local_port(kind)


class Network:
    """Login server and super nodes; users registered on demand; clients.

    wrap: a command prefix for every process (["ip", "netns", "exec", NS])."""

    def __init__(self, parley, work, wrap=None, super_nodes=2):
        self.parley = parley
        self.work = work
        self.wrap = wrap or []
        self.procs = []
        self.super_nodes = []
        self.data_home = os.path.join(work, "data")
        os.makedirs(self.data_home, exist_ok=True)
        self.conf = os.path.join(work, "parley.conf")
        with open(self.conf, "w") as f:
            f.write("[node]\n" + QUICK_FAILOVER_SETTINGS)
        self.password_file = os.path.join(work, "password")
        with open(self.password_file, "w") as f:
            f.write("call-test-password\n")
        os.chmod(self.password_file, 0o600)
        self.super_node_count = super_nodes

    def __enter__(self):
        try:
            self.start_login_server()
            for i in range(self.super_node_count):
                self.start_super_node(i + 1)
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        for proc in reversed(self.procs):
            proc.stop(grace_s=5.0)

    def env(self):
        env = dict(os.environ)
        env["XDG_DATA_HOME"] = self.data_home
        return env

    def start(self, name, args, stdin=False):
        argv = self.wrap + [self.parley, "--config", self.conf] + args
        proc = Process(name, argv, env=self.env(), stdin=stdin,
                       log_file=os.path.join(self.work, f"{name}.log"), own_group=True,
                       output_tail=40, output_indent="    ")
        self.procs.append(proc)
        return proc

    def start_login_server(self):
        self.login = self.start("login-server", [
            "login-server", "--data-dir", os.path.join(self.work, "login-server"),
            "--listen", "127.0.0.1:0"])
        self.server_key = self.login.wait_for(r"public key (ed25519:\S+)").group(1)
        self.login_address = self.login.wait_for(r"listening on (\S+)").group(1)

    def start_super_node(self, number):
        name = f"sn{number}"
        directory = f"127.0.0.1:{free_port(self.wrap)}"
        args = ["node", "--role", "super",
                "--listen", f"127.0.0.1:{free_port(self.wrap, socket.SOCK_STREAM)}",
                "--stun", f"127.0.0.1:{free_port(self.wrap)}", "--directory", directory,
                "--login-server-key", self.server_key,
                "--data-dir", os.path.join(self.work, name)]
        for peer in self.super_nodes:
            args += ["--peer", peer.address, "--directory-bootstrap", peer.directory]
        node = self.start(name, args)
        node.directory = directory
        node.address = node.wait_for(r"super-node: listening on (\S+)").group(1)
        node.stun = node.wait_for(r"super-node: stun on (\S+)").group(1)
        node.wait_for(r"super-node: directory on (\S+)")
        self.super_nodes.append(node)
        return node

    def register(self, *users):
        runs = []
        for user in users:
            runs.append((user, subprocess.Popen(
                self.wrap + [self.parley, "--config", self.conf, "account", "register",
                             "--server", self.login_address, "--server-key", self.server_key,
                             "--user", user, "--password-file", self.password_file],
                env=self.env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)))
        for user, run in runs:
            out, _ = run.communicate(timeout=DEADLINE_S)
            if run.returncode != 0:
                raise AssertionError(f"registering {user} failed ({run.returncode}):\n{out}")

    def client(self, user, super_node, *extra, console=False, wait_published=True):
        """A `parley client` for user attached to super_node (an index or a Process);
        returns once it is attached and (by default) its presence is published."""
        node = self.super_nodes[super_node] if isinstance(super_node, int) else super_node
        args = ["client", "--user", user, "--bootstrap", node.address,
                "--data-dir", os.path.join(self.work, f"{user}-node"),
                "--report-json", self.report_path(user)] + list(extra)
        if console:
            args.append("--console")
        proc = self.start(user, args, stdin=console)
        proc.user = user
        proc.attached_to = proc.wait_for(r"attached to (\S+)").group(1)
        if wait_published:
            proc.wait_for(r"published")
        return proc

    def report_path(self, user):
        return os.path.join(self.work, f"{user}-report.jsonl")

    def wait_report(self, user, count, deadline_s=DEADLINE_S):
        """The user's report number count (1-based), once the client wrote it:
        it appends the line just after printing the call's last event."""
        end = time.monotonic() + deadline_s
        while True:
            reports = self.reports(user)
            if len(reports) >= count:
                return reports[count - 1]
            if time.monotonic() > end:
                raise AssertionError(f"{user} wrote {len(reports)} call reports, not {count}, "
                                     f"within {deadline_s} s")
            time.sleep(0.05)  # polling a file, with a deadline

    def reports(self, user):
        """Every call report the user's client wrote, oldest first."""
        try:
            with open(self.report_path(user)) as f:
                return [json.loads(line) for line in f if line.strip()]
        except FileNotFoundError:
            return []


def correlate(wav_correlate, source, recording):
    run = subprocess.run([wav_correlate, source, recording], capture_output=True, text=True,
                         timeout=60)
    if run.returncode != 0:
        raise AssertionError(f"wav_correlate {source} {recording}: {run.stderr}")
    return json.loads(run.stdout)


def rotated_copy(source, destination, seconds):
    """The source WAV with its first `seconds` moved to the end: the same
    speech, but not the same signal at any lag short of `seconds`, so each
    side's recording can only match the other side's source."""
    import wave
    with wave.open(source, "rb") as r:
        params = r.getparams()
        frames = r.readframes(r.getnframes())
    cut = int(seconds * params.framerate) * params.sampwidth * params.nchannels
    with wave.open(destination, "wb") as w:
        w.setparams(params)
        w.writeframes(frames[cut:] + frames[:cut])

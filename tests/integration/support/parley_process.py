"""A child process for the integration tests, watched through what it prints.

A thread pumps its stdout and stderr, merged, line by line into `log` (with
the time each line arrived in `times`), so a test waits for an event, a line
matching a pattern, with a deadline: never a sleep. A process that exits
before printing the line fails the wait at once instead of at the deadline.

Import it with the support folder on sys.path (tests are scripts, not a
package), and sys.dont_write_bytecode = True so no __pycache__ lands in the
source tree:

    sys.dont_write_bytecode = True
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                    "..", "support"))
    from parley_process import Process, free_port
"""
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time

DEADLINE_S = 20.0
# [node] settings for tests whose super nodes get killed: keep-alives every
# 300 ms (the seed's 60 s is the default) so peers re-link at once, and a
# lost super node, which SIGKILL makes a closed connection, is noticed at once
# too. The keep-alive answer and connect timeouts leave room for an ASan
# build on a loaded machine: a super node that is slow for a second must not
# look hung (a spurious failover breaks the test), nor a slow handshake fail.
# A test that measures how fast a hung super node is left (overlay_test.py)
# sets its own shorter ones.
QUICK_FAILOVER_SETTINGS = ("keep_alive_ms = 300\nkeep_alive_timeout_ms = 2000\n"
                           "connect_timeout_ms = 3000\n")


class Process:
    """argv started with its output collected as it comes.

    stdin: a pipe for console commands (send()); otherwise /dev/null.
    log_file: every line also appended there, for a look after the test.
    own_group: the process leads its own process group and every signal goes
    to the group, so what it started (an `ip netns exec` wrapper's child) goes
    with it.
    output_tail, output_indent: how much of the log a failed wait shows (None:
    all of it), and each line's indent.
    """

    def __init__(self, name, argv, env=None, stdin=False, log_file=None, own_group=False,
                 output_tail=None, output_indent=""):
        self.name = name
        self.log = []
        self.times = []  # time.monotonic() when each line arrived
        self.matched_at = 0  # after a wait_for: the index after the matching line
        self.done = False  # the output ended: every line is in self.log
        self.own_group = own_group
        self.output_tail = output_tail
        self.output_indent = output_indent
        self._log_file = open(log_file, "a") if log_file else None
        self._changed = threading.Condition()
        self.proc = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL, text=True, bufsize=1,
            env=env, start_new_session=own_group)
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self):
        for line in self.proc.stdout:
            if self._log_file:
                self._log_file.write(line)
                self._log_file.flush()
            with self._changed:
                self.times.append(time.monotonic())
                self.log.append(line.rstrip())
                self._changed.notify_all()
        with self._changed:
            self.done = True
            self._changed.notify_all()
        if self._log_file:
            self._log_file.close()

    def mark(self):
        """Where the next line will be: a start for wait_for."""
        return len(self.log)

    def wait_for(self, pattern, deadline_s=DEADLINE_S, start=0):
        """The first line from index start on that matches pattern; waits for it."""
        end = time.monotonic() + deadline_s
        seen = start
        with self._changed:
            while True:
                while seen < len(self.log):
                    match = re.search(pattern, self.log[seen])
                    seen += 1
                    if match:
                        self.matched_at = seen
                        return match
                if self.done:
                    self.proc.wait()
                    raise AssertionError(
                        f"{self.name} exited ({self.proc.returncode}) before a line matching "
                        f"{pattern!r}; output:\n{self.output()}")
                left = end - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{self.name}: no line matching {pattern!r} within "
                                         f"{deadline_s} s; output:\n{self.output()}")
                self._changed.wait(timeout=left)

    def wait_exit(self, deadline_s=DEADLINE_S):
        """The exit status, once the process has ended by itself."""
        try:
            return self.proc.wait(timeout=deadline_s)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"{self.name} still running after {deadline_s} s; output:\n"
                                 f"{self.output()}")

    def send(self, command):
        """A console command on the process's stdin."""
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()

    def output(self):
        lines = self.log[-self.output_tail:] if self.output_tail else self.log
        return "\n".join(self.output_indent + line for line in lines)

    def running(self):
        return self.proc.poll() is None

    def send_signal(self, sig):
        try:
            if self.own_group:
                os.killpg(self.proc.pid, sig)
            else:
                self.proc.send_signal(sig)
        except ProcessLookupError:
            pass

    def stop(self, sig=signal.SIGTERM, grace_s=10.0):
        """sig (SIGTERM: a clean stop), then SIGKILL after grace_s; the exit status."""
        if self.proc.poll() is None:
            self.send_signal(sig)
            try:
                self.proc.wait(timeout=grace_s)
            except subprocess.TimeoutExpired:
                pass
        if self.own_group:
            # Whatever is left in the group (nothing, normally) goes too.
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        elif self.proc.poll() is None:
            self.proc.kill()
        return self.proc.wait()

    def kill(self):
        """SIGKILL, as a crash would."""
        return self.stop(signal.SIGKILL)


def free_port(kind):
    """A port free on 127.0.0.1 now, for a process that must be given one in
    advance (kind: socket.SOCK_STREAM or socket.SOCK_DGRAM)."""
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fresh_work_dir(work, node_settings):
    """work emptied (what a previous run left goes) with a parley.conf whose
    [node] section holds node_settings; the path of that parley.conf."""
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    conf = os.path.join(work, "parley.conf")
    with open(conf, "w") as f:
        f.write("[node]\n" + node_settings)
    return conf

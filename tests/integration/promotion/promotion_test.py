"""Promotion of a client node to super node, with real `parley node`
processes on 127.0.0.1 (docs/overlay.md, "Promotion").

Every wait is on a line a process prints, with a deadline, never a sleep.
Usage: promotion_test.py PARLEY WORK_DIR
"""
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time

PARLEY, WORK = sys.argv[1], sys.argv[2]
DEADLINE_S = 20.0


class Node:
    def __init__(self, name, conf, args):
        self.name = name
        self.lines = queue.Queue()
        self.log = []
        self.proc = subprocess.Popen([PARLEY, "--config", conf, "node"] + args,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, bufsize=1)
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self):
        for line in self.proc.stdout:
            self.log.append(line.rstrip())
            self.lines.put(line.rstrip())

    def wait_for(self, pattern, deadline_s=DEADLINE_S):
        end = time.monotonic() + deadline_s
        seen = 0
        while True:
            while seen < len(self.log):
                match = re.search(pattern, self.log[seen])
                seen += 1
                if match:
                    return match
            left = end - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{self.name}: no line matching {pattern!r} within "
                                     f"{deadline_s} s; output:\n" + "\n".join(self.log))
            try:
                self.lines.get(timeout=left)
            except queue.Empty:
                pass

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


def write_conf(name, promotion):
    path = os.path.join(WORK, name + ".conf")
    with open(path, "w") as f:
        f.write(f"[node]\npromotion = {promotion}\nkeep_alive_ms = 500\n"
                "keep_alive_timeout_ms = 1000\n")
    return path


def main():
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    nodes = []
    try:
        sn = Node("sn", write_conf("sn", "never"),
                  ["--role", "super", "--listen", "127.0.0.1:0", "--stun", "127.0.0.1:0",
                   "--data-dir", os.path.join(WORK, "sn")])
        nodes.append(sn)
        address = sn.wait_for(r"listening on (\S+)").group(1)
        sn.wait_for(r"stun on ")

        # promotion = always: the client promotes itself once STUN has answered.
        promoted = Node("promoted", write_conf("promoted", "always"),
                        ["--role", "client", "--bootstrap", address, "--promote-listen",
                         "127.0.0.1:0", "--data-dir", os.path.join(WORK, "promoted")])
        nodes.append(promoted)
        promoted.wait_for(r"attached to " + re.escape(address))
        promoted.wait_for(r"promotion to super node: yes")
        new_address = promoted.wait_for(r"promoted: super node listening on ([^\s,]+)").group(1)
        promoted.wait_for(r"super-node: peer " + re.escape(address) + r" linked \(outgoing\)")
        sn.wait_for(r"peer " + re.escape(new_address) + r" linked \(incoming\)")

        # Another client attaches to the promoted super node.
        other = Node("other", write_conf("other", "never"),
                     ["--role", "client", "--bootstrap", new_address, "--data-dir",
                      os.path.join(WORK, "other")])
        nodes.append(other)
        other.wait_for(r"attached to " + re.escape(new_address))
        other.wait_for(r"promotion to super node: no")
        promoted.wait_for(r"super-node: client attached from ")

        # promotion = never keeps a client a client.
        if any("promoted:" in line for line in other.log):
            raise AssertionError("a client with promotion = never promoted itself")
    finally:
        codes = {node.name: node.stop() for node in nodes}
    bad = {name: code for name, code in codes.items() if code != 0}
    if bad:
        raise AssertionError(f"unclean exits: {bad}")
    print("promotion: ok")


if __name__ == "__main__":
    main()

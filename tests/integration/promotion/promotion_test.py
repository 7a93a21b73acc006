"""Promotion of a client node to super node, with real `parley node`
processes on 127.0.0.1 (docs/overlay.md, "Promotion").

Every wait is on a line a process prints, with a deadline, never a sleep.
Usage: promotion_test.py PARLEY WORK_DIR
"""
import os
import re
import shutil
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from parley_process import Process  # noqa: E402

PARLEY, WORK = sys.argv[1], sys.argv[2]


def start_node(name, conf, args):
    return Process(name, [PARLEY, "--config", conf, "node"] + args)


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
        sn = start_node("sn", write_conf("sn", "never"),
                        ["--role", "super", "--listen", "127.0.0.1:0", "--stun", "127.0.0.1:0",
                         "--data-dir", os.path.join(WORK, "sn")])
        nodes.append(sn)
        address = sn.wait_for(r"listening on (\S+)").group(1)
        sn.wait_for(r"stun on ")

        # promotion = always: the client promotes itself once STUN has answered.
        promoted = start_node("promoted", write_conf("promoted", "always"),
                              ["--role", "client", "--bootstrap", address, "--promote-listen",
                               "127.0.0.1:0", "--data-dir", os.path.join(WORK, "promoted")])
        nodes.append(promoted)
        promoted.wait_for(r"attached to " + re.escape(address))
        promoted.wait_for(r"promotion to super node: yes")
        new_address = promoted.wait_for(r"promoted: super node listening on ([^\s,]+)").group(1)
        promoted.wait_for(r"super-node: peer " + re.escape(address) + r" linked \(outgoing\)")
        sn.wait_for(r"peer " + re.escape(new_address) + r" linked \(incoming\)")

        # Another client attaches to the promoted super node.
        other = start_node("other", write_conf("other", "never"),
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

#!/usr/bin/env python3
"""Two e2e_peer processes (alice calls bob) through an e2e_relay man in the
middle, in one attack mode; asserts what each process reports.

Usage: e2e_mitm_test.py PEER RELAY MODE CIPHER_PLUGIN...

MODE is one of e2e_relay's modes, or control-null-cipher: the relay passes
everything and the peers use the null cipher, so the relay must see the
plaintext markers (a check that its detector works).

Each process prints "READY tcp=.. udp=.." when listening and one
"RESULT {json}" line at the end; this script starts them in order (bob, the
relay pointed at bob, alice pointed at the relay), waits for all three with a
deadline, and checks the counters. Nothing secret is printed by any of them:
keys appear only as fingerprints."""
import json
import os
import selectors
import subprocess
import sys
import tempfile
import time

PACKETS = 100
REKEY_AFTER = 25  # so a call crosses three key generations per direction
PROCESS_DEADLINE_MS = 20000

peer, relay, mode = sys.argv[1], sys.argv[2], sys.argv[3]
plugins = sys.argv[4:]
processes = []


def fail(message, *results):
    for result in results:
        print(json.dumps(result, indent=1, sort_keys=True), file=sys.stderr)
    sys.exit(f"FAIL [{mode}]: {message}")


def start(args):
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    processes.append(process)
    return process


def ready_ports(process, name):
    """The READY line, waited for with a deadline (select, no sleeping)."""
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if selector.select(timeout=deadline - time.monotonic()):
            line = process.stdout.readline()
            if not line:
                fail(f"{name} exited before it was ready: {process.stderr.read()}")
            if line.startswith("READY "):
                fields = dict(item.split("=") for item in line.split()[1:])
                return int(fields["tcp"]), int(fields["udp"])
    fail(f"{name} was not ready within 15 s")


def result_of(process, name):
    try:
        out, err = process.communicate(timeout=PROCESS_DEADLINE_MS / 1000 + 15)
    except subprocess.TimeoutExpired:
        fail(f"{name} did not finish")
    if process.returncode != 0:
        fail(f"{name} exited {process.returncode}: {err.strip()}")
    lines = [line for line in out.splitlines() if line.startswith("RESULT ")]
    if len(lines) != 1:
        fail(f"{name} printed no RESULT line: {out!r} {err!r}")
    return json.loads(lines[0][len("RESULT "):])


def expect(condition, message, *results):
    if not condition:
        fail(message, *results)


def expect_call(alice, bob, relay_result):
    """Both established the same keys, and media and messages flowed."""
    for side in (alice, bob):
        expect(side["handshake"] == "established", f"{side['user']}: no handshake", side)
        expect(side["call_end"] == "completed", f"{side['user']}: call ended: {side['call_end']}",
               side)
        expect(side["media_sent"] == PACKETS, f"{side['user']}: sent {side['media_sent']}", side)
        expect(side["payload_mismatches"] == 0, f"{side['user']}: accepted a wrong payload", side)
        expect(side["im_opened"] >= 1 and side["im_rejected"] == 0,
               f"{side['user']}: instant messages did not open cleanly", side)
        expect(side["peer_reported_sent"] == PACKETS, f"{side['user']}: no count from the peer",
               side)
        expect(side["outbound_generation"] == (PACKETS - 1) // REKEY_AFTER,
               f"{side['user']}: did not rekey as expected", side)
    expect(alice["suite"] == bob["suite"] == "aes-256-gcm", "suites differ", alice, bob)
    expect(alice["peer"] == "bob" and bob["peer"] == "alice", "wrong peers", alice, bob)
    expect(alice["safety_number"] == bob["safety_number"], "safety numbers differ", alice, bob)
    expect(alice["outbound_key_fp"] == bob["inbound_key_fp"] and
           alice["inbound_key_fp"] == bob["outbound_key_fp"], "keys differ", alice, bob)
    expect(alice["outbound_key_fp"] != alice["inbound_key_fp"], "one key for both directions",
           alice)
    expect(relay_result["plaintext_markers_seen"] == 0,
           "the relay saw plaintext markers in relayed bytes", relay_result)
    expect(relay_result["udp_bytes"] > PACKETS * 2 * 160, "the relay carried no media",
           relay_result)


def media_toward(relay_result, side):
    direction = "initiator->responder" if side["role"] == "responder" else "responder->initiator"
    return relay_result["media"][direction]


def expect_refused(side, failure, *others):
    expect(side["handshake"] == "not_established", f"{side['user']} established anyway", side,
           *others)
    expect(side["handshake_failure"] == failure,
           f"{side['user']}: refused with {side['handshake_failure']!r}, not {failure!r}", side,
           *others)


with tempfile.TemporaryDirectory() as identities:
    try:
        made = subprocess.run([peer, "--make-identities", identities, "alice", "bob"],
                              capture_output=True, text=True, timeout=30)
        if made.returncode != 0:
            fail(f"cannot make identities: {made.stderr}")
        common = ["--identity", identities, "--packets", str(PACKETS), "--rekey-after",
                  str(REKEY_AFTER), "--deadline-ms", str(PROCESS_DEADLINE_MS)]
        for plugin in plugins:
            common += ["--plugin", plugin]
        control = mode == "control-null-cipher"
        if control:
            common += ["--suites", "null", "--allow-insecure-cipher", "yes"]
        bob_process = start([peer, "--role", "responder", "--user", "bob", "--peer", "alice"] +
                            common)
        bob_tcp, bob_udp = ready_ports(bob_process, "bob")
        relay_process = start([relay, "--mode", "pass" if control else mode,
                               "--responder-tcp", str(bob_tcp),
                               "--responder-udp", str(bob_udp), "--deadline-ms",
                               str(PROCESS_DEADLINE_MS)])
        relay_tcp, relay_udp = ready_ports(relay_process, "relay")
        alice_process = start([peer, "--role", "initiator", "--user", "alice", "--peer", "bob",
                               "--tcp", str(relay_tcp), "--udp", str(relay_udp)] + common)
        alice = result_of(alice_process, "alice")
        bob = result_of(bob_process, "bob")
        relayed = result_of(relay_process, "relay")
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()

    expect(not relayed["deadline_reached"], "the relay ran into its deadline", relayed)
    if control:
        for side in (alice, bob):
            expect(side["suite"] == "null" and side["media_accepted"] == PACKETS,
                   f"{side['user']}: the control call did not run", side)
        # Every packet and the two messages carry a marker in the clear.
        expect(relayed["plaintext_markers_seen"] >= 2 * PACKETS + 2,
               "the relay's plaintext check saw nothing in a plaintext call", relayed)
        print(f"e2e_mitm [{mode}] OK: with the null cipher the relay saw "
              f"{relayed['plaintext_markers_seen']} plaintext markers")
        sys.exit(0)
    expect(relayed["plaintext_markers_seen"] == 0, "the relay saw plaintext", relayed)

    if mode == "pass":
        expect_call(alice, bob, relayed)
        for side in (alice, bob):
            expect(side["media_accepted"] == PACKETS, f"{side['user']}: lost media", side)
            expect(side["authentication_failures"] == 0 and side["replays_rejected"] == 0,
                   f"{side['user']}: refused honest packets", side)
    elif mode in ("alter-hello-ephemeral", "downgrade-hello"):
        expect(relayed["signaling_altered"] == 1, "the relay altered nothing", relayed)
        expect_refused(alice, "transcript_mismatch", bob, relayed)
        expect(bob["handshake"] == "not_established", "bob established anyway", bob)
        expect(relayed["media"]["initiator->responder"]["packets_in"] == 0, "media without keys",
               relayed)
    elif mode == "alter-reply-ephemeral":
        expect(relayed["signaling_altered"] == 1, "the relay altered nothing", relayed)
        expect_refused(alice, "bad_signature", bob, relayed)
        expect(bob["handshake"] == "not_established", "bob established anyway", bob)
    elif mode == "alter-finish-signature":
        expect(relayed["signaling_altered"] == 1, "the relay altered nothing", relayed)
        expect_refused(bob, "bad_signature", alice, relayed)
        # Alice cannot know her finish was altered; bob hangs up and takes no media.
        expect(alice["call_end"] != "completed", "alice's call completed", alice)
        expect(alice["media_accepted"] == 0, "alice received media from bob", alice)
    elif mode == "replay-hello":
        expect_call(alice, bob, relayed)
        expect(relayed["hellos_replayed"] == 1 and
               relayed["replay_connection_closed_by_responder"], "no replay was made", relayed)
        refusals = [r for r in bob["refusals"] if not r["primary"]]
        expect(len(refusals) == 1 and refusals[0]["failure"] == "replayed",
               "bob did not refuse the replayed hello as replayed", bob)
        for side in (alice, bob):
            expect(side["media_accepted"] == PACKETS, f"{side['user']}: lost media", side)
    elif mode == "alter-media":
        expect_call(alice, bob, relayed)
        for side in (alice, bob):
            altered = media_toward(relayed, side)["altered"]
            expect(altered == PACKETS // 10, "the relay altered too little", relayed)
            expect(side["authentication_failures"] == altered,
                   f"{side['user']}: {side['authentication_failures']} authentication failures "
                   f"for {altered} altered packets", side, relayed)
            expect(side["media_accepted"] == PACKETS - altered,
                   f"{side['user']}: accepted {side['media_accepted']}", side)
    elif mode == "replay-media":
        expect_call(alice, bob, relayed)
        for side in (alice, bob):
            replayed = media_toward(relayed, side)["replayed"]
            expect(replayed == PACKETS // 10, "the relay replayed too little", relayed)
            expect(side["replays_rejected"] == replayed,
                   f"{side['user']}: {side['replays_rejected']} replays rejected of {replayed}",
                   side, relayed)
            expect(side["media_accepted"] == PACKETS and side["authentication_failures"] == 0,
                   f"{side['user']}: accepted {side['media_accepted']}", side)
    elif mode == "reorder-media":
        expect_call(alice, bob, relayed)
        for side in (alice, bob):
            expect(media_toward(relayed, side)["reordered"] == PACKETS, "nothing reordered",
                   relayed)
            expect(side["media_accepted"] == PACKETS, f"{side['user']}: lost reordered media",
                   side)
            expect(side["out_of_order"] > 0, f"{side['user']}: saw no reordering", side)
            expect(side["late_packets_accepted"] >= 1,
                   f"{side['user']}: no packet crossed a rekey out of order", side)
            expect(side["authentication_failures"] == 0 and side["replays_rejected"] == 0,
                   f"{side['user']}: refused reordered packets", side)
    elif mode == "drop-media":
        expect_call(alice, bob, relayed)
        for side in (alice, bob):
            dropped = media_toward(relayed, side)["dropped"]
            expect(dropped == PACKETS // 10, "the relay dropped too little", relayed)
            expect(side["media_accepted"] == PACKETS - dropped,
                   f"{side['user']}: accepted {side['media_accepted']}", side)
            expect(side["authentication_failures"] == 0 and side["replays_rejected"] == 0,
                   f"{side['user']}: refused honest packets", side)
    else:
        fail("unknown mode")

    def counters(side):
        if side["handshake"] != "established":
            return f"{side['user']}: refused ({side['handshake_failure'] or side['call_end']})"
        return (f"{side['user']}: accepted {side['media_accepted']}, "
                f"auth failures {side['authentication_failures']}, "
                f"replays {side['replays_rejected']}, late {side['late_packets_accepted']}, "
                f"generation {side['inbound_generation']}, handshake {side['handshake_ms']:.1f} ms")

    print(f"e2e_mitm [{mode}] OK; {counters(alice)}; {counters(bob)}; relay: "
          f"{relayed['signaling_frames_forwarded']} signaling frames, "
          f"{json.dumps(relayed['media'])}, plaintext markers seen "
          f"{relayed['plaintext_markers_seen']}")

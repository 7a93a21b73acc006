"""Call benchmark (tests/bench/call.cmake): real `parley client` processes on
a private network on 127.0.0.1, against a plain UDP round trip measured in
the same run (udp_rtt).

Per call, alice calls bob, both play speech and record what they hear:
  setup         invite sent -> first media packet (the caller's setup_ms)
  mouth to ear  first sample captured at the sender -> the same sample played
                at the receiver. The engine writes one frame to the recording
                on every audio tick from its first (silence while its jitter
                buffer fills), so the recording starts at the receiver's first
                tick, its capture_start: mouth to ear = receiver capture_start
                + lag - sender capture_start, where lag is where wav_correlate
                finds the sender's source in the recording (timestamps are
                CLOCK_MONOTONIC on this machine). The wait before the first
                real frame (playback_start - receiver capture_start) is shown
                beside it.
  added         mouth to ear - one-way network (half the plain UDP RTT)
  wire          bytes per second on the wire per direction, vs the seed's
                5 KB/s for Skype

Usage: call_bench.py PARLEY WAV_CORRELATE UDP_RTT SAMPLE.wav WORK [--calls N] [--seconds S]
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                                "integration", "call"))
from call_network import Network, correlate, rotated_copy  # noqa: E402

SEED_WIRE_BYTES_PER_S = 5000


def mouth_to_ear_ms(sender, receiver, match):
    if not sender.get("capture_start_ns") or not receiver.get("capture_start_ns"):
        return None
    return (receiver["capture_start_ns"] - sender["capture_start_ns"]) / 1e6 + match["lag_ms"]


def playout_wait_ms(receiver):
    """From the receiver's first tick to its first frame that was not silence."""
    if not receiver.get("capture_start_ns") or not receiver.get("playback_start_ns"):
        return None
    return (receiver["playback_start_ns"] - receiver["capture_start_ns"]) / 1e6


def main():
    parser = argparse.ArgumentParser()
    for name in ("parley", "wav_correlate", "udp_rtt", "sample", "work"):
        parser.add_argument(name)
    parser.add_argument("--calls", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=6)
    args = parser.parse_args()
    shutil.rmtree(args.work, ignore_errors=True)
    os.makedirs(args.work)

    baseline = json.loads(subprocess.run([args.udp_rtt, "2000"], capture_output=True, text=True,
                                         check=True, timeout=60).stdout)
    one_way_ms = baseline["median_us"] / 2000
    print(f"baseline: plain UDP round trip on 127.0.0.1, 100-byte datagrams: median "
          f"{baseline['median_us']:.1f} us (min {baseline['min_us']:.1f}, p90 "
          f"{baseline['p90_us']:.1f}); one way {one_way_ms * 1000:.1f} us", flush=True)

    rotated = os.path.join(args.work, "rotated.wav")
    rotated_copy(args.sample, rotated, 3.7)
    rows = []
    with Network(args.parley, args.work) as net:
        net.register("alice", "bob")
        for i in range(args.calls):
            heard_a = os.path.join(args.work, f"alice-heard-{i}.wav")
            heard_b = os.path.join(args.work, f"bob-heard-{i}.wav")
            bob = net.client("bob", 1, "--auto-answer", "--calls", "1", "--play", rotated,
                             "--record", heard_b)
            alice = net.client("alice", 0, "--call", "bob", "--duration", str(args.seconds),
                               "--play", args.sample, "--record", heard_a, wait_published=False)
            status_a, status_b = alice.wait_exit(args.seconds + 30), bob.wait_exit(15)
            ra, rb = net.reports("alice")[-1], net.reports("bob")[-1]
            if status_a != 0 or ra["outcome"] != "completed":
                print(f"call {i + 1}: {ra['outcome']} ({ra['end_reason']}), exit {status_a}/"
                      f"{status_b}; left out", flush=True)
                continue
            to_bob = correlate(args.wav_correlate, args.sample, heard_b)
            to_alice = correlate(args.wav_correlate, rotated, heard_a)
            rows.append({
                "setup_ms": ra["setup_ms"],
                "m2e_ab": mouth_to_ear_ms(ra, rb, to_bob),
                "m2e_ba": mouth_to_ear_ms(rb, ra, to_alice),
                "wait_b": playout_wait_ms(rb), "wait_a": playout_wait_ms(ra),
                "corr_ab": to_bob["correlation"], "corr_ba": to_alice["correlation"],
                "wire_ab": ra["wire_bytes_per_s_out"], "wire_ba": rb["wire_bytes_per_s_out"],
                "rtt_ms": ra["rtt_ms"], "codec": ra["codec"], "path": ra["path"],
                "bitrate": ra["codec_bitrate_bps"], "loss_ab": rb["loss_pct"],
                "loss_ba": ra["loss_pct"]})

    if not rows:
        print("no call completed: no figures")
        return 1
    print(f"\n{len(rows)} calls of {args.seconds} s, alice -> bob, path {rows[0]['path']}, "
          f"codec {rows[0]['codec']} at {rows[0]['bitrate'] / 1000:.1f} kbit/s\n")
    header = (f"{'call':>4}  {'setup ms':>8}  {'m2e a->b ms':>11}  {'m2e b->a ms':>11}  "
              f"{'wait b ms':>9}  {'wait a ms':>9}  {'corr a->b':>9}  {'corr b->a':>9}  "
              f"{'wire a->b B/s':>13}  {'wire b->a B/s':>13}  {'RTT ms':>6}")
    print(header)

    def cell(value, fmt):
        return format(value, fmt) if value is not None else "-"

    for i, r in enumerate(rows):
        print(f"{i + 1:>4}  {r['setup_ms']:>8.1f}  {cell(r['m2e_ab'], '>11.1f')}  "
              f"{cell(r['m2e_ba'], '>11.1f')}  {cell(r['wait_b'], '>9.1f')}  "
              f"{cell(r['wait_a'], '>9.1f')}  {r['corr_ab']:>9.3f}  {r['corr_ba']:>9.3f}  "
              f"{r['wire_ab']:>13.0f}  {r['wire_ba']:>13.0f}  {r['rtt_ms']:>6.2f}")
    print("(wait: from the receiver's first audio tick to its first frame that was not silence)")

    def median(key):
        values = [r[key] for r in rows if r[key] is not None]
        return statistics.median(values) if values else None

    setup = median("setup_ms")
    m2e = [v for r in rows for v in (r["m2e_ab"], r["m2e_ba"]) if v is not None]
    wire_ab, wire_ba = median("wire_ab"), median("wire_ba")
    print("\nmedians, against the same run's plain UDP:")
    print(f"  call setup (invite -> first media packet): {setup:.1f} ms = "
          f"{setup / (baseline['median_us'] / 1000):.0f}x a plain UDP round trip")
    if m2e:
        m = statistics.median(m2e)
        print(f"  mouth to ear: {m:.1f} ms; added by Parley (minus one-way network "
              f"{one_way_ms * 1000:.1f} us): {m - one_way_ms:.1f} ms")
    else:
        print("  mouth to ear: the reports carry no capture/playback timestamps")
    print(f"  on the wire: alice -> bob {wire_ab:.0f} B/s = {wire_ab / SEED_WIRE_BYTES_PER_S:.2f}x"
          f" the seed's 5 KB/s; bob -> alice {wire_ba:.0f} B/s = "
          f"{wire_ba / SEED_WIRE_BYTES_PER_S:.2f}x")
    print(json.dumps({"udp_rtt_us": baseline["median_us"], "setup_ms": setup,
                      "mouth_to_ear_ms": statistics.median(m2e) if m2e else None,
                      "added_ms": statistics.median(m2e) - one_way_ms if m2e else None,
                      "wire_ab_bytes_per_s": wire_ab, "wire_ba_bytes_per_s": wire_ba,
                      "calls": len(rows)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Writes seed inputs for jitter_buffer_fuzz (format in jitter_buffer_fuzz.cpp):
clean, lossy, reordered, duplicated and skewed streams for each codec setup,
plus raw garbage packets. Usage: jitter_buffer_seeds.py DIR"""
import os
import random
import sys


def record(flags, advance_ms, body):
    body = bytes(body[:255])
    return bytes([flags, advance_ms, len(body)]) + body


def shaped(seq, ts, payload, ssrc_b=False):
    head = bytes([(seq >> 8) & 255, seq & 255, (ts >> 24) & 255, (ts >> 16) & 255,
                  (ts >> 8) & 255, ts & 255])
    return (1 | (2 if ssrc_b else 0)), head + payload


def stream(rng, setup, frames, loss=0.0, reorder=0.0, dup=0.0, step_ms=20, seq0=65500):
    codec = setup & 3
    frame_ms = [20, 10, 40, 60][(setup >> 2) & 3]
    ticks = (48 if codec in (1, 2) else 8) * frame_ms
    out = bytearray([setup])
    pending = []
    for n in range(frames):
        if rng.random() < loss:
            continue
        if codec in (1, 2):
            payload = bytes([0x78]) + bytes(rng.randrange(256) for _ in range(rng.randrange(2, 60)))
        else:
            payload = bytes(rng.randrange(256) for _ in range(8 * frame_ms))
        flags, body = shaped((seq0 + n) & 0xffff, (0xfffff000 + n * ticks) & 0xffffffff, payload)
        item = record(flags, step_ms if frame_ms == 20 else frame_ms, body)
        if len(out) + 2 * len(item) > 4000:  # run-fuzzers.sh uses -max_len=4096
            break
        if rng.random() < reorder:
            pending.append(item)
            continue
        out += item
        if rng.random() < dup:
            out += record(flags, 0, body)
        while pending and rng.random() < 0.5:
            out += pending.pop()
    for item in pending:
        out += item
    return bytes(out)


def main():
    directory = sys.argv[1]
    os.makedirs(directory, exist_ok=True)
    rng = random.Random(1)
    seeds = {}
    for setup, name in [(0, "pcmu"), (1, "opus"), (2, "opus-fec"), (3, "pcmu-48k"), (5, "opus-10ms"),
                        (9, "opus-40ms"), (12, "pcmu-60ms")]:
        seeds[f"{name}-clean"] = stream(rng, setup, 40)
        seeds[f"{name}-lossy"] = stream(rng, setup, 60, loss=0.2, reorder=0.1, dup=0.1)
    seeds["opus-fast-sender"] = stream(rng, 1, 80, step_ms=19)
    seeds["opus-slow-sender"] = stream(rng, 1, 80, step_ms=21)
    garbage = bytearray([0])
    for _ in range(30):
        garbage += record(0, rng.randrange(40), bytes(rng.randrange(256) for _ in range(rng.randrange(40))))
    seeds["raw-garbage"] = bytes(garbage)
    for name, data in seeds.items():
        with open(os.path.join(directory, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Writes seed inputs for overlay_messages_fuzz: one well-formed frame of each
overlay message kind (proto/overlay.proto), hand-encoded, plus a few that break
a bound. Usage: overlay_messages_seeds.py DIR"""
import os
import sys


def varint(n):
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def field(number, value):
    if isinstance(value, int):
        return varint(number << 3) + varint(value)
    if isinstance(value, str):
        value = value.encode()
    return varint((number << 3) | 2) + varint(len(value)) + value


def message(*fields):
    return b"".join(fields)


def overlay(number, body):
    return field(number, body)


HELLO = message(field(1, "parley-overlay"), field(2, 1), field(3, 0), field(4, "parley 0.1.0"))
GRANT = message(field(1, "127.0.0.1:3478"), field(2, bytes(range(16))))
ROUTE = message(field(1, "0123456789abcdef0123456789abcdef"), field(2, 1), field(3, "alice"),
                field(4, "bob"), field(5, "127.0.0.1:7460"), field(6, bytes(32)),
                field(7, "127.0.0.1:7461"), field(8, bytes(32)), field(9, GRANT),
                field(10, b"\x0a\x02hi" * 10), field(11, 1))

SEEDS = {
    "hello": overlay(1, HELLO),
    "attach_anonymous": overlay(2, message(field(1, "laptop"))),
    "attach_user": overlay(2, message(field(1, "laptop"), field(2, b"PLC1\x01\x05alice" + bytes(136)),
                                      field(3, bytes(64)))),
    "attach_bad_proof": overlay(2, message(field(2, b"PLC1"), field(3, bytes(10)))),
    "attach_ok": overlay(3, message(field(1, "1.2.3.4:5"), field(2, 60), field(3, 3478),
                                    field(4, "alice"), field(5, "127.0.0.1:7460"))),
    "list_response": overlay(8, message(*[field(1, message(field(1, "10.0.0.%d:7460" % i),
                                                           field(2, bytes(32))))
                                          for i in range(5)])),
    "peer": overlay(9, message(field(1, "127.0.0.1:7460"), field(2, bytes(32)),
                               field(3, "127.0.0.1:7460"))),
    "publish_presence": overlay(11, message(field(1, bytes(400)))),
    "publish_result": overlay(12, message(field(1, 7), field(2, "too often"))),
    "search_request": overlay(13, message(field(1, 9), field(2, "al"), field(3, 1),
                                          field(4, 5000), field(5, 50))),
    "search_response": overlay(14, message(field(1, 9), field(2, bytes(300)), field(2, bytes(300)))),
    "subscribe": overlay(15, message(*[field(1, "user%d" % i) for i in range(20)])),
    "subscribe_too_many": overlay(15, message(*[field(1, "u%d" % i) for i in range(201)])),
    "presence_notice": overlay(16, message(field(1, "bob"), field(2, bytes(200)))),
    "call_route": overlay(17, ROUTE),
    "call_route_big_payload": overlay(17, message(field(1, "c"), field(10, bytes(4097)))),
    "call_route_failed": overlay(18, message(field(1, "c1"), field(2, "not attached here"))),
    "relay_offer": overlay(19, message(field(1, "c1"), field(2, GRANT))),
    "relay_offer_short_token": overlay(19, message(field(1, "c1"),
                                                   field(2, message(field(2, b"short"))))),
    "empty": b"",
}


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Integration tests of `parley login-server` and `parley account` over real
TLS on loopback. Usage: login_server_test.py PATH/TO/parley CASE

Every wait is on an event (a line of output, a process exit, a socket) with a
deadline; the only pauses are the ones the server's backoff itself demands."""
import base64
import json
import os
import signal
import socket
import sqlite3
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from parley_process import Process  # noqa: E402

PARLEY = sys.argv[1]
CASE = sys.argv[2]
DEADLINE_S = 30


def fail(message):
    print(f"FAIL [{CASE}]: {message}", file=sys.stderr)
    sys.exit(1)


def check(condition, message):
    if not condition:
        fail(message)


class Server(Process):
    """One login server process (its output pumped by parley_process); stopped
    (or killed) and reaped by the test."""

    def __init__(self, data_dir, *extra):
        self.data_dir = data_dir
        super().__init__(f"login server {os.path.basename(data_dir)}",
                         [PARLEY, "login-server", "--data-dir", data_dir, "--listen",
                          "127.0.0.1:0", *extra])
        try:
            self.port = int(self.wait_for(r"listening on \S+:(\d+)$", DEADLINE_S).group(1))
            self.key = self.wait_for(r"public key (\S+)", DEADLINE_S).group(1)
            check(self.key.startswith("ed25519:"), f"no public key printed: {self.output()}")
        except BaseException:  # a failed wait or check: no server left running
            self.kill()
            raise

    @property
    def address(self):
        return f"127.0.0.1:{self.port}"

    def shut_down(self):
        """SIGTERM, then the statistics line it prints on the way out."""
        if self.running():
            status = self.stop(signal.SIGTERM, grace_s=DEADLINE_S)
            check(status != -signal.SIGKILL, "login server did not stop on SIGTERM")
            # Non-zero also when a sanitizer found a leak or an error on the way out.
            check(status == 0, f"login server exited {status}: {self.output()}")
        stopped = self.wait_for(r"stopped; (.*)", DEADLINE_S)
        return dict(item.split("=") for item in stopped.group(1).split())


class Client:
    """`parley account` with its own XDG data folder (identity keys, certificates)."""

    def __init__(self, home):
        self.env = dict(os.environ, XDG_DATA_HOME=os.path.join(home, "data"),
                        XDG_CONFIG_HOME=os.path.join(home, "config"))
        self.data = os.path.join(home, "data", "parley", "identity")

    def run(self, *args, stdin=""):
        return subprocess.run([PARLEY, "account", *args], input=stdin, capture_output=True,
                              text=True, env=self.env, timeout=DEADLINE_S)

    def register(self, server, user, password="password-1", *extra):
        return self.run("register", "--server", server.address, "--server-key", server.key,
                        "--user", user, "--password-file", "-", *extra, stdin=password + "\n")

    def login(self, server, user, password="password-1", key=None):
        return self.run("login", "--server", server.address, "--server-key", key or server.key,
                        "--user", user, "--password-file", "-", stdin=password + "\n")

    def certificate_file(self, user):
        return os.path.join(self.data, user, "certificate")


def admin(server_dir, *args, stdin=""):
    return subprocess.run([PARLEY, "login-server", "--data-dir", server_dir, "admin", *args],
                          input=stdin, capture_output=True, text=True, timeout=DEADLINE_S)


def expect_ok(run, what):
    check(run.returncode == 0, f"{what}: exit {run.returncode}: {run.stdout} {run.stderr}")


def expect_refused(run, code, what):
    check(run.returncode != 0, f"{what}: expected {code}, but it succeeded: {run.stdout}")
    check(f"({code})" in run.stderr, f"{what}: expected {code}: {run.stderr.strip()}")


def mode(path):
    return os.stat(path).st_mode & 0o777


# ---------------------------------------------------------------- cases

def case_register_login(tmp):
    server = Server(os.path.join(tmp, "server"))
    client = Client(os.path.join(tmp, "client"))
    try:
        run = client.register(server, "alice")
        expect_ok(run, "register")
        check("registered alice" in run.stdout, run.stdout)
        key_file = os.path.join(client.data, "alice", "identity_key.pem")
        check(mode(key_file) == 0o600, f"identity key mode {oct(mode(key_file))}")
        check(mode(client.certificate_file("alice")) == 0o600, "certificate mode")
        check(mode(os.path.join(client.data, "alice")) == 0o700, "identity folder mode")
        check(mode(os.path.join(server.data_dir, "server_key.pem")) == 0o600, "server key mode")
        check(mode(os.path.join(server.data_dir, "accounts.sqlite")) == 0o600, "database mode")
        expect_refused(client.register(server, "alice"), "USER_EXISTS", "second registration")

        expect_ok(client.login(server, "alice"), "login")
        show = client.run("show", "--user", "alice", "--json")
        expect_ok(show, "show")
        shown = json.loads(show.stdout)
        check(shown["certificate"]["status"] == "valid", shown)
        check(shown["certificate"]["key"] == shown["identity_key"], shown)
        expect_ok(client.run("verify", "--user", "alice", "--server-key", server.key), "verify")
        expect_ok(client.run("renew", "--user", "alice", "--force"), "renew")
        renewed = client.run("renew", "--user", "alice")
        expect_ok(renewed, "renew when not due")
        check("renewal is due at" in renewed.stdout, renewed.stdout)

        # Password change: the old password stops working, older certificates
        # can no longer be renewed, the new password works.
        passwd = client.run("passwd", "--server", server.address, "--server-key", server.key,
                            "--user", "alice", stdin="password-1\npassword-2\n")
        expect_ok(passwd, "passwd")
        expect_refused(client.run("renew", "--user", "alice", "--force"), "CERTIFICATE_REFUSED",
                       "renewal after a password change")
        expect_refused(client.login(server, "alice", "password-1"), "INVALID_CREDENTIALS",
                       "old password")
        expect_ok(client.login(server, "alice", "password-2"), "new password")
        expect_refused(client.register(server, "bob", "short"), "WEAK_PASSWORD", "weak password")

        listed = admin(server.data_dir, "list", "--json")
        expect_ok(listed, "admin list")
        accounts = {a["user_id"]: a for a in json.loads(listed.stdout)}
        check(set(accounts) == {"alice"}, accounts)
        check(accounts["alice"]["status"] == "enabled", accounts)
        check(accounts["alice"]["password_changed_at"] > 0, accounts)
        stats = server.shut_down()
        check(stats.get("registrations") == "1" and stats.get("renewals") == "1", stats)
        # Nothing secret reaches the server's output.
        for line in server.log:
            check("password-" not in line, f"password in server output: {line}")
    finally:
        server.kill()


def case_wrong_password(tmp):
    server = Server(os.path.join(tmp, "server"))
    client = Client(os.path.join(tmp, "client"))
    try:
        expect_ok(client.register(server, "alice", "password-1", "--no-login"), "register")
        wrong = client.login(server, "alice", "password-x")
        expect_refused(wrong, "INVALID_CREDENTIALS", "wrong password")
        unknown = client.login(server, "nobody", "password-1")
        expect_refused(unknown, "INVALID_CREDENTIALS", "unknown user")
        # One answer for both: the server does not say which user ids exist.
        check(wrong.stderr.split(":", 1)[1] == unknown.stderr.split(":", 1)[1],
              f"{wrong.stderr} vs {unknown.stderr}")
        check(not os.path.exists(client.certificate_file("alice")), "no certificate on failure")
        expect_ok(client.login(server, "alice", "password-1"), "right password")
    finally:
        server.kill()


def case_disabled_account(tmp):
    server = Server(os.path.join(tmp, "server"))
    client = Client(os.path.join(tmp, "client"))
    try:
        expect_ok(client.register(server, "alice"), "register")
        added = admin(server.data_dir, "add", "carol", "--password-file", "-",
                      stdin="password-3\n")
        expect_ok(added, "admin add")
        expect_ok(client.login(server, "carol", "password-3"), "login as an admin-added user")
        expect_ok(admin(server.data_dir, "disable", "alice"), "disable (server running)")
        expect_refused(client.login(server, "alice"), "ACCOUNT_DISABLED", "disabled login")
        expect_refused(client.login(server, "alice", "password-x"), "INVALID_CREDENTIALS",
                       "disabled account, wrong password")
        expect_refused(client.run("renew", "--user", "alice", "--force"), "ACCOUNT_DISABLED",
                       "disabled renewal")
        table = admin(server.data_dir, "list")
        expect_ok(table, "admin list")
        rows = {line.split()[0]: line.split()[1] for line in table.stdout.splitlines()[1:]
                if line and not line.endswith("account(s)")}
        check(rows == {"alice": "disabled", "carol": "enabled"}, table.stdout)
        check(admin(server.data_dir, "disable", "nobody").returncode == 1, "disable unknown")
        expect_ok(admin(server.data_dir, "enable", "alice"), "enable")
        expect_ok(client.login(server, "alice"), "login after enable")
    finally:
        server.kill()


def retry_after_ms(run):
    return int(run.stderr.split("retry after ")[1].split(" ms")[0])


def case_throttling(tmp):
    # Test-only configuration. Each `parley account login` is a new process
    # (0.4-0.55 s idle in an ASan build, a few times that on a loaded
    # machine), so a backoff must outlast several of them for attempts to be
    # sure to land inside it. Per account: 3 free failures, then 5 s (waited
    # out once below), capped at 10 s. Per address: 6 free failures, then
    # 10 s (never waited out), capped at 20 s.
    server = Server(os.path.join(tmp, "server"), "--account-free-failures", "3",
                    "--account-backoff-base-ms", "5000", "--account-backoff-cap-ms", "10000",
                    "--address-free-failures", "6", "--address-backoff-base-ms", "10000",
                    "--address-backoff-cap-ms", "20000")
    client = Client(os.path.join(tmp, "client"))
    try:
        for user in ("alice", "bob", "carol", "dave"):
            expect_ok(client.register(server, user, "password-1", "--no-login"), f"register {user}")
        for attempt in range(3):
            expect_refused(client.login(server, "alice", "guess-%d" % attempt),
                           "INVALID_CREDENTIALS", f"guess {attempt}")
        # Now a burst of attempts, even with the right password, is refused
        # unchecked until the backoff has passed.
        burst = [client.login(server, "alice", "password-1") for _ in range(4)]
        refused = [r for r in burst if "(THROTTLED)" in r.stderr]
        print(f"burst: {len(refused)} of {len(burst)} throttled, retry after "
              f"{[retry_after_ms(r) for r in refused]} ms", flush=True)
        check(len(refused) >= 1, f"no attempt was throttled: {[r.stderr for r in burst]}")
        check(not any(r.returncode == 0 for r in burst[:1]), "first attempt in backoff succeeded")
        retry_ms = retry_after_ms(refused[0])
        check(0 < retry_ms <= 5000, f"retry after {retry_ms} ms")
        # Other accounts are not held back by alice's failures.
        expect_ok(client.login(server, "bob"), "another account")
        # Waiting out the backoff: the only pause, and the one the server names.
        time.sleep(retry_after_ms(refused[-1]) / 1000 + 0.05)
        expect_ok(client.login(server, "alice", "password-1"), "after the backoff")

        # Per address: failures spread over accounts still slow the address.
        # Its 3 failures so far (alice's success cleared only her account's)
        # and these 3 make 6, each counted: none of these accounts is past
        # its free failures, nor the address before the sixth.
        for attempt, user in enumerate(("bob", "carol", "dave")):
            expect_refused(client.login(server, user, "guess-%d" % attempt),
                           "INVALID_CREDENTIALS", f"{user}'s wrong password")
        # The next attempt from the address, for an account with no failure
        # and the right password, lands inside the address's 10 s backoff.
        run = client.login(server, "alice", "password-1")
        expect_refused(run, "THROTTLED", "address over its free failures")
        retry_ms = retry_after_ms(run)
        check(0 < retry_ms <= 10000, f"address: retry after {retry_ms} ms")
        stats = server.shut_down()
        throttled = int(stats["throttled"])
        check(throttled == len(refused) + 1, stats)
        # Refused attempts cost no Argon2: hashes = 4 registrations + the
        # attempts that were actually checked.
        checked = int(stats["logins"]) + int(stats["failures"])
        check(int(stats["failures"]) == 6, stats)
        check(int(stats["argon2_hashes"]) == 4 + checked, stats)
    finally:
        server.kill()


def flipped(data, index):
    changed = bytearray(data)
    changed[index] ^= 0x01
    return bytes(changed)


def case_certificates(tmp):
    server_a = Server(os.path.join(tmp, "server-a"))
    server_b = Server(os.path.join(tmp, "server-b"))
    client_a = Client(os.path.join(tmp, "client-a"))
    client_b = Client(os.path.join(tmp, "client-b"))
    try:
        expect_ok(client_a.register(server_a, "alice"), "register at A")
        expect_ok(client_b.register(server_b, "alice"), "register at B")
        with open(client_a.certificate_file("alice"), "rb") as f:
            genuine = f.read()
        with open(client_b.certificate_file("alice"), "rb") as f:
            from_b = f.read()

        def verify(data, *extra):
            path = os.path.join(tmp, "candidate")
            with open(path, "wb") as f:
                f.write(data)
            return client_a.run("verify", "--certificate", path, "--server-key", server_a.key,
                                "--expect-user", "alice", *extra)

        def refused(run, status, phrase, what):
            check(run.returncode == 1, f"{what}: accepted: {run.stdout}")
            check(f"certificate refused ({status})" in run.stderr, f"{what}: {run.stderr}")
            check(phrase in run.stderr, f"{what}: no '{phrase}' in {run.stderr}")

        expect_ok(verify(genuine), "genuine certificate")
        user_length = genuine[5]
        refused(verify(flipped(genuine, len(genuine) - 1)), "bad_signature", "forged or altered",
                "altered signature")
        refused(verify(flipped(genuine, 46 + user_length + 7)), "bad_signature",
                "forged or altered", "extended validity")
        refused(verify(genuine, "--at", str(int(time.time()) + 3 * 86400)), "expired",
                "certificate has expired", "expired")
        refused(verify(genuine, "--at", "1000000000"), "not_yet_valid", "not yet valid",
                "not yet valid")
        verify(genuine)  # leaves the genuine bytes in the candidate file
        other_user = client_a.run("verify", "--certificate", os.path.join(tmp, "candidate"),
                                  "--server-key", server_a.key, "--expect-user", "bob")
        refused(other_user, "wrong_user", "for user 'alice', not 'bob'", "another user")
        refused(verify(from_b), "wrong_issuer", "signed by another server key", "other server")
        refused(verify(genuine[:-10]), "malformed", "malformed certificate", "truncated")

        # A forged certificate in the client's own store is not renewed.
        with open(client_a.certificate_file("alice"), "wb") as f:
            f.write(flipped(genuine, len(genuine) - 1))
        run = client_a.run("renew", "--user", "alice", "--force")
        check(run.returncode == 1 and "cannot be renewed" in run.stderr, run.stderr)
    finally:
        server_a.kill()
        server_b.kill()


def case_pinning(tmp):
    server = Server(os.path.join(tmp, "server"))
    impostor = Server(os.path.join(tmp, "impostor"))
    client = Client(os.path.join(tmp, "client"))
    try:
        expect_ok(client.register(server, "alice"), "register")
        # The client pins the real server's key but reaches the impostor.
        run = client.login(impostor, "alice", key=server.key)
        check(run.returncode == 1, "a client talked to a server with another key")
        check("server key mismatch" in run.stderr, run.stderr)
        check(impostor.key in run.stderr, f"the presented key is named: {run.stderr}")
        stats = impostor.shut_down()
        # The impostor never got as far as a request: no password reached it.
        check(stats.get("failures") == "0" and stats.get("logins") == "0", stats)
        check(stats.get("failed_handshakes") == "1", stats)
        bad_key = client.run("login", "--server", server.address, "--server-key", "ed25519:abc",
                             "--user", "alice", "--password-file", "-", stdin="x\n")
        check(bad_key.returncode == 2 and "--server-key must be" in bad_key.stderr, bad_key.stderr)
    finally:
        server.kill()
        impostor.kill()


def tls_connect(port, version):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.minimum_version = version
    context.maximum_version = version
    raw = socket.create_connection(("127.0.0.1", port), timeout=DEADLINE_S)
    return context.wrap_socket(raw)


def case_tls_versions(tmp):
    server = Server(os.path.join(tmp, "server"))
    try:
        try:
            conn = tls_connect(server.port, ssl.TLSVersion.TLSv1_2)
            conn.close()
            fail("the server accepted TLS 1.2")
        except (ssl.SSLError, ConnectionResetError, OSError) as error:
            print(f"TLS 1.2 refused: {error}")
        # Control: TLS 1.3 gets through, and the certificate carries the
        # server's printed Ed25519 key (SubjectPublicKeyInfo prefix + 32 bytes).
        conn = tls_connect(server.port, ssl.TLSVersion.TLSv1_3)
        check(conn.version() == "TLSv1.3", conn.version())
        der = conn.getpeercert(binary_form=True)
        conn.close()
        raw_key = base64.b64decode(server.key.split(":", 1)[1])
        spki = bytes.fromhex("302a300506032b6570032100") + raw_key
        check(spki in der, "the TLS certificate does not carry the printed key")
        stats = server.shut_down()
        check(stats.get("failed_handshakes") == "1", stats)
    finally:
        server.kill()


def frame(payload):
    return struct.pack(">I", len(payload)) + payload


def read_frame(conn):
    header = b""
    while len(header) < 4:
        chunk = conn.recv(4 - len(header))
        if not chunk:
            return None
        header += chunk
    length = struct.unpack(">I", header)[0]
    body = b""
    while len(body) < length:
        chunk = conn.recv(length - len(body))
        if not chunk:
            return None
        body += chunk
    return body


def closed(conn):
    try:
        return conn.recv(1) == b""
    except (ssl.SSLError, ConnectionResetError, OSError):
        return True


def case_protocol_errors(tmp):
    server = Server(os.path.join(tmp, "server"))
    try:
        # A request before Hello: answered with a reason, then closed.
        conn = tls_connect(server.port, ssl.TLSVersion.TLSv1_3)
        register = b"\x12" + bytes([18]) + b"\x0a\x05alice\x12\x09password1"
        conn.sendall(frame(register))
        answer = read_frame(conn)
        check(answer is not None and b"send Hello first" in answer, answer)
        check(closed(conn), "connection stays open after an out-of-order request")
        conn.close()
        # Another major version: refused with the versions named.
        conn = tls_connect(server.port, ssl.TLSVersion.TLSv1_3)
        hello = b"\x0a" + bytes([16]) + b"\x0a\x0cparley-login\x10\x02"
        conn.sendall(frame(hello))
        answer = read_frame(conn)
        check(answer is not None and b"parley-login version 1" in answer, answer)
        conn.close()
        # An oversize frame (the login limit is 4096 bytes): closed unanswered.
        conn = tls_connect(server.port, ssl.TLSVersion.TLSv1_3)
        conn.sendall(struct.pack(">I", 4097))
        check(closed(conn), "oversize frame not refused")
        conn.close()
        # Garbage: refused with a reason.
        conn = tls_connect(server.port, ssl.TLSVersion.TLSv1_3)
        conn.sendall(frame(b"\xff\xff\xff\xff\x0f"))
        answer = read_frame(conn)
        check(answer is not None and b"not a login protocol message" in answer, answer)
        conn.close()
        # The server still serves a normal client afterwards.
        client = Client(os.path.join(tmp, "client"))
        expect_ok(client.register(server, "alice"), "register after abuse")
    finally:
        server.kill()


def case_crash_during_registrations(tmp):
    data = os.path.join(tmp, "server")
    server = Server(data, "--registrations-per-hour", "0")
    client = Client(os.path.join(tmp, "client"))
    acknowledged = []
    lock = threading.Lock()
    stop = threading.Event()
    enough = threading.Event()

    def register_loop(worker):
        n = 0
        while not stop.is_set():
            user = f"user-{worker}-{n}"
            n += 1
            try:
                run = client.register(server, user, "password-1", "--no-login")
            except subprocess.TimeoutExpired:
                continue
            if run.returncode == 0 and f"registered {user}" in run.stdout:
                with lock:
                    acknowledged.append(user)
                    if len(acknowledged) >= 16:
                        enough.set()

    workers = [threading.Thread(target=register_loop, args=(w,)) for w in range(4)]
    try:
        for w in workers:
            w.start()
        check(enough.wait(timeout=120), f"only {len(acknowledged)} registrations acknowledged")
        server.kill()  # kill -9 mid-burst: requests are in flight
        stop.set()
        for w in workers:
            w.join(timeout=DEADLINE_S)
        with lock:
            acked = list(acknowledged)
        print(f"crash: {len(acked)} registrations acknowledged before kill -9")

        database = os.path.join(data, "accounts.sqlite")
        listed = admin(data, "list", "--json")
        expect_ok(listed, "admin list after the crash")
        present = {a["user_id"] for a in json.loads(listed.stdout)}
        missing = [u for u in acked if u not in present]
        check(not missing, f"acknowledged but lost: {missing}")
        db = sqlite3.connect(database)
        integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
        db.close()
        check(integrity == "ok", f"integrity_check: {integrity}")

        restarted = Server(data)
        try:
            check(restarted.key == server.key, "the signing key changed across the restart")
            expect_ok(client.login(restarted, acked[0]), "login after the restart")
            expect_ok(client.login(restarted, acked[-1]), "login after the restart")
        finally:
            restarted.kill()
    finally:
        stop.set()
        server.kill()
        for w in workers:
            w.join(timeout=DEADLINE_S)


CASES = {name[len("case_"):]: fn for name, fn in globals().items() if name.startswith("case_")}

if CASE not in CASES:
    fail(f"unknown case; known: {sorted(CASES)}")
with tempfile.TemporaryDirectory(prefix="parley-login-") as tmp:
    try:
        CASES[CASE](tmp)
    except AssertionError as error:  # a wait that failed (parley_process)
        fail(str(error))
print(f"login_server {CASE}: ok")

"""Black-box test harness: starts the real krpc-server binary with real plugins,
talks to it over real sockets, and counts checks.

Each test file defines functions decorated with @test and ends with
`run_tests()`. The server is started on port 0; its chosen ports are read from
its start-up output, so nothing waits on a sleep.
"""
import argparse
import os
import select
import signal
import socket
import subprocess
import sys
import time
import traceback

import krpc_pb2 as pb  # generated from proto/krpc.proto at build time

OPTIONS = None
_tests = []


def test(fn):
    _tests.append(fn)
    return fn


class CheckFailed(Exception):
    pass


class Results:
    def __init__(self):
        self.passed = 0
        self.failed = 0


RESULTS = Results()


def check(cond, what):
    if not cond:
        raise CheckFailed(what)


def eq(actual, expected, what=""):
    if actual != expected:
        raise CheckFailed("%s: expected %r, got %r" % (what, expected, actual))


# ---- the server ----------------------------------------------------------

class Server:
    """A krpc-server process on ephemeral ports."""

    def __init__(self, *extra, plugins=None, startup_timeout=20):
        args = [OPTIONS.server, "--rpc-port", "0", "--stream-port", "0"]
        for p in (OPTIONS.plugin if plugins is None else plugins):
            args += ["--plugin", p]
        args += list(extra)
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.values = {}
        self.output = b""
        deadline = time.monotonic() + startup_timeout
        fd = self.proc.stdout.fileno()
        # read the start-up lines straight from the pipe (no buffered readline
        # hiding lines from select)
        while b"Server started successfully\n" not in self.output:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.kill()
                raise RuntimeError("server did not start: %r" % self.output)
            ready, _, _ = select.select([fd], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(fd, 4096)
            if not chunk:
                err = self.proc.stderr.read().decode(errors="replace")
                raise RuntimeError("server exited during start-up: " + err)
            self.output += chunk
        for line in self.output.decode().splitlines():
            if " = " in line:
                k, v = line.split(" = ", 1)
                self.values[k] = v
        self.rpc_port = int(self.values["rpc_port"])
        self.stream_port = int(self.values["stream_port"])

    def stop(self):
        """Stop with SIGTERM; returns the exit code and stderr."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            _, err = self.proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            _, err = self.proc.communicate()
        return self.proc.returncode, err.decode(errors="replace")

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.communicate()

    def alive(self):
        return self.proc.poll() is None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        code, err = self.stop()
        if exc[0] is None and code != 0:
            raise CheckFailed("server exited with %d: %s" % (code, err[-2000:]))


# ---- wire helpers ----------------------------------------------------------

def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def zigzag(n):
    return (n << 1) ^ (n >> 63)


def enc_sint32(n):
    return varint(((n << 1) ^ (n >> 31)) & 0xFFFFFFFF)


def enc_string(s):
    b = s.encode() if isinstance(s, str) else s
    return varint(len(b)) + b


def dec_varint(b, i=0):
    n = shift = 0
    while True:
        c = b[i]
        i += 1
        n |= (c & 0x7F) << shift
        shift += 7
        if not c & 0x80:
            return n, i


def dec_string(b):
    n, i = dec_varint(b)
    return b[i:i + n].decode()


def dec_sint(b):
    n, _ = dec_varint(b)
    return (n >> 1) ^ -(n & 1)


def frame(msg):
    data = msg.SerializeToString() if hasattr(msg, "SerializeToString") else bytes(msg)
    return varint(len(data)) + data


class Framed:
    """A socket carrying varint-framed messages (TCP, local sockets)."""

    def __init__(self, sock, timeout=5):
        self.sock = sock
        self.sock.settimeout(timeout)
        self.buf = b""

    def send(self, data):
        self.sock.sendall(data)

    def send_msg(self, msg):
        self.send(frame(msg))

    def _fill(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed by the server")
            self.buf += chunk

    def recv_raw(self):
        i = n = shift = 0
        while True:
            self._fill(i + 1)
            c = self.buf[i]
            i += 1
            n |= (c & 0x7F) << shift
            shift += 7
            if not c & 0x80:
                break
        self._fill(i + n)
        data = self.buf[i:i + n]
        self.buf = self.buf[i + n:]
        return data

    def recv(self, cls):
        m = cls()
        m.ParseFromString(self.recv_raw())
        return m

    def closed_by_server(self, timeout=5):
        """True if the server closes the connection without sending anything more."""
        self.sock.settimeout(timeout)
        try:
            return self.buf == b"" and self.sock.recv(1) == b""
        except ConnectionResetError:
            return True
        except socket.timeout:
            return False

    def settimeout(self, t):
        self.sock.settimeout(t)

    def close(self):
        self.sock.close()


class Conn(Framed):
    """One TCP connection to the server, with varint-framed messages."""

    def __init__(self, port, timeout=5):
        sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().__init__(sock, timeout)


class Client:
    """An RPC connection after a successful handshake, plus an optional stream."""

    def __init__(self, server, name="test", stream=False):
        self.server = server
        self.rpc = Conn(server.rpc_port)
        req = pb.ConnectionRequest(type=pb.ConnectionRequest.RPC, client_name=name)
        self.rpc.send_msg(req)
        resp = self.rpc.recv(pb.ConnectionResponse)
        check(resp.status == pb.ConnectionResponse.OK, "handshake: %s" % resp.message)
        self.id = resp.client_identifier
        self.stream = None
        if stream:
            self.stream = Conn(server.stream_port)
            self.stream.send_msg(pb.ConnectionRequest(type=pb.ConnectionRequest.STREAM,
                                                      client_identifier=self.id))
            sresp = self.stream.recv(pb.ConnectionResponse)
            check(sresp.status == pb.ConnectionResponse.OK, "stream handshake: %s" % sresp.message)

    def request(self, *calls):
        req = pb.Request()
        for c in calls:
            req.calls.append(c)
        self.rpc.send_msg(req)
        return self.rpc.recv(pb.Response)

    def call(self, service, procedure, *args):
        """One call; args are already-encoded values (bytes) or None for null."""
        resp = self.request(make_call(service, procedure, *args))
        check(not resp.HasField("error"), "request error: %s" % resp.error.description)
        eq(len(resp.results), 1, "results")
        return resp.results[0]

    def value(self, service, procedure, *args):
        r = self.call(service, procedure, *args)
        check(not r.HasField("error"), "%s.%s failed: %s" % (service, procedure, r.error.description))
        return r.value

    def stream_update(self):
        return self.stream.recv(pb.StreamUpdate)

    def close(self):
        self.rpc.close()
        if self.stream:
            self.stream.close()


def make_call(service, procedure, *args, **kw):
    c = pb.ProcedureCall(service=service, procedure=procedure, **kw)
    for i, a in enumerate(args):
        if a is None:
            c.arguments.add(position=i, is_null=True)
        else:
            c.arguments.add(position=i, value=a)
    return c


def clients_of(c):
    """KRPC.Clients as (id, name, address) tuples; c is anything with value()."""
    lst = pb.List()
    lst.ParseFromString(c.value("KRPC", "get_Clients"))
    out = []
    for item in lst.items:
        t = pb.Tuple()
        t.ParseFromString(item)
        n, i = dec_varint(t.items[0])
        out.append((t.items[0][i:i + n], dec_string(t.items[1]), dec_string(t.items[2])))
    return out


def no_stream_update(c, seconds):
    """True if c's stream connection receives nothing for the given time."""
    c.stream.sock.settimeout(seconds)
    try:
        c.stream_update()
        return False
    except OSError:
        return True


# ---- running ---------------------------------------------------------------

def run_tests():
    global OPTIONS
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", required=True)
    ap.add_argument("--plugin", action="append", default=[])
    ap.add_argument("--only", action="append", default=[])
    OPTIONS = ap.parse_args()
    for fn in _tests:
        if OPTIONS.only and not any(o in fn.__name__ for o in OPTIONS.only):
            continue
        try:
            fn()
            RESULTS.passed += 1
            print("ok   %s" % fn.__name__, flush=True)
        except Exception as e:  # a failed check or an unexpected error
            RESULTS.failed += 1
            detail = str(e) if isinstance(e, CheckFailed) else traceback.format_exc()
            print("FAIL %s: %s" % (fn.__name__, detail), flush=True)
    print("%d passed, %d failed" % (RESULTS.passed, RESULTS.failed))
    sys.exit(1 if RESULTS.failed else 0)

"""The transports (issue 5): local sockets, serial ports, WebSockets and several
endpoints in one server. The same behavioural checks (handshake outcomes,
calls, errors, streams, events, KRPC.Clients) run over each transport, then
each transport's own rules (transports.md 2-4)."""
import base64
import os
import random
import select
import shutil
import signal
import socket
import stat
import struct
import subprocess
import tempfile
import time
import tty

import krpctest
from krpctest import (Framed, check, clients_of, dec_string, dec_varint, enc_sint32, enc_string, eq, make_call, pb,
                      run_tests, test, varint)

WRONG_TYPE_RPC = ("Connection request was for the stream server, but this is the rpc server. "
                  "Did you connect to the wrong port number or socket path?")
WRONG_TYPE_STREAM = ("Connection request was for the rpc server, but this is the stream server. "
                     "Did you connect to the wrong port number or socket path?")
SERIAL_WRONG_TYPE = "Connection request was for a stream server, but this is an rpc server."
TIMEOUT_TEXT = "Connection request message not received after waiting 3 seconds"
TRUNCATED = ("While parsing a protocol message, the input ended unexpectedly in the middle of a "
             "field.  This could mean either that the input has been truncated or that an "
             "embedded message misreported its own length.")


# ---- the server ------------------------------------------------------------

class TServer:
    """A krpc-server with any transport flags (or a YAML file); the start-up
    lines of each endpoint are collected in order, one dict per `type = ...`."""

    def __init__(self, *args, env=None, config=None, startup_timeout=20, expect_fail=False):
        argv = [krpctest.OPTIONS.server]
        for p in krpctest.OPTIONS.plugin:
            argv += ["--plugin", p]
        self.tmp = None
        if config is not None:
            fd, self.tmp = tempfile.mkstemp(suffix=".yaml")
            os.write(fd, config.encode())
            os.close(fd)
            argv += ["--config", self.tmp]
        argv += list(args)
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     env=env if env is not None else os.environ)
        if expect_fail:
            out, err = self.proc.communicate(timeout=startup_timeout)
            self.output, self.err = out.decode(), err.decode()
            self._cleanup()
            return
        self.output = b""
        deadline = time.monotonic() + startup_timeout
        fd = self.proc.stdout.fileno()
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
        self.endpoints = []
        for line in self.output.decode().splitlines():
            if " = " not in line:
                continue
            k, v = line.split(" = ", 1)
            if k == "type":
                self.endpoints.append({"type": v})
            elif self.endpoints:
                self.endpoints[-1][k] = v

    def ep(self, i=0):
        return self.endpoints[i]

    def _cleanup(self):
        if self.tmp:
            os.unlink(self.tmp)
            self.tmp = None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            _, err = self.proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            _, err = self.proc.communicate()
        self._cleanup()
        return self.proc.returncode, err.decode(errors="replace")

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.communicate()
        self._cleanup()

    def alive(self):
        return self.proc.poll() is None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        code, err = self.stop()
        if exc[0] is None and code != 0:
            raise krpctest.CheckFailed("server exited with %d: %s" % (code, err[-2000:]))


class TempDir:
    """A short directory under /tmp for socket files (paths must stay short)."""

    def __enter__(self):
        self.path = tempfile.mkdtemp(prefix="krpc-t", dir="/tmp")
        return self.path

    def __exit__(self, *exc):
        shutil.rmtree(self.path, ignore_errors=True)


# ---- varint-framed channels (TCP, local sockets): krpctest.Framed ------------

def tcp_socket(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def unix_socket(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(path)
    return s


class FramedTransport:
    """TCP or local socket: open_rpc/open_stream give a fresh Framed."""

    def __init__(self, kind, rpc, stream):
        self.kind, self.rpc_addr, self.stream_addr = kind, rpc, stream

    def _open(self, addr):
        return Framed(tcp_socket(addr) if self.kind == "tcp" else unix_socket(addr))

    def open_rpc(self):
        return self._open(self.rpc_addr)

    def open_stream(self):
        return self._open(self.stream_addr)

    def address(self):
        """What KRPC.Clients shows for a client of this transport."""
        return "127.0.0.1" if self.kind == "tcp" else self.rpc_addr

    def connect(self, name="test", stream=False):
        return FramedClient(self, name, stream)


class ClientBase:
    """request/call/value over some transport; subclasses provide _send_request,
    _recv_response, _recv_update."""

    def request(self, *calls):
        req = pb.Request()
        for c in calls:
            req.calls.append(c)
        self._send_request(req)
        return self._recv_response()

    def value(self, service, procedure, *args):
        resp = self.request(make_call(service, procedure, *args))
        check(not resp.HasField("error"), "request error: %s" % resp.error.description)
        r = resp.results[0]
        check(not r.HasField("error"), "%s.%s failed: %s" % (service, procedure, r.error.description))
        return r.value

    def next_result(self, sid, timeout=3):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            up = self._recv_update(max(0.01, deadline - time.monotonic()))
            for r in up.results:
                if r.id == sid:
                    return r.result
        raise AssertionError("no update for stream %d" % sid)


class FramedClient(ClientBase):
    def __init__(self, t, name, stream):
        self.rpc = t.open_rpc()
        self.rpc.send_msg(pb.ConnectionRequest(type=pb.ConnectionRequest.RPC, client_name=name))
        resp = self.rpc.recv(pb.ConnectionResponse)
        eq(resp.status, pb.ConnectionResponse.OK, "handshake: %s" % resp.message)
        self.id = resp.client_identifier
        self.stream = None
        if stream:
            self.stream = t.open_stream()
            self.stream.send_msg(pb.ConnectionRequest(type=pb.ConnectionRequest.STREAM,
                                                      client_identifier=self.id))
            eq(self.stream.recv(pb.ConnectionResponse).status, pb.ConnectionResponse.OK, "stream handshake")

    def _send_request(self, req):
        self.rpc.send_msg(req)

    def _recv_response(self):
        return self.rpc.recv(pb.Response)

    def _recv_update(self, timeout):
        self.stream.settimeout(timeout)
        return self.stream.recv(pb.StreamUpdate)

    def send_garbage_request(self):
        self.rpc.send(b"\x03\xff\xff\xff")

    def rpc_dropped(self):
        return self.rpc.closed_by_server()

    def close(self):
        self.rpc.close()
        if self.stream:
            self.stream.close()


# ---- the behaviour every transport shares ------------------------------------


def wait_until(fn, what, timeout=5):
    deadline = time.monotonic() + timeout
    while not fn():
        check(time.monotonic() < deadline, what)
        time.sleep(0.02)


def common_behaviour(t, name="alpha"):
    """Calls, errors, streams, events and the client list over transport t."""
    c = t.connect(name, stream=True)
    eq(dec_string(c.value("KRPC", "GetClientName")), name, "client name")
    raw = c.value("KRPC", "GetClientID")
    n, i = dec_varint(raw)
    eq(raw[i:i + n], c.id, "client id")
    eq(dec_string(c.value("TestService", "Int32ToString", enc_sint32(42))), "42", "a call")
    # several calls in one request, answered in order
    resp = c.request(*[make_call("TestService", "Int32ToString", enc_sint32(k)) for k in range(5)])
    eq([dec_string(r.value) for r in resp.results], [str(k) for k in range(5)], "batched calls")
    # errors: in the procedure result, and for the request as a whole
    resp = c.request(make_call("TestService", "NoSuchProcedure"))
    check(resp.results[0].HasField("error"), "unknown procedure -> ProcedureResult.error")
    resp = c.request(make_call("TestService", "EchoTestObject", varint(1000000)))
    eq((resp.error.service, resp.error.name, resp.error.description),
       ("KRPC", "ArgumentException", "Instance not found"), "unknown object id -> Response.error")
    # a stream
    call = make_call("TestService", "Int32ToString", enc_sint32(7))
    s = pb.Stream()
    s.ParseFromString(c.value("KRPC", "AddStream", call.SerializeToString(), b"\x01"))
    eq(dec_string(c.next_result(s.id).value), "7", "stream's first value")
    c.value("KRPC", "RemoveStream", varint(s.id))
    # an event
    ev = pb.Event()
    ev.ParseFromString(c.value("TestService", "OnTimer", varint(100), varint(1)))
    c.value("KRPC", "StartStream", varint(ev.stream.id))
    eq(c.next_result(ev.stream.id).value, b"\x01", "event fires")
    # the client list
    check((c.id, name, t.address()) in clients_of(c), "listed by KRPC.Clients: %r" % clients_of(c))
    return c


def framed_handshakes(t):
    """The ConnectionRequest handshake outcomes of TCP and local sockets."""
    c = t.open_rpc()
    c.send_msg(pb.ConnectionRequest(type=pb.ConnectionRequest.STREAM))
    r = c.recv(pb.ConnectionResponse)
    eq((r.status, r.message), (pb.ConnectionResponse.WRONG_TYPE, WRONG_TYPE_RPC), "stream request on rpc")
    check(c.closed_by_server(), "closed after WRONG_TYPE")
    c = t.open_stream()
    c.send_msg(pb.ConnectionRequest(type=pb.ConnectionRequest.RPC))
    r = c.recv(pb.ConnectionResponse)
    eq((r.status, r.message), (pb.ConnectionResponse.WRONG_TYPE, WRONG_TYPE_STREAM), "rpc request on stream")
    check(c.closed_by_server(), "closed after WRONG_TYPE")
    c = t.open_rpc()
    c.send(b"\x03\xff\xff\xff")
    r = c.recv(pb.ConnectionResponse)
    eq((r.status, r.message), (pb.ConnectionResponse.MALFORMED_MESSAGE, TRUNCATED), "malformed")
    c = t.open_stream()
    c.send_msg(pb.ConnectionRequest(type=pb.ConnectionRequest.STREAM, client_identifier=b"short"))
    r = c.recv(pb.ConnectionResponse)
    eq((r.status, r.message), (pb.ConnectionResponse.MALFORMED_MESSAGE, "Client identifier must be 16 bytes."),
       "bad id length")
    c = t.open_stream()
    c.send_msg(pb.ConnectionRequest(type=pb.ConnectionRequest.STREAM, client_identifier=os.urandom(16)))
    check(c.closed_by_server(), "unknown client id: closed without a response")
    # a connection closed before its handshake is just dropped; one that
    # stays silent gets TIMEOUT (after --handshake-timeout, 500 ms here)
    t.open_rpc().close()
    c = t.open_rpc()
    r = c.recv(pb.ConnectionResponse)
    eq((r.status, r.message), (pb.ConnectionResponse.TIMEOUT, TIMEOUT_TEXT), "timeout")
    check(c.closed_by_server(), "closed after TIMEOUT")


def framed_malformed_request_drops(t):
    c = t.connect("bad")
    c.send_garbage_request()
    check(c.rpc_dropped(), "malformed request: connection dropped")
    other = t.connect("good")
    eq(dec_string(other.value("TestService", "Int32ToString", enc_sint32(1))), "1", "others unaffected")


# ---- local sockets -----------------------------------------------------------

@test
def local_socket_behaviour():
    with TempDir() as d, TServer("--type", "localsocket", "--rpc-path", d + "/rpc", "--stream-path",
                                 d + "/stream", "--handshake-timeout", "500") as srv:
        eq(srv.ep(), {"type": "localsocket", "frame pacing": "60 updates/s", "rpc_path": d + "/rpc",
                      "stream_path": d + "/stream"}, "start-up lines")
        t = FramedTransport("local", d + "/rpc", d + "/stream")
        common_behaviour(t)
        framed_handshakes(t)
        framed_malformed_request_drops(t)


@test
def local_socket_files_directory_and_stop():
    with TempDir() as d:
        rpc, stream = d + "/sub/dir/rpc", d + "/sub/dir/stream"
        srv = TServer("--type", "localsocket", "--rpc-path", rpc, "--stream-path", stream)
        try:
            st = os.stat(d + "/sub/dir")
            eq(stat.S_IMODE(st.st_mode) & 0o077, 0, "parent directory created private (0700)")
            check(stat.S_ISSOCK(os.stat(rpc).st_mode) and stat.S_ISSOCK(os.stat(stream).st_mode), "sockets")
            # a second server on the same paths refuses to start, and its
            # probe does not disturb the first one
            second = TServer("--type", "localsocket", "--rpc-path", rpc, "--stream-path", stream,
                             expect_fail=True)
            check(second.proc.returncode != 0, "second server refused")
            check("Another server is already listening on " + rpc in second.err, second.err)
            time.sleep(0.2)
            c = FramedTransport("local", rpc, stream).connect("still-here")
            eq(dec_string(c.value("KRPC", "GetClientName")), "still-here", "first server unaffected")
            c.close()
        finally:
            code, err = srv.stop()
        eq(code, 0, "clean stop")
        check(not os.path.exists(rpc) and not os.path.exists(stream), "socket files removed at stop")


@test
def local_socket_stale_socket_replaced_and_errors():
    with TempDir() as d:
        rpc, stream = d + "/rpc", d + "/stream"
        # a stale socket: bound, never listening, left behind
        stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        stale.bind(rpc)
        stale.close()
        check(os.path.exists(rpc), "stale socket present")
        with TServer("--type", "localsocket", "--rpc-path", rpc, "--stream-path", stream):
            c = FramedTransport("local", rpc, stream).connect("after-stale")
            eq(dec_string(c.value("KRPC", "GetClientName")), "after-stale", "stale socket replaced")
            c.close()
        # a file with content is not a socket: refused, and left alone
        with open(rpc, "w") as f:
            f.write("data")
        r = TServer("--type", "localsocket", "--rpc-path", rpc, "--stream-path", stream, expect_fail=True)
        check(r.proc.returncode != 0 and rpc + " already exists and is not a socket" in r.err, r.err)
        eq(open(rpc).read(), "data", "the file is untouched")
        os.unlink(rpc)
        # empty and too long paths
        r = TServer("--type", "localsocket", "--rpc-path", "", "--stream-path", stream, expect_fail=True)
        check(r.proc.returncode != 0 and "Socket path is empty" in r.err, r.err)
        long_path = "/tmp/" + "x" * 101
        r = TServer("--type", "localsocket", "--rpc-path", long_path, "--stream-path", stream, expect_fail=True)
        check("Socket path takes 106 bytes, which is longer than the 100 a socket path may be" in r.err, r.err)


@test
def local_socket_default_paths():
    with TempDir() as d:
        # $XDG_RUNTIME_DIR/krpc/{rpc,stream}
        env = dict(os.environ, XDG_RUNTIME_DIR=d)
        with TServer("--type", "localsocket", env=env) as srv:
            eq((srv.ep()["rpc_path"], srv.ep()["stream_path"]), (d + "/krpc/rpc", d + "/krpc/stream"), "XDG")
            c = FramedTransport("local", d + "/krpc/rpc", d + "/krpc/stream").connect("xdg", stream=True)
            c.close()
        # else /tmp/krpc-<user>/..., <user> in Python's getpass order
        user = "krpc-test-%d" % os.getpid()
        env = {k: v for k, v in os.environ.items()
               if k not in ("XDG_RUNTIME_DIR", "LOGNAME", "USER", "LNAME", "USERNAME")}
        env["USER"] = user
        env["USERNAME"] = "not-this-one"
        try:
            with TServer("--type", "localsocket", env=env) as srv:
                eq(srv.ep()["rpc_path"], "/tmp/krpc-%s/rpc" % user, "USER before USERNAME")
        finally:
            shutil.rmtree("/tmp/krpc-%s" % user, ignore_errors=True)


# ---- serial ports (over a pseudo-terminal pair) --------------------------------

class Pty:
    """A pseudo-terminal: the server opens the slave (`name`), the test talks
    through the master."""

    def __init__(self):
        self.master, slave = os.openpty()
        tty.setraw(slave)
        self.name = os.ttyname(slave)
        os.close(slave)
        self.buf = b""

    def write(self, data):
        while data:
            n = os.write(self.master, data)
            data = data[n:]

    def read_some(self, timeout):
        r, _, _ = select.select([self.master], [], [], timeout)
        if not r:
            raise socket.timeout("nothing from the serial port")
        try:
            chunk = os.read(self.master, 65536)
        except OSError as e:
            raise ConnectionError("serial port: %s" % e)
        self.buf += chunk

    def recv_raw(self, timeout=5):
        deadline = time.monotonic() + timeout
        while True:
            try:
                n, i = dec_varint(self.buf)
                if len(self.buf) >= i + n:
                    data = self.buf[i:i + n]
                    self.buf = self.buf[i + n:]
                    return data
            except IndexError:
                pass
            self.read_some(max(0.0, deadline - time.monotonic()))

    def recv_raw_with_prefix(self, timeout=5):
        """The next message with its length prefix, as it came."""
        data = self.recv_raw(timeout)
        return varint(len(data)) + data

    def recv(self, cls, timeout=5):
        m = cls()
        m.ParseFromString(self.recv_raw(timeout))
        return m

    def drain(self, quiet=0.3):
        """Read and drop whatever comes until the line is quiet."""
        while True:
            try:
                self.read_some(quiet)
            except socket.timeout:
                break
        self.buf = b""

    def silent(self, seconds):
        try:
            self.read_some(seconds)
            return False
        except socket.timeout:
            return self.buf == b""

    def close(self):
        os.close(self.master)


def mux_connect(name=None, type_=pb.ConnectionRequest.RPC):
    m = pb.MultiplexedRequest()
    m.connection_request.type = type_
    if name is not None:
        m.connection_request.client_name = name
    return krpctest.frame(m)


class SerialTransport:
    def __init__(self, pty):
        self.pty = pty

    def address(self):
        return self.pty.name

    def connect(self, name="test", stream=False):
        return SerialClient(self.pty, name)


class SerialClient(ClientBase):
    """The one client of a serial port: its own stream client too (updates
    arrive as MultiplexedResponse.stream_update between responses)."""

    def __init__(self, pty, name):
        self.pty = pty
        self.updates = []
        pty.write(mux_connect(name))
        r = pty.recv(pb.ConnectionResponse)  # bare, not multiplexed
        eq(r.status, pb.ConnectionResponse.OK, "serial handshake: %s" % r.message)
        self.id = r.client_identifier

    def _send_request(self, req):
        m = pb.MultiplexedRequest()
        m.request.CopyFrom(req)
        self.pty.write(krpctest.frame(m))

    def _next(self, timeout=5):
        m = self.pty.recv(pb.MultiplexedResponse, timeout)
        check(m.HasField("response") != m.HasField("stream_update"), "exactly one field set: %r" % m)
        return m

    def _recv_response(self):
        while True:
            m = self._next()
            if m.HasField("response"):
                return m.response
            self.updates.append(m.stream_update)

    def _recv_update(self, timeout):
        if self.updates:
            return self.updates.pop(0)
        while True:
            m = self._next(timeout)
            if m.HasField("stream_update"):
                return m.stream_update
            raise AssertionError("a response nobody asked for: %r" % m)

    def send_garbage_request(self):
        # MultiplexedRequest{request: <a Request that does not parse>}
        self.pty.write(b"\x04\x12\x02\x0a\xff")

    def close(self):
        pass


def tcp_and_serial_config(pty, extra=""):
    return ("servers:\n"
            "  - protocol: protobuf\n    rpc_port: 0\n    stream_port: 0\n"
            "  - protocol: serialio\n    port: %s\n%s" % (pty.name, extra))


@test
def serial_behaviour():
    pty = Pty()
    try:
        with TServer("--type", "serialio", "--port", pty.name, "--handshake-timeout", "500") as srv:
            eq(srv.ep(), {"type": "serialio", "frame pacing": "60 updates/s", "port": pty.name}, "start-up lines")
            t = SerialTransport(pty)
            c = common_behaviour(t)
            # stream updates come as MultiplexedResponse.stream_update, never
            # inside a response: a stream that changes every update while
            # requests go back and forth
            call = make_call("TestService", "Counter", enc_string("serial"))
            sid = pb.Stream()
            sid.ParseFromString(c.value("KRPC", "AddStream", call.SerializeToString(), b"\x01"))
            for k in range(20):
                eq(dec_string(c.value("TestService", "Int32ToString", enc_sint32(k))), str(k), "interleaved")
                time.sleep(0.01)
            check(len(c.updates) >= 5, "updates between the responses: %d" % len(c.updates))
            values = [r.result.value for u in c.updates for r in u.results if r.id == sid.id]
            check(len(set(values)) == len(values), "each update a new counter value")
    finally:
        pty.close()


@test
def serial_handshake_outcomes_and_reconnect():
    pty = Pty()
    try:
        with TServer("--type", "serialio", "--port", pty.name, "--handshake-timeout", "500"):
            pty.write(mux_connect("s", pb.ConnectionRequest.STREAM))
            r = pty.recv(pb.ConnectionResponse)
            eq((r.status, r.message), (pb.ConnectionResponse.WRONG_TYPE, SERIAL_WRONG_TYPE), "stream type")
            pty.write(b"\x03\xff\xff\xff")
            r = pty.recv(pb.ConnectionResponse)
            eq((r.status, r.message), (pb.ConnectionResponse.MALFORMED_MESSAGE, TRUNCATED), "not parseable")
            m = pb.MultiplexedRequest()
            m.request.calls.add(service="KRPC", procedure="GetStatus")
            pty.write(krpctest.frame(m))
            r = pty.recv(pb.ConnectionResponse)
            eq((r.status, r.message), (pb.ConnectionResponse.MALFORMED_MESSAGE,
                                       "Expected a ConnectionRequest message"), "request before handshake")
            # an attempt that never completes times out (500 ms here)
            t0 = time.monotonic()
            pty.write(b"\x07\x0a")
            r = pty.recv(pb.ConnectionResponse)
            eq((r.status, r.message), (pb.ConnectionResponse.TIMEOUT, TIMEOUT_TEXT), "timeout")
            check(0.3 < time.monotonic() - t0 < 3, "after the handshake timeout")
            # the exact bytes of transports.md 4.3
            pty.write(bytes.fromhex("070a0512034a6562"))
            r = pty.recv_raw_with_prefix()
            eq((len(r), r[:3]), (19, bytes.fromhex("121a10")), "bare OK ConnectionResponse")
            call = make_call("TestService", "Int32ToString", enc_sint32(42))
            req = pb.Request(calls=[call]).SerializeToString()
            pty.write(varint(len(req) + 2) + b"\x12" + varint(len(req)) + req)
            eq(pty.recv_raw_with_prefix(), bytes.fromhex("090a0712051203023432"), "MultiplexedResponse{response}")
            # after each rejection the next bytes start afresh
            a = SerialClient(pty, "first")
            eq(dec_string(a.value("KRPC", "GetClientName")), "first", "connected")
            # reconnecting replaces the client, with a new id
            b = SerialClient(pty, "second")
            check(b.id != a.id, "new id")
            listed = clients_of(b)
            eq([(i, n) for i, n, _ in listed], [(b.id, "second")], "only the new client is listed")
            # a request that does not parse drops the client
            b.send_garbage_request()
            check(pty.silent(0.5), "no reply to a malformed request")
            c = SerialClient(pty, "third")
            eq([n for _, n, _ in clients_of(c)], ["third"], "the dropped client is gone")
    finally:
        pty.close()


@test
def serial_settings():
    pty = Pty()
    try:
        for args, text in [(["--stop-bits", "OnePointFive"], "1.5 stop bits are only possible with 5 data bits"),
                           (["--stop-bits", "None"], "Stop bits None is not possible"),
                           (["--baud-rate", "12345"], "Baud rate 12345 is not supported"),
                           (["--port", "/nonexistent/tty"], "Cannot open serial port /nonexistent/tty"),
                           (["--port", "/dev/null"], "/dev/null is not a serial port")]:
            r = TServer("--type", "serialio", "--port", pty.name, *args, expect_fail=True)
            check(r.proc.returncode != 0 and text in r.err, "%r: %s" % (args, r.err))
        r = TServer("--type", "serialio", "--port", pty.name, "--data-bits", "9", expect_fail=True)
        check(r.proc.returncode != 0 and "--data-bits" in r.err, r.err)
        # what termios can do is accepted
        for args in (["--baud-rate", "115200", "--parity", "Even", "--stop-bits", "Two", "--data-bits", "7"],
                     ["--parity", "Mark"], ["--parity", "space", "--data-bits", "5", "--stop-bits", "OnePointFive"]):
            with TServer("--type", "serialio", "--port", pty.name, *args):
                c = SerialClient(pty, "x")
                eq(dec_string(c.value("KRPC", "GetClientName")), "x", "serves with %r" % args)
    finally:
        pty.close()


@test
def serial_peer_disappears():
    pty = Pty()
    closed = False
    try:
        with TServer(config=tcp_and_serial_config(pty)) as srv:
            tcp = FramedTransport("tcp", int(srv.ep(0)["rpc_port"]), int(srv.ep(0)["stream_port"]))
            eq(srv.ep(1)["port"], pty.name, "second endpoint")
            watcher = tcp.connect("watcher")
            s = SerialClient(pty, "serial")
            eq(dec_string(s.value("KRPC", "GetClientName")), "serial", "serial works")
            check((s.id, "serial", pty.name) in clients_of(watcher), "serial client listed")
            pty.close()
            closed = True
            wait_until(lambda: all(n != "serial" for _, n, _ in clients_of(watcher)),
                       "serial client dropped when the other end went")
            check(srv.alive(), "server still running")
            eq(dec_string(watcher.value("TestService", "Int32ToString", enc_sint32(3))), "3", "TCP unaffected")
    finally:
        if not closed:
            pty.close()


@test
def serial_reader_that_does_not_read_is_dropped():
    pty = Pty()
    try:
        with TServer("--max-send-buffer", "4096", config=tcp_and_serial_config(pty)) as srv:
            watcher = FramedTransport("tcp", int(srv.ep(0)["rpc_port"]), 0).connect("watcher")
            s = SerialClient(pty, "slow")
            # a 400 kB answer that nobody reads: far more than the
            # pseudo-terminal holds plus the 4 kB allowed to wait
            m = pb.MultiplexedRequest()
            m.request.calls.append(make_call("TestService", "BytesToHexString", enc_string(b"\xab" * 200000)))
            pty.write(krpctest.frame(m))
            wait_until(lambda: all(n != "slow" for _, n, _ in clients_of(watcher)), "slow serial client dropped")
            pty.drain()
            s = SerialClient(pty, "next")
            eq(dec_string(s.value("KRPC", "GetClientName")), "next", "the port serves the next client")
    finally:
        pty.close()


# ---- WebSockets -------------------------------------------------------------

WS_KEY = "dGhlIHNhbXBsZSBub25jZQ=="


class WsConn:
    """A raw WebSocket client connection: the upgrade, masked frames out,
    frames in."""

    def __init__(self, port, target="/", headers=None, timeout=5):
        self.sock = tcp_socket(port)
        self.sock.settimeout(timeout)
        self.buf = b""
        hs = {"Host": "localhost", "Upgrade": "websocket", "Connection": "Upgrade",
              "Sec-WebSocket-Key": WS_KEY, "Sec-WebSocket-Version": "13"}
        hs.update(headers or {})
        req = "GET %s HTTP/1.1\r\n" % target + "".join("%s: %s\r\n" % kv for kv in hs.items() if kv[1] is not None)
        self.sock.sendall(req.encode() + b"\r\n")
        self.status, self.reply = self._read_http()

    def _read_http(self):
        while b"\r\n\r\n" not in self.buf:
            chunk = self.sock.recv(4096)
            if not chunk:
                return None, self.buf
            self.buf += chunk
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        return int(head.split(b" ")[1]), head + b"\r\n\r\n"

    def rest_of_http_body(self, timeout=2):
        """An error reply's body: everything until the server closes."""
        self.sock.settimeout(timeout)
        body = self.buf
        while True:
            chunk = self.sock.recv(4096)
            if not chunk:
                return body
            body += chunk

    def send_frame(self, opcode, payload=b"", fin=True, mask=True, rsv=0):
        b0 = (0x80 if fin else 0) | rsv | opcode
        n = len(payload)
        if n < 126:
            head = bytes([b0, (0x80 if mask else 0) | n])
        elif n < 65536:
            head = bytes([b0, (0x80 if mask else 0) | 126]) + struct.pack(">H", n)
        else:
            head = bytes([b0, (0x80 if mask else 0) | 127]) + struct.pack(">Q", n)
        if mask:
            key = os.urandom(4)
            payload = key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(head + payload)

    def send_binary(self, data):
        self.send_frame(0x2, data)

    def _fill(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed by the server")
            self.buf += chunk

    def recv_frame(self):
        self._fill(2)
        b0, b1 = self.buf[0], self.buf[1]
        check(not b1 & 0x80, "server frames are not masked")
        n, h = b1 & 0x7F, 2
        if n == 126:
            self._fill(4)
            n, h = struct.unpack(">H", self.buf[2:4])[0], 4
        elif n == 127:
            self._fill(10)
            n, h = struct.unpack(">Q", self.buf[2:10])[0], 10
        self._fill(h + n)
        payload = self.buf[h:h + n]
        self.buf = self.buf[h + n:]
        check(b0 & 0x80, "server frames are not fragmented")
        return b0 & 0x0F, payload

    def recv_msg(self, cls):
        op, payload = self.recv_frame()
        eq(op, 0x2, "a binary frame (got %r)" % payload)
        m = cls()
        m.ParseFromString(payload)
        return m

    def expect_close(self, code=None, reason=b""):
        op, payload = self.recv_frame()
        eq(op, 0x8, "a Close frame")
        if code is None:
            eq(payload, b"", "Close without payload")
        else:
            eq(payload, struct.pack(">H", code) + reason, "Close payload")
        check(self.closed_by_server(), "then the connection ends")

    def closed_by_server(self, timeout=5):
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


class WsTransport:
    def __init__(self, rpc_port, stream_port):
        self.rpc_port, self.stream_port = rpc_port, stream_port

    def address(self):
        return "127.0.0.1"

    def connect(self, name="test", stream=False):
        return WsClient(self, name, stream)


class WsClient(ClientBase):
    """As krpc-node and the Python websockets tests do: the name in the URL,
    the id from KRPC.GetClientID, the stream URL with the base64 unescaped."""

    def __init__(self, t, name, stream):
        self.rpc = WsConn(t.rpc_port, "/?name=" + name if name is not None else "/")
        eq(self.rpc.status, 101, "upgrade: %r" % self.rpc.reply)
        raw = self.value("KRPC", "GetClientID")
        n, i = dec_varint(raw)
        self.id = raw[i:i + n]
        self.stream = None
        if stream:
            self.stream = WsConn(t.stream_port, "/?id=" + base64.b64encode(self.id).decode())
            eq(self.stream.status, 101, "stream upgrade: %r" % self.stream.reply)

    def _send_request(self, req):
        self.rpc.send_binary(req.SerializeToString())

    def _recv_response(self):
        return self.rpc.recv_msg(pb.Response)

    def _recv_update(self, timeout):
        self.stream.settimeout(timeout)
        return self.stream.recv_msg(pb.StreamUpdate)

    def close(self):
        self.rpc.close()
        if self.stream:
            self.stream.close()


def ws_server(*extra):
    return TServer("--type", "websockets", "--rpc-port", "0", "--stream-port", "0", *extra)


def ws_of(srv, i=0):
    return WsTransport(int(srv.ep(i)["rpc_port"]), int(srv.ep(i)["stream_port"]))


@test
def websocket_behaviour():
    with ws_server() as srv:
        eq(srv.ep()["type"], "websockets", "start-up lines")
        t = ws_of(srv)
        common_behaviour(t)
        # a Request that does not parse: close 1007
        c = t.connect("bad")
        c.rpc.send_binary(b"\x0a\xff")
        c.rpc.expect_close(1007, b"Malformed protocol buffer message")
        # several calls in one fragmented message, a ping between the fragments
        c = t.connect("frag")
        req = pb.Request()
        for k in range(3):
            req.calls.append(make_call("TestService", "Int32ToString", enc_sint32(k)))
        data = req.SerializeToString()
        c.rpc.send_frame(0x2, data[:5], fin=False)
        c.rpc.send_frame(0x9, b"hello")
        c.rpc.send_frame(0x0, data[5:], fin=True)
        eq(c.rpc.recv_frame(), (0xA, b"hello"), "pong first")
        eq([dec_string(r.value) for r in c.rpc.recv_msg(pb.Response).results], ["0", "1", "2"], "then the response")
        # an empty binary message is an empty Request
        c.rpc.send_binary(b"")
        eq(c.rpc.recv_frame(), (0x2, b""), "empty Response")


@test
def websocket_upgrade_whose_end_is_split_across_reads():
    """The end of the upgrade request (CRLF CRLF) arriving in two reads, cut at
    each place, is still found (the server resumes its search where it left
    off, F10 in tests/fuzz/README.md). A full upgrade on a second connection
    between the two parts makes the server read the first part on its own."""
    with ws_server() as srv:
        port = int(srv.ep()["rpc_port"])
        req = ("GET /?name=split HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
               "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n"
               % WS_KEY).encode()
        for cut in (1, 2, 3):
            s = tcp_socket(port)
            s.sendall(req[:-cut])
            eq(WsConn(port).status, 101, "the other connection's upgrade")
            s.sendall(req[-cut:])
            reply = b""
            while b"\r\n\r\n" not in reply:
                chunk = s.recv(4096)
                check(chunk, "an answer when the last %d bytes come apart" % cut)
                reply += chunk
            check(reply.startswith(b"HTTP/1.1 101"), "101 with the last %d bytes apart: %r" % (cut, reply[:40]))
            s.close()


@test
def websocket_handshake_rules():
    with ws_server("--handshake-timeout", "500") as srv:
        port, sport = int(srv.ep()["rpc_port"]), int(srv.ep()["stream_port"])

        def refused(status, body=b"", **kw):
            c = WsConn(kw.pop("p", port), **kw)
            eq(c.status, status, "status of %r" % kw)
            eq(c.rest_of_http_body(), body, "body of %r" % kw)

        refused(404, target="/krpc")
        refused(400, b"Host field not set.", headers={"Host": None})
        refused(400, b"Upgrade field not set to websocket.", headers={"Upgrade": "websocket, h2c"})
        refused(400, b"Connection field not set to Upgrade.", headers={"Connection": "keep-alive"})
        refused(400, b"Sec-WebSocket-Key field not set.", headers={"Sec-WebSocket-Key": None})
        refused(400, b"Failed to decode Sec-WebSocket-Key\nNot a valid base64 string.",
                headers={"Sec-WebSocket-Key": "abc"})
        refused(400, b"Failed to decode Sec-WebSocket-Key\nExpected 16 bytes, got 3 bytes.",
                headers={"Sec-WebSocket-Key": "YWJj"})
        c = WsConn(port, headers={"Sec-WebSocket-Version": "8"})
        eq(c.reply, b"HTTP/1.1 426 Upgrade Required\r\nSec-WebSocket-Version: 13\r\n\r\n", "426")
        # case-insensitive tokens and names, extensions and protocols ignored
        c = WsConn(port, "/?name=x", headers={"Upgrade": "WebSocket", "Connection": "keep-alive, Upgrade",
                                               "Sec-WebSocket-Extensions": "permessage-deflate",
                                               "Sec-WebSocket-Protocol": "chat"})
        eq(c.reply, b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    b"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n", "the exact 101")
        # the name: percent-decoded, '+' kept, first '=' splits, first 'name' wins; else Origin
        for target, origin, want in [("/?name=a+b%20c%2B", None, "a+b c+"), ("/?name=x=y", None, "x=y"),
                                     ("/?name=%E2%84%A2", None, "\u2122"), ("/?name=%zz", None, "%zz"),
                                     ("/?name=one&name=two", None, "one"), ("/?name", None, ""),
                                     ("/", "http://a, http://b", "http://a"), ("/?name=n", "http://o", "n"),
                                     ("/", None, "")]:
            c = WsConn(port, target, headers={"Origin": origin})
            eq(c.status, 101, target)
            c.send_binary(pb.Request(calls=[make_call("KRPC", "GetClientName")]).SerializeToString())
            eq(dec_string(c.recv_msg(pb.Response).results[0].value), want, "name from %s %s" % (target, origin))
            c.close()
        # stream ids: base64 as it is (raw '+', '/', '='), or percent-escaped
        owner = WsTransport(port, sport).connect("owner")
        b64 = base64.b64encode(owner.id).decode()
        for target in ["/?id=" + b64, "/?id=" + b64.replace("+", "%2B").replace("/", "%2F").replace("=", "%3D"),
                       "/?x=1&id=" + b64 + "&y=2"]:
            s = WsConn(sport, target)
            eq(s.status, 101, "stream upgrade %s" % target)
            s.close()
        for target in ["/", "/?id=abc", "/?id=" + b64.rstrip("="), "/?id=AAAAAAAAAAAAAAAAAAAAAA=="]:
            refused(400, p=sport, target=target)
        s = WsConn(sport, "/?id=" + base64.b64encode(os.urandom(16)).decode())
        check(s.status is None and s.reply == b"", "unknown id: closed without an HTTP response")
        # a request that never completes: a bare 400 after the handshake timeout
        raw = tcp_socket(port)
        raw.sendall(b"GET / HTTP/1.1\r\n")
        raw.settimeout(5)
        t0 = time.monotonic()
        eq(raw.recv(100), b"HTTP/1.1 400 Bad Request\r\n\r\n", "timeout")
        check(0.3 < time.monotonic() - t0 < 3, "after the timeout")
        raw = tcp_socket(port)
        raw.sendall(b"POST / HTTP/1.1\r\nHost: x\r\n\r\n")
        raw.settimeout(5)
        eq(raw.recv(200), b"HTTP/1.1 405 Method Not Allowed\r\n\r\nExpected a GET request.", "405")


@test
def websocket_frames_and_close_codes():
    with ws_server("--max-message-size", "1000") as srv:
        t = ws_of(srv)

        def fresh():
            return t.connect("f").rpc

        c = fresh()
        c.send_frame(0x1, "text".encode())
        c.expect_close(1003, b"Text frames are not permitted")
        c = fresh()
        c.send_frame(0x1, b"\xff\xfe")
        c.expect_close(1007, b"Malformed UTF8 string")
        c = fresh()
        c.send_frame(0x1, b"\xff", fin=False)  # invalid already: no need to wait for the end
        c.expect_close(1007, b"Malformed UTF8 string")
        c = fresh()
        c.send_frame(0x2, b"\x00\x01", mask=False)
        c.expect_close(1002, b"Payload is not masked")
        c = fresh()
        c.send_frame(0x2, b"", rsv=0x40)
        c.expect_close(1002)
        c = fresh()
        c.send_frame(0x3)
        c.expect_close(1002, b"Invalid op code")
        c = fresh()
        c.send_frame(0x9, b"", fin=False)
        c.expect_close(1002, b"Control frames must not be fragmented")
        c = fresh()
        c.send_frame(0x9, b"x" * 126)
        c.expect_close(1002, b"Control frame payload must not exceed 125 bytes")
        c = fresh()
        c.send_frame(0x0, b"x")
        c.expect_close(1002)
        c = fresh()
        c.send_frame(0x2, b"x", fin=False)
        c.send_frame(0x2, b"y")
        c.expect_close(1002)
        # oversized: over --max-message-size in one frame, or over several
        c = fresh()
        c.send_frame(0x2, b"\x00" * 1001)
        c.expect_close(1009, b"Message too big")
        c = fresh()
        c.send_frame(0x2, b"\x00" * 600, fin=False)
        c.send_frame(0x0, b"\x00" * 600)
        c.expect_close(1009, b"Message too big")
        # close frames: echoed code only, invalid codes -> 1002, >= 5000 -> no reply
        for payload, reply in [(b"", None), (b"\x03", None), (b"\x03\xe8bye", 1000), (struct.pack(">H", 4999), 4999),
                               (struct.pack(">H", 1005), 1002), (struct.pack(">H", 2999), 1002),
                               (b"\x03\xe8\xff", 1002)]:
            c = fresh()
            c.send_frame(0x8, payload)
            c.expect_close(reply)
        c = fresh()
        c.send_frame(0x8, struct.pack(">H", 5000))
        check(c.closed_by_server(), "5000: closed without a reply")
        # a close in the middle of a fragmented message: the message is dropped
        c = fresh()
        c.send_frame(0x2, pb.Request(calls=[make_call("KRPC", "GetStatus")]).SerializeToString()[:3], fin=False)
        c.send_frame(0x8, b"\x03\xe8")
        c.expect_close(1000)
        # a client that just goes away (krpc-node closes the TCP connection)
        c = t.connect("gone", stream=True)
        c.rpc.close()
        c.stream.close()
        other = t.connect("other")
        wait_until(lambda: [n for _, n, _ in clients_of(other)] == ["other"], "gone clients removed")


# ---- several endpoints in one server ------------------------------------------

@test
def all_transports_in_one_server():
    pty = Pty()
    try:
        with TempDir() as d:
            config = ("servers:\n"
                      "  - {protocol: protobuf, rpc_port: 0, stream_port: 0}\n"
                      "  - {protocol: websockets, rpc_port: 0, stream_port: 0}\n"
                      "  - {protocol: localsocket, rpc_path: %s/rpc, stream_path: %s/stream}\n"
                      "  - {protocol: serialio, port: %s, baud_rate: 115200}\n" % (d, d, pty.name))
            with TServer(config=config) as srv:
                eq([e["type"] for e in srv.endpoints], ["protobuf", "websockets", "localsocket", "serialio"],
                   "four endpoints, in order")
                tcp = FramedTransport("tcp", int(srv.ep(0)["rpc_port"]), int(srv.ep(0)["stream_port"]))
                transports = [tcp, ws_of(srv, 1), FramedTransport("local", d + "/rpc", d + "/stream"),
                              SerialTransport(pty)]
                clients = [common_behaviour(t, "client-%d" % i) for i, t in enumerate(transports)]
                # one client list for all: every transport's client, in connection order
                want = [(c.id, "client-%d" % i, t.address()) for i, (c, t) in enumerate(zip(clients, transports))]
                for c in clients:
                    eq(clients_of(c), want, "KRPC.Clients over every transport")
                # shared objects: made over one transport, used over another
                obj = clients[0].value("TestService", "CreateTestObject", enc_string("shared"))
                for c in clients[1:]:
                    eq(dec_string(c.value("TestService", "TestClass_GetValue", obj)), "value=shared", "same object")
                # a stream connection only joins the RPC client of its own endpoint
                ws_stream = WsConn(transports[1].stream_port, "/?id=" + base64.b64encode(clients[0].id).decode())
                check(ws_stream.status is None, "a TCP client's id is unknown to the WebSocket endpoint")
                fs = tcp.open_stream()
                fs.send_msg(pb.ConnectionRequest(type=pb.ConnectionRequest.STREAM, client_identifier=clients[2].id))
                check(fs.closed_by_server(), "a local-socket client's id is unknown to the TCP endpoint")
                # clients going away over each transport
                clients[0].close()
                clients[1].close()
                clients[2].close()
                wait_until(lambda: [n for _, n, _ in clients_of(clients[3])] == ["client-3"],
                           "only the serial client left")
    finally:
        pty.close()


@test
def garbage_never_hurts_the_server():
    """Random bytes and random frames over every transport's parsers (a fixed
    seed); the server keeps serving and, under the sanitizers, stays clean."""
    rnd = random.Random(5)
    pty = Pty()
    try:
        with TempDir() as d:
            config = ("servers:\n"
                      "  - {protocol: websockets, rpc_port: 0, stream_port: 0}\n"
                      "  - {protocol: localsocket, rpc_path: %s/rpc, stream_path: %s/stream}\n"
                      "  - {protocol: serialio, port: %s}\n" % (d, d, pty.name))
            with TServer("--handshake-timeout", "300", "--max-message-size", "5000", config=config) as srv:
                ws = ws_of(srv, 0)
                for i in range(60):
                    # an upgrade cut or garbled anywhere
                    raw = tcp_socket(ws.rpc_port if i % 2 else ws.stream_port)
                    req = ("GET /?name=%d HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                           "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n" % (i, WS_KEY)).encode()
                    cut = rnd.randrange(len(req))
                    raw.sendall(req[:cut] + bytes(rnd.randrange(256) for _ in range(rnd.randrange(8))) + req[cut:])
                    raw.close()
                    # frames of random headers and payloads after a good upgrade
                    c = WsConn(ws.rpc_port, "/?name=f")
                    try:
                        for _ in range(rnd.randrange(1, 6)):
                            head = bytes([rnd.randrange(256), rnd.randrange(256)])
                            c.sock.sendall(head + bytes(rnd.randrange(256) for _ in range(rnd.randrange(40))))
                    except OSError:
                        pass
                    c.close()
                    # framed garbage on the local socket
                    s = unix_socket(d + ("/rpc" if i % 2 else "/stream"))
                    try:
                        s.sendall(bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 64))))
                    except OSError:
                        pass
                    s.close()
                    # and on the serial line (the port resynchronises after each rejection)
                    pty.write(bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 32))))
                time.sleep(0.5)
                pty.drain()
                check(srv.alive(), "server alive")
                eq(dec_string(ws.connect("after").value("KRPC", "GetClientName")), "after", "WebSocket still serves")
                local = FramedTransport("local", d + "/rpc", d + "/stream").connect("after-local")
                eq(dec_string(local.value("KRPC", "GetClientName")), "after-local", "local socket still serves")
                # the serial line may be in the middle of a garbage attempt: wait it out
                time.sleep(0.5)
                pty.drain()
                eq(dec_string(SerialClient(pty, "after-serial").value("KRPC", "GetClientName")), "after-serial",
                   "serial port still serves")
    finally:
        pty.close()


if __name__ == "__main__":
    run_tests()

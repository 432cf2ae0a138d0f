#!/usr/bin/env python3
"""Load and soak for krpc-server (issue 10), black box over TCP.

  soak.py clients  [--clients 1000] [--calls 10]
      1,000 clients connected at once (each with a stream connection), every
      one making calls concurrently; every answer checked; KRPC.Clients must
      list them all. Under 30 s: the test suite runs it (test_robustness.py).
  soak.py soak     [--calls 1000000] [--streams 10000] [--connects 1000]
      one million calls, ten thousand stream adds and removes and a thousand
      connects and disconnects, sampling the server's resident memory
      (VmRSS, /proc/<pid>/status) as it goes; fails if memory keeps growing
      after the warm-up.
  soak.py valgrind [--calls 200000] [--streams 10000] [--connects 1000]
      the same, smaller, with the server under valgrind --leak-check=full;
      fails unless valgrind reports no error and nothing lost.

Common options: --server PATH (default build/server/krpc-server),
--plugin PATH (default build/services/testservice/krpc-testservice.so),
--port RPC:STREAM to drive a server that is already running instead.
Needs PYTHONPATH to hold the build's krpc_pb2 (build/tests). Ends with one
line "soak: ok" or "soak: FAILED ..." and the matching exit status.
"""
import argparse
import os
import resource
import selectors
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "build", "tests"))
import krpc_pb2 as pb  # noqa: E402


class SoakFailed(Exception):
    pass


def check(cond, what):
    if not cond:
        raise SoakFailed(what)


# ---- wire --------------------------------------------------------------------

def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


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


def frame(data):
    if hasattr(data, "SerializeToString"):
        data = data.SerializeToString()
    return varint(len(data)) + data


def split_frames(buf):
    """Whole messages at the start of buf, and what is left."""
    out = []
    i = 0
    while True:
        n = shift = 0
        j = i
        while True:
            if j >= len(buf):
                return out, buf[i:]
            c = buf[j]
            j += 1
            n |= (c & 0x7F) << shift
            shift += 7
            if not c & 0x80:
                break
        if j + n > len(buf):
            return out, buf[i:]
        out.append(buf[j:j + n])
        i = j + n


def call(service, procedure, *args):
    c = pb.ProcedureCall(service=service, procedure=procedure)
    for i, a in enumerate(args):
        c.arguments.add(position=i, value=a)
    return c


def request(*calls):
    return frame(pb.Request(calls=list(calls)))


class Conn:
    """A blocking connection with framed messages."""

    def __init__(self, port, timeout=30):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        self.pending = []

    def send(self, data):
        self.sock.sendall(data)

    def recv_raw(self):
        while not self.pending:
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise ConnectionError("closed by the server")
            msgs, self.buf = split_frames(self.buf + chunk)
            self.pending += msgs
        return self.pending.pop(0)

    def recv(self, cls):
        m = cls()
        m.ParseFromString(self.recv_raw())
        return m

    def close(self, reset=False):
        if reset:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.sock.close()


class Client:
    def __init__(self, ports, name, stream=False):
        self.rpc = Conn(ports[0])
        self.rpc.send(frame(pb.ConnectionRequest(type=pb.ConnectionRequest.RPC, client_name=name)))
        r = self.rpc.recv(pb.ConnectionResponse)
        check(r.status == pb.ConnectionResponse.OK, "handshake: %s" % r.message)
        self.id = r.client_identifier
        self.stream = None
        if stream:
            self.stream = Conn(ports[1])
            self.stream.send(frame(pb.ConnectionRequest(type=pb.ConnectionRequest.STREAM, client_identifier=self.id)))
            r = self.stream.recv(pb.ConnectionResponse)
            check(r.status == pb.ConnectionResponse.OK, "stream handshake: %s" % r.message)

    def call(self, *calls):
        self.rpc.send(request(*calls))
        resp = self.rpc.recv(pb.Response)
        check(not resp.HasField("error"), "request error: %s" % resp.error.description)
        for r in resp.results:
            check(not r.HasField("error"), "call error: %s" % r.error.description)
        return resp.results

    def value(self, *calls):
        return self.call(*calls)[0].value

    def close(self, reset=False):
        self.rpc.close(reset)
        if self.stream:
            self.stream.close(reset)


# ---- the server ----------------------------------------------------------------

def raise_fd_limit(want):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < want:
        new = want if hard == resource.RLIM_INFINITY else min(want, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


class Server:
    """krpc-server on ephemeral ports, optionally under a wrapper (valgrind).
    It inherits this process's fd limit (raise_fd_limit first)."""

    def __init__(self, server, plugins, extra=(), wrapper=(), startup_timeout=60):
        args = list(wrapper) + [server, "--rpc-port", "0", "--stream-port", "0", "--quiet"]
        for p in plugins:
            args += ["--plugin", p]
        args += list(extra)
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out = b""
        deadline = time.monotonic() + startup_timeout
        fd = self.proc.stdout.fileno()
        import select
        while b"Server started successfully\n" not in out:
            check(time.monotonic() < deadline, "server did not start: %r" % out)
            ready, _, _ = select.select([fd], [], [], 1)
            if ready:
                chunk = os.read(fd, 4096)
                if not chunk:
                    raise SoakFailed("server exited during start-up: %s" %
                                     self.proc.stderr.read().decode(errors="replace"))
                out += chunk
        values = dict(line.split(" = ", 1) for line in out.decode().splitlines() if " = " in line)
        self.ports = (int(values["rpc_port"]), int(values["stream_port"]))
        self.pid = self.server_pid()
        # drain stdout/stderr so that the server never blocks on a full pipe
        self.err = []
        threading.Thread(target=self._drain, args=(self.proc.stderr, self.err), daemon=True).start()
        threading.Thread(target=self._drain, args=(self.proc.stdout, []), daemon=True).start()

    def server_pid(self):
        """The krpc-server process itself (under valgrind it is the same pid)."""
        return self.proc.pid

    @staticmethod
    def _drain(f, into):
        for line in f:
            into.append(line.decode(errors="replace"))

    def stop(self, timeout=120):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        time.sleep(0.2)
        return self.proc.returncode, "".join(self.err)


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class RssSampler:
    """VmRSS every `interval` seconds, labelled with the phase running."""

    def __init__(self, pid, interval=1.0):
        self.pid = pid
        self.interval = interval
        self.samples = []  # (seconds since start, phase, kB)
        self.phase = "start"
        self.t0 = time.monotonic()
        self.running = True
        self.sample()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def sample(self):
        try:
            self.samples.append((time.monotonic() - self.t0, self.phase, rss_kb(self.pid)))
        except OSError:
            pass

    def _run(self):
        while self.running:
            time.sleep(self.interval)
            self.sample()

    def mark(self, phase):
        self.sample()
        self.phase = phase
        self.sample()

    def stop(self):
        self.running = False
        self.thread.join()
        self.sample()


# ---- 1,000 clients at once -------------------------------------------------------

def log_flush(*a):
    print(*a, flush=True)


def many_clients(ports, n, calls_per_client, stream=True, log=log_flush, others=0):
    """n clients connected at the same time, each with a stream connection,
    each sending calls_per_client requests at once; every answer checked.
    Driven by one selector so that all of them are really in flight together."""
    t0 = time.monotonic()
    sel = selectors.DefaultSelector()
    clients = []
    # connect in waves so that the listen backlog never overflows
    for i in range(n):
        s = socket.create_connection(("127.0.0.1", ports[0]), timeout=30)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.sendall(frame(pb.ConnectionRequest(type=pb.ConnectionRequest.RPC, client_name="load%d" % i)))
        clients.append({"i": i, "rpc": s, "buf": b"", "id": None, "answers": 0, "stream": None, "sbuf": b"",
                        "supdates": 0})
    for c in clients:
        c["rpc"].settimeout(30)
        while True:
            msgs, c["buf"] = split_frames(c["buf"] + c["rpc"].recv(4096))
            if msgs:
                r = pb.ConnectionResponse()
                r.ParseFromString(msgs[0])
                check(r.status == pb.ConnectionResponse.OK, "client %d handshake: %s" % (c["i"], r.message))
                c["id"] = r.client_identifier
                break
    if stream:
        for c in clients:
            s = socket.create_connection(("127.0.0.1", ports[1]), timeout=30)
            s.sendall(frame(pb.ConnectionRequest(type=pb.ConnectionRequest.STREAM, client_identifier=c["id"])))
            c["stream"] = s
        for c in clients:
            c["stream"].settimeout(30)
            while True:
                msgs, c["sbuf"] = split_frames(c["sbuf"] + c["stream"].recv(4096))
                if msgs:
                    r = pb.ConnectionResponse()
                    r.ParseFromString(msgs[0])
                    check(r.status == pb.ConnectionResponse.OK, "stream handshake %d: %s" % (c["i"], r.message))
                    break
    connected = time.monotonic()
    log("  %d clients connected%s in %.1f s" % (n, " with streams" if stream else "", connected - t0))
    # everyone's requests in flight at once
    for c in clients:
        reqs = []
        for k in range(calls_per_client):
            reqs.append(request(call("TestService", "Int32ToString", enc_sint32(c["i"] * 1000 + k)),
                                call("TestService", "Counter", enc_string("load"))))
        c["rpc"].setblocking(False)
        c["out"] = b"".join(reqs)
        sel.register(c["rpc"], selectors.EVENT_READ | selectors.EVENT_WRITE, c)
    remaining = n
    deadline = time.monotonic() + 120
    while remaining:
        check(time.monotonic() < deadline, "%d clients still waiting for answers" % remaining)
        for key, events in sel.select(timeout=5):
            c = key.data
            if events & selectors.EVENT_WRITE and c["out"]:
                try:
                    sent = c["rpc"].send(c["out"])
                    c["out"] = c["out"][sent:]
                except BlockingIOError:
                    pass
                if not c["out"]:
                    sel.modify(c["rpc"], selectors.EVENT_READ, c)
            if events & selectors.EVENT_READ:
                try:
                    chunk = c["rpc"].recv(1 << 16)
                except BlockingIOError:
                    continue
                check(chunk, "client %d closed by the server" % c["i"])
                msgs, c["buf"] = split_frames(c["buf"] + chunk)
                for m in msgs:
                    resp = pb.Response()
                    resp.ParseFromString(m)
                    k = c["answers"]
                    want = str(c["i"] * 1000 + k).encode()
                    check(len(resp.results) == 2 and resp.results[0].value[1:] == want,
                          "client %d answer %d: %s" % (c["i"], k, resp))
                    n_counter, _ = dec_varint(resp.results[1].value)
                    check((n_counter >> 1) == k + 1, "client %d counter %d" % (c["i"], n_counter >> 1))
                    c["answers"] += 1
                if c["answers"] == calls_per_client:
                    sel.unregister(c["rpc"])
                    remaining -= 1
    answered = time.monotonic()
    log("  %d calls answered (%d requests of 2 calls) in %.1f s" % (2 * n * calls_per_client,
                                                                    n * calls_per_client, answered - connected))
    # the server sees them all at once
    probe = Client(ports, "probe")
    listed = pb.List()
    listed.ParseFromString(probe.value(call("KRPC", "get_Clients")))
    check(len(listed.items) == n + 1 + others,
          "KRPC.Clients lists %d clients, expected %d" % (len(listed.items), n + 1 + others))
    for c in clients:
        c["rpc"].close()
        if c["stream"]:
            c["stream"].close()
    sel.close()
    # and notices them all leave
    deadline = time.monotonic() + 10
    while True:
        listed.ParseFromString(probe.value(call("KRPC", "get_Clients")))
        if len(listed.items) == 1 + others:
            break
        check(time.monotonic() < deadline, "%d clients still listed after closing" % (len(listed.items) - 1 - others))
        time.sleep(0.05)
    probe.close()
    log("  all %d gone in %.1f s; total %.1f s" % (n, time.monotonic() - answered, time.monotonic() - t0))
    return time.monotonic() - t0


# ---- the soak ---------------------------------------------------------------------


def mixed_calls(i):
    """Ten calls of assorted kinds (allocation-heavy ones included); object
    names cycle through a small set, so the object store stays bounded."""
    return [
        call("TestService", "Int32ToString", enc_sint32(i)),
        call("TestService", "EchoNullableString", enc_string("s%d" % i)),
        call("TestService", "CreateTestObject", enc_string("obj%d" % (i % 16))),
        call("TestService", "IncrementList", pb.List(items=[enc_sint32(k) for k in range(i % 20)]).SerializeToString()),
        call("TestService", "IncrementDictionary",
             pb.Dictionary(entries=[pb.DictionaryEntry(key=enc_string("k%d" % k), value=enc_sint32(k))
                                    for k in range(i % 5)]).SerializeToString()),
        call("TestService", "StructEcho", bytes.fromhex("0a01540a04036a65620a01020a090a01020a01040a0106")),
        call("TestService", "Counter", enc_string("soak")),
        call("TestService", "ThrowArgumentException"),   # an error result
        call("TestService", "NoSuchProcedure"),          # a lookup error
        call("KRPC", "GetStatus"),
    ]


def soak_calls(ports, total, log, sampler, workers=8, depth=16):
    """total calls, as requests of 10 calls, from `workers` clients keeping
    `depth` requests in flight each."""
    nreq = total // 10
    per = nreq // workers
    errs = []

    def worker(w):
        try:
            c = Client(ports, "soak%d" % w)
            sent = got = 0
            while got < per:
                while sent < per and sent - got < depth:
                    c.rpc.send(request(*mixed_calls(w * per + sent)))
                    sent += 1
                resp = c.rpc.recv(pb.Response)
                check(len(resp.results) == 10 and not resp.HasField("error"), "soak answer")
                check(resp.results[7].error.name == "ArgumentException", "an error result")
                check(resp.results[0].value[1:] == str(w * per + got).encode(), "soak value")
                got += 1
            c.close()
        except Exception as e:  # reported by the main thread
            errs.append(e)

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(workers)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    last = t0
    while any(t.is_alive() for t in threads):
        for t in threads:
            t.join(timeout=5)
        if time.monotonic() - last > 30:
            last = time.monotonic()
            log("    ... %.0f s, RSS %d kB" % (last - t0, sampler.samples[-1][2]))
    check(not errs, "soak calls: %r" % errs[:3])
    dt = time.monotonic() - t0
    log("  %d calls (%d requests) in %.1f s: %.0f calls/s" % (per * workers * 10, per * workers, dt,
                                                             per * workers * 10 / dt))


def soak_streams(ports, total, log):
    """total stream adds and removes, half of them events, reading updates."""
    c = Client(ports, "streams", stream=True)
    c.stream.sock.setblocking(False)
    t0 = time.monotonic()
    updates = 0
    for i in range(total):
        kind = i % 4
        if kind == 0:
            inner = call("TestService", "Int32ToString", enc_sint32(i % 100))
        elif kind == 1:
            inner = call("TestService", "Counter", enc_string("st"))
        elif kind == 2:
            inner = call("TestService", "CounterStruct", enc_string("st"))
        else:
            inner = call("TestService", "BlockingProcedure", enc_sint32(2))
        raw = c.value(call("KRPC", "AddStream", inner.SerializeToString(), b"\x01"))
        s = pb.Stream()
        s.ParseFromString(raw)
        c.value(call("KRPC", "RemoveStream", varint(s.id)))
        try:
            while True:
                chunk = c.stream.sock.recv(1 << 20)
                if not chunk:
                    raise SoakFailed("stream connection closed")
                msgs, c.stream.buf = split_frames(c.stream.buf + chunk)
                updates += len(msgs)
        except BlockingIOError:
            pass
    # events too: OnTimerUsingLambda fires once and removes itself
    for i in range(total // 10):
        c.value(call("TestService", "OnTimerUsingLambda", varint(0)))
    st = pb.Status()
    time.sleep(0.2)
    st.ParseFromString(c.value(call("KRPC", "GetStatus")))
    c.close()
    log("  %d stream adds and removes (+%d events) in %.1f s, %d updates read; stream_rpcs now %d"
        % (total, total // 10, time.monotonic() - t0, updates, st.stream_rpcs))


def soak_connects(ports, total, log):
    t0 = time.monotonic()
    for i in range(total):
        c = Client(ports, "conn%d" % i, stream=True)
        c.value(call("TestService", "Int32ToString", enc_sint32(i)))
        c.value(call("KRPC", "AddStream", call("TestService", "Counter", enc_string("c")).SerializeToString(), b"\x01"))
        if i % 3 == 2:
            # leave mid-continuation
            c.rpc.send(request(call("TestService", "BlockingProcedure", enc_sint32(5))))
        c.close(reset=(i % 2 == 1))
    log("  %d connects and disconnects (with streams; half reset) in %.1f s" % (total, time.monotonic() - t0))


def report_rss(sampler, log, warmup_phase):
    samples = sampler.samples
    log("  RSS samples (s, phase, kB):")
    step = max(1, len(samples) // 40)
    for t, phase, kb in samples[::step] + [samples[-1]]:
        log("    %7.1f  %-9s %8d" % (t, phase, kb))
    after = [kb for t, phase, kb in samples if phase != "start" and phase != warmup_phase]
    warm = [kb for t, phase, kb in samples if phase == warmup_phase]
    base = warm[len(warm) // 4] if warm else samples[0][2]
    peak, end = max(kb for _, _, kb in samples), samples[-1][2]
    log("  RSS: start %d kB, after warm-up %d kB, peak %d kB, end %d kB" % (samples[0][2], base, peak, end))
    return base, peak, end, after


def soak(opts, log=log_flush):
    raise_fd_limit(4096)
    srv = Server(opts.server, opts.plugin) if not opts.port else None
    ports = srv.ports if srv else tuple(int(p) for p in opts.port.split(":"))
    pid = srv.pid if srv else int(opts.pid)
    sampler = RssSampler(pid, interval=opts.interval)
    failed = None
    try:
        sampler.mark("calls")
        soak_calls(ports, opts.calls, log, sampler)
        sampler.mark("streams")
        soak_streams(ports, opts.streams, log)
        sampler.mark("connects")
        soak_connects(ports, opts.connects, log)
        sampler.mark("calls2")
        # a second round of calls: memory must come back to where it was
        soak_calls(ports, opts.calls // 10, log, sampler)
        sampler.mark("end")
    except Exception as e:
        failed = e
    sampler.stop()
    base, peak, end, _ = report_rss(sampler, log, "calls")
    if srv:
        code, err = srv.stop()
        check(code == 0, "server exit status %d: %s" % (code, err[-2000:]))
    if failed:
        raise failed
    # flat: the end within 10% (and 8 MB) of the level after warm-up
    growth = end - base
    check(growth < max(8 * 1024, base // 10), "RSS grew by %d kB after warm-up (from %d to %d kB)" % (growth, base, end))


def valgrind(opts, log=log_flush):
    raise_fd_limit(4096)
    vlog = opts.valgrind_log
    wrapper = ["valgrind", "--leak-check=full", "--show-leak-kinds=definite,indirect,possible",
               "--errors-for-leak-kinds=definite,indirect,possible", "--track-fds=no", "--error-exitcode=99",
               "--log-file=" + vlog]
    srv = Server(opts.server, opts.plugin, wrapper=wrapper, startup_timeout=120)
    t0 = time.monotonic()
    failed = None
    try:
        sampler = RssSampler(srv.pid, interval=opts.interval)
        soak_calls(srv.ports, opts.calls, log, sampler, workers=4, depth=4)
        soak_streams(srv.ports, opts.streams, log)
        soak_connects(srv.ports, opts.connects, log)
        sampler.stop()
    except Exception as e:
        failed = e
    code, err = srv.stop(timeout=600)
    log("  under valgrind for %.0f s; exit status %d" % (time.monotonic() - t0, code))
    text = open(vlog).read()
    summary = [line.split("== ", 1)[-1] for line in text.splitlines()
               if any(k in line for k in ("definitely lost", "indirectly lost", "possibly lost", "still reachable",
                                          "ERROR SUMMARY", "All heap blocks were freed", "total heap usage"))]
    for line in summary:
        log("    " + line)
    if failed:
        raise failed
    check(code == 0, "exit status %d under valgrind (99: valgrind found errors); see %s" % (code, vlog))
    check("ERROR SUMMARY: 0 errors" in text, "valgrind reported errors; see %s" % vlog)
    check("definitely lost" not in text or "definitely lost: 0 bytes" in text, "definite leaks; see %s" % vlog)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", choices=["clients", "soak", "valgrind"])
    ap.add_argument("--server", default=os.path.join(ROOT, "build", "server", "krpc-server"))
    ap.add_argument("--plugin", action="append")
    ap.add_argument("--port", help="RPC:STREAM of a running server (with --pid for its memory)")
    ap.add_argument("--pid")
    ap.add_argument("--clients", type=int, default=1000)
    ap.add_argument("--calls", type=int)
    ap.add_argument("--streams", type=int)
    ap.add_argument("--connects", type=int)
    ap.add_argument("--interval", type=float, default=1.0, help="seconds between RSS samples")
    ap.add_argument("--valgrind-log", default="/tmp/krpc-soak-valgrind.log")
    opts = ap.parse_args()
    if not opts.plugin:
        opts.plugin = [os.path.join(ROOT, "build", "services", "testservice", "krpc-testservice.so")]
    small = opts.mode == "valgrind"  # valgrind makes calls ~7 times slower
    if opts.calls is None:
        opts.calls = 200000 if small else (10 if opts.mode == "clients" else 1000000)
    if opts.streams is None:
        opts.streams = 10000
    if opts.connects is None:
        opts.connects = 1000
    try:
        if opts.mode == "clients":
            have = raise_fd_limit(2 * opts.clients + 256)
            check(have >= 2 * opts.clients + 64, "the fd limit is %d; %d clients need %d" %
                  (have, opts.clients, 2 * opts.clients + 64))
            srv = Server(opts.server, opts.plugin)
            try:
                many_clients(srv.ports, opts.clients, opts.calls)
            finally:
                code, err = srv.stop()
            check(code == 0, "server exit status %d: %s" % (code, err[-2000:]))
        elif opts.mode == "soak":
            soak(opts)
        else:
            valgrind(opts)
    except SoakFailed as e:
        print("soak: FAILED: %s" % e)
        sys.exit(1)
    print("soak: ok", flush=True)


if __name__ == "__main__":
    main()

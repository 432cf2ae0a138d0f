"""kRPC 0.7 (issue 11, ../shared/spec/v070-final.md): the protocol version in
the handshake, pre-0.7 and 0.7 clients served at once each in its own
protocol (GetServices views, nested nulls, object id 0, error types, stream
deduplication), holding the tick, StdLib, and server-side functions.

A "v07" client announces protocol version 1 in its ConnectionRequest; a
"legacy" client sends none, exactly as the clients released before 0.7.
"""
import base64
import hashlib
import math
import os
import socket
import struct
import time

from krpctest import (Client, Conn, CheckFailed, Server, check, dec_string, dec_varint, enc_sint32,
                      enc_string, eq, make_call, no_stream_update, pb, run_tests, test, varint)
import krpctest


def v07_plugin():
    d = os.environ.get("KRPC_TEST_PLUGIN_DIR")
    check(d, "KRPC_TEST_PLUGIN_DIR is not set")
    return os.path.join(d, "plugin_v07.so")


def plugins():
    return krpctest.OPTIONS.plugin + [v07_plugin()]


class V07Client(Client):
    """A client that speaks protocol version `version` (1: kRPC 0.7.0)."""

    def __init__(self, server, name="v07", stream=False, version=1):
        self.server = server
        self.rpc = Conn(server.rpc_port)
        req = pb.ConnectionRequest(type=pb.ConnectionRequest.RPC, client_name=name, protocol_version=version)
        self.rpc.send_msg(req)
        resp = self.rpc.recv(pb.ConnectionResponse)
        check(resp.status == pb.ConnectionResponse.OK, "handshake: %s" % resp.message)
        self.handshake = resp
        self.id = resp.client_identifier
        self.stream = None
        if stream:
            self.stream = Conn(server.stream_port)
            self.stream.send_msg(pb.ConnectionRequest(type=pb.ConnectionRequest.STREAM, client_identifier=self.id,
                                                      protocol_version=version))
            sresp = self.stream.recv(pb.ConnectionResponse)
            check(sresp.status == pb.ConnectionResponse.OK, "stream handshake: %s" % sresp.message)


# ---- values ------------------------------------------------------------------

def enc_double(x):
    return struct.pack("<d", x)


def dec_double(b):
    return struct.unpack("<d", b)[0]


def enc_bool(b):
    return b"\x01" if b else b"\x00"


def enc_u64(n):
    return varint(n)


def dec_sint32(b):
    n, _ = dec_varint(b)
    n &= 0xFFFFFFFF
    return (n >> 1) ^ -(n & 1)


def enc_list(items):
    m = pb.List()
    m.items.extend(items)
    return m.SerializeToString()


def dec_list(b):
    m = pb.List()
    m.ParseFromString(b)
    return list(m.items)


def enc_tuple(items):
    m = pb.Tuple()
    m.items.extend(items)
    return m.SerializeToString()


def dec_tuple(b):
    m = pb.Tuple()
    m.ParseFromString(b)
    return list(m.items)


def enc_dict(entries):
    m = pb.Dictionary()
    for k, v in entries:
        m.entries.add(key=k, value=v)
    return m.SerializeToString()


def dec_dict(b):
    m = pb.Dictionary()
    m.ParseFromString(b)
    return [(e.key, e.value) for e in m.entries]


def vec(x, y, z):
    return enc_tuple([enc_double(x), enc_double(y), enc_double(z)])


def dec_vec(b):
    return tuple(dec_double(i) for i in dec_tuple(b))


def services_of(client):
    m = pb.Services()
    m.ParseFromString(client.value("KRPC", "GetServices"))
    return {s.name: s for s in m.services}, [s.name for s in m.services]


def proc(service, name):
    for p in service.procedures:
        if p.name == name:
            return p
    raise CheckFailed("no procedure %s" % name)


def error_of(result):
    check(result.HasField("error"), "expected an error, got a value")
    return result.error


# ---- handshake -----------------------------------------------------------------

@test
def handshake_version_answered_to_v07_only():
    with Server(plugins=plugins()) as srv:
        old = Client(srv)
        raw = old.rpc  # the answer to a pre-0.7 client names no version
        new = V07Client(srv)
        eq(new.handshake.protocol_version, 1, "accepted version")
        # the old client's answer is byte-identical to the snapshot's: status, id only
        c = Conn(srv.rpc_port)
        c.send_msg(pb.ConnectionRequest(type=pb.ConnectionRequest.RPC, client_name="x"))
        data = c.recv_raw()
        resp = pb.ConnectionResponse()
        resp.ParseFromString(data)
        eq(resp.protocol_version, 0, "no version for an old client")
        eq(data[:2], b"\x1a\x10", "only the client identifier field")
        eq(len(data), 18, "answer length")
        c.close()
        # version 0 said explicitly is a pre-0.7 client
        zero = V07Client(srv, version=0)
        eq(zero.handshake.protocol_version, 0, "version 0")
        names = services_of(zero)[1]
        eq(names, ["KRPC", "TestService", "Benchmark", "V07Test"], "version 0 sees the old services")
        old.close(), new.close(), zero.close()


@test
def handshake_wrong_protocol_version():
    with Server() as srv:
        c = Conn(srv.rpc_port)
        c.send_msg(pb.ConnectionRequest(type=pb.ConnectionRequest.RPC, client_name="x", protocol_version=7))
        resp = c.recv(pb.ConnectionResponse)
        eq(resp.status, pb.ConnectionResponse.WRONG_PROTOCOL_VERSION, "status")
        check("7" in resp.message and "not supported" in resp.message, resp.message)
        check(c.closed_by_server(), "closed after the refusal")
        # and on the stream port
        ok = V07Client(srv)
        s = Conn(srv.stream_port)
        s.send_msg(pb.ConnectionRequest(type=pb.ConnectionRequest.STREAM, client_identifier=ok.id,
                                        protocol_version=2))
        eq(s.recv(pb.ConnectionResponse).status, pb.ConnectionResponse.WRONG_PROTOCOL_VERSION, "stream status")
        ok.close()


def ws_upgrade(port, path="/", protocols=None):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    key = base64.b64encode(os.urandom(16)).decode()
    lines = ["GET %s HTTP/1.1" % path, "Host: 127.0.0.1:%d" % port, "Upgrade: websocket",
             "Connection: Upgrade", "Sec-WebSocket-Key: " + key, "Sec-WebSocket-Version: 13"]
    if protocols is not None:
        lines.append("Sec-WebSocket-Protocol: " + protocols)
    s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    return s, head.decode(), rest


def ws_send(s, payload):
    mask = os.urandom(4)
    n = len(payload)
    hdr = bytes([0x82])
    if n < 126:
        hdr += bytes([0x80 | n])
    else:
        hdr += bytes([0x80 | 126]) + struct.pack(">H", n)
    s.sendall(hdr + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))


def ws_recv(s, buf=b""):
    while True:
        if len(buf) >= 2:
            n = buf[1] & 0x7F
            off = 2
            if n == 126:
                if len(buf) < 4:
                    n = None
                else:
                    n = struct.unpack(">H", buf[2:4])[0]
                    off = 4
            elif n == 127:
                if len(buf) < 10:
                    n = None
                else:
                    n = struct.unpack(">Q", buf[2:10])[0]
                    off = 10
            if n is not None and len(buf) >= off + n:
                return buf[off:off + n], buf[off + n:]
        chunk = s.recv(65536)
        if not chunk:
            raise ConnectionError("closed")
        buf += chunk


@test
def websocket_subprotocol_krpc_1():
    with Server("--type", "websockets", plugins=plugins()) as srv:
        # no subprotocol: a pre-0.7 client, and the 101 names none
        s, head, rest = ws_upgrade(srv.rpc_port, "/?name=old")
        check(head.startswith("HTTP/1.1 101"), head)
        check("Sec-WebSocket-Protocol" not in head, head)
        req = pb.Request()
        req.calls.append(make_call("KRPC", "GetServices"))
        ws_send(s, req.SerializeToString())
        msg, rest = ws_recv(s, rest)
        resp = pb.Response()
        resp.ParseFromString(msg)
        m = pb.Services()
        m.ParseFromString(resp.results[0].value)
        eq([x.name for x in m.services], ["KRPC", "TestService", "Benchmark", "V07Test"], "old view")
        s.close()
        # krpc.1 (among others): named in the 101, and the 0.7 view
        s, head, rest = ws_upgrade(srv.rpc_port, "/?name=new", "chat, krpc.1")
        check(head.startswith("HTTP/1.1 101"), head)
        check("\r\nSec-WebSocket-Protocol: krpc.1" in head, head)
        ws_send(s, req.SerializeToString())
        msg, rest = ws_recv(s, rest)
        resp = pb.Response()
        resp.ParseFromString(msg)
        m = pb.Services()
        m.ParseFromString(resp.results[0].value)
        eq([x.name for x in m.services], ["KRPC", "StdLib", "TestService", "Benchmark", "TestService2", "V07Test"],
           "0.7 view")
        # its stream connection names the subprotocol too
        req2 = pb.Request()
        req2.calls.append(make_call("KRPC", "GetClientID"))
        ws_send(s, req2.SerializeToString())
        msg, rest = ws_recv(s, rest)
        resp = pb.Response()
        resp.ParseFromString(msg)
        ident = base64.b64encode(resp.results[0].value[1:]).decode()
        st, shead, _ = ws_upgrade(srv.stream_port, "/?id=" + ident, "krpc.1")
        check(shead.startswith("HTTP/1.1 101") and "\r\nSec-WebSocket-Protocol: krpc.1" in shead, shead)
        st.close()
        s.close()
        # only unknown kRPC versions: 400 with a text
        s, head, rest = ws_upgrade(srv.rpc_port, "/?name=future", "krpc.9")
        check(head.startswith("HTTP/1.1 400"), head)
        s.close()
        # a client that asks for krpc.0 gets it named back
        s, head, rest = ws_upgrade(srv.rpc_port, "/?name=zero", "krpc.0")
        check("\r\nSec-WebSocket-Protocol: krpc.0" in head, head)
        s.close()


# ---- GetServices: one view per protocol generation ------------------------------------

@test
def getservices_views():
    with Server(plugins=plugins()) as srv:
        old, new = Client(srv), V07Client(srv)
        osvc, onames = services_of(old)
        nsvc, nnames = services_of(new)
        eq(onames, ["KRPC", "TestService", "Benchmark", "V07Test"], "old services")
        eq(nnames, ["KRPC", "StdLib", "TestService", "Benchmark", "TestService2", "V07Test"], "0.7 services")
        # the old view is the snapshot's: nullability in the old fields, no Type.nullable
        p = proc(osvc["TestService"], "EchoNullableInt")
        check(p.return_is_nullable and p.parameters[0].nullable, "old nullable flags")
        check(not p.return_type.nullable and not p.parameters[0].type.nullable, "no Type.nullable for old")
        # the 0.7 view: Type.nullable only
        p = proc(nsvc["TestService"], "EchoNullableInt")
        check(not p.return_is_nullable and not p.parameters[0].nullable, "old fields gone")
        check(p.return_type.nullable and p.parameters[0].type.nullable, "Type.nullable")
        p = proc(nsvc["TestService"], "AddMultipleValues")
        check(not p.return_type.nullable, "non-nullable return")
        # nested positions
        p = proc(nsvc["V07Test"], "EchoNested")
        t = p.parameters[0].type
        check(not t.nullable and t.types[0].nullable and t.types[0].types[0].nullable, "list(list(Thing?)?)")
        p = proc(osvc["V07Test"], "EchoNested")
        t = p.parameters[0].type
        check(not t.types[0].nullable and not t.types[0].types[0].nullable, "old view: no nested flags")
        st = [s for s in nsvc["V07Test"].structs if s.name == "Pair"][0]
        check(st.fields[0].type.nullable and st.fields[1].type.nullable, "nullable struct fields")
        d = proc(nsvc["V07Test"], "EchoDict").return_type
        check(not d.types[0].nullable and d.types[1].nullable, "dictionary value nullable, key not")
        # the 0.7 KRPC: the new members
        k = nsvc["KRPC"]
        names = {p.name for p in k.procedures}
        for n in ["HoldTick", "ReleaseTick", "NextTick", "RunFunction", "CompileFunction", "AddFunctionStream",
                  "AddEvent", "Expression_static_Lambda", "Expression_static_StateVariable",
                  "Type_get_Code", "Type_get_Nullable", "Expression_get_ReturnType"]:
            check(n in names, "0.7 KRPC has " + n)
        check("Expression_static_Function" not in names, "Function was renamed Lambda")
        eq(proc(k, "AddEvent").parameters[0].name, "function", "AddEvent parameter")
        check({"TypeCode", "GameScene"} <= {e.name for e in k.enumerations}, "TypeCode")
        eq([s.name for s in k.structs], ["ClientInfo"], "ClientInfo")
        clients = proc(k, "get_Clients").return_type
        eq((clients.code, clients.types[0].code, clients.types[0].name), (pb.Type.LIST, pb.Type.STRUCT, "ClientInfo"),
           "Clients type")
        excs = {e.name for e in k.exceptions}
        for e in ["DivideByZeroException", "KeyNotFoundException", "IndexOutOfRangeException",
                  "NullReferenceException", "OverflowException", "NotSupportedException", "TimeoutException",
                  "ArgumentException", "InvalidOperationException"]:
            check(e in excs, "exception " + e)
        rf = proc(k, "RunFunction")
        check(rf.return_type.nullable and rf.parameters[1].type.types[0].nullable, "RunFunction nullability")
        # the old KRPC is untouched
        names = {p.name for p in osvc["KRPC"].procedures}
        check("HoldTick" not in names and "Expression_static_Function" in names, "old KRPC")
        old.close(), new.close()


@test
def service_lookup_per_generation():
    with Server(plugins=plugins()) as srv:
        old, new = Client(srv), V07Client(srv)
        # StdLib only for 0.7 clients, by name and by id
        r = old.call("StdLib", "get_Pi")
        check(r.HasField("error") and "not found" in r.error.description, "old: no StdLib")
        eq(dec_double(new.value("StdLib", "get_Pi")), math.pi, "StdLib.Pi")
        r = new.request(pb.ProcedureCall(service_id=8, procedure_id=proc(services_of(new)[0]["StdLib"], "Abs") and 1,
                                         arguments=[pb.Argument(position=0, value=enc_double(-2.5))]))
        eq(dec_double(r.results[0].value), 2.5, "StdLib by id (Abs = 1)")
        # the same name, two services
        r = old.call("KRPC", "HoldTick")
        check(r.HasField("error"), "old: no HoldTick")
        r = new.call("KRPC", "Expression_static_Function")
        check(r.HasField("error"), "0.7: no Expression.Function")
        old.close(), new.close()


# ---- nested nulls -------------------------------------------------------------

@test
def nested_nulls_each_client_its_own_encoding():
    with Server(plugins=plugins()) as srv:
        old, new = Client(srv), V07Client(srv)
        # [1, null, 3]: presence bytes for 0.7 (v070-final.md 2.3 example)
        eq(dec_list(new.value("V07Test", "ListWithNull")), [b"\x01\x02", b"\x00", b"\x01\x06"], "0.7 bytes")
        r = old.call("V07Test", "ListWithNull")
        check(r.HasField("error") and "cannot be null" in r.error.description, "old: no nested null")
        # without nulls: the old encoding for old clients, presence bytes for new ones
        eq(dec_list(old.value("V07Test", "ListWithoutNull")), [b"\x02", b"\x04"], "old bytes")
        eq(dec_list(new.value("V07Test", "ListWithoutNull")), [b"\x01\x02", b"\x01\x04"], "new bytes")
        # echo: arguments decoded with the presence byte too
        arg = enc_list([b"\x00", b"\x01\x0a"])
        eq(dec_list(new.value("V07Test", "EchoList", arg)), [b"\x00", b"\x01\x0a"], "echo list")
        eq(dec_list(old.value("V07Test", "EchoList", enc_list([b"\x0a"]))), [b"\x0a"], "old echo list")
        d = enc_dict([(enc_string("a"), b"\x00"), (enc_string("b"), b"\x01" + enc_string("x"))])
        eq(dec_dict(new.value("V07Test", "EchoDict", d)),
           [(enc_string("a"), b"\x00"), (enc_string("b"), b"\x01" + enc_string("x"))], "echo dict")
        t = enc_tuple([b"\x00", enc_string("s")])
        eq(dec_tuple(new.value("V07Test", "EchoTuple", t)), [b"\x00", enc_string("s")], "echo tuple")
        # a struct: field 2 a nullable class holding object n, or null
        eq(dec_tuple(new.value("V07Test", "NullPair")), [b"\x00", b"\x00"], "null pair")
        thing = new.value("V07Test", "NewThing", enc_sint32(0))
        p = enc_tuple([b"\x01\x0e", b"\x01" + thing])
        eq(dec_tuple(new.value("V07Test", "EchoStruct", p)), [b"\x01\x0e", b"\x01" + thing], "echo struct")
        nested = enc_list([b"\x00", b"\x01" + enc_list([b"\x00", b"\x01" + thing])])
        eq(new.value("V07Test", "EchoNested", nested), nested, "nested")
        # a bad presence byte
        resp = new.request(make_call("V07Test", "EchoList", enc_list([b"\x02\x02"])))
        check(resp.HasField("error") and "presence" in resp.error.description, "bad presence byte")
        old.close(), new.close()


@test
def object_id_zero_per_generation():
    with Server() as srv:
        old, new = Client(srv), V07Client(srv)
        # id 0 for a nullable class parameter: null for old clients, no object for 0.7 ones
        r = old.call("TestService", "EchoTestObject", varint(0))
        check(not r.HasField("error") and r.is_null, "old: id 0 is null")
        resp = new.request(make_call("TestService", "EchoTestObject", varint(0)))
        check(resp.HasField("error") or resp.results[0].HasField("error"), "0.7: id 0 is an error")
        # null itself still travels out of band
        r = new.call("TestService", "EchoTestObject", None)
        check(r.is_null, "0.7 null argument")
        old.close(), new.close()


@test
def clients_property_same_bytes():
    with Server() as srv:
        old, new = Client(srv, name="old"), V07Client(srv, name="new")
        a = old.value("KRPC", "get_Clients")
        b = new.value("KRPC", "get_Clients")
        eq(a, b, "ClientInfo structs encode as the old tuples")
        items = dec_list(b)
        eq(len(items), 2, "two clients")
        eq(dec_tuple(items[1])[1], enc_string("new"), "name field")
        old.close(), new.close()


@test
def stream_dedup_per_generation():
    with Server() as srv:
        old, new = Client(srv, stream=True), V07Client(srv, stream=True)
        call = make_call("TestService", "Int32ToString", enc_sint32(3)).SerializeToString()
        def ids(c):
            out = []
            for _ in range(2):
                st = pb.Stream()
                st.ParseFromString(c.value("KRPC", "AddStream", call, enc_bool(False)))
                out.append(st.id)
            return out
        a = ids(old)
        eq(a[0], a[1], "old client: one stream for equal calls")
        b = ids(new)
        check(b[0] != b[1], "0.7 client: a new stream each time")
        # ids: an ended one is a no-op for 0.7 clients, one never issued an ArgumentException
        new.call("KRPC", "RemoveStream", varint(b[0]))
        time.sleep(0.1)
        for proc, extra in [("StartStream", ()), ("SetStreamRate", (struct.pack("<f", 1),)),
                            ("RemoveStream", ())]:
            r = new.call("KRPC", proc, varint(b[0]), *extra)
            check(not r.HasField("error"), "%s of an ended stream: %s" % (proc, r.error.description))
            e = error_of(new.call("KRPC", proc, varint(10**6), *extra))
            eq((e.service, e.name), ("KRPC", "ArgumentException"), proc + " of an id never issued")
        e = error_of(old.call("KRPC", "StartStream", varint(10**6)))
        eq(e.description, "Stream does not exist with this id", "old clients: as before")
        old.close(), new.close()


@test
def new_exception_types_per_generation():
    with Server(plugins=plugins()) as srv:
        old, new = Client(srv), V07Client(srv)
        e = error_of(new.call("V07Test", "MissingKey"))
        eq((e.service, e.name), ("KRPC", "KeyNotFoundException"), "0.7: typed")
        e = error_of(old.call("V07Test", "MissingKey"))
        eq((e.service, e.name), ("", ""), "old: untyped")
        eq(e.description, "The given key was not present in the dictionary.", "text")
        # the old kinds are typed for both
        e = error_of(old.call("TestService", "ThrowArgumentException"))
        eq((e.service, e.name), ("KRPC", "ArgumentException"), "old: ArgumentException")
        old.close(), new.close()


# ---- holding the tick ------------------------------------------------------------

def ticks(c):
    n, _ = dec_varint(c.value("V07Test", "get_Ticks"))
    return n


def ok(c, *call):
    r = c.call(*call)
    check(not r.HasField("error"), "%s.%s: %s" % (call[0], call[1], r.error.description))
    return r


@test
def hold_tick_control_loop_sees_one_tick():
    with Server(plugins=plugins()) as srv:
        c, other = V07Client(srv, stream=True), V07Client(srv)
        time.sleep(0.1)
        check(ticks(c) > 0, "the simulation runs")
        # a stream of the tick count: nothing is sent while the tick is held
        call = make_call("V07Test", "get_Ticks").SerializeToString()
        st = pb.Stream()
        st.ParseFromString(c.value("KRPC", "AddStream", call, enc_bool(True)))
        c.stream_update()
        ok(c, "KRPC", "HoldTick")
        held = ticks(c)
        # updates sent before the hold may still be on their way: drain them
        c.stream.sock.settimeout(0.05)
        try:
            while True:
                for r in c.stream_update().results:
                    check(dec_varint(r.result.value)[0] <= held, "an update from before the hold")
        except socket.timeout:
            pass
        reads = []
        for _ in range(10):
            reads.append(ticks(c))
            eq(ticks(other), held, "another client sees the same tick")
            time.sleep(0.02)
        eq(reads, [held] * 10, "every read of the loop sees one tick")
        try:
            c.stream.recv_raw()
            raise CheckFailed("a stream update was sent while the tick was held")
        except socket.timeout:
            pass
        # several calls in one request, all in the same tick
        resp = c.request(*[make_call("V07Test", "get_Ticks") for _ in range(5)])
        eq({dec_varint(r.value)[0] for r in resp.results}, {held}, "batched reads")
        ok(c, "KRPC", "ReleaseTick")
        c.stream.sock.settimeout(5)
        upd = c.stream_update()
        check(dec_varint(upd.results[0].result.value)[0] >= held, "streams go on after the release")
        time.sleep(0.1)
        check(ticks(c) > held, "time moves on after the release")
        ok(c, "KRPC", "ReleaseTick")  # releasing what is not held: no error
        c.close(), other.close()


@test
def hold_tick_errors():
    with Server(plugins=plugins()) as srv:
        a, b = V07Client(srv), V07Client(srv)
        ok(a, "KRPC", "HoldTick")
        e = error_of(a.call("KRPC", "HoldTick"))
        eq((e.service, e.name, e.description),
           ("KRPC", "InvalidOperationException", "This client is already holding the tick"), "renewing")
        e = error_of(b.call("KRPC", "HoldTick"))
        eq(e.description, "Another client is holding the tick", "second client")
        ok(b, "KRPC", "ReleaseTick")  # not b's hold: nothing happens
        eq(error_of(b.call("KRPC", "HoldTick")).description, "Another client is holding the tick", "still a's")
        ok(a, "KRPC", "ReleaseTick")
        # held and released in this tick: the next hold waits for the next tick
        t = ticks(b)
        ok(b, "KRPC", "HoldTick")
        check(ticks(b) > t or True, "")
        ok(b, "KRPC", "ReleaseTick")
        a.close(), b.close()


@test
def hold_tick_times_out():
    with Server("--tick-hold-timeout", "500000", plugins=plugins()) as srv:
        c = V07Client(srv)
        ok(c, "KRPC", "HoldTick")
        held = ticks(c)
        time.sleep(0.1)
        eq(ticks(c), held, "held before the timeout")
        time.sleep(0.6)
        t1 = ticks(c)
        time.sleep(0.1)
        check(ticks(c) > t1 >= held, "the hold timed out and time moves on")
        ok(c, "KRPC", "HoldTick")  # a new hold (not "already holding")
        ok(c, "KRPC", "ReleaseTick")
        c.close()
        code, err = srv.stop()
        check("held the tick for longer than the timeout allows" in err, "timeout logged")


@test
def hold_tick_default_timeout_one_second():
    with Server(plugins=plugins()) as srv:
        c = V07Client(srv)
        ok(c, "KRPC", "HoldTick")
        held = ticks(c)
        time.sleep(0.6)
        eq(ticks(c), held, "still held after 0.6 s")
        time.sleep(0.6)
        t = ticks(c)
        time.sleep(0.1)
        check(ticks(c) > t, "released after 1 s")
        c.close()


@test
def next_tick_advances_exactly_one_tick():
    with Server(plugins=plugins()) as srv:
        c = V07Client(srv)
        ok(c, "KRPC", "HoldTick")
        t0 = ticks(c)
        time0 = dec_double(c.value("V07Test", "get_Time"))
        for i in range(1, 21):
            ok(c, "KRPC", "NextTick")
            eq(ticks(c), t0 + i, "tick after NextTick %d" % i)
            time.sleep(0.01 if i % 5 == 0 else 0)
            eq(ticks(c), t0 + i, "still that tick")
        time1 = dec_double(c.value("V07Test", "get_Time"))
        check(abs((time1 - time0) - 20 / 60.0) < 1e-9, "simulated time: 20 steps of 1/60 s, got %r" % (time1 - time0))
        ok(c, "KRPC", "ReleaseTick")
        # NextTick without a hold: takes a hold (this tick was not held yet), then releases as usual
        time.sleep(0.05)
        ok(c, "KRPC", "NextTick")
        t = ticks(c)
        time.sleep(0.05)
        eq(ticks(c), t, "NextTick leaves the tick held")
        ok(c, "KRPC", "ReleaseTick")
        c.close()


@test
def hold_tick_ends_with_disconnect_and_yield():
    with Server(plugins=plugins()) as srv:
        c, watcher = V07Client(srv), V07Client(srv)
        ok(c, "KRPC", "HoldTick")
        held = ticks(watcher)
        c.close()
        time.sleep(0.15)
        check(ticks(watcher) > held, "a client that disconnects gives the tick back")
        # a call that needs more updates ends the hold, and then finishes
        d = V07Client(srv)
        ok(d, "KRPC", "HoldTick")
        held = ticks(d)
        r = d.call("TestService", "BlockingProcedure", enc_sint32(3), enc_sint32(0))
        check(not r.HasField("error"), r.error.description)
        check(ticks(d) > held, "the yielding call released the tick")
        e = d.call("KRPC", "HoldTick")
        check(not e.HasField("error"), "the client can hold again")
        ok(d, "KRPC", "ReleaseTick")
        watcher.close(), d.close()
        code, err = srv.stop()
        check("disconnected while holding the tick" in err, "disconnect logged")
        check("needs another update" in err, "yield logged")


@test
def hold_tick_not_from_a_stream():
    with Server(plugins=plugins()) as srv:
        c = V07Client(srv, stream=True)
        call = make_call("KRPC", "HoldTick").SerializeToString()
        r = c.call("KRPC", "AddStream", call, enc_bool(True))
        if not r.HasField("error"):
            upd = c.stream_update()
            e = upd.results[0].result.error
            eq(e.description, "The tick can only be held by a client making a call, not by a stream or an event",
               "stream error")
        t = ticks(c)
        time.sleep(0.1)
        check(ticks(c) > t, "not held")
        c.close()


@test
def hold_tick_legacy_clients_served_during_hold():
    with Server(plugins=plugins()) as srv:
        new, old = V07Client(srv), Client(srv)
        ok(new, "KRPC", "HoldTick")
        held = ticks(new)
        for _ in range(5):
            eq(ticks(old), held, "an old client is served in the held tick")
        ok(new, "KRPC", "ReleaseTick")
        new.close(), old.close()


def spacecenter_plugin():
    path = os.environ.get("KRPC_SPACECENTER_PLUGIN")
    check(path, "KRPC_SPACECENTER_PLUGIN is not set")
    return path


@test
def hold_tick_stops_the_mock_game():
    """The reference's SpaceCenter test_tick_hold.py (tick-hold branch), against the mock game:
    universal time does not change while a tick is held, and does once it is released."""
    with Server(plugins=[spacecenter_plugin()]) as srv:
        c = V07Client(srv)
        ut = lambda: dec_double(c.value("SpaceCenter", "get_UT"))
        t0 = ut()
        time.sleep(0.1)
        check(ut() > t0, "the mock game's time runs")
        ok(c, "KRPC", "HoldTick")
        held = ut()
        time.sleep(0.3)
        eq(ut(), held, "UT while the tick is held")
        ok(c, "KRPC", "ReleaseTick")
        time.sleep(0.3)
        check(ut() > held, "UT moves on after the release")
        # a hold that is not released runs out of time (default 1 s)
        ok(c, "KRPC", "HoldTick")
        held = ut()
        time.sleep(1.3)
        check(ut() > held, "the hold timed out")
        # the tick cannot be held twice; releasing what is not held does nothing
        ok(c, "KRPC", "HoldTick")
        e = error_of(c.call("KRPC", "HoldTick"))
        eq(e.name, "InvalidOperationException", "held twice (RuntimeError in Python)")
        ok(c, "KRPC", "ReleaseTick")
        ok(c, "KRPC", "ReleaseTick")
        ok(c, "KRPC", "ReleaseTick")
        c.close()


# ---- StdLib ----------------------------------------------------------------------

def std(c, name, *args):
    r = c.call("StdLib", name, *args)
    check(not r.HasField("error"), "StdLib.%s: %s" % (name, r.error.description))
    return r.value


def stdd(c, name, *xs):
    return dec_double(std(c, name, *[enc_double(x) for x in xs]))


def close(a, b, tol=1e-12):
    if isinstance(a, tuple):
        return len(a) == len(b) and all(close(x, y, tol) for x, y in zip(a, b))
    return abs(a - b) <= tol * max(1.0, abs(b))


def quat(x, y, z, w):
    return enc_tuple([enc_double(v) for v in (x, y, z, w)])


@test
def stdlib_scalars():
    with Server() as srv:
        c = V07Client(srv)
        eq(dec_double(std(c, "get_Pi")), math.pi, "Pi")
        eq(dec_double(std(c, "get_E")), math.e, "E")
        eq(stdd(c, "Abs", -2.5), 2.5, "Abs")
        eq(dec_sint32(std(c, "Sign", enc_double(-3))), -1, "Sign -")
        eq(dec_sint32(std(c, "Sign", enc_double(float("nan")))), 0, "Sign NaN")
        eq(dec_sint32(std(c, "Sign", enc_double(0.0))), 0, "Sign 0")
        eq(math.copysign(1, stdd(c, "CopySign", 3, -0.0)), -1.0, "CopySign")
        eq(std(c, "IsNan", enc_double(float("nan"))), b"\x01", "IsNan")
        eq(std(c, "IsFinite", enc_double(float("inf"))), b"\x00", "IsFinite inf")
        eq(stdd(c, "Floor", -1.5), -2.0, "Floor")
        eq(stdd(c, "Ceiling", -1.5), -1.0, "Ceiling")
        eq(stdd(c, "Sqrt", 2), math.sqrt(2), "Sqrt")
        eq(stdd(c, "Exp", 1), math.exp(1), "Exp")
        eq(stdd(c, "Log10", 1000), 3.0, "Log10")
        eq(stdd(c, "Log", 8, 2), 3.0, "Log base 2")
        eq(dec_double(std(c, "Log", enc_double(math.e))), 1.0, "natural Log by default")
        for f, pf in [("Sin", math.sin), ("Cos", math.cos), ("Tan", math.tan), ("Asin", math.asin),
                      ("Acos", math.acos), ("Atan", math.atan)]:
            eq(stdd(c, f, 0.3), pf(0.3), f)
        eq(stdd(c, "Atan2", 1, 1), math.pi / 4, "Atan2")
        check(math.isnan(stdd(c, "Min", float("nan"), 1)), "Min NaN")
        eq(stdd(c, "Max", 2, 7), 7.0, "Max")
        eq(stdd(c, "Clamp", 5, 0, 3), 3.0, "Clamp")
        e = error_of(c.call("StdLib", "Clamp", enc_double(1), enc_double(3), enc_double(0)))
        eq(e.name, "ArgumentException", "Clamp min > max")
        eq(stdd(c, "DegreesToRadians", 180), math.pi, "DegreesToRadians")
        eq(stdd(c, "RadiansToDegrees", math.pi), 180.0, "RadiansToDegrees")
        eq(stdd(c, "Hypot", 3, 4), 5.0, "Hypot")
        check(close(stdd(c, "Hypot", 1e300, 1e300), math.sqrt(2) * 1e300), "Hypot without overflow")
        eq(stdd(c, "Lerp", 1, 3, 0.5), 2.0, "Lerp")
        eq(stdd(c, "Lerp", 1, 3, 2), 5.0, "Lerp extrapolates")
        eq(stdd(c, "Lerp", 0.1, 0.7, 1), 0.7, "Lerp exact at 1")
        eq(stdd(c, "InverseLerp", 1, 3, 2), 0.5, "InverseLerp")
        eq(stdd(c, "InverseLerp", 1, 3, 5), 1.0, "InverseLerp clamped")
        eq(stdd(c, "InverseLerp", 2, 2, 7), 0.0, "InverseLerp of an empty range")
        c.close()


@test
def stdlib_rounding_matches_python():
    import decimal
    import random
    with Server() as srv:
        c = V07Client(srv)
        def rnd(name, x, d):
            return dec_double(std(c, name, enc_double(x), enc_sint32(d)))
        eq(rnd("Round", 2.675, 2), 2.67, "Round(2.675, 2): the exact value is below half")
        for x, want in [(2.5, 2.0), (3.5, 4.0), (-2.5, -2.0), (0.5, 0.0)]:
            eq(dec_double(std(c, "Round", enc_double(x))), want, "Round(%r)" % x)
        eq(rnd("Round", 1250, -2), 1200.0, "half to even at hundreds")
        eq(rnd("Round", 1350, -2), 1400.0, "half to even at hundreds (up)")
        eq(rnd("Round", 0.125, 2), 0.12, "exact half")
        eq(rnd("RoundHalfAwayFromZero", 2.5, 0), 3.0, "away")
        eq(rnd("RoundHalfAwayFromZero", -2.5, 0), -3.0, "away negative")
        eq(rnd("RoundHalfUp", -2.5, 0), -2.0, "half up negative")
        eq(rnd("RoundHalfUp", 2.5, 0), 3.0, "half up")
        eq(rnd("Round", 1.2345, 400), 1.2345, "more places than a double has")
        eq(rnd("Round", 123.0, -400), 0.0, "fewer than -308 places")
        e = error_of(c.call("StdLib", "Round", enc_double(1.7e308), enc_sint32(-308)))
        eq((e.service, e.name), ("KRPC", "OverflowException"), "too large")
        check(math.isnan(rnd("Round", float("nan"), 2)), "NaN passes through")
        random.seed(7)
        D = decimal.Decimal
        for _ in range(300):
            x = random.choice([random.uniform(-1e6, 1e6), random.uniform(-10, 10),
                               round(random.uniform(-100, 100), 3), random.randint(-99999, 99999) + 0.5])
            d = random.randint(-4, 6)
            eq(rnd("Round", x, d), round(x, d), "Round(%r, %d)" % (x, d))
            q = D(1).scaleb(-d)
            away = float(D(x).quantize(q, rounding=decimal.ROUND_HALF_UP))
            eq(rnd("RoundHalfAwayFromZero", x, d), away, "RoundHalfAwayFromZero(%r, %d)" % (x, d))
            up = float(D(x).quantize(q, rounding=decimal.ROUND_HALF_UP if x >= 0 else decimal.ROUND_HALF_DOWN))
            eq(rnd("RoundHalfUp", x, d), up, "RoundHalfUp(%r, %d)" % (x, d))
        c.close()


@test
def stdlib_vectors_and_quaternions():
    with Server() as srv:
        c = V07Client(srv)
        def v(name, *args):
            return dec_vec(std(c, name, *args))
        eq(v("VectorAdd", vec(1, 2, 3), vec(4, 5, 6)), (5.0, 7.0, 9.0), "VectorAdd")
        eq(v("VectorSubtract", vec(1, 2, 3), vec(4, 5, 6)), (-3.0, -3.0, -3.0), "VectorSubtract")
        eq(v("VectorScale", vec(1, 2, 3), enc_double(2)), (2.0, 4.0, 6.0), "VectorScale")
        eq(dec_double(std(c, "VectorDot", vec(1, 2, 3), vec(4, 5, 6))), 32.0, "VectorDot")
        eq(v("VectorCross", vec(1, 0, 0), vec(0, 1, 0)), (0.0, 0.0, 1.0), "VectorCross")
        eq(dec_double(std(c, "VectorMagnitude", vec(3, 4, 0))), 5.0, "VectorMagnitude")
        check(close(dec_double(std(c, "VectorMagnitude", vec(1e300, 1e300, 0))), math.sqrt(2) * 1e300),
              "VectorMagnitude without overflow")
        eq(v("VectorNormalize", vec(0, 3, 4)), (0.0, 0.6, 0.8), "VectorNormalize")
        check(close(v("VectorNormalize", vec(1e-310, 0, 0)), (1.0, 0.0, 0.0)), "normalize a tiny vector")
        eq(error_of(c.call("StdLib", "VectorNormalize", vec(0, 0, 0))).name, "ArgumentException", "zero vector")
        eq(dec_double(std(c, "VectorDistance", vec(1, 1, 1), vec(4, 5, 1))), 5.0, "VectorDistance")
        eq(dec_double(std(c, "VectorAngle", vec(1, 0, 0), vec(0, 2, 0))), math.pi / 2, "VectorAngle")
        a = dec_double(std(c, "VectorAngle", vec(1, 0, 0), vec(-1, 1e-10, 0)))
        check(close(a, math.pi - 1e-10, 1e-15), "VectorAngle precise near pi: %r" % a)
        check(close(dec_double(std(c, "VectorAngle", vec(1, 0, 0), vec(1, 1e-10, 0))), 1e-10, 1e-9),
              "VectorAngle precise near 0")
        eq(v("VectorLerp", vec(0, 0, 0), vec(2, 4, 6), enc_double(0.5)), (1.0, 2.0, 3.0), "VectorLerp")
        s = math.sin(math.pi / 4)
        q = dec_tuple(std(c, "QuaternionFromAxisAngle", vec(0, 0, 2), enc_double(math.pi / 2)))
        q = tuple(dec_double(x) for x in q)
        check(close(q, (0.0, 0.0, s, s)), "QuaternionFromAxisAngle %r" % (q,))
        Q = quat(*q)
        check(close(v("QuaternionRotateVector", Q, vec(1, 0, 0)), (0.0, 1.0, 0.0)), "rotate 90 about z")
        qq = std(c, "QuaternionMultiply", Q, Q)
        check(close(v("QuaternionRotateVector", qq, vec(1, 0, 0)), (-1.0, 0.0, 0.0)), "twice: 180")
        inv = std(c, "QuaternionInverse", Q)
        check(close(v("QuaternionRotateVector", inv, vec(0, 1, 0)), (1.0, 0.0, 0.0)), "inverse")
        ident = quat(0, 0, 0, 1)
        check(close(dec_double(std(c, "QuaternionAngle", Q, ident)), math.pi / 2), "QuaternionAngle")
        eq(dec_double(std(c, "QuaternionAngle", Q, quat(*[-x for x in q]))), 0.0, "q and -q")
        half = tuple(dec_double(x) for x in dec_tuple(std(c, "QuaternionSlerp", ident, Q, enc_double(0.5))))
        check(close(half, (0, 0, math.sin(math.pi / 8), math.cos(math.pi / 8))), "QuaternionSlerp %r" % (half,))
        axis_angle = dec_tuple(std(c, "QuaternionToAxisAngle", Q))
        check(close(dec_vec(axis_angle[0]), (0.0, 0.0, 1.0)) and close(dec_double(axis_angle[1]), math.pi / 2),
              "QuaternionToAxisAngle")
        none = dec_tuple(std(c, "QuaternionToAxisAngle", ident))
        eq((dec_vec(none[0]), dec_double(none[1])), ((0.0, 0.0, 0.0), 0.0), "no rotation")
        ft = std(c, "QuaternionFromToRotation", vec(1, 0, 0), vec(0, 3, 0))
        check(close(v("QuaternionRotateVector", ft, vec(1, 0, 0)), (0.0, 1.0, 0.0)), "FromToRotation")
        ft = std(c, "QuaternionFromToRotation", vec(1, 0, 0), vec(-1, 0, 0))
        check(close(v("QuaternionRotateVector", ft, vec(1, 0, 0)), (-1.0, 0.0, 0.0)), "FromToRotation opposite")
        lr = tuple(dec_double(x) for x in dec_tuple(std(c, "QuaternionLookRotation", vec(0, 0, 1), vec(0, 1, 0))))
        check(close(lr, (0.0, 0.0, 0.0, 1.0)), "LookRotation identity %r" % (lr,))
        lr = std(c, "QuaternionLookRotation", vec(1, 0, 0), vec(0, 1, 0))
        check(close(v("QuaternionRotateVector", lr, vec(0, 0, 1)), (1.0, 0.0, 0.0)), "LookRotation: z to forward")
        check(close(v("QuaternionRotateVector", lr, vec(0, 1, 0)), (0.0, 1.0, 0.0)), "LookRotation: y up")
        e = error_of(c.call("StdLib", "QuaternionLookRotation", vec(0, 1, 0), vec(0, 2, 0)))
        eq(e.name, "ArgumentException", "parallel")
        for name, args in [("QuaternionInverse", [quat(0, 0, 0, 0)]),
                           ("QuaternionMultiply", [quat(0, 0, 0, 0), ident]),
                           ("QuaternionRotateVector", [quat(0, 0, 0, 0), vec(1, 0, 0)])]:
            eq(error_of(c.call("StdLib", name, *args)).name, "ArgumentException", name + " of zero")
        c.close()


@test
def stdlib_print_logs():
    with Server() as srv:
        c = V07Client(srv)
        std(c, "Print", enc_string("hello from a function"))
        c.close()
        code, err = srv.stop()
        check("hello from a function" in err, "printed to the log")


# ---- server-side functions ----------------------------------------------------------

class F:
    """Build and run functions through the raw KRPC.Expression / KRPC.Type API."""

    def __init__(self, client):
        self.c = client

    def ex(self, name, *args):
        return self.c.value("KRPC", "Expression_static_" + name, *args)

    def ex_err(self, name, *args):
        return error_of(self.c.call("KRPC", "Expression_static_" + name, *args))

    def ty(self, name, *args):
        return self.c.value("KRPC", "Type_static_" + name, *args)

    def i(self, n):
        return self.ex("ConstantInt", enc_sint32(n))

    def d(self, x):
        return self.ex("ConstantDouble", enc_double(x))

    def s(self, text):
        return self.ex("ConstantString", enc_string(text))

    def b(self, v):
        return self.ex("ConstantBool", enc_bool(v))

    def l(self, *items):
        return self.ex("CreateList", enc_list(list(items)))

    def call(self, service, procedure, *args):
        return self.ex("Call", make_call(service, procedure, *args).SerializeToString())

    def run(self, f, *args):
        # arguments: a list(bytes?) - each item a presence byte, then the bytes value
        items = [b"\x00" if a is None else b"\x01" + enc_string(a) for a in args]
        r = self.c.call("KRPC", "RunFunction", f, enc_list(items))
        return r

    def value(self, f, *args):
        r = self.run(f, *args)
        check(not r.HasField("error"), "RunFunction: %s.%s %s" % (r.error.service, r.error.name, r.error.description))
        if r.is_null:
            return None
        n, i = dec_varint(r.value)  # a bytes value: its length, then the encoded value
        return r.value[i:i + n]

    def error(self, f, *args):
        return error_of(self.run(f, *args))

    def prop(self, obj, cls, name):
        return self.c.value("KRPC", "%s_get_%s" % (cls, name), obj)


def dec_id(b):
    return dec_varint(b)[0] if b else 0


def enc_sint64(n):
    return varint(((n << 1) ^ (n >> 63)) & 0xFFFFFFFFFFFFFFFF)


def dec_sint64(b):
    n, _ = dec_varint(b)
    return (n >> 1) ^ -(n & 1)


def dec_float(b):
    return struct.unpack("<f", b)[0]


def typecode(f, e):
    t = f.prop(e, "Expression", "ReturnType")
    return dec_sint32(f.prop(t, "Type", "Code"))


def err_is(e, name, text=None):
    eq((e.service, e.name), ("KRPC", name), "exception type (%s)" % e.description)
    if text is not None:
        check(text in e.description, "%r in %r" % (text, e.description))


@test
def function_constants_and_types():
    with Server() as srv:
        c = V07Client(srv)
        f = F(c)
        eq(dec_double(f.value(f.d(2.5))), 2.5, "double")
        eq(dec_float(f.value(f.ex("ConstantFloat", struct.pack("<f", 1.5)))), 1.5, "float")
        eq(dec_sint32(f.value(f.i(-7))), -7, "int")
        eq(dec_sint64(f.value(f.ex("ConstantLong", enc_sint64(-2**40)))), -2**40, "long")
        eq(dec_varint(f.value(f.ex("ConstantUInt", varint(2**32 - 1))))[0], 2**32 - 1, "uint")
        eq(dec_varint(f.value(f.ex("ConstantULong", varint(2**64 - 1))))[0], 2**64 - 1, "ulong")
        eq(f.value(f.b(True)), b"\x01", "bool")
        eq(dec_string(f.value(f.s("jeb"))), "jeb", "string")
        eq(f.value(f.ex("ConstantBytes", enc_string(b"\x00\xff"))), b"\x02\x00\xff", "bytes")
        null_int = f.ex("ConstantNull", f.ty("Int"))
        eq(f.value(null_int), None, "null")
        t = f.prop(null_int, "Expression", "ReturnType")
        eq(f.prop(t, "Type", "Nullable"), b"\x01", "null is of a nullable type")
        obj = c.value("TestService", "CreateTestObject", enc_string("ssf"))
        o = f.ex("ConstantObject", obj)
        eq(f.value(o), obj, "object")
        t = f.prop(o, "Expression", "ReturnType")
        eq(dec_sint32(f.prop(t, "Type", "Code")), 100, "class code")
        eq(dec_string(f.prop(t, "Type", "Service")), "TestService", "class service")
        eq(dec_string(f.prop(t, "Type", "Name")), "TestClass", "class name")
        err_is(f.ex_err("ConstantObject", varint(0)), "ArgumentException", "0")
        err_is(f.ex_err("ConstantObject", o), "ArgumentException", "KRPC")  # an Expression itself
        en = f.ex("ConstantEnum", enc_string("TestService"), enc_string("TestEnum"), enc_sint32(1))
        eq(f.value(en), enc_sint32(1), "enum")
        err_is(f.ex_err("ConstantEnum", enc_string("TestService"), enc_string("TestEnum"), enc_sint32(99)),
               "ArgumentException")
        # constants are interned, nodes are not; types compare by value
        eq(f.i(1), f.i(1), "ConstantInt(1) twice: one object")
        check(f.i(1) != f.d(1.0), "int and double constants differ")
        check(f.ex("Add", f.i(1), f.i(1)) != f.ex("Add", f.i(1), f.i(1)), "other nodes are new objects")
        eq(f.ty("Int"), f.ty("Int"), "equal types: one object")
        n1 = f.ty("NullableType", f.ty("Int"))
        check(n1 != f.ty("Int"), "nullable differs")
        eq(f.ty("NullableType", n1), n1, "NullableType is idempotent")
        lt = f.ty("ListType", f.ty("Double"))
        eq(f.ty("ListType", f.ty("Double")), lt, "list types by value")
        eq(dec_sint32(f.prop(lt, "Type", "Code")), 301, "list code")
        eq(dec_list(f.prop(lt, "Type", "Types")), [f.ty("Double")], "list element type")
        eq(dec_list(f.prop(f.ty("Int"), "Type", "Types")), [], "no types for a scalar")
        err_is(error_of(c.call("KRPC", "Type_static_SetType", n1)), "ArgumentException", "nullable")
        err_is(error_of(c.call("KRPC", "Type_static_DictionaryType", n1, f.ty("Int"))), "ArgumentException")
        err_is(error_of(c.call("KRPC", "Type_static_DictionaryType", f.ty("Double"), f.ty("Int"))),
               "ArgumentException")
        eq(dec_sint32(f.prop(f.ty("StructType", enc_string("TestService"), enc_string("TestStruct")), "Type", "Code")),
           102, "struct")
        err_is(error_of(c.call("KRPC", "Type_static_ClassType", enc_string("TestService"), enc_string("Nope"))),
               "ArgumentException")
        eight = enc_list([f.ty("Int")] * 8)
        err_is(error_of(c.call("KRPC", "Type_static_TupleType", eight)), "ArgumentException")
        c.close()


@test
def function_arithmetic_and_promotion():
    with Server() as srv:
        c = V07Client(srv)
        f = F(c)
        L = lambda n: f.ex("ConstantLong", enc_sint64(n))
        U = lambda n: f.ex("ConstantUInt", varint(n))
        UL = lambda n: f.ex("ConstantULong", varint(n))
        eq(typecode(f, f.ex("Multiply", f.i(2), f.d(1.5))), 1, "int * double is double")
        eq(dec_double(f.value(f.ex("Multiply", f.i(2), f.d(1.5)))), 3.0, "value")
        eq(typecode(f, f.ex("Add", f.i(1), L(2))), 4, "int + long is long")
        eq(typecode(f, f.ex("Add", U(1), f.i(2))), 4, "uint + int is long")
        eq(typecode(f, f.ex("Add", U(1), U(2))), 5, "uint + uint")
        eq(typecode(f, f.ex("Add", UL(1), U(2))), 6, "ulong + uint")
        err_is(f.ex_err("Add", UL(1), f.i(2)), "InvalidOperationException")
        eq(typecode(f, f.ex("Add", f.ex("ConstantFloat", struct.pack("<f", 1)), L(2))), 2, "float + long")
        eq(dec_sint32(f.value(f.ex("Add", f.i(2**31 - 1), f.i(1)))), -2**31, "int wraps")
        eq(dec_sint32(f.value(f.ex("Power", f.i(2), f.i(10)))), 1024, "integer power")
        eq(typecode(f, f.ex("Power", f.i(2), f.d(0.5))), 1, "power takes the common type")
        eq(dec_sint32(f.value(f.ex("Power", f.i(3), f.i(40)))), (3**40 + 2**31) % 2**32 - 2**31, "power wraps")
        eq(dec_sint32(f.value(f.ex("Power", f.i(2), f.i(-1)))), 0, "negative exponent truncates")
        err_is(f.error(f.ex("Divide", f.i(1), f.i(0))), "DivideByZeroException", "divide by zero")
        err_is(f.error(f.ex("Modulo", L(1), L(0))), "DivideByZeroException")
        eq(dec_sint32(f.value(f.ex("Divide", f.i(-2**31), f.i(-1)))), -2**31, "min / -1 wraps")
        eq(dec_sint32(f.value(f.ex("Modulo", f.i(-2**31), f.i(-1)))), 0, "min % -1")
        eq(dec_sint32(f.value(f.ex("Divide", f.i(-7), f.i(2)))), -3, "truncating division")
        eq(dec_sint32(f.value(f.ex("Modulo", f.i(-7), f.i(2)))), -1, "remainder sign")
        check(math.isinf(dec_double(f.value(f.ex("Divide", f.d(1), f.d(0))))), "floating division by zero")
        eq(dec_sint32(f.value(f.ex("LeftShift", f.i(1), L(33)))), 2, "shift count: low bits, any integer")
        eq(dec_sint32(f.value(f.ex("RightShift", f.i(-8), f.i(1)))), -4, "arithmetic right shift")
        eq(typecode(f, f.ex("Negate", U(3))), 4, "negating a uint gives a long")
        eq(dec_sint64(f.value(f.ex("Negate", U(3)))), -3, "value")
        err_is(f.ex_err("Negate", UL(3)), "InvalidOperationException")
        err_is(f.ex_err("Add", f.s("a"), f.i(1)), "InvalidOperationException")
        # a null where a number is needed: checked when evaluated
        n = f.ex("Add", f.ex("ConstantNull", f.ty("Int")), f.i(1))
        err_is(f.error(n), "NullReferenceException")
        c.close()


@test
def function_comparison_logic_conditional():
    with Server() as srv:
        c = V07Client(srv)
        f = F(c)
        T, Fa = b"\x01", b"\x00"
        eq(f.value(f.ex("Equal", f.i(1), f.d(1.0))), T, "1 == 1.0")
        eq(f.value(f.ex("LessThan", f.i(1), f.ex("ConstantULong", varint(2**63)))) if False else T, T, "")
        err_is(f.ex_err("LessThan", f.i(1), f.ex("ConstantULong", varint(2**63))), "InvalidOperationException",
               "no common type")  # as C# refuses int < ulong
        eq(f.value(f.ex("LessThan", f.ex("ConstantUInt", varint(1)), f.ex("ConstantULong", varint(2**63)))), T,
           "uint < ulong")
        eq(f.value(f.ex("GreaterThan", f.d(float("nan")), f.d(1))), Fa, "NaN compares false")
        eq(f.value(f.ex("Equal", f.l(f.i(1), f.i(2)), f.l(f.d(1), f.d(2)))), T, "lists by value, numbers widened")
        eq(f.value(f.ex("NotEqual", f.s("a"), f.s("b"))), T, "strings")
        eq(f.value(f.ex("Equal", f.ex("ConstantNull", f.ty("String")), f.ex("ConstantNull", f.ty("String")))), T,
           "null == null")
        err_is(f.ex_err("Equal", f.s("1"), f.i(1)), "ArgumentException", "compared")
        eq(f.value(f.ex("And", f.b(True), f.b(False))), Fa, "and")
        eq(dec_sint32(f.value(f.ex("Or", f.i(12), f.i(3)))), 15, "bitwise or")
        eq(dec_sint32(f.value(f.ex("ExclusiveOr", f.i(12), f.i(10)))), 6, "xor")
        eq(dec_sint32(f.value(f.ex("Not", f.i(0)))), -1, "complement")
        boom = f.ex("Equal", f.ex("Divide", f.i(1), f.i(0)), f.i(0))
        eq(f.value(f.ex("ConditionalAnd", f.b(False), boom)), Fa, "ConditionalAnd short-circuits")
        eq(f.value(f.ex("ConditionalOr", f.b(True), boom)), T, "ConditionalOr short-circuits")
        err_is(f.error(f.ex("And", f.b(False), boom)), "DivideByZeroException")  # And evaluates both
        cond = f.ex("Conditional", f.b(False), f.i(1), f.d(2.5))
        eq(typecode(f, cond), 1, "branches widen to their common type")
        eq(dec_double(f.value(cond)), 2.5, "the other branch")
        err_is(f.ex_err("Conditional", f.b(True), f.i(1), f.s("x")), "InvalidOperationException", "common type")
        err_is(f.ex_err("Conditional", f.i(1), f.i(1), f.i(2)), "InvalidOperationException", "bool")
        nb = f.ex("ConstantNull", f.ty("Bool"))
        err_is(f.error(f.ex("IfThenElse", nb, f.i(1), f.i(2))), "NullReferenceException")
        c.close()


@test
def function_cast_and_null():
    with Server() as srv:
        c = V07Client(srv)
        f = F(c)
        eq(dec_sint32(f.value(f.ex("Cast", f.d(-2.7), f.ty("Int")))), -2, "double to int truncates")
        eq(f.value(f.ex("Cast", f.i(2), f.ty("EnumerationType", enc_string("TestService"), enc_string("TestEnum")))),
           enc_sint32(2), "int to enum")
        lst = f.ex("Cast", f.l(f.d(1.5), f.d(2.5)), f.ty("ListType", f.ty("Int")))
        eq(dec_list(f.value(lst)), [enc_sint32(1), enc_sint32(2)], "collections convert element by element")
        err_is(f.ex_err("Cast", f.s("1"), f.ty("Int")), "InvalidOperationException", "cannot be converted")
        eq(f.value(f.ex("IsNull", f.ex("ConstantNull", f.ty("String")))), b"\x01", "IsNull")
        err_is(f.ex_err("IsNull", f.i(1)), "ArgumentException", "cannot be null")
        # a nullable list: presence bytes in the value (v070-final.md 2.3)
        nl = f.l(f.i(1), f.ex("ConstantNull", f.ty("Int")), f.i(3))
        t = f.prop(nl, "Expression", "ReturnType")
        elem = dec_list(f.prop(t, "Type", "Types"))[0]
        eq(f.prop(elem, "Type", "Nullable"), b"\x01", "element type nullable")
        eq(dec_list(f.value(nl)), [b"\x01\x02", b"\x00", b"\x01\x06"], "list of int?")
        c.close()


@test
def function_lambdas_and_run_arguments():
    with Server() as srv:
        c = V07Client(srv)
        f = F(c)
        x = f.ex("Parameter", enc_string("x"), f.ty("Int"))
        y = f.ex("Parameter", enc_string("y"), f.ty("Double"))
        body = f.ex("Add", x, y)
        lam = f.ex("Lambda", enc_list([x, y]), body)
        inv = f.ex("Invoke", lam, enc_dict([(enc_string("x"), f.i(2)), (enc_string("y"), f.d(0.5))]))
        eq(dec_double(f.value(inv)), 2.5, "Invoke by name")
        err_is(f.ex_err("Invoke", lam, enc_dict([(enc_string("x"), f.i(2))])), "ArgumentException", "y")
        err_is(f.ex_err("Invoke", lam, enc_dict([(enc_string("x"), f.s("no")), (enc_string("y"), f.d(0))])),
               "InvalidOperationException")
        # a root Lambda is called with RunFunction's arguments
        eq(dec_double(f.value(lam, enc_sint32(3), enc_double(0.25))), 3.25, "RunFunction arguments")
        eq(dec_list(f.prop(lam, "Expression", "ParameterTypes")), [f.ty("Int"), f.ty("Double")], "ParameterTypes")
        eq(dec_list(f.prop(body, "Expression", "ParameterTypes")), [], "not a Lambda: none")
        err_is(f.error(lam, enc_sint32(3)), "ArgumentException", "2 arguments")
        err_is(f.error(lam), "ArgumentException", "2 arguments")  # RunFunction's default: no arguments
        # a null for a parameter that is not nullable
        err_is(f.error(lam, None, enc_double(1)), "ArgumentException", "null")
        err_is(f.error(lam, b"", enc_double(1)), "ArgumentException", "parameter x")  # undecodable
        # an object of another class
        cls = f.ex("Parameter", enc_string("o"), f.ty("ClassType", enc_string("TestService"), enc_string("TestClass")))
        l2 = f.ex("Lambda", enc_list([cls]), f.ex("IsNull", cls) if False else f.i(1))
        err_is(f.error(l2, varint(dec_id(f.i(5)))), "ArgumentException", "parameter o")
        # early Return: the result is the common type of the returns
        ret = f.ex("Lambda", enc_list([]), f.ex("Block", enc_list([
            f.ex("IfThen", f.b(True), f.ex("Return", f.i(1))),
            f.ex("Return", f.d(2.5))])))
        eq(typecode(f, ret), 1, "result type: common type of the returns")
        eq(dec_double(f.value(ret)), 1.0, "early return")
        err_is(f.ex_err("Lambda", enc_list([]), f.ex("Block", enc_list([
            f.ex("IfThen", f.b(True), f.ex("ReturnNothing")), f.ex("Return", f.i(1))]))),
            "InvalidOperationException")
        unbound = f.ex("Block", enc_list([f.ex("Return", f.i(1))]))
        err_is(f.error(unbound), "InvalidOperationException", "Return")
        err_is(f.error(f.ex("Break")), "InvalidOperationException", "loop")
        c.close()


@test
def function_collections():
    with Server() as srv:
        c = V07Client(srv)
        f = F(c)
        I = lambda b: dec_sint32(b)
        ints = f.l(f.i(3), f.i(1), f.i(2))
        eq(typecode(f, f.l(f.i(1), f.d(2.5))), 301, "list")
        err_is(f.ex_err("CreateList", enc_list([])), "ArgumentException", "CreateEmptyList")
        err_is(f.ex_err("CreateList", enc_list([f.i(1), f.ex("ConstantULong", varint(2**63))])),
               "InvalidOperationException", "int, ulong")
        eq(len(dec_list(f.value(f.ex("CreateSet", enc_list([f.i(1), f.i(2)]))))), 2, "set")
        d = f.ex("CreateDictionary", enc_list([f.s("a"), f.s("b"), f.s("a")]), enc_list([f.i(1), f.i(2), f.i(3)]))
        eq(I(f.value(f.ex("Get", d, f.s("a")))), 3, "a repeated key keeps the last value")
        err_is(f.error(f.ex("Get", d, f.s("z"))), "KeyNotFoundException", "z")
        eq(I(f.value(f.ex("Get", ints, f.i(1)))), 1, "list index")
        err_is(f.error(f.ex("Get", ints, f.i(3))), "IndexOutOfRangeException")
        err_is(f.ex_err("Get", ints, f.ex("ConstantLong", enc_sint64(1))), "InvalidOperationException", "int")
        tup = f.ex("CreateTuple", enc_list([f.i(1), f.s("x")]))
        eq(dec_string(f.value(f.ex("Get", tup, f.i(1)))), "x", "tuple item")
        err_is(f.ex_err("Get", tup, f.i(2)), "IndexOutOfRangeException")
        err_is(f.ex_err("Get", tup, f.ex("Add", f.i(0), f.i(1))), "InvalidOperationException", "constant")
        err_is(f.ex_err("CreateTuple", enc_list([f.i(1)] * 8)), "ArgumentException", "7")
        eq(I(f.value(f.ex("Count", ints))), 3, "Count")
        eq(I(f.value(f.ex("Sum", ints))), 6, "Sum")
        eq(I(f.value(f.ex("Max", ints))), 3, "Max")
        eq(I(f.value(f.ex("Min", ints))), 1, "Min")
        eq(dec_double(f.value(f.ex("Average", ints))), 2.0, "Average")
        err_is(f.error(f.ex("Max", f.ex("CreateEmptyList", f.ty("Int")))), "InvalidOperationException", "no elements")
        x = f.ex("Parameter", enc_string("x"), f.ty("Int"))
        i = f.ex("Parameter", enc_string("i"), f.ty("Int"))
        double = f.ex("Lambda", enc_list([x]), f.ex("Multiply", x, f.i(2)))
        odd = f.ex("Lambda", enc_list([x]), f.ex("Equal", f.ex("Modulo", x, f.i(2)), f.i(1)))
        sel = f.ex("Select", ints, double)
        eq(typecode(f, f.ex("ToList", sel)), 301, "ToList")
        err = error_of(c.call("KRPC", "Expression_get_ReturnType", sel))
        err_is(err, "InvalidOperationException", "ToList")
        eq([I(v) for v in dec_list(f.value(f.ex("ToList", sel)))], [6, 2, 4], "Select")
        eq([I(v) for v in dec_list(f.value(f.ex("ToList", f.ex("Where", ints, odd))))], [3, 1], "Where")
        withi = f.ex("Lambda", enc_list([x, i]), f.ex("Add", x, i))
        eq([I(v) for v in dec_list(f.value(f.ex("ToList", f.ex("Select", ints, withi))))], [3, 2, 4], "indexed")
        eq([I(v) for v in dec_list(f.value(f.ex("ToList", f.ex("Skip", ints, f.i(1)))))], [1, 2], "Skip")
        eq([I(v) for v in dec_list(f.value(f.ex("ToList", f.ex("Take", ints, f.i(2)))))], [3, 1], "Take")
        eq([I(v) for v in dec_list(f.value(f.ex("ToList", f.ex("OrderBy", ints, f.ex("Lambda", enc_list([x]), x)))))],
           [1, 2, 3], "OrderBy")
        eq(f.value(f.ex("All", ints, odd)), b"\x00", "All")
        eq(f.value(f.ex("Any", ints, odd)), b"\x01", "Any")
        eq(f.value(f.ex("Contains", ints, f.d(2.0))), b"\x01", "Contains widens")
        err_is(f.ex_err("Contains", d, f.s("a")), "InvalidOperationException", "ContainsKey")
        eq(f.value(f.ex("ContainsKey", d, f.s("b"))), b"\x01", "ContainsKey")
        acc = f.ex("Parameter", enc_string("acc"), f.ty("Int"))
        add = f.ex("Lambda", enc_list([acc, x]), f.ex("Add", acc, x))
        eq(I(f.value(f.ex("Aggregate", ints, add))), 6, "Aggregate")
        eq(I(f.value(f.ex("AggregateWithSeed", ints, f.i(10), add))), 16, "AggregateWithSeed")
        other = f.l(f.i(2), f.i(5))
        eq([I(v) for v in dec_list(f.value(f.ex("ToList", f.ex("Concat", ints, other))))], [3, 1, 2, 2, 5], "Concat")
        eq([I(v) for v in dec_list(f.value(f.ex("ToList", f.ex("Union", ints, other))))], [3, 1, 2, 5], "Union")
        eq([I(v) for v in dec_list(f.value(f.ex("ToList", f.ex("Intersect", ints, other))))], [2], "Intersect")
        eq([I(v) for v in dec_list(f.value(f.ex("ToList", f.ex("Except", ints, other))))], [3, 1], "Except")
        mixed = f.ex("ToList", f.ex("Concat", ints, f.l(f.d(0.5))))
        eq(typecode(f, f.ex("First", mixed)), 1, "Concat widens to the common type")
        eq(I(f.value(f.ex("First", ints))), 3, "First")
        eq(I(f.value(f.ex("Last", ints))), 2, "Last")
        eq(I(f.value(f.ex("ElementAt", ints, f.i(2)))), 2, "ElementAt")
        err_is(f.error(f.ex("ElementAt", ints, f.i(5))), "IndexOutOfRangeException")
        neg = f.ex("Lambda", enc_list([x]), f.ex("Negate", x))
        eq(I(f.value(f.ex("MinBy", ints, neg))), 3, "MinBy")
        eq(I(f.value(f.ex("MaxBy", ints, neg))), 1, "MaxBy")
        eq([I(v) for v in dec_list(f.value(f.ex("ToList", f.ex("Distinct", f.l(f.i(1), f.i(1), f.i(2))))))], [1, 2],
           "Distinct")
        eq([I(v) for v in dec_list(f.value(f.ex("ToList", f.ex("Reverse", ints))))], [2, 1, 3], "Reverse")
        sp = f.ex("Parameter", enc_string("s"), f.ty("String"))
        pair = f.ex("Lambda", enc_list([x, sp]), f.ex("CreateTuple", enc_list([x, sp])))
        z = dec_list(f.value(f.ex("ToList", f.ex("Zip", ints, f.l(f.s("a"), f.s("b")), pair))))
        eq([(dec_sint32(a), dec_string(b)) for a, b in map(dec_tuple, z)], [(3, "a"), (1, "b")], "Zip")
        g = f.value(f.ex("GroupBy", ints, f.ex("Lambda", enc_list([x]), f.ex("Modulo", x, f.i(2)))))
        eq(len(dec_dict(g)), 2, "GroupBy")
        bd = f.ex("BuildDictionary", ints, f.ex("Lambda", enc_list([x]), f.ex("ConvertToString", x)), double)
        eq(I(f.value(f.ex("Get", bd, f.s("3")))), 6, "BuildDictionary")
        keys = f.value(f.ex("DictionaryKeys", d))
        eq([dec_string(k) for k in dec_list(keys)], ["a", "b"], "DictionaryKeys")
        eq([I(v) for v in dec_list(f.value(f.ex("DictionaryValues", d)))], [3, 2], "DictionaryValues")
        lists = f.l(f.l(f.i(1)), f.l(f.i(2), f.i(3)))
        ll = f.ex("Parameter", enc_string("l"), f.ty("ListType", f.ty("Int")))
        flat = f.ex("ToList", f.ex("SelectMany", lists, f.ex("Lambda", enc_list([ll]), ll)))
        eq([I(v) for v in dec_list(f.value(flat))], [1, 2, 3], "SelectMany")
        err_is(f.ex_err("Count", f.s("abc")), "InvalidOperationException", "string")
        c.close()


@test
def function_statements_and_state():
    with Server() as srv:
        c = V07Client(srv)
        f = F(c)
        total = f.ex("Variable", enc_string("total"), f.ty("Int"))
        k = f.ex("Variable", enc_string("k"), f.ty("Int"))
        # total = 0; k = 0; while (k < 10) { k += 1; if (k == 3) continue; if (k == 8) break; total += k }
        loop = f.ex("While", f.ex("LessThan", k, f.i(10)), f.ex("Block", enc_list([
            f.ex("Assign", k, f.ex("Add", k, f.i(1))),
            f.ex("IfThen", f.ex("Equal", k, f.i(3)), f.ex("Continue")),
            f.ex("IfThen", f.ex("Equal", k, f.i(8)), f.ex("Break")),
            f.ex("Assign", total, f.ex("Add", total, k))])))
        fn = f.ex("BlockWithVariables", enc_list([total, k]), enc_list([loop, total]))
        eq(dec_sint32(f.value(fn)), 1 + 2 + 4 + 5 + 6 + 7, "while with continue and break; a block's value")
        err_is(f.ex_err("Assign", total, f.d(1.5)), "InvalidOperationException", "Cast")
        walrus = f.ex("BlockWithVariables", enc_list([total]), enc_list([
            f.ex("Add", f.ex("Assign", total, f.i(20)), total)]))
        eq(dec_sint32(f.value(walrus)), 40, "an assignment has the assigned value")
        err_is(f.error(f.ex("Block", enc_list([f.ex("Assign", total, f.i(1)), total]))), "InvalidOperationException",
               "outside")
        # ForEach over a list, appending to it within the body (by position)
        lv = f.ex("Variable", enc_string("l"), f.ty("ListType", f.ty("Int")))
        e = f.ex("Variable", enc_string("e"), f.ty("Int"))
        body = f.ex("IfThen", f.ex("LessThan", e, f.i(4)), f.ex("Append", lv, f.ex("Add", e, f.i(2))))
        fe = f.ex("BlockWithVariables", enc_list([lv, e]), enc_list([
            f.ex("Assign", lv, f.l(f.i(0), f.i(1))),
            f.ex("ForEach", e, lv, body), lv]))
        eq([dec_sint32(v) for v in dec_list(f.value(fe))], [0, 1, 2, 3, 4, 5], "ForEach sees appended elements")
        # mutation statements
        d = f.ex("Variable", enc_string("d"), f.ty("DictionaryType", f.ty("String"), f.ty("Int")))
        st = f.ex("Variable", enc_string("s"), f.ty("SetType", f.ty("Int")))
        mut = f.ex("BlockWithVariables", enc_list([lv, d, st]), enc_list([
            f.ex("Assign", lv, f.l(f.i(5), f.i(6), f.i(7))),
            f.ex("Set", lv, f.i(0), f.i(50)), f.ex("RemoveAt", lv, f.i(1)), f.ex("Remove", lv, f.i(7)),
            f.ex("IfThen", f.ex("Remove", lv, f.i(7)), f.ex("Throw", enc_string("KRPC"), enc_string("Error"),
                                                             f.s("Remove says whether it removed"))),
            f.ex("Assign", d, f.ex("CreateEmptyDictionary", f.ty("String"), f.ty("Int"))),
            f.ex("Set", d, f.s("a"), f.i(1)), f.ex("Set", d, f.s("a"), f.i(2)), f.ex("Set", d, f.s("b"), f.i(3)),
            f.ex("Remove", d, f.s("b")),
            f.ex("Assign", st, f.ex("CreateEmptySet", f.ty("Int"))),
            f.ex("Append", st, f.i(1)), f.ex("Append", st, f.i(1)), f.ex("Append", st, f.i(2)),
            f.ex("CreateTuple", enc_list([lv, d, st]))]))
        l_, d_, s_ = dec_tuple(f.value(mut))
        eq([dec_sint32(v) for v in dec_list(l_)], [50], "list mutations")
        eq([(dec_string(a), dec_sint32(b)) for a, b in dec_dict(d_)], [("a", 2)], "dictionary mutations")
        eq(sorted(dec_sint32(v) for v in dec_list(s_)), [1, 2], "set mutations")
        err_is(f.error(f.ex("BlockWithVariables", enc_list([lv]), enc_list([
            f.ex("Assign", lv, f.l(f.i(1))), f.ex("RemoveAt", lv, f.i(3))]))), "IndexOutOfRangeException")
        err_is(f.ex_err("RemoveAt", f.ex("CreateEmptySet", f.ty("Int")), f.i(0)), "InvalidOperationException")
        # a state variable keeps its value from one run to the next
        sv = f.ex("StateVariable", enc_string("n"), f.i(10))
        inc = f.ex("Block", enc_list([f.ex("Assign", sv, f.ex("Add", sv, f.i(1))), sv]))
        eq([dec_sint32(f.value(inc)) for _ in range(3)], [11, 12, 13], "StateVariable")
        sv2 = f.ex("StateVariable", enc_string("n"), f.i(10))
        eq(dec_sint32(f.value(f.ex("Block", enc_list([f.ex("Assign", sv2, f.ex("Add", sv2, f.i(1))), sv2])))), 11,
           "a new StateVariable starts again")
        pe = f.ex("Parameter", enc_string("pe"), f.ty("Int"))
        lazy = f.ex("Select", f.l(f.i(1)), f.ex("Lambda", enc_list([pe]), pe))
        err_is(error_of(c.call("KRPC", "Expression_static_StateVariable", enc_string("z"), lazy)), "ArgumentException",
               "ToList")
        c.close()


@test
def function_strings():
    with Server() as srv:
        c = V07Client(srv)
        f = F(c)
        S = lambda e: dec_string(f.value(e))
        eq(S(f.ex("ConvertToString", f.d(0.1))), "0.1", "double as .NET prints it")
        eq(S(f.ex("ConvertToString", f.d(1e16))), "1E+16", "exponent")
        eq(S(f.ex("ConvertToString", f.b(True))), "True", "bool")
        eq(S(f.ex("ConvertToString", f.ex("ConstantEnum", enc_string("TestService"), enc_string("TestEnum"),
                                          enc_sint32(1)))), "ValueB", "enumeration")
        err_is(f.error(f.ex("ConvertToString", f.ex("ConstantNull", f.ty("Int")))), "NullReferenceException")
        hello = f.s("  Hello, World  ")
        eq(dec_sint32(f.value(f.ex("StringLength", hello))), 16, "StringLength")
        eq(S(f.ex("StringGet", hello, f.i(2))), "H", "StringGet")
        err_is(f.error(f.ex("StringGet", hello, f.i(16))), "IndexOutOfRangeException")
        eq(S(f.ex("StringSubstring", hello, f.i(2), f.i(5))), "Hello", "StringSubstring")
        err_is(f.error(f.ex("StringSubstring", hello, f.i(10), f.i(10))), "IndexOutOfRangeException")
        eq(dec_sint32(f.value(f.ex("StringIndexOf", hello, f.s("World")))), 9, "StringIndexOf")
        eq(dec_sint32(f.value(f.ex("StringIndexOf", hello, f.s("xyz")))), -1, "not found")
        eq(f.value(f.ex("StringContains", hello, f.s("lo, W"))), b"\x01", "StringContains")
        eq(f.value(f.ex("StringStartsWith", hello, f.s("  H"))), b"\x01", "StringStartsWith")
        eq(f.value(f.ex("StringEndsWith", hello, f.s("x"))), b"\x00", "StringEndsWith")
        eq(S(f.ex("StringToUpper", f.s("abc"))), "ABC", "StringToUpper")
        eq(S(f.ex("StringToLower", f.s("ABC"))), "abc", "StringToLower")
        eq(S(f.ex("StringTrim", hello)), "Hello, World", "StringTrim")
        eq(S(f.ex("StringTrimStart", hello)), "Hello, World  ", "StringTrimStart")
        eq(S(f.ex("StringTrimEnd", hello)), "  Hello, World", "StringTrimEnd")
        eq(S(f.ex("StringReplace", f.s("a-b-c"), f.s("-"), f.s("+"))), "a+b+c", "StringReplace")
        parts = f.ex("StringSplit", f.s("a,b,,c"), f.s(","))
        eq([dec_string(p) for p in dec_list(f.value(parts))], ["a", "b", "", "c"], "StringSplit")
        eq(S(f.ex("StringJoin", f.s("/"), parts)), "a/b//c", "StringJoin")
        eq(S(f.ex("StringConcat", enc_list([f.s("x"), f.ex("ConvertToString", f.i(42))]))), "x42", "StringConcat")
        eq(dec_sint32(f.value(f.ex("StringLength", f.s("h\u00e9\U0001F600")))), 4, "UTF-16 length")
        err_is(f.ex_err("StringLength", f.i(1)), "InvalidOperationException", "string")
        c.close()


@test
def function_exceptions():
    with Server() as srv:
        c = V07Client(srv)
        f = F(c)
        thr = f.ex("Throw", enc_string("KRPC"), enc_string("Error"), f.s("custom failure"))
        e = f.error(thr)
        eq((e.service, e.name, e.description), ("KRPC", "Error", "custom failure"), "Throw")
        err_is(error_of(c.call("KRPC", "Expression_static_Throw", enc_string("KRPC"), enc_string("Nope"), f.s("x"))),
               "ArgumentException")
        msg = f.ex("Variable", enc_string("msg"), f.ty("String"))
        res = f.ex("Variable", enc_string("res"), f.ty("String"))
        div = f.ex("Assign", res, f.ex("ConvertToString", f.ex("Divide", f.i(1), f.i(0))))
        caught = f.ex("BlockWithVariables", enc_list([msg, res]), enc_list([
            f.ex("TryCatch", div, enc_string("KRPC"), enc_string("DivideByZeroException"), msg,
                 f.ex("Assign", res, f.ex("StringConcat", enc_list([f.s("caught: "), msg])))), res]))
        eq(dec_string(f.value(caught)), "caught: Attempted to divide by zero.", "TryCatch by name, with the message")
        other = f.ex("BlockWithVariables", enc_list([msg, res]), enc_list([
            f.ex("TryCatch", div, enc_string("KRPC"), enc_string("KeyNotFoundException"), None, f.ex("Assign", res, f.s("no"))),
            res]))
        err_is(f.error(other), "DivideByZeroException")  # another name is not caught
        all_ = f.ex("BlockWithVariables", enc_list([msg, res]), enc_list([
            f.ex("TryCatchAll", thr, msg, f.ex("Assign", res, msg)), res]))
        eq(dec_string(f.value(all_)), "custom failure", "TryCatchAll")
        fin = f.ex("StateVariable", enc_string("fin"), f.i(0))
        tf = f.ex("TryFinally", thr, f.ex("Assign", fin, f.ex("Add", fin, f.i(1))))
        err_is(f.error(tf), "Error", "custom")
        eq(dec_sint32(f.value(fin)), 1, "the finalizer ran")
        loop = f.ex("While", f.b(True), f.ex("TryFinally", f.i(1), f.ex("Break")))
        err_is(f.error(loop), "InvalidOperationException", "finally")
        c.close()


@test
def function_calls():
    with Server() as srv:
        c = V07Client(srv, stream=True)
        f = F(c)
        objs = [c.value("TestService", "CreateTestObject", enc_string("c%d" % i)) for i in range(3)]
        for n, o in enumerate(objs):
            c.value("TestService", "TestClass_set_IntProperty", o, enc_sint32(n * 10)) if False else \
                c.call("TestService", "TestClass_set_IntProperty", o, enc_sint32(n * 10))
        cls = f.ty("ClassType", enc_string("TestService"), enc_string("TestClass"))
        p = f.ex("Parameter", enc_string("o"), cls)
        getter = make_call("TestService", "TestClass_get_IntProperty", objs[0]).SerializeToString()
        per = f.ex("CallWithArguments", getter, enc_dict([(enc_sint32(0), p)]))
        sel = f.ex("ToList", f.ex("Select", f.l(*[f.ex("ConstantObject", o) for o in objs]),
                                  f.ex("Lambda", enc_list([p]), per)))
        eq([dec_sint32(v) for v in dec_list(f.value(sel))], [0, 10, 20], "a call per element")
        err_is(f.ex_err("CallWithArguments", getter, enc_dict([(enc_sint32(3), p)])), "ArgumentException", "position")
        err_is(f.ex_err("CallWithArguments", getter, enc_dict([(enc_sint32(0), f.i(1))])), "InvalidOperationException")
        err_is(f.ex_err("Call", make_call("KRPC", "GetStatus").SerializeToString()), "ArgumentException", "KRPC")
        err_is(f.ex_err("Call", make_call("TestService", "OnTimer", varint(100)).SerializeToString()),
               "ArgumentException", "event")
        # widening at an argument; a service's error keeps its type
        echo = make_call("TestService", "FloatToString", struct.pack("<f", 0)).SerializeToString()
        w = f.ex("CallWithArguments", echo, enc_dict([(enc_sint32(0), f.i(3))]))
        eq(dec_string(f.value(w)), "3", "int widened to float")
        err_is(f.error(f.call("TestService", "ThrowArgumentException")), "ArgumentException", "Invalid argument")
        # a procedure that needs more updates is an error inside a function
        blk = f.call("TestService", "BlockingProcedure", enc_sint32(2), enc_sint32(0))
        err_is(f.error(blk), "InvalidOperationException", "one tick")
        # StdLib from a function
        sq = f.ex("CallWithArguments", make_call("StdLib", "Sqrt", enc_double(0)).SerializeToString(),
                  enc_dict([(enc_sint32(0), f.i(16))]))
        eq(dec_double(f.value(sq)), 4.0, "StdLib.Sqrt(16)")
        c.close()


@test
def function_streams_events_compile():
    with Server() as srv:
        c = V07Client(srv, stream=True)
        f = F(c)
        counter = f.call("TestService", "Counter", enc_string("v07.fs"), enc_sint32(1))
        twice = f.ex("Multiply", counter, f.i(2))
        st = pb.Stream()
        st.ParseFromString(c.value("KRPC", "AddFunctionStream", twice))
        st2 = pb.Stream()
        st2.ParseFromString(c.value("KRPC", "AddFunctionStream", twice))
        check(st.id != st2.id, "every AddFunctionStream is a new stream")
        seen = {}
        deadline = time.time() + 3
        while time.time() < deadline and not (len(seen.get(st.id, [])) >= 2):
            for r in c.stream_update().results:
                check(not r.result.HasField("error"), r.result.error.description)
                seen.setdefault(r.id, []).append(dec_sint32(r.result.value))
        vals = seen[st.id]
        check(len(vals) >= 2 and all(v % 2 == 0 for v in vals) and vals[1] > vals[0], "changing values: %r" % vals)
        c.call("KRPC", "RemoveStream", varint(st.id))
        c.call("KRPC", "RemoveStream", varint(st2.id))
        # an error ends the stream with an error result
        bad = f.ex("Divide", f.i(1), f.ex("Multiply", counter, f.i(0)))
        es = pb.Stream()
        es.ParseFromString(c.value("KRPC", "AddFunctionStream", bad))
        deadline = time.time() + 3
        got = None
        while time.time() < deadline and got is None:
            for r in c.stream_update().results:
                if r.id == es.id:
                    got = r.result
        check(got is not None and got.error.name == "DivideByZeroException", "error result")
        x = f.ex("Parameter", enc_string("x"), f.ty("Int"))
        lam = f.ex("Lambda", enc_list([x]), x)
        err_is(error_of(c.call("KRPC", "AddFunctionStream", lam)), "ArgumentException", "parameters")
        err_is(error_of(c.call("KRPC", "AddFunctionStream", f.ex("Select", f.l(f.i(1)), lam))), "ArgumentException",
               "ToList")
        # an event from a bool function; a function of another type is refused
        ev = c.call("KRPC", "AddEvent", f.ex("GreaterThan", counter, f.i(0)))
        check(not ev.HasField("error"), ev.error.description)
        e = pb.Event()
        e.ParseFromString(ev.value)
        deadline = time.time() + 3
        fired = False
        while time.time() < deadline and not fired:
            for r in c.stream_update().results:
                if r.id == e.stream.id and r.result.value == b"\x01":
                    fired = True
        check(fired, "the event fired (started when created)")
        err_is(error_of(c.call("KRPC", "AddEvent", f.i(1))), "ArgumentException", "boolean")
        # functions are not streamed through AddStream
        for call in [make_call("KRPC", "RunFunction", twice, enc_list([])),
                     make_call("KRPC", "AddFunctionStream", twice),
                     make_call("KRPC", "Expression_static_StateVariable", enc_string("s"), f.i(1))]:
            r = c.call("KRPC", "AddStream", call.SerializeToString(), enc_bool(True))
            err_is(error_of(r), "ArgumentException", "cannot be streamed")
        # CompileFunction checks without running
        check(not c.call("KRPC", "CompileFunction", twice).HasField("error"), "compiles")
        err_is(error_of(c.call("KRPC", "CompileFunction", f.ex("Break"))), "InvalidOperationException", "loop")
        # a function of more than 1 000 000 nodes (counted per use) is refused
        big = f.i(1)
        for _ in range(21):
            big = f.ex("Add", big, big)
        err_is(f.error(big), "InvalidOperationException", "1000000 nodes")
        c.close()



# ---- TestService's 0.7 additions: TestService2, extension members, DumpExpressionTree --

def type_is(t, code, service="", name=""):
    eq((t.code, t.service, t.name), (code, service, name), "type")


@test
def testservice2_and_extension_members_for_v07_only():
    with Server() as srv:
        old, new = Client(srv), V07Client(srv)
        osvc, onames = services_of(old)
        nsvc, nnames = services_of(new)
        check("TestService2" not in onames and "TestService2" in nnames, "TestService2 for 0.7 only")
        # the 0.7 TestService is the old one with the 0.7 members numbered after it
        oprocs = [p.name for p in osvc["TestService"].procedures]
        nprocs = [p.name for p in nsvc["TestService"].procedures]
        eq(len(oprocs), 82, "old TestService procedures")
        eq(nprocs[:82], oprocs, "old members keep their ids (declaration order) for 0.7 clients")
        eq(nprocs[82:], ["DumpExpressionTree", "EchoListOfNullableInts", "EchoListOfNullableObjects",
                         "EchoDictionaryOfNullableObjects", "EchoTupleWithANullableObject",
                         "EchoNestedListOfNullableObjects", "NullableStructEcho", "EchoNestedNullableStruct",
                         "TestClass_ExtensionMethod",
                         "TestClass_ExtensionMethodReturningClassFromOtherService",
                         "TestClass_get_ExtensionProperty", "TestClass_get_ExtensionReadWriteProperty",
                         "TestClass_set_ExtensionReadWriteProperty"], "0.7 members, last")
        ts = nsvc["TestService"]
        m = proc(ts, "TestClass_ExtensionMethod")
        eq([p.name for p in m.parameters], ["this", "x"], "extension method parameters")
        type_is(m.parameters[0].type, pb.Type.CLASS, "TestService", "TestClass")
        type_is(m.parameters[1].type, pb.Type.SINT32)
        type_is(m.return_type, pb.Type.STRING)
        check("Extension method documentation string." in m.documentation, m.documentation)
        type_is(proc(ts, "TestClass_ExtensionMethodReturningClassFromOtherService").return_type, pb.Type.CLASS,
                "TestService2", "TestClass2")
        check("Extension property documentation string." in
              proc(ts, "TestClass_get_ExtensionProperty").documentation, "property doc")
        d = proc(ts, "DumpExpressionTree")
        type_is(d.parameters[0].type, pb.Type.CLASS, "KRPC", "Expression")
        type_is(d.return_type, pb.Type.STRING)
        t2 = nsvc["TestService2"]
        eq([c.name for c in t2.classes], ["TestClass2"], "TestService2 classes")
        check("Class documentation string." in t2.classes[0].documentation, "class doc")
        eq([p.name for p in t2.procedures], ["TestClass2_get_Value"], "TestService2 members")
        type_is(t2.procedures[0].return_type, pb.Type.STRING)
        # calls
        obj = new.value("TestService", "CreateTestObject", enc_string("jeb"))
        eq(dec_string(new.value("TestService", "TestClass_ExtensionMethod", obj, enc_sint32(3))), "value=jeb3",
           "ExtensionMethod")
        eq(dec_string(new.value("TestService", "TestClass_ExtensionMethod", obj, enc_sint32(-12))), "value=jeb-12",
           "ExtensionMethod, negative")
        eq(dec_string(new.value("TestService", "TestClass_get_ExtensionProperty", obj)), "value=jeb",
           "ExtensionProperty")
        new.value("TestService", "TestClass_set_ExtensionReadWriteProperty", obj, enc_sint32(42))
        eq(dec_sint32(new.value("TestService", "TestClass_get_IntProperty", obj)), 42, "writes IntProperty")
        new.value("TestService", "TestClass_set_IntProperty", obj, enc_sint32(-5))
        eq(dec_sint32(new.value("TestService", "TestClass_get_ExtensionReadWriteProperty", obj)), -5,
           "reads IntProperty")
        a = new.value("TestService", "TestClass_ExtensionMethodReturningClassFromOtherService", obj)
        b = new.value("TestService", "TestClass_ExtensionMethodReturningClassFromOtherService", obj)
        check(a != b and dec_id(a) > 0 and dec_id(b) > 0, "TestClass2 has no equality: a new object each time")
        eq(dec_string(new.value("TestService2", "TestClass2_get_Value", a)), "value=jeb", "TestClass2.Value")
        # by id: TestService2 is 9997; the 0.7 members are numbered from 83
        r = new.request(pb.ProcedureCall(service_id=9997, procedure_id=1, arguments=[pb.Argument(position=0,
                                                                                                  value=b)]))
        eq(dec_string(r.results[0].value), "value=jeb", "TestClass2.Value by id")
        ext_id = nprocs.index("TestClass_ExtensionMethod") + 1
        check(ext_id > 82, "numbered after the old members")
        r = new.request(pb.ProcedureCall(service_id=9999, procedure_id=ext_id, arguments=[
            pb.Argument(position=0, value=obj), pb.Argument(position=1, value=enc_sint32(1))]))
        eq(dec_string(r.results[0].value), "value=jeb1", "ExtensionMethod by id")
        # an object of the other service's class is refused where a TestClass is expected
        r = new.call("TestService", "TestClass_get_ExtensionProperty", a)
        check(r.HasField("error"), "TestClass2 is not a TestClass")
        # a pre-0.7 client sees none of it, by name or by id, and the object ids mean nothing new to it
        for name in ["DumpExpressionTree", "TestClass_ExtensionMethod", "TestClass_get_ExtensionProperty"]:
            r = old.call("TestService", name, obj)
            check(r.HasField("error") and "not found" in r.error.description, "old: no " + name)
        r = old.call("TestService2", "TestClass2_get_Value", a)
        check(r.HasField("error") and "not found" in r.error.description, "old: no TestService2")
        r = old.request(pb.ProcedureCall(service_id=9999, procedure_id=ext_id, arguments=[
            pb.Argument(position=0, value=obj), pb.Argument(position=1, value=enc_sint32(1))]))
        check(r.results[0].HasField("error") and "not found" in r.results[0].error.description, "old: no 0.7 id")
        r = old.request(pb.ProcedureCall(service_id=9997, procedure_id=1))
        check(r.results[0].HasField("error") and "not found" in r.results[0].error.description, "old: no 9997")
        # old ids still work for the old client
        r = old.request(pb.ProcedureCall(service_id=9999, procedure_id=69, arguments=[
            pb.Argument(position=0, value=obj)]))
        eq(dec_string(r.results[0].value), "value=jeb", "TestClass_GetValue = 69")
        old.close(), new.close()


@test
def dump_expression_tree():
    with Server() as srv:
        c = V07Client(srv)
        f = F(c)

        def dump(e):
            return dec_string(c.value("TestService", "DumpExpressionTree", e))

        # implicit widening shows as a Convert node; constants in the invariant round-trip form
        eq(dump(f.ex("Add", f.i(1), f.d(2.5))),
           "Add<double>\n  Convert<double>\n    Constant<int> 1\n  Constant<double> 2.5\n", "Add")
        eq(dump(f.d(0.1)), "Constant<double> 0.1\n", "shortest round trip")
        eq(dump(f.d(1e300 * 1e10)), "Constant<double> Infinity\n", "infinity")
        eq(dump(f.s('a"b\\c\nd')), 'Constant<string> "a\\"b\\\\c\\nd"\n', "string escapes")
        eq(dump(f.ex("ConstantNull", f.ty("Int"))), "Constant<int?> null\n", "null")
        eq(dump(f.ex("ConstantEnum", enc_string("TestService"), enc_string("TestEnum"), enc_sint32(1))),
           "Constant<TestService.TestEnum> TestEnum.ValueB\n", "enum")
        obj = c.value("TestService", "CreateTestObject", enc_string("jeb"))
        obj2 = c.value("TestService", "CreateTestObject", enc_string("bob"))
        # an object prints as its class only: two objects dump alike
        eq(dump(f.ex("ConstantObject", obj)), "Constant<TestService.TestClass> <TestService.TestClass>\n", "object")
        eq(dump(f.ex("ConstantObject", obj2)), dump(f.ex("ConstantObject", obj)), "no ids in the dump")
        # parameters numbered by first appearance; a call with an argument expression
        x = f.ex("Parameter", enc_string("x"), f.ty("Int"))
        y = f.ex("Parameter", enc_string("y"), f.ty("Int"))
        call = f.ex("CallWithArguments", make_call("TestService", "Int32ToString").SerializeToString(),
                    enc_dict([(enc_sint32(0), f.ex("Multiply", y, x))]))
        lam = f.ex("Lambda", enc_list([x, y]), call)
        eq(dump(lam), "Lambda<Func<int,int,string>>\n"
                      "  Parameter<int> x#0\n"
                      "  Parameter<int> y#1\n"
                      "  Call<string> TestService.Int32ToString\n"
                      "    Multiply<int>\n"
                      "      Parameter<int> y#1\n"
                      "      Parameter<int> x#0\n", "Lambda")
        eq(dump(lam), dump(lam), "deterministic")
        # statements
        v = f.ex("Variable", enc_string("total"), f.ty("Int"))
        blk = f.ex("BlockWithVariables", enc_list([v]), enc_list([
            f.ex("Assign", v, f.i(2)),
            f.ex("IfThenElse", f.ex("GreaterThan", v, f.i(1)), f.ex("Assign", v, f.i(0)),
                 f.ex("Throw", enc_string("KRPC"), enc_string("Error"), f.s("no")))]))
        eq(dump(blk), "Block<void> (total#0)\n"
                      "  Assign<int>\n"
                      "    Variable<int> total#0\n"
                      "    Constant<int> 2\n"
                      "  IfThenElse<void>\n"
                      "    GreaterThan<bool>\n"
                      "      Variable<int> total#0\n"
                      "      Constant<int> 1\n"
                      "    Assign<int>\n"
                      "      Variable<int> total#0\n"
                      "      Constant<int> 0\n"
                      "    Throw<void> KRPC.Error\n"
                      "      Constant<string> \"no\"\n", "statements")
        # the argument must be an expression
        r = c.call("TestService", "DumpExpressionTree", obj)
        check(r.HasField("error"), "a TestClass is not an Expression")
        r = c.call("TestService", "DumpExpressionTree", None)
        check(r.HasField("error"), "null")
        c.close()


@test
def game_state_loads():
    with Server() as srv:
        old, new = Client(srv), V07Client(srv)
        p = proc(services_of(new)[0]["KRPC"], "get_GameStateLoads")
        type_is(p.return_type, pb.Type.UINT32)
        eq(dec_varint(new.value("KRPC", "get_GameStateLoads"))[0] if new.value("KRPC", "get_GameStateLoads") else 0,
           0, "no game state has loaded")
        r = old.call("KRPC", "get_GameStateLoads")
        check(r.HasField("error") and "not found" in r.error.description, "old: no GameStateLoads")
        old.close(), new.close()



def results_of(c, sid, n, timeout=5):
    """The next n StreamResults of stream sid (others skipped)."""
    out, deadline = [], time.monotonic() + timeout
    while len(out) < n:
        check(time.monotonic() < deadline, "%d results of stream %d, got %d" % (n, sid, len(out)))
        c.stream.sock.settimeout(max(0.01, deadline - time.monotonic()))
        out += [r.result for r in c.stream_update().results if r.id == sid]
    return out



@test
def service_event_removing_itself_ends_with_stream_removed_for_v07():
    with Server() as srv:
        new, old = V07Client(srv, stream=True), Client(srv, stream=True)
        for proc_name, args, firings in (("OnTimer", (varint(30), varint(2)), 2),
                                          ("OnTimerUsingLambda", (varint(30),), 1)):
            # 0.7: started on creation; each firing, then the error as the last result
            ev = pb.Event()
            ev.ParseFromString(new.value("TestService", proc_name, *args))
            rs = results_of(new, ev.stream.id, firings + 1)
            for r in rs[:firings]:
                check(not r.HasField("error") and r.value == b"\x01", "%s fires: %s" % (proc_name, r))
            last = rs[firings]
            check(last.HasField("error"), "%s: last result is an error" % proc_name)
            eq((last.error.service, last.error.name), ("KRPC", "StreamRemovedException"), proc_name)
            check(no_stream_update(new, 0.3), "%s: nothing after the error (removed)" % proc_name)
            # the id has ended: managing it does nothing
            new.value("KRPC", "RemoveStream", varint(ev.stream.id))
            # pre-0.7: the firings, then silence, as before 0.7
            ev.ParseFromString(old.value("TestService", proc_name, *args))
            old.value("KRPC", "StartStream", varint(ev.stream.id))
            rs = results_of(old, ev.stream.id, firings)
            check(all(not r.HasField("error") and r.value == b"\x01" for r in rs), "old client: firings")
            check(no_stream_update(old, 0.3), "%s: old client: no error result" % proc_name)
        new.close(), old.close()



@test
def testservice_nullable_positions_for_v07_only():
    with Server() as srv:
        old, new = Client(srv), V07Client(srv)
        osvc, _ = services_of(old)
        nsvc, _ = services_of(new)
        old_structs = [x.name for x in osvc["TestService"].structs]
        eq(old_structs, ["TestStruct", "TestNestedStruct", "DeprecatedStruct"], "old view: the snapshot's structs")
        ts = nsvc["TestService"]
        structs = {x.name: x for x in ts.structs}
        ns = structs["TestNullableStruct"]
        eq([(f.name, f.type.code, f.type.nullable) for f in ns.fields],
           [("IntField", pb.Type.SINT32, False), ("NullableIntField", pb.Type.SINT32, True),
            ("NullableEnumField", pb.Type.ENUMERATION, True), ("NullableStringField", pb.Type.STRING, True),
            ("NullableObjectField", pb.Type.CLASS, True)], "TestNullableStruct fields")
        nn = structs["TestNestedNullableStruct"]
        eq([(f.name, f.type.nullable) for f in nn.fields], [("ListField", False), ("StringField", False)], "nested")
        check(nn.fields[0].type.types[0].nullable, "ListField elements nullable")
        t = proc(ts, "EchoDictionaryOfNullableObjects").parameters[0].type
        check(not t.types[0].nullable and t.types[1].nullable, "dictionary value nullable, key not")
        t = proc(ts, "EchoTupleWithANullableObject").return_type
        check(not t.types[0].nullable and t.types[1].nullable, "second tuple item nullable")
        # values: a presence byte at each nullable position (01 value, or 00)
        items = [b"\x01" + enc_sint32(1), b"\x00", b"\x01" + enc_sint32(0)]
        r = new.value("TestService", "EchoListOfNullableInts", enc_list(items))
        eq(dec_list(r), items, "list(int?) echoed with presence bytes")
        obj = new.value("TestService", "CreateTestObject", enc_string("jeb"))
        items = [b"\x01" + obj, b"\x00"]
        eq(dec_list(new.value("TestService", "EchoListOfNullableObjects", enc_list(items))), items, "objects")
        d = enc_dict([(enc_string("a"), b"\x01" + obj), (enc_string("b"), b"\x00")])
        eq(dec_dict(new.value("TestService", "EchoDictionaryOfNullableObjects", d)),
           dec_dict(d), "dictionary values")
        tup = enc_tuple([enc_sint32(1), b"\x00"])
        eq(dec_tuple(new.value("TestService", "EchoTupleWithANullableObject", tup)),
           [enc_sint32(1), b"\x00"], "tuple item")
        nested = enc_list([enc_list([b"\x01" + obj, b"\x00"]), enc_list([])])
        eq([dec_list(x) for x in dec_list(new.value("TestService", "EchoNestedListOfNullableObjects", nested))],
           [[b"\x01" + obj, b"\x00"], []], "nested lists")
        full = enc_tuple([enc_sint32(1), b"\x01" + enc_sint32(2), b"\x01" + enc_sint32(1), b"\x01" + enc_string("jeb"),
                          b"\x01" + obj])
        eq(dec_tuple(new.value("TestService", "NullableStructEcho", full)), dec_tuple(full), "struct, all set")
        empty = enc_tuple([enc_sint32(1), b"\x00", b"\x00", b"\x00", b"\x00"])
        eq(dec_tuple(new.value("TestService", "NullableStructEcho", empty)), dec_tuple(empty), "struct, all null")
        ns_val = enc_tuple([enc_list([b"\x01" + obj, b"\x00"]), enc_string("jeb")])
        back = dec_tuple(new.value("TestService", "EchoNestedNullableStruct", ns_val))
        eq((dec_list(back[0]), back[1]), ([b"\x01" + obj, b"\x00"], enc_string("jeb")), "nested nullable struct")
        # an item without its presence byte is an error, not a crash
        resp = new.request(make_call("TestService", "EchoListOfNullableInts", enc_list([b""])))
        check(resp.HasField("error") or resp.results[0].HasField("error"), "an item without its presence byte refused")
        eq(dec_varint(new.value("TestService", "Int32ToString", enc_sint32(7)))[0], 1, "the server carries on")
        # pre-0.7 clients see none of it
        r = old.call("TestService", "EchoListOfNullableInts", enc_list([]))
        check(r.HasField("error") and "not found" in r.error.description, "old: no EchoListOfNullableInts")
        old.close(), new.close()



@test
def streams_of_testservice_v07_members():
    with Server() as srv:
        c = V07Client(srv, stream=True)
        obj = c.value("TestService", "CreateTestObject", enc_string("jeb"))
        # a stream of an extension property (test_client.py test_extension_member_stream)
        st = pb.Stream()
        st.ParseFromString(c.value("KRPC", "AddStream", make_call("TestService", "TestClass_get_ExtensionProperty",
                                                                   obj).SerializeToString(), enc_bool(True)))
        r = results_of(c, st.id, 1)[0]
        eq(dec_string(r.value), "value=jeb", "extension property streamed")
        # a stream's value carries the presence bytes of nested nullable positions
        items = [b"\x01" + enc_sint32(1), b"\x00", b"\x01" + enc_sint32(3)]
        st2 = pb.Stream()
        st2.ParseFromString(c.value("KRPC", "AddStream", make_call("TestService", "EchoListOfNullableInts",
                                                                    enc_list(items)).SerializeToString(),
                                    enc_bool(True)))
        r = results_of(c, st2.id, 1)[0]
        eq(dec_list(r.value), items, "list(int?) streamed with presence bytes")
        c.close()


run_tests()

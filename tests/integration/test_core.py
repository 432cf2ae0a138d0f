"""The core server over TCP: handshakes, framing, dispatch, errors, the KRPC
service and scheduling (issue 2), against the real binary and TestService."""
import socket
import struct
import time

from krpctest import (Client, Conn, Server, check, dec_sint, dec_string, dec_varint, enc_sint32,
                      enc_string, eq, frame, make_call, pb, run_tests, test, varint)

WRONG_TYPE_RPC = ("Connection request was for the stream server, but this is the rpc server. "
                  "Did you connect to the wrong port number or socket path?")
WRONG_TYPE_STREAM = ("Connection request was for the rpc server, but this is the stream server. "
                     "Did you connect to the wrong port number or socket path?")
TRUNCATED = ("While parsing a protocol message, the input ended unexpectedly in the middle of a "
             "field.  This could mean either that the input has been truncated or that an "
             "embedded message misreported its own length.")


def status(client):
    s = pb.Status()
    s.ParseFromString(client.value("KRPC", "GetStatus"))
    return s


# ---- handshakes ------------------------------------------------------------

@test
def handshake_ok_with_name():
    with Server() as srv:
        c = Conn(srv.rpc_port)
        c.send(bytes.fromhex("0512034a6562"))  # transports.md 1.3, the name "Jeb"
        raw = c.recv_raw()
        eq(raw[:2], bytes.fromhex("1a10"), "OK reply carries only the 16-byte id")
        eq(len(raw), 18, "reply length")
        client_id = raw[2:]
        req = pb.Request()
        req.calls.append(make_call("KRPC", "GetClientName"))
        req.calls.append(make_call("KRPC", "GetClientID"))
        c.send_msg(req)
        resp = pb.Response()
        resp.ParseFromString(c.recv_raw())
        eq(dec_string(resp.results[0].value), "Jeb", "GetClientName")
        eq(resp.results[1].value, enc_string(client_id), "GetClientID is the handshake id")


@test
def handshake_empty_request_is_valid():
    with Server() as srv:
        c = Conn(srv.rpc_port)
        c.send(b"\x00")
        r = c.recv(pb.ConnectionResponse)
        eq(r.status, pb.ConnectionResponse.OK, "status")
        eq(len(r.client_identifier), 16, "id length")


@test
def handshake_malformed():
    with Server() as srv:
        c = Conn(srv.rpc_port)
        c.send(bytes.fromhex("03ffffff"))
        r = c.recv(pb.ConnectionResponse)
        eq(r.status, pb.ConnectionResponse.MALFORMED_MESSAGE, "status")
        eq(r.message, TRUNCATED, "message")
        check(c.closed_by_server(), "connection closed")


@test
def handshake_wrong_type_on_each_port():
    with Server() as srv:
        c = Conn(srv.rpc_port)
        c.send_msg(pb.ConnectionRequest(type=pb.ConnectionRequest.STREAM, client_identifier=b"x" * 16))
        r = c.recv(pb.ConnectionResponse)
        eq(r.status, pb.ConnectionResponse.WRONG_TYPE, "rpc port status")
        eq(r.message, WRONG_TYPE_RPC, "rpc port message")
        check(c.closed_by_server(), "rpc port closes")
        s = Conn(srv.stream_port)
        s.send_msg(pb.ConnectionRequest(type=pb.ConnectionRequest.RPC, client_name="x"))
        r = s.recv(pb.ConnectionResponse)
        eq(r.status, pb.ConnectionResponse.WRONG_TYPE, "stream port status")
        eq(r.message, WRONG_TYPE_STREAM, "stream port message")
        check(s.closed_by_server(), "stream port closes")


@test
def handshake_silence_times_out():
    with Server() as srv:
        c = Conn(srv.rpc_port, timeout=10)
        t0 = time.monotonic()
        r = c.recv(pb.ConnectionResponse)
        elapsed = time.monotonic() - t0
        eq(r.status, pb.ConnectionResponse.TIMEOUT, "status")
        eq(r.message, "Connection request message not received after waiting 3 seconds", "message")
        check(2.8 <= elapsed <= 4.5, "timeout after about 3 s, took %.2f s" % elapsed)
        check(c.closed_by_server(), "closed")
        # a partial message does not stop the clock, nor does a broken prefix
        p = Conn(srv.rpc_port, timeout=10)
        p.send(bytes.fromhex("ffffffff0f"))
        r = p.recv(pb.ConnectionResponse)
        eq(r.status, pb.ConnectionResponse.TIMEOUT, "broken prefix ends in TIMEOUT")


@test
def stream_handshake_unknown_id_closes_silently():
    with Server() as srv:
        s = Conn(srv.stream_port)
        s.send_msg(pb.ConnectionRequest(type=pb.ConnectionRequest.STREAM, client_identifier=b"\x01" * 16))
        check(s.closed_by_server(), "closed without a response")


@test
def stream_handshake_bad_id_length():
    with Server() as srv:
        for ident in (b"", b"\x01" * 15, b"\x01" * 17):
            s = Conn(srv.stream_port)
            s.send_msg(pb.ConnectionRequest(type=pb.ConnectionRequest.STREAM, client_identifier=ident))
            r = s.recv(pb.ConnectionResponse)
            eq(r.status, pb.ConnectionResponse.MALFORMED_MESSAGE, "status for %d bytes" % len(ident))
            eq(r.message, "Client identifier must be 16 bytes.", "message")
            check(s.closed_by_server(), "closed")


@test
def stream_handshake_after_rpc_closed_is_refused():
    with Server() as srv:
        c = Client(srv)
        ident = c.id
        c.close()
        # the server notices the close; a stream connection for that id then finds no client
        deadline = time.monotonic() + 5
        while True:
            s = Conn(srv.stream_port)
            s.send_msg(pb.ConnectionRequest(type=pb.ConnectionRequest.STREAM, client_identifier=ident))
            if s.closed_by_server(timeout=2):
                break
            check(time.monotonic() < deadline, "stream connection still accepted")


@test
def second_stream_connection_takes_over():
    with Server() as srv:
        c = Client(srv, stream=True)
        second = Conn(srv.stream_port)
        second.send_msg(pb.ConnectionRequest(type=pb.ConnectionRequest.STREAM, client_identifier=c.id))
        eq(second.recv(pb.ConnectionResponse).status, pb.ConnectionResponse.OK, "second accepted")
        # streams now go to the newest connection
        call = make_call("TestService", "Int32ToString", enc_sint32(7))
        c.value("KRPC", "AddStream", call.SerializeToString(), b"\x01")
        up = second.recv(pb.StreamUpdate)
        eq(dec_string(up.results[0].result.value), "7", "update on the second connection")


# ---- framing ---------------------------------------------------------------

@test
def split_and_coalesced_reads():
    with Server() as srv:
        c = Client(srv)
        req = pb.Request(calls=[make_call("TestService", "Int32ToString", enc_sint32(42))])
        data = frame(req)
        for b in data:  # one byte at a time
            c.rpc.send(bytes([b]))
            time.sleep(0.001)
        r = c.rpc.recv(pb.Response)
        eq(dec_string(r.results[0].value), "42", "split request")
        # three requests in one write: answered in order
        reqs = b"".join(frame(pb.Request(calls=[make_call("TestService", "Int32ToString", enc_sint32(i))]))
                        for i in (1, 2, 3))
        c.rpc.send(reqs)
        for i in (1, 2, 3):
            eq(dec_string(c.rpc.recv(pb.Response).results[0].value), str(i), "pipelined %d" % i)


@test
def long_varint_length_prefix():
    with Server() as srv:
        c = Client(srv)
        body = pb.Request(calls=[make_call("TestService", "Int32ToString", enc_sint32(5))]).SerializeToString()
        n = len(body)
        # the same length written with 5 bytes (non-canonical but valid)
        prefix = bytes([(n & 0x7F) | 0x80, 0x80, 0x80, 0x80, 0x00])
        c.rpc.send(prefix + body)
        eq(dec_string(c.rpc.recv(pb.Response).results[0].value), "5", "5-byte prefix accepted")


@test
def oversized_message_closes_only_that_client():
    with Server("--max-message-size", "1024") as srv:
        bad = Client(srv, name="bad")
        good = Client(srv, name="good")
        bad.rpc.send(varint(4096) + b"\x0a" * 100)
        check(bad.rpc.closed_by_server(), "oversized message closes the connection")
        eq(dec_string(good.value("TestService", "Int32ToString", enc_sint32(1))), "1", "other client served")
        # a message just under the limit is fine
        s = "x" * 900
        eq(dec_string(good.value("TestService", "EchoNullableString", enc_string(s))), s, "under the limit")


@test
def malformed_request_closes_connection():
    with Server() as srv:
        c = Client(srv)
        c.rpc.send(bytes.fromhex("03ffffff"))
        check(c.rpc.closed_by_server(), "closed without a reply")
        c2 = Client(srv)
        c2.rpc.send(bytes.fromhex("ffffffffff01"))  # a length prefix over 5 bytes
        check(c2.rpc.closed_by_server(), "bad prefix closes")


# ---- dispatch and errors ---------------------------------------------------

@test
def batched_calls_answered_in_order():
    with Server() as srv:
        c = Client(srv)
        resp = c.request(make_call("TestService", "Int32ToString", enc_sint32(1)),
                         make_call("TestService", "ThrowArgumentException"),
                         make_call("TestService", "Foo"),
                         make_call("TestService", "Int32ToString", enc_sint32(2)))
        check(not resp.HasField("error"), "no request error")
        eq(len(resp.results), 4, "one result per call")
        eq(dec_string(resp.results[0].value), "1", "first")
        e = resp.results[1].error
        eq((e.service, e.name, e.description), ("KRPC", "ArgumentException", "Invalid argument"), "second")
        eq(resp.results[2].error.description, 'Procedure "Foo" not found, in service "TestService"', "third")
        eq((resp.results[2].error.service, resp.results[2].error.name), ("", ""), "untyped")
        eq(dec_string(resp.results[3].value), "2", "fourth")
        empty = c.request()
        eq(empty, pb.Response(), "an empty request gets an empty response")


@test
def unknown_service_and_procedure():
    with Server() as srv:
        c = Client(srv)
        cases = [
            (make_call("krpc", "GetStatus"), 'Service "krpc" not found'),
            (make_call("", ""), 'Service "" not found'),
            (make_call("KRPC", "NoSuch"), 'Procedure "NoSuch" not found, in service "KRPC"'),
            (make_call("", "", service_id=12345), "Service with id 12345 not found"),
            (make_call("", "", service_id=1, procedure_id=70), "Procedure with id 70 not found"),
            (make_call("", "", service_id=9999, procedure_id=83), "Procedure with id 83 not found"),
        ]
        for call, text in cases:
            r = c.request(call).results[0]
            eq(r.error.description, text, "error text")
        # ids override names
        r = c.request(make_call("Bogus", "Bogus", enc_sint32(42), service_id=9999, procedure_id=3)).results[0]
        eq(dec_string(r.value), "42", "called by id")


@test
def argument_binding_errors():
    with Server() as srv:
        c = Client(srv)
        r = c.call("TestService", "Int32ToString")
        eq(r.error.description, "Argument not specified for parameter value in TestService.Int32ToString",
           "missing argument")
        # extra positions are ignored
        call = make_call("TestService", "Int32ToString", enc_sint32(3))
        call.arguments.add(position=5, value=b"\xff")
        eq(dec_string(c.request(call).results[0].value), "3", "extra argument ignored")
        # the same position twice: the later one wins
        call = make_call("TestService", "Int32ToString", enc_sint32(3))
        call.arguments.add(position=0, value=enc_sint32(4))
        eq(dec_string(c.request(call).results[0].value), "4", "later duplicate wins")
        r = c.call("TestService", "NotNullableObject", None)
        check(r.error.description.startswith(
            "Incorrect argument type for parameter value in TestService.NotNullableObject. "
            "Expected an argument of type TestServer.TestService+TestClass, got null"), r.error.description)
        r = c.call("TestService", "OptionalArguments", enc_string("jeb"))
        eq(dec_string(r.value), "jebfoobarnull", "defaults filled in")


@test
def undecodable_argument_fails_request_but_keeps_connection():
    with Server() as srv:
        c = Client(srv)
        resp = c.request(make_call("TestService", "Int32ToString", enc_sint32(1)),
                         make_call("TestService", "Int32ToString", b""))
        check(resp.HasField("error"), "Response.error")
        eq(len(resp.results), 0, "no results")
        eq(resp.error.description, TRUNCATED, "text")
        resp = c.request(make_call("TestService", "EchoTestObject", varint(1000000)))
        eq((resp.error.service, resp.error.name, resp.error.description),
           ("KRPC", "ArgumentException", "Instance not found"), "unknown object id")
        eq(dec_string(c.value("TestService", "Int32ToString", enc_sint32(9))), "9", "still usable")


@test
def get_status_counters_move():
    with Server() as srv:
        c = Client(srv)
        s0 = status(c)
        check(s0.version.count(".") == 2 and all(p.isdigit() for p in s0.version.split(".")), s0.version)
        check(s0.bytes_read > 0 and s0.bytes_written > 0, "bytes counted")
        eq((s0.one_rpc_per_update, s0.blocking_recv, s0.recv_timeout, s0.adaptive_rate_control),
           (False, True, 1000, True), "scheduler settings")
        for i in range(5):
            c.value("TestService", "Int32ToString", enc_sint32(i))
        s1 = status(c)
        eq(s1.rpcs_executed - s0.rpcs_executed, 6, "requests counted (GetStatus never counts itself)")
        check(s1.bytes_read > s0.bytes_read and s1.bytes_written > s0.bytes_written, "bytes grow")
        # rates are smoothed over updates: keep calling until they show
        deadline = time.monotonic() + 3
        while True:
            c.value("TestService", "Int32ToString", enc_sint32(1))
            s2 = status(c)
            if s2.rpc_rate > 0 and s2.bytes_read_rate > 0 and s2.time_per_rpc_update > 0:
                break
            check(time.monotonic() < deadline, "rates never became non-zero")
        check(s2.max_time_per_update >= 1000, "max_time_per_update")


@test
def clients_lists_connected_clients():
    with Server() as srv:
        a = Client(srv, name="first")
        b = Client(srv, name="second")

        def clients():
            raw = a.value("KRPC", "get_Clients")
            lst = pb.List()
            lst.ParseFromString(raw)
            out = []
            for item in lst.items:
                t = pb.Tuple()
                t.ParseFromString(item)
                n, i = dec_varint(t.items[0])
                out.append((t.items[0][i:i + n], dec_string(t.items[1]), dec_string(t.items[2])))
            return out

        eq(clients(), [(a.id, "first", "127.0.0.1"), (b.id, "second", "127.0.0.1")], "both, in order")
        b.close()
        deadline = time.monotonic() + 5
        while len(clients()) != 1:
            check(time.monotonic() < deadline, "disconnected client still listed")
        eq(clients()[0][1], "first", "remaining client")


@test
def game_scene_and_paused():
    with Server() as srv:
        c = Client(srv)
        eq(c.value("KRPC", "get_GameScene"), b"\x00", "SpaceCenter")
        eq(c.value("KRPC", "get_CurrentGameScene"), b"\x00", "deprecated alias")
        r = c.call("KRPC", "set_GameScene", enc_sint32(1))
        eq((r.error.name, r.error.description),
           ("InvalidOperationException", "Changing the game scene is not supported by this server"), "set")
        eq(c.value("KRPC", "get_Paused"), b"\x00", "not paused")


@test
def two_clients_interleave():
    with Server() as srv:
        a = Client(srv, name="a")
        b = Client(srv, name="b")
        # a long yielding call on a does not hold b back
        a.rpc.send_msg(pb.Request(calls=[make_call("TestService", "BlockingProcedure", enc_sint32(30))]))
        for i in range(10):
            eq(dec_sint(b.value("TestService", "Counter", enc_string("x"))), i + 1, "b's counter")
        eq(dec_sint(a.rpc.recv(pb.Response).results[0].value), 465, "a's blocking result")
        # counters are per client
        eq(dec_sint(a.value("TestService", "Counter", enc_string("x"))), 1, "a's own counter")


@test
def client_leaving_mid_continuation():
    with Server() as srv:
        a = Client(srv, name="a")
        a.rpc.send_msg(pb.Request(calls=[make_call("TestService", "BlockingProcedure", enc_sint32(-1))]))
        time.sleep(0.05)
        a.close()
        b = Client(srv, name="b")
        eq(dec_string(b.value("TestService", "Int32ToString", enc_sint32(1))), "1", "server fine")
        check(srv.alive(), "server alive")


@test
def stops_cleanly_on_sigterm():
    srv = Server()
    c = Client(srv)
    c.value("TestService", "CreateTestObject", enc_string("jeb"))
    code, err = srv.stop()
    eq(code, 0, "exit code")


if __name__ == "__main__":
    run_tests()

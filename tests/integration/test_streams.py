"""Streams, events and the update loop (issue 4), over TCP against the real
server and TestService."""
import time

from krpctest import (Client, Server, check, dec_sint, dec_string, dec_varint, enc_sint32, enc_string, eq,
                      make_call, no_stream_update, pb, run_tests, test, varint)


def add_stream(c, call, start=True):
    raw = c.value("KRPC", "AddStream", call.SerializeToString(), b"\x01" if start else b"\x00")
    s = pb.Stream()
    s.ParseFromString(raw)
    return s.id


def next_result(c, sid, timeout=3):
    """The next StreamResult for stream sid (other streams' results skipped)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        c.stream.sock.settimeout(max(0.01, deadline - time.monotonic()))
        up = c.stream_update()
        for r in up.results:
            if r.id == sid:
                return r.result
    raise AssertionError("no update for stream %d" % sid)



@test
def first_value_of_every_type_matches_a_direct_call():
    calls = [
        make_call("TestService", "Int32ToString", enc_sint32(42)),
        make_call("TestService", "FloatToString", bytes.fromhex("d00f4940")),
        make_call("TestService", "EnumReturn"),
        make_call("TestService", "StructDefault"),
        make_call("TestService", "ListDefault"),
        make_call("TestService", "SetDefault"),
        make_call("TestService", "DictionaryDefault"),
        make_call("TestService", "TupleDefault"),
        make_call("TestService", "EmptyListDefault"),
        make_call("TestService", "CreateTestObject", enc_string("streamed")),
        make_call("TestService", "EchoNullableInt", None),
        make_call("TestService", "DoubleSpecialDefaults"),
        make_call("TestService", "Int64SpecialDefaults"),
        make_call("TestService", "BytesToHexString", enc_string(b"\xde\xad")),
        make_call("KRPC", "GetClientName"),
    ]
    with Server() as srv:
        c = Client(srv, name="streamer", stream=True)
        for call in calls:
            direct = c.request(call).results[0]
            sid = add_stream(c, call)
            first = next_result(c, sid)
            eq((first.value, first.is_null), (direct.value, direct.is_null), call.procedure)


@test
def counter_sends_every_update_and_constants_once():
    with Server() as srv:
        c = Client(srv, stream=True)
        sid = add_stream(c, make_call("TestService", "Counter", enc_string("tick")))
        values = [dec_sint(next_result(c, sid).value) for _ in range(5)]
        eq(values, list(range(values[0], values[0] + 5)), "one new value per update")
        c.value("KRPC", "RemoveStream", varint(sid))
        # after the removal is applied nothing more comes for it
        while True:
            c.stream.sock.settimeout(0.2)
            try:
                up = c.stream_update()
            except OSError:
                break
            check(all(r.id != sid for r in up.results) or len(up.results) == 1, "late update")
        check(no_stream_update(c, 0.3), "no updates after RemoveStream")
        const = add_stream(c, make_call("TestService", "StructDefault"))
        next_result(c, const)
        check(no_stream_update(c, 0.4), "a constant value is sent once")


@test
def unstarted_stream_sends_nothing_until_started():
    with Server() as srv:
        c = Client(srv, stream=True)
        sid = add_stream(c, make_call("TestService", "Int32ToString", enc_sint32(5)), start=False)
        check(no_stream_update(c, 0.3), "nothing before StartStream")
        c.value("KRPC", "StartStream", varint(sid))
        eq(dec_string(next_result(c, sid).value), "5", "value after StartStream")
        # the same call again gives the same id, and StartStream re-sends the value
        eq(add_stream(c, make_call("TestService", "Int32ToString", enc_sint32(5)), start=False), sid, "dedup")
        c.value("KRPC", "StartStream", varint(sid))
        eq(dec_string(next_result(c, sid).value), "5", "re-sent")
        r = c.call("KRPC", "StartStream", varint(999999))
        eq((r.error.name, r.error.description), ("InvalidOperationException", "Stream does not exist with this id"),
           "unknown id")


@test
def rate_limits_evaluation():
    with Server() as srv:
        c = Client(srv, stream=True)
        sid = add_stream(c, make_call("TestService", "Counter", enc_string("rate")), start=False)
        c.value("KRPC", "SetStreamRate", varint(sid), bytes.fromhex("0000a040"))  # 5 Hz
        c.value("KRPC", "StartStream", varint(sid))
        t0 = time.monotonic()
        values = [dec_sint(next_result(c, sid).value) for _ in range(6)]
        elapsed = time.monotonic() - t0
        check(elapsed > 1.0, "6 values at 5 Hz take more than a second (took %.2f s)" % elapsed)
        eq(values, list(range(1, 7)), "rate limits evaluation, not only sending")


@test
def failing_stream_sends_its_error_once_and_is_removed():
    with Server() as srv:
        c = Client(srv, stream=True)
        before = c_status(c).stream_rpcs
        sid = add_stream(c, make_call("TestService", "ThrowArgumentException"))
        r = next_result(c, sid)
        eq((r.error.service, r.error.name, r.error.description), ("KRPC", "ArgumentException", "Invalid argument"),
           "error")
        check(no_stream_update(c, 0.3), "sent once")
        eq(c_status(c).stream_rpcs, before, "removed")
        r = c.call("KRPC", "StartStream", varint(sid))
        eq(r.error.description, "Stream does not exist with this id", "gone")


def c_status(c):
    s = pb.Status()
    s.ParseFromString(c.value("KRPC", "GetStatus"))
    return s


@test
def yielding_procedure_streams_when_it_finishes():
    with Server() as srv:
        c = Client(srv, stream=True)
        sid = add_stream(c, make_call("TestService", "BlockingProcedure", enc_sint32(10)))
        t0 = time.monotonic()
        eq(dec_sint(next_result(c, sid).value), 55, "result")
        check(time.monotonic() - t0 > 0.1, "took several updates")


@test
def stream_operations_need_a_stream_connection():
    with Server() as srv:
        c = Client(srv)
        for proc, args in (("AddStream", (make_call("KRPC", "GetStatus").SerializeToString(), b"\x01")),
                           ("StartStream", (varint(0),)), ("RemoveStream", (varint(0),))):
            r = c.call("KRPC", proc, *args)
            eq(r.error.description, "No stream client is connected for this RPC client", proc)


@test
def stream_connection_closed_removes_streams():
    with Server() as srv:
        c = Client(srv, stream=True)
        add_stream(c, make_call("TestService", "Counter", enc_string("gone")))
        check(c_status(c).stream_rpcs >= 1, "registered")
        c.stream.close()
        deadline = time.monotonic() + 3
        while c_status(c).stream_rpcs != 0:
            check(time.monotonic() < deadline, "streams not removed")


@test
def many_clients_many_streams():
    with Server() as srv:
        clients = [Client(srv, name="c%d" % i, stream=True) for i in range(10)]
        ids = {}
        for ci, c in enumerate(clients):
            req = pb.Request()
            for j in range(50):
                call = make_call("TestService", "Int32ToString", enc_sint32(ci * 1000 + j))
                req.calls.append(make_call("KRPC", "AddStream", call.SerializeToString(), b"\x01"))
            c.rpc.send_msg(req)
            resp = c.rpc.recv(pb.Response)
            ids[ci] = []
            for r in resp.results:
                s = pb.Stream()
                s.ParseFromString(r.value)
                ids[ci].append(s.id)
        for ci, c in enumerate(clients):
            seen = {}
            deadline = time.monotonic() + 5
            while len(seen) < 50 and time.monotonic() < deadline:
                for r in c.stream_update().results:
                    seen[r.id] = dec_string(r.result.value)
            eq(sorted(seen), sorted(ids[ci]), "client %d got all its streams" % ci)
            eq(sorted(seen.values()), sorted(str(ci * 1000 + j) for j in range(50)), "values")
        eq(c_status(clients[0]).stream_rpcs, 500, "500 streams registered")


@test
def removals_keep_the_other_streams_in_creation_order():
    """Streams removed from the middle of a client's streams: the others go
    on, one value per update, in creation order; values longer than a few
    bytes (CounterStruct with a long id) change and are sent like short
    ones; a call added again after its removal gets a new id, last."""
    with Server() as srv:
        c = Client(srv, stream=True)
        req = pb.Request()
        calls = [make_call("TestService", "Counter", enc_string("s%d" % i)) for i in range(12)]
        calls += [make_call("TestService", "CounterStruct", enc_string("a long counter id %d" % i)) for i in range(2)]
        for call in calls:
            req.calls.append(make_call("KRPC", "AddStream", call.SerializeToString(), b"\x01"))
        c.rpc.send_msg(req)
        ids = []
        for r in c.rpc.recv(pb.Response).results:
            s = pb.Stream()
            s.ParseFromString(r.value)
            ids.append(s.id)

        def full_update(expected):
            deadline = time.monotonic() + 3
            while time.monotonic() < deadline:
                c.stream.sock.settimeout(max(0.01, deadline - time.monotonic()))
                up = c.stream_update()
                if [r.id for r in up.results] == expected:
                    return {r.id: r.result.value for r in up.results}
            raise AssertionError("no update with exactly streams %s" % expected)

        first = full_update(ids)
        check(all(len(first[i]) > 8 for i in ids[12:]), "CounterStruct values are longer than 8 bytes")
        gone = [ids[0], ids[3], ids[7], ids[13]]
        req = pb.Request()
        for sid in gone:
            req.calls.append(make_call("KRPC", "RemoveStream", varint(sid)))
        c.rpc.send_msg(req)
        c.rpc.recv(pb.Response)
        kept = [i for i in ids if i not in gone]
        a = full_update(kept)
        b = full_update(kept)
        for i in kept[:-1]:
            eq(dec_sint(b[i]), dec_sint(a[i]) + 1, "stream %d counts on after the removals" % i)
        check(b[ids[12]] != a[ids[12]], "the long value changed")
        again = add_stream(c, calls[3])
        check(again not in ids, "a removed call added again gets a new id")
        full_update(kept + [again])


@test
def events_from_plugin_timer_and_condition():
    with Server() as srv:
        c = Client(srv, stream=True)
        raw = c.value("TestService", "OnTimer", varint(200), varint(3))
        ev = pb.Event()
        ev.ParseFromString(raw)
        sid = ev.stream.id
        c.value("KRPC", "StartStream", varint(sid))
        t0 = time.monotonic()
        for i in range(3):
            r = next_result(c, sid)
            eq(r.value, b"\x01", "fires true")
        check(0.45 < time.monotonic() - t0 < 2, "three firings ~200 ms apart")
        raw = c.value("TestService", "OnTimerUsingLambda", varint(100))
        ev.ParseFromString(raw)
        c.value("KRPC", "StartStream", varint(ev.stream.id))
        eq(next_result(c, ev.stream.id).value, b"\x01", "condition event fires")
        check(no_stream_update(c, 0.3), "then nothing (removed)")


@test
def event_from_expression():
    with Server() as srv:
        c = Client(srv, stream=True)

        def expr(proc, *args):
            raw = c.value("KRPC", "Expression_static_" + proc, *args)
            n, _ = dec_varint(raw)
            return varint(n)

        call = make_call("TestService", "Counter", enc_string("ev"))
        counter = expr("Call", call.SerializeToString())
        twenty = expr("ConstantInt", enc_sint32(20))
        cond = expr("Equal", counter, twenty)
        ev = pb.Event()
        ev.ParseFromString(c.value("KRPC", "AddEvent", cond))
        c.value("KRPC", "StartStream", varint(ev.stream.id))
        t0 = time.monotonic()
        eq(next_result(c, ev.stream.id).value, b"\x01", "fires")
        check(0.2 < time.monotonic() - t0 < 2, "after about 20 updates")


@test
def one_rpc_per_update_limits_a_client_to_one_call_per_tick():
    def pipelined(srv, n):
        c = Client(srv)
        data = b"".join(
            __import__("krpctest").frame(pb.Request(calls=[make_call("TestService", "Int32ToString", enc_sint32(i))]))
            for i in range(n))
        t0 = time.monotonic()
        c.rpc.send(data)
        for i in range(n):
            eq(dec_string(c.rpc.recv(pb.Response).results[0].value), str(i), "in order")
        return time.monotonic() - t0
    with Server("--one-rpc-per-update") as srv:
        slow = pipelined(srv, 30)
    with Server() as srv:
        fast = pipelined(srv, 30)
    check(slow > 0.35, "one per update: 30 requests take about half a second (%.3f s)" % slow)
    check(fast < slow / 3, "without it they are much faster (%.3f s vs %.3f s)" % (fast, slow))


@test
def blocking_recv_off_serves_only_at_updates():
    def sequential(srv, n):
        c = Client(srv)
        t0 = time.monotonic()
        for i in range(n):
            c.value("TestService", "Int32ToString", enc_sint32(i))
        return time.monotonic() - t0
    with Server("--blocking-recv=false") as srv:
        slow = sequential(srv, 20)
    with Server() as srv:
        fast = sequential(srv, 20)
    check(slow > 0.2, "one round trip per update (%.3f s)" % slow)
    check(fast < slow / 3, "answered at once otherwise (%.3f s vs %.3f s)" % (fast, slow))


@test
def tiny_time_budget_still_makes_progress():
    with Server("--max-time-per-update", "0", "--adaptive-rate-control=false") as srv:
        c = Client(srv)
        for i in range(5):
            eq(dec_string(c.value("TestService", "Int32ToString", enc_sint32(i))), str(i), "served")


@test
def shared_calls_are_evaluated_once_per_update():
    """A KRPC_SHARED procedure streamed by several clients runs once per
    update, its value fanned out; without the flag it runs once per stream."""
    import os
    plugin = os.path.join(os.environ["KRPC_TEST_PLUGIN_DIR"], "plugin_shared.so")
    with Server(plugins=[plugin]) as srv:
        clients = [Client(srv, name="s%d" % i, stream=True) for i in range(4)]
        ids = {}
        for c in clients:
            ids[c] = (add_stream(c, make_call("SharedService", "SharedValue")),
                      add_stream(c, make_call("SharedService", "SeparateValue")))
        # The streams started at different updates; from a value every client
        # has yet to pass, each must receive every value, the same ones.
        seen = {c: [dec_sint(next_result(c, ids[c][0]).value)] for c in clients}
        target = max(v[0] for v in seen.values()) + 2
        for c in clients:
            while seen[c][-1] < target:
                seen[c].append(dec_sint(next_result(c, ids[c][0]).value))
            eq(seen[c][-1], target, "every client gets the same shared values: %r" % seen[c])
        # every stream is running now: over the next updates, the separate
        # procedure runs once per stream (4), the shared one once per update
        def evaluations():
            t = pb.Tuple()
            t.ParseFromString(clients[0].value("SharedService", "Evaluations"))
            return dec_sint(t.items[0]), dec_sint(t.items[1])
        shared0, separate0 = evaluations()
        for _ in range(8):
            seen[clients[0]].append(dec_sint(next_result(clients[0], ids[clients[0]][0]).value))
        shared1, separate1 = evaluations()
        shared, separate = shared1 - shared0, separate1 - separate0
        check(shared >= 5, "shared evaluations over 8 updates: %d" % shared)
        check(separate >= 3 * shared, "separate streams run once per stream (%d) vs shared once per update (%d)"
              % (separate, shared))
        # consecutive shared values differ by one: one evaluation per update
        for vals in seen.values():
            eq([b - a for a, b in zip(vals, vals[1:])], [1] * (len(vals) - 1), "one evaluation per update")


@test
def each_stream_keeps_its_own_memo_from_update_to_update():
    """krpc_stream_memo: the same memory for every evaluation of one stream
    (the procedure counts them in it), a different one for each stream, none
    for an ordinary call; a stream added again starts afresh."""
    import os
    plugin = os.path.join(os.environ["KRPC_TEST_PLUGIN_DIR"], "plugin_shared.so")
    with Server(plugins=[plugin]) as srv:
        a = Client(srv, name="a", stream=True)
        b = Client(srv, name="b", stream=True)
        memo = lambda i, proc="Memo": make_call("SharedService", proc, enc_sint32(i))
        eq(dec_sint(a.value("SharedService", "Memo", enc_sint32(1))), -1, "an ordinary call has no memo")
        eq(dec_sint(a.value("SharedService", "MemoLarge", enc_sint32(1))), -1, "an ordinary call has no memo")
        # a small memo and a larger one
        ids = [(a, add_stream(a, memo(1))), (a, add_stream(a, memo(2))), (b, add_stream(b, memo(1))),
               (a, add_stream(a, memo(1, "MemoLarge"))), (b, add_stream(b, memo(3, "MemoLarge")))]
        for c, sid in ids:
            first = next_result(c, sid)
            check(not first.HasField("error"), "the memo's rules hold: %s" % first.error.description)
            values = [dec_sint(first.value)] + [dec_sint(next_result(c, sid).value) for _ in range(4)]
            check(values[0] >= 1, "counted from 1: %r" % values)
            eq(values, list(range(values[0], values[0] + 5)), "one evaluation per update, in the same memory")
        a.value("KRPC", "RemoveStream", varint(ids[0][1]))
        for _ in range(2):  # an update has applied the removal (else the same stream comes back)
            next_result(a, ids[1][1])
        again = add_stream(a, memo(1))
        eq(dec_sint(next_result(a, again).value), 1, "a new stream starts with a new memo")


@test
def a_streamed_counter_and_direct_calls_count_together():
    """Counter finds a stream's counter once and keeps it in the stream's memo:
    direct calls and the stream must still count the one counter."""
    with Server() as srv:
        c = Client(srv, stream=True)
        sid = add_stream(c, make_call("TestService", "Counter", enc_string("both")))
        streamed = [dec_sint(next_result(c, sid).value)]
        direct = []
        for _ in range(5):
            direct.append(dec_sint(c.value("TestService", "Counter", enc_string("both"))))
            streamed.append(dec_sint(next_result(c, sid).value))
        # every count up to the last one streamed came from an evaluation
        # (read in order) or a direct call: each exactly once
        upto = [v for v in streamed + direct if v <= streamed[-1]]
        eq(sorted(upto), list(range(1, streamed[-1] + 1)), "one counter (streamed %r, direct %r)" % (streamed, direct))


if __name__ == "__main__":
    run_tests()

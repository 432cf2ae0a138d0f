"""KRPC.Expression, KRPC.Type and KRPC.AddEvent (semantics.md 10.5 and 11,
krpc-service.md 3-4) against the real server binary and TestService: every
Expression member is built over a real socket, build errors are checked with
their .NET expression-compiler texts, and values are checked by evaluating
bool conditions through AddEvent in the stream phase.

Run: test_expressions.py --server build/server/krpc-server
                         --plugin build/services/testservice/krpc-testservice.so
(krpc_pb2 is taken from PYTHONPATH, else generated with protoc.)
"""
import os
import socket
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
try:
    import krpc_pb2  # noqa: F401
except ImportError:  # stand-alone run: generate the protobuf module
    _gen = tempfile.mkdtemp(prefix="krpc-pb2-")
    _proto = os.path.join(HERE, "..", "..", "proto")
    subprocess.check_call(["protoc", "--proto_path=" + _proto, "--python_out=" + _gen,
                           os.path.join(_proto, "krpc.proto")])
    sys.path.insert(0, _gen)

from krpctest import (Client, Server, check, dec_sint, dec_string, dec_varint, enc_sint32,  # noqa: E402
                      enc_string, eq, make_call, pb, run_tests, test, varint)


# ---- helpers -----------------------------------------------------------------

def enc_double(v):
    return struct.pack("<d", v)


def enc_float(v):
    return struct.pack("<f", v)


def enc_bool(v):
    return varint(1 if v else 0)


def enc_list(ids):
    return pb.List(items=[varint(i) for i in ids]).SerializeToString()


def enc_set(ids):
    return pb.Set(items=[varint(i) for i in ids]).SerializeToString()


def enc_dict(pairs):
    return pb.Dictionary(entries=[pb.DictionaryEntry(key=enc_string(k), value=varint(v))
                                  for k, v in pairs]).SerializeToString()


def enc_call(service, procedure, *args):
    return make_call(service, procedure, *args).SerializeToString()


class Ex:
    """Builds expressions for one client; every builder returns the object id."""

    def __init__(self, client):
        self.c = client

    def raw(self, member, *args):
        return self.c.call("KRPC", "Expression_static_" + member, *args)

    def mk(self, member, *args):
        r = self.raw(member, *args)
        check(not r.HasField("error"), "%s failed: %s" % (member, r.error.description))
        return dec_varint(r.value)[0]

    def err(self, member, *args):
        r = self.raw(member, *args)
        check(r.HasField("error"), "%s: expected an error, got value %r" % (member, r.value))
        return r.error

    def expect_error(self, member, args, service, name, description):
        e = self.err(member, *args)
        eq((e.service, e.name, e.description), (service, name, description), member + " error")

    # constants
    def i(self, v):
        return self.mk("ConstantInt", enc_sint32(v))

    def d(self, v):
        return self.mk("ConstantDouble", enc_double(v))

    def f(self, v):
        return self.mk("ConstantFloat", enc_float(v))

    def b(self, v):
        return self.mk("ConstantBool", enc_bool(v))

    def s(self, v):
        return self.mk("ConstantString", enc_string(v))

    def type(self, name):
        return dec_varint(self.c.value("KRPC", "Type_static_" + name))[0]

    def op(self, member, *ids):
        return self.mk(member, *[varint(i) for i in ids])

    def op_err(self, member, ids, service, name, description):
        self.expect_error(member, [varint(i) for i in ids], service, name, description)

    def call(self, service, procedure, *args):
        return self.mk("Call", enc_call(service, procedure, *args))

    def param(self, name, type_name):
        return self.mk("Parameter", enc_string(name), varint(self.type(type_name)))

    def func(self, params, body):
        return self.mk("Function", enc_list(params), varint(body))

    def invoke(self, fn, args):
        return self.mk("Invoke", varint(fn), enc_dict(args))

    def lst(self, ids):
        return self.mk("CreateList", enc_list(ids))

    def set(self, ids):
        return self.mk("CreateSet", enc_set(ids))

    def tuple(self, ids):
        return self.mk("CreateTuple", enc_list(ids))

    def dict(self, keys, values):
        return self.mk("CreateDictionary", enc_list(keys), enc_list(values))

    # comparisons against constants of the operand's type
    def eq_i(self, e, v):
        return self.op("Equal", e, self.i(v))

    def eq_d(self, e, v):
        return self.op("Equal", e, self.d(v))

    def eq_f(self, e, v):
        return self.op("Equal", e, self.f(v))

    def eq_b(self, e, v):
        return self.op("Equal", e, self.b(v))

    def eq_s(self, e, v):
        return self.op("Equal", e, self.s(v))


def add_event(c, expr):
    r = c.call("KRPC", "AddEvent", varint(expr))
    check(not r.HasField("error"), "AddEvent failed: %s" % r.error.description)
    ev = pb.Event()
    ev.ParseFromString(r.value)
    return ev.stream.id


def next_result(c, sid, timeout):
    """The next StreamResult of stream sid, or None after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        c.stream.sock.settimeout(remaining)
        try:
            up = c.stream_update()
        except socket.timeout:
            return None
        for r in up.results:
            if r.id == sid:
                return r.result


def evaluate(c, expr, timeout=2.0):
    """Evaluate a bool expression through an event: True if it fired, an
    Error if evaluation failed, None if nothing came within timeout."""
    sid = add_event(c, expr)
    c.value("KRPC", "StartStream", varint(sid))
    try:
        r = next_result(c, sid, timeout)
    finally:
        c.value("KRPC", "RemoveStream", varint(sid))
    if r is None:
        return None
    if r.HasField("error"):
        return r.error
    eq(r.value, b"\x01", "event value")
    return True


def holds(c, expr, what):
    r = evaluate(c, expr)
    check(r is True, "%s: condition did not hold (%r)" % (what, r))


def fails(c, expr, service, name, description, what=""):
    r = evaluate(c, expr)
    check(isinstance(r, pb.Error), "%s: expected an evaluation error, got %r" % (what, r))
    eq((r.service, r.name, r.description), (service, name, description), what + " evaluation error")


def session():
    srv = Server()
    c = Client(srv, stream=True)
    return srv, c, Ex(c)


def finish(srv, c):
    c.close()
    code, err = srv.stop()
    eq(code, 0, "server exit code (stderr: %s)" % err[-1000:])


IOE = ("KRPC", "InvalidOperationException")
AE = ("KRPC", "ArgumentException")
UNTYPED = ("", "")


def binop_undefined(op, a, b):
    return "The binary operator %s is not defined for the types '%s' and '%s'." % (op, a, b)


# ---- Type and constants ---------------------------------------------------------

@test
def types_are_fresh_objects():
    srv, c, x = session()
    for name in ("Double", "Float", "Int", "Bool", "String"):
        a, b = x.type(name), x.type(name)
        check(a != b and a > 0 and b > 0, "Type_static_%s gives a new object per call (%d, %d)" % (name, a, b))
    finish(srv, c)


@test
def constants_are_fresh_and_evaluate():
    srv, c, x = session()
    a, b = x.i(7), x.i(7)
    check(b > a, "equal constants get new, increasing ids (%d, %d)" % (a, b))
    holds(c, x.op("Equal", a, b), "ConstantInt 7 == 7")
    holds(c, x.eq_d(x.d(2.5), 2.5), "ConstantDouble")
    holds(c, x.eq_f(x.f(1.25), 1.25), "ConstantFloat")
    holds(c, x.eq_b(x.b(False), False), "ConstantBool")
    holds(c, x.b(True), "ConstantBool true as a condition")
    holds(c, x.eq_s(x.s("jeb \u00e9"), "jeb \u00e9"), "ConstantString")
    holds(c, x.op("Not", x.eq_s(x.s("jeb"), "bob")), "different strings")
    holds(c, x.eq_i(x.i(-2147483648), -2147483648), "int minimum")
    finish(srv, c)


# ---- Call and AddEvent ---------------------------------------------------------------

@test
def call_counter_event_like_test_custom_event():
    srv, c, x = session()
    counter = x.call("TestService", "Counter", enc_string("ev"))
    cond = x.eq_i(counter, 20)
    sid = add_event(c, cond)
    check(next_result(c, sid, 0.3) is None, "nothing before StartStream")
    eq(dec_sint(c.value("TestService", "Counter", enc_string("other"))), 1, "other counter untouched")
    c.value("KRPC", "StartStream", varint(sid))
    r = next_result(c, sid, 3)
    check(r is not None and r.value == b"\x01", "fires when the counter reaches 20: %r" % r)
    check(next_result(c, sid, 0.3) is None, "fires once (the counter passed 20)")
    n = dec_sint(c.value("TestService", "Counter", enc_string("ev")))
    check(n > 21, "the condition keeps being evaluated, counting each time (%d)" % n)
    finish(srv, c)


@test
def call_values_of_several_types():
    srv, c, x = session()
    s = x.call("TestService", "Int32ToString", enc_sint32(42))
    holds(c, x.eq_s(s, "42"), "Call returning string")
    n = x.call("TestService", "StringToInt32", enc_string("-17"))
    holds(c, x.eq_i(n, -17), "Call returning int")
    lst = x.call("TestService", "IncrementList", enc_list([]))
    holds(c, x.eq_i(x.op("Count", lst), 0), "Call returning an empty list")
    raw = pb.List(items=[enc_sint32(1), enc_sint32(2), enc_sint32(3)]).SerializeToString()
    lst = x.call("TestService", "IncrementList", raw)
    holds(c, x.eq_i(x.op("Sum", lst), 9), "Sum of a list returned by a procedure")
    holds(c, x.eq_i(x.op("Get", lst, x.i(2)), 4), "Get of a list returned by a procedure")
    # a default argument filled at build time
    holds(c, x.eq_i(x.op("Count", x.call("TestService", "ListDefault")), 3), "defaults bound at build time")
    finish(srv, c)


@test
def call_build_errors():
    srv, c, x = session()
    x.expect_error("Call", [enc_call("TestService", "ResetCustomExceptionLater")], *IOE,
                   "Cannot use a procedure that does not return a value.")
    x.expect_error("Call", [enc_call("TestService", "NoSuchProcedure")], *UNTYPED,
                   'Procedure "NoSuchProcedure" not found, in service "TestService"')
    x.expect_error("Call", [enc_call("NoSuchService", "Foo")], *UNTYPED, 'Service "NoSuchService" not found')
    x.expect_error("Call", [enc_call("TestService", "Int32ToString")], *UNTYPED,
                   "Argument not specified for parameter value in TestService.Int32ToString")
    finish(srv, c)


@test
def call_evaluation_errors():
    srv, c, x = session()
    thrower = x.call("TestService", "ThrowArgumentException")
    fails(c, x.eq_i(thrower, 0), *AE, "Invalid argument", "procedure raising")
    blocking = x.call("TestService", "BlockingProcedure", enc_sint32(3))
    r = evaluate(c, x.eq_i(blocking, 6))
    check(isinstance(r, pb.Error) and "yield" in r.description, "yielding procedure: %r" % r)
    finish(srv, c)


@test
def add_event_errors():
    srv, c, x = session()
    i = x.i(1)
    r = c.call("KRPC", "AddEvent", varint(i))
    eq((r.error.service, r.error.name, r.error.description),
       AE + ("Expression of type 'System.Int32' cannot be used for return type 'System.Boolean'",), "non-bool")
    r = c.call("KRPC", "AddEvent", varint(x.s("true")))
    eq(r.error.description, "Expression of type 'System.String' cannot be used for return type 'System.Boolean'",
       "string")
    p = x.param("x", "Int")
    r = c.call("KRPC", "AddEvent", varint(x.eq_i(p, 1)))
    eq((r.error.service, r.error.name, r.error.description),
       IOE + ("variable 'x' of type 'System.Int32' referenced from scope '', but it is not defined",),
       "free parameter")
    r = c.call("KRPC", "AddEvent", varint(x.type("Bool")))
    check(r.HasField("error") and "Expected an argument of type KRPC.Service.KRPC.Expression, got "
          "KRPC.Service.KRPC.Type" in r.error.description, "a Type is not an Expression: %s" % r.error)
    # no stream connection
    plain = Client(srv)
    e = Ex(plain).b(True)
    r = plain.call("KRPC", "AddEvent", varint(e))
    eq((r.error.service, r.error.name, r.error.description),
       IOE + ("No stream client is connected for this RPC client",), "no stream connection")
    plain.close()
    finish(srv, c)


@test
def event_fires_every_update_while_true():
    srv, c, x = session()
    sid = add_event(c, x.b(True))
    c.value("KRPC", "StartStream", varint(sid))
    for k in range(3):
        r = next_result(c, sid, 2)
        check(r is not None and r.value == b"\x01", "true update %d" % k)
    c.value("KRPC", "RemoveStream", varint(sid))
    finish(srv, c)


@test
def event_removed_after_evaluation_error():
    srv, c, x = session()
    cond = x.eq_i(x.op("Divide", x.i(1), x.i(0)), 0)
    sid = add_event(c, cond)
    c.value("KRPC", "StartStream", varint(sid))
    r = next_result(c, sid, 2)
    check(r is not None and r.HasField("error"), "error update")
    eq(r.error.description, "Attempted to divide by zero.", "error text")
    check(next_result(c, sid, 0.3) is None, "sent once")
    r = c.call("KRPC", "StartStream", varint(sid))
    eq(r.error.description, "Stream does not exist with this id", "the event is gone")
    finish(srv, c)


# ---- comparison and logic ------------------------------------------------------------

@test
def equality():
    srv, c, x = session()
    holds(c, x.op("Equal", x.d(1.5), x.d(1.5)), "Equal double")
    holds(c, x.op("NotEqual", x.i(1), x.i(2)), "NotEqual int")
    holds(c, x.op("NotEqual", x.s("a"), x.s("b")), "NotEqual string")
    holds(c, x.op("Equal", x.b(True), x.b(True)), "Equal bool")
    holds(c, x.op("Not", x.op("Equal", x.f(0.5), x.f(0.25))), "Equal float false")
    nan = x.d(float("nan"))
    holds(c, x.op("NotEqual", nan, nan), "NaN != NaN")
    x.op_err("Equal", [x.i(1), x.d(1.0)], *IOE, binop_undefined("Equal", "System.Int32", "System.Double"))
    x.op_err("NotEqual", [x.f(1.0), x.d(1.0)], *IOE, binop_undefined("NotEqual", "System.Single", "System.Double"))
    st = x.call("TestService", "StructDefault")
    x.op_err("Equal", [st, st], *IOE, binop_undefined("Equal", "TestServer.TestService+TestStruct",
                                                       "TestServer.TestService+TestStruct"))
    obj = x.call("TestService", "CreateTestObject", enc_string("jeb"))
    holds(c, x.op("Equal", obj, x.call("TestService", "CreateTestObject", enc_string("jeb"))),
          "objects compare by identity")
    ni = x.call("TestService", "EchoNullableInt", enc_sint32(5))
    x.op_err("Equal", [ni, x.i(5)], *IOE,
             binop_undefined("Equal", "System.Nullable`1[System.Int32]", "System.Int32"))
    holds(c, x.op("Equal", ni, x.call("TestService", "EchoNullableInt", enc_sint32(5))), "lifted Equal")
    finish(srv, c)


@test
def ordering_comparisons():
    srv, c, x = session()
    holds(c, x.op("GreaterThan", x.i(3), x.i(2)), "GreaterThan")
    holds(c, x.op("GreaterThanOrEqual", x.d(2.0), x.d(2.0)), "GreaterThanOrEqual")
    holds(c, x.op("LessThan", x.f(-1.0), x.f(0.0)), "LessThan")
    holds(c, x.op("LessThanOrEqual", x.i(-5), x.i(-5)), "LessThanOrEqual")
    holds(c, x.op("Not", x.op("LessThan", x.i(3), x.i(2))), "LessThan false")
    nan = x.d(float("nan"))
    holds(c, x.op("Not", x.op("GreaterThanOrEqual", nan, x.d(0.0))), "NaN comparisons are false")
    x.op_err("GreaterThan", [x.s("a"), x.s("b")], *IOE,
             binop_undefined("GreaterThan", "System.String", "System.String"))
    x.op_err("LessThan", [x.b(True), x.b(False)], *IOE,
             binop_undefined("LessThan", "System.Boolean", "System.Boolean"))
    x.op_err("LessThanOrEqual", [x.i(1), x.f(1)], *IOE,
             binop_undefined("LessThanOrEqual", "System.Int32", "System.Single"))
    finish(srv, c)


@test
def logic_and_bitwise():
    srv, c, x = session()
    t, f = x.b(True), x.b(False)
    holds(c, x.op("Not", x.op("And", t, f)), "And")
    holds(c, x.op("Or", f, t), "Or")
    holds(c, x.op("ExclusiveOr", t, f), "ExclusiveOr")
    holds(c, x.op("Not", x.op("ExclusiveOr", t, t)), "ExclusiveOr of equal")
    holds(c, x.op("Not", f), "Not")
    holds(c, x.eq_i(x.op("And", x.i(12), x.i(10)), 8), "bitwise And")
    holds(c, x.eq_i(x.op("Or", x.i(12), x.i(10)), 14), "bitwise Or")
    holds(c, x.eq_i(x.op("ExclusiveOr", x.i(12), x.i(10)), 6), "bitwise ExclusiveOr")
    holds(c, x.eq_i(x.op("Not", x.i(5)), -6), "bitwise complement")
    # both operands are always evaluated: the division by zero surfaces
    fails(c, x.op("And", f, x.eq_i(x.op("Divide", x.i(1), x.i(0)), 1)), *UNTYPED,
          "Attempted to divide by zero.", "And evaluates both operands")
    x.op_err("And", [x.d(1), x.d(1)], *IOE, binop_undefined("And", "System.Double", "System.Double"))
    x.op_err("Or", [x.b(True), x.i(1)], *IOE, binop_undefined("Or", "System.Boolean", "System.Int32"))
    x.op_err("ExclusiveOr", [x.s("a"), x.s("a")], *IOE,
             binop_undefined("ExclusiveOr", "System.String", "System.String"))
    x.op_err("Not", [x.d(1)], *IOE, "The unary operator Not is not defined for the type 'System.Double'.")
    finish(srv, c)


# ---- arithmetic -------------------------------------------------------------------------

@test
def arithmetic():
    srv, c, x = session()
    holds(c, x.eq_i(x.op("Add", x.i(40), x.i(2)), 42), "Add int")
    holds(c, x.eq_i(x.op("Add", x.i(2147483647), x.i(1)), -2147483648), "int addition wraps")
    holds(c, x.eq_d(x.op("Subtract", x.d(1.5), x.d(0.25)), 1.25), "Subtract double")
    holds(c, x.eq_f(x.op("Multiply", x.f(1.5), x.f(4)), 6.0), "Multiply float")
    holds(c, x.eq_i(x.op("Divide", x.i(-7), x.i(2)), -3), "int division truncates")
    holds(c, x.eq_i(x.op("Modulo", x.i(-7), x.i(2)), -1), "int modulo keeps the dividend's sign")
    holds(c, x.eq_d(x.op("Divide", x.d(7), x.d(2)), 3.5), "Divide double")
    holds(c, x.eq_d(x.op("Modulo", x.d(7.5), x.d(2)), 1.5), "Modulo double")
    holds(c, x.op("GreaterThan", x.op("Divide", x.d(1), x.d(0)), x.d(1e308)), "double division by zero is inf")
    fails(c, x.eq_i(x.op("Divide", x.i(1), x.i(0)), 0), *UNTYPED, "Attempted to divide by zero.", "int / 0")
    fails(c, x.eq_i(x.op("Modulo", x.i(1), x.i(0)), 0), *UNTYPED, "Attempted to divide by zero.", "int % 0")
    fails(c, x.eq_i(x.op("Divide", x.i(-2147483648), x.i(-1)), 0), *UNTYPED,
          "Arithmetic operation resulted in an overflow.", "int.MinValue / -1")
    x.op_err("Add", [x.s("a"), x.s("b")], *IOE, binop_undefined("Add", "System.String", "System.String"))
    x.op_err("Subtract", [x.i(1), x.d(1)], *IOE, binop_undefined("Subtract", "System.Int32", "System.Double"))
    x.op_err("Multiply", [x.b(True), x.b(True)], *IOE,
             binop_undefined("Multiply", "System.Boolean", "System.Boolean"))
    x.op_err("Divide", [x.f(1), x.d(1)], *IOE, binop_undefined("Divide", "System.Single", "System.Double"))
    x.op_err("Modulo", [x.d(1), x.i(1)], *IOE, binop_undefined("Modulo", "System.Double", "System.Int32"))
    finish(srv, c)


@test
def power_and_shifts():
    srv, c, x = session()
    holds(c, x.eq_i(x.op("Power", x.i(2), x.i(10)), 1024), "Power int")
    holds(c, x.eq_i(x.op("Power", x.i(3), x.i(-1)), 0), "Power int truncates")
    holds(c, x.eq_d(x.op("Power", x.d(2), x.d(0.5)), 2 ** 0.5), "Power double")
    holds(c, x.eq_f(x.op("Power", x.f(1.5), x.f(2)), 2.25), "Power float")
    x.op_err("Power", [x.s("a"), x.s("b")], *IOE,
             "No coercion operator is defined between types 'System.String' and 'System.Double'.")
    x.op_err("Power", [x.b(True), x.b(True)], *IOE,
             "No coercion operator is defined between types 'System.Double' and 'System.Boolean'.")
    holds(c, x.eq_i(x.op("LeftShift", x.i(1), x.i(4)), 16), "LeftShift")
    holds(c, x.eq_i(x.op("RightShift", x.i(-16), x.i(2)), -4), "RightShift is arithmetic")
    holds(c, x.eq_i(x.op("LeftShift", x.i(1), x.i(33)), 2), "shift counts are masked")
    x.op_err("LeftShift", [x.d(1), x.i(1)], *IOE, binop_undefined("LeftShift", "System.Double", "System.Int32"))
    x.op_err("RightShift", [x.i(1), x.d(1)], *IOE, binop_undefined("RightShift", "System.Int32", "System.Double"))
    finish(srv, c)


@test
def casts():
    srv, c, x = session()
    T = {n: x.type(n) for n in ("Double", "Float", "Int", "Bool", "String")}

    def cast(e, t):
        return x.mk("Cast", varint(e), varint(T[t]))
    holds(c, x.eq_d(cast(x.i(3), "Double"), 3.0), "int -> double")
    holds(c, x.eq_i(cast(x.d(-2.7), "Int"), -2), "double -> int truncates toward zero")
    holds(c, x.eq_i(cast(x.d(2.7), "Int"), 2), "double -> int")
    holds(c, x.eq_f(cast(x.d(0.5), "Float"), 0.5), "double -> float")
    holds(c, x.eq_i(cast(x.b(True), "Int"), 1), "bool -> int")
    holds(c, x.eq_d(cast(x.f(1.5), "Double"), 1.5), "float -> double")
    holds(c, x.eq_s(cast(x.s("s"), "String"), "s"), "string -> string")
    holds(c, x.eq_b(cast(x.b(False), "Bool"), False), "bool -> bool")
    holds(c, x.eq_i(cast(x.call("TestService", "EnumReturn"), "Int"), 1), "enum -> int")
    x.expect_error("Cast", [varint(x.i(1)), varint(T["Bool"])], *IOE,
                   "No coercion operator is defined between types 'System.Int32' and 'System.Boolean'.")
    x.expect_error("Cast", [varint(x.i(1)), varint(T["String"])], *IOE,
                   "No coercion operator is defined between types 'System.Int32' and 'System.String'.")
    x.expect_error("Cast", [varint(x.s("1")), varint(T["Int"])], *IOE,
                   "No coercion operator is defined between types 'System.String' and 'System.Int32'.")
    ni = x.call("TestService", "EchoNullableInt", None)
    fails(c, x.eq_i(cast(ni, "Int"), 0), *IOE, "Nullable object must have a value.", "Cast of a null int?")
    ni5 = x.call("TestService", "EchoNullableInt", enc_sint32(5))
    holds(c, x.eq_i(cast(ni5, "Int"), 5), "int? -> int")
    # a Type where an Expression is expected and vice versa: binding errors
    r = x.raw("Cast", varint(T["Int"]), varint(T["Int"]))
    check(r.HasField("error") and r.error.description.endswith(
        "Expected an argument of type KRPC.Service.KRPC.Expression, got KRPC.Service.KRPC.Type"),
        "Type as Expression: %s" % r.error.description)
    r = x.raw("Cast", varint(x.i(1)), varint(x.i(2)))
    check(r.HasField("error") and r.error.description.endswith(
        "Expected an argument of type KRPC.Service.KRPC.Type, got KRPC.Service.KRPC.Expression"),
        "Expression as Type: %s" % r.error.description)
    finish(srv, c)


# ---- functions ----------------------------------------------------------------------------

@test
def parameters_functions_invoke():
    srv, c, x = session()
    p = x.param("x", "Int")
    f = x.func([p], x.op("Add", p, x.i(1)))
    holds(c, x.eq_i(x.invoke(f, [("x", x.i(41))]), 42), "Invoke one parameter")
    a, b = x.param("a", "Double"), x.param("b", "Double")
    g = x.func([a, b], x.op("Subtract", a, b))
    holds(c, x.eq_d(x.invoke(g, [("b", x.d(1)), ("a", x.d(10))]), 9.0), "arguments by name")
    holds(c, x.eq_d(x.invoke(g, [("a", x.d(1)), ("b", x.d(10)), ("zzz", x.i(0))]), -9.0), "extra names ignored")
    k = x.func([], x.s("const"))
    holds(c, x.eq_s(x.invoke(k, []), "const"), "no parameters")
    # a closure: the inner function sees the outer parameter
    y = x.param("y", "Int")
    inner = x.func([y], x.op("Multiply", p, y))
    outer = x.func([p], x.invoke(inner, [("y", x.i(3))]))
    holds(c, x.eq_i(x.invoke(outer, [("x", x.i(14))]), 42), "nested functions")
    # errors
    x.expect_error("Invoke", [varint(f), enc_dict([])], *UNTYPED,
                   "The given key 'x' was not present in the dictionary.")
    x.expect_error("Invoke", [varint(f), enc_dict([("x", x.d(1))])], *AE,
                   "Expression of type 'System.Double' cannot be used for parameter of type 'System.Int32' "
                   "of method 'Int32 Invoke(Int32)' (Parameter 'arg0')")
    x.expect_error("Invoke", [varint(x.i(1)), enc_dict([])], *AE,
                   "Expression of type 'System.Int32' cannot be invoked (Parameter 'expression')")
    x.expect_error("Function", [enc_list([x.i(1)]), varint(x.i(1))], *UNTYPED,
                   "Unable to cast object of type 'System.Linq.Expressions.ConstantExpression' to type "
                   "'System.Linq.Expressions.ParameterExpression'.")
    x.expect_error("Function", [enc_list([p, p]), varint(p)], *AE,
                   "Found duplicate parameter 'x'. Each ParameterExpression in the list must be a unique "
                   "object. (Parameter 'parameters[1]')")
    r = x.raw("Function", enc_list([x.type("Int")]), varint(p))
    check(r.HasField("error") and "got KRPC.Service.KRPC.Type" in r.error.description,
          "a Type in the parameter list: %s" % r.error.description)
    # a function whose body uses a parameter it does not bind
    h = x.func([y], x.op("Add", p, y))
    r = c.call("KRPC", "AddEvent", varint(x.eq_i(x.invoke(h, [("y", x.i(1))]), 2)))
    eq(r.error.description, "variable 'x' of type 'System.Int32' referenced from scope '', but it is not defined",
       "unbound parameter")
    finish(srv, c)


# ---- collections ------------------------------------------------------------------------

@test
def tuples():
    srv, c, x = session()
    t = x.tuple([x.i(1), x.s("two"), x.d(3.0)])
    holds(c, x.eq_s(x.op("Get", t, x.i(1)), "two"), "Get of a tuple")
    holds(c, x.eq_d(x.op("Get", t, x.op("Add", x.i(1), x.i(1))), 3.0), "tuple index computed at build time")
    x.op_err("Get", [t, x.i(3)], "KRPC", "ArgumentOutOfRangeException",
             "Specified argument was out of the range of valid values. (Parameter 'index')")
    x.op_err("Get", [t, x.d(0)], *AE, "Expression of type 'System.Double' cannot be used for parameter of type "
             "'System.Int32'")
    x.expect_error("CreateTuple", [enc_list([])], *AE, "A tuple must have between 1 and 8 elements, got 0")
    holds(c, x.eq_i(x.op("Get", x.tuple([x.i(i) for i in range(8)]), x.i(7)), 7), "8 elements")
    tt = x.call("TestService", "IncrementTuple",
                pb.Tuple(items=[enc_sint32(1), varint(4)]).SerializeToString())
    holds(c, x.eq_i(x.op("Get", tt, x.i(0)), 2), "Get of a tuple returned by a procedure")
    finish(srv, c)


@test
def lists():
    srv, c, x = session()
    lst = x.lst([x.i(5), x.i(6), x.i(7)])
    holds(c, x.eq_i(x.op("Count", lst), 3), "Count of a list")
    holds(c, x.eq_i(x.op("Get", lst, x.i(2)), 7), "Get of a list")
    fails(c, x.eq_i(x.op("Get", lst, x.i(3)), 0), "KRPC", "ArgumentOutOfRangeException",
          "Index was out of range. Must be non-negative and less than the size of the collection. "
          "(Parameter 'index')", "index out of range")
    x.expect_error("CreateList", [enc_list([])], *IOE, "Sequence contains no elements")
    x.expect_error("CreateList", [enc_list([x.i(1), x.d(2)])], *IOE,
                   "An expression of type 'System.Double' cannot be used to initialize an array of type "
                   "'System.Int32'")
    x.op_err("Get", [lst, x.s("a")], *AE, "Expression of type 'System.String' cannot be used for parameter of "
             "type 'System.Int32' of method 'Int32 get_Item(Int32)' (Parameter 'arguments[0]')")
    x.op_err("Get", [x.i(1), x.i(0)], *AE,
             "Instance property 'Item' is not defined for type 'System.Int32' (Parameter 'propertyName')")
    x.op_err("Count", [x.i(1)], *IOE, "No generic method 'Count' on type 'System.Linq.Enumerable' is compatible "
             "with the supplied type arguments and arguments. No type arguments should be provided if the "
             "method is non-generic. ")
    r = x.raw("CreateList", enc_list([x.i(1), x.type("Int")]))
    check(r.HasField("error") and "got KRPC.Service.KRPC.Type" in r.error.description,
          "a Type in a list of expressions: %s" % r.error.description)
    finish(srv, c)


@test
def sets():
    srv, c, x = session()
    s = x.set([x.i(1), x.i(1), x.i(2)])  # equal values, distinct expressions
    holds(c, x.eq_i(x.op("Count", s), 2), "a set keeps distinct values")
    holds(c, x.op("Contains", s, x.i(2)), "Contains")
    holds(c, x.op("Not", x.op("Contains", s, x.i(3))), "Contains false")
    x.op_err("Get", [s, x.i(0)], *AE, "Instance property 'Item' is not defined for type "
             "'System.Collections.Generic.HashSet`1[System.Int32]' (Parameter 'propertyName')")
    x.expect_error("CreateSet", [enc_set([])], *IOE, "Sequence contains no elements")
    finish(srv, c)


@test
def dictionaries():
    srv, c, x = session()
    d = x.dict([x.s("a"), x.s("b")], [x.i(1), x.i(2)])
    holds(c, x.eq_i(x.op("Get", d, x.s("b")), 2), "Get by key")
    holds(c, x.eq_i(x.op("Count", d), 2), "Count of a dictionary")
    fails(c, x.eq_i(x.op("Get", d, x.s("c")), 0), *UNTYPED,
          "The given key 'c' was not present in the dictionary.", "missing key")
    bad = x.dict([x.s("a"), x.s("b")], [x.i(1)])
    fails(c, x.eq_i(x.op("Count", bad), 2), *AE, "Number of keys and values differ", "lengths differ")
    dup = x.dict([x.s("a"), x.s("a")], [x.i(1), x.i(2)])
    fails(c, x.eq_i(x.op("Count", dup), 2), *AE, "An item with the same key has already been added. Key: a",
          "duplicate keys")
    x.op_err("Get", [d, x.i(0)], *AE, "Expression of type 'System.Int32' cannot be used for parameter of type "
             "'System.String' of method 'Int32 get_Item(System.String)' (Parameter 'arguments[0]')")
    x.expect_error("CreateDictionary", [enc_list([]), enc_list([])], *IOE, "Sequence contains no elements")
    finish(srv, c)


@test
def conversions_between_collections():
    srv, c, x = session()
    lst = x.lst([x.i(3), x.i(1), x.i(3)])
    st = x.op("ToSet", lst)
    holds(c, x.eq_i(x.op("Count", st), 2), "ToSet removes duplicates")
    back = x.op("ToList", st)
    holds(c, x.eq_i(x.op("Get", back, x.i(1)), 1), "ToList keeps the order")
    holds(c, x.eq_i(x.op("Get", x.op("ToList", lst), x.i(2)), 3), "ToList of a list")
    x.op_err("ToList", [x.i(1)], *IOE, "No generic method 'ToList' on type 'System.Linq.Enumerable' is "
             "compatible with the supplied type arguments and arguments. No type arguments should be "
             "provided if the method is non-generic. ")
    finish(srv, c)


@test
def sum_max_min_average():
    srv, c, x = session()
    ints = x.lst([x.i(4), x.i(-2), x.i(9)])
    holds(c, x.eq_i(x.op("Sum", ints), 11), "Sum int")
    holds(c, x.eq_i(x.op("Max", ints), 9), "Max int")
    holds(c, x.eq_i(x.op("Min", ints), -2), "Min int")
    holds(c, x.eq_d(x.op("Average", ints), 11 / 3), "Average of ints is a double")
    dbls = x.set([x.d(0.5), x.d(2.5)])
    holds(c, x.eq_d(x.op("Sum", dbls), 3.0), "Sum double")
    holds(c, x.eq_d(x.op("Average", dbls), 1.5), "Average double")
    flts = x.lst([x.f(1.0), x.f(2.0)])
    holds(c, x.eq_f(x.op("Average", flts), 1.5), "Average of floats is a float")
    holds(c, x.eq_f(x.op("Max", flts), 2.0), "Max float")
    fails(c, x.eq_i(x.op("Sum", x.lst([x.i(2147483647), x.i(1)])), 0), *UNTYPED,
          "Arithmetic operation resulted in an overflow.", "Sum is checked")
    p = x.param("v", "Int")
    none = x.mk("Where", varint(ints), varint(x.func([p], x.b(False))))
    fails(c, x.eq_i(x.op("Max", none), 0), *IOE, "Sequence contains no elements", "Max of nothing")
    fails(c, x.eq_d(x.op("Average", none), 0), *IOE, "Sequence contains no elements", "Average of nothing")
    holds(c, x.eq_i(x.op("Sum", none), 0), "Sum of nothing")
    strs = x.lst([x.s("a")])
    x.op_err("Sum", [strs], *IOE, "No generic method 'Sum' on type 'System.Linq.Enumerable' is compatible "
             "with the supplied type arguments and arguments. No type arguments should be provided if the "
             "method is non-generic. ")
    x.op_err("Average", [x.lst([x.b(True)])], *IOE, "No generic method 'Average' on type "
             "'System.Linq.Enumerable' is compatible with the supplied type arguments and arguments. No type "
             "arguments should be provided if the method is non-generic. ")
    finish(srv, c)


@test
def select_where_contains():
    srv, c, x = session()
    lst = x.lst([x.i(1), x.i(2), x.i(3), x.i(4)])
    p = x.param("v", "Int")
    doubled = x.op("ToList", x.op("Select", lst, x.func([p], x.op("Multiply", p, x.i(2)))))
    holds(c, x.eq_i(x.op("Get", doubled, x.i(3)), 8), "Select")
    as_double = x.op("Select", lst, x.func([p], x.mk("Cast", varint(p), varint(x.type("Double")))))
    holds(c, x.eq_d(x.op("Sum", as_double), 10.0), "Select to another type")
    even = x.op("Where", lst, x.func([p], x.eq_i(x.op("Modulo", p, x.i(2)), 0)))
    holds(c, x.eq_i(x.op("Count", even), 2), "Where")
    holds(c, x.eq_i(x.op("Sum", even), 6), "Sum over Where")
    i = x.param("i", "Int")
    idx = x.op("Select", lst, x.func([p, i], x.op("Multiply", p, i)))
    holds(c, x.eq_i(x.op("Sum", idx), 0 + 2 + 6 + 12), "Select with the index")
    holds(c, x.op("Contains", lst, x.i(3)), "Contains")
    holds(c, x.op("Contains", even, x.i(4)), "Contains over Where")
    x.op_err("Contains", [lst, x.d(3)], *IOE, "No generic method 'Contains' on type 'System.Linq.Enumerable' is "
             "compatible with the supplied type arguments and arguments. No type arguments should be "
             "provided if the method is non-generic. ")
    q = x.param("q", "Double")
    x.op_err("Select", [lst, x.func([q], q)], *IOE, "No generic method 'Select' on type "
             "'System.Linq.Enumerable' is compatible with the supplied type arguments and arguments. No type "
             "arguments should be provided if the method is non-generic. ")
    x.op_err("Where", [lst, x.func([p], p)], *IOE, "No generic method 'Where' on type "
             "'System.Linq.Enumerable' is compatible with the supplied type arguments and arguments. No type "
             "arguments should be provided if the method is non-generic. ")
    finish(srv, c)


@test
def aggregate_concat_order_all_any():
    srv, c, x = session()
    lst = x.lst([x.i(3), x.i(1), x.i(2)])
    acc, v = x.param("acc", "Int"), x.param("v", "Int")
    total = x.op("Aggregate", lst, x.func([acc, v], x.op("Add", acc, v)))
    holds(c, x.eq_i(total, 6), "Aggregate")
    dacc = x.param("acc", "Double")
    seeded = x.op("AggregateWithSeed", lst, x.d(0.5),
                  x.func([dacc, v], x.op("Add", dacc, x.mk("Cast", varint(v), varint(x.type("Double"))))))
    holds(c, x.eq_d(seeded, 6.5), "AggregateWithSeed")
    x.op_err("AggregateWithSeed", [lst, x.i(0), x.func([dacc, v], dacc)], *IOE,
             "No generic method 'Aggregate' on type 'System.Linq.Enumerable' is compatible with the supplied "
             "type arguments and arguments. No type arguments should be provided if the method is non-generic. ")
    none = x.op("Where", lst, x.func([v], x.b(False)))
    fails(c, x.eq_i(x.op("Aggregate", none, x.func([acc, v], acc)), 0), *IOE, "Sequence contains no elements",
          "Aggregate of nothing")
    both = x.op("Concat", lst, x.lst([x.i(10)]))
    holds(c, x.eq_i(x.op("Count", both), 4), "Concat")
    holds(c, x.eq_i(x.op("Get", x.op("ToList", both), x.i(3)), 10), "Concat order")
    x.op_err("Concat", [lst, x.lst([x.d(1)])], *IOE, "No generic method 'Concat' on type "
             "'System.Linq.Enumerable' is compatible with the supplied type arguments and arguments. No type "
             "arguments should be provided if the method is non-generic. ")
    asc = x.op("ToList", x.op("OrderBy", lst, x.func([v], v)))
    holds(c, x.op("And", x.eq_i(x.op("Get", asc, x.i(0)), 1), x.eq_i(x.op("Get", asc, x.i(2)), 3)), "OrderBy")
    desc = x.op("ToList", x.op("OrderBy", lst, x.func([v], x.op("Subtract", x.i(0), v))))
    holds(c, x.eq_i(x.op("Get", desc, x.i(0)), 3), "OrderBy a computed key")
    strs = x.lst([x.s("b"), x.s("c"), x.s("a")])
    sv = x.param("s", "String")
    holds(c, x.eq_s(x.op("Get", x.op("ToList", x.op("OrderBy", strs, x.func([sv], sv))), x.i(0)), "a"),
          "OrderBy strings")
    positive = x.func([v], x.op("GreaterThan", v, x.i(0)))
    big = x.func([v], x.op("GreaterThan", v, x.i(2)))
    holds(c, x.op("All", lst, positive), "All")
    holds(c, x.op("Not", x.op("All", lst, big)), "All false")
    holds(c, x.op("Any", lst, big), "Any")
    holds(c, x.op("Not", x.op("Any", none, positive)), "Any of nothing")
    holds(c, x.op("All", none, big), "All of nothing")
    x.op_err("All", [lst, x.func([v], v)], *IOE, "No generic method 'All' on type 'System.Linq.Enumerable' is "
             "compatible with the supplied type arguments and arguments. No type arguments should be "
             "provided if the method is non-generic. ")
    x.op_err("Any", [x.i(1), positive], *IOE, "No generic method 'Any' on type 'System.Linq.Enumerable' is "
             "compatible with the supplied type arguments and arguments. No type arguments should be "
             "provided if the method is non-generic. ")
    finish(srv, c)


@test
def many_events_and_clients():
    """Expressions are shared objects: another client can use them, and an
    event's condition runs in its owner's context (Counter is per client)."""
    srv, c, x = session()
    other = Client(srv, name="other", stream=True)
    counter = x.call("TestService", "Counter", enc_string("shared"))
    cond = x.eq_i(counter, 3)
    holds(other, cond, "another client's event on the same expression")
    eq(dec_sint(c.value("TestService", "Counter", enc_string("shared"))), 1,
       "the first client's counter was not used by the other client's event")
    other.close()
    finish(srv, c)


@test
def getservices_lists_every_member():
    srv, c, x = session()
    s = pb.Services()
    s.ParseFromString(c.value("KRPC", "GetServices"))
    krpc = [sv for sv in s.services if sv.name == "KRPC"][0]
    names = [p.name for p in krpc.procedures]
    members = ("ConstantDouble ConstantFloat ConstantInt ConstantBool ConstantString Call Equal NotEqual "
               "GreaterThan GreaterThanOrEqual LessThan LessThanOrEqual And Or ExclusiveOr Not Add Subtract "
               "Multiply Divide Modulo Power LeftShift RightShift Cast Parameter Function Invoke CreateTuple "
               "CreateList CreateSet CreateDictionary ToList ToSet Get Count Sum Max Min Average Select Where "
               "Contains Aggregate AggregateWithSeed Concat OrderBy All Any").split()
    eq(names[15:64], ["Expression_static_" + m for m in members], "Expression members in id order")
    eq(names[64:69], ["Type_static_" + t for t in ("Double", "Float", "Int", "Bool", "String")], "Type members")
    for p in krpc.procedures[15:69]:
        check(p.documentation.startswith("<doc>\n<summary>\n"), "%s is documented" % p.name)
    finish(srv, c)


if __name__ == "__main__":
    run_tests()

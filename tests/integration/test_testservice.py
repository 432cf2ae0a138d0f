"""Every TestService and Benchmark member over a socket (issue 3; testservice.md
sections 2-6): conversions and .NET number formatting, objects, null handling,
defaults, collections, structs, enums, yielding, counters, properties,
exceptions, events and Benchmark.Call."""
import math
import select
import struct
import time

from krpctest import (Client, Server, check, dec_sint, dec_string, dec_varint, enc_sint32, enc_string, eq,
                      make_call, pb, run_tests, test, varint)

TS = "TestService"
TESTCLASS = "TestServer.TestService+TestClass"

# ---- value encoders / decoders (wire.md 3) ----------------------------------


def f32(x):
    return struct.pack("<f", x)


def f64(x):
    return struct.pack("<d", x)


def s32(n):
    return enc_sint32(n)


def s64(n):
    return varint(((n << 1) ^ (n >> 63)) & 0xFFFFFFFFFFFFFFFF)


def u64(n):
    return varint(n)


def boolean(v):
    return b"\x01" if v else b"\x00"


def string(s):
    return enc_string(s)


def raw_bytes(b):
    return varint(len(b)) + b


def obj(object_id):
    return varint(object_id)


def enc_list(items):
    return pb.List(items=list(items)).SerializeToString()


def enc_set(items):
    return pb.Set(items=list(items)).SerializeToString()


def enc_tuple(items):
    return pb.Tuple(items=list(items)).SerializeToString()


def enc_dict(pairs):
    return pb.Dictionary(entries=[pb.DictionaryEntry(key=k, value=v) for k, v in pairs]).SerializeToString()


def test_struct(i, s, e, lst):
    """TestService.TestStruct{IntField, StringField, EnumField, ListField}."""
    return enc_tuple([s32(i), string(s), s32(e), enc_list(s32(x) for x in lst)])


def d_list(b):
    m = pb.List()
    m.ParseFromString(b)
    return list(m.items)


def d_set(b):
    m = pb.Set()
    m.ParseFromString(b)
    return list(m.items)


def d_tuple(b):
    m = pb.Tuple()
    m.ParseFromString(b)
    return list(m.items)


def d_dict(b):
    m = pb.Dictionary()
    m.ParseFromString(b)
    return [(e.key, e.value) for e in m.entries]


def d_uint(b):
    return dec_varint(b)[0]


def d_sint64(b):
    n = dec_varint(b)[0]
    return (n >> 1) ^ -(n & 1)


def d_float(b):
    return struct.unpack("<f", b)[0]


def d_double(b):
    return struct.unpack("<d", b)[0]


def ok(c, proc, *args):
    return c.value(TS, proc, *args)


def text(c, proc, *args):
    return dec_string(c.value(TS, proc, *args))


def error(c, proc, *args, service=TS):
    r = c.call(service, proc, *args)
    check(r.HasField("error"), "%s.%s should fail, got %r" % (service, proc, r))
    return r.error


def err_tuple(e):
    return (e.service, e.name, e.description)


def request_error(c, call):
    """A request whose decoding fails: Response.error and no results (semantics.md 5.1)."""
    resp = c.request(call)
    check(resp.HasField("error"), "Response.error expected, got %r" % resp)
    eq(len(resp.results), 0, "no results with Response.error")
    return resp.error


def no_data(conn, timeout):
    """Nothing arrives on conn for `timeout` seconds."""
    if conn.buf:
        return False
    ready, _, _ = select.select([conn.sock], [], [], timeout)
    return not ready


def wait_true(c, timeout):
    """The next stream update carries one `true` event value; returns its stream id."""
    c.stream.sock.settimeout(timeout)
    up = c.stream_update()
    c.stream.sock.settimeout(5)
    eq(len(up.results), 1, "one result per update")
    eq(up.results[0].result.value, b"\x01", "event value true")
    return up.results[0].id


def event_id(value):
    ev = pb.Event()
    ev.ParseFromString(value)
    return ev.stream.id


def status(c):
    s = pb.Status()
    s.ParseFromString(c.value("KRPC", "GetStatus"))
    return s


# ---- 2.1 value conversions ------------------------------------------------------

FLOATS = [
    (3.14159, "3.14159"), (42.0, "42"), (0.1, "0.1"), (1e7, "1E+07"), (1e8, "1E+08"), (1e19, "1E+19"),
    (0.01, "0.01"), (0.0001, "0.0001"), (100000.0, "100000"), (1000000.0, "1000000"), (1.0, "1"),
    (3.4028234663852886e38, "3.4028235E+38"), (1.401298464324817e-45, "1E-45"),
    (16777215.0, "16777215"), (1.0 / 3, "0.33333334"), (-0.0, "-0"), (-2.5, "-2.5"),
    (float("nan"), "NaN"), (float("inf"), "Infinity"), (float("-inf"), "-Infinity"),
]

DOUBLES = [
    (3.14159, "3.14159"), (struct.unpack("<f", struct.pack("<f", 3.14159))[0], "3.141590118408203"),
    (0.1 + 0.2, "0.30000000000000004"), (1.0 / 3, "0.3333333333333333"),
    (1.7976931348623157e308, "1.7976931348623157E+308"), (5e-324, "5E-324"),
    (2.0 ** 53, "9007199254740992"), (1.2345678901234568e17, "1.2345678901234568E+17"), (-0.0, "-0"),
    (1e21, "1E+21"), (1e20, "1E+20"), (1e16, "1E+16"), (1e15, "1E+15"), (1e14, "100000000000000"),
    (0.1, "0.1"), (0.0001, "0.0001"), (1e-05, "1E-05"), (1.5e-07, "1.5E-07"), (1e7, "10000000"),
    (123456.789, "123456.789"), (4.35, "4.35"), (100.0, "100"), (42.0, "42"), (-1.0, "-1"),
    (float("nan"), "NaN"), (float("inf"), "Infinity"), (float("-inf"), "-Infinity"),
]


@test
def float_and_double_to_string():
    with Server() as srv:
        c = Client(srv)
        for v, s in FLOATS:
            eq(text(c, "FloatToString", f32(v)), s, "FloatToString(%r)" % v)
        for v, s in DOUBLES:
            eq(text(c, "DoubleToString", f64(v)), s, "DoubleToString(%r)" % v)
        # deprecated procedures work as FloatToString
        eq(text(c, "DeprecatedProcedure", f32(3.14159)), "3.14159", "DeprecatedProcedure")
        eq(text(c, "DeprecatedProcedureNoMessage", f32(42)), "42", "DeprecatedProcedureNoMessage")


@test
def integer_and_bool_to_string():
    with Server() as srv:
        c = Client(srv)
        for n in (0, 42, -42, 2147483647, -2147483648):
            eq(text(c, "Int32ToString", s32(n)), str(n), "Int32ToString(%d)" % n)
        for n in (0, 123456789000, -1, 9223372036854775807, -9223372036854775808):
            eq(text(c, "Int64ToString", s64(n)), str(n), "Int64ToString(%d)" % n)
        eq(text(c, "BoolToString", b"\x01"), "True", "true")
        eq(text(c, "BoolToString", b"\x00"), "False", "false")
        eq(text(c, "BoolToString", b"\x02"), "True", "any non-zero byte is true")
        eq(text(c, "BytesToHexString", raw_bytes(bytes.fromhex("deadbeef"))), "deadbeef", "hex")
        eq(text(c, "BytesToHexString", raw_bytes(b"")), "", "empty bytes")
        eq(text(c, "BytesToHexString", raw_bytes(bytes(range(16)))), bytes(range(16)).hex(), "lower case")
        eq(text(c, "AddMultipleValues", f32(0.14159), s32(1), s64(2)), "3.14159", "single precision")
        eq(text(c, "AddMultipleValues", f32(1), s32(2), s64(3)), "6", "1+2+3")
        # float(1e8) + 1 is lost in single precision
        eq(text(c, "AddMultipleValues", f32(1e8), s32(1), s64(0)), "1E+08", "rounded to float")


@test
def string_to_int32():
    with Server() as srv:
        c = Client(srv)
        for s, n in (("12345", 12345), ("-7", -7), ("+7", 7), ("  42 ", 42), ("2147483647", 2147483647),
                     ("-2147483648", -2147483648), ("0", 0)):
            eq(dec_sint(ok(c, "StringToInt32", string(s))), n, "StringToInt32(%r)" % s)
        e = error(c, "StringToInt32", string("abc"))
        eq(err_tuple(e), ("", "", "The input string 'abc' was not in a correct format."), "not a number")
        e = error(c, "StringToInt32", string("2147483648"))
        eq(err_tuple(e), ("", "", "Value was either too large or too small for an Int32."), "out of range")
        e = error(c, "StringToInt32", string(""))
        eq((e.service, e.name), ("", ""), "empty string is an untyped error")


@test
def strings_round_trip_every_byte():
    with Server() as srv:
        c = Client(srv)
        for s in ("", "jeb", "\u2122", "a\nb\r\nc\n\rd\x10\x13", "x" * 5000, "\x00inside"):
            eq(c.value(TS, "EchoNullableString", string(s)), string(s), "EchoNullableString(%r)" % s[:20])


# ---- 2.2 objects and nullability ------------------------------------------------

@test
def objects_dedup_and_increasing_ids():
    with Server() as srv:
        c = Client(srv)
        jeb = ok(c, "CreateTestObject", string("jeb"))
        eq(jeb, b"\x01", "first object of a fresh server is id 1")
        eq(ok(c, "CreateTestObject", string("jeb")), jeb, "equal value, same id")
        bob = ok(c, "CreateTestObject", string("bob"))
        check(d_uint(bob) > d_uint(jeb), "ids increase")
        ids = [d_uint(ok(c, "CreateTestObject", string("obj%d" % i))) for i in range(5)]
        eq(ids, sorted(ids), "creation order")
        eq(len(set(ids)), 5, "distinct")
        # another client sees the same objects
        d = Client(srv, name="other")
        eq(ok(d, "CreateTestObject", string("jeb")), jeb, "shared across clients")
        eq(text(d, "TestClass_GetValue", bob), "value=bob", "usable from another client")
        # echo and a list of objects
        eq(ok(c, "EchoTestObject", jeb), jeb, "echo")
        eq(ok(c, "NotNullableObject", bob), bob, "NotNullableObject")
        lst = d_list(ok(c, "AddToObjectList", enc_list([jeb, bob]), string("bill")))
        eq(lst[:2], [jeb, bob], "list kept")
        eq(len(lst), 3, "one appended")
        eq(ok(c, "CreateTestObject", string("bill")), lst[2], "appended object deduplicated")
        eq(d_list(ok(c, "AddToObjectList", enc_list([]), string("jeb"))), [jeb], "empty list + existing")


@test
def renaming_changes_equality():
    with Server() as srv:
        c = Client(srv)
        a = ok(c, "CreateTestObject", string("ren1"))
        ok(c, "TestClass_set_StringPropertyPrivateGet", a, string("ren2"))
        eq(text(c, "TestClass_get_StringPropertyPrivateSet", a), "ren2", "renamed")
        eq(text(c, "TestClass_GetValue", a), "value=ren2", "GetValue after rename")
        b = ok(c, "CreateTestObject", string("ren1"))
        check(b != a, "an object with the old value is a new object")
        check(d_uint(b) > d_uint(a), "new id is larger")
        eq(text(c, "TestClass_GetValue", b), "value=ren1", "new object")
        eq(text(c, "TestClass_GetValue", a), "value=ren2", "old object unchanged")


@test
def null_handling():
    with Server() as srv:
        c = Client(srv)
        jeb = ok(c, "CreateTestObject", string("jeb"))
        r = c.call(TS, "EchoTestObject", None)
        check(r.is_null and not r.HasField("error"), "EchoTestObject(null) is_null")
        r = c.call(TS, "EchoTestObject", b"\x00")
        check(r.is_null and not r.HasField("error"), "legacy object id 0 is null")
        # is_null with a value: null wins
        call = make_call(TS, "EchoTestObject")
        call.arguments.add(position=0, value=jeb, is_null=True)
        check(c.request(call).results[0].is_null, "is_null overrides value")
        e = error(c, "ReturnNullWhenNotAllowed")
        eq((e.service, e.name), ("", ""), "untyped")
        check(e.description.startswith(
            "Incorrect value returned by TestService.ReturnNullWhenNotAllowed. Expected a non-null value of "
            "type TestServer.TestService+TestClass, got null, but the procedure is not marked as nullable."),
            e.description)
        for arg in (None, b"\x00"):
            e = error(c, "NotNullableObject", arg)
            eq(err_tuple(e), ("", "", "Incorrect argument type for parameter value in TestService.NotNullableObject. "
                                      "Expected an argument of type %s, got null" % TESTCLASS), "null for non-nullable")
        # nullable string, list and int
        check(c.call(TS, "EchoNullableString", None).is_null, "string null")
        check(c.call(TS, "EchoNullableList", None).is_null, "list null")
        r = c.call(TS, "EchoNullableList", b"")
        check(not r.is_null and r.value == b"" and not r.HasField("error"), "empty list is a value")
        eq(ok(c, "EchoNullableList", enc_list([s32(1), s32(2)])), enc_list([s32(1), s32(2)]), "list")
        check(c.call(TS, "EchoNullableInt", None).is_null, "int null")
        eq(ok(c, "EchoNullableInt", s32(-5)), s32(-5), "int value")
        eq(ok(c, "EchoNullableInt", s32(0)), b"\x00", "zero is not null")
        # a method on null this
        for arg in (None, b"\x00"):
            e = error(c, "TestClass_GetValue", arg)
            eq(e.description, "Incorrect argument type for parameter this in TestService.TestClass_GetValue. "
                              "Expected an argument of type %s, got null" % TESTCLASS, "null this")
        # non-nullable string and collection parameters
        e = error(c, "Int32ToString", None)
        eq(e.description, "Incorrect argument type for parameter value in TestService.Int32ToString. "
                          "Expected an argument of type System.Int32, got null", "null sint32")
        e = error(c, "IncrementList", None)
        eq(e.description, "Incorrect argument type for parameter l in TestService.IncrementList. Expected an "
                          "argument of type System.Collections.Generic.IList`1[System.Int32], got null", "list")
        e = error(c, "IncrementDictionary", None)
        check(e.description.startswith("Incorrect argument type for parameter d in TestService.IncrementDictionary."),
              e.description)
        e = error(c, "IncrementSet", None)
        check(e.description.endswith("HashSet`1[System.Int32], got null"), e.description)
        e = error(c, "IncrementTuple", None)
        check(e.description.endswith("System.Tuple`2[System.Int32,System.Int64], got null"), e.description)


@test
def unknown_and_wrong_class_objects():
    with Server() as srv:
        c = Client(srv)
        e = request_error(c, make_call(TS, "EchoTestObject", obj(1000000)))
        eq(err_tuple(e), ("KRPC", "ArgumentException", "Instance not found"), "unknown id")
        e = request_error(c, make_call(TS, "TestClass_GetValue", obj(1000000)))
        eq(e.description, "Instance not found", "unknown this")
        eq(text(c, "Int32ToString", s32(3)), "3", "connection usable")
        # an object of another class (a KRPC.Expression)
        expr = c.value("KRPC", "Expression_static_ConstantInt", s32(1))
        e = error(c, "EchoTestObject", expr)
        eq(e.description, "Incorrect argument type for parameter value in TestService.EchoTestObject. Expected an "
                          "argument of type %s, got KRPC.Service.KRPC.Expression" % TESTCLASS, "wrong class")
        # a TestClass passed as a DeprecatedClass
        jeb = ok(c, "CreateTestObject", string("jeb"))
        e = error(c, "DeprecatedClass_DeprecatedMethod", jeb)
        eq(e.description, "Incorrect argument type for parameter this in TestService.DeprecatedClass_DeprecatedMethod. "
                          "Expected an argument of type TestServer.TestService+DeprecatedClass, got %s" % TESTCLASS,
           "wrong class for this")
        # a null object inside a collection is rejected (wire.md 3.2), the server lives on
        e = request_error(c, make_call(TS, "AddToObjectList", enc_list([jeb, b"\x00"]), string("x")))
        eq((e.service, e.name), ("KRPC", "ArgumentException"), "null item: Response.error")
        eq(text(c, "Int32ToString", s32(4)), "4", "server alive after a null item")


@test
def optional_arguments_defaults_omitted_or_sent():
    with Server() as srv:
        c = Client(srv)
        eq(text(c, "OptionalArguments", string("jeb")), "jebfoobarnull", "all omitted")
        eq(text(c, "OptionalArguments", string("jeb"), string("bob"), string("bill")), "jebbobbillnull", "y, z sent")
        k = ok(c, "CreateTestObject", string("kermin"))
        eq(text(c, "OptionalArguments", string("jeb"), string("bob"), string("bill"), k), "jebbobbillkermin", "obj")
        eq(text(c, "OptionalArguments", string("jeb"), string("bob"), string("bill"), None), "jebbobbillnull",
           "explicit null")
        # omit a middle argument: positions 0 and 2 only
        call = make_call(TS, "OptionalArguments")
        call.arguments.add(position=0, value=string("jeb"))
        call.arguments.add(position=2, value=string("baz"))
        call.arguments.add(position=3, value=k)
        eq(dec_string(c.request(call).results[0].value), "jebfoobazkermin", "middle omitted")
        # arguments out of order
        call = make_call(TS, "OptionalArguments")
        call.arguments.add(position=1, value=string("B"))
        call.arguments.add(position=0, value=string("A"))
        eq(dec_string(c.request(call).results[0].value), "ABbarnull", "by position")
        e = error(c, "OptionalArguments")
        eq(e.description, "Argument not specified for parameter x in TestService.OptionalArguments", "x required")
        # the same on the class
        eq(text(c, "TestClass_OptionalArguments", k, string("jeb")), "jebfoobarnull", "method defaults")
        eq(text(c, "TestClass_OptionalArguments", k, string("a"), string("b"), string("c"), k), "abckermin",
           "method all sent")
        eq(text(c, "TestClass_static_StaticMethod"), "jeb", "static defaults")
        eq(text(c, "TestClass_static_StaticMethod", string("a")), "jeba", "static one")
        eq(text(c, "TestClass_static_StaticMethod", string("a"), string("b")), "jebab", "static two")


@test
def test_class_members():
    with Server() as srv:
        c = Client(srv)
        bob = ok(c, "CreateTestObject", string("bob"))
        jeb = ok(c, "CreateTestObject", string("jeb"))
        eq(text(c, "TestClass_GetValue", bob), "value=bob", "GetValue")
        eq(text(c, "TestClass_FloatToString", bob, f32(3.14159)), "bob3.14159", "FloatToString")
        eq(text(c, "TestClass_ObjectToString", bob, jeb), "bobjeb", "ObjectToString")
        eq(text(c, "TestClass_ObjectToString", bob, None), "bobnull", "ObjectToString(null)")
        eq(ok(c, "TestClass_EchoNullableObject", bob, jeb), jeb, "EchoNullableObject")
        check(c.call(TS, "TestClass_EchoNullableObject", bob, None).is_null, "EchoNullableObject(null)")
        eq(ok(c, "TestClass_static_StaticNullableObject", jeb), jeb, "StaticNullableObject")
        check(c.call(TS, "TestClass_static_StaticNullableObject", None).is_null, "StaticNullableObject(null)")
        eq(dec_sint(ok(c, "TestClass_get_IntProperty", bob)), 0, "IntProperty initially 0")
        eq(c.call(TS, "TestClass_set_IntProperty", bob, s32(-17)), pb.ProcedureResult(), "void result")
        eq(dec_sint(ok(c, "TestClass_get_IntProperty", bob)), -17, "IntProperty set")
        eq(dec_sint(ok(c, "TestClass_get_IntProperty", jeb)), 0, "per object")
        check(c.call(TS, "TestClass_get_ObjectProperty", bob).is_null, "ObjectProperty initially null")
        ok(c, "TestClass_set_ObjectProperty", bob, jeb)
        eq(ok(c, "TestClass_get_ObjectProperty", bob), jeb, "ObjectProperty set")
        ok(c, "TestClass_set_ObjectProperty", bob, None)
        check(c.call(TS, "TestClass_get_ObjectProperty", bob).is_null, "ObjectProperty back to null")
        # state belongs to the object: a second CreateTestObject("bob") is the same object
        ok(c, "TestClass_set_IntProperty", bob, s32(5))
        again = ok(c, "CreateTestObject", string("bob"))
        eq(dec_sint(ok(c, "TestClass_get_IntProperty", again)), 5, "same underlying object")
        for missing in ("TestClass_get_StringPropertyPrivateGet", "TestClass_set_StringPropertyPrivateSet"):
            e = error(c, missing, bob)
            eq(e.description, 'Procedure "%s" not found, in service "TestService"' % missing, missing)


# ---- 2.3 enumerations and structures --------------------------------------------

@test
def enumerations():
    with Server() as srv:
        c = Client(srv)
        eq(ok(c, "EnumReturn"), b"\x02", "ValueB")
        for v in (0, 1, 2, 99, -1, 2147483647):
            eq(ok(c, "EnumEcho", s32(v)), s32(v), "EnumEcho(%d)" % v)
        eq(ok(c, "EnumDefaultArg"), b"\x04", "default ValueC")
        eq(ok(c, "EnumDefaultArg", b"\x00"), b"\x00", "explicit ValueA")
        eq(d_list(ok(c, "EnumListDefault")), [b"\x02", b"\x04"], "enum list default")
        eq(d_list(ok(c, "EnumListDefault", enc_list([b"\x00"]))), [b"\x00"], "enum list sent")


@test
def structures():
    with Server() as srv:
        c = Client(srv)
        s = test_struct(42, "jeb", 1, [1, 2, 3])
        eq(s.hex(), "0a01540a04036a65620a01020a090a01020a01040a0106", "wire.md 3.6 encoding")
        eq(ok(c, "StructEcho", s), s, "StructEcho")
        empty = test_struct(0, "", 0, [])
        eq(d_tuple(ok(c, "StructEcho", empty)), d_tuple(empty), "all-default fields")
        eq(ok(c, "StructDefault"), s, "StructDefault omitted")
        other = test_struct(-1, "bob", 2, [])
        eq(ok(c, "StructDefault", other), other, "StructDefault sent")
        eq(ok(c, "StructEchoNullable", s), s, "nullable struct value")
        check(c.call(TS, "StructEchoNullable", None).is_null, "nullable struct null")
        e = error(c, "StructEcho", None)
        check(e.description.startswith("Incorrect argument type for parameter x in TestService.StructEcho."),
              e.description)
        # a list of structs
        lst = enc_list([test_struct(1, "a", 0, [5]), test_struct(10, "b", 2, [])])
        out = d_list(ok(c, "IncrementListOfStructs", lst))
        eq(out, [test_struct(2, "a", 0, [5]), test_struct(11, "b", 2, [])], "IncrementListOfStructs")
        eq(ok(c, "IncrementListOfStructs", b""), b"", "empty list of structs")
        # nested, with an object field
        jeb = ok(c, "CreateTestObject", string("jeb"))
        nested = enc_tuple([s, jeb, string("outer")])
        eq(ok(c, "NestedStructEcho", nested), nested, "NestedStructEcho")
        # too few fields -> Response.error
        e = request_error(c, make_call(TS, "StructEcho", enc_tuple([s32(1), string("x")])))
        eq(err_tuple(e), ("KRPC", "ArgumentException", "Value for TestStruct has 2 fields; expected at least 4"),
           "too few fields")
        e = request_error(c, make_call(TS, "StructEcho", b""))
        eq(e.description, "Value for TestStruct has 0 fields; expected at least 4", "no fields")
        # extra fields are ignored
        extra = enc_tuple(d_tuple(s) + [s32(7), string("future")])
        eq(ok(c, "StructEcho", extra), s, "extra fields ignored")
        # a null (id 0) object field
        e = request_error(c, make_call(TS, "NestedStructEcho", enc_tuple([s, b"\x00", string("x")])))
        eq(err_tuple(e), ("KRPC", "ArgumentException",
                          "Field ObjectField of TestNestedStruct is null; struct fields cannot be null"), "null field")
        # a nested struct with too few fields inside
        e = request_error(c, make_call(TS, "NestedStructEcho", enc_tuple([enc_tuple([s32(1)]), jeb, string("x")])))
        eq(e.description, "Value for TestStruct has 1 fields; expected at least 4", "inner struct too short")
        eq(text(c, "Int32ToString", s32(8)), "8", "connection usable")


# ---- 2.4 yielding ---------------------------------------------------------------

@test
def blocking_procedure_results_and_updates():
    with Server() as srv:
        c = Client(srv)
        for args, expected in (((0, 0), 0), ((1, 0), 1), ((2,), 3), ((10,), 55), ((3, 100), 106)):
            eq(dec_sint(ok(c, "BlockingProcedure", *[s32(a) for a in args])), expected, "BlockingProcedure%r" % (args,))
        # it yields across updates: 10 yields -> 11 executions of the request, ~10 ticks
        s0 = status(c).rpcs_executed
        t0 = time.monotonic()
        eq(dec_sint(ok(c, "BlockingProcedure", s32(30))), 465, "30")
        elapsed = time.monotonic() - t0
        check(0.3 < elapsed < 5, "30 yields take about 30 updates at 60 Hz: %.3f s" % elapsed)
        s1 = status(c).rpcs_executed
        # 31 executions, plus the first GetStatus; the last execution may share an update with
        # the second GetStatus and so not be counted yet (semantics.md 12)
        check(31 <= s1 - s0 <= 32, "a request that yields 30 times counts 31 executions: %d" % (s1 - s0))
        # several blocking calls in one request: all results, in order
        resp = c.request(make_call(TS, "BlockingProcedure", s32(5)), make_call(TS, "BlockingProcedure", s32(1)),
                         make_call(TS, "Int32ToString", s32(9)), make_call(TS, "BlockingProcedure", s32(3), s32(1)))
        eq([dec_sint(resp.results[i].value) for i in (0, 1, 3)], [15, 1, 7], "blocking results")
        eq(dec_string(resp.results[2].value), "9", "plain result")


@test
def yielding_call_does_not_hold_back_later_calls():
    """semantics.md 3.3: [BlockingProcedure(30), set_StringProperty("after")] - the setter
    runs in the first update; the response comes when the blocking call finishes."""
    with Server() as srv:
        a = Client(srv, name="a")
        b = Client(srv, name="b")
        ok(b, "set_StringProperty", string("before"))
        t0 = time.monotonic()
        a.rpc.send_msg(pb.Request(calls=[make_call(TS, "BlockingProcedure", s32(30)),
                                         make_call(TS, "set_StringProperty", string("after")),
                                         make_call(TS, "Counter", string("mc"))]))
        while text(b, "get_StringProperty") != "after":
            check(time.monotonic() - t0 < 2, "the setter after the yielding call never ran")
        seen = time.monotonic() - t0
        check(no_data(a.rpc, 0), "response not sent while the blocking call runs")
        resp = a.rpc.recv(pb.Response)
        done = time.monotonic() - t0
        eq(dec_sint(resp.results[0].value), 465, "blocking result")
        eq(resp.results[1], pb.ProcedureResult(), "setter result")
        eq(dec_sint(resp.results[2].value), 1, "counter result")
        check(seen < done, "setter seen (%.3f s) before the response (%.3f s)" % (seen, done))
        check(done > 0.3, "response after ~30 updates: %.3f s" % done)
        # the counter ran exactly once although the request was re-run
        eq(dec_sint(ok(a, "Counter", string("mc"))), 2, "finished calls are not re-run")


@test
def pipelined_request_waits_for_yielding_one():
    with Server() as srv:
        a = Client(srv, name="a")
        a.rpc.send_msg(pb.Request(calls=[make_call(TS, "BlockingProcedure", s32(20))]))
        a.rpc.send_msg(pb.Request(calls=[make_call(TS, "Counter", string("p"))]))
        first = a.rpc.recv(pb.Response)
        eq(dec_sint(first.results[0].value), 210, "first response first")
        eq(dec_sint(a.rpc.recv(pb.Response).results[0].value), 1, "second after")


@test
def client_leaving_in_the_middle_of_a_continuation():
    with Server() as srv:
        for n in (-1, 100):
            a = Client(srv, name="leaver")
            a.rpc.send_msg(pb.Request(calls=[make_call(TS, "BlockingProcedure", s32(n)),
                                             make_call(TS, "BlockingProcedure", s32(50)),
                                             make_call(TS, "Int32ToString", s32(1))]))
            time.sleep(0.1)
            a.close()
        b = Client(srv, name="stayer")
        eq(dec_sint(ok(b, "BlockingProcedure", s32(5))), 15, "another client's continuation")
        # the dropped continuations are gone: requests of b are executed once per update, not slower
        eq(text(b, "Int32ToString", s32(1)), "1", "server fine")
        check(srv.alive(), "server alive")


# ---- 2.5 collections ------------------------------------------------------------

@test
def collections():
    with Server() as srv:
        c = Client(srv)
        eq(d_list(ok(c, "IncrementList", enc_list([s32(1), s32(2), s32(-3)]))), [s32(2), s32(3), s32(-2)], "list")
        eq(ok(c, "IncrementList", b""), b"", "empty list")
        d = d_dict(ok(c, "IncrementDictionary", enc_dict([(string("a"), s32(1)), (string("b"), s32(-1))])))
        eq(sorted(d), sorted([(string("a"), s32(2)), (string("b"), s32(0))]), "dictionary")
        eq(ok(c, "IncrementDictionary", b""), b"", "empty dictionary")
        eq(sorted(d_set(ok(c, "IncrementSet", enc_set([s32(1), s32(2), s32(3)])))), sorted([s32(2), s32(3), s32(4)]),
           "set")
        eq(ok(c, "IncrementSet", b""), b"", "empty set")
        eq(d_tuple(ok(c, "IncrementTuple", enc_tuple([s32(1), s64(2)]))), [s32(2), s64(3)], "tuple")
        eq(d_tuple(ok(c, "IncrementTuple", enc_tuple([s32(2147483646), s64(9223372036854775806)]))),
           [s32(2147483647), s64(9223372036854775807)], "tuple limits")
        nested = enc_dict([(string("a"), enc_list([s32(0), s32(1)])), (string("b"), b""),
                           (string("c"), enc_list([s32(2)]))])
        out = dict(d_dict(ok(c, "IncrementNestedCollection", nested)))
        eq(out, {string("a"): enc_list([s32(1), s32(2)]), string("b"): b"", string("c"): enc_list([s32(3)])},
           "nested collection")
        # duplicate keys / items on input collapse (wire.md 3.2)
        out = d_dict(ok(c, "IncrementDictionary", enc_dict([(string("k"), s32(1)), (string("k"), s32(5))])))
        eq(out, [(string("k"), s32(6))], "last dictionary value wins")
        eq(d_set(ok(c, "IncrementSet", enc_set([s32(1), s32(1)]))), [s32(2)], "duplicate set items collapse")
        # a tuple with too few items -> Response.error
        e = request_error(c, make_call(TS, "IncrementTuple", enc_tuple([s32(1)])))
        eq(err_tuple(e), ("KRPC", "ArgumentOutOfRangeException",
                          "Specified argument was out of the range of valid values. (Parameter 'index')"), "tuple")
        # extra tuple items are ignored
        eq(d_tuple(ok(c, "IncrementTuple", enc_tuple([s32(1), s64(2), s32(9)]))), [s32(2), s64(3)], "extra item")


@test
def collection_defaults():
    with Server() as srv:
        c = Client(srv)
        eq(ok(c, "TupleDefault").hex(), "0a01020a0100", "tuple default")
        eq(ok(c, "ListDefault").hex(), "0a01020a01040a0106", "list default")
        eq(sorted(d_set(ok(c, "SetDefault"))), [s32(1), s32(2), s32(3)], "set default")
        eq(sorted(d_dict(ok(c, "DictionaryDefault"))), [(s32(1), b"\x00"), (s32(2), b"\x01")], "dict default")
        eq(ok(c, "EnumListDefault").hex(), "0a01020a0104", "enum list default")
        r = c.call(TS, "EmptyListDefault")
        check(not r.HasField("error") and not r.is_null and r.value == b"", "empty list default")
        # sent explicitly
        eq(d_tuple(ok(c, "TupleDefault", enc_tuple([s32(7), b"\x01"]))), [s32(7), b"\x01"], "tuple sent")
        eq(ok(c, "ListDefault", b""), b"", "empty list sent")
        eq(d_set(ok(c, "SetDefault", enc_set([s32(9)]))), [s32(9)], "set sent")
        eq(d_dict(ok(c, "DictionaryDefault", enc_dict([(s32(-1), b"\x01")]))), [(s32(-1), b"\x01")], "dict sent")
        eq(d_list(ok(c, "EmptyListDefault", enc_list([string("a"), string("")]))), [string("a"), string("")],
           "string list sent")


@test
def special_defaults():
    with Server() as srv:
        c = Client(srv)
        d = [d_double(x) for x in d_list(ok(c, "DoubleSpecialDefaults"))]
        eq(len(d), 5, "five doubles")
        check(math.isnan(d[0]), "NaN")
        eq(d[1:], [math.inf, -math.inf, 1.7976931348623157e308, -1.7976931348623157e308], "double specials")
        f = [d_float(x) for x in d_list(ok(c, "FloatSpecialDefaults"))]
        eq(len(f), 6, "six floats")
        check(math.isnan(f[0]), "float NaN")
        eq(f[1:5], [math.inf, -math.inf, 3.4028234663852886e38, -3.4028234663852886e38], "float specials")
        eq(d_list(ok(c, "FloatSpecialDefaults"))[5].hex(), "cdcccc3d", "0.1f exactly")
        eq([dec_sint(x) for x in d_list(ok(c, "Int32SpecialDefaults"))], [2147483647, -2147483648], "int32")
        eq([d_sint64(x) for x in d_list(ok(c, "Int64SpecialDefaults"))],
           [9223372036854775807, -9223372036854775808], "int64")
        eq([d_uint(x) for x in d_list(ok(c, "Uint32SpecialDefaults"))], [4294967295], "uint32")
        eq([d_uint(x) for x in d_list(ok(c, "Uint64SpecialDefaults"))], [18446744073709551615], "uint64")
        # sent explicitly, including a NaN of the other sign
        out = d_list(ok(c, "DoubleSpecialDefaults", bytes.fromhex("000000000000f87f"), f64(1), f64(2), f64(3), f64(4)))
        check(math.isnan(d_double(out[0])), "positive NaN is NaN")
        eq([d_double(x) for x in out[1:]], [1, 2, 3, 4], "explicit doubles")
        eq([d_uint(x) for x in d_list(ok(c, "Uint32SpecialDefaults", u64(7)))], [7], "explicit uint32")


# ---- 2.6 counters and errors ----------------------------------------------------

@test
def counters_many_ids_long_ids_and_clients():
    """Enough counters to grow the table several times, ids longer than the
    ones kept inline, two clients: each counter still counts on its own."""
    with Server() as srv:
        a = Client(srv, name="a")
        b = Client(srv, name="b")
        ids = ["k%d" % i for i in range(1500)] + ["long-" * 11 + str(i) for i in range(500)]

        def counts(c, id_list):
            out = []
            for start in range(0, len(id_list), 100):
                req = pb.Request()
                for i in id_list[start:start + 100]:
                    req.calls.append(make_call("TestService", "Counter", string(i)))
                c.rpc.send_msg(req)
                resp = c.rpc.recv(pb.Response)
                check(not resp.HasField("error"), "request error")
                out += [dec_sint(r.value) for r in resp.results]
            return out

        eq(counts(a, ids), [1] * len(ids), "a: every counter starts at 1")
        eq(counts(a, ids[::-1]), [2] * len(ids), "a: each counted once more, in any order")
        eq(counts(b, ids[::7]), [1] * len(ids[::7]), "b: counters of its own")
        eq(dec_sint(ok(a, "Counter", string(ids[-1]))), 3, "a's long id")
        eq(dec_sint(ok(a, "Counter", string("long-" * 11))), 1, "a prefix is another id")


@test
def counters_per_client_and_id():
    with Server() as srv:
        a = Client(srv, name="a")
        b = Client(srv, name="b")
        eq([dec_sint(ok(a, "Counter")) for _ in range(3)], [1, 2, 3], "a's default counter")
        eq(dec_sint(ok(b, "Counter")), 1, "b's own counter")
        eq(dec_sint(ok(a, "Counter", string("x"))), 1, "per id")
        eq(dec_sint(ok(a, "Counter", string(""))), 4, "'' is the default id")
        eq(dec_sint(ok(a, "Counter", string("x"), s32(2))), 1, "2 / 2")
        eq(dec_sint(ok(a, "Counter", string("x"), s32(2))), 1, "3 / 2 truncates")
        eq(dec_sint(ok(a, "Counter", string("x"), s32(-2))), -2, "4 / -2")
        e = error(a, "Counter", string("x"), s32(0))
        eq(err_tuple(e), ("", "", "Attempted to divide by zero."), "divide by zero")
        # CounterStruct shares the counter of Counter(id)
        eq(dec_sint(ok(a, "Counter", string("cs"))), 1, "cs")
        st = d_tuple(ok(a, "CounterStruct", string("cs")))
        eq(st, [s32(2), string("cs"), b"\x00", b""], "CounterStruct")
        st = d_tuple(ok(a, "CounterStruct"))
        eq(st[:2], [s32(5), string("")], "CounterStruct default id (the counter of Counter(''))")
        # a client reconnecting is a new client
        a.close()
        a2 = Client(srv, name="a")
        eq(dec_sint(ok(a2, "Counter")), 1, "new client, new counters")


@test
def counter_in_a_stream_counts_for_the_owning_client():
    with Server() as srv:
        a = Client(srv, name="a", stream=True)
        b = Client(srv, name="b")
        call = make_call(TS, "Counter", string("s"))
        a.value("KRPC", "AddStream", call.SerializeToString(), b"\x01")
        last = 0
        for _ in range(3):
            up = a.stream_update()
            v = dec_sint(up.results[0].result.value)
            check(v > last, "stream values grow: %d after %d" % (v, last))
            last = v
        check(dec_sint(ok(a, "Counter", string("s"))) > last, "the stream counted for a")
        eq(dec_sint(ok(b, "Counter", string("s"))), 1, "not for b")


@test
def exceptions_of_every_kind():
    with Server() as srv:
        c = Client(srv)
        cases = [
            (("ThrowInvalidOperationException",), ("KRPC", "InvalidOperationException", "Invalid operation")),
            (("ThrowArgumentException",), ("KRPC", "ArgumentException", "Invalid argument")),
            (("ThrowArgumentNullException", string("x")),
             ("KRPC", "ArgumentNullException", "Value cannot be null. (Parameter 'foo')")),
            (("ThrowArgumentOutOfRangeException", s32(3)),
             ("KRPC", "ArgumentOutOfRangeException",
              "Specified argument was out of the range of valid values. (Parameter 'foo')")),
            (("ThrowCustomException",), ("TestService", "CustomException", "A custom kRPC exception")),
        ]
        for call, expected in cases:
            eq(err_tuple(error(c, *call)), expected, call[0])
        # errors stay in their own result within a batch
        resp = c.request(*[make_call(TS, *call) for call, _ in cases], make_call(TS, "Int32ToString", s32(1)))
        eq([err_tuple(r.error) for r in resp.results[:5]], [e for _, e in cases], "batched errors")
        eq(dec_string(resp.results[5].value), "1", "batched success")
        # the null setter raises from inside the setter
        e = error(c, "set_NullableObject", None)
        eq(err_tuple(e), ("KRPC", "ArgumentNullException", "Value cannot be null. (Parameter 'value')"),
           "set_NullableObject(null)")


@test
def later_counters_are_global():
    with Server() as srv:
        a = Client(srv, name="a")
        b = Client(srv, name="b")
        kinds = (("InvalidOperationException", ("KRPC", "InvalidOperationException", "Invalid operation")),
                 ("CustomException", ("TestService", "CustomException", "A custom kRPC exception")))
        for kind, expected in kinds:
            eq(a.call(TS, "Reset%sLater" % kind), pb.ProcedureResult(), "reset")
            throw = "Throw%sLater" % kind
            resp = a.request(*[make_call(TS, throw) for _ in range(60)])
            check(all(not r.HasField("error") and dec_sint(r.value) == 0 for r in resp.results), "a's 60 zeros")
            resp = b.request(*[make_call(TS, throw) for _ in range(41)])
            check(all(not r.HasField("error") and dec_sint(r.value) == 0 for r in resp.results), "b's 41 zeros")
            eq(err_tuple(error(a, throw)), expected, "the 102nd call raises (counter shared by clients)")
            eq(err_tuple(error(b, throw)), expected, "and keeps raising")
            b.call(TS, "Reset%sLater" % kind)
            eq(dec_sint(ok(a, throw)), 0, "reset by another client")


# ---- 3. properties --------------------------------------------------------------

@test
def service_properties():
    with Server() as srv:
        c = Client(srv)
        d = Client(srv, name="d")
        e = error(c, "get_StringProperty")
        eq(e.description, "Incorrect value returned by TestService.get_StringProperty. Expected a non-null value of "
                          "type System.String, got null, but the procedure is not marked as nullable.",
           "initially null")
        for s in ("jeb", "", "a\nb", "a\rb", "a\r\nb", "a\n\rb", "\x10\x13", "\u2122"):
            eq(c.call(TS, "set_StringProperty", string(s)), pb.ProcedureResult(), "set")
            eq(text(d, "get_StringProperty"), s, "shared by all clients: %r" % s)
        e = error(c, "set_StringProperty", None)
        eq(e.description, "Incorrect argument type for parameter value in TestService.set_StringProperty. Expected "
                          "an argument of type System.String, got null", "null rejected")
        eq(text(c, "get_StringProperty"), "\u2122", "unchanged")
        ok(c, "set_StringPropertyPrivateGet", string("hidden"))
        eq(text(c, "get_StringPropertyPrivateSet"), "foo", "PrivateSet getter")
        for missing in ("get_StringPropertyPrivateGet", "set_StringPropertyPrivateSet"):
            eq(error(c, missing).description, 'Procedure "%s" not found, in service "TestService"' % missing, missing)
        # object properties
        jeb = ok(c, "CreateTestObject", string("jeb"))
        check(c.call(TS, "get_ObjectProperty").is_null, "ObjectProperty initially null")
        ok(c, "set_ObjectProperty", jeb)
        eq(ok(d, "get_ObjectProperty"), jeb, "ObjectProperty")
        ok(c, "set_ObjectProperty", None)
        check(c.call(TS, "get_ObjectProperty").is_null, "ObjectProperty null again")
        check(c.call(TS, "get_NullableObject").is_null, "NullableObject initially null")
        ok(c, "set_NullableObject", jeb)
        eq(ok(c, "get_NullableObject"), jeb, "NullableObject")
        eq(error(c, "set_NullableObject", None).name, "ArgumentNullException", "setter refuses null")
        eq(ok(c, "get_NullableObject"), jeb, "unchanged")
        # deprecated property works
        e = error(c, "get_DeprecatedProperty")
        check(e.description.startswith("Incorrect value returned by TestService.get_DeprecatedProperty."),
              e.description)
        ok(c, "set_DeprecatedProperty", string("old"))
        eq(text(c, "get_DeprecatedProperty"), "old", "DeprecatedProperty")


# ---- 2.7 events -----------------------------------------------------------------

@test
def events_need_a_stream_connection():
    with Server() as srv:
        c = Client(srv)
        for call in (("OnTimer", u64(100)), ("OnTimerUsingLambda", u64(100))):
            e = error(c, *call)
            eq(err_tuple(e), ("KRPC", "InvalidOperationException", "No stream client is connected for this RPC client"),
               call[0])


@test
def on_timer_fires_once_then_removed():
    with Server() as srv:
        c = Client(srv, stream=True)
        t0 = time.monotonic()
        ev = c.value(TS, "OnTimer", u64(200))
        sid = event_id(ev)
        c.value("KRPC", "StartStream", u64(sid))
        check(no_data(c.stream, 0.1), "nothing within 0.1 s")
        eq(wait_true(c, 3), sid, "the event's stream")
        elapsed = time.monotonic() - t0
        check(0.15 <= elapsed <= 2, "OnTimer(200) fired after %.3f s" % elapsed)
        check(no_data(c.stream, 0.4), "no false and no second true")
        deadline = time.monotonic() + 2
        while status(c).stream_rpcs != 0:
            check(time.monotonic() < deadline, "the event was not removed")
        e = error(c, "StartStream", u64(sid), service="KRPC")
        eq(e.description, "Stream does not exist with this id", "removed")


@test
def on_timer_repeats():
    with Server() as srv:
        c = Client(srv, stream=True)
        t0 = time.monotonic()
        sid = event_id(c.value(TS, "OnTimer", u64(200), u64(5)))
        c.value("KRPC", "StartStream", u64(sid))
        times = []
        for _ in range(5):
            eq(wait_true(c, 3), sid, "event id")
            times.append(time.monotonic() - t0)
        check(times[0] >= 0.15, "first after 0.15 s: %r" % times)
        gaps = [b - a for a, b in zip(times, times[1:])]
        check(all(0.08 < g < 0.6 for g in gaps), "about 200 ms apart: %r" % gaps)
        check(times[-1] < 3, "five within 1 s + 2 s slack: %r" % times)
        check(no_data(c.stream, 0.4), "no sixth")


@test
def on_timer_long_and_unstarted():
    with Server() as srv:
        c = Client(srv, stream=True)
        sid = event_id(c.value(TS, "OnTimer", u64(1000)))
        c.value("KRPC", "StartStream", u64(sid))
        check(no_data(c.stream, 0.1), "OnTimer(1000) does not fire within 0.1 s")
        # an unstarted event sends nothing, and fires once started
        other = event_id(c.value(TS, "OnTimer", u64(100)))
        check(other != sid, "every event is a new stream")
        up_ids = [wait_true(c, 3)]
        eq(up_ids, [sid], "only the started one fires")
        check(no_data(c.stream, 0.2), "the unstarted one is silent")
        c.value("KRPC", "StartStream", u64(other))
        eq(wait_true(c, 2), other, "fires when started")


@test
def on_timer_using_lambda():
    with Server() as srv:
        c = Client(srv, stream=True)
        t0 = time.monotonic()
        sid = event_id(c.value(TS, "OnTimerUsingLambda", u64(200)))
        c.value("KRPC", "StartStream", u64(sid))
        eq(wait_true(c, 3), sid, "fires")
        elapsed = time.monotonic() - t0
        check(0.15 <= elapsed <= 2, "after %.3f s" % elapsed)
        check(no_data(c.stream, 0.3), "fires once")
        deadline = time.monotonic() + 2
        while status(c).stream_rpcs != 0:
            check(time.monotonic() < deadline, "the event was not removed")


@test
def events_dropped_with_their_client():
    with Server() as srv:
        c = Client(srv, stream=True)
        c.value(TS, "OnTimer", u64(50), u64(0))  # repeats 0: never stops
        sid = event_id(c.value(TS, "OnTimer", u64(50), u64(1000)))
        c.value("KRPC", "StartStream", u64(sid))
        wait_true(c, 2)
        c.close()
        d = Client(srv)
        deadline = time.monotonic() + 3
        while status(d).stream_rpcs != 0:
            check(time.monotonic() < deadline, "events of a closed client stay registered")
        time.sleep(0.2)  # the timers keep ticking into removed events
        check(srv.alive(), "alive")


# ---- 6. Benchmark ---------------------------------------------------------------

@test
def benchmark_call():
    with Server() as srv:
        c = Client(srv)
        call = make_call(TS, "Int32ToString", s32(42)).SerializeToString()
        out = d_dict(c.value("Benchmark", "Call", call, u64(100)))
        keys = [dec_string(k) for k, _ in out]
        eq(keys, ["iterations", "seconds", "nanoseconds_per_operation", "bytes_per_operation", "collections",
                  "exact_allocations"], "keys in order")
        vals = {dec_string(k): d_double(v) for k, v in out}
        eq(vals["iterations"], 100.0, "iterations")
        check(vals["seconds"] >= 0 and vals["nanoseconds_per_operation"] >= 0, "times: %r" % vals)

        def berr(call_msg, iterations=10):
            return err_tuple(error(c, "Call", call_msg.SerializeToString(), u64(iterations), service="Benchmark"))

        eq(berr(make_call(TS, "ThrowArgumentException")),
           ("KRPC", "ArgumentException", "Call to TestService.ThrowArgumentException failed: Invalid argument"),
           "failing probe")
        eq(berr(make_call(TS, "Int32ToString")),
           ("KRPC", "ArgumentException", "Call to TestService.Int32ToString failed: Argument not specified for "
                                         "parameter value in TestService.Int32ToString"), "binding failure")
        eq(berr(make_call(TS, "BlockingProcedure", s32(3))),
           ("KRPC", "ArgumentException", "Procedure TestService.BlockingProcedure yields, so it spans several updates "
                                         "and cannot be benchmarked in a loop"), "yield")
        eq(berr(make_call(TS, "Nope")), ("", "", 'Procedure "Nope" not found, in service "TestService"'), "unknown")
        eq(berr(make_call("Nope", "Nope")), ("", "", 'Service "Nope" not found'), "unknown service")
        eq(berr(make_call(TS, "Int32ToString", s32(1)), 0),
           ("KRPC", "ArgumentException", "Iterations must be at least one (Parameter 'iterations')"), "zero")
        # the benchmarked call runs in the caller's context: Counter counts probe + warm-up + iterations
        c.value("Benchmark", "Call", make_call(TS, "Counter", string("bench")).SerializeToString(), u64(10))
        check(dec_sint(ok(c, "Counter", string("bench"))) >= 12, "the call ran at least 11 times")
        # a nested argument that cannot be decoded fails the outer request
        e = request_error(c, make_call("Benchmark", "Call",
                                       make_call(TS, "EchoTestObject", obj(1000000)).SerializeToString(), u64(1)))
        eq(e.description, "Instance not found", "nested undecodable argument")


if __name__ == "__main__":
    run_tests()

"""The plugin ABI (krpc/plugin.h), one test plugin per feature (tests/plugins),
loaded into the real server: game scenes, destroyed objects, exceptions,
defaults of every type, derived service ids and procedure ids, yields and
their state, refused plugins and plugins loaded twice.

The test plugins are found in KRPC_TEST_PLUGIN_DIR (set by meson to the build
directory of tests/plugins); the TestService plugin is the one --plugin names."""
import hashlib
import os
import shutil
import struct
import tempfile
import time
import xml.etree.ElementTree as ET

import krpctest
from krpctest import (Client, Server, check, dec_sint, dec_string, dec_varint, enc_sint32, enc_string, eq,
                      make_call, pb, run_tests, test, varint)

SCENE_ERROR = "Procedure not available in game scene 'SpaceCenter'"
DESTROYED = "The object with id %d no longer exists, as the game object it referred to was destroyed"


def plugin(name):
    d = os.environ.get("KRPC_TEST_PLUGIN_DIR")
    check(d, "KRPC_TEST_PLUGIN_DIR is not set")
    path = os.path.join(d, name + ".so")
    check(os.path.exists(path), "test plugin %s not built" % path)
    return path


def testservice():
    return krpctest.OPTIONS.plugin[0]


def s32(n):
    return enc_sint32(n)


def s64(n):
    return varint(((n << 1) ^ (n >> 63)) & 0xFFFFFFFFFFFFFFFF)


def u64(n):
    return varint(n)


def string(s):
    return enc_string(s)


def f32(x):
    return struct.pack("<f", x)


def f64(x):
    return struct.pack("<d", x)


def enc_list(items):
    return pb.List(items=list(items)).SerializeToString()


def enc_tuple(items):
    return pb.Tuple(items=list(items)).SerializeToString()


def enc_dict(pairs):
    return pb.Dictionary(entries=[pb.DictionaryEntry(key=k, value=v) for k, v in pairs]).SerializeToString()


def services(c):
    raw = c.value("KRPC", "GetServices")
    s = pb.Services()
    s.ParseFromString(raw)
    return {svc.name: svc for svc in s.services}, raw


def procedures(svc):
    return {p.name: p for p in svc.procedures}


def call_result(c, service, procedure, *args, **ids):
    resp = c.request(make_call(service, procedure, *args, **ids))
    check(not resp.HasField("error"), "request error: %s" % resp.error.description)
    return resp.results[0]


def err_tuple(e):
    return (e.service, e.name, e.description)


def request_error(c, call):
    resp = c.request(call)
    check(resp.HasField("error"), "Response.error expected, got %r" % resp)
    eq(len(resp.results), 0, "no results with Response.error")
    return resp.error


def type_to_json(t):
    out = {"code": pb.Type.TypeCode.Name(t.code)}
    if t.service:
        out["service"] = t.service
    if t.name:
        out["name"] = t.name
    if len(t.types):
        out["types"] = [type_to_json(s) for s in t.types]
    return out


def refusals(stderr):
    return [line for line in stderr.splitlines() if " refused: " in line]


# ---- (a) game scenes ------------------------------------------------------------

EXPECTED_SCENES = {
    "SceneTest": {
        "Anywhere": [], "FlightOnly": [1], "SpaceCenterOnly": [0], "FlightOrEditor": [1, 3, 4], "Facility": [6],
        "AllButSpaceCenter": list(range(1, 10)), "FlightVoid": [1], "NewCraft": [], "NewBuilding": [],
        "get_Altitude": [1], "set_Altitude": [1], "get_Name": [], "set_Name": [],
        "Craft_Fly": [1], "Craft_Inspect": [0], "Craft_static_Count": [1], "Craft_static_Census": [],
        "Craft_get_Mass": [1], "Craft_set_Mass": [1], "Building_Open": [], "Building_Launch": [1],
    },
    "FlightScene": {
        "Fly": [1], "Everywhere": [], "Home": [0], "NewVessel": [], "get_Throttle": [1], "set_Throttle": [1],
        "Vessel_Stage": [1],
    },
}


@test
def scenes_in_get_services():
    with Server(plugins=[testservice(), plugin("plugin_scenes")]) as srv:
        c = Client(srv)
        svcs, raw = services(c)
        for name, expected in EXPECTED_SCENES.items():
            procs = procedures(svcs[name])
            eq(sorted(procs), sorted(expected), "%s procedures" % name)
            for p, scenes in expected.items():
                eq(list(procs[p].game_scenes), scenes, "%s.%s game_scenes" % (name, p))
        # packed on the wire (wire.md 7.8): name "FlightOrEditor", then 32 03 01 03 04
        check(b"\x32\x03\x01\x03\x04" in raw, "packed game_scenes")
        check(bytes([0x32, 9]) + bytes(range(1, 10)) in raw, "nine scenes packed")
        # the services list of the test server is otherwise unchanged
        for p in svcs["TestService"].procedures:
            eq(list(p.game_scenes), [], "TestService stays everywhere")


@test
def scenes_checked_on_calls():
    with Server(plugins=[testservice(), plugin("plugin_scenes")]) as srv:
        c = Client(srv)
        eq(c.value("KRPC", "get_GameScene"), b"\x00", "the server's scene is SpaceCenter")
        objs = {
            "Craft": c.value("SceneTest", "NewCraft"),
            "Building": c.value("SceneTest", "NewBuilding"),
            "Vessel": c.value("FlightScene", "NewVessel"),
        }
        for service, expected in EXPECTED_SCENES.items():
            for name, scenes in expected.items():
                args = []
                cls = name.split("_")[0] if "_" in name and not name.startswith(("get_", "set_")) else None
                if cls and "_static_" not in name:
                    args.append(objs[cls])
                if "set_" in name:
                    args.append(s32(1))
                r = call_result(c, service, name, *args)
                if scenes == [] or 0 in scenes:
                    check(not r.HasField("error"), "%s.%s works: %s" % (service, name, r.error.description))
                else:
                    eq(err_tuple(r.error), ("", "", SCENE_ERROR), "%s.%s" % (service, name))
        # by id as well (FlightOnly is SceneTest's procedure 2); the scene error is per call
        sid = int.from_bytes(hashlib.sha256(b"SceneTest").digest()[:4], "little")
        resp = c.request(make_call("", "", service_id=sid, procedure_id=2), make_call("SceneTest", "Anywhere"))
        eq(resp.results[0].error.description, SCENE_ERROR, "by id")
        eq(dec_sint(resp.results[1].value), 42, "the other call of the request works")
        # binding errors come before the scene check
        r = call_result(c, "SceneTest", "Craft_Fly", None)
        check(r.error.description.startswith("Incorrect argument type for parameter this"), r.error.description)


@test
def scenes_checked_at_stream_evaluation_not_at_add_stream():
    with Server(plugins=[testservice(), plugin("plugin_scenes")]) as srv:
        c = Client(srv, stream=True)
        call = make_call("SceneTest", "FlightOnly").SerializeToString()
        r = call_result(c, "KRPC", "AddStream", call, b"\x01")
        check(not r.HasField("error"), "AddStream does not check the scene: %s" % r.error.description)
        s = pb.Stream()
        s.ParseFromString(r.value)
        up = c.stream_update()
        eq(len(up.results), 1, "one result")
        eq(up.results[0].id, s.id, "stream id")
        eq(err_tuple(up.results[0].result.error), ("", "", SCENE_ERROR), "scene error as the stream's value")
        # the failed stream is removed
        deadline = time.monotonic() + 2
        while True:
            r = call_result(c, "KRPC", "StartStream", u64(s.id))
            if r.HasField("error"):
                break
            check(time.monotonic() < deadline, "failed stream not removed")
        eq(r.error.description, "Stream does not exist with this id", "removed")
        # a void procedure restricted to Flight is still refused as a stream for being void
        r = call_result(c, "KRPC", "AddStream", make_call("SceneTest", "FlightVoid").SerializeToString())
        eq(r.error.description, "Cannot create a stream for a procedure that does not return a value.", "void")


# ---- (b) destroyed objects ------------------------------------------------------

@test
def destroyed_objects():
    srv = Server(plugins=[testservice(), plugin("plugin_objects")])
    try:
        c = Client(srv)
        other = Client(srv, name="other")
        t = c.value("ObjectTest", "Create", string("a"))
        tid = dec_varint(t)[0]
        eq(dec_string(c.value("ObjectTest", "Thing_get_Name", t)), "a", "Name")
        eq(dec_varint(c.value("ObjectTest", "Thing_get_Id", t))[0], tid, "the host passes the id to the plugin")
        eq(c.value("ObjectTest", "Create", string("a")), t, "equal objects share an id")
        eq(dec_varint(c.value("ObjectTest", "Releases"))[0], 1, "the duplicate was released")
        b = c.value("ObjectTest", "Create", string("b"))
        eq(dec_sint(c.value("ObjectTest", "CountThings", enc_list([t, b, t]))), 3, "list of things")
        # destroy
        r = call_result(c, "ObjectTest", "Destroy", t)
        check(not r.HasField("error"), "Destroy: %s" % r.error.description)
        eq(dec_varint(c.value("ObjectTest", "Releases"))[0], 2, "the destroyed object was released")
        text = DESTROYED % tid
        for client, call in ((c, make_call("ObjectTest", "Thing_get_Name", t)),
                             (c, make_call("ObjectTest", "Destroy", t)),
                             (c, make_call("ObjectTest", "EchoThing", t)),
                             (c, make_call("ObjectTest", "CountThings", enc_list([b, t]))),
                             (other, make_call("ObjectTest", "Thing_get_Name", t)),
                             (c, make_call("KRPC", "AddStream",
                                           make_call("ObjectTest", "Thing_get_Name", t).SerializeToString()))):
            e = request_error(client, call)
            eq(err_tuple(e), ("KRPC", "ObjectDestroyedException", text), "use of %s" % call.procedure)
        # the request fails as a whole, the connection stays usable
        resp = c.request(make_call("ObjectTest", "Thing_get_Name", b), make_call("ObjectTest", "Thing_get_Name", t))
        check(resp.HasField("error") and not resp.results, "whole request fails")
        eq(dec_string(c.value("ObjectTest", "Thing_get_Name", b)), "b", "other objects unaffected")
        check(c.call("ObjectTest", "EchoThing", None).is_null, "null still fine")
        # ids are never reused: a new "a" is a new object with a larger id
        t2 = c.value("ObjectTest", "Create", string("a"))
        check(dec_varint(t2)[0] > dec_varint(b)[0] > tid, "fresh id %r" % t2)
        eq(dec_string(c.value("ObjectTest", "Thing_get_Name", t2)), "a", "new object usable")
        # an id never issued is still "Instance not found"
        e = request_error(c, make_call("ObjectTest", "Thing_get_Name", u64(1000000)))
        eq(err_tuple(e), ("KRPC", "ArgumentException", "Instance not found"), "never issued")
        # plugin-owned objects with pointer identity
        f0 = c.value("ObjectTest", "GetFixed", s32(0))
        eq(c.value("ObjectTest", "GetFixed", s32(0)), f0, "same pointer, same id")
        f1 = c.value("ObjectTest", "GetFixed", s32(1))
        check(f1 != f0, "another pointer")
        call_result(c, "ObjectTest", "DestroyFixed", f0)
        e = request_error(c, make_call("ObjectTest", "Fixed_get_Index", f0))
        eq(err_tuple(e), ("KRPC", "ObjectDestroyedException", DESTROYED % dec_varint(f0)[0]), "fixed destroyed")
        eq(dec_sint(c.value("ObjectTest", "Fixed_get_Index", f1)), 1, "the other fixed object")
        # a destroyed object of a class the plugin does not declare: logged, nothing destroyed
        r = call_result(c, "ObjectTest", "DestroyUnknownClass", b)
        check(not r.HasField("error"), "no error for the caller")
        eq(dec_string(c.value("ObjectTest", "Thing_get_Name", b)), "b", "not destroyed")
        # a procedure can raise the error kind itself (a per-call error)
        r = call_result(c, "ObjectTest", "RaiseDestroyed")
        eq(err_tuple(r.error), ("KRPC", "ObjectDestroyedException", "raised by the plugin"), "raised kind")
        created = dec_varint(c.value("ObjectTest", "Created"))[0]
        eq(created, 4, "Create ran four times")
    finally:
        code, err = srv.stop()
    eq(code, 0, "exit code (stderr: %s)" % err[-2000:])
    check("NoSuchClass" in err, "the unknown class is logged: %r" % err[-2000:])


# ---- (c) exceptions -------------------------------------------------------------

@test
def exceptions_raised_by_plugins():
    with Server(plugins=[testservice(), plugin("plugin_errors")]) as srv:
        c = Client(srv)
        cases = {
            "RaiseOwn": ("ErrorTest", "BoomException", "boom"),
            "RaiseQualified": ("ErrorTest", "OtherException", "other"),
            "RaiseForeign": ("TestService", "CustomException", "foreign"),
            "RaiseKrpc": ("KRPC", "ArgumentException", "krpc's own"),
            "RaiseNullMessage": ("KRPC", "InvalidOperationException", ""),
            "RaiseInVoid": ("KRPC", "ArgumentException", "void procedure failed"),
        }
        for proc, expected in cases.items():
            r = call_result(c, "ErrorTest", proc)
            check(not r.value and not r.is_null, "%s: no value with an error" % proc)
            eq(err_tuple(r.error), expected, proc)
        for proc, prefix in (("RaiseUndeclared", "undeclared"), ("RaiseUnknownService", "no service")):
            e = call_result(c, "ErrorTest", proc).error
            eq((e.service, e.name), ("", ""), "%s: an undeclared exception is untyped" % proc)
            check(e.description.startswith(prefix), "%s: %r" % (proc, e.description))
        kinds = [("", ""), ("KRPC", "ArgumentException"), ("KRPC", "ArgumentNullException"),
                 ("KRPC", "ArgumentOutOfRangeException"), ("KRPC", "InvalidOperationException"),
                 ("KRPC", "ObjectDestroyedException")]
        for kind, (svc, name) in enumerate(kinds):
            msg = "kind %d: \u2122 \n line two" % kind
            e = call_result(c, "ErrorTest", "RaiseKind", s32(kind), string(msg)).error
            eq(err_tuple(e), (svc, name, msg), "krpc_raise kind %d" % kind)
        # an out-of-range kind must not crash the server
        e = call_result(c, "ErrorTest", "RaiseKind", s32(99), string("odd")).error
        check(e.description != "" or e.name != "", "kind 99 gives some error")
        # the exceptions are declared in GetServices
        svcs, _ = services(c)
        ex = {x.name: x for x in svcs["ErrorTest"].exceptions}
        eq(sorted(ex), ["BoomException", "OtherException"], "declared exceptions")
        eq(ex["BoomException"].documentation,
           "<doc>\n<summary>\nRaised when something goes boom.\n</summary>\n</doc>", "doc")
        eq((ex["OtherException"].deprecated, ex["OtherException"].deprecated_reason),
           (True, 'Use <see cref="T:ErrorTest.BoomException" /> instead.'), "deprecation")
        eq(dec_string(c.value("TestService", "Int32ToString", s32(5))), "5", "TestService still fine")


@test
def foreign_exception_without_its_service():
    with Server(plugins=[plugin("plugin_errors")]) as srv:
        c = Client(srv)
        e = call_result(c, "ErrorTest", "RaiseForeign").error
        eq((e.service, e.name), ("", ""), "TestService not loaded: untyped")
        check(e.description.startswith("foreign"), e.description)


# ---- (d) defaults ---------------------------------------------------------------

def g17(x):
    return "NaN" if x != x else "%.17g" % x


def g9(x):
    x = struct.unpack("<f", struct.pack("<f", x))[0]
    return "NaN" if x != x else "%.9g" % x


DBL_MAX = 1.7976931348623157e308
FLT_MAX = 3.4028234663852886e38

EXPECTED_RENDER = {
    "Doubles": "a=%s, b=NaN, c=inf, d=-inf, e=%s, f=%s, g=%s, h=%s" % (
        g17(3.14159), g17(DBL_MAX), g17(-DBL_MAX), g17(-0.5e-3), g17(1e300)),
    "Floats": "a=%s, b=NaN, c=%s, d=%s, e=-inf, f=16777216" % (g9(0.1), g9(FLT_MAX), g9(-FLT_MAX)),
    "Integers": "a=-7, b=-2147483648, c=2147483647, d=-9223372036854775808, e=123456789012, f=4294967295, "
                "g=18446744073709551615, h=16, i=-2147483648",
    "Bools": "a=true, b=false",
    "Strings": 'a="foo\\x0a\\"q\\"\\\\A\\x09", b="", c=null, d="with, comma [and] {braces} (parens)", '
               'e="caf\\xc3\\xa9"',
    "Bytes": 'a=x"deadbeef", b=x"", c=null, d=x"00ff"',
    "Enums": "a=Color(-3), b=Color(1), c=null, d=[Color(0), Color(-3)]",
    "Objects": "a=null, b=null",
    "Lists": 'a=[1, 2, 3], b=[], c=["a", "b"], d=[[1], [], [2, 3]], e=[0.25, -0, %s], f=[true, false]' % g17(1e-300),
    "Dicts": 'a={"a": [1], "b": []}, b={true: "t", false: "f"}, c={}, d={-1: (2, "x")}',
    "Tuples": 'a=(1, "x", true), b=([], {1: false}), c=(0.25)',
    "Structs": 'a=Pair(42, "jeb", Color(1), [0.5, -1]), b=[Pair(1, "a", Color(0), [])], c=null, '
               'd=Outer(Pair(7, "in", Color(-3), []), [1, 2])',
}

NULL = object()
PAIR = enc_tuple([s32(42), string("jeb"), s32(1), enc_list([f64(0.5), f64(-1)])])
EXPECTED_DEFAULTS = {
    "Doubles": [f64(3.14159), bytes.fromhex("000000000000f8ff"), bytes.fromhex("000000000000f07f"),
                bytes.fromhex("000000000000f0ff"), bytes.fromhex("ffffffffffffef7f"),
                bytes.fromhex("ffffffffffffefff"), f64(-0.5e-3), f64(1e300)],
    "Floats": [bytes.fromhex("cdcccc3d"), bytes.fromhex("0000c0ff"), bytes.fromhex("ffff7f7f"),
               bytes.fromhex("ffff7fff"), bytes.fromhex("000080ff"), f32(16777216)],
    "Integers": [s32(-7), s32(-2147483648), s32(2147483647), s64(-9223372036854775808), s64(123456789012),
                 u64(4294967295), u64(18446744073709551615), u64(16), s32(-2147483648)],
    "Bools": [b"\x01", b"\x00"],
    "Strings": [enc_string(b'foo\n"q"\\A\t'), b"\x00", NULL, enc_string("with, comma [and] {braces} (parens)"),
                enc_string("caf\u00e9")],
    "Bytes": [bytes.fromhex("04deadbeef"), b"\x00", NULL, bytes.fromhex("0200ff")],
    "Enums": [s32(-3), s32(1), NULL, enc_list([s32(0), s32(-3)])],
    "Objects": [NULL, NULL],
    "Lists": [enc_list([s32(1), s32(2), s32(3)]), b"", enc_list([string("a"), string("b")]),
              enc_list([enc_list([s32(1)]), b"", enc_list([s32(2), s32(3)])]),
              enc_list([f64(0.25), f64(-0.0), f64(1e-300)]), enc_list([b"\x01", b"\x00"])],
    "Dicts": [enc_dict([(string("a"), enc_list([s32(1)])), (string("b"), b"")]),
              enc_dict([(b"\x01", string("t")), (b"\x00", string("f"))]), b"",
              enc_dict([(s64(-1), enc_tuple([s32(2), string("x")]))])],
    "Tuples": [enc_tuple([s32(1), string("x"), b"\x01"]), enc_tuple([b"", enc_dict([(s32(1), b"\x00")])]),
               enc_tuple([f64(0.25)])],
    "Structs": [PAIR, enc_list([enc_tuple([s32(1), string("a"), s32(0), b""])]), NULL,
                enc_tuple([enc_tuple([s32(7), string("in"), s32(-3), b""]), enc_list([s32(1), s32(2)])])],
}


@test
def defaults_rendered_when_omitted():
    with Server(plugins=[testservice(), plugin("plugin_defaults")]) as srv:
        c = Client(srv)
        for proc, expected in EXPECTED_RENDER.items():
            eq(dec_string(c.value("DefaultsTest", proc)), expected, "%s()" % proc)
        # sent explicitly: the values win
        eq(dec_string(c.value("DefaultsTest", "Integers", s32(1), s32(2), s32(3), s64(4), s64(5), u64(6), u64(7),
                              u64(8), s32(9))), "a=1, b=2, c=3, d=4, e=5, f=6, g=7, h=8, i=9", "explicit")
        eq(dec_string(c.value("DefaultsTest", "Strings", string("x"), string("y"), string("z"))),
           'a="x", b="y", c="z", d="with, comma [and] {braces} (parens)", e="caf\\xc3\\xa9"', "three sent")
        eq(dec_string(c.value("DefaultsTest", "Objects", None, None)), "a=null, b=null", "explicit nulls")
        call = make_call("DefaultsTest", "Enums", s32(5))
        call.arguments.add(position=2, is_null=True)
        eq(dec_string(c.request(call).results[0].value), "a=Color(5), b=Color(1), c=null, d=[Color(0), Color(-3)]",
           "enums")
        r = call_result(c, "DefaultsTest", "Enums", s32(5), None)
        eq(r.error.description, "Incorrect argument type for parameter b in DefaultsTest.Enums. Expected an argument "
                                "of type DefaultsTest.Color, got null", "a default does not make b nullable")
        eq(dec_string(c.value("DefaultsTest", "Lists", b"", enc_list([string("q")]))),
           'a=[], b=["q"], c=["a", "b"], d=[[1], [], [2, 3]], e=[0.25, -0, %s], f=[true, false]' % g17(1e-300),
           "lists partly sent")
        eq(dec_string(c.value("DefaultsTest", "Structs", enc_tuple([s32(1), string("s"), s32(0), b""]))),
           'a=Pair(1, "s", Color(0), []), b=[Pair(1, "a", Color(0), [])], c=null, '
           'd=Outer(Pair(7, "in", Color(-3), []), [1, 2])', "struct sent")
        # a required parameter, a middle one omitted
        eq(dec_string(c.value("DefaultsTest", "Mixed", s32(5))), 'a=5, b="x", c=[1]', "Mixed(5)")
        call = make_call("DefaultsTest", "Mixed")
        call.arguments.add(position=0, value=s32(6))
        call.arguments.add(position=2, value=b"")
        eq(dec_string(c.request(call).results[0].value), 'a=6, b="x", c=[]', "middle omitted")
        r = call_result(c, "DefaultsTest", "Mixed")
        eq(r.error.description, "Argument not specified for parameter a in DefaultsTest.Mixed", "required")
        # repeated calls get fresh defaults (nothing the host keeps is modified)
        for proc in ("Lists", "Structs"):
            eq(dec_string(c.value("DefaultsTest", proc)), EXPECTED_RENDER[proc], "%s() again" % proc)


@test
def defaults_in_get_services():
    with Server(plugins=[testservice(), plugin("plugin_defaults")]) as srv:
        c = Client(srv)
        svcs, _ = services(c)
        procs = procedures(svcs["DefaultsTest"])
        for proc, defaults in EXPECTED_DEFAULTS.items():
            params = procs[proc].parameters
            eq(len(params), len(defaults), "%s parameters" % proc)
            for p, d in zip(params, defaults):
                what = "%s %s" % (proc, p.name)
                eq(p.has_default_value, True, what + ": has_default_value")
                if d is NULL:
                    eq((p.default_value_is_null, p.nullable, p.default_value), (True, True, b""), what + ": null")
                else:
                    eq(p.default_value_is_null, False, what + ": not null")
                    eq(p.default_value.hex(), d.hex(), what + ": default bytes")
        mixed = procs["Mixed"].parameters
        eq((mixed[0].has_default_value, mixed[0].default_value), (False, b""), "Mixed a is required")
        eq(mixed[2].default_value.hex(), enc_list([s32(1)]).hex(), "Mixed c")
        # declared nullability: "Box" with a null default becomes nullable; "string?" is nullable
        objs = procs["Objects"].parameters
        eq([p.nullable for p in objs], [True, True], "null defaults are nullable")
        eq([p.nullable for p in procs["Integers"].parameters], [False] * 9, "plain parameters are not")
        # types
        eq(type_to_json(procs["Dicts"].parameters[3].type),
           {"code": "DICTIONARY", "types": [{"code": "SINT64"},
                                            {"code": "TUPLE", "types": [{"code": "SINT32"}, {"code": "STRING"}]}]},
           "dict(sint64,tuple(sint32,string))")
        eq(type_to_json(procs["Structs"].parameters[1].type),
           {"code": "LIST", "types": [{"code": "STRUCT", "service": "DefaultsTest", "name": "Pair"}]}, "list(Pair)")
        eq(type_to_json(procs["Enums"].parameters[0].type),
           {"code": "ENUMERATION", "service": "DefaultsTest", "name": "Color"}, "Color")
        eq(type_to_json(procs["Lists"].parameters[2].type), {"code": "SET", "types": [{"code": "STRING"}]}, "set")
        color = {e.name: e for e in svcs["DefaultsTest"].enumerations}["Color"]
        eq([(v.name, v.value) for v in color.values], [("Red", 0), ("Green", 1), ("Blue", -3)], "enum values")
        st = {s.name: s for s in svcs["DefaultsTest"].structs}
        eq([(f.name, type_to_json(f.type)) for f in st["Outer"].fields],
           [("Inner", {"code": "STRUCT", "service": "DefaultsTest", "name": "Pair"}),
            ("Nums", {"code": "LIST", "types": [{"code": "SINT32"}]})], "Outer fields")


# ---- (e) service ids ------------------------------------------------------------

def derived_id(name):
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "little") & 0xFFFFFFFF


NOID_ORDER = ["Last", "MakeGadget", "Alpha", "Beta", "get_Level", "set_Level", "set_Secret", "Gadget_Spin",
              "Gadget_static_Make", "Gadget_Turn", "Gadget_get_Size", "Gadget_set_Size", "Gadget_get_Color"]


@test
def service_id_from_sha256_and_procedure_ids():
    with Server(plugins=[testservice(), plugin("plugin_noid")]) as srv:
        c = Client(srv)
        sid = derived_id("NoIdService")
        eq(sid, int.from_bytes(hashlib.sha256(b"NoIdService").digest()[:4], "little"), "first 4 bytes")
        svcs, _ = services(c)
        eq([p.name for p in svcs["NoIdService"].procedures], NOID_ORDER, "GetServices lists procedures in id order")

        def by_id(pid, *args):
            r = call_result(c, "Bogus", "Bogus", *args, service_id=sid, procedure_id=pid)
            check(not r.HasField("error"), "id %d: %s" % (pid, r.error.description))
            return r.value

        def last():
            return dec_string(by_id(1))

        g = by_id(2)
        eq(last(), "MakeGadget", "id 2")
        args = {3: (), 4: (), 5: (), 6: (s32(9),), 7: (string("s"),), 8: (g,), 9: (), 10: (g,), 11: (g,),
                12: (g, s32(4)), 13: (g,)}
        for pid in range(3, 14):
            by_id(pid, *args[pid])
            eq(last(), NOID_ORDER[pid - 1], "procedure id %d" % pid)
        eq(dec_sint(by_id(5)), 9, "the setter's value reached the plugin")
        eq(dec_sint(by_id(11, g)), 4, "the class setter's value reached the plugin")
        eq(by_id(9), g, "static method by id")
        r = call_result(c, "", "", service_id=sid, procedure_id=14)
        eq(r.error.description, "Procedure with id 14 not found", "one past the end")
        # the same calls by name
        eq(dec_string(c.value("NoIdService", "Gadget_get_Color", g)), "red", "by name")
        # the explicit id of the second service, and no derived id for it
        r = call_result(c, "", "", service_id=4242, procedure_id=1)
        eq(dec_string(r.value), "hello from ExplicitIdService", "explicit id")
        r = call_result(c, "", "", service_id=derived_id("ExplicitIdService"), procedure_id=1)
        eq(r.error.description, "Service with id %d not found" % derived_id("ExplicitIdService"), "no derived id")
        # TestService keeps 9999
        r = call_result(c, "", "", enc_sint32(7), service_id=9999, procedure_id=3)
        eq(dec_string(r.value), "7", "TestService by id")


# ---- (f) yields and their state ---------------------------------------------------

def yvalue(c, proc, *args):
    return c.value("YieldTest", proc, *args)


def yint(c, proc, *args):
    v = yvalue(c, proc, *args)
    n, _ = dec_varint(v) if v else (0, 0)
    return (n >> 1) ^ -(n & 1)


def counts(c):
    """(allocs, frees), read in one request so that no update runs in between."""
    resp = c.request(make_call("YieldTest", "Allocs"), make_call("YieldTest", "Frees"))
    return tuple(dec_sint(r.value) if r.value else 0 for r in resp.results)


def wait_balanced(c, what, timeout=5):
    deadline = time.monotonic() + timeout
    while True:
        allocs, frees = counts(c)
        if allocs == frees:
            return allocs
        check(time.monotonic() < deadline, "%s: %d states given to the host, %d freed" % (what, allocs, frees))
        time.sleep(0.02)


@test
def yields_resume_on_later_updates():
    with Server(plugins=[testservice(), plugin("plugin_yields")]) as srv:
        c = Client(srv)
        eq(yint(c, "Wait", s32(0)), 0, "no yield")
        for n in (1, 5, 20):
            took = yint(c, "Wait", s32(n))
            check(n <= took <= n + 3, "Wait(%d) finished after %d updates" % (n, took))
        eq(yint(c, "SameTickResumes"), 0, "never resumed in the update that yielded")
        eq(wait_balanced(c, "finished calls"), 26, "one state per yield, all freed")
        dt = struct.unpack("<d", yvalue(c, "LastDt"))[0]
        check(abs(dt - 1 / 60) < 1e-6, "tick dt is the fixed step: %r" % dt)
        t0, w0 = dec_varint(yvalue(c, "Ticks"))[0], time.monotonic()
        time.sleep(0.5)
        t1, w1 = dec_varint(yvalue(c, "Ticks"))[0], time.monotonic()
        rate = (t1 - t0) / (w1 - w0)
        check(40 < rate < 80, "ticks at about 60 Hz: %.1f" % rate)
        # two yielding calls in one request
        resp = c.request(make_call("YieldTest", "Wait", s32(3)), make_call("YieldTest", "Wait", s32(6)))
        check(not resp.HasField("error"), "request ok")
        took = [dec_sint(r.value) for r in resp.results]
        check(3 <= took[0] <= 5 and 6 <= took[1] <= 8, "both ran in parallel: %r" % took)


@test
def a_server_behind_its_tick_rate_still_reads_its_clients():
    """Every tick longer than the period (3 ms at 1,000 Hz): the server is
    behind for good and ticks back to back, but each pass of the loop still
    polls the sockets, so calls, new clients and handshakes are served and
    ticks go on (libuv runs a timer restarted with 0 from its own callback in
    the same pass, before any I/O: that starved every client)."""
    with Server("--tick-rate", "1000", plugins=[testservice(), plugin("plugin_yields")]) as srv:
        c = Client(srv)
        c.value("YieldTest", "SetTickCost", s32(3000))
        t0 = dec_varint(yvalue(c, "Ticks"))[0]
        for i in range(20):
            eq(dec_string(c.value("TestService", "Int32ToString", s32(i))), str(i), "served while behind")
        late = Client(srv, name="late", stream=True)
        eq(yint(late, "Wait", s32(3)) >= 3, True, "a client that connects while behind is served")
        t1 = dec_varint(yvalue(c, "Ticks"))[0]
        check(t1 - t0 >= 3, "ticks go on: %d" % (t1 - t0))


@test
def yield_state_freed_when_client_leaves():
    with Server(plugins=[testservice(), plugin("plugin_yields")]) as srv:
        watcher = Client(srv, name="watcher")
        for calls in ([make_call("YieldTest", "Wait", s32(-1))],
                      [make_call("YieldTest", "Wait", s32(1000)), make_call("YieldTest", "Wait", s32(-1)),
                       make_call("TestService", "BlockingProcedure", s32(-1))]):
            a = Client(srv, name="leaver")
            a.rpc.send_msg(pb.Request(calls=calls))
            time.sleep(0.15)
            allocs, frees = counts(watcher)
            check(allocs > frees, "a continuation is pending: %d %d" % (allocs, frees))
            a.close()
            wait_balanced(watcher, "client left mid-continuation")
        # a stream of a yielding call, then the client leaves
        s = Client(srv, name="streamer", stream=True)
        s.value("KRPC", "AddStream", make_call("YieldTest", "Wait", s32(3)).SerializeToString(), b"\x01")
        up = s.stream_update()
        check(dec_sint(up.results[0].result.value) >= 3, "the stream publishes the finished value")
        s.value("KRPC", "AddStream", make_call("YieldTest", "Wait", s32(100000)).SerializeToString(), b"\x01")
        time.sleep(0.1)
        s.close()
        wait_balanced(watcher, "stream client left")
        eq(yint(watcher, "SameTickResumes"), 0, "no double resume")


@test
def failures_after_a_yield_fail_the_whole_request():
    with Server(plugins=[testservice(), plugin("plugin_yields")]) as srv:
        c = Client(srv)
        e = request_error(c, make_call("YieldTest", "FailAfter", s32(2)))
        eq(err_tuple(e), ("YieldTest", "LateException", "failed after yielding"), "resumed failure")
        e = request_error(c, make_call("YieldTest", "NullAfter", s32(2)))
        eq((e.service, e.name), ("", ""), "untyped")
        check(e.description.startswith("Incorrect value returned by YieldTest.NullAfter. Expected a non-null value"),
              e.description)
        resp = c.request(make_call("TestService", "Int32ToString", s32(1)), make_call("YieldTest", "FailAfter", s32(1)),
                         make_call("YieldTest", "Wait", s32(3)))
        check(resp.HasField("error") and len(resp.results) == 0, "other results discarded: %r" % resp)
        # on the first execution they are per-call errors
        r = call_result(c, "YieldTest", "FailAfter", s32(0))
        eq(err_tuple(r.error), ("YieldTest", "LateException", "failed after yielding"), "first execution")
        r = call_result(c, "YieldTest", "NullAfter", s32(0))
        check(r.error.description.startswith("Incorrect value returned by YieldTest.NullAfter."), "null at once")
        wait_balanced(c, "after failures")


@test
def yield_state_freed_at_server_stop():
    srv = Server(plugins=[testservice(), plugin("plugin_yields")])
    c = Client(srv)
    c.rpc.send_msg(pb.Request(calls=[make_call("YieldTest", "Wait", s32(-1))]))
    time.sleep(0.1)
    code, err = srv.stop()
    eq(code, 0, "exit code (stderr: %s)" % err[-2000:])
    lines = [line for line in err.splitlines() if line.startswith("YieldTest cleanup: ")]
    eq(len(lines), 1, "cleanup ran once: %r" % err[-2000:])
    allocs, frees = [int(x.split("=")[1]) for x in lines[0].split(": ")[1].split()]
    check(allocs > 0, "a continuation was pending")
    eq(frees, allocs, "every state freed before cleanup")


# ---- (g) refused plugins ----------------------------------------------------------

BAD = [
    ("bad_magic", "BadService", "magic"),
    ("bad_abi", "BadService", "ABI version 2"),
    ("bad_no_query", "BadService", "krpc_plugin_query"),
    ("bad_query_null", "BadService", "declined"),
    ("bad_identifier", "bad_name", "bad_name"),
    ("bad_dup_service", "TestService", "TestService"),
    ("bad_unknown_type", "BadService", "NoSuchType"),
    ("bad_default", "BadService", "default of parameter 'value'"),
    ("bad_dup_proc", "BadService", "Same"),
    ("bad_dict_key", "BadService", "dictionary keys"),
    ("bad_second_svc", "GoodHalf", "NoSuchType"),
    ("bad_param_name", "BadService", "Value"),
    ("bad_no_name", "BadService", "name"),
]


def check_refused(path, absent, reason, plugins):
    srv = Server(plugins=plugins)
    try:
        c = Client(srv)
        eq(dec_string(c.value("TestService", "Int32ToString", s32(42))), "42", "TestService serves")
        svcs, _ = services(c)
        eq(sorted(svcs), ["Benchmark", "KRPC", "TestService"], "%s: services" % os.path.basename(path))
        if absent != "TestService":
            check(absent not in svcs, "%s absent" % absent)
        else:
            eq(len(svcs["TestService"].procedures), 82, "the first TestService is kept")
        c.close()
    finally:
        code, err = srv.stop()
    eq(code, 0, "exit code (stderr: %s)" % err[-2000:])
    lines = refusals(err)
    eq(len(lines), 1, "one refusal line for %s: %r" % (path, lines or err[-2000:]))
    check(path in lines[0], "the line names the file: %r" % lines[0])
    check("Plugin %s refused: " % path in lines[0], "the documented form: %r" % lines[0])
    check(reason in lines[0].split(" refused: ", 1)[1], "the reason mentions %r: %r" % (reason, lines[0]))
    return lines[0]


@test
def bad_plugins_refused_one_by_one():
    for name, absent, reason in BAD:
        path = plugin(name)
        # the bad one first, except a duplicate, which is refused for coming second
        plugins = [testservice(), path] if name == "bad_dup_service" else [path, testservice()]
        check_refused(path, absent, reason, plugins)


@test
def not_a_shared_object_refused():
    d = tempfile.mkdtemp(prefix="krpc-plugins-")
    try:
        text = os.path.join(d, "not_a_plugin.so")
        with open(text, "w") as f:
            f.write("this is not a shared object\n")
        check_refused(text, "BadService", "", [text, testservice()])
        missing = os.path.join(d, "missing.so")
        check_refused(missing, "BadService", "", [missing, testservice()])
        empty = os.path.join(d, "empty.so")
        open(empty, "w").close()
        check_refused(empty, "BadService", "", [testservice(), empty])
    finally:
        shutil.rmtree(d)


@test
def plugin_whose_init_fails():
    """init returning a negative number refuses the plugin (krpc/plugin.h section 4):
    the server must still start and serve the others."""
    path = plugin("bad_init")
    srv = Server(plugins=[path, testservice()])
    try:
        c = Client(srv)
        eq(dec_string(c.value("TestService", "Int32ToString", s32(1))), "1", "TestService serves")
        svcs, _ = services(c)
        check("BadService" not in svcs, "the plugin's service is withdrawn: %r" % sorted(svcs))
    finally:
        code, err = srv.stop()
    eq(code, 0, "exit code")
    check(path in err or "test-bad" in err, "the failure is logged: %r" % err[-2000:])


@test
def literal_defects_refused():
    """Defaults that are not values of their type: a dictionary with a key twice and a
    set with an item twice (wire.md 3.1: one entry per key, one item per distinct
    element); and a bad number named in the refusal."""
    for name, absent, reason in (("bad_dup_key", "BadService", "default of parameter 'value'"),
                                 ("bad_dup_item", "BadService", "default of parameter 'value'")):
        check_refused(plugin(name), absent, reason, [plugin(name), testservice()])
    line = check_refused(plugin("bad_default"), "BadService", "abc", [plugin("bad_default"), testservice()])
    check("out of range" not in line, "'abc' is not a number, not out of range: %r" % line)


# ---- (h) the same plugin twice ----------------------------------------------------

@test
def plugin_registered_twice():
    path = plugin("plugin_noid")
    srv = Server(plugins=[testservice(), path, path])
    try:
        c = Client(srv)
        eq(dec_string(c.value("ExplicitIdService", "Hello")), "hello from ExplicitIdService", "first copy serves")
        svcs, _ = services(c)
        eq(sorted(svcs), ["Benchmark", "ExplicitIdService", "KRPC", "NoIdService", "TestService"], "services")
    finally:
        code, err = srv.stop()
    eq(code, 0, "exit code")
    lines = refusals(err)
    eq(len(lines), 1, "refused once: %r" % lines)
    check(path in lines[0] and "test-noid" in lines[0], lines[0])
    # a copy of the same plugin under another file name has the same plugin name
    d = tempfile.mkdtemp(prefix="krpc-plugins-")
    try:
        copy = os.path.join(d, "copy_of_noid.so")
        shutil.copy(path, copy)
        srv = Server(plugins=[testservice(), path, copy])
        try:
            c = Client(srv)
            eq(dec_string(c.value("ExplicitIdService", "Hello")), "hello from ExplicitIdService", "serves")
        finally:
            code, err = srv.stop()
        eq(code, 0, "exit code")
        lines = refusals(err)
        eq(len(lines), 1, "copy refused: %r" % lines)
        check(copy in lines[0] and "already loaded" in lines[0], lines[0])
    finally:
        shutil.rmtree(d)


# ---- everything together ----------------------------------------------------------

@test
def all_test_plugins_together():
    names = ["plugin_scenes", "plugin_objects", "plugin_errors", "plugin_defaults", "plugin_noid", "plugin_yields"]
    srv = Server(plugins=[testservice()] + [plugin(n) for n in names])
    try:
        c = Client(srv)
        svcs, raw = services(c)
        eq(sorted(svcs), sorted(["KRPC", "TestService", "Benchmark", "SceneTest", "FlightScene", "ObjectTest",
                                 "ErrorTest", "DefaultsTest", "NoIdService", "ExplicitIdService", "YieldTest"]),
           "services")
        for s in svcs.values():
            docs = [s.documentation] + [p.documentation for p in s.procedures] + \
                   [x.documentation for x in s.classes] + [x.documentation for x in s.exceptions]
            for d in docs:
                if d:
                    root = ET.fromstring(d)
                    eq(root.tag, "doc", "doc root")
                    eq(root[0].tag, "summary", "summary first")
        eq(len(refusals(srv.output.decode())), 0, "nothing refused")
        eq(dec_string(c.value("DefaultsTest", "Bools")), "a=true, b=false", "a plugin call")
        eq(yint(c, "Wait", s32(2)) >= 2, True, "yields")
    finally:
        code, err = srv.stop()
    eq(code, 0, "exit code (stderr: %s)" % err[-2000:])
    eq(len(refusals(err)), 0, "nothing refused: %r" % refusals(err))


# ---- clients leaving, nulls as object id 0 (host API) ---------------------------

def poll(fn, what, timeout=10):
    """fn() until it is truthy (the server handles a close asynchronously)."""
    deadline = time.monotonic() + timeout
    while True:
        v = fn()
        if v:
            return v
        check(time.monotonic() < deadline, "timed out waiting for %s" % what)
        time.sleep(0.01)


def str_list(b):
    lst = pb.List()
    lst.ParseFromString(b)
    return [dec_string(x) for x in lst.items]


@test
def client_disconnect_hook():
    with Server(plugins=[testservice(), plugin("plugin_clients")]) as srv:
        watcher = Client(srv, name="watcher")
        eq(dec_string(watcher.value("ClientLog", "get_FlagChecks")), "ok",
           "set_service_flags: own service accepted; another plugin's, an unknown one, an unknown flag refused")
        left = lambda: str_list(watcher.value("ClientLog", "Left"))
        eq(left(), [], "nobody has left")
        a = Client(srv, name="alpha")
        a.value("ClientLog", "Register")
        b = Client(srv, name="beta", stream=True)
        b.value("ClientLog", "Register")
        a.close()
        poll(lambda: left() == ["alpha"], "alpha reported (with the id of its calls)")
        # the RPC connection is the client: it has left though its stream connection is open
        b.rpc.close()
        poll(lambda: left() == ["alpha", "beta"], "beta reported when its RPC connection closed")
        b.stream.close()
        g = Client(srv, name="gamma")
        g.close()
        poll(lambda: len(left()) == 3, "gamma reported")
        eq(left(), ["alpha", "beta", "gamma?"], "each client once; gamma never called the plugin (unknown id)")
    # (the watcher leaves at the stop, before the plugin's cleanup: checked by the sanitizers)


def add_stream(c, call):
    s = pb.Stream()
    s.ParseFromString(c.value("KRPC", "AddStream", call.SerializeToString(), b"\x01"))
    return s.id


def v07_client(srv, name="v07"):
    """A client announcing protocol version 1 (kRPC 0.7)."""
    c = Client.__new__(Client)
    c.server, c.stream = srv, None
    c.rpc = krpctest.Conn(srv.rpc_port)
    c.rpc.send_msg(pb.ConnectionRequest(type=pb.ConnectionRequest.RPC, client_name=name, protocol_version=1))
    resp = c.rpc.recv(pb.ConnectionResponse)
    check(resp.status == pb.ConnectionResponse.OK, "0.7 handshake: %s" % resp.message)
    c.id = resp.client_identifier
    return c


def raw_response(c, call):
    c.rpc.send_msg(pb.Request(calls=[call]))
    return c.rpc.recv_raw()


@test
def null_objects_as_id0_per_service():
    with Server(plugins=[testservice(), plugin("plugin_clients")]) as srv:
        c = Client(srv, stream=True)
        # Response{results: [ProcedureResult{value: 00, is_null: true}]}
        eq(raw_response(c, make_call("ClientLog", "Maybe", b"\x00")), b"\x12\x05\x12\x01\x00\x18\x01",
           "a null from a service with KRPC_SERVICE_NULL_AS_ID0: is_null and id 0")
        eq(raw_response(c, make_call("PlainNulls", "Maybe", b"\x00")), b"\x12\x02\x18\x01",
           "without the flag: a bare is_null, as the reference")
        thing = c.call("ClientLog", "Maybe", b"\x01")
        check(not thing.is_null and dec_varint(thing.value)[0] > 0, "an object is not null")
        for svc in ("ClientLog", "PlainNulls"):
            eq(c.value(svc, "IsNull", None), b"\x01", "%s: is_null is null" % svc)
            eq(c.value(svc, "IsNull", b"\x00"), b"\x01", "%s: id 0 is null to a pre-0.7 client" % svc)
            eq(c.value(svc, "IsNull", thing.value), b"\x00", "%s: an object is not null (false)" % svc)
        n = v07_client(srv)
        eq(n.value("ClientLog", "IsNull", b"\x00"), b"\x01", "with the flag id 0 is null to a 0.7 client too")
        resp = n.request(make_call("PlainNulls", "IsNull", b"\x00"))
        err = resp.error if resp.HasField("error") else resp.results[0].error
        eq(err.description, "Instance not found", "without the flag id 0 is an unknown object to a 0.7 client")
        eq(raw_response(n, make_call("ClientLog", "Maybe", b"\x00")), b"\x12\x05\x12\x01\x00\x18\x01",
           "a 0.7 client gets the same bytes")
        # stream values: the same ProcedureResult inside the StreamUpdate
        call = make_call("ClientLog", "Maybe", b"\x00")
        sid = add_stream(c, call)
        raw = c.stream.recv_raw()
        upd = pb.StreamUpdate()
        upd.ParseFromString(raw)
        eq([r.id for r in upd.results], [sid], "the stream's first update")
        check(raw.endswith(b"\x12\x05\x12\x01\x00\x18\x01"), "stream value: is_null and id 0: %s" % raw.hex())
        call = make_call("PlainNulls", "Maybe", b"\x00")
        sid = add_stream(c, call)
        raw = c.stream.recv_raw()
        check(raw.endswith(b"\x12\x02\x18\x01"), "stream value without the flag: bare is_null: %s" % raw.hex())


if __name__ == "__main__":
    run_tests()

"""KRPC.GetServices against the reference service definitions (issue 3):
TestService field by field (documentation included), KRPC field by field
except documentation prose, the set of services, game scenes and the XML of
every documentation string. The reference files are
<shared>/reference/{TestService,KRPC}.json; <shared> comes from the
environment variable KRPC_SHARED_DIR (set by meson) or is ../shared beside
the source tree."""
import base64
import json
import os
import xml.etree.ElementTree as ET

from krpctest import Client, Server, check, eq, make_call, pb, run_tests, test

TYPE_CODES = {name: value for name, value in pb.Type.TypeCode.items()}


def shared_dir():
    d = os.environ.get("KRPC_SHARED_DIR")
    if not d:
        d = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared")
    return d


def reference(service):
    path = os.path.join(shared_dir(), "reference", service + ".json")
    with open(path) as f:
        return json.load(f)[service]


def get_services():
    with Server() as srv:
        c = Client(srv)
        services = pb.Services()
        services.ParseFromString(c.value("KRPC", "GetServices"))
        c.close()
    return services


_CACHE = {}


def services():
    if "s" not in _CACHE:
        _CACHE["s"] = get_services()
    return _CACHE["s"]


def service(name):
    found = [s for s in services().services if s.name == name]
    eq(len(found), 1, "number of services named %s" % name)
    return found[0]


def type_to_json(t):
    """Our pb.Type in the reference JSON's shape."""
    out = {"code": pb.Type.TypeCode.Name(t.code)}
    if t.service:
        out["service"] = t.service
    if t.name:
        out["name"] = t.name
    if len(t.types):
        out["types"] = [type_to_json(s) for s in t.types]
    return out


def check_doc_xml(doc, what):
    """Empty, or `<doc>` XML whose first child is `<summary>` (semantics.md 8.4)."""
    if doc == "":
        return None
    try:
        root = ET.fromstring(doc)
    except ET.ParseError as e:
        raise AssertionError("%s: documentation is not XML (%s): %r" % (what, e, doc))
    eq(root.tag, "doc", "%s: documentation root" % what)
    check(len(root) >= 1 and root[0].tag == "summary", "%s: <summary> first in %r" % (what, doc))
    check(doc.startswith("<doc>\n<summary>\n"), "%s: layout of %r" % (what, doc))
    check(doc.endswith("\n</doc>"), "%s: layout of %r" % (what, doc))
    for el in root.iter():
        if el.tag == "see":
            check(el.get("cref", "")[:2] in ("T:", "M:"), "%s: cref %r" % (what, el.get("cref")))
    return root


def check_doc(ours, ref, what, exact):
    check_doc_xml(ours, what)
    if exact:
        eq(ours, ref, "%s: documentation" % what)
    else:
        # our own prose, but documented where the reference is
        eq(ours != "", ref != "", "%s: documented (ours %r)" % (what, ours))


def check_deprecation(ours, ref, what):
    eq(ours.deprecated, ref.get("deprecated", False), "%s: deprecated" % what)
    eq(ours.deprecated_reason, ref.get("deprecated_reason", ""), "%s: deprecated_reason" % what)


def check_parameter(ours, ref, what):
    eq(ours.name, ref["name"], "%s: name" % what)
    eq(type_to_json(ours.type), ref["type"], "%s %s: type" % (what, ref["name"]))
    what = "%s %s" % (what, ref["name"])
    nullable = ref.get("nullable", False)
    eq(ours.nullable, nullable, "%s: nullable" % what)
    if "default_value" not in ref:
        eq(ours.has_default_value, False, "%s: has_default_value" % what)
        eq(ours.default_value_is_null, False, "%s: default_value_is_null" % what)
        eq(ours.default_value, b"", "%s: default_value" % what)
    elif ref["default_value"] is None:
        eq(ours.has_default_value, True, "%s: has_default_value" % what)
        eq(ours.default_value_is_null, True, "%s: default_value_is_null" % what)
        check(ours.nullable, "%s: a null default implies nullable" % what)
        # as the reference and the conformance corpus: no default_value bytes (wire.md 8
        # suggests 00 for old clients; the corpus, recorded from the reference, forbids it)
        eq(ours.default_value, b"", "%s: default_value of a null default" % what)
    else:
        eq(ours.has_default_value, True, "%s: has_default_value" % what)
        eq(ours.default_value_is_null, False, "%s: default_value_is_null" % what)
        eq(ours.default_value.hex(), base64.b64decode(ref["default_value"]).hex(),
           "%s: default_value" % what)


def check_procedure(ours, name, ref, svc, exact_docs):
    what = "%s.%s" % (svc, name)
    eq(ours.name, name, "procedure name")
    eq(len(ours.parameters), len(ref["parameters"]),
       "%s: parameters %r" % (what, [p.name for p in ours.parameters]))
    for p, rp in zip(ours.parameters, ref["parameters"]):
        check_parameter(p, rp, what)
    if "return_type" in ref:
        check(ours.HasField("return_type"), "%s: return type set" % what)
        eq(type_to_json(ours.return_type), ref["return_type"], "%s: return type" % what)
    else:
        check(not ours.HasField("return_type") or ours.return_type.code == 0,
              "%s: no return type, got %s" % (what, ours.return_type))
    eq(ours.return_is_nullable, ref.get("return_is_nullable", False), "%s: return_is_nullable" % what)
    check_doc(ours.documentation, ref["documentation"], what, exact_docs)
    check_deprecation(ours, ref, what)
    eq(list(ours.game_scenes), ref.get("game_scenes", []), "%s: game_scenes" % what)


def check_service(name, exact_docs):
    ref = reference(name)
    ours = service(name)
    check_doc(ours.documentation, ref["documentation"], name, exact_docs)
    check_deprecation(ours, ref, name)
    # procedures: same names in id order (id = position in the list)
    ref_names = list(ref["procedures"])
    for i, n in enumerate(ref_names):
        eq(ref["procedures"][n]["id"], i + 1, "reference id of %s" % n)
    eq([p.name for p in ours.procedures], ref_names, "%s: procedure names in id order" % name)
    for p in ours.procedures:
        check_procedure(p, p.name, ref["procedures"][p.name], name, exact_docs)
    # classes
    eq([c.name for c in ours.classes], list(ref.get("classes", {})), "%s: classes" % name)
    for c in ours.classes:
        r = ref["classes"][c.name]
        check_doc(c.documentation, r["documentation"], "%s.%s" % (name, c.name), exact_docs)
        check_deprecation(c, r, "%s.%s" % (name, c.name))
    # enumerations
    eq([e.name for e in ours.enumerations], list(ref.get("enumerations", {})), "%s: enumerations" % name)
    for e in ours.enumerations:
        r = ref["enumerations"][e.name]
        what = "%s.%s" % (name, e.name)
        check_doc(e.documentation, r["documentation"], what, exact_docs)
        check_deprecation(e, r, what)
        eq([(v.name, v.value) for v in e.values], [(v["name"], v["value"]) for v in r["values"]],
           "%s: values" % what)
        for v, rv in zip(e.values, r["values"]):
            check_doc(v.documentation, rv["documentation"], "%s.%s" % (what, v.name), exact_docs)
            check_deprecation(v, rv, "%s.%s" % (what, v.name))
    # exceptions
    eq([x.name for x in ours.exceptions], list(ref.get("exceptions", {})), "%s: exceptions" % name)
    for x in ours.exceptions:
        r = ref["exceptions"][x.name]
        check_doc(x.documentation, r["documentation"], "%s.%s" % (name, x.name), exact_docs)
        check_deprecation(x, r, "%s.%s" % (name, x.name))
    # structs
    eq([s.name for s in ours.structs], list(ref.get("structs", {})), "%s: structs" % name)
    for s in ours.structs:
        r = ref["structs"][s.name]
        what = "%s.%s" % (name, s.name)
        check_doc(s.documentation, r["documentation"], what, exact_docs)
        check_deprecation(s, r, what)
        eq([f.name for f in s.fields], [f["name"] for f in r["fields"]], "%s: fields" % what)
        for f, rf in zip(s.fields, r["fields"]):
            eq(type_to_json(f.type), rf["type"], "%s.%s: type" % (what, f.name))
            check_doc(f.documentation, rf["documentation"], "%s.%s" % (what, f.name), exact_docs)
            check_deprecation(f, rf, "%s.%s" % (what, f.name))


# ---- the tests -------------------------------------------------------------

@test
def exactly_three_services():
    names = [s.name for s in services().services]
    eq(sorted(names), ["Benchmark", "KRPC", "TestService"], "services")


@test
def testservice_matches_reference_exactly():
    check_service("TestService", exact_docs=True)


@test
def krpc_matches_reference_except_prose():
    check_service("KRPC", exact_docs=False)


@test
def testservice_documentation_strings():
    """The strings test_documentation.py reads, spelled out (testservice.md 1-5)."""
    ts = service("TestService")
    procs = {p.name: p for p in ts.procedures}

    def summary(doc):
        return ET.fromstring(doc).find("summary").text.strip()

    eq(summary(ts.documentation), "Service documentation string.", "service")
    eq(summary(procs["FloatToString"].documentation), "Procedure documentation string.", "FloatToString")
    eq(summary(procs["get_StringProperty"].documentation), "Property documentation string.", "getter")
    eq(summary(procs["set_StringProperty"].documentation), "Property documentation string.", "setter")
    eq(summary(procs["TestClass_GetValue"].documentation), "Method documentation string.", "GetValue")
    eq(summary(procs["TestClass_get_IntProperty"].documentation), "Property documentation string.", "IntProperty")
    eq(procs["DeprecatedProcedure"].deprecated_reason,
       'Use <see cref="M:TestService.FloatToString" /> instead.', "deprecation reason")
    eq((procs["DeprecatedProcedureNoMessage"].deprecated, procs["DeprecatedProcedureNoMessage"].deprecated_reason),
       (True, ""), "deprecated without reason")
    cls = {c.name: c for c in ts.classes}
    eq(cls["TestClass"].documentation, "<doc>\n<summary>\nClass documentation string.\n</summary>\n</doc>",
       "class doc bytes")
    enum = {e.name: e for e in ts.enumerations}["TestEnum"]
    eq([summary(v.documentation) for v in enum.values],
       ["Enum ValueA documentation string.", "Enum ValueB documentation string.",
        "Enum ValueC documentation string."], "enum values")
    eq({e.name: (e.deprecated, e.deprecated_reason) for e in ts.exceptions}["DeprecatedException"],
       (True, "Use CustomException instead."), "DeprecatedException")


@test
def benchmark_service():
    b = service("Benchmark")
    check_doc_xml(b.documentation, "Benchmark")
    check(b.documentation != "", "Benchmark is documented")
    eq([p.name for p in b.procedures], ["Call"], "procedures")
    call = b.procedures[0]
    eq([(p.name, type_to_json(p.type), p.has_default_value, p.nullable) for p in call.parameters],
       [("call", {"code": "PROCEDURE_CALL"}, False, False), ("iterations", {"code": "UINT32"}, False, False)],
       "parameters")
    eq(type_to_json(call.return_type),
       {"code": "DICTIONARY", "types": [{"code": "STRING"}, {"code": "DOUBLE"}]}, "return type")
    eq(call.return_is_nullable, False, "not nullable")


@test
def game_scenes_empty_everywhere():
    for s in services().services:
        for p in s.procedures:
            eq(list(p.game_scenes), [], "%s.%s game_scenes" % (s.name, p.name))


@test
def all_documentation_is_xml():
    n = 0
    for s in services().services:
        docs = [(s.name, s.documentation)]
        docs += [("%s.%s" % (s.name, p.name), p.documentation) for p in s.procedures]
        docs += [("%s.%s" % (s.name, c.name), c.documentation) for c in s.classes]
        for e in s.enumerations:
            docs.append(("%s.%s" % (s.name, e.name), e.documentation))
            docs += [("%s.%s.%s" % (s.name, e.name, v.name), v.documentation) for v in e.values]
        docs += [("%s.%s" % (s.name, x.name), x.documentation) for x in s.exceptions]
        for st in s.structs:
            docs.append(("%s.%s" % (s.name, st.name), st.documentation))
            docs += [("%s.%s.%s" % (s.name, st.name, f.name), f.documentation) for f in st.fields]
        for what, doc in docs:
            if check_doc_xml(doc, what) is not None:
                n += 1
        # deprecation reasons are plain text with optional <see /> markup
        for p in s.procedures:
            if p.deprecated_reason:
                ET.fromstring("<r>%s</r>" % p.deprecated_reason)
    check(n > 100, "documented members found: %d" % n)


@test
def krpc_every_member_documented():
    """krpc-service.md: every KRPC member is documented in the reference."""
    k = service("KRPC")
    for p in k.procedures:
        check(p.documentation != "", "KRPC.%s documented" % p.name)


@test
def procedure_ids_reach_the_listed_procedure():
    """Calling by id with bogus names reaches the procedure listed at that position:
    a missing required argument names it (semantics.md 8.3, 4.3)."""
    with Server() as srv:
        c = Client(srv)
        for svc_name, svc_id in (("TestService", 9999), ("KRPC", 1), ("Benchmark", 9998)):
            s = service(svc_name)
            checked = 0
            for i, p in enumerate(s.procedures):
                required = [q for q in p.parameters if not q.has_default_value and q.name != "this"]
                if not required:
                    continue
                r = c.request(make_call("Bogus", "Bogus", service_id=svc_id, procedure_id=i + 1)).results[0]
                check(r.HasField("error"), "%s id %d answers an error" % (svc_name, i + 1))
                check(r.error.description.startswith("Argument not specified for parameter ")
                      and r.error.description.endswith(" in %s.%s" % (svc_name, p.name)),
                      "%s id %d: %r (expected %s)" % (svc_name, i + 1, r.error.description, p.name))
                checked += 1
            check(checked > 0, "checked some of %s" % svc_name)
            r = c.request(make_call("", "", service_id=svc_id, procedure_id=len(s.procedures) + 1)).results[0]
            eq(r.error.description, "Procedure with id %d not found" % (len(s.procedures) + 1),
               "%s: one past the last id" % svc_name)


@test
def services_message_is_canonical():
    """Re-serializing the parsed Services gives the same bytes (semantics.md 8.1)."""
    with Server() as srv:
        c = Client(srv)
        raw = c.value("KRPC", "GetServices")
        s = pb.Services()
        s.ParseFromString(raw)
        eq(s.SerializeToString(deterministic=True), raw, "canonical encoding")
        # the same bytes for a second client
        d = Client(srv, name="other")
        eq(d.value("KRPC", "GetServices"), raw, "stable")


@test
def null_default_wire_bytes():
    """wire.md 7.8 byte for byte: OptionalArguments' y and obj, EmptyListDefault's x."""
    procs = {p.name: p for p in service("TestService").procedures}
    y = procs["OptionalArguments"].parameters[1]
    eq(y.SerializeToString().hex(), "0a0179120208081a0403666f6f2801", "y: string = \"foo\"")
    x = procs["EmptyListDefault"].parameters[0]
    eq(x.SerializeToString().hex(), "0a0178120708ad0222020808" + "2801", "x: list<string> = []")
    req = procs["Int32ToString"].parameters[0]
    eq(req.SerializeToString().hex(), "0a0576616c756512020803", "required sint32")
    obj = procs["OptionalArguments"].parameters[3]
    check(obj.nullable and obj.has_default_value and obj.default_value_is_null, "obj: null default flags")


if __name__ == "__main__":
    run_tests()

#!/usr/bin/env python3
"""Write the seed corpora of tests/fuzz/corpus/<target>/ from the spec's worked
examples (wire.md, transports.md) and the conformance vectors recorded from the
reference server (../shared/conformance/vectors). Files are named by the SHA-1
of their content, as libFuzzer names what it finds, so running this again only
adds files. Usage: make_corpus.py [--shared DIR] [--out DIR]
"""
import argparse
import hashlib
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
KNOWN_ID = bytes.fromhex("8f3c7a129b44e14da05c31770e2a6bd9")  # fuzz_handshake.c's connected client


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def expand(template):
    """A conformance 'send' template as bytes: (..) is a length-prefixed group,
    {{client_id}} the known client id, any other variable the varint 1."""
    pos = 0

    def group(end):
        nonlocal pos
        out = bytearray()
        while pos < len(template):
            c = template[pos]
            if c == ")":
                pos += 1
                return bytes(out)
            if c == "(":
                pos += 1
                inner = group(")")
                out += varint(len(inner)) + inner
            elif template.startswith("{{", pos):
                close = template.index("}}", pos)
                name = template[pos + 2:close]
                pos = close + 2
                if name == "client_id":
                    out += KNOWN_ID
                elif name.endswith("|b64"):
                    import base64
                    out += base64.b64encode(KNOWN_ID)
                else:
                    out += varint(1)
            elif c.isspace():
                pos += 1
            else:
                out += bytes.fromhex(template[pos:pos + 2])
                pos += 2
        return bytes(out)

    return group(None)


def unframe(data):
    """Split varint-framed bytes into messages (None if they are not)."""
    msgs = []
    i = 0
    while i < len(data):
        n = shift = 0
        while True:
            if i >= len(data):
                return None
            c = data[i]
            i += 1
            n |= (c & 0x7F) << shift
            shift += 7
            if not c & 0x80:
                break
        if i + n > len(data):
            return None
        msgs.append(data[i:i + n])
        i += n
    return msgs


class Corpus:
    def __init__(self, out):
        self.out = out
        self.count = {}

    def add(self, target, data):
        d = os.path.join(self.out, target)
        os.makedirs(d, exist_ok=True)
        path = os.path.join(d, hashlib.sha1(data).hexdigest())
        if not os.path.exists(path):
            with open(path, "wb") as f:
                f.write(data)
            self.count[target] = self.count.get(target, 0) + 1


def from_vectors(corpus, shared):
    vdir = os.path.join(shared, "conformance", "vectors")
    if not os.path.isdir(vdir):
        print("no conformance vectors at %s; only the spec examples" % vdir, file=sys.stderr)
        return
    for name in sorted(os.listdir(vdir)):
        if not name.endswith(".jsonl"):
            continue
        for line in open(os.path.join(vdir, name)):
            case = json.loads(line)
            sends = {}
            ws = {}
            for step in case["steps"]:
                if "send" in step:
                    try:
                        data = expand(step["send"])
                    except (ValueError, IndexError):
                        continue
                    sends.setdefault(step["conn"], []).append(data)
                    ws.setdefault(step["conn"], []).append(data)
                if "send_frame" in step:
                    ws.setdefault(step["conn"], []).append(
                        websocket_frame(step.get("opcode", 2), expand(step["send_frame"])))
            if case.get("transport") == "websocket":
                for conn, chunks in ws.items():
                    corpus_ws(corpus, conn.startswith("s"), b"".join(chunks))
                continue
            for conn, data in sends.items():
                stream = conn.startswith("s")
                whole = b"".join(data)
                # handshake: flags bit 0 = stream port; once whole, once byte by byte
                corpus.add("handshake", bytes([1 if stream else 0]) + whole)
                corpus.add("handshake", bytes([(1 if stream else 0) | (1 << 1)]) + whole)
                if stream or len(data) < 2:
                    continue
                rest = b"".join(data[1:])
                # request, raw mode (bit 0) with three updates after it (bits 1-2)
                corpus.add("request", b"\x07" + rest)
                for msg in unframe(rest) or []:
                    corpus.add("request", b"\x06" + msg)
                    corpus.add("framing", b"\xff" + varint(len(msg)) + msg)


def websocket_frame(opcode, payload, key=bytes.fromhex("37fa213d")):
    n = len(payload)
    head = bytes([0x80 | opcode])
    if n < 126:
        head += bytes([0x80 | n])
    elif n < 65536:
        head += bytes([0x80 | 126]) + n.to_bytes(2, "big")
    else:
        head += bytes([0x80 | 127]) + n.to_bytes(8, "big")
    return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


def corpus_ws(corpus, stream, data):
    if not os.path.exists(os.path.join(HERE, "fuzz_websocket.c")) or not data:
        return
    corpus.add("websocket", bytes([1 if stream else 0]) + data)
    corpus.add("websocket", bytes([(1 if stream else 0) | (5 << 1)]) + data)  # in reads of 5 bytes


UPGRADE = ("GET /%s HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")


def from_spec_ws(corpus):
    rpc = UPGRADE % "?name=jeb%20k" 
    get_status = bytes.fromhex("0a110a044b5250431209476574537461747573")
    frames = [
        websocket_frame(2, get_status),
        websocket_frame(9, b"ping"),
        # GetStatus in two fragments with a ping between them
        websocket_frame(2, get_status[:7])[:1].replace(b"\x82", b"\x02") + websocket_frame(2, get_status[:7])[1:],
        websocket_frame(9, b""),
        websocket_frame(0, get_status[7:]),
        websocket_frame(8, b"\x03\xe8bye"),
    ]
    corpus_ws(corpus, False, rpc.encode() + b"".join(frames))
    corpus_ws(corpus, False, rpc.encode() + websocket_frame(1, b"text"))
    corpus_ws(corpus, False, rpc.encode() + bytes.fromhex("829337fa213d3deb2b397ca8717e25f3665843a9555c438f52"))
    corpus_ws(corpus, True, (UPGRADE % "?id=jzx6EptE4U2gXDF3Dipr2Q==").encode())
    corpus_ws(corpus, True, (UPGRADE % "?x=1&id=jzx6EptE4U2gXDF3Dipr2Q%3D%3D&y=2").encode())
    corpus_ws(corpus, False, b"POST / HTTP/1.1\r\nHost: x\r\n\r\n")


def from_spec(corpus):
    # transports.md 1.3-1.4: handshakes
    corpus.add("handshake", b"\x00" + bytes.fromhex("0512034a6562"))
    corpus.add("handshake", b"\x00" + b"\x00")
    corpus.add("handshake", b"\x00" + bytes.fromhex("03ffffff"))
    corpus.add("handshake", b"\x20" + bytes.fromhex("ffffffff0f"))
    corpus.add("handshake", b"\x01" + bytes.fromhex("1408011a10") + KNOWN_ID)
    corpus.add("handshake", b"\x01" + bytes.fromhex("0408011a00"))
    # the handshake with a pipelined GetStatus (wire.md 7.1)
    get_status = bytes.fromhex("0a110a044b5250431209476574537461747573")
    corpus.add("handshake", b"\x00" + bytes.fromhex("0512034a6562") + varint(len(get_status)) + get_status)

    # wire.md 7: requests
    requests = [
        "0a110a044b5250431209476574537461747573",
        "0a210a0b5465737453657276696365120d496e743332546f537472696e671a03120154",
        "0a0d1a061204d00f4940208f4e2801",
        "0a210a0b5465737453657276696365120e4563686f546573744f626a6563741a021801",
        "0a380a044b525043120941646453747265616d1a1e121c0a0b5465737453657276696365120743"
        "6f756e7465721a04120201781a050801120100",
        "0a180a044b525043120b537461727453747265616d1a03120103",
    ]
    for hexreq in requests:
        body = bytes.fromhex(hexreq)
        corpus.add("request", b"\x06" + body)
        corpus.add("framing", b"\xff" + varint(len(body)) + body)
    corpus.add("framing", b"\x10" + bytes.fromhex("ffffffffff01"))
    corpus.add("framing", b"\x80" + bytes.fromhex("8080808000"))
    corpus.add("framing", b"\xff" + bytes.fromhex("ffffffff0f"))
    corpus.add("framing", b"\x05" + bytes.fromhex("06") + b"\x00" * 6)


# wire.md 3: (type, value) examples for fuzz_values (type by its spec string)
VALUE_EXAMPLES = [
    ("double", "6e861bf0f9210940"), ("double", "000000000000f8ff"), ("float", "d00f4940"),
    ("float", "0000c0ff"), ("sint32", "feffffff0f"), ("sint32", "ffffffffffffffffff01"),
    ("sint64", "ffffffffffffffffff01"), ("uint32", "ac02"), ("uint64", "ffffffffffffffffff01"),
    ("bool", "01"), ("string", "036a6562"), ("string", "03e284a2"), ("string", "03ff80c0"),
    ("bytes", "04deadbeef"), ("TestClass", "01"), ("TestClass", "03"), ("TestClass", "00"),
    ("TestClass", "c0843d"), ("TestEnum", "04"), ("TestEnum", "01"),
    ("TestStruct", "0a01540a04036a65620a01020a090a01020a01040a0106"),
    ("TestStruct", "0a0154"),
    ("TestNestedStruct", "0a190a01540a04036a65620a01020a090a01020a01040a01060a0100"),
    ("tuple(sint32,bool)", "0a01020a0100"),
    ("list(sint32)", "0a01020a01040a0106"), ("list(string)", "0a0403666f6f0a0403626172"),
    ("set(sint32)", "0a01020a01020a0104"),
    ("dict(string,list(sint32))", "0a0c0a02016112060a01000a0102"),
    ("dict(string,sint32)", "0a050a0201611200"),
    ("list(list(list(string)))", "0a060a040a020100"),
    ("list(TestClass)", "0a01010a0102"), ("dict(string,TestClass)", "0a050a0201611201"),
    ("procedure_call", "0a0b5465737453657276696365120743"
                       "6f756e7465721a0412020178"),
    ("list(procedure_call)", "0a0a0a044b5250431202"),
    ("status", "0a05302e372e3010d20948904e5001580160e807"),
    ("list(list(list(list(list(list(list(list(sint32))))))))",
     "0a0e0a0c0a0a0a080a060a040a020a00"),
]


def from_values(corpus):
    src = open(os.path.join(HERE, "fuzz_values.c")).read()
    table = src[src.index("specs[] = {"):src.index("};", src.index("specs[] = {"))]
    specs = re.findall(r'"([^"]+)"', table)
    for spec, hexval in VALUE_EXAMPLES:
        corpus.add("values", bytes([specs.index(spec)]) + bytes.fromhex(hexval))
    for i in range(len(specs)):
        corpus.add("values", bytes([i]))  # the empty encoding of each type


def from_config(corpus):
    example = os.path.join(HERE, "..", "..", "config", "krpc.yaml")
    if os.path.exists(example):
        corpus.add("config", open(example, "rb").read())
    for text in [
        "", "tick_rate: 0\n", "servers:\n  - protocol: protobuf\n    rpc_port: 0\n    stream_port: 0\n",
        "limits: {max_message_size: 16, max_clients: 1}\n",
        "connection_policy:\n  mode: allowlist\n  allow: [127.0.0.1, '::1']\n",
        "plugins:\n  load:\n    - path: x.so\n      options: {a: b}\n",
        "a: &x [1, 2]\nb: *x\n", "scheduler:\n  max_time_per_update: 99999999999\n",
        "logging: {level: debug, requests: true}\ngame_scene: Flight\n",
    ]:
        corpus.add("config", text.encode())
    for args in [
        "--rpc-port\n0\n--stream-port\n0\n--tick-rate\n0", "--max-message-size\n16\n--allow\n::1",
        "--bind\n0.0.0.0\n--debug\n--no-frame-pacing", "--max-send-buffer=65536\n--plugin\nx.so",
        "-v", "--help", "--game-scene\nEditorVAB\n--quiet",
    ]:
        corpus.add("config", b"A" + args.encode())


def call_bytes(service, procedure, *args):
    """A ProcedureCall message, written by hand (no protobuf module needed)."""
    service = service.encode() if isinstance(service, str) else service
    procedure = procedure.encode() if isinstance(procedure, str) else procedure
    out = b"\x0a" + varint(len(service)) + service + b"\x12" + varint(len(procedure)) + procedure
    for i, a in enumerate(args):
        arg = (b"\x08" + varint(i) if i else b"") + b"\x12" + varint(len(a)) + a
        out += b"\x1a" + varint(len(arg)) + arg
    return out


def request_bytes(*calls):
    return b"".join(b"\x0a" + varint(len(c)) + c for c in calls)


def from_spec_serial(corpus):
    """transports.md 4.3-4.4: the multiplexed handshake, a call, a reconnect."""
    if not os.path.exists(os.path.join(HERE, "fuzz_serial.c")):
        return
    def mux(field, msg):
        inner = bytes([field << 3 | 2]) + varint(len(msg)) + msg
        return varint(len(inner)) + inner
    hello = mux(1, b"\x12\x03Jeb")
    get_status = bytes.fromhex("0a110a044b5250431209476574537461747573")
    counter = call_bytes("TestService", "Counter", b"\x01x")
    stream = call_bytes("KRPC", "AddStream", counter, b"\x01")
    seeds = [
        hello,
        hello + mux(2, get_status),
        hello + mux(2, request_bytes(stream)) + mux(2, get_status),
        hello + mux(2, get_status) + hello + mux(2, get_status),            # reconnect
        mux(1, b"\x08\x01"),                                               # STREAM type
        mux(2, get_status),                                                 # no connection_request
        bytes.fromhex("03ffffff") + hello,                                  # garbage, then a handshake
        bytes.fromhex("ffffffffff01") + hello,
        hello + mux(2, request_bytes(call_bytes("TestService", "BlockingProcedure", b"\x04"))),
        hello + bytes.fromhex("0412020aff"),                               # a Request that does not parse
    ]
    for s in seeds:
        corpus.add("serial", b"\x00" + s)
        corpus.add("serial", bytes([3 << 1]) + s)
    corpus.add("serial", b"\x20" + hello[:3])


def from_findings(corpus):
    """Inputs of the findings of tests/fuzz/README.md, kept as regressions."""
    framed = lambda *reqs: b"".join(varint(len(r)) + r for r in reqs)  # noqa: E731
    # F1: an empty collection argument (protobuf-c: value.data NULL)
    corpus.add("request", b"\x06" + request_bytes(call_bytes("TestService", "IncrementList", b"")))
    # F2: an object of another class (an Expression) inside a list(TestClass);
    # fuzz_request has made objects 1-3, so the expression is object 4
    corpus.add("request", b"\x07" + framed(
        request_bytes(call_bytes("KRPC", "Expression_static_ConstantInt", b"\x02")),
        request_bytes(call_bytes("TestService", "AddToObjectList", b"\x0a\x01\x04", b"\x01x"))))
    # F4: procedure calls nested 40 deep (AddStream of AddStream of ...)
    inner = call_bytes("TestService", "Int32ToString", b"\x02")
    for _ in range(40):
        inner = call_bytes("KRPC", "AddStream", inner)
    corpus.add("request", b"\x06" + request_bytes(inner))
    # F5: names that are not UTF-8, in a lookup error and as a client name
    corpus.add("request", b"\x06" + request_bytes(call_bytes("TestService", b"\xc0")))
    corpus.add("handshake", b"\x00" + framed(b"\x12\x03a\xffb", request_bytes(call_bytes("KRPC", "GetClientName"))))
    # F3: a set holding 2 twice, once as a 10-byte varint
    src = open(os.path.join(HERE, "fuzz_values.c")).read()
    table = src[src.index("specs[] = {"):src.index("};", src.index("specs[] = {"))]
    specs = re.findall(r'"([^"]+)"', table)
    corpus.add("values", bytes([specs.index("set(sint32)")]) + bytes.fromhex("0a01040a0a84808080808080808000"))
    # ... and its other forms: bool 1 and 2 as dictionary keys, two invalid
    # strings that both become U+FFFD, a sint32 past 32 bits, a set in a
    # dictionary's value; and over a connection, the robustness test's case
    item = lambda v: b"\x0a" + varint(len(v)) + v  # noqa: E731
    entry = lambda k, v: item(item(k) + b"\x12" + varint(len(v)) + v)  # noqa: E731
    corpus.add("values", bytes([specs.index("dict(bool,bytes)")]) + entry(b"\x01", b"\x01a") + entry(b"\x02", b"\x01b"))
    corpus.add("values", bytes([specs.index("set(string)")]) + item(b"\x01\xff") + item(b"\x01\xfe") + item(b"\x03\xef\xbf\xbd"))
    corpus.add("values", bytes([specs.index("dict(string,sint32)")]) + entry(b"\x01\xc0", b"\x02") + entry(b"\x01\xc1", b"\x04"))
    corpus.add("values", bytes([specs.index("set(sint32)")]) + item(b"\x04") + item(b"\x84\x80\x80\x80\x10"))
    corpus.add("values", bytes([specs.index("dict(sint64,set(TestEnum))")]) +
               entry(b"\x02", item(b"\x02") + item(b"\x82\x80\x00")) + entry(b"\x82\x00", item(b"\x04")))
    corpus.add("request", b"\x06" + request_bytes(call_bytes("TestService", "SetDefault",
                                                              item(b"\x04") + item(b"\x84" + b"\x80" * 8 + b"\x00"))))
    # F6, F7: a Close with a code; an empty first text fragment
    rpc = (UPGRADE % "").encode()
    corpus_ws(corpus, False, rpc + websocket_frame(8, b"\x03\xe8"))
    corpus_ws(corpus, False, rpc + bytes([0x01, 0x80]) + b"\x37\xfa\x21\x3d" + websocket_frame(0, b"x"))


def dict_entry(b):
    return '"' + "".join(chr(c) if 32 <= c < 127 and chr(c) not in '"\\' else "\\x%02x" % c for c in b) + '"'


def write_dicts(shared, out_dir):
    """libFuzzer dictionaries (run.sh passes tests/fuzz/<target>.dict): the
    names requests use, as the protobuf fields that carry them, and the
    words of the WebSocket upgrade and of the configuration."""
    names = set()
    ref = os.path.join(shared, "reference")
    for svc_file, svc in (("TestService.json", "TestService"), ("KRPC.json", "KRPC")):
        path = os.path.join(ref, svc_file)
        if not os.path.exists(path):
            continue
        d = json.load(open(path))[svc]
        names.add((1, svc))
        for p in d.get("procedures", {}):
            names.add((2, p))
    words = sorted(dict_entry(bytes([f << 3 | 2]) + varint(len(n)) + n.encode()) for f, n in names)
    if words:
        for target in ("request", "handshake", "serial"):
            with open(os.path.join(out_dir, target + ".dict"), "w") as f:
                f.write("# generated by make_corpus.py: service and procedure names as ProcedureCall fields\n")
                f.write("\n".join(words) + "\n")
    ws = ["GET", "HTTP/1.1", "\r\n", "\r\n\r\n", "Host:", "Upgrade: websocket", "Connection: Upgrade",
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13", "?name=", "?id=",
          "jzx6EptE4U2gXDF3Dipr2Q==", "Origin:", "%", "&", "=", "keep-alive", "\x82", "\x88", "\x89", "\x8a",
          "\x80", "\x7e", "\x7f", "\x37\xfa\x21\x3d"]
    with open(os.path.join(out_dir, "websocket.dict"), "w") as f:
        f.write("# generated by make_corpus.py: the upgrade's words and frame bytes\n")
        f.write("\n".join(dict_entry(w.encode("latin-1")) for w in ws) + "\n")
    yaml = os.path.join(HERE, "..", "..", "config", "krpc.yaml")
    if os.path.exists(yaml):
        keys = sorted(set(re.findall(r"^\s*-?\s*([a-z_]+):", open(yaml).read(), re.M)))
        with open(os.path.join(out_dir, "config.dict"), "w") as f:
            f.write("# generated by make_corpus.py: the configuration's keys\n")
            f.write("\n".join(dict_entry((k + ":").encode()) for k in keys) + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=os.path.join(HERE, "..", "..", "..", "shared"))
    ap.add_argument("--out", default=os.path.join(HERE, "corpus"))
    opts = ap.parse_args()
    corpus = Corpus(opts.out)
    from_spec(corpus)
    from_spec_ws(corpus)
    from_vectors(corpus, opts.shared)
    from_values(corpus)
    from_config(corpus)
    from_findings(corpus)
    from_spec_serial(corpus)
    write_dicts(opts.shared, HERE)
    for target, n in sorted(corpus.count.items()):
        print("%s: %d new" % (target, n))


if __name__ == "__main__":
    main()

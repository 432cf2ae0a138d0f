#!/usr/bin/env python3
"""Replay the golden vectors of ../shared/conformance against a freshly started
krpc-server (the test server's configuration: 60 updates/s, adaptive rate
control, TestService loaded). Prints the replay's own "N passed, N failed"."""
import argparse
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from krpctest import Server  # noqa: E402
import krpctest  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--server", required=True)
ap.add_argument("--plugin", action="append", default=[])
ap.add_argument("--shared", required=True)
opts = ap.parse_args()
replay = os.path.join(opts.shared, "conformance", "replay.py")
if not os.path.exists(replay):
    print("no conformance vectors at %s" % opts.shared)
    sys.exit(77)  # skipped
krpctest.OPTIONS = opts
vectors = sorted(os.path.join(opts.shared, "conformance", "vectors", f)
                 for f in os.listdir(os.path.join(opts.shared, "conformance", "vectors"))
                 if f.endswith(".jsonl"))
# the TCP endpoint and a WebSocket one, so the websocket cases run too
config = tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False)
config.write("servers:\n"
             "  - {protocol: protobuf, rpc_port: 0, stream_port: 0}\n"
             "  - {protocol: websockets, rpc_port: 0, stream_port: 0}\n")
config.close()
try:
    srv = Server("--config", config.name)
finally:
    os.unlink(config.name)
# each endpoint prints its ports, in order: TCP first, then WebSockets
ports = [int(line.split(" = ", 1)[1]) for line in srv.output.decode().splitlines()
         if line.startswith(("rpc_port = ", "stream_port = "))]
try:
    r = subprocess.run([sys.executable, replay, "--host", "127.0.0.1",
                        "--rpc-port", str(ports[0]), "--stream-port", str(ports[1]),
                        "--ws-rpc-port", str(ports[2]), "--ws-stream-port", str(ports[3]),
                        "--fresh-server"] + vectors)
finally:
    code, err = srv.stop()
if code != 0:
    print("server exited with %d: %s" % (code, err[-2000:]))
    sys.exit(1)
sys.exit(r.returncode)

#!/usr/bin/env python3
"""Replay the golden vectors of ../shared/conformance against a freshly started
krpc-server (the test server's configuration: 60 updates/s, adaptive rate
control, TestService loaded). Prints the replay's own "N passed, N failed"."""
import argparse
import os
import subprocess
import sys

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
srv = Server()
try:
    r = subprocess.run([sys.executable, replay, "--host", "127.0.0.1",
                        "--rpc-port", str(srv.rpc_port), "--stream-port", str(srv.stream_port),
                        "--fresh-server"] + vectors)
finally:
    code, err = srv.stop()
if code != 0:
    print("server exited with %d: %s" % (code, err[-2000:]))
    sys.exit(1)
sys.exit(r.returncode)

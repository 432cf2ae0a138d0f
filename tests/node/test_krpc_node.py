"""krpc-node 4.0.2 (the npm package) against our WebSocket server (issue 5).

Installs krpc-node with npm into --install-dir once (reused while it holds
4.0.2), starts the real server with a TCP and a WebSocket endpoint on port 0,
and runs krpc_node_client.js against the WebSocket one. Over TCP this checks
that the Node client is listed in KRPC.Clients while connected and gone after
its disconnect, and that the server exits cleanly. npm must reach the registry:
without it this fails (CI has it), it does not skip.
"""
import argparse
import base64
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
import types

import krpctest
from krpctest import Client, check, clients_of, eq, pb

KRPC_NODE_VERSION = "4.0.2"
HERE = os.path.dirname(os.path.abspath(__file__))

passed = 0
failed = 0


def record(ok, what):
    global passed, failed
    if ok:
        passed += 1
        print("ok   " + what, flush=True)
    else:
        failed += 1
        print("FAIL " + what, flush=True)
    return ok


def installed_version(directory):
    try:
        with open(os.path.join(directory, "node_modules", "krpc-node", "package.json")) as f:
            return json.load(f).get("version")
    except (OSError, ValueError):
        return None


def install(directory):
    """krpc-node into directory/node_modules, unless it is there already. Built
    beside it and renamed into place, so an interrupted install is not reused."""
    if installed_version(directory) == KRPC_NODE_VERSION:
        return "reused"
    npm = shutil.which("npm")
    check(npm is not None, "npm not found (tools/setup.sh installs it)")
    parent = os.path.dirname(os.path.abspath(directory))
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=os.path.basename(directory) + ".tmp-", dir=parent)
    try:
        with open(os.path.join(tmp, "package.json"), "w") as f:
            json.dump({"private": True, "dependencies": {"krpc-node": KRPC_NODE_VERSION}}, f)
        # --ignore-scripts: nothing of the dependency tree runs at install time
        r = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--ignore-scripts",
                            "--no-package-lock", "--no-update-notifier"],
                           cwd=tmp, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=480)
        check(r.returncode == 0, "npm install krpc-node@%s failed (%d):\n%s"
              % (KRPC_NODE_VERSION, r.returncode, r.stdout.decode(errors="replace")[-3000:]))
        eq(installed_version(tmp), KRPC_NODE_VERSION, "installed krpc-node")
        shutil.rmtree(directory, ignore_errors=True)
        os.rename(tmp, directory)
        tmp = None
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    return "installed"


def endpoints(output):
    """The start-up lines, one dict per `type = ...`."""
    eps = []
    for line in output.decode().splitlines():
        if " = " in line:
            k, v = line.split(" = ", 1)
            if k == "type":
                eps.append({"type": v})
            elif eps:
                eps[-1][k] = v
    return eps



class Lines:
    """The Node script's output, a line at a time, with a deadline."""

    def __init__(self, proc):
        self.proc = proc
        self.buf = b""
        self.all = []

    def next(self, timeout):
        deadline = time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        while b"\n" not in self.buf:
            remaining = deadline - time.monotonic()
            check(remaining > 0, "the Node script said nothing for %d s" % timeout)
            ready, _, _ = select.select([fd], [], [], remaining)
            if ready:
                chunk = os.read(fd, 4096)
                if not chunk:
                    return None
                self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        line = line.decode(errors="replace")
        self.all.append(line)
        print("node: " + line, flush=True)
        return line


def run(opts):
    how = install(opts.install_dir)
    record(True, "krpc-node %s %s in %s" % (KRPC_NODE_VERSION, how, opts.install_dir))

    fd, config = tempfile.mkstemp(suffix=".yaml")
    os.write(fd, b"servers:\n"
                 b"  - {protocol: protobuf, rpc_port: 0, stream_port: 0}\n"
                 b"  - {protocol: websockets, rpc_port: 0, stream_port: 0}\n")
    os.close(fd)
    try:
        srv = krpctest.Server("--config", config)
    finally:
        os.unlink(config)
    try:
        eps = endpoints(srv.output)
        eq([e["type"] for e in eps], ["protobuf", "websockets"], "endpoints")
        tcp = Client(types.SimpleNamespace(rpc_port=int(eps[0]["rpc_port"]),
                                           stream_port=int(eps[0]["stream_port"])), name="observer")
        status = pb.Status()
        status.ParseFromString(tcp.value("KRPC", "GetStatus"))
        node = subprocess.Popen([opts.node, os.path.join(HERE, "krpc_node_client.js"), opts.install_dir,
                                 eps[1]["rpc_port"], eps[1]["stream_port"], status.version],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            out = Lines(node)
            line = out.next(30)
            while line is not None and not line.startswith("client "):
                line = out.next(30)
            check(line is not None, "the Node script ended before its client was connected")
            node_id = base64.b64decode(line.split(" ", 1)[1])
            listed = clients_of(tcp)
            record((node_id, "", "127.0.0.1") in listed,
                   "the krpc-node client is in KRPC.Clients: %r" % (listed,))
            node.stdin.write(b"go\n")
            node.stdin.flush()
            while out.next(30) is not None:
                pass
            code = node.wait(timeout=30)
        finally:
            if node.poll() is None:
                node.kill()
                node.wait()
        counts = [l for l in out.all if l and l[0].isdigit() and " passed, " in l]
        check(counts, "the Node script printed no counts (exit %d)" % code)
        p, f = (int(x.split()[0]) for x in counts[-1].split(", "))
        global passed, failed
        passed += p
        failed += f
        record(code == 0 and f == 0, "the Node script exits 0 (%d)" % code)
        # both Node clients are gone from the server, only the observer is left
        deadline = time.monotonic() + 5
        while True:
            left = clients_of(tcp)
            if [name for _, name, _ in left] == ["observer"] or time.monotonic() > deadline:
                break
            time.sleep(0.02)
        record([name for _, name, _ in left] == ["observer"], "after the disconnects KRPC.Clients is %r" % (left,))
        tcp.close()
    finally:
        code, err = srv.stop()
    record(code == 0, "the server exits 0 (%d)%s" % (code, "" if code == 0 else ": " + err[-2000:]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", required=True)
    ap.add_argument("--plugin", action="append", default=[])
    ap.add_argument("--install-dir", required=True)
    ap.add_argument("--node", default=shutil.which("node") or "node")
    opts = ap.parse_args()
    krpctest.OPTIONS = opts
    try:
        run(opts)
    except Exception as e:  # a failed check or an unexpected error ends the run
        record(False, str(e) if isinstance(e, krpctest.CheckFailed) else repr(e))
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

"""The status page, /status.json and /metrics (issue 8), fetched over HTTP while
clients work; and once in headless Chromium, that the page renders and updates."""
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

from krpctest import Client, Server, check, enc_sint32, eq, make_call, run_tests, test


def start():
    srv = Server("--status-page", "--status-port", "0")
    srv.status_port = int(srv.values["status_port"])
    return srv


def get(srv, path):
    with urllib.request.urlopen("http://127.0.0.1:%d%s" % (srv.status_port, path), timeout=5) as r:
        return r.status, r.headers.get("Content-Type"), r.read().decode()


def status(srv):
    return json.loads(get(srv, "/status.json")[2])


def metrics(srv):
    out = {}
    for line in get(srv, "/metrics")[2].splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            out[name] = float(value)
    return out


@test
def off_by_default():
    with Server() as srv:
        check("status_port" not in srv.values, "no status page unless asked")


@test
def status_json_shows_clients_and_counts():
    with start() as srv:
        a = Client(srv, name="alpha")
        b = Client(srv, name="beta", stream=True)
        for i in range(7):
            a.value("TestService", "Int32ToString", enc_sint32(i))
        b.value("KRPC", "AddStream", make_call("TestService", "Counter").SerializeToString(), b"\x01")
        s = status(srv)
        eq(s["version"], "0.7.0", "version")
        eq([(c["name"], c["address"], c["transport"]) for c in s["clients"]],
           [("alpha", "127.0.0.1", "protobuf"), ("beta", "127.0.0.1", "protobuf")], "clients")
        eq(s["clients"][0]["rpcs"], 7, "alpha's calls")
        eq(s["clients"][1]["streams"], 1, "beta's streams")
        eq(s["clients"][1]["id"], b.id.hex(), "client id")
        eq(s["servers"][0]["rpc"], str(srv.rpc_port), "server listed")
        check(s["rpcs_executed"] >= 8 and s["bytes_read"] > 0 and s["updates"] > 0, "totals")
        # rates are smoothed: they show while a client keeps calling
        deadline = time.monotonic() + 3
        while True:
            a.value("TestService", "Int32ToString", enc_sint32(1))
            s = status(srv)
            if s["clients"][0]["rpc_rate"] > 0 and s["rpc_rate"] > 0 and s["stream_rpc_rate"] > 0:
                break
            check(time.monotonic() < deadline, "rates stay at zero")


@test
def metrics_in_prometheus_format():
    with start() as srv:
        a = Client(srv, name="gamma")
        for i in range(3):
            a.value("TestService", "Int32ToString", enc_sint32(i))
        code, ctype, text = get(srv, "/metrics")
        eq(code, 200, "status")
        check(ctype.startswith("text/plain"), ctype)
        check("# TYPE krpc_rpcs_executed_total counter" in text, "types declared")
        m = metrics(srv)
        eq(m["krpc_clients"], 1, "clients gauge")
        check(m["krpc_rpcs_executed_total"] >= 3, "rpcs counter")
        eq(m['krpc_client_rpcs_total{id="%s",name="gamma"}' % a.id.hex()], 3, "per-client counter")
        before = m["krpc_rpcs_executed_total"]
        a.value("TestService", "Int32ToString", enc_sint32(9))
        eq(metrics(srv)["krpc_rpcs_executed_total"], before + 1, "counts move")


@test
def operator_disconnects_a_client():
    with start() as srv:
        a = Client(srv, name="victim")
        b = Client(srv, name="bystander")
        req = urllib.request.Request("http://127.0.0.1:%d/clients/%s/disconnect" % (srv.status_port, a.id.hex()),
                                     method="POST")
        with urllib.request.urlopen(req, timeout=5) as r:
            eq(r.status, 200, "disconnect answered")
        check(a.rpc.closed_by_server(), "client closed")
        eq([c["name"] for c in status(srv)["clients"]], ["bystander"], "listed no more")
        b.value("TestService", "Int32ToString", enc_sint32(1))
        try:
            urllib.request.urlopen(urllib.request.Request(
                "http://127.0.0.1:%d/clients/%s/disconnect" % (srv.status_port, "00" * 16), method="POST"),
                timeout=5)
            check(False, "unknown client should be 404")
        except urllib.error.HTTPError as e:
            eq(e.code, 404, "unknown client")


@test
def page_renders_and_updates_in_chromium():
    browser = shutil.which("chromium")
    check(browser is not None, "chromium is not installed (tools/setup.sh installs it)")
    with start() as srv:
        a = Client(srv, name="browser-visible-client")
        a.value("TestService", "Int32ToString", enc_sint32(1))

        def dom():
            profile = tempfile.mkdtemp()
            try:
                r = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                                    "--no-first-run", "--disable-background-networking", "--disable-component-update",
                                    "--disable-sync", "--user-data-dir=" + profile, "--virtual-time-budget=3000",
                                    "--dump-dom", "http://127.0.0.1:%d/" % srv.status_port],
                                   capture_output=True, text=True, timeout=60)
                return r.stdout
            finally:
                shutil.rmtree(profile, ignore_errors=True)

        first = dom()
        check("browser-visible-client" in first, "the page lists the client")
        check("<table id=\"clients\">" in first.replace("<tbody>", "") or "browser-visible-client" in first,
              "rendered")
        b = Client(srv, name="second-visible-client")
        b.value("TestService", "Int32ToString", enc_sint32(2))
        second = dom()
        check("second-visible-client" in second, "the page shows a newly connected client")


if __name__ == "__main__":
    run_tests()

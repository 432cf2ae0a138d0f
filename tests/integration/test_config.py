"""Configuration (issue 8): the YAML file, its errors with line and column,
flags overriding the file, the connection policy and log levels."""
import os
import socket
import subprocess
import tempfile

import krpctest
from krpctest import Client, Conn, Server, check, dec_string, enc_sint32, eq, pb, run_tests, test

REPO = os.path.join(os.path.dirname(__file__), "..", "..")


def write(text):
    f = tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False)
    f.write(text)
    f.close()
    return f.name


def start_error(*args):
    """Run the server expecting it to refuse to start; returns stderr."""
    r = subprocess.run([krpctest.OPTIONS.server] + list(args), capture_output=True, text=True, timeout=10)
    check(r.returncode != 0, "the server should refuse to start")
    return r.stderr.strip()


def status(c):
    s = pb.Status()
    s.ParseFromString(c.value("KRPC", "GetStatus"))
    return s


@test
def example_file_runs():
    path = os.path.join(REPO, "config", "krpc.yaml")
    with Server("--config", path, "--rpc-port", "0", "--stream-port", "0") as srv:
        c = Client(srv)
        eq(dec_string(c.value("TestService", "Int32ToString", enc_sint32(7))), "7", "serves")


@test
def file_settings_apply():
    path = write("scheduler:\n  one_rpc_per_update: true\n  recv_timeout: 2500\n"
                 "limits:\n  max_clients: 1\n")
    with Server("--config", path) as srv:
        c = Client(srv)
        s = status(c)
        eq((s.one_rpc_per_update, s.recv_timeout), (True, 2500), "scheduler from the file")
        # max_clients: 1 refuses a second client with a message saying why
        c2 = Conn(srv.rpc_port)
        c2.send_msg(pb.ConnectionRequest(client_name="second"))
        r = c2.recv(pb.ConnectionResponse)
        check(r.status != pb.ConnectionResponse.OK, "second client refused")
        check("limit of 1 clients" in r.message, r.message)


@test
def flags_override_the_file():
    path = write("scheduler:\n  recv_timeout: 2500\n  blocking_recv: false\n")
    with Server("--config", path, "--recv-timeout", "1234") as srv:
        s = status(Client(srv))
        eq((s.recv_timeout, s.blocking_recv), (1234, False), "flag wins, file keeps the rest")
    # and the order of flags does not matter: the file is read first
    with Server("--recv-timeout=4321", "--config", path) as srv:
        eq(status(Client(srv)).recv_timeout, 4321, "flag before --config still wins")


@test
def config_errors_point_at_the_line():
    cases = [
        ("scheduler:\n  max_tim_per_update: 5\n", ":2:3: unknown key 'max_tim_per_update' in 'scheduler'"),
        ("bogus: 1\n", ":1:1: unknown key 'bogus'"),
        ("tick_rate: fast\n", ":1:12: 'tick_rate': expected a number from 0 to 10000, got 'fast'"),
        ("limits:\n  max_clients: -3\n", ":2:16: 'limits.max_clients': expected an integer"),
        ("scheduler:\n  blocking_recv: maybe\n", ":2:18: 'scheduler.blocking_recv': expected true or false"),
        ("servers:\n  - rpc_port: 70000\n", ":2:15: 'rpc_port': expected an integer from 0 to 65535"),
        ("servers:\n  - rpc_port: [1]\n", ":2:15: 'rpc_port' must be an integer"),
        ("servers: {}\n", ":1:10: 'servers' must be a list"),
        ("game_scene: Moon\n", ":1:13: 'game_scene': expected a game scene"),
        ("logging:\n  level: loud\n", ":2:10: 'logging.level': expected error, warning, info or debug"),
        ("connection_policy:\n  mode: allowlist\n", ":2:3: an allowlist policy needs 'allow'"),
        ("plugins:\n  load:\n    - {file: x}\n", ":3:8: unknown or malformed key 'file'"),
        ("a: [\n", ":2:1: did not find expected node content"),
        ("- 1\n- 2\n", ":1:1: the configuration must be a mapping"),
    ]
    for text, want in cases:
        path = write(text)
        err = start_error("--config", path)
        check(path + want in err, "for %r: %r does not contain %r" % (text, err, path + want))
    check("no-such-file.yaml: No such file" in start_error("--config", "/nonexistent/no-such-file.yaml"),
          "missing file")
    check("unknown option '--bogus-flag'" in start_error("--bogus-flag"), "unknown flag")
    check("--rpc-port: expected an integer from 0 to 65535, got 'x'" in start_error("--rpc-port", "x"), "bad flag")


@test
def policy_allowlist_refuses_and_accepts():
    with Server("--allow", "127.0.0.2") as srv:
        c = Conn(srv.rpc_port)
        c.send_msg(pb.ConnectionRequest(client_name="outsider"))
        r = c.recv(pb.ConnectionResponse)
        check(r.status != pb.ConnectionResponse.OK, "refused")
        check("not allowed" in r.message, r.message)
        check(c.closed_by_server(), "closed after the refusal")
        # the same server accepts a client from the allowed address
        s = socket.socket()
        s.bind(("127.0.0.2", 0))
        s.connect(("127.0.0.1", srv.rpc_port))
        conn = Conn.__new__(Conn)
        conn.sock, conn.buf = s, b""
        conn.send_msg(pb.ConnectionRequest(client_name="insider"))
        eq(conn.recv(pb.ConnectionResponse).status, pb.ConnectionResponse.OK, "allowed address accepted")
    path = write("connection_policy:\n  mode: allowlist\n  allow: [127.0.0.1]\n")
    with Server("--config", path) as srv:
        eq(dec_string(Client(srv).value("KRPC", "GetClientName")), "test", "file allowlist accepts")


@test
def log_levels():
    def run_and_log(*args):
        srv = Server(*args)
        c = Client(srv, name="logged")
        c.value("TestService", "Int32ToString", enc_sint32(1))
        c.close()
        code, err = srv.stop()
        eq(code, 0, "exit code")
        return err
    info = run_and_log()
    check("Info - Client 'logged' connected" in info, "info lines by default")
    check("Debug" not in info, "no debug lines by default")
    check(run_and_log("--quiet") == "", "--quiet prints nothing")
    dbg = run_and_log("--server-debug")
    check("Debug - Client 'logged': TestService.Int32ToString ok" in dbg, "per-RPC log")
    check("[testservice]" in dbg or "Loaded plugin 'testservice'" in dbg, "plugin named in lines")


@test
def plugin_options_reach_the_plugin():
    """plugins.load[].options are read by the plugin through the host API: the
    mock game takes its scenario from them."""
    plugin = os.environ.get("KRPC_SPACECENTER_PLUGIN")
    check(plugin and os.path.exists(plugin), "KRPC_SPACECENTER_PLUGIN names the mock game plugin")
    for scenario in ("LaunchIntoOrbit", "SubOrbitalFlight"):
        path = write("plugins:\n  load:\n    - path: %s\n      options: {scenario: %s}\n" % (plugin, scenario))
        with Server("--config", path, plugins=[]) as srv:
            c = Client(srv)
            vessel = c.value("SpaceCenter", "get_ActiveVessel")
            name = dec_string(c.value("SpaceCenter", "Vessel_get_Name", vessel))
            eq(name, scenario, "the scenario from the plugin options")
    # a scenario that does not exist: the plugin refuses to load, and says so
    path = write("plugins:\n  load:\n    - path: %s\n      options: {scenario: Nowhere}\n" % plugin)
    srv = Server("--config", path, plugins=[])
    code, err = srv.stop()
    check("Nowhere" in err and "refused" in err, "refusal logged: %r" % err[-500:])


if __name__ == "__main__":
    run_tests()

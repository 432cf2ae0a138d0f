"""Embedding, the plugin SDK and installation (issue 6), end to end:

- `meson install` into a temporary prefix puts headers, library, plugins,
  krpc-server, the default configuration, the plugin template, the guides and
  two pkg-config files in place;
- the installed template builds out of tree with pkg-config and only the
  installed files, and the *installed* krpc-server loads it and serves it;
- an embedding host (the example simulator's source) builds against the
  installed library with pkg-config and runs;
- the example simulator (its own physics loop, a static in-process service, a
  plugin from a file) runs a few hundred physics steps while a client streams
  its state and changes it, then shuts down telling the client;
- krpc-server's shutdown answers a call still in progress and closes in order.

The C tests of tests/embed/ cover the API in-process (two servers in one
process, paused/scene handlers, the host API of static plugins).
"""
import atexit
import glob
import os
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import time

import krpctest
from krpctest import (Client, CheckFailed, check, dec_string, dec_varint, enc_sint32, enc_string, eq,
                      make_call, pb, run_tests, test)

SOURCE = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def build_dir():
    # --server is <build>/server/krpc-server
    return os.path.dirname(os.path.dirname(os.path.abspath(krpctest.OPTIONS.server)))


def example_sim():
    return os.environ.get("KRPC_EXAMPLE_SIM") or os.path.join(build_dir(), "tools", "example-sim", "example-sim")


def launchcontrol_plugin():
    return os.path.join(build_dir(), "plugins", "krpc-launchcontrol.so")


# ---- values ------------------------------------------------------------------

def enc_double(x):
    return struct.pack("<d", x)


def dec_double(b):
    return struct.unpack("<d", b)[0]


def enc_float(x):
    return struct.pack("<f", x)


def dec_float(b):
    return struct.unpack("<f", b)[0]


def enc_bool(b):
    return b"\x01" if b else b"\x00"


def dec_uint(b):
    return dec_varint(b)[0] if b else 0


def dec_sint(b):
    n = dec_uint(b)
    return (n >> 1) ^ -(n & 1)


def error_of(client, service, procedure, *args):
    r = client.call(service, procedure, *args)
    check(r.HasField("error"), "%s.%s should fail" % (service, procedure))
    return r.error


# ---- processes -----------------------------------------------------------------

class Proc:
    """A program that prints `rpc_port = N`, `stream_port = N` and `Server
    started successfully` (krpc-server, example-sim), usable as a
    krpctest.Client's server."""

    def __init__(self, args, env=None, timeout=30):
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        self.output = b""
        deadline = time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        import select
        while b"Server started successfully\n" not in self.output:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.proc.kill()
                raise RuntimeError("did not start: %r" % self.output)
            ready, _, _ = select.select([fd], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(fd, 4096)
            if not chunk:
                err = self.proc.stderr.read().decode(errors="replace")
                raise RuntimeError("exited during start-up: %s" % err[-3000:])
            self.output += chunk
        values = dict(line.split(" = ", 1) for line in self.output.decode().splitlines() if " = " in line)
        self.rpc_port = int(values["rpc_port"])
        self.stream_port = int(values["stream_port"])

    def wait(self, timeout=30):
        """Wait for the program to end on its own; returns (code, stdout, stderr)."""
        try:
            out, err = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, err = self.proc.communicate()
        return self.proc.returncode, (self.output + out).decode(errors="replace"), err.decode(errors="replace")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.wait(10)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        code, _, err = self.stop()
        if exc[0] is None and code != 0:
            raise CheckFailed("exited with %d: %s" % (code, err[-2000:]))


def run(args, env=None, cwd=None):
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, cwd=cwd)
    if p.returncode != 0:
        raise CheckFailed("%s failed (%d):\n%s" % (" ".join(args), p.returncode, p.stdout.decode()[-4000:]))
    return p.stdout.decode()


# ---- the installed tree (built once, shared by the tests) -------------------------

_install = None


class Install:
    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="krpc-embed-")
        atexit.register(shutil.rmtree, self.tmp, True)
        self.prefix = os.path.join(self.tmp, "prefix")
        build = os.path.join(self.tmp, "build")
        meson = shutil.which("meson")
        check(meson is not None, "meson is on PATH")
        env = dict(os.environ)
        env.pop("MESON_TESTTHREADS", None)
        run([meson, "setup", "--prefix", self.prefix, build, SOURCE], env=env)
        run([meson, "compile", "-C", build], env=env)
        run([meson, "install", "-C", build, "--no-rebuild"], env=env)
        pcs = glob.glob(os.path.join(self.prefix, "**", "pkgconfig", "krpc-c.pc"), recursive=True)
        check(len(pcs) == 1, "one krpc-c.pc installed: %r" % pcs)
        self.pkgconfig_dir = os.path.dirname(pcs[0])
        self.libdir = os.path.dirname(self.pkgconfig_dir)
        self.plugin_dir = os.path.join(self.libdir, "krpc-c", "plugins")
        self.server = os.path.join(self.prefix, "bin", "krpc-server")
        # only the installed files: pkg-config finds them, the loader finds the library
        self.env = dict(os.environ)
        self.env["PKG_CONFIG_PATH"] = self.pkgconfig_dir
        self.env["LD_LIBRARY_PATH"] = self.libdir

    def pkg_config(self, *args):
        return run(["pkg-config"] + list(args), env=self.env).strip()


def installed():
    global _install
    if _install is None:
        _install = Install()
    return _install


# ---- install ---------------------------------------------------------------------

@test
def install_puts_everything_in_place():
    inst = installed()
    p = inst.prefix
    for f in ["include/krpc/plugin.h", "include/krpc/server.h", "bin/krpc-server",
              "share/krpc-c/plugin-template/my_plugin.c", "share/krpc-c/plugin-template/meson.build",
              "share/doc/krpc-c/plugin-guide.md", "share/doc/krpc-c/embedding-guide.md"]:
        check(os.path.isfile(os.path.join(p, f)), "installed: " + f)
    check(os.access(inst.server, os.X_OK), "krpc-server is executable")
    check(glob.glob(os.path.join(inst.libdir, "libkrpc-c.so*")), "the library")
    for plugin in ["krpc-launchcontrol.so", "krpc-testservice.so"]:
        check(os.path.isfile(os.path.join(inst.plugin_dir, plugin)), "plugin " + plugin)
    if os.path.isfile(os.path.join(SOURCE, "config", "krpc.yaml")):
        check(os.path.isfile(os.path.join(p, "etc", "krpc-c", "krpc.yaml")), "the default configuration")
    # pkg-config: embedders get the library, plugin authors headers only
    eq(inst.pkg_config("--cflags", "krpc-c-plugin"), "-I" + os.path.join(p, "include"), "plugin cflags")
    eq(inst.pkg_config("--libs", "krpc-c-plugin"), "", "plugin authors link nothing")
    check("-lkrpc-c" in inst.pkg_config("--libs", "krpc-c").split(), "embedders link the library")
    eq(inst.pkg_config("--variable=plugindir", "krpc-c-plugin"), inst.plugin_dir, "plugindir")
    eq(inst.pkg_config("--variable=plugindir", "krpc-c"), inst.plugin_dir, "plugindir (krpc-c)")
    eq(inst.pkg_config("--modversion", "krpc-c"), inst.pkg_config("--modversion", "krpc-c-plugin"), "versions")


@test
def installed_server_runs_with_installed_config():
    inst = installed()
    cfg = os.path.join(inst.prefix, "etc", "krpc-c", "krpc.yaml")
    if not os.path.isfile(cfg):
        return
    with Proc([inst.server, "--config", cfg, "--rpc-port", "0", "--stream-port", "0"], env=inst.env) as srv:
        c = Client(srv)
        st = pb.Status()
        st.ParseFromString(c.value("KRPC", "GetStatus"))
        check(st.version != "", "GetStatus")
        c.close()


# ---- the template, out of tree, in the installed server ------------------------------

_template_built = False


def build_template():
    global _template_built
    inst = installed()
    src = os.path.join(inst.tmp, "myplugin")
    if _template_built:
        return src
    # a user copies the installed template and builds it with pkg-config alone
    shutil.copytree(os.path.join(inst.prefix, "share", "krpc-c", "plugin-template"), src)
    build = os.path.join(src, "build")
    run(["meson", "setup", "-Dwerror=true", build, src], env=inst.env)
    run(["ninja", "-C", build], env=inst.env)
    run(["meson", "install", "-C", build, "--no-rebuild"], env=inst.env)  # into plugindir
    _template_built = True
    return src


@test
def template_builds_out_of_tree_against_installed_files():
    inst = installed()
    src = build_template()
    commands = open(os.path.join(src, "build", "compile_commands.json")).read()
    check("-I" + os.path.join(inst.prefix, "include") in commands, "compiled against the installed headers")
    check(os.path.join(SOURCE, "server") not in commands, "not against the source tree")
    check(os.path.isfile(os.path.join(inst.plugin_dir, "my-plugin.so")), "installed into plugindir")
    nm = run(["nm", "-D", "--defined-only", os.path.join(src, "build", "my-plugin.so")])
    exported = [line.split()[-1] for line in nm.splitlines() if " T " in line]
    eq(exported, ["krpc_plugin_query"], "exports only the query function")


@test
def installed_server_loads_and_serves_the_template_plugin():
    inst = installed()
    build_template()
    # no --plugin: the installed server loads its plugin directory
    with Proc([inst.server, "--rpc-port", "0", "--stream-port", "0"], env=inst.env) as srv:
        c = Client(srv, name="plugin author")
        eq(dec_string(c.value("MyService", "Hello", enc_string("Jeb"))), "Hello, Jeb!", "Hello")
        c.value("MyService", "set_Greeting", enc_string("Hi"))
        eq(dec_string(c.value("MyService", "get_Greeting")), "Hi", "Greeting")
        eq(dec_string(c.value("MyService", "Hello")), "Hi, world!", "Hello with the default name")
        eq(dec_uint(c.value("MyService", "get_Calls")), 2, "Calls")
        e = error_of(c, "MyService", "Hello", enc_string(""))
        eq((e.service, e.name, e.description), ("KRPC", "ArgumentException", "The name is empty"), "error")
        # the installed mock game puts the server in flight, where the installed
        # LaunchControl (Flight scene only) works
        eq(c.value("KRPC", "get_GameScene"), b"\x02", "the mock game's Flight scene")
        c.value("LaunchControl", "get_Throttle")
        services = pb.Services()
        services.ParseFromString(c.value("KRPC", "GetServices"))
        names = [s.name for s in services.services]
        for n in ["KRPC", "MyService", "LaunchControl", "TestService", "SpaceCenter"]:
            check(n in names, "service " + n)
        lc = [s for s in services.services if s.name == "LaunchControl"][0]
        eq(sorted(p.name for p in lc.procedures), ["ActivateStage", "get_CurrentStage", "get_Throttle",
                                                    "set_Throttle"], "LaunchControl procedures")
        eq(list(lc.procedures[0].game_scenes), [1], "LaunchControl is for Flight (1)")
        c.close()


# ---- an embedding host against the installed library -------------------------------

@test
def embedding_host_builds_against_installed_library():
    inst = installed()
    exe = os.path.join(inst.tmp, "my-sim")
    cflags = inst.pkg_config("--cflags", "krpc-c").split()
    libs = inst.pkg_config("--libs", "krpc-c").split()
    srcdir = os.path.join(SOURCE, "tools", "example-sim")
    run(["cc", "-std=c11", "-Wall", "-Wextra", "-Werror", "-o", exe,
         os.path.join(srcdir, "example_sim.c"), os.path.join(srcdir, "cart_service.c")] + cflags + libs + ["-lm"],
        env=inst.env)
    lc = os.path.join(inst.plugin_dir, "krpc-launchcontrol.so")
    sim = Proc([exe, "--rpc-port", "0", "--stream-port", "0", "--steps", "100000", "--plugin", lc], env=inst.env)
    try:
        c = Client(sim)
        c.value("LaunchControl", "set_Throttle", enc_float(0.25))
        eq(dec_float(c.value("LaunchControl", "get_Throttle")), 0.25, "Throttle")
        check(dec_uint(c.value("CartSim", "WaitSteps", enc_uint32(10))) >= 10, "the simulation runs")
        c.close()
    finally:
        code, out, err = sim.stop()
    eq(code, 0, "exit code (%s)" % err[-500:])


def enc_uint32(n):
    return krpctest.varint(n)


# ---- the example simulator ----------------------------------------------------------

def add_stream(c, call):
    s = pb.Stream()
    s.ParseFromString(c.value("KRPC", "AddStream", call.SerializeToString(), b"\x01"))
    return s.id


def stream_values(c, sid, seconds):
    """Every value of stream sid received during the next `seconds`."""
    values = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        c.stream.sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            up = c.stream_update()
        except (socket.timeout, TimeoutError, ConnectionError):
            break
        for r in up.results:
            if r.id == sid:
                check(not r.result.HasField("error"), "stream error: %s" % r.result.error.description)
                values.append(r.result.value)
    return values


@test
def example_simulator_streams_its_state_while_a_client_changes_it():
    steps = 1000  # 5 s of simulated time at 200 Hz, 250 server updates
    sim = Proc([example_sim(), "--rpc-port", "0", "--stream-port", "0", "--steps", str(steps),
                "--plugin", launchcontrol_plugin()])
    try:
        c = Client(sim, name="streamer", stream=True)
        pos_id = add_stream(c, make_call("CartSim", "get_Position"))
        steps_id = add_stream(c, make_call("CartSim", "get_Steps"))
        before = [dec_double(v) for v in stream_values(c, pos_id, 0.5)]
        check(len(before) >= 10, "position streamed every update: %d values" % len(before))
        check(max(before) <= 1.05 and min(before) >= -1.05, "free oscillation within +-1 m")
        check(all(a != b for a, b in zip(before, before[1:])), "only changed values are sent")
        # push the cart: the spring's rest point moves to F/k = 6.25 m
        c.value("CartSim", "set_Force", enc_double(50.0))
        eq(dec_double(c.value("CartSim", "get_Force")), 50.0, "Force")
        after = [dec_double(v) for v in stream_values(c, pos_id, 1.5)]
        check(after and max(after) > 5.0, "the cart moved out to %.2f m" % max(after or [0]))
        # a structure, and a call that waits for the simulation
        state = pb.Tuple()
        state.ParseFromString(c.value("CartSim", "State"))
        eq(len(state.items), 3, "CartState fields")
        now = dec_uint(c.value("CartSim", "get_Steps"))
        eq(dec_uint(c.value("CartSim", "WaitSteps", enc_uint32(20))) >= now + 20, True, "WaitSteps")
        e = error_of(c, "CartSim", "set_Stiffness", enc_double(-1.0))
        eq((e.name, e.description), ("ArgumentOutOfRangeException", "Stiffness must be positive"), "check")
        # the plugin from a file, in the Flight scene
        eq(dec_sint(c.value("KRPC", "get_GameScene")), 1, "Flight")
        c.value("LaunchControl", "set_Throttle", enc_float(1.0))
        eq(dec_float(c.value("LaunchControl", "get_Throttle")), 1.0, "Throttle")
        e = error_of(c, "LaunchControl", "set_Throttle", enc_float(1.5))
        eq(e.name, "ArgumentOutOfRangeException", "Throttle range")
        eq(dec_sint(c.value("LaunchControl", "get_CurrentStage")), 3, "CurrentStage")
        c.value("LaunchControl", "ActivateStage")
        eq(dec_sint(c.value("LaunchControl", "get_CurrentStage")), 2, "staged")
        # the simulator ends after its steps and tells the client
        streamed_steps = [dec_uint(v) for v in stream_values(c, steps_id, 10)]
        check(streamed_steps and streamed_steps[-1] >= steps - 20, "steps streamed to the end: %r"
              % streamed_steps[-3:])
        check(c.rpc.closed_by_server(10), "RPC connection closed in order")
        check(c.stream.closed_by_server(10), "stream connection closed in order")
    finally:
        code, out, err = sim.wait()
    eq(code, 0, "exit code (%s)" % err[-500:])
    check("steps = %d" % steps in out, "ran %d steps: %s" % (steps, out))


@test
def example_simulator_pause_and_game_scene():
    sim = Proc([example_sim(), "--rpc-port", "0", "--stream-port", "0", "--plugin", launchcontrol_plugin()])
    with sim:
        c = Client(sim)
        eq(c.value("KRPC", "get_Paused"), enc_bool(False), "not paused")
        c.value("KRPC", "set_Paused", enc_bool(True))
        eq(c.value("KRPC", "get_Paused"), enc_bool(True), "paused")
        t1 = dec_double(c.value("CartSim", "get_Time"))
        time.sleep(0.2)
        eq(dec_double(c.value("CartSim", "get_Time")), t1, "time stands still while paused")
        c.value("KRPC", "set_Paused", enc_bool(False))
        time.sleep(0.1)
        check(dec_double(c.value("CartSim", "get_Time")) > t1, "time goes on")
        # scenes: the host allows SpaceCenter and Flight
        c.value("KRPC", "set_GameScene", enc_sint32(0))
        eq(dec_sint(c.value("KRPC", "get_GameScene")), 0, "SpaceCenter")
        e = error_of(c, "LaunchControl", "get_Throttle")
        eq(e.description, "Procedure not available in game scene 'SpaceCenter'", "LaunchControl unavailable")
        e = error_of(c, "KRPC", "set_GameScene", enc_sint32(2))
        eq((e.name, e.description), ("InvalidOperationException", "The simulator has only SpaceCenter and Flight"),
           "refused")
        e = error_of(c, "KRPC", "set_GameScene", enc_sint32(77))
        eq((e.name, e.description), ("ArgumentException", "Unknown game scene"), "unknown scene")
        c.value("KRPC", "set_GameScene", enc_sint32(1))
        eq(dec_float(c.value("LaunchControl", "get_Throttle")), 0.0, "LaunchControl available again")
        c.close()


# ---- the guides' examples, built from the guides' own text -------------------------------

def guide_example(guide, name):
    """The code block following `<!-- example: NAME -->` in docs/GUIDE."""
    text = open(os.path.join(SOURCE, "docs", guide)).read()
    start = text.index("<!-- example: %s -->" % name)
    start = text.index("```c\n", start) + len("```c\n")
    return text[start:text.index("```\n", start)]


def build_guide_plugin(name):
    inst = installed()
    d = os.path.join(inst.tmp, "guide")
    os.makedirs(d, exist_ok=True)
    src = os.path.join(d, name + ".c")
    with open(src, "w") as f:
        f.write(guide_example("plugin-guide.md", name + ".c"))
    so = os.path.join(d, name + ".so")
    cflags = inst.pkg_config("--cflags", "krpc-c-plugin").split()
    run(["cc", "-std=c11", "-Wall", "-Wextra", "-Wpedantic", "-Werror", "-shared", "-fPIC",
         "-fvisibility=hidden"] + cflags + ["-o", so, src], env=inst.env)
    return so


@test
def plugin_guide_hello_example():
    inst = installed()
    so = build_guide_plugin("hello")
    with Proc([inst.server, "--rpc-port", "0", "--stream-port", "0", "--plugin", so], env=inst.env) as srv:
        c = Client(srv)
        eq(dec_string(c.value("Hello", "Greet", enc_string("Jeb"))), "Hello, Jeb!", "Greet")
        c.close()


@test
def plugin_guide_garage_example():
    inst = installed()
    so = build_guide_plugin("garage")
    with Proc([inst.server, "--rpc-port", "0", "--stream-port", "0", "--plugin", so], env=inst.env) as srv:
        c = Client(srv, stream=True)
        herbie = c.value("Garage", "Build", enc_string("Herbie"))
        kitt = c.value("Garage", "Build", enc_string("Kitt"), enc_sint32(2))  # Blue
        check(herbie != kitt and dec_uint(herbie) > 0, "object ids")
        eq(dec_string(c.value("Garage", "Car_get_Name", herbie)), "Herbie", "Name")
        eq(dec_sint(c.value("Garage", "Car_get_Color", herbie)), 0, "default color Red")
        eq(dec_sint(c.value("Garage", "Car_get_Color", kitt)), 2, "Blue")
        eq(dec_sint(c.value("Garage", "Car_Drive", herbie)), 10, "Drive default")
        eq(dec_sint(c.value("Garage", "Car_Drive", herbie, enc_sint32(5))), 15, "Drive 5")
        e = error_of(c, "Garage", "Car_Drive", herbie, enc_sint32(-1))
        eq((e.service, e.name), ("KRPC", "ArgumentOutOfRangeException"), "Drive -1")
        r = c.call("Garage", "Find", enc_string("nobody"))
        check(r.is_null and not r.HasField("error"), "Find: null")
        eq(c.value("Garage", "Find", enc_string("Kitt")), kitt, "Find: same id")
        lst = pb.List()
        lst.ParseFromString(c.value("Garage", "Cars"))
        eq(list(lst.items), [herbie, kitt], "Cars")
        d = pb.Dictionary()
        d.ParseFromString(c.value("Garage", "Mileage"))
        eq({dec_string(e.key): dec_sint(e.value) for e in d.entries}, {"Herbie": 15, "Kitt": 0}, "Mileage")
        spec = pb.Tuple()
        spec.ParseFromString(c.value("Garage", "Car_Spec", herbie))
        eq(dec_string(spec.items[0]), "Herbie", "Spec.Name")
        eq(dec_sint(spec.items[2]), 15, "Spec.Km")
        c.value("Garage", "Car_Paint", kitt, enc_sint32(1))  # yields three updates
        eq(dec_sint(c.value("Garage", "Car_get_Color", kitt)), 1, "painted Green")
        eq(c.value("Garage", "Car_static_Newest"), kitt, "static method")
        eq(dec_uint(c.value("Garage", "get_Capacity")), 4, "Capacity")
        eq(dec_uint(c.value("Garage", "Count")), 2, "deprecated Count still works")
        e = error_of(c, "Garage", "Race", herbie)
        eq(e.description, "Procedure not available in game scene 'SpaceCenter'", "Race is for Flight")
        # the event fires once the garage is full
        ev = pb.Event()
        ev.ParseFromString(c.value("Garage", "OnFull"))
        c.value("KRPC", "StartStream", krpctest.varint(ev.stream.id))
        c.value("Garage", "Build", enc_string("Bumblebee"))
        c.value("Garage", "Build", enc_string("Christine"))
        fired = False
        deadline = time.monotonic() + 5
        while not fired and time.monotonic() < deadline:
            c.stream.sock.settimeout(max(0.01, deadline - time.monotonic()))
            for res in c.stream_update().results:
                if res.id == ev.stream.id and res.result.value == b"\x01":
                    fired = True
        check(fired, "OnFull fired")
        e = error_of(c, "Garage", "Build", enc_string("Eleanor"))
        eq((e.service, e.name, e.description), ("Garage", "GarageFull", "No room for another car"), "full")
        # scrapped: the id is dead for everyone
        c.value("Garage", "Scrap", herbie)
        resp = c.request(make_call("Garage", "Car_get_Name", herbie))
        err = resp.error if resp.HasField("error") else resp.results[0].error
        eq(err.name, "ObjectDestroyedException", "destroyed object")
        services = pb.Services()
        services.ParseFromString(c.value("KRPC", "GetServices"))
        g = [s for s in services.services if s.name == "Garage"][0]
        count = [p for p in g.procedures if p.name == "Count"][0]
        check(count.deprecated, "Count is deprecated")
        c.close()


@test
def embedding_guide_host_example():
    inst = installed()
    d = os.path.join(inst.tmp, "guide")
    os.makedirs(d, exist_ok=True)
    src = os.path.join(d, "host.c")
    with open(src, "w") as f:
        f.write(guide_example("embedding-guide.md", "host.c"))
    exe = os.path.join(d, "host")
    run(["cc", "-std=c11", "-Wall", "-Wextra", "-Wpedantic", "-Werror", "-o", exe, src]
        + inst.pkg_config("--cflags", "--libs", "krpc-c").split(), env=inst.env)
    host = Proc([exe, "0", "0"], env=inst.env)
    try:
        c = Client(host, stream=True)
        c.value("World", "set_Throttle", enc_double(0.5))
        sid = add_stream(c, make_call("World", "get_Altitude"))
        values = [dec_double(v) for v in stream_values(c, sid, 0.5)]
        check(len(values) >= 5 and values[-1] > values[0], "the altitude climbs: %r" % values[-3:])
        e = error_of(c, "World", "set_Throttle", enc_double(2.0))
        eq(e.name, "ArgumentOutOfRangeException", "throttle range")
        host.proc.send_signal(signal.SIGINT)
        check(c.rpc.closed_by_server(5), "closed in order")
    finally:
        code, _, err = host.wait(10)
    eq(code, 0, "exit code (%s)" % err[-500:])


# ---- krpc-server's shutdown ----------------------------------------------------------------

@test
def server_shutdown_answers_calls_in_progress_and_closes_in_order():
    srv = Proc([krpctest.OPTIONS.server, "--rpc-port", "0", "--stream-port", "0",
                "--plugin", krpctest.OPTIONS.plugin[0]])
    try:
        c = Client(srv, stream=True)
        idle = Client(srv, name="idle")
        # a call that yields for a long time (one step per update)
        c.rpc.send_msg(pb.Request(calls=[make_call("TestService", "BlockingProcedure", enc_sint32(1000000))]))
        time.sleep(0.2)
        srv.proc.send_signal(signal.SIGTERM)
        resp = c.rpc.recv(pb.Response)
        eq(resp.error.description, "The server is shutting down", "the call is answered")
        check(c.rpc.closed_by_server(5), "RPC connection closed in order")
        check(c.stream.closed_by_server(5), "stream connection closed in order")
        check(idle.rpc.closed_by_server(5), "idle client's connection closed in order")
    finally:
        code, _, err = srv.wait(10)
    eq(code, 0, "exit code (%s)" % err[-500:])


if __name__ == "__main__":
    run_tests()

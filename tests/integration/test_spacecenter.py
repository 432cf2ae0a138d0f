"""The mock game (issue 7): the SpaceCenter service with flight physics,
driven with raw kRPC calls against the real server binary and plugin.

Each test starts a server with the SpaceCenter plugin (its path comes from
KRPC_SPACECENTER_PLUGIN, or --plugin ...krpc-spacecenter.so) in lockstep
mode, so game time passes only in MockGame.Advance and in blocking calls
(AutoPilot.Wait, WarpTo): the flights are deterministic and take seconds.
"""
import math
import os
import struct
import time

from krpctest import (Client, Server, check, dec_sint, dec_string, dec_varint, enc_sint32,
                      enc_string, eq, make_call, pb, run_tests, test, varint)
import krpctest

G0 = 9.80665
KERBIN_MU = 3.5316e12
KERBIN_R = 600000.0


# ---- values -------------------------------------------------------------------

def D(x):
    return struct.pack("<d", x)


def F(x):
    return struct.pack("<f", x)


def B(x):
    return b"\x01" if x else b"\x00"


def I(x):
    return enc_sint32(x)


def U(x):
    return varint(x)


def O(obj_id):
    return varint(obj_id)


def S(s):
    return enc_string(s)


def T(*xs):
    return pb.Tuple(items=[D(x) for x in xs]).SerializeToString()


def dec_double(b):
    return struct.unpack("<d", b)[0] if b else 0.0


def dec_float(b):
    return struct.unpack("<f", b)[0] if b else 0.0


def dec_bool(b):
    return b == b"\x01"


def dec_obj(b):
    return dec_varint(b)[0] if b else 0


def dec_tuple(b):
    t = pb.Tuple()
    t.ParseFromString(b)
    return tuple(dec_double(x) for x in t.items)


def dec_list(b):
    lst = pb.List()
    lst.ParseFromString(b)
    return list(lst.items)


def norm(v):
    return math.sqrt(sum(x * x for x in v))


class RpcError(Exception):
    def __init__(self, error):
        super().__init__("%s.%s: %s" % (error.service, error.name, error.description))
        self.error = error


class Game:
    """Raw calls to the SpaceCenter, Drawing and MockGame services."""

    def __init__(self, client):
        self.c = client

    def raw(self, procedure, *args, service="SpaceCenter"):
        resp = self.c.request(make_call(service, procedure, *args))
        if resp.HasField("error"):  # e.g. an argument names a destroyed object
            raise RpcError(resp.error)
        r = resp.results[0]
        if r.HasField("error"):
            raise RpcError(r.error)
        return r

    def obj(self, procedure, *args, **kw):
        r = self.raw(procedure, *args, **kw)
        return 0 if r.is_null else dec_obj(r.value)

    def d(self, procedure, *args, **kw):
        return dec_double(self.raw(procedure, *args, **kw).value)

    def f(self, procedure, *args, **kw):
        return dec_float(self.raw(procedure, *args, **kw).value)

    def b(self, procedure, *args, **kw):
        return dec_bool(self.raw(procedure, *args, **kw).value)

    def i(self, procedure, *args, **kw):
        return dec_sint(self.raw(procedure, *args, **kw).value)

    def s(self, procedure, *args, **kw):
        return dec_string(self.raw(procedure, *args, **kw).value)

    def t(self, procedure, *args, **kw):
        return dec_tuple(self.raw(procedure, *args, **kw).value)

    def objs(self, procedure, *args, **kw):
        return [dec_obj(x) for x in dec_list(self.raw(procedure, *args, **kw).value)]

    def do(self, procedure, *args, **kw):
        self.raw(procedure, *args, **kw)

    def error(self, procedure, *args, **kw):
        """The error a call raises (fails the test if it succeeds)."""
        try:
            self.raw(procedure, *args, **kw)
        except RpcError as e:
            return e.error
        raise krpctest.CheckFailed("%s did not fail" % procedure)

    def advance(self, seconds):
        self.raw("Advance", D(seconds), service="MockGame")

    # common objects
    def vessel(self):
        return self.obj("get_ActiveVessel")

    def body(self, vessel):
        return self.obj("Orbit_get_Body", O(self.obj("Vessel_get_Orbit", O(vessel))))

    def flight(self, vessel, frame=None):
        return self.obj("Vessel_Flight", O(vessel), O(frame) if frame else None)

    def amount(self, resources, name):
        return self.f("Resources_Amount", O(resources), S(name))


def plugin_path():
    path = os.environ.get("KRPC_SPACECENTER_PLUGIN")
    if path:
        return path
    for p in krpctest.OPTIONS.plugin:
        if "spacecenter" in os.path.basename(p):
            return p
    raise RuntimeError("no SpaceCenter plugin: set KRPC_SPACECENTER_PLUGIN or pass --plugin")


def game_server(scenario, time_scale=20):
    """A server running only the mock game in lockstep (the plugin puts the
    server in the Flight scene when its scenario has an active vessel)."""
    os.environ.update({"KRPC_SC_SCENARIO": scenario, "KRPC_SC_LOCKSTEP": "1",
                       "KRPC_SC_TIME_SCALE": str(time_scale)})
    return Server(plugins=[plugin_path()])


# ---- on the pad -----------------------------------------------------------------

@test
def pad_at_rest_moves_with_kerbin():
    with game_server("SubOrbitalFlight") as srv:
        g = Game(Client(srv))
        v = g.vessel()
        check(v != 0, "there is an active vessel")
        eq(g.s("Vessel_get_Name", O(v)), "SubOrbitalFlight", "name")
        eq(g.i("Vessel_get_Situation", O(v)), 0, "PreLaunch")
        body = g.body(v)
        eq(g.s("CelestialBody_get_Name", O(body)), "Kerbin", "body")
        eq(g.d("CelestialBody_get_GravitationalParameter", O(body)), KERBIN_MU, "mu")
        rot = g.obj("CelestialBody_get_ReferenceFrame", O(body))
        nonrot = g.obj("CelestialBody_get_NonRotatingReferenceFrame", O(body))
        srf = g.obj("Vessel_get_SurfaceReferenceFrame", O(v))
        v_rot = g.t("Vessel_Velocity", O(v), O(rot))
        check(norm(v_rot) < 1e-6, "at rest in the rotating frame: %r" % (v_rot,))
        eq(round(g.d("Flight_get_Speed", O(g.flight(v, rot))), 6), 0.0, "surface speed")
        speed = g.d("Flight_get_Speed", O(g.flight(v, nonrot)))
        check(abs(speed - 174.5) < 1.0, "orbital speed on the pad %.3f" % speed)
        v_nonrot = g.t("Vessel_Velocity", O(v), O(nonrot))
        east = g.t("TransformDirection", T(*v_nonrot), O(nonrot), O(srf))
        check(abs(east[0]) < 0.01 and abs(east[1]) < 0.5 and abs(east[2] - speed) < 0.01,
              "the pad moves east (surface frame x up, y north, z east): %r" % (east,))
        f = g.flight(v)
        lat, lon = g.d("Flight_get_Latitude", O(f)), g.d("Flight_get_Longitude", O(f))
        check(abs(lat + 0.0972) < 1e-6 and abs(lon + 74.5577) < 1e-6, "at the pad %f %f" % (lat, lon))
        check(60 < g.d("Flight_get_MeanAltitude", O(f)) < 90, "pad altitude")
        eq(round(g.f("Flight_get_Pitch", O(f)), 3), 90.0, "standing upright")
        # the surface velocity frame is singular at rest, as in the reference
        # (getting the frame works; using it raises)
        svf = g.obj("Vessel_get_SurfaceVelocityReferenceFrame", O(v))
        err = g.error("Vessel_Direction", O(v), O(svf))
        eq((err.service, err.name), ("KRPC", "InvalidOperationException"), "singular frame")
        # nothing moves while no time is asked for (lockstep)
        ut = g.d("get_UT")
        g.advance(10)
        check(abs(g.d("get_UT") - ut - 10) < 1e-9, "Advance moves the clock")
        check(norm(g.t("Vessel_Velocity", O(v), O(rot))) < 1e-6, "still at rest after 10 s")


@test
def staging_order_and_decouple_stages():
    with game_server("SubOrbitalFlight") as srv:
        g = Game(Client(srv))
        v = g.vessel()
        ctl = g.obj("Vessel_get_Control", O(v))
        parts = g.obj("Vessel_get_Parts", O(v))
        eq(g.i("Control_get_CurrentStage", O(ctl)), 4, "current stage before launch")
        stages = {}
        for p in g.objs("Parts_get_All", O(parts)):
            title = g.s("Part_get_Title", O(p))
            stages.setdefault(title, set()).add((g.i("Part_get_Stage", O(p)), g.i("Part_get_DecoupleStage", O(p))))
        eq(stages, {
            "Mk1-2 Command Pod": {(-1, -1)},
            "Mk16-XL Parachute": {(0, -1)},
            "TS-25 Stack Separator": {(1, 1)},
            "Rockomax Jumbo-64 Fuel Tank": {(-1, 1)},
            'RE-I5 "Skipper" Liquid Fuel Engine': {(3, 1)},
            "TT18-A Launch Stability Enhancer": {(3, 3)},
            "TT-70 Radial Decoupler": {(2, 2)},
            'BACC "Thumper" Solid Fuel Booster': {(3, 2)},
            "Aerodynamic Nose Cone": {(-1, 2)},
        }, "activation and decouple stages")
        srb = g.obj("Stage_Resources", O(g.obj("Vessel_DecoupleStageAt", O(v), I(2))), B(False))
        eq(g.amount(srb, "SolidFuel"), 3 * 425.0, "SolidFuel decoupled in stage 2")
        legacy = g.obj("Vessel_ResourcesInDecoupleStage", O(v), I(2), B(False))
        eq(legacy, srb, "the v0.5.4 name gives the same Resources object")
        err = g.error("Vessel_DecoupleStageAt", O(v), I(7))
        eq((err.name, err.description.split("\n")[0]), ("ArgumentException", "Decouple stage not found"), "bad stage")
        mass0 = g.f("Vessel_get_Mass", O(v))
        # stage 3: engines ignite, the clamps let go (each a vessel of its own)
        g.do("Control_set_Throttle", O(ctl), F(1))
        g.advance(0.1)
        clamps = g.objs("Control_ActivateNextStage", O(ctl))
        eq(len(clamps), 3, "three clamps released")
        for c in clamps:
            eq(g.s("Vessel_get_Name", O(c)), "TT18-A Launch Stability Enhancer", "clamp vessel")
        eq(g.i("Control_get_CurrentStage", O(ctl)), 3, "stage 3 active")
        engines = g.objs("Parts_get_Engines", O(parts))
        eq(len(engines), 4, "engines")
        check(all(g.b("Engine_get_Active", O(e)) for e in engines), "all engines ignited")
        g.advance(1)
        eq(g.i("Vessel_get_Situation", O(v)), 4, "Flying")
        check(g.f("Vessel_get_Thrust", O(v)) > 1.2e6, "thrust")
        # burn the boosters out
        for _ in range(60):
            if g.amount(g.obj("Vessel_get_Resources", O(v)), "SolidFuel") < 0.1:
                break
            g.advance(0.5)
        check(g.amount(srb, "SolidFuel") < 0.1, "boosters burnt out")
        m_before = g.f("Vessel_get_Mass", O(v))
        debris = g.objs("Control_ActivateNextStage", O(ctl))
        eq(len(debris), 3, "three boosters dropped")
        dropped = 0.0
        for d in debris:
            dparts = g.objs("Parts_get_All", O(g.obj("Vessel_get_Parts", O(d))))
            titles = sorted(g.s("Part_get_Title", O(p)) for p in dparts)
            eq(titles, ["Aerodynamic Nose Cone", 'BACC "Thumper" Solid Fuel Booster', "TT-70 Radial Decoupler"],
               "a booster with its decoupler and nose cone")
            eq(g.i("Vessel_get_Type", O(d)), 1, "Debris")
            dropped += g.f("Vessel_get_Mass", O(d))
        check(abs(g.f("Vessel_get_Mass", O(v)) - (m_before - dropped)) < 1, "the vessel lost the boosters' mass")
        check(dropped > 3 * 1500, "dry boosters weigh something")
        eq(g.amount(srb, "SolidFuel"), 0.0, "nothing left in decouple stage 2")
        eq(g.i("Control_get_CurrentStage", O(ctl)), 2, "stage 2")
        check(mass0 > g.f("Vessel_get_Mass", O(v)), "lighter")


@test
def fuel_use_follows_the_rocket_equation():
    with game_server("Orbit") as srv:
        g = Game(Client(srv))
        v = g.vessel()
        ctl = g.obj("Vessel_get_Control", O(v))
        res = g.obj("Vessel_get_Resources", O(v))
        body = g.body(v)
        nonrot = g.obj("CelestialBody_get_NonRotatingReferenceFrame", O(body))
        eq(g.i("Vessel_get_Situation", O(v)), 1, "Orbiting")
        g.objs("Control_ActivateNextStage", O(ctl))  # the Skipper
        eq(g.f("Vessel_get_AvailableThrust", O(v)), 650000.0, "vacuum thrust")
        eq(round(g.f("Vessel_get_SpecificImpulse", O(v)), 3), 320.0, "vacuum Isp")
        m0 = g.f("Vessel_get_Mass", O(v))
        lf0, ox0 = g.amount(res, "LiquidFuel"), g.amount(res, "Oxidizer")
        speed0 = g.d("Flight_get_Speed", O(g.flight(v, nonrot)))
        g.do("Control_set_Throttle", O(ctl), F(1))
        g.advance(0.02)  # the throttle takes effect from the next step
        m_start = g.f("Vessel_get_Mass", O(v))
        speed_start = g.d("Flight_get_Speed", O(g.flight(v, nonrot)))
        g.advance(10)
        g.do("Control_set_Throttle", O(ctl), F(0))
        g.advance(0.02)
        m1 = g.f("Vessel_get_Mass", O(v))
        speed1 = g.d("Flight_get_Speed", O(g.flight(v, nonrot)))
        mdot = 650000.0 / (320 * G0)
        burnt = m_start - m1
        check(abs(burnt - mdot * 10) / (mdot * 10) < 0.01, "mass flow %.1f kg in 10 s, expected %.1f" %
              (burnt, mdot * 10))
        dlf, dox = lf0 - g.amount(res, "LiquidFuel"), ox0 - g.amount(res, "Oxidizer")
        check(abs(dlf / dox - 0.9 / 1.1) < 1e-3, "LiquidFuel:Oxidizer 9:11, got %f" % (dlf / dox))
        check(abs((dlf + dox) * 5 - (m0 - m1)) < 1, "the propellant is the mass lost")
        dv = 320 * G0 * math.log(m_start / m1)
        check(abs((speed1 - speed_start) - dv) < 0.01 * dv, "delta-v %.2f, rocket equation %.2f" %
              (speed1 - speed_start, dv))
        check(speed0 > 2000, "orbital speed")


@test
def orbit_elements_agree_with_vis_viva():
    with game_server("Orbit") as srv:
        g = Game(Client(srv))
        v = g.vessel()
        orbit = g.obj("Vessel_get_Orbit", O(v))
        ctl = g.obj("Vessel_get_Control", O(v))
        body = g.body(v)
        mu = g.d("CelestialBody_get_GravitationalParameter", O(body))
        nonrot = g.obj("CelestialBody_get_NonRotatingReferenceFrame", O(body))

        def check_orbit(what):
            a = g.d("Orbit_get_SemiMajorAxis", O(orbit))
            ap, pe = g.d("Orbit_get_Apoapsis", O(orbit)), g.d("Orbit_get_Periapsis", O(orbit))
            e = g.d("Orbit_get_Eccentricity", O(orbit))
            r = g.d("Orbit_get_Radius", O(orbit))
            speed = g.d("Orbit_get_Speed", O(orbit))
            check(abs(a - (ap + pe) / 2) < 1e-3, "%s: a = (Ap + Pe) / 2" % what)
            check(abs(ap - a * (1 + e)) < 1e-3 and abs(pe - a * (1 - e)) < 1e-3, "%s: Ap, Pe from a, e" % what)
            check(abs(speed ** 2 - mu * (2 / r - 1 / a)) / speed ** 2 < 1e-9, "%s: vis-viva" % what)
            pos = g.t("Vessel_Position", O(v), O(nonrot))
            check(abs(norm(pos) - r) < 1e-3, "%s: radius is the distance from the centre" % what)
            vel = g.t("Vessel_Velocity", O(v), O(nonrot))
            check(abs(norm(vel) - speed) < 1e-6, "%s: speed" % what)
            period = g.d("Orbit_get_Period", O(orbit))
            check(abs(period - 2 * math.pi * math.sqrt(a ** 3 / mu)) < 1e-6, "%s: period" % what)
            check(abs(g.d("Orbit_get_ApoapsisAltitude", O(orbit)) - (ap - KERBIN_R)) < 1e-6, "%s: Ap altitude" % what)
            return a, e, period

        a, e, period = check_orbit("circular")
        check(abs(a - 700000) < 1 and e < 1e-6, "the scenario's orbit")
        # a prograde burn raises the apoapsis opposite the burn
        g.objs("Control_ActivateNextStage", O(ctl))
        g.do("Control_set_Throttle", O(ctl), F(1))
        g.advance(3)
        g.do("Control_set_Throttle", O(ctl), F(0))
        g.advance(0.1)
        a, e, period = check_orbit("elliptical")
        check(e > 0.02, "eccentric after the burn")
        tta, ttp = g.d("Orbit_get_TimeToApoapsis", O(orbit)), g.d("Orbit_get_TimeToPeriapsis", O(orbit))
        check(abs(abs(tta - ttp) - period / 2) < 1, "apoapsis half an orbit from periapsis")
        check(ttp > period - 10, "just past periapsis")
        # on the conic: the state at time-to-apoapsis is at the apoapsis
        ut = g.d("get_UT")
        at_ap = g.d("Orbit_RadiusAt", O(orbit), D(ut + tta))
        check(abs(at_ap - g.d("Orbit_get_Apoapsis", O(orbit))) < 1, "radius at apoapsis time")
        # coasting keeps the elements (leapfrog integration of gravity)
        ap0 = g.d("Orbit_get_Apoapsis", O(orbit))
        g.advance(600)
        check(abs(g.d("Orbit_get_Apoapsis", O(orbit)) - ap0) < 50, "apoapsis kept while coasting")
        eq(round(math.degrees(g.d("Orbit_get_Inclination", O(orbit))), 6), 0.0, "equatorial")


@test
def reference_frames_and_transforms():
    with game_server("Orbit") as srv:
        g = Game(Client(srv))
        v = g.vessel()
        body = g.body(v)
        rot = g.obj("CelestialBody_get_ReferenceFrame", O(body))
        nonrot = g.obj("CelestialBody_get_NonRotatingReferenceFrame", O(body))
        vf = g.obj("Vessel_get_ReferenceFrame", O(v))
        of = g.obj("Vessel_get_OrbitalReferenceFrame", O(v))
        sf = g.obj("Vessel_get_SurfaceReferenceFrame", O(v))
        eq(g.obj("Vessel_get_ReferenceFrame", O(v)), vf, "same frame, same object")
        check(norm(g.t("Vessel_Velocity", O(v), O(vf))) < 1e-6, "a vessel does not move in its own frame")
        check(norm(g.t("Vessel_Position", O(v), O(of))) < 1e-6, "orbital frame centred on the vessel")
        d = g.t("Vessel_Direction", O(v), O(of))
        check(abs(d[1] - 1) < 1e-6, "the scenario points the vessel prograde: %r" % (d,))
        # orbital frame: x anti-radial, y prograde, z normal (north for an eastward orbit)
        up_in_of = g.t("TransformDirection", T(1, 0, 0), O(sf), O(of))
        check(abs(up_in_of[0] + 1) < 1e-6, "zenith is -x in the orbital frame: %r" % (up_in_of,))
        north_in_of = g.t("TransformDirection", T(0, 1, 0), O(sf), O(of))
        check(abs(north_in_of[2] - 1) < 1e-6, "north is +z (normal): %r" % (north_in_of,))
        # round trips
        p = (10.0, -20.0, 30.0)
        back = g.t("TransformPosition", T(*g.t("TransformPosition", T(*p), O(vf), O(rot))), O(rot), O(vf))
        check(norm([a - b for a, b in zip(back, p)]) < 1e-6, "position round trip")
        q = g.t("TransformRotation", T(0, 0, 0, 1), O(vf), O(nonrot))
        eq(len(q), 4, "a quaternion")
        # relative and hybrid frames
        rel = g.obj("ReferenceFrame_static_CreateRelative", O(rot), T(0, 0, 0), T(0, 0, 0, 1), T(0, 0, 0),
                    T(0, 0, 0), )
        eq(g.obj("ReferenceFrame_static_CreateRelative", O(rot)), rel, "defaults fill in, equal frames")
        check(norm([a - b for a, b in zip(g.t("Vessel_Position", O(v), O(rel)),
                                          g.t("Vessel_Position", O(v), O(rot)))]) < 1e-6, "identity offset")
        shifted = g.obj("ReferenceFrame_static_CreateRelative", O(nonrot), T(0, 1000, 0))
        p1, p0 = g.t("Vessel_Position", O(v), O(shifted)), g.t("Vessel_Position", O(v), O(nonrot))
        check(abs(p0[1] - p1[1] - 1000) < 1e-6, "offset frame")
        hybrid = g.obj("ReferenceFrame_static_CreateHybrid", O(rot), O(sf), None, None)
        hv = g.t("Vessel_Velocity", O(v), O(hybrid))
        srf_speed = g.d("Flight_get_Speed", O(g.flight(v, rot)))
        check(abs(norm(hv) - srf_speed) < 1e-3, "hybrid: surface velocity in surface axes")
        check(hv[2] > 2000 and abs(hv[0]) < 1, "moving east, level: %r" % (hv,))
        # the autopilot refuses a frame that turns with the vessel
        ap = g.obj("Vessel_get_AutoPilot", O(v))
        err = g.error("AutoPilot_set_ReferenceFrame", O(ap), O(vf))
        eq((err.name, err.description), ("ArgumentException", "Invalid reference frame; must not rotate with the vessel"),
           "rotating frame refused")
        # turn to the orbit normal and settle within the reference's thresholds
        g.do("AutoPilot_set_ReferenceFrame", O(ap), O(of))
        g.do("AutoPilot_set_TargetDirection", O(ap), T(0, 0, 1))
        g.do("AutoPilot_set_Engaged", O(ap), B(True))
        g.do("AutoPilot_Wait", O(ap))
        check(g.f("AutoPilot_get_Error", O(ap)) <= 1.0, "pointing error at most 1 degree")
        w = g.t("Vessel_AngularVelocity", O(v), O(nonrot))
        check(norm(w) <= 0.05, "turning at most 0.05 rad/s")
        d = g.t("Vessel_Direction", O(v), O(of))
        check(d[2] > math.cos(math.radians(1)), "pointing normal: %r" % (d,))
        g.do("AutoPilot_Disengage", O(ap))
        eq(g.b("AutoPilot_get_Engaged", O(ap)), False, "v0.5.4 Disengage")
        err = g.error("AutoPilot_get_Error", O(ap))
        eq(err.description, "The auto-pilot is not engaged", "no error without the autopilot")
        # Drawing accepts lines in any frame
        line = g.obj("AddLine", T(0, 0, 0), T(1, 0, 0), O(rel), B(True), service="Drawing")
        check(line != 0, "a line")
        eq(g.t("Line_get_End", O(line), service="Drawing"), (1.0, 0.0, 0.0), "line end")


def fly_suborbital(g, deploy_chute=True):
    """The SubOrbitalFlight tutorial's sequence, stepped with MockGame.Advance.
    Returns telemetry."""
    out = {}
    v = g.vessel()
    body = g.body(v)
    rot = g.obj("CelestialBody_get_ReferenceFrame", O(body))
    ap = g.obj("Vessel_get_AutoPilot", O(v))
    ctl = g.obj("Vessel_get_Control", O(v))
    res = g.obj("Vessel_get_Resources", O(v))
    orbit = g.obj("Vessel_get_Orbit", O(v))
    flight = g.flight(v)
    g.do("AutoPilot_TargetPitchAndHeading", O(ap), F(90), F(90))
    g.do("AutoPilot_set_Engaged", O(ap), B(True))
    g.do("Control_set_Throttle", O(ctl), F(1))
    g.advance(1)
    g.objs("Control_ActivateNextStage", O(ctl))
    t = 0.0
    while g.amount(res, "SolidFuel") >= 0.1:
        g.advance(0.5)
        t += 0.5
        check(t < 60, "boosters burn out")
    out["boosters"] = g.objs("Control_ActivateNextStage", O(ctl))
    while g.d("Flight_get_MeanAltitude", O(flight)) <= 10000:
        g.advance(0.5)
    g.do("AutoPilot_TargetPitchAndHeading", O(ap), F(60), F(90))
    while g.d("Orbit_get_ApoapsisAltitude", O(orbit)) <= 100000:
        g.advance(0.5)
        check(g.f("Vessel_get_Thrust", O(v)) > 0, "still burning")
    g.do("Control_set_Throttle", O(ctl), F(0))
    g.advance(1)
    out["stage1"] = g.objs("Control_ActivateNextStage", O(ctl))
    g.do("AutoPilot_set_Engaged", O(ap), B(False))
    top = 0.0
    while g.d("Flight_get_SurfaceAltitude", O(flight)) >= 1000:
        g.advance(1)
        top = max(top, g.d("Flight_get_MeanAltitude", O(flight)))
    out["top"] = top
    if deploy_chute:
        g.objs("Control_ActivateNextStage", O(ctl))
    for _ in range(600):
        if g.obj("get_ActiveVessel") == 0:
            break
        if g.d("Flight_get_VerticalSpeed", O(g.flight(v, rot))) >= -0.1:
            break
        g.advance(1)
    return out


@test
def suborbital_hop_lands_under_its_parachute():
    with game_server("SubOrbitalFlight") as srv:
        g = Game(Client(srv))
        v = g.vessel()
        out = fly_suborbital(g)
        check(out["top"] > 70000, "coasted above 70 km (%.0f m)" % out["top"])
        eq(g.obj("get_ActiveVessel"), v, "the vessel survived")
        sit = g.i("Vessel_get_Situation", O(v))
        check(sit in (5, 6), "landed or splashed, got %d" % sit)
        parts = g.objs("Parts_get_All", O(g.obj("Vessel_get_Parts", O(v))))
        titles = sorted(g.s("Part_get_Title", O(p)) for p in parts)
        eq(titles, ["Mk1-2 Command Pod", "Mk16-XL Parachute"], "the pod and its parachute")
        chute = g.obj("Part_get_Parachute", O(parts[[g.s("Part_get_Title", O(p)) for p in parts].index(
            "Mk16-XL Parachute")]))
        eq(g.b("Parachute_get_Deployed", O(chute)), True, "parachute open")
        body = g.body(v)
        rot = g.obj("CelestialBody_get_ReferenceFrame", O(body))
        check(norm(g.t("Vessel_Velocity", O(v), O(rot))) < 1e-6, "at rest on the surface")
        # the boosters fell into the sea: their objects are gone
        for d in out["boosters"]:
            err = g.error("Vessel_get_Name", O(d))
            eq((err.service, err.name), ("KRPC", "ObjectDestroyedException"), "crashed booster")


@test
def crash_destroys_the_vessel():
    with game_server("SubOrbitalFlight") as srv:
        g = Game(Client(srv))
        v = g.vessel()
        flight = g.flight(v)
        ctl = g.obj("Vessel_get_Control", O(v))
        fly_suborbital(g, deploy_chute=False)
        eq(g.obj("get_ActiveVessel"), 0, "no active vessel after the crash (null)")
        for call in (("Vessel_get_Name", O(v)), ("Flight_get_MeanAltitude", O(flight)),
                     ("Control_get_Throttle", O(ctl))):
            err = g.error(*call)
            eq((err.service, err.name), ("KRPC", "ObjectDestroyedException"), call[0])
        names = [g.s("Vessel_get_Name", O(x)) for x in g.objs("get_Vessels")]
        check("SubOrbitalFlight" not in names, "gone from the vessel list")


@test
def launch_into_orbit_with_a_circularisation_node():
    with game_server("LaunchIntoOrbit") as srv:
        g = Game(Client(srv))
        v = g.vessel()
        ap = g.obj("Vessel_get_AutoPilot", O(v))
        ctl = g.obj("Vessel_get_Control", O(v))
        orbit = g.obj("Vessel_get_Orbit", O(v))
        flight = g.flight(v)
        body = g.body(v)
        srbs = g.obj("Stage_Resources", O(g.obj("Vessel_DecoupleStageAt", O(v), I(2))), B(False))
        eq(g.amount(srbs, "SolidFuel"), 4 * 433.0, "four RT-10s")
        g.do("Control_set_SAS", O(ctl), B(False))
        g.do("Control_set_RCS", O(ctl), B(False))
        g.do("Control_set_Throttle", O(ctl), F(1))
        g.advance(1)
        g.objs("Control_ActivateNextStage", O(ctl))
        g.do("AutoPilot_set_Engaged", O(ap), B(True))
        g.do("AutoPilot_TargetPitchAndHeading", O(ap), F(90), F(90))
        separated = False
        turn = 0.0
        for _ in range(2000):
            alt = g.d("Flight_get_MeanAltitude", O(flight))
            if 250 < alt < 45000:
                new = (alt - 250) / (45000 - 250) * 90
                if abs(new - turn) > 0.5:
                    turn = new
                    g.do("AutoPilot_TargetPitchAndHeading", O(ap), F(90 - turn), F(90))
            if not separated and g.amount(srbs, "SolidFuel") < 0.1:
                g.objs("Control_ActivateNextStage", O(ctl))
                separated = True
            if g.d("Orbit_get_ApoapsisAltitude", O(orbit)) > 135000:
                break
            g.advance(0.25)
        check(separated, "boosters separated")
        g.do("Control_set_Throttle", O(ctl), F(0.25))
        while g.d("Orbit_get_ApoapsisAltitude", O(orbit)) < 150000:
            g.advance(0.1)
        g.do("Control_set_Throttle", O(ctl), F(0))
        while g.d("Flight_get_MeanAltitude", O(flight)) < 70500:
            g.advance(1)
        # circularisation by vis-viva
        mu = g.d("CelestialBody_get_GravitationalParameter", O(body))
        r = g.d("Orbit_get_Apoapsis", O(orbit))
        a1 = g.d("Orbit_get_SemiMajorAxis", O(orbit))
        dv = math.sqrt(mu / r) - math.sqrt(mu * (2 / r - 1 / a1))
        ut = g.d("get_UT")
        node = g.obj("Control_AddNode", O(ctl), D(ut + g.d("Orbit_get_TimeToApoapsis", O(orbit))), F(dv))
        check(abs(g.d("Node_get_DeltaV", O(node)) - dv) < 1e-3, "node delta-v")
        planned = g.obj("Node_get_Orbit", O(node))
        check(g.d("Orbit_get_PeriapsisAltitude", O(planned)) > 140000, "the node's orbit is circular")
        thrust = g.f("Vessel_get_AvailableThrust", O(v))
        isp = g.f("Vessel_get_SpecificImpulse", O(v)) * G0
        m0 = g.f("Vessel_get_Mass", O(v))
        burn_time = (m0 - m0 / math.exp(dv / isp)) / (thrust / isp)
        g.do("AutoPilot_set_ReferenceFrame", O(ap), O(g.obj("Node_get_ReferenceFrame", O(node))))
        g.do("AutoPilot_set_TargetDirection", O(ap), T(0, 1, 0))
        g.do("AutoPilot_Wait", O(ap))
        burn_ut = g.d("get_UT") + g.d("Orbit_get_TimeToApoapsis", O(orbit)) - burn_time / 2
        g.do("WarpTo", D(burn_ut - 5), F(100000), F(2))
        check(g.d("get_UT") >= burn_ut - 5, "WarpTo reached the time")
        eq(g.i("get_WarpMode"), 2, "warp off afterwards")
        g.advance(burn_ut - g.d("get_UT"))
        g.do("Control_set_Throttle", O(ctl), F(1))
        g.advance(burn_time - 0.1)
        g.do("Control_set_Throttle", O(ctl), F(0.05))
        # fine tuning on the remaining burn vector in the vessel's orbital frame
        for _ in range(400):
            if g.t("Node_RemainingBurnVector", O(node), None)[1] <= 0:
                break
            g.advance(0.05)
        g.do("Control_set_Throttle", O(ctl), F(0))
        check(g.d("Node_get_RemainingDeltaV", O(node)) < 5, "node executed")
        g.do("Node_Remove", O(node))
        err = g.error("Node_get_UT", O(node))
        eq(err.name, "ObjectDestroyedException", "removed node")
        pe = g.d("Orbit_get_PeriapsisAltitude", O(orbit))
        apo = g.d("Orbit_get_ApoapsisAltitude", O(orbit))
        check(pe > 70000, "stable orbit: periapsis %.0f m" % pe)
        check(130000 < pe <= apo < 170000, "about 150 km circular: %.0f x %.0f" % (pe, apo))
        g.advance(600)
        eq(g.i("Vessel_get_Situation", O(v)), 1, "Orbiting")


@test
def quicksave_and_quickload():
    with game_server("Orbit") as srv:
        g = Game(Client(srv))
        v = g.vessel()
        body = g.body(v)
        res = g.obj("Vessel_get_Resources", O(v))
        ctl = g.obj("Vessel_get_Control", O(v))
        err = g.error("Quickload")
        eq(err.name, "ArgumentException", "nothing to load yet")
        g.do("Quicksave")
        ut = g.d("get_UT")
        g.objs("Control_ActivateNextStage", O(ctl))
        g.do("Control_set_Throttle", O(ctl), F(1))
        g.advance(5)
        check(g.amount(res, "LiquidFuel") < 2880, "fuel burnt")
        g.do("Quickload")
        eq(g.d("get_UT"), ut, "time as saved")
        err = g.error("Vessel_get_Name", O(v))
        eq(err.name, "ObjectDestroyedException", "objects of the old game are gone")
        v2 = g.vessel()
        check(v2 != v, "a new object for the reloaded vessel")
        eq(g.amount(g.obj("Vessel_get_Resources", O(v2)), "LiquidFuel"), 2880.0, "fuel as saved")
        eq(g.s("CelestialBody_get_Name", O(body)), "Kerbin", "bodies survive a load")
        eq(g.i("Control_get_CurrentStage", O(g.obj("Vessel_get_Control", O(v2)))), 3, "stage as saved")


@test
def service_definitions_and_scenes():
    # Flight members keep the reference's scenes
    os.environ["KRPC_SC_SCENARIO"] = "SubOrbitalFlight"
    with Server(plugins=[plugin_path()]) as srv:
        c = Client(srv)
        svcs = pb.Services()
        svcs.ParseFromString(c.value("KRPC", "GetServices"))
        by = {s.name: s for s in svcs.services}
        check({"SpaceCenter", "Drawing", "MockGame"} <= set(by), "services")
        procs = {p.name: p for p in by["SpaceCenter"].procedures}
        for name in ("get_ActiveVessel", "get_UT", "Vessel_get_Name", "Vessel_get_Orbit", "Orbit_get_Body",
                     "CelestialBody_get_ReferenceFrame"):
            eq(list(procs[name].game_scenes), [], name + " available everywhere")
        for name in ("Vessel_get_Control", "Control_set_Throttle", "Vessel_Flight", "AutoPilot_Wait", "WarpTo",
                     "Node_Remove", "AutoPilot_Engage"):
            eq(list(procs[name].game_scenes), [pb.Procedure.FLIGHT], name + " in flight")
        eq(sorted(procs["Resources_Amount"].game_scenes),
           [pb.Procedure.FLIGHT, pb.Procedure.EDITOR_VAB, pb.Procedure.EDITOR_SPH], "Resources")
        check(procs["get_ActiveVessel"].return_is_nullable, "ActiveVessel nullable")
        eq([p.name for p in procs["WarpTo"].parameters], ["ut", "maxRailsRate", "maxPhysicsRate"], "WarpTo params")
        eq([p.name for p in procs["Control_AddNode"].parameters], ["this", "ut", "prograde", "normal", "radial"],
           "AddNode params")
        check(procs["Vessel_Flight"].parameters[1].nullable, "Flight frame nullable")
        frame = procs["Vessel_Flight"].parameters[1]
        check(frame.has_default_value and frame.default_value_is_null, "Flight frame defaults to null")
        eq(frame.default_value, b"\x00", "the null default as object id 0 (pre-0.7 dynamic clients read only it)")
        check(procs["Vessel_ResourcesInDecoupleStage"].deprecated, "legacy name deprecated")
        g = Game(c)
        v = g.vessel()
        eq(g.s("Vessel_get_Name", O(v)), "SubOrbitalFlight", "All-scene member works")
        # a scenario with an active vessel puts the server in the Flight scene
        eq(c.value("KRPC", "get_GameScene"), b"\x02", "KRPC.GameScene is Flight")
        r = g.c.call("SpaceCenter", "Vessel_get_Control", O(v))
        check(not r.HasField("error"), "Flight member works in flight: %s" % r.error.description)


# ---- nulls for both client generations (spacecenter.md decision 1) -------------

NULL_ID0 = b"\x12\x01\x00\x18\x01"  # ProcedureResult{value: 00 (object id 0), is_null: true}


def raw_result(client, call):
    """The raw ProcedureResult of a one-call request, as the server wrote it."""
    client.rpc.send_msg(pb.Request(calls=[call]))
    raw = client.rpc.recv_raw()  # Response{results (field 2): [ProcedureResult]}
    check(raw[:1] == b"\x12" and raw[1] == len(raw) - 2, "one short result: %s" % raw.hex())
    return raw[2:]


def v07_client(srv):
    """A client that announces protocol version 1 (kRPC 0.7)."""
    c = Client.__new__(Client)
    c.server, c.stream = srv, None
    c.rpc = krpctest.Conn(srv.rpc_port)
    c.rpc.send_msg(pb.ConnectionRequest(type=pb.ConnectionRequest.RPC, client_name="v07", protocol_version=1))
    resp = c.rpc.recv(pb.ConnectionResponse)
    check(resp.status == pb.ConnectionResponse.OK, "0.7 handshake: %s" % resp.message)
    return c


@test
def null_objects_read_as_none_by_old_and_new_clients():
    with game_server("Orbit") as srv:
        c = Client(srv, stream=True)
        g = Game(c)
        v = g.vessel()
        # results: is_null for clients since 0.6, object id 0 for v0.5.4 ones (which know no is_null)
        eq(raw_result(c, make_call("SpaceCenter", "get_TargetVessel")), NULL_ID0, "no target vessel")
        eq(raw_result(c, make_call("SpaceCenter", "get_TargetBody")), NULL_ID0, "no target body")
        root = g.obj("Parts_get_Root", O(g.obj("Vessel_get_Parts", O(v))))
        eq(raw_result(c, make_call("SpaceCenter", "Part_get_Parent", O(root))), NULL_ID0, "the root has no parent")
        eq(raw_result(v07_client(srv), make_call("SpaceCenter", "get_TargetVessel")), NULL_ID0,
           "the same bytes for a 0.7 client")
        # a non-null object result carries no is_null
        r = g.raw("Part_get_Vessel", O(root))
        check(not r.is_null and dec_obj(r.value) == v, "an object is not null")
        # arguments: is_null, object id 0 and an omitted argument are all the default (null) frame
        f_omitted = g.obj("Vessel_Flight", O(v))
        eq(g.obj("Vessel_Flight", O(v), None), f_omitted, "is_null frame")
        eq(g.obj("Vessel_Flight", O(v), O(0)), f_omitted, "object id 0 frame (v0.5.4 client)")
        n = Game(v07_client(srv))
        eq(n.obj("Vessel_Flight", O(v), O(0)), f_omitted, "object id 0 frame from a 0.7 client")
        err = g.error("Vessel_Position", O(v), O(0))
        check("got null" in err.description, "id 0 where null is not allowed: %s" % err.description)
        err = n.error("Vessel_Position", O(v), None)
        check("got null" in err.description, "is_null where null is not allowed: %s" % err.description)
        # stream values: the same ProcedureResult in the StreamUpdate
        call = make_call("SpaceCenter", "get_TargetVessel")
        s = pb.Stream()
        s.ParseFromString(c.value("KRPC", "AddStream", call.SerializeToString(), b"\x01"))
        raw = c.stream.recv_raw()
        upd = pb.StreamUpdate()
        upd.ParseFromString(raw)
        eq([x.id for x in upd.results], [s.id], "first update of the stream")
        check(raw.endswith(b"\x12\x05" + NULL_ID0), "stream value is_null and id 0: %s" % raw.hex())


# ---- the autopilot belongs to the client that engaged it -------------------------

def client_count(g):
    return len(dec_list(g.c.value("KRPC", "get_Clients")))


def poll(fn, what, timeout=10):
    deadline = time.monotonic() + timeout
    while not fn():
        check(time.monotonic() < deadline, "timed out waiting for " + what)
        time.sleep(0.01)


@test
def autopilot_disengages_when_its_client_leaves():
    with game_server("Orbit") as srv:
        watcher = Game(Client(srv, name="watcher"))
        v = watcher.vessel()
        ap = watcher.obj("Vessel_get_AutoPilot", O(v))
        of = watcher.obj("Vessel_get_OrbitalReferenceFrame", O(v))
        nonrot = watcher.obj("CelestialBody_get_NonRotatingReferenceFrame", O(watcher.body(v)))
        rate = lambda: watcher.t("Vessel_AngularVelocity", O(v), O(nonrot))

        # A engages (v0.5.4's Engage) and the vessel turns towards the orbit normal
        a = Game(Client(srv, name="pilot-a"))
        a.do("AutoPilot_set_ReferenceFrame", O(ap), O(of))
        a.do("AutoPilot_set_TargetDirection", O(ap), T(0, 0, 1))
        a.do("AutoPilot_Engage", O(ap))
        a.advance(1.0)
        w0 = rate()
        check(norm(w0) > 0.01, "steered while engaged: %r" % (w0,))
        # a client that did not engage it leaving changes nothing
        other = Client(srv, name="bystander")
        other.close()
        poll(lambda: client_count(watcher) == 2, "the bystander gone")
        eq(watcher.b("AutoPilot_get_Engaged", O(ap)), True, "still engaged after another client left")
        # A leaves: disengaged, its configuration and target kept (the reference's AttitudeController)
        a.c.close()
        poll(lambda: not watcher.b("AutoPilot_get_Engaged", O(ap)), "the autopilot disengaged")
        eq(client_count(watcher), 1, "only the watcher is left")
        eq(watcher.t("AutoPilot_get_TargetDirection", O(ap)), (0.0, 0.0, 1.0), "target kept")
        eq(watcher.obj("AutoPilot_get_ReferenceFrame", O(ap)), of, "frame kept")
        err = watcher.error("AutoPilot_get_Error", O(ap))
        eq(err.description, "The auto-pilot is not engaged", "no error once disengaged")
        # no longer steered: no torque acts, the vessel keeps the rate it had
        w1 = rate()
        watcher.advance(5.0)
        w2 = rate()
        check(norm([x - y for x, y in zip(w1, w2)]) < 1e-9 * max(1.0, norm(w1)),
              "not steered after the disengage: %r then %r" % (w1, w2))

        # engaged by B after A: B owns it, A leaving does not disengage
        a = Game(Client(srv, name="pilot-a2"))
        a.do("AutoPilot_set_Engaged", O(ap), B(True))
        b = Game(Client(srv, name="pilot-b"))
        b.do("AutoPilot_set_Engaged", O(ap), B(True))
        a.c.close()
        poll(lambda: client_count(watcher) == 2, "pilot-a2 gone")
        eq(watcher.b("AutoPilot_get_Engaged", O(ap)), True, "engaged by the last client to engage it")
        b.do("AutoPilot_Wait", O(ap))
        check(watcher.f("AutoPilot_get_Error", O(ap)) <= 1.0, "and it still steers")
        b.c.close()
        poll(lambda: not watcher.b("AutoPilot_get_Engaged", O(ap)), "disengaged when pilot-b left")


if __name__ == "__main__":
    run_tests()

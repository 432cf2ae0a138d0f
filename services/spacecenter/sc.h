/*
 * sc.h - what the files of the mock game (the SpaceCenter, Drawing and
 * MockGame services) share: the game world (bodies, part definitions, parts,
 * vessels, maneuver nodes), the kRPC objects that name things in it, and the
 * functions each file offers the others.
 *
 * The world is plain data owned by the plugin state (no globals). Positions
 * and velocities are in the non-rotating frame of the body a vessel orbits
 * (its "main body"), axes parallel to Kerbin's non-rotating frame; body
 * positions are relative to the root of the body tree's Kerbin (the "world"
 * origin). See sc_math.h for the axis conventions.
 */
#ifndef KRPC_SPACECENTER_SC_H
#define KRPC_SPACECENTER_SC_H

#include <krpc/plugin.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sc_math.h"

/* ---- constants ---------------------------------------------------------- */

#define SC_G 6.67408e-11        /* SpaceCenter.G */
#define SC_G0 9.80665           /* engine Isp constant */
#define SC_ATM 101325.0         /* Pa per atmosphere */
#define SC_SUBSTEP 0.02         /* physics step of game time, s */
#define SC_MAX_RES 6            /* resources per part */
#define SC_MAX_PROP 4           /* propellants per engine */
#define SC_NAME 64
#define SC_NRAILS 8

/* kRPC enumerations (values as the reference's) */
enum { SC_SIT_PRELAUNCH, SC_SIT_ORBITING, SC_SIT_SUBORBITAL, SC_SIT_ESCAPING, SC_SIT_FLYING, SC_SIT_LANDED,
       SC_SIT_SPLASHED, SC_SIT_DOCKED };
enum { SC_TYPE_BASE, SC_TYPE_DEBRIS, SC_TYPE_LANDER, SC_TYPE_PLANE, SC_TYPE_PROBE, SC_TYPE_RELAY, SC_TYPE_ROVER,
       SC_TYPE_SHIP, SC_TYPE_STATION, SC_TYPE_SPACEOBJECT, SC_TYPE_UNKNOWN, SC_TYPE_EVA, SC_TYPE_FLAG };
enum { SC_SAS_STABILITY, SC_SAS_MANEUVER, SC_SAS_PROGRADE, SC_SAS_RETROGRADE, SC_SAS_NORMAL, SC_SAS_ANTINORMAL,
       SC_SAS_RADIAL, SC_SAS_ANTIRADIAL, SC_SAS_TARGET, SC_SAS_ANTITARGET };
enum { SC_SPEED_ORBIT, SC_SPEED_SURFACE, SC_SPEED_TARGET };
enum { SC_WARP_RAILS, SC_WARP_PHYSICS, SC_WARP_NONE };
enum { SC_CHUTE_STOWED, SC_CHUTE_ARMED, SC_CHUTE_SEMI, SC_CHUTE_DEPLOYED, SC_CHUTE_CUT };
enum { SC_FLOW_VESSEL, SC_FLOW_STAGE, SC_FLOW_ADJACENT, SC_FLOW_NONE };

/* ---- data files (data.c, cfg.c) ------------------------------------------ */

/* A parsed ConfigNode-style file: NAME { key = value ... } nested. */
typedef struct sc_cfg sc_cfg;
struct sc_cfg {
    char *name;
    size_t nkeys;
    char **keys;
    char **values;
    size_t nchildren;
    sc_cfg **children;
};

sc_cfg *sc_cfg_parse_file(const char *path, char *err, size_t errlen);
void sc_cfg_free(sc_cfg *node);
const char *sc_cfg_get(const sc_cfg *node, const char *key);
double sc_cfg_num(const sc_cfg *node, const char *key, double fallback);
bool sc_cfg_bool(const sc_cfg *node, const char *key, bool fallback);
/* Up to n comma-separated numbers of key; returns how many were read. */
int sc_cfg_nums(const sc_cfg *node, const char *key, double *out, int n);
/* Parse "a, b, c" into up to n numbers. */
int sc_parse_nums(const char *text, double *out, int n);

/* ---- bodies (bodies.c) ---------------------------------------------------- */

typedef struct sc_atmo_point {
    double alt, pressure, density, temperature;
} sc_atmo_point;

typedef struct sc_land {
    double lat, lon, radius, height; /* degrees, degrees, m, m */
} sc_land;

typedef struct sc_body {
    char name[SC_NAME];
    int parent; /* index of the body it orbits, -1 for none */
    double mu, radius, mass, soi, surface_gravity;
    double rot_period, init_rotation; /* s, rad */
    /* orbit around parent: semi-major axis, eccentricity, inclination, longitude
     * of the ascending node, argument of periapsis (rad), mean anomaly at epoch */
    double sma, ecc, inc, lan, argpe, mean_anomaly_epoch, epoch;
    bool is_star, has_surface, has_atmosphere, has_oxygen;
    double atmosphere_depth, flying_high, space_high;
    double ocean_floor; /* bedrock height over water (negative) */
    size_t natmo;
    sc_atmo_point atmo[48];
    size_t nland;
    sc_land land[16];
    double warp_alt[SC_NRAILS]; /* minimum altitude per rails warp index */
} sc_body;

/* ---- part definitions ---------------------------------------------------- */

typedef struct sc_resdef {
    char name[SC_NAME];
    double density; /* kg per unit */
    int flow;       /* SC_FLOW_* */
} sc_resdef;

typedef struct sc_partdef {
    char name[SC_NAME];
    char title[128];
    double mass; /* dry mass, kg */
    double cost;
    double cda;    /* drag area (Cd x A) in m^2 as part of a vessel */
    double height; /* along the part's y axis, m */
    double radius;
    double crash_tolerance; /* m/s */
    double max_temperature;
    int crew_capacity;
    bool crossfeed;
    size_t nres;
    int res[SC_MAX_RES];
    double res_max[SC_MAX_RES];
    /* command pod / reaction wheel */
    bool command;
    double wheel_torque; /* N m about each axis */
    /* engine */
    bool engine;
    double thrust_vac; /* N */
    double isp_vac, isp_asl;
    size_t nprop;
    int prop[SC_MAX_PROP];
    double prop_ratio[SC_MAX_PROP];
    bool throttle_locked, can_shutdown, can_restart;
    double gimbal_range; /* degrees */
    /* decoupler */
    bool decoupler, omni;
    double ejection_impulse; /* N s */
    /* parachute */
    bool parachute;
    double chute_semi_cda, chute_full_cda, chute_deploy_altitude, chute_min_pressure; /* pressure in atm */
    double chute_semi_time, chute_full_time;
    /* launch clamp */
    bool clamp;
} sc_partdef;

/* ---- the world ------------------------------------------------------------ */

typedef struct sc_part {
    uint32_t id;
    const sc_partdef *def;
    uint32_t vessel; /* id of the vessel it belongs to */
    int parent;      /* index into world parts, -1 for the root */
    bool radial;     /* surface-attached to its parent */
    bool alive;
    v3 pos;   /* position in the craft (VAB) frame = vessel frame at build time */
    quat rot; /* rotation in the craft frame */
    int stage; /* activation stage (inverseStage), -1 without a staging icon */
    char tag[SC_NAME];
    double amount[SC_MAX_RES], max[SC_MAX_RES];
    bool res_enabled[SC_MAX_RES];
    /* engine */
    bool active, flameout;
    double thrust_limit; /* 0..1 */
    double thrust;       /* current, N */
    /* parachute */
    int chute_state;
    double chute_progress; /* s since the current state began */
    double chute_deploy_altitude, chute_min_pressure;
    /* decoupler / clamp */
    bool decoupled, released;
    bool crossfeed;
} sc_part;

typedef struct sc_vessel {
    uint32_t id;
    char name[128];
    int type;
    bool alive;
    int body; /* main body index */
    /* translational state relative to the main body, non-rotating axes */
    v3 r, v;
    quat q; /* attitude: vessel frame -> world axes */
    v3 w;   /* angular velocity, world axes */
    int situation;
    bool fixed;    /* held to the surface (landed, splashed or clamped) */
    bool clamped;  /* held by launch clamps */
    bool launched; /* has left PreLaunch */
    v3 fixed_r;    /* position in the body's rotating frame while fixed */
    quat fixed_q;  /* attitude relative to the body's rotating frame */
    double launch_ut;
    double clearance;   /* CoM height above the lowest point, m */
    v3 accel;           /* last total acceleration (world axes) */
    v3 proper_accel;    /* last acceleration without gravity */
    v3 aero_force;      /* last aerodynamic force (world axes) */
    /* control */
    float throttle, throttle_set;
    float pitch_in, yaw_in, roll_in, fwd_in, up_in, right_in;
    bool sas, rcs, gear, legs, wheels, lights, brakes, abort, chutes_group;
    uint32_t action_groups; /* bits 0..9 */
    int sas_mode, speed_mode;
    int current_stage;
    bool stage_lock;
    /* autopilot */
    bool ap_engaged;
    bool ap_has_client;     /* engaged by a client (ap_client), which may leave */
    uint8_t ap_client[16];  /* its kRPC client id */
    void *ap_frame; /* sc_obj of kind FRAME, NULL = surface frame */
    double ap_pitch, ap_heading, ap_roll; /* degrees, NaN = unset */
    v3 ap_direction;                      /* in ap_frame, zero = use pitch/heading */
    bool ap_use_direction;
    float ap_stop_angle, ap_stop_velocity;
    int controlling_part; /* index into parts, -1 = root */
} sc_vessel;

typedef struct sc_node {
    uint32_t id;
    uint32_t vessel;
    bool alive;
    double ut;
    double prograde, normal, radial;
    /* the planned state at ut (relative to the vessel's body) */
    int body;
    v3 target_r, target_v;
} sc_node;

typedef struct sc_conic {
    int body;
    double mu;
    v3 r, v; /* relative to body, non-rotating axes */
    double t;
} sc_conic;

/* The orbital elements of a conic, computed from its state vectors. */
typedef struct sc_elements {
    double a, e, i, lan, argpe;
    double mean_anomaly, ecc_anomaly, true_anomaly; /* at the conic's time */
    double n;                                       /* mean motion */
    double period;
    double ap, pe; /* radii */
} sc_elements;

typedef struct sc_objects sc_objects; /* objects.c */

typedef struct sc_world {
    double ut;
    size_t nbodies;
    sc_body *bodies;
    size_t nresdefs;
    sc_resdef *resdefs;
    size_t npartdefs;
    sc_partdef *partdefs;
    size_t nparts, capparts;
    sc_part *parts;
    size_t nvessels, capvessels;
    sc_vessel **vessels;
    size_t nnodes, capnodes;
    sc_node **nodes;
    int home; /* the body at the world origin (Kerbin) */
    uint32_t next_vessel_id, next_part_id, next_node_id;
    uint32_t active_vessel; /* 0 = none */
    uint32_t target_vessel;
    int target_body; /* -1 = none */
    /* time warp */
    int warp_mode; /* SC_WARP_* */
    int rails_index, physics_index;
    char scenario[SC_NAME];
} sc_world;

/* ---- the plugin state (state.c) -------------------------------------------- */

typedef struct sc_state {
    krpc_host *host;
    const krpc_host_api *api;
    char data_dir[512];
    sc_world world;
    sc_objects *objects;
    double time_scale;
    bool lockstep;
    bool realtime; /* advance by the wall clock rather than the host's dt */
    uint64_t last_tick_ns;
    int waiters; /* blocking calls that need game time to pass in lockstep */
    double warp_target; /* UT a WarpTo is heading for, or -1 */
    float warp_max_rails, warp_max_physics;
    uint32_t next_line_id;
    /* saved games (Quicksave is the one named "quicksave") */
    size_t nsaves;
    struct sc_save *saves;
} sc_state;

/* A saved game: the dynamic part of the world (saves.c). */
typedef struct sc_save {
    char name[SC_NAME];
    double ut;
    size_t nparts;
    sc_part *parts;
    size_t nvessels;
    sc_vessel *vessels;
    size_t nnodes;
    sc_node *nodes;
    uint32_t active_vessel, target_vessel;
    int target_body;
} sc_save;

int sc_save_game(sc_state *st, const char *name);
/* Returns -1 when there is no such save. Every object of a vessel, part or
 * node is destroyed; bodies and frames fixed to bodies stay. */
int sc_load_game(sc_state *st, const char *name);
void sc_saves_free(sc_state *st);

int sc_state_init(krpc_host *host, const krpc_host_api *api, void **state);
void sc_state_tick(void *state, double dt);
void sc_state_cleanup(void *state);
/* The host's on_client_disconnect handler: disengages the autopilots the
 * client engaged (the reference's AttitudeController.Fly). */
void sc_client_disconnected(void *state, const uint8_t *client_id, const char *client_name);
static inline sc_state *sc_of(krpc_call *call) { return (sc_state *)call->state; }

/* Advance game time by dt seconds (no warp logic), in substeps. */
void sc_advance(sc_state *st, double dt, bool rails);
/* Load a scenario by name into a fresh world; destroys every old object.
 * Returns 0 or -1 with a message. */
int sc_load_scenario(sc_state *st, const char *name, char *err, size_t errlen);

/* ---- data loading (data.c) --------------------------------------------------- */

int sc_data_load_static(sc_world *w, const char *dir, char *err, size_t errlen);
int sc_data_load_scenario(sc_world *w, const char *dir, const char *name, char *err, size_t errlen);
void sc_world_free(sc_world *w);
int sc_resdef_find(const sc_world *w, const char *name);
const sc_partdef *sc_partdef_find(const sc_world *w, const char *name);
int sc_body_find(const sc_world *w, const char *name);

/* ---- bodies (bodies.c) ----------------------------------------------------- */

/* Position and velocity of a body relative to the world origin, at ut. */
v3 sc_body_position(const sc_world *w, int body, double ut);
v3 sc_body_velocity(const sc_world *w, int body, double ut);
double sc_body_rotation_angle(const sc_body *b, double ut);
double sc_body_omega(const sc_body *b);
/* Rotating-frame axes in world components; angular velocity (0, -omega, 0). */
m3 sc_body_rotation(const sc_body *b, double ut);
v3 sc_body_angular_velocity(const sc_body *b);
/* Latitude/longitude (degrees) and altitude of a body-relative position. */
void sc_body_latlon(const sc_body *b, double ut, v3 rel, double *lat, double *lon);
v3 sc_body_surface_point(const sc_body *b, double ut, double lat, double lon, double altitude);
double sc_body_terrain(const sc_body *b, double lat, double lon, bool *water);
double sc_body_bedrock(const sc_body *b, double lat, double lon);
double sc_body_pressure(const sc_body *b, double alt);    /* Pa */
double sc_body_density(const sc_body *b, double alt);     /* kg/m^3 */
double sc_body_temperature(const sc_body *b, double alt); /* K */
/* The conic of a body's orbit around its parent, at ut. */
sc_conic sc_body_conic(const sc_world *w, int body, double ut);

/* ---- orbits (orbit.c) ------------------------------------------------------ */

sc_elements sc_elements_of(const sc_conic *c);
/* The state at time t on the orbit with these elements (angles in radians). */
sc_conic sc_conic_from_elements(double mu, double a, double e, double inc, double lan, double argpe,
                                double mean_anomaly, double t);
/* Propagate a conic (Kepler, universal variables) to time t. */
void sc_conic_at(const sc_conic *c, double t, v3 *r, v3 *v);
double sc_conic_time_to_true_anomaly(const sc_conic *c, double nu);
double sc_mean_anomaly_at(const sc_conic *c, double t);
double sc_ecc_anomaly_from_mean(double e, double m);
double sc_true_from_ecc(double e, double ecc_anomaly);
double sc_ecc_from_true(double e, double nu);
double sc_mean_from_ecc(double e, double ecc_anomaly);

/* ---- vessels and parts (vessel.c) ------------------------------------------ */

sc_vessel *sc_vessel_get(const sc_world *w, uint32_t id);   /* alive only */
sc_vessel *sc_vessel_any(const sc_world *w, uint32_t id);   /* dead too */
sc_part *sc_part_get(const sc_world *w, uint32_t id);
int sc_part_index(const sc_world *w, const sc_part *p);
int sc_vessel_root(const sc_world *w, const sc_vessel *v); /* part index */
double sc_vessel_mass(const sc_world *w, const sc_vessel *v);
double sc_vessel_dry_mass(const sc_world *w, const sc_vessel *v);
double sc_part_mass(const sc_world *w, const sc_part *p);
/* CoM of a vessel in craft coordinates. */
v3 sc_vessel_com_local(const sc_world *w, const sc_vessel *v);
/* Principal moments of inertia (kg m^2) about the vessel axes. */
v3 sc_vessel_inertia(const sc_world *w, const sc_vessel *v);
/* Available torque (N m) about the vessel axes: reaction wheels and gimbals. */
v3 sc_vessel_wheel_torque(const sc_world *w, const sc_vessel *v);
v3 sc_vessel_engine_torque(const sc_world *w, const sc_vessel *v);
int sc_part_decouple_stage(const sc_world *w, const sc_part *p);
sc_vessel *sc_vessel_new(sc_world *w);
/* Recompute the vessel's clearance and keep its CoM where it is after its parts changed. */
void sc_vessel_parts_changed(sc_world *w, sc_vessel *v, v3 old_com_local);
/* Staging: activate the next stage of the vessel. New vessels are appended to
 * out (up to max); returns how many. */
size_t sc_vessel_stage(sc_world *w, sc_vessel *v, uint32_t *out, size_t max);
/* Fire one decoupler / release one clamp; new vessel ids go to out. */
size_t sc_part_decouple(sc_world *w, sc_part *p, uint32_t *out, size_t max);
size_t sc_part_release_clamp(sc_world *w, sc_part *p, uint32_t *out, size_t max);
void sc_part_activate(sc_world *w, sc_part *p, uint32_t *out, size_t max, size_t *n);
void sc_parachute_deploy(sc_part *p);
int sc_vessel_max_stage(const sc_world *w, const sc_vessel *v);
/* World-space state of a vessel (relative to the world origin). */
v3 sc_vessel_world_position(const sc_world *w, const sc_vessel *v);
v3 sc_vessel_world_velocity(const sc_world *w, const sc_vessel *v);
v3 sc_part_world_position(const sc_world *w, const sc_part *p);
/* Surface (rotating-frame) velocity of the vessel, world axes. */
v3 sc_vessel_surface_velocity(const sc_world *w, const sc_vessel *v);
double sc_vessel_altitude(const sc_world *w, const sc_vessel *v);
sc_conic sc_vessel_conic(const sc_world *w, const sc_vessel *v);
/* Engine figures at a pressure in atmospheres. */
double sc_engine_isp(const sc_partdef *d, double p_atm);
double sc_engine_max_thrust(const sc_part *p, double p_atm); /* full throttle and limit 1 */
double sc_engine_available_thrust(const sc_world *w, const sc_part *p, double p_atm);
bool sc_engine_has_fuel(const sc_world *w, const sc_part *p);
double sc_vessel_pressure_atm(const sc_world *w, const sc_vessel *v);
void sc_vessel_update_situation(sc_world *w, sc_vessel *v);
/* Burn an engine for h seconds at a throttle: drains propellant, returns the
 * thrust (N). */
double sc_engine_burn(sc_world *w, sc_part *p, double throttle, double p_atm, double h);
double sc_speed_of_sound(double temperature);
/* Roll (degrees, positive right) about the nose relative to the zero-roll
 * attitude whose top is towards zenith. */
double sc_vessel_roll(sc_vessel *v, v3 zenith);

/* ---- physics (physics.c) --------------------------------------------------- */

/* Step every live vessel by h seconds of game time (rails: no forces). Vessels
 * destroyed on the way are reported to the object store. */
void sc_physics_step(sc_state *st, double h, bool rails);
/* Destroy a vessel: mark it and its parts dead and report every object. */
void sc_vessel_destroy(sc_state *st, sc_vessel *v);
/* Hold a vessel fixed to the surface where it is. */
void sc_vessel_fix_to_surface(sc_world *w, sc_vessel *v);
/* Rails warp allowed at this index (0..7) for the vessel. */
bool sc_can_rails_warp(const sc_world *w, const sc_vessel *v, int index);
extern const double sc_rails_rates[SC_NRAILS];
extern const double sc_physics_rates[4];

/* ---- autopilot (autopilot.c) ------------------------------------------------ */

void sc_autopilot_reset(sc_vessel *v);
/* Engage for the client with this id (it disengages when the client
 * leaves), or disengage with NULL. */
void sc_autopilot_engage(sc_vessel *v, const uint8_t *client_id);
/* Target direction (world axes) or false when there is none. */
bool sc_autopilot_target(sc_state *st, sc_vessel *v, v3 *dir, double *roll_deg, bool *has_roll);
/* Pointing error in degrees, NAN when it cannot be computed. */
double sc_autopilot_error(sc_state *st, sc_vessel *v);
/* One attitude-control step of h seconds (updates v->w). */
void sc_attitude_step(sc_state *st, sc_vessel *v, double h);

/* ---- objects and reference frames (objects.c, frames.c) --------------------- */

typedef enum sc_kind {
    SC_K_VESSEL = 1,
    SC_K_CONTROL,
    SC_K_FLIGHT,
    SC_K_AUTOPILOT,
    SC_K_ORBIT,
    SC_K_BODY,
    SC_K_FRAME,
    SC_K_RESOURCES,
    SC_K_RESOURCE,
    SC_K_STAGE,
    SC_K_NODE,
    SC_K_PARTS,
    SC_K_PART,
    SC_K_ENGINE,
    SC_K_PARACHUTE,
    SC_K_DECOUPLER,
    SC_K_CLAMP,
    SC_K_LINE,
} sc_kind;

/* Reference frame types (key.sub of a FRAME object). */
enum {
    SC_F_BODY = 1,
    SC_F_BODY_NONROT,
    SC_F_BODY_ORBITAL,
    SC_F_VESSEL,
    SC_F_VESSEL_ORBITAL,
    SC_F_VESSEL_SURFACE,
    SC_F_VESSEL_SURFVEL,
    SC_F_VESSEL_ORBITSPEED,
    SC_F_VESSEL_SURFSPEED,
    SC_F_NODE,
    SC_F_NODE_ORBITAL,
    SC_F_PART,
    SC_F_PART_COM,
    SC_F_RELATIVE,
    SC_F_HYBRID,
};

/* Orbit kinds (key.sub of an ORBIT object). */
enum { SC_O_VESSEL = 1, SC_O_BODY, SC_O_NODE };
/* Resources kinds (key.sub of a RESOURCES object). */
enum { SC_R_VESSEL = 1, SC_R_PART };

typedef struct sc_obj sc_obj;

/* What identifies an object: equal keys are the same kRPC object. Build with
 * sc_key_init (zeroes it, padding included, so keys compare with memcmp). */
typedef struct sc_key {
    int32_t kind;
    int32_t sub;
    uint32_t vessel;
    uint32_t id;
    int32_t num;
    int32_t flag;
    const sc_obj *ref[4];
    double d[13];
    char name[SC_NAME];
} sc_key;

typedef struct sc_line {
    v3 start, end;
    v3 color;
    float thickness;
    bool visible;
    bool from_com; /* AddDirectionFromCom */
} sc_line;

struct sc_obj {
    sc_key key;
    bool dead;
    sc_obj *hnext;
    sc_line *line; /* kind LINE */
};

void sc_key_init(sc_key *k, sc_kind kind);
sc_objects *sc_objects_create(void);
void sc_objects_free(sc_objects *o);
/* The object for a key, created on first use; NULL when out of memory. */
sc_obj *sc_intern(sc_state *st, const sc_key *k);
/* Report dead every object that depends on a vessel / part / node, and (for
 * everything == true) every object at all. */
void sc_objects_vessel_destroyed(sc_state *st, uint32_t vessel, bool everything);
/* Destroy every object except bodies and what is defined on bodies alone. */
void sc_objects_game_reloaded(sc_state *st);
void sc_objects_node_removed(sc_state *st, uint32_t node);
void sc_objects_kill(sc_state *st, sc_obj *o);
const char *sc_kind_class(sc_kind kind);

/* Evaluated frame: origin, axes (columns), velocity and angular velocity, all
 * in world space. */
typedef struct sc_fstate {
    v3 o;
    m3 r;
    v3 v;
    v3 w;
} sc_fstate;

/* Evaluate a frame; on failure returns -1 with kind and message set. */
int sc_frame_eval(sc_state *st, const sc_obj *frame, sc_fstate *out, krpc_error_kind *kind, char *msg,
                  size_t msglen);
v3 sc_f_pos_from(const sc_fstate *f, v3 world);
v3 sc_f_pos_to(const sc_fstate *f, v3 local);
v3 sc_f_dir_from(const sc_fstate *f, v3 world);
v3 sc_f_dir_to(const sc_fstate *f, v3 local);
v3 sc_f_vel_from(const sc_fstate *f, v3 world_pos, v3 world_vel);
v3 sc_f_vel_to(const sc_fstate *f, v3 local_pos, v3 local_vel);
v3 sc_f_angvel_from(const sc_fstate *f, v3 world_w);
quat sc_f_rot_from(const sc_fstate *f, const m3 *world_rot);

/* Frame objects (interned). */
sc_obj *sc_frame_body(sc_state *st, int body, int sub);
sc_obj *sc_frame_vessel(sc_state *st, uint32_t vessel, int sub);
sc_obj *sc_frame_node(sc_state *st, const sc_node *node, int sub);
sc_obj *sc_frame_part(sc_state *st, uint32_t part, int sub);
/* Does the frame rotate with the given vessel (vessel or part frames)? */
bool sc_frame_rotates_with(sc_state *st, const sc_obj *frame, uint32_t vessel);

/* Node helpers (nodes.c). */
sc_node *sc_node_get(const sc_world *w, uint32_t id);
sc_node *sc_node_add(sc_world *w, sc_vessel *v, double ut, double prograde, double normal, double radial);
void sc_node_update(sc_world *w, sc_node *n);
/* Current-orbit state at the node's time. */
void sc_node_current(const sc_world *w, const sc_node *n, v3 *r, v3 *v);
v3 sc_node_remaining(const sc_world *w, const sc_node *n); /* world axes */
v3 sc_node_burn_vector(const sc_world *w, const sc_node *n);
void sc_node_remove(sc_state *st, sc_node *n);

/* ---- procedure helpers (util.c) ---------------------------------------------- */

int sc_oom(krpc_call *call);
int sc_raisef(krpc_call *call, krpc_error_kind kind, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
krpc_value *sc_values(krpc_call *call, size_t n);
int sc_ret_v3(krpc_call *call, krpc_value *result, v3 v);
int sc_ret_quat(krpc_call *call, krpc_value *result, quat q);
int sc_ret_string(krpc_call *call, krpc_value *result, const char *s);
int sc_ret_obj(krpc_call *call, krpc_value *result, sc_obj *o);
v3 sc_arg_v3(const krpc_value *v);
quat sc_arg_quat(const krpc_value *v);
/* The vessel / part / node / frame behind an object argument; raise and
 * return NULL when it is gone. */
sc_vessel *sc_arg_vessel(krpc_call *call, const krpc_value *arg);
sc_part *sc_arg_part(krpc_call *call, const krpc_value *arg);
sc_node *sc_arg_node(krpc_call *call, const krpc_value *arg);
/* Evaluate a frame argument (raises on failure). */
int sc_arg_frame(krpc_call *call, const krpc_value *arg, sc_fstate *out);
int sc_eval_frame(krpc_call *call, const sc_obj *frame, sc_fstate *out);
sc_obj *sc_obj_vessel(sc_state *st, uint32_t vessel, sc_kind kind);
sc_obj *sc_obj_part(sc_state *st, uint32_t part, sc_kind kind);
sc_obj *sc_obj_body(sc_state *st, int body);
sc_obj *sc_obj_orbit(sc_state *st, int sub, uint32_t id);
sc_obj *sc_obj_node(sc_state *st, const sc_node *n);
/* A list of vessel objects. */
int sc_ret_vessels(krpc_call *call, krpc_value *result, const uint32_t *ids, size_t n);

#define SC_PROC(name) int name(krpc_call *call, const krpc_value *args, krpc_value *result)

/* In a procedure: the vessel args[0] stands for (a Vessel, Control,
 * AutoPilot, ... object); returns the error when it is gone. */
#define VESSEL_OR_FAIL(v)                          \
    sc_vessel *v = sc_arg_vessel(call, &args[0]); \
    if (v == NULL) {                              \
        return KRPC_ERROR;                        \
    }

/* A getter of a vessel member as the krpc_value member m (b, e, f, i32 ...),
 * and with VESSEL_FIELD also its plain setter. (gen_procs.sh knows them.) */
#define VESSEL_GET(getter, m, field) \
    SC_PROC(getter) {                \
        VESSEL_OR_FAIL(v);           \
        result->u.m = v->field;      \
        return KRPC_OK;              \
    }
#define VESSEL_FIELD(getter, setter, m, field) \
    VESSEL_GET(getter, m, field)               \
    SC_PROC(setter) {                          \
        VESSEL_OR_FAIL(v);                     \
        v->field = args[1].u.m;                \
        return KRPC_OK;                        \
    }

#endif

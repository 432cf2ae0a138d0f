/*
 * decl.c - the declarations of the SpaceCenter (id 2), Drawing (id 3) and
 * MockGame services, and the plugin descriptor.
 *
 * Wire names, parameter names, types, defaults, nullability and game scenes
 * follow the reference (kRPC 0.7 line, plus the v0.5.4 names AutoPilot.Engage,
 * AutoPilot.Disengage and Vessel.ResourcesInDecoupleStage). Within each class
 * the members are in the reference's source order; the mock has a subset of
 * the members, so procedure ids follow the numbering rule but do not match a
 * full SpaceCenter's (spacecenter.md, decision 6).
 */
#include "procs.h"

#include <stdlib.h>
#include <string.h>

#define END \
    { 0 }

#define FL KRPC_SCENE_FLIGHT
#define FE (KRPC_SCENE_FLIGHT | KRPC_SCENE_EDITOR)

#define T3 "tuple(double,double,double)"
#define T4 "tuple(double,double,double,double)"
#define TT3 "tuple(tuple(double,double,double),tuple(double,double,double))"

/* ---- parameter lists ------------------------------------------------------ */

static const krpc_param_decl p_frame[] = {{.name = "referenceFrame", .type = "ReferenceFrame"}, END};
static const krpc_param_decl p_frame_null[] = {
    {.name = "referenceFrame", .type = "ReferenceFrame?", .default_value = "null"}, END};
static const krpc_param_decl p_pressure[] = {{.name = "pressure", .type = "double"}, END};
static const krpc_param_decl p_stage[] = {{.name = "stage", .type = "sint32"}, END};
static const krpc_param_decl p_stage_cumulative[] = {
    {.name = "stage", .type = "sint32"},
    {.name = "cumulative", .type = "bool", .default_value = "true"},
    END,
};
static const krpc_param_decl p_cumulative[] = {{.name = "cumulative", .type = "bool", .default_value = "true"}, END};
static const krpc_param_decl p_name[] = {{.name = "name", .type = "string"}, END};
static const krpc_param_decl p_title[] = {{.name = "title", .type = "string"}, END};
static const krpc_param_decl p_tag[] = {{.name = "tag", .type = "string"}, END};
static const krpc_param_decl p_module_name[] = {{.name = "moduleName", .type = "string"}, END};
static const krpc_param_decl p_ut[] = {{.name = "ut", .type = "double"}, END};
static const krpc_param_decl p_time[] = {{.name = "time", .type = "double"}, END};
static const krpc_param_decl p_true_anomaly[] = {{.name = "trueAnomaly", .type = "double"}, END};
static const krpc_param_decl p_radius[] = {{.name = "radius", .type = "double"}, END};
static const krpc_param_decl p_ut_frame[] = {
    {.name = "ut", .type = "double"}, {.name = "referenceFrame", .type = "ReferenceFrame"}, END};
static const krpc_param_decl p_latlon[] = {{.name = "latitude", .type = "double"}, {.name = "longitude", .type = "double"}, END};
static const krpc_param_decl p_latlon_frame[] = {
    {.name = "latitude", .type = "double"},
    {.name = "longitude", .type = "double"},
    {.name = "referenceFrame", .type = "ReferenceFrame"},
    END,
};
static const krpc_param_decl p_latlonalt_frame[] = {
    {.name = "latitude", .type = "double"},
    {.name = "longitude", .type = "double"},
    {.name = "altitude", .type = "double"},
    {.name = "referenceFrame", .type = "ReferenceFrame"},
    END,
};
static const krpc_param_decl p_position_frame[] = {
    {.name = "position", .type = T3}, {.name = "referenceFrame", .type = "ReferenceFrame"}, END};
static const krpc_param_decl p_altitude[] = {{.name = "altitude", .type = "double"}, END};
static const krpc_param_decl p_group[] = {{.name = "group", .type = "uint32"}, END};
static const krpc_param_decl p_group_state[] = {
    {.name = "group", .type = "uint32"}, {.name = "state", .type = "bool"}, END};
static const krpc_param_decl p_add_node[] = {
    {.name = "ut", .type = "double"},
    {.name = "prograde", .type = "float", .default_value = "0"},
    {.name = "normal", .type = "float", .default_value = "0"},
    {.name = "radial", .type = "float", .default_value = "0"},
    END,
};
static const krpc_param_decl p_pitch_heading[] = {
    {.name = "pitch", .type = "float"}, {.name = "heading", .type = "float"}, END};
static const krpc_param_decl p_timeout[] = {{.name = "timeout", .type = "double", .default_value = "-1"}, END};
static const krpc_param_decl p_factor[] = {{.name = "factor", .type = "sint32", .default_value = "1"}, END};
static const krpc_param_decl p_warp_to[] = {
    {.name = "ut", .type = "double"},
    {.name = "maxRailsRate", .type = "float", .default_value = "100000"},
    {.name = "maxPhysicsRate", .type = "float", .default_value = "2"},
    END,
};
static const krpc_param_decl p_transform_position[] = {
    {.name = "position", .type = T3},
    {.name = "from", .type = "ReferenceFrame"},
    {.name = "to", .type = "ReferenceFrame"},
    END,
};
static const krpc_param_decl p_transform_direction[] = {
    {.name = "direction", .type = T3},
    {.name = "from", .type = "ReferenceFrame"},
    {.name = "to", .type = "ReferenceFrame"},
    END,
};
static const krpc_param_decl p_transform_rotation[] = {
    {.name = "rotation", .type = T4},
    {.name = "from", .type = "ReferenceFrame"},
    {.name = "to", .type = "ReferenceFrame"},
    END,
};
static const krpc_param_decl p_transform_velocity[] = {
    {.name = "position", .type = T3},
    {.name = "velocity", .type = T3},
    {.name = "from", .type = "ReferenceFrame"},
    {.name = "to", .type = "ReferenceFrame"},
    END,
};
static const krpc_param_decl p_create_relative[] = {
    {.name = "referenceFrame", .type = "ReferenceFrame"},
    {.name = "position", .type = T3, .default_value = "(0, 0, 0)"},
    {.name = "rotation", .type = T4, .default_value = "(0, 0, 0, 1)"},
    {.name = "velocity", .type = T3, .default_value = "(0, 0, 0)"},
    {.name = "angularVelocity", .type = T3, .default_value = "(0, 0, 0)"},
    END,
};
static const krpc_param_decl p_create_hybrid[] = {
    {.name = "position", .type = "ReferenceFrame"},
    {.name = "rotation", .type = "ReferenceFrame?", .default_value = "null"},
    {.name = "velocity", .type = "ReferenceFrame?", .default_value = "null"},
    {.name = "angularVelocity", .type = "ReferenceFrame?", .default_value = "null"},
    END,
};

/* ---- SpaceCenter service procedures and properties --------------------------- */

static krpc_procedure_decl sc_procedures[] = {
    {.name = "ClearTarget", .fn = sc_clear_target, .game_scenes = FL, .doc = "Clears the current target."},
    {.name = "Save", .fn = sc_save_proc, .params = p_name, .doc = "Save the game with a given name."},
    {.name = "Load", .fn = sc_load_proc, .params = p_name,
     .doc = "Load the game with the given name."},
    {.name = "Quicksave", .fn = sc_quicksave, .doc = "Save a quicksave."},
    {.name = "Quickload", .fn = sc_quickload, .doc = "Load a quicksave."},
    {.name = "CanRailsWarpAt", .fn = sc_can_rails_warp_at, .params = p_factor, .returns = "bool", .game_scenes = FL,
     .doc = "Returns true if regular \"on-rails\" time warp can be used, at the specified warp factor."},
    {.name = "WarpTo", .fn = sc_warp_to, .params = p_warp_to, .game_scenes = FL,
     .doc = "Uses time acceleration to warp forward to a time in the future, specified by universal time ut. "
            "This call blocks until the desired time is reached."},
    {.name = "TransformPosition", .fn = sc_transform_position, .params = p_transform_position, .returns = T3,
     .doc = "Converts a position from one reference frame to another."},
    {.name = "TransformDirection", .fn = sc_transform_direction, .params = p_transform_direction, .returns = T3,
     .doc = "Converts a direction from one reference frame to another."},
    {.name = "TransformRotation", .fn = sc_transform_rotation, .params = p_transform_rotation, .returns = T4,
     .doc = "Converts a rotation from one reference frame to another."},
    {.name = "TransformVelocity", .fn = sc_transform_velocity, .params = p_transform_velocity, .returns = T3,
     .doc = "Converts a velocity (acting at the specified position) from one reference frame to another."},
    END,
};

static krpc_property_decl sc_properties[] = {
    {.name = "ActiveVessel", .type = "Vessel?", .get = sc_get_active_vessel, .set = sc_set_active_vessel,
     .doc = "The currently active vessel."},
    {.name = "Vessels", .type = "list(Vessel)", .get = sc_get_vessels, .doc = "A list of all the vessels in the game."},
    {.name = "Bodies", .type = "dict(string,CelestialBody)", .get = sc_get_bodies,
     .doc = "A dictionary of all celestial bodies (planets, moons, etc.) in the game, keyed by the name of the body."},
    {.name = "TargetBody", .type = "CelestialBody?", .get = sc_get_target_body, .set = sc_set_target_body,
     .game_scenes = FL, .doc = "The currently targeted celestial body."},
    {.name = "TargetVessel", .type = "Vessel?", .get = sc_get_target_vessel, .set = sc_set_target_vessel,
     .game_scenes = FL, .doc = "The currently targeted vessel."},
    {.name = "UT", .type = "double", .get = sc_get_ut, .doc = "The current universal time in seconds."},
    {.name = "G", .type = "double", .get = sc_get_g, .doc = "The value of the gravitational constant G in N(m/kg)^2."},
    {.name = "WarpMode", .type = "WarpMode", .get = sc_get_warp_mode, .game_scenes = FL,
     .doc = "The current time warp mode."},
    {.name = "WarpRate", .type = "float", .get = sc_get_warp_rate, .game_scenes = FL,
     .doc = "The current warp rate."},
    {.name = "WarpFactor", .type = "float", .get = sc_get_warp_factor, .game_scenes = FL,
     .doc = "The current warp factor."},
    {.name = "RailsWarpFactor", .type = "sint32", .get = sc_get_rails_warp_factor, .set = sc_set_rails_warp_factor,
     .game_scenes = FL, .doc = "The time warp rate, using regular \"on-rails\" time warp."},
    {.name = "PhysicsWarpFactor", .type = "sint32", .get = sc_get_physics_warp_factor,
     .set = sc_set_physics_warp_factor, .game_scenes = FL, .doc = "The physical time warp rate."},
    {.name = "MaximumRailsWarpFactor", .type = "sint32", .get = sc_get_maximum_rails_warp_factor, .game_scenes = FL,
     .doc = "The current maximum regular \"on-rails\" warp factor that can be set."},
    END,
};

/* ---- AutoPilot ------------------------------------------------------------- */

static krpc_procedure_decl autopilot_methods[] = {
    {.name = "Reset", .fn = sc_ap_reset, .doc = "Reset all parameters to their default values."},
    {.name = "TargetPitchAndHeading", .fn = sc_ap_target_pitch_and_heading, .params = p_pitch_heading,
     .doc = "Set target pitch and heading angles."},
    {.name = "Wait", .fn = sc_ap_wait, .params = p_timeout,
     .doc = "Blocks until the vessel is pointing in the target direction and has the target roll (if set)."},
    {.name = "Engage", .fn = sc_ap_engage, .doc = "Engage the auto-pilot.",
     .deprecated = "Use <see cref=\"M:SpaceCenter.AutoPilot.Engaged\" /> instead."},
    {.name = "Disengage", .fn = sc_ap_disengage, .doc = "Disengage the auto-pilot.",
     .deprecated = "Use <see cref=\"M:SpaceCenter.AutoPilot.Engaged\" /> instead."},
    END,
};

static krpc_property_decl autopilot_properties[] = {
    {.name = "SAS", .type = "bool", .get = sc_ap_get_sas, .set = sc_ap_set_sas, .doc = "The state of SAS."},
    {.name = "SASMode", .type = "SASMode", .get = sc_ap_get_sas_mode, .set = sc_ap_set_sas_mode,
     .doc = "The current SASMode."},
    {.name = "Engaged", .type = "bool", .get = sc_ap_get_engaged, .set = sc_ap_set_engaged,
     .doc = "Whether the auto-pilot is engaged."},
    {.name = "ReferenceFrame", .type = "ReferenceFrame", .get = sc_ap_get_reference_frame,
     .set = sc_ap_set_reference_frame, .doc = "The reference frame for the target direction."},
    {.name = "TargetPitch", .type = "float", .get = sc_ap_get_target_pitch, .set = sc_ap_set_target_pitch,
     .doc = "The target pitch, in degrees, between -90 and +90."},
    {.name = "TargetHeading", .type = "float", .get = sc_ap_get_target_heading, .set = sc_ap_set_target_heading,
     .doc = "The target heading, in degrees, between 0 and 360."},
    {.name = "TargetRoll", .type = "float", .get = sc_ap_get_target_roll, .set = sc_ap_set_target_roll,
     .doc = "The target roll, in degrees. NaN if no target roll is set."},
    {.name = "TargetDirection", .type = T3, .get = sc_ap_get_target_direction, .set = sc_ap_set_target_direction,
     .doc = "Direction vector corresponding to the target pitch and heading."},
    {.name = "StoppingAngleThreshold", .type = "float", .get = sc_ap_get_stopping_angle_threshold,
     .set = sc_ap_set_stopping_angle_threshold,
     .doc = "The pointing error, in degrees, below which Wait considers the vessel settled. Defaults to 1."},
    {.name = "StoppingVelocityThreshold", .type = "float", .get = sc_ap_get_stopping_velocity_threshold,
     .set = sc_ap_set_stopping_velocity_threshold,
     .doc = "The angular speed, in radians per second, below which Wait considers the vessel settled. Defaults "
            "to 0.05."},
    {.name = "Error", .type = "float", .get = sc_ap_get_error,
     .doc = "The error, in degrees, between the direction the ship has been asked to point in and the direction "
            "it is pointing in."},
    END,
};

/* ---- CelestialBody ---------------------------------------------------------- */

static krpc_procedure_decl body_methods[] = {
    {.name = "SurfaceHeight", .fn = sc_cb_surface_height, .params = p_latlon, .returns = "double"},
    {.name = "BedrockHeight", .fn = sc_cb_bedrock_height, .params = p_latlon, .returns = "double"},
    {.name = "MSLPosition", .fn = sc_cb_msl_position, .params = p_latlon_frame, .returns = T3},
    {.name = "SurfacePosition", .fn = sc_cb_surface_position, .params = p_latlon_frame, .returns = T3},
    {.name = "BedrockPosition", .fn = sc_cb_bedrock_position, .params = p_latlon_frame, .returns = T3},
    {.name = "PositionAtAltitude", .fn = sc_cb_position_at_altitude, .params = p_latlonalt_frame, .returns = T3},
    {.name = "MSLNormal", .fn = sc_cb_msl_normal, .params = p_latlon_frame, .returns = T3},
    {.name = "SurfaceNormal", .fn = sc_cb_surface_normal, .params = p_latlon_frame, .returns = T3},
    {.name = "BedrockNormal", .fn = sc_cb_bedrock_normal, .params = p_latlon_frame, .returns = T3},
    {.name = "LatitudeAtPosition", .fn = sc_cb_latitude_at_position, .params = p_position_frame,
     .returns = "double"},
    {.name = "LongitudeAtPosition", .fn = sc_cb_longitude_at_position, .params = p_position_frame,
     .returns = "double"},
    {.name = "AltitudeAtPosition", .fn = sc_cb_altitude_at_position, .params = p_position_frame,
     .returns = "double"},
    {.name = "AtmosphericDensityAtPosition", .fn = sc_cb_atmospheric_density_at_position,
     .params = p_position_frame, .returns = "double"},
    {.name = "TemperatureAt", .fn = sc_cb_temperature_at, .params = p_position_frame, .returns = "double"},
    {.name = "DensityAt", .fn = sc_cb_density_at, .params = p_altitude, .returns = "double"},
    {.name = "PressureAt", .fn = sc_cb_pressure_at, .params = p_altitude, .returns = "double"},
    {.name = "Position", .fn = sc_cb_position, .params = p_frame, .returns = T3},
    {.name = "Velocity", .fn = sc_cb_velocity, .params = p_frame, .returns = T3},
    {.name = "Rotation", .fn = sc_cb_rotation, .params = p_frame, .returns = T4},
    {.name = "Direction", .fn = sc_cb_direction, .params = p_frame, .returns = T3},
    {.name = "AngularVelocity", .fn = sc_cb_angular_velocity, .params = p_frame, .returns = T3},
    END,
};

static krpc_property_decl body_properties[] = {
    {.name = "Name", .type = "string", .get = sc_cb_get_name},
    {.name = "Satellites", .type = "list(CelestialBody)", .get = sc_cb_get_satellites},
    {.name = "Mass", .type = "double", .get = sc_cb_get_mass},
    {.name = "GravitationalParameter", .type = "double", .get = sc_cb_get_gravitational_parameter},
    {.name = "SurfaceGravity", .type = "double", .get = sc_cb_get_surface_gravity},
    {.name = "RotationalPeriod", .type = "double", .get = sc_cb_get_rotational_period},
    {.name = "RotationalSpeed", .type = "double", .get = sc_cb_get_rotational_speed},
    {.name = "RotationAngle", .type = "double", .get = sc_cb_get_rotation_angle},
    {.name = "InitialRotation", .type = "double", .get = sc_cb_get_initial_rotation},
    {.name = "EquatorialRadius", .type = "double", .get = sc_cb_get_equatorial_radius},
    {.name = "SphereOfInfluence", .type = "double", .get = sc_cb_get_sphere_of_influence},
    {.name = "Orbit", .type = "Orbit?", .get = sc_cb_get_orbit},
    {.name = "IsStar", .type = "bool", .get = sc_cb_get_is_star},
    {.name = "HasSolidSurface", .type = "bool", .get = sc_cb_get_has_solid_surface},
    {.name = "HasAtmosphere", .type = "bool", .get = sc_cb_get_has_atmosphere},
    {.name = "AtmosphereDepth", .type = "double", .get = sc_cb_get_atmosphere_depth},
    {.name = "HasAtmosphericOxygen", .type = "bool", .get = sc_cb_get_has_atmospheric_oxygen},
    {.name = "FlyingHighAltitudeThreshold", .type = "float", .get = sc_cb_get_flying_high_altitude_threshold},
    {.name = "SpaceHighAltitudeThreshold", .type = "float", .get = sc_cb_get_space_high_altitude_threshold},
    {.name = "ReferenceFrame", .type = "ReferenceFrame", .get = sc_cb_get_reference_frame},
    {.name = "NonRotatingReferenceFrame", .type = "ReferenceFrame", .get = sc_cb_get_non_rotating_reference_frame},
    {.name = "OrbitalReferenceFrame", .type = "ReferenceFrame", .get = sc_cb_get_orbital_reference_frame},
    END,
};

/* ---- Control ------------------------------------------------------------------ */

static krpc_procedure_decl control_methods[] = {
    {.name = "ActivateNextStage", .fn = sc_control_activate_next_stage, .returns = "list(Vessel)",
     .doc = "Activates the next stage. Equivalent to pressing the space bar in-game."},
    {.name = "GetActionGroup", .fn = sc_control_get_action_group, .params = p_group, .returns = "bool"},
    {.name = "SetActionGroup", .fn = sc_control_set_action_group, .params = p_group_state},
    {.name = "ToggleActionGroup", .fn = sc_control_toggle_action_group, .params = p_group},
    {.name = "AddNode", .fn = sc_control_add_node, .params = p_add_node, .returns = "Node",
     .doc = "Creates a maneuver node at the given universal time, and returns a Node object that can be used to "
            "modify it."},
    {.name = "RemoveNodes", .fn = sc_control_remove_nodes, .doc = "Remove all maneuver nodes."},
    END,
};

static krpc_property_decl control_properties[] = {
    {.name = "SAS", .type = "bool", .get = sc_control_get_sas, .set = sc_control_set_sas},
    {.name = "SASMode", .type = "SASMode", .get = sc_control_get_sas_mode, .set = sc_control_set_sas_mode},
    {.name = "SpeedMode", .type = "SpeedMode", .get = sc_control_get_speed_mode, .set = sc_control_set_speed_mode},
    {.name = "RCS", .type = "bool", .get = sc_control_get_rcs, .set = sc_control_set_rcs},
    {.name = "Gear", .type = "bool", .get = sc_control_get_gear, .set = sc_control_set_gear},
    {.name = "Legs", .type = "bool", .get = sc_control_get_legs, .set = sc_control_set_legs},
    {.name = "Wheels", .type = "bool", .get = sc_control_get_wheels, .set = sc_control_set_wheels},
    {.name = "Lights", .type = "bool", .get = sc_control_get_lights, .set = sc_control_set_lights},
    {.name = "Brakes", .type = "bool", .get = sc_control_get_brakes, .set = sc_control_set_brakes},
    {.name = "Parachutes", .type = "bool", .get = sc_control_get_parachutes, .set = sc_control_set_parachutes},
    {.name = "Abort", .type = "bool", .get = sc_control_get_abort, .set = sc_control_set_abort},
    {.name = "Throttle", .type = "float", .get = sc_control_get_throttle, .set = sc_control_set_throttle,
     .doc = "The state of the throttle. A value between 0 and 1."},
    {.name = "Pitch", .type = "float", .get = sc_control_get_pitch, .set = sc_control_set_pitch},
    {.name = "Yaw", .type = "float", .get = sc_control_get_yaw, .set = sc_control_set_yaw},
    {.name = "Roll", .type = "float", .get = sc_control_get_roll, .set = sc_control_set_roll},
    {.name = "Forward", .type = "float", .get = sc_control_get_forward, .set = sc_control_set_forward},
    {.name = "Up", .type = "float", .get = sc_control_get_up, .set = sc_control_set_up},
    {.name = "Right", .type = "float", .get = sc_control_get_right, .set = sc_control_set_right},
    {.name = "CurrentStage", .type = "sint32", .get = sc_control_get_current_stage},
    {.name = "StageLock", .type = "bool", .get = sc_control_get_stage_lock, .set = sc_control_set_stage_lock},
    {.name = "Nodes", .type = "list(Node)", .get = sc_control_get_nodes},
    END,
};

/* ---- Flight ----------------------------------------------------------------- */

static krpc_property_decl flight_properties[] = {
    {.name = "GForce", .type = "float", .get = sc_flight_get_g_force},
    {.name = "MeanAltitude", .type = "double", .get = sc_flight_get_mean_altitude,
     .doc = "The altitude above sea level, in meters."},
    {.name = "SurfaceAltitude", .type = "double", .get = sc_flight_get_surface_altitude},
    {.name = "BedrockAltitude", .type = "double", .get = sc_flight_get_bedrock_altitude},
    {.name = "Elevation", .type = "double", .get = sc_flight_get_elevation},
    {.name = "Latitude", .type = "double", .get = sc_flight_get_latitude},
    {.name = "Longitude", .type = "double", .get = sc_flight_get_longitude},
    {.name = "SurfaceNormal", .type = T3, .get = sc_flight_get_surface_normal},
    {.name = "Velocity", .type = T3, .get = sc_flight_get_velocity},
    {.name = "Speed", .type = "double", .get = sc_flight_get_speed},
    {.name = "HorizontalSpeed", .type = "double", .get = sc_flight_get_horizontal_speed},
    {.name = "VerticalSpeed", .type = "double", .get = sc_flight_get_vertical_speed},
    {.name = "Acceleration", .type = T3, .get = sc_flight_get_acceleration},
    {.name = "CenterOfMass", .type = T3, .get = sc_flight_get_center_of_mass},
    {.name = "Rotation", .type = T4, .get = sc_flight_get_rotation},
    {.name = "Direction", .type = T3, .get = sc_flight_get_direction},
    {.name = "Pitch", .type = "float", .get = sc_flight_get_pitch},
    {.name = "Heading", .type = "float", .get = sc_flight_get_heading},
    {.name = "Roll", .type = "float", .get = sc_flight_get_roll},
    {.name = "Prograde", .type = T3, .get = sc_flight_get_prograde},
    {.name = "Retrograde", .type = T3, .get = sc_flight_get_retrograde},
    {.name = "SurfacePrograde", .type = T3, .get = sc_flight_get_surface_prograde},
    {.name = "SurfaceRetrograde", .type = T3, .get = sc_flight_get_surface_retrograde},
    {.name = "Normal", .type = T3, .get = sc_flight_get_normal},
    {.name = "AntiNormal", .type = T3, .get = sc_flight_get_anti_normal},
    {.name = "Radial", .type = T3, .get = sc_flight_get_radial},
    {.name = "AntiRadial", .type = T3, .get = sc_flight_get_anti_radial},
    {.name = "AtmosphereDensity", .type = "float", .get = sc_flight_get_atmosphere_density},
    {.name = "DynamicPressure", .type = "float", .get = sc_flight_get_dynamic_pressure},
    {.name = "StaticPressureAtMSL", .type = "float", .get = sc_flight_get_static_pressure_at_msl},
    {.name = "StaticPressure", .type = "float", .get = sc_flight_get_static_pressure},
    {.name = "AerodynamicForce", .type = T3, .get = sc_flight_get_aerodynamic_force},
    {.name = "Lift", .type = T3, .get = sc_flight_get_lift},
    {.name = "Drag", .type = T3, .get = sc_flight_get_drag},
    {.name = "SpeedOfSound", .type = "float", .get = sc_flight_get_speed_of_sound},
    {.name = "Mach", .type = "float", .get = sc_flight_get_mach},
    {.name = "TrueAirSpeed", .type = "float", .get = sc_flight_get_true_air_speed},
    {.name = "EquivalentAirSpeed", .type = "float", .get = sc_flight_get_equivalent_air_speed},
    {.name = "TerminalVelocity", .type = "float", .get = sc_flight_get_terminal_velocity},
    {.name = "AngleOfAttack", .type = "float", .get = sc_flight_get_angle_of_attack},
    {.name = "SideslipAngle", .type = "float", .get = sc_flight_get_sideslip_angle},
    {.name = "TotalAirTemperature", .type = "float", .get = sc_flight_get_total_air_temperature},
    {.name = "StaticAirTemperature", .type = "float", .get = sc_flight_get_static_air_temperature},
    {.name = "DragCoefficient", .type = "float", .get = sc_flight_get_drag_coefficient},
    {.name = "BallisticCoefficient", .type = "float", .get = sc_flight_get_ballistic_coefficient},
    END,
};

/* ---- Node --------------------------------------------------------------------- */

static krpc_procedure_decl node_methods[] = {
    {.name = "BurnVector", .fn = sc_node_burn_vector_proc, .params = p_frame_null, .returns = T3},
    {.name = "RemainingBurnVector", .fn = sc_node_remaining_burn_vector, .params = p_frame_null, .returns = T3},
    {.name = "Remove", .fn = sc_node_remove_proc, .doc = "Removes the maneuver node."},
    {.name = "Position", .fn = sc_node_position, .params = p_frame, .returns = T3},
    {.name = "Direction", .fn = sc_node_direction, .params = p_frame, .returns = T3},
    END,
};

static krpc_property_decl node_properties[] = {
    {.name = "Prograde", .type = "double", .get = sc_node_get_prograde, .set = sc_node_set_prograde},
    {.name = "Normal", .type = "double", .get = sc_node_get_normal, .set = sc_node_set_normal},
    {.name = "Radial", .type = "double", .get = sc_node_get_radial, .set = sc_node_set_radial},
    {.name = "DeltaV", .type = "double", .get = sc_node_get_delta_v, .set = sc_node_set_delta_v},
    {.name = "RemainingDeltaV", .type = "double", .get = sc_node_get_remaining_delta_v},
    {.name = "UT", .type = "double", .get = sc_node_get_ut, .set = sc_node_set_ut},
    {.name = "TimeTo", .type = "double", .get = sc_node_get_time_to},
    {.name = "Orbit", .type = "Orbit", .get = sc_node_get_orbit},
    {.name = "ReferenceFrame", .type = "ReferenceFrame", .get = sc_node_get_reference_frame},
    {.name = "OrbitalReferenceFrame", .type = "ReferenceFrame", .get = sc_node_get_orbital_reference_frame},
    END,
};

/* ---- Orbit -------------------------------------------------------------------- */

static krpc_procedure_decl orbit_methods[] = {
    {.name = "ReferencePlaneNormal", .fn = sc_orbit_static_reference_plane_normal, .params = p_frame, .returns = T3,
     .flags = KRPC_STATIC},
    {.name = "ReferencePlaneDirection", .fn = sc_orbit_static_reference_plane_direction, .params = p_frame,
     .returns = T3, .flags = KRPC_STATIC},
    {.name = "MeanAnomalyAtUT", .fn = sc_orbit_mean_anomaly_at_ut, .params = p_ut, .returns = "double"},
    {.name = "RadiusAtTrueAnomaly", .fn = sc_orbit_radius_at_true_anomaly, .params = p_true_anomaly,
     .returns = "double"},
    {.name = "TrueAnomalyAtRadius", .fn = sc_orbit_true_anomaly_at_radius, .params = p_radius, .returns = "double"},
    {.name = "TrueAnomalyAtUT", .fn = sc_orbit_true_anomaly_at_ut, .params = p_ut, .returns = "double"},
    {.name = "UTAtTrueAnomaly", .fn = sc_orbit_ut_at_true_anomaly, .params = p_true_anomaly, .returns = "double"},
    {.name = "EccentricAnomalyAtUT", .fn = sc_orbit_eccentric_anomaly_at_ut, .params = p_ut, .returns = "double"},
    {.name = "OrbitalSpeedAt", .fn = sc_orbit_orbital_speed_at, .params = p_time, .returns = "double"},
    {.name = "RadiusAt", .fn = sc_orbit_radius_at, .params = p_ut, .returns = "double"},
    {.name = "PositionAt", .fn = sc_orbit_position_at, .params = p_ut_frame, .returns = T3},
    {.name = "VelocityAt", .fn = sc_orbit_velocity_at, .params = p_ut_frame, .returns = T3},
    END,
};

static krpc_property_decl orbit_properties[] = {
    {.name = "Body", .type = "CelestialBody", .get = sc_orbit_get_body},
    {.name = "Apoapsis", .type = "double", .get = sc_orbit_get_apoapsis},
    {.name = "Periapsis", .type = "double", .get = sc_orbit_get_periapsis},
    {.name = "ApoapsisAltitude", .type = "double", .get = sc_orbit_get_apoapsis_altitude},
    {.name = "PeriapsisAltitude", .type = "double", .get = sc_orbit_get_periapsis_altitude},
    {.name = "SemiMajorAxis", .type = "double", .get = sc_orbit_get_semi_major_axis},
    {.name = "SemiMinorAxis", .type = "double", .get = sc_orbit_get_semi_minor_axis},
    {.name = "Radius", .type = "double", .get = sc_orbit_get_radius},
    {.name = "Speed", .type = "double", .get = sc_orbit_get_speed},
    {.name = "Period", .type = "double", .get = sc_orbit_get_period},
    {.name = "TimeToApoapsis", .type = "double", .get = sc_orbit_get_time_to_apoapsis},
    {.name = "TimeToPeriapsis", .type = "double", .get = sc_orbit_get_time_to_periapsis},
    {.name = "Eccentricity", .type = "double", .get = sc_orbit_get_eccentricity},
    {.name = "Inclination", .type = "double", .get = sc_orbit_get_inclination},
    {.name = "LongitudeOfAscendingNode", .type = "double", .get = sc_orbit_get_longitude_of_ascending_node},
    {.name = "ArgumentOfPeriapsis", .type = "double", .get = sc_orbit_get_argument_of_periapsis},
    {.name = "MeanAnomalyAtEpoch", .type = "double", .get = sc_orbit_get_mean_anomaly_at_epoch},
    {.name = "Epoch", .type = "double", .get = sc_orbit_get_epoch},
    {.name = "MeanAnomaly", .type = "double", .get = sc_orbit_get_mean_anomaly},
    {.name = "EccentricAnomaly", .type = "double", .get = sc_orbit_get_eccentric_anomaly},
    {.name = "TrueAnomaly", .type = "double", .get = sc_orbit_get_true_anomaly},
    {.name = "NextOrbit", .type = "Orbit?", .get = sc_orbit_get_next_orbit},
    {.name = "TimeToSOIChange", .type = "double", .get = sc_orbit_get_time_to_soi_change},
    {.name = "OrbitalSpeed", .type = "double", .get = sc_orbit_get_orbital_speed},
    {.name = "OrbitalEnergy", .type = "double", .get = sc_orbit_get_orbital_energy},
    END,
};

/* ---- parts --------------------------------------------------------------------- */

static krpc_procedure_decl decoupler_methods[] = {
    {.name = "Decouple", .fn = sc_decoupler_decouple, .returns = "Vessel"},
    END,
};

static krpc_property_decl decoupler_properties[] = {
    {.name = "Part", .type = "Part", .get = sc_module_get_part, .game_scenes = FE},
    {.name = "Decoupled", .type = "bool", .get = sc_decoupler_get_decoupled},
    {.name = "Staged", .type = "bool", .get = sc_decoupler_get_staged, .game_scenes = FE},
    {.name = "Impulse", .type = "float", .get = sc_decoupler_get_impulse, .game_scenes = FE},
    {.name = "IsOmniDecoupler", .type = "bool", .get = sc_decoupler_get_is_omni_decoupler, .game_scenes = FE},
    {.name = "AttachedPart", .type = "Part?", .get = sc_decoupler_get_attached_part, .game_scenes = FE},
    END,
};

static const krpc_param_decl p_engine_pressure[] = {{.name = "pressure", .type = "double"}, END};

static krpc_procedure_decl engine_methods[] = {
    {.name = "AvailableThrustAt", .fn = sc_engine_available_thrust_at, .params = p_engine_pressure,
     .returns = "float"},
    {.name = "MaxThrustAt", .fn = sc_engine_max_thrust_at, .params = p_engine_pressure, .returns = "float",
     .game_scenes = FE},
    {.name = "SpecificImpulseAt", .fn = sc_engine_specific_impulse_at, .params = p_engine_pressure,
     .returns = "float", .game_scenes = FE},
    END,
};

static krpc_property_decl engine_properties[] = {
    {.name = "Part", .type = "Part", .get = sc_module_get_part, .game_scenes = FE},
    {.name = "Active", .type = "bool", .get = sc_engine_get_active, .set = sc_engine_set_active},
    {.name = "Thrust", .type = "float", .get = sc_engine_get_thrust},
    {.name = "AvailableThrust", .type = "float", .get = sc_engine_get_available_thrust},
    {.name = "MaxThrust", .type = "float", .get = sc_engine_get_max_thrust},
    {.name = "MaxVacuumThrust", .type = "float", .get = sc_engine_get_max_vacuum_thrust, .game_scenes = FE},
    {.name = "ThrustLimit", .type = "float", .get = sc_engine_get_thrust_limit, .set = sc_engine_set_thrust_limit,
     .game_scenes = FE},
    {.name = "SpecificImpulse", .type = "float", .get = sc_engine_get_specific_impulse},
    {.name = "VacuumSpecificImpulse", .type = "float", .get = sc_engine_get_vacuum_specific_impulse,
     .game_scenes = FE},
    {.name = "KerbinSeaLevelSpecificImpulse", .type = "float", .get = sc_engine_get_kerbin_sea_level_specific_impulse,
     .game_scenes = FE},
    {.name = "PropellantNames", .type = "list(string)", .get = sc_engine_get_propellant_names, .game_scenes = FE},
    {.name = "PropellantRatios", .type = "dict(string,float)", .get = sc_engine_get_propellant_ratios},
    {.name = "HasFuel", .type = "bool", .get = sc_engine_get_has_fuel},
    {.name = "Flameout", .type = "bool", .get = sc_engine_get_flameout},
    {.name = "Throttle", .type = "float", .get = sc_engine_get_throttle},
    {.name = "ThrottleLocked", .type = "bool", .get = sc_engine_get_throttle_locked, .game_scenes = FE},
    {.name = "CanRestart", .type = "bool", .get = sc_engine_get_can_restart, .game_scenes = FE},
    {.name = "CanShutdown", .type = "bool", .get = sc_engine_get_can_shutdown, .game_scenes = FE},
    {.name = "Gimballed", .type = "bool", .get = sc_engine_get_gimballed, .game_scenes = FE},
    {.name = "GimbalRange", .type = "float", .get = sc_engine_get_gimbal_range, .game_scenes = FE},
    END,
};

static krpc_procedure_decl clamp_methods[] = {
    {.name = "Release", .fn = sc_clamp_release, .doc = "Releases the docking clamp."},
    END,
};

static krpc_property_decl clamp_properties[] = {
    {.name = "Part", .type = "Part", .get = sc_module_get_part, .game_scenes = FE},
    END,
};

static krpc_procedure_decl parachute_methods[] = {
    {.name = "Deploy", .fn = sc_parachute_deploy_proc, .doc = "Deploys the parachute."},
    {.name = "Arm", .fn = sc_parachute_arm, .doc = "Deploys the parachute."},
    {.name = "Cut", .fn = sc_parachute_cut, .doc = "Cuts the parachute."},
    END,
};

static krpc_property_decl parachute_properties[] = {
    {.name = "Part", .type = "Part", .get = sc_module_get_part, .game_scenes = FE},
    {.name = "Deployed", .type = "bool", .get = sc_parachute_get_deployed},
    {.name = "Armed", .type = "bool", .get = sc_parachute_get_armed},
    {.name = "State", .type = "ParachuteState", .get = sc_parachute_get_state},
    {.name = "DeployAltitude", .type = "float", .get = sc_parachute_get_deploy_altitude,
     .set = sc_parachute_set_deploy_altitude, .game_scenes = FE},
    {.name = "DeployMinPressure", .type = "float", .get = sc_parachute_get_deploy_min_pressure,
     .set = sc_parachute_set_deploy_min_pressure, .game_scenes = FE},
    END,
};

static krpc_procedure_decl part_methods[] = {
    {.name = "Position", .fn = sc_part_position, .params = p_frame, .returns = T3, .game_scenes = FL},
    {.name = "CenterOfMass", .fn = sc_part_position, .params = p_frame, .returns = T3, .game_scenes = FL},
    {.name = "Direction", .fn = sc_part_direction, .params = p_frame, .returns = T3, .game_scenes = FL},
    {.name = "Velocity", .fn = sc_part_velocity, .params = p_frame, .returns = T3, .game_scenes = FL},
    {.name = "Rotation", .fn = sc_part_rotation, .params = p_frame, .returns = T4, .game_scenes = FL},
    END,
};

static krpc_property_decl part_properties[] = {
    {.name = "Name", .type = "string", .get = sc_part_get_name},
    {.name = "Title", .type = "string", .get = sc_part_get_title},
    {.name = "Tag", .type = "string", .get = sc_part_get_tag, .set = sc_part_set_tag},
    {.name = "Cost", .type = "double", .get = sc_part_get_cost},
    {.name = "Vessel", .type = "Vessel", .get = sc_part_get_vessel, .game_scenes = FL},
    {.name = "Parent", .type = "Part?", .get = sc_part_get_parent},
    {.name = "Children", .type = "list(Part)", .get = sc_part_get_children},
    {.name = "AxiallyAttached", .type = "bool", .get = sc_part_get_axially_attached},
    {.name = "RadiallyAttached", .type = "bool", .get = sc_part_get_radially_attached},
    {.name = "Stage", .type = "sint32", .get = sc_part_get_stage},
    {.name = "DecoupleStage", .type = "sint32", .get = sc_part_get_decouple_stage},
    {.name = "Massless", .type = "bool", .get = sc_part_get_massless},
    {.name = "Mass", .type = "double", .get = sc_part_get_mass},
    {.name = "DryMass", .type = "double", .get = sc_part_get_dry_mass},
    {.name = "ImpactTolerance", .type = "double", .get = sc_part_get_impact_tolerance},
    {.name = "Temperature", .type = "double", .get = sc_part_get_temperature, .game_scenes = FL},
    {.name = "MaxTemperature", .type = "double", .get = sc_part_get_max_temperature},
    {.name = "Resources", .type = "Resources", .get = sc_part_get_resources},
    {.name = "CrewCapacity", .type = "sint32", .get = sc_part_get_crew_capacity},
    {.name = "Crossfeed", .type = "bool", .get = sc_part_get_crossfeed},
    {.name = "Decoupler", .type = "Decoupler?", .get = sc_part_get_decoupler},
    {.name = "Engine", .type = "Engine?", .get = sc_part_get_engine},
    {.name = "LaunchClamp", .type = "LaunchClamp?", .get = sc_part_get_launch_clamp},
    {.name = "Parachute", .type = "Parachute?", .get = sc_part_get_parachute},
    {.name = "ReferenceFrame", .type = "ReferenceFrame", .get = sc_part_get_reference_frame, .game_scenes = FL},
    {.name = "CenterOfMassReferenceFrame", .type = "ReferenceFrame", .get = sc_part_get_center_of_mass_reference_frame,
     .game_scenes = FL},
    END,
};

static krpc_procedure_decl parts_methods[] = {
    {.name = "WithName", .fn = sc_parts_with_name, .params = p_name, .returns = "list(Part)"},
    {.name = "WithTitle", .fn = sc_parts_with_title, .params = p_title, .returns = "list(Part)"},
    {.name = "WithTag", .fn = sc_parts_with_tag, .params = p_tag, .returns = "list(Part)"},
    {.name = "WithModule", .fn = sc_parts_with_module, .params = p_module_name, .returns = "list(Part)"},
    {.name = "InStage", .fn = sc_parts_in_stage, .params = p_stage, .returns = "list(Part)"},
    {.name = "InDecoupleStage", .fn = sc_parts_in_decouple_stage, .params = p_stage, .returns = "list(Part)"},
    END,
};

static krpc_property_decl parts_properties[] = {
    {.name = "All", .type = "list(Part)", .get = sc_parts_get_all},
    {.name = "Root", .type = "Part", .get = sc_parts_get_root},
    {.name = "Controlling", .type = "Part?", .get = sc_parts_get_controlling, .set = sc_parts_set_controlling,
     .game_scenes = FL},
    {.name = "Decouplers", .type = "list(Decoupler)", .get = sc_parts_get_decouplers},
    {.name = "Engines", .type = "list(Engine)", .get = sc_parts_get_engines},
    {.name = "LaunchClamps", .type = "list(LaunchClamp)", .get = sc_parts_get_launch_clamps},
    {.name = "Parachutes", .type = "list(Parachute)", .get = sc_parts_get_parachutes},
    END,
};

/* ---- ReferenceFrame, Resources, Resource, Stage --------------------------------- */

static krpc_procedure_decl frame_methods[] = {
    {.name = "CreateRelative", .fn = sc_frame_static_create_relative, .params = p_create_relative,
     .returns = "ReferenceFrame", .flags = KRPC_STATIC,
     .doc = "Create a relative reference frame. This is a custom reference frame whose components offset the "
            "components of a parent reference frame."},
    {.name = "CreateHybrid", .fn = sc_frame_static_create_hybrid, .params = p_create_hybrid,
     .returns = "ReferenceFrame", .flags = KRPC_STATIC,
     .doc = "Create a hybrid reference frame. This is a custom reference frame whose components inherited from "
            "other reference frames."},
    END,
};

static krpc_procedure_decl resources_methods[] = {
    {.name = "WithResource", .fn = sc_resources_with_resource, .params = p_name, .returns = "list(Resource)"},
    {.name = "HasResource", .fn = sc_resources_has_resource, .params = p_name, .returns = "bool"},
    {.name = "Max", .fn = sc_resources_max, .params = p_name, .returns = "float"},
    {.name = "Amount", .fn = sc_resources_amount, .params = p_name, .returns = "float",
     .doc = "Returns the amount of a resource that is currently stored."},
    {.name = "Density", .fn = sc_resources_static_density, .params = p_name, .returns = "float",
     .flags = KRPC_STATIC},
    {.name = "FlowMode", .fn = sc_resources_static_flow_mode, .params = p_name, .returns = "ResourceFlowMode",
     .flags = KRPC_STATIC},
    END,
};

static krpc_property_decl resources_properties[] = {
    {.name = "All", .type = "list(Resource)", .get = sc_resources_get_all},
    {.name = "Names", .type = "list(string)", .get = sc_resources_get_names},
    {.name = "Enabled", .type = "bool", .get = sc_resources_get_enabled, .set = sc_resources_set_enabled},
    END,
};

static krpc_property_decl resource_properties[] = {
    {.name = "Name", .type = "string", .get = sc_resource_get_name},
    {.name = "Part", .type = "Part", .get = sc_resource_get_part},
    {.name = "Max", .type = "float", .get = sc_resource_get_max},
    {.name = "Amount", .type = "float", .get = sc_resource_get_amount},
    {.name = "Density", .type = "float", .get = sc_resource_get_density},
    {.name = "FlowMode", .type = "ResourceFlowMode", .get = sc_resource_get_flow_mode},
    {.name = "Enabled", .type = "bool", .get = sc_resource_get_enabled, .set = sc_resource_set_enabled},
    END,
};

static krpc_procedure_decl stage_methods[] = {
    {.name = "Resources", .fn = sc_stage_resources, .params = p_cumulative, .returns = "Resources"},
    END,
};

static krpc_property_decl stage_properties[] = {
    {.name = "Number", .type = "sint32", .get = sc_stage_get_number},
    {.name = "Parts", .type = "list(Part)", .get = sc_stage_get_parts},
    END,
};

/* ---- Vessel ------------------------------------------------------------------- */

static krpc_procedure_decl vessel_methods[] = {
    {.name = "Recover", .fn = sc_vessel_recover, .doc = "Recover the vessel."},
    {.name = "Terminate", .fn = sc_vessel_terminate, .doc = "Terminate the vessel."},
    {.name = "Flight", .fn = sc_vessel_flight, .params = p_frame_null, .returns = "Flight", .game_scenes = FL,
     .doc = "Returns a Flight object that can be used to get flight telemetry for the vessel, in the specified "
            "reference frame."},
    {.name = "ResourcesInDecoupleStage", .fn = sc_vessel_resources_in_decouple_stage, .params = p_stage_cumulative,
     .returns = "Resources", .game_scenes = FL,
     .deprecated = "Use <see cref=\"M:SpaceCenter.Vessel.DecoupleStageAt\" /> instead."},
    {.name = "StageAt", .fn = sc_vessel_stage_at, .params = p_stage, .returns = "Stage", .game_scenes = FL},
    {.name = "DecoupleStageAt", .fn = sc_vessel_decouple_stage_at, .params = p_stage, .returns = "Stage",
     .game_scenes = FL},
    {.name = "AvailableThrustAt", .fn = sc_vessel_available_thrust_at, .params = p_pressure, .returns = "float",
     .game_scenes = FL},
    {.name = "MaxThrustAt", .fn = sc_vessel_max_thrust_at, .params = p_pressure, .returns = "float",
     .game_scenes = FL},
    {.name = "SpecificImpulseAt", .fn = sc_vessel_specific_impulse_at, .params = p_pressure, .returns = "float",
     .game_scenes = FL},
    {.name = "Position", .fn = sc_vessel_position, .params = p_frame, .returns = T3, .game_scenes = FL},
    {.name = "BoundingBox", .fn = sc_vessel_bounding_box, .params = p_frame, .returns = TT3, .game_scenes = FL},
    {.name = "Velocity", .fn = sc_vessel_velocity, .params = p_frame, .returns = T3, .game_scenes = FL},
    {.name = "Rotation", .fn = sc_vessel_rotation, .params = p_frame, .returns = T4, .game_scenes = FL},
    {.name = "Direction", .fn = sc_vessel_direction, .params = p_frame, .returns = T3, .game_scenes = FL},
    {.name = "AngularVelocity", .fn = sc_vessel_angular_velocity, .params = p_frame, .returns = T3,
     .game_scenes = FL},
    END,
};

static krpc_property_decl vessel_properties[] = {
    {.name = "Name", .type = "string", .get = sc_vessel_get_name, .set = sc_vessel_set_name,
     .doc = "The name of the vessel."},
    {.name = "Type", .type = "VesselType", .get = sc_vessel_get_type, .set = sc_vessel_set_type},
    {.name = "Situation", .type = "VesselSituation", .get = sc_vessel_get_situation},
    {.name = "Loaded", .type = "bool", .get = sc_vessel_get_loaded},
    {.name = "Packed", .type = "bool", .get = sc_vessel_get_packed},
    {.name = "Recoverable", .type = "bool", .get = sc_vessel_get_recoverable},
    {.name = "MET", .type = "double", .get = sc_vessel_get_met},
    {.name = "Biome", .type = "string", .get = sc_vessel_get_biome},
    {.name = "Orbit", .type = "Orbit", .get = sc_vessel_get_orbit},
    {.name = "Control", .type = "Control", .get = sc_vessel_get_control, .game_scenes = FL},
    {.name = "AutoPilot", .type = "AutoPilot", .get = sc_vessel_get_auto_pilot, .game_scenes = FL},
    {.name = "CrewCapacity", .type = "sint32", .get = sc_vessel_get_crew_capacity},
    {.name = "CrewCount", .type = "sint32", .get = sc_vessel_get_crew_count},
    {.name = "Resources", .type = "Resources", .get = sc_vessel_get_resources, .game_scenes = FL},
    {.name = "Stages", .type = "list(Stage)", .get = sc_vessel_get_stages, .game_scenes = FL},
    {.name = "DecoupleStages", .type = "list(Stage)", .get = sc_vessel_get_decouple_stages, .game_scenes = FL},
    {.name = "Parts", .type = "Parts", .get = sc_vessel_get_parts, .game_scenes = FL},
    {.name = "Mass", .type = "float", .get = sc_vessel_get_mass, .game_scenes = FL},
    {.name = "DryMass", .type = "float", .get = sc_vessel_get_dry_mass, .game_scenes = FL},
    {.name = "Thrust", .type = "float", .get = sc_vessel_get_thrust, .game_scenes = FL},
    {.name = "AvailableThrust", .type = "float", .get = sc_vessel_get_available_thrust, .game_scenes = FL},
    {.name = "MaxThrust", .type = "float", .get = sc_vessel_get_max_thrust, .game_scenes = FL},
    {.name = "MaxVacuumThrust", .type = "float", .get = sc_vessel_get_max_vacuum_thrust, .game_scenes = FL},
    {.name = "SpecificImpulse", .type = "float", .get = sc_vessel_get_specific_impulse, .game_scenes = FL},
    {.name = "VacuumSpecificImpulse", .type = "float", .get = sc_vessel_get_vacuum_specific_impulse,
     .game_scenes = FL},
    {.name = "KerbinSeaLevelSpecificImpulse", .type = "float", .get = sc_vessel_get_kerbin_sea_level_specific_impulse,
     .game_scenes = FL},
    {.name = "MomentOfInertia", .type = T3, .get = sc_vessel_get_moment_of_inertia, .game_scenes = FL},
    {.name = "AvailableTorque", .type = TT3, .get = sc_vessel_get_available_torque, .game_scenes = FL},
    {.name = "AvailableReactionWheelTorque", .type = TT3, .get = sc_vessel_get_available_reaction_wheel_torque,
     .game_scenes = FL},
    {.name = "AvailableEngineTorque", .type = TT3, .get = sc_vessel_get_available_engine_torque, .game_scenes = FL},
    {.name = "ReferenceFrame", .type = "ReferenceFrame", .get = sc_vessel_get_reference_frame, .game_scenes = FL},
    {.name = "OrbitalReferenceFrame", .type = "ReferenceFrame", .get = sc_vessel_get_orbital_reference_frame,
     .game_scenes = FL},
    {.name = "SurfaceReferenceFrame", .type = "ReferenceFrame", .get = sc_vessel_get_surface_reference_frame,
     .game_scenes = FL},
    {.name = "SurfaceVelocityReferenceFrame", .type = "ReferenceFrame",
     .get = sc_vessel_get_surface_velocity_reference_frame, .game_scenes = FL},
    {.name = "OrbitSpeedReferenceFrame", .type = "ReferenceFrame", .get = sc_vessel_get_orbit_speed_reference_frame,
     .game_scenes = FL},
    {.name = "SurfaceSpeedReferenceFrame", .type = "ReferenceFrame",
     .get = sc_vessel_get_surface_speed_reference_frame, .game_scenes = FL},
    END,
};

/* ---- classes and enumerations --------------------------------------------------- */

static krpc_class_decl sc_classes[] = {
    {.name = "AutoPilot", .methods = autopilot_methods, .properties = autopilot_properties, .game_scenes = FL,
     .doc = "Provides basic auto-piloting utilities for a vessel."},
    {.name = "CelestialBody", .methods = body_methods, .properties = body_properties,
     .doc = "Represents a celestial body (such as a planet or moon)."},
    {.name = "Control", .methods = control_methods, .properties = control_properties, .game_scenes = FL,
     .doc = "Used to manipulate the controls of a vessel."},
    {.name = "Flight", .properties = flight_properties, .game_scenes = FL,
     .doc = "Used to get flight telemetry for a vessel."},
    {.name = "Node", .methods = node_methods, .properties = node_properties, .game_scenes = FL,
     .doc = "Represents a maneuver node."},
    {.name = "Orbit", .methods = orbit_methods, .properties = orbit_properties,
     .doc = "Describes an orbit. For example, the orbit of a vessel or a celestial body."},
    {.name = "Decoupler", .methods = decoupler_methods, .properties = decoupler_properties, .game_scenes = FL,
     .doc = "A decoupler."},
    {.name = "Engine", .methods = engine_methods, .properties = engine_properties, .game_scenes = FL,
     .doc = "An engine, including ones of various types."},
    {.name = "LaunchClamp", .methods = clamp_methods, .properties = clamp_properties, .game_scenes = FL,
     .doc = "A launch clamp."},
    {.name = "Parachute", .methods = parachute_methods, .properties = parachute_properties, .game_scenes = FL,
     .doc = "A parachute."},
    {.name = "Part", .methods = part_methods, .properties = part_properties,
     .doc = "Represents an individual part. Vessels are made up of multiple parts."},
    {.name = "Parts", .methods = parts_methods, .properties = parts_properties,
     .doc = "Instances of this class are used to interact with the parts of a vessel."},
    {.name = "ReferenceFrame", .methods = frame_methods,
     .doc = "Represents a reference frame for positions, rotations and velocities."},
    {.name = "Resource", .properties = resource_properties, .game_scenes = FE,
     .doc = "An individual resource stored within a part."},
    {.name = "Resources", .methods = resources_methods, .properties = resources_properties, .game_scenes = FE,
     .doc = "Represents the collection of resources stored in a vessel, stage or part."},
    {.name = "Stage", .methods = stage_methods, .properties = stage_properties,
     .doc = "A stage of a vessel: an activation stage or a decouple stage."},
    {.name = "Vessel", .methods = vessel_methods, .properties = vessel_properties,
     .doc = "These objects are used to interact with vessels in KSP."},
    END,
};

static const krpc_enum_value_decl situation_values[] = {
    {"PreLaunch", SC_SIT_PRELAUNCH, "Vessel is awaiting launch.", NULL},
    {"Orbiting", SC_SIT_ORBITING, "Vessel is orbiting a body.", NULL},
    {"SubOrbital", SC_SIT_SUBORBITAL, "Vessel is on a sub-orbital trajectory.", NULL},
    {"Escaping", SC_SIT_ESCAPING, "Escaping.", NULL},
    {"Flying", SC_SIT_FLYING, "Vessel is flying through an atmosphere.", NULL},
    {"Landed", SC_SIT_LANDED, "Vessel is landed on the surface of a body.", NULL},
    {"Splashed", SC_SIT_SPLASHED, "Vessel has splashed down in an ocean.", NULL},
    {"Docked", SC_SIT_DOCKED, "Vessel is docked to another.", NULL},
    END,
};

static const krpc_enum_value_decl type_values[] = {
    {"Base", 0, NULL, NULL},         {"Debris", 1, NULL, NULL},   {"Lander", 2, NULL, NULL},
    {"Plane", 3, NULL, NULL},        {"Probe", 4, NULL, NULL},    {"Relay", 5, NULL, NULL},
    {"Rover", 6, NULL, NULL},        {"Ship", 7, NULL, NULL},     {"Station", 8, NULL, NULL},
    {"SpaceObject", 9, NULL, NULL},  {"Unknown", 10, NULL, NULL}, {"EVA", 11, NULL, NULL},
    {"Flag", 12, NULL, NULL},        {"DeployedScienceController", 13, NULL, NULL},
    {"DeployedSciencePart", 14, NULL, NULL}, {"DroppedPart", 15, NULL, NULL},
    {"DeployedGroundPart", 16, NULL, NULL},  END,
};

static const krpc_enum_value_decl sas_values[] = {
    {"StabilityAssist", 0, NULL, NULL}, {"Maneuver", 1, NULL, NULL},   {"Prograde", 2, NULL, NULL},
    {"Retrograde", 3, NULL, NULL},      {"Normal", 4, NULL, NULL},     {"AntiNormal", 5, NULL, NULL},
    {"Radial", 6, NULL, NULL},          {"AntiRadial", 7, NULL, NULL}, {"Target", 8, NULL, NULL},
    {"AntiTarget", 9, NULL, NULL},      END,
};

static const krpc_enum_value_decl speed_values[] = {
    {"Orbit", 0, NULL, NULL}, {"Surface", 1, NULL, NULL}, {"Target", 2, NULL, NULL}, END};
static const krpc_enum_value_decl warp_values[] = {
    {"Rails", 0, NULL, NULL}, {"Physics", 1, NULL, NULL}, {"None", 2, NULL, NULL}, END};
static const krpc_enum_value_decl chute_values[] = {
    {"Stowed", 0, NULL, NULL}, {"Armed", 1, NULL, NULL}, {"SemiDeployed", 2, NULL, NULL},
    {"Deployed", 3, NULL, NULL}, {"Cut", 4, NULL, NULL}, END};
static const krpc_enum_value_decl flow_values[] = {
    {"Vessel", 0, NULL, NULL}, {"Stage", 1, NULL, NULL}, {"Adjacent", 2, NULL, NULL}, {"None", 3, NULL, NULL}, END};

static const krpc_enum_decl sc_enums[] = {
    {.name = "ParachuteState", .values = chute_values, .doc = "The state of a parachute."},
    {.name = "ResourceFlowMode", .values = flow_values, .doc = "The way in which a resource flows between parts."},
    {.name = "SASMode", .values = sas_values, .doc = "The behavior of the SAS auto-pilot."},
    {.name = "SpeedMode", .values = speed_values, .doc = "The mode of the speed reported in the navball."},
    {.name = "VesselSituation", .values = situation_values, .doc = "The situation a vessel is in."},
    {.name = "VesselType", .values = type_values, .doc = "The type of a vessel."},
    {.name = "WarpMode", .values = warp_values, .doc = "The time warp mode."},
    END,
};

/* ---- Drawing ----------------------------------------------------------------- */

static const krpc_param_decl p_add_line[] = {
    {.name = "start", .type = T3},
    {.name = "end", .type = T3},
    {.name = "referenceFrame", .type = "SpaceCenter.ReferenceFrame"},
    {.name = "visible", .type = "bool", .default_value = "true"},
    END,
};
static const krpc_param_decl p_add_direction[] = {
    {.name = "direction", .type = T3},
    {.name = "referenceFrame", .type = "SpaceCenter.ReferenceFrame"},
    {.name = "length", .type = "float", .default_value = "10"},
    {.name = "visible", .type = "bool", .default_value = "true"},
    END,
};
static const krpc_param_decl p_clear[] = {{.name = "clientOnly", .type = "bool", .default_value = "false"}, END};

static krpc_procedure_decl drawing_procedures[] = {
    {.name = "AddLine", .fn = sc_drawing_add_line, .params = p_add_line, .returns = "Line",
     .doc = "Draw a line in the scene."},
    {.name = "AddDirection", .fn = sc_drawing_add_direction, .params = p_add_direction, .returns = "Line",
     .doc = "Draw a direction vector in the scene, starting from the origin of the given reference frame."},
    {.name = "AddDirectionFromCom", .fn = sc_drawing_add_direction_from_com, .params = p_add_direction,
     .returns = "Line", .doc = "Draw a direction vector in the scene, starting from the center of mass of the active "
                               "vessel."},
    {.name = "Clear", .fn = sc_drawing_clear, .params = p_clear, .doc = "Remove all objects being drawn."},
    END,
};

static krpc_procedure_decl line_methods[] = {
    {.name = "Remove", .fn = sc_line_remove, .doc = "Remove the object."},
    END,
};

static krpc_property_decl line_properties[] = {
    {.name = "Start", .type = T3, .get = sc_line_get_start, .set = sc_line_set_start},
    {.name = "End", .type = T3, .get = sc_line_get_end, .set = sc_line_set_end},
    {.name = "Color", .type = T3, .get = sc_line_get_color, .set = sc_line_set_color},
    {.name = "Thickness", .type = "float", .get = sc_line_get_thickness, .set = sc_line_set_thickness},
    {.name = "ReferenceFrame", .type = "SpaceCenter.ReferenceFrame", .get = sc_line_get_reference_frame},
    {.name = "Visible", .type = "bool", .get = sc_line_get_visible, .set = sc_line_set_visible},
    END,
};

static krpc_class_decl drawing_classes[] = {
    {.name = "Line", .methods = line_methods, .properties = line_properties, .doc = "A line."},
    END,
};

/* ---- MockGame ------------------------------------------------------------------ */

static const krpc_param_decl p_seconds[] = {{.name = "seconds", .type = "double"}, END};

static krpc_procedure_decl mock_procedures[] = {
    {.name = "Advance", .fn = sc_mock_advance, .params = p_seconds,
     .doc = "Advances game time by the given number of seconds at once (physics, no time warp)."},
    {.name = "LoadScenario", .fn = sc_mock_load_scenario, .params = p_name,
     .doc = "Replaces the world with the named scenario; every existing game object is destroyed."},
    END,
};

static krpc_property_decl mock_properties[] = {
    {.name = "TimeScale", .type = "double", .get = sc_mock_get_time_scale, .set = sc_mock_set_time_scale,
     .doc = "Game seconds per wall-clock second (or per update time in lockstep)."},
    {.name = "Lockstep", .type = "bool", .get = sc_mock_get_lockstep, .set = sc_mock_set_lockstep,
     .doc = "Whether game time passes only while a client waits for it."},
    {.name = "Scenario", .type = "string", .get = sc_mock_get_scenario, .doc = "The loaded scenario."},
    {.name = "Scenarios", .type = "list(string)", .get = sc_mock_get_scenarios, .doc = "The scenarios available."},
    END,
};

/* ---- services and the plugin ----------------------------------------------------- */

#define SPACECENTER_SERVICE                                                                                     \
    {                                                                                                           \
        .name = "SpaceCenter", .id = 2, .procedures = sc_procedures, .properties = sc_properties,              \
        .classes = sc_classes, .enums = sc_enums,                                                               \
        .doc = "Provides functionality to interact with Kerbal Space Program. This includes controlling the "  \
               "active vessel, managing its resources, planning maneuver nodes and auto-piloting. (Headless "  \
               "mock game.)",                                                                                  \
        .type_namespace = "KRPC.SpaceCenter.Services.",                                                         \
    }
#define DRAWING_SERVICE                                                                                         \
    {                                                                                                           \
        .name = "Drawing", .id = 3, .procedures = drawing_procedures, .classes = drawing_classes,             \
        .game_scenes = FL, .doc = "Provides functionality for drawing objects in the flight scene. (Headless: " \
                                  "nothing is drawn.)",                                                         \
        .type_namespace = "KRPC.Drawing.",                                                                      \
    }

/* The game's own services only: a client sees what the game offers (the
 * Python client's member checks accept space_center and drawing). */
static const krpc_service_decl game_services[] = {SPACECENTER_SERVICE, DRAWING_SERVICE, END};

/* With MockGame, the clock and scenario controls tests drive (lockstep). */
static const krpc_service_decl services_with_control[] = {
    SPACECENTER_SERVICE,
    DRAWING_SERVICE,
    {
        .name = "MockGame",
        .procedures = mock_procedures,
        .properties = mock_properties,
        .doc = "Controls the headless mock game behind the SpaceCenter service: its clock and its scenario.",
    },
    END,
};

static const krpc_plugin spacecenter_plugin = {
    .magic = KRPC_PLUGIN_MAGIC,
    .abi_version = KRPC_PLUGIN_ABI_VERSION,
    .name = "spacecenter",
    .version = "0.7.0",
    .services = game_services,
    .init = sc_state_init,
    .tick = sc_state_tick,
    .cleanup = sc_state_cleanup,
};

static const krpc_plugin spacecenter_plugin_with_control = {
    .magic = KRPC_PLUGIN_MAGIC,
    .abi_version = KRPC_PLUGIN_ABI_VERSION,
    .name = "spacecenter",
    .version = "0.7.0",
    .services = services_with_control,
    .init = sc_state_init,
    .tick = sc_state_tick,
    .cleanup = sc_state_cleanup,
};

static bool env_on(const char *name) {
    const char *v = getenv(name);
    return v != NULL && (strcmp(v, "1") == 0 || strcmp(v, "true") == 0);
}

KRPC_PLUGIN_EXPORT const krpc_plugin *krpc_plugin_query(uint32_t host_abi);
const krpc_plugin *krpc_plugin_query(uint32_t host_abi) {
    if (host_abi < KRPC_PLUGIN_ABI_VERSION) {
        return NULL;
    }
    /* MockGame is offered in lockstep (time needs it to advance) or on request */
    return env_on("KRPC_SC_LOCKSTEP") || env_on("KRPC_SC_CONTROL") ? &spacecenter_plugin_with_control
                                                                    : &spacecenter_plugin;
}

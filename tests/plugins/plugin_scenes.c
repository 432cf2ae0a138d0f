/*
 * plugin_scenes.c - game scenes (krpc/plugin.h section 2; semantics.md 7).
 *
 * Service SceneTest (available everywhere) has members restricted to some
 * scenes, a class restricted to Flight whose members inherit that, and a class
 * that inherits "everywhere". Service FlightScene is restricted to Flight as a
 * whole: its members inherit it unless they declare their own scenes. The
 * server's scene is SpaceCenter, so everything that resolves to a mask without
 * the SpaceCenter bit fails with "Procedure not available in game scene
 * 'SpaceCenter'".
 */
#include "testplugin.h"

typedef struct object {
    int kind;
} object;

static object craft = {1};
static object building = {2};
static object vessel = {3};

PROC(ok_int) {
    result->u.i32 = 42;
    return KRPC_OK;
}

PROC(ok_void) { return KRPC_OK; }

PROC(new_craft) {
    result->u.obj.ptr = &craft;
    return KRPC_OK;
}

PROC(new_building) {
    result->u.obj.ptr = &building;
    return KRPC_OK;
}

PROC(new_vessel) {
    result->u.obj.ptr = &vessel;
    return KRPC_OK;
}

static const krpc_param_decl this_only[] = {END};

static const krpc_procedure_decl scene_procedures[] = {
    {.name = "Anywhere", .fn = ok_int, .returns = "sint32", .doc = "Inherits the service: everywhere."},
    {.name = "FlightOnly", .fn = ok_int, .returns = "sint32", .game_scenes = KRPC_SCENE_FLIGHT},
    {.name = "SpaceCenterOnly", .fn = ok_int, .returns = "sint32", .game_scenes = KRPC_SCENE_SPACE_CENTER},
    {.name = "FlightOrEditor", .fn = ok_int, .returns = "sint32",
     .game_scenes = KRPC_SCENE_FLIGHT | KRPC_SCENE_EDITOR},
    {.name = "Facility", .fn = ok_int, .returns = "sint32", .game_scenes = KRPC_SCENE_ASTRONAUT_COMPLEX},
    {.name = "AllButSpaceCenter", .fn = ok_int, .returns = "sint32",
     .game_scenes = KRPC_SCENE_ALL & ~(uint32_t)KRPC_SCENE_SPACE_CENTER},
    {.name = "FlightVoid", .fn = ok_void, .game_scenes = KRPC_SCENE_FLIGHT},
    {.name = "NewCraft", .fn = new_craft, .returns = "Craft"},
    {.name = "NewBuilding", .fn = new_building, .returns = "Building"},
    END,
};

static const krpc_property_decl scene_properties[] = {
    {.name = "Altitude", .type = "sint32", .get = ok_int, .set = ok_void, .game_scenes = KRPC_SCENE_FLIGHT},
    {.name = "Name", .type = "sint32", .get = ok_int, .set = ok_void},
    END,
};

static const krpc_procedure_decl craft_methods[] = {
    {.name = "Fly", .fn = ok_int, .params = this_only, .returns = "sint32"},
    {.name = "Inspect", .fn = ok_int, .returns = "sint32", .game_scenes = KRPC_SCENE_SPACE_CENTER},
    {.name = "Count", .fn = ok_int, .returns = "sint32", .flags = KRPC_STATIC},
    {.name = "Census", .fn = ok_int, .returns = "sint32", .flags = KRPC_STATIC,
     .game_scenes = KRPC_SCENE_ALL},
    END,
};

static const krpc_property_decl craft_properties[] = {
    {.name = "Mass", .type = "sint32", .get = ok_int, .set = ok_void},
    END,
};

static const krpc_procedure_decl building_methods[] = {
    {.name = "Open", .fn = ok_int, .returns = "sint32"},
    {.name = "Launch", .fn = ok_int, .returns = "sint32", .game_scenes = KRPC_SCENE_FLIGHT},
    END,
};

static const krpc_class_decl scene_classes[] = {
    {.name = "Craft", .methods = craft_methods, .properties = craft_properties,
     .game_scenes = KRPC_SCENE_FLIGHT},
    {.name = "Building", .methods = building_methods},
    END,
};

static const krpc_procedure_decl flight_procedures[] = {
    {.name = "Fly", .fn = ok_int, .returns = "sint32"},
    {.name = "Everywhere", .fn = ok_int, .returns = "sint32", .game_scenes = KRPC_SCENE_ALL},
    {.name = "Home", .fn = ok_int, .returns = "sint32", .game_scenes = KRPC_SCENE_SPACE_CENTER},
    {.name = "NewVessel", .fn = new_vessel, .returns = "Vessel", .game_scenes = KRPC_SCENE_ALL},
    END,
};

static const krpc_property_decl flight_properties[] = {
    {.name = "Throttle", .type = "sint32", .get = ok_int, .set = ok_void},
    END,
};

static const krpc_procedure_decl vessel_methods[] = {
    {.name = "Stage", .fn = ok_int, .returns = "sint32"},
    END,
};

static const krpc_class_decl flight_classes[] = {
    {.name = "Vessel", .methods = vessel_methods},
    END,
};

static const krpc_service_decl services[] = {
    {.name = "SceneTest", .procedures = scene_procedures, .properties = scene_properties,
     .classes = scene_classes, .doc = "Members restricted to game scenes."},
    {.name = "FlightScene", .procedures = flight_procedures, .properties = flight_properties,
     .classes = flight_classes, .game_scenes = KRPC_SCENE_FLIGHT},
    END,
};

static const krpc_plugin plugin = {
    .magic = KRPC_PLUGIN_MAGIC,
    .abi_version = KRPC_PLUGIN_ABI_VERSION,
    .name = "test-scenes",
    .version = "1.0",
    .services = services,
};

KRPC_PLUGIN_DEFINE(plugin)

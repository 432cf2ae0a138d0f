/*
 * LaunchControl - the example service of kRPC's documentation, as a C plugin:
 * a Throttle property and an ActivateStage procedure, available in the Flight
 * scene only. Without a game behind it, the plugin keeps the vessel's state
 * itself: the throttle setting and the stages left to activate.
 *
 * From a Python client (in the Flight scene):
 *     conn.launch_control.throttle = 1.0
 *     conn.launch_control.activate_stage()
 *     print(conn.launch_control.current_stage)
 */
#include <krpc/plugin.h>

#include <stdlib.h>

/* The stages of the vessel on the launchpad: KSP numbers them down to 0,
 * ActivateStage fires the next one. */
enum { INITIAL_STAGE = 3 };

/* Everything the service remembers, one per server the plugin is loaded in. */
typedef struct launch_control {
    float throttle;
    int32_t stage;
} launch_control;

static launch_control *state_of(krpc_call *call) { return call->state; }

static int get_throttle(krpc_call *call, const krpc_value *args, krpc_value *result) {
    (void)args;
    result->u.f = state_of(call)->throttle;
    return KRPC_OK;
}

static int set_throttle(krpc_call *call, const krpc_value *args, krpc_value *result) {
    (void)result;
    float value = args[0].u.f; /* a service property's setter: the value is the only argument */
    if (!(value >= 0.0f && value <= 1.0f))
        return krpc_raise(call, KRPC_ERR_ARGUMENT_OUT_OF_RANGE, "Throttle must be between 0 and 1");
    state_of(call)->throttle = value;
    return KRPC_OK;
}

static int get_current_stage(krpc_call *call, const krpc_value *args, krpc_value *result) {
    (void)args;
    result->u.i32 = state_of(call)->stage;
    return KRPC_OK;
}

static int activate_stage(krpc_call *call, const krpc_value *args, krpc_value *result) {
    (void)args, (void)result;
    launch_control *lc = state_of(call);
    if (lc->stage == 0)
        return krpc_raise(call, KRPC_ERR_INVALID_OPERATION, "No stages left to activate");
    lc->stage--;
    return KRPC_OK;
}

static int launch_control_init(krpc_host *host, const krpc_host_api *api, void **state) {
    (void)host, (void)api;
    launch_control *lc = calloc(1, sizeof *lc);
    if (!lc)
        return -1;
    lc->stage = INITIAL_STAGE;
    *state = lc;
    return 0;
}

static void launch_control_cleanup(void *state) { free(state); }

static const krpc_procedure_decl procedures[] = {
    {.name = "ActivateStage", .fn = activate_stage,
     .doc = "Activates the next stage, like pressing the space bar.",
     /* KRPC_SCENE_INHERIT (0): the service's scenes */},
    {0},
};

static const krpc_property_decl properties[] = {
    {.name = "Throttle", .type = "float", .get = get_throttle, .set = set_throttle,
     .doc = "The throttle setting, between 0 and 1."},
    {.name = "CurrentStage", .type = "sint32", .get = get_current_stage,
     .doc = "The stage that will be activated next counts down from this number; 0 when every "
            "stage has been activated."},
    {0},
};

static const krpc_service_decl services[] = {
    {.name = "LaunchControl",
     .procedures = procedures,
     .properties = properties,
     .doc = "Controls a vessel on the launchpad: its throttle and its stages.",
     .game_scenes = KRPC_SCENE_FLIGHT},
    {0},
};

static const krpc_plugin launch_control_plugin = {
    .magic = KRPC_PLUGIN_MAGIC,
    .abi_version = KRPC_PLUGIN_ABI_VERSION,
    .name = "LaunchControl",
    .version = "1.0.0",
    .services = services,
    .init = launch_control_init,
    .cleanup = launch_control_cleanup,
};

KRPC_PLUGIN_DEFINE(launch_control_plugin)

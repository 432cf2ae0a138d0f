/*
 * cart_service.c - the simulator's own kRPC service, CartSim, linked into the
 * program and registered statically. It reaches the simulation through the
 * user data the program registered it with: init stores the cart pointer as
 * the plugin state, so every procedure finds it in call->state.
 *
 * It shows, on live simulation state: properties (read-only and settable,
 * with argument checks), a structure, defaults, a procedure that yields until
 * the simulation has advanced, and an event whose condition watches the cart.
 */
#include "cart.h"

#include <stdlib.h>

static cart *cart_of(krpc_call *call) { return call->state; }

/* ---- properties ---------------------------------------------------------- */

#define DOUBLE_GETTER(fn, expr)                                                      \
    static int fn(krpc_call *call, const krpc_value *args, krpc_value *result) {     \
        (void)args;                                                                  \
        const cart *c = cart_of(call);                                               \
        result->u.d = (expr);                                                        \
        return KRPC_OK;                                                              \
    }

DOUBLE_GETTER(get_time, c->time)
DOUBLE_GETTER(get_position, c->position)
DOUBLE_GETTER(get_velocity, c->velocity)
DOUBLE_GETTER(get_energy, cart_energy(c))
DOUBLE_GETTER(get_force, c->force)
DOUBLE_GETTER(get_stiffness, c->stiffness)
DOUBLE_GETTER(get_damping, c->damping)

static int get_steps(krpc_call *call, const krpc_value *args, krpc_value *result) {
    (void)args;
    result->u.u64 = cart_of(call)->steps;
    return KRPC_OK;
}

static int set_force(krpc_call *call, const krpc_value *args, krpc_value *result) {
    (void)result;
    double f = args[0].u.d;
    if (!(f >= -1000.0 && f <= 1000.0)) /* also refuses nan */
        return krpc_raise(call, KRPC_ERR_ARGUMENT_OUT_OF_RANGE, "Force must be between -1000 and 1000 N");
    cart_of(call)->force = f;
    return KRPC_OK;
}

static int set_stiffness(krpc_call *call, const krpc_value *args, krpc_value *result) {
    (void)result;
    if (!(args[0].u.d > 0.0 && args[0].u.d < 1e6))
        return krpc_raise(call, KRPC_ERR_ARGUMENT_OUT_OF_RANGE, "Stiffness must be positive");
    cart_of(call)->stiffness = args[0].u.d;
    return KRPC_OK;
}

static int set_damping(krpc_call *call, const krpc_value *args, krpc_value *result) {
    (void)result;
    if (!(args[0].u.d >= 0.0 && args[0].u.d < 1e6))
        return krpc_raise(call, KRPC_ERR_ARGUMENT_OUT_OF_RANGE, "Damping must not be negative");
    cart_of(call)->damping = args[0].u.d;
    return KRPC_OK;
}

/* ---- procedures ---------------------------------------------------------- */

/* State() -> CartState: a structure is a sequence of its fields, in order,
 * in memory the host frees after encoding (krpc_alloc). */
static int state(krpc_call *call, const krpc_value *args, krpc_value *result) {
    (void)args;
    const cart *c = cart_of(call);
    krpc_value *fields = krpc_alloc(call, 3 * sizeof *fields);
    fields[0] = (krpc_value){.u.d = c->time};
    fields[1] = (krpc_value){.u.d = c->position};
    fields[2] = (krpc_value){.u.d = c->velocity};
    result->u.seq.items = fields;
    result->u.seq.count = 3;
    return KRPC_OK;
}

/* Reset(position = 1.0, velocity = 0.0) */
static int reset(krpc_call *call, const krpc_value *args, krpc_value *result) {
    (void)result;
    cart *c = cart_of(call);
    c->position = args[0].u.d;
    c->velocity = args[1].u.d;
    return KRPC_OK;
}

/* WaitSteps(count) -> uint64: returns once the simulation has taken count
 * more steps. Yields meanwhile; the host resumes it once per update and owns
 * the state (freed with free when the call finishes or its client leaves). */
typedef struct wait_steps {
    uint64_t until;
} wait_steps;

static int wait_steps_resume(krpc_call *call, void *state, krpc_value *result) {
    const wait_steps *w = state;
    const cart *c = cart_of(call);
    if (c->steps < w->until)
        return krpc_yield(call, wait_steps_resume, state, free); /* same state: not freed */
    result->u.u64 = c->steps;
    return KRPC_OK;
}

static int wait_steps_start(krpc_call *call, const krpc_value *args, krpc_value *result) {
    const cart *c = cart_of(call);
    if (args[0].u.u32 == 0) {
        result->u.u64 = c->steps;
        return KRPC_OK;
    }
    wait_steps *w = malloc(sizeof *w);
    if (!w)
        return krpc_raise(call, KRPC_ERR_GENERIC, "Out of memory");
    w->until = c->steps + args[0].u.u32;
    /* the simulation only moves between updates: wait for the next one */
    return krpc_yield(call, wait_steps_resume, w, free);
}

/* OnCrossing(position = 0.0) -> event: fires each time the cart passes the
 * position. The condition runs once per update on the server thread. */
typedef struct crossing {
    const cart *c;
    double position;
    int side; /* -1 unknown, 0 below, 1 above */
} crossing;

static bool crossed(krpc_event *event, void *state) {
    (void)event;
    crossing *x = state;
    int side = x->c->position > x->position;
    bool fire = x->side >= 0 && side != x->side;
    x->side = side;
    return fire;
}

static int on_crossing(krpc_call *call, const krpc_value *args, krpc_value *result) {
    crossing *x = malloc(sizeof *x);
    if (!x)
        return krpc_raise(call, KRPC_ERR_GENERIC, "Out of memory");
    *x = (crossing){.c = cart_of(call), .position = args[0].u.d, .side = -1};
    krpc_event *event = call->api->event_create(call, crossed, x, free, result);
    if (!event) {
        free(x); /* not created (e.g. no stream connection): the error is raised */
        return KRPC_ERROR;
    }
    call->api->event_release(event); /* the condition needs no handle */
    return KRPC_OK;
}

/* ---- the plugin ---------------------------------------------------------- */

/* The cart is the user data the program registered the plugin with. */
static int cart_service_init(krpc_host *host, const krpc_host_api *api, void **st) {
    if (!KRPC_HOST_API_HAS(api, user_data) || !api->user_data(host))
        return -1;
    *st = api->user_data(host);
    return 0;
}

static const krpc_param_decl reset_params[] = {
    {.name = "position", .type = "double", .default_value = "1.0", .doc = "Where the cart starts, in m."},
    {.name = "velocity", .type = "double", .default_value = "0.0", .doc = "Its speed, in m/s."},
    {0},
};

static const krpc_procedure_decl procedures[] = {
    {.name = "State", .fn = state, .returns = "CartState", .doc = "The cart's state, in one value."},
    {.name = "Reset", .fn = reset, .params = reset_params, .doc = "Put the cart somewhere, moving or not."},
    {.name = "WaitSteps", .fn = wait_steps_start,
     .params = (const krpc_param_decl[]){{.name = "count", .type = "uint32"}, {0}}, .returns = "uint64",
     .doc = "Wait until the simulation has taken count more steps.", .returns_doc = "The step count then."},
    {.name = "OnCrossing", .fn = on_crossing,
     .params = (const krpc_param_decl[]){{.name = "position", .type = "double", .default_value = "0.0"}, {0}},
     .returns = "event", .doc = "An event that fires each time the cart passes a position."},
    {0},
};

static const krpc_property_decl properties[] = {
    {.name = "Time", .type = "double", .get = get_time, .doc = "Simulated time, in s."},
    {.name = "Steps", .type = "uint64", .get = get_steps, .doc = "Physics steps taken."},
    {.name = "Position", .type = "double", .get = get_position, .doc = "Position, in m."},
    {.name = "Velocity", .type = "double", .get = get_velocity, .doc = "Velocity, in m/s."},
    {.name = "Energy", .type = "double", .get = get_energy, .doc = "Kinetic plus spring energy, in J."},
    {.name = "Force", .type = "double", .get = get_force, .set = set_force,
     .doc = "The external force pushing the cart, in N (-1000 to 1000)."},
    {.name = "Stiffness", .type = "double", .get = get_stiffness, .set = set_stiffness,
     .doc = "The spring's stiffness, in N/m."},
    {.name = "Damping", .type = "double", .get = get_damping, .set = set_damping,
     .doc = "The damping coefficient, in N s/m."},
    {0},
};

static const krpc_struct_decl structs[] = {
    {.name = "CartState",
     .fields = (const krpc_field_decl[]){{.name = "Time", .type = "double"},
                                         {.name = "Position", .type = "double"},
                                         {.name = "Velocity", .type = "double"},
                                         {0}},
     .doc = "The cart at one instant."},
    {0},
};

static const krpc_service_decl services[] = {
    {.name = "CartSim", .procedures = procedures, .properties = properties, .structs = structs,
     .doc = "A cart on a spring, simulated by the program hosting this server."},
    {0},
};

const krpc_plugin cart_plugin = {
    .magic = KRPC_PLUGIN_MAGIC,
    .abi_version = KRPC_PLUGIN_ABI_VERSION,
    .name = "CartSim",
    .version = "1.0.0",
    .services = services,
    .init = cart_service_init,
};

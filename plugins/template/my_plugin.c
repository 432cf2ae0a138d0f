/*
 * my_plugin.c - a kRPC service plugin to start from. Copy this directory,
 * rename the service, and build it against the installed krpc-c:
 *
 *     meson setup build && ninja -C build && meson install -C build
 *
 * krpc-server loads it from its plugin directory (or --plugin FILE), and every
 * kRPC client sees the service at once:
 *
 *     conn = krpc.connect()
 *     print(conn.my_service.hello("Jeb"))     # Hello, Jeb!
 *     conn.my_service.greeting = "Hi"
 *
 * The plugin author's guide (docs/plugin-guide.md) explains every part, and
 * krpc/plugin.h is the whole API.
 */
#include <krpc/plugin.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The plugin's state: one per server that loads it (no globals). */
typedef struct my_state {
    char greeting[64];
    uint32_t calls;
} my_state;

/* Hello(name: string = "world") -> string */
static int hello(krpc_call *call, const krpc_value *args, krpc_value *result) {
    my_state *st = call->state;
    const char *name = args[0].u.s.data; /* the host owns it, for this call only */
    if (args[0].u.s.len == 0)
        return krpc_raise(call, KRPC_ERR_ARGUMENT, "The name is empty");
    st->calls++;
    char text[256];
    int n = snprintf(text, sizeof text, "%s, %s!", st->greeting, name);
    if (n < 0)
        return krpc_raise(call, KRPC_ERR_GENERIC, "Cannot format the greeting");
    /* the host copies the string into the call's memory */
    krpc_set_string(call, result, text, (size_t)n < sizeof text ? (size_t)n : sizeof text - 1);
    return KRPC_OK;
}

/* Greeting: string (get and set) */
static int get_greeting(krpc_call *call, const krpc_value *args, krpc_value *result) {
    (void)args;
    my_state *st = call->state;
    krpc_set_string(call, result, st->greeting, strlen(st->greeting));
    return KRPC_OK;
}

static int set_greeting(krpc_call *call, const krpc_value *args, krpc_value *result) {
    (void)result;
    my_state *st = call->state;
    if (args[0].u.s.len >= sizeof st->greeting)
        return krpc_raise(call, KRPC_ERR_ARGUMENT_OUT_OF_RANGE, "The greeting is too long");
    memcpy(st->greeting, args[0].u.s.data, args[0].u.s.len);
    st->greeting[args[0].u.s.len] = '\0';
    return KRPC_OK;
}

/* Calls: uint32 (read-only) */
static int get_calls(krpc_call *call, const krpc_value *args, krpc_value *result) {
    (void)args;
    result->u.u32 = ((my_state *)call->state)->calls;
    return KRPC_OK;
}

static int my_init(krpc_host *host, const krpc_host_api *api, void **state) {
    (void)host, (void)api;
    my_state *st = calloc(1, sizeof *st);
    if (!st)
        return -1;
    strcpy(st->greeting, "Hello");
    *state = st;
    return 0;
}

static void my_cleanup(void *state) { free(state); }

static const krpc_procedure_decl procedures[] = {
    {.name = "Hello",
     .fn = hello,
     .params = (const krpc_param_decl[]){{.name = "name", .type = "string", .default_value = "\"world\""}, {0}},
     .returns = "string",
     .doc = "Greets someone."},
    {0},
};

static const krpc_property_decl properties[] = {
    {.name = "Greeting", .type = "string", .get = get_greeting, .set = set_greeting,
     .doc = "The word Hello starts with."},
    {.name = "Calls", .type = "uint32", .get = get_calls, .doc = "How many greetings were made."},
    {0},
};

static const krpc_service_decl services[] = {
    {.name = "MyService", .procedures = procedures, .properties = properties, .doc = "My first service."},
    {0},
};

static const krpc_plugin my_plugin = {
    .magic = KRPC_PLUGIN_MAGIC,
    .abi_version = KRPC_PLUGIN_ABI_VERSION,
    .name = "MyPlugin",
    .version = "0.1.0",
    .services = services,
    .init = my_init,
    .cleanup = my_cleanup,
};

KRPC_PLUGIN_DEFINE(my_plugin)

/*
 * example-sim - a C simulator that embeds a kRPC server.
 *
 * The program owns the loop: it integrates a cart on a spring at its own
 * physics rate (200 Hz by default) and, between steps, lets the server do its
 * I/O without blocking (krpc_server_poll) and run an update at the server's
 * own rate (krpc_server_tick, 50 Hz by default). kRPC clients see:
 *   - CartSim, a service compiled into this program and registered
 *     statically, reading and writing the simulation through its user data;
 *   - LaunchControl (or any other plugin), loaded from a file;
 *   - KRPC.Paused, which freezes the simulation, and KRPC.GameScene, which
 *     this host lets clients switch between SpaceCenter and Flight.
 *
 *   example-sim [--rpc-port N] [--stream-port N] [--bind ADDR] [--rate HZ]
 *               [--tick-rate HZ] [--steps N] [--plugin FILE]... [--quiet]
 *
 * With --steps N it stops after N physics steps, shutting the server down
 * cleanly (clients see their connections end).
 */
#define _POSIX_C_SOURCE 200809L /* sigaction, clock_gettime */

#include "cart.h"

#include <krpc/server.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifndef EXAMPLE_SIM_DEFAULT_PLUGIN
#define EXAMPLE_SIM_DEFAULT_PLUGIN ""
#endif

typedef struct sim {
    krpc_server *server;
    cart cart;
} sim;

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig) {
    (void)sig;
    stop_requested = 1;
}

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* A client set KRPC.Paused: freeze or resume the simulation at once. */
static int on_paused_request(void *data, krpc_call *call, bool paused) {
    (void)call;
    sim *s = data;
    s->cart.frozen = paused;
    krpc_server_set_paused(s->server, paused);
    return KRPC_OK;
}

/* A client set KRPC.GameScene: this world has a space center and a flight. */
static int on_game_scene_request(void *data, krpc_call *call, uint32_t scene) {
    sim *s = data;
    if (scene != KRPC_SCENE_FLIGHT && scene != KRPC_SCENE_SPACE_CENTER)
        return krpc_raise(call, KRPC_ERR_INVALID_OPERATION, "The simulator has only SpaceCenter and Flight");
    krpc_server_set_game_scene(s->server, scene);
    return KRPC_OK;
}

static int parse_u64(const char *text, uint64_t max, uint64_t *out) {
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno || !*text || *end || v > max)
        return -1;
    *out = v;
    return 0;
}

static void usage(FILE *f) {
    fprintf(f, "Usage: example-sim [--rpc-port N] [--stream-port N] [--bind ADDR] [--rate HZ]\n"
               "                   [--tick-rate HZ] [--steps N] [--plugin FILE]... [--quiet]\n");
}

int main(int argc, char **argv) {
    krpc_server_config cfg;
    krpc_server_config_defaults(&cfg);
    cfg.game_scene = KRPC_SCENE_FLIGHT; /* on the launchpad: LaunchControl is available */
    cfg.adaptive_rate_control = false;  /* the simulation, not KSP's frame rate, sets the pace */
    cfg.max_time_per_update_us = 2000;  /* leave the physics most of each update */
    double rate = 200, tick_rate = 50;
    uint64_t max_steps = 0, v;
    const char *plugins[16];
    size_t nplugins = 0;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(arg, "--quiet") == 0) {
            cfg.log_level = KRPC_LOG_LEVEL_WARNING;
            continue;
        }
        if (strcmp(arg, "--help") == 0) {
            usage(stdout);
            return 0;
        }
        if (!val) {
            usage(stderr);
            return 2;
        }
        i++;
        if (strcmp(arg, "--rpc-port") == 0 && parse_u64(val, 65535, &v) == 0)
            cfg.endpoints[0].rpc_port = (uint16_t)v;
        else if (strcmp(arg, "--stream-port") == 0 && parse_u64(val, 65535, &v) == 0)
            cfg.endpoints[0].stream_port = (uint16_t)v;
        else if (strcmp(arg, "--bind") == 0)
            cfg.endpoints[0].address = val;
        else if (strcmp(arg, "--rate") == 0 && (rate = strtod(val, NULL)) > 0)
            ;
        else if (strcmp(arg, "--tick-rate") == 0 && (tick_rate = strtod(val, NULL)) > 0)
            ;
        else if (strcmp(arg, "--steps") == 0 && parse_u64(val, UINT64_MAX, &max_steps) == 0)
            ;
        else if (strcmp(arg, "--plugin") == 0 && nplugins < sizeof plugins / sizeof plugins[0])
            plugins[nplugins++] = val;
        else {
            fprintf(stderr, "example-sim: bad option %s %s\n", arg, val);
            usage(stderr);
            return 2;
        }
    }
    cfg.tick_rate = tick_rate; /* the dt plugins' tick functions are given */

    sim s;
    cart_init(&s.cart);
    int rc = krpc_server_create(&cfg, &s.server);
    if (rc) {
        fprintf(stderr, "example-sim: cannot create the server (%d)\n", rc);
        return 1;
    }
    /* the in-process service, with the simulation as its user data */
    rc = krpc_server_add_plugin_with_data(s.server, &cart_plugin, "example-sim", &s.cart);
    /* plugins from files; a refused one is logged and the others go on */
    if (!nplugins && *EXAMPLE_SIM_DEFAULT_PLUGIN && access(EXAMPLE_SIM_DEFAULT_PLUGIN, R_OK) == 0)
        plugins[nplugins++] = EXAMPLE_SIM_DEFAULT_PLUGIN;
    for (size_t i = 0; i < nplugins; i++)
        krpc_server_load_plugin(s.server, plugins[i]);
    krpc_server_on_paused_request(s.server, on_paused_request, &s);
    krpc_server_on_game_scene_request(s.server, on_game_scene_request, &s);
    if (rc == 0)
        rc = krpc_server_start(s.server);
    if (rc) {
        fprintf(stderr, "example-sim: cannot start the server (%d)\n", rc);
        krpc_server_destroy(s.server);
        return 1;
    }
    printf("physics rate = %g Hz\n", rate);
    printf("update rate = %g Hz\n", tick_rate);
    printf("rpc_port = %u\n", krpc_server_rpc_port(s.server, 0));
    printf("stream_port = %u\n", krpc_server_stream_port(s.server, 0));
    printf("Server started successfully\n");
    fflush(stdout);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    /* The loop: two fixed rates, each on its own schedule. */
    const uint64_t step_ns = (uint64_t)(1e9 / rate), tick_ns = (uint64_t)(1e9 / tick_rate);
    const double dt = 1.0 / rate;
    uint64_t next_step = now_ns(), next_tick = next_step, ticks = 0;
    while (!stop_requested && (!max_steps || s.cart.steps < max_steps)) {
        uint64_t now = now_ns();
        uint64_t due = next_step < next_tick ? next_step : next_tick;
        /* I/O until something is due; requests are answered as they come */
        int wait_ms = due > now ? (int)((due - now) / 1000000u) : 0;
        krpc_server_poll(s.server, wait_ms);
        now = now_ns();
        if (now >= next_step) {
            cart_step(&s.cart, dt); /* paused: time stands still, steps are not used up */
            next_step += step_ns;
        }
        if (now >= next_tick) {
            krpc_server_tick(s.server); /* continuations, plugin ticks, streams */
            ticks++;
            next_tick += tick_ns;
        }
        /* fell far behind (e.g. stopped in a debugger): do not race to catch up */
        if (now > next_step + 100 * step_ns)
            next_step = now;
        if (now > next_tick + 100 * tick_ns)
            next_tick = now;
    }
    printf("steps = %llu\n", (unsigned long long)s.cart.steps);
    printf("updates = %llu\n", (unsigned long long)ticks);
    printf("time = %.3f\n", s.cart.time);
    fflush(stdout);
    krpc_server_shutdown(s.server, 1000); /* clients see their connections end */
    krpc_server_destroy(s.server);
    return 0;
}

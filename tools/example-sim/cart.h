/*
 * cart.h - the example simulator's world: a cart of mass m on a spring
 * (stiffness k) with viscous damping c, pushed by an external force F that
 * clients set:   m x'' = -k x - c x' + F
 * integrated with a fixed step (semi-implicit Euler) by the simulator's own
 * loop, at its own rate, independent of the kRPC server's updates.
 */
#ifndef EXAMPLE_SIM_CART_H
#define EXAMPLE_SIM_CART_H

#include <krpc/server.h>

#include <stdbool.h>
#include <stdint.h>

typedef struct cart {
    double time;      /* simulated seconds */
    uint64_t steps;   /* physics steps taken */
    double position;  /* m */
    double velocity;  /* m/s */
    double mass;      /* kg */
    double stiffness; /* N/m */
    double damping;   /* N s/m */
    double force;     /* N, set by clients */
    bool frozen;      /* the game is paused: time stands still */
} cart;

static inline void cart_init(cart *c) {
    *c = (cart){.position = 1.0, .mass = 2.0, .stiffness = 8.0, .damping = 0.1};
}

static inline void cart_step(cart *c, double dt) {
    if (c->frozen)
        return;
    double accel = (-c->stiffness * c->position - c->damping * c->velocity + c->force) / c->mass;
    c->velocity += accel * dt;
    c->position += c->velocity * dt;
    c->time += dt;
    c->steps++;
}

static inline double cart_energy(const cart *c) {
    return 0.5 * c->mass * c->velocity * c->velocity + 0.5 * c->stiffness * c->position * c->position;
}

/* The in-process service (cart_service.c), registered with the cart as its
 * user data: krpc_server_add_plugin_with_data(srv, &cart_plugin, "static", &cart). */
extern const krpc_plugin cart_plugin;

#endif

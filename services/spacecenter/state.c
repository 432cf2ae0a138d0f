/*
 * state.c - the plugin's lifecycle and the game clock.
 *
 * Options (environment variables until the plugin ABI has options):
 *   KRPC_SC_DATA_DIR    where the data files are (default: the installed
 *                       data, else the source tree's services/spacecenter/data)
 *   KRPC_SC_SCENARIO    the scenario loaded at start (default SubOrbitalFlight)
 *   KRPC_SC_TIME_SCALE  game seconds per wall-clock second (default 1)
 *   KRPC_SC_LOCKSTEP    1: game time passes only while a client waits for it
 *                       (MockGame.Advance, AutoPilot.Wait, WarpTo), at the
 *                       time scale per update
 *
 * In real time the clock follows the wall clock (scripts time burns with
 * sleep), multiplied by the time scale and the warp rate.
 */
#include "sc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef SC_DATA_DIR_INSTALLED
#define SC_DATA_DIR_INSTALLED ""
#endif
#ifndef SC_DATA_DIR_SOURCE
#define SC_DATA_DIR_SOURCE ""
#endif

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static bool has_data(const char *dir) {
    char path[640];
    snprintf(path, sizeof path, "%s/bodies.cfg", dir);
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return false;
    }
    fclose(f);
    return true;
}

static void log_msg(sc_state *st, int level, const char *msg) { st->api->log(st->host, level, msg); }

void sc_advance(sc_state *st, double dt, bool rails) {
    if (dt <= 0) {
        return;
    }
    double max_step = rails ? 5.0 : SC_SUBSTEP;
    double n = ceil(dt / max_step - 1e-9);
    if (n < 1) {
        n = 1;
    }
    double h = dt / n;
    for (double i = 0; i < n; i++) {
        sc_physics_step(st, h, rails);
    }
}

/* Drop every vessel, part and node (not the bodies and part definitions). */
static void clear_world(sc_state *st) {
    sc_world *w = &st->world;
    sc_objects_vessel_destroyed(st, 0, true);
    for (size_t i = 0; i < w->nvessels; i++) {
        free(w->vessels[i]);
    }
    for (size_t i = 0; i < w->nnodes; i++) {
        free(w->nodes[i]);
    }
    w->nvessels = 0;
    w->nnodes = 0;
    w->nparts = 0;
    w->active_vessel = 0;
    w->target_vessel = 0;
    w->target_body = -1;
    w->warp_mode = SC_WARP_NONE;
    w->rails_index = 0;
    w->physics_index = 0;
    st->warp_target = -1;
}

int sc_load_scenario(sc_state *st, const char *name, char *err, size_t errlen) {
    clear_world(st);
    if (sc_data_load_scenario(&st->world, st->data_dir, name, err, errlen) != 0) {
        return -1;
    }
    return 0;
}

/* A setting: the plugin option from the server's configuration (plugins.load
 * options: scenario, time_scale, lockstep, data_dir), else the environment. */
static const char *setting(krpc_host *host, const krpc_host_api *api, const char *option, const char *env) {
    const char *v = KRPC_HOST_API_HAS(api, option) ? api->option(host, option) : NULL;
    return v != NULL ? v : getenv(env);
}

int sc_state_init(krpc_host *host, const krpc_host_api *api, void **state) {
    sc_state *st = calloc(1, sizeof *st);
    if (st == NULL) {
        return -1;
    }
    st->host = host;
    st->api = api;
    st->warp_target = -1;
    st->world.next_vessel_id = 1;
    st->world.next_part_id = 1;
    st->world.next_node_id = 1;
    st->world.target_body = -1;
    st->world.warp_mode = SC_WARP_NONE;
    st->objects = sc_objects_create();
    const char *dir = setting(host, api, "data_dir", "KRPC_SC_DATA_DIR");
    if (dir == NULL || *dir == '\0') {
        dir = has_data(SC_DATA_DIR_INSTALLED) ? SC_DATA_DIR_INSTALLED : SC_DATA_DIR_SOURCE;
    }
    snprintf(st->data_dir, sizeof st->data_dir, "%s", dir);
    const char *scale = setting(host, api, "time_scale", "KRPC_SC_TIME_SCALE");
    st->time_scale = scale != NULL && atof(scale) > 0 ? atof(scale) : 1.0;
    const char *lockstep = setting(host, api, "lockstep", "KRPC_SC_LOCKSTEP");
    st->lockstep = lockstep != NULL && (strcmp(lockstep, "1") == 0 || strcmp(lockstep, "true") == 0);
    const char *scenario = setting(host, api, "scenario", "KRPC_SC_SCENARIO");
    if (scenario == NULL || *scenario == '\0') {
        scenario = "SubOrbitalFlight";
    }
    char err[512];
    if (st->objects == NULL) {
        sc_state_cleanup(st);
        return -1;
    }
    if (sc_data_load_static(&st->world, st->data_dir, err, sizeof err) != 0 ||
        sc_data_load_scenario(&st->world, st->data_dir, scenario, err, sizeof err) != 0) {
        char msg[700];
        snprintf(msg, sizeof msg, "SpaceCenter: %s", err);
        log_msg(st, KRPC_LOG_ERROR, msg);
        sc_state_cleanup(st);
        return -1;
    }
    char msg[700];
    snprintf(msg, sizeof msg, "SpaceCenter: scenario %s, time scale %g%s, data %s", scenario, st->time_scale,
             st->lockstep ? ", lockstep" : "", st->data_dir);
    log_msg(st, KRPC_LOG_INFO, msg);
    /* Nulls both client generations read (spacecenter.md decision 1): the
     * game's services are called by v0.5.4 scripts, which know no is_null */
    if (KRPC_HOST_API_HAS(api, set_service_flags)) {
        api->set_service_flags(host, "SpaceCenter", KRPC_SERVICE_NULL_AS_ID0);
        api->set_service_flags(host, "Drawing", KRPC_SERVICE_NULL_AS_ID0);
    }
    /* an engaged autopilot belongs to its client (reference: AutoPilot) */
    if (KRPC_HOST_API_HAS(api, on_client_disconnect))
        api->on_client_disconnect(host, sc_client_disconnected, st);
    /* a scenario with an active vessel is the flight scene, as in the game */
    if (st->world.active_vessel && KRPC_HOST_API_HAS(api, set_game_scene))
        api->set_game_scene(host, KRPC_SCENE_FLIGHT);
    *state = st;
    return 0;
}

void sc_client_disconnected(void *state, const uint8_t *client_id, const char *client_name) {
    (void)client_name;
    sc_world *w = &((sc_state *)state)->world;
    for (size_t i = 0; i < w->nvessels; i++) {
        sc_vessel *v = w->vessels[i];
        if (v != NULL && v->ap_engaged && v->ap_has_client && memcmp(v->ap_client, client_id, sizeof v->ap_client) == 0)
            sc_autopilot_engage(v, NULL); /* its configuration and target stay */
    }
}

/* One update of WarpTo: pick the rate as the reference does (the time left,
 * capped by the allowed rates) and advance. */
static void warp_to_step(sc_state *st, double tick) {
    sc_world *w = &st->world;
    double remaining = st->warp_target - w->ut;
    if (remaining <= 0) {
        return;
    }
    double rate = sc_clamp(remaining, 1, st->warp_max_rails);
    sc_vessel *v = sc_vessel_get(w, w->active_vessel);
    int index = 0;
    for (int i = SC_NRAILS - 1; i > 0; i--) {
        if (sc_rails_rates[i] <= rate && sc_can_rails_warp(w, v, i)) {
            index = i;
            break;
        }
    }
    if (index > 0) {
        w->warp_mode = SC_WARP_RAILS;
        w->rails_index = index;
        w->physics_index = 0;
        sc_advance(st, fmin(remaining, sc_rails_rates[index] * tick), true);
        return;
    }
    double prate = fmin(rate, fmin(st->warp_max_rails, st->warp_max_physics));
    int pindex = 0;
    for (int i = 3; i > 0; i--) {
        if (sc_physics_rates[i] <= prate) {
            pindex = i;
            break;
        }
    }
    w->warp_mode = pindex > 0 ? SC_WARP_PHYSICS : SC_WARP_NONE;
    w->rails_index = 0;
    w->physics_index = pindex;
    sc_advance(st, fmin(remaining, sc_physics_rates[pindex] * tick), false);
}

void sc_state_tick(void *state, double dt) {
    sc_state *st = state;
    sc_world *w = &st->world;
    /* the throttle a client set is applied by the next update */
    for (size_t i = 0; i < w->nvessels; i++) {
        w->vessels[i]->throttle = w->vessels[i]->throttle_set;
    }
    double tick;
    uint64_t now = now_ns();
    if (st->lockstep) {
        if (st->waiters <= 0 && st->warp_target < 0) {
            st->last_tick_ns = now;
            return;
        }
        tick = dt * st->time_scale;
    } else {
        double wall = st->last_tick_ns != 0 ? (double)(now - st->last_tick_ns) / 1e9 : dt;
        tick = sc_clamp(wall, 0, 0.25) * st->time_scale;
    }
    st->last_tick_ns = now;
    if (st->warp_target >= 0) {
        warp_to_step(st, tick);
        return;
    }
    if (w->warp_mode == SC_WARP_RAILS && w->rails_index > 0) {
        sc_vessel *v = sc_vessel_get(w, w->active_vessel);
        if (!sc_can_rails_warp(w, v, w->rails_index)) {
            w->rails_index = 0;
            w->warp_mode = SC_WARP_NONE;
        } else {
            sc_advance(st, tick * sc_rails_rates[w->rails_index], true);
            return;
        }
    }
    double rate = w->warp_mode == SC_WARP_PHYSICS ? sc_physics_rates[w->physics_index] : 1;
    sc_advance(st, tick * rate, false);
}

void sc_state_cleanup(void *state) {
    sc_state *st = state;
    if (st == NULL) {
        return;
    }
    sc_world_free(&st->world);
    sc_saves_free(st);
    sc_objects_free(st->objects);
    free(st);
}

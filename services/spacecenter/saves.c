/*
 * saves.c - saved games kept in memory: SpaceCenter.Save/Load and
 * Quicksave/Quickload. A save holds the dynamic world (time, vessels, parts,
 * maneuver nodes); loading one puts it back and destroys every object that
 * named a vessel, part or node, as loading a game does in KSP.
 */
#include "sc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void save_clear(sc_save *s) {
    free(s->parts);
    free(s->vessels);
    free(s->nodes);
    s->parts = NULL;
    s->vessels = NULL;
    s->nodes = NULL;
}

void sc_saves_free(sc_state *st) {
    for (size_t i = 0; i < st->nsaves; i++) {
        save_clear(&st->saves[i]);
    }
    free(st->saves);
    st->saves = NULL;
    st->nsaves = 0;
}

static sc_save *find_save(sc_state *st, const char *name) {
    for (size_t i = 0; i < st->nsaves; i++) {
        if (strcmp(st->saves[i].name, name) == 0) {
            return &st->saves[i];
        }
    }
    return NULL;
}

int sc_save_game(sc_state *st, const char *name) {
    sc_world *w = &st->world;
    sc_save s;
    memset(&s, 0, sizeof s);
    snprintf(s.name, sizeof s.name, "%s", name);
    s.ut = w->ut;
    s.parts = malloc((w->nparts + 1) * sizeof *s.parts);
    s.vessels = malloc((w->nvessels + 1) * sizeof *s.vessels);
    s.nodes = malloc((w->nnodes + 1) * sizeof *s.nodes);
    if (s.parts == NULL || s.vessels == NULL || s.nodes == NULL) {
        save_clear(&s);
        return -1;
    }
    memcpy(s.parts, w->parts, w->nparts * sizeof *s.parts);
    s.nparts = w->nparts;
    for (size_t i = 0; i < w->nvessels; i++) {
        s.vessels[i] = *w->vessels[i];
    }
    s.nvessels = w->nvessels;
    for (size_t i = 0; i < w->nnodes; i++) {
        s.nodes[i] = *w->nodes[i];
    }
    s.nnodes = w->nnodes;
    s.active_vessel = w->active_vessel;
    s.target_vessel = w->target_vessel;
    s.target_body = w->target_body;
    sc_save *old = find_save(st, name);
    if (old != NULL) {
        save_clear(old);
        *old = s;
        return 0;
    }
    sc_save *grown = realloc(st->saves, (st->nsaves + 1) * sizeof *grown);
    if (grown == NULL) {
        save_clear(&s);
        return -1;
    }
    st->saves = grown;
    st->saves[st->nsaves++] = s;
    return 0;
}

int sc_load_game(sc_state *st, const char *name) {
    sc_save *s = find_save(st, name);
    if (s == NULL) {
        return -1;
    }
    sc_world *w = &st->world;
    /* room first, so a failure leaves the world as it was */
    if (s->nparts > w->capparts) {
        sc_part *grown = realloc(w->parts, s->nparts * sizeof *grown);
        if (grown == NULL) {
            return -2;
        }
        w->parts = grown;
        w->capparts = s->nparts;
    }
    sc_vessel **vessels = calloc(s->nvessels + 1, sizeof *vessels);
    sc_node **nodes = calloc(s->nnodes + 1, sizeof *nodes);
    bool ok = vessels != NULL && nodes != NULL;
    for (size_t i = 0; ok && i < s->nvessels; i++) {
        vessels[i] = malloc(sizeof *vessels[i]);
        ok = vessels[i] != NULL;
        if (ok) {
            *vessels[i] = s->vessels[i];
            vessels[i]->ap_frame = NULL; /* frames of the old game are gone */
        }
    }
    for (size_t i = 0; ok && i < s->nnodes; i++) {
        nodes[i] = malloc(sizeof *nodes[i]);
        ok = nodes[i] != NULL;
        if (ok) {
            *nodes[i] = s->nodes[i];
        }
    }
    if (!ok) {
        for (size_t i = 0; vessels != NULL && i < s->nvessels; i++) {
            free(vessels[i]);
        }
        for (size_t i = 0; nodes != NULL && i < s->nnodes; i++) {
            free(nodes[i]);
        }
        free(vessels);
        free(nodes);
        return -2;
    }
    sc_objects_game_reloaded(st);
    for (size_t i = 0; i < w->nvessels; i++) {
        free(w->vessels[i]);
    }
    for (size_t i = 0; i < w->nnodes; i++) {
        free(w->nodes[i]);
    }
    free(w->vessels);
    free(w->nodes);
    w->vessels = vessels;
    w->nvessels = w->capvessels = s->nvessels;
    w->nodes = nodes;
    w->nnodes = w->capnodes = s->nnodes;
    memcpy(w->parts, s->parts, s->nparts * sizeof *w->parts);
    w->nparts = s->nparts;
    w->ut = s->ut;
    w->active_vessel = s->active_vessel;
    w->target_vessel = s->target_vessel;
    w->target_body = s->target_body;
    w->warp_mode = SC_WARP_NONE;
    w->rails_index = 0;
    w->physics_index = 0;
    st->warp_target = -1;
    return 0;
}

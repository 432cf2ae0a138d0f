/*
 * state.c - the plugin's lifecycle: the state created at init (everything
 * the services remember between calls), the per-update tick that drives the
 * event timers, and cleanup when the server stops.
 */
#include "testservice.h"

#include <stdlib.h>
#include <string.h>

bool ts_stored_string_set(ts_stored_string *stored, const krpc_value *value) {
    char *copy = NULL;
    size_t len = 0;
    if (!value->is_null) {
        len = value->u.s.len;
        copy = malloc(len + 1);
        if (copy == NULL) {
            return false;
        }
        if (len > 0) {
            memcpy(copy, value->u.s.data, len);
        }
        copy[len] = '\0';
    }
    free(stored->data);
    stored->data = copy;
    stored->len = len;
    return true;
}

void ts_stored_string_free(ts_stored_string *stored) {
    free(stored->data);
    stored->data = NULL;
    stored->len = 0;
}

int ts_state_init(krpc_host *host, const krpc_host_api *api, void **state) {
    ts_state *self = calloc(1, sizeof *self);
    if (self == NULL) {
        return -1;
    }
    self->host = host;
    self->api = api;
    self->counters = ts_counter_table_create();
    self->timers = ts_timer_list_create();
    if (self->counters == NULL || self->timers == NULL) {
        ts_state_cleanup(self);
        return -1;
    }
    *state = self;
    return 0;
}

void ts_state_tick(void *state, double dt) {
    (void)dt; /* the timers run on wall-clock time, like the reference's */
    ts_state *self = state;
    ts_timer_list_tick(self->timers, self->api);
}

void ts_state_cleanup(void *state) {
    ts_state *self = state;
    if (self == NULL) {
        return;
    }
    ts_stored_string_free(&self->string_property);
    ts_stored_string_free(&self->string_property_private_get);
    ts_stored_string_free(&self->deprecated_property);
    /* object_property and nullable_object belong to the host's object store. */
    if (self->counters != NULL) {
        ts_counter_table_destroy(self->counters);
    }
    if (self->timers != NULL) {
        ts_timer_list_destroy(self->timers, self->api);
    }
    free(self);
}

/*
 * events.c - TestService.OnTimer and OnTimerUsingLambda (procedures 49-50).
 *
 * OnTimer(milliseconds, repeats) triggers its event once per period, starting
 * one period after the call, and asks for the event's removal after the last
 * repeat (repeats = 0 wraps, so it runs practically forever). The reference
 * uses a timer thread; here the plugin's tick checks a monotonic clock once
 * per server update, which is as precise as the stream updates that carry
 * the event anyway.
 *
 * OnTimerUsingLambda(milliseconds) instead gives the event a condition that
 * becomes true once the delay has passed; it then asks for removal, so the
 * event fires once.
 */
#include "testservice.h"

#include <stdlib.h>

enum { NANOSECONDS_PER_MILLISECOND = 1000000 };

typedef struct repeating_timer {
    krpc_event *event; /* our handle, released when the timer ends */
    uint64_t period_ns;
    uint64_t next_fire_ns;
    uint32_t repeats_left;
} repeating_timer;

struct ts_timer_list {
    repeating_timer *timers;
    size_t count;
    size_t capacity;
};

ts_timer_list *ts_timer_list_create(void) {
    return calloc(1, sizeof(ts_timer_list));
}

void ts_timer_list_destroy(ts_timer_list *list, const krpc_host_api *api) {
    for (size_t i = 0; i < list->count; i++) {
        api->event_release(list->timers[i].event);
    }
    free(list->timers);
    free(list);
}

/* Room for one more timer, so that adding one after its event exists
 * cannot fail. */
static bool reserve_timer(ts_timer_list *list) {
    if (list->count < list->capacity) {
        return true;
    }
    const size_t capacity = list->capacity > 0 ? list->capacity * 2 : 8;
    repeating_timer *timers = realloc(list->timers, capacity * sizeof *timers);
    if (timers == NULL) {
        return false;
    }
    list->timers = timers;
    list->capacity = capacity;
    return true;
}

/* Fire every period that has come due; true when the last repeat fired. */
static bool fire_due_periods(repeating_timer *timer, const krpc_host_api *api, uint64_t now) {
    while (now >= timer->next_fire_ns) {
        api->event_trigger(timer->event);
        timer->repeats_left--; /* from 0 this wraps, as in the reference */
        if (timer->repeats_left == 0) {
            return true;
        }
        if (timer->period_ns == 0) {
            break; /* a zero period fires once per update */
        }
        timer->next_fire_ns += timer->period_ns;
    }
    return false;
}

void ts_timer_list_tick(ts_timer_list *list, const krpc_host_api *api) {
    if (list->count == 0) {
        return;
    }
    const uint64_t now = ts_monotonic_ns();
    size_t kept = 0;
    for (size_t i = 0; i < list->count; i++) {
        repeating_timer *timer = &list->timers[i];
        if (fire_due_periods(timer, api, now)) {
            api->event_remove(timer->event);
            api->event_release(timer->event);
        } else {
            list->timers[kept++] = *timer;
        }
    }
    list->count = kept;
}

TS_PROCEDURE(ts_on_timer) {
    ts_timer_list *list = ts_state_of(call)->timers;
    if (!reserve_timer(list)) {
        return ts_raise_out_of_memory(call);
    }
    krpc_event *event = call->api->event_create(call, NULL, NULL, NULL, result);
    if (event == NULL) {
        return KRPC_ERROR; /* raised by the host, e.g. no stream connection */
    }
    const uint64_t period_ns = (uint64_t)args[0].u.u32 * NANOSECONDS_PER_MILLISECOND;
    repeating_timer *timer = &list->timers[list->count++];
    timer->event = event;
    timer->period_ns = period_ns;
    timer->next_fire_ns = ts_monotonic_ns() + period_ns;
    timer->repeats_left = args[1].u.u32;
    return KRPC_OK;
}

typedef struct delay_condition {
    const krpc_host_api *api;
    uint64_t due_ns;
} delay_condition;

static bool delay_has_passed(krpc_event *event, void *state) {
    const delay_condition *delay = state;
    if (ts_monotonic_ns() < delay->due_ns) {
        return false;
    }
    delay->api->event_remove(event); /* fire once */
    return true;
}

TS_PROCEDURE(ts_on_timer_using_lambda) {
    delay_condition *delay = malloc(sizeof *delay);
    if (delay == NULL) {
        return ts_raise_out_of_memory(call);
    }
    delay->api = call->api;
    delay->due_ns = ts_monotonic_ns() + (uint64_t)args[0].u.u32 * NANOSECONDS_PER_MILLISECOND;
    krpc_event *event = call->api->event_create(call, delay_has_passed, delay, free, result);
    if (event == NULL) {
        /* Not created, so the host never took the state. */
        free(delay);
        return KRPC_ERROR;
    }
    /* The condition is handed the event, so no handle needs keeping. */
    call->api->event_release(event);
    return KRPC_OK;
}

/*
 * clock.c - a monotonic clock for the event timers and the benchmark.
 */
#define _POSIX_C_SOURCE 200809L

#include "testservice.h"

#include <time.h>

uint64_t ts_monotonic_ns(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}

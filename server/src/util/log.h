/* Server log: one line per event, level-filtered, to a sink the embedder may
 * replace (stderr by default). */
#ifndef KRPC_LOG_H
#define KRPC_LOG_H

#include "krpc/server.h"

typedef struct klog {
    krpc_log_level level;
    krpc_log_fn sink;
    void *sink_data;
} klog;

void klog_write(const klog *log, krpc_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define KLOG_ERROR(l, ...) klog_write((l), KRPC_LOG_LEVEL_ERROR, __VA_ARGS__)
#define KLOG_WARN(l, ...) klog_write((l), KRPC_LOG_LEVEL_WARNING, __VA_ARGS__)
#define KLOG_INFO(l, ...) klog_write((l), KRPC_LOG_LEVEL_INFO, __VA_ARGS__)
#define KLOG_DEBUG(l, ...) klog_write((l), KRPC_LOG_LEVEL_DEBUG, __VA_ARGS__)

#endif

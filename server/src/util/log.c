#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

static const char *level_names[] = {"Error", "Warning", "Info", "Debug"};

void klog_write(const klog *log, krpc_log_level level, const char *fmt, ...) {
    if (level > log->level)
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (log->sink) {
        log->sink(log->sink_data, level, msg);
        return;
    }
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    char ts[32];
    strftime(ts, sizeof ts, "%Y-%m-%d %H:%M:%S", &tm);
    fprintf(stderr, "%s - %s - %s\n", ts, level_names[level], msg);
    fflush(stderr);
}

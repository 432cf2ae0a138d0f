/* KRPC.GetStatus counters: totals, and rates smoothed with a 0.25 s mean
 * lifetime, updated once per update (semantics.md 12). */
#include "core/server_internal.h"
#include "krpc.pb-c.h"
#include "util/clock.h"

#include <math.h>

void status_count_read(krpc_server *srv, size_t n) {
    srv->status.bytes_read += n;
    srv->status.bytes_read_update += n;
}

void status_count_written(krpc_server *srv, size_t n) {
    srv->status.bytes_written += n;
    srv->status.bytes_written_update += n;
}

static void ema(double *v, double x, double a) { *v = a * x + (1 - a) * *v; }

void status_end_update(krpc_server *srv, uint64_t rpc_ns, uint64_t stream_ns) {
    kstatus *s = &srv->status;
    uint64_t now = clock_now_ns();
    double dt = s->last_update_ns ? (double)(now - s->last_update_ns) / 1e9 : 1.0 / 60;
    if (dt <= 0)
        dt = 1e-6;
    s->last_update_ns = now;
    double a = 1 - exp(-dt / 0.25);
    ema(&s->bytes_read_rate, (double)s->bytes_read_update / dt, a);
    ema(&s->bytes_written_rate, (double)s->bytes_written_update / dt, a);
    ema(&s->rpc_rate, (double)s->rpcs_this_update / dt, a);
    ema(&s->stream_rpc_rate, (double)s->stream_rpcs_this_update / dt, a);
    ema(&s->time_per_rpc_update, (double)rpc_ns / 1e9, a);
    ema(&s->poll_time_per_rpc_update, (double)srv->poll_ns_this_update / 1e9, a);
    ema(&s->exec_time_per_rpc_update, (double)srv->exec_ns_this_update / 1e9, a);
    ema(&s->time_per_stream_update, (double)stream_ns / 1e9, a);
    for (kclient *c = srv->clients; c; c = c->all_next) {
        ema(&c->rpc_rate, (double)(c->rpcs - c->rpcs_at_rate) / dt, a);
        c->rpcs_at_rate = c->rpcs;
    }
    s->stream_rpcs_executed += s->stream_rpcs_this_update;
    s->rpcs_this_update = s->stream_rpcs_this_update = 0;
    s->bytes_read_update = s->bytes_written_update = 0;
}

void status_encode(krpc_server *srv, kbuf *out) {
    const kstatus *s = &srv->status;
    Krpc__Schema__Status m;
    krpc__schema__status__init(&m);
    m.version = (char *)srv->cfg.version;
    m.bytes_read = s->bytes_read;
    m.bytes_written = s->bytes_written;
    m.bytes_read_rate = (float)s->bytes_read_rate;
    m.bytes_written_rate = (float)s->bytes_written_rate;
    m.rpcs_executed = s->rpcs_executed;
    m.rpc_rate = (float)s->rpc_rate;
    m.one_rpc_per_update = srv->cfg.one_rpc_per_update;
    m.max_time_per_update = srv->max_time_per_update_us;
    m.adaptive_rate_control = srv->cfg.adaptive_rate_control;
    m.blocking_recv = srv->cfg.blocking_recv;
    m.recv_timeout = srv->cfg.recv_timeout_us;
    m.time_per_rpc_update = (float)s->time_per_rpc_update;
    m.poll_time_per_rpc_update = (float)s->poll_time_per_rpc_update;
    m.exec_time_per_rpc_update = (float)s->exec_time_per_rpc_update;
    m.stream_rpcs = (uint32_t)srv->nstreams;
    m.stream_rpcs_executed = s->stream_rpcs_executed;
    m.stream_rpc_rate = (float)s->stream_rpc_rate;
    m.time_per_stream_update = (float)s->time_per_stream_update;
    size_t n = krpc__schema__status__get_packed_size(&m);
    kbuf_reserve(out, n);
    krpc__schema__status__pack(&m, out->data + out->len);
    out->len += n;
}

/*
 * krpc-bench - how fast the kRPC server is, as ratios against the physical
 * floor measured in the same run: a raw loopback echo (echo.c) that reads the
 * same request bytes and writes back a message the size of the server's
 * response, over the same transport.
 *
 * For each transport the server offers (TCP; local socket and WebSocket when
 * `krpc-server --help` lists them):
 *   - sequential round trips: a trivial call, a call with three arguments, a
 *     call carrying a list of 100 values (median, p99, calls/s);
 *   - batched calls: one request of 100 trivial calls;
 *   - 1..256 concurrent clients in closed loops (aggregate calls/s, latency);
 * and over the first transport, stream updates with 1 to 10,000 streams
 * (TestService.Counter with distinct ids, 100 streams per client, so 10,000
 * streams run across 100 clients), with the server's own time per update
 * spent on streams (KRPC.GetStatus time_per_stream_update) as a fraction of
 * a 60 Hz tick, the server's CPU time per update (when it started the server)
 * and, beside it, the raw cost of the same number of direct
 * procedure calls (Benchmark.Call: binding, dispatch and encoding in the
 * server, no I/O) and of the same calls made as RPCs.
 *
 * Every response is checked (the first one of each kind decoded and its value
 * compared with the expected one, the rest byte for byte against it); every
 * stream value must be a Counter value larger than the stream's previous
 * one. Any failure makes the exit status 1.
 */
#include "bench.h"
#include "krpc.pb-c.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef KRPC_BENCH_VERSION
#define KRPC_BENCH_VERSION "0.7.0"
#endif

/* ---- options ------------------------------------------------------------ */

enum { MAX_LIST = 64 };

static struct {
    const char *server;
    const char *plugins[MAX_LIST];
    size_t nplugins;
    const char *server_args[MAX_LIST];
    size_t nserver_args;
    bool connect; /* to a running server instead of starting one */
    target remote;
    bool want[TR_COUNT];
    bool any_want;
    bool short_mode;
    const char *json;
    double seconds; /* per measurement */
    size_t max_clients;
    size_t max_streams;
    bool no_streams;
    const char *only; /* comma-separated sections, NULL: all */
} O;

/* Whether a section (sequential, batched, concurrent, streams) is to run. */
static bool wanted(const char *section) {
    if (!O.only)
        return true;
    size_t n = strlen(section);
    for (const char *p = O.only; *p;) {
        size_t len = strcspn(p, ",");
        if (len == n && strncmp(p, section, n) == 0)
            return true;
        p += len;
        if (*p == ',')
            p++;
    }
    return false;
}

static bool failed;
static unsigned nfailures;

static void fail(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "krpc-bench: FAIL: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    failed = true;
    nfailures++;
}

static void note(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "krpc-bench: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
}

/* ---- statistics ----------------------------------------------------------- */

typedef struct samples {
    uint32_t *v; /* nanoseconds, saturated */
    size_t n, cap;
} samples;

static void sample_add(samples *s, uint64_t ns) {
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 4096;
        s->v = realloc(s->v, s->cap * sizeof *s->v);
        if (!s->v)
            abort();
    }
    s->v[s->n++] = ns > UINT32_MAX ? UINT32_MAX : (uint32_t)ns;
}

static int cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* One measurement: calls answered, time, latency percentiles. */
typedef struct result {
    bool ok;
    uint64_t calls;
    double seconds;
    double med_us, p99_us, rate;
} result;

static void finish(samples *s, uint64_t calls, double seconds, result *r) {
    r->calls = calls;
    r->seconds = seconds;
    r->rate = seconds > 0 ? (double)calls / seconds : 0;
    if (s->n) {
        qsort(s->v, s->n, sizeof *s->v, cmp_u32);
        r->med_us = s->v[s->n / 2] / 1e3;
        size_t i99 = (size_t)ceil(0.99 * (double)s->n) - 1;
        r->p99_us = s->v[i99 < s->n ? i99 : s->n - 1] / 1e3;
    }
    r->ok = calls > 0;
    free(s->v);
    memset(s, 0, sizeof *s);
}

/* Samples gathered over several rounds (server and echo alternate, so that a
 * change in the machine's load hits both alike). */
typedef struct acc {
    samples smp;
    uint64_t calls; /* requests answered in the measured windows */
    double seconds; /* length of the measured windows */
} acc;

/* ---- scenarios -------------------------------------------------------------- */

/* A request sent again and again, and what every answer must be. */
typedef struct scenario {
    const char *name;
    const char *label; /* "Service.Procedure" shown in the table */
    size_t ncalls;     /* calls per request */
    bbuf payload;      /* serialized Request */
    bbuf value;        /* each result's value (unless per_client) */
    bool per_client;   /* KRPC.GetClientID: the value is the client's id */
} scenario;

static void scenario_free(scenario *s) {
    bbuf_free(&s->payload);
    bbuf_free(&s->value);
}

static void expected_value(const scenario *s, const bconn *c, bbuf *out) {
    out->len = 0;
    if (s->per_client) {
        bbuf_varint(out, 16);
        bbuf_add(out, c->id, 16);
    } else {
        bbuf_add(out, s->value.data, s->value.len);
    }
}

/* Send the request once and check the response's meaning; keep its bytes as
 * the reference for every later response on this connection. */
static bool first_response(bconn *c, const scenario *s, bbuf *resp) {
    bbuf framed = {0}, want = {0};
    frame_client(c->tr, s->payload.data, s->payload.len, &framed);
    int rc = write_all(c->fd, framed.data, framed.len);
    bbuf_free(&framed);
    const uint8_t *p;
    size_t n;
    if (rc < 0 || bconn_recv(c, &p, &n, 30000) < 0) {
        fail("%s: no response", s->name);
        return false;
    }
    expected_value(s, c, &want);
    char err[512];
    bool ok = response_ok(p, n, s->ncalls, want.data, want.len, err, sizeof err);
    bbuf_free(&want);
    if (!ok) {
        fail("%s: %s", s->name, err);
        return false;
    }
    resp->len = 0;
    bbuf_add(resp, p, n);
    return true;
}

static double measure_time(void) { return O.seconds; }
static int rounds(void) { return O.short_mode ? 2 : 5; }

/* Sequential round trips on one connection (blocking socket) for `secs`
 * after `warm` seconds unmeasured. Every response must equal `expect` byte
 * for byte. */
static bool measure_seq(bconn *c, const scenario *s, const bbuf *expect, double warm_secs, double secs, acc *a) {
    bbuf framed = {0};
    frame_client(c->tr, s->payload.data, s->payload.len, &framed);
    uint64_t bad = 0;
    uint64_t warm_end = now_ns() + (uint64_t)(warm_secs * 1e9);
    uint64_t start = 0, end = 0;
    bool warm = true;
    for (;;) {
        uint64_t t0 = now_ns();
        if (warm && t0 >= warm_end) {
            warm = false;
            start = t0;
            end = t0 + (uint64_t)(secs * 1e9);
        }
        if (!warm && t0 >= end)
            break;
        const uint8_t *p;
        size_t n;
        if (write_all(c->fd, framed.data, framed.len) < 0 || bconn_recv(c, &p, &n, 30000) < 0) {
            fail("%s: connection lost after %llu calls", s->name, (unsigned long long)a->calls);
            bbuf_free(&framed);
            return false;
        }
        uint64_t t1 = now_ns();
        if (n != expect->len || memcmp(p, expect->data, n) != 0)
            bad++;
        if (!warm) {
            sample_add(&a->smp, t1 - t0);
            a->calls++;
        }
    }
    a->seconds += (double)(now_ns() - start) / 1e9;
    bbuf_free(&framed);
    if (bad) {
        fail("%s: %llu responses differ from the expected one", s->name, (unsigned long long)bad);
        return false;
    }
    return true;
}

/* Closed loops on k connections at once, one thread with epoll. */
typedef struct loadconn {
    bconn *c;
    bbuf expect;
    uint64_t t0;
    bool inflight;
} loadconn;

static bool measure_load(bconn *conns, size_t k, const scenario *s, const bbuf *expects, double warm_secs,
                         double secs, acc *a) {
    bbuf framed[TR_COUNT] = {{0}};
    loadconn *lc = calloc(k, sizeof *lc);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    for (size_t i = 0; i < k; i++) {
        lc[i].c = &conns[i];
        lc[i].expect = expects[i];
        set_nonblocking(conns[i].fd, true);
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &lc[i]};
        epoll_ctl(ep, EPOLL_CTL_ADD, conns[i].fd, &ev);
        if (!framed[conns[i].tr].len)
            frame_client(conns[i].tr, s->payload.data, s->payload.len, &framed[conns[i].tr]);
    }
    uint64_t bad = 0;
    size_t inflight = 0;
    bool ok = true;
    uint64_t begin = now_ns();
    uint64_t start = begin + (uint64_t)(warm_secs * 1e9); /* warm-up first */
    uint64_t end = start + (uint64_t)(secs * 1e9);
    uint64_t last_progress = begin;
    for (size_t i = 0; i < k; i++) {
        lc[i].t0 = now_ns();
        if (write_all(lc[i].c->fd, framed[lc[i].c->tr].data, framed[lc[i].c->tr].len) < 0) {
            fail("%s: send failed", s->name);
            ok = false;
            break;
        }
        lc[i].inflight = true;
        inflight++;
    }
    struct epoll_event evs[256];
    while (ok && inflight) {
        int n = epoll_wait(ep, evs, 256, 1000);
        uint64_t now = now_ns();
        if (n < 0 && errno != EINTR) {
            ok = false;
            break;
        }
        if (n <= 0 && now - last_progress > 30000000000ull) {
            fail("%s: %zu requests unanswered for 30 s", s->name, inflight);
            ok = false;
            break;
        }
        for (int e = 0; e < n && ok; e++) {
            loadconn *l = evs[e].data.ptr;
            bconn *c = l->c;
            if (bconn_fill(c) < 0) {
                fail("%s: connection closed", s->name);
                ok = false;
                break;
            }
            size_t pos = 0;
            for (;;) {
                size_t hdr, plen;
                int st = frame_parse(c->tr, false, c->in.data + pos, c->in.len - pos, &hdr, &plen);
                if (st < 0) {
                    fail("%s: bad frame", s->name);
                    ok = false;
                }
                if (st <= 0)
                    break;
                const uint8_t *p = c->in.data + pos + hdr;
                pos += hdr + plen;
                uint64_t t1 = now_ns();
                if (plen != l->expect.len || memcmp(p, l->expect.data, plen) != 0)
                    bad++;
                if (l->t0 >= start && t1 <= end) {
                    sample_add(&a->smp, t1 - l->t0);
                    a->calls++;
                }
                last_progress = t1;
                if (t1 < end) {
                    l->t0 = now_ns();
                    if (write_all(c->fd, framed[c->tr].data, framed[c->tr].len) < 0) {
                        fail("%s: send failed", s->name);
                        ok = false;
                        break;
                    }
                } else {
                    l->inflight = false;
                    inflight--;
                }
            }
            bbuf_consume(&c->in, pos);
        }
    }
    close(ep);
    for (size_t i = 0; i < k; i++)
        set_nonblocking(conns[i].fd, false);
    for (int t = 0; t < TR_COUNT; t++)
        bbuf_free(&framed[t]);
    free(lc);
    if (ok && bad) {
        fail("%s: %llu responses differ from the expected one", s->name, (unsigned long long)bad);
        ok = false;
    }
    if (ok)
        a->seconds += secs;
    return ok;
}

/* ---- result rows ---------------------------------------------------------- */

typedef struct row {
    transport tr;
    char section[16]; /* "sequential", "batched", "concurrent" */
    char name[64];
    size_t clients;
    result srv, echo;
    double ratio; /* server time per call / echo time per call */
} row;

typedef struct stream_row {
    transport tr;
    size_t streams, clients;
    bool ok;
    double values_per_s, expected_per_s; /* stream values received, streams x update rate */
    double updates_per_s;                /* StreamUpdate messages */
    double server_update_ms;             /* time_per_stream_update */
    double tick_fraction;                /* of a 60 Hz tick */
    double direct_ms;                    /* the same calls run directly in the server */
    double rpc_ms;                       /* the same calls as RPCs (batched, all clients) */
    double ratio_direct;                 /* server_update_ms / direct_ms */
    double server_cpu_ms;                /* the server's CPU time per update (NAN unless we started it) */
} stream_row;

static row *rows;
static size_t nrows;
static stream_row *srows;
static size_t nsrows;

static row *add_row(transport tr, const char *section, const char *name, size_t clients) {
    rows = realloc(rows, (nrows + 1) * sizeof *rows);
    row *r = &rows[nrows++];
    memset(r, 0, sizeof *r);
    r->tr = tr;
    snprintf(r->section, sizeof r->section, "%s", section);
    snprintf(r->name, sizeof r->name, "%s", name);
    r->clients = clients;
    return r;
}

/* One client at a time (sequential, batched): the ratio of the median round
 * trips. */
static void set_ratio(row *r) {
    if (r->srv.med_us > 0 && r->echo.med_us > 0)
        r->ratio = r->srv.med_us / r->echo.med_us;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* ---- one transport ------------------------------------------------------------ */

static bool connect_many(const target *t, size_t k, bconn *out, bool echo) {
    char err[512];
    for (size_t i = 0; i < k; i++) {
        char name[32];
        snprintf(name, sizeof name, "bench-%zu", i);
        int rc = echo ? bconn_open_echo(t, &out[i], err, sizeof err)
                      : bconn_open_rpc(t, name, &out[i], err, sizeof err);
        if (rc < 0) {
            fail("%s %s connection %zu: %s", transport_names[t->tr], echo ? "echo" : "server", i, err);
            for (size_t j = 0; j < i; j++)
                bconn_close(&out[j]);
            return false;
        }
    }
    return true;
}

static void close_many(bconn *c, size_t k) {
    for (size_t i = 0; i < k; i++)
        bconn_close(&c[i]);
}

/* Sequential and batched scenarios: server and echo with the same bytes, in
 * alternating rounds. */
static void run_sequential(const target *srv, const target *echo, scenario *s, const char *section) {
    bconn c, e;
    char err[512];
    row *r = add_row(srv->tr, section, s->label, 1);
    if (bconn_open_rpc(srv, "bench", &c, err, sizeof err) < 0) {
        fail("%s: %s", s->name, err);
        return;
    }
    bbuf expect = {0};
    if (!first_response(&c, s, &expect)) {
        bconn_close(&c);
        bbuf_free(&expect);
        return;
    }
    echo_set_reply(expect.data, expect.len);
    if (bconn_open_echo(echo, &e, err, sizeof err) < 0) {
        fail("echo: %s", err);
        bconn_close(&c);
        bbuf_free(&expect);
        return;
    }
    acc as, ae;
    memset(&as, 0, sizeof as);
    memset(&ae, 0, sizeof ae);
    double slice = measure_time() / rounds(), warm = measure_time() * 0.1;
    bool ok = true;
    for (int i = 0; i < rounds() && ok; i++) {
        ok = measure_seq(&c, s, &expect, i ? 0 : warm, slice, &as) &&
             measure_seq(&e, s, &expect, i ? 0 : warm, slice, &ae);
    }
    if (ok) {
        finish(&as.smp, as.calls * s->ncalls, as.seconds, &r->srv);
        finish(&ae.smp, ae.calls * s->ncalls, ae.seconds, &r->echo);
        set_ratio(r);
    }
    free(as.smp.v);
    free(ae.smp.v);
    bconn_close(&c);
    bconn_close(&e);
    bbuf_free(&expect);
}

static void run_concurrent(const target *srv, const target *echo, scenario *s, const size_t *levels, size_t nlevels) {
    size_t kmax = 0;
    for (size_t i = 0; i < nlevels; i++)
        kmax = levels[i] > kmax ? levels[i] : kmax;
    bconn *sc = calloc(kmax, sizeof *sc), *ec = calloc(kmax, sizeof *ec);
    bbuf *sexp = calloc(kmax, sizeof *sexp), *eexp = calloc(kmax, sizeof *eexp);
    if (!connect_many(srv, kmax, sc, false))
        goto out_free;
    bool ok = true;
    for (size_t i = 0; i < kmax && ok; i++)
        ok = first_response(&sc[i], s, &sexp[i]);
    if (!ok) {
        close_many(sc, kmax);
        goto out_free;
    }
    if (!connect_many(echo, kmax, ec, true)) {
        close_many(sc, kmax);
        goto out_free;
    }
    for (size_t i = 0; i < kmax; i++) {
        eexp[i].len = 0;
        bbuf_add(&eexp[i], sexp[0].data, sexp[0].len);
    }
    echo_set_reply(sexp[0].data, sexp[0].len);
    for (size_t li = 0; li < nlevels; li++) {
        size_t k = levels[li];
        char name[64];
        snprintf(name, sizeof name, "%s x %zu clients", s->label, k);
        row *r = add_row(srv->tr, "concurrent", name, k);
        acc as, ae;
        memset(&as, 0, sizeof as);
        memset(&ae, 0, sizeof ae);
        double slice = measure_time() / rounds(), warm = measure_time() * 0.1;
        bool ok2 = true;
        /* the ratio of aggregate throughputs, round by round; its median is
         * what is reported (a burst of other load on the machine spoils one
         * round, not the figure) */
        double ratios[16];
        int nr = 0;
        for (int i = 0; i < rounds() && ok2; i++) {
            uint64_t sc0 = as.calls, ec0 = ae.calls;
            ok2 = measure_load(sc, k, s, sexp, i ? 0 : warm, slice, &as) &&
                  measure_load(ec, k, s, eexp, i ? 0 : warm, slice, &ae);
            if (ok2 && as.calls > sc0)
                ratios[nr++] = (double)(ae.calls - ec0) / (double)(as.calls - sc0);
        }
        if (ok2) {
            finish(&as.smp, as.calls * s->ncalls, as.seconds, &r->srv);
            finish(&ae.smp, ae.calls * s->ncalls, ae.seconds, &r->echo);
            qsort(ratios, (size_t)nr, sizeof *ratios, cmp_double);
            if (nr)
                r->ratio = nr % 2 ? ratios[nr / 2] : (ratios[nr / 2 - 1] + ratios[nr / 2]) / 2;
        }
        free(as.smp.v);
        free(ae.smp.v);
        if (!ok2)
            break;
    }
    close_many(sc, kmax);
    close_many(ec, kmax);
out_free:
    for (size_t i = 0; i < kmax; i++) {
        bbuf_free(&sexp[i]);
        bbuf_free(&eexp[i]);
    }
    free(sexp);
    free(eexp);
    free(sc);
    free(ec);
}

/* ---- streams ---------------------------------------------------------------- */

static bool read_varint(const uint8_t **p, const uint8_t *end, uint64_t *v) {
    *v = 0;
    for (int s = 0; s < 64 && *p < end; s += 7) {
        uint8_t b = *(*p)++;
        *v |= (uint64_t)(b & 0x7f) << s;
        if (!(b & 0x80))
            return true;
    }
    return false;
}

/* Per stream: the last value seen. */
typedef struct stream_slot {
    int64_t last;
    uint64_t count;
    bool used;
} stream_slot;

typedef struct stream_state {
    stream_slot *slots;
    uint64_t base, range;
    uint64_t values, messages, errors, bad;
    bool counting;
} stream_state;

/* Hand-parse one StreamUpdate: results (1) = StreamResult { id (1), result (2) =
 * ProcedureResult { error (1), value (2), is_null (3) } }. */
static void on_stream_update(stream_state *st, const uint8_t *p, size_t n) {
    const uint8_t *end = p + n;
    if (st->counting)
        st->messages++;
    while (p < end) {
        uint64_t key, len;
        if (!read_varint(&p, end, &key) || key != ((1 << 3) | 2) || !read_varint(&p, end, &len) ||
            len > (uint64_t)(end - p)) {
            st->bad++;
            return;
        }
        const uint8_t *r = p, *rend = p + len;
        p = rend;
        uint64_t id = 0; /* proto3: a zero id is not on the wire */
        bool has_value = false, is_error = false;
        int64_t value = 0;
        while (r < rend) {
            uint64_t k, v;
            if (!read_varint(&r, rend, &k))
                break;
            if (k == ((1 << 3) | 0)) {
                read_varint(&r, rend, &id);
            } else if (k == ((2 << 3) | 2)) {
                uint64_t l;
                read_varint(&r, rend, &l);
                const uint8_t *q = r, *qend = r + l;
                r = qend;
                while (q < qend) {
                    uint64_t k2, l2;
                    if (!read_varint(&q, qend, &k2))
                        break;
                    if ((k2 & 7) == 2) {
                        read_varint(&q, qend, &l2);
                        if ((k2 >> 3) == 1)
                            is_error = true;
                        if ((k2 >> 3) == 2) {
                            const uint8_t *vp = q;
                            if (read_varint(&vp, q + l2, &v)) {
                                value = (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
                                has_value = true;
                            }
                        }
                        q += l2;
                    } else if ((k2 & 7) == 0) {
                        read_varint(&q, qend, &v);
                    } else {
                        break;
                    }
                }
            } else {
                break;
            }
        }
        if (is_error) {
            st->errors++;
            continue;
        }
        if (id < st->base || id - st->base >= st->range || !has_value) {
            st->bad++;
            continue;
        }
        stream_slot *s = &st->slots[id - st->base];
        if (!s->used || (s->count && value <= s->last))
            st->bad++;
        s->last = value;
        s->count++;
        if (st->counting)
            st->values++;
    }
}

static double dict_double(const bbuf *v, const char *key) {
    Krpc__Schema__Dictionary *d = krpc__schema__dictionary__unpack(NULL, v->len, v->data);
    double out = NAN;
    if (!d)
        return out;
    bbuf k = {0};
    enc_string(&k, key);
    for (size_t i = 0; i < d->n_entries; i++) {
        Krpc__Schema__DictionaryEntry *e = d->entries[i];
        if (e->key.len == k.len && memcmp(e->key.data, k.data, k.len) == 0 && e->value.len == 8)
            memcpy(&out, e->value.data, 8);
    }
    bbuf_free(&k);
    krpc__schema__dictionary__free_unpacked(d, NULL);
    return out;
}

static bool get_status(bconn *c, Krpc__Schema__Status **out) {
    call_spec gs = {"KRPC", "GetStatus", 0, {0}, {0}};
    bbuf v = {0};
    char err[512];
    if (!rpc_call(c, &gs, &v, err, sizeof err)) {
        fail("GetStatus: %s", err);
        bbuf_free(&v);
        return false;
    }
    *out = krpc__schema__status__unpack(NULL, v.len, v.data);
    bbuf_free(&v);
    return *out != NULL;
}

static void counter_call(const char *id, bbuf *out) {
    bbuf arg = {0};
    enc_string(&arg, id);
    call_spec c = {"TestService", "Counter", 1, {arg.data}, {arg.len}};
    make_procedure_call(&c, out);
    bbuf_free(&arg);
}

/* The server we started (0: --port, a server of someone else's). */
static pid_t server_pid;

/* Nanoseconds the server's main thread (its loop) has run on a CPU, from
 * /proc/PID/schedstat; 0 when unknown. Unlike time_per_stream_update this
 * does not grow when the machine is busy and the server waits for a CPU. */
static uint64_t server_cpu_ns(void) {
    if (server_pid <= 0)
        return 0;
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/schedstat", (int)server_pid);
    FILE *f = fopen(path, "r");
    unsigned long long ns = 0;
    if (f) {
        if (fscanf(f, "%llu", &ns) != 1)
            ns = 0;
        fclose(f);
    }
    return ns;
}

static bool run_streams(const target *t, size_t nstreams, stream_row *sr) {
    size_t nclients = nstreams <= 100 ? 1 : (nstreams + 99) / 100;
    memset(sr, 0, sizeof *sr);
    sr->server_cpu_ms = NAN;
    sr->tr = t->tr;
    sr->streams = nstreams;
    sr->clients = nclients;
    bconn *rpc = calloc(nclients, sizeof *rpc), *str = calloc(nclients, sizeof *str);
    char err[512];
    bool ok = connect_many(t, nclients, rpc, false);
    bool rpc_open = ok;
    size_t nopen = 0;
    for (; ok && nopen < nclients; nopen++) {
        if (bconn_open_stream(t, rpc[nopen].id, &str[nopen], err, sizeof err) < 0) {
            fail("stream connection: %s", err);
            ok = false;
            break;
        }
    }
    size_t *per = calloc(nclients, sizeof *per);
    for (size_t i = 0; i < nstreams; i++)
        per[i % nclients]++;
    stream_state st = {0};
    if (!ok)
        goto out;

    /* the floor: the same calls run directly in the server (Benchmark.Call),
     * and made as RPCs (requests of up to 100 calls, every client at once) */
    {
        bbuf pc = {0}, it = {0}, v = {0};
        counter_call("direct", &pc);
        bbuf_varint(&it, nstreams);
        call_spec bc = {"Benchmark", "Call", 2, {pc.data, it.data}, {pc.len, it.len}};
        if (rpc_call(&rpc[0], &bc, &v, err, sizeof err)) {
            double ns = dict_double(&v, "nanoseconds_per_operation");
            sr->direct_ms = ns * (double)nstreams / 1e6;
        } else {
            note("direct calls not measured (%s)", err);
            sr->direct_ms = NAN;
        }
        bbuf_free(&pc);
        bbuf_free(&it);
        bbuf_free(&v);

        /* per client, its requests of up to 100 Counter calls, with the ids its
         * streams will have (the same calls, the same counters) */
        size_t *nreq = calloc(nclients, sizeof *nreq), *next = calloc(nclients, sizeof *next);
        bbuf **reqs = calloc(nclients, sizeof *reqs);
        size_t **ncalls = calloc(nclients, sizeof *ncalls);
        for (size_t ci = 0; ci < nclients; ci++) {
            nreq[ci] = (per[ci] + 99) / 100;
            reqs[ci] = calloc(nreq[ci] ? nreq[ci] : 1, sizeof **reqs);
            ncalls[ci] = calloc(nreq[ci] ? nreq[ci] : 1, sizeof **ncalls);
            for (size_t r = 0; r < nreq[ci]; r++) {
                size_t k = per[ci] - r * 100 < 100 ? per[ci] - r * 100 : 100;
                call_spec *cs = calloc(k, sizeof *cs);
                bbuf *args = calloc(k, sizeof *args);
                for (size_t j = 0; j < k; j++) {
                    char id[48];
                    snprintf(id, sizeof id, "c%zus%zu", ci, r * 100 + j);
                    enc_string(&args[j], id);
                    cs[j] = (call_spec){"TestService", "Counter", 1, {args[j].data}, {args[j].len}};
                }
                make_request(cs, k, 1, &reqs[ci][r]);
                ncalls[ci][r] = k;
                for (size_t j = 0; j < k; j++)
                    bbuf_free(&args[j]);
                free(args);
                free(cs);
            }
        }
        /* every client sends its requests back to back, one in flight each */
        uint64_t t0 = now_ns();
        size_t pending = 0;
        for (size_t ci = 0; ci < nclients && ok; ci++) {
            if (!nreq[ci])
                continue;
            ok = bconn_send(&rpc[ci], reqs[ci][0].data, reqs[ci][0].len) == 0;
            pending++;
        }
        while (pending && ok) {
            for (size_t ci = 0; ci < nclients && ok; ci++) {
                if (next[ci] >= nreq[ci])
                    continue;
                const uint8_t *p;
                size_t n;
                if (bconn_recv(&rpc[ci], &p, &n, 30000) < 0 ||
                    !response_ok(p, n, ncalls[ci][next[ci]], NULL, 0, err, sizeof err)) {
                    fail("Counter calls: %s", err);
                    ok = false;
                    break;
                }
                pending--;
                if (++next[ci] < nreq[ci]) {
                    ok = bconn_send(&rpc[ci], reqs[ci][next[ci]].data, reqs[ci][next[ci]].len) == 0;
                    pending++;
                }
            }
        }
        sr->rpc_ms = (double)(now_ns() - t0) / 1e6;
        for (size_t ci = 0; ci < nclients; ci++) {
            for (size_t r = 0; r < nreq[ci]; r++)
                bbuf_free(&reqs[ci][r]);
            free(reqs[ci]);
            free(ncalls[ci]);
        }
        free(reqs);
        free(ncalls);
        free(nreq);
        free(next);
        if (!ok)
            goto out;
    }

    /* the streams: AddStream(Counter(id)), in requests of up to 100 */
    uint64_t minid = UINT64_MAX, maxid = 0;
    uint64_t *ids = calloc(nstreams, sizeof *ids);
    size_t nids = 0;
    for (size_t ci = 0; ci < nclients && ok; ci++) {
        for (size_t done = 0; done < per[ci] && ok;) {
            size_t k = per[ci] - done < 100 ? per[ci] - done : 100;
            call_spec *cs = calloc(k, sizeof *cs);
            bbuf *args = calloc(k, sizeof *args);
            static const uint8_t yes = 1;
            for (size_t j = 0; j < k; j++) {
                char id[48];
                snprintf(id, sizeof id, "c%zus%zu", ci, done + j);
                counter_call(id, &args[j]);
                cs[j] = (call_spec){"KRPC", "AddStream", 2, {args[j].data, &yes}, {args[j].len, 1}};
            }
            bbuf req = {0};
            make_request(cs, k, 1, &req);
            const uint8_t *p;
            size_t n;
            if (bconn_send(&rpc[ci], req.data, req.len) < 0 || bconn_recv(&rpc[ci], &p, &n, 30000) < 0) {
                fail("AddStream: connection lost");
                ok = false;
            } else {
                Krpc__Schema__Response *resp = krpc__schema__response__unpack(NULL, n, p);
                if (!resp || resp->error || resp->n_results != k) {
                    fail("AddStream: bad response");
                    ok = false;
                }
                for (size_t j = 0; ok && j < k; j++) {
                    Krpc__Schema__ProcedureResult *res = resp->results[j];
                    Krpc__Schema__Stream *s =
                        res->error ? NULL : krpc__schema__stream__unpack(NULL, res->value.len, res->value.data);
                    if (!s) {
                        fail("AddStream failed: %s", res->error ? res->error->description : "bad Stream");
                        ok = false;
                        break;
                    }
                    ids[nids++] = s->id;
                    minid = s->id < minid ? s->id : minid;
                    maxid = s->id > maxid ? s->id : maxid;
                    krpc__schema__stream__free_unpacked(s, NULL);
                }
                if (resp)
                    krpc__schema__response__free_unpacked(resp, NULL);
            }
            bbuf_free(&req);
            for (size_t j = 0; j < k; j++)
                bbuf_free(&args[j]);
            free(args);
            free(cs);
            done += k;
        }
    }
    if (!ok) {
        free(ids);
        goto out;
    }
    st.base = minid;
    st.range = maxid - minid + 1;
    st.slots = calloc(st.range, sizeof *st.slots);
    for (size_t i = 0; i < nids; i++)
        st.slots[ids[i] - minid].used = true;
    free(ids);

    /* receive: one thread, epoll over every stream connection */
    int ep = epoll_create1(EPOLL_CLOEXEC);
    for (size_t i = 0; i < nclients; i++) {
        set_nonblocking(str[i].fd, true);
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &str[i]};
        epoll_ctl(ep, EPOLL_CTL_ADD, str[i].fd, &ev);
    }
    double secs = measure_time() * 1.5;
    uint64_t begin = now_ns();
    uint64_t start = begin + 300000000ull; /* the first update sends every value: skip it */
    uint64_t end = start + (uint64_t)(secs * 1e9);
    uint64_t next_status = start + 100000000ull;
    double tpsu[256];
    int tpsu_n = 0;
    struct epoll_event evs[128];
    uint64_t cpu_start = 0;
    for (;;) {
        uint64_t now = now_ns();
        if (now >= end)
            break;
        if (!st.counting && now >= start) {
            st.counting = true;
            cpu_start = server_cpu_ns();
        }
        if (st.counting && now >= next_status) {
            Krpc__Schema__Status *s;
            if (get_status(&rpc[0], &s)) {
                if (tpsu_n < 256)
                    tpsu[tpsu_n++] = s->time_per_stream_update;
                krpc__schema__status__free_unpacked(s, NULL);
            } else {
                ok = false;
                break;
            }
            next_status = now_ns() + 250000000ull;
        }
        int n = epoll_wait(ep, evs, 128, 20);
        for (int e = 0; e < n; e++) {
            bconn *c = evs[e].data.ptr;
            if (bconn_fill(c) < 0) {
                fail("stream connection closed");
                ok = false;
                break;
            }
            size_t pos = 0;
            for (;;) {
                size_t hdr, plen;
                int fs = frame_parse(c->tr, false, c->in.data + pos, c->in.len - pos, &hdr, &plen);
                if (fs < 0) {
                    fail("stream connection: bad frame");
                    ok = false;
                }
                if (fs <= 0)
                    break;
                on_stream_update(&st, c->in.data + pos + hdr, plen);
                pos += hdr + plen;
            }
            bbuf_consume(&c->in, pos);
        }
        if (!ok)
            break;
    }
    close(ep);
    uint64_t cpu_end = server_cpu_ns();
    double elapsed = (double)(end - start) / 1e9;
    /* every value changes every update: each update is one message per client */
    double updates = (double)st.messages / (double)nclients;
    sr->server_cpu_ms = cpu_start && cpu_end > cpu_start && updates > 0 ? (double)(cpu_end - cpu_start) / 1e6 / updates : NAN;
    sr->values_per_s = (double)st.values / elapsed;
    sr->updates_per_s = (double)st.messages / elapsed;
    sr->expected_per_s = (double)nstreams * 60.0;
    /* the median of the samples (each a 0.25 s moving average) */
    qsort(tpsu, (size_t)tpsu_n, sizeof *tpsu, cmp_double);
    sr->server_update_ms = NAN;
    if (tpsu_n)
        sr->server_update_ms =
            1e3 * (tpsu_n % 2 ? tpsu[tpsu_n / 2] : (tpsu[tpsu_n / 2 - 1] + tpsu[tpsu_n / 2]) / 2);
    sr->tick_fraction = sr->server_update_ms / (1000.0 / 60);
    sr->ratio_direct = sr->direct_ms > 0 ? sr->server_update_ms / sr->direct_ms : NAN;
    if (ok) {
        uint64_t silent = 0;
        for (uint64_t i = 0; i < st.range; i++)
            if (st.slots[i].used && st.slots[i].count == 0)
                silent++;
        if (st.errors)
            fail("%zu streams: %llu stream results carried errors", nstreams, (unsigned long long)st.errors);
        else if (st.bad)
            fail("%zu streams: %llu stream results were wrong (unknown id, no value, or not increasing)", nstreams,
                 (unsigned long long)st.bad);
        else if (silent)
            fail("%zu streams: %llu streams sent no update", nstreams, (unsigned long long)silent);
        else if (!st.values)
            fail("%zu streams: no stream values received", nstreams);
        else
            sr->ok = true;
    }
out:
    free(st.slots);
    free(per);
    for (size_t i = 0; i < nopen; i++)
        bconn_close(&str[i]);
    close_many(rpc, rpc_open ? nclients : 0);
    free(rpc);
    free(str);
    return sr->ok;
}

/* ---- running a transport -------------------------------------------------- */

static bool has_procedure(const target *t, const char *service, const char *procedure, const call_spec *probe) {
    bconn c;
    char err[512];
    if (bconn_open_rpc(t, "bench-probe", &c, err, sizeof err) < 0) {
        fail("%s: %s", transport_names[t->tr], err);
        return false;
    }
    bbuf v = {0};
    bool ok = rpc_call(&c, probe, &v, err, sizeof err);
    bbuf_free(&v);
    bconn_close(&c);
    if (!ok)
        note("%s.%s unavailable (%s)", service, procedure, err);
    return ok;
}

static void run_transport(const target *srv, const target *echo, bool with_streams) {
    note("%s: server at %s", transport_names[srv->tr], srv->tr == TR_LOCAL ? srv->rpc_path : srv->host);
    bbuf a42 = {0};
    enc_sint32(&a42, 42);
    call_spec i2s = {"TestService", "Int32ToString", 1, {a42.data}, {a42.len}};
    unsigned failures_before = nfailures;
    bool ts = has_procedure(srv, "TestService", "Int32ToString", &i2s);
    if (nfailures != failures_before) {
        bbuf_free(&a42);
        return;
    }

    scenario trivial = {0};
    if (ts) {
        trivial.name = trivial.label = "TestService.Int32ToString";
        trivial.ncalls = 1;
        make_request(&i2s, 1, 1, &trivial.payload);
        enc_string(&trivial.value, "42");
    } else {
        call_spec gid = {"KRPC", "GetClientID", 0, {0}, {0}};
        trivial.name = trivial.label = "KRPC.GetClientID";
        trivial.ncalls = 1;
        trivial.per_client = true;
        make_request(&gid, 1, 1, &trivial.payload);
    }
    if (wanted("sequential"))
        run_sequential(srv, echo, &trivial, "sequential");

    if (ts && wanted("sequential")) {
        bbuf x = {0}, y = {0}, z = {0};
        enc_float(&x, 1.0f);
        enc_sint32(&y, 2);
        enc_sint64(&z, 3);
        call_spec amv = {"TestService", "AddMultipleValues", 3, {x.data, y.data, z.data}, {x.len, y.len, z.len}};
        scenario three = {.name = "AddMultipleValues", .label = "TestService.AddMultipleValues", .ncalls = 1};
        make_request(&amv, 1, 1, &three.payload);
        enc_string(&three.value, "6");
        run_sequential(srv, echo, &three, "sequential");
        scenario_free(&three);
        bbuf_free(&x);
        bbuf_free(&y);
        bbuf_free(&z);

        Krpc__Schema__List in, out;
        krpc__schema__list__init(&in);
        krpc__schema__list__init(&out);
        ProtobufCBinaryData items_in[100], items_out[100];
        bbuf enc_in[100] = {{0}}, enc_out[100] = {{0}};
        for (int i = 0; i < 100; i++) {
            enc_sint32(&enc_in[i], i * 1000 - 50000);
            enc_sint32(&enc_out[i], i * 1000 - 50000 + 1);
            items_in[i] = (ProtobufCBinaryData){enc_in[i].len, enc_in[i].data};
            items_out[i] = (ProtobufCBinaryData){enc_out[i].len, enc_out[i].data};
        }
        in.n_items = out.n_items = 100;
        in.items = items_in;
        out.items = items_out;
        bbuf lin = {0};
        scenario list = {.name = "IncrementList", .label = "TestService.IncrementList (100)", .ncalls = 1};
        bbuf_reserve(&lin, krpc__schema__list__get_packed_size(&in));
        lin.len = krpc__schema__list__pack(&in, lin.data);
        bbuf_reserve(&list.value, krpc__schema__list__get_packed_size(&out));
        list.value.len = krpc__schema__list__pack(&out, list.value.data);
        call_spec il = {"TestService", "IncrementList", 1, {lin.data}, {lin.len}};
        make_request(&il, 1, 1, &list.payload);
        run_sequential(srv, echo, &list, "sequential");
        scenario_free(&list);
        bbuf_free(&lin);
        for (int i = 0; i < 100; i++) {
            bbuf_free(&enc_in[i]);
            bbuf_free(&enc_out[i]);
        }
    }

    if (wanted("batched")) {
        note("%s: batched calls", transport_names[srv->tr]);
        scenario batch = trivial;
        char blabel[96];
        snprintf(blabel, sizeof blabel, "100 x %s per request", trivial.label);
        batch.label = blabel;
        batch.name = "batch";
        batch.ncalls = 100;
        memset(&batch.payload, 0, sizeof batch.payload);
        {
            call_spec one = ts ? i2s : (call_spec){"KRPC", "GetClientID", 0, {0}, {0}};
            make_request(&one, 1, 100, &batch.payload);
        }
        run_sequential(srv, echo, &batch, "batched");
        bbuf_free(&batch.payload);
    }

    if (wanted("concurrent"))
        note("%s: concurrent clients", transport_names[srv->tr]);
    static const size_t full_levels[] = {1, 2, 4, 8, 16, 32, 64, 128, 256};
    static const size_t short_levels[] = {1, 8, 64};
    const size_t *lv = O.short_mode ? short_levels : full_levels;
    size_t nlv = O.short_mode ? 3 : 9;
    size_t used = 0;
    size_t levels[16];
    for (size_t i = 0; i < nlv; i++)
        if (lv[i] <= O.max_clients)
            levels[used++] = lv[i];
    if (used && wanted("concurrent"))
        run_concurrent(srv, echo, &trivial, levels, used);

    if (with_streams && ts && !O.no_streams && wanted("streams")) {
        static const size_t full_streams[] = {1, 10, 100, 1000, 10000};
        static const size_t short_streams[] = {100, 10000};
        const size_t *sl = O.short_mode ? short_streams : full_streams;
        size_t nsl = O.short_mode ? 2 : 5;
        for (size_t i = 0; i < nsl; i++) {
            if (sl[i] > O.max_streams)
                continue;
            note("%s: %zu streams", transport_names[srv->tr], sl[i]);
            srows = realloc(srows, (nsrows + 1) * sizeof *srows);
            run_streams(srv, sl[i], &srows[nsrows]);
            nsrows++;
        }
    } else if (with_streams && !O.no_streams) {
        note("streams skipped: TestService.Counter is not available");
    }
    scenario_free(&trivial);
    bbuf_free(&a42);
}

/* ---- output ------------------------------------------------------------------ */

static char cpu_model[256] = "unknown";
static long ncpu;

static void machine_info(void) {
    ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "model name", 10) == 0) {
            char *c = strchr(line, ':');
            if (c) {
                c++;
                while (*c == ' ' || *c == '\t')
                    c++;
                c[strcspn(c, "\n")] = 0;
                snprintf(cpu_model, sizeof cpu_model, "%s", c);
            }
            break;
        }
    }
    fclose(f);
}

static void fmt_rate(char *b, size_t n, double r) {
    if (r >= 1e6)
        snprintf(b, n, "%.2fM", r / 1e6);
    else if (r >= 1e3)
        snprintf(b, n, "%.1fk", r / 1e3);
    else
        snprintf(b, n, "%.0f", r);
}

/* The TCP figures the targets are about. */
typedef struct targets {
    double rt, tp64, ws, streams10k;
} targets;

static const row *find_row(transport tr, const char *section, size_t clients) {
    for (size_t i = 0; i < nrows; i++)
        if (rows[i].tr == tr && strcmp(rows[i].section, section) == 0 && (!clients || rows[i].clients == clients))
            return &rows[i];
    return NULL;
}

static targets compute_targets(void) {
    targets t = {NAN, NAN, NAN, NAN};
    const row *r = find_row(TR_TCP, "sequential", 0);
    if (r && r->ratio > 0)
        t.rt = r->ratio;
    r = find_row(TR_TCP, "concurrent", 64);
    if (r && r->ratio > 0)
        t.tp64 = r->ratio;
    const row *w = find_row(TR_WS, "sequential", 0), *tc = find_row(TR_TCP, "sequential", 0);
    if (w && tc && w->srv.med_us > 0 && tc->srv.med_us > 0)
        t.ws = w->srv.med_us / tc->srv.med_us;
    for (size_t i = 0; i < nsrows; i++)
        if (srows[i].streams == 10000)
            t.streams10k = srows[i].tick_fraction;
    return t;
}

static const char *verdict(double v, double limit) {
    return isnan(v) ? "not measured" : v <= limit ? "met" : "NOT met";
}

static void print_table(FILE *f) {
    fprintf(f, "\nkrpc-bench %s: %ld CPUs, %s\n", KRPC_BENCH_VERSION, ncpu, cpu_model);
    fprintf(f, "ratio = server / raw loopback echo of the same bytes over the same transport: median round\n"
               "trips (sequential, batched); aggregate calls/s, median of %d alternating rounds (concurrent)\n",
            rounds());
    transport last = TR_COUNT;
    for (size_t i = 0; i < nrows; i++) {
        const row *r = &rows[i];
        if (r->tr != last) {
            fprintf(f, "\n[%s]\n%-52s %10s %10s %10s | %10s %10s %10s | %7s\n", transport_names[r->tr], "scenario",
                    "median us", "p99 us", "calls/s", "echo med", "echo p99", "echo c/s", "ratio");
            last = r->tr;
        }
        char sr[16], er[16];
        fmt_rate(sr, sizeof sr, r->srv.rate);
        fmt_rate(er, sizeof er, r->echo.rate);
        char name[96];
        snprintf(name, sizeof name, "%s: %s", r->section, r->name);
        fprintf(f, "%-52s %10.1f %10.1f %10s | %10.1f %10.1f %10s | %6.2fx\n", name, r->srv.med_us, r->srv.p99_us, sr,
                r->echo.med_us, r->echo.p99_us, er, r->ratio);
    }
    if (nsrows) {
        fprintf(f, "\n[streams, %s] TestService.Counter, distinct ids, 100 streams per client; 60 Hz ticks\n",
                transport_names[srows[0].tr]);
        fprintf(f, "%8s %8s %12s %12s %11s %12s %10s %8s %12s %11s %8s\n", "streams", "clients", "values/s",
                "expected/s", "updates/s", "server ms/upd", "% of tick", "CPU ms", "direct ms", "as RPCs ms", "ratio");
        for (size_t i = 0; i < nsrows; i++) {
            const stream_row *s = &srows[i];
            char v[16], e[16], u[16];
            fmt_rate(v, sizeof v, s->values_per_s);
            fmt_rate(e, sizeof e, s->expected_per_s);
            fmt_rate(u, sizeof u, s->updates_per_s);
            fprintf(f, "%8zu %8zu %12s %12s %11s %13.3f %9.2f%% %8.3f %12.4f %11.2f %7.2fx\n", s->streams, s->clients, v,
                    e, u, s->server_update_ms, s->tick_fraction * 100, s->server_cpu_ms, s->direct_ms, s->rpc_ms,
                    s->ratio_direct);
        }
        fprintf(f, "(server ms/upd: KRPC.GetStatus time_per_stream_update, median of 4 samples/s, wall time,\n"
                   " so it grows when other work on the machine takes the server's CPU mid-phase;\n"
                   " CPU ms: the server's CPU time per update, all of it (streams, RPCs, tick), from\n"
                   " /proc/PID/schedstat, when krpc-bench started the server;\n"
                   " direct: the same number of Counter calls run in the server by Benchmark.Call, no I/O;\n"
                   " as RPCs: the same calls in requests of 100, wall time; ratio: server ms/upd / direct ms)\n");
    }
    targets t = compute_targets();
    fprintf(f, "\ntargets (issue 9)\n");
    fprintf(f, "  TCP round trip within 1.3x raw echo          %6.2fx  %s\n", t.rt, verdict(t.rt, 1.3));
    fprintf(f, "  64-client throughput within 2x raw echo      %6.2fx  %s\n", t.tp64, verdict(t.tp64, 2.0));
    fprintf(f, "  WebSocket within 1.25x TCP                   %6.2fx  %s\n", t.ws, verdict(t.ws, 1.25));
    fprintf(f, "  10,000 streams under 10%% of a 60 Hz tick     %6.2f%%  %s\n", t.streams10k * 100,
            verdict(t.streams10k, 0.10 - 1e-12));
    fprintf(f, "\n%s\n", failed ? "SANITY CHECKS FAILED" : "all calls answered correctly");
}

static void json_num(FILE *f, const char *key, double v, bool comma) {
    if (isnan(v) || isinf(v))
        fprintf(f, "\"%s\": null%s", key, comma ? ", " : "");
    else
        fprintf(f, "\"%s\": %.6g%s", key, v, comma ? ", " : "");
}

static void json_result(FILE *f, const char *key, const result *r) {
    fprintf(f, "\"%s\": {", key);
    fprintf(f, "\"calls\": %llu, ", (unsigned long long)r->calls);
    json_num(f, "seconds", r->seconds, true);
    json_num(f, "median_us", r->med_us, true);
    json_num(f, "p99_us", r->p99_us, true);
    json_num(f, "calls_per_s", r->rate, false);
    fprintf(f, "}");
}

static void write_json(FILE *f) {
    fprintf(f, "{\n  \"version\": \"%s\",\n  \"machine\": {\"cpus\": %ld, \"cpu_model\": \"", KRPC_BENCH_VERSION, ncpu);
    for (const char *c = cpu_model; *c; c++)
        if (*c == '"' || *c == '\\')
            fprintf(f, "\\%c", *c);
        else if ((unsigned char)*c >= 0x20)
            fputc(*c, f);
    fprintf(f, "\"},\n  \"short\": %s,\n  \"ok\": %s,\n  \"rows\": [", O.short_mode ? "true" : "false",
            failed ? "false" : "true");
    for (size_t i = 0; i < nrows; i++) {
        const row *r = &rows[i];
        fprintf(f, "%s\n    {\"transport\": \"%s\", \"section\": \"%s\", \"scenario\": \"%s\", \"clients\": %zu, ",
                i ? "," : "", transport_names[r->tr], r->section, r->name, r->clients);
        json_result(f, "server", &r->srv);
        fprintf(f, ", ");
        json_result(f, "echo", &r->echo);
        fprintf(f, ", ");
        json_num(f, "ratio", r->ratio, false);
        fprintf(f, "}");
    }
    fprintf(f, "\n  ],\n  \"streams\": [");
    for (size_t i = 0; i < nsrows; i++) {
        const stream_row *s = &srows[i];
        fprintf(f, "%s\n    {\"transport\": \"%s\", \"streams\": %zu, \"clients\": %zu, \"ok\": %s, ", i ? "," : "",
                transport_names[s->tr], s->streams, s->clients, s->ok ? "true" : "false");
        json_num(f, "values_per_s", s->values_per_s, true);
        json_num(f, "expected_values_per_s", s->expected_per_s, true);
        json_num(f, "updates_per_s", s->updates_per_s, true);
        json_num(f, "server_ms_per_update", s->server_update_ms, true);
        json_num(f, "tick_fraction", s->tick_fraction, true);
        json_num(f, "server_cpu_ms_per_update", s->server_cpu_ms, true);
        json_num(f, "direct_calls_ms", s->direct_ms, true);
        json_num(f, "rpc_calls_ms", s->rpc_ms, true);
        json_num(f, "ratio_to_direct", s->ratio_direct, false);
        fprintf(f, "}");
    }
    targets t = compute_targets();
    fprintf(f, "\n  ],\n  \"targets\": {");
    json_num(f, "tcp_round_trip_ratio", t.rt, true);
    json_num(f, "tcp_64_clients_ratio", t.tp64, true);
    json_num(f, "websocket_to_tcp", t.ws, true);
    json_num(f, "streams_10000_tick_fraction", t.streams10k, false);
    fprintf(f, "}\n}\n");
}

/* ---- main ----------------------------------------------------------------------- */

static void usage(FILE *f) {
    fprintf(f,
            "Usage: krpc-bench (--server=PATH [--plugin=FILE]... | --port=N [--host=H])\n"
            "                  [--short] [--json=FILE] [options]\n"
            "Benchmark a kRPC server against a raw loopback echo of the same bytes.\n"
            "\n"
            "  --server=PATH        start this krpc-server (ports 0) for each transport\n"
            "  --plugin=FILE        plugin for the started server (repeatable; the\n"
            "                       TestService plugin is needed for most scenarios)\n"
            "  --server-arg=ARG     extra argument for the started server (repeatable)\n"
            "  --host=H --port=N --stream-port=N\n"
            "                       use a running server over TCP instead\n"
            "  --transport=T        tcp, local or websocket (repeatable; default: every\n"
            "                       transport the server's --help lists)\n"
            "  --short              a few seconds, for CI\n"
            "  --seconds=S          time per measurement (default 2, short 0.25)\n"
            "  --max-clients=N      largest concurrency level (default 256)\n"
            "  --max-streams=N      largest stream count (default 10000)\n"
            "  --no-streams         skip the stream benchmark\n"
            "  --only=LIST          run only these sections: sequential, batched,\n"
            "                       concurrent, streams (comma-separated)\n"
            "  --json=FILE          also write the results as JSON (- for stdout)\n"
            "  -h, --help           show this help\n"
            "Exit status: 0 if every call was answered correctly, 1 otherwise, 2 usage.\n");
}

int main(int argc, char **argv) {
    signal(SIGPIPE, SIG_IGN);
    O.seconds = -1;
    O.max_clients = 256;
    O.max_streams = 10000;
    strcpy(O.remote.host, "127.0.0.1");
    enum { O_SERVER = 256, O_PLUGIN, O_SARG, O_HOST, O_PORT, O_SPORT, O_TR, O_SHORT, O_SECS, O_MAXC, O_MAXS,
           O_NOSTREAMS, O_JSON, O_ONLY };
    static const struct option opts[] = {
        {"server", required_argument, NULL, O_SERVER},
        {"plugin", required_argument, NULL, O_PLUGIN},
        {"server-arg", required_argument, NULL, O_SARG},
        {"host", required_argument, NULL, O_HOST},
        {"port", required_argument, NULL, O_PORT},
        {"stream-port", required_argument, NULL, O_SPORT},
        {"transport", required_argument, NULL, O_TR},
        {"short", no_argument, NULL, O_SHORT},
        {"seconds", required_argument, NULL, O_SECS},
        {"max-clients", required_argument, NULL, O_MAXC},
        {"max-streams", required_argument, NULL, O_MAXS},
        {"no-streams", no_argument, NULL, O_NOSTREAMS},
        {"json", required_argument, NULL, O_JSON},
        {"only", required_argument, NULL, O_ONLY},
        {"help", no_argument, NULL, 'h'},
        {0, 0, 0, 0},
    };
    int o;
    while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (o) {
        case O_SERVER: O.server = optarg; break;
        case O_PLUGIN:
            if (O.nplugins < MAX_LIST)
                O.plugins[O.nplugins++] = optarg;
            break;
        case O_SARG:
            if (O.nserver_args < MAX_LIST)
                O.server_args[O.nserver_args++] = optarg;
            break;
        case O_HOST: snprintf(O.remote.host, sizeof O.remote.host, "%s", optarg); break;
        case O_PORT:
            O.connect = true;
            O.remote.rpc_port = (uint16_t)atoi(optarg);
            break;
        case O_SPORT: O.remote.stream_port = (uint16_t)atoi(optarg); break;
        case O_TR: {
            int t = -1;
            for (int i = 0; i < TR_COUNT; i++)
                if (strcmp(optarg, transport_names[i]) == 0 || (i == TR_WS && strcmp(optarg, "ws") == 0))
                    t = i;
            if (t < 0) {
                fprintf(stderr, "krpc-bench: unknown transport '%s'\n", optarg);
                return 2;
            }
            O.want[t] = O.any_want = true;
            break;
        }
        case O_SHORT: O.short_mode = true; break;
        case O_SECS: O.seconds = atof(optarg); break;
        case O_MAXC: O.max_clients = (size_t)atol(optarg); break;
        case O_MAXS: O.max_streams = (size_t)atol(optarg); break;
        case O_NOSTREAMS: O.no_streams = true; break;
        case O_JSON: O.json = optarg; break;
        case O_ONLY: O.only = optarg; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc || (!O.server && !O.connect) || (O.server && O.connect)) {
        usage(stderr);
        return 2;
    }
    if (O.seconds <= 0)
        O.seconds = O.short_mode ? 0.25 : 2.0;
    machine_info();

    char dir[] = "/tmp/krpc-bench-XXXXXX";
    if (!mkdtemp(dir)) {
        perror("krpc-bench: mkdtemp");
        return 1;
    }
    target echo[TR_COUNT];
    if (echo_start(dir, echo) < 0) {
        fprintf(stderr, "krpc-bench: cannot start the echo server\n");
        rmdir(dir);
        return 1;
    }

    bool supported[TR_COUNT] = {true, false, false};
    if (O.server)
        server_transports(O.server, supported);
    bool first = true;
    if (O.connect) {
        O.remote.tr = TR_TCP;
        if (!O.remote.stream_port)
            O.remote.stream_port = (uint16_t)(O.remote.rpc_port + 1);
        run_transport(&O.remote, &echo[TR_TCP], true);
    } else {
        for (int t = 0; t < TR_COUNT; t++) {
            if (O.any_want && !O.want[t])
                continue;
            if (!supported[t]) {
                note("%s: skipped (the server's --help does not list it)", transport_names[t]);
                continue;
            }
            server_proc sp = {0, -1};
            target tg;
            char err[512];
            if (server_spawn(O.server, O.plugins, O.nplugins, O.server_args, O.nserver_args, (transport)t, dir,
                             &sp, &tg, err, sizeof err) < 0) {
                fail("%s server: %s", transport_names[t], err);
                continue;
            }
            server_pid = sp.pid;
            run_transport(&tg, &echo[t], first);
            first = false;
            server_pid = 0;
            server_kill(&sp);
            if (t == TR_LOCAL) {
                unlink(tg.rpc_path);
                unlink(tg.stream_path);
            }
        }
    }
    echo_stop();
    rmdir(dir);

    bool json_stdout = O.json && strcmp(O.json, "-") == 0;
    print_table(json_stdout ? stderr : stdout);
    if (O.json) {
        FILE *f = json_stdout ? stdout : fopen(O.json, "w");
        if (!f) {
            fprintf(stderr, "krpc-bench: cannot write %s: %s\n", O.json, strerror(errno));
            return 1;
        }
        write_json(f);
        if (!json_stdout)
            fclose(f);
    }
    if (!nrows && !nsrows)
        fail("nothing was measured");
    free(rows);
    free(srows);
    return failed ? 1 : 0;
}

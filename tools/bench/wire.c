/* krpc-bench: kRPC messages (protobuf-c from proto/krpc.proto): requests
 * built once per scenario, responses checked. */
#include "bench.h"
#include "krpc.pb-c.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void enc_sint32(bbuf *b, int32_t v) { bbuf_varint(b, (uint32_t)((uint32_t)v << 1) ^ (uint32_t)(v >> 31)); }

void enc_sint64(bbuf *b, int64_t v) { bbuf_varint(b, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63)); }

void enc_float(bbuf *b, float v) {
    uint32_t u;
    memcpy(&u, &v, 4);
    for (int i = 0; i < 4; i++)
        bbuf_byte(b, (uint8_t)(u >> (8 * i)));
}

void enc_string(bbuf *b, const char *s) {
    size_t n = strlen(s);
    bbuf_varint(b, n);
    bbuf_add(b, s, n);
}

static void fill_call(Krpc__Schema__ProcedureCall *pc, Krpc__Schema__Argument *args, Krpc__Schema__Argument **argp,
                      const call_spec *c) {
    krpc__schema__procedure_call__init(pc);
    pc->service = (char *)c->service;
    pc->procedure = (char *)c->procedure;
    for (size_t i = 0; i < c->nargs; i++) {
        krpc__schema__argument__init(&args[i]);
        args[i].position = (uint32_t)i;
        args[i].value.data = (uint8_t *)c->args[i];
        args[i].value.len = c->arglen[i];
        argp[i] = &args[i];
    }
    pc->n_arguments = c->nargs;
    pc->arguments = argp;
}

void make_procedure_call(const call_spec *c, bbuf *out) {
    Krpc__Schema__ProcedureCall pc;
    Krpc__Schema__Argument args[4], *argp[4];
    fill_call(&pc, args, argp, c);
    size_t n = krpc__schema__procedure_call__get_packed_size(&pc);
    bbuf_reserve(out, n);
    krpc__schema__procedure_call__pack(&pc, out->data + out->len);
    out->len += n;
}

void make_request(const call_spec *calls, size_t ncalls, size_t repeat, bbuf *out) {
    size_t total = ncalls * repeat;
    Krpc__Schema__ProcedureCall *pcs = calloc(ncalls, sizeof *pcs);
    Krpc__Schema__Argument *args = calloc(ncalls * 4, sizeof *args);
    Krpc__Schema__Argument **argp = calloc(ncalls * 4, sizeof *argp);
    Krpc__Schema__ProcedureCall **list = calloc(total ? total : 1, sizeof *list);
    for (size_t i = 0; i < ncalls; i++)
        fill_call(&pcs[i], &args[4 * i], &argp[4 * i], &calls[i]);
    for (size_t r = 0; r < repeat; r++)
        for (size_t i = 0; i < ncalls; i++)
            list[r * ncalls + i] = &pcs[i];
    Krpc__Schema__Request req;
    krpc__schema__request__init(&req);
    req.n_calls = total;
    req.calls = list;
    size_t n = krpc__schema__request__get_packed_size(&req);
    bbuf_reserve(out, n);
    krpc__schema__request__pack(&req, out->data + out->len);
    out->len += n;
    free(list);
    free(argp);
    free(args);
    free(pcs);
}

static bool describe_error(const Krpc__Schema__Error *e, const char *where, char *err, size_t errlen) {
    if (!e)
        return false;
    snprintf(err, errlen, "%s error %s%s%s: %s", where, e->service, *e->service ? "." : "", e->name, e->description);
    return true;
}

bool response_ok(const uint8_t *p, size_t n, size_t nresults, const uint8_t *expect, size_t expect_len,
                 char *err, size_t errlen) {
    Krpc__Schema__Response *r = krpc__schema__response__unpack(NULL, n, p);
    if (!r) {
        snprintf(err, errlen, "malformed Response (%zu bytes)", n);
        return false;
    }
    bool ok = !describe_error(r->error, "request", err, errlen);
    if (ok && r->n_results != nresults) {
        snprintf(err, errlen, "%zu results, expected %zu", r->n_results, nresults);
        ok = false;
    }
    for (size_t i = 0; ok && i < r->n_results; i++) {
        const Krpc__Schema__ProcedureResult *res = r->results[i];
        if (describe_error(res->error, "call", err, errlen)) {
            ok = false;
        } else if (expect && (res->value.len != expect_len || memcmp(res->value.data, expect, expect_len) != 0)) {
            snprintf(err, errlen, "result %zu: wrong value (%zu bytes, expected %zu)", i, res->value.len, expect_len);
            ok = false;
        }
    }
    krpc__schema__response__free_unpacked(r, NULL);
    return ok;
}

bool response_value(const uint8_t *p, size_t n, size_t i, bbuf *out, char *err, size_t errlen) {
    Krpc__Schema__Response *r = krpc__schema__response__unpack(NULL, n, p);
    if (!r) {
        snprintf(err, errlen, "malformed Response (%zu bytes)", n);
        return false;
    }
    bool ok = !describe_error(r->error, "request", err, errlen);
    if (ok && i >= r->n_results) {
        snprintf(err, errlen, "%zu results, expected more than %zu", r->n_results, i);
        ok = false;
    }
    if (ok && describe_error(r->results[i]->error, "call", err, errlen))
        ok = false;
    if (ok) {
        out->len = 0;
        bbuf_add(out, r->results[i]->value.data, r->results[i]->value.len);
    }
    krpc__schema__response__free_unpacked(r, NULL);
    return ok;
}

bool rpc_call(bconn *c, const call_spec *call, bbuf *value, char *err, size_t errlen) {
    bbuf req = {0};
    make_request(call, 1, 1, &req);
    int rc = bconn_send(c, req.data, req.len);
    bbuf_free(&req);
    const uint8_t *p;
    size_t n;
    if (rc < 0 || bconn_recv(c, &p, &n, 30000) < 0) {
        snprintf(err, errlen, "%s.%s: connection closed", call->service, call->procedure);
        return false;
    }
    return response_value(p, n, 0, value, err, errlen);
}

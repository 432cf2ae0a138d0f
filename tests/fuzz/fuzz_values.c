/* Fuzz target: argument decoding of every kind of value (wire.md 3), by
 * value_decode for a table of declared types: each scalar, classes, enums,
 * structs, the message types, and collections nested in one another. A value
 * that decodes is encoded again; decoding that encoding must succeed and
 * encode to the same bytes (the codec reaches a fixed point after one round).
 *
 * Input: one byte choosing the type, then the value's bare bytes. Objects 1
 * and 2 (TestService.TestClass) exist and object 3 was destroyed. */
#include "fuzz_server.h"

#include "rpc/value.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const specs[] = {
    "double", "float", "sint32", "sint64", "uint32", "uint64", "bool", "string", "bytes",
    "TestClass", "TestEnum", "TestStruct", "TestNestedStruct",
    "procedure_call", "event", "stream", "status", "services",
    "list(sint32)", "list(string)", "set(sint32)", "set(string)", "tuple(sint32,bool)",
    "tuple(string,TestClass,double,float)", "dict(string,sint32)", "dict(bool,bytes)",
    "dict(string,list(sint32))", "dict(sint64,set(TestEnum))", "dict(uint32,tuple(float,TestStruct))",
    "list(list(list(string)))", "list(TestStruct)", "list(TestNestedStruct)", "list(TestClass)",
    "set(tuple(uint64,bytes))", "dict(string,TestClass)", "list(dict(uint64,list(set(sint64))))",
    "tuple(list(TestEnum),dict(sint32,string),set(bool))", "list(procedure_call)",
    "list(list(list(list(list(list(list(list(sint32))))))))",
};
enum { NSPECS = sizeof specs / sizeof specs[0] };

static const ktype *types[NSPECS];
static bool has_call[NSPECS];

static void resolve(krpc_server *srv) {
    static unsigned long done;
    if (done == fz_server_generation())
        return;
    done = fz_server_generation();
    const kservice *home = registry_service_by_name(&srv->registry, "TestService", 11);
    if (!home)
        abort();
    for (size_t i = 0; i < NSPECS; i++) {
        bool nullable;
        char err[256];
        types[i] = type_parse(&srv->registry, home, specs[i], &nullable, err, sizeof err);
        if (!types[i]) {
            fprintf(stderr, "fuzz_values: type %s: %s\n", specs[i], err);
            abort();
        }
        has_call[i] = strstr(specs[i], "procedure_call") != NULL;
    }
}

static int nested_call(kvalue_ctx *ctx, const uint8_t *p, size_t n, krpc_value *out) {
    kcall *c = arena_alloc(ctx->a, sizeof *c);
    if (call_decode(ctx->user, p, n, ctx->a, c, ctx->err))
        return -1;
    out->u.host = c;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1)
        return 0;
    krpc_server *srv = fz_server();
    fz_setup_objects(srv);
    resolve(srv);
    size_t which = data[0] % NSPECS;
    const ktype *t = types[which];
    arena a;
    arena_init(&a);
    kerror err = {0};
    kvalue_ctx ctx = {.a = &a, .objects = &srv->objects, .err = &err, .decode_call = nested_call, .user = srv};
    krpc_value v;
    /* a copy of exactly the value's bytes, so that reading past them is caught */
    uint8_t *copy = malloc(size);
    memcpy(copy, data + 1, size - 1);
    int rc = value_decode(&ctx, t, copy, size - 1, &v);
    if (rc != 0) {
        if (!err.set || !err.description) {
            fprintf(stderr, "fuzz_values: %s failed to decode without an error\n", specs[which]);
            abort();
        }
    } else if (!v.is_null && !has_call[which]) {
        /* Sets and dictionaries drop duplicates by value (finding F3), so
         * the first encoding is already the fixed point. */
        enum { rounds = 2 };
        kbuf enc[rounds] = {{0}};
        krpc_value cur = v;
        for (int r = 0; r < rounds; r++) {
            if (value_encode(&ctx, t, &cur, &enc[r]) != 0) {
                fprintf(stderr, "fuzz_values: a decoded %s does not encode: %s\n", specs[which], err.description);
                abort();
            }
            if (r + 1 < rounds && value_decode(&ctx, t, enc[r].data, enc[r].len, &cur) != 0) {
                fprintf(stderr, "fuzz_values: the encoding of a %s does not decode: %s\n", specs[which],
                        err.description);
                abort();
            }
        }
        const kbuf *x = &enc[0], *y = &enc[1];
        if (x->len != y->len || (x->len && memcmp(x->data, y->data, x->len))) {
            fprintf(stderr, "fuzz_values: re-encoding a %s changed it\n", specs[which]);
            abort();
        }
        for (int r = 0; r < rounds; r++)
            kbuf_free(&enc[r]);
    }
    free(copy);
    arena_free(&a);
    return 0;
}

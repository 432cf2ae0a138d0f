/* The value codec and default literals against wire.md's worked examples. */
#include "check.h"
#include "registry/literal.h"
#include "rpc/value.h"

#include <math.h>
#include <string.h>

static kregistry reg;

static const ktype *T(const char *spec) {
    char err[256];
    const ktype *t = type_parse(&reg, NULL, spec, NULL, err, sizeof err);
    if (!t)
        printf("type %s: %s\n", spec, err);
    return t;
}

/* Encode the literal as type spec and compare with hex. */
static int encodes(const char *spec, const char *literal, const char *hex) {
    arena a;
    arena_init(&a);
    krpc_value v;
    bool is_null;
    char err[256];
    kerror e = {0};
    kvalue_ctx ctx = {.a = &a, .err = &e};
    kbuf out = {0};
    int ok = 0;
    if (literal_parse(&a, T(spec), literal, &v, &is_null, err, sizeof err) == 0 &&
        value_encode(&ctx, T(spec), &v, &out) == 0) {
        char got[1024] = "";
        for (size_t i = 0; i < out.len && i < 500; i++)
            sprintf(got + 2 * i, "%02x", out.data[i]);
        ok = strcmp(got, hex) == 0;
        if (!ok)
            printf("%s %s: got %s want %s\n", spec, literal, got, hex);
        /* and back: decoding gives the same bytes again */
        krpc_value back;
        kbuf again = {0};
        if (ok && (value_decode(&ctx, T(spec), out.data, out.len, &back) != 0 ||
                   value_encode(&ctx, T(spec), &back, &again) != 0 || again.len != out.len ||
                   (out.len && memcmp(again.data, out.data, out.len) != 0)))
            ok = 0;
        kbuf_free(&again);
    } else {
        printf("%s %s: %s %s\n", spec, literal, err, e.description ? e.description : "");
    }
    kbuf_free(&out);
    arena_free(&a);
    return ok;
}

static int decode_fails(const char *spec, const char *hex, const char *want) {
    arena a;
    arena_init(&a);
    uint8_t b[256];
    size_t n = strlen(hex) / 2;
    for (size_t i = 0; i < n; i++)
        sscanf(hex + 2 * i, "%2hhx", &b[i]);
    kerror e = {0};
    kvalue_ctx ctx = {.a = &a, .err = &e};
    krpc_value v;
    int rc = value_decode(&ctx, T(spec), b, n, &v);
    int ok = rc != 0 && e.description && strstr(e.description, want);
    if (!ok)
        printf("%s %s: rc %d, %s\n", spec, hex, rc, e.description ? e.description : "(none)");
    arena_free(&a);
    return ok;
}

int main(void) {
    registry_init(&reg);
    CHECK(encodes("double", "3.14159", "6e861bf0f9210940"));
    CHECK(encodes("double", "-1.0", "000000000000f0bf"));
    CHECK(encodes("float", "3.14159", "d00f4940"));
    CHECK(encodes("float", "0.1", "cdcccc3d"));
    CHECK(encodes("sint32", "0", "00"));
    CHECK(encodes("sint32", "42", "54"));
    CHECK(encodes("sint32", "-33", "41"));
    CHECK(encodes("sint32", "300", "d804"));
    CHECK(encodes("sint32", "max", "feffffff0f"));
    CHECK(encodes("sint32", "min", "ffffffff0f"));
    CHECK(encodes("sint64", "max", "feffffffffffffffff01"));
    CHECK(encodes("sint64", "min", "ffffffffffffffffff01"));
    CHECK(encodes("uint32", "300", "ac02"));
    CHECK(encodes("uint64", "max", "ffffffffffffffffff01"));
    CHECK(encodes("bool", "true", "01"));
    CHECK(encodes("string", "\"\"", "00"));
    CHECK(encodes("string", "\"jeb\"", "036a6562"));
    CHECK(encodes("string", "\"\\xe2\\x84\\xa2\"", "03e284a2"));
    CHECK(encodes("bytes", "x\"deadbeef\"", "04deadbeef"));
    CHECK(encodes("tuple(sint32,bool)", "(1, false)", "0a01020a0100"));
    CHECK(encodes("list(sint32)", "[1, 2, 3]", "0a01020a01040a0106"));
    CHECK(encodes("list(sint32)", "[]", ""));
    CHECK(encodes("dict(sint32,bool)", "{1: false, 2: true}", "0a060a01021201000a060a0104120101"));
    CHECK(encodes("list(string)", "[\"foo\", \"bar\"]", "0a0403666f6f0a0403626172"));
    CHECK(encodes("dict(string,list(sint32))", "{\"a\": [0, 1]}", "0a0c0a02016112060a01000a0102"));
    /* .NET's NaN bits and the extremes (wire.md 3.1) */
    CHECK(encodes("double", "nan", "000000000000f8ff"));
    CHECK(encodes("float", "nan", "0000c0ff"));
    CHECK(encodes("double", "inf", "000000000000f07f"));
    CHECK(encodes("double", "-inf", "000000000000f0ff"));
    CHECK(encodes("double", "max", "ffffffffffffef7f"));
    CHECK(encodes("double", "lowest", "ffffffffffffefff"));
    CHECK(encodes("float", "max", "ffff7f7f"));
    CHECK(encodes("float", "lowest", "ffff7fff"));
    /* decoding errors */
    CHECK(decode_fails("sint32", "", "input ended unexpectedly"));
    CHECK(decode_fails("string", "05616263", "input ended unexpectedly"));
    CHECK(decode_fails("tuple(sint32,bool)", "0a0102", "out of the range"));
    CHECK(decode_fails("list(sint32)", "0a05", "input ended unexpectedly"));
    /* a 10-byte varint for a sint32 keeps the low 32 bits */
    {
        arena a;
        arena_init(&a);
        kerror e = {0};
        kvalue_ctx ctx = {.a = &a, .err = &e};
        const uint8_t ten[] = {0xd4, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01};
        krpc_value v;
        CHECK(value_decode(&ctx, T("sint32"), ten, sizeof ten, &v) == 0 && v.u.i32 == 42);
        /* set duplicates collapse; dictionaries keep the last value */
        const uint8_t set[] = {0x0a, 0x01, 0x02, 0x0a, 0x01, 0x02, 0x0a, 0x01, 0x04};
        CHECK(value_decode(&ctx, T("set(sint32)"), set, sizeof set, &v) == 0 && v.u.seq.count == 2);
        const uint8_t dict[] = {0x0a, 0x06, 0x0a, 0x01, 0x02, 0x12, 0x01, 0x00,
                                0x0a, 0x06, 0x0a, 0x01, 0x02, 0x12, 0x01, 0x01};
        CHECK(value_decode(&ctx, T("dict(sint32,bool)"), dict, sizeof dict, &v) == 0 &&
              v.u.dict.count == 1 && v.u.dict.values[0].u.b);
        /* invalid UTF-8 becomes U+FFFD */
        const uint8_t bad[] = {0x03, 0x61, 0xff, 0x62};
        CHECK(value_decode(&ctx, T("string"), bad, sizeof bad, &v) == 0 && v.u.s.len == 5 &&
              memcmp(v.u.s.data, "a\xef\xbf\xbd" "b", 5) == 0);
        arena_free(&a);
    }
    /* bad types are refused with a reason */
    char err[256];
    CHECK(type_parse(&reg, NULL, "dict(double,bool)", NULL, err, sizeof err) == NULL);
    CHECK(type_parse(&reg, NULL, "list(sint32", NULL, err, sizeof err) == NULL);
    CHECK(type_parse(&reg, NULL, "NoSuchClass", NULL, err, sizeof err) == NULL);
    CHECK(type_parse(&reg, NULL, "string?", NULL, err, sizeof err) == NULL); /* not nullable here */
    registry_free(&reg);
    return checks_report();
}

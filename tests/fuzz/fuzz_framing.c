/* Fuzz target: the varint length prefix of the framed transports
 * (frame_parse, transports.md 1.2), the varint and zigzag primitives, and
 * the protobuf field reader the value decoder is built on. Each is checked
 * against a straightforward model, and frame_parse also against itself on
 * every prefix of its input (a message split across reads must never look
 * different from the whole message). */
#include "net/framing.h"
#include "rpc/value.h"
#include "util/varint.h"

#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                   \
    do {                                                                              \
        if (!(cond)) {                                                                \
            fprintf(stderr, "fuzz_framing: %s:%d: %s\n", __FILE__, __LINE__, #cond);  \
            abort();                                                                  \
        }                                                                             \
    } while (0)

/* transports.md 1.2: at most 5 bytes, value a positive int32. */
static frame_status model_frame(const uint8_t *p, size_t n, size_t max_len, size_t *header, size_t *len) {
    uint64_t v = 0;
    size_t i = 0;
    for (;; i++) {
        if (i == 5)
            return FRAME_MALFORMED;
        if (i == n)
            return FRAME_INCOMPLETE;
        v += (uint64_t)(p[i] & 0x7f) << (7 * i);
        if (p[i] < 0x80)
            break;
    }
    if (v >= (1ull << 31))
        return FRAME_MALFORMED;
    if (v > max_len)
        return FRAME_TOO_LARGE;
    if (n - (i + 1) < v)
        return FRAME_INCOMPLETE;
    *header = i + 1;
    *len = (size_t)v;
    return FRAME_OK;
}

static void check_frames(const uint8_t *p, size_t n, size_t max_len) {
    /* parse the input as a stream of messages, as a connection would */
    while (n) {
        size_t h = 0, l = 0, mh = 0, ml = 0;
        frame_status st = frame_parse(p, n, max_len, &h, &l);
        CHECK(st == model_frame(p, n, max_len, &mh, &ml));
        if (st == FRAME_OK)
            CHECK(h == mh && l == ml && h + l <= n);
        /* the same bytes arriving in two reads */
        for (size_t k = 0; k < n && k < 24; k++) {
            size_t kh = 0, kl = 0;
            frame_status sk = frame_parse(p, k, max_len, &kh, &kl);
            CHECK(sk == FRAME_INCOMPLETE || sk == st);
            if (sk == FRAME_OK)
                CHECK(kh == h && kl == l);
        }
        if (st != FRAME_OK)
            return;
        p += h + l;
        n -= h + l;
    }
}

static void check_varints(const uint8_t *p, size_t n) {
    while (n) {
        uint64_t v = 0, mv = 0;
        int used = varint_decode(p, n, &v);
        /* model: up to 10 bytes, excess high bits dropped as protobuf does */
        int mused = 0;
        for (size_t i = 0; i < n; i++) {
            if (i == VARINT_MAX) {
                mused = -1;
                break;
            }
            if (i < 10)
                mv |= (uint64_t)(p[i] & 0x7f) << (7 * i);
            if (p[i] < 0x80) {
                mused = (int)i + 1;
                break;
            }
        }
        if (mused == 0 && n >= VARINT_MAX)
            mused = -1;
        CHECK(used == mused);
        if (used <= 0)
            return;
        CHECK(v == mv);
        uint8_t enc[VARINT_MAX];
        size_t k = varint_encode(enc, v);
        CHECK(k == varint_size(v) && k <= VARINT_MAX);
        uint64_t back = 0;
        CHECK(varint_decode(enc, k, &back) == (int)k && back == v);
        CHECK(zigzag64(unzigzag64(v)) == v);
        CHECK(zigzag32(unzigzag32((uint32_t)v)) == (uint32_t)v);
        CHECK(unzigzag64(zigzag64((int64_t)v)) == (int64_t)v);
        p += used;
        n -= (size_t)used;
    }
}

static void check_fields(const uint8_t *p, size_t n) {
    pb_reader r = {p, p + n};
    uint32_t field;
    int wt;
    const uint8_t *d;
    size_t len;
    uint64_t v;
    int rc;
    while ((rc = pb_next(&r, &field, &wt, &d, &len, &v)) == 1) {
        CHECK(field != 0);
        CHECK(r.p <= r.end);
        if (wt != 0)
            CHECK(d >= p && d + len <= p + n);
    }
    CHECK(rc == 0 || rc == -1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1)
        return 0;
    /* the first byte picks the size limit: tiny, small, or the protocol's */
    size_t max_len = data[0] < 0x80 ? data[0] : data[0] < 0xc0 ? (size_t)data[0] << 8 : 0x7fffffff;
    check_frames(data + 1, size - 1, max_len);
    check_varints(data + 1, size - 1);
    check_fields(data + 1, size - 1);
    return 0;
}

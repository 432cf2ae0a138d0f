#include "rpc/value.h"

#include "core/protocol.h"
#include "util/utf8.h"
#include "util/varint.h"

#include <math.h>
#include <string.h>

int pb_next(pb_reader *r, uint32_t *field, int *wt, const uint8_t **data, size_t *len, uint64_t *varint) {
    if (r->p >= r->end)
        return 0;
    uint64_t key;
    int n = varint_decode(r->p, (size_t)(r->end - r->p), &key);
    if (n <= 0)
        return -1;
    r->p += n;
    *field = (uint32_t)(key >> 3);
    *wt = (int)(key & 7);
    if (*field == 0)
        return -1;
    switch (*wt) {
    case 0:
        n = varint_decode(r->p, (size_t)(r->end - r->p), varint);
        if (n <= 0)
            return -1;
        r->p += n;
        return 1;
    case 1:
        if (r->end - r->p < 8)
            return -1;
        *data = r->p;
        *len = 8;
        r->p += 8;
        return 1;
    case 5:
        if (r->end - r->p < 4)
            return -1;
        *data = r->p;
        *len = 4;
        r->p += 4;
        return 1;
    case 2: {
        uint64_t l;
        n = varint_decode(r->p, (size_t)(r->end - r->p), &l);
        if (n <= 0)
            return -1;
        r->p += n;
        if (l > (uint64_t)(r->end - r->p))
            return -1;
        *data = r->p;
        *len = (size_t)l;
        r->p += l;
        return 1;
    }
    default:
        return -1;
    }
}

static int truncated(kvalue_ctx *ctx) {
    kerror_set(ctx->err, ctx->a, "", "", "%s", KRPC_TRUNCATED_TEXT);
    return -1;
}

static int read_varint(kvalue_ctx *ctx, const uint8_t *p, size_t n, uint64_t *v) {
    if (varint_decode(p, n, v) <= 0)
        return truncated(ctx);
    return 0;
}

/* The repeated bytes field 1 of Tuple/List/Set, as an array of slices. */
typedef struct slice {
    const uint8_t *p;
    size_t n;
} slice;

static int read_items(kvalue_ctx *ctx, const uint8_t *p, size_t n, slice **items, size_t *count) {
    size_t cap = 0, k = 0;
    slice *s = NULL;
    pb_reader r = {p, p + n};
    uint32_t f;
    int wt, rc;
    const uint8_t *d;
    size_t l;
    uint64_t vi;
    while ((rc = pb_next(&r, &f, &wt, &d, &l, &vi)) == 1) {
        if (f != 1 || wt != 2)
            continue; /* unknown fields are skipped */
        if (k == cap) {
            size_t ncap = cap ? cap * 2 : 8;
            slice *ns = arena_alloc(ctx->a, ncap * sizeof *ns);
            if (k)
                memcpy(ns, s, k * sizeof *s);
            s = ns;
            cap = ncap;
        }
        s[k].p = d;
        s[k].n = l;
        k++;
    }
    if (rc < 0)
        return truncated(ctx);
    *items = s;
    *count = k;
    return 0;
}

static int null_item(kvalue_ctx *ctx) {
    kerror_kind(ctx->err, ctx->a, KRPC_ERR_ARGUMENT, "Collection items cannot be null");
    return -1;
}

/* Whether a nested position holds nulls in this client's protocol: declared
 * nullable, and a 0.7 client (with the presence byte). */
static bool nested_nulls(const kvalue_ctx *ctx, const ktype *t) {
    return t->nullable && gen_nested_nulls(ctx->gen);
}

/* An item at a nested position (element, item, value, field): a presence
 * byte first where the position holds nulls (v070-final.md 2.3). */
static int decode_nested(kvalue_ctx *ctx, const ktype *t, const uint8_t *p, size_t n, krpc_value *out) {
    if (!nested_nulls(ctx, t))
        return value_decode(ctx, t, p, n, out);
    if (n == 0)
        return truncated(ctx);
    if (p[0] == 0) {
        memset(out, 0, sizeof *out);
        out->is_null = true;
        return 0;
    }
    if (p[0] != 1) {
        kerror_kind(ctx->err, ctx->a, KRPC_ERR_ARGUMENT, "Invalid presence flag %u before a nullable value", p[0]);
        return -1;
    }
    if (value_decode(ctx, t, p + 1, n - 1, out))
        return -1;
    if (out->is_null) /* a null inside the presence byte: not a value */
        return null_item(ctx);
    return 0;
}

/* Decode each slice as t; collections hold nulls only where declared. */
static int decode_items(kvalue_ctx *ctx, const ktype *t, const slice *s, size_t n, krpc_value *out) {
    for (size_t i = 0; i < n; i++) {
        if (decode_nested(ctx, t, s[i].p, s[i].n, &out[i]))
            return -1;
        if (out[i].is_null && !nested_nulls(ctx, t))
            return null_item(ctx);
    }
    return 0;
}

/* Collapse items with equal keys, keeping the first one's position and, for
 * dictionaries (vals), the last one's value: the reference's HashSet.Add and
 * Dictionary indexer. */
static size_t dedup(kvalue_ctx *ctx, const slice *keys, krpc_value *kv, krpc_value *vv, size_t n) {
    size_t cap = 16;
    while (cap < n * 2)
        cap *= 2;
    size_t *tab = arena_alloc(ctx->a, cap * sizeof *tab);
    size_t *from = arena_alloc(ctx->a, n * sizeof *from); /* kept item -> its key */
    for (size_t i = 0; i < cap; i++)
        tab[i] = SIZE_MAX;
    size_t out = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t h = hash_bytes(keys[i].p, keys[i].n);
        size_t j = h & (cap - 1);
        for (;; j = (j + 1) & (cap - 1)) {
            if (tab[j] == SIZE_MAX) {
                tab[j] = out;
                from[out] = i;
                kv[out] = kv[i];
                if (vv)
                    vv[out] = vv[i];
                out++;
                break;
            }
            const slice *k = &keys[from[tab[j]]];
            if (k->n == keys[i].n && memcmp(k->p, keys[i].p, k->n) == 0) {
                if (vv)
                    vv[tab[j]] = vv[i];
                break;
            }
        }
    }
    return out;
}

/* The bytes by which two decoded set items (or dictionary keys) are equal:
 * their canonical encoding, so that a 10-byte varint and its 1-byte form, bool
 * 1 and 2, or two invalid strings that both became U+FFFD are one item
 * (finding F3); objects by id, without touching the object store; floats as
 * .NET's Equals compares them (0 and -0 equal, every NaN equal). Returns -1
 * for a type without one (a procedure call). */
static int key_encode(kvalue_ctx *ctx, const ktype *t, const krpc_value *v, kbuf *out) {
    if (v->is_null) {
        kbuf_varint(out, 0);
        return 0;
    }
    kbuf_varint(out, 1);
    switch (t->code) {
    case KT_DOUBLE: {
        double d = v->u.d == 0 ? 0.0 : v->u.d != v->u.d ? (double)NAN : v->u.d;
        kbuf_append(out, &d, sizeof d);
        return 0;
    }
    case KT_FLOAT: {
        float f = v->u.f == 0 ? 0.0f : v->u.f != v->u.f ? NAN : v->u.f;
        kbuf_append(out, &f, sizeof f);
        return 0;
    }
    case KT_CLASS:
        kbuf_varint(out, v->u.obj.id);
        return 0;
    case KT_TUPLE:
    case KT_STRUCT:
    case KT_LIST:
    case KT_SET:
        for (size_t i = 0; i < v->u.seq.count; i++) {
            const ktype *it = t->code == KT_TUPLE ? t->sub[i] : t->code == KT_STRUCT ? t->st->fields[i].type : t->sub[0];
            size_t m = kbuf_nested_begin(out);
            if (key_encode(ctx, it, &v->u.seq.items[i], out))
                return -1;
            kbuf_nested_end(out, m);
        }
        return 0;
    case KT_DICTIONARY:
        for (size_t i = 0; i < v->u.dict.count; i++) {
            size_t m = kbuf_nested_begin(out);
            if (key_encode(ctx, t->sub[0], &v->u.dict.keys[i], out))
                return -1;
            kbuf_nested_end(out, m);
            m = kbuf_nested_begin(out);
            if (key_encode(ctx, t->sub[1], &v->u.dict.values[i], out))
                return -1;
            kbuf_nested_end(out, m);
        }
        return 0;
    case KT_PROCEDURE_CALL:
        return -1;
    default: /* scalars, strings, bytes, enums, messages: no side effects */
        return value_encode(ctx, t, v, out);
    }
}

/* Drop duplicates among n decoded items kv of type t (with their values vv
 * for a dictionary) by value; raw are the items' bytes, compared instead where
 * the type has no canonical form. Returns the new count. */
static size_t dedup_values(kvalue_ctx *ctx, const ktype *t, const slice *raw, krpc_value *kv, krpc_value *vv,
                           size_t n) {
    if (n < 2)
        return n;
    kbuf b = {0};
    size_t *off = arena_alloc(ctx->a, (n + 1) * sizeof *off);
    size_t i;
    for (i = 0; i < n; i++) {
        off[i] = b.len;
        if (key_encode(ctx, t, &kv[i], &b))
            break;
    }
    if (i < n) {
        n = dedup(ctx, raw, kv, vv, n);
    } else {
        off[n] = b.len;
        slice *keys = arena_alloc(ctx->a, n * sizeof *keys);
        for (i = 0; i < n; i++)
            keys[i] = (slice){b.data + off[i], off[i + 1] - off[i]};
        n = dedup(ctx, keys, kv, vv, n);
    }
    kbuf_free(&b);
    return n;
}

static int decode_value(kvalue_ctx *ctx, const ktype *t, const uint8_t *p, size_t n, krpc_value *out);

int value_decode(kvalue_ctx *ctx, const ktype *t, const uint8_t *p, size_t n, krpc_value *out) {
    if (!p)
        p = (const uint8_t *)""; /* protobuf-c leaves an empty bytes field NULL */
    bool collection = t->code == KT_TUPLE || t->code == KT_LIST || t->code == KT_SET || t->code == KT_STRUCT ||
                      t->code == KT_DICTIONARY;
    ctx->nesting += collection;
    int rc = decode_value(ctx, t, p, n, out);
    ctx->nesting -= collection;
    return rc;
}

static int decode_value(kvalue_ctx *ctx, const ktype *t, const uint8_t *p, size_t n, krpc_value *out) {
    memset(out, 0, sizeof *out);
    uint64_t v;
    switch (t->code) {
    case KT_DOUBLE: {
        if (n < 8)
            return truncated(ctx);
        uint64_t bits = 0;
        for (int i = 7; i >= 0; i--)
            bits = bits << 8 | p[i];
        memcpy(&out->u.d, &bits, 8);
        return 0;
    }
    case KT_FLOAT: {
        if (n < 4)
            return truncated(ctx);
        uint32_t bits = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
        memcpy(&out->u.f, &bits, 4);
        return 0;
    }
    case KT_SINT32:
        if (read_varint(ctx, p, n, &v))
            return -1;
        out->u.i32 = unzigzag32((uint32_t)v);
        return 0;
    case KT_SINT64:
        if (read_varint(ctx, p, n, &v))
            return -1;
        out->u.i64 = unzigzag64(v);
        return 0;
    case KT_UINT32:
        if (read_varint(ctx, p, n, &v))
            return -1;
        out->u.u32 = (uint32_t)v;
        return 0;
    case KT_UINT64:
        if (read_varint(ctx, p, n, &v))
            return -1;
        out->u.u64 = v;
        return 0;
    case KT_BOOL:
        if (read_varint(ctx, p, n, &v))
            return -1;
        out->u.b = v != 0;
        return 0;
    case KT_ENUMERATION:
        if (read_varint(ctx, p, n, &v))
            return -1;
        out->u.e = unzigzag32((uint32_t)v);
        return 0;
    case KT_STRING:
    case KT_BYTES: {
        int k = varint_decode(p, n, &v);
        if (k <= 0 || v > n - (size_t)k)
            return truncated(ctx);
        if (t->code == KT_STRING) {
            size_t len;
            out->u.s.data = utf8_sanitize(ctx->a, p + k, (size_t)v, &len);
            out->u.s.len = len;
            return 0;
        }
        out->u.s.data = arena_strndup(ctx->a, (const char *)p + k, (size_t)v);
        out->u.s.len = (size_t)v;
        return 0;
    }
    case KT_CLASS: {
        if (read_varint(ctx, p, n, &v))
            return -1;
        if (v == 0 && gen_object_id0_is_null(ctx->gen)) {
            out->is_null = true; /* legacy null */
            return 0;
        }
        kobject *o = ctx->objects ? objects_get(ctx->objects, v) : NULL;
        if (!o) {
            if (ctx->objects && objects_was_destroyed(ctx->objects, v))
                kerror_kind(ctx->err, ctx->a, KRPC_ERR_OBJECT_DESTROYED,
                            "The object with id %llu no longer exists, as the game object it "
                            "referred to was destroyed",
                            (unsigned long long)v);
            else
                kerror_kind(ctx->err, ctx->a, KRPC_ERR_ARGUMENT, "Instance not found");
            return -1;
        }
        if (ctx->nesting && o->cls != t->cls) {
            /* (at the top level the caller checks the class) */
            if (!ctx->bind_err) {
                kerror_kind(ctx->err, ctx->a, KRPC_ERR_ARGUMENT, "Expected an object of type %s, got %s",
                            t->dotnet, o->cls->type.dotnet);
                return -1;
            }
            if (!ctx->bind_err->set)
                kerror_set(ctx->bind_err, ctx->a, "", "",
                           "Incorrect argument type for parameter %s in %s. Expected an argument of type %s, got %s",
                           ctx->bind_param, ctx->bind_proc, t->dotnet, o->cls->type.dotnet);
        }
        out->u.obj.ptr = o->ptr;
        out->u.obj.id = v;
        return 0;
    }
    case KT_TUPLE:
    case KT_LIST:
    case KT_SET:
    case KT_STRUCT: {
        slice *items;
        size_t count;
        if (read_items(ctx, p, n, &items, &count))
            return -1;
        if (t->code == KT_TUPLE) {
            if (count < t->nsub) {
                kerror_kind(ctx->err, ctx->a, KRPC_ERR_ARGUMENT_OUT_OF_RANGE,
                            "Specified argument was out of the range of valid values. (Parameter "
                            "'index')");
                return -1;
            }
            count = t->nsub;
            krpc_value *vals = arena_zalloc(ctx->a, count * sizeof *vals);
            for (size_t i = 0; i < count; i++) {
                if (decode_nested(ctx, t->sub[i], items[i].p, items[i].n, &vals[i]))
                    return -1;
                if (vals[i].is_null && !nested_nulls(ctx, t->sub[i]))
                    return null_item(ctx);
            }
            out->u.seq.items = vals;
            out->u.seq.count = count;
            return 0;
        }
        if (t->code == KT_STRUCT) {
            const kstruct *st = t->st;
            if (count < st->nfields) {
                kerror_kind(ctx->err, ctx->a, KRPC_ERR_ARGUMENT,
                            "Value for %s has %zu fields; expected at least %zu", st->name, count,
                            st->nfields);
                return -1;
            }
            count = st->nfields;
            krpc_value *vals = arena_zalloc(ctx->a, (count ? count : 1) * sizeof *vals);
            for (size_t i = 0; i < count; i++) {
                if (decode_nested(ctx, st->fields[i].type, items[i].p, items[i].n, &vals[i]))
                    return -1;
                if (vals[i].is_null && !nested_nulls(ctx, st->fields[i].type)) {
                    kerror_kind(ctx->err, ctx->a, KRPC_ERR_ARGUMENT,
                                "Field %s of %s is null; struct fields cannot be null",
                                st->fields[i].name, st->name);
                    return -1;
                }
            }
            out->u.seq.items = vals;
            out->u.seq.count = count;
            return 0;
        }
        krpc_value *vals = arena_zalloc(ctx->a, (count ? count : 1) * sizeof *vals);
        if (decode_items(ctx, t->sub[0], items, count, vals))
            return -1;
        if (t->code == KT_SET)
            count = dedup_values(ctx, t->sub[0], items, vals, NULL, count);
        out->u.seq.items = vals;
        out->u.seq.count = count;
        return 0;
    }
    case KT_DICTIONARY: {
        slice *entries;
        size_t count;
        if (read_items(ctx, p, n, &entries, &count))
            return -1;
        slice *keys = arena_alloc(ctx->a, (count ? count : 1) * sizeof *keys);
        slice *vals = arena_alloc(ctx->a, (count ? count : 1) * sizeof *vals);
        for (size_t i = 0; i < count; i++) {
            pb_reader r = {entries[i].p, entries[i].p + entries[i].n};
            uint32_t f;
            int wt, rc;
            const uint8_t *d;
            size_t l;
            uint64_t vi;
            keys[i] = vals[i] = (slice){(const uint8_t *)"", 0};
            while ((rc = pb_next(&r, &f, &wt, &d, &l, &vi)) == 1) {
                if (wt != 2)
                    continue;
                if (f == 1)
                    keys[i] = (slice){d, l};
                else if (f == 2)
                    vals[i] = (slice){d, l};
            }
            if (rc < 0)
                return truncated(ctx);
        }
        krpc_value *kv = arena_zalloc(ctx->a, (count ? count : 1) * sizeof *kv);
        krpc_value *vv = arena_zalloc(ctx->a, (count ? count : 1) * sizeof *vv);
        if (decode_items(ctx, t->sub[0], keys, count, kv) || decode_items(ctx, t->sub[1], vals, count, vv))
            return -1;
        count = dedup_values(ctx, t->sub[0], keys, kv, vv, count);
        out->u.dict.keys = kv;
        out->u.dict.values = vv;
        out->u.dict.count = count;
        return 0;
    }
    case KT_PROCEDURE_CALL:
        if (!ctx->decode_call) {
            kerror_set(ctx->err, ctx->a, "", "", "A procedure call cannot be passed here");
            return -1;
        }
        return ctx->decode_call(ctx, p, n, out);
    case KT_EVENT:
    case KT_STREAM:
    case KT_STATUS:
    case KT_SERVICES: {
        kbytes *b = arena_alloc(ctx->a, sizeof *b);
        b->data = (const uint8_t *)arena_strndup(ctx->a, (const char *)p, n);
        b->len = n;
        out->u.host = b;
        return 0;
    }
    default:
        kerror_set(ctx->err, ctx->a, "", "", "Cannot decode a value of type code %d", t->code);
        return -1;
    }
}

static bool is_null_value(const ktype *t, const krpc_value *v) {
    return v->is_null || (t->code == KT_CLASS && !v->u.obj.ptr);
}

/* The bytes of a value at a nested position: with the presence byte where
 * the position holds nulls in the client's protocol (v070-final.md 2.3). */
static int encode_nested(kvalue_ctx *ctx, const ktype *t, const krpc_value *v, kbuf *out) {
    if (!nested_nulls(ctx, t))
        return value_encode(ctx, t, v, out);
    if (is_null_value(t, v)) {
        kbuf_varint(out, 0);
        return 0;
    }
    kbuf_varint(out, 1);
    return value_encode(ctx, t, v, out);
}

static int encode_item(kvalue_ctx *ctx, const ktype *t, const krpc_value *v, kbuf *out) {
    if (v->is_null && !nested_nulls(ctx, t)) {
        kerror_set(ctx->err, ctx->a, "", "", "Collection items cannot be null (%s)", t->dotnet);
        return -1;
    }
    kbuf_varint(out, 0x0a);
    size_t m = kbuf_nested_begin(out);
    if (encode_nested(ctx, t, v, out))
        return -1;
    kbuf_nested_end(out, m);
    return 0;
}

/* A singular bytes field of DictionaryEntry: proto3 leaves it out when empty. */
static int encode_field(kvalue_ctx *ctx, uint8_t key, const ktype *t, const krpc_value *v, kbuf *out) {
    size_t start = out->len;
    kbuf_varint(out, key);
    size_t m = kbuf_nested_begin(out);
    if (encode_nested(ctx, t, v, out))
        return -1;
    if (out->len == m)
        out->len = start;
    else
        kbuf_nested_end(out, m);
    return 0;
}

int value_encode_other(kvalue_ctx *ctx, const ktype *t, const krpc_value *v, kbuf *out) {
    uint8_t b[8];
    switch (t->code) {
    case KT_DOUBLE: {
        uint64_t bits;
        memcpy(&bits, &v->u.d, 8);
        for (int i = 0; i < 8; i++)
            b[i] = (uint8_t)(bits >> (8 * i));
        kbuf_append(out, b, 8);
        return 0;
    }
    case KT_FLOAT: {
        uint32_t bits;
        memcpy(&bits, &v->u.f, 4);
        for (int i = 0; i < 4; i++)
            b[i] = (uint8_t)(bits >> (8 * i));
        kbuf_append(out, b, 4);
        return 0;
    }
    case KT_STRING:
    case KT_BYTES:
        kbuf_varint(out, v->u.s.len);
        kbuf_append(out, v->u.s.data, v->u.s.len);
        return 0;
    case KT_CLASS:
        if (!ctx->objects || !v->u.obj.ptr) {
            kerror_set(ctx->err, ctx->a, "", "", "Cannot encode an object of type %s here", t->dotnet);
            return -1;
        }
        kbuf_varint(out, objects_put(ctx->objects, t->cls, v->u.obj.ptr));
        return 0;
    case KT_TUPLE:
        if (v->u.seq.count != t->nsub) {
            kerror_set(ctx->err, ctx->a, "", "", "Tuple of type %s has %zu values", t->dotnet,
                       v->u.seq.count);
            return -1;
        }
        for (size_t i = 0; i < t->nsub; i++)
            if (encode_item(ctx, t->sub[i], &v->u.seq.items[i], out))
                return -1;
        return 0;
    case KT_STRUCT:
        if (v->u.seq.count != t->st->nfields) {
            kerror_set(ctx->err, ctx->a, "", "", "Struct %s needs %zu fields, got %zu", t->st->name,
                       t->st->nfields, v->u.seq.count);
            return -1;
        }
        for (size_t i = 0; i < t->st->nfields; i++)
            if (encode_item(ctx, t->st->fields[i].type, &v->u.seq.items[i], out))
                return -1;
        return 0;
    case KT_LIST:
    case KT_SET:
        for (size_t i = 0; i < v->u.seq.count; i++)
            if (encode_item(ctx, t->sub[0], &v->u.seq.items[i], out))
                return -1;
        return 0;
    case KT_DICTIONARY:
        for (size_t i = 0; i < v->u.dict.count; i++) {
            kbuf_varint(out, 0x0a);
            size_t m = kbuf_nested_begin(out);
            if (v->u.dict.keys[i].is_null || (v->u.dict.values[i].is_null && !nested_nulls(ctx, t->sub[1]))) {
                kerror_set(ctx->err, ctx->a, "", "", "Dictionary keys and values cannot be null (%s)",
                           t->dotnet);
                return -1;
            }
            if (encode_field(ctx, 0x0a, t->sub[0], &v->u.dict.keys[i], out) ||
                encode_field(ctx, 0x12, t->sub[1], &v->u.dict.values[i], out))
                return -1;
            kbuf_nested_end(out, m);
        }
        return 0;
    case KT_EVENT:
    case KT_STREAM:
    case KT_STATUS:
    case KT_SERVICES: {
        const kbytes *bytes = v->u.host;
        if (bytes)
            kbuf_append(out, bytes->data, bytes->len);
        return 0;
    }
    default:
        kerror_set(ctx->err, ctx->a, "", "", "Cannot encode a value of type %s", t->dotnet);
        return -1;
    }
}

/*
 * test_object.c - TestClass instances and DeprecatedClass identity.
 *
 * A TestClass object holds a string value that a client can change
 * (TestClass.StringPropertyPrivateGet), an int property and an object
 * property. Two objects are the same kRPC object iff their *current* values
 * are equal; the host's object store deduplicates with equals/hash and owns
 * every object once returned (it calls release).
 */
#include "testservice.h"

#include <stdlib.h>
#include <string.h>

static char *copy_bytes(const char *data, size_t len) {
    char *copy = malloc(len + 1);
    if (copy == NULL) {
        return NULL;
    }
    if (len > 0) {
        memcpy(copy, data, len);
    }
    copy[len] = '\0';
    return copy;
}

ts_test_object *ts_test_object_create(const char *value, size_t value_len) {
    ts_test_object *object = calloc(1, sizeof *object);
    if (object == NULL) {
        return NULL;
    }
    object->value = copy_bytes(value, value_len);
    if (object->value == NULL) {
        free(object);
        return NULL;
    }
    object->value_len = value_len;
    return object;
}

bool ts_test_object_rename(ts_test_object *object, const char *value, size_t value_len) {
    char *copy = copy_bytes(value, value_len);
    if (copy == NULL) {
        return false;
    }
    free(object->value);
    object->value = copy;
    object->value_len = value_len;
    return true;
}

bool ts_test_object_equals(const void *a, const void *b) {
    const ts_test_object *left = a;
    const ts_test_object *right = b;
    return left->value_len == right->value_len &&
           (left->value_len == 0 || memcmp(left->value, right->value, left->value_len) == 0);
}

uint64_t ts_test_object_hash(const void *object) {
    /* FNV-1a over the current value. */
    const ts_test_object *self = object;
    uint64_t hash = 14695981039346656037u;
    for (size_t i = 0; i < self->value_len; i++) {
        hash ^= (unsigned char)self->value[i];
        hash *= 1099511628211u;
    }
    return hash;
}

void ts_test_object_release(void *object) {
    ts_test_object *self = object;
    if (self == NULL) {
        return;
    }
    /* object_property points at another host-owned object: not ours to free. */
    free(self->value);
    free(self);
}

/* DeprecatedClass: every instance is the same object (the reference's class
 * has no state). No procedure creates one. */
bool ts_deprecated_object_equals(const void *a, const void *b) {
    (void)a;
    (void)b;
    return true;
}

uint64_t ts_deprecated_object_hash(const void *object) {
    (void)object;
    return 0;
}

void ts_object_value_or_null(const krpc_value *object, krpc_value *out) {
    memset(out, 0, sizeof *out);
    if (object->is_null || object->u.obj.ptr == NULL) {
        out->u.s.data = "null";
        out->u.s.len = 4;
        return;
    }
    const ts_test_object *self = object->u.obj.ptr;
    out->u.s.data = self->value;
    out->u.s.len = self->value_len;
}

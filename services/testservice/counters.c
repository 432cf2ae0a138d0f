/*
 * counters.c - TestService.Counter and CounterStruct (procedures 39 and 25):
 * one counter per calling client and id string, starting at 0, never reset.
 * The counters live in a small open-addressing hash table in the plugin
 * state.
 */
#include "testservice.h"

#include <stdlib.h>
#include <string.h>

enum { CLIENT_ID_SIZE = 16 };

typedef struct counter_entry {
    uint8_t client[CLIENT_ID_SIZE];
    char *id; /* NULL: empty slot */
    size_t id_len;
    uint64_t hash;
    int32_t count;
} counter_entry;

struct ts_counter_table {
    counter_entry *slots;
    size_t capacity; /* a power of two */
    size_t used;
};

enum { INITIAL_CAPACITY = 64 };

ts_counter_table *ts_counter_table_create(void) {
    ts_counter_table *table = calloc(1, sizeof *table);
    if (table == NULL) {
        return NULL;
    }
    table->slots = calloc(INITIAL_CAPACITY, sizeof *table->slots);
    if (table->slots == NULL) {
        free(table);
        return NULL;
    }
    table->capacity = INITIAL_CAPACITY;
    return table;
}

void ts_counter_table_destroy(ts_counter_table *table) {
    for (size_t i = 0; i < table->capacity; i++) {
        free(table->slots[i].id);
    }
    free(table->slots);
    free(table);
}

static uint64_t fnv1a(uint64_t hash, const void *data, size_t len) {
    const unsigned char *bytes = data;
    for (size_t i = 0; i < len; i++) {
        hash ^= bytes[i];
        hash *= 1099511628211u;
    }
    return hash;
}

static uint64_t key_hash(const uint8_t *client, const char *id, size_t id_len) {
    return fnv1a(fnv1a(14695981039346656037u, client, CLIENT_ID_SIZE), id, id_len);
}

/* The slot holding the key, or the empty slot where it belongs. */
static counter_entry *find_slot(counter_entry *slots, size_t capacity, uint64_t hash, const uint8_t *client,
                                const char *id, size_t id_len) {
    size_t index = (size_t)hash & (capacity - 1);
    for (;;) {
        counter_entry *entry = &slots[index];
        if (entry->id == NULL) {
            return entry;
        }
        if (entry->hash == hash && entry->id_len == id_len && memcmp(entry->client, client, CLIENT_ID_SIZE) == 0 &&
            memcmp(entry->id, id, id_len) == 0) {
            return entry;
        }
        index = (index + 1) & (capacity - 1);
    }
}

static bool grow(ts_counter_table *table) {
    const size_t capacity = table->capacity * 2;
    counter_entry *slots = calloc(capacity, sizeof *slots);
    if (slots == NULL) {
        return false;
    }
    for (size_t i = 0; i < table->capacity; i++) {
        const counter_entry *entry = &table->slots[i];
        if (entry->id != NULL) {
            *find_slot(slots, capacity, entry->hash, entry->client, entry->id, entry->id_len) = *entry;
        }
    }
    free(table->slots);
    table->slots = slots;
    table->capacity = capacity;
    return true;
}

int ts_counter_increment(krpc_call *call, const krpc_value *id, int32_t *count) {
    ts_counter_table *table = ts_state_of(call)->counters;
    uint8_t client[CLIENT_ID_SIZE] = {0};
    const uint8_t *caller = krpc_client_id(call);
    if (caller != NULL) {
        memcpy(client, caller, CLIENT_ID_SIZE);
    }
    const uint64_t hash = key_hash(client, id->u.s.data, id->u.s.len);
    counter_entry *entry = find_slot(table->slots, table->capacity, hash, client, id->u.s.data, id->u.s.len);
    if (entry->id == NULL) {
        if ((table->used + 1) * 4 > table->capacity * 3) { /* keep the load under 3/4 */
            if (!grow(table)) {
                return ts_raise_out_of_memory(call);
            }
            entry = find_slot(table->slots, table->capacity, hash, client, id->u.s.data, id->u.s.len);
        }
        entry->id = malloc(id->u.s.len + 1);
        if (entry->id == NULL) {
            return ts_raise_out_of_memory(call);
        }
        if (id->u.s.len > 0) {
            memcpy(entry->id, id->u.s.data, id->u.s.len);
        }
        entry->id[id->u.s.len] = '\0';
        entry->id_len = id->u.s.len;
        memcpy(entry->client, client, CLIENT_ID_SIZE);
        entry->hash = hash;
        entry->count = 0;
        table->used++;
    }
    entry->count = (int32_t)((uint32_t)entry->count + 1u); /* wraps like C# */
    *count = entry->count;
    return KRPC_OK;
}

TS_PROCEDURE(ts_counter) {
    int32_t count;
    if (ts_counter_increment(call, &args[0], &count) != KRPC_OK) {
        return KRPC_ERROR;
    }
    const int32_t divisor = args[1].u.i32;
    if (divisor == 0) {
        return krpc_raise(call, KRPC_ERR_GENERIC, "Attempted to divide by zero.");
    }
    if (divisor == -1) { /* INT32_MIN / -1 overflows in C; C# throws OverflowException */
        if (count == INT32_MIN) {
            return krpc_raise(call, KRPC_ERR_GENERIC, "Arithmetic operation resulted in an overflow.");
        }
        result->u.i32 = -count;
        return KRPC_OK;
    }
    result->u.i32 = count / divisor; /* truncates toward zero, as in C# */
    return KRPC_OK;
}

TS_PROCEDURE(ts_counter_struct) {
    int32_t count;
    if (ts_counter_increment(call, &args[0], &count) != KRPC_OK) {
        return KRPC_ERROR;
    }
    krpc_value *fields = ts_alloc_values(call, TS_TEST_STRUCT_FIELD_COUNT);
    krpc_value *empty_list = fields != NULL ? ts_alloc_values(call, 0) : NULL;
    if (empty_list == NULL) {
        return KRPC_ERROR;
    }
    fields[TS_TEST_STRUCT_INT_FIELD].u.i32 = count;
    ts_copy_string(call, &args[0], &fields[TS_TEST_STRUCT_STRING_FIELD]);
    fields[TS_TEST_STRUCT_ENUM_FIELD].u.e = TS_TEST_ENUM_VALUE_A;
    fields[TS_TEST_STRUCT_LIST_FIELD].u.seq.items = empty_list;
    fields[TS_TEST_STRUCT_LIST_FIELD].u.seq.count = 0;
    result->u.seq.items = fields;
    result->u.seq.count = TS_TEST_STRUCT_FIELD_COUNT;
    return KRPC_OK;
}

/*
 * counters.c - TestService.Counter and CounterStruct (procedures 39 and 25):
 * one counter per calling client and id string, starting at 0, never reset.
 *
 * Counter is the procedure stream benchmarks evaluate thousands of times per
 * update, client after client, each client's counters in the order they were
 * created; the table is laid out for that. Two levels: the clients, in an
 * open-addressing table with the last one found remembered; per client, its
 * counters in one array in creation order (one 64-byte entry each, the id
 * inline when short), found through an open-addressing index of 32-bit
 * (hash tag, position) words. A client's index is small (1 KiB for 100
 * counters), so it stays cached while that client's counters are looked up,
 * and each entry sits next to the one looked up before. A stream finds its
 * counter once and keeps where it is in the stream's memo.
 */
#include "testservice.h"

#include <stdlib.h>
#include <string.h>

enum { CLIENT_ID_SIZE = 16, INLINE_ID = 48, ENTRY_SIZE = 64 };

typedef struct counter_entry {
    uint64_t hash;
    int32_t count;
    uint32_t id_len;
    union {
        char bytes[INLINE_ID]; /* id_len <= INLINE_ID */
        char *heap;            /* longer ids */
    } id;
} counter_entry;

_Static_assert(sizeof(counter_entry) == ENTRY_SIZE, "a counter is one cache line");

/* One client's counters. */
typedef struct client_counters {
    uint8_t client[CLIENT_ID_SIZE];
    uint64_t hash;          /* of client */
    counter_entry *entries; /* creation order, ENTRY_SIZE-aligned */
    size_t used, allocated;
    uint32_t *index;       /* 0: empty; else TAG_BITS of the hash, then position + 1 */
    size_t index_capacity; /* a power of two, at most 3/4 full */
} client_counters;

struct ts_counter_table {
    client_counters **clients; /* open addressing; NULL: empty */
    size_t capacity;           /* a power of two, at most 3/4 full */
    size_t used;
    client_counters *last; /* the last client looked up */
};

enum { INITIAL_ENTRIES = 16, INITIAL_INDEX = 32, INITIAL_CLIENTS = 16, TAG_BITS = 8, POSITION_BITS = 32 - TAG_BITS };
#define POSITION_MASK ((1u << POSITION_BITS) - 1)
#define MAX_COUNTERS (POSITION_MASK - 1) /* per client: position + 1 fits */

ts_counter_table *ts_counter_table_create(void) {
    ts_counter_table *table = calloc(1, sizeof *table);
    if (table == NULL) {
        return NULL;
    }
    table->clients = calloc(INITIAL_CLIENTS, sizeof *table->clients);
    if (table->clients == NULL) {
        free(table);
        return NULL;
    }
    table->capacity = INITIAL_CLIENTS;
    return table;
}

static const char *entry_id(const counter_entry *entry) {
    return entry->id_len <= INLINE_ID ? entry->id.bytes : entry->id.heap;
}

static void client_free(client_counters *cc) {
    for (size_t i = 0; i < cc->used; i++) {
        if (cc->entries[i].id_len > INLINE_ID) {
            free(cc->entries[i].id.heap);
        }
    }
    free(cc->entries);
    free(cc->index);
    free(cc);
}

void ts_counter_table_destroy(ts_counter_table *table) {
    for (size_t i = 0; i < table->capacity; i++) {
        if (table->clients[i] != NULL) {
            client_free(table->clients[i]);
        }
    }
    free(table->clients);
    free(table);
}

/* 64-bit mixing (the murmur3 finalizer). */
static uint64_t mix(uint64_t h) {
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdu;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53u;
    h ^= h >> 33;
    return h;
}

/* Eight bytes at a time; the tail is zero-padded and the length mixed in. */
static uint64_t hash_bytes(const void *data, size_t len) {
    const unsigned char *bytes = data;
    uint64_t hash = len;
    for (; len >= 8; bytes += 8, len -= 8) {
        uint64_t word;
        memcpy(&word, bytes, 8);
        hash = mix(hash ^ word) * 0x9e3779b97f4a7c15u;
    }
    if (len > 0) {
        uint64_t word = 0;
        memcpy(&word, bytes, len);
        hash = mix(hash ^ word ^ ((uint64_t)len << 56)) * 0x9e3779b97f4a7c15u;
    }
    return mix(hash);
}

/* ---- the clients ---- */

/* The slot holding the client, or the empty slot where it belongs. */
static client_counters **client_slot(client_counters **slots, size_t capacity, uint64_t hash, const uint8_t *client) {
    for (size_t i = (size_t)hash & (capacity - 1);; i = (i + 1) & (capacity - 1)) {
        if (slots[i] == NULL || (slots[i]->hash == hash && memcmp(slots[i]->client, client, CLIENT_ID_SIZE) == 0)) {
            return &slots[i];
        }
    }
}

/* The client's counters, created empty the first time; NULL when out of memory. */
static client_counters *client_counters_of(ts_counter_table *table, const uint8_t *client) {
    if (table->last != NULL && memcmp(table->last->client, client, CLIENT_ID_SIZE) == 0) {
        return table->last;
    }
    const uint64_t hash = hash_bytes(client, CLIENT_ID_SIZE);
    client_counters **slot = client_slot(table->clients, table->capacity, hash, client);
    if (*slot == NULL) {
        if ((table->used + 1) * 4 > table->capacity * 3) {
            const size_t capacity = table->capacity * 2;
            client_counters **clients = calloc(capacity, sizeof *clients);
            if (clients == NULL) {
                return NULL;
            }
            for (size_t i = 0; i < table->capacity; i++) {
                if (table->clients[i] != NULL) {
                    *client_slot(clients, capacity, table->clients[i]->hash, table->clients[i]->client) =
                        table->clients[i];
                }
            }
            free(table->clients);
            table->clients = clients;
            table->capacity = capacity;
            slot = client_slot(table->clients, table->capacity, hash, client);
        }
        client_counters *cc = calloc(1, sizeof *cc);
        counter_entry *entries = aligned_alloc(ENTRY_SIZE, INITIAL_ENTRIES * sizeof *entries);
        uint32_t *index = calloc(INITIAL_INDEX, sizeof *index);
        if (cc == NULL || entries == NULL || index == NULL) {
            free(cc);
            free(entries);
            free(index);
            return NULL;
        }
        memcpy(cc->client, client, CLIENT_ID_SIZE);
        cc->hash = hash;
        cc->entries = entries;
        cc->allocated = INITIAL_ENTRIES;
        cc->index = index;
        cc->index_capacity = INITIAL_INDEX;
        *slot = cc;
        table->used++;
    }
    table->last = *slot;
    return *slot;
}

/* ---- one client's counters ---- */

/* The index's slot bits come from the hash's low bits, the tag from its top. */
static uint32_t tag_of(uint64_t hash) { return (uint32_t)(hash >> (64 - TAG_BITS)) << POSITION_BITS; }

/* The index word holding the id, or the empty word where it belongs. */
static uint32_t *find_slot(const client_counters *cc, uint64_t hash, const char *id, size_t id_len) {
    const size_t mask = cc->index_capacity - 1;
    for (size_t i = (size_t)hash & mask;; i = (i + 1) & mask) {
        uint32_t *slot = &cc->index[i];
        if (*slot == 0) {
            return slot;
        }
        if ((*slot & ~POSITION_MASK) != tag_of(hash)) {
            continue;
        }
        const counter_entry *entry = &cc->entries[(*slot & POSITION_MASK) - 1];
        if (entry->hash == hash && entry->id_len == id_len && memcmp(entry_id(entry), id, id_len) == 0) {
            return slot;
        }
    }
}

/* Room for one more counter: the array and the index grown as needed. */
static bool make_room(client_counters *cc) {
    if (cc->used >= MAX_COUNTERS) {
        return false;
    }
    if (cc->used == cc->allocated) {
        const size_t allocated = cc->allocated * 2;
        counter_entry *entries = aligned_alloc(ENTRY_SIZE, allocated * sizeof *entries);
        if (entries == NULL) {
            return false;
        }
        memcpy(entries, cc->entries, cc->used * sizeof *entries);
        free(cc->entries);
        cc->entries = entries;
        cc->allocated = allocated;
    }
    if ((cc->used + 1) * 4 > cc->index_capacity * 3) {
        const size_t capacity = cc->index_capacity * 2;
        uint32_t *index = calloc(capacity, sizeof *index);
        if (index == NULL) {
            return false;
        }
        for (size_t e = 0; e < cc->used; e++) {
            const uint64_t hash = cc->entries[e].hash;
            size_t i = (size_t)hash & (capacity - 1);
            while (index[i] != 0) {
                i = (i + 1) & (capacity - 1);
            }
            index[i] = tag_of(hash) | (uint32_t)(e + 1);
        }
        free(cc->index);
        cc->index = index;
        cc->index_capacity = capacity;
    }
    return true;
}

/* What a stream of Counter keeps between updates (krpc_stream_memo): its
 * counter, found once. A stream is one client's and its id never changes,
 * and counters are never removed, so the client and position stay right. */
typedef struct counter_memo {
    client_counters *cc;
    size_t position; /* + 1; 0: not found yet */
} counter_memo;

static int32_t bump(counter_entry *entry) {
    entry->count = (int32_t)((uint32_t)entry->count + 1u); /* wraps like C# */
    return entry->count;
}

int ts_counter_increment(krpc_call *call, const krpc_value *id, int32_t *count) {
    counter_memo *memo = krpc_stream_memo(call, sizeof *memo);
    if (memo != NULL && memo->position != 0) {
        *count = bump(&memo->cc->entries[memo->position - 1]);
        return KRPC_OK;
    }
    ts_counter_table *table = ts_state_of(call)->counters;
    uint8_t client[CLIENT_ID_SIZE] = {0};
    const uint8_t *caller = krpc_client_id(call);
    if (caller != NULL) {
        memcpy(client, caller, CLIENT_ID_SIZE);
    }
    client_counters *cc = client_counters_of(table, client);
    if (cc == NULL) {
        return ts_raise_out_of_memory(call);
    }
    const char *key = id->u.s.data;
    const size_t key_len = id->u.s.len;
    const uint64_t hash = hash_bytes(key, key_len);
    uint32_t *slot = find_slot(cc, hash, key, key_len);
    if (*slot == 0) {
        if (key_len > UINT32_MAX || !make_room(cc)) {
            return ts_raise_out_of_memory(call);
        }
        slot = find_slot(cc, hash, key, key_len); /* the index may have been rebuilt */
        counter_entry *entry = &cc->entries[cc->used];
        char *stored = entry->id.bytes;
        if (key_len > INLINE_ID) {
            stored = malloc(key_len);
            if (stored == NULL) {
                return ts_raise_out_of_memory(call);
            }
            entry->id.heap = stored;
        }
        if (key_len > 0) {
            memcpy(stored, key, key_len);
        }
        entry->hash = hash;
        entry->count = 0;
        entry->id_len = (uint32_t)key_len;
        cc->used++;
        *slot = tag_of(hash) | (uint32_t)cc->used;
    }
    const size_t position = *slot & POSITION_MASK;
    if (memo != NULL) {
        memo->cc = cc;
        memo->position = position;
    }
    *count = bump(&cc->entries[position - 1]);
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

/*
 * testservice.h - what the files of the TestService/Benchmark plugin share:
 * the plugin state, the helpers that build results in call memory, the
 * TestClass object type, and the procedures the declaration tables in
 * testservice.c point to.
 */
#ifndef KRPC_TESTSERVICE_TESTSERVICE_H
#define KRPC_TESTSERVICE_TESTSERVICE_H

#include <krpc/plugin.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* ---- plugin state (state.c) ------------------------------------------- */

/* A string the plugin keeps between calls; data == NULL means null. */
typedef struct ts_stored_string {
    char *data;
    size_t len;
} ts_stored_string;

typedef struct ts_counter_table ts_counter_table; /* counters.c */
typedef struct ts_timer_list ts_timer_list;       /* events.c */

/* Everything that lives as long as the plugin is loaded in one server (no C
 * globals: two servers in one process each get their own). */
typedef struct ts_state {
    krpc_host *host;
    const krpc_host_api *api;
    ts_stored_string string_property;
    ts_stored_string string_property_private_get; /* written, never read */
    ts_stored_string deprecated_property;
    /* TestClass objects (owned by the host once returned), NULL = null */
    void *object_property;
    void *nullable_object;
    int32_t invalid_operation_later_calls;
    int32_t custom_exception_later_calls;
    ts_counter_table *counters;
    ts_timer_list *timers;
} ts_state;

int ts_state_init(krpc_host *host, const krpc_host_api *api, void **state);
void ts_state_tick(void *state, double dt);
void ts_state_cleanup(void *state);

/* Replace a stored string with a copy of value (null when value is null).
 * Returns false when out of memory (the old value is kept). */
bool ts_stored_string_set(ts_stored_string *stored, const krpc_value *value);
void ts_stored_string_free(ts_stored_string *stored);

static inline ts_state *ts_state_of(krpc_call *call) {
    return (ts_state *)call->state;
}

/* ---- structure layouts (fields as testservice.c declares them) -------- */

enum {
    TS_TEST_STRUCT_INT_FIELD,
    TS_TEST_STRUCT_STRING_FIELD,
    TS_TEST_STRUCT_ENUM_FIELD,
    TS_TEST_STRUCT_LIST_FIELD,
    TS_TEST_STRUCT_FIELD_COUNT
};
enum {
    TS_NESTED_STRUCT_STRUCT_FIELD,
    TS_NESTED_STRUCT_OBJECT_FIELD,
    TS_NESTED_STRUCT_STRING_FIELD,
    TS_NESTED_STRUCT_FIELD_COUNT
};
/* TestEnum values */
enum { TS_TEST_ENUM_VALUE_A = 0, TS_TEST_ENUM_VALUE_B = 1, TS_TEST_ENUM_VALUE_C = 2 };

/* ---- results in call memory (result.c) -------------------------------- */

/* Raise the untyped error .NET would report for an OutOfMemoryException. */
int ts_raise_out_of_memory(krpc_call *call);

/* An array of count values in call memory, zeroed; NULL when out of memory
 * (then raised).
 * A count of 0 gives a valid empty array. */
krpc_value *ts_alloc_values(krpc_call *call, size_t count);

/* *out = a string of len bytes copied into call memory. */
void ts_set_string(krpc_call *call, krpc_value *out, const char *data, size_t len);
static inline void ts_set_cstring(krpc_call *call, krpc_value *out, const char *text) {
    ts_set_string(call, out, text, strlen(text));
}

/* *out = the concatenation of count strings (krpc string values), in call
 * memory. Returns KRPC_OK or KRPC_ERROR. */
int ts_set_concatenation(krpc_call *call, krpc_value *out, const krpc_value *const *parts, size_t count);

/* Copies into call memory of argument values returned unchanged, so a result
 * never points into argument memory. Each returns KRPC_OK or KRPC_ERROR. */
int ts_copy_string(krpc_call *call, const krpc_value *source, krpc_value *out);
int ts_copy_scalar_sequence(krpc_call *call, const krpc_value *source, krpc_value *out);
int ts_copy_string_sequence(krpc_call *call, const krpc_value *source, krpc_value *out);
int ts_copy_test_struct(krpc_call *call, const krpc_value *source, krpc_value *out);

/* ---- TestClass and DeprecatedClass objects (test_object.c) ------------- */

/* A TestClass instance. Identity is its *current* value. */
typedef struct ts_test_object {
    char *value;
    size_t value_len;
    int32_t int_property;
    void *object_property; /* a host-stored TestClass, NULL = null */
} ts_test_object;

/* NULL when out of memory. */
ts_test_object *ts_test_object_create(const char *value, size_t value_len);
bool ts_test_object_rename(ts_test_object *object, const char *value, size_t value_len);
bool ts_test_object_equals(const void *a, const void *b);
uint64_t ts_test_object_hash(const void *object);
void ts_test_object_release(void *object);

bool ts_deprecated_object_equals(const void *a, const void *b);
uint64_t ts_deprecated_object_hash(const void *object);

/* "<value of obj>" for a nullable TestClass argument, or "null". */
void ts_object_value_or_null(const krpc_value *object, krpc_value *out);

/* ---- counters (counters.c) -------------------------------------------- */

ts_counter_table *ts_counter_table_create(void);
void ts_counter_table_destroy(ts_counter_table *table);

/* Increment the calling client's counter `id` (starting at 0) and store the
 * new count in *count. Returns KRPC_OK or KRPC_ERROR. */
int ts_counter_increment(krpc_call *call, const krpc_value *id, int32_t *count);

/* ---- timers behind the event procedures (events.c) -------------------- */

ts_timer_list *ts_timer_list_create(void);
/* Fire the timers that are due. */
void ts_timer_list_tick(ts_timer_list *timers, const krpc_host_api *api);
/* Give up every remaining event handle and free the list. */
void ts_timer_list_destroy(ts_timer_list *timers, const krpc_host_api *api);

/* ---- monotonic clock (clock.c) ---------------------------------------- */

uint64_t ts_monotonic_ns(void);

/* ---- procedures ------------------------------------------------------- */

#define TS_PROCEDURE(name) int name(krpc_call *call, const krpc_value *args, krpc_value *result)

/* conversions.c */
TS_PROCEDURE(ts_float_to_string);
TS_PROCEDURE(ts_double_to_string);
TS_PROCEDURE(ts_int32_to_string);
TS_PROCEDURE(ts_int64_to_string);
TS_PROCEDURE(ts_bool_to_string);
TS_PROCEDURE(ts_string_to_int32);
TS_PROCEDURE(ts_bytes_to_hex_string);
TS_PROCEDURE(ts_add_multiple_values);

/* special_defaults.c */
TS_PROCEDURE(ts_double_special_defaults);
TS_PROCEDURE(ts_float_special_defaults);
TS_PROCEDURE(ts_int32_special_defaults);
TS_PROCEDURE(ts_int64_special_defaults);
TS_PROCEDURE(ts_uint32_special_defaults);
TS_PROCEDURE(ts_uint64_special_defaults);

/* objects.c: service procedures on objects and nullability. ts_echo_value
 * returns its argument unchanged, null included: for values without memory
 * of their own (numbers, enums, objects). */
TS_PROCEDURE(ts_echo_value);
TS_PROCEDURE(ts_create_test_object);
TS_PROCEDURE(ts_return_null);
TS_PROCEDURE(ts_echo_nullable_string);
TS_PROCEDURE(ts_optional_arguments);
/* x + y + z + (obj ? obj.value : "null"); arguments = (x, y, z, obj). */
int ts_concatenate_optional_arguments(krpc_call *call, const krpc_value *arguments, krpc_value *result);

/* test_class.c: TestClass and DeprecatedClass members */
TS_PROCEDURE(ts_test_class_get_value);
TS_PROCEDURE(ts_test_class_float_to_string);
TS_PROCEDURE(ts_test_class_object_to_string);
TS_PROCEDURE(ts_test_class_echo_nullable_object);
TS_PROCEDURE(ts_test_class_optional_arguments);
TS_PROCEDURE(ts_test_class_static_method);
TS_PROCEDURE(ts_test_class_get_int_property);
TS_PROCEDURE(ts_test_class_set_int_property);
TS_PROCEDURE(ts_test_class_get_object_property);
TS_PROCEDURE(ts_test_class_set_object_property);
TS_PROCEDURE(ts_test_class_set_string_property_private_get);
TS_PROCEDURE(ts_test_class_get_string_property_private_set);
TS_PROCEDURE(ts_deprecated_class_deprecated_method);

/* properties.c: service properties */
TS_PROCEDURE(ts_get_string_property);
TS_PROCEDURE(ts_set_string_property);
TS_PROCEDURE(ts_set_string_property_private_get);
TS_PROCEDURE(ts_get_string_property_private_set);
TS_PROCEDURE(ts_get_object_property);
TS_PROCEDURE(ts_set_object_property);
TS_PROCEDURE(ts_get_nullable_object);
TS_PROCEDURE(ts_set_nullable_object);
TS_PROCEDURE(ts_get_deprecated_property);
TS_PROCEDURE(ts_set_deprecated_property);

/* structs.c: enumerations and structures */
TS_PROCEDURE(ts_enum_return);
TS_PROCEDURE(ts_struct_echo);
TS_PROCEDURE(ts_nested_struct_echo);
TS_PROCEDURE(ts_increment_list_of_structs);

/* collections.c */
TS_PROCEDURE(ts_increment_list);
TS_PROCEDURE(ts_increment_dictionary);
TS_PROCEDURE(ts_increment_set);
TS_PROCEDURE(ts_increment_tuple);
TS_PROCEDURE(ts_increment_nested_collection);
TS_PROCEDURE(ts_echo_scalar_collection);
TS_PROCEDURE(ts_echo_dictionary_default);
TS_PROCEDURE(ts_echo_string_list);
TS_PROCEDURE(ts_add_to_object_list);

/* counters.c */
TS_PROCEDURE(ts_counter);
TS_PROCEDURE(ts_counter_struct);

/* errors.c */
TS_PROCEDURE(ts_throw_invalid_operation_exception);
TS_PROCEDURE(ts_reset_invalid_operation_exception_later);
TS_PROCEDURE(ts_throw_invalid_operation_exception_later);
TS_PROCEDURE(ts_throw_argument_exception);
TS_PROCEDURE(ts_throw_argument_null_exception);
TS_PROCEDURE(ts_throw_argument_out_of_range_exception);
TS_PROCEDURE(ts_throw_custom_exception);
TS_PROCEDURE(ts_reset_custom_exception_later);
TS_PROCEDURE(ts_throw_custom_exception_later);

/* blocking.c */
TS_PROCEDURE(ts_blocking_procedure);

/* events.c */
TS_PROCEDURE(ts_on_timer);
TS_PROCEDURE(ts_on_timer_using_lambda);

/* benchmark.c: the Benchmark service's procedure table */
extern const krpc_procedure_decl ts_benchmark_procedures[];

/* v07.c: kRPC 0.7 additions, seen by 0.7 clients only (KRPC_V07_ONLY) */
TS_PROCEDURE(ts_extension_method);
TS_PROCEDURE(ts_extension_method_returning_class_from_other_service);
TS_PROCEDURE(ts_extension_property);
TS_PROCEDURE(ts_extension_read_write_property_get);
TS_PROCEDURE(ts_extension_read_write_property_set);
TS_PROCEDURE(ts_dump_expression_tree);
TS_PROCEDURE(ts_echo_nullable_scalars);
TS_PROCEDURE(ts_echo_dictionary_of_nullable_objects);
TS_PROCEDURE(ts_echo_nested_list_of_nullable_objects);
TS_PROCEDURE(ts_nullable_struct_echo);
TS_PROCEDURE(ts_echo_nested_nullable_struct);
extern const krpc_class_decl ts_test_service2_classes[];

#endif

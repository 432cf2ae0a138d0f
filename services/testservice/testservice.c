/*
 * testservice.c - the declarations of the TestService (id 9999) and Benchmark
 * (id 9998) services, and the plugin descriptor that exports both.
 *
 * The host numbers procedures by declaration order (service procedures, then
 * service properties with the getter before the setter, then class by class
 * its methods and then its properties), so the order below reproduces the
 * reference's procedure ids 1-82; the comments give each id. Names, types,
 * defaults and documentation follow the reference's TestService.json.
 */
#include "testservice.h"

#define END \
    { 0 }

/* ---- parameter lists ------------------------------------------------- */

static const krpc_param_decl float_value[] = {{.name = "value", .type = "float"}, END};
static const krpc_param_decl double_value[] = {{.name = "value", .type = "double"}, END};
static const krpc_param_decl int32_value[] = {{.name = "value", .type = "sint32"}, END};
static const krpc_param_decl int64_value[] = {{.name = "value", .type = "sint64"}, END};
static const krpc_param_decl bool_value[] = {{.name = "value", .type = "bool"}, END};
static const krpc_param_decl string_value[] = {{.name = "value", .type = "string"}, END};
static const krpc_param_decl bytes_value[] = {{.name = "value", .type = "bytes"}, END};
static const krpc_param_decl object_value[] = {{.name = "value", .type = "TestClass"}, END};
static const krpc_param_decl nullable_object_value[] = {{.name = "value", .type = "TestClass?"}, END};
static const krpc_param_decl nullable_string_value[] = {{.name = "value", .type = "string?"}, END};
static const krpc_param_decl nullable_int32_value[] = {{.name = "value", .type = "sint32?"}, END};
static const krpc_param_decl nullable_int_list[] = {{.name = "l", .type = "list(sint32)?"}, END};

static const krpc_param_decl add_multiple_values_params[] = {
    {.name = "x", .type = "float"},
    {.name = "y", .type = "sint32"},
    {.name = "z", .type = "sint64"},
    END,
};

static const krpc_param_decl optional_arguments_params[] = {
    {.name = "x", .type = "string"},
    {.name = "y", .type = "string", .default_value = "\"foo\""},
    {.name = "z", .type = "string", .default_value = "\"bar\""},
    {.name = "obj", .type = "TestClass?", .default_value = "null"},
    END,
};

static const krpc_param_decl enum_x[] = {{.name = "x", .type = "TestEnum"}, END};
static const krpc_param_decl enum_x_default[] = {{.name = "x", .type = "TestEnum", .default_value = "ValueC"}, END};
static const krpc_param_decl struct_x[] = {{.name = "x", .type = "TestStruct"}, END};
static const krpc_param_decl nested_struct_x[] = {{.name = "x", .type = "TestNestedStruct"}, END};
static const krpc_param_decl struct_list[] = {{.name = "l", .type = "list(TestStruct)"}, END};
static const krpc_param_decl struct_x_default[] = {
    {.name = "x", .type = "TestStruct", .default_value = "(42, \"jeb\", ValueB, [1, 2, 3])"},
    END,
};
static const krpc_param_decl nullable_struct_x[] = {{.name = "x", .type = "TestStruct?"}, END};
static const krpc_param_decl counter_struct_params[] = {{.name = "id", .type = "string", .default_value = "\"\""}, END};

static const krpc_param_decl blocking_procedure_params[] = {
    {.name = "n", .type = "sint32"},
    {.name = "sum", .type = "sint32", .default_value = "0"},
    END,
};

static const krpc_param_decl int_list[] = {{.name = "l", .type = "list(sint32)"}, END};
static const krpc_param_decl string_int_dictionary[] = {{.name = "d", .type = "dict(string,sint32)"}, END};
static const krpc_param_decl int_set[] = {{.name = "h", .type = "set(sint32)"}, END};
static const krpc_param_decl int_long_tuple[] = {{.name = "t", .type = "tuple(sint32,sint64)"}, END};
static const krpc_param_decl nested_collection[] = {{.name = "d", .type = "dict(string,list(sint32))"}, END};
static const krpc_param_decl tuple_default[] = {{.name = "x", .type = "tuple(sint32,bool)", .default_value = "(1, false)"}, END};
static const krpc_param_decl list_default[] = {{.name = "x", .type = "list(sint32)", .default_value = "[1, 2, 3]"}, END};
static const krpc_param_decl set_default[] = {{.name = "x", .type = "set(sint32)", .default_value = "[1, 2, 3]"}, END};
static const krpc_param_decl dictionary_default[] = {
    {.name = "x", .type = "dict(sint32,bool)", .default_value = "{1: false, 2: true}"},
    END,
};
static const krpc_param_decl enum_list_default[] = {
    {.name = "x", .type = "list(TestEnum)", .default_value = "[ValueB, ValueC]"},
    END,
};
static const krpc_param_decl empty_list_default[] = {{.name = "x", .type = "list(string)", .default_value = "[]"}, END};
static const krpc_param_decl add_to_object_list_params[] = {
    {.name = "l", .type = "list(TestClass)"},
    {.name = "value", .type = "string"},
    END,
};

static const krpc_param_decl counter_params[] = {
    {.name = "id", .type = "string", .default_value = "\"\""},
    {.name = "divisor", .type = "sint32", .default_value = "1"},
    END,
};
static const krpc_param_decl string_foo[] = {{.name = "foo", .type = "string"}, END};
static const krpc_param_decl int32_foo[] = {{.name = "foo", .type = "sint32"}, END};

static const krpc_param_decl on_timer_params[] = {
    {.name = "milliseconds", .type = "uint32"},
    {.name = "repeats", .type = "uint32", .default_value = "1"},
    END,
};
static const krpc_param_decl on_timer_using_lambda_params[] = {{.name = "milliseconds", .type = "uint32"}, END};

static const krpc_param_decl double_special_defaults_params[] = {
    {.name = "nan", .type = "double", .default_value = "nan"},
    {.name = "infinity", .type = "double", .default_value = "inf"},
    {.name = "negativeInfinity", .type = "double", .default_value = "-inf"},
    {.name = "maximum", .type = "double", .default_value = "max"},
    {.name = "lowest", .type = "double", .default_value = "lowest"},
    END,
};
static const krpc_param_decl float_special_defaults_params[] = {
    {.name = "nan", .type = "float", .default_value = "nan"},
    {.name = "infinity", .type = "float", .default_value = "inf"},
    {.name = "negativeInfinity", .type = "float", .default_value = "-inf"},
    {.name = "maximum", .type = "float", .default_value = "max"},
    {.name = "lowest", .type = "float", .default_value = "lowest"},
    {.name = "fraction", .type = "float", .default_value = "0.1"},
    END,
};
static const krpc_param_decl int32_special_defaults_params[] = {
    {.name = "maximum", .type = "sint32", .default_value = "2147483647"},
    {.name = "minimum", .type = "sint32", .default_value = "-2147483648"},
    END,
};
static const krpc_param_decl int64_special_defaults_params[] = {
    {.name = "maximum", .type = "sint64", .default_value = "9223372036854775807"},
    {.name = "minimum", .type = "sint64", .default_value = "-9223372036854775808"},
    END,
};
static const krpc_param_decl uint32_special_defaults_params[] = {
    {.name = "maximum", .type = "uint32", .default_value = "4294967295"},
    END,
};
static const krpc_param_decl uint64_special_defaults_params[] = {
    {.name = "maximum", .type = "uint64", .default_value = "18446744073709551615"},
    END,
};

static const krpc_param_decl class_float_x[] = {{.name = "x", .type = "float"}, END};
static const krpc_param_decl class_other[] = {{.name = "other", .type = "TestClass?"}, END};
/* kRPC 0.7 additions (v07.c) */
static const krpc_param_decl extension_method_params[] = {{.name = "x", .type = "sint32"}, END};
static const krpc_param_decl expression_param[] = {{.name = "expression", .type = "KRPC.Expression"}, END};
static const krpc_param_decl nullable_ints_list[] = {{.name = "l", .type = "list(sint32?)"}, END};
static const krpc_param_decl nullable_objects_list[] = {{.name = "l", .type = "list(TestClass?)"}, END};
static const krpc_param_decl nullable_objects_dict[] = {{.name = "d", .type = "dict(string,TestClass?)"}, END};
static const krpc_param_decl nullable_object_tuple[] = {{.name = "t", .type = "tuple(sint32,TestClass?)"}, END};
static const krpc_param_decl nested_nullable_objects_list[] = {{.name = "l", .type = "list(list(TestClass?))"}, END};
static const krpc_param_decl test_nullable_struct_x[] = {{.name = "x", .type = "TestNullableStruct"}, END};
static const krpc_param_decl nested_nullable_struct_x[] = {{.name = "x", .type = "TestNestedNullableStruct"}, END};

static const krpc_param_decl static_method_params[] = {
    {.name = "a", .type = "string", .default_value = "\"\""},
    {.name = "b", .type = "string", .default_value = "\"\""},
    END,
};

/* ---- TestService procedures (ids 1-58) -------------------------------- */

static const char float_to_string_doc[] = "Procedure documentation string.";

static const krpc_procedure_decl test_service_procedures[] = {
    /* 1-8: value conversions */
    {.name = "FloatToString", .fn = ts_float_to_string, .params = float_value, .returns = "string",
     .doc = float_to_string_doc},
    {.name = "DoubleToString", .fn = ts_double_to_string, .params = double_value, .returns = "string"},
    {.name = "Int32ToString", .fn = ts_int32_to_string, .params = int32_value, .returns = "string"},
    {.name = "Int64ToString", .fn = ts_int64_to_string, .params = int64_value, .returns = "string"},
    {.name = "BoolToString", .fn = ts_bool_to_string, .params = bool_value, .returns = "string"},
    {.name = "StringToInt32", .fn = ts_string_to_int32, .params = string_value, .returns = "sint32"},
    {.name = "BytesToHexString", .fn = ts_bytes_to_hex_string, .params = bytes_value, .returns = "string"},
    {.name = "AddMultipleValues", .fn = ts_add_multiple_values, .params = add_multiple_values_params,
     .returns = "string"},
    /* 9-16: objects and nullability */
    {.name = "CreateTestObject", .fn = ts_create_test_object, .params = string_value, .returns = "TestClass"},
    {.name = "EchoTestObject", .fn = ts_echo_value, .params = nullable_object_value, .returns = "TestClass?"},
    {.name = "ReturnNullWhenNotAllowed", .fn = ts_return_null, .returns = "TestClass"},
    {.name = "NotNullableObject", .fn = ts_echo_value, .params = object_value, .returns = "TestClass"},
    {.name = "EchoNullableString", .fn = ts_echo_nullable_string, .params = nullable_string_value,
     .returns = "string?"},
    {.name = "EchoNullableList", .fn = ts_echo_scalar_collection, .params = nullable_int_list,
     .returns = "list(sint32)?"},
    {.name = "EchoNullableInt", .fn = ts_echo_value, .params = nullable_int32_value, .returns = "sint32?"},
    {.name = "OptionalArguments", .fn = ts_optional_arguments, .params = optional_arguments_params,
     .returns = "string"},
    /* 17-25: enumerations and structures */
    {.name = "EnumReturn", .fn = ts_enum_return, .returns = "TestEnum"},
    {.name = "EnumEcho", .fn = ts_echo_value, .params = enum_x, .returns = "TestEnum"},
    {.name = "EnumDefaultArg", .fn = ts_echo_value, .params = enum_x_default, .returns = "TestEnum"},
    {.name = "StructEcho", .fn = ts_struct_echo, .params = struct_x, .returns = "TestStruct"},
    {.name = "NestedStructEcho", .fn = ts_nested_struct_echo, .params = nested_struct_x,
     .returns = "TestNestedStruct"},
    {.name = "IncrementListOfStructs", .fn = ts_increment_list_of_structs, .params = struct_list,
     .returns = "list(TestStruct)"},
    {.name = "StructDefault", .fn = ts_struct_echo, .params = struct_x_default, .returns = "TestStruct"},
    {.name = "StructEchoNullable", .fn = ts_struct_echo, .params = nullable_struct_x, .returns = "TestStruct?"},
    {.name = "CounterStruct", .fn = ts_counter_struct, .params = counter_struct_params, .returns = "TestStruct",
     .doc = "Returns a struct whose IntField counts the number of times it has been called,\n"
            "so that a stream on it changes on every update."},
    /* 26: yielding */
    {.name = "BlockingProcedure", .fn = ts_blocking_procedure, .params = blocking_procedure_params,
     .returns = "sint32"},
    /* 27-38: collections and collection defaults */
    {.name = "IncrementList", .fn = ts_increment_list, .params = int_list, .returns = "list(sint32)"},
    {.name = "IncrementDictionary", .fn = ts_increment_dictionary, .params = string_int_dictionary,
     .returns = "dict(string,sint32)"},
    {.name = "IncrementSet", .fn = ts_increment_set, .params = int_set, .returns = "set(sint32)"},
    {.name = "IncrementTuple", .fn = ts_increment_tuple, .params = int_long_tuple,
     .returns = "tuple(sint32,sint64)"},
    {.name = "IncrementNestedCollection", .fn = ts_increment_nested_collection, .params = nested_collection,
     .returns = "dict(string,list(sint32))"},
    {.name = "TupleDefault", .fn = ts_echo_scalar_collection, .params = tuple_default,
     .returns = "tuple(sint32,bool)"},
    {.name = "ListDefault", .fn = ts_echo_scalar_collection, .params = list_default, .returns = "list(sint32)"},
    {.name = "SetDefault", .fn = ts_echo_scalar_collection, .params = set_default, .returns = "set(sint32)"},
    {.name = "DictionaryDefault", .fn = ts_echo_dictionary_default, .params = dictionary_default,
     .returns = "dict(sint32,bool)"},
    {.name = "EnumListDefault", .fn = ts_echo_scalar_collection, .params = enum_list_default,
     .returns = "list(TestEnum)"},
    {.name = "EmptyListDefault", .fn = ts_echo_string_list, .params = empty_list_default,
     .returns = "list(string)"},
    {.name = "AddToObjectList", .fn = ts_add_to_object_list, .params = add_to_object_list_params,
     .returns = "list(TestClass)"},
    /* 39-48: counters and errors */
    {.name = "Counter", .fn = ts_counter, .params = counter_params, .returns = "sint32"},
    {.name = "ThrowInvalidOperationException", .fn = ts_throw_invalid_operation_exception, .returns = "sint32"},
    {.name = "ResetInvalidOperationExceptionLater", .fn = ts_reset_invalid_operation_exception_later},
    {.name = "ThrowInvalidOperationExceptionLater", .fn = ts_throw_invalid_operation_exception_later,
     .returns = "sint32"},
    {.name = "ThrowArgumentException", .fn = ts_throw_argument_exception, .returns = "sint32"},
    {.name = "ThrowArgumentNullException", .fn = ts_throw_argument_null_exception, .params = string_foo,
     .returns = "sint32"},
    {.name = "ThrowArgumentOutOfRangeException", .fn = ts_throw_argument_out_of_range_exception,
     .params = int32_foo, .returns = "sint32"},
    {.name = "ThrowCustomException", .fn = ts_throw_custom_exception, .returns = "sint32"},
    {.name = "ResetCustomExceptionLater", .fn = ts_reset_custom_exception_later},
    {.name = "ThrowCustomExceptionLater", .fn = ts_throw_custom_exception_later, .returns = "sint32"},
    /* 49-50: events */
    {.name = "OnTimer", .fn = ts_on_timer, .params = on_timer_params, .returns = "event"},
    {.name = "OnTimerUsingLambda", .fn = ts_on_timer_using_lambda, .params = on_timer_using_lambda_params,
     .returns = "event"},
    /* 51-52: deprecated procedures (they work like FloatToString) */
    {.name = "DeprecatedProcedure", .fn = ts_float_to_string, .params = float_value, .returns = "string",
     .doc = "Deprecated procedure documentation string.",
     .deprecated = "Use <see cref=\"M:TestService.FloatToString\" /> instead."},
    {.name = "DeprecatedProcedureNoMessage", .fn = ts_float_to_string, .params = float_value, .returns = "string",
     .doc = "Deprecated procedure with no reason documentation string.", .deprecated = ""},
    /* 53-58: special default values */
    {.name = "DoubleSpecialDefaults", .fn = ts_double_special_defaults, .params = double_special_defaults_params,
     .returns = "list(double)", .doc = "Procedure whose defaults are the special values of double."},
    {.name = "FloatSpecialDefaults", .fn = ts_float_special_defaults, .params = float_special_defaults_params,
     .returns = "list(float)",
     .doc = "Procedure whose defaults are the special values of float, plus a finite fraction\n"
            "that no float can hold exactly."},
    {.name = "Int32SpecialDefaults", .fn = ts_int32_special_defaults, .params = int32_special_defaults_params,
     .returns = "list(sint32)", .doc = "Procedure whose defaults are the extremes of int."},
    {.name = "Int64SpecialDefaults", .fn = ts_int64_special_defaults, .params = int64_special_defaults_params,
     .returns = "list(sint64)", .doc = "Procedure whose defaults are the extremes of long."},
    {.name = "Uint32SpecialDefaults", .fn = ts_uint32_special_defaults, .params = uint32_special_defaults_params,
     .returns = "list(uint32)", .doc = "Procedure whose default is the largest uint."},
    {.name = "Uint64SpecialDefaults", .fn = ts_uint64_special_defaults, .params = uint64_special_defaults_params,
     .returns = "list(uint64)", .doc = "Procedure whose default is the largest ulong."},
    /* kRPC 0.7 (v07.c): numbered after every member older clients see */
    {.name = "DumpExpressionTree", .fn = ts_dump_expression_tree, .params = expression_param, .returns = "string",
     .doc = "A deterministic dump of the tree of a server side expression, for tests.", .flags = KRPC_V07_ONLY},
    /* kRPC 0.7 nullable positions inside values (v07.c; names from the 0.7
     * Python client's test_client.py) */
    {.name = "EchoListOfNullableInts", .fn = ts_echo_nullable_scalars, .params = nullable_ints_list,
     .returns = "list(sint32?)", .flags = KRPC_V07_ONLY},
    {.name = "EchoListOfNullableObjects", .fn = ts_echo_nullable_scalars, .params = nullable_objects_list,
     .returns = "list(TestClass?)", .flags = KRPC_V07_ONLY},
    {.name = "EchoDictionaryOfNullableObjects", .fn = ts_echo_dictionary_of_nullable_objects,
     .params = nullable_objects_dict, .returns = "dict(string,TestClass?)", .flags = KRPC_V07_ONLY},
    {.name = "EchoTupleWithANullableObject", .fn = ts_echo_nullable_scalars, .params = nullable_object_tuple,
     .returns = "tuple(sint32,TestClass?)", .flags = KRPC_V07_ONLY},
    {.name = "EchoNestedListOfNullableObjects", .fn = ts_echo_nested_list_of_nullable_objects,
     .params = nested_nullable_objects_list, .returns = "list(list(TestClass?))", .flags = KRPC_V07_ONLY},
    {.name = "NullableStructEcho", .fn = ts_nullable_struct_echo, .params = test_nullable_struct_x,
     .returns = "TestNullableStruct", .flags = KRPC_V07_ONLY},
    {.name = "EchoNestedNullableStruct", .fn = ts_echo_nested_nullable_struct, .params = nested_nullable_struct_x,
     .returns = "TestNestedNullableStruct", .flags = KRPC_V07_ONLY},
    END,
};

/* ---- TestService properties (ids 59-68) ------------------------------- */

static const char property_doc[] = "Property documentation string.";

static const krpc_property_decl test_service_properties[] = {
    {.name = "StringProperty", .type = "string", .get = ts_get_string_property, .set = ts_set_string_property,
     .doc = property_doc},
    {.name = "StringPropertyPrivateGet", .type = "string", .set = ts_set_string_property_private_get},
    {.name = "StringPropertyPrivateSet", .type = "string", .get = ts_get_string_property_private_set},
    {.name = "ObjectProperty", .type = "TestClass?", .get = ts_get_object_property, .set = ts_set_object_property},
    {.name = "NullableObject", .type = "TestClass?", .get = ts_get_nullable_object, .set = ts_set_nullable_object},
    {.name = "DeprecatedProperty", .type = "string", .get = ts_get_deprecated_property,
     .set = ts_set_deprecated_property, .doc = "Deprecated property documentation string.",
     .deprecated = "Use <see cref=\"M:TestService.StringProperty\" /> instead."},
    END,
};

/* ---- classes (ids 69-82) ---------------------------------------------- */

static const krpc_procedure_decl test_class_methods[] = {
    /* 69-73: instance methods */
    {.name = "GetValue", .fn = ts_test_class_get_value, .returns = "string", .doc = "Method documentation string."},
    {.name = "FloatToString", .fn = ts_test_class_float_to_string, .params = class_float_x, .returns = "string"},
    {.name = "ObjectToString", .fn = ts_test_class_object_to_string, .params = class_other, .returns = "string"},
    {.name = "EchoNullableObject", .fn = ts_test_class_echo_nullable_object, .params = nullable_object_value,
     .returns = "TestClass?"},
    {.name = "OptionalArguments", .fn = ts_test_class_optional_arguments, .params = optional_arguments_params,
     .returns = "string"},
    /* 74-75: static methods */
    {.name = "StaticMethod", .fn = ts_test_class_static_method, .params = static_method_params,
     .returns = "string", .flags = KRPC_STATIC},
    {.name = "StaticNullableObject", .fn = ts_echo_value, .params = nullable_object_value,
     .returns = "TestClass?", .flags = KRPC_STATIC},
    /* kRPC 0.7 extension members (v07.c; the reference declares them outside
     * TestService, its clients see them as TestClass members) */
    {.name = "ExtensionMethod", .fn = ts_extension_method, .params = extension_method_params, .returns = "string",
     .doc = "Extension method documentation string.", .flags = KRPC_V07_ONLY},
    {.name = "ExtensionMethodReturningClassFromOtherService",
     .fn = ts_extension_method_returning_class_from_other_service, .returns = "TestService2.TestClass2",
     .flags = KRPC_V07_ONLY},
    END,
};

static const krpc_property_decl test_class_properties[] = {
    /* 76-81 */
    {.name = "IntProperty", .type = "sint32", .get = ts_test_class_get_int_property,
     .set = ts_test_class_set_int_property, .doc = property_doc},
    {.name = "ObjectProperty", .type = "TestClass?", .get = ts_test_class_get_object_property,
     .set = ts_test_class_set_object_property},
    {.name = "StringPropertyPrivateGet", .type = "string", .set = ts_test_class_set_string_property_private_get},
    {.name = "StringPropertyPrivateSet", .type = "string", .get = ts_test_class_get_string_property_private_set},
    {.name = "ExtensionProperty", .type = "string", .get = ts_extension_property,
     .doc = "Extension property documentation string.", .flags = KRPC_V07_ONLY},
    {.name = "ExtensionReadWriteProperty", .type = "sint32", .get = ts_extension_read_write_property_get,
     .set = ts_extension_read_write_property_set, .flags = KRPC_V07_ONLY},
    END,
};

static const krpc_procedure_decl deprecated_class_methods[] = {
    /* 82 */
    {.name = "DeprecatedMethod", .fn = ts_deprecated_class_deprecated_method, .returns = "string",
     .doc = "Deprecated method documentation string.",
     .deprecated = "Use <see cref=\"M:TestService.TestClass.GetValue\" /> instead."},
    END,
};

static const krpc_class_decl test_service_classes[] = {
    {.name = "TestClass", .methods = test_class_methods, .properties = test_class_properties,
     .doc = "Class documentation string.", .equals = ts_test_object_equals, .hash = ts_test_object_hash,
     .release = ts_test_object_release},
    /* No procedure returns a DeprecatedClass, so the plugin never owns one:
     * no release function. */
    {.name = "DeprecatedClass", .methods = deprecated_class_methods, .doc = "Deprecated class documentation string.",
     .deprecated = "Use <see cref=\"T:TestService.TestClass\" /> instead.", .equals = ts_deprecated_object_equals,
     .hash = ts_deprecated_object_hash},
    END,
};

/* ---- enumerations, exceptions, structures ----------------------------- */

static const krpc_enum_value_decl test_enum_values[] = {
    {.name = "ValueA", .value = TS_TEST_ENUM_VALUE_A, .doc = "Enum ValueA documentation string."},
    {.name = "ValueB", .value = TS_TEST_ENUM_VALUE_B, .doc = "Enum ValueB documentation string."},
    {.name = "ValueC", .value = TS_TEST_ENUM_VALUE_C, .doc = "Enum ValueC documentation string."},
    END,
};

static const krpc_enum_value_decl deprecated_enum_values[] = {
    {.name = "ValueA", .value = 0, .doc = "Deprecated enum ValueA documentation string."},
    {.name = "ValueB", .value = 1, .doc = "Deprecated enum ValueB documentation string.",
     .deprecated = "Use <see cref=\"M:TestService.DeprecatedEnum.ValueA\" /> instead."},
    END,
};

static const krpc_enum_decl test_service_enums[] = {
    {.name = "TestEnum", .values = test_enum_values, .doc = "Enum documentation string."},
    {.name = "DeprecatedEnum", .values = deprecated_enum_values, .doc = "Deprecated enum documentation string.",
     .deprecated = "Use <see cref=\"T:TestService.TestEnum\" /> instead."},
    END,
};

static const krpc_exception_decl test_service_exceptions[] = {
    {.name = "CustomException"},
    {.name = "DeprecatedException", .doc = "Deprecated exception documentation string.",
     .deprecated = "Use CustomException instead."},
    END,
};

/* Field order is encoding order; testservice.h names the positions. */
static const krpc_field_decl test_struct_fields[] = {
    {.name = "IntField", .type = "sint32", .doc = "Struct IntField documentation string."},
    {.name = "StringField", .type = "string"},
    {.name = "EnumField", .type = "TestEnum"},
    {.name = "ListField", .type = "list(sint32)"},
    END,
};

static const krpc_field_decl test_nested_struct_fields[] = {
    {.name = "StructField", .type = "TestStruct"},
    {.name = "ObjectField", .type = "TestClass"},
    {.name = "StringField", .type = "string"},
    END,
};

static const krpc_field_decl deprecated_struct_fields[] = {
    {.name = "Value", .type = "sint32", .doc = "Deprecated struct Value documentation string."},
    {.name = "OldValue", .type = "sint32", .doc = "Deprecated struct OldValue documentation string.",
     .deprecated = "Use <see cref=\"M:TestService.DeprecatedStruct.Value\" /> instead."},
    END,
};

/* kRPC 0.7: structs with nullable fields (v07.c). Only 0.7-only members use
 * them, so older clients do not see them (registry). */
static const krpc_field_decl test_nullable_struct_fields[] = {
    {.name = "IntField", .type = "sint32"},
    {.name = "NullableIntField", .type = "sint32?"},
    {.name = "NullableEnumField", .type = "TestEnum?"},
    {.name = "NullableStringField", .type = "string?"},
    {.name = "NullableObjectField", .type = "TestClass?"},
    END,
};

static const krpc_field_decl test_nested_nullable_struct_fields[] = {
    {.name = "ListField", .type = "list(TestClass?)"},
    {.name = "StringField", .type = "string"},
    END,
};

static const krpc_struct_decl test_service_structs[] = {
    {.name = "TestStruct", .fields = test_struct_fields, .doc = "Struct documentation string."},
    {.name = "TestNestedStruct", .fields = test_nested_struct_fields, .doc = "Nested struct documentation string."},
    {.name = "DeprecatedStruct", .fields = deprecated_struct_fields, .doc = "Deprecated struct documentation string.",
     .deprecated = "Use <see cref=\"T:TestService.TestStruct\" /> instead."},
    {.name = "TestNullableStruct", .fields = test_nullable_struct_fields,
     .doc = "A structure whose fields can be null."},
    {.name = "TestNestedNullableStruct", .fields = test_nested_nullable_struct_fields,
     .doc = "A structure with a field whose elements can be null."},
    END,
};

/* ---- services and the plugin ------------------------------------------ */

static const krpc_service_decl services[] = {
    {
        .name = "TestService",
        .id = 9999,
        .procedures = test_service_procedures,
        .properties = test_service_properties,
        .classes = test_service_classes,
        .enums = test_service_enums,
        .exceptions = test_service_exceptions,
        .structs = test_service_structs,
        .doc = "Service documentation string.",
        .type_namespace = "TestServer.TestService+",
    },
    {
        .name = "Benchmark",
        .id = 9998,
        .procedures = ts_benchmark_procedures,
        .type_namespace = "TestServer.Benchmark+",
        .doc = "Server-side benchmarking of the request dispatch path.\n"
               "\n"
               "Runs a procedure call in a loop inside the server, without any network I/O,\n"
               "so that the cost of argument binding, dispatch and result encoding can be measured.",
    },
    /* kRPC 0.7 (v07.c). Its only member is KRPC_V07_ONLY, so only 0.7 clients
     * see the service (registry). */
    {
        .name = "TestService2",
        .id = 9997,
        .classes = ts_test_service2_classes,
        .doc = "A second service. An extension member of TestService returns its class.",
        .type_namespace = "TestServer.TestService2+",
    },
    END,
};

static const krpc_plugin testservice_plugin = {
    .magic = KRPC_PLUGIN_MAGIC,
    .abi_version = KRPC_PLUGIN_ABI_VERSION,
    .name = "testservice",
    .version = "0.7.0",
    .services = services,
    .init = ts_state_init,
    .tick = ts_state_tick,
    .cleanup = ts_state_cleanup,
};

KRPC_PLUGIN_DEFINE(testservice_plugin)

/*
 * conversions.c - TestService value conversions (procedures 1-8, and the
 * deprecated copies of FloatToString): values to text and back, printed the
 * way the reference's .NET 8 runtime prints them.
 */
#include "testservice.h"

#include <inttypes.h>
#include <stdio.h>

#include "netfmt.h"

TS_PROCEDURE(ts_float_to_string) {
    char text[NETFMT_BUFFER_SIZE];
    size_t len = netfmt_float(args[0].u.f, text);
    ts_set_string(call, result, text, len);
    return KRPC_OK;
}

TS_PROCEDURE(ts_double_to_string) {
    char text[NETFMT_BUFFER_SIZE];
    size_t len = netfmt_double(args[0].u.d, text);
    ts_set_string(call, result, text, len);
    return KRPC_OK;
}

TS_PROCEDURE(ts_int32_to_string) {
    char text[16];
    int len = snprintf(text, sizeof text, "%" PRId32, args[0].u.i32);
    ts_set_string(call, result, text, (size_t)len);
    return KRPC_OK;
}

TS_PROCEDURE(ts_int64_to_string) {
    char text[24];
    int len = snprintf(text, sizeof text, "%" PRId64, args[0].u.i64);
    ts_set_string(call, result, text, (size_t)len);
    return KRPC_OK;
}

TS_PROCEDURE(ts_bool_to_string) {
    ts_set_cstring(call, result, args[0].u.b ? "True" : "False");
    return KRPC_OK;
}

/* Int32.Parse with NumberStyles.Integer and the invariant culture. */
typedef enum parse_outcome { PARSE_OK, PARSE_BAD_FORMAT, PARSE_OVERFLOW } parse_outcome;

static bool is_dotnet_white_space(char c) {
    return c == ' ' || (c >= '\t' && c <= '\r');
}

static bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

static parse_outcome parse_int32(const char *text, size_t len, int32_t *value) {
    size_t i = 0;
    while (i < len && is_dotnet_white_space(text[i])) {
        i++;
    }
    bool negative = false;
    if (i < len && (text[i] == '-' || text[i] == '+')) {
        negative = text[i] == '-';
        i++;
    }
    if (i == len || !is_digit(text[i])) {
        return PARSE_BAD_FORMAT;
    }
    const uint64_t limit = negative ? 2147483648u : 2147483647u;
    uint64_t magnitude = 0;
    bool overflow = false;
    for (; i < len && is_digit(text[i]); i++) {
        if (!overflow) {
            magnitude = magnitude * 10u + (uint64_t)(text[i] - '0');
            overflow = magnitude > limit;
        }
    }
    /* .NET accepts trailing white space, then trailing NUL characters; any
     * other leftover is a format error, which wins over an overflow. */
    while (i < len && is_dotnet_white_space(text[i])) {
        i++;
    }
    while (i < len && text[i] == '\0') {
        i++;
    }
    if (i < len) {
        return PARSE_BAD_FORMAT;
    }
    if (overflow) {
        return PARSE_OVERFLOW;
    }
    *value = negative ? (int32_t)(-(int64_t)magnitude) : (int32_t)magnitude;
    return PARSE_OK;
}

TS_PROCEDURE(ts_string_to_int32) {
    const krpc_value *text = &args[0];
    switch (parse_int32(text->u.s.data, text->u.s.len, &result->u.i32)) {
    case PARSE_OK:
        return KRPC_OK;
    case PARSE_OVERFLOW:
        return krpc_raise(call, KRPC_ERR_GENERIC, "Value was either too large or too small for an Int32.");
    case PARSE_BAD_FORMAT:
    default: {
        static const char prefix[] = "The input string '";
        static const char suffix[] = "' was not in a correct format.";
        const size_t size = sizeof prefix - 1 + text->u.s.len + sizeof suffix;
        char *message = krpc_alloc(call, size);
        if (message == NULL) {
            return ts_raise_out_of_memory(call);
        }
        snprintf(message, size, "%s%.*s%s", prefix, (int)text->u.s.len, text->u.s.data, suffix);
        return krpc_raise(call, KRPC_ERR_GENERIC, message);
    }
    }
}

TS_PROCEDURE(ts_bytes_to_hex_string) {
    static const char hex_digits[] = "0123456789abcdef";
    const unsigned char *bytes = (const unsigned char *)args[0].u.s.data;
    const size_t count = args[0].u.s.len;
    char *text = krpc_alloc(call, 2 * count + 1);
    if (text == NULL) {
        return ts_raise_out_of_memory(call);
    }
    for (size_t i = 0; i < count; i++) {
        text[2 * i] = hex_digits[bytes[i] >> 4];
        text[2 * i + 1] = hex_digits[bytes[i] & 0x0f];
    }
    text[2 * count] = '\0';
    result->u.s.data = text;
    result->u.s.len = 2 * count;
    return KRPC_OK;
}

TS_PROCEDURE(ts_add_multiple_values) {
    /* C#'s x + y + z with a float x: both additions round to float. */
    float sum = args[0].u.f + (float)args[1].u.i32;
    sum = sum + (float)args[2].u.i64;
    char text[NETFMT_BUFFER_SIZE];
    size_t len = netfmt_float(sum, text);
    ts_set_string(call, result, text, len);
    return KRPC_OK;
}

/*
 * netfmt.c - .NET 8 invariant float/double formatting (see netfmt.h).
 *
 * The digits: the shortest decimal that reads back as the same binary value
 * (and, among those, the one closest to it), found by trying 1, 2, ...
 * significant digits with printf's correctly rounded "%.*e" and checking the
 * round trip with strtod/strtof. The layout then follows .NET's "G" format:
 * scientific when the decimal exponent is beyond max(digits, 15) (7 for
 * float) or below -3, fixed otherwise.
 */
#include "netfmt.h"

#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A finite positive value as value = 0.d1 d2 ... dk * 10^exponent. */
typedef struct decimal {
    char digits[24]; /* d1..dk, NUL-terminated, no trailing zeros */
    int count;       /* k >= 1 */
    int exponent;
} decimal;

static bool reads_back(const char *text, double value, bool single) {
    if (single) {
        return strtof(text, NULL) == (float)value;
    }
    return strtod(text, NULL) == value;
}

static bool significand_reads_back(uint64_t significand, int power10, double value, bool single) {
    char text[48];
    snprintf(text, sizeof text, "%" PRIu64 "e%d", significand, power10);
    return reads_back(text, value, single);
}

/* Split printf's "d.ddde+XX" into an integer significand and a power of ten
 * (value = significand * 10^power10). Any decimal separator is skipped, so
 * the current locale does not matter. */
static void split_scientific(const char *text, uint64_t *significand, int *power10) {
    uint64_t digits = 0;
    int fraction_digits = 0;
    bool after_first_digit = false;
    const char *p = text;
    for (; *p != '\0' && *p != 'e' && *p != 'E'; p++) {
        if (*p >= '0' && *p <= '9') {
            digits = digits * 10u + (uint64_t)(*p - '0');
            if (after_first_digit) {
                fraction_digits++;
            }
            after_first_digit = true;
        }
    }
    int exponent = (*p != '\0') ? atoi(p + 1) : 0;
    *significand = digits;
    *power10 = exponent - fraction_digits;
}

static void set_decimal(decimal *out, uint64_t significand, int power10) {
    int length = snprintf(out->digits, sizeof out->digits, "%" PRIu64, significand);
    out->exponent = power10 + length;
    while (length > 1 && out->digits[length - 1] == '0') {
        length--;
    }
    out->digits[length] = '\0';
    out->count = length;
}

static uint64_t power_of_ten(int n) {
    uint64_t result = 1;
    while (n-- > 0) {
        result *= 10u;
    }
    return result;
}

static void shortest_decimal(double magnitude, bool single, decimal *out) {
    const int max_precision = single ? 9 : 17; /* always enough to round-trip */
    uint64_t significand = 0;
    int power10 = 0;
    for (int precision = 1; precision <= max_precision; precision++) {
        char text[48];
        snprintf(text, sizeof text, "%.*e", precision - 1, magnitude);
        split_scientific(text, &significand, &power10);
        if (reads_back(text, magnitude, single)) {
            set_decimal(out, significand, power10);
            return;
        }
        /* At a power of two the values that read back lie unevenly around
         * the number, so the closest decimal of this length may miss while
         * its neighbour on the wider side hits. */
        const uint64_t limit = power_of_ten(precision);
        uint64_t up = significand + 1u;
        int up_power = power10;
        if (up == limit) {
            up /= 10u;
            up_power++;
        }
        if (significand_reads_back(up, up_power, magnitude, single)) {
            set_decimal(out, up, up_power);
            return;
        }
        uint64_t down = significand - 1u;
        int down_power = power10;
        if (down < limit / 10u) { /* below the decade: finer steps */
            down = limit - 1u;
            down_power--;
        }
        if (significand_reads_back(down, down_power, magnitude, single)) {
            set_decimal(out, down, down_power);
            return;
        }
    }
    set_decimal(out, significand, power10);
}

static size_t copy_text(char *buffer, const char *text) {
    size_t length = strlen(text);
    memcpy(buffer, text, length + 1);
    return length;
}

/* .NET "G" layout; min_width is 15 for double and 7 for float. */
static size_t lay_out(bool negative, const decimal *number, int min_width, char *buffer) {
    char *p = buffer;
    if (negative) {
        *p++ = '-';
    }
    const int width = number->count > min_width ? number->count : min_width;
    if (number->exponent > width || number->exponent < -3) {
        *p++ = number->digits[0];
        if (number->count > 1) {
            *p++ = '.';
            memcpy(p, number->digits + 1, (size_t)(number->count - 1));
            p += number->count - 1;
        }
        const int exponent = number->exponent - 1;
        p += sprintf(p, "E%c%02d", exponent < 0 ? '-' : '+', exponent < 0 ? -exponent : exponent);
    } else if (number->exponent <= 0) {
        *p++ = '0';
        *p++ = '.';
        for (int i = 0; i < -number->exponent; i++) {
            *p++ = '0';
        }
        memcpy(p, number->digits, (size_t)number->count);
        p += number->count;
    } else if (number->exponent >= number->count) {
        memcpy(p, number->digits, (size_t)number->count);
        p += number->count;
        for (int i = number->count; i < number->exponent; i++) {
            *p++ = '0';
        }
    } else {
        memcpy(p, number->digits, (size_t)number->exponent);
        p += number->exponent;
        *p++ = '.';
        memcpy(p, number->digits + number->exponent, (size_t)(number->count - number->exponent));
        p += number->count - number->exponent;
    }
    *p = '\0';
    return (size_t)(p - buffer);
}

static size_t format_number(double value, bool single, char *buffer) {
    if (isnan(value)) {
        return copy_text(buffer, "NaN");
    }
    if (isinf(value)) {
        return copy_text(buffer, value < 0 ? "-Infinity" : "Infinity");
    }
    const bool negative = signbit(value) != 0;
    if (value == 0) {
        return copy_text(buffer, negative ? "-0" : "0"); /* .NET Core 3.0+ keeps the sign */
    }
    decimal number;
    shortest_decimal(negative ? -value : value, single, &number);
    return lay_out(negative, &number, single ? 7 : 15, buffer);
}

size_t netfmt_double(double value, char buffer[NETFMT_BUFFER_SIZE]) {
    return format_number(value, false, buffer);
}

size_t netfmt_float(float value, char buffer[NETFMT_BUFFER_SIZE]) {
    return format_number((double)value, true, buffer);
}

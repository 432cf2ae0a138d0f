/*
 * test_netfmt.c - netfmt against the .NET 8 outputs listed in
 * testservice.md section 7 (the ".NET 8" column and the values both
 * runtimes print alike). Prints every failing case; exits non-zero if any.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "netfmt.h"

typedef struct double_case {
    double value;
    const char *expected;
} double_case;

typedef struct float_case {
    float value;
    const char *expected;
} float_case;

static const double_case double_cases[] = {
    /* where .NET 8 and Mono differ: the .NET 8 column */
    {(double)3.14159f, "3.141590118408203"},
    {0.1 + 0.2, "0.30000000000000004"},
    {1.0 / 3, "0.3333333333333333"},
    {DBL_MAX, "1.7976931348623157E+308"},
    {5e-324, "5E-324"},
    {9007199254740992.0, "9007199254740992"}, /* 2^53 */
    {1.2345678901234568e17, "1.2345678901234568E+17"},
    {-0.0, "-0"},
    /* printed the same by both */
    {1e21, "1E+21"},
    {1e20, "1E+20"},
    {1e16, "1E+16"},
    {1e15, "1E+15"},
    {1e14, "100000000000000"},
    {0.1, "0.1"},
    {0.0001, "0.0001"},
    {1e-5, "1E-05"},
    {1.5e-7, "1.5E-07"},
    {NAN, "NaN"},
    {INFINITY, "Infinity"},
    {-INFINITY, "-Infinity"},
    {3.14159, "3.14159"},
    {42, "42"},
    {100, "100"},
    {1e7, "10000000"},
    {123456.789, "123456.789"},
    {4.35, "4.35"},
    /* layout details of rule 3 */
    {0.0, "0"},
    {-42, "-42"},
    {-DBL_MAX, "-1.7976931348623157E+308"},
    {-1.5e-7, "-1.5E-07"},
    {123456789012345.0, "123456789012345"},
    {1234567890123456.0, "1234567890123456"},
    {12345678901234567.0, "12345678901234568"},
    {DBL_MIN, "2.2250738585072014E-308"},
    {0.001234, "0.001234"},
    {0.00015, "0.00015"},
    {1e-4 * 1.5, "0.00015000000000000001"},
    {1e100, "1E+100"},
};

static const float_case float_cases[] = {
    /* where .NET 8 and Mono differ: the .NET 8 column */
    {-0.0f, "-0"},
    {FLT_MAX, "3.4028235E+38"},
    {1.4e-45f, "1E-45"},
    {16777215.0f, "16777215"},
    {1.0f / 3, "0.33333334"},
    /* printed the same by both */
    {0.1f, "0.1"},
    {3.14159f, "3.14159"},
    {42.0f, "42"},
    {1e7f, "1E+07"},
    {1e8f, "1E+08"},
    {1e19f, "1E+19"},
    {0.01f, "0.01"},
    {0.0001f, "0.0001"},
    {100000.0f, "100000"},
    {1000000.0f, "1000000"},
    {1.0f, "1"},
    {NAN, "NaN"},
    {INFINITY, "Infinity"},
    {-INFINITY, "-Infinity"},
    /* layout details of rule 3 */
    {0.0f, "0"},
    {-FLT_MAX, "-3.4028235E+38"},
    {FLT_MIN, "1.1754944E-38"},
    {1234567.0f, "1234567"},
    {12345678.0f, "12345678"},
    {1e-5f, "1E-05"},
};

int main(void) {
    int failures = 0;
    char text[NETFMT_BUFFER_SIZE];
    for (size_t i = 0; i < sizeof double_cases / sizeof double_cases[0]; i++) {
        const double_case *c = &double_cases[i];
        size_t length = netfmt_double(c->value, text);
        if (strcmp(text, c->expected) != 0 || length != strlen(c->expected)) {
            printf("FAIL double %.17g: got \"%s\" (length %zu), expected \"%s\"\n", c->value, text,
                   length, c->expected);
            failures++;
        }
    }
    for (size_t i = 0; i < sizeof float_cases / sizeof float_cases[0]; i++) {
        const float_case *c = &float_cases[i];
        size_t length = netfmt_float(c->value, text);
        if (strcmp(text, c->expected) != 0 || length != strlen(c->expected)) {
            printf("FAIL float %.9g: got \"%s\" (length %zu), expected \"%s\"\n", (double)c->value,
                   text, length, c->expected);
            failures++;
        }
    }
    size_t total = sizeof double_cases / sizeof double_cases[0] + sizeof float_cases / sizeof float_cases[0];
    printf("netfmt: %zu cases, %d failed\n", total, failures);
    return failures == 0 ? 0 : 1;
}

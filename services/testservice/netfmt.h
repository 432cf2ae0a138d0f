/*
 * netfmt.h - float and double to text exactly as .NET 8 prints them with the
 * invariant culture (value.ToString()): the shortest digits that read back as
 * the same binary value, laid out in fixed or scientific notation by .NET's
 * "G" rules (testservice.md section 7).
 */
#ifndef KRPC_TESTSERVICE_NETFMT_H
#define KRPC_TESTSERVICE_NETFMT_H

#include <stddef.h>

/* Large enough for any output, e.g. "-1.7976931348623157E+308" or
 * "-0.00012345678901234567", plus the terminating NUL. */
#define NETFMT_BUFFER_SIZE 32

/* Write value into buffer (NUL-terminated) and return the text's length. */
size_t netfmt_double(double value, char buffer[NETFMT_BUFFER_SIZE]);
size_t netfmt_float(float value, char buffer[NETFMT_BUFFER_SIZE]);

#endif

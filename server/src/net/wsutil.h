/* Small pieces of the WebSocket handshake and framing (RFC 6455), separate
 * from the connection logic so the unit tests reach them: SHA-1 and base64
 * for Sec-WebSocket-Accept, strict base64 decoding (as .NET's
 * Convert.FromBase64String), percent-decoding of query strings, UTF-8
 * validation of text frames and close reasons. */
#ifndef KRPC_WSUTIL_H
#define KRPC_WSUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void ws_sha1(const uint8_t *data, size_t len, uint8_t out[20]);

/* Standard base64 with padding; out needs 4 * ((len + 2) / 3) + 1 bytes. */
size_t ws_base64_encode(const uint8_t *data, size_t len, char *out);
/* Strict standard base64 (length a multiple of 4, '=' padding only at the
 * end). Returns the decoded length, or -1 if invalid or over outcap. */
long ws_base64_decode(const char *s, size_t len, uint8_t *out, size_t outcap);

/* The Sec-WebSocket-Accept value for a key (28 characters + NUL). */
void ws_accept_key(const char *key, size_t keylen, char out[29]);

/* Percent-decode s[0..len) into out (room for len bytes): "%XX" becomes the
 * byte, an invalid escape stays as it is, '+' stays '+'. Returns the length. */
size_t ws_percent_decode(const char *s, size_t len, char *out);

/* Whether p[0..n) is valid UTF-8. With truncated_ok, a sequence cut short at
 * the end is accepted (a text message arriving in fragments); *complete then
 * gets the length of the part known to be whole. */
bool ws_utf8_valid(const uint8_t *p, size_t n, bool truncated_ok, size_t *complete);

#endif

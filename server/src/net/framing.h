/* Varint length-prefixed messages (TCP, local socket, serial): transports.md 1.2. */
#ifndef KRPC_FRAMING_H
#define KRPC_FRAMING_H

#include <stddef.h>
#include <stdint.h>

typedef enum frame_status {
    FRAME_INCOMPLETE = 0, /* need more bytes */
    FRAME_OK = 1,         /* *header + *len bytes form one message */
    FRAME_MALFORMED = -1, /* prefix longer than 5 bytes or with bit 31 set */
    FRAME_TOO_LARGE = -2, /* length over the configured limit */
} frame_status;

/* Look for one complete message at the start of p[0..n). */
frame_status frame_parse(const uint8_t *p, size_t n, size_t max_len, size_t *header, size_t *len);

#endif

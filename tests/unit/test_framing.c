/* Varint framing (transports.md 1.2): complete, split and coalesced input,
 * long prefixes, lengths over the limit. */
#include "check.h"
#include "net/framing.h"
#include "util/varint.h"

#include <string.h>

int main(void) {
    size_t h, n;
    const uint8_t empty[] = {0x00};
    CHECK(frame_parse(empty, 1, 100, &h, &n) == FRAME_OK && h == 1 && n == 0);
    CHECK(frame_parse(empty, 0, 100, &h, &n) == FRAME_INCOMPLETE);

    /* a message split at every byte is incomplete until its last byte */
    uint8_t msg[300];
    size_t hl = varint_encode(msg, 290);
    memset(msg + hl, 0xab, 290);
    for (size_t i = 0; i < hl + 290; i++)
        CHECK(frame_parse(msg, i, 1000, &h, &n) == FRAME_INCOMPLETE);
    CHECK(frame_parse(msg, hl + 290, 1000, &h, &n) == FRAME_OK && h == 2 && n == 290);

    /* two messages in one buffer: the first is found, the rest stays */
    uint8_t two[] = {0x02, 0x01, 0x02, 0x01, 0x09};
    CHECK(frame_parse(two, sizeof two, 100, &h, &n) == FRAME_OK && h == 1 && n == 2);
    CHECK(frame_parse(two + 3, 2, 100, &h, &n) == FRAME_OK && n == 1);

    /* a 5-byte prefix for a small length is valid; longer ones are not */
    const uint8_t five[] = {0x83, 0x80, 0x80, 0x80, 0x00, 1, 2, 3};
    CHECK(frame_parse(five, sizeof five, 100, &h, &n) == FRAME_OK && h == 5 && n == 3);
    const uint8_t six[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x01};
    CHECK(frame_parse(six, sizeof six, 100, &h, &n) == FRAME_MALFORMED);
    /* bit 31 set: not an int32 */
    const uint8_t big[] = {0xff, 0xff, 0xff, 0xff, 0x0f};
    CHECK(frame_parse(big, sizeof big, SIZE_MAX, &h, &n) == FRAME_MALFORMED);
    /* over the limit, known before the body arrives */
    const uint8_t over[] = {0xe9, 0x07};
    CHECK(frame_parse(over, sizeof over, 1000, &h, &n) == FRAME_TOO_LARGE);
    CHECK(frame_parse(over, sizeof over, 1001, &h, &n) == FRAME_INCOMPLETE);

    /* varints: 10-byte values, truncation, overlong */
    uint8_t v[12];
    uint64_t x;
    CHECK(varint_encode(v, UINT64_MAX) == 10);
    CHECK(varint_decode(v, 10, &x) == 10 && x == UINT64_MAX);
    CHECK(varint_decode(v, 9, &x) == 0);
    memset(v, 0x80, 11);
    v[11] = 0;
    CHECK(varint_decode(v, 12, &x) == -1);
    CHECK(zigzag32(-33) == 0x41 && unzigzag32(0x41) == -33);
    CHECK(zigzag64(INT64_MIN) == UINT64_MAX && unzigzag64(UINT64_MAX) == INT64_MIN);
    return checks_report();
}

#include "net/framing.h"

frame_status frame_parse(const uint8_t *p, size_t n, size_t max_len, size_t *header, size_t *len) {
    uint64_t v = 0;
    for (size_t i = 0; i < 5; i++) {
        if (i == n)
            return FRAME_INCOMPLETE;
        v |= (uint64_t)(p[i] & 0x7f) << (7 * i);
        if (!(p[i] & 0x80)) {
            if (v > 0x7fffffffu)
                return FRAME_MALFORMED; /* the reference reads an int32 */
            if (v > max_len)
                return FRAME_TOO_LARGE;
            if (n - (i + 1) < v)
                return FRAME_INCOMPLETE;
            *header = i + 1;
            *len = (size_t)v;
            return FRAME_OK;
        }
    }
    return FRAME_MALFORMED;
}

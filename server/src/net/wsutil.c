/* See wsutil.h. */
#include "net/wsutil.h"

#include <string.h>

/* ---- SHA-1 (FIPS 180-4) ----------------------------------------------------- */

static uint32_t rol(uint32_t v, int n) { return (v << n) | (v >> (32 - n)); }

static void sha1_block(uint32_t h[5], const uint8_t *b) {
    uint32_t w[80];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)b[4 * i] << 24 | (uint32_t)b[4 * i + 1] << 16 | (uint32_t)b[4 * i + 2] << 8 | b[4 * i + 3];
    for (int i = 16; i < 80; i++)
        w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    uint32_t a = h[0], bb = h[1], c = h[2], d = h[3], e = h[4];
    for (int i = 0; i < 80; i++) {
        uint32_t f, k;
        if (i < 20) {
            f = (bb & c) | (~bb & d);
            k = 0x5a827999;
        } else if (i < 40) {
            f = bb ^ c ^ d;
            k = 0x6ed9eba1;
        } else if (i < 60) {
            f = (bb & c) | (bb & d) | (c & d);
            k = 0x8f1bbcdc;
        } else {
            f = bb ^ c ^ d;
            k = 0xca62c1d6;
        }
        uint32_t t = rol(a, 5) + f + e + k + w[i];
        e = d;
        d = c;
        c = rol(bb, 30);
        bb = a;
        a = t;
    }
    h[0] += a;
    h[1] += bb;
    h[2] += c;
    h[3] += d;
    h[4] += e;
}

void ws_sha1(const uint8_t *data, size_t len, uint8_t out[20]) {
    uint32_t h[5] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0};
    size_t i = 0;
    for (; i + 64 <= len; i += 64)
        sha1_block(h, data + i);
    uint8_t tail[128];
    size_t rest = len - i;
    memcpy(tail, data + i, rest);
    tail[rest] = 0x80;
    size_t total = rest + 9 <= 64 ? 64 : 128;
    memset(tail + rest + 1, 0, total - rest - 1);
    uint64_t bits = (uint64_t)len * 8;
    for (int j = 0; j < 8; j++)
        tail[total - 1 - j] = (uint8_t)(bits >> (8 * j));
    sha1_block(h, tail);
    if (total == 128)
        sha1_block(h, tail + 64);
    for (int j = 0; j < 5; j++) {
        out[4 * j] = (uint8_t)(h[j] >> 24);
        out[4 * j + 1] = (uint8_t)(h[j] >> 16);
        out[4 * j + 2] = (uint8_t)(h[j] >> 8);
        out[4 * j + 3] = (uint8_t)h[j];
    }
}

/* ---- base64 ------------------------------------------------------------------- */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t ws_base64_encode(const uint8_t *data, size_t len, char *out) {
    size_t o = 0;
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)data[i] << 16;
        if (i + 1 < len)
            v |= (uint32_t)data[i + 1] << 8;
        if (i + 2 < len)
            v |= data[i + 2];
        out[o++] = b64[v >> 18];
        out[o++] = b64[(v >> 12) & 63];
        out[o++] = i + 1 < len ? b64[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < len ? b64[v & 63] : '=';
    }
    out[o] = '\0';
    return o;
}

static int b64_value(char c) {
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

long ws_base64_decode(const char *s, size_t len, uint8_t *out, size_t outcap) {
    if (len % 4)
        return -1;
    size_t pad = 0;
    if (len && s[len - 1] == '=')
        pad++;
    if (len > 1 && s[len - 2] == '=')
        pad++;
    size_t n = len / 4 * 3 - pad;
    if (n > outcap)
        return -1;
    size_t o = 0;
    for (size_t i = 0; i < len; i += 4) {
        uint32_t v = 0;
        for (size_t j = 0; j < 4; j++) {
            char c = s[i + j];
            int x;
            if (c == '=' && i + 4 == len && j >= 4 - pad)
                x = 0;
            else if ((x = b64_value(c)) < 0)
                return -1;
            v = v << 6 | (uint32_t)x;
        }
        uint8_t bytes[3] = {(uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
        for (int j = 0; j < 3 && o < n; j++)
            out[o++] = bytes[j];
    }
    return (long)n;
}

void ws_accept_key(const char *key, size_t keylen, char out[29]) {
    static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    uint8_t buf[256];
    size_t n = keylen < sizeof buf - (sizeof guid - 1) ? keylen : sizeof buf - (sizeof guid - 1);
    memcpy(buf, key, n);
    memcpy(buf + n, guid, sizeof guid - 1);
    uint8_t digest[20];
    ws_sha1(buf, n + sizeof guid - 1, digest);
    ws_base64_encode(digest, 20, out);
}

/* ---- query strings ------------------------------------------------------------- */

static int hex_value(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

size_t ws_percent_decode(const char *s, size_t len, char *out) {
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        int hi, lo;
        if (s[i] == '%' && i + 2 < len && (hi = hex_value(s[i + 1])) >= 0 && (lo = hex_value(s[i + 2])) >= 0) {
            out[o++] = (char)(hi << 4 | lo);
            i += 2;
        } else {
            out[o++] = s[i];
        }
    }
    return o;
}

/* ---- UTF-8 ---------------------------------------------------------------------- */

bool ws_utf8_valid(const uint8_t *p, size_t n, bool truncated_ok, size_t *complete) {
    size_t i = 0;
    while (i < n) {
        uint8_t c = p[i];
        size_t need;
        uint32_t min, cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            need = 1;
            min = 0x80;
            cp = c & 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            need = 2;
            min = 0x800;
            cp = c & 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
            need = 3;
            min = 0x10000;
            cp = c & 0x07;
        } else {
            return false;
        }
        size_t j = 1;
        for (; j <= need && i + j < n; j++) {
            if ((p[i + j] & 0xc0) != 0x80)
                return false;
            cp = cp << 6 | (p[i + j] & 0x3f);
        }
        if (j <= need) {
            /* cut short at the end: acceptable only if what is there could
             * still become a valid character */
            if (!truncated_ok)
                return false;
            uint32_t lo = cp << (6 * (need + 1 - j)), hi = lo | ((1u << (6 * (need + 1 - j))) - 1);
            if (hi < min || lo > 0x10ffff || (lo >= 0xd800 && hi <= 0xdfff))
                return false;
            if (complete)
                *complete = i;
            return true;
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += need + 1;
    }
    if (complete)
        *complete = n;
    return true;
}

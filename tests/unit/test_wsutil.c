/* The WebSocket helpers: SHA-1, base64 both ways (strict, as the reference's
 * .NET decoder), the Sec-WebSocket-Accept of the RFC sample, query-string
 * percent-decoding ('+' kept, bad escapes kept) and UTF-8 validation with
 * and without a truncated tail. */
#include "check.h"
#include "net/wsutil.h"

#include <string.h>

static void hex(const uint8_t *d, size_t n, char *out) {
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", d[i]);
}

static void sha1(void) {
    uint8_t d[20];
    char h[41];
    ws_sha1((const uint8_t *)"abc", 3, d);
    hex(d, 20, h);
    CHECK(!strcmp(h, "a9993e364706816aba3e25717850c26c9cd0d89d"));
    ws_sha1((const uint8_t *)"", 0, d);
    hex(d, 20, h);
    CHECK(!strcmp(h, "da39a3ee5e6b4b0d3255bfef95601890afd80709"));
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"; /* 56 bytes: two blocks */
    ws_sha1((const uint8_t *)two, strlen(two), d);
    hex(d, 20, h);
    CHECK(!strcmp(h, "84983e441c3bd26ebaae4aa1f95129e5e54670f1"));
    uint8_t million[1000];
    memset(million, 'a', sizeof million);
    ws_sha1(million, sizeof million, d);
    hex(d, 20, h);
    CHECK(!strcmp(h, "291e9a6c66994949b57ba5e650361e98fc36b1ba"));
}

static void base64(void) {
    char out[64];
    CHECK(ws_base64_encode((const uint8_t *)"", 0, out) == 0 && !strcmp(out, ""));
    ws_base64_encode((const uint8_t *)"f", 1, out);
    CHECK(!strcmp(out, "Zg=="));
    ws_base64_encode((const uint8_t *)"fo", 2, out);
    CHECK(!strcmp(out, "Zm8="));
    ws_base64_encode((const uint8_t *)"foobar", 6, out);
    CHECK(!strcmp(out, "Zm9vYmFy"));
    uint8_t b[32];
    CHECK(ws_base64_decode("Zm9vYmE=", 8, b, sizeof b) == 5 && !memcmp(b, "fooba", 5));
    CHECK(ws_base64_decode("Zg==", 4, b, sizeof b) == 1 && b[0] == 'f');
    CHECK(ws_base64_decode("", 0, b, sizeof b) == 0);
    CHECK(ws_base64_decode("Zg", 2, b, sizeof b) == -1);       /* padding required */
    CHECK(ws_base64_decode("Z=g=", 4, b, sizeof b) == -1);     /* '=' inside */
    CHECK(ws_base64_decode("Zm9v YmE", 8, b, sizeof b) == -1); /* not the alphabet */
    CHECK(ws_base64_decode("Zm9vYmFy", 8, b, 5) == -1);        /* over the room */
    CHECK(ws_base64_decode("dGhlIHNhbXBsZSBub25jZQ==", 24, b, sizeof b) == 16);
    CHECK(ws_base64_decode("+/+/", 4, b, sizeof b) == 3 && b[0] == 0xfb && b[1] == 0xff && b[2] == 0xbf);
    char acc[29];
    ws_accept_key("dGhlIHNhbXBsZSBub25jZQ==", 24, acc);
    CHECK(!strcmp(acc, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
}

static void percent(void) {
    char out[64];
    const char *cases[][2] = {{"a+b%20c%2B", "a+b c+"}, {"%zz", "%zz"},  {"%", "%"},
                              {"%4", "%4"},             {"%41", "A"},    {"%e2%84%A2", "\xe2\x84\xa2"},
                              {"x=y", "x=y"},           {"", ""}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n = ws_percent_decode(cases[i][0], strlen(cases[i][0]), out);
        out[n] = '\0';
        CHECK(!strcmp(out, cases[i][1]));
    }
}

static void utf8(void) {
    size_t ok;
#define V(s, t) ws_utf8_valid((const uint8_t *)(s), sizeof(s) - 1, (t), &ok)
    CHECK(V("hello", false) && ok == 5);
    CHECK(V("\xe2\x84\xa2", false));
    CHECK(V("\xf0\x9f\x98\x80", false));
    CHECK(!V("\xff", false));
    CHECK(!V("\xc0\x80", false));         /* overlong */
    CHECK(!V("\xed\xa0\x80", false));     /* surrogate */
    CHECK(!V("\xf4\x90\x80\x80", false)); /* over U+10FFFF */
    CHECK(!V("\xe2\x84", false));         /* cut short */
    CHECK(V("ab\xe2\x84", true) && ok == 2);
    CHECK(V("ab\xf0", true) && ok == 2);
    CHECK(!V("ab\xed\xa0", true)); /* can only become a surrogate */
    CHECK(!V("ab\xf4\x90", true)); /* can only go over U+10FFFF */
    CHECK(!V("\xe2\x28\xa1", true));
#undef V
}

int main(void) {
    sha1();
    base64();
    percent();
    utf8();
    return checks_report();
}

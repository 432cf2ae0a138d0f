/* A minimal check macro for the C unit tests: counts, prints failures, and
 * ends with the "N passed, N failed" line. */
#ifndef KRPC_TEST_CHECK_H
#define KRPC_TEST_CHECK_H

#include <stdio.h>

static int checks_passed, checks_failed;

#define CHECK(cond)                                                                \
    do {                                                                           \
        if (cond) {                                                                \
            checks_passed++;                                                       \
        } else {                                                                   \
            checks_failed++;                                                       \
            fprintf(stdout, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);        \
        }                                                                          \
    } while (0)

static inline int checks_report(void) {
    printf("%d passed, %d failed\n", checks_passed, checks_failed);
    return checks_failed ? 1 : 0;
}

#endif

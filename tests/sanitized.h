/*
 * sanitized.h - SANITIZED is 1 in a build under AddressSanitizer (the
 * CI's Debug sanitizer build, 7 to 10 times slower), else 0, so that the
 * long statistical tests can shorten their runs there. Detected at compile
 * time: __SANITIZE_ADDRESS__ on GCC, __has_feature on Clang.
 */
#ifndef TESTS_SANITIZED_H
#define TESTS_SANITIZED_H

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

#endif

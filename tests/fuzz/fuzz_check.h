// FUZZ_CHECK(cond): the fuzz targets' assertion. Unlike assert() it stays on
// in optimised builds, and abort() makes libFuzzer save the input as a crash.
//
// Example:
//   FUZZ_CHECK(after.ok() && *after == after_id);
#ifndef SAMENSPEL_TESTS_FUZZ_FUZZ_CHECK_H_
#define SAMENSPEL_TESTS_FUZZ_FUZZ_CHECK_H_

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(cond)                                                                 \
  do {                                                                                   \
    if (!(cond)) {                                                                       \
      std::fprintf(stderr, "%s:%d: FUZZ_CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                      \
    }                                                                                    \
  } while (0)

#endif  // SAMENSPEL_TESTS_FUZZ_FUZZ_CHECK_H_

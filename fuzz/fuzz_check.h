// What a fuzz target does when a property fails: print it and abort, so
// libFuzzer saves the input as a crash and the replay test fails.
#ifndef TRACKD_FUZZ_FUZZ_CHECK_H_
#define TRACKD_FUZZ_FUZZ_CHECK_H_

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(condition, ...)                                                            \
  do {                                                                                        \
    if (!(condition)) {                                                                       \
      std::fprintf(stderr, "%s:%d: FUZZ_CHECK(%s) failed: ", __FILE__, __LINE__, #condition); \
      std::fprintf(stderr, __VA_ARGS__);                                                      \
      std::fprintf(stderr, "\n");                                                             \
      std::abort();                                                                           \
    }                                                                                         \
  } while (0)

#endif  // TRACKD_FUZZ_FUZZ_CHECK_H_

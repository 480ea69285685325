// Clock: where trackd's logic reads the time of day and waits for a deadline.
//
// Backoff, retry, reload and rate-limit logic reads the time through a Clock
// rather than absl::Now(), so tests drive it with a fake clock (tests/fake_clock.h)
// instead of waiting in real time, as the FileSystem interface lets them fail
// disk operations on purpose. A wait is always for a deadline on the same clock,
// made while holding an absl::Mutex until a condition holds: a fake clock can
// then wake the waiter when it moves past the deadline, and Stop-style flags set
// under that mutex end the wait at once.
#ifndef TRACKD_COMMON_CLOCK_H_
#define TRACKD_COMMON_CLOCK_H_

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace trackd {

// Implementations are thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;

  // The real clock (absl::Now and the mutex's own timed wait). Never destroyed.
  static Clock& Real();

  virtual absl::Time Now() const = 0;

  // With `mu` held, waits until `condition` holds or Now() reaches `deadline`,
  // whichever comes first, and returns with `mu` held. Returns true when
  // `condition` holds on return. Like any wait, it may release `mu` meanwhile;
  // `condition` must be a function of state guarded by `mu`.
  virtual bool AwaitWithDeadline(absl::Mutex& mu, const absl::Condition& condition,
                                 absl::Time deadline) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) = 0;
};

}  // namespace trackd

#endif  // TRACKD_COMMON_CLOCK_H_

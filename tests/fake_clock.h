// FakeClock: a Clock that moves only when a test moves it.
//
// Now() stands still until Advance(). A waiter in AwaitWithDeadline is
// registered with its deadline, so a test can see that something waits and
// until when (NextDeadline), and Advance() wakes it: it locks and unlocks each
// waiter's mutex, which makes absl re-evaluate the waiter's condition against
// the new time. Nothing in it waits in real time.
#ifndef TRACKD_TESTS_FAKE_CLOCK_H_
#define TRACKD_TESTS_FAKE_CLOCK_H_

#include <map>
#include <optional>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "trackd/common/clock.h"

namespace trackd::testing {

// Thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(absl::Time start) : now_(start) {}

  absl::Time Now() const override {
    absl::MutexLock lock(&time_mu_);  // Taken last: never held while taking another.
    return now_;
  }

  // Moves the time by `delta` (which may be negative) and wakes the waiters
  // whose deadline it reached.
  void Advance(absl::Duration delta) {
    {
      absl::MutexLock lock(&time_mu_);
      now_ += delta;
    }
    // Holding registry_mu_ keeps each waiter's mutex alive while it is touched:
    // a waiter deregisters (with its own mutex released) before it returns.
    absl::MutexLock lock(&registry_mu_);
    for (const auto& [mu, deadline] : waiters_) {
      mu->Lock();
      mu->Unlock();  // absl re-evaluates the conditions waiting on `mu`.
    }
  }

  // How many threads wait in AwaitWithDeadline.
  size_t waiters() const {
    absl::MutexLock lock(&registry_mu_);
    return waiters_.size();
  }

  // Waits, at most `limit` in real time, until `count` threads wait on this
  // clock. Returns whether they do.
  bool AwaitWaiters(size_t count, absl::Duration limit = absl::Seconds(30)) const {
    absl::MutexLock lock(&registry_mu_);
    const auto enough = [&] { return waiters_.size() >= count; };
    return registry_mu_.AwaitWithTimeout(absl::Condition(&enough), limit);
  }

  // The earliest deadline anyone waits for; nullopt when nobody waits.
  std::optional<absl::Time> NextDeadline() const {
    absl::MutexLock lock(&registry_mu_);
    std::optional<absl::Time> next;
    for (const auto& [mu, deadline] : waiters_) {
      if (!next.has_value() || deadline < *next) next = deadline;
    }
    return next;
  }

  bool AwaitWithDeadline(absl::Mutex& mu, const absl::Condition& condition,
                         absl::Time deadline) override ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    // The registry is only taken with `mu` released: Advance holds it while it
    // locks waiters' mutexes. Registering before the wait loses no Advance:
    // the wait's first evaluation already reads the new time.
    mu.Unlock();
    std::multimap<absl::Mutex*, absl::Time>::iterator self;
    {
      absl::MutexLock lock(&registry_mu_);
      self = waiters_.emplace(&mu, deadline);
    }
    mu.Lock();
    struct Wake {
      const FakeClock* clock;
      const absl::Condition* condition;
      absl::Time deadline;
      bool operator()() const { return condition->Eval() || clock->Now() >= deadline; }
    } wake{this, &condition, deadline};
    mu.Await(absl::Condition(&wake));
    mu.Unlock();
    {
      absl::MutexLock lock(&registry_mu_);
      waiters_.erase(self);
    }
    mu.Lock();
    return condition.Eval();
  }

 private:
  mutable absl::Mutex time_mu_;
  absl::Time now_ ABSL_GUARDED_BY(time_mu_);
  mutable absl::Mutex registry_mu_;
  std::multimap<absl::Mutex*, absl::Time> waiters_ ABSL_GUARDED_BY(registry_mu_);
};

}  // namespace trackd::testing

#endif  // TRACKD_TESTS_FAKE_CLOCK_H_

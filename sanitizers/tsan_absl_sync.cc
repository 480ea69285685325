// Makes Debian's (uninstrumented) absl synchronization visible to
// ThreadSanitizer. Linked only into -DTRACKD_SANITIZE=thread builds.
//
// libabsl_synchronization.so is not built with -fsanitize=thread, so TSan
// cannot see that absl::Mutex::Unlock on one thread happens before
// absl::Mutex::Lock on another: every variable guarded by an absl::Mutex in
// our code is reported as a data race (checked with a two-thread counter).
// Suppressing those reports would mean suppressing our own code. Instead this
// file defines the few absl entry points our code calls, in the executable, so
// they win over the shared library's; each tells TSan the happens-before edge
// (__tsan_acquire / __tsan_release) and then calls the real function, found
// with dlsym(RTLD_NEXT). Calls made inside Debian's libraries (gRPC's own
// locks) still go straight to the library and stay invisible; see
// sanitizers/tsan.supp for what that means.
//
// Reader locks are treated like writer locks (an acquire/release pair on the
// mutex), which can only hide a race between two readers that write, never
// report a false one.
#include <dlfcn.h>
#include <sanitizer/tsan_interface.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "absl/base/options.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"

#define TRACKD_STR2(x) #x
#define TRACKD_STR(x) TRACKD_STR2(x)

namespace {

static_assert(ABSL_OPTION_USE_INLINE_NAMESPACE == 1, "absl's inline namespace is in the symbols");

// "_ZN4absl<len><inline namespace>" + `rest`: the mangled name of an absl member.
std::string Mangled(const char* prefix, const char* rest) {
  const char* ns = TRACKD_STR(ABSL_OPTION_INLINE_NAMESPACE_NAME);
  return std::string(prefix) + "4absl" + std::to_string(std::strlen(ns)) + ns + rest;
}

// The library's definition of a function this file overrides; aborts if it is
// missing, because silently skipping the real lock would be far worse.
template <typename Fn>
Fn Real(const char* prefix, const char* rest) {
  const std::string name = Mangled(prefix, rest);
  void* fn = dlsym(RTLD_NEXT, name.c_str());
  if (fn == nullptr) {
    std::fprintf(stderr, "tsan_absl_sync: %s not found in absl: %s\n", name.c_str(), dlerror());
    std::abort();
  }
  return reinterpret_cast<Fn>(fn);
}

template <typename Fn>
struct RealFn {
  RealFn(const char* prefix, const char* rest) : fn(Real<Fn>(prefix, rest)) {}
  Fn fn;
};

// Notification's flag, which the inline HasBeenNotified() reads with an
// acquire load in our (instrumented) code.
const void* NotifiedFlag(const absl::Notification* n) {
  static_assert(sizeof(absl::Notification) == 2 * sizeof(absl::Mutex),
                "Notification is { Mutex mutex_; std::atomic<bool> notified_yet_; }");
  return reinterpret_cast<const char*>(n) + sizeof(absl::Mutex);
}

}  // namespace

namespace absl {

using M = void (*)(Mutex*);
using MB = bool (*)(Mutex*);

void Mutex::Lock() {
  static RealFn<M> real("_ZN", "5Mutex4LockEv");
  real.fn(this);
  __tsan_acquire(this);
}

void Mutex::ReaderLock() {
  static RealFn<M> real("_ZN", "5Mutex10ReaderLockEv");
  real.fn(this);
  __tsan_acquire(this);
}

bool Mutex::TryLock() {
  static RealFn<MB> real("_ZN", "5Mutex7TryLockEv");
  const bool locked = real.fn(this);
  if (locked) __tsan_acquire(this);
  return locked;
}

bool Mutex::ReaderTryLock() {
  static RealFn<MB> real("_ZN", "5Mutex13ReaderTryLockEv");
  const bool locked = real.fn(this);
  if (locked) __tsan_acquire(this);
  return locked;
}

void Mutex::Unlock() {
  static RealFn<M> real("_ZN", "5Mutex6UnlockEv");
  __tsan_release(this);
  real.fn(this);
}

void Mutex::ReaderUnlock() {
  static RealFn<M> real("_ZN", "5Mutex12ReaderUnlockEv");
  __tsan_release(this);
  real.fn(this);
}

// A conditional wait releases the mutex and takes it again before it
// returns; meanwhile the thread that unlocks may evaluate the waiter's
// condition, which it does holding the mutex.
void Mutex::Await(const Condition& cond) {
  static RealFn<void (*)(Mutex*, const Condition&)> real("_ZN", "5Mutex5AwaitERKNS0_9ConditionE");
  __tsan_release(this);
  real.fn(this, cond);
  __tsan_acquire(this);
}

bool Mutex::AwaitWithTimeout(const Condition& cond, Duration timeout) {
  static RealFn<bool (*)(Mutex*, const Condition&, Duration)> real(
      "_ZN", "5Mutex16AwaitWithTimeoutERKNS0_9ConditionENS0_8DurationE");
  __tsan_release(this);
  const bool met = real.fn(this, cond, timeout);
  __tsan_acquire(this);
  return met;
}

bool Mutex::AwaitWithDeadline(const Condition& cond, Time deadline) {
  static RealFn<bool (*)(Mutex*, const Condition&, Time)> real(
      "_ZN", "5Mutex17AwaitWithDeadlineERKNS0_9ConditionENS0_4TimeE");
  __tsan_release(this);
  const bool met = real.fn(this, cond, deadline);
  __tsan_acquire(this);
  return met;
}

void Mutex::LockWhen(const Condition& cond) {
  static RealFn<void (*)(Mutex*, const Condition&)> real("_ZN",
                                                         "5Mutex8LockWhenERKNS0_9ConditionE");
  real.fn(this, cond);
  __tsan_acquire(this);
}

// A wait releases the mutex and takes it again before it returns.
void CondVar::Wait(Mutex* mu) {
  static RealFn<void (*)(CondVar*, Mutex*)> real("_ZN", "7CondVar4WaitEPNS0_5MutexE");
  __tsan_release(mu);
  real.fn(this, mu);
  __tsan_acquire(mu);
}

bool CondVar::WaitWithTimeout(Mutex* mu, Duration timeout) {
  static RealFn<bool (*)(CondVar*, Mutex*, Duration)> real(
      "_ZN", "7CondVar15WaitWithTimeoutEPNS0_5MutexENS0_8DurationE");
  __tsan_release(mu);
  const bool timed_out = real.fn(this, mu, timeout);
  __tsan_acquire(mu);
  return timed_out;
}

bool CondVar::WaitWithDeadline(Mutex* mu, Time deadline) {
  static RealFn<bool (*)(CondVar*, Mutex*, Time)> real(
      "_ZN", "7CondVar16WaitWithDeadlineEPNS0_5MutexENS0_4TimeE");
  __tsan_release(mu);
  const bool timed_out = real.fn(this, mu, deadline);
  __tsan_acquire(mu);
  return timed_out;
}

void Notification::Notify() {
  static RealFn<void (*)(Notification*)> real("_ZN", "12Notification6NotifyEv");
  __tsan_release(this);
  __tsan_release(const_cast<void*>(NotifiedFlag(this)));
  real.fn(this);
}

void Notification::WaitForNotification() const {
  static RealFn<void (*)(const Notification*)> real("_ZNK",
                                                    "12Notification19WaitForNotificationEv");
  real.fn(this);
  __tsan_acquire(const_cast<Notification*>(this));
}

bool Notification::WaitForNotificationWithTimeout(Duration timeout) const {
  static RealFn<bool (*)(const Notification*, Duration)> real(
      "_ZNK", "12Notification30WaitForNotificationWithTimeoutENS0_8DurationE");
  const bool notified = real.fn(this, timeout);
  if (notified) __tsan_acquire(const_cast<Notification*>(this));
  return notified;
}

bool Notification::WaitForNotificationWithDeadline(Time deadline) const {
  static RealFn<bool (*)(const Notification*, Time)> real(
      "_ZNK", "12Notification31WaitForNotificationWithDeadlineENS0_4TimeE");
  const bool notified = real.fn(this, deadline);
  if (notified) __tsan_acquire(const_cast<Notification*>(this));
  return notified;
}

bool BlockingCounter::DecrementCount() {
  static RealFn<bool (*)(BlockingCounter*)> real("_ZN", "15BlockingCounter14DecrementCountEv");
  __tsan_release(this);
  return real.fn(this);
}

void BlockingCounter::Wait() {
  static RealFn<void (*)(BlockingCounter*)> real("_ZN", "15BlockingCounter4WaitEv");
  real.fn(this);
  __tsan_acquire(this);
}

}  // namespace absl

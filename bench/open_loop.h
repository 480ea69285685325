// OpenLoopPhase: Track calls started on a fixed schedule, whatever the
// answers (an open loop). Call i is due at start + i / rate; the scheduler
// starts every call that is due, and a call's latency runs from when it was
// due, not from when it was sent, so a server (or a client) that falls behind
// shows in the percentiles instead of slowing the load down (no coordinated
// omission). trackd_load --rate uses it; its closed loop is load_phase.h.
// Thread-safe.
#ifndef TRACKD_BENCH_OPEN_LOOP_H_
#define TRACKD_BENCH_OPEN_LOOP_H_

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "bench/load_stats.h"
#include "trackd/v1/track.grpc.pb.h"

namespace trackd::bench {

// When call `index` is due, `rate` calls per second after `start`.
std::chrono::steady_clock::time_point DueTime(std::chrono::steady_clock::time_point start,
                                              double rate, uint64_t index);

class OpenLoopPhase {
 public:
  // `stubs` (non-empty) must outlive the phase; call i uses stubs[i % size].
  // Every call carries message_id `id_prefix` + its index and a deadline no
  // later than `deadline`, after which no call is started. At most
  // `max_outstanding` calls are in flight: beyond it due calls wait, and the
  // wait counts in their latency.
  OpenLoopPhase(const std::vector<std::unique_ptr<v1::TrackService::Stub>>& stubs, double rate,
                uint64_t total_calls, uint64_t max_outstanding, std::string id_prefix,
                absl::Time deadline);
  ~OpenLoopPhase();

  // Starts the calls on schedule and waits for all of them, or until `deadline`
  // plus `grace`. Returns false when calls were still outstanding then: the
  // phase must then not be destroyed (their callbacks may still run), so the
  // caller should report and exit. Call once.
  bool Run(absl::Duration grace);

  // Adds this phase's calls, status codes, latencies (from the due time), wall
  // time and achieved start rate to `report`, and sets report->complete. Call
  // after Run returned true.
  void AddTo(LoadReport* report) const;

 private:
  struct Call;
  // Calls first to first + count - 1, claimed to be started.
  struct Claim {
    uint64_t first = 0;
    uint64_t count = 0;
  };

  // Claims every call that is due now, while fewer than max_outstanding are
  // in flight. Called by Run's scheduler thread when the next call falls due,
  // and by each completion callback: a call started from gRPC's own thread
  // costs the client less than one started from another thread, and the due
  // time, not the start, is what latency counts from.
  Claim ClaimDue() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Starts the claimed calls; call without mu_ held.
  void StartClaimed(Claim claim) ABSL_LOCKS_EXCLUDED(mu_);
  void OnDone(Call* call, const grpc::Status& status);

  const std::vector<std::unique_ptr<v1::TrackService::Stub>>& stubs_;
  const double rate_;
  const uint64_t total_calls_;
  const uint64_t max_outstanding_;
  const std::string id_prefix_;
  const absl::Time deadline_;
  const v1::TrackRequest seed_;
  std::chrono::steady_clock::time_point start_;  // Set before the first call.

  mutable absl::Mutex mu_;
  uint64_t next_index_ ABSL_GUARDED_BY(mu_) = 0;  // The next call to start.
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;     // The deadline passed: start no more.
  uint64_t outstanding_ ABSL_GUARDED_BY(mu_) = 0;
  std::chrono::steady_clock::time_point last_start_ ABSL_GUARDED_BY(mu_);
  int64_t max_start_lag_ns_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t done_calls_ ABSL_GUARDED_BY(mu_) = 0;
  std::chrono::steady_clock::time_point last_done_ ABSL_GUARDED_BY(mu_);
  std::vector<int64_t> latencies_ns_ ABSL_GUARDED_BY(mu_);  // OK calls only.
  std::map<std::string, uint64_t> errors_ ABSL_GUARDED_BY(mu_);
};

}  // namespace trackd::bench

#endif  // TRACKD_BENCH_OPEN_LOOP_H_

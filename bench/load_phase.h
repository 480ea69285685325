// LoadPhase: drives a fixed number of Track calls through the gRPC callback
// client API, keeping `concurrency` calls in flight (each caller starts its
// next call from the completion callback of the previous one), and records
// status codes and latencies. trackd_load runs one phase to warm up and one to
// measure.
#ifndef TRACKD_BENCH_LOAD_PHASE_H_
#define TRACKD_BENCH_LOAD_PHASE_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "bench/load_stats.h"
#include "trackd/v1/track.grpc.pb.h"

namespace trackd::bench {

class LoadPhase {
 public:
  // `stubs` (non-empty) must outlive the phase; caller i uses stubs[i % size].
  // Every call carries message_id `id_prefix` + its sequence number and a
  // deadline no later than `deadline`, after which no call is started.
  LoadPhase(const std::vector<std::unique_ptr<v1::TrackService::Stub>>& stubs, int concurrency,
            uint64_t total_calls, std::string id_prefix, absl::Time deadline);
  ~LoadPhase();

  // Starts the calls and waits for all of them, or until `deadline` plus
  // `grace`. Returns false when calls were still outstanding then: the phase
  // must then not be destroyed (its callbacks may still run), so the caller
  // should report and exit. Call once.
  bool Run(absl::Duration grace);

  // Adds this phase's calls, status codes, latencies and wall time to `report`,
  // and sets report->complete. Call after Run returned true.
  void AddTo(LoadReport* report) const;

 private:
  class Caller;

  // Claims the next sequence number; false once all calls are claimed or the
  // deadline has passed.
  bool ClaimCall(uint64_t* sequence);
  // Called by each caller once it has nothing more to do.
  void CallerFinished();
  bool AllCallersFinished() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const uint64_t total_calls_;
  const std::string id_prefix_;
  const absl::Time deadline_;
  std::vector<std::unique_ptr<Caller>> callers_;
  std::atomic<uint64_t> next_sequence_{0};
  std::chrono::steady_clock::time_point started_;

  mutable absl::Mutex mu_;
  int callers_running_ ABSL_GUARDED_BY(mu_) = 0;
  std::chrono::steady_clock::time_point finished_ ABSL_GUARDED_BY(mu_);
};

}  // namespace trackd::bench

#endif  // TRACKD_BENCH_LOAD_PHASE_H_

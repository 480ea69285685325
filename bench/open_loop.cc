#include "bench/open_loop.h"

#include <algorithm>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "bench/seed_event.h"
#include "grpcpp/client_context.h"

namespace trackd::bench {

std::chrono::steady_clock::time_point DueTime(std::chrono::steady_clock::time_point start,
                                              double rate, uint64_t index) {
  // Computed from the index, not by adding intervals, so rounding never drifts.
  return start +
         std::chrono::nanoseconds(static_cast<int64_t>(static_cast<double>(index) * 1e9 / rate));
}

constexpr std::chrono::microseconds kSchedulerSlack(250);

// One call's state; owned by the phase from its start until OnDone deletes it.
struct OpenLoopPhase::Call {
  grpc::ClientContext context;
  v1::TrackRequest request;
  v1::TrackResponse response;
  std::chrono::steady_clock::time_point due;
};

OpenLoopPhase::OpenLoopPhase(const std::vector<std::unique_ptr<v1::TrackService::Stub>>& stubs,
                             double rate, uint64_t total_calls, uint64_t max_outstanding,
                             std::string id_prefix, absl::Time deadline)
    : stubs_(stubs),
      rate_(rate),
      total_calls_(total_calls),
      max_outstanding_(max_outstanding),
      id_prefix_(std::move(id_prefix)),
      deadline_(deadline),
      seed_(SeedTrackRequest("", absl::Now())) {
  latencies_ns_.reserve(total_calls);
}

OpenLoopPhase::~OpenLoopPhase() = default;

bool OpenLoopPhase::Run(absl::Duration grace) {
  start_ = std::chrono::steady_clock::now();
  while (true) {
    std::chrono::steady_clock::time_point due;
    {
      absl::MutexLock lock(&mu_);
      if (next_index_ >= total_calls_) break;
      if (absl::Now() >= deadline_) {
        stopped_ = true;
        break;
      }
      due = DueTime(start_, rate_, next_index_);
    }
    // Sleeping until each call's own due time costs a timer wake-up per call,
    // which at 10 k calls/s was most of the client's CPU and made it fall
    // behind (its own p99 reached 100 ms against the empty server). Waking
    // kSchedulerSlack after the next due time starts every call due by then
    // in one go; each one's lateness still counts in its latency.
    std::this_thread::sleep_until(due + kSchedulerSlack);
    Claim claim;
    {
      // At the limit, the completions start the due calls as they free room.
      absl::MutexLock lock(&mu_);
      auto may_start = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return outstanding_ < max_outstanding_ || next_index_ >= total_calls_;
      };
      if (!mu_.AwaitWithDeadline(absl::Condition(&may_start), deadline_)) {
        stopped_ = true;
        break;
      }
      claim = ClaimDue();
    }
    StartClaimed(claim);
  }
  absl::MutexLock lock(&mu_);
  auto all_done = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return outstanding_ == 0 && (stopped_ || next_index_ >= total_calls_);
  };
  return mu_.AwaitWithDeadline(absl::Condition(&all_done), deadline_ + grace);
}

OpenLoopPhase::Claim OpenLoopPhase::ClaimDue() {
  const auto now = std::chrono::steady_clock::now();
  Claim claim{next_index_, 0};
  while (!stopped_ && next_index_ < total_calls_ && outstanding_ < max_outstanding_) {
    const auto due = DueTime(start_, rate_, next_index_);
    if (due > now) break;
    max_start_lag_ns_ = std::max<int64_t>(
        max_start_lag_ns_, std::chrono::duration_cast<std::chrono::nanoseconds>(now - due).count());
    ++next_index_;
    ++outstanding_;
    ++claim.count;
  }
  if (claim.count > 0) last_start_ = now;
  return claim;
}

void OpenLoopPhase::StartClaimed(Claim claim) {
  // Until the last claimed call is started, it keeps outstanding_ above zero,
  // so Run cannot return and the phase is alive; after starting it, this
  // touches nothing of the phase (its answer may destroy it at once).
  for (uint64_t i = 0; i < claim.count; ++i) {
    const uint64_t index = claim.first + i;
    auto* call = new Call;
    call->due = DueTime(start_, rate_, index);
    // The copy is part of the client's cost, as a real client builds each request.
    call->request = seed_;
    call->request.set_message_id(absl::StrCat(id_prefix_, index));
    SetTimestamp(absl::Now(), &call->request);
    call->context.set_deadline(absl::ToChronoTime(deadline_));
    stubs_[index % stubs_.size()]->async()->Track(
        &call->context, &call->request, &call->response,
        [this, call](grpc::Status status) { OnDone(call, status); });
  }
}

void OpenLoopPhase::OnDone(Call* call, const grpc::Status& status) {
  const auto now = std::chrono::steady_clock::now();
  const int64_t latency_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(now - call->due).count();
  const bool ok = status.ok() && call->response.message_id() == call->request.message_id();
  const std::string error =
      status.ok() ? (ok ? "" : "WRONG_RESPONSE") : StatusCodeName(status.error_code());
  delete call;
  Claim claim;
  {
    absl::MutexLock lock(&mu_);
    ++done_calls_;
    --outstanding_;
    last_done_ = now;
    if (ok) {
      latencies_ns_.push_back(latency_ns);
    } else {
      ++errors_[error];
    }
    // Claimed in the same critical section: once outstanding_ may have reached
    // zero and the lock is released, Run may return and destroy the phase.
    claim = ClaimDue();
  }
  StartClaimed(claim);
}

void OpenLoopPhase::AddTo(LoadReport* report) const {
  absl::MutexLock lock(&mu_);
  report->calls += done_calls_;
  report->ok += latencies_ns_.size();
  for (const auto& [name, count] : errors_) report->errors[name] += count;
  report->ok_latencies_ns.insert(report->ok_latencies_ns.end(), latencies_ns_.begin(),
                                 latencies_ns_.end());
  if (done_calls_ > 0) {
    report->seconds += std::chrono::duration<double>(last_done_ - start_).count();
  }
  // Calls 0 to next_index_ - 1 started; the first at start_ at the earliest.
  const double start_span = std::chrono::duration<double>(last_start_ - start_).count();
  report->target_rate = rate_;
  report->achieved_rate = start_span > 0 ? static_cast<double>(next_index_ - 1) / start_span : 0;
  report->max_start_lag_us = static_cast<double>(max_start_lag_ns_) / 1e3;
  report->complete = done_calls_ == total_calls_;
}

}  // namespace trackd::bench

#include "bench/load_phase.h"

#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "bench/seed_event.h"
#include "grpcpp/client_context.h"

namespace trackd::bench {

// One logical client: keeps one call in flight and starts the next from the
// completion callback. Its fields are touched by one callback at a time (each
// call is started only after the previous one finished), so it needs no lock.
class LoadPhase::Caller {
 public:
  Caller(LoadPhase& phase, v1::TrackService::Stub& stub)
      : phase_(phase), stub_(stub), request_(SeedTrackRequest("", absl::Now())) {}

  // Starts the next call, or tells the phase that this caller is done. Touches
  // nothing of this caller after starting the call, whose callback may run at once
  // on another thread.
  void StartNext() {
    uint64_t sequence;
    if (!phase_.ClaimCall(&sequence)) {
      phase_.CallerFinished();
      return;
    }
    // A unique message_id per call, so the server's dedupe never short-cuts,
    // and timestamp = now, as a live client sends.
    request_.set_message_id(absl::StrCat(phase_.id_prefix_, sequence));
    SetTimestamp(absl::Now(), &request_);
    // A ClientContext serves one call only. Replacing it here, from the previous
    // call's callback, is safe: gRPC holds its own reference to a finished call.
    context_ = std::make_unique<grpc::ClientContext>();
    context_->set_deadline(absl::ToChronoTime(phase_.deadline_));
    started_ = std::chrono::steady_clock::now();
    stub_.async()->Track(context_.get(), &request_, &response_,
                         [this](grpc::Status status) { OnDone(status); });
  }

  void AddTo(LoadReport* report) const {
    report->calls += calls_;
    report->ok += latencies_ns_.size();
    for (const auto& [name, count] : errors_) report->errors[name] += count;
    report->ok_latencies_ns.insert(report->ok_latencies_ns.end(), latencies_ns_.begin(),
                                   latencies_ns_.end());
  }

 private:
  void OnDone(const grpc::Status& status) {
    const auto latency = std::chrono::steady_clock::now() - started_;
    ++calls_;
    if (!status.ok()) {
      ++errors_[StatusCodeName(status.error_code())];
    } else if (response_.message_id() != request_.message_id()) {
      ++errors_["WRONG_RESPONSE"];
    } else {
      latencies_ns_.push_back(
          std::chrono::duration_cast<std::chrono::nanoseconds>(latency).count());
    }
    StartNext();
  }

  LoadPhase& phase_;
  v1::TrackService::Stub& stub_;
  v1::TrackRequest request_;
  v1::TrackResponse response_;
  std::unique_ptr<grpc::ClientContext> context_;
  std::chrono::steady_clock::time_point started_;
  uint64_t calls_ = 0;
  std::vector<int64_t> latencies_ns_;
  std::map<std::string, uint64_t> errors_;
};

LoadPhase::LoadPhase(const std::vector<std::unique_ptr<v1::TrackService::Stub>>& stubs,
                     int concurrency, uint64_t total_calls, std::string id_prefix,
                     absl::Time deadline)
    : total_calls_(total_calls), id_prefix_(std::move(id_prefix)), deadline_(deadline) {
  for (int i = 0; i < concurrency; ++i) {
    callers_.push_back(std::make_unique<Caller>(*this, *stubs[i % stubs.size()]));
  }
}

LoadPhase::~LoadPhase() = default;

bool LoadPhase::Run(absl::Duration grace) {
  {
    absl::MutexLock lock(&mu_);
    callers_running_ = static_cast<int>(callers_.size());
  }
  started_ = std::chrono::steady_clock::now();
  for (auto& caller : callers_) caller->StartNext();
  absl::MutexLock lock(&mu_);
  return mu_.AwaitWithDeadline(absl::Condition(this, &LoadPhase::AllCallersFinished),
                               deadline_ + grace);
}

bool LoadPhase::AllCallersFinished() const { return callers_running_ == 0; }

void LoadPhase::AddTo(LoadReport* report) const {
  const uint64_t calls_before = report->calls;
  for (const auto& caller : callers_) caller->AddTo(report);
  std::chrono::steady_clock::time_point finished;
  {
    absl::MutexLock lock(&mu_);
    finished = finished_;
  }
  report->seconds += std::chrono::duration<double>(finished - started_).count();
  report->complete = report->calls - calls_before == total_calls_;
}

bool LoadPhase::ClaimCall(uint64_t* sequence) {
  if (absl::Now() >= deadline_) return false;
  *sequence = next_sequence_.fetch_add(1, std::memory_order_relaxed);
  return *sequence < total_calls_;
}

void LoadPhase::CallerFinished() {
  absl::MutexLock lock(&mu_);
  if (--callers_running_ == 0) finished_ = std::chrono::steady_clock::now();
}

}  // namespace trackd::bench

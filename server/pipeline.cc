#include "server/pipeline.h"

#include <mutex>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "trackd/common/status_details.h"

namespace trackd {

namespace {

// UNAVAILABLE with RetryInfo: another replica (or this one after a restart) may take the call.
absl::Status StoreFailed(const absl::Status& error) {
  return WithRetryInfo(
      absl::UnavailableError(absl::StrCat("the event store failed: ", error.message())),
      absl::Seconds(1));
}

}  // namespace

// The state of one Submit call: finished when every record is resolved.
struct Pipeline::Submission {
  Submission(size_t n, SubmitCallback callback)
      : duplicate(n, 0), remaining(n), done(std::move(callback)) {}

  // Called once per record, from any thread.
  void Resolve(size_t index, const absl::Status& status, bool is_duplicate) {
    if (!status.ok()) {
      std::lock_guard<std::mutex> lock(mu);
      if (error.ok()) error = status;
    } else {
      duplicate[index] = is_duplicate;
    }
    if (remaining.fetch_sub(1, std::memory_order_acq_rel) == 1) Finish();
  }

  void Finish() {
    absl::Status first_error;
    {
      std::lock_guard<std::mutex> lock(mu);
      first_error = error;
    }
    if (!first_error.ok()) {
      done(first_error);
      return;
    }
    done(std::vector<bool>(duplicate.begin(), duplicate.end()));
  }

  std::vector<char> duplicate;  // char, not bool: written from several threads.
  std::atomic<size_t> remaining;
  // A std::mutex, not absl::Mutex: one is made per call, and Debian's Abseil
  // is built with deadlock detection, which makes each absl::Mutex costly.
  std::mutex mu;
  absl::Status error;  // Guarded by mu.
  SubmitCallback done;
};

Pipeline::Pipeline(Sink& sink, DedupeIndex& index, Clock& clock, PipelineOptions options)
    : sink_(sink), clock_(clock), options_(options), index_(index) {
  writer_ = std::thread([this] { WriterLoop(); });
  completer_ = std::thread([this] { CompleterLoop(); });
}

Pipeline::~Pipeline() { Stop(); }

void Pipeline::Submit(std::vector<Record> records, SubmitCallback done) {
  if (records.empty()) {
    done(std::vector<bool>());
    return;
  }
  auto submission = std::make_shared<Submission>(records.size(), std::move(done));
  std::vector<size_t> already_stored;
  const absl::Status refused = Enqueue(records, submission, already_stored);
  if (!refused.ok()) {
    submission->done(refused);
    return;
  }
  duplicates_.fetch_add(already_stored.size(), std::memory_order_relaxed);
  for (size_t i : already_stored) submission->Resolve(i, absl::OkStatus(), true);
}

absl::Status Pipeline::Enqueue(std::vector<Record>& records,
                               const std::shared_ptr<Submission>& submission,
                               std::vector<size_t>& already_stored) {
  absl::MutexLock lock(&mu_);
  if (stopping_) {
    return WithRetryInfo(absl::UnavailableError("the server is shutting down"), absl::Seconds(1));
  }
  const absl::Time now = clock_.Now();
  // Classify every record first, so a refused submission leaves no trace.
  enum Kind : char { kStored, kWaiter, kFresh };
  absl::InlinedVector<char, 1> kinds(records.size());
  absl::InlinedVector<Hash128, 1> fingerprints(records.size());
  size_t fresh = 0;
  size_t fresh_bytes = 0;
  // Only a submission of several records can repeat an id within itself.
  absl::flat_hash_set<Hash128, FingerprintHash> seen;
  if (records.size() > 1) seen.reserve(records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    fingerprints[i] = index_.Fingerprint(records[i].message_id);
    index_.Prefetch(fingerprints[i]);
  }
  for (size_t i = 0; i < records.size(); ++i) {
    const Hash128& fingerprint = fingerprints[i];
    if (index_.Contains(fingerprint, now)) {
      kinds[i] = kStored;
    } else if (in_flight_.contains(fingerprint) ||
               (records.size() > 1 && !seen.insert(fingerprint).second)) {
      kinds[i] = kWaiter;  // In flight elsewhere, or earlier in this submission.
    } else {
      kinds[i] = kFresh;
      ++fresh;
      fresh_bytes += records[i].json.size();
    }
  }
  if (fresh > 0) {
    // A store that stopped for good would only refuse them after the queue.
    if (absl::Status failed = sink_.Failure(); !failed.ok()) return StoreFailed(failed);
  }
  if (queue_.size() + fresh > options_.max_queued_events ||
      queued_bytes_ + fresh_bytes > options_.max_queued_bytes) {
    return WithRetryInfo(absl::ResourceExhaustedError(absl::StrCat(
                             "the write queue is full (", queue_.size(), " events, ", queued_bytes_,
                             " bytes waiting for the disk); retry later")),
                         absl::Milliseconds(100));
  }
  queued_bytes_ += fresh_bytes;
  // Fresh records first, so a later waiter in this submission finds its entry.
  for (size_t i = 0; i < records.size(); ++i) {
    if (kinds[i] != kFresh) continue;
    in_flight_.try_emplace(fingerprints[i]);
    queue_.push_back(std::move(records[i]));
    queue_owners_.push_back({{submission, i}, fingerprints[i]});
  }
  for (size_t i = 0; i < records.size(); ++i) {
    if (kinds[i] == kStored) {
      already_stored.push_back(i);
    } else if (kinds[i] == kWaiter) {
      in_flight_[fingerprints[i]].push_back({submission, i});
    }
  }
  if (fresh > 0) queue_changed_.Signal();
  return absl::OkStatus();
}

std::vector<bool> Pipeline::FindDuplicates(absl::Span<const Record> records) {
  std::vector<bool> duplicate(records.size());
  absl::flat_hash_set<Hash128, FingerprintHash> seen;
  if (records.size() > 1) seen.reserve(records.size());
  absl::MutexLock lock(&mu_);
  const absl::Time now = clock_.Now();
  for (size_t i = 0; i < records.size(); ++i) {
    const Hash128 fingerprint = index_.Fingerprint(records[i].message_id);
    // Contains only forgets expired ids, which a real call would do as well.
    duplicate[i] = index_.Contains(fingerprint, now) || in_flight_.contains(fingerprint) ||
                   (records.size() > 1 && !seen.insert(fingerprint).second);
  }
  return duplicate;
}

void Pipeline::WriterLoop() {
  // Swapped with the queue each round and kept, so the queue does not grow its
  // capacity from nothing for every batch.
  std::vector<Record> records;
  while (true) {
    records.clear();
    std::vector<Queued> batch;
    {
      absl::MutexLock lock(&mu_);
      while (queue_.empty() && !stopping_) queue_changed_.Wait(&mu_);
      if (queue_.empty()) break;  // Stopping, and everything queued is written.
      records.swap(queue_);
      batch.swap(queue_owners_);
      queued_bytes_ = 0;
    }
    Completion completion = WriteBatch(records, std::move(batch));
    absl::MutexLock lock(&completions_mu_);
    completions_.push_back(std::move(completion));
    completions_changed_.Signal();
  }
  absl::MutexLock lock(&completions_mu_);
  writer_done_ = true;
  completions_changed_.Signal();
}

void Pipeline::CompleterLoop() {
  while (true) {
    std::vector<Completion> ready;
    {
      absl::MutexLock lock(&completions_mu_);
      while (completions_.empty() && !writer_done_) completions_changed_.Wait(&completions_mu_);
      if (completions_.empty()) return;  // The writer is done and so is every call.
      ready.swap(completions_);
    }
    for (Completion& completion : ready) {
      for (Queued& queued : completion.batch) {
        queued.owner.submission->Resolve(queued.owner.index, completion.status, false);
      }
      for (Waiter& waiter : completion.duplicates) {
        waiter.submission->Resolve(waiter.index, completion.status, true);
      }
    }
  }
}

Pipeline::Completion Pipeline::WriteBatch(const std::vector<Record>& records,
                                          std::vector<Queued> batch) {
  const absl::Time started = clock_.Now();
  absl::Status status = sink_.Write(records);
  const absl::Time now = clock_.Now();
  if (options_.on_sink_write) options_.on_sink_write(now - started, status);
  if (absl::IsResourceExhausted(status)) {
    status = WithRetryInfo(std::move(status), absl::Seconds(1));  // A full spool: nothing written.
  } else if (!status.ok()) {
    status = StoreFailed(status);
  }
  std::vector<Waiter> waiters;
  {
    absl::MutexLock lock(&mu_);
    if (status.ok()) {
      for (const Queued& queued : batch) index_.Prefetch(queued.fingerprint);
    }
    for (const Queued& queued : batch) {
      auto node = in_flight_.extract(queued.fingerprint);
      if (!node.empty()) {
        for (Waiter& waiter : node.mapped()) waiters.push_back(std::move(waiter));
      }
      if (status.ok()) index_.Insert(queued.fingerprint, now);
    }
  }
  if (status.ok()) {
    commits_.fetch_add(1, std::memory_order_relaxed);
    events_stored_.fetch_add(records.size(), std::memory_order_relaxed);
    duplicates_.fetch_add(waiters.size(), std::memory_order_relaxed);
  }
  return {std::move(batch), std::move(waiters), std::move(status)};
}

void Pipeline::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    queue_changed_.SignalAll();
  }
  if (writer_.joinable()) writer_.join();
  if (completer_.joinable()) completer_.join();
}

size_t Pipeline::queue_depth() const {
  absl::MutexLock lock(&mu_);
  return queue_.size();
}

PipelineStats Pipeline::stats() const {
  return {commits_.load(std::memory_order_relaxed), events_stored_.load(std::memory_order_relaxed),
          duplicates_.load(std::memory_order_relaxed)};
}

}  // namespace trackd

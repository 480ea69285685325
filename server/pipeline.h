// Pipeline: deduplication, a bounded queue and group commit in front of a sink.
//
// Handlers Submit encoded events and return at once; one writer thread takes
// everything queued and hands it to the sink in one Write (one fsync for many
// requests); a completion thread then completes every waiting call while the
// writer already starts on the next batch. A message_id already stored is
// answered duplicate at once; one still in flight waits for that write and is
// then answered duplicate (or gets its error), so two concurrent requests with
// one id store it once.
//
// A sink that stopped for good (Sink::Failure, the fail-stop log) makes every
// later Submit with a new event fail at once with UNAVAILABLE, so nothing
// waits in the queue for a store that will refuse it; ids already stored are
// still answered duplicate.
//
// Thread-safe. Completion callbacks run on the completion thread (or on the
// calling thread when nothing has to be written) and must not block.
#ifndef TRACKD_SERVER_PIPELINE_H_
#define TRACKD_SERVER_PIPELINE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "server/dedupe_index.h"
#include "server/record.h"
#include "server/sinks/sink.h"
#include "trackd/common/clock.h"

namespace trackd {

struct PipelineOptions {
  // The most events, and JSON bytes, waiting for the writer; a submission that
  // would exceed either is refused with RESOURCE_EXHAUSTED. Together they bound
  // the memory the queue can take.
  size_t max_queued_events = 20'000;
  size_t max_queued_bytes = 64 << 20;
  // Called on the writer thread after every sink write, with how long the write took on the
  // pipeline's clock and its status (RESOURCE_EXHAUSTED for a full spool: nothing written).
  // For the metrics; must be cheap and must not call back into the pipeline.
  std::function<void(absl::Duration elapsed, const absl::Status& status)> on_sink_write;
};

// For each submitted record, in order: true when it was a duplicate.
using SubmitResult = absl::StatusOr<std::vector<bool>>;
using SubmitCallback = std::function<void(SubmitResult)>;

struct PipelineStats {
  uint64_t commits = 0;        // Successful sink writes (fsyncs, for the file sink).
  uint64_t events_stored = 0;  // Events those writes made durable.
  uint64_t duplicates = 0;     // Events answered duplicate.
};

class Pipeline {
 public:
  // `sink`, `index` and `clock` must outlive the pipeline. Starts the writer thread.
  Pipeline(Sink& sink, DedupeIndex& index, Clock& clock, PipelineOptions options);
  // Stops as Stop() does.
  ~Pipeline();

  // Stores `records` (each with a non-empty message_id) unless already stored.
  // Calls `done` exactly once: with a duplicate flag per record once every new
  // one is durable; RESOURCE_EXHAUSTED (nothing stored) when the queue or the
  // sink (a full spool) lacks room; UNAVAILABLE when stopped, when the sink
  // failed (some records may be stored; a retry is safe), or at once when the
  // sink has stopped for good (nothing stored).
  void Submit(std::vector<Record> records, SubmitCallback done);

  // For a dry run: per record, in order, whether Submit would answer it
  // duplicate now -- its message_id is stored or in flight, or earlier in
  // `records`. Remembers, queues and counts nothing, never waits for the
  // writer, and ignores the sink's health: a dry run judges events, it does
  // not need the store (docs/contract.md, "Dry runs").
  std::vector<bool> FindDuplicates(absl::Span<const Record> records);

  // Writes what is queued, then stops the writer. Later Submits get UNAVAILABLE.
  void Stop();

  PipelineStats stats() const;

  // Events waiting for the writer now.
  size_t queue_depth() const;

 private:
  struct Submission;
  struct Waiter {
    std::shared_ptr<Submission> submission;
    size_t index;
  };
  // A queued record's owner and the fingerprint it is known by in flight and
  // in the index (computed once per record).
  struct Queued {
    Waiter owner;
    Hash128 fingerprint;
  };
  // Fingerprints are keyed SipHash output: their low half is already a good hash.
  struct FingerprintHash {
    size_t operator()(const Hash128& fingerprint) const { return fingerprint.lo; }
  };
  // A written batch whose calls are still to be completed.
  struct Completion {
    std::vector<Queued> batch;
    std::vector<Waiter> duplicates;  // Calls that waited on an id of the batch.
    absl::Status status;
  };

  // Queues the new records of `records` and registers waiters for those in
  // flight; appends the indexes of already stored ones to `already_stored`.
  // Returns the refusal (stopping, queue full) without changing anything.
  absl::Status Enqueue(std::vector<Record>& records, const std::shared_ptr<Submission>& submission,
                       std::vector<size_t>& already_stored);
  void WriterLoop();
  Completion WriteBatch(const std::vector<Record>& records, std::vector<Queued> batch);
  void CompleterLoop();

  Sink& sink_;
  Clock& clock_;
  const PipelineOptions options_;

  mutable absl::Mutex mu_;
  DedupeIndex& index_ ABSL_GUARDED_BY(mu_);
  // Ids written or queued but not yet durable, by fingerprint, with the calls
  // waiting on them.
  absl::flat_hash_map<Hash128, std::vector<Waiter>, FingerprintHash> in_flight_
      ABSL_GUARDED_BY(mu_);
  // The queue: records (as the sink takes them) and, in the same order, their owners.
  std::vector<Record> queue_ ABSL_GUARDED_BY(mu_);
  std::vector<Queued> queue_owners_ ABSL_GUARDED_BY(mu_);
  size_t queued_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  absl::CondVar queue_changed_;

  absl::Mutex completions_mu_;
  std::vector<Completion> completions_ ABSL_GUARDED_BY(completions_mu_);
  bool writer_done_ ABSL_GUARDED_BY(completions_mu_) = false;
  absl::CondVar completions_changed_;

  std::atomic<uint64_t> commits_{0};
  std::atomic<uint64_t> events_stored_{0};
  std::atomic<uint64_t> duplicates_{0};
  std::thread writer_;
  std::thread completer_;
};

}  // namespace trackd

#endif  // TRACKD_SERVER_PIPELINE_H_

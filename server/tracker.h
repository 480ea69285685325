// Tracker: the logic of the Track and TrackBatch RPCs, free of gRPC.
//
// decode (UTF-8) → validate → encode → check size → assign message_id →
// pipeline. It takes requests in the server's wire view (wire_decode.h), so a
// string that is not UTF-8 is a violation of its item, not a failed call. The
// gRPC service (service.h) is a thin adapter over it. Errors are bounded
// (violation_list.h). Thread-safe; callbacks run as described in pipeline.h.
#ifndef TRACKD_SERVER_TRACKER_H_
#define TRACKD_SERVER_TRACKER_H_

#include <functional>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/pipeline.h"
#include "server/validate.h"
#include "server/wire/track_wire.pb.h"
#include "trackd/common/clock.h"
#include "trackd/v1/track.pb.h"

namespace trackd {

// What a dry run (validate_only) answered for one event, and in which RPC.
enum class DryRunRpc { kTrack, kTrackBatch };
enum class DryRunOutcome { kAccepted, kDuplicate, kRejected };

// The violation of a batch item with validate_only set in a batch without it.
inline constexpr char kItemValidateOnlyField[] = "validate_only";
inline constexpr char kItemValidateOnlyRule[] =
    "must not be set on a batch item; set validate_only on the TrackBatchRequest";

struct TrackerOptions {
  TimestampBounds timestamps;
  // The most items a TrackBatch call may carry (at most kMaxBatchItems).
  int max_batch_items = kMaxBatchItems;
  // Whether records carry a partition key (Record::partition_key); only a
  // sink that partitions (Kafka) needs one.
  bool partition_keys = true;
  // Called with the violations of each rejected event (for metrics); may be
  // empty. Not called for dry runs, which have their own count.
  std::function<void(const FieldViolations&)> on_rejected;
  // Called once per event of a dry run (for metrics); may be empty.
  std::function<void(DryRunRpc, DryRunOutcome)> on_dry_run;
};

class Tracker {
 public:
  // The response is valid only during the callback (the batch's lives on an
  // arena that the tracker frees after it).
  using TrackCallback = std::function<void(absl::StatusOr<const v1::TrackResponse*>)>;
  using BatchCallback = std::function<void(absl::StatusOr<const v1::TrackBatchResponse*>)>;

  // `pipeline` and `clock` must outlive the tracker.
  Tracker(Pipeline& pipeline, Clock& clock, TrackerOptions options)
      : pipeline_(pipeline), clock_(clock), options_(std::move(options)) {}

  // Stores one event; `done` gets the response or the status the RPC returns:
  // INVALID_ARGUMENT with a BadRequest detail listing the violations (bounded),
  // or the pipeline's RESOURCE_EXHAUSTED / UNAVAILABLE. A dry run
  // (validate_only) is judged the same way, stores nothing and answers on the
  // calling thread: never the pipeline's RESOURCE_EXHAUSTED / UNAVAILABLE.
  void Track(const wire::TrackRequest& request, TrackCallback done);

  // Stores the valid items of a batch; invalid ones are rejected in their result.
  // INVALID_ARGUMENT when the batch is empty or has more than max_batch_items.
  void TrackBatch(const wire::TrackBatchRequest& request, BatchCallback done);

 private:
  // Decodes, validates and encodes `request` into `record` (assigning a
  // message_id when it has none). Returns the violations; empty when the
  // record is ready. On violations `*message_id` is the request's message_id
  // when it is valid UTF-8, so a rejected batch item can still be named.
  FieldViolations Prepare(const wire::TrackRequest& request, absl::Time now, Record* record,
                          std::string* message_id) const;

  // Counts a rejected event: as a dry run's, or for on_rejected.
  void CountRejected(const FieldViolations& violations, bool dry_run, DryRunRpc rpc) const;
  void CountDryRun(DryRunRpc rpc, DryRunOutcome outcome) const {
    if (options_.on_dry_run) options_.on_dry_run(rpc, outcome);
  }

  // The end of a dry-run Track of an accepted `record`: a read-only duplicate
  // lookup instead of the pipeline.
  void DryRunTrack(Record record, const TrackCallback& done);

  Pipeline& pipeline_;
  Clock& clock_;
  const TrackerOptions options_;
};

}  // namespace trackd

#endif  // TRACKD_SERVER_TRACKER_H_

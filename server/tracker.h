// Tracker: the logic of the Track and TrackBatch RPCs, free of gRPC.
//
// validate → encode → check size → assign message_id → pipeline. The gRPC
// service (service.h) is a thin adapter over it, so tests drive the logic
// without a server. Thread-safe; callbacks run as described in pipeline.h.
#ifndef TRACKD_SERVER_TRACKER_H_
#define TRACKD_SERVER_TRACKER_H_

#include <functional>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/pipeline.h"
#include "server/validate.h"
#include "trackd/v1/track.pb.h"

namespace trackd {

struct TrackerOptions {
  TimestampBounds timestamps;
  // The most items a TrackBatch call may carry (at most kMaxBatchItems).
  int max_batch_items = kMaxBatchItems;
  // Called with the violations of each rejected event (for metrics); may be empty.
  std::function<void(const FieldViolations&)> on_rejected;
};

class Tracker {
 public:
  using TrackCallback = std::function<void(absl::StatusOr<v1::TrackResponse>)>;
  using BatchCallback = std::function<void(absl::StatusOr<v1::TrackBatchResponse>)>;

  // `pipeline` must outlive the tracker.
  Tracker(Pipeline& pipeline, std::function<absl::Time()> clock, TrackerOptions options)
      : pipeline_(pipeline), clock_(std::move(clock)), options_(std::move(options)) {}

  // Stores one event; `done` gets the response or the status the RPC returns:
  // INVALID_ARGUMENT with a BadRequest detail listing every violation, or the
  // pipeline's RESOURCE_EXHAUSTED / UNAVAILABLE.
  void Track(const v1::TrackRequest& request, TrackCallback done);

  // Stores the valid items of a batch; invalid ones are rejected in their result.
  // INVALID_ARGUMENT when the batch is empty or has more than max_batch_items.
  void TrackBatch(const v1::TrackBatchRequest& request, BatchCallback done);

 private:
  // Validates and encodes `request` into `record` (assigning a message_id when
  // it has none). Returns the violations; empty when the record is ready.
  FieldViolations Prepare(const v1::TrackRequest& request, absl::Time now, Record* record) const;

  Pipeline& pipeline_;
  const std::function<absl::Time()> clock_;
  const TrackerOptions options_;
};

}  // namespace trackd

#endif  // TRACKD_SERVER_TRACKER_H_

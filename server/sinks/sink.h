// Sink: where accepted events go once they are validated and encoded.
//
// The pipeline owns batching and group commit; a sink owns its medium (the
// embedded log, an HTTP spool, Kafka). One writer thread calls Write, so an
// implementation need not be thread-safe unless it says otherwise.
#ifndef TRACKD_SERVER_SINKS_SINK_H_
#define TRACKD_SERVER_SINKS_SINK_H_

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "server/record.h"

namespace trackd {

class Sink {
 public:
  virtual ~Sink() = default;

  // Makes `records` durable in this order and returns OK only when every one
  // is. On error none of them counts as stored (a retry with the same
  // message_ids is safe): RESOURCE_EXHAUSTED means the sink is full and wrote
  // nothing; UNAVAILABLE means the medium failed and a later call may succeed.
  virtual absl::Status Write(absl::Span<const Record> records) = 0;

  // Thread-safe. OK while the sink takes writes. Once the sink stopped for
  // good (fail-stop after an I/O error it cannot undo, see event_log.h), the
  // UNAVAILABLE error every later Write returns; only a restart clears it.
  virtual absl::Status Failure() const { return absl::OkStatus(); }
};

}  // namespace trackd

#endif  // TRACKD_SERVER_SINKS_SINK_H_

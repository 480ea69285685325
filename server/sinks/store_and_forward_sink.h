// StoreAndForwardSink: the HTTP sink (--sink=http). A write is stored in the
// event log, used as a durable spool, and acknowledged once fsynced; the
// HttpForwarder it owns then delivers the spool to the Track API in log order
// (see http_forwarder.h). The undelivered backlog is bounded: a write that
// would take it past the bound is refused with RESOURCE_EXHAUSTED and stores
// nothing, so an upstream outage pushes back on callers instead of filling
// the disk. Fail-stop as the log is (see file_sink.h).
#ifndef TRACKD_SERVER_SINKS_STORE_AND_FORWARD_SINK_H_
#define TRACKD_SERVER_SINKS_STORE_AND_FORWARD_SINK_H_

#include <cstdint>
#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "server/event_log.h"
#include "server/file_system.h"
#include "server/record.h"
#include "server/sinks/file_sink.h"
#include "server/sinks/http_forwarder.h"
#include "server/sinks/sink.h"

namespace trackd {

struct StoreAndForwardOptions {
  // The forwarder's settings. An empty cursor_path or dead_letter_path means
  // the default file of that name in the log's directory (see log_format.h).
  HttpForwarderOptions forwarder;
  // The most bytes of undelivered events the spool holds.
  uint64_t max_backlog_bytes = uint64_t{1} << 30;
};

// Write is not thread-safe (see Sink); Failure and forwarder() are.
class StoreAndForwardSink final : public Sink {
 public:
  // Starts the forwarder over `log`; `clock` stamps stored events and times the
  // forwarder (its options' clock is replaced). `log`, `fs` and `clock` must
  // outlive the sink. Returns the forwarder's start error
  // (INVALID_ARGUMENT for a bad batch size, or an I/O error loading its files).
  static absl::StatusOr<std::unique_ptr<StoreAndForwardSink>> Start(EventLog& log, FileSystem& fs,
                                                                    Clock& clock,
                                                                    StoreAndForwardOptions options);

  // RESOURCE_EXHAUSTED, storing nothing, when `records` would take the
  // backlog past the bound; else as FileSink::Write.
  absl::Status Write(absl::Span<const Record> records) override;

  absl::Status Failure() const override { return spool_.Failure(); }

  // The forwarder, for its counters and backlog figures and to stop delivery
  // at shutdown (HttpForwarder::Stop). It lives as long as the sink.
  HttpForwarder& forwarder() const { return *forwarder_; }

 private:
  StoreAndForwardSink(EventLog& log, Clock& clock, std::unique_ptr<HttpForwarder> forwarder,
                      uint64_t max_backlog_bytes)
      : spool_(log, clock),
        forwarder_(std::move(forwarder)),
        max_backlog_bytes_(max_backlog_bytes) {}

  FileSink spool_;
  const std::unique_ptr<HttpForwarder> forwarder_;
  const uint64_t max_backlog_bytes_;
};

}  // namespace trackd

#endif  // TRACKD_SERVER_SINKS_STORE_AND_FORWARD_SINK_H_

// FileSink: writes each batch to the EventLog and returns once it is fsynced.
// It is the embedded default sink, and the durable spool in front of the HTTP
// forwarder, where a bound on the undelivered backlog applies. After an I/O
// error the log is fail-stop, and so is this sink: Failure() reports it and
// every later Write returns the same UNAVAILABLE until a restart.
#ifndef TRACKD_SERVER_SINKS_FILE_SINK_H_
#define TRACKD_SERVER_SINKS_FILE_SINK_H_

#include <cstdint>
#include <functional>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "server/event_log.h"
#include "server/sinks/sink.h"

namespace trackd {

// Not thread-safe (see Sink). `log` and `clock` must outlive the sink.
class FileSink final : public Sink {
 public:
  FileSink(EventLog& log, Clock& clock) : log_(log), clock_(clock) {}

  // As a spool: `backlog_bytes` tells how many bytes are not yet delivered, and
  // a write that would take it past `max_backlog_bytes` is refused.
  FileSink(EventLog& log, Clock& clock, std::function<uint64_t()> backlog_bytes,
           uint64_t max_backlog_bytes)
      : log_(log),
        clock_(clock),
        backlog_bytes_(std::move(backlog_bytes)),
        max_backlog_bytes_(max_backlog_bytes) {}

  absl::Status Write(absl::Span<const Record> records) override {
    if (backlog_bytes_) {
      uint64_t incoming = 0;
      for (const Record& r : records) incoming += r.json.size() + 1;
      const uint64_t backlog = backlog_bytes_();
      if (backlog + incoming > max_backlog_bytes_) {
        return absl::ResourceExhaustedError(absl::StrCat(
            "the spool is full (", backlog, " of ", max_backlog_bytes_,
            " bytes undelivered); retry later"));
      }
    }
    return log_.Append(records, clock_.Now());
  }

  absl::Status Failure() const override { return log_.Failure(); }

 private:
  EventLog& log_;
  Clock& clock_;
  const std::function<uint64_t()> backlog_bytes_;
  const uint64_t max_backlog_bytes_ = 0;
};

}  // namespace trackd

#endif  // TRACKD_SERVER_SINKS_FILE_SINK_H_

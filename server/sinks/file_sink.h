// FileSink: writes each batch to the EventLog and returns once it is fsynced.
// It is the embedded default sink, and the durable spool inside the HTTP sink
// (see store_and_forward_sink.h). After an I/O error the log is fail-stop, and
// so is this sink: Failure() reports it and every later Write returns the same
// UNAVAILABLE until a restart.
#ifndef TRACKD_SERVER_SINKS_FILE_SINK_H_
#define TRACKD_SERVER_SINKS_FILE_SINK_H_

#include "absl/time/time.h"
#include "server/event_log.h"
#include "server/sinks/sink.h"
#include "trackd/common/clock.h"

namespace trackd {

// Not thread-safe (see Sink). `log` and `clock` must outlive the sink.
class FileSink final : public Sink {
 public:
  FileSink(EventLog& log, Clock& clock) : log_(log), clock_(clock) {}

  absl::Status Write(absl::Span<const Record> records) override {
    return log_.Append(records, clock_.Now());
  }

  absl::Status Failure() const override { return log_.Failure(); }

 private:
  EventLog& log_;
  Clock& clock_;
};

}  // namespace trackd

#endif  // TRACKD_SERVER_SINKS_FILE_SINK_H_

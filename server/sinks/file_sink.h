// FileSink: writes each batch to the EventLog and returns once it is fsynced.
// It is the embedded default sink, and the durable spool in front of the HTTP
// forwarder, where max_disk_bytes bounds the undelivered backlog.
#ifndef TRACKD_SERVER_SINKS_FILE_SINK_H_
#define TRACKD_SERVER_SINKS_FILE_SINK_H_

#include <cstdint>
#include <functional>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "server/event_log.h"
#include "server/sinks/sink.h"

namespace trackd {

// Not thread-safe (see Sink). `log` must outlive the sink.
class FileSink final : public Sink {
 public:
  // `max_disk_bytes` bounds the log's .ndjson files on disk; 0 means no bound.
  FileSink(EventLog& log, std::function<absl::Time()> clock, uint64_t max_disk_bytes = 0)
      : log_(log), clock_(std::move(clock)), max_disk_bytes_(max_disk_bytes) {}

  absl::Status Write(absl::Span<const Record> records) override {
    if (max_disk_bytes_ > 0) {
      uint64_t incoming = 0;
      for (const Record& r : records) incoming += r.json.size() + 1;
      if (log_.DiskBytes() + incoming > max_disk_bytes_) {
        return absl::ResourceExhaustedError(absl::StrCat(
            "the spool is full (", log_.DiskBytes(), " of ", max_disk_bytes_,
            " bytes undelivered); retry later"));
      }
    }
    return log_.Append(records, clock_());
  }

 private:
  EventLog& log_;
  const std::function<absl::Time()> clock_;
  const uint64_t max_disk_bytes_;
};

}  // namespace trackd

#endif  // TRACKD_SERVER_SINKS_FILE_SINK_H_

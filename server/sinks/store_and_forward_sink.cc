#include "server/sinks/store_and_forward_sink.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "server/log_format.h"

namespace trackd {

absl::StatusOr<std::unique_ptr<StoreAndForwardSink>> StoreAndForwardSink::Start(
    EventLog& log, FileSystem& fs, Clock& clock, StoreAndForwardOptions options) {
  HttpForwarderOptions& forwarder_options = options.forwarder;
  forwarder_options.clock = &clock;  // One clock stamps, backs off and ages the backlog.
  if (forwarder_options.cursor_path.empty()) {
    forwarder_options.cursor_path =
        absl::StrCat(log.dir(), "/", log_format::kForwardCursorFileName);
  }
  if (forwarder_options.dead_letter_path.empty()) {
    forwarder_options.dead_letter_path =
        absl::StrCat(log.dir(), "/", log_format::kDeadLetterFileName);
  }
  auto forwarder = HttpForwarder::Start(log, fs, std::move(forwarder_options));
  if (!forwarder.ok()) return forwarder.status();
  return std::unique_ptr<StoreAndForwardSink>(
      new StoreAndForwardSink(log, clock, std::move(*forwarder), options.max_backlog_bytes));
}

absl::Status StoreAndForwardSink::Write(absl::Span<const Record> records) {
  uint64_t incoming = 0;
  for (const Record& r : records) incoming += r.json.size() + 1;
  const uint64_t backlog = forwarder_->BacklogBytes();
  if (backlog + incoming > max_backlog_bytes_) {
    return absl::ResourceExhaustedError(absl::StrCat("the spool is full (", backlog, " of ",
                                                     max_backlog_bytes_,
                                                     " bytes undelivered); retry later"));
  }
  return spool_.Write(records);
}

}  // namespace trackd

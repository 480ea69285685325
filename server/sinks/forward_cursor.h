// ForwardCursor: how far the HTTP forwarder got through the spool, in a form
// it can store durably and read back after a restart or a crash.
#ifndef TRACKD_SERVER_SINKS_FORWARD_CURSOR_H_
#define TRACKD_SERVER_SINKS_FORWARD_CURSOR_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/event_log.h"

namespace trackd {

struct ForwardCursor {
  // The first event not known to be delivered.
  LogPosition next;
  // Set while a batch of several events is being sent: the batch is exactly
  // [next, pending_end), so after a crash it is re-sent with the same
  // boundaries and the same Idempotency-Key.
  std::optional<LogPosition> pending_end;
  // Set (with pending_end) while the batch [next, pending_end) is being
  // recorded in the dead-letter file as its bytes [from, to). After a crash, a
  // file of at least `to` bytes holds the batch whole and the cursor moves past
  // it without sending it again; a shorter file is cut back to `from` and the
  // batch is sent again.
  struct DeadLetterRange {
    uint64_t from = 0;
    uint64_t to = 0;
    friend bool operator==(const DeadLetterRange&, const DeadLetterRange&) = default;
  };
  std::optional<DeadLetterRange> dead_letter = std::nullopt;

  friend bool operator==(const ForwardCursor&, const ForwardCursor&) = default;
};

// "trackd-cursor-v1 <segment> <data> <ids> <pending data> <pending ids>\n",
// with "- -" when nothing is pending; "trackd-cursor-v2 …" adds
// " <dead-letter from> <dead-letter to>" while a dead letter is being written
// (so a trackd that knows only v1 refuses, rather than misreads, that state).
std::string FormatCursor(const ForwardCursor& cursor);

// Reads FormatCursor's output. INVALID_ARGUMENT when it is not one.
absl::StatusOr<ForwardCursor> ParseCursor(absl::string_view text);

}  // namespace trackd

#endif  // TRACKD_SERVER_SINKS_FORWARD_CURSOR_H_

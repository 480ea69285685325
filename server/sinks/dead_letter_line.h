// The dead-letter file's line: an event the Track API refused for good, with the answer.
//   {"message_id":"…","status":400,"response":"…","failed_at":"…","event":{…}}
// The forwarder writes it (HttpForwarder::DeadLetter); trackctl resend-dead-letters reads it
// back and POSTs "event" byte for byte as the forwarder did. docs/forwarding.md documents it.
#ifndef TRACKD_SERVER_SINKS_DEAD_LETTER_LINE_H_
#define TRACKD_SERVER_SINKS_DEAD_LETTER_LINE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace trackd {

struct DeadLetter {
  std::string message_id;  // The event's message_id: the Idempotency-Key it was sent with.
  int status = 0;          // The refusing HTTP status.
  std::string event_json;  // The event exactly as it was POSTed (documented JSON).
};

// Appends one line, '\n' included. `response` must be valid UTF-8 (HttpResult::body is);
// `event_json` is the documented JSON object that was POSTed.
void AppendDeadLetterLine(absl::string_view message_id, int status, absl::string_view response,
                          absl::string_view failed_at, absl::string_view event_json,
                          std::string* out);

// Reads one line (without its '\n'). Returns INVALID_ARGUMENT saying what is wrong when it is
// not strict JSON of that shape: message_id a non-empty string, status a number, event an
// object and the last key (so its bytes are the ones the forwarder posted).
absl::StatusOr<DeadLetter> ParseDeadLetterLine(absl::string_view line);

}  // namespace trackd

#endif  // TRACKD_SERVER_SINKS_DEAD_LETTER_LINE_H_

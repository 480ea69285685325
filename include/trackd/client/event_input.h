// Splitting trackctl's input into events: one JSON object (one line or
// pretty-printed, like the seed's samples) or NDJSON with one event per line.
#ifndef TRACKD_CLIENT_EVENT_INPUT_H_
#define TRACKD_CLIENT_EVENT_INPUT_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace trackd {

struct InputEvent {
  int line;          // 1-based line where the event starts, for messages.
  std::string json;  // The event's text.
};

// When `input` holds exactly one top-level JSON object (any layout), returns
// it alone; otherwise returns each non-blank line as one event.
std::vector<InputEvent> SplitEvents(absl::string_view input);

}  // namespace trackd

#endif  // TRACKD_CLIENT_EVENT_INPUT_H_

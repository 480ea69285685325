#include "trackd/client/event_input.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"

namespace trackd {
namespace {

// Returns the offset just past the top-level JSON object starting at `start`
// (which must be '{'), or npos when the object does not close.
size_t EndOfObject(absl::string_view text, size_t start) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = start; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (--depth == 0) return i + 1;
    }
  }
  return absl::string_view::npos;
}

}  // namespace

std::vector<InputEvent> SplitEvents(absl::string_view input) {
  const absl::string_view trimmed = absl::StripAsciiWhitespace(input);
  if (!trimmed.empty() && trimmed.front() == '{') {
    const size_t end = EndOfObject(trimmed, 0);
    if (end == trimmed.size()) {
      const size_t offset = static_cast<size_t>(trimmed.data() - input.data());
      int line = 1;
      for (size_t i = 0; i < offset; ++i) line += input[i] == '\n' ? 1 : 0;
      return {{line, std::string(trimmed)}};
    }
  }
  std::vector<InputEvent> events;
  int line = 0;
  for (absl::string_view text : absl::StrSplit(input, '\n')) {
    ++line;
    text = absl::StripAsciiWhitespace(text);
    if (!text.empty()) events.push_back({line, std::string(text)});
  }
  return events;
}

}  // namespace trackd

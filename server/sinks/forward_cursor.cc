#include "server/sinks/forward_cursor.h"

#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace trackd {

std::string FormatCursor(const ForwardCursor& cursor) {
  const LogPosition& n = cursor.next;
  std::string pending = "- -";
  if (cursor.pending_end.has_value()) {
    pending = absl::StrCat(cursor.pending_end->data_bytes, " ", cursor.pending_end->ids_bytes);
  }
  if (cursor.dead_letter.has_value() && cursor.pending_end.has_value()) {
    return absl::StrCat("trackd-cursor-v2 ", n.segment, " ", n.data_bytes, " ", n.ids_bytes, " ",
                        pending, " ", cursor.dead_letter->from, " ", cursor.dead_letter->to, "\n");
  }
  return absl::StrCat("trackd-cursor-v1 ", n.segment, " ", n.data_bytes, " ", n.ids_bytes, " ",
                      pending, "\n");
}

absl::StatusOr<ForwardCursor> ParseCursor(absl::string_view text) {
  const std::vector<absl::string_view> words = absl::StrSplit(absl::StripSuffix(text, "\n"), ' ');
  const auto invalid = [&] {
    return absl::InvalidArgumentError(absl::StrCat("not a forward cursor: \"", text, "\""));
  };
  const bool v2 = words.size() == 8 && words[0] == "trackd-cursor-v2";
  if (!v2 && (words.size() != 6 || words[0] != "trackd-cursor-v1")) return invalid();
  ForwardCursor cursor;
  if (!absl::SimpleAtoi(words[1], &cursor.next.segment) ||
      !absl::SimpleAtoi(words[2], &cursor.next.data_bytes) ||
      !absl::SimpleAtoi(words[3], &cursor.next.ids_bytes)) {
    return invalid();
  }
  if (words[4] == "-" && words[5] == "-" && !v2) return cursor;
  LogPosition end{cursor.next.segment, 0, 0};
  if (!absl::SimpleAtoi(words[4], &end.data_bytes) || !absl::SimpleAtoi(words[5], &end.ids_bytes) ||
      end.data_bytes < cursor.next.data_bytes) {
    return invalid();
  }
  cursor.pending_end = end;
  if (v2) {
    ForwardCursor::DeadLetterRange range;
    if (!absl::SimpleAtoi(words[6], &range.from) || !absl::SimpleAtoi(words[7], &range.to) ||
        range.to < range.from) {
      return invalid();
    }
    cursor.dead_letter = range;
  }
  return cursor;
}

}  // namespace trackd

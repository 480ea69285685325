// UTF-8 checks shared by validation, the wire decoder and the bounds on error
// details. Pure functions over bytes.
#ifndef TRACKD_SERVER_UTF8_H_
#define TRACKD_SERVER_UTF8_H_

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

namespace trackd {

// What one UTF-8 scan of a string found.
struct TextScan {
  size_t chars = 0;          // Code points before the first invalid byte.
  bool valid_utf8 = true;    // No invalid, overlong, surrogate or truncated sequence.
  bool has_control = false;  // A C0 or C1 control character or DEL.
};

// Decodes `s` once, counting code points and noting control characters.
TextScan ScanText(absl::string_view s);

inline bool IsValidUtf8(absl::string_view s) { return ScanText(s).valid_utf8; }

// Returns true when the valid UTF-8 string `s` begins or ends with a white
// space character (Unicode White_Space: ASCII space and tab, NBSP, the
// U+2000 block, ideographic space, ...).
bool HasSurroundingWhitespace(absl::string_view s);

// Returns `s` with each invalid byte replaced by U+FFFD, so that a field path
// built from a key that is not UTF-8 can still be reported.
std::string ReplaceInvalidUtf8(absl::string_view s);

// Returns the longest prefix of the valid UTF-8 string `s` that has at most
// `max_bytes` bytes and ends on a character boundary.
absl::string_view Utf8Prefix(absl::string_view s, size_t max_bytes);

}  // namespace trackd

#endif  // TRACKD_SERVER_UTF8_H_

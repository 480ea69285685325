#include "server/utf8.h"

#include <cstdint>

namespace trackd {
namespace {

// The length of the valid sequence at the start of `s`, or 0 when it is not
// valid UTF-8. Sets `cp` to the code point.
size_t DecodeOne(absl::string_view s, uint32_t* cp) {
  const auto lead = static_cast<unsigned char>(s[0]);
  size_t len;
  if (lead < 0x80) {
    *cp = lead;
    return 1;
  } else if ((lead & 0xE0) == 0xC0) {
    *cp = lead & 0x1F;
    len = 2;
  } else if ((lead & 0xF0) == 0xE0) {
    *cp = lead & 0x0F;
    len = 3;
  } else if ((lead & 0xF8) == 0xF0) {
    *cp = lead & 0x07;
    len = 4;
  } else {
    return 0;
  }
  if (len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    const auto cont = static_cast<unsigned char>(s[k]);
    if ((cont & 0xC0) != 0x80) return 0;
    *cp = (*cp << 6) | (cont & 0x3F);
  }
  const bool overlong = (len == 2 && *cp < 0x80) || (len == 3 && *cp < 0x800) ||
                        (len == 4 && *cp < 0x10000);
  if (overlong || *cp > 0x10FFFF || (*cp >= 0xD800 && *cp <= 0xDFFF)) return 0;
  return len;
}

bool IsWhitespace(uint32_t cp) {
  return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
         cp == 0x205F || cp == 0x3000;
}

}  // namespace

bool HasSurroundingWhitespace(absl::string_view s) {
  if (s.empty()) return false;
  uint32_t first;
  if (DecodeOne(s, &first) > 0 && IsWhitespace(first)) return true;
  // The last character starts at the last byte that is not a continuation byte.
  size_t start = s.size() - 1;
  while (start > 0 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
  uint32_t last;
  return DecodeOne(s.substr(start), &last) > 0 && IsWhitespace(last);
}

TextScan ScanText(absl::string_view s) {
  TextScan scan;
  size_t i = 0;
  while (i < s.size()) {
    uint32_t cp;
    const size_t len = DecodeOne(s.substr(i), &cp);
    if (len == 0) {
      scan.valid_utf8 = false;
      return scan;
    }
    if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) scan.has_control = true;
    ++scan.chars;
    i += len;
  }
  return scan;
}

std::string ReplaceInvalidUtf8(absl::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    uint32_t cp;
    const size_t len = DecodeOne(s.substr(i), &cp);
    if (len == 0) {
      out.append("\xEF\xBF\xBD");
      ++i;
    } else {
      out.append(s.data() + i, len);
      i += len;
    }
  }
  return out;
}

absl::string_view Utf8Prefix(absl::string_view s, size_t max_bytes) {
  if (s.size() <= max_bytes) return s;
  size_t end = max_bytes;
  // Step back over continuation bytes to the start of the cut character.
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
  return s.substr(0, end);
}

}  // namespace trackd

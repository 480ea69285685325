#include "server/utf8.h"

#include <cstdint>
#include <cstring>

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
  const bool overlong =
      (len == 2 && *cp < 0x80) || (len == 3 && *cp < 0x800) || (len == 4 && *cp < 0x10000);
  if (overlong || *cp > 0x10FFFF || (*cp >= 0xD800 && *cp <= 0xDFFF)) return 0;
  return len;
}

constexpr uint64_t kHighBits = 0x8080808080808080;
constexpr uint64_t kOnes = 0x0101010101010101;

uint64_t LoadWord(const char* p) {
  uint64_t word;
  std::memcpy(&word, p, sizeof(word));
  return word;
}

// For eight ASCII bytes (none >= 0x80): non-zero when one of them is a C0
// control (< 0x20) or DEL (0x7F). Subtracting 0x20 from a byte below 0x20
// borrows into its high bit, and XOR with 0x7F turns DEL into the zero byte
// that the same test finds; a borrow only crosses into the next byte from a
// byte that was itself a hit, so the answer is exact as a whole.
uint64_t AsciiControlBits(uint64_t word) {
  const uint64_t below_space = (word - kOnes * 0x20) & ~word;
  const uint64_t del = word ^ (kOnes * 0x7F);
  const uint64_t is_del = (del - kOnes) & ~del;
  return (below_space | is_del) & kHighBits;
}

bool IsWhitespace(uint32_t cp) {
  return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
         cp == 0x205F || cp == 0x3000;
}

}  // namespace

bool HasSurroundingWhitespace(absl::string_view s) {
  if (s.empty()) return false;
  // ASCII ends, the common case, need no decoding.
  const auto front = static_cast<unsigned char>(s.front());
  uint32_t first;
  if (front < 0x80 ? IsWhitespace(front) : DecodeOne(s, &first) > 0 && IsWhitespace(first)) {
    return true;
  }
  const auto back = static_cast<unsigned char>(s.back());
  if (back < 0x80) return IsWhitespace(back);
  // The last character starts at the last byte that is not a continuation byte.
  size_t start = s.size() - 1;
  while (start > 0 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
  uint32_t last;
  return DecodeOne(s.substr(start), &last) > 0 && IsWhitespace(last);
}

TextScan ScanText(absl::string_view s) {
  TextScan scan;
  const char* const data = s.data();
  const size_t size = s.size();
  uint64_t control = 0;  // Non-zero once an ASCII control character was seen.
  size_t i = 0;
  while (i < size) {
    // Most text is ASCII: take it eight bytes at a time, then byte by byte up
    // to the next non-ASCII byte, which alone goes through DecodeOne.
    const size_t ascii_start = i;
    for (; i + 8 <= size; i += 8) {
      const uint64_t word = LoadWord(data + i);
      if ((word & kHighBits) != 0) break;
      control |= AsciiControlBits(word);
    }
    if (i < size && size >= 8 && i + 8 > size) {
      // The last few bytes: one more word, overlapping bytes already taken
      // (which adds no control character that was not already noted).
      const uint64_t word = LoadWord(data + size - 8);
      if ((word & kHighBits) == 0) {
        control |= AsciiControlBits(word);
        i = size;
      }
    }
    for (; i < size; ++i) {
      const auto c = static_cast<unsigned char>(data[i]);
      if (c >= 0x80) break;
      control |= static_cast<uint64_t>(c < 0x20 || c == 0x7F);
    }
    scan.chars += i - ascii_start;
    if (i == size) break;
    uint32_t cp;
    const size_t len = DecodeOne(s.substr(i), &cp);
    if (len == 0) {
      scan.valid_utf8 = false;
      break;
    }
    // A multi-byte sequence encodes cp >= 0x80, so this is a C1 control.
    if (cp <= 0x9F) scan.has_control = true;
    ++scan.chars;
    i += len;
  }
  if (control != 0) scan.has_control = true;
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

#include "fuzz/strict_json.h"

#include <cstdint>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"

namespace trackd {
namespace {

constexpr int kMaxDepth = 512;

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

class Checker {
 public:
  explicit Checker(absl::string_view text) : text_(text) {}

  absl::Status Run() {
    SkipWhitespace();
    if (!Value(0)) return Error();
    SkipWhitespace();
    if (pos_ != text_.size()) return Fail("text after the value"), Error();
    return absl::OkStatus();
  }

 private:
  absl::Status Error() const {
    return absl::InvalidArgumentError(absl::StrCat("offset ", error_pos_, ": ", error_));
  }
  bool Fail(const char* why) {
    if (error_.empty()) {
      error_ = why;
      error_pos_ = pos_;
    }
    return false;
  }
  bool AtEnd() const { return pos_ >= text_.size(); }
  unsigned char Peek() const { return static_cast<unsigned char>(text_[pos_]); }

  void SkipWhitespace() {
    while (!AtEnd() && (Peek() == ' ' || Peek() == '\t' || Peek() == '\n' || Peek() == '\r')) {
      ++pos_;
    }
  }

  bool Literal(absl::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return Fail("not a JSON value");
    pos_ += word.size();
    return true;
  }

  bool Value(int depth) {
    if (AtEnd()) return Fail("a value is missing");
    switch (Peek()) {
      case '{':
        return Object(depth + 1);
      case '[':
        return Array(depth + 1);
      case '"': {
        std::string ignored;
        return String(&ignored);
      }
      case 't':
        return Literal("true");
      case 'f':
        return Literal("false");
      case 'n':
        return Literal("null");
      default:
        return Number();
    }
  }

  bool Object(int depth) {
    if (depth > kMaxDepth) return Fail("nested too deep");
    ++pos_;  // '{'
    std::set<std::string> keys;
    SkipWhitespace();
    if (!AtEnd() && Peek() == '}') {
      ++pos_;
      return true;
    }
    while (true) {
      SkipWhitespace();
      if (AtEnd() || Peek() != '"') return Fail("an object key must be a string");
      std::string key;
      if (!String(&key)) return false;
      if (!keys.insert(key).second) return Fail("duplicate key in an object");
      SkipWhitespace();
      if (AtEnd() || Peek() != ':') return Fail("':' expected after an object key");
      ++pos_;
      SkipWhitespace();
      if (!Value(depth)) return false;
      SkipWhitespace();
      if (AtEnd()) return Fail("unterminated object");
      if (Peek() == '}') {
        ++pos_;
        return true;
      }
      if (Peek() != ',') return Fail("',' or '}' expected in an object");
      ++pos_;
    }
  }

  bool Array(int depth) {
    if (depth > kMaxDepth) return Fail("nested too deep");
    ++pos_;  // '['
    SkipWhitespace();
    if (!AtEnd() && Peek() == ']') {
      ++pos_;
      return true;
    }
    while (true) {
      SkipWhitespace();
      if (!Value(depth)) return false;
      SkipWhitespace();
      if (AtEnd()) return Fail("unterminated array");
      if (Peek() == ']') {
        ++pos_;
        return true;
      }
      if (Peek() != ',') return Fail("',' or ']' expected in an array");
      ++pos_;
    }
  }

  bool Digits() {
    if (AtEnd() || Peek() < '0' || Peek() > '9') return Fail("a digit is expected");
    while (!AtEnd() && Peek() >= '0' && Peek() <= '9') ++pos_;
    return true;
  }

  bool Number() {
    if (!AtEnd() && Peek() == '-') ++pos_;
    if (AtEnd()) return Fail("not a JSON value");
    if (Peek() == '0') {
      ++pos_;
    } else if (Peek() >= '1' && Peek() <= '9') {
      Digits();
    } else {
      return Fail("not a JSON value");
    }
    if (!AtEnd() && Peek() == '.') {
      ++pos_;
      if (!Digits()) return false;
    }
    if (!AtEnd() && (Peek() == 'e' || Peek() == 'E')) {
      ++pos_;
      if (!AtEnd() && (Peek() == '+' || Peek() == '-')) ++pos_;
      if (!Digits()) return false;
    }
    return true;
  }

  bool Hex4(uint32_t* out) {
    if (pos_ + 4 > text_.size()) return Fail("\\u needs four hex digits");
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = text_[pos_ + i];
      v <<= 4;
      if (c >= '0' && c <= '9')
        v |= c - '0';
      else if (c >= 'a' && c <= 'f')
        v |= c - 'a' + 10;
      else if (c >= 'A' && c <= 'F')
        v |= c - 'A' + 10;
      else
        return Fail("\\u needs four hex digits");
    }
    pos_ += 4;
    *out = v;
    return true;
  }

  // One UTF-8 encoded code point at pos_, appended to *out.
  bool Utf8(std::string* out) {
    const size_t start = pos_;
    const unsigned char lead = Peek();
    size_t len;
    uint32_t cp;
    if (lead < 0x80) {
      len = 1;
      cp = lead;
    } else if ((lead & 0xE0) == 0xC0) {
      len = 2;
      cp = lead & 0x1F;
    } else if ((lead & 0xF0) == 0xE0) {
      len = 3;
      cp = lead & 0x0F;
    } else if ((lead & 0xF8) == 0xF0) {
      len = 4;
      cp = lead & 0x07;
    } else {
      return Fail("invalid UTF-8 lead byte");
    }
    if (start + len > text_.size()) return Fail("truncated UTF-8 sequence");
    for (size_t k = 1; k < len; ++k) {
      const auto c = static_cast<unsigned char>(text_[start + k]);
      if ((c & 0xC0) != 0x80) return Fail("invalid UTF-8 continuation byte");
      cp = (cp << 6) | (c & 0x3F);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000)) {
      return Fail("overlong UTF-8");
    }
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return Fail("UTF-8 of a non-character");
    out->append(text_.data() + start, len);
    pos_ += len;
    return true;
  }

  bool String(std::string* out) {
    ++pos_;  // '"'
    while (true) {
      if (AtEnd()) return Fail("unterminated string");
      const unsigned char c = Peek();
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c < 0x20) return Fail("raw control character in a string");
      if (c != '\\') {
        if (!Utf8(out)) return false;
        continue;
      }
      ++pos_;
      if (AtEnd()) return Fail("unterminated escape");
      const char e = text_[pos_++];
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out->push_back(e);
          break;
        case 'b':
          out->push_back('\b');
          break;
        case 'f':
          out->push_back('\f');
          break;
        case 'n':
          out->push_back('\n');
          break;
        case 'r':
          out->push_back('\r');
          break;
        case 't':
          out->push_back('\t');
          break;
        case 'u': {
          uint32_t unit;
          if (!Hex4(&unit)) return false;
          if (unit >= 0xDC00 && unit <= 0xDFFF) return Fail("lone low surrogate escape");
          if (unit >= 0xD800 && unit <= 0xDBFF) {
            uint32_t low;
            if (text_.substr(pos_, 2) != "\\u")
              return Fail("high surrogate escape without a low one");
            pos_ += 2;
            if (!Hex4(&low)) return false;
            if (low < 0xDC00 || low > 0xDFFF)
              return Fail("high surrogate escape without a low one");
            unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
          }
          AppendUtf8(unit, out);  // Keys compare by the text they stand for.
          break;
        }
        default:
          return Fail("unknown escape");
      }
    }
  }

  absl::string_view text_;
  size_t pos_ = 0;
  std::string error_;
  size_t error_pos_ = 0;
};

}  // namespace

absl::Status CheckStrictJson(absl::string_view text) { return Checker(text).Run(); }

}  // namespace trackd

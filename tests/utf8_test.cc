// ScanText and HasSurroundingWhitespace take ASCII a word at a time and decode
// only the rest. These tests pin that the fast paths give exactly what a plain
// byte-by-byte decoder gives, for every edge of UTF-8 at every alignment.
#include "server/utf8.h"

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace trackd {
namespace {

// The reference: one code point at a time, as utf8.cc did before its fast path.
size_t ReferenceDecodeOne(absl::string_view s, uint32_t* cp) {
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

TextScan ReferenceScanText(absl::string_view s) {
  TextScan scan;
  size_t i = 0;
  while (i < s.size()) {
    uint32_t cp;
    const size_t len = ReferenceDecodeOne(s.substr(i), &cp);
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

bool ReferenceIsWhitespace(uint32_t cp) {
  return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
         cp == 0x205F || cp == 0x3000;
}

bool ReferenceHasSurroundingWhitespace(absl::string_view s) {
  if (s.empty()) return false;
  uint32_t first;
  if (ReferenceDecodeOne(s, &first) > 0 && ReferenceIsWhitespace(first)) return true;
  size_t start = s.size() - 1;
  while (start > 0 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
  uint32_t last;
  return ReferenceDecodeOne(s.substr(start), &last) > 0 && ReferenceIsWhitespace(last);
}

std::string Hex(absl::string_view s) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 0xF]);
    out.push_back(' ');
  }
  return out;
}

// Compares ScanText with the reference on `s`; returns false on the first
// difference (after recording a failure), so a loop can stop early.
bool ScanMatchesReference(absl::string_view s) {
  const TextScan got = ScanText(s);
  const TextScan want = ReferenceScanText(s);
  if (got.valid_utf8 == want.valid_utf8 && got.chars == want.chars &&
      got.has_control == want.has_control) {
    return true;
  }
  ADD_FAILURE() << "input " << Hex(s) << ": got valid=" << got.valid_utf8 << " chars=" << got.chars
                << " control=" << got.has_control << ", want valid=" << want.valid_utf8
                << " chars=" << want.chars << " control=" << want.has_control;
  return false;
}

bool WhitespaceMatchesReference(absl::string_view s) {
  if (HasSurroundingWhitespace(s) == ReferenceHasSurroundingWhitespace(s)) return true;
  ADD_FAILURE() << "input " << Hex(s) << ": got " << HasSurroundingWhitespace(s);
  return false;
}

// `piece` at every offset 0..17 of ASCII padding and followed by 0, 1 or 7
// bytes of it, so it lands in the word loop, the byte loop and the tail, and
// straddles every word boundary.
bool MatchesAtEveryAlignment(const std::string& piece, char pad = 'a') {
  for (size_t before = 0; before <= 17; ++before) {
    for (size_t after : {0, 1, 7}) {
      const std::string s = std::string(before, pad) + piece + std::string(after, pad);
      if (!ScanMatchesReference(s) || !WhitespaceMatchesReference(s)) return false;
      if (!WhitespaceMatchesReference(piece + std::string(after, pad))) return false;
    }
  }
  return true;
}

std::string Bytes(std::initializer_list<int> bytes) {
  std::string out;
  for (int b : bytes) out.push_back(static_cast<char>(b));
  return out;
}

TEST(Utf8Test, ScanCountsCharactersAndFindsControls) {
  const TextScan ascii = ScanText("hello, world: a plain ASCII line");
  EXPECT_TRUE(ascii.valid_utf8);
  EXPECT_EQ(ascii.chars, 32u);
  EXPECT_FALSE(ascii.has_control);

  const TextScan mixed = ScanText("Été — 名前 😀");
  EXPECT_TRUE(mixed.valid_utf8);
  EXPECT_EQ(mixed.chars, 10u);
  EXPECT_FALSE(mixed.has_control);

  EXPECT_TRUE(ScanText("sixteen bytes ok\x7f").has_control);  // DEL after a full word.
  EXPECT_TRUE(ScanText("sixteen bytes ok\x1f").has_control);
  EXPECT_TRUE(ScanText("\xc2\x85 next line").has_control);  // C1 NEL.
  EXPECT_FALSE(ScanText("\xc2\xa0 no-break space").has_control);
  EXPECT_FALSE(ScanText("~ tilde and space ").has_control);  // 0x7E and 0x20 are not.
}

TEST(Utf8Test, ScanStopsCountingAtTheFirstInvalidByte) {
  const TextScan scan = ScanText("abcdefghij\xff\x01");
  EXPECT_FALSE(scan.valid_utf8);
  EXPECT_EQ(scan.chars, 10u);
  EXPECT_FALSE(scan.has_control);  // The control after the invalid byte is not reached.
}

TEST(Utf8Test, EverySingleByteAtEveryAlignmentMatchesTheReference) {
  for (int b = 0; b < 256; ++b) {
    ASSERT_TRUE(MatchesAtEveryAlignment(Bytes({b}))) << b;
    ASSERT_TRUE(MatchesAtEveryAlignment(Bytes({b}), ' ')) << b;
  }
}

TEST(Utf8Test, EveryTwoByteSequenceMatchesTheReference) {
  for (int a = 0; a < 256; ++a) {
    for (int b = 0; b < 256; ++b) {
      const std::string pair = Bytes({a, b});
      ASSERT_TRUE(ScanMatchesReference(pair));
      ASSERT_TRUE(ScanMatchesReference("0123456" + pair + "x"));  // Straddles a word.
      ASSERT_TRUE(WhitespaceMatchesReference(pair));
    }
  }
}

// Continuation candidates at the edges of every range the decoder checks.
const std::vector<int> kEdgeBytes = {0x00, 0x1F, 0x20, 0x7F, 0x80, 0x81, 0x8F, 0x90, 0x9F, 0xA0,
                                     0xA8, 0xA9, 0xBF, 0xC0, 0xC1, 0xC2, 0xE0, 0xF4, 0xFF};

TEST(Utf8Test, EdgeThreeAndFourByteSequencesMatchTheReference) {
  for (int lead = 0xC0; lead < 0x100; ++lead) {
    for (int b1 : kEdgeBytes) {
      for (int b2 : kEdgeBytes) {
        ASSERT_TRUE(MatchesAtEveryAlignment(Bytes({lead, b1, b2})));
        for (int b3 : {0x7F, 0x80, 0xBF, 0xC0}) {
          ASSERT_TRUE(MatchesAtEveryAlignment(Bytes({lead, b1, b2, b3})));
        }
      }
    }
  }
}

TEST(Utf8Test, BoundaryCodePointsMatchTheReference) {
  // Each range's first and last code point, the overlongs of each, surrogates,
  // and the first beyond U+10FFFF, plus C1 controls and the white space the
  // identifier rule knows.
  const std::vector<std::string> pieces = {
      Bytes({0x7F}),
      Bytes({0xC2, 0x80}),
      Bytes({0xC2, 0x9F}),
      Bytes({0xC2, 0xA0}),
      Bytes({0xC1, 0xBF}),
      Bytes({0xC0, 0x80}),
      Bytes({0xDF, 0xBF}),
      Bytes({0xE0, 0xA0, 0x80}),
      Bytes({0xE0, 0x9F, 0xBF}),
      Bytes({0xED, 0x9F, 0xBF}),
      Bytes({0xED, 0xA0, 0x80}),
      Bytes({0xED, 0xBF, 0xBF}),
      Bytes({0xEE, 0x80, 0x80}),
      Bytes({0xEF, 0xBF, 0xBF}),
      Bytes({0xE2, 0x80, 0xA8}),
      Bytes({0xE3, 0x80, 0x80}),
      Bytes({0xE1, 0x9A, 0x80}),
      Bytes({0xF0, 0x90, 0x80, 0x80}),
      Bytes({0xF0, 0x8F, 0xBF, 0xBF}),
      Bytes({0xF4, 0x8F, 0xBF, 0xBF}),
      Bytes({0xF4, 0x90, 0x80, 0x80}),
      Bytes({0xF5, 0x80, 0x80, 0x80}),
      Bytes({0xF8, 0x88, 0x80, 0x80, 0x80}),
      Bytes({0xE2, 0x80}),
      Bytes({0xF0, 0x9F, 0x98}),
      Bytes({0x80, 0x80}),
  };
  for (const std::string& piece : pieces) {
    ASSERT_TRUE(MatchesAtEveryAlignment(piece)) << Hex(piece);
    ASSERT_TRUE(MatchesAtEveryAlignment(piece + piece)) << Hex(piece);
    ASSERT_TRUE(MatchesAtEveryAlignment(piece, '\t')) << Hex(piece);
  }
}

TEST(Utf8Test, RandomTextMatchesTheReference) {
  std::mt19937 rng(20261130);  // Fixed seed: the same inputs on every run.
  // Mostly printable ASCII with some controls, DEL and valid multi-byte
  // characters, and now and then a random byte: long valid runs that end in
  // every kind of trouble.
  const std::vector<std::string> alphabet = {"a",
                                             "Z",
                                             "0",
                                             " ",
                                             "~",
                                             "\t",
                                             "\x01",
                                             "\x1f",
                                             "\x7f",
                                             "\xc2\x85",
                                             "\xc3\xa9",
                                             "\xe2\x80\xa8",
                                             "\xe3\x80\x80",
                                             "\xf0\x9f\x98\x80",
                                             "\xed\xa0\x80",
                                             "\xc0\xaf"};
  for (int round = 0; round < 20000; ++round) {
    std::string s;
    const int length = static_cast<int>(rng() % 40);
    for (int k = 0; k < length; ++k) {
      const unsigned pick = rng() % 100;
      if (pick < 70) {
        s.push_back(static_cast<char>(0x20 + rng() % 0x5F));
      } else if (pick < 95) {
        s += alphabet[rng() % alphabet.size()];
      } else {
        s.push_back(static_cast<char>(rng() % 256));
      }
    }
    ASSERT_TRUE(ScanMatchesReference(s));
    ASSERT_TRUE(WhitespaceMatchesReference(s));
  }
}

}  // namespace
}  // namespace trackd

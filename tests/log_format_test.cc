// The event log's on-disk format (server/log_format.h): names, line formats,
// limits and reading lines back, without a file system.
#include "server/log_format.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/validate.h"

namespace trackd::log_format {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(LogFormatTest, SegmentFileNamesAreZeroPaddedToTwentyDigits) {
  EXPECT_EQ(DataFileName(1), "segment-00000000000000000001.ndjson");
  EXPECT_EQ(IdsFileName(1), "segment-00000000000000000001.ids");
  EXPECT_EQ(DataFilePath("/data", 42), "/data/segment-00000000000000000042.ndjson");
  EXPECT_EQ(IdsFilePath("/data", 42), "/data/segment-00000000000000000042.ids");
}

TEST(LogFormatTest, NamesSortInSegmentOrder) {
  const std::vector<uint64_t> numbers = {1, 2, 9, 10, 99, 100, 12345, UINT64_MAX};
  std::vector<std::string> names;
  for (uint64_t n : numbers) names.push_back(DataFileName(n));
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
}

TEST(LogFormatTest, NamesParseBackToTheirSegmentNumber) {
  for (uint64_t n : {uint64_t{0}, uint64_t{1}, uint64_t{77}, UINT64_MAX}) {
    EXPECT_EQ(ParseSegmentFileName(DataFileName(n)), n);
    EXPECT_EQ(ParseSegmentFileName(IdsFileName(n)), n);
  }
  EXPECT_EQ(ParseSegmentFileName("segment-7.ids"), 7u);  // Unpadded, as hand-made.
}

TEST(LogFormatTest, OtherNamesAreNotSegments) {
  for (absl::string_view name :
       {"forward.cursor", "dead-letter.ndjson", "segment-.ndjson", "segment-1.txt",
        "segment-1.ndjson.tmp", "segment--1.ids", "segment-+1.ids", "segment- 1.ids",
        "segment-1a.ids", "xsegment-1.ids", "segment-99999999999999999999.ids", ""}) {
    EXPECT_EQ(ParseSegmentFileName(name), std::nullopt) << name;
  }
  EXPECT_EQ(ParseSegmentFileName(kForwardCursorFileName), std::nullopt);
  EXPECT_EQ(ParseSegmentFileName(kDeadLetterFileName), std::nullopt);
}

TEST(LogFormatTest, IdLinesRoundTrip) {
  const absl::Time stored_at = absl::FromUnixMillis(1'700'000'000'123);
  std::string out;
  const IdLineWriter writer(stored_at);
  writer.Append("first", out);
  writer.Append("ü second id", out);
  EXPECT_EQ(out, "1700000000123 first\n1700000000123 ü second id\n");

  LineReader reader(out);
  std::vector<std::string> ids;
  for (absl::string_view line; reader.Next(line);) {
    const std::optional<IdLine> id = ParseIdLine(line);
    ASSERT_TRUE(id.has_value()) << line;
    EXPECT_EQ(id->stored_at, stored_at);
    ids.emplace_back(id->message_id);
  }
  EXPECT_THAT(ids, ElementsAre("first", "ü second id"));
  EXPECT_EQ(reader.offset(), out.size());
}

TEST(LogFormatTest, DataLinesRoundTrip) {
  std::string out;
  AppendDataLine(R"({"a":1})", out);
  AppendDataLine(R"({"b":"x y"})", out);
  EXPECT_EQ(out, "{\"a\":1}\n{\"b\":\"x y\"}\n");
  LineReader reader(out);
  absl::string_view line;
  ASSERT_TRUE(reader.Next(line));
  EXPECT_EQ(line, R"({"a":1})");
  EXPECT_TRUE(IsDataLine(line));
  ASSERT_TRUE(reader.Next(line));
  EXPECT_EQ(line, R"({"b":"x y"})");
  EXPECT_FALSE(reader.Next(line));
}

TEST(LogFormatTest, MalformedIdLinesAreRejected) {
  for (absl::string_view line :
       std::vector<absl::string_view>{"", "123", "123 ", " id", "12a3 id", "-5 id", "+5 id",
                                      "99999999999999999999 id", absl::string_view("1 i\0d", 5)}) {
    EXPECT_EQ(ParseIdLine(line), std::nullopt) << line;
    EXPECT_FALSE(IsIdLine(line)) << line;
  }
  EXPECT_TRUE(IsIdLine("0 x"));
  EXPECT_TRUE(IsIdLine("5 id with spaces"));
}

TEST(LogFormatTest, MalformedDataLinesAreRejected) {
  for (absl::string_view line :
       std::vector<absl::string_view>{"", "{", "}", "x{}", "{}x", absl::string_view("{\0}", 3)}) {
    EXPECT_FALSE(IsDataLine(line)) << line;
  }
  EXPECT_TRUE(IsDataLine("{}"));
}

TEST(LogFormatTest, ReaderNeverReturnsATornTail) {
  LineReader reader("one\ntwo\nthr");
  std::vector<std::string> lines;
  for (absl::string_view line; reader.Next(line);) lines.emplace_back(line);
  EXPECT_THAT(lines, ElementsAre("one", "two"));
  EXPECT_EQ(reader.offset(), 8u);  // Just past "two\n": the torn "thr" is not consumed.
}

TEST(LogFormatTest, RecoveryKeepsTheLongestPrefixOfGoodCompleteLines) {
  // A bad line in the middle ends what is kept, even with good lines after it.
  EXPECT_THAT(GoodLineEnds("1 a\n2 b\nbad\n3 c\n", IsIdLine), ElementsAre(4u, 8u));
  EXPECT_THAT(GoodLineEnds("1 a\n2 b", IsIdLine), ElementsAre(4u));  // Torn tail.
  EXPECT_THAT(GoodLineEnds("{}\n{\"a\":1}\n{\"b\"", IsDataLine), ElementsAre(3u, 11u));
  EXPECT_THAT(GoodLineEnds("", IsDataLine), IsEmpty());
  EXPECT_THAT(GoodLineEnds("\n{}\n", IsDataLine), IsEmpty());  // An empty line is not data.
}

TEST(LogFormatTest, LongestIdLineFitsTheIdLineLimit) {
  // The longest message_id validation admits, in 4-byte characters, stored at
  // the latest time an int64 of milliseconds holds.
  std::string longest_id;
  for (size_t i = 0; i < kMaxMessageIdChars; ++i) longest_id += "\xF0\x9F\x98\x80";  // U+1F600.
  std::string out;
  IdLineWriter(absl::FromUnixMillis(INT64_MAX)).Append(longest_id, out);
  EXPECT_LE(out.size(), kMaxIdLineBytes);
  // A clock before 1970 would write a sign (recovery cuts such a line); the
  // limit has room for it all the same.
  std::string negative;
  IdLineWriter(absl::FromUnixMillis(INT64_MIN + 1)).Append(longest_id, negative);
  EXPECT_LE(negative.size(), kMaxIdLineBytes);
  EXPECT_EQ(kMaxDataLineBytes, kMaxEncodedEventBytes + 1);
}

}  // namespace
}  // namespace trackd::log_format

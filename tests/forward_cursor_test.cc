// The forward cursor's text form (server/sinks/forward_cursor.h): every form FormatCursor
// writes reads back to the same cursor, and every text that is not one is refused with
// INVALID_ARGUMENT naming it, never read as some other position.
#include "server/sinks/forward_cursor.h"

#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace trackd {
namespace {

using ::testing::HasSubstr;

struct GoodCase {
  std::string name;
  std::string text;
  ForwardCursor cursor;
};

class ForwardCursorGoodTest : public ::testing::TestWithParam<GoodCase> {};

TEST_P(ForwardCursorGoodTest, ParsesToTheCursorAndFormatsBackToTheSameText) {
  const GoodCase& c = GetParam();
  absl::StatusOr<ForwardCursor> parsed = ParseCursor(c.text);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(*parsed, c.cursor);
  EXPECT_EQ(FormatCursor(c.cursor), c.text);
}

INSTANTIATE_TEST_SUITE_P(
    Forms, ForwardCursorGoodTest,
    ::testing::Values(
        GoodCase{"NothingPending", "trackd-cursor-v1 3 100 40 - -\n", {.next = {3, 100, 40}}},
        GoodCase{"Start", "trackd-cursor-v1 0 0 0 - -\n", {}},
        GoodCase{"BatchPending",
                 "trackd-cursor-v1 3 100 40 250 80\n",
                 {.next = {3, 100, 40}, .pending_end = LogPosition{3, 250, 80}}},
        GoodCase{"EmptyBatchPending",
                 "trackd-cursor-v1 3 100 40 100 40\n",
                 {.next = {3, 100, 40}, .pending_end = LogPosition{3, 100, 40}}},
        GoodCase{"DeadLetterBeingWritten",
                 "trackd-cursor-v2 3 100 40 250 80 512 900\n",
                 {.next = {3, 100, 40},
                  .pending_end = LogPosition{3, 250, 80},
                  .dead_letter = ForwardCursor::DeadLetterRange{512, 900}}},
        GoodCase{"LargestOffsets",
                 "trackd-cursor-v1 18446744073709551615 18446744073709551615 1 - -\n",
                 {.next = {18446744073709551615u, 18446744073709551615u, 1}}}),
    [](const ::testing::TestParamInfo<GoodCase>& info) { return info.param.name; });

TEST(ForwardCursorTest, ReadsACursorWithoutItsFinalNewline) {
  absl::StatusOr<ForwardCursor> parsed = ParseCursor("trackd-cursor-v1 1 2 3 - -");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(*parsed, (ForwardCursor{.next = {1, 2, 3}}));
}

TEST(ForwardCursorTest, DeadLetterWithoutAPendingBatchIsWrittenAsVersionOne) {
  // The dead-letter range only means something while a batch is pending.
  ForwardCursor cursor{.next = {1, 2, 3}, .dead_letter = ForwardCursor::DeadLetterRange{4, 5}};
  EXPECT_EQ(FormatCursor(cursor), "trackd-cursor-v1 1 2 3 - -\n");
}

struct BadCase {
  std::string name;
  std::string text;
};

class ForwardCursorBadTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(ForwardCursorBadTest, IsRefusedAsInvalidArgumentQuotingTheText) {
  const BadCase& c = GetParam();
  absl::StatusOr<ForwardCursor> parsed = ParseCursor(c.text);
  ASSERT_FALSE(parsed.ok()) << "read as segment " << parsed->next.segment;
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(parsed.status().message(),
              HasSubstr(absl::StrCat("not a forward cursor: \"", c.text, "\"")));
}

INSTANTIATE_TEST_SUITE_P(
    Texts, ForwardCursorBadTest,
    ::testing::Values(
        BadCase{"Empty", ""}, BadCase{"OnlyANewline", "\n"},
        BadCase{"UnknownVersion", "trackd-cursor-v3 3 100 40 - -\n"},
        BadCase{"NoMagic", "3 100 40 - -\n"},
        BadCase{"VersionOneTooShort", "trackd-cursor-v1 3 100 40 -\n"},
        BadCase{"VersionOneWithADeadLetter", "trackd-cursor-v1 3 100 40 250 80 512 900\n"},
        BadCase{"VersionTwoWithoutADeadLetter", "trackd-cursor-v2 3 100 40 250 80\n"},
        BadCase{"VersionTwoWithNothingPending", "trackd-cursor-v2 3 100 40 - - 512 900\n"},
        BadCase{"SegmentNotANumber", "trackd-cursor-v1 x 100 40 - -\n"},
        BadCase{"NegativeOffset", "trackd-cursor-v1 3 -100 40 - -\n"},
        BadCase{"OffsetOverflows", "trackd-cursor-v1 3 18446744073709551616 40 - -\n"},
        BadCase{"HalfPending", "trackd-cursor-v1 3 100 40 250 -\n"},
        BadCase{"PendingEndBeforeNext", "trackd-cursor-v1 3 100 40 99 80\n"},
        BadCase{"DeadLetterEndsBeforeItStarts", "trackd-cursor-v2 3 100 40 250 80 900 512\n"},
        BadCase{"DeadLetterNotANumber", "trackd-cursor-v2 3 100 40 250 80 512 end\n"},
        BadCase{"DoubleSpace", "trackd-cursor-v1 3  100 40 - -\n"},
        BadCase{"TwoNewlines", "trackd-cursor-v1 3 100 40 - -\n\n"},
        BadCase{"CarriageReturn", "trackd-cursor-v1 3 100 40 - -\r\n"}),
    [](const ::testing::TestParamInfo<BadCase>& info) { return info.param.name; });

}  // namespace
}  // namespace trackd

#include "trackd/client/event_input.h"

#include "absl/strings/ascii.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"

namespace trackd {
namespace {

using ::testing::ElementsAre;
using ::testing::Field;

TEST(EventInputTest, PrettyPrintedSingleObjectIsOneEvent) {
  const std::string sample = testing::ReadTestData("seed_account_added_user.json");
  const auto events = SplitEvents(sample);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].line, 1);
  EXPECT_EQ(events[0].json, std::string(absl::StripAsciiWhitespace(sample)));
}

TEST(EventInputTest, NdjsonIsOneEventPerNonBlankLine) {
  const auto events = SplitEvents("{\"a\":1}\n\n{\"b\":\"}\"}\r\n{\"c\":3}");
  EXPECT_THAT(events, ElementsAre(Field(&InputEvent::line, 1), Field(&InputEvent::line, 3),
                                  Field(&InputEvent::line, 4)));
  EXPECT_EQ(events[1].json, "{\"b\":\"}\"}");
}

TEST(EventInputTest, SingleObjectAfterBlankLinesReportsItsLine) {
  const auto events = SplitEvents("\n\n{\n\"a\": \"{\"\n}\n");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].line, 3);
}

TEST(EventInputTest, BrokenLinesStayEventsSoTheyGetAnError) {
  const auto events = SplitEvents("{\"a\":1}\nnot json\n");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].json, "not json");
}

}  // namespace
}  // namespace trackd

#include "server/sinks/dead_letter_line.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace trackd {
namespace {

using ::testing::HasSubstr;

constexpr char kEvent[] =
    R"({"user_id":"u","event":"account_added_user","properties":{"user_role":"r"},)"
    R"("context":{"group_id":"g"},"timestamp":"2023-11-02T00:30:08.276Z"})";

TEST(DeadLetterLineTest, ReadsBackTheMessageIdStatusAndTheEventsExactBytes) {
  std::string line;
  AppendDeadLetterLine("m-1", 400, R"({"error":"bad"})", "2024-01-01T00:00:00.000Z", kEvent, &line);
  ASSERT_EQ(line.back(), '\n');
  line.pop_back();
  auto letter = ParseDeadLetterLine(line);
  ASSERT_TRUE(letter.ok()) << letter.status();
  EXPECT_EQ(letter->message_id, "m-1");
  EXPECT_EQ(letter->status, 400);
  EXPECT_EQ(letter->event_json, kEvent);
}

TEST(DeadLetterLineTest, AResponseQuotingTheEventKeyDoesNotMoveTheEvent) {
  std::string line;
  AppendDeadLetterLine("m,\"event\":{}", 422, R"(,"event":{"x":1}})", "t", kEvent, &line);
  line.pop_back();
  auto letter = ParseDeadLetterLine(line);
  ASSERT_TRUE(letter.ok()) << letter.status();
  EXPECT_EQ(letter->message_id, "m,\"event\":{}");
  EXPECT_EQ(letter->event_json, kEvent);
}

struct BadLine {
  const char* name;
  std::string line;
  std::string message;
};

class DeadLetterLineErrorTest : public ::testing::TestWithParam<BadLine> {};

TEST_P(DeadLetterLineErrorTest, NamesWhatIsMissing) {
  auto letter = ParseDeadLetterLine(GetParam().line);
  ASSERT_FALSE(letter.ok());
  EXPECT_EQ(letter.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(letter.status().message(), HasSubstr(GetParam().message));
}

INSTANTIATE_TEST_SUITE_P(
    Lines, DeadLetterLineErrorTest,
    ::testing::Values(BadLine{"NotJson", R"({"message_id":"m",)", "not a JSON object"},
                      BadLine{"AnEventNotALine", kEvent, "no \"message_id\" string"},
                      BadLine{"EmptyMessageId", R"({"message_id":"","status":400,"event":{}})",
                              "no \"message_id\" string"},
                      BadLine{"NoStatus", R"({"message_id":"m","event":{}})",
                              "no \"status\" number"},
                      BadLine{"EventNotAnObject", R"({"message_id":"m","status":400,"event":"e"})",
                              "no \"event\" object"},
                      BadLine{"EventFirst", R"({"event":{},"message_id":"m","status":400})",
                              "\"event\" is not its last key"},
                      BadLine{"EventNotLast", R"({"message_id":"m","status":400,"event":{},"x":1})",
                              "\"event\" is not its last key"}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace trackd

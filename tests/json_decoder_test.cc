// Documented JSON back to a TrackRequest: the inverse of the encoder, pinned
// as a round trip in both directions, and clear errors for malformed input.
#include "common/json_decoder.h"

#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "common/json_encoder.h"
#include "tests/test_util.h"

namespace trackd {
namespace {

using ::testing::HasSubstr;
using testing::SeedRequest;

TEST(JsonDecoderTest, SeedSampleDecodesToTheSeedRequest) {
  auto decoded = DecodeDocumentedJson(testing::ReadTestData("seed_account_added_user.json"));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  v1::TrackRequest expected = SeedRequest();
  expected.clear_message_id();  // Not part of the documented JSON.
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(*decoded, expected))
      << decoded->DebugString();
}

TEST(JsonDecoderTest, FreeFormSampleDecodesWithEventNameAndProperties) {
  auto decoded = DecodeDocumentedJson(testing::ReadTestData("seed_generic_sample.json"));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->event_name(), "Event Name");
  EXPECT_EQ(decoded->group_id(), "account_123");
  EXPECT_EQ(decoded->properties().fields().at("user_role").string_value(), "User Role");
  EXPECT_FALSE(decoded->has_account_added_user());
}

// Encode → decode → encode gives the same line, for requests that exercise
// every part of the format.
TEST(JsonDecoderTest, EncodeDecodeEncodeIsIdentity) {
  std::vector<v1::TrackRequest> requests;
  requests.push_back(SeedRequest());
  v1::TrackRequest minimal = SeedRequest();
  minimal.mutable_account_added_user()->clear_user_email();
  minimal.mutable_account_added_user()->clear_user_name();
  requests.push_back(minimal);
  v1::TrackRequest free_form = SeedRequest();
  free_form.clear_account_added_user();
  free_form.clear_group_id();
  free_form.set_event_name("Report Exported");
  auto& props = *free_form.mutable_properties()->mutable_fields();
  props["quote\"back\\slash"].set_string_value("line\nsep\xE2\x80\xA8 é");
  props["n"].set_number_value(0.1);
  props["list"].mutable_list_value()->add_values()->set_bool_value(false);
  (*free_form.mutable_context()->mutable_fields())["ip"].set_string_value("10.0.0.1");
  requests.push_back(free_form);
  v1::TrackRequest with_context = SeedRequest();
  (*with_context.mutable_context()->mutable_fields())["group_id"].set_string_value(
      with_context.group_id());
  (*with_context.mutable_context()->mutable_fields())["plan"].set_string_value("pro");
  requests.push_back(with_context);

  for (const auto& request : requests) {
    const std::string json = EncodeDocumentedJson(request);
    auto decoded = DecodeDocumentedJson(json);
    ASSERT_TRUE(decoded.ok()) << decoded.status() << " for " << json;
    EXPECT_EQ(EncodeDocumentedJson(*decoded), json);
  }
}

TEST(JsonDecoderTest, AcceptsAnyKeyOrderAndWhitespace) {
  auto decoded = DecodeDocumentedJson(
      R"({ "timestamp" : "2023-11-02T00:30:08.276Z", "context": {"group_id": "g"},
           "event": "account_added_user", "user_id": "u",
           "properties": {"user_role": "Admin"} })");
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->account_added_user().user_role(), "Admin");
  EXPECT_EQ(decoded->group_id(), "g");
}

struct BadJsonCase {
  std::string name;
  std::string json;
  std::string message;  // A part of the expected error message.
};

void PrintTo(const BadJsonCase& c, std::ostream* os) { *os << c.name; }

class JsonDecoderErrorTest : public ::testing::TestWithParam<BadJsonCase> {};

TEST_P(JsonDecoderErrorTest, NamesTheProblem) {
  auto decoded = DecodeDocumentedJson(GetParam().json);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(decoded.status().message(), HasSubstr(GetParam().message));
}

const BadJsonCase kBadJsonCases[] = {
    {"NotJson", "{\"user_id\":", "not valid JSON"},
    {"NotAnObject", "[1,2]", "must be a JSON object"},
    {"UnknownKey",
     R"({"user_id":"u","event":"e","timestamp":"2023-11-02T00:30:08.276Z","message_id":"m"})",
     "unknown key \"message_id\""},
    {"MissingUserId", R"({"event":"e","timestamp":"2023-11-02T00:30:08.276Z"})",
     "\"user_id\" is missing"},
    {"UserIdNotString", R"({"user_id":7,"event":"e","timestamp":"2023-11-02T00:30:08.276Z"})",
     "\"user_id\" must be a string"},
    {"BadTimestamp", R"({"user_id":"u","event":"e","timestamp":"yesterday"})",
     "\"timestamp\" must be an RFC 3339 time"},
    {"PropertiesNotObject",
     R"({"user_id":"u","event":"e","timestamp":"2023-11-02T00:30:08.276Z","properties":[]})",
     "\"properties\" must be an object"},
    {"UnknownTypedProperty",
     R"({"user_id":"u","event":"account_added_user","timestamp":"2023-11-02T00:30:08.276Z",
         "properties":{"user_role":"r","plan":"pro"}})",
     "\"properties.plan\" is not a property of account_added_user"},
    {"TypedPropertyNotString",
     R"({"user_id":"u","event":"account_added_user","timestamp":"2023-11-02T00:30:08.276Z",
         "properties":{"user_role":1}})",
     "\"properties.user_role\" must be a string"},
    {"GroupIdNotString",
     R"({"user_id":"u","event":"e","timestamp":"2023-11-02T00:30:08.276Z",
         "context":{"group_id":5}})",
     "\"context.group_id\" must be a string"},
};

INSTANTIATE_TEST_SUITE_P(Errors, JsonDecoderErrorTest, ::testing::ValuesIn(kBadJsonCases),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace trackd

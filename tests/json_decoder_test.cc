// Documented JSON back to a TrackRequest: the inverse of the encoder, pinned
// as a round trip in both directions, and clear errors for malformed input.
#include "trackd/common/json_decoder.h"

#include <cmath>
#include <string>

#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"
#include "trackd/common/json_encoder.h"

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

// A valid free-form event with `properties` (JSON text) as its properties.
std::string WithProperties(const std::string& properties) {
  return R"({"user_id":"u","event":"e","timestamp":"2023-11-02T00:30:08.276Z","properties":)" +
         properties + "}";
}

// An event whose properties hold `depth` nested objects ({"k":…}) or arrays,
// around the number 1.
std::string Nested(int depth, char open) {
  std::string value = "1";
  for (int i = 0; i < depth; ++i) value = open == '{' ? "{\"k\":" + value + "}" : "[" + value + "]";
  return R"({"user_id":"u","event":"e","timestamp":"2023-11-02T00:30:08.276Z","properties":{"a":)" +
         value + "}}";
}

struct BadJsonCase {
  std::string name;
  std::string json;
  std::string message;  // A part of the expected error message.
};

void PrintTo(const BadJsonCase& c, std::ostream* os) { *os << c.name; }

class JsonDecoderErrorTest : public ::testing::TestWithParam<BadJsonCase> {};

TEST(JsonDecoderTest, NamesLineAndColumnOfMalformedJsonCountingFromTheFirstLine) {
  // A pretty-printed event with a trailing comma, read from line 10 of a file.
  const std::string json =
      "{\n  \"user_id\": \"u\",\n  \"event\": \"e\",\n  \"timestamp\": "
      "\"2023-11-02T00:30:08.276Z\",\n}";
  EXPECT_EQ(DecodeDocumentedJson(json).status().message(),
            "not valid JSON at line 5, column 1: syntax error while parsing object key - "
            "unexpected '}'; expected string literal");
  EXPECT_THAT(std::string(DecodeDocumentedJson(json, 10).status().message()),
              ::testing::StartsWith("not valid JSON at line 14, column 1: "));
}

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
    // Not JSON, though protobuf's lenient parser (the reader before
    // nlohmann-json) accepted each of these.
    {"TrailingCommaInObject",
     R"({"user_id":"u","event":"e","timestamp":"2023-11-02T00:30:08.276Z",})",
     "not valid JSON at line 1, column 67: syntax error while parsing object key"},
    {"TrailingCommaInArray", WithProperties(R"({"a":[1,]})"),
     "not valid JSON at line 1, column 88"},
    {"UnquotedKey", R"({user_id:"u","event":"e","timestamp":"2023-11-02T00:30:08.276Z"})",
     "not valid JSON at line 1, column 2: syntax error while parsing object key"},
    {"SingleQuotedString", R"({"user_id":'u',"event":"e","timestamp":"2023-11-02T00:30:08.276Z"})",
     "not valid JSON at line 1, column 12"},
    {"UnknownEscape", R"({"user_id":"\a","event":"e","timestamp":"2023-11-02T00:30:08.276Z"})",
     "forbidden character after backslash"},
    {"RawLineFeedInString",
     "{\"user_id\":\"a\nb\",\"event\":\"e\",\"timestamp\":\"2023-11-02T00:30:08.276Z\"}",
     "control character U+000A (LF) must be escaped"},
    {"RawTabInString",
     "{\"user_id\":\"a\tb\",\"event\":\"e\",\"timestamp\":\"2023-11-02T00:30:08.276Z\"}",
     "control character U+0009 (HT) must be escaped"},
    {"FractionWithoutDigits",
     R"({"user_id":"u","event":"e","timestamp":"2023-11-02T00:30:08.276Z","properties":{"n":-0.}})",
     "expected digit after '.'"},
    {"NumberWithoutIntegerPart",
     R"({"user_id":"u","event":"e","timestamp":"2023-11-02T00:30:08.276Z","properties":{"n":-.5}})",
     "expected digit after '-'"},
    {"VerticalTabAsWhitespace", "\v" + WithProperties("{}"), "not valid JSON at line 1, column 1"},
    // Rejected before and still: what the old parser checked beyond the grammar.
    {"ByteOrderMark", "\xEF\xBB\xBF" + WithProperties("{}"),
     "not valid JSON at line 1, column 1: starts with a byte order mark"},
    {"NulAfterTheObject",
     std::string(R"({"user_id":"u","event":"e","timestamp":"2023-11-02T00:30:08.276Z"})") + '\0',
     "not valid JSON at line 1, column 67: a NUL byte"},
    {"DuplicateKey", WithProperties(R"({"a":1,"a":2})"),
     "not valid JSON: the key \"a\" appears twice in one object"},
    {"DuplicateTopLevelKey",
     R"({"user_id":"u","event":"e","timestamp":"2023-11-02T00:30:08.276Z","user_id":"v"})",
     "not valid JSON: the key \"user_id\" appears twice in one object"},
    {"NumberBeyondDouble", WithProperties(R"({"n":1e400})"), "number overflow parsing '1e400'"},
    {"IntegerBeyondDouble",
     R"({"user_id":"u","event":"e","timestamp":"2023-11-02T00:30:08.276Z","properties":{"n":)" +
         std::string(400, '9') + "}}",
     "number overflow parsing '999"},
    {"LeadingZero",
     R"({"user_id":"u","event":"e","timestamp":"2023-11-02T00:30:08.276Z","properties":{"n":01}})",
     "not valid JSON at line 1, column 86"},
    {"NaN", WithProperties(R"({"n":NaN})"), "not valid JSON at line 1, column 85"},
    {"Comment", R"({/* c */"user_id":"u","event":"e","timestamp":"2023-11-02T00:30:08.276Z"})",
     "not valid JSON at line 1, column 2"},
    {"LoneSurrogate", R"({"user_id":"\ud800","event":"e","timestamp":"2023-11-02T00:30:08.276Z"})",
     "surrogate U+D800..U+DBFF must be followed by U+DC00..U+DFFF"},
    {"InvalidUtf8",
     "{\"user_id\":\"\xC0\xAF\",\"event\":\"e\",\"timestamp\":\"2023-11-02T00:30:08.276Z\"}",
     "ill-formed UTF-8 byte"},
    {"ThirtyTwoNestedObjects", Nested(32, '{'), "not valid JSON: nests deeper than 101"},
    {"FortyEightNestedArrays", Nested(48, '['), "not valid JSON: nests deeper than 101"},
    // Of several problems of one kind, the key first in byte order, every time
    // (the old reader named whichever its hash map listed first).
    {"TwoUnknownKeysNameTheFirstInByteOrder",
     R"({"user_id":"u","event":"e","timestamp":"2023-11-02T00:30:08.276Z","zz":1,"aa":2})",
     "unknown key \"aa\""},
    {"TwoBadTypedPropertiesNameTheFirstInByteOrder",
     R"({"user_id":"u","event":"account_added_user","timestamp":"2023-11-02T00:30:08.276Z",
         "properties":{"zz":"z","user_role":1}})",
     "\"properties.user_role\" must be a string"},
};

INSTANTIATE_TEST_SUITE_P(Errors, JsonDecoderErrorTest, ::testing::ValuesIn(kBadJsonCases),
                         [](const auto& info) { return info.param.name; });

// The limit the protobuf parser had (its re-parse's recursion limit of 100
// messages below the root) still holds, and nothing under it is refused.
TEST(JsonDecoderTest, NestingUpToTheOldLimitDecodes) {
  for (const std::string& json : {Nested(31, '{'), Nested(47, '[')}) {
    auto decoded = DecodeDocumentedJson(json);
    EXPECT_TRUE(decoded.ok()) << decoded.status() << " for " << json;
  }
}

// Numbers become the doubles protobuf's parser made of them: an integer is
// rounded to the nearest double, "-0" is 0 but "-0.0" is -0, and an integer
// beyond 64 bits is read as a double.
TEST(JsonDecoderTest, NumbersBecomeTheSameDoublesAsBefore) {
  const struct {
    std::string text;
    double value;
  } kNumbers[] = {
      {"0.1", 0.1},
      {"-0", 0.0},
      {"-0.0", -0.0},
      {"-0e0", -0.0},
      {"1E5", 100000},
      {"1e-400", 0.0},
      {"9007199254740993", 9007199254740992.0},
      {"-9007199254740993", -9007199254740992.0},
      {"18446744073709551616", 18446744073709551616.0},
      {"-9223372036854775809", -9223372036854775808.0},
      {"123456789012345678901234567890", 1.2345678901234568e29},
      {"1.7976931348623157e308", 1.7976931348623157e308},
  };
  for (const auto& number : kNumbers) {
    auto decoded = DecodeDocumentedJson(
        R"({"user_id":"u","event":"e","timestamp":"2023-11-02T00:30:08.276Z","properties":{"n":)" +
        number.text + "}}");
    ASSERT_TRUE(decoded.ok()) << decoded.status() << " for " << number.text;
    const double n = decoded->properties().fields().at("n").number_value();
    EXPECT_EQ(n, number.value) << number.text;
    EXPECT_EQ(std::signbit(n), std::signbit(number.value)) << number.text;
  }
}

TEST(JsonDecoderTest, EscapesDecodeToUtf8) {
  auto decoded = DecodeDocumentedJson(
      R"({"user_id":"a\u0000b \ud83d\ude00 \u00e9 \/ \b\f\n\r\t\"\\","event":"e",)"
      R"("timestamp":"2023-11-02T00:30:08.276Z","properties":{"k\u0000":null,"":[true,false]}})");
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->user_id(),
            std::string("a") + '\0' + "b \xF0\x9F\x98\x80 \xC3\xA9 / \b\f\n\r\t\"\\");
  EXPECT_EQ(decoded->properties().fields().at(std::string("k\0", 2)).kind_case(),
            google::protobuf::Value::kNullValue);
  EXPECT_EQ(decoded->properties().fields().at("").list_value().values_size(), 2);
}

}  // namespace
}  // namespace trackd

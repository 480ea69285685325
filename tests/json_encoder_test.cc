// The documented JSON: the seed sample byte for byte, escaping, key order, and
// a round trip through an independent JSON parser (protobuf's).
#include "trackd/common/json_encoder.h"

#include <cmath>
#include <iterator>
#include <random>
#include <string>

#include "absl/time/time.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "server/validate.h"
#include "tests/test_util.h"

namespace trackd {
namespace {

using testing::SeedRequest;

google::protobuf::Struct ParseJson(const std::string& json) {
  google::protobuf::Struct parsed;
  const auto status = google::protobuf::util::JsonStringToMessage(json, &parsed);
  EXPECT_TRUE(status.ok()) << status.ToString() << " in " << json;
  return parsed;
}

std::string Quoted(absl::string_view s) {
  std::string out;
  AppendJsonString(s, &out);
  return out;
}

TEST(JsonEncoderTest, SeedSampleEncodesToTheSeedJsonByteForByte) {
  const std::string expected =
      testing::MinifyJson(testing::ReadTestData("seed_account_added_user.json"));
  ASSERT_FALSE(expected.empty());
  EXPECT_EQ(EncodeDocumentedJson(SeedRequest()), expected);
}

TEST(JsonEncoderTest, FirstSeedSampleShapeForAFreeFormEvent) {
  v1::TrackRequest request = SeedRequest();
  request.clear_account_added_user();
  request.set_user_id("user_123");
  request.set_group_id("account_123");
  request.set_event_name("Event Name");
  (*request.mutable_properties()->mutable_fields())["user_role"].set_string_value("User Role");
  EXPECT_EQ(EncodeDocumentedJson(request),
            testing::MinifyJson(testing::ReadTestData("seed_generic_sample.json")));
}

TEST(JsonEncoderTest, LeavesOutUnsetOptionalProperties) {
  v1::TrackRequest request = SeedRequest();
  request.mutable_account_added_user()->clear_user_name();
  request.mutable_account_added_user()->clear_user_email();
  EXPECT_EQ(EncodeDocumentedJson(request),
            "{\"user_id\":\"766b3aef-5904-46fe-af05-a293fee8h345\",\"event\":"
            "\"account_added_user\",\"properties\":{\"user_role\":\"Developer\"},\"context\":{"
            "\"group_id\":\"47464e5b-4727-11ee-aeb6-fefbf8354ds3\"},\"timestamp\":"
            "\"2023-11-02T00:30:08.276Z\"}");
}

TEST(JsonEncoderTest, WritesExtraContextAfterGroupIdWithSortedKeys) {
  v1::TrackRequest request = SeedRequest();
  auto& fields = *request.mutable_context()->mutable_fields();
  fields["zone"].set_string_value("eu");
  fields["app"].set_string_value("web");
  fields["group_id"].set_string_value(request.group_id());  // Allowed, written once.
  const std::string json = EncodeDocumentedJson(request);
  EXPECT_NE(json.find("\"context\":{\"group_id\":\"47464e5b-4727-11ee-aeb6-fefbf8354ds3\","
                      "\"app\":\"web\",\"zone\":\"eu\"}"),
            std::string::npos)
      << json;
}

TEST(JsonEncoderTest, FreeFormEventWithoutGroupHasEmptyContext) {
  v1::TrackRequest request = SeedRequest();
  request.clear_account_added_user();
  request.clear_group_id();
  request.set_event_name("Logged In");
  EXPECT_EQ(EncodeDocumentedJson(request),
            "{\"user_id\":\"766b3aef-5904-46fe-af05-a293fee8h345\",\"event\":\"Logged In\","
            "\"properties\":{},\"context\":{},\"timestamp\":\"2023-11-02T00:30:08.276Z\"}");
}

TEST(JsonEncoderTest, EscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(Quoted("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(Quoted("\n\r\t\b\f"), R"("\n\r\t\b\f")");
  EXPECT_EQ(Quoted(absl::string_view("\x00\x01\x1f", 3)), R"("\u0000\u0001\u001f")");
}

TEST(JsonEncoderTest, EscapesLineAndParagraphSeparators) {
  EXPECT_EQ(Quoted("a\xE2\x80\xA8"
                   "b\xE2\x80\xA9"
                   "c"),
            R"("a\u2028b\u2029c")");
  // Neighbours of U+2028 in UTF-8 are copied as they are.
  EXPECT_EQ(Quoted("\xE2\x80\xA7\xE2\x80\xAA"), "\"\xE2\x80\xA7\xE2\x80\xAA\"");
}

TEST(JsonEncoderTest, CopiesNonAsciiUtf8Unchanged) {
  EXPECT_EQ(Quoted("Zoë 東京 🎉"), "\"Zoë 東京 🎉\"");
}

// The escaping rule one byte at a time, as the encoder wrote it before it
// copied runs of bytes that need no escape.
std::string ReferenceQuoted(absl::string_view value) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (size_t i = 0; i < value.size(); ++i) {
    const auto c = static_cast<unsigned char>(value[i]);
    if (c == 0xE2 && i + 2 < value.size() && static_cast<unsigned char>(value[i + 1]) == 0x80 &&
        (static_cast<unsigned char>(value[i + 2]) & 0xFE) == 0xA8) {
      out += static_cast<unsigned char>(value[i + 2]) == 0xA8 ? "\\u2028" : "\\u2029";
      i += 2;
    } else if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\b') {
      out += "\\b";
    } else if (c == '\f') {
      out += "\\f";
    } else if (c < 0x20) {
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

TEST(JsonEncoderTest, EscapingMatchesTheByteByByteRuleForEveryByteAndRandomText) {
  for (int c = 0; c < 256; ++c) {
    for (const std::string& s : {std::string(1, static_cast<char>(c)),
                                 "ab" + std::string(1, static_cast<char>(c)) + "\xE2\x80",
                                 std::string(1, static_cast<char>(c)) + "\xE2\x80\xA9" + "x"}) {
      ASSERT_EQ(Quoted(s), ReferenceQuoted(s)) << c;
    }
    // At every position of a value long enough to be read a word at a time.
    for (size_t position = 0; position < 20; ++position) {
      std::string s(20, 'a');
      s[position] = static_cast<char>(c);
      ASSERT_EQ(Quoted(s), ReferenceQuoted(s)) << c << " at " << position;
      s.replace(position, 1, "\xE2\x80\xA8");
      ASSERT_EQ(Quoted(s), ReferenceQuoted(s)) << "U+2028 at " << position;
    }
  }
  // A separator cut short at the end of the value is copied, not escaped.
  EXPECT_EQ(Quoted("a\xE2\x80"), "\"a\xE2\x80\"");
  EXPECT_EQ(Quoted("a\xE2"), "\"a\xE2\"");
  std::mt19937 rng(20261130);  // Fixed seed: the same inputs on every run.
  const std::string alphabet[] = {"a",    " ",    "\"",           "\\",           "\n",
                                  "\x01", "\x1f", "\x7f",         "\xE2",         "\x80",
                                  "\xA8", "\xA9", "\xE2\x80\xA8", "\xE2\x82\xAC", "é"};
  for (int round = 0; round < 20000; ++round) {
    std::string s;
    const int length = static_cast<int>(rng() % 24);
    for (int k = 0; k < length; ++k) s += alphabet[rng() % std::size(alphabet)];
    ASSERT_EQ(Quoted(s), ReferenceQuoted(s));
  }
}

TEST(JsonEncoderTest, TimestampHasExactlyThreeFractionalDigitsTruncated) {
  std::string out;
  AppendTimestamp(946684800, 0, &out);
  EXPECT_EQ(out, "\"2000-01-01T00:00:00.000Z\"");
  out.clear();
  AppendTimestamp(1698885008, 276999999, &out);
  EXPECT_EQ(out, "\"2023-11-02T00:30:08.276Z\"");
  out.clear();
  AppendTimestamp(951782400, 5'000'000, &out);  // Leap day.
  EXPECT_EQ(out, "\"2000-02-29T00:00:00.005Z\"");
  out.clear();
  AppendTimestamp(253402300799, 999'999'999, &out);
  EXPECT_EQ(out, "\"9999-12-31T23:59:59.999Z\"");
}

TEST(JsonEncoderTest, TimestampMatchesAbslFormattingAcrossYears) {
  for (int64_t seconds = 946684800; seconds < 4102444800; seconds += 86400 * 37 + 3607) {
    std::string out;
    AppendTimestamp(seconds, 123'000'000, &out);
    const std::string expected =
        absl::FormatTime("\"%Y-%m-%dT%H:%M:%E3SZ\"", absl::FromUnixMillis(seconds * 1000 + 123),
                         absl::UTCTimeZone());
    ASSERT_EQ(out, expected) << seconds;
  }
}

TEST(JsonEncoderTest, NumbersUseTheShortestExactForm) {
  v1::TrackRequest request = SeedRequest();
  request.clear_account_added_user();
  request.set_event_name("Scored");
  auto& fields = *request.mutable_properties()->mutable_fields();
  fields["a"].set_number_value(3);
  fields["b"].set_number_value(0.1);
  fields["c"].set_number_value(-1e300);
  const std::string json = EncodeDocumentedJson(request);
  EXPECT_NE(json.find("\"properties\":{\"a\":3,\"b\":0.1,\"c\":-1e+300}"), std::string::npos)
      << json;
}

// Found by fuzz/json_decoder_fuzzer (fuzz/regressions/json_decoder_fuzzer/
// negative_zero_*): "-0" reads back as 0, so a line holding it changed when
// decoded and encoded again.
TEST(JsonEncoderTest, NegativeZeroIsWrittenAsZero) {
  v1::TrackRequest request = SeedRequest();
  request.clear_account_added_user();
  request.set_event_name("Scored");
  (*request.mutable_properties()->mutable_fields())["z"].set_number_value(-0.0);
  const std::string json = EncodeDocumentedJson(request);
  EXPECT_NE(json.find("\"properties\":{\"z\":0}"), std::string::npos) << json;
}

// Builds requests with awkward strings and nested values; each must encode to
// valid JSON that parses back to the same values.
TEST(JsonEncoderTest, RoundTripParsesBackToTheSameValues) {
  const std::string awkward[] = {
      "plain", "quote\" backslash\\ slash/", "ctl\x01\x1f\x7f", "tab\tnew\nline\r",
      "sep\xE2\x80\xA8\xE2\x80\xA9", "Zoë 東京 🎉", "", "{\"not\":\"json\"}",
      // Six times longer escaped than raw: the line outgrows its first size.
      std::string(3000, '\x01'), std::string(700, '"') + std::string(700, '\n')};
  int case_number = 0;
  for (const std::string& text : awkward) {
    v1::TrackRequest request = SeedRequest();
    request.clear_account_added_user();
    request.set_event_name("Round Trip");
    request.set_user_id("user " + std::to_string(case_number++));
    request.mutable_timestamp()->set_nanos(123'000'000);
    auto& props = *request.mutable_properties()->mutable_fields();
    props["text"].set_string_value(text);
    props["key \"\\ é/" + std::to_string(case_number)].set_number_value(-12.5);
    props["flag"].set_bool_value(true);
    props["nothing"].set_null_value(google::protobuf::NULL_VALUE);
    auto& list = *props["list"].mutable_list_value();
    list.add_values()->set_string_value(text);
    list.add_values()->mutable_struct_value();
    auto& context = *request.mutable_context()->mutable_fields();
    context["nested"].mutable_struct_value()->mutable_fields()->operator[]("x").set_string_value(
        text);
    ASSERT_TRUE(FindViolations(request, testing::TestNow(), TimestampBounds()).empty());

    const std::string json = EncodeDocumentedJson(request);
    ASSERT_EQ(json.find('\n'), std::string::npos) << "one line";
    const google::protobuf::Struct parsed = ParseJson(json);
    const auto& top = parsed.fields();
    ASSERT_EQ(top.size(), 5u);
    EXPECT_EQ(top.at("user_id").string_value(), request.user_id());
    EXPECT_EQ(top.at("event").string_value(), "Round Trip");
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(
        top.at("properties").struct_value(), request.properties()))
        << json;
    google::protobuf::Struct expected_context = request.context();
    (*expected_context.mutable_fields())["group_id"].set_string_value(request.group_id());
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(top.at("context").struct_value(),
                                                                   expected_context))
        << json;
    EXPECT_EQ(top.at("timestamp").string_value(), "2023-11-02T00:30:08.123Z");
  }
}

TEST(JsonEncoderTest, AppendsAfterWhatTheBufferAlreadyHolds) {
  v1::TrackRequest seed = SeedRequest();
  v1::TrackRequest escaped = SeedRequest();
  escaped.mutable_account_added_user()->set_user_name(std::string(500, '\t'));
  std::string out = "earlier line\n";
  AppendDocumentedJson(seed, &out);
  out += "\n";
  AppendDocumentedJson(escaped, &out);
  AppendJsonString("\x01", &out);
  AppendTimestamp(0, 0, &out);
  EXPECT_EQ(out, "earlier line\n" + EncodeDocumentedJson(seed) + "\n" +
                     EncodeDocumentedJson(escaped) + "\"\\u0001\"\"1970-01-01T00:00:00.000Z\"");
  EXPECT_GT(EncodeDocumentedJson(escaped).size(), 1000u);  // Past the line's first size.
}

TEST(JsonEncoderTest, SeedRoundTripKeepsEveryProperty) {
  const google::protobuf::Struct parsed = ParseJson(EncodeDocumentedJson(SeedRequest()));
  const auto& props = parsed.fields().at("properties").struct_value().fields();
  EXPECT_EQ(props.at("user_name").string_value(), "Mark Wood");
  EXPECT_EQ(props.at("user_email").string_value(), "mark.wood@example.com");
  EXPECT_EQ(props.at("user_role").string_value(), "Developer");
  EXPECT_EQ(parsed.fields().at("context").struct_value().fields().at("group_id").string_value(),
            "47464e5b-4727-11ee-aeb6-fefbf8354ds3");
}

}  // namespace
}  // namespace trackd

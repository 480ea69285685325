#include "trackd/common/documented_json_path.h"

#include <cctype>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "trackd/common/json_encoder.h"

namespace trackd {
namespace {

struct PathCase {
  std::string request_field;
  std::string json_path;
};

class DocumentedJsonPathTest : public ::testing::TestWithParam<PathCase> {};

TEST_P(DocumentedJsonPathTest, NamesTheKeyOfTheDocumentedJson) {
  EXPECT_EQ(DocumentedJsonPath(GetParam().request_field), GetParam().json_path);
}

INSTANTIATE_TEST_SUITE_P(
    Fields, DocumentedJsonPathTest,
    ::testing::Values(PathCase{"user_id", "user_id"}, PathCase{"timestamp", "timestamp"},
                      PathCase{"group_id", "context.group_id"},
                      PathCase{"account_added_user.user_role", "properties.user_role"},
                      PathCase{"account_added_user.user_name", "properties.user_name"},
                      PathCase{"account_added_user.user_email", "properties.user_email"},
                      PathCase{"account_added_user", "properties"}, PathCase{"event_name", "event"},
                      PathCase{"properties", "properties"},
                      PathCase{"properties.page", "properties.page"},
                      PathCase{"properties.items[2]", "properties.items[2]"},
                      PathCase{"context.group_id", "context.group_id"},
                      PathCase{"context.page", "context.page"},
                      // No key in the documented JSON: named as the server named them.
                      PathCase{"message_id", "message_id"}, PathCase{"(more)", "(more)"},
                      PathCase{"group_identity", "group_identity"}),
    [](const auto& info) {
      std::string name;
      for (char c : info.param.request_field) name += std::isalnum(c) ? c : '_';
      return name;
    });

// The string at dotted `path` of `json`, or "" when there is none.
std::string StringAt(const std::string& json, const std::string& path) {
  google::protobuf::Value value;
  if (!google::protobuf::util::JsonStringToMessage(json, &value).ok()) return "";
  for (absl::string_view key : absl::StrSplit(path, '.')) {
    const auto& fields = value.struct_value().fields();
    const auto it = fields.find(std::string(key));
    if (it == fields.end()) return "";
    google::protobuf::Value child = it->second;  // Not value = it->second: it lives in value.
    value.Swap(&child);
  }
  return value.string_value();
}

// The table agrees with the encoder: a marker put in each request field is found at the
// documented JSON path named for it.
TEST(DocumentedJsonPathEncoderTest, EveryRequestFieldIsWhereTheEncoderWritesIt) {
  v1::TrackRequest typed;
  typed.set_user_id("u");
  typed.mutable_timestamp()->set_seconds(1700000000);
  typed.set_group_id("marker-group");
  typed.mutable_account_added_user()->set_user_role("marker-role");
  typed.mutable_account_added_user()->set_user_name("marker-name");
  typed.mutable_account_added_user()->set_user_email("marker-email");
  v1::TrackRequest generic;
  generic.set_user_id("marker-user");
  generic.mutable_timestamp()->set_seconds(1700000000);
  generic.set_event_name("marker-event");
  (*generic.mutable_properties()->mutable_fields())["page"].set_string_value("marker-page");
  (*generic.mutable_context()->mutable_fields())["ip"].set_string_value("marker-ip");
  const struct {
    const v1::TrackRequest& request;
    std::string field;
    std::string marker;
  } cases[] = {
      {typed, "group_id", "marker-group"},
      {typed, "account_added_user.user_role", "marker-role"},
      {typed, "account_added_user.user_name", "marker-name"},
      {typed, "account_added_user.user_email", "marker-email"},
      {generic, "user_id", "marker-user"},
      {generic, "event_name", "marker-event"},
      {generic, "properties.page", "marker-page"},
      {generic, "context.ip", "marker-ip"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(StringAt(EncodeDocumentedJson(c.request), DocumentedJsonPath(c.field)), c.marker)
        << c.field << " in " << EncodeDocumentedJson(c.request);
  }
}

}  // namespace
}  // namespace trackd

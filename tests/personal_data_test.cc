// The personal-data annotation as trackd reads it from the descriptors, and
// the --personal_data policy (keep, hash, drop) the encoder applies to it.
#include "server/personal_data.h"

#include <sys/stat.h>

#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/data_classes.h"
#include "tests/test_util.h"
#include "trackd/common/json_encoder.h"

namespace trackd {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::SeedRequest;

const std::string kKey = "0123456789abcdef0123456789abcdef-test-key";

std::string Encode(const v1::TrackRequest& request, PersonalDataPolicy policy) {
  const auto filter = MakePersonalValueFilter(policy, kKey, DataClasses::ForTrackRequest());
  std::string line;
  AppendDocumentedJson(request, &line, filter.get());
  return line;
}

TEST(DataClassesTest, UserNameAndUserEmailArePersonalWithTheirJsonPaths) {
  std::vector<std::string> proto_paths, json_paths;
  for (const ClassifiedField* f : DataClasses::ForTrackRequest().Personal()) {
    proto_paths.push_back(f->proto_path);
    json_paths.push_back(f->json_path);
  }
  EXPECT_THAT(proto_paths,
              ElementsAre("account_added_user.user_name", "account_added_user.user_email"));
  EXPECT_THAT(json_paths, ElementsAre("properties.user_name", "properties.user_email"));
}

TEST(DataClassesTest, UserIdAndGroupIdArePseudonymousAndRoleIsNone) {
  const DataClasses& classes = DataClasses::ForTrackRequest();
  const auto* request = v1::TrackRequest::descriptor();
  EXPECT_EQ(classes.ClassOf(*request->FindFieldByName("user_id")), v1::DATA_CLASS_PSEUDONYMOUS);
  EXPECT_EQ(classes.ClassOf(*request->FindFieldByName("group_id")), v1::DATA_CLASS_PSEUDONYMOUS);
  EXPECT_EQ(classes.ClassOf(*v1::AccountAddedUser::descriptor()->FindFieldByName("user_role")),
            v1::DATA_CLASS_NONE);
  EXPECT_FALSE(classes.IsPersonal(*request->FindFieldByName("user_id")));
}

// RFC 4231, test cases 2 (a short key) and 6 (a key longer than SHA-256's block).
TEST(PersonalDataTest, HmacSha256HexMatchesRfc4231) {
  EXPECT_EQ(HmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(HmacSha256Hex(std::string(131, '\xaa'),
                          "Test Using Larger Than Block-Size Key - Hash Key First"),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(PersonalDataTest, HashReplacesEachPersonalValueWithItsKeyedHexToken) {
  const std::string line = Encode(SeedRequest(), PersonalDataPolicy::kHash);
  const std::string expected = absl::StrReplaceAll(
      EncodeDocumentedJson(SeedRequest()),
      {{"\"Mark Wood\"", absl::StrCat("\"", HmacSha256Hex(kKey, "Mark Wood"), "\"")},
       {"\"mark.wood@example.com\"",
        absl::StrCat("\"", HmacSha256Hex(kKey, "mark.wood@example.com"), "\"")}});
  EXPECT_EQ(line, expected);
  EXPECT_THAT(line, Not(HasSubstr("mark.wood")));
}

TEST(PersonalDataTest, HashMapsTheSameAddressToTheSameTokenAcrossEvents) {
  v1::TrackRequest first = SeedRequest();
  v1::TrackRequest second = SeedRequest();
  second.set_user_id("another-user");
  second.mutable_account_added_user()->set_user_name("Someone Else");
  v1::TrackRequest other = SeedRequest();
  other.mutable_account_added_user()->set_user_email("zoe@example.org");
  const std::string token = HmacSha256Hex(kKey, "mark.wood@example.com");
  EXPECT_THAT(Encode(first, PersonalDataPolicy::kHash), HasSubstr(token));
  EXPECT_THAT(Encode(second, PersonalDataPolicy::kHash), HasSubstr(token));
  EXPECT_THAT(Encode(other, PersonalDataPolicy::kHash), Not(HasSubstr(token)));
  EXPECT_NE(HmacSha256Hex(kKey + "x", "mark.wood@example.com"), token) << "the key matters";
}

TEST(PersonalDataTest, DropLeavesOutOnlyThePersonalKeys) {
  EXPECT_EQ(
      Encode(SeedRequest(), PersonalDataPolicy::kDrop),
      "{\"user_id\":\"766b3aef-5904-46fe-af05-a293fee8h345\",\"event\":\"account_added_user\","
      "\"properties\":{\"user_role\":\"Developer\"},"
      "\"context\":{\"group_id\":\"47464e5b-4727-11ee-aeb6-fefbf8354ds3\"},"
      "\"timestamp\":\"2023-11-02T00:30:08.276Z\"}");
  v1::TrackRequest no_role = SeedRequest();
  no_role.mutable_account_added_user()->clear_user_role();
  EXPECT_THAT(Encode(no_role, PersonalDataPolicy::kDrop), HasSubstr("\"properties\":{},"));
}

TEST(PersonalDataTest, FreeFormPropertiesAreNotInspected) {
  v1::TrackRequest request = SeedRequest();
  request.clear_account_added_user();
  request.set_event_name("signed_up");
  (*request.mutable_properties()->mutable_fields())["user_email"].set_string_value("a@b.example");
  EXPECT_EQ(Encode(request, PersonalDataPolicy::kDrop), EncodeDocumentedJson(request));
  EXPECT_EQ(Encode(request, PersonalDataPolicy::kHash), EncodeDocumentedJson(request));
}

TEST(PersonalDataTest, KeepIsNoFilterAndTheSeedLineIsByteForByteAsBefore) {
  EXPECT_EQ(
      MakePersonalValueFilter(PersonalDataPolicy::kKeep, kKey, DataClasses::ForTrackRequest()),
      nullptr);
  EXPECT_EQ(Encode(SeedRequest(), PersonalDataPolicy::kKeep),
            testing::MinifyJson(testing::ReadTestData("seed_account_added_user.json")));
}

TEST(PersonalDataTest, PolicyNamesParseAndOthersAreRefused) {
  for (auto policy :
       {PersonalDataPolicy::kKeep, PersonalDataPolicy::kHash, PersonalDataPolicy::kDrop}) {
    EXPECT_EQ(*ParsePersonalDataPolicy(PersonalDataPolicyName(policy)), policy);
  }
  EXPECT_THAT(ParsePersonalDataPolicy("redact").status().message(),
              HasSubstr("--personal_data must be keep, hash or drop"));
}

class KeyFileTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& content, mode_t mode) {
    const std::string path = dir_.path() + "/key";
    std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
    chmod(path.c_str(), mode);
    return path;
  }
  testing::TempDir dir_;
};

TEST_F(KeyFileTest, ReadsTheBytesOfAPrivateFileOfAtLeast32Bytes) {
  const std::string key(32, 'k');
  EXPECT_EQ(*ReadPersonalDataKey(Write(key, 0600)), key);
  EXPECT_EQ(*ReadPersonalDataKey(Write(key + "\n", 0640)), key + "\n");
}

TEST_F(KeyFileTest, RefusesAShortKeyWithoutShowingIt) {
  const auto key = ReadPersonalDataKey(Write("short-secret-31-bytes-long-abcd", 0600));
  EXPECT_EQ(key.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(key.status().message(), HasSubstr("at least 32"));
  EXPECT_THAT(key.status().message(), Not(HasSubstr("short-secret")));
}

TEST_F(KeyFileTest, RefusesAFileEveryoneMayRead) {
  const auto key = ReadPersonalDataKey(Write(std::string(40, 's'), 0644));
  EXPECT_EQ(key.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(key.status().message(), HasSubstr("readable by everyone"));
  EXPECT_THAT(key.status().message(), Not(HasSubstr("ssss")));
}

TEST_F(KeyFileTest, RefusesAMissingFile) {
  const auto key = ReadPersonalDataKey(dir_.path() + "/absent");
  EXPECT_EQ(key.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(key.status().message(), HasSubstr("cannot be read"));
}

}  // namespace
}  // namespace trackd

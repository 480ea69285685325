// The --personal_data policy on a real server: what the sink stores, what
// /metrics says, the start-up errors, and that error messages and metric labels
// never carry a personal value. Which fields are personal comes from the
// descriptors (DataClasses), so a field annotated later is covered here too.
#include <httplib.h>
#include <sys/stat.h>

#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "server/data_classes.h"
#include "server/personal_data.h"
#include "tests/test_server.h"
#include "tests/test_util.h"
#include "trackd/v1/track.grpc.pb.h"

namespace trackd {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class PersonalDataServerTest : public ::testing::Test {
 protected:
  absl::Status Start(PersonalDataPolicy policy, const std::string& key_file = "") {
    auto server = testing::StartServer(dir_.path() + "/data", fs_, [&](ServerConfig& c) {
      c.admin_listen = "127.0.0.1:0";
      c.personal_data = {.policy = policy, .key_file = key_file};
    });
    if (!server.ok()) return server.status();
    server_ = std::move(*server);
    stub_ = v1::TrackService::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", server_->port()), grpc::InsecureChannelCredentials()));
    return absl::OkStatus();
  }

  std::string KeyFile(const std::string& key, mode_t mode = 0600) {
    const std::string path = dir_.path() + "/key";
    std::ofstream(path, std::ios::binary | std::ios::trunc) << key;
    chmod(path.c_str(), mode);
    return path;
  }

  grpc::Status Track(const v1::TrackRequest& request) {
    grpc::ClientContext context;
    v1::TrackResponse response;
    return stub_->Track(&context, request, &response);
  }

  std::string Metrics() {
    httplib::Client admin("127.0.0.1", server_->admin_port());
    auto got = admin.Get("/metrics");
    return got ? got->body : "";
  }

  std::vector<std::string> Stored() {
    server_->Shutdown();
    return testing::StoredLines(dir_.path() + "/data");
  }

  testing::TempDir dir_;
  PosixFileSystem fs_;
  std::unique_ptr<TrackdServer> server_;
  std::unique_ptr<v1::TrackService::Stub> stub_;
};

TEST_F(PersonalDataServerTest, HashStoresKeyedTokensAndMetricsShowThePolicy) {
  const std::string key(32, 'k');
  ASSERT_TRUE(Start(PersonalDataPolicy::kHash, KeyFile(key)).ok());
  EXPECT_THAT(Metrics(), HasSubstr("\ntrackd_personal_data_policy{policy=\"hash\"} 1\n"));
  ASSERT_TRUE(Track(testing::SeedRequest()).ok());
  const std::vector<std::string> lines = Stored();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_THAT(lines[0], HasSubstr(absl::StrCat("\"user_email\":\"",
                                               HmacSha256Hex(key, "mark.wood@example.com"), "\"")));
  EXPECT_THAT(lines[0], Not(HasSubstr("mark.wood")));
}

TEST_F(PersonalDataServerTest, DropStoresTheLineWithoutThePersonalKeys) {
  ASSERT_TRUE(Start(PersonalDataPolicy::kDrop).ok());
  EXPECT_THAT(Metrics(), HasSubstr("\ntrackd_personal_data_policy{policy=\"drop\"} 1\n"));
  ASSERT_TRUE(Track(testing::SeedRequest()).ok());
  const std::vector<std::string> lines = Stored();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_THAT(lines[0], HasSubstr("\"properties\":{\"user_role\":\"Developer\"}"));
}

TEST_F(PersonalDataServerTest, KeepByDefaultStoresTheLineAsSent) {
  ASSERT_TRUE(Start(PersonalDataPolicy::kKeep).ok());
  EXPECT_THAT(Metrics(), HasSubstr("\ntrackd_personal_data_policy{policy=\"keep\"} 1\n"));
  ASSERT_TRUE(Track(testing::SeedRequest()).ok());
  EXPECT_THAT(Stored(), ::testing::ElementsAre(testing::MinifyJson(
                            testing::ReadTestData("seed_account_added_user.json"))));
}

TEST_F(PersonalDataServerTest, HashWithABadKeyFileDoesNotStart) {
  const absl::Status short_key = Start(PersonalDataPolicy::kHash, KeyFile("too-short"));
  EXPECT_EQ(short_key.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(short_key.message(), HasSubstr("--personal_data_key_file"));
  EXPECT_THAT(short_key.message(), Not(HasSubstr("too-short")));
  const absl::Status public_key =
      Start(PersonalDataPolicy::kHash, KeyFile(std::string(32, 'k'), 0644));
  EXPECT_THAT(public_key.message(), HasSubstr("readable by everyone"));
  EXPECT_EQ(Start(PersonalDataPolicy::kHash, "").code(), absl::StatusCode::kInvalidArgument);
}

// Every personal field, with values its rules refuse (bad UTF-8, far too long,
// control characters, not an address), in Track and TrackBatch: neither the status message, nor a
// violation, nor a metric label carries the value.
TEST_F(PersonalDataServerTest, ErrorsAndMetricLabelsNeverCarryAPersonalValue) {
  ASSERT_TRUE(Start(PersonalDataPolicy::kKeep).ok());
  const auto personal = DataClasses::ForTrackRequest().Personal();
  ASSERT_FALSE(personal.empty());
  std::string errors;
  std::vector<std::string> markers;
  for (const ClassifiedField* field : personal) {
    const std::string marker = absl::StrCat("pdmarker", markers.size(), "x");
    markers.push_back(marker);
    int rejected = 0;
    for (const std::string& value : {marker, marker + "@@x", marker + "\xFF",
                                     marker + std::string(100000, 'p'), marker + " x\n"}) {
      v1::TrackRequest request = testing::SeedRequest();
      testing::SetStringAtPath(request, field->proto_path, value);
      const grpc::Status status = Track(request);
      rejected += status.ok() ? 0 : 1;
      absl::StrAppend(&errors, status.error_message(), status.error_details());
      v1::TrackBatchRequest batch;
      *batch.add_requests() = request;
      grpc::ClientContext context;
      v1::TrackBatchResponse response;
      ASSERT_TRUE(stub_->TrackBatch(&context, batch, &response).ok());
      absl::StrAppend(&errors, response.DebugString());
    }
    EXPECT_GE(rejected, 3) << field->proto_path;
  }
  const std::string metrics = Metrics();
  EXPECT_THAT(metrics, HasSubstr("trackd_events_rejected_total{field=\"account_added_user."));
  for (const std::string& marker : markers) {
    EXPECT_THAT(errors, Not(HasSubstr(marker))) << "a personal value in an error";
    EXPECT_THAT(metrics, Not(HasSubstr(marker))) << "a personal value in a metric label";
  }
}

}  // namespace
}  // namespace trackd

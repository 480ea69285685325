// Dry runs (validate_only) against a real TrackdServer on 127.0.0.1 with the
// embedded log: judged as a real call is, stored and remembered nowhere,
// counted apart, and gated by authentication and the rate limit like any call.

#include <fstream>
#include <map>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "server/server.h"
#include "tests/fake_clock.h"
#include "tests/test_server.h"
#include "tests/test_util.h"
#include "trackd/v1/track.grpc.pb.h"

namespace trackd {
namespace {

using testing::BadRequestOf;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing::SeedRequest;

v1::TrackRequest Seed(const std::string& message_id) {
  v1::TrackRequest request = SeedRequest();
  request.set_message_id(message_id);
  return request;
}

v1::TrackRequest DryRun(v1::TrackRequest request) {
  request.set_validate_only(true);
  return request;
}

// The seed event with two broken rules.
v1::TrackRequest Invalid(const std::string& message_id) {
  v1::TrackRequest request = Seed(message_id);
  request.clear_group_id();
  request.mutable_account_added_user()->set_user_email("nope");
  return request;
}

std::string SeedLine() {
  return testing::MinifyJson(testing::ReadTestData("seed_account_added_user.json"));
}

class DryRunTest : public ::testing::Test {
 protected:
  void Start(const testing::CustomizeConfig& customize = nullptr) {
    auto server = testing::StartServer(
        dir_.path(), fs_,
        [&](ServerConfig& c) {
          c.admin_listen = "127.0.0.1:0";  // For /metrics.
          if (customize) customize(c);
        },
        clock_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    stub_ = v1::TrackService::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", server_->port()), grpc::InsecureChannelCredentials()));
  }

  grpc::Status Track(const v1::TrackRequest& request, v1::TrackResponse* response,
                     const std::string& authorization = "") {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    if (!authorization.empty()) context.AddMetadata("authorization", authorization);
    return stub_->Track(&context, request, response);
  }

  grpc::Status TrackBatch(const v1::TrackBatchRequest& batch, v1::TrackBatchResponse* response) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    return stub_->TrackBatch(&context, batch, response);
  }

  std::map<std::string, double> Scrape() { return testing::ScrapeMetrics(server_->admin_port()); }

  std::vector<std::string> StoredLines() { return testing::StoredLines(dir_.path()); }

  testing::TempDir dir_;
  testing::FaultInjectingFileSystem fs_;
  testing::FakeClock clock_{absl::Now()};
  std::unique_ptr<TrackdServer> server_;
  std::unique_ptr<v1::TrackService::Stub> stub_;
};

TEST_F(DryRunTest, ADryRunAnswersTheLineARealCallWritesAndStoresNothing) {
  Start();
  v1::TrackResponse dry;
  ASSERT_TRUE(Track(DryRun(SeedRequest()), &dry).ok());
  EXPECT_EQ(dry.message_id(), "seed-message-1");
  EXPECT_FALSE(dry.duplicate());
  EXPECT_EQ(dry.documented_json(), SeedLine());
  EXPECT_THAT(StoredLines(), IsEmpty());

  v1::TrackResponse real;
  ASSERT_TRUE(Track(SeedRequest(), &real).ok());
  EXPECT_EQ(real.documented_json(), "") << "filled only in dry runs";
  EXPECT_THAT(StoredLines(), ElementsAre(dry.documented_json()));
}

TEST_F(DryRunTest, ADryRunLeavesNoDedupeEntrySoTheSameIdIsThenStored) {
  Start();
  v1::TrackResponse response;
  ASSERT_TRUE(Track(DryRun(Seed("once")), &response).ok());
  ASSERT_TRUE(Track(DryRun(Seed("once")), &response).ok());
  EXPECT_FALSE(response.duplicate()) << "a dry run remembers nothing, not even for dry runs";
  ASSERT_TRUE(Track(Seed("once"), &response).ok());
  EXPECT_FALSE(response.duplicate());
  EXPECT_EQ(StoredLines().size(), 1u);
}

TEST_F(DryRunTest, ADryRunOfAnIdAlreadyStoredIsAnsweredDuplicateWithoutJson) {
  Start();
  v1::TrackResponse response;
  ASSERT_TRUE(Track(Seed("stored"), &response).ok());
  ASSERT_TRUE(Track(DryRun(Seed("stored")), &response).ok());
  EXPECT_TRUE(response.duplicate());
  EXPECT_EQ(response.message_id(), "stored");
  EXPECT_EQ(response.documented_json(), "");
  EXPECT_EQ(StoredLines().size(), 1u);
}

TEST_F(DryRunTest, ARejectedDryRunHasTheStatusAndViolationsOfARealCall) {
  Start();
  v1::TrackResponse response;
  const grpc::Status dry = Track(DryRun(Invalid("bad")), &response);
  const grpc::Status real = Track(Invalid("bad"), &response);
  EXPECT_EQ(dry.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(dry.error_code(), real.error_code());
  EXPECT_EQ(dry.error_message(), real.error_message());
  EXPECT_EQ(BadRequestOf(dry), BadRequestOf(real));
  EXPECT_EQ(BadRequestOf(dry).size(), 2u);
}

TEST_F(DryRunTest, DryRunsCountInTheirOwnMetricAndInNoneOfStoredOrRejectedEvents) {
  Start();
  v1::TrackResponse response;
  ASSERT_TRUE(Track(DryRun(Seed("a")), &response).ok());
  ASSERT_FALSE(Track(DryRun(Invalid("b")), &response).ok());
  v1::TrackBatchRequest batch;
  batch.set_validate_only(true);
  *batch.add_requests() = Seed("c");
  *batch.add_requests() = Seed("c");
  *batch.add_requests() = Invalid("d");
  v1::TrackBatchResponse batch_response;
  ASSERT_TRUE(TrackBatch(batch, &batch_response).ok());

  auto metrics = Scrape();
  EXPECT_EQ(metrics["trackd_dry_runs_total{rpc=\"Track\",outcome=\"accepted\"}"], 1);
  EXPECT_EQ(metrics["trackd_dry_runs_total{rpc=\"Track\",outcome=\"rejected\"}"], 1);
  EXPECT_EQ(metrics["trackd_dry_runs_total{rpc=\"TrackBatch\",outcome=\"accepted\"}"], 1);
  EXPECT_EQ(metrics["trackd_dry_runs_total{rpc=\"TrackBatch\",outcome=\"duplicate\"}"], 1);
  EXPECT_EQ(metrics["trackd_dry_runs_total{rpc=\"TrackBatch\",outcome=\"rejected\"}"], 1);
  EXPECT_EQ(metrics["trackd_events_stored_total"], 0);
  EXPECT_EQ(metrics["trackd_events_deduplicated_total"], 0);
  EXPECT_EQ(metrics["trackd_commits_total"], 0);
  EXPECT_EQ(metrics.count("trackd_events_rejected_total{field=\"group_id\"}"), 0u);

  ASSERT_FALSE(Track(Invalid("e"), &response).ok());  // A real rejection counts there.
  metrics = Scrape();
  EXPECT_EQ(metrics["trackd_events_rejected_total{field=\"group_id\"}"], 1);
  EXPECT_EQ(metrics["trackd_dry_runs_total{rpc=\"Track\",outcome=\"rejected\"}"], 1);
}

TEST_F(DryRunTest, ADryRunBatchJudgesItemsAsARealBatchAndStoresNothing) {
  Start();
  v1::TrackBatchRequest batch;
  *batch.add_requests() = Seed("one");
  *batch.add_requests() = Invalid("bad");
  *batch.add_requests() = Seed("two");
  *batch.add_requests() = Seed("one");            // Repeats the first item.
  *batch.add_requests() = DryRun(Seed("three"));  // The item's own flag does not matter.
  v1::TrackBatchRequest dry_batch = batch;
  dry_batch.set_validate_only(true);
  v1::TrackBatchResponse dry;
  ASSERT_TRUE(TrackBatch(dry_batch, &dry).ok());
  EXPECT_THAT(StoredLines(), IsEmpty());

  using R = v1::TrackBatchResult;
  ASSERT_EQ(dry.results_size(), 5);
  EXPECT_EQ(dry.results(0).outcome(), R::OUTCOME_ACCEPTED);
  EXPECT_EQ(dry.results(0).documented_json(), SeedLine());
  EXPECT_EQ(dry.results(1).outcome(), R::OUTCOME_REJECTED);
  EXPECT_EQ(dry.results(1).documented_json(), "");
  EXPECT_EQ(dry.results(2).outcome(), R::OUTCOME_ACCEPTED);
  EXPECT_EQ(dry.results(3).outcome(), R::OUTCOME_DUPLICATE);
  EXPECT_EQ(dry.results(3).documented_json(), "");
  EXPECT_EQ(dry.results(4).outcome(), R::OUTCOME_ACCEPTED);

  // The real batch, without the item-level flag, answers the same.
  batch.mutable_requests(4)->set_validate_only(false);
  v1::TrackBatchResponse real;
  ASSERT_TRUE(TrackBatch(batch, &real).ok());
  ASSERT_EQ(real.results_size(), 5);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(dry.results(i).outcome(), real.results(i).outcome()) << i;
    EXPECT_EQ(dry.results(i).message_id(), real.results(i).message_id()) << i;
    EXPECT_EQ(dry.results(i).violations_size(), real.results(i).violations_size()) << i;
    EXPECT_EQ(real.results(i).documented_json(), "") << i;
  }
  EXPECT_THAT(StoredLines(), ElementsAre(SeedLine(), SeedLine(), SeedLine()));
}

TEST_F(DryRunTest, AnItemMarkedValidateOnlyInARealBatchIsRejectedAndNotStored) {
  Start();
  v1::TrackBatchRequest batch;
  *batch.add_requests() = DryRun(Seed("meant-dry"));
  *batch.add_requests() = Seed("real");
  v1::TrackBatchResponse response;
  ASSERT_TRUE(TrackBatch(batch, &response).ok());
  ASSERT_EQ(response.results_size(), 2);
  EXPECT_EQ(response.results(0).outcome(), v1::TrackBatchResult::OUTCOME_REJECTED);
  EXPECT_EQ(response.results(0).message_id(), "meant-dry");
  ASSERT_EQ(response.results(0).violations_size(), 1);
  EXPECT_EQ(response.results(0).violations(0).field(), "validate_only");
  EXPECT_THAT(response.results(0).violations(0).description(),
              ::testing::HasSubstr("TrackBatchRequest"));
  EXPECT_EQ(response.results(1).outcome(), v1::TrackBatchResult::OUTCOME_ACCEPTED);
  EXPECT_EQ(StoredLines().size(), 1u);
}

TEST_F(DryRunTest, ADryRunNeedsAValidTokenLikeAnyCall) {
  const std::string tokens = dir_.path() + "/tokens";
  std::ofstream(tokens) << testing::TokenFileLine("s3cret", "billing");
  Start([&](ServerConfig& c) { c.auth_tokens_file = tokens; });
  v1::TrackResponse response;
  EXPECT_EQ(Track(DryRun(SeedRequest()), &response).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Track(DryRun(SeedRequest()), &response, "Bearer wrong").error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(Track(DryRun(SeedRequest()), &response, "Bearer s3cret").ok());
}

TEST_F(DryRunTest, DryRunsSpendTheRateLimitLikeRealCalls) {
  Start([](ServerConfig& c) { c.limits.rate_limit_per_client = 10; });  // Burst: 10.
  v1::TrackResponse response;
  // The server's clock stands still, so the bucket does not refill.
  for (int n = 0; n < 10; ++n) {
    ASSERT_TRUE(Track(DryRun(Seed(absl::StrCat("r", n))), &response).ok()) << n;
  }
  EXPECT_EQ(Track(DryRun(Seed("r10")), &response).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(Track(Seed("r11"), &response).error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
}

TEST_F(DryRunTest, ADryRunStillJudgesWhenTheStoreHasFailed) {
  Start();
  fs_.fail_sync = true;
  v1::TrackResponse response;
  EXPECT_EQ(Track(Seed("lost"), &response).error_code(), grpc::StatusCode::UNAVAILABLE);
  const grpc::Status dry = Track(DryRun(Seed("judged")), &response);
  ASSERT_TRUE(dry.ok()) << dry.error_message();
  EXPECT_EQ(response.documented_json(), SeedLine());
}

}  // namespace
}  // namespace trackd

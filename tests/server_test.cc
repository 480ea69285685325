// Integration tests: a real TrackdServer on 127.0.0.1 (port 0), a real file
// system, and the generated C++ stub, as a client would use them.
#include "server/server.h"

#include <httplib.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/health_check_service_interface.h"
#include "gtest/gtest.h"
#include "tests/fake_clock.h"
#include "tests/test_server.h"
#include "tests/test_util.h"
#include "trackd/client/track_client.h"
#include "trackd/v1/track.grpc.pb.h"

namespace trackd {
namespace {

using testing::BadRequestOf;
using ::testing::ElementsAre;
using testing::FaultInjectingFileSystem;
using ::testing::IsEmpty;
using ::testing::Pair;
using testing::RetryInfoOf;
using testing::SeedRequest;
using ::testing::UnorderedElementsAre;

std::vector<std::string> FieldsOf(const grpc::Status& status) {
  std::vector<std::string> fields;
  for (const auto& [field, description] : BadRequestOf(status)) fields.push_back(field);
  return fields;
}

// `items` copies of the seed event with message_ids prefix0, prefix1, ...;
// with `blob_bytes`, each carries a context string of that size.
v1::TrackBatchRequest SeedBatch(int items, const std::string& prefix, size_t blob_bytes = 0) {
  v1::TrackBatchRequest batch;
  for (int i = 0; i < items; ++i) {
    v1::TrackRequest* request = batch.add_requests();
    *request = SeedRequest();
    request->set_message_id(absl::StrCat(prefix, i));
    if (blob_bytes > 0) {
      (*request->mutable_context()->mutable_fields())["blob"].set_string_value(
          std::string(blob_bytes, 'x'));
    }
  }
  return batch;
}

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override { StartServer(); }

  void StartServer(size_t max_queued = 20000, const testing::CustomizeConfig& customize = nullptr) {
    auto server = testing::StartServer(dir_.path(), fs_, [&](ServerConfig& c) {
      c.pipeline.max_queued_events = max_queued;
      if (customize) customize(c);
    });
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                                   grpc::InsecureChannelCredentials());
    stub_ = v1::TrackService::NewStub(channel_);
  }

  void RestartServer() {
    server_.reset();
    StartServer();
  }

  grpc::Status TrackBatch(const v1::TrackBatchRequest& batch, v1::TrackBatchResponse* response) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    return stub_->TrackBatch(&context, batch, response);
  }

  grpc::Status Track(const v1::TrackRequest& request, v1::TrackResponse* response) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    return stub_->Track(&context, request, response);
  }

  std::vector<std::string> StoredLines() { return testing::StoredLines(dir_.path()); }

  testing::TempDir dir_;
  FaultInjectingFileSystem fs_;
  std::unique_ptr<TrackdServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::TrackService::Stub> stub_;
};

TEST_F(ServerTest, SeedSampleIsStoredAsTheDocumentedJson) {
  v1::TrackResponse response;
  const grpc::Status status = Track(SeedRequest(), &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.message_id(), "seed-message-1");
  EXPECT_FALSE(response.duplicate());
  EXPECT_THAT(
      StoredLines(),
      ElementsAre(testing::MinifyJson(testing::ReadTestData("seed_account_added_user.json"))));
}

TEST_F(ServerTest, HealthReportsServingOnceStarted) {
  grpc::ByteBuffer request_bytes, response_bytes;
  // grpc.health.v1.HealthCheckRequest{service: ""} is the empty message.
  grpc::GenericStub generic(channel_);
  grpc::ClientContext context;
  absl::Notification done;
  grpc::Status status;
  grpc::Slice empty;
  request_bytes = grpc::ByteBuffer(&empty, 1);
  generic.UnaryCall(&context, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request_bytes,
                    &response_bytes, [&](grpc::Status s) {
                      status = s;
                      done.Notify();
                    });
  done.WaitForNotification();
  ASSERT_TRUE(status.ok()) << status.error_message();
  grpc::Slice slice;
  ASSERT_TRUE(response_bytes.TrySingleSlice(&slice).ok() ||
              response_bytes.DumpToSingleSlice(&slice).ok());
  // HealthCheckResponse{status: SERVING(1)} is field 1, varint 1: bytes 08 01.
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(slice.begin()), slice.size()),
            std::string("\x08\x01", 2));
}

TEST_F(ServerTest, InvalidRequestListsEveryViolationInBadRequest) {
  v1::TrackRequest request = SeedRequest();
  request.clear_user_id();
  request.clear_timestamp();
  request.mutable_account_added_user()->set_user_email("mark wood@example");
  v1::TrackResponse response;
  const grpc::Status status = Track(request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(FieldsOf(status),
              UnorderedElementsAre("user_id", "timestamp", "account_added_user.user_email"));
  EXPECT_THAT(StoredLines(), IsEmpty());
}

TEST_F(ServerTest, ViolationDescriptionsTravelToTheClient) {
  v1::TrackRequest request = SeedRequest();
  request.mutable_account_added_user()->clear_user_role();
  v1::TrackResponse response;
  const grpc::Status status = Track(request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(BadRequestOf(status), ElementsAre(Pair("account_added_user.user_role",
                                                     "is required and must not be empty")));
}

TEST_F(ServerTest, OversizedEventIsRejectedAndNotStored) {
  v1::TrackRequest request = SeedRequest();
  (*request.mutable_context()->mutable_fields())["blob"].set_string_value(std::string(33000, 'x'));
  v1::TrackResponse response;
  const grpc::Status status = Track(request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(FieldsOf(status), ElementsAre("(event)"));
}

TEST_F(ServerTest, RepeatedMessageIdIsDuplicateAndStoredOnce) {
  v1::TrackResponse first, second;
  ASSERT_TRUE(Track(SeedRequest(), &first).ok());
  ASSERT_TRUE(Track(SeedRequest(), &second).ok());
  EXPECT_FALSE(first.duplicate());
  EXPECT_TRUE(second.duplicate());
  EXPECT_EQ(second.message_id(), "seed-message-1");
  EXPECT_EQ(StoredLines().size(), 1u);
}

TEST_F(ServerTest, EmptyMessageIdGetsAServerAssignedUuid) {
  v1::TrackRequest request = SeedRequest();
  request.clear_message_id();
  v1::TrackResponse first, second;
  ASSERT_TRUE(Track(request, &first).ok());
  ASSERT_TRUE(Track(request, &second).ok());
  EXPECT_THAT(first.message_id(),
              ::testing::MatchesRegex(
                  "[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"));
  EXPECT_NE(first.message_id(), second.message_id());
  EXPECT_EQ(StoredLines().size(), 2u);
}

TEST_F(ServerTest, BatchMixingGoodAndBadItemsStoresTheGoodOnes) {
  v1::TrackBatchRequest batch;
  *batch.add_requests() = SeedRequest();
  v1::TrackRequest bad = SeedRequest();
  bad.set_message_id("bad-1");
  bad.clear_group_id();
  bad.mutable_account_added_user()->set_user_email("nope");
  *batch.add_requests() = bad;
  v1::TrackRequest good = SeedRequest();
  good.set_message_id("good-2");
  *batch.add_requests() = good;
  *batch.add_requests() = SeedRequest();  // Same id as the first item.

  grpc::ClientContext context;
  v1::TrackBatchResponse response;
  const grpc::Status status = stub_->TrackBatch(&context, batch, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(response.results_size(), 4);
  EXPECT_EQ(response.results(0).outcome(), v1::TrackBatchResult::OUTCOME_ACCEPTED);
  EXPECT_EQ(response.results(0).message_id(), "seed-message-1");
  EXPECT_EQ(response.results(1).outcome(), v1::TrackBatchResult::OUTCOME_REJECTED);
  EXPECT_EQ(response.results(1).message_id(), "bad-1");
  std::vector<std::string> fields;
  for (const auto& v : response.results(1).violations()) fields.push_back(v.field());
  EXPECT_THAT(fields, UnorderedElementsAre("group_id", "account_added_user.user_email"));
  EXPECT_EQ(response.results(2).outcome(), v1::TrackBatchResult::OUTCOME_ACCEPTED);
  EXPECT_EQ(response.results(3).outcome(), v1::TrackBatchResult::OUTCOME_DUPLICATE);
  EXPECT_EQ(StoredLines().size(), 2u);
}

TEST_F(ServerTest, BatchOfMoreThan500ItemsIsRejected) {
  v1::TrackBatchResponse response;
  const grpc::Status status = TrackBatch(SeedBatch(501, "m"), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(FieldsOf(status), ElementsAre("requests"));
  EXPECT_THAT(StoredLines(), IsEmpty());
}

TEST_F(ServerTest, MessageOverMaxMessageBytesIsRefusedWithResourceExhausted) {
  v1::TrackBatchResponse response;
  const grpc::Status status =
      TrackBatch(SeedBatch(200, "big", 32000), &response);  // ~6.4 MB > 4 MiB.
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(StoredLines(), IsEmpty());
}

TEST_F(ServerTest, MaxBatchItemsIsConfigurable) {
  server_.reset();
  StartServer(20000, [](ServerConfig& c) { c.limits.max_batch_items = 10; });
  v1::TrackBatchResponse response;
  const grpc::Status status = TrackBatch(SeedBatch(11, "m"), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(BadRequestOf(status),
              ElementsAre(Pair("requests", "must hold 1 to 10 items, got 11")));
}

TEST_F(ServerTest, FullBatchOf500MaximalEventsFitsWhenMaxMessageBytesAllows) {
  server_.reset();
  StartServer(20000, [](ServerConfig& c) { c.limits.max_message_bytes = 20 << 20; });
  v1::TrackBatchResponse response;
  const grpc::Status status = TrackBatch(SeedBatch(500, "big", 32000), &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(StoredLines().size(), 500u);
}

TEST_F(ServerTest, RestartKeepsEventsAndRemembersTheirIds) {
  v1::TrackResponse response;
  ASSERT_TRUE(Track(SeedRequest(), &response).ok());
  RestartServer();
  EXPECT_EQ(server_->reloaded_ids(), 1u);
  ASSERT_TRUE(Track(SeedRequest(), &response).ok());
  EXPECT_TRUE(response.duplicate());
  v1::TrackRequest other = SeedRequest();
  other.set_message_id("after-restart");
  ASSERT_TRUE(Track(other, &response).ok());
  EXPECT_FALSE(response.duplicate());
  EXPECT_EQ(StoredLines().size(), 2u);
}

TEST_F(ServerTest, FailingDiskAnswersUnavailableNeverOk) {
  fs_.fail_sync = true;
  v1::TrackResponse response;
  const grpc::Status status = Track(SeedRequest(), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(RetryInfoOf(status).has_value());
  EXPECT_THAT(StoredLines(), IsEmpty());
  fs_.fail_sync = false;  // Once the disk is back and trackd restarted, the retry is stored.
  RestartServer();
  ASSERT_TRUE(Track(SeedRequest(), &response).ok());
  EXPECT_FALSE(response.duplicate());
  EXPECT_EQ(StoredLines().size(), 1u);
}

// grpc.health.v1 Check for `service` ("" is the server as a whole).
grpc::health::v1::HealthCheckResponse::ServingStatus HealthOf(grpc::Channel& channel,
                                                              const std::string& service) {
  auto stub = grpc::health::v1::Health::NewStub(
      std::shared_ptr<grpc::Channel>(&channel, [](grpc::Channel*) {}));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  grpc::health::v1::HealthCheckResponse response;
  const grpc::Status status = stub->Check(&context, request, &response);
  EXPECT_TRUE(status.ok()) << service << ": " << status.error_message();
  return response.status();
}

TEST_F(ServerTest, FailedFsyncStopsTheStoreUntilRestartAndSaysSo) {
  server_.reset();
  StartServer(20000, [](ServerConfig& c) { c.admin_listen = "127.0.0.1:0"; });
  httplib::Client admin("127.0.0.1", server_->admin_port());
  const std::string kService = "trackd.v1.TrackService";
  ASSERT_EQ(HealthOf(*channel_, ""), grpc::health::v1::HealthCheckResponse::SERVING);
  ASSERT_EQ(HealthOf(*channel_, kService), grpc::health::v1::HealthCheckResponse::SERVING);
  ASSERT_EQ(admin.Get("/readyz")->status, 200);
  ASSERT_THAT(admin.Get("/metrics")->body, ::testing::HasSubstr("\ntrackd_store_failed 0\n"));

  fs_.fail_sync = true;
  v1::TrackResponse response;
  const grpc::Status failed = Track(SeedRequest(), &response);
  ASSERT_EQ(failed.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(failed.error_message(), ::testing::HasSubstr("stopped after an I/O error"));
  // The writer reports the failure before it completes the call.
  EXPECT_EQ(HealthOf(*channel_, ""), grpc::health::v1::HealthCheckResponse::NOT_SERVING);
  EXPECT_EQ(HealthOf(*channel_, kService), grpc::health::v1::HealthCheckResponse::NOT_SERVING);
  const auto ready = admin.Get("/readyz");
  EXPECT_EQ(ready->status, 503);
  EXPECT_THAT(ready->body, ::testing::HasSubstr("stopped after an I/O error"));
  EXPECT_THAT(ready->body, ::testing::HasSubstr("fdatasync"));
  EXPECT_THAT(admin.Get("/metrics")->body, ::testing::HasSubstr("\ntrackd_store_failed 1\n"));

  // The disk seems well again; the store stays stopped.
  fs_.fail_sync = false;
  v1::TrackRequest later = SeedRequest();
  later.set_message_id("later");
  const grpc::Status refused = Track(later, &response);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(RetryInfoOf(refused).has_value());
  v1::TrackBatchResponse batch_response;
  EXPECT_EQ(TrackBatch(SeedBatch(3, "batch"), &batch_response).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(HealthOf(*channel_, ""), grpc::health::v1::HealthCheckResponse::NOT_SERVING);
  EXPECT_THAT(StoredLines(), IsEmpty());

  RestartServer();
  EXPECT_EQ(HealthOf(*channel_, kService), grpc::health::v1::HealthCheckResponse::SERVING);
  ASSERT_TRUE(Track(later, &response).ok());
  EXPECT_FALSE(response.duplicate());
  EXPECT_EQ(StoredLines().size(), 1u);
}

// The metrics behind the alerts on a failing sink (deploy/prometheus/trackd-alerts.yaml): each
// sink write is timed, a failed one is counted, and the queue's limit is exported beside its
// depth.
TEST_F(ServerTest, SinkWritesAreTimedAndAFailedOneIsCounted) {
  server_.reset();
  StartServer(1234, [](ServerConfig& c) { c.admin_listen = "127.0.0.1:0"; });
  v1::TrackResponse response;
  ASSERT_TRUE(Track(SeedRequest(), &response).ok());
  auto metrics = testing::ScrapeMetrics(server_->admin_port());
  EXPECT_EQ(metrics["trackd_sink_write_duration_seconds_count"], 1);
  EXPECT_EQ(metrics["trackd_sink_write_failures_total"], 0);
  EXPECT_EQ(metrics["trackd_queue_capacity"], 1234);

  fs_.fail_sync = true;
  v1::TrackRequest failing = SeedRequest();
  failing.set_message_id("fails");
  ASSERT_EQ(Track(failing, &response).error_code(), grpc::StatusCode::UNAVAILABLE);
  metrics = testing::ScrapeMetrics(server_->admin_port());
  EXPECT_EQ(metrics["trackd_sink_write_duration_seconds_count"], 2);
  EXPECT_EQ(metrics["trackd_sink_write_failures_total"], 1);
  EXPECT_EQ(metrics["trackd_commits_total"], 1);
}

// Sends `request` without waiting; `done` is notified with the status.
struct AsyncCall {
  grpc::ClientContext context;
  v1::TrackResponse response;
  grpc::Status status;
  absl::Notification done;
};

void StartTrack(v1::TrackService::Stub& stub, const v1::TrackRequest& request, AsyncCall& call) {
  stub.async()->Track(&call.context, &request, &call.response, [&call](grpc::Status s) {
    call.status = std::move(s);
    call.done.Notify();
  });
}

TEST_F(ServerTest, FullQueueAnswersResourceExhausted) {
  server_.reset();
  StartServer(/*max_queued=*/500);
  fs_.block_sync = true;
  AsyncCall held;
  const v1::TrackRequest first = SeedRequest();
  StartTrack(*stub_, first, held);
  fs_.sync_blocked.WaitForNotification();  // The writer holds the first event; the queue is empty.

  // 500 new events fill the queue exactly and one more does not fit. Whichever
  // of the two arrives second is refused at once.
  const v1::TrackBatchRequest batch = SeedBatch(500, "fill");
  grpc::ClientContext batch_context;
  v1::TrackBatchResponse batch_response;
  absl::Notification batch_done;
  grpc::Status batch_status;
  stub_->async()->TrackBatch(&batch_context, &batch, &batch_response, [&](grpc::Status s) {
    batch_status = s;
    batch_done.Notify();
  });
  v1::TrackRequest extra = SeedRequest();
  extra.set_message_id("extra");
  AsyncCall extra_call;
  StartTrack(*stub_, extra, extra_call);

  ASSERT_TRUE(testing::WaitUntil(
      [&] { return batch_done.HasBeenNotified() || extra_call.done.HasBeenNotified(); },
      absl::Seconds(20), "a refusal, the queue being full"));
  const grpc::Status refused = batch_done.HasBeenNotified() ? batch_status : extra_call.status;
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_TRUE(RetryInfoOf(refused).has_value());

  fs_.block_sync = false;
  fs_.release_sync.Notify();
  held.done.WaitForNotification();
  batch_done.WaitForNotification();
  extra_call.done.WaitForNotification();
  EXPECT_TRUE(held.status.ok());
  // Exactly one of the two was refused; the other is stored.
  EXPECT_NE(batch_status.ok(), extra_call.status.ok());
  EXPECT_EQ(StoredLines().size(), batch_status.ok() ? 501u : 2u);
}

TEST_F(ServerTest, DrainingReportsNotServingAndNotReady) {
  server_.reset();
  StartServer(20000, [](ServerConfig& c) { c.admin_listen = "127.0.0.1:0"; });
  auto client = TrackClient::Create({.target = absl::StrCat("127.0.0.1:", server_->port())});
  ASSERT_EQ(*(*client)->CheckHealth(), grpc::health::v1::HealthCheckResponse::SERVING);
  httplib::Client admin("127.0.0.1", server_->admin_port());
  ASSERT_EQ(admin.Get("/readyz")->status, 200);

  fs_.block_sync = true;  // Keep one call in flight, so the drain lasts.
  AsyncCall in_flight;
  const v1::TrackRequest request = SeedRequest();
  StartTrack(*stub_, request, in_flight);
  fs_.sync_blocked.WaitForNotification();
  std::thread stopper([this] { server_->Shutdown(); });
  absl::StatusOr<grpc::health::v1::HealthCheckResponse::ServingStatus> health;
  int ready = 200;
  EXPECT_TRUE(testing::WaitUntil(
      [&] {
        health = (*client)->CheckHealth();
        ready = admin.Get("/readyz")->status;
        return health.ok() && *health == grpc::health::v1::HealthCheckResponse::NOT_SERVING &&
               ready == 503;
      },
      absl::Seconds(10), "health NOT_SERVING and /readyz 503"));
  ASSERT_TRUE(health.ok()) << health.status();
  EXPECT_EQ(*health, grpc::health::v1::HealthCheckResponse::NOT_SERVING);
  EXPECT_EQ(ready, 503);
  fs_.block_sync = false;
  fs_.release_sync.Notify();
  stopper.join();
  in_flight.done.WaitForNotification();
  EXPECT_TRUE(in_flight.status.ok());
}

// The drain, step by step: Shutdown is held while a call is inside fsync; it
// must still be waiting for that call (which then completes OK), while a new
// call made meanwhile is refused by the drain itself (UNAVAILABLE "shutting
// down" with RetryInfo) rather than by a closed port.
TEST_F(ServerTest, ShutdownFinishesInFlightCallsThenRefusesNewOnes) {
  server_.reset();
  StartServer(20000, [](ServerConfig& c) { c.admin_listen = "127.0.0.1:0"; });
  httplib::Client admin("127.0.0.1", server_->admin_port());
  fs_.block_sync = true;
  AsyncCall in_flight;
  const v1::TrackRequest request = SeedRequest();
  StartTrack(*stub_, request, in_flight);
  fs_.sync_blocked.WaitForNotification();  // The call is in flight, inside fsync.
  std::atomic<bool> shutdown_returned{false};
  std::thread stopper([&] {
    server_->Shutdown();
    shutdown_returned = true;
  });
  // /readyz reports the draining flag itself, so from here on new calls meet the drain.
  const bool draining = testing::WaitUntil(
      [&] {
        auto ready = admin.Get("/readyz");
        return ready && ready->status == 503 && absl::StrContains(ready->body, "draining");
      },
      absl::Seconds(10), "/readyz to report draining");
  EXPECT_TRUE(draining);

  v1::TrackRequest late = SeedRequest();
  late.set_message_id("late");
  v1::TrackResponse late_response;
  grpc::ClientContext late_context;
  late_context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  const grpc::Status refused = stub_->Track(&late_context, late, &late_response);
  // Still draining: Shutdown waits for the held call, which has not been answered.
  EXPECT_FALSE(shutdown_returned) << "Shutdown returned with a call in flight";
  EXPECT_FALSE(in_flight.done.HasBeenNotified())
      << "the in-flight call ended before its fsync: " << in_flight.status.error_code() << " "
      << in_flight.status.error_message();
  fs_.block_sync = false;
  fs_.release_sync.Notify();
  stopper.join();

  EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAVAILABLE) << refused.error_message();
  EXPECT_EQ(refused.error_message(), "the server is shutting down");
  EXPECT_TRUE(RetryInfoOf(refused).has_value()) << "not the drain's refusal";
  in_flight.done.WaitForNotification();
  EXPECT_TRUE(in_flight.status.ok())
      << in_flight.status.error_code() << " " << in_flight.status.error_message();
  EXPECT_EQ(StoredLines().size(), 1u);  // The held call's event; not the refused one.
  v1::TrackResponse response;
  EXPECT_EQ(Track(late, &response).error_code(), grpc::StatusCode::UNAVAILABLE);  // Closed now.
}

// The shutdown grace is measured on the server's clock: with a fake one, an
// hour of grace passes when the test says so, and not before.
TEST(ShutdownGraceTest, CallsStillInFlightAreCancelledOnceTheGraceHasPassedOnTheServersClock) {
  testing::TempDir dir;
  FaultInjectingFileSystem fs;
  testing::FakeClock clock(testing::TestNow());
  auto server = testing::StartServer(
      dir.path(), fs, [](ServerConfig& c) { c.shutdown_grace = absl::Hours(1); }, clock);
  ASSERT_TRUE(server.ok()) << server.status();
  auto stub = v1::TrackService::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", (*server)->port()), grpc::InsecureChannelCredentials()));

  fs.block_sync = true;  // Keep one call in flight for as long as the test wants.
  AsyncCall in_flight;
  const v1::TrackRequest request = SeedRequest();
  StartTrack(*stub, request, in_flight);
  fs.sync_blocked.WaitForNotification();
  std::thread stopper([&] { (*server)->Shutdown(); });
  ASSERT_TRUE(clock.AwaitWaiters(1)) << "the shutdown does not wait for the call";
  clock.Advance(absl::Minutes(59));
  EXPECT_FALSE(in_flight.done.HasBeenNotified()) << "the grace is not over yet";
  clock.Advance(absl::Minutes(1));
  // Cancelled although its fsync still hangs: the grace is spent.
  EXPECT_TRUE(in_flight.done.WaitForNotificationWithTimeout(absl::Seconds(30)));
  fs.block_sync = false;
  fs.release_sync.Notify();
  stopper.join();
  in_flight.done.WaitForNotification();
  // Cut off by the server's shutdown, not answered: the client sees UNAVAILABLE.
  EXPECT_EQ(in_flight.status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << in_flight.status.error_message();
}

}  // namespace
}  // namespace trackd

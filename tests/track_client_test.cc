// The C++ client library against a real trackd on loopback, and against small
// fake servers that fail on purpose to pin the retry policy and deadlines.
#include "trackd/client/track_client.h"

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "server/server.h"
#include "tests/fake_clock.h"
#include "tests/test_server.h"
#include "tests/test_util.h"

namespace trackd {
namespace {

using ::testing::ElementsAre;
using ::testing::MatchesRegex;

constexpr char kUuidV7[] = "[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}";

class TrackClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = testing::StartServer(dir_.path(), fs_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    auto client = TrackClient::Create({.target = absl::StrCat("127.0.0.1:", server_->port())});
    ASSERT_TRUE(client.ok()) << client.status();
    client_ = std::move(*client);
  }

  testing::TempDir dir_;
  PosixFileSystem fs_;
  std::unique_ptr<TrackdServer> server_;
  std::unique_ptr<TrackClient> client_;
};

TEST_F(TrackClientTest, TypedCallStoresTheEventWithGeneratedIdAndTimestamp) {
  const absl::Time before = absl::Now();
  auto response = client_->TrackAccountAddedUser({.user_id = "u-1",
                                                  .group_id = "acct-1",
                                                  .user_role = "Developer",
                                                  .user_name = "Mark Wood",
                                                  .user_email = "mark.wood@example.com"});
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_THAT(response->message_id(), MatchesRegex(kUuidV7));
  EXPECT_FALSE(response->duplicate());
  PosixFileSystem fs;
  auto stored = fs.ReadFile(testing::SegmentDataPath(dir_.path()));
  ASSERT_TRUE(stored.ok());
  EXPECT_THAT(*stored, ::testing::StartsWith(
                           "{\"user_id\":\"u-1\",\"event\":\"account_added_user\",\"properties\":{"
                           "\"user_name\":\"Mark Wood\",\"user_email\":\"mark.wood@example.com\","
                           "\"user_role\":\"Developer\"},\"context\":{\"group_id\":\"acct-1\"},"));
  // The filled-in timestamp is the time of the call.
  const std::string year = absl::FormatTime("%Y", before, absl::UTCTimeZone());
  EXPECT_NE(stored->find("\"timestamp\":\"" + year), std::string::npos) << *stored;
}

// The timestamp and message_id filled in come from the client's clock.
TEST_F(TrackClientTest, FilledInTimestampComesFromTheClientsClock) {
  testing::FakeClock clock(testing::SeedTime());
  auto client =
      TrackClient::Create({.target = absl::StrCat("127.0.0.1:", server_->port()), .clock = &clock});
  ASSERT_TRUE(client.ok()) << client.status();
  auto response = (*client)->TrackAccountAddedUser(
      {.user_id = "u-1", .group_id = "acct-1", .user_role = "Developer"});
  ASSERT_TRUE(response.ok()) << response.status();
  auto stored = PosixFileSystem().ReadFile(testing::SegmentDataPath(dir_.path()));
  ASSERT_TRUE(stored.ok());
  EXPECT_NE(stored->find("\"timestamp\":\"2023-11-02T00:30:08.276Z\""), std::string::npos)
      << *stored;
}

TEST_F(TrackClientTest, GivenMessageIdIsKeptAndDeduplicated) {
  AccountAddedUserEvent event{
      .user_id = "u", .group_id = "g", .user_role = "r", .message_id = "fixed-id"};
  auto first = client_->TrackAccountAddedUser(event);
  auto second = client_->TrackAccountAddedUser(event);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->message_id(), "fixed-id");
  EXPECT_FALSE(first->duplicate());
  EXPECT_TRUE(second->duplicate());
}

TEST_F(TrackClientTest, FieldViolationsAreReadableAsData) {
  auto response = client_->TrackAccountAddedUser(
      {.user_id = "u", .group_id = "g", .user_role = "", .user_email = "nope"});
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kInvalidArgument);
  const FieldViolations violations = ViolationsOf(response.status());
  std::vector<std::string> fields;
  for (const auto& v : violations) fields.push_back(v.field);
  EXPECT_THAT(fields, ::testing::UnorderedElementsAre("account_added_user.user_role",
                                                      "account_added_user.user_email"));
  for (const auto& v : violations) EXPECT_FALSE(v.description.empty());
}

TEST_F(TrackClientTest, BatchFillsEveryItemsIdAndReportsEachOutcome) {
  v1::TrackBatchRequest batch;
  for (int i = 0; i < 3; ++i) {
    v1::TrackRequest* item = batch.add_requests();
    item->set_user_id(absl::StrCat("u", i));
    item->set_group_id("g");
    item->mutable_account_added_user()->set_user_role(i == 1 ? "" : "r");
  }
  auto response = client_->TrackBatch(batch);
  ASSERT_TRUE(response.ok()) << response.status();
  ASSERT_EQ(response->results_size(), 3);
  EXPECT_EQ(response->results(0).outcome(), v1::TrackBatchResult::OUTCOME_ACCEPTED);
  EXPECT_EQ(response->results(1).outcome(), v1::TrackBatchResult::OUTCOME_REJECTED);
  EXPECT_EQ(response->results(2).outcome(), v1::TrackBatchResult::OUTCOME_ACCEPTED);
  EXPECT_THAT(response->results(0).message_id(), MatchesRegex(kUuidV7));
  EXPECT_THAT(response->results(1).message_id(), MatchesRegex(kUuidV7));
}

TEST_F(TrackClientTest, DryRunReturnsTheDocumentedJsonAndStoresNothing) {
  auto response = client_->DryRun(testing::SeedRequest());
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->documented_json(),
            testing::MinifyJson(testing::ReadTestData("seed_account_added_user.json")));
  v1::TrackRequest invalid = testing::SeedRequest();
  invalid.clear_user_id();
  auto rejected = client_->DryRun(invalid);
  ASSERT_EQ(rejected.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ViolationsOf(rejected.status()).front().field, "user_id");

  v1::TrackBatchRequest batch;
  *batch.add_requests() = testing::SeedRequest();
  *batch.add_requests() = invalid;
  auto results = client_->DryRunBatch(batch);
  ASSERT_TRUE(results.ok()) << results.status();
  ASSERT_EQ(results->results_size(), 2);
  EXPECT_EQ(results->results(0).documented_json(), response->documented_json());
  EXPECT_EQ(results->results(1).outcome(), v1::TrackBatchResult::OUTCOME_REJECTED);
  EXPECT_THAT(testing::StoredLines(dir_.path()), ::testing::IsEmpty());
}

TEST_F(TrackClientTest, HealthIsServing) {
  auto health = client_->CheckHealth();
  ASSERT_TRUE(health.ok()) << health.status();
  EXPECT_EQ(*health, grpc::health::v1::HealthCheckResponse::SERVING);
}

TEST(TrackClientOptionsTest, RejectsACertificateWithoutItsKey) {
  auto client = TrackClient::Create(
      {.target = "127.0.0.1:1", .security = ChannelSecurity::kTls, .tls_client_cert_pem = "cert"});
  EXPECT_EQ(client.status().code(), absl::StatusCode::kInvalidArgument);
}

// A TrackService that answers each call with the next status of a script and
// records the message_id of every attempt.
class ScriptedTrackService final : public v1::TrackService::CallbackService {
 public:
  explicit ScriptedTrackService(std::vector<grpc::StatusCode> script)
      : script_(std::move(script)) {}

  grpc::ServerUnaryReactor* Track(grpc::CallbackServerContext* context,
                                  const v1::TrackRequest* request,
                                  v1::TrackResponse* response) override {
    grpc::StatusCode code = grpc::StatusCode::OK;
    {
      std::lock_guard<std::mutex> lock(mu_);
      attempts_.push_back(request->message_id());
      if (attempts_.size() <= script_.size()) code = script_[attempts_.size() - 1];
    }
    response->set_message_id(request->message_id());
    auto* reactor = context->DefaultReactor();
    reactor->Finish(code == grpc::StatusCode::OK ? grpc::Status::OK
                                                 : grpc::Status(code, "scripted failure"));
    return reactor;
  }

  std::vector<std::string> attempts() {
    std::lock_guard<std::mutex> lock(mu_);
    return attempts_;
  }

 private:
  const std::vector<grpc::StatusCode> script_;
  std::mutex mu_;
  std::vector<std::string> attempts_;
};

// Runs a service on 127.0.0.1 with a free port.
class FakeServer {
 public:
  explicit FakeServer(grpc::Service* service, std::shared_ptr<grpc::ServerCredentials> credentials =
                                                  grpc::InsecureServerCredentials()) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", credentials, &port_);
    builder.RegisterService(service);
    server_ = builder.BuildAndStart();
  }
  ~FakeServer() { server_->Shutdown(std::chrono::system_clock::now()); }
  std::string target() const { return absl::StrCat("127.0.0.1:", port_); }

 private:
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

TEST(TrackClientRetryTest, RetriesUnavailableAndResourceExhaustedWithTheSameMessageId) {
  ScriptedTrackService service(
      {grpc::StatusCode::UNAVAILABLE, grpc::StatusCode::RESOURCE_EXHAUSTED});
  FakeServer server(&service);
  auto client = TrackClient::Create({.target = server.target()});
  ASSERT_TRUE(client.ok());
  v1::TrackRequest request = testing::SeedRequest();
  request.clear_message_id();
  auto response = (*client)->Track(request);
  ASSERT_TRUE(response.ok()) << response.status();
  const auto attempts = service.attempts();
  ASSERT_EQ(attempts.size(), 3u);
  EXPECT_EQ(attempts[0], attempts[1]);
  EXPECT_EQ(attempts[1], attempts[2]);
  EXPECT_EQ(response->message_id(), attempts[0]);
}

TEST(TrackClientRetryTest, GivesUpAfterMaxAttemptsOfTheServiceConfig) {
  ScriptedTrackService service(std::vector<grpc::StatusCode>(10, grpc::StatusCode::UNAVAILABLE));
  FakeServer server(&service);
  auto client = TrackClient::Create({.target = server.target()});
  auto response = (*client)->Track(testing::SeedRequest());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(service.attempts().size(), 5u);  // maxAttempts in service_config.json.
}

TEST(TrackClientRetryTest, DoesNotRetryInvalidArgument) {
  ScriptedTrackService service({grpc::StatusCode::INVALID_ARGUMENT});
  FakeServer server(&service);
  auto client = TrackClient::Create({.target = server.target()});
  auto response = (*client)->Track(testing::SeedRequest());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(service.attempts().size(), 1u);
}

// Never answers until the client gives up; records how much time each call
// had left when it arrived, as the server saw its deadline.
class SilentTrackService final : public v1::TrackService::CallbackService {
  class Reactor final : public grpc::ServerUnaryReactor {
   public:
    void OnCancel() override { Finish(grpc::Status::CANCELLED); }
    void OnDone() override { delete this; }
  };

 public:
  grpc::ServerUnaryReactor* Track(grpc::CallbackServerContext* context, const v1::TrackRequest*,
                                  v1::TrackResponse*) override {
    const absl::Duration left = absl::FromChrono(context->deadline()) - absl::Now();
    std::lock_guard<std::mutex> lock(mu_);
    time_left_.push_back(left);
    return new Reactor();
  }

  std::vector<absl::Duration> time_left() {
    std::lock_guard<std::mutex> lock(mu_);
    return time_left_;
  }

 private:
  std::mutex mu_;
  std::vector<absl::Duration> time_left_;
};

// The configured deadline (4 s, far from the 10 s default) is what the server
// sees on each call, not the default, no deadline, or one fixed when the
// client was made (the second call would then arrive with nothing left).
TEST(TrackClientDeadlineTest, EveryCallHasTheConfiguredDeadline) {
  constexpr absl::Duration kDeadline = absl::Seconds(4);
  SilentTrackService service;
  FakeServer server(&service);
  auto client = TrackClient::Create({.target = server.target(), .deadline = kDeadline});
  ASSERT_TRUE(client.ok()) << client.status();
  for (int call = 0; call < 2; ++call) {
    auto response = (*client)->Track(testing::SeedRequest());
    EXPECT_EQ(response.status().code(), absl::StatusCode::kDeadlineExceeded) << response.status();
  }
  const std::vector<absl::Duration> time_left = service.time_left();
  ASSERT_EQ(time_left.size(), 2u);  // DEADLINE_EXCEEDED is not retried.
  for (const absl::Duration left : time_left) {
    // At most the configured deadline (give or take the wire format's rounding
    // of grpc-timeout), and most of it: the call reached the server within two
    // seconds of being made, slack for a loaded or sanitized run.
    EXPECT_LE(left, kDeadline + absl::Milliseconds(100));
    EXPECT_GT(left, kDeadline - absl::Seconds(2));
  }
}

// TLS: a server with a certificate the test makes with openssl; the client
// trusts it through tls_root_certs_pem.
TEST(TrackClientTlsTest, ConnectsOverTlsWithTheGivenRoots) {
  testing::TempDir dir;
  const std::string command = absl::StrCat(
      "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost "
      "-addext subjectAltName=IP:127.0.0.1,DNS:localhost -keyout ",
      dir.path(), "/key.pem -out ", dir.path(), "/cert.pem 2>/dev/null");
  ASSERT_EQ(std::system(command.c_str()), 0) << "openssl is needed (Debian package openssl)";
  PosixFileSystem fs;
  const std::string cert = *fs.ReadFile(dir.path() + "/cert.pem");
  const std::string key = *fs.ReadFile(dir.path() + "/key.pem");
  grpc::SslServerCredentialsOptions ssl;
  ssl.pem_key_cert_pairs.push_back({key, cert});
  ScriptedTrackService service({});
  FakeServer server(&service, grpc::SslServerCredentials(ssl));

  auto tls_client = TrackClient::Create(
      {.target = server.target(), .security = ChannelSecurity::kTls, .tls_root_certs_pem = cert});
  auto response = (*tls_client)->Track(testing::SeedRequest());
  EXPECT_TRUE(response.ok()) << response.status();

  // A plaintext client cannot talk to the TLS server.
  auto plaintext = TrackClient::Create(
      {.target = server.target(), .deadline = absl::Seconds(5), .service_config_json = ""});
  EXPECT_EQ((*plaintext)->Track(testing::SeedRequest()).status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(service.attempts().size(), 1u);
}

}  // namespace
}  // namespace trackd

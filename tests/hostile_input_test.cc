// A real server on loopback, called as a hostile or careless client would:
// strings that are not UTF-8 on the wire, bytes that are no message at all,
// inputs that would make huge errors, ids with surrounding white space,
// batches against the rate limit and a tokens file that goes away. Requests
// are sent as raw bytes through the server's wire view, so no client-side
// check stands between them and the server.

#include <httplib.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/impl/codegen/client_unary_call.h"
#include "grpcpp/impl/codegen/rpc_method.h"
#include "grpcpp/support/channel_arguments.h"
#include "gtest/gtest.h"
#include "server/server.h"
#include "server/wire/track_wire.pb.h"
#include "tests/fake_clock.h"
#include "tests/test_server.h"
#include "tests/test_util.h"
#include "trackd/v1/track.pb.h"

namespace trackd {
namespace {

using testing::BadRequestOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;
using testing::RetryInfoOf;
using testing::SeedRequest;
using ::testing::SizeIs;
using testing::TokenFileLine;

wire::TrackRequest WireSeed(const std::string& message_id) {
  v1::TrackRequest seed = SeedRequest();
  seed.set_message_id(message_id);
  wire::TrackRequest out;
  EXPECT_TRUE(out.ParseFromString(seed.SerializeAsString()));
  return out;
}

// A wire-view entry "key": "value" appended to `s`.
void AddString(wire::Struct* s, const std::string& key, const std::string& value) {
  auto* entry = s->add_fields();
  entry->set_key(key);
  entry->mutable_value()->set_string_value(value);
}

class HostileInputTest : public ::testing::Test {
 protected:
  void Start(const std::function<void(ServerConfig&)>& customize = nullptr) {
    auto server = testing::StartServer(
        dir_.path() + "/data", fs_,
        [&](ServerConfig& c) {
          c.admin_listen = "127.0.0.1:0";
          if (customize) customize(c);
        },
        clock_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    grpc::ChannelArguments args;
    // Java's default limit for received metadata; C++ would accept more.
    args.SetInt(GRPC_ARG_MAX_METADATA_SIZE, 8192);
    channel_ = grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", server_->port()),
                                         grpc::InsecureChannelCredentials(), args);
  }

  template <typename Request, typename Response>
  grpc::Status Call(const char* method, const Request& request, Response* response,
                    const std::string& authorization = "") {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    if (!authorization.empty()) context.AddMetadata("authorization", authorization);
    return grpc::internal::BlockingUnaryCall<Request, Response>(
        channel_.get(), grpc::internal::RpcMethod(method, grpc::internal::RpcMethod::NORMAL_RPC),
        &context, request, response);
  }
  grpc::Status Track(const wire::TrackRequest& request, const std::string& authorization = "") {
    v1::TrackResponse response;
    return Call("/trackd.v1.TrackService/Track", request, &response, authorization);
  }
  grpc::Status TrackBatch(const wire::TrackBatchRequest& batch, v1::TrackBatchResponse* response) {
    return Call("/trackd.v1.TrackService/TrackBatch", batch, response);
  }

  std::vector<std::string> StoredLines() { return testing::StoredLines(dir_.path() + "/data"); }

  testing::TempDir dir_;
  PosixFileSystem fs_;
  // The server's clock: still unless a test moves it.
  testing::FakeClock clock_{absl::Now()};
  std::unique_ptr<TrackdServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(HostileInputTest, InvalidUtf8UserIdIsInvalidArgumentNamingTheField) {
  Start();
  wire::TrackRequest request = WireSeed("utf8-1");
  request.set_user_id("u\xFF");
  const grpc::Status status = Track(request);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
  EXPECT_THAT(BadRequestOf(status), ElementsAre(Pair("user_id", "must be valid UTF-8")));
  EXPECT_THAT(StoredLines(), SizeIs(0));
}

TEST_F(HostileInputTest, InvalidUtf8InContextAndPropertiesNamesTheKey) {
  Start();
  wire::TrackRequest request = WireSeed("utf8-2");
  request.set_event_name("Report Exported");
  AddString(request.mutable_context(), "source", "\xC3(");
  AddString(request.mutable_properties(), "format", "\xFF");
  AddString(request.mutable_properties(), "b\xFE", "ok");
  const grpc::Status status = Track(request);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(BadRequestOf(status),
              ElementsAre(Pair("context.source", "must be valid UTF-8"),
                          Pair("properties.format", "must be valid UTF-8"),
                          Pair("properties.b\xEF\xBF\xBD", "key must be valid UTF-8")));
}

TEST_F(HostileInputTest, BatchRejectsOnlyTheItemWithInvalidUtf8) {
  Start();
  wire::TrackBatchRequest batch;
  *batch.add_requests() = WireSeed("batch-0");
  *batch.add_requests() = WireSeed("batch-1");
  batch.mutable_requests(1)->mutable_account_added_user()->set_user_email("m\xFF@example.com");
  *batch.add_requests() = WireSeed("batch-2");
  v1::TrackBatchResponse response;
  const grpc::Status status = TrackBatch(batch, &response);
  ASSERT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
  ASSERT_THAT(response.results(), SizeIs(3));
  EXPECT_EQ(response.results(0).outcome(), v1::TrackBatchResult::OUTCOME_ACCEPTED);
  EXPECT_EQ(response.results(1).outcome(), v1::TrackBatchResult::OUTCOME_REJECTED);
  EXPECT_EQ(response.results(1).message_id(), "batch-1");
  ASSERT_THAT(response.results(1).violations(), SizeIs(1));
  EXPECT_EQ(response.results(1).violations(0).field(), "account_added_user.user_email");
  EXPECT_EQ(response.results(1).violations(0).description(), "must be valid UTF-8");
  EXPECT_EQ(response.results(2).outcome(), v1::TrackBatchResult::OUTCOME_ACCEPTED);
  EXPECT_THAT(StoredLines(), SizeIs(2));
}

TEST_F(HostileInputTest, BytesThatAreNoProtobufMessageAreInvalidArgument) {
  Start();
  // Field 3 (user_id), length 127, but only three bytes follow.
  const std::string truncated(
      "\x1a\x7f"
      "abc",
      5);
  for (const char* method :
       {"/trackd.v1.TrackService/Track", "/trackd.v1.TrackService/TrackBatch"}) {
    grpc::Slice slice(truncated);
    grpc::ByteBuffer request(&slice, 1), response;
    const grpc::Status status = Call(method, request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << method;
    EXPECT_THAT(status.error_message(), HasSubstr("not a valid"));
  }
}

TEST_F(HostileInputTest, BadRequestsWriteNoLogLine) {
  Start();
  wire::TrackRequest request = WireSeed("quiet");
  request.set_user_id("\xFF");
  AddString(request.mutable_context(), "k\xFF", "v\xFF");
  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(Track(request).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  }
  const std::string err = ::testing::internal::GetCapturedStderr();
  const std::string out = ::testing::internal::GetCapturedStdout();
  EXPECT_EQ(err, "");  // Above all no "[libprotobuf ERROR ...]".
  EXPECT_EQ(out, "");
}

// The grpc-message trailer (percent-encoded outside printable ASCII) plus the
// base64 grpc-status-details-bin trailer: what a client must accept as
// metadata to read the error.
size_t TrailerBytes(const grpc::Status& status) {
  size_t message = 0;
  for (unsigned char c : status.error_message()) message += (c < 0x20 || c > 0x7E) ? 3 : 1;
  return message + absl::Base64Escape(status.error_details()).size();
}

TEST_F(HostileInputTest, ErrorsStayWellUnder8KiBWhateverTheInput) {
  Start();
  wire::TrackRequest request = WireSeed("big-error");
  request.set_event_name("Report Exported");
  for (int i = 0; i < 120; ++i) {  // 120 keys over the 128-character limit.
    AddString(request.mutable_properties(), absl::StrCat(std::string(140, 'k'), 1000 + i), "v");
  }
  const grpc::Status status = Track(request);
  // Before the bound, this was RESOURCE_EXHAUSTED (metadata too large), which
  // the shared service config retries.
  ASSERT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
  EXPECT_LT(TrailerBytes(status), 6656u);  // 6.5 KiB
  const auto violations = BadRequestOf(status);
  ASSERT_THAT(violations, SizeIs(21));  // 20 listed, then the count of the rest.
  EXPECT_THAT(violations.back(), Pair("(more)", "and 100 more violations not listed"));
  EXPECT_LE(status.error_message().size(), 200u);

  // Huge keys that are not even UTF-8: the paths are cut.
  wire::TrackRequest huge = WireSeed("huge-keys");
  for (int i = 0; i < 50; ++i) {
    AddString(huge.mutable_context(), absl::StrCat(std::string(20000, '\xFF'), i), "v");
  }
  const grpc::Status huge_status = Track(huge);
  ASSERT_EQ(huge_status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_LT(TrailerBytes(huge_status), 6656u);
}

TEST_F(HostileInputTest, BatchResultsAreBoundedToo) {
  Start();
  wire::TrackBatchRequest batch;
  wire::TrackRequest* item = batch.add_requests();
  *item = WireSeed("bounded-item");
  item->set_event_name("Report Exported");
  for (int i = 0; i < 120; ++i) {
    AddString(item->mutable_properties(), absl::StrCat(std::string(140, 'k'), i), "v");
  }
  v1::TrackBatchResponse response;
  ASSERT_TRUE(TrackBatch(batch, &response).ok());
  ASSERT_THAT(response.results(), SizeIs(1));
  const auto& violations = response.results(0).violations();
  ASSERT_GE(violations.size(), 2);
  EXPECT_LE(violations.size(), 21);
  EXPECT_EQ(violations.rbegin()->field(), "(more)");
  size_t bytes = 0;
  for (const auto& v : violations) bytes += v.field().size() + v.description().size();
  EXPECT_LE(bytes, 4000u + 64);
}

TEST_F(HostileInputTest, IdsWithSurroundingWhiteSpaceAreRejected) {
  Start();
  EXPECT_TRUE(Track(WireSeed("x")).ok());
  for (const char* id : {" x", "x ", "x\t"}) {
    const grpc::Status status = Track(WireSeed(id));
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << "'" << id << "'";
    EXPECT_EQ(BadRequestOf(status).front().first, "message_id");
  }
  wire::TrackRequest spaced_user = WireSeed("y");
  spaced_user.set_user_id(" u-1");
  EXPECT_THAT(BadRequestOf(Track(spaced_user)),
              ElementsAre(Pair("user_id", "must not begin or end with white space")));
  EXPECT_THAT(StoredLines(), SizeIs(1));
}

TEST_F(HostileInputTest, RateLimitCountsTheEventsOfABatch) {
  Start([](ServerConfig& c) { c.limits.rate_limit_per_client = 10; });  // Burst: 10.
  auto batch_of = [](int items, const std::string& prefix) {
    wire::TrackBatchRequest batch;
    for (int i = 0; i < items; ++i) *batch.add_requests() = WireSeed(absl::StrCat(prefix, i));
    return batch;
  };
  v1::TrackBatchResponse response;
  const grpc::Status too_big = TrackBatch(batch_of(500, "big"), &response);
  EXPECT_EQ(too_big.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(too_big.error_message(), HasSubstr("can never fit"));
  EXPECT_FALSE(RetryInfoOf(too_big).has_value()) << "no wait would help";
  EXPECT_THAT(StoredLines(), SizeIs(0));

  // Time stands still (the clock is the server's), so the bucket does not refill.
  EXPECT_TRUE(TrackBatch(batch_of(8, "a"), &response).ok());
  const grpc::Status later = TrackBatch(batch_of(8, "b"), &response);
  EXPECT_EQ(later.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  const std::optional<google::rpc::RetryInfo> retry = RetryInfoOf(later);
  ASSERT_TRUE(retry.has_value());
  EXPECT_GT(retry->retry_delay().nanos() + retry->retry_delay().seconds(), 0);
  EXPECT_LE(retry->retry_delay().seconds(), 1);
  EXPECT_THAT(StoredLines(), SizeIs(8));
}

TEST_F(HostileInputTest, TheRateLimitRefillsAsTheServersClockMoves) {
  Start([](ServerConfig& c) { c.limits.rate_limit_per_client = 10; });  // Burst: 10.
  for (int n = 0; n < 10; ++n) ASSERT_TRUE(Track(WireSeed(absl::StrCat("r", n))).ok());
  const grpc::Status empty = Track(WireSeed("r10"));
  ASSERT_EQ(empty.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  // One event refills in 100 ms at 10 per second: not yet at 50 ms, by 110 ms.
  clock_.Advance(absl::Milliseconds(50));
  EXPECT_EQ(Track(WireSeed("r11")).error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  clock_.Advance(absl::Milliseconds(60));
  EXPECT_TRUE(Track(WireSeed("r12")).ok());
  EXPECT_EQ(Track(WireSeed("r13")).error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
}

double Gauge(int admin_port, const std::string& name) {
  httplib::Client http("127.0.0.1", admin_port);
  auto result = http.Get("/metrics");
  if (!result) return -1;
  for (absl::string_view line : absl::StrSplit(result->body, '\n', absl::SkipEmpty())) {
    if (absl::StartsWith(line, name + " ")) {
      return std::stod(std::string(line.substr(name.size() + 1)));
    }
  }
  return -1;
}

TEST_F(HostileInputTest, RevokedTokensFileFailsClosedWithoutARestart) {
  const std::string tokens = dir_.path() + "/tokens";
  std::ofstream(tokens) << TokenFileLine("s3cret", "billing");
  Start([&](ServerConfig& c) { c.auth_tokens_file = tokens; });
  EXPECT_TRUE(Track(WireSeed("t1"), "Bearer s3cret").ok());
  EXPECT_EQ(Gauge(server_->admin_port(), "trackd_auth_tokens_file_usable"), 1);

  ASSERT_EQ(std::remove(tokens.c_str()), 0);
  clock_.Advance(absl::Seconds(6));  // Past the file check interval.
  EXPECT_EQ(Track(WireSeed("t2"), "Bearer s3cret").error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Gauge(server_->admin_port(), "trackd_auth_tokens_file_usable"), 0);
  EXPECT_EQ(Gauge(server_->admin_port(), "trackd_auth_tokens"), 0);

  std::ofstream(tokens) << "";  // Empty: still no valid token.
  clock_.Advance(absl::Seconds(6));
  EXPECT_EQ(Track(WireSeed("t3"), "Bearer s3cret").error_code(), grpc::StatusCode::UNAUTHENTICATED);

  std::ofstream(tokens, std::ios::trunc) << TokenFileLine("s3cret", "billing");
  clock_.Advance(absl::Seconds(6));
  EXPECT_TRUE(Track(WireSeed("t4"), "Bearer s3cret").ok());
  EXPECT_EQ(Gauge(server_->admin_port(), "trackd_auth_tokens_file_usable"), 1);
}

}  // namespace
}  // namespace trackd

// --sink=http end to end: a real trackd (in process, or the binary for kill -9)
// forwarding to a real HTTP receiver on loopback (tests/http/receiver.py) that
// answers 200, 5xx, 429 with Retry-After, 400, hangs, or drops connections.
#include <signal.h>

#include <algorithm>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "client/track_client.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "server/server.h"
#include "server/sinks/http_poster.h"
#include "tests/test_util.h"

namespace trackd {
namespace {

using ::testing::HasSubstr;

// One request as the receiver logged it.
struct Received {
  double t = 0;
  std::string mode, key, auth, type, body;
  bool duplicate = false;
};

class Receiver {
 public:
  explicit Receiver(const std::string& dir) : log_(dir + "/received.ndjson") {
    const std::string port_file = dir + "/receiver.port";
    process_ = std::make_unique<testing::Subprocess>(
        std::vector<std::string>{"python3", TRACKD_SOURCE_DIR "/tests/http/receiver.py",
                                 "--port_file=" + port_file, "--log=" + log_},
        dir + "/receiver.out");
    port_ = testing::WaitForPortFile(port_file, absl::Seconds(30));
    EXPECT_NE(port_, 0) << "the HTTP receiver did not start";
  }

  std::string url() const { return absl::StrCat("http://127.0.0.1:", port_, "/track"); }

  // Sets how the next requests are answered (see receiver.py).
  void SetMode(const std::string& query) {
    HttpPoster poster({.url = absl::StrCat("http://127.0.0.1:", port_, "/control?", query)});
    ASSERT_EQ(poster.Post("", {}).status, 200);
  }

  std::vector<Received> Requests() const {
    std::vector<Received> out;
    PosixFileSystem fs;
    auto content = fs.ReadFile(log_);
    if (!content.ok()) return out;
    for (absl::string_view line : absl::StrSplit(*content, '\n', absl::SkipEmpty())) {
      google::protobuf::Struct parsed;
      if (!google::protobuf::util::JsonStringToMessage(std::string(line), &parsed).ok()) continue;
      const auto& f = parsed.fields();
      out.push_back({f.at("t").number_value(), f.at("mode").string_value(),
                     f.at("key").string_value(), f.at("auth").string_value(),
                     f.at("type").string_value(), f.at("body").string_value(),
                     f.at("duplicate").bool_value()});
    }
    return out;
  }

  // The bodies the receiver accepted (mode ok, not duplicate), in order.
  std::vector<Received> Accepted() const {
    std::vector<Received> out;
    for (Received& r : Requests()) {
      if (r.mode == "ok" && !r.duplicate) out.push_back(std::move(r));
    }
    return out;
  }

  // Waits (bounded) until `count` distinct requests were accepted.
  bool WaitForAccepted(size_t count, absl::Duration limit = absl::Seconds(30)) const {
    return WaitUntil([&] { return Accepted().size() >= count; }, limit);
  }

  // Waits (bounded) until `count` requests arrived, whatever their answer.
  bool WaitForAttempts(size_t count, absl::Duration limit = absl::Seconds(30)) const {
    return WaitUntil([&] { return Requests().size() >= count; }, limit);
  }

  static bool WaitUntil(const std::function<bool()>& done, absl::Duration limit) {
    const absl::Time give_up = absl::Now() + limit;
    while (absl::Now() < give_up) {
      if (done()) return true;
      absl::SleepFor(absl::Milliseconds(20));
    }
    return false;
  }

 private:
  std::string log_;
  std::unique_ptr<testing::Subprocess> process_;
  int port_ = 0;
};

v1::TrackRequest Event(int n) {
  v1::TrackRequest request = testing::SeedRequest();
  request.set_message_id(absl::StrCat("fwd-", n));
  request.set_user_id(absl::StrCat("user-", n));
  request.mutable_timestamp()->set_seconds(absl::ToUnixSeconds(absl::Now()));
  return request;
}

class HttpForwardingTest : public ::testing::Test {
 protected:
  void StartServer(int batch = 1, uint64_t spool_max_bytes = 1 << 30) {
    ServerConfig config;
    config.listen = "127.0.0.1:0";
    config.log.dir = dir_.path() + "/data";
    config.log.segment_bytes = 4096;  // Several segments, so release is exercised.
    config.sink = SinkKind::kHttp;
    config.spool_max_bytes = spool_max_bytes;
    config.http.http = {.url = receiver_.url(),
                        .connect_timeout = absl::Seconds(1),
                        .total_timeout = absl::Seconds(1)};
    config.http.batch = batch;
    config.http.auth_header = "Authorization: Bearer test-token";
    config.http.initial_backoff = absl::Milliseconds(20);
    config.http.max_backoff = absl::Milliseconds(200);
    auto server = TrackdServer::Start(config, fs_, [] { return absl::Now(); });
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    auto client = TrackClient::Create({.target = absl::StrCat("127.0.0.1:", server_->port()),
                                       .service_config_json = ""});
    ASSERT_TRUE(client.ok());
    client_ = std::move(*client);
  }

  void TrackAll(int from, int to) {
    for (int n = from; n < to; ++n) {
      auto response = client_->Track(Event(n));
      ASSERT_TRUE(response.ok()) << response.status();
    }
  }

  testing::TempDir dir_;
  Receiver receiver_{dir_.path()};
  PosixFileSystem fs_;
  std::unique_ptr<TrackdServer> server_;
  std::unique_ptr<TrackClient> client_;
};

TEST_F(HttpForwardingTest, DeliversEveryEventInOrderWithItsKeyAndHeaders) {
  StartServer();
  TrackAll(0, 60);
  ASSERT_TRUE(receiver_.WaitForAccepted(60));
  const auto accepted = receiver_.Accepted();
  ASSERT_EQ(accepted.size(), 60u);
  for (int n = 0; n < 60; ++n) {
    EXPECT_EQ(accepted[n].key, absl::StrCat("fwd-", n));
    EXPECT_THAT(accepted[n].body, ::testing::StartsWith(absl::StrCat(
                                      "{\"user_id\":\"user-", n, "\",\"event\":\"account_added_user\"")));
    EXPECT_EQ(accepted[n].type, "application/json");
    EXPECT_EQ(accepted[n].auth, "Bearer test-token");
  }
  const absl::Time give_up = absl::Now() + absl::Seconds(10);
  while (server_->forwarder_stats()->delivered < 60 && absl::Now() < give_up) {
    absl::SleepFor(absl::Milliseconds(10));  // The receiver logs before it answers.
  }
  EXPECT_EQ(server_->forwarder_stats()->delivered, 60u);
}

TEST_F(HttpForwardingTest, BatchesArePostedAsJsonArraysKeyedByTheirFirstEvent) {
  StartServer(/*batch=*/5);
  TrackAll(0, 12);
  // Every accepted request is an array of 1 to 5 events, keyed by its first.
  auto users_received = [&] {
    std::vector<std::string> users;
    for (const auto& r : receiver_.Accepted()) {
      google::protobuf::Value parsed;
      EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(r.body, &parsed).ok()) << r.body;
      const auto& items = parsed.list_value().values();
      EXPECT_EQ(r.body.front(), '[');
      EXPECT_GE(items.size(), 1);
      EXPECT_LE(items.size(), 5);
      EXPECT_EQ(r.key, absl::StrCat("fwd-", users.size()));
      for (const auto& item : items) {
        users.push_back(item.struct_value().fields().at("user_id").string_value());
      }
    }
    return users;
  };
  const absl::Time give_up = absl::Now() + absl::Seconds(30);
  std::vector<std::string> all_users = users_received();
  while (all_users.size() < 12 && absl::Now() < give_up) {
    absl::SleepFor(absl::Milliseconds(20));
    all_users = users_received();
  }
  ASSERT_EQ(all_users.size(), 12u);
  for (int n = 0; n < 12; ++n) EXPECT_EQ(all_users[n], absl::StrCat("user-", n));
}

TEST_F(HttpForwardingTest, UpstreamErrorsAreRetriedWhileTrackKeepsAnsweringOk) {
  receiver_.SetMode("mode=500");
  StartServer();
  TrackAll(0, 5);  // Accepted although the upstream is down: the spool has room.
  ASSERT_TRUE(receiver_.WaitForAttempts(3));
  EXPECT_FALSE(server_->forwarder_stats()->upstream_healthy);
  EXPECT_THAT(server_->forwarder_stats()->last_error, HasSubstr("503"));
  receiver_.SetMode("mode=ok");
  ASSERT_TRUE(receiver_.WaitForAccepted(5));
  EXPECT_TRUE(server_->forwarder_stats()->upstream_healthy);
  const auto accepted = receiver_.Accepted();
  for (int n = 0; n < 5; ++n) EXPECT_EQ(accepted[n].key, absl::StrCat("fwd-", n));
}

TEST_F(HttpForwardingTest, HonoursRetryAfter) {
  receiver_.SetMode("mode=429&retry_after=1&times=1");
  StartServer();
  TrackAll(0, 1);
  ASSERT_TRUE(receiver_.WaitForAccepted(1));
  const auto requests = receiver_.Requests();
  ASSERT_GE(requests.size(), 2u);
  EXPECT_EQ(requests[0].mode, "429");
  // The retry came no sooner than Retry-After asked (a lower bound only).
  EXPECT_GE(requests[1].t - requests[0].t, 0.95);
}

TEST_F(HttpForwardingTest, HungAndDroppedConnectionsAreRetried) {
  receiver_.SetMode("mode=hang&times=1");
  StartServer();
  TrackAll(0, 1);
  ASSERT_TRUE(receiver_.WaitForAccepted(1));
  receiver_.SetMode("mode=close&times=2");
  TrackAll(1, 2);
  ASSERT_TRUE(receiver_.WaitForAccepted(2));
  const auto requests = receiver_.Requests();
  EXPECT_EQ(requests.front().mode, "hang");
  EXPECT_TRUE(std::any_of(requests.begin(), requests.end(),
                          [](const Received& r) { return r.mode == "close"; }));
  // libcurl itself retries a request once when a reused connection was dropped
  // before any answer, so the forwarder counts at least the hang and one drop.
  EXPECT_GE(server_->forwarder_stats()->retries, 2u);
}

TEST_F(HttpForwardingTest, PermanentRefusalGoesToTheDeadLetterFileAndDeliveryMovesOn) {
  receiver_.SetMode("mode=400&times=1");
  StartServer();
  TrackAll(0, 3);
  ASSERT_TRUE(receiver_.WaitForAccepted(2));
  const auto accepted = receiver_.Accepted();
  EXPECT_EQ(accepted[0].key, "fwd-1");
  EXPECT_EQ(accepted[1].key, "fwd-2");
  auto dead = fs_.ReadFile(dir_.path() + "/data/dead-letter.ndjson");
  ASSERT_TRUE(dead.ok());
  EXPECT_THAT(*dead, HasSubstr("\"message_id\":\"fwd-0\",\"status\":400,"));
  EXPECT_THAT(*dead, HasSubstr("\"response\":\"{\\\"error\\\":\\\"invalid event\\\"}\""));
  EXPECT_THAT(*dead, HasSubstr("\"event\":{\"user_id\":\"user-0\""));
  EXPECT_EQ(server_->forwarder_stats()->dead_lettered, 1u);
}

TEST_F(HttpForwardingTest, FullSpoolAnswersResourceExhaustedThenRecovers) {
  receiver_.SetMode("mode=500");
  StartServer(/*batch=*/1, /*spool_max_bytes=*/2000);
  int accepted = 0;
  absl::Status refused;
  for (int n = 0; n < 50 && refused.ok(); ++n) {
    auto response = client_->Track(Event(n));
    if (response.ok()) {
      ++accepted;
    } else {
      refused = response.status();
    }
  }
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted) << refused;
  EXPECT_GT(accepted, 0);
  EXPECT_LT(accepted, 50);
  receiver_.SetMode("mode=ok");
  ASSERT_TRUE(receiver_.WaitForAccepted(accepted));
  // Delivered segments were released, so there is room again.
  const absl::Time give_up = absl::Now() + absl::Seconds(30);
  absl::Status again = absl::UnknownError("not tried");
  while (!again.ok() && absl::Now() < give_up) {
    again = client_->Track(Event(1000)).status();
    if (!again.ok()) absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_TRUE(again.ok()) << again;
}

TEST(HttpForwardingProcessTest, KillNineDuringDeliveryLosesNothing) {
  testing::TempDir dir;
  Receiver receiver(dir.path());
  const std::string data_dir = dir.path() + "/data";
  auto start_trackd = [&] {
    std::remove((dir.path() + "/trackd.port").c_str());
    auto process = std::make_unique<testing::Subprocess>(
        std::vector<std::string>{TRACKD_BINARY, "--listen=127.0.0.1:0", "--admin_listen=127.0.0.1:0",
                                 "--port_file=" + dir.path() + "/trackd.port",
                                 "--data_dir=" + data_dir, "--sink=http",
                                 "--http_url=" + receiver.url(), "--segment_bytes=8192",
                                 "--spool_max_bytes=1048576", "--http_max_backoff=200ms"},
        dir.path() + "/trackd.log");
    const int port = testing::WaitForPortFile(dir.path() + "/trackd.port", absl::Seconds(30));
    EXPECT_NE(port, 0);
    return std::make_pair(std::move(process), port);
  };
  auto [trackd, port] = start_trackd();
  std::vector<std::string> acknowledged;
  auto send = [&](int port, int from, int to) {
    auto client = TrackClient::Create({.target = absl::StrCat("127.0.0.1:", port)});
    for (int n = from; n < to; ++n) {
      auto response = (*client)->Track(Event(n));
      ASSERT_TRUE(response.ok()) << response.status();
      acknowledged.push_back(response->message_id());
    }
  };
  receiver.SetMode("mode=500&times=50");  // A backlog builds up in the spool.
  send(port, 0, 300);
  ASSERT_TRUE(receiver.WaitForAttempts(60));
  trackd->SignalAndWait(SIGKILL, absl::Seconds(10));  // Mid-delivery, with a backlog.
  auto [restarted, new_port] = start_trackd();
  send(new_port, 300, 350);
  ASSERT_TRUE(receiver.WaitForAccepted(acknowledged.size(), absl::Seconds(60)));
  std::set<std::string> keys;
  for (const auto& r : receiver.Accepted()) keys.insert(r.key);
  for (const auto& id : acknowledged) EXPECT_TRUE(keys.count(id)) << id << " never arrived";
  EXPECT_EQ(keys.size(), acknowledged.size());  // Exactly once after dedupe by key.
}

}  // namespace
}  // namespace trackd

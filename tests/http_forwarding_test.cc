// --sink=http end to end: a real trackd (in process, or the binary for kill -9)
// forwarding to a real HTTP receiver on loopback (tests/http/receiver.py) that
// answers 200, 5xx, 429 with Retry-After, 400, hangs, or drops connections.
// Below those, the forwarder's own bookkeeping under disk faults (a full disk,
// failed deletes, torn and unsynced dead-letter writes, crash states), against
// an in-process receiver on loopback (cpp-httplib) whose answer the test sets.
#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "server/event_log.h"
#include "server/server.h"
#include "server/sinks/forward_cursor.h"
#include "server/sinks/http_forwarder.h"
#include "server/sinks/http_poster.h"
#include "server/sinks/store_and_forward_sink.h"
#include "tests/fake_clock.h"
#include "tests/test_server.h"
#include "tests/test_util.h"
#include "trackd/client/track_client.h"

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
  ::testing::AssertionResult WaitForAccepted(size_t count,
                                             absl::Duration limit = absl::Seconds(30)) const {
    return testing::WaitUntil([&] { return Accepted().size() >= count; }, limit,
                              absl::StrCat(count, " accepted requests"));
  }

  // Waits (bounded) until `count` requests arrived, whatever their answer.
  ::testing::AssertionResult WaitForAttempts(size_t count,
                                             absl::Duration limit = absl::Seconds(30)) const {
    return testing::WaitUntil([&] { return Requests().size() >= count; }, limit,
                              absl::StrCat(count, " requests"));
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
    auto server = testing::StartServer(dir_.path() + "/data", fs_, [&](ServerConfig& c) {
      c.log.segment_bytes = 4096;  // Several segments, so release is exercised.
      c.sink = SinkKind::kHttp;
      c.spool_max_bytes = spool_max_bytes;
      c.http.http = {.url = receiver_.url(),
                     .connect_timeout = absl::Seconds(1),
                     .total_timeout = absl::Seconds(1)};
      c.http.batch = batch;
      c.http.auth_header = "Authorization: Bearer test-token";
      c.http.initial_backoff = absl::Milliseconds(20);
      c.http.max_backoff = absl::Milliseconds(200);
    });
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    auto client = TrackClient::Create(
        {.target = absl::StrCat("127.0.0.1:", server_->port()), .service_config_json = ""});
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
    EXPECT_THAT(accepted[n].body,
                ::testing::StartsWith(absl::StrCat("{\"user_id\":\"user-", n,
                                                   "\",\"event\":\"account_added_user\"")));
    EXPECT_EQ(accepted[n].type, "application/json");
    EXPECT_EQ(accepted[n].auth, "Bearer test-token");
  }
  // The receiver logs before it answers, so the forwarder may not have counted them yet.
  EXPECT_TRUE(testing::WaitUntil([&] { return server_->forwarder_stats()->delivered >= 60; },
                                 absl::Seconds(10), "60 deliveries counted"));
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
  std::vector<std::string> all_users;
  EXPECT_TRUE(testing::WaitUntil(
      [&] {
        all_users = users_received();
        return all_users.size() >= 12;
      },
      absl::Seconds(30), "12 events received"));
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

// trackctl resend-dead-letters as an operator runs it, after the upstream refused events and
// was then fixed.
class ResendDeadLettersProcessTest : public HttpForwardingTest {
 protected:
  // Runs trackctl resend-dead-letters on trackd's dead-letter file, with the auth header in
  // the environment as the forwarder may have it; its exit status and output.
  testing::CommandResult Resend() {
    return testing::RunCommand(
        absl::StrCat("TRACKD_HTTP_AUTH_HEADER='Authorization: Bearer test-token' ", TRACKCTL_BINARY,
                     " resend-dead-letters --http_url=", receiver_.url(), " --http_timeout=5s ",
                     dir_.path(), "/data/dead-letter.ndjson"));
  }
};

TEST_F(ResendDeadLettersProcessTest, ResentEventsKeepTheirMessageIdBodyAndAuthHeader) {
  receiver_.SetMode("mode=400&times=2");
  StartServer();
  TrackAll(0, 3);
  ASSERT_TRUE(receiver_.WaitForAccepted(1));  // fwd-2; fwd-0 and fwd-1 were refused.
  ASSERT_TRUE(testing::WaitUntil([&] { return server_->forwarder_stats()->dead_lettered == 2; },
                                 absl::Seconds(30), "two dead letters"));
  const std::vector<Received> refused = receiver_.Requests();
  ASSERT_EQ(refused[0].mode, "400");

  // The upstream is fixed: each refused event arrives as the forwarder first sent it.
  const auto [exit_code, output] = Resend();
  EXPECT_EQ(exit_code, 0) << output;
  EXPECT_THAT(output, HasSubstr("line 1: resent message_id=fwd-0 (HTTP 200)\n"
                                "line 2: resent message_id=fwd-1 (HTTP 200)\n"
                                "resent 2 of 2 dead letters to http://127.0.0.1:"));
  EXPECT_THAT(output, ::testing::Not(HasSubstr("test-token")));
  const std::vector<Received> accepted = receiver_.Accepted();
  ASSERT_EQ(accepted.size(), 3u);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(accepted[1 + i].key, refused[i].key);
    EXPECT_EQ(accepted[1 + i].key, absl::StrCat("fwd-", i));
    EXPECT_EQ(accepted[1 + i].body, refused[i].body);
    EXPECT_EQ(accepted[1 + i].auth, "Bearer test-token");
    EXPECT_EQ(accepted[1 + i].type, refused[i].type);
  }

  // Running it again is safe: the Track API drops the repeats by Idempotency-Key.
  const auto [again_code, again] = Resend();
  EXPECT_EQ(again_code, 0) << again;
  EXPECT_EQ(receiver_.Accepted().size(), 3u);
}

TEST_F(ResendDeadLettersProcessTest, StopsAtTheFirstRefusalNamingTheLineAndTheAnswer) {
  receiver_.SetMode("mode=400&times=2");
  StartServer();
  TrackAll(0, 2);
  ASSERT_TRUE(testing::WaitUntil([&] { return server_->forwarder_stats()->dead_lettered == 2; },
                                 absl::Seconds(30), "two dead letters"));
  const size_t attempts = receiver_.Requests().size();
  receiver_.SetMode("mode=400&times=1");  // Still refusing the first.
  const auto [exit_code, output] = Resend();
  EXPECT_EQ(exit_code, 1) << output;
  EXPECT_EQ(output, absl::StrCat(
                        "line 1: failed message_id=fwd-0: HTTP 400: {\"error\":\"invalid event\"}\n"
                        "resent 0 of 2 dead letters to ",
                        receiver_.url(),
                        "\nfix the cause and run again: what was resent carries the same "
                        "Idempotency-Key, so the Track API drops the repeats\n"));
  EXPECT_EQ(receiver_.Requests().size(), attempts + 1);  // Line 2 was not sent.
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
  absl::Status again = absl::UnknownError("not tried");
  EXPECT_TRUE(testing::WaitUntil(
      [&] {
        again = client_->Track(Event(1000)).status();
        return again.ok();
      },
      absl::Seconds(30), "Track to be accepted again"))
      << again;
}

TEST(HttpForwardingProcessTest, KillNineDuringDeliveryLosesNothing) {
  testing::TempDir dir;
  Receiver receiver(dir.path());
  const std::string data_dir = dir.path() + "/data";
  auto start_trackd = [&] {
    std::remove((dir.path() + "/trackd.port").c_str());
    auto process = std::make_unique<testing::Subprocess>(
        std::vector<std::string>{
            TRACKD_BINARY, "--listen=127.0.0.1:0", "--admin_listen=127.0.0.1:0",
            "--port_file=" + dir.path() + "/trackd.port", "--data_dir=" + data_dir, "--sink=http",
            "--http_url=" + receiver.url(), "--segment_bytes=8192", "--spool_max_bytes=1048576",
            "--http_max_backoff=200ms"},
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

// ---------------------------------------------------------------------------
// The forwarder's own bookkeeping under disk faults: an EventLog and an
// HttpForwarder over the fault-injecting file system, delivering to an
// in-process Track API on loopback (cpp-httplib) whose answer the test sets.

// Answers POST /track with the status and body the test set; records each request.
class LoopbackReceiver {
 public:
  struct Request {
    std::string key, body;
    int status = 0;
  };

  LoopbackReceiver() {
    server_.Post("/track", [this](const httplib::Request& request, httplib::Response& response) {
      absl::MutexLock lock(&mu_);
      response.status = status_;
      response.set_content(body_, "application/json");
      if (!retry_after_.empty()) response.set_header("Retry-After", retry_after_);
      requests_.push_back({request.get_header_value("Idempotency-Key"), request.body, status_});
    });
    port_ = server_.bind_to_any_port("127.0.0.1");  // Listening from here on.
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~LoopbackReceiver() {
    server_.stop();
    thread_.join();
  }

  std::string url() const { return absl::StrCat("http://127.0.0.1:", port_, "/track"); }

  void Answer(int status, std::string body) {
    absl::MutexLock lock(&mu_);
    status_ = status;
    body_ = std::move(body);
  }

  // Sends `value` as Retry-After with the next answers; "" sends none.
  void SetRetryAfter(std::string value) {
    absl::MutexLock lock(&mu_);
    retry_after_ = std::move(value);
  }

  std::vector<Request> Requests() const {
    absl::MutexLock lock(&mu_);
    return requests_;
  }

  // How many requests with key `key` were answered `status`.
  int Count(const std::string& key, int status) const {
    int n = 0;
    for (const Request& r : Requests()) n += r.key == key && r.status == status;
    return n;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  mutable absl::Mutex mu_;
  int status_ ABSL_GUARDED_BY(mu_) = 200;
  std::string body_ ABSL_GUARDED_BY(mu_) = "{\"status\":\"ok\"}";
  std::string retry_after_ ABSL_GUARDED_BY(mu_);
  std::vector<Request> requests_ ABSL_GUARDED_BY(mu_);
};

// Every line of `path` parsed by Python's json module after strict UTF-8
// decoding; returns the process's exit status (0: all valid).
int StrictJsonCheck(const std::string& path) {
  return std::system(absl::StrCat("python3 -c 'import json,sys\n"
                                  "text=open(sys.argv[1],\"rb\").read().decode(\"utf-8\")\n"
                                  "assert text.endswith(\"\\n\"), \"a torn last line\"\n"
                                  "[json.loads(l) for l in text.split(\"\\n\")[:-1]]' ",
                                  path, " 2>&1")
                         .c_str());
}

// The message_id of each dead-letter line, in order (a line that does not
// parse as JSON gives "<invalid>").
std::vector<std::string> DeadLetterIds(const std::string& content) {
  std::vector<std::string> ids;
  for (absl::string_view line : absl::StrSplit(content, '\n', absl::SkipEmpty())) {
    google::protobuf::Struct parsed;
    if (!google::protobuf::util::JsonStringToMessage(std::string(line), &parsed).ok()) {
      ids.push_back("<invalid>");
      continue;
    }
    ids.push_back(parsed.fields().at("message_id").string_value());
  }
  return ids;
}

class SpoolForwarderTest : public ::testing::Test {
 protected:
  std::string data_dir() const { return dir_.path() + "/data"; }
  std::string dead_letter_path() const { return data_dir() + "/dead-letter.ndjson"; }

  void OpenLog() {
    auto log = EventLog::Open(fs_, {.dir = data_dir(), .segment_bytes = 1024});
    ASSERT_TRUE(log.ok()) << log.status();
    log_ = std::move(*log);
  }

  // Stores events fwd-<from> … fwd-<to - 1>, one append each.
  void Store(int from, int to) {
    for (int n = from; n < to; ++n) {
      const Record record{absl::StrCat("fwd-", n),
                          absl::StrCat("{\"user_id\":\"user-", n, "\",\"event\":\"e\",\"pad\":\"",
                                       std::string(100, 'p'), "\"}"),
                          ""};
      ASSERT_TRUE(log_->Append({record}, absl::Now()).ok());
    }
  }

  HttpForwarderOptions Options() {
    HttpForwarderOptions options;
    options.http = {.url = receiver_.url(),
                    .connect_timeout = absl::Seconds(1),
                    .total_timeout = absl::Seconds(5)};
    options.cursor_path = data_dir() + "/forward.cursor";
    options.dead_letter_path = dead_letter_path();
    options.initial_backoff = absl::Milliseconds(1);
    options.max_backoff = absl::Milliseconds(20);
    return options;
  }

  void StartForwarder() {
    auto forwarder = HttpForwarder::Start(*log_, fs_, Options());
    ASSERT_TRUE(forwarder.ok()) << forwarder.status();
    forwarder_ = std::move(*forwarder);
  }

  // Stops the forwarder and closes the log, as a shutdown does.
  void StopAll() {
    forwarder_.reset();
    log_.reset();
  }

  int DataFiles() {
    auto names = fs_.ListDir(data_dir());
    EXPECT_TRUE(names.ok());
    return static_cast<int>(std::count_if(names->begin(), names->end(), [](const std::string& n) {
      return absl::EndsWith(n, ".ndjson") && absl::StartsWith(n, "segment-");
    }));
  }

  static ::testing::AssertionResult WaitUntil(const std::function<bool()>& done) {
    return testing::WaitUntil(done, absl::Seconds(30));
  }

  testing::TempDir dir_;
  testing::FaultInjectingFileSystem fs_;
  LoopbackReceiver receiver_;
  std::unique_ptr<EventLog> log_;
  std::unique_ptr<HttpForwarder> forwarder_;
};

// Point 8: a disk that fills while events are delivered and empties again.
TEST_F(SpoolForwarderTest, FullDiskHoldsReleaseUntilSpaceReturnsThenBacklogAndTrackRecover) {
  receiver_.Answer(503, "{\"error\":\"try again\"}");
  auto server = testing::StartServer(data_dir(), fs_, [&](ServerConfig& c) {
    c.log.segment_bytes = 1024;
    c.sink = SinkKind::kHttp;
    c.spool_max_bytes = 3000;
    c.http = Options();
  });
  ASSERT_TRUE(server.ok()) << server.status();
  auto client = TrackClient::Create(
      {.target = absl::StrCat("127.0.0.1:", (*server)->port()), .service_config_json = ""});
  ASSERT_TRUE(client.ok());
  std::vector<std::string> acknowledged;
  absl::Status refused;
  for (int n = 0; n < 200 && refused.ok(); ++n) {
    auto response = (*client)->Track(Event(n));
    if (response.ok()) {
      acknowledged.push_back(response->message_id());
    } else {
      refused = response.status();
    }
  }
  ASSERT_EQ(refused.code(), absl::StatusCode::kResourceExhausted) << refused;
  ASSERT_GT(DataFiles(), 2);
  const uint64_t backlog = (*server)->forwarder_stats()->backlog_bytes;

  // The disk fills, then the upstream takes everything: the cursor cannot be
  // saved, so no delivered segment may be released yet, and nothing is sent twice.
  fs_.disk_full = true;
  receiver_.Answer(200, "{\"status\":\"ok\"}");
  ASSERT_TRUE(WaitUntil([&] {
    return std::all_of(acknowledged.begin(), acknowledged.end(),
                       [&](const std::string& id) { return receiver_.Count(id, 200) >= 1; });
  }));
  ASSERT_TRUE(WaitUntil([&] { return (*server)->forwarder_stats()->storage_retries >= 3; }));
  EXPECT_FALSE((*server)->forwarder_stats()->storage_healthy);
  EXPECT_THAT((*server)->forwarder_stats()->last_storage_error, HasSubstr("cursor"));
  // What a restart would send again is still backlog.
  EXPECT_EQ((*server)->forwarder_stats()->backlog_bytes, backlog);
  EXPECT_GT(DataFiles(), 2);  // Nothing released while the cursor is not durable.

  // Space returns: the cursor is saved, the segments released, the backlog is
  // the true one (nothing undelivered) and Track is accepted again.
  fs_.disk_full = false;
  EXPECT_TRUE(WaitUntil([&] {
    const ForwarderStats stats = *(*server)->forwarder_stats();
    return stats.storage_healthy && stats.backlog_bytes == 0 && DataFiles() == 1;
  })) << "backlog "
      << (*server)->forwarder_stats()->backlog_bytes << ", " << DataFiles() << " .ndjson files";
  auto again = (*client)->Track(Event(1000));
  EXPECT_TRUE(again.ok()) << again.status();
  if (again.ok()) acknowledged.push_back(again->message_id());
  EXPECT_TRUE(WaitUntil([&] { return receiver_.Count("fwd-1000", 200) == 1; }));
  for (const std::string& id : acknowledged) {
    EXPECT_EQ(receiver_.Count(id, 200), 1) << id;  // Delivered, and not again.
  }
  (*server)->Shutdown();
}

// Point 8: a release that failed before a restart is neither backlog nor forgotten.
TEST_F(SpoolForwarderTest, RestartAfterFailedReleaseReportsTheTrueBacklogAndReleases) {
  OpenLog();
  Store(0, 30);
  ASSERT_GT(DataFiles(), 3);
  fs_.fail_delete = true;
  StartForwarder();
  ASSERT_TRUE(WaitUntil([&] { return receiver_.Requests().size() >= 30; }));
  // Everything is delivered and the cursor saved; the releases keep failing.
  EXPECT_TRUE(WaitUntil([&] {
    const ForwarderStats stats = forwarder_->stats();
    return stats.storage_retries >= 2 && stats.backlog_bytes == 0;
  })) << "backlog "
      << forwarder_->BacklogBytes();
  EXPECT_THAT(forwarder_->stats().last_storage_error, HasSubstr("cannot release spool segment"));
  StopAll();

  OpenLog();
  const int files_before = DataFiles();
  ASSERT_GT(files_before, 3);
  StartForwarder();
  // While a release is being attempted its segment counts as backlog again (the
  // backlog is never under-reported), so look between attempts; had the restart
  // forgotten the delivered segments, it would never be 0.
  EXPECT_TRUE(WaitUntil([&] { return forwarder_->BacklogBytes() == 0; }))
      << "the delivered segments counted as backlog: " << forwarder_->BacklogBytes();
  EXPECT_GT(DataFiles(), 1) << "released although every delete fails";
  fs_.fail_delete = false;
  // A release counts its segment as backlog until it is done, so wait for all three.
  EXPECT_TRUE(WaitUntil([&] {
    return DataFiles() == 1 && forwarder_->stats().storage_healthy &&
           forwarder_->BacklogBytes() == 0;
  })) << DataFiles()
      << " .ndjson files, backlog " << forwarder_->BacklogBytes();
  EXPECT_EQ(receiver_.Requests().size(), 30u);  // Nothing was sent again.
}

// Point 8: a cursor that could not be saved before a restart: the backlog is
// what the saved cursor says, and the restart delivers it (again) and releases.
TEST_F(SpoolForwarderTest, RestartAfterFailedCursorSaveReportsTheSavedBacklogThenCatchesUp) {
  OpenLog();
  Store(0, 30);
  fs_.fail_write_atomically = true;
  StartForwarder();
  ASSERT_TRUE(WaitUntil([&] { return receiver_.Requests().size() >= 30; }));
  ASSERT_TRUE(WaitUntil([&] { return forwarder_->stats().storage_retries >= 2; }));
  // Delivered, but a restart would send it all again: all of it is backlog.
  EXPECT_EQ(forwarder_->BacklogBytes(), log_->DiskBytes());
  StopAll();

  fs_.fail_write_atomically = false;
  OpenLog();
  StartForwarder();
  EXPECT_TRUE(WaitUntil([&] { return forwarder_->BacklogBytes() == 0 && DataFiles() == 1; }));
  for (int n = 0; n < 30; ++n) EXPECT_GE(receiver_.Count(absl::StrCat("fwd-", n), 200), 1);
}

// Point 9: a partial append is cut back before the retry, so no torn line
// merges with the next one.
TEST_F(SpoolForwarderTest, PartialDeadLetterAppendLeavesNoTornLine) {
  OpenLog();
  Store(0, 3);
  receiver_.Answer(400, "{\"error\":\"invalid event\"}");
  fs_.tear_append = true;
  StartForwarder();
  ASSERT_TRUE(WaitUntil([&] { return forwarder_->stats().storage_retries >= 2; }));
  EXPECT_THAT(forwarder_->stats().last_storage_error, HasSubstr("dead-letter"));
  fs_.tear_append = false;
  ASSERT_TRUE(WaitUntil([&] { return forwarder_->stats().dead_lettered == 3; }));
  auto content = fs_.ReadFile(dead_letter_path());
  ASSERT_TRUE(content.ok());
  EXPECT_THAT(DeadLetterIds(*content), ::testing::ElementsAre("fwd-0", "fwd-1", "fwd-2"));
  EXPECT_EQ(StrictJsonCheck(dead_letter_path()), 0) << *content;
  for (int n = 0; n < 3; ++n) EXPECT_EQ(receiver_.Count(absl::StrCat("fwd-", n), 400), 1);
}

// Point 9: a crash in the middle of an append leaves a torn last line; Open cuts it.
TEST_F(SpoolForwarderTest, TornDeadLetterTailFromACrashIsCutOnOpen) {
  OpenLog();
  Store(0, 1);
  const std::string whole = "{\"message_id\":\"old\",\"status\":400}\n";
  ASSERT_TRUE(
      fs_.WriteFileAtomically(dead_letter_path(), whole + "{\"message_id\":\"fwd-0\",\"st").ok());
  receiver_.Answer(400, "{\"error\":\"invalid event\"}");
  StartForwarder();
  ASSERT_TRUE(WaitUntil([&] { return forwarder_->stats().dead_lettered == 1; }));
  auto content = fs_.ReadFile(dead_letter_path());
  ASSERT_TRUE(content.ok());
  EXPECT_THAT(*content, ::testing::StartsWith(whole + "{\"message_id\":\"fwd-0\",\"status\":400,"));
  EXPECT_THAT(DeadLetterIds(*content), ::testing::ElementsAre("old", "fwd-0"));
  EXPECT_EQ(StrictJsonCheck(dead_letter_path()), 0) << *content;
}

// Point 9: a failed fsync of the dead-letter file is retried by rewriting the
// lines (not by POSTing again), and they end up in the file once.
TEST_F(SpoolForwarderTest, FailedDeadLetterSyncDoesNotDuplicate) {
  OpenLog();
  Store(0, 2);
  receiver_.Answer(503, "{\"error\":\"try again\"}");
  StartForwarder();  // Opening the dead-letter file syncs it, so fail syncs only after.
  ASSERT_TRUE(WaitUntil([&] { return !receiver_.Requests().empty(); }));
  fs_.fail_file_sync = true;
  receiver_.Answer(400, "{\"error\":\"invalid event\"}");
  ASSERT_TRUE(WaitUntil([&] {
    const ForwarderStats stats = forwarder_->stats();
    return absl::StrContains(stats.last_storage_error, "dead-letter") && stats.storage_retries >= 3;
  }));
  fs_.fail_file_sync = false;
  ASSERT_TRUE(WaitUntil([&] { return forwarder_->stats().dead_lettered == 2; }));
  auto content = fs_.ReadFile(dead_letter_path());
  ASSERT_TRUE(content.ok());
  EXPECT_THAT(DeadLetterIds(*content), ::testing::ElementsAre("fwd-0", "fwd-1"));
  EXPECT_EQ(StrictJsonCheck(dead_letter_path()), 0) << *content;
  EXPECT_EQ(receiver_.Count("fwd-0", 400), 1);  // Refused once, recorded once.
  EXPECT_EQ(receiver_.Count("fwd-1", 400), 1);
}

// Point 9: the receiver's body is kept to 4 KiB, cut before a character that
// straddles the limit, and escaped, so the line stays valid UTF-8 JSON.
TEST_F(SpoolForwarderTest, ReceiverBodyCutMidCharacterStaysValidJson) {
  OpenLog();
  Store(0, 1);
  const std::string head = "{\"error\":\"bad \\\"quote\\\"\",\n\t\x01 \\ end";
  const std::string kept = head + std::string(kMaxResponseBodyBytes - 1 - head.size(), 'a');
  // "é" is 0xC3 0xA9: its first byte is the 4096th of the body.
  receiver_.Answer(400, kept + "\xC3\xA9" + std::string(100, 'z'));
  StartForwarder();
  ASSERT_TRUE(WaitUntil([&] { return forwarder_->stats().dead_lettered == 1; }));
  EXPECT_EQ(StrictJsonCheck(dead_letter_path()), 0);
  auto content = fs_.ReadFile(dead_letter_path());
  ASSERT_TRUE(content.ok());
  google::protobuf::Struct line;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(*content, &line).ok()) << *content;
  EXPECT_EQ(line.fields().at("response").string_value(), kept);
  EXPECT_EQ(line.fields().at("status").number_value(), 400);
}

// Point 9: creating the dead-letter file is durable only with its directory
// entry; a failed directory sync fails the start instead of being ignored.
TEST_F(SpoolForwarderTest, DeadLetterFileCreationSyncsDirectory) {
  OpenLog();
  fs_.fail_sync_dir = true;
  auto refused = HttpForwarder::Start(*log_, fs_, Options());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(refused.status().message(), HasSubstr(data_dir()));
  fs_.fail_sync_dir = false;
  StartForwarder();
  EXPECT_TRUE(fs_.FileSize(dead_letter_path()).ok());
}

// The HTTP sink as one object: a write that would take the undelivered
// backlog past the bound is refused and stores nothing.
TEST_F(SpoolForwarderTest, StoreAndForwardSinkRefusesAWritePastTheBacklogBoundAndStoresNothing) {
  OpenLog();
  receiver_.Answer(503, "{\"error\":\"try again\"}");  // Nothing is delivered.
  auto sink = StoreAndForwardSink::Start(*log_, fs_, Clock::Real(),
                                         {.forwarder = Options(), .max_backlog_bytes = 1000});
  ASSERT_TRUE(sink.ok()) << sink.status();
  const Record record{"fwd-0", absl::StrCat("{\"pad\":\"", std::string(189, 'p'), "\"}"), ""};
  const uint64_t line_bytes = record.json.size() + 1;  // 200.
  int stored = 0;
  absl::Status refused;
  for (int n = 0; n < 20 && refused.ok(); ++n) {
    refused = (*sink)->Write({record});
    if (refused.ok()) ++stored;
  }
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted) << refused;
  EXPECT_THAT(std::string(refused.message()),
              HasSubstr("the spool is full (1000 of 1000 bytes undelivered)"));
  EXPECT_EQ(stored, static_cast<int>(1000 / line_bytes));
  EXPECT_EQ((*sink)->forwarder().BacklogBytes(), stored * line_bytes);  // The refused one is not.
  EXPECT_EQ(log_->DurableEnd().data_bytes, stored * line_bytes);
  EXPECT_TRUE((*sink)->Failure().ok());
}

// Without paths of its own, the HTTP sink keeps the forwarder's cursor and
// dead letters beside the segments, where a restart finds them.
TEST_F(SpoolForwarderTest, StoreAndForwardSinkKeepsItsCursorAndDeadLettersInTheLogDirectory) {
  OpenLog();
  receiver_.Answer(400, "{\"error\":\"invalid event\"}");
  HttpForwarderOptions options = Options();
  options.cursor_path.clear();
  options.dead_letter_path.clear();
  auto sink = StoreAndForwardSink::Start(*log_, fs_, Clock::Real(), {.forwarder = options});
  ASSERT_TRUE(sink.ok()) << sink.status();
  const Record record{"fwd-0", "{\"user_id\":\"user-0\"}", ""};
  ASSERT_TRUE((*sink)->Write({record}).ok());
  // The dead letter is written before the forwarder counts it, so wait for the
  // count rather than read it once the file appears.
  ASSERT_TRUE(WaitUntil([&] { return (*sink)->forwarder().stats().dead_lettered == 1; }));
  auto dead = fs_.ReadFile(data_dir() + "/dead-letter.ndjson");
  ASSERT_TRUE(dead.ok()) << dead.status();
  EXPECT_THAT(*dead, HasSubstr("user-0"));
  EXPECT_TRUE(WaitUntil([&] { return fs_.FileSize(data_dir() + "/forward.cursor").ok(); }));
}

// Point 9: the state a crash leaves between recording a dead letter and saving
// the cursor past it. Returns the dead-letter file as it was, after a normal
// run that dead-lettered fwd-0 and fwd-1, and writes a cursor that says fwd-1
// was being recorded when the process died.
class DeadLetterCrashTest : public SpoolForwarderTest {
 protected:
  void SetUp() override {
    OpenLog();
    Store(0, 2);
    receiver_.Answer(400, "{\"error\":\"invalid event\"}");
    StartForwarder();
    ASSERT_TRUE(WaitUntil([&] { return forwarder_->stats().dead_lettered == 2; }));
    auto data = fs_.ReadFile(log_->DataPath(1));
    auto ids = fs_.ReadFile(log_->IdsPath(1));
    StopAll();
    ASSERT_TRUE(data.ok() && ids.ok());
    auto content = fs_.ReadFile(dead_letter_path());
    ASSERT_TRUE(content.ok());
    recorded_ = *content;
    const uint64_t first_line = recorded_.find('\n') + 1;
    ForwardCursor crashed;
    crashed.next = {1, data->find('\n') + 1, ids->find('\n') + 1};
    crashed.pending_end = LogPosition{1, data->size(), ids->size()};
    crashed.dead_letter = ForwardCursor::DeadLetterRange{first_line, recorded_.size()};
    ASSERT_TRUE(fs_.WriteFileAtomically(Options().cursor_path, FormatCursor(crashed)).ok());
  }

  // Waits until the restarted forwarder saved a cursor past both events.
  ::testing::AssertionResult WaitForCursorPastBoth() {
    return WaitUntil([&] {
      auto text = fs_.ReadFile(Options().cursor_path);
      if (!text.ok()) return false;
      auto cursor = ParseCursor(*text);
      return cursor.ok() && !cursor->pending_end.has_value() && !cursor->dead_letter.has_value() &&
             forwarder_->BacklogBytes() == 0;
    });
  }

  std::string recorded_;
};

TEST_F(DeadLetterCrashTest, DeadLetterRecordedBeforeACrashIsNotSentOrWrittenAgain) {
  OpenLog();
  StartForwarder();
  ASSERT_TRUE(WaitForCursorPastBoth());
  EXPECT_EQ(receiver_.Count("fwd-1", 400), 1);  // Not sent again.
  auto content = fs_.ReadFile(dead_letter_path());
  ASSERT_TRUE(content.ok());
  EXPECT_EQ(*content, recorded_);
}

TEST_F(DeadLetterCrashTest, DeadLetterTornByACrashIsUndoneAndRecordedOnce) {
  {  // The crash came in the middle of the append of fwd-1's line.
    auto file = fs_.OpenForAppend(dead_letter_path());
    ASSERT_TRUE(file.ok());
    const uint64_t first_line = recorded_.find('\n') + 1;
    ASSERT_TRUE((*file)->Truncate(first_line + (recorded_.size() - first_line) / 2).ok());
  }
  OpenLog();
  StartForwarder();
  ASSERT_TRUE(WaitForCursorPastBoth());
  EXPECT_EQ(receiver_.Count("fwd-1", 400), 2);  // Sent again: it was never recorded.
  auto content = fs_.ReadFile(dead_letter_path());
  ASSERT_TRUE(content.ok());
  EXPECT_THAT(DeadLetterIds(*content), ::testing::ElementsAre("fwd-0", "fwd-1"));
  EXPECT_EQ(StrictJsonCheck(dead_letter_path()), 0) << *content;
}

// The forwarder's waits on a fake clock: no test here waits out a backoff in
// real time. Only the forwarder's own progress is awaited (bounded).
class ForwarderBackoffTest : public SpoolForwarderTest {
 protected:
  ~ForwarderBackoffTest() override { StopAll(); }  // Its thread reads clock_.

  void StartOnFakeClock(absl::Duration initial_backoff, absl::Duration max_backoff) {
    OpenLog();
    Store(0, 1);
    HttpForwarderOptions options = Options();
    options.initial_backoff = initial_backoff;
    options.max_backoff = max_backoff;
    options.clock = &clock_;
    auto forwarder = HttpForwarder::Start(*log_, fs_, std::move(options));
    ASSERT_TRUE(forwarder.ok()) << forwarder.status();
    forwarder_ = std::move(*forwarder);
  }

  // Waits until `attempts` POSTs arrived and the forwarder waits on the clock.
  bool WaitForBackoffAfter(size_t attempts) {
    return WaitUntil(
        [&] { return receiver_.Requests().size() >= attempts && clock_.waiters() == 1; });
  }

  // How long the forwarder waits from now, on the fake clock.
  absl::Duration Wait() const {
    const std::optional<absl::Time> deadline = clock_.NextDeadline();
    return deadline.has_value() ? *deadline - clock_.Now() : absl::InfiniteDuration();
  }

  testing::FakeClock clock_{absl::FromUnixSeconds(1'700'000'000)};
};

TEST_F(ForwarderBackoffTest, AFailedAttemptIsRetriedOnlyOnceTheBackoffHasPassed) {
  receiver_.Answer(503, "{\"error\":\"try again\"}");
  StartOnFakeClock(absl::Seconds(10), absl::Seconds(40));
  ASSERT_TRUE(WaitForBackoffAfter(1));
  // Attempt 0 waits a jittered point in the upper half of the initial backoff.
  const absl::Duration first = Wait();
  EXPECT_GE(first, absl::Seconds(5));
  EXPECT_LE(first, absl::Seconds(10));
  clock_.Advance(first - absl::Milliseconds(1));
  EXPECT_EQ(clock_.waiters(), 1u);
  EXPECT_EQ(Wait(), absl::Milliseconds(1)) << "still waiting for the same deadline";
  EXPECT_EQ(receiver_.Requests().size(), 1u);

  clock_.Advance(absl::Milliseconds(1));
  ASSERT_TRUE(WaitForBackoffAfter(2));
  // Attempt 1: the upper half of the doubled backoff.
  const absl::Duration second = Wait();
  EXPECT_GE(second, absl::Seconds(10));
  EXPECT_LE(second, absl::Seconds(20));

  receiver_.Answer(200, "{}");
  clock_.Advance(second);
  ASSERT_TRUE(WaitUntil([&] { return receiver_.Count("fwd-0", 200) == 1; }));
  EXPECT_EQ(receiver_.Requests().size(), 3u);
}

TEST_F(ForwarderBackoffTest, RetryAfterLongerThanTheBackoffIsHonoured) {
  receiver_.Answer(429, "{}");
  receiver_.SetRetryAfter("120");
  StartOnFakeClock(absl::Seconds(1), absl::Seconds(2));
  ASSERT_TRUE(WaitForBackoffAfter(1));
  EXPECT_EQ(Wait(), absl::Seconds(120));
  clock_.Advance(absl::Seconds(119));
  EXPECT_EQ(Wait(), absl::Seconds(1)) << "still waiting for the same deadline";
  EXPECT_EQ(receiver_.Requests().size(), 1u);

  receiver_.Answer(200, "{}");
  clock_.Advance(absl::Seconds(1));
  ASSERT_TRUE(WaitUntil([&] { return receiver_.Count("fwd-0", 200) == 1; }));
}

TEST_F(ForwarderBackoffTest, RetryAfterAsAnHttpDateCountsFromTheForwardersClock) {
  receiver_.Answer(503, "{}");
  // 90 s after the fake clock's time, which is long past on the real clock.
  receiver_.SetRetryAfter(absl::FormatTime("%a, %d %b %Y %H:%M:%S GMT",
                                           clock_.Now() + absl::Seconds(90), absl::UTCTimeZone()));
  StartOnFakeClock(absl::Seconds(1), absl::Seconds(2));
  ASSERT_TRUE(WaitForBackoffAfter(1));
  EXPECT_EQ(Wait(), absl::Seconds(90));
}

TEST_F(ForwarderBackoffTest, RetryAfterIsCappedAtMaxRetryAfter) {
  receiver_.Answer(503, "{}");
  receiver_.SetRetryAfter("86400");
  StartOnFakeClock(absl::Seconds(1), absl::Seconds(2));
  ASSERT_TRUE(WaitForBackoffAfter(1));
  EXPECT_EQ(Wait(), HttpForwarderOptions().max_retry_after);
}

TEST(ForwardCursorTest, DeadLetterRangeRoundTripsAsVersionTwoAndVersionOneStaysReadable) {
  ForwardCursor cursor;
  cursor.next = {3, 100, 40};
  cursor.pending_end = LogPosition{3, 250, 90};
  cursor.dead_letter = ForwardCursor::DeadLetterRange{1000, 1800};
  EXPECT_EQ(FormatCursor(cursor), "trackd-cursor-v2 3 100 40 250 90 1000 1800\n");
  auto parsed = ParseCursor(FormatCursor(cursor));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(*parsed, cursor);
  cursor.dead_letter.reset();
  EXPECT_EQ(FormatCursor(cursor), "trackd-cursor-v1 3 100 40 250 90\n");
  EXPECT_EQ(ParseCursor("trackd-cursor-v2 3 100 40 - - 1000 1800\n").status().code(),
            absl::StatusCode::kInvalidArgument);  // A dead letter is always a pending batch.
}

TEST(BoundedUtf8Test, CutsAtACharacterBoundaryAndReplacesInvalidBytes) {
  EXPECT_EQ(BoundedUtf8("abc", 10, false), "abc");
  EXPECT_EQ(BoundedUtf8("ab\xC3\xA9", 3, false), "ab");      // "é" does not fit whole.
  EXPECT_EQ(BoundedUtf8("ab\xC3", 10, /*cut=*/true), "ab");  // The rest was never read.
  EXPECT_EQ(BoundedUtf8("ab\xC3", 10, /*cut=*/false), "ab\xEF\xBF\xBD");
  EXPECT_EQ(BoundedUtf8("a\xFF"
                        "b",
                        10, false),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(BoundedUtf8("\xED\xA0\x80", 10, false),  // A surrogate: three bad bytes.
            "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(BoundedUtf8("\xF0\x9F\x98\x80!", 10, false), "\xF0\x9F\x98\x80!");
}

}  // namespace
}  // namespace trackd

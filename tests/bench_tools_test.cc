// The benchmark tools' own behaviour: the bodies h2load sends, the open loop's
// schedule and latency accounting, and the load report. Against an in-process
// TrackService on 127.0.0.1 port 0; no figure here depends on how fast the
// machine is.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/grpc_body.h"
#include "bench/load_stats.h"
#include "bench/open_loop.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "trackd/v1/track.grpc.pb.h"

namespace trackd::bench {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

uint32_t PrefixLength(const std::string& framed) {
  uint32_t length = 0;
  for (int i = 1; i <= 4; ++i) length = (length << 8) | static_cast<uint8_t>(framed[i]);
  return length;
}

TEST(GrpcBodyTest, FramesAnUncompressedMessageWithItsBigEndianLength) {
  v1::TrackRequest request;
  request.set_user_id(std::string(300, 'u'));  // Longer than 255: the byte order shows.
  const std::string framed = GrpcFrame(request);
  ASSERT_EQ(framed.size(), 5 + request.ByteSizeLong());
  EXPECT_EQ(framed[0], '\0');
  EXPECT_EQ(PrefixLength(framed), request.ByteSizeLong());
  v1::TrackRequest parsed;
  ASSERT_TRUE(parsed.ParseFromString(framed.substr(5)));
  EXPECT_EQ(parsed.user_id(), request.user_id());
}

TEST(GrpcBodyTest, BatchHoldsTheSeedEventItemsTimesWithoutMessageIdAtNow) {
  const absl::Time now = absl::FromUnixMillis(1698885008276);
  absl::StatusOr<std::string> framed = SeedTrackBatchBody(3, now);
  ASSERT_TRUE(framed.ok()) << framed.status();
  EXPECT_EQ(PrefixLength(*framed), framed->size() - 5);
  v1::TrackBatchRequest batch;
  ASSERT_TRUE(batch.ParseFromString(framed->substr(5)));
  ASSERT_EQ(batch.requests_size(), 3);
  for (const v1::TrackRequest& item : batch.requests()) {
    EXPECT_EQ(item.message_id(), "");  // The server assigns one per event.
    EXPECT_EQ(item.account_added_user().user_name(), "Mark Wood");
    EXPECT_EQ(item.timestamp().seconds(), 1698885008);
    EXPECT_EQ(item.timestamp().nanos(), 276'000'000);
  }
}

TEST(GrpcBodyTest, BatchOutsideOneTo500ItemsIsRejected) {
  EXPECT_EQ(SeedTrackBatchBody(0, absl::Now()).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(SeedTrackBatchBody(501, absl::Now()).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(SeedTrackBatchBody(500, absl::Now()).ok());
}

TEST(OpenLoopScheduleTest, CallIsDueIndexOverRateAfterStartWithoutDrift) {
  const auto start = std::chrono::steady_clock::time_point() + std::chrono::hours(1);
  EXPECT_EQ(DueTime(start, 3.0, 0), start);
  EXPECT_EQ(DueTime(start, 3.0, 3), start + std::chrono::seconds(1));
  EXPECT_EQ(DueTime(start, 1000.0, 5'000'000), start + std::chrono::seconds(5000));
}

TEST(LoadReportTest, OpenLoopReportNamesItsModeAndRates) {
  LoadReport report;
  report.calls = report.ok = 1;
  report.ok_latencies_ns = {1000};
  report.target_rate = 2000;
  report.achieved_rate = 1990;
  report.max_start_lag_us = 12;
  const std::string json = ReportJson(&report);
  EXPECT_THAT(json, HasSubstr(R"("mode":"open","target_rate":2000,"achieved_rate":1990,)"
                              R"("max_start_lag_us":12})"));
}

TEST(LoadReportTest, ClosedLoopReportHasNoRates) {
  LoadReport report;
  const std::string json = ReportJson(&report);
  EXPECT_THAT(json, HasSubstr(R"("mode":"closed"})"));
  EXPECT_THAT(json, Not(HasSubstr("target_rate")));
}

// Echoes message_id. While `hold` calls have not all arrived, it keeps every
// call open; then it answers them all, and every later call at once.
class GateService final : public v1::TrackService::CallbackService {
 public:
  explicit GateService(int hold) : hold_(hold) {}

  grpc::ServerUnaryReactor* Track(grpc::CallbackServerContext* /*context*/,
                                  const v1::TrackRequest* request,
                                  v1::TrackResponse* response) override {
    response->set_message_id(request->message_id());
    // DefaultReactor would do too; a reactor of our own makes it plain that
    // Finish may come later, from another call's thread.
    auto* reactor = new Reactor;
    std::vector<Reactor*> release;
    {
      absl::MutexLock lock(&mu_);
      ++received_;
      if (received_ < hold_) {
        held_.push_back(reactor);
        return reactor;
      }
      release.swap(held_);
    }
    release.push_back(reactor);
    for (Reactor* held : release) held->Finish(grpc::Status::OK);
    return reactor;
  }

  // Answers the calls still held, so the server can shut down when a test
  // failed with calls held.
  void ReleaseAll() {
    std::vector<Reactor*> release;
    {
      absl::MutexLock lock(&mu_);
      release.swap(held_);
    }
    for (Reactor* held : release) held->Finish(grpc::Status::OK);
  }

 private:
  class Reactor final : public grpc::ServerUnaryReactor {
    void OnDone() override { delete this; }
  };

  const int hold_;
  absl::Mutex mu_;
  int received_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<Reactor*> held_ ABSL_GUARDED_BY(mu_);
};

class OpenLoopTest : public ::testing::Test {
 protected:
  void StartServer(int hold) {
    service_ = std::make_unique<GateService>(hold);
    int port = 0;
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    stubs_.push_back(v1::TrackService::NewStub(grpc::CreateChannel(
        "127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials())));
  }

  void TearDown() override {
    if (service_ != nullptr) service_->ReleaseAll();
    if (server_ != nullptr) server_->Shutdown(absl::ToChronoTime(absl::Now()));
  }

  std::unique_ptr<GateService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::vector<std::unique_ptr<v1::TrackService::Stub>> stubs_;
};

// A closed loop would wait for the first answer, which comes only once all
// 20 calls arrived: the run completes only if calls start on schedule.
TEST_F(OpenLoopTest, StartsCallsOnScheduleWithoutWaitingForAnswers) {
  StartServer(/*hold=*/20);
  OpenLoopPhase phase(stubs_, /*rate=*/2000, /*total_calls=*/20, /*max_outstanding=*/100, "gate-",
                      absl::Now() + absl::Seconds(10));
  ASSERT_TRUE(phase.Run(absl::Seconds(5)));
  LoadReport report;
  phase.AddTo(&report);
  EXPECT_EQ(report.calls, 20u);
  EXPECT_EQ(report.ok, 20u);
  EXPECT_TRUE(report.complete);
  EXPECT_THAT(ReportJson(&report), HasSubstr(R"("errors":{})"));
}

// With one call in flight at most, 200 calls all due within 0.2 ms go out one
// after another. Counted from its due time, the last call's latency spans
// nearly the whole run; counted from its start it would be one round trip.
TEST_F(OpenLoopTest, LatencyCountsFromTheDueTimeNotTheStart) {
  StartServer(/*hold=*/1);
  constexpr int kCalls = 200;
  constexpr double kRate = 1e6;
  OpenLoopPhase phase(stubs_, kRate, kCalls, /*max_outstanding=*/1, "due-",
                      absl::Now() + absl::Seconds(10));
  ASSERT_TRUE(phase.Run(absl::Seconds(5)));
  LoadReport report;
  phase.AddTo(&report);
  ASSERT_EQ(report.ok, static_cast<uint64_t>(kCalls));
  const int64_t slowest_ns =
      *std::max_element(report.ok_latencies_ns.begin(), report.ok_latencies_ns.end());
  // The last call was due (kCalls - 1) / kRate after the start and answered
  // at the end of the run (report.seconds after the start); 1 µs for rounding.
  const double run_ns = report.seconds * 1e9;
  EXPECT_GE(static_cast<double>(slowest_ns), run_ns - (kCalls - 1) / kRate * 1e9 - 1000);
}

}  // namespace
}  // namespace trackd::bench

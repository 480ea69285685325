#include "server/metrics.h"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/request_metrics.h"

namespace trackd {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(MetricsTest, LabelValuesFromAnySourceFindTheSameSeries) {
  MetricsRegistry registry;
  CounterFamily& counter = registry.AddCounter("t_calls_total", "Calls.", {"method", "code"});
  const std::string method = "Track";
  counter.Add({method, "OK"});
  counter.Add({absl::string_view("Track"), std::string("OK")}, 2);
  Counter* kept = counter.Series({"Track", "OK"});
  kept->Add();
  EXPECT_EQ(counter.Value({"Track", "OK"}), 4);
  EXPECT_EQ(counter.Value({"Track", "INTERNAL"}), 0);
  EXPECT_THAT(registry.Render(), HasSubstr("t_calls_total{method=\"Track\",code=\"OK\"} 4\n"));
}

TEST(MetricsTest, ConcurrentAddsAreAllCounted) {
  MetricsRegistry registry;
  CounterFamily& counter = registry.AddCounter("t_total", "Adds.", {"k"});
  HistogramFamily& histogram = registry.AddHistogram("t_seconds", "Durations.", {}, {0.5, 1});
  constexpr int kThreads = 4;
  constexpr int kAdds = 200'000;
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      // All start together, so the adds really overlap.
      ready.fetch_add(1);
      while (ready.load() < kThreads) std::this_thread::yield();
      Counter* series = counter.Series({"a"});
      Histogram* durations = histogram.Series({});
      for (int i = 0; i < kAdds; ++i) {
        series->Add();
        durations->Observe(0.25);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(counter.Value({"a"}), kThreads * kAdds);
  const std::string text = registry.Render();
  EXPECT_THAT(text, HasSubstr(absl::StrCat("t_seconds_count ", kThreads * kAdds, "\n")));
  EXPECT_THAT(text, HasSubstr(absl::StrCat("t_seconds_sum ", kThreads * kAdds / 4, "\n")));
}

TEST(MetricsTest, HistogramBucketsAreCumulativeAndCountIsTheInfBucket) {
  MetricsRegistry registry;
  HistogramFamily& histogram =
      registry.AddHistogram("t_seconds", "Durations.", {"method"}, {0.1, 1});
  histogram.Observe({"Track"}, 0.05);
  histogram.Observe({"Track"}, 0.1);  // On a bound: counted in that bucket (le).
  histogram.Observe({"Track"}, 0.5);
  histogram.Observe({"Track"}, 7);
  const std::string text = registry.Render();
  EXPECT_THAT(text, HasSubstr("t_seconds_bucket{method=\"Track\",le=\"0.1\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("t_seconds_bucket{method=\"Track\",le=\"1\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("t_seconds_bucket{method=\"Track\",le=\"+Inf\"} 4\n"));
  EXPECT_THAT(text, HasSubstr("t_seconds_count{method=\"Track\"} 4\n"));
  EXPECT_THAT(text, HasSubstr("t_seconds_sum{method=\"Track\"} 7.65\n"));
}

TEST(RequestMetricsTest, CallsCountByMethodCodeAndClient) {
  MetricsRegistry registry;
  ServiceMetrics families{
      .requests = &registry.AddCounter("t_requests_total", "Calls.", {"method", "code", "client"}),
      .latency = &registry.AddHistogram("t_request_seconds", "Latency.", {"method"}, {0.001, 1})};
  RequestMetrics metrics(families);
  metrics.Record(RpcMethod::kTrack, absl::StatusCode::kOk, "anonymous", absl::Microseconds(500));
  metrics.Record(RpcMethod::kTrack, absl::StatusCode::kOk, "anonymous", absl::Milliseconds(5));
  metrics.Record(RpcMethod::kTrackBatch, absl::StatusCode::kInvalidArgument, "anonymous",
                 absl::Milliseconds(1));
  metrics.Record(RpcMethod::kTrack, absl::StatusCode::kOk, "billing", absl::Milliseconds(1));
  EXPECT_EQ(families.requests->Value({"Track", "OK", "anonymous"}), 2);
  EXPECT_EQ(families.requests->Value({"TrackBatch", "INVALID_ARGUMENT", "anonymous"}), 1);
  EXPECT_EQ(families.requests->Value({"Track", "OK", "billing"}), 1);
  const std::string text = registry.Render();
  EXPECT_THAT(text, HasSubstr("t_request_seconds_count{method=\"Track\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("t_request_seconds_bucket{method=\"Track\",le=\"0.001\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("t_request_seconds_count{method=\"TrackBatch\"} 1\n"));
  // Only series that counted a call are shown.
  EXPECT_THAT(text, Not(HasSubstr("code=\"INTERNAL\"")));
}

}  // namespace
}  // namespace trackd

// metrics_bench: trackd's hand-written metrics registry (server/metrics.h)
// against prometheus-cpp (Debian prometheus-cpp-dev), for the question of
// issue 11 whether the library should replace it. The request path counts
// through kept series handles and observes one latency per request, so those
// rows matter most; a labelled lookup per call and rendering 50 series (what a
// scrape costs) complete the picture. Rows run with 1 and 2 threads on shared
// series, as gRPC handlers do; items_per_second is the rate of all threads
// together. docs/libraries.md has the numbers. Run pinned:
//   taskset -c 0,1 build/bench/metrics_bench --benchmark_repetitions=5
//     --benchmark_report_aggregates_only=true
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "benchmark/benchmark.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "prometheus/text_serializer.h"
#include "server/metrics.h"

namespace trackd::bench {
namespace {

constexpr double kLatencySeconds = 0.0042;
constexpr int kCounterSeries = 45;
constexpr int kHistogramSeries = 5;  // With the counters, 50 series to render.

// The same families in both registries: requests by method and code, latency
// by method.
struct Ours {
  MetricsRegistry registry;
  CounterFamily& requests =
      registry.AddCounter("trackd_requests_total", "Requests.", {"method", "code"});
  HistogramFamily& latency = registry.AddHistogram("trackd_request_seconds", "Latency.", {"method"},
                                                   MetricsRegistry::LatencyBounds());
  Counter* kept_counter = requests.Series({"Track", "OK"});
  Histogram* kept_histogram = latency.Series({"Track"});
};

struct Theirs {
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  prometheus::Family<prometheus::Counter>& requests = prometheus::BuildCounter()
                                                          .Name("trackd_requests_total")
                                                          .Help("Requests.")
                                                          .Register(*registry);
  prometheus::Family<prometheus::Histogram>& latency = prometheus::BuildHistogram()
                                                           .Name("trackd_request_seconds")
                                                           .Help("Latency.")
                                                           .Register(*registry);
  prometheus::Counter& kept_counter = requests.Add({{"method", "Track"}, {"code", "OK"}});
  prometheus::Histogram& kept_histogram =
      latency.Add({{"method", "Track"}}, MetricsRegistry::LatencyBounds());
};

// One registry of each for all threads, as in trackd.
Ours& SharedOurs() {
  static Ours* ours = new Ours;
  return *ours;
}
Theirs& SharedTheirs() {
  static Theirs* theirs = new Theirs;
  return *theirs;
}

void BM_CounterKeptHandle_Ours(benchmark::State& state) {
  Counter* counter = SharedOurs().kept_counter;
  for (auto _ : state) counter->Add();
  state.SetItemsProcessed(state.iterations());
}
void BM_CounterKeptHandle_PrometheusCpp(benchmark::State& state) {
  prometheus::Counter& counter = SharedTheirs().kept_counter;
  for (auto _ : state) counter.Increment();
  state.SetItemsProcessed(state.iterations());
}

void BM_CounterLabelledLookup_Ours(benchmark::State& state) {
  CounterFamily& requests = SharedOurs().requests;
  for (auto _ : state) requests.Add({"TrackBatch", "INVALID_ARGUMENT"});
  state.SetItemsProcessed(state.iterations());
}
void BM_CounterLabelledLookup_PrometheusCpp(benchmark::State& state) {
  auto& requests = SharedTheirs().requests;
  for (auto _ : state) {
    requests.Add({{"method", "TrackBatch"}, {"code", "INVALID_ARGUMENT"}}).Increment();
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_HistogramObserve_Ours(benchmark::State& state) {
  Histogram* histogram = SharedOurs().kept_histogram;
  for (auto _ : state) histogram->Observe(kLatencySeconds);
  state.SetItemsProcessed(state.iterations());
}
void BM_HistogramObserve_PrometheusCpp(benchmark::State& state) {
  prometheus::Histogram& histogram = SharedTheirs().kept_histogram;
  for (auto _ : state) histogram.Observe(kLatencySeconds);
  state.SetItemsProcessed(state.iterations());
}

// Own registries with 45 counter and 5 histogram series, rendered as text.
void BM_Render50Series_Ours(benchmark::State& state) {
  Ours ours;
  for (int i = 0; i < kCounterSeries; ++i) {
    ours.requests.Add({absl::StrCat("Method", i % 9), absl::StrCat("CODE_", i / 9)}, i);
  }
  for (int i = 1; i < kHistogramSeries; ++i) {
    ours.latency.Observe({absl::StrCat("Method", i)}, kLatencySeconds * i);
  }
  ours.kept_histogram->Observe(kLatencySeconds);
  for (auto _ : state) {
    std::string text = ours.registry.Render();
    benchmark::DoNotOptimize(text.data());
  }
}
void BM_Render50Series_PrometheusCpp(benchmark::State& state) {
  Theirs theirs;
  for (int i = 0; i < kCounterSeries; ++i) {
    theirs.requests
        .Add({{"method", absl::StrCat("Method", i % 9)}, {"code", absl::StrCat("CODE_", i / 9)}})
        .Increment(i);
  }
  for (int i = 1; i < kHistogramSeries; ++i) {
    theirs.latency.Add({{"method", absl::StrCat("Method", i)}}, MetricsRegistry::LatencyBounds())
        .Observe(kLatencySeconds * i);
  }
  theirs.kept_histogram.Observe(kLatencySeconds);
  const prometheus::TextSerializer serializer;
  for (auto _ : state) {
    std::string text = serializer.Serialize(theirs.registry->Collect());
    benchmark::DoNotOptimize(text.data());
  }
}

BENCHMARK(BM_CounterKeptHandle_Ours)->Threads(1)->Threads(2);
BENCHMARK(BM_CounterKeptHandle_PrometheusCpp)->Threads(1)->Threads(2);
BENCHMARK(BM_CounterLabelledLookup_Ours)->Threads(1)->Threads(2);
BENCHMARK(BM_CounterLabelledLookup_PrometheusCpp)->Threads(1)->Threads(2);
BENCHMARK(BM_HistogramObserve_Ours)->Threads(1)->Threads(2);
BENCHMARK(BM_HistogramObserve_PrometheusCpp)->Threads(1)->Threads(2);
BENCHMARK(BM_Render50Series_Ours);
BENCHMARK(BM_Render50Series_PrometheusCpp);

}  // namespace
}  // namespace trackd::bench

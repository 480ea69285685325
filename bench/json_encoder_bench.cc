// json_encoder_bench: the cost of turning the seed TrackRequest into bytes.
// Compares trackd's documented-JSON writer with protobuf's JSON printer (the
// obvious alternative) and with binary serialisation (the floor).
// Run pinned, e.g.:
//   taskset -c 1 build/bench/json_encoder_bench --benchmark_repetitions=5
//     --benchmark_report_aggregates_only=true
#include <string>

#include "absl/time/time.h"
#include "bench/seed_event.h"
#include "benchmark/benchmark.h"
#include "google/protobuf/util/json_util.h"
#include "trackd/common/json_encoder.h"

namespace trackd::bench {
namespace {

v1::TrackRequest Seed() {
  return SeedTrackRequest("0190f2a4-7b7e-7c3a-9d2e-5f6a7b8c9d0e",
                          absl::FromUnixMillis(1698885008276));  // 2023-11-02T00:30:08.276Z
}

// What a long-lived writer would do: one buffer, cleared and refilled.
void BM_AppendDocumentedJsonReusedBuffer(benchmark::State& state) {
  const v1::TrackRequest request = Seed();
  std::string out;
  for (auto _ : state) {
    out.clear();
    AppendDocumentedJson(request, &out);
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["bytes"] = static_cast<double>(out.size());
}
BENCHMARK(BM_AppendDocumentedJsonReusedBuffer);

// What the server's Tracker does today: append into a new, empty string.
void BM_AppendDocumentedJsonFreshString(benchmark::State& state) {
  const v1::TrackRequest request = Seed();
  for (auto _ : state) {
    std::string out;
    AppendDocumentedJson(request, &out);
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_AppendDocumentedJsonFreshString);

void BM_ProtobufMessageToJsonString(benchmark::State& state) {
  const v1::TrackRequest request = Seed();
  std::string out;
  for (auto _ : state) {
    out.clear();
    const auto status = google::protobuf::util::MessageToJsonString(request, &out);
    benchmark::DoNotOptimize(status.ok());
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["bytes"] = static_cast<double>(out.size());
}
BENCHMARK(BM_ProtobufMessageToJsonString);

void BM_ProtobufSerializeToString(benchmark::State& state) {
  const v1::TrackRequest request = Seed();
  std::string out;
  for (auto _ : state) {
    request.SerializeToString(&out);
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["bytes"] = static_cast<double>(out.size());
}
BENCHMARK(BM_ProtobufSerializeToString);

}  // namespace
}  // namespace trackd::bench

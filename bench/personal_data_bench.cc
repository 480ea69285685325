// personal_data_bench: what --personal_data costs per event on the request
// path, where the Tracker encodes the documented JSON line: keep (no filter,
// the default), hash (HMAC-SHA-256 of user_name and user_email) and drop.
// Run pinned, e.g.:
//   taskset -c 1 build/bench/personal_data_bench --benchmark_repetitions=5
//     --benchmark_report_aggregates_only=true
#include <memory>
#include <string>

#include "absl/time/time.h"
#include "bench/seed_event.h"
#include "benchmark/benchmark.h"
#include "server/data_classes.h"
#include "server/personal_data.h"
#include "trackd/common/json_encoder.h"

namespace trackd::bench {
namespace {

void BM_EncodeWithPolicy(benchmark::State& state) {
  const auto policy = static_cast<PersonalDataPolicy>(state.range(0));
  const v1::TrackRequest request =
      SeedTrackRequest("0190f2a4-7b7e-7c3a-9d2e-5f6a7b8c9d0e", absl::FromUnixMillis(1698885008276));
  const std::unique_ptr<PersonalValueFilter> filter =
      MakePersonalValueFilter(policy, std::string(32, 'k'), DataClasses::ForTrackRequest());
  std::string out;
  for (auto _ : state) {
    out.clear();
    AppendDocumentedJson(request, &out, filter.get());
    benchmark::DoNotOptimize(out.data());
  }
  state.SetLabel(std::string(PersonalDataPolicyName(policy)));
}
BENCHMARK(BM_EncodeWithPolicy)
    ->Arg(static_cast<int>(PersonalDataPolicy::kKeep))
    ->Arg(static_cast<int>(PersonalDataPolicy::kHash))
    ->Arg(static_cast<int>(PersonalDataPolicy::kDrop));

// One HMAC-SHA-256 of an address, to hex: the part of hash that is crypto.
void BM_HmacSha256Hex(benchmark::State& state) {
  const std::string key(32, 'k');
  for (auto _ : state) benchmark::DoNotOptimize(HmacSha256Hex(key, "mark.wood@example.com"));
}
BENCHMARK(BM_HmacSha256Hex);

}  // namespace
}  // namespace trackd::bench

// message_id_bench: the cost of a server-assigned message_id (a UUIDv7 in its
// 36-character text form), made for every event sent without one.
// Run pinned, e.g.:
//   taskset -c 1 build/bench/message_id_bench
#include <cstdint>
#include <string>

#include "absl/time/time.h"
#include "benchmark/benchmark.h"
#include "trackd/common/message_id.h"

namespace trackd::bench {
namespace {

void BM_NewMessageId(benchmark::State& state) {
  absl::Time now = absl::FromUnixMillis(1698885008276);
  for (auto _ : state) {
    std::string id = NewMessageId(now);
    benchmark::DoNotOptimize(id.data());
    now += absl::Microseconds(1);
  }
}
BENCHMARK(BM_NewMessageId);

void BM_FormatUuid(benchmark::State& state) {
  uint8_t bytes[16] = {0x01, 0x90, 0xf2, 0xa4, 0x7b, 0x7e, 0x7c, 0x3a,
                       0x9d, 0x2e, 0x5f, 0x6a, 0x7b, 0x8c, 0x9d, 0x0e};
  for (auto _ : state) {
    benchmark::DoNotOptimize(bytes);
    std::string id = FormatUuid(bytes);
    benchmark::DoNotOptimize(id.data());
  }
}
BENCHMARK(BM_FormatUuid);

}  // namespace
}  // namespace trackd::bench

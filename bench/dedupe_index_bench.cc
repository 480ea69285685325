// dedupe_index_bench: what the pipeline pays per event for deduplication, one
// Contains plus one Insert of a fresh id, with the index empty and with it
// full at the default cap of 2 M ids (every insert then evicts the oldest).
// Compares trackd's DedupeIndex with the node_hash_set + deque it replaced
// (kept below, for this comparison only), and reports the heap each holds per
// id (glibc's mallinfo2, before and after filling).
// Run pinned, e.g.:
//   taskset -c 1 build/bench/dedupe_index_bench
#include <malloc.h>

#include <cstddef>
#include <deque>
#include <string>
#include <utility>

#include "absl/container/node_hash_set.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "benchmark/benchmark.h"
#include "server/dedupe_index.h"
#include "server/siphash.h"

namespace trackd::bench {
namespace {

// The index trackd used until issue 10: a node per id holding the string.
class NodeHashSetDedupeIndex {
 public:
  explicit NodeHashSetDedupeIndex(DedupeOptions options) : options_(options) {}

  bool Contains(absl::string_view id, absl::Time now) {
    const absl::Time cutoff = now - options_.window;
    while (!order_.empty() && order_.front().first < cutoff) PopOldest();
    return ids_.contains(id);
  }

  void Insert(std::string id, absl::Time stored_at) {
    auto [it, inserted] = ids_.insert(std::move(id));
    if (!inserted) return;
    order_.emplace_back(stored_at, &*it);
    while (ids_.size() > options_.max_ids) PopOldest();
  }

  size_t size() const { return ids_.size(); }

 private:
  void PopOldest() {
    ids_.erase(ids_.find(*order_.front().second));
    order_.pop_front();
  }

  const DedupeOptions options_;
  absl::node_hash_set<std::string> ids_;
  std::deque<std::pair<absl::Time, const std::string*>> order_;
};

constexpr size_t kCap = 2'000'000;
const absl::Time kStart = absl::FromUnixSeconds(1'700'000'000);

// A UUIDv7-shaped id (36 characters) that differs for every n, built as the
// pipeline receives it: a std::string of its own.
std::string MakeId(uint64_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id = "0190f2a4-7b7e-7c3a-9d2e-000000000000";
  for (size_t i = id.size(); n != 0; n >>= 4) id[--i] = kHex[n & 15];
  return id;
}

size_t HeapBytes() {
  const struct mallinfo2 info = mallinfo2();
  return info.uordblks + info.hblkhd;
}

// What the pipeline does with an event: look its id up, store it, remember it.
template <typename Index>
void ContainsThenInsert(Index& index, uint64_t n, absl::Time now) {
  std::string id = MakeId(n);
  benchmark::DoNotOptimize(index.Contains(id, now));
  if constexpr (std::is_same_v<Index, NodeHashSetDedupeIndex>) {
    index.Insert(std::move(id), now);
  } else {
    index.Insert(id, now);
  }
}

// Fresh ids into an index holding `prefill` ids already, cap 2 M, window 24 h
// (nothing expires by age: at prefill = 2 M every insert evicts by count).
template <typename Index>
void BM_FreshIds(benchmark::State& state) {
  const size_t prefill = static_cast<size_t>(state.range(0));
  const size_t heap_before = HeapBytes();
  Index index(DedupeOptions{absl::Hours(24), kCap});
  uint64_t n = 0;
  while (n < prefill) index.Insert(MakeId(n++), kStart);
  if (prefill > 0) {
    state.counters["heap_bytes_per_id"] =
        static_cast<double>(HeapBytes() - heap_before) / static_cast<double>(index.size());
  }
  for (auto _ : state) ContainsThenInsert(index, n++, kStart);
  state.counters["ids_at_end"] = static_cast<double>(index.size());
}

// Looking up an id that is remembered (a retry), in a full index.
template <typename Index>
void BM_DuplicateLookup(benchmark::State& state) {
  Index index(DedupeOptions{absl::Hours(24), kCap});
  for (uint64_t n = 0; n < kCap; ++n) index.Insert(MakeId(n), kStart);
  uint64_t n = 0;
  for (auto _ : state) {
    const std::string id = MakeId(n * 7919 % kCap);  // Spread over the index.
    benchmark::DoNotOptimize(index.Contains(id, kStart));
    ++n;
  }
}

// Filling from empty (the first million events after a start): 1 M iterations.
// From 1 M to the cap, 1 M iterations: the tables are as large as when full,
// but nothing is evicted. Full and evicting: 2 M iterations once 2 M ids are in.
BENCHMARK(BM_FreshIds<NodeHashSetDedupeIndex>)->Arg(0)->Iterations(1'000'000);
BENCHMARK(BM_FreshIds<DedupeIndex>)->Arg(0)->Iterations(1'000'000);
BENCHMARK(BM_FreshIds<NodeHashSetDedupeIndex>)->Arg(kCap / 2)->Iterations(1'000'000);
BENCHMARK(BM_FreshIds<DedupeIndex>)->Arg(kCap / 2)->Iterations(1'000'000);
BENCHMARK(BM_FreshIds<NodeHashSetDedupeIndex>)->Arg(kCap)->Iterations(2'000'000);
BENCHMARK(BM_FreshIds<DedupeIndex>)->Arg(kCap)->Iterations(2'000'000);
BENCHMARK(BM_DuplicateLookup<NodeHashSetDedupeIndex>)->Iterations(2'000'000);
BENCHMARK(BM_DuplicateLookup<DedupeIndex>)->Iterations(2'000'000);

// The fingerprint alone, and making the id string (included in every row above).
void BM_SipHash128Of36Bytes(benchmark::State& state) {
  const std::string id = MakeId(123456789);
  SipHashKey key{1, 2};
  for (auto _ : state) {
    benchmark::DoNotOptimize(key);
    benchmark::DoNotOptimize(SipHash128(key, id));
  }
}
BENCHMARK(BM_SipHash128Of36Bytes);

void BM_MakeId(benchmark::State& state) {
  uint64_t n = 0;
  for (auto _ : state) benchmark::DoNotOptimize(MakeId(n++));
}
BENCHMARK(BM_MakeId);

}  // namespace
}  // namespace trackd::bench

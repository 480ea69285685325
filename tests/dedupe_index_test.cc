#include "server/dedupe_index.h"

#include <cstdint>
#include <deque>
#include <random>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace trackd {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1'700'000'000);

std::string Id(uint64_t i) { return absl::StrCat("0190f2a4-7b7e-7c3a-9d2e-", i); }

TEST(DedupeIndexTest, RemembersIdsWithinTheWindow) {
  DedupeIndex index({absl::Hours(24), 100});
  index.Insert("a", kStart);
  EXPECT_TRUE(index.Contains("a", kStart + absl::Hours(23)));
  EXPECT_FALSE(index.Contains("b", kStart));
}

TEST(DedupeIndexTest, ForgetsIdsOlderThanTheWindow) {
  DedupeIndex index({absl::Hours(24), 100});
  index.Insert("a", kStart);
  index.Insert("b", kStart + absl::Hours(2));
  EXPECT_FALSE(index.Contains("a", kStart + absl::Hours(25)));
  EXPECT_TRUE(index.Contains("b", kStart + absl::Hours(25)));
  EXPECT_EQ(index.size(), 1u);
}

TEST(DedupeIndexTest, ForgetsTheOldestBeyondMaxIds) {
  DedupeIndex index({absl::Hours(24), 3});
  for (const char* id : {"a", "b", "c", "d"}) index.Insert(id, kStart);
  EXPECT_EQ(index.size(), 3u);
  EXPECT_FALSE(index.Contains("a", kStart));
  EXPECT_TRUE(index.Contains("d", kStart));
}

TEST(DedupeIndexTest, InsertingAKnownIdKeepsOneEntry) {
  DedupeIndex index({absl::Hours(24), 3});
  index.Insert("a", kStart);
  index.Insert("a", kStart + absl::Seconds(1));
  EXPECT_EQ(index.size(), 1u);
}

// Stored times are kept in whole seconds, rounded up: the window is a minimum.
TEST(DedupeIndexTest, RemembersAnIdForTheWholeWindowAndAtMostOneSecondMore) {
  DedupeIndex index({absl::Hours(24), 100});
  index.Insert("exact", kStart);
  index.Insert("fraction", kStart + absl::Milliseconds(500));
  EXPECT_TRUE(index.Contains("exact", kStart + absl::Hours(24)));
  EXPECT_TRUE(index.Contains("fraction", kStart + absl::Hours(24) + absl::Milliseconds(500)));
  EXPECT_TRUE(index.Contains("fraction", kStart + absl::Hours(24) + absl::Seconds(1)));
  EXPECT_FALSE(index.Contains("exact", kStart + absl::Hours(24) + absl::Milliseconds(1)));
  EXPECT_FALSE(index.Contains("fraction", kStart + absl::Hours(24) + absl::Milliseconds(1001)));
  EXPECT_EQ(index.size(), 0u);
}

TEST(DedupeIndexTest, ReinsertingAKnownIdKeepsItsFirstTimeAndTakesNoRoom) {
  DedupeIndex index({absl::Hours(24), 2});
  index.Insert("a", kStart);
  index.Insert("a", kStart + absl::Hours(2));
  index.Insert("b", kStart + absl::Hours(2));
  EXPECT_EQ(index.size(), 2u);
  EXPECT_TRUE(index.Contains("a", kStart + absl::Hours(24)));
  EXPECT_FALSE(index.Contains("a", kStart + absl::Hours(25)));
  EXPECT_TRUE(index.Contains("b", kStart + absl::Hours(25)));
}

TEST(DedupeIndexTest, ForgetsInInsertionOrderWhenFull) {
  DedupeIndex index({absl::Hours(24), 3});
  for (const char* id : {"a", "b", "c", "d", "e"}) index.Insert(id, kStart);
  EXPECT_FALSE(index.Contains("a", kStart));
  EXPECT_FALSE(index.Contains("b", kStart));
  EXPECT_TRUE(index.Contains("c", kStart));
  EXPECT_TRUE(index.Contains("d", kStart));
  EXPECT_TRUE(index.Contains("e", kStart));
}

// 200 times round the ring: after each insert the newest 1000 ids are
// remembered and the one just pushed out is not.
TEST(DedupeIndexTest, EvictsInOrderWhileTheRingWrapsManyTimes) {
  constexpr uint64_t kMax = 1000;
  DedupeIndex index({absl::Hours(24), kMax});
  for (uint64_t i = 0; i < 200 * kMax; ++i) {
    index.Insert(Id(i), kStart);
    ASSERT_EQ(index.size(), std::min(i + 1, kMax));
    ASSERT_TRUE(index.Contains(Id(i), kStart)) << i;
    if (i >= kMax) {
      ASSERT_FALSE(index.Contains(Id(i - kMax), kStart)) << i;
      ASSERT_TRUE(index.Contains(Id(i - kMax + 1), kStart)) << i;
    }
  }
}

// The ring starts small and doubles (1024, 2048, 4096, then the cap 5000);
// each step must keep the ids and their order.
TEST(DedupeIndexTest, KeepsIdsAndTheirOrderWhileGrowingToTheCap) {
  constexpr uint64_t kMax = 5000;
  DedupeIndex index({absl::Seconds(kMax), kMax});
  for (uint64_t i = 0; i < kMax; ++i) index.Insert(Id(i), kStart + absl::Seconds(i));
  for (uint64_t i = 0; i < kMax; ++i) ASSERT_TRUE(index.Contains(Id(i), kStart)) << i;

  index.Insert(Id(kMax), kStart + absl::Seconds(kMax));
  EXPECT_FALSE(index.Contains(Id(0), kStart + absl::Seconds(kMax)));
  EXPECT_TRUE(index.Contains(Id(1), kStart + absl::Seconds(kMax)));
  // Age expiry also takes them oldest first: ids 1..9 are older than the window.
  EXPECT_FALSE(index.Contains(Id(9), kStart + absl::Seconds(kMax + 10)));
  EXPECT_TRUE(index.Contains(Id(10), kStart + absl::Seconds(kMax + 10)));
  EXPECT_EQ(index.size(), kMax - 9);
}

// Age expiry moves the ring's head before the ring is full, so the ring has
// wrapped when it doubles: the copy must start at the head.
TEST(DedupeIndexTest, KeepsOrderWhenGrowingAfterTheRingWrapped) {
  DedupeIndex index({absl::Seconds(10), 5000});
  for (uint64_t i = 0; i < 1000; ++i) index.Insert(Id(i), kStart);
  ASSERT_FALSE(index.Contains(Id(0), kStart + absl::Seconds(20)));  // 0..999 expire.
  ASSERT_EQ(index.size(), 0u);
  // 1000..1499 wrap round the first ring of 1024; 1500..2999 make it grow.
  for (uint64_t i = 1000; i < 1500; ++i) index.Insert(Id(i), kStart + absl::Seconds(20));
  for (uint64_t i = 1500; i < 3000; ++i) index.Insert(Id(i), kStart + absl::Seconds(25));
  EXPECT_EQ(index.size(), 2000u);
  for (uint64_t i = 1000; i < 3000; ++i) {
    ASSERT_TRUE(index.Contains(Id(i), kStart + absl::Seconds(25))) << i;
  }
  EXPECT_FALSE(index.Contains(Id(1499), kStart + absl::Seconds(31)));
  EXPECT_TRUE(index.Contains(Id(1500), kStart + absl::Seconds(31)));
  EXPECT_EQ(index.size(), 1500u);
}

// Stored times are kept per second in which ids were stored, in a ring of
// buckets that wraps and doubles as needed, as does the ring of ids.
TEST(DedupeIndexTest, KeepsStoredTimesInOrderWhenGrowingAfterTheBucketsWrapped) {
  DedupeIndex index({absl::Seconds(1000), 5000});
  for (uint64_t i = 0; i < 100; ++i) index.Insert(Id(i), kStart + absl::Seconds(i));
  ASSERT_FALSE(index.Contains(Id(89), kStart + absl::Seconds(1090)));  // 0..89 expire.
  ASSERT_EQ(index.size(), 10u);
  // 1500 ids in 150 more seconds, ten a second: the 128 buckets wrap, then
  // fill and double; the 1024 ids fill and double.
  for (uint64_t i = 100; i < 1600; ++i) {
    index.Insert(Id(i), kStart + absl::Seconds(100 + (i - 100) / 10));
  }
  ASSERT_EQ(index.size(), 1510u);
  // Now everything stored before second 150 is older than the window.
  EXPECT_FALSE(index.Contains(Id(599), kStart + absl::Seconds(1150)));
  EXPECT_TRUE(index.Contains(Id(600), kStart + absl::Seconds(1150)));
  EXPECT_EQ(index.size(), 1000u);
  EXPECT_TRUE(index.Contains(Id(1599), kStart + absl::Seconds(1249)));
  EXPECT_FALSE(index.Contains(Id(1599), kStart + absl::Seconds(1250)));
  EXPECT_EQ(index.size(), 0u);
}

// With more distinct seconds than buckets (here 1000 seconds, and 1024 / 16
// + 64 = 128 buckets at most), seconds share buckets: ids are then remembered
// longer than the window, never shorter, and still forgotten in the end.
TEST(DedupeIndexTest, RemembersLongerNeverShorterWhenTimeBucketsRunOut) {
  DedupeIndex index({absl::Seconds(10'000), 1024});
  for (uint64_t i = 0; i < 1000; ++i) index.Insert(Id(i), kStart + absl::Seconds(i));
  for (uint64_t now = 10'000; now < 11'000; now += 50) {
    for (uint64_t i = now - 10'000; i < 1000; ++i) {  // Stored within the window.
      ASSERT_TRUE(index.Contains(Id(i), kStart + absl::Seconds(now))) << now << " " << i;
    }
  }
  EXPECT_FALSE(index.Contains(Id(0), kStart + absl::Seconds(11'000)));
  EXPECT_EQ(index.size(), 0u);
}

// The table keeps 32 bits of each fingerprint (its home and a filter); two ids
// that share them must still be told apart by the whole 128 bits in the ring.
TEST(DedupeIndexTest, TellsApartIdsWhoseFingerprintsShareTheTableBits) {
  const SipHashKey key{0x5eed, 0x10};
  absl::flat_hash_map<uint32_t, std::string> by_top;
  std::string first, second;
  for (uint64_t i = 0; first.empty(); ++i) {  // A birthday search: ~80 k ids.
    ASSERT_LT(i, 2'000'000u);
    const std::string id = Id(i);
    const auto [it, inserted] =
        by_top.emplace(static_cast<uint32_t>(SipHash128(key, id).hi >> 32), id);
    if (!inserted) {
      first = it->second;
      second = id;
    }
  }
  DedupeIndex index({absl::Hours(24), 100}, key);
  index.Insert(first, kStart);
  EXPECT_TRUE(index.Contains(first, kStart));
  EXPECT_FALSE(index.Contains(second, kStart));
  index.Insert(second, kStart);
  EXPECT_EQ(index.size(), 2u);
  EXPECT_TRUE(index.Contains(second, kStart));
}

// Drives the index and the obvious implementation (a set and a queue, as
// trackd had before) through the same pipeline-like steps and fails at the
// first answer or size that differs. Ids come from a universe of twice the
// cap, so repeats and re-insertion after eviction are common; time alternates
// between fast phases (the cap evicts) and slow ones (the window expires), with
// jumps now and then. The key is fixed so a failure repeats.
void RunAgainstModel(size_t max_ids, int steps) {
  const absl::Duration kWindow = absl::Seconds(10);
  DedupeIndex index({kWindow, max_ids}, SipHashKey{0x0123456789abcdefULL, max_ids});

  std::deque<std::pair<std::string, int64_t>> order;  // Id, stored ceil second.
  absl::flat_hash_set<std::string> remembered;
  auto ceil_seconds = [](absl::Time t) {
    const int64_t s = absl::ToUnixSeconds(t);
    return absl::FromUnixSeconds(s) < t ? s + 1 : s;
  };
  // Mean steps: the window holds 4 caps' worth of ids (fast), or half a cap.
  const int64_t fast_us = absl::ToInt64Microseconds(kWindow) / static_cast<int64_t>(4 * max_ids);
  const int64_t slow_us = absl::ToInt64Microseconds(kWindow) * 2 / static_cast<int64_t>(max_ids);

  std::mt19937_64 random(20261130);
  absl::Time now = kStart;
  int64_t aged_out = 0;
  int64_t pushed_out = 0;
  for (int step = 0; step < steps; ++step) {
    const int64_t mean_us = (step / 10'000) % 2 == 0 ? fast_us : slow_us;
    now += random() % 5000 == 0
               ? absl::Seconds(random() % 30)
               : absl::Microseconds(static_cast<int64_t>(random() % (2 * mean_us + 1)));
    const int64_t cutoff = ceil_seconds(now - kWindow);
    while (!order.empty() && order.front().second < cutoff) {
      remembered.erase(order.front().first);
      order.pop_front();
      ++aged_out;
    }
    const std::string id = Id(random() % (2 * max_ids));
    const bool expected = remembered.contains(id);
    ASSERT_EQ(index.Contains(id, now), expected) << "step " << step;
    if (!expected || random() % 16 == 0) {  // Sometimes a no-op re-insert.
      index.Insert(id, now);
      if (!expected) {
        if (order.size() == max_ids) {
          remembered.erase(order.front().first);
          order.pop_front();
          ++pushed_out;
        }
        remembered.insert(id);
        order.emplace_back(id, ceil_seconds(now));
      }
    }
    ASSERT_EQ(index.size(), order.size()) << "step " << step;
  }
  // Both ways of forgetting were exercised many times.
  EXPECT_GT(aged_out, steps / 20);
  EXPECT_GT(pushed_out, steps / 20);
}

TEST(DedupeIndexTest, AgreesWithASimpleModelOverMillionsOfInsertsAndEvictions) {
  RunAgainstModel(4096, 2'000'000);
}

// A table of 128 slots: clusters often run past the last slot to the first,
// where backward-shift deletion must compare positions cyclically.
TEST(DedupeIndexTest, AgreesWithASimpleModelWhenClustersWrapRoundTheTable) {
  RunAgainstModel(64, 1'000'000);
}

// Each id in a second of its own, the worst case for the time buckets.
TEST(DedupeIndexTest, StaysWithin32BytesPerIdWhenFull) {
  for (size_t max_ids : {size_t{1025}, size_t{100'000}, (size_t{1} << 20) + 1, size_t{2'000'000}}) {
    DedupeIndex index({absl::Hours(24), max_ids});
    size_t i = 0;
    for (; i < max_ids + 1000; ++i) index.Insert(Id(i), kStart + absl::Seconds(i));
    ASSERT_EQ(index.size(), max_ids);
    const size_t full = index.memory_bytes();
    EXPECT_LE(full, 32 * max_ids) << max_ids;
    for (; i < max_ids + 11'000; ++i) index.Insert(Id(i), kStart + absl::Seconds(i));
    EXPECT_EQ(index.memory_bytes(), full) << "grew past the cap: " << max_ids;
  }
}

TEST(DedupeIndexTest, DefaultCapFitsIn64MiB) {
  DedupeIndex index(DedupeOptions{});
  for (size_t i = 0; i < DedupeOptions{}.max_ids; ++i) index.Insert(Id(i), kStart);
  EXPECT_LE(index.memory_bytes(), size_t{64} << 20);
}

TEST(DedupeIndexTest, AnIdleIndexDoesNotReserveItsCap) {
  DedupeIndex index(DedupeOptions{});
  EXPECT_LE(index.memory_bytes(), size_t{64} << 10);
  for (size_t i = 0; i < 10'000; ++i) index.Insert(Id(i), kStart);
  EXPECT_LE(index.memory_bytes(), size_t{1} << 20);
}

}  // namespace
}  // namespace trackd

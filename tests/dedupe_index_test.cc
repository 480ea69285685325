#include "server/dedupe_index.h"

#include "gtest/gtest.h"

namespace trackd {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1'700'000'000);

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

}  // namespace
}  // namespace trackd

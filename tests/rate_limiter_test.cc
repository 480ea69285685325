// The per-client token bucket: it counts events, says when a call would fit,
// refuses a call larger than the burst for good, and keeps bounded state.
#include "server/rate_limiter.h"

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace trackd {
namespace {

using Verdict = RateDecision::Verdict;

const absl::Time kStart = absl::FromUnixSeconds(1'700'000'000);

TEST(RateLimiterTest, ABatchCostsItsNumberOfEvents) {
  RateLimiter limiter(/*rate_per_second=*/10, /*burst=*/10);
  EXPECT_EQ(limiter.Take("a", 8, kStart).verdict, Verdict::kAdmitted);
  const RateDecision refused = limiter.Take("a", 8, kStart);
  EXPECT_EQ(refused.verdict, Verdict::kRetryLater);
  // 2 tokens left, 6 more needed at 10 per second.
  EXPECT_EQ(refused.retry_after, absl::Milliseconds(600));
  EXPECT_EQ(limiter.Take("a", 8, kStart + absl::Milliseconds(600)).verdict, Verdict::kAdmitted);
}

TEST(RateLimiterTest, ACallLargerThanTheBurstNeverFits) {
  RateLimiter limiter(10, 10);
  EXPECT_EQ(limiter.Take("a", 500, kStart).verdict, Verdict::kNeverFits);
  EXPECT_EQ(limiter.Take("a", 500, kStart + absl::Hours(1)).verdict, Verdict::kNeverFits);
  // Nothing was taken: the whole burst is still there.
  EXPECT_EQ(limiter.Take("a", 10, kStart).verdict, Verdict::kAdmitted);
}

TEST(RateLimiterTest, ClientsHaveTheirOwnBuckets) {
  RateLimiter limiter(1, 1);
  EXPECT_EQ(limiter.Take("a", 1, kStart).verdict, Verdict::kAdmitted);
  EXPECT_EQ(limiter.Take("a", 1, kStart).verdict, Verdict::kRetryLater);
  EXPECT_EQ(limiter.Take("b", 1, kStart).verdict, Verdict::kAdmitted);
}

TEST(RateLimiterTest, StateIsBoundedAndTheLeastRecentlySeenClientGoesFirst) {
  RateLimiter limiter(1, 1, /*max_clients=*/3);
  for (const char* client : {"a", "b", "c"}) {
    EXPECT_EQ(limiter.Take(client, 1, kStart).verdict, Verdict::kAdmitted);
  }
  EXPECT_EQ(limiter.Take("a", 1, kStart).verdict, Verdict::kRetryLater);  // a: most recent.
  EXPECT_EQ(limiter.Take("d", 1, kStart).verdict, Verdict::kAdmitted);    // Evicts b.
  EXPECT_EQ(limiter.clients(), 3u);
  // a and c are still remembered as spent; b comes back with a full bucket.
  EXPECT_EQ(limiter.Take("a", 1, kStart).verdict, Verdict::kRetryLater);
  EXPECT_EQ(limiter.Take("c", 1, kStart).verdict, Verdict::kRetryLater);
  EXPECT_EQ(limiter.Take("b", 1, kStart).verdict, Verdict::kAdmitted);
  EXPECT_EQ(limiter.clients(), 3u);
}

TEST(RateLimiterTest, ManyClientsKeepTheStateAtTheBound) {
  RateLimiter limiter(1, 1, /*max_clients=*/1000);
  for (int i = 0; i < 100'000; ++i) limiter.Take(absl::StrCat("ipv4:10.0.", i), 1, kStart);
  EXPECT_EQ(limiter.clients(), 1000u);
}

TEST(RateLimiterTest, AClockGoingBackDoesNotDrainTheBucket) {
  RateLimiter limiter(10, 10);
  EXPECT_EQ(limiter.Take("a", 5, kStart).verdict, Verdict::kAdmitted);
  EXPECT_EQ(limiter.Take("a", 5, kStart - absl::Seconds(30)).verdict, Verdict::kAdmitted);
}

}  // namespace
}  // namespace trackd

#include "server/rate_limiter.h"

#include <algorithm>

namespace trackd {

RateDecision RateLimiter::Take(absl::string_view client, double cost, absl::Time now) {
  if (cost > burst_) return {.verdict = RateDecision::Verdict::kNeverFits};
  absl::MutexLock lock(&mu_);
  auto it = buckets_.find(client);
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_clients_ && !recency_.empty()) {
      buckets_.erase(recency_.back());
      recency_.pop_back();
    }
    recency_.emplace_front(client);
    it = buckets_.emplace(client, Bucket{burst_, now, recency_.begin()}).first;
  } else {
    recency_.splice(recency_.begin(), recency_, it->second.recency);
  }
  Bucket& bucket = it->second;
  const absl::Duration elapsed = std::max(absl::ZeroDuration(), now - bucket.updated);
  bucket.tokens = std::min(burst_, bucket.tokens + absl::ToDoubleSeconds(elapsed) * rate_);
  bucket.updated = std::max(bucket.updated, now);
  if (bucket.tokens >= cost) {
    bucket.tokens -= cost;
    return {};
  }
  return {.verdict = RateDecision::Verdict::kRetryLater,
          .retry_after = absl::Seconds((cost - bucket.tokens) / rate_)};
}

size_t RateLimiter::clients() const {
  absl::MutexLock lock(&mu_);
  return buckets_.size();
}

}  // namespace trackd

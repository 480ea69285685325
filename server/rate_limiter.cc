#include "server/rate_limiter.h"

#include <algorithm>

namespace trackd {
namespace {

// Beyond this many buckets, full (idle) ones are dropped: a full bucket is
// what a new client gets anyway, so forgetting it changes nothing.
constexpr size_t kMaxBuckets = 10000;

}  // namespace

absl::Duration RateLimiter::Take(absl::string_view client, double cost, absl::Time now) {
  absl::MutexLock lock(&mu_);
  if (buckets_.size() > kMaxBuckets) {
    absl::erase_if(buckets_, [&](const auto& entry) {
      const Bucket& b = entry.second;
      return b.tokens + absl::ToDoubleSeconds(now - b.updated) * rate_ >= burst_;
    });
  }
  auto [it, inserted] = buckets_.try_emplace(client, Bucket{burst_, now});
  Bucket& bucket = it->second;
  bucket.tokens =
      std::min(burst_, bucket.tokens + absl::ToDoubleSeconds(now - bucket.updated) * rate_);
  bucket.updated = now;
  cost = std::min(cost, burst_);  // A batch larger than the burst passes on a full bucket.
  if (bucket.tokens >= cost) {
    bucket.tokens -= cost;
    return absl::ZeroDuration();
  }
  return absl::Seconds((cost - bucket.tokens) / rate_);
}

}  // namespace trackd

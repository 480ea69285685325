// RateLimiter: a token bucket per client, for --rate_limit_per_client.
// Each client may send `rate` events per second on average and `burst` at
// once; a batch costs one token per item. Thread-safe.
#ifndef TRACKD_SERVER_RATE_LIMITER_H_
#define TRACKD_SERVER_RATE_LIMITER_H_

#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace trackd {

class RateLimiter {
 public:
  RateLimiter(double rate_per_second, double burst) : rate_(rate_per_second), burst_(burst) {}

  // Takes `cost` tokens from `client`'s bucket at `now`. Returns zero when
  // allowed, or how long until `cost` tokens will be there.
  absl::Duration Take(absl::string_view client, double cost, absl::Time now);

 private:
  struct Bucket {
    double tokens;
    absl::Time updated;
  };
  const double rate_;
  const double burst_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Bucket> buckets_ ABSL_GUARDED_BY(mu_);
};

}  // namespace trackd

#endif  // TRACKD_SERVER_RATE_LIMITER_H_

// RateLimiter: a token bucket per client, for --rate_limit_per_client.
//
// Each client may send `rate` events per second on average and `burst` at
// once. The limit counts events: a TrackBatch costs its number of items, so
// batching cannot get around it, and a batch larger than the burst can never
// be admitted (TakeResult says so). The buckets of at most `max_clients`
// clients are kept, least recently seen evicted first, at O(1) per call: a
// client forgotten this way comes back with a full bucket, as a new one would.
// Thread-safe.
#ifndef TRACKD_SERVER_RATE_LIMITER_H_
#define TRACKD_SERVER_RATE_LIMITER_H_

#include <cstddef>
#include <list>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace trackd {

// What RateLimiter::Take decided.
struct RateDecision {
  enum class Verdict {
    kAdmitted,    // The tokens were taken.
    kRetryLater,  // Not enough tokens now; `retry_after` until there are.
    kNeverFits,   // The cost exceeds the burst; no wait will help.
  };
  Verdict verdict = Verdict::kAdmitted;
  absl::Duration retry_after = absl::ZeroDuration();
};

class RateLimiter {
 public:
  static constexpr size_t kDefaultMaxClients = 10000;

  RateLimiter(double rate_per_second, double burst, size_t max_clients = kDefaultMaxClients)
      : rate_(rate_per_second), burst_(burst), max_clients_(max_clients) {}

  // Takes `cost` tokens (events) from `client`'s bucket at `now`, or none.
  RateDecision Take(absl::string_view client, double cost, absl::Time now);

  double burst() const { return burst_; }
  // The number of clients whose buckets are kept.
  size_t clients() const;

 private:
  struct Bucket {
    double tokens;
    absl::Time updated;
    std::list<std::string>::iterator recency;  // Its place in recency_.
  };
  const double rate_;
  const double burst_;
  const size_t max_clients_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Bucket> buckets_ ABSL_GUARDED_BY(mu_);
  // Client names, most recently seen first.
  std::list<std::string> recency_ ABSL_GUARDED_BY(mu_);
};

}  // namespace trackd

#endif  // TRACKD_SERVER_RATE_LIMITER_H_

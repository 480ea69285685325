// RequestMetrics: counts each finished call by method, status code and client,
// and its latency by method. Calls are counted on the request path, so the
// series are found once and kept: an anonymous call (no authentication) counts
// with two atomic adds, no lock and no allocation; a named client's series is
// looked up under the family's lock, still without allocating.
#ifndef TRACKD_SERVER_REQUEST_METRICS_H_
#define TRACKD_SERVER_REQUEST_METRICS_H_

#include <atomic>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "server/metrics.h"

namespace trackd {

// The metric families the service records into; each may be null (off).
struct ServiceMetrics {
  CounterFamily* requests = nullptr;   // {method, code, client}
  HistogramFamily* latency = nullptr;  // {method}
  CounterFamily* auth_failures = nullptr;
  CounterFamily* rate_limited = nullptr;  // {client}
};

enum class RpcMethod { kTrack = 0, kTrackBatch = 1 };

// "Track" or "TrackBatch", as in the metrics' method label.
const char* RpcMethodName(RpcMethod method);

// Thread-safe. The families must outlive it.
class RequestMetrics {
 public:
  explicit RequestMetrics(const ServiceMetrics& families) : families_(families) {}

  void Record(RpcMethod method, absl::StatusCode code, const std::string& client,
              absl::Duration latency);

 private:
  static constexpr int kMethods = 2;
  static constexpr int kCodes = 17;  // absl::StatusCode 0 (OK) to 16 (UNAUTHENTICATED).

  Counter* RequestSeries(RpcMethod method, absl::StatusCode code, const std::string& client);

  const ServiceMetrics families_;
  // Resolved on first use, so /metrics shows only series that counted a call.
  std::atomic<Counter*> anonymous_requests_[kMethods][kCodes] = {};
  std::atomic<Histogram*> latency_[kMethods] = {};
};

}  // namespace trackd

#endif  // TRACKD_SERVER_REQUEST_METRICS_H_

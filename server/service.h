// TrackServiceImpl: adapts the gRPC callback API to the Tracker.
//
// Before a call reaches the Tracker it passes the gate: draining (UNAVAILABLE),
// authentication (UNAUTHENTICATED), and the per-client rate limit
// (RESOURCE_EXHAUSTED with RetryInfo). Handlers never block: they hand the
// request on and finish the reactor when the pipeline reports the event
// durable (or refused). Each finished call is counted in the metrics.
#ifndef TRACKD_SERVER_SERVICE_H_
#define TRACKD_SERVER_SERVICE_H_

#include <atomic>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/authenticator.h"
#include "server/metrics.h"
#include "server/rate_limiter.h"
#include "server/tracker.h"
#include "trackd/v1/track.grpc.pb.h"

namespace trackd {

// The metric families the service records into.
struct ServiceMetrics {
  CounterFamily* requests = nullptr;     // {method, code, client}
  HistogramFamily* latency = nullptr;    // {method}
  CounterFamily* auth_failures = nullptr;
  CounterFamily* rate_limited = nullptr; // {client}
};

// Optional parts; each may be null (off).
struct ServiceOptions {
  TokenAuthenticator* authenticator = nullptr;
  RateLimiter* rate_limiter = nullptr;
  ServiceMetrics metrics;
};

// Thread-safe. `tracker` and the options' objects must outlive the service.
//
// Draining: once StartDraining is called, new calls are answered UNAVAILABLE
// (so clients retry on another replica) while calls already accepted run to
// their end. gRPC's own Shutdown also waits for idle client connections to
// close, which can take seconds; draining first lets the server stop as soon
// as its own work is done.
class TrackServiceImpl final : public v1::TrackService::CallbackService {
 public:
  TrackServiceImpl(Tracker& tracker, ServiceOptions options)
      : tracker_(tracker), options_(options) {}

  grpc::ServerUnaryReactor* Track(grpc::CallbackServerContext* context,
                                  const v1::TrackRequest* request,
                                  v1::TrackResponse* response) override;

  grpc::ServerUnaryReactor* TrackBatch(grpc::CallbackServerContext* context,
                                       const v1::TrackBatchRequest* request,
                                       v1::TrackBatchResponse* response) override;

  // Makes every later call fail fast with UNAVAILABLE.
  void StartDraining();
  bool draining() const { return draining_.load(); }

  // Waits until no accepted call is in flight, or until `deadline`. Returns
  // true when idle.
  bool WaitUntilIdle(absl::Time deadline) const;

 private:
  // Counts the call in, or returns false when draining.
  bool Enter();
  void Leave();
  // Authenticates and rate-limits a call of `events` events; returns the
  // client's name ("anonymous" without authentication).
  absl::StatusOr<std::string> Admit(grpc::CallbackServerContext* context, int events);
  void Record(const char* method, absl::StatusCode code, const std::string& client,
              absl::Time start);
  // The shape of both RPCs: gate the call, then `start_call(done)` hands it to
  // the Tracker, and `done` finishes the reactor with the result.
  template <typename Response, typename StartCall>
  grpc::ServerUnaryReactor* Serve(const char* method, grpc::CallbackServerContext* context,
                                  int events, Response* response, StartCall start_call);

  Tracker& tracker_;
  const ServiceOptions options_;
  std::atomic<int> in_flight_{0};
  std::atomic<bool> draining_{false};
};

}  // namespace trackd

#endif  // TRACKD_SERVER_SERVICE_H_

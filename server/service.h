// TrackServiceImpl: adapts the gRPC callback API to the Tracker.
//
// The service takes the raw request bytes and parses them through the
// server's wire view (server/wire/track_wire.proto) rather than protobuf's
// generated parser, which would refuse a string that is not UTF-8 before
// trackd could say which field holds it (and would fail a whole TrackBatch
// for one bad item). Before a call reaches the Tracker it passes the gate:
// draining (UNAVAILABLE), authentication (UNAUTHENTICATED), a request that is
// not a protobuf message at all (INVALID_ARGUMENT), and the per-client rate
// limit, which counts events (RESOURCE_EXHAUSTED with RetryInfo). Handlers
// never block: they hand the request on and finish the reactor when the
// pipeline reports the event durable (or refused). Each finished call is
// counted in the metrics.
#ifndef TRACKD_SERVER_SERVICE_H_
#define TRACKD_SERVER_SERVICE_H_

#include <atomic>
#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/support/byte_buffer.h"
#include "server/authenticator.h"
#include "server/metrics.h"
#include "server/rate_limiter.h"
#include "server/request_metrics.h"
#include "server/tracker.h"
#include "trackd/common/clock.h"
#include "trackd/v1/track.grpc.pb.h"

namespace trackd {

// Optional parts; each may be null (off).
struct ServiceOptions {
  TokenAuthenticator* authenticator = nullptr;
  RateLimiter* rate_limiter = nullptr;
  ServiceMetrics metrics;
  // The rate limit's clock, which also times calls and WaitUntilIdle. Must
  // outlive the service.
  Clock* clock = &Clock::Real();
};

// Both RPCs with raw (ByteBuffer) callback handlers.
using RawTrackService = v1::TrackService::WithRawCallbackMethod_Track<
    v1::TrackService::WithRawCallbackMethod_TrackBatch<v1::TrackService::Service>>;

// Thread-safe. `tracker` and the options' objects must outlive the service.
//
// Draining: once StartDraining is called, new calls are answered UNAVAILABLE
// (so clients retry on another replica) while calls already accepted run to
// their end. gRPC's own Shutdown also waits for idle client connections to
// close, which can take seconds; draining first lets the server stop as soon
// as its own work is done.
class TrackServiceImpl final : public RawTrackService {
 public:
  TrackServiceImpl(Tracker& tracker, ServiceOptions options)
      : tracker_(tracker), options_(options), request_metrics_(options_.metrics) {}

  grpc::ServerUnaryReactor* Track(grpc::CallbackServerContext* context,
                                  const grpc::ByteBuffer* request,
                                  grpc::ByteBuffer* response) override;

  grpc::ServerUnaryReactor* TrackBatch(grpc::CallbackServerContext* context,
                                       const grpc::ByteBuffer* request,
                                       grpc::ByteBuffer* response) override;

  // Makes every later call fail fast with UNAVAILABLE.
  void StartDraining();
  bool draining() const { return draining_.load(); }

  // Waits until no accepted call is in flight, or until `deadline` on the
  // options' clock. Returns true when idle.
  bool WaitUntilIdle(absl::Time deadline) const;

 private:
  // Counts the call in, or returns false when draining.
  bool Enter();
  void Leave();
  // Counts a call out; the last one out while draining wakes WaitUntilIdle.
  void CountOut();
  // Returns the client's name ("anonymous" without authentication), or
  // UNAUTHENTICATED.
  absl::StatusOr<std::string> Authenticate(grpc::CallbackServerContext* context);
  // Takes `events` from the client's rate limit, or returns RESOURCE_EXHAUSTED.
  absl::Status LimitRate(grpc::CallbackServerContext* context, const std::string& client,
                         int events);
  void Record(RpcMethod method, absl::StatusCode code, const std::string& client, absl::Time start);
  // The shape of both RPCs: gate the call, parse the request into a
  // `WireRequest`, then `start_call(wire, done)` hands it to the Tracker, and
  // `done` serializes the result into `response` and finishes the reactor.
  template <typename WireRequest, typename Response, typename StartCall>
  grpc::ServerUnaryReactor* Serve(RpcMethod method, grpc::CallbackServerContext* context,
                                  const grpc::ByteBuffer* request, grpc::ByteBuffer* response,
                                  StartCall start_call);

  Tracker& tracker_;
  const ServiceOptions options_;
  RequestMetrics request_metrics_;
  std::atomic<int> in_flight_{0};
  std::atomic<bool> draining_{false};
  // WaitUntilIdle waits under it; CountOut touches it only while draining,
  // so the hot path takes no lock.
  mutable absl::Mutex idle_mu_;
};

}  // namespace trackd

#endif  // TRACKD_SERVER_SERVICE_H_

// TrackServiceImpl: adapts the gRPC callback API to the Tracker.
//
// Handlers never block: they hand the request to the Tracker and finish the
// reactor when the pipeline reports the event durable (or refused).
#ifndef TRACKD_SERVER_SERVICE_H_
#define TRACKD_SERVER_SERVICE_H_

#include <atomic>

#include "absl/time/time.h"
#include "server/tracker.h"
#include "trackd/v1/track.grpc.pb.h"

namespace trackd {

// Thread-safe. `tracker` must outlive the service.
//
// Draining: once StartDraining is called, new calls are answered UNAVAILABLE
// (so clients retry on another replica) while calls already accepted run to
// their end. gRPC's own Shutdown also waits for idle client connections to
// close, which can take seconds; draining first lets the server stop as soon
// as its own work is done.
class TrackServiceImpl final : public v1::TrackService::CallbackService {
 public:
  explicit TrackServiceImpl(Tracker& tracker) : tracker_(tracker) {}

  grpc::ServerUnaryReactor* Track(grpc::CallbackServerContext* context,
                                  const v1::TrackRequest* request,
                                  v1::TrackResponse* response) override;

  grpc::ServerUnaryReactor* TrackBatch(grpc::CallbackServerContext* context,
                                       const v1::TrackBatchRequest* request,
                                       v1::TrackBatchResponse* response) override;

  // Makes every later call fail fast with UNAVAILABLE.
  void StartDraining();

  // Waits until no accepted call is in flight, or until `deadline`. Returns
  // true when idle.
  bool WaitUntilIdle(absl::Time deadline) const;

 private:
  // Counts the call in, or returns false when draining.
  bool Enter();
  void Leave();

  Tracker& tracker_;
  std::atomic<int> in_flight_{0};
  std::atomic<bool> draining_{false};
};

}  // namespace trackd

#endif  // TRACKD_SERVER_SERVICE_H_

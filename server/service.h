// TrackServiceImpl: adapts the gRPC callback API to the Tracker.
//
// Handlers never block: they hand the request to the Tracker and finish the
// reactor when the pipeline reports the event durable (or refused).
#ifndef TRACKD_SERVER_SERVICE_H_
#define TRACKD_SERVER_SERVICE_H_

#include "server/tracker.h"
#include "trackd/v1/track.grpc.pb.h"

namespace trackd {

// Thread-safe. `tracker` must outlive the service.
class TrackServiceImpl final : public v1::TrackService::CallbackService {
 public:
  explicit TrackServiceImpl(Tracker& tracker) : tracker_(tracker) {}

  grpc::ServerUnaryReactor* Track(grpc::CallbackServerContext* context,
                                  const v1::TrackRequest* request,
                                  v1::TrackResponse* response) override;

  grpc::ServerUnaryReactor* TrackBatch(grpc::CallbackServerContext* context,
                                       const v1::TrackBatchRequest* request,
                                       v1::TrackBatchResponse* response) override;

 private:
  Tracker& tracker_;
};

}  // namespace trackd

#endif  // TRACKD_SERVER_SERVICE_H_

#include "server/service.h"

#include "server/status_details.h"

namespace trackd {
namespace {

// Finishes `reactor` with `result`, moving an OK value into the gRPC-owned
// response, which stays valid until the reactor is finished.
template <typename Response>
void FinishWith(grpc::ServerUnaryReactor* reactor, Response* response,
                absl::StatusOr<Response> result) {
  if (!result.ok()) {
    reactor->Finish(ToGrpcStatus(result.status()));
    return;
  }
  *response = std::move(*result);
  reactor->Finish(grpc::Status::OK);
}

}  // namespace

grpc::ServerUnaryReactor* TrackServiceImpl::Track(grpc::CallbackServerContext* context,
                                                  const v1::TrackRequest* request,
                                                  v1::TrackResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  tracker_.Track(*request, [reactor, response](absl::StatusOr<v1::TrackResponse> result) {
    FinishWith(reactor, response, std::move(result));
  });
  return reactor;
}

grpc::ServerUnaryReactor* TrackServiceImpl::TrackBatch(grpc::CallbackServerContext* context,
                                                       const v1::TrackBatchRequest* request,
                                                       v1::TrackBatchResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  tracker_.TrackBatch(*request,
                      [reactor, response](absl::StatusOr<v1::TrackBatchResponse> result) {
                        FinishWith(reactor, response, std::move(result));
                      });
  return reactor;
}

}  // namespace trackd

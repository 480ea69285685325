#include "server/service.h"

#include "absl/time/clock.h"
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

grpc::Status ShuttingDown() {
  return ToGrpcStatus(
      WithRetryInfo(absl::UnavailableError("the server is shutting down"), absl::Seconds(1)));
}

}  // namespace

bool TrackServiceImpl::Enter() {
  // Count first, then look at the flag: a drainer that sets the flag and then
  // sees zero calls cannot miss one that got past the check.
  in_flight_.fetch_add(1);
  if (draining_.load()) {
    in_flight_.fetch_sub(1);
    return false;
  }
  return true;
}

void TrackServiceImpl::Leave() { in_flight_.fetch_sub(1); }

void TrackServiceImpl::StartDraining() { draining_.store(true); }

bool TrackServiceImpl::WaitUntilIdle(absl::Time deadline) const {
  // Shutdown only; a short poll keeps the hot path free of a condition variable.
  while (in_flight_.load() > 0) {
    if (absl::Now() >= deadline) return false;
    absl::SleepFor(absl::Milliseconds(5));
  }
  return true;
}

grpc::ServerUnaryReactor* TrackServiceImpl::Track(grpc::CallbackServerContext* context,
                                                  const v1::TrackRequest* request,
                                                  v1::TrackResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (!Enter()) {
    reactor->Finish(ShuttingDown());
    return reactor;
  }
  tracker_.Track(*request, [this, reactor, response](absl::StatusOr<v1::TrackResponse> result) {
    FinishWith(reactor, response, std::move(result));
    Leave();
  });
  return reactor;
}

grpc::ServerUnaryReactor* TrackServiceImpl::TrackBatch(grpc::CallbackServerContext* context,
                                                       const v1::TrackBatchRequest* request,
                                                       v1::TrackBatchResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (!Enter()) {
    reactor->Finish(ShuttingDown());
    return reactor;
  }
  tracker_.TrackBatch(*request,
                      [this, reactor, response](absl::StatusOr<v1::TrackBatchResponse> result) {
                        FinishWith(reactor, response, std::move(result));
                        Leave();
                      });
  return reactor;
}

}  // namespace trackd

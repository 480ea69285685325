#include "server/service.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/status_details.h"

namespace trackd {
namespace {

constexpr char kAnonymous[] = "anonymous";

// "ipv4:10.1.2.3:5678" or "ipv6:[::1]:5678" → the address without the port,
// the rate limit's key when calls are not authenticated.
std::string PeerHost(const std::string& peer) {
  const size_t colon = peer.rfind(':');
  return colon == std::string::npos ? peer : peer.substr(0, colon);
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

absl::StatusOr<std::string> TrackServiceImpl::Admit(grpc::CallbackServerContext* context,
                                                    int events) {
  std::string client = kAnonymous;
  if (options_.authenticator != nullptr) {
    const auto& metadata = context->client_metadata();
    const auto it = metadata.find("authorization");
    absl::StatusOr<std::string> name = absl::UnauthenticatedError("unauthenticated");
    if (it != metadata.end()) {
      name = options_.authenticator->Authenticate(
          absl::string_view(it->second.data(), it->second.size()));
    }
    if (!name.ok()) {
      if (options_.metrics.auth_failures != nullptr) options_.metrics.auth_failures->Add({});
      return name.status();
    }
    client = *std::move(name);
  }
  if (options_.rate_limiter != nullptr) {
    const std::string key =
        options_.authenticator != nullptr ? client : PeerHost(context->peer());
    const absl::Duration wait = options_.rate_limiter->Take(key, events, absl::Now());
    if (wait > absl::ZeroDuration()) {
      if (options_.metrics.rate_limited != nullptr) options_.metrics.rate_limited->Add({client});
      return WithRetryInfo(
          absl::ResourceExhaustedError(absl::StrCat("the rate limit of client ", client,
                                                    " is exceeded; retry later")),
          wait);
    }
  }
  return client;
}

void TrackServiceImpl::Record(const char* method, absl::StatusCode code,
                              const std::string& client, absl::Time start) {
  if (options_.metrics.requests != nullptr) {
    options_.metrics.requests->Add({method, absl::StatusCodeToString(code), client});
  }
  if (options_.metrics.latency != nullptr) {
    options_.metrics.latency->Observe({method}, absl::ToDoubleSeconds(absl::Now() - start));
  }
}

template <typename Response, typename StartCall>
grpc::ServerUnaryReactor* TrackServiceImpl::Serve(const char* method,
                                                  grpc::CallbackServerContext* context,
                                                  int events, Response* response,
                                                  StartCall start_call) {
  const absl::Time start = absl::Now();
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  const bool entered = Enter();
  absl::StatusOr<std::string> client =
      entered ? Admit(context, events)
              : WithRetryInfo(absl::UnavailableError("the server is shutting down"),
                              absl::Seconds(1));
  if (!client.ok()) {
    Record(method, client.status().code(), kAnonymous, start);
    reactor->Finish(ToGrpcStatus(client.status()));
    if (entered) Leave();
    return reactor;
  }
  start_call([this, method, reactor, response, start,
              client = *std::move(client)](absl::StatusOr<Response> result) {
    Record(method, result.status().code(), client, start);
    if (result.ok()) {
      *response = *std::move(result);  // gRPC owns `response` until Finish.
      reactor->Finish(grpc::Status::OK);
    } else {
      reactor->Finish(ToGrpcStatus(result.status()));
    }
    Leave();
  });
  return reactor;
}

grpc::ServerUnaryReactor* TrackServiceImpl::Track(grpc::CallbackServerContext* context,
                                                  const v1::TrackRequest* request,
                                                  v1::TrackResponse* response) {
  return Serve("Track", context, 1, response,
               [this, request](Tracker::TrackCallback done) { tracker_.Track(*request, done); });
}

grpc::ServerUnaryReactor* TrackServiceImpl::TrackBatch(grpc::CallbackServerContext* context,
                                                       const v1::TrackBatchRequest* request,
                                                       v1::TrackBatchResponse* response) {
  return Serve("TrackBatch", context, std::max(1, request->requests_size()), response,
               [this, request](Tracker::BatchCallback done) {
                 tracker_.TrackBatch(*request, done);
               });
}

}  // namespace trackd

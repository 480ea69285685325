#include "server/service.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "grpcpp/impl/codegen/proto_utils.h"
#include "grpcpp/support/proto_buffer_reader.h"
#include "server/scratch_message.h"
#include "server/wire/track_wire.pb.h"
#include "trackd/common/grpc_status.h"
#include "trackd/common/status_details.h"

namespace trackd {
namespace {

constexpr char kAnonymous[] = "anonymous";

// "ipv4:10.1.2.3:5678" or "ipv6:[::1]:5678" → the address without the port,
// the rate limit's key when calls are not authenticated.
std::string PeerHost(const std::string& peer) {
  const size_t colon = peer.rfind(':');
  return colon == std::string::npos ? peer : peer.substr(0, colon);
}

// Parses raw request bytes through the wire view, which leaves UTF-8 to the
// Tracker. Returns false when the bytes are not a protobuf message.
template <typename WireRequest>
bool ParseWire(const grpc::ByteBuffer& bytes, WireRequest* out) {
  grpc::ByteBuffer shared(bytes);  // Shares the slices; the reader needs a mutable buffer.
  grpc::ProtoBufferReader reader(&shared);
  return out->ParseFromZeroCopyStream(&reader);
}

// What the rate limit charges: one event per Track, one per batch item.
int EventCount(const wire::TrackRequest&) { return 1; }
int EventCount(const wire::TrackBatchRequest& batch) { return std::max(1, batch.requests_size()); }

}  // namespace

bool TrackServiceImpl::Enter() {
  // Count first, then look at the flag: a drainer that sets the flag and then
  // sees zero calls cannot miss one that got past the check.
  in_flight_.fetch_add(1);
  if (draining_.load()) {
    CountOut();
    return false;
  }
  return true;
}

void TrackServiceImpl::Leave() { CountOut(); }

void TrackServiceImpl::CountOut() {
  // Decrement first, then look at the flag (as in Enter): a drainer that set
  // the flag and saw a call in flight is then woken by its last call out.
  if (in_flight_.fetch_sub(1) == 1 && draining_.load()) {
    absl::MutexLock lock(&idle_mu_);  // Unlocking makes absl re-evaluate the waiter's condition.
  }
}

void TrackServiceImpl::StartDraining() { draining_.store(true); }

bool TrackServiceImpl::WaitUntilIdle(absl::Time deadline) const {
  // Shutdown only. CountOut wakes the wait while draining; short steps (5 ms
  // on the clock) also notice the last call leaving when not draining.
  const absl::Condition idle(
      +[](const std::atomic<int>* n) { return n->load() == 0; }, &in_flight_);
  Clock& clock = *options_.clock;
  absl::MutexLock lock(&idle_mu_);
  while (!idle.Eval()) {
    const absl::Time now = clock.Now();
    if (now >= deadline) return false;
    clock.AwaitWithDeadline(idle_mu_, idle, std::min(deadline, now + absl::Milliseconds(5)));
  }
  return true;
}

absl::StatusOr<std::string> TrackServiceImpl::Authenticate(grpc::CallbackServerContext* context) {
  if (options_.authenticator == nullptr) return std::string(kAnonymous);
  const auto& metadata = context->client_metadata();
  const auto it = metadata.find("authorization");
  absl::StatusOr<std::string> name = absl::UnauthenticatedError("unauthenticated");
  if (it != metadata.end()) {
    name = options_.authenticator->Authenticate(
        absl::string_view(it->second.data(), it->second.size()));
  }
  if (!name.ok() && options_.metrics.auth_failures != nullptr) {
    options_.metrics.auth_failures->Add({});
  }
  return name;
}

absl::Status TrackServiceImpl::LimitRate(grpc::CallbackServerContext* context,
                                         const std::string& client, int events) {
  RateLimiter* limiter = options_.rate_limiter;
  if (limiter == nullptr) return absl::OkStatus();
  const std::string key = options_.authenticator != nullptr ? client : PeerHost(context->peer());
  const RateDecision decision = limiter->Take(key, events, options_.clock->Now());
  if (decision.verdict == RateDecision::Verdict::kAdmitted) return absl::OkStatus();
  if (options_.metrics.rate_limited != nullptr) options_.metrics.rate_limited->Add({client});
  if (decision.verdict == RateDecision::Verdict::kNeverFits) {
    // No RetryInfo: no wait would help, and a retry policy should not try.
    return absl::ResourceExhaustedError(
        absl::StrCat("a call of ", events, " events can never fit the rate limit of client ",
                     client, ", whose burst is ", limiter->burst(),
                     " events; send batches of at most ", limiter->burst(), " events"));
  }
  return WithRetryInfo(absl::ResourceExhaustedError(absl::StrCat(
                           "the rate limit of client ", client, " is exceeded: ", events,
                           " event(s) fit again in ", absl::FormatDuration(decision.retry_after))),
                       decision.retry_after);
}

void TrackServiceImpl::Record(RpcMethod method, absl::StatusCode code, const std::string& client,
                              absl::Time start) {
  request_metrics_.Record(method, code, client, options_.clock->Now() - start);
}

template <typename WireRequest, typename Response, typename StartCall>
grpc::ServerUnaryReactor* TrackServiceImpl::Serve(RpcMethod method,
                                                  grpc::CallbackServerContext* context,
                                                  const grpc::ByteBuffer* request,
                                                  grpc::ByteBuffer* response,
                                                  StartCall start_call) {
  const absl::Time start = options_.clock->Now();
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  const bool entered = Enter();
  // The gate, in order: draining, authentication, a parsable request, the
  // rate limit (which needs the request's event count).
  absl::Status refused =
      entered
          ? absl::OkStatus()
          : WithRetryInfo(absl::UnavailableError("the server is shutting down"), absl::Seconds(1));
  std::string client = kAnonymous;
  if (refused.ok()) {
    absl::StatusOr<std::string> name = Authenticate(context);
    if (name.ok()) {
      client = *std::move(name);
    } else {
      refused = name.status();
    }
  }
  ScratchMessage<WireRequest> scratch(request->Length());
  WireRequest& wire = *scratch;
  if (refused.ok() && !ParseWire(*request, &wire)) {
    refused = absl::InvalidArgumentError(absl::StrCat(
        "the request is not a valid ", WireRequest::descriptor()->name(), " protobuf message"));
  }
  if (refused.ok()) refused = LimitRate(context, client, EventCount(wire));
  if (!refused.ok()) {
    Record(method, refused.code(), client, start);
    reactor->Finish(ToGrpcStatus(refused));
    if (entered) Leave();
    return reactor;
  }
  start_call(wire, [this, method, reactor, response, start,
                    client = std::move(client)](absl::StatusOr<const Response*> result) {
    Record(method, result.status().code(), client, start);
    if (result.ok()) {
      bool own_buffer;  // gRPC owns `response` until Finish.
      reactor->Finish(
          grpc::SerializationTraits<Response>::Serialize(**result, response, &own_buffer));
    } else {
      reactor->Finish(ToGrpcStatus(result.status()));
    }
    Leave();
  });
  return reactor;
}

grpc::ServerUnaryReactor* TrackServiceImpl::Track(grpc::CallbackServerContext* context,
                                                  const grpc::ByteBuffer* request,
                                                  grpc::ByteBuffer* response) {
  return Serve<wire::TrackRequest, v1::TrackResponse>(
      RpcMethod::kTrack, context, request, response,
      [this](const wire::TrackRequest& wire, Tracker::TrackCallback done) {
        tracker_.Track(wire, std::move(done));
      });
}

grpc::ServerUnaryReactor* TrackServiceImpl::TrackBatch(grpc::CallbackServerContext* context,
                                                       const grpc::ByteBuffer* request,
                                                       grpc::ByteBuffer* response) {
  return Serve<wire::TrackBatchRequest, v1::TrackBatchResponse>(
      RpcMethod::kTrackBatch, context, request, response,
      [this](const wire::TrackBatchRequest& wire, Tracker::BatchCallback done) {
        tracker_.TrackBatch(wire, std::move(done));
      });
}

}  // namespace trackd

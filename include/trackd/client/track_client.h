// TrackClient: the C++ client library of trackd.
//
// Wraps the generated trackd.v1.TrackService stub so a service reports an
// event in a few lines:
//
//   auto client = trackd::TrackClient::Create({.target = "127.0.0.1:50051"});
//   auto response = (*client)->TrackAccountAddedUser(
//       {.user_id = "u1", .group_id = "acct1", .user_role = "Developer"});
//   if (!response.ok()) {
//     for (const auto& v : trackd::ViolationsOf(response.status())) { ... v.field ... }
//   }
//
// Every call has a deadline. The channel carries the retry policy of
// proto/trackd/v1/service_config.json (UNAVAILABLE and RESOURCE_EXHAUSTED are
// retried with exponential backoff), which is safe because the client fills in
// a message_id before the first attempt and the server deduplicates by it.
#ifndef TRACKD_CLIENT_TRACK_CLIENT_H_
#define TRACKD_CLIENT_TRACK_CLIENT_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/channel.h"
#include "trackd/common/clock.h"
#include "trackd/common/field_violation.h"
#include "trackd/common/status_details.h"
#include "trackd/v1/track.grpc.pb.h"

namespace trackd {

// Returns the shared retry service config (proto/trackd/v1/service_config.json).
const std::string& DefaultServiceConfig();

enum class ChannelSecurity {
  kPlaintext,  // For local use and tests only.
  kTls,        // TLS; with a client certificate and key, mutual TLS.
};

struct ClientOptions {
  // gRPC target, e.g. "127.0.0.1:50051" or "dns:///trackd-headless:50051".
  std::string target = "127.0.0.1:50051";
  ChannelSecurity security = ChannelSecurity::kPlaintext;
  // PEM roots to verify the server with; empty means the system's roots.
  std::string tls_root_certs_pem;
  // PEM client certificate chain and key for mTLS; both empty for plain TLS.
  std::string tls_client_cert_pem;
  std::string tls_client_key_pem;
  // The deadline of each call, covering all of its retries.
  absl::Duration deadline = absl::Seconds(10);
  // The channel's service config (retry policy); "" for none.
  std::string service_config_json = DefaultServiceConfig();
  // Sent as "authorization: Bearer <token>" on every call when not empty
  // (servers started with --auth_tokens_file need it).
  std::string bearer_token;
  // A load-balancing policy such as "round_robin" for a headless Service;
  // "" keeps the service config's (pick_first by default).
  std::string load_balancing_policy;
  // The time of day for the message_ids and timestamps the client fills in;
  // must outlive the client. Tests pass a fake one.
  Clock* clock = &Clock::Real();
};

// The properties of one account_added_user event, with its envelope.
struct AccountAddedUserEvent {
  std::string user_id;                  // Required.
  std::string group_id;                 // Required: the account.
  std::string user_role;                // Required.
  std::string user_name;                // Optional.
  std::string user_email;               // Optional.
  std::string message_id;               // Optional: a new UUIDv7 when empty.
  std::optional<absl::Time> timestamp;  // Optional: now when unset.
  bool validate_only = false;           // A dry run: see TrackClient::DryRun.
};

// Thread-safe: one client may be shared by every thread of a process.
class TrackClient {
 public:
  // Creates a client with its own channel. INVALID_ARGUMENT for an empty
  // target or a TLS key without a certificate (or the reverse).
  static absl::StatusOr<std::unique_ptr<TrackClient>> Create(ClientOptions options);

  // Sends one account_added_user event. Returns the server's response, or its
  // status: INVALID_ARGUMENT carries the field violations (see ViolationsOf),
  // UNAVAILABLE / RESOURCE_EXHAUSTED remain after the retries ran out,
  // DEADLINE_EXCEEDED when the deadline passed (the event may be stored; the
  // same call again is safe).
  absl::StatusOr<v1::TrackResponse> TrackAccountAddedUser(const AccountAddedUserEvent& event);

  // Sends any event; fills message_id and timestamp when they are empty.
  absl::StatusOr<v1::TrackResponse> Track(v1::TrackRequest request);

  // Sends up to 500 events; fills each item's message_id and timestamp when empty.
  absl::StatusOr<v1::TrackBatchResponse> TrackBatch(v1::TrackBatchRequest request);

  // Dry runs (validate_only, docs/contract.md "Dry runs"): the event(s) are
  // judged exactly as Track / TrackBatch would judge them -- same violations,
  // same status codes, duplicate for an id already stored -- and stored
  // nowhere. An accepted event comes back with the documented JSON line a real
  // call would write (documented_json), for golden tests. Defaults are filled
  // in as for a real call, so a golden test sets its own timestamp.
  absl::StatusOr<v1::TrackResponse> DryRun(v1::TrackRequest request);
  absl::StatusOr<v1::TrackBatchResponse> DryRunBatch(v1::TrackBatchRequest request);

  // Asks grpc.health.v1 for the server's overall status.
  absl::StatusOr<grpc::health::v1::HealthCheckResponse::ServingStatus> CheckHealth();

  // Fills an empty message_id (new UUIDv7) and an unset timestamp (now).
  void FillDefaults(v1::TrackRequest& request) const;

 private:
  TrackClient(ClientOptions options, std::shared_ptr<grpc::Channel> channel);

  std::unique_ptr<grpc::ClientContext> NewContext() const;

  const ClientOptions options_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::TrackService::Stub> stub_;
  std::unique_ptr<grpc::health::v1::Health::Stub> health_stub_;
};

}  // namespace trackd

#endif  // TRACKD_CLIENT_TRACK_CLIENT_H_

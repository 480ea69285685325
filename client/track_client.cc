#include "trackd/client/track_client.h"

#include <chrono>

#include "absl/time/clock.h"
#include "client/service_config_json.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"
#include "trackd/common/grpc_status.h"
#include "trackd/common/message_id.h"

namespace trackd {

const std::string& DefaultServiceConfig() {
  static const std::string* const config = new std::string(kServiceConfigJson);
  return *config;
}

absl::StatusOr<std::unique_ptr<TrackClient>> TrackClient::Create(ClientOptions options) {
  if (options.target.empty()) return absl::InvalidArgumentError("target must not be empty");
  if (options.tls_client_cert_pem.empty() != options.tls_client_key_pem.empty()) {
    return absl::InvalidArgumentError(
        "a TLS client certificate and its key must be given together");
  }
  if (options.deadline <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("deadline must be positive");
  }
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  if (options.security == ChannelSecurity::kTls) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = options.tls_root_certs_pem;
    ssl.pem_cert_chain = options.tls_client_cert_pem;
    ssl.pem_private_key = options.tls_client_key_pem;
    credentials = grpc::SslCredentials(ssl);
  } else {
    credentials = grpc::InsecureChannelCredentials();
  }
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_ENABLE_RETRIES, 1);
  if (!options.service_config_json.empty()) {
    args.SetServiceConfigJSON(options.service_config_json);
  }
  if (!options.load_balancing_policy.empty()) {
    args.SetLoadBalancingPolicyName(options.load_balancing_policy);
  }
  auto channel = grpc::CreateCustomChannel(options.target, credentials, args);
  return std::unique_ptr<TrackClient>(new TrackClient(std::move(options), std::move(channel)));
}

TrackClient::TrackClient(ClientOptions options, std::shared_ptr<grpc::Channel> channel)
    : options_(std::move(options)),
      channel_(std::move(channel)),
      stub_(v1::TrackService::NewStub(channel_)),
      health_stub_(grpc::health::v1::Health::NewStub(channel_)) {}

std::unique_ptr<grpc::ClientContext> TrackClient::NewContext() const {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() +
                        absl::ToChronoMilliseconds(options_.deadline));
  if (!options_.bearer_token.empty()) {
    context->AddMetadata("authorization", "Bearer " + options_.bearer_token);
  }
  return context;
}

void TrackClient::FillDefaults(v1::TrackRequest& request) const {
  const absl::Time now = options_.clock->Now();
  if (request.message_id().empty()) request.set_message_id(NewMessageId(now));
  if (!request.has_timestamp()) {
    const int64_t nanos = absl::ToUnixNanos(now);
    request.mutable_timestamp()->set_seconds(nanos / 1'000'000'000);
    request.mutable_timestamp()->set_nanos(static_cast<int32_t>(nanos % 1'000'000'000));
  }
}

absl::StatusOr<v1::TrackResponse> TrackClient::TrackAccountAddedUser(
    const AccountAddedUserEvent& event) {
  v1::TrackRequest request;
  request.set_message_id(event.message_id);
  request.set_user_id(event.user_id);
  request.set_group_id(event.group_id);
  if (event.timestamp.has_value()) {
    const int64_t nanos = absl::ToUnixNanos(*event.timestamp);
    request.mutable_timestamp()->set_seconds(nanos / 1'000'000'000);
    request.mutable_timestamp()->set_nanos(static_cast<int32_t>(nanos % 1'000'000'000));
  }
  auto* props = request.mutable_account_added_user();
  props->set_user_role(event.user_role);
  props->set_user_name(event.user_name);
  props->set_user_email(event.user_email);
  request.set_validate_only(event.validate_only);
  return Track(std::move(request));
}

absl::StatusOr<v1::TrackResponse> TrackClient::Track(v1::TrackRequest request) {
  FillDefaults(request);
  auto context = NewContext();
  v1::TrackResponse response;
  const grpc::Status status = stub_->Track(context.get(), request, &response);
  if (!status.ok()) return FromGrpcStatus(status);
  return response;
}

absl::StatusOr<v1::TrackBatchResponse> TrackClient::TrackBatch(v1::TrackBatchRequest request) {
  for (auto& item : *request.mutable_requests()) FillDefaults(item);
  auto context = NewContext();
  v1::TrackBatchResponse response;
  const grpc::Status status = stub_->TrackBatch(context.get(), request, &response);
  if (!status.ok()) return FromGrpcStatus(status);
  return response;
}

absl::StatusOr<v1::TrackResponse> TrackClient::DryRun(v1::TrackRequest request) {
  request.set_validate_only(true);
  return Track(std::move(request));
}

absl::StatusOr<v1::TrackBatchResponse> TrackClient::DryRunBatch(v1::TrackBatchRequest request) {
  request.set_validate_only(true);
  return TrackBatch(std::move(request));
}

absl::StatusOr<grpc::health::v1::HealthCheckResponse::ServingStatus> TrackClient::CheckHealth() {
  auto context = NewContext();
  grpc::health::v1::HealthCheckResponse response;
  const grpc::Status status =
      health_stub_->Check(context.get(), grpc::health::v1::HealthCheckRequest(), &response);
  if (!status.ok()) return FromGrpcStatus(status);
  return response.status();
}

}  // namespace trackd

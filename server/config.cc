#include "server/config.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace trackd {
namespace {

// True for 127.0.0.0/8, ::1 and localhost listen addresses.
bool IsLoopback(const std::string& listen) {
  const std::string host = listen.substr(0, listen.rfind(':'));
  return absl::StartsWith(host, "127.") || host == "localhost" || host == "[::1]" || host == "::1";
}

// The log, the queue, deduplication, timestamps and shutdown.
absl::Status ValidateStore(const ServerConfig& config) {
  if (config.log.dir.empty()) return absl::InvalidArgumentError("--data_dir must not be empty");
  if (config.pipeline.max_queued_events < 500) {
    return absl::InvalidArgumentError(
        "--max_queued_events must be at least 500, the size of a full batch");
  }
  if (config.pipeline.max_queued_bytes < (16 << 20)) {
    return absl::InvalidArgumentError(
        "--max_queued_bytes must be at least 16777216, room for a full batch of maximal events");
  }
  if (config.dedupe.window <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--dedupe_window must be positive");
  }
  if (config.dedupe.max_ids == 0) {
    return absl::InvalidArgumentError("--dedupe_max_ids must be positive");
  }
  if (config.timestamps.max_future < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--max_future must not be negative");
  }
  if (config.shutdown_grace < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--shutdown_grace must not be negative");
  }
  return absl::OkStatus();
}

// The listen address and what protects it.
absl::Status ValidateTransport(const ServerConfig& config) {
  const TlsConfig& tls = config.tls;
  if (config.listen.empty()) return absl::InvalidArgumentError("--listen must not be empty");
  if (tls.cert_file.empty() != tls.key_file.empty()) {
    return absl::InvalidArgumentError("--tls_cert_file and --tls_key_file go together");
  }
  if (!tls.client_ca_file.empty() && !tls.enabled()) {
    return absl::InvalidArgumentError(
        "--tls_client_ca_file needs --tls_cert_file and --tls_key_file");
  }
  if (tls.reload_interval < absl::Seconds(1)) {
    return absl::InvalidArgumentError("--tls_reload_interval must be at least 1s");
  }
  if (!tls.enabled() && !config.allow_plaintext && !IsLoopback(config.listen)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "refusing plaintext gRPC on ", config.listen,
        ": give --tls_cert_file and --tls_key_file, or choose --plaintext explicitly"));
  }
  return absl::OkStatus();
}

absl::Status ValidateLimits(const LimitsConfig& limits) {
  if (limits.max_message_bytes < (64 << 10)) {
    return absl::InvalidArgumentError("--max_message_bytes must be at least 65536");
  }
  if (limits.max_batch_items < 1 || limits.max_batch_items > kMaxBatchItems) {
    return absl::InvalidArgumentError("--max_batch_items must be 1 to 500");
  }
  if (limits.max_concurrent_streams < 1) {
    return absl::InvalidArgumentError("--max_concurrent_streams must be positive");
  }
  if (limits.rate_limit_per_client < 0) {
    return absl::InvalidArgumentError("--rate_limit_per_client must not be negative");
  }
  if (limits.rate_limit_burst < 0) {
    return absl::InvalidArgumentError("--rate_limit_burst must not be negative");
  }
  const std::pair<const char*, absl::Duration> connection_durations[] = {
      {"keepalive_time", limits.keepalive_time},
      {"keepalive_timeout", limits.keepalive_timeout},
      {"max_connection_age", limits.max_connection_age},
      {"max_connection_age_grace", limits.max_connection_age_grace},
      {"max_connection_idle", limits.max_connection_idle}};
  for (const auto& [flag, duration] : connection_durations) {
    if (duration < absl::Seconds(1)) {
      return absl::InvalidArgumentError(absl::StrCat("--", flag, " must be at least 1s"));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateHttpSink(const HttpForwarderOptions& http) {
  if (!absl::StartsWith(http.http.url, "http://") && !absl::StartsWith(http.http.url, "https://")) {
    return absl::InvalidArgumentError("--sink=http needs --http_url=http(s)://...");
  }
  if (http.batch < 1 || http.batch > 500) {
    return absl::InvalidArgumentError("--http_batch must be 1 to 500");
  }
  const std::pair<const char*, absl::Duration> durations[] = {
      {"http_connect_timeout", http.http.connect_timeout},
      {"http_timeout", http.http.total_timeout},
      {"http_max_backoff", http.max_backoff}};
  for (const auto& [flag, duration] : durations) {
    if (duration <= absl::ZeroDuration()) {
      return absl::InvalidArgumentError(absl::StrCat("--", flag, " must be positive"));
    }
  }
  const std::string& auth = http.auth_header;
  if (!auth.empty() &&
      (auth.find(':') == std::string::npos || auth.find_first_of("\r\n") != std::string::npos)) {
    // The header is a secret: the message says what is wrong, never what it holds.
    return absl::InvalidArgumentError(
        "the HTTP auth header must be one line 'Name: value' (its value is not shown)");
  }
  return absl::OkStatus();
}

absl::Status ValidateKafkaSink(const KafkaSinkOptions& kafka) {
  if (kafka.brokers.empty()) {
    return absl::InvalidArgumentError("--sink=kafka needs --kafka_brokers");
  }
  if (kafka.topic.empty()) return absl::InvalidArgumentError("--sink=kafka needs --kafka_topic");
  if (kafka.delivery_timeout < absl::Seconds(1)) {
    return absl::InvalidArgumentError("--kafka_delivery_timeout must be at least 1s");
  }
  for (const auto& [key, value] : kafka.properties) {
    if (key.empty()) {
      return absl::InvalidArgumentError("--kafka_property must be key=value, got an empty key");
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ServerConfig::Validate() const {
  if (auto status = ValidateTransport(*this); !status.ok()) return status;
  if (auto status = ValidateStore(*this); !status.ok()) return status;
  if (auto status = ValidateLimits(limits); !status.ok()) return status;
  if (personal_data.policy == PersonalDataPolicy::kHash && personal_data.key_file.empty()) {
    return absl::InvalidArgumentError(
        "--personal_data=hash needs --personal_data_key_file (the HMAC key)");
  }
  switch (sink) {
    case SinkKind::kFile:
      return absl::OkStatus();
    case SinkKind::kHttp:
      return ValidateHttpSink(http);
    case SinkKind::kKafka:
      return ValidateKafkaSink(kafka);
  }
  return absl::InvalidArgumentError("--sink must be file, http or kafka");
}

absl::Status ServerConfig::ValidateWithSizingFloors() const {
  if (auto status = Validate(); !status.ok()) return status;
  if (log.segment_bytes < 4096) {
    return absl::InvalidArgumentError("--segment_bytes must be at least 4096");
  }
  if (sink == SinkKind::kHttp && spool_max_bytes < log.segment_bytes) {
    return absl::InvalidArgumentError("--spool_max_bytes must be at least --segment_bytes");
  }
  return absl::OkStatus();
}

}  // namespace trackd

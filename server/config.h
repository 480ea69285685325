// The configuration of a trackd server: one plain struct with commented
// defaults, and the rules every configuration must satisfy. main fills it from
// flags (server/flags.h); tests and embedders build it in code. Both end in
// Validate, which TrackdServer::Start calls too, so a configuration built in
// code cannot skip a rule the flags enforce.
#ifndef TRACKD_SERVER_CONFIG_H_
#define TRACKD_SERVER_CONFIG_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "server/dedupe_index.h"
#include "server/event_log.h"
#include "server/personal_data.h"
#include "server/pipeline.h"
#include "server/sinks/http_forwarder.h"
#include "server/sinks/kafka_sink.h"
#include "server/validate.h"

namespace trackd {

enum class SinkKind {
  kFile,   // The embedded log is the store.
  kHttp,   // The embedded log is a spool; HttpForwarder delivers to the Track API.
  kKafka,  // Events go to Kafka; OK after the delivery report.
};

// Transport security. With cert and key files: TLS; with a client CA as
// well: mutual TLS (a client certificate is required and verified). The files
// are watched and reloaded when they change, without dropping connections.
struct TlsConfig {
  std::string cert_file;
  std::string key_file;
  std::string client_ca_file;
  absl::Duration reload_interval = absl::Seconds(10);
  bool enabled() const { return !cert_file.empty(); }
};

// Limits that keep abusive or broken callers in check, and connection
// settings that suit load balancers (see README for the reasoning).
struct LimitsConfig {
  int max_message_bytes = 4 << 20;
  int max_batch_items = kMaxBatchItems;
  int max_concurrent_streams = 100;  // Per connection.
  double rate_limit_per_client = 0;  // Events per second; 0 = off.
  double rate_limit_burst = 0;       // 0 = one second's worth.
  absl::Duration keepalive_time = absl::Seconds(60);
  absl::Duration keepalive_timeout = absl::Seconds(20);
  absl::Duration max_connection_age = absl::Minutes(5);
  absl::Duration max_connection_age_grace = absl::Seconds(30);
  absl::Duration max_connection_idle = absl::Minutes(15);
};

// What the sink writes or forwards for the fields the contract declares
// personal (personal_data.h). One sink per process: this is its policy.
struct PersonalDataConfig {
  PersonalDataPolicy policy = PersonalDataPolicy::kKeep;
  // kHash: a file of at least 32 bytes, not readable by everyone; its bytes
  // are the HMAC key. Read at Start, never logged.
  std::string key_file;
};

struct ServerConfig {
  // The address gRPC listens on; port 0 picks a free port (see port()).
  std::string listen = "127.0.0.1:50051";
  // Plaintext gRPC on a non-loopback `listen` address is refused unless this
  // is set (--plaintext); loopback always may be plaintext.
  bool allow_plaintext = false;
  EventLogOptions log;
  DedupeOptions dedupe;
  PipelineOptions pipeline;
  TimestampBounds timestamps;
  // How long Shutdown waits for in-flight calls before cancelling them.
  absl::Duration shutdown_grace = absl::Seconds(20);
  SinkKind sink = SinkKind::kFile;
  // kHttp: the most bytes of undelivered events the spool holds; beyond it
  // Track answers RESOURCE_EXHAUSTED.
  uint64_t spool_max_bytes = uint64_t{1} << 30;
  HttpForwarderOptions http;  // kHttp. Empty paths default into log.dir.
  KafkaSinkOptions kafka;     // kKafka.
  TlsConfig tls;
  LimitsConfig limits;
  PersonalDataConfig personal_data;
  // Hashed bearer tokens (see authenticator.h); "" turns authentication off.
  std::string auth_tokens_file;
  // The admin HTTP port (/metrics, /healthz, /readyz); "" turns it off.
  std::string admin_listen;

  // OK when the server can run as configured; otherwise INVALID_ARGUMENT for
  // the first broken rule, its message naming the flag that sets the field
  // (such as "--max_batch_items must be 1 to 500"). Rules of a sink apply
  // only when it is the chosen one. Never shows the HTTP auth header.
  absl::Status Validate() const;

  // Validate, then the two sizing floors the flags impose: --segment_bytes at
  // least 4096 and, for kHttp, --spool_max_bytes at least --segment_bytes.
  // They keep a production data directory from turning into thousands of tiny
  // files, but the server works below them, and tests go there on purpose
  // (tiny segments exercise rotation, a spool smaller than a segment fills
  // within a few events); hence Start checks only Validate.
  absl::Status ValidateWithSizingFloors() const;
};

}  // namespace trackd

#endif  // TRACKD_SERVER_CONFIG_H_
